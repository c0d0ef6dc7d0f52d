package dev.ember;

/**
 * Bit conversions of brain floats ({@link DType#BFLOAT16}, PyTorch's {@code c10::BFloat16}), held in a {@code short}:
 * the top 16 bits of a float32 (1 sign, 8 exponent and 7 mantissa bits). Float to bfloat16 rounds to nearest, ties to
 * even (overflowing to an infinity, subnormals kept), and every NaN becomes {@code 0x7FC0}, as c10's
 * {@code round_to_nearest_even} (c10/util/BFloat16.h). Bfloat16 to float is exact.
 */
public final class BFloat16 {
    private BFloat16() {
    }

    /** The largest finite bfloat16, about 3.3895e38. */
    public static final float MAX_VALUE = Float.intBitsToFloat(0x7F7F0000);

    /** The bfloat16 nearest to {@code f} (ties to even; NaN to {@code 0x7FC0}), as {@code c10::BFloat16(float)}. */
    public static short fromFloat(float f) {
        if (f != f) {
            return (short) 0x7FC0;
        }
        int u = Float.floatToRawIntBits(f);
        int roundingBias = ((u >>> 16) & 1) + 0x7FFF;
        return (short) ((u + roundingBias) >>> 16);
    }

    /** The bfloat16 nearest to a double, through float32 as PyTorch converts a double (two roundings, as C++ does). */
    public static short fromDouble(double d) {
        return fromFloat((float) d);
    }

    /** The float32 value of a bfloat16 (exact): its bits are float32's top half. */
    public static float toFloat(short b) {
        return Float.intBitsToFloat((b & 0xFFFF) << 16);
    }
}
