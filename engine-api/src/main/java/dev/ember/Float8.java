package dev.ember;

import dev.ember.backend.Layout;

import java.util.Arrays;
import dev.ember.backend.Storage;

/**
 * The 8-bit float types ({@link DType#isFloat8()}) as PyTorch 2.x has them: storage types. A backend never sees an
 * 8-bit float storage: an fp8 tensor lies over a uint8 storage of its bits ({@link DType#storageType()}), and the few
 * ops PyTorch 2.x's CPU kernels run on it (copies and casts, fill, equality) work here on those bits; any other op
 * refuses when it asks for the storage ({@link Tensor#storage()}), with PyTorch's
 * {@code "<kernel>" not implemented for 'Float8_e4m3fn'}.
 *
 * <p>Conversions are c10's ({@code c10/util/Float8_e4m3fn.h}, {@code Float8_e5m2.h}, {@code Float8_e4m3fnuz.h},
 * {@code Float8_e5m2fnuz.h}, {@code Float8_fnuz_cvt.h}): to float32 exactly; from float32 rounding to nearest, ties to
 * even. e4m3fn has no infinity (an overflow, infinity or NaN gives NaN {@code 0x7F} with the sign), e5m2 overflows to
 * infinity; the fnuz types have one NaN {@code 0x80} (overflow, infinity and NaN) and no negative zero. Any other type
 * converts through float32 (a double or a long rounds to float32 first, as C++'s {@code static_cast<Float8_e4m3fn>}
 * does through the float constructor); fp8 to another type is its float32 value converted.
 */
final class Float8 {
    private Float8() {
    }

    private static final float[][] TABLES = new float[4][256];

    static {
        DType[] types = {DType.FLOAT8_E4M3FN, DType.FLOAT8_E5M2, DType.FLOAT8_E4M3FNUZ, DType.FLOAT8_E5M2FNUZ};
        for (DType t : types) {
            for (int b = 0; b < 256; b++) {
                TABLES[index(t)][b] = Float.intBitsToFloat(decodeBits(t, b));
            }
        }
    }

    private static int index(DType t) {
        switch (t) {
            case FLOAT8_E4M3FN: return 0;
            case FLOAT8_E5M2: return 1;
            case FLOAT8_E4M3FNUZ: return 2;
            case FLOAT8_E5M2FNUZ: return 3;
            default: throw new IllegalArgumentException(t + " is not an 8-bit float type");
        }
    }

    /** The float32 bits of the fp8 value {@code b} (0 to 255) of type {@code t}, NaN payloads as c10 makes them. */
    private static int decodeBits(DType t, int b) {
        boolean e5 = t == DType.FLOAT8_E5M2 || t == DType.FLOAT8_E5M2FNUZ;
        boolean fnuz = t == DType.FLOAT8_E4M3FNUZ || t == DType.FLOAT8_E5M2FNUZ;
        int mBits = e5 ? 2 : 3;
        int eMax = e5 ? 31 : 15;
        int bias = (e5 ? 15 : 7) + (fnuz ? 1 : 0);
        int sign = (b & 0x80) << 24;
        int exp = (b & 0x7F) >> mBits;
        int mant = b & ((1 << mBits) - 1);
        if (fnuz) {
            if (b == 0x80) {
                return 0x7F800001; // Float8_fnuz_cvt.h's NaN
            }
        } else if (e5 && exp == eMax) {
            return sign | 0x7F800000 | (mant << 21); // e5m2 is float16's upper byte: infinity or NaN
        } else if (!e5 && exp == eMax && mant == 7) {
            return sign | 0x7FF00000; // e4m3fn's NaN as fp8e4m3fn_to_fp32_value makes it
        }
        if (exp == 0) {
            if (mant == 0) {
                return sign; // zero (fnuz: only +0, 0x80 being NaN)
            }
            float v = mant * (float) Math.scalb(1.0, 1 - bias - mBits);
            return sign | Float.floatToRawIntBits(v);
        }
        return sign | ((exp - bias + 127) << 23) | (mant << (23 - mBits));
    }

    /** The value of the fp8 bits {@code b} (the low 8 bits are read) of type {@code t}, exactly. */
    static float toFloat(DType t, int b) {
        return TABLES[index(t)][b & 0xFF];
    }

