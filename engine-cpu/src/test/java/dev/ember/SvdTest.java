package dev.ember;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Singular values against PyTorch ({@code svd/make_expected.py}): {@code linalg.svd} (through functions of U and Vh that do
 * not depend on the singular vectors' signs: |U|, |Vh|, U diag(c) Vh, as PyTorch's own tests), {@code svdvals}, matrix norms
 * 2, -2 and "nuc", {@code cond} and {@code matrix_rank}: values, gradients and grad_fn names on batched, tall, wide, empty,
 * rank-deficient and non-contiguous inputs; reconstruction and orthogonality of U and Vh; float64 gradcheck and
 * gradgradcheck; PyTorch's errors; the SPI's host default (what CUDA runs) against the CPU kernel.
 *
 * <p>Tolerances: as LinalgTest (float64 1e-9 relative plus 1e-11, float32 1e-4 plus 1e-5): Ember's one-sided Jacobi
 * works in float64 for both types, LAPACK's gesdd in the input's type.
 */
class SvdTest {
    static final PyTorchCases TORCH = new PyTorchCases("/svd/expected.txt");
    private static final Generator GEN = new Generator(1414);

    /** Nodes of compositions outside this family (matmul's, whose 2.x names LinalgTest checks). */
    private static final Set<String> OTHER_NODES = Set.of("MmBackward0", "UnsafeViewBackward0", "BmmBackward0");
    /** The svd cases (and EighTest's, which share their file), with the nodes of other families left out. */
    static final LinalgCases CASES = new LinalgCases(TORCH, (key, node, strided) -> OTHER_NODES.contains(node));

    // ------------------------------------------------------------------ the cases' inputs and checks

    /** |U_k|, S, |Vh_k| and U_k diag(1..k) Vh_k: what the svd cases compare. */
    private static Tensor[] invariant(Tensor a, boolean full) {
        SvdResult r = a.linalgSvd(full);
        int k = r.S().size(-1);
        Tensor uk = r.U().narrow(-1, 0, k);
        Tensor vk = r.Vh().narrow(-2, 0, k);
        Tensor c = Tensor.arange(1, k + 1, 1).to(a.dtype());
        return new Tensor[] {uk.abs(), r.S(), vk.abs(), uk.mul(c).matmul(vk)};
    }

    // ------------------------------------------------------------------ values, gradients and nodes against PyTorch

    @TestFactory
    List<DynamicTest> svdvalsMatchPyTorch() {
        List<DynamicTest> t = new ArrayList<>();
        for (String k : List.of("svdvals_square", "svdvals_tall", "svdvals_wide", "svdvals_batch", "svdvals_f32",
                "svdvals_f32_tall", "svdvals_1x1", "svdvals_row", "svdvals_rank1", "svdvals_rank2_f32", "svdvals_repeated",
                "svdvals_zero", "svdvals_large", "svdvals_tiny", "svdvals_graded", "svdvals_inf", "svdvals_empty_0x3",
                "svdvals_empty_3x0", "svdvals_empty_batch", "svdvals_empty_batch0")) {
            t.add(CASES.one(k, x -> x[0].linalgSvdvals()));
        }
        return t;
    }

