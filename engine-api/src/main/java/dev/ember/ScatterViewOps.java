package dev.ember;

import dev.ember.backend.Layout;

import java.util.function.BiFunction;
import java.util.function.UnaryOperator;

/**
 * The out-of-place scatters into a view ({@code select_scatter}, {@code slice_scatter}, {@code diagonal_scatter},
 * {@code as_strided_scatter}): a copy of {@code self} whose view holds {@code src}. Each records one node with PyTorch
 * 2.x's formula: the gradient of {@code self} is the gradient with the view zeroed (the same scatter of zeros), that of
 * {@code src} the view of the gradient.
 */
final class ScatterViewOps {
    private ScatterViewOps() {
    }

    /**
     * The copy of {@code self} with {@code view(copy)} overwritten by {@code src} (cast to self's type), recorded as
     * {@code name}; {@code again} is the same scatter (for the gradient of self), {@code view} also the src gradient.
     */
    private static Tensor scatter(Tensor self, Tensor src, String name, UnaryOperator<Tensor> view,
            BiFunction<Tensor, Tensor, Tensor> again) {
        return scatter(self, src, name, view, view, again, null);
    }

    private static Tensor scatter(Tensor self, Tensor src, String name, UnaryOperator<Tensor> view,
            UnaryOperator<Tensor> srcGrad, BiFunction<Tensor, Tensor, Tensor> again, int[] sliceShape) {
        ArithmeticOps.checkSameDevice(self, src);
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            int[] slice = sliceShape != null ? sliceShape : view.apply(self.detach()).shape;
            if (!java.util.Arrays.equals(slice, src.shape)) {
                throw new IllegalArgumentException("expected src to have a size equal to the slice of self. src size = "
                        + Shapes.str(src.shape) + ", slice size = " + Shapes.str(slice));
            }
            out = clonePreserveStrides(self.detach());
            view.apply(out).copy_(src.detach());
        }
        int[] srcShape = src.shape;
        return ArithmeticOps.record(out, name, new Tensor[] {self, src}, node -> g -> new Tensor[] {
            node.needsInputGrad(0) ? again.apply(g, Creation.zeros(srcShape, g.dtype, g.device)) : null,
            node.needsInputGrad(1) ? srcGrad.apply(g) : null});
    }

    /**
     * PyTorch 2.0's {@code clone_preserve_strides} (its Note [*_scatter ops preserve strides]): a copy of {@code self}'s
     * whole storage, viewed with self's sizes, strides and storage offset, so that the scatter's result has exactly
     * self's layout, even where self is not dense (1.13 cloned self, giving a non-dense self contiguous strides). A self
     * with internal overlap (an expanded dimension) is cloned as before, as PyTorch's.
     */
    static Tensor clonePreserveStrides(Tensor self) {
        if (InplaceOps.hasSelfOverlap(self)) {
            return self.clone();
        }
        long n = self.dtype.isComplex() ? self.rawStorage().numel() / 2 : self.storage().numel();
        if (n > Integer.MAX_VALUE || ShapeOps.nonOverlappingAndDense(self.shape, self.layout.strides())
                && self.storageOffset() == 0 && n == self.numel()) {
            return self.clone(); // the same layout (a dense self spanning its storage), or a storage past Ember's sizes
        }
        Tensor whole = self.asStrided(new int[] {(int) n}, new int[] {1}, 0).clone();
        // a tensor of its own over the copy (not a view of it: the scatter's result is no view, in-place ops on it are
        // plain ones), holding the copy's storage once the copy is closed
        Tensor out = new Tensor(whole.lease(), new Layout(self.shape, self.layout.strides(), self.storageOffset()),
                whole.device, whole.backend, new int[1], whole.dtype);
        whole.close();
        return out;
    }

    static Tensor selectScatter(Tensor self, Tensor src, int dim, int index) {
        NNOps.requireTensor(src, "select_scatter", "src", 1);
        return scatter(self, src, "SelectScatterBackward0", t -> t.select(dim, index),
                (g, z) -> selectScatter(g, z, dim, index));
    }

    static Tensor sliceScatter(Tensor self, Tensor src, int dim, int start, int end, int step) {
        NNOps.requireTensor(src, "slice_scatter", "src", 1);
        if (step <= 0) {
            throw new IllegalArgumentException("slice step must be positive");
        }
        return scatter(self, src, "SliceScatterBackward0", t -> t.slice(dim, start, end, step),
                (g, z) -> sliceScatter(g, z, dim, start, end, step));
    }

    static Tensor diagonalScatter(Tensor self, Tensor src, int offset, int dim1, int dim2) {
        NNOps.requireTensor(src, "diagonal_scatter", "src", 1);
        return scatter(self, src, "DiagonalScatterBackward0", t -> t.diagonal(offset, dim1, dim2),
                (g, z) -> diagonalScatter(g, z, offset, dim1, dim2));
    }

    /**
     * as_strided_scatter: the view taken of self's copy ({@link #clonePreserveStrides}: self's whole storage, self's
     * layout) at the storage offset counted from the storage's start, as PyTorch 2.x's; as PyTorch, only a contiguous
     * self may require grad, and the gradients are taken of the contiguous gradient (at offset 0, as 2.x's formula).
     */
    static Tensor asStridedScatter(Tensor self, Tensor src, int[] size, int[] stride, int storageOffset) {
        NNOps.requireTensor(src, "as_strided_scatter", "src", 1);
        Args.require(size, "as_strided_scatter", "size", 2, "tuple of ints");
        Args.require(stride, "as_strided_scatter", "stride", 3, "tuple of ints");
        if (self.requiresGrad() && GradMode.isEnabled() && !self.isContiguous()) {
            throw new IllegalArgumentException("as_strided_scatter is currently only supported for contiguous inputs");
        }
        int[] sz = size.clone();
        int[] st = stride.clone();
        if (sz.length != st.length) {
            throw new IllegalArgumentException("mismatch in length of strides and shape");
        }
        return scatter(self, src, "AsStridedScatterBackward0", t -> t.asStrided(sz, st, storageOffset),
                g -> contiguousAtZero(g).asStrided(sz, st, storageOffset),
                (g, z) -> asStridedScatter(contiguousAtZero(g), z, sz, st, storageOffset), sz);
    }

    /** {@code g} contiguous from the start of its storage (a copy where it is not), so a storage offset counts from it. */
    private static Tensor contiguousAtZero(Tensor g) {
        if (!g.isContiguous()) {
            return g.contiguous();
        }
        return g.storageOffset() == 0 ? g : g.clone(); // a contiguous tensor's clone is contiguous, at offset 0
    }
}
