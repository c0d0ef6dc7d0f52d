package dev.ember.nn;

import dev.ember.Format;
import dev.ember.Tensor;

/**
 * PyTorch's {@code _ConstantPadNd}, the base of {@code ConstantPad1d/2d/3d}: pads with a constant {@code value},
 * {@code F.pad(input, padding, "constant", value)}, printed as {@code padding=(...), value=...}.
 */
abstract class ConstantPadNd extends PadNd {
    private final double value;

    ConstantPadNd(int[] padding, double value) {
        super(padding, "constant");
        this.value = value;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.pad(input, padding, "constant", value);
    }

    /** PyTorch's {@code extra_repr}: {@code padding=(...), value=...}. */
    @Override
    public String extraRepr() {
        return "padding=" + tuple(padding) + ", value=" + Format.repr(value);
    }
}
