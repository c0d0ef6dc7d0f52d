package dev.ember.nn;

/**
 * {@code torch.nn.ConstantPad1d}: pads the last 1 dimension with a constant value, {@code F.pad(input, padding, "constant", value)}
 * (PyTorch 2.x's module). The padding is one int for every side or
 * a pair {@code (left, right)}, kept as given, as PyTorch's {@code _ntuple}; {@code F.pad} checks it.
 */
public class ConstantPad1d extends ConstantPadNd {
    /** The same padding on every side and the padding {@code value}. */
    public ConstantPad1d(int padding, double value) {
        this(Checks.repeat(padding, 2), value);
    }

    /** The padding as a tuple (the last dimension's sides first) and the padding {@code value}. */
    public ConstantPad1d(int[] padding, double value) {
        super(padding, value);
    }
}
