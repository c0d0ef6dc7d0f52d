package dev.ember;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SDPBackend}: PyTorch 2.x's {@code torch.nn.attention.sdpa_kernel} and {@code torch.backends.cuda.enable_*_sdp}
 * switches over scaled_dot_product_attention on the CPU. PyTorch 1.13 has neither, so the rules follow 2.x's source,
 * quoted: {@code select_sdp_backend_cpp} (aten/src/ATen/native/transformers/sdp_utils_cpp.cpp) tries flash attention,
 * then math; with both disabled {@code _fused_sdp_choice_cpp} raises "No viable backend for scaled_dot_product_attention
 * was found. This is likely due to turning off both the math kernel and the fused kernels."; with math disabled and
 * flash unable to take the inputs it warns "Flash attention kernel not used because:" and the first failed constraint
 * of {@code use_flash_attention_cpp} (sdp_utils_cpp.h's messages: check_runtime_disabled_flash, check_for_dropout,
 * check_tensor_shapes, check_batch_size_and_num_heads_dense, check_attn_mask_shape, check_head_dim_size_cpp,
 * check_nonzero_sequence_lengths_dense, check_last_dim_stride_equals_1_dense), then raises "No available kernel.
 * Aborting execution.". {@code sdpa_kernel} (torch/nn/attention/__init__.py) enables exactly the listed backends and
 * restores the previous switches on exit. The values of the two paths agree (the fused kernel is tested against the
 * composition elsewhere); here: which path ran (its node), the values and gradients the same either way, the
 * messages, and the switches restored after a refusal.
 */
class SdpaKernelTest {
    @AfterEach
    void allEnabledAgain() {
        SDPBackend.enableMathSdp(true);
        SDPBackend.enableFlashSdp(true);
        SDPBackend.enableMemEfficientSdp(true);
        SDPBackend.enableCudnnSdp(true);
    }

    private static Tensor rand(long seed, int... shape) {
        return Tensor.randn(new Generator(seed), DType.FLOAT64, shape);
    }

    private static Tensor[] qkv() {
        return new Tensor[] {rand(1, 2, 3, 4, 8).requiresGrad_(true), rand(2, 2, 3, 5, 8).requiresGrad_(true),
                rand(3, 2, 3, 5, 8).requiresGrad_(true)};
    }

    private static Tensor sdpa(Tensor[] in) {
        return Tensor.scaledDotProductAttention(in[0], in[1], in[2], null, 0, false, null, false, null);
    }

    @Test
    void theDefaultIsTheFusedKernelAndMathForcesTheComposition() {
        Tensor[] a = qkv();
        Tensor fused = sdpa(a);
        assertEquals(AttentionOps.FUSED_NODE, fused.gradFn().name());
        Tensor[] b = qkv();
        Tensor math;
        try (SDPBackend.Scope s = SDPBackend.sdpaKernel(SDPBackend.MATH)) {
            assertFalse(SDPBackend.flashSdpEnabled());
            assertTrue(SDPBackend.mathSdpEnabled());
            math = sdpa(b);
        }
        assertTrue(SDPBackend.flashSdpEnabled(), "the scope restores the switches");
        assertNotEquals(AttentionOps.FUSED_NODE, math.gradFn().name());
        // the composition's last op, PyTorch's _scaled_dot_product_attention_math: attn @ value
        assertEquals(Tensor.scaledDotProductAttention(b[0], b[1], b[2], null, 0, false, null, false, null).gradFn().name(),
                AttentionOps.FUSED_NODE, "outside the scope the fused kernel again");
        assertTrue(fused.allclose(math, 1e-12, 1e-12));
        Tensor w = rand(4, 2, 3, 4, 8);
        fused.mul(w).sum().backward();
        math.mul(w).sum().backward();
        for (int i = 0; i < 3; i++) {
            assertTrue(a[i].grad().allclose(b[i].grad(), 1e-12, 1e-12), "gradient " + i);
        }
    }