    @TestFactory
    List<DynamicTest> svdMatchesPyTorch() {
        List<DynamicTest> t = new ArrayList<>();
        for (String k : List.of("svd_square", "svd_tall", "svd_wide", "svd_batch", "svd_f32")) {
            t.add(DynamicTest.dynamicTest(k, () -> CASES.check(k, x -> invariant(x[0], false))));
        }
        for (String k : List.of("svd_full_tall", "svd_full_wide", "svd_full_batch")) {
            t.add(DynamicTest.dynamicTest(k, () -> CASES.check(k, x -> invariant(x[0], true))));
        }
        for (String k : List.of("svd_u_only_tall", "svd_u_only_wide")) {
            t.add(CASES.one(k, x -> {
                SvdResult r = x[0].linalgSvd(false);
                Tensor c = Tensor.arange(1, r.S().size(-1) + 1, 1).to(DType.FLOAT64);
                return r.U().mul(c).matmul(r.U().mT());
            }));
        }
        for (String k : List.of("svd_vh_only_tall", "svd_vh_only_wide")) {
            t.add(CASES.one(k, x -> {
                SvdResult r = x[0].linalgSvd(false);
                Tensor c = Tensor.arange(1, r.S().size(-1) + 1, 1).to(DType.FLOAT64);
                return r.Vh().mT().matmul(r.Vh().mul(c.unsqueeze(-1)));
            }));
        }
        t.add(CASES.one("svd_full_grad", x -> {
            Tensor e = x[0].linalgSvd(true).U().narrow(-1, 3, 2);
            return e.matmul(e.mT());
        }));
        return t;
    }

    @TestFactory
    List<DynamicTest> normsCondAndRankMatchPyTorch() {
        double inf = Double.POSITIVE_INFINITY;
        List<DynamicTest> t = new ArrayList<>();
        t.add(CASES.one("mnorm_2", x -> x[0].matrixNorm(2, null, false)));
        t.add(CASES.one("mnorm_neg2", x -> x[0].matrixNorm(-2, null, false)));
        t.add(CASES.one("mnorm_nuc", x -> x[0].matrixNorm("nuc", null, false)));
        t.add(CASES.one("mnorm_2_batch", x -> x[0].matrixNorm(2, null, false)));
        t.add(CASES.one("mnorm_2_dims_keepdim", x -> x[0].matrixNorm(2, new int[] {2, 0}, true)));
        t.add(CASES.one("mnorm_neg2_dims", x -> x[0].matrixNorm(-2, new int[] {0, 2}, false)));
        t.add(CASES.one("mnorm_nuc_dims_keepdim", x -> x[0].matrixNorm("nuc", new int[] {0, 1}, true)));
        t.add(CASES.one("mnorm_nuc_keepdim", x -> x[0].matrixNorm("nuc", null, true)));
        t.add(CASES.one("mnorm_nuc_f32", x -> x[0].matrixNorm("nuc", null, false)));
        t.add(CASES.one("mnorm_2_f32", x -> x[0].matrixNorm(2, null, false)));
        t.add(CASES.one("norm_nuc", x -> x[0].norm("nuc", null, false)));
        t.add(CASES.one("norm_nuc_dims", x -> x[0].norm("nuc", new int[] {1, 2}, true)));
        t.add(CASES.one("cond_default", x -> x[0].linalgCond()));
        t.add(CASES.one("cond_2_wide", x -> x[0].linalgCond(2)));
        t.add(CASES.one("cond_neg2_batch", x -> x[0].linalgCond(-2)));
        t.add(CASES.one("cond_nuc", x -> x[0].linalgCond("nuc")));
        t.add(CASES.one("cond_fro", x -> x[0].linalgCond("fro")));
        t.add(CASES.one("cond_1", x -> x[0].linalgCond(1)));
        t.add(CASES.one("cond_neg1", x -> x[0].linalgCond(-1)));
        t.add(CASES.one("cond_inf", x -> x[0].linalgCond(inf)));
        t.add(CASES.one("cond_neginf", x -> x[0].linalgCond(-inf)));
        t.add(CASES.one("cond_f32", x -> x[0].linalgCond()));
        t.add(CASES.one("cond_singular_1", x -> x[0].linalgCond(1)));
        t.add(CASES.one("cond_singular_batch_fro", x -> x[0].linalgCond("fro")));
        t.add(CASES.one("cond_empty", x -> x[0].linalgCond()));
        t.add(CASES.one("cond_empty_1", x -> x[0].linalgCond(1)));
        for (String k : List.of("rank_full", "rank_deficient", "rank_batch", "rank_f32", "rank_tol_edge", "rank_empty")) {
            t.add(CASES.one(k, x -> x[0].linalgMatrixRank()));
        }
        t.add(CASES.one("rank_atol", x -> x[0].linalgMatrixRank(1.0, null, false)));
        t.add(CASES.one("rank_rtol", x -> x[0].linalgMatrixRank(null, 0.1, false)));
        t.add(CASES.one("rank_atol_rtol", x -> x[0].linalgMatrixRank(0.05, 0.5, false)));
        t.add(CASES.one("rank_atol_zero", x -> x[0].linalgMatrixRank(0.0, null, false)));
        t.add(CASES.one("rank_hermitian", x -> x[0].linalgMatrixRank(null, null, true)));
        t.add(CASES.one("rank_hermitian_lower", x -> x[0].linalgMatrixRank(null, null, true)));
        return t;
    }

