package dev.ember;

/**
 * Ember's own reads of a one-element tensor's value, which never log PyTorch 2.7's warning about converting a tensor
 * that requires grad to a scalar: PyTorch's C++ code (optimizers' {@code _local_scalar_dense}, printing under
 * {@code no_grad}, {@code is_nonzero}) does not pass through the Python {@code item()} that warns, and neither should
 * Ember's optimizers, schedulers, losses, observers or printing. This class is for the engine's code in its other
 * packages; user code reads a value with {@link Tensor#item()}, {@link Tensor#longItem()} or
 * {@link Tensor#itemComplex()}, which warn as PyTorch does.
 */
public final class InternalScalars {
    /** PyTorch 2.7's {@code TORCH_WARN_ONCE} in {@code at::native::item} (Scalar.cpp), word for word. */
    static final String REQUIRES_GRAD_TO_SCALAR = "Converting a tensor with requires_grad=True to a scalar may lead to "
            + "unexpected behavior.\nConsider using tensor.detach() first.";

    private InternalScalars() {
    }

    private static void checkOne(Tensor t) {
        Args.require(t, "item", "self", 0, "Tensor");
        if (t.numel() != 1) {
            throw new IllegalArgumentException("a Tensor with " + t.numel() + " elements cannot be converted to Scalar");
        }
    }

    /**
     * The value of a one-element real tensor as a double, without a warning (for Ember's engine code).
     *
     * @param t a tensor of one element
     * @return its value
     * @throws IllegalArgumentException for a null tensor, another number of elements or a complex tensor (Tensor.item's
     *     messages)
     */
    public static double item(Tensor t) {
        checkOne(t);
        if (t.dtype().isComplex()) {
            throw new IllegalArgumentException("the value of a " + t.dtype().torchName() + " tensor is a complex number: "
                    + "use itemComplex()");
        }
        return t.toDoubleArray()[0];
    }

    /**
     * The value of a one-element tensor as a long, without a warning (for Ember's engine code).
     *
     * @param t a tensor of one element
     * @return its value
     * @throws IllegalArgumentException for a null tensor or another number of elements
     */
    public static long longItem(Tensor t) {
        checkOne(t);
        return t.toLongArray()[0];
    }

    /**
     * The value of a one-element tensor as a {@link Complex} (a real tensor's with imaginary part 0), without a warning
     * (for Ember's engine code).
     *
     * @param t a tensor of one element
     * @return its value
     * @throws IllegalArgumentException for a null tensor or another number of elements
     */
    public static Complex complexItem(Tensor t) {
        checkOne(t);
        if (!t.dtype().isComplex()) {
            return new Complex(t.toDoubleArray()[0], 0);
        }
        double[] v = ComplexOps.parts(t).toDoubleArray();
        return new Complex(v[0], v[1]);
    }

    /**
     * PyTorch 2.7's {@code item()} warning: logged once per process (through {@link WarnOnce}) when {@code t} requires
     * grad and gradient mode is on ({@code GradMode::is_enabled() && self.requires_grad()}: off under {@code no_grad}
     * and in inference mode; leaves and non-leaves alike).
     */
    static void warnIfRequiresGrad(Tensor t) {
        if (t.requiresGrad() && GradMode.isEnabled()) {
            WarnOnce.warn(REQUIRES_GRAD_TO_SCALAR);
        }
    }
}
