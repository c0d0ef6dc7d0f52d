package dev.ember.ao.nn.quantized;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Format;
import dev.ember.GradMode;
import dev.ember.QuantizedOps;
import dev.ember.Tensor;
import dev.ember.ao.quantization.ObserverOrFakeQuantize;
import dev.ember.ao.quantization.QScheme;
import dev.ember.ao.quantization.QuantDType;
import dev.ember.ao.quantization.QuantizedTensor;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code torch.ao.nn.quantized.modules.conv._ConvNd}: the quantized convolutions, each computed as a 2-D quantized
 * convolution ({@link Conv2d} itself, {@link Conv1d}, {@link Conv3d}, {@link ConvTranspose1d}, {@link ConvTranspose2d}):
 * the configuration, the qint8 weight {@code [out, in / groups, *kernel]} (per tensor or per output channel; a
 * transposed layer's {@code [in, out / groups, *kernel]}, per tensor), the float bias, the output's scale and zero
 * point, PyTorch's state dict entries
 * ({@code weight}, {@code bias}, {@code scale}, {@code zero_point}) and printout. The packed parameters of the 2-D
 * equivalent are made whenever the weight or bias is set (at convert or load), never from {@code forward}.
 */
public abstract class ConvNd extends QuantizedOutput {
    /** {@code in_channels}. */
    protected final int in;
    /** {@code out_channels}. */
    protected final int out;
    /** {@code kernel_size}. */
    protected final int[] kernel;
    /** {@code stride}. */
    protected final int[] stride;
    /** {@code padding} (zeros). */
    protected final int[] padding;
    /** {@code dilation}. */
    protected final int[] dilation;
    /** {@code groups}. */
    protected final int groups;
    /** {@code output_padding} (zeros but for a transposed layer). */
    protected final int[] outputPadding;
    private volatile State state;

    /** The weight, bias and the packed parameters made from them, replaced together. */
    private record State(QuantizedTensor weight, Tensor bias, QuantizedOps.PackedConv2d packed) {
    }

    /**
     * A layer of {@code mod}'s configuration, its weight and output parameters unset (set by {@link #init}).
     *
     * @param mod the float convolution
     * @param dims its spatial dimensions (1, 2 or 3)
     * @throws IllegalArgumentException for a convolution of other dimensions
     */
    protected ConvNd(dev.ember.nn.ConvNd mod, int dims) {
        if (mod.kernelSize().length != dims) {
            throw new IllegalArgumentException("a quantized " + dims + "-d convolution needs a " + dims
                    + "-d float convolution, got " + mod.getClass().getSimpleName());
        }
        this.in = mod.inChannels();
        this.out = mod.outChannels();
        this.kernel = mod.kernelSize().clone();
        this.stride = mod.stride().clone();
        this.padding = mod.padding().clone();
        this.dilation = mod.dilation().clone();
        this.groups = mod.groups();
        this.outputPadding = mod.outputPadding().clone();
    }

    /** Whether this is a transposed convolution (its weight {@code [in, out / groups, *kernel]}, per tensor). */
    protected boolean transposed() {
        return false;
    }

    /**
     * {@code from_float}'s weight, bias and output parameters: the float layer's weight quantized with a fresh weight
     * observer of the layer's qconfig, the output's scale and zero point from its {@code activation_post_process}.
     *
     * @param mod the float convolution
     * @param weightObserver a fresh weight observer ({@code qconfig.weight()})
     * @param activationObserver the output observer, after calibration
     * @throws IllegalArgumentException for a weight observer that is not qint8 (PyTorch's message)
     * @throws UnsupportedOperationException for a padding mode other than zeros, or padding given as a string
     */
    protected final void init(dev.ember.nn.ConvNd mod, ObserverOrFakeQuantize weightObserver,
                              ObserverOrFakeQuantize activationObserver) {
        checkZeroPadding(mod);
        init(mod.getParameter("weight"), mod.namedParameters().get("bias"), weightObserver, activationObserver);
    }

    /**
     * {@code from_float} of a QAT convolution with its batch norm ({@link dev.ember.ao.nn.intrinsic.qat.ConvBnNd}):
     * {@code fuse_conv_bn_weights} of the weight, bias and the batch norm's running statistics and affine parameters,
     * then quantized with the layer's {@code weight_fake_quant} (run on the folded weight first, as PyTorch's
     * {@code weight_post_process(mod.weight)}).
     *
     * @param <M> the layer's class: a float convolution that is a {@code _ConvBnNd}
     * @param mod the trained QAT layer
     * @param activationObserver its {@code activation_post_process}
     * @throws IllegalArgumentException for a weight fake quantizer that gives no dtype or is not qint8
     * @throws UnsupportedOperationException for a padding mode other than zeros
     */
    protected final <M extends dev.ember.nn.ConvNd & dev.ember.ao.nn.intrinsic.qat.ConvBnNd> void initFolded(M mod,
            ObserverOrFakeQuantize activationObserver) {
        checkZeroPadding(mod);
        if (!(mod.weightFakeQuant() instanceof ObserverOrFakeQuantize w)) {
            throw new IllegalArgumentException("convert: the weight_fake_quant of a " + mod.getClass().getSimpleName()
                    + " gives no dtype and scheme");
        }
        dev.ember.nn.Module bn = mod.bn();
        dev.ember.nn.utils.Fusion.FusedWeights f = dev.ember.nn.utils.Fusion.fuseConvBnWeights(mod.getParameter("weight"),
            mod.namedParameters().get("bias"), dev.ember.nn.ModuleInternals.getAttr(bn, "running_mean"),
            dev.ember.nn.ModuleInternals.getAttr(bn, "running_var"), dev.ember.nn.ModuleInternals.normEps(bn),
            dev.ember.nn.ModuleInternals.getAttr(bn, "weight"), dev.ember.nn.ModuleInternals.getAttr(bn, "bias"), false);
        init(f.weight(), f.bias(), w, activationObserver);
    }

    private void checkZeroPadding(dev.ember.nn.ConvNd mod) {
        if (!"zeros".equals(mod.paddingMode()) || mod.paddingString() != null) {
            throw new UnsupportedOperationException("quantized " + getClass().getSimpleName() + ": Ember supports zero "
                    + "padding given as numbers, not padding_mode='" + mod.paddingMode() + "'"
                    + (mod.paddingString() == null ? "" : " or padding='" + mod.paddingString() + "'"));
        }
    }

    /** The weight values quantized by the observer (run on them), the bias, the output's parameters. */
    private void init(Tensor weightValues, Tensor bias, ObserverOrFakeQuantize weightObserver,
                      ObserverOrFakeQuantize activationObserver) {
        if (weightObserver.dtype() != QuantDType.QINT8) {
            throw new IllegalArgumentException("Weight observer must have dtype torch.qint8");
        }
        if (transposed() && weightObserver.qscheme().isPerChannel()) {
            // PyTorch 1.13's from_float; 2.x's x86 engine (FBGEMM) refuses such a weight at prepack
            throw new IllegalArgumentException("Per channel weight observer is not supported yet for ConvTranspose{n}d.");
        }
        try (GradMode off = Ember.noGrad()) {
            QuantizedTensor w = Linear.quantizeWeight(weightValues, weightObserver);
            setState(w, bias == null ? null : bias.detach().to(dev.ember.Device.CPU).to(DType.FLOAT32).clone());
            setOutputQParams(activationObserver);
        }
    }

    private void setState(QuantizedTensor w, Tensor b) {
        state = new State(w, b, QuantizedOps.conv2dPrepack(weight2d(w), b, stride2d(), padding2d(), dilation2d(),
            groups));
    }

    /** The weight of the 2-D convolution this one is computed as (a reshape of the integers, the same scales). */
    protected abstract int[] weightShape2d();

    /** The 2-D convolution's stride. */
    protected abstract int[] stride2d();

    /** The 2-D convolution's padding. */
    protected abstract int[] padding2d();

    /** The 2-D convolution's dilation. */
    protected abstract int[] dilation2d();

    /**
     * The weight's integers as the 2-D convolution's weight {@link #weightShape2d()}: a reshape here; a transposed
     * layer's swaps the input and output channels within each group and flips the kernel.
     *
     * @param ints the weight's integers, of the layer's weight shape
     * @return the integers of the 2-D weight
     */
    protected Tensor weightInts2d(Tensor ints) {
        return ints.reshape(weightShape2d());
    }

    private QuantizedTensor weight2d(QuantizedTensor w) {
        Tensor ints = weightInts2d(w.intRepr());
        return w.qscheme() == QScheme.PER_TENSOR_AFFINE
            ? QuantizedTensor.makePerTensorQuantizedTensor(ints, w.qScale(), w.qZeroPoint())
            : QuantizedTensor.makePerChannelQuantizedTensor(ints, w.qPerChannelScales(), w.qPerChannelZeroPoints(), 0);
    }

    /** The packed parameters of the 2-D equivalent, made when the weight or bias was set. */
    protected final QuantizedOps.PackedConv2d packed() {
        return state.packed();
    }

    /**
     * {@code weight()}: the quantized weight {@code [out_channels, in_channels / groups, *kernel_size]}
     * ({@code [in_channels, out_channels / groups, *kernel_size]} for a transposed layer).
     */
    public QuantizedTensor weight() {
        return state.weight();
    }

    /** {@code bias()}: the float bias (a copy), or null. */
    public Tensor bias() {
        Tensor b = state.bias();
        return b == null ? null : b.clone();
    }

    /**
     * {@code set_weight_bias(w, b)}: the weight and bias replaced (and packed again).
     *
     * @param weight qint8 {@code [out_channels, in_channels / groups, *kernel_size]}, per tensor or per channel along
     *     axis 0
     * @param bias float {@code [out_channels]}, or null
     * @throws IllegalArgumentException for another type or shape
     */
    public void setWeightBias(QuantizedTensor weight, Tensor bias) {
        Runnable r = checked(weight, bias);
        r.run();
    }

    /** Whether a ReLU is fused ({@code quantized::conv*d_relu}): false here. */
    protected boolean fusedRelu() {
        return false;
    }

    /** {@code weight} (qint8) and {@code bias} (float, or None) before {@code scale} and {@code zero_point}. */
    @Override
    protected void saveOwnState(Map<String, Object> out) {
        out.put("weight", weight());
        out.put("bias", bias());
    }

    @Override
    protected List<String> ownStateKeys(Map<String, Long> versions, Set<String> present) {
        return List.of("weight", "bias");
    }

    /** PyTorch's {@code set_weight_bias(state_dict['weight'], state_dict['bias'])}, checked against the layer. */
    @Override
    protected Runnable loadOwnState(Map<String, Object> entries, Map<String, Long> versions) {
        return checked(entries.get("weight"), entries.get("bias"));
    }

    private Runnable checked(Object w, Object b) {
        int[] shape = new int[2 + kernel.length];
        shape[0] = transposed() ? in : out;
        shape[1] = transposed() ? out / groups : in / groups;
        System.arraycopy(kernel, 0, shape, 2, kernel.length);
        if (!(w instanceof QuantizedTensor qw) || qw.dtype() != QuantDType.QINT8
                || !Arrays.equals(qw.shape(), shape) || qw.qscheme() != QScheme.PER_TENSOR_AFFINE
                && (transposed() || qw.qPerChannelAxis() != 0)) {
            throw new IllegalArgumentException("the entry 'weight' must be a qint8 quantized Tensor of shape "
                    + Arrays.toString(shape) + (transposed() ? ", per tensor" : ", per tensor or per channel along axis 0")
                    + ", got " + QuantizedState.describe(w));
        }
        if (b != null && (!(b instanceof Tensor tb) || tb.dim() != 1 || tb.size(0) != out
                || !tb.dtype().isFloatingPoint())) {
            throw new IllegalArgumentException("the entry 'bias' must be a float Tensor of shape [" + out + "] or None, got "
                    + QuantizedState.describe(b));
        }
        Tensor bf;
        try (GradMode off = Ember.noGrad()) {
            bf = b == null ? null : ((Tensor) b).detach().to(dev.ember.Device.CPU).to(DType.FLOAT32).clone();
        }
        State s = new State(qw, bf, QuantizedOps.conv2dPrepack(weight2d(qw), bf, stride2d(), padding2d(), dilation2d(),
            groups));
        return () -> state = s;
    }

    /**
     * {@code QuantizedConv1d}, {@code QuantizedConvReLU3d}, {@code QuantizedConvTranspose2d}, ...: the module's name in
     * PyTorch's printout (2.x's for the transposed layers: 1.13 printed "QuantizedConvTranpose2d").
     */
    @Override
    protected String moduleName() {
        return (transposed() ? "QuantizedConvTranspose" : fusedRelu() ? "QuantizedConvReLU" : "QuantizedConv")
            + kernel.length + "d";
    }

    /**
     * The transposed convolution of {@code x} ({@code [N, C, H, W]}, a quint8 quantized activation) as the 2-D
     * convolution of {@link #packed()} (stride 1, no padding, the dilation): the input's integers spread {@code stride}
     * apart with the zero point in between, the zero point as {@code dilation * (k - 1) - padding} of padding on each
     * side (a negative amount crops) and {@code output_padding} more after. The integer sums are the transposed
     * convolution's, exactly, and the requantization FBGEMM's.
     *
     * @param x the input, 4-d
     * @param s the stride (2 values)
     * @param p the padding (2 values)
     * @param d the dilation (2 values)
     * @param op the output padding (2 values)
     * @param k the kernel size (2 values)
     * @return the output's carrier
     * @throws IllegalArgumentException for another channel count, an empty output
     */
    protected final Tensor transposedConv2d(Tensor x, int[] s, int[] p, int[] d, int[] op, int[] k) {
        int[] xs = x.shape();
        if (xs[1] != in) {
            throw new IllegalArgumentException("Given transposed=1, weight of size " + Arrays.toString(weight().shape())
                    + ", expected input" + Arrays.toString(xs) + " to have " + in + " channels, but got " + xs[1]
                    + " channels instead");
        }
        long oh = (long) (xs[2] - 1) * s[0] - 2L * p[0] + (long) d[0] * (k[0] - 1) + op[0] + 1;
        long ow = (long) (xs[3] - 1) * s[1] - 2L * p[1] + (long) d[1] * (k[1] - 1) + op[1] + 1;
        if (oh <= 0 || ow <= 0) {
            throw new IllegalArgumentException("Given input size per channel: (" + xs[2] + " x " + xs[3]
                    + "). Calculated output size per channel: (" + oh + " x " + ow + "). Output size is too small");
        }
        try (GradMode off = Ember.noGrad()) {
            QuantizedTensor qx = dev.ember.QuantizedActivations.quantized(x);
            long zp = qx.qZeroPoint();
            int h2 = (xs[2] - 1) * s[0] + 1;
            int w2 = (xs[3] - 1) * s[1] + 1;
            Tensor spread = Tensor.full(new int[] {xs[0], xs[1], h2, w2}, (double) zp).to(DType.FLOAT32);
            spread.slice(2, 0, h2, s[0]).slice(3, 0, w2, s[1]).copy_(qx.intRepr().to(DType.FLOAT32));
            int lh = d[0] * (k[0] - 1) - p[0];
            int lw = d[1] * (k[1] - 1) - p[1];
            Tensor padded = dev.ember.nn.Functional.pad(spread, new int[] {lw, lw + op[1], lh, lh + op[0]}, "constant",
                zp);
            Tensor in2 = dev.ember.QuantizedActivations.carrier(QuantizedTensor.makePerTensorQuantizedTensor(
                padded.to(DType.UINT8), qx.qScale(), zp));
            return dev.ember.QuantizedActivations.conv2d(in2, packed(), scale(), zeroPoint(), fusedRelu());
        }
    }

    @Override
    public String extraRepr() {
        StringBuilder s = new StringBuilder().append(in).append(", ").append(out).append(", kernel_size=")
                .append(tuple(kernel)).append(", stride=").append(tuple(stride)).append(", scale=")
                .append(Format.repr(scale())).append(", zero_point=").append(zeroPoint());
        if (Arrays.stream(padding).anyMatch(p -> p != 0)) {
            s.append(", padding=").append(tuple(padding));
        }
        if (Arrays.stream(dilation).anyMatch(d -> d != 1)) {
            s.append(", dilation=").append(tuple(dilation));
        }
        if (Arrays.stream(outputPadding).anyMatch(o -> o != 0)) {
            s.append(", output_padding=").append(tuple(outputPadding));
        }
        if (groups != 1) {
            s.append(", groups=").append(groups);
        }
        if (state.bias() == null) {
            s.append(", bias=False");
        }
        return s.toString();
    }

    /** A Python tuple's printout: {@code (3,)}, {@code (2, 3, 3)}. */
    private static String tuple(int[] v) {
        StringBuilder s = new StringBuilder("(");
        for (int i = 0; i < v.length; i++) {
            s.append(i == 0 ? "" : ", ").append(v[i]);
        }
        return s.append(v.length == 1 ? ",)" : ")").toString();
    }
}
