package dev.ember.ao.nn.qat;

import dev.ember.Tensor;
import dev.ember.ao.quantization.FakeQuantizeBase;
import dev.ember.ao.quantization.QConfig;

/**
 * {@code torch.ao.nn.qat.Conv3d}: a {@link dev.ember.nn.Conv3d} for quantization-aware training, whose forward is
 * {@code _conv_forward(x, weight_fake_quant(weight), bias)}, with the weight's fake quantizer from the QConfig as its
 * submodule {@code weight_fake_quant}.
 */
public class Conv3d extends dev.ember.nn.Conv3d {
    private final QConfig qconfig;
    private final FakeQuantizeBase weightFakeQuant;

    /**
     * Every option of {@code torch.nn.Conv3d} with a numeric padding, and the QConfig.
     *
     * @throws IllegalArgumentException without a qconfig (PyTorch's assertion), or for options Conv3d refuses
     */
    public Conv3d(int in, int out, int[] kernel, int[] stride, int[] padding, int[] dilation, int groups, boolean bias,
                  String paddingMode, QConfig qconfig) {
        super(in, out, kernel, stride, padding, dilation, groups, bias, paddingMode);
        this.qconfig = QatChecks.requireQconfig(qconfig);
        this.weightFakeQuant = registerModule("weight_fake_quant", qconfig.newWeightFakeQuant());
    }

    /**
     * Every option of {@code torch.nn.Conv3d} with a padding string ({@code "same"} or {@code "valid"}, as
     * {@link dev.ember.nn.Conv3d}'s), and the QConfig.
     *
     * @throws IllegalArgumentException without a qconfig (PyTorch's assertion), or for options Conv3d refuses
     */
    public Conv3d(int in, int out, int[] kernel, int[] stride, String padding, int[] dilation, int groups, boolean bias,
                  String paddingMode, QConfig qconfig) {
        super(in, out, kernel, stride, padding, dilation, groups, bias, paddingMode);
        this.qconfig = QatChecks.requireQconfig(qconfig);
        this.weightFakeQuant = registerModule("weight_fake_quant", qconfig.newWeightFakeQuant());
    }

    /** A cubic kernel, stride 1, no padding, with bias. */
    public Conv3d(int in, int out, int kernel, QConfig qconfig) {
        this(in, out, new int[] {kernel, kernel, kernel}, new int[] {1, 1, 1}, new int[] {0, 0, 0}, new int[] {1, 1, 1}, 1,
            true, "zeros", qconfig);
    }

    /**
     * {@code from_float}: a QAT layer of {@code mod}'s configuration (a padding string kept, as PyTorch's passes
     * {@code mod.padding} on) holding {@code mod}'s weight and bias tensors themselves, as PyTorch's
     * ({@code qat_conv.weight = mod.weight}): an optimizer made before {@code prepare_qat} trains it.
     *
     * @throws IllegalArgumentException for a null module or qconfig
     */
    public static Conv3d fromFloat(dev.ember.nn.Conv3d mod, QConfig qconfig) {
        if (mod == null) {
            throw new IllegalArgumentException("from_float needs a Conv3d");
        }
        return new Conv3d(mod, qconfig);
    }

    /**
     * {@link #fromFloat}'s layer, for subclasses: {@code mod}'s configuration, its weight and bias tensors shared
     * ({@link dev.ember.nn.Conv3d#Conv3d(dev.ember.nn.Conv3d)}).
     *
     * @param mod the float convolution
     * @param qconfig the QConfig
     * @throws IllegalArgumentException without a qconfig, or for a weight or bias of {@code mod} that is not a
     *     registered parameter
     */
    protected Conv3d(dev.ember.nn.Conv3d mod, QConfig qconfig) {
        super(mod);
        this.qconfig = QatChecks.requireQconfig(qconfig);
        this.weightFakeQuant = registerModule("weight_fake_quant", qconfig.newWeightFakeQuant());
    }

    /** The QConfig. */
    public QConfig qconfig() {
        return qconfig;
    }

    /** The weight's fake quantizer, {@code weight_fake_quant}. */
    public FakeQuantizeBase weightFakeQuant() {
        return weightFakeQuant;
    }

    @Override
    public Tensor forward(Tensor x) {
        return convForward(x, weightFakeQuant.apply(parameter("weight")), parameter("bias"));
    }
}
