package dev.ember.ao.nn.intrinsic;

import dev.ember.nn.Conv3d;
import dev.ember.nn.ReLU;

/**
 * {@code torch.ao.nn.intrinsic.ConvReLU3d}: a {@link Conv3d} followed by a {@link ReLU}, fused for quantization
 * (into {@link dev.ember.ao.nn.intrinsic.quantized.ConvReLU3d} at convert).
 */
public class ConvReLU3d extends FusedModule {
    /**
     * {@code ConvReLU3d(conv, relu)}.
     *
     * @param conv the convolution
     * @param relu the ReLU
     */
    public ConvReLU3d(Conv3d conv, ReLU relu) {
        super(conv, relu);
    }

    /** The convolution ({@code self[0]}). */
    public Conv3d conv() {
        return (Conv3d) get(0);
    }
}