    @TestFactory
    List<DynamicTest> pinvMatchesPyTorch() {
        List<DynamicTest> t = new ArrayList<>();
        for (String k : List.of("pinv_tall", "pinv_wide", "pinv_batch", "pinv_f32", "pinv_rank1", "pinv_rank2_batch", "pinv_zero",
                "pinv_empty")) {
            t.add(CASES.one(k, x -> x[0].linalgPinv()));
        }
        t.add(CASES.one("pinv_atol", x -> x[0].linalgPinv(0.3, null, false)));
        t.add(CASES.one("pinv_rtol", x -> x[0].linalgPinv(null, 0.4, false)));
        t.add(CASES.one("pinv_hermitian", x -> x[0].linalgPinv(null, null, true)));
        t.add(CASES.one("pinv_hermitian_grad", x -> x[0].linalgPinv(null, null, true)));
        t.add(CASES.one("lstsq_wide_grad", x -> x[0].linalgLstsq(x[1])));
        return t;
    }

    @Test
    void condThroughTheInverseHasPyTorchsNodeAndItsInPlaceBackwardError() {
        Tensor a = Tensor.randn(GEN, DType.FLOAT64, 3, 3).requiresGrad_(true);
        Tensor c = a.linalgCond(1);
        assertEquals(TORCH.field("cond_1_node", "node"), c.gradFn().name());
        assertEquals(TORCH.field("cond_1_node", "node_fro"), a.linalgCond("fro").gradFn().name());
        // the inverse was filled in place after its node saved it: PyTorch's backward fails the same way
        assertThrows(IllegalStateException.class, () -> c.backward());
        // an exactly singular matrix: s_min is zero (Ember) or rounding noise (LAPACK: 4.8e16 here)
        assertTrue(Tensor.tensor(new double[][] {{1, 2}, {2, 4}}, DType.FLOAT64).linalgCond().item() > 1e15);
    }

    // ------------------------------------------------------------------ the decomposition itself

    private static void assertDecomposes(Tensor a, boolean full, double tol) {
        SvdResult r = a.linalgSvd(full);
        int m = a.size(-2);
        int n = a.size(-1);
        int k = Math.min(m, n);
        String what = Arrays.toString(a.shape()) + (full ? " full" : " reduced") + " " + a.dtype();
        int[] batch = Arrays.copyOf(a.shape(), a.dim() - 2);
        int[] us = Arrays.copyOf(batch, batch.length + 2);
        us[batch.length] = m;
        us[batch.length + 1] = full ? m : k;
        int[] vs = Arrays.copyOf(batch, batch.length + 2);
        vs[batch.length] = full ? n : k;
        vs[batch.length + 1] = n;
        assertArrayEquals(us, r.U().shape(), what + " U's shape");
        assertArrayEquals(vs, r.Vh().shape(), what + " Vh's shape");
        Tensor uk = r.U().narrow(-1, 0, k);
        Tensor vk = r.Vh().narrow(-2, 0, k);
        Tensor back = uk.mul(r.S().unsqueeze(-2)).matmul(vk);
        double scale = Math.max(1, a.abs().amax().item());
        assertTrue(back.sub(a).abs().amax().item() <= tol * scale, what + ": U diag(S) Vh = A");
        int uc = r.U().size(-1);
        int vr = r.Vh().size(-2);
        assertTrue(r.U().mT().matmul(r.U()).sub(Tensor.eye(uc, uc, a.dtype())).abs().amax().item() <= tol,
                what + ": U^T U = I");
        assertTrue(r.Vh().matmul(r.Vh().mT()).sub(Tensor.eye(vr, vr, a.dtype())).abs().amax().item() <= tol,
                what + ": Vh Vh^T = I");
        if (k > 1) {
            Tensor s = r.S();
            assertTrue(s.narrow(-1, 0, k - 1).ge(s.narrow(-1, 1, k - 1)).all(), what + ": descending");
        }
        assertTrue(r.S().ge(0L).all(), what + ": non-negative");
    }

