package dev.ember.nn;

/**
 * {@code torch.nn.ZeroPad3d}: pads the last 3 dimensions with zeros, {@code F.pad(input, padding, "constant")}
 * (PyTorch 2.x's module). The padding is one int for every side or
 * 6 values {@code (left, right, top, bottom, front, back)}, kept as given, as PyTorch's {@code _ntuple}; {@code F.pad} checks it.
 */
public class ZeroPad3d extends ZeroPadNd {
    /** The same padding on every side. */
    public ZeroPad3d(int padding) {
        this(Checks.repeat(padding, 6));
    }

    /** The padding as a tuple (the last dimension's sides first). */
    public ZeroPad3d(int[] padding) {
        super(padding);
    }
}
