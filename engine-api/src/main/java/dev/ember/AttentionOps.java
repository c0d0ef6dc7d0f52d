package dev.ember;

import dev.ember.backend.Layout;
import dev.ember.backend.RandomKind;

/**
 * PyTorch 2.x's {@code scaled_dot_product_attention} with its two CPU implementations behind one op, chosen as PyTorch's
 * CPU dispatcher ({@code select_sdp_backend_cpp}) chooses them:
 * <ul>
 *   <li>the fused kernel, PyTorch's {@code _scaled_dot_product_flash_attention_for_cpu}: FlashAttention's blocked online
 *       softmax (the backend's attention family), never more than a tile of the score matrix per thread, one node
 *       ScaledDotProductFlashAttentionForCpuBackward0 whose backward recomputes the probabilities from the saved
 *       logsumexp (on CUDA PyTorch's flash or memory-efficient kernel and its node, see {@link #fusedNode}). Taken, as
 *       PyTorch takes it, for 4-D floating inputs (float16 and bfloat16 included: float32 accumulation, a float32
 *       logsumexp, results rounded once) of equal batch sizes and head dimensions, equal head
 *       counts (or grouped-query heads with {@code enableGqa}), no dropout, non-empty sequences, rows of stride 1 and a
 *       mask (if any) that does not require grad and is 2-D or 4-D with broadcastable sizes. On CUDA dropout in (0, 1)
 *       is no obstacle: as PyTorch's CUDA kernels, the fused kernel drops inside (Philox, the backward regenerating the
 *       mask), the same elements the composition would drop from the same generator state
 *       ({@link dev.ember.backend.AttentionDropout});</li>
 *   <li>the composition, PyTorch's {@code _scaled_dot_product_attention_math}, otherwise: {@code q * sqrt(scale)}
 *       (MulBackward0), {@code matmul} with the scaled transposed keys, the mask added in place (AddBackward0),
 *       {@code _safe_softmax} (SafeSoftmaxBackward0), dropout, {@code matmul} with the values. It is also the reference
 *       the fused kernel is tested against.</li>
 * </ul>
 * A boolean mask (true: takes part) becomes an additive one (0 or -inf, of the query's type) first; a float mask is
 * added as it is. A row whose every score is -inf (all its keys masked) gives zeros on both paths, as PyTorch 2.5+
 * ({@code _safe_softmax} in the composition; the CPU kernel's "fully masked out rows" handling), not NaN.
 */
final class AttentionOps {
    /** The fused path's node, PyTorch's name for {@code _scaled_dot_product_flash_attention_for_cpu}. */
    static final String FUSED_NODE = "ScaledDotProductFlashAttentionForCpuBackward0";
    /**
     * The fused node on CUDA for float32 and float64, and for float16/bfloat16 with a mask (or causal with L != S): PyTorch's
     * memory-efficient kernel.
     */
    static final String FUSED_NODE_CUDA = "ScaledDotProductEfficientAttentionBackward0";
    /**
     * The fused node on CUDA for float16/bfloat16 without a mask: PyTorch's flash attention ({@code can_use_flash_attention}:
     * half types only, {@code check_for_attn_mask}, {@code check_flash_causal_non_square_seqlens}).
     */
    static final String FUSED_NODE_CUDA_FLASH = "ScaledDotProductFlashAttentionBackward0";

    /**
     * The fused op's node name, as PyTorch names the kernel it would choose for these inputs: on the CPU
     * {@code _scaled_dot_product_flash_attention_for_cpu} (every floating type); on CUDA flash attention for float16 and
     * bfloat16 without a mask and not causal with {@code L != S} (FlashAttention-2 aligns a non-square causal mask to the
     * bottom right, so PyTorch refuses it there), the memory-efficient kernel otherwise.
     */
    static String fusedNode(Tensor query, Tensor key, Tensor mask, boolean isCausal) {
        if (query.device.isCpu()) {
            return FUSED_NODE;
        }
        // flash where PyTorch would take it and it is enabled; the memory-efficient kernel otherwise (chooseFused)
        return flashOnCuda(query, key, mask, isCausal) && SDPBackend.isEnabled(SDPBackend.FLASH_ATTENTION)
                ? FUSED_NODE_CUDA_FLASH : FUSED_NODE_CUDA;
    }

