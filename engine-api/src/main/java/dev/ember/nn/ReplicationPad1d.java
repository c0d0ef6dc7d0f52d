package dev.ember.nn;

import dev.ember.Tensor;

/**
 * {@code torch.nn.ReplicationPad1d}: pads the last 1 dimension with the replication of the input boundary, {@code F.pad(input, padding, "replicate")}
 * (PyTorch 2.x's module). The padding is one int for every side or
 * a pair {@code (left, right)}, kept as given, as PyTorch's {@code _ntuple}; {@code F.pad} checks it.
 */
public final class ReplicationPad1d extends Module {
    private final int[] padding;

    /** The same padding on every side. */
    public ReplicationPad1d(int padding) {
        this(Checks.repeat(padding, 2));
    }

    /** The padding as a tuple (the last dimension's sides first). */
    public ReplicationPad1d(int[] padding) {
        this.padding = Checks.notNull(padding, "padding").clone();
    }

    /** The padding, as PyTorch's {@code padding} attribute. */
    public int[] padding() {
        return padding.clone();
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.pad(input, padding, "replicate");
    }

    /** PyTorch's {@code extra_repr}: the padding tuple. */
    @Override
    public String extraRepr() {
        return tuple(padding);
    }
}
