package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;

/**
 * Round 23 of the seeded differential fuzz against PyTorch ({@code differentialfuzzr23/make_cases.py}, whose header
 * describes the cases, the 2.x semantics followed and the tolerances; replayed by {@link FuzzR23Interpreter}): attention
 * and the transformer modules at their corners. scaled_dot_product_attention with boolean and additive masks broadcast
 * over batch and heads, is_causal with L != S, explicit (also negative and zero) scales, fully masked rows (2.5+'s
 * zeros), seeded dropout, 2-D to 4-D inputs and value widths other than the key's; MultiheadAttention with batch_first,
 * unbatched inputs, kdim/vdim, add_bias_kv, add_zero_attn, boolean and float key padding and attention masks (2-D and
 * 3-D), need_weights with and without averaging, the is_causal hint, no bias, several heads, in train and eval mode and
 * without autograd, and its refusals; the encoder and decoder layers, stacks and nn.Transformer with norm_first, the
 * activations (names and modules), batch_first, every mask and hint, final norms, 2.x's nested-tensor path of the
 * encoder in inference, and generate_square_subsequent_mask. Forward values, the inputs' and every parameter's
 * gradients; refusals by message.
 *
 * <p>Found by this round and fixed (session 47; FuzzRound23FixesTest holds the regressions): TransformerEncoder ran
 * its layers on the dense input where 2.x takes its nested-tensor path in inference (padded rows zero before the final
 * norm, a float padding mask's nonzero values as padding); encoder and decoder stacks of no layers returned their input
 * where 2.x refuses ("index 0 is out of range"); nn.Transformer took its activation by name only. Left out (the
 * generator's header): 2.x's inference fast paths where they are not the dense path's values (a fully masked row,
 * nn.GELU(approximate='tanh') counted as gelu, bias=False layers meeting the nested conditions).
 */
class DifferentialFuzzR23Test {
    private static final String RESOURCE = "/differentialfuzzr23/cases.txt";

    /**
     * Cases known to fail, by id, with the reason; a case listed here that passes is reported too, so the list shrinks
     * as the engine is fixed.
     */
    private static final Map<String, String> EXPECTED_FAILURES = new TreeMap<>(Map.of());

    /** A local hunt's one case ({@code -Dember.fuzz23.only=<id>}); every case otherwise. */
    private static final String ONLY = System.getProperty("ember.fuzz23.only");

    /**
     * A local hunt's case file on disk ({@code -Dember.fuzz23.file=<path>}, made by the script with another
     * {@code FUZZ_SEED} and {@code FUZZ_N}), copied over the committed cases' place in the test classes; the committed
     * cases otherwise.
     */
    private static final String FILE = System.getProperty("ember.fuzz23.file");

    @Test
    void everyCaseMatchesPyTorch() throws java.io.IOException {
        String resource = RESOURCE;
        if (FILE != null) {
            java.nio.file.Path target = java.nio.file.Path.of("target/test-classes/differentialfuzzr23/hunt.txt");
            java.nio.file.Files.copy(java.nio.file.Path.of(FILE), target,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            resource = "/differentialfuzzr23/hunt.txt";
        }
        DifferentialFuzzR6Test.runAll(resource, 300, EXPECTED_FAILURES,
                c -> ONLY != null && !ONLY.equals(c.id()) ? null : FuzzR23Interpreter.run(c.lines()));
    }
}
