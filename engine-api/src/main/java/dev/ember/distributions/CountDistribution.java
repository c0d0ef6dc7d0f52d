package dev.ember.distributions;

import dev.ember.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What {@link Binomial} and {@link NegativeBinomial} share: a {@code total_count} and one probs-or-logits parameter,
 * broadcast together as {@code broadcast_all} does (the count in the parameter's type), with PyTorch's argument names.
 */
abstract class CountDistribution extends Distribution {
    /** The count (Binomial's trials, NegativeBinomial's failures), in the parameter's type and batch shape. */
    final Tensor totalCount;
    final ProbsOrLogits param;

    /** {@code Name(total_count, probs=, logits=)} with exactly one of {@code probs} and {@code logits}. */
    CountDistribution(String name, Tensor totalCount, Tensor probs, Tensor logits, Boolean validateArgs) {
        this(Dist.require(totalCount, name, "total_count"), ProbsOrLogits.binary(probs, logits), validateArgs);
    }

    private CountDistribution(Tensor totalCount, ProbsOrLogits param, Boolean validateArgs) {
        this(Dist.broadcastAll(totalCount, param.given()), param, validateArgs);
    }

    /** From the count and the parameter already broadcast ({@link #expandedParams}). */
    CountDistribution(Tensor[] broadcast, ProbsOrLogits param, Boolean validateArgs) {
        super(broadcast[1].shape(), new int[0], validateArgs);
        this.totalCount = broadcast[0].typeAs(broadcast[1]);
        this.param = param.withExpanded(broadcast[1]);
        validateParams();
    }

    /**
     * The count: Binomial's number of trials, NegativeBinomial's number of failures to stop at (in the probabilities'
     * type).
     */
    public Tensor totalCount() {
        return totalCount;
    }

    /** The success probabilities. */
    public Tensor probs() {
        return param.probs();
    }

    /** The log-odds of success. */
    public Tensor logits() {
        return param.logits();
    }

    @Override
    protected Map<String, Tensor> params() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("total_count", totalCount);
        return param.putInto(m);
    }

    /** The count and the given parameter expanded to {@code batchShape}, for {@code expand}. */
    Tensor[] expandedParams(int... batchShape) {
        Dist.require(batchShape, "expand", "batch_shape");
        return new Tensor[] {totalCount.expand(batchShape), param.given().expand(batchShape)};
    }
}
