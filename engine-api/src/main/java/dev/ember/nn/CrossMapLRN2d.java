package dev.ember.nn;

import dev.ember.CrossMapLrnOps;
import dev.ember.Format;
import dev.ember.Tensor;

/**
 * {@code torch.nn.CrossMapLRN2d}: the legacy cross-channel local response normalization of a 4-D input, with
 * PyTorch's own forward and backward ({@link CrossMapLrnOps#crossMapLrn2d}), which differ from
 * {@link LocalResponseNorm}'s past the first {@code (size - 1) / 2 + 1} channels, as PyTorch's do.
 */
public class CrossMapLRN2d extends Module {
    private final int size;
    private final double alpha;
    private final double beta;
    private final double k;
    private final boolean integerK;

    /** PyTorch's defaults: alpha 1e-4, beta 0.75, k 1 (an int, printed so). */
    public CrossMapLRN2d(int size) {
        this(size, 1e-4, 0.75, 1.0, true);
    }

    /** Every option, in PyTorch's order ({@code size, alpha, beta, k}). */
    public CrossMapLRN2d(int size, double alpha, double beta, double k) {
        this(size, alpha, beta, k, false);
    }

    private CrossMapLRN2d(int size, double alpha, double beta, double k, boolean integerK) {
        this.size = size;
        this.alpha = alpha;
        this.beta = beta;
        this.k = k;
        this.integerK = integerK;
    }

    @Override
    public Tensor forward(Tensor input) {
        return CrossMapLrnOps.crossMapLrn2d(input, size, alpha, beta, k);
    }

    /** PyTorch's {@code extra_repr}: {@code size, alpha=, beta=, k=}. */
    @Override
    public String extraRepr() {
        return size + ", alpha=" + Format.repr(alpha) + ", beta=" + Format.repr(beta) + ", k="
                + (integerK ? String.valueOf((long) k) : Format.repr(k));
    }
}