    /**
     * The fp8 bits (0 to 255) of type {@code t} nearest to {@code f}, ties to even, as c10's {@code fp8*_from_fp32_value}:
     * the bit arithmetic of those functions (the subnormal range through one float addition, the normal range through a
     * rounding bias), the overflow and NaN rules of each type.
     */
    static int fromFloat(DType t, float f) {
        int fb = Float.floatToRawIntBits(f);
        int sign = fb & 0x80000000;
        fb ^= sign;
        int result;
        switch (t) {
            case FLOAT8_E4M3FN:
                if (fb >= (1087 << 20)) {
                    result = 0x7F; // 480 and above (after the sign), infinity and NaN: NaN
                } else if (fb < (121 << 23)) {
                    result = subnormal(fb, 141 << 23);
                } else {
                    result = normal(fb, 7, 20, 0x7FFFF);
                }
                return (result | (sign >>> 24)) & 0xFF;
            case FLOAT8_E5M2:
                if (fb >= (143 << 23)) {
                    result = fb > 0x7F800000 ? 0x7F : 0x7C; // NaN, else infinity
                } else if (fb < (113 << 23)) {
                    result = subnormal(fb, 134 << 23);
                } else {
                    result = normal(fb, 15, 21, 0xFFFFF);
                }
                return (result | (sign >>> 24)) & 0xFF;
            case FLOAT8_E4M3FNUZ:
                if (fb >= (0x87 << 23)) {
                    return 0x80;
                }
                if (fb < (121 << 23)) {
                    result = subnormal(fb, 0x8C << 23);
                    if (result == 0) {
                        return 0; // no negative zero
                    }
                } else {
                    result = normal(fb, 8, 20, 0x7FFFF);
                }
                return (result | (sign >>> 24)) & 0xFF;
            case FLOAT8_E5M2FNUZ:
                if (fb >= (0x8F << 23)) {
                    return 0x80;
                }
                if (fb < (7 << 27)) {
                    result = subnormal(fb, 0x85 << 23);
                    if (result == 0) {
                        return 0;
                    }
                } else {
                    result = normal(fb, 16, 21, 0xFFFFF);
                }
                return (result | (sign >>> 24)) & 0xFF;
            default:
                throw new IllegalArgumentException(t + " is not an 8-bit float type");
        }
    }

    /** c10's subnormal rounding: one float32 addition of a power of two whose ulp is the fp8 subnormal step. */
    private static int subnormal(int fb, int mask) {
        int sum = Float.floatToRawIntBits(Float.intBitsToFloat(fb) + Float.intBitsToFloat(mask));
        return (sum - mask) & 0xFF;
    }

    /** c10's normal rounding: the exponent rebiased, then the dropped bits rounded to nearest even. */
    private static int normal(int fb, int bias, int shift, int half) {
        int mantOdd = (fb >>> shift) & 1;
        fb += ((bias - 127) << 23) + half;
        fb += mantOdd;
        return (fb >>> shift) & 0xFF;
    }

    // ------------------------------------------------------------------ tensors

    /** The elements of {@code layout} over {@code t}'s bits as a new row-major float32 tensor, without history. */
    private static Tensor decode(Tensor t, Layout layout) {
        byte[] b = (byte[]) t.backend.toArray(t.rawStorage(), layout);
        float[] table = TABLES[index(t.dtype)];
        float[] v = new float[b.length];
        for (int i = 0; i < b.length; i++) {
            v[i] = table[b[i] & 0xFF];
        }
        return Creation.fromFlat(v, layout.shape(), DType.FLOAT32, t.device);
    }

