package dev.ember.ao.nn.quantized.dynamic;

import dev.ember.DType;
import dev.ember.QuantizedOps;
import dev.ember.Tensor;
import dev.ember.ao.quantization.DynamicQConfig;
import dev.ember.ao.quantization.QuantizedTensor;

/**
 * One weight of a dynamically quantized recurrent layer or cell with its bias, packed once: qint8 (FBGEMM's
 * {@code quantized::linear_dynamic}, {@link QuantizedOps#linearDynamic}) or float16 (its
 * {@code fbgemm_linear_fp16_weight_fp32_activation}: the weight saturated to float16's range and rounded to float16
 * once, {@code x W^T} in float32, then the bias added; FBGEMM's fp16 GEMM sums in another order, so results agree to
 * float32 rounding).
 */
final class Projection {
    /** The qint8 weight, or null for a float16 one. */
    final QuantizedTensor qweight;
    private final QuantizedOps.PackedLinear packed;
    /** A float16 weight's float32 values, transposed (the GEMM operand), or null for a qint8 one. */
    private final Tensor halfTransposed;
    private final Tensor bias;

    private Projection(QuantizedTensor qweight, QuantizedOps.PackedLinear packed, Tensor halfTransposed, Tensor bias) {
        this.qweight = qweight;
        this.packed = packed;
        this.halfTransposed = halfTransposed;
        this.bias = bias;
    }

    /** A float weight and bias packed as {@code qconfig} says; call without gradients. */
    static Projection of(Tensor weight, Tensor bias, DynamicQConfig qconfig) {
        if (qconfig == DynamicQConfig.FLOAT16) {
            Tensor b = bias == null ? null : bias.detach().to(dev.ember.Device.CPU).to(DType.FLOAT32).clone();
            return new Projection(null, null, Linear.halfValues(weight).t(), b);
        }
        QuantizedTensor q = Linear.quantizeWeight(weight, qconfig);
        return new Projection(q, QuantizedOps.linearPrepack(q, bias), null, null);
    }

    /** Whether the weight is float16. */
    boolean isFloat16() {
        return halfTransposed != null;
    }

    /** A float16 weight's values as float32, {@code [out, in]}: a copy. */
    Tensor float16Weight() {
        return halfTransposed.t().clone();
    }

    /** {@code x W^T + b}; call without gradients. */
    Tensor apply(Tensor x) {
        if (halfTransposed == null) {
            return QuantizedOps.linearDynamic(x, packed);
        }
        Tensor y = x.detach().matmul(halfTransposed);
        return bias == null ? y : y.add(bias);
    }
}
