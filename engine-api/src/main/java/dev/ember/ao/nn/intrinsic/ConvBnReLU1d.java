package dev.ember.ao.nn.intrinsic;

import dev.ember.nn.BatchNorm1d;
import dev.ember.nn.Conv1d;
import dev.ember.nn.ReLU;

/**
 * {@code torch.ao.nn.intrinsic.ConvBnReLU1d}: a {@link Conv1d}, a {@link BatchNorm1d} and a {@link ReLU}, fused for
 * quantization-aware training by {@link dev.ember.ao.quantization.Quantization#fuseModulesQat} (into
 * {@link dev.ember.ao.nn.intrinsic.qat.ConvBnReLU1d} at {@code prepareQat}).
 */
public class ConvBnReLU1d extends FusedModule {
    /**
     * {@code ConvBnReLU1d(conv, bn, relu)}.
     *
     * @param conv the convolution
     * @param bn the batch norm
     * @param relu the ReLU
     */
    public ConvBnReLU1d(Conv1d conv, BatchNorm1d bn, ReLU relu) {
        super(conv, bn, relu);
    }

    /** The convolution ({@code self[0]}). */
    public Conv1d conv() {
        return (Conv1d) get(0);
    }

    /** The batch norm ({@code self[1]}). */
    public BatchNorm1d bn() {
        return (BatchNorm1d) get(1);
    }
}
