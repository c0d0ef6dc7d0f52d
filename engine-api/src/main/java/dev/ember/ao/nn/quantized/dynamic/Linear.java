package dev.ember.ao.nn.quantized.dynamic;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Format;
import dev.ember.GradMode;
import dev.ember.QuantizedOps;
import dev.ember.Tensor;
import dev.ember.ao.quantization.DynamicQConfig;
import dev.ember.ao.quantization.ObserverBase;
import dev.ember.ao.quantization.PerChannelMinMaxObserver;
import dev.ember.ao.quantization.QParams;
import dev.ember.ao.quantization.QScheme;
import dev.ember.ao.quantization.QuantDType;
import dev.ember.ao.quantization.QuantizedTensor;
import dev.ember.nn.Module;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A dynamically quantized linear layer, PyTorch's {@code torch.ao.nn.quantized.dynamic.Linear} (printed
 * {@code DynamicQuantizedLinear}): float32 in, float32 out, the weight stored as qint8 (one scale, or one per output
 * feature) or float16, the bias as float32. Made by {@link #fromFloat} or
 * {@link dev.ember.ao.quantization.Quantization#quantizeDynamic}; it has no gradients (an inference layer).
 *
 * <p><b>Arithmetic.</b> The qint8 forward is {@link QuantizedOps#linearDynamic}, FBGEMM's
 * {@code quantized::linear_dynamic} on an x86 machine (the engine of PyTorch's x86 builds) step by step: the input
 * quantized over [0, 127] from its own minimum and maximum, exact integer sums with the weight's integers, and
 * {@code (float) sum * (x_scale * w_scale) + bias} in float. The float16 forward rounds the weight to float16 once and
 * computes {@code x W^T} in float32, then adds the bias, as FBGEMM's fp16 GEMM (whose summation order differs, so
 * results agree to float32 rounding).
 *
 * <p>Memory: a qint8 layer holds one byte a weight; a float16 one holds its float16-rounded weight as float32 values, its
 * GEMM's operand (FBGEMM's fp16 GEMM keeps two bytes a weight and widens them in its kernel).
 *
 * <p>PyTorch runs this layer on the CPU only (FBGEMM is a CPU library), and so does Ember: an input on a GPU is refused
 * with PyTorch's message. Its state dict entries are PyTorch's ({@code _packed_params._packed_params} is the pair
 * (weight, bias), the weight quantized): a model's {@link #stateDict()} refuses it, and
 * {@link dev.ember.ao.quantization.Quantization#stateDict} and {@link dev.ember.ao.quantization.Quantization#loadStateDict}
 * save and load it.
 */
public class Linear extends Module implements dev.ember.ao.nn.quantized.QuantizedState {
    private final int in;
    private final int out;
    private final boolean float16;
    private QuantizedTensor qweight;
    /** A qint8 layer's weight and bias packed once for {@link QuantizedOps#linearDynamic(Tensor, QuantizedOps.PackedLinear)}. */
    private QuantizedOps.PackedLinear packed;
    /** A float16 layer's weight, rounded to float16 and held as its float32 values, transposed: the GEMM operand. */
    private Tensor halfWeightValues;
    private Tensor bias;

    /**
     * A layer of zero weight (qint8, scale 1, zero point 0) and zero bias, as PyTorch's constructor.
     *
     * @throws IllegalArgumentException for a negative size
     */
    public Linear(int in, int out) {
        this(in, out, true, false);
    }

    /**
     * A layer of zero weight and, with {@code bias}, zero bias; {@code float16} stores the weight as float16
     * (PyTorch's {@code dtype=torch.float16}), else qint8.
     *
     * @throws IllegalArgumentException for a negative size
     */
    public Linear(int in, int out, boolean bias, boolean float16) {
        if (in < 0 || out < 0) {
            throw new IllegalArgumentException("Trying to create tensor with negative dimension "
                    + (out < 0 ? out : in) + ": [" + out + ", " + in + "]");
        }
        this.in = in;
        this.out = out;
        this.float16 = float16;
        try (GradMode off = Ember.noGrad(); Tensor zeros = Tensor.zeros(DType.FLOAT32, out, in)) {
            Tensor b = bias ? Tensor.zeros(DType.FLOAT32, out) : null;
            if (float16) {
                setWeightBias(zeros, b, null);
            } else { // PyTorch's qint8 weight of scale 1 and zero point 0, packed
                setWeightBias(null, b, QuantizedTensor.quantizePerTensor(zeros, 1.0, 0, QuantDType.QINT8));
            }
        }
    }

    /**
     * {@code from_float(mod)} with {@code mod.qconfig} the given configuration: the weight observed and quantized by
     * its observer (qint8) or rounded to float16, the bias copied.
     *
     * @throws IllegalArgumentException for a null module or configuration, or a module that is not exactly a
     *     {@code Linear} or attention's {@code NonDynamicallyQuantizableLinear} (PyTorch's assertion: another subclass
     *     is not quantized)
     */
    public static Linear fromFloat(dev.ember.nn.Linear mod, DynamicQConfig qconfig) {
        if (mod == null || qconfig == null) {
            throw new IllegalArgumentException("nn.quantized.dynamic.Linear.from_float needs a Linear and a qconfig");
        }
        if (mod.getClass() != dev.ember.nn.Linear.class && mod.getClass() != dev.ember.nn.NonDynamicallyQuantizableLinear.class) {
            throw new IllegalArgumentException("nn.quantized.dynamic.Linear.from_float only works for one of['Linear', "
                    + "'NonDynamicallyQuantizableLinear', 'LinearReLU', 'Linear'], not " + mod.getClass().getSimpleName());
        }
        boolean half = qconfig == DynamicQConfig.FLOAT16;
        Linear q = new Linear(mod.inFeatures(), mod.outFeatures(), mod.bias != null, half);
        Tensor w = mod.getParameter("weight");
        Tensor b = mod.namedParameters().get("bias");
        try (GradMode off = Ember.noGrad()) {
            Tensor wf = w.detach().to(dev.ember.Device.CPU).to(DType.FLOAT32);
            Tensor bf = b == null ? null : b.detach().to(dev.ember.Device.CPU).to(DType.FLOAT32).clone();
            if (half) {
                q.setWeightBias(wf, bf, null);
            } else {
                q.setWeightBias(null, bf, quantizeWeight(wf, qconfig));
            }
        }
        return q;
    }

    /**
     * PyTorch's {@code _quantize_weight} after a fresh observer of {@code qconfig} saw the weight: qint8, per tensor or
     * per channel along axis 0 (the dynamic layers' weights, each with its own observer).
     */
    static QuantizedTensor quantizeWeight(Tensor weight, DynamicQConfig qconfig) {
        Tensor w = weight.detach().to(dev.ember.Device.CPU).to(DType.FLOAT32);
        ObserverBase observer = qconfig.weightObserver();
        observer.forward(w);
        QParams p = observer.calculateQparams();
        return observer instanceof PerChannelMinMaxObserver pc
                ? QuantizedTensor.quantizePerChannel(w, p.scale().to(DType.FLOAT64), p.zeroPoint().to(DType.INT64),
                    pc.chAxis(), QuantDType.QINT8)
                : QuantizedTensor.quantizePerTensor(w, (float) p.scale().item(), (long) p.zeroPoint().item(),
                    QuantDType.QINT8);
    }

    /**
     * A float weight as PyTorch's {@code linear_prepack_fp16} stores it: on the CPU, saturated to float16's range
     * ({@code HandleWeightsSaturation}) and rounded to float16, given back as its float32 values.
     */
    static Tensor halfValues(Tensor weight) {
        return weight.detach().to(dev.ember.Device.CPU).to(DType.FLOAT32).clamp(-65504.0, 65504.0).to(DType.FLOAT16)
                .to(DType.FLOAT32);
    }

    /**
     * {@code set_weight_bias(w, b)} of a qint8 layer: a qint8 weight [out, in], per tensor or per channel along axis 0,
     * and a float32 bias [out] or null.
     *
     * @throws IllegalArgumentException for a float16 layer, a weight of another type or shape, or a bias of another
     *     shape
     */
    public void setWeightBias(QuantizedTensor weight, Tensor bias) {
        if (float16) {
            throw new IllegalArgumentException("set_weight_bias: a float16 layer takes a float weight");
        }
        if (weight == null || weight.dtype() != QuantDType.QINT8) {
            throw new IllegalArgumentException("The only supported dtypes for dynamic quantized linear are qint8 and "
                    + "float16 got: " + (weight == null ? null : weight.dtype()));
        }
        if (weight.qscheme() != QScheme.PER_TENSOR_AFFINE && weight.qPerChannelAxis() != 0) {
            throw new IllegalArgumentException("Only per-tensor or per-channel (axis 0) weights are supported, got axis "
                    + weight.qPerChannelAxis());
        }
        setWeightBias(null, bias, weight);
    }

    private void setWeightBias(Tensor floatWeight, Tensor b, QuantizedTensor qw) {
        int[] shape = qw != null ? qw.shape() : floatWeight.shape();
        if (!Arrays.equals(shape, new int[] {out, in})) {
            throw new IllegalArgumentException("weight of shape " + Arrays.toString(shape) + " does not fit a layer of "
                    + "in_features=" + in + ", out_features=" + out);
        }
        if (b != null && (b.dim() != 1 || b.size(0) != out)) {
            throw new IllegalArgumentException("bias should have N elements: " + out);
        }
        // everything computed (and checked) before the layer changes
        Tensor newBias = b == null ? null : b.detach().to(dev.ember.Device.CPU).to(DType.FLOAT32).clone();
        QuantizedOps.PackedLinear newPacked = qw == null ? null : QuantizedOps.linearPrepack(qw, newBias);
        // PyTorch saturates the weight to float16's range before packing it
        Tensor newHalf = qw == null ? halfValues(floatWeight).t() : null;
        this.qweight = qw;
        this.halfWeightValues = newHalf;
        this.bias = newBias;
        this.packed = newPacked;
    }

    /** The size of each input sample, {@code in_features}. */
    public int inFeatures() {
        return in;
    }

    /** The size of each output sample, {@code out_features}. */
    public int outFeatures() {
        return out;
    }

    /**
     * {@code weight()} of a qint8 layer: the quantized weight.
     *
     * @throws IllegalStateException for a float16 layer, whose weight {@link #float16Weight()} gives
     */
    public QuantizedTensor weight() {
        if (float16) {
            throw new IllegalStateException("a float16 dynamic Linear's weight is a float tensor: use float16Weight()");
        }
        return qweight;
    }

    /**
     * The weight of a float16 layer, float32 values of its float16 weight, as PyTorch's {@code weight()} of one.
     *
     * @throws IllegalStateException for a qint8 layer, whose weight {@link #weight()} gives
     */
    public Tensor float16Weight() {
        if (!float16) {
            throw new IllegalStateException("a qint8 dynamic Linear's weight is quantized: use weight()");
        }
        return halfWeightValues.t().clone();
    }

    /** {@code bias()}: a copy of the float32 bias, or null. */
    public Tensor bias() {
        return bias == null ? null : bias.clone();
    }

    /**
     * The output, float32, of a float32 input of at least 2 dimensions on the CPU whose last is {@code in_features}.
     *
     * @throws IllegalArgumentException for another input type ({@code expected scalar type Float but found Double}),
     *     fewer than 2 dimensions or another feature count (FBGEMM's messages)
     * @throws UnsupportedOperationException for an input on a GPU (PyTorch has no CUDA kernel for it either)
     */
    @Override
    public Tensor forward(Tensor x) {
        if (x == null) {
            throw new IllegalArgumentException("linear_dynamic(): argument 'input' must be Tensor, not null");
        }
        if (float16) {
            if (!x.device().isCpu()) {
                throw new UnsupportedOperationException("Could not run 'quantized::linear_dynamic_fp16' with arguments "
                        + "from the '" + x.device().type().toUpperCase(java.util.Locale.ROOT) + "' backend.");
            }
            if (x.dim() < 2) {
                throw new IllegalArgumentException("Expected input.dim() >= 2 to be true, but got false.  (Could this "
                        + "error message be improved?  If so, please report an enhancement request to PyTorch.)");
            }
            if (x.size(-1) != in) {
                throw new IllegalArgumentException("Expected input.size(input.dim() - 1) == packed_weight_fp16.numRows() "
                        + "to be true, but got false.  (Could this error message be improved?  If so, please report an "
                        + "enhancement request to PyTorch.)");
            }
            checkFloat(x);
            try (GradMode off = Ember.noGrad()) {
                Tensor y = x.detach().matmul(halfWeightValues);
                return bias == null ? y : y.add(bias);
            }
        }
        return QuantizedOps.linearDynamic(x, packed);
    }

    private static void checkFloat(Tensor x) {
        if (x.dtype() != DType.FLOAT32) {
            throw new IllegalArgumentException("expected scalar type Float but found " + Format.scalarType(x.dtype()));
        }
    }

    /** Why {@link #stateDict()} refuses the layer: its state holds a quantized weight and a dtype. */
    @Override
    protected String unsavableReason() {
        return "its state holds a quantized weight and a dtype, not tensors only: save it with "
                + "Quantization.stateDict(model) and load it with Quantization.loadStateDict (PyTorch's keys)";
    }

    /** PyTorch's versions: the layer 4, its {@code LinearPackedParams} 3. */
    @Override
    public Map<String, Long> stateVersions() {
        Map<String, Long> v = new LinkedHashMap<>();
        v.put("", 4L);
        v.put("_packed_params", 3L);
        return v;
    }

    /**
     * PyTorch's entries: {@code scale} (1.0) and {@code zero_point} (0), unused by the layer, then
     * {@code _packed_params.dtype} ({@code torch.qint8} or {@code torch.float16}) and
     * {@code _packed_params._packed_params}, the tuple {@code (weight, bias)}: the qint8 weight, or a float16 layer's
     * weight as its float16-rounded float32 values (what PyTorch's {@code _weight_bias()} unpacks).
     */
    @Override
    public void saveQuantizedState(Map<String, Object> out) {
        out.put("scale", Tensor.tensor(1.0, DType.FLOAT32));
        out.put("zero_point", Tensor.tensor(0L));
        out.put("_packed_params.dtype", float16 ? DType.FLOAT16 : QuantDType.QINT8);
        Object w = float16 ? halfWeightValues.t().contiguous() : qweight;
        out.put("_packed_params._packed_params", dev.ember.nn.TorchSerialization.tuple(w, bias == null ? null : bias.clone()));
    }

    @Override
    public List<String> quantizedStateKeys(Map<String, Long> versions, Set<String> present) {
        return List.of("scale", "zero_point", "_packed_params.dtype", "_packed_params._packed_params");
    }

    /** The weight and bias of the state dict, checked on a scratch layer of this one's configuration. */
    @Override
    public Runnable loadQuantizedState(Map<String, Object> entries, Map<String, Long> versions) {
        Object dtype = entries.get("_packed_params.dtype");
        if (dtype != (float16 ? DType.FLOAT16 : QuantDType.QINT8)) {
            throw new IllegalArgumentException("the entry '_packed_params.dtype' must be " + (float16 ? "torch.float16"
                    : "torch.qint8") + " for this layer, got " + dtype);
        }
        Object pair = entries.get("_packed_params._packed_params");
        if (!(pair instanceof List<?> l) || l.size() != 2 || l.get(1) != null && !(l.get(1) instanceof Tensor)
                || !(float16 ? l.get(0) instanceof Tensor : l.get(0) instanceof QuantizedTensor)) {
            throw new IllegalArgumentException("the entry '_packed_params._packed_params' must be the pair (weight: "
                    + (float16 ? "a float Tensor" : "a qint8 quantized Tensor") + ", bias: a Tensor or None)");
        }
        Tensor b = (Tensor) ((List<?>) pair).get(1);
        Linear scratch = new Linear(in, out, b != null, float16);
        try (GradMode off = Ember.noGrad()) {
            if (float16) {
                Tensor w = (Tensor) ((List<?>) pair).get(0);
                if (!w.dtype().isFloatingPoint()) {
                    throw new IllegalArgumentException("the weight of a float16 layer must be a float Tensor, got "
                            + w.dtype().torchName());
                }
                scratch.setWeightBias(w.detach().to(dev.ember.Device.CPU).to(DType.FLOAT32), b, null);
            } else {
                scratch.setWeightBias((QuantizedTensor) ((List<?>) pair).get(0), b);
            }
        }
        return () -> {
            this.qweight = scratch.qweight;
            this.halfWeightValues = scratch.halfWeightValues;
            this.bias = scratch.bias;
            this.packed = scratch.packed;
        };
    }

    @Override
    protected String moduleName() {
        return "DynamicQuantizedLinear";
    }

    @Override
    public String extraRepr() {
        return "in_features=" + in + ", out_features=" + out + ", dtype=" + (float16 ? "torch.float16"
                : "torch.qint8, qscheme=" + qweight.qscheme());
    }
}
