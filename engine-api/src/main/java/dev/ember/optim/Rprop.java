package dev.ember.optim;

import dev.ember.Format;
import dev.ember.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Resilient backpropagation, as {@code torch.optim.Rprop} (PyTorch 2.x's single-tensor update): with
 * {@code sign = sign(grad * prev)}, each element's step size is multiplied by {@code etaplus} where the sign is
 * positive, {@code etaminus} where it is negative (and that element's gradient is then taken as 0) and kept where it is
 * 0, then clamped to {@code step_sizes}; {@code p -= sign(grad) * step_size}; {@code prev = grad}. Options: {@code lr}
 * (default 0.01, the first step size), {@code etas} ((0.5, 1.2)), {@code step_sizes} ((1e-6, 50)) and the flags every
 * optimizer has ({@code maximize} honoured); state: {@code step}, {@code prev}, {@code step_size}.
 *
 * <p>The update is a chain of tensor ops (no fused kernel), so it runs on every backend, CPU and CUDA.
 */
public final class Rprop extends Optimizer {

    /** Rprop with PyTorch's defaults: etas (0.5, 1.2), step sizes (1e-6, 50). */
    public Rprop(List<Tensor> params, double lr) {
        this(params, lr, 0.5, 1.2, 1e-6, 50);
    }

    /**
     * Rprop with every option.
     *
     * @throws IllegalArgumentException with PyTorch's messages for a negative (or nan or infinite) learning rate or etas
     *     that are not {@code 0 < etaminus < 1 < etaplus}
     */
    public Rprop(List<Tensor> params, double lr, double etaminus, double etaplus, double stepSizeMin, double stepSizeMax) {
        super(params, defaults(lr, etaminus, etaplus, stepSizeMin, stepSizeMax), Rprop::check);
    }

    private static Map<String, Object> defaults(double lr, double etaminus, double etaplus, double min, double max) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("lr", lr);
        d.put("etas", List.of(etaminus, etaplus));
        d.put("step_sizes", List.of(min, max));
        for (String k : new String[] {"lr", "etas"}) {
            check(k, d.get(k));
        }
        pytorchFlags(d, "foreach", "maximize", "differentiable", "capturable");
        return d;
    }

    private static void check(String name, Object value) {
        if (name.equals("etas")) {
            List<?> etas = (List<?>) value;
            double minus = ((Number) etas.get(0)).doubleValue();
            double plus = ((Number) etas.get(1)).doubleValue();
            if (!(0 < minus && minus < 1 && 1 < plus)) {
                throw new IllegalArgumentException("Invalid eta values: " + Format.repr(minus) + ", " + Format.repr(plus));
            }
            return;
        }
        checkCommon(name, value);
    }

    @Override
    List<String> stateTensors(ParamGroup group, Map<String, Object> options) {
        return List.of("prev", "step_size");
    }

    /** One update of every parameter that has a gradient; checks them all, and their state, first. */
    @Override
    public void step() {
        withStepHooks(this::update);
    }

    private void update() {
        forEachParameter((group, p, grad, s, fresh) -> {
            List<?> etas = (List<?>) group.get("etas");
            List<?> sizes = (List<?>) group.get("step_sizes");
            double etaminus = (Double) etas.get(0);
            double etaplus = (Double) etas.get(1);
            double min = (Double) sizes.get(0);
            double max = (Double) sizes.get(1);
            if (fresh) {
                s.put("prev", p.zerosLike());
                s.put("step_size", p.fullLike(group.lr()));
            }
            s.step++;
            Tensor prev = s.tensor("prev");
            Tensor stepSize = s.tensor("step_size");
            Tensor sign = grad.mul(prev).sign();
            sign.maskedFill_(sign.gt(0.0), etaplus);
            sign.maskedFill_(sign.lt(0.0), etaminus);
            sign.maskedFill_(sign.eq(0.0), 1.0);
            stepSize.mul_(sign).clamp_(min, max);
            Tensor g = grad.clone();
            g.maskedFill_(sign.eq(etaminus), 0.0);
            p.addcmul_(g.sign(), stepSize, -1);
            prev.copy_(g);
        });
    }
}
