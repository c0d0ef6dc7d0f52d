package dev.ember;

/**
 * Numerical properties of the element types, as {@code torch.finfo} and {@code torch.iinfo}, and the type queries
 * {@code torch.promote_types}, {@code torch.can_cast} and {@code torch.result_type}.
 */
public final class DTypeInfo {
    private DTypeInfo() {
    }

    /**
     * The properties of a floating type, as {@code torch.finfo}.
     *
     * @param bits the number of bits the type occupies
     * @param eps the difference between 1.0 and the next larger representable number
     * @param max the largest finite value
     * @param min the most negative finite value ({@code -max})
     * @param tiny the smallest positive normal number (the same as {@code smallestNormal})
     * @param smallestNormal the smallest positive normal number
     * @param resolution the approximate decimal resolution, {@code 10^-floor(-log10(eps))} (0.001 for float16)
     * @param dtype the type described
     */
    public record FInfo(int bits, double eps, double max, double min, double tiny, double smallestNormal,
                        double resolution, DType dtype) {
        /** Prints as PyTorch does: {@code finfo(resolution=1e-06, min=-3.40282e+38, ..., dtype=float32)}. */
        @Override
        public String toString() {
            return "finfo(resolution=" + g(resolution) + ", min=" + g(min) + ", max=" + g(max) + ", eps=" + g(eps)
                    + ", smallest_normal=" + g(smallestNormal) + ", tiny=" + g(tiny) + ", dtype="
                    + dtype.torchName().substring("torch.".length()) + ")";
        }
    }

    /**
     * The properties of an integer type, as {@code torch.iinfo}.
     *
     * @param bits the number of bits the type occupies
     * @param max the largest value (for uint64 its bits, -1: {@link #exactMax()} reads it as 18446744073709551615)
     * @param min the smallest value
     * @param dtype the type described
     */
    public record IInfo(int bits, long max, long min, DType dtype) {
        /**
         * Prints as PyTorch does: {@code iinfo(min=-128, max=127, dtype=int8)}; PyTorch streams the bounds as doubles
         * with six significant digits ({@code PyLong_AsDouble} into an ostream, 1.13 and 2.x), so int32's print as
         * {@code iinfo(min=-2.14748e+09, max=2.14748e+09, dtype=int32)}.
         */
        @Override
        public String toString() {
            double m = dtype == DType.UINT64 ? Unsigned.toDouble(max) : max;
            return "iinfo(min=" + g(min) + ", max=" + g(m) + ", dtype=" + dtype.torchName().substring("torch.".length())
                    + ")";
        }

        /** The largest value exactly, as Python's int: 18446744073709551615 for uint64. */
        public java.math.BigInteger exactMax() {
            return dtype == DType.UINT64 ? new java.math.BigInteger(Long.toUnsignedString(max))
                    : java.math.BigInteger.valueOf(max);
        }
    }

    /** C's {@code %g} with 6 significant digits (exact value, ties to even), as PyTorch's finfo repr prints numbers. */
    private static String g(double v) {
        if (v == 0) {
            return "0";
        }
        java.math.BigDecimal bd = new java.math.BigDecimal(v).round(new java.math.MathContext(6,
                java.math.RoundingMode.HALF_EVEN));
        int exp = bd.precision() - bd.scale() - 1;
        if (exp < -4 || exp >= 6) {
            java.math.BigDecimal mant = bd.movePointLeft(exp).stripTrailingZeros();
            String e = Math.abs(exp) < 10 ? "0" + Math.abs(exp) : String.valueOf(Math.abs(exp));
            return mant.toPlainString() + "e" + (exp < 0 ? "-" : "+") + e;
        }
        return bd.stripTrailingZeros().toPlainString();
    }

    /**
     * {@code torch.finfo(dtype)} of a floating type.
     *
     * @throws IllegalArgumentException for an integer or bool type, in PyTorch's words
     */
    public static FInfo finfo(DType dtype) {
        Args.require(dtype, "finfo", "type", 1, "torch.dtype");
        switch (dtype) {
            case FLOAT16:
                return new FInfo(16, 0x1p-10, 65504.0, -65504.0, 0x1p-14, 0x1p-14, 0.001, dtype);
            case BFLOAT16: {
                double max = Float.intBitsToFloat(0x7F7F0000);
                return new FInfo(16, 0x1p-7, max, -max, 0x1p-126, 0x1p-126, 0.01, dtype);
            }
            case FLOAT32:
                return new FInfo(32, Math.ulp(1.0f), Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_NORMAL, Float.MIN_NORMAL,
                        1e-6, dtype);
            case FLOAT64:
                return new FInfo(64, Math.ulp(1.0), Double.MAX_VALUE, -Double.MAX_VALUE, Double.MIN_NORMAL,
                        Double.MIN_NORMAL, 1e-15, dtype);
            // the fp8 types as 2.x's finfo reads std::numeric_limits of c10's types (Float8_e4m3fn-inl.h and the others):
            // min() the smallest normal, epsilon() as c10 defines it (0.125 for e5m2fnuz, whose bits 0x34 c10 takes for
            // epsilon), digits10 0 so resolution 10^0
            case FLOAT8_E4M3FN:
                return new FInfo(8, 0.125, 448.0, -448.0, 0x1p-6, 0x1p-6, 1.0, dtype);
            case FLOAT8_E5M2:
                return new FInfo(8, 0.25, 57344.0, -57344.0, 0x1p-14, 0x1p-14, 1.0, dtype);
            case FLOAT8_E4M3FNUZ:
                return new FInfo(8, 0.125, 240.0, -240.0, 0x1p-7, 0x1p-7, 1.0, dtype);
            case FLOAT8_E5M2FNUZ:
                return new FInfo(8, 0.125, 57344.0, -57344.0, 0x1p-15, 0x1p-15, 1.0, dtype);
            default:
                throw new IllegalArgumentException("torch.finfo() requires a floating point input type. Use torch.iinfo to "
                        + "handle 'torch.finfo'");
        }
    }

    /**
     * {@code torch.iinfo(dtype)} of an integer type.
     *
     * @throws IllegalArgumentException for a floating type or bool, in PyTorch's words
     */
    public static IInfo iinfo(DType dtype) {
        Args.require(dtype, "iinfo", "type", 1, "torch.dtype");
        if (dtype == DType.BOOL) {
            throw new IllegalArgumentException("torch.bool is not supported by torch.iinfo");
        }
        if (!dtype.isIntegral() && !dtype.isBarebonesUnsigned()) {
            throw new IllegalArgumentException("torch.iinfo() requires an integer input type. Use torch.finfo to handle "
                    + "'torch.iinfo'");
        }
        return new IInfo(8 * dtype.itemSize(), dtype.maxValue(), dtype.minValue(), dtype);
    }

    /** Whether a value of type {@code from} may be written into a tensor of type {@code to}, as {@code torch.can_cast}. */
    public static boolean canCast(DType from, DType to) {
        Args.require(from, "can_cast", "from", 1, "torch.dtype");
        Args.require(to, "can_cast", "to", 2, "torch.dtype");
        return ArithmeticOps.canCast(from, to);
    }
}
