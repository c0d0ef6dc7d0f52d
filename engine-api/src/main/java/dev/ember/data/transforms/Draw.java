package dev.ember.data.transforms;

import dev.ember.DType;
import dev.ember.Generator;
import dev.ember.Tensor;

/** The random draws of the transforms, as torchvision makes them with torch's generators. */
final class Draw {
    private Draw() {
    }

    /** {@code torch.randint(low, high, (1,), generator=g).item()}. */
    static int randint(int low, int high, Generator g) {
        return (int) Tensor.empty(DType.INT64, 1).randintLike(low, high, g).toLongArray()[0];
    }

    /** {@code torch.rand(1, generator=g).item()} (float32). */
    static double rand(Generator g) {
        return Tensor.rand(g, DType.FLOAT32, 1).toFloatArray()[0];
    }

    /** {@code torch.empty(1).uniform_(a, b, generator=g).item()} (float32). */
    static double uniform(double a, double b, Generator g) {
        return Tensor.empty(DType.FLOAT32, 1).uniform_(a, b, g).toFloatArray()[0];
    }
}