    @Test
    void reconstructsWithOrthonormalVectors() {
        int[][] shapes = {{4, 4}, {7, 3}, {3, 7}, {2, 3, 5, 4}, {1, 1}, {1, 5}, {6, 1}, {17, 13}, {13, 17}, {40, 40}};
        for (int[] s : shapes) {
            for (boolean full : new boolean[] {false, true}) {
                Tensor a = Tensor.randn(GEN, DType.FLOAT64, s);
                assertDecomposes(a, full, 1e-12);
                assertDecomposes(LinalgTest.nonContiguous(a), full, 1e-12);
                assertDecomposes(a.to(DType.FLOAT32), full, 2e-6);
            }
        }
        // rank-deficient, zero and repeated: the vectors of the zero values complete an orthonormal basis
        Tensor rank1 = Tensor.randn(GEN, DType.FLOAT64, 6, 1).matmul(Tensor.randn(GEN, DType.FLOAT64, 1, 4));
        for (boolean full : new boolean[] {false, true}) {
            assertDecomposes(rank1, full, 1e-12);
            assertDecomposes(rank1.mT(), full, 1e-12);
            assertDecomposes(Tensor.zeros(DType.FLOAT64, 3, 5), full, 1e-12);
            assertDecomposes(Tensor.eye(4, 4, DType.FLOAT64), full, 1e-12);
            assertDecomposes(Tensor.zeros(DType.FLOAT64, 2, 2, 3), full, 1e-12);
        }
        // extreme magnitudes: scaled by powers of two, so no overflow in the squared norms and denormals keep their digits
        Tensor base = Tensor.randn(GEN, DType.FLOAT64, 5, 3);
        Tensor sv = base.linalgSvdvals();
        LinalgTest.assertClose("huge", sv.mul(1e300).toDoubleArray(), base.mul(1e300).linalgSvdvals(), false);
        double[] tiny = base.mul(1e-310).linalgSvdvals().div(1e-310).toDoubleArray();
        for (int i = 0; i < tiny.length; i++) {
            assertEquals(sv.toDoubleArray()[i], tiny[i], 1e-8 * sv.toDoubleArray()[0], "denormal singular value " + i);
        }
        // a broadcast (stride 0) input
        Tensor bc = Tensor.randn(GEN, DType.FLOAT64, 1, 3, 4).expand(5, 3, 4);
        assertDecomposes(bc, false, 1e-12);
    }

    @Test
    void emptyMatricesAsPyTorch() {
        for (String key : List.of("svd_empty_0x3_full", "svd_empty_3x0_full", "svd_empty_3x0", "svd_empty_batch")) {
            int[] shape;
            boolean full = !key.equals("svd_empty_3x0");
            switch (key) {
                case "svd_empty_0x3_full": shape = new int[] {0, 3}; break;
                case "svd_empty_batch": shape = new int[] {2, 0, 2}; break;
                default: shape = new int[] {3, 0};
            }
            SvdResult r = Tensor.zeros(DType.FLOAT64, shape).linalgSvd(full);
            assertArrayEquals(LinalgCases.shapeOf(TORCH.field(key, "ushape")), r.U().shape(), key + " U");
            assertArrayEquals(LinalgCases.shapeOf(TORCH.field(key, "sshape")), r.S().shape(), key + " S");
            assertArrayEquals(LinalgCases.shapeOf(TORCH.field(key, "vhshape")), r.Vh().shape(), key + " Vh");
            assertArrayEquals(PyTorchCases.numbers(TORCH.field(key, "u")), r.U().toDoubleArray(), key + " U");
            assertArrayEquals(PyTorchCases.numbers(TORCH.field(key, "vh")), r.Vh().toDoubleArray(), key + " Vh");
        }
    }

