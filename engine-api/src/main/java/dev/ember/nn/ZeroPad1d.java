package dev.ember.nn;

import dev.ember.Tensor;

/**
 * {@code torch.nn.ZeroPad1d}: pads the last 1 dimension with zeros, {@code F.pad(input, padding, "constant")}
 * (PyTorch 2.x's module). The padding is one int for every side or
 * a pair {@code (left, right)}, kept as given, as PyTorch's {@code _ntuple}; {@code F.pad} checks it.
 */
public final class ZeroPad1d extends Module {
    private final int[] padding;

    /** The same padding on every side. */
    public ZeroPad1d(int padding) {
        this(Checks.repeat(padding, 2));
    }

    /** The padding as a tuple (the last dimension's sides first). */
    public ZeroPad1d(int[] padding) {
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
