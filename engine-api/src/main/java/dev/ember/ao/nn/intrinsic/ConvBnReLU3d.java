package dev.ember.ao.nn.intrinsic;

import dev.ember.nn.BatchNorm3d;
import dev.ember.nn.Conv3d;
import dev.ember.nn.ReLU;

/**
 * {@code torch.ao.nn.intrinsic.ConvBnReLU3d}: a {@link Conv3d}, a {@link BatchNorm3d} and a {@link ReLU}, fused for
 * quantization-aware training by {@link dev.ember.ao.quantization.Quantization#fuseModulesQat} (into
 * {@link dev.ember.ao.nn.intrinsic.qat.ConvBnReLU3d} at {@code prepareQat}).
 */
public class ConvBnReLU3d extends FusedModule {
    /**
     * {@code ConvBnReLU3d(conv, bn, relu)}.
     *
     * @param conv the convolution
     * @param bn the batch norm
     * @param relu the ReLU
     */
    public ConvBnReLU3d(Conv3d conv, BatchNorm3d bn, ReLU relu) {
        super(conv, bn, relu);
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
