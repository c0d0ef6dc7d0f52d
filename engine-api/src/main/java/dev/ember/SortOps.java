package dev.ember;

import dev.ember.backend.Layout;
import dev.ember.backend.RankOp;
import dev.ember.backend.ScanOp;

import java.util.Arrays;

/**
 * Sorting, selection by rank, scans, binary search and counting: forward rules beside PyTorch's backward formulas and
 * node names. Kernels ({@link dev.ember.backend.Backend#sort}, {@code rankSelect}, {@code scan}, {@code searchsorted},
 * {@code histc}, {@code bincount}, {@code unique}) do the work; argsort,
 * topk (a full sort, then its first k), bucketize (searchsorted) are compositions.
 *
 * <p>Ties: sorting is stable, and topk, kthvalue and median take the first of equal elements in that stable order, where
 * PyTorch's CPU kernels (a partial sort, quickselect) leave the choice among equal elements unspecified.
 */
final class SortOps {
    private SortOps() {
    }

    // ------------------------------------------------------------------ shared machinery

    /** A tensor's layout as the kernels see it: a 0-dim tensor is one line of one element. */
    private static Layout lines(Tensor t) {
        return t.dim() == 0 ? new Layout(new int[] {1}, new int[] {1}, t.layout.offset()) : t.layout;
    }

    /** The size of dimension {@code d}, 1 for a 0-dim tensor (as PyTorch's ensure_nonempty_size for scalars). */
    private static int sizeAt(Tensor t, int d) {
        return t.dim() == 0 ? 1 : t.shape[d];
    }

    /** PyTorch's zero_numel_check_dims: reducing a dimension of size 0 is an IndexError. */
    private static void checkNonEmpty(Tensor x, int d, String op) {
        if (x.dim() > 0 && x.shape[d] == 0) {
            throw new IndexOutOfBoundsException(op + ": Expected reduction dim " + d + " to have non-zero size.");
        }
    }

    /** Drops dimension {@code d} (size 1) of a fresh contiguous tensor in place, unless {@code keepdim}. */
    private static Tensor squeezeFresh(Tensor t, int d, boolean keepdim, int inRank) {
        if (keepdim || inRank == 0) {
            return t;
        }
        int[] sq = new int[t.dim() - 1];
        for (int i = 0, j = 0; i < t.dim(); i++) {
            if (i != d) {
                sq[j++] = t.shape[i];
            }
        }
        t.layout = Layout.contiguous(sq);
        t.shape = t.layout.shape();
        return t;
    }

    /** A new handle over the first elements of a fresh tensor's storage (not a view: nothing else refers to it). */
    private static Tensor prefix(Tensor fresh, int[] shape) {
        Tensor t = new Tensor(fresh.lease(), Layout.contiguous(shape), fresh.device, fresh.backend, new int[1], fresh.dtype);
        fresh.close();
        return t;
    }

    /**
     * PyTorch's value_selecting_reduction_backward: the gradient of values selected at {@code indices} along {@code dim}
     * goes back to those places, zeros elsewhere.
     */
    private static Tensor selectedBackward(Tensor g, int dim, Tensor indices, int[] shape, boolean keepdim) {
        if (shape.length == 0) {
            return g;
        }
        Tensor gk = keepdim ? g : g.unsqueeze(dim);
        Tensor ik;
        try (GradMode off = Ember.noGrad()) {
            ik = keepdim ? indices : indices.unsqueeze(dim);
        }
        return IndexingOps.scatter(Creation.zeros(shape, gk.dtype, gk.device), dim, ik, gk);
    }

    /**
     * PyTorch's evenly_distribute_backward: the gradient of one value chosen among the input's elements is shared by every
     * element equal to it (every NaN when it is NaN), the others +0.0: 2.x's CPU form,
     * {@code zeros.masked_fill_(mask, grad / mask.sum())} (its {@code mask * (grad / mask.sum())} on CUDA gives -0.0 there
     * for a negative gradient).
     */
    static Tensor evenlyDistribute(Tensor g, Tensor x, Tensor value) {
        Tensor hit;
        try (GradMode off = Ember.noGrad()) {
            hit = x.eq(value).logicalOr(x.ne(x).logicalAnd(value.ne(value)));
        }
        return Tensor.where(hit, g.div(hit.sum().to(g.dtype())), 0.0);
    }

    // ------------------------------------------------------------------ sort, argsort, topk

    /** {@code sort}: stable; {@code node} is SortBackward0 (sort(dim, descending)) or SortBackward1 (with stable=). */
    static Tensor.ValuesIndices sort(Tensor x, int dim, boolean descending, String node) {
        int d = Shapes.wrapDim(dim, x.dim());
        Tensor values = Creation.empty(x.shape, x.dtype, x.device);
        Tensor indices = Creation.empty(x.shape, DType.INT64, x.device);
        if (x.numel() > 0) {
            ComplexIndexing.refuse("sort", x);
            x.backend.sort(x.storage(), lines(x), d, descending, values.storage(), lines(values), indices.storage(),
                    lines(indices));
        }
        int[] shape = x.shape;
        ArithmeticOps.record(values, node, new Tensor[] {x}, n -> {
            SavedTensor si = n.save(indices);
            return g -> new Tensor[] {selectedBackward(g, d, si.get(), shape, true)};
        });
        return new Tensor.ValuesIndices(values, indices);
    }

    /** {@code argsort}: the indices of a stable sort. */
    static Tensor argsort(Tensor x, int dim, boolean descending) {
        int d = Shapes.wrapDim(dim, x.dim());
        Tensor indices = Creation.empty(x.shape, DType.INT64, x.device);
        if (x.numel() > 0) {
            ComplexIndexing.refuse("sort", x); // argsort is sort's indices
            x.backend.sort(x.storage(), lines(x), d, descending, null, null, indices.storage(), lines(indices));
        }
        return indices;
    }

