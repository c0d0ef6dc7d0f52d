package dev.ember.nn;

/**
 * PyTorch's {@code _ReflectionPadNd}, the base of {@code ReflectionPad1d/2d/3d}: pads with the reflection of the input
 * boundary, {@code F.pad(input, padding, "reflect")}.
 */
abstract class ReflectionPadNd extends PadNd {
    ReflectionPadNd(int[] padding) {
        super(padding, "reflect");
    }
}
