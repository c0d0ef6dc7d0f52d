package dev.ember.ao.nn.intrinsic;

import dev.ember.nn.Conv2d;
import dev.ember.nn.ReLU;

/**
 * {@code torch.ao.nn.intrinsic.ConvReLU2d}: a {@link Conv2d} followed by a {@link ReLU}, fused for quantization
 * (into {@link dev.ember.ao.nn.intrinsic.quantized.ConvReLU2d} at convert).
 */
public class ConvReLU2d extends FusedModule {
    /**
     * {@code ConvReLU2d(conv, relu)}.
     *
     * @param conv the convolution
     * @param relu the ReLU
     */
    public ConvReLU2d(Conv2d conv, ReLU relu) {
        super(conv, relu);
    }

    /** The convolution ({@code self[0]}). */
    public Conv2d conv() {
        return (Conv2d) get(0);
    }
}
