package dev.ember.ao.nn.intrinsic;

import dev.ember.nn.BatchNorm2d;
import dev.ember.nn.Conv2d;
import dev.ember.nn.ReLU;

/**
 * {@code torch.ao.nn.intrinsic.ConvBnReLU2d}: a {@link Conv2d}, a {@link BatchNorm2d} and a {@link ReLU}, fused for
 * quantization-aware training by {@link dev.ember.ao.quantization.Quantization#fuseModulesQat} (into
 * {@link dev.ember.ao.nn.intrinsic.qat.ConvBnReLU2d} at {@code prepareQat}).
 */
public class ConvBnReLU2d extends FusedModule {
    /**
     * {@code ConvBnReLU2d(conv, bn, relu)}.
     *
     * @param conv the convolution
     * @param bn the batch norm
     * @param relu the ReLU
     */
    public ConvBnReLU2d(Conv2d conv, BatchNorm2d bn, ReLU relu) {
        super(conv, bn, relu);
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
