package dev.ember.optim;

import dev.ember.OptimizerOps;
import dev.ember.Tensor;
import dev.ember.backend.OptimizerKind;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * RMSprop, as {@code torch.optim.RMSprop} (PyTorch 2.x's single-tensor update): {@code g = grad + weight_decay * p};
 * {@code v = alpha * v + (1 - alpha) * g^2}; centered, {@code ga = alpha * ga + (1 - alpha) * g} and the denominator is
 * {@code sqrt(v - ga^2) + eps}, else {@code sqrt(v) + eps}; with momentum {@code buf = momentum * buf + g / denom} and
 * {@code p -= lr * buf}, else {@code p -= lr * g / denom}. Options: {@code lr} (default 0.01), {@code momentum} (0),
 * {@code alpha} (0.99), {@code eps} (1e-8), {@code centered} (false), {@code weight_decay} (0); state: {@code step},
 * {@code square_avg}, {@code momentum_buffer} (with momentum), {@code grad_avg} (centered).
 */
public final class RMSprop extends Optimizer {

    /** RMSprop with PyTorch's defaults: alpha 0.99, eps 1e-8, no weight decay, no momentum, not centered. */
    public RMSprop(List<Tensor> params, double lr) {
        this(params, lr, 0.99, 1e-8, 0, 0, false);
    }

    /**
     * RMSprop with every option.
     *
     * @throws IllegalArgumentException with PyTorch's messages for a negative (or nan or infinite) learning rate, eps,
     *     momentum, weight decay or alpha
     */
    public RMSprop(List<Tensor> params, double lr, double alpha, double eps, double weightDecay, double momentum,
                   boolean centered) {
        super(params, defaults(lr, alpha, eps, weightDecay, momentum, centered), RMSprop::check);
    }

    private static Map<String, Object> defaults(double lr, double alpha, double eps, double weightDecay, double momentum,
                                                boolean centered) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("lr", lr);
        d.put("momentum", momentum);
        d.put("alpha", alpha);
        d.put("eps", eps);
        d.put("centered", centered);
        d.put("weight_decay", weightDecay);
        for (String k : new String[] {"lr", "eps", "momentum", "weight_decay", "alpha"}) {
            check(k, d.get(k));
        }
        pytorchFlags(d, "capturable", "foreach", "maximize", "differentiable");
        return d;
    }

    private static void check(String name, Object value) {
        switch (name) {
            case "momentum":
            case "alpha":
                Optimizer.checkNonNegative(name, (Double) value);
                break;
            default:
                checkCommon(name, value);
        }
    }

    @Override
    List<String> optionalStateTensors() {
        return List.of("momentum_buffer", "grad_avg");
    }

    @Override
    List<String> stateTensors(ParamGroup group, Map<String, Object> options) {
        List<String> keys = new ArrayList<>(List.of("square_avg"));
        if ((Double) options.get("momentum") > 0) {
            keys.add("momentum_buffer");
        }
        if ((Boolean) options.get("centered")) {
            keys.add("grad_avg");
        }
        return keys;
    }

    /** One update of every parameter that has a gradient; checks them all, and their state, first. */
    @Override
    public void step() {
        withStepHooks(this::update);
    }

    private void update() {
        checkStateKeys();
        forEachParameter((group, p, grad, s, fresh) -> {
            double lr = group.lr();
            double alpha = group.getDouble("alpha");
            double eps = group.getDouble("eps");
            double weightDecay = group.getDouble("weight_decay");
            double momentum = group.getDouble("momentum");
            boolean centered = (Boolean) group.get("centered");
            if (fresh) {
                s.put("square_avg", p.zerosLike());
            }
            if (fresh && momentum > 0) {
                s.put("momentum_buffer", p.zerosLike());
            }
            if (fresh && centered) {
                s.put("grad_avg", p.zerosLike());
            }
            s.step++;
            List<Tensor> kept = new ArrayList<>(List.of(s.tensor("square_avg")));
            if (momentum > 0) {
                kept.add(s.tensor("momentum_buffer"));
            }
            if (centered) {
                kept.add(s.tensor("grad_avg"));
            }
            Tensor[] st = kept.toArray(new Tensor[0]);
            if (fused(p, grad, st)) {
                OptimizerOps.update(OptimizerKind.RMSPROP, new double[] {weightDecay, alpha, 1 - alpha, eps, lr, momentum,
                    flag(centered)}, p, grad, st);
                return;
            }
            Tensor g = grad;
            if (weightDecay != 0) {
                g = g.add(p, weightDecay);
            }
            Tensor squareAvg = s.tensor("square_avg");
            squareAvg.mul_(alpha).addcmul_(g, g, 1 - alpha);
            Tensor avg;
            if (centered) {
                Tensor gradAvg = s.tensor("grad_avg");
                gradAvg.lerp_(g, 1 - alpha);
                avg = squareAvg.addcmul(gradAvg, gradAvg, -1).sqrt_();
            } else {
                avg = squareAvg.sqrt();
            }
            avg = avg.add_(eps);
            if (momentum > 0) {
                Tensor buf = s.tensor("momentum_buffer");
                buf.mul_(momentum).addcdiv_(g, avg);
                p.add_(buf, -lr);
            } else {
                p.addcdiv_(g, avg, -lr);
            }
        });
    }

    /**
     * 2.x's {@code _init_group}: a parameter's state is made at its first step, with {@code momentum_buffer} only if
     * momentum was on then and {@code grad_avg} only if centered was; a step with momentum (or centered) turned on later
     * reads the missing entry: {@code KeyError: 'momentum_buffer'} ({@code 'grad_avg'}). Checked for every parameter
     * before anything is updated (2.x has updated the groups before the failing one by then).
     */
    private void checkStateKeys() {
        Set<Tensor> with = Collections.newSetFromMap(new IdentityHashMap<>());
        with.addAll(parametersWithGradients());
        for (ParamGroup group : paramGroups()) {
            boolean momentum = group.getDouble("momentum") > 0;
            boolean centered = (Boolean) group.get("centered");
            for (Tensor p : group.params()) {
                ParamState s = with.contains(p) ? state.get(p) : null;
                if (s == null) {
                    continue;
                }
                if (momentum && s.tensor("momentum_buffer") == null) {
                    throw new IllegalStateException("KeyError: 'momentum_buffer'");
                }
                if (centered && s.tensor("grad_avg") == null) {
                    throw new IllegalStateException("KeyError: 'grad_avg'");
                }
            }
        }
    }
}
