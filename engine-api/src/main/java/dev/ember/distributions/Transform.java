package dev.ember.distributions;

import dev.ember.Tensor;

/**
 * An invertible (or at least computable) map between two regions, as {@code torch.distributions.transforms.Transform}:
 * {@link #forward} ({@code __call__}) maps x to y, {@link #inverse} maps y back, {@link #logAbsDetJacobian} gives
 * {@code log |dy/dx|}, and {@link #inv()} is the inverse transform. {@link #domain()} and {@link #codomain()} say where
 * x and y live (their {@code eventDim} says how many rightmost dims form one event). Results are not cached (PyTorch's
 * default {@code cache_size=0}) unless {@link #withCache(int)} (or a constructor taking a cache size, as {@code
 * TanhTransform(cache_size=1)}) asks for a cache of the latest pair: then {@link #forward} of the very tensor last given
 * returns the very y it gave, and {@link #inverse} of the very y last seen returns its x, as PyTorch's identity test
 * ({@code x is x_old}). This is how a tanh-squashed policy's {@code log_prob(rsample())} reads the pre-tanh sample
 * instead of {@code atanh(tanh(x))}, which is infinite where tanh rounds to 1. {@code toString} is PyTorch's repr.
 */
public abstract class Transform implements Cloneable {
    private Transform inverse;
    private int cacheSize;
    private Tensor cachedX;
    private Tensor cachedY;

    /** A transform (its inverse made on first use), without a cache. */
    protected Transform() {
    }

    /**
     * A transform with PyTorch's {@code cache_size}.
     *
     * @throws IllegalArgumentException for a size other than 0 or 1, in PyTorch's words
     */
    protected Transform(int cacheSize) {
        this.cacheSize = checkCacheSize(cacheSize);
    }

    private static int checkCacheSize(int cacheSize) {
        if (cacheSize != 0 && cacheSize != 1) {
            throw new IllegalArgumentException("cache_size must be 0 or 1");
        }
        return cacheSize;
    }

    /** The cache size, as {@code _cache_size}: 0 (nothing kept) or 1 (the latest x and y). */
    public int cacheSize() {
        return cacheSize;
    }

    /**
     * This transform with the given cache size, as {@code with_cache(cache_size)}: this one where it already has that
     * size, else a copy (the same parameters, its own empty cache and inverse).
     *
     * @throws IllegalArgumentException for a size other than 0 or 1
     */
    public Transform withCache(int cacheSize) {
        checkCacheSize(cacheSize);
        if (cacheSize == this.cacheSize) {
            return this;
        }
        try {
            Transform copy = (Transform) clone();
            copy.cacheSize = cacheSize;
            copy.inverse = null;
            copy.cachedX = null;
            copy.cachedY = null;
            return copy;
        } catch (CloneNotSupportedException ex) {
            throw new IllegalStateException(ex);
        }
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
        if (cacheSize == 0) {
            return call(x);
        }
        if (x == cachedX) {
            return cachedY;
        }
        Tensor y = call(x);
        cachedX = x;
        cachedY = y;
        return y;
    }

    /** {@code x = f⁻¹(y)}, as {@code inv(y)}. */
    public Tensor inverse(Tensor y) {
        Dist.require(y, "_inv_call", "y");
        if (cacheSize == 0) {
            return invCall(y);
        }
        if (y == cachedY) {
            return cachedX;
        }
        Tensor x = invCall(y);
        cachedX = x;
        cachedY = y;
        return x;
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

        /** {@code _InverseTransform.__call__}: the forward's {@code _inv_call}, through its cache. */
        @Override
        public Tensor forward(Tensor x) {
            Dist.require(x, "__call__", "x");
            return of.inverse(x);
        }

        /** The forward transform's {@code __call__}, through its cache. */
        @Override
        public Tensor inverse(Tensor y) {
            Dist.require(y, "_inv_call", "y");
            return of.forward(y);
        }

        @Override
        public int cacheSize() {
            return of.cacheSize();
        }

        /** {@code _InverseTransform.with_cache}: the inverse of the forward transform with that cache. */
        @Override
        public Transform withCache(int cacheSize) {
            return of.withCache(cacheSize).inv();
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
