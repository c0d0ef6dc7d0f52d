package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The fixes of differential fuzz round 44 (the creation ops, ranges and tensors built from Java values), each against
 * PyTorch's answer in {@code differentialfuzzr44/fixes.txt} ({@code FUZZ_FIXES=1 make_cases.py}), replayed by
 * {@link FuzzR44Interpreter}.
 */
class FuzzRound44FixesTest {
    private static final Map<String, List<String>> CASES = DifferentialFuzzR6Test.read("/differentialfuzzr44/fixes.txt")
            .stream().collect(Collectors.toMap(DifferentialFuzzR6Test.Case::id, DifferentialFuzzR6Test.Case::lines));

    static {
        // fixes.txt holds AVX2's answers; on an AVX-512 machine the capability-dependent ones (the half arange
        // passes) as AVX512 gives them (make_avx512.py)
        CASES.putAll(FuzzRoundSupport.avx512Overlay("/differentialfuzzr44/fixes_avx512.txt"));
    }

    private static void matches(String prefix, int count) {
        for (int k = 0; k < count; k++) {
            List<String> lines = CASES.get(prefix + k);
            assertNotNull(lines, prefix + k);
            assertNull(FuzzR44Interpreter.run(lines), prefix + k);
        }
    }

    /**
     * Integer linspace takes 2.x's scalar formula in double (fused on FMA builds), then truncates: Ember stepped
     * unfused, 1.13's vector passes gave non-monotone values.
     */
    @Test
    void integerLinspaceAs2xScalarKernel() {
        matches("fix_linspace_int_", 6);
        assertArrayEquals(new long[] {7, 5, 3, 2, 0, 0, -2, -4, -5, -7, -9},
                Tensor.linspace(7, -9, 11, DType.INT16).to(DType.INT64).toLongArray());
    }

    /**
     * float32 / complex64 linspace converts its ends checked, as PyTorch's {@code Scalar::to<float>()} (and
     * {@code to<c10::complex<float>>()}, in its words): a finite end past float32's range is refused (the start only
     * for one step, which is {@code fill_(start)}); Ember stored inf and nan (found in session 62).
     */
    @Test
    void float32LinspaceChecksItsEnds() {
        matches("fix_linspace_range_", 7);
    }

    /**
     * float16 / bfloat16 arange as PyTorch's vector passes compute it (a float accumulator, each pass's base rounded
     * to the type, its lanes {@code base + j * step} unfused); Ember rounded {@code start + i * step} once.
     */
    @Test
    void halfArangeFollowsTheKernelsPasses() {
        matches("fix_arange_half_", 5);
        assertEquals(-7.5703125, Tensor.arange(-15.968, 64.532, 0.7, DType.FLOAT16).select(0, 12).item());
    }

    /** arange refuses a zero or NaN step first ("step must be nonzero"), before a non-finite range. */
    @Test
    void arangeChecksTheStepFirst() {
        matches("fix_arange_step_", 3);
    }

    /**
     * empty_strided: a zero size gives an empty storage before any overflow check, and a negative stride is stored as
     * TensorImpl::set_sizes_and_strides stores it (the contiguous stride after the next dim's); Ember refused every
     * negative stride.
     */
    @Test
    void emptyStridedNegativeStrides() {
        matches("fix_empty_strided_", 5);
        assertArrayEquals(new int[] {6, 3, 2}, Tensor.emptyStrided(new int[] {0, 2, 3}, new int[] {-1, 3, 2}).stride());
    }

    /** The like factories keep an empty input's strides (contiguous to PyTorch, so kept by preserve_format). */
    @Test
    void likeFactoriesKeepAnEmptyInputsStrides() {
        matches("fix_like_empty_", 5);
    }

    /**
     * full of bool takes a complex fill's real part, as c10 casts it (Ember refused a nonzero imaginary part); a
     * negative size is refused before the fill is converted.
     */
    @Test
    void fullOfBoolWithAComplexFill() {
        matches("fix_full_", 5);
    }

    /**
     * full with a float or an int fill makes the tensor first as PyTorch's ({@code at::empty}, then {@code fill_}): a
     * negative size, then a storage size that overflows, is refused before a value the type cannot hold (Ember
     * checked the value first; found by a round 44 hunt in session 63, seed 6344).
     */
    @Test
    void fullChecksTheSizesBeforeTheValue() {
        matches("fix_full_sizes_", 9);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Tensor.full(DType.UINT8, 300L, 2, -1));
        assertEquals("Trying to create tensor with negative dimension -1: [2, -1]", e.getMessage());
    }

    /**
     * torch.tensor of complex numbers into a real type: Python's conversion messages ("'complex' object cannot be
     * interpreted as an integer", "must be real number, not complex"); bool takes each number's truth.
     */
    @Test
    void tensorOfComplexNumbersIntoARealType() {
        matches("fix_tensor_complex_", 6);
    }

    /**
     * torch.tensor of ragged data into an integer type (round 44's open find, fixed in session 62): PyTorch's
     * recursive_store converts each number as it reaches it and checks a row's length on entering the row, so a number
     * before the ragged row that the type cannot hold is refused first; Ember checked the whole shape first. A number
     * past the ragged row, or one the type takes (-1 into uint8 wraps), leaves the length message.
     */
    @Test
    void tensorOfRaggedDataRefusesAnEarlierOverflowFirst() {
        matches("fix_tensor_ragged_", 6);
    }

    /**
     * torch.tensor of data whose shape along the first elements is empty: PyTorch's recursive_store runs only for a
     * nonzero numel, so the other rows' lengths and values are never checked ({@code [[], [1, 2]]} is an empty 2 x 0
     * float tensor); without dtype= the type is still inferred over every element (complex64 for a complex number).
     * Ember checked the rows (found by a round 44 hunt in session 63, seed 6444). A shape with elements still checks.
     */
    @Test
    void tensorOfDataWithAnEmptyShapeStoresNothing() {
        matches("fix_tensor_empty_", 10);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Tensor.tensor(List.of(List.of(), List.of("x"))));
        assertEquals("Could not infer dtype of String", e.getMessage());
    }

    /**
     * A complex tensor without elements whose real view's strides pass the int range ({@code zeros(0, 2147483647,
     * dtype=complex64)}): view_as_real threw an ArithmeticException; the doubled stride now stops at
     * {@code Integer.MAX_VALUE - 1}, as a contiguous empty shape's strides do, so view_as_complex takes it back (found by
     * a round 44 hunt in session 63, seed 6344).
     */
    @Test
    void complexFactoriesOfHugeEmptyShapesHaveARealView() {
        matches("fix_sizes_complex_", 3);
        Tensor z = Tensor.zeros(DType.COMPLEX64, 0, 2147483647);
        Tensor r = z.viewAsReal();
        assertArrayEquals(new int[] {0, 2147483647, 2}, r.shape());
        assertArrayEquals(new int[] {0, 2147483647}, r.viewAsComplex().shape());
        assertArrayEquals(new int[] {0, 2147483647},
                Tensor.zeros(DType.FLOAT32, 0, 2147483647, 2).viewAsComplex().shape());
    }

    /** complex / polar check both inputs floating (Half, Float or Double) before their types' match, as 2.x. */
    @Test
    void complexAndPolarCheckFloatingFirst() {
        matches("fix_complex_", 5);
    }
}
