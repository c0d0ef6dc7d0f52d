package dev.ember.ao.nn.intrinsic;

import dev.ember.nn.Linear;
import dev.ember.nn.ReLU;

/**
 * {@code torch.ao.nn.intrinsic.LinearReLU}: a {@link Linear} followed by a {@link ReLU}, fused for quantization (into
 * {@link dev.ember.ao.nn.intrinsic.quantized.LinearReLU} at convert).
 */
public class LinearReLU extends FusedModule {
    /**
     * {@code LinearReLU(linear, relu)}.
     *
     * @param linear the linear layer
     * @param relu the ReLU
     */
    public LinearReLU(Linear linear, ReLU relu) {
        super(linear, relu);
    }

    /** The linear layer ({@code self[0]}). */
    public Linear linear() {
        return (Linear) get(0);
    }
}
