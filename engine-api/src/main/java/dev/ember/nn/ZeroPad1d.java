package dev.ember.nn;

/**
 * {@code torch.nn.ZeroPad1d}: pads the last 1 dimension with zeros, {@code F.pad(input, padding, "constant")}
 * (PyTorch 2.x's module). The padding is one int for every side or
 * a pair {@code (left, right)}, kept as given, as PyTorch's {@code _ntuple}; {@code F.pad} checks it.
 */
public class ZeroPad1d extends ZeroPadNd {
    /** The same padding on every side. */
    public ZeroPad1d(int padding) {
        this(Checks.repeat(padding, 2));
    }

    /** The padding as a tuple (the last dimension's sides first). */
    public ZeroPad1d(int[] padding) {
        super(padding);
    }
}
