package dev.ember.data.transforms;

import dev.ember.Tensor;

/** A function of an image tensor, as a torchvision transform. */
@FunctionalInterface
public interface Transform {
    /** The transformed image. */
    Tensor apply(Tensor image);

    /** This transform, then {@code next}. */
    default Transform andThen(Transform next) {
        if (next == null) {
            throw new IllegalArgumentException("andThen(): argument 'next' must not be null");
        }
        return image -> next.apply(apply(image));
    }
}
