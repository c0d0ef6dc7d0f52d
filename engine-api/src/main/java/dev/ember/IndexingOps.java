package dev.ember;

import dev.ember.backend.Backend;
import dev.ember.backend.Layout;
import dev.ember.backend.ScatterReduce;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Indexing ops: index_select, gather, scatter and scatter_reduce, index_add/copy/fill, take, take_along_dim, advanced
 * indexing ({@code x[idx]}) and its writing form index_put, the masked ops, nonzero and repeat_interleave. Each forward
 * rule (PyTorch's checks and messages, in PyTorch's order, all before anything is written) sits beside its backward
 * formula from derivatives.yaml, written in Tensor ops so that it runs on every backend and can be differentiated again.
 *
 * <p>Kernels: four {@link Backend} methods serve every op ({@code gather}, {@code scatter} with a reduction,
 * {@code nonzeroCount}/{@code nonzero}, {@code linearIndex}); the ops that PyTorch composes ({@code take_along_dim},
 * {@code argwhere}, {@code where(cond)}, {@code repeat_interleave}) are compositions here too, with PyTorch's nodes.
 */
final class IndexingOps {
    private IndexingOps() {
    }

    /**
     * {@code torch.unravel_index(indices, shape)} (PyTorch 2.2+), as 2.x's torch/functional.py computes it: the flat
     * indices floor-divided by the row-major strides of {@code shape}, then taken modulo its sizes (Python's floor
     * semantics, so a negative or too large index wraps), one int64 tensor per dimension, each shaped as
     * {@code indices}.
     */
    static List<Tensor> unravelIndex(Tensor indices, int[] shape) {
        if (indices.dtype.isComplex() || indices.dtype.isFloatingPoint() || indices.dtype == DType.BOOL) {
            throw new IllegalArgumentException("expected 'indices' to be integer dtype, but got "
                    + indices.dtype.torchName());
        }
        for (int d : shape) {
            if (d < 0) {
                StringBuilder b = new StringBuilder("(");
                for (int i = 0; i < shape.length; i++) {
                    b.append(i > 0 ? ", " : "").append(shape[i]);
                }
                throw new IllegalArgumentException("'shape' cannot have negative values, but got "
                        + b.append(shape.length == 1 ? ",)" : ")"));
            }
        }
        long[] coefs = new long[Math.max(shape.length, 1)];
        long[] sizes = new long[shape.length];
        coefs[coefs.length - 1] = 1;
        for (int i = shape.length - 2; i >= 0; i--) {
            try {
                coefs[i] = Math.multiplyExact(coefs[i + 1], shape[i + 1]);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("Overflow when unpacking long");
            }
        }
        for (int i = 0; i < shape.length; i++) {
            sizes[i] = shape[i];
        }
        Tensor c = Tensor.tensor(coefs).to(indices.device);
        Tensor n = Tensor.tensor(sizes).to(indices.device);
        return indices.unsqueeze(-1).floorDivide(c).remainder(n).unbind(-1);
    }

    // ------------------------------------------------------------------ shared machinery

    /** The size PyTorch's scatter/gather checks see: a 0-dim tensor counts as one dimension of size 1. */
    private static int size1(Tensor t, int d) {
        return t.dim() == 0 ? 1 : t.shape[d];
    }

    private static int rank1(Tensor t) {
        return Math.max(1, t.dim());
    }

    /** t's layout, a 0-dim tensor seen as one element of one dimension. */
    private static Layout layout1(Tensor t) {
        return t.dim() == 0 ? new Layout(new int[] {1}, new int[] {1}, t.layout.offset()) : t.layout;
    }

    /** t's storage iterated with {@code shape} (no larger than t's in any dimension): the part scatter reads of src. */
    private static Layout narrowed(Tensor t, int[] shape) {
        Layout l = layout1(t);
        return new Layout(shape, l.strides(), l.offset());
    }

    /** A 1-D (or 0-dim) index seen with {@code shape}, advancing only along {@code dim}. */
    private static Layout alongDim(Tensor index, int[] shape, int dim) {
        int[] strides = new int[shape.length];
        if (shape.length > 0) {
            strides[dim] = index.dim() == 0 ? 0 : index.layout.stride(0);
        }
        return new Layout(shape, strides, index.layout.offset());
    }

    /** A one-element tensor repeated over {@code shape}. */
    private static Layout repeated(Tensor scalar, int[] shape) {
        return new Layout(shape, new int[shape.length], scalar.layout.offset());
    }

    /** {@code shape} with dimension {@code dim} of size {@code n} (a 0-dim shape stays 0-dim). */
    private static int[] withSize(int[] shape, int dim, int n) {
        int[] s = shape.clone();
        if (s.length > 0) {
            s[dim] = n;
        }
        return s;
    }

    /** A new contiguous copy of t's values (no history): what an out-of-place scatter writes into. */
    private static Tensor copyOf(Tensor t) {
        Tensor c = Creation.empty(t.shape, t.dtype, t.device);
        t.backend.copy(t.storage(), t.layout, c.storage(), c.layout);
        return c;
    }

    /** {@code value} in type {@code t} as a 0-dim tensor on {@code device}, converted as PyTorch's checked Scalar::to. */
    private static Tensor scalarOf(double value, DType t, Device device) {
        ArithmeticOps.checkScalarFits(value, t); // complex64's check names c10::complex<float>, not its parts' float
        if (t.isComplex()) {
            // x[mask] = 1.5 on a complex tensor: the number as a complex value (imaginary part 0); a backend holds no
            // complex scalar array, so the real value is converted
            try (GradMode off = Ember.noGrad()) {
                return scalarOf(value, t.toReal(), device).to(t);
            }
        }
        ArithmeticOps.checkScalarFits(value, t);
        return Creation.fromFlat(Backend.scalarArray(t, value), new int[0], t, device);
    }

    /** A 0-dim value tensor's value as {@link #scalarOf} takes it (an int64 above 2^53 keeps its exact bits). */
    private static Tensor scalarOf(Tensor value, DType t, Device device) {
        if (value.dtype == DType.INT64 && t == DType.INT64) {
            return Creation.fromFlat(new long[] {value.toLongArray()[0]}, new int[0], t, device);
        }
        if (ArithmeticOps.integralScalar(value.dtype) && t != DType.UINT64) {
            // an integer tensor's item() is an integral Scalar: converted as a Python int (uint8 takes -255..-1)
            return scalarOf(ArithmeticOps.fillValue(value.toLongArray()[0], t), t, device);
        }
        return scalarOf(value.item(), t, device);
    }

