package dev.ember;

import dev.ember.backend.Backend;
import dev.ember.backend.BinaryOp;
import dev.ember.backend.Layout;
import dev.ember.backend.UnaryOp;

import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Elementwise ops: forward rules (type promotion, broadcasting, devices) and, beside each, its backward
 * formula written in Tensor ops so it runs on any backend and can be differentiated again. The backward formulas
 * follow PyTorch's tools/autograd/derivatives.yaml term for term, special cases included (an exact zero where
 * PyTorch writes a zero, not {@code grad * 0}, which is NaN for an infinite or NaN gradient).
 */
final class ArithmeticOps {
    private ArithmeticOps() {
    }

    // ------------------------------------------------------------------ shared forward machinery

    /** PyTorch's result type: dimensioned tensors outrank 0-dim tensors, which outrank wrapped numbers. */
    static DType resultType(Tensor... ts) {
        DType dim = null;
        DType zero = null;
        DType wrapped = null;
        for (Tensor t : ts) {
            if (t.wrappedNumber) {
                // a Python float is the default type, a Python complex the default complex type
                DType w = t.dtype.isFloatingPoint() ? Ember.getDefaultDtype()
                        : t.dtype.isComplex() ? Ember.getDefaultDtype().toComplex() : t.dtype;
                wrapped = wrapped == null ? w : DType.promote(wrapped, w);
            } else if (t.dim() == 0) {
                zero = zero == null ? t.dtype : DType.promote(zero, t.dtype);
            } else {
                dim = dim == null ? t.dtype : DType.promote(dim, t.dtype);
            }
        }
        return combine(dim, combine(zero, wrapped));
    }

    /** PyTorch's combine_categories: the higher-priority group's type unless the lower's category (bool, int, float,
     * complex) is higher; a complex lower one with a floating higher one gives that float's complex type. */
    private static DType combine(DType higher, DType lower) {
        if (higher == null) {
            return lower;
        }
        if (lower == null || higher.isComplex()) {
            return higher;
        }
        if (lower.isComplex()) {
            // c10's toComplexType: bfloat16 (float32's range) maps to complex64
            return higher == DType.BFLOAT16 ? DType.COMPLEX64 : higher.isFloatingPoint() ? higher.toComplex() : lower;
        }
        if (higher.isFloatingPoint()) {
            return higher;
        }
        if (higher == DType.BOOL || lower.isFloatingPoint()) {
            return DType.promote(higher, lower);
        }
        return higher;
    }

    /** Whether PyTorch allows writing a value of type {@code from} into a tensor of type {@code to}. */
    static boolean canCast(DType from, DType to) {
        if (from.isComplex() && !to.isComplex()) {
            return false;
        }
        if (from.isFloatingPoint() && !to.isFloatingPoint() && !to.isComplex()) {
            return false;
        }
        return from == DType.BOOL || to != DType.BOOL;
    }

    /**
     * Throws PyTorch's device error unless all tensors live on one device. Wrapped Java numbers live on the host
     * and go with a tensor on any device (as PyTorch's CPU scalars do); the device returned is the tensors'.
     */
    static Device checkSameDevice(Tensor... ts) {
        Device d = null;
        Device host = null;
        for (Tensor t : ts) {
            if (t == null) {
                continue;
            }
            if (t.wrappedNumber) {
                host = t.device;
                continue;
            }
            if (d == null) {
                d = t.device;
            } else if (!d.equals(t.device)) {
                Device a = d.isCpu() ? t.device : d;
                Device b = d.isCpu() ? d : t.device;
                throw new IllegalArgumentException("Expected all tensors to be on the same device, but found at least two "
                        + "devices, " + a + " and " + b + "!");
            }
        }
        return d != null ? d : host;
    }

    /** Whether {@code t} is a Java number held on the host while the op runs on {@code device}. */
    static boolean hostScalar(Tensor t, Device device) {
        return t.wrappedNumber && !t.device.equals(device);
    }

    /** A wrapped Java number's value as a double (a long is rounded to the nearest double). */
    static double wrappedDouble(Tensor w) {
        return w.dtype == DType.INT64 ? (double) w.toLongArray()[0] : w.wrappedValue;
    }

    /** A host scalar's value in the compute type {@code t}, for {@link dev.ember.backend.Backend#binaryScalar}. */
    static Number scalarValue(Tensor w, DType t) {
        boolean integral = w.dtype == DType.INT64;
        long l = integral ? w.toLongArray()[0] : 0;
        double v = integral ? l : w.wrappedValue;
        switch (t) {
            // a long converts to float in one rounding, as C++'s static_cast<float>(int64_t); through a double it
            // could round twice (2^53 + 2^29 + 1 would become 2^53 instead of 2^53 + 2^30)
            case FLOAT32: return integral ? (float) l : (float) v;
            case FLOAT64: return v;
            case INT64: return integral ? l : (long) v;
            // PyTorch converts a number meeting a narrower integer tensor to the tensor's type (wrapping: uint8 300 is 44)
            case INT32:
            case INT16:
            case INT8:
            case UINT8:
                return t.wrap(integral ? l : (long) v);
            // float16 and bfloat16 compute in float32: the number as a float (the CPU kernel converts it to the
            // tensor's type where PyTorch does)
            case FLOAT16:
            case BFLOAT16:
                return integral ? (float) l : (float) v;
            default: return v != 0 ? 1L : 0L;
        }
    }

    /**
     * Throws PyTorch's error where a Java number does not fit the type {@code t} an op converts it to (PyTorch's
     * checked {@code Scalar::to<T>()}, used for clamp's bounds, add's alpha and where's value): a finite double beyond
     * float32's range for float32; NaN, an infinity or a value beyond the long range for int64. Infinities and NaN
     * fit the floating types. Package-private for the other ops that convert a number this way (fill_, fullLike).
     */
    static void checkScalarFits(double v, DType t) {
        if (t.isBarebonesUnsigned()) {
            Unsigned.checkFits(v, t);
            return;
        }
        // c10's overflows<float> and overflows<c10::complex<float>> (a real number's part against float's range)
        if ((t == DType.FLOAT32 || t == DType.COMPLEX64) && !Double.isInfinite(v)
                && (v > Float.MAX_VALUE || v < -Float.MAX_VALUE)) {
            throw new IllegalArgumentException("value cannot be converted to type " + cTypeScalarName(t) + " without overflow");
        }
        // c10's overflows<at::Half>: a finite value beyond the type's largest (65504 for float16) does not fit
        if (t.isReducedFloatingPoint() && !Double.isInfinite(v)) {
            double max = t == DType.FLOAT16 ? Half.MAX_VALUE : BFloat16.MAX_VALUE;
            if (v > max || v < -max) {
                throw new IllegalArgumentException("value cannot be converted to type " + cTypeScalarName(t) + " without overflow");
            }
        }
        // c10's overflows<at::Float8_e4m3fn>: beyond the finite range, or an infinity of a type without infinities
        if (t.isFloat8() && Float8.overflows(t, v)) {
            throw new IllegalArgumentException("value cannot be converted to type " + cTypeScalarName(t) + " without overflow");
        }
        // the bounds as C++ compares them: (double) INT64_MAX rounds up to 2^63, which itself passes
        if (t == DType.INT64 && (Double.isNaN(v) || Double.isInfinite(v) || v < -0x1p63 || v > 0x1p63)) {
            throw new IllegalArgumentException("value cannot be converted to type int64_t without overflow");
        }
        // a double for a narrow integer type: within [lowest, max] of the type (127.5 does not fit int8, -1.0 not uint8)
        if (t.isIntegral() && t != DType.INT64 && !(v >= t.minValue() && v <= t.maxValue())) {
            throw new IllegalArgumentException("value cannot be converted to type " + cTypeScalarName(t) + " without overflow");
        }
    }

    /**
     * A Java long for a fill of an int64 {@code self} ({@code fill_}, {@code masked_fill}, {@code index_fill},
     * {@code full}): a 0-dim int64 tensor holding it exactly, so that values beyond 2^53 are not rounded through a
     * double; null for any other type, which takes {@link #fillValue}.
     */
    static Tensor exactScalar(Tensor self, long value) {
        // uint64 too: the int64 copy into it keeps the bits (-1 is 18446744073709551615)
        return self.dtype == DType.INT64 || self.dtype == DType.UINT64 ? Creation.fromData(value, DType.INT64, self.device)
                : null;
    }

    /**
     * A Java long as a fill of type {@code t} takes it, as PyTorch's checked conversion of a Python int: rounded once to
     * float for the 32-bit and narrower floating types; for a narrow integer type checked against its range (uint8 also
     * takes -255 to -1, which wrap) and wrapped; for bool, whether it is nonzero. Exact as a double for all of these.
     */
    static double fillValue(long value, DType t) {
        if (t == DType.FLOAT64 || t == DType.COMPLEX128) {
            return (double) value;
        }
        if (t.isFloatingPoint() || t.isComplex()) {
            return (double) (float) value;
        }
        if (t == DType.BOOL) {
            return value != 0 ? 1 : 0;
        }
        checkScalarFits(value, t);
        return t == DType.UINT8 || t.isBarebonesUnsigned() ? (double) t.wrap(value) : (double) value;
    }

    /**
     * Whether {@code value.item()} of a tensor of type {@code d} is an integral Scalar that Ember reads exactly as a Java
     * long (the signed types and uint8 / uint16 / uint32; uint64's values above 2^63 are not longs).
     */
    static boolean integralScalar(DType d) {
        return d.isIntegral() || d == DType.UINT16 || d == DType.UINT32;
    }

    /**
     * PyTorch's checked {@code Scalar::to<scalar_t>()} of {@code value.item()} for a one-element value tensor written
     * into a tensor of type {@code t} ({@code fill_}, {@code masked_fill}, {@code index_fill}, {@code x[mask] = v}): the
     * Scalar keeps the tensor's kind, so an integral value is checked as a Python int ({@link #fillValue(long, DType)}:
     * uint8 takes -255..-1, which wrap; float16 refuses one beyond its range) and a floating one as a Python float (a
     * complex one by its parts); a bool value always fits.
     */
    static void checkValueTensorFits(Tensor value, DType t) {
        if (value.dtype == DType.BOOL || value.device.isMeta()) {
            return;
        }
        try (GradMode off = Ember.noGrad()) {
            Tensor v = value.detach();
            if (integralScalar(v.dtype)) {
                double d = fillValue(v.toLongArray()[0], t); // checks an integer type (uint8's wrap, uint64's bits)
                if (t.isFloatingPoint()) {
                    checkScalarFits(d, t); // float16 refuses an integer past its range
                }
            } else if (v.dtype.isComplex()) {
                checkScalarFits(ComplexOps.real(v).toDoubleArray()[0], t);
                checkScalarFits(ComplexOps.imag(v).toDoubleArray()[0], t);
            } else {
                checkScalarFits(v.toDoubleArray()[0], t);
            }
        }
    }

    /**
     * {@link #checkScalarFits} for a Java long, as PyTorch's checked conversion of a Python int: within the type's range,
     * except that uint8 also takes negative values down to -255, which wrap ({@code a - b} as {@code a + 255 * b}).
     */
    static void checkScalarFits(long v, DType t) {
        if (t.isBarebonesUnsigned()) {
            Unsigned.checkFits(v, t);
            return;
        }
        if (!t.isIntegral() || t == DType.INT64) {
            return;
        }
        long lowest = t == DType.UINT8 ? -255 : t.minValue();
        if (v < lowest || v > t.maxValue()) {
            throw new IllegalArgumentException("value cannot be converted to type " + cTypeScalarName(t) + " without overflow");
        }
    }

    /** The C++ type PyTorch's Scalar conversions name: {@code uint8_t}, {@code int8_t}, {@code int16_t}, {@code int}. */
    static String cTypeScalarName(DType t) {
        switch (t) {
            case UINT8: return "uint8_t";
            case INT8: return "int8_t";
            case INT16: return "int16_t";
            case INT32: return "int";
            case INT64: return "int64_t";
            case FLOAT32: return "float";
            case FLOAT64: return "double";
            case FLOAT16: return "at::Half";
            case BFLOAT16: return "at::BFloat16";
            case FLOAT8_E4M3FN: return "at::Float8_e4m3fn";
            case FLOAT8_E5M2: return "at::Float8_e5m2";
            case FLOAT8_E4M3FNUZ: return "at::Float8_e4m3fnuz";
            case FLOAT8_E5M2FNUZ: return "at::Float8_e5m2fnuz";
            case COMPLEX64: return "c10::complex<float>";
            case COMPLEX128: return "c10::complex<double>";
            case UINT16:
            case UINT32:
            case UINT64:
                return Unsigned.cName(t);
            default: return "bool";
        }
    }

    /** {@link #checkScalarFits} for a wrapped Java number. */
    private static void checkScalarFits(Tensor w, DType t) {
        if (w != null && w.wrappedNumber && w.dtype == DType.FLOAT64) {
            checkScalarFits(w.wrappedValue, t);
        } else if (w != null && w.wrappedNumber && w.dtype == DType.INT64) {
            checkScalarFits(w.toLongArray()[0], t);
        }
    }

    /** {@code t} converted to {@code dtype}; a host scalar is made on {@code device} (for kernels without a scalar form). */
    static Tensor castOnDevice(Tensor t, DType dtype, Device device) {
        if (!hostScalar(t, device) || dtype.isFloat8()) { // an fp8 number: its bits made by the cast
            return cast(t, dtype);
        }
        return Creation.fromFlat(Backend.scalarArray(dtype, scalarValue(t, dtype)), new int[0], dtype, device);
    }

