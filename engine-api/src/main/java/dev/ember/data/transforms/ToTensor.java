package dev.ember.data.transforms;

import dev.ember.Tensor;

/**
 * A uint8 image as float32 in [0, 1], channels first, as {@code torchvision.transforms.ToTensor} of a numpy array:
 * {@code [H, W]} gives {@code [1, H, W]}, {@code [H, W, C]} gives {@code [C, H, W]} ({@link #chw()} for images that are
 * already {@code [C, H, W]}). Only uint8 is scaled; other types keep their values. See {@link Transforms#toTensor}.
 */
public final class ToTensor implements Transform {
    private final boolean channelsFirst;

    /** 3-D images are {@code [H, W, C]}, as numpy arrays and torchvision's ToTensor take them. */
    public ToTensor() {
        this(false);
    }

    private ToTensor(boolean channelsFirst) {
        this.channelsFirst = channelsFirst;
    }

    /** A ToTensor for 3-D images that are already {@code [C, H, W]} (as {@code v2.ToDtype(float32, scale=True)}). */
    public static ToTensor chw() {
        return new ToTensor(true);
    }

    @Override
    public Tensor apply(Tensor image) {
        return Transforms.toTensor(image, channelsFirst);
    }

    @Override
    public String toString() {
        return "ToTensor()";
    }
}
