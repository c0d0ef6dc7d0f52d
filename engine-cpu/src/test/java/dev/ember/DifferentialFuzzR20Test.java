package dev.ember;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;

/**
 * Round 20 of the seeded differential fuzz against PyTorch ({@code differentialfuzzr20/make_cases.py}, whose header
 * describes the programs, the 1.13-versus-2.x emulations and the tolerances; replayed by {@link FuzzR20Interpreter}):
 * programs on {@code torch.distributions} after one {@code manual_seed} on PyTorch's CPU generator (MT19937). One or two
 * distributions of a random family (every family Ember has of the brief's list, Independent, MixtureSameFamily and
 * TransformedDistribution included) with broadcast parameters of batch shapes (), (3,) and (2, 3), float64 mostly,
 * validate_args on or off; then samples and reparameterized samples with sample shapes (the generator's state compared
 * after each, so a sampler that consumes a wrong number of words is caught where it happens), log_prob of in-support,
 * out-of-support and wrongly shaped values, cdf and icdf, mean, mode, variance, stddev, entropy, expand, batch and event
 * shapes and the support's repr, enumerate_support, gradients of rsample and log_prob with respect to the parameters,
 * and kl_divergence between registered and unregistered pairs.
 */
class DifferentialFuzzR20Test {
    private static final String RESOURCE = "/differentialfuzzr20/cases.txt";

    /**
     * Cases known to fail, by id, with the reason; a case listed here that passes is reported too, so the list shrinks
     * as the engine is fixed.
     */
    private static final Map<String, String> EXPECTED_FAILURES = new TreeMap<>(Map.of());

    /** A local hunt's one case ({@code -Dember.fuzz20.only=<id>}); every case otherwise. */
    private static final String ONLY = System.getProperty("ember.fuzz20.only");

    /**
     * A local hunt's case file on disk ({@code -Dember.fuzz20.file=<path>}, made by the script with another
     * {@code FUZZ_SEED} and {@code FUZZ_N}), copied over the committed cases' place in the test classes; the committed
     * cases otherwise.
     */
    private static final String FILE = System.getProperty("ember.fuzz20.file");

    private Generator.Algorithm before;

    @BeforeEach
    void mt19937() {
        before = Ember.defaultGeneratorAlgorithm();
        Ember.setDefaultGeneratorAlgorithm(Generator.Algorithm.MT19937);
    }

    @AfterEach
    void restore() {
        Ember.setDefaultGeneratorAlgorithm(before);
    }

    @Test
    void everyProgramMatchesPyTorch() throws java.io.IOException {
        String resource = RESOURCE;
        if (FILE != null) {
            java.nio.file.Path target = java.nio.file.Path.of("target/test-classes/differentialfuzzr20/hunt.txt");
            java.nio.file.Files.copy(java.nio.file.Path.of(FILE), target,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            resource = "/differentialfuzzr20/hunt.txt";
        }
        DifferentialFuzzR6Test.runAll(resource, 200, EXPECTED_FAILURES,
                c -> ONLY != null && !ONLY.equals(c.id()) ? null : FuzzR20Interpreter.run(c.lines()));
    }
}