    /** The tensor converted to a type without recording history. */
    static Tensor cast(Tensor t, DType dtype) {
        if (t.dtype == dtype) {
            return t;
        }
        if (t.dtype.isComplex() || dtype.isComplex()) {
            return ComplexOps.cast(t, dtype);
        }
        if (t.wrappedNumber && t.dtype == DType.FLOAT64 && dtype == DType.FLOAT32) {
            // a Java double meeting a float tensor (x.mul(0.5)): build the float scalar directly, no copy kernel
            return Creation.fromFlat(new float[] {(float) t.wrappedValue}, new int[0], DType.FLOAT32, t.device);
        }
        // PyTorch's _to_copy (memory_format=preserve_format): empty_like's strides, t's own where non-overlapping and
        // dense (a length-1 dim's stride too: an unfolded [3, 1, 3] keeps [3, 2, 1], which orders a binary op's
        // result), else dense strides in their order
        Tensor out = Creation.emptyLike(t, dtype);
        ComplexOps.kernelCopy(t, t.layout, out, out.layout);
        return out;
    }

    /** {@code t} converted to {@code dtype} in a tensor of its own, without history (a copy even when the type is t's). */
    private static Tensor copyAs(Tensor t, DType dtype) {
        // in place of a unary op's result: laid out as TensorIterator lays that out
        Tensor out = OutputLayouts.empty(t.shape, dtype, t.device, t);
        ComplexOps.copyElements(t, out);
        return out;
    }

    /**
     * A new tensor of {@code like}'s shape and {@code dtype} holding {@code value} everywhere, in place of a unary op's
     * result on {@code like} (so laid out as TensorIterator lays that out).
     */
    private static Tensor filled(Tensor like, DType dtype, double value) {
        Tensor out = OutputLayouts.empty(like.shape, dtype, like.device, like);
        out.backend.fill(out.storage(), out.layout, value);
        return out;
    }

    /** {@link #filled(Tensor, DType, double)}, or {@code into} (an in-place op's self) filled where that is not null. */
    private static Tensor filled(Tensor like, DType dtype, double value, Tensor into) {
        if (into == null) {
            return filled(like, dtype, value);
        }
        into.backend.fill(into.storage(), into.layout, value);
        return into;
    }

    /**
     * {@link #copyAs(Tensor, DType)}, or {@code t}'s values copied into {@code into} (an in-place op's self, of type
     * {@code dtype}) where that is not null; nothing to copy when {@code t} is {@code into} itself.
     */
    private static Tensor copyAs(Tensor t, DType dtype, Tensor into) {
        if (into == null) {
            return copyAs(t, dtype);
        }
        if (t != into) {
            OutputLayouts.Target target = OutputLayouts.into(into);
            ComplexOps.kernelCopy(t, target.of(t), into, target.layout);
        }
        return into;
    }

    /** A layout of {@code t} broadcast to {@code shape} (stride 0 in broadcast dimensions). */
    static Layout expandedLayout(Tensor t, int[] shape) {
        int n = shape.length;
        int[] strides = new int[n];
        int off = n - t.shape.length;
        for (int i = 0; i < t.shape.length; i++) {
            strides[off + i] = t.shape[i] == 1 && shape[off + i] != 1 ? 0 : t.layout.stride(i);
        }
        return new Layout(shape, strides, t.layout.offset());
    }

    /** {@code a op b} without history, in {@code computeType}, into a new tensor of {@code outType}. */
    static Tensor binaryKernel(BinaryOp op, Tensor a, Tensor b, DType computeType, DType outType) {
        return binaryKernel(op, a, b, computeType, outType, null);
    }

    /**
     * {@link #binaryKernel(BinaryOp, Tensor, Tensor, DType, DType)} written into {@code into} where it is not null (an
     * in-place op's self, of the broadcast shape and type {@code outType}: see {@link InplaceOps#writesInto}).
     */
    static Tensor binaryKernel(BinaryOp op, Tensor a, Tensor b, DType computeType, DType outType, Tensor into) {
        Device device = checkSameDevice(a, b);
        if (computeType.isBarebonesUnsigned() && !device.isMeta() && Unsigned.hasKernel(op, computeType, outType)) {
            return Unsigned.binary(op, a, b, computeType, outType); // eq, ne, mul, bitwise and/or/xor on the bits
        }
        if (op == BinaryOp.MUL && computeType.isFloat8() && outType == computeType) {
            return Float8.mul(a, b, computeType); // 2.x's mul_cpu dispatches the fp8 types
        }
        int[] shape = Shapes.broadcast(a.shape, b.shape);
        // a Java number goes to the kernel as an argument: no device copy for a device tensor, and on the CPU no
        // tensor made and broadcast for it (the autograd chain's time per op fell by about 40% with this)
        boolean aHost = a.wrappedNumber;
        if (aHost || b.wrappedNumber) {
            Tensor t = cast(aHost ? b : a, computeType);
            // laid out as TensorIterator lays out its output (the number a 0-dim operand), each layout seen by the
            // kernel in the output's dense order
            Tensor lt = OutputLayouts.promoted(aHost ? b : a, t, aHost ? a : b);
            return target(shape, outType, device, into, aHost ? a : lt, aHost ? lt : b)
                    .binaryScalar(op, t, scalarValue(aHost ? a : b, computeType), aHost);
        }
        Tensor ca = cast(a, computeType);
        Tensor cb = cast(b, computeType);
        return target(shape, outType, device, into, OutputLayouts.promoted(a, ca, b), OutputLayouts.promoted(b, cb, a))
                .binary(op, ca, cb);
    }

    /** {@code into} as a kernel's output where it is not null, else a new result laid out for these operands. */
    private static OutputLayouts.Target target(int[] shape, DType dtype, Device device, Tensor into, Tensor a, Tensor b) {
        return into != null ? OutputLayouts.into(into) : OutputLayouts.allocate(shape, dtype, device, a, b);
    }

    /**
     * The value of {@code b}, a single element of a type other than {@code t}, as PyTorch 2.x's mul and div (true,
     * trunc and floor: floor_divide too) read their second operand when the common type {@code t} is float16 or
     * bfloat16 and that operand is a single element (BinaryOpsKernel.cpp: {@code iter.is_scalar(2)}, then
     * {@code iter.original_scalar_value<opmath_t>(2)}): the
     * element's original value in float32, not its value cast to {@code t} (0.1 as a float32 0-dim tensor multiplies
     * as 0.1f, not as float16's 0.0999755859375; an int64 2049 as 2049, not float16's 2048). Null where that rule does
     * not apply: another result type, a Java number (which {@link #binaryKernel} reads so already), an operand of
     * type {@code t} (its cast is itself), one whose broadcast would widen {@code a} (left to the general kernel), or
     * one on a GPU (2.x's CUDA kernels read only a CPU scalar so, {@code iter.is_cpu_scalar(2)}; a device operand is
     * cast, and reading it here would wait for the device).
     */
    static Float reducedScalarValue(Tensor a, Tensor b, DType t) {
        if (!t.isReducedFloatingPoint() || b.wrappedNumber || a.wrappedNumber || b.dtype == t || b.dtype.isComplex()
                || b.numel() != 1 || !b.device.isCpu() || !Arrays.equals(Shapes.broadcast(a.shape, b.shape), a.shape)) {
            return null;
        }
        // c10::fetch_and_cast<float>: an int64 in one rounding, a double in one rounding, bool as 0 or 1
        return b.dtype == DType.INT64 ? (float) b.toLongArray()[0] : (float) b.toDoubleArray()[0];
    }

    /** {@code a op b} by {@link #reducedScalarValue}'s rule for mul and the divisions, or null where it does not apply. */
    private static Tensor reducedScalarOperand(BinaryOp op, Tensor a, Tensor b, DType t, Tensor into) {
        Float v = reducedScalarValue(a, b, t);
        if (v == null) {
            return null;
        }
        Device device = checkSameDevice(a, b);
        return target(a.shape, t, device, into, a, b).binaryScalar(op, cast(a, t), v, false);
    }

    /** {@code op(a)} without history into a new tensor of {@code outType} laid out as TensorIterator lays it out. */
    static Tensor unaryKernel(UnaryOp op, Tensor a, DType outType) {
        return OutputLayouts.allocate(a.shape, outType, a.device, a).unary(op, a);
    }

    /** {@link #unaryKernel(UnaryOp, Tensor, DType)} written into {@code into} where that is not null. */
    private static Tensor unaryKernel(UnaryOp op, Tensor a, DType outType, Tensor into) {
        return into == null ? unaryKernel(op, a, outType) : OutputLayouts.into(into).unary(op, a);
    }

    /**
     * {@code op(a)} into a row-major tensor, for the CPU kernels PyTorch writes into {@code empty_like(input,
     * MemoryFormat::Contiguous)} instead of a TensorIterator output ({@code log_sigmoid_forward_cpu}).
     */
    static Tensor rowMajorUnary(UnaryOp op, Tensor a, DType outType) {
        Tensor out = Creation.empty(a.shape, outType, a.device);
        a.backend.unary(op, a.storage(), a.layout, out.storage(), out.layout);
        return out;
    }

    /** Whether an op on these inputs must record a node. */
    static boolean needsGrad(Tensor... inputs) {
        if (!GradMode.isEnabled()) {
            return false;
        }
        for (Tensor t : inputs) {
            if (t != null && t.requiresGrad()) {
                return true;
            }
        }
        return false;
    }

    /** Records {@code out} as made by a node whose backward is {@code formula}. */
    static Tensor record(Tensor out, String name, Tensor[] inputs, Function<Node, Function<Tensor, Tensor[]>> formula) {
        if (!needsGrad(inputs) || !(out.dtype.isFloatingPoint() || out.dtype.isComplex())) {
            // an integer or bool result (sum / prod / cumsum / cumprod with an integer dtype= of a float leaf) carries
            // no history: it cannot require grad (PyTorch's set_history asserts isDifferentiableType there)
            return out;
        }
        Node.Fn[] holder = new Node.Fn[1];
        Function<Tensor, Tensor[]> deferred = g -> holder[0].formulaBody.apply(g);
        holder[0] = new Node.Fn(name, inputs, deferred);
        out.gradFn = holder[0];
        holder[0].formulaBody = formula.apply(holder[0]);
        return out;
    }

    /**
     * {@link #record} for a pooling node that also saves its input, as PyTorch's do (their backward kernels read only its
     * shape): the input goes through saved-tensor hooks, is unpacked once per backward and is checked for in-place
     * changes there, as PyTorch's node unpacks every saved variable.
     */
    static Tensor recordSavingInput(Tensor out, String name, Tensor input,
                                    Function<Node, Function<Tensor, Tensor[]>> formula) {
        return record(out, name, new Tensor[] {input}, n -> {
            SavedTensor saved = n.save(input);
            Function<Tensor, Tensor[]> f = formula.apply(n);
            return g -> {
                saved.get();
                return f.apply(g);
            };
        });
    }

    /**
     * {@code where(cond, 0, g)}: the exact zero PyTorch's formulas write ({@code at::zeros}, {@code masked_fill(.., 0)})
     * where the gradient does not flow, which stays zero for an infinite or NaN {@code g}.
     */
    private static Tensor zeroWhere(Tensor cond, Tensor g) {
        return where(cond, Creation.wrap(0.0), g);
    }

    /** {@code where(cond, g, 0)}, the other way round from {@link #zeroWhere}. */
    private static Tensor keepWhere(Tensor cond, Tensor g) {
        return where(cond, g, Creation.wrap(0.0));
    }

    // ------------------------------------------------------------------ binary arithmetic

    static Tensor add(Tensor a, Tensor b, double alpha) {
        return add(a, b, alpha, null);
    }

    /**
     * {@link #add(Tensor, Tensor, double)}, its result written into {@code into} where that is not null: an in-place
     * op's self, or a tensor sharing its storage ({@link InplaceOps#writesInto} says when).
     */
    static Tensor add(Tensor a, Tensor b, double alpha, Tensor into) {
        if (ComplexOps.any(a, b)) {
            return ComplexOps.add(a, b, alpha);
        }
        DType t = resultType(a, b);
        checkAlpha(t, alpha);
        Tensor out = alpha == 1 ? binaryKernel(BinaryOp.ADD, a, b, t, t, into)
                : addScaled(a, b, alpha, t, BinaryOp.ADD, into);
        return record(out, "AddBackward0", new Tensor[] {a, b}, n -> g -> new Tensor[] {
            n.needsInputGrad(0) ? g : null,
            n.needsInputGrad(1) ? (alpha == 1 ? g : g.mul(alpha)) : null});
    }

    static Tensor sub(Tensor a, Tensor b, double alpha) {
        return sub(a, b, alpha, null);
    }

    /** {@link #sub(Tensor, Tensor, double)} into {@code into} where not null, as {@link #add(Tensor, Tensor, double, Tensor)}. */
    static Tensor sub(Tensor a, Tensor b, double alpha, Tensor into) {
        checkSub(a, b); // before the complex path too: a bool tensor minus a Java complex number is refused
        if (ComplexOps.any(a, b)) {
            return ComplexOps.sub(a, b, alpha);
        }
        DType t = resultType(a, b);
        checkAlpha(t, alpha);
        Tensor out = alpha == 1 ? binaryKernel(BinaryOp.SUB, a, b, t, t, into)
                : addScaled(a, b, -alpha, t, BinaryOp.SUB, into);
        return record(out, "SubBackward0", new Tensor[] {a, b}, n -> g -> new Tensor[] {
            n.needsInputGrad(0) ? g : null,
            n.needsInputGrad(1) ? g.mul(-alpha) : null});
    }

    /** {@code scalar - a} (PyTorch's rsub; Python's {@code scalar - tensor}). */
    static Tensor rsub(Tensor a, Tensor scalar) {
        checkSub(a, scalar);
        if (ComplexOps.any(a, scalar)) {
            return ComplexOps.rsub(a, scalar);
        }
        DType t = resultType(a, scalar);
        Tensor out = binaryKernel(BinaryOp.SUB, scalar, a, t, t);
        return record(out, "RsubBackward1", new Tensor[] {a}, n -> g -> new Tensor[] {g.neg()});
    }

