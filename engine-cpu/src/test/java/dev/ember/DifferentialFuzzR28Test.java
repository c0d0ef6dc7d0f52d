package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;

/**
 * Round 28 of the seeded differential fuzz against PyTorch ({@code differentialfuzzr28/make_cases.py}, whose header
 * describes the programs and the 2.x emulations; replayed by {@link FuzzR28Interpreter}): programs of 3 to 8 statements
 * over sparse COO tensors (duplicate and unsorted indices, given and inferred sizes, hybrid values, leaves that require
 * grad, values with a history), their CSR forms and dense float64 tensors, driving {@code dev.ember.sparse} together:
 * coalesce, indices / values and their refusal on an uncoalesced tensor, to_dense / to_sparse / to_sparse_csr,
 * transpose, sparse add and sub, products with scalars and dense tensors, sparse_mask, torch.sparse.sum, torch.sparse.mm
 * (dense and sparse operands), addmm, index_select, the unary ops that keep sparsity, dtype conversions, printing, and
 * refusals of bad constructor arguments with PyTorch's messages; every result is compared (layout, shape, sparse and
 * dense dims, nnz, the coalesced flag, dtype, requires_grad and grad_fn, the raw indices and values), and after a
 * backward pass every leaf's gradient.
 *
 * <p>Found by this round and fixed (session 50; FuzzRound28FixesTest holds the regressions): torch.sparse.mm of a sparse
 * vector or a 0-dim dense operand, and torch.sparse.mm / addmm whose input does not expand to
 * {@code [mat1.size(0), mat2.size(1)]}, were refused with addmm's dims messages where PyTorch fails first on
 * {@code size()} or the expand; sparse * dense took the type of the gathered dense elements (a float32 sparse tensor
 * times a float64 0-dim one became float64); index_select along a dense dim out of range was an IndexError where
 * PyTorch's gather check is a RuntimeError. Left as expected failures (gradient layouts, a design decision): a leaf's
 * gradient through ceil / floor / round / trunc / sign, which PyTorch leaves without entries, and the gradient of the
 * dense operand of sparse * dense, which PyTorch makes sparse. Left out of the programs, with the reasons in the
 * generator's header: what 1.13 fails (most unary ops' backward on a sparse tensor, index_select's backward, dense +
 * sparse's backward, a second backward) and what Ember lacks (narrow_copy, to_sparse of a 0-dim tensor, CSR autograd).
 * A hunt of 600 programs (FUZZ_SEED=2802) left open, not yet judged: hybrid tensors without entries that PyTorch 1.13
 * reports with every dim sparse after mulsc / sparse_mask / to and in gradients (whether 2.x does is unchecked);
 * float32 asinh 1 ulp off PyTorch (the 1e-12 tolerance is float64's); to(int64) of nan / inf values (C++'s undefined
 * cast, PyTorch's INT64_MIN).
 */
class DifferentialFuzzR28Test {
    private static final String RESOURCE = "/differentialfuzzr28/cases.txt";

    /**
     * Cases known to fail, by id, with the reason; a case listed here that passes is reported too, so the list shrinks
     * as the engine is fixed.
     */
    private static final Map<String, String> EXPECTED_FAILURES = new TreeMap<>(Map.of(
            "r28_11", "ceil's gradient is PyTorch's zeros_like(grad), a sparse tensor without entries, so the leaf's "
                    + "gradient has nnz=0; Ember's sparse leaf gradient lists every coalesced entry (zeros there)",
            "r28_101", "the dense operand of sparse * dense gets a sparse gradient in PyTorch (grad * self, both "
                    + "sparse); Ember's is dense (the same values)"));

    /** A local hunt's one case ({@code -Dember.fuzz28.only=<id>}); every case otherwise. */
    private static final String ONLY = System.getProperty("ember.fuzz28.only");

    /**
     * A local hunt's case file on disk ({@code -Dember.fuzz28.file=<path>}, made by the script with another
     * {@code FUZZ_SEED} and {@code FUZZ_N}), copied over the committed cases' place in the test classes; the committed
     * cases otherwise.
     */
    private static final String FILE = System.getProperty("ember.fuzz28.file");

    @Test
    void everyProgramMatchesPyTorch() throws java.io.IOException {
        String resource = RESOURCE;
        if (FILE != null) {
            java.nio.file.Path target = java.nio.file.Path.of("target/test-classes/differentialfuzzr28/hunt.txt");
            java.nio.file.Files.copy(java.nio.file.Path.of(FILE), target,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            resource = "/differentialfuzzr28/hunt.txt";
        }
        DifferentialFuzzR6Test.runAll(resource, FILE != null ? 1 : 200, EXPECTED_FAILURES,
                c -> ONLY != null && !ONLY.equals(c.id()) ? null : FuzzR28Interpreter.run(c.lines()));
    }
}
