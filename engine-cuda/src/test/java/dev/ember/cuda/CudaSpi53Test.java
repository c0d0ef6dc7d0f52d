package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.UniqueResult;
import dev.ember.backend.Backend;
import dev.ember.backend.Backends;
import dev.ember.nn.Functional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.ember.cuda.CudaParityTest.p;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Backend methods session 53 added ({@code mt19937Twist}, {@code mt19937Temper}, {@code dropoutScale},
 * {@code uniqueDim}, {@code medianAll}) on CUDA, which takes their defaults, against the CPU backend: median and
 * nanmedian of all elements (forward and gradient, through the default's {@code rankSelect}), {@code unique(dim)}'s
 * values, inverse and counts (the default's {@code unique} of the rows; no NaN, whose row order the CPU backend takes
 * from libstdc++'s sort), dropout's output as the CPU's {@code x * mask * scale} of the same mask bit for bit (the
 * default composes the products on the device), and the MT19937 hooks either declined (false, the state and the
 * destination untouched) or equal to the CPU's words (the generator itself always twists on the CPU backend).
 */
@ExtendWith(CudaGate.class)
class CudaSpi53Test {
    private static final Device GPU = Device.cuda(0);
    private static final Generator GEN = new Generator(5354);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor r(int... shape) {
        return Tensor.rand(GEN, DType.FLOAT32, shape).mul(4.0).sub(2.0);
    }

    @TestFactory
    List<DynamicTest> session53Methods() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("median of all, odd count", a -> a[0].median(), r(101)));
        t.add(p("median of all, even count, 2-D", a -> a[0].median(), r(6, 7)));
        t.add(p("median of all, float64 with ties", a -> a[0].median(),
                Tensor.tensor(new double[] {3, 1, 2, 2, 5, 2, 7, 1}, DType.FLOAT64)));
        t.add(p("median of all, int64", a -> a[0].median(), Tensor.tensor(new long[] {9, -3, 4, 4, 0, 12, 7})));
        t.add(p("median of all with NaN", a -> a[0].median(),
                Tensor.tensor(new double[] {1.5, Double.NaN, -2.0, 0.25, 3.0})));
        t.add(p("nanmedian of all with NaN", a -> a[0].nanmedian(),
                Tensor.tensor(new double[] {1.5, Double.NaN, -2.0, 0.25, 3.0, Double.NaN, 4.0})));
        t.add(DynamicTest.dynamicTest("unique(dim=0) of int64 rows", () -> uniqueParity(
                Tensor.tensor(new long[][] {{3, 1}, {2, 2}, {3, 1}, {-1, 5}, {2, 2}, {0, 0}}), 0)));
        t.add(DynamicTest.dynamicTest("unique(dim=1) of float32 columns", () -> uniqueParity(
                Tensor.tensor(new double[][] {{1.5, -2, 1.5, 0}, {3, 4, 3, -1}}), 1)));
        t.add(DynamicTest.dynamicTest("unique(dim=0) of a 3-D float64 tensor", () -> uniqueParity(
                Tensor.tensor(new double[][][] {{{1, 2}, {3, 4}}, {{0, 0}, {1, 1}}, {{1, 2}, {3, 4}}}, DType.FLOAT64), 0)));
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            t.add(DynamicTest.dynamicTest("dropout " + dt + " is x * mask * scale",
                    () -> dropoutParity(r(37, 29).to(dt), 0.3)));
        }
        t.add(DynamicTest.dynamicTest("dropout with NaN and infinities", () -> dropoutParity(Tensor.tensor(new double[] {
            Double.NaN, Double.POSITIVE_INFINITY, -1.5, Double.NEGATIVE_INFINITY, 0.0, -0.0, 2.5, 1e38}), 0.5)));
        t.add(DynamicTest.dynamicTest("mt19937 twist and temper", CudaSpi53Test::mt19937Parity));
        return t;
    }

    /** unique(sorted, inverse, counts, dim) on CUDA against the CPU: the same values, inverse and counts. */
    private static void uniqueParity(Tensor x, int dim) {
        UniqueResult c = x.unique(true, true, true, dim);
        UniqueResult g = x.to(GPU).unique(true, true, true, dim);
        for (Tensor o : new Tensor[] {g.values(), g.inverse(), g.counts()}) {
            assertEquals(GPU, o.device(), "a result on the GPU");
        }
        assertEquals(c.values().dtype(), g.values().dtype());
        assertArrayEquals(c.values().shape(), g.values().shape(), "values' shape");
        assertArrayEquals(c.values().to(DType.FLOAT64).toDoubleArray(), g.values().cpu().to(DType.FLOAT64).toDoubleArray(),
                "values");
        assertArrayEquals(c.inverse().toLongArray(), g.inverse().cpu().toLongArray(), "inverse");
        assertArrayEquals(c.counts().toLongArray(), g.counts().cpu().toLongArray(), "counts");
    }

    /**
     * Dropout on CUDA (its own random mask) against the CPU's arithmetic on that mask: each kept element is
     * {@code (x * 1) * scale} and each dropped one {@code (x * 0) * scale} in x's type, bit for bit, as the CPU backend's
     * dropoutScale computes them.
     */
    private static void dropoutParity(Tensor x, double p) {
        Ember.manualSeed(53);
        Tensor xg = x.to(GPU);
        Tensor out = Functional.dropout(xg, p, true);
        assertEquals(GPU, out.device(), "dropout's result on the GPU");
        assertEquals(x.dtype(), out.dtype());
        // the mask: where the output is not (x * 0) * scale; for a finite non-zero x a kept element is non-zero
        double[] xs = x.to(DType.FLOAT64).toDoubleArray();
        double[] os = out.cpu().to(DType.FLOAT64).toDoubleArray();
        boolean[] keep = new boolean[xs.length];
        int kept = 0;
        for (int i = 0; i < xs.length; i++) {
            keep[i] = Double.isFinite(xs[i]) && xs[i] != 0 ? os[i] != 0 : !Double.isNaN(os[i]) || Double.isNaN(xs[i]);
            kept += keep[i] ? 1 : 0;
        }
        Tensor mask = Tensor.tensor(keep);
        Tensor expected = x.mul(mask).mul(Tensor.tensor(1.0 / (1 - p), x.dtype()));
        double[] es = expected.to(DType.FLOAT64).toDoubleArray();
        for (int i = 0; i < es.length; i++) {
            assertEquals(Double.doubleToLongBits(es[i]), Double.doubleToLongBits(os[i]),
                    "element " + i + ": " + os[i] + ", the CPU's " + es[i]);
        }
        if (xs.length > 100) {
            assertTrue(kept > 0 && kept < xs.length, "some kept and some dropped: " + kept + " of " + xs.length);
        }
    }

    /** The CUDA backend's MT19937 hooks: declined with nothing written, or the CPU backend's words. */
    private static void mt19937Parity() {
        Backend cuda = Backends.find("cuda");
        Backend cpu = Backends.find("cpu");
        int[] state = new int[624];
        int s = 5489;
        for (int i = 0; i < state.length; i++) {
            s = 1812433253 * (s ^ (s >>> 30)) + i + 1;
            state[i] = s;
        }
        int[] viaCpu = state.clone();
        if (!cpu.mt19937Twist(viaCpu)) {
            throw new AssertionError("the CPU backend twists");
        }
        int[] viaCuda = state.clone();
        boolean twisted = cuda.mt19937Twist(viaCuda);
        assertArrayEquals(twisted ? viaCpu : state, viaCuda, twisted ? "the CPU's twist" : "declined: the state untouched");
        int[] dstCpu = new int[700];
        int[] dstCuda = new int[700];
        Arrays.fill(dstCuda, 7);
        assertTrue(cpu.mt19937Temper(viaCpu, 10, dstCpu, 3, 600), "the CPU backend tempers");
        boolean tempered = cuda.mt19937Temper(viaCpu, 10, dstCuda, 3, 600);
        if (tempered) {
            assertArrayEquals(Arrays.copyOfRange(dstCpu, 3, 603), Arrays.copyOfRange(dstCuda, 3, 603), "the CPU's words");
        } else {
            int[] sevens = new int[700];
            Arrays.fill(sevens, 7);
            assertArrayEquals(sevens, dstCuda, "declined: the destination untouched");
        }
    }
}
