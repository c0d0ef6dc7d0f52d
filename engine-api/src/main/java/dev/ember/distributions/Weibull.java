package dev.ember.distributions;

import dev.ember.Tensor;

import java.util.List;
import java.util.Map;

/**
 * The two-parameter Weibull distribution of scale {@code scale} (lambda) and shape {@code concentration} (k), as
 * {@code torch.distributions.Weibull}: a {@link TransformedDistribution} of Exponential(1) by
 * {@code x^(1/concentration)} and {@code scale * x}.
 */
public class Weibull extends TransformedDistribution {
    private final Tensor scale;
    private final Tensor concentration;
    private final Tensor concentrationReciprocal;

    /** Weibull(scale, concentration), the two broadcast. */
    public Weibull(Tensor scale, Tensor concentration) {
        this(scale, concentration, null);
    }

    /** Weibull(scale, concentration) with numbers (float32 0-dim parameters). */
    public Weibull(double scale, double concentration) {
        this(Dist.scalar(scale), Dist.scalar(concentration), null);
    }

    /** Weibull(scale, concentration); {@code validateArgs} null for the global default. */
    public Weibull(Tensor scale, Tensor concentration, Boolean validateArgs) {
        this(Dist.broadcastAll(Dist.require(scale, "Weibull", "scale"), Dist.require(concentration, "Weibull",
                "concentration")), validateArgs);
    }

    private Weibull(Tensor[] p, Boolean validateArgs) {
        this(p, p[1].reciprocal(), validateArgs);
    }

    private Weibull(Tensor[] p, Tensor recip, Boolean validateArgs) {
        super(new Exponential(p[0].onesLike(), validateArgs), transforms(p[0], recip), validateArgs);
        this.scale = p[0];
        this.concentration = p[1];
        this.concentrationReciprocal = recip;
        validateParams();
    }

    private Weibull(Distribution base, Tensor scale, Tensor concentration, int[] batchShape, boolean validateArgs) {
        this(base, scale, concentration, concentration.reciprocal(), batchShape, validateArgs);
    }

    private Weibull(Distribution base, Tensor scale, Tensor concentration, Tensor recip, int[] batchShape,
            boolean validateArgs) {
        super(base, transforms(scale, recip), batchShape, new int[0], validateArgs);
        this.scale = scale;
        this.concentration = concentration;
        this.concentrationReciprocal = recip;
    }

    private static List<Transform> transforms(Tensor scale, Tensor recip) {
        return List.of(new PowerTransform(recip), new AffineTransform(Dist.number(scale, 0), scale));
    }

    /** The scale (lambda). */
    public Tensor scale() {
        return scale;
    }

    /** The shape (k). */
    public Tensor concentration() {
        return concentration;
    }

    @Override
    public Map<String, Constraint> argConstraints() {
        return Dist.map("scale", Constraint.POSITIVE, "concentration", Constraint.POSITIVE);
    }

    @Override
    protected Map<String, Tensor> params() {
        return Dist.map("scale", scale, "concentration", concentration);
    }

    @Override
    public Constraint support() {
        return Constraint.POSITIVE;
    }

    @Override
    public Tensor mean() {
        return scale.mul(concentrationReciprocal.add(1L).lgamma().exp());
    }

    @Override
    public Tensor mode() {
        return scale.mul(concentration.sub(1L).div(concentration).pow(concentration.reciprocal()));
    }

    @Override
    public Tensor variance() {
        return scale.pow(2L).mul(concentrationReciprocal.mul(2L).add(1L).lgamma().exp()
                .sub(concentrationReciprocal.add(1L).lgamma().mul(2L).exp()));
    }

    @Override
    public Tensor entropy() {
        return concentrationReciprocal.rsub(1L).mul(Dist.EULER).add(scale.mul(concentrationReciprocal).log()).add(1L);
    }

    @Override
    public Weibull expand(int... batchShape) {
        Dist.require(batchShape, "expand", "batch_shape");
        return new Weibull(baseDist().expand(batchShape), scale.expand(batchShape), concentration.expand(batchShape),
                batchShape, validateArgs);
    }
}
