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
 * {@code torch.ao.nn.quantized.modules.conv._ConvNd} for the convolutions computed as a 2-D quantized convolution
 * ({@link Conv1d}, {@link Conv3d}): the configuration, the qint8 weight {@code [out, in / groups, *kernel]} (per tensor
 * or per output channel), the float bias, the output's scale and zero point, PyTorch's state dict entries
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
    private volatile State state;

    /** The weight, bias and the packed parameters made from them, replaced together. */
    private record State(QuantizedTensor weight, Tensor bias, QuantizedOps.PackedConv2d packed) {
    }

    /**
     * A layer of {@code mod}'s configuration, its weight and output parameters unset (set by {@link #init}).
     *
     * @param mod the float convolution
     * @param dims its spatial dimensions (1 or 3)
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
        if (!"zeros".equals(mod.paddingMode()) || mod.paddingString() != null) {
            throw new UnsupportedOperationException("quantized " + getClass().getSimpleName() + ": Ember supports zero "
                    + "padding given as numbers, not padding_mode='" + mod.paddingMode() + "'"
                    + (mod.paddingString() == null ? "" : " or padding='" + mod.paddingString() + "'"));
        }
        if (weightObserver.dtype() != QuantDType.QINT8) {
            throw new IllegalArgumentException("Weight observer must have dtype torch.qint8");
        }
        try (GradMode off = Ember.noGrad()) {
            QuantizedTensor w = Linear.quantizeWeight(mod.getParameter("weight"), weightObserver);
            Tensor b = mod.namedParameters().get("bias");
            setState(w, b == null ? null : b.detach().to(dev.ember.Device.CPU).to(DType.FLOAT32).clone());
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

    private QuantizedTensor weight2d(QuantizedTensor w) {
        Tensor ints = w.intRepr().reshape(weightShape2d());
        return w.qscheme() == QScheme.PER_TENSOR_AFFINE
            ? QuantizedTensor.makePerTensorQuantizedTensor(ints, w.qScale(), w.qZeroPoint())
            : QuantizedTensor.makePerChannelQuantizedTensor(ints, w.qPerChannelScales(), w.qPerChannelZeroPoints(), 0);
    }

    /** The packed parameters of the 2-D equivalent, made when the weight or bias was set. */
    protected final QuantizedOps.PackedConv2d packed() {
        return state.packed();
    }

    /** {@code weight()}: the quantized weight {@code [out_channels, in_channels / groups, *kernel_size]}. */
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
        shape[0] = out;
        shape[1] = in / groups;
        System.arraycopy(kernel, 0, shape, 2, kernel.length);
        if (!(w instanceof QuantizedTensor qw) || qw.dtype() != QuantDType.QINT8
                || !Arrays.equals(qw.shape(), shape) || qw.qscheme() != QScheme.PER_TENSOR_AFFINE
                && qw.qPerChannelAxis() != 0) {
            throw new IllegalArgumentException("the entry 'weight' must be a qint8 quantized Tensor of shape "
                    + Arrays.toString(shape) + ", per tensor or per channel along axis 0, got " + QuantizedState.describe(w));
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

    /** {@code QuantizedConv1d}, {@code QuantizedConvReLU3d}, ...: the module's name in PyTorch's printout. */
    @Override
    protected String moduleName() {
        return (fusedRelu() ? "QuantizedConvReLU" : "QuantizedConv") + kernel.length + "d";
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
