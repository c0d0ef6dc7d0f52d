package dev.ember.ao.nn.quantized;

import dev.ember.DType;
import dev.ember.QuantizedActivations;
import dev.ember.Tensor;
import dev.ember.ao.quantization.QuantDType;
import dev.ember.ao.quantization.QuantizedTensor;
import dev.ember.nn.Module;

/**
 * {@code torch.ao.nn.quantized.ReLU6}: {@code quantized::relu6} on a quantized activation, what
 * {@link dev.ember.ao.quantization.Quantization#convert} makes of a {@link dev.ember.nn.ReLU6}: the integers clamped to
 * [zero point, {@code quantize_val(scale, zero_point, 6.0)}], the input's scale and zero point kept. With
 * {@code inplace} PyTorch overwrites its input; Ember returns a new quantized activation either way.
 */
public class ReLU6 extends Module {
    private final boolean inplace;

    /**
     * {@code ReLU6(inplace)}.
     *
     * @param inplace PyTorch's flag (printed)
     */
    public ReLU6(boolean inplace) {
        this.inplace = inplace;
    }

    /**
     * The clamped activation.
     *
     * @param x a quantized activation
     * @return the result, a quantized activation
     * @throws UnsupportedOperationException for a float input (PyTorch's message)
     */
    @Override
    public Tensor forward(Tensor x) {
        QuantizedTensor q = Activations.input(x, "quantized::relu6");
        long zp = q.qZeroPoint();
        // quantize_val(scale, zero_point, 6.0): zero_point + rint(6 * (1 / scale)) in float, clamped to the type
        float inv = 1.0f / (float) q.qScale();
        long six = Math.max(q.dtype().min(), Math.min(q.dtype().max(), zp + (long) Math.rint(6.0f * inv)));
        long[] ints = q.intRepr().to(DType.INT64).toLongArray();
        for (int i = 0; i < ints.length; i++) {
            ints[i] = Math.min(Math.max(ints[i], zp), six);
        }
        Tensor t = Tensor.fromArray(ints).to(q.dtype() == QuantDType.QUINT8 ? DType.UINT8 : DType.INT8)
            .reshape(q.shape());
        return QuantizedActivations.carrier(QuantizedTensor.makePerTensorQuantizedTensor(t, q.qScale(), zp));
    }

    @Override
    protected String moduleName() {
        return "QuantizedReLU6";
    }

    @Override
    public String extraRepr() {
        return inplace ? "inplace=True" : "";
    }
}
