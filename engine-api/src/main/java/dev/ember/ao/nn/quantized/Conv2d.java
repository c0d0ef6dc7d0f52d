package dev.ember.ao.nn.quantized;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Format;
import dev.ember.GradMode;
import dev.ember.QuantizedActivations;
import dev.ember.QuantizedOps;
import dev.ember.Tensor;
import dev.ember.ao.quantization.ObserverOrFakeQuantize;
import dev.ember.ao.quantization.QuantDType;
import dev.ember.ao.quantization.QuantizedTensor;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code torch.ao.nn.quantized.Conv2d}: a statically quantized 2-D convolution, quint8 input and output (quantized
 * activations, {@link QuantizedActivations}), a qint8 weight per tensor or per output channel and a float bias, zero
 * padding; FBGEMM's arithmetic ({@link QuantizedOps#conv2d}). Made by
 * {@link dev.ember.ao.quantization.Quantization#convert} from a prepared {@link dev.ember.nn.Conv2d}, or
 * {@link #fromFloat}.
 */
public class Conv2d extends QuantizedOutput {
    private final int in;
    private final int out;
    private final int[] kernel;
    private final int[] stride;
    private final int[] padding;
    private final int[] dilation;
    private final int groups;
    private QuantizedTensor weight;
    private Tensor bias;
    /**
     * PyTorch's packed parameters ({@code conv2d_prepack}), made from {@link #weight} and {@link #bias} at the first
     * forward after either is set (the pair they were made from kept beside them).
     */
    private QuantizedOps.PackedConv2d packed;
    private QuantizedTensor packedWeight;
    private Tensor packedBias;

    /**
     * A layer of {@code mod}'s configuration, its weight and output parameters unset: for a subclass's
     * {@code fromFloat}, which calls {@link #init}.
     *
     * @param mod the float convolution
     */
    protected Conv2d(dev.ember.nn.Conv2d mod) {
        this.in = mod.inChannels();
        this.out = mod.outChannels();
        this.kernel = mod.kernelSize();
        this.stride = mod.stride();
        this.padding = mod.padding();
        this.dilation = mod.dilation();
        this.groups = mod.groups();
    }

    /**
     * {@code nnq.Conv2d.from_float(mod)} for a prepared layer: the weight quantized with a fresh weight observer of the
     * layer's qconfig (run on the weight), the output's scale and zero point from the layer's
     * {@code activation_post_process}.
     *
     * @param mod the float layer (zero padding given as numbers)
     * @param weightObserver a fresh weight observer ({@code qconfig.weight()})
     * @param activationObserver the layer's output observer, after calibration
     * @return the quantized layer
     * @throws IllegalArgumentException for a weight observer that is not qint8 (PyTorch's message)
     * @throws UnsupportedOperationException for a padding mode other than zeros, or padding given as a string
     */
    public static Conv2d fromFloat(dev.ember.nn.Conv2d mod, ObserverOrFakeQuantize weightObserver,
                                   ObserverOrFakeQuantize activationObserver) {
        Conv2d q = new Conv2d(mod);
        q.init(mod, weightObserver, activationObserver);
        return q;
    }

    /**
     * The weight, bias and output parameters of {@code from_float}: the float layer's weight quantized with a fresh
     * weight observer, the output's scale and zero point from its observer.
     *
     * @param mod the float convolution
     * @param weightObserver a fresh weight observer
     * @param activationObserver the output observer, after calibration
     * @throws IllegalArgumentException for a weight observer that is not qint8
     * @throws UnsupportedOperationException for a padding mode other than zeros, or padding given as a string
     */
    protected final void init(dev.ember.nn.Conv2d mod, ObserverOrFakeQuantize weightObserver, ObserverOrFakeQuantize activationObserver) {
        if (!"zeros".equals(mod.paddingMode()) || mod.paddingString() != null) {
            throw new UnsupportedOperationException("quantized Conv2d: Ember supports zero padding given as numbers, "
                    + "not padding_mode='" + mod.paddingMode() + "'"
                    + (mod.paddingString() == null ? "" : " or padding='" + mod.paddingString() + "'"));
        }
        if (weightObserver.dtype() != QuantDType.QINT8) {
            throw new IllegalArgumentException("Weight observer must have dtype torch.qint8");
        }
        init(mod.getParameter("weight"), mod.namedParameters().get("bias"), weightObserver, activationObserver);
    }

    /**
     * {@code from_float} of a QAT convolution with its batch norm ({@link dev.ember.ao.nn.intrinsic.qat.ConvBn2d}):
     * {@code fuse_conv_bn_weights} of the weight, bias and the batch norm's running statistics and affine parameters,
     * then quantized with the layer's {@code weight_fake_quant} (run on the folded weight first, as PyTorch's
     * {@code weight_post_process(mod.weight)}).
     *
     * @param mod the QAT layer
     * @param activationObserver its {@code activation_post_process}
     */
    protected final void initFolded(dev.ember.ao.nn.intrinsic.qat.ConvBn2d mod, ObserverOrFakeQuantize activationObserver) {
        if (!"zeros".equals(mod.paddingMode())) {
            throw new UnsupportedOperationException("quantized Conv2d: Ember supports zero padding, not padding_mode='"
                    + mod.paddingMode() + "'");
        }
        if (!(mod.weightFakeQuant() instanceof ObserverOrFakeQuantize w)) {
            throw new IllegalArgumentException("convert: the weight_fake_quant of a ConvBn2d gives no dtype and scheme");
        }
        if (w.dtype() != QuantDType.QINT8) {
            throw new IllegalArgumentException("Weight observer must have dtype torch.qint8");
        }
        dev.ember.nn.BatchNorm2d bn = mod.bn();
        dev.ember.nn.utils.Fusion.FusedWeights f = dev.ember.nn.utils.Fusion.fuseConvBnWeights(mod.getParameter("weight"),
            mod.getParameter("bias"), bn.runningMean(), bn.runningVar(), dev.ember.nn.ModuleInternals.normEps(bn),
            dev.ember.nn.ModuleInternals.getAttr(bn, "weight"), dev.ember.nn.ModuleInternals.getAttr(bn, "bias"), false);
        init(f.weight(), f.bias(), w, activationObserver);
    }

    /**
     * {@code nnq.Conv2d.from_float} of a {@link dev.ember.ao.nn.intrinsic.qat.ConvBn2d}: the batch norm folded into the
     * weight and bias, quantized with the layer's {@code weight_fake_quant}.
     *
     * @param mod the trained QAT layer
     * @param activationObserver its {@code activation_post_process}
     * @return the quantized layer
     */
    public static Conv2d fromConvBn(dev.ember.ao.nn.intrinsic.qat.ConvBn2d mod, ObserverOrFakeQuantize activationObserver) {
        Conv2d q = new Conv2d(mod);
        q.initFolded(mod, activationObserver);
        return q;
    }

    private void init(Tensor weightValues, Tensor biasValues, ObserverOrFakeQuantize weightObserver,
                      ObserverOrFakeQuantize activationObserver) {
        try (GradMode off = Ember.noGrad()) {
            QuantizedTensor w = Linear.quantizeWeight(weightValues, weightObserver);
            Tensor b = biasValues;
            this.weight = w;
            this.bias = b == null ? null : b.detach().to(dev.ember.Device.CPU).to(DType.FLOAT32).clone();
            setOutputQParams(activationObserver);
        }
    }

    /** {@code weight()}: the quantized weight {@code [out_channels, in_channels / groups, kH, kW]}. */
    public QuantizedTensor weight() {
        return weight;
    }

    /** {@code bias()}: the float bias (a copy), or null. */
    public Tensor bias() {
        return bias == null ? null : bias.clone();
    }

    /**
     * {@code torch.ops.quantized.conv2d(x, packed, scale, zero_point)}.
     *
     * @param x a quint8 quantized activation {@code [N, C, H, W]}
     * @return the quantized activation
     * @throws IllegalArgumentException for another rank (PyTorch's message)
     * @throws UnsupportedOperationException for a float input (PyTorch's message)
     */
    @Override
    public Tensor forward(Tensor x) {
        if (x != null && x.dim() != 4) {
            throw new IllegalArgumentException("Input shape must be `(N, C, H, W)`!");
        }
        Activations.check(x, fusedRelu() ? "quantized::conv2d_relu.new" : "quantized::conv2d.new");
        return QuantizedActivations.conv2d(x, packed(), scale(), zeroPoint(), fusedRelu());
    }

    /** The packed parameters of the present weight and bias, packed again when either was replaced. */
    private synchronized QuantizedOps.PackedConv2d packed() {
        if (packed == null || packedWeight != weight || packedBias != bias) {
            packed = QuantizedOps.conv2dPrepack(weight, bias, stride, padding, dilation, groups);
            packedWeight = weight;
            packedBias = bias;
        }
        return packed;
    }

    /** Whether a ReLU is fused ({@code quantized::conv2d_relu}): false here. */
    protected boolean fusedRelu() {
        return false;
    }

    /** {@code weight} (qint8) and {@code bias} (float, or None) before {@code scale} and {@code zero_point}. */
    @Override
    protected void saveOwnState(Map<String, Object> out) {
        out.put("weight", weight);
        out.put("bias", bias == null ? null : bias.clone());
    }

    @Override
    protected List<String> ownStateKeys(Map<String, Long> versions, Set<String> present) {
        return List.of("weight", "bias");
    }

    /** PyTorch's {@code set_weight_bias(state_dict['weight'], state_dict['bias'])}, checked against the layer. */
    @Override
    protected Runnable loadOwnState(Map<String, Object> entries, Map<String, Long> versions) {
        Object w = entries.get("weight");
        Object b = entries.get("bias");
        int[] shape = {out, in / groups, kernel[0], kernel[1]};
        if (!(w instanceof QuantizedTensor qw) || qw.dtype() != QuantDType.QINT8
                || !Arrays.equals(qw.shape(), shape) || qw.qscheme() != dev.ember.ao.quantization.QScheme.PER_TENSOR_AFFINE
                && qw.qPerChannelAxis() != 0) {
            throw new IllegalArgumentException("the entry 'weight' must be a qint8 quantized Tensor of shape "
                    + Arrays.toString(shape) + ", per tensor or per channel along axis 0, got " + QuantizedState.describe(w));
        }
        if (b != null && (!(b instanceof Tensor tb) || tb.dim() != 1 || tb.size(0) != out
                || !tb.dtype().isFloatingPoint())) {
            throw new IllegalArgumentException("the entry 'bias' must be a float Tensor of shape [" + out + "] or None, got "
                    + QuantizedState.describe(b));
        }
        Tensor bf = b == null ? null : ((Tensor) b).detach().to(dev.ember.Device.CPU).to(DType.FLOAT32).clone();
        return () -> {
            this.weight = qw;
            this.bias = bf;
        };
    }

    @Override
    protected String moduleName() {
        return fusedRelu() ? "QuantizedConvReLU2d" : "QuantizedConv2d";
    }

    @Override
    public String extraRepr() {
        StringBuilder s = new StringBuilder().append(in).append(", ").append(out).append(", kernel_size=")
                .append(tuple(kernel)).append(", stride=").append(tuple(stride)).append(", scale=")
                .append(Format.repr(scale())).append(", zero_point=").append(zeroPoint());
        if (padding[0] != 0 || padding[1] != 0) {
            s.append(", padding=").append(tuple(padding));
        }
        if (dilation[0] != 1 || dilation[1] != 1) {
            s.append(", dilation=").append(tuple(dilation));
        }
        if (groups != 1) {
            s.append(", groups=").append(groups);
        }
        if (bias == null) {
            s.append(", bias=False");
        }
        return s.toString();
    }

    private static String tuple(int[] v) {
        return "(" + v[0] + ", " + v[1] + ")";
    }
}
