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
    private ConvReLU2d(dev.ember.nn.Conv2d c, int[] padding, QConfig qconfig) {
        super(c.inChannels(), c.outChannels(), c.kernelSize(), c.stride(), padding, c.dilation(), c.groups(),
            c.getParameter("bias") != null, c.paddingMode(), qconfig);
    }

    private ConvReLU2d(dev.ember.nn.Conv2d c, String padding, QConfig qconfig) {
        super(c.inChannels(), c.outChannels(), c.kernelSize(), c.stride(), padding, c.dilation(), c.groups(),
            c.getParameter("bias") != null, c.paddingMode(), qconfig);
    }

    /**
     * {@code ConvReLU2d.from_float(mod)}: the fused module's convolution with its weight and bias (copied).
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
        dev.ember.nn.Conv2d c = mod.conv();
        ConvReLU2d q = c.paddingString() != null ? new ConvReLU2d(c, c.paddingString(), qconfig)
            : new ConvReLU2d(c, c.padding(), qconfig);
        q.copyWeights(c);
        return q;
    }

    @Override
    public Tensor forward(Tensor x) {
        return Functional.relu(super.forward(x));
    }
}