    /** Whether PyTorch's CUDA dispatch would take flash attention (not the memory-efficient kernel) for fused inputs. */
    private static boolean flashOnCuda(Tensor query, Tensor key, Tensor mask, boolean isCausal) {
        return isHalf(query.dtype) && mask == null && !(isCausal && query.shape[2] != key.shape[2]);
    }

    private static boolean isHalf(DType t) {
        return t == DType.FLOAT16 || t == DType.BFLOAT16;
    }

    private AttentionOps() {
    }

    /** PyTorch's {@code scaled_dot_product_attention}; {@code scale} null is {@code 1 / sqrt(E)}. */
    static Tensor scaledDotProductAttention(Tensor query, Tensor key, Tensor value, Tensor attnMask, double dropoutP,
                                            boolean isCausal, Double scale, boolean enableGqa, Generator generator) {
        if (Autocast.on()) return Autocast.apply("scaled_dot_product_attention",
                t -> scaledDotProductAttention(t[0], t[1], t[2], t[3], dropoutP, isCausal, scale, enableGqa, generator),
                query, key, value, attnMask);
        return sdpa(query, key, value, attnMask, dropoutP, isCausal, scale, enableGqa, generator, !query.device.isCpu());
    }

    /**
     * {@link #scaledDotProductAttention} with the CUDA rule for dropout on any device: dropout in (0, 1) runs inside the
     * fused kernel where the inputs are otherwise fused. For tests, which so run the CPU's kernel with dropout end to
     * end (PyTorch's CPU dispatch, which Ember follows on the CPU, sends dropout to the composition).
     */
    static Tensor fusedForTest(Tensor query, Tensor key, Tensor value, Tensor attnMask, double dropoutP,
                               boolean isCausal, Double scale, boolean enableGqa, Generator generator) {
        return sdpa(query, key, value, attnMask, dropoutP, isCausal, scale, enableGqa, generator, true);
    }

    private static Tensor sdpa(Tensor query, Tensor key, Tensor value, Tensor attnMask, double dropoutP, boolean isCausal,
                               Double scale, boolean enableGqa, Generator generator, boolean dropoutInKernel) {
        validate(query, key, value, attnMask);
        if (isCausal && attnMask != null) {
            // PyTorch's documented rule (its math path's check; its CPU kernel would apply both)
            throw new IllegalArgumentException(CAUSAL_WITH_MASK);
        }
        Tensor mask = convertBooleanMask(attnMask, query.dtype);
        if (query.device.isMeta()) {
            // PyTorch's _fused_sdp_choice_meta: the math composition for meta tensors (no CUDA key), whatever the switches
            return math(query, key, value, mask, dropoutP, isCausal, scale, enableGqa, generator)[0];
        }
        boolean inKernel = dropoutInKernel && dropoutP > 0 && dropoutP < 1;
        boolean fusable = useFused(query, key, value, attnMask, inKernel ? 0 : dropoutP, isCausal, enableGqa);
        if (chooseFused(query, key, value, attnMask, dropoutP, isCausal, enableGqa, fusable)) {
            return inKernel ? fused(query, key, value, mask, isCausal, scale, dropoutP, generator)
                    : fused(query, key, value, mask, isCausal, scale);
        }
        return math(query, key, value, mask, dropoutP, isCausal, scale, enableGqa, generator)[0];
    }

