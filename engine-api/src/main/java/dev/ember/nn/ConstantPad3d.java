package dev.ember.nn;

/**
 * {@code torch.nn.ConstantPad3d}: pads the last 3 dimensions with a constant value, {@code F.pad(input, padding, "constant", value)}
 * (PyTorch 2.x's module). The padding is one int for every side or
 * 6 values {@code (left, right, top, bottom, front, back)}, kept as given, as PyTorch's {@code _ntuple}; {@code F.pad} checks it.
 */
public class ConstantPad3d extends ConstantPadNd {
    /** The same padding on every side and the padding {@code value}. */
    public ConstantPad3d(int padding, double value) {
        this(Checks.repeat(padding, 6), value);
    }

    /** The padding as a tuple (the last dimension's sides first) and the padding {@code value}. */
    public ConstantPad3d(int[] padding, double value) {
        super(padding, value);
    }
}
