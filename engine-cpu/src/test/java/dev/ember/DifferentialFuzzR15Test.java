package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;

/**
 * Round 15 of the seeded differential fuzz against PyTorch ({@code differentialfuzzr15/make_cases.py}, whose header
 * describes the cases; replayed by {@link FuzzR15Interpreter}): torch.func's transforms composed over random programs.
 * A program of two to six statements over small inputs (float64 mostly; float32 and the two mixed; int64 and bool
 * under vmap alone; complex128): elementwise ops with broadcasting, pow with a scalar, clamp, where, masked_fill,
 * reductions with dims and keepdim, norm, matmul/bmm/einsum/linear/conv1d, views and reshapes, gather/index_select/advanced indexing, cat/stack,
 * softmax/log_softmax/layer_norm, cumsum, sort and topk values, in-place ops on a clone made inside f; wrapped in one to
 * three transforms (with a squared sum where a scalar transform needs one): vmap with in_dims per input (None and
 * negative ones among them) and out_dims (negative ones, a tuple for several results), nested, grad and grad_and_value
 * with int or tuple argnums, jacrev, jacfwd, hessian, vjp with a random cotangent, jvp with random tangents,
 * linearize, and their compositions (vmap(grad), vmap(jacrev), jacfwd(jacrev), grad(grad), vmap(vjp), jvp(grad) ...).
 * Every result's dtype, shape, values and requires_grad are compared, or the error's first line (grad of a non-scalar,
 * in_dims of the wrong length, an in_dim out of range, mapped dimensions of different sizes, out_dims out of range, an
 * integer input to grad, argnums out of range or repeated, a tangent of the wrong shape, a random op in randomness
 * 'error' mode), and the inputs must be unchanged by the call either way; randomness 'same' and 'different' are checked
 * by their rule; where inputs require grad outside the transforms, a backward through the results must give
 * functorch's gradients. Every mismatch is reported in one failure.
 *
 * <p>Found by this round and fixed (session 43; FuzzRound15FixesTest holds the regressions): a transform's gradient
 * for an input the output does not reach was autograd's materialize_grads zeros, a leaf that requires grad (functorch
 * fills plain {@code zeros_like}), and a Jacobian's lacked its batch dimension and failed to reshape when the output
 * depended on an enclosing transform's input; an inner transform's fresh leaves counted as outer tensors to the
 * enclosing transform, whose results then kept a graph (jacrev of vjp_fn with respect to the cotangent, jacrev of
 * hessian with respect to another input); repeated argnums were reported as given, not wrapped ("got (0, 0)");
 * grad, vjp, jvp and the Jacobians refused complex inputs (torch.func differentiates them); a
 * recomputed backward (complex {@code z @ z}) differentiated again gave each of two aliased inputs the whole
 * derivative, doubling it; prod's backward inside a transform took plain autograd's {@code grad * (result / input)}
 * where PyTorch, whose input is then functorch's wrapper, takes prod_safe_zeros_backward (a dimension of one gives grad
 * itself, with no graph through the input);
 * pow(x, 2)'s backward took the shortcut {@code grad * (x * 2)}, so the second derivative of a square did not require
 * grad and a third refused (PyTorch's pow_backward goes through {@code x.pow(1)}). Left out and why: the script's
 * header.
 */
class DifferentialFuzzR15Test {
    private static final String RESOURCE = "/differentialfuzzr15/cases.txt";

    /**
     * Cases known to fail, by id, with the reason; a case listed here that passes is reported too, so the list shrinks
     * as the engine is fixed.
     */
    private static final Map<String, String> EXPECTED_FAILURES = new TreeMap<>(Map.of());

    /** A local hunt's one case ({@code -Dember.fuzz15.only=<id>}); every case otherwise. */
    private static final String ONLY = System.getProperty("ember.fuzz15.only");

    /**
     * A local hunt's case file on disk ({@code -Dember.fuzz15.file=<path>}, made by the script with another
     * {@code FUZZ_SEED} and {@code FUZZ_N}); the committed cases otherwise.
     */
    private static final String FILE = System.getProperty("ember.fuzz15.file");

    @Test
    void everyComposedTransformMatchesFunctorch() throws java.io.IOException {
        String resource = RESOURCE;
        if (FILE != null) {
            java.nio.file.Path target = java.nio.file.Path.of("target/test-classes/differentialfuzzr15/hunt.txt");
            java.nio.file.Files.copy(java.nio.file.Path.of(FILE), target,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            resource = "/differentialfuzzr15/hunt.txt";
        }
        DifferentialFuzzR6Test.runAll(resource, FILE == null ? 250 : 1, EXPECTED_FAILURES,
                c -> ONLY != null && !ONLY.equals(c.id()) ? null : FuzzR15Interpreter.run(c.lines()));
    }
}
