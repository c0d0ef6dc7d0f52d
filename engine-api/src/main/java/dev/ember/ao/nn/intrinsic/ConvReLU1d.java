package dev.ember.ao.nn.intrinsic;

import dev.ember.nn.Conv1d;
import dev.ember.nn.ReLU;

/**
 * {@code torch.ao.nn.intrinsic.ConvReLU1d}: a {@link Conv1d} followed by a {@link ReLU}, fused for quantization
 * (into {@link dev.ember.ao.nn.intrinsic.quantized.ConvReLU1d} at convert).
 */
public class ConvReLU1d extends FusedModule {
    /**
     * {@code ConvReLU1d(conv, relu)}.
     *
     * @param conv the convolution
     * @param relu the ReLU
     */
    public ConvReLU1d(Conv1d conv, ReLU relu) {
        super(conv, relu);
    }

    /** The convolution ({@code self[0]}). */
    public Conv1d conv() {
        return (Conv1d) get(0);
    }
}
