package dev.ember.cuda;

import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.nn.Functional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static dev.ember.cuda.CudaParity.GPU;
import static dev.ember.cuda.CudaParity.ints;
import static dev.ember.cuda.CudaParity.nc;
import static dev.ember.cuda.CudaParity.p;
import static dev.ember.cuda.CudaParity.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * ConvPoolGapsTest's fixes on CUDA against the CPU: conv1d/2d/3d with padding "same" and an even kernel (the constant
 * pad under the convolution, forward and backward, batched and unbatched), the int64 average pooling and the int64
 * transposed convolutions (exact, the same longs as the CPU's, from compositions that run on every device).
 */
@ExtendWith(CudaGate.class)
class CudaConvPoolGapsTest {
    private static final Generator GEN = new Generator(2031);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor r(int... shape) {
        return uniform(GEN, 2.0, shape);
    }

    /** int64 values in [-50, 50], spread by a multiplicative step (no generator draws integers here). */
    private static Tensor longs(int... shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        long[] v = new long[n];
        for (int i = 0; i < n; i++) {
            v[i] = (37L * i + 11) % 101 - 50;
        }
        return Tensor.tensor(v).reshape(shape);
    }

    @TestFactory
    List<DynamicTest> sameConvolutions() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("conv1d same even", a -> Functional.conv1d(a[0], a[1], a[2], ints(1), "same", ints(1), 1), r(3, 4, 17),
                r(5, 4, 4), r(5)));
        t.add(p("conv1d same even unbatched", a -> Functional.conv1d(a[0], a[1], null, ints(1), "same", ints(3), 1), r(4, 11),
                r(2, 4, 2)));
        t.add(p("conv2d same 2x2", a -> Functional.conv2d(nc(a[0]), a[1], a[2], "same", ints(1), 1), r(2, 3, 9, 7),
                r(4, 3, 2, 2), r(4)));
        t.add(p("conv2d same 2x3 unbatched", a -> Functional.conv2d(a[0], a[1], null, "same", ints(1), 1), r(3, 6, 5),
                r(2, 3, 2, 3)));
        t.add(p("conv3d same 2x3x2", a -> Functional.conv3d(a[0], a[1], null, ints(1), "same", ints(1), 1), r(1, 2, 4, 5, 4),
                r(3, 2, 2, 3, 2)));
        return t;
    }

    @TestFactory
    List<DynamicTest> int64AveragePooling() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("avg_pool2d int64", a -> Functional.avgPool2d(a[0], ints(3), ints(2), ints(1), true, false), longs(2, 3, 9, 8)));
        t.add(p("avg_pool2d int64 non-contiguous", a -> Functional.avgPool2d(nc(a[0]), ints(2, 3), ints(1, 2), ints(0), false,
                true), longs(3, 7, 6)));
        t.add(p("avg_pool1d int64", a -> Functional.avgPool1d(a[0], 3, 2, 1, false, true), longs(2, 3, 10)));
        t.add(p("local_response_norm int64", a -> Functional.localResponseNorm(a[0], 3), longs(2, 5, 3, 2)));
        t.add(p("conv_transpose2d int64", a -> Functional.convTranspose2d(a[0], a[1], a[2], ints(2, 1), ints(1, 0), ints(1, 0),
                2, ints(1, 2)), longs(2, 4, 5, 6), longs(4, 3, 3, 3), longs(6)));
        t.add(p("conv_transpose1d int64", a -> Functional.convTranspose1d(a[0], a[1], null, 3, 1, 2, 1, 2), longs(2, 4, 9),
                longs(4, 3, 3)));
        t.add(p("conv_transpose3d int64", a -> Functional.convTranspose3d(a[0], a[1], a[2], ints(2), ints(0, 1, 0), ints(1), 1,
                ints(1)), longs(1, 2, 3, 3, 2), longs(2, 2, 2, 2, 3), longs(2)));
        return t;
    }

    @Test
    void int64AveragePoolingIsExactOnTheGpu() {
        Tensor x = Tensor.tensor(new long[] {-7, 3, 2, -9, 1L << 52, 3, 1, 1}).reshape(1, 2, 2, 2);
        Tensor cpu = Functional.avgPool2d(x, 2);
        Tensor gpu = Functional.avgPool2d(x.to(GPU), 2);
        assertEquals(GPU, gpu.device());
        assertArrayEquals(cpu.toLongArray(), gpu.cpu().toLongArray());
    }
}