    /** PyTorch's sub_check: no bool operand at all (not even with a number, whose type is never bool here). */
    static void checkSub(Tensor a, Tensor b) {
        if (a.dtype == DType.BOOL && b.dtype == DType.BOOL) {
            throw new IllegalArgumentException("Subtraction, the `-` operator, with two bool tensors is not supported. "
                    + "Use the `^` or `logical_xor()` operator instead.");
        }
        if (a.dtype == DType.BOOL || b.dtype == DType.BOOL) {
            throw new IllegalArgumentException("Subtraction, the `-` operator, with a bool tensor is not supported. "
                    + "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.");
        }
    }

    static void checkAlpha(DType t, double alpha) {
        if (!t.isFloatingPoint() && !t.isComplex() && alpha != Math.rint(alpha)) {
            throw new IllegalArgumentException("For integral input tensors, argument alpha must not be a floating point number.");
        }
        checkNumberFits(alpha, t);
    }

    /**
     * {@link #checkScalarFits} for a Java double that stands for a Python number (an alpha): an integral one is a Python
     * int to PyTorch, checked as {@link #checkScalarFits(long, DType)} checks it (uint8 takes -255 to -1, which wrap),
     * any other a Python float.
     */
    static void checkNumberFits(double v, DType t) {
        if (t.isIntegral() && v == Math.rint(v) && Math.abs(v) < 0x1p63) {
            checkScalarFits((long) v, t);
        } else {
            checkScalarFits(v, t);
        }
    }

    /**
     * {@code a + alpha * b} ({@code kernel} ADD) or {@code a - |alpha| * b} (SUB, alpha already negated). Floating
     * types take one fused multiply-add per element, as PyTorch's add kernels ({@code fmadd(b, alpha, a)}): a product
     * that overflows alone can still give a finite sum; on the CPU float16 and bfloat16 follow PyTorch's vector and
     * scalar paths (the backend's {@code axpy}: fused in float over whole vector passes, two roundings in the type
     * elsewhere). Integers wrap as in C.
     */
    private static Tensor addScaled(Tensor a, Tensor b, double alpha, DType t, BinaryOp kernel, Tensor into) {
        if (!t.isFloatingPoint()) {
            Tensor s = Creation.wrap(kernel == BinaryOp.SUB ? -(long) alpha : (long) alpha);
            return binaryKernel(kernel, a, binaryKernel(BinaryOp.MUL, b, s, t, t), t, t, into);
        }
        Device device = checkSameDevice(a, b);
        int[] shape = Shapes.broadcast(a.shape, b.shape);
        Tensor ca = castOnDevice(a, t, device);
        Tensor cb = castOnDevice(b, t, device);
        return target(shape, t, device, into, OutputLayouts.promoted(a, ca, b), OutputLayouts.promoted(b, cb, a))
                .addScaled(ca, alpha, cb);
    }

    static Tensor mul(Tensor a, Tensor b) {
        return mul(a, b, null);
    }

    /** {@link #mul(Tensor, Tensor)} into {@code into} where not null, as {@link #add(Tensor, Tensor, double, Tensor)}. */
    static Tensor mul(Tensor a, Tensor b, Tensor into) {
        if (ComplexOps.any(a, b)) {
            return ComplexOps.mul(a, b);
        }
        DType t = resultType(a, b);
        Tensor out = reducedScalarOperand(BinaryOp.MUL, a, b, t, into);
        if (out == null) {
            out = binaryKernel(t == DType.BOOL ? BinaryOp.LOGICAL_AND : BinaryOp.MUL, a, b, t, t, into);
        }
        return record(out, "MulBackward0", new Tensor[] {a, b}, n -> {
            SavedTensor sb = n.needsInputGrad(0) ? n.save(b) : null;
            SavedTensor sa = n.needsInputGrad(1) ? n.save(a) : null;
            return g -> new Tensor[] {sb == null || !n.computes(0, sb) ? null : g.mul(sb.get()), sa == null || !n.computes(1, sa) ? null : g.mul(sa.get())};
        });
    }

    /**
     * {@code a / b} for a C++ Scalar {@code b}, as ATen's own code divides by a number ({@code div.Scalar}): node
     * DivBackward1, whose only input is {@code a} ({@code grad / b}). A Java number given to {@link Tensor#div} is a
     * Python number, wrapped as a tensor, hence DivBackward0; this is for the compositions PyTorch writes in C++.
     */
    static Tensor divScalar(Tensor a, double b) {
        Tensor divisor = Creation.wrap(b);
        if (a.dtype.isComplex()) {
            Tensor out = ComplexOps.compute(() -> ComplexOps.div(a, divisor));
            return record(out, "DivBackward1", new Tensor[] {a}, n -> g -> new Tensor[] {g.div(b)});
        }
        DType t = floatingType(a, divisor, "div");
        Tensor out = binaryKernel(BinaryOp.DIV, a, divisor, t, t);
        return record(out, "DivBackward1", new Tensor[] {a}, n -> g -> new Tensor[] {g.div(b)});
    }

    /** True division (integers give the default type); {@code a} may be a Java number ({@code rdiv}). */
    static Tensor div(Tensor a, Tensor b) {
        return trueDivide(a, b, "DivBackward0", null);
    }

    /** {@link #div(Tensor, Tensor)} into {@code into} where not null, as {@link #add(Tensor, Tensor, double, Tensor)}. */
    static Tensor div(Tensor a, Tensor b, Tensor into) {
        return trueDivide(a, b, "DivBackward0", into);
    }

    /**
     * True division in the floating result type, under {@code node}: DivBackward0 for {@code div(other)}, DivBackward2
     * for {@code div(other, rounding_mode=None)}, PyTorch's names for the same formula.
     */
    private static Tensor trueDivide(Tensor a, Tensor b, String node, Tensor into) {
        if (ComplexOps.any(a, b)) {
            return ComplexOps.div(a, b);
        }
        DType t = floatingType(a, b, "div");
        Tensor out = reducedScalarOperand(BinaryOp.DIV, a, b, t, into);
        if (out == null) {
            out = binaryKernel(BinaryOp.DIV, a, b, t, t, into);
        }
        return record(out, node, new Tensor[] {a, b}, n -> {
            SavedTensor sb = n.save(b);
            SavedTensor sa = n.needsInputGrad(1) ? n.save(a) : null;
            return g -> {
                Tensor bv = sb.get();
                // PyTorch's div_tensor_other_backward, -grad * ((self / other) / other): no other * other to overflow
                return new Tensor[] {
                    n.needsInputGrad(0) ? g.div(bv) : null,
                    sa == null || !n.computes(1, sa) ? null : g.neg().mul(sa.get().div(bv).div(bv))};
            };
        });
    }

    static Tensor powScalar(Tensor a, double exponent) {
        if (Autocast.on()) return Autocast.apply("pow", t -> powScalar(t[0], exponent), a);
        if (a.dtype.isComplex()) {
            return ComplexOps.pow(a, exponent);
        }
        return powScalar(a, Creation.wrap(exponent));
    }

    /**
     * {@code base ** e} for a Java number base ({@code torch.pow(self: Scalar, exponent)}), node PowBackward2: the type
     * is the promoted one; the gradient is PyTorch's {@code grad * result * log(base)}, 0 where {@code base = 0} and
     * {@code e >= 0}.
     */
    static Tensor powScalarBase(double base, Tensor e) {
        if (Autocast.on()) return Autocast.apply("pow", t -> powScalarBase(base, t[0]), e);
        return powScalarBase(Creation.wrap(base), base, e);
    }

    /** {@code base ** e} for a complex number base ({@code torch.pow(1 + 2j, t)}): the complex pow, PowBackward2. */
    static Tensor powComplexBase(Complex base, Tensor e) {
        if (Autocast.on()) return Autocast.apply("pow", t -> powComplexBase(base, t[0]), e);
        return ComplexMath.pow(Creation.wrap(base), e);
    }

    /** {@code base ** e} for an integer base (Python's {@code 2 ** t}): promoted as an integer number. */
    static Tensor powScalarBase(long base, Tensor e) {
        if (Autocast.on()) return Autocast.apply("pow", t -> powScalarBase(base, t[0]), e);
        return powScalarBase(Creation.wrap(base), base, e);
    }

    private static Tensor powScalarBase(Tensor b, double base, Tensor e) {
        if (e.dtype.isComplex()) {
            return ComplexMath.pow(b, e);
        }
        DType t = resultType(b, e);
        if (t == DType.BOOL) {
            throw Refusals.notImplemented("pow", DType.BOOL);
        }
        Tensor out = binaryKernel(BinaryOp.POW, b, e, t, t);
        return record(out, "PowBackward2", new Tensor[] {e}, n -> {
            SavedTensor se = n.save(e);
            SavedTensor so = n.saveOutput(out);
            return g -> {
                Tensor grad = g.mul(so.get().mul(Math.log(base)));
                return new Tensor[] {base == 0 ? zeroWhere(se.get().ge(0.0), grad) : grad};
            };
        });
    }

    /** {@code a ** True} (a copy) or {@code a ** False} (ones), in a's type, as {@link #powScalar(Tensor, long)}. */
    static Tensor powScalar(Tensor a, boolean exponent) {
        if (Autocast.on()) return Autocast.apply("pow", t -> powScalar(t[0], exponent), a);
        if (a.dtype.isComplex()) {
            return ComplexOps.pow(a, exponent ? 1.0 : 0.0, true);
        }
        return powScalar(a, Creation.wrap(exponent));
    }

    static Tensor powScalar(Tensor a, long exponent) {
        if (Autocast.on()) return Autocast.apply("pow", t -> powScalar(t[0], exponent), a);
        if (a.dtype.isComplex()) {
            return ComplexOps.pow(a, exponent);
        }
        return powScalar(a, Creation.wrap(exponent));
    }

    /**
     * {@code a ** e} for a Java number {@code e}, as PyTorch's pow(Tensor, Scalar): the type is the promoted one (a
     * double exponent makes an integer tensor float32); an integer exponent below zero is an error for integer and
     * bool tensors; exponent 0 gives ones (NaN ** 0 is 1) and 1 a copy; for floating types 0.5, -0.5, -1, 2, 3 and -2
     * take PyTorch's own formulas (sqrt, 1 / sqrt, reciprocal, x * x, x * x * x, 1 / (x * x)), whose rounding and
     * signed zeros ((-0) ** 0.5 is -0) differ from a general pow.
     */
    private static Tensor powScalar(Tensor a, Tensor e) {
        return powScalar(a, e, null);
    }

    /**
     * {@code a ** e} for a Java number {@code e} ({@link #powScalar(Tensor, Tensor)}), written into {@code into} where
     * that is not null: pow_'s self, or a tensor over its storage, of {@code a}'s floating type and shape
     * ({@link InplaceOps#writesInto} says when); {@code a} is self's old values (a copy under autograd, self itself
     * otherwise). The same kernels in the same order as the new result's, so the same values.
     */
    static Tensor powScalar(Tensor a, Tensor e, Tensor into) {
        if (a.dtype.isFloat8()) {
            // 2.x's pow_tensor_scalar kernel takes fp8 to its integral dispatch "pow", which refuses it (square is pow 2)
            throw Refusals.unsupported("pow", a.dtype);
        }
        boolean integralExponent = e.dtype == DType.INT64;
        double exponent = wrappedDouble(e);
        if (!a.dtype.isFloatingPoint() && integralExponent && e.toLongArray()[0] < 0) {
            throw new IllegalArgumentException("Integers to negative integer powers are not allowed.");
        }
        DType t = resultType(a, e);
        Tensor out;
        if (exponent == 0) {
            out = filled(a, t, 1, into);
        } else if (exponent == 1) {
            out = copyAs(a, t, into);
        } else if (!t.isFloatingPoint()) {
            out = binaryKernel(BinaryOp.POW, a, e, t, t);
        } else if (t == DType.FLOAT16) {
            // PowKernel.cpp's Half branch: the exponent converted checked to Half (pow(x, 1e5) is refused), then
            // std::pow for every exponent, no sqrt/rsqrt/reciprocal/square shortcut ((-0) ** 0.5 is 0, (-inf) ** 0.5
            // inf, (-0) ** -0.5 inf)
            checkScalarFits(exponent, t);
            out = binaryKernel(BinaryOp.POW, cast(a, t), e, t, t, into);
        } else {
            Tensor x = cast(a, t);
            if (t == DType.BFLOAT16 && exponent != 0.5 && exponent != -0.5 && exponent != -1) {
                // bfloat16 takes the shortcuts, then its exponent converted checked to BFloat16
                checkScalarFits(exponent, t);
            }
            if (exponent == 0.5) {
                out = unaryKernel(UnaryOp.SQRT, x, t, into);
            } else if (exponent == -0.5) {
                // the square root into the output, then its reciprocal there (each element read where it is written)
                out = unaryKernel(UnaryOp.RECIPROCAL, unaryKernel(UnaryOp.SQRT, x, t, into), t, into);
            } else if (exponent == -1) {
                out = unaryKernel(UnaryOp.RECIPROCAL, x, t, into);
            } else if (exponent == 2 || exponent == -2) {
                out = binaryKernel(BinaryOp.MUL, x, x, t, t, into);
                if (exponent == -2) {
                    out = unaryKernel(UnaryOp.RECIPROCAL, out, t, into);
                }
            } else if (exponent == 3) {
                // x * x a new tensor even when writing into self: x may be self itself (no autograd), read again
                out = binaryKernel(BinaryOp.MUL, binaryKernel(BinaryOp.MUL, x, x, t, t), x, t, t, into);
            } else if (t == DType.FLOAT32 && !((float) exponent == exponent) && x.device.isCpu()) {
                // an exponent float cannot hold (0.1, 1e-320, 2^24 + 1; NaN too): PowKernel.cpp's
                // pow_tensor_scalar_optimized_kernel<float, double> gives its vectorized part Vec::pow(float(exp))
                // (Sleef's powf, the exponent rounded to float) and its scalar part std::pow(float, double) (the
                // exponent as given: 0 ** 1e-320 is 0 there, 1 in the vectorized part); the CPU backend takes the
                // Double and splits the elements as cpu_kernel_vec does
                // (written into a contiguous self only: the split falls on the same elements when the kernel walks
                // them in the order a new result's would)
                boolean direct = into != null && into.layout.isContiguous();
                out = (direct ? OutputLayouts.into(into) : OutputLayouts.allocate(x.shape, t, x.device, x, e))
                        .binaryScalar(BinaryOp.POW, x, exponent, false);
                out = direct ? out : copyAs(out, t, into);
            } else if (t == DType.FLOAT32 && !((float) exponent == exponent)) {
                // other devices: std::pow(float, double) for every element (0 ** 1e-320 is 0, not 0 ** 0 = 1)
                Tensor wide = binaryKernel(BinaryOp.POW, cast(x, DType.FLOAT64), e, DType.FLOAT64, DType.FLOAT64);
                out = copyAs(cast(wide, DType.FLOAT32), DType.FLOAT32, into);
            } else {
                out = binaryKernel(BinaryOp.POW, x, e, t, t, into);
            }
        }
        return record(out, "PowBackward0", new Tensor[] {a}, n -> {
            SavedTensor sa = n.save(a);
            return g -> {
                // pow_backward: zeros_like(self) for exponent 0, else grad * (exponent * self.pow(exponent - 1)); a
                // bool False is not equal(0.0) there (Scalar::equal: a bool equals no number), so x ** False's
                // gradient is grad * (0 * x ** -1): NaN at 0, as PyTorch's
                if (exponent == 0 && e.dtype != DType.BOOL) {
                    return new Tensor[] {g.zerosLike()};
                }
                // self.pow(exponent - 1) even for 2: the next derivative goes through it (x.pow(1)'s PowBackward0),
                // so the second derivative of x ** 2 requires grad and a third is zeros, as PyTorch's
                Tensor x = sa.get();
                return new Tensor[] {g.mul(x.pow(exponent - 1).mul(exponent))};
            };
        });
    }

