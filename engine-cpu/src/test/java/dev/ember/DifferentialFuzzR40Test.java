package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Round 40 of the seeded differential fuzz against PyTorch ({@code differentialfuzzr40/make_cases.py}, whose header
 * describes the cases, the comparisons and the 2.x emulations; replayed by {@link FuzzR40Interpreter}): RESAMPLING
 * AND THE SPATIAL OPS AT THEIR CORNERS. One call a case: F.interpolate in every mode (nearest, nearest-exact, area,
 * linear, bilinear, bicubic, trilinear) by size or scale factor (one or per dim, non-integer, below 1),
 * align_corners, recompute_scale_factor, antialias (bilinear / bicubic), uint8 nearest; nn.Upsample and its repr;
 * grid_sample (4-D bilinear / nearest / bicubic, 5-D bilinear / nearest; each padding mode; grid points on the
 * borders, pixel centres and edges, outside, NaN) and affine_grid (2-D / 3-D); F.pad in each mode (negative pads,
 * values); pixel_shuffle / pixel_unshuffle and channel_shuffle; fold / unfold (kernel, dilation, padding, stride);
 * channels-last, unbatched and zero-batch inputs; float64 values and gradients (input, grid, theta), float32 values;
 * PyTorch's refusals with every input unchanged.
 *
 * <p>Found by this round (session 58), fixed ({@link FuzzRound40FixesTest}): grid_sample of a 4-D input at NaN grid
 * points (zeros padding) gave NaN in nearest mode where PyTorch's kernel gives 0, and a zero grid gradient where
 * PyTorch's vectorized backward gives NaN (bilinear: the other coordinate's; bicubic: both); pixel_shuffle /
 * pixel_unshuffle of a non-empty 5-D channels_last_3d input ran where PyTorch's CPU kernels refuse the format. One
 * expected failure (bicubic with a scale factor that keeps the size: PyTorch's backward copies the gradient, Ember's is
 * its forward's transpose). Where 1.13 and 2.x differ (pad's messages and checks, 3-D nearest grid_sample's rounding,
 * channel_shuffle's gradient, empty pixel_unshuffle, antialias's message and unchanged axes, Upsample's repr) Ember
 * matched 2.x, whose answers the generator writes. Local hunts (seeds 41 at FUZZ_BIG 3, 42, 43 at FUZZ_BIG 6, 44 at
 * FUZZ_N 2, 45 at FUZZ_N 2 with FUZZ_BIG 3, 46 at FUZZ_N 2 with FUZZ_BIG 10, 47 at FUZZ_N 3; 25,032 cases) found no
 * other difference (seed 42: two more cases of the same-size bicubic backward).
 */
class DifferentialFuzzR40Test {
    private static final String RESOURCE = "/differentialfuzzr40/cases.txt";

    /**
     * Cases known to fail, by id, with the reason; a case listed here that passes is reported too, so the list shrinks
     * as the engine is fixed.
     */
    private static final Map<String, String> EXPECTED_FAILURES = new TreeMap<>();

    static {
        EXPECTED_FAILURES.put("r40_1588", "bicubic by scale factor 1.3 of a 3 x 3 input keeps its size: PyTorch's "
                + "forward resamples with the scale's weights, its backward (upsample_bicubic2d_backward's same-size "
                + "special case, still in 2.x's UpSampleKernel.cpp) copies the gradient, which is not that forward's "
                + "derivative; Ember keeps its backward the forward's transpose, the true gradient, as AntialiasOps does");
    }

    /** A local hunt's one case ({@code -Dember.fuzz40.only=<id>}); every case otherwise. */
    private static final String ONLY = System.getProperty("ember.fuzz40.only");

    /**
     * A local hunt's case file on disk ({@code -Dember.fuzz40.file=<path>}, made by the script with another
     * {@code FUZZ_SEED} and {@code FUZZ_N}), copied over the committed cases' place in the test classes; the committed
     * cases otherwise.
     */
    private static final String FILE = System.getProperty("ember.fuzz40.file");

    @Test
    void everyCallMatchesPyTorch() throws java.io.IOException {
        String resource = FuzzRoundSupport.casesOrHunt("differentialfuzzr40", FILE);
        DifferentialFuzzR6Test.runAll(resource, FILE != null ? 1 : 2000, FILE != null ? Map.of() : EXPECTED_FAILURES,
                c -> ONLY != null && !ONLY.equals(c.id()) ? null : FuzzR40Interpreter.run(c.lines()));
    }

    /**
     * The checker sees a changed expected line: a float64, a float32 and a uint8 result, a module's repr, a gradient of
     * the input, of the grid and of theta, a forward's message.
     */
    @Test
    void theCheckerSeesAChangedExpectedLine() {
        String[] prefixes = {"o float64", "o float32", "o uint8", "rp ", "gx x float64", "gx grid float64",
            "gx theta float64", "err "};
        int seen = FuzzRoundSupport.changesSeen(DifferentialFuzzR6Test.read(RESOURCE), EXPECTED_FAILURES,
                FuzzR40Interpreter::run, prefixes,
                line -> line.startsWith("rp ") ? line + "!" : DifferentialFuzzR35Test.change(line));
        assertEquals(prefixes.length, seen, "every kind of change found");
    }
}
