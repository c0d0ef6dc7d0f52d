package dev.ember.data.transforms;

import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.data.WorkerInfo;

/**
 * A crop of random area and aspect ratio resized to a given size, as {@code torchvision.transforms.RandomResizedCrop}:
 * up to ten tries draw an area fraction uniformly from {@code scale} and a log aspect ratio uniformly from
 * {@code log(ratio)}, keeping the first window that fits; after ten misses, the central crop at the ratio's bound. The
 * draws come from {@link WorkerInfo#currentGenerator()}; the resize is {@link Transforms#resize} (bilinear,
 * antialiased by default).
 */
public final class RandomResizedCrop implements Transform {
    private final int[] size;
    private final double[] scale;
    private final double[] ratio;
    private final Interpolation interpolation;
    private final boolean antialias;

    /** A square output of {@code size} with torchvision's defaults: scale (0.08, 1), ratio (3/4, 4/3), bilinear. */
    public RandomResizedCrop(int size) {
        this(new int[] {size, size}, new double[] {0.08, 1.0}, new double[] {3.0 / 4.0, 4.0 / 3.0}, Interpolation.BILINEAR,
                true);
    }

    /**
     * An output of {@code size} ({@code [height, width]}, or one value for a square).
     *
     * @throws IllegalArgumentException for a null argument, a size of another length or not positive, or a scale or
     *     ratio that is not two values
     */
    public RandomResizedCrop(int[] size, double[] scale, double[] ratio, Interpolation interpolation, boolean antialias) {
        Transforms.require(size, "RandomResizedCrop", "size");
        Transforms.require(scale, "RandomResizedCrop", "scale");
        Transforms.require(ratio, "RandomResizedCrop", "ratio");
        Transforms.require(interpolation, "RandomResizedCrop", "interpolation");
        if (size.length != 1 && size.length != 2) {
            throw new IllegalArgumentException("Please provide only two dimensions (h, w) for size.");
        }
        this.size = size.length == 1 ? new int[] {size[0], size[0]} : size.clone();
        Transforms.checkSize(this.size, null);
        if (scale.length != 2 || ratio.length != 2) {
            throw new IllegalArgumentException("scale and ratio should be of kind (min, max)");
        }
        // torchvision only warns for (max, min) pairs ("Scale and ratio should be of kind (min, max)"); its draw (uniform_)
        // then refuses the reversed interval, as Ember's does
        this.scale = scale.clone();
        this.ratio = ratio.clone();
        this.interpolation = interpolation;
        this.antialias = antialias;
    }

    @Override
    public Tensor apply(Tensor image) {
        return apply(image, WorkerInfo.currentGenerator());
    }

    /** The transform with its draws from {@code generator}. */
    public Tensor apply(Tensor image, Generator generator) {
        Transforms.require(image, "RandomResizedCrop", "image");
        Transforms.require(generator, "RandomResizedCrop", "generator");
        int[] p = params(image.size(-2), image.size(-1), scale, ratio, generator);
        return Transforms.resizedCrop(image, p[0], p[1], p[2], p[3], size, interpolation, antialias);
    }

    /**
     * torchvision's {@code RandomResizedCrop.get_params}: {@code [top, left, height, width]} of the window for an
     * {@code height x width} image.
     */
    public static int[] params(int height, int width, double[] scale, double[] ratio, Generator generator) {
        double area = (double) height * width;
        // torch.log(torch.tensor(ratio)): float32
        float logLo = (float) Math.log((float) ratio[0]);
        float logHi = (float) Math.log((float) ratio[1]);
        for (int attempt = 0; attempt < 10; attempt++) {
            double targetArea = area * Draw.uniform(scale[0], scale[1], generator);
            double aspect = (float) Math.exp((float) Draw.uniform(logLo, logHi, generator));
            // Python's round: half to even
            int w = (int) Math.rint(Math.sqrt(targetArea * aspect));
            int h = (int) Math.rint(Math.sqrt(targetArea / aspect));
            if (0 < w && w <= width && 0 < h && h <= height) {
                int i = Draw.randint(0, height - h + 1, generator);
                int j = Draw.randint(0, width - w + 1, generator);
                return new int[] {i, j, h, w};
            }
        }
        double inRatio = (double) width / height;
        double lo = Math.min(ratio[0], ratio[1]);
        double hi = Math.max(ratio[0], ratio[1]);
        int w;
        int h;
        if (inRatio < lo) {
            w = width;
            h = (int) Math.rint(w / lo);
        } else if (inRatio > hi) {
            h = height;
            w = (int) Math.rint(h * hi);
        } else {
            w = width;
            h = height;
        }
        return new int[] {(height - h) / 2, (width - w) / 2, h, w};
    }

    @Override
    public String toString() {
        return "RandomResizedCrop(size=(" + size[0] + ", " + size[1] + "), scale=(" + scale[0] + ", " + scale[1] + "), ratio=("
                + ratio[0] + ", " + ratio[1] + "), interpolation=" + interpolation.name().toLowerCase(java.util.Locale.ROOT)
                + ", antialias=" + (antialias ? "True" : "False") + ")";
    }
}
