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
 * formula written in Tensor ops so it runs on any backend and can be differentiated again.
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

    static String scalarTypeName(DType t) {
        return t.legacyTypeName().replace("Tensor", "");
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

    /** A host scalar's value in the compute type {@code t}, for {@link dev.ember.backend.Backend#binaryScalar}. */
    static Number scalarValue(Tensor w, DType t) {
        boolean integral = w.dtype == DType.INT64;
        long l = integral ? w.toLongArray()[0] : 0;
        double v = integral ? l : w.wrappedValue;
        switch (t) {
            case FLOAT32: return (float) v;
            case FLOAT64: return v;
            case INT64: return integral ? l : (long) v;
            default: return v != 0 ? 1L : 0L;
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

    // ------------------------------------------------------------------ binary arithmetic

    static Tensor add(Tensor a, Tensor b, double alpha) {
        DType t = resultType(a, b);
        checkAlpha(t, alpha);
        Tensor bb = alpha == 1 ? b : scaled(b, alpha, t);
        Tensor out = binaryKernel(BinaryOp.ADD, a, bb, t, t);
        return record(out, "AddBackward0", new Tensor[] {a, b}, n -> g -> new Tensor[] {
            n.needsInputGrad(0) ? g : null,
            n.needsInputGrad(1) ? (alpha == 1 ? g : g.mul(alpha)) : null});
    }

    static Tensor sub(Tensor a, Tensor b, double alpha) {
        DType t = resultType(a, b);
        if (t == DType.BOOL) {
            throw new IllegalArgumentException("Subtraction, the `-` operator, with two bool tensors is not supported. "
                    + "Use the `^` or `logical_xor()` operator instead.");
        }
        checkAlpha(t, alpha);
        Tensor bb = alpha == 1 ? b : scaled(b, alpha, t);
        Tensor out = binaryKernel(BinaryOp.SUB, a, bb, t, t);
        return record(out, "SubBackward0", new Tensor[] {a, b}, n -> g -> new Tensor[] {
            n.needsInputGrad(0) ? g : null,
            n.needsInputGrad(1) ? g.mul(-alpha) : null});
    }

    static Tensor rsub(Tensor a, Tensor scalar) {
        DType t = resultType(a, scalar);
        Tensor out = binaryKernel(BinaryOp.SUB, scalar, a, t, t);
        return record(out, "RsubBackward1", new Tensor[] {a}, n -> g -> new Tensor[] {g.neg()});
    }

    private static void checkAlpha(DType t, double alpha) {
        if (!t.isFloatingPoint() && alpha != Math.rint(alpha)) {
            throw new IllegalArgumentException("For integral input tensors, argument alpha must not be a floating point number.");
        }
    }

    private static Tensor scaled(Tensor b, double alpha, DType t) {
        Tensor s = t.isFloatingPoint() ? Creation.wrap(alpha) : Creation.wrap((long) alpha);
        return binaryKernel(BinaryOp.MUL, b, s, t, t);
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
                return new Tensor[] {
                    n.needsInputGrad(0) ? g.div(bv) : null,
                    sa == null ? null : g.neg().mul(sa.get()).div(bv.mul(bv))};
            };
        });
    }

    static Tensor powScalar(Tensor a, double exponent) {
        Tensor e = exponent == Math.rint(exponent) && Math.abs(exponent) < 1e15
                ? Creation.wrap((long) exponent) : Creation.wrap(exponent);
        DType t = resultType(a, e);
        if (!t.isFloatingPoint() && exponent < 0) {
            throw new IllegalArgumentException("Integers to negative integer powers are not allowed.");
        }
        Tensor out = binaryKernel(BinaryOp.POW, a, e, t, t);
        return record(out, "PowBackward0", new Tensor[] {a}, n -> {
            SavedTensor sa = n.save(a);
            return g -> {
                if (exponent == 0) {
                    return new Tensor[] {g.zerosLike()};
                }
                Tensor x = sa.get();
                Tensor d = exponent == 2 ? x.mul(2.0) : x.pow(exponent - 1).mul(exponent);
                return new Tensor[] {g.mul(d)};
            };
        });
    }

    static Tensor pow(Tensor a, Tensor b) {
        DType t = resultType(a, b);
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
                    ga = g.mul(y.mul(x.pow(y.sub(1.0))));
                }
                if (so != null) {
                    // d/dy x^y = x^y log x, defined as 0 where x == 0 and y >= 0
                    Tensor mask = x.eq(0.0).logicalAnd(y.ge(0.0));
                    gb = Tensor.where(mask, g.mul(0.0), g.mul(so.get().mul(x.log())));
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

    private static Tensor extremum(Tensor a, Tensor b, BinaryOp op, String name) {
        DType t = resultType(a, b);
        Tensor out = binaryKernel(op, a, b, t, t);
        return record(out, name, new Tensor[] {a, b}, n -> {
            SavedTensor sa = n.save(a);
            SavedTensor sb = n.save(b);
            return g -> {
                Tensor x = sa.get();
                Tensor y = sb.get();
                // ties share the gradient equally, as PyTorch
                Tensor half = g.mul(0.5);
                Tensor aWins = op == BinaryOp.MAXIMUM ? x.gt(y) : x.lt(y);
                Tensor bWins = op == BinaryOp.MAXIMUM ? x.lt(y) : x.gt(y);
                Tensor tie = x.eq(y);
                Tensor zero = g.mul(0.0);
                return new Tensor[] {
                    n.needsInputGrad(0) ? Tensor.where(aWins, g, Tensor.where(tie, half, zero)) : null,
                    n.needsInputGrad(1) ? Tensor.where(bWins, g, Tensor.where(tie, half, zero)) : null};
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
                    + scalarTypeName(cond.dtype));
        }
        Device device = checkSameDevice(cond, a, b);
        DType t = resultType(a, b);
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
                Tensor zero = g.mul(0.0);
                return new Tensor[] {null,
                    n.needsInputGrad(1) ? Tensor.where(c, g, zero) : null,
                    n.needsInputGrad(2) ? Tensor.where(c, zero, g) : null};
            };
        });
    }

    static Tensor clamp(Tensor a, double min, double max) {
        if (Double.isNaN(min) && Double.isNaN(max)) {
            throw new IllegalArgumentException("torch.clamp: At least one of 'min' or 'max' must not be None");
        }
        DType t = a.dtype;
        Tensor out = a;
        if (!Double.isNaN(min)) {
            Tensor lo = t.isFloatingPoint() ? Creation.wrap(min) : Creation.wrap((long) Math.ceil(min));
            DType rt = resultType(a, lo);
            out = binaryKernel(BinaryOp.MAXIMUM, out, lo, rt, rt);
        }
        if (!Double.isNaN(max)) {
            Tensor hi = t.isFloatingPoint() ? Creation.wrap(max) : Creation.wrap((long) Math.floor(max));
            DType rt = resultType(out, hi);
            out = binaryKernel(BinaryOp.MINIMUM, out, hi, rt, rt);
        }
        if (out == a) {
            out = a.detach().clone();
        }
        String name = Double.isNaN(max) ? "ClampMinBackward0" : Double.isNaN(min) ? "ClampMaxBackward0" : "ClampBackward1";
        return record(out, name, new Tensor[] {a}, n -> {
            SavedTensor sa = n.save(a);
            return g -> {
                Tensor x = sa.get();
                Tensor inside = x.ge(Double.isNaN(min) ? Double.NEGATIVE_INFINITY : min)
                        .logicalAnd(x.le(Double.isNaN(max) ? Double.POSITIVE_INFINITY : max));
                return new Tensor[] {Tensor.where(inside, g, g.mul(0.0))};
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
        if (a.dtype == DType.BOOL && fn == Fn.NEG) {
            throw new IllegalArgumentException("Negation, the `-` operator, on a bool tensor is not supported. If you are "
                    + "trying to invert a mask, use the `~` or `logical_not()` operator instead.");
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

    private static Tensor derivative(Fn fn, Tensor g, SavedTensor sx, SavedTensor sy) {
        switch (fn) {
            case NEG:
                return g.neg();
            case EXP:
                return g.mul(sy.get());
            case LOG:
                return g.div(sx.get());
            case SQRT:
                return g.div(sy.get().mul(2.0));
            case ABS:
                return g.mul(sx.get().sign());
            case RECIPROCAL: {
                Tensor y = sy.get();
                return g.neg().mul(y).mul(y);
            }
            case SIN:
                return g.mul(sx.get().cos());
            case COS:
                return g.mul(sx.get().sin()).neg();
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
            default: // sign, floor, ceil, round: zero almost everywhere
                return g.mul(0.0);
        }
    }
}
