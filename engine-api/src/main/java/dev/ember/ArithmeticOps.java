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
                DType w = t.dtype.isFloatingPoint() ? DType.FLOAT32 : t.dtype;
                wrapped = wrapped == null ? w : DType.promote(wrapped, w);
            } else if (t.dim() == 0) {
                zero = zero == null ? t.dtype : DType.promote(zero, t.dtype);
            } else {
                dim = dim == null ? t.dtype : DType.promote(dim, t.dtype);
            }
        }
        return combine(dim, combine(zero, wrapped));
    }

    private static DType combine(DType higher, DType lower) {
        if (higher == null) {
            return lower;
        }
        if (lower == null || higher.isFloatingPoint()) {
            return higher;
        }
        if (higher == DType.BOOL || lower.isFloatingPoint()) {
            return DType.promote(higher, lower);
        }
        return higher;
    }

    /** Whether PyTorch allows writing a value of type {@code from} into a tensor of type {@code to}. */
    static boolean canCast(DType from, DType to) {
        if (from.isFloatingPoint() && !to.isFloatingPoint()) {
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
        if (t == DType.FLOAT32 && !Double.isInfinite(v) && (v > Float.MAX_VALUE || v < -Float.MAX_VALUE)) {
            throw new IllegalArgumentException("value cannot be converted to type float without overflow");
        }
        // the bounds as C++ compares them: (double) INT64_MAX rounds up to 2^63, which itself passes
        if (t == DType.INT64 && (Double.isNaN(v) || Double.isInfinite(v) || v < -0x1p63 || v > 0x1p63)) {
            throw new IllegalArgumentException("value cannot be converted to type int64_t without overflow");
        }
    }

    /** {@link #checkScalarFits} for a wrapped Java number (a long fits every type). */
    private static void checkScalarFits(Tensor w, DType t) {
        if (w != null && w.wrappedNumber && w.dtype == DType.FLOAT64) {
            checkScalarFits(w.wrappedValue, t);
        }
    }

    /** {@code t} converted to {@code dtype}; a host scalar is made on {@code device} (for kernels without a scalar form). */
    static Tensor castOnDevice(Tensor t, DType dtype, Device device) {
        if (!hostScalar(t, device)) {
            return cast(t, dtype);
        }
        return Creation.fromFlat(Backend.scalarArray(dtype, scalarValue(t, dtype)), new int[0], dtype, device);
    }

    /** The tensor converted to a type without recording history. */
    static Tensor cast(Tensor t, DType dtype) {
        if (t.dtype == dtype) {
            return t;
        }
        if (t.wrappedNumber && t.dtype == DType.FLOAT64 && dtype == DType.FLOAT32) {
            // a Java double meeting a float tensor (x.mul(0.5)): build the float scalar directly, no copy kernel
            return Creation.fromFlat(new float[] {(float) t.wrappedValue}, new int[0], DType.FLOAT32, t.device);
        }
        Tensor out = Creation.empty(t.shape, dtype, t.device);
        t.backend.copy(t.storage(), t.layout, out.storage(), out.layout);
        return out;
    }

    /** {@code t} converted to {@code dtype} in a tensor of its own, without history (a copy even when the type is t's). */
    private static Tensor copyAs(Tensor t, DType dtype) {
        Tensor out = Creation.empty(t.shape, dtype, t.device);
        t.backend.copy(t.storage(), t.layout, out.storage(), out.layout);
        return out;
    }

    /** A new tensor of {@code shape} and {@code dtype} on {@code device} holding {@code value} everywhere. */
    private static Tensor filled(int[] shape, DType dtype, Device device, double value) {
        Tensor out = Creation.empty(shape, dtype, device);
        out.backend.fill(out.storage(), out.layout, value);
        return out;
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
        Device device = checkSameDevice(a, b);
        int[] shape = Shapes.broadcast(a.shape, b.shape);
        // a Java number goes to the kernel as an argument: no device copy for a device tensor, and on the CPU no
        // tensor made and broadcast for it (the autograd chain's time per op fell by about 40% with this)
        boolean aHost = a.wrappedNumber;
        if (aHost || b.wrappedNumber) {
            Tensor t = cast(aHost ? b : a, computeType);
            Tensor out = Creation.empty(shape, outType, device);
            out.backend.binaryScalar(op, t.storage(), expandedLayout(t, shape), scalarValue(aHost ? a : b, computeType), aHost,
                    out.storage(), out.layout);
            return out;
        }
        Tensor ca = cast(a, computeType);
        Tensor cb = cast(b, computeType);
        Tensor out = Creation.empty(shape, outType, device);
        out.backend.binary(op, ca.storage(), expandedLayout(ca, shape), cb.storage(), expandedLayout(cb, shape),
                out.storage(), out.layout);
        return out;
    }

    static Tensor unaryKernel(UnaryOp op, Tensor a, DType outType) {
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
        if (!needsGrad(inputs)) {
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
        DType t = resultType(a, b);
        checkAlpha(t, alpha);
        Tensor out = alpha == 1 ? binaryKernel(BinaryOp.ADD, a, b, t, t) : addScaled(a, b, alpha, t, BinaryOp.ADD);
        return record(out, "AddBackward0", new Tensor[] {a, b}, n -> g -> new Tensor[] {
            n.needsInputGrad(0) ? g : null,
            n.needsInputGrad(1) ? (alpha == 1 ? g : g.mul(alpha)) : null});
    }

    static Tensor sub(Tensor a, Tensor b, double alpha) {
        checkSub(a, b);
        DType t = resultType(a, b);
        checkAlpha(t, alpha);
        Tensor out = alpha == 1 ? binaryKernel(BinaryOp.SUB, a, b, t, t) : addScaled(a, b, -alpha, t, BinaryOp.SUB);
        return record(out, "SubBackward0", new Tensor[] {a, b}, n -> g -> new Tensor[] {
            n.needsInputGrad(0) ? g : null,
            n.needsInputGrad(1) ? g.mul(-alpha) : null});
    }

    /** {@code scalar - a} (PyTorch's rsub; Python's {@code scalar - tensor}). */
    static Tensor rsub(Tensor a, Tensor scalar) {
        checkSub(a, scalar);
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
        if (!t.isFloatingPoint() && alpha != Math.rint(alpha)) {
            throw new IllegalArgumentException("For integral input tensors, argument alpha must not be a floating point number.");
        }
        checkScalarFits(alpha, t);
    }

    /**
     * {@code a + alpha * b} ({@code kernel} ADD) or {@code a - |alpha| * b} (SUB, alpha already negated). Floating
     * types take one fused multiply-add per element, as PyTorch's add kernels ({@code fmadd(b, alpha, a)}): a product
     * that overflows alone can still give a finite sum. Integers wrap as in C.
     */
    private static Tensor addScaled(Tensor a, Tensor b, double alpha, DType t, BinaryOp kernel) {
        if (!t.isFloatingPoint()) {
            Tensor s = Creation.wrap(kernel == BinaryOp.SUB ? -(long) alpha : (long) alpha);
            return binaryKernel(kernel, a, binaryKernel(BinaryOp.MUL, b, s, t, t), t, t);
        }
        Device device = checkSameDevice(a, b);
        int[] shape = Shapes.broadcast(a.shape, b.shape);
        Tensor ca = castOnDevice(a, t, device);
        Tensor cb = castOnDevice(b, t, device);
        Tensor out = Creation.empty(shape, t, device);
        out.backend.copy(ca.storage(), expandedLayout(ca, shape), out.storage(), out.layout);
        out.backend.axpy(alpha, cb.storage(), expandedLayout(cb, shape), out.storage(), out.layout);
        return out;
    }

    static Tensor mul(Tensor a, Tensor b) {
        DType t = resultType(a, b);
        Tensor out = binaryKernel(t == DType.BOOL ? BinaryOp.LOGICAL_AND : BinaryOp.MUL, a, b, t, t);
        return record(out, "MulBackward0", new Tensor[] {a, b}, n -> {
            SavedTensor sb = n.needsInputGrad(0) ? n.save(b) : null;
            SavedTensor sa = n.needsInputGrad(1) ? n.save(a) : null;
            return g -> new Tensor[] {sb == null ? null : g.mul(sb.get()), sa == null ? null : g.mul(sa.get())};
        });
    }

    /** True division (integers give float32); {@code a} may be a Java number ({@code rdiv}). */
    static Tensor div(Tensor a, Tensor b) {
        DType t = resultType(a, b);
        if (!t.isFloatingPoint()) {
            t = DType.FLOAT32;
        }
        Tensor out = binaryKernel(BinaryOp.DIV, a, b, t, t);
        return record(out, "DivBackward0", new Tensor[] {a, b}, n -> {
            SavedTensor sb = n.save(b);
            SavedTensor sa = n.needsInputGrad(1) ? n.save(a) : null;
            return g -> {
                Tensor bv = sb.get();
                // PyTorch's div_tensor_other_backward, -grad * ((self / other) / other): no other * other to overflow
                return new Tensor[] {
                    n.needsInputGrad(0) ? g.div(bv) : null,
                    sa == null ? null : g.neg().mul(sa.get().div(bv).div(bv))};
            };
        });
    }

    static Tensor powScalar(Tensor a, double exponent) {
        return powScalar(a, Creation.wrap(exponent));
    }

    static Tensor powScalar(Tensor a, long exponent) {
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
        boolean integralExponent = e.dtype == DType.INT64;
        double exponent = wrappedDouble(e);
        if (!a.dtype.isFloatingPoint() && integralExponent && e.toLongArray()[0] < 0) {
            throw new IllegalArgumentException("Integers to negative integer powers are not allowed.");
        }
        DType t = resultType(a, e);
        Tensor out;
        if (exponent == 0) {
            out = filled(a.shape, t, a.device, 1);
        } else if (exponent == 1) {
            out = copyAs(a, t);
        } else if (!t.isFloatingPoint()) {
            out = binaryKernel(BinaryOp.POW, a, e, t, t);
        } else {
            Tensor x = cast(a, t);
            if (exponent == 0.5) {
                out = unaryKernel(UnaryOp.SQRT, x, t);
            } else if (exponent == -0.5) {
                out = unaryKernel(UnaryOp.RECIPROCAL, unaryKernel(UnaryOp.SQRT, x, t), t);
            } else if (exponent == -1) {
                out = unaryKernel(UnaryOp.RECIPROCAL, x, t);
            } else if (exponent == 2 || exponent == -2) {
                out = binaryKernel(BinaryOp.MUL, x, x, t, t);
                if (exponent == -2) {
                    out = unaryKernel(UnaryOp.RECIPROCAL, out, t);
                }
            } else if (exponent == 3) {
                out = binaryKernel(BinaryOp.MUL, binaryKernel(BinaryOp.MUL, x, x, t, t), x, t, t);
            } else if (t == DType.FLOAT32 && (float) exponent != exponent) {
                // PyTorch's kernel computes std::pow(float, double): an exponent float cannot hold (0.1, 1e-320,
                // 2^24 + 1) is not rounded to float first (0 ** 1e-320 is 0, not 0 ** 0 = 1)
                Tensor wide = binaryKernel(BinaryOp.POW, cast(x, DType.FLOAT64), e, DType.FLOAT64, DType.FLOAT64);
                out = cast(wide, DType.FLOAT32);
            } else {
                out = binaryKernel(BinaryOp.POW, x, e, t, t);
            }
        }
        return record(out, "PowBackward0", new Tensor[] {a}, n -> {
            SavedTensor sa = n.save(a);
            return g -> {
                // pow_backward: zeros_like(self) for exponent 0, else grad * (exponent * self.pow(exponent - 1))
                if (exponent == 0) {
                    return new Tensor[] {g.zerosLike()};
                }
                Tensor x = sa.get();
                Tensor d = exponent == 2 ? x.mul(2.0) : x.pow(exponent - 1).mul(exponent);
                return new Tensor[] {g.mul(d)};
            };
        });
    }

    /**
     * {@code a ** b} elementwise: C's pow for floating types (1 ** NaN and (-1) ** inf are 1), PyTorch's integer
     * rules for integers (a negative exponent gives 1 for base 1, +-1 for base -1, otherwise 0; overflow wraps).
     */
    static Tensor pow(Tensor a, Tensor b) {
        DType t = resultType(a, b);
        if (t == DType.BOOL) {
            throw new IllegalArgumentException("\"pow\" not implemented for 'Bool'");
        }
        Tensor out = binaryKernel(BinaryOp.POW, a, b, t, t);
        return record(out, "PowBackward1", new Tensor[] {a, b}, n -> {
            SavedTensor sa = n.save(a);
            SavedTensor sb = n.save(b);
            SavedTensor so = n.needsInputGrad(1) ? n.saveOutput(out) : null;
            return g -> {
                Tensor x = sa.get();
                Tensor y = sb.get();
                Tensor ga = null;
                Tensor gb = null;
                if (n.needsInputGrad(0)) {
                    // pow_backward_self: where(exponent == 0, 0, grad * (exponent * self.pow(exponent - 1)))
                    ga = zeroWhere(y.eq(0.0), g.mul(y.mul(x.pow(y.sub(1L)))));
                }
                if (so != null) {
                    // pow_backward_exponent: grad * where(self == 0 & exponent >= 0, 0, result * log(self)): 0 ** y
                    // has slope 0 in y for y >= 0 (and -inf for y < 0, from result * log(0))
                    Tensor logX = x.to(t).log();
                    gb = g.mul(zeroWhere(x.eq(0.0).logicalAnd(y.ge(0.0)), so.get().mul(logX)));
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

    static Tensor compare(Tensor a, Tensor b, BinaryOp op) {
        DType t = resultType(a, b);
        return binaryKernel(op, a, b, t, DType.BOOL);
    }

    static Tensor predicate(Tensor a, UnaryOp op) {
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
        Tensor out = Creation.empty(shape, t, device);
        out.backend.where(cond.storage(), expandedLayout(cond, shape), ca.storage(), expandedLayout(ca, shape),
                cb.storage(), expandedLayout(cb, shape), out.storage(), out.layout);
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
     * keeps its own; an integer or bool tensor takes the promoted type (a double bound gives float32). Each element is
     * {@code min(max(x, lo), hi)} with a NaN {@code x} staying NaN and an {@code x} equal to a bound kept (so -0 stays
     * -0 against a bound of 0); {@code lo > hi} gives {@code hi}. A NaN bound makes every element NaN (PyTorch's clamp
     * fills the result, and clamp_min and clamp_max propagate it).
     */
    private static Tensor clamp(Tensor a, Tensor lo, Tensor hi, String name) {
        DType t = a.dtype.isFloatingPoint() ? a.dtype
                : lo == null ? resultType(a, hi) : hi == null ? resultType(a, lo) : resultType(a, lo, hi);
        boolean loNaN = lo != null && Double.isNaN(wrappedDouble(lo));
        boolean hiNaN = hi != null && Double.isNaN(wrappedDouble(hi));
        Tensor out;
        if (loNaN || hiNaN) {
            // filled before either bound is converted, as PyTorch (so clamp(NaN, 1e40) of a float tensor is no error)
            out = filled(a.shape, t, a.device, Double.NaN);
        } else {
            checkScalarFits(lo, t);
            checkScalarFits(hi, t);
            // the MAXIMUM and MINIMUM kernels keep their first operand on ties and propagate a NaN one
            out = cast(a, t);
            if (lo != null) {
                out = binaryKernel(BinaryOp.MAXIMUM, out, lo, t, t);
            }
            if (hi != null) {
                out = binaryKernel(BinaryOp.MINIMUM, out, hi, t, t);
            }
            if (out == a) {
                out = copyAs(a, t);
            }
        }
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
        ERF(UnaryOp.ERF, "ErfBackward0", true);

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
        if (a.dtype == DType.BOOL) {
            checkBoolUnary(a, fn);
            if (fn == Fn.SIGN) {
                return copyAs(a, DType.BOOL); // the sign of a bool is itself (bool tensors take no gradient)
            }
        }
        DType t = fn.floating && !a.dtype.isFloatingPoint() ? DType.FLOAT32 : a.dtype;
        Tensor out = unaryKernel(fn.kernel, cast(a, t), t);
        boolean usesInput = fn == Fn.LOG || fn == Fn.ABS || fn == Fn.SIN || fn == Fn.COS || fn == Fn.ERF;
        boolean usesOutput = fn == Fn.EXP || fn == Fn.SQRT || fn == Fn.RECIPROCAL || fn == Fn.SIGMOID
                || fn == Fn.TANH || fn == Fn.RELU;
        return record(out, fn.nodeName, new Tensor[] {a}, n -> {
            SavedTensor sx = usesInput ? n.save(a) : null;
            SavedTensor sy = usesOutput ? n.saveOutput(out) : null;
            return g -> new Tensor[] {derivative(fn, g, sx, sy)};
        });
    }

    /** PyTorch's errors for the functions it does not define on bool tensors (the kernel names are its own). */
    private static void checkBoolUnary(Tensor a, Fn fn) {
        String device = a.device.isCpu() ? "cpu" : "cuda";
        switch (fn) {
            case NEG:
                throw new IllegalArgumentException("Negation, the `-` operator, on a bool tensor is not supported. If you "
                        + "are trying to invert a mask, use the `~` or `logical_not()` operator instead.");
            case ABS:
                throw new IllegalArgumentException("\"abs_" + device + "\" not implemented for 'Bool'");
            case RELU:
                throw new IllegalArgumentException("Boolean inputs not supported for relu");
            case FLOOR:
            case CEIL:
            case ROUND: {
                String kernel = fn.name().toLowerCase(java.util.Locale.ROOT) + (a.device.isCpu() ? "_vml_cpu" : "_cuda");
                throw new IllegalArgumentException("\"" + kernel + "\" not implemented for 'Bool'");
            }
            default:
                break;
        }
    }

    /** The derivatives.yaml formula of each function. */
    private static Tensor derivative(Fn fn, Tensor g, SavedTensor sx, SavedTensor sy) {
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
            case SIGMOID: {
                // PyTorch's sigmoid_backward order, grad * (1 - y) * y, for identical float32 rounding
                Tensor y = sy.get();
                return g.mul(y.rsub(1.0)).mul(y);
            }
            case TANH: {
                // PyTorch's tanh_backward: grad * (1 - y * y)
                Tensor y = sy.get();
                return g.mul(y.mul(y).rsub(1.0));
            }
            case RELU:
                return thresholdBackward(g, sy.get());
            case ERF: {
                Tensor x = sx.get();
                return g.mul(x.mul(x).neg().exp().mul(2 / Math.sqrt(Math.PI)));
            }
            default: // sign, floor, ceil, round: zeros_like(grad), zero even where grad is NaN
                return g.zerosLike();
        }
    }
}
