package dev.ember;

import java.util.Arrays;
import java.util.List;

/**
 * {@code index_reduce} ({@code prod}, {@code mean}, {@code amax}, {@code amin}): {@code self[..., index[i], ...]}
 * reduced with {@code source[..., i, ...]} along {@code dim}. The forward is a {@code scatter_reduce} with the index
 * expanded along the other dimensions (the same reduction, the same integer floor for {@code mean}); one
 * {@code IndexReduceBackward0} node with PyTorch 2.x's index_reduce_backward.
 */
final class IndexReduceOps {
    private IndexReduceOps() {
    }

    /** index_reduce's checks in PyTorch's order (the reduction, then index_func_meta_impl, then the index range). */
    private static int check(Tensor self, int dim, Tensor index, Tensor source, String reduce) {
        NNOps.requireTensor(index, "index_reduce", "index", 2);
        NNOps.requireTensor(source, "index_reduce", "source", 3);
        Args.require(reduce, "index_reduce", "reduce", 4, "str");
        if (!reduce.equals("prod") && !reduce.equals("mean") && !reduce.equals("amax") && !reduce.equals("amin")) {
            throw new IllegalArgumentException("index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got "
                    + reduce + ".");
        }
        int d = Shapes.wrapDim(dim, self.dim());
        if (index.dim() > 1) {
            throw new IndexOutOfBoundsException("index_reduce_(): Index is supposed to be a vector, but got dim: "
                    + index.dim() + " with type: " + Format.scalarType(index.dtype) + " and size: " + Shapes.str(index.shape));
        }
        if (index.dtype != DType.INT64 && index.dtype != DType.INT32) {
            throw new IllegalArgumentException("index_reduce_(): Expected dtype int32/int64 for index but got: "
                    + Format.scalarType(index.dtype));
        }
        if (self.dtype != source.dtype) {
            throw new IllegalArgumentException("index_reduce_(): self (" + Format.scalarType(self.dtype) + ") and source ("
                    + Format.scalarType(source.dtype) + ") must have the same scalar type");
        }
        if (!(d == 0 || d < source.dim())) {
            throw new IllegalArgumentException("index_reduce_(): Indexing dim " + d + " is out of bounds of the source tensor "
                    + "with dim " + source.dim());
        }
        long expected = source.dim() == 0 ? 1 : source.shape[d];
        if (index.numel() != expected) {
            throw new IllegalArgumentException("index_reduce_(): Number of indices (" + index.numel() + ") should be equal to "
                    + "source.size(dim): (" + expected + "), for dim: " + d);
        }
        int[] selfSizes = self.dim() != 0 && source.dim() != 0 ? withoutDim(self.shape, d) : self.shape;
        int[] sourceSizes = self.dim() != 0 && source.dim() != 0 ? withoutDim(source.shape, d) : source.shape;
        if (!Arrays.equals(selfSizes, sourceSizes)) {
            throw new IllegalArgumentException("source tensor shape must match self tensor shape, excluding the specified "
                    + "dimension. Got self.shape = " + Shapes.str(self.shape) + " source.shape = " + Shapes.str(source.shape));
        }
        ArithmeticOps.checkSameDevice(self, index, source);
        return d;
    }

