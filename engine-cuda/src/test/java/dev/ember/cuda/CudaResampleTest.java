package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Ember;
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
import java.util.function.Function;

import static dev.ember.cuda.CudaParity.GPU;
import static dev.ember.cuda.CudaParity.ints;
import static dev.ember.cuda.CudaParity.nc;
import static dev.ember.cuda.CudaParity.p;
import static dev.ember.cuda.CudaParity.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The resampling kernels of resample_kernels.cu (adaptive average and max pooling, bilinear upsampling, and the
 * backwards of average pooling and bilinear upsampling) against the CPU reference: parity of values and gradients
 * through {@link CudaParityTest#parity} on odd sizes (7 to 3, 5 to 9, 1 to 4, out above and below in), both
 * {@code align_corners}, scale factors, batch 1, 3-D, non-contiguous, expanded and float64 inputs, non-contiguous and
 * expanded output gradients; then the same bits as the CPU (the kernels add in the CPU's order, in its precision, with
 * no fused multiply-adds), and the same bits from run to run with deterministic algorithms required.
 */
@ExtendWith(CudaGate.class)
class CudaResampleTest {
    private static final Generator GEN = new Generator(2115);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor r(int... shape) {
        return uniform(GEN, 2.0, shape);
    }

    /** The same values channels-last (C innermost in memory). */
    private static Tensor channelsLast(Tensor t) {
        return t.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
    }

    /** Few distinct values (ties) with NaN and -inf among them. */
    private static Tensor tiesAndNans(int... shape) {
        Tensor v = r(shape).round();
        Tensor u = Tensor.rand(GEN, DType.FLOAT32, shape);
        return Tensor.where(u.lt(0.05), Tensor.full(new int[0], Double.NaN),
                Tensor.where(u.gt(0.93), Tensor.full(new int[0], Double.NEGATIVE_INFINITY), v));
    }

    private static Tensor bilinear(Tensor x, int[] size, double[] scales, boolean align) {
        return Functional.interpolate(x, size, scales, "bilinear", align, null);
    }

    @TestFactory
    List<DynamicTest> adaptiveAvgPool() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("7 -> 3", a -> Functional.adaptiveAvgPool2d(a[0], ints(3, 3)), r(2, 3, 7, 7)));
        t.add(p("5 -> 9, batch 1", a -> Functional.adaptiveAvgPool2d(a[0], ints(9, 9)), r(1, 2, 5, 5)));
        t.add(p("1 -> 4", a -> Functional.adaptiveAvgPool2d(a[0], ints(4, 4)), r(2, 3, 1, 1)));
        t.add(p("7 x 5 -> 3 x 9", a -> Functional.adaptiveAvgPool2d(a[0], ints(3, 9)), r(2, 3, 7, 5)));
        t.add(p("13 x 11 -> 5 x 4 channels-last", a -> Functional.adaptiveAvgPool2d(channelsLast(a[0]), ints(5, 4)),
                r(2, 4, 13, 11)));
        t.add(p("non-contiguous, the gradient transposed", a -> Functional.adaptiveAvgPool2d(nc(a[0]), ints(4, 6))
                .transpose(-1, -2), r(2, 3, 9, 10)));
        t.add(p("3-D", a -> Functional.adaptiveAvgPool2d(a[0], ints(2, 5)), r(3, 7, 8)));
        t.add(p("expanded input, expanded gradient", a -> Functional.adaptiveAvgPool2d(a[0].expand(2, 3, 7, 6), ints(4, 5))
                .sum(), r(1, 1, 7, 6)));
        t.add(p("float64", a -> Functional.adaptiveAvgPool2d(a[0], ints(3, 4)), r(2, 2, 11, 7).toDouble()));
        t.add(p("same size", a -> Functional.adaptiveAvgPool2d(a[0], ints(6, 5)), r(1, 3, 6, 5)));
        t.add(p("empty batch", a -> Functional.adaptiveAvgPool2d(a[0], ints(2, 2)), r(0, 3, 5, 5)));
        return t;
    }

    @TestFactory
    List<DynamicTest> adaptiveMaxPool() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("7 -> 3", a -> Functional.adaptiveMaxPool2d(a[0], ints(3, 3)), r(2, 3, 7, 7)));
        t.add(p("5 -> 9, batch 1", a -> Functional.adaptiveMaxPool2d(a[0], ints(9, 9)), r(1, 2, 5, 5)));
        t.add(p("1 -> 4", a -> Functional.adaptiveMaxPool2d(a[0], ints(4, 4)), r(2, 3, 1, 1)));
        t.add(p("ties, NaN and -inf", a -> Functional.adaptiveMaxPool2d(a[0], ints(4, 3)), tiesAndNans(2, 3, 9, 7)));
        t.add(p("channels-last, the gradient transposed", a -> Functional.adaptiveMaxPool2d(channelsLast(a[0]), ints(5, 4))
                .transpose(-1, -2), r(2, 4, 13, 11)));
        t.add(p("3-D non-contiguous", a -> Functional.adaptiveMaxPool2d(nc(a[0]), ints(3, 2)), r(3, 7, 8)));
        t.add(p("float64", a -> Functional.adaptiveMaxPool2d(a[0], ints(3, 4)), r(2, 2, 11, 7).toDouble()));
        t.add(p("indices", a -> Functional.adaptiveMaxPool2dWithIndices(a[0], ints(3, 5)).indices().to(DType.FLOAT32),
                tiesAndNans(2, 3, 7, 11)));
        return t;
    }

    @TestFactory
    List<DynamicTest> bilinearUpsampling() {
        List<DynamicTest> t = new ArrayList<>();
        for (boolean align : new boolean[] {false, true}) {
            String a0 = " align_corners " + align;
            t.add(p("7 -> 3" + a0, a -> bilinear(a[0], ints(3, 3), null, align), r(2, 3, 7, 7)));
            t.add(p("5 -> 9, batch 1" + a0, a -> bilinear(a[0], ints(9, 9), null, align), r(1, 2, 5, 5)));
            t.add(p("1 -> 4" + a0, a -> bilinear(a[0], ints(4, 4), null, align), r(2, 3, 1, 1)));
            t.add(p("7 x 5 -> 3 x 9 channels-last" + a0, a -> bilinear(channelsLast(a[0]), ints(3, 9), null, align),
                    r(2, 4, 7, 5)));
            t.add(p("to 1 x 1" + a0, a -> bilinear(a[0], ints(1, 1), null, align), r(2, 2, 5, 7)));
            t.add(p("scales 2.3, 0.6" + a0, a -> bilinear(a[0], null, new double[] {2.3, 0.6}, align), r(1, 3, 5, 7)));
            t.add(p("non-contiguous, the gradient transposed" + a0, a -> bilinear(nc(a[0]), ints(17, 3), null, align)
                    .transpose(-1, -2), r(2, 3, 3, 17)));
            t.add(p("expanded input, expanded gradient" + a0, a -> bilinear(a[0].expand(2, 3, 4, 5), ints(7, 9), null, align)
                    .sum(), r(1, 1, 4, 5)));
            t.add(p("float64" + a0, a -> bilinear(a[0], ints(13, 6), null, align), r(2, 2, 6, 11).toDouble()));
            t.add(p("same size" + a0, a -> bilinear(a[0], ints(4, 6), null, align), r(2, 2, 4, 6)));
        }
        t.add(p("scale 2 recomputed", a -> Functional.interpolate(a[0], null, new double[] {2, 2}, "bilinear", false, true),
                r(2, 1, 6, 4)));
        t.add(p("empty batch", a -> bilinear(a[0], ints(4, 4), null, false), r(0, 3, 5, 5)));
        return t;
    }

    /** Forward values and the input gradient of {@code f} for {@code g}, on the CPU and on CUDA: the same bits. */
    private static void sameBits(String name, Function<Tensor, Tensor> f, Tensor x) {
        Tensor a = x.detach().clone().requiresGrad_(true);
        Tensor b = x.detach().to(GPU).requiresGrad_(true);
        Tensor ya = f.apply(a);
        Tensor yb = f.apply(b);
        assertArrayEquals(ya.toDoubleArray(), yb.cpu().toDoubleArray(), 0.0, name + " forward");
        Tensor g = Tensor.rand(GEN, x.dtype(), ya.shape()).mul(3.0).sub(1.5);
        ya.backward(g);
        yb.backward(g.to(GPU));
        assertArrayEquals(a.grad().toDoubleArray(), b.grad().cpu().toDoubleArray(), 0.0, name + " gradient");
    }

    @Test
    void theSameBitsAsTheCpu() {
        for (DType t : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            sameBits("adaptive avg 7 -> 3 " + t, x -> Functional.adaptiveAvgPool2d(x, ints(3, 3)), r(2, 3, 7, 7).to(t));
            sameBits("adaptive avg 5 -> 9 " + t, x -> Functional.adaptiveAvgPool2d(channelsLast(x), ints(9, 9)),
                    r(1, 2, 5, 5).to(t));
            sameBits("adaptive avg 23 x 17 -> 5 x 3 " + t, x -> Functional.adaptiveAvgPool2d(nc(x), ints(5, 3)),
                    r(4, 7, 23, 17).to(t));
            for (boolean align : new boolean[] {false, true}) {
                sameBits("bilinear 5 -> 9 align " + align + " " + t, x -> bilinear(x, ints(9, 9), null, align),
                        r(1, 2, 5, 5).to(t));
                sameBits("bilinear 7 x 5 -> 3 x 9 align " + align + " " + t, x -> bilinear(nc(x), ints(3, 9), null, align),
                        r(2, 3, 7, 5).to(t));
                sameBits("bilinear scales align " + align + " " + t,
                        x -> bilinear(x, null, new double[] {2.3, 0.6}, align), r(2, 3, 5, 7).to(t));
            }
            Tensor x = tiesAndNans(2, 3, 9, 7).to(t);
            Tensor.ValuesIndices cpu = Functional.adaptiveMaxPool2dWithIndices(x, ints(4, 3));
            Tensor.ValuesIndices gpu = Functional.adaptiveMaxPool2dWithIndices(x.to(GPU), ints(4, 3));
            assertArrayEquals(cpu.values().toDoubleArray(), gpu.values().cpu().toDoubleArray(), 0.0, "adaptive max " + t);
            assertArrayEquals(cpu.indices().toLongArray(), gpu.indices().cpu().toLongArray(), "adaptive max indices " + t);
        }
    }

    @Test
    void backwardsAreDeterministicWithTheSwitchOn() {
        Ember.useDeterministicAlgorithms(true);
        try {
            Tensor x = r(2, 3, 11, 9).to(GPU);
            double[] first = null;
            for (int run = 0; run < 2; run++) {
                Tensor a = x.detach().requiresGrad_(true);
                Functional.adaptiveAvgPool2d(a, ints(4, 5)).sum().backward();
                Tensor b = x.detach().requiresGrad_(true);
                bilinear(b, ints(23, 4), null, false).square().sum().backward();
                double[] now = Tensor.cat(List.of(a.grad().reshape(-1), b.grad().reshape(-1)), 0).cpu().toDoubleArray();
                if (first == null) {
                    first = now;
                } else {
                    assertArrayEquals(first, now, 0.0);
                }
            }
            assertEquals(2 * x.numel(), first.length);
        } finally {
            Ember.useDeterministicAlgorithms(false);
        }
    }
}
