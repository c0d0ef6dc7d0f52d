package dev.ember.ao.nn.intrinsic.qat;

import dev.ember.Tensor;
import dev.ember.ao.quantization.QConfig;
import dev.ember.nn.Functional;

/**
 * {@code torch.ao.nn.intrinsic.qat.ConvReLU3d}: a QAT convolution ({@link dev.ember.ao.nn.qat.Conv3d}) followed by a
 * ReLU, made by {@link dev.ember.ao.quantization.Quantization#prepareQat} from a
 * {@link dev.ember.ao.nn.intrinsic.ConvReLU3d}; converted to a {@link dev.ember.ao.nn.intrinsic.quantized.ConvReLU3d}.
 */
public class ConvReLU3d extends dev.ember.ao.nn.qat.Conv3d {
    private ConvReLU3d(dev.ember.nn.Conv3d c, QConfig qconfig) {
        super(c, qconfig);
    }

    /**
     * {@code ConvReLU3d.from_float(mod)}: the fused module's convolution, its weight and bias tensors
     * shared.
     *
     * @param mod the fused float modules
     * @param qconfig the QConfig
     * @return the QAT layer
     * @throws IllegalArgumentException for a null module or qconfig
     */
    public static ConvReLU3d fromFloat(dev.ember.ao.nn.intrinsic.ConvReLU3d mod, QConfig qconfig) {
        if (mod == null) {
            throw new IllegalArgumentException("from_float needs a ConvReLU3d");
        }
        return new ConvReLU3d(mod.conv(), qconfig);
    }

    @Override
    public Tensor forward(Tensor x) {
        return Functional.relu(super.forward(x));
    }
}
