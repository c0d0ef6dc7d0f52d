package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Named regressions for the engine bugs round 2 of the differential fuzz ({@link DifferentialFuzzNNTest}) found, each
 * against PyTorch's result or message ({@code fuzz/make_nn_regressions.py}, replayed by {@link FuzzCaseRunner}):
 * {@code x[basic index] = v} copying a one-element value that is not 0-dim (so an overlapping destination is refused) and
 * expanding the value with expand's message, index_put_'s index and value checks before its overlap refusal, and the
 * version-counter message naming CopySlices and CopyBackwards as PyTorch does, and nll_loss's refusal of a weight that
 * requires grad (autograd's check) before its kernel's checks of the target and the weight.
 */
class DifferentialFuzzNNRegressionTest {
    private static final Map<String, ReferenceCases.Case> CASES = new LinkedHashMap<>();

    static {
        for (ReferenceCases.Case c : ReferenceCases.byFirstWord("/fuzz/nn_regressions.txt")) {
            CASES.put(c.key().split(" ")[0], c);
        }
    }

    /** Runs the cases whose names start with {@code prefix} (at least one) and asserts each matches PyTorch. */
    private static void cases(String prefix) {
        List<String> problems = new ArrayList<>();
        int n = 0;
        for (Map.Entry<String, ReferenceCases.Case> e : CASES.entrySet()) {
            if (e.getKey().startsWith(prefix)) {
                n++;
                String p = FuzzCaseRunner.check(e.getValue());
                if (p != null) {
                    problems.add(e.getKey() + ": " + p);
                }
            }
        }
        assertTrue(n > 0, "no case " + prefix);
        assertEquals(List.of(), problems);
    }

    @Test
    void basicIndexWriteCopiesAOneElementValueAndExpandsItAsPyTorch() {
        cases("index_put_basic_");
    }

    @Test
    void indexPutChecksIndicesAndValuesBeforeTheOverlap() {
        cases("index_put_index_shapes_before_overlap");
        cases("index_put_value_shape_before_overlap");
        cases("index_put_bounds_before_overlap");
    }

    @Test
    void versionCounterMessageNamesCopySlicesAsPyTorch() {
        cases("copy_slices_");
        cases("copy_backwards_");
    }

    @Test
    void nllLossRefusesAWeightThatRequiresGradBeforeTheKernelChecks() {
        cases("nll_weight_grad_");
    }
}
