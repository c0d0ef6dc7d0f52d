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
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * More of {@code torch.linalg} against PyTorch ({@code linalgmore/make_expected.py}): values, gradients and grad_fn
 * names of matrix_exp (every degree of its Taylor approximation, scaling and squaring, batches), solve_triangular (upper,
 * lower, left, right, unitriangular, broadcast batches), lu_factor, lu and lu_solve (left, right, adjoint), multi_dot
 * (chain orders, 1-D ends), linalg.norm (vector and matrix orders, dims), cholesky_solve and cholesky_inverse,
 * vecdot, linalg.diagonal, vander and linalg.vander (integer inputs too), trapezoid and cumulative_trapezoid (x or dx,
 * empty and integer inputs), on the printed inputs and on non-contiguous copies; float64 gradcheck and gradgradcheck;
 * PyTorch's errors, leaving the inputs as they were.
 *
 * <p>Tolerances as {@link LinalgTest}: float64 within 1e-9 relative (plus 1e-11 absolute), float32 within 1e-4 relative
 * (plus 1e-5 absolute).
 */
class LinalgMoreTest {
    private static final PyTorchCases TORCH = new PyTorchCases("/linalgmore/expected.txt");
    private static final LinalgCases CASES = new LinalgCases(TORCH, (key, node, strided) -> false);
    private static final Generator GEN = new Generator(2718);

    // ------------------------------------------------------------------ values, gradients and nodes against PyTorch

    @TestFactory
    List<DynamicTest> matrixExpMatchesPyTorch() {
        List<DynamicTest> t = new ArrayList<>();
        for (String k : List.of("t1", "t2", "t4", "t8", "t12", "t18", "t18_s0", "scaled", "scaled_big")) {
            t.add(CASES.one("matrix_exp_" + k, x -> x[0].linalgMatrixExp()));
        }
        for (String k : List.of("t1", "t2", "t4", "t8", "t12", "t18", "scaled")) {
            t.add(CASES.one("matrix_exp_f32_" + k, x -> x[0].linalgMatrixExp()));
        }
        for (String k : List.of("batch", "batch4d", "batch_f32", "one_batch", "1x1", "0x0", "nilpotent")) {
            t.add(CASES.one("matrix_exp_" + k, x -> x[0].matrixExp()));
        }
        return t;
    }

    @TestFactory
    List<DynamicTest> solveTriangularMatchesPyTorch() {
        List<DynamicTest> t = new ArrayList<>();
        for (boolean up : new boolean[] {true, false}) {
            for (boolean left : new boolean[] {true, false}) {
                for (boolean unit : new boolean[] {false, true}) {
                    String key = "solve_triangular_" + (up ? "upper" : "lower") + "_" + (left ? "left" : "right")
                            + (unit ? "_unit" : "");
                    t.add(CASES.one(key, x -> x[0].linalgSolveTriangular(x[1], up, left, unit)));
                }
            }
        }
        t.add(CASES.one("solve_triangular_full", x -> x[0].linalgSolveTriangular(x[1], true)));
        t.add(CASES.one("solve_triangular_bcast", x -> x[0].linalgSolveTriangular(x[1], false)));
        t.add(CASES.one("solve_triangular_bcast_right", x -> x[0].linalgSolveTriangular(x[1], true, false, false)));
        t.add(CASES.one("solve_triangular_f32", x -> x[0].linalgSolveTriangular(x[1], true)));
        return t;
    }

