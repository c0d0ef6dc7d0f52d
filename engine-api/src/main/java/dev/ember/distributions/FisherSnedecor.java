package dev.ember.distributions;

import dev.ember.Generator;
import dev.ember.Tensor;

import java.util.Map;

/**
 * The Fisher-Snedecor (F) distribution of {@code df1} and {@code df2} degrees of freedom, as
 * {@code torch.distributions.FisherSnedecor}: reparameterized samples {@code X1 / X2} with
 * {@code Xi ~ Gamma(dfi / 2, dfi)} (those Gammas made, and validated, as PyTorch makes them).
 */
public class FisherSnedecor extends Distribution {
    private final Tensor df1;
    private final Tensor df2;
    private final Gamma gamma1;
    private final Gamma gamma2;

    /** FisherSnedecor(df1, df2), the two broadcast. */
    public FisherSnedecor(Tensor df1, Tensor df2) {
        this(df1, df2, null);
    }

    /** FisherSnedecor with numbers (float32 0-dim parameters). */
    public FisherSnedecor(double df1, double df2) {
        this(Dist.scalar(df1), Dist.scalar(df2), null);
    }

    /** FisherSnedecor(df1, df2); {@code validateArgs} null for the global default. */
    public FisherSnedecor(Tensor df1, Tensor df2, Boolean validateArgs) {
        this(Dist.broadcastAll(Dist.require(df1, "FisherSnedecor", "df1"), Dist.require(df2, "FisherSnedecor", "df2")),
                validateArgs);
    }

    private FisherSnedecor(Tensor[] p, Boolean validateArgs) {
        this(p, new Gamma(p[0].mul(0.5), p[0]), new Gamma(p[1].mul(0.5), p[1]), validateArgs);
    }

    private FisherSnedecor(Tensor[] p, Gamma gamma1, Gamma gamma2, Boolean validateArgs) {
        super(p[0].shape(), new int[0], validateArgs);
        this.df1 = p[0];
        this.df2 = p[1];
        this.gamma1 = gamma1;
        this.gamma2 = gamma2;
        validateParams();
    }

    /** The first degrees of freedom. */
    public Tensor df1() {
        return df1;
    }

    /** The second degrees of freedom. */
    public Tensor df2() {
        return df2;
    }

    @Override
    public Map<String, Constraint> argConstraints() {
        return Dist.map("df1", Constraint.POSITIVE, "df2", Constraint.POSITIVE);
    }

    @Override
    protected Map<String, Tensor> params() {
        return Dist.map("df1", df1, "df2", df2);
    }

    @Override
    public Constraint support() {
        return Constraint.POSITIVE;
    }

    @Override
    public boolean hasRsample() {
        return true;
    }

    /** {@code df2 / (df2 - 2)}, NaN where {@code df2 <= 2}. */
    @Override
    public Tensor mean() {
        Tensor d = Tensor.where(df2.le(2L), df2.fullLike(Double.NaN), df2);
        return d.div(d.sub(2L));
    }

    /** NaN where {@code df1 <= 2}. */
    @Override
    public Tensor mode() {
        Tensor mode = df1.sub(2L).div(df1).mul(df2).div(df2.add(2L));
        return Tensor.where(df1.le(2L), mode.fullLike(Double.NaN), mode);
    }

    /** NaN where {@code df2 <= 4}. */
    @Override
    public Tensor variance() {
        Tensor d = Tensor.where(df2.le(4L), df2.fullLike(Double.NaN), df2);
        return d.pow(2L).mul(2L).mul(df1.add(d).sub(2L)).div(df1.mul(d.sub(2L).pow(2L)).mul(d.sub(4L)));
    }

    @Override
    public Tensor rsample(Generator generator, int... sampleShape) {
        Dist.require(generator, "rsample", "generator");
        int[] shape = extendedShape(sampleShape);
        Tensor x1 = gamma1.rsample(generator, sampleShape).view(shape);
        Tensor x2 = gamma2.rsample(generator, sampleShape).view(shape);
        double tiny = Dist.tiny(x2.dtype());
        // PyTorch's clamp_(min=tiny): a clamp node (ClampBackward1) with no upper bound
        x2 = x2.clamp(tiny, Double.POSITIVE_INFINITY);
        return x1.div(x2).clamp(tiny, Double.POSITIVE_INFINITY);
    }

    @Override
    public Tensor logProb(Tensor value) {
        validateSample(value);
        Tensor ct1 = df1.mul(0.5);
        Tensor ct2 = df2.mul(0.5);
        Tensor ct3 = df1.div(df2);
        Tensor t1 = ct1.add(ct2).lgamma().sub(ct1.lgamma()).sub(ct2.lgamma());
        Tensor t2 = ct1.mul(ct3.log()).add(ct1.sub(1L).mul(value.log()));
        Tensor t3 = ct1.add(ct2).mul(ct3.mul(value).log1p());
        return t1.add(t2).sub(t3);
    }

    @Override
    public FisherSnedecor expand(int... batchShape) {
        Dist.require(batchShape, "expand", "batch_shape");
        return new FisherSnedecor(new Tensor[] {df1.expand(batchShape), df2.expand(batchShape)}, gamma1.expand(batchShape),
                gamma2.expand(batchShape), validateArgs);
    }
}
