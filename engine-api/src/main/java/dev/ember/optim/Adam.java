package dev.ember.optim;

import dev.ember.OptimizerOps;
import dev.ember.Tensor;
import dev.ember.backend.OptimizerKind;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adam and AdamW, as {@code torch.optim.Adam} / {@code torch.optim.AdamW} ({@code new Adam(params, lr)},
 * {@code new AdamW(params, lr)}, {@link AdamW} being an Adam, as in PyTorch 2.7): bias-corrected first and second
 * moment estimates; weight decay is added to the gradient (Adam) or applied to the weights directly (AdamW). Each
 * parameter counts its own steps, as PyTorch's {@code state['step']}, so one that gets its first gradient late is
 * bias-corrected from its own first step. With {@code amsgrad} (Reddi et al., 2018) the denominator uses the largest
 * second moment seen so far, PyTorch's {@code max_exp_avg_sq}. Options: {@code lr}, {@code betas}, {@code eps},
 * {@code weight_decay}, {@code amsgrad} (and {@code decoupled_weight_decay}, true for AdamW, as PyTorch 2.x's Adam);
 * state: {@code step}, {@code exp_avg}, {@code exp_avg_sq} (and {@code max_exp_avg_sq}).
 */
public class Adam extends Optimizer {

    Adam(List<Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay,
         boolean decoupled, boolean amsgrad) {
        super(params, defaults(lr, beta1, beta2, eps, weightDecay, decoupled, amsgrad), Adam::check);
    }

    /** {@code torch.optim.Adam(params, lr)}: PyTorch's defaults, betas (0.9, 0.999), eps 1e-8, no weight decay. */
    public Adam(List<Tensor> params, double lr) {
        this(params, lr, 0.9, 0.999, 1e-8, 0, false, false);
    }

    /**
     * {@code torch.optim.Adam(params, lr, betas, eps, weight_decay, amsgrad)}, every option.
     *
     * @throws IllegalArgumentException with PyTorch's messages for a learning rate, eps or weight decay that is
     *     negative or nan, or a beta outside [0, 1); infinite values are refused too
     */
    public Adam(List<Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay,
                boolean amsgrad) {
        this(params, lr, beta1, beta2, eps, weightDecay, false, amsgrad);
    }

    /** Adam with PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, no weight decay. */
    public static Adam adam(List<Tensor> params, double lr) {
        return new Adam(params, lr, 0.9, 0.999, 1e-8, 0, false, false);
    }

    /**
     * Adam with every option.
     *
     * @throws IllegalArgumentException with PyTorch's messages for a learning rate, eps or weight decay that is
     *     negative or nan, or a beta outside [0, 1); infinite values are refused too
     */
    public static Adam adam(List<Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay) {
        return new Adam(params, lr, beta1, beta2, eps, weightDecay, false, false);
    }

    /**
     * Adam with every option, {@code amsgrad} included ({@code torch.optim.Adam(..., amsgrad=True)}); checked as
     * {@link #adam(List, double, double, double, double, double)}.
     */
    public static Adam adam(List<Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay,
                            boolean amsgrad) {
        return new Adam(params, lr, beta1, beta2, eps, weightDecay, false, amsgrad);
    }

    /** AdamW with PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, weight decay 0.01. */
    public static Adam adamW(List<Tensor> params, double lr) {
        return new AdamW(params, lr);
    }

    /** AdamW with every option; checked as {@link #adam(List, double, double, double, double, double)}. */
    public static Adam adamW(List<Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay) {
        return new AdamW(params, lr, beta1, beta2, eps, weightDecay, false);
    }

    /** AdamW with every option, {@code amsgrad} included ({@code torch.optim.AdamW(..., amsgrad=True)}). */
    public static Adam adamW(List<Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay,
                             boolean amsgrad) {
        return new AdamW(params, lr, beta1, beta2, eps, weightDecay, amsgrad);
    }

    private static Map<String, Object> defaults(double lr, double beta1, double beta2, double eps, double weightDecay,
                                                boolean decoupled, boolean amsgrad) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("lr", lr);
        d.put("betas", List.of(beta1, beta2));
        d.put("eps", eps);
        d.put("weight_decay", weightDecay);
        d.put("amsgrad", amsgrad);
        // PyTorch's order of checks: lr, eps, betas, weight decay
        check("lr", lr);
        check("eps", eps);
        check("betas", d.get("betas"));
        check("weight_decay", weightDecay);
        pytorchFlags(d, "maximize", "foreach", "capturable", "differentiable", "fused");
        d.put("decoupled_weight_decay", decoupled); // last, as PyTorch 2.7's Adam defaults
        return d;
    }

    private static void check(String name, Object value) {
        checkCommon(name, value);
    }

    /** Whether this optimizer uses the AMSGrad variant (its first group's {@code amsgrad}). */
    public boolean amsgrad() {
        return (Boolean) paramGroups().get(0).get("amsgrad");
    }

    @Override
    List<String> optionalStateTensors() {
        return List.of("max_exp_avg_sq");
    }

    @Override
    List<String> stateTensors(ParamGroup group, Map<String, Object> options) {
        return (Boolean) options.get("amsgrad") ? List.of("exp_avg", "exp_avg_sq", "max_exp_avg_sq")
                : List.of("exp_avg", "exp_avg_sq");
    }

    /** PyTorch's refusal; AdamW's too (2.7's AdamW is Adam's subclass and inherits its check). */
    @Override
    String sparseGradRefusal() {
        return "Adam does not support sparse gradients, please consider SparseAdam instead";
    }

    /** One update of every parameter that has a gradient; checks them all, and their moments, first. */
    @Override
    public void step() {
        withStepHooks(this::update);
    }

    private void update() {
        forEachParameter((group, p, grad, s, fresh) -> {
            AdamOptions o = AdamOptions.of(group);
            double weightDecay = group.getDouble("weight_decay");
            boolean amsgrad = (Boolean) group.get("amsgrad");
            boolean decoupled = (Boolean) group.get("decoupled_weight_decay");
            if (fresh) {
                s.put("exp_avg", p.zerosLike());
                s.put("exp_avg_sq", p.zerosLike());
            }
            if (amsgrad && s.tensor("max_exp_avg_sq") == null) {
                s.put("max_exp_avg_sq", p.zerosLike());
            }
            s.step++;
            Tensor[] moments = amsgrad
                    ? new Tensor[] {s.tensor("exp_avg"), s.tensor("exp_avg_sq"), s.tensor("max_exp_avg_sq")}
                    : new Tensor[] {s.tensor("exp_avg"), s.tensor("exp_avg_sq")};
            if (fused(p, grad, moments)) {
                double bc1 = 1 - Math.pow(o.beta1(), s.step);
                double bc2 = 1 - Math.pow(o.beta2(), s.step);
                OptimizerOps.update(OptimizerKind.ADAM, new double[] {weightDecay, flag(decoupled),
                    1 - o.lr() * weightDecay, o.beta1(), 1 - o.beta1(), o.beta2(), 1 - o.beta2(), flag(amsgrad),
                    Math.sqrt(bc2), o.eps(), o.lr() / bc1}, p, grad, moments);
                return;
            }
            Tensor g = grad;
            if (weightDecay != 0) {
                if (decoupled) {
                    p.mul_(1 - o.lr() * weightDecay);
                } else {
                    g = g.add(p, weightDecay);
                }
            }
            double bc1 = 1 - Math.pow(o.beta1(), s.step);
            double bc2 = 1 - Math.pow(o.beta2(), s.step);
            Tensor expAvg = s.tensor("exp_avg");
            Tensor expAvgSq = s.tensor("exp_avg_sq");
            expAvg.lerp_(g, 1 - o.beta1());
            expAvgSq.mul_(o.beta2()).addcmul_(g, g, 1 - o.beta2());
            Tensor second = expAvgSq;
            if (amsgrad) {
                // max_exp_avg_sq = maximum(max_exp_avg_sq, exp_avg_sq), in place
                Tensor max = s.tensor("max_exp_avg_sq");
                max.copy_(max.maximum(expAvgSq));
                second = max;
            }
            Tensor denom = second.sqrt().div(Math.sqrt(bc2)).add_(o.eps());
            p.addcdiv_(expAvg, denom, -(o.lr() / bc1));
        });
    }
}
