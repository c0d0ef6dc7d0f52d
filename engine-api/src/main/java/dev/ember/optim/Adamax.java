package dev.ember.optim;

import dev.ember.OptimizerOps;
import dev.ember.Tensor;
import dev.ember.backend.OptimizerKind;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adamax, Adam with the infinity norm, as {@code torch.optim.Adamax} (PyTorch 2.x's single-tensor update):
 * {@code g = grad + weight_decay * p}; {@code m = beta1 * m + (1 - beta1) * g};
 * {@code u = max(beta2 * u, |g| + eps)}; {@code p -= lr / (1 - beta1^step) * m / u}. Options: {@code lr} (default
 * 0.002), {@code betas} ((0.9, 0.999)), {@code eps} (1e-8), {@code weight_decay} (0); state: {@code step},
 * {@code exp_avg}, {@code exp_inf}.
 */
public final class Adamax extends Optimizer {

    /** Adamax with PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, no weight decay (PyTorch's lr default is 0.002). */
    public Adamax(List<Tensor> params, double lr) {
        this(params, lr, 0.9, 0.999, 1e-8, 0);
    }

    /**
     * Adamax with every option.
     *
     * @throws IllegalArgumentException with PyTorch's messages for a negative (or nan or infinite) learning rate, eps or
     *     weight decay, or a beta outside [0, 1)
     */
    public Adamax(List<Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay) {
        super(params, defaults(lr, beta1, beta2, eps, weightDecay), Optimizer::checkCommon);
    }

    private static Map<String, Object> defaults(double lr, double beta1, double beta2, double eps, double weightDecay) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("lr", lr);
        d.put("betas", List.of(beta1, beta2));
        d.put("eps", eps);
        d.put("weight_decay", weightDecay);
        for (String k : new String[] {"lr", "eps", "betas", "weight_decay"}) {
            checkCommon(k, d.get(k));
        }
        pytorchFlags(d, "foreach", "maximize", "differentiable", "capturable");
        return d;
    }

    @Override
    List<String> stateTensors(ParamGroup group, Map<String, Object> options) {
        return List.of("exp_avg", "exp_inf");
    }

    /** One update of every parameter that has a gradient; checks them all, and their state, first. */
    @Override
    public void step() {
        withStepHooks(this::update);
    }

    private void update() {
        forEachParameter((group, p, grad, s, fresh) -> {
            AdamOptions o = AdamOptions.of(group);
            double weightDecay = group.getDouble("weight_decay");
            if (fresh) {
                s.put("exp_avg", p.zerosLike());
                s.put("exp_inf", p.zerosLike());
            }
            s.step++;
            if (fused(p, grad, s.tensor("exp_avg"), s.tensor("exp_inf"))) {
                OptimizerOps.update(OptimizerKind.ADAMAX, new double[] {weightDecay, o.beta1(), 1 - o.beta1(), o.beta2(),
                    o.eps(), o.lr() / (1 - Math.pow(o.beta1(), s.step))}, p, grad, s.tensor("exp_avg"),
                    s.tensor("exp_inf"));
                return;
            }
            Tensor g = grad;
            if (weightDecay != 0) {
                g = g.add(p, weightDecay);
            }
            Tensor expAvg = s.tensor("exp_avg");
            Tensor expInf = s.tensor("exp_inf");
            expAvg.lerp_(g, 1 - o.beta1());
            expInf.copy_(expInf.mul_(o.beta2()).maximum(g.abs().add(o.eps())));
            double clr = o.lr() / (1 - Math.pow(o.beta1(), s.step));
            p.addcdiv_(expAvg, expInf, -clr);
        });
    }
}
