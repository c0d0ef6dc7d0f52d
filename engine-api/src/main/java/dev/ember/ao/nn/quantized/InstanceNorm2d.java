package dev.ember.ao.nn.quantized;

import dev.ember.Tensor;
import dev.ember.ao.quantization.ObserverOrFakeQuantize;

/**
 * {@code torch.ao.nn.quantized.InstanceNorm2d}: {@code quantized::instance_norm} on a quantized activation, what
 * {@link dev.ember.ao.quantization.Quantization#convert} makes of a {@link dev.ember.nn.InstanceNorm2d}; printed as
 * PyTorch's {@code QuantizedInstanceNorm2d(C, eps=..., momentum=<affine>, affine=False, track_running_stats=False)}
 * (PyTorch's from_float passes the float layer's affine flag as the momentum; 2.x's too).
 */
public class InstanceNorm2d extends InstanceNormBase {
    /**
     * {@code InstanceNorm2d(num_features, weight, bias, scale, zero_point, eps, affine)}.
     *
     * @param numFeatures the channels
     * @param weight {@code [C]}, or null
     * @param bias {@code [C]}, or null
     * @param scale the output's scale
     * @param zeroPoint the output's zero point, in [0, 255]
     * @param eps the epsilon
     * @param affine the float layer's affine flag (printed as PyTorch's momentum)
     */
    public InstanceNorm2d(int numFeatures, Tensor weight, Tensor bias, double scale, long zeroPoint, double eps,
                          boolean affine) {
        super(numFeatures, weight, bias, scale, zeroPoint, eps, affine);
    }

    /**
     * {@code InstanceNorm2d.from_float(mod)}: the float layer's channels, weight and bias (its tensors, or none), eps
     * and affine flag, and the output parameters its observer calculates.
     *
     * @param in the float layer
     * @param observer its {@code activation_post_process}
     * @return the quantized layer
     */
    public static InstanceNorm2d fromFloat(dev.ember.nn.InstanceNorm2d in, ObserverOrFakeQuantize observer) {
        InstanceNorm2d q = new InstanceNorm2d(in.numFeatures(), in.weight(), in.bias(), 1.0, 0, in.eps(), in.affine());
        q.setOutputQParams(observer);
        return q;
    }

    @Override
    protected String moduleName() {
        return "QuantizedInstanceNorm2d";
    }
}