    /**
     * The kernel copy of {@code from} over {@code src} into {@code to} over {@code dst} when either is an fp8 type
     * ({@link ComplexOps#kernelCopy}'s): one fp8 type to itself copies the bits; any other pair converts through
     * float32 (c10's {@code static_cast} does the same: fp8 to float and back, a double or a long to float first).
     */
    static void kernelCopy(Tensor src, Layout from, Tensor dst, Layout to) {
        if (src.dtype == dst.dtype || src.device.isMeta() || dst.device.isMeta()) {
            // the bits; a meta tensor has none (the meta backend copies nothing or refuses a copy out, as PyTorch)
            dst.backend.copy(src.rawStorage(), from, dst.rawStorage(), to);
            return;
        }
        Tensor values;
        if (src.dtype.isFloat8()) {
            values = decode(src, from);
        } else {
            values = Creation.empty(from.shape(), DType.FLOAT32, src.device);
            ComplexOps.kernelCopy(src, from, values, values.layout);
        }
        try {
            if (!dst.dtype.isFloat8()) {
                ComplexOps.kernelCopy(values, values.layout, dst, to);
                return;
            }
            float[] v = (float[]) values.backend.toArray(values.storage(), values.layout);
            byte[] b = new byte[v.length];
            for (int i = 0; i < v.length; i++) {
                b[i] = (byte) fromFloat(dst.dtype, v[i]);
            }
            Storage s = dst.backend.fromArray(b, DType.UINT8, dst.device.index());
            try {
                dst.backend.copy(s, Layout.contiguous(to.shape()), dst.rawStorage(), to);
            } finally {
                s.close();
            }
        } finally {
            values.close();
        }
    }

    /** Fills the fp8 tensor {@code t} with {@code value} (through float32, as fill's {@code value.to<Float8_e4m3fn>()}). */
    static void fill(Tensor t, double value) {
        t.backend.fill(t.rawStorage(), t.layout, fromFloat(t.dtype, (float) value));
    }

    /**
     * Whether {@code value} (a Python scalar given to fill or full) overflows the fp8 type {@code t}, as c10's
     * {@code checked_convert} tests: a value beyond the finite range, or an infinity of a type without infinities (NaN
     * fits every fp8 type).
     */
    static boolean overflows(DType t, double value) {
        if (Double.isNaN(value)) {
            return false;
        }
        if (Double.isInfinite(value) && t == DType.FLOAT8_E5M2) {
            return false;
        }
        double max = DTypeInfo.finfo(t).max();
        return value < -max || value > max;
    }

    /**
     * {@code a == b} ({@code eq}) or {@code a != b} on fp8 tensors of one type (2.x's eq_cpu and ne_cpu dispatch the
     * fp8 types): both decoded to float32 and compared there (NaN unequal to everything), a bool result of the broadcast
     * shape.
     */
    static Tensor compare(Tensor a, Tensor b, boolean equal) {
        try (GradMode off = Ember.noGrad()) {
            Tensor fa = a.to(DType.FLOAT32);
            Tensor fb = b.to(DType.FLOAT32);
            return equal ? fa.eq(fb) : fa.ne(fb);
        }
    }

    /**
     * {@code t.view(dtype)}: the same elements' bits read as {@code dtype}, a view over the same storage (shape, strides
     * and version counter kept), not differentiable (derivatives.yaml's {@code view.dtype}: output_differentiability
     * False). Ember reinterprets between types of one stored representation: uint8 and the fp8 types (all stored as
     * bytes), int16 and uint16, int32 and uint32, int64 and uint64, and a type and itself.
     *
     * @throws IllegalArgumentException for any other pair
     */
    static Tensor view(Tensor t, DType dtype) {
        if (dtype == t.dtype) {
            return t;
        }
        // one stored representation: uint8 and the fp8 types (bytes), int16/uint16, int32/uint32, int64/uint64
        boolean same = t.dtype.storageType() == dtype.storageType() && (t.dtype.isFloat8() || dtype.isFloat8()
                || t.dtype.isBarebonesUnsigned() || dtype.isBarebonesUnsigned());
        if (!same) {
            throw new IllegalArgumentException("Ember's view(dtype) reinterprets bits only between torch.uint8 and the "
                    + "8-bit float types (torch.float8_e4m3fn, torch.float8_e5m2, torch.float8_e4m3fnuz, "
                    + "torch.float8_e5m2fnuz) and between a signed integer type and the unsigned type of its width "
                    + "(torch.int16 and torch.uint16, torch.int32 and torch.uint32, torch.int64 and torch.uint64), not "
                    + t.dtype.torchName() + " as " + dtype.torchName());
        }
        Tensor v = ViewOps.makeView(t, t.shape, t.layout.strides(), t.layout.offset());
        v.dtype = dtype;
        return v;
    }

