package dev.ember.optim;

import dev.ember.DTypeInfo;
import dev.ember.Format;
import dev.ember.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adafactor, Adam's second moment kept as a row factor and a column factor for a matrix parameter, as PyTorch 2.5's
 * {@code torch.optim.Adafactor} (its single-tensor update, {@code foreach=False}). At step t, with
 * {@code beta2_t = 1 - t^beta2_decay}, {@code rho = min(lr, 1 / sqrt(t))} and
 * {@code alpha = max(eps2, RMS(p)) * rho} (the parameter before its decay):
 * {@code p *= 1 - lr * weight_decay}; for a parameter of two or more dimensions, {@code row_var} (the last dimension
 * reduced to 1) and {@code col_var} (the one before it reduced) move towards the means of {@code grad²} over the last
 * and the next-to-last dimension ({@code lerp} by {@code 1 - beta2_t}), and the variance estimate is
 * {@code row_var @ col_var / max(mean(row_var over dim -2), eps1)}; for a vector, {@code variance} moves towards
 * {@code grad²} and is the estimate. Then {@code u = grad / sqrt(max(estimate, eps1²))} and
 * {@code p -= alpha / max(1, RMS(u) / d) * u}.
 *
 * <p>Options: {@code lr} (default 0.01, also the most {@code rho} can be and the weight decay's factor),
 * {@code beta2_decay} (-0.8), {@code eps} ((None, 1e-3): eps1, None for the machine epsilon of the parameter's type,
 * and eps2), {@code d} (the clipping threshold, 1), {@code weight_decay} (0), {@code foreach} (null) and
 * {@code maximize} (false), in that order; state: {@code step}, then {@code row_var} and {@code col_var}, or
 * {@code variance} for a parameter of fewer than two dimensions. Complex parameters and sparse gradients are refused at
 * the step, with PyTorch's messages, before any parameter changes.
 */
public final class Adafactor extends Optimizer {
    private static final List<String> STATE = List.of("row_var", "col_var", "variance");

    /** The group of the parameter last updated in this step, and its eps1 (PyTorch's loop sets eps1 once a group). */
    private ParamGroup epsGroup;
    private double groupEps1;

    /** Adafactor with PyTorch's defaults (lr 0.01, beta2_decay -0.8, eps (None, 1e-3), d 1, no weight decay). */
    public Adafactor(List<Tensor> params) {
        this(params, 1e-2);
    }

    /** Adafactor with the given learning rate and PyTorch's other defaults. */
    public Adafactor(List<Tensor> params, double lr) {
        this(params, lr, -0.8, null, 1e-3, 1.0, 0.0, false);
    }

    /**
     * Adafactor with every option.
     *
     * @param eps1 the floor of the variance estimate's root (PyTorch's {@code eps[0]}); null for the machine epsilon of
     *     the parameter's type ({@code torch.finfo(dtype).eps})
     * @param eps2 the least RMS of a parameter that scales its step ({@code eps[1]})
     * @throws IllegalArgumentException with PyTorch's messages for a negative learning rate, a positive
     *     {@code beta2_decay}, a negative eps1, eps2 or weight decay, or {@code d} less than 1 (nan refused too)
     */
    public Adafactor(List<Tensor> params, double lr, double beta2Decay, Double eps1, double eps2, double d,
                     double weightDecay, boolean maximize) {
        super(params, defaults(lr, beta2Decay, eps1, eps2, d, weightDecay, maximize), Adafactor::check);
    }

    private static Map<String, Object> defaults(double lr, double beta2Decay, Double eps1, double eps2, double d,
                                                double weightDecay, boolean maximize) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("lr", lr);
        m.put("beta2_decay", beta2Decay);
        m.put("eps", Arrays.asList(eps1, eps2));
        m.put("d", d);
        m.put("weight_decay", weightDecay);
        m.put("foreach", null);
        m.put("maximize", maximize);
        for (Map.Entry<String, Object> e : m.entrySet()) {
            check(e.getKey(), e.getValue());
        }
        return m;
    }

    /** PyTorch's checks of Adafactor's options, in its constructor's order, with its messages. */
    private static void check(String name, Object value) {
        switch (name) {
            case "lr":
                require((Double) value >= 0, "Learning rate should be >= 0 but is: ", value);
                break;
            case "beta2_decay":
                require((Double) value <= 0, "beta2_decay should be <= 0 but is: ", value);
                break;
            case "eps":
                List<?> eps = (List<?>) value;
                if (eps.get(0) != null) {
                    require((Double) eps.get(0) >= 0, "epsilon1 should be >= 0 but is: ", eps.get(0));
                }
                require((Double) eps.get(1) >= 0, "epsilon2 should be >= 0 but is: ", eps.get(1));
                break;
            case "d":
                require((Double) value >= 1, "Clipping threshold d should be >= 1 but is: ", value);
                break;
            case "weight_decay":
                require((Double) value >= 0, "weight_decay should be >= 0 but is: ", value);
                break;
            default:
                checkCommon(name, value); // foreach (a boolean or null); maximize is a boolean by its default
        }
    }

    private static void require(boolean ok, String message, Object value) {
        if (!ok) {
            throw new IllegalArgumentException(message + Format.repr((Double) value));
        }
    }

    @Override
    List<String> optionalStateTensors() {
        return STATE;
    }

    @Override
    int[] stateShape(String key, Tensor p) {
        int[] shape = p.shape();
        if (shape.length > 1 && (key.equals("row_var") || key.equals("col_var"))) {
            shape[shape.length - (key.equals("row_var") ? 1 : 2)] = 1;
        }
        return shape;
    }

    /**
     * One update of every parameter that has a gradient; checks them all, and their state, first.
     *
     * @throws IllegalStateException "Adafactor does not support complex parameters" (or sparse gradients), as PyTorch's
     *     step, with nothing changed
     */
    @Override
    public void step() {
        withStepHooks(() -> {
            List<Tensor> ps = parametersWithGradients();
            for (Tensor p : ps) {
                if (p.isComplex()) {
                    throw new IllegalStateException("Adafactor does not support complex parameters");
                }
            }
            for (Tensor p : ps) {
                ParamState s = state.get(p);
                if (s != null) {
                    List<String> missing = new ArrayList<>();
                    for (String k : p.dim() > 1 ? List.of("row_var", "col_var") : List.of("variance")) {
                        if (s.tensor(k) == null) {
                            missing.add(k);
                        }
                    }
                    if (!missing.isEmpty()) {
                        // PyTorch's step fails on the missing entry (a KeyError in its lerp_); Ember says which
                        throw new IllegalStateException("Adafactor.step: the optimizer state of a parameter of "
                                + p.dim() + " dimensions has no " + String.join(" or ", missing));
                    }
                }
            }
            epsGroup = null;
            forEachParameter(this::update);
        });
    }

    private void update(ParamGroup group, Tensor p, Tensor grad, ParamState s, boolean fresh) {
        double lr = group.lr();
        double beta2Decay = group.getDouble("beta2_decay");
        List<?> eps = (List<?>) group.get("eps");
        double d = group.getDouble("d");
        double weightDecay = group.getDouble("weight_decay");
        if (group != epsGroup) {
            // PyTorch's single-tensor loop: eps1 = finfo(param.dtype).eps for the group's first parameter, kept after
            epsGroup = group;
            groupEps1 = eps.get(0) != null ? ((Number) eps.get(0)).doubleValue() : DTypeInfo.finfo(p.dtype()).eps();
        }
        double eps1 = groupEps1;
        double eps2 = ((Number) eps.get(1)).doubleValue();
        boolean factored = grad.dim() > 1;
        if (fresh) {
            if (factored) {
                s.put("row_var", grad.newZeros(stateShape("row_var", p)));
                s.put("col_var", grad.newZeros(stateShape("col_var", p)));
            } else {
                s.put("variance", grad.zerosLike());
            }
        }
        s.step++;
        double t = (double) (float) s.step; // PyTorch's step is a float32 tensor
        double oneMinusBeta2 = Math.pow(t, beta2Decay);
        double rho = pyMin(lr, 1 / Math.pow(t, 0.5));
        double alpha = pyMax(eps2, p.norm().item() / Math.pow((double) p.numel(), 0.5)) * rho;
        if (weightDecay != 0) {
            p.mul_(1 - lr * weightDecay);
        }
        Tensor estimate;
        if (factored) {
            Tensor rowVar = s.tensor("row_var");
            Tensor colVar = s.tensor("col_var");
            rowVar.lerp_(grad.vectorNorm(2, new int[] {-1}, true).square_().div_((double) grad.size(-1)), oneMinusBeta2);
            colVar.lerp_(grad.vectorNorm(2, new int[] {-2}, true).square_().div_((double) grad.size(-2)), oneMinusBeta2);
            estimate = rowVar.matmul(colVar);
            estimate.div_(rowVar.mean(-2, true).clampMin_(eps1));
        } else {
            Tensor variance = s.tensor("variance");
            variance.lerp_(grad.mul(grad), oneMinusBeta2);
            estimate = variance.clone();
        }
        Tensor u = estimate.clampMin_(eps1 * eps1).rsqrt_().mul_(grad);
        double denom = pyMax(1.0, u.norm().item() / (Math.pow((double) u.numel(), 0.5) * d));
        p.add_(u, -alpha / denom);
    }

    /** Python's {@code max(a, b)}: {@code a} unless {@code b > a} (a nan {@code b} gives {@code a}, not nan). */
    private static double pyMax(double a, double b) {
        return b > a ? b : a;
    }

    /** Python's {@code min(a, b)}: {@code a} unless {@code b < a}. */
    private static double pyMin(double a, double b) {
        return b < a ? b : a;
    }
}
