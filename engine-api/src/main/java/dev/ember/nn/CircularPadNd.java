package dev.ember.nn;

import dev.ember.Tensor;

/**
 * PyTorch 2.x's {@code _CircularPadNd}, the base of {@code CircularPad1d/2d/3d}: pads circularly (the values at one end
 * pad the other), {@code F.pad(input, padding, "circular")}, after PyTorch 2.x's {@code _check_input_dim}: an input
 * with {@code dims + 1} or {@code dims + 2} dimensions for {@code dims} padded dimensions.
 */
abstract class CircularPadNd extends PadNd {
    private final int dims;

    CircularPadNd(int[] padding, int dims) {
        super(padding, "circular");
        this.dims = dims;
    }

    @Override
    public Tensor forward(Tensor input) {
        Checks.tensor(input, getClass().getSimpleName(), "input", 1);
        if (input.dim() != dims + 1 && input.dim() != dims + 2) {
            throw new IllegalArgumentException("expected " + (dims + 1) + "D or " + (dims + 2) + "D input (got "
                    + input.dim() + "D input)");
        }
        return super.forward(input);
    }
}
