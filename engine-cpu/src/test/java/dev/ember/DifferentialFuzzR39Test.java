package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Round 39 of the seeded differential fuzz against PyTorch ({@code differentialfuzzr39/make_cases.py}, whose header
 * describes the cases, the comparisons and the 2.x emulations; replayed by {@link FuzzR39Interpreter}): CONVOLUTION,
 * POOLING AND NORMALIZATION AT THEIR CORNERS. One call a case: conv1d / 2d / 3d and conv_transpose1d / 2d / 3d with
 * strides, int / tuple / 'same' (even kernels, dilation) / 'valid' padding, dilation, groups (depthwise too),
 * output_padding and no bias; nn.ConvNd in each padding_mode; nn.ConvTransposeNd called with an output_size (in and
 * out of range); max pools (ceil_mode windows starting in the padding, dilation, indices, ties and NaN) and
 * max_unpool; avg pools (count_include_pad, divisor_override, ceil_mode); adaptive avg / max pools to sizes that do
 * not divide; lp pools; batch_norm (train / eval, running stats updated in place), nn.BatchNormNd over training steps
 * (momentum None: the cumulative average; affine and track_running_stats off), instance_norm and nn.InstanceNormNd,
 * group_norm, layer_norm, local_response_norm; unbatched, channels-last and zero-batch inputs; float64 values and
 * gradients (input, weight, bias), float32 values; PyTorch's refusals with every input unchanged.
 *
 * <p>Found by this round (session 56), fixed ({@link FuzzRound39FixesTest}): instance_norm of an empty batch with a
 * weight (and batch_norm of a channel-less input with an empty weight) returned an empty result where PyTorch's
 * empty-input path reads weight[0] and refuses; conv_transpose1d / 2d / 3d of an empty batch refused a non-positive
 * output size with "Output size is too small" where PyTorch's Empty backend views to the computed size (a negative
 * size view's refusal, a zero size an empty result). No expected failures. Where 1.13 and 2.x differ (the pools'
 * padding and max_pool1d's checks, local_response_norm's and max_unpool's messages, circular padding of an unbatched
 * input, group_norm's backward with a bias and no weight, lp_pool3d) Ember matched 2.x, whose answers the generator
 * writes. Local hunts (seeds 101-104 at FUZZ_N 2 / 3, 105 and 107 at FUZZ_BIG 8 / 6, 106 at FUZZ_N 3, 108 at
 * FUZZ_N 3 with FUZZ_BIG 3; 15,514 cases; 105 also with the avx2 and no-vector CPU shapes) found no other difference.
 */
class DifferentialFuzzR39Test {
    private static final String RESOURCE = "/differentialfuzzr39/cases.txt";

    /**
     * Cases known to fail, by id, with the reason; a case listed here that passes is reported too, so the list shrinks
     * as the engine is fixed.
     */
    private static final Map<String, String> EXPECTED_FAILURES = new TreeMap<>();

    /** A local hunt's one case ({@code -Dember.fuzz39.only=<id>}); every case otherwise. */
    private static final String ONLY = System.getProperty("ember.fuzz39.only");

    /**
     * A local hunt's case file on disk ({@code -Dember.fuzz39.file=<path>}, made by the script with another
     * {@code FUZZ_SEED} and {@code FUZZ_N}), copied over the committed cases' place in the test classes; the committed
     * cases otherwise.
     */
    private static final String FILE = System.getProperty("ember.fuzz39.file");

    @Test
    void everyCallMatchesPyTorch() throws java.io.IOException {
        String resource = FuzzRoundSupport.casesOrHunt("differentialfuzzr39", FILE);
        DifferentialFuzzR6Test.runAll(resource, FILE != null ? 1 : 800, FILE != null ? Map.of() : EXPECTED_FAILURES,
                c -> ONLY != null && !ONLY.equals(c.id()) ? null : FuzzR39Interpreter.run(c.lines()));
    }

    /**
     * The checker sees a changed expected line: a float64 and a float32 result, a pool's indices, a buffer after the
     * call, a module's eval result, a gradient of the input and of the weight, a forward's message.
     */
    @Test
    void theCheckerSeesAChangedExpectedLine() {
        String[] prefixes = {"o float64", "o float32", "oi int64", "st running_mean", "oe ", "gx x float64",
            "gx weight float64", "err "};
        int seen = FuzzRoundSupport.changesSeen(DifferentialFuzzR6Test.read(RESOURCE), EXPECTED_FAILURES,
                FuzzR39Interpreter::run, prefixes, DifferentialFuzzR35Test::change);
        assertEquals(prefixes.length, seen, "every kind of change found");
    }
}