    /**
     * {@code a ** b} elementwise: C's pow for floating types (1 ** NaN and (-1) ** inf are 1), PyTorch's integer
     * rules for integers (a negative exponent gives 1 for base 1, +-1 for base -1, otherwise 0; overflow wraps).
     */
    static Tensor pow(Tensor a, Tensor b) {
        return pow(a, b, null);
    }

    /**
     * {@link #pow(Tensor, Tensor)} written into {@code into} where that is not null (pow_'s self or a tensor over its
     * storage, of the promoted type and {@code a}'s shape: {@link InplaceOps#writesInto} says when); {@code a} is self's
     * old values, a copy under autograd.
     */
    static Tensor pow(Tensor a, Tensor b, Tensor into) {
        if (Autocast.on()) return Autocast.apply("pow", t -> pow(t[0], t[1]), a, b);
        if (ComplexOps.any(a, b)) {
            return ComplexMath.pow(a, b);
        }
        DType t = resultType(a, b);
        if (t == DType.BOOL) {
            throw Refusals.notImplemented("pow", DType.BOOL);
        }
        Tensor out = binaryKernel(BinaryOp.POW, a, b, t, t, into);
        return record(out, "PowBackward1", new Tensor[] {a, b}, n -> {
            SavedTensor sa = n.save(a);
            SavedTensor sb = n.save(b);
            // the result is saved whichever inputs need a gradient, as PyTorch's codegen saves every variable of the
            // formulas (its later in-place change fails the backward)
            SavedTensor so = n.saveOutput(out);
            return g -> {
                Tensor x = sa.get();
                Tensor y = sb.get();
                Tensor result = so.get();
                Tensor ga = null;
                Tensor gb = null;
                if (n.needsInputGrad(0)) {
                    // pow_backward_self: where(exponent == 0, 0, grad * (exponent * self.pow(exponent - 1)))
                    ga = zeroWhere(y.eq(0.0), g.mul(y.mul(x.pow(y.sub(1L)))));
                }
                if (n.needsInputGrad(1)) {
                    // pow_backward_exponent: grad * where(self == 0 & exponent >= 0, 0, result * log(self)): 0 ** y
                    // has slope 0 in y for y >= 0 (and -inf for y < 0, from result * log(0))
                    Tensor logX = x.to(t).log();
                    gb = g.mul(zeroWhere(x.eq(0.0).logicalAnd(y.ge(0.0)), result.mul(logX)));
                }
                return new Tensor[] {ga, gb};
            };
        });
    }

    static Tensor maximum(Tensor a, Tensor b) {
        return extremum(a, b, BinaryOp.MAXIMUM, "MaximumBackward0");
    }

    static Tensor minimum(Tensor a, Tensor b) {
        return extremum(a, b, BinaryOp.MINIMUM, "MinimumBackward0");
    }

    /** maximum or minimum: NaN if either operand is NaN (not fmax's "the other one"), as PyTorch. */
    private static Tensor extremum(Tensor a, Tensor b, BinaryOp op, String name) {
        ComplexIndexing.refuse(op == BinaryOp.MAXIMUM ? "maximum" : "minimum", a, b);
        DType t = resultType(a, b);
        Tensor out = binaryKernel(op, a, b, t, t);
        return record(out, name, new Tensor[] {a, b}, n -> {
            SavedTensor sa = n.save(a);
            SavedTensor sb = n.save(b);
            return g -> {
                Tensor x = sa.get();
                Tensor y = sb.get();
                // PyTorch: where(self == other, grad / 2, grad).masked_fill_(self < other, 0) for maximum's self (the
                // loser gets 0, ties share). A NaN compares false both ways, so then both inputs get the whole grad.
                Tensor shared = Tensor.where(x.eq(y), g.div(2.0), g);
                boolean max = op == BinaryOp.MAXIMUM;
                return new Tensor[] {
                    n.needsInputGrad(0) ? zeroWhere(max ? x.lt(y) : x.gt(y), shared) : null,
                    n.needsInputGrad(1) ? zeroWhere(max ? x.gt(y) : x.lt(y), shared) : null};
            };
        });
    }

    /**
     * ReLU's backward, PyTorch's {@code threshold_backward(g, out, 0)}: {@code g} where {@code out > 0}, else 0 (not
     * {@code g * 0}: a NaN gradient stays out of the zeros). One kernel; differentiable in {@code g} for double backward.
     */
    static Tensor thresholdBackward(Tensor g, Tensor out) {
        DType t = resultType(g, out);
        Tensor r = binaryKernel(BinaryOp.THRESHOLD_BACKWARD, g, out, t, t);
        return record(r, "ThresholdBackwardBackward0", new Tensor[] {g, out}, n -> {
            SavedTensor so = n.save(out);
            return gg -> new Tensor[] {
                n.needsInputGrad(0) ? thresholdBackward(gg, so.get()) : null,
                n.needsInputGrad(1) ? gg.zerosLike() : null};
        });
    }

    /**
     * sigmoid_backward or tanh_backward ({@code op} SIGMOID or TANH) in one backend kernel
     * ({@link dev.ember.backend.Backend#activationBackward}), PyTorch's bits, where {@code g} and {@code y} are both
     * float32 or both float64, of one shape, on one CPU device, in any layouts; null (the caller composes the ops) where
     * not, where the backend declines, or where the system property {@code ember.activationBackward.composed} is true
     * (the composed ops, for comparisons). Not recorded.
     */
    private static Tensor fusedActivationBackward(UnaryOp op, Tensor g, Tensor y) {
        if (y.dtype != DType.FLOAT32 && y.dtype != DType.FLOAT64 || g.dtype != y.dtype || !y.device.isCpu()
                || !g.device.equals(y.device) || !Arrays.equals(g.shape, y.shape)
                || Boolean.getBoolean("ember.activationBackward.composed")) {
            return null;
        }
        // the result laid out as TensorIterator lays it out (the operands: grad_output, then output)
        OutputLayouts.Target t = OutputLayouts.allocate(y.shape, y.dtype, y.device, g, y);
        return y.backend.activationBackward(op, g.storage(), t.of(g), y.storage(), t.of(y), t.out.storage(), t.layout)
                ? t.out : null;
    }

    /**
     * PyTorch's {@code tanh_backward(grad, y)}: {@code grad * (1 - y * y)}, for float32 and float64 with x86 PyTorch's
     * rounding {@code grad * fma(-y, y, 1)} (its AVX2 and AVX512 kernels are compiled with FMA contraction, the vector
     * form and the scalar one alike; DEFAULT rounds twice: activationbackwardbits/make_expected.py), in one kernel
     * where {@link #fusedActivationBackward} applies, recorded (under create_graph) as its own
     * node TanhBackwardBackward0, whose formulas are derivatives.yaml's: {@code tanh_backward(gg, y)} for the gradient
     * and {@code gg * (-2 * y * grad)} for the output.
     */
    static Tensor tanhBackward(Tensor g, Tensor y) {
        Tensor r = fusedActivationBackward(UnaryOp.TANH, g, y);
        if (r != null) {
            return recordTanhBackward(r, g, y);
        }
        try (GradMode off = Ember.noGrad()) {
            if ((y.dtype == DType.FLOAT32 || y.dtype == DType.FLOAT64) && (!y.device.isCpu()
                    || dev.ember.backend.CpuCapability.fusesMultiplyAdd(dev.ember.backend.CpuCapability.value()))) {
                // x86 PyTorch's kernel is compiled with FMA contraction: 1 - y * y is fma(-y, y, 1), one rounding
                // (addcmul's kernel: fma(-1 * y, y, 1), -1 * y exact); its DEFAULT build rounds twice
                r = g.mul(y.onesLike().addcmul(y, y, -1.0));
            } else {
                r = g.mul(y.mul(y).rsub(1.0));
            }
        }
        return recordTanhBackward(r, g, y);
    }

    private static Tensor recordTanhBackward(Tensor r, Tensor g, Tensor y) {
        return record(r, "TanhBackwardBackward0", new Tensor[] {g, y}, n -> {
            SavedTensor sg = n.needsInputGrad(1) ? n.save(g) : null;
            SavedTensor sy = n.save(y);
            return gg -> new Tensor[] {
                n.needsInputGrad(0) ? tanhBackward(gg, sy.get()) : null,
                n.needsInputGrad(1) ? gg.mul(sy.get().mul(-2L).mul(sg.get())) : null};
        });
    }

    /**
     * PyTorch's {@code sigmoid_backward(grad, y)}: {@code grad * (1 - y) * y} (its order, for identical float32
     * rounding), in one kernel where {@link #fusedActivationBackward} applies, recorded (under create_graph) as its own node SigmoidBackwardBackward0, whose formulas are
     * derivatives.yaml's: {@code sigmoid_backward(gg, y)} for the gradient and {@code gg * grad * (-2 * y + 1)} for
     * the output.
     */
    static Tensor sigmoidBackward(Tensor g, Tensor y) {
        Tensor r = fusedActivationBackward(UnaryOp.SIGMOID, g, y);
        if (r == null) {
            try (GradMode off = Ember.noGrad()) {
                r = g.mul(y.rsub(1.0)).mul(y);
            }
        }
        return record(r, "SigmoidBackwardBackward0", new Tensor[] {g, y}, n -> {
            SavedTensor sg = n.needsInputGrad(1) ? n.save(g) : null;
            SavedTensor sy = n.save(y);
            return gg -> new Tensor[] {
                n.needsInputGrad(0) ? sigmoidBackward(gg, sy.get()) : null,
                n.needsInputGrad(1) ? gg.mul(sg.get()).mul(sy.get().mul(-2L).add(1L)) : null};
        });
    }

    static Tensor compare(Tensor a, Tensor b, BinaryOp op) {
        if (ComplexOps.any(a, b) && (op == BinaryOp.EQ || op == BinaryOp.NE)) {
            return ComplexOps.equality(a, b, op == BinaryOp.EQ);
        }
        if (ComplexOps.any(a, b) && (op == BinaryOp.LOGICAL_AND || op == BinaryOp.LOGICAL_OR || op == BinaryOp.LOGICAL_XOR)) {
            // a complex operand is true where either part is non-zero
            return compare(truth(a), truth(b), op);
        }
        if (op == BinaryOp.LT || op == BinaryOp.LE || op == BinaryOp.GT || op == BinaryOp.GE) {
            ComplexIndexing.refuse(op.name().toLowerCase(java.util.Locale.ROOT), a, b);
        }
        DType t = resultType(a, b);
        if (t.isFloat8() && (op == BinaryOp.EQ || op == BinaryOp.NE)) {
            // 2.x's eq_cpu and ne_cpu dispatch the fp8 types: both operands in the common fp8 type (a number rounded
            // into it, as TensorIterator casts a CPU scalar), compared as floats
            checkSameDevice(a, b);
            return Float8.compare(cast(a, t), cast(b, t), op == BinaryOp.EQ);
        }
        return binaryKernel(op, a, b, t, DType.BOOL);
    }

    /** A complex tensor's truth (re or im non-zero, bool); any other tensor itself. */
    private static Tensor truth(Tensor t) {
        return t.dtype.isComplex() ? ComplexIndexing.isNonzero(t) : t;
    }

    static Tensor predicate(Tensor a, UnaryOp op) {
        if (a.dtype.isComplex() && op == UnaryOp.ISFINITE) return ComplexIndexing.isKind(a, op);
        if (a.dtype.isComplex() && op == UnaryOp.LOGICAL_NOT) return predicate(truth(a), op);
        return unaryKernel(op, a, DType.BOOL);
    }

