package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;

/**
 * Round 2 of the seeded differential fuzz against PyTorch ({@code fuzz/make_nn_cases.py}, replayed by
 * {@link FuzzCaseRunner}): the {@code nn.functional} ops of {@link dev.ember.nn.Functional} (convolutions with
 * stride/padding/"same"/dilation/groups, transposed convolution, max/avg/adaptive pooling with ceil mode, dilation,
 * indices and divisor override, batch/instance/layer/group/RMS norm in training and eval with and without affine,
 * softmax/log_softmax with dtype, the activations, the losses with weights, ignore_index, label smoothing,
 * probabilities, pos_weight, log_target and every reduction, linear, bilinear, embedding with padding_idx, pad in the
 * four modes, interpolate, pixel_shuffle, dropout without randomness, scaled_dot_product_attention with bool/float
 * masks, is_causal and scale, one_hot, normalize, cosine_similarity, pairwise_distance) on inputs given as views
 * (channels-last permutes, stepped slices, narrowed, expanded), float64/float32/float16/bfloat16 and empty batches;
 * advanced indexing and index writes ({@link Tensor#index}, {@link Tensor#indexPut_}, {@link Tensor#indexPut}: ints,
 * slices, int64/int32 index tensors, bool masks, None, ellipsis, separated advanced indices, accumulate with
 * duplicates) on views; in-place writes into views of non-leaf tensors that require grad (PyTorch's CopySlices) and
 * the version-counter error of a modified saved tensor; round 1's leftovers (var_mean/std_mean of infinities, fmod_/
 * remainder_'s check order, scatter with an empty index). Values, float64 gradients with respect to every input
 * (weights and biases too) and messages; every mismatch reported in one failure.
 */
class DifferentialFuzzNNTest {
    private static final String RESOURCE = "/fuzz/nn_cases.txt";

    /**
     * Cases known to fail, by id, with the reason (engine fixes too large for the session that added them); a case
     * listed here that passes is reported too, so the list shrinks as the engine is fixed.
     */
    private static final Map<String, String> EXPECTED_FAILURES = new TreeMap<>(Map.of());

    @Test
    void everyCaseMatchesPyTorch() {
        FuzzCaseRunner.runAll(RESOURCE, 500, EXPECTED_FAILURES);
    }
}
