package dev.ember;

import dev.ember.nn.Functional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The meta device's gaps left by {@link MetaDeviceTest}: linalg (decompositions, solvers, norms), the special functions
 * Ember computes on the host, histograms and random ops, their gradients, and what PyTorch 2.x refuses on meta.
 * Expected shapes, types and strides are PyTorch's (resources/metadevice2/gen_meta_gaps.py: 1.13's meta kernels, 2.x's
 * meta rules where 1.13 has none); the LAPACK-backed results of inv, solve, cholesky, qr, svd, eigh and lu_factor are
 * batched column-major on meta, as PyTorch's meta kernels give them; for the other linalg results and the gradients
 * (rule "rowmajor") Ember keeps its row-major strides, as its CPU kernels do. Refusals are PyTorch 2.x's words for an
 * operator without a meta kernel.
 */
class MetaDeviceGapsTest {
    @AfterEach
    void restoreDefaultDevice() {
        Ember.setDefaultDevice(Device.CPU);
    }

    private static Tensor e(int... shape) {
        return e(DType.FLOAT32, shape);
    }

    private static Tensor e(DType dtype, int... shape) {
        try (DeviceScope s = Ember.deviceScope(Device.META)) {
            return Tensor.empty(dtype, shape);
        }
    }

    private static Tensor scoped(Supplier<Tensor> f) {
        try (DeviceScope s = Ember.deviceScope(Device.META)) {
            return f.get();
        }
    }

    private static List<Tensor> grad(Tensor x, java.util.function.UnaryOperator<Tensor> f) {
        x.requiresGrad_(true);
        f.apply(x).sum().backward();
        return List.of(x.grad());
    }

