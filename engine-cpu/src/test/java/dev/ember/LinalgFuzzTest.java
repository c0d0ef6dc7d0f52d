package dev.ember;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.List;
import java.util.function.Function;

/**
 * A seeded differential hunt over the linear algebra (session 31), real and complex: 400 random recipes of
 * resources/linalgfuzz/make_expected.py (PyTorch 1.13), each an op on random batch shapes (empty ones too) and sizes,
 * its matrix read through a transposed or conjugate-transposed view or not, the output in a form PyTorch fixes
 * uniquely (eigenvectors and singular vectors as |V|^2, say), its node and the gradients of every input. A case's
 * name is its recipe: {@code "<id> op=<op> dt=<f64|c128> a=<|T|H>"}.
 */
class LinalgFuzzTest {

    private static String field(String name, String key) {
        for (String part : name.split(" ")) {
            if (part.startsWith(key + "=")) {
                return part.substring(key.length() + 1);
            }
        }
        throw new IllegalArgumentException(name + " has no " + key);
    }

    private static Tensor view(Tensor x, String code) {
        switch (code) {
            case "T": return x.mT();
            case "H": return x.mH();
            default: return x;
        }
    }

    /** {@code a a^H + n I}: Hermitian positive definite. */
    private static Tensor spd(Tensor a) {
        int n = a.size(-1);
        return a.matmul(a.mH()).add(Tensor.eye(n, n, a.dtype()).mul(n));
    }

    private static Tensor absq(Tensor t) {
        return t.abs().square();
    }

    static Function<Tensor[], Tensor> op(String name) {
        String op = field(name, "op");
        String code = field(name, "a");
        Function<Tensor[], Tensor> f = body(op);
        return in -> {
            Tensor[] a = in.clone();
            a[0] = view(a[0], code);
            if (op.startsWith("solve_triangular")) {
                a[0] = op.contains("upper") ? a[0].triu() : a[0].tril();
            }
            return f.apply(a);
        };
    }

    private static Function<Tensor[], Tensor> body(String op) {
        switch (op) {
            case "det": return a -> a[0].linalgDet();
            case "slogdet_logabs": return a -> a[0].linalgSlogdet().logabsdet();
            case "slogdet_sign": return a -> a[0].linalgSlogdet().sign();
            case "inv": return a -> a[0].linalgInv();
            case "solve": return a -> a[0].linalgSolve(a[1]);
            case "solve_right": return a -> a[0].linalgSolve(a[1], false);
            case "cholesky": return a -> spd(a[0]).linalgCholesky();
            case "cholesky_upper": return a -> spd(a[0]).linalgCholesky(true);
            case "qr_Q": return a -> a[0].linalgQr().Q();
            case "qr_R": return a -> a[0].linalgQr().R();
            case "qr_complete_Q": return a -> a[0].linalgQr("complete").Q();
            case "eigh_L": return a -> spd(a[0]).linalgEigh().eigenvalues();
            case "eigh_V2": return a -> absq(spd(a[0]).linalgEigh().eigenvectors());
            case "eigvalsh": return a -> a[0].add(a[0].mH()).linalgEigvalsh();
            case "svd_S": return a -> a[0].linalgSvd(false).S();
            case "svd_U2": return a -> absq(a[0].linalgSvd(false).U());
            case "svd_Vh2": return a -> absq(a[0].linalgSvd(false).Vh());
            case "svdvals": return a -> a[0].linalgSvdvals();
            case "pinv": return a -> a[0].linalgPinv();
            case "norm_fro": return a -> a[0].matrixNorm();
            case "norm_nuc": return a -> a[0].matrixNorm("nuc", new int[] {-2, -1}, false);
            case "norm_2": return a -> a[0].matrixNorm(2, new int[] {-2, -1}, false);
            case "norm_m2": return a -> a[0].matrixNorm(-2, new int[] {-2, -1}, false);
            case "norm_1": return a -> a[0].matrixNorm(1, new int[] {-2, -1}, false);
            case "norm_inf": return a -> a[0].matrixNorm(Double.POSITIVE_INFINITY, new int[] {-2, -1}, false);
            case "cond": return a -> a[0].linalgCond();
            case "matrix_exp": return a -> a[0].div(4).linalgMatrixExp();
            case "matrix_power3": return a -> a[0].linalgMatrixPower(3);
            case "matrix_power0": return a -> a[0].linalgMatrixPower(0);
            case "matrix_power_m2": return a -> a[0].linalgMatrixPower(-2);
            case "lstsq": return a -> a[0].linalgLstsq(a[1]);
            case "lu_factor_LU": return a -> a[0].linalgLuFactor().LU();
            case "lu_solve": return a -> {
                LuFactorResult lu = a[0].linalgLuFactor();
                return Tensor.linalgLuSolve(lu.LU(), lu.pivots(), a[1], true, false);
            };
            case "lu_P": return a -> a[0].linalgLu().P();
            case "lu_L": return a -> a[0].linalgLu().L();
            case "lu_U": return a -> a[0].linalgLu().U();
            case "solve_triangular_upper": return a -> a[0].linalgSolveTriangular(a[1], true, true, false);
            case "solve_triangular_lower_right": return a -> a[0].linalgSolveTriangular(a[1], false, false, false);
            case "cholesky_solve": return a -> a[1].choleskySolve(spd(a[0]).linalgCholesky(), false);
            case "cholesky_inverse": return a -> spd(a[0]).linalgCholesky().choleskyInverse(false);
            case "vector_norm_dims": return a -> a[0].vectorNorm(3, new int[] {-2, -1}, false);
            case "trace_inv_sum": return a -> a[0].linalgInv().diagonal(0, -2, -1).sum(-1);
            default: throw new IllegalArgumentException("no Ember call for " + op);
        }
    }

    @TestFactory
    List<DynamicTest> againstPyTorch() {
        // float64: 1e-9 of max(1, |value|): the decompositions sum in other orders than LAPACK's, and the inputs'
        // condition numbers (below ~50) scale those roundings into the gradients
        return ReferenceCases.tests("/linalgfuzz/expected.txt", LinalgFuzzTest::op, 1e-5, 1e-9);
    }
}
