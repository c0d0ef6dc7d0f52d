package dev.ember.ao.nn.quantized;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Format;
import dev.ember.GradMode;
import dev.ember.QuantizedActivations;
import dev.ember.QuantizedOps;
import dev.ember.Tensor;
import dev.ember.ao.quantization.ObserverOrFakeQuantize;
import dev.ember.ao.quantization.QParams;
import dev.ember.ao.quantization.QuantDType;
import dev.ember.ao.quantization.QuantizedTensor;
import dev.ember.nn.Module;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code torch.ao.nn.quantized.Linear}: a statically quantized linear layer, quint8 input and output (quantized
 * activations, {@link QuantizedActivations}), a qint8 weight per tensor or per output channel and a float bias; FBGEMM's
 * arithmetic ({@link QuantizedOps#linear}). Made by {@link dev.ember.ao.quantization.Quantization#convert} from a
 * prepared {@link dev.ember.nn.Linear}, or {@link #fromFloat}.
 */
public class Linear extends QuantizedOutput {
    private final int in;
    private final int out;
    private QuantizedTensor weight;
    private Tensor bias;
    private QuantizedOps.PackedLinear packed;

    /**
     * {@code Linear(in_features, out_features, bias_=True, dtype=torch.qint8)}: a zero weight (scale 1, zero point 0),
     * a zero bias, output scale 1 and zero point 0.
     *
     * @param in input features
     * @param out output features
     * @param bias whether the layer has a bias
     */
    public Linear(int in, int out, boolean bias) {
        if (in < 0 || out < 0) {
            throw new IllegalArgumentException("Trying to create tensor with negative dimension "
                    + (out < 0 ? out : in) + ": [" + out + ", " + in + "]");
        }
        this.in = in;
        this.out = out;
        try (GradMode off = Ember.noGrad()) {
            setWeightBias(QuantizedTensor.quantizePerTensor(Tensor.zeros(DType.FLOAT32, out, in), 1.0, 0,
                QuantDType.QINT8), bias ? Tensor.zeros(DType.FLOAT32, out) : null);
        }
    }

    /**
     * {@code nnq.Linear.from_float(mod)} for a prepared layer: the weight quantized with a fresh weight observer of the
     * layer's qconfig (given here, run on the weight), the output's scale and zero point from the layer's
     * {@code activation_post_process}.
     *
     * @param mod the float layer
     * @param weightObserver a fresh weight observer ({@code qconfig.weight()})
     * @param activationObserver the layer's output observer, after calibration
     * @return the quantized layer
     * @throws IllegalArgumentException for a weight observer that is not qint8 (PyTorch's message)
     */
    public static Linear fromFloat(dev.ember.nn.Linear mod, ObserverOrFakeQuantize weightObserver,
                                   ObserverOrFakeQuantize activationObserver) {
        return fromFloat(mod, weightObserver, activationObserver, new Linear(mod.inFeatures(), mod.outFeatures(),
            mod.namedParameters().get("bias") != null));
    }

    /**
     * {@link #fromFloat(dev.ember.nn.Linear, ObserverOrFakeQuantize, ObserverOrFakeQuantize)} into {@code q}, a new layer of the float
     * layer's sizes (a subclass's).
     *
     * @param mod the float layer
     * @param weightObserver a fresh weight observer
     * @param activationObserver the output observer
     * @param q the new layer
     * @param <L> its class
     * @return {@code q}
     */
    protected static <L extends Linear> L fromFloat(dev.ember.nn.Linear mod, ObserverOrFakeQuantize weightObserver,
                                                    ObserverOrFakeQuantize activationObserver, L q) {
        if (weightObserver.dtype() != QuantDType.QINT8) {
            throw new IllegalArgumentException("Weight observer must have dtype torch.qint8");
        }
        Tensor w = mod.getParameter("weight");
        Tensor b = mod.namedParameters().get("bias");
        try (GradMode off = Ember.noGrad()) {
            q.setWeightBias(quantizeWeight(w, weightObserver), b);
            q.setOutputQParams(activationObserver);
        }
        return q;
    }

    /**
     * {@code nnq.Linear.from_float(mod)} of a trained {@link dev.ember.ao.nn.intrinsic.qat.LinearBn1d}:
     * {@code fuse_linear_bn_weights} of the weight, bias and the batch norm's running statistics and affine parameters
     * (always a bias), then quantized with the layer's {@code weight_fake_quant} (run on the folded weight first, as
     * PyTorch's {@code weight_post_process(mod.weight)}).
     *
     * @param mod the trained QAT layer, in eval mode
     * @param activationObserver its {@code activation_post_process}
     * @return the quantized layer
     * @throws IllegalArgumentException for a weight fake quantizer that gives no dtype or is not qint8
     */
    public static Linear fromLinearBn(dev.ember.ao.nn.intrinsic.qat.LinearBn1d mod,
                                      ObserverOrFakeQuantize activationObserver) {
        if (!(mod.weightFakeQuant() instanceof ObserverOrFakeQuantize w)) {
            throw new IllegalArgumentException("convert: the weight_fake_quant of a LinearBn1d gives no dtype and scheme");
        }
        if (w.dtype() != QuantDType.QINT8) {
            throw new IllegalArgumentException("Weight observer must have dtype torch.qint8");
        }
        dev.ember.nn.BatchNorm1d bn = mod.bn();
        try (GradMode off = Ember.noGrad()) {
            dev.ember.nn.utils.Fusion.FusedWeights f = dev.ember.nn.utils.Fusion.fuseLinearBnWeights(
                mod.getParameter("weight"), mod.namedParameters().get("bias"), bn.runningMean(), bn.runningVar(),
                dev.ember.nn.ModuleInternals.normEps(bn), dev.ember.nn.ModuleInternals.getAttr(bn, "weight"),
                dev.ember.nn.ModuleInternals.getAttr(bn, "bias"));
            Linear q = new Linear(mod.inFeatures(), mod.outFeatures(), true);
            q.setWeightBias(quantizeWeight(f.weight(), w), f.bias().detach());
            q.setOutputQParams(activationObserver);
            return q;
        }
    }

    /** PyTorch's {@code _quantize_weight}: the observer run on the float weight, then per tensor or per channel. */
    static QuantizedTensor quantizeWeight(Tensor weight, ObserverOrFakeQuantize observer) {
        if (!(observer instanceof Module m)) {
            throw new IllegalArgumentException("the weight's observer must be a module");
        }
        Tensor w = weight.detach().to(dev.ember.Device.CPU).to(DType.FLOAT32);
        m.apply(w);
        QParams p = observer.calculateQparams();
        if (observer.qscheme().isPerChannel()) {
            return QuantizedTensor.quantizePerChannel(w, p.scale().to(DType.FLOAT64), p.zeroPoint().to(DType.INT64),
                observer.chAxis(), QuantDType.QINT8);
        }
        return QuantizedTensor.quantizePerTensor(w, p.scale().to(DType.FLOAT32).item(),
            (long) p.zeroPoint().to(DType.INT64).item(), QuantDType.QINT8);
    }

    /**
     * {@code set_weight_bias(w, b)}.
     *
     * @param weight qint8 {@code [out_features, in_features]}, per tensor or per channel along axis 0
     * @param bias float {@code [out_features]}, or null
     * @throws IllegalArgumentException for another type or shape (FBGEMM's messages)
     */
    public void setWeightBias(QuantizedTensor weight, Tensor bias) {
        if (weight == null) {
            throw new IllegalArgumentException("set_weight_bias: the weight must not be null");
        }
        Tensor b = bias == null ? null : bias.detach().to(dev.ember.Device.CPU).to(DType.FLOAT32).clone();
        QuantizedOps.PackedLinear p = checkedPack(weight, b);
        this.weight = weight;
        this.bias = b;
        this.packed = p;
    }

    /** The weight (checked against the layer's shape) and bias packed, the layer unchanged. */
    private QuantizedOps.PackedLinear checkedPack(QuantizedTensor weight, Tensor bias) {
        if (!Arrays.equals(weight.shape(), new int[] {out, in})) {
            throw new IllegalArgumentException("weight of shape " + Arrays.toString(weight.shape())
                    + " does not fit a layer of in_features=" + in + ", out_features=" + out);
        }
        Tensor b = bias == null ? null : bias.detach().to(dev.ember.Device.CPU).to(DType.FLOAT32);
        return QuantizedOps.linearPrepack(weight, b);
    }

    /** {@code weight()}: the quantized weight. */
    public QuantizedTensor weight() {
        return weight;
    }

    /** {@code bias()}: the float bias (a copy), or null. */
    public Tensor bias() {
        return bias == null ? null : bias.clone();
    }

    /** {@code in_features}. */
    public int inFeatures() {
        return in;
    }

    /** {@code out_features}. */
    public int outFeatures() {
        return out;
    }

    /**
     * {@code torch.ops.quantized.linear(x, packed, scale, zero_point)}.
     *
     * @param x a quint8 quantized activation
     * @return the quantized activation
     * @throws UnsupportedOperationException for a float input (PyTorch's message)
     */
    @Override
    public Tensor forward(Tensor x) {
        Activations.check(x, fusedRelu() ? "quantized::linear_relu" : "quantized::linear");
        return QuantizedActivations.linear(x, packed, scale(), zeroPoint(), fusedRelu());
    }

    /** Whether a ReLU is fused ({@code quantized::linear_relu}): false here. */
    protected boolean fusedRelu() {
        return false;
    }

    /** PyTorch's {@code _version} 3: the weight and bias as {@code _packed_params._packed_params}. */
    @Override
    protected long stateVersion() {
        return 3;
    }

    @Override
    public Map<String, Long> stateVersions() {
        Map<String, Long> v = super.stateVersions();
        v.put("_packed_params", 3L); // LinearPackedParams, a submodule in PyTorch
        return v;
    }

    @Override
    protected List<String> ownStateKeys(Map<String, Long> versions, Set<String> present) {
        return switch (packedForm(versions, present)) {
            case 1 -> List.of("weight", "bias");
            case 2 -> List.of("_packed_params.dtype", "_packed_params.weight", "_packed_params.bias");
            default -> List.of("_packed_params.dtype", "_packed_params._packed_params");
        };
    }

    /**
     * The form of the weight and bias PyTorch's loaders read: 1 ({@code weight}, {@code bias} at the layer: nnq.Linear
     * before version 2, or no version), 2 ({@code _packed_params.weight}, {@code .bias}, {@code .dtype}: packed
     * params before version 3), else 3. Without versions the keys that are there tell.
     */
    private static int packedForm(Map<String, Long> versions, Set<String> present) {
        Long layer = versions.get("");
        Long packed = versions.get("_packed_params");
        if (layer == null && packed == null) {
            return present.contains("_packed_params._packed_params") ? 3
                    : present.contains("_packed_params.weight") ? 2 : present.contains("weight") ? 1 : 3;
        }
        if (layer == null || layer == 1) {
            return 1;
        }
        return packed == null || packed < 3 ? 2 : 3;
    }

    @Override
    protected Runnable loadOwnState(Map<String, Object> entries, Map<String, Long> versions) {
        int form = packedForm(versions, entries.keySet());
        Object w;
        Object b;
        if (form == 3) {
            Object pair = entries.get("_packed_params._packed_params");
            if (!(pair instanceof List<?> l) || l.size() != 2) {
                throw new IllegalArgumentException("the entry '_packed_params._packed_params' must be the pair (weight, "
                        + "bias), got " + QuantizedState.describe(pair));
            }
            w = l.get(0);
            b = l.get(1);
        } else {
            w = entries.get(form == 1 ? "weight" : "_packed_params.weight");
            b = entries.get(form == 1 ? "bias" : "_packed_params.bias");
        }
        if (form != 1 && entries.get("_packed_params.dtype") != QuantDType.QINT8) {
            throw new IllegalArgumentException("the entry '_packed_params.dtype' must be torch.qint8 for a statically "
                    + "quantized Linear, got " + QuantizedState.describe(entries.get("_packed_params.dtype")));
        }
        if (!(w instanceof QuantizedTensor qw)) {
            throw new IllegalArgumentException("the weight must be a qint8 quantized Tensor, got " + QuantizedState.describe(w));
        }
        if (b != null && !(b instanceof Tensor)) {
            throw new IllegalArgumentException("the bias must be a Tensor or None, got " + QuantizedState.describe(b));
        }
        Tensor bias = (Tensor) b;
        if (bias != null && (bias.dim() != 1 || bias.size(0) != out || !bias.dtype().isFloatingPoint())) {
            throw new IllegalArgumentException("the bias must be a float Tensor of shape [" + out + "], got "
                    + QuantizedState.describe(bias));
        }
        Tensor bf = bias == null ? null : bias.detach().to(dev.ember.Device.CPU).to(DType.FLOAT32).clone();
        QuantizedOps.PackedLinear p = checkedPack(qw, bf);
        return () -> {
            this.weight = qw;
            this.bias = bf;
            this.packed = p;
        };
    }

    /**
     * After {@code scale} and {@code zero_point}, PyTorch's {@code LinearPackedParams} child: {@code _packed_params.dtype}
     * ({@code torch.qint8}) and {@code _packed_params._packed_params}, the tuple {@code (weight, bias)}.
     */
    @Override
    protected void saveTrailingState(Map<String, Object> out) {
        out.put("_packed_params.dtype", QuantDType.QINT8);
        out.put("_packed_params._packed_params", dev.ember.nn.TorchSerialization.tuple(weight, bias == null ? null
            : bias.clone()));
    }

    @Override
    protected String moduleName() {
        return fusedRelu() ? "QuantizedLinearReLU" : "QuantizedLinear";
    }

    @Override
    public String extraRepr() {
        return "in_features=" + in + ", out_features=" + out + ", scale=" + Format.repr(scale()) + ", zero_point="
                + zeroPoint() + ", qscheme=" + weight.qscheme();
    }
}