    /**
     * {@code topk}: the k largest (smallest) along a dimension, with their indices; one TopkBackward0 node. The order
     * (among equal values too, and with {@code sorted} false) is PyTorch's CPU kernel's ({@link dev.ember.backend.Backend#topk})
     * on the CPU; an accelerator takes the first k of its stable sort.
     */
    static Tensor.ValuesIndices topk(Tensor x, int k, int dim, boolean largest, boolean sorted) {
        int d = Shapes.wrapDim(dim, x.dim());
        int size = sizeAt(x, d);
        if (k < 0 || k > size) {
            throw new IllegalArgumentException("selected index k out of range");
        }
        // a meta kernel checks no element type; 2.x's topk_out_cpu copies a 0-dim input without the kernel
        if (x.dtype == DType.BOOL && !x.device.isMeta() && x.dim() != 0) {
            throw Refusals.notImplemented("topk_cpu", x.dtype);
        }
        Tensor values;
        Tensor indices;
        if (x.dim() == 0) {
            values = copyOf(x);
            indices = Creation.zeros(new int[0], DType.INT64, x.device);
        } else {
            int[] outShape = x.shape.clone();
            outShape[d] = k;
            if (x.device.isCpu() || x.device.isMeta()) {
                values = Creation.empty(outShape, x.dtype, x.device);
                indices = Creation.empty(outShape, DType.INT64, x.device);
                if (values.numel() > 0) {
                    ComplexIndexing.refuse("topk", x);
                    x.backend.topk(x.storage(), x.layout, d, k, largest, sorted, values.storage(), values.layout,
                            indices.storage(), indices.layout);
                }
            } else {
                // an accelerator: its own stable sort, then the first k (PyTorch's GPU order is its kernels' own; no
                // round trip to the host for the CPU's order)
                Tensor allValues = Creation.empty(x.shape, x.dtype, x.device);
                Tensor allIndices = Creation.empty(x.shape, DType.INT64, x.device);
                if (x.numel() > 0) {
                    ComplexIndexing.refuse("topk", x);
                    x.backend.sort(x.storage(), x.layout, d, largest, allValues.storage(), allValues.layout,
                            allIndices.storage(), allIndices.layout);
                }
                values = firstAlong(allValues, d, k, outShape);
                indices = firstAlong(allIndices, d, k, outShape);
            }
        }
        int[] shape = x.shape;
        Tensor idx = indices;
        ArithmeticOps.record(values, "TopkBackward0", new Tensor[] {x}, n -> {
            SavedTensor si = n.save(idx);
            return g -> new Tensor[] {selectedBackward(g, d, si.get(), shape, true)};
        });
        return new Tensor.ValuesIndices(values, indices);
    }

    /** The first {@code k} elements along {@code d} of a fresh tensor, in a tensor of their own. */
    private static Tensor firstAlong(Tensor all, int d, int k, int[] shape) {
        if (shape[d] == all.shape[d]) {
            return all;
        }
        int[] strides = all.layout.strides();
        Tensor out = Creation.empty(shape, all.dtype, all.device);
        if (out.numel() > 0) {
            all.backend.copy(all.storage(), new Layout(shape, strides, 0), out.storage(), out.layout);
        }
        all.close();
        return out;
    }

    /** A contiguous copy without history. */
    private static Tensor copyOf(Tensor x) {
        Tensor out = Creation.empty(x.shape, x.dtype, x.device);
        x.backend.copy(x.storage(), x.layout, out.storage(), out.layout);
        return out;
    }

    // ------------------------------------------------------------------ selection by rank

    /** Runs a rank selection along {@code d} into new values and indices of keepdim shape. */
    private static Tensor.ValuesIndices rankKernel(RankOp op, Tensor x, int d, long k) {
        int[] kept = x.dim() == 0 ? new int[0] : x.shape.clone();
        if (kept.length > 0) {
            kept[d] = 1;
        }
        Tensor values = Creation.empty(kept, x.dtype, x.device);
        Tensor indices = Creation.empty(kept, DType.INT64, x.device);
        if (values.numel() > 0) {
            ComplexIndexing.refuse(op == RankOp.KTHVALUE ? "kthvalue" : op == RankOp.MODE ? "mode" : "median.dim", x);
            x.backend.rankSelect(op, x.storage(), lines(x), d, k, values.storage(), lines(values), indices.storage(),
                    lines(indices));
        }
        return new Tensor.ValuesIndices(values, indices);
    }

    /** kthvalue, median, nanmedian and mode along a dimension, each with its node and the value-selecting backward. */
    private static Tensor.ValuesIndices byRank(RankOp op, Tensor x, int d, long k, boolean keepdim, String node) {
        Tensor.ValuesIndices r = rankKernel(op, x, d, k);
        Tensor values = squeezeFresh(r.values(), d, keepdim, x.dim());
        Tensor indices = squeezeFresh(r.indices(), d, keepdim, x.dim());
        int[] shape = x.shape;
        ArithmeticOps.record(values, node, new Tensor[] {x}, n -> {
            SavedTensor si = n.save(indices);
            return g -> new Tensor[] {selectedBackward(g, d, si.get(), shape, keepdim)};
        });
        return new Tensor.ValuesIndices(values, indices);
    }

    static Tensor.ValuesIndices kthvalue(Tensor x, long k, int dim, boolean keepdim) {
        int d = Shapes.wrapDim(dim, x.dim());
        checkNonEmpty(x, d, "kthvalue()");
        if (k < 1 || k > sizeAt(x, d)) {
            throw new IllegalArgumentException("kthvalue(): selected number k out of range for dimension " + d);
        }
        // 2.x's meta kernel checks no element type; its kthvalue_out_impl_cpu copies a 0-dim input without the kernel
        if (x.dtype == DType.BOOL && !x.device.isMeta() && x.dim() != 0) {
            throw Refusals.notImplemented("kthvalue_cpu", x.dtype);
        }
        return byRank(RankOp.KTHVALUE, x, d, k, keepdim, "KthvalueBackward0");
    }

