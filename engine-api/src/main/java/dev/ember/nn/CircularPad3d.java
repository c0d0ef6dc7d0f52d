package dev.ember.nn;

import dev.ember.Tensor;

/**
 * {@code torch.nn.CircularPad3d}: pads the last 3 dimensions circularly (the values at one end pad the other), {@code F.pad(input, padding, "circular")}
 * (PyTorch 2.x's module; PyTorch 2.x checks the input has 4 or 5 dimensions first). The padding is one int for every side or
 * 6 values {@code (left, right, top, bottom, front, back)}, kept as given, as PyTorch's {@code _ntuple}; {@code F.pad} checks it.
 */
public final class CircularPad3d extends Module {
    private final int[] padding;

    /** The same padding on every side. */
    public CircularPad3d(int padding) {
        this(Checks.repeat(padding, 6));
    }

    /** The padding as a tuple (the last dimension's sides first). */
    public CircularPad3d(int[] padding) {
        this.padding = Checks.notNull(padding, "padding").clone();
    }

    /** The padding, as PyTorch's {@code padding} attribute. */
    public int[] padding() {
        return padding.clone();
    }

    @Override
    public Tensor forward(Tensor input) {
        Checks.tensor(input, "CircularPad3d", "input", 1);
        if (input.dim() != 4 && input.dim() != 5) {
            throw new IllegalArgumentException("expected 4D or 5D input (got " + input.dim() + "D input)");
        }
        return Functional.pad(input, padding, "circular");
    }

    /** PyTorch's {@code extra_repr}: the padding tuple. */
    @Override
    public String extraRepr() {
        return tuple(padding);
    }
}