    @TestFactory
    List<DynamicTest> luMatchesPyTorch() {
        List<DynamicTest> t = new ArrayList<>();
        for (String k : List.of("lu_factor", "lu_factor_batch", "lu_factor_f32")) {
            t.add(CASES.many(k, x -> {
                LuFactorResult f = x[0].linalgLuFactor();
                assertEquals(DType.INT32, f.pivots().dtype());
                return new Tensor[] {f.LU(), f.pivots()};
            }));
        }
        for (String k : List.of("lu", "lu_batch", "lu_f32")) {
            t.add(CASES.many(k, x -> {
                LuResult f = x[0].linalgLu();
                return new Tensor[] {f.P(), f.L(), f.U()};
            }));
        }
        t.add(CASES.one("lu_only_u", x -> x[0].linalgLu().U()));
        for (boolean left : new boolean[] {true, false}) {
            for (boolean adj : new boolean[] {false, true}) {
                String key = "lu_solve_" + (left ? "left" : "right") + (adj ? "_adjoint" : "");
                t.add(CASES.one(key, x -> Tensor.linalgLuSolve(x[0], x[1], x[2], left, adj)));
            }
        }
        t.add(CASES.one("lu_solve_batch", x -> Tensor.linalgLuSolve(x[0], x[1], x[2], true, false)));
        t.add(CASES.one("lu_solve_bcast", x -> Tensor.linalgLuSolve(x[0], x[1], x[2], true, true)));
        t.add(CASES.one("lu_solve_f32", x -> Tensor.linalgLuSolve(x[0], x[1], x[2], true, false)));
        return t;
    }

    @TestFactory
    List<DynamicTest> multiDotMatchesPyTorch() {
        List<DynamicTest> t = new ArrayList<>();
        for (String k : List.of("2", "3_left", "3_right", "4", "5", "vec_first", "vec_last", "vec_both", "two_vecs", "f32")) {
            t.add(CASES.one("multi_dot_" + k, x -> Tensor.linalgMultiDot(Arrays.asList(x))));
        }
        return t;
    }

    @TestFactory
    List<DynamicTest> normMatchesPyTorch() {
        List<DynamicTest> t = new ArrayList<>();
        double inf = Double.POSITIVE_INFINITY;
        t.add(CASES.one("norm_default", x -> x[0].linalgNorm()));
        t.add(CASES.one("norm_vec_ord", x -> x[0].linalgNorm(3.0, null, false)));
        t.add(CASES.one("norm_mat_ord_inf", x -> x[0].linalgNorm(inf, null, false)));
        t.add(CASES.one("norm_mat_ord_1", x -> x[0].linalgNorm(1.0, null, false)));
        t.add(CASES.one("norm_mat_ord_2", x -> x[0].linalgNorm(2.0, null, false)));
        t.add(CASES.one("norm_mat_fro", x -> x[0].linalgNorm("fro", null, false)));
        t.add(CASES.one("norm_mat_nuc", x -> x[0].linalgNorm("nuc", null, false)));
        t.add(CASES.one("norm_dim1", x -> x[0].linalgNorm(1.0, new int[] {1}, false)));
        t.add(CASES.one("norm_dim1_none", x -> x[0].linalgNorm((Double) null, new int[] {1}, false)));
        t.add(CASES.one("norm_dim2", x -> x[0].linalgNorm(-1.0, new int[] {0, 2}, true)));
        t.add(CASES.one("norm_dim2_fro", x -> x[0].linalgNorm("fro", new int[] {2, 0}, false)));
        t.add(CASES.one("norm_dim2_nuc_keep", x -> x[0].linalgNorm("nuc", new int[] {1, 2}, true)));
        t.add(CASES.one("norm_dim2_none", x -> x[0].linalgNorm((Double) null, new int[] {1, 2}, false)));
        t.add(CASES.one("norm_f32", x -> x[0].linalgNorm(-inf, new int[] {0, 1}, false)));
        return t;
    }

