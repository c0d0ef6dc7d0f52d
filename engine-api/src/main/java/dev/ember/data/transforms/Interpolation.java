package dev.ember.data.transforms;

/** How {@link Resize} computes a pixel, as torchvision's {@code InterpolationMode}. */
public enum Interpolation {
    /** The nearest pixel, as {@code F.interpolate(mode="nearest")} (PyTorch's legacy rule: {@code floor(i * in / out)}). */
    NEAREST,
    /** The nearest pixel by centres, as {@code mode="nearest-exact"} ({@code floor((i + 0.5) * in / out)}). */
    NEAREST_EXACT,
    /** Bilinear, {@code align_corners=False}; with antialias, a triangle filter widened by the downscaling factor. */
    BILINEAR
}
