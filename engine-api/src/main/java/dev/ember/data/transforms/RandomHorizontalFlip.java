package dev.ember.data.transforms;

import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.data.WorkerInfo;

/**
 * Flips an image left to right with probability {@code p}, as {@code torchvision.transforms.RandomHorizontalFlip}
 * ({@code torch.rand(1) < p}), drawing from {@link WorkerInfo#currentGenerator()}.
 */
public final class RandomHorizontalFlip implements Transform {
    private final double p;

    /** A flip with probability 0.5. */
    public RandomHorizontalFlip() {
        this(0.5);
    }

    /**
     * A flip with probability {@code p}.
     *
     * @throws IllegalArgumentException for {@code p} outside [0, 1] (torchvision v2's message)
     */
    public RandomHorizontalFlip(double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("`p` should be a floating point value in the interval [0.0, 1.0].");
        }
        this.p = p;
    }

    @Override
    public Tensor apply(Tensor image) {
        return apply(image, WorkerInfo.currentGenerator());
    }

    /** The transform with its draw from {@code generator}. */
    public Tensor apply(Tensor image, Generator generator) {
        Transforms.require(image, "RandomHorizontalFlip", "image");
        Transforms.require(generator, "RandomHorizontalFlip", "generator");
        return Draw.rand(generator) < p ? Transforms.hflip(image) : image;
    }

    @Override
    public String toString() {
        return "RandomHorizontalFlip(p=" + p + ")";
    }
}
