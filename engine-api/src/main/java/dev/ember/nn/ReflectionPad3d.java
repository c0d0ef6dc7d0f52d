package dev.ember.nn;

/**
 * {@code torch.nn.ReflectionPad3d}: pads the last 3 dimensions with the reflection of the input boundary, {@code F.pad(input, padding, "reflect")}
 * (PyTorch 2.x's module). The padding is one int for every side or
 * 6 values {@code (left, right, top, bottom, front, back)}, kept as given, as PyTorch's {@code _ntuple}; {@code F.pad} checks it.
 */
public class ReflectionPad3d extends ReflectionPadNd {
    /** The same padding on every side. */
    public ReflectionPad3d(int padding) {
        this(Checks.repeat(padding, 6));
    }

    /** The padding as a tuple (the last dimension's sides first). */
    public ReflectionPad3d(int[] padding) {
        super(padding);
    }
}
