package dev.ember.ao.nn.intrinsic.qat;

import dev.ember.Tensor;
import dev.ember.ao.quantization.FakeQuantizeBase;
import dev.ember.ao.quantization.QConfig;
import dev.ember.nn.BatchNorm1d;
import dev.ember.nn.Functional;
import dev.ember.nn.Module;


/**
 * {@code torch.ao.nn.intrinsic.qat.LinearBn1d}: a linear layer and its batch norm trained together with the weight
 * fake-quantized as it will be after folding: the scale factor {@code bn.weight / sqrt(bn.running_var + bn.eps)}
 * multiplies the weight per output feature before {@code weight_fake_quant}, the product runs with a zero bias, its
 * output is divided by the factor, the layer's bias added, and the batch norm applied (batch statistics in training,
 * updating the running ones, unless frozen by {@link #freezeBnStats()}). Made by
 * {@link dev.ember.ao.quantization.Quantization#prepareQat} from a {@link dev.ember.ao.nn.intrinsic.LinearBn1d};
 * {@link dev.ember.ao.quantization.Quantization#convert} folds the batch norm into the weight and bias
 * ({@code fuse_linear_bn_weights}) and quantizes them with {@code weight_fake_quant}
 * ({@link dev.ember.ao.nn.quantized.Linear#fromLinearBn}). Submodules {@code bn} and {@code weight_fake_quant},
 * printed and saved as PyTorch's.
 */
public class LinearBn1d extends dev.ember.nn.Linear {
    private final QConfig qconfig;
    private final BatchNorm1d bn;
    private final FakeQuantizeBase weightFakeQuant;
    private boolean freezeBn;

    private LinearBn1d(dev.ember.nn.Linear linear, BatchNorm1d bn, QConfig qconfig) {
        super(linear);
        this.qconfig = BnFolding.requireQconfig(qconfig);
        this.bn = registerModule("bn", bn);
        this.weightFakeQuant = registerModule("weight_fake_quant", qconfig.newWeightFakeQuant());
        updateBnStats();
    }

    /**
     * {@code LinearBn1d.from_float(mod)}: the linear layer's sizes, its weight and bias tensors themselves (as
     * PyTorch's {@code qat_linearbn.weight = linear.weight}: an optimizer made before {@code prepare_qat} trains the
     * layer), the batch norm itself as {@code bn} (its parameters and statistics shared), a fresh
     * {@code qconfig.weight()} as {@code weight_fake_quant}; batch statistics updated.
     *
     * @param mod the fused float modules ({@code fuse_modules_qat}'s)
     * @param qconfig the QConfig
     * @return the QAT layer
     * @throws IllegalArgumentException for a null module or qconfig
     */
    public static LinearBn1d fromFloat(dev.ember.ao.nn.intrinsic.LinearBn1d mod, QConfig qconfig) {
        if (mod == null) {
            throw new IllegalArgumentException("from_float needs a LinearBn1d");
        }
        return new LinearBn1d(mod.linear(), mod.bn(), qconfig);
    }

    /** The QConfig. */
    public QConfig qconfig() {
        return qconfig;
    }

    /** The batch norm, {@code bn}. */
    public BatchNorm1d bn() {
        return bn;
    }

    /** The weight's fake quantizer, {@code weight_fake_quant}. */
    public FakeQuantizeBase weightFakeQuant() {
        return weightFakeQuant;
    }

    /** Whether the batch norm's statistics are frozen ({@code freeze_bn}). */
    public boolean bnFrozen() {
        return freezeBn;
    }

    /**
     * {@code freeze_bn_stats()}: the batch norm in eval mode from now on, whatever {@link #train} says.
     *
     * @return this layer
     */
    public LinearBn1d freezeBnStats() {
        freezeBn = true;
        bn.train(false);
        return this;
    }

    /**
     * {@code update_bn_stats()}: the batch norm follows the module's mode again and is set to training.
     *
     * @return this layer
     */
    public LinearBn1d updateBnStats() {
        freezeBn = false;
        bn.train(true);
        return this;
    }

    /**
     * {@code train(mode)}: the module's own mode; its submodules follow only while the statistics are not frozen (a
     * frozen batch norm stays in eval mode, as PyTorch's).
     */
    @Override
    public Module train(boolean mode) {
        if (!freezeBn) {
            return super.train(mode);
        }
        return BnFolding.trainKeepingModes(this, () -> super.train(mode));
    }

    /** The linear layer, its batch norm folded into the weight before fake quantization, then the batch norm. */
    @Override
    public Tensor forward(Tensor x) {
        Tensor scaleFactor = BnFolding.scaleFactor(bn, bn.runningVar());
        Tensor w = parameter("weight");
        Tensor scaledWeight = weightFakeQuant.apply(w.mul(scaleFactor.reshape(-1, 1)));
        Tensor b = parameter("bias");
        Tensor zeroBias = Tensor.zeros(x.dtype(), outFeatures()).to(scaledWeight.device());
        Tensor out = Functional.linear(x, scaledWeight, zeroBias);
        Tensor orig = out.div(scaleFactor.reshape(1, -1));
        if (b != null) {
            orig = orig.add(b.reshape(1, -1));
        }
        // the batch norm computes itself: fuse_modules_qat put an Identity in its old place, which it forwards to
        return applyDirectly(bn, orig);
    }
}
