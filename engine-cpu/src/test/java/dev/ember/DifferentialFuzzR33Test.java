package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Round 33 of the seeded differential fuzz against PyTorch ({@code differentialfuzzr33/make_cases.py}, whose header
 * describes the cases, the comparisons and the 2.x emulations; replayed by {@link FuzzR33Interpreter}): the loss
 * functions at their corners. One call a case of every loss Ember's Functional exports (l1, mse, smooth_l1 with beta 0,
 * huber, cross_entropy with class indices and probabilities, weight, ignore_index, label_smoothing and N-D inputs,
 * nll_loss, binary_cross_entropy with inputs 0 and 1, binary_cross_entropy_with_logits with pos_weight, kl_div,
 * poisson_nll, gaussian_nll, soft_margin, multilabel_soft_margin, multilabel_margin, multi_margin, hinge_embedding,
 * margin_ranking, cosine_embedding, triplet_margin, triplet_margin_with_distance, ctc_loss) over float32 and float64
 * (bfloat16 / float16 where PyTorch's CPU kernels take them), empty batches, broadcast targets and every reduction:
 * the values, the result's grad_fn name, the float64 gradients of the input (and of the target, var, other inputs
 * where PyTorch differentiates them), and PyTorch's refusals with every argument unchanged; a quarter of the cases
 * through the nn.*Loss module instead of the function.
 *
 * <p>Found by this round (session 54), fixed ({@link FuzzRound33FixesTest}): F.triplet_margin_loss and
 * nn.TripletMarginLoss took a margin of 0 or less (2.x refuses it, in functional.py after the reduction's check and in
 * the module's constructor); F.triplet_margin_with_distance_loss and its module refused a NaN margin (Python's
 * {@code margin <= 0} passes it); binary_cross_entropy with both an input and a target out of [0, 1] named the input
 * even where a target came first (2.x's kernel checks element by element; a local hunt's, seed 204). Nothing listed as
 * an expected failure; the local hunts (seeds 101-105, 15,593 cases; 201-206 with the modules, 18,692; 301-306 with
 * ctc input lengths of 0, 18,690) found no other difference of Ember's. ctc_loss with an input length 0 (2.x: loss 0 or inf, no gradient) matches: 1.13 reads garbage there, the
 * generator writes 2.x's answer.
 */
class DifferentialFuzzR33Test {
    private static final String RESOURCE = "/differentialfuzzr33/cases.txt";

    /**
     * Cases known to fail, by id, with the reason; a case listed here that passes is reported too, so the list shrinks
     * as the engine is fixed.
     */
    private static final Map<String, String> EXPECTED_FAILURES = new TreeMap<>();

    /** A local hunt's one case ({@code -Dember.fuzz33.only=<id>}); every case otherwise. */
    private static final String ONLY = System.getProperty("ember.fuzz33.only");

    /**
     * A local hunt's case file on disk ({@code -Dember.fuzz33.file=<path>}, made by the script with another
     * {@code FUZZ_SEED} and {@code FUZZ_N}), copied over the committed cases' place in the test classes; the committed
     * cases otherwise.
     */
    private static final String FILE = System.getProperty("ember.fuzz33.file");

    @Test
    void everyCallMatchesPyTorch() throws java.io.IOException {
        String resource = FuzzRoundSupport.casesOrHunt("differentialfuzzr33", FILE);
        DifferentialFuzzR6Test.runAll(resource, FILE != null ? 1 : 3000, FILE != null ? Map.of() : EXPECTED_FAILURES,
                c -> ONLY != null && !ONLY.equals(c.id()) ? null : FuzzR33Interpreter.run(c.lines()));
    }

    /**
     * The checker sees a broken expected value: a float64 loss, a float32 loss, a grad_fn name, a gradient and a
     * message, each changed.
     */
    @Test
    void theCheckerSeesABrokenExpectedValue() {
        String[] prefixes = {"o float64", "o float32", "fn ", "gx input float64", "err "};
        int seen = FuzzRoundSupport.changesSeen(DifferentialFuzzR6Test.read(RESOURCE), EXPECTED_FAILURES,
                FuzzR33Interpreter::run, prefixes,
                line -> line.startsWith("err ") || line.startsWith("fn ") ? line + "!" : breakLast(line));
        assertEquals(prefixes.length, seen, "the five kinds of change found");
    }

    /** The line with its last value changed by one. */
    private static String breakLast(String line) {
        int sp = line.lastIndexOf(' ');
        return line.substring(0, sp + 1) + (Double.parseDouble(line.substring(sp + 1)) + 1);
    }
}
