package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Round 35 of the seeded differential fuzz against PyTorch ({@code differentialfuzzr35/make_cases.py}, whose header
 * describes the cases, the comparisons and the 2.x emulations; replayed by {@link FuzzR35Interpreter}): ZERO-SIZE
 * TENSORS. One call a case (or a chain of two or three) on inputs with one or more empty dims, next to 0-dim and
 * non-empty operands, through every op family: elementwise unary and broadcast binary ops, the reductions with and
 * without dim (PyTorch's refusals of max / amax / argmax / mode / median / kthvalue / quantile over nothing, NaN std /
 * var / mean, -inf logsumexp, the inf norm's refusal), scans, sort / topk (k 0) / kthvalue, mm / bmm / matmul / addmm /
 * einsum with a zero inner or outer dim, the shape ops, the indexing ops, softmax, convolutions and pools with batch 0
 * (and the refusals of zero channels or spatial sizes), linear, the norms, the losses with every reduction, embedding,
 * unique, bincount / histc, where / clamp, linalg of [0, 0] matrices, activations, pad, pdist, pixel_shuffle: the
 * result's dtype, shape and values, its grad_fn name, the float64 gradients, or PyTorch's message with every input
 * unchanged (and a backward's refusal).
 *
 * <p>Found by this round (session 55), fixed ({@link FuzzRound35FixesTest}): adaptive_avg_pool2d's backward ran for an
 * input with no channels (PyTorch's backward refuses any empty non-batch dim). Listed as expected failures: the cases
 * of a PyTorch bug (pixel_shuffle's backward of an empty input returns a gradient of the wrong shape, which the engine
 * refuses; Ember's is right). Where 1.13 and 2.x differ (var / std's gradient over nothing, narrow's and tril's checks,
 * diag, dist's inf norm, constant pad's negative padding, linear of a 1-D input, renamed nodes) Ember matched 2.x,
 * whose answers the generator writes. Local hunts (seeds 101-104 at FUZZ_N 2, 23,920 cases; 201-203 at FUZZ_N 3)
 * found no other difference of Ember's.
 */
class DifferentialFuzzR35Test {
    private static final String RESOURCE = "/differentialfuzzr35/cases.txt";

    /**
     * Cases known to fail, by id, with the reason; a case listed here that passes is reported too, so the list shrinks
     * as the engine is fixed.
     */
    private static final Map<String, String> EXPECTED_FAILURES = new TreeMap<>();

    static {
        // a PyTorch bug (1.13 and 2.x): pixel_unshuffle, pixel_shuffle's backward, returns an empty gradient unchanged
        // ("if (self.numel() == 0) return self.clone();"), so the engine refuses its shape; Ember's gradient is an
        // empty tensor of the input's shape
        for (String id : new String[] {"r35_2520", "r35_2528", "r35_2555", "r35_2629", "r35_2640", "r35_2666",
                "r35_2729", "r35_2773"}) {
            EXPECTED_FAILURES.put(id, "PyTorch's pixel_shuffle backward of an empty input returns the wrong shape");
        }
    }

    /** A local hunt's one case ({@code -Dember.fuzz35.only=<id>}); every case otherwise. */
    private static final String ONLY = System.getProperty("ember.fuzz35.only");

    /**
     * A local hunt's case file on disk ({@code -Dember.fuzz35.file=<path>}, made by the script with another
     * {@code FUZZ_SEED} and {@code FUZZ_N}), copied over the committed cases' place in the test classes; the committed
     * cases otherwise.
     */
    private static final String FILE = System.getProperty("ember.fuzz35.file");

    @Test
    void everyCallMatchesPyTorch() throws java.io.IOException {
        String resource = FuzzRoundSupport.casesOrHunt("differentialfuzzr35", FILE);
        DifferentialFuzzR6Test.runAll(resource, FILE != null ? 1 : 2500, FILE != null ? Map.of() : EXPECTED_FAILURES,
                c -> ONLY != null && !ONLY.equals(c.id()) ? null : FuzzR35Interpreter.run(c.lines()));
    }

    /**
     * The checker sees a changed expected line: a float64 and a float32 result, a tuple's indices, a list's count of
     * pieces, a grad_fn name, a gradient, a forward's and a backward's message.
     */
    @Test
    void theCheckerSeesAChangedExpectedLine() {
        String[] prefixes = {"o float64", "o float32", "oi int64", "n ", "fn ", "gx x float64", "err ", "gerr "};
        int seen = FuzzRoundSupport.changesSeen(DifferentialFuzzR6Test.read(RESOURCE), EXPECTED_FAILURES,
                FuzzR35Interpreter::run, prefixes, DifferentialFuzzR35Test::change);
        assertEquals(prefixes.length, seen, "every kind of change found");
    }

    /**
     * A message or name with a character added; a tensor line with its last value plus one (round 39's checker test
     * too).
     */
    static String change(String line) {
        if (line.startsWith("err ") || line.startsWith("gerr ") || line.startsWith("fn ")) {
            return line + "!";
        }
        int sp = line.lastIndexOf(' ');
        String v = line.substring(sp + 1);
        String nv = v.contains(".") || v.contains("e") ? Double.toString(Double.parseDouble(v) + 1)
                : Long.toString(Long.parseLong(v) + 1);
        return line.substring(0, sp + 1) + nv;
    }
}
