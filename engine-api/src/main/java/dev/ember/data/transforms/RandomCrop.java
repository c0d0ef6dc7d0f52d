package dev.ember.data.transforms;

import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.data.WorkerInfo;

import java.util.Arrays;

/**
 * A crop at a random place, as {@code torchvision.transforms.RandomCrop}: the image is first padded by
 * {@code padding} (if any), then, with {@code padIfNeeded}, a dimension smaller than the crop is padded on both sides
 * by the shortfall (torchvision's {@code [size - width, 0]} padding); the
 * window's top and left are {@code torch.randint(0, h - th + 1)} and {@code torch.randint(0, w - tw + 1)}, drawn from
 * {@link WorkerInfo#currentGenerator()}.
 */
public final class RandomCrop implements Transform {
    private final int height;
    private final int width;
    private final int[] padding;
    private final boolean padIfNeeded;
    private final double fill;
    private final Transforms.PaddingMode paddingMode;

    /** A square crop of {@code size}, without padding. */
    public RandomCrop(int size) {
        this(size, size, null, false, 0, Transforms.PaddingMode.CONSTANT);
    }

    /** A square crop of {@code size} after padding every side by {@code padding} with zeros. */
    public RandomCrop(int size, int padding) {
        this(size, size, new int[] {padding}, false, 0, Transforms.PaddingMode.CONSTANT);
    }

    /**
     * A {@code height x width} crop, after {@code padding} (null: none; one, two or four values as
     * {@link Transforms#pad}) and, with {@code padIfNeeded}, padding up to the crop size, with {@code fill} or the
     * given mode.
     *
     * @throws IllegalArgumentException for a non-positive size, a padding of another length, or a null mode
     */
    public RandomCrop(int height, int width, int[] padding, boolean padIfNeeded, double fill,
            Transforms.PaddingMode paddingMode) {
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("crop size must be positive, got (" + height + ", " + width + ")");
        }
        if (padding != null && padding.length != 1 && padding.length != 2 && padding.length != 4) {
            throw new IllegalArgumentException("Padding must be an int or a 1, 2, or 4 element tuple, not a "
                    + padding.length + " element tuple");
        }
        this.height = height;
        this.width = width;
        this.padding = padding == null ? null : padding.clone();
        this.padIfNeeded = padIfNeeded;
        this.fill = fill;
        this.paddingMode = Transforms.require(paddingMode, "RandomCrop", "padding_mode");
    }

    @Override
    public Tensor apply(Tensor image) {
        return apply(image, WorkerInfo.currentGenerator());
    }

    /**
     * The transform with its draws from {@code generator}.
     *
     * @throws IllegalArgumentException if the (padded) image is smaller than the crop (torchvision's message)
     */
    public Tensor apply(Tensor image, Generator generator) {
        Transforms.require(image, "RandomCrop", "image");
        Transforms.require(generator, "RandomCrop", "generator");
        Tensor img = image;
        if (padding != null) {
            img = Transforms.pad(img, padding, fill, paddingMode);
        }
        if (padIfNeeded && img.size(-1) < width) {
            img = Transforms.pad(img, new int[] {width - img.size(-1), 0}, fill, paddingMode);
        }
        if (padIfNeeded && img.size(-2) < height) {
            img = Transforms.pad(img, new int[] {0, height - img.size(-2)}, fill, paddingMode);
        }
        int[] p = params(img.size(-2), img.size(-1), height, width, generator);
        return Transforms.crop(img, p[0], p[1], p[2], p[3]);
    }

    /**
     * torchvision's {@code RandomCrop.get_params}: {@code [top, left, height, width]} of a crop of {@code th x tw}
     * in an {@code h x w} image.
     *
     * @throws IllegalArgumentException if the image is smaller than the crop (torchvision's message)
     */
    public static int[] params(int h, int w, int th, int tw, Generator generator) {
        if (h < th || w < tw) {
            throw new IllegalArgumentException("Required crop size (" + th + ", " + tw + ") is larger than input image size ("
                    + h + ", " + w + ")");
        }
        if (w == tw && h == th) {
            return new int[] {0, 0, h, w};
        }
        int i = Draw.randint(0, h - th + 1, generator);
        int j = Draw.randint(0, w - tw + 1, generator);
        return new int[] {i, j, th, tw};
    }

    @Override
    public String toString() {
        return "RandomCrop(size=(" + height + ", " + width + "), padding=" + (padding == null ? "None" : Arrays.toString(padding))
                + ")";
    }
}
