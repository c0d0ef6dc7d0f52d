package dev.ember;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The process-wide switch of {@link Ember#useDeterministicAlgorithms(boolean, boolean)}, PyTorch's
 * {@code torch.use_deterministic_algorithms}, and the check a kernel that has no deterministic implementation calls
 * ({@link #alertNotDeterministic}, PyTorch's {@code at::globalContext().alertNotDeterministic}).
 *
 * <p>What holds in Ember, for the same inputs on the same hardware, software and settings:
 * <ul>
 * <li>CUDA: every kernel of ember_kernels.cu but the float scatters named below writes each output element from one
 * thread (or sums a fixed tree of partial results in a fixed order), so results are bitwise the same from run to run
 * whatever the switch says. No other kernel adds into memory with atomics: the gradients of max and average pooling are
 * gathered (each input element sums the windows that read it, in window order), the input gradient of a convolution
 * likewise (col2im), and the weight gradient sums per-sample (and per-part, split-K) products in a fixed order.
 * The gradients of adaptive average pooling and bilinear upsampling (resample_kernels.cu) are gathered likewise, in the
 * CPU's order (bitwise its result), where PyTorch's CUDA kernels add with atomics and raise under the switch
 * ("adaptive_avg_pool2d_backward_cuda", "upsample_bilinear2d_backward_out_cuda"); adaptive max pooling's gradient is a
 * scatter_add, the exception below.
 * Reductions split over several blocks combine their partial results in a second pass, in order. The split counts
 * depend on the GPU's number of multiprocessors, so results can differ between GPU models, as PyTorch's do. The
 * exception, in the indexing kernels (index_kernels.cu): a scatter that sums, averages or multiplies float32 or float64
 * values (scatter_add, scatter_reduce with "sum", "mean" or "prod", index_add, index_put and put_ with accumulate, and
 * the backward of gather, index_select, take and embedding) adds into memory with atomics, so its last bits can change
 * from run to run, as PyTorch's CUDA kernels' do; with the switch on it runs a deterministic kernel instead (one thread
 * per line of the index along the scattered dimension, in the CPU's row-major order: bitwise the CPU's result; or, for
 * a few long lines, the CPU's kernel on host copies), where PyTorch 2.x has deterministic CUDA versions of
 * scatter_add_, index_add_, index_put_ with accumulate and scatter_reduce "sum"/"mean", and raises for "prod" and for
 * put_ with accumulate. Integer and bool scatters (wrapping sums and products do not depend on order), amax and amin (a
 * NaN wins, +0 beats -0 for amax and -0 beats +0 for amin), plain scatter (the last value in row-major order wins, as
 * on the CPU), gather, nonzero and the linear index of advanced indexing are deterministic whatever the switch says.
 * The normalization layers and the fused attention (nn.cu) write each element from one thread and sum in an order
 * fixed by the sizes alone. Sorting, rank selection, the scans (gaps_kernels.cu's block-level scan of a few long lines
 * included: its association depends only on the line's length) and histc and bincount without weights (64-bit integer
 * atomics) are deterministic; bincount with float weights adds with float atomics and alerts "_bincount_cuda", as
 * PyTorch's CUDA kernel does. The tensor-core attention backward for float16/bfloat16 (attn_tc_kernels.cu, when
 * enabled) adds dQ with float atomics: with the switch on it is not used (the deterministic host path runs instead, as
 * PyTorch's flash backward takes its deterministic path), and in warn-only mode it alerts "_flash_attention_backward"
 * and runs. What CUDA does not implement runs through the host (the CPU's kernels on host copies,
 * deterministic as below). cuBLAS, where it
 * loads, runs on one stream with its default (no atomics) mode, which its documentation says gives bitwise reproducible
 * results on one GPU architecture, so Ember needs no {@code CUBLAS_WORKSPACE_CONFIG} (PyTorch asks for it because it
 * runs cuBLAS on several streams). {@link #alertNotDeterministic} is the hook a kernel without a deterministic version
 * must call before it runs (weighted bincount is the one that calls it today).</li>
 * <li>CPU: every kernel splits its work into a number of tasks that depends only on the work's size and on the
 * worker count ({@link Ember#setNumThreads}; at start {@code ember.cpu.threads}, default the number of processors), and
 * combines the tasks' partial results in task order, never in completion order, so results are bitwise the same from
 * run to run for a given worker count. Elementwise ops, reductions (one task per output element, accumulating in
 * double), most matrix products (tasks own blocks of the output) and scatters (one thread, row-major index order) give
 * the same bits for any worker count; a matrix product with a long depth and a small output (a Linear layer's weight
 * gradient, or the column-matrix product of a convolution of one sample with many input channels: a 3x3 kernel over
 * 256 channels and 64 output pixels) splits the depth and adds one partial product per task, and the convolution's
 * weight gradient and the normalization layers' weight and bias gradients sum one partial result per task, so their
 * last bits can change with the worker count (PyTorch's CPU gives no guarantee across thread counts either).</li>
 * </ul>
 *
 * <p>The switch is global (all threads), as PyTorch's; reads and writes are thread-safe.
 */
public final class Determinism {
    private static final System.Logger LOG = System.getLogger("dev.ember");
    /** Bit 0: deterministic algorithms required; bit 1: warn only (one field, so both change together). */
    private static volatile int mode;
    /** The ops warned about in warn-only mode (each warns once per process). */
    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

    private Determinism() {
    }

    static void set(boolean on, boolean warn) {
        mode = (on ? 1 : 0) | (warn ? 2 : 0);
    }

    /**
     * Whether deterministic algorithms are required, as {@code torch.are_deterministic_algorithms_enabled()}.
     *
     * @return the mode last set by {@link Ember#useDeterministicAlgorithms(boolean, boolean)}; false at start
     */
    public static boolean isEnabled() {
        return (mode & 1) != 0;
    }

    /**
     * Whether a nondeterministic op only warns, as {@code torch.is_deterministic_algorithms_warn_only_enabled()}.
     *
     * @return the warn-only option last set by {@link Ember#useDeterministicAlgorithms(boolean, boolean)}
     */
    public static boolean isWarnOnly() {
        return (mode & 2) != 0;
    }

    /**
     * The message of the error (or warning) for {@code op}, PyTorch's words with Ember's names.
     *
     * @param op the op and backend, e.g. {@code "avg_pool3d_backward_cuda"}
     * @return the message
     */
    public static String message(String op) {
        return op + " does not have a deterministic implementation, but you set 'Ember.useDeterministicAlgorithms(true)'. "
                + "You can turn off determinism just for this operation, or you can use the 'warnOnly=true' option, "
                + "if that's acceptable for your application.";
    }

    /**
     * Called by a kernel that has no deterministic implementation, before it runs (PyTorch's
     * {@code alertNotDeterministic}): nothing when determinism is off; when it is on, an error, or with
     * {@code warnOnly} a warning logged once per op (on the {@code dev.ember} logger) and the kernel runs.
     *
     * @param op the op and backend, e.g. {@code "avg_pool3d_backward_cuda"}
     * @throws IllegalStateException with {@link #message(String)} when determinism is on and {@code warnOnly} is off
     */
    public static void alertNotDeterministic(String op) {
        Args.require(op, "alertNotDeterministic", "op", 1, "str");
        int m = mode;
        if ((m & 1) == 0) {
            return;
        }
        if ((m & 2) != 0) {
            if (WARNED.add(op)) {
                LOG.log(System.Logger.Level.WARNING, "Warning: " + message(op));
            }
            return;
        }
        throw new IllegalStateException(message(op));
    }
}
