package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;

/**
 * A seeded differential fuzz against PyTorch ({@code fuzz/make_cases.py}): a few thousand calls of Ember's elementwise,
 * reduction, indexing, matmul and in-place ops on operands of every dtype, broadcast shapes, Python-number operands and
 * view layouts (permuted, stepped slices, narrowed, expanded, diagonals, unfolded windows), each replayed here by
 * reflection on {@link Tensor}'s public methods and compared with PyTorch's result: the dtype, shape and values of
 * every output (integers exactly, NaN and infinities exactly, floats to a tolerance of their precision), the base of
 * an in-place op's view after the write, the float64 gradients of {@code sum(out * w)} with respect to each input's
 * base, or PyTorch's error message with every input unchanged. Every mismatch is reported in one failure. The
 * reader is {@link FuzzCaseRunner}, shared with round 2 ({@code DifferentialFuzzNNTest}).
 */
class DifferentialFuzzTest {
    private static final String RESOURCE = "/fuzz/cases.txt";

    /**
     * Cases known to fail, by id, with the reason (engine fixes too large for the session that added the fuzz); a
     * case listed here that passes is reported too, so the list shrinks as the engine is fixed.
     */
    private static final Map<String, String> EXPECTED_FAILURES = new TreeMap<>(Map.of());

    @Test
    void everyCaseMatchesPyTorch() {
        FuzzCaseRunner.runAll(RESOURCE, 1001, EXPECTED_FAILURES);
    }

    /** One case, as {@link FuzzCaseRunner#check} (kept for {@link DifferentialFuzzRegressionTest}). */
    static String check(ReferenceCases.Case c) {
        return FuzzCaseRunner.check(c);
    }
}
