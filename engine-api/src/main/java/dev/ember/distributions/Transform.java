package dev.ember.distributions;

import dev.ember.Tensor;

/**
 * An invertible (or at least computable) map between two regions, as {@code torch.distributions.transforms.Transform}:
 * {@link #forward} ({@code __call__}) maps x to y, {@link #inverse} maps y back, {@link #logAbsDetJacobian} gives
 * {@code log |dy/dx|}, and {@link #inv()} is the inverse transform. {@link #domain()} and {@link #codomain()} say where
 * x and y live (their {@code eventDim} says how many rightmost dims form one event). Results are not cached (PyTorch's
 * default {@code cache_size=0}). {@code toString} is PyTorch's repr.
 */
public abstract class Transform {
    private Transform inverse;

    /** A transform (its inverse made on first use). */
    protected Transform() {
    }

    /** The region of the inputs, as {@code domain}. */
    public abstract Constraint domain();

    /** The region of the outputs, as {@code codomain}. */
    public abstract Constraint codomain();

    /** Whether the map is one to one, as {@code bijective}. */
    public boolean bijective() {
        return false;
    }

    /**
     * The sign of the Jacobian's determinant (+1 or -1), as {@code sign}.
     *
     * @throws UnsupportedOperationException where it has none (PyTorch's NotImplementedError)
     */
    public int sign() {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no sign");
    }

    /** The sign as a tensor where it varies elementwise (an AffineTransform with a tensor scale), else null. */
    Tensor signTensor() {
        return null;
    }

    /**
     * The number of rightmost dims forming one event where domain and codomain agree, as {@code event_dim}.
     *
     * @throws IllegalArgumentException with PyTorch's message where they differ
     */
    public int eventDim() {
        int d = domain().eventDim();
        if (d != codomain().eventDim()) {
            throw new IllegalArgumentException("Please use either .domain.event_dim or .codomain.event_dim");
        }
        return d;
    }

    /** The inverse transform, as {@code inv}: {@code t.inv().inv() == t}. */
    public Transform inv() {
        if (inverse == null) {
            inverse = new InverseTransform(this);
        }
        return inverse;
    }

    /** {@code y = f(x)}, as {@code __call__}. */
    public Tensor forward(Tensor x) {
        Dist.require(x, "__call__", "x");
        return call(x);
    }

    /** {@code x = f⁻¹(y)}, as {@code inv(y)}. */
    public Tensor inverse(Tensor y) {
        Dist.require(y, "_inv_call", "y");
        return invCall(y);
    }

    /** The map itself, as {@code _call}. */
    protected abstract Tensor call(Tensor x);

    /** The inverse map, as {@code _inverse}. */
    protected abstract Tensor invCall(Tensor y);

    /**
     * {@code log |dy/dx|} at {@code x} (with {@code y = f(x)}), as {@code log_abs_det_jacobian}.
     *
     * @throws UnsupportedOperationException where the transform has none (not bijective)
     */
    public Tensor logAbsDetJacobian(Tensor x, Tensor y) {
        Dist.require(x, "log_abs_det_jacobian", "x");
        Dist.require(y, "log_abs_det_jacobian", "y");
        return ladj(x, y);
    }

    /** The log-det-Jacobian itself (arguments checked). */
    protected Tensor ladj(Tensor x, Tensor y) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no log_abs_det_jacobian");
    }

    /** The output shape for an input {@code shape}, as {@code forward_shape} (the same by default). */
    public int[] forwardShape(int[] shape) {
        return Dist.require(shape, "forward_shape", "shape").clone();
    }

    /** The input shape for an output {@code shape}, as {@code inverse_shape} (the same by default). */
    public int[] inverseShape(int[] shape) {
        return Dist.require(shape, "inverse_shape", "shape").clone();
    }

    /** PyTorch's repr: {@code ExpTransform()}. */
    @Override
    public String toString() {
        return getClass().getSimpleName() + "()";
    }

    /** {@code _InverseTransform}: another transform run backwards. */
    static final class InverseTransform extends Transform {
        private final Transform of;

        InverseTransform(Transform of) {
            this.of = of;
        }

        @Override
        public Constraint domain() {
            return of.codomain();
        }

        @Override
        public Constraint codomain() {
            return of.domain();
        }

        @Override
        public boolean bijective() {
            return of.bijective();
        }

        @Override
        public int sign() {
            return of.sign();
        }

        @Override
        Tensor signTensor() {
            return of.signTensor();
        }

        @Override
        public Transform inv() {
            return of;
        }

        @Override
        protected Tensor call(Tensor x) {
            return of.invCall(x);
        }

        @Override
        protected Tensor invCall(Tensor y) {
            return of.call(y);
        }

        @Override
        protected Tensor ladj(Tensor x, Tensor y) {
            return of.ladj(y, x).neg();
        }

        @Override
        public int[] forwardShape(int[] shape) {
            return of.inverseShape(shape);
        }

        @Override
        public int[] inverseShape(int[] shape) {
            return of.forwardShape(shape);
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof InverseTransform && of.equals(((InverseTransform) other).of);
        }

        @Override
        public int hashCode() {
            return ~of.hashCode();
        }

        @Override
        public String toString() {
            return "_InverseTransform(" + of + ")";
        }
    }
}
