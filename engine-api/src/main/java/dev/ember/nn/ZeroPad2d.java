package dev.ember.nn;

/**
 * {@code torch.nn.ZeroPad2d}: pads the last 2 dimensions with zeros, {@code F.pad(input, padding, "constant")}
 * (PyTorch 2.x's module). The padding is one int for every side or
 * 4 values {@code (left, right, top, bottom)}, kept as given, as PyTorch's {@code _ntuple}; {@code F.pad} checks it.
 */
public class ZeroPad2d extends ZeroPadNd {
    /** The same padding on every side. */
    public ZeroPad2d(int padding) {
        this(Checks.repeat(padding, 4));
    }

    /** The padding as a tuple (the last dimension's sides first). */
    public ZeroPad2d(int[] padding) {
        super(padding);
    }
}
