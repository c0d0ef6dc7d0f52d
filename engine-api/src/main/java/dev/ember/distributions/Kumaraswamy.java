package dev.ember.distributions;

import dev.ember.Tensor;

import java.util.List;
import java.util.Map;

/**
 * The Kumaraswamy distribution on [0, 1] of concentrations {@code concentration1} (a) and {@code concentration0} (b),
 * as {@code torch.distributions.Kumaraswamy}: a {@link TransformedDistribution} of Uniform(0, 1) by
 * {@code x^(1/b)}, {@code 1 - x} and {@code x^(1/a)}.
 */
public class Kumaraswamy extends TransformedDistribution {
    private final Tensor concentration1;
    private final Tensor concentration0;

    /** Kumaraswamy(concentration1, concentration0), the two broadcast. */
    public Kumaraswamy(Tensor concentration1, Tensor concentration0) {
        this(concentration1, concentration0, null);
    }

    /** Kumaraswamy with numbers (float32 0-dim parameters). */
    public Kumaraswamy(double concentration1, double concentration0) {
        this(Dist.scalar(concentration1), Dist.scalar(concentration0), null);
    }

    /** Kumaraswamy(concentration1, concentration0); {@code validateArgs} null for the global default. */
    public Kumaraswamy(Tensor concentration1, Tensor concentration0, Boolean validateArgs) {
        this(Dist.broadcastAll(Dist.require(concentration1, "Kumaraswamy", "concentration1"),
                Dist.require(concentration0, "Kumaraswamy", "concentration0")), validateArgs);
    }

    private Kumaraswamy(Tensor[] p, Boolean validateArgs) {
        super(new Uniform(p[1].fullLike(0.0), p[1].fullLike(1.0), validateArgs), List.of(
                new PowerTransform(p[1].reciprocal()), new AffineTransform(1.0, -1.0),
                new PowerTransform(p[0].reciprocal())), validateArgs);
        this.concentration1 = p[0];
        this.concentration0 = p[1];
        validateParams();
    }

    private Kumaraswamy(Distribution base, List<Transform> transforms, int[] batchShape, Tensor c1, Tensor c0,
            boolean validateArgs) {
        super(base, transforms, batchShape, new int[0], validateArgs);
        this.concentration1 = c1;
        this.concentration0 = c0;
    }

    /** The first concentration (a). */
    public Tensor concentration1() {
        return concentration1;
    }

    /** The second concentration (b). */
    public Tensor concentration0() {
        return concentration0;
    }

    @Override
    public Map<String, Constraint> argConstraints() {
        return Dist.map("concentration1", Constraint.POSITIVE, "concentration0", Constraint.POSITIVE);
    }

    @Override
    protected Map<String, Tensor> params() {
        return Dist.map("concentration1", concentration1, "concentration0", concentration0);
    }

    @Override
    public Constraint support() {
        return Constraint.UNIT_INTERVAL;
    }

    @Override
    public boolean hasRsample() {
        return true;
    }

    /** {@code _moments(a, b, n)}: {@code b * B(1 + n / a, b)}. */
    private static Tensor moments(Tensor a, Tensor b, int n) {
        Tensor arg1 = a.reciprocal().mul((long) n).add(1L);
        Tensor logValue = arg1.lgamma().add(b.lgamma()).sub(arg1.add(b).lgamma());
        return b.mul(logValue.exp());
    }

    @Override
    public Tensor mean() {
        return moments(concentration1, concentration0, 1);
    }

    /** Evaluated in log space; NaN where either concentration is below 1. */
    @Override
    public Tensor mode() {
        Tensor logMode = concentration0.reciprocal().mul(concentration0.neg().log1p())
                .sub(concentration0.neg().mul(concentration1).log1p());
        Tensor bad = concentration0.lt(1L).logicalOr(concentration1.lt(1L));
        return Tensor.where(bad, logMode.fullLike(Double.NaN), logMode).exp();
    }

    @Override
    public Tensor variance() {
        return moments(concentration1, concentration0, 2).sub(mean().pow(2L));
    }

    @Override
    public Tensor entropy() {
        Tensor t1 = concentration1.reciprocal().rsub(1L);
        Tensor t0 = concentration0.reciprocal().rsub(1L);
        Tensor h0 = concentration0.add(1L).digamma().add(Dist.EULER);
        return t0.add(t1.mul(h0)).sub(concentration1.log()).sub(concentration0.log());
    }

    @Override
    public Kumaraswamy expand(int... batchShape) {
        Dist.require(batchShape, "expand", "batch_shape");
        // the parameters first, as PyTorch's expand (their error is expand's, not the transforms' broadcast's)
        Tensor c1 = concentration1.expand(batchShape);
        Tensor c0 = concentration0.expand(batchShape);
        return new Kumaraswamy(expandedBase(batchShape), transforms(), batchShape, c1, c0, validateArgs);
    }
}
