package dev.ember;

import dev.ember.backend.Layout;

import java.util.Arrays;
import java.util.List;

/**
 * Matrix products (mm, bmm, dot, mv, matmul with PyTorch 2.x's rank rules and nodes), the fused products addmm, addmv,
 * addbmm and baddbmm (one node each), tensordot (a composition) and cross, with their backward formulas.
 */
final class LinalgOps {
    private LinalgOps() {
    }

    /** addmm's check (mm and the products PyTorch folds into one): {@code float != double}. */
    private static void checkSameType(Tensor a, Tensor b) {
        if (a.dtype != b.dtype) {
            throw new IllegalArgumentException("expected m1 and m2 to have the same dtype, but got: "
                    + NNOps.cTypeName(a.dtype) + " != " + NNOps.cTypeName(b.dtype));
        }
    }

    /** The kernels' own check (bmm, mv): {@code expected scalar type Float but found Double}. */
    private static void checkScalarType(Tensor a, Tensor b) {
        if (a.dtype != b.dtype) {
            throw new IllegalArgumentException("expected scalar type " + Format.scalarType(a.dtype) + " but found "
                    + Format.scalarType(b.dtype));
        }
    }

    /** Runs the batched kernel on rank-3 layouts of floating tensors. */
    private static Tensor kernel(Tensor a, Layout la, Tensor b, Layout lb, int[] outShape, int batch, int m, int n) {
        return kernel(a, la, b, lb, outShape, batch, m, n, false);
    }

    /** {@link #kernel}, by {@link dev.ember.backend.Backend#bmm} for bmm (its small loop's rounding). */
    private static Tensor kernel(Tensor a, Layout la, Tensor b, Layout lb, int[] outShape, int batch, int m, int n,
            boolean bmm) {
        Tensor out = Creation.empty(outShape, a.dtype, a.device);
        Layout lo = new Layout(new int[] {batch, m, n}, new int[] {m * n, n, 1}, 0);
        if (bmm) {
            a.backend.bmm(a.storage(), la, b.storage(), lb, out.storage(), lo);
        } else {
            a.backend.matmul(a.storage(), la, b.storage(), lb, out.storage(), lo);
        }
        return out;
    }

    /** Every integer up to 2^53 is a float64, so a product whose terms and sums stay below it is exact there. */
    private static final double EXACT_IN_FLOAT64 = 9007199254740992.0;

    /**
     * An integer product {@code a[B, m, k] x b[B, k, n]} exact as PyTorch's (wrapping on overflow as the type does): the
     * float64 kernel when {@code max|a| * max|b| * k} stays within 2^53, otherwise a sum of k outer products in int64;
     * a narrow type's result is the int64 one wrapped into it (its low bits, which wrap-around arithmetic keeps).
     */
    private static Tensor integerProduct(Tensor a, Tensor b) {
        int k = a.shape[2];
        double bound = maxAbs(a) * maxAbs(b) * k;
        try (GradMode off = Ember.noGrad()) {
            if (bound <= EXACT_IN_FLOAT64) {
                return ArithmeticOps.cast(ArithmeticOps.cast(f64(a).bmm(f64(b)), DType.INT64), a.dtype);
            }
            Tensor out = Creation.zeros(new int[] {a.shape[0], a.shape[1], b.shape[2]}, DType.INT64, a.device);
            for (int i = 0; i < k; i++) {
                out = out.add(ArithmeticOps.cast(a.narrow(2, i, 1), DType.INT64).mul(ArithmeticOps.cast(b.narrow(1, i, 1), DType.INT64)));
            }
            return ArithmeticOps.cast(out, a.dtype);
        }
    }

    private static double maxAbs(Tensor t) {
        return t.numel() == 0 ? 0 : f64(t).abs().max().item();
    }

    private static Tensor f64(Tensor t) {
        return ArithmeticOps.cast(t, DType.FLOAT64);
    }

    static Tensor mm(Tensor a, Tensor b) {
        if (Autocast.on()) return Autocast.apply("mm", t -> mm(t[0], t[1]), a, b);
        NNOps.requireTensor(b, "mm", "mat2", 1);
        ArithmeticOps.checkSameDevice(a, b);
        if (a.dim() != 2) {
            throw new IllegalArgumentException("self must be a matrix");
        }
        if (b.dim() != 2) {
            throw new IllegalArgumentException("mat2 must be a matrix");
        }
        if (a.shape[1] != b.shape[0]) {
            throw new IllegalArgumentException("mat1 and mat2 shapes cannot be multiplied (" + a.shape[0] + "x" + a.shape[1]
                    + " and " + b.shape[0] + "x" + b.shape[1] + ")");
        }
        checkSameType(a, b);
        if (a.dtype == DType.BOOL && !a.device.isMeta()) { // a meta kernel checks no element type
            throw Refusals.notImplemented("addmm_impl_cpu_", DType.BOOL);
        }
        if (a.dtype.isComplex()) {
            return ComplexOps.matmul(a, b); // four real products, node MmBackward0
        }
        if (a.dtype.isIntegral()) {
            return integerProduct(a.unsqueeze(0), b.unsqueeze(0)).squeeze(0);
        }
        int m = a.shape[0];
        int k = a.shape[1];
        int n = b.shape[1];
        Layout la = new Layout(new int[] {1, m, k}, new int[] {0, a.layout.stride(0), a.layout.stride(1)}, a.layout.offset());
        Layout lb = new Layout(new int[] {1, k, n}, new int[] {0, b.layout.stride(0), b.layout.stride(1)}, b.layout.offset());
        Tensor out = !OpInterception.active() ? kernel(a, la, b, lb, new int[] {m, n}, 1, m, n)
                : OpInterception.run("aten.mm.default", new Tensor[] {a, b},
                        () -> kernel(a, la, b, lb, new int[] {m, n}, 1, m, n));
        return ArithmeticOps.record(out, "MmBackward0", new Tensor[] {a, b}, node -> {
            SavedTensor sb = node.needsInputGrad(0) ? node.save(b) : null;
            SavedTensor sa = node.needsInputGrad(1) ? node.save(a) : null;
            // mat2 stored column-major (a Linear layer's weight.t()): compute its gradient in that layout, so the
            // transpose's backward hands the weight a contiguous gradient it can keep (PyTorch's mm_mat2_backward)
            boolean columnMajor = b.shape[0] > 1 && b.shape[1] > 1 && b.layout.stride(0) == 1 && b.layout.stride(1) == b.shape[0];
            return g -> new Tensor[] {
                sb == null || !node.computes(0, sb) ? null : g.mm(sb.get().t()),
                sa == null || !node.computes(1, sa) ? null : columnMajor ? g.t().mm(sa.get()).t() : sa.get().t().mm(g)};
        });
    }

