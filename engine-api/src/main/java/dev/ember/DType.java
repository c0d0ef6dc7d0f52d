package dev.ember;

/**
 * Element types of a {@link Tensor}, with PyTorch's names and promotion rules.
 *
 * <p>The order of the constants is the promotion order within PyTorch's categories:
 * {@code bool < uint8, int8 < int16 < int32 < int64 < float16, bfloat16 < float32 < float64 < complex64 < complex128},
 * where uint8 and int8 together promote to int16, float16 and bfloat16 to float32 (neither holds the other's values), and
 * float64 with complex64 to complex128 (a complex type as wide as the wider real part), as {@code torch.promote_types}.
 *
 * <p>A complex tensor stores its elements as pairs (real part, imaginary part) of its {@linkplain #toReal() real type},
 * as PyTorch does, so {@link Tensor#viewAsReal()} is a view; a backend only ever sees that real view.
 *
 * <p>The 8-bit float types (PyTorch 2.1's {@code float8_e4m3fn} and {@code float8_e5m2}, 2.2's {@code fnuz} variants)
 * come last and stand outside the promotion order: as in PyTorch 2.x, they promote with no other type
 * ({@link #promote} refuses). A backend stores their bits as uint8 ({@link #storageType()}).
 *
 * <p>The unsigned types of PyTorch 2.3 ({@code uint16}, {@code uint32}, {@code uint64}, c10's "barebones unsigned"
 * types) come after them, also outside the promotion order: they promote with themselves and with a floating type (the
 * floating type wins) only. A backend stores their bits as int16, int32 and int64.
 */
public enum DType {
    /** Booleans ({@code torch.bool}). */
    BOOL("torch.bool", "Bool", 1),
    /** 8-bit unsigned integers ({@code torch.uint8}), 0 to 255: images. */
    UINT8("torch.uint8", "Byte", 1),
    /** 8-bit signed integers ({@code torch.int8}). */
    INT8("torch.int8", "Char", 1),
    /** 16-bit signed integers ({@code torch.int16}, {@code torch.short}). */
    INT16("torch.int16", "Short", 2),
    /** 32-bit signed integers ({@code torch.int32}, {@code torch.int}). */
    INT32("torch.int32", "Int", 4),
    /** 64-bit signed integers ({@code torch.int64}, {@code torch.long}). */
    INT64("torch.int64", "Long", 8),
    /**
     * 16-bit IEEE half-precision floats ({@code torch.float16}, {@code torch.half}): 5 exponent bits, 10 mantissa bits,
     * largest finite 65504. Stored in 2 bytes; the CPU computes in float32 and rounds each result once.
     */
    FLOAT16("torch.float16", "Half", 2),
    /**
     * 16-bit brain floats ({@code torch.bfloat16}): float32's 8 exponent bits and 7 mantissa bits (float32's range,
     * about 3 significant digits). Stored in 2 bytes; the CPU computes in float32 and rounds each result once.
     */
    BFLOAT16("torch.bfloat16", "BFloat16", 2),
    /** 32-bit IEEE floats ({@code torch.float32}), the default floating type. */
    FLOAT32("torch.float32", "Float", 4),
    /** 64-bit IEEE floats ({@code torch.float64}). */
    FLOAT64("torch.float64", "Double", 8),
    /** Complex numbers of two float32 parts ({@code torch.complex64}, {@code torch.cfloat}), 8 bytes. */
    COMPLEX64("torch.complex64", "ComplexFloat", 8),
    /** Complex numbers of two float64 parts ({@code torch.complex128}, {@code torch.cdouble}), 16 bytes. */
    COMPLEX128("torch.complex128", "ComplexDouble", 16),
    /**
     * 8-bit floats with 4 exponent bits and 3 mantissa bits, no infinities ({@code torch.float8_e4m3fn}, PyTorch 2.1):
     * largest finite 448, NaN {@code 0x7F}/{@code 0xFF}. A storage type (as in PyTorch 2.x): creation, casts, copies,
     * views, fill, equality, printing and saving work; arithmetic refuses ({@code "add_stub" not implemented for
     * 'Float8_e4m3fn'}) and promotion with another type refuses. A backend stores the bits as uint8.
     */
    FLOAT8_E4M3FN("torch.float8_e4m3fn", "Float8_e4m3fn", 1),
    /**
     * 8-bit floats with 5 exponent bits and 2 mantissa bits ({@code torch.float8_e5m2}, PyTorch 2.1), IEEE-like with
     * infinities: largest finite 57344. A storage type as {@link #FLOAT8_E4M3FN}.
     */
    FLOAT8_E5M2("torch.float8_e5m2", "Float8_e5m2", 1),
    /**
     * 8-bit floats with 4 exponent bits (bias 8) and 3 mantissa bits, no infinities and no negative zero, one NaN
     * {@code 0x80} ({@code torch.float8_e4m3fnuz}, PyTorch 2.2): largest finite 240. A storage type as
     * {@link #FLOAT8_E4M3FN}.
     */
    FLOAT8_E4M3FNUZ("torch.float8_e4m3fnuz", "Float8_e4m3fnuz", 1),
    /**
     * 8-bit floats with 5 exponent bits (bias 16) and 2 mantissa bits, no infinities and no negative zero, one NaN
     * {@code 0x80} ({@code torch.float8_e5m2fnuz}, PyTorch 2.2): largest finite 57344. A storage type as
     * {@link #FLOAT8_E4M3FN}.
     */
    FLOAT8_E5M2FNUZ("torch.float8_e5m2fnuz", "Float8_e5m2fnuz", 1),
    /**
     * 16-bit unsigned integers ({@code torch.uint16}, PyTorch 2.3's "limited support"), 0 to 65535: creation, casts,
     * copies, views, fill, printing, saving and the few ops 2.x's CPU kernels dispatch on them work; any other op refuses
     * ({@code "add_stub" not implemented for 'UInt16'}) and promotion with any type but a floating one refuses. A
     * backend stores the bits as int16 ({@link #storageType()}).
     */
    UINT16("torch.uint16", "UInt16", 2),
    /** 32-bit unsigned integers ({@code torch.uint32}, PyTorch 2.3), 0 to 4294967295, stored as int32 bits; as {@link #UINT16}. */
    UINT32("torch.uint32", "UInt32", 4),
    /**
     * 64-bit unsigned integers ({@code torch.uint64}, PyTorch 2.3), 0 to 18446744073709551615, stored as int64 bits (a
     * Java long read as unsigned); as {@link #UINT16}.
     */
    UINT64("torch.uint64", "UInt64", 8);

