package dev.ember.cuda;

import dev.ember.DType;
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
import static dev.ember.cuda.CudaParity.inputGradient;
import static dev.ember.cuda.CudaParity.ints;
import static dev.ember.cuda.CudaParity.nc;
import static dev.ember.cuda.CudaParity.p;
import static dev.ember.cuda.CudaParity.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The nn.functional gaps of session 20 (avg_pool2d's divisor_override, lp_pool3d, max_unpool3d, channel_shuffle, pdist,
 * gumbel_softmax (its random rows), triplet_margin_with_distance_loss, the fractional max poolings) on CUDA against the
 * CPU, forward and backward, with non-contiguous inputs, empty batches and double backward. They are compositions of
 * existing tensor ops, so this checks that every piece runs on the GPU.
 */
@ExtendWith(CudaGate.class)
class CudaFunctionalGapsTest {
    private static final Generator GEN = new Generator(2031);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor r(int... shape) {
        return uniform(GEN, 2.0, shape);
    }

    @TestFactory
    List<DynamicTest> pooling() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("avg_pool2d divisor", a -> Functional.avgPool2d(a[0], ints(3, 2), ints(2, 1), ints(1), true, false, 5),
                r(3, 4, 11, 9)));
        t.add(p("avg_pool2d divisor non-contiguous unbatched", a -> Functional.avgPool2d(nc(a[0]), ints(2), null, ints(0),
                false, true, 3), r(4, 7, 6)));
        t.add(p("avg_pool2d divisor double backward", a -> inputGradient(Functional.avgPool2d(a[0], ints(2), ints(1), ints(1),
                false, true, 3), a[0]), r(2, 3, 5, 6)));
        t.add(p("lp_pool3d", a -> Functional.lpPool3d(a[0].abs().add(0.25), 3.0, ints(2, 1, 2), ints(1, 2, 2), true),
                r(2, 3, 5, 6, 7)));
        Tensor.ValuesIndices vi = Functional.maxPool3dWithIndices(r(2, 3, 6, 5, 8), ints(2), null, ints(0), ints(1), false);
        Tensor idx = vi.indices();
        t.add(p("max_unpool3d", a -> Functional.maxUnpool3d(a[0], idx.to(a[0].device()), 2), vi.values()));
        t.add(p("max_unpool3d output size", a -> Functional.maxUnpool3d(a[0], idx.to(a[0].device()), ints(2), null, ints(0),
                ints(7, 6, 9)), vi.values()));
        t.add(p("max_unpool3d double backward", a -> inputGradient(Functional.maxUnpool3d(a[0], idx.to(a[0].device()), 2),
                a[0]), vi.values()));
        Tensor s2 = Tensor.rand(GEN, DType.FLOAT32, 3, 4, 2);
        t.add(p("fractional_max_pool2d", a -> Functional.fractionalMaxPool2d(a[0], ints(2), ints(5, 4), null,
                a[1].detach()), r(3, 4, 11, 9), s2));
        t.add(p("fractional_max_pool2d indices", a -> Functional.fractionalMaxPool2dWithIndices(nc(a[0]), ints(3, 2), null,
                new double[] {0.5}, a[1].detach()).indices(), r(3, 4, 11, 9), s2));
        t.add(p("fractional_max_pool2d double backward", a -> inputGradient(Functional.fractionalMaxPool2d(a[0], ints(2),
                ints(4), null, a[1].detach()), a[0]), r(3, 4, 9, 9), s2));
        Tensor s3 = Tensor.rand(GEN, DType.FLOAT32, 2, 3, 3);
        t.add(p("fractional_max_pool3d", a -> Functional.fractionalMaxPool3d(a[0], ints(2, 1, 2), ints(3, 4, 2), null,
                a[1].detach()), r(2, 3, 6, 7, 5), s3));
        return t;
    }

    @TestFactory
    List<DynamicTest> others() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("channel_shuffle", a -> Functional.channelShuffle(a[0], 3), r(4, 6, 5, 3)));
        t.add(p("channel_shuffle non-contiguous", a -> Functional.channelShuffle(nc(a[0]), 2), r(4, 6, 5)));
        t.add(p("channel_shuffle empty batch", a -> Functional.channelShuffle(a[0], 2), r(0, 4, 3)));
        for (double q : new double[] {2, 1, 0.5, 0, 3, Double.POSITIVE_INFINITY}) {
            t.add(p("pdist " + q, a -> Functional.pdist(a[0], q), r(7, 5)));
        }
        t.add(p("triplet_margin_with_distance_loss", a -> Functional.tripletMarginWithDistanceLoss(a[0], a[1], a[2], null,
                1.5, true, "mean"), r(6, 5), r(6, 5), r(6, 5)));
        return t;
    }

    @Test
    void gumbelSoftmaxRowsOnTheGpu() {
        Tensor y = Functional.gumbelSoftmax(r(5, 7).to(GPU), 0.7, true, -1);
        assertEquals(GPU, y.device());
        for (double s : y.sum(new int[] {-1}, false).cpu().toDoubleArray()) {
            assertEquals(1.0, s, 1e-6);
        }
    }
}
