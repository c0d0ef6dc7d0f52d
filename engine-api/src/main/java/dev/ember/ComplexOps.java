package dev.ember;

import dev.ember.backend.Backend;
import dev.ember.backend.Layout;
import dev.ember.backend.Storage;
import dev.ember.backend.UnaryOp;

import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * Complex tensors ({@link DType#COMPLEX64}, {@link DType#COMPLEX128}): their real and complex views, construction,
 * conversions, arithmetic and reductions, each with its backward formula.
 *
 * <p>A complex tensor stores its elements as interleaved (real, imaginary) pairs in a storage of its real type, as
 * PyTorch does; a backend never sees a complex storage. Every kernel runs on the <em>real view</em>, a float tensor of
 * shape {@code [..., 2]} over the same memory ({@link #parts}), so an op here works on every backend through the real
 * kernels. An op PyTorch refuses on complex tensors refuses first, in PyTorch's words ({@link ComplexIndexing#refuse});
 * any other op without a complex kernel fails when it asks for a complex tensor's storage ({@link Tensor#storage()}).
 *
 * <p>Gradients follow PyTorch's convention (the conjugate Wirtinger derivative): for a real loss {@code L} of a complex
 * {@code z = x + iy}, {@code z.grad = dL/dx + i dL/dy}; each formula is derivatives.yaml's for complex inputs.
 */
final class ComplexOps {
    private ComplexOps() {
    }

    // ------------------------------------------------------------------ the real view

    /**
     * The layout of the real view of a complex layout: a trailing dimension of the two parts, strides in parts. A layout
     * without elements addresses nothing: a doubled stride past the int range stops at {@code Integer.MAX_VALUE - 1}
     * (PyTorch's is the exact double, which Ember's int strides cannot hold; view_as_real of
     * {@code zeros(0, 2147483647, dtype=complex64)} is a view all the same).
     */
    static Layout realLayout(Layout l) {
        int r = l.rank();
        int[] shape = Arrays.copyOf(l.shape(), r + 1);
        shape[r] = 2;
        int[] strides = new int[r + 1];
        int[] s = l.strides();
        boolean empty = Layout.numel(l.shape()) == 0;
        for (int i = 0; i < r; i++) {
            strides[i] = doubled(s[i], empty);
        }
        strides[r] = 1;
        return new Layout(shape, strides, Math.multiplyExact(l.offset(), 2));
    }

    /**
     * A complex stride in parts of the real type: exact, or for a layout without elements (which addresses nothing)
     * stopped at {@code Integer.MAX_VALUE - 1} (or {@code Integer.MIN_VALUE}) where the double passes the int range.
     */
    private static int doubled(int stride, boolean empty) {
        long d = 2L * stride;
        return empty ? (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE - 1, d)) : Math.toIntExact(d);
    }

    /**
     * The real view of a complex tensor without history (for kernels: under no_grad, or writing a fresh result): a
     * float tensor of shape {@code [..., 2]} sharing the storage and version counter.
     */
    static Tensor parts(Tensor z) {
        return new Tensor(z.lease(), realLayout(z.layout), z.device, z.backend, z.version, z.dtype.toReal());
    }

    /** {@code torch.view_as_real}: a differentiable view, node ViewAsRealBackward0. */
    static Tensor viewAsReal(Tensor z) {
        if (!z.dtype.isComplex()) {
            throw new IllegalArgumentException("view_as_real is only supported for complex tensors");
        }
        Layout l = realLayout(z.layout);
        Tensor out = ViewOps.makeView(z, l.shape(), l.strides(), l.offset());
        out.dtype = z.dtype.toReal();
        out.replayNode = "ViewAsRealBackward0";
        return ArithmeticOps.record(out, "ViewAsRealBackward0", new Tensor[] {z},
                n -> g -> new Tensor[] {viewAsComplex(pairsOf(g))});
    }

    /** {@code g} (a float tensor of pairs) laid out as view_as_complex needs: contiguous from an even offset. */
    private static Tensor pairsOf(Tensor g) {
        Tensor c = g.contiguous();
        return c.layout.offset() % 2 == 0 ? c : ViewOps.cloneContiguous(c);
    }

    /** {@code torch.view_as_complex}: a differentiable view of a float tensor whose last dimension holds the parts. */
    static Tensor viewAsComplex(Tensor r) {
        if (Autocast.on()) return Autocast.apply("view_as_complex", t -> viewAsComplex(t[0]), r);
        if (r.dtype != DType.FLOAT32 && r.dtype != DType.FLOAT64) {
            throw new IllegalArgumentException("view_as_complex is only supported for half, float and double tensors, but "
                    + "got a tensor of scalar type: " + Format.scalarType(r.dtype)
                    + (r.dtype == DType.FLOAT16 ? " (Ember has no complex32: half is not)" : ""));
        }
        int rank = r.dim();
        if (rank == 0) {
            throw new IllegalArgumentException("Input tensor must have one or more dimensions");
        }
        if (r.shape[rank - 1] != 2) {
            throw new IllegalArgumentException("Tensor must have a last dimension of size 2");
        }
        int[] st = r.layout.strides();
        if (st[rank - 1] != 1) {
            throw new IllegalArgumentException("Tensor must have a last dimension with stride 1");
        }
        for (int i = 0; i < rank - 1; i++) {
            if (st[i] % 2 != 0) {
                throw new IllegalArgumentException("Tensor must have a stride divisible by 2 for all but last dimension");
            }
        }
        if (r.layout.offset() % 2 != 0) {
            throw new IllegalArgumentException("Tensor must have a storage_offset divisible by 2");
        }
        int[] shape = Arrays.copyOf(r.shape, rank - 1);
        int[] strides = new int[rank - 1];
        for (int i = 0; i < rank - 1; i++) {
            strides[i] = st[i] / 2;
        }
        Tensor out = ViewOps.makeView(r, shape, strides, r.layout.offset() / 2);
        out.dtype = r.dtype.toComplex();
        out.replayNode = "ViewAsComplexBackward0";
        return ArithmeticOps.record(out, "ViewAsComplexBackward0", new Tensor[] {r},
                n -> g -> new Tensor[] {viewAsReal(g)});
    }

    /**
     * {@code z.real}: a view of the real parts, PyTorch's {@code view_as_real(z).select(-1, 0)} (nodes
     * ViewAsRealBackward0 and SelectBackward0); a real tensor itself.
     */
    static Tensor real(Tensor z) {
        if (!z.dtype.isComplex()) {
            return z;
        }
        return viewAsReal(z).select(-1, 0);
    }

    /** {@code z.imag}: {@code view_as_real(z).select(-1, 1)}; PyTorch's error for a real tensor. */
    static Tensor imag(Tensor z) {
        if (!z.dtype.isComplex()) {
            throw new IllegalArgumentException("imag is not implemented for tensors with non-complex dtypes.");
        }
        return viewAsReal(z).select(-1, 1);
    }

    private static Tensor zerosLike(Tensor t) {
        return Creation.zeros(t.shape, t.dtype, t.device);
    }

    // ------------------------------------------------------------------ construction

    /**
     * A fresh complex tensor adopting the storage of {@code pairs}, a new contiguous float tensor of shape
     * {@code [..., 2]} (which is closed: the result holds its storage).
     */
    static Tensor adopt(Tensor pairs) {
        int r = pairs.dim() - 1;
        Tensor out = new Tensor(pairs.lease(), Layout.contiguous(Arrays.copyOf(pairs.shape, r)), pairs.device,
                pairs.backend, new int[1], pairs.dtype.toComplex());
        pairs.close();
        return out;
    }

    /**
     * {@code pairs} as {@link #adopt} takes it: itself when it is a fresh row-major tensor covering its whole storage
     * (an op's result), else a row-major copy; one copy at most.
     */
    private static Tensor owned(Tensor pairs) {
        boolean fresh = pairs.viewBase == null && pairs.layout.isContiguous() && pairs.layout.offset() == 0
                && pairs.rawStorage().numel() == pairs.numel();
        return fresh ? pairs : ViewOps.cloneContiguous(pairs);
    }

    /** The complex tensor {@code re + i im} of two real tensors of one shape and type, without history. */
    static Tensor fromParts(Tensor re, Tensor im) {
        try (GradMode off = Ember.noGrad()) {
            return adopt(ViewOps.stack(List.of(re, im), re.dim()));
        }
    }

    /**
     * PyTorch 2.x's checks of the two real inputs of {@code torch.complex} and {@code torch.polar}
     * ({@code complex_check_dtype}): each float16, float32 or float64 first, then one type; Ember has no complex32, so
     * float16 is refused after those checks.
     */
    private static void checkPartTypes(Tensor a, Tensor b) {
        if (!halfFloatOrDouble(a.dtype) || !halfFloatOrDouble(b.dtype)) {
            throw new IllegalArgumentException("Expected both inputs to be Half, Float or Double tensors but got "
                    + Format.scalarType(a.dtype) + " and " + Format.scalarType(b.dtype));
        }
        if (a.dtype != b.dtype) {
            throw new IllegalArgumentException("Expected object of scalar type " + Format.scalarType(a.dtype)
                    + " but got scalar type " + Format.scalarType(b.dtype) + " for second argument");
        }
        if (a.dtype == DType.FLOAT16) {
            throw new IllegalArgumentException("Expected both inputs to be Float or Double tensors but got Half and Half"
                    + " (Ember has no complex32)");
        }
    }

    private static boolean halfFloatOrDouble(DType t) {
        return t == DType.FLOAT16 || t == DType.FLOAT32 || t == DType.FLOAT64;
    }

    /** {@code torch.complex(real, imag)}: node ComplexBackward0 (gradients the real and imaginary parts of grad). */
    static Tensor complex(Tensor re, Tensor im) {
        checkPartTypes(re, im);
        ArithmeticOps.checkSameDevice(re, im);
        int[] shape = Shapes.broadcast(re.shape, im.shape);
        Tensor out = fromParts(re.expand(shape), im.expand(shape));
        return ArithmeticOps.record(out, "ComplexBackward0", new Tensor[] {re, im}, n -> g -> new Tensor[] {
            n.needsInputGrad(0) ? real(g) : null, n.needsInputGrad(1) ? imag(g) : null});
    }

    /** {@code torch.polar(abs, angle)}: {@code abs * (cos angle + i sin angle)}, node PolarBackward0. */
    static Tensor polar(Tensor abs, Tensor angle) {
        if (Autocast.on()) return Autocast.apply("polar", t -> polar(t[0], t[1]), abs, angle);
        checkPartTypes(abs, angle);
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            out = fromParts(abs.mul(angle.cos()), abs.mul(angle.sin()));
        }
        return ArithmeticOps.record(out, "PolarBackward0", new Tensor[] {abs, angle}, n -> {
            SavedTensor so = n.saveOutput(out);
            return g -> {
                // derivatives.yaml's polar_backward: grad_abs = real(conj(grad) sgn(result)), grad_angle =
                // real(conj(grad) i result)
                Tensor result = so.get();
                Tensor gc = conj(g);
                Tensor gAbs = n.needsInputGrad(0) ? real(mul(gc, sgn(result))) : null;
                Tensor gAngle = n.needsInputGrad(1) ? real(mul(gc, mulI(result))) : null;
                return new Tensor[] {gAbs, gAngle};
            };
        });
    }

    // ------------------------------------------------------------------ copies and conversions

    /**
     * Copies {@code src}'s elements into {@code dst} (same shape, or broadcastable into it, on one device), any pair of
     * types ({@link #kernelCopy}).
     */
    static void copyElements(Tensor src, Tensor dst) {
        Layout from = Arrays.equals(src.shape, dst.shape) ? src.layout : ArithmeticOps.expandedLayout(src, dst.shape);
        kernelCopy(src, from, dst, dst.layout);
    }

    /**
     * A kernel copy of the elements of {@code from} over {@code src}'s storage into {@code to} over {@code dst}'s, layouts
     * in elements of the tensors' types, any pair of types: complex tensors copy their real views; a real source fills
     * the real parts and zeroes the imaginary ones; a complex source into a real destination gives its real parts (the
     * callers that convert say that the imaginary parts are discarded, as PyTorch warns).
     */
    static void kernelCopy(Tensor src, Layout from, Tensor dst, Layout to) {
        if (src.dtype.isFloat8() || dst.dtype.isFloat8()) {
            Float8.kernelCopy(src, from, dst, to);
            return;
        }
        if (src.dtype.isBarebonesUnsigned() || dst.dtype.isBarebonesUnsigned()) {
            Unsigned.kernelCopy(src, from, dst, to);
            return;
        }
        boolean cs = src.dtype.isComplex();
        boolean cd = dst.dtype.isComplex();
        if (!cs && !cd) {
            dst.backend.copy(src.storage(), from, dst.storage(), to);
        } else if (cs && cd) {
            dst.backend.copy(src.rawStorage(), realLayout(from), dst.rawStorage(), realLayout(to));
        } else if (cd) {
            dst.backend.copy(src.storage(), from, dst.rawStorage(), partLayout(to, 0));
            dst.backend.fill(dst.rawStorage(), partLayout(to, 1), 0.0);
        } else {
            dst.backend.copy(src.rawStorage(), partLayout(from, 0), dst.storage(), to);
        }
    }

    /** The layout of the real ({@code which} 0) or imaginary (1) parts of a complex layout, in parts of the real type. */
    private static Layout partLayout(Layout l, int which) {
        int[] strides = l.strides();
        boolean empty = Layout.numel(l.shape()) == 0;
        for (int i = 0; i < strides.length; i++) {
            strides[i] = doubled(strides[i], empty);
        }
        return new Layout(l.shape(), strides, Math.addExact(Math.multiplyExact(l.offset(), 2), which));
    }

    /** Fills {@code t} with the real {@code value} (a complex tensor: real parts {@code value}, imaginary parts 0). */
    static void fill(Tensor t, double value) {
        if (t.dtype.isFloat8()) {
            Float8.fill(t, value);
            return;
        }
        if (t.dtype.isBarebonesUnsigned()) {
            Unsigned.fill(t, value);
            return;
        }
        if (!t.dtype.isComplex()) {
            t.backend.fill(t.storage(), t.layout, value);
            return;
        }
        t.backend.fill(t.rawStorage(), partLayout(t.layout, 0), value);
        t.backend.fill(t.rawStorage(), partLayout(t.layout, 1), 0.0);
    }

    /**
     * The where kernel for complex {@code a}, {@code b} and {@code out} of one type (layouts in complex elements): on
     * their real views, the condition broadcast over the two parts.
     */
    static void whereKernel(Tensor cond, Layout lc, Tensor a, Layout la, Tensor b, Layout lb, Tensor out, Layout lo) {
        int r = lc.rank();
        int[] shape = Arrays.copyOf(lc.shape(), r + 1);
        shape[r] = 2;
        int[] strides = Arrays.copyOf(lc.strides(), r + 1); // stride 0 over the parts
        out.backend.where(cond.storage(), new Layout(shape, strides, lc.offset()), a.rawStorage(), realLayout(la),
                b.rawStorage(), realLayout(lb), out.rawStorage(), realLayout(lo));
    }

    /** {@code t.to(dtype)} where either type is complex, without history; the caller records ToCopyBackward0. */
    static Tensor cast(Tensor t, DType dtype) {
        if (t.dtype.isComplex() && dtype == DType.BOOL) {
            // 2.x's c10 cast: true where either part is non-zero; its copy_ does not warn into bool
            return ComplexIndexing.isNonzero(t);
        }
        // the copy kernel converts the parts' type; a complex source into a real type keeps the real parts
        // _to_copy's preserve_format: empty_like's strides (t's own where non-overlapping and dense)
        Tensor out = Creation.emptyLike(t, dtype);
        if (t.dtype.isComplex() && !dtype.isComplex()) {
            warnDiscard();
        }
        copyElements(t, out);
        return out;
    }

    /** PyTorch's warning (once) when a complex source is written into a real tensor other than a bool one. */
    static void warnDiscard() {
        WarnOnce.warn(WarnOnce.COMPLEX_DISCARD);
    }

    /** {@code t.to(device)} of a complex tensor: its real view moved, node ToCopyBackward0. */
    static Tensor toDevice(Tensor t, Device device) {
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            out = adopt(owned(parts(t).to(device)));
        }
        Device from = t.device;
        return ArithmeticOps.record(out, "ToCopyBackward0", new Tensor[] {t}, n -> g -> new Tensor[] {g.to(from)});
    }

    // ------------------------------------------------------------------ arithmetic

    /** Whether any of the tensors is complex (the ops below take over). */
    static boolean any(Tensor a, Tensor b) {
        return a.dtype.isComplex() || b.dtype.isComplex();
    }

    /** {@code t} as the complex type {@code type} (itself when it has it), without history. */
    private static Tensor asComplex(Tensor t, DType type) {
        return t.dtype == type ? t : cast(t, type);
    }

    /** The complex result type of a binary op with a complex operand. */
    private static DType complexType(Tensor a, Tensor b) {
        return ArithmeticOps.resultType(a, b).toComplex();
    }

    /**
     * The real and imaginary parts of {@code a} and {@code b} in the complex type {@code t}'s parts, for kernels (no
     * history): {@code [aRe, aIm, bRe, bIm]}, where a real operand's imaginary part is null (zero) and its real part is
     * itself in {@code t}'s real type, or, a Java number, itself (a host scalar that goes with a tensor on any device).
     */
    private static Tensor[] split(Tensor a, Tensor b, DType t) {
        Tensor[] pa = partsIn(a, t);
        Tensor[] pb = partsIn(b, t);
        return new Tensor[] {pa[0], pa[1], pb[0], pb[1]};
    }

    private static Tensor[] partsIn(Tensor x, DType t) {
        if (x.dtype.isComplex() && x.wrappedNumber) {
            double[] v = parts(x).toDoubleArray(); // a Java complex number: its parts as host scalars
            return new Tensor[] {Creation.wrap(v[0]), Creation.wrap(v[1])};
        }
        if (x.dtype.isComplex()) {
            Tensor p = parts(asComplex(x, t));
            return new Tensor[] {p.select(-1, 0), p.select(-1, 1)};
        }
        return new Tensor[] {x.wrappedNumber ? x : ArithmeticOps.cast(x, t.toReal()), null};
    }

    /** {@code x + alpha y} of imaginary parts, either of which may be null (zero). */
    private static Tensor imSum(Tensor x, Tensor y, double alpha) {
        return y == null ? x : x == null ? y.mul(alpha) : x.add(y, alpha);
    }

    /** {@code -Dember.complex.oldPowShortcuts=true}: {@code z ** -0.5} and {@code z ** -2} by cpow, as before session 55. */
    private static final boolean OLD_POW_SHORTCUTS = Boolean.getBoolean("ember.complex.oldPowShortcuts");

    static Tensor compute(Supplier<Tensor> f) {
        try (GradMode off = Ember.noGrad()) {
            return f.get();
        }
    }

    /**
     * The old part-by-part {@code a + alpha b} ({@code -Dember.complex.partwiseAdd=true}, for before/after timings
     * only): it differs from PyTorch where an infinity, a NaN or a signed zero meets a zero (below).
     */
    private static final boolean PARTWISE_ADD = Boolean.getBoolean("ember.complex.partwiseAdd");

    /**
     * {@code a + alpha b} of the parts, as PyTorch's add kernel computes it: {@code a + alpha * b} with {@code alpha} the
     * complex number {@code (alpha, +0)} and a real operand {@code (x, +0)}, so {@code alpha * b = (alpha br - 0 bi,
     * alpha bi + 0 br)}: an infinite or NaN part of {@code b} makes the other part NaN ({@code (inf+0j) + (inf+0j)} is
     * {@code inf+nanj}), and a signed zero is summed with the other zero ({@code (1-0j) + 1} is {@code 2+0j}). Computed
     * as {@code (ar + alpha br) - 0 bi} and {@code (ai + alpha bi) + 0 br}, which round and sign as PyTorch's order
     * (the added term is a zero or a NaN, so it changes the sum only where the sum is a zero or becomes NaN). Two
     * complex tensors of one type take the backend's one-pass kernel ({@link #fusedAdd}); a real or number operand, the
     * real ops (the second step in place on the first's fresh result). The callers convert the result to {@code t}:
     * the imaginary part of a real tensor plus a Java complex number is two Java numbers' sum, in the default type,
     * which may be wider than t (complex128 under the float64 default, where PyTorch's float32 + 1j is complex64).
     */
    private static Tensor addParts(Tensor a, Tensor b, double alpha, DType t) {
        if (PARTWISE_ADD) {
            Tensor[] p = split(a, b, t);
            return fromPartsBroadcast(p[0].add(p[2], alpha), imSum(p[1], p[3], alpha));
        }
        Tensor fused = fusedAdd(a, b, alpha, t);
        if (fused != null) {
            return fused;
        }
        Tensor[] p = split(a, b, t);
        Tensor zero = Creation.wrap(0.0);
        Tensor ai = p[1] == null ? zero : p[1];
        Tensor bi = p[3] == null ? zero : p[3];
        Tensor re = plusScaled(p[0], p[2], alpha);
        if (p[3] != null) {
            re = plusZeroTimes(re, bi, -1);
        }
        Tensor im = plusZeroTimes(plusScaled(ai, bi, alpha), p[2], 1);
        return fromPartsBroadcast(re, im);
    }

    /**
     * {@code x + alpha y} with the product rounded first, as PyTorch's complex {@code alpha * b} then {@code +} (two
     * roundings; the real add's fused multiply-add rounds once).
     */
    private static Tensor plusScaled(Tensor x, Tensor y, double alpha) {
        return alpha == 1 ? x.add(y) : alpha == -1 ? x.sub(y) : x.add(y.mul(alpha));
    }

    /**
     * {@link #addParts} of two complex tensors of type {@code t} by the backend's one-pass kernel
     * ({@link dev.ember.backend.Backend#complexAdd}), or null where the backend has none or an operand is a number, of
     * another type or on another device.
     */
    private static Tensor fusedAdd(Tensor a, Tensor b, double alpha, DType t) {
        return fused(a, b, t, (be, sa, la, sb, lb, so, lo) -> be.complexAdd(alpha, sa, la, sb, lb, so, lo));
    }

    /** A backend's one-pass kernel of two complex operands: storages and layouts as {@code Backend#complexAdd}'s. */
    private interface PairKernel {
        boolean run(Backend backend, Storage a, Layout la, Storage b, Layout lb, Storage dst, Layout ld);
    }

    /**
     * {@code kernel} of two complex tensors of type {@code t}, broadcast to one shape, into a fresh tensor; null where
     * the backend declines, an operand is a number, of another type or on another device (the caller composes).
     */
    private static Tensor fused(Tensor a, Tensor b, DType t, PairKernel kernel) {
        if (a.dtype != t || b.dtype != t || a.wrappedNumber || b.wrappedNumber || !a.device.equals(b.device)
                || a.backend != b.backend) {
            return null;
        }
        int[] shape = Shapes.broadcast(a.shape, b.shape);
        int[] pairShape = Arrays.copyOf(shape, shape.length + 1);
        pairShape[shape.length] = 2;
        Tensor out = Creation.empty(pairShape, t.toReal(), a.device);
        Tensor pa = parts(a.expand(shape));
        Tensor pb = parts(b.expand(shape));
        if (!kernel.run(a.backend, pa.storage(), elements(pa.layout), pb.storage(), elements(pb.layout),
                out.storage(), elements(out.layout))) {
            out.close();
            return null;
        }
        return adopt(out);
    }

    /** The layout of each element's real part in a real view of pairs (its trailing dimension of 2 dropped). */
    private static Layout elements(Layout pairs) {
        int r = pairs.rank() - 1;
        return new Layout(Arrays.copyOf(pairs.shape(), r), Arrays.copyOf(pairs.strides(), r), pairs.offset());
    }

    /** {@code x + sign * (0 * y)}: in place where {@code x} is a fresh result of the final shape. */
    private static Tensor plusZeroTimes(Tensor x, Tensor y, int sign) {
        boolean inPlace = !x.wrappedNumber && x.dim() > 0 && Arrays.equals(Shapes.broadcast(x.shape, y.shape), x.shape);
        double zero = sign > 0 ? 0.0 : -0.0;
        return inPlace ? x.add_(y, zero) : x.add(y, zero);
    }

    /** {@code a + alpha b}, node AddBackward0. */
    static Tensor add(Tensor a, Tensor b, double alpha) {
        DType t = complexType(a, b);
        ArithmeticOps.checkNumberFits(alpha, t); // alpha.to<c10::complex<float>>(): checked
        Tensor out = compute(() -> ArithmeticOps.cast(addParts(a, b, alpha, t), t));
        return ArithmeticOps.record(out, "AddBackward0", new Tensor[] {a, b}, n -> g -> new Tensor[] {
            n.needsInputGrad(0) ? g : null, n.needsInputGrad(1) ? (alpha == 1 ? g : g.mul(alpha)) : null});
    }

    /** {@code a - alpha b} (PyTorch's add with {@code -alpha}: {@link #addParts}), node SubBackward0. */
    static Tensor sub(Tensor a, Tensor b, double alpha) {
        DType t = complexType(a, b);
        ArithmeticOps.checkNumberFits(alpha, t);
        Tensor out = compute(() -> ArithmeticOps.cast(addParts(a, b, -alpha, t), t));
        return ArithmeticOps.record(out, "SubBackward0", new Tensor[] {a, b}, n -> g -> new Tensor[] {
            n.needsInputGrad(0) ? g : null, n.needsInputGrad(1) ? g.mul(-alpha) : null});
    }

    /**
     * {@code -Dember.complex.oldLoops=true} (for before/after timings only): the product of two complex tensors
     * composed from real ops (four products, a sum and a difference, each rounded) instead of the backend's one-pass
     * kernel ({@link dev.ember.backend.Backend#complexMul}), which also takes PyTorch's fused multiply-adds where its
     * scalar loop runs. Read at each call, so that {@code OpSweepAlternate} can alternate it in one JVM (the CPU
     * backend reads it too, for its add and exp loops).
     */
    private static boolean composedMul() {
        return Boolean.getBoolean("ember.complex.oldLoops");
    }

    /**
     * {@code a * b}, node MulBackward0: {@code grad * conj(b)} and {@code grad * conj(a)}. Two complex tensors of one
     * type take the backend's one-pass kernel ({@link dev.ember.backend.Backend#complexMul}); a real or number operand,
     * the real ops below (PyTorch's vectorized form, no fused multiply-add).
     */
    static Tensor mul(Tensor a, Tensor b) {
        DType t = complexType(a, b);
        Tensor out = compute(() -> {
            Tensor f = composedMul() ? null
                    : fused(a, b, t, (be, sa, la, sb, lb, so, lo) -> be.complexMul(sa, la, sb, lb, so, lo));
            if (f != null) {
                return f;
            }
            Tensor[] p = split(a, b, t);
            // a real factor is the complex number (r, +0), as PyTorch promotes it: (a r - b 0, a 0 + b r), which is not
            // the parts scaled where zeros' signs or infinities meet (-0.5-0.25j times a zero mask is 0-0j there, so its
            // angle is -0, not -pi; (inf+0j) * 2 is inf+nanj)
            if (p[3] == null) {
                return fromPartsBroadcast(p[0].mul(p[2]).sub(p[1].mul(0.0)), p[0].mul(0.0).add(p[1].mul(p[2])));
            }
            if (p[1] == null) {
                return fromPartsBroadcast(p[0].mul(p[2]).sub(p[3].mul(0.0)), p[0].mul(p[3]).add(p[2].mul(0.0)));
            }
            return fromPartsBroadcast(p[0].mul(p[2]).sub(p[1].mul(p[3])), p[0].mul(p[3]).add(p[1].mul(p[2])));
        });
        return ArithmeticOps.record(out, "MulBackward0", new Tensor[] {a, b}, n -> {
            SavedTensor sb = n.needsInputGrad(0) ? n.save(b) : null;
            SavedTensor sa = n.needsInputGrad(1) ? n.save(a) : null;
            return g -> new Tensor[] {sb == null || !n.computes(0, sb) ? null : g.mul(sb.get().conj()), sa == null || !n.computes(1, sa) ? null : g.mul(sa.get().conj())};
        });
    }

    /**
     * {@code a / b}, node DivBackward0: {@code grad / conj(b)} and {@code -grad * conj(a / b / b)}. The quotient is
     * PyTorch 2.x's ({@code c10::complex}'s operator/, numpy's): Smith's algorithm, scaled by the larger part of {@code b},
     * so that {@code |b|^2} neither overflows nor underflows; a zero divisor gives {@code re / 0 + i im / 0}. A real
     * operand is promoted to {@code (x, +0)} first and divided by the same algorithm, as PyTorch's. Two complex tensors
     * of one type take the backend's one-pass kernel ({@link dev.ember.backend.Backend#complexDiv}: the same operations,
     * the same bits); a real or number operand, or {@code -Dember.complex.composedDiv=true} (read at each call, for
     * before/after timings), the composition from real ops below.
     */
    static Tensor div(Tensor a, Tensor b) {
        DType t = complexType(a, b);
        Tensor out = compute(() -> {
            Tensor f = Boolean.getBoolean("ember.complex.composedDiv") ? null
                    : fused(a, b, t, (be, sa, la, sb, lb, so, lo) -> be.complexDiv(sa, la, sb, lb, so, lo));
            if (f != null) {
                return f;
            }
            Tensor[] p = split(a, b, t);
            // a real divisor is the complex number (c, +0), as PyTorch promotes it, divided by the same algorithm: not
            // the parts divided by c where infinities, zeros' signs or subnormals meet ((1+infj) / 2 is nan+infj, a
            // divisor of -0 gives re / +0, 0 / 1e-40 in float is nan as 1 / c overflows)
            // a Java number's parts are rounded to the real type first and computed there (PyTorch casts the scalar to
            // the complex type: complex64 divides in float)
            for (int i = 0; i < 4; i++) {
                if (p[i] != null && p[i].wrappedNumber) {
                    p[i] = Creation.fromData(p[i].item(), t.toReal(), (i < 2 ? b : a).device());
                }
            }
            return smith(p[0], p[1] == null ? Creation.wrap(0.0) : p[1], p[2], p[3] == null ? p[2].zerosLike() : p[3]);
        });
        return ArithmeticOps.record(out, "DivBackward0", new Tensor[] {a, b}, n -> {
            SavedTensor sb = n.save(b);
            SavedTensor sa = n.needsInputGrad(1) ? n.save(a) : null;
            return g -> {
                Tensor bv = sb.get();
                Tensor ga = n.needsInputGrad(0) ? g.div(bv.conj()) : null;
                Tensor gb = sa == null || !n.computes(1, sa) ? null : g.neg().mul(sa.get().div(bv).div(bv).conj());
                return new Tensor[] {ga, gb};
            };
        });
    }

    /** {@code (a + bi) / (c + di)} by c10::complex's branches, element by element through {@code where}. */
    private static Tensor smith(Tensor a, Tensor b, Tensor c, Tensor d) {
        Tensor[] q = quotientParts(a, b, c, d);
        return fromPartsBroadcast(q[0], q[1]);
    }

    /** The real and imaginary parts of {@code (a + bi) / (c + di)} (real tensors, no history), as {@link #div}. */
    static Tensor[] quotientParts(Tensor a, Tensor b, Tensor c, Tensor d) {
        Tensor ac = c.abs();
        Tensor ad = d.abs();
        Tensor cBig = ac.ge(ad);
        Tensor zero = ac.eq(0.0).logicalAnd(ad.eq(0.0));
        // |c| >= |d|: rat = d / c, scl = 1 / (c + d rat), re = (a + b rat) scl, im = (b - a rat) scl
        Tensor c1 = c.maskedFill(zero, 1.0);
        Tensor rat1 = d.div(c1);
        Tensor scl1 = c1.add(d.mul(rat1)).reciprocal();
        Tensor re1 = a.add(b.mul(rat1)).mul(scl1);
        Tensor im1 = b.sub(a.mul(rat1)).mul(scl1);
        // |c| < |d|: rat = c / d, scl = 1 / (d + c rat), re = (a rat + b) scl, im = (b rat - a) scl
        Tensor d2 = d.maskedFill(cBig, 1.0);
        Tensor rat2 = c.div(d2);
        Tensor scl2 = d2.add(c.mul(rat2)).reciprocal();
        Tensor re2 = a.mul(rat2).add(b).mul(scl2);
        Tensor im2 = b.mul(rat2).sub(a).mul(scl2);
        // both zero: a / |c| and b / |d|
        Tensor re = ArithmeticOps.where(zero, a.div(ac), ArithmeticOps.where(cBig, re1, re2));
        Tensor im = ArithmeticOps.where(zero, b.div(ad), ArithmeticOps.where(cBig, im1, im2));
        return new Tensor[] {re, im};
    }

    /** {@code a == b} ({@code eq}) or {@code a != b} with a complex operand: both parts compared (no history). */
    static Tensor equality(Tensor a, Tensor b, boolean eq) {
        DType t = complexType(a, b);
        return compute(() -> {
            Tensor[] p = split(a, b, t);
            Tensor imA = p[1] == null ? p[3].eq(0.0) : p[3] == null ? p[1].eq(0.0) : p[1].eq(p[3]);
            Tensor same = p[0].eq(p[2]).logicalAnd(imA);
            return eq ? same : same.logicalNot();
        });
    }

    /** A complex tensor from real and imaginary parts of possibly different (broadcastable) shapes. */
    private static Tensor fromPartsBroadcast(Tensor re, Tensor im) {
        int[] shape = Shapes.broadcast(re.shape, im.shape);
        return fromParts(re.expand(shape), im.expand(shape));
    }

    /** {@code scalar - a} with a complex operand (PyTorch's rsub), node RsubBackward1. */
    static Tensor rsub(Tensor a, Tensor scalar) {
        DType t = complexType(a, scalar);
        Tensor out = compute(() -> ArithmeticOps.cast(addParts(scalar, a, -1.0, t), t)); // PyTorch's rsub: scalar + (-1) * a
        return ArithmeticOps.record(out, "RsubBackward1", new Tensor[] {a}, n -> g -> new Tensor[] {g.neg()});
    }

    /** {@code -z}, node NegBackward0. */
    static Tensor neg(Tensor z) {
        Tensor out = compute(() -> adopt(owned(parts(z).neg())));
        return ArithmeticOps.record(out, "NegBackward0", new Tensor[] {z}, n -> g -> new Tensor[] {g.neg()});
    }

    /**
     * {@code conj(z)}, node ConjBackward0. Ember conjugates eagerly (a new tensor): PyTorch's {@code conj()} is a lazy
     * view with the conjugate bit, which Ember does not have ({@link Tensor#isConj()} is false).
     */
    static Tensor conj(Tensor z) {
        return conj(z, "ConjBackward0");
    }

    /** {@code conj_physical(z)}, node ConjPhysicalBackward0. */
    static Tensor conjPhysical(Tensor z) {
        return conj(z, "ConjPhysicalBackward0");
    }

    private static Tensor conj(Tensor z, String node) {
        if (!z.dtype.isComplex()) {
            return z;
        }
        if (z.wrappedNumber) {
            double[] v = parts(z).toDoubleArray(); // a Java complex number stays one (a host scalar)
            return Creation.wrap(new Complex(v[0], -v[1]));
        }
        Tensor out = compute(() -> {
            Tensor p = parts(z);
            return fromParts(p.select(-1, 0), p.select(-1, 1).neg());
        });
        return ArithmeticOps.record(out, node, new Tensor[] {z}, n -> g -> new Tensor[] {conj(g)});
    }

    /** {@code i * z} (no history of its own: a composition for formulas). */
    private static Tensor mulI(Tensor z) {
        return complex(imag(z).neg(), real(z));
    }

    /** {@code |z|} (real), node AbsBackward0: {@code grad * sgn(z)}, 0 at 0. */
    static Tensor abs(Tensor z) {
        Tensor out = compute(() -> {
            Tensor p = parts(z);
            return p.select(-1, 0).hypot(p.select(-1, 1));
        });
        return ArithmeticOps.record(out, "AbsBackward0", new Tensor[] {z}, n -> {
            SavedTensor sz = n.save(z);
            return g -> new Tensor[] {mul(g, sgn(sz.get()))};
        });
    }

    /** {@code z / |z|} (0 at 0), node SgnBackward0. */
    static Tensor sgn(Tensor z) {
        Tensor out = compute(() -> {
            Tensor p = parts(z);
            Tensor re = p.select(-1, 0);
            Tensor im = p.select(-1, 1);
            Tensor m = re.hypot(im);
            Tensor zero = m.eq(0.0);
            Tensor safe = m.maskedFill(zero, 1.0);
            return fromParts(re.div(safe).maskedFill(zero, 0.0), im.div(safe).maskedFill(zero, 0.0));
        });
        return ArithmeticOps.record(out, "SgnBackward0", new Tensor[] {z}, n -> {
            SavedTensor sz = n.save(z);
            SavedTensor so = n.saveOutput(out);
            return g -> {
                // derivatives.yaml's sgn_backward: (grad - real(grad * conj(sgn)) * sgn) / |z|, 0 at z == 0
                Tensor x = sz.get();
                Tensor s = so.get();
                Tensor a = abs(x);
                Tensor zeroMask = a.eq(0.0);
                Tensor num = sub(g, mul(real(mul(g, conj(s))), s), 1.0);
                Tensor den = a.maskedFill(zeroMask, 1.0);
                Tensor r = div(num, den);
                return new Tensor[] {mul(r, zeroMask.logicalNot().to(a.dtype))};
            };
        });
    }

    /** {@code angle(z)} (real, in (-pi, pi]), node AngleBackward0: {@code grad * z / |z|^2 * i}, 0 at 0. */
    static Tensor angle(Tensor z) {
        Tensor out = compute(() -> {
            Tensor p = parts(z);
            return p.select(-1, 1).atan2(p.select(-1, 0));
        });
        return ArithmeticOps.record(out, "AngleBackward0", new Tensor[] {z}, n -> {
            SavedTensor sz = n.save(z);
            return g -> {
                Tensor x = sz.get();
                Tensor a2 = abs(x).pow(2.0);
                Tensor zero = a2.eq(0.0);
                Tensor r = mulI(div(mul(g, x), a2.maskedFill(zero, 1.0)));
                return new Tensor[] {mul(r, zero.logicalNot().to(a2.dtype))};
            };
        });
    }

    /**
     * {@code exp(z) = e^re (cos im + i sin im)} (two products, as PyTorch's vectorized kernel: {@code exp(inf+0j)} is
     * {@code inf+nanj}), node ExpBackward0: {@code grad * conj(result)}. The backend's one-pass kernel where it has one
     * ({@link dev.ember.backend.Backend#complexUnary}), else composed from real ops.
     */
    static Tensor exp(Tensor z) {
        Tensor out = compute(() -> {
            Tensor k = kernel(z, UnaryOp.EXP, 0);
            if (k != null) {
                return k;
            }
            Tensor p = parts(z);
            Tensor m = p.select(-1, 0).exp();
            Tensor im = p.select(-1, 1);
            return fromParts(m.mul(im.cos()), m.mul(im.sin()));
        });
        return ArithmeticOps.record(out, "ExpBackward0", new Tensor[] {z}, n -> {
            SavedTensor so = n.saveOutput(out);
            return g -> new Tensor[] {mul(g, conj(so.get()))};
        });
    }

    /**
     * A holomorphic function of a complex tensor: {@code forward} maps the real and imaginary parts (under no_grad) to
     * the result's; the backward is {@code grad * conj(f'(z))} (PyTorch's convention), {@code derivative} computing
     * {@code f'(z)} from {@code z} and the result with recorded complex ops, so that it differentiates again.
     */
    static Tensor holomorphic(Tensor z, String node, java.util.function.BinaryOperator<Tensor> forward,
                                      java.util.function.BinaryOperator<Tensor> derivative) {
        Tensor out = compute(() -> {
            Tensor p = parts(z);
            return forward.apply(p.select(-1, 0), p.select(-1, 1));
        });
        return recordHolomorphic(z, out, node, derivative);
    }

    /**
     * Records {@code out}, a holomorphic function of {@code z} computed without history, as node {@code node} whose
     * backward is {@code grad * conj(derivative(z, out))}.
     */
    static Tensor recordHolomorphic(Tensor z, Tensor out, String node, java.util.function.BinaryOperator<Tensor> derivative) {
        return ArithmeticOps.record(out, node, new Tensor[] {z}, n -> {
            SavedTensor sz = n.save(z);
            SavedTensor so = n.saveOutput(out);
            return g -> new Tensor[] {mul(g, conj(derivative.apply(sz.get(), so.get())))};
        });
    }

    /**
     * {@code log z = log|z| + i arg z}, node LogBackward0 ({@code grad / conj(z)}): the backend's one-pass kernel where
     * it has one (the C library's clog, as PyTorch's), else composed from real ops.
     */
    static Tensor log(Tensor z) {
        Tensor out = compute(() -> {
            Tensor k = kernel(z, UnaryOp.LOG, 0);
            if (k != null) {
                return k;
            }
            Tensor p = parts(z);
            Tensor x = p.select(-1, 0);
            Tensor y = p.select(-1, 1);
            return fromParts(x.hypot(y).log(), y.atan2(x));
        });
        return recordHolomorphic(z, out, "LogBackward0", (x, r) -> reciprocal(x));
    }

    /**
     * {@code op} (sqrt, exp or log; null: {@code z ** p}) of a complex tensor by its backend's one-pass kernel
     * ({@link dev.ember.backend.Backend#complexUnary}, {@link dev.ember.backend.Backend#complexPow}: PyTorch's
     * special values and bits), without history; null where the backend has none.
     */
    private static Tensor kernel(Tensor z, UnaryOp op, double p) {
        int[] pairShape = Arrays.copyOf(z.shape, z.shape.length + 1);
        pairShape[z.shape.length] = 2;
        Tensor out = Creation.empty(pairShape, z.dtype.toReal(), z.device);
        Tensor pz = parts(z);
        Layout src = elements(pz.layout);
        Layout dst = elements(out.layout);
        boolean done = op == null ? z.backend.complexPow(p, pz.storage(), src, out.storage(), dst)
                : z.backend.complexUnary(op, pz.storage(), src, out.storage(), dst);
        if (!done) {
            out.close();
            return null;
        }
        return adopt(out);
    }

    /**
     * The principal square root, node SqrtBackward0 ({@code grad / (2 conj(result))}): with {@code t = sqrt((|x| +
     * |z|) / 2)}, {@code t + i y / 2t} for {@code x >= 0}, else {@code |y| / 2t + i copysign(t, y)} (0 at 0). The
     * backend's one-pass kernel where it has one (the C library's csqrt, as PyTorch's), else that composition.
     */
    static Tensor sqrt(Tensor z) {
        Tensor out = compute(() -> {
            Tensor k = kernel(z, UnaryOp.SQRT, 0);
            if (k != null) {
                return k;
            }
            Tensor p = parts(z);
            Tensor[] s = sqrtParts(p.select(-1, 0), p.select(-1, 1));
            return fromParts(s[0], s[1]);
        });
        return recordHolomorphic(z, out, "SqrtBackward0", (x, r) -> reciprocal(mul(r, Creation.wrap(2.0))));
    }

    /** The parts of the principal square root of {@code x + iy} (real tensors of one shape, no history), as {@link #sqrt}. */
    static Tensor[] sqrtParts(Tensor x, Tensor y) {
        Tensor t = x.abs().add(x.hypot(y)).div(2.0).sqrt();
        Tensor zero = t.eq(0.0);
        Tensor t2 = t.mul(2.0).maskedFill(zero, 1.0);
        Tensor q = y.div(t2).maskedFill(zero, 0.0);
        Tensor pos = x.ge(0.0);
        return new Tensor[] {ArithmeticOps.where(pos, t, q.abs()), ArithmeticOps.where(pos, q, t.copysign(y))};
    }

    /** {@code 1 / z} (c10::complex's division), node ReciprocalBackward0 ({@code -grad * conj(result^2)}). */
    static Tensor reciprocal(Tensor z) {
        return holomorphic(z, "ReciprocalBackward0", (x, y) -> smith(x.onesLike(), x.zerosLike(), x, y),
                (x, r) -> neg(mul(r, r)));
    }

    /** {@code sin z = sin x cosh y + i cos x sinh y}, node SinBackward0 ({@code grad * conj(cos z)}). */
    static Tensor sin(Tensor z) {
        return holomorphic(z, "SinBackward0", (x, y) -> fromParts(x.sin().mul(y.cosh()), x.cos().mul(y.sinh())),
                (x, r) -> cos(x));
    }

    /** {@code cos z = cos x cosh y - i sin x sinh y}, node CosBackward0 ({@code -grad * conj(sin z)}). */
    static Tensor cos(Tensor z) {
        return holomorphic(z, "CosBackward0", (x, y) -> fromParts(x.cos().mul(y.cosh()), x.sin().mul(y.sinh()).neg()),
                (x, r) -> neg(sin(x)));
    }

    /**
     * {@code z ** p} for a real number {@code p}, node PowBackward0 ({@code grad * conj(p z^(p-1))}, 0 for p = 0): as
     * PyTorch 2.x's CPU kernel (pow_tensor_scalar_kernel), {@code z * z} for 2, {@code z * z * z} for 3, the square root
     * for 0.5, the reciprocal of the square root for -0.5, the reciprocal for -1, the reciprocal of {@code z * z} for -2
     * (c10::complex's division, the scalar loop's: a zero base gives {@code inf+nanj} for -0.5, -1 and -2), else
     * {@code std::pow(z, (p, 0))}: the backend's kernel where it has one (the C library's cpow,
     * {@code cexp((p, 0) * clog(z))}: {@code 0 ** 2.5} is {@code 0-0j}), else {@code exp(p log z)} composed (0 at 0).
     */
    static Tensor pow(Tensor z, double p) {
        return pow(z, p, false);
    }

    /**
     * {@link #pow(Tensor, double)}; {@code boolExponent}: p came from a Python bool (0 or 1), which pow_backward's
     * {@code exponent.equal(0.0)} never matches (Scalar::equal: a bool equals no number), so {@code z ** False}'s
     * gradient is {@code grad * conj(0 * z^-1)} (NaN at 0), not zeros.
     */
    static Tensor pow(Tensor z, double p, boolean boolExponent) {
        Tensor out = compute(() -> powForward(z, p));
        return ArithmeticOps.record(out, "PowBackward0", new Tensor[] {z}, n -> {
            SavedTensor sz = n.save(z);
            return g -> {
                if (p == 0 && !boolExponent) {
                    return new Tensor[] {g.zerosLike()};
                }
                Tensor d = mul(pow(sz.get(), p - 1), Creation.wrap(p));
                return new Tensor[] {mul(g, conj(d))};
            };
        });
    }

    /**
     * {@link #pow(Tensor, double)}'s values without history, for a complex {@code z}: also what a Python complex exponent
     * with a zero imaginary part gives ({@code z ** (2+0j)}: PyTorch's pow_Tensor_Scalar converts the Scalar and takes
     * the same shortcuts), called by {@link ComplexMath#pow}.
     */
    static Tensor powForward(Tensor z, double p) {
        // -Dember.complex.oldPowShortcuts=true: session 54's cpow for -0.5 and -2 (for comparisons only)
        if (p == 0) {
            return ViewOps.cloneContiguous(z).fill_(1.0); // 0 ** 0 is 1, as every z ** 0
        } else if (p == 2) {
            return mul(z, z);
        } else if (p == 3) {
            return mul(mul(z, z), z);
        } else if (p == 0.5) {
            return sqrt(z);
        } else if (p == -1) {
            return reciprocal(z);
        } else if (p == -0.5 && !OLD_POW_SHORTCUTS) {
            return reciprocal(sqrt(z)); // rsqrt_kernel's scalar op: 1 / std::sqrt(z), c10::complex's division
        } else if (p == -2 && !OLD_POW_SHORTCUTS) {
            return reciprocal(mul(z, z)); // 1 / (z * z): 0 ** -2 is inf+nanj, as 2.x's scalar loop
        } else if (p == 1) {
            return z.clone();
        }
        Tensor k = kernel(z, null, p);
        if (k != null) {
            return k;
        }
        Tensor pr = parts(z);
        Tensor x = pr.select(-1, 0);
        Tensor y = pr.select(-1, 1);
        Tensor m = x.hypot(y);
        Tensor mag = m.log().mul(p).exp();
        Tensor ang = y.atan2(x).mul(p);
        Tensor zero = m.eq(0.0);
        return fromParts(mag.mul(ang.cos()).maskedFill(zero, 0.0), mag.mul(ang.sin()).maskedFill(zero, 0.0));
    }

    // ------------------------------------------------------------------ reductions and products

    /** Non-negative, sorted reduced dimensions (all for null), with PyTorch's range check. */
    private static int[] dims(Tensor z, int[] dims) {
        if (dims == null || dims.length == 0 && z.dim() == 0) {
            return java.util.stream.IntStream.range(0, z.dim()).toArray();
        }
        if (z.dim() == 0) {
            // a 0-dim tensor takes dim 0 and -1 (checked), which reduce nothing
            for (int dim : dims) {
                Shapes.wrapDim(dim, 0);
            }
            return new int[0];
        }
        int[] d = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            d[i] = Shapes.wrapDim(dims[i], z.dim());
        }
        return d;
    }

    /** {@code sum(z, dims, keepdim)}: both parts summed, node SumBackward0 (all) or SumBackward1. */
    static Tensor sum(Tensor z, int[] dimsOrNull, boolean keepdim) {
        int[] d = dimsOrNull == null || dimsOrNull.length == 0 ? dims(z, null) : dims(z, dimsOrNull);
        int[] inShape = z.shape;
        int[] kept = inShape.clone();
        for (int i : d) {
            kept[i] = 1;
        }
        // no dims (a 0-dim tensor): the value itself (an empty list would make the parts' sum reduce the parts too)
        Tensor out = compute(() -> d.length == 0 ? ViewOps.cloneContiguous(z) : adopt(owned(parts(z).sum(d, keepdim))));
        String name = dimsOrNull == null ? "SumBackward0" : "SumBackward1";
        return ArithmeticOps.record(out, name, new Tensor[] {z}, n -> g -> new Tensor[] {g.reshape(kept).expand(inShape)});
    }

    /** {@code mean(z, dims, keepdim)}, node MeanBackward0 (all) or MeanBackward1. */
    static Tensor mean(Tensor z, int[] dimsOrNull, boolean keepdim) {
        int[] d = dimsOrNull == null || dimsOrNull.length == 0 ? dims(z, null) : dims(z, dimsOrNull);
        int[] inShape = z.shape;
        int[] kept = inShape.clone();
        long count = 1;
        for (int i : d) {
            kept[i] = 1;
            count *= inShape[i];
        }
        double c = count;
        // PyTorch's mean: the sum divided by the count as a complex number (c, +0) (its div_ by an integer Scalar), so an
        // infinite part makes the other NaN, as every complex quotient: mean of [0j, infj] is nan+infj
        Tensor out = compute(() -> d.length == 0 ? ViewOps.cloneContiguous(z)
                : div(adopt(owned(parts(z).sum(d, keepdim))), Creation.wrap(c)));
        String name = dimsOrNull == null ? "MeanBackward0" : "MeanBackward1";
        return ArithmeticOps.record(out, name, new Tensor[] {z}, n -> g -> new Tensor[] {
            g.reshape(kept).expand(inShape).div(c)});
    }

    /**
     * {@code a @ b} with a complex operand: four real products, {@code (ar br - ai bi) + i (ar bi + ai br)}, under one
     * node named as PyTorch's for real operands of these shapes; its backward differentiates the same real products
     * (which gives PyTorch's {@code grad @ b^H} and {@code a^H @ grad}), so it differentiates again.
     */
    static Tensor matmul(Tensor a, Tensor b) {
        DType t = complexType(a, b);
        Tensor ca = asComplex(a, t);
        Tensor cb = asComplex(b, t);
        Tensor arbr;
        boolean records = ArithmeticOps.needsGrad(new Tensor[] {a, b});
        try (GradMode on = new GradMode(records)) {
            // recorded when the result is, for the node PyTorch records for these shapes (that of the real product):
            // an alias of the operand that requires grad (which is no inference tensor) made a leaf that requires it
            Tensor pa = parts(ca);
            Tensor pb = parts(cb);
            if (records) {
                if (a.requiresGrad()) {
                    pa.setRequiresGrad(true);
                } else {
                    pb.setRequiresGrad(true);
                }
            }
            arbr = pa.select(-1, 0).matmul(pb.select(-1, 0));
        }
        Tensor first = arbr.detach();
        Tensor out = compute(() -> realProducts(ca, cb, first));
        if (!records) {
            return out;
        }
        return LinalgCompat.recordRecomputed(out, arbr.gradNode().name(), new Tensor[] {a, b},
                xs -> realProducts(asComplexRecorded(xs[0], t), asComplexRecorded(xs[1], t), null));
    }

    /**
     * The complex product of two complex tensors through real matmuls of their parts, recorded when grad mode is on;
     * {@code arbr}, when not null, is the product of the real parts already computed.
     */
    private static Tensor realProducts(Tensor a, Tensor b, Tensor arbr) {
        Tensor pa = viewAsReal(a);
        Tensor pb = viewAsReal(b);
        Tensor ar = pa.select(-1, 0);
        Tensor ai = pa.select(-1, 1);
        Tensor br = pb.select(-1, 0);
        Tensor bi = pb.select(-1, 1);
        Tensor rr = arbr != null ? arbr : ar.matmul(br);
        return complex(rr.sub(ai.matmul(bi)), ar.matmul(bi).add(ai.matmul(br)));
    }

    /** {@code t} as the complex type {@code type}, the conversion recorded (ToCopyBackward0) when grad mode is on. */
    private static Tensor asComplexRecorded(Tensor t, DType type) {
        return t.dtype == type ? t : t.to(type);
    }
}
