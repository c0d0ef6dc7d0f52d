package dev.ember.data.transforms;

import dev.ember.Tensor;

import java.util.List;

/** Transforms applied in order, as {@code torchvision.transforms.Compose}. */
public final class Compose implements Transform {
    private final List<Transform> transforms;

    /**
     * The transforms, first to last.
     *
     * @throws IllegalArgumentException for a null transform
     */
    public Compose(Transform... transforms) {
        if (transforms == null) {
            throw new IllegalArgumentException("Compose(): argument 'transforms' must not be null");
        }
        for (int i = 0; i < transforms.length; i++) {
            if (transforms[i] == null) {
                throw new IllegalArgumentException("Compose(): transform " + i + " is null");
            }
        }
        this.transforms = List.of(transforms);
    }

    /** The transforms, first to last. */
    public List<Transform> transforms() {
        return transforms;
    }

    @Override
    public Tensor apply(Tensor image) {
        Tensor t = image;
        for (Transform f : transforms) {
            t = f.apply(t);
        }
        return t;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("Compose(\n");
        for (Transform t : transforms) {
            s.append("    ").append(t).append('\n');
        }
        return s.append(')').toString();
    }
}