    @Test
    void nodesAreOneLinalgSvdBackward0() {
        Tensor a = Tensor.randn(GEN, DType.FLOAT64, 4, 3).requiresGrad_(true);
        SvdResult r = a.linalgSvd(false);
        for (Tensor o : new Tensor[] {r.U(), r.S(), r.Vh()}) {
            assertEquals("LinalgSvdBackward0", o.gradFn().name());
            assertEquals("AccumulateGrad", o.gradFn().nextFunctions().get(0).name());
        }
        assertEquals("LinalgSvdBackward0", a.linalgSvdvals().gradFn().name());
        // without a gradient: no node, and the values alone
        Tensor plain = a.detach().linalgSvdvals();
        assertNull(plain.gradFn());
        assertTrue(plain.allclose(r.S().detach(), 1e-12, 1e-12));
    }

    @Test
    void repeatedSingularValuesGiveGradientsAsPyTorch() {
        // svdvals' gradient U diag(gS) Vh stays finite where values repeat
        Tensor a = Tensor.eye(3, 3, DType.FLOAT64).requiresGrad_(true);
        a.linalgSvdvals().sum().backward();
        LinalgTest.assertClose("svdvals at repeated values", PyTorchCases.numbers(TORCH.field("repeated_svdvals_grad",
                "grad")), a.grad(), false);
        // a function of the vectors divides by S_i^2 - S_j^2 = 0
        Tensor b = Tensor.eye(3, 3, DType.FLOAT64).requiresGrad_(true);
        SvdResult r = b.linalgSvd();
        r.U().matmul(r.Vh()).mul(Tensor.arange(0, 9, 1).to(DType.FLOAT64).reshape(3, 3)).sum().backward();
        assertEquals(Boolean.parseBoolean(TORCH.field("repeated_uv_grad", "finite").toLowerCase()),
                b.grad().isfinite().all());
        assertFalse(b.grad().isfinite().all());
    }

    // ------------------------------------------------------------------ gradcheck and gradgradcheck

    private static Tensor r(int... shape) {
        return Tensor.rand(GEN, DType.FLOAT64, shape).mul(2).sub(1.0).detach().requiresGrad_(true);
    }

    /** A matrix with well-separated singular values (the vectors' derivatives divide by their gaps). */
    private static Tensor separated(int m, int n) {
        Tensor steps = Tensor.arange(1, n + 1, 1).to(DType.FLOAT64);
        Tensor a = Tensor.rand(GEN, DType.FLOAT64, m, n).mul(0.2).add(Tensor.eye(m, n, DType.FLOAT64).mul(steps));
        return a.detach().requiresGrad_(true);
    }

    private static Tensor gauge(Tensor a, boolean full) {
        Tensor[] o = invariant(a, full);
        return Tensor.cat(List.of(o[1].reshape(-1), o[3].reshape(-1), o[0].reshape(-1).mul(0.5), o[2].reshape(-1)), 0);
    }

