package dev.ember;

import dev.ember.nn.Functional;
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
 * The fixes of differential fuzz round 39 (convolution, pooling and normalization at their corners), each against
 * PyTorch's answer in {@code differentialfuzzr39/fixes.txt} ({@code FUZZ_FIXES=1 make_cases.py}), replayed by
 * {@link FuzzR39Interpreter}.
 */
class FuzzRound39FixesTest {
    private static final Map<String, List<String>> CASES = DifferentialFuzzR6Test.read("/differentialfuzzr39/fixes.txt")
            .stream().collect(Collectors.toMap(DifferentialFuzzR6Test.Case::id, DifferentialFuzzR6Test.Case::lines));

    private static void matches(String id) {
        List<String> lines = CASES.get(id);
        assertNotNull(lines, id);
        assertNull(FuzzR39Interpreter.run(lines), id);
    }

    private static Tensor ones(int... shape) {
        return Tensor.ones(shape).to(DType.FLOAT64);
    }

    /**
     * instance_norm of an empty batch with a weight: PyTorch repeats the weight over the (no) instances and batch_norm's
     * empty-input path reads weight[0] of the empty repeat, select's refusal; Ember returned an empty result (it skipped
     * an empty weight). Without weight and bias the result is still empty.
     */
    @Test
    void instanceNormOfAnEmptyBatchWithAWeightIsRefused() {
        matches("fix_instance_norm_empty_batch_weight");
        matches("fix_instance_norm_empty_batch");
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> Functional.instanceNorm(
                Tensor.zeros(0, 2, 3), null, null, Tensor.ones(2), null, true, 0.1, 1e-5));
        assertEquals("select(): index 0 out of range for tensor of size [0] at dimension 0", e.getMessage());
    }

    /** batch_norm of an input with no channels and an empty weight: weight[0] is refused there too. */
    @Test
    void batchNormWithNoChannelsAndAnEmptyWeightIsRefused() {
        matches("fix_batch_norm_no_channels_weight");
    }

    /**
     * conv_transpose of an empty batch: PyTorch's Empty convolution backend checks no output size and views the result
     * to the computed one, so a negative size is view's refusal ("invalid shape dimension -3", a -1 the ambiguous
     * inference) and a zero size an empty result; Ember refused each with slow_conv_transpose's "Output size is too
     * small", which a non-empty input still gets.
     */
    @Test
    void transposedConvolutionOfAnEmptyBatchViewsToTheComputedSize() {
        matches("fix_convt2d_empty_negative");
        matches("fix_convt1d_empty_minus_one");
        matches("fix_convt3d_empty_zero");
        Tensor y = Functional.convTranspose3d(ones(0, 1, 1, 2, 2), ones(1, 2, 1, 1, 1), null, new int[] {1},
                new int[] {0, 1, 0}, new int[] {0}, 1, new int[] {1});
        assertArrayEquals(new int[] {0, 2, 1, 0, 2}, y.shape());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Functional.convTranspose3d(
                ones(1, 1, 1, 2, 2), ones(1, 2, 1, 1, 1), null, new int[] {1}, new int[] {0, 1, 0}, new int[] {0}, 1,
                new int[] {1}));
        assertEquals("Given input size per channel: (1 x 2 x 2). Calculated output size per channel: (1 x 0 x 2). "
                + "Output size is too small", e.getMessage());
    }
}
