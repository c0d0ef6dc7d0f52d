package dev.ember.nn;

import dev.ember.Format;
import dev.ember.Tensor;

/**
 * {@code torch.nn.Upsample}: {@link Functional#interpolate} with the module's size or scale factor, mode ({@code
 * "nearest"}, {@code "nearest-exact"}, {@code "linear"} (3-D input), {@code "bilinear"}, {@code "bicubic"} (4-D),
 * {@code "trilinear"} (5-D), {@code "area"}), {@code align_corners} and {@code recompute_scale_factor} (both may be
 * null: PyTorch's None).
 */
public class Upsample extends Module {
    private final int[] size;
    private final double[] scaleFactor;
    private final boolean singleValue;
    private final String mode;
    private final Boolean alignCorners;
    private final Boolean recomputeScaleFactor;

    /** Nearest upsampling by one scale factor for every spatial dimension. */
    public Upsample(double scaleFactor) {
        this(scaleFactor, "nearest");
    }

    /** Upsampling by one scale factor for every spatial dimension. */
    public Upsample(double scaleFactor, String mode) {
        this(null, new double[] {scaleFactor}, true, mode, null, null);
    }

    /**
     * Every option: exactly one of {@code size} and {@code scaleFactor} (the other null), each one value per spatial
     * dimension; a one-element array stands for every dimension and prints as a tuple of one, as PyTorch prints a
     * one-element tuple.
     */
    public Upsample(int[] size, double[] scaleFactor, String mode, Boolean alignCorners, Boolean recomputeScaleFactor) {
        this(size, scaleFactor, false, mode, alignCorners, recomputeScaleFactor);
    }

    /** For subclasses: {@code singleValue} prints a one-element size or scale as the number PyTorch was given. */
    protected Upsample(int[] size, double[] scaleFactor, boolean singleValue, String mode, Boolean alignCorners,
                       Boolean recomputeScaleFactor) {
        this.size = size == null ? null : size.clone();
        this.scaleFactor = scaleFactor == null ? null : scaleFactor.clone();
        this.singleValue = singleValue;
        this.mode = Checks.notNull(mode, "mode");
        this.alignCorners = alignCorners;
        this.recomputeScaleFactor = recomputeScaleFactor;
    }

    /** One size for every spatial dimension (PyTorch's {@code Upsample(size=s, mode=...)}). */
    public static Upsample ofSize(int size, String mode) {
        return new Upsample(new int[] {size}, null, true, mode, null, null);
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.interpolate(input, size, scaleFactor, mode, alignCorners, recomputeScaleFactor);
    }

    /** PyTorch's {@code extra_repr}: the scale factor (floats) or the size, then the mode's repr. */
    @Override
    public String extraRepr() {
        String info;
        if (scaleFactor != null) {
            if (singleValue) {
                info = "scale_factor=" + Format.repr(scaleFactor[0]);
            } else {
                StringBuilder s = new StringBuilder("(");
                for (int i = 0; i < scaleFactor.length; i++) {
                    s.append(i > 0 ? ", " : "").append(Format.repr(scaleFactor[i]));
                }
                info = "scale_factor=" + s.append(scaleFactor.length == 1 ? ",)" : ")");
            }
        } else if (size == null) {
            info = "size=None";
        } else {
            info = "size=" + (singleValue ? String.valueOf(size[0]) : tuple(size));
        }
        return info + ", mode='" + mode + "'";
    }
}
