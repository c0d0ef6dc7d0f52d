package dev.ember.backend;

import dev.ember.BFloat16;
import dev.ember.DType;
import dev.ember.Half;

/**
 * The dropout mask of the fused attention ({@link Backend#attention} with {@code dropoutP > 0}), defined so that the
 * kernels drop exactly the attention weights that {@code dropout(softmax(...))} of the composition drops from the same
 * generator state: element {@code idx = ((b * H + h) * L + i) * S + j} of the [B, H, L, S] weights of type {@code t}
 * (the query's type) is kept iff {@code uniform(t, Philox.block(seed, offset + idx)) >= threshold(t, p)}, the uniform
 * drawn exactly as the random fill draws UNIFORM(0, 1) for {@code t} and {@code p} rounded to {@code t} as the
 * composition's {@code rand(...) >= p} compares it; a kept weight is multiplied by {@link #scale}, a dropped one by 0.
 */
public final class AttentionDropout {
    private AttentionDropout() {
    }

    /** {@code p} as the composition's {@code u >= p} compares it: rounded to {@code t} (float64: as it is). */
    public static double threshold(DType t, double p) {
        switch (t) {
            case FLOAT64:
                return p;
            case FLOAT16:
                return Half.toFloat(Half.fromFloat((float) p));
            case BFLOAT16:
                return BFloat16.toFloat(BFloat16.fromFloat((float) p));
            default:
                return (float) p;
        }
    }

    /** The factor of a kept weight, {@code 1 / (1 - p)} (as a float for every type but float64, as the kernels use it). */
    public static double scale(DType t, double p) {
        double s = 1 / (1 - p);
        return t == DType.FLOAT64 ? s : (float) s;
    }

    /**
     * UNIFORM(0, 1) of type {@code t} from a Philox block's first two words, as the random fill computes it: float32 24
     * bits, float64 53 bits, float16 11 bits, bfloat16 8 bits.
     */
    public static double uniform(DType t, int w0, int w1) {
        switch (t) {
            case FLOAT64:
                return Philox.uniformDouble(w0, w1);
            case FLOAT16:
                return (w0 >>> 21) * 0x1.0p-11;
            case BFLOAT16:
                return (w0 >>> 24) * 0x1.0p-8;
            default:
                return Philox.uniformFloat(w0);
        }
    }

    /** nn.cu's code of a mask type: 1 float32, 2 float64, 3 float16, 4 bfloat16. */
    public static int kind(DType t) {
        switch (t) {
            case FLOAT64:
                return 2;
            case FLOAT16:
                return 3;
            case BFLOAT16:
                return 4;
            default:
                return 1;
        }
    }

    /**
     * The factor of element {@code idx} of the weights: {@code scale} when kept, 0 when dropped ({@code words} is
     * scratch of 4 ints).
     */
    public static double factor(DType t, long seed, long offset, long idx, double threshold, double scale, int[] words) {
        Philox.block(seed, offset + idx, words);
        return uniform(t, words[0], words[1]) >= threshold ? scale : 0;
    }
}
