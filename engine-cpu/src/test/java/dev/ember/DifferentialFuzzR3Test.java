package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;

/**
 * Round 3 of the seeded differential fuzz against PyTorch ({@code fuzz/make_r3_cases.py}, replayed by
 * {@link FuzzCaseRunner}): the families rounds 1 and 2 did not reach. Linear algebra ({@code linalg} inv, solve, det,
 * slogdet, cholesky, qr, lstsq, pinv, eigvalsh, svdvals, matrix_power, solve_triangular, matrix_exp, multi_dot and the
 * vector/matrix norms with every ord) on batched, expanded, permuted and sliced float64/float32 inputs, singular ones
 * (PyTorch's messages) and ill-conditioned ones (a tolerance from the condition number); einsum equations (traces,
 * diagonals, ellipsis broadcasting, outer and batch products, the equation errors), tensordot, cross, cdist, outer and
 * addmm/addmv/addbmm/baddbmm with alpha and beta (beta 0 ignoring NaN in the input); the special functions on edge
 * inputs (poles, signed zeros, subnormals, infinities, NaN); sorting, selection, unique and scans on NaN, ties and
 * -0.0; the small integer dtypes' promotion, wrap-around, division signs, shifts, reductions' result dtypes and float
 * casts. Section 2: the ops added after round 3 (searchsorted's side and out_int32, bucketize's out_int32,
 * vector_norm's dtype, linalg.inv_ex and cholesky_ex, special.zeta). Values, float64 gradients and messages; every
 * mismatch reported in one failure.
 */
class DifferentialFuzzR3Test {
    private static final String RESOURCE = "/fuzz/r3_cases.txt";

    /**
     * Cases known to fail, by id, with the reason (engine fixes too large for the session that added them); a case
     * listed here that passes is reported too, so the list shrinks as the engine is fixed.
     */
    private static final Map<String, String> EXPECTED_FAILURES = new TreeMap<>(Map.of());

    @Test
    void everyCaseMatchesPyTorch() {
        FuzzCaseRunner.runAll(RESOURCE, 1000, EXPECTED_FAILURES);
    }
}
