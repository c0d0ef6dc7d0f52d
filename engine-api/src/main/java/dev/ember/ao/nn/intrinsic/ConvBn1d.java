package dev.ember.ao.nn.intrinsic;

import dev.ember.nn.BatchNorm1d;
import dev.ember.nn.Conv1d;

/**
 * {@code torch.ao.nn.intrinsic.ConvBn1d}: a {@link Conv1d} followed by a {@link BatchNorm1d}, fused for
 * quantization-aware training by {@link dev.ember.ao.quantization.Quantization#fuseModulesQat} (into
 * {@link dev.ember.ao.nn.intrinsic.qat.ConvBn1d} at {@code prepareQat}).
 */
public class ConvBn1d extends FusedModule {
    /**
     * {@code ConvBn1d(conv, bn)}.
     *
     * @param conv the convolution
     * @param bn the batch norm
     */
    public ConvBn1d(Conv1d conv, BatchNorm1d bn) {
        super(conv, bn);
    }

    /** The convolution ({@code self[0]}). */
    public Conv1d conv() {
        return (Conv1d) get(0);
    }

    /** The batch norm ({@code self[1]}). */
    public BatchNorm1d bn() {
        return (BatchNorm1d) get(1);
    }
}
