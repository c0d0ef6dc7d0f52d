package dev.ember.nn;

/**
 * The base of {@code ZeroPad1d/2d/3d} (PyTorch derives them from {@code ConstantPad1d/2d/3d} with value 0 and a
 * printout of the padding tuple alone): pads with zeros, {@code F.pad(input, padding, "constant")}.
 */
abstract class ZeroPadNd extends PadNd {
    ZeroPadNd(int[] padding) {
        super(padding, "constant");
    }
}
