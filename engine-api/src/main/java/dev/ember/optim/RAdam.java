package dev.ember.optim;

import dev.ember.OptimizerOps;
import dev.ember.Tensor;
import dev.ember.backend.OptimizerKind;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * RAdam, rectified Adam, as {@code torch.optim.RAdam} (PyTorch 2.x's single-tensor update): while the length of the
 * approximated simple moving average {@code rho_t} is at most 5 the step is momentum SGD on the bias-corrected first
 * moment, then the adaptive step times the variance rectification term; with {@code decoupled_weight_decay} (RAdamW)
 * the weights decay by {@code lr * weight_decay} instead of the decay joining the gradient. Options: {@code lr} (default
 * 0.001), {@code betas} ((0.9, 0.999)), {@code eps} (1e-8), {@code weight_decay} (0), {@code decoupled_weight_decay}
 * (false); state: {@code step}, {@code exp_avg}, {@code exp_avg_sq}.
 */
public final class RAdam extends Optimizer {

    /** RAdam with PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, no weight decay. */
    public RAdam(List<Tensor> params, double lr) {
        this(params, lr, 0.9, 0.999, 1e-8, 0, false);
    }

    /**
     * RAdam with every option.
     *
     * @throws IllegalArgumentException with PyTorch's messages for a negative (or nan or infinite) learning rate, eps or
     *     weight decay, or a beta outside [0, 1)
     */
    public RAdam(List<Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay,
                 boolean decoupledWeightDecay) {
        super(params, defaults(lr, beta1, beta2, eps, weightDecay, decoupledWeightDecay), Optimizer::checkCommon);
    }

    private static Map<String, Object> defaults(double lr, double beta1, double beta2, double eps, double weightDecay,
                                                boolean decoupled) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("lr", lr);
        d.put("betas", List.of(beta1, beta2));
        d.put("eps", eps);
        d.put("weight_decay", weightDecay);
        d.put("decoupled_weight_decay", decoupled);
        for (String k : new String[] {"lr", "eps", "betas", "weight_decay"}) {
            checkCommon(k, d.get(k));
        }
        pytorchFlags(d, "maximize", "foreach", "capturable", "differentiable");
        return d;
    }

    @Override
    List<String> stateTensors(ParamGroup group, Map<String, Object> options) {
        return List.of("exp_avg", "exp_avg_sq");
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
            boolean decoupled = (Boolean) group.get("decoupled_weight_decay");
            if (fresh) {
                s.put("exp_avg", p.zerosLike());
                s.put("exp_avg_sq", p.zerosLike());
            }
            s.step++;
            double step = s.step;
            if (fused(p, grad, s.tensor("exp_avg"), s.tensor("exp_avg_sq"))) {
                double biasCorrection1 = 1 - Math.pow(o.beta1(), step);
                double biasCorrection2 = 1 - Math.pow(o.beta2(), step);
                double rhoInf = 2 / (1 - o.beta2()) - 1;
                double rhoT = rhoInf - 2 * step * Math.pow(o.beta2(), step) / biasCorrection2;
                boolean rectified = rhoT > 5.;
                double rect = rectified
                        ? Math.sqrt((rhoT - 4) * (rhoT - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rhoT)) : 0;
                OptimizerOps.update(OptimizerKind.RADAM, new double[] {weightDecay, flag(decoupled),
                    1 - o.lr() * weightDecay, o.beta1(), 1 - o.beta1(), o.beta2(), 1 - o.beta2(), biasCorrection1,
                    o.lr(), flag(rectified), Math.sqrt(biasCorrection2), o.eps(), rect}, p, grad, s.tensor("exp_avg"),
                    s.tensor("exp_avg_sq"));
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
            Tensor expAvg = s.tensor("exp_avg");
            Tensor expAvgSq = s.tensor("exp_avg_sq");
            expAvg.lerp_(g, 1 - o.beta1());
            expAvgSq.mul_(o.beta2()).addcmul_(g, g, 1 - o.beta2());
            double biasCorrection1 = 1 - Math.pow(o.beta1(), step);
            double biasCorrection2 = 1 - Math.pow(o.beta2(), step);
            Tensor corrected = expAvg.div(biasCorrection1);
            double rhoInf = 2 / (1 - o.beta2()) - 1;
            double rhoT = rhoInf - 2 * step * Math.pow(o.beta2(), step) / biasCorrection2;
            if (rhoT > 5.) {
                double rect = Math.sqrt((rhoT - 4) * (rhoT - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rhoT));
                // Python's number / tensor: tensor.reciprocal() * number
                Tensor adaptiveLr = expAvgSq.sqrt().add_(o.eps()).reciprocal().mul(Math.sqrt(biasCorrection2));
                p.sub_(corrected.mul(o.lr()).mul(adaptiveLr).mul(rect));
            } else {
                p.sub_(corrected.mul(o.lr()));
            }
        });
    }
}
