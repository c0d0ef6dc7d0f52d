package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;

/**
 * Round 22 of the seeded differential fuzz against PyTorch ({@code differentialfuzzr22/make_cases.py}, whose header
 * describes the programs, the 2.x emulations and the tolerances; replayed by {@link FuzzR22Interpreter}): programs
 * under CPU autocast (bfloat16, and float16 as 2.x allows), chaining ops of PyTorch 2.x's CPU lists (lower precision:
 * mm, matmul, addmm, linear, bmm, baddbmm, addbmm, conv1d, conv2d, conv_transpose1d, prelu, linalg_vecdot,
 * scaled_dot_product_attention; float32: prod, trace, cdist, quantile, the losses (cross_entropy and the margin ones), inverse, pinverse, linalg's inv, solve, cholesky, cond, svdvals,
 * matrix_rank, eigvalsh, fft, polar, view_as_complex, the 3-D pools, the pads, grid_sample; promote: cat, stack,
 * index_copy) with ops outside them (relu, add, softmax, layer_norm, group_norm, softplus, gelu, mv, addmv, dot,
 * atan2, addcmul, composites that reach
 * mm/bmm: tensordot, einsum, multi_dot) and modules (Linear, Conv2d, LayerNorm, MultiheadAttention), inside nested
 * disabled scopes, scopes changing the dtype and a scope exited and entered again; the autocast state queried; the
 * chain's backward (every gradient in its leaf's type). Each result's dtype is compared exactly, its values bit for bit
 * or within the stated tolerance.
 *
 * <p>Found by this round and fixed (session 46; FuzzRound22FixesTest holds the regressions): most of the CPU list's
 * float32 ops had no autocast entry (pinverse, the SVD/eigh/QR/Cholesky/solve/lstsq family, the FFTs and stft,
 * quantile and nanquantile, polar, view_as_complex, avg/max/adaptive 3-D pools; they kept bfloat16 or refused it), nor
 * did the lower-precision prelu and linalg_vecdot (they kept float32); the SVD and eigh kernels met float16/bfloat16
 * with a ClassCastException instead of PyTorch's refusal. Generator emulations and what is not compared (gradients
 * through pinverse, where 1.13's were NaN or garbage, and through a bfloat16 group_norm) are in its header.
 */
class DifferentialFuzzR22Test {
    private static final String RESOURCE = "/differentialfuzzr22/cases.txt";

    /**
     * Cases known to fail, by id, with the reason; a case listed here that passes is reported too, so the list shrinks
     * as the engine is fixed.
     */
    private static final Map<String, String> EXPECTED_FAILURES = new TreeMap<>(Map.of());

    /** A local hunt's one case ({@code -Dember.fuzz22.only=<id>}); every case otherwise. */
    private static final String ONLY = System.getProperty("ember.fuzz22.only");

    /**
     * A local hunt's case file on disk ({@code -Dember.fuzz22.file=<path>}, made by the script with another
     * {@code FUZZ_SEED} and {@code FUZZ_N}), copied over the committed cases' place in the test classes; the committed
     * cases otherwise.
     */
    private static final String FILE = System.getProperty("ember.fuzz22.file");

    @Test
    void everyProgramMatchesPyTorch() throws java.io.IOException {
        String resource = RESOURCE;
        if (FILE != null) {
            java.nio.file.Path target = java.nio.file.Path.of("target/test-classes/differentialfuzzr22/hunt.txt");
            java.nio.file.Files.copy(java.nio.file.Path.of(FILE), target,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            resource = "/differentialfuzzr22/hunt.txt";
        }
        DifferentialFuzzR6Test.runAll(resource, 180, EXPECTED_FAILURES,
                c -> ONLY != null && !ONLY.equals(c.id()) ? null : FuzzR22Interpreter.run(c.lines()));
    }
}
