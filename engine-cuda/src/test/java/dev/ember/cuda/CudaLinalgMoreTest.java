package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Generator;
import dev.ember.LuFactorResult;
import dev.ember.LuResult;
import dev.ember.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.ember.cuda.CudaParity.inputGradient;
import static dev.ember.cuda.CudaParity.nc;
import static dev.ember.cuda.CudaParity.p;
import static dev.ember.cuda.CudaParity.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * LinalgMore's ops on CUDA against the CPU reference, forward and backward (and a double backward through
 * matrix_exp): matrix_exp (one matrix of each degree and mixed-norm batches, float32 and float64), solve_triangular,
 * lu_factor, lu, lu_solve, multi_dot, linalg.norm, cholesky_solve, cholesky_inverse, vecdot, linalg.vander, vander
 * (forward: PyTorch's backward fails), trapezoid and cumulative_trapezoid, on non-contiguous and broadcast inputs.
 */
@ExtendWith(CudaGate.class)
class CudaLinalgMoreTest {
    private static final Generator GEN = new Generator(4242);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor r(DType t, int... shape) {
        return uniform(GEN, t, 1.0, shape);
    }

    private static Tensor r(int... shape) {
        return r(DType.FLOAT64, shape);
    }

    /** A triangular matrix with a diagonal of at least 1.5. */
    private static Tensor tri(boolean upper, int... shape) {
        int n = shape[shape.length - 1];
        Tensor a = r(shape);
        a = upper ? a.triu() : a.tril();
        return a.add(Tensor.eye(n, n, DType.FLOAT64).mul(1.5));
    }

    private static Tensor wellConditioned(int... shape) {
        int n = shape[shape.length - 1];
        return r(shape).add(Tensor.eye(n, n, DType.FLOAT64).mul((double) n));
    }

    @TestFactory
    List<DynamicTest> matrixExp() {
        List<DynamicTest> t = new ArrayList<>();
        for (double norm : new double[] {1e-9, 1e-4, 0.03, 0.2, 0.6, 4.0, 40.0}) {
            t.add(p("matrix_exp norm " + norm, x -> x[0].linalgMatrixExp(), r(4, 4).mul(norm / 4)));
        }
        t.add(p("matrix_exp float32", x -> x[0].linalgMatrixExp(), r(DType.FLOAT32, 3, 3).mul(0.8)));
        t.add(p("matrix_exp batch", x -> nc(x[0]).linalgMatrixExp(), r(3, 5, 5).mul(Tensor.tensor(new double[] {0.01, 1.0,
            9.0}, DType.FLOAT64).reshape(3, 1, 1))));
        t.add(p("matrix_exp batch float32", x -> x[0].linalgMatrixExp(), r(DType.FLOAT32, 2, 2, 3, 3).mul(2.0)));
        t.add(p("matrix_exp double backward", x -> inputGradient(x[0].linalgMatrixExp(), x[0]), r(3, 3)));
        return t;
    }

    @TestFactory
    List<DynamicTest> solvers() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("solve_triangular upper", x -> x[0].linalgSolveTriangular(nc(x[1]), true), tri(true, 4, 4), r(4, 3)));
        t.add(p("solve_triangular lower right unit broadcast", x -> x[0].linalgSolveTriangular(x[1], false, false, true),
            tri(false, 2, 1, 3, 3), r(2, 4, 3)));
        t.add(p("lu_factor", x -> x[0].linalgLuFactor().LU(), wellConditioned(2, 4, 4)));
        t.add(p("lu", x -> {
            LuResult f = x[0].linalgLu();
            return f.P().matmul(f.L()).add(f.U());
        }, wellConditioned(3, 3)));
        for (boolean left : new boolean[] {true, false}) {
            for (boolean adj : new boolean[] {false, true}) {
                t.add(p("lu_solve left=" + left + " adjoint=" + adj, x -> {
                    LuFactorResult f = x[0].linalgLuFactor();
                    return Tensor.linalgLuSolve(f.LU(), f.pivots(), x[1], left, adj);
                }, wellConditioned(2, 3, 3), left ? r(2, 3, 2) : r(2, 2, 3)));
            }
        }
        t.add(p("cholesky_solve", x -> x[0].choleskySolve(x[1].tril(), false), r(2, 3, 4), tri(false, 3, 3)));
        t.add(p("cholesky_solve upper", x -> x[0].choleskySolve(x[1].triu(), true), r(3, 2), tri(true, 2, 3, 3)));
        t.add(p("cholesky_inverse", x -> x[0].tril().choleskyInverse(false), tri(false, 2, 3, 3)));
        return t;
    }

    @TestFactory
    List<DynamicTest> productsAndNorms() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("multi_dot", x -> Tensor.linalgMultiDot(Arrays.asList(x[0], nc(x[1]), x[2], x[3])), r(DType.FLOAT32, 5),
            r(DType.FLOAT32, 5, 7), r(DType.FLOAT32, 7, 2), r(DType.FLOAT32, 2, 6)));
        t.add(p("linalg.norm matrix 2", x -> x[0].linalgNorm(2.0, new int[] {0, 2}, true), r(3, 2, 4)));
        t.add(p("linalg.norm nuc", x -> x[0].linalgNorm("nuc", null, false), r(4, 3)));
        t.add(p("linalg.norm vector", x -> x[0].linalgNorm(3.0, new int[] {1}, false), r(DType.FLOAT32, 3, 5)));
        t.add(p("linalg.vecdot", x -> x[0].linalgVecdot(nc(x[1]), 0), r(DType.FLOAT32, 4, 3), r(DType.FLOAT32, 4, 3)));
        t.add(p("linalg.vander", x -> x[0].linalgVander(4), r(2, 3)));
        t.add(p("vander (forward)", x -> x[0].detach().vander(5, false), r(3)));
        t.add(p("trapezoid x", x -> x[0].trapezoid(x[1], 0), r(DType.FLOAT32, 5, 3), r(DType.FLOAT32, 5)));
        t.add(p("trapezoid dx", x -> nc(x[0]).trapezoid(0.5, -1), r(DType.FLOAT32, 4, 6)));
        t.add(p("cumulative_trapezoid x", x -> x[0].cumulativeTrapezoid(x[1], 1), r(3, 4), r(3, 4)));
        return t;
    }

    @Test
    void pivotsStayInt32OnTheDevice() {
        LuFactorResult f = wellConditioned(2, 3, 3).to(dev.ember.Device.cuda(0)).linalgLuFactor();
        assertEquals(DType.INT32, f.pivots().dtype());
        assertArrayEquals(wellConditioned(2, 3, 3).linalgLuFactor().pivots().shape(), f.pivots().shape());
    }
}
