package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.nn.Init;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static dev.ember.cuda.CudaParity.GPU;
import static dev.ember.cuda.CudaParity.nc;
import static dev.ember.cuda.CudaParity.p;
import static dev.ember.cuda.CudaParity.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * Session 35's parity cases (the CPU side is checked against PyTorch in LooseEnds3Test and GradcheckTest):
 * {@code clamp(Double, Double)} / {@code clamp_(Double, Double)} with one bound absent, {@code fillDiagonal_(boolean)},
 * the bool {@code fill_}/{@code maskedFill}/{@code maskedFill_} overloads, and {@code Init.orthogonal_(w, gain)} (the same
 * normal draws on both devices, so the same matrix up to the QR's rounding).
 */
@ExtendWith(CudaGate.class)
class CudaLooseEnds3Test {
    private static final Generator GEN = new Generator(3511);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor r(int... shape) {
        return uniform(GEN, 0.9, shape);
    }

    /** {@code op} applied in place to a non-leaf copy of {@code a[0]}. */
    private static Function<Tensor[], Tensor> inplace(Function<Tensor[], Tensor> op) {
        return a -> {
            Tensor[] b = a.clone();
            b[0] = a[0].mul(1.0);
            Tensor out = op.apply(b);
            assertSame(b[0], out);
            return out;
        };
    }

    @TestFactory
    List<DynamicTest> clampWithOneBound() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("clamp(min, null)", a -> a[0].clamp(Double.valueOf(-0.3), null), r(7, 9)));
        t.add(p("clamp(null, max) non-contiguous", a -> nc(a[0]).clamp(null, Double.valueOf(0.4)), r(6, 5)));
        t.add(p("clamp(null, max) float64", a -> a[0].toDouble().clamp(null, Double.valueOf(0.2)), r(33)));
        t.add(p("clamp_(null, max)", inplace(a -> a[0].clamp_(null, 0.25)), r(5, 8)));
        t.add(p("clamp_(min, null) through a view", a -> {
            Tensor y = a[0].mul(1.0);
            y.narrow(1, 1, 3).clamp_(-0.2, null);
            return y;
        }, r(4, 6)));
        t.add(p("clamp(min, null) int64 to float", a -> a[0].clamp(Double.valueOf(0.5), null),
                Tensor.randint(-5, 5, 4, 7)));
        return t;
    }

    @TestFactory
    List<DynamicTest> boolFills() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("fillDiagonal_(true) float", inplace(a -> a[0].fillDiagonal_(true)), r(5, 3)));
        t.add(p("fillDiagonal_(false) bool", a -> a[0].gt(0.0).fillDiagonal_(false).to(DType.FLOAT32), r(4, 6)));
        t.add(p("fillDiagonal_(true) int64", a -> a[0].fillDiagonal_(true), Tensor.randint(-5, 5, 3, 3)));
        t.add(p("fill_(true)", inplace(a -> a[0].fill_(true)), r(3, 4)));
        t.add(p("maskedFill(mask, true)", a -> a[0].maskedFill(a[1].gt(0.0), true), r(5, 6), r(6)));
        t.add(p("maskedFill_(mask, false) bool", a -> a[0].gt(0.0).maskedFill_(a[1].gt(0.3), false).to(DType.FLOAT32),
                r(5, 6), r(5, 1)));
        return t;
    }

    @Test
    void orthogonalInitMatchesTheCpu() {
        int[][] shapes = {{5, 3}, {3, 7}, {2, 3, 4}, {6, 6}};
        double[] gains = {1.0, Math.sqrt(2), 0.5, 1.7};
        for (int i = 0; i < shapes.length; i++) {
            for (Device d : new Device[] {Device.CPU, GPU}) {
                assertEquals(d, Init.orthogonal_(Tensor.zeros(shapes[i]).to(d), gains[i], new Generator(40 + i)).device());
            }
            Tensor cpu = Init.orthogonal_(Tensor.zeros(shapes[i]), gains[i], new Generator(40 + i));
            Tensor gpu = Init.orthogonal_(Tensor.zeros(shapes[i]).to(GPU), gains[i], new Generator(40 + i));
            assertArrayEquals(cpu.shape(), gpu.shape());
            CudaParityTest.assertClose("orthogonal_ " + i, cpu, gpu.cpu());
            // the default generator's form, seeded the same before each device, with one Philox stream for both (by
            // default the CPU draws PyTorch's CPU numbers and the GPU the Philox half: other numbers)
            Generator.Algorithm algorithm = Ember.defaultGeneratorAlgorithm();
            Tensor cpuDefault;
            Tensor gpuDefault;
            try {
                Ember.setDefaultGeneratorAlgorithm(Generator.Algorithm.PHILOX);
                Ember.manualSeed(77 + i);
                cpuDefault = Init.orthogonal_(Tensor.zeros(DType.FLOAT64, shapes[i]), gains[i]);
                Ember.manualSeed(77 + i);
                gpuDefault = Init.orthogonal_(Tensor.zeros(DType.FLOAT64, shapes[i]).to(GPU), gains[i]);
            } finally {
                Ember.setDefaultGeneratorAlgorithm(algorithm);
            }
            assertEquals(GPU, gpuDefault.device());
            CudaParityTest.assertClose("orthogonal_ default generator " + i, cpuDefault, gpuDefault.cpu());
            // (semi-)orthogonal times gain on the GPU itself: the smaller Gram matrix is gain^2 I
            Tensor m = gpu.reshape(shapes[i][0], -1);
            Tensor gram = m.size(0) <= m.size(1) ? m.matmul(m.t()) : m.t().matmul(m);
            Tensor eye = Tensor.eye(gram.size(0)).mul(gains[i] * gains[i]);
            CudaParityTest.assertClose("orthogonal_ gram " + i, eye, gram.cpu());
        }
    }
}