    /**
     * {@code a * b} in the fp8 type {@code t}, without history: 2.x's mul_cpu ({@code _AT_DISPATCH_MUL_TYPES} lists
     * {@code AT_FLOAT8_TYPES}; test_float8.py's test_mul): each product of the two values in float32 (exact: 4 and 3
     * significant bits multiply into at most 8) rounded into {@code t}. A second operand of one element (a number, a
     * 0-dim or one-element tensor: TensorIterator's {@code is_scalar(2)}) takes 2.x's reduced-float path instead, whose
     * dispatch lists only float16 and bfloat16, so it refuses as there.
     */
    static Tensor mul(Tensor a, Tensor b, DType t) {
        if (a.device.isMeta() || b.device.isMeta()) {
            return Creation.empty(Shapes.broadcast(a.shape, b.shape), t, Device.META); // 2.x's meta kernel: no data
        }
        if (b.numel() == 1 || a.wrappedNumber) {
            throw Refusals.unsupported("mul_cpu_reduced_float", t);
        }
        try (GradMode off = Ember.noGrad()) {
            // each operand in t first (a 0-dim integer operand rounds into t, as TensorIterator casts it)
            Tensor fa = ArithmeticOps.cast(a, t).to(DType.FLOAT32);
            Tensor fb = ArithmeticOps.cast(b, t).to(DType.FLOAT32);
            return ArithmeticOps.cast(fa.mul(fb), t);
        }
    }

    // ------------------------------------------------------------------ refusals

    /**
     * 2.x's cpu_equal on fp8: its general path ("equal_cpu") dispatches the fp8 types, but its path for a tensor
     * compared with itself (one storage, offset, strides and type), which only looks for NaN ("equal_notnan_cpu"),
     * dispatches the floating types, half and bfloat16 only, so {@code torch.equal(x, x)} refuses an fp8 {@code x}.
     */
    static void checkEqualAlias(Tensor a, Tensor b) {
        if (a.dtype == b.dtype && !a.device.isMeta() && a.rawStorage() == b.rawStorage()
                && a.layout.offset() == b.layout.offset() && Arrays.equals(a.layout.strides(), b.layout.strides())) {
            throw Refusals.unsupported("equal_notnan_cpu", a.dtype);
        }
    }

    /**
     * isclose's refusal of fp8 (and allclose's): 2.x's isclose computes {@code rtol * other}, a mul by a number, whose
     * reduced-float kernel refuses fp8; with both tolerances 0 it returns {@code self == other} before that.
     */
    static void refuseTolerance(Tensor a, double rtol, double atol) {
        if (a.dtype.isFloat8() && !(rtol == 0 && atol == 0)) {
            throw Refusals.unsupported("mul_cpu_reduced_float", a.dtype);
        }
    }