    /**
     * PyTorch's backend selection ({@code select_sdp_backend_cpp} on the CPU, {@code select_sdp_backend} on CUDA) over
     * the switches of {@link SDPBackend}: the fused kernel where an enabled fused backend takes the inputs, else the
     * composition where math is enabled, else PyTorch's refusals (with its warning of why flash attention, and on CUDA
     * the memory-efficient kernel, was not used).
     */
    private static boolean chooseFused(Tensor q, Tensor k, Tensor v, Tensor mask, double dropoutP, boolean isCausal,
                                       boolean enableGqa, boolean fusable) {
        boolean flash = SDPBackend.isEnabled(SDPBackend.FLASH_ATTENTION);
        boolean efficient = !q.device.isCpu() && SDPBackend.isEnabled(SDPBackend.EFFICIENT_ATTENTION);
        boolean math = SDPBackend.isEnabled(SDPBackend.MATH);
        boolean cudnn = !q.device.isCpu() && SDPBackend.isEnabled(SDPBackend.CUDNN_ATTENTION);
        if (!flash && !efficient && !math && !cudnn) {
            throw new IllegalStateException("No viable backend for scaled_dot_product_attention was found. This is likely "
                    + "due to turning off both the math kernel and the fused kernels.");
        }
        if (fusable) {
            boolean flashKernel = q.device.isCpu() || flashOnCuda(q, k, mask, isCausal);
            // on CUDA the memory-efficient kernel has no grouped-query heads for the half types (useFused's rule)
            boolean efficientKernel = !q.device.isCpu() && (!isHalf(q.dtype) || k.shape[1] == q.shape[1]);
            if (flash && flashKernel || efficient && efficientKernel) {
                return true;
            }
        }
        if (math) {
            return false;
        }
        if (!q.device.isCpu()) {
            NNOps2.warn("Memory efficient kernel not used because:");
            String why = efficient ? notFusedBecause(q, k, v, mask, dropoutP, enableGqa) : "Memory Efficient attention "
                    + "has been runtime disabled.";
            if (why != null) {
                NNOps2.warn(why);
            }
        }
        NNOps2.warn("Flash attention kernel not used because:");
        String why = flash ? notFusedBecause(q, k, v, mask, dropoutP, enableGqa) : "Flash attention has been runtime "
                + "disabled.";
        if (why != null) {
            NNOps2.warn(why);
        }
        throw new IllegalStateException("No available kernel.  Aborting execution.");
    }

    /**
     * PyTorch's {@code check_attn_mask_shape} for a mask of at least two dimensions: its last two sizes L or 1 and S or 1,
     * and 2-D, or 4-D with batch B or 1 and heads H or 1.
     */
    private static boolean maskShapeFits(Tensor mask, int b, int h, int l, int s) {
        int ml = mask.shape[mask.dim() - 2];
        int ms = mask.shape[mask.dim() - 1];
        if ((ml != l && ml != 1) || (ms != s && ms != 1)) {
            return false;
        }
        return mask.dim() == 2 || mask.dim() == 4 && (mask.shape[0] == 1 || mask.shape[0] == b)
                && (mask.shape[1] == 1 || mask.shape[1] == h);
    }