    /** median or nanmedian along a dimension (MedianBackward1, NanmedianBackward1). */
    static Tensor.ValuesIndices median(Tensor x, int dim, boolean keepdim, boolean ignoreNaN) {
        // PyTorch's nanmedian runs median's code, whose messages name median
        int d = Shapes.wrapDim(dim, x.dim());
        checkNonEmpty(x, d, "median()");
        if (x.dtype == DType.BOOL && !x.device.isMeta()) { // 2.x's meta kernel checks no element type
            throw Refusals.notImplemented("median_out", x.dtype);
        }
        return byRank(ignoreNaN ? RankOp.NANMEDIAN : RankOp.MEDIAN, x, d, 0, keepdim,
                ignoreNaN ? "NanmedianBackward1" : "MedianBackward1");
    }

    /** median or nanmedian of all elements (MedianBackward0, NanmedianBackward0): NaN for an empty tensor. */
    static Tensor medianAll(Tensor x, boolean ignoreNaN) {
        ComplexIndexing.refuse("median", x); // nanmedian too (median_impl's dispatch)
        Tensor out;
        if (x.numel() == 0) {
            // 2.x's median_impl returns full({}, NaN).to(self's type) before dispatching on the type: NaN's conversion,
            // true for bool, x86's integer indefinite for int64 and int32 (cvttss2si), its low bits 0 for narrower types
            out = Creation.empty(new int[0], x.dtype, x.device);
            out.backend.fill(out.storage(), out.layout, x.dtype.isFloatingPoint() || x.dtype == DType.BOOL ? Double.NaN
                    : x.dtype == DType.INT64 ? Long.MIN_VALUE : x.dtype == DType.INT32 ? Integer.MIN_VALUE : 0);
        } else {
            if (x.dtype == DType.BOOL && !x.device.isMeta()) { // 2.x's meta kernel checks no element type
                throw Refusals.notImplemented("median_cpu", x.dtype); // nanmedian too (median_impl's dispatch)
            }
            Tensor flat;
            try (GradMode off = Ember.noGrad()) {
                flat = x.reshape(-1);
            }
            Tensor values = Creation.empty(new int[] {1}, x.dtype, x.device);
            Tensor indices = Creation.empty(new int[] {1}, DType.INT64, x.device);
            // libstdc++'s nth_element on the values in 2.x's CPU kernel: its choice between -0.0 and 0.0
            x.backend.medianAll(flat.storage(), flat.layout, ignoreNaN, values.storage(), values.layout,
                    indices.storage(), indices.layout);
            out = squeezeFresh(values, 0, false, 1);
        }
        Tensor result = out;
        return ArithmeticOps.record(out, ignoreNaN ? "NanmedianBackward0" : "MedianBackward0", new Tensor[] {x}, n -> {
            SavedTensor sx = n.save(x);
            SavedTensor so = n.saveOutput(result);
            return g -> new Tensor[] {evenlyDistribute(g, sx.get(), so.get())};
        });
    }

    static Tensor.ValuesIndices mode(Tensor x, int dim, boolean keepdim) {
        int d = Shapes.wrapDim(dim, x.dim());
        checkNonEmpty(x, d, "mode()");
        return byRank(RankOp.MODE, x, d, 0, keepdim, "ModeBackward0");
    }

    // ------------------------------------------------------------------ scans

    /** Runs a scan kernel into a new tensor of {@code type} (and new int64 indices for cummax and cummin). */
    private static Tensor.ValuesIndices scanKernel(ScanOp op, Tensor x, int d, DType type) {
        Tensor src = ArithmeticOps.cast(x, type);
        Tensor out = Creation.empty(x.shape, type, x.device);
        boolean indexed = op == ScanOp.CUMMAX || op == ScanOp.CUMMIN;
        Tensor indices = indexed ? Creation.empty(x.shape, DType.INT64, x.device) : null;
        if (x.numel() > 0) {
            if (indexed) {
                ComplexIndexing.refuse(op == ScanOp.CUMMAX ? "cummax" : "cummin", src);
            }
            x.backend.scan(op, src.storage(), lines(src), d, out.storage(), lines(out),
                    indexed ? indices.storage() : null, indexed ? lines(indices) : null);
        }
        return new Tensor.ValuesIndices(out, indices);
    }

    /** The type of a sum or product: integers and bool accumulate as int64. */
    private static DType accumulated(DType t) {
        return t.isFloatingPoint() ? t : DType.INT64;
    }

    /** {@code flip(cumsum(flip(w)))}: sums from each position to the end of the dimension. */
    private static Tensor reversedCumsum(Tensor w, int d) {
        return w.flip(d).cumsum(d).flip(d);
    }

    static Tensor cumsum(Tensor x, int dim) {
        if (x.dtype.isComplex()) return ComplexIndexing.partwise((p, k) -> cumsum(p[0], dim), x);
        if (Autocast.on()) return Autocast.apply("cumsum", t -> cumsum(t[0], dim), x);
        int d = Shapes.wrapDim(dim, x.dim());
        Tensor out = scanKernel(ScanOp.CUMSUM, x, d, accumulated(x.dtype)).values();
        return ArithmeticOps.record(out, "CumsumBackward0", new Tensor[] {x}, n -> g -> {
            // cumsum_backward: the reversed cumulative sum, or the gradient itself where the dimension is trivial
            if (g.numel() <= 1 || sizeAt(g, d) == 1) {
                return new Tensor[] {g};
            }
            return new Tensor[] {reversedCumsum(g, d)};
        });
    }

