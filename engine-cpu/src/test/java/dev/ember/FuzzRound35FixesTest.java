package dev.ember;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The differences differential fuzz round 35 ({@link DifferentialFuzzR35Test}: zero-size tensors through every op
 * family) found, each on small cases that {@code differentialfuzzr35/make_cases.py} writes with PyTorch
 * ({@code FUZZ_FIXES=1}, {@code fixes.txt}), replayed by the round's own interpreter (values, grad_fn, gradients, or
 * the forward's or the backward's message).
 */
class FuzzRound35FixesTest {
    private static String check(String id) {
        for (DifferentialFuzzR6Test.Case c : DifferentialFuzzR6Test.read("/differentialfuzzr35/fixes.txt")) {
            if (c.id().equals("fix_" + id)) {
                return FuzzR35Interpreter.run(c.lines());
            }
        }
        throw new IllegalStateException("no case " + id);
    }

    /**
     * F.adaptive_avg_pool2d to an output other than 1 x 1 of an input with no channels: the forward checks only the
     * spatial sizes and passes, and PyTorch's backward refuses the empty channel dim ("adaptive_avg_pool2d_backward():
     * Expected grad_output to have non-zero size for non-batch dimensions, ..."); Ember's backward ran and returned an
     * empty gradient.
     */
    @Test
    void adaptiveAvgPoolBackwardRefusesNoChannels() {
        assertNull(check("adaptiveAvgPoolBackwardNoChannels"));
        assertNull(check("adaptiveAvgPoolBackwardNoChannelsBatch2"));
    }

    /** The same backward still runs where only the batch is empty (a 4-D batch 0, or a 3-D input's first dim). */
    @Test
    void adaptiveAvgPoolBackwardOfAnEmptyBatchRuns() {
        assertNull(check("adaptiveAvgPoolBackward3dNoChannels"));
        assertNull(check("adaptiveAvgPoolBackwardBatch0"));
    }
}
