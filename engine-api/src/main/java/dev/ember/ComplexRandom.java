package dev.ember;

import dev.ember.backend.RandomKind;

import java.util.Arrays;

/**
 * Random complex tensors, as PyTorch draws them ({@code torch.rand/randn(..., dtype=torch.cfloat)}, {@code uniform_}
 * and {@code normal_} on a complex tensor): the real kernel fills the real view. Uniform: both parts uniform on
 * {@code [from, to)}; normal: both parts normal with the mean and {@code std / sqrt(2)}, so that the complex variance is
 * {@code std^2} (ATen's {@code normal_impl_}).
 */
final class ComplexRandom {
    private ComplexRandom() {
    }

    /** A fresh complex tensor of {@code dtype} drawn from {@code kind} (UNIFORM or NORMAL) through its real view. */
    static Tensor random(RandomKind kind, int[] shape, DType dtype, double a, double b, Generator g, Device device) {
        int[] sizes = Shapes.checkSizes(shape);
        int[] pairs = Arrays.copyOf(sizes, sizes.length + 1);
        pairs[sizes.length] = 2;
        return ComplexOps.adopt(Creation.random(kind, pairs, dtype.toReal(), a, partScale(kind, b), g, device));
    }

    /**
     * The real kernel's second parameter for one part of a complex draw: {@code to} for UNIFORM, {@code std / sqrt(2)}
     * for NORMAL (each part carries half the complex variance).
     */
    static double partScale(RandomKind kind, double b) {
        return kind == RandomKind.NORMAL ? b / Math.sqrt(2) : b;
    }

    /** The in-place fills' type check: floating or complex, else PyTorch's "not implemented" error naming the kernel. */
    static void requireFloatingOrComplex(Tensor t, String kernel) {
        if (!t.dtype.isFloatingPoint() && !t.dtype.isComplex() && !t.device.isMeta()) { // a meta kernel checks no type
            throw Refusals.notImplemented(kernel, t.dtype);
        }
    }
}
