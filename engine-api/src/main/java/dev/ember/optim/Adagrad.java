package dev.ember.optim;

import dev.ember.OptimizerOps;
import dev.ember.Tensor;
import dev.ember.backend.OptimizerKind;
import dev.ember.sparse.SparseGrads;
import dev.ember.sparse.SparseTensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adagrad, as {@code torch.optim.Adagrad} (PyTorch 2.x's single-tensor update): {@code g = grad + weight_decay * p};
 * {@code clr = lr / (1 + (step - 1) * lr_decay)}; {@code sum += g^2}; {@code p -= clr * g / (sqrt(sum) + eps)}.
 * Options: {@code lr} (default 0.01), {@code lr_decay} (0), {@code eps} (1e-10), {@code weight_decay} (0),
 * {@code initial_accumulator_value} (0); state: {@code step}, {@code sum}, made for every parameter of the constructor's
 * groups (its own, or {@link Optimizer#withGroups}'s), {@code sum} filled with the constructor's
 * {@code initial_accumulator_value} (both parts of a complex parameter's), as PyTorch 2.x's constructor does; a group added later with
 * {@link #addParamGroup} gets no state, as in PyTorch, and a step over its parameters fails with {@code KeyError: 'sum'}
 * (before anything changes).
 */
public final class Adagrad extends Optimizer {

    /** Adagrad with PyTorch's defaults: no lr decay, no weight decay, accumulators from 0, eps 1e-10. */
    public Adagrad(List<Tensor> params, double lr) {
        this(params, lr, 0, 0, 0, 1e-10);
    }

    /**
     * Adagrad with every option.
     *
     * @throws IllegalArgumentException with PyTorch's messages for a negative (or nan or infinite) learning rate, lr
     *     decay, weight decay, initial accumulator value or eps
     */
    public Adagrad(List<Tensor> params, double lr, double lrDecay, double weightDecay, double initialAccumulatorValue,
                   double eps) {
        super(params, defaults(lr, lrDecay, weightDecay, initialAccumulatorValue, eps), Adagrad::check);
    }

    private static Map<String, Object> defaults(double lr, double lrDecay, double weightDecay, double initial, double eps) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("lr", lr);
        d.put("lr_decay", lrDecay);
        d.put("eps", eps);
        d.put("weight_decay", weightDecay);
        d.put("initial_accumulator_value", initial);
        for (String k : new String[] {"lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"}) {
            check(k, d.get(k));
        }
        pytorchFlags(d, "foreach", "maximize", "differentiable", "fused");
        return d;
    }

    private static void check(String name, Object value) {
        switch (name) {
            case "lr_decay":
            case "initial_accumulator_value":
                checkNonNegative(name, (Double) value);
                break;
            default:
                checkCommon(name, value);
        }
    }

    /**
     * Makes the state of a group the constructor adds (its own or {@link Optimizer#withGroups}'s), with the
     * constructor's {@code initial_accumulator_value} whatever the group says, as PyTorch 2.x's {@code __init__}; a
     * group {@link #addParamGroup} adds later gets none, as PyTorch's (its first step then fails with
     * {@code KeyError: 'sum'}).
     */
    @Override
    void groupAdded(ParamGroup group) {
        if (!constructing) {
            return;
        }
        double initial = (Double) defaults().get("initial_accumulator_value");
        for (Tensor p : group.params()) {
            if (!state.containsKey(p)) {
                ParamState s = new ParamState();
                // a complex parameter's sum starts at complex(initial, initial), as 2.x's __init__ (both parts of the
                // real view start at the value)
                s.put("sum", p.isComplex() ? p.detach().zerosLike().add(dev.ember.Complex.of(initial, initial))
                        : p.detach().fullLike(initial));
                state.put(p, s);
            }
        }
    }

    @Override
    List<String> stateTensors(ParamGroup group, Map<String, Object> options) {
        return List.of("sum");
    }

    /** One update of every parameter that has a gradient; checks them all, and their sums, first. */
    @Override
    public void step() {
        withStepHooks(this::update);
    }

    private void update() {
        refuseSparseWith("weight_decay");
        // PyTorch 2.x's _init_group reads state["sum"] of every parameter with a gradient: a parameter of a group added
        // after the constructor (or left without state by a loaded state dict) fails with KeyError: 'sum', before
        // Ember updates anything (PyTorch has updated the groups before it)
        for (ParamGroup g : paramGroups()) {
            for (Tensor p : g.params()) {
                if ((p.grad() != null || p.isGradSparse())
                        && (state.get(p) == null || state.get(p).tensor("sum") == null && state.get(p).sparse("sum") == null)) {
                    throw new IllegalStateException("KeyError: 'sum'");
                }
            }
        }
        forEachParameter((group, p, grad, s, fresh) -> {
            double lr = group.lr();
            double lrDecay = group.getDouble("lr_decay");
            double eps = group.getDouble("eps");
            double weightDecay = group.getDouble("weight_decay");
            s.step++;
            if (grad == null) {
                // PyTorch 2.x's sparse update: the gradient coalesced (the update is not linear), the sum grows at its
                // rows, and only those rows of p move: p[rows] -= clr * values / (sqrt(sum[rows]) + eps)
                SparseTensor sg = sparseGradFor(group, p);
                Tensor values = sg._values();
                Tensor sum = s.tensor("sum");
                SparseGrads.addInto(sum, SparseGrads.withValues(sg, values.pow(2)), 1);
                Tensor std = SparseGrads.maskedValues(sum, sg).sqrt_().add_(eps);
                SparseGrads.addInto(p, SparseGrads.withValues(sg, values.div(std)),
                        -lr / (1 + (s.step - 1) * lrDecay));
                return;
            }
            if (fused(p, grad, s.tensor("sum"))) {
                OptimizerOps.update(OptimizerKind.ADAGRAD, new double[] {weightDecay, eps,
                    lr / (1 + (s.step - 1) * lrDecay)}, p, grad, s.tensor("sum"));
                return;
            }
            Tensor g = grad;
            if (weightDecay != 0) {
                g = g.add(p, weightDecay);
            }
            double clr = lr / (1 + (s.step - 1) * lrDecay);
            Tensor sum = s.tensor("sum");
            sum.addcmul_(g, g, 1);
            Tensor std = sum.sqrt().add_(eps);
            p.addcdiv_(g, std, -clr);
        });
    }

    /** Takes a sparse gradient (PyTorch 2.x's {@code _single_tensor_adagrad} has a sparse path). */
    @Override
    String sparseGradRefusal() {
        return null;
    }
}