    /**
     * The first of PyTorch's CPU flash-attention constraints ({@code use_flash_attention_cpp}) the inputs fail, in its
     * words; null where the failing one says nothing (a mask that requires grad). Ember's own limit last, on CUDA only:
     * its kernel there takes no head dimension of 0. (On CUDA the same shared constraints stand for PyTorch's longer
     * lists.)
     */
    static String notFusedBecause(Tensor q, Tensor k, Tensor v, Tensor mask, double dropoutP, boolean enableGqa) {
        if (dropoutP > 0) {
            return "Both fused kernels do not support non-zero dropout.";
        }
        if (q.dim() != 4 || k.dim() != 4 || v.dim() != 4) {
            return "All fused kernels requires query, key and value to be 4 dimensional, but got Query dim: " + q.dim()
                    + ", Key dim: " + k.dim() + ", Value dim: " + v.dim() + " instead.";
        }
        String sizes = "Query.sizes(): " + java.util.Arrays.toString(q.shape) + ", Key.sizes(): "
                + java.util.Arrays.toString(k.shape) + ", Value.sizes(): " + java.util.Arrays.toString(v.shape);
        if (k.shape[0] != q.shape[0] || v.shape[0] != q.shape[0]) {
            return "For dense inputs, both fused kernels require query, key and value to have the same batch_size. "
                    + sizes + " instead. To broadcast dense inputs, try using unsqueeze and expand_to before passing them "
                    + "into the kernel.";
        }
        if (enableGqa) {
            if (k.shape[1] != v.shape[1]) {
                return "Both fused kernels require key and value to have the same num_heads and batch_size but got: Key "
                        + "sizes: " + java.util.Arrays.toString(k.shape) + ", Value sizes: "
                        + java.util.Arrays.toString(v.shape) + ", Query sizes: " + java.util.Arrays.toString(q.shape)
                        + " instead.";
            }
            if (k.shape[1] == 0 || q.shape[1] % k.shape[1] != 0) {
                return "FlashAttentionV2 only supports grouped query attention, where the number of heads in key/value "
                        + "must divide number of heads in query.Got input Key sizes(): " + k.shape[1] + ", Value sizes(): "
                        + v.shape[1] + ", Query sizes(): " + q.shape[1] + " instead.";
            }
        } else if (k.shape[1] != q.shape[1] || v.shape[1] != q.shape[1]) {
            return "For dense input, both fused kernels require query, key and value to have the same num_heads. "
                    + sizes.replace(", Key.sizes()", ", Key sizes()").replace(", Value.sizes()", ", Value sizes()")
                    + " instead. To broadcast dense inputs, try using unsqueeze and expand_to before passing them into "
                    + "the kernel.";
        }
        if (mask != null) {
            if (mask.requiresGrad()) {
                return null;
            }
            if (mask.dim() < 2 || !maskShapeFits(mask, q.shape[0], q.shape[1], q.shape[2], k.shape[2])) {
                return "Please use the following attn mask shapes: 2d - ({Q_seq_len, 1}  x {KV_seq_len, 1}); 4d - ({Batch, "
                        + "1} x {Num_heads, 1} x {Q_seq_len, 1}  x {KV_seq_len, 1})";
            }
        }
        if (k.shape[3] != q.shape[3] || v.shape[3] != q.shape[3]) {
            return "Flash attention requires q,k,v to have the same last dimension. Got Query.size(-1): " + q.shape[3]
                    + ", Key.size(-1): " + k.shape[3] + ", Value.size(-1): " + v.shape[3] + " instead.";
        }
        if (q.shape[2] == 0 || k.shape[2] == 0) {
            return "All fused kernels do not support zero seq_len_q or seq_len_kv.";
        }
        if (q.layout.stride(3) != 1 || k.layout.stride(3) != 1 || v.layout.stride(3) != 1
                || mask != null && mask.layout.stride(mask.dim() - 1) != 1) {
            return "All fused kernels require the last dimension of the input to have stride 1. Got Query.stride(-1): "
                    + q.layout.stride(3) + ", Key.stride(-1): " + k.layout.stride(3) + ", Value.stride(-1): "
                    + v.layout.stride(3) + (mask != null ? ", Attn_mask.stride(-1): " + mask.layout.stride(mask.dim() - 1)
                    : "") + " instead.";
        }
        if (!q.dtype.isFloatingPoint() || q.dtype.isComplex()) {
            return "Expected query, key and value to all be of dtype: {Float, Double, BFloat16, Half}. Got Query dtype: "
                    + ArithmeticOps.cTypeName(q.dtype) + ", Key dtype: " + ArithmeticOps.cTypeName(k.dtype)
                    + ", and Value dtype: " + ArithmeticOps.cTypeName(v.dtype) + " instead.";
        }
        if (q.shape[3] == 0 && !q.device.isCpu()) {
            return "Ember's fused kernel does not take a head dimension of 0.";
        }
        return null;
    }

    private static final String CAUSAL_WITH_MASK =
            "_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True";

    /** PyTorch's {@code validate_sdpa_input}, its messages included (types named as its TypeMeta prints them). */
    static void validate(Tensor q, Tensor k, Tensor v, Tensor mask) {
        if (q.dtype != k.dtype || q.dtype != v.dtype) {
            throw new IllegalArgumentException("Expected query, key, and value to have the same dtype, but got query.dtype: "
                    + ArithmeticOps.cTypeName(q.dtype) + " key.dtype: " + ArithmeticOps.cTypeName(k.dtype)
                    + " and value.dtype: " + ArithmeticOps.cTypeName(v.dtype) + " instead.");
        }
        if (!q.device.equals(k.device) || !q.device.equals(v.device)) {
            throw new IllegalArgumentException("Expected query, key, and value to have the same device type, but got "
                    + "query.device: " + q.device + " key.device: " + k.device + " and value.device: " + v.device
                    + " instead.");
        }
        if (q.dim() < 2 || k.dim() < 2 || v.dim() < 2) {
            throw new IllegalArgumentException("Expected query, key, and value to all be  at least 2 dimensional, but got "
                    + "query.dim: " + q.dim() + " key.dim: " + k.dim() + " and value.dim: " + v.dim() + " instead.");
        }
        if (mask != null) {
            if (mask.dtype != DType.BOOL && mask.dtype != DType.FLOAT32 && mask.dtype != q.dtype) {
                throw new IllegalArgumentException("Expected attn_mask dtype to be bool or float or to match query dtype, "
                        + "but got attn_mask.dtype: " + ArithmeticOps.cTypeName(mask.dtype) + " and  query.dtype: "
                        + ArithmeticOps.cTypeName(q.dtype) + " instead.");
            }
            ArithmeticOps.checkSameDevice(q, mask);
        }
    }