    static Tensor where(Tensor cond, Tensor a, Tensor b) {
        if (cond.dtype != DType.BOOL) {
            throw new IllegalArgumentException("where expected condition to be a boolean tensor, but got a tensor with dtype "
                    + Format.scalarType(cond.dtype));
        }
        Device device = checkSameDevice(cond, a, b);
        DType t = resultType(a, b);
        checkScalarFits(a, t);
        checkScalarFits(b, t);
        int[] shape = Shapes.broadcast(Shapes.broadcast(cond.shape, a.shape), b.shape);
        Tensor ca = castOnDevice(a, t, device);
        Tensor cb = castOnDevice(b, t, device);
        OutputLayouts.Target target = OutputLayouts.allocate(shape, t, device, cond, a, b);
        Tensor out = target.out;
        if (t.isComplex()) {
            ComplexOps.whereKernel(cond, target.of(cond), ca, target.of(ca), cb, target.of(cb), out, target.layout);
        } else {
            out.backend.where(cond.storage(), target.of(cond), ca.storage(), target.of(ca), cb.storage(), target.of(cb),
                    out.storage(), target.layout);
        }
        return record(out, "WhereBackward0", new Tensor[] {cond, a, b}, n -> {
            SavedTensor sc = n.save(cond);
            return g -> {
                Tensor c = sc.get();
                // where(condition, grad, 0) and where(condition, 0, grad): exact zeros
                return new Tensor[] {null,
                    n.needsInputGrad(1) ? keepWhere(c, g) : null,
                    n.needsInputGrad(2) ? zeroWhere(c, g) : null};
            };
        });
    }

    // ------------------------------------------------------------------ clamp

    /** {@code clamp(a, min, max)} with both bounds (ClampBackward1). */
    static Tensor clamp(Tensor a, double min, double max) {
        return clamp(a, Creation.wrap(min), Creation.wrap(max), "ClampBackward1");
    }

    static Tensor clamp(Tensor a, long min, long max) {
        return clamp(a, Creation.wrap(min), Creation.wrap(max), "ClampBackward1");
    }

    /** {@code clamp(a, min=..., max=...)} with either bound null (absent): still one ClampBackward1 node. */
    static Tensor clamp(Tensor a, Double min, Double max) {
        clampBoundsGiven(min, max);
        return clamp(a, min == null ? null : Creation.wrap(min), max == null ? null : Creation.wrap(max),
                "ClampBackward1");
    }

    /** PyTorch's refusal of a clamp without bounds. */
    static void clampBoundsGiven(Object min, Object max) {
        if (min == null && max == null) {
            throw new IllegalArgumentException("torch.clamp: At least one of 'min' or 'max' must not be None");
        }
    }

    static Tensor clampMin(Tensor a, double min) {
        return clamp(a, Creation.wrap(min), null, "ClampMinBackward0");
    }

    static Tensor clampMin(Tensor a, long min) {
        return clamp(a, Creation.wrap(min), null, "ClampMinBackward0");
    }

    static Tensor clampMax(Tensor a, double max) {
        return clamp(a, null, Creation.wrap(max), "ClampMaxBackward0");
    }

    static Tensor clampMax(Tensor a, long max) {
        return clamp(a, null, Creation.wrap(max), "ClampMaxBackward0");
    }

    /**
     * PyTorch's clamp with the bounds as Java numbers, {@code null} for an absent one. The type: a floating tensor
     * keeps its own; an integer or bool tensor takes the promoted type (a double bound gives the default type). Each element is
     * {@code min(max(x, lo), hi)} with a NaN {@code x} staying NaN and an {@code x} equal to a bound kept (so -0 stays
     * -0 against a bound of 0); {@code lo > hi} gives {@code hi}. A NaN bound makes every element NaN (PyTorch's clamp
     * fills the result, and clamp_min and clamp_max propagate it).
     */
    private static Tensor clamp(Tensor a, Tensor lo, Tensor hi, String name) {
        return clamp(a, lo, hi, name, null);
    }

    /**
     * {@code clamp(a, min, max)} (either bound null: absent) written into {@code into}, ClampBackward1 over {@code a}:
     * clamp_'s direct write ({@link InplaceOps#inplaceFromOld}), {@code into} over self's storage, {@code a} self's
     * old values (a copy under autograd, self itself otherwise).
     */
    static Tensor clampInto(Tensor a, Double min, Double max, Tensor into) {
        return clamp(a, min == null ? null : Creation.wrap(min), max == null ? null : Creation.wrap(max),
                "ClampBackward1", into);
    }

    /** {@link #clampInto(Tensor, Double, Double, Tensor)} with integral bounds (Python ints). */
    static Tensor clampInto(Tensor a, long min, long max, Tensor into) {
        return clamp(a, Creation.wrap(min), Creation.wrap(max), "ClampBackward1", into);
    }

    /**
     * {@link #clamp(Tensor, Tensor, Tensor, String)} written into {@code into} where that is not null (an in-place op's
     * self or a tensor over its storage, of {@code a}'s floating type and shape): the same kernels in the same order,
     * so the same values.
     */
    private static Tensor clamp(Tensor a, Tensor lo, Tensor hi, String name, Tensor into) {
        ComplexIndexing.refuse("clamp", a); // clamp's meta function checks this first
        DType t = a.dtype.isFloatingPoint() ? a.dtype
                : lo == null ? resultType(a, hi) : hi == null ? resultType(a, lo) : resultType(a, lo, hi);
        boolean loNaN = lo != null && Double.isNaN(wrappedDouble(lo));
        boolean hiNaN = hi != null && Double.isNaN(wrappedDouble(hi));
        Tensor out;
        if (loNaN || hiNaN) {
            // filled before either bound is converted, as PyTorch (so clamp(NaN, 1e40) of a float tensor is no error)
            out = filled(a, t, Double.NaN, into);
        } else {
            checkScalarFits(lo, t);
            checkScalarFits(hi, t);
            // the MAXIMUM and MINIMUM kernels keep their first operand on ties and propagate a NaN one
            out = clampFloat(a, lo, hi, into);
            if (out != null) {
                return recordClamp(out, a, lo, hi, name);
            }
            out = cast(a, t);
            if (lo != null) {
                out = binaryKernel(BinaryOp.MAXIMUM, out, lo, t, t, into);
            }
            if (hi != null) {
                if (out != a && hi.wrappedNumber && !t.isBarebonesUnsigned() && !t.isFloat8()
                        && !Boolean.getBoolean("ember.clamp.twoOutputs")) {
                    // the maximum's fresh result takes the minimum in place: one output written, not two
                    // (-Dember.clamp.twoOutputs=true writes a second, before session 48); the same values
                    out = OutputLayouts.into(out).binaryScalar(BinaryOp.MINIMUM, out, scalarValue(hi, t), false);
                } else {
                    out = binaryKernel(BinaryOp.MINIMUM, out, hi, t, t, into);
                }
            }
            if (out == a) {
                out = copyAs(a, t, into);
            }
        }
        return recordClamp(out, a, lo, hi, name);
    }

    /**
     * A float32 tensor's clamp with both bounds in one pass of the backend's kernel ({@link Backend#clampFloat}: the
     * values of maximum then minimum), or null where it does not apply (another type, one bound, a tensor bound, a
     * non-contiguous input, a backend without the kernel) or where {@code -Dember.clamp.twoPasses=true} (the two
     * passes, before session 49).
     */
    private static Tensor clampFloat(Tensor a, Tensor lo, Tensor hi, Tensor into) {
        if (lo == null || hi == null || a.dtype != DType.FLOAT32 || !lo.wrappedNumber || !hi.wrappedNumber
                || !a.layout.isContiguous() || Boolean.getBoolean("ember.clamp.twoPasses")
                || into != null && !(into.layout.isContiguous() && into.layout.offset() == 0)) {
            return null; // (the kernel writes its output contiguous from element 0)
        }
        Tensor out = into != null ? into : Creation.empty(a.shape, DType.FLOAT32, a.device);
        return a.backend.clampFloat(a.storage(), a.layout, (float) wrappedDouble(lo), (float) wrappedDouble(hi),
                out.storage()) ? out : null;
    }

    /** clamp's node over {@code a} with its backward (clamp_backward). */
    private static Tensor recordClamp(Tensor out, Tensor a, Tensor lo, Tensor hi, String name) {
        return record(out, name, new Tensor[] {a}, n -> {
            SavedTensor sa = n.save(a);
            return g -> {
                // clamp_backward: where(self >= min & self <= max, grad, 0), with only the given bounds' tests (a
                // NaN self or bound fails them: no gradient); clamp_min and clamp_max likewise with one test
                Tensor x = sa.get();
                Tensor inside = lo == null ? compare(x, hi, BinaryOp.LE) : hi == null ? compare(x, lo, BinaryOp.GE)
                        : compare(x, lo, BinaryOp.GE).logicalAnd(compare(x, hi, BinaryOp.LE));
                return new Tensor[] {keepWhere(inside, g)};
            };
        });
    }

    /**
     * PyTorch's clamp.Tensor ({@code name} ClampBackward0; clamp_min.Tensor and clamp_max.Tensor, ClampMinBackward1 and
     * ClampMaxBackward1, with one bound): {@code min(max(x, lo), hi)} elementwise over the broadcast of all three, in their
     * promoted type (0-dim bounds rank below dimensioned tensors, as TensorIterator's); a NaN {@code x} or bound gives
     * NaN there, {@code lo > hi} gives {@code hi}. Backward (clamp_backward and clamp_backward_min_max): the input's
     * gradient where {@code lo <= x <= hi}, min's where {@code x < lo} (and {@code lo < hi}), max's where {@code x > hi}
     * (or {@code hi < lo}), each summed to its operand's shape. Complex operands are refused as PyTorch 2.x's: clamp's
     * meta function refuses a complex input ("clamp is not supported for complex types"); a complex bound of clamp, and
     * either of clamp_min.Tensor and clamp_max.Tensor (whose meta functions check nothing), reach the kernel of the
     * promoted type, which has none for complex ({@code "clamp_cpu"}, {@code "maximum_cpu"} or {@code "minimum_cpu"};
     * on a GPU CUDA's {@code "clamp_cuda"}, {@code "max_elementwise_cuda"} or {@code "min_elementwise_cuda"}).
     */
    static Tensor clampTensor(Tensor a, Tensor lo, Tensor hi, String name) {
        clampBoundsGiven(lo, hi);
        if (a.isComplex() && name.equals("ClampBackward0")) {
            throw new UnsupportedOperationException("clamp is not supported for complex types");
        }
        checkSameDevice(a, lo, hi);
        DType t = lo == null ? resultType(a, hi) : hi == null ? resultType(a, lo) : resultType(a, lo, hi);
        if (t.isComplex() && !a.device.isMeta()) {
            boolean cpu = a.device.isCpu();
            String kernel = lo != null && hi != null ? (cpu ? "clamp_cpu" : "clamp_cuda")
                    : lo != null ? (cpu ? "maximum_cpu" : "max_elementwise_cuda") : (cpu ? "minimum_cpu" : "min_elementwise_cuda");
            throw Refusals.unsupported(kernel, t);
        }
        Tensor out = cast(a, t);
        if (lo != null) {
            out = binaryKernel(BinaryOp.MAXIMUM, out, lo, t, t);
        }
        if (hi != null) {
            out = binaryKernel(BinaryOp.MINIMUM, out, hi, t, t);
        }
        Tensor[] inputs = lo == null ? new Tensor[] {a, hi} : hi == null ? new Tensor[] {a, lo} : new Tensor[] {a, lo, hi};
        return record(out, name, inputs, n -> {
            SavedTensor sa = n.save(a);
            SavedTensor sl = lo == null ? null : n.save(lo);
            SavedTensor sh = hi == null ? null : n.save(hi);
            return g -> {
                Tensor x = sa.get();
                Tensor l = sl == null ? null : sl.get();
                Tensor h = sh == null ? null : sh.get();
                Tensor gx = null;
                if (n.needsInputGrad(0)) {
                    Tensor inside = l == null ? compare(x, h, BinaryOp.LE) : h == null ? compare(x, l, BinaryOp.GE)
                            : compare(x, l, BinaryOp.GE).logicalAnd(compare(x, h, BinaryOp.LE));
                    gx = keepWhere(inside, g);
                }
                Tensor gl = null;
                Tensor gh = null;
                if (l != null && n.needsInputGrad(1)) {
                    Tensor below = compare(x, l, BinaryOp.LT);
                    gl = keepWhere(h == null ? below : below.logicalAnd(compare(l, h, BinaryOp.LT)), g);
                }
                int hiIndex = l == null ? 1 : 2;
                if (h != null && n.needsInputGrad(hiIndex)) {
                    Tensor above = compare(x, h, BinaryOp.GT);
                    gh = keepWhere(l == null ? above : above.logicalOr(compare(h, l, BinaryOp.LT)), g);
                }
                return l == null ? new Tensor[] {gx, gh} : h == null ? new Tensor[] {gx, gl} : new Tensor[] {gx, gl, gh};
            };
        });
    }

    // ------------------------------------------------------------------ unary functions

