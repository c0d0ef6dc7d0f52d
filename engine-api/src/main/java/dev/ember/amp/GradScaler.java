package dev.ember.amp;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.Tensor;
import dev.ember.TensorScope;
import dev.ember.optim.Optimizer;
import dev.ember.optim.ParamGroup;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Dynamic loss scaling, as PyTorch 2.x's {@code torch.amp.GradScaler(device)} (torch/amp/grad_scaler.py, the same
 * algorithm as 1.13's torch/cuda/amp/grad_scaler.py): the loss is multiplied by the scale before backward so small
 * float16 gradients do not flush to zero; {@link #step} divides the gradients by the scale and skips the optimizer's
 * step when any gradient is infinite or NaN; {@link #update} then halves the scale after an overflow and doubles it
 * after {@code growthInterval} clean steps in a row (PyTorch's {@code _amp_update_scale_}, AmpKernels.cu).
 *
 * <pre>{@code
 * GradScaler scaler = new GradScaler("cuda");
 * for (...) {
 *     optimizer.zeroGrad();
 *     scaler.scale(loss(model, batch)).backward();
 *     scaler.step(optimizer);   // unscales, skips on inf/NaN
 *     scaler.update();
 * }
 * }</pre>
 *
 * <p>Works on any device: the scale is a float32 value (multiplied in through a one-element float32 tensor on the
 * outputs' device, as PyTorch's); {@link #unscale_} multiplies each gradient in place by the float32 reciprocal of the
 * scale and folds an {@code isfinite().all()} of it into one boolean flag per device, all on the device with no host
 * read; {@link #step} reads each device's flag once. The growth tracker and the scale's bookkeeping then run on the
 * host (the flag is already read), with PyTorch's float32 arithmetic. Not thread-safe (one scaler per training loop).
 * State errors (PyTorch's RuntimeError and the asserts of the scale's lazy start) are {@link IllegalStateException}s.
 */
public final class GradScaler {
    private static final System.Logger LOG = System.getLogger("dev.ember");

    private enum Stage { READY, UNSCALED, STEPPED }

    /** PyTorch's per-optimizer state: the stage and one found-inf flag per device (a bool tensor: all finite). */
    private static final class OptState {
        Stage stage = Stage.READY;
        final Map<Device, Tensor> allFinite = new LinkedHashMap<>();
        /** Whether an inf/NaN was found, once the flags were read; null before. */
        Boolean found;
    }

    private final String device;
    private final boolean enabled;
    private double initScale;
    private double growthFactor;
    private double backoffFactor;
    private int growthInterval;
    private int initGrowthTracker;
    /** Whether scale() has run (PyTorch's {@code _scale is not None}). */
    private boolean started;
    private float scale;
    private int growthTracker;
    /** The scale as a [1] float32 tensor on each device it was used on (rebuilt when the scale changes). */
    private final Map<Device, Tensor> scaleOn = new LinkedHashMap<>();
    private final Map<Optimizer, OptState> states = new IdentityHashMap<>();

    /** A scaler for CUDA with PyTorch's defaults, as {@code torch.amp.GradScaler()}. */
    public GradScaler() {
        this("cuda");
    }

    /**
     * A scaler for a device type with PyTorch's defaults (init scale 2^16, growth 2, backoff 0.5, interval 2000,
     * enabled), as {@code torch.amp.GradScaler(device)}.
     *
     * @param device "cuda" or "cpu"
     */
    public GradScaler(String device) {
        this(device, 65536.0, 2.0, 0.5, 2000, true);
    }

    /**
     * A scaler, as {@code torch.amp.GradScaler(device, init_scale, growth_factor, backoff_factor, growth_interval,
     * enabled)}. As PyTorch, a scaler for "cuda" where CUDA is not usable logs a warning and is disabled.
     *
     * @param device "cuda" or "cpu" (the device type the scaler's checks expect)
     * @param initScale the scale the first {@link #scale} uses
     * @param growthFactor the scale's factor after {@code growthInterval} steps without inf/NaN (over 1)
     * @param backoffFactor the scale's factor after a step with inf/NaN gradients (under 1)
     * @param growthInterval how many clean steps in a row grow the scale
     * @param enabled false: {@link #step} only runs the optimizer's step and every other method does nothing
     * @throws IllegalArgumentException for a null or unknown device, or (enabled) a growth factor not over 1 or a
     *     backoff factor not under 1, with PyTorch's messages
     */
    public GradScaler(String device, double initScale, double growthFactor, double backoffFactor, int growthInterval,
                      boolean enabled) {
        if (device == null) {
            throw new IllegalArgumentException("GradScaler(): argument 'device' (position 1) must be str, not None");
        }
        this.device = Device.of(device).type();
        boolean on = enabled;
        if (on && this.device.equals("cuda") && !Ember.cudaAvailable()) {
            LOG.log(System.Logger.Level.WARNING, "GradScaler is enabled, but CUDA is not available.  Disabling.");
            on = false;
        }
        this.enabled = on;
        if (on) {
            if (!(growthFactor > 1.0)) {
                throw new IllegalArgumentException("The growth factor must be > 1.0.");
            }
            if (!(backoffFactor < 1.0)) {
                throw new IllegalArgumentException("The backoff factor must be < 1.0.");
            }
        }
        this.initScale = initScale;
        this.growthFactor = growthFactor;
        this.backoffFactor = backoffFactor;
        this.growthInterval = growthInterval;
    }

    /**
     * {@code outputs * scale} (PyTorch's {@code outputs * self._scale}: a one-element float32 tensor, so a 0-dim loss
     * comes back with shape [1] and PyTorch's promotion), recorded for autograd; {@code outputs} itself when disabled.
     *
     * @param outputs the loss (or any output to backpropagate from)
     * @return the scaled outputs
     * @throws IllegalArgumentException for null
     */
    public Tensor scale(Tensor outputs) {
        if (outputs == null) {
            throw new IllegalArgumentException("outputs must be a Tensor or an iterable of Tensors");
        }
        if (!enabled) {
            return outputs;
        }
        start();
        return outputs.mul(scaleOn(outputs.device()));
    }

    /**
     * Each of {@code outputs} scaled as {@link #scale(Tensor)}, in a new list ({@code outputs} itself when disabled).
     *
     * @param outputs the tensors to scale
     * @return the scaled tensors
     * @throws IllegalArgumentException for a null list or element (checked before anything is scaled)
     */
    public List<Tensor> scale(List<Tensor> outputs) {
        if (outputs == null) {
            throw new IllegalArgumentException("outputs must be a Tensor or an iterable of Tensors");
        }
        for (Tensor t : outputs) {
            if (t == null) {
                throw new IllegalArgumentException("outputs must be a Tensor or an iterable of Tensors");
            }
        }
        if (!enabled) {
            return outputs;
        }
        List<Tensor> out = new ArrayList<>(outputs.size());
        for (Tensor t : outputs) {
            out.add(scale(t));
        }
        return out;
    }

    /**
     * Divides the optimizer's gradients by the scale, in place, as PyTorch's {@code unscale_(optimizer)}: each gradient
     * is multiplied by the float32 reciprocal of the scale, and whether all of them are finite goes into one flag per
     * device, on the device (no host read here). Nothing when disabled.
     *
     * @param optimizer the optimizer whose gradients to unscale
     * @throws IllegalStateException when {@link #scale} never ran, or when this optimizer was already unscaled or stepped
     *     since the last {@link #update}, with PyTorch's messages
     * @throws IllegalArgumentException for null, or a float16 gradient ("Attempting to unscale FP16 gradients.", before
     *     any gradient changes)
     */
    public void unscale_(Optimizer optimizer) {
        requireOptimizer(optimizer, "unscale_");
        if (!enabled) {
            return;
        }
        checkStarted("unscale_");
        OptState st = states.get(optimizer);
        if (st != null && st.stage == Stage.UNSCALED) {
            throw new IllegalStateException("unscale_() has already been called on this optimizer since the last update().");
        }
        if (st != null && st.stage == Stage.STEPPED) {
            throw new IllegalStateException("unscale_() is being called after step().");
        }
        List<Tensor> grads = new ArrayList<>();
        for (ParamGroup group : optimizer.paramGroups()) {
            for (Tensor p : group.params()) {
                // a sparse gradient is unscaled through its values, in place (PyTorch's to_unscale = grad._values())
                Tensor g = p.isGradSparse() ? dev.ember.sparse.SparseGrads.valuesOf(p.sparseGrad()) : p.grad();
                if (g == null) {
                    continue;
                }
                // PyTorch's allow_fp16=False (checked by name: float16 joins DType with issue 18's half types)
                if (g.dtype().name().equals("FLOAT16")) {
                    throw new IllegalArgumentException("Attempting to unscale FP16 gradients.");
                }
                grads.add(g);
            }
        }
        if (st == null) {
            st = new OptState();
            states.put(optimizer, st);
        }
        // PyTorch: inv_scale = self._scale.double().reciprocal().float()
        double invScale = (float) (1.0 / (double) scale);
        try (GradMode g = Ember.noGrad()) {
            for (Tensor grad : grads) {
                // _amp_foreach_non_finite_check_and_unscale_: the check looks at the values before unscaling, and every
                // gradient is unscaled, overflow or not
                Tensor finite = grad.isfinite().all(null, false);
                if (invScale != 1.0) {
                    grad.mul_(invScale);
                }
                Device d = grad.device();
                Tensor flag = st.allFinite.get(d);
                st.allFinite.put(d, TensorScope.escape(flag == null ? finite : flag.logicalAnd(finite)));
            }
        }
        st.stage = Stage.UNSCALED;
    }

    /**
     * Runs the optimizer's step unless a gradient is infinite or NaN, as PyTorch's {@code step(optimizer)}: unscales
     * first unless {@link #unscale_} already did for this optimizer, then reads each device's flag once. When disabled,
     * only runs the optimizer's step.
     *
     * @param optimizer the optimizer
     * @return whether the optimizer stepped (PyTorch returns the step's value, or None when skipped)
     * @throws IllegalStateException when {@link #scale} never ran, when this optimizer already stepped since the last
     *     {@link #update}, or when it has no gradient at all (PyTorch's "No inf checks were recorded for this optimizer.")
     * @throws IllegalArgumentException for null
     */
    public boolean step(Optimizer optimizer) {
        requireOptimizer(optimizer, "step");
        if (!enabled) {
            optimizer.step();
            return true;
        }
        checkStarted("step");
        OptState st = states.get(optimizer);
        if (st != null && st.stage == Stage.STEPPED) {
            throw new IllegalStateException("step() has already been called since the last update().");
        }
        if (st == null || st.stage == Stage.READY) {
            unscale_(optimizer);
            st = states.get(optimizer);
        }
        if (st.allFinite.isEmpty()) {
            throw new IllegalStateException("No inf checks were recorded for this optimizer.");
        }
        boolean stepped = !found(st);
        if (stepped) {
            optimizer.step();
        }
        st.stage = Stage.STEPPED;
        return stepped;
    }

    /**
     * PyTorch's {@code step(optimizer, closure=closure)}: a disabled scaler runs {@code optimizer.step(closure)} and
     * returns its loss; an enabled one refuses any closure (a closure re-runs {@code backward()}, whose gradients would
     * not be unscaled), as PyTorch 2.x does for a {@code closure} keyword, before anything else: no scale, unscale or
     * step happens and the scaler's state is unchanged. Null is PyTorch's {@code closure=None}, refused the same way
     * when enabled ({@code "closure" in kwargs}).
     *
     * @param optimizer the optimizer
     * @param closure re-evaluates the loss and its gradients, or null
     * @return the closure's loss (null for a null closure), when disabled
     * @throws IllegalStateException when enabled ("Closure use is not currently supported if GradScaler is enabled.")
     * @throws IllegalArgumentException for a null optimizer
     */
    public Tensor step(Optimizer optimizer, Optimizer.Closure closure) {
        requireOptimizer(optimizer, "step");
        if (!enabled) {
            return optimizer.step(closure);
        }
        throw new IllegalStateException("Closure use is not currently supported if GradScaler is enabled.");
    }

    /**
     * Updates the scale, as PyTorch's {@code update()} ({@code _amp_update_scale_}): after a step with inf/NaN gradients
     * (in any optimizer since the last update) the scale is multiplied by the backoff factor and the growth tracker
     * resets; otherwise the tracker counts the clean step, and at {@code growthInterval} the scale is multiplied by the
     * growth factor (in float32; kept only when finite) and the tracker resets. Nothing when disabled.
     *
     * @throws IllegalStateException when {@link #scale} never ran, or when no optimizer was unscaled or stepped since the
     *     last update ("No inf checks were recorded prior to update.")
     */
    public void update() {
        if (!enabled) {
            return;
        }
        checkStarted("update");
        boolean any = false;
        boolean found = false;
        for (OptState st : states.values()) {
            if (!st.allFinite.isEmpty()) {
                any = true;
                found |= found(st);
            }
        }
        if (!any) {
            throw new IllegalStateException("No inf checks were recorded prior to update.");
        }
        if (found) {
            setScale((float) (scale * backoffFactor));
            growthTracker = 0;
        } else {
            int successful = growthTracker + 1;
            if (successful == growthInterval) {
                float grown = (float) (scale * growthFactor);
                if (Float.isFinite(grown)) {
                    setScale(grown);
                }
                growthTracker = 0;
            } else {
                growthTracker = successful;
            }
        }
        states.clear();
    }

    /**
     * Sets the scale to {@code newScale} (rounded to float32), as PyTorch's {@code update(new_scale)} with a float; the
     * growth tracker is kept. Nothing when disabled.
     *
     * @param newScale the new scale
     * @throws IllegalStateException when {@link #scale} never ran
     */
    public void update(double newScale) {
        if (!enabled) {
            return;
        }
        checkStarted("update");
        setScale((float) newScale);
        states.clear();
    }

    /**
     * Sets the scale to the value of a one-element tensor, as PyTorch's {@code update(new_scale)} with a tensor.
     * Nothing when disabled.
     *
     * @param newScale a one-element tensor on this scaler's device type that does not require grad
     * @throws IllegalStateException when {@link #scale} never ran
     * @throws IllegalArgumentException for null, or another device type, size or one that requires grad (PyTorch's
     *     reason)
     */
    public void update(Tensor newScale) {
        if (!enabled) {
            return;
        }
        checkStarted("update");
        if (newScale == null || !newScale.device().type().equals(device) || newScale.numel() != 1
                || newScale.requiresGrad()) {
            throw new IllegalArgumentException("new_scale should be a float or a 1-element torch.FloatTensor or "
                    + "torch.cuda.FloatTensor with requires_grad=False.");
        }
        setScale((float) newScale.item());
        states.clear();
    }

    /**
     * The current scale, as PyTorch's {@code get_scale()}: the initial scale until {@link #scale} first runs, 1.0 when
     * disabled.
     *
     * @return the scale
     */
    public double getScale() {
        if (!enabled) {
            return 1.0;
        }
        return started ? scale : initScale;
    }

    /**
     * The growth factor, as {@code get_growth_factor()}.
     *
     * @return the factor
     */
    public double getGrowthFactor() {
        return growthFactor;
    }

    /**
     * Sets the growth factor, as {@code set_growth_factor} (not checked, as PyTorch).
     *
     * @param factor the new factor
     */
    public void setGrowthFactor(double factor) {
        growthFactor = factor;
    }

    /**
     * The backoff factor, as {@code get_backoff_factor()}.
     *
     * @return the factor
     */
    public double getBackoffFactor() {
        return backoffFactor;
    }

    /**
     * Sets the backoff factor, as {@code set_backoff_factor} (not checked, as PyTorch).
     *
     * @param factor the new factor
     */
    public void setBackoffFactor(double factor) {
        backoffFactor = factor;
    }

    /**
     * The growth interval, as {@code get_growth_interval()}.
     *
     * @return the interval
     */
    public int getGrowthInterval() {
        return growthInterval;
    }

    /**
     * Sets the growth interval, as {@code set_growth_interval} (not checked, as PyTorch).
     *
     * @param interval the new interval
     */
    public void setGrowthInterval(int interval) {
        growthInterval = interval;
    }

    /**
     * The clean steps counted since the scale last changed, as {@code _get_growth_tracker()}.
     *
     * @return the count (0 when disabled)
     */
    public int getGrowthTracker() {
        if (!enabled) {
            return 0;
        }
        return started ? growthTracker : initGrowthTracker;
    }

    /**
     * Whether this scaler scales, as {@code is_enabled()}.
     *
     * @return false when constructed disabled (or for CUDA where CUDA is not usable)
     */
    public boolean isEnabled() {
        return enabled;
    }

    /**
     * The scaler's state, as PyTorch's {@code state_dict()}: {@code scale}, {@code growth_factor}, {@code backoff_factor}
     * ({@link Double}), {@code growth_interval}, {@code _growth_tracker} ({@link Integer}), in that order; empty when
     * disabled. Take it after {@link #update}. It prints as PyTorch prints the dict: {@code {'scale': 65536.0,
     * 'growth_factor': 2.0, 'backoff_factor': 0.5, 'growth_interval': 2000, '_growth_tracker': 0}}.
     *
     * @return a new unmodifiable map
     */
    public Map<String, Object> stateDict() {
        Map<String, Object> m = new PythonDict();
        if (enabled) {
            m.put("scale", getScale());
            m.put("growth_factor", growthFactor);
            m.put("backoff_factor", backoffFactor);
            m.put("growth_interval", growthInterval);
            m.put("_growth_tracker", getGrowthTracker());
        }
        return Collections.unmodifiableMap(m);
    }

    /**
     * Loads a {@link #stateDict()}, as PyTorch's {@code load_state_dict} (numbers of any {@link Number} type, as they
     * come back from JSON). Nothing when disabled.
     *
     * @param stateDict the state
     * @throws IllegalArgumentException for null, an empty map (saved from a disabled scaler: PyTorch's message), or a
     *     missing or non-numeric entry (checked before anything changes)
     */
    public void loadStateDict(Map<String, ?> stateDict) {
        if (stateDict == null) {
            throw new IllegalArgumentException("load_state_dict(): argument 'state_dict' (position 1) must be dict, not None");
        }
        if (!enabled) {
            return;
        }
        if (stateDict.isEmpty()) {
            throw new IllegalArgumentException("The source state dict is empty, possibly because it was saved from a "
                    + "disabled instance of GradScaler.");
        }
        double s = number(stateDict, "scale").doubleValue();
        double gf = number(stateDict, "growth_factor").doubleValue();
        double bf = number(stateDict, "backoff_factor").doubleValue();
        int gi = number(stateDict, "growth_interval").intValue();
        int gt = number(stateDict, "_growth_tracker").intValue();
        initScale = s;
        if (started) {
            setScale((float) s);
        }
        growthFactor = gf;
        backoffFactor = bf;
        growthInterval = gi;
        initGrowthTracker = gt;
        if (started) {
            growthTracker = gt;
        }
    }

    @Override
    public String toString() {
        return "GradScaler(device=" + device + ", enabled=" + enabled + ", scale=" + getScale() + ", growth_factor="
                + growthFactor + ", backoff_factor=" + backoffFactor + ", growth_interval=" + growthInterval + ")";
    }

    private static Number number(Map<String, ?> m, String key) {
        Object v = m.get(key);
        if (v instanceof Number) {
            return (Number) v;
        }
        if (v instanceof Tensor && ((Tensor) v).numel() == 1) {
            return ((Tensor) v).item();
        }
        throw new IllegalArgumentException(v == null ? "KeyError: '" + key + "'"
                : "GradScaler state '" + key + "' must be a number, but got " + v.getClass().getSimpleName());
    }

    private static void requireOptimizer(Optimizer optimizer, String method) {
        if (optimizer == null) {
            throw new IllegalArgumentException(method + "(): argument 'optimizer' (position 1) must be Optimizer, not None");
        }
    }

    /** PyTorch's lazy {@code _lazy_init_scale_growth_tracker}. */
    private void start() {
        if (!started) {
            started = true;
            scale = (float) initScale;
            growthTracker = initGrowthTracker;
        }
    }

    /** PyTorch's {@code _check_scale_growth_tracker} (an assert there). */
    private void checkStarted(String funcname) {
        if (!started) {
            throw new IllegalStateException("Attempted " + funcname + " but _scale is None.  This may indicate your "
                    + "script did not use scaler.scale(loss or outputs) earlier in the iteration.");
        }
    }

    private void setScale(float s) {
        scale = s;
        // not closed: a graph not yet differentiated may still hold the old one (MulBackward0 saves it)
        scaleOn.clear();
    }

    private Tensor scaleOn(Device d) {
        Tensor t = scaleOn.get(d);
        if (t == null) {
            t = TensorScope.escape(Tensor.tensor(new float[] {scale}, DType.FLOAT32, d));
            scaleOn.put(d, t);
        }
        return t;
    }

    /** Reads the state's flags (once per device, the only host read of a step) and remembers the answer. */
    private static boolean found(OptState st) {
        if (st.found == null) {
            boolean f = false;
            for (Tensor flag : st.allFinite.values()) {
                f |= flag.item() == 0.0;
            }
            st.found = f;
        }
        return st.found;
    }

    /** A map in insertion order whose {@code toString} is Python's repr of the dict (string keys, numbers as Python's). */
    private static final class PythonDict extends LinkedHashMap<String, Object> {
        private static final long serialVersionUID = 1L;

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder("{");
            for (Map.Entry<String, Object> e : entrySet()) {
                Object v = e.getValue();
                b.append(b.length() > 1 ? ", " : "").append('\'').append(e.getKey()).append("': ")
                        .append(v instanceof Double d ? dev.ember.Format.repr(d) : String.valueOf(v));
            }
            return b.append('}').toString();
        }
    }
}
