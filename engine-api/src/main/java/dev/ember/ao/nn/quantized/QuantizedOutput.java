package dev.ember.ao.nn.quantized;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.ao.quantization.ObserverOrFakeQuantize;
import dev.ember.ao.quantization.QParams;
import dev.ember.nn.Module;

/**
 * A statically quantized module whose output is quint8 with a scale and zero point of its own (PyTorch's
 * {@code self.scale} and {@code self.zero_point}), set at {@code convert} from the float module's observer.
 */
public abstract class QuantizedOutput extends Module {
    private double scale = 1.0;
    private long zeroPoint;

    /** Output scale 1, zero point 0. */
    protected QuantizedOutput() {
    }

    /** The output's scale. */
    public double scale() {
        return scale;
    }

    /** The output's zero point. */
    public long zeroPoint() {
        return zeroPoint;
    }

    /**
     * Sets the output's scale and zero point ({@code self.scale = ...; self.zero_point = ...}).
     *
     * @param scale the scale
     * @param zeroPoint the zero point, in [0, 255]
     * @throws IllegalArgumentException for a zero point outside quint8's range
     */
    public void setOutputQParams(double scale, long zeroPoint) {
        if (zeroPoint < 0 || zeroPoint > 255) {
            throw new IllegalArgumentException("zero_point " + zeroPoint + " is outside torch.quint8's range");
        }
        this.scale = scale;
        this.zeroPoint = zeroPoint;
    }

    /**
     * The output's scale and zero point from an observer's {@code calculate_qparams()}, as {@code from_float}'s
     * {@code float(scale)} and {@code int(zero_point)}.
     *
     * @param observer the float module's {@code activation_post_process}
     */
    protected final void setOutputQParams(ObserverOrFakeQuantize observer) {
        try (GradMode off = Ember.noGrad()) {
            QParams p = observer.calculateQparams();
            setOutputQParams(p.scale().to(DType.FLOAT32).item(), (long) p.zeroPoint().to(DType.INT64).item());
        }
    }
}
