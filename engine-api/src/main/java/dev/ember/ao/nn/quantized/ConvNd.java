package dev.ember.ao.nn.quantized;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Format;
import dev.ember.GradMode;
import dev.ember.QuantizedActivations;
import dev.ember.QuantizedOps;
import dev.ember.Tensor;
import dev.ember.ao.quantization.ObserverOrFakeQuantize;
import dev.ember.ao.quantization.QScheme;
import dev.ember.ao.quantization.QuantDType;
import dev.ember.ao.quantization.QuantizedTensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code torch.ao.nn.quantized.modules.conv._ConvNd}: the quantized convolutions, each computed as a 2-D quantized
 * convolution ({@link Conv2d} itself, {@link Conv1d}, {@link Conv3d} and {@link ConvTranspose1d}, {@link ConvTranspose2d},
 * {@link ConvTranspose3d}; the 3-D ones over their depth slices stacked as channels, {@link #depthStackedConv}):
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
            // every convolution's from_float in PyTorch's words (Linear's from_float words it differently)
            throw new IllegalArgumentException("Weight observer must have a dtype of qint8");
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

    /**
     * The weight shape of the 2-D convolution this one is computed as: {@code [out, in / groups, 1, k]} for one spatial
     * dimension, the weight's own for two, {@code [out, in / groups * kD, kH, kW]} for three (the depth folded into the
     * channels, as the input's depth slices are stacked); a transposed layer's after its channels are swapped.
     */
    private int[] weightShape2d() {
        return switch (kernel.length) {
            case 1 -> new int[] {out, in / groups, 1, kernel[0]};
            case 2 -> new int[] {out, in / groups, kernel[0], kernel[1]};
            default -> new int[] {out, in / groups * kernel[0], kernel[1], kernel[2]};
        };
    }

    /** The height and width values of a spatial option: the last two, or {@code fill} and the single one. */
    private static int[] heightWidth(int[] v, int fill) {
        return v.length == 1 ? new int[] {fill, v[0]} : new int[] {v[v.length - 2], v[v.length - 1]};
    }

    /**
     * The weight's integers as the 2-D convolution's weight: a reshape; a transposed layer's
     * {@code [in, out / g, *k]} first made a convolution's {@code [out, in / g, *k]}, the input and output channels
     * swapped within each group and the kernel flipped.
     */
    private Tensor weightInts2d(Tensor ints) {
        if (!transposed()) {
            return ints.reshape(weightShape2d());
        }
        int nd = kernel.length;
        int[] grouped = new int[3 + nd];
        int[] perm = new int[3 + nd];
        int[] flip = new int[nd];
        grouped[0] = groups;
        grouped[1] = in / groups;
        grouped[2] = out / groups;
        perm[0] = 0;
        perm[1] = 2;
        perm[2] = 1;
        for (int i = 0; i < nd; i++) {
            grouped[3 + i] = kernel[i];
            perm[3 + i] = 3 + i;
            flip[i] = 3 + i;
        }
        return ints.reshape(grouped).permute(perm).flip(flip).contiguous().reshape(weightShape2d());
    }

    /** The 2-D convolution's stride: 1 for a transposed layer (its input is spread instead). */
    private int[] stride2d() {
        return transposed() ? new int[] {1, 1} : heightWidth(stride, 1);
    }

    /** The 2-D convolution's padding: none for a transposed layer (its input is padded instead). */
    private int[] padding2d() {
        return transposed() ? new int[] {0, 0} : heightWidth(padding, 0);
    }

    /** The 2-D convolution's dilation. */
    private int[] dilation2d() {
        return heightWidth(dilation, 1);
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
     * A 3-D convolution of the input's integers as one 2-D quantized convolution of {@link #packed()}: for each output
     * depth, the {@code kD} depth slices it reads stacked as channels ({@code c * kD + kd}, as the weight's reshape
     * {@code [out, in / groups * kD, kH, kW]}), so that the 2-D convolution sums the same products over the whole window
     * exactly, then FBGEMM's requantization.
     *
     * @param ints the input's integers as float32 {@code [N, C, D, H, W]}, the depth already padded with the zero point
     * @param depth the output depth
     * @param strideD the depth stride
     * @param dilationD the depth dilation
     * @param scale the input's scale
     * @param zeroPoint the input's zero point
     * @return the output's carrier {@code [N, out, depth, H_out, W_out]}
     */
    protected final Tensor depthStackedConv(Tensor ints, int depth, int strideD, int dilationD, double scale,
                                            long zeroPoint) {
        int[] s = ints.shape();
        List<Tensor> slices = new ArrayList<>();
        for (int k = 0; k < kernel[0]; k++) {
            int start = k * dilationD;
            slices.add(ints.slice(2, start, start + (depth - 1) * strideD + 1, strideD));
        }
        // [N, C, D_out, kD, H, W] -> [N * D_out, C * kD, H, W]
        Tensor cols = Tensor.stack(slices, 3).permute(0, 2, 1, 3, 4, 5).contiguous()
            .reshape(s[0] * depth, s[1] * kernel[0], s[3], s[4]);
        Tensor in2 = QuantizedActivations.carrier(QuantizedTensor.makePerTensorQuantizedTensor(cols.to(DType.UINT8),
            scale, zeroPoint));
        Tensor o = QuantizedActivations.conv2d(in2, packed(), scale(), zeroPoint(), fusedRelu());
        int[] os = o.shape();
        Tensor oi = QuantizedActivations.quantized(o).intRepr().reshape(s[0], depth, os[1], os[2], os[3])
            .permute(0, 2, 1, 3, 4).contiguous();
        return QuantizedActivations.carrier(QuantizedTensor.makePerTensorQuantizedTensor(oi, scale(), zeroPoint()));
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
