package dev.ember.ao.nn.intrinsic.qat;

import dev.ember.Tensor;
import dev.ember.ao.quantization.QConfig;
import dev.ember.nn.Functional;

/**
 * {@code torch.ao.nn.intrinsic.qat.ConvReLU1d}: a QAT convolution ({@link dev.ember.ao.nn.qat.Conv1d}) followed by a
 * ReLU, made from a {@link dev.ember.ao.nn.intrinsic.ConvReLU1d} by {@link #fromFloat}. PyTorch's default QAT and
 * static mappings (1.13 and 2.x) leave it out, and Ember's follow them: {@code prepare_qat} leaves a fused
 * {@code ConvReLU1d} to {@code prepare}, which observes it, and {@code convert} quantizes that with the qconfig's
 * weight fake quantizer; {@code convert} has no mapping for this class.
 */
public class ConvReLU1d extends dev.ember.ao.nn.qat.Conv1d {
    private ConvReLU1d(dev.ember.nn.Conv1d c, QConfig qconfig) {
        super(c, qconfig);
    }

    /**
     * {@code ConvReLU1d.from_float(mod)}: the fused module's convolution, its weight and bias tensors
     * shared.
     *
     * @param mod the fused float modules
     * @param qconfig the QConfig
     * @return the QAT layer
     * @throws IllegalArgumentException for a null module or qconfig
     */
    public static ConvReLU1d fromFloat(dev.ember.ao.nn.intrinsic.ConvReLU1d mod, QConfig qconfig) {
        if (mod == null) {
            throw new IllegalArgumentException("from_float needs a ConvReLU1d");
        }
        return new ConvReLU1d(mod.conv(), qconfig);
    }

    @Override
    public Tensor forward(Tensor x) {
        return Functional.relu(super.forward(x));
    }
}
