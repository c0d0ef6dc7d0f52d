package dev.ember;

import dev.ember.backend.Layout;

import java.util.Arrays;

/** Matrix products (mm, bmm, dot, matmul with PyTorch's rank rules) and their backward formulas. */
final class LinalgOps {
    private LinalgOps() {
    }

    private static void checkSameType(Tensor a, Tensor b) {
        if (a.dtype != b.dtype) {
            throw new IllegalArgumentException("expected m1 and m2 to have the same dtype, but got: "
                    + cName(a.dtype) + " != " + cName(b.dtype));
        }
    }

    private static String cName(DType t) {
        switch (t) {
            case FLOAT32: return "float";
            case FLOAT64: return "double";
            case INT64: return "long int";
            default: return "bool";
        }
    }

    /** Runs the batched kernel on rank-3 layouts of floating tensors. */
    private static Tensor kernel(Tensor a, Layout la, Tensor b, Layout lb, int[] outShape, int batch, int m, int n) {
        Tensor out = Creation.empty(outShape, a.dtype, a.device);
        Layout lo = new Layout(new int[] {batch, m, n}, new int[] {m * n, n, 1}, 0);
        a.backend.matmul(a.storage(), la, b.storage(), lb, out.storage(), lo);
        return out;
    }

    /** Integer products run in float64 (exact below 2^53); bool has none, as in PyTorch. */
    private static boolean integral(Tensor a) {
        if (a.dtype == DType.BOOL) {
            throw new IllegalArgumentException("\"addmm_impl_cpu_\" not implemented for 'Bool'");
        }
        return a.dtype == DType.INT64;
    }

    private static Tensor f64(Tensor t) {
        return ArithmeticOps.cast(t, DType.FLOAT64);
    }

    static Tensor mm(Tensor a, Tensor b) {
        if (a.dim() != 2) {
            throw new IllegalArgumentException("self must be a matrix");
        }
        if (b.dim() != 2) {
            throw new IllegalArgumentException("mat2 must be a matrix");
        }
        ArithmeticOps.checkSameDevice(a, b);
        if (a.shape[1] != b.shape[0]) {
            throw new IllegalArgumentException("mat1 and mat2 shapes cannot be multiplied (" + a.shape[0] + "x" + a.shape[1]
                    + " and " + b.shape[0] + "x" + b.shape[1] + ")");
        }
        checkSameType(a, b);
        if (integral(a)) {
            return ArithmeticOps.cast(mm(f64(a), f64(b)), DType.INT64);
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
        if (a.dim() != 3) {
            throw new IllegalArgumentException("batch1 must be a 3D tensor");
        }
        if (b.dim() != 3) {
            throw new IllegalArgumentException("batch2 must be a 3D tensor");
        }
        ArithmeticOps.checkSameDevice(a, b);
        if (b.shape[0] != a.shape[0] || b.shape[1] != a.shape[2]) {
            throw new IllegalArgumentException("Expected size for first two dimensions of batch2 tensor to be: ["
                    + a.shape[0] + ", " + a.shape[2] + "] but got: [" + b.shape[0] + ", " + b.shape[1] + "].");
        }
        checkSameType(a, b);
        if (integral(a)) {
            return ArithmeticOps.cast(bmm(f64(a), f64(b)), DType.INT64);
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
        if (a.dim() != 1 || b.dim() != 1) {
            throw new IllegalArgumentException("1D tensors expected, but got " + a.dim() + "D and " + b.dim() + "D tensors");
        }
        ArithmeticOps.checkSameDevice(a, b);
        if (a.shape[0] != b.shape[0]) {
            throw new IllegalArgumentException("inconsistent tensor size, expected tensor [" + a.shape[0] + "] and src ["
                    + b.shape[0] + "] to have the same number of elements, but got " + a.shape[0] + " and " + b.shape[0]
                    + " elements respectively");
        }
        if (a.dtype != b.dtype) {
            throw new IllegalArgumentException("dot : expected both vectors to have same dtype, but found "
                    + ArithmeticOps.scalarTypeName(a.dtype) + " and " + ArithmeticOps.scalarTypeName(b.dtype));
        }
        if (integral(a)) {
            return ArithmeticOps.cast(dot(f64(a), f64(b)), DType.INT64);
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

    static Tensor matmul(Tensor a, Tensor b) {
        int da = a.dim();
        int db = b.dim();
        if (da == 0 || db == 0) {
            throw new IllegalArgumentException("both arguments to matmul need to be at least 1D, but they are " + da + "D and "
                    + db + "D");
        }
        if (da == 1 && db == 1) {
            return dot(a, b);
        }
        if (da == 2 && db == 1) {
            checkInner(a, b, a.shape[1], b.shape[0]);
            return mm(a, b.unsqueeze(1)).squeeze(1);
        }
        if (da == 1 && db == 2) {
            checkInner(a, b, a.shape[0], b.shape[0]);
            return mm(a.unsqueeze(0), b).squeeze(0);
        }
        if (da == 2 && db == 2) {
            return mm(a, b);
        }
        // batched: promote 1-D operands, broadcast the batch dimensions, run bmm, restore the shape
        Tensor x = da == 1 ? a.unsqueeze(0) : a;
        Tensor y = db == 1 ? b.unsqueeze(1) : b;
        int n = x.size(-2);
        int k = x.size(-1);
        int k2 = y.size(-2);
        int p = y.size(-1);
        if (k != k2) {
            throw new IllegalArgumentException("Expected size for first two dimensions of batch2 tensor to be: ["
                    + batchNumel(x) + ", " + k + "] but got: [" + batchNumel(y) + ", " + k2 + "].");
        }
        int[] bx = Arrays.copyOf(x.shapeRef(), x.dim() - 2);
        int[] by = Arrays.copyOf(y.shapeRef(), y.dim() - 2);
        int[] batch = Shapes.broadcast(bx, by);
        int bn = (int) dev.ember.backend.Layout.numel(batch);
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

    private static void checkInner(Tensor a, Tensor b, int k1, int k2) {
        if (k1 != k2) {
            String sa = a.dim() == 1 ? "1x" + a.shape[0] : a.shape[0] + "x" + a.shape[1];
            String sb = b.dim() == 1 ? b.shape[0] + "x1" : b.shape[0] + "x" + b.shape[1];
            if (a.dim() == 2) {
                throw new IllegalArgumentException("size mismatch, got input (" + a.shape[0] + "), mat (" + a.shape[0] + "x"
                        + a.shape[1] + "), vec (" + b.shape[0] + ")");
            }
            throw new IllegalArgumentException("mat1 and mat2 shapes cannot be multiplied (" + sa + " and " + sb + ")");
        }
    }

    private static long batchNumel(Tensor t) {
        long n = 1;
        for (int i = 0; i < t.dim() - 2; i++) {
            n *= t.shapeRef()[i];
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
