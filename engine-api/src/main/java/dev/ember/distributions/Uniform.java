package dev.ember.distributions;

import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.GradMode;
import dev.ember.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/** The uniform distribution on [low, high), as {@code torch.distributions.Uniform}. */
public class Uniform extends Distribution {
    private final Tensor low;
    private final Tensor high;

    /** Uniform(low, high), the two broadcast. */
    public Uniform(Tensor low, Tensor high) {
        this(low, high, null);
    }

    /** Uniform(low, high) with numbers (float32 0-dim parameters). */
    public Uniform(double low, double high) {
        this(Dist.scalar(low), Dist.scalar(high), null);
    }

    /**
     * Uniform(low, high); {@code validateArgs} null for the global default.
     *
     * @throws IllegalArgumentException "Uniform is not defined when low&gt;= high" (validating) unless low &lt; high
     */
    public Uniform(Tensor low, Tensor high, Boolean validateArgs) {
        this(Dist.broadcastAll(Dist.require(low, "Uniform", "low"), Dist.require(high, "Uniform", "high")), validateArgs);
    }

    private Uniform(Tensor[] p, Boolean validateArgs) {
        super(p[0].shape(), new int[0], validateArgs);
        this.low = p[0];
        this.high = p[1];
        if (this.validateArgs) {
            boolean ok;
            try (GradMode off = Ember.noGrad()) {
                ok = low.detach().lt(high.detach()).all();
            }
            if (!ok) {
                throw new IllegalArgumentException("Uniform is not defined when low>= high");
            }
        }
    }

    /** The lower end. */
    public Tensor low() {
        return low;
    }

    /** The upper end. */
    public Tensor high() {
        return high;
    }

    @Override
    public Map<String, Constraint> argConstraints() {
        Map<String, Constraint> m = new LinkedHashMap<>();
        m.put("low", Constraint.DEPENDENT);
        m.put("high", Constraint.DEPENDENT);
        return m;
    }

    @Override
    protected Map<String, Tensor> params() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("low", low);
        m.put("high", high);
        return m;
    }

    @Override
    public Constraint support() {
        return Constraint.interval(low, high);
    }

    @Override
    public boolean hasRsample() {
        return true;
    }

    @Override
    public Tensor mean() {
        return high.add(low).div(2.0);
    }

    @Override
    public Tensor mode() {
        return high.mul(Double.NaN);
    }

    @Override
    public Tensor stddev() {
        return high.sub(low).div(Math.sqrt(12));
    }

    @Override
    public Tensor variance() {
        return high.sub(low).pow(2L).div(12.0);
    }

    @Override
    public Tensor rsample(Generator generator, int... sampleShape) {
        Dist.require(generator, "rsample", "generator");
        int[] shape = extendedShape(sampleShape);
        Tensor rand;
        try (GradMode off = Ember.noGrad()) {
            rand = low.newEmpty(shape).uniform_(0, 1, generator);
        }
        return low.add(rand.mul(high.sub(low)));
    }

    @Override
    public Tensor logProb(Tensor value) {
        validateSample(value);
        Tensor lb = low.le(value).typeAs(low);
        Tensor ub = high.gt(value).typeAs(low);
        return lb.mul(ub).log().sub(high.sub(low).log());
    }

    @Override
    public Tensor cdf(Tensor value) {
        validateSample(value);
        return value.sub(low).div(high.sub(low)).clamp(0.0, 1.0);
    }

    @Override
    public Tensor icdf(Tensor value) {
        Dist.require(value, "icdf", "value");
        return value.mul(high.sub(low)).add(low);
    }

    @Override
    public Tensor entropy() {
        return high.sub(low).log();
    }

    @Override
    public Uniform expand(int... batchShape) {
        Dist.require(batchShape, "expand", "batch_shape");
        return new Uniform(new Tensor[] {low.expand(batchShape), high.expand(batchShape)}, validateArgs);
    }
}
