package dev.ember.nn;

import dev.ember.Tensor;

/**
 * {@code torch.nn.ConstantPad2d}: pads the last 2 dimensions with a constant value, {@code F.pad(input, padding, "constant", value)}
 * (PyTorch 2.x's module). The padding is one int for every side or
 * 4 values {@code (left, right, top, bottom)}, kept as given, as PyTorch's {@code _ntuple}; {@code F.pad} checks it.
 */
public final class ConstantPad2d extends Module {
    private final int[] padding;
    private final double value;

    /** The same padding on every side and the padding {@code value}. */
    public ConstantPad2d(int padding, double value) {
        this(Checks.repeat(padding, 4), value);
    }

    /** The padding as a tuple (the last dimension's sides first) and the padding {@code value}. */
    public ConstantPad2d(int[] padding, double value) {
        this.padding = Checks.notNull(padding, "padding").clone();
        this.value = value;
    }

    /** The padding, as PyTorch's {@code padding} attribute. */
    public int[] padding() {
        return padding.clone();
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.pad(input, padding, "constant", value);
    }

    /** PyTorch's {@code extra_repr}: {@code padding=(...), value=...}. */
    @Override
    public String extraRepr() {
        return "padding=" + tuple(padding) + ", value=" + dev.ember.Format.repr(value);
    }
}
