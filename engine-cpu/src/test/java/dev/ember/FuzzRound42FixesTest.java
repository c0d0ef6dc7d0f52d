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

/**
 * The fixes of differential fuzz round 42 (attention and the transformer layers at their corners), each against
 * PyTorch's answer in {@code differentialfuzzr42/fixes.txt} ({@code FUZZ_FIXES=1 make_cases.py}, 2.x's code written out
 * in 1.13's ops), replayed by {@link FuzzR42Interpreter}.
 */
class FuzzRound42FixesTest {
    private static final Map<String, List<String>> CASES = DifferentialFuzzR6Test.read("/differentialfuzzr42/fixes.txt")
            .stream().collect(Collectors.toMap(DifferentialFuzzR6Test.Case::id, DifferentialFuzzR6Test.Case::lines));

    private static void matches(String... ids) {
        for (String id : ids) {
            List<String> lines = CASES.get(id);
            assertNotNull(lines, id);
            assertNull(FuzzR42Interpreter.run(lines), id);
        }
    }

    /**
     * scaled_dot_product_attention with a head dimension of 0 (query, key and value) on 4-D CPU inputs is fused, as
     * PyTorch's CPU dispatch fuses it (use_flash_attention_cpp has no head-size floor): the node
     * ScaledDotProductFlashAttentionForCpuBackward0, an empty output and empty gradients; Ember sent it to the
     * composition (another grad_fn) and, with only the flash backend enabled, refused it.
     */
    @Test
    void headDimensionZeroIsFusedOnTheCpu() {
        matches("fix_sdpa_head_dim_0", "fix_sdpa_head_dim_0_mask", "fix_sdpa_head_dim_0_causal_gpt",
                "fix_sdpa_head_dim_0_f32", "fix_sdpa_head_dim_0_value_1");
        Tensor q = Tensor.zeros(DType.FLOAT64, 1, 2, 3, 0).requiresGrad_(true);
        Tensor k = Tensor.zeros(DType.FLOAT64, 1, 2, 4, 0).requiresGrad_(true);
        try (SDPBackend.Scope flashOnly = SDPBackend.sdpaKernel(SDPBackend.FLASH_ATTENTION)) {
            Tensor out = Functional.scaledDotProductAttention(q, k, k);
            assertArrayEquals(new int[] {1, 2, 3, 0}, out.shape());
            assertEquals("ScaledDotProductFlashAttentionForCpuBackward0", out.gradFn().name());
            out.sum().backward();
        }
        assertArrayEquals(new int[] {1, 2, 3, 0}, q.grad().shape());
        assertArrayEquals(new int[] {1, 2, 4, 0}, k.grad().shape());
    }
}