    static Tensor cumprod(Tensor x, int dim) {
        if (x.dtype.isComplex()) return ComplexIndexing.cumprod(x, dim);
        if (Autocast.on()) return Autocast.apply("cumprod", t -> cumprod(t[0], dim), x);
        int d = Shapes.wrapDim(dim, x.dim());
        Tensor out = scanKernel(ScanOp.CUMPROD, x, d, accumulated(x.dtype)).values();
        return ArithmeticOps.record(out, "CumprodBackward0", new Tensor[] {x}, n -> {
            SavedTensor sx = n.save(x);
            SavedTensor so = n.saveOutput(out);
            return g -> new Tensor[] {cumprodBackward(g, sx.get(), d, so.get())};
        });
    }

    /**
     * PyTorch's cumprod_backward. Without zeros in the input: {@code reversed_cumsum(output * grad) / input}. With zeros,
     * outside a graph, PyTorch's O(n) masked form, line by line with z1 and z2 the first and second zero: before z1
     * {@code reversed_cumsum(output * grad over [0, z1)) / input}; at z1 {@code output[z1 - 1]} (1 when z1 is 0) times
     * {@code sum over [z1, z2) of grad * cumprod(input with everything outside (z1, z2) made 1)}; zero from z1 on
     * otherwise. So infinities and NaN after z1 (or after z2) reach only the elements PyTorch lets them reach. When the
     * backward itself is differentiated (grad mode on), the O(n^2) form whose derivative is cumprod's second derivative,
     * as PyTorch. A complex input's gradient is PyTorch's too: the same formulas with the input and output conjugated.
     */
    static Tensor cumprodBackward(Tensor g, Tensor input, int d, Tensor output) {
        if (input.numel() <= 1 || sizeAt(input, d) == 1) {
            return g;
        }
        Tensor x = ComplexMath.conjIfComplex(input);
        Tensor y = ComplexMath.conjIfComplex(output);
        Tensor isZero;
        boolean anyZero;
        try (GradMode off = Ember.noGrad()) {
            isZero = x.eq(0.0);
            anyZero = !x.device.isMeta() && !isZero.logicalNot().all(); // meta: no values, the shapes are the same
        }
        Tensor w = y.mul(g);
        if (!anyZero) {
            return reversedCumsum(w, d).div(x);
        }
        if (!GradMode.isEnabled()) {
            Tensor zeroCount = isZero.cumsum(d);
            Tensor beforeZ1 = zeroCount.eq(0L);
            Tensor firstRun = zeroCount.eq(1L); // [z1, z2)
            Tensor firstZero = isZero.logicalAnd(firstRun);
            Tensor between = firstRun.logicalAnd(firstZero.logicalNot()); // (z1, z2)
            Tensor one = Creation.wrap(1.0);
            Tensor zero = Creation.wrap(0.0);
            Tensor before = reversedCumsum(Tensor.where(beforeZ1, w, zero), d).div(x);
            // output[z1 - 1], the product of the elements before z1 (1 where z1 is 0)
            Tensor z1 = firstRun.to(DType.INT64).argmax(d, true);
            Tensor prior = Tensor.where(z1.eq(0L), one, y.gather(d, z1.sub(1L).clampMin(0L)));
            Tensor atZ1 = Tensor.where(between, x, one).cumprod(d).mul(Tensor.where(firstRun, g, zero))
                    .sum(new int[] {d}, true).mul(prior);
            return Tensor.where(beforeZ1, before, Tensor.where(firstZero, atZ1, zero));
        }
        // the O(n^2) form: for each k, sum over j >= k of grad_j * prod_{i <= j, i != k} x_i
        int size = x.shape[d];
        int[] onesShape = x.shape.clone();
        onesShape[d] = 1;
        Tensor ones = Creation.zeros(onesShape, x.dtype, x.device).add(1.0);
        java.util.List<Tensor> parts = new java.util.ArrayList<>();
        for (int k = 0; k < size; k++) {
            Tensor omitted;
            if (k == 0) {
                omitted = Tensor.cat(java.util.List.of(ones, x.narrow(d, 1, size - 1).cumprod(d)), d);
            } else {
                Tensor until = x.narrow(d, 0, k).cumprod(d).narrow(d, k - 1, 1); // prod(x[:k]), kept
                if (k == size - 1) {
                    omitted = until;
                } else {
                    Tensor after = x.narrow(d, k + 1, size - k - 1).cumprod(d);
                    omitted = Tensor.cat(java.util.List.of(until, until.mul(after)), d);
                }
            }
            parts.add(g.narrow(d, k, size - k).mul(omitted).sum(new int[] {d}, false));
        }
        return Tensor.stack(parts, d);
    }

    /** cummax or cummin: values and the index each came from (CummaxBackward0, CumminBackward0). */
    static Tensor.ValuesIndices cummaxmin(Tensor x, int dim, boolean max) {
        // 2.x's cummax_out / cummin_out fill a 0-dim input's result and leave an empty one before wrapping dim: any
        // dim is taken there
        int d = x.dim() == 0 || x.numel() == 0 ? 0 : Shapes.wrapDim(dim, x.dim());
        Tensor.ValuesIndices r = scanKernel(max ? ScanOp.CUMMAX : ScanOp.CUMMIN, x, d, x.dtype);
        Tensor indices = r.indices();
        int[] shape = x.shape;
        ArithmeticOps.record(r.values(), max ? "CummaxBackward0" : "CumminBackward0", new Tensor[] {x}, n -> {
            SavedTensor si = n.save(indices);
            // cummaxmin_backward: zeros.scatter_add(dim, indices, grad)
            return g -> new Tensor[] {shape.length == 0 || g.numel() == 0 ? g : IndexingOps.scatterAdd(
                    Creation.zeros(shape, g.dtype, g.device), d, si.get(), g)};
        });
        return r;
    }

