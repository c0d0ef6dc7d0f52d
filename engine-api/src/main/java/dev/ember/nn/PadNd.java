package dev.ember.nn;

import dev.ember.Tensor;

/**
 * What the padding modules share ({@code ConstantPad1d} to {@code CircularPad3d}): the padding tuple, kept as given
 * as PyTorch's {@code _ntuple} ({@code F.pad} checks it), its accessor, the forward {@code F.pad(input, padding,
 * mode)} and the printout of the padding tuple. The subclasses only choose the mode and the number of padded
 * dimensions, as PyTorch's {@code _ConstantPadNd}, {@code _ReflectionPadNd}, {@code _ReplicationPadNd} and
 * {@code _CircularPadNd}.
 */
abstract class PadNd extends Module {
    final int[] padding;
    private final String mode;

    /** A copy of {@code padding} (null refused), padded with {@code mode} by {@link #forward}. */
    PadNd(int[] padding, String mode) {
        this.padding = Checks.notNull(padding, "padding").clone();
        this.mode = mode;
    }

    /** The padding, as PyTorch's {@code padding} attribute. */
    public int[] padding() {
        return padding.clone();
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.pad(input, padding, mode);
    }

    /** PyTorch's {@code extra_repr}: the padding tuple. */
    @Override
    public String extraRepr() {
        return tuple(padding);
    }
}
