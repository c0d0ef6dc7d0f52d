package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;

/**
 * Round 26 of the seeded differential fuzz against PyTorch ({@code differentialfuzzr26/make_cases.py}, whose header
 * describes the programs and the 2.x emulations; replayed by {@link FuzzR26Interpreter}): programs of 3 to 8 statements
 * over one small float64 Linear, Conv2d or BatchNorm1d driving {@code torch.nn.utils} together: custom
 * parametrizations (stacked, unsafe, several originals, right inverses, removal leaving the value or not, cached
 * scopes), orthogonal, spectral_norm (its power iteration in train and eval mode), weight_norm old and new, pruning
 * (random, l1, ln-structured, global, custom masks, repeated, removed), clip_grad_norm_ (norm types 2, 1, inf and 0.5,
 * non-finite gradients, foreach, an empty list), clip_grad_value_, parameters_to_vector / vector_to_parameters and
 * fusion with a batch norm; after each statement the outcome (result, or refusal's kind and message) and the state
 * (parameter and buffer names, requires_grad, state dict keys and values, gradients) are compared.
 *
 * <p>Found by this round and fixed (session 48; FuzzRound26FixesTest holds the regressions): AttributeError named the
 * layer's class where PyTorch names the injected {@code Parametrized<Class>}; assigning through a parametrization
 * without right_inverse threw UnsupportedOperationException (PyTorch: RuntimeError); weight_norm refused a missing name
 * itself (2.x leaves it to register_parametrization) and its forward's arity refusals lacked the class; orthogonal
 * stacked on another parametrization (base None) threw a NullPointerException; spectral_norm and orthogonal took a
 * parametrized value that fails to compute for a missing tensor; remove_parametrizations(leave_parametrized=True) of an
 * unsafe dtype change replaced the original where PyTorch's set_ refuses; the householder right inverse's original was
 * row-major where LAPACK's geqrf gives column-major (parameters_to_vector's view(-1) differed); fusion gave a fresh
 * layer's parameter order and a bias-less layer's fused bias required grad; the feature-count refusal of
 * fuse_linear_bn_eval lacked the counts. Left out, with the reasons in the generator's header: refusals that leave
 * PyTorch's module changed (Ember refuses first), forwards against a float32-parametrized tensor, view(-1) refusals of
 * parametrized values inside global pruning, 0.5-norm totals over rounding noise, non-square trivialized orthogonal.
 */
class DifferentialFuzzR26Test {
    private static final String RESOURCE = "/differentialfuzzr26/cases.txt";

    /**
     * Cases known to fail, by id, with the reason; a case listed here that passes is reported too, so the list shrinks
     * as the engine is fixed.
     */
    private static final Map<String, String> EXPECTED_FAILURES = new TreeMap<>(Map.of());

    /** A local hunt's one case ({@code -Dember.fuzz26.only=<id>}); every case otherwise. */
    private static final String ONLY = System.getProperty("ember.fuzz26.only");

    /**
     * A local hunt's case file on disk ({@code -Dember.fuzz26.file=<path>}, made by the script with another
     * {@code FUZZ_SEED} and {@code FUZZ_N}), copied over the committed cases' place in the test classes; the committed
     * cases otherwise.
     */
    private static final String FILE = System.getProperty("ember.fuzz26.file");

    @Test
    void everyProgramMatchesPyTorch() throws java.io.IOException {
        String resource = RESOURCE;
        if (FILE != null) {
            java.nio.file.Path target = java.nio.file.Path.of("target/test-classes/differentialfuzzr26/hunt.txt");
            java.nio.file.Files.copy(java.nio.file.Path.of(FILE), target,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            resource = "/differentialfuzzr26/hunt.txt";
        }
        DifferentialFuzzR6Test.runAll(resource, 200, EXPECTED_FAILURES,
                c -> ONLY != null && !ONLY.equals(c.id()) ? null : FuzzR26Interpreter.run(c.lines()));
    }
}