    /**
     * PyTorch's {@code convert_boolean_attn_mask}: a boolean mask as an additive one of {@code dtype} ({@code 0} where
     * true, {@code -inf} where false); a float mask, or null, as it is.
     */
    static Tensor convertBooleanMask(Tensor mask, DType dtype) {
        if (mask == null || mask.dtype != DType.BOOL) {
            return mask;
        }
        try (GradMode off = Ember.noGrad()) {
            return ArithmeticOps.where(mask, Creation.zeros(new int[0], dtype, mask.device),
                    Creation.wrap(Double.NEGATIVE_INFINITY));
        }
    }

    /**
     * The causal mask PyTorch builds, {@code ones(L, S, dtype=bool).tril()}: key j takes part in query i's row for
     * {@code j <= i}.
     */
    static Tensor causalMask(int l, int s, Device device) {
        try (GradMode off = Ember.noGrad()) {
            Tensor ones = Creation.empty(new int[] {l, s}, DType.BOOL, device);
            ones.backend.fill(ones.storage(), ones.layout, 1);
            return ones.tril();
        }
    }

    /** {@code calculate_scale}: the given scale, or {@code 1 / sqrt(E)} for the query's last size E. */
    private static double scaleOf(Tensor query, Double scale) {
        return scale != null ? scale : 1.0 / Math.sqrt(query.shape[query.dim() - 1]);
    }

    // ------------------------------------------------------------------ the choice

    /**
     * Whether PyTorch's CPU dispatcher takes its fused kernel ({@code use_flash_attention_cpp}): no dropout; 4-D query,
     * key and value of one batch size; equal head counts, or with {@code enableGqa} key and value heads that divide the
     * query's; a mask that does not require grad, whose last two sizes are L or 1 and S or 1, 2-D or 4-D (batch B or 1,
     * heads H or 1); equal head dimensions; L and S non-zero; last dimensions of stride 1; float32, float64, float16 or
     * bfloat16 (the CPU kernel takes the half types with float32 accumulation). A head dimension of 0 is fused on the
     * CPU as PyTorch's dispatch fuses it (an empty output: {@link #fused} runs no kernel); on CUDA Ember sends it to the
     * composition. On CUDA, half inputs with grouped-query heads take the
     * composition where flash attention does not apply (a mask, or causal with L != S), as PyTorch's memory-efficient
     * kernel has no grouped-query attention. (On CUDA, {@link #scaledDotProductAttention} asks with dropout 0 for a
     * dropout in (0, 1), which the CUDA kernels take.)
     */
    static boolean useFused(Tensor q, Tensor k, Tensor v, Tensor mask, double dropoutP, boolean enableGqa) {
        return useFused(q, k, v, mask, dropoutP, false, enableGqa);
    }

    /** {@link #useFused(Tensor, Tensor, Tensor, Tensor, double, boolean)} knowing {@code isCausal} (CUDA's half rule). */
    static boolean useFused(Tensor q, Tensor k, Tensor v, Tensor mask, double dropoutP, boolean isCausal,
                            boolean enableGqa) {
        if (dropoutP > 0 || q.dim() != 4 || k.dim() != 4 || v.dim() != 4) {
            return false;
        }
        int b = q.shape[0];
        int h = q.shape[1];
        int l = q.shape[2];
        int s = k.shape[2];
        if (k.shape[0] != b || v.shape[0] != b) {
            return false;
        }
        if (enableGqa ? k.shape[1] != v.shape[1] || k.shape[1] == 0 || h % k.shape[1] != 0
                : k.shape[1] != h || v.shape[1] != h) {
            return false;
        }
        if (mask != null) {
            if (mask.requiresGrad() || mask.dim() < 2) {
                return false;
            }
            if (!maskShapeFits(mask, b, h, l, s)) {
                return false;
            }
            if (mask.layout.stride(mask.dim() - 1) != 1) {
                return false;
            }
        }
        int e = q.shape[3];
        if (k.shape[3] != e || v.shape[3] != e || e == 0 && !q.device.isCpu() || l == 0 || s == 0) {
            return false;
        }
        if (q.layout.stride(3) != 1 || k.layout.stride(3) != 1 || v.layout.stride(3) != 1) {
            return false;
        }
        if (isHalf(q.dtype)) {
            return q.device.isCpu() || k.shape[1] == h || flashOnCuda(q, k, mask, isCausal);
        }
        return q.dtype == DType.FLOAT32 || q.dtype == DType.FLOAT64;
    }

