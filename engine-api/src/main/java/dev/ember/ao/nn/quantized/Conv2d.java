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
        try (GradMode off = Ember.noGrad()) {
            QuantizedTensor w = Linear.quantizeWeight(mod.getParameter("weight"), weightObserver);
            Tensor b = mod.namedParameters().get("bias");
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

    @Override
    protected String unsavableReason() {
        return "a quantized Conv2d keeps PyTorch's packed parameters, which are not tensors: save the float model's "
                + "state dict and quantize after loading it";
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