    static Tensor logcumsumexp(Tensor x, int dim) {
        if (x.dtype.isComplex()) return ComplexScans.logcumsumexp(x, dim);
        int d = Shapes.wrapDim(dim, x.dim());
        if (!x.dtype.isFloatingPoint() && !x.device.isMeta()) { // 2.x's meta logcumsumexp checks no element type
            throw Refusals.notImplemented("logcumsumexp_out_cpu", x.dtype);
        }
        Tensor out = scanKernel(ScanOp.LOGCUMSUMEXP, x, d, x.dtype).values();
        return ArithmeticOps.record(out, "LogcumsumexpBackward0", new Tensor[] {x}, n -> {
            SavedTensor sx = n.save(x);
            SavedTensor so = n.saveOutput(out);
            return g -> new Tensor[] {logcumsumexpBackward(g, sx.get(), so.get(), d)};
        });
    }

    /**
     * PyTorch's logcumsumexp_backward (from TensorFlow's): the positive and negative parts of the gradient, each in log
     * space, through a reversed logcumsumexp.
     */
    private static Tensor logcumsumexpBackward(Tensor g, Tensor x, Tensor y, int d) {
        if (g.dim() == 0 || g.numel() == 0) {
            return g;
        }
        Tensor lowest = Creation.wrap(g.dtype() == DType.FLOAT32 ? -Float.MAX_VALUE : -Double.MAX_VALUE);
        Tensor logAbs = g.abs().log();
        Tensor logPositive = Tensor.where(g.gt(0.0), logAbs, lowest);
        Tensor logNegative = Tensor.where(g.lt(0.0), logAbs, lowest);
        Tensor outPositive = logPositive.sub(y).flip(d).logcumsumexp(d).flip(d).add(x).exp();
        Tensor outNegative = logNegative.sub(y).flip(d).logcumsumexp(d).flip(d).add(x).exp();
        return outPositive.sub(outNegative);
    }

    // ------------------------------------------------------------------ unique

    /**
     * {@code torch.unique} ({@code dim} null: of all elements; else of the slices along dim) and
     * {@code torch.unique_consecutive} ({@code consecutive}). Values are always sorted when not consecutive (PyTorch
     * leaves the order unspecified for sorted=False): of all elements with NaN last, of slices along dim in 2.x's CPU
     * order ({@code Backend.uniqueDim}). NaN is unequal to every value, itself included.
     */
    static UniqueResult unique(Tensor x, boolean consecutive, boolean returnInverse, boolean returnCounts, Integer dim) {
        MetaOps.refuseDataDependent(consecutive ? "aten::unique_consecutive" : dim == null ? "aten::_unique2"
                : "aten::unique_dim", x);
        String node = consecutive ? "UniqueConsecutiveBackward0" : dim == null ? "Unique2Backward0" : "UniqueDimBackward0";
        String derivative = consecutive ? "unique_consecutive" : dim == null ? "_unique2" : "unique_dim";
        int d = 0;
        if (dim != null) {
            if (x.dim() == 0) {
                throw new IndexOutOfBoundsException("Dimension specified as " + dim + " but tensor has no dimensions");
            }
            d = Shapes.wrapDim(dim, x.dim());
        }
        int n = dim == null ? (int) x.numel() : x.shape[d];
        Tensor rows;
        int[] rest;
        try (GradMode off = Ember.noGrad()) {
            if (dim == null) {
                rest = new int[0];
                rows = x.reshape(n, 1);
            } else {
                int zeros = 0;
                for (int s : x.shape) {
                    zeros += s == 0 ? 1 : 0;
                }
                if (x.shape[d] == 0 && zeros > 1) {
                    throw new IllegalArgumentException("Number of zero sized dimensions is more than one, so unique cannot "
                            + "be applied ");
                }
                if (x.shape[d] != 0 && zeros > 0) {
                    throw new IllegalArgumentException("There are 0 sized dimensions, and they aren't selected, so unique "
                            + "cannot be applied");
                }
                Tensor moved = x.movedim(d, 0);
                rest = Arrays.copyOfRange(moved.shape, 1, moved.dim());
                rows = moved.reshape(n, (int) (x.numel() / Math.max(n, 1)));
            }
        }
        int m = rows.shape[1];
        Tensor buffer = Creation.empty(rows.shape, x.dtype, x.device);
        Tensor inverse = returnInverse ? Creation.empty(new int[] {n}, DType.INT64, x.device) : null;
        Tensor counts = returnCounts ? Creation.empty(new int[] {n}, DType.INT64, x.device) : null;
        // unique(dim) sorts its rows as 2.x's CPU kernel does (std::sort, NaN unordered); unique of all elements with NaN
        // last
        if (n > 0) {
            // unique_consecutive's dispatch too; its dim 0 of a 1-D tensor (as given, not wrapped) is the "unique" kernel's
            boolean whole = dim == null || consecutive && dim == 0 && x.dim() == 1;
            ComplexIndexing.refuse(whole ? "unique" : "unique_dim", x);
        }
        int groups = n == 0 ? 0 : dim != null && !consecutive
                ? (int) x.backend.uniqueDim(rows.storage(), rows.layout, buffer.storage(),
                        inverse == null ? null : inverse.storage(), counts == null ? null : counts.storage())
                : (int) x.backend.unique(rows.storage(), rows.layout, !consecutive, buffer.storage(),
                        inverse == null ? null : inverse.storage(), counts == null ? null : counts.storage());
        Tensor values;
        if (dim == null) {
            values = prefix(buffer, new int[] {groups});
        } else {
            int[] movedShape = new int[rest.length + 1];
            movedShape[0] = groups;
            System.arraycopy(rest, 0, movedShape, 1, rest.length);
            Tensor grouped = prefix(buffer, movedShape);
            try (GradMode off = Ember.noGrad()) {
                values = grouped.movedim(0, d).contiguous();
            }
            if (values != grouped) {
                grouped.close();
            }
        }
        if (inverse != null && dim == null) {
            inverse = prefix(inverse, x.shape);
        }
        if (counts != null) {
            counts = prefix(counts, new int[] {groups});
        }
        ArithmeticOps.record(values, node, new Tensor[] {x}, nd -> g -> {
            throw new IllegalStateException("the derivative for '" + derivative + "' is not implemented.");
        });
        return new UniqueResult(values, inverse, counts);
    }

