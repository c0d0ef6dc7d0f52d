package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.nn.Functional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Session 19's resampling on CUDA against the CPU reference, forward and backward (they are tensor ops, gathers and
 * index/scatter adds, with no kernel of their own): interpolate's linear, trilinear and area (3-D and 5-D), the
 * second order of the upsampling (its BackwardBackward0 nodes), grid_sample bicubic and 5-D (bilinear, nearest) in
 * every padding, affine_grid for 5-D sizes, on odd sizes, non-contiguous and expanded inputs, empty batches, float64
 * and bfloat16.
 */
@ExtendWith(CudaGate.class)
class CudaResampleMoreTest {
    private static final Device GPU = Device.cuda(0);
    private static final Generator GEN = new Generator(1919);

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

    @TestFactory
    List<DynamicTest> interpolate() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("linear", a -> Functional.interpolate(a[0], ints(17), "linear"), r(3, 4, 9)));
        t.add(p("linear align_corners non-contiguous", a -> Functional.interpolate(nc(a[0]), ints(6), null, "linear", true,
                null), r(2, 11, 5)));
        t.add(p("linear scale", a -> Functional.interpolate(a[0], null, new double[] {0.7}, "linear", null, null),
                r(2, 3, 13)));
        t.add(p("linear float64", a -> Functional.interpolate(a[0].to(DType.FLOAT64), ints(10), "linear"), r(2, 3, 7)));
        t.add(p("linear bfloat16", a -> Functional.interpolate(a[0].to(DType.BFLOAT16), ints(10), "linear")
                .to(DType.FLOAT32), r(2, 3, 7)));
        t.add(p("linear empty batch", a -> Functional.interpolate(a[0], ints(4), "linear"), r(0, 3, 5)));
        t.add(p("linear double backward", a -> inputGradient(Functional.interpolate(a[0], ints(9), "linear"), a[0]),
                r(2, 3, 5)));
        t.add(p("trilinear", a -> Functional.interpolate(a[0], ints(5, 7, 6), "trilinear"), r(2, 3, 3, 4, 5)));
        t.add(p("trilinear align_corners non-contiguous", a -> Functional.interpolate(nc(a[0]), ints(2, 3, 7), null,
                "trilinear", true, null), r(1, 2, 4, 5, 3)));
        t.add(p("trilinear scale", a -> Functional.interpolate(a[0], null, new double[] {1.5, 0.7, 2.0}, "trilinear", null,
                null), r(1, 2, 4, 5, 3)));
        t.add(p("trilinear expanded", a -> Functional.interpolate(a[0].expand(2, 3, 3, 4, 5), ints(4, 4, 4), "trilinear"),
                r(1, 1, 3, 4, 5)));
        t.add(p("trilinear double backward", a -> inputGradient(Functional.interpolate(a[0], ints(3, 4, 5), "trilinear"),
                a[0]), r(1, 2, 2, 3, 3)));
        t.add(p("area 1-D", a -> Functional.interpolate(a[0], ints(4), "area"), r(2, 3, 11)));
        t.add(p("area 3-D", a -> Functional.interpolate(a[0], ints(2, 3, 4), "area"), r(2, 3, 5, 7, 9)));
        t.add(p("area 3-D up, non-contiguous", a -> Functional.interpolate(nc(a[0]), ints(4, 5, 3), "area"),
                r(1, 2, 3, 2, 2)));
        t.add(p("area 3-D 1x1x1", a -> Functional.interpolate(a[0], ints(1), "area"), r(2, 3, 4, 5, 6)));
        t.add(p("area 3-D empty batch", a -> Functional.interpolate(a[0], ints(2), "area"), r(0, 3, 4, 5, 6)));
        t.add(p("area 3-D double backward", a -> inputGradient(Functional.interpolate(a[0], ints(2, 2, 3), "area"), a[0]),
                r(1, 2, 5, 4, 7)));
        return t;
    }

    @TestFactory
    List<DynamicTest> gridSample() {
        List<DynamicTest> t = new ArrayList<>();
        for (String padding : new String[] {"zeros", "border", "reflection"}) {
            for (boolean ac : new boolean[] {false, true}) {
                t.add(p("grid_sample bicubic " + padding + " " + ac, a -> Functional.gridSample(a[0], a[1].mul(0.7),
                        "bicubic", padding, ac), r(2, 3, 9, 11), r(2, 5, 7, 2)));
                t.add(p("grid_sample 5-D bilinear " + padding + " " + ac, a -> Functional.gridSample(a[0], a[1].mul(0.7),
                        "bilinear", padding, ac), r(2, 3, 5, 6, 7), r(2, 3, 4, 5, 3)));
            }
            t.add(p("grid_sample 5-D nearest " + padding + " non-contiguous", a -> Functional.gridSample(nc(a[0]),
                    a[1].mul(0.7), "nearest", padding, true), r(2, 3, 5, 6, 7), r(2, 3, 4, 5, 3)));
        }
        t.add(p("grid_sample bicubic float64", a -> Functional.gridSample(a[0].to(DType.FLOAT64),
                a[1].mul(0.7).to(DType.FLOAT64), "bicubic", "reflection", false), r(1, 2, 6, 5), r(1, 4, 3, 2)));
        t.add(p("grid_sample 5-D empty batch", a -> Functional.gridSample(a[0], a[1], "bilinear", "zeros", false),
                r(0, 2, 3, 4, 5), r(0, 2, 2, 2, 3)));
        t.add(p("affine_grid 3-D", a -> Functional.affineGrid(a[0], ints(2, 3, 4, 5, 6), true), r(2, 3, 4)));
        t.add(p("affine_grid 3-D then grid_sample", a -> Functional.gridSample(a[1], Functional.affineGrid(a[0].mul(0.5),
                ints(2, 3, 4, 6, 5), false), "bilinear", "border", false), r(2, 3, 4), r(2, 3, 5, 7, 6)));
        return t;
    }
}
