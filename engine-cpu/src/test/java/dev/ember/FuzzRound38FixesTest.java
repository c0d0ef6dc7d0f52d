package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The fixes of differential fuzz round 38 (refusals), each against PyTorch's refusal in
 * {@code differentialfuzzr38/fixes.txt} ({@code FUZZ_FIXES=1 make_cases.py}), replayed by {@link FuzzR38Interpreter}:
 * the Java exception for PyTorch's type, PyTorch's message, and every argument unchanged.
 */
class FuzzRound38FixesTest {
    private static final Map<String, List<String>> CASES = DifferentialFuzzR6Test.read("/differentialfuzzr38/fixes.txt")
            .stream().collect(Collectors.toMap(DifferentialFuzzR6Test.Case::id, DifferentialFuzzR6Test.Case::lines));

    private static void matches(String id) {
        List<String> lines = CASES.get(id);
        assertNotNull(lines, id);
        assertNull(FuzzR38Interpreter.run(lines), id);
    }

    /**
     * addr_ into a self of another shape: PyTorch's addr_out does not expand the result it writes into, so it refuses
     * with "size mismatch, input: [2, 3], v1: [2], v2: [4]"; Ember expanded self and gave expand's message.
     */
    @Test
    void addrInPlaceRefusesASelfOfAnotherShapeInPyTorchsWords() {
        matches("fix_addr_size_mismatch");
        Tensor x = Tensor.zeros(DType.FLOAT64, 2, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> x.addr_(Tensor.ones(DType.FLOAT64, 2), Tensor.ones(DType.FLOAT64, 4)));
        assertEquals("size mismatch, input: [2, 3], v1: [2], v2: [4]", e.getMessage());
        assertEquals(0, x.version());
    }

    /** addr_ into a 1-D self: "2D tensor expected, got 1D tensor for input" (Ember: the broadcast output message). */
    @Test
    void addrInPlaceRefusesASelfThatIsNotAMatrix() {
        matches("fix_addr_self_not_2d");
    }

    /** put_ with an int32 index: PyTorch's TORCH_CHECK, a RuntimeError (Ember threw an IndexOutOfBoundsException). */
    @Test
    void putWithAnInt32IndexIsARuntimeError() {
        matches("fix_put_int32_index");
        Tensor x = Tensor.zeros(DType.FLOAT64, 2, 3);
        Tensor i = Tensor.tensor(new long[] {0, 1}, DType.INT64, Device.CPU).to(DType.INT32);
        assertThrows(IllegalArgumentException.class, () -> x.put_(i, Tensor.ones(DType.FLOAT64, 2)));
        assertArrayEquals(new double[6], x.toDoubleArray());
    }

    /** stack wraps its dim before it compares the sizes: an out-of-range dim is the IndexError. */
    @Test
    void stackChecksTheDimBeforeTheSizes() {
        matches("fix_stack_dim_before_sizes");
    }

    /** fmod_: operands that do not broadcast get the iterator's message before the cast check. */
    @Test
    void fmodInPlaceBroadcastsBeforeItCasts() {
        matches("fix_fmod_broadcast_before_cast");
    }

    /** bitwise_and_: the iterator's shape and cast checks come before the kernel's refusal of a float type. */
    @Test
    void bitwiseAndInPlaceChecksShapeAndCastBeforeTheKernelType() {
        matches("fix_bitwise_and_shape_before_kernel");
        matches("fix_bitwise_and_cast_before_kernel");
    }

    /** hypot_ of a bool self by int64: the cast refusal before the kernel's refusal of Long. */
    @Test
    void hypotInPlaceCastsBeforeTheKernelType() {
        matches("fix_hypot_cast_before_kernel");
    }

    /** atan2_: a complex result into a float self is the cast refusal; shapes that do not broadcast come first. */
    @Test
    void atan2InPlaceChecksShapeThenCastBeforeTheKernel() {
        matches("fix_atan2_complex_cast_before_kernel");
        matches("fix_atan2_broadcast_before_cast");
    }

    /** lerp_ of int64 tensors that do not broadcast: the iterator's message before the kernel's type refusal. */
    @Test
    void lerpInPlaceChecksShapesBeforeTheKernelType() {
        matches("fix_lerp_shape_before_kernel");
    }

    /**
     * addbmm_ / addbmm of mixed types: PyTorch's addbmm_impl_ adds each batch by {@code result.addmm_(batch1[b],
     * batch2[b])}, so addmm's meta refuses them in its words and order (self's type against batch2's, then batch1's),
     * and a bool product in the addmm kernel's name; Ember gave bmm's "expected scalar type Double but found Float" and
     * named an "addbmm_impl_cpu_" kernel (found by a round 38 hunt in session 63, seed 6438). Without batches
     * addbmm_impl_ only scales self (PyTorch 1.13: addbmm(full((2, 2), 3.0), float64 [0, 2, 3], int64 [0, 3, 2],
     * beta=0.5) is 1.5 in float32; beta 0 gives zeros), whatever the batches' types.
     */
    @Test
    void addbmmOfMixedTypesRefusedAsAddmmPerBatch() {
        matches("fix_addbmm_mat1_dtype");
        matches("fix_addbmm_self_dtype");
        matches("fix_addbmm_self_dtype_int");
        matches("fix_addbmm_bool_kernel");
        Tensor r = Tensor.full(new int[] {2, 2}, 3.0).addbmm(Tensor.ones(DType.FLOAT64, 0, 2, 3),
                Tensor.ones(DType.INT64, 0, 3, 2), 0.5, 1.0);
        assertEquals(DType.FLOAT32, r.dtype());
        assertArrayEquals(new double[] {1.5, 1.5, 1.5, 1.5}, r.toDoubleArray());
        Tensor x = Tensor.ones(DType.FLOAT64, 2, 2);
        x.addbmm_(Tensor.ones(DType.FLOAT32, 0, 2, 3), Tensor.ones(DType.INT64, 0, 3, 2), 0.0, 1.0);
        assertArrayEquals(new double[4], x.toDoubleArray());
    }

    /**
     * baddbmm_ / addmv_ / addbmm_ of a leaf that requires grad into a product of another shape: PyTorch's autograd
     * layer (check_inplace) refuses the leaf before the kernel's "Bad in-place call" shape check; Ember checked the
     * shape first (found by a round 38 hunt in session 63, seed 6538). The leaf is left as it was.
     */
    @Test
    void inplaceProductsRefuseALeafBeforeTheShape() {
        matches("fix_baddbmm_leaf_before_shape");
        matches("fix_addmv_leaf_before_shape");
        matches("fix_addbmm_leaf_before_shape");
    }
}