    // ------------------------------------------------------------------ (a) the composition

    /**
     * PyTorch 2.x's {@code _scaled_dot_product_attention_math} with an additive (or null) mask: the output and the
     * attention weights (after dropout), each through PyTorch's nodes.
     */
    static Tensor[] math(Tensor query, Tensor key, Tensor value, Tensor mask, double dropoutP, boolean isCausal,
                         Double scale, boolean enableGqa, Generator generator) {
        if (isCausal && mask != null) {
            throw new IllegalArgumentException(CAUSAL_WITH_MASK);
        }
        // scale q and k each by sqrt(scale) before the product, for stability; a negative scale goes to q
        boolean negative = scale != null && scale < 0;
        double factor = Math.sqrt(negative ? -scale : scaleOf(query, scale));
        Tensor q = query.mul(negative ? 0.0 - factor : factor);
        if (isCausal) {
            mask = convertBooleanMask(causalMask(q.size(-2), key.size(-2), q.device), q.dtype);
        }
        Tensor[] kv = groupedKeyValue(q, key, value, enableGqa);
        Tensor attn = q.matmul(kv[0].transpose(-2, -1).mul(factor));
        if (mask != null) {
            attn.add_(mask);
        }
        attn = safeSoftmax(attn, -1);
        if (dropoutP > 0) {
            attn = dropout(attn, dropoutP, generator);
        }
        return new Tensor[] {attn.matmul(kv[1]), attn};
    }

    /**
     * PyTorch's {@code pre_process_group_query_attention_input}: with {@code enableGqa}, key and value heads
     * ({@code size(-3)}) repeated ({@code repeat_interleave}) up to the query's.
     */
    private static Tensor[] groupedKeyValue(Tensor q, Tensor k, Tensor v, boolean enableGqa) {
        if (!enableGqa) {
            return new Tensor[] {k, v};
        }
        int qh = q.size(-3);
        int kh = k.size(-3);
        int vh = v.size(-3);
        boolean equal = qh == kh && kh == vh;
        if (!equal && (kh == 0 || vh == 0 || qh % kh != 0 || qh % vh != 0)) {
            throw new IllegalArgumentException("Number of heads in key and value must divide the number of heads in ");
        }
        if (equal) {
            return new Tensor[] {k, v};
        }
        return new Tensor[] {k.repeatInterleave(qh / kh, -3), v.repeatInterleave(qh / vh, -3)};
    }

