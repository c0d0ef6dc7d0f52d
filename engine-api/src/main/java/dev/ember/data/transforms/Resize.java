package dev.ember.data.transforms;

import dev.ember.Tensor;

/**
 * Resizes an image, as {@code torchvision.transforms.v2.Resize} on tensors (bilinear with {@code antialias=True} by
 * default, torchvision's default since 0.17); see {@link Transforms#resize}.
 */
public final class Resize implements Transform {
    private final int[] size;
    private final Interpolation interpolation;
    private final Integer maxSize;
    private final boolean antialias;

    /** The shorter edge to {@code size}, keeping the aspect ratio; bilinear, antialiased. */
    public Resize(int size) {
        this(new int[] {size}, Interpolation.BILINEAR, null, true);
    }

    /** To {@code [height, width]}; bilinear, antialiased. */
    public Resize(int height, int width) {
        this(new int[] {height, width}, Interpolation.BILINEAR, null, true);
    }

    /**
     * A resize to {@code size} (one value: the shorter edge; two: height and width), with the longer edge at most
     * {@code maxSize} (null: no limit; only with one value).
     *
     * @throws IllegalArgumentException for a null size or interpolation, a size of another length, a non-positive size,
     *     or a maxSize with two values (torchvision's messages)
     */
    public Resize(int[] size, Interpolation interpolation, Integer maxSize, boolean antialias) {
        Transforms.require(size, "Resize", "size");
        Transforms.require(interpolation, "Resize", "interpolation");
        Transforms.checkSize(size, maxSize);
        this.size = size.clone();
        this.interpolation = interpolation;
        this.maxSize = maxSize;
        this.antialias = antialias;
    }

    @Override
    public Tensor apply(Tensor image) {
        return Transforms.resize(image, size, interpolation, maxSize, antialias);
    }

    @Override
    public String toString() {
        return "Resize(size=" + (size.length == 1 ? String.valueOf(size[0]) : "(" + size[0] + ", " + size[1] + ")")
                + ", interpolation=" + interpolation.name().toLowerCase(java.util.Locale.ROOT)
                + ", max_size=" + (maxSize == null ? "None" : maxSize) + ", antialias=" + (antialias ? "True" : "False") + ")";
    }
}
