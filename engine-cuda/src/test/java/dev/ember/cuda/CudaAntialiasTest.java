package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.nn.Functional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static dev.ember.cuda.CudaParityTest.p;

/**
 * {@code F.interpolate(..., antialias=True)} on CUDA against the CPU reference, forward, backward and the backward's
 * own backward (index selects, multiply-adds and index adds on the device, taps from the host; no kernel of its own):
 * bilinear and bicubic, shrinking, enlarging, mixed, align_corners, scale factors, wide windows, non-contiguous input,
 * an empty batch, float64.
 */
@ExtendWith(CudaGate.class)
class CudaAntialiasTest {
    private static final Generator GEN = new Generator(2512);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor r(int... shape) {
        return Tensor.rand(GEN, DType.FLOAT32, shape).mul(4.0).sub(2.0);
    }


    private static Tensor aa(Tensor x, int[] size, double[] scale, String mode, boolean align) {
        return Functional.interpolate(x, size, scale, mode, align, null, true);
    }

    @TestFactory
    List<DynamicTest> antialias() {
        List<DynamicTest> t = new ArrayList<>();
        for (String mode : List.of("bilinear", "bicubic")) {
            t.add(p(mode + " shrink", a -> aa(a[0], new int[] {4, 5}, null, mode, false), r(2, 3, 9, 13)));
            t.add(p(mode + " wide windows", a -> aa(a[0], new int[] {3, 4}, null, mode, false), r(1, 2, 37, 41)));
            t.add(p(mode + " enlarge", a -> aa(a[0], new int[] {12, 20}, null, mode, false), r(2, 3, 9, 13)));
            t.add(p(mode + " mixed, one axis kept", a -> aa(a[0], new int[] {9, 26}, null, mode, false), r(2, 3, 9, 13)));
            t.add(p(mode + " align_corners", a -> aa(a[0], new int[] {4, 1}, null, mode, true), r(2, 3, 9, 13)));
            t.add(p(mode + " scale", a -> aa(a[0], null, new double[] {0.4, 0.3}, mode, false), r(2, 3, 9, 13)));
            t.add(p(mode + " non-contiguous", a -> aa(a[0].transpose(2, 3), new int[] {3, 6}, null, mode, false),
                    r(2, 3, 13, 9)));
            t.add(p(mode + " empty batch", a -> aa(a[0], new int[] {3, 3}, null, mode, false), r(0, 2, 6, 6)));
            t.add(p(mode + " float64", a -> aa(a[0].to(DType.FLOAT64), new int[] {4, 5}, null, mode, false),
                    r(2, 3, 9, 13)));
            t.add(p(mode + " double backward", a -> dev.ember.Autograd.grad(List.of(aa(a[0], new int[] {4, 5}, null, mode,
                    false).pow(2).sum()), List.of(a[0]), null, true).get(0), r(1, 2, 9, 13)));
        }
        return t;
    }
}