    static Tensor bmm(Tensor a, Tensor b) {
        if (Autocast.on()) return Autocast.apply("bmm", t -> bmm(t[0], t[1]), a, b);
        NNOps.requireTensor(b, "bmm", "mat2", 1);
        ArithmeticOps.checkSameDevice(a, b);
        if (a.dim() != 3) {
            throw new IllegalArgumentException("batch1 must be a 3D tensor");
        }
        if (b.dim() != 3) {
            throw new IllegalArgumentException("batch2 must be a 3D tensor");
        }
        if (b.shape[0] != a.shape[0] || b.shape[1] != a.shape[2]) {
            throw new IllegalArgumentException("Expected size for first two dimensions of batch2 tensor to be: ["
                    + a.shape[0] + ", " + a.shape[2] + "] but got: [" + b.shape[0] + ", " + b.shape[1] + "].");
        }
        checkScalarType(a, b);
        if (a.dtype == DType.BOOL) {
            throw Refusals.notImplemented("bmm", DType.BOOL);
        }
        if (a.dtype.isComplex()) {
            return ComplexOps.matmul(a, b); // four real products, node BmmBackward0
        }
        if (a.dtype.isIntegral()) {
            return integerProduct(a, b);
        }
        int batch = a.shape[0];
        int m = a.shape[1];
        int n = b.shape[2];
        Tensor out = !OpInterception.active()
                ? kernel(a, a.layout, b, b.layout, new int[] {batch, m, n}, batch, m, n, true)
                : OpInterception.run("aten.bmm.default", new Tensor[] {a, b},
                        () -> kernel(a, a.layout, b, b.layout, new int[] {batch, m, n}, batch, m, n, true));
        return ArithmeticOps.record(out, "BmmBackward0", new Tensor[] {a, b}, node -> {
            SavedTensor sb = node.needsInputGrad(0) ? node.save(b) : null;
            SavedTensor sa = node.needsInputGrad(1) ? node.save(a) : null;
            return g -> new Tensor[] {
                sb == null || !node.computes(0, sb) ? null : g.bmm(sb.get().transpose(1, 2)),
                sa == null || !node.computes(1, sa) ? null : sa.get().transpose(1, 2).bmm(g)};
        });
    }

    static Tensor dot(Tensor a, Tensor b) {
        if (Autocast.on()) return Autocast.apply("dot", t -> dot(t[0], t[1]), a, b);
        NNOps.requireTensor(b, "dot", "tensor", 1);
        ArithmeticOps.checkSameDevice(a, b);
        if (a.dim() != 1 || b.dim() != 1) {
            throw new IllegalArgumentException("1D tensors expected, but got " + a.dim() + "D and " + b.dim() + "D tensors");
        }
        if (a.dtype != b.dtype) {
            throw new IllegalArgumentException("dot : expected both vectors to have same dtype, but found "
                    + Format.scalarType(a.dtype) + " and " + Format.scalarType(b.dtype));
        }
        if (a.shape[0] != b.shape[0]) {
            throw new IllegalArgumentException("inconsistent tensor size, expected tensor [" + a.shape[0] + "] and src ["
                    + b.shape[0] + "] to have the same number of elements, but got " + a.shape[0] + " and " + b.shape[0]
                    + " elements respectively");
        }
        if (a.dtype == DType.BOOL) {
            throw Refusals.notImplemented("dot", DType.BOOL);
        }
        if (a.dtype.isComplex()) {
            return ComplexMath.dot(a, b, false);
        }
        if (a.dtype.isIntegral()) {
            try (GradMode off = Ember.noGrad()) {
                // exact in int64, wrapping on overflow as PyTorch's; a narrow type's sum wraps into it at the end
                return ArithmeticOps.cast(a.mul(b).sum(), a.dtype);
            }
        }
        int k = a.shape[0];
        Layout la = new Layout(new int[] {1, 1, k}, new int[] {0, 0, a.layout.stride(0)}, a.layout.offset());
        Layout lb = new Layout(new int[] {1, k, 1}, new int[] {0, b.layout.stride(0), 0}, b.layout.offset());
        Tensor out = kernel(a, la, b, lb, new int[0], 1, 1, 1);
        return ArithmeticOps.record(out, "DotBackward0", new Tensor[] {a, b}, node -> {
            SavedTensor sb = node.needsInputGrad(0) ? node.save(b) : null;
            SavedTensor sa = node.needsInputGrad(1) ? node.save(a) : null;
            return g -> new Tensor[] {sb == null || !node.computes(0, sb) ? null : sb.get().mul(g), sa == null || !node.computes(1, sa) ? null : sa.get().mul(g)};
        });
    }

    /**
     * PyTorch 2.x's matmul ({@code _matmul_impl}), with its nodes: dot for two vectors, {@code mv} for a matrix times a
     * vector, {@code mm} then an in-place {@code squeeze_(0)} for a vector times a matrix, {@code mm} for two matrices;
     * where one operand has at least three dimensions and the other at most two, the larger one is folded into a matrix
     * ({@code should_fold}: when the smaller one requires grad, or the fold needs no copy) and multiplied by {@code mm} or
     * {@code mv}, otherwise the batch dimensions are broadcast and the product runs through {@code bmm}; either way an
     * {@code _unsafe_view} ({@code UnsafeViewBackward0}) gives the result its shape. The shape and type checks of an
     * operand of at most two dimensions come first, in the words of the product PyTorch 1.13 always folded into (which
     * the expected messages of the existing error tests follow).
     */
    static Tensor matmul(Tensor a, Tensor b) {
        if (Autocast.on()) return Autocast.apply("matmul", t -> matmul(t[0], t[1]), a, b);
        NNOps.requireTensor(b, "matmul", "other", 1);
        if (ComplexOps.any(a, b) && a.dim() > 0 && b.dim() > 0 && a.dtype == b.dtype) {
            return ComplexOps.matmul(a, b);
        }
        // (complex with real is an error, as float with double: PyTorch's products do not promote; the real path's
        // checks below raise it in PyTorch's order, after the shapes', naming the operands as its folds see them)
        int da = a.dim();
        int db = b.dim();
        if (da == 0 || db == 0) {
            throw new IllegalArgumentException("both arguments to matmul need to be at least 1D, but they are " + da + "D and "
                    + db + "D");
        }
        ArithmeticOps.checkSameDevice(a, b);
        if (da == 1 && db == 1) {
            return dot(a, b);
        }
        if (da == 2 && db == 1) {
            return mv(a, b);
        }
        if (da == 1 && db == 2) {
            return squeezeInPlace(mm(a.unsqueeze(0), b), 0);
        }
        if (da == 2 && db == 2) {
            return mm(a, b);
        }
        int k = a.shape[da - 1];
        if (db <= 2) {
            // a folds into a [rows, k] matrix
            long rows = leading(a.shape, da - 1);
            if (db == 1) {
                checkMv(rows, k, b.shape[0]);
                checkScalarType(a, b);
            } else {
                checkMm(rows, k, b.shape[0], b.shape[1]);
                checkSameType(a, b);
            }
        } else if (da <= 2) {
            // b^T folds into a [rows, k2] matrix, multiplied by a^T
            int k2 = b.shape[db - 2];
            long rows = leading(b.shape, db - 2) * b.shape[db - 1];
            if (da == 1) {
                checkMv(rows, k2, k);
                checkScalarType(b, a);
            } else {
                checkMm(rows, k2, k, a.shape[0]);
                checkSameType(b, a);
            }
        }
        if (shouldFold(a, b)) {
            boolean transpose = db > da;
            Tensor t1 = transpose ? b.mT() : a;
            Tensor t2 = !transpose ? b : da == 2 ? a.t() : a;
            int[] s1 = t1.shape;
            int[] outShape = Arrays.copyOf(s1, s1.length - 1);
            int folded = Shapes.toSize(Layout.numel(outShape), "matmul's folded operand");
            boolean matrix = t2.dim() == 2;
            if (matrix) {
                outShape = Arrays.copyOf(outShape, outShape.length + 1);
                outShape[outShape.length - 1] = t2.shape[1];
            }
            Tensor t1Folded = t1.reshape(folded, s1[s1.length - 1]);
            if (matrix) {
                Tensor out = unsafeView(t1Folded.mm(t2), outShape);
                return transpose ? out.mT().contiguous() : out;
            }
            return unsafeView(t1Folded.mv(t2), outShape);
        }
        int n = da > 1 ? a.shape[da - 2] : 1;
        int m1 = a.shape[da - 1];
        int[] batch1 = Arrays.copyOf(a.shape, Math.max(da - 2, 0));
        int m2 = db > 1 ? b.shape[db - 2] : b.shape[0];
        int p = db > 1 ? b.shape[db - 1] : 1;
        int[] batch2 = Arrays.copyOf(b.shape, Math.max(db - 2, 0));
        // the gradient-saving special case: a broadcast batch of one that requires grad folds instead
        if (da == 3 && db == 3 && batch1[0] != batch2[0]) {
            if (batch1[0] == 1 && a.requiresGrad()) {
                return matmul(a.squeeze(0), b);
            }
            if (batch2[0] == 1 && b.requiresGrad()) {
                return matmul(a, b.squeeze(0));
            }
        }
        int[] batch = Shapes.broadcast(batch1, batch2);
        long batchNumel = Layout.numel(batch);
        if (batchNumel > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("matmul's broadcast batch would have size " + batchNumel
                    + "; Ember's dimensions are at most " + Integer.MAX_VALUE);
        }
        int bn = (int) batchNumel;
        Tensor x = a.expand(concat(batch, n, m1)).reshape(bn, n, m1);
        boolean vectorRhs = db == 1;
        Tensor y;
        if (vectorRhs) {
            int[] e = Arrays.copyOf(batch, batch.length + 1);
            e[batch.length] = m2;
            y = b.expand(e).reshape(bn, m2).unsqueeze(2);
        } else {
            y = b.expand(concat(batch, m2, p)).reshape(bn, m2, p);
        }
        int[] outShape = batch;
        if (da > 1) {
            outShape = Arrays.copyOf(outShape, outShape.length + 1);
            outShape[outShape.length - 1] = n;
        }
        if (db > 1) {
            outShape = Arrays.copyOf(outShape, outShape.length + 1);
            outShape[outShape.length - 1] = p;
        }
        Tensor prod = x.bmm(y);
        return unsafeView(vectorRhs ? prod.squeeze(-1) : prod, outShape);
    }

