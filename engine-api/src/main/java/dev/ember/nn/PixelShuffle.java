package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.PixelShuffle}: {@code [*, C r^2, H, W]} rearranged to {@code [*, C, H r, W r]}. */
public class PixelShuffle extends Module {
    private final int upscaleFactor;

    /** The factor {@code r}. */
    public PixelShuffle(int upscaleFactor) {
        this.upscaleFactor = upscaleFactor;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.pixelShuffle(input, upscaleFactor);
    }

    @Override
    public String extraRepr() {
        return "upscale_factor=" + upscaleFactor;
    }
}
