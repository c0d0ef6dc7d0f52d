package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Regressions of the differential fuzz round 27 (torch.optim and its schedulers driven together,
 * DifferentialFuzzR27Test): labelled programs in the round's case format with PyTorch's outcomes
 * ({@code differentialfuzzr27/make_fixes.py}, {@code fixes.txt}), replayed by {@link FuzzR27Interpreter}. The state
 * dict's group entries listed an optimizer's defaults in their order where PyTorch lists the keys a constructor group or
 * add_param_group was given first (then the defaults it lacks); L-BFGS's {@code al} always came before {@code d} where
 * PyTorch inserts it when its first update needs it, after {@code prev_loss} when a later step makes it.
 */
class FuzzRound27FixesTest {
    private static final List<DifferentialFuzzR6Test.Case> CASES = DifferentialFuzzR6Test.read("/differentialfuzzr27/fixes.txt");

    private static void replay(String label) {
        for (DifferentialFuzzR6Test.Case c : CASES) {
            if (c.id().equals(label)) {
                assertNull(FuzzR27Interpreter.run(c.lines()), label);
                return;
            }
        }
        throw new AssertionError("no program " + label + " in fixes.txt");
    }

    @Test
    void sgdGroupKeysGivenFirst() {
        replay("group_key_order_sgd");
    }

    @Test
    void adamGroupKeysGivenFirst() {
        replay("group_key_order_adam");
    }

    @Test
    void lbfgsAlAfterTheTailWhenALaterStepMakesIt() {
        replay("lbfgs_al_after_tail");
    }

    @Test
    void lbfgsAlBeforeTheTailWhenTheFirstStepMakesIt() {
        replay("lbfgs_al_in_first_step");
    }
}
