package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Generator;
import dev.ember.SDPBackend;
import dev.ember.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SDPBackend}'s switches on CUDA (session 42; written without a GPU, so never run yet): PyTorch 2.x's CUDA order
 * (flash attention, then the memory-efficient kernel, then math; {@code select_sdp_backend}), each fused kernel named
 * as PyTorch names the one it takes (Ember runs one fused CUDA kernel under both names), and the refusals: every
 * backend off ("No viable backend ...") and math off with no fused kernel able to take the inputs ("No available
 * kernel.  Aborting execution."). Values of the three paths agree with the CPU's composition.
 */
class CudaSdpaKernelTest {
    private static final Device GPU = Device.cuda(0);
    private static final String FLASH = "ScaledDotProductFlashAttentionBackward0";
    private static final String EFFICIENT = "ScaledDotProductEfficientAttentionBackward0";

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    @AfterEach
    void allEnabledAgain() {
        SDPBackend.enableMathSdp(true);
        SDPBackend.enableFlashSdp(true);
        SDPBackend.enableMemEfficientSdp(true);
        SDPBackend.enableCudnnSdp(true);
    }

    private static Tensor[] qkv(DType dtype) {
        Generator g = new Generator(4242);
        return new Tensor[] {Tensor.randn(g, DType.FLOAT32, 2, 3, 8, 16).to(dtype).to(GPU).requiresGrad_(true),
                Tensor.randn(g, DType.FLOAT32, 2, 3, 8, 16).to(dtype).to(GPU).requiresGrad_(true),
                Tensor.randn(g, DType.FLOAT32, 2, 3, 8, 16).to(dtype).to(GPU).requiresGrad_(true)};
    }

    private static Tensor sdpa(Tensor[] in, Tensor mask) {
        return Tensor.scaledDotProductAttention(in[0], in[1], in[2], mask, 0, false, null, false, null);
    }

    @Test
    void halfInputsTakeFlashThenEfficientThenMath() {
        Tensor flash = sdpa(qkv(DType.FLOAT16), null);
        assertEquals(FLASH, flash.gradFn().name());
        Tensor efficient;
        try (SDPBackend.Scope s = SDPBackend.sdpaKernel(SDPBackend.EFFICIENT_ATTENTION)) {
            efficient = sdpa(qkv(DType.FLOAT16), null);
        }
        assertEquals(EFFICIENT, efficient.gradFn().name());
        Tensor math;
        try (SDPBackend.Scope s = SDPBackend.sdpaKernel(SDPBackend.MATH)) {
            math = sdpa(qkv(DType.FLOAT16), null);
        }
        assertFalse(List.of(FLASH, EFFICIENT).contains(math.gradFn().name()), math.gradFn().name());
        Tensor a = flash.detach().to(DType.FLOAT32).cpu();
        assertTrue(a.allclose(efficient.detach().to(DType.FLOAT32).cpu(), 0, 0), "one kernel under two names");
        assertTrue(a.allclose(math.detach().to(DType.FLOAT32).cpu(), 1e-2, 1e-2), "fused vs composition (float16)");
    }

    @Test
    void aMaskedFloat32CallWithOnlyFlashIsRefusedAndEveryBackendOffToo() {
        Tensor mask = Tensor.ones(DType.BOOL, 8, 8).tril().to(GPU);
        assertEquals(EFFICIENT, sdpa(qkv(DType.FLOAT32), mask).gradFn().name());
        try (SDPBackend.Scope s = SDPBackend.sdpaKernel(SDPBackend.FLASH_ATTENTION)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> sdpa(qkv(DType.FLOAT32), mask));
            assertEquals("No available kernel.  Aborting execution.", e.getMessage());
        }
        try (SDPBackend.Scope s = SDPBackend.sdpaKernel()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> sdpa(qkv(DType.FLOAT32), mask));
            assertTrue(e.getMessage().startsWith("No viable backend for scaled_dot_product_attention"), e.getMessage());
        }
        Tensor[] in = qkv(DType.FLOAT32);
        Tensor cpu = Tensor.scaledDotProductAttention(in[0].detach().cpu(), in[1].detach().cpu(), in[2].detach().cpu(),
                mask.cpu(), 0, false, null, false, null);
        CudaParityTest.assertClose("masked float32", cpu, sdpa(in, mask).detach().cpu());
    }
}