    /** PyTorch's {@code should_fold}: whether matmul folds the larger operand into a matrix for mm or mv. */
    private static boolean shouldFold(Tensor a, Tensor b) {
        boolean aLarger = a.dim() >= b.dim();
        int dimT1 = aLarger ? a.dim() : b.dim();
        int dimT2 = aLarger ? b.dim() : a.dim();
        if (!(dimT1 >= 3 && dimT2 <= 2)) {
            return false;
        }
        if (aLarger ? b.requiresGrad() : a.requiresGrad()) {
            return true;
        }
        if (a.dim() == 2) {
            return false;
        }
        Tensor big = aLarger ? a : b;
        if (big.numel() == 0) {
            return true;
        }
        // the strides of t1 (the larger operand, transposed in its last two dimensions when it is the second)
        int[] shape = big.shape.clone();
        int[] strides = big.layout.strides();
        if (!aLarger) {
            int r = shape.length;
            int ts = shape[r - 1];
            shape[r - 1] = shape[r - 2];
            shape[r - 2] = ts;
            int tt = strides[r - 1];
            strides[r - 1] = strides[r - 2];
            strides[r - 2] = tt;
        }
        for (int i = 0; i < dimT1 - 2; i++) {
            if ((long) strides[i] != (long) strides[i + 1] * shape[i + 1]) {
                return false;
            }
        }
        return true;
    }

    /**
     * PyTorch's {@code _unsafe_view}: {@code t} (a fresh result that only this op holds) under a new shape, not a view
     * in autograd's sense: {@code UnsafeViewBackward0}, whose backward reshapes the gradient back.
     */
    static Tensor unsafeView(Tensor t, int[] shape) {
        int[] strides = Shapes.viewStrides(t.shape, t.layout.strides(), shape);
        Tensor src = t;
        if (strides == null) {
            try (GradMode off = Ember.noGrad()) {
                src = t.contiguous();
            }
            strides = Layout.contiguousStrides(shape);
        }
        Tensor out = new Tensor(src.lease(), new Layout(shape, strides, src.layout.offset()), src.device, src.backend,
                src.version, src.dtype);
        int[] in = t.shape;
        return ArithmeticOps.record(out, "UnsafeViewBackward0", new Tensor[] {t}, n -> g -> new Tensor[] {g.reshape(in)});
    }

    /**
     * On the meta device, {@code t} (a result without history yet) as 2.x's meta kernels give a LAPACK-backed result:
     * a batch of column-major matrices ({@code batched_matrix_contiguous_strides(sizes, f_contig=true)}: the usual
     * strides, the last two dimensions' {@code (1, max(rows, 1))}); elsewhere, or for fewer than 2 dimensions,
     * {@code t} itself (Ember's kernels give row-major results on the other devices).
     */
    static Tensor fortranOnMeta(Tensor t) {
        if (t == null || !t.device.isMeta() || t.dim() < 2) {
            return t;
        }
        int[] shape = t.shape;
        int d = shape.length;
        int[] strides = new int[d];
        long acc = 1;
        for (int i = d - 1; i >= 0; i--) {
            strides[i] = (int) acc;
            acc *= Math.max(shape[i], 1);
        }
        strides[d - 1] = Math.max(shape[d - 2], 1);
        strides[d - 2] = 1;
        return Creation.emptyStrided(shape, strides, t.dtype, t.device);
    }

    /**
     * A tensor over {@code t}'s storage with a new shape, not a view and without history: how an op hands out a result it
     * computed in another shape (t must be a fresh tensor only the op holds; a copy is made if the strides do not allow
     * the shape).
     */
    static Tensor fresh(Tensor t, int[] shape) {
        if (Arrays.equals(t.shape, shape) && t.viewBase == null) {
            return t;
        }
        int[] strides = Shapes.viewStrides(t.shape, t.layout.strides(), shape);
        Tensor src = t;
        if (strides == null) {
            src = Creation.empty(t.shape, t.dtype, t.device);
            t.backend.copy(t.storage(), t.layout, src.storage(), src.layout);
            strides = Layout.contiguousStrides(shape);
        }
        return new Tensor(src.lease(), new Layout(shape, strides, src.layout.offset()), src.device, src.backend,
                new int[1], src.dtype);
    }

    /**
     * {@code t.squeeze_(dim)} on a fresh result (matmul's vector times matrix): the same storage with the dimension
     * removed, recorded as PyTorch 2.x names the in-place squeeze of one dimension, {@code SqueezeBackward4}
     * ({@code squeeze_.dim}, the fifth of the squeeze entries in derivatives.yaml).
     */
    private static Tensor squeezeInPlace(Tensor t, int dim) {
        int[] shape = new int[t.dim() - 1];
        int[] strides = new int[t.dim() - 1];
        for (int i = 0, j = 0; i < t.dim(); i++) {
            if (i != dim) {
                shape[j] = t.shape[i];
                strides[j] = t.layout.stride(i);
                j++;
            }
        }
        Tensor out = new Tensor(t.lease(), new Layout(shape, strides, t.layout.offset()), t.device, t.backend, t.version, t.dtype);
        out.bumpVersion(); // an in-place op: PyTorch's result is at version 1
        return ArithmeticOps.record(out, "SqueezeBackward4", new Tensor[] {t}, n -> g -> new Tensor[] {g.unsqueeze(dim)});
    }