    /**
     * Checks int64 indices against {@code [0, bound)} with PyTorch's message for the first bad one ({@code %d} in
     * {@code format}); PyTorch raises IndexError (IndexOutOfBoundsException) or, with {@code indexError} false,
     * RuntimeError (IllegalArgumentException). On CUDA the check runs on the device and reports at the next
     * synchronization.
     */
    private static void checkRange(Tensor index, long bound, String format, boolean indexError) {
        if (index.numel() == 0) {
            return;
        }
        try {
            index.backend.checkIndices(index.storage(), index.layout, bound, format);
        } catch (IndexOutOfBoundsException e) {
            if (indexError) {
                throw e;
            }
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /**
     * The wrapped linear index of broadcast int64 index tensors over dimensions of {@code sizes} (one tensor: the
     * wrapped index itself), shaped {@code shape}; {@code message} as {@link Backend#linearIndex} formats it.
     */
    private static Tensor linearIndex(Tensor[] indices, int[] shape, long[] sizes, String message, Device device) {
        Tensor out = Creation.empty(shape, DType.INT64, device);
        if (out.numel() == 0) {
            return out;
        }
        dev.ember.backend.Storage[] storages = new dev.ember.backend.Storage[indices.length];
        Layout[] layouts = new Layout[indices.length];
        for (int j = 0; j < indices.length; j++) {
            storages[j] = indices[j].storage();
            layouts[j] = ArithmeticOps.expandedLayout(indices[j], shape);
        }
        out.backend.linearIndex(storages, layouts, sizes, out.storage(), out.layout, message);
        return out;
    }

    private static Tensor gatherKernel(Tensor src, Layout srcLayout, int dim, Tensor index, Layout indexLayout, int[] outShape) {
        Tensor out = Creation.empty(outShape, src.dtype, src.device);
        if (out.numel() > 0) {
            src.backend.gather(src.storage(), srcLayout, dim, index.storage(), indexLayout, out.storage(),
                    Layout.contiguous(indexLayout.shape()));
        }
        return out;
    }

    private static void scatterKernel(ScatterReduce reduce, boolean includeSelf, Tensor dst, Layout dstLayout, int dim,
                                      Tensor index, Layout indexLayout, Tensor src, Layout srcLayout) {
        if (indexLayout.numel() > 0) {
            dst.backend.scatter(reduce, includeSelf, dst.storage(), dstLayout, dim, index.storage(), indexLayout,
                    src.storage(), srcLayout);
        }
    }

    /**
     * An in-place indexing op on {@code self}, after every check has passed: when nothing records history and no operand
     * the kernel reads (the differentiable {@code others}, and {@code reads}: indices, masks) shares self's storage,
     * {@code direct} writes into self at once; otherwise the op runs out of place on the old values ({@code outOfPlace})
     * and is written back through {@link InplaceOps#inplace}, which records the node (or CopySlices for a view).
     */
    private static Tensor inplace(Tensor self, List<Tensor> others, Function<Tensor, Tensor> outOfPlace, Runnable direct,
                                  Tensor... reads) {
        InplaceOps.checkInplace(self, others);
        boolean records = ArithmeticOps.needsGrad(self) || ArithmeticOps.needsGrad(others.toArray(new Tensor[0]));
        boolean aliased = false;
        for (Tensor o : others) {
            aliased |= o.lease() == self.lease();
        }
        for (Tensor o : reads) {
            aliased |= o != null && o.lease() == self.lease();
        }
        if (records || aliased || direct == null || self.dtype.isComplex()) { // complex: out of place on the parts
            return InplaceOps.inplace(self, others, outOfPlace);
        }
        direct.run();
        self.bumpVersion();
        return self;
    }

    private static void requireLong(Tensor index, String message, boolean indexError) {
        if (index.dtype != DType.INT64) {
            throw indexError ? new IndexOutOfBoundsException(message) : new IllegalArgumentException(message);
        }
    }

    /** PyTorch's check for the ops that take int32 as well as int64 indices (index_select, index_add). */
    private static void requireIntOrLong(Tensor index, String message) {
        if (index.dtype != DType.INT64 && index.dtype != DType.INT32) {
            throw new IllegalArgumentException(message);
        }
    }

    /**
     * An index tensor as the kernels take it: int64 as it is, int32 widened into an int64 copy (the caller's tensor is
     * left as it is; the kernels read int64 indices).
     */
    private static Tensor longIndex(Tensor index) {
        return index.dtype == DType.INT64 ? index : ArithmeticOps.cast(index, DType.INT64);
    }

    // ------------------------------------------------------------------ index_select

    static Tensor indexSelect(Tensor self, int dim, Tensor index) {
        if (self.dtype.isComplex()) return ComplexIndexing.indexSelect(self, dim, index);
        int d = Shapes.wrapDim(dim, self.dim());
        long numel = index.numel();
        if (index.dim() > 1) {
            throw new IndexOutOfBoundsException("index_select(): Index is supposed to be a vector");
        }
        if (self.dim() == 0 && numel != 1) {
            throw new IllegalArgumentException("index_select(): Index to scalar can have only 1 value, got " + numel
                    + " value(s)");
        }
        requireIntOrLong(index, "index_select(): Expected dtype int32 or int64 for index");
        ArithmeticOps.checkSameDevice(self, index);
        if (index.dtype != DType.INT64) {
            return indexSelect(self, dim, longIndex(index));
        }
        int n = (int) numel;
        int[] shape = withSize(self.shape, d, n);
        if (self.dim() > 1) {
            if (n > 0 && self.numel() == 0 && self.shape[d] == 0) {
                throw new IllegalArgumentException("index_select(): self indexing axis dim should be positive");
            }
            if (n > 0 && (self.numel() == 0 || d == 1)) {
                // PyTorch's fast path for dim 1 (and its check for an empty self) words the error its own way
                checkRange(index, self.shape[d], "INDICES element is out of DATA bounds, id=%d axis_dim=" + self.shape[d],
                        false);
            } else {
                checkRange(index, self.shape[d], "index out of range in self", true);
            }
        } else {
            checkRange(index, self.numel(), "index out of range in self", true);
        }
        Tensor out;
        if (self.dim() == 0) {
            out = gatherKernel(self, layout1(self), 0, index, layout1(index), shape);
        } else {
            out = gatherKernel(self, self.layout, d, index, alongDim(index, shape, d), shape);
        }
        int[] in = self.shape;
        return ArithmeticOps.record(out, "IndexSelectBackward0", new Tensor[] {self}, node -> {
            SavedTensor si = node.save(index);
            // index_select_backward: zeros(self.sizes()).index_add_(dim, index, grad), in place on the new zeros
            return g -> new Tensor[] {indexAddIntoZeros(in, d, si.get(), g)};
        });
    }

    // ------------------------------------------------------------------ gather

    static Tensor gather(Tensor self, int dim, Tensor index) {
        if (self.dtype.isComplex()) return ComplexIndexing.gather(self, dim, index);
        int d = Shapes.wrapDim(dim, self.dim());
        if (index.numel() != 0) {
            requireLong(index, "gather(): Expected dtype int64 for index", false);
        }
        ArithmeticOps.checkSameDevice(self, index);
        Tensor out;
        if (index.numel() == 0) {
            out = Creation.empty(index.shape, self.dtype, self.device);
        } else {
            if (rank1(self) != rank1(index)) {
                throw new IllegalArgumentException("Index tensor must have the same number of dimensions as input tensor");
            }
            for (int i = 0; i < rank1(self); i++) {
                if (i != d && size1(index, i) > size1(self, i)) {
                    throw new IllegalArgumentException("Size does not match at dimension " + i + " expected index "
                            + Shapes.str(index.shape) + " to be smaller than self " + Shapes.str(self.shape)
                            + " apart from dimension " + d);
                }
            }
            checkRange(index, size1(self, d), "index %d is out of bounds for dimension " + d + " with size "
                    + size1(self, d), false);
            out = gatherKernel(self, layout1(self), d, index, layout1(index), index.shape);
        }
        int[] in = self.shape;
        return ArithmeticOps.record(out, "GatherBackward0", new Tensor[] {self}, node -> {
            SavedTensor si = node.save(index);
            // derivatives.yaml's gather_backward(grad, self, dim, index, sparse_grad) saves self: a later in-place
            // change of it fails the backward, as PyTorch's version check does
            SavedTensor ss = node.save(self);
            // gather_backward: zeros(self.sizes()).scatter_add_(dim, index, grad), in place on the new zeros as
            // PyTorch's formula (see scatterAddIntoZeros)
            return g -> {
                ss.get();
                return new Tensor[] {scatterAddIntoZeros(in, d, si.get(), g)};
            };
        });
    }

    /**
     * {@code -Dember.backward.zerosCopy=true} (read per call): the backward formulas that sum a gradient into new zeros
     * (gather's, index_select's, embedding's, embedding_bag's, adaptive_max_pool2d's, upsample_nearest's, grid_sample's)
     * run the out-of-place scatter_add or index_add on them, which first
     * copies the zeros into another new tensor, as before session 57. Otherwise they sum in place into the zeros, as
     * PyTorch's formulas do ({@code new_zeros(...).scatter_add_(...)}, {@code index_add_}): one tensor of self's size
     * less to write and read (4 MiB for a [2048, 512] gather input, 51 MB for GPT-2's [50257, 256] embedding), the
     * same additions in the same order, so the same bits. With history recorded (create_graph) the in-place ops run
     * out of place on the zeros and record the same node as before.
     */
    static boolean zerosCopy() {
        return Boolean.getBoolean("ember.backward.zerosCopy");
    }

    /**
     * {@code zeros(in).scatter_add_(d, index, g)}: gather's gradient (PyTorch's
     * {@code grad.new_zeros(self.sizes()).scatter_add_(dim, index, grad)}) and adaptive_max_pool2d's (see
     * {@link #zerosCopy}).
     */
    static Tensor scatterAddIntoZeros(int[] in, int d, Tensor index, Tensor g) {
        return scatterAddIntoNew(Creation.zeros(in, g.dtype, g.device), d, index, g);
    }

    /**
     * {@code fresh.scatter_add_(d, index, src)} on a tensor a backward formula made for its sum and shares with no one
     * (its new zeros, or what this returned for them), or the out-of-place scatter_add under {@link #zerosCopy}.
     */
    static Tensor scatterAddIntoNew(Tensor fresh, int d, Tensor index, Tensor src) {
        return zerosCopy() ? scatterAdd(fresh, d, index, src) : scatterAdd_(fresh, d, index, src);
    }

    /**
     * {@code zeros(in).index_add_(d, index, g)}: index_select's, embedding's and upsample_nearest's gradients (see
     * {@link #zerosCopy}).
     */
    static Tensor indexAddIntoZeros(int[] in, int d, Tensor index, Tensor g) {
        return indexAddIntoNew(Creation.zeros(in, g.dtype, g.device), d, index, g);
    }

    /** {@code fresh.index_add_(d, index, src)}, as {@link #scatterAddIntoNew}. */
    static Tensor indexAddIntoNew(Tensor fresh, int d, Tensor index, Tensor src) {
        return zerosCopy() ? indexAdd(fresh, d, index, src, 1) : indexAdd_(fresh, d, index, src, 1);
    }

    // ------------------------------------------------------------------ scatter, scatter_add, scatter_reduce

    /** PyTorch's scatter_gather_dtype_check and scatter_shape_check ("scatter" names every variant). */
    private static void checkScatter(Tensor self, int d, Tensor index, Tensor src) {
        if (index.numel() != 0) {
            requireLong(index, "scatter(): Expected dtype int64 for index", false);
        }
        if (src != null && src.dtype != self.dtype) {
            throw new IllegalArgumentException("scatter(): Expected self.dtype to be equal to src.dtype");
        }
        if (index.numel() == 0) {
            return;
        }
        if (rank1(self) != rank1(index)) {
            throw new IllegalArgumentException("Index tensor must have the same number of dimensions as self tensor");
        }
        boolean wrong = false;
        for (int i = 0; i < rank1(self) && !wrong; i++) {
            wrong = i != d && size1(index, i) > size1(self, i);
        }
        if (!wrong && src != null) {
            for (int i = 0; i < rank1(self) && !wrong; i++) {
                if (src.dim() != 0) {
                    Shapes.wrapDim(i, src.dim()); // PyTorch's src.size(i): its error for a src of fewer dimensions
                }
                wrong = size1(index, i) > size1(src, i);
            }
        }
        if (wrong) {
            String base = "Expected index " + Shapes.str(index.shape) + " to be smaller than self " + Shapes.str(self.shape)
                    + " apart from dimension " + d;
            throw new IllegalArgumentException(src == null ? base : base + " and to be smaller size than src "
                    + Shapes.str(src.shape));
        }
    }

    private static void checkScatterValues(Tensor self, int d, Tensor index) {
        checkRange(index, size1(self, d), "index %d is out of bounds for dimension " + d + " with size " + size1(self, d),
                false);
    }

    /**
     * scatter's number in self's type: PyTorch's scatter_fill converts it (with c10's overflow check) in its kernel,
     * after the index bounds check and only when there is an index (an empty index takes any number).
     */
    private static Tensor fillValue(double value, Tensor self, Tensor index) {
        return scalarOf(index.numel() == 0 ? 0.0 : value, self.dtype, self.device);
    }

    /** The scatter family's kernel into {@code dst} (its own storage or self's), src null for {@code value}. */
    private static void scatterInto(Tensor dst, int d, Tensor index, Tensor src, Tensor value, ScatterReduce reduce,
                                    boolean includeSelf) {
        if (index.numel() == 0) {
            return;
        }
        Layout idx = layout1(index);
        Layout from = src != null ? narrowed(src, idx.shape()) : repeated(value, idx.shape());
        scatterKernel(reduce, includeSelf, dst, layout1(dst), d, index, idx, src != null ? src : value, from);
    }

    static Tensor scatter(Tensor self, int dim, Tensor index, Tensor src) {
        if (ComplexIndexing.any(self, src)) return ComplexIndexing.scatter(self, dim, index, src);
        int d = Shapes.wrapDim(dim, self.dim());
        checkScatter(self, d, index, src);
        ArithmeticOps.checkSameDevice(self, index, src);
        checkScatterValues(self, d, index);
        Tensor out = copyOf(self);
        scatterInto(out, d, index, src, null, ScatterReduce.NONE, true);
        return ArithmeticOps.record(out, "ScatterBackward0", new Tensor[] {self, src}, node -> {
            SavedTensor si = node.save(index);
            return g -> new Tensor[] {
                node.needsInputGrad(0) ? scatter(g, d, si.get(), 0.0) : null, // grad.scatter(dim, index, 0)
                node.needsInputGrad(1) ? gather(g, d, si.get()) : null}; // grad.gather(dim, index)
        });
    }

    static Tensor scatter(Tensor self, int dim, Tensor index, double value) {
        if (self.dtype.isComplex()) return ComplexIndexing.scatter(self, dim, index, new Complex(value, 0));
        int d = Shapes.wrapDim(dim, self.dim());
        checkScatter(self, d, index, null);
        ArithmeticOps.checkSameDevice(self, index);
        checkScatterValues(self, d, index);
        Tensor v = fillValue(value, self, index);
        Tensor out = copyOf(self);
        scatterInto(out, d, index, null, v, ScatterReduce.NONE, true);
        return ArithmeticOps.record(out, "ScatterBackward1", new Tensor[] {self}, node -> {
            SavedTensor si = node.save(index);
            return g -> new Tensor[] {scatter(g, d, si.get(), 0.0)};
        });
    }

    /** {@code scatter} with a Python int: exact for an int64 tensor however large (other types take it converted). */
    static Tensor scatter(Tensor self, int dim, Tensor index, long value) {
        if (self.dtype != DType.INT64) {
            return scatter(self, dim, index, ArithmeticOps.fillValue(value, self.dtype));
        }
        int d = Shapes.wrapDim(dim, self.dim());
        checkScatter(self, d, index, null);
        ArithmeticOps.checkSameDevice(self, index);
        checkScatterValues(self, d, index);
        Tensor v = valueOf(self, value);
        Tensor out = copyOf(self);
        scatterInto(out, d, index, null, v, ScatterReduce.NONE, true);
        return out; // an int64 tensor never requires grad
    }

    /**
     * The checks of {@code scatter_} and {@code scatter_add_} with a source tensor, in PyTorch's order: the autograd
     * checks, scatter's meta checks (dim, dtypes, shapes), then its overlap checks, the devices and the index values.
     * Returns the wrapped dim.
     */
    private static int checkScatterInplace(Tensor self, int dim, Tensor index, Tensor src) {
        InplaceOps.checkInplace(self, List.of(src), false);
        int d = Shapes.wrapDim(dim, self.dim());
        checkScatter(self, d, index, src);
        InplaceOps.checkInplace(self, List.of(src));
        ArithmeticOps.checkSameDevice(self, index, src);
        checkScatterValues(self, d, index);
        return d;
    }

    static Tensor scatter_(Tensor self, int dim, Tensor index, Tensor src) {
        int d = checkScatterInplace(self, dim, index, src);
        return inplace(self, List.of(src), old -> scatter(old, d, index, src),
                () -> scatterInto(self, d, index, src, null, ScatterReduce.NONE, true), index);
    }

    static Tensor scatter_(Tensor self, int dim, Tensor index, double value) {
        if (self.dtype.isComplex()) return InplaceOps.inplace(self, List.of(), old -> scatter(old, dim, index, value));
        InplaceOps.checkInplace(self, List.of(), false);
        int d = Shapes.wrapDim(dim, self.dim());
        checkScatter(self, d, index, null);
        InplaceOps.checkInplace(self, List.of());
        ArithmeticOps.checkSameDevice(self, index);
        checkScatterValues(self, d, index);
        Tensor v = fillValue(value, self, index);
        return inplace(self, List.of(), old -> scatter(old, d, index, value),
                () -> scatterInto(self, d, index, null, v, ScatterReduce.NONE, true), index);
    }

    /** {@code scatter_} with a Python int: exact for an int64 tensor however large. */
    static Tensor scatter_(Tensor self, int dim, Tensor index, long value) {
        if (self.dtype != DType.INT64) {
            return scatter_(self, dim, index, ArithmeticOps.fillValue(value, self.dtype));
        }
        InplaceOps.checkInplace(self, List.of(), false);
        int d = Shapes.wrapDim(dim, self.dim());
        checkScatter(self, d, index, null);
        InplaceOps.checkInplace(self, List.of());
        ArithmeticOps.checkSameDevice(self, index);
        checkScatterValues(self, d, index);
        Tensor v = valueOf(self, value);
        return inplace(self, List.of(), old -> scatter(old, d, index, value),
                () -> scatterInto(self, d, index, null, v, ScatterReduce.NONE, true), index);
    }

    static Tensor scatterAdd(Tensor self, int dim, Tensor index, Tensor src) {
        if (ComplexIndexing.any(self, src)) return ComplexIndexing.scatterAdd(self, dim, index, src);
        if (Autocast.on()) return Autocast.apply("scatter_add", t -> scatterAdd(t[0], dim, t[1], t[2]),
                self, index, src);
        int d = Shapes.wrapDim(dim, self.dim());
        checkScatter(self, d, index, src);
        ArithmeticOps.checkSameDevice(self, index, src);
        checkScatterValues(self, d, index);
        Tensor out = copyOf(self);
        scatterInto(out, d, index, src, null, ScatterReduce.SUM, true);
        return ArithmeticOps.record(out, "ScatterAddBackward0", new Tensor[] {self, src}, node -> {
            SavedTensor si = node.save(index);
            return g -> new Tensor[] {
                node.needsInputGrad(0) ? g : null,
                node.needsInputGrad(1) ? gather(g, d, si.get()) : null};
        });
    }

    static Tensor scatterAdd_(Tensor self, int dim, Tensor index, Tensor src) {
        int d = checkScatterInplace(self, dim, index, src);
        return inplace(self, List.of(src), old -> scatterAdd(old, d, index, src),
                () -> scatterInto(self, d, index, src, null, ScatterReduce.SUM, true), index);
    }

    private static ScatterReduce reduceOf(String reduce) {
        switch (reduce) {
            case "sum": return ScatterReduce.SUM;
            case "prod": return ScatterReduce.PROD;
            case "mean": return ScatterReduce.MEAN;
            case "amax": return ScatterReduce.AMAX;
            case "amin": return ScatterReduce.AMIN;
            default: throw new IllegalArgumentException("reduce argument must be either sum, prod, mean, amax or amin.");
        }
    }

    private static ScatterReduce checkScatterReduce(Tensor self, int d, Tensor index, Tensor src, String reduce) {
        checkScatter(self, d, index, src);
        ScatterReduce r = reduceOf(reduce);
        ArithmeticOps.checkSameDevice(self, index, src);
        if (r == ScatterReduce.MEAN && self.dtype == DType.BOOL && index.numel() > 0) {
            throw Refusals.notImplemented("scatter_gather_tensor_cpu_reduce_mean", DType.BOOL);
        }
        checkScatterValues(self, d, index);
        return r;
    }

    static Tensor scatterReduce(Tensor self, int dim, Tensor index, Tensor src, String reduce, boolean includeSelf) {
        if (ComplexIndexing.any(self, src)) return ComplexIndexing.scatterReduce(self, dim, index, src, reduce, includeSelf);
        int d = Shapes.wrapDim(dim, self.dim());
        ScatterReduce r = checkScatterReduce(self, d, index, src, reduce);
        Tensor out = copyOf(self);
        scatterInto(out, d, index, src, null, r, includeSelf);
        return ArithmeticOps.record(out, "ScatterReduceBackward0", new Tensor[] {self, src}, node -> {
            SavedTensor sx = node.save(self);
            SavedTensor ss = node.save(src);
            SavedTensor si = node.save(index);
            SavedTensor so = node.saveOutput(out);
            return g -> scatterReduceBackward(g, sx.get(), d, si.get(), ss.get(), r, includeSelf, so.get());
        });
    }

    static Tensor scatterReduce_(Tensor self, int dim, Tensor index, Tensor src, String reduce, boolean includeSelf) {
        InplaceOps.checkInplace(self, List.of(src), false);
        int d = Shapes.wrapDim(dim, self.dim());
        ScatterReduce r = checkScatterReduce(self, d, index, src, reduce);
        InplaceOps.checkInplace(self, List.of(src));
        return inplace(self, List.of(src), old -> scatterReduce(old, d, index, src, reduce, includeSelf),
                () -> scatterInto(self, d, index, src, null, r, includeSelf), index);
    }

    /** PyTorch's scatter_reduce_backward (FunctionsManual.cpp), term for term. */
    private static Tensor[] scatterReduceBackward(Tensor g, Tensor self, int d, Tensor index, Tensor src, ScatterReduce r,
                                                  boolean includeSelf, Tensor result) {
        Tensor gradSelf;
        Tensor gradSrc;
        String name = r.name().toLowerCase(Locale.ROOT);
        switch (r) {
            case SUM:
                gradSelf = g;
                gradSrc = gather(g, d, index);
                break;
            case PROD: {
                // the exclusive products where self or src hold zeros, computed explicitly
                Tensor maskedSelf = maskedFill(self, self.eq(0.0), 1.0);
                Tensor maskedSelfResult = scatterReduce(maskedSelf, d, index, src, name, includeSelf);
                gradSelf = g.mul(maskedSelfResult).div(maskedSelf);
                Tensor srcZero = src.eq(0.0);
                Tensor srcNumZeros = gather(scatterAdd(self.zerosLike(), d, index, srcZero.to(self.dtype)), d, index);
                Tensor srcSingleZero = srcZero.logicalAnd(srcNumZeros.eq(1.0));
                Tensor maskedSrc = maskedFill(src, srcSingleZero, 1.0);
                Tensor maskedSrcResult = scatterReduce(self, d, index, maskedSrc, name, includeSelf);
                Tensor gradSrc1 = Tensor.where(srcSingleZero, gather(g.mul(maskedSrcResult), d, index),
                        gather(g.mul(result), d, index).div(maskedFill(src, srcZero, 1.0)));
                if (GradMode.isEnabled() && !srcNumZeros.gt(1.0).logicalNot().all()) {
                    gradSrc = delayedError(gradSrc1, "scatter_reduce(): Double backward is unsupported for src when >1 "
                            + "zeros in src are scattered to the same position. This may be fixed in a future release.");
                } else {
                    gradSrc = gradSrc1;
                }
                break;
            }
            case MEAN: {
                Tensor n = includeSelf ? g.onesLike() : g.zerosLike();
                n = scatterAdd(n, d, index, src.onesLike());
                n = maskedFill(n, n.eq(0.0), 1.0);
                gradSelf = g.div(n);
                gradSrc = gather(g, d, index).div(gather(n, d, index));
                break;
            }
            default: {
                // amax, amin: the gradient evenly distributed among the elements equal to the result
                Tensor value = gather(result, d, index);
                Tensor selfIsResult = self.eq(result).to(self.dtype);
                Tensor srcIsResult = src.eq(value).to(self.dtype);
                Tensor distribute = scatterAdd(selfIsResult, d, index, srcIsResult);
                Tensor gradDistributed = g.div(distribute);
                gradSelf = self.eq(result).mul(gradDistributed);
                gradSrc = src.eq(value).mul(gather(gradDistributed, d, index));
            }
        }
        if (!includeSelf) {
            gradSelf = scatter(gradSelf, d, index, 0.0);
        }
        return new Tensor[] {gradSelf, gradSrc};
    }

    /** {@code t} passed on unchanged, but differentiating it again raises {@code message} (PyTorch's DelayedError). */
    private static Tensor delayedError(Tensor t, String message) {
        Tensor out = t.detach();
        return ArithmeticOps.record(out, "DelayedError", new Tensor[] {t}, n -> g -> {
            throw new IllegalStateException(message);
        });
    }

    // ------------------------------------------------------------------ index_add, index_copy, index_fill

    /** The index_add checks, in PyTorch's order (index_func_meta_impl, then the kernel's range check). */
    private static void checkIndexAdd(Tensor self, int d, Tensor index, Tensor source) {
        long numel = index.numel();
        if (index.dim() > 1) {
            throw new IndexOutOfBoundsException("index_add_(): Index is supposed to be a vector, but got dim: " + index.dim()
                    + " with type: " + Format.scalarType(index.dtype) + " and size: " + Shapes.str(index.shape));
        }
        requireIntOrLong(index, "index_add_(): Expected dtype int32/int64 for index but got: " + Format.scalarType(index.dtype));
        if (self.dtype != source.dtype) {
            throw new IllegalArgumentException("index_add_(): self (" + Format.scalarType(self.dtype) + ") and source ("
                    + Format.scalarType(source.dtype) + ") must have the same scalar type");
        }
        if (!(d == 0 || d < source.dim())) {
            throw new IllegalArgumentException("index_add_(): Indexing dim " + d + " is out of bounds of the source tensor "
                    + "with dim " + source.dim());
        }
        long expected = source.dim() == 0 ? 1 : source.shape[d];
        if (numel != expected) {
            throw new IllegalArgumentException("index_add_(): Number of indices (" + numel + ") should be equal to "
                    + "source.size(dim): (" + expected + "), for dim: " + d);
        }
        int[] selfSizes = self.dim() != 0 && source.dim() != 0 ? withoutDim(self.shape, d) : self.shape;
        int[] sourceSizes = self.dim() != 0 && source.dim() != 0 ? withoutDim(source.shape, d) : source.shape;
        if (!Arrays.equals(selfSizes, sourceSizes)) {
            throw new IllegalArgumentException("source tensor shape must match self tensor shape, excluding the specified "
                    + "dimension. Got self.shape = " + Shapes.str(self.shape) + " source.shape = " + Shapes.str(source.shape));
        }
        ArithmeticOps.checkSameDevice(self, index, source);
    }

    /**
     * index_add's kernel checks, after the meta function's (and an in-place call's overlap check), in index_add_cpu_'s
     * order: for a self of at most one dimension alpha's conversion to the type first, whatever the index count (its
     * loop converts alpha before it starts), then the index values; for more dimensions the index values, then alpha,
     * which the row loop converts only when there are indices to add.
     */
    private static void checkIndexAddKernel(Tensor self, int d, Tensor index, double alpha) {
        if (self.dim() <= 1) {
            ArithmeticOps.checkNumberFits(alpha, self.dtype);
        }
        checkRange(index, size1(self, d), "index out of range in self", true);
        if (self.dim() > 1 && index.numel() > 0) {
            ArithmeticOps.checkNumberFits(alpha, self.dtype);
        }
    }

    private static int[] withoutDim(int[] shape, int d) {
        int[] out = new int[shape.length - 1];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (i != d) {
                out[j++] = shape[i];
            }
        }
        return out;
    }

    /** The source scaled by alpha, converted to the source's type first as PyTorch's kernels convert it (0.5 is 0 for int64). */
    private static Tensor scaled(Tensor source, double alpha) {
        if (alpha == 1) {
            return source;
        }
        ArithmeticOps.checkNumberFits(alpha, source.dtype);
        try (GradMode off = Ember.noGrad()) {
            if (source.dtype == DType.BOOL) {
                return alpha != 0 ? source : Creation.zeros(source.shape, DType.BOOL, source.device);
            }
            return source.dtype.isFloatingPoint() ? source.mul(alpha) : source.mul((long) alpha);
        }
    }

    /**
     * index_add with alpha of a float or double self of two or more dimensions, as PyTorch's index_add_cpu_ computes
     * it: slice by slice in the index's order, {@code self.select(dim, index[i]).add_(source.select(dim, i), alpha)}
     * through the add kernel, whose {@code self + alpha * source} is one fused multiply-add (Vectorized::fmadd on
     * AVX2/AVX512 and the contracted scalar tail: PyTorch rounds every element of a 2-D index_add with alpha 0.3 once),
     * here the backend's {@link Backend#scatterAdd} (fused on the CPU). A 1-D self keeps
     * {@code self[i] += source[i] * alpha} (two roundings, PyTorch's scalar loop), a complex one (its parts come here
     * with {@code fusedAlpha} false) the rounded product (PyTorch's complex multiply, then add), other types the
     * scatter of the scaled source. Alpha 1 takes the same kernel for float and double (each value added once:
     * {@code fma(1, s, d)} is {@code d + s}, the scatter's sum), which splits large slices across threads.
     * {@code -Dember.indexAdd.scaledSource=true} (read per call) restores the scatter of the scaled source for float
     * and double too, whatever alpha (the path before session 50, for before/after comparisons).
     */
    private static boolean fusedAlpha(Tensor dst, Tensor source, boolean fusedAlpha) {
        return fusedAlpha && dst.dim() > 1 && (dst.dtype == DType.FLOAT32 || dst.dtype == DType.FLOAT64)
                && source.dtype == dst.dtype && !Boolean.getBoolean("ember.indexAdd.scaledSource");
    }

    private static void indexAddInto(Tensor dst, int d, Tensor index, Tensor source, double alpha, boolean fusedAlpha) {
        if (index.numel() == 0) {
            return;
        }
        index = longIndex(index);
        if (fusedAlpha(dst, source, fusedAlpha)) {
            Layout from = layout1(source);
            if (from.numel() == 0) {
                return;
            }
            dst.backend.scatterAdd(alpha, dst.storage(), layout1(dst), d, index.storage(),
                    alongDim(index, from.shape(), d), source.storage(), from);
            return;
        }
        Tensor src = scaled(source, alpha);
        Layout from = layout1(src);
        scatterKernel(ScatterReduce.SUM, true, dst, layout1(dst), d, index, alongDim(index, from.shape(), d), src, from);
    }

    static Tensor indexAdd(Tensor self, int dim, Tensor index, Tensor source, double alpha) {
        return indexAdd(self, dim, index, source, alpha, true);
    }

    /**
     * {@code indexAdd}; {@code fusedAlpha} false rounds {@code alpha * source} before the addition whatever the type
     * (the parts of a complex index_add, see {@link #indexAddInto}).
     */
    static Tensor indexAdd(Tensor self, int dim, Tensor index, Tensor source, double alpha, boolean fusedAlpha) {
        if (ComplexIndexing.any(self, source)) return ComplexIndexing.indexAdd(self, dim, index, source, alpha);
        int d = Shapes.wrapDim(dim, self.dim());
        checkIndexAdd(self, d, index, source);
        checkIndexAddKernel(self, d, index, alpha);
        Tensor out = copyOf(self);
        indexAddInto(out, d, index, source, alpha, fusedAlpha);
        int[] sourceShape = source.shape;
        return ArithmeticOps.record(out, "IndexAddBackward0", new Tensor[] {self, source}, node -> {
            SavedTensor si = node.save(index);
            return g -> {
                Tensor gs = null;
                if (node.needsInputGrad(1)) {
                    // maybe_multiply(grad.index_select(dim, index).expand_as(source), alpha)
                    gs = indexSelect(g, d, si.get()).reshape(sourceShape);
                    if (alpha != 1) {
                        gs = gs.mul(alpha);
                    }
                }
                return new Tensor[] {node.needsInputGrad(0) ? g : null, gs};
            };
        });
    }

    static Tensor indexAdd_(Tensor self, int dim, Tensor index, Tensor source, double alpha) {
        // the autograd checks, then index_add's meta function (dim, dtypes, shapes), then its kernel's overlap checks
        InplaceOps.checkInplace(self, List.of(source), false);
        int d = Shapes.wrapDim(dim, self.dim());
        checkIndexAdd(self, d, index, source);
        InplaceOps.checkInplace(self, List.of(source));
        checkIndexAddKernel(self, d, index, alpha);
        return inplace(self, List.of(source), old -> indexAdd(old, d, index, source, alpha),
                () -> indexAddInto(self, d, index, source, alpha, true), index);
    }

    /** index_copy's checks (its meta function), then the values (no wrapping). */
    private static void checkIndexCopy(Tensor self, int d, Tensor index, Tensor source) {
        if (index.dim() >= 2) {
            throw new IndexOutOfBoundsException("index_copy_(): Index should have dimension 1 or 0 (got " + index.dim() + ")");
        }
        long numIndices = index.numel();
        if (source.dim() == 0 && numIndices != 1) {
            throw new IndexOutOfBoundsException("index_copy_(): When source is scalar, index should have one element (got "
                    + numIndices + ")");
        } else if (source.dim() != self.dim() && source.dim() != 0 && self.dim() != 0) {
            throw new IndexOutOfBoundsException("index_copy_(): When source and destination are not scalars, their "
                    + "dimensionality must match. Source dimensionality (" + source.dim() + "), destination dimensionality ("
                    + self.dim() + ")");
        }
        if (index.dtype != DType.INT64) {
            throw new IllegalArgumentException("index_copy_(): Expected a long tensor for index, but got "
                    + Format.scalarType(index.dtype));
        }
        if (self.dtype != source.dtype) {
            throw new IllegalArgumentException("index_copy_(): self and source expected to have the same dtype, but got "
                    + "(self) " + Format.scalarType(self.dtype) + " and (source) " + Format.scalarType(source.dtype));
        }
        ArithmeticOps.checkSameDevice(self, index, source);
        int[] selfSliced = self.dim() > 0 ? withoutDim(self.shape, d) : new int[0];
        int[] sourceSliced = source.dim() > 0 ? withoutDim(source.shape, d) : new int[0];
        if (!Arrays.equals(selfSliced, sourceSliced)) {
            throw new IllegalArgumentException("index_copy_(): Source/destination tensor must have same slice shapes. "
                    + "Destination slice shape: " + spaced(selfSliced) + " at dimension " + d
                    + " and source slice shape: " + spaced(sourceSliced) + " at dimension 0.");
        }
        if (source.dim() != 0 && numIndices != source.shape[d]) {
            throw new IndexOutOfBoundsException("index_copy_(): Number of indices (" + numIndices + ") should be equal to "
                    + "source.size(dim) (" + source.shape[d] + ")");
        }
        int size = size1(self, d);
        checkRange(index, size, "index_copy_(): index %d is out of bounds for dimension " + d + " with size " + size, true);
    }

    /** A std::vector as PyTorch's C++ streams it: the elements separated by spaces. */
    private static String spaced(int[] v) {
        StringBuilder b = new StringBuilder();
        for (int x : v) {
            b.append(b.length() == 0 ? "" : " ").append(x);
        }
        return b.toString();
    }

    private static void indexCopyInto(Tensor dst, int d, Tensor index, Tensor source) {
        if (index.numel() == 0) {
            return;
        }
        Layout from = layout1(source);
        scatterKernel(ScatterReduce.NONE, true, dst, layout1(dst), d, index, alongDim(index, from.shape(), d), source, from);
    }

    static Tensor indexCopy(Tensor self, int dim, Tensor index, Tensor source) {
        if (ComplexIndexing.any(self, source)) return ComplexIndexing.indexCopy(self, dim, index, source);
        if (Autocast.on()) return Autocast.apply("index_copy", t -> indexCopy(t[0], dim, t[1], t[2]),
                self, index, source);
        int d = Shapes.wrapDim(dim, self.dim());
        checkIndexCopy(self, d, index, source);
        Tensor out = copyOf(self);
        indexCopyInto(out, d, index, source);
        int[] sourceShape = source.shape;
        return ArithmeticOps.record(out, "IndexCopyBackward0", new Tensor[] {self, source}, node -> {
            SavedTensor si = node.save(index);
            return g -> new Tensor[] {
                node.needsInputGrad(0) ? indexFill(g, d, si.get(), 0.0) : null, // grad.index_fill(dim, index, 0)
                node.needsInputGrad(1) ? indexSelect(g, d, si.get()).reshape(sourceShape) : null};
        });
    }

    static Tensor indexCopy_(Tensor self, int dim, Tensor index, Tensor source) {
        InplaceOps.checkInplace(self, List.of(source));
        int d = Shapes.wrapDim(dim, self.dim());
        checkIndexCopy(self, d, index, source);
        return inplace(self, List.of(source), old -> indexCopy(old, d, index, source),
                () -> indexCopyInto(self, d, index, source), index);
    }

    /** index_fill's checks; returns the wrapped indices (index_fill accepts negative indices). */
    private static Tensor checkIndexFill(Tensor self, int dim, Tensor index) {
        return checkIndexFill(self, dim, index, null);
    }

    /**
     * {@link #checkIndexFill(Tensor, int, Tensor)} with a number {@code value}, which the kernel converts to self's type
     * before it checks each index: an overflowing value is refused before an out-of-range index.
     */
    private static Tensor checkIndexFill(Tensor self, int dim, Tensor index, Double value) {
        requireLong(index, "index_fill_(): Expected dtype int64 for index.", true);
        int d = Shapes.wrapDim(dim, rank1(self));
        if (index.dim() > 1) {
            throw new IllegalArgumentException("Index has to be a vector/scalar");
        }
        ArithmeticOps.checkSameDevice(self, index);
        if (value != null) {
            ArithmeticOps.checkScalarFits(value, self.dtype);
        }
        int size = size1(self, d);
        return linearIndex(new Tensor[] {index}, index.shape, new long[] {size},
                "index %1$d is out of bounds for dimension " + d + " with size %3$d", self.device);
    }

    private static void checkFillValue(Tensor value) {
        if (value.dim() != 0) {
            throw new IllegalArgumentException("index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                    + value.dim() + " dimension(s).");
        }
    }

    private static void indexFillInto(Tensor dst, int d, Tensor wrapped, Tensor value) {
        if (wrapped.numel() == 0) {
            return;
        }
        int[] shape = withSize(layout1(dst).shape(), d, (int) wrapped.numel());
        scatterKernel(ScatterReduce.NONE, true, dst, layout1(dst), d, wrapped, alongDim(wrapped, shape, d), value,
                repeated(value, shape));
    }

    static Tensor indexFill(Tensor self, int dim, Tensor index, double value) {
        if (self.dtype.isComplex()) return ComplexIndexing.indexFill(self, dim, index, new Complex(value, 0));
        Tensor wrapped = checkIndexFill(self, dim, index, value);
        int d = Shapes.wrapDim(dim, rank1(self));
        Tensor v = scalarOf(value, self.dtype, self.device);
        Tensor out = copyOf(self);
        indexFillInto(out, d, wrapped, v);
        return ArithmeticOps.record(out, "IndexFillBackward0", new Tensor[] {self}, node -> {
            SavedTensor si = node.save(index);
            return g -> new Tensor[] {indexFill(g, d, si.get(), 0.0)};
        });
    }

    static Tensor indexFill(Tensor self, int dim, Tensor index, Tensor value) {
        if (ComplexIndexing.any(self, value)) return ComplexIndexing.indexFill(self, dim, index, value);
        checkFillValue(value);
        Tensor wrapped = checkIndexFill(self, dim, index);
        int d = Shapes.wrapDim(dim, rank1(self));
        Tensor v = scalarOf(value, self.dtype, self.device);
        Tensor out = copyOf(self);
        indexFillInto(out, d, wrapped, v);
        int[] in = self.shape;
        return ArithmeticOps.record(out, "IndexFillBackward1", new Tensor[] {self, value}, node -> {
            SavedTensor si = node.save(index);
            return g -> {
                Tensor i = si.get();
                Tensor gv = null;
                if (node.needsInputGrad(1)) {
                    // grad.index_select(dim, unique(index)).sum(): each filled slice once
                    Tensor filled = indexFill(Creation.zeros(in, DType.BOOL, g.device), d, i, 1.0);
                    gv = Tensor.where(filled, g, 0.0).sum();
                }
                return new Tensor[] {node.needsInputGrad(0) ? indexFill(g, d, i, 0.0) : null, gv};
            };
        });
    }

    static Tensor indexFill_(Tensor self, int dim, Tensor index, double value) {
        if (self.dtype.isComplex()) return InplaceOps.inplace(self, List.of(), old -> indexFill(old, dim, index, value));
        InplaceOps.checkInplace(self, List.of(), false);
        Tensor wrapped = checkIndexFill(self, dim, index, value);
        int d = Shapes.wrapDim(dim, rank1(self));
        if (InplaceOps.hasSelfOverlap(self)) {
            return maskedFill_(self, filledPositions(self, d, index), value);
        }
        InplaceOps.checkInplace(self, List.of());
        Tensor v = scalarOf(value, self.dtype, self.device);
        return inplace(self, List.of(), old -> indexFill(old, d, index, value), () -> indexFillInto(self, d, wrapped, v),
                index);
    }

    static Tensor indexFill_(Tensor self, int dim, Tensor index, Tensor value) {
        if (ComplexIndexing.any(self, value)) return InplaceOps.inplace(self, List.of(value), old -> indexFill(old, dim, index, value));
        InplaceOps.checkInplace(self, List.of(value), false);
        checkFillValue(value);
        Tensor wrapped = checkIndexFill(self, dim, index);
        int d = Shapes.wrapDim(dim, rank1(self));
        if (InplaceOps.hasSelfOverlap(self)) {
            return maskedFill_(self, filledPositions(self, d, index), value);
        }
        InplaceOps.checkInplace(self, List.of(value));
        Tensor v = scalarOf(value, self.dtype, self.device);
        return inplace(self, List.of(value), old -> indexFill(old, d, index, value),
                () -> indexFillInto(self, d, wrapped, v), index);
    }

    /**
     * index_fill_ into an expanded {@code self}: PyTorch only warns ("Use of index_fill_ on expanded tensors is
     * deprecated") and its kernel writes the value at the indexed positions, so an element gets it wherever one of its
     * aliases is indexed: here as masked_fill_ (which writes no alias twice) with the indexed positions as the mask.
     */
    private static Tensor filledPositions(Tensor self, int d, Tensor index) {
        try (GradMode off = Ember.noGrad()) {
            return indexFill(Creation.zeros(self.shape, DType.BOOL, self.device), d, index, 1.0);
        }
    }

    // ------------------------------------------------------------------ take, take_along_dim

    static Tensor take(Tensor self, Tensor index) {
        if (self.dtype.isComplex()) return ComplexIndexing.take(self, index);
        requireLong(index, "take(): Expected a long tensor for index, but got " + Format.scalarType(index.dtype), false);
        ArithmeticOps.checkSameDevice(self, index);
        long numel = self.numel();
        if (numel == 0 && index.numel() != 0) {
            throw new IndexOutOfBoundsException("take(): tried to take from an empty tensor");
        }
        Tensor wrapped = linearIndex(new Tensor[] {index}, index.shape, new long[] {numel},
                "out of range: tried to access index %1$d on a tensor of %3$d elements.", self.device);
        Tensor flat;
        try (GradMode off = Ember.noGrad()) {
            flat = self.reshape(-1);
        }
        int n = (int) index.numel();
        Tensor out = gatherKernel(flat, flat.layout, 0, wrapped, Layout.contiguous(n), index.shape);
        int[] in = self.shape;
        return ArithmeticOps.record(out, "TakeBackward0", new Tensor[] {self}, node -> {
            SavedTensor sw = node.save(wrapped);
            // take_backward: zeros_like(self).put_(index, grad, accumulate=true)
            return g -> new Tensor[] {indexAdd(Creation.zeros(new int[] {(int) Layout.numel(in)}, g.dtype, g.device), 0,
                    sw.get().reshape(-1), g.reshape(-1), 1).view(in)};
        });
    }

    /**
     * {@code torch.put(self, index, source, accumulate)}: a copy of {@code self} with {@code source}'s elements written
     * (or, with {@code accumulate}, added) at {@code index} of the flattened tensor, negative indices counting from the
     * end; PyTorch's {@code clone().put_()}, so its checks and messages are put_'s and its node is PutBackward0
     * (derivatives.yaml: self gets the gradient, with the written positions zeroed unless accumulating; source gets
     * {@code grad.take(index)}). Without {@code accumulate} (or on a device) it has no deterministic form, as PyTorch's.
     */
    static Tensor put(Tensor self, Tensor index, Tensor source, boolean accumulate) {
        if (ComplexIndexing.any(self, source)) return ComplexIndexing.put(self, index, source, accumulate);
        if (!accumulate || !self.device.isCpu()) {
            Determinism.alertNotDeterministic("put_");
        }
        // a RuntimeError in PyTorch (put_'s TORCH_CHECK, 1.13 and 2.x), not take's IndexError
        requireLong(index, "put_(): Expected a long tensor for index, but got " + Format.scalarType(index.dtype), false);
        if (self.dtype != source.dtype) {
            throw new IllegalArgumentException("put_(): self and source expected to have the same dtype, but got self.dtype = "
                    + Format.scalarType(self.dtype) + " and source.dtype = " + Format.scalarType(source.dtype));
        }
        if (!self.device.equals(source.device) || !self.device.equals(index.device)) {
            throw new IllegalArgumentException("put_(): self, index and source expected to be in the same device, but got "
                    + "self.device = " + self.device + ", index.device = " + index.device + ", and source.device = "
                    + source.device);
        }
        if (source.numel() != index.numel()) {
            throw new IndexOutOfBoundsException("put_(): Expected source and index to have the same number of elements, but "
                    + "got source.numel() = " + source.numel() + ", index.numel() = " + index.numel());
        }
        long numel = self.numel();
        if (numel == 0 && index.numel() != 0) {
            throw new IndexOutOfBoundsException("put_(): Tried to put elements into an empty tensor");
        }
        Tensor wrapped = linearIndex(new Tensor[] {index}, index.shape, new long[] {numel},
                "out of range: tried to access index %1$d on a tensor of %3$d elements.", self.device);
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            Tensor flat = self.reshape(-1);
            Tensor at = wrapped.reshape(-1);
            Tensor values = source.reshape(-1);
            out = (accumulate ? indexAdd(flat, 0, at, values, 1) : indexCopy(flat, 0, at, values)).view(self.shape);
        }
        int[] sourceShape = source.shape;
        return ArithmeticOps.record(out, "PutBackward0", new Tensor[] {self, source}, node -> {
            SavedTensor si = node.save(wrapped);
            return g -> {
                Tensor at = si.get();
                Tensor gs = !node.needsInputGrad(0) ? null
                        : accumulate ? g : put(g, at, Creation.zeros(sourceShape, g.dtype, g.device), false);
                Tensor gsrc = node.needsInputGrad(1) ? take(g, at).reshape(sourceShape) : null;
                return new Tensor[] {gs, gsrc};
            };
        });
    }

    /** {@code self.put_(index, source, accumulate)}: {@link #put} written into {@code self}, its history rebased. */
    static Tensor put_(Tensor self, Tensor index, Tensor source, boolean accumulate) {
        return InplaceOps.inplace(self, List.of(source), old -> put(old, index, source, accumulate));
    }

    /** PyTorch's take_along_dim with a dim: both broadcast, then a gather (GatherBackward0). */
    static Tensor takeAlongDim(Tensor self, Tensor indices, int dim) {
        checkTakeAlongDimDevice(self, indices);
        if (self.dim() != indices.dim()) {
            throw new IllegalArgumentException("torch.take_along_dim(): input and indices should have the same number of "
                    + "dimensions, but got " + self.dim() + " dimensions for input, and " + indices.dim()
                    + " dimensions for indices");
        }
        if (indices.dtype != DType.INT64) {
            throw new IllegalArgumentException("torch.take_along_dim(): dtype of indices should be Long but got "
                    + Format.scalarType(indices.dtype));
        }
        int d = Shapes.wrapDim(dim, self.dim());
        int[] selfSizes = withSize(self.shape, d, size1(indices, d));
        Tensor indicesBroadcast = indices.expand(Shapes.broadcast(selfSizes, indices.shape));
        int[] indicesSizes = withSize(indices.shape, d, size1(self, d));
        Tensor selfBroadcast = self.expand(Shapes.broadcast(indicesSizes, self.shape));
        return gather(selfBroadcast, d, indicesBroadcast);
    }

    /** take_along_dim without a dim: over the flattened input, {@code self.view(-1).gather(0, indices.view(-1))}. */
    static Tensor takeAlongDim(Tensor self, Tensor indices) {
        checkTakeAlongDimDevice(self, indices);
        return gather(self.view(-1), 0, indices.view(-1));
    }

    private static void checkTakeAlongDimDevice(Tensor self, Tensor indices) {
        if (!indices.device.equals(self.device)) {
            throw new IllegalArgumentException("Expected tensor to have " + self.device + " Device, but got tensor with "
                    + indices.device + " Device (while checking arguments for torch.take_along_dim():)");
        }
    }

    // ------------------------------------------------------------------ advanced indexing: x[...] and x[...] = v

    /** What the basic entries (ints, slices, None, ellipsis) leave, and where the tensor entries apply. */
    private static final class Sliced {
        /** self after the basic entries: a view, with its nodes. */
        Tensor view;
        /** The tensor entries, each at the dimension of {@link #view} it starts at (a mask spans mask.dim() dims). */
        final List<Tensor> tensors = new ArrayList<>();
        final List<Integer> dims = new ArrayList<>();
    }

    private static int specifiedDims(Index[] indices) {
        int count = 0;
        for (Index ix : indices) {
            switch (ix.kind) {
                case INT:
                case SLICE:
                    count++;
                    break;
                case TENSOR:
                    count += ix.tensor.dtype == DType.BOOL || ix.tensor.dtype == DType.UINT8 ? ix.tensor.dim() : 1;
                    break;
                default:
                    break;
            }
        }
        return count;
    }

    /** PyTorch's applySelect: an int index, wrapped, with its messages. */
    private static Tensor applySelect(Tensor t, int dim, long index, int realDim) {
        if (index == 0 && dim == 0 && t.dim() == 0) {
            throw new IndexOutOfBoundsException("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                    + "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number");
        }
        long size = t.dim() == 0 ? 0 : t.shape[dim];
        if (!(index >= -size && index < size)) {
            throw new IndexOutOfBoundsException("index " + index + " is out of bounds for dimension " + realDim
                    + " with size " + size);
        }
        return t.select(dim, (int) index);
    }

    /**
     * PyTorch's applySlice: Python's slice adjusted to the dimension. In a tuple, a slice written {@code 0:size} (its
     * bounds as given, before adjusting, so not {@code :}) is no op, as PyTorch skips it.
     */
    private static Tensor applySlice(Tensor t, int dim, Index ix, boolean optimize) {
        int step = ix.step == null ? 1 : ix.step;
        if (ix.step != null && step == 0) {
            throw new IllegalArgumentException("slice step cannot be zero");
        }
        if (step <= 0) {
            throw new IllegalArgumentException("step must be greater than zero");
        }
        if (t.dim() == 0) {
            throw new IllegalArgumentException("slice() cannot be applied to a 0-dim tensor.");
        }
        long length = t.shape[dim];
        if (optimize && (ix.start == null || ix.start == 0) && ix.end != null && ix.end == length && step == 1) {
            return t;
        }
        long start = adjust(ix.start == null ? 0 : ix.start, length);
        long end = adjust(ix.end == null ? Long.MAX_VALUE : ix.end, length);
        return t.slice(dim, (int) start, (int) Math.max(start, end), step);
    }

    /** PySlice_AdjustIndices for a positive step: negative counts from the end, then clamped to [0, length]. */
    private static long adjust(long v, long length) {
        if (v < 0) {
            v += length;
            return v < 0 ? 0 : v;
        }
        return Math.min(v, length);
    }

    /** PyTorch's applySlicing: the basic entries applied as views, the tensor entries recorded where they apply. */
    private static Sliced applySlicing(Tensor self, Index[] indices) {
        int specified = specifiedDims(indices);
        if (specified > self.dim()) {
            throw new IndexOutOfBoundsException("too many indices for tensor of dimension " + self.dim());
        }
        Sliced s = new Sliced();
        Tensor result = self;
        int dim = 0;
        for (int i = 0; i < indices.length; i++) {
            Index ix = indices[i];
            switch (ix.kind) {
                case INT:
                    result = applySelect(result, dim, ix.value, i);
                    break;
                case SLICE:
                    result = applySlice(result, dim, ix, true);
                    dim++;
                    break;
                case NEW_AXIS:
                    result = result.unsqueeze(dim);
                    dim++;
                    break;
                case ELLIPSIS:
                    dim += self.dim() - specified;
                    break;
                default: {
                    Tensor t = ix.tensor;
                    if (t.dim() == 0 && (t.dtype == DType.INT64 || t.dtype == DType.INT32)) {
                        result = applySelect(result, dim, t.longItem(), i);
                    } else if (t.dim() == 0 && (t.dtype == DType.BOOL || t.dtype == DType.UINT8)) {
                        // a 0-dim mask adds a dimension of size 1, indexed by [0] (true) or [] (false)
                        result = result.unsqueeze(dim);
                        boolean on = t.toBooleanArray()[0];
                        s.tensors.add(Creation.fromFlat(on ? new long[] {0} : new long[0], new int[] {on ? 1 : 0},
                                DType.INT64, self.device));
                        s.dims.add(dim);
                        dim++;
                    } else {
                        s.tensors.add(t);
                        s.dims.add(dim);
                        dim += t.dtype == DType.BOOL || t.dtype == DType.UINT8 ? t.dim() : 1;
                    }
                }
            }
        }
        s.view = result;
        return s;
    }

    /**
     * The index tensors of {@link Sliced} as PyTorch's make_info prepares them: types checked, masks replaced by the
     * coordinates of their true elements, all broadcast together; one entry per dimension of the view (null where not
     * indexed).
     */
    private static Tensor[] expandIndices(Tensor view, Sliced s) {
        for (Tensor t : s.tensors) {
            if (t.dtype != DType.INT64 && t.dtype != DType.INT32 && t.dtype != DType.UINT8 && t.dtype != DType.BOOL) {
                throw new IndexOutOfBoundsException("tensors used as indices must be long, int, byte or bool tensors");
            }
        }
        List<Tensor> flat = new ArrayList<>();
        Tensor[] perDim = new Tensor[view.dim()];
        for (int k = 0; k < s.tensors.size(); k++) {
            Tensor t = s.tensors.get(k);
            int at = s.dims.get(k);
            if (!t.device.equals(view.device)) {
                if (!t.device.isCpu()) {
                    throw new IllegalArgumentException("indices should be either on cpu or on the same device as the indexed "
                            + "tensor (" + view.device + ")");
                }
                t = t.to(view.device);
            }
            if (t.dtype == DType.UINT8) {
                // a uint8 index is a mask (deprecated in PyTorch 2.x, which warns and reads it as bool)
                t = t.ne(0L);
            } else if (t.dtype == DType.INT32) {
                t = longIndex(t);
            }
            if (t.dtype == DType.BOOL) {
                checkMaskShape(t, view, at);
                Tensor nz = nonzero(t);
                for (int j = 0; j < t.dim(); j++) {
                    perDim[at + j] = nz.select(1, j);
                    flat.add(perDim[at + j]);
                }
            } else {
                perDim[at] = t;
                flat.add(t);
            }
        }
        int[] shape = flat.get(0).shape;
        try {
            for (Tensor t : flat) {
                shape = Shapes.broadcast(shape, t.shape);
            }
        } catch (IllegalArgumentException e) {
            StringBuilder shapes = new StringBuilder();
            for (Tensor t : flat) {
                shapes.append(shapes.length() == 0 ? "" : ", ").append(Shapes.str(t.shape));
            }
            throw new IndexOutOfBoundsException("shape mismatch: indexing tensors could not be broadcast together with "
                    + "shapes " + shapes);
        }
        for (int i = 0; i < perDim.length; i++) {
            if (perDim[i] != null && !Arrays.equals(perDim[i].shape, shape)) {
                try (GradMode off = Ember.noGrad()) {
                    perDim[i] = perDim[i].expand(shape);
                }
            }
        }
        return perDim;
    }

    /**
     * PyTorch's AdvancedIndex over a tensor and its per-dimension indices (all broadcast to one shape): the indexed
     * dimensions made adjacent (moved to the front when they are not), the result's shape, and the linear index into the
     * indexed block.
     */
    private static final class Advanced {
        /** The indexed tensor, permuted so the indexed dimensions are adjacent (a view without history). */
        final Tensor src;
        /** The permutation applied (null when none was needed). */
        final int[] perm;
        final int before;
        final int count;
        /** The broadcast shape of the indices. */
        final int[] indexShape;
        /** The shape of {@code x[indices]}, in the permuted order. */
        final int[] resultShape;
        final Tensor[] indices;
        final long[] sizes;

        Advanced(Tensor self, Tensor[] perDim) {
            List<Integer> indexed = new ArrayList<>();
            for (int i = 0; i < perDim.length; i++) {
                if (perDim[i] != null) {
                    indexed.add(i);
                }
            }
            boolean adjacent = indexed.get(indexed.size() - 1) - indexed.get(0) == indexed.size() - 1;
            Tensor t = self;
            int[] order = null;
            if (!adjacent) {
                order = new int[self.dim()];
                int k = 0;
                for (int i : indexed) {
                    order[k++] = i;
                }
                for (int i = 0; i < self.dim(); i++) {
                    if (perDim[i] == null) {
                        order[k++] = i;
                    }
                }
                try (GradMode off = Ember.noGrad()) {
                    t = self.detach().permute(order);
                }
            }
            this.src = t;
            this.perm = order;
            this.before = adjacent ? indexed.get(0) : 0;
            this.count = indexed.size();
            this.indices = new Tensor[count];
            this.sizes = new long[count];
            for (int k = 0; k < count; k++) {
                int i = indexed.get(k);
                indices[k] = perDim[i];
                sizes[k] = self.shape[i];
            }
            this.indexShape = indices[0].shape;
            boolean emptyDim = false;
            for (long s : sizes) {
                emptyDim |= s == 0;
            }
            if (emptyDim && Layout.numel(indexShape) != 0) {
                throw new IndexOutOfBoundsException("index is out of bounds for dimension with size 0");
            }
            int[] shape = src.shape;
            int after = shape.length - before - count;
            int[] r = new int[before + indexShape.length + after];
            System.arraycopy(shape, 0, r, 0, before);
            System.arraycopy(indexShape, 0, r, before, indexShape.length);
            System.arraycopy(shape, before + count, r, before + indexShape.length, after);
            this.resultShape = r;
        }

        /** The linear index into the indexed block, checked (nothing is checked when nothing is read or written). */
        Tensor linear() {
            if (Layout.numel(resultShape) == 0) {
                return Creation.empty(indexShape, DType.INT64, src.device);
            }
            return linearIndex(indices, indexShape, sizes, "index %1$d is out of bounds for dimension %2$d with size %3$d",
                    src.device);
        }

        /** {@code shape} with the indexed block of {@link #src} merged into one dimension of size {@code n}. */
        int[] blockShape(int[] shape, int n) {
            int after = shape.length - before - count;
            int[] b = new int[before + 1 + after];
            System.arraycopy(shape, 0, b, 0, before);
            b[before] = n;
            System.arraycopy(shape, before + count, b, before + 1, after);
            return b;
        }

        /** The result's shape with the index dims merged: {@code [before..., nB, after...]}. */
        int[] flatResultShape() {
            int[] shape = resultShape;
            int after = shape.length - before - indexShape.length;
            int[] b = new int[before + 1 + after];
            System.arraycopy(shape, 0, b, 0, before);
            b[before] = (int) Layout.numel(indexShape);
            System.arraycopy(shape, before + indexShape.length, b, before + 1, after);
            return b;
        }

        /** The sizes of the indexed dimensions. */
        int[] sizesAsInts() {
            return toInts(sizes);
        }

        /** A permuted-order tensor back in self's order. */
        Tensor unpermute(Tensor t) {
            if (perm == null) {
                return t;
            }
            int[] inverse = new int[perm.length];
            for (int i = 0; i < perm.length; i++) {
                inverse[perm[i]] = i;
            }
            return t.permute(inverse);
        }
    }

    /** {@code self[indices]} for per-dimension indices already expanded and broadcast: a copy (IndexBackward0). */
    static Tensor indexTensors(Tensor self, Tensor[] perDim) {
        if (self.dtype.isComplex()) return ComplexIndexing.indexTensors(self, perDim);
        Advanced a = new Advanced(self, perDim);
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            Tensor lin = a.linear();
            int[] flatShape = a.flatResultShape();
            Tensor block = a.src.reshape(a.blockShape(a.src.shape, (int) Layout.numel(a.sizesAsInts())));
            Tensor flatIndex = lin.reshape(-1);
            Layout idx = alongDim(flatIndex, flatShape, a.before);
            out = gatherKernel(block, block.layout, a.before, flatIndex, idx, a.resultShape);
        }
        int[] in = self.shape;
        return ArithmeticOps.record(out, "IndexBackward0", new Tensor[] {self}, node -> {
            SavedTensor[] saved = saveAll(node, perDim);
            // index_backward: zeros_like(self).index_put_(indices, grad, accumulate=true)
            return g -> new Tensor[] {indexPutTensors(Creation.zeros(in, g.dtype, g.device), restore(saved), g, true)};
        });
    }

    private static SavedTensor[] saveAll(Node node, Tensor[] perDim) {
        SavedTensor[] saved = new SavedTensor[perDim.length];
        for (int i = 0; i < perDim.length; i++) {
            saved[i] = perDim[i] == null ? null : node.save(perDim[i]);
        }
        return saved;
    }

    private static Tensor[] restore(SavedTensor[] saved) {
        Tensor[] out = new Tensor[saved.length];
        for (int i = 0; i < saved.length; i++) {
            out[i] = saved[i] == null ? null : saved[i].get();
        }
        return out;
    }

    /** index_put's checks: the values must broadcast to the indexed result and have self's type. */
    private static void checkPutValues(Advanced a, Tensor values, DType selfType) {
        if (!Shapes.expandable(values.shape, a.resultShape)) {
            throw new IllegalArgumentException("shape mismatch: value tensor of shape " + Shapes.str(values.shape)
                    + " cannot be broadcast to indexing result of shape " + Shapes.str(a.resultShape));
        }
        if (values.dtype != selfType) {
            throw new IllegalArgumentException("Index put requires the source and destination dtypes match, got "
                    + Format.scalarType(selfType) + " for the destination and " + Format.scalarType(values.dtype)
                    + " for the source.");
        }
    }

    /**
     * Writes (or adds) values at the indices into {@code dst}'s storage seen through {@code target}: {@code a}'s permuted
     * order with the indexed block merged into one dimension.
     */
    private static void putInto(Advanced a, Tensor dst, Layout target, Tensor lin, Tensor values, boolean accumulate) {
        int[] flatShape = a.flatResultShape();
        if (Layout.numel(flatShape) == 0) {
            return;
        }
        Tensor v;
        try (GradMode off = Ember.noGrad()) {
            v = values.expand(a.resultShape).reshape(flatShape);
        }
        Tensor flatIndex = lin.reshape(-1);
        scatterKernel(accumulate ? ScatterReduce.SUM : ScatterReduce.NONE, true, dst, target, a.before, flatIndex,
                alongDim(flatIndex, flatShape, a.before), v, v.layout);
    }

    /**
     * {@code self.index_put(indices, values, accumulate)} for per-dimension indices already expanded: a copy of self
     * with the values written (or added) at the indices (IndexPutBackward0).
     */
    static Tensor indexPutTensors(Tensor self, Tensor[] perDim, Tensor values, boolean accumulate) {
        if (ComplexIndexing.any(self, values)) return ComplexIndexing.indexPutTensors(self, perDim, values, accumulate);
        Advanced a = new Advanced(self, perDim);
        checkPutValues(a, values, self.dtype);
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            Tensor lin = a.linear();
            Tensor dst = copyOf(a.src);
            putInto(a, dst, Layout.contiguous(a.blockShape(dst.shape, (int) Layout.numel(a.sizesAsInts()))), lin, values,
                    accumulate);
            out = a.perm == null ? dst : a.unpermute(dst).contiguous();
            if (out != dst) {
                out = out.detach();
            }
            // PyTorch writes into self.clone(preserve_format): the result keeps self's strides where they are
            // non-overlapping and dense, otherwise dense strides in their order
            int[] preserved = ShapeOps.preservedStrides(self.shape, self.layout.strides());
            if (!Arrays.equals(preserved, out.layout.strides())) {
                Tensor laid = Creation.emptyStrided(out.shape, preserved, out.dtype, out.device);
                laid.backend.copy(out.storage(), out.layout, laid.storage(), laid.layout);
                out = laid;
            }
        }
        return ArithmeticOps.record(out, "IndexPutBackward0", new Tensor[] {self, values}, node -> {
            SavedTensor[] saved = saveAll(node, perDim);
            int[] valueShape = values.shape;
            DType valueType = values.dtype;
            return g -> {
                Tensor[] idx = restore(saved);
                Tensor gs = null;
                if (node.needsInputGrad(0)) {
                    // accumulate ? grad : grad.index_put(indices, zeros_like(values), false)
                    gs = accumulate ? g : indexPutTensors(g, idx, Creation.zeros(valueShape, valueType, g.device), false);
                }
                return new Tensor[] {gs, node.needsInputGrad(1) ? indexTensors(g, idx) : null}; // values: grad.index(indices)
            };
        });
    }