    /** Elementwise functions of one tensor, each with its kernel, node name and derivative. */
    enum Fn {
        NEG(UnaryOp.NEG, "NegBackward0", false),
        EXP(UnaryOp.EXP, "ExpBackward0", true),
        LOG(UnaryOp.LOG, "LogBackward0", true),
        SQRT(UnaryOp.SQRT, "SqrtBackward0", true),
        ABS(UnaryOp.ABS, "AbsBackward0", false),
        SIGN(UnaryOp.SIGN, "SignBackward0", false),
        RECIPROCAL(UnaryOp.RECIPROCAL, "ReciprocalBackward0", true),
        SIN(UnaryOp.SIN, "SinBackward0", true),
        COS(UnaryOp.COS, "CosBackward0", true),
        SIGMOID(UnaryOp.SIGMOID, "SigmoidBackward0", true),
        TANH(UnaryOp.TANH, "TanhBackward0", true),
        RELU(UnaryOp.RELU, "ReluBackward0", false),
        FLOOR(UnaryOp.FLOOR, "FloorBackward0", false),
        CEIL(UnaryOp.CEIL, "CeilBackward0", false),
        ROUND(UnaryOp.ROUND, "RoundBackward0", false),
        ERF(UnaryOp.ERF, "ErfBackward0", true),
        LOG1P(UnaryOp.LOG1P, "Log1PBackward0", true),
        EXPM1(UnaryOp.EXPM1, "Expm1Backward0", true),
        LOG2(UnaryOp.LOG2, "Log2Backward0", true),
        LOG10(UnaryOp.LOG10, "Log10Backward0", true),
        EXP2(UnaryOp.EXP2, "Exp2Backward0", true),
        TAN(UnaryOp.TAN, "TanBackward0", true),
        ASIN(UnaryOp.ASIN, "AsinBackward0", true),
        ACOS(UnaryOp.ACOS, "AcosBackward0", true),
        ATAN(UnaryOp.ATAN, "AtanBackward0", true),
        SINH(UnaryOp.SINH, "SinhBackward0", true),
        COSH(UnaryOp.COSH, "CoshBackward0", true),
        ASINH(UnaryOp.ASINH, "AsinhBackward0", true),
        ACOSH(UnaryOp.ACOSH, "AcoshBackward0", true),
        ATANH(UnaryOp.ATANH, "AtanhBackward0", true),
        RSQRT(UnaryOp.RSQRT, "RsqrtBackward0", true),
        TRUNC(UnaryOp.TRUNC, "TruncBackward0", false),
        FRAC(UnaryOp.FRAC, "FracBackward0", false),
        /** PyTorch's sgn: sign for real tensors, but its own node (whose real gradient is zero). */
        SGN(UnaryOp.SIGN, "SgnBackward0", false),
        ERFC(UnaryOp.ERFC, "ErfcBackward0", true),
        ERFINV(UnaryOp.ERFINV, "ErfinvBackward0", true),
        LGAMMA(UnaryOp.LGAMMA, "LgammaBackward0", true),
        DIGAMMA(UnaryOp.DIGAMMA, "DigammaBackward0", true),
        LOG_SIGMOID(UnaryOp.LOG_SIGMOID, "LogSigmoidBackward0", false);

        final UnaryOp kernel;
        final String nodeName;
        /** Integer inputs are promoted to float32 (exp of an int64 tensor is float). */
        final boolean floating;

        Fn(UnaryOp kernel, String nodeName, boolean floating) {
            this.kernel = kernel;
            this.nodeName = nodeName;
            this.floating = floating;
        }
    }

    static Tensor unary(Tensor a, Fn fn) {
        return unary(a, fn, null);
    }

    /**
     * {@link #unary(Tensor, Fn)}, its result written into {@code into} where that is not null: an in-place op's self or
     * a tensor sharing its storage, of {@code a}'s floating type ({@link InplaceOps#writesInto} says when).
     */
    static Tensor unary(Tensor a, Fn fn, Tensor into) {
        if (Autocast.on()) return Autocast.apply(fn.name().toLowerCase(java.util.Locale.ROOT),
                t -> unary(t[0], fn), a);
        if (a.dtype.isComplex()) {
            switch (fn) {
                case NEG: return ComplexOps.neg(a);
                case EXP: return ComplexOps.exp(a);
                case ABS: return ComplexOps.abs(a);
                case SGN: return ComplexOps.sgn(a);
                case LOG: return ComplexOps.log(a);
                case SQRT: return ComplexOps.sqrt(a);
                case RECIPROCAL: return ComplexOps.reciprocal(a);
                case SIN: return ComplexOps.sin(a);
                case COS: return ComplexOps.cos(a);
                default:
                    Tensor out = ComplexMath.unary(a, fn);
                    if (out == null) {
                        throw ComplexIndexing.refused(complexRefusal(fn), a); // PyTorch's words where it refuses complex
                    }
                    return out;
            }
        }
        if (a.dtype == DType.BOOL) {
            checkBoolUnary(a, fn);
            if (fn == Fn.SIGN || fn == Fn.SGN) {
                return copyAs(a, DType.BOOL); // the sign of a bool is itself (bool tensors take no gradient)
            }
        }
        if (!a.dtype.isFloatingPoint()) {
            checkIntegerUnary(a, fn);
        }
        DType t = fn.floating && !a.dtype.isFloatingPoint() ? Ember.getDefaultDtype() : a.dtype;
        Tensor out = into != null ? OutputLayouts.into(into).unary(fn.kernel, cast(a, t))
                : fn == Fn.LOG_SIGMOID ? rowMajorUnary(fn.kernel, cast(a, t), t) : unaryKernel(fn.kernel, cast(a, t), t);
        boolean usesInput = fn == Fn.LOG || fn == Fn.ABS || fn == Fn.SIN || fn == Fn.COS || fn == Fn.ERF
                || fn == Fn.LOG1P || fn == Fn.LOG2 || fn == Fn.LOG10 || fn == Fn.ASIN || fn == Fn.ACOS || fn == Fn.ATAN
                || fn == Fn.SINH || fn == Fn.COSH || fn == Fn.ASINH || fn == Fn.ACOSH || fn == Fn.ATANH || fn == Fn.ERFC
                || fn == Fn.ERFINV || fn == Fn.LGAMMA || fn == Fn.DIGAMMA || fn == Fn.LOG_SIGMOID;
        boolean usesOutput = fn == Fn.EXP || fn == Fn.SQRT || fn == Fn.RECIPROCAL || fn == Fn.SIGMOID
                || fn == Fn.TANH || fn == Fn.RELU || fn == Fn.EXPM1 || fn == Fn.EXP2 || fn == Fn.TAN || fn == Fn.RSQRT;
        return record(out, fn.nodeName, new Tensor[] {a}, n -> {
            SavedTensor sx = usesInput ? n.save(a) : null;
            SavedTensor sy = usesOutput ? n.saveOutput(out) : null;
            DType dt = a.dtype; // the type, not a: the closure keeps no tensor the hooks did not see
            if (dt.isReducedFloatingPoint()) {
                // float16 and bfloat16: the formula in float32 from the reduced values, rounded once (PyTorch's
                // backward kernels, tanh_backward and the like, compute in opmath float)
                return g -> new Tensor[] {ReductionOps.narrowedBack(derivative(fn, ReductionOps.opmath(g),
                    sx == null ? null : () -> ReductionOps.opmath(sx.get()),
                    sy == null ? null : () -> ReductionOps.opmath(sy.get())), dt)};
            }
            return g -> new Tensor[] {derivative(fn, g, sx == null ? null : sx::get, sy == null ? null : sy::get)};
        });
    }