    // ------------------------------------------------------------------ binary search

    /** {@code torch.searchsorted}, with PyTorch 2.x's checks in its order. {@code sorter} may be null. */
    static Tensor searchsorted(Tensor sorted, Tensor values, boolean right, Tensor sorter) {
        return searchsorted(sorted, values, false, right, null, sorter);
    }

    /**
     * {@code torch.searchsorted(sorted_sequence, input, out_int32=, right=, side=, sorter=)}: PyTorch 2.x's
     * {@code searchsorted_pre_check} in its order, {@code side} (null, "left" or "right") first; the result is int32
     * when {@code outInt32}, else int64. {@code side} and {@code sorter} may be null.
     */
    static Tensor searchsorted(Tensor sorted, Tensor values, boolean outInt32, boolean right, String side, Tensor sorter) {
        if (side != null) {
            if (!side.equals("left") && !side.equals("right")) {
                throw new IllegalArgumentException("torch.searchsorted(): side can only be 'left' or 'right' but got "
                        + side);
            }
            if (right && !side.equals("right")) {
                throw new IllegalArgumentException("torch.searchsorted(): side and right can't be set to opposites, got "
                        + "side of " + side + " while right was True");
            }
            right = side.equals("right");
        }
        if (!sorted.device.equals(values.device)) {
            throw new IllegalArgumentException("torch.searchsorted(): boundaries and input value tensors should have same "
                    + "device type, but got boundaries tensor device type " + sorted.device + " and input value tensor "
                    + "device type " + values.device);
        }
        Device device = sorted.device;
        if (sorter != null) {
            if (!sorter.device.equals(sorted.device)) {
                throw new IllegalArgumentException("torch.searchsorted(): sorter and boundary tensors should have same "
                        + "device type, but got sorter tensor device type " + sorter.device + " and input value tensor "
                        + "device type " + sorted.device);
            }
            if (!Arrays.equals(sorter.shape, sorted.shape)) {
                throw new IllegalArgumentException("torch.searchsorted(): boundary and sorter must have the same size, but "
                        + "got boundary tensor " + Shapes.str(sorted.shape) + "and got sorter tensor "
                        + Shapes.str(sorter.shape));
            }
            if (sorter.dtype != DType.INT64) {
                throw new IllegalArgumentException("torch.searchsorted(): sorter must be a tensor of long dtype but got "
                        + "dtype " + Format.scalarType(sorter.dtype));
            }
            if (sorter.numel() > 0 && !sorter.device.isMeta()) { // 2.x's meta_searchsorted reads no sorter index
                long lo;
                long hi;
                try (GradMode off = Ember.noGrad()) {
                    lo = sorter.min().longItem();
                    hi = sorter.max().longItem();
                }
                if (lo < 0 || hi >= sorter.shape[sorter.dim() - 1]) {
                    throw new IllegalArgumentException("torch.searchsorted(): sorter index out of range");
                }
            }
        }
        if (!(values.dim() > 0 || sorted.dim() == 1)) {
            throw new IllegalArgumentException("torch.searchsorted(): input value can be a scalar only when boundaries "
                    + "tensor dimension is 1, but we got boundaries tensor dim(" + sorted.dim() + ") and input value's dim("
                    + values.dim() + ") numel(" + values.numel() + ")");
        }
        if (sorted.dim() == 0) {
            throw new IllegalArgumentException("torch.searchsorted(): boundaries tensor should have positive dimension, but "
                    + "got 0 dimension");
        }
        if (sorted.dim() != 1 && !leadingSizesMatch(sorted, values)) {
            throw new IllegalArgumentException("torch.searchsorted(): boundaries tensor should be 1 dimension or the first "
                    + "N-1 dimensions of boundaries tensor and input value tensor must match, but we got boundaries tensor "
                    + Shapes.str(sorted.shape) + " and input value tensor " + Shapes.str(values.shape));
        }
        DType type = DType.promote(sorted.dtype, values.dtype);
        // 2.x's meta_searchsorted checks no element type; searchsorted_out_cpu returns an empty result before its kernel
        if (type == DType.BOOL && !sorted.device.isMeta() && values.numel() > 0) {
            throw Refusals.notImplemented("searchsorted_out_cpu", type);
        }
        Tensor b = ArithmeticOps.cast(sorted, type);
        Tensor v = ArithmeticOps.cast(values, type);
        Tensor out = Creation.empty(values.shape, DType.INT64, device);
        if (out.numel() > 0) {
            ComplexIndexing.refuse("searchsorted", v);
            out.backend.searchsorted(b.storage(), b.layout, sorter == null ? null : sorter.storage(),
                    sorter == null ? null : sorter.layout, v.storage(), v.layout, right, out.storage(), out.layout);
        }
        // positions are at most the last size (below INT_MAX for any Ember tensor), so int32 holds them exactly
        return outInt32 ? ArithmeticOps.cast(out, DType.INT32) : out;
    }

    private static boolean leadingSizesMatch(Tensor sorted, Tensor values) {
        if (sorted.dim() != values.dim()) {
            return false;
        }
        for (int i = 0; i < sorted.dim() - 1; i++) {
            if (sorted.shape[i] != values.shape[i]) {
                return false;
            }
        }
        return true;
    }

    /** {@code torch.bucketize}: searchsorted in 1-D boundaries. */
    static Tensor bucketize(Tensor input, Tensor boundaries, boolean outInt32, boolean right) {
        if (boundaries.dim() != 1) {
            throw new IllegalArgumentException("boundaries tensor must be 1 dimension, but got dim(" + boundaries.dim() + ")");
        }
        return searchsorted(boundaries, input, outInt32, right, null, null);
    }

