package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Round 42 of the seeded differential fuzz against PyTorch ({@code differentialfuzzr42/make_cases.py}, whose header
 * describes the cases, the comparisons and the 2.x emulations; replayed by {@link FuzzR42Interpreter}): ATTENTION AND
 * THE TRANSFORMER LAYERS AT THEIR CORNERS. One call a case: F.scaled_dot_product_attention with 0 to 2 batch dims
 * (broadcast between query and key / value), L != S, E != Ev, head dims of 1, empty sequences and batches, bool and
 * float masks of broadcast shapes (fully masked rows: 2.x's zeros), a float mask that requires grad, is_causal with
 * L != S, scale (negative and 0), 4-D inputs the fused CPU kernel takes and its near misses (the grad_fn tells which);
 * nn.MultiheadAttention in training mode (batch_first, unbatched, kdim / vdim, bias off, add_bias_kv, add_zero_attn,
 * self-attention, key_padding_mask and attn_mask bool / float, 2-D / 3-D, need_weights, average_attn_weights, the
 * is_causal hint); nn.TransformerEncoderLayer, TransformerDecoderLayer, TransformerEncoder and Transformer (norm_first,
 * relu / gelu / module activations, batch_first, layer_norm_eps, bias=False, masks and is_causal, dropout 0);
 * the modules also in eval mode with a dropout probability (no dropout; not 2.x's inference fast path, which Ember
 * does not implement); GPT-layout (transposed) query / key / value, stride-0 and transposed masks; float64 values,
 * grad_fn names and gradients of the inputs and every parameter, float32 values; PyTorch's refusals with every input
 * and parameter unchanged.
 *
 * <p>Found by this round (session 60), fixed ({@link FuzzRound42FixesTest}): a head dimension of 0 on 4-D CPU inputs
 * went to the composition (another grad_fn; refused with only the flash backend enabled) where PyTorch's CPU dispatch
 * fuses it. No expected failures. Not generated: 2.x's fused CPU kernel takes is_causal with a mask (both applied)
 * where its composition and Ember refuse (see make_cases.py). Local hunts (seeds 421-425 at FUZZ_N 2, 10,800 cases)
 * found no other difference.
 */
class DifferentialFuzzR42Test {
    private static final String RESOURCE = "/differentialfuzzr42/cases.txt";

    /**
     * Cases known to fail, by id, with the reason; a case listed here that passes is reported too, so the list shrinks
     * as the engine is fixed.
     */
    private static final Map<String, String> EXPECTED_FAILURES = new TreeMap<>();

    /** A local hunt's one case ({@code -Dember.fuzz42.only=<id>}); every case otherwise. */
    private static final String ONLY = System.getProperty("ember.fuzz42.only");

    /**
     * A local hunt's case file on disk ({@code -Dember.fuzz42.file=<path>}, made by the script with another
     * {@code FUZZ_SEED} and {@code FUZZ_N}), copied over the committed cases' place in the test classes; the committed
     * cases otherwise.
     */
    private static final String FILE = System.getProperty("ember.fuzz42.file");

    @Test
    void everyCallMatchesPyTorch() throws java.io.IOException {
        String resource = FuzzRoundSupport.casesOrHunt("differentialfuzzr42", FILE);
        DifferentialFuzzR6Test.runAll(resource, FILE != null ? 1 : 1000, FILE != null ? Map.of() : EXPECTED_FAILURES,
                c -> ONLY != null && !ONLY.equals(c.id()) ? null : FuzzR42Interpreter.run(c.lines()));
    }

    /**
     * The checker sees a changed expected line: a float64 and a float32 result, the attention weights, a grad_fn (the
     * result's and the weights'), a gradient of an input and of a parameter, a refusal's message.
     */
    @Test
    void theCheckerSeesAChangedExpectedLine() {
        String[] prefixes = {"o float64", "o float32", "ow float64", "gf ", "gfw ", "gx query float64", "gx p.",
            "err "};
        int seen = FuzzRoundSupport.changesSeen(DifferentialFuzzR6Test.read(RESOURCE), EXPECTED_FAILURES,
                FuzzR42Interpreter::run, prefixes,
                l -> l.startsWith("gf") ? l + "X" : DifferentialFuzzR35Test.change(l));
        assertEquals(prefixes.length, seen, "every kind of change found");
    }
}