    /**
     * PyTorch 2.x's CPU kernel names by Ember's op names, for the ops whose kernels refuse the fp8 types (their
     * dispatch macros list no {@code AT_FLOAT8_TYPES}): aten/src/ATen/native/cpu/BinaryOpsKernel.cpp, UnaryOpsKernel.cpp,
     * ReduceOpsKernel.cpp, Blas.cpp. An op not listed names Ember's op.
     */
    private static final java.util.Map<String, String> KERNELS = java.util.Map.ofEntries(
        java.util.Map.entry("add", "add_stub"), java.util.Map.entry("sub", "add_stub"),
        java.util.Map.entry("rsub", "add_stub"), java.util.Map.entry("mul", "mul_cpu"),
        java.util.Map.entry("div", "div_true_cpu"), java.util.Map.entry("sum", "sum_cpu"),
        java.util.Map.entry("mean", "sum_cpu"), java.util.Map.entry("mm", "addmm_impl_cpu_"),
        java.util.Map.entry("matmul", "addmm_impl_cpu_"), java.util.Map.entry("addmm", "addmm_impl_cpu_"),
        java.util.Map.entry("neg", "neg_cpu"), java.util.Map.entry("abs", "abs_cpu"),
        java.util.Map.entry("lt", "lt_cpu"), java.util.Map.entry("gt", "gt_cpu"), java.util.Map.entry("le", "le_cpu"),
        java.util.Map.entry("ge", "ge_cpu"), java.util.Map.entry("max", "max_all"), java.util.Map.entry("min", "min_all"),
        java.util.Map.entry("amax", "max_values_cpu"), java.util.Map.entry("amin", "min_values_cpu"),
        java.util.Map.entry("argmax", "argmax_cpu"), java.util.Map.entry("argmin", "argmin_cpu"),
        java.util.Map.entry("prod", "prod_out_cpu"), java.util.Map.entry("sqrt", "sqrt_vml_cpu"),
        java.util.Map.entry("exp", "exp_vml_cpu"), java.util.Map.entry("log", "log_vml_cpu"),
        java.util.Map.entry("sin", "sin_vml_cpu"), java.util.Map.entry("cos", "cos_vml_cpu"),
        java.util.Map.entry("tanh", "tanh_cpu"), java.util.Map.entry("sigmoid", "sigmoid_cpu"),
        java.util.Map.entry("relu", "clamp_min_scalar_cpu"), java.util.Map.entry("clamp", "clamp_scalar_cpu"),
        java.util.Map.entry("where", "where_cpu"), java.util.Map.entry("index", "index_cpu"),
        java.util.Map.entry("triu", "triu_tril_cpu"), java.util.Map.entry("tril", "triu_tril_cpu"),
        java.util.Map.entry("linear", "addmm_impl_cpu_"), java.util.Map.entry("layerNorm", "LayerNormKernelImpl"),
        java.util.Map.entry("gelu", "GeluKernelImpl"), java.util.Map.entry("softmax", "softmax_lastdim_kernel_impl"),
        java.util.Map.entry("logSoftmax", "log_softmax_lastdim_kernel_impl"), java.util.Map.entry("mseLoss", "mse_cpu"),
        java.util.Map.entry("cumsum", "cumsum_out_cpu"), java.util.Map.entry("sort", "sort"),
        java.util.Map.entry("bmm", "bmm"), java.util.Map.entry("dot", "dot"),
        java.util.Map.entry("maskedFill", "masked_fill"),
        // (for uint16/uint32/uint64 too: bitwise_not_kernel and the shifts dispatch AT_INTEGRAL_TYPES, maximum and
        // minimum's integer path AT_INTEGRAL_TYPES)
        java.util.Map.entry("bitwiseNot", "bitwise_not_cpu"), java.util.Map.entry("bitwiseLeftShift", "lshift_cpu"),
        java.util.Map.entry("bitwiseRightShift", "rshift_cpu"), java.util.Map.entry("maximum", "maximum_cpu"),
        java.util.Map.entry("minimum", "minimum_cpu"));

    /**
     * PyTorch's refusal of an op on the fp8 tensor {@code t}: the op the caller called (the outermost Ember frame below
     * the caller's code, found by walking the stack) named by its 2.x CPU kernel where listed, else by its Ember name.
     * (Complex tensors' refusals name their kernels explicitly since session 57; the fp8 and barebones unsigned types
     * still find the op here.)
     */
    static UnsupportedOperationException refusal(Tensor t) {
        String op = callerOp();
        op = op == null ? "this operation" : op;
        String base = op.endsWith("_") ? op.substring(0, op.length() - 1) : op;
        String kernel = KERNELS.get(base);
        return Refusals.unsupported(kernel == null ? op : kernel, t.dtype);
    }

    /** The outermost method of this engine's code on the stack, lambdas and storage() skipped; null if none. */
    private static String callerOp() {
        return StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE).walk(frames -> {
            String last = null;
            java.security.CodeSource engine = Float8.class.getProtectionDomain().getCodeSource();
            for (StackWalker.StackFrame f : (Iterable<StackWalker.StackFrame>) frames::iterator) {
                Class<?> c = f.getDeclaringClass();
                java.security.CodeSource cs = c.getProtectionDomain().getCodeSource();
                boolean ours = c.getName().startsWith("dev.ember.") && (engine == null ? cs == null
                        : cs != null && engine.getLocation().equals(cs.getLocation()));
                if (!ours) {
                    break;
                }
                String m = f.getMethodName();
                if (!m.startsWith("lambda$") && !m.equals("<init>") && !m.equals("storage")) {
                    last = m;
                }
            }
            return last;
        });
    }
}