    private final String torchName;
    private final String legacyName;
    private final int itemSize;

    DType(String torchName, String legacyName, int itemSize) {
        this.torchName = torchName;
        this.legacyName = legacyName;
        this.itemSize = itemSize;
    }

    /** PyTorch's name for this type, for example {@code torch.float32}. */
    public String torchName() {
        return torchName;
    }

    /** The legacy tensor-type name PyTorch uses in error messages, for example {@code FloatTensor}. */
    String legacyTypeName() {
        return legacyName + "Tensor";
    }

    /** Bytes per element. */
    public int itemSize() {
        return itemSize;
    }

    /** Whether this is a complex type ({@code torch.complex64} or {@code torch.complex128}). */
    public boolean isComplex() {
        return this == COMPLEX64 || this == COMPLEX128;
    }

    /**
     * The type of a complex type's real and imaginary parts (float32 for complex64, float64 for complex128), as
     * {@code torch.empty(0, dtype=t).real.dtype}; any other type itself.
     */
    public DType toReal() {
        return this == COMPLEX64 ? FLOAT32 : this == COMPLEX128 ? FLOAT64 : this;
    }

    /**
     * The complex type whose parts are this floating type (complex64 for float32, complex128 for float64); a complex type
     * itself.
     *
     * @throws IllegalArgumentException for float16 and bfloat16 (Ember has no complex32) and the non-floating types
     */
    public DType toComplex() {
        switch (this) {
            case FLOAT32: return COMPLEX64;
            case FLOAT64: return COMPLEX128;
            case COMPLEX64:
            case COMPLEX128:
                return this;
            default:
                throw new IllegalArgumentException("Ember has no complex type with " + torchName + " parts");
        }
    }

    /** The legacy name PyTorch prints in messages such as {@code "add" not implemented for 'ComplexFloat'}. */
    String scalarTypeName() {
        return legacyName;
    }

    /**
     * Whether this is a floating-point type (not a complex one, as PyTorch's {@code is_floating_point}).
     */
    public boolean isFloatingPoint() {
        return this == FLOAT32 || this == FLOAT64 || this == FLOAT16 || this == BFLOAT16 || isFloat8();
    }

    /**
     * Whether this is one of the 8-bit float types ({@code float8_e4m3fn}, {@code float8_e5m2} and their {@code fnuz}
     * variants), PyTorch 2.x's storage-only floating types ({@code AT_FLOAT8_TYPES}).
     */
    public boolean isFloat8() {
        return this == FLOAT8_E4M3FN || this == FLOAT8_E5M2 || this == FLOAT8_E4M3FNUZ || this == FLOAT8_E5M2FNUZ;
    }

    /**
     * The type a backend stores this type's elements in: the real type of a complex type (interleaved parts), uint8 for
     * an 8-bit float type (its bits), any other type itself.
     */
    public DType storageType() {
        switch (this) {
            case UINT16: return INT16;
            case UINT32: return INT32;
            case UINT64: return INT64;
            default: return isComplex() ? toReal() : isFloat8() ? UINT8 : this;
        }
    }

