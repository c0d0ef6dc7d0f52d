package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;

/**
 * Round 25 of the seeded differential fuzz against PyTorch ({@code differentialfuzzr25/make_cases.py}, whose header
 * describes the cases and the 2.x emulation; replayed by {@link FuzzR25Interpreter}): how tensors and results print.
 * Random dtypes (every float, integer, bool and complex type), shapes (0-dim, empty, 1-D to 4-D, long rows, past the
 * threshold), values (fractions, integers held in floats, mixed magnitudes, tiny and huge ones, values at the
 * precision's rounding boundary, all-equal, nan, +-inf, -0.0), print options (precision, threshold, edgeitems,
 * linewidth, sci_mode, profiles, over one or two calls), a float64 default type, requires_grad leaves and parameters,
 * views and exact ops whose grad_fn prints, and the return_types of max, sort, topk, aminmax, frexp, ... and unique's
 * tuples. The whole printout is compared exactly.
 *
 * <p>Found by this round and fixed (session 48; PrintOptionsTest's {@code nofinite} cases hold the regression): under
 * {@code sci_mode=True} a tensor with no finite nonzero value (zeros, -0.0, nan, inf; a complex part of them) printed
 * its zeros in scientific notation, where PyTorch's {@code _Formatter} returns before the override and prints
 * {@code 0.} and {@code -0.} (r25_007, r25_273, r25_344). Left out, with the reasons in the generator's header: ops that
 * round, and complex arithmetic on infinite or zero parts (PyTorch's {@code x * 2}, {@code x + x} and {@code -x} of
 * complex tensors differ from Ember's there: reported, not printing's).
 */
class DifferentialFuzzR25Test {
    private static final String RESOURCE = "/differentialfuzzr25/cases.txt";

    /**
     * Cases known to fail, by id, with the reason; a case listed here that passes is reported too, so the list shrinks
     * as the engine is fixed.
     */
    private static final Map<String, String> EXPECTED_FAILURES = new TreeMap<>(Map.of());

    /** A local hunt's one case ({@code -Dember.fuzz25.only=<id>}); every case otherwise. */
    private static final String ONLY = System.getProperty("ember.fuzz25.only");

    /**
     * A local hunt's case file on disk ({@code -Dember.fuzz25.file=<path>}, made by the script with another
     * {@code FUZZ_SEED} and {@code FUZZ_N}), copied over the committed cases' place in the test classes; the committed
     * cases otherwise.
     */
    private static final String FILE = System.getProperty("ember.fuzz25.file");

    @Test
    void everyPrintoutMatchesPyTorch() throws java.io.IOException {
        String resource = RESOURCE;
        if (FILE != null) {
            java.nio.file.Path target = java.nio.file.Path.of("target/test-classes/differentialfuzzr25/hunt.txt");
            java.nio.file.Files.copy(java.nio.file.Path.of(FILE), target,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            resource = "/differentialfuzzr25/hunt.txt";
        }
        DifferentialFuzzR6Test.runAll(resource, 500, EXPECTED_FAILURES,
                c -> ONLY != null && !ONLY.equals(c.id()) ? null : FuzzR25Interpreter.run(c.lines()));
    }
}
