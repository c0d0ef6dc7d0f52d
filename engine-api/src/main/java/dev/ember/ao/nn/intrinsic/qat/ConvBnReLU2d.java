package dev.ember.ao.nn.intrinsic.qat;

import dev.ember.Tensor;
import dev.ember.ao.quantization.QConfig;
import dev.ember.nn.BatchNorm2d;
import dev.ember.nn.Functional;

/**
 * {@code torch.ao.nn.intrinsic.qat.ConvBnReLU2d}: {@link ConvBn2d} followed by a ReLU ({@code F.relu}), made by
 * {@link dev.ember.ao.quantization.Quantization#prepareQat} from a {@link dev.ember.ao.nn.intrinsic.ConvBnReLU2d};
 * converted to a {@link dev.ember.ao.nn.intrinsic.quantized.ConvReLU2d} with the batch norm folded.
 */
public class ConvBnReLU2d extends ConvBn2d {
    private ConvBnReLU2d(dev.ember.nn.Conv2d conv, BatchNorm2d bn, QConfig qconfig) {
        super(conv, bn, qconfig);
    }

    /**
     * {@code ConvBnReLU2d.from_float(mod)}.
     *
     * @param mod the fused float modules ({@code fuse_modules_qat}'s)
     * @param qconfig the QConfig
     * @return the QAT layer
     * @throws IllegalArgumentException for a null module or qconfig
     */
    public static ConvBnReLU2d fromFloat(dev.ember.ao.nn.intrinsic.ConvBnReLU2d mod, QConfig qconfig) {
        if (mod == null) {
            throw new IllegalArgumentException("from_float needs a ConvBnReLU2d");
        }
        return new ConvBnReLU2d(mod.conv(), mod.bn(), qconfig);
    }

    @Override
    public Tensor forward(Tensor x) {
        return Functional.relu(convBn(x));
    }
}
