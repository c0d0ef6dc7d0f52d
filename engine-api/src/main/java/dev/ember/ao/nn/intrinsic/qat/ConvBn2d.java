package dev.ember.ao.nn.intrinsic.qat;

import dev.ember.Tensor;
import dev.ember.ao.quantization.FakeQuantizeBase;
import dev.ember.ao.quantization.QConfig;
import dev.ember.nn.BatchNorm2d;
import dev.ember.nn.Module;

/**
 * {@code torch.ao.nn.intrinsic.qat.ConvBn2d}: a convolution and its batch norm trained together with the weight
 * fake-quantized as it will be after folding ({@code _ConvBnNd._forward_approximate}): the scale factor
 * {@code bn.weight / sqrt(bn.running_var + bn.eps)} multiplies the weight per output channel before
 * {@code weight_fake_quant}, the convolution runs with a zero bias, its output is divided by the factor, the
 * convolution's bias added, and the batch norm applied (batch statistics in training, updating the running ones, unless
 * frozen by {@link #freezeBnStats()}). Made by {@link dev.ember.ao.quantization.Quantization#prepareQat} from a
 * {@link dev.ember.ao.nn.intrinsic.ConvBn2d}; {@link dev.ember.ao.quantization.Quantization#convert} folds the batch
 * norm into the weight and bias ({@code fuse_conv_bn_weights}) and quantizes them with {@code weight_fake_quant}.
 * Submodules {@code bn} and {@code weight_fake_quant}, printed and saved as PyTorch's.
 */
public class ConvBn2d extends dev.ember.nn.Conv2d {
    private final QConfig qconfig;
    private final BatchNorm2d bn;
    private final FakeQuantizeBase weightFakeQuant;
    private boolean freezeBn;

    /**
     * {@code from_float(mod)}'s layer: {@code conv}'s configuration, its weight and bias tensors themselves, {@code bn}
     * itself as the submodule {@code bn} (its parameters and statistics shared, as PyTorch's assignments share them: an
     * optimizer made before {@code prepare_qat} trains the layer), and a fresh
     * {@code qconfig.weight()} as {@code weight_fake_quant}; batch statistics updated ({@code update_bn_stats}).
     *
     * @param conv the float convolution
     * @param bn the batch norm
     * @param qconfig the QConfig
     * @throws IllegalArgumentException without a qconfig (PyTorch's assertion)
     */
    protected ConvBn2d(dev.ember.nn.Conv2d conv, BatchNorm2d bn, QConfig qconfig) {
        super(conv);
        if (qconfig == null) {
            throw new IllegalArgumentException("qconfig must be provided for QAT module");
        }
        if (conv.paddingString() != null) {
            throw new UnsupportedOperationException("QAT ConvBn2d: Ember supports padding given as numbers, not padding='"
                    + conv.paddingString() + "'");
        }
        this.qconfig = qconfig;
        this.bn = registerModule("bn", bn);
        this.weightFakeQuant = registerModule("weight_fake_quant", qconfig.newWeightFakeQuant());
        updateBnStats();
    }

    /**
     * {@code ConvBn2d.from_float(mod)}.
     *
     * @param mod the fused float modules ({@code fuse_modules_qat}'s)
     * @param qconfig the QConfig
     * @return the QAT layer
     * @throws IllegalArgumentException for a null module or qconfig
     */
    public static ConvBn2d fromFloat(dev.ember.ao.nn.intrinsic.ConvBn2d mod, QConfig qconfig) {
        if (mod == null) {
            throw new IllegalArgumentException("from_float needs a ConvBn2d");
        }
        return new ConvBn2d(mod.conv(), mod.bn(), qconfig);
    }

    /** The QConfig. */
    public QConfig qconfig() {
        return qconfig;
    }

    /** The batch norm, {@code bn}. */
    public BatchNorm2d bn() {
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

    /** {@code freeze_bn_stats()}: the batch norm in eval mode from now on, whatever {@link #train} says. */
    public ConvBn2d freezeBnStats() {
        freezeBn = true;
        bn.train(false);
        return this;
    }

    /** {@code update_bn_stats()}: the batch norm follows the module's mode again and is set to training. */
    public ConvBn2d updateBnStats() {
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

    /** The convolution, its batch norm folded into the weight before fake quantization, then the batch norm. */
    protected final Tensor convBn(Tensor x) {
        Tensor scaleFactor = BnFolding.scaleFactor(bn, bn.runningVar());
        Tensor w = parameter("weight");
        int[] weightShape = new int[w.dim()];
        int[] biasShape = new int[w.dim()];
        java.util.Arrays.fill(weightShape, 1);
        java.util.Arrays.fill(biasShape, 1);
        weightShape[0] = -1;
        biasShape[1] = -1;
        Tensor scaledWeight = weightFakeQuant.apply(w.mul(scaleFactor.reshape(weightShape)));
        Tensor bias = parameter("bias");
        Tensor zeroBias = Tensor.zeros(x.dtype(), outChannels()).to(scaledWeight.device());
        Tensor conv = convForward(x, scaledWeight, zeroBias);
        Tensor convOrig = conv.div(scaleFactor.reshape(biasShape));
        if (bias != null) {
            convOrig = convOrig.add(bias.reshape(biasShape));
        }
        // the batch norm computes itself: fuse_modules_qat put an Identity in its old place, which it forwards to
        return applyDirectly(bn, convOrig);
    }


    @Override
    public Tensor forward(Tensor x) {
        return convBn(x);
    }
}