    /** The kernel's checks, after the meta function's (and an in-place call's overlap check): its type, the indices. */
    private static void checkKernel(Tensor self, int d, Tensor index, boolean includeSelf) {
        if (self.dtype == DType.BOOL) {
            throw Refusals.notImplemented("index_func_", DType.BOOL);
        }
        if (!includeSelf && index.numel() > 0) {
            // without self, PyTorch first fills the indexed slices with the reduction's identity by index_fill_, whose
            // bounds check (negative indices wrap) speaks first
            long size = self.dim() == 0 ? 1 : self.shape[d];
            try (GradMode off = Ember.noGrad()) {
                long[] iv = ArithmeticOps.cast(index, DType.INT64).toLongArray();
                for (long i : iv) {
                    if (i < -size || i >= size) {
                        throw new IndexOutOfBoundsException("index " + i + " is out of bounds for dimension " + d
                                + " with size " + size);
                    }
                }
            }
        }
        if (index.numel() > 0) {
            long size = self.dim() == 0 ? 1 : self.shape[d];
            try (GradMode off = Ember.noGrad()) {
                Tensor i = ArithmeticOps.cast(index, DType.INT64);
                if (i.lt(0L).logicalOr(i.ge(size)).any()) {
                    throw new IndexOutOfBoundsException("index out of range in self");
                }
            }
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

    /** The forward without history: scatter_reduce with the index expanded to the source's shape along {@code d}. */
    private static Tensor forward(Tensor self, int d, Tensor index, Tensor source, String reduce, boolean includeSelf) {
        try (GradMode off = Ember.noGrad()) {
            Tensor s = self.detach();
            Tensor src = source.detach();
            boolean scalar = s.dim() == 0;
            if (scalar) {
                s = s.reshape(1);
            }
            if (src.dim() == 0) {
                src = src.reshape(1);
            }
            int[] view = new int[src.dim()];
            Arrays.fill(view, 1);
            view[d] = src.shape[d];
            Tensor idx = ArithmeticOps.cast(index, DType.INT64).reshape(view).expand(src.shape);
            Tensor r = s.scatterReduce(d, idx, src, reduce, includeSelf);
            return scalar ? r.reshape() : r;
        }
    }

    static Tensor indexReduce(Tensor self, int dim, Tensor index, Tensor source, String reduce, boolean includeSelf) {
        int d = check(self, dim, index, source, reduce);
        checkKernel(self, d, index, includeSelf);
        Tensor out = forward(self, d, index, source, reduce, includeSelf);
        return ArithmeticOps.record(out, "IndexReduceBackward0", new Tensor[] {self, source}, node -> {
            SavedTensor sx = node.save(self);
            SavedTensor ss = node.save(source);
            SavedTensor si = node.save(index);
            SavedTensor so = node.saveOutput(out);
            return g -> backward(g, sx.get(), d, si.get(), ss.get(), reduce, includeSelf, so.get());
        });
    }

    static Tensor indexReduce_(Tensor self, int dim, Tensor index, Tensor source, String reduce, boolean includeSelf) {
        NNOps.requireTensor(source, "index_reduce", "source", 3);
        InplaceOps.checkInplace(self, List.of(source), false);
        int d = check(self, dim, index, source, reduce);
        InplaceOps.checkInplace(self, List.of(source));
        checkKernel(self, d, index, includeSelf);
        return InplaceOps.inplace(self, List.of(source), old -> indexReduce(old, d, index, source, reduce, includeSelf));
    }

    /** PyTorch 2.x's index_reduce_backward (FunctionsManual.cpp), term for term. */
    private static Tensor[] backward(Tensor g, Tensor self, int d, Tensor index, Tensor source, String reduce,
                                     boolean includeSelf, Tensor result) {
        Tensor gradSelf;
        Tensor gradSrc;
        switch (reduce) {
            case "prod": {
                Tensor maskedSelf = self.maskedFill(self.eq(0.0), 1.0);
                Tensor maskedSelfResult = indexReduce(maskedSelf, d, index, source, reduce, includeSelf);
                gradSelf = g.mul(maskedSelfResult).div(maskedSelf);
                Tensor srcZero = source.eq(0.0);
                Tensor srcNumZeros = self.zerosLike().indexAdd(d, index, srcZero.to(self.dtype)).indexSelect(d, index);
                Tensor srcSingleZero = srcZero.logicalAnd(srcNumZeros.eq(1.0));
                // where a single zero of src lands, grad * result / src would wrongly give zeros
                Tensor maskedSrc = source.maskedFill(srcSingleZero, 1.0);
                Tensor maskedSrcResult = indexReduce(self, d, index, maskedSrc, reduce, includeSelf);
                gradSrc = Tensor.where(srcSingleZero, g.mul(maskedSrcResult).indexSelect(d, index),
                        g.mul(result).indexSelect(d, index).div(source.maskedFill(srcZero, 1.0)));
                break;
            }
            case "mean": {
                Tensor n = includeSelf ? g.onesLike() : g.zerosLike();
                n = n.indexAdd(d, index, source.onesLike().to(g.dtype));
                n = n.maskedFill(n.eq(0.0), 1.0);
                gradSelf = g.div(n);
                gradSrc = g.indexSelect(d, index).div(n.indexSelect(d, index));
                break;
            }
            default: { // amax, amin
                Tensor value = result.indexSelect(d, index);
                Tensor selfIsResult = self.eq(result).to(self.dtype);
                Tensor sourceIsResult = source.eq(value).to(self.dtype);
                Tensor nToDistribute = selfIsResult.indexAdd(d, index, sourceIsResult);
                Tensor gradDistributed = g.div(nToDistribute);
                gradSelf = selfIsResult.mul(gradDistributed);
                gradSrc = sourceIsResult.mul(gradDistributed.indexSelect(d, index));
                break;
            }
        }
        if (!includeSelf) {
            gradSelf = gradSelf.indexFill(d, index, 0.0);
        }
        return new Tensor[] {gradSelf, gradSrc};
    }
}
