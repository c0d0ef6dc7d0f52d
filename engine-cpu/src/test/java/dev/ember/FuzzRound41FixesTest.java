package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The fixes of differential fuzz round 41 (linear algebra in single precision and at its corners), each against
 * PyTorch's answer in {@code differentialfuzzr41/fixes.txt} ({@code FUZZ_FIXES=1 make_cases.py}, 2.x's where it differs
 * from 1.13), replayed by {@link FuzzR41Interpreter}, which also checks that a refused call changes nothing.
 */
class FuzzRound41FixesTest {
    private static final Map<String, List<String>> CASES = DifferentialFuzzR6Test.read("/differentialfuzzr41/fixes.txt")
            .stream().collect(Collectors.toMap(DifferentialFuzzR6Test.Case::id, DifferentialFuzzR6Test.Case::lines));

    private static void matches(String... ids) {
        for (String id : ids) {
            List<String> lines = CASES.get(id);
            assertNotNull(lines, id);
            assertNull(FuzzR41Interpreter.run(lines), id);
        }
    }

    /** linalg.vander of a complex input: complex powers (cumprod keeps the type); Ember counted complex as integral. */
    @Test
    void vanderOfAComplexInputStaysComplex() {
        matches("fix_vander_c64", "fix_vander_c128");
        Tensor x = Tensor.tensor(new double[] {1, 2, 3, 4}, DType.FLOAT64, Device.CPU).reshape(2, 2).viewAsComplex();
        Tensor v = x.linalgVander(3);
        assertEquals(DType.COMPLEX128, v.dtype());
        assertArrayEquals(new int[] {2, 3}, v.shape());
    }

    /**
     * linalg.solve_ex's info has A's batch shape (B's broadcast batch dims are not its), and a non-empty A with an
     * empty B batch is still factored (its singularity refused).
     */
    @Test
    void solveExInfoHasTheBatchOfA() {
        matches("fix_solve_ex_info_a_batch", "fix_solve_ex_info_a_batch_2", "fix_solve_empty_b_batch");
        Tensor a = Tensor.eye(3, 3, DType.FLOAT64).expand(1, 2, 3, 3).contiguous();
        Tensor b = Tensor.ones(DType.FLOAT64, 4, 1, 3, 2);
        assertArrayEquals(new int[] {1, 2}, a.linalgSolveEx(b).info().shape());
    }

    /**
     * linalg.inv, inv_ex and solve_ex of a real contiguous singular matrix name the first zero pivot of A^T's LU, the
     * matrix 2.x's _linalg_solve_ex factors there (use_A_T); a complex one's of A's.
     */
    @Test
    void singularMessagesAndInfoFromTheTransposedLu() {
        matches("fix_inv_at", "fix_inv_at_batched", "fix_inv_ex_at", "fix_inv_ex_at_check", "fix_solve_ex_at",
                "fix_inv_complex_a");
    }

    /**
     * cholesky_inverse refuses a factor with an exact zero on its diagonal (potri's info through _linalg_check_errors);
     * float16 is refused by its dispatch's name, as are cholesky_solve's and householder_product's (orgqr).
     */
    @Test
    void choleskyInverseRefusesASingularFactorAndReducedTypesByTheKernelsName() {
        matches("fix_cholesky_inverse_zero", "fix_cholesky_inverse_zero_batched", "fix_cholesky_inverse_f16",
                "fix_cholesky_solve_f16", "fix_householder_f16");
    }

    /**
     * householder_product of an empty input or an empty tau: householder_product_backward's undefined gradients, so
     * neither argument's .grad is set (Ember gave zeros).
     */
    @Test
    void householderProductOfEmptyOperandsHasNoGradient() {
        matches("fix_householder_empty", "fix_householder_empty_tau");
        Tensor a = Tensor.ones(DType.FLOAT64, 3, 2).requiresGrad_(true);
        Tensor tau = Tensor.ones(DType.FLOAT64, 0).requiresGrad_(true);
        a.linalgHouseholderProduct(tau).sum().backward();
        assertNull(a.grad());
        assertNull(tau.grad());
    }

    /**
     * matrix_rank / pinv follow get_atol_rtol: the default rtol's dtype check (and its read of size(-2)) only where
     * rtol is not given (pinv: with a float atol, before its own type check); an empty input is rank 0 before
     * eigvalsh's square check.
     */
    @Test
    void toleranceChecksInGetAtolRtolsOrder() {
        matches("fix_matrix_rank_empty_hermitian", "fix_matrix_rank_int_rtol", "fix_pinv_f16_atol", "fix_pinv_1d_atol");
    }

    /**
     * linalg.tensorsolve with B of more dims than A: std::vector's refusal, as PyTorch's wrapped slice length gives;
     * linalg.lstsq's batch broadcast names input's size first.
     */
    @Test
    void tensorsolveWithMoreDimsInBAndLstsqsBroadcastMessage() {
        matches("fix_tensorsolve_b_dims", "fix_lstsq_batch_message");
    }

    /** linalg.matrix_norm "nuc" and +-2 refuse float16 in checkFloatingOrComplex's words, before the SVD's kernel. */
    @Test
    void matrixNormSvdOrdersRefuseLowPrecision() {
        matches("fix_matrix_norm_nuc_f16", "fix_matrix_norm_2_f16");
    }
}
