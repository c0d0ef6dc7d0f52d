package dev.ember.distributions;

import dev.ember.Tensor;

import java.util.Map;

/**
 * The chi-squared distribution of {@code df} degrees of freedom, as {@code torch.distributions.Chi2}: exactly
 * {@code Gamma(0.5 * df, 0.5)}, its {@code df} validated (as PyTorch's, repr {@code Chi2()}).
 */
public class Chi2 extends Gamma {
    /** Chi2(df). */
    public Chi2(Tensor df) {
        this(df, null);
    }

    /** Chi2(df) with a number (float32 0-dim parameters). */
    public Chi2(double df) {
        this(new Tensor[] {Dist.scalar(0.5 * df), Dist.scalar(0.5)}, null);
    }

    /** Chi2(df); {@code validateArgs} null for the global default. */
    public Chi2(Tensor df, Boolean validateArgs) {
        this(Dist.broadcastAll(Dist.require(df, "Chi2", "df").mul(0.5), df.newFull(new int[0], 0.5)), validateArgs);
    }

    private Chi2(Tensor[] p, Boolean validateArgs) {
        super(p, validateArgs);
    }

    /** The degrees of freedom, {@code concentration * 2}. */
    public Tensor df() {
        return concentration().mul(2L);
    }

    @Override
    public Map<String, Constraint> argConstraints() {
        return Dist.map("df", Constraint.POSITIVE);
    }

    @Override
    protected Map<String, Tensor> params() {
        return Dist.map("df", df());
    }

    @Override
    public Chi2 expand(int... batchShape) {
        Dist.require(batchShape, "expand", "batch_shape");
        return new Chi2(new Tensor[] {concentration().expand(batchShape), rate().expand(batchShape)}, validateArgs);
    }

    /** PyTorch's repr, {@code Chi2()} ({@code df} is a property there). */
    @Override
    public String toString() {
        return "Chi2()";
    }
}
