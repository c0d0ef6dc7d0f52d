package dev.ember.cpu;

import dev.ember.Tensor;

/** Runs a few CPU kernels (elementwise, GEMM, convolution) and prints "done"; {@link VectorApiWarningTest} forks it. */
public final class VectorWarningMain {
    private VectorWarningMain() {
    }

    public static void main(String[] args) {
        Tensor a = Tensor.ones(64, 64).add(1);
        Tensor b = a.matmul(a).relu();
        Tensor c = Tensor.conv2d(Tensor.ones(1, 1, 8, 8), Tensor.ones(2, 1, 3, 3), null, new int[] {1}, new int[] {0},
                new int[] {1}, 1);
        System.out.println("done " + b.sum().item() + " " + c.sum().item());
    }
}
