package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Regressions of the bugs round 17 of the differential fuzz ({@link DifferentialFuzzR17Test}) found in Ember's sparse
 * tensors, each against PyTorch's own results ({@code differentialfuzzr17/make_fixes.py} writes {@code fixes.txt} in the
 * round's case format; each case is run by {@link DifferentialFuzzR17Test#run} and must match: values, flags, indices,
 * gradients, or PyTorch's refusal with the inputs unchanged).
 */
class FuzzRound17FixesTest {
    private static final String RESOURCE = "/differentialfuzzr17/fixes.txt";

    /** Runs the cases named {@code name} (at least {@code min}) and fails with every mismatch. */
    private static void check(String name, int min) {
        List<DifferentialFuzzR6Test.Case> cases = new ArrayList<>();
        for (DifferentialFuzzR6Test.Case c : DifferentialFuzzR6Test.read(RESOURCE)) {
            if (c.name().equals(name)) {
                cases.add(c);
            }
        }
        assertTrue(cases.size() >= min, name + ": " + cases.size() + " cases");
        List<String> problems = new ArrayList<>();
        for (DifferentialFuzzR6Test.Case c : cases) {
            String problem = DifferentialFuzzR17Test.run(c.kind(), DifferentialFuzzR17Test.lines(c.lines()));
            if (problem != null) {
                problems.add(c.id() + ": " + problem);
            }
        }
        if (!problems.isEmpty()) {
            fail(String.join("\n", problems));
        }
    }

    /**
     * torch.sparse.softmax / log_softmax check the dim as given (PyTorch's softmax_sparse_input_preprocessing): a
     * negative or too large dim is refused with ": dim must be non-negative and less than input dimensions", before the
     * type ('"softmax" not implemented for 'Long'' only for a valid dim). Ember wrapped negative dims.
     */
    @Test
    void sparseSoftmaxRefusesANegativeDimUnwrapped() {
        check("softmax_dim", 5);
    }

    /**
     * Sparse softmax of a tensor without elements is PyTorch's empty_like output (no entries, the sparse and dense dims
     * kept, coalesced), returned before the type dispatch (an integer tensor too); Ember refused integer types first.
     */
    @Test
    void sparseSoftmaxWithoutElementsIsEmptyBeforeTheTypeCheck() {
        check("softmax_empty", 4);
    }

    /**
     * A 0-dim values tensor is one entry (PyTorch's expand_values_if_needed), differentiable into the scalar; Ember
     * refused it in its own words.
     */
    @Test
    void sparseCooTensorTakesScalarValuesAsOneEntry() {
        check("scalar_values", 3);
    }

    /**
     * Sparse add/sub with contiguous values is PyTorch's add_out_sparse_contiguous: one merge of both entry lists, equal
     * indices meeting in the merge summed into one entry, in the merge's order (uncoalesced inputs give fewer entries
     * than both lists); with strided values the lists are concatenated (coalesced once they outnumber the elements).
     * Ember concatenated always.
     */
    @Test
    void sparseAddMergesTheEntryListsAsPyTorchsCpuKernel() {
        check("add_merge", 5);
    }

    /**
     * When one operand of sparse add/sub has no entries, the result still depends on it (PyTorch's AddBackward0 /
     * SubBackward0 gives it a gradient); Ember's result dropped it from the graph.
     */
    @Test
    void sparseAddWithAnEmptyOperandStaysDifferentiableInBoth() {
        check("add_empty_side", 2);
    }

    /**
     * Sparse transpose of a dense dim is refused ("sparse transpose: transposed dimensions must be sparse ..."); one dim
     * with itself, or a tensor without entries, keeps its coalesced flag. Ember transposed two dense dims and always
     * flagged the result uncoalesced.
     */
    @Test
    void sparseTransposeRefusesDenseDimsAndKeepsTheFlagOfAnEmptyTensor() {
        check("transpose", 6);
    }

    /**
     * index_select along a dense dim gathers the values (no wrapping: gather's "index -1 is out of bounds for dimension
     * 1 with size 3"; nothing checked without values); every result is coalesced only with fewer than two entries; along
     * a sparse dim with more indices than entries PyTorch's brute force goes entry by entry. Ember wrapped negative
     * dense indices, kept the input's flag and always ordered by index.
     */
    @Test
    void sparseIndexSelectAsPyTorch() {
        check("index_select", 8);
    }

    /**
     * torch.sparse.addmm / mm check the sizes before the types, and the types only with entries; without entries the
     * result is beta * input (nan * 0 included; mm: zeros of the dense operand's type), the gradients zeros; with entries
     * the dense operand, then the input, must have the sparse tensor's type. Ember checked the types first, refused mixed
     * types without entries, and took an input of another type with entries.
     */
    @Test
    void sparseAddmmChecksSizesFirstAndWithoutEntriesIsBetaTimesInput() {
        check("addmm", 8);
    }

    /**
     * A complex tensor through to_sparse and to_dense keeps its history (PyTorch's autograd differentiates complex
     * outputs, custom functions' too); Ember's AutogradFunction gave complex outputs no history, so a complex input
     * never received a gradient through the sparse functions, module backward hooks or checkpoints.
     */
    @Test
    void complexOutputsOfAutogradFunctionsCarryTheirHistory() {
        check("complex_grad", 2);
    }

    /**
     * pow of a sparse tensor with integer (or bool) entries is refused as PyTorch's pow_out_sparse_scalar refuses it,
     * writing the floating power into values of the tensor's own type ("Found dtype Long but expected Float"), after
     * the zeroth-power check; Ember gave floating values.
     */
    @Test
    void sparsePowOfIntegerEntriesRefused() {
        check("pow_integer", 5);
    }

    /**
     * A sparse matrix's matmul with a dense vector is PyTorch's mv (mv_sparse: the product with the vector as a column,
     * squeezed; "mv: expected self.size(-1) == vec.size(-1)" for sizes that differ), differentiable in the vector;
     * Ember refused every vector ("addmm: matrices expected, got 1D tensor").
     */
    @Test
    void sparseMatmulWithAVectorIsMv() {
        check("matmul_vector", 3);
    }

    /**
     * The COO form of a CSC tensor is coalesced only when it has no elements or one entry (2.x's
     * sparse_compressed_to_sparse); Ember flagged a CSC tensor without entries coalesced.
     */
    @Test
    void cscToCooFlagsAsPyTorch2() {
        check("csc_to_coo", 3);
    }
}
