package dev.ember.nn;

/**
 * {@code torch.nn.ReflectionPad2d}: pads the last 2 dimensions with the reflection of the input boundary, {@code F.pad(input, padding, "reflect")}
 * (PyTorch 2.x's module). The padding is one int for every side or
 * 4 values {@code (left, right, top, bottom)}, kept as given, as PyTorch's {@code _ntuple}; {@code F.pad} checks it.
 */
public class ReflectionPad2d extends ReflectionPadNd {
    /** The same padding on every side. */
    public ReflectionPad2d(int padding) {
        this(Checks.repeat(padding, 4));
    }

    /** The padding as a tuple (the last dimension's sides first). */
    public ReflectionPad2d(int[] padding) {
        super(padding);
    }
}