    @Test
    void flashOnlyTakesWhatItCanAndRefusesTheRestWithPyTorchsReason() {
        try (SDPBackend.Scope s = SDPBackend.sdpaKernel(SDPBackend.FLASH_ATTENTION)) {
            assertEquals(AttentionOps.FUSED_NODE, sdpa(qkv()).gradFn().name());
            refused(() -> Tensor.scaledDotProductAttention(rand(1, 2, 3, 4, 8), rand(2, 2, 3, 5, 8), rand(3, 2, 3, 5, 8),
                    null, 0.5, false, null, false, null), "Both fused kernels do not support non-zero dropout.");
            refused(() -> sdpa(new Tensor[] {rand(1, 3, 4, 8), rand(2, 3, 5, 8), rand(3, 3, 5, 8)}),
                    "All fused kernels requires query, key and value to be 4 dimensional, but got Query dim: 3, Key dim: 3, "
                    + "Value dim: 3 instead.");
            refused(() -> sdpa(new Tensor[] {rand(1, 2, 3, 4, 8), rand(2, 1, 3, 5, 8), rand(3, 1, 3, 5, 8)}),
                    "For dense inputs, both fused kernels require query, key and value to have the same batch_size. "
                    + "Query.sizes(): [2, 3, 4, 8], Key.sizes(): [1, 3, 5, 8], Value.sizes(): [1, 3, 5, 8] instead. To "
                    + "broadcast dense inputs, try using unsqueeze and expand_to before passing them into the kernel.");
            refused(() -> sdpa(new Tensor[] {rand(1, 2, 3, 4, 8), rand(2, 2, 1, 5, 8), rand(3, 2, 1, 5, 8)}),
                    "For dense input, both fused kernels require query, key and value to have the same num_heads. "
                    + "Query.sizes(): [2, 3, 4, 8], Key sizes(): [2, 1, 5, 8], Value sizes(): [2, 1, 5, 8] instead. To "
                    + "broadcast dense inputs, try using unsqueeze and expand_to before passing them into the kernel.");
            refused(() -> Tensor.scaledDotProductAttention(rand(1, 2, 3, 4, 8), rand(2, 2, 2, 5, 8), rand(3, 2, 2, 5, 8),
                    null, 0, false, null, true, null), "FlashAttentionV2 only supports grouped query attention, where the "
                    + "number of heads in key/value must divide number of heads in query.Got input Key sizes(): 2, Value "
                    + "sizes(): 2, Query sizes(): 3 instead.");
            refused(() -> Tensor.scaledDotProductAttention(rand(1, 2, 3, 4, 8), rand(2, 2, 3, 5, 8), rand(3, 2, 3, 5, 8),
                    rand(5, 3, 4, 5), 0, false, null, false, null), "Please use the following attn mask shapes: 2d - "
                    + "({Q_seq_len, 1}  x {KV_seq_len, 1}); 4d - ({Batch, 1} x {Num_heads, 1} x {Q_seq_len, 1}  x "
                    + "{KV_seq_len, 1})");
            refused(() -> sdpa(new Tensor[] {rand(1, 2, 3, 4, 8), rand(2, 2, 3, 5, 8), rand(3, 2, 3, 5, 6)}),
                    "Flash attention requires q,k,v to have the same last dimension. Got Query.size(-1): 8, Key.size(-1): "
                    + "8, Value.size(-1): 6 instead.");
            refused(() -> sdpa(new Tensor[] {rand(1, 2, 3, 0, 8), rand(2, 2, 3, 5, 8), rand(3, 2, 3, 5, 8)}),
                    "All fused kernels do not support zero seq_len_q or seq_len_kv.");
            refused(() -> sdpa(new Tensor[] {rand(1, 2, 3, 8, 4).transpose(2, 3), rand(2, 2, 3, 5, 8),
                    rand(3, 2, 3, 5, 8)}), "All fused kernels require the last dimension of the input to have stride 1. "
                    + "Got Query.stride(-1): 4, Key.stride(-1): 1, Value.stride(-1): 1 instead.");
            // a mask that requires grad fails check_attn_mask_shape without a word: only the heading is logged
            try (LoggedWarnings w = LoggedWarnings.capture()) {
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> Tensor.scaledDotProductAttention(
                        rand(1, 2, 3, 4, 8), rand(2, 2, 3, 5, 8), rand(3, 2, 3, 5, 8), rand(5, 4, 5).requiresGrad_(true), 0,
                        false, null, false, null));
                assertEquals("No available kernel.  Aborting execution.", e.getMessage());
                assertEquals(List.of("Flash attention kernel not used because:"), w.containing(""));
            }
        }
    }

    private static void refused(Supplier<Tensor> call, String reason) {
        try (LoggedWarnings w = LoggedWarnings.capture()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, call::get);
            assertEquals("No available kernel.  Aborting execution.", e.getMessage());
            assertEquals(List.of("Flash attention kernel not used because:", reason), w.containing(""));
        }
    }

    @Test
    void noBackendAtAllAndEveryFusedOneOffAreRefused() {
        try (SDPBackend.Scope s = SDPBackend.sdpaKernel()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> sdpa(qkv()));
            assertEquals("No viable backend for scaled_dot_product_attention was found. This is likely due to turning off "
                    + "both the math kernel and the fused kernels.", e.getMessage());
        }
        assertTrue(SDPBackend.mathSdpEnabled() && SDPBackend.flashSdpEnabled(), "restored after a refusal");
        // the memory-efficient kernel is CUDA's: on the CPU enabling it alone leaves no backend
        try (SDPBackend.Scope s = SDPBackend.sdpaKernel(SDPBackend.EFFICIENT_ATTENTION, SDPBackend.CUDNN_ATTENTION)) {
            assertThrows(IllegalStateException.class, () -> sdpa(qkv()));
        }
        // flash switched off by the global switch, math left: the composition
        SDPBackend.enableFlashSdp(false);
        assertFalse(SDPBackend.flashSdpEnabled());
        assertNotEquals(AttentionOps.FUSED_NODE, sdpa(qkv()).gradFn().name());
        SDPBackend.enableMathSdp(false);
        try (LoggedWarnings w = LoggedWarnings.capture()) {
            // both CPU backends off: refused before any constraint is looked at (no warning)
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> sdpa(qkv()));
            assertTrue(e.getMessage().startsWith("No viable backend"), e.getMessage());
            assertEquals(List.of(), w.containing(""));
        }
    }

    @Test
    void scopesNestAndANullBackendIsRefused() {
        try (SDPBackend.Scope outer = SDPBackend.sdpaKernel(SDPBackend.MATH, SDPBackend.FLASH_ATTENTION)) {
            try (SDPBackend.Scope inner = SDPBackend.sdpaKernel(SDPBackend.MATH)) {
                assertFalse(SDPBackend.flashSdpEnabled());
            }
            assertTrue(SDPBackend.flashSdpEnabled());
            assertFalse(SDPBackend.memEfficientSdpEnabled(), "the outer scope enabled only math and flash");
        }
        assertTrue(SDPBackend.memEfficientSdpEnabled() && SDPBackend.cudnnSdpEnabled());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SDPBackend.sdpaKernel(SDPBackend.MATH, null));
        assertEquals("Backend must be an instance of SDPBackend or a list of SDPBackend instances", e.getMessage());
        assertTrue(SDPBackend.mathSdpEnabled() && SDPBackend.flashSdpEnabled(), "a refused scope changes nothing");
    }

    /**
     * Meta tensors take the composition whatever the switches, as 2.x's {@code _fused_sdp_choice_meta} returns math for
     * meta inputs without a CUDA key: metadata only, and the composition's nodes, not a fused kernel's.
     */
    @Test
    void metaTensorsTakeTheComposition() {
        Tensor q = Tensor.empty(DType.FLOAT32, 2, 3, 4, 8).to(Device.META).requiresGrad_(true);
        Tensor k = Tensor.empty(DType.FLOAT32, 2, 3, 5, 8).to(Device.META);
        Tensor v = Tensor.empty(DType.FLOAT32, 2, 3, 5, 6).to(Device.META);
        try (SDPBackend.Scope s = SDPBackend.sdpaKernel(SDPBackend.FLASH_ATTENTION)) {
            Tensor out = Tensor.scaledDotProductAttention(q, k, v, null, 0, false, null, false, null);
            assertTrue(out.device().isMeta());
            assertEquals(List.of(2, 3, 4, 6), java.util.Arrays.stream(out.shape()).boxed().toList());
            assertTrue(!List.of(AttentionOps.FUSED_NODE, AttentionOps.FUSED_NODE_CUDA, AttentionOps.FUSED_NODE_CUDA_FLASH)
                    .contains(out.gradFn().name()), out.gradFn().name());
        }
    }
}