    // ------------------------------------------------------------------ counting

    /** {@code torch.histc}: min == max takes the data's range (widened by 1 each way when that is one value). */
    static Tensor histc(Tensor x, int bins, double min, double max) {
        if (x.device.isMeta()) {
            // PyTorch 2.x's meta_histc: the bins and the order of min and max checked, no range read from the data
            if (bins <= 0) {
                throw new IllegalArgumentException("histc(): bins must be > 0, but got " + bins);
            }
            if (!(max >= min)) {
                throw new IllegalArgumentException("histc(): max must be larger than min");
            }
            return Creation.empty(new int[] {bins}, x.dtype, x.device);
        }
        if (bins <= 0) {
            throw new IllegalArgumentException("torch.histogram(): bins must be > 0, but got " + bins + " for dimension 0");
        }
        if (x.dtype == DType.BOOL) {
            throw Refusals.notImplemented("linspace_cpu", x.dtype);
        }
        if (x.dtype.isComplex() && min == max && x.numel() > 0) {
            throw ComplexIndexing.refused("aminmax", x); // the data's range first, as PyTorch's aminmax
        }
        if (!x.dtype.isFloatingPoint()) {
            throw Refusals.notImplemented("histogram_cpu", x.dtype);
        }
        double lo = min;
        double hi = max;
        boolean fromData = false;
        if (lo == hi && x.numel() > 0) {
            try (GradMode off = Ember.noGrad()) {
                // one element is its own min and max (a NaN with its own sign bit, as 2.x's aminmax leaves it)
                lo = x.numel() == 1 ? x.item() : x.min().item();
                hi = x.numel() == 1 ? lo : x.max().item();
            }
            fromData = true;
        }
        if (lo == hi) {
            lo -= 1;
            hi += 1;
        }
        if (Double.isInfinite(lo) || Double.isInfinite(hi) || Double.isNaN(lo) || Double.isNaN(hi)) {
            long numel = x.numel();
            throw new IllegalArgumentException("torch.histc: range of [" + edge(lo, fromData, numel) + ", "
                    + edge(hi, fromData, numel) + "] is not finite");
        }
        if (!(lo < hi)) {
            throw new IllegalArgumentException("torch.histc: max must be larger than min");
        }
        Tensor out = Creation.empty(new int[] {bins}, x.dtype, x.device);
        x.backend.histc(x.storage(), x.layout, bins, lo, hi, out.storage(), out.layout);
        return out;
    }

    /**
     * One end of histc's range as PyTorch's message prints it (glibc's {@code %g}: a NaN with its sign bit, "-nan" or
     * "nan"). A NaN from the data's range is the one 2.x's aminmax gives: of one element, that element itself; of more,
     * the all-ones NaN of its vectorized minimum / maximum (ATen's Vectorized: "Exploit the fact that all-ones is a
     * NaN"), which has the sign bit. A NaN range argument prints with its own sign.
     */
    private static String edge(double v, boolean fromData, long numel) {
        if (!Double.isNaN(v)) {
            return Format.cpp(v);
        }
        boolean negative = fromData && numel > 1 || Double.doubleToRawLongBits(v) < 0;
        return negative ? "-nan" : "nan";
    }

