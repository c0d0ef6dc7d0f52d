package dev.ember.optim;

import dev.ember.OptimizerOps;
import dev.ember.Tensor;
import dev.ember.backend.OptimizerKind;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * NAdam, Adam with Nesterov momentum, as {@code torch.optim.NAdam} (PyTorch 2.x's single-tensor update), with its
 * momentum schedule {@code mu_t = beta1 (1 - 0.5 * 0.96^(t * momentum_decay))}, the running product of the
 * {@code mu_t} kept as PyTorch's {@code state['mu_product']} tensor (float32, float64 under a float64 default type),
 * and {@code decoupled_weight_decay} (NAdamW: the weights decay by {@code lr * weight_decay} instead of the decay
 * joining the gradient). Options: {@code lr} (default 0.002), {@code betas} ((0.9, 0.999)), {@code eps} (1e-8),
 * {@code weight_decay} (0), {@code momentum_decay} (0.004), {@code decoupled_weight_decay} (false); state:
 * {@code step}, {@code mu_product}, {@code exp_avg}, {@code exp_avg_sq}.
 */
public final class NAdam extends Optimizer {

    /** NAdam with PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, no weight decay, momentum decay 0.004. */
    public NAdam(List<Tensor> params, double lr) {
        this(params, lr, 0.9, 0.999, 1e-8, 0, 4e-3, false);
    }

    /**
     * NAdam with every option.
     *
     * @throws IllegalArgumentException with PyTorch's messages for a negative (or nan or infinite) learning rate, eps,
     *     weight decay or momentum decay, or a beta outside [0, 1)
     */
    public NAdam(List<Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay,
                 double momentumDecay, boolean decoupledWeightDecay) {
        super(params, defaults(lr, beta1, beta2, eps, weightDecay, momentumDecay, decoupledWeightDecay), NAdam::check);
    }

    private static Map<String, Object> defaults(double lr, double beta1, double beta2, double eps, double weightDecay,
                                                double momentumDecay, boolean decoupled) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("lr", lr);
        d.put("betas", List.of(beta1, beta2));
        d.put("eps", eps);
        d.put("weight_decay", weightDecay);
        d.put("momentum_decay", momentumDecay);
        d.put("decoupled_weight_decay", decoupled);
        for (String k : new String[] {"lr", "eps", "betas", "weight_decay", "momentum_decay"}) {
            check(k, d.get(k));
        }
        pytorchFlags(d, "maximize", "foreach", "capturable", "differentiable");
        return d;
    }

    private static void check(String name, Object value) {
        if (name.equals("momentum_decay")) {
            checkNonNegative(name, (Double) value);
        } else {
            checkCommon(name, value);
        }
    }

    @Override
    List<String> stateTensors(ParamGroup group, Map<String, Object> options) {
        return List.of("exp_avg", "exp_avg_sq");
    }

    @Override
    List<String> stateScalars() {
        return List.of("mu_product");
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
            double momentumDecay = group.getDouble("momentum_decay");
            boolean decoupled = (Boolean) group.get("decoupled_weight_decay");
            if (fresh) {
                s.scalars.put("mu_product", 1.0);
                s.put("exp_avg", p.zerosLike());
                s.put("exp_avg_sq", p.zerosLike());
            }
            s.step++;
            double step = s.step;
            double biasCorrection2 = 1 - Math.pow(o.beta2(), step);
            double mu = o.beta1() * (1. - 0.5 * Math.pow(0.96, step * momentumDecay));
            double muNext = o.beta1() * (1. - 0.5 * Math.pow(0.96, (step + 1) * momentumDecay));
            if (fused(p, grad, s.tensor("exp_avg"), s.tensor("exp_avg_sq"))) {
                double muProduct = nextMuProduct(s, mu);
                double muProductNext = muProduct * muNext;
                OptimizerOps.update(OptimizerKind.NADAM, new double[] {weightDecay, flag(decoupled),
                    1 - o.lr() * weightDecay, o.beta1(), 1 - o.beta1(), o.beta2(), 1 - o.beta2(), biasCorrection2,
                    o.eps(), o.lr() * (1. - mu) / (1. - muProduct), o.lr() * muNext / (1. - muProductNext)}, p, grad,
                    s.tensor("exp_avg"), s.tensor("exp_avg_sq"));
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
            double muProduct = nextMuProduct(s, mu);
            Tensor expAvg = s.tensor("exp_avg");
            Tensor expAvgSq = s.tensor("exp_avg_sq");
            expAvg.lerp_(g, 1 - o.beta1());
            expAvgSq.mul_(o.beta2()).addcmul_(g, g, 1 - o.beta2());
            Tensor denom = expAvgSq.div(biasCorrection2).sqrt().add_(o.eps());
            double muProductNext = muProduct * muNext;
            p.addcdiv_(g, denom, -o.lr() * (1. - mu) / (1. - muProduct));
            p.addcdiv_(expAvg, denom, -o.lr() * muNext / (1. - muProductNext));
        });
    }

    /**
     * {@code mu_product *= mu}, stored and returned: PyTorch 2.x's mu_product is a 0-dim tensor of
     * {@code _get_scalar_dtype()}, float32 (the product, and the factor, rounded to float) unless the default type is
     * float64, where it is float64 (rounding it to float32 there moved the parameters by 1e-9 relative after two
     * steps). A loaded state's mu_product has the parameter's type (PyTorch's load_state_dict casts it): double products
     * for a float64 parameter, float products rounded to the half type for a float16 or bfloat16 one.
     */
    private static double nextMuProduct(ParamState s, double mu) {
        double previous = (Double) s.scalars.get("mu_product");
        dev.ember.DType type = s.scalarType("mu_product");
        double muProduct = type == dev.ember.DType.FLOAT64 ? previous * mu
                : roundTo(type, (double) ((float) previous * (float) mu));
        s.scalars.put("mu_product", muProduct);
        return muProduct;
    }
}
