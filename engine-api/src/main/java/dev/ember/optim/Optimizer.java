package dev.ember.optim;

import dev.ember.Format;
import dev.ember.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What every optimizer shares, as {@code torch.optim.Optimizer}: the parameters it updates, a learning rate that
 * schedules may change, and clearing the gradients. A step checks every parameter and every piece of state before it
 * updates any, so a failed step changes nothing.
 */
public abstract class Optimizer {
    private static final System.Logger LOG = System.getLogger("dev.ember");

    /** The parameters, in the order given. */
    protected final List<Tensor> params;
    private double lr;

    /**
     * Keeps a copy of the parameter list; the hyper-parameters are checked by the subclass first, as PyTorch's
     * constructors do.
     *
     * @throws IllegalArgumentException for a null or empty list, a null element or a tensor that is not a leaf, with
     *     PyTorch's messages
     */
    protected Optimizer(List<Tensor> params, double lr) {
        if (params == null) {
            throw new IllegalArgumentException("params argument given to the optimizer should be an iterable of Tensors or "
                    + "dicts, but got null");
        }
        List<Tensor> copy = new ArrayList<>(params.size());
        for (Tensor p : params) {
            copy.add(p);
        }
        if (copy.isEmpty()) {
            throw new IllegalArgumentException("optimizer got an empty parameter list");
        }
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        boolean duplicates = false;
        for (Tensor p : copy) {
            if (p == null) {
                throw new IllegalArgumentException("optimizer can only optimize Tensors, but one of the params is null");
            }
            if (!p.isLeaf() && !p.retainsGrad()) {
                throw new IllegalArgumentException("can't optimize a non-leaf Tensor");
            }
            duplicates |= !seen.add(p);
        }
        if (duplicates) {
            LOG.log(System.Logger.Level.WARNING, "optimizer contains a parameter group with duplicate parameters; in future, "
                    + "this will cause an error; see github.com/pytorch/pytorch/issues/40967 for more information");
        }
        this.params = copy;
        this.lr = checkLr(lr);
    }

    /** PyTorch's learning-rate check; nan and infinity are refused too, as every update with them is nan. */
    static double checkLr(double lr) {
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("Invalid learning rate: " + Format.repr(lr));
        }
        return lr;
    }

    /**
     * The parameters that have a gradient, after checking each: the parameter and its gradient open, and the gradient
     * of the parameter's shape, type and device (a parameter changed under the optimizer is refused before any update).
     */
    protected final List<Tensor> parametersWithGradients() {
        String step = getClass().getSimpleName() + ".step: ";
        List<Tensor> out = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
            Tensor p = params.get(i);
            Tensor g = p.grad();
            if (g == null) {
                continue;
            }
            if (p.isClosed()) {
                throw new IllegalStateException(step + "parameter " + i + " has been closed");
            }
            if (g.isClosed()) {
                throw new IllegalStateException(step + "the gradient of parameter " + i + " has been closed");
            }
            checkLike(step + "the gradient of parameter " + i, g, p);
            out.add(p);
        }
        return out;
    }

    /** Checks that {@code t} (a gradient or a piece of state) matches its parameter {@code p}. */
    protected static void checkLike(String what, Tensor t, Tensor p) {
        if (t.isClosed()) {
            throw new IllegalStateException(what + " has been closed");
        }
        if (!Arrays.equals(t.shape(), p.shape())) {
            throw new IllegalStateException(what + " has shape " + Arrays.toString(t.shape()) + " but the parameter has shape "
                    + Arrays.toString(p.shape()));
        }
        if (t.dtype() != p.dtype()) {
            throw new IllegalStateException(what + " has type " + t.dtype() + " but the parameter has type " + p.dtype());
        }
        if (!t.device().equals(p.device())) {
            throw new IllegalStateException(what + " is on " + t.device() + " but the parameter is on " + p.device());
        }
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

    /**
     * Sets the learning rate (for schedules).
     *
     * @throws IllegalArgumentException for a negative, nan or infinite rate, leaving the rate as it was
     */
    public void setLr(double lr) {
        this.lr = checkLr(lr);
    }

    /** One update of every parameter that has a gradient. */
    public abstract void step();
}
