package dev.ember.distributions;

import dev.ember.Generator;
import dev.ember.Tensor;

import java.util.List;
import java.util.Map;

/**
 * The Beta distribution on [0, 1], as {@code torch.distributions.Beta}: a two-category {@link Dirichlet} of
 * {@code (concentration1, concentration0)} (its parameters validated there), repr {@code Beta()} as PyTorch's.
 */
public class Beta extends ExponentialFamily {
    private final Dirichlet dirichlet;

    /** Beta(concentration1, concentration0), the two broadcast. */
    public Beta(Tensor concentration1, Tensor concentration0) {
        this(concentration1, concentration0, null);
    }

    /** Beta with numbers (a float32 parameter vector). */
    public Beta(double concentration1, double concentration0) {
        this(new Dirichlet(Tensor.tensor(new float[] {(float) concentration1, (float) concentration0}), null), null);
    }

    /** Beta(concentration1, concentration0); {@code validateArgs} null for the global default. */
    public Beta(Tensor concentration1, Tensor concentration0, Boolean validateArgs) {
        this(new Dirichlet(Tensor.stack(List.of(Dist.broadcastAll(Dist.require(concentration1, "Beta", "concentration1"),
                Dist.require(concentration0, "Beta", "concentration0"))), -1), validateArgs), validateArgs);
    }

    private Beta(Dirichlet d, Boolean validateArgs) {
        super(d.batchShape(), new int[0], validateArgs);
        this.dirichlet = d;
    }

    /** The first concentration (alpha). */
    public Tensor concentration1() {
        return dirichlet.concentration().select(-1, 0);
    }

    /** The second concentration (beta). */
    public Tensor concentration0() {
        return dirichlet.concentration().select(-1, 1);
    }

    Dirichlet dirichlet() {
        return dirichlet;
    }

    @Override
    public Map<String, Constraint> argConstraints() {
        Map<String, Constraint> m = new java.util.LinkedHashMap<>();
        m.put("concentration1", Constraint.POSITIVE);
        m.put("concentration0", Constraint.POSITIVE);
        return m;
    }

    @Override
    public Constraint support() {
        return Constraint.UNIT_INTERVAL;
    }

    @Override
    public boolean hasRsample() {
        return true;
    }

    @Override
    public Tensor mean() {
        return concentration1().div(concentration1().add(concentration0()));
    }

    @Override
    public Tensor mode() {
        return dirichlet.mode().select(-1, 0);
    }

    @Override
    public Tensor variance() {
        Tensor c1 = concentration1();
        Tensor c0 = concentration0();
        Tensor total = c1.add(c0);
        return c1.mul(c0).div(total.pow(2L).mul(total.add(1.0)));
    }

    @Override
    public Tensor rsample(Generator generator, int... sampleShape) {
        return dirichlet.rsample(generator, sampleShape).select(-1, 0);
    }

    @Override
    public Tensor logProb(Tensor value) {
        validateSample(value);
        Tensor headsTails = Tensor.stack(List.of(value, value.rsub(1.0)), -1);
        return dirichlet.logProb(headsTails);
    }

    @Override
    public Tensor entropy() {
        return dirichlet.entropy();
    }

    @Override
    public Beta expand(int... batchShape) {
        return new Beta(dirichlet.expand(batchShape), validateArgs);
    }
}
