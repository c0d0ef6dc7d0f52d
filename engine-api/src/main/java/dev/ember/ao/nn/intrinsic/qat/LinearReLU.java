package dev.ember.ao.nn.intrinsic.qat;

import dev.ember.Tensor;
import dev.ember.ao.quantization.QConfig;
import dev.ember.nn.Functional;

/**
 * {@code torch.ao.nn.intrinsic.qat.LinearReLU}: a QAT linear layer ({@link dev.ember.ao.nn.qat.Linear}) followed by a
 * ReLU, made by {@link dev.ember.ao.quantization.Quantization#prepareQat} from a
 * {@link dev.ember.ao.nn.intrinsic.LinearReLU}; converted to a {@link dev.ember.ao.nn.intrinsic.quantized.LinearReLU}.
 */
public class LinearReLU extends dev.ember.ao.nn.qat.Linear {
    private LinearReLU(dev.ember.nn.Linear linear, QConfig qconfig) {
        super(linear, qconfig);
    }

    /**
     * {@code LinearReLU.from_float(mod)}: the fused module's linear layer, its weight and bias tensors
     * shared.
     *
     * @param mod the fused float modules
     * @param qconfig the QConfig
     * @return the QAT layer
     * @throws IllegalArgumentException for a null module or qconfig
     */
    public static LinearReLU fromFloat(dev.ember.ao.nn.intrinsic.LinearReLU mod, QConfig qconfig) {
        if (mod == null) {
            throw new IllegalArgumentException("from_float needs a LinearReLU");
        }
        return new LinearReLU(mod.linear(), qconfig);
    }

    @Override
    public Tensor forward(Tensor x) {
        return Functional.relu(super.forward(x));
    }
}
