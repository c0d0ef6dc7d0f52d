package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Round 37 of the seeded differential fuzz against PyTorch ({@code differentialfuzzr37/make_cases.py}, whose header
 * describes the cases, the comparisons and the 2.x emulations; replayed by {@link FuzzR37Interpreter}): SECOND-ORDER
 * GRADIENTS. One differentiable op a case (elementwise math and the special functions, the activations, softmax and
 * the reductions, binary ops, matmul and friends, convolutions, pools, interpolate, the norms, the losses, embedding,
 * the index ops, scaled_dot_product_attention) over float64 arguments: the value, the first gradients of
 * {@code sum(y * v)} with {@code createGraph}, and the gradients of {@code sum_i sum(g_i * w_i)} with respect to the
 * arguments and to {@code v} (a backward computed without history would show as a missing or wrong second
 * gradient), or PyTorch's refusal of the second backward; now and then a 4-D argument or v is channels-last.
 *
 * <p>Found by this round (session 55), fixed ({@link FuzzRound37FixesTest}): F.interpolate nearest / nearest-exact's
 * backward copied its gradient into the suggested memory format without history (at the input's own size, or with a
 * channels-last upstream), so under create_graph the first gradient was a constant and the second gradient with
 * respect to the upstream silently missing; now one node UpsampleNearest2DBackwardBackward0 whose gradient is the
 * forward's selection. Expected failures: embedding_bag (below). 1.13 bugs the generator writes 2.x's answer for:
 * trace of a non-square matrix, instance_norm with a channels-last upstream. PyTorch's refusals (hardsigmoid,
 * grid_sample, ctc_loss, multi_margin, multilabel_margin, cdist, pdist) are Ember's with the same messages.
 */
class DifferentialFuzzR37Test {
    private static final String RESOURCE = "/differentialfuzzr37/cases.txt";

    /**
     * Cases known to fail, by id, with the reason; a case listed here that passes is reported too, so the list shrinks
     * as the engine is fixed.
     */
    private static final Map<String, String> EXPECTED_FAILURES = new TreeMap<>();

    static {
        // every embedding_bag case: PyTorch refuses the second backward ("derivative for _embedding_bag_dense_backward
        // is not implemented", 1.13's derivatives.yaml not_implemented; 2.x's entry not read in session 55), Ember's
        // composed weight gradient is differentiable and its double backward agrees with finite differences
        // (GradGradSweepTest "embeddingBag max / mean", LayersGradcheckTest's per-sample-weights gradgradcheck rely on
        // it): a result where PyTorch refuses, not a wrong one; left for a decision rather than removed
        for (String id : new String[] {"r37_33", "r37_55", "r37_133", "r37_163", "r37_347", "r37_438", "r37_832",
            "r37_958", "r37_1036", "r37_1062", "r37_1200", "r37_1204", "r37_1289", "r37_1443", "r37_1515", "r37_1807",
            "r37_1816", "r37_1920", "r37_2006", "r37_2013"}) {
            EXPECTED_FAILURES.put(id, "embedding_bag: Ember differentiates _embedding_bag_dense_backward, PyTorch 1.13"
                    + " refuses");
        }
    }

    /** A local hunt's one case ({@code -Dember.fuzz37.only=<id>}); every case otherwise. */
    private static final String ONLY = System.getProperty("ember.fuzz37.only");

    /**
     * A local hunt's case file on disk ({@code -Dember.fuzz37.file=<path>}, made by the script with another
     * {@code FUZZ_SEED} and {@code FUZZ_N}), copied over the committed cases' place in the test classes; the committed
     * cases otherwise.
     */
    private static final String FILE = System.getProperty("ember.fuzz37.file");

    @Test
    void everySecondGradientMatchesPyTorch() throws java.io.IOException {
        String resource = RESOURCE;
        if (FILE != null) {
            java.nio.file.Path target = java.nio.file.Path.of("target/test-classes/differentialfuzzr37/hunt.txt");
            java.nio.file.Files.copy(java.nio.file.Path.of(FILE), target,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            resource = "/differentialfuzzr37/hunt.txt";
        }
        DifferentialFuzzR6Test.runAll(resource, FILE != null ? 1 : 1900, FILE != null ? Map.of() : EXPECTED_FAILURES,
                c -> ONLY != null && !ONLY.equals(c.id()) ? null : FuzzR37Interpreter.run(c.lines()));
    }

    /**
     * The checker sees a broken expected value: a result, a first gradient, a second gradient, a second gradient with
     * respect to v, and a refusal's message, each changed.
     */
    @Test
    void theCheckerSeesABrokenExpectedValue() {
        List<DifferentialFuzzR6Test.Case> cases = DifferentialFuzzR6Test.read(RESOURCE);
        int seen = 0;
        for (String what : new String[] {"o ", "g1 x ", "g2 x ", "g2 v ", "err2 "}) {
            for (DifferentialFuzzR6Test.Case c : cases) {
                if (EXPECTED_FAILURES.containsKey(c.id()) || FuzzR37Interpreter.run(c.lines()) != null) {
                    continue;
                }
                List<String> broken = new java.util.ArrayList<>(c.lines());
                int at = -1;
                for (int i = 0; i < broken.size(); i++) {
                    String l = broken.get(i);
                    if (l.startsWith(what) && !l.endsWith(": ") && !l.endsWith("none")) {
                        at = i;
                    }
                }
                if (at < 0) {
                    continue;
                }
                String line = broken.get(at);
                broken.set(at, what.equals("err2 ") ? line + "!" : breakLast(line));
                assertNotNull(FuzzR37Interpreter.run(broken), "case " + c.id() + ": a changed line \"" + broken.get(at)
                        + "\" passes");
                seen++;
                break;
            }
        }
        assertEquals(5, seen, "the five kinds of change found");
    }

    /** The line with its last value changed by one. */
    private static String breakLast(String line) {
        int sp = line.lastIndexOf(' ');
        return line.substring(0, sp + 1) + (Double.parseDouble(line.substring(sp + 1)) + 1);
    }
}
