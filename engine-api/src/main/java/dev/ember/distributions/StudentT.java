package dev.ember.distributions;

import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.GradMode;
import dev.ember.Tensor;

import java.util.Map;

/**
 * Student's t-distribution of {@code df} degrees of freedom, location {@code loc} and scale {@code scale}, as
 * {@code torch.distributions.StudentT}: reparameterized samples {@code loc + scale * X / sqrt(Z / df)} with X standard
 * normal and Z from a {@link Chi2} of {@code df} (made, and so validated, as PyTorch makes it).
 */
public class StudentT extends Distribution {
    private final Tensor df;
    private final Tensor loc;
    private final Tensor scale;
    private final Chi2 chi2;

    /** StudentT(df) with loc 0 and scale 1. */
    public StudentT(Tensor df) {
        this(df, null, null, null);
    }

    /** StudentT(df, loc, scale), the three broadcast. */
    public StudentT(Tensor df, Tensor loc, Tensor scale) {
        this(df, Dist.require(loc, "StudentT", "loc"), Dist.require(scale, "StudentT", "scale"), null);
    }

    /** StudentT with numbers (float32 0-dim parameters). */
    public StudentT(double df, double loc, double scale) {
        this(Dist.scalar(df), Dist.scalar(loc), Dist.scalar(scale), null);
    }

    /**
     * StudentT(df, loc, scale); {@code loc} null for 0 and {@code scale} null for 1 (PyTorch's defaults, of df's type);
     * {@code validateArgs} null for the global default.
     */
    public StudentT(Tensor df, Tensor loc, Tensor scale, Boolean validateArgs) {
        this(Dist.broadcastAll(Dist.require(df, "StudentT", "df"), loc == null ? df.newFull(new int[0], 0.0) : loc,
                scale == null ? df.newFull(new int[0], 1.0) : scale), validateArgs);
    }

    private StudentT(Tensor[] p, Boolean validateArgs) {
        this(p, new Chi2(p[0]), validateArgs);
    }

    private StudentT(Tensor[] p, Chi2 chi2, Boolean validateArgs) {
        super(p[0].shape(), new int[0], validateArgs);
        this.df = p[0];
        this.loc = p[1];
        this.scale = p[2];
        this.chi2 = chi2;
        validateParams();
    }

    /** The degrees of freedom. */
    public Tensor df() {
        return df;
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
        return Dist.map("df", Constraint.POSITIVE, "loc", Constraint.REAL, "scale", Constraint.POSITIVE);
    }

    @Override
    protected Map<String, Tensor> params() {
        return Dist.map("df", df, "loc", loc, "scale", scale);
    }

    @Override
    public Constraint support() {
        return Constraint.REAL;
    }

    @Override
    public boolean hasRsample() {
        return true;
    }

    /** {@code loc}, NaN where {@code df <= 1}. */
    @Override
    public Tensor mean() {
        return Tensor.where(df.gt(1L), loc, Double.NaN);
    }

    @Override
    public Tensor mode() {
        return loc;
    }

    /** {@code scale² df / (df - 2)} where {@code df > 2}, infinity where {@code 1 < df <= 2}, NaN where {@code df <= 1}. */
    @Override
    public Tensor variance() {
        Tensor big = df.gt(2L);
        Tensor safe = Tensor.where(big, df, 3.0);
        Tensor v = scale.pow(2L).mul(safe).div(safe.sub(2L));
        Tensor rest = Tensor.where(df.le(1L), df.fullLike(Double.NaN), Double.POSITIVE_INFINITY);
        return Tensor.where(big, v, rest);
    }

    @Override
    public Tensor rsample(Generator generator, int... sampleShape) {
        Dist.require(generator, "rsample", "generator");
        int[] shape = extendedShape(sampleShape);
        Tensor x;
        try (GradMode off = Ember.noGrad()) {
            x = df.newEmpty(shape).normal_(0, 1, generator);
        }
        Tensor z = chi2.rsample(generator, sampleShape);
        Tensor y = x.mul(z.div(df).rsqrt());
        return loc.add(scale.mul(y));
    }

    @Override
    public Tensor logProb(Tensor value) {
        validateSample(value);
        Tensor y = value.sub(loc).div(scale);
        Tensor z = scale.log().add(df.log().mul(0.5)).add(0.5 * Math.log(Math.PI)).add(df.mul(0.5).lgamma())
                .sub(df.add(1.0).mul(0.5).lgamma());
        return df.add(1.0).mul(-0.5).mul(y.pow(2.0).div(df).log1p()).sub(z);
    }

    @Override
    public Tensor entropy() {
        Tensor lbeta = df.mul(0.5).lgamma().add(lgammaHalf()).sub(df.add(1L).mul(0.5).lgamma());
        return scale.log().add(df.add(1L).mul(0.5).mul(df.add(1L).mul(0.5).digamma().sub(df.mul(0.5).digamma())))
                .add(df.log().mul(0.5)).add(lbeta);
    }

    /** {@code math.lgamma(0.5)}, log(sqrt(pi)), as Python gives it. */
    private static double lgammaHalf() {
        return 0.5723649429247004;
    }

    @Override
    public StudentT expand(int... batchShape) {
        Dist.require(batchShape, "expand", "batch_shape");
        return new StudentT(new Tensor[] {df.expand(batchShape), loc.expand(batchShape), scale.expand(batchShape)},
                chi2.expand(batchShape), validateArgs);
    }
}
