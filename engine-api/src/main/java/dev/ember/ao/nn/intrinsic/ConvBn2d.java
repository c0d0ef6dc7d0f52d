package dev.ember.ao.nn.intrinsic;

import dev.ember.nn.BatchNorm2d;
import dev.ember.nn.Conv2d;

/**
 * {@code torch.ao.nn.intrinsic.ConvBn2d}: a {@link Conv2d} followed by a {@link BatchNorm2d}, fused for
 * quantization-aware training by {@link dev.ember.ao.quantization.Quantization#fuseModulesQat} (into
 * {@link dev.ember.ao.nn.intrinsic.qat.ConvBn2d} at {@code prepareQat}).
 */
public class ConvBn2d extends FusedModule {
    /**
     * {@code ConvBn2d(conv, bn)}.
     *
     * @param conv the convolution
     * @param bn the batch norm
     */
    public ConvBn2d(Conv2d conv, BatchNorm2d bn) {
        super(conv, bn);
    }

    /** The convolution ({@code self[0]}). */
    public Conv2d conv() {
        return (Conv2d) get(0);
    }

    /** The batch norm ({@code self[1]}). */
    public BatchNorm2d bn() {
        return (BatchNorm2d) get(1);
    }
}
