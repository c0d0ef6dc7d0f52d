package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;

/**
 * Round 24 of the seeded differential fuzz against PyTorch ({@code differentialfuzzr24/make_cases.py}, whose header
 * describes the programs and the 2.x emulations; replayed by {@link FuzzR24Interpreter}): programs of 3 to 10
 * statements driving the autograd graph API by hand in float64: tensor hooks (logging or replacing the gradient,
 * removed handles), retain_grad, post-accumulate-grad hooks, grad_fn post-hooks and pre-hooks, backward with
 * gradient=, retain_graph, create_graph and inputs=, torch.autograd.grad with grad_outputs, allow_unused,
 * materialize_grads and is_grads_batched, .grad read, cleared, zeroed and assigned, detach_ and requires_grad_, nested
 * grad-mode scopes, saved-tensor hooks and torch.autograd.Function subclasses (save_for_backward, mark_dirty,
 * mark_non_differentiable, set_materialize_grads, once_differentiable). Values, gradients (None-ness, layout,
 * requires_grad, grad_fn), the log of hook calls in order, and refusal messages are compared.
 *
 * <p>Found by this round and fixed (session 47; FuzzRound24FixesTest holds the regressions): Ember had no
 * {@code backward(inputs=...)}; a custom Function returned an input given back without recording as the input itself
 * (PyTorch: a detached alias where it requires grad, a view of it where it does not, the input itself where it was
 * modified: 2.0's as-is rule, which the generator emulates on 1.13); {@code mark_dirty} did not count
 * the extra version PyTorch's {@code _mark_dirty} counts, nor reset the dirty input's {@code .grad}; a once-differentiable backward's error node hung off the
 * graph's tensors, so {@code autograd.grad} and {@code backward(inputs=...)} reached it where PyTorch's (on fake
 * leaves) is never reached; a node's post-hooks did not see the gradient a custom Function returned for an input that
 * does not require grad, and saw the gradients a built-in node made for inputs a partial pass does not run; a
 * gradient summed to a 0-d or same-rank input was reshaped ({@code ViewBackward0}) where {@code at::sum_to} gives the
 * sum; materialize_grads' zeros did not keep a strided input's layout; {@code x.grad = g} checked the device before
 * the type (PyTorch: a meta gradient of a CPU tensor is "of a different type") and took {@code x} itself. Left out,
 * with the reasons in the generator's header: where 1.13 differs from 2.x, and Ember's differences reported instead of
 * fixed (full_like's layout, pack calls of the gradients a partial pass does not need, PyTorch's aliasing of a given
 * gradient into a leaf's .grad or a result, a Function recorded inside inference mode with grad mode set on, a leaf's
 * hooks after detach_ on a built graph, batched grads with create_graph, the node a saved output's in-place error
 * names after create_graph).
 */
class DifferentialFuzzR24Test {
    private static final String RESOURCE = "/differentialfuzzr24/cases.txt";

    /**
     * Cases known to fail, by id, with the reason; a case listed here that passes is reported too, so the list shrinks
     * as the engine is fixed.
     */
    private static final Map<String, String> EXPECTED_FAILURES = new TreeMap<>(Map.of());

    /** A local hunt's one case ({@code -Dember.fuzz24.only=<id>}); every case otherwise. */
    private static final String ONLY = System.getProperty("ember.fuzz24.only");

    /**
     * A local hunt's case file on disk ({@code -Dember.fuzz24.file=<path>}, made by the script with another
     * {@code FUZZ_SEED} and {@code FUZZ_N}), copied over the committed cases' place in the test classes; the committed
     * cases otherwise.
     */
    private static final String FILE = System.getProperty("ember.fuzz24.file");

    @Test
    void everyProgramMatchesPyTorch() throws java.io.IOException {
        String resource = RESOURCE;
        if (FILE != null) {
            java.nio.file.Path target = java.nio.file.Path.of("target/test-classes/differentialfuzzr24/hunt.txt");
            java.nio.file.Files.copy(java.nio.file.Path.of(FILE), target,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            resource = "/differentialfuzzr24/hunt.txt";
        }
        DifferentialFuzzR6Test.runAll(resource, 250, EXPECTED_FAILURES,
                c -> ONLY != null && !ONLY.equals(c.id()) ? null : FuzzR24Interpreter.run(c.lines()));
    }
}
