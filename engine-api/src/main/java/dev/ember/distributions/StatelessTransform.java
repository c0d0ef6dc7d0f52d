package dev.ember.distributions;

/**
 * A transform with no parameters: a fixed domain, codomain, bijectivity and sign, equal (as PyTorch's {@code __eq__},
 * an {@code isinstance} test) to every instance of its class, so the concrete transforms only write their maps.
 */
abstract class StatelessTransform extends Transform {
    private final Class<? extends Transform> kind;
    private final Constraint domain;
    private final Constraint codomain;
    private final boolean bijective;
    private final int sign;

    /** {@code sign} 0 where the transform has none ({@link #sign()} then throws, as PyTorch's NotImplementedError). */
    StatelessTransform(Class<? extends Transform> kind, Constraint domain, Constraint codomain, boolean bijective, int sign) {
        this(kind, domain, codomain, bijective, sign, 0);
    }

    /** The same with PyTorch's {@code cache_size} (0 or 1). */
    StatelessTransform(Class<? extends Transform> kind, Constraint domain, Constraint codomain, boolean bijective, int sign,
                       int cacheSize) {
        super(cacheSize);
        this.kind = kind;
        this.domain = domain;
        this.codomain = codomain;
        this.bijective = bijective;
        this.sign = sign;
    }

    @Override
    public Constraint domain() {
        return domain;
    }

    @Override
    public Constraint codomain() {
        return codomain;
    }

    @Override
    public boolean bijective() {
        return bijective;
    }

    @Override
    public int sign() {
        return sign != 0 ? sign : super.sign();
    }

    /** Equal to every instance of this transform's class, as PyTorch's {@code __eq__}. */
    @Override
    public boolean equals(Object other) {
        return kind.isInstance(other);
    }

    @Override
    public int hashCode() {
        return kind.hashCode();
    }
}
