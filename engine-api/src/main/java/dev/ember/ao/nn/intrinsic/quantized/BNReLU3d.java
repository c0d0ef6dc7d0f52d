package dev.ember.ao.nn.intrinsic.quantized;

import dev.ember.Tensor;
import dev.ember.ao.quantization.ObserverOrFakeQuantize;

/**
 * {@code torch.ao.nn.intrinsic.quantized.BNReLU3d}: a statically quantized batch normalization with its ReLU fused,
 * {@code quantized::batch_norm3d_relu} (PyTorch's {@code q_batch_norm_kernel<true>}: the batch norm's integers, then
 * the maximum with the output's zero point), what {@link dev.ember.ao.quantization.Quantization#convert} makes of a
 * {@link dev.ember.ao.nn.intrinsic.BNReLU3d}. Its state is {@link dev.ember.ao.nn.quantized.BatchNorm3d}'s.
 */
public class BNReLU3d extends dev.ember.ao.nn.quantized.BatchNorm3d {
    /**
     * {@code BNReLU3d(num_features, eps)}: weight 1, bias 0, running mean 0 and variance 1, output scale 1 and zero
     * point 0.
     *
     * @param numFeatures the channels
     * @param eps the epsilon
     */
    public BNReLU3d(int numFeatures, double eps) {
        super(numFeatures, eps);
    }

    /**
     * {@code BNReLU3d.from_float(mod)}: the fused module's batch norm's weight, bias, running statistics and eps, and
     * the output parameters of the fused module's observer.
     *
     * @param mod the prepared, calibrated fused module
     * @param name its name in the model, for the message
     * @param observer its {@code activation_post_process}
     * @return the quantized module
     * @throws UnsupportedOperationException for a batch norm without affine parameters or running statistics
     */
    public static BNReLU3d fromFloat(dev.ember.ao.nn.intrinsic.BNReLU3d mod, String name,
                                     ObserverOrFakeQuantize observer) {
        dev.ember.nn.BatchNorm3d bn = mod.bn();
        BNReLU3d q = new BNReLU3d(bn.numFeatures(), bn.eps());
        q.copyFrom(name, bn.toString(), bn.affine(), bn.trackRunningStats(), bn.weight(), bn.bias(), bn.runningMean(),
            bn.runningVar(), observer);
        return q;
    }

    /**
     * {@code quantized::batch_norm3d_relu}: the batch norm's quantized output clamped below at its zero point (the
     * carrier's ReLU, exactly).
     *
     * @param x a quantized activation {@code (N, C, D, H, W)}
     * @return a quantized activation with the module's scale and zero point
     * @throws IllegalArgumentException for another rank (PyTorch's message) or channel count
     * @throws UnsupportedOperationException for a float input (PyTorch's message)
     */
    @Override
    public Tensor forward(Tensor x) {
        if (x != null && x.dim() != 5) {
            throw new IllegalArgumentException("Input shape must be `(N, C, D, H, W)`!");
        }
        return super.forward(x).relu();
    }

    @Override
    protected String moduleName() {
        return "QuantizedBNReLU3d";
    }
}
