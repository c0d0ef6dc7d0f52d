package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.PixelUnshuffle}: {@code [*, C, H r, W r]} rearranged to {@code [*, C r^2, H, W]}. */
public class PixelUnshuffle extends Module {
    private final int downscaleFactor;

    /** The factor {@code r}. */
    public PixelUnshuffle(int downscaleFactor) {
        this.downscaleFactor = downscaleFactor;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.pixelUnshuffle(input, downscaleFactor);
    }

    @Override
    public String extraRepr() {
        return "downscale_factor=" + downscaleFactor;
    }
}
