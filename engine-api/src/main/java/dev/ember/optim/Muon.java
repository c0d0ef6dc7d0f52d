package dev.ember.optim;

import dev.ember.DType;
import dev.ember.Format;
import dev.ember.Tensor;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Muon, momentum orthogonalized by Newton-Schulz iterations, for the matrices of hidden layers, as PyTorch 2.9's
 * {@code torch.optim.Muon}. Per 2-D parameter with gradient g: {@code buf.lerp_(g, 1 - momentum)} (so
 * {@code buf = momentum * buf + (1 - momentum) g}); the update is {@code g.lerp(buf, momentum)} with {@code nesterov}, else
 * {@code buf}; it is orthogonalized in bfloat16 (transposed first when it has more rows than columns, divided by its
 * Frobenius norm clamped to at least {@code eps}, then {@code ns_steps} times {@code X = a X + (b G + c G G) X} with
 * {@code G = X Xᵀ}, as 2.x's {@code _zeropower_via_newtonschulz}); then {@code p *= 1 - lr * weight_decay} and
 * {@code p -= lr' * O}, where {@code lr' = lr * sqrt(max(1, rows / cols))} ({@code adjust_lr_fn} null or
 * "original") or {@code lr * 0.2 * sqrt(max(rows, cols))} ("match_rms_adamw").
 *
 * <p>Options, in PyTorch's order: {@code lr} (default 0.001), {@code weight_decay} (0.1), {@code momentum} (0.95),
 * {@code nesterov} (true), {@code ns_coefficients} ((3.4445, -4.775, 2.0315)), {@code eps} (1e-7), {@code ns_steps}
 * (5, an int), {@code adjust_lr_fn} (null); state: {@code momentum_buffer} (no step). Every parameter must be 2-D (as
 * PyTorch's constructor checks; a group added later is checked at the step, with PyTorch's message for its gradient);
 * complex parameters and sparse gradients are refused at the step, before any parameter changes. As for other Muon
 * implementations, give the other parameters (biases, embeddings, norms) to another optimizer, such as AdamW.
 */
public final class Muon extends Optimizer {

    /** Muon with PyTorch's defaults (lr 0.001, weight decay 0.1, momentum 0.95, Nesterov, 5 steps of the quintic). */
    public Muon(List<Tensor> params) {
        this(params, 1e-3);
    }

    /** Muon with the given learning rate and PyTorch's other defaults. */
    public Muon(List<Tensor> params, double lr) {
        this(params, lr, 0.1, 0.95, true, new double[] {3.4445, -4.775, 2.0315}, 1e-7, 5, null);
    }

    /**
     * Muon with every option.
     *
     * @param nsCoefficients the quintic's coefficients (a, b, c)
     * @param adjustLrFn null or "original" (the learning rate times {@code sqrt(max(1, rows / cols))}), or
     *     "match_rms_adamw" ({@code 0.2 * sqrt(max(rows, cols))})
     * @throws IllegalArgumentException with PyTorch's messages for a negative learning rate, momentum or weight decay,
     *     an unknown {@code adjustLrFn}, or a parameter that is not 2-D ("Muon only supports 2D parameters whereas we
     *     found a parameter with size: torch.Size([3])"), or coefficients that are not three
     */
    public Muon(List<Tensor> params, double lr, double weightDecay, double momentum, boolean nesterov,
                double[] nsCoefficients, double eps, int nsSteps, String adjustLrFn) {
        super(params, defaults(lr, weightDecay, momentum, nesterov, nsCoefficients, eps, nsSteps, adjustLrFn),
                Muon::check);
        for (Tensor p : params) {
            if (p != null && p.dim() != 2) {
                throw new IllegalArgumentException("Muon only supports 2D parameters whereas we found a parameter with "
                        + "size: " + Format.size(p.shape()));
            }
        }
    }

    private static Map<String, Object> defaults(double lr, double weightDecay, double momentum, boolean nesterov,
                                                double[] nsCoefficients, double eps, int nsSteps, String adjustLrFn) {
        if (nsCoefficients == null || nsCoefficients.length != 3) {
            throw new IllegalArgumentException("Coefficients must be a tuple of exactly 3 values");
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("lr", lr);
        m.put("weight_decay", weightDecay);
        m.put("momentum", momentum);
        m.put("nesterov", nesterov);
        m.put("ns_coefficients", Arrays.asList(nsCoefficients[0], nsCoefficients[1], nsCoefficients[2]));
        m.put("eps", eps);
        m.put("ns_steps", nsSteps);
        m.put("adjust_lr_fn", adjustLrFn);
        for (String k : new String[] {"lr", "momentum", "weight_decay", "adjust_lr_fn", "ns_steps"}) {
            check(k, k.equals("ns_steps") ? (Object) (double) nsSteps : m.get(k));
        }
        return m;
    }

    /** PyTorch's checks of Muon's options, with its messages (ns_steps: an integer, Ember's check). */
    private static void check(String name, Object value) {
        switch (name) {
            case "lr":
                require((Double) value >= 0, "Learning rate should be >= 0 but is: ", value);
                break;
            case "momentum":
                require((Double) value >= 0, "momentum should be >= 0 but is: ", value);
                break;
            case "weight_decay":
                require((Double) value >= 0, "weight decay should be >= 0 but is: ", value);
                break;
            case "adjust_lr_fn":
                if (value != null && !"original".equals(value) && !"match_rms_adamw".equals(value)) {
                    throw new IllegalArgumentException("Adjust learning rate function " + value + " is not supported");
                }
                break;
            case "ns_steps":
                // PyTorch's range(ns_steps) takes any int (a negative one runs no iteration) and refuses the rest
                double n = (Double) value;
                if (!(n == Math.rint(n)) || Math.abs(n) > Integer.MAX_VALUE) {
                    throw new IllegalArgumentException("ns_steps must be an integer, got " + Format.repr(n));
                }
                break;
            default:
        }
    }

    private static void require(boolean ok, String message, Object value) {
        if (!ok) {
            throw new IllegalArgumentException(message + Format.repr((Double) value));
        }
    }

    @Override
    List<String> stateTensors(ParamGroup group, Map<String, Object> options) {
        return List.of("momentum_buffer");
    }

    @Override
    boolean countsSteps() {
        return false;
    }

    /**
     * One update of every parameter that has a gradient; checks them all, and their state, first.
     *
     * @throws IllegalStateException PyTorch's messages, with nothing changed: "Muon does not support complex parameters",
     *     "Param gradient must be a 2D matrix" (a parameter of a group added later that is not 2-D), "Number of steps
     *     must be less than 100 for computational efficiency"
     */
    @Override
    public void step() {
        withStepHooks(() -> {
            List<Tensor> ps = parametersWithGradients();
            for (Tensor p : ps) {
                if (p.isComplex()) {
                    throw new IllegalStateException("Muon does not support complex parameters");
                }
            }
            for (ParamGroup g : paramGroups()) {
                for (Tensor p : g.params()) {
                    if (!ps.contains(p)) {
                        continue;
                    }
                    if (p.dim() != 2) {
                        throw new IllegalStateException("Param gradient must be a 2D matrix");
                    }
                    if (g.getDouble("ns_steps") >= 100) {
                        throw new IllegalStateException("Number of steps must be less than 100 for computational "
                                + "efficiency");
                    }
                }
            }
            forEachParameter(this::update);
        });
    }

    private void update(ParamGroup group, Tensor p, Tensor grad, ParamState s, boolean fresh) {
        double lr = group.lr();
        double weightDecay = group.getDouble("weight_decay");
        double momentum = group.getDouble("momentum");
        if (fresh) {
            s.put("momentum_buffer", grad.zerosLike());
        }
        Tensor buf = s.tensor("momentum_buffer");
        buf.lerp_(grad, 1 - momentum);
        Tensor u = Boolean.TRUE.equals(group.get("nesterov")) ? grad.lerp(buf, momentum) : buf;
        List<?> abc = (List<?>) group.get("ns_coefficients");
        Tensor o = orthogonalize(u, ((Number) abc.get(0)).doubleValue(), ((Number) abc.get(1)).doubleValue(),
                ((Number) abc.get(2)).doubleValue(), (int) group.getDouble("ns_steps"), group.getDouble("eps"));
        double adjusted = lr * lrRatio((String) group.get("adjust_lr_fn"), p.size(0), p.size(1));
        p.mul_(1 - lr * weightDecay);
        p.add_(o.to(p.dtype()), -adjusted);
    }

    /** The factor of the learning rate for a rows x cols parameter ({@code _adjust_lr}). */
    static double lrRatio(String fn, int rows, int cols) {
        if (fn == null || fn.equals("original")) {
            return Math.sqrt(Math.max(1, (double) rows / cols));
        }
        return 0.2 * Math.sqrt(Math.max(rows, cols));
    }

    /**
     * The quintic Newton-Schulz iteration in bfloat16 (2.x's {@code _zeropower_via_newtonschulz}): close to
     * {@code U Vᵀ} of the matrix's SVD, with singular values between about 0.5 and 1.5 rather than 1.
     */
    static Tensor orthogonalize(Tensor g, double a, double b, double c, int steps, double eps) {
        // as PyTorch's grad.bfloat16(): the tensor itself when it is bfloat16 already, so the in-place division below
        // then scales it (and the momentum buffer, when that is the update: nesterov off), as 2.x's does
        Tensor x = g.to(DType.BFLOAT16);
        boolean tall = g.size(0) > g.size(1);
        if (tall) {
            x = x.t();
        }
        x.div_(x.norm().clampMin(eps));
        for (int i = 0; i < steps; i++) {
            Tensor gram = x.matmul(x.t());
            // b * G + c * G @ G: Python's * and @ bind alike, left to right, so the second term is (c * G) @ G
            Tensor update = gram.mul(b).add(gram.mul(c).matmul(gram));
            x = x.mul(a).add(update.matmul(x));
        }
        return tall ? x.t() : x;
    }
}
