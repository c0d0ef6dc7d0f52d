package dev.ember;

import dev.ember.backend.Layout;

import java.util.Arrays;

/** Matrix products (mm, bmm, dot, matmul with PyTorch's rank rules) and their backward formulas. */
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
        Tensor out = Creation.empty(outShape, a.dtype, a.device);
        Layout lo = new Layout(new int[] {batch, m, n}, new int[] {m * n, n, 1}, 0);
        a.backend.matmul(a.storage(), la, b.storage(), lb, out.storage(), lo);
        return out;
    }

    /** Every integer up to 2^53 is a float64, so a product whose terms and sums stay below it is exact there. */
    private static final double EXACT_IN_FLOAT64 = 9007199254740992.0;

    /**
     * An int64 product {@code a[B, m, k] x b[B, k, n]} exact as PyTorch's (wrapping on overflow as int64 does): the
     * float64 kernel when {@code max|a| * max|b| * k} stays within 2^53, otherwise a sum of k outer products in int64.
     */
    private static Tensor integerProduct(Tensor a, Tensor b) {
        int k = a.shape[2];
        double bound = maxAbs(a) * maxAbs(b) * k;
        try (GradMode off = Ember.noGrad()) {
            if (bound <= EXACT_IN_FLOAT64) {
                return ArithmeticOps.cast(f64(a).bmm(f64(b)), DType.INT64);
            }
            Tensor out = Creation.zeros(new int[] {a.shape[0], a.shape[1], b.shape[2]}, DType.INT64, a.device);
            for (int i = 0; i < k; i++) {
                out = out.add(a.narrow(2, i, 1).mul(b.narrow(1, i, 1)));
            }
            return out;
        }
    }

    private static double maxAbs(Tensor t) {
        return t.numel() == 0 ? 0 : f64(t).abs().max().item();
    }

    private static Tensor f64(Tensor t) {
        return ArithmeticOps.cast(t, DType.FLOAT64);
    }

    static Tensor mm(Tensor a, Tensor b) {
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
        if (a.dtype == DType.BOOL) {
            throw new IllegalArgumentException("\"addmm_impl_cpu_\" not implemented for 'Bool'");
        }
        if (a.dtype == DType.INT64) {
            return integerProduct(a.unsqueeze(0), b.unsqueeze(0)).squeeze(0);
        }
        int m = a.shape[0];
        int k = a.shape[1];
        int n = b.shape[1];
        Layout la = new Layout(new int[] {1, m, k}, new int[] {0, a.layout.stride(0), a.layout.stride(1)}, a.layout.offset());
        Layout lb = new Layout(new int[] {1, k, n}, new int[] {0, b.layout.stride(0), b.layout.stride(1)}, b.layout.offset());
        Tensor out = kernel(a, la, b, lb, new int[] {m, n}, 1, m, n);
        return ArithmeticOps.record(out, "MmBackward0", new Tensor[] {a, b}, node -> {
            SavedTensor sb = node.needsInputGrad(0) ? node.save(b) : null;
            SavedTensor sa = node.needsInputGrad(1) ? node.save(a) : null;
            // mat2 stored column-major (a Linear layer's weight.t()): compute its gradient in that layout, so the
            // transpose's backward hands the weight a contiguous gradient it can keep (PyTorch's mm_mat2_backward)
            boolean columnMajor = b.shape[0] > 1 && b.shape[1] > 1 && b.layout.stride(0) == 1 && b.layout.stride(1) == b.shape[0];
            return g -> new Tensor[] {
                sb == null ? null : g.mm(sb.get().t()),
                sa == null ? null : columnMajor ? g.t().mm(sa.get()).t() : sa.get().t().mm(g)};
        });
    }

    static Tensor bmm(Tensor a, Tensor b) {
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
            throw new IllegalArgumentException("\"bmm\" not implemented for 'Bool'");
        }
        if (a.dtype == DType.INT64) {
            return integerProduct(a, b);
        }
        int batch = a.shape[0];
        int m = a.shape[1];
        int n = b.shape[2];
        Tensor out = kernel(a, a.layout, b, b.layout, new int[] {batch, m, n}, batch, m, n);
        return ArithmeticOps.record(out, "BmmBackward0", new Tensor[] {a, b}, node -> {
            SavedTensor sb = node.needsInputGrad(0) ? node.save(b) : null;
            SavedTensor sa = node.needsInputGrad(1) ? node.save(a) : null;
            return g -> new Tensor[] {
                sb == null ? null : g.bmm(sb.get().transpose(1, 2)),
                sa == null ? null : sa.get().transpose(1, 2).bmm(g)};
        });
    }

    static Tensor dot(Tensor a, Tensor b) {
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
            throw new IllegalArgumentException("\"dot\" not implemented for 'Bool'");
        }
        if (a.dtype == DType.INT64) {
            try (GradMode off = Ember.noGrad()) {
                return a.mul(b).sum(); // exact in int64, wrapping on overflow as PyTorch's
            }
        }
        int k = a.shape[0];
        Layout la = new Layout(new int[] {1, 1, k}, new int[] {0, 0, a.layout.stride(0)}, a.layout.offset());
        Layout lb = new Layout(new int[] {1, k, 1}, new int[] {0, b.layout.stride(0), 0}, b.layout.offset());
        Tensor out = kernel(a, la, b, lb, new int[0], 1, 1, 1);
        return ArithmeticOps.record(out, "DotBackward0", new Tensor[] {a, b}, node -> {
            SavedTensor sb = node.needsInputGrad(0) ? node.save(b) : null;
            SavedTensor sa = node.needsInputGrad(1) ? node.save(a) : null;
            return g -> new Tensor[] {sb == null ? null : sb.get().mul(g), sa == null ? null : sa.get().mul(g)};
        });
    }

    /**
     * PyTorch's matmul. Its errors name the product PyTorch runs: dot for two vectors, mv or mm where an operand has at
     * most two dimensions (PyTorch folds a batched operand into one matrix, transposed when it is the second one),
     * bmm over the broadcast batch otherwise; the batch dimensions are broadcast (and checked) first.
     */
    static Tensor matmul(Tensor a, Tensor b) {
        NNOps.requireTensor(b, "matmul", "other", 1);
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
            checkMv(a.shape[0], a.shape[1], b.shape[0]);
            checkScalarType(a, b);
            return mm(a, b.unsqueeze(1)).squeeze(1);
        }
        if (da == 1 && db == 2) {
            return mm(a.unsqueeze(0), b).squeeze(0);
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
        // batched: promote 1-D operands, broadcast the batch dimensions, run bmm, restore the shape
        Tensor x = da == 1 ? a.unsqueeze(0) : a;
        Tensor y = db == 1 ? b.unsqueeze(1) : b;
        int n = x.size(-2);
        int k2 = y.size(-2);
        int p = y.size(-1);
        int[] bx = Arrays.copyOf(x.shapeRef(), x.dim() - 2);
        int[] by = Arrays.copyOf(y.shapeRef(), y.dim() - 2);
        int[] batch = Shapes.broadcast(bx, by);
        long batchNumel = Layout.numel(batch);
        if (k != k2) {
            throw new IllegalArgumentException("Expected size for first two dimensions of batch2 tensor to be: ["
                    + batchNumel + ", " + k + "] but got: [" + batchNumel + ", " + k2 + "].");
        }
        checkScalarType(x, y);
        if (batchNumel > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("matmul's broadcast batch would have size " + batchNumel
                    + "; Ember's dimensions are at most " + Integer.MAX_VALUE);
        }
        int bn = (int) batchNumel;
        Tensor xe = x.expand(concat(batch, n, k)).reshape(bn, n, k);
        Tensor ye = y.expand(concat(batch, k, p)).reshape(bn, k, p);
        Tensor out = xe.bmm(ye);
        int[] outShape = concat(batch, n, p);
        Tensor r = out.view(outShape);
        if (da == 1) {
            r = r.squeeze(-2);
        }
        if (db == 1) {
            r = r.squeeze(-1);
        }
        return r;
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
}
