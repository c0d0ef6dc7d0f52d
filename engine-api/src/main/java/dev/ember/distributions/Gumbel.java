package dev.ember.distributions;

import dev.ember.Tensor;

import java.util.List;
import java.util.Map;

/**
 * The Gumbel distribution of location {@code loc} and scale {@code scale}, as {@code torch.distributions.Gumbel}: a
 * {@link TransformedDistribution} of a Uniform on [tiny, 1 - eps] by {@code log}, negation, {@code log} and
 * {@code loc - scale * x} (PyTorch's transforms), with PyTorch's explicit {@code log_prob}.
 */
public class Gumbel extends TransformedDistribution {
    private final Tensor loc;
    private final Tensor scale;

    /** Gumbel(loc, scale), the two broadcast. */
    public Gumbel(Tensor loc, Tensor scale) {
        this(loc, scale, null);
    }

    /** Gumbel(loc, scale) with numbers (float32 0-dim parameters). */
    public Gumbel(double loc, double scale) {
        this(new Tensor[] {Dist.scalar(loc), Dist.scalar(scale)}, true, null);
    }

    /** Gumbel(loc, scale); {@code validateArgs} null for the global default. */
    public Gumbel(Tensor loc, Tensor scale, Boolean validateArgs) {
        this(LocScale.broadcast("Gumbel", loc, scale), false, validateArgs);
    }

    private Gumbel(Tensor[] p, boolean numbers, Boolean validateArgs) {
        super(base(p[0], numbers), List.of(new ExpTransform().inv(),
                new AffineTransform(Dist.number(p[1], 0), p[1].onesLike().neg()), new ExpTransform().inv(),
                new AffineTransform(p[0], p[1].neg())), validateArgs);
        this.loc = p[0];
        this.scale = p[1];
        validateParams();
    }

    private Gumbel(Distribution base, List<Transform> transforms, int[] batchShape, Tensor loc, Tensor scale,
            boolean validateArgs) {
        super(base, transforms, batchShape, new int[0], validateArgs);
        this.loc = loc;
        this.scale = scale;
    }

    private static Uniform base(Tensor loc, boolean numbers) {
        double tiny = Dist.tiny(loc.dtype());
        double high = 1 - Dist.eps(loc.dtype());
        return numbers ? new Uniform(tiny, high) : new Uniform(loc.fullLike(tiny), loc.fullLike(high));
    }

    /** The location. */
    public Tensor loc() {
        return loc;
    }

    /** The scale. */
    public Tensor scale() {
        return scale;
    }

    @Override
    public Map<String, Constraint> argConstraints() {
        return LocScale.constraints();
    }

    @Override
    protected Map<String, Tensor> params() {
        return LocScale.params(loc, scale);
    }

    @Override
    public Constraint support() {
        return Constraint.REAL;
    }

    @Override
    public Tensor logProb(Tensor value) {
        validateSample(value);
        Tensor y = loc.sub(value).div(scale);
        return y.sub(y.exp()).sub(scale.log());
    }

    @Override
    public Tensor mean() {
        return loc.add(scale.mul(Dist.EULER));
    }

    @Override
    public Tensor mode() {
        return loc;
    }

    @Override
    public Tensor stddev() {
        return scale.mul(Math.PI / Math.sqrt(6));
    }

    @Override
    public Tensor variance() {
        return stddev().pow(2L);
    }

    @Override
    public Tensor entropy() {
        return scale.log().add(1 + Dist.EULER);
    }

    @Override
    public Gumbel expand(int... batchShape) {
        Dist.require(batchShape, "expand", "batch_shape");
        // the parameters first, as PyTorch's expand (their error is expand's, not the transforms' broadcast's)
        Tensor newLoc = loc.expand(batchShape);
        Tensor newScale = scale.expand(batchShape);
        return new Gumbel(expandedBase(batchShape), transforms(), batchShape, newLoc, newScale, validateArgs);
    }
}
