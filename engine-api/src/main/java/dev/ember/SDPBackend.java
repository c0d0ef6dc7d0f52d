package dev.ember;

import java.util.EnumSet;
import java.util.Set;

/**
 * The implementations of {@link Tensor#scaledDotProductAttention scaled_dot_product_attention}, as PyTorch 2.x's
 * {@code torch.nn.attention.SDPBackend}, and the switches that enable them: {@link #sdpaKernel} is
 * {@code torch.nn.attention.sdpa_kernel}, the static {@code enable...}/{@code ...Enabled} methods are
 * {@code torch.backends.cuda.enable_flash_sdp} and its siblings. The switches are process-wide, as PyTorch's global
 * context holds them (one thread's {@code sdpaKernel} scope is seen by every thread).
 *
 * <p>On the CPU PyTorch tries flash attention (Ember's fused kernel, node
 * {@code ScaledDotProductFlashAttentionForCpuBackward0}), then the math composition; on CUDA flash attention, then the
 * memory-efficient kernel (both Ember's fused CUDA kernel, named as PyTorch names the one it would take), then math. A
 * backend that is disabled is skipped; when none is left, or only fused ones that cannot take the inputs, the call is
 * refused with PyTorch's messages, and its reason why flash attention was not used is logged as PyTorch warns it.
 * cuDNN attention and the overrideable backend exist in the enum for PyTorch's names; Ember has no such kernels.
 */
public enum SDPBackend {
    /** PyTorch's {@code SDPBackend.ERROR}: no backend (never enabled). */
    ERROR,
    /** The math composition, PyTorch's {@code _scaled_dot_product_attention_math}. */
    MATH,
    /** Flash attention: the fused kernel on the CPU; on CUDA for half types as PyTorch takes it. */
    FLASH_ATTENTION,
    /** The memory-efficient kernel (CUDA): Ember's fused CUDA kernel under PyTorch's name. */
    EFFICIENT_ATTENTION,
    /** cuDNN attention (CUDA): Ember has none; enabling it changes nothing. */
    CUDNN_ATTENTION,
    /** PyTorch's backend for out-of-tree devices: Ember has none. */
    OVERRIDEABLE;

    private static volatile Set<SDPBackend> enabled = EnumSet.of(MATH, FLASH_ATTENTION, EFFICIENT_ATTENTION,
            CUDNN_ATTENTION, OVERRIDEABLE);

    static boolean isEnabled(SDPBackend b) {
        return enabled.contains(b);
    }

    private static synchronized void set(SDPBackend b, boolean on) {
        EnumSet<SDPBackend> next = EnumSet.noneOf(SDPBackend.class);
        next.addAll(enabled);
        if (on) {
            next.add(b);
        } else {
            next.remove(b);
        }
        enabled = next;
    }

    /**
     * {@code torch.nn.attention.sdpa_kernel(backends)}: enables exactly {@code backends} until the scope closes, then
     * restores the switches as they were.
     *
     * @param backends the backends to enable (none: every call of scaled_dot_product_attention is refused)
     * @return the scope
     * @throws IllegalArgumentException for a null backend (PyTorch's "Backend must be an instance of SDPBackend or a list
     *     of SDPBackend instances")
     */
    public static Scope sdpaKernel(SDPBackend... backends) {
        EnumSet<SDPBackend> next = EnumSet.noneOf(SDPBackend.class);
        for (SDPBackend b : backends == null ? new SDPBackend[] {null} : backends) {
            if (b == null) {
                throw new IllegalArgumentException("Backend must be an instance of SDPBackend or a list of SDPBackend "
                        + "instances");
            }
            if (b != ERROR) {
                next.add(b);
            }
        }
        synchronized (SDPBackend.class) {
            Set<SDPBackend> previous = enabled;
            enabled = next;
            return new Scope(previous);
        }
    }

    /** An {@link #sdpaKernel} scope: closing it restores the switches it replaced. */
    public static final class Scope implements AutoCloseable {
        private final Set<SDPBackend> previous;
        private boolean closed;

        private Scope(Set<SDPBackend> previous) {
            this.previous = previous;
        }

        @Override
        public void close() {
            synchronized (SDPBackend.class) {
                if (!closed) {
                    closed = true;
                    enabled = previous;
                }
            }
        }
    }

    /**
     * {@code torch.backends.cuda.enable_flash_sdp(enabled)}.
     *
     * @param on whether flash attention may be taken
     */
    public static void enableFlashSdp(boolean on) {
        set(FLASH_ATTENTION, on);
    }

    /**
     * {@code torch.backends.cuda.enable_mem_efficient_sdp(enabled)}.
     *
     * @param on whether the memory-efficient kernel may be taken
     */
    public static void enableMemEfficientSdp(boolean on) {
        set(EFFICIENT_ATTENTION, on);
    }

    /**
     * {@code torch.backends.cuda.enable_math_sdp(enabled)}.
     *
     * @param on whether the math composition may be taken
     */
    public static void enableMathSdp(boolean on) {
        set(MATH, on);
    }

    /**
     * {@code torch.backends.cuda.enable_cudnn_sdp(enabled)} (Ember has no cuDNN attention).
     *
     * @param on the switch's new state
     */
    public static void enableCudnnSdp(boolean on) {
        set(CUDNN_ATTENTION, on);
    }

    /** {@code torch.backends.cuda.flash_sdp_enabled()}. */
    public static boolean flashSdpEnabled() {
        return isEnabled(FLASH_ATTENTION);
    }

    /** {@code torch.backends.cuda.mem_efficient_sdp_enabled()}. */
    public static boolean memEfficientSdpEnabled() {
        return isEnabled(EFFICIENT_ATTENTION);
    }

    /** {@code torch.backends.cuda.math_sdp_enabled()}. */
    public static boolean mathSdpEnabled() {
        return isEnabled(MATH);
    }

    /** {@code torch.backends.cuda.cudnn_sdp_enabled()}. */
    public static boolean cudnnSdpEnabled() {
        return isEnabled(CUDNN_ATTENTION);
    }
}
