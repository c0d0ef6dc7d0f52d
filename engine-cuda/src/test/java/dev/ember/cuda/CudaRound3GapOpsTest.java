package dev.ember.cuda;

import dev.ember.CholeskyExResult;
import dev.ember.DType;
import dev.ember.InvExResult;
import dev.ember.Special;
import dev.ember.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static dev.ember.cuda.CudaParity.GPU;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The ops session 23's third fuzz found missing, on CUDA against the CPU (float64): searchsorted with side and
 * out_int32 and bucketize with out_int32 (dtype and indices exact), vector_norm with a dtype (value and the
 * gradient through the cast), linalg.inv_ex and cholesky_ex (values, info, the inverse's gradient), zeta in q (values
 * and gradient) and einsum's sublist form; every result on the device it was given.
 */
class CudaRound3GapOpsTest {
    private static final double TOL = 1e-10;

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor f64(double[] v, int... shape) {
        return Tensor.tensor(v, DType.FLOAT64).reshape(shape);
    }

    private static void assertSameOnBoth(Tensor cpu, Tensor cuda, String what) {
        assertEquals(GPU, cuda.device(), what + ": device");
        assertEquals(cpu.dtype(), cuda.dtype(), what + ": dtype");
        assertArrayEquals(cpu.shape(), cuda.shape(), what + ": shape");
        if (cpu.dtype().isFloatingPoint()) {
            assertArrayEquals(cpu.toDoubleArray(), cuda.cpu().toDoubleArray(), TOL, what);
        } else {
            assertArrayEquals(cpu.toLongArray(), cuda.cpu().toLongArray(), what);
        }
    }

    @Test
    void searchsortedAndBucketize() {
        Tensor seq = f64(new double[] {1, 2, 2, 3, 0, 4, 4, 9}, 2, 4);
        Tensor v = f64(new double[] {2, 0, 5, 4, 9, -1}, 2, 3);
        for (String side : new String[] {"left", "right"}) {
            for (boolean int32 : new boolean[] {false, true}) {
                assertSameOnBoth(Tensor.searchsorted(seq, v, int32, false, side, null),
                        Tensor.searchsorted(seq.to(GPU), v.to(GPU), int32, false, side, null), side + " int32=" + int32);
            }
        }
        Tensor bounds = f64(new double[] {1, 2, 2, 3}, 4);
        assertSameOnBoth(v.bucketize(bounds, true, true), v.to(GPU).bucketize(bounds.to(GPU), true, true), "bucketize");
    }

    @Test
    void vectorNormInAWiderType() {
        Tensor x = Tensor.tensor(new double[] {3, -4, 12, 0.5}, DType.FLOAT32).reshape(2, 2);
        Tensor xc = x.detach().requiresGrad_(true);
        Tensor xg = x.to(GPU).requiresGrad_(true);
        Tensor c = xc.vectorNorm(2, new int[] {1}, false, DType.FLOAT64);
        Tensor g = xg.vectorNorm(2, new int[] {1}, false, DType.FLOAT64);
        assertSameOnBoth(c, g, "vector_norm dtype");
        c.sum().backward();
        g.sum().backward();
        assertArrayEquals(xc.grad().toDoubleArray(), xg.grad().cpu().toDoubleArray(), 1e-6, "vector_norm gradient");
    }

    @Test
    void invExAndCholeskyEx() {
        Tensor a = f64(new double[] {4, 1, 0, 1, 3, 1, 0, 1, 2, 1, 2, 3, 2, 4, 6, 3, 6, 9}, 2, 3, 3);
        InvExResult ic = a.linalgInvEx(false);
        InvExResult ig = a.to(GPU).linalgInvEx(false);
        assertSameOnBoth(ic.info(), ig.info(), "inv_ex info (the second matrix is singular)");
        assertArrayEquals(ic.inverse().select(0, 0).toDoubleArray(),
                ig.inverse().select(0, 0).cpu().toDoubleArray(), TOL, "inv_ex inverse");
        Tensor spd = a.select(0, 0);
        Tensor sc = spd.detach().requiresGrad_(true);
        Tensor sg = spd.to(GPU).requiresGrad_(true);
        sc.linalgInvEx(true).inverse().sum().backward();
        sg.linalgInvEx(true).inverse().sum().backward();
        assertArrayEquals(sc.grad().toDoubleArray(), sg.grad().cpu().toDoubleArray(), TOL, "inv_ex gradient");
        for (boolean upper : new boolean[] {false, true}) {
            CholeskyExResult cc = spd.linalgCholeskyEx(upper, false);
            CholeskyExResult cg = spd.to(GPU).linalgCholeskyEx(upper, false);
            assertSameOnBoth(cc.L(), cg.L(), "cholesky_ex upper=" + upper);
            assertSameOnBoth(cc.info(), cg.info(), "cholesky_ex info upper=" + upper);
        }
    }

    @Test
    void zetaInQAndEinsumSublists() {
        Tensor q = f64(new double[] {0.5, 1, 2.5, 7}, 4);
        Tensor qc = q.detach().requiresGrad_(true);
        Tensor qg = q.to(GPU).requiresGrad_(true);
        Tensor zc = Special.zeta(3.0, qc);
        Tensor zg = Special.zeta(3.0, qg);
        assertSameOnBoth(zc, zg, "zeta");
        zc.sum().backward();
        zg.sum().backward();
        assertArrayEquals(qc.grad().toDoubleArray(), qg.grad().cpu().toDoubleArray(), TOL, "zeta gradient in q");
        Tensor a = f64(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor b = f64(new double[] {1, 0, -1, 2, 0.5, 1}, 3, 2);
        assertSameOnBoth(Tensor.einsum(a, new int[] {0, 1}, b, new int[] {1, 51}, new int[] {0, 51}),
                Tensor.einsum(a.to(GPU), new int[] {0, 1}, b.to(GPU), new int[] {1, 51}, new int[] {0, 51}), "einsum");
    }
}