    private static Map<String, Object[]> differentiable() {
        Map<String, Object[]> m = new LinkedHashMap<>();
        m.put("svdvals", new Object[] {(Function<Tensor[], Tensor>) x -> x[0].linalgSvdvals(), r(2, 4, 3)});
        m.put("svdvals wide", new Object[] {(Function<Tensor[], Tensor>) x -> x[0].linalgSvdvals(), r(2, 5)});
        m.put("svd square", new Object[] {(Function<Tensor[], Tensor>) x -> gauge(x[0], false), separated(3, 3)});
        m.put("svd tall", new Object[] {(Function<Tensor[], Tensor>) x -> gauge(x[0], false), separated(4, 2)});
        m.put("svd wide", new Object[] {(Function<Tensor[], Tensor>) x -> gauge(x[0], false), separated(2, 4)});
        m.put("svd full tall", new Object[] {(Function<Tensor[], Tensor>) x -> gauge(x[0], true), separated(4, 3)});
        m.put("svd full wide", new Object[] {(Function<Tensor[], Tensor>) x -> gauge(x[0], true), separated(2, 3)});
        m.put("svd U only", new Object[] {(Function<Tensor[], Tensor>) x -> {
            Tensor u = x[0].linalgSvd(false).U();
            return u.mul(Tensor.tensor(new double[] {1, 2})).matmul(u.mT());
        }, separated(4, 2)});
        m.put("svd Vh only", new Object[] {(Function<Tensor[], Tensor>) x -> {
            Tensor v = x[0].linalgSvd(false).Vh();
            return v.mT().matmul(v.mul(Tensor.tensor(new double[] {1, 2}).unsqueeze(-1)));
        }, separated(2, 4)});
        m.put("matrix norm 2", new Object[] {(Function<Tensor[], Tensor>) x -> x[0].matrixNorm(2, null, false), separated(3, 4)});
        m.put("matrix norm -2", new Object[] {(Function<Tensor[], Tensor>) x -> x[0].matrixNorm(-2, new int[] {0, 1}, true),
            separated(4, 3)});
        m.put("matrix norm nuc", new Object[] {(Function<Tensor[], Tensor>) x -> x[0].matrixNorm("nuc", null, false),
            r(2, 3, 3)});
        m.put("pinv", new Object[] {(Function<Tensor[], Tensor>) x -> x[0].linalgPinv(), separated(4, 3)});
        m.put("pinv wide", new Object[] {(Function<Tensor[], Tensor>) x -> x[0].linalgPinv(), separated(2, 3)});
        m.put("cond", new Object[] {(Function<Tensor[], Tensor>) x -> x[0].linalgCond(), separated(3, 3)});
        m.put("cond nuc", new Object[] {(Function<Tensor[], Tensor>) x -> x[0].linalgCond("nuc"), separated(3, 3)});
        return m;
    }

    @TestFactory
    List<DynamicTest> gradcheck() {
        return GradcheckCases.of(differentiable(), true, false);
    }

    @TestFactory
    List<DynamicTest> gradgradcheck() {
        return GradcheckCases.of(differentiable(), false, true);
    }

    // ------------------------------------------------------------------ errors

    static void fails(String key, Executable call, Tensor... untouched) {
        TorchErrors.failsLike(TORCH, key, call, untouched);
    }