    /**
     * The PyTorch op whose refusal of a complex tensor {@code fn} gives ({@link ComplexIndexing#refused}): relu's is
     * clamp's (relu is clamp_min), fix's trunc's, psi's and special.gammaln's digamma's and lgamma's.
     */
    private static String complexRefusal(Fn fn) {
        switch (fn) {
            case RELU: return "clamp";
            case LOG_SIGMOID: return "log_sigmoid";
            default: return fn.name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** PyTorch's errors for the functions it does not define on bool tensors (the kernel names are its own). */
    private static void checkBoolUnary(Tensor a, Fn fn) {
        String device = a.device.isCpu() ? "cpu" : "cuda";
        switch (fn) {
            case NEG:
                throw new IllegalArgumentException("Negation, the `-` operator, on a bool tensor is not supported. If you "
                        + "are trying to invert a mask, use the `~` or `logical_not()` operator instead.");
            case ABS:
                if (a.device.isMeta()) {
                    return; // a meta kernel checks no element type
                }
                throw Refusals.notImplemented("abs_" + device, DType.BOOL);
            case RELU:
                throw new IllegalArgumentException("Boolean inputs not supported for relu");
            case FLOOR:
            case CEIL:
            case ROUND:
            case TRUNC: {
                if (a.device.isMeta()) {
                    return;
                }
                String kernel = fn.name().toLowerCase(java.util.Locale.ROOT) + (a.device.isCpu() ? "_vml_cpu" : "_cuda");
                throw Refusals.notImplemented(kernel, DType.BOOL);
            }
            default:
                break;
        }
    }

    /** PyTorch's errors for the functions it defines on floating tensors only (int64 and bool). */
    private static void checkIntegerUnary(Tensor a, Fn fn) {
        if (a.device.isMeta()) {
            return; // PyTorch's meta functions check no element type: the result has the input's
        }
        if (fn == Fn.FRAC) {
            throw Refusals.notImplemented("frac", a.device, a.dtype);
        }
        if (fn == Fn.LOG_SIGMOID) {
            throw Refusals.notImplemented(a.device.isCpu() ? "log_sigmoid" : "log_sigmoid_forward", a.device, a.dtype);
        }
    }

    /**
     * {@link Refusals#notImplemented(String, Device, DType)} ({@code "fmod_cpu" not implemented for 'Bool'}), thrown
     * unless the device is the meta device: PyTorch's meta functions (a structured op's, TensorIterator's) check no
     * element type, which only its CPU and CUDA kernels dispatch on, so a meta result has the type the op computes in.
     */
    static void refuseType(String kernel, Device device, DType t) {
        if (!device.isMeta()) {
            throw Refusals.notImplemented(kernel, device, t);
        }
    }

    /** The derivatives.yaml formula of each function. */
    private static Tensor derivative(Fn fn, Tensor g, java.util.function.Supplier<Tensor> sx,
                                     java.util.function.Supplier<Tensor> sy) {
        switch (fn) {
            case NEG:
                return g.neg();
            case EXP:
                return g.mul(sy.get());
            case LOG:
                return g.div(sx.get());
            case SQRT:
                // grad / (2 * result): inf at 0, as PyTorch
                return g.div(sy.get().mul(2.0));
            case ABS:
                // grad * self.sgn(): 0 at 0 and at NaN
                return g.mul(sx.get().sign());
            case RECIPROCAL: {
                // -grad * (result * result)
                Tensor y = sy.get();
                return g.neg().mul(y.mul(y));
            }
            case SIN:
                return g.mul(sx.get().cos());
            case COS:
                // grad * -self.sin()
                return g.mul(sx.get().sin().neg());
            case SIGMOID:
                return sigmoidBackward(g, sy.get());
            case TANH:
                return tanhBackward(g, sy.get());
            case RELU:
                return thresholdBackward(g, sy.get());
            case ERF: {
                Tensor x = sx.get();
                return g.mul(x.mul(x).neg().exp().mul(2 / Math.sqrt(Math.PI)));
            }
            case LOG1P:
                // log1p_backward: grad / (self + 1)
                return g.div(sx.get().add(1L));
            case EXPM1:
                return g.mul(sy.get().add(1L));
            case LOG2:
                return g.div(sx.get().mul(0.6931471805599453));
            case LOG10:
                return g.div(sx.get().mul(2.3025850929940456));
            case EXP2:
                // grad * result * M_LN2
                return g.mul(sy.get()).mul(0.6931471805599453);
            case TAN: {
                // grad * (1 + result.pow(2))
                Tensor y = sy.get();
                return g.mul(y.mul(y).add(1L));
            }
            case ASIN: {
                // grad * (-self * self + 1).rsqrt()
                Tensor x = sx.get();
                return g.mul(x.neg().mul(x).add(1L).rsqrt());
            }
            case ACOS: {
                // grad * -((-self * self + 1).rsqrt())
                Tensor x = sx.get();
                return g.mul(x.neg().mul(x).add(1L).rsqrt().neg());
            }
            case ATAN: {
                // grad / (self * self + 1)
                Tensor x = sx.get();
                return g.div(x.mul(x).add(1L));
            }
            case SINH:
                return g.mul(sx.get().cosh());
            case COSH:
                return g.mul(sx.get().sinh());
            case ASINH: {
                // grad * (self.pow(2) + 1).rsqrt()
                Tensor x = sx.get();
                return g.mul(x.mul(x).add(1L).rsqrt());
            }
            case ACOSH: {
                // grad * (self * self - 1).rsqrt()
                Tensor x = sx.get();
                return g.mul(x.mul(x).sub(1L).rsqrt());
            }
            case ATANH: {
                // grad * 1 / (1 - self.pow(2))
                Tensor x = sx.get();
                return g.div(x.mul(x).rsub(1L));
            }
            case RSQRT: {
                // -0.5 * grad * result.pow(3)
                Tensor y = sy.get();
                return g.mul(-0.5).mul(y.mul(y).mul(y));
            }
            case FRAC:
                return g;
            case ERFC: {
                // -2 / sqrt(pi) * exp(-(self.pow(2))) * grad
                Tensor x = sx.get();
                return x.mul(x).neg().exp().mul(-2 / Math.sqrt(Math.PI)).mul(g);
            }
            case ERFINV:
                // 0.5 * sqrt(pi) * exp(self.erfinv().pow(2)) * grad
                return erfinvSlope(sx.get()).mul(g);
            case LGAMMA:
                return g.mul(sx.get().digamma());
            case DIGAMMA:
                return g.mul(sx.get().polygamma(1));
            case LOG_SIGMOID:
                return logSigmoidBackward(g, sx.get());
            default: // sign, sgn, floor, ceil, round, trunc: zeros_like(grad), zero even where grad is NaN
                return g.zerosLike();
        }
    }

    /** {@code 0.5 sqrt(pi) exp(erfinv(x)^2)}, erfinv's slope. */
    private static Tensor erfinvSlope(Tensor x) {
        Tensor e = x.erfinv();
        return e.mul(e).exp().mul(0.5 * Math.sqrt(Math.PI));
    }

    /**
     * PyTorch's log_sigmoid_backward: {@code grad (1 - z / (1 + z))} for negative x, {@code grad z / (1 + z)} otherwise,
     * z = exp(-|x|) (so no exp overflows), recorded as PyTorch's LogSigmoidBackwardBackward0 node.
     */
    private static Tensor logSigmoidBackward(Tensor g, Tensor x) {
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            Tensor z = x.abs().neg().exp();
            Tensor t = z.div(z.add(1L));
            out = Tensor.where(x.lt(0L), t.rsub(1L), t).mul(g);
        }
        // one node, as PyTorch's: grad_output's gradient is this function again, self's log_sigmoid_double_backward,
        // grad * grad_output * (sigmoid(x) - 1) * sigmoid(x) (the formula through |x| would give 0 at x = 0)
        return record(out, "LogSigmoidBackwardBackward0", new Tensor[] {g, x}, n -> {
            SavedTensor sg = n.save(g);
            SavedTensor sx = n.save(x);
            return gg -> {
                Tensor xv = sx.get();
                Tensor gx = null;
                if (n.needsInputGrad(1)) {
                    Tensor s = xv.sigmoid();
                    gx = gg.mul(sg.get()).mul(s.sub(1L)).mul(s);
                }
                return new Tensor[] {n.needsInputGrad(0) ? logSigmoidBackward(gg, xv) : null, gx};
            };
        });
    }

    // ------------------------------------------------------------------ more math (issue 14)

    /** {@code polygamma(n, x)}, PolygammaBackward0 ({@code grad * polygamma(n + 1, x)}); n = 0 is digamma. */
    static Tensor polygamma(Tensor a, int n) {
        if (n < 0) {
            throw new IllegalArgumentException("polygamma(n, x) does not support negative n.");
        }
        if (a.dtype.isComplex()) {
            String kernel = n == 0 ? "digamma" : n == 1 ? "trigamma" : "polygamma";
            throw Refusals.notImplemented(kernel, a.dtype);
        }
        DType t = a.dtype.isFloatingPoint() ? a.dtype : Ember.getDefaultDtype();
        Tensor out = binaryKernel(BinaryOp.POLYGAMMA, Creation.wrap((long) n), cast(a, t), t, t);
        return record(out, "PolygammaBackward0", new Tensor[] {a}, node -> {
            SavedTensor sx = node.save(a);
            return g -> new Tensor[] {g.mul(sx.get().polygamma(n + 1))};
        });
    }

    /** The bool-valued tests isnan, isinf, isposinf, isneginf (never true for integers and bool). */
    static Tensor isKind(Tensor a, UnaryOp op) {
        if (a.dtype.isComplex()) return ComplexIndexing.isKind(a, op);
        // 2.x's isnan is self != self, which the fp8 types run (ne_cpu dispatches them); isinf's kernels refuse them
        if (a.dtype.isFloat8() && op == UnaryOp.ISNAN) return Float8.compare(a, a, false);
        return unaryKernel(op, a, DType.BOOL);
    }

    /** {@code isreal}: true everywhere for a real tensor. */
    static Tensor isreal(Tensor a) {
        if (a.dtype.isComplex()) return ComplexIndexing.isreal(a);
        return filled(a, DType.BOOL, 1);
    }

    /** {@code ~a} on int64 and bool (where it is logical not). */
    static Tensor bitwiseNot(Tensor a) {
        ComplexIndexing.refuse("bitwise_not", a);
        if (a.dtype.isFloatingPoint()) {
            refuseType("bitwise_not", a.device, a.dtype);
        }
        return unaryKernel(a.dtype == DType.BOOL ? UnaryOp.LOGICAL_NOT : UnaryOp.BITWISE_NOT, a, a.dtype);
    }

    /**
     * PyTorch's nan_to_num: NaN, +inf and -inf replaced (by default with 0 and the type's largest and lowest finite
     * values; the numbers are converted to the tensor's type as a C cast, so 1e40 is inf for float32); integer and bool
     * tensors are copied. One node, NanToNumBackward0 ({@code grad * isfinite(self)}).
     */
    static Tensor nanToNum(Tensor a, double nan, Double posinf, Double neginf) {
        if (a.dtype.isComplex()) return ComplexIndexing.nanToNum(a, nan, posinf, neginf);
        Tensor out;
        if (!a.dtype.isFloatingPoint()) {
            out = copyAs(a, a.dtype);
        } else {
            // the type's largest finite value (numeric_limits<scalar_t>::max()): float16's is 65504, not float's
            double big = a.dtype == DType.FLOAT32 ? Float.MAX_VALUE : a.dtype == DType.FLOAT16 ? Half.MAX_VALUE
                    : a.dtype == DType.BFLOAT16 ? BFloat16.MAX_VALUE : Double.MAX_VALUE;
            double hi = posinf != null ? posinf : big;
            double lo = neginf != null ? neginf : -big;
            Tensor x = a;
            out = whereNoGrad(isKind(x, UnaryOp.ISNAN), scalarOf(nan, a), x);
            out = whereNoGrad(isKind(x, UnaryOp.ISPOSINF), scalarOf(hi, a), out);
            out = whereNoGrad(isKind(x, UnaryOp.ISNEGINF), scalarOf(lo, a), out);
        }
        return record(out, "NanToNumBackward0", new Tensor[] {a}, n -> {
            SavedTensor sx = n.save(a);
            return g -> new Tensor[] {g.mul(sx.get().isfinite())};
        });
    }

    /** A 0-dim tensor of a's type and device holding v converted as a C cast (a double beyond float's range is inf). */
    private static Tensor scalarOf(double v, Tensor a) {
        Object arr = Backend.scalarArray(a.dtype, a.dtype == DType.FLOAT64 ? (Number) v : (Number) (float) v);
        return Creation.fromFlat(arr, new int[0], a.dtype, a.device);
    }

    /** {@link #where} without history (for forward computations recorded as one node). */
    private static Tensor whereNoGrad(Tensor cond, Tensor a, Tensor b) {
        try (GradMode off = Ember.noGrad()) {
            return where(cond, a, b);
        }
    }

    // ---- binary functions

    /** The result type of a floating function of two tensors: integers and bool give the default type. */
    private static DType floatingType(Tensor a, Tensor b, String kernel) {
        if (ComplexOps.any(a, b)) {
            // a real function (atan2, copysign, xlogy): PyTorch's kernel refuses the complex type (its meta function
            // does not: a meta result is of the promoted complex type)
            refuseType(kernel, a.wrappedNumber ? b.device : a.device, resultType(a, b));
            return resultType(a, b);
        }
        DType t = resultType(a, b);
        return t.isFloatingPoint() ? t : Ember.getDefaultDtype();
    }

    /** atan2(a, b), Atan2Backward0: {@code grad * other / (self^2 + other^2)} and {@code grad * -self / (...)}. */
    static Tensor atan2(Tensor a, Tensor b) {
        if (Autocast.on()) return Autocast.apply("atan2", t -> atan2(t[0], t[1]), a, b);
        DType t = floatingType(a, b, "atan2");
        Tensor out = binaryKernel(BinaryOp.ATAN2, a, b, t, t);
        return record(out, "Atan2Backward0", new Tensor[] {a, b}, n -> {
            SavedTensor sa = n.save(a);
            SavedTensor sb = n.save(b);
            return g -> {
                Tensor x = sa.get();
                Tensor y = sb.get();
                Tensor recip = x.mul(x).add(y.mul(y)).reciprocal();
                return new Tensor[] {
                    n.needsInputGrad(0) ? g.mul(y).mul(recip) : null,
                    n.needsInputGrad(1) ? g.mul(x.neg()).mul(recip) : null};
            };
        });
    }

    /** hypot(a, b) on floating types, HypotBackward0: {@code grad * self / result}, {@code grad * other / result}. */
    static Tensor hypot(Tensor a, Tensor b) {
        DType t = resultType(a, b);
        if (!t.isFloatingPoint()) {
            refuseType("hypot", checkSameDevice(a, b), t);
        }
        Tensor out = binaryKernel(BinaryOp.HYPOT, a, b, t, t);
        return record(out, "HypotBackward0", new Tensor[] {a, b}, n -> {
            SavedTensor sa = n.save(a);
            SavedTensor sb = n.save(b);
            SavedTensor so = n.saveOutput(out);
            return g -> {
                Tensor o = so.get(); // read once: a saved-tensor unpack hook runs once per read
                return new Tensor[] {
                    n.needsInputGrad(0) ? g.mul(sa.get()).div(o) : null,
                    n.needsInputGrad(1) ? g.mul(sb.get()).div(o) : null};
            };
        });
    }

    /**
     * The type of fmod, remainder and the rounding divisions: the promoted one, which may not be bool; an integer
     * divisor of zero raises PyTorch's ZeroDivisionError on the CPU (checked before computing; a GPU does not check,
     * as PyTorch's CUDA kernels do not).
     */
    private static DType divisionType(Tensor a, Tensor b, String kernel) {
        Device device = checkSameDevice(a, b);
        DType t = resultType(a, b);
        if (t == DType.BOOL || t.isComplex()) {
            // (a complex type before the zero divisor's check: PyTorch's dispatch refuses it first)
            refuseType(kernel, device, t);
        }
        if (!t.isFloatingPoint() && device.isCpu()) {
            // PyTorch's kernel checks each divisor it uses: after the iterator's broadcast check, and none for an
            // empty result (an int tensor of shape [2, 0] fmod 0 is an empty tensor); the divisor as the kernel reads it,
            // in the result type (a 0-dim int32 65536 beside an int16 tensor is 0)
            long n = 1;
            for (int s : Shapes.broadcast(a.shape, b.shape)) {
                n *= s;
            }
            boolean zero = n > 0 && (b.wrappedNumber ? b.toLongArray()[0] == 0
                    : !ReductionOps.allTrueUnlessMeta(cast(b, t).ne(0L)));
            if (zero) {
                throw new IllegalArgumentException("ZeroDivisionError");
            }
        }
        return t;
    }

    /**
     * C's fmod (the remainder has the dividend's sign). A Java-number divisor gives FmodBackward0 ({@code grad}), a
     * tensor FmodBackward1 (also {@code -grad * trunc(self / other)} for the divisor).
     */
    static Tensor fmod(Tensor a, Tensor b) {
        DType t = divisionType(a, b, "fmod");
        Tensor out = binaryKernel(BinaryOp.FMOD, a, b, t, t);
        return remainderNode(out, a, b, "fmod", "trunc");
    }

    /** Python's modulo (the remainder has the divisor's sign): RemainderBackward0 / RemainderBackward1. */
    static Tensor remainder(Tensor a, Tensor b) {
        DType t = divisionType(a, b, "remainder");
        Tensor out = binaryKernel(BinaryOp.REMAINDER, a, b, t, t);
        return remainderNode(out, a, b, "remainder", "floor");
    }

    /**
     * {@code torch.remainder(Scalar self, Tensor other)} (Python's {@code number % tensor}): the number a wrapped 0-dim
     * tensor, promoted as one. PyTorch 2.x's derivatives.yaml has no formula for this overload (only remainder.Scalar and
     * remainder.Tensor), so a divisor that requires grad gets its NotImplemented node, whose backward fails with
     * "derivative for aten::remainder is not implemented".
     */
    static Tensor remainderScalarFirst(Tensor number, Tensor b) {
        DType t = divisionType(number, b, "remainder");
        Tensor out = binaryKernel(BinaryOp.REMAINDER, number, b, t, t);
        return record(out, "NotImplemented", new Tensor[] {b}, n -> g -> {
            throw new IllegalStateException("derivative for aten::remainder is not implemented");
        });
    }

    private static Tensor remainderNode(Tensor out, Tensor a, Tensor b, String op, String mode) {
        String name = Character.toUpperCase(op.charAt(0)) + op.substring(1) + "Backward";
        if (b.wrappedNumber) {
            return record(out, name + "0", new Tensor[] {a}, n -> g -> new Tensor[] {g});
        }
        return record(out, name + "1", new Tensor[] {a, b}, n -> {
            SavedTensor sa = n.needsInputGrad(1) ? n.save(a) : null;
            SavedTensor sb = n.needsInputGrad(1) ? n.save(b) : null;
            return g -> new Tensor[] {
                n.needsInputGrad(0) ? g : null,
                sa == null || !n.computes(1, sa) ? null : g.neg().mul(sa.get().div(sb.get(), mode))};
        });
    }

    /**
     * {@code div(a, b, rounding_mode)}: null is true division, "trunc" and "floor" round the quotient (an integer
     * result stays integer). DivBackward2 (zero gradients with a rounding mode, as PyTorch's).
     */
    static Tensor div(Tensor a, Tensor b, String roundingMode) {
        if (roundingMode == null) {
            return trueDivide(a, b, "DivBackward2", null);
        }
        boolean trunc = "trunc".equals(roundingMode);
        if (!trunc && !"floor".equals(roundingMode)) {
            throw new IllegalArgumentException("div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '"
                    + roundingMode + "'");
        }
        DType t = divisionType(a, b, trunc ? "div_trunc" : "div_floor");
        BinaryOp op = trunc ? BinaryOp.DIV_TRUNC : BinaryOp.DIV_FLOOR;
        Tensor out = reducedScalarOperand(op, a, b, t, null);
        if (out == null) {
            out = binaryKernel(op, a, b, t, t);
        }
        return record(out, "DivBackward2", new Tensor[] {a, b}, n -> g -> new Tensor[] {
            n.needsInputGrad(0) ? g.zerosLike() : null,
            n.needsInputGrad(1) ? g.zerosLike() : null});
    }

    /**
     * PyTorch's floor_divide (floor rounding since 1.13). Not differentiable: an input that requires grad gets
     * PyTorch's NotImplemented node, whose backward fails.
     */
    static Tensor floorDivide(Tensor a, Tensor b) {
        DType t = divisionType(a, b, "div_floor");
        Tensor out = reducedScalarOperand(BinaryOp.DIV_FLOOR, a, b, t, null);
        if (out == null) {
            out = binaryKernel(BinaryOp.DIV_FLOOR, a, b, t, t);
        }
        return record(out, "NotImplemented", new Tensor[] {a, b}, n -> g -> {
            throw new IllegalStateException("derivative for aten::floor_divide is not implemented");
        });
    }

    /** copysign(a, b) (integers give the default type): CopysignBackward0 (tensor) / CopysignBackward1 (a Java number). */
    static Tensor copysign(Tensor a, Tensor b) {
        DType t = floatingType(a, b, "copysign");
        Tensor out = binaryKernel(BinaryOp.COPYSIGN, a, b, t, t);
        boolean scalar = b.wrappedNumber;
        return record(out, scalar ? "CopysignBackward1" : "CopysignBackward0", scalar ? new Tensor[] {a} : new Tensor[] {a, b},
                n -> {
                    SavedTensor sa = n.needsInputGrad(0) ? n.save(a) : null;
                    // the result saved whatever needs a gradient, as PyTorch's node saves its outputs (self only
                    // where its gradient is computed): an in-place change of it, or a detach() of an inference tensor
                    // as copysign_'s self, is refused even where only other's gradient is asked for
                    SavedTensor so = n.saveOutput(out);
                    return g -> {
                        Tensor ga = null;
                        Tensor x = sa != null ? sa.get() : null; // unpacked in PyTorch's order: self, then result
                        Tensor y = so.get();
                        if (x != null) {
                            // copysign_tensor_self_backward: grad * (result / self), 0 where self == 0
                            ga = g.mul(zeroWhere(x.eq(0L), y.div(x)));
                        }
                        return scalar ? new Tensor[] {ga} : new Tensor[] {ga, n.needsInputGrad(1) ? g.zerosLike() : null};
                    };
                });
    }

    /**
     * fmax / fmin: the operand that is not NaN (NaN only when both are), the first one on ties. FmaxBackward0:
     * {@code self} takes the gradient where {@code self >= other} or other is NaN, {@code other} elsewhere.
     */
    static Tensor fmaxmin(Tensor a, Tensor b, boolean max) {
        ComplexIndexing.refuse(max ? "fmax" : "fmin", a, b);
        DType t = resultType(a, b);
        Tensor out = binaryKernel(max ? BinaryOp.FMAX : BinaryOp.FMIN, a, b, t, t);
        return record(out, max ? "FmaxBackward0" : "FminBackward0", new Tensor[] {a, b}, n -> {
            SavedTensor sa = n.save(a);
            SavedTensor sb = n.save(b);
            return g -> {
                Tensor x = sa.get();
                Tensor y = sb.get();
                Tensor selfWins = (max ? x.ge(y) : x.le(y)).logicalOr(y.isnan());
                return new Tensor[] {
                    n.needsInputGrad(0) ? keepWhere(selfWins, g) : null,
                    n.needsInputGrad(1) ? zeroWhere(selfWins, g) : null};
            };
        });
    }

    /**
     * xlogy(a, b) = {@code a * log(b)}, 0 where a is 0 (NaN where b is). PyTorch 2.x's gradients: XlogyBackward0
     * {@code self: xlogy(grad, other)} with 0 where self == 0 and other <= 0, {@code other: grad * self / other};
     * XlogyBackward1 for a Java-number self, XlogyBackward2 for a Java-number other.
     */
    static Tensor xlogy(Tensor a, Tensor b) {
        DType t = floatingType(a, b, "xlogy");
        Tensor out = binaryKernel(BinaryOp.XLOGY, a, b, t, t);
        if (a.wrappedNumber) {
            return record(out, "XlogyBackward1", new Tensor[] {b}, n -> {
                SavedTensor sb = n.save(b);
                return g -> new Tensor[] {g.mul(a).div(sb.get())};
            });
        }
        if (b.wrappedNumber) {
            double other = wrappedDouble(b);
            return record(out, "XlogyBackward2", new Tensor[] {a}, n -> {
                SavedTensor sa = other > 0 ? null : n.save(a);
                return g -> {
                    Tensor d = xlogy(g, b);
                    return new Tensor[] {sa == null ? d : zeroWhere(sa.get().eq(0L), d)};
                };
            });
        }
        return record(out, "XlogyBackward0", new Tensor[] {a, b}, n -> {
            SavedTensor sa = n.save(a);
            SavedTensor sb = n.save(b);
            return g -> {
                Tensor x = sa.get();
                Tensor y = sb.get();
                return new Tensor[] {
                    n.needsInputGrad(0) ? zeroWhere(x.eq(0L).logicalAnd(y.le(0L)), xlogy(g, y)) : null,
                    n.needsInputGrad(1) ? g.mul(x).div(y) : null};
            };
        });
    }

    /** Bitwise and, or, xor of int64 and bool operands (bool with bool is bool); floating types are PyTorch's error. */
    static Tensor bitwise(Tensor a, Tensor b, BinaryOp op) {
        Device device = checkSameDevice(a, b);
        ComplexIndexing.refuse(op.name().toLowerCase(java.util.Locale.ROOT), a, b); // "bitwise_and"
        DType t = resultType(a, b);
        if (t.isFloatingPoint()) {
            refuseType(op.name().toLowerCase(java.util.Locale.ROOT), device, t);
        }
        return binaryKernel(op, a, b, t, t);
    }

    /** {@code a << b} and {@code a >> b} on int64 (PyTorch 2.x: shifts outside [0, 64) give 0, or the sign). */
    static Tensor shift(Tensor a, Tensor b, boolean left) {
        Device device = checkSameDevice(a, b);
        ComplexIndexing.refuse(left ? "bitwise_left_shift" : "bitwise_right_shift", a, b);
        DType t = resultType(a, b);
        if (t.isFloatingPoint() || t == DType.BOOL) {
            refuseType(left ? "lshift" : "rshift", device, t);
        }
        return binaryKernel(left ? BinaryOp.LEFT_SHIFT : BinaryOp.RIGHT_SHIFT, a, b, t, t);
    }

    /** PyTorch's check that lerp's operands share one type. */
    static void checkLerpType(Tensor self, Tensor other, String what) {
        if (self.dtype != other.dtype) {
            throw new IllegalArgumentException("expected dtype " + cTypeName(self.dtype) + " for `" + what + "` but got dtype "
                    + cTypeName(other.dtype));
        }
    }

    /**
     * The C++ type names PyTorch's TypeMeta prints ({@code float}, {@code double}, {@code long int}, {@code int},
     * {@code short int}, {@code signed char}, {@code unsigned char}, {@code bool}; gcc's spellings of the unsigned
     * types, the float8 types' c10 structs).
     */
    static String cTypeName(DType t) {
        switch (t) {
            case FLOAT32: return "float";
            case FLOAT64: return "double";
            case INT64: return "long int";
            case INT32: return "int";
            case INT16: return "short int";
            case INT8: return "signed char";
            case UINT8: return "unsigned char";
            case FLOAT16: return "c10::Half";
            case BFLOAT16: return "c10::BFloat16";
            case COMPLEX64: return "c10::complex<float>";
            case COMPLEX128: return "c10::complex<double>";
            case FLOAT8_E4M3FN: return "c10::Float8_e4m3fn";
            case FLOAT8_E5M2: return "c10::Float8_e5m2";
            case FLOAT8_E4M3FNUZ: return "c10::Float8_e4m3fnuz";
            case FLOAT8_E5M2FNUZ: return "c10::Float8_e5m2fnuz";
            case UINT16: return "short unsigned int";
            case UINT32: return "unsigned int";
            case UINT64: return "long unsigned int";
            default: return "bool";
        }
    }

    /**
     * {@code lerp(self, end, weight)} with a Java-number weight, as PyTorch's kernel: {@code self + w (end - self)} for
     * |w| < 0.5, else {@code end + (w - 1)(end - self)}, each as one fused multiply-add. LerpBackward0.
     */
    static Tensor lerp(Tensor self, Tensor end, double weight) {
        checkSameDevice(self, end);
        checkLerpType(self, end, "end");
        if (self.dtype.isComplex()) {
            checkScalarFits(weight, self.dtype); // weight.to<opmath_t>(): complex64's is checked against float's range
            return ComplexMath.lerp(self, end, Creation.wrap(weight));
        }
        if (!self.dtype.isFloatingPoint()) {
            throw Refusals.notImplemented("lerp_kernel_scalar", self.dtype);
        }
        int[] shape = Shapes.broadcast(self.shape, end.shape);
        DType t = self.dtype;
        // weight.to<opmath_t>(): checked against float's range for float32 and the half types (their opmath)
        checkScalarFits(weight, t == DType.FLOAT32 || t.isReducedFloatingPoint() ? DType.FLOAT32 : t);
        if (t.isReducedFloatingPoint()) {
            // 2.x's reduced-float kernel: self, end and the weight in float32 (opmath, weight.to<opmath_t>()), the
            // formula there (end - self not rounded to the half type), the result rounded once
            Tensor out;
            try (GradMode off = Ember.noGrad()) {
                out = cast(lerp(cast(self, DType.FLOAT32), cast(end, DType.FLOAT32), weight), t);
            }
            return record(out, "LerpBackward0", new Tensor[] {self, end}, n -> g -> new Tensor[] {
                n.needsInputGrad(0) ? g.mul(1 - weight) : null,
                n.needsInputGrad(1) ? g.mul(weight) : null});
        }
        // the weight as the kernel holds it (float for float32), and the coefficient computed in that type
        double w = t == DType.FLOAT32 ? (float) weight : weight;
        boolean small = Math.abs(w) < 0.5;
        double coeff = small ? w : t == DType.FLOAT32 ? (float) w - 1f : w - 1;
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            Tensor diff = binaryKernel(BinaryOp.SUB, end, self, t, t);
            Tensor base = small ? self : end;
            out = OutputLayouts.allocate(shape, t, diff.device, self, end).addScaled(base, coeff, diff);
        }
        return record(out, "LerpBackward0", new Tensor[] {self, end}, n -> g -> new Tensor[] {
            n.needsInputGrad(0) ? g.mul(1 - weight) : null,
            n.needsInputGrad(1) ? g.mul(weight) : null});
    }