    /**
     * Whether this is one of PyTorch 2.3's unsigned types {@code uint16}, {@code uint32} or {@code uint64} (c10's
     * {@code isBarebonesUnsignedType}), storage types with few kernels.
     */
    public boolean isBarebonesUnsigned() {
        return this == UINT16 || this == UINT32 || this == UINT64;
    }

    /** Whether this is float16 or bfloat16, the reduced floating types PyTorch computes in float32. */
    public boolean isReducedFloatingPoint() {
        return this == FLOAT16 || this == BFLOAT16;
    }

    /**
     * Whether this is an integer type with kernels (bool is not, as PyTorch's {@code is_integral(include_bool=False)}).
     * 2.3's uint16, uint32 and uint64, which c10's {@code isIntegralType} counts, are not: they are storage types
     * ({@link #isBarebonesUnsigned()}), kept off the integer kernels' paths.
     */
    public boolean isIntegral() {
        return this == UINT8 || this == INT8 || this == INT16 || this == INT32 || this == INT64;
    }

    /** The smallest value of an integer type (0 for bool and uint8; the long range's for the floating types). */
    public long minValue() {
        switch (this) {
            case BOOL:
            case UINT8:
            case UINT16:
            case UINT32:
            case UINT64:
                return 0;
            case INT8: return Byte.MIN_VALUE;
            case INT16: return Short.MIN_VALUE;
            case INT32: return Integer.MIN_VALUE;
            default: return Long.MIN_VALUE;
        }
    }

    /**
     * The largest value of an integer type (1 for bool; the long range's for the floating types); for uint64 its bits,
     * -1 (18446744073709551615 read as unsigned, {@link Long#toUnsignedString(long)}).
     */
    public long maxValue() {
        switch (this) {
            case BOOL: return 1;
            case UINT8: return 255;
            case UINT16: return 0xFFFF;
            case UINT32: return 0xFFFFFFFFL;
            case UINT64: return -1L;
            case INT8: return Byte.MAX_VALUE;
            case INT16: return Short.MAX_VALUE;
            case INT32: return Integer.MAX_VALUE;
            default: return Long.MAX_VALUE;
        }
    }

    /**
     * A long converted to this integer type as C++'s cast does (two's complement wrap-around: 300 becomes 44 in uint8,
     * 128 becomes -128 in int8, -1 65535 in uint16), read back as a long; for int64 and the floating types the value
     * itself, for bool 0 or 1, for uint64 the value's bits (a long read as unsigned).
     */
    public long wrap(long v) {
        switch (this) {
            case BOOL: return v != 0 ? 1 : 0;
            case UINT8: return v & 0xFF;
            case UINT16: return v & 0xFFFF;
            case UINT32: return v & 0xFFFFFFFFL;
            case INT8: return (byte) v;
            case INT16: return (short) v;
            case INT32: return (int) v;
            default: return v;
        }
    }

    /**
     * The larger of two types in promotion order (uint8 with int8 gives int16, float16 with bfloat16 float32, as
     * {@code torch.promote_types}).
     *
     * @throws IllegalArgumentException for an 8-bit float type with any other type, in PyTorch 2.x's words ("Promotion
     *     for Float8 Types is not supported, attempted to promote Float8_e4m3fn and Float"), and for uint16, uint32 or
     *     uint64 with any other type but a floating one ("Promotion for uint16, uint32, uint64 types is not supported,
     *     attempted to promote UInt16 and Int"), as c10's promoteTypes (2.3)
     */
    public static DType promote(DType a, DType b) {
        Args.require(a, "promote_types", "type1", 1, "torch.dtype");
        Args.require(b, "promote_types", "type2", 2, "torch.dtype");
        if (a == b) {
            return a;
        }
        if (a.isFloat8() || b.isFloat8()) {
            // c10's promoteTypes (2.1+): no promotion between an 8-bit float type and any other type
            throw new IllegalArgumentException("Promotion for Float8 Types is not supported, attempted to promote "
                    + a.legacyName + " and " + b.legacyName);
        }
        if (a.isBarebonesUnsigned() || b.isBarebonesUnsigned()) {
            // c10's promoteTypes (2.3+): a floating type wins (isFloatingType: no complex type), anything else refuses
            if (a.isFloatingPoint()) {
                return a;
            }
            if (b.isFloatingPoint()) {
                return b;
            }
            throw new IllegalArgumentException("Promotion for uint16, uint32, uint64 types is not supported, attempted to "
                    + "promote " + a.legacyName + " and " + b.legacyName);
        }
        if ((a == UINT8 && b == INT8) || (a == INT8 && b == UINT8)) {
            return INT16;
        }
        if ((a == FLOAT16 && b == BFLOAT16) || (a == BFLOAT16 && b == FLOAT16)) {
            return FLOAT32;
        }
        if ((a == COMPLEX64 && b == FLOAT64) || (a == FLOAT64 && b == COMPLEX64)) {
            return COMPLEX128;
        }
        return a.ordinal() >= b.ordinal() ? a : b;
    }

    @Override
    public String toString() {
        return torchName;
    }
}