    @TestFactory
    List<DynamicTest> choleskySolveAndInverseMatchPyTorch() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(CASES.one("cholesky_solve", x -> x[0].choleskySolve(x[1], false)));
        t.add(CASES.one("cholesky_solve_upper", x -> x[0].choleskySolve(x[1], true)));
        t.add(CASES.one("cholesky_solve_bcast", x -> x[0].choleskySolve(x[1], false)));
        t.add(CASES.one("cholesky_solve_f32", x -> x[0].choleskySolve(x[1], false)));
        t.add(CASES.one("cholesky_inverse", x -> x[0].choleskyInverse(false)));
        t.add(CASES.one("cholesky_inverse_upper", x -> x[0].choleskyInverse(true)));
        t.add(CASES.one("cholesky_inverse_batch", x -> x[0].choleskyInverse(false)));
        t.add(CASES.one("cholesky_inverse_f32", x -> x[0].choleskyInverse(false)));
        return t;
    }

    @TestFactory
    List<DynamicTest> vecdotDiagonalVanderMatchPyTorch() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(CASES.one("vecdot", x -> x[0].linalgVecdot(x[1])));
        t.add(CASES.one("vecdot_dim0", x -> x[0].linalgVecdot(x[1], 0)));
        t.add(CASES.one("vecdot_f32", x -> x[0].linalgVecdot(x[1])));
        t.add(CASES.one("linalg_diagonal", x -> x[0].linalgDiagonal()));
        t.add(CASES.one("linalg_diagonal_offset", x -> x[0].linalgDiagonal(1, 0, 2)));
        t.add(CASES.one("vander", x -> x[0].vander()));
        t.add(CASES.one("vander_n_increasing", x -> x[0].vander(3, true)));
        t.add(CASES.one("vander_n_big", x -> x[0].vander(5, false)));
        t.add(CASES.one("vander_n1", x -> x[0].vander(1, false)));
        t.add(CASES.one("vander_f32", x -> x[0].vander()));
        t.add(CASES.one("vander_n0", x -> x[0].vander(0, false)));
        t.add(CASES.one("vander_long", x -> {
            Tensor v = x[0].vander();
            assertEquals(DType.INT64, v.dtype());
            return v;
        }));
        t.add(CASES.one("linalg_vander", x -> x[0].linalgVander()));
        t.add(CASES.one("linalg_vander_n", x -> x[0].linalgVander(5)));
        t.add(CASES.one("linalg_vander_0d", x -> x[0].linalgVander(3)));
        t.add(CASES.one("linalg_vander_f32", x -> x[0].linalgVander()));
        t.add(CASES.one("linalg_vander_int", x -> {
            Tensor v = x[0].linalgVander();
            assertEquals(DType.INT64, v.dtype());
            return v;
        }));
        t.add(CASES.one("vander_bool", x -> {
            Tensor v = x[0].vander(null, true);
            assertEquals(DType.INT64, v.dtype());
            return v;
        }));
        return t;
    }

    @TestFactory
    List<DynamicTest> trapezoidMatchesPyTorch() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(CASES.one("trapezoid", x -> x[0].trapezoid()));
        t.add(CASES.one("trapezoid_dx", x -> x[0].trapezoid(0.5, 0)));
        t.add(CASES.one("trapezoid_x1d", x -> x[0].trapezoid(x[1], -1)));
        t.add(CASES.one("trapezoid_x_same", x -> x[0].trapezoid(x[1], 0)));
        t.add(CASES.one("trapezoid_x_fewer_dims", x -> x[0].trapezoid(x[1], 1)));
        t.add(CASES.one("trapezoid_long_dx", x -> {
            Tensor v = x[0].trapezoid(2.0, -1);
            assertEquals(DType.FLOAT32, v.dtype());
            return v;
        }));
        t.add(CASES.one("trapezoid_f32", x -> x[0].trapezoid()));
        t.add(CASES.one("trapezoid_empty", x -> x[0].trapezoid()));
        t.add(CASES.one("cumulative_trapezoid", x -> x[0].cumulativeTrapezoid()));
        t.add(CASES.one("cumulative_trapezoid_dx", x -> x[0].cumulativeTrapezoid(0.25, 0)));
        t.add(CASES.one("cumulative_trapezoid_x", x -> x[0].cumulativeTrapezoid(x[1], -1)));
        t.add(CASES.one("cumulative_trapezoid_x_same", x -> x[0].cumulativeTrapezoid(x[1], 0)));
        t.add(CASES.one("cumulative_trapezoid_empty", x -> x[0].cumulativeTrapezoid()));
        t.add(CASES.one("cumulative_trapezoid_long", x -> {
            Tensor v = x[0].cumulativeTrapezoid();
            assertEquals(DType.FLOAT32, v.dtype());
            return v;
        }));
        return t;
    }

    // ------------------------------------------------------------------ gradcheck and gradgradcheck

    private static Tensor r(int... shape) {
        return Tensor.rand(GEN, DType.FLOAT64, shape).mul(2).sub(1.0).detach().requiresGrad_(true);
    }

    /** A triangular matrix with a diagonal of at least 1 (upper or lower), a leaf. */
    private static Tensor tri(boolean upper, int... shape) {
        int n = shape[shape.length - 1];
        Tensor a = Tensor.rand(GEN, DType.FLOAT64, shape).mul(2).sub(1.0);
        a = upper ? a.triu() : a.tril();
        return a.add(Tensor.eye(n, n, DType.FLOAT64).mul(1.5)).detach().requiresGrad_(true);
    }

    private static Tensor wellConditioned(int... shape) {
        int n = shape[shape.length - 1];
        Tensor a = Tensor.rand(GEN, DType.FLOAT64, shape).mul(2).sub(1.0);
        return a.add(Tensor.eye(n, n, DType.FLOAT64).mul((double) n)).detach().requiresGrad_(true);
    }

    private static Tensor luFactors(Tensor a) {
        return a.linalgLuFactor().LU();
    }

    /**
     * The cases; cholesky_solve and cholesky_inverse read one triangle of the factor but PyTorch's formulas give both a
     * gradient, so the factor is made triangular inside the function (as PyTorch's OpInfo samples build it).
     */
    private static Map<String, Object[]> differentiable() {
        Map<String, Object[]> m = new LinkedHashMap<>();
        m.put("matrix_exp small", new Object[] {(Function<Tensor[], Tensor>) x -> x[0].linalgMatrixExp(), r(3, 3).mul(0.05)
            .detach().requiresGrad_(true)});
        m.put("matrix_exp", new Object[] {(Function<Tensor[], Tensor>) x -> x[0].linalgMatrixExp(), r(3, 3)});
        m.put("matrix_exp scaled", new Object[] {(Function<Tensor[], Tensor>) x -> x[0].linalgMatrixExp(), r(3, 3).mul(4.0)
            .detach().requiresGrad_(true)});
        m.put("matrix_exp batch", new Object[] {(Function<Tensor[], Tensor>) x -> x[0].linalgMatrixExp(), r(2, 2, 2)});
        m.put("solve_triangular", new Object[] {(Function<Tensor[], Tensor>) x -> x[0].linalgSolveTriangular(x[1], true),
            tri(true, 3, 3), r(3, 2)});
        m.put("solve_triangular right unit", new Object[] {(Function<Tensor[], Tensor>) x -> x[0].linalgSolveTriangular(x[1],
            false, false, true), tri(false, 2, 3, 3), r(2, 3)});
        m.put("lu_factor", new Object[] {(Function<Tensor[], Tensor>) x -> luFactors(x[0]), wellConditioned(3, 3)});
        m.put("lu L and U", new Object[] {(Function<Tensor[], Tensor>) x -> {
            LuResult f = x[0].linalgLu();
            return Tensor.cat(List.of(f.L().reshape(-1), f.U().reshape(-1)), 0);
        }, wellConditioned(2, 3, 3)});
        Tensor lu = wellConditioned(3, 3).linalgLuFactor().LU().detach().requiresGrad_(true);
        Tensor piv = wellConditioned(3, 3).detach().linalgLuFactor().pivots();
        for (boolean left : new boolean[] {true, false}) {
            for (boolean adj : new boolean[] {false, true}) {
                Tensor b = left ? r(3, 2) : r(2, 3);
                Tensor f = lu.detach().clone().requiresGrad_(true);
                Tensor p = wellConditioned(3, 3).detach().linalgLuFactor().pivots();
                m.put("lu_solve " + left + " " + adj, new Object[] {(Function<Tensor[], Tensor>) x -> Tensor.linalgLuSolve(x[0],
                    p, x[1], left, adj), f, b});
            }
        }
        m.put("multi_dot", new Object[] {(Function<Tensor[], Tensor>) x -> Tensor.linalgMultiDot(Arrays.asList(x)), r(3),
            r(3, 2), r(2, 4), r(4, 2)});
        m.put("norm matrix 2", new Object[] {(Function<Tensor[], Tensor>) x -> x[0].linalgNorm(2.0, new int[] {0, 2}, false),
            r(3, 2, 4)});
        m.put("norm vector", new Object[] {(Function<Tensor[], Tensor>) x -> x[0].linalgNorm(3.0, new int[] {1}, true),
            r(3, 4)});
        m.put("cholesky_solve", new Object[] {(Function<Tensor[], Tensor>) x -> x[0].choleskySolve(x[1].tril(), false), r(2, 3, 2),
            tri(false, 3, 3)});
        m.put("cholesky_solve upper", new Object[] {(Function<Tensor[], Tensor>) x -> x[0].choleskySolve(x[1].triu(), true), r(3, 2),
            tri(true, 3, 3)});
        m.put("cholesky_inverse", new Object[] {(Function<Tensor[], Tensor>) x -> x[0].tril().choleskyInverse(false), tri(false, 3, 3)});
        m.put("cholesky_inverse upper", new Object[] {(Function<Tensor[], Tensor>) x -> x[0].triu().choleskyInverse(true),
            tri(true, 2, 3, 3)});
        m.put("linalg.vander", new Object[] {(Function<Tensor[], Tensor>) x -> x[0].linalgVander(4), r(2, 3)});
        m.put("vecdot", new Object[] {(Function<Tensor[], Tensor>) x -> x[0].linalgVecdot(x[1]), r(2, 3), r(3)});
        m.put("trapezoid x", new Object[] {(Function<Tensor[], Tensor>) x -> x[0].trapezoid(x[1], 0), r(4, 2), r(4)});
        m.put("trapezoid dx", new Object[] {(Function<Tensor[], Tensor>) x -> x[0].trapezoid(0.3, 1), r(2, 5)});
        m.put("cumulative_trapezoid x", new Object[] {(Function<Tensor[], Tensor>) x -> x[0].cumulativeTrapezoid(x[1], 1),
            r(3, 4), r(3, 4)});
        assertEquals(DType.INT32, piv.dtype());
        return m;
    }

    @TestFactory
    List<DynamicTest> gradcheck() {
        return GradcheckCases.of(differentiable(), true, false);
    }

    /**
     * PyTorch's formulas for all of these are differentiable again; trapezoid with a constant spacing is linear (its
     * gradient is a constant), so it has no second derivative to check.
     */
    @TestFactory
    List<DynamicTest> gradgradcheck() {
        Map<String, Object[]> m = differentiable();
        m.remove("trapezoid dx");
        return GradcheckCases.of(m, false, true);
    }

    // ------------------------------------------------------------------ properties

    @Test
    void luReassemblesTheMatrix() {
        Tensor a = Tensor.randn(GEN, DType.FLOAT64, 2, 4, 4);
        LuResult f = a.linalgLu();
        assertTrue(f.P().matmul(f.L()).matmul(f.U()).allclose(a, 1e-12, 1e-12));
        LuFactorResult packed = a.linalgLuFactor();
        Tensor x = Tensor.randn(GEN, DType.FLOAT64, 2, 4, 3);
        assertTrue(Tensor.linalgLuSolve(packed.LU(), packed.pivots(), x, true, false).allclose(a.linalgSolve(x), 1e-10, 1e-10));
        assertNull(f.P().gradFn());
    }

    @Test
    void matrixExpOfADiagonalIsTheExponentialOfTheDiagonal() {
        Tensor d = Tensor.tensor(new double[] {-3.0, 0.5, 7.0}, DType.FLOAT64);
        Tensor e = d.diagEmbed();
        LinalgTest.assertClose("expm(diag)", d.exp().diagEmbed().toDoubleArray(), e.linalgMatrixExp(), false);
    }

    @Test
    void emptyInputs() {
        assertArrayEquals(new int[] {0, 3, 3}, Tensor.zeros(DType.FLOAT64, 0, 3, 3).linalgMatrixExp().shape());
        assertArrayEquals(new int[] {3, 0}, Tensor.eye(3, 3, DType.FLOAT64).linalgSolveTriangular(
            Tensor.zeros(DType.FLOAT64, 3, 0), true).shape());
        LuFactorResult f = Tensor.zeros(DType.FLOAT64, 0, 0).linalgLuFactor();
        assertArrayEquals(new int[] {0, 0}, f.LU().shape());
        assertArrayEquals(new int[] {0}, f.pivots().shape());
        assertArrayEquals(new int[] {3, 0}, Tensor.zeros(DType.FLOAT64, 3, 0).choleskySolve(Tensor.eye(3, 3, DType.FLOAT64),
            false).shape());
    }

    // ------------------------------------------------------------------ errors

    private static void fails(String key, Executable call, Tensor... untouched) {
        TorchErrors.failsLike(TORCH, key, call, untouched);
    }

    private static Tensor o(int... s) {
        return Tensor.ones(s);
    }

    private static Tensor od(int... s) {
        return Tensor.ones(DType.FLOAT64, s);
    }

    private static Tensor ol(int... s) {
        return Tensor.ones(DType.INT64, s);
    }

    @Test
    void errors() {
        fails("matrix_exp_1d", () -> o(3).linalgMatrixExp());
        fails("matrix_exp_nonsquare", () -> o(2, 3).linalgMatrixExp());
        fails("matrix_exp_long", () -> ol(2, 2).linalgMatrixExp());
        Tensor b = o(3, 2);
        fails("solve_triangular_a1d", () -> o(3).linalgSolveTriangular(b, true), b);
        fails("solve_triangular_b1d", () -> o(3, 3).linalgSolveTriangular(o(3), true));
        fails("solve_triangular_nonsquare", () -> o(2, 3).linalgSolveTriangular(b, true), b);
        fails("solve_triangular_shape", () -> o(3, 3).linalgSolveTriangular(o(2, 2), true));
        fails("solve_triangular_shape_right", () -> o(3, 3).linalgSolveTriangular(o(2, 2), true, false, false));
        fails("solve_triangular_long", () -> ol(3, 3).linalgSolveTriangular(ol(3, 2), true));
        fails("solve_triangular_bcast_mismatch", () -> o(2, 3, 3).linalgSolveTriangular(o(4, 3, 2), true));
        Tensor singular = Tensor.tensor(new double[][] {{1, 2}, {2, 4}});
        fails("lu_factor_singular", singular::linalgLuFactor, singular);
        fails("lu_factor_singular_batch", () -> Tensor.stack(List.of(Tensor.eye(3), Tensor.zeros(3, 3)), 0).linalgLuFactor());
        fails("lu_factor_1d", () -> o(3).linalgLuFactor());
        fails("lu_factor_long", () -> ol(3, 3).linalgLuFactor());
        fails("lu_1d", () -> o(3).linalgLu());
        LuFactorResult f = Tensor.randn(GEN, DType.FLOAT32, 3, 3).linalgLuFactor();
        Tensor lu = f.LU();
        Tensor piv = f.pivots();
        fails("lu_solve_lu1d", () -> Tensor.linalgLuSolve(lu.select(0, 0), piv, o(3, 2), true, false), lu, piv);
        fails("lu_solve_b1d", () -> Tensor.linalgLuSolve(lu, piv, o(3), true, false), lu, piv);
        fails("lu_solve_shape", () -> Tensor.linalgLuSolve(lu, piv, o(2, 2), true, false), lu, piv);
        fails("lu_solve_shape_right", () -> Tensor.linalgLuSolve(lu, piv, o(2, 2), false, false), lu, piv);
        fails("lu_solve_pivots_long", () -> Tensor.linalgLuSolve(lu, piv.to(DType.INT64), o(3, 2), true, false), lu);
        fails("lu_solve_pivots_count", () -> Tensor.linalgLuSolve(lu, piv.narrow(0, 0, 2), o(3, 2), true, false), lu);
        fails("lu_solve_dtype", () -> Tensor.linalgLuSolve(lu, piv, od(3, 2), true, false), lu, piv);
        fails("lu_solve_nonsquare", () -> Tensor.linalgLuSolve(o(2, 3), piv, o(3, 2), true, false), piv);
        fails("lu_solve_pivots_batch", () -> Tensor.linalgLuSolve(lu, piv.expand(2, 3), o(3, 2), true, false), lu);
        Tensor m = o(3, 3);
        fails("multi_dot_one", () -> Tensor.linalgMultiDot(List.of(m)), m);
        fails("multi_dot_none", () -> Tensor.linalgMultiDot(List.of()));
        fails("multi_dot_shapes", () -> Tensor.linalgMultiDot(List.of(m, o(2, 3))), m);
        fails("multi_dot_dtype", () -> Tensor.linalgMultiDot(List.of(m, od(3, 3))), m);
        fails("multi_dot_last3d", () -> Tensor.linalgMultiDot(List.of(m, o(3, 3, 3))), m);
        fails("multi_dot_first3d", () -> Tensor.linalgMultiDot(List.of(o(3, 3, 3), m)), m);
        fails("multi_dot_middle3d", () -> Tensor.linalgMultiDot(List.of(m, o(3, 3, 3), m)), m);
        Tensor x3 = o(2, 3, 4);
        fails("norm_ord_3d", () -> x3.linalgNorm(2.0, null, false), x3);
        fails("norm_str_3d", () -> x3.linalgNorm("fro", null, false), x3);
        fails("norm_dims3", () -> x3.linalgNorm(2.0, new int[] {0, 1, 2}, false), x3);
        fails("norm_mat_ord", () -> o(3, 4).linalgNorm(3.0, null, false));
        fails("norm_bad_str", () -> o(3, 4).linalgNorm("abc", null, false));
        Tensor eye = Tensor.eye(3);
        fails("cholesky_solve_b1d", () -> o(3).choleskySolve(eye, false), eye);
        fails("cholesky_solve_l1d", () -> b.choleskySolve(o(3), false), b);
        fails("cholesky_solve_nonsquare", () -> b.choleskySolve(o(2, 3), false), b);
        fails("cholesky_solve_shape", () -> o(2, 2).choleskySolve(eye, false), eye);
        fails("cholesky_solve_dtype", () -> b.choleskySolve(Tensor.eye(3, 3, DType.FLOAT64), false), b);
        fails("cholesky_solve_long", () -> ol(3, 2).choleskySolve(Tensor.eye(3, 3, DType.INT64), false));
        fails("cholesky_inverse_1d", () -> o(3).choleskyInverse(false));
        fails("cholesky_inverse_nonsquare", () -> o(2, 3).choleskyInverse(false));
        fails("cholesky_inverse_long", () -> ol(3, 3).choleskyInverse(false));
        fails("vecdot_long", () -> ol(3).linalgVecdot(ol(3)));
        fails("vecdot_dtype", () -> o(3).linalgVecdot(od(3)));
        fails("vecdot_dim", () -> o(2, 3).linalgVecdot(o(3), 5));
        fails("linalg_diagonal_1d", () -> o(3).linalgDiagonal());
        fails("vander_2d", () -> o(2, 2).vander());
        fails("linalg_vander_n1", () -> o(3).linalgVander(1));
        fails("linalg_vander_bool", () -> Tensor.ones(DType.BOOL, 3).linalgVander());
        fails("linalg_vander_0d_default", () -> Tensor.scalar(2.0).linalgVander());
        fails("vander_negative", () -> o(2).vander(-1, false));
        Tensor yb = Tensor.ones(DType.BOOL, 3);
        fails("trapezoid_bool", yb::trapezoid, yb);
        fails("trapezoid_bool_x", () -> o(3).trapezoid(yb, -1), yb);
        fails("trapezoid_x_count", () -> o(2, 3).trapezoid(o(4), -1));
        fails("trapezoid_x_shape", () -> o(2, 3).trapezoid(o(2, 4), -1));
        fails("trapezoid_dim", () -> o(2, 3).trapezoid(1.0, 5));
        fails("trapezoid_0d", () -> Tensor.scalar(1.0).trapezoid());
        fails("cumulative_trapezoid_bool", yb::cumulativeTrapezoid, yb);
        fails("cumulative_trapezoid_x_count", () -> o(3).cumulativeTrapezoid(o(4), -1));
    }

    /**
     * PyTorch's vander writes cumprod's result back into the tensor cumprod saved, so its backward fails the
     * saved-version check (1.13 and 2.x alike; vander_backward in the script): Ember's, built the same way, fails too.
     */
    @Test
    void vandersBackwardFailsAsPyTorchs() {
        Tensor x = Tensor.randn(GEN, DType.FLOAT64, 3).requiresGrad_(true);
        Tensor v = x.vander(null, true);
        RuntimeException e = assertThrows(RuntimeException.class, () -> v.sum().backward());
        assertTrue(e.getMessage().startsWith("one of the variables needed for gradient computation has been modified by an "
                + "inplace operation"), e.getMessage());
        assertTrue(TORCH.error("vander_backward").startsWith("one of the variables needed for gradient computation has been "
                + "modified by an inplace operation"));
    }
}