    /** {@code torch.bincount}; {@code weights} may be null. */
    static Tensor bincount(Tensor x, Tensor weights, long minlength) {
        MetaOps.refuseDataDependent("aten::bincount", x, weights); // its length is the largest value: no meta kernel
        if (!x.dtype.isIntegral()) {
            throw Refusals.notImplemented("bincount_cpu", x.dtype);
        }
        if (minlength < 0) {
            throw new IllegalArgumentException("minlength should be >= 0");
        }
        if (weights != null) {
            ArithmeticOps.checkSameDevice(x, weights);
        }
        if (x.dim() == 1 && x.numel() == 0) {
            return Creation.zeros(new int[] {Shapes.toSize(minlength, "bincount's minlength")}, DType.INT64, x.device);
        }
        long lo = 0;
        long hi = 0;
        if (x.dim() == 1) {
            try (GradMode off = Ember.noGrad()) {
                lo = x.min().longItem();
                hi = x.max().longItem();
            }
        }
        if (x.dim() != 1 || lo < 0) {
            throw new IllegalArgumentException("bincount only supports 1-d non-negative integral inputs.");
        }
        if (weights != null && (weights.dim() != 1 || weights.shape[0] != x.shape[0])) {
            throw new IllegalArgumentException("weights should be 1-d and have the same length as input");
        }
        if (hi >= Integer.MAX_VALUE) { // hi + 1 in unsigned arithmetic: a value of Long.MAX_VALUE does not wrap
            throw new IllegalArgumentException("bincount's result would have size " + Long.toUnsignedString(hi + 1)
                    + "; Ember's dimensions are at most " + Integer.MAX_VALUE);
        }
        int bins = Shapes.toSize(Math.max(hi + 1, minlength), "bincount's result");
        DType type = weights == null ? DType.INT64 : weights.dtype == DType.FLOAT32 ? DType.FLOAT32 : DType.FLOAT64;
        Tensor w = weights == null ? null : ArithmeticOps.cast(weights, type);
        Tensor out = Creation.empty(new int[] {bins}, type, x.device);
        Tensor xl = ArithmeticOps.cast(x, DType.INT64); // the kernel counts int64 values
        x.backend.bincount(xl.storage(), xl.layout, w == null ? null : w.storage(), w == null ? null : w.layout,
                out.storage(), out.layout);
        return out;
    }
    /**
     * {@code isin(elements, test_elements, assume_unique, invert)}: whether each element equals some test element, both
     * compared in their promoted type; never differentiable. Few test elements are compared one by one (PyTorch's
     * default path for them); many are sorted once and each element looked up by binary search.
     */
    static Tensor isin(Tensor elements, Tensor test, boolean invert) {
        DType common = ArithmeticOps.resultType(elements, test);
        if (common.isFloat8()) {
            // 2.x's isin kernels (the default one and the sorting one) dispatch no fp8 type
            throw Refusals.unsupported("isin_default_cpu", common);
        }
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            Tensor e = ArithmeticOps.cast(elements, common);
            Tensor t = ArithmeticOps.cast(test, common).reshape(-1).to(elements.device);
            long n = t.numel();
            if (n == 0 || e.numel() == 0) {
                out = Tensor.zeros(DType.BOOL, elements.shape()).to(elements.device);
            } else if (n < 10 * Math.pow(e.numel(), 0.145)) {
                out = e.eq(t.select(0, 0));
                for (int i = 1; i < n; i++) {
                    out = out.logicalOr(e.eq(t.select(0, i)));
                }
            } else {
                Tensor sorted = t.sort().values();
                Tensor at = Tensor.searchsorted(sorted, e.contiguous()).clamp(0L, n - 1);
                out = sorted.take(at).eq(e);
            }
            if (invert) {
                out = out.logicalNot();
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ session 18: the dtype argument of the scans

    /**
     * PyTorch's cumulative ops write a 0-dim input into the result with {@code fill_} (impl_func_cum_ops), whose checked
     * conversion refuses a value the dtype cannot hold (a uint8 200 with dtype int8: "value cannot be converted to type
     * int8_t without overflow"; a complex value with a non-zero imaginary part and a real dtype); longer inputs are
     * cast, wrapping.
     */
    private static void requireZeroDimFits(Tensor x, DType dtype) {
        if (x.dim() != 0) {
            return;
        }
        if (x.dtype.isComplex()) {
            // c10's overflows for a complex value (bool takes z != 0 unchecked): a real type takes no non-zero imaginary
            // part (r32_574: 1.13 and 2.x both refuse) and a real part that fits it; complex64 parts within float's range
            if (dtype == DType.BOOL) {
                return;
            }
            Tensor v = x.detach();
            double re = ComplexOps.real(v).item();
            double im = ComplexOps.imag(v).item();
            if (!dtype.isComplex()) {
                if (im != 0) {
                    throw new IllegalArgumentException("value cannot be converted to type "
                            + ArithmeticOps.cTypeScalarName(dtype) + " without overflow");
                }
                ArithmeticOps.checkScalarFits(re, dtype);
            } else if (dtype == DType.COMPLEX64 && (beyondFloat(re) || beyondFloat(im))) {
                throw new IllegalArgumentException("value cannot be converted to type c10::complex<float> without overflow");
            }
        } else if (x.dtype.isFloatingPoint()) {
            ArithmeticOps.checkScalarFits(x.detach().toDoubleArray()[0], dtype);
        } else {
            ArithmeticOps.checkScalarFits(x.detach().toLongArray()[0], dtype);
        }
    }

    /** A finite double beyond float32's range (c10's overflows of float: infinities and NaN fit). */
    private static boolean beyondFloat(double v) {
        return Double.isFinite(v) && Math.abs(v) > Float.MAX_VALUE;
    }

    /**
     * {@code torch.cumsum(input, dim, dtype=...)}: the input cast to {@code dtype} inside the op (no ToCopyBackward0);
     * CumsumBackward0 with {@code cumsum_backward(grad.to(self.scalar_type()), dim)}.
     */
    static Tensor cumsum(Tensor x, int dim, DType dtype) {
        int d = Shapes.wrapDim(dim, x.dim());
        requireZeroDimFits(x, dtype);
        requireScanKernel(x, dtype, "cumsum_out_cpu");
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            // an integer dtype is the result's type (the int64 scan wraps to it as PyTorch's scan in the type does)
            out = ArithmeticOps.cast(cumsum(ArithmeticOps.cast(x, dtype), d), dtype);
        }
        DType self = x.dtype;
        return ArithmeticOps.record(out, "CumsumBackward0", new Tensor[] {x}, n -> grad -> {
            Tensor g = ViewOps.toType(grad, self);
            if (g.numel() <= 1 || sizeAt(g, d) == 1) {
                return new Tensor[] {g};
            }
            return new Tensor[] {reversedCumsum(g, d)};
        });
    }

    /**
     * PyTorch's cumsum/cumprod with {@code dtype=torch.bool}: a 0-dim input is filled and an empty one zeroed without a
     * kernel, any other runs the scan kernel on the input converted to bool, which has none ({@code kernel} is its
     * dispatch name: "cumsum_out_cpu" not implemented for 'Bool').
     */
    private static void requireScanKernel(Tensor x, DType dtype, String kernel) {
        if (dtype == DType.BOOL && x.dim() > 0 && x.numel() > 0 && !x.device.isMeta()) { // no type check on meta
            throw Refusals.notImplemented(kernel, DType.BOOL);
        }
    }

    /**
     * {@code torch.cumprod(input, dim, dtype=...)}: the input cast to {@code dtype} inside the op; CumprodBackward0 with
     * {@code cumprod_backward(grad.to(self.scalar_type()), self, dim, result)}.
     */
    static Tensor cumprod(Tensor x, int dim, DType dtype) {
        int d = Shapes.wrapDim(dim, x.dim());
        requireZeroDimFits(x, dtype);
        requireScanKernel(x, dtype, "cumprod_out_cpu");
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            // an integer dtype is the result's type (the int64 scan wraps to it as PyTorch's scan in the type does)
            out = ArithmeticOps.cast(cumprod(ArithmeticOps.cast(x, dtype), d), dtype);
        }
        DType self = x.dtype;
        return ArithmeticOps.record(out, "CumprodBackward0", new Tensor[] {x}, n -> {
            SavedTensor sx = n.save(x);
            SavedTensor so = n.saveOutput(out);
            return g -> new Tensor[] {cumprodBackward(ViewOps.toType(g, self), sx.get(), d, so.get())};
        });
    }
}
