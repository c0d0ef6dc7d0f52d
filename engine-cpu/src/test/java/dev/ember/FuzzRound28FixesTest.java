package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Regressions of the differential fuzz round 28 (sparse COO and CSR tensors as programs, DifferentialFuzzR28Test):
 * labelled programs in the round's case format with PyTorch's outcomes ({@code differentialfuzzr28/make_fixes.py},
 * {@code fixes.txt}), replayed by {@link FuzzR28Interpreter}. {@code torch.sparse.mm} of a sparse vector or a 0-dim
 * dense operand was refused with addmm's message where PyTorch's {@code _sparse_mm} fails first on {@code size(-2)} /
 * {@code size(-1)} (an IndexError); a sparse tensor times a dense one took the type of the gathered dense elements
 * (a float32 sparse tensor times a float64 0-dim tensor became float64) where PyTorch takes the operands' result type;
 * index_select along a dense dim out of range threw an IndexOutOfBoundsException where PyTorch's gather check raises a
 * RuntimeError; torch.sparse.mm / addmm checked the sparse operand's dims before PyTorch's expand of the input to
 * {@code [mat1.size(0), mat2.size(1)]} (addmm_out_sparse_dense_cpu's first step).
 */
class FuzzRound28FixesTest {
    private static final List<DifferentialFuzzR6Test.Case> CASES = DifferentialFuzzR6Test.read("/differentialfuzzr28/fixes.txt");

    private static void replay(String label) {
        for (DifferentialFuzzR6Test.Case c : CASES) {
            if (c.id().equals(label)) {
                assertNull(FuzzR28Interpreter.run(c.lines()), label);
                return;
            }
        }
        throw new AssertionError("no program " + label + " in fixes.txt");
    }

    @Test
    void mmOfASparseVectorFailsOnItsSize() {
        replay("mm_sparse_vector");
    }

    @Test
    void mmOfA0DimDenseOperandFailsOnItsSize() {
        replay("mm_dense_scalar");
    }

    @Test
    void mulByA0DimDenseKeepsFloat32() {
        replay("mul_dense_scalar_keeps_float32");
    }

    @Test
    void mulByA0DimFloatPromotesInt64() {
        replay("mul_dense_scalar_promotes_int64");
    }

    @Test
    void mulByADimensionedFloat64Promotes() {
        replay("mul_dense_float64_promotes_float32");
    }

    @Test
    void indexSelectAlongADenseDimOutOfRangeIsARuntimeError() {
        replay("isel_dense_dim_out_of_range");
    }

    @Test
    void mmExpandsItsZerosBeforeCheckingTheDims() {
        replay("mm_expand_before_dims_3d");
    }

    @Test
    void mmOfAHybridTensor() {
        replay("mm_expand_before_dims_hybrid");
    }

    @Test
    void mmOfADenseVectorFailsOnItsSize1() {
        replay("mm_dense_vector");
    }

    @Test
    void addmmExpandsItsInputBeforeCheckingTheDims() {
        replay("addmm_expand_before_dims");
    }
}
