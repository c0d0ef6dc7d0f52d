package dev.ember.ao.nn.quantized;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.QuantizedActivations;
import dev.ember.Tensor;
import dev.ember.ao.quantization.ObserverOrFakeQuantize;
import dev.ember.ao.quantization.QParams;
import dev.ember.ao.quantization.QuantDType;
import dev.ember.nn.Module;

/**
 * {@code torch.ao.nn.quantized.Quantize}: quantizes a float input per tensor with a fixed scale and zero point (what a
 * {@link dev.ember.ao.quantization.QuantStub} becomes at {@code convert}); its output is a quantized activation
 * ({@link QuantizedActivations}). Buffers {@code scale} (float32 [1]) and {@code zero_point} (int64 [1]).
 */
public class Quantize extends Module {
    private final QuantDType dtype;
    private final Tensor scale;
    private final Tensor zeroPoint;

    /**
     * {@code Quantize(scale, zero_point, dtype)}.
     *
     * @param scale the scale
     * @param zeroPoint the zero point
     * @param dtype quint8 or qint8
     * @throws IllegalArgumentException for another dtype, or a zero point outside its range
     */
    public Quantize(double scale, long zeroPoint, QuantDType dtype) {
        if (dtype != QuantDType.QUINT8 && dtype != QuantDType.QINT8) {
            throw new IllegalArgumentException("Quantize: dtype must be torch.quint8 or torch.qint8, got " + dtype);
        }
        if (zeroPoint < dtype.min() || zeroPoint > dtype.max()) {
            throw new IllegalArgumentException("Quantize: zero_point " + zeroPoint + " is outside " + dtype + "'s range");
        }
        this.dtype = dtype;
        try (GradMode off = Ember.noGrad()) {
            this.scale = registerBuffer("scale", Tensor.tensor(new float[] {(float) scale}));
            this.zeroPoint = registerBuffer("zero_point", Tensor.tensor(new long[] {zeroPoint}));
        }
    }

    /**
     * {@code Quantize.from_float(mod)}: the scale and zero point from the observer a prepared
     * {@link dev.ember.ao.quantization.QuantStub} holds as {@code activation_post_process}.
     *
     * @param observer the stub's observer
     * @return the module
     */
    public static Quantize fromObserver(ObserverOrFakeQuantize observer) {
        QParams p = observer.calculateQparams();
        return new Quantize(p.scale().to(DType.FLOAT32).item(), (long) p.zeroPoint().to(DType.INT64).item(),
            observer.dtype());
    }

    /** The dtype of the output. */
    public QuantDType dtype() {
        return dtype;
    }

    /** The scale, as {@code float(self.scale)}. */
    public double scale() {
        return scale.item();
    }

    /** The zero point. */
    public long zeroPoint() {
        return (long) zeroPoint.item();
    }

    /**
     * {@code torch.quantize_per_tensor(x, float(self.scale), int(self.zero_point), self.dtype)}.
     *
     * @param x float32
     * @return the quantized activation
     * @throws IllegalArgumentException for a non-float32 input (PyTorch's message)
     */
    @Override
    public Tensor forward(Tensor x) {
        return QuantizedActivations.quantize(x, scale(), zeroPoint(), dtype);
    }

    @Override
    public String extraRepr() {
        return "scale=" + scale + ", zero_point=" + zeroPoint + ", dtype=" + dtype;
    }
}
