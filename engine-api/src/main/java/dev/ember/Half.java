package dev.ember;

/**
 * Bit conversions of IEEE half-precision floats ({@link DType#FLOAT16}, PyTorch's {@code c10::Half}), held in a
 * {@code short}: 1 sign bit, 5 exponent bits (bias 15), 10 mantissa bits. Float to half rounds to nearest, ties to
 * even, overflows to an infinity, keeps subnormals, and turns every NaN into the quiet NaN {@code 0x7E00} with the
 * sign kept, exactly as c10's {@code fp16_ieee_from_fp32_value} (c10/util/Half.h), which this ports step for step.
 * Half to float is exact (a NaN comes out quiet).
 */
public final class Half {
    private Half() {
    }

    /** The largest finite half, 65504. */
    public static final float MAX_VALUE = 65504f;

    private static final float SCALE_TO_INF = Float.intBitsToFloat(0x77800000); // 2^112
    private static final float SCALE_TO_ZERO = Float.intBitsToFloat(0x08800000); // 2^-110

    /** The half nearest to {@code f} (ties to even), as {@code c10::Half(float)}. */
    public static short fromFloat(float f) {
        float base = (Math.abs(f) * SCALE_TO_INF) * SCALE_TO_ZERO;
        int w = Float.floatToRawIntBits(f);
        int shl1W = w + w;
        int sign = w & 0x80000000;
        int bias = shl1W & 0xFF000000;
        if (Integer.compareUnsigned(bias, 0x71000000) < 0) {
            bias = 0x71000000;
        }
        base = Float.intBitsToFloat((bias >>> 1) + 0x07800000) + base;
        int bits = Float.floatToRawIntBits(base);
        int expBits = (bits >>> 13) & 0x00007C00;
        int mantissaBits = bits & 0x00000FFF;
        int nonsign = expBits + mantissaBits;
        return (short) ((sign >>> 16) | (Integer.compareUnsigned(shl1W, 0xFF000000) > 0 ? 0x7E00 : nonsign));
    }

    /** The half nearest to a double, through float32 as PyTorch converts a double (two roundings, as C++ does). */
    public static short fromDouble(double d) {
        return fromFloat((float) d);
    }

    /** The float32 value of a half (exact), as {@code fp16_ieee_to_fp32_value}. */
    public static float toFloat(short h) {
        int bits = h & 0xFFFF;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1F;
        int mant = bits & 0x3FF;
        if (exp == 0x1F) {
            // infinities; NaNs keep their payload in float32's top mantissa bits and come out quiet, as c10's
            // conversion (its float multiply quiets a signaling NaN) and x86's vcvtph2ps do
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13) | (mant != 0 ? 0x00400000 : 0));
        }
        if (exp == 0) {
            if (mant == 0) {
                return Float.intBitsToFloat(sign);
            }
            // a subnormal: mant * 2^-24, exact in float32
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }
}
