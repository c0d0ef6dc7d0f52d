package dev.ember.ao.nn.intrinsic;

import dev.ember.nn.BatchNorm1d;
import dev.ember.nn.Linear;

/**
 * {@code torch.ao.nn.intrinsic.LinearBn1d}: a {@link Linear} followed by a {@link BatchNorm1d}, fused for
 * quantization-aware training by {@link dev.ember.ao.quantization.Quantization#fuseModulesQat} (into
 * {@link dev.ember.ao.nn.intrinsic.qat.LinearBn1d} at {@code prepareQat}).
 */
public class LinearBn1d extends FusedModule {
    /**
     * {@code LinearBn1d(linear, bn)}.
     *
     * @param linear the linear layer
     * @param bn the batch norm
     */
    public LinearBn1d(Linear linear, BatchNorm1d bn) {
        super(linear, bn);
    }

    /** The linear layer ({@code self[0]}). */
    public Linear linear() {
        return (Linear) get(0);
    }

    /** The batch norm ({@code self[1]}). */
    public BatchNorm1d bn() {
        return (BatchNorm1d) get(1);
    }
}