    /** The cases of meta_gaps.txt, by name: each gives a tensor, a record of tensors or a list of them. */
    private static Map<String, Supplier<Object>> cases() {
        Map<String, Supplier<Object>> c = new LinkedHashMap<>();
        Supplier<Tensor> a = () -> e(3, 4, 4);
        Supplier<Tensor> b = () -> e(3, 4, 2);
        c.put("inv", () -> a.get().linalgInv());
        c.put("inv_ex", () -> a.get().linalgInvEx(false));
        c.put("det", () -> a.get().linalgDet());
        c.put("slogdet", () -> a.get().linalgSlogdet());
        c.put("logdet", () -> a.get().logdet());
        c.put("solve", () -> a.get().linalgSolve(b.get()));
        c.put("solve_ex", () -> a.get().linalgSolveEx(b.get()));
        c.put("cholesky", () -> a.get().linalgCholesky());
        c.put("cholesky_ex", () -> a.get().linalgCholeskyEx(false, false));
        c.put("qr", () -> e(3, 5, 4).linalgQr());
        c.put("qr_r", () -> e(3, 5, 4).linalgQr("r"));
        c.put("qr_complete", () -> e(3, 5, 4).linalgQr("complete"));
        c.put("svd", () -> e(3, 5, 4).linalgSvd(true));
        c.put("svd_f", () -> e(3, 5, 4).linalgSvd(false));
        c.put("svdvals", () -> e(3, 5, 4).linalgSvdvals());
        c.put("eig", () -> a.get().linalgEig());
        c.put("eigvals", () -> a.get().linalgEigvals());
        c.put("eigh", () -> a.get().linalgEigh());
        c.put("eigvalsh", () -> a.get().linalgEigvalsh());
        c.put("lu_factor", () -> a.get().linalgLuFactor());
        c.put("lu_factor_ex", () -> a.get().linalgLuFactorEx());
        c.put("lu", () -> e(3, 5, 4).linalgLu());
        c.put("lu_solve", () -> Tensor.linalgLuSolve(a.get(), e(DType.INT32, 3, 4), b.get(), true, false));
        c.put("matrix_norm_fro", () -> a.get().matrixNorm());
        c.put("matrix_norm_2", () -> a.get().matrixNorm(2.0, new int[] {-2, -1}, false));
        c.put("matrix_norm_nuc", () -> a.get().matrixNorm("nuc", new int[] {-2, -1}, false));
        c.put("norm", () -> a.get().linalgNorm());
        c.put("pinv", () -> e(3, 5, 4).linalgPinv());
        c.put("matrix_rank", () -> a.get().linalgMatrixRank());
        c.put("matrix_power", () -> a.get().linalgMatrixPower(3));
        c.put("matrix_exp", () -> a.get().linalgMatrixExp());
        c.put("solve_triangular", () -> a.get().linalgSolveTriangular(b.get(), true));
        c.put("cond", () -> a.get().linalgCond());
        c.put("householder_product", () -> e(5, 4).linalgHouseholderProduct(e(4)));
        c.put("tensorinv", () -> e(4, 2, 2).linalgTensorinv(1));
        c.put("tensorsolve", () -> e(2, 3, 6).linalgTensorsolve(e(2, 3)));
        c.put("ldl_factor", () -> a.get().linalgLdlFactor());
        c.put("cholesky_inverse", () -> a.get().choleskyInverse(false));
        c.put("cholesky_solve", () -> b.get().choleskySolve(a.get(), false));
        c.put("triangular_solve", () -> b.get().triangularSolve(a.get()));
        c.put("ormqr", () -> a.get().ormqr(e(3, 4), b.get(), true, false));
        c.put("det_f64", () -> e(DType.FLOAT64, 2, 3, 3).linalgDet());
        c.put("eigvals_f64", () -> e(DType.FLOAT64, 3, 3).linalgEigvals());
        java.util.function.BiFunction<int[], Object, Tensor> cx = (sh, u) -> e(DType.COMPLEX64, sh);
        c.put("c_inv", () -> cx.apply(new int[] {2, 4, 4}, null).linalgInv());
        c.put("c_det", () -> cx.apply(new int[] {2, 4, 4}, null).linalgDet());
        c.put("c_slogdet", () -> cx.apply(new int[] {2, 4, 4}, null).linalgSlogdet());
        c.put("c_solve", () -> cx.apply(new int[] {2, 4, 4}, null).linalgSolve(cx.apply(new int[] {2, 4, 3}, null)));
        c.put("c_cholesky", () -> cx.apply(new int[] {2, 4, 4}, null).linalgCholesky());
        c.put("c_eigh", () -> cx.apply(new int[] {2, 4, 4}, null).linalgEigh());
        c.put("c_eigvalsh", () -> cx.apply(new int[] {2, 4, 4}, null).linalgEigvalsh());
        c.put("c_qr", () -> cx.apply(new int[] {2, 4, 3}, null).linalgQr());
        c.put("c_svd", () -> cx.apply(new int[] {2, 4, 3}, null).linalgSvd(false));
        c.put("c_svdvals", () -> cx.apply(new int[] {2, 4, 3}, null).linalgSvdvals());
        c.put("c_lu_factor", () -> cx.apply(new int[] {2, 4, 4}, null).linalgLuFactor());
        c.put("c_lu", () -> cx.apply(new int[] {2, 4, 3}, null).linalgLu());
        c.put("c_pinv", () -> cx.apply(new int[] {2, 4, 3}, null).linalgPinv());
        c.put("c_matrix_rank", () -> cx.apply(new int[] {2, 4, 4}, null).linalgMatrixRank());
        c.put("c_eig", () -> cx.apply(new int[] {2, 4, 4}, null).linalgEig());
        c.put("c_matrix_exp", () -> cx.apply(new int[] {2, 4, 4}, null).linalgMatrixExp());
        c.put("c_solve_triangular", () -> cx.apply(new int[] {2, 4, 4}, null).linalgSolveTriangular(
                cx.apply(new int[] {2, 4, 3}, null), true));
        Map<String, java.util.function.UnaryOperator<Tensor>> specials = new LinkedHashMap<>();
        specials.put("lgamma", Tensor::lgamma);
        specials.put("digamma", Tensor::digamma);
        specials.put("erfinv", Tensor::erfinv);
        specials.put("i0", Tensor::i0);
        specials.put("i0e", Special::i0e);
        specials.put("i1", Special::i1);
        specials.put("i1e", Special::i1e);
        specials.put("ndtri", Special::ndtri);
        specials.put("log_ndtr", Special::logNdtr);
        specials.put("erfcx", Special::erfcx);
        specials.put("bessel_j0", Special::besselJ0);
        specials.put("bessel_j1", Special::besselJ1);
        specials.put("bessel_y0", Special::besselY0);
        specials.put("bessel_y1", Special::besselY1);
        specials.put("modified_bessel_i0", Special::modifiedBesselI0);
        specials.put("modified_bessel_i1", Special::modifiedBesselI1);
        specials.put("modified_bessel_k0", Special::modifiedBesselK0);
        specials.put("modified_bessel_k1", Special::modifiedBesselK1);
        specials.put("scaled_modified_bessel_k0", Special::scaledModifiedBesselK0);
        specials.put("scaled_modified_bessel_k1", Special::scaledModifiedBesselK1);
        specials.put("spherical_bessel_j0", Special::sphericalBesselJ0);
        specials.put("airy_ai", Special::airyAi);
        specials.forEach((k, f) -> {
            c.put(k, () -> f.apply(e(3, 4)));
            c.put(k + "_f64", () -> f.apply(e(DType.FLOAT64, 3, 4)));
        });
        c.put("i0_int", () -> e(DType.INT64, 3, 4).i0());
        c.put("lgamma_int", () -> e(DType.INT64, 3, 4).lgamma());
        c.put("bessel_j0_int", () -> Special.besselJ0(e(DType.INT32, 3, 4)));
        c.put("i0_t", () -> e(3, 4).t().i0());
        c.put("polygamma", () -> e(3, 4).polygamma(2));
        c.put("chebyshev_t", () -> Special.chebyshevPolynomialT(e(3, 1), e(4)));
        c.put("hermite_h_n", () -> Special.hermitePolynomialH(e(3, 4), 3));
        c.put("legendre_p_f64", () -> Special.legendrePolynomialP(e(3, 4), e(DType.FLOAT64, 4)));
        c.put("laguerre_l_int", () -> Special.laguerrePolynomialL(e(DType.INT64, 3, 4), e(DType.INT64, 4)));
        c.put("zeta", () -> Special.zeta(e(3, 1), e(4)));
        c.put("igamma", () -> e(3, 4).igamma(e(4)));
        c.put("igammac_f64", () -> e(DType.FLOAT64, 3, 4).igammac(e(4)));
        c.put("gammainc", () -> Special.gammainc(e(3, 4), e(4)));
        c.put("histc", () -> e(3, 4).histc(10));
        c.put("histc_mm", () -> e(3, 4).histc(7, 0, 1));
        c.put("histc_f64", () -> e(DType.FLOAT64, 5).histc(3));
        c.put("poisson", () -> Tensor.poisson(e(3, 4)));
        c.put("multinomial", () -> e(3, 5).multinomial(2, false));
        c.put("multinomial_r", () -> e(5).multinomial(7, true));
        c.put("rrelu", () -> Functional.rrelu(e(3, 4), 1.0 / 8, 1.0 / 3, true));
        c.put("normal_", () -> e(3, 4).normal_(0, 1));
        c.put("uniform_", () -> e(3, 4).uniform_(0, 1));
        c.put("exponential_", () -> e(3, 4).exponential_(1));
        c.put("geometric_", () -> e(3, 4).geometric_(0.5));
        c.put("log_normal_", () -> e(3, 4).logNormal_(1, 2));
        c.put("cauchy_", () -> e(3, 4).cauchy_(0, 1));
        c.put("random_to", () -> e(3, 4).random_(0, 5));
        c.put("bernoulli_f", () -> e(3, 4).bernoulli(0.3));
        c.put("randint", () -> scoped(() -> Tensor.randint(0, 10, 2, 3)));
        c.put("randint_like", () -> e(DType.FLOAT64, 3, 4).randintLike(10));
        c.put("randperm", () -> scoped(() -> Tensor.randperm(5)));
        c.put("normal_ff", () -> scoped(() -> Tensor.normal(0.0, 1.0, 2, 3)));
        // element types a CPU kernel refuses and a meta function does not check
        Supplier<Tensor> i = () -> e(DType.INT64, 2, 3);
        Supplier<Tensor> bo = () -> e(DType.BOOL, 2, 3);
        Supplier<Tensor> h = () -> e(DType.FLOAT16, 2, 3);
        c.put("t_leaky_relu_int", () -> Functional.leakyRelu(i.get()));
        c.put("t_elu_int", () -> Functional.elu(i.get()));
        c.put("t_silu_int", () -> Functional.silu(i.get()));
        c.put("t_mish_int", () -> Functional.mish(i.get()));
        c.put("t_softplus_int", () -> Functional.softplus(i.get()));
        c.put("t_hardswish_int", () -> Functional.hardswish(i.get()));
        c.put("t_hardsigmoid_int", () -> Functional.hardsigmoid(i.get()));
        c.put("t_hardshrink_int", () -> Functional.hardshrink(i.get()));
        c.put("t_softshrink_int", () -> Functional.softshrink(i.get()));
        c.put("t_threshold_bool", () -> Functional.threshold(bo.get(), 0.5, 1.0));
        c.put("t_glu_int", () -> Functional.glu(e(DType.INT64, 2, 4)));
        c.put("t_celu_int", () -> Functional.celu(i.get(), 1.0));
        c.put("t_selu_int", () -> Functional.selu(i.get()));
        c.put("t_logsigmoid_int", () -> Functional.logsigmoid(i.get()));
        c.put("t_igamma_int", () -> i.get().igamma(i.get()));
        c.put("t_addcmul_bool", () -> bo.get().addcmul(bo.get(), bo.get()));
        c.put("t_abs_bool", () -> bo.get().abs());
        c.put("t_ceil_bool", () -> bo.get().ceil());
        c.put("t_round_bool", () -> bo.get().round());
        c.put("t_frac_int", () -> i.get().frac());
        c.put("t_fmod_bool", () -> bo.get().fmod(bo.get()));
        c.put("t_remainder_bool", () -> bo.get().remainder(bo.get()));
        c.put("t_bitwise_and_f", () -> e(2, 3).bitwiseAnd(e(2, 3)));
        c.put("t_bitwise_not_f", () -> e(2, 3).bitwiseNot());
        c.put("t_lshift_f", () -> e(2, 3).bitwiseLeftShift(e(2, 3)));
        c.put("t_gcd_f", () -> e(2, 3).gcd(e(2, 3)));
        c.put("t_lcm_int", () -> i.get().lcm(i.get()));
        c.put("t_hypot_int", () -> i.get().hypot(i.get()));
        c.put("t_logaddexp_int", () -> i.get().logaddexp(i.get()));
        c.put("t_nextafter_int", () -> i.get().nextafter(i.get()));
        c.put("t_argmax_bool", () -> bo.get().argmax());
        c.put("t_argmin_bool", () -> bo.get().argmin(1, false));
        c.put("t_topk_bool", () -> {
            Tensor.ValuesIndices r = bo.get().topk(1);
            return List.of(r.values(), r.indices());
        });
        c.put("t_mm_bool", () -> bo.get().mm(e(DType.BOOL, 3, 2)));
        c.put("t_normal_int", () -> i.get().normal_(0, 1));
        c.put("t_exponential_bool", () -> bo.get().exponential_(1));
        c.put("t_cauchy_int", () -> i.get().cauchy_(0, 1));
        c.put("t_log_normal_int", () -> i.get().logNormal_(1, 2));
        c.put("t_bernoulli_int", () -> i.get().bernoulli());
        c.put("t_randn_like_int", () -> i.get().randnLike());
        c.put("t_lgamma_f16", () -> h.get().lgamma());
        c.put("t_i0_f16", () -> h.get().i0());
        c.put("t_bessel_j0_f16", () -> Special.besselJ0(h.get()));
        c.put("t_erfcx_f16", () -> Special.erfcx(h.get()));
        c.put("t_zeta_f16", () -> Special.zeta(h.get(), h.get()));
        c.put("logcumsumexp_int", () -> i.get().logcumsumexp(1));
        c.put("t_lu_factor_int", () -> e(DType.INT64, 3, 3).linalgLuFactor());
        c.put("t_cumsum__bool", () -> bo.get().cumsum_(1));
        c.put("frexp", () -> e(2, 3).frexp());
        c.put("frexp_f64_t", () -> e(DType.FLOAT64, 3, 2).t().frexp());
        c.put("t_round_decimals_int", () -> i.get().round(1));
        c.put("kthvalue_bool", () -> {
            Tensor.ValuesIndices r = bo.get().kthvalue(1);
            return List.of(r.values(), r.indices());
        });
        c.put("median_bool", () -> bo.get().median());
        c.put("median_dim_bool", () -> {
            Tensor.ValuesIndices r = bo.get().median(1, false);
            return List.of(r.values(), r.indices());
        });
        c.put("searchsorted_sorter", () -> Tensor.searchsorted(e(2, 5), e(2, 3), false, e(DType.INT64, 2, 5)));
        c.put("grad_inv", () -> grad(e(3, 4, 4), Tensor::linalgInv));
        c.put("grad_det", () -> grad(e(3, 4, 4), Tensor::linalgDet));
        c.put("grad_svdvals", () -> grad(e(3, 5, 4), Tensor::linalgSvdvals));
        c.put("grad_eigvalsh", () -> grad(e(3, 4, 4), Tensor::linalgEigvalsh));
        c.put("grad_cholesky", () -> grad(e(4, 4), Tensor::linalgCholesky));
        c.put("grad_i0", () -> grad(e(3, 4), Tensor::i0));
        c.put("grad_lgamma", () -> grad(e(3, 4), Tensor::lgamma));
        c.put("grad_matrix_exp", () -> grad(e(2, 3, 3), Tensor::linalgMatrixExp));
        c.put("grad_solve", () -> grad(e(3, 4, 4), x -> x.linalgSolve(e(3, 4, 2))));
        return c;
    }

