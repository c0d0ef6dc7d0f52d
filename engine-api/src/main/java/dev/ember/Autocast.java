package dev.ember;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Autocast's machinery, as PyTorch 2.x's {@code aten/src/ATen/autocast_mode.cpp}/{@code .h}: the thread-local state that
 * {@link AutocastMode} scopes switch, the op lists per device type, and the casts.
 *
 * <p>Each listed op's implementation starts with ONE line, {@code if (Autocast.on()) return Autocast.apply("mm", t ->
 * mm(t[0], t[1]), a, b);}: when no autocast is on for this thread it costs one thread-local read. Otherwise
 * {@link #apply} picks the op's device type from its tensors (CUDA when any is on CUDA, as PyTorch's dispatch key),
 * looks the op up in that device type's list and casts its eligible tensors (floating, on that device type, not
 * float64) by the policy: lower precision (the autocast dtype), float32, or promote (the widest of them), then calls
 * the op again with the cast tensors. A listed op runs with autocast off on this thread, as PyTorch's wrapper excludes
 * the Autocast dispatch keys around its redispatch (the ops it is composed of are not cast again); an op the device's
 * list does not name runs as it is (its own entry is skipped once), and the ops it is composed of are autocast by their
 * own entries, as PyTorch's composite ops decompose below the Autocast key ({@code cross_entropy} on CUDA is
 * {@code log_softmax} and {@code nll_loss}, both float32). The lists are PyTorch's for the device type, so an op's
 * policy is not written at its entry: {@code softmax} is float32 on CUDA and not listed on the CPU.
 *
 * <p>The casts are {@code Tensor.to(dtype)}, recorded as {@code ToCopyBackward0}, so gradients flow back to the
 * original tensors in their own types. A tensor given twice to one op is cast once. As PyTorch's weight cast cache,
 * the lower-precision casts of float32 leaves that require grad (parameters), not views (a detached handle, as
 * PyTorch's {@code detach()}, is not one), are kept until the outermost autocast scope of the thread closes, so a
 * weight used by several ops is cast once per forward; unlike PyTorch's cache (process-wide) Ember's is per thread,
 * and it is not used while gradient mode is off (a cast made without history would otherwise be reused where history
 * is wanted) nor after the weight changed in place (its version counter, so an optimizer step inside the scope is
 * seen) or the copy was closed (a {@link TensorScope} per step inside the scope).
 *
 * <p>Internal: {@link #on()} and {@link #apply} are public only because {@code dev.ember.nn.Functional}'s
 * {@code linear} and losses are listed ops; users open scopes with {@link Ember#autocast}.
 */
public final class Autocast {
    private static final System.Logger LOG = System.getLogger("dev.ember");

    /** PyTorch's cast policies (fp32_set_opt_dtype and fp32_append_dtype cast their one tensor to float32: FP32). */
    enum Policy {
        LOWER, FP32, PROMOTE,
        /** PyTorch's {@code binary_cross_entropy_banned} (CUDA). */
        BANNED
    }

    /**
     * An op re-entered with its tensors cast (its own entry, with the cast tensors in the order given to {@link #apply}).
     *
     * @param <R> what the op returns
     */
    public interface Op<R> {
        /**
         * Runs the op.
         *
         * @param t the op's tensors, cast
         * @return the op's result
         */
        R run(Tensor[] t);
    }

    /** Ops taking a list of tensors ({@code cat}, {@code stack}). */
    interface ListOp<R> {
        R run(List<Tensor> t);
    }

    /** A thread's autocast state. */
    static final class State {
        final boolean[] enabled = new boolean[DeviceType.values().length];
        final DType[] dtype = {DType.BFLOAT16, DType.FLOAT16}; // PyTorch's defaults: cpu bfloat16, cuda float16
        boolean cacheEnabled = true;
        int nesting;
        int suspended;
        boolean bypass;
        /** Whether any device type's autocast is on and no listed op is running: the one read of {@link #on()}. */
        boolean active;
        AutocastMode innermost;
        final IdentityHashMap<Tensor, Object[]> cache = new IdentityHashMap<>();

        void refresh() {
            active = suspended == 0 && (enabled[0] || enabled[1]);
        }
    }

    private static final ThreadLocal<State> STATE = ThreadLocal.withInitial(State::new);

    static final Map<String, Policy> CPU_OPS = new HashMap<>();
    static final Map<String, Policy> CUDA_OPS = new HashMap<>();

    static {
        // PyTorch 2.x aten/src/ATen/autocast_mode.cpp, TORCH_LIBRARY_IMPL(aten, AutocastCPU, m) (the names Ember has or
        // may get; the list is PyTorch's, overloads folded)
        put(CPU_OPS, Policy.LOWER, "conv1d", "conv2d", "conv3d", "bmm", "mm", "linalg_vecdot", "baddbmm", "addmm",
                "_addmm_activation", "addbmm", "linear", "_convolution", "matmul", "conv_tbc", "mkldnn_rnn_layer",
                "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "prelu", "scaled_dot_product_attention",
                "_native_multi_head_attention");
        put(CPU_OPS, Policy.FP32, "avg_pool3d", "binary_cross_entropy", "grid_sampler", "polar", "prod", "quantile",
                "nanquantile", "stft", "cdist", "grid_sampler_2d", "grid_sampler_3d", "trace", "view_as_complex",
                "cholesky", "cholesky_inverse", "cholesky_solve", "inverse", "lu_solve", "orgqr", "ormqr", "pinverse",
                "max_pool3d", "max_unpool2d", "max_unpool3d", "adaptive_avg_pool3d", "reflection_pad1d",
                "reflection_pad2d", "replication_pad1d", "replication_pad2d", "replication_pad3d", "mse_loss",
                "cosine_embedding_loss", "nll_loss", "nll_loss2d", "hinge_embedding_loss", "poisson_nll_loss",
                "smooth_l1_loss", "cross_entropy_loss", "l1_loss", "huber_loss", "margin_ranking_loss",
                "soft_margin_loss", "triplet_margin_loss", "multi_margin_loss", "ctc_loss", "kl_div",
                "multilabel_margin_loss", "binary_cross_entropy_with_logits", "fft_fft", "fft_ifft", "fft_fft2",
                "fft_ifft2", "fft_fftn", "fft_ifftn", "fft_rfft", "fft_irfft", "fft_rfft2", "fft_irfft2", "fft_rfftn",
                "fft_irfftn", "fft_hfft", "fft_ihfft", "linalg_cond", "linalg_matrix_rank", "linalg_solve",
                "linalg_cholesky", "linalg_svdvals", "linalg_eigvals", "linalg_eigvalsh", "linalg_inv",
                "linalg_householder_product", "linalg_tensorinv", "linalg_tensorsolve",
                "fake_quantize_per_tensor_affine", "geqrf", "_lu_with_info", "qr", "svd", "triangular_solve",
                "fractional_max_pool2d", "fractional_max_pool3d", "adaptive_max_pool3d", "linalg_qr",
                "linalg_cholesky_ex", "linalg_svd", "linalg_eig", "linalg_eigh", "linalg_lstsq", "linalg_inv_ex");
        put(CPU_OPS, Policy.PROMOTE, "stack", "cat", "index_copy");

        // PyTorch 2.x aten/src/ATen/autocast_mode.h: AT_FORALL_LOWER_PRECISION_FP, AT_FORALL_FP32,
        // AT_FORALL_FP32_SET_OPT_DTYPE, AT_FORALL_DIFFERENT_REDISPATCH_SIGNATURE (norm), AT_FORALL_PROMOTE, registered
        // for AutocastCUDA in autocast_mode.cpp (plus cudnn_convolution(_transpose), lower)
        put(CUDA_OPS, Policy.LOWER, "_convolution", "conv1d", "conv2d", "conv3d", "conv_tbc", "conv_transpose1d",
                "conv_transpose2d", "conv_transpose3d", "convolution", "prelu", "addmm", "addmv", "addr", "matmul",
                "einsum", "mm", "mv", "linalg_vecdot", "linear", "addbmm", "baddbmm", "bmm", "chain_matmul",
                "linalg_multi_dot", "_thnn_fused_lstm_cell", "_thnn_fused_gru_cell", "lstm_cell", "gru_cell",
                "rnn_tanh_cell", "rnn_relu_cell", "_scaled_dot_product_flash_attention", "scaled_dot_product_attention",
                "cudnn_convolution", "cudnn_convolution_transpose");
        put(CUDA_OPS, Policy.FP32, "acos", "asin", "cosh", "erfinv", "exp", "expm1", "log", "log10", "log2", "log1p",
                "reciprocal", "rsqrt", "sinh", "tan", "pow", "softplus", "layer_norm", "native_layer_norm", "group_norm",
                "frobenius_norm", "nuclear_norm", "cosine_similarity", "poisson_nll_loss", "cosine_embedding_loss",
                "nll_loss", "nll_loss2d", "hinge_embedding_loss", "kl_div", "l1_loss", "smooth_l1_loss", "huber_loss",
                "mse_loss", "margin_ranking_loss", "multilabel_margin_loss", "soft_margin_loss", "triplet_margin_loss",
                "multi_margin_loss", "binary_cross_entropy_with_logits", "dist", "pdist", "cdist", "renorm",
                "logsumexp", "upsample_nearest1d", "_upsample_nearest_exact1d", "upsample_nearest2d",
                "_upsample_nearest_exact2d", "upsample_nearest3d", "_upsample_nearest_exact3d", "upsample_linear1d",
                "upsample_bilinear2d", "_upsample_bilinear2d_aa", "upsample_trilinear3d", "upsample_bicubic2d",
                "_upsample_bicubic2d_aa",
                // fp32_set_opt_dtype: float32 unless a dtype is given (Ember's overloads without a dtype)
                "prod", "softmax", "log_softmax", "cumprod", "cumsum", "linalg_vector_norm", "linalg_matrix_norm", "sum",
                // fp32_append_dtype
                "norm");
        put(CUDA_OPS, Policy.BANNED, "binary_cross_entropy");
        put(CUDA_OPS, Policy.PROMOTE, "addcdiv", "addcmul", "atan2", "bilinear", "cross", "dot", "vdot",
                "grid_sampler", "index_put", "tensordot", "scatter_add");
    }

    private static void put(Map<String, Policy> map, Policy policy, String... ops) {
        for (String op : ops) {
            map.put(op, policy);
        }
    }

    private Autocast() {
    }

    static State state() {
        return STATE.get();
    }

    /**
     * Whether the calling op must go through {@link #apply}: an autocast is on for this thread and the op is not the
     * redispatch of an {@link #apply} already made. One thread-local read when autocast is off. Internal, as
     * {@link #apply}.
     *
     * @return whether the op's entry must call {@link #apply}
     */
    public static boolean on() {
        State s = STATE.get();
        if (!s.active) {
            return false;
        }
        if (s.bypass) {
            s.bypass = false;
            return false;
        }
        return true;
    }

    /** The policy of an op for a device type, or null when that device type's list does not name it. */
    static Policy policy(DeviceType type, String op) {
        return (type == DeviceType.CUDA ? CUDA_OPS : CPU_OPS).get(op);
    }

    /**
     * Runs {@code op} (the name in PyTorch's lists) on its tensors cast as the list of their device type says (null
     * tensors are optional arguments left as they are). Internal: the entries of the listed ops call it (public only
     * because {@code dev.ember.nn.Functional}'s {@code linear} and losses are such entries).
     *
     * @param op PyTorch's name of the op in the autocast lists
     * @param fn the op itself, called with the cast tensors
     * @param args the op's tensors (null entries allowed)
     * @param <R> what the op returns
     * @return the op's result
     */
    public static <R> R apply(String op, Op<R> fn, Tensor... args) {
        State s = STATE.get();
        if (args == null) {
            return redispatch(s, fn, null);
        }
        DeviceType type = deviceType(args);
        Policy p = s.enabled[type.ordinal()] ? policy(type, op) : null;
        if (p == null) {
            return redispatch(s, fn, args);
        }
        if (p == Policy.BANNED) {
            s.bypass = false;
            throw new IllegalArgumentException("torch.nn.functional.binary_cross_entropy and torch.nn.BCELoss are unsafe to "
                    + "autocast.\nMany models use a sigmoid layer right before the binary cross entropy layer.\nIn this case, "
                    + "combine the two layers using torch.nn.functional.binary_cross_entropy_with_logits\nor "
                    + "torch.nn.BCEWithLogitsLoss.  binary_cross_entropy_with_logits and BCEWithLogits are\nsafe to autocast.");
        }
        Tensor[] cast = castAll(s, type, p, args);
        s.suspended++;
        s.refresh();
        try {
            return fn.run(cast);
        } finally {
            s.suspended--;
            s.refresh();
        }
    }

    /** {@link #apply} for ops taking a list of tensors. */
    static <R> R applyList(String op, ListOp<R> fn, List<Tensor> list) {
        if (list == null) {
            return apply(op, t -> fn.run(null));
        }
        Tensor[] args = list.toArray(new Tensor[0]);
        return apply(op, t -> fn.run(new ArrayList<>(java.util.Arrays.asList(t))), args);
    }

    /** Runs an op that is not listed for its device type as it is, its own entry skipped once. */
    private static <R> R redispatch(State s, Op<R> fn, Tensor[] args) {
        s.bypass = true;
        try {
            return fn.run(args);
        } finally {
            s.bypass = false;
        }
    }

    /**
     * PyTorch's dispatch: the op is a CUDA op when any of its tensors is on CUDA (a meta tensor has no autocast key: an
     * op of meta tensors is cast by neither autocast).
     */
    private static DeviceType deviceType(Tensor[] args) {
        for (Tensor t : args) {
            if (t != null && t.device().type().equals("cuda")) {
                return DeviceType.CUDA;
            }
        }
        return DeviceType.CPU;
    }

    /** PyTorch's {@code is_eligible}: floating, not float64, on the autocast's device type. */
    private static boolean eligible(Tensor t, DeviceType type) {
        return t != null && t.dtype().isFloatingPoint() && t.dtype() != DType.FLOAT64
                && t.device().type().equals(type.toString());
    }

    private static Tensor[] castAll(State s, DeviceType type, Policy p, Tensor[] args) {
        DType lower = s.dtype[type.ordinal()];
        DType to;
        switch (p) {
            case LOWER:
                to = lower;
                break;
            case FP32:
                to = DType.FLOAT32;
                break;
            default:
                to = promoteType(lower, type, args);
                break;
        }
        Tensor[] out = args.clone();
        for (int i = 0; i < args.length; i++) {
            Tensor a = args[i];
            if (!eligible(a, type) || a.dtype() == to) {
                continue;
            }
            int same = -1;
            for (int j = 0; j < i && same < 0; j++) {
                if (args[j] == a) {
                    same = j;
                }
            }
            out[i] = same >= 0 ? out[same] : cachedCast(s, a, to, lower);
        }
        return out;
    }

    /** PyTorch's {@code promote_type}/{@code prioritize}: float32 when any eligible tensor is, else the autocast dtype. */
    private static DType promoteType(DType lower, DeviceType type, Tensor[] args) {
        DType current = lower;
        for (Tensor t : args) {
            if (!eligible(t, type)) {
                continue; // float64 and tensors elsewhere are ignored
            }
            DType next = t.dtype();
            if (current == DType.FLOAT32 || next == DType.FLOAT32) {
                current = DType.FLOAT32;
            } else if (current != lower || next != lower) {
                throw new IllegalArgumentException("Unexpected floating ScalarType in at::autocast::prioritize");
            }
        }
        return current;
    }

    /** PyTorch's {@code cached_cast}: lower-precision casts of float32 leaf weights are kept for the scope. */
    private static Tensor cachedCast(State s, Tensor a, DType to, DType lower) {
        boolean cacheable = to == lower && a.dtype() == DType.FLOAT32 && a.requiresGrad() && a.isLeaf()
                && !a.differentiableView && s.cacheEnabled && GradMode.isEnabled() && !a.isInference();
        if (!cacheable) {
            return a.to(to);
        }
        Object[] hit = s.cache.get(a);
        if (hit != null && (Integer) hit[1] == a.version() && ((Tensor) hit[0]).dtype() == to
                && !((Tensor) hit[0]).isClosed()) {
            return (Tensor) hit[0];
        }
        Tensor c = a.to(to);
        s.cache.put(a, new Object[] {c, a.version()});
        return c;
    }

    /** Whether the autocast dtype of a device type is one its autocast supports (PyTorch 2.x's check). */
    static boolean supported(DeviceType type, DType dtype) {
        if (type == DeviceType.CPU) {
            return dtype == DType.BFLOAT16 || dtype == DType.FLOAT16;
        }
        return dtype == DType.FLOAT16 || dtype == DType.BFLOAT16 || dtype == DType.FLOAT32;
    }

    static void warn(String message) {
        LOG.log(System.Logger.Level.WARNING, message);
    }
}
