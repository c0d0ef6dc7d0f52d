package dev.ember.ao.nn.quantized;

import dev.ember.ao.quantization.ObserverOrFakeQuantize;

/**
 * {@code torch.ao.nn.quantized.BatchNorm3d}: a standalone (unfused) {@link dev.ember.nn.BatchNorm3d} in eval mode on
 * a quantized activation, {@code quantized::batch_norm3d} with the float layer's running statistics
 * ({@link dev.ember.QuantizedNormOps#batchNorm}), the output requantized to the module's scale and zero point; what
 * {@link dev.ember.ao.quantization.Quantization#convert} makes of a {@code BatchNorm3d}. Printed as PyTorch's
 * {@code QuantizedBatchNorm3d(C, eps=..., momentum=0.1, affine=True, track_running_stats=True)} (PyTorch's
 * {@code from_float} keeps the eps, not the momentum).
 */
public class BatchNorm3d extends BatchNormBase {
    /**
     * {@code BatchNorm3d(num_features, eps)}: weight 1, bias 0, running mean 0 and variance 1, output scale 1 and
     * zero point 0.
     *
     * @param numFeatures the channels
     * @param eps the epsilon
     */
    public BatchNorm3d(int numFeatures, double eps) {
        super(numFeatures, eps, 3 + 2);
    }

    /**
     * {@code BatchNorm3d.from_float(mod)}: the float layer's weight, bias and running statistics (its tensors), its
     * eps, and the output parameters its observer calculates.
     *
     * @param bn the prepared, calibrated float layer, with weight, bias and running statistics
     * @param name its name in the model, for the message
     * @param observer its {@code activation_post_process}
     * @return the quantized layer
     * @throws UnsupportedOperationException for a layer without affine parameters or running statistics
     */
    public static BatchNorm3d fromFloat(dev.ember.nn.BatchNorm3d bn, String name, ObserverOrFakeQuantize observer) {
        BatchNorm3d q = new BatchNorm3d(bn.numFeatures(), bn.eps());
        q.copyFrom(name, bn.toString(), bn.affine(), bn.trackRunningStats(), bn.weight(), bn.bias(), bn.runningMean(),
            bn.runningVar(), observer);
        return q;
    }

    @Override
    protected String moduleName() {
        return "QuantizedBatchNorm3d";
    }
}
