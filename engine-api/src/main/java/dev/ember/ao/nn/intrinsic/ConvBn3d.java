package dev.ember.ao.nn.intrinsic;

import dev.ember.nn.BatchNorm3d;
import dev.ember.nn.Conv3d;

/**
 * {@code torch.ao.nn.intrinsic.ConvBn3d}: a {@link Conv3d} followed by a {@link BatchNorm3d}, fused for
 * quantization-aware training by {@link dev.ember.ao.quantization.Quantization#fuseModulesQat} (into
 * {@link dev.ember.ao.nn.intrinsic.qat.ConvBn3d} at {@code prepareQat}).
 */
public class ConvBn3d extends FusedModule {
    /**
     * {@code ConvBn3d(conv, bn)}.
     *
     * @param conv the convolution
     * @param bn the batch norm
     */
    public ConvBn3d(Conv3d conv, BatchNorm3d bn) {
        super(conv, bn);
    }

    /** The convolution ({@code self[0]}). */
    public Conv3d conv() {
        return (Conv3d) get(0);
    }

    /** The batch norm ({@code self[1]}). */
    public BatchNorm3d bn() {
        return (BatchNorm3d) get(1);
    }
}
