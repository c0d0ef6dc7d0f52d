package dev.ember.nn;

/** {@code torch.nn.UpsamplingBilinear2d}: {@link Upsample} in mode {@code "bilinear"} with {@code align_corners=True}. */
public class UpsamplingBilinear2d extends Upsample {
    /** By one scale factor for both dimensions. */
    public UpsamplingBilinear2d(double scaleFactor) {
        super(null, new double[] {scaleFactor}, true, "bilinear", true, null);
    }

    /** To one size for both dimensions. */
    public UpsamplingBilinear2d(int size) {
        super(new int[] {size}, null, true, "bilinear", true, null);
    }

    /** To {@code [h, w]} or by per-dimension scale factors (exactly one given). */
    public UpsamplingBilinear2d(int[] size, double[] scaleFactor) {
        super(size, scaleFactor, false, "bilinear", true, null);
    }
}