    // ------------------------------------------------------------------ matrix-vector and fused products

    /** {@code maybe_multiply}: {@code g} itself for a factor of 1, else {@code g * s}. */
    static Tensor maybeMultiply(Tensor g, double s) {
        return s == 1 ? g : g.mul(s);
    }

    /** The outer product {@code a b^T} of two vectors, as the backward formulas' {@code ger}. */
    private static Tensor outer(Tensor a, Tensor b) {
        return a.unsqueeze(1).mul(b.unsqueeze(0));
    }

    /** addmv's and mv's checks (addmv's meta), then the type check of the kernel. */
    private static void checkAddmv(int selfDim, long selfNumel, int selfSize0, Tensor mat, Tensor vec) {
        if (!(mat.dim() == 2 && vec.dim() == 1 && selfDim <= 1)) {
            throw new IllegalArgumentException("vector + matrix @ vector expected, got " + selfDim + ", " + mat.dim() + ", "
                    + vec.dim());
        }
        if (!(mat.shape[1] == vec.shape[0] && (mat.shape[0] == selfNumel || selfNumel == 1))) {
            throw new IllegalArgumentException("size mismatch, got input (" + selfSize0 + "), mat (" + mat.shape[0] + "x"
                    + mat.shape[1] + "), vec (" + vec.shape[0] + ")");
        }
        checkScalarType(mat, vec);
        if (mat.dtype == DType.BOOL) {
            throw Refusals.notImplemented("addmv_impl_cpu", DType.BOOL);
        }
    }

    /** The product {@code mat @ vec} without history (a [n] tensor). */
    private static Tensor mvKernel(Tensor mat, Tensor vec) {
        if (mat.dtype.isIntegral()) {
            return fresh(integerProduct(mat.unsqueeze(0), vec.unsqueeze(0).unsqueeze(2)), new int[] {mat.shape[0]});
        }
        int n = mat.shape[0];
        int k = mat.shape[1];
        Layout la = new Layout(new int[] {1, n, k}, new int[] {0, mat.layout.stride(0), mat.layout.stride(1)},
                mat.layout.offset());
        Layout lb = new Layout(new int[] {1, k, 1}, new int[] {0, vec.layout.stride(0), 0}, vec.layout.offset());
        return kernel(mat, la, vec, lb, new int[] {n}, 1, n, 1);
    }

