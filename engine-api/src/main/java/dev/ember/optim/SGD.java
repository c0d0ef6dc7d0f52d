package dev.ember.optim;

import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.Tensor;
import dev.ember.TensorScope;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Stochastic gradient descent with momentum, dampening, Nesterov and weight decay, as {@code torch.optim.SGD}.
 */
public final class SGD extends Optimizer {
    private final double momentum;
    private final double dampening;
    private final double weightDecay;
    private final boolean nesterov;
    private final Map<Tensor, Tensor> buffers = new HashMap<>();

    /** Plain SGD. */
    public SGD(List<Tensor> params, double lr) {
        this(params, lr, 0, 0, 0, false);
    }

    /** SGD with every option. */
    public SGD(List<Tensor> params, double lr, double momentum, double dampening, double weightDecay, boolean nesterov) {
        super(params, checked(lr, momentum, dampening, nesterov));
        this.momentum = momentum;
        this.dampening = dampening;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
    }

    private static double checked(double lr, double momentum, double dampening, boolean nesterov) {
        if (lr < 0) {
            throw new IllegalArgumentException("Invalid learning rate: " + lr);
        }
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new IllegalArgumentException("Nesterov momentum requires a momentum and zero dampening");
        }
        return lr;
    }

    /** Updates every parameter that has a gradient. */
    @Override
    public void step() {
        try (GradMode off = Ember.noGrad()) {
            for (Tensor p : params) {
                Tensor g = p.grad();
                if (g == null) {
                    continue;
                }
                if (weightDecay != 0) {
                    g = g.add(p, weightDecay);
                }
                if (momentum != 0) {
                    Tensor buf = buffers.get(p);
                    if (buf == null) {
                        buf = TensorScope.escape(g.clone()); // the optimizer's state outlives the step's scope
                        buffers.put(p, buf);
                    } else {
                        buf.mul_(momentum).add_(g, 1 - dampening);
                    }
                    g = nesterov ? g.add(buf, momentum) : buf;
                }
                p.sub_(g, lr());
            }
        }
    }
}
