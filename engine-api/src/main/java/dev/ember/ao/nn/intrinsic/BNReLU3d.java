package dev.ember.ao.nn.intrinsic;

import dev.ember.nn.BatchNorm3d;
import dev.ember.nn.ReLU;

/**
 * {@code torch.ao.nn.intrinsic.BNReLU3d}: a {@link BatchNorm3d} followed by a {@link ReLU}, fused for quantization
 * by {@link dev.ember.ao.quantization.Quantization#fuseModules} (into
 * {@link dev.ember.ao.nn.intrinsic.quantized.BNReLU3d} at convert).
 */
public class BNReLU3d extends FusedModule {
    /**
     * {@code BNReLU3d(batch_norm, relu)}.
     *
     * @param bn the batch normalization
     * @param relu the ReLU
     */
    public BNReLU3d(BatchNorm3d bn, ReLU relu) {
        super(bn, relu);
    }

    /** The batch normalization ({@code self[0]}). */
    public BatchNorm3d bn() {
        return (BatchNorm3d) get(0);
    }
}