    /** Matrix times vector, as {@code torch.mv}: one {@code MvBackward0} node. */
    static Tensor mv(Tensor mat, Tensor vec) {
        if (Autocast.on()) return Autocast.apply("mv", t -> mv(t[0], t[1]), mat, vec);
        NNOps.requireTensor(vec, "mv", "vec", 1);
        ArithmeticOps.checkSameDevice(mat, vec);
        int n = mat.dim() == 0 ? 1 : mat.shape[0];
        checkAddmv(1, n, n, mat, vec);
        if (mat.dtype.isComplex()) {
            return ComplexOps.matmul(mat, vec); // four real products, node MvBackward0
        }
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            out = mvKernel(mat, vec);
        }
        return ArithmeticOps.record(out, "MvBackward0", new Tensor[] {mat, vec}, node -> {
            SavedTensor sv = node.needsInputGrad(0) ? node.save(vec) : null;
            SavedTensor sm = node.needsInputGrad(1) ? node.save(mat) : null;
            return g -> new Tensor[] {
                sv == null || !node.computes(0, sv) ? null : outer(g, sv.get()),
                sm == null || !node.computes(1, sm) ? null : sm.get().t().mv(g)};
        });
    }

    /** {@code beta * self + alpha * mat @ vec}, as {@code torch.addmv}: one {@code AddmvBackward0} node. */
    static Tensor addmv(Tensor self, Tensor mat, Tensor vec, double beta, double alpha) {
        if (Autocast.on()) return Autocast.apply("addmv", t -> addmv(t[0], t[1], t[2], beta, alpha), self, mat, vec);
        NNOps.requireTensor(mat, "addmv", "mat", 1);
        NNOps.requireTensor(vec, "addmv", "vec", 2);
        ArithmeticOps.checkSameDevice(self, mat, vec);
        checkAddmv(self.dim(), self.numel(), self.dim() == 0 ? 1 : self.shape[0], mat, vec);
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            Tensor product = mat.dtype.isComplex() ? ComplexOps.matmul(mat, vec) : mvKernel(mat, vec);
            out = combine(ArithmeticOps.cast(self, mat.dtype), product, beta, alpha);
        }
        return ArithmeticOps.record(out, "AddmvBackward0", new Tensor[] {self, mat, vec}, node -> {
            SavedTensor sv = node.needsInputGrad(1) ? node.save(vec) : null;
            SavedTensor sm = node.needsInputGrad(2) ? node.save(mat) : null;
            return g -> new Tensor[] {
                node.needsInputGrad(0) ? maybeMultiply(g, beta) : null,
                sv == null || !node.computes(1, sv) ? null : maybeMultiply(outer(g, conj(sv.get())), alpha),
                sm == null || !node.computes(2, sm) ? null : maybeMultiply(conj(sm.get()).t().mv(g), alpha)};
        });
    }

    /**
     * PyTorch's addmm and baddbmm over an empty inner dimension compute {@code result.mul_(beta)}: a fractional beta (a
     * Python float) cannot be written into an integer result ("result type Float can't be cast to the desired output
     * type Long"); with a non-empty inner dimension the kernel takes beta as an integer instead (and addmv always does,
     * through {@code scalar_tensor(beta, self.scalar_type())}). An integral beta is a Python int to Ember. baddbmm
     * returns an empty result before looking (so does addbmm), and addbmm's product is empty without batches too.
     */
    private static void checkEmptyInnerBeta(DType t, boolean emptyProduct, long outputs, double beta) {
        if (emptyProduct && outputs > 0 && !t.isFloatingPoint() && beta != 0 && beta != Math.rint(beta)) {
            throw new IllegalArgumentException("result type Float can't be cast to the desired output type "
                    + Format.scalarType(t));
        }
    }

    /**
     * {@code beta * self + alpha * product} without history, {@code self} broadcast to the product's shape; a zero
     * beta ignores self altogether (its NaN and infinities too), as PyTorch's BLAS calls do. Integer tensors take the
     * factors as integers (C++'s conversion of a Scalar to int64_t).
     */
    private static Tensor combine(Tensor self, Tensor product, double beta, double alpha) {
        boolean integral = !product.dtype.isFloatingPoint() && !product.dtype.isComplex();
        Tensor out = alpha == 1 ? product : integral ? product.mul((long) alpha) : product.mul(alpha);
        if (beta == 0 || (integral && (long) beta == 0)) {
            return out;
        }
        if (integral) {
            return out.add(self.mul((long) beta));
        }
        return out.add(self, beta);
    }

    /** The expand check of {@code expand_size(self, shape)}, in PyTorch's words. */
    private static void checkExpand(Tensor self, int... shape) {
        try (GradMode off = Ember.noGrad()) {
            self.detach().expand(shape);
        }
    }

    /** {@code mm_mat1_backward}: {@code grad @ mat2^H * alpha} (the conjugate transpose: {@code mat2^T} when real). */
    private static Tensor mat1Backward(Tensor g, Tensor mat2, double alpha) {
        return maybeMultiply(g.mm(conj(mat2).t()), alpha);
    }

    /** The conjugate of a complex tensor, as the backward formulas of the products take it; a real one itself. */
    private static Tensor conj(Tensor t) {
        return ComplexMath.conjIfComplex(t);
    }

    /**
     * {@code mm_mat2_backward}: {@code mat1^H @ grad * alpha} (the conjugate transpose: {@code mat1^T} when real),
     * computed in mat2's layout when mat2 is column-major (a Linear layer's {@code weight.t()}), so the transpose's
     * backward hands the weight a contiguous gradient it can keep.
     */
    private static Tensor mat2Backward(Tensor g, Tensor mat1, int[] mat2Shape, int[] mat2Strides, double alpha) {
        boolean columnMajor = mat2Shape[0] > 1 && mat2Shape[1] > 1 && mat2Strides[0] == 1 && mat2Strides[1] == mat2Shape[0];
        Tensor m1 = conj(mat1);
        return maybeMultiply(columnMajor ? g.t().mm(m1).t() : m1.t().mm(g), alpha);
    }

    /** {@code beta * self + alpha * mat1 @ mat2}, as {@code torch.addmm}: one {@code AddmmBackward0} node. */
    static Tensor addmm(Tensor self, Tensor mat1, Tensor mat2, double beta, double alpha) {
        if (Autocast.on()) return Autocast.apply("addmm", t -> addmm(t[0], t[1], t[2], beta, alpha), self, mat1, mat2);
        checkAddmmMeta(self, mat1, mat2);
        checkExpand(self, mat1.shape[0], mat2.shape[1]);
        if (mat1.dtype == DType.BOOL && !mat1.device.isMeta()) { // a meta kernel checks no element type
            throw Refusals.notImplemented("addmm_impl_cpu_", DType.BOOL);
        }
        checkEmptyInnerBeta(mat1.dtype, mat1.shape[1] == 0, 1, beta);
        Tensor out = !OpInterception.active() ? addmmValues(self, mat1, mat2, beta, alpha)
                : OpInterception.run("aten.addmm.default", new Tensor[] {self, mat1, mat2},
                        () -> addmmValues(self, mat1, mat2, beta, alpha));
        int[] mat2Shape = mat2.shape;
        int[] mat2Strides = mat2.layout.strides();
        return ArithmeticOps.record(out, "AddmmBackward0", new Tensor[] {self, mat1, mat2}, node -> {
            SavedTensor s2 = node.needsInputGrad(1) ? node.save(mat2) : null;
            SavedTensor s1 = node.needsInputGrad(2) ? node.save(mat1) : null;
            return g -> new Tensor[] {
                node.needsInputGrad(0) ? maybeMultiply(g, beta) : null,
                s2 == null || !node.computes(1, s2) ? null : mat1Backward(g, s2.get(), alpha),
                s1 == null || !node.computes(2, s1) ? null : mat2Backward(g, s1.get(), mat2Shape, mat2Strides, alpha)};
        });
    }

    /**
     * addmm's meta function's checks (2.x's ADDMM_META), in its order and words: the tensors' device, self's and mat1's
     * dtype against mat2's, the operands' ranks, then whether they can be multiplied.
     */
    private static void checkAddmmMeta(Tensor self, Tensor mat1, Tensor mat2) {
        NNOps.requireTensor(mat1, "addmm", "mat1", 1);
        NNOps.requireTensor(mat2, "addmm", "mat2", 2);
        ArithmeticOps.checkSameDevice(self, mat1, mat2);
        if (self.dtype != mat2.dtype) {
            throw new IllegalArgumentException("self and mat2 must have the same dtype, but got " + Format.scalarType(self.dtype)
                    + " and " + Format.scalarType(mat2.dtype));
        }
        if (mat1.dtype != mat2.dtype) {
            throw new IllegalArgumentException("mat1 and mat2 must have the same dtype, but got " + Format.scalarType(mat1.dtype)
                    + " and " + Format.scalarType(mat2.dtype));
        }
        if (mat1.dim() != 2) {
            throw new IllegalArgumentException("mat1 must be a matrix, got " + mat1.dim() + "-D tensor");
        }
        if (mat2.dim() != 2) {
            throw new IllegalArgumentException("mat2 must be a matrix, got " + mat2.dim() + "-D tensor");
        }
        checkMm(mat1.shape[0], mat1.shape[1], mat2.shape[0], mat2.shape[1]);
    }

    /**
     * {@code self.addmm_(mat1, mat2, beta=, alpha=)}, as 2.x's structured in-place addmm_: autograd's in-place checks,
     * the meta function's ({@link #checkAddmmMeta}), then its output check ({@code check_inplace}): self must already
     * have the product's shape, "Bad in-place call: input tensor size [3] and output tensor size [3, 2] should match"
     * (a self that would only broadcast to it too); all before anything is written. Then {@link #addmm}'s values are
     * written into self.
     */
    static Tensor addmm_(Tensor self, Tensor mat1, Tensor mat2, double beta, double alpha) {
        InplaceOps.checkInplace(self, List.of(mat1, mat2));
        checkAddmmMeta(self, mat1, mat2);
        int[] out = {mat1.shape[0], mat2.shape[1]};
        if (!Arrays.equals(self.shape, out)) {
            throw new IllegalArgumentException("Bad in-place call: input tensor size " + Shapes.str(self.shape)
                    + " and output tensor size " + Shapes.str(out) + " should match");
        }
        return InplaceOps.inplace(self, List.of(mat1, mat2), t -> t.addmm(mat1, mat2, beta, alpha));
    }

    /**
     * {@code self.addmv_(mat, vec, beta, alpha)}: a self that broadcasts to the product's shape without having it is
     * refused first, as PyTorch's in-place check; then addmv's own checks on a copy, written back.
     */
    static Tensor addmv_(Tensor self, Tensor mat, Tensor vec, double beta, double alpha) {
        int[] out = mat.dim() == 2 && vec.dim() == 1 && mat.shape[1] == vec.shape[0] ? new int[] {mat.shape[0]} : null;
        return InplaceOps.inplaceProduct(self, List.of(mat, vec), out, t -> t.addmv(mat, vec, beta, alpha));
    }

    /** {@code self.baddbmm_(batch1, batch2, beta, alpha)}, checked as {@link #addmv_}. */
    static Tensor baddbmm_(Tensor self, Tensor batch1, Tensor batch2, double beta, double alpha) {
        int[] out = batchProduct(batch1, batch2) ? new int[] {batch1.shape[0], batch1.shape[1], batch2.shape[2]} : null;
        return InplaceOps.inplaceProduct(self, List.of(batch1, batch2), out, t -> t.baddbmm(batch1, batch2, beta, alpha));
    }

    /** {@code self.addbmm_(batch1, batch2, beta, alpha)}, checked as {@link #addmv_}. */
    static Tensor addbmm_(Tensor self, Tensor batch1, Tensor batch2, double beta, double alpha) {
        int[] out = batchProduct(batch1, batch2) ? new int[] {batch1.shape[1], batch2.shape[2]} : null;
        return InplaceOps.inplaceProduct(self, List.of(batch1, batch2), out, t -> t.addbmm(batch1, batch2, beta, alpha));
    }

    /** Whether two operands make a batched product: both 3-D, the same batch, inner sizes that agree. */
    private static boolean batchProduct(Tensor batch1, Tensor batch2) {
        return batch1.dim() == 3 && batch2.dim() == 3 && batch1.shape[0] == batch2.shape[0]
                && batch1.shape[2] == batch2.shape[1];
    }

    /** {@code beta * self + alpha * sum_b batch1[b] @ batch2[b]}, as {@code torch.addbmm}: one {@code AddbmmBackward0}. */
    static Tensor addbmm(Tensor self, Tensor batch1, Tensor batch2, double beta, double alpha) {
        if (Autocast.on()) return Autocast.apply("addbmm", t -> addbmm(t[0], t[1], t[2], beta, alpha),
                self, batch1, batch2);
        NNOps.requireTensor(batch1, "addbmm", "batch1", 1);
        NNOps.requireTensor(batch2, "addbmm", "batch2", 2);
        ArithmeticOps.checkSameDevice(self, batch1, batch2);
        checkExpand(self, batch1.size(1), batch2.size(2));
        if (batch1.dim() != 3) {
            throw new IllegalArgumentException("batch1 must be a 3D tensor");
        }
        if (batch2.dim() != 3) {
            throw new IllegalArgumentException("batch2 must be a 3D tensor");
        }
        if (batch1.shape[0] != batch2.shape[0]) {
            throw new IllegalArgumentException("batch1 and batch2 must have same number of batches, got " + batch1.shape[0]
                    + " and " + batch2.shape[0]);
        }
        if (batch1.shape[2] != batch2.shape[1]) {
            throw new IllegalArgumentException("Incompatible matrix sizes for bmm (" + batch1.shape[1] + "x" + batch1.shape[2]
                    + " and " + batch2.shape[1] + "x" + batch2.shape[2] + ")");
        }
        int bs = batch1.shape[0];
        int n = batch1.shape[1];
        int k = batch1.shape[2];
        int p = batch2.shape[2];
        if (bs > 0) {
            // PyTorch's addbmm_impl_ adds each batch's product by result.addmm_(batch1[b], batch2[b]): addmm's meta
            // checks (the result has self's type) and its kernel's dispatch; without batches it only scales self
            if (self.dtype != batch2.dtype) {
                throw new IllegalArgumentException("self and mat2 must have the same dtype, but got "
                        + Format.scalarType(self.dtype) + " and " + Format.scalarType(batch2.dtype));
            }
            if (batch1.dtype != batch2.dtype) {
                throw new IllegalArgumentException("mat1 and mat2 must have the same dtype, but got "
                        + Format.scalarType(batch1.dtype) + " and " + Format.scalarType(batch2.dtype));
            }
            if (batch1.dtype == DType.BOOL) {
                throw Refusals.notImplemented("addmm_impl_cpu_", DType.BOOL);
            }
        }
        checkEmptyInnerBeta(self.dtype, bs == 0 || k == 0, (long) n * p, beta);
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            // the sum of the batch's products is one product over the batch and inner dimensions together (none
            // without batches: zeros of self's type, whatever the batches' types)
            int inner = Shapes.toSize((long) bs * k, "addbmm's inner dimension");
            Tensor product = bs == 0 ? Creation.zeros(new int[] {n, p}, self.dtype, self.device)
                    : mm(batch1.permute(1, 0, 2).reshape(n, inner), batch2.reshape(inner, p));
            out = combine(self, product, beta, alpha);
        }
        return ArithmeticOps.record(out, "AddbmmBackward0", new Tensor[] {self, batch1, batch2}, node -> {
            SavedTensor s2 = node.needsInputGrad(1) ? node.save(batch2) : null;
            SavedTensor s1 = node.needsInputGrad(2) ? node.save(batch1) : null;
            return g -> {
                Tensor ge = node.needsInputGrad(1) || node.needsInputGrad(2) ? g.unsqueeze(0).expand(bs, n, p) : null;
                return new Tensor[] {
                    node.needsInputGrad(0) ? maybeMultiply(g, beta) : null,
                    s2 == null || !node.computes(1, s2) ? null : maybeMultiply(ge.bmm(conj(s2.get()).transpose(1, 2)), alpha),
                    s1 == null || !node.computes(2, s1) ? null : maybeMultiply(conj(s1.get()).transpose(1, 2).bmm(ge), alpha)};
            };
        });
    }

    /**
     * baddbmm's values by the backend's own loop where it has one ({@link dev.ember.backend.Backend#hasBaddbmmLoop}:
     * PyTorch's CPU baddbmm rounds {@code r * beta + alpha * acc} per element below {@code K * M * N = 400}, not as
     * {@code beta * self + alpha * bmm}), or null: then the composition, which also raises bmm's errors. Real floating
     * batches of equal type and matching sizes, a non-empty result and inner dimension, outside op interception.
     */
    private static Tensor baddbmmLoop(Tensor self, Tensor batch1, Tensor batch2, double beta, double alpha) {
        if (OpInterception.active() || batch1.dim() != 3 || batch2.dim() != 3 || batch1.dtype != batch2.dtype
                || !batch1.dtype.isFloatingPoint() || batch1.dtype.isComplex()
                || batch2.shape[0] != batch1.shape[0] || batch2.shape[1] != batch1.shape[2]) {
            return null;
        }
        int bs = batch1.shape[0];
        int m = batch1.shape[1];
        int k = batch1.shape[2];
        int n = batch2.shape[2];
        if (bs == 0 || m == 0 || k == 0 || n == 0 || !batch1.backend.hasBaddbmmLoop(batch1.dtype, m, k, n)) {
            return null;
        }
        Tensor s = self.detach().expand(bs, m, n);
        Tensor out = Creation.empty(new int[] {bs, m, n}, batch1.dtype, batch1.device);
        Layout lo = new Layout(new int[] {bs, m, n}, new int[] {m * n, n, 1}, 0);
        batch1.backend.baddbmm(batch1.storage(), batch1.layout, batch2.storage(), batch2.layout, s.storage(), s.layout,
                beta, alpha, out.storage(), lo);
        return out;
    }

    /**
     * 2.x's {@code baddbmm_cpu_kernel} for complex64 and complex128 on the CPU below {@code K * M * N = 400} (the real
     * types take {@link #baddbmmLoop}), or null: per element, in the complex type, {@code acc = 0}, {@code acc +=
     * batch1[i, k] * batch2[k, j]} in k order; beta and alpha converted to the complex type (imaginary part 0); then
     * {@code alpha * acc} where the converted beta is 0 (self ignored, its NaN too), else
     * {@code self * beta + alpha * acc}. Every complex product is c10::complex's {@code (a*c - b*d, a*d + b*c)}, each
     * real operation rounded in the part type without fused multiply-add, so an infinite part of self meets beta's
     * zero imaginary part and gives NaN, as in ATen. (The composition {@code beta * self + alpha * bmm} rounds
     * otherwise.)
     */
    private static Tensor complexBaddbmmLoop(Tensor self, Tensor batch1, Tensor batch2, double beta, double alpha) {
        if (OpInterception.active() || batch1.dim() != 3 || batch2.dim() != 3 || !batch1.dtype.isComplex()
                || batch1.dtype != batch2.dtype || !"cpu".equals(batch1.device.type())
                || batch2.shape[0] != batch1.shape[0] || batch2.shape[1] != batch1.shape[2]) {
            return null;
        }
        int bs = batch1.shape[0];
        int m = batch1.shape[1];
        int k = batch1.shape[2];
        int n = batch2.shape[2];
        if (bs == 0 || m == 0 || k == 0 || n == 0 || (long) k * m * n >= 400) {
            return null;
        }
        boolean single = batch1.dtype == DType.COMPLEX64;
        double[] x = ComplexOps.viewAsReal(batch1.resolveConj().contiguous()).toDoubleArray();
        double[] y = ComplexOps.viewAsReal(batch2.resolveConj().contiguous()).toDoubleArray();
        double[] sv = ComplexOps.viewAsReal(self.resolveConj().expand(bs, m, n).contiguous()).toDoubleArray();
        double[] r = new double[bs * m * n * 2];
        for (int b = 0; b < bs; b++) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    int xo = (b * m + i) * k * 2;
                    int yo = (b * k * n + j) * 2;
                    int ro = ((b * m + i) * n + j) * 2;
                    if (single) {
                        complexElementFloat(x, xo, y, yo, n * 2, k, sv, r, ro, (float) beta, (float) alpha);
                    } else {
                        complexElementDouble(x, xo, y, yo, n * 2, k, sv, r, ro, beta, alpha);
                    }
                }
            }
        }
        Tensor parts = Tensor.tensor(r, DType.FLOAT64).reshape(bs, m, n, 2);
        return ComplexOps.viewAsComplex(single ? parts.to(DType.FLOAT32) : parts);
    }

    /** One complex64 element of {@link #complexBaddbmmLoop}, in float arithmetic. */
    private static void complexElementFloat(double[] x, int xo, double[] y, int yo, int yStep, int k, double[] s,
                                            double[] r, int ro, float beta, float alpha) {
        float ar = 0f;
        float ai = 0f;
        for (int t = 0; t < k; t++) {
            float a = (float) x[xo + 2 * t];
            float b = (float) x[xo + 2 * t + 1];
            float c = (float) y[yo + t * yStep];
            float d = (float) y[yo + t * yStep + 1];
            ar += a * c - b * d;
            ai += a * d + b * c;
        }
        float tr = alpha * ar - 0f * ai;
        float ti = alpha * ai + 0f * ar;
        if (beta == 0f) {
            r[ro] = tr;
            r[ro + 1] = ti;
            return;
        }
        float sr = (float) s[ro];
        float si = (float) s[ro + 1];
        r[ro] = (sr * beta - si * 0f) + tr;
        r[ro + 1] = (sr * 0f + si * beta) + ti;
    }

    /** One complex128 element of {@link #complexBaddbmmLoop}, in double arithmetic. */
    private static void complexElementDouble(double[] x, int xo, double[] y, int yo, int yStep, int k, double[] s,
                                             double[] r, int ro, double beta, double alpha) {
        double ar = 0;
        double ai = 0;
        for (int t = 0; t < k; t++) {
            double a = x[xo + 2 * t];
            double b = x[xo + 2 * t + 1];
            double c = y[yo + t * yStep];
            double d = y[yo + t * yStep + 1];
            ar += a * c - b * d;
            ai += a * d + b * c;
        }
        double tr = alpha * ar - 0.0 * ai;
        double ti = alpha * ai + 0.0 * ar;
        if (beta == 0) {
            r[ro] = tr;
            r[ro + 1] = ti;
            return;
        }
        double sr = s[ro];
        double si = s[ro + 1];
        r[ro] = (sr * beta - si * 0.0) + tr;
        r[ro + 1] = (sr * 0.0 + si * beta) + ti;
    }

    /** {@code beta * self + alpha * batch1 @ batch2} per batch, as {@code torch.baddbmm}: one {@code BaddbmmBackward0}. */
    static Tensor baddbmm(Tensor self, Tensor batch1, Tensor batch2, double beta, double alpha) {
        if (Autocast.on()) return Autocast.apply("baddbmm", t -> baddbmm(t[0], t[1], t[2], beta, alpha),
                self, batch1, batch2);
        NNOps.requireTensor(batch1, "baddbmm", "batch1", 1);
        NNOps.requireTensor(batch2, "baddbmm", "batch2", 2);
        ArithmeticOps.checkSameDevice(self, batch1, batch2);
        checkExpand(self, batch1.size(0), batch1.size(1), batch2.size(2));
        if (self.dtype != batch1.dtype) {
            throw new IllegalArgumentException("Input dtypes must be the same, got: input " + NNOps.cTypeName(self.dtype)
                    + ", batch1: " + NNOps.cTypeName(batch1.dtype) + ", batch2: " + NNOps.cTypeName(batch2.dtype));
        }
        checkEmptyInnerBeta(batch1.dtype, batch1.shape[2] == 0,
                (long) batch1.shape[0] * batch1.shape[1] * batch2.shape[2], beta);
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            out = baddbmmLoop(self, batch1, batch2, beta, alpha);
            if (out == null) {
                out = complexBaddbmmLoop(self, batch1, batch2, beta, alpha);
            }
            if (out == null) {
                out = combine(self, bmm(batch1, batch2), beta, alpha);
            }
        }
        return ArithmeticOps.record(out, "BaddbmmBackward0", new Tensor[] {self, batch1, batch2}, node -> {
            SavedTensor s2 = node.needsInputGrad(1) ? node.save(batch2) : null;
            SavedTensor s1 = node.needsInputGrad(2) ? node.save(batch1) : null;
            return g -> new Tensor[] {
                node.needsInputGrad(0) ? maybeMultiply(g, beta) : null,
                s2 == null || !node.computes(1, s2) ? null : maybeMultiply(g.bmm(conj(s2.get()).transpose(1, 2)), alpha),
                s1 == null || !node.computes(2, s1) ? null : maybeMultiply(conj(s1.get()).transpose(1, 2).bmm(g), alpha)};
        });
    }

    // ------------------------------------------------------------------ tensordot and cross

    /** {@code torch.tensordot(a, b, dims)} with an int: the last {@code dims} of a against the first {@code dims} of b. */
    static Tensor tensordot(Tensor a, Tensor b, int dims) {
        if (dims < 0) {
            throw new IllegalArgumentException("tensordot expects dims >= 0, but got dims=" + dims);
        }
        // 2.x's torch.functional.tensordot checks this before building its lists (1.13 went on to an IndexError)
        NNOps.requireTensor(b, "tensordot", "b", 2);
        if (dims > Math.min(a.dim(), b.dim())) {
            throw new IllegalArgumentException("tensordot expects dims < ndim_a or ndim_b, but got dims=" + dims);
        }
        int[] da = new int[dims];
        int[] db = new int[dims];
        for (int i = 0; i < dims; i++) {
            da[i] = i - dims;
            db[i] = i;
        }
        return tensordot(a, b, da, db);
    }

    /**
     * PyTorch's tensordot (a composition): dimensions of size 1 against a larger one are summed first, the rest permuted
     * and reshaped into one {@code mm}, whose result is reshaped (a view: {@code ViewBackward0}) to the free dimensions.
     */
    static Tensor tensordot(Tensor a, Tensor b, int[] dimsA, int[] dimsB) {
        if (Autocast.on()) return Autocast.apply("tensordot", t -> tensordot(t[0], t[1], dimsA, dimsB), a, b);
        NNOps.requireTensor(b, "tensordot", "b", 2);
        ArithmeticOps.checkSameDevice(a, b);
        if (dimsA.length != dimsB.length) {
            throw new IllegalArgumentException("both dimension lists should have same length");
        }
        if (a.dtype != b.dtype) {
            throw new IllegalArgumentException("both inputs should have same dtype");
        }
        long csize = 1;
        Tensor t1 = a;
        Tensor t2 = b;
        for (int i = 0; i < dimsA.length; i++) {
            int s1 = a.size(dimsA[i]);
            int s2 = b.size(dimsB[i]);
            if (s2 == 1) {
                t1 = t1.sum(new int[] {dimsA[i]}, true);
            } else if (s1 == 1) {
                t2 = t2.sum(new int[] {dimsB[i]}, true);
            } else {
                if (s1 != s2) {
                    throw new IllegalArgumentException("contracted dimensions need to match, but first has size " + s1
                            + " in dim " + dimsA[i] + " and second has size " + s2 + " in dim " + dimsB[i]);
                }
                csize *= s1;
            }
        }
        boolean[] c1 = dimBits(dimsA, a.dim());
        boolean[] c2 = dimBits(dimsB, b.dim());
        int[] p1 = new int[a.dim()];
        int[] p2 = new int[b.dim()];
        int[] rsizes = new int[a.dim() + b.dim() - 2 * dimsA.length];
        int q1 = 0;
        int q2 = 0;
        int r = 0;
        long size1 = 1;
        long size2 = 1;
        for (int i = 0; i < a.dim(); i++) {
            if (!c1[i]) {
                p1[q1++] = i;
                size1 *= t1.shape[i];
                rsizes[r++] = t1.shape[i];
            }
        }
        for (int d : dimsA) {
            p1[q1++] = Shapes.wrapDim(d, a.dim());
        }
        for (int d : dimsB) {
            p2[q2++] = Shapes.wrapDim(d, b.dim());
        }
        for (int i = 0; i < b.dim(); i++) {
            if (!c2[i]) {
                p2[q2++] = i;
                size2 *= t2.shape[i];
                rsizes[r++] = t2.shape[i];
            }
        }
        int cs = Shapes.toSize(csize, "tensordot's contracted size");
        Tensor m1 = t1.permute(p1).reshape(Shapes.toSize(size1, "tensordot's first operand"), cs);
        Tensor m2 = t2.permute(p2).reshape(cs, Shapes.toSize(size2, "tensordot's second operand"));
        return m1.mm(m2).reshape(rsizes);
    }

    /** {@code dim_list_to_bitset}: the wrapped dimensions, each at most once. */
    private static boolean[] dimBits(int[] dims, int rank) {
        boolean[] bits = new boolean[rank];
        for (int d : dims) {
            int w = Shapes.wrapDim(d, rank);
            if (bits[w]) {
                throw new IllegalArgumentException("dim " + w + " appears multiple times in the list of dims");
            }
            bits[w] = true;
        }
        return bits;
    }

    /**
     * {@code torch.linalg.cross(a, b, dim)}: the cross product of 3-vectors along {@code dim}, broadcasting the other
     * dimensions; one {@code LinalgCrossBackward0} node whose backward is two cross products.
     */
    static Tensor cross(Tensor a, Tensor b, int dim) {
        if (Autocast.on()) return Autocast.apply("cross", t -> cross(t[0], t[1], dim), a, b);
        NNOps.requireTensor(b, "linalg_cross", "other", 1);
        ArithmeticOps.checkSameDevice(a, b);
        if (a.dim() != b.dim()) {
            throw new IllegalArgumentException("linalg.cross: inputs must have the same number of dimensions.");
        }
        int sa = a.size(dim);
        int sb = b.size(dim);
        if (sa != 3 || sb != 3) {
            throw new IllegalArgumentException("linalg.cross: inputs dimension " + dim + " must have length 3. Got " + sa
                    + " and " + sb);
        }
        int[] shape = Shapes.broadcast(a.shape, b.shape);
        checkScalarType(a, b);
        if (a.dtype == DType.BOOL) {
            throw Refusals.notImplemented("cross", DType.BOOL);
        }
        int d = Shapes.wrapDim(dim, a.dim());
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            Tensor x = a.expand(shape);
            Tensor y = b.expand(shape);
            Tensor[] c = new Tensor[3];
            for (int i = 0; i < 3; i++) {
                int j = (i + 1) % 3;
                int k = (i + 2) % 3;
                c[i] = x.narrow(d, j, 1).mul(y.narrow(d, k, 1)).sub(x.narrow(d, k, 1).mul(y.narrow(d, j, 1)));
            }
            out = Tensor.cat(List.of(c[0], c[1], c[2]), d);
        }
        return ArithmeticOps.record(out, "LinalgCrossBackward0", new Tensor[] {a, b}, node -> {
            SavedTensor sb2 = node.needsInputGrad(0) ? node.save(b) : null;
            SavedTensor sa2 = node.needsInputGrad(1) ? node.save(a) : null;
            return g -> new Tensor[] {
                sb2 == null || !node.computes(0, sb2) ? null : cross(conj(sb2.get()), g, d),
                sa2 == null || !node.computes(1, sa2) ? null : cross(g, conj(sa2.get()), d)};
        });
    }

    /** mv's check: a matrix [rows, cols] times a vector of {@code vec} elements. */
    private static void checkMv(long rows, long cols, long vec) {
        if (cols != vec) {
            throw new IllegalArgumentException("size mismatch, got input (" + rows + "), mat (" + rows + "x" + cols + "), vec ("
                    + vec + ")");
        }
    }

    private static void checkMm(long r1, long c1, long r2, long c2) {
        if (c1 != r2) {
            throw new IllegalArgumentException("mat1 and mat2 shapes cannot be multiplied (" + r1 + "x" + c1 + " and " + r2 + "x"
                    + c2 + ")");
        }
    }

    /** The product of the first {@code count} sizes. */
    private static long leading(int[] shape, int count) {
        long n = 1;
        try {
            for (int i = 0; i < count; i++) {
                n = Math.multiplyExact(n, shape[i]);
            }
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE; // only a message reads it; an expanded view can hold more elements than a long counts
        }
        return n;
    }

    private static int[] concat(int[] batch, int r, int c) {
        int[] s = Arrays.copyOf(batch, batch.length + 2);
        s[batch.length] = r;
        s[batch.length + 1] = c;
        return s;
    }

    /** addmm's values without history: float16 and bfloat16 take the product and the bias in float32, rounded once. */
    private static Tensor addmmValues(Tensor self, Tensor mat1, Tensor mat2, double beta, double alpha) {
        try (GradMode off = Ember.noGrad()) {
            // as PyTorch's CPU GEMM
            return ReductionOps.narrowedBack(combine(ReductionOps.opmath(self), mm(ReductionOps.opmath(mat1),
                    ReductionOps.opmath(mat2)), beta, alpha), self.dtype);
        }
    }
}