    /**
     * {@code lerp(self, end, weight)} with a tensor weight, all one floating type: as PyTorch's formula per element
     * (float32 computed in double and rounded once, as its fused multiply-add does; float64 with a separate
     * multiplication and addition, within an ulp of it; float16 and bfloat16 as float32, rounded once). LerpBackward1.
     */
    static Tensor lerp(Tensor self, Tensor end, Tensor weight) {
        checkSameDevice(self, end, weight);
        checkLerpType(self, end, "end");
        checkLerpType(self, weight, "weight");
        if (self.dtype.isComplex()) {
            Shapes.broadcast(Shapes.broadcast(self.shape, end.shape), weight.shape);
            return ComplexMath.lerp(self, end, weight);
        }
        if (!self.dtype.isFloatingPoint()) {
            throw Refusals.notImplemented("lerp_kernel_tensor", self.dtype);
        }
        Shapes.broadcast(Shapes.broadcast(self.shape, end.shape), weight.shape);
        DType t = self.dtype;
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            if (t.isReducedFloatingPoint()) {
                // 2.x's reduced-float kernel: the three in float32, the formula there, rounded once (end - self and
                // weight - 1 not rounded to the half type)
                out = cast(lerp(cast(self, DType.FLOAT32), cast(end, DType.FLOAT32), cast(weight, DType.FLOAT32)), t);
            } else {
                DType wide = DType.FLOAT64;
                Tensor small = weight.abs().lt(0.5);
                Tensor diff = end.sub(self);
                Tensor coeff = Tensor.where(small, weight, weight.sub(1L));
                Tensor base = Tensor.where(small, self, end);
                out = cast(cast(base, wide).add(cast(coeff, wide).mul(cast(diff, wide))), t);
            }
        }
        return record(out, "LerpBackward1", new Tensor[] {self, end, weight}, n -> {
            SavedTensor sw = n.needsInputGrad(0) || n.needsInputGrad(1) ? n.save(weight) : null;
            SavedTensor ss = n.needsInputGrad(2) ? n.save(self) : null;
            SavedTensor se = n.needsInputGrad(2) ? n.save(end) : null;
            return g -> {
                Tensor w = sw == null ? null : sw.get(); // read once: a saved-tensor unpack hook runs once per read
                return new Tensor[] {
                    n.needsInputGrad(0) ? g.mul(w.rsub(1L)) : null,
                    n.needsInputGrad(1) ? g.mul(w) : null,
                    n.needsInputGrad(2) ? g.mul(se.get().sub(ss.get())) : null};
            };
        });
    }

    /**
     * PyTorch's isclose: {@code self == other} (NaN equal to NaN when equalNan), or a finite
     * {@code |self - other| <= atol + |rtol * other|}, computed in the tensors' own (equal) floating type, or float32
     * for integer and bool tensors.
     */
    static Tensor isclose(Tensor a, Tensor b, double rtol, double atol, boolean equalNan) {
        if (a.dtype != b.dtype) {
            throw new IllegalArgumentException(Format.scalarType(a.dtype) + " did not match " + Format.scalarType(b.dtype));
        }
        if (!(rtol >= 0)) {
            throw new IllegalArgumentException("rtol must be greater than or equal to zero, but got " + Format.cpp(rtol));
        }
        if (!(atol >= 0)) {
            throw new IllegalArgumentException("atol must be greater than or equal to zero, but got " + Format.cpp(atol));
        }
        checkSameDevice(a, b);
        Shapes.broadcast(a.shape, b.shape);
        Float8.refuseTolerance(a, rtol, atol);
        try (GradMode off = Ember.noGrad()) {
            Tensor close = a.eq(b);
            if (equalNan && (a.dtype.isFloatingPoint() || a.dtype.isComplex())) {
                close = close.logicalOr(a.isnan().logicalAnd(b.isnan()));
            }
            if (rtol == 0 && atol == 0) {
                return close;
            }
            // PyTorch computes the errors in a floating type: bool self as float32, and any integer other as float32
            // (so an integer self meets a float32 other, and the difference cannot overflow)
            Tensor x = a.dtype == DType.BOOL ? a.to(Ember.getDefaultDtype()) : a;
            Tensor y = b.dtype.isFloatingPoint() || b.dtype.isComplex() ? b : b.to(Ember.getDefaultDtype()); // complex: |a - b|
            Tensor allowed = y.mul(rtol).abs().add(atol);
            Tensor actual = x.sub(y).abs();
            return close.logicalOr(actual.isfinite().logicalAnd(actual.le(allowed)));
        }
    }
}
