package dev.ember;

import dev.ember.backend.Layout;

/**
 * PyTorch 2.3's unsigned types {@code uint16}, {@code uint32} and {@code uint64} ({@link DType#isBarebonesUnsigned()},
 * c10's "barebones unsigned" types with "limited support") as storage types, the route the 8-bit floats take
 * ({@link Float8}): a backend never sees them; a tensor of one lies over an int16, int32 or int64 storage of its bits
 * ({@link DType#storageType()}), the few ops 2.x's CPU kernels run on them work here on those bits, and any other op
 * refuses when it asks for the storage ({@link Tensor#storage()}) with 2.x's {@code "<kernel>" not implemented for
 * 'UInt16'}.
 *
 * <p>Conversions are C++'s {@code static_cast} as c10's {@code TypeCast.h} applies it: an integer (or bool) into an
 * unsigned type keeps its low bits (two's complement wrap-around: -1 is 65535 in uint16); an unsigned value into an
 * integer type is its value, zero-extended, then wrapped; into a floating type its value (uint64 beyond 2^63 too)
 * rounded once to float32 for float32, float16, bfloat16, complex64 and the fp8 types (c10 converts through float) and
 * to float64 for float64 and complex128. A floating value into an unsigned type truncates toward zero, which C++ defines
 * for values in (-1, 2^N) only; Ember's rule beyond that (undefined behaviour in C++, not asserted against PyTorch) is
 * x86's: through int64 then wrapped (-1.0 gives 65535 in uint16), for uint64 from 2^63 the value less 2^63 with the top
 * bit set, NaN 0, saturating beyond the int64 and uint64 ranges.
 */
final class Unsigned {
    private Unsigned() {
    }

    /** The unsigned value of the bits {@code b} of type {@code t} as a long (uint64: the bits themselves). */
    static long value(DType t, long b) {
        return t.wrap(b);
    }

    /** A uint64 value (its bits in a long) rounded once to float32, as C++'s conversion of {@code uint64_t}. */
    static float toFloat(long bits) {
        return bits >= 0 ? (float) bits : ((float) ((bits >>> 1) | (bits & 1))) * 2f;
    }

    /** A uint64 value (its bits in a long) rounded once to float64. */
    static double toDouble(long bits) {
        return bits >= 0 ? (double) bits : ((double) ((bits >>> 1) | (bits & 1))) * 2.0;
    }

    /** The bits of {@code v} converted to the unsigned type {@code t} by the class's rule (truncation toward zero). */
    static long fromDouble(DType t, double v) {
        if (t == DType.UINT64 && v >= 0x1p63) {
            return ((long) (v - 0x1p63)) | Long.MIN_VALUE;
        }
        return t.wrap((long) v);
    }

    /** The elements of {@code layout} over the unsigned {@code t}'s bits as a row-major long array of their values. */
    private static long[] values(Tensor t, Layout layout) {
        Object a = t.backend.toArray(t.rawStorage(), layout);
        long[] v;
        if (a instanceof short[]) {
            short[] s = (short[]) a;
            v = new long[s.length];
            for (int i = 0; i < s.length; i++) {
                v[i] = s[i] & 0xFFFFL;
            }
        } else if (a instanceof int[]) {
            int[] s = (int[]) a;
            v = new long[s.length];
            for (int i = 0; i < s.length; i++) {
                v[i] = s[i] & 0xFFFFFFFFL;
            }
        } else {
            v = (long[]) a;
        }
        return v;
    }

    /**
     * The kernel copy of {@code from} over {@code src} into {@code to} over {@code dst} when either is an unsigned type
     * ({@link ComplexOps#kernelCopy}'s), by the class's conversion rules.
     */
    static void kernelCopy(Tensor src, Layout from, Tensor dst, Layout to) {
        if (src.dtype == dst.dtype || src.device.isMeta() || dst.device.isMeta()) {
            dst.backend.copy(src.rawStorage(), from, dst.rawStorage(), to);
            return;
        }
        DType d = dst.dtype;
        if (src.dtype.isBarebonesUnsigned()) {
            long[] v = values(src, from);
            Tensor values;
            if (d == DType.BOOL || d.isIntegral() || d.isBarebonesUnsigned()) {
                // the value (zero-extended) as int64, which the int64 copy wraps into d (an unsigned d: its bits)
                values = Creation.fromFlat(v, from.shape(), DType.INT64, src.device);
            } else if (d == DType.FLOAT64 || d == DType.COMPLEX128) {
                double[] f = new double[v.length];
                for (int i = 0; i < v.length; i++) {
                    f[i] = toDouble(v[i]);
                }
                values = Creation.fromFlat(f, from.shape(), DType.FLOAT64, src.device);
            } else {
                float[] f = new float[v.length];
                for (int i = 0; i < v.length; i++) {
                    f[i] = toFloat(v[i]);
                }
                values = Creation.fromFlat(f, from.shape(), DType.FLOAT32, src.device);
            }
            try {
                copyInto(values, dst, to);
            } finally {
                values.close();
            }
            return;
        }
        DType s = src.dtype;
        if (s == DType.BOOL || s.isIntegral()) {
            // an integer's low bits: the signed copy into the storage type wraps as C++'s conversion does
            Tensor b = StorageBits.of(dst);
            ComplexOps.kernelCopy(src, from, b, to);
            return;
        }
        Tensor f64 = Creation.empty(from.shape(), DType.FLOAT64, src.device);
        try {
            ComplexOps.kernelCopy(src, from, f64, f64.layout);
            double[] f = (double[]) f64.backend.toArray(f64.storage(), f64.layout);
            long[] v = new long[f.length];
            for (int i = 0; i < f.length; i++) {
                v[i] = fromDouble(d, f[i]);
            }
            Tensor values = Creation.fromFlat(v, from.shape(), DType.INT64, src.device);
            try {
                copyInto(values, dst, to);
            } finally {
                values.close();
            }
        } finally {
            f64.close();
        }
    }

