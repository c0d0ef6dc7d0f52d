package dev.ember;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The differences differential fuzz round 36 ({@link DifferentialFuzzR36Test}: the result's layout) found, each on
 * small cases that {@code differentialfuzzr36/make_cases.py} writes with PyTorch ({@code FUZZ_FIXES=1},
 * {@code fixes.txt}), replayed by the round's own interpreter (values, strides, is_contiguous in both formats, and the
 * gradients with their layouts).
 */
class FuzzRound36FixesTest {
    private static String check(String id) {
        for (DifferentialFuzzR6Test.Case c : DifferentialFuzzR6Test.read("/differentialfuzzr36/fixes.txt")) {
            if (c.id().equals("fix_" + id)) {
                return FuzzR36Interpreter.run(c.lines());
            }
        }
        throw new IllegalStateException("no case " + id);
    }

    /**
     * A binary op whose input of another type is promoted: on the CPU, TensorIterator's compute_types replaces it by
     * {@code input.to(common)}, an empty_like copy (infer_dense_strides for an overlapping or expanded input), and the
     * result's layout is read from that copy; Ember read it from the input's own strides (an as_strided int64 times a
     * channels-last float64: PyTorch (36, 3, 1, 9), Ember (36, 1, 3, 9); an expanded int64 plus a transposed float:
     * PyTorch row-major, Ember the transposed operand's order).
     */
    @Test
    void aPromotedInputLaysOutTheResultAsItsCopy() {
        for (String id : new String[] {"promotedOverlapping", "promotedExpanded", "promotedExpandedSub"}) {
            assertNull(check(id), id);
        }
    }

    /**
     * softmax / log_softmax: PyTorch's meta functions allocate a row-major result (LEGACY_CONTIGUOUS_MEMORY_FORMAT)
     * whatever the input's layout; Ember's float64 composition followed a channels-last or permuted input.
     */
    @Test
    void softmaxGivesARowMajorResult() {
        for (String id : new String[] {"softmaxChannelsLast", "logSoftmaxPermuted"}) {
            assertNull(check(id), id);
        }
    }

    /**
     * binary_cross_entropy and huber_loss with reduction none write into {@code empty_like(input)} (2.x's
     * binary_cross_entropy_cpu and huber_loss, Loss.cpp): the input's layout, infer_dense_strides' for an expanded
     * input; Ember's compositions took a transposed target's order, lost a channels-last input's, or kept an expanded
     * input's zero-stride order (huber's case from a local hunt, seed 365).
     */
    @Test
    void lossesIntoEmptyLikeKeepTheInputsLayout() {
        for (String id : new String[] {"bceTransposedTarget", "bceChannelsLastInput", "huberExpandedInput",
                "huberTransposedTarget"}) {
            assertNull(check(id), id);
        }
    }

    /**
     * cat's result takes the inputs' common suggest_memory_format (compute_output_memory_format): channels-last inputs
     * give a channels-last result, a mix a row-major one; Ember's was always row-major.
     */
    @Test
    void catKeepsACommonChannelsLastFormat() {
        for (String id : new String[] {"catChannelsLast", "catChannelsLastAndRowMajor"}) {
            assertNull(check(id), id);
        }
    }

    /**
     * stack at a dim below the inputs' rank is 2.x's cat along that dim then a view (TensorShape.cpp), so channels-last
     * inputs stacked at dim 1 give cat's channels-last layout split: strides (48, 4, 1, 24, 8); Ember's cat of the
     * unsqueezed inputs was row-major (a local hunt's case, seed 366). At the last dim (no view) as before.
     */
    @Test
    void stackIsCatThenAView() {
        for (String id : new String[] {"stackChannelsLast", "stackTransposedLastDim"}) {
            assertNull(check(id), id);
        }
    }

    /**
     * rand_like of a tensor that is not non-overlapping and dense fills {@code empty_like}'s tensor, whose strides are
     * infer_dense_strides' (ties and zero strides keep their place); Ember sorted the dimensions by stride, so an
     * expanded dimension went innermost and an overlapping view's equal strides took another order.
     */
    @Test
    void randLikeTakesEmptyLikesStrides() {
        for (String id : new String[] {"randLikeOverlapping", "randLikeExpanded"}) {
            assertNull(check(id), id);
        }
    }

    /**
     * stack below the inputs' rank is cat then a split of the dim, taken below autograd as PyTorch's (its view inside
     * the stack kernel is no differentiable view): the result is no view, and an in-place op on it under grad mode is an
     * ordinary one (session 55's first form made it a view created under no_grad, which refused the in-place op: the
     * full suite's DifferentialFuzzR7Test and SavedVersionSweepTest caught it). PyTorch: x = ones(2, 3, requires_grad),
     * y = stack([x, 2 * x]); y.mul_(3); y.sum().backward() gives x.grad 9 everywhere and y._base None.
     */
    @Test
    void stackBelowTheRankIsNoViewForAutograd() {
        Tensor x = Tensor.ones(2, 3).requiresGrad_(true);
        Tensor y = Tensor.stack(java.util.List.of(x, x.mul(2)), 0);
        assertFalse(y.isView());
        y.mul_(3);
        y.sum().backward();
        assertArrayEquals(new float[] {9, 9, 9, 9, 9, 9}, x.grad().contiguous().toFloatArray());
    }

    /**
     * batch_norm's output layout is 2.x's batch_norm_cpu's: {@code suggest_memory_format_contig(input)} where the input
     * is contiguous in some format and the parameters contiguous, so a permuted {@code [1, C, H, W]} (channels-last
     * contiguous, its size-1 batch dim's stride below C * H * W, which {@code suggest_memory_format} calls ambiguous)
     * gives a channels-last output, and its 5-D twin a channels-last-3d one (2.x; 1.13 row-major, the generator writes
     * 2.x's); a stepped weight falls back to {@code suggest_memory_format()}'s row-major. Ember went by
     * {@code suggest_memory_format()} alone (a local hunt's case, seed 361). 1.13's input gradient of such a permuted
     * input is wrong (it differs from the gradient of the same values in either dense layout, which Ember's matches;
     * hunt seed 362): the generator's batch_norm_2x runs it on the input's channels-last clone; the stepped-weight case
     * compares the forward only.
     */
    @Test
    void batchNormOfAChannelsLastContiguousInputIsChannelsLast() {
        for (String id : new String[] {"batchNormPermutedBatch1", "batchNormPermutedBatch1SteppedWeight",
                "batchNormPermuted5dBatch1"}) {
            assertNull(check(id), id);
        }
    }

    /**
     * {@code x.to(dtype)} and the copy TensorIterator's compute_types makes of a promoted input ({@code preserve_format})
     * take empty_like's strides: the input's own where non-overlapping and dense, a length-1 dim's stride included. An
     * unfolded int64 {@code [3, 1, 3]} (strides 3, 2, 1) became a float32 copy with (3, 3, 1) in Ember (row-major
     * strides for an is_contiguous input), whose equal strides left dims 0 and 1 to a broadcasting as_strided operand:
     * the sum's strides (1, 3, 3), PyTorch's (3, 3, 1) (a hunt's case, seed 64436, session 64).
     */
    @Test
    void aCastKeepsALength1DimsStride() {
        for (String id : new String[] {"promotedUnfoldedLength1Dim", "promotedUnfoldedLength1DimSub",
                "toKeepsALength1DimsStride", "toFloat32KeepsALength1DimsStride"}) {
            assertNull(check(id), id);
        }
    }
}
