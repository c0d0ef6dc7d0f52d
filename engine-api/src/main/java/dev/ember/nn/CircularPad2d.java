package dev.ember.nn;

/**
 * {@code torch.nn.CircularPad2d}: pads the last 2 dimensions circularly (the values at one end pad the other), {@code F.pad(input, padding, "circular")}
 * (PyTorch 2.x's module; PyTorch 2.x checks the input has 3 or 4 dimensions first). The padding is one int for every side or
 * 4 values {@code (left, right, top, bottom)}, kept as given, as PyTorch's {@code _ntuple}; {@code F.pad} checks it.
 */
public class CircularPad2d extends CircularPadNd {
    /** The same padding on every side. */
    public CircularPad2d(int padding) {
        this(Checks.repeat(padding, 4));
    }

    /** The padding as a tuple (the last dimension's sides first). */
    public CircularPad2d(int[] padding) {
        super(padding, 2);
    }
}
