package dev.ember;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The differences differential fuzz round 33 ({@link DifferentialFuzzR33Test}: the loss functions) found, each on small
 * cases that {@code differentialfuzzr33/make_cases.py} writes with PyTorch ({@code FUZZ_FIXES=1}, {@code fixes.txt}),
 * replayed by the round's own interpreter (values, grad_fn, gradients or message with the arguments unchanged).
 */
class FuzzRound33FixesTest {
    private static String check(String id) {
        for (DifferentialFuzzR6Test.Case c : DifferentialFuzzR6Test.read("/differentialfuzzr33/fixes.txt")) {
            if (c.id().equals("fix_" + id)) {
                return FuzzR33Interpreter.run(c.lines());
            }
        }
        throw new IllegalStateException("no case " + id);
    }

    /**
     * F.triplet_margin_loss and nn.TripletMarginLoss computed with a margin of 0 or less; 2.x's functional.py refuses it
     * ("margin must be greater than 0, got 0.0") after the reduction's check, as F.triplet_margin_with_distance_loss did
     * already, and 2.x's TripletMarginLoss constructor before anything ("TripletMarginLoss: expected margin to be
     * greater than 0, got 0.0 instead").
     */
    @Test
    void tripletMarginLossRefusesAMarginOfZeroOrLess() {
        for (String id : new String[] {"tripletMarginZero", "tripletMarginNegative", "tripletMarginReductionFirst",
                "tripletWithDistanceNegative"}) {
            assertNull(check(id), id);
            assertNull(check(id + "Module"), id + "Module");
        }
    }

    /**
     * binary_cross_entropy with an input and a target out of [0, 1]: 2.x's kernel checks each element's input, then its
     * target, element by element (row-major), so the first bad element decides the message; Ember checked every input
     * before any target (a local hunt's case, seed 204).
     */
    @Test
    void bceNamesTheFirstBadElementsTensor() {
        for (String id : new String[] {"bceTargetBeforeInput", "bceInputFirstInTheSameElement",
                "bceNanTargetAfterBadInput"}) {
            assertNull(check(id), id);
            assertNull(check(id + "Module"), id + "Module");
        }
    }

    /**
     * A NaN margin passes Python's {@code margin <= 0} in both triplet losses (NaN losses, zero gradients through
     * clamp_min), in the F forms and the modules; Ember's triplet_margin_with_distance_loss and its module refused it
     * ({@code !(margin > 0)}).
     */
    @Test
    void aNanMarginIsNotRefused() {
        for (String id : new String[] {"tripletMarginNan", "tripletWithDistanceNan"}) {
            assertNull(check(id), id);
            assertNull(check(id + "Module"), id + "Module");
        }
    }
}
