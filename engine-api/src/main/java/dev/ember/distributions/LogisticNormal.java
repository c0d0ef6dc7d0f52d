package dev.ember.distributions;

import dev.ember.Tensor;

import java.util.List;
import java.util.Map;

/**
 * The logistic-normal distribution on the simplex, as {@code torch.distributions.LogisticNormal}: a
 * {@link TransformedDistribution} of {@code Independent(Normal(loc, scale), 1)} (a 0-dim batch expanded to one entry)
 * by {@link StickBreakingTransform}, so K normal coordinates give K + 1 simplex entries. Its parameters are validated
 * by the Normal inside (as PyTorch's), its repr is PyTorch's {@code LogisticNormal()}.
 */
public class LogisticNormal extends TransformedDistribution {
    /** LogisticNormal(loc, scale), the two broadcast. */
    public LogisticNormal(Tensor loc, Tensor scale) {
        this(loc, scale, null);
    }

    /** LogisticNormal with numbers (float32 parameters, expanded to one coordinate). */
    public LogisticNormal(double loc, double scale) {
        this(Dist.scalar(loc), Dist.scalar(scale), null);
    }

    /** LogisticNormal(loc, scale); {@code validateArgs} null for the global default. */
    public LogisticNormal(Tensor loc, Tensor scale, Boolean validateArgs) {
        this(base(new Normal(loc, scale, validateArgs)), validateArgs);
    }

    private LogisticNormal(Normal base, Boolean validateArgs) {
        super(base, List.of(new StickBreakingTransform()), validateArgs);
    }

    private LogisticNormal(Distribution base, List<Transform> transforms, int[] batchShape, int[] eventShape,
            boolean validateArgs) {
        super(base, transforms, batchShape, eventShape, validateArgs);
    }

    private static Normal base(Normal n) {
        return n.batchShape().length == 0 ? n.expand(1) : n;
    }

    private Normal normal() {
        return (Normal) ((Independent) baseDist()).baseDist();
    }

    /** The base Normal's mean. */
    public Tensor loc() {
        return normal().loc();
    }

    /** The base Normal's standard deviation. */
    public Tensor scale() {
        return normal().scale();
    }

    @Override
    public Map<String, Constraint> argConstraints() {
        return LocScale.constraints();
    }

    @Override
    public Constraint support() {
        return Constraint.SIMPLEX;
    }

    @Override
    public boolean hasRsample() {
        return true;
    }

    @Override
    public LogisticNormal expand(int... batchShape) {
        Dist.require(batchShape, "expand", "batch_shape");
        return new LogisticNormal(expandedBase(batchShape), transforms(), batchShape, eventShape(), validateArgs);
    }
}
