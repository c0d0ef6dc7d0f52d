package dev.ember.nn;

/**
 * {@code torch.nn.CircularPad1d}: pads the last 1 dimension circularly (the values at one end pad the other), {@code F.pad(input, padding, "circular")}
 * (PyTorch 2.x's module; PyTorch 2.x checks the input has 2 or 3 dimensions first). The padding is one int for every side or
 * a pair {@code (left, right)}, kept as given, as PyTorch's {@code _ntuple}; {@code F.pad} checks it.
 */
public class CircularPad1d extends CircularPadNd {
    /** The same padding on every side. */
    public CircularPad1d(int padding) {
        this(Checks.repeat(padding, 2));
    }

    /** The padding as a tuple (the last dimension's sides first). */
    public CircularPad1d(int[] padding) {
        super(padding, 1);
    }
}
