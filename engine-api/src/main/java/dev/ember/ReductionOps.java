package dev.ember;

import dev.ember.backend.BinaryOp;
import dev.ember.backend.Layout;
import dev.ember.backend.ReduceOp;

import java.util.Arrays;

/** Reductions (sum, mean, max, argmax, var) and softmax, each forward beside its backward formula. */
final class ReductionOps {
    private ReductionOps() {
    }

    /** Which dimensions a reduction covers: all when {@code dims} is null or empty. */
    static boolean[] reducedMask(int rank, int[] dims) {
        boolean[] mask = new boolean[rank];
        if (dims == null || dims.length == 0) {
            Arrays.fill(mask, true);
            return mask;
        }
        for (int d : dims) {
            int w = Shapes.wrapDim(d, rank);
            if (rank == 0) {
                continue;
            }
            if (mask[w]) {
                throw new IllegalArgumentException("dim " + w + " appears multiple times in the list of dims");
            }
            mask[w] = true;
        }
        return mask;
    }

    static int[] keptShape(int[] shape, boolean[] mask) {
        int[] k = shape.clone();
        for (int i = 0; i < k.length; i++) {
            if (mask[i]) {
                k[i] = 1;
            }
        }
        return k;
    }

    static int[] squeezedShape(int[] shape, boolean[] mask) {
        return java.util.stream.IntStream.range(0, shape.length).filter(i -> !mask[i]).map(i -> shape[i]).toArray();
    }

    /**
     * Runs a reduction kernel into a new tensor of keepdim shape, then drops the reduced dims unless kept.
     *
     * <p>A reduced dimension with stride 0 (a broadcast view) repeats one value, so it is not iterated: the kernel sees
     * size 1 there, and a sum is multiplied (a product raised) by the number of repeats afterwards, while max, min and
     * their indices are unchanged (the first of equal values wins). The elements a kernel then iterates are distinct
     * elements of the storage, which fit an {@code int}, whatever the view's {@code long} number of elements.
     */
    static Tensor reduceKernel(ReduceOp op, Tensor a, boolean[] mask, boolean keepdim, DType outType) {
        int[] kept = keptShape(a.shape, mask);
        for (int i = 0; i < mask.length; i++) {
            if (mask[i] && a.shape[i] == 0 && (op != ReduceOp.SUM && op != ReduceOp.PROD)) {
                throw new IndexOutOfBoundsException(op.name().toLowerCase() + "(): Expected reduction dim " + i
                        + " to have non-zero size.");
            }
        }
        Tensor out = Creation.empty(kept, outType, a.device);
        int[] iterated = a.shape.clone();
        int[] strides = a.layout.strides();
        long repeats = 1;
        for (int i = 0; i < mask.length; i++) {
            if (mask[i] && strides[i] == 0 && iterated[i] > 1) {
                repeats *= iterated[i]; // a factor of the view's numel, which is a long
                iterated[i] = 1;
            }
        }
        Layout src = repeats == 1 ? a.layout : new Layout(iterated, strides, a.layout.offset());
        a.backend.reduce(op, a.storage(), src, out.storage(), out.layout);
        if (repeats > 1 && (op == ReduceOp.SUM || op == ReduceOp.PROD)) {
            BinaryOp scale = op == ReduceOp.SUM ? BinaryOp.MUL : BinaryOp.POW;
            Number r = outType == DType.INT64 ? (Number) repeats : outType == DType.FLOAT32 ? (Number) (float) repeats
                    : (Number) (double) repeats;
            out.backend.binaryScalar(scale, out.storage(), out.layout, r, false, out.storage(), out.layout);
        }
        if (!keepdim) {
            int[] sq = squeezedShape(a.shape, mask);
            out.layout = Layout.contiguous(sq); // out is fresh: drop the reduced dimensions in place, no second handle
            out.shape = out.layout.shape();
        }
        return out;
    }

    static Tensor sum(Tensor a, int[] dims, boolean keepdim) {
        boolean[] mask = reducedMask(a.dim(), dims);
        DType t = a.dtype.isFloatingPoint() ? a.dtype : DType.INT64;
        Tensor out = reduceKernel(ReduceOp.SUM, a, mask, keepdim, t);
        int[] inShape = a.shape;
        int[] kept = keptShape(inShape, mask);
        String name = dims == null ? "SumBackward0" : "SumBackward1";
        return ArithmeticOps.record(out, name, new Tensor[] {a}, n -> g -> new Tensor[] {
            g.reshape(kept).expand(inShape)});
    }

