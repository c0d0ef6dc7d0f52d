package dev.ember.data.transforms;

/** How {@link Resize} computes a pixel, as torchvision's {@code InterpolationMode}. */
public enum Interpolation {
    /** The nearest pixel, as {@code F.interpolate(mode="nearest")} (PyTorch's legacy rule: {@code floor(i * in / out)}). */
    NEAREST,
    /** The nearest pixel by centres, as {@code mode="nearest-exact"} ({@code floor((i + 0.5) * in / out)}). */
    NEAREST_EXACT,
    /** Bilinear, {@code align_corners=False}; with antialias, a triangle filter widened by the downscaling factor. */
    BILINEAR,
    /**
     * Bicubic, {@code align_corners=False} (Keys' cubic, a = -0.75); with antialias, a = -0.5 widened by the
     * downscaling factor, as PIL's. uint8 images are clamped to [0, 255] before rounding, as torchvision's.
     */
    BICUBIC
}
