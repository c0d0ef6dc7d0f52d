package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;

/**
 * Round 29 of the seeded differential fuzz against PyTorch ({@code differentialfuzzr29/make_cases.py}, whose header
 * describes the cases, the tolerances and the 2.x emulations; replayed by {@link FuzzR29Interpreter}): single calls and
 * chains of two or three over {@code torch.fft} (the 1-D, 2-D and n-D transforms, fftshift / ifftshift,
 * fftfreq / rfftfreq) at sizes 1 to 17, n / s cropping and padding, negative, repeated and out-of-range dims, every norm
 * and bad ones, real, integer, bool and complex inputs (float16 and bfloat16 refused), transposed, strided, offset,
 * permuted and expanded inputs, lengths up to 194 (Bluestein's algorithm in the kernels), with the grad_fn names, the
 * base's gradient for a random upstream gradient, double backwards, vmap and jvp, and PyTorch's refusals.
 *
 * <p>Found by this round (session 50): no difference. The committed 544 cases and local hunts of about 40,000 more
 * (seeds 1 to 16, 21 to 23 and 31 to 34 at FUZZ_N=3, as the sections stood when each ran: 21 to 23 with FUZZ_GRAD32=1,
 * float32 and complex64 gradients too, 31 to 34 with the func section; seeds 1 to 6 also with
 * {@code -Dember.cpu.capability=avx2}) all match, 2.x's 0-dim refusals and 2.x's zero-padding of tensors with an
 * empty dim (both emulated in the generator) included.
 */
class DifferentialFuzzR29Test {
    private static final String RESOURCE = "/differentialfuzzr29/cases.txt";

    /**
     * Cases known to fail, by id, with the reason; a case listed here that passes is reported too, so the list shrinks
     * as the engine is fixed.
     */
    private static final Map<String, String> EXPECTED_FAILURES = new TreeMap<>(Map.of());

    /** A local hunt's one case ({@code -Dember.fuzz29.only=<id>}); every case otherwise. */
    private static final String ONLY = System.getProperty("ember.fuzz29.only");

    /**
     * A local hunt's case file on disk ({@code -Dember.fuzz29.file=<path>}, made by the script with another
     * {@code FUZZ_SEED} and {@code FUZZ_N}), copied over the committed cases' place in the test classes; the committed
     * cases otherwise.
     */
    private static final String FILE = System.getProperty("ember.fuzz29.file");

    @Test
    void everyCallMatchesPyTorch() throws java.io.IOException {
        String resource = RESOURCE;
        if (FILE != null) {
            java.nio.file.Path target = java.nio.file.Path.of("target/test-classes/differentialfuzzr29/hunt.txt");
            java.nio.file.Files.copy(java.nio.file.Path.of(FILE), target,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            resource = "/differentialfuzzr29/hunt.txt";
        }
        DifferentialFuzzR6Test.runAll(resource, 540, EXPECTED_FAILURES,
                c -> ONLY != null && !ONLY.equals(c.id()) ? null : FuzzR29Interpreter.run(c.lines()));
    }
}
