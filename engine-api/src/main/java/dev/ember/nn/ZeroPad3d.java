package dev.ember.nn;

import dev.ember.Tensor;

/**
 * {@code torch.nn.ZeroPad3d}: pads the last 3 dimensions with zeros, {@code F.pad(input, padding, "constant")}
 * (PyTorch 2.x's module). The padding is one int for every side or
 * 6 values {@code (left, right, top, bottom, front, back)}, kept as given, as PyTorch's {@code _ntuple}; {@code F.pad} checks it.
 */
public final class ZeroPad3d extends Module {
    private final int[] padding;

    /** The same padding on every side. */
    public ZeroPad3d(int padding) {
        this(Checks.repeat(padding, 6));
    }

    /** The padding as a tuple (the last dimension's sides first). */
    public ZeroPad3d(int[] padding) {
        this.padding = Checks.notNull(padding, "padding").clone();
    }

    /** The padding, as PyTorch's {@code padding} attribute. */
    public int[] padding() {
        return padding.clone();
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.pad(input, padding, "constant", 0.0);
    }

    /** PyTorch's {@code extra_repr}: the padding tuple. */
    @Override
    public String extraRepr() {
        return tuple(padding);
    }
}
