package dev.ember.optim;

import dev.ember.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Averaged stochastic gradient descent, as {@code torch.optim.ASGD} (PyTorch 2.x's single-tensor update):
 * {@code g = grad + weight_decay * p}; {@code p *= 1 - lambd * eta}; {@code p -= eta * g}; the average
 * {@code ax += mu * (p - ax)} (or {@code ax = p} while {@code mu} is 1); then {@code eta = lr / (1 + lambd * lr *
 * step)^alpha} and {@code mu = 1 / max(1, step - t0)}. Options: {@code lr} (default 0.01), {@code lambd} (1e-4),
 * {@code alpha} (0.75), {@code t0} (1e6), {@code weight_decay} (0) and the flags every optimizer has
 * ({@code maximize} honoured); state: {@code step}, {@code eta}, {@code mu} (0-dim float32 tensors in the state dict,
 * and kept at float32 precision between steps, as PyTorch keeps them), {@code ax} (the averaged parameter).
 *
 * <p>The update is a chain of tensor ops (no fused kernel), so it runs on every backend, CPU and CUDA.
 */
public final class ASGD extends Optimizer {

    /** ASGD with PyTorch's defaults: lambd 1e-4, alpha 0.75, t0 1e6, no weight decay. */
    public ASGD(List<Tensor> params, double lr) {
        this(params, lr, 1e-4, 0.75, 1e6, 0);
    }

    /**
     * ASGD with every option.
     *
     * @throws IllegalArgumentException with PyTorch's messages for a negative (or nan or infinite) learning rate or
     *     weight decay
     */
    public ASGD(List<Tensor> params, double lr, double lambd, double alpha, double t0, double weightDecay) {
        super(params, defaults(lr, lambd, alpha, t0, weightDecay), Optimizer::checkCommon);
    }

    private static Map<String, Object> defaults(double lr, double lambd, double alpha, double t0, double weightDecay) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("lr", lr);
        d.put("lambd", lambd);
        d.put("alpha", alpha);
        d.put("t0", t0);
        d.put("weight_decay", weightDecay);
        for (String k : new String[] {"lr", "weight_decay"}) {
            checkCommon(k, d.get(k));
        }
        pytorchFlags(d, "foreach", "maximize", "differentiable", "capturable");
        return d;
    }

    @Override
    List<String> stateTensors(ParamGroup group, Map<String, Object> options) {
        return List.of("ax");
    }

    @Override
    List<String> stateScalars() {
        return List.of("eta", "mu");
    }

    /** One update of every parameter that has a gradient; checks them all, and their state, first. */
    @Override
    public void step() {
        withStepHooks(this::update);
    }

    private void update() {
        forEachParameter((group, p, grad, s, fresh) -> {
            double lr = group.lr();
            double lambd = group.getDouble("lambd");
            double alpha = group.getDouble("alpha");
            double t0 = group.getDouble("t0");
            double weightDecay = group.getDouble("weight_decay");
            if (fresh) {
                s.scalars.put("eta", roundToScalarDtype(lr));
                s.scalars.put("mu", 1.0);
                s.put("ax", p.zerosLike());
            }
            s.step++;
            double step = roundToScalarDtype(s.step);
            Tensor g = grad;
            if (weightDecay != 0) {
                g = g.add(p, weightDecay);
            }
            double eta = s.scalars.get("eta");
            double mu = s.scalars.get("mu");
            p.mul_(1 - lambd * eta);
            p.add_(g, -eta);
            Tensor ax = s.tensor("ax");
            if (mu != 1) {
                ax.add_(p.sub(ax).mul(mu));
            } else {
                ax.copy_(p);
            }
            // PyTorch keeps eta and mu as tensors of _get_scalar_dtype() (float32 unless the default type is float64)
            // (torch.as_tensor of the Python float, then copy_ into the state tensor, whose type a load may have changed)
            s.scalars.put("eta", s.roundScalar("eta", roundToScalarDtype(lr / Math.pow(1 + lambd * lr * step, alpha))));
            s.scalars.put("mu", s.roundScalar("mu", roundToScalarDtype(1 / Math.max(1, step - t0))));
        });
    }
}
