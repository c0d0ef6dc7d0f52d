package dev.ember.ao.nn.quantized;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.QuantizedActivations;
import dev.ember.Tensor;
import dev.ember.ao.quantization.ObserverOrFakeQuantize;
import dev.ember.ao.quantization.QParams;
import dev.ember.ao.quantization.QScheme;
import dev.ember.ao.quantization.QuantDType;
import dev.ember.ao.quantization.QuantizedTensor;
import dev.ember.nn.Module;

/**
 * {@code torch.ao.nn.quantized.PReLU}: {@code quantized::prelu} on a quantized activation with a quint8 weight (one
 * slope, or one per channel of dimension 1), requantized to the module's scale and zero point; what
 * {@link dev.ember.ao.quantization.Quantization#convert} makes of a {@link dev.ember.nn.PReLU}. Like PyTorch's, its
 * weight, scale and zero point are plain attributes: its state dict has no entries.
 */
public class PReLU extends QuantizedOutput {
    private final int numParameters;
    private volatile QuantizedTensor weight;

    /**
     * {@code PReLU(output_scale, output_zero_point, num_parameters)} with the weight {@code weight}.
     *
     * @param scale the output's scale
     * @param zeroPoint the output's zero point, in [0, 255]
     * @param weight quint8, per tensor, of {@code num_parameters} elements
     * @throws IllegalArgumentException for another weight type
     */
    public PReLU(double scale, long zeroPoint, QuantizedTensor weight) {
        setOutputQParams(scale, zeroPoint);
        this.numParameters = weight == null ? 0 : (int) numel(weight);
        setWeight(weight);
    }

    private static long numel(QuantizedTensor w) {
        long n = 1;
        for (int d : w.shape()) {
            n *= d;
        }
        return n;
    }

    /**
     * {@code PReLU.from_float(mod)} as PyTorch 2.x's: the output parameters from the layer's observer; the weight
     * observer run on the float weight (1.13's never ran it, quantizing with scale 1 and zero point 0), the weight
     * quantized to quint8 with its scale and zero point (a qint8 observer's parameters too, as PyTorch's, which warns;
     * a negative slope then quantizes to 0).
     *
     * @param mod the float layer
     * @param weightObserver a fresh weight observer ({@code qconfig.weight()})
     * @param activationObserver the layer's output observer, after calibration
     * @return the quantized layer
     */
    public static PReLU fromFloat(dev.ember.nn.PReLU mod, ObserverOrFakeQuantize weightObserver,
                                  ObserverOrFakeQuantize activationObserver) {
        if (!(weightObserver instanceof Module obs)) {
            throw new IllegalArgumentException("PReLU.from_float: the weight observer must be a module");
        }
        try (GradMode off = Ember.noGrad()) {
            Tensor w = mod.getParameter("weight").detach().to(dev.ember.Device.CPU).to(DType.FLOAT32);
            obs.apply(w);
            QParams p = weightObserver.calculateQparams();
            QuantizedTensor qw = QuantizedTensor.quantizePerTensor(w, p.scale().to(DType.FLOAT32).item(),
                (long) p.zeroPoint().to(DType.INT64).item(), QuantDType.QUINT8);
            PReLU q = new PReLU(1.0, 0, qw);
            q.setOutputQParams(activationObserver);
            return q;
        }
    }

    /**
     * {@code set_weight(w)}.
     *
     * @param w quint8, per tensor, of {@code num_parameters} elements
     * @throws IllegalArgumentException for another type or size
     */
    public void setWeight(QuantizedTensor w) {
        if (w == null || w.dtype() != QuantDType.QUINT8 || w.qscheme() != QScheme.PER_TENSOR_AFFINE
                || numel(w) != numParameters) {
            throw new IllegalArgumentException("quantized PReLU: the weight must be a quint8 per-tensor quantized Tensor "
                    + "of " + numParameters + " elements");
        }
        this.weight = w;
    }

    /** The quint8 weight. */
    public QuantizedTensor weight() {
        return weight;
    }