    static Tensor mean(Tensor a, int[] dims, boolean keepdim) {
        if (!a.dtype.isFloatingPoint()) {
            throw new IllegalArgumentException("mean(): could not infer output dtype. Input dtype must be either a floating "
                    + "point or complex dtype. Got: " + Format.scalarType(a.dtype));
        }
        boolean[] mask = reducedMask(a.dim(), dims);
        long count = 1;
        for (int i = 0; i < mask.length; i++) {
            if (mask[i]) {
                count *= a.shape[i];
            }
        }
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            out = reduceKernel(ReduceOp.SUM, a, mask, keepdim, a.dtype).div((double) count);
        }
        int[] inShape = a.shape;
        int[] kept = keptShape(inShape, mask);
        double n = count;
        String name = dims == null ? "MeanBackward0" : "MeanBackward1";
        return ArithmeticOps.record(out, name, new Tensor[] {a}, node -> g -> new Tensor[] {
            g.reshape(kept).expand(inShape).div(n)});
    }

    static Tensor prod(Tensor a) {
        boolean[] mask = reducedMask(a.dim(), null);
        DType t = a.dtype.isFloatingPoint() ? a.dtype : DType.INT64;
        Tensor out = reduceKernel(ReduceOp.PROD, a, mask, false, t);
        return ArithmeticOps.record(out, "ProdBackward0", new Tensor[] {a}, n -> {
            SavedTensor sa = n.save(a);
            SavedTensor so = n.saveOutput(out);
            return g -> new Tensor[] {prodBackward(g, sa.get(), so.get())};
        });
    }

    /**
     * PyTorch's {@code prod_backward} for a full product: {@code g * prod / x} where no element is zero; where exactly
     * one is, the gradient there is the product of the others and zero elsewhere; with two or more zeros, all zero.
     */
    private static Tensor prodBackward(Tensor g, Tensor x, Tensor prod) {
        Tensor isZero = x.eq(0.0);
        Tensor zeros = isZero.sum();
        Tensor noZero = g.mul(prod.div(x));
        Tensor others = ArithmeticOps.where(isZero, Creation.wrap(1.0), x).prod(); // the product of the non-zero elements
        // the product of all other elements: 0 beside the zero, as PyTorch's exclusive products give (g times it)
        Tensor oneZero = g.mul(ArithmeticOps.where(isZero, others, Creation.wrap(0.0)));
        Tensor zero = Creation.wrap(0.0); // PyTorch's zeros_like for two or more zeros
        return Tensor.where(zeros.eq(0), noZero, ArithmeticOps.where(zeros.eq(1), oneZero, zero));
    }

    static Tensor maxAll(Tensor a, boolean max) {
        if (a.numel() == 0) {
            throw new IllegalArgumentException((max ? "max" : "min") + "(): Expected reduction dim to be specified for "
                    + "input.numel() == 0. Specify the reduction dim with the 'dim' argument.");
        }
        boolean[] mask = reducedMask(a.dim(), null);
        Tensor out = reduceKernel(max ? ReduceOp.MAX : ReduceOp.MIN, a, mask, false, a.dtype);
        return ArithmeticOps.record(out, max ? "MaxBackward1" : "MinBackward1", new Tensor[] {a}, n -> {
            SavedTensor sa = n.save(a);
            SavedTensor so = n.saveOutput(out);
            return g -> {
                // ties share the gradient evenly, as PyTorch's evenly_distribute_backward; a NaN result came from the
                // NaN inputs, which share it
                Tensor x = sa.get();
                Tensor y = so.get();
                Tensor hit = x.eq(y).logicalOr(x.ne(x).logicalAnd(y.ne(y))).to(g.dtype());
                return new Tensor[] {hit.mul(g.div(hit.sum()))};
            };
        });
    }

    static Tensor.ValuesIndices maxDim(Tensor a, int dim, boolean keepdim, boolean max) {
        int d = Shapes.wrapDim(dim, a.dim());
        boolean[] mask = reducedMask(a.dim(), new int[] {d});
        Tensor values = reduceKernel(max ? ReduceOp.MAX : ReduceOp.MIN, a, mask, keepdim, a.dtype);
        Tensor indices = reduceKernel(max ? ReduceOp.ARGMAX : ReduceOp.ARGMIN, a, mask, keepdim, DType.INT64);
        int[] inShape = a.shape;
        int size = a.dim() == 0 ? 1 : a.shape[d];
        Tensor idx = indices;
        ArithmeticOps.record(values, max ? "MaxBackward0" : "MinBackward0", new Tensor[] {a}, n -> g -> {
            Tensor gi = keepdim || a.dim() == 0 ? g : g.unsqueeze(d);
            Tensor ii = keepdim || a.dim() == 0 ? idx : idx.unsqueeze(d);
            int[] rshape = new int[inShape.length];
            Arrays.fill(rshape, 1);
            if (rshape.length > 0) {
                rshape[d] = size;
            }
            Tensor positions = Tensor.arange(size).to(g.device()).reshape(rshape);
            Tensor hit = positions.eq(ii);
            return new Tensor[] {ArithmeticOps.where(hit, gi, Creation.wrap(0.0)).expand(inShape)};
        });
        return new Tensor.ValuesIndices(values, indices);
    }

    /** The flat index of the largest (smallest) element. */
    static Tensor argmaxAll(Tensor a, boolean max) {
        if (a.numel() == 0) {
            throw new IndexOutOfBoundsException((max ? "argmax" : "argmin") + "(): Expected reduction dim to be specified for "
                    + "input.numel() == 0.");
        }
        return argmax(a.reshape(-1), 0, false, max);
    }

    static Tensor argmax(Tensor a, int dim, boolean keepdim, boolean max) {
        int d = Shapes.wrapDim(dim, a.dim());
        boolean[] mask = reducedMask(a.dim(), new int[] {d});
        return reduceKernel(max ? ReduceOp.ARGMAX : ReduceOp.ARGMIN, a, mask, keepdim, DType.INT64);
    }

    static Tensor var(Tensor a, int[] dims, int correction, boolean keepdim) {
        return varOrStd(a, dims, correction, keepdim, false);
    }

    static Tensor std(Tensor a, int[] dims, int correction, boolean keepdim) {
        return varOrStd(a, dims, correction, keepdim, true);
    }

    /**
     * Variance (or its square root) over {@code dims}. The backward follows PyTorch's {@code var_backward},
     * {@code grad * 2 (x - mean) / (N - correction)}, and {@code std_backward}, which first divides the gradient by
     * {@code 2 std} and takes 0 where the deviation is 0 (a constant input), so the gradient there is 0, not NaN.
     */
    private static Tensor varOrStd(Tensor a, int[] dims, int correction, boolean keepdim, boolean std) {
        if (!a.dtype.isFloatingPoint()) {
            throw new IllegalArgumentException("std and var only support floating point and complex dtypes");
        }
        boolean[] mask = reducedMask(a.dim(), dims);
        long count = 1;
        for (int i = 0; i < mask.length; i++) {
            if (mask[i]) {
                count *= a.shape[i];
            }
        }
        double denom = Math.max(0, count - correction);
        int[] kept = keptShape(a.shape, mask);
        int[] inShape = a.shape;
        int[] over = dims == null ? new int[0] : dims; // empty: every dimension
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            Tensor centered = a.sub(a.mean(over, true));
            Tensor variance = centered.mul(centered).sum(over, keepdim).div(denom);
            out = std ? variance.sqrt() : variance;
        }
        return ArithmeticOps.record(out, std ? "StdBackward0" : "VarBackward0", new Tensor[] {a}, n -> {
            SavedTensor sa = n.save(a);
            SavedTensor so = std ? n.saveOutput(out) : null;
            return g -> {
                Tensor x = sa.get();
                Tensor gv = g;
                if (std) {
                    Tensor y = so.get();
                    gv = ArithmeticOps.where(y.eq(0.0), Creation.wrap(0.0), g.div(y.mul(2.0)));
                }
                Tensor centered = x.sub(x.mean(over, true));
                return new Tensor[] {gv.reshape(kept).expand(inShape).mul(centered).mul(2.0 / denom)};
            };
        });
    }

    static Tensor softmax(Tensor a, int dim, boolean log) {
        if (!a.dtype.isFloatingPoint()) {
            throw new IllegalArgumentException((log ? "log_softmax" : "softmax") + "(): expected a floating point tensor, got "
                    + Format.scalarType(a.dtype));
        }
        int d = Shapes.wrapDim(dim, a.dim());
        int[] dd = a.dim() == 0 ? new int[0] : new int[] {d};
        Tensor out;
        if (a.numel() == 0) {
            // nothing to normalize (a dimension of size 0): an empty result, as PyTorch
            out = Creation.empty(a.shape, a.dtype, a.device);
        } else try (GradMode off = Ember.noGrad()) {
            Tensor shifted = a.dim() == 0 ? a.sub(a) : a.sub(a.max(d, true).values());
            Tensor e = shifted.exp();
            Tensor s = a.dim() == 0 ? e : e.sum(dd, true);
            out = log ? shifted.sub(s.log()) : e.div(s);
        }
        return ArithmeticOps.record(out, log ? "LogSoftmaxBackward0" : "SoftmaxBackward0", new Tensor[] {a}, n -> {
            SavedTensor so = n.saveOutput(out);
            return g -> {
                Tensor y = so.get();
                if (log) {
                    return new Tensor[] {g.sub(y.exp().mul(g.sum(dd, true)))};
                }
                return new Tensor[] {y.mul(g.sub(g.mul(y).sum(dd, true)))};
            };
        });
    }

    /** Sums {@code g} down to {@code shape}, the inverse of broadcasting. */
    static Tensor sumTo(Tensor g, int[] shape) {
        int lead = g.dim() - shape.length;
        int[] dims = java.util.stream.IntStream.range(0, g.dim())
                .filter(i -> i < lead || (shape[i - lead] == 1 && g.shapeRef()[i] != 1)).toArray();
        if (dims.length == 0) {
            return g.reshape(shape);
        }
        return g.sum(dims, true).reshape(shape);
    }

    static boolean allTrue(Tensor t) {
        boolean[] v = (boolean[]) ArithmeticOps.cast(t, DType.BOOL).hostArray();
        for (boolean b : v) {
            if (!b) {
                return false;
            }
        }
        return true;
    }
}
