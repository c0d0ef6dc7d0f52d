package dev.ember.optim;

import dev.ember.Format;
import dev.ember.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adadelta, as {@code torch.optim.Adadelta} (PyTorch 2.x's single-tensor update): {@code g = grad + weight_decay * p};
 * {@code square_avg = rho * square_avg + (1 - rho) * g^2}; {@code delta = sqrt(acc_delta + eps) / sqrt(square_avg + eps)
 * * g}; {@code acc_delta = rho * acc_delta + (1 - rho) * delta^2}; {@code p -= lr * delta}. Options: {@code lr}
 * (default 1.0), {@code rho} (0.9), {@code eps} (1e-6), {@code weight_decay} (0) and the flags every optimizer has
 * ({@code maximize} honoured); state: {@code step}, {@code square_avg}, {@code acc_delta}.
 *
 * <p>The update is a chain of tensor ops (no fused kernel), so it runs on every backend, CPU and CUDA.
 */
public final class Adadelta extends Optimizer {

    /** Adadelta with PyTorch's defaults: lr 1.0, rho 0.9, eps 1e-6, no weight decay. */
    public Adadelta(List<Tensor> params) {
        this(params, 1.0, 0.9, 1e-6, 0);
    }

    /**
     * Adadelta with every option.
     *
     * @throws IllegalArgumentException with PyTorch's messages for a negative (or nan or infinite) learning rate, eps or
     *     weight decay, or a rho outside [0, 1]
     */
    public Adadelta(List<Tensor> params, double lr, double rho, double eps, double weightDecay) {
        super(params, defaults(lr, rho, eps, weightDecay), Adadelta::check);
    }

    private static Map<String, Object> defaults(double lr, double rho, double eps, double weightDecay) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("lr", lr);
        d.put("rho", rho);
        d.put("eps", eps);
        d.put("weight_decay", weightDecay);
        for (String k : new String[] {"lr", "rho", "eps", "weight_decay"}) {
            check(k, d.get(k));
        }
        pytorchFlags(d, "maximize", "capturable", "foreach", "differentiable");
        return d;
    }

    private static void check(String name, Object value) {
        if (name.equals("rho")) {
            double rho = (Double) value;
            if (!(rho >= 0 && rho <= 1)) {
                throw new IllegalArgumentException("Invalid rho value: " + Format.repr(rho));
            }
            return;
        }
        checkCommon(name, value);
    }

    @Override
    List<String> stateTensors(ParamGroup group, Map<String, Object> options) {
        return List.of("square_avg", "acc_delta");
    }

    /** One update of every parameter that has a gradient; checks them all, and their state, first. */
    @Override
    public void step() {
        withStepHooks(this::update);
    }

    private void update() {
        forEachParameter((group, p, grad, s, fresh) -> {
            double lr = group.lr();
            double rho = group.getDouble("rho");
            double eps = group.getDouble("eps");
            double weightDecay = group.getDouble("weight_decay");
            if (fresh) {
                s.put("square_avg", p.zerosLike());
                s.put("acc_delta", p.zerosLike());
            }
            s.step++;
            Tensor g = grad;
            if (weightDecay != 0) {
                g = g.add(p, weightDecay);
            }
            Tensor squareAvg = s.tensor("square_avg");
            Tensor accDelta = s.tensor("acc_delta");
            squareAvg.mul_(rho).addcmul_(g, g, 1 - rho);
            Tensor std = squareAvg.add(eps).sqrt_();
            Tensor delta = accDelta.add(eps).sqrt_().div_(std).mul_(g);
            accDelta.mul_(rho).addcmul_(delta, delta, 1 - rho);
            p.add_(delta, -lr);
        });
    }
}