    @Test
    void errorsAsPyTorch() {
        Tensor v = Tensor.ones(3);
        Tensor l = Tensor.ones(DType.INT64, 2, 2);
        Tensor nan = Tensor.tensor(new double[][] {{1, Double.NaN}, {0, 1}}, DType.FLOAT64);
        fails("svd_1d", () -> v.linalgSvd(), v);
        fails("svd_long", () -> l.linalgSvd(), l);
        fails("svdvals_1d", v::linalgSvdvals, v);
        fails("svdvals_long", l::linalgSvdvals, l);
        fails("svd_nan", () -> nan.linalgSvd(), nan);
        fails("svdvals_nan", nan::linalgSvdvals, nan);
        Tensor batch = Tensor.stack(List.of(Tensor.eye(2, 2, DType.FLOAT64), nan), 0);
        fails("svd_nan_batch", () -> batch.linalgSvd(), batch);
        fails("mnorm_2_long", () -> l.matrixNorm(2, null, false), l);
        fails("mnorm_nuc_1d", () -> v.matrixNorm("nuc", null, false), v);
        fails("mnorm_nuc_same_dims", () -> Tensor.ones(3, 3).matrixNorm("nuc", new int[] {1, -1}, false));
        fails("mnorm_3", () -> Tensor.ones(3, 3).matrixNorm(3, null, false));
        fails("mnorm_2_nan", () -> nan.matrixNorm(2, null, false), nan);
        fails("cond_1d", v::linalgCond, v);
        fails("cond_bad_ord", () -> Tensor.ones(3, 3).linalgCond(3));
        fails("cond_bad_str", () -> Tensor.ones(3, 3).linalgCond("foo"));
        fails("cond_nonsquare_1", () -> Tensor.ones(2, 3).linalgCond(1));
        fails("cond_nonsquare_inf", () -> Tensor.ones(2, 3).linalgCond(Double.POSITIVE_INFINITY));
        fails("cond_nonsquare_fro", () -> Tensor.ones(2, 3).linalgCond("fro"));
        fails("cond_long", () -> Tensor.ones(DType.INT64, 2, 2).linalgCond());
        fails("rank_1d", v::linalgMatrixRank, v);
        fails("rank_long", l::linalgMatrixRank, l);
        fails("rank_hermitian_nonsquare", () -> Tensor.ones(2, 3).linalgMatrixRank(null, null, true));
        fails("pinv_1d", v::linalgPinv, v);
        fails("pinv_long", l::linalgPinv, l);
    }

    // ------------------------------------------------------------------ host default: what CUDA runs today

    @Test
    void hostDefaultMatchesTheCpuKernel() {
        Backends2.registerFakeCuda(Set.of("svd", "eigh"));
        Device gpu = Device.cuda(0);
        for (DType t : new DType[] {DType.FLOAT64, DType.FLOAT32}) {
            boolean f32 = t == DType.FLOAT32;
            for (int[] shape : new int[][] {{2, 5, 3}, {3, 6}, {4, 4}}) {
                Tensor a = LinalgTest.nonContiguous(Tensor.randn(GEN, t, shape));
                Tensor ag = a.to(gpu);
                assertEquals(gpu, ag.device());
                for (boolean full : new boolean[] {false, true}) {
                    SvdResult c = a.linalgSvd(full);
                    SvdResult g = ag.linalgSvd(full);
                    LinalgTest.assertClose("U", c.U().toDoubleArray(), g.U().cpu(), f32);
                    LinalgTest.assertClose("S", c.S().toDoubleArray(), g.S().cpu(), f32);
                    LinalgTest.assertClose("Vh", c.Vh().toDoubleArray(), g.Vh().cpu(), f32);
                }
                LinalgTest.assertClose("svdvals", a.linalgSvdvals().toDoubleArray(), ag.linalgSvdvals().cpu(), f32);
                LinalgTest.assertClose("nuc", a.matrixNorm("nuc", null, false).toDoubleArray(),
                        ag.matrixNorm("nuc", null, false).cpu(), f32);
            }
        }
        Tensor x = Tensor.randn(GEN, DType.FLOAT64, 4, 3);
        Tensor xg = x.to(gpu).requiresGrad_(true);
        Tensor xc = x.detach().requiresGrad_(true);
        xg.matrixNorm(2, null, false).backward();
        xc.matrixNorm(2, null, false).backward();
        LinalgTest.assertClose("gradient", xc.grad().toDoubleArray(), xg.grad().cpu(), false);
        assertEquals(x.linalgMatrixRank().item(), x.to(gpu).linalgMatrixRank().item(), 0);
        Tensor nan = Tensor.tensor(new double[][] {{Double.NaN}}, DType.FLOAT64).to(gpu);
        LinAlgError e = assertThrows(LinAlgError.class, nan::linalgSvdvals);
        assertEquals(TORCH.error("svdvals_nan"), e.getMessage());
    }
}
