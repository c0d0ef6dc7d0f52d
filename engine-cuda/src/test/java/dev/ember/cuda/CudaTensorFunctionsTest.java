package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Generator;
import dev.ember.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static dev.ember.cuda.CudaParity.GPU;
import static dev.ember.cuda.CudaParity.nc;
import static dev.ember.cuda.CudaParity.p;
import static dev.ember.cuda.CudaParity.uniform;

/**
 * Session 20's tensor functions on CUDA against the CPU reference, forward and backward (compositions of existing
 * tensor ops, so no new kernels): addr, inner, vdot, dist, renorm, signbit, gcd, lcm, diagflat, the hsplit family,
 * the view scatters and index_reduce, on non-contiguous inputs too; the window functions and empty_strided made on the
 * device.
 */
@ExtendWith(CudaGate.class)
class CudaTensorFunctionsTest {
    private static final Generator GEN = new Generator(2030);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor r(int... shape) {
        return uniform(GEN, 2.0, shape);
    }

    private static Tensor ints(long... v) {
        return Tensor.tensor(v);
    }

    @TestFactory
    List<DynamicTest> math() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("addr", a -> a[0].addr(a[1], a[2], 0.5, 2), r(5, 7), r(5), r(7)));
        t.add(p("addr broadcast non-contiguous", a -> nc(a[0]).addr(a[1], a[2]), r(7, 5), r(7), r(5)));
        t.add(p("inner", a -> a[0].inner(nc(a[1])), r(3, 6), r(4, 6)));
        t.add(p("vdot", a -> a[0].vdot(a[1]), r(9), r(9)));
        t.add(p("dist 2", a -> a[0].dist(a[1]), r(4, 5), r(5)));
        t.add(p("dist 3", a -> a[0].dist(nc(a[1]), 3), r(4, 5), r(4, 5)));
        t.add(p("dist inf", a -> a[0].dist(a[1], Double.POSITIVE_INFINITY), r(4, 5), r(4, 5)));
        t.add(p("renorm", a -> a[0].mul(3).renorm(2, 0, 1.5), r(4, 6)));
        t.add(p("renorm p 1 non-contiguous", a -> nc(a[0]).renorm(1, 1, 2.0), r(5, 3)));
        t.add(p("signbit", a -> a[0].signbit(), r(3, 7)));
        t.add(p("gcd", a -> a[0].gcd(a[1]), ints(0, 12, -18, 35, 1L << 40, 7), ints(5, 18, 12, 0, (1L << 40) + 1, -21)));
        t.add(p("lcm", a -> a[0].lcm(a[1]), ints(0, 12, -18, 35, 9, 7), ints(5, 18, 12, 0, 6, -21)));
        t.add(p("diagflat", a -> nc(a[0]).diagflat(-1), r(2, 3)));
        t.add(p("mvlgamma", a -> a[0].abs().add(2.5).mvlgamma(3), r(4, 5)));
        t.add(p("igamma", a -> a[0].abs().add(0.5).detach().igamma(a[1].abs()), r(4, 5), r(5)));
        t.add(p("igammac", a -> a[0].abs().add(0.5).detach().igammac(a[1].abs()), r(4, 5), r(4, 5)));
        t.add(p("sum_to_size", a -> nc(a[0]).sumToSize(1, 5), r(5, 5)));
        return t;
    }

    @TestFactory
    List<DynamicTest> splitsAndScatters() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("hsplit", a -> a[0].hsplit(3).get(1), r(4, 6, 5)));
        t.add(p("vsplit indices", a -> nc(a[0]).vsplit(new int[] {1, 3}).get(1), r(5, 4)));
        t.add(p("dsplit", a -> a[0].dsplit(2).get(0), r(2, 3, 4)));
        t.add(p("unsafe_chunk", a -> nc(a[0]).unsafeChunk(2, 1).get(1), r(3, 4)));
        t.add(p("select_scatter", a -> a[0].selectScatter(a[1], 1, 2), r(4, 5), r(4)));
        t.add(p("slice_scatter non-contiguous", a -> nc(a[0]).sliceScatter(a[1], 1, 1, 6, 2), r(7, 4), r(4, 3)));
        t.add(p("diagonal_scatter", a -> a[0].diagonalScatter(a[1], 1, 0, 1), r(4, 5), r(4)));
        t.add(p("as_strided_scatter", a -> a[0].asStridedScatter(a[1], new int[] {2, 3}, new int[] {5, 1}, 2), r(4, 5),
                r(2, 3)));
        Tensor index = Tensor.tensor(new long[] {0, 2, 0, 4, 2});
        for (String red : new String[] {"prod", "mean", "amax", "amin"}) {
            t.add(p("index_reduce " + red, a -> a[0].indexReduce(0, index.to(a[0].device()), a[1], red), r(5, 3), r(5, 3)));
            t.add(p("index_reduce " + red + " exclude", a -> nc(a[0]).indexReduce(1, index.to(a[0].device()), a[1], red,
                    false), r(3, 5), r(3, 5)));
        }
        return t;
    }

    @org.junit.jupiter.api.Test
    void windowsOnTheDevice() {
        for (boolean periodic : new boolean[] {true, false}) {
            CudaParityTest.assertClose("hann", Tensor.hannWindow(9, periodic, DType.FLOAT32, Device.CPU),
                    Tensor.hannWindow(9, periodic, DType.FLOAT32, GPU).cpu());
            CudaParityTest.assertClose("hamming", Tensor.hammingWindow(9, periodic, 0.6, 0.3, DType.FLOAT32, Device.CPU),
                    Tensor.hammingWindow(9, periodic, 0.6, 0.3, DType.FLOAT32, GPU).cpu());
            CudaParityTest.assertClose("blackman", Tensor.blackmanWindow(8, periodic, DType.FLOAT32, Device.CPU),
                    Tensor.blackmanWindow(8, periodic, DType.FLOAT32, GPU).cpu());
            CudaParityTest.assertClose("bartlett", Tensor.bartlettWindow(8, periodic, DType.FLOAT32, Device.CPU),
                    Tensor.bartlettWindow(8, periodic, DType.FLOAT32, GPU).cpu());
            CudaParityTest.assertClose("kaiser", Tensor.kaiserWindow(8, periodic, 6.0, DType.FLOAT32, Device.CPU),
                    Tensor.kaiserWindow(8, periodic, 6.0, DType.FLOAT32, GPU).cpu());
        }
        Tensor h = Tensor.tensor(new double[] {1, 2, 1, 4, 2.5, 3, 7, -1}).to(GPU);
        CudaParityTest.assertClose("histogram", h.cpu().histogram(4).hist(), h.histogram(4).hist().cpu());
        org.junit.jupiter.api.Assertions.assertEquals(GPU, h.histogram(4).binEdges().device());
        Tensor x = Tensor.emptyStrided(new int[] {2, 3}, new int[] {1, 2}, DType.FLOAT32, GPU);
        org.junit.jupiter.api.Assertions.assertEquals(GPU, x.device());
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {1, 2}, x.stride());
    }
}