    /** The indices' sizes as ints (each a dimension's size). */
    private static int[] toInts(long[] v) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (int) v[i];
        }
        return out;
    }

    /** {@code self[indices]}: views for ints, slices, None and ellipsis; a copy when a tensor index takes part. */
    static Tensor index(Tensor self, Index[] indices) {
        for (int i = 0; i < indices.length; i++) {
            if (indices[i] == null) {
                throw new IllegalArgumentException("index(): argument 'indices' must be a list of Index, but element " + i
                        + " is null");
            }
        }
        if (indices.length == 1) {
            // PyTorch's single-entry fast paths (x[i], x[a:b], x[None], x[...])
            Index ix = indices[0];
            switch (ix.kind) {
                case INT:
                    if (self.dim() == 0 && ix.value != 0) {
                        throw new IndexOutOfBoundsException("index " + ix.value + " is out of bounds for dimension 0 with size 0");
                    }
                    return applySelect(self, 0, ix.value, 0);
                case SLICE:
                    return applySlice(self, 0, ix, false);
                case NEW_AXIS:
                    return self.unsqueeze(0);
                case ELLIPSIS:
                    return ViewOps.alias(self, "AliasBackward0");
                default:
                    break;
            }
        }
        Sliced s = applySlicing(self, indices);
        if (s.tensors.isEmpty()) {
            return s.view == self ? ViewOps.alias(self, "AliasBackward0") : s.view;
        }
        Tensor masked = maskIndex(s);
        if (masked != null) {
            return masked;
        }
        Tensor[] perDim = expandIndices(s.view, s);
        return indexTensors(s.view, perDim);
    }

    /**
     * {@code view[mask]} for a lone bool (or uint8) mask of at least one dimension on the view's device, where nothing
     * records history and the values are real: the linear positions of the mask's true elements
     * ({@link #truePositions}, as masked_select takes them) index the view's masked dimensions merged into one. These
     * are the linear indices {@link #indexTensors} computes from nonzero's coordinates ({@link Advanced#linear}), so the
     * same elements are copied in the same order; what goes is the {@code [n, mask.dim()]} int64 coordinates and the
     * pass that combines them (for the op sweep's [16, 128, 512] mask, about half true: 12.6 MB of coordinates written
     * and read again besides the 4 MB index). {@code -Dember.index.maskCoordinates=true} (read per call) keeps the
     * coordinates, as before session 59. Returns null where it does not apply; the checks are expandIndices' own.
     */
    private static Tensor maskIndex(Sliced s) {
        if (s.tensors.size() != 1 || Boolean.getBoolean("ember.index.maskCoordinates")) {
            return null;
        }
        Tensor view = s.view;
        Tensor t = s.tensors.get(0);
        if (t.dtype != DType.BOOL && t.dtype != DType.UINT8 || t.dim() == 0 || !t.device.equals(view.device)
                || view.dtype.isComplex() || ArithmeticOps.needsGrad(view)) {
            return null;
        }
        int at = s.dims.get(0);
        Tensor mask = t.dtype == DType.UINT8 ? t.ne(0L) : t; // a uint8 index is a mask, as in expandIndices
        checkMaskShape(mask, view, at);
        int m = mask.dim();
        try (GradMode off = Ember.noGrad()) {
            Tensor positions = truePositions(mask, mask.shape);
            int n = positions.shape[0];
            int[] block = new int[view.dim() - m + 1];
            int[] result = new int[block.length];
            for (int i = 0; i < block.length; i++) {
                int d = i < at ? i : i + m - 1;
                block[i] = i == at ? (int) mask.numel() : view.shape[d];
                result[i] = i == at ? n : view.shape[d];
            }
            Tensor b = view.reshape(block);
            return gatherKernel(b, b.layout, at, positions, alongDim(positions, result, at), result);
        }
    }

    /** PyTorch's check that a mask's sizes are those of the dimensions it indexes, from {@code at} on. */
    private static void checkMaskShape(Tensor mask, Tensor view, int at) {
        for (int j = 0; j < mask.dim(); j++) {
            if (at + j >= view.dim() || mask.shape[j] != view.shape[at + j]) {
                throw new IndexOutOfBoundsException("The shape of the mask " + Shapes.str(mask.shape) + " at index " + j
                        + " does not match the shape of the indexed tensor " + Shapes.str(view.shape) + " at index "
                        + (at + j));
            }
        }
    }

    /**
     * {@code self[indices] = values} (accumulating when asked), in place: the basic entries select a view of self, the
     * tensor entries are written through index_put; without tensor entries it is a copy into the view. On a tensor that
     * records history the write is recorded (IndexPutBackward0, or CopySlices through a view).
     */
    static Tensor indexPut_(Tensor self, Index[] indices, Tensor values, boolean accumulate) {
        for (int i = 0; i < indices.length; i++) {
            if (indices[i] == null) {
                throw new IllegalArgumentException("index_put_(): argument 'indices' must be a list of Index, but element "
                        + i + " is null");
            }
        }
        return indexPut_(self, indices, values, accumulate, true);
    }

    /**
     * PyTorch's {@code index_put_(indices, values, accumulate)} itself: {@code indices} holds a tensor per dimension from
     * the first, null for a whole dimension (Python's None); the values are taken as given, so values of shape
     * {@code [1, 5]} that do not broadcast to the indexed result are refused with that shape ({@code x[...] = v},
     * {@link #indexPut_(Tensor, Index[], Tensor, boolean)}, first drops their leading size-1 dimensions).
     */
    static Tensor indexPutTensors_(Tensor self, Tensor[] indices, Tensor values, boolean accumulate) {
        Index[] ix = new Index[indices.length];
        for (int i = 0; i < indices.length; i++) {
            ix[i] = indices[i] == null ? Index.all() : Index.of(indices[i]);
        }
        return indexPut_(self, ix, values, accumulate, false);
    }

    /** {@link #indexPut_(Tensor, Index[], Tensor, boolean)}; {@code setitem}: the values as {@code x[...] = v} takes them. */
    private static Tensor indexPut_(Tensor self, Index[] indices, Tensor values, boolean accumulate, boolean setitem) {
        Sliced s = applySlicing(self, indices);
        Tensor view = s.view;
        Tensor given = values;
        if (!accumulate && setitem) {
            // x[...] = v: PyTorch's setitem views the value without its leading size-1 dimensions (slicePrefix1sSize)
            values = dropLeadingOnes(values);
        }
        if (s.tensors.isEmpty()) {
            // only ints, slices, None and ellipsis: the values go into a view (CopySlices when it records), as PyTorch's
            // copy_to: copy_ of the same shape, fill_ of a 0-dim CPU value (as given: a [1] value is copied, so an
            // overlapping view is refused), else copy_ of the value (without its leading ones) expanded to the view
            // (expand's message when it cannot be)
            if (accumulate) {
                view.add_(values);
            } else if (Arrays.equals(given.shape, view.shape)) {
                view.copy_(given);
            } else if (given.dim() == 0 && given.device.isCpu()) {
                InplaceOps.fillTensor_(view, given);
            } else {
                view.copy_(values.expand(view.shape));
            }
            return self;
        }
        boolean maskedFill = !accumulate && values.numel() == 1 && values.device.isCpu() && s.tensors.size() == 1
                && (s.tensors.get(0).dtype == DType.BOOL || s.tensors.get(0).dtype == DType.UINT8);
        Tensor asGiven = values;
        if (maskedFill) {
            // one mask and a one-element value: PyTorch's index_put_ writes it with masked_fill_(mask, value.item()),
            // which converts the value to any type (the dtype check below is for the other forms), checked as a Scalar
            values = ArithmeticOps.cast(values, view.dtype);
        }
        Tensor v = values;
        if (!v.device.equals(view.device) && v.dim() == 0 && v.device.isCpu()) {
            v = v.to(view.device); // a 0-dim CPU value goes with a tensor on any device, as PyTorch moves it
        }
        // autograd's checks first; PyTorch's index_put_ then checks the indices and values (make_info, the iterator,
        // the kernel's bounds) and only warns about an overlapping self, which Ember refuses after those checks
        InplaceOps.checkInplace(view, List.of(v), false);
        if (maskedFill) {
            ArithmeticOps.checkValueTensorFits(asGiven, view.dtype);
        } else {
            // index_put_'s assert_no_overlap of self with the value and with each index (x[i] = x is refused)
            InplaceOps.checkNoOverlap(view, v);
            for (Tensor ix : s.tensors) {
                InplaceOps.checkNoOverlap(view, ix);
            }
        }
        Tensor[] perDim = expandIndices(view, s);
        Advanced a = new Advanced(view, perDim);
        checkPutValues(a, v, view.dtype);
        ArithmeticOps.checkSameDevice(view, v);
        Tensor lin;
        try (GradMode off = Ember.noGrad()) {
            lin = a.linear();
        }
        InplaceOps.checkNoSelfOverlap(view);
        Tensor value = v;
        int[] block = a.blockShape(view.shape, (int) Layout.numel(a.sizesAsInts()));
        int[] blockStrides = a.perm == null ? Shapes.viewStrides(view.shape, view.layout.strides(), block) : null;
        Runnable direct = blockStrides == null ? null : () -> {
            // straight into self's storage, through the indexed block merged into one dimension
            Layout target = new Layout(block, blockStrides, view.layout.offset());
            putInto(a, view, target, lin, value, accumulate);
        };
        inplace(view, List.of(value), old -> indexPutTensors(old, perDim, value, accumulate), direct);
        return self;
    }

    /** {@code v} viewed without its leading dimensions of size 1 (PyTorch's slicePrefix1sSize); itself without any. */
    private static Tensor dropLeadingOnes(Tensor v) {
        int k = 0;
        while (k < v.dim() && v.shape[k] == 1) {
            k++;
        }
        return k == 0 ? v : v.view(Arrays.copyOfRange(v.shape, k, v.dim()));
    }

    /**
     * {@code self.index_put(indices, values, accumulate)} out of place: one {@code IndexPutBackward0} node when the
     * entries are tensors, full slices and ellipses (PyTorch's index_put, whose indices are tensors or None); otherwise a
     * clone written in place.
     */
    static Tensor indexPut(Tensor self, Index[] indices, Tensor values, boolean accumulate) {
        if (Autocast.on()) return Autocast.apply("index_put", t -> indexPut(t[0], indices, t[1], accumulate),
                self, values);
        boolean tensors = false;
        boolean simple = true;
        for (int i = 0; i < indices.length; i++) {
            Index ix = indices[i];
            if (ix == null) {
                throw new IllegalArgumentException("index_put(): argument 'indices' must be a list of Index, but element "
                        + i + " is null");
            }
            tensors |= ix.kind == Index.Kind.TENSOR;
            simple &= (ix.kind == Index.Kind.TENSOR && ix.tensor.dim() > 0) || ix.kind == Index.Kind.ELLIPSIS
                    || (ix.kind == Index.Kind.SLICE && ix.start == null && ix.end == null && ix.step == null);
        }
        if (tensors && simple) {
            // PyTorch's index_put: a tensor or None (here a full slice, or an ellipsis's run of them) per dimension
            int specified = specifiedDims(indices);
            if (specified > self.dim()) {
                throw new IndexOutOfBoundsException("too many indices for tensor of dimension " + self.dim());
            }
            Sliced s = new Sliced();
            s.view = self;
            int dim = 0;
            for (Index ix : indices) {
                if (ix.kind == Index.Kind.TENSOR) {
                    s.tensors.add(ix.tensor);
                    s.dims.add(dim);
                    dim += ix.tensor.dtype == DType.BOOL || ix.tensor.dtype == DType.UINT8 ? ix.tensor.dim() : 1;
                } else {
                    dim += ix.kind == Index.Kind.ELLIPSIS ? self.dim() - specified : 1;
                }
            }
            Tensor v = values;
            if (!v.device.equals(self.device) && v.dim() == 0 && v.device.isCpu()) {
                v = v.to(self.device);
            }
            ArithmeticOps.checkSameDevice(self, v);
            return indexPutTensors(self, expandIndices(self, s), v, accumulate);
        }
        Tensor copy = self.clone();
        indexPut_(copy, indices, values, accumulate);
        return copy;
    }

    /** A number as a 0-dim tensor of self's type and device, converted as PyTorch converts a written value. */
    static Tensor valueOf(Tensor self, double value) {
        return scalarOf(value, self.dtype, self.device);
    }

    /**
     * A Python int as a 0-dim value of {@code self}'s type: exact for int64 however large, PyTorch's checked conversion
     * ({@link ArithmeticOps#fillValue(long, DType)}) for the other types.
     */
    static Tensor valueOf(Tensor self, long value) {
        if (self.dtype == DType.INT64) {
            return Creation.fromFlat(new long[] {value}, new int[0], DType.INT64, self.device);
        }
        return scalarOf(ArithmeticOps.fillValue(value, self.dtype), self.dtype, self.device);
    }

    // ------------------------------------------------------------------ masked ops

    /** masked_fill_'s mask check; PyTorch names the type as C++ does (its TypeMeta): float, double, long int. */
    private static void requireBoolMask(Tensor mask) {
        if (mask.dtype != DType.BOOL) {
            String name = ArithmeticOps.cTypeName(mask.dtype);
            throw new IllegalArgumentException("masked_fill_ only supports boolean masks, but got mask with dtype " + name);
        }
    }

    private static void checkMaskedFillValue(Tensor value) {
        if (value.dim() != 0) {
            throw new IllegalArgumentException("masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                    + value.dim() + " dimension(s).");
        }
    }

    /** {@code where(mask, value, self)} into a new tensor of the broadcast shape (no history). */
    private static Tensor maskedFillKernel(Tensor self, Tensor mask, Tensor v) {
        int[] shape = Shapes.broadcast(mask.shape, self.shape);
        Tensor out = Creation.empty(shape, self.dtype, self.device);
        out.backend.where(mask.storage(), ArithmeticOps.expandedLayout(mask, shape), v.storage(), repeated(v, shape),
                self.storage(), ArithmeticOps.expandedLayout(self, shape), out.storage(), out.layout);
        return out;
    }

    static Tensor maskedFill(Tensor self, Tensor mask, double value) {
        if (self.dtype.isComplex()) return ComplexIndexing.maskedFill(self, mask, new Complex(value, 0));
        ArithmeticOps.checkSameDevice(self, mask);
        Shapes.broadcast(mask.shape, self.shape);
        requireBoolMask(mask);
        Tensor out = maskedFillKernel(self, mask, scalarOf(value, self.dtype, self.device));
        return ArithmeticOps.record(out, "MaskedFillBackward0", new Tensor[] {self}, node -> {
            SavedTensor sm = node.save(mask);
            return g -> new Tensor[] {maskedFill(g, sm.get(), 0.0)}; // grad.masked_fill(mask, 0)
        });
    }

    static Tensor maskedFill(Tensor self, Tensor mask, Tensor value) {
        if (ComplexIndexing.any(self, value)) return ComplexIndexing.maskedFill(self, mask, value);
        ArithmeticOps.checkSameDevice(self, mask);
        Shapes.broadcast(mask.shape, self.shape);
        checkMaskedFillValue(value);
        requireBoolMask(mask);
        Tensor out = maskedFillKernel(self, mask, scalarOf(value, self.dtype, self.device));
        return ArithmeticOps.record(out, "MaskedFillBackward1", new Tensor[] {self, value}, node -> {
            SavedTensor sm = node.save(mask);
            return g -> {
                Tensor m = sm.get();
                return new Tensor[] {
                    node.needsInputGrad(0) ? maskedFill(g, m, 0.0) : null,
                    // masked_fill_backward: grad.masked_select(mask).sum()
                    node.needsInputGrad(1) ? Tensor.where(m, g, 0.0).sum() : null};
            };
        });
    }

    /** masked_fill_'s check that the mask broadcasts to self (the output's shape). */
    private static void checkMaskFitsSelf(Tensor self, Tensor mask) {
        int[] b = Shapes.broadcast(self.shape, mask.shape);
        if (!Arrays.equals(b, self.shape)) {
            throw new IllegalArgumentException("output with shape " + Shapes.str(self.shape)
                    + " doesn't match the broadcast shape " + Shapes.str(b));
        }
    }

    static Tensor maskedFill_(Tensor self, Tensor mask, double value) {
        if (self.dtype.isComplex()) return InplaceOps.inplace(self, List.of(), old -> maskedFill(old, mask, value));
        InplaceOps.checkInplace(self, List.of(), false);
        ArithmeticOps.checkSameDevice(self, mask);
        requireBoolMask(mask);
        checkMaskFitsSelf(self, mask);
        Tensor v = scalarOf(value, self.dtype, self.device);
        if (InplaceOps.hasSelfOverlap(self)) {
            return maskedFillExpanded(self, mask, (t, m) -> maskedFill_(t, m, value));
        }
        return inplace(self, List.of(), old -> maskedFill(old, mask, value), () -> maskedFillInPlace(self, mask, v), mask);
    }

    static Tensor maskedFill_(Tensor self, Tensor mask, Tensor value) {
        if (ComplexIndexing.any(self, value)) return InplaceOps.inplace(self, List.of(value), old -> maskedFill(old, mask, value));
        InplaceOps.checkInplace(self, List.of(value), false);
        ArithmeticOps.checkSameDevice(self, mask);
        checkMaskedFillValue(value);
        requireBoolMask(mask);
        checkMaskFitsSelf(self, mask);
        Tensor v = scalarOf(value, self.dtype, self.device);
        if (InplaceOps.hasSelfOverlap(self)) {
            return maskedFillExpanded(self, mask, (t, m) -> maskedFill_(t, m, value));
        }
        return inplace(self, List.of(value), old -> maskedFill(old, mask, value), () -> maskedFillInPlace(self, mask, v),
                mask);
    }

    /**
     * masked_fill_ into an expanded {@code self}: PyTorch only warns ("Use of masked_fill_ on expanded tensors is
     * deprecated") and writes the value wherever one of an element's aliases is masked (its kernel writes only the masked
     * positions). The same here without aliased writes: self's expanded dimensions narrowed to their one element, the
     * mask reduced over them with {@code any}.
     */
    private static Tensor maskedFillExpanded(Tensor self, Tensor mask, java.util.function.BiFunction<Tensor, Tensor, Tensor> fill) {
        Tensor target = self;
        Tensor m;
        try (GradMode off = Ember.noGrad()) {
            m = mask.expand(self.shape);
            int[] st = self.layout.strides();
            for (int d = 0; d < st.length; d++) {
                if (st[d] == 0 && self.shape[d] > 1) {
                    m = m.any(new int[] {d}, true);
                }
            }
        }
        int[] st = self.layout.strides();
        for (int d = 0; d < st.length; d++) {
            if (st[d] == 0 && self.shape[d] > 1) {
                target = target.narrow(d, 0, 1);
            }
        }
        fill.apply(target, m);
        return self;
    }

    private static void maskedFillInPlace(Tensor self, Tensor mask, Tensor v) {
        self.backend.where(mask.storage(), ArithmeticOps.expandedLayout(mask, self.shape), v.storage(),
                repeated(v, self.shape), self.storage(), self.layout, self.storage(), self.layout);
    }

    /** The linear positions of the true elements of a mask broadcast to {@code shape}, int64 of shape [n]. */
    private static Tensor truePositions(Tensor mask, int[] shape) {
        try (GradMode off = Ember.noGrad()) {
            Tensor flat = mask.expand(shape).reshape(-1);
            Tensor nz = nonzero(flat);
            return nz.view(-1);
        }
    }

    static Tensor maskedSelect(Tensor self, Tensor mask) {
        MetaOps.refuseDataDependent("aten::masked_select", self, mask);
        if (self.dtype.isComplex()) return ComplexIndexing.maskedSelect(self, mask);
        if (mask.dtype != DType.BOOL) {
            throw new IllegalArgumentException("masked_select: expected BoolTensor or ByteTensor for mask");
        }
        ArithmeticOps.checkSameDevice(self, mask);
        int[] shape = Shapes.broadcast(mask.shape, self.shape);
        Tensor positions = truePositions(mask, shape);
        Tensor flat;
        try (GradMode off = Ember.noGrad()) {
            flat = self.expand(shape).reshape(-1);
        }
        int n = positions.shape[0];
        Tensor out = gatherKernel(flat, flat.layout, 0, positions, positions.layout, new int[] {n});
        return ArithmeticOps.record(out, "MaskedSelectBackward0", new Tensor[] {self}, node -> {
            SavedTensor sm = node.save(mask);
            // masked_select_backward: zeros_like(input.expand(broadcast)).masked_scatter_(mask, grad)
            return g -> new Tensor[] {maskedScatter(Creation.zeros(shape, g.dtype, g.device), sm.get(), g)};
        });
    }

    private static void checkMaskedScatter(Tensor self, Tensor mask, Tensor source) {
        if (self.dtype != source.dtype) {
            throw new IllegalArgumentException("masked_scatter: expected self and source to have same dtypes but got"
                    + Format.scalarType(self.dtype) + " and " + Format.scalarType(source.dtype));
        }
        ArithmeticOps.checkSameDevice(self, mask, source);
        if (mask.dim() > self.dim()) {
            // expand_inplace's error, in the words of PyTorch's C++ expand (CPUBoolType, not torch.BoolTensor)
            throw new IllegalArgumentException("expand(" + (mask.device.isCpu() ? "CPU" : "CUDA")
                    + Format.scalarType(mask.dtype) + "Type{" + Shapes.str(mask.shape) + "}, size=" + Shapes.str(self.shape)
                    + "): the number of sizes provided (" + self.dim() + ") must be greater or equal to the number of "
                    + "dimensions in the tensor (" + mask.dim() + ")");
        }
        try (GradMode off = Ember.noGrad()) {
            mask.expand(self.shape); // expand_inplace: the mask must broadcast to self, with expand's message
        }
        if (mask.dtype != DType.BOOL) {
            throw new IllegalArgumentException("masked_scatter_ only supports boolean masks, but got mask with dtype "
                    + Format.scalarType(mask.dtype));
        }
    }

    /** Writes source's first values at the mask's true elements of {@code dst} (contiguous), in row-major order. */
    private static void maskedScatterInto(Tensor dst, int[] shape, Layout dstLayout, Tensor mask, Tensor source) {
        Tensor positions = truePositions(mask, shape);
        int n = positions.shape[0];
        if (source.numel() < n) {
            throw new IllegalArgumentException("Number of elements of source < number of ones in mask");
        }
        if (n == 0) {
            return;
        }
        Tensor src;
        try (GradMode off = Ember.noGrad()) {
            src = source.reshape(-1).narrow(0, 0, n);
        }
        scatterKernel(ScatterReduce.NONE, true, dst, dstLayout, 0, positions, positions.layout, src, src.layout);
    }

    static Tensor maskedScatter(Tensor self, Tensor mask, Tensor source) {
        if (ComplexIndexing.any(self, source)) return ComplexIndexing.maskedScatter(self, mask, source);
        ArithmeticOps.checkSameDevice(self, mask, source);
        int[] shape = Shapes.broadcast(mask.shape, self.shape);
        Tensor out = Creation.empty(shape, self.dtype, self.device);
        checkMaskedScatter(out, mask, source);
        self.backend.copy(self.storage(), ArithmeticOps.expandedLayout(self, shape), out.storage(), out.layout);
        maskedScatterInto(out, shape, Layout.contiguous((int) out.numel()), mask, source);
        int[] sourceShape = source.shape;
        return ArithmeticOps.record(out, "MaskedScatterBackward0", new Tensor[] {self, source}, node -> {
            SavedTensor sm = node.save(mask);
            return g -> {
                Tensor m = sm.get();
                Tensor gs = null;
                if (node.needsInputGrad(1)) {
                    // masked_scatter_backward: grad.masked_select(mask), padded with zeros to source's size
                    Tensor selected = maskedSelect(g, m);
                    long missing = Layout.numel(sourceShape) - selected.numel();
                    if (missing > 0) {
                        selected = Tensor.cat(List.of(selected, Creation.zeros(new int[] {(int) missing}, g.dtype, g.device)), 0);
                    }
                    gs = selected.view(sourceShape);
                }
                return new Tensor[] {node.needsInputGrad(0) ? maskedFill(g, m, 0.0) : null, gs};
            };
        });
    }

    static Tensor maskedScatter_(Tensor self, Tensor mask, Tensor source) {
        InplaceOps.checkInplace(self, List.of(source));
        checkMaskedScatter(self, mask, source);
        int n = (int) truePositions(mask, self.shape).numel();
        if (source.numel() < n) {
            throw new IllegalArgumentException("Number of elements of source < number of ones in mask");
        }
        Runnable direct = null;
        if (self.isContiguous()) {
            direct = () -> maskedScatterInto(self, self.shape, new Layout(new int[] {(int) self.numel()}, new int[] {1},
                    self.layout.offset()), mask, source);
        }
        return inplace(self, List.of(source), old -> maskedScatter(old, mask, source), direct, mask);
    }

    // ------------------------------------------------------------------ nonzero, where(cond), argwhere

    /** The coordinates of the nonzero elements, int64 {@code [n, dim]}, in row-major order. */
    static Tensor nonzero(Tensor self) {
        MetaOps.refuseDataDependent("aten::nonzero", self);
        if (self.dtype.isComplex()) return ComplexIndexing.nonzero(self);
        long n = self.backend.nonzeroCount(self.storage(), self.layout);
        int rows = Shapes.toSize(n, "nonzero()");
        Tensor out = Creation.empty(new int[] {rows, self.dim()}, DType.INT64, self.device);
        if (out.numel() > 0) {
            self.backend.nonzero(self.storage(), self.layout, out.storage(), out.layout);
        }
        return out;
    }

    /** {@code nonzero(as_tuple=True)}: one int64 vector of coordinates per dimension (a 0-dim tensor counts as one). */
    static List<Tensor> nonzeroAsTuple(Tensor self) {
        Tensor t = self.dim() == 0 ? self.detach().unsqueeze(0) : self;
        Tensor nz = nonzero(t);
        List<Tensor> out = new ArrayList<>();
        for (int j = 0; j < t.dim(); j++) {
            out.add(nz.select(1, j));
        }
        return out;
    }

    // ------------------------------------------------------------------ repeat_interleave

    /**
     * {@code repeat_interleave(self, repeats, dim, output_size)}: PyTorch's composition, an index_select with the
     * repeated indices (IndexSelectBackward0); null dim flattens first, null outputSize computes the total.
     */
    static Tensor repeatInterleave(Tensor self, Tensor repeats, Integer dim, Long outputSize) {
        Tensor input = dim == null ? self.flatten() : self;
        int d = dim == null ? 0 : dim;
        int along = input.size(d);
        Tensor r = repeats;
        if (repeats.dim() == 0 || (repeats.dim() == 1 && repeats.shape[0] == 1)) {
            try (GradMode off = Ember.noGrad()) {
                r = repeats.reshape(1).expand(along);
            }
        } else if (repeats.dim() == 1) {
            if (repeats.shape[0] != along) {
                throw new IllegalArgumentException("repeats must have the same size as input along dim, but got "
                        + "repeats.size(0) = " + repeats.shape[0] + " and input.size(" + d + ") = " + along);
            }
        } else {
            throw new IllegalArgumentException("repeats must be 0-dim or 1-dim tensor");
        }
        if (r.dtype != DType.INT64 && r.dtype != DType.INT32) {
            // PyTorch's dispatch over the index types (repeat_interleave_cpu: int32, int64) refuses the others by name
            throw Refusals.notImplemented("repeat_interleave_cpu", r.dtype);
        }
        long[] counts = r.toLongArray();
        long total = 0;
        boolean overflow = false; // counts whose sum passes a long (each may be up to Long.MAX_VALUE)
        for (long c : counts) {
            long sum = total + c;
            overflow |= ((total ^ sum) & (c ^ sum)) < 0;
            total = sum;
        }
        if (counts.length > 0) {
            if (outputSize == null) {
                for (long c : counts) {
                    if (c < 0) {
                        throw new IllegalArgumentException("repeats can not be negative");
                    }
                }
            } else if (outputSize != total) {
                throw new IllegalArgumentException("allocated size does not match required size");
            } else {
                for (long c : counts) {
                    if (c < 0) {
                        throw new IllegalArgumentException("repeats can not be negative");
                    }
                }
            }
        } else {
            total = 0;
        }
        if (overflow) {
            throw new IllegalArgumentException("repeat_interleave() would have size more than " + Long.MAX_VALUE
                    + "; Ember's dimensions are at most " + Integer.MAX_VALUE);
        }
        long[] idx = new long[Shapes.toSize(total, "repeat_interleave()")];
        for (int i = 0, at = 0; i < counts.length; i++) {
            for (long k = 0; k < counts[i]; k++) {
                idx[at++] = i;
            }
        }
        Tensor index = Creation.fromFlat(idx, new int[] {idx.length}, DType.INT64, self.device);
        return indexSelect(input, d, index);
    }
}
