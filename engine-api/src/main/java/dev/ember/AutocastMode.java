package dev.ember;

/**
 * An autocast scope on this thread, as PyTorch's {@code torch.autocast}: open it with {@link Ember#autocast}
 * ({@code try (AutocastMode ac = Ember.autocast(DeviceType.CUDA, DType.BFLOAT16)) { ... }}). Inside, the ops of PyTorch
 * 2.x's lists for the device type run in the autocast dtype (matrix products, convolutions, attention), in float32
 * (numerically sensitive ones: the losses; on CUDA also softmax, norms, exp/log/pow and the sums) or in the widest
 * input type, on tensors of that device type; see {@link Autocast} for the mechanism.
 *
 * <p>Scopes nest (an inner one may disable autocast, {@code enabled = false}, or change the dtype); closing one
 * restores the state it found. The state is per thread, as PyTorch's: another thread is unaffected. A scope must be
 * closed on the thread that opened it, innermost first (try-with-resources does both).
 */
public final class AutocastMode implements AutoCloseable {
    private final DeviceType deviceType;
    private final boolean enabled;
    private final DType dtype;
    private final boolean previousEnabled;
    private final DType previousDtype;
    private final boolean previousCache;
    private final AutocastMode outer;
    private final Thread owner;
    private boolean closed;

    AutocastMode(DeviceType deviceType, DType dtype, boolean enabled, boolean cacheEnabled) {
        Autocast.State s = Autocast.state();
        int k = deviceType.ordinal();
        DType fast = dtype == null ? s.dtype[k] : dtype;
        if (enabled && deviceType == DeviceType.CUDA && !Ember.cudaAvailable()) {
            Autocast.warn("User provided device_type of 'cuda', but CUDA is not available. Disabling");
            enabled = false;
        }
        if (enabled && !Autocast.supported(deviceType, fast)) {
            Autocast.warn(deviceType == DeviceType.CPU
                    ? "In CPU autocast, but the target dtype is not supported. Disabling autocast.\nCPU Autocast only "
                            + "supports dtype of torch.bfloat16, torch.float16 currently."
                    : "In CUDA autocast, but the target dtype is not supported. Disabling autocast.\nCUDA Autocast only "
                            + "supports dtypes of torch.float16, torch.bfloat16 and torch.float32 currently.");
            enabled = false;
        }
        this.deviceType = deviceType;
        this.enabled = enabled;
        this.dtype = fast;
        this.previousEnabled = s.enabled[k];
        this.previousDtype = s.dtype[k];
        this.previousCache = s.cacheEnabled;
        this.outer = s.innermost;
        this.owner = Thread.currentThread();
        s.enabled[k] = enabled;
        s.dtype[k] = fast;
        s.cacheEnabled = cacheEnabled;
        s.nesting++;
        s.innermost = this;
        s.refresh();
    }

    /**
     * The device type this scope is for.
     *
     * @return cpu or cuda
     */
    public DeviceType deviceType() {
        return deviceType;
    }

    /**
     * Whether this scope autocasts (false when opened disabled, or disabled for an unsupported dtype or a missing
     * device, as PyTorch warns and disables).
     *
     * @return whether ops are autocast inside
     */
    public boolean isEnabled() {
        return enabled;
    }

    /**
     * The dtype of this scope's lower-precision ops.
     *
     * @return the autocast dtype
     */
    public DType dtype() {
        return dtype;
    }

    /**
     * Restores the autocast state this scope found; the outermost scope of the thread also drops the cached casts of
     * the weights. Closing twice does nothing.
     *
     * @throws IllegalStateException on another thread than the one that opened it, or while a scope opened inside it
     *     is still open
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        ThreadOwner.check(owner, "An autocast scope");
        Autocast.State s = Autocast.state();
        if (s.innermost != this) {
            throw new IllegalStateException("Autocast scopes must be closed innermost first: a scope opened inside this "
                    + "one is still open");
        }
        closed = true;
        int k = deviceType.ordinal();
        s.enabled[k] = previousEnabled;
        s.dtype[k] = previousDtype;
        s.cacheEnabled = previousCache;
        s.innermost = outer;
        if (--s.nesting == 0) {
            s.cache.clear();
        }
        s.refresh();
    }
}
