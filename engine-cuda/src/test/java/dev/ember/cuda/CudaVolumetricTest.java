package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.nn.BatchNorm3d;
import dev.ember.nn.Functional;
import dev.ember.nn.InstanceNorm1d;
import dev.ember.nn.InstanceNorm3d;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Session 19's volumetric layers on CUDA against the CPU reference, forward and backward: conv3d (stride, padding,
 * "same", dilation, groups, unbatched, empty batch, double backward), conv_transpose3d (and its double backward),
 * max_pool3d (values and indices, ceil_mode, dilation), avg_pool3d (count_include_pad, divisor_override), adaptive
 * average and max pooling, and BatchNorm3d and InstanceNorm1d/3d. The ops are compositions of existing tensor ops, so this checks that each composes on CUDA.
 */
@ExtendWith(CudaGate.class)
class CudaVolumetricTest {
    private static final Generator GEN = new Generator(2028);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor r(int... shape) {
        return Tensor.rand(GEN, DType.FLOAT32, shape).mul(4.0).sub(2.0);
    }

    private static Tensor nc(Tensor t) {
        return t.transpose(-1, -2).contiguous().transpose(-1, -2);
    }

    private static int[] ints(int... v) {
        return v;
    }

    /** d(sum(y^2))/dx as a differentiable tensor (create_graph), so that parity also checks its own backward. */
    private static Tensor inputGradient(Tensor y, Tensor x) {
        return dev.ember.Autograd.grad(List.of(y.mul(y).sum()), List.of(x), null, true).get(0);
    }

    private static DynamicTest p(String name, Function<Tensor[], Tensor> f, Tensor... in) {
        return DynamicTest.dynamicTest(name, () -> CudaParityTest.parity(name, f, in));
    }

    /** Float values all distinct, so that no pooling maximum is tied (ties may pick another position). */
    private static Tensor distinct(int... shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        return Tensor.randperm(n, GEN).to(DType.FLOAT32).div(17.0).reshape(shape);
    }

    @TestFactory
    List<DynamicTest> convolutions() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("conv3d", a -> Functional.conv3d(a[0], a[1], a[2], ints(2, 1, 2), ints(1, 0, 1), ints(1, 2, 1), 2),
                r(2, 4, 7, 9, 6), r(6, 2, 3, 2, 3), r(6)));
        t.add(p("conv3d same", a -> Functional.conv3d(a[0], a[1], null, ints(1), "same", ints(2, 1, 1), 1),
                r(2, 3, 6, 5, 7), r(4, 3, 2, 3, 2)));
        t.add(p("conv3d unbatched non-contiguous", a -> Functional.conv3d(nc(a[0]), a[1], a[2]), r(3, 5, 6, 7), r(4, 3, 2, 2, 2),
                r(4)));
        t.add(p("conv3d empty batch", a -> Functional.conv3d(a[0], a[1], a[2]), r(0, 3, 4, 4, 4), r(4, 3, 2, 2, 2), r(4)));
        t.add(p("conv_transpose3d", a -> Functional.convTranspose3d(a[0], a[1], a[2], ints(2, 1, 2), ints(1, 0, 1),
                ints(1, 0, 1), 2, ints(1, 2, 1)), r(2, 4, 4, 5, 3), r(4, 3, 2, 3, 2), r(6)));
        t.add(p("conv_transpose3d double backward", a -> inputGradient(Functional.convTranspose3d(a[0], a[1], null, ints(2),
                ints(1), ints(1), 1, ints(1)), a[0]), r(2, 3, 3, 4, 3), r(3, 2, 3, 3, 3)));
        t.add(p("conv3d double backward", a -> inputGradient(Functional.conv3d(a[0], a[1], a[2], ints(2), ints(1), ints(1), 2),
                a[0]), r(2, 4, 5, 6, 5), r(6, 2, 3, 3, 3), r(6)));
        return t;
    }

    @TestFactory
    List<DynamicTest> pooling() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("max_pool3d", a -> Functional.maxPool3d(a[0], ints(3, 2, 3), ints(2, 1, 2), ints(1, 0, 1), ints(1, 2, 1), true),
                distinct(2, 3, 7, 6, 9)));
        t.add(p("max_pool3d indices", a -> Functional.maxPool3dWithIndices(a[0], ints(2), null, ints(1), ints(1), false)
                .indices(), distinct(2, 3, 5, 6, 7)));
        t.add(p("max_pool3d unbatched non-contiguous", a -> Functional.maxPool3d(nc(a[0]), 2), distinct(3, 6, 5, 7)));
        t.add(p("avg_pool3d", a -> Functional.avgPool3d(a[0], ints(3, 2, 2), ints(2, 1, 2), ints(1, 0, 1), true, false, null),
                r(2, 3, 7, 6, 9)));
        t.add(p("avg_pool3d divisor", a -> Functional.avgPool3d(a[0], ints(2), ints(1), ints(1), false, true, 5),
                r(2, 3, 4, 5, 6)));
        t.add(p("adaptive_avg_pool3d", a -> Functional.adaptiveAvgPool3d(a[0], ints(3, 4, 5)), r(2, 3, 7, 6, 9)));
        t.add(p("adaptive_avg_pool3d global", a -> Functional.adaptiveAvgPool3d(a[0], 1), r(2, 3, 7, 6, 9)));
        t.add(p("adaptive_max_pool3d", a -> Functional.adaptiveMaxPool3d(a[0], ints(3, 4, 5)), distinct(2, 3, 7, 6, 9)));
        t.add(p("adaptive_max_pool3d indices", a -> Functional.adaptiveMaxPool3dWithIndices(a[0], ints(4, 2, 3)).indices(),
                distinct(2, 3, 7, 6, 9)));
        t.add(p("max_pool3d double backward", a -> inputGradient(Functional.maxPool3d(a[0], 2), a[0]), distinct(2, 2, 4, 6, 6)));
        t.add(p("avg_pool3d double backward", a -> inputGradient(Functional.avgPool3d(a[0], 2), a[0]), r(2, 2, 4, 6, 6)));
        return t;
    }

    @TestFactory
    List<DynamicTest> normalization() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("BatchNorm3d", a -> {
            BatchNorm3d m = new BatchNorm3d(3);
            m.to(a[0].device());
            return m.forward(a[0]);
        }, r(2, 3, 4, 5, 6)));
        t.add(p("InstanceNorm3d", a -> {
            InstanceNorm3d m = new InstanceNorm3d(3, 1e-5, 0.1, true, false);
            m.to(a[0].device());
            return m.forward(a[0]);
        }, r(2, 3, 4, 5, 6)));
        t.add(p("InstanceNorm1d", a -> {
            InstanceNorm1d m = new InstanceNorm1d(3);
            m.to(a[0].device());
            return m.forward(a[0]);
        }, r(2, 3, 17)));
        return t;
    }
}