    /** Copies the row-major {@code values} into {@code to} over {@code dst} (an unsigned dst: into its bits). */
    private static void copyInto(Tensor values, Tensor dst, Layout to) {
        if (dst.dtype.isBarebonesUnsigned()) {
            dst.backend.copy(values.storage(), values.layout, dst.rawStorage(), to);
        } else {
            ComplexOps.kernelCopy(values, values.layout, dst, to);
        }
    }

    /**
     * Fills the unsigned tensor {@code t} with {@code value} (2.x's fill_cpu dispatches them: the number converted as
     * {@code value.to<uint16_t>()}), exact: a double has at most 53 significant bits, so the bits fit a double.
     */
    static void fill(Tensor t, double value) {
        t.backend.fill(t.rawStorage(), t.layout, (double) fromDouble(t.dtype, value));
    }

    /**
     * Throws c10's checked conversion's error where a number does not fit the unsigned type {@code t} (a fill or
     * full's value): a double below 0 or above the type's largest (as C++ compares them: 2^64 passes for uint64), NaN
     * (no unsigned type holds one); an infinity. A Python int ({@link #checkFits(long, DType)}) may be negative.
     */
    static void checkFits(double v, DType t) {
        double max = t == DType.UINT64 ? 0x1p64 : (double) t.maxValue();
        if (!(v >= 0 && v <= max)) {
            throw new IllegalArgumentException("value cannot be converted to type " + cName(t) + " without overflow");
        }
    }

    /**
     * c10's checked conversion of a Python int into the unsigned type {@code t}: within the type's range, or negative
     * down to minus the type's largest (which wraps, as c10's overflows lets {@code a - b} be {@code a + max * b});
     * every long fits uint64.
     */
    static void checkFits(long v, DType t) {
        if (t != DType.UINT64 && (v > t.maxValue() || v < -t.maxValue())) {
            throw new IllegalArgumentException("value cannot be converted to type " + cName(t) + " without overflow");
        }
    }

    /**
     * Whether 2.x's CPU kernel for {@code op} dispatches the unsigned types (BinaryOpsKernel.cpp): eq and ne
     * ({@code _AT_DISPATCH_ALL_TYPES_AND_BOOL} lists {@code AT_BAREBONES_UNSIGNED_TYPES}), mul
     * ({@code _AT_DISPATCH_MUL_TYPES}), bitwise and, or and xor ({@code AT_INTEGRAL_TYPES_V2}); lt, le, gt, ge, the
     * shifts, maximum, minimum, division and remainder dispatch {@code AT_ALL_TYPES} or {@code AT_INTEGRAL_TYPES} only.
     */
    static boolean hasKernel(dev.ember.backend.BinaryOp op, DType t, DType out) {
        switch (op) {
            case EQ:
            case NE:
                return out == DType.BOOL;
            case MUL:
            case BITWISE_AND:
            case BITWISE_OR:
            case BITWISE_XOR:
                return out == t;
            default:
                return false;
        }
    }

    /**
     * {@code a op b} in the unsigned type {@code t} ({@link #hasKernel}), without history: both operands cast to
     * {@code t} (a number wraps into it, as TensorIterator casts a CPU scalar), then the op on their signed bits, which
     * gives the same bits: equality of bits is equality of values, and two's complement products, ands, ors and xors
     * keep the low N bits as C++'s unsigned arithmetic (modulo 2^N) does.
     */
    static Tensor binary(dev.ember.backend.BinaryOp op, Tensor a, Tensor b, DType t, DType out) {
        DType s = t.storageType();
        try (GradMode off = Ember.noGrad()) {
            Tensor ca = ArithmeticOps.cast(a, t);
            Tensor cb = ArithmeticOps.cast(b, t);
            Tensor r = ArithmeticOps.binaryKernel(op, StorageBits.of(ca), StorageBits.of(cb), s, out == DType.BOOL ? DType.BOOL : s);
            return out == DType.BOOL ? r : StorageBits.as(r, t);
        }
    }

    /** The C++ type c10's messages name: {@code uint16_t}, {@code uint32_t}, {@code uint64_t}. */
    static String cName(DType t) {
        return t == DType.UINT16 ? "uint16_t" : t == DType.UINT32 ? "uint32_t" : "uint64_t";
    }

    /** The values of the unsigned tensor {@code t} as unsigned decimal strings, row-major. */
    static String[] decimals(Tensor t) {
        long[] v = values(t, t.layout);
        String[] out = new String[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = Long.toUnsignedString(v[i]);
        }
        return out;
    }
}
