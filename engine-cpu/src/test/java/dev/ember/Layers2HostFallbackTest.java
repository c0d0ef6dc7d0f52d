package dev.ember;

import dev.ember.nn.Functional;
import dev.ember.nn.LSTM;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The resampling family's {@code Backend} defaults, which run the CPU's kernels on host copies (what CUDA runs until it
 * has kernels of its own): adaptive pooling and bilinear upsampling, forward and backward, on a fake device whose
 * resampling methods are those defaults, give the CPU's values and gradients, for non-contiguous, expanded, 3-D and
 * empty inputs; the compositions (nearest upsampling, pixel shuffle, the convolutions, the recurrent layers) run on the
 * fake device through the kernels they are made of.
 */
class Layers2HostFallbackTest {
    private static final Device FAKE = Device.cuda(0);
    private static final Generator GEN = new Generator(4242);

    @BeforeAll
    static void fakeDevice() {
        Backends2.registerFakeCuda(Set.of("adaptiveAvgPool2d", "adaptiveAvgPool2dBackward", "adaptiveMaxPool2d",
                "upsampleBilinear2d", "upsampleBilinear2dBackward"));
    }

    private static Tensor r(DType t, int... shape) {
        return Tensor.rand(GEN, DType.FLOAT64, shape).mul(4.0).sub(2.0).to(t);
    }

    private static Tensor nc(Tensor t) {
        return t.transpose(-1, -2).contiguous().transpose(-1, -2);
    }

    private static int[] ints(int... v) {
        return v;
    }

    private static DynamicTest p(String name, java.util.function.Function<Tensor[], Tensor> f, Tensor... in) {
        return DynamicTest.dynamicTest(name, () -> IndexingHostFallbackTest.parity(name, f, in));
    }

    @TestFactory
    List<DynamicTest> resamplingOnTheHostDefaults() {
        List<DynamicTest> t = new ArrayList<>();
        for (DType d : new DType[] {DType.FLOAT64, DType.FLOAT32}) {
            String s = " " + d;
            t.add(p("adaptive_avg_pool2d" + s, x -> Functional.adaptiveAvgPool2d(x[0], ints(3, 4)), r(d, 2, 3, 7, 9)));
            t.add(p("adaptive_avg_pool2d non-contiguous 3-D" + s, x -> Functional.adaptiveAvgPool2d(nc(x[0]), ints(5, 2)),
                    r(d, 3, 4, 6)));
            t.add(p("adaptive_avg_pool2d expanded" + s, x -> Functional.adaptiveAvgPool2d(x[0].expand(2, 3, 4, 5), ints(3, 3)),
                    r(d, 1, 1, 4, 5)));
            t.add(p("adaptive_avg_pool2d empty batch" + s, x -> Functional.adaptiveAvgPool2d(x[0], ints(2, 2)), r(d, 0, 3, 4, 4)));
            t.add(p("adaptive_max_pool2d" + s, x -> Functional.adaptiveMaxPool2d(nc(x[0]), ints(3, 4)), r(d, 2, 3, 7, 9)));
            t.add(p("adaptive_max_pool2d indices" + s, x -> Functional.adaptiveMaxPool2dWithIndices(x[0], ints(5, 7)).indices(),
                    r(d, 1, 2, 3, 3)));
            t.add(p("bilinear" + s, x -> Functional.interpolate(nc(x[0]), ints(7, 9), "bilinear"), r(d, 2, 3, 4, 5)));
            t.add(p("bilinear align_corners expanded" + s, x -> Functional.interpolate(x[0].expand(2, 2, 3, 4), ints(5, 6), null,
                    "bilinear", true, null), r(d, 1, 1, 3, 4)));
            t.add(p("bilinear scale" + s, x -> Functional.interpolate(x[0], null, new double[] {0.6, 1.7}, "bilinear", null,
                    null), r(d, 1, 2, 7, 5)));
            t.add(p("bilinear empty batch" + s, x -> Functional.interpolate(x[0], ints(3), "bilinear"), r(d, 0, 2, 4, 4)));
            t.add(p("area" + s, x -> Functional.interpolate(x[0], 0.5, "area"), r(d, 1, 2, 7, 9)));
            t.add(p("nearest" + s, x -> Functional.interpolate(x[0], 2.0, "nearest"), r(d, 2, 3, 3, 4)));
            t.add(p("pixel_shuffle" + s, x -> Functional.pixelShuffle(nc(x[0]), 2), r(d, 2, 8, 3, 3)));
            t.add(p("conv1d" + s, x -> Functional.conv1d(x[0], x[1], x[2], ints(2), ints(1), ints(1), 1), r(d, 2, 3, 9),
                    r(d, 4, 3, 3), r(d, 4)));
            t.add(p("conv_transpose2d" + s, x -> Functional.convTranspose2d(x[0], x[1], x[2], ints(2), ints(1), ints(1), 1,
                    ints(1)), r(d, 2, 3, 4, 5), r(d, 3, 2, 3, 3), r(d, 2)));
        }
        return t;
    }

    @Test
    void gradientsOfTheBackwardKernelsOnTheDevice() {
        // the second derivative runs the forward kernel on the gradient's device
        Tensor x = r(DType.FLOAT64, 1, 2, 4, 5).to(FAKE).requiresGrad_(true);
        Tensor y = Functional.interpolate(x, ints(6, 7), "bilinear");
        Tensor g = r(DType.FLOAT64, 1, 2, 6, 7).to(FAKE).requiresGrad_(true);
        Tensor gx = Autograd.grad(List.of(y), List.of(x), List.of(g), true).get(0);
        Tensor gg = Autograd.grad(List.of(gx.mul(gx).sum()), List.of(g), null, false).get(0);
        assertEquals(FAKE, gg.device());
        Tensor xc = x.cpu().detach().requiresGrad_(true);
        Tensor gc = g.cpu().detach().requiresGrad_(true);
        Tensor gxc = Autograd.grad(List.of(Functional.interpolate(xc, ints(6, 7), "bilinear")), List.of(xc), List.of(gc), true)
                .get(0);
        Tensor ggc = Autograd.grad(List.of(gxc.mul(gxc).sum()), List.of(gc), null, false).get(0);
        assertArrayEquals(ggc.toDoubleArray(), gg.cpu().toDoubleArray(), 1e-12);
    }

    @Test
    void lstmOnTheDevice() {
        LSTM cpu = new LSTM(3, 4, 2, true, true, 0, true, 0);
        LSTM dev = new LSTM(3, 4, 2, true, true, 0, true, 0);
        dev.loadStateDict(cpu.stateDict());
        dev.to(FAKE);
        Tensor x = r(DType.FLOAT32, 2, 5, 3);
        RnnOutput a = cpu.forward(x, null);
        RnnOutput b = dev.forward(x.to(FAKE), null);
        assertEquals(FAKE, b.output().device());
        assertArrayEquals(a.output().toDoubleArray(), b.output().cpu().toDoubleArray(), 1e-6);
        assertArrayEquals(a.c().toDoubleArray(), b.c().cpu().toDoubleArray(), 1e-6);
    }
}
