package dev.ember.nn;

/** {@code torch.nn.UpsamplingNearest2d}: {@link Upsample} in mode {@code "nearest"}. */
public class UpsamplingNearest2d extends Upsample {
    /** By one scale factor for both dimensions. */
    public UpsamplingNearest2d(double scaleFactor) {
        super(null, new double[] {scaleFactor}, true, "nearest", null, null);
    }

    /** To one size for both dimensions. */
    public UpsamplingNearest2d(int size) {
        super(new int[] {size}, null, true, "nearest", null, null);
    }

    /** To {@code [h, w]} or by per-dimension scale factors (exactly one given). */
    public UpsamplingNearest2d(int[] size, double[] scaleFactor) {
        super(size, scaleFactor, false, "nearest", null, null);
    }
}
