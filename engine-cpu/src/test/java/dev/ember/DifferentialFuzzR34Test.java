package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Round 34 of the seeded differential fuzz against PyTorch ({@code differentialfuzzr34/make_cases.py}, whose header
 * describes the cases, the comparisons and what 1.13 left out; replayed by {@link FuzzR34Interpreter}): embeddings and
 * padded / packed sequences through the recurrent layers. F.embedding and Embedding.from_pretrained (padding_idx,
 * max_norm's in-place renormalisation, scale_grad_by_freq, sparse gradients, out-of-range indices), F.embedding_bag and
 * EmbeddingBag (modes, offsets, include_last_offset, empty bags, per_sample_weights, their refusals), pad_sequence,
 * pack_padded_sequence, pad_packed_sequence, pack_sequence, and RNN / LSTM (proj_size) / GRU and the three cells over
 * padded, unbatched and packed input with PyTorch's seeded parameters: outputs, states and every gradient.
 */
class DifferentialFuzzR34Test {
    private static final String RESOURCE = "/differentialfuzzr34/cases.txt";

    /**
     * Cases known to fail, by id, with the reason; a case listed here that passes is reported too, so the list shrinks
     * as the engine is fixed.
     */
    private static final Map<String, String> EXPECTED_FAILURES = new TreeMap<>();

    static {
        String zeroDimSparse = "F.embedding(sparse=True) of a 0-dim index with padding_idx: PyTorch's backward fails "
                + "(\"too many indices for tensor of dimension 0 (got 1)\": embedding_sparse_backward indexes the 0-dim "
                + "indices with their 0-dim mask indices != padding_idx; 2.x's code is the same), Ember gives the sparse "
                + "gradient (one entry, or none for the padding row); left for the lead";
        for (String id : new String[] {"r34_50", "r34_61", "r34_176", "r34_308", "r34_376", "r34_503", "r34_546"}) {
            EXPECTED_FAILURES.put(id, zeroDimSparse);
        }
    }

    /** A local hunt's one case ({@code -Dember.fuzz34.only=<id>}); every case otherwise. */
    private static final String ONLY = System.getProperty("ember.fuzz34.only");

    /**
     * A local hunt's case file on disk ({@code -Dember.fuzz34.file=<path>}, made by the script with another
     * {@code FUZZ_SEED} and {@code FUZZ_N}), copied over the committed cases' place in the test classes; the committed
     * cases otherwise.
     */
    private static final String FILE = System.getProperty("ember.fuzz34.file");

    @Test
    void everyCallMatchesPyTorch() throws java.io.IOException {
        String resource = FuzzRoundSupport.casesOrHunt("differentialfuzzr34", FILE);
        DifferentialFuzzR6Test.runAll(resource, FILE != null ? 1 : 2500, FILE != null ? Map.of() : EXPECTED_FAILURES,
                c -> ONLY != null && !ONLY.equals(c.id()) ? null : FuzzR34Interpreter.run(c.lines()));
    }

    /**
     * The checker sees a broken expected value: an output, a weight after max_norm's renormalisation, a parameter's
     * gradient, a sparse gradient's values, a packed sequence's batch sizes and a message, each changed.
     */
    @Test
    void theCheckerSeesABrokenExpectedValue() {
        String[] prefixes = {"o out float64", "o wafter float64", "gr weight_hh_l0 float64", "sgv w float64",
            "o batch_sizes int64", "err "};
        // a weight line only where max_norm renormalised it
        int seen = FuzzRoundSupport.changesSeen(DifferentialFuzzR6Test.read(RESOURCE), EXPECTED_FAILURES,
                FuzzR34Interpreter::run, prefixes, (prefix, c) -> !prefix.startsWith("o wafter")
                        || c.lines().stream().anyMatch(l -> l.contains("maxnorm=0.5")),
                line -> line.startsWith("err ") ? line + "!" : breakLast(line));
        assertEquals(prefixes.length, seen, "the six kinds of change found");
    }

    /** The line with its last value changed: a number plus one ({@code nan} and infinities to 0). */
    private static String breakLast(String line) {
        int sp = line.lastIndexOf(' ');
        String v = line.substring(sp + 1);
        String nv = v.equals("nan") || v.contains("inf") ? "0.0"
                : v.contains(".") || v.contains("e") ? Double.toString(Double.parseDouble(v) + 1)
                : Long.toString(Long.parseLong(v) + 1);
        return line.substring(0, sp + 1) + nv;
    }
}
