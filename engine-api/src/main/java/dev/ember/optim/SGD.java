package dev.ember.optim;

import dev.ember.Format;
import dev.ember.OptimizerOps;
import dev.ember.Tensor;
import dev.ember.backend.OptimizerKind;
import dev.ember.sparse.SparseGrads;
import dev.ember.sparse.SparseTensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stochastic gradient descent with momentum, dampening, Nesterov and weight decay, as {@code torch.optim.SGD}
 * (PyTorch 2.x's single-tensor update): {@code g = grad + weight_decay * p}; with momentum, the buffer starts as a copy
 * of {@code g} and then becomes {@code momentum * buf + (1 - dampening) * g}, and {@code g} is the buffer (or
 * {@code g + momentum * buf} with Nesterov); {@code p -= lr * g}. Options: {@code lr}, {@code momentum},
 * {@code dampening}, {@code weight_decay}, {@code nesterov}; state: {@code momentum_buffer} (with momentum; a
 * {@link SparseTensor} for a parameter whose gradients are sparse, as PyTorch's). A subclass may add its own state
 * entries through {@code state(p)}, which the state dict carries ({@link Optimizer}: "Optimizers written outside Ember").
 */
public class SGD extends Optimizer {

    /** Plain SGD. */
    public SGD(List<Tensor> params, double lr) {
        this(params, lr, 0, 0, 0, false);
    }

    /**
     * SGD with every option.
     *
     * @throws IllegalArgumentException with PyTorch's messages for a negative learning rate, momentum or weight decay,
     *     or Nesterov without momentum or with dampening; nan and infinite values are refused too
     */
    public SGD(List<Tensor> params, double lr, double momentum, double dampening, double weightDecay, boolean nesterov) {
        super(params, defaults(lr, momentum, dampening, weightDecay, nesterov), SGD::check);
    }

    private static Map<String, Object> defaults(double lr, double momentum, double dampening, double weightDecay,
                                                boolean nesterov) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("lr", lr);
        d.put("momentum", momentum);
        d.put("dampening", dampening);
        d.put("weight_decay", weightDecay);
        d.put("nesterov", nesterov);
        for (Map.Entry<String, Object> e : d.entrySet()) {
            check(e.getKey(), e.getValue());
        }
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new IllegalArgumentException("Nesterov momentum requires a momentum and zero dampening");
        }
        pytorchFlags(d, "maximize", "foreach", "differentiable", "fused");
        return d;
    }

    private static void check(String name, Object value) {
        switch (name) {
            case "momentum":
                checkNonNegative("momentum", (Double) value);
                break;
            case "dampening":
                if (!Double.isFinite((Double) value)) {
                    throw new IllegalArgumentException("Invalid dampening value: " + Format.repr((Double) value));
                }
                break;
            default:
                checkCommon(name, value);
        }
    }

    @Override
    boolean countsSteps() {
        return false;
    }

    @Override
    List<String> optionalStateTensors() {
        return List.of("momentum_buffer");
    }

    @Override
    List<String> stateTensors(ParamGroup group, Map<String, Object> options) {
        return (Double) options.get("momentum") != 0 ? List.of("momentum_buffer") : List.of();
    }

    /** Updates every parameter that has a gradient; checks them all, and their momentum buffers, first. */
    @Override
    public void step() {
        withStepHooks(this::update);
    }

    private void update() {
        refuseSparseWith("weight_decay", "nesterov");
        refuseDenseGradIntoSparseBuffer();
        forEachParameter((group, p, grad, s, fresh) -> {
            double lr = group.lr();
            double momentum = group.getDouble("momentum");
            double dampening = group.getDouble("dampening");
            double weightDecay = group.getDouble("weight_decay");
            boolean nesterov = (Boolean) group.get("nesterov");
            Tensor buffer = s.tensor("momentum_buffer");
            if (grad == null) {
                sparseStep(group, p, s, lr, momentum, dampening);
                return;
            }
            boolean first = momentum != 0 && buffer == null;
            if (fused(p, grad, momentum == 0 || first ? new Tensor[0] : new Tensor[] {buffer})) {
                // one kernel; the first step's buffer is the gradient, which the kernel writes into it
                if (first) {
                    buffer = p.emptyLike();
                    s.put("momentum_buffer", buffer);
                }
                OptimizerOps.update(OptimizerKind.SGD, new double[] {lr, weightDecay, momentum, 1 - dampening,
                    flag(nesterov), flag(first)}, p, grad, momentum == 0 ? new Tensor[0] : new Tensor[] {buffer});
                return;
            }
            Tensor g = grad;
            if (weightDecay != 0) {
                g = g.add(p, weightDecay);
            }
            if (momentum != 0) {
                Tensor buf = s.tensor("momentum_buffer");
                if (buf == null) {
                    buf = g.clone();
                    s.put("momentum_buffer", buf);
                } else {
                    buf.mul_(momentum).add_(g, 1 - dampening);
                }
                g = nesterov ? g.add(buf, momentum) : buf;
            }
            p.sub_(g, lr);
        });
    }

    /**
     * A dense gradient for a parameter whose momentum buffer is sparse (a sparse gradient made it): PyTorch's
     * {@code buf.mul_(momentum).add_(grad)} refuses it (after scaling the buffer); here before anything changes.
     */
    private void refuseDenseGradIntoSparseBuffer() {
        for (ParamGroup group : paramGroups()) {
            for (Tensor p : group.params()) {
                ParamState s = state.get(p);
                if (s != null && s.sparse("momentum_buffer") != null && !p.isGradSparse() && p.grad() != null) {
                    throw new IllegalStateException("add(sparse, dense) is not supported. Use add(dense, sparse) "
                            + "instead.");
                }
            }
        }
    }

    /** Takes a sparse gradient (PyTorch 2.x's {@code _single_tensor_sgd} does). */
    @Override
    String sparseGradRefusal() {
        return null;
    }

    /**
     * PyTorch 2.x's step with a sparse gradient ({@code _single_tensor_sgd}): {@code p += -lr * grad} (the entries added
     * at their rows, one after the other); with momentum the buffer starts as {@code torch.clone(grad)}, a sparse tensor
     * as PyTorch's, and then becomes {@code buf.mul_(momentum).add_(grad, alpha=1 - dampening)}, PyTorch's sparse add
     * (on the CPU its merge of the two index lists, {@link SparseGrads#accumulate}: the buffer's entries grow each step
     * as PyTorch's, and the state dict's {@code momentum_buffer} is that sparse tensor); the step is
     * {@code p += -lr * buf}. A dense buffer (from a dense step or a loaded state) stays dense:
     * {@code buf.mul_(momentum).add_(grad)}, the entries added in.
     */
    private static void sparseStep(ParamGroup group, Tensor p, ParamState s, double lr, double momentum,
                                   double dampening) {
        SparseTensor g = p.sparseGrad();
        if (maximize(group)) {
            g = g.neg();
        }
        if (momentum == 0) {
            SparseGrads.addInto(p, g, -lr);
            return;
        }
        Tensor dense = s.tensor("momentum_buffer");
        if (dense != null) {
            SparseGrads.addInto(dense.mul_(momentum), g, 1 - dampening);
            p.sub_(dense, lr);
            return;
        }
        SparseTensor buf = s.sparse("momentum_buffer");
        if (buf == null) {
            buf = g.clone();
        } else {
            buf = SparseGrads.accumulate(buf.mul(momentum), dampening == 0 ? g : g.mul(1 - dampening), true);
        }
        s.putSparse("momentum_buffer", buf);
        SparseGrads.addInto(p, buf, -lr);
    }
}
