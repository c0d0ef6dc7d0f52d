package dev.ember.distributions;

import dev.ember.Generator;
import dev.ember.Tensor;

import java.util.Arrays;

/**
 * A distribution whose rightmost {@code reinterpretedBatchNdims} batch dims are read as event dims, as
 * {@code torch.distributions.Independent}: {@code log_prob} and {@code entropy} are summed over them.
 */
public class Independent extends Distribution {
    private final Distribution base;
    private final int reinterpreted;

    /** {@code Independent(base_distribution, reinterpreted_batch_ndims)}. */
    public Independent(Distribution base, int reinterpretedBatchNdims) {
        this(base, reinterpretedBatchNdims, null);
    }

    /**
     * {@code Independent(base_distribution, reinterpreted_batch_ndims, validate_args)}.
     *
     * @throws IllegalArgumentException PyTorch's message where {@code reinterpretedBatchNdims} exceeds the base's batch dims
     */
    public Independent(Distribution base, int reinterpretedBatchNdims, Boolean validateArgs) {
        super(split(base, reinterpretedBatchNdims)[0], split(base, reinterpretedBatchNdims)[1], validateArgs);
        this.base = base;
        this.reinterpreted = reinterpretedBatchNdims;
    }

    private static int[][] split(Distribution base, int n) {
        if (base == null) {
            throw new IllegalArgumentException("Independent(): argument 'base_distribution' must be Distribution, not null");
        }
        int[] b = base.batchShape();
        if (n > b.length || n < 0) {
            throw new IllegalArgumentException("Expected reinterpreted_batch_ndims <= len(base_distribution.batch_shape), actual "
                    + n + " vs " + b.length);
        }
        int[] shape = Dist.concat(b, base.eventShape());
        int eventDim = n + base.eventShape().length;
        return new int[][] {Arrays.copyOf(shape, shape.length - eventDim),
            Arrays.copyOfRange(shape, shape.length - eventDim, shape.length)};
    }

    /** The distribution inside, as {@code base_dist}. */
    public Distribution baseDist() {
        return base;
    }

    /** The number of batch dims read as event dims. */
    public int reinterpretedBatchNdims() {
        return reinterpreted;
    }

    @Override
    public Constraint support() {
        Constraint s = base.support();
        return reinterpreted == 0 ? s : Constraint.independent(s, reinterpreted);
    }

    @Override
    public boolean hasRsample() {
        return base.hasRsample();
    }

    @Override
    public boolean hasEnumerateSupport() {
        return reinterpreted == 0 && base.hasEnumerateSupport();
    }

    @Override
    public Tensor mean() {
        return base.mean();
    }

    @Override
    public Tensor mode() {
        return base.mode();
    }

    @Override
    public Tensor variance() {
        return base.variance();
    }

    @Override
    public Tensor sample(Generator generator, int... sampleShape) {
        return base.sample(generator, sampleShape);
    }

    @Override
    public Tensor rsample(Generator generator, int... sampleShape) {
        return base.rsample(generator, sampleShape);
    }

    @Override
    public Tensor logProb(Tensor value) {
        return Dist.sumRightmost(base.logProb(value), reinterpreted);
    }

    @Override
    public Tensor entropy() {
        return Dist.sumRightmost(base.entropy(), reinterpreted);
    }

    @Override
    public Tensor enumerateSupport(boolean expand) {
        if (reinterpreted > 0) {
            throw new UnsupportedOperationException("Enumeration over cartesian product is not implemented");
        }
        return base.enumerateSupport(expand);
    }

    @Override
    public Independent expand(int... batchShape) {
        Dist.require(batchShape, "expand", "batch_shape");
        int[] ev = eventShape();
        int[] baseBatch = Dist.concat(batchShape, Arrays.copyOf(ev, reinterpreted));
        return new Independent(base.expand(baseBatch), reinterpreted, validateArgs);
    }

    /** {@code Independent(<base>, n)}, as PyTorch's repr. */
    @Override
    public String toString() {
        return "Independent(" + base + ", " + reinterpreted + ")";
    }
}
