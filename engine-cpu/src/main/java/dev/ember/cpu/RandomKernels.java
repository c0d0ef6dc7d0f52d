package dev.ember.cpu;

import dev.ember.DType;
import dev.ember.backend.Layout;
import dev.ember.backend.Philox;
import dev.ember.backend.RandomKind;

/**
 * Random fills from Philox 4x32-10: element {@code i} (row-major) of a layout uses counter {@code offset + i} under the
 * seed as key, so the result does not depend on the backend or on how the work is split. Kept bit for bit with the
 * CUDA kernel ({@code random_*} in ember_kernels.cu) for the kinds that kernel draws.
 */
final class RandomKernels {
    private RandomKernels() {
    }

    static void random(RandomKind kind, CpuStorage d, Layout layout, long seed, long offset, double a, double b) {
        int n = layout.numelInt();
        boolean direct = layout.isContiguous();
        CpuStorage flat = direct ? d : CpuStorage.allocate(d.dtype, n);
        int base = direct ? layout.offset() : 0;
        int[] words = new int[4];
        for (int i = 0; i < n; i++) {
            Philox.block(seed, offset + i, words);
            double v;
            switch (kind) {
                case UNIFORM:
                    if (HalfLoops.isHalf(d.dtype)) {
                        v = halfUniform(d.dtype, words[0], a, b);
                        break;
                    }
                    v = d.dtype == DType.FLOAT32 ? a + (b - a) * Philox.uniformFloat(words[0])
                            : a + (b - a) * Philox.uniformDouble(words[0], words[1]);
                    if (d.dtype == DType.FLOAT32 && (float) v >= b && b > a) { // [a, a) is a, as PyTorch
                        v = Math.nextDown((float) b); // rounding must not reach the open end
                    }
                    break;
                case NORMAL:
                    v = a + b * Philox.normal(words[0], words[1]);
                    break;
                case INTEGERS: {
                    long range = (long) b - (long) a;
                    long r = ((words[0] & 0xFFFFFFFFL) << 32) | (words[1] & 0xFFFFFFFFL);
                    flat.setLong(base + i, (long) a + Long.remainderUnsigned(r, range));
                    continue;
                }
                case EXPONENTIAL:
                    v = -Math.log1p(-Philox.uniformDouble(words[0], words[1])) / a;
                    break;
                default:
                    v = Philox.uniformDouble(words[0], words[1]) < a ? 1 : 0;
            }
            flat.setDouble(base + i, v);
        }
        if (!direct) {
            ElementwiseKernels.copy(flat, Layout.contiguous(layout.shape()), d, layout);
        }
    }

    /**
     * A uniform float16 or bfloat16 draw as PyTorch's {@code transformation::uniform_real}: the top {@code digits}
     * random bits (11 for float16, 8 for bfloat16) as a multiple of {@code 2^-digits} in [0, 1), scaled in float and
     * rounded once; a result that rounds up to {@code b} is moved below it (the interval is open at {@code b}).
     */
    private static double halfUniform(DType t, int word, double a, double b) {
        int digits = t == DType.FLOAT16 ? 11 : 8;
        float x = (word >>> (32 - digits)) * (1f / (1 << digits));
        float lo = HalfLoops.toFloat(t, HalfLoops.fromFloat(t, (float) a));
        float hi = HalfLoops.toFloat(t, HalfLoops.fromFloat(t, (float) b));
        float r = HalfLoops.toFloat(t, HalfLoops.fromFloat(t, x * (hi - lo) + lo));
        if (r >= hi && hi > lo) {
            short bits = HalfLoops.fromFloat(t, hi);
            // the largest value below hi: one step down in magnitude above zero, one step up below it
            r = HalfLoops.toFloat(t, hi == 0 ? (short) 0x8001 : (short) (hi > 0 ? bits - 1 : bits + 1));
        }
        return r;
    }
}
