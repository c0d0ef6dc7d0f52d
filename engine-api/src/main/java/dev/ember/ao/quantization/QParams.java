package dev.ember.ao.quantization;

import dev.ember.Tensor;

/**
 * The quantization parameters an observer computes, PyTorch's {@code (scale, zero_point)} tuple: float32 scales and
 * the zero points (int32 for affine schemes, int64 for symmetric ones, float32 for float qparams), one each per tensor
 * ([1]) or per channel ([C]). Prints as the tuple.
 *
 * @param scale the scales
 * @param zeroPoint the zero points
 */
public record QParams(Tensor scale, Tensor zeroPoint) {
    @Override
    public String toString() {
        return "(" + scale + ", " + zeroPoint + ")";
    }
}
