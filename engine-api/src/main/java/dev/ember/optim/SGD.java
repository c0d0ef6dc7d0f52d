package dev.ember.optim;

import dev.ember.Ember;
import dev.ember.Format;
import dev.ember.GradMode;
import dev.ember.Tensor;
import dev.ember.TensorScope;

import java.util.IdentityHashMap;
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
    private final Map<Tensor, Tensor> buffers = new IdentityHashMap<>();

    /** Plain SGD. */
    public SGD(List<Tensor> params, double lr) {
        this(params, lr, 0, 0, 0, false);
    }

    /**
     * SGD with every option.
     *
     * @throws IllegalArgumentException with PyTorch's messages for a negative learning rate, momentum or weight decay,
     *     or Nesterov without momentum or with dampening; nan and infinite values are refused too
     */
    public SGD(List<Tensor> params, double lr, double momentum, double dampening, double weightDecay, boolean nesterov) {
        super(params, checked(lr, momentum, dampening, weightDecay, nesterov));
        this.momentum = momentum;
        this.dampening = dampening;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
    }

    private static double checked(double lr, double momentum, double dampening, double weightDecay, boolean nesterov) {
        checkLr(lr);
        if (!(momentum >= 0) || Double.isInfinite(momentum)) {
            throw new IllegalArgumentException("Invalid momentum value: " + Format.repr(momentum));
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("Invalid weight_decay value: " + Format.repr(weightDecay));
        }
        if (!Double.isFinite(dampening)) {
            throw new IllegalArgumentException("Invalid dampening value: " + Format.repr(dampening));
        }
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new IllegalArgumentException("Nesterov momentum requires a momentum and zero dampening");
        }
        return lr;
    }

    /** Updates every parameter that has a gradient; checks them all, and their momentum buffers, first. */
    @Override
    public void step() {
        List<Tensor> ps = parametersWithGradients();
        for (int i = 0; i < ps.size(); i++) {
            Tensor buf = buffers.get(ps.get(i));
            if (buf != null) {
                checkLike("SGD.step: the momentum buffer of parameter " + params.indexOf(ps.get(i)), buf, ps.get(i));
            }
        }
        try (GradMode off = Ember.noGrad()) {
            for (Tensor p : ps) {
                Tensor g = p.grad();
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
