package dev.ember.ao.nn.intrinsic.qat;

import dev.ember.Tensor;
import dev.ember.ao.quantization.QConfig;
import dev.ember.nn.Functional;

/**
 * {@code torch.ao.nn.intrinsic.qat.ConvReLU2d}: a QAT convolution ({@link dev.ember.ao.nn.qat.Conv2d}) followed by a
 * ReLU, made by {@link dev.ember.ao.quantization.Quantization#prepareQat} from a
 * {@link dev.ember.ao.nn.intrinsic.ConvReLU2d}; converted to a {@link dev.ember.ao.nn.intrinsic.quantized.ConvReLU2d}.
 */
public class ConvReLU2d extends dev.ember.ao.nn.qat.Conv2d {
    private ConvReLU2d(dev.ember.nn.Conv2d c, QConfig qconfig) {
        super(c, qconfig);
    }

    /**
     * {@code ConvReLU2d.from_float(mod)}: the fused module's convolution, its weight and bias tensors
     * shared.
     *
     * @param mod the fused float modules
     * @param qconfig the QConfig
     * @return the QAT layer
     * @throws IllegalArgumentException for a null module or qconfig
     */
    public static ConvReLU2d fromFloat(dev.ember.ao.nn.intrinsic.ConvReLU2d mod, QConfig qconfig) {
        if (mod == null) {
            throw new IllegalArgumentException("from_float needs a ConvReLU2d");
        }
        return new ConvReLU2d(mod.conv(), qconfig);
    }

    @Override
    public Tensor forward(Tensor x) {
        return Functional.relu(super.forward(x));
    }
}
