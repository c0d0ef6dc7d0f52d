package dev.ember.optim;

import dev.ember.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * What every optimizer shares, as {@code torch.optim.Optimizer}: the parameters it updates, a learning rate that
 * schedules may change, and clearing the gradients.
 */
public abstract class Optimizer {
    /** The parameters, in the order given. */
    protected final List<Tensor> params;
    private double lr;

    /** Keeps a copy of the parameter list; the learning rate is checked by the subclass. */
    protected Optimizer(List<Tensor> params, double lr) {
        this.params = new ArrayList<>(params);
        this.lr = lr;
    }

    /**
     * Sets every parameter's gradient to null (as PyTorch's default {@code zero_grad(set_to_none=True)}) and closes the
     * gradients autograd made ({@link Tensor#releaseGrad()}), so their memory is reused by the next backward pass at
     * once rather than when the garbage collector finds them; PyTorch frees them at this point too, unless a reference
     * remains. Clone a gradient to keep it past this call.
     */
    public void zeroGrad() {
        for (Tensor p : params) {
            p.releaseGrad();
        }
    }

    /** The learning rate. */
    public double lr() {
        return lr;
    }

    /** Sets the learning rate (for schedules). */
    public void setLr(double lr) {
        this.lr = lr;
    }

    /** One update of every parameter that has a gradient. */
    public abstract void step();
}
