package dev.ember.ao.nn.intrinsic;

import dev.ember.nn.BatchNorm2d;
import dev.ember.nn.ReLU;

/**
 * {@code torch.ao.nn.intrinsic.BNReLU2d}: a {@link BatchNorm2d} followed by a {@link ReLU}, fused for quantization
 * by {@link dev.ember.ao.quantization.Quantization#fuseModules} (into
 * {@link dev.ember.ao.nn.intrinsic.quantized.BNReLU2d} at convert).
 */
public class BNReLU2d extends FusedModule {
    /**
     * {@code BNReLU2d(batch_norm, relu)}.
     *
     * @param bn the batch normalization
     * @param relu the ReLU
     */
    public BNReLU2d(BatchNorm2d bn, ReLU relu) {
        super(bn, relu);
    }

    /** The batch normalization ({@code self[0]}). */
    public BatchNorm2d bn() {
        return (BatchNorm2d) get(0);
    }
}
