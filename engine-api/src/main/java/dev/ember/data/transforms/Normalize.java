package dev.ember.data.transforms;

import dev.ember.Tensor;

import java.util.Arrays;

/**
 * {@code (image - mean[c]) / std[c]} per channel, as {@code torchvision.transforms.Normalize}; see
 * {@link Transforms#normalize}.
 */
public final class Normalize implements Transform {
    private final double[] mean;
    private final double[] std;
    private final boolean inplace;

    /** Normalization by per-channel means and standard deviations (a single value applies to every channel). */
    public Normalize(double[] mean, double[] std) {
        this(mean, std, false);
    }

    /**
     * Normalization that writes into the image when {@code inplace}.
     *
     * @throws IllegalArgumentException for null means or stds
     */
    public Normalize(double[] mean, double[] std, boolean inplace) {
        this.mean = Transforms.require(mean, "Normalize", "mean").clone();
        this.std = Transforms.require(std, "Normalize", "std").clone();
        this.inplace = inplace;
    }

    @Override
    public Tensor apply(Tensor image) {
        return Transforms.normalize(image, mean, std, inplace);
    }

    @Override
    public String toString() {
        return "Normalize(mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + ")";
    }
}