    /**
     * {@code torch.ops.quantized.prelu(x, weight, output_scale, output_zero_point)}, PyTorch's
     * {@code qprelu_out_kernel}: the integer sum {@code max(qx - zx, 0) * (q1 - zw) + min(qx - zx, 0) * (qw - zw)}
     * ({@code q1} the weight's quantization of 1.0), then {@code output_zero_point + rint(sum * multiplier)} clamped to
     * quint8, {@code multiplier = x_scale * w_scale * (1 / output_scale)} in float.
     *
     * @param x per-tensor quint8, at least 1 dimension; a weight of more than one element is along dimension 1
     * @param weight per-tensor quint8, one element or {@code x.size(1)}
     * @param outputScale the output's scale
     * @param outputZeroPoint the output's zero point, in [0, 255]
     * @return the result, of {@code x}'s shape
     * @throws IllegalArgumentException for a 0-d input, another type, a weight of another size
     */
    public static QuantizedTensor prelu(QuantizedTensor x, QuantizedTensor weight, double outputScale,
                                        long outputZeroPoint) {
        if (x == null || weight == null) {
            throw new IllegalArgumentException("quantized::prelu: the input and weight must not be null");
        }
        int[] shape = x.shape();
        if (shape.length == 0) {
            throw new IllegalArgumentException("qprelu: zero-dim input tensor is not allowed.");
        }
        if (x.dtype() != QuantDType.QUINT8 || x.qscheme() != QScheme.PER_TENSOR_AFFINE
                || weight.dtype() != QuantDType.QUINT8 || weight.qscheme() != QScheme.PER_TENSOR_AFFINE) {
            throw new IllegalArgumentException("quantized::prelu: Ember computes quint8 per-tensor inputs and weights");
        }
        long c = numel(weight);
        if (c != 1 && (shape.length < 2 || shape[1] != c)) {
            throw new IllegalArgumentException("Mismatch of parameter numbers and input channel size. Found parameter "
                    + "numbers = " + c + " and channel size = " + (shape.length < 2 ? 1 : shape[1]) + ".");
        }
        float xScale = (float) x.qScale();
        long xZp = x.qZeroPoint();
        float wScale = (float) weight.qScale();
        long wZp = weight.qZeroPoint();
        float multiplier = xScale * wScale * (1.0f / (float) outputScale);
        long one = Math.max(0, Math.min(255, wZp + (long) Math.rint(1.0f * (1.0f / wScale))));
        long[] w = weight.intRepr().to(DType.INT64).toLongArray();
        long[] q = x.intRepr().to(DType.INT64).contiguous().toLongArray();
        int inner = 1;
        for (int i = 2; i < shape.length; i++) {
            inner *= shape[i];
        }
        long[] out = new long[q.length];
        for (int i = 0; i < q.length; i++) {
            long d = q[i] - xZp;
            long wi = c == 1 ? w[0] : w[(int) ((i / inner) % c)];
            long acc = Math.max(d, 0) * (one - wZp) + Math.min(d, 0) * (wi - wZp);
            long v = outputZeroPoint + (long) Math.rint((float) acc * multiplier);
            out[i] = Math.max(0, Math.min(255, v));
        }
        try (GradMode off = Ember.noGrad()) {
            Tensor ints = Tensor.fromArray(out).reshape(shape).to(DType.UINT8);
            return QuantizedTensor.makePerTensorQuantizedTensor(ints, outputScale, outputZeroPoint);
        }
    }

    /**
     * The activation.
     *
     * @param x a quantized activation
     * @return a quantized activation with the module's scale and zero point
     * @throws IllegalArgumentException for a float input (PyTorch's message: its kernel makes the output from the
     *     input's type)
     */
    @Override
    public Tensor forward(Tensor x) {
        if (x != null && !QuantizedActivations.isQuantized(x)) {
            throw new IllegalArgumentException("Creation of quantized tensor requires quantized dtype like torch.quint8 "
                    + "(Ember: quantized::prelu got a float tensor: quantize it first, with a QuantStub before the layer)");
        }
        return QuantizedActivations.carrier(prelu(Activations.input(x, "quantized::prelu"), weight, scale(),
            zeroPoint()));
    }

    @Override
    protected String moduleName() {
        return "QuantizedPReLU";
    }

    /** None: PyTorch keeps the output's scale and zero point as plain attributes, outside the state dict. */
    @Override
    protected int[] outputQParamsShape() {
        return null;
    }
}