    /** The refusals of meta_gaps.txt, by name. */
    private static Map<String, org.junit.jupiter.api.function.Executable> refusals() {
        Map<String, org.junit.jupiter.api.function.Executable> r = new LinkedHashMap<>();
        r.put("geqrf", () -> e(3, 4, 4).geqrf());
        r.put("lstsq", () -> e(3, 5, 4).linalgLstsq(e(3, 5, 2), null, null));
        r.put("bincount", () -> e(DType.INT64, 4).bincount());
        r.put("bincount_w", () -> e(DType.INT64, 4).bincount(e(4), 3));
        r.put("histogram", () -> e(3, 4).histogram(10));
        r.put("histogram_t", () -> e(3, 4).histogram(e(5)));
        r.put("binomial", () -> Tensor.binomial(e(3, 4), e(3, 4)));
        return r;
    }

    private static List<String[]> expected() throws IOException {
        List<String[]> rows = new ArrayList<>();
        try (InputStream in = MetaDeviceGapsTest.class.getResourceAsStream("/metadevice2/meta_gaps.txt");
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (!line.isBlank()) {
                    rows.add(line.split("\\|", -1));
                }
            }
        }
        return rows;
    }

    private static int[] ints(String csv) {
        return csv.isEmpty() ? new int[0] : Arrays.stream(csv.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    private static void flatten(String name, Object r, Map<String, Tensor> into) throws ReflectiveOperationException {
        if (r instanceof Tensor) {
            into.put(name, (Tensor) r);
        } else if (r instanceof List && ((List<?>) r).size() == 1) {
            into.put(name, (Tensor) ((List<?>) r).get(0));
        } else if (r instanceof List) {
            List<?> l = (List<?>) r;
            for (int i = 0; i < l.size(); i++) {
                into.put(name + "." + i, (Tensor) l.get(i));
            }
        } else {
            java.lang.reflect.RecordComponent[] rc = r.getClass().getRecordComponents();
            for (int i = 0; i < rc.length; i++) {
                into.put(name + "." + i, (Tensor) rc[i].getAccessor().invoke(r));
            }
        }
    }

    @Test
    void linalgSpecialHistogramAndRandomOpsGivePyTorchsMetadata() throws Exception {
        Ember.manualSeed(11);
        Tensor reference = Tensor.rand(6);
        Ember.manualSeed(11);
        Map<String, Tensor> results = new LinkedHashMap<>();
        for (Map.Entry<String, Supplier<Object>> en : cases().entrySet()) {
            flatten(en.getKey(), en.getValue().get(), results);
        }
        // the random kernels on meta drew nothing: the default generator is where the seed put it
        assertArrayEquals(reference.toFloatArray(), Tensor.rand(6).toFloatArray());
        List<String[]> rows = expected();
        assertEquals(242, rows.size());
        List<String> failures = new ArrayList<>();
        int rowMajor = 0;
        int checked = 0;
        for (String[] row : rows) {
            if (row[1].equals("refuse")) {
                continue;
            }
            Tensor t = results.remove(row[0]);
            if (t == null) {
                failures.add(row[0] + ": no case");
                continue;
            }
            checked++;
            rowMajor += row[4].equals("rowmajor") ? 1 : 0;
            String got = Arrays.toString(t.shape()) + " " + Arrays.toString(t.stride()) + " " + t.dtype().torchName() + " "
                    + t.device();
            String want = Arrays.toString(ints(row[1])) + " " + Arrays.toString(ints(row[2])) + " torch." + row[3] + " meta";
            if (!got.equals(want)) {
                failures.add(row[0] + ": got " + got + ", want " + want);
            }
        }
        assertTrue(results.isEmpty(), "cases without an expected row: " + results.keySet());
        assertTrue(failures.isEmpty(), String.join("\n", failures));
        assertEquals(235, checked);
        assertEquals(34, rowMajor); // 77 before the column-major meta results of session 44
    }

    @Test
    void opsWithoutAMetaKernelInPyTorchRefuseInItsWords() throws IOException {
        Map<String, org.junit.jupiter.api.function.Executable> r = refusals();
        int n = 0;
        for (String[] row : expected()) {
            if (!row[1].equals("refuse")) {
                continue;
            }
            n++;
            UnsupportedOperationException err = assertThrows(UnsupportedOperationException.class, r.remove(row[0]), row[0]);
            assertEquals(row[2] + ": attempted to run this operator with Meta tensors, but there was no fake impl or Meta "
                    + "kernel registered", err.getMessage(), row[0]);
        }
        assertEquals(7, n);
        assertTrue(r.isEmpty(), "refusals without an expected row: " + r.keySet());
    }

    @Test
    void elementTypesAreRefusedByTheCpuKernelsOnly() {
        // the CPU's refusals are unchanged; the same calls on meta give the results of the cases above
        assertEquals("\"silu_cpu\" not implemented for 'Long'", assertThrows(IllegalArgumentException.class,
                () -> Functional.silu(Tensor.zeros(DType.INT64, 2))).getMessage());
        assertEquals("\"igamma_cpu\" not implemented for 'Long'", assertThrows(IllegalArgumentException.class,
                () -> Tensor.zeros(DType.INT64, 2).igamma(Tensor.zeros(DType.INT64, 2))).getMessage());
        assertEquals("\"bitwise_and_cpu\" not implemented for 'Float'", assertThrows(IllegalArgumentException.class,
                () -> Tensor.zeros(2).bitwiseAnd(Tensor.zeros(2))).getMessage());
        assertEquals("\"normal_kernel_cpu\" not implemented for 'Long'", assertThrows(IllegalArgumentException.class,
                () -> Tensor.zeros(DType.INT64, 2).normal_(0, 1)).getMessage());
        assertEquals("\"argmax_cpu\" not implemented for 'Bool'", assertThrows(IllegalArgumentException.class,
                () -> Tensor.zeros(DType.BOOL, 2).argmax()).getMessage());
        for (DType t : List.of(DType.INT64, DType.BOOL)) {
            assertEquals(t, Functional.silu(e(t, 2)).dtype());
            assertTrue(Functional.hardswish(e(t, 2)).isMeta());
        }
        // ctc_loss's second output has a data-dependent shape: PyTorch 2.x registers no meta _ctc_loss
        Tensor lp = e(5, 2, 4);
        Tensor targets = e(DType.INT64, 2, 3);
        assertEquals("aten::_ctc_loss: attempted to run this operator with Meta tensors, but there was no fake impl or "
                + "Meta kernel registered", assertThrows(UnsupportedOperationException.class, () -> Functional.ctcLoss(lp,
                targets, new long[] {5, 5}, new long[] {3, 3}, 0, "mean", false)).getMessage());
    }

    private static String meta(Tensor t) {
        return t.device() + " " + Arrays.toString(t.shape()) + " " + Arrays.toString(t.stride()) + " " + t.dtype().torchName()
                + " " + t.requiresGrad();
    }

    @Test
    void torchSaveOfMetaTensorsIsPyTorchsFileAndLoadsAsMetaTensors(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws IOException {
        // PyTorch's files (gen_meta_save.py): _rebuild_meta_tensor_no_storage(dtype, size, stride, requires_grad)
        java.nio.file.Path theirs = java.nio.file.Path.of("src/test/resources/metadevice2/meta_tensors.pt");
        Map<?, ?> loaded = (Map<?, ?>) dev.ember.nn.TorchSerialization.load(theirs);
        assertEquals(List.of("w", "b", "t", "g"), new ArrayList<>(loaded.keySet()));
        assertEquals("meta [2, 3] [3, 1] torch.float32 false", meta((Tensor) loaded.get("w")));
        assertEquals("meta [3] [1] torch.float64 false", meta((Tensor) loaded.get("b")));
        assertEquals("meta [2, 3] [1, 2] torch.float32 false", meta((Tensor) loaded.get("t")));
        assertEquals("meta [4] [1] torch.float32 true", meta((Tensor) loaded.get("g")));
        // Ember writes the same bytes for the same tensors
        Map<String, Tensor> mine = new LinkedHashMap<>();
        mine.put("w", e(2, 3));
        mine.put("b", e(DType.FLOAT64, 3));
        mine.put("t", e(3, 2).t());
        mine.put("g", e(4).requiresGrad_(true));
        java.nio.file.Path ours = dir.resolve("meta_tensors.pt");
        dev.ember.nn.TorchSerialization.save(mine, ours);
        assertArrayEquals(java.nio.file.Files.readAllBytes(theirs), java.nio.file.Files.readAllBytes(ours));
        // a module built on meta: its state dict saved as torch.save(model.state_dict()) writes it, versions included
        dev.ember.nn.Linear lin;
        try (DeviceScope s = Ember.deviceScope(Device.META)) {
            lin = new dev.ember.nn.Linear(3, 2);
        }
        java.nio.file.Path theirLinear = java.nio.file.Path.of("src/test/resources/metadevice2/meta_linear.pt");
        Map<String, Tensor> sd = dev.ember.nn.TorchSerialization.loadStateDict(theirLinear);
        assertEquals("meta [2, 3] [3, 1] torch.float32 false", meta(sd.get("weight")));
        assertEquals("meta [2] [1] torch.float32 false", meta(sd.get("bias")));
        java.nio.file.Path ourLinear = dir.resolve("meta_linear.pt");
        Map<String, Tensor> detached = new LinkedHashMap<>();
        lin.stateDict().forEach((k, v) -> detached.put(k, v.detach()));
        dev.ember.nn.TorchSerialization.save(dev.ember.nn.TorchSerialization.stateDictWithVersions(detached,
                Map.of("", 1L)), ourLinear);
        assertArrayEquals(java.nio.file.Files.readAllBytes(theirLinear), java.nio.file.Files.readAllBytes(ourLinear));
        // and the loaded state dict goes into a meta model (assign) without data
        lin.loadStateDict(sd, true, true);
        assertTrue(lin.parameters().stream().allMatch(Tensor::isMeta));
    }

    @Test
    void safetensorsRefusesMetaTensorsAsPyTorchsCopyOutAndWritesNothing(@org.junit.jupiter.api.io.TempDir
            java.nio.file.Path dir) {
        // safetensors' _tobytes moves a tensor to the CPU first: PyTorch's copy out of meta refuses
        java.nio.file.Path file = dir.resolve("m.safetensors");
        Map<String, Tensor> sd = new LinkedHashMap<>();
        sd.put("a", Tensor.ones(2));
        sd.put("w", e(2, 3));
        UnsupportedOperationException err = assertThrows(UnsupportedOperationException.class,
                () -> dev.ember.nn.Safetensors.save(sd, file));
        assertEquals(dev.ember.backend.MetaBackend.COPY_OUT_HINT, err.getMessage());
        assertTrue(!java.nio.file.Files.exists(file));
        assertEquals(dev.ember.backend.MetaBackend.COPY_OUT_HINT, assertThrows(UnsupportedOperationException.class,
                () -> dev.ember.nn.Safetensors.saveBytes(sd)).getMessage());
    }

    /**
     * ModuleSweepTest's modules (resources/modulesweep, PyTorch's printouts, state dicts and outputs), built under a
     * meta device scope: the printout and state dict are PyTorch's, {@code to(float64)} keeps them on meta, and a
     * forward and backward on meta inputs of PyTorch's input shapes gives PyTorch's output shapes and types, gradients
     * of the inputs' and parameters' shapes, all on meta.
     */
    @org.junit.jupiter.api.TestFactory
    List<org.junit.jupiter.api.DynamicTest> sweptModulesBuildPrintAndTrainOnMeta() {
        Map<String, Map<String, String>> cases = ModuleSweepTest.load();
        List<org.junit.jupiter.api.DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, ModuleSweepTest.Spec> en : ModuleSweepTest.SPECS.entrySet()) {
            String name = en.getKey();
            Map<String, String> f = cases.get(name);
            if (name.startsWith("err_") || name.startsWith("init_")) {
                continue;
            }
            tests.add(org.junit.jupiter.api.DynamicTest.dynamicTest(name, () -> metaForward(name, f, en.getValue())));
        }
        assertEquals(181, tests.size());
        return tests;
    }

    private static void metaForward(String name, Map<String, String> f, ModuleSweepTest.Spec spec) {
        dev.ember.nn.Module m;
        try (DeviceScope s = Ember.deviceScope(Device.META)) {
            m = spec.ctor().get();
        }
        assertEquals(f.get("repr").replace("\\n", "\n"), m.toString(), "printout");
        assertSame(m, m.to(DType.FLOAT64));
        for (Tensor t : m.stateDict().values()) {
            assertTrue(t.isMeta(), name);
            if (t.dtype().isFloatingPoint()) {
                assertEquals(DType.FLOAT64, t.dtype(), name);
            }
        }
        m.train(ModuleSweepTest.trainCase(name));
        List<Tensor> ins = new ArrayList<>();
        for (int k = 0; f.containsKey("in" + k); k++) {
            String s = f.get("in" + k);
            Tensor t = ModuleSweepTest.parse(s, false).to(Device.META);
            ins.add(s.startsWith("float") ? t.requiresGrad_(true) : t);
        }
        if (name.equals("bn1d_mom_none_train")) {
            // momentum None averages over num_batches_tracked, read as a Python float: PyTorch's item() refusal
            assertEquals(dev.ember.backend.MetaBackend.ITEM, assertThrows(IllegalStateException.class,
                    () -> spec.fwd().run(m, ins)).getMessage());
            return;
        }
        List<Tensor> outs = spec.fwd().run(m, ins);
        Tensor loss = null;
        for (int k = 0; k < outs.size(); k++) {
            String want = f.get("out" + k);
            Tensor o = outs.get(k);
            assertTrue(o.isMeta(), name + " out" + k);
            assertEquals(Arrays.toString(ModuleSweepTest.shapeOf(want)), Arrays.toString(o.shape()), name + " out" + k);
            assertEquals(want.substring(0, want.indexOf(' ')), o.dtype().torchName().replace("torch.", ""), name + " out" + k);
            if (o.requiresGrad()) {
                loss = loss == null ? o.sum() : loss.add(o.sum());
            }
        }
        assertEquals(f.containsKey("out" + outs.size()), false, name + ": fewer outputs than PyTorch's");
        if (loss != null) {
            loss.backward();
            for (Tensor in : ins) {
                if (in.requiresGrad() && in.grad() != null) {
                    assertTrue(in.grad().isMeta(), name);
                    assertArrayEquals(in.shape(), in.grad().shape(), name);
                }
            }
            for (Map.Entry<String, Tensor> p : m.namedParameters().entrySet()) {
                if (f.containsKey("gp:" + p.getKey())) {
                    Tensor g = p.getValue().grad();
                    assertTrue(g != null && g.isMeta(), name + " " + p.getKey());
                    assertArrayEquals(p.getValue().shape(), g.shape(), name + " " + p.getKey());
                }
            }
        }
    }

    private static final java.util.Set<Class<? extends Throwable>> REFUSALS = java.util.Set.of(IllegalArgumentException.class,
            IllegalStateException.class, UnsupportedOperationException.class, IndexOutOfBoundsException.class);

    /** The public constructor of {@code c} with the fewest parameters, all numbers and flags; null if none. */
    static java.lang.reflect.Constructor<?> simplestConstructor(Class<?> c) {
        java.lang.reflect.Constructor<?> best = null;
        for (java.lang.reflect.Constructor<?> k : c.getConstructors()) {
            boolean simple = true;
            for (Class<?> p : k.getParameterTypes()) {
                simple &= p == int.class || p == long.class || p == double.class || p == boolean.class;
            }
            if (simple && (best == null || k.getParameterCount() < best.getParameterCount())) {
                best = k;
            }
        }
        return best;
    }

    /** A module by {@code ctor} with sizes 4, rates 0.5 and flags true. */
    static dev.ember.nn.Module build(java.lang.reflect.Constructor<?> ctor) throws ReflectiveOperationException {
        Object[] args = new Object[ctor.getParameterCount()];
        Class<?>[] pt = ctor.getParameterTypes();
        for (int i = 0; i < args.length; i++) {
            args[i] = pt[i] == int.class ? (Object) 4 : pt[i] == long.class ? (Object) 4L : pt[i] == double.class
                    ? (Object) 0.5 : (Object) Boolean.TRUE;
        }
        return (dev.ember.nn.Module) ctor.newInstance(args);
    }

    /** The public module classes of dev.ember.nn, from the engine's classes (a folder or a jar). */
    static List<Class<?>> moduleClasses() throws Exception {
        java.nio.file.Path root = java.nio.file.Path.of(dev.ember.nn.Module.class.getProtectionDomain().getCodeSource()
                .getLocation().toURI());
        List<String> names = new ArrayList<>();
        if (java.nio.file.Files.isDirectory(root)) {
            try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.list(root.resolve("dev/ember/nn"))) {
                files.forEach(f -> names.add(f.getFileName().toString()));
            }
        } else {
            try (java.util.jar.JarFile jar = new java.util.jar.JarFile(root.toFile())) {
                jar.stream().map(java.util.jar.JarEntry::getName).filter(n -> n.startsWith("dev/ember/nn/")
                        && n.indexOf('/', "dev/ember/nn/".length()) < 0).forEach(n -> names.add(n.substring(13)));
            }
        }
        List<Class<?>> out = new ArrayList<>();
        java.util.Collections.sort(names);
        for (String n : names) {
            if (!n.endsWith(".class") || n.contains("$")) {
                continue;
            }
            Class<?> c = Class.forName("dev.ember.nn." + n.substring(0, n.length() - 6));
            int mod = c.getModifiers();
            if (dev.ember.nn.Module.class.isAssignableFrom(c) && java.lang.reflect.Modifier.isPublic(mod)
                    && !java.lang.reflect.Modifier.isAbstract(mod)) {
                out.add(c);
            }
        }
        return out;
    }

    /**
     * Every public module class of dev.ember.nn with a constructor of numbers and flags, built under a meta device
     * scope (sizes 4, rates 0.5, flags true): its state is on meta, it prints, and a forward of a meta input (of the
     * first rank it takes; a loss or two-input module with a float or class-index second input) runs on meta and
     * backward, or refuses with one of the engine's exceptions for bad input, never an NPE, a ClassCastException, an
     * arithmetic error or a result off the meta device.
     */
    @Test
    void everyModuleClassBuildsOnMetaAndRunsOrRefusesCleanly() throws Exception {
        List<String> bad = new ArrayList<>();
        List<String> ran = new ArrayList<>();
        List<String> notRun = new ArrayList<>();
        int built = 0;
        for (Class<?> c : moduleClasses()) {
            java.lang.reflect.Constructor<?> best = simplestConstructor(c);
            if (best == null) {
                continue; // built from other modules or lists (Sequential, Fold, ...): covered by the models above
            }
            dev.ember.nn.Module m;
            try (DeviceScope s = Ember.deviceScope(Device.META)) {
                m = build(best);
            }
            built++;
            String name = c.getSimpleName();
            if (!m.stateDict().values().stream().allMatch(Tensor::isMeta)) {
                bad.add(name + ": state off meta");
            }
            assertTrue(!m.toString().isEmpty(), name);
            String outcome = tryForwards(m, name);
            if (outcome.startsWith("BAD")) {
                bad.add(outcome);
            } else if (outcome.equals("ran")) {
                ran.add(name);
            } else {
                notRun.add(name + " " + outcome);
            }
        }
        assertTrue(bad.isEmpty(), String.join("\n", bad));
        assertTrue(built >= 145, "built " + built);
        // what runs no forward here takes more than these inputs (CTCLoss, MultiheadAttention, the triplet losses, ...;
        // the models of sweptModulesBuildPrintAndTrainOnMeta cover the attention modules) or is a container
        assertTrue(ran.size() >= 136, ran.size() + " ran; not: " + String.join("\n", notRun));
        assertTrue(ran.containsAll(List.of("FractionalMaxPool2d", "FractionalMaxPool3d", "EmbeddingBag", "MaxUnpool1d",
                "MaxUnpool2d", "MaxUnpool3d", "CrossEntropyLoss", "NLLLoss", "BCELoss")), ran.toString());
    }

    /** "ran", "refused: ..." or "BAD ...". */
    private static String tryForwards(dev.ember.nn.Module m, String name) {
        List<java.util.function.Supplier<Object>> calls = new ArrayList<>();
        for (int[] shape : new int[][] {{2, 4}, {2, 4, 8}, {2, 4, 8, 8}, {2, 4, 8, 8, 8}}) {
            calls.add(() -> m.forward(e(shape).requiresGrad_(true)));
        }
        java.lang.reflect.Method two = null;
        try {
            two = m.getClass().getMethod("forward", Tensor.class, Tensor.class);
        } catch (NoSuchMethodException ignored) {
            // a one-input module
        }
        if (two != null) {
            java.lang.reflect.Method f = two;
            for (int[] shape : new int[][] {{2, 4}, {2, 4, 8}, {2, 4, 8, 8}}) {
                calls.add(() -> invoke(f, m, e(shape).requiresGrad_(true), e(shape)));
                calls.add(() -> invoke(f, m, e(shape).requiresGrad_(true), e(DType.INT64, 2)));
                calls.add(() -> invoke(f, m, e(shape).requiresGrad_(true), e(DType.INT64, shape)));
            }
        }
        if (name.equals("EmbeddingBag") || name.equals("Embedding")) {
            calls.add(0, () -> m.forward(e(DType.INT64, 2, 4)));
        }
        if (name.startsWith("MaxUnpool")) {
            int rank = name.charAt(9) - '0';
            int[] shape = rank == 1 ? new int[] {2, 4, 2} : rank == 2 ? new int[] {2, 4, 2, 2} : new int[] {2, 4, 2, 2, 2};
            java.lang.reflect.Method f = two;
            calls.add(0, () -> invoke(f, m, e(shape).requiresGrad_(true), e(DType.INT64, shape)));
        }
        String refused = "refused";
        for (java.util.function.Supplier<Object> call : calls) {
            try {
                Object r = call.get();
                if (!(r instanceof Tensor)) {
                    return "BAD " + name + ": returned " + r;
                }
                Tensor y = (Tensor) r;
                if (!y.isMeta()) {
                    return "BAD " + name + ": output off meta";
                }
                if (y.requiresGrad()) {
                    y.sum().backward();
                    for (Tensor p : m.parameters()) {
                        if (p.grad() != null && !p.grad().isMeta()) {
                            return "BAD " + name + ": gradient off meta";
                        }
                    }
                }
                return "ran";
            } catch (RuntimeException e) {
                Throwable t = e instanceof java.lang.reflect.UndeclaredThrowableException ? e.getCause() : e;
                if (!REFUSALS.contains(t.getClass()) && !(t instanceof LinAlgError)) {
                    java.io.StringWriter w = new java.io.StringWriter();
                    t.printStackTrace(new java.io.PrintWriter(w));
                    return "BAD " + name + ": " + w.toString().lines().limit(6).reduce("", (a, b) -> a + "\n" + b);
                }
                refused = "refused: " + t.getMessage();
            }
        }
        return refused;
    }

    private static Object invoke(java.lang.reflect.Method f, Object m, Object... args) {
        try {
            return f.invoke(m, args);
        } catch (java.lang.reflect.InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException) {
                throw (RuntimeException) e.getCause();
            }
            throw new java.lang.reflect.UndeclaredThrowableException(e.getCause());
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void optimizersStepMetaParametersWithPyTorchsState() throws IOException {
        Map<String, java.util.function.Function<List<Tensor>, dev.ember.optim.Optimizer>> os = new LinkedHashMap<>();
        os.put("SGD", p -> new dev.ember.optim.SGD(p, 0.1, 0.9, 0.0, 0.01, true));
        os.put("SGD_plain", p -> new dev.ember.optim.SGD(p, 0.1));
        os.put("Adam", p -> new dev.ember.optim.Adam(p, 1e-3));
        os.put("AdamW", p -> new dev.ember.optim.AdamW(p, 1e-3));
        os.put("RMSprop", p -> new dev.ember.optim.RMSprop(p, 0.01));
        os.put("Adagrad", p -> new dev.ember.optim.Adagrad(p, 0.01));
        os.put("Adadelta", p -> new dev.ember.optim.Adadelta(p));
        os.put("Adamax", p -> new dev.ember.optim.Adamax(p, 0.002));
        os.put("NAdam", p -> new dev.ember.optim.NAdam(p, 0.002));
        os.put("RAdam", p -> new dev.ember.optim.RAdam(p, 0.001));
        os.put("ASGD", p -> new dev.ember.optim.ASGD(p, 0.01));
        os.put("Rprop", p -> new dev.ember.optim.Rprop(p, 0.01));
        os.put("LBFGS", p -> new dev.ember.optim.LBFGS(p));
        List<String> want;
        try (InputStream in = MetaDeviceGapsTest.class.getResourceAsStream("/metadevice2/meta_optim.txt")) {
            want = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().collect(java.util.stream.Collectors.toList());
        }
        assertEquals(os.size(), want.size());
        for (String row : want) {
            String name = row.substring(0, row.indexOf('|'));
            Tensor w = e(3, 4).asParameter();
            dev.ember.optim.Optimizer o = os.get(name).apply(List.of(w));
            if (row.endsWith("|refuse")) {
                // LBFGS reads the gradient's norm as a number: PyTorch's item() refusal, nothing changed
                assertEquals(dev.ember.backend.MetaBackend.ITEM, assertThrows(IllegalStateException.class, () -> o.step(() -> {
                    o.zeroGrad();
                    Tensor l = w.mul(w).sum();
                    l.backward();
                    return l;
                })).getMessage());
                assertTrue(w.isMeta());
                continue;
            }
            w.mul(w).sum().backward();
            o.step();
            o.step();
            assertTrue(w.isMeta(), name);
            Map<?, ?> state = (Map<?, ?>) o.stateDict().get("state");
            List<String> parts = new ArrayList<>();
            if (!state.isEmpty()) {
                ((Map<?, ?>) state.values().iterator().next()).forEach((k, v) -> {
                    if (v != null) {
                        Tensor t = (Tensor) v;
                        parts.add(k + ":" + t.device().type() + ":" + Arrays.stream(t.shape()).mapToObj(String::valueOf)
                                .collect(java.util.stream.Collectors.joining(",")));
                    }
                });
            }
            assertEquals(row, name + "|" + String.join(";", parts));
        }
    }

    @Test
    void metaLinalgChecksShapesAsTheCpuDoes() {
        // the shape checks still run on meta (PyTorch's meta kernels run them): the CPU's message on each
        for (java.util.function.Function<Tensor, Object> f : List.<java.util.function.Function<Tensor, Object>>of(
                Tensor::linalgInv, Tensor::linalgDet, Tensor::linalgCholesky, Tensor::linalgEig, Tensor::linalgEigvals,
                Tensor::linalgMatrixExp, Tensor::linalgSlogdet, x -> x.linalgLdlFactor())) {
            String cpu = assertThrows(IllegalArgumentException.class, () -> f.apply(Tensor.zeros(3, 4))).getMessage();
            String meta = assertThrows(IllegalArgumentException.class, () -> f.apply(e(3, 4))).getMessage();
            assertEquals(cpu, meta);
        }
        assertEquals(assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(3, 3).linalgSolve(Tensor.zeros(4)))
                .getMessage(), assertThrows(IllegalArgumentException.class, () -> e(3, 3).linalgSolve(e(4))).getMessage());
        // histc on meta: 2.x's meta_histc checks only the bins and the order of min and max
        assertEquals("histc(): bins must be > 0, but got 0",
                assertThrows(IllegalArgumentException.class, () -> e(3).histc(0)).getMessage());
        assertEquals("histc(): max must be larger than min",
                assertThrows(IllegalArgumentException.class, () -> e(3).histc(4, 1, 0)).getMessage());
        // an info that would fail on the CPU is not read on meta: checkErrors has nothing to check
        Tensor inv = e(2, 2).linalgInvEx(true).inverse();
        assertTrue(inv.isMeta());
    }
}
