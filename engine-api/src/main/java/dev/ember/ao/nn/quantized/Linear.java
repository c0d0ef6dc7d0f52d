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
        if (!Arrays.equals(weight.shape(), new int[] {out, in})) {
            throw new IllegalArgumentException("weight of shape " + Arrays.toString(weight.shape())
                    + " does not fit a layer of in_features=" + in + ", out_features=" + out);
        }
        Tensor b = bias == null ? null : bias.detach().to(dev.ember.Device.CPU).to(DType.FLOAT32).clone();
        QuantizedOps.PackedLinear p = QuantizedOps.linearPrepack(weight, b);
        this.weight = weight;
        this.bias = b;
        this.packed = p;
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

    @Override
    protected String unsavableReason() {
        return "a quantized Linear keeps PyTorch's packed parameters, which are not tensors: save the float model's "
                + "state dict and quantize after loading it";
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
