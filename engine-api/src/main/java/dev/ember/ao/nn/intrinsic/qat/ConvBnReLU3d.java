package dev.ember.ao.nn.intrinsic.qat;

import dev.ember.Tensor;
import dev.ember.ao.quantization.QConfig;
import dev.ember.nn.BatchNorm3d;
import dev.ember.nn.Functional;

/**
 * {@code torch.ao.nn.intrinsic.qat.ConvBnReLU3d}: {@link ConvBn3d} followed by a ReLU ({@code F.relu}), made by
 * {@link dev.ember.ao.quantization.Quantization#prepareQat} from a {@link dev.ember.ao.nn.intrinsic.ConvBnReLU3d};
 * converted to a {@link dev.ember.ao.nn.intrinsic.quantized.ConvReLU3d} with the batch norm folded.
 */
public class ConvBnReLU3d extends ConvBn3d {
    private ConvBnReLU3d(dev.ember.nn.Conv3d conv, BatchNorm3d bn, QConfig qconfig) {
        super(conv, bn, qconfig);
    }

    /**
     * {@code ConvBnReLU3d.from_float(mod)}.
     *
     * @param mod the fused float modules ({@code fuse_modules_qat}'s)
     * @param qconfig the QConfig
     * @return the QAT layer
     * @throws IllegalArgumentException for a null module or qconfig
     */
    public static ConvBnReLU3d fromFloat(dev.ember.ao.nn.intrinsic.ConvBnReLU3d mod, QConfig qconfig) {
        if (mod == null) {
            throw new IllegalArgumentException("from_float needs a ConvBnReLU3d");
        }
        return new ConvBnReLU3d(mod.conv(), mod.bn(), qconfig);
    }

    @Override
    public Tensor forward(Tensor x) {
        return Functional.relu(convBn(x));
    }
}
