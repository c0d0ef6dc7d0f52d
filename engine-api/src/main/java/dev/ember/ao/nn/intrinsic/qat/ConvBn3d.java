package dev.ember.ao.nn.intrinsic.qat;

import dev.ember.Tensor;
import dev.ember.ao.quantization.FakeQuantizeBase;
import dev.ember.ao.quantization.QConfig;
import dev.ember.nn.BatchNorm3d;
import dev.ember.nn.Module;

/**
 * {@code torch.ao.nn.intrinsic.qat.ConvBn3d}: a convolution and its batch norm trained together with the weight
 * fake-quantized as it will be after folding ({@code _ConvBnNd._forward_approximate}, {@link ConvBnNd}): the scale
 * factor {@code bn.weight / sqrt(bn.running_var + bn.eps)} multiplies the weight per output channel before
 * {@code weight_fake_quant}, the convolution runs with a zero bias, its output is divided by the factor, the
 * convolution's bias added, and the batch norm applied (batch statistics in training, updating the running ones, unless
 * frozen by {@link #freezeBnStats()}). Made by {@link dev.ember.ao.quantization.Quantization#prepareQat} from a
 * {@link dev.ember.ao.nn.intrinsic.ConvBn3d}; {@link dev.ember.ao.quantization.Quantization#convert} folds the batch
 * norm into the weight and bias ({@code fuse_conv_bn_weights}) and quantizes them with {@code weight_fake_quant}.
 * Submodules {@code bn} and {@code weight_fake_quant}, printed and saved as PyTorch's.
 */
public class ConvBn3d extends dev.ember.nn.Conv3d implements ConvBnNd {
    private final ConvBnParts parts;
    private final BatchNorm3d bn;

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
     * @throws UnsupportedOperationException for a padding given as a string
     */
    protected ConvBn3d(dev.ember.nn.Conv3d conv, BatchNorm3d bn, QConfig qconfig) {
        super(conv);
        this.parts = new ConvBnParts(qconfig, conv, "ConvBn3d");
        this.bn = registerModule("bn", bn);
        registerModule("weight_fake_quant", parts.weightFakeQuant);
        updateBnStats();
    }

    /**
     * {@code ConvBn3d.from_float(mod)}.
     *
     * @param mod the fused float modules ({@code fuse_modules_qat}'s)
     * @param qconfig the QConfig
     * @return the QAT layer
     * @throws IllegalArgumentException for a null module or qconfig
     */
    public static ConvBn3d fromFloat(dev.ember.ao.nn.intrinsic.ConvBn3d mod, QConfig qconfig) {
        if (mod == null) {
            throw new IllegalArgumentException("from_float needs a ConvBn3d");
        }
        return new ConvBn3d(mod.conv(), mod.bn(), qconfig);
    }

    @Override
    public QConfig qconfig() {
        return parts.qconfig;
    }

    @Override
    public BatchNorm3d bn() {
        return bn;
    }

    @Override
    public FakeQuantizeBase weightFakeQuant() {
        return parts.weightFakeQuant;
    }

    @Override
    public boolean bnFrozen() {
        return parts.frozen();
    }

    @Override
    public ConvBn3d freezeBnStats() {
        parts.setFrozen(bn, true);
        return this;
    }

    @Override
    public ConvBn3d updateBnStats() {
        parts.setFrozen(bn, false);
        return this;
    }

    /** {@code train(mode)}: a frozen batch norm stays in eval mode, as PyTorch's. */
    @Override
    public Module train(boolean mode) {
        return parts.train(this, () -> super.train(mode));
    }

    /** The convolution, its batch norm folded into the weight before fake quantization, then the batch norm. */
    protected final Tensor convBn(Tensor x) {
        // the batch norm computes itself: fuse_modules_qat put an Identity in its old place, which it forwards to
        return applyDirectly(bn, parts.beforeBn(x, parameter("weight"), parameter("bias"), bn, outChannels(),
            this::convForward));
    }

    @Override
    public Tensor forward(Tensor x) {
        return convBn(x);
    }
}
