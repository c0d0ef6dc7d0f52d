package dev.ember.nn;

/**
 * {@code torch.nn.CircularPad3d}: pads the last 3 dimensions circularly (the values at one end pad the other), {@code F.pad(input, padding, "circular")}
 * (PyTorch 2.x's module; PyTorch 2.x checks the input has 4 or 5 dimensions first). The padding is one int for every side or
 * 6 values {@code (left, right, top, bottom, front, back)}, kept as given, as PyTorch's {@code _ntuple}; {@code F.pad} checks it.
 */
public class CircularPad3d extends CircularPadNd {
    /** The same padding on every side. */
    public CircularPad3d(int padding) {
        this(Checks.repeat(padding, 6));
    }

    /** The padding as a tuple (the last dimension's sides first). */
    public CircularPad3d(int[] padding) {
        super(padding, 3);
    }
}
