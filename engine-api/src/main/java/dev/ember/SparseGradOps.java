package dev.ember;

import dev.ember.sparse.SparseGrads;
import dev.ember.sparse.SparseTensor;

/**
 * How a sparse gradient travels through the backward pass and accumulates into a leaf, as PyTorch's InputBuffer and
 * AccumulateGrad treat a sparse COO gradient. A node that makes a sparse gradient for an input
 * ({@code EmbeddingBackward0} with {@code sparse=True}) returns a <em>carrier</em>: a placeholder tensor of the input's
 * shape and type (a zero expanded, no memory) that holds the sparse gradient in {@link Tensor#carriedSparse}. The
 * engine sums carriers as sparse tensors, a carrier and a dense gradient as dense, and hands a leaf's AccumulateGrad the
 * sparse gradient; anywhere else (a formula, a tensor hook, retain_grad, {@code autograd.grad}) it gets the dense form
 * ({@link #densify}), so no code ever reads the placeholder's zeros.
 */
final class SparseGradOps {
    private SparseGradOps() {
    }

    /**
     * A placeholder gradient of {@code s}'s shape, type and device standing for {@code s}; {@code contiguous}: whether
     * PyTorch would hold its values contiguous (its sparse additions depend on it, see {@link SparseGrads#accumulate}).
     */
    static Tensor carrier(SparseTensor s, boolean contiguous) {
        Tensor zero = Creation.zeros(new int[0], s.dtype(), s.device());
        Tensor c = zero.expand(s.shape());
        c.carriedSparse = s;
        c.carriedContiguous = contiguous;
        return c;
    }

    /** {@code g}'s dense form: the sparse gradient it carries made dense, or {@code g} itself. */
    static Tensor densify(Tensor g) {
        return g != null && g.carriedSparse != null ? dense(g.carriedSparse) : g;
    }

    /** {@code s.to_dense()}, not recorded. */
    static Tensor dense(SparseTensor s) {
        try (GradMode off = Ember.noGrad()) {
            return s.toDense();
        }
    }

    /**
     * The sum of two gradients for one input, PyTorch's InputBuffer: sparse + sparse stays sparse ({@code new + old},
     * the later gradient first, {@link SparseGrads#accumulate}), sparse + dense is dense.
     */
    static Tensor add(Tensor before, Tensor grad) {
        if (before.carriedSparse != null && grad.carriedSparse != null) {
            return carrier(SparseGrads.accumulate(grad.carriedSparse, before.carriedSparse,
                    grad.carriedContiguous && before.carriedContiguous), true);
        }
        if (before.carriedSparse != null) {
            return SparseGrads.addInto(grad.clone(), before.carriedSparse, 1);
        }
        return SparseGrads.addInto(before.clone(), grad.carriedSparse, 1);
    }

    /**
     * Puts the indices and values of a leaf's sparse gradient in the leaf's scope (none if it has none), as
     * {@link TensorScope#adopt} does a dense gradient's: a gradient lives as long as its tensor, so a leaf made in a
     * scope takes its sparse gradient with it when the scope closes, and a parameter made outside keeps it.
     */
    static void adopt(Tensor leaf, SparseTensor s) {
        TensorScope.adopt(leaf, SparseGrads.indicesOf(s));
        TensorScope.adopt(leaf, SparseGrads.valuesOf(s));
    }

    /**
     * PyTorch's AccumulateGrad with a sparse gradient on either side: a sparse gradient into none is taken as it is;
     * into a sparse one, {@code grad += new_grad} ({@link SparseGrads#accumulate}); into a dense one, added in place (the
     * gradient stays dense); a dense gradient into a sparse one gives a dense gradient ({@code new_grad + grad}).
     */
    static void accumulate(Tensor leaf, Tensor g) {
        SparseTensor incoming = g.carriedSparse;
        if (incoming != null) {
            if (leaf.sparseGrad == null && leaf.grad == null) {
                leaf.sparseGrad = incoming;
                leaf.gradMadeByAutograd = true;
                adopt(leaf, incoming);
            } else if (leaf.sparseGrad != null) {
                // grad += new_grad: the gradient so far is contiguous (PyTorch steals only contiguous values and
                // clones others contiguous), the new one as its node made it
                leaf.sparseGrad = SparseGrads.accumulate(leaf.sparseGrad, incoming, g.carriedContiguous);
                adopt(leaf, leaf.sparseGrad);
            } else {
                SparseGrads.addInto(leaf.grad, incoming, 1);
            }
            return;
        }
        // a dense gradient into a sparse one: the sum is dense
        Tensor sum;
        try (GradMode off = Ember.noGrad()) {
            sum = SparseGrads.addInto(g.detach().clone(), leaf.sparseGrad, 1);
        }
        leaf.sparseGrad = null;
        leaf.grad = sum;
        leaf.gradMadeByAutograd = true;
        TensorScope.adopt(leaf, sum);
    }
}