    /**
     * PyTorch's {@code _safe_softmax}: softmax along {@code dim}, with 0 (not NaN) for a row whose every element is
     * -inf; one node SafeSoftmaxBackward0 with softmax's backward ({@code y (g - sum(g y))}).
     */
    static Tensor safeSoftmax(Tensor x, int dim) {
        int d = Shapes.wrapDim(dim, x.dim());
        int[] dd = {d};
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            Tensor soft = ReductionOps.softmax(x, d, false);
            Tensor masked = x.eq(Double.NEGATIVE_INFINITY).all(dd, true);
            out = ArithmeticOps.where(masked, Creation.wrap(0.0), soft);
        }
        return ArithmeticOps.record(out, "SafeSoftmaxBackward0", new Tensor[] {x}, n -> {
            SavedTensor so = n.saveOutput(out);
            return g -> {
                Tensor y = so.get();
                return new Tensor[] {y.mul(g.sub(g.mul(y).sum(dd, true)))};
            };
        });
    }

    /**
     * {@code dropout(x, p, train=True)}; with a generator, the same op ({@code native_dropout}'s keep mask {@code u >= p},
     * scale {@code 1 / (1 - p)}, node NativeDropoutBackward0) drawing from it instead of the default one.
     */
    private static Tensor dropout(Tensor x, double p, Generator generator) {
        if (generator == null || !(p > 0 && p < 1) || x.numel() == 0) {
            return ActivationOps.dropout(x, p, true);
        }
        return ActivationOps.nativeDropout(x, p, generator)[0];
    }

    // ------------------------------------------------------------------ (b) the fused kernel

    /**
     * PyTorch's {@code _scaled_dot_product_flash_attention_for_cpu} on inputs {@link #useFused} accepts, with an additive
     * (or null) mask: the backend's attention kernel, one node. The output is laid out as PyTorch's ([B, L, H, E] in
     * memory, seen as [B, H, L, E]). For float16 and bfloat16 inputs the logsumexp is float32 (PyTorch's
     * {@code accumulate_dtype}) and the output and gradients are of the input type, each rounded once.
     */
    static Tensor fused(Tensor query, Tensor key, Tensor value, Tensor mask, boolean isCausal, Double scale) {
        return fused(query, key, value, mask, isCausal, scale, 0, null);
    }

    /**
     * {@link #fused(Tensor, Tensor, Tensor, Tensor, boolean, Double)} with dropout of probability {@code dropoutP} (0:
     * none, else in (0, 1)) on the probabilities inside the kernel, as PyTorch's CUDA flash and memory-efficient
     * kernels: the mask is drawn from {@code generator} (null: the default one), which advances by B * H * L * S as
     * the composition's {@code dropout} advances it, and element {@code ((b * H + h) * L + i) * S + j} is dropped iff
     * the composition's would be ({@link dev.ember.backend.AttentionDropout}); the node keeps the seed and offset, and
     * the backward regenerates the same mask.
     */
    static Tensor fused(Tensor query, Tensor key, Tensor value, Tensor mask, boolean isCausal, Double scale,
                        double dropoutP, Generator generator) {
        int b = query.shape[0];
        int h = query.shape[1];
        int l = query.shape[2];
        int s = key.shape[2];
        int ev = value.shape[3];
        double sc = scaleOf(query, scale);
        DType t = query.dtype;
        Device device = query.device;
        Tensor store = Creation.empty(new int[] {b, l, h, ev}, t, device);
        Tensor out = new Tensor(store.lease(), new Layout(new int[] {b, h, l, ev}, new int[] {l * h * ev, ev, h * ev, 1}, 0),
                device, store.backend, new int[1], store.dtype);
        Tensor lse = Creation.empty(new int[] {b, h, l}, isHalf(t) ? DType.FLOAT32 : t, device);
        int[] full = {b, h, l, s};
        Layout maskLayout = mask == null ? null : ArithmeticOps.expandedLayout(mask, full);
        long weights = (long) b * h * l * s;
        double p = weights > 0 ? dropoutP : 0; // the composition draws nothing for empty weights
        long seed = 0;
        long offset = 0;
        if (p > 0 && !device.isMeta()) { // PyTorch's meta dropout draws nothing
            Generator g = generator == null ? Generator.DEFAULT : generator;
            long[] drawn = g.draw(weights);
            seed = drawn[0];
            offset = drawn[1];
        }
        long dropSeed = seed;
        long dropOffset = offset;
        if (query.shape[3] == 0) {
            // a head dimension of 0 (CPU): an empty output; PyTorch's kernel scales the empty products by an infinite
            // 1 / sqrt(0), so its logsumexp is NaN
            if (lse.numel() > 0) {
                lse.backend.fill(lse.storage(), lse.layout, Double.NaN);
            }
        } else if (out.numel() > 0 || lse.numel() > 0) {
            query.backend.attention(query.storage(), query.layout, key.storage(), key.layout, value.storage(), value.layout,
                    mask == null ? null : mask.storage(), maskLayout, isCausal, sc, p, dropSeed, dropOffset, out.storage(),
                    out.layout, lse.storage(), lse.layout);
        }
        return ArithmeticOps.record(out, fusedNode(query, key, mask, isCausal), new Tensor[] {query, key, value}, node -> {
            SavedTensor sq = node.save(query);
            SavedTensor sk = node.save(key);
            SavedTensor sv = node.save(value);
            SavedTensor so = node.saveOutput(out);
            SavedTensor sl = node.save(lse);
            SavedTensor sm = mask == null ? null : node.save(mask);
            return g -> {
                Tensor q = sq.get();
                Tensor k = sk.get();
                Tensor v = sv.get();
                Tensor m = sm == null ? null : sm.get();
                Tensor[] grads;
                if (GradMode.isEnabled()) {
                    grads = fusedComposite(g, q, k, v, m, isCausal, sc, p, dropSeed, dropOffset);
                } else {
                    Tensor go = g.contiguous(); // as PyTorch's kernel: no broadcast (stride 0) gradient reaches the GEMMs
                    Tensor o = so.get();
                    Tensor dq = Creation.empty(q.shape, g.dtype, g.device);
                    Tensor dk = Creation.empty(k.shape, g.dtype, g.device);
                    Tensor dv = Creation.empty(v.shape, g.dtype, g.device);
                    if (q.numel() > 0 || k.numel() > 0 || v.numel() > 0) {
                        g.backend.attentionBackward(go.storage(), go.layout, q.storage(), q.layout, k.storage(), k.layout,
                                v.storage(), v.layout, m == null ? null : m.storage(), maskLayout, isCausal, sc, p,
                                dropSeed, dropOffset, o.storage(), o.layout, sl.get().storage(), sl.get().layout,
                                dq.storage(), dq.layout, dk.storage(), dk.layout, dv.storage(), dv.layout);
                    }
                    grads = new Tensor[] {dq, dk, dv};
                }
                for (int i = 0; i < 3; i++) {
                    if (!node.needsInputGrad(i)) {
                        grads[i] = null;
                    }
                }
                return grads;
            };
        });
    }

    /**
     * The fused node's gradients in Tensor ops, for a backward that is itself recorded ({@code create_graph}): the
     * probabilities recomputed whole, then {@code dV = P^T dO}, {@code dS = P (dO V^T - rowsum(P dO V^T))},
     * {@code dQ = scale dS K}, {@code dK = scale dS^T Q} (summed over the query heads of a grouped key/value head), so
     * that they can be differentiated again. PyTorch's kernel backward has no derivative; these are its values. With
     * dropout the keep mask is materialized from the forward's seed and offset as the composition draws it, and
     * {@code dV = (P M')^T dO}, {@code dP = dO V^T M'} for {@code M' = M / (1 - p)}.
     */
    private static Tensor[] fusedComposite(Tensor g, Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal,
                                           double scale, double dropoutP, long seed, long offset) {
        int group = q.shape[1] / k.shape[1];
        Tensor kk = group == 1 ? k : k.repeatInterleave(group, 1);
        Tensor vv = group == 1 ? v : v.repeatInterleave(group, 1);
        Tensor scores = q.matmul(kk.transpose(-2, -1)).mul(scale);
        if (mask != null) {
            scores = scores.add(mask);
        }
        if (causal) {
            scores = scores.add(convertBooleanMask(causalMask(q.shape[2], k.shape[2], q.device), q.dtype));
        }
        Tensor p = safeSoftmax(scores, -1);
        Tensor dv;
        Tensor dp = g.matmul(vv.transpose(-2, -1));
        if (dropoutP > 0) {
            Tensor keep;
            try (GradMode off = Ember.noGrad()) {
                Generator at = new Generator(seed);
                at.advance(offset);
                keep = ArithmeticOps.cast(Creation.random(RandomKind.UNIFORM, p.shape, p.dtype, 0, 1, at, p.device)
                        .ge(dropoutP), p.dtype);
            }
            double keepScale = 1 / (1 - dropoutP);
            dv = p.mul(keep).mul(keepScale).transpose(-2, -1).matmul(g);
            dp = dp.mul(keep).mul(keepScale);
        } else {
            dv = p.transpose(-2, -1).matmul(g);
        }
        Tensor ds = p.mul(dp.sub(dp.mul(p).sum(new int[] {-1}, true)));
        Tensor dq = ds.matmul(kk).mul(scale);
        Tensor dk = ds.transpose(-2, -1).matmul(q).mul(scale);
        if (group > 1) {
            int[] kShape = k.shape;
            int[] vShape = v.shape;
            dk = dk.view(kShape[0], kShape[1], group, kShape[2], kShape[3]).sum(new int[] {2}, false);
            dv = dv.view(vShape[0], vShape[1], group, vShape[2], vShape[3]).sum(new int[] {2}, false);
        }
        return new Tensor[] {dq, dk, dv};
    }
}
