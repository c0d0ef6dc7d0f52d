package dev.ember.ao.nn.intrinsic.qat;

import dev.ember.Tensor;
import dev.ember.ao.quantization.QConfig;
import dev.ember.nn.BatchNorm1d;
import dev.ember.nn.Functional;

/**
 * {@code torch.ao.nn.intrinsic.qat.ConvBnReLU1d}: {@link ConvBn1d} followed by a ReLU ({@code F.relu}), made by
 * {@link dev.ember.ao.quantization.Quantization#prepareQat} from a {@link dev.ember.ao.nn.intrinsic.ConvBnReLU1d};
 * converted to a {@link dev.ember.ao.nn.intrinsic.quantized.ConvReLU1d} with the batch norm folded.
 */
public class ConvBnReLU1d extends ConvBn1d {
    private ConvBnReLU1d(dev.ember.nn.Conv1d conv, BatchNorm1d bn, QConfig qconfig) {
        super(conv, bn, qconfig);
    }

    /**
     * {@code ConvBnReLU1d.from_float(mod)}.
     *
     * @param mod the fused float modules ({@code fuse_modules_qat}'s)
     * @param qconfig the QConfig
     * @return the QAT layer
     * @throws IllegalArgumentException for a null module or qconfig
     */
    public static ConvBnReLU1d fromFloat(dev.ember.ao.nn.intrinsic.ConvBnReLU1d mod, QConfig qconfig) {
        if (mod == null) {
            throw new IllegalArgumentException("from_float needs a ConvBnReLU1d");
        }
        return new ConvBnReLU1d(mod.conv(), mod.bn(), qconfig);
    }

    @Override
    public Tensor forward(Tensor x) {
        return Functional.relu(convBn(x));
    }
}
