package dev.ember.nn.utils;

import dev.ember.Autograd;
import dev.ember.AutogradFunction;
import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.GradMode;
import dev.ember.Tensor;
import dev.ember.TensorScope;
import dev.ember.ThreadOwner;
import dev.ember.nn.Module;
import dev.ember.nn.Safetensors;
import dev.ember.optim.LRScheduler;
import dev.ember.optim.Optimizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Training checkpoints and activation checkpointing.
 *
 * <h2>Training checkpoints</h2>
 * {@link #save} writes, to one safetensors file, everything a run needs to continue as if it had never stopped: the
 * model's {@code stateDict()}, the optimizer's and the scheduler's state dicts, the step reached and the default
 * generator's state (dropout draws from it). {@link #load} restores them into freshly made objects of the same
 * configuration and returns the step, so 10 steps, a save, a load into new objects and 10 more steps give bit-identical
 * numbers to 20 steps on the CPU.
 *
 * <p>The file: tensors {@code model.<key>} (the model's state dict), {@code optimizer.<path>} and
 * {@code scheduler.<path>} (every tensor of those state dicts, named by its path in them, such as
 * {@code optimizer.state.0.exp_avg}) and {@code rng_state} ({@link Generator#getState()}: 16 bytes for a Philox default
 * generator, PyTorch's 5056-byte CPU state under {@link Generator.Algorithm#MT19937}; a file loads under the algorithm
 * it was saved with); and two
 * {@code __metadata__} strings: {@code format} ({@code ember.checkpoint.v1}) and {@code ember.checkpoint}, a JSON object
 * {@code {"step": 10, "optimizer": ..., "scheduler": ...}} holding the rest of the state dicts, each tensor replaced by
 * {@code {"__tensor__": "<its name in the file>"}} (numbers keep their exact value; {@code Infinity} and {@code NaN} as
 * Python's {@code json} writes them).
 *
 * <h2>Activation checkpointing</h2>
 * {@link #checkpoint(Function, Tensor...)} runs a function without keeping its intermediate activations for backward,
 * and runs it again during the backward pass, as {@code torch.utils.checkpoint.checkpoint(fn, *inputs,
 * use_reentrant=True)}: one {@code CheckpointFunctionBackward} node, memory traded for a second forward.
 * {@link #checkpointNonReentrant(Function, Tensor...)} is {@code use_reentrant=False}: the graph recorded as usual, its
 * saved tensors dropped and recomputed when the backward first needs one.
 */
public final class Checkpoint {
    /** The value of the {@code format} metadata entry. */
    public static final String FORMAT = "ember.checkpoint.v1";
    private static final String STATE_KEY = "ember.checkpoint";
    private static final String TENSOR = "__tensor__";
    /** The key of a sparse COO state tensor's entry (SGD's momentum buffer of a sparse gradient). */
    private static final String SPARSE = "__sparse_coo__";
    private static final String RNG = "rng_state";
    private static final System.Logger LOG = System.getLogger("dev.ember");

    private Checkpoint() {
    }

    // ------------------------------------------------------------------ training checkpoints

    /**
     * Saves a training checkpoint (see the class comment). The file is written next to its place and then moved there,
     * so a crash while saving leaves the previous checkpoint intact.
     *
     * @param optimizer the optimizer, or null to save none
     * @param scheduler the learning-rate scheduler, or null to save none
     * @param step      the training step reached (the caller's count)
     * @throws IllegalArgumentException for a null file or model, or a state that cannot be saved
     * @throws IOException              when the file cannot be written
     */
    public static void save(Path file, Module model, Optimizer optimizer, LRScheduler scheduler, long step) throws IOException {
        if (file == null || model == null) {
            throw new IllegalArgumentException((file == null ? "file" : "model") + " must not be null");
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : model.stateDict().entrySet()) {
            tensors.put("model." + e.getKey(), e.getValue());
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("step", step);
        json.put("optimizer", optimizer == null ? null : encode(optimizer.stateDict(), "optimizer", tensors));
        json.put("scheduler", scheduler == null ? null : encode(scheduler.stateDict(), "scheduler", tensors));
        tensors.put(RNG, Ember.defaultGenerator().getState());
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", FORMAT);
        metadata.put(STATE_KEY, MetadataJson.write(json));
        Path absolute = file.toAbsolutePath();
        Path tmp = absolute.resolveSibling(absolute.getFileName() + ".tmp");
        Safetensors.save(tensors, metadata, tmp);
        Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The tree with each tensor moved into {@code tensors} under its path and replaced by a reference to it. */
    private static Object encode(Object v, String path, Map<String, Tensor> tensors) {
        if (v instanceof Tensor) {
            if (tensors.containsKey(path)) {
                throw new IllegalArgumentException("two state tensors would be saved as " + path);
            }
            tensors.put(path, (Tensor) v);
            Map<String, Object> ref = new LinkedHashMap<>();
            ref.put(TENSOR, path);
            return ref;
        }
        if (v instanceof dev.ember.sparse.SparseTensor sp) { // its indices and values, and its size
            Map<String, Object> parts = new LinkedHashMap<>();
            parts.put("indices", encode(sp._indices(), path + ".indices", tensors));
            parts.put("values", encode(sp._values(), path + ".values", tensors));
            List<Object> size = new ArrayList<>();
            for (int d : sp.shape()) {
                size.add((long) d);
            }
            parts.put("size", size);
            parts.put("coalesced", sp.isCoalesced()); // PyTorch 2.x's torch.save keeps is_coalesced too
            Map<String, Object> ref = new LinkedHashMap<>();
            ref.put(SPARSE, parts);
            return ref;
        }
        if (v instanceof Map) {
            Map<Object, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                out.put(e.getKey(), encode(e.getValue(), path + "." + e.getKey(), tensors));
            }
            return out;
        }
        if (v instanceof List) {
            List<Object> out = new ArrayList<>();
            List<?> l = (List<?>) v;
            for (int i = 0; i < l.size(); i++) {
                out.add(encode(l.get(i), path + "." + i, tensors));
            }
            return out;
        }
        return v;
    }

    /** The tree with each tensor reference resolved (and taken from {@code tensors}). */
    private static Object decode(Object v, Map<String, Tensor> tensors, Path file) throws IOException {
        if (v instanceof Map) {
            Map<?, ?> m = (Map<?, ?>) v;
            if (m.size() == 1 && m.containsKey(TENSOR)) {
                Object name = m.get(TENSOR);
                Tensor t = name instanceof String ? tensors.remove(name) : null;
                if (t == null) {
                    throw new IOException(file + ": the checkpoint's state refers to a tensor " + name
                            + " the file does not hold (or refers to it twice)");
                }
                return t;
            }
            if (m.size() == 1 && m.get(SPARSE) instanceof Map<?, ?> parts) {
                Object i = decode(parts.get("indices"), tensors, file);
                Object vals = decode(parts.get("values"), tensors, file);
                if (!(i instanceof Tensor) || !(vals instanceof Tensor) || !(parts.get("size") instanceof List<?> size)) {
                    throw new IOException(file + ": a sparse state tensor of the checkpoint lacks its indices, values or "
                            + "size");
                }
                int[] dims = new int[size.size()];
                for (int k = 0; k < dims.length; k++) {
                    if (!(size.get(k) instanceof Number n)) {
                        throw new IOException(file + ": a sparse state tensor's size holds " + size.get(k));
                    }
                    dims[k] = n.intValue();
                }
                try {
                    // the flag as saved (a checkpoint written before it was kept has none: uncoalesced, as then)
                    Object flag = parts.get("coalesced");
                    return dev.ember.sparse.Sparse.cooTensor((Tensor) i, (Tensor) vals, dims,
                            flag instanceof Boolean b ? b : null);
                } catch (IllegalArgumentException ex) {
                    throw new IOException(file + ": a sparse state tensor of the checkpoint is invalid: "
                            + ex.getMessage(), ex);
                }
            }
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                out.put((String) e.getKey(), decode(e.getValue(), tensors, file));
            }
            return out;
        }
        if (v instanceof List) {
            List<Object> out = new ArrayList<>();
            for (Object o : (List<?>) v) {
                out.add(decode(o, tensors, file));
            }
            return out;
        }
        return v;
    }

    /**
     * Loads a checkpoint from {@link #save} into a model, optimizer and scheduler made as the saved ones were (same
     * architecture, parameter groups and scheduler kind), and the default generator's state; returns the saved step.
     * The file is read and checked before anything changes; then the optimizer, the scheduler, the model and the
     * generator are loaded, each checking its state first, and if one of them refuses its state the ones already loaded
     * are put back as they were, so a failed load changes nothing.
     *
     * @param optimizer the optimizer to restore, or null to skip the saved one
     * @param scheduler the scheduler to restore, or null to skip the saved one
     * @return the step given to {@link #save}
     * @throws IOException              when the file cannot be read, is no valid safetensors file or no Ember checkpoint
     *                                  (a missing or malformed entry), or lacks the optimizer or scheduler asked for
     * @throws IllegalArgumentException for a null file or model, or a state the model, optimizer or scheduler refuses
     *                                  (another architecture, another number of groups, ...)
     */
    public static long load(Path file, Module model, Optimizer optimizer, LRScheduler scheduler) throws IOException {
        if (file == null || model == null) {
            throw new IllegalArgumentException((file == null ? "file" : "model") + " must not be null");
        }
        Map<String, String> metadata = Safetensors.loadMetadata(file);
        if (!FORMAT.equals(metadata.get("format")) || !metadata.containsKey(STATE_KEY)) {
            throw new IOException(file + ": not an Ember checkpoint (its metadata has no format " + FORMAT + ")");
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>(Safetensors.load(file));
        Object parsed;
        try {
            parsed = MetadataJson.read(metadata.get(STATE_KEY));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
        if (!(parsed instanceof Map) || !(((Map<?, ?>) parsed).get("step") instanceof Long)) {
            throw new IOException(file + ": the checkpoint's state must be an object with an integer step");
        }
        Map<?, ?> json = (Map<?, ?>) parsed;
        long step = (Long) json.get("step");
        Object optimizerState = decode(json.get("optimizer"), tensors, file);
        Object schedulerState = decode(json.get("scheduler"), tensors, file);
        Tensor rng = tensors.remove(RNG);
        if (rng == null) {
            throw new IOException(file + ": the checkpoint has no " + RNG);
        }
        // the default generator's state in its own size: 16 bytes for Philox, PyTorch's CPU state (5056) for MT19937
        long stateBytes = Ember.defaultGenerator().getState().numel();
        if (rng.dtype() != dev.ember.DType.UINT8 || rng.numel() != stateBytes) {
            throw new IOException(file + ": " + RNG + " is not a generator's state (" + stateBytes + " bytes)");
        }
        // its contents too (an MT19937 state of all zeros, say), on a scratch generator: refused here, before anything
        // changes, rather than by the default generator after the model is loaded
        try {
            new Generator(0, Ember.defaultGenerator().algorithm()).setState(rng);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + RNG + " is not a valid generator state: " + e.getMessage(), e);
        }
        Map<String, Tensor> modelState = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            if (!e.getKey().startsWith("model.")) {
                throw new IOException(file + ": the checkpoint holds a tensor " + e.getKey() + " that belongs to nothing");
            }
            modelState.put(e.getKey().substring("model.".length()), e.getValue());
        }
        if (optimizer != null && !(optimizerState instanceof Map)) {
            throw new IOException(file + ": the checkpoint has no optimizer state");
        }
        if (scheduler != null && !(schedulerState instanceof Map)) {
            throw new IOException(file + ": the checkpoint has no scheduler state");
        }
        // the objects' current state, to put back if a later one refuses its state
        Map<String, Object> optimizerBefore = optimizer == null ? null : optimizer.stateDict();
        Map<String, Object> schedulerBefore = scheduler == null ? null : scheduler.stateDict();
        Generator generator = Ember.defaultGenerator();
        try {
            if (optimizer != null) {
                @SuppressWarnings("unchecked")
                Map<String, ?> s = (Map<String, ?>) optimizerState;
                optimizer.loadStateDict(s);
            }
            if (scheduler != null) {
                @SuppressWarnings("unchecked")
                Map<String, ?> s = (Map<String, ?>) schedulerState;
                scheduler.loadStateDict(s);
            }
            model.loadStateDict(modelState);
            generator.setState(rng);
        } catch (RuntimeException e) {
            if (optimizer != null) {
                optimizer.loadStateDict(optimizerBefore);
            }
            if (scheduler != null) {
                scheduler.loadStateDict(schedulerBefore);
            }
            throw e;
        }
        return step;
    }

    // ------------------------------------------------------------------ activation checkpointing

    /**
     * {@link #checkpoint(Function, boolean, Tensor...)} preserving the random state.
     */
    public static Tensor checkpoint(Function<Tensor[], Tensor> fn, Tensor... inputs) {
        return checkpoint(fn, true, inputs);
    }

    /** A module's forward pass, checkpointed ({@link #checkpoint(Function, Tensor...)} of {@code module.apply(input)}). */
    public static Tensor checkpoint(Module module, Tensor input) {
        if (module == null) {
            throw new IllegalArgumentException("checkpoint(): module must not be null");
        }
        return checkpoint(in -> module.apply(in[0]), true, input);
    }

    /**
     * Runs {@code fn(inputs)} without keeping its intermediate activations: the forward runs with grad mode off, the
     * tensors {@code fn} makes and does not return are closed as soon as it returns (so their memory is free at once),
     * and the backward pass runs {@code fn} again with gradients on and backpropagates through that, as PyTorch's
     * reentrant {@code torch.utils.checkpoint.checkpoint}: the output's node is {@code CheckpointFunctionBackward};
     * parameters {@code fn} uses get their gradients during that inner backward pass, and the inputs theirs from it.
     * With {@code preserveRngState} the default generator's state at the forward call is restored for the
     * recomputation (so dropout draws the same masks) and put back afterwards, as {@code preserve_rng_state=True}.
     *
     * <p>As in PyTorch: gradients reach {@code fn}'s parameters only when an input requires grad (else there is no
     * node); {@code fn} must compute the same thing both times (no hidden state changing between the calls); the
     * recomputation is not differentiable again; and it does not combine with {@code Autograd.grad} (the inner pass
     * accumulates into the parameters' {@code grad}), which PyTorch refuses and Ember does not detect. A tensor
     * {@code fn} makes, keeps elsewhere and does not return is closed too.
     *
     * @throws IllegalArgumentException for a null function or null inputs array
     */
    public static Tensor checkpoint(Function<Tensor[], Tensor> fn, boolean preserveRngState, Tensor... inputs) {
        if (fn == null) {
            throw new IllegalArgumentException("checkpoint(): function must not be null");
        }
        Tensor[] outs = checkpointAll(in -> new Tensor[] {fn.apply(in)}, preserveRngState, inputs);
        return outs[0];
    }

    /**
     * {@link #checkpoint(Function, boolean, Tensor...)} of a function with several outputs (one node for all of them).
     *
     * @throws IllegalArgumentException for a null function or null inputs array
     */
    public static Tensor[] checkpointAll(Function<Tensor[], Tensor[]> fn, boolean preserveRngState, Tensor... inputs) {
        if (fn == null) {
            throw new IllegalArgumentException("checkpoint(): function must not be null");
        }
        if (inputs == null) {
            throw new IllegalArgumentException("checkpoint(): inputs must not be null");
        }
        boolean any = false;
        for (Tensor t : inputs) {
            any |= t != null && t.requiresGrad();
        }
        if (!any && Ember.isGradEnabled()) {
            LOG.log(System.Logger.Level.WARNING, "None of the inputs have requires_grad=True. Gradients will be None");
        }
        return new CheckpointFunction(fn, preserveRngState).applyAll(inputs);
    }

    /**
     * {@link #checkpointNonReentrant(Function, boolean, Tensor...)} preserving the random state.
     *
     * @throws IllegalArgumentException for a null function or null inputs array
     */
    public static Tensor checkpointNonReentrant(Function<Tensor[], Tensor> fn, Tensor... inputs) {
        return checkpointNonReentrant(fn, true, inputs);
    }

    /**
     * Runs {@code fn(inputs)} keeping none of the tensors its operations save for the backward pass, and recomputes them
     * when the backward pass first needs one, as PyTorch's {@code torch.utils.checkpoint.checkpoint(fn, *inputs,
     * use_reentrant=False)} (the form PyTorch 2.x recommends). Unlike the reentrant {@link #checkpoint}, the forward
     * records its graph as usual, so the output's node is that of {@code fn}'s last operation, parameters get their
     * gradients whether or not an input requires grad, and {@code Autograd.grad} works through it. The saved tensors
     * go through {@link dev.ember.SavedTensorsHooks}: each is replaced by a handle when saved; the first unpack reruns
     * {@code fn} with grad mode on (the default generator's state at the call restored for it when
     * {@code preserveRngState}, so dropout draws the same masks, and put back after) and hands each node the tensor
     * the rerun saved in its place. The rerun stops as soon as it has saved as many tensors as the forward did (2.x's
     * early stop; {@link #setCheckpointEarlyStop} turns it off, and then saving more is refused); saving fewer is
     * PyTorch's {@code CheckpointError} message ({@link IllegalStateException}). What is freed is the saved tensors; the
     * intermediate results themselves are released when nothing else holds them.
     *
     * @throws IllegalArgumentException for a null function or null inputs array
     */
    public static Tensor checkpointNonReentrant(Function<Tensor[], Tensor> fn, boolean preserveRngState, Tensor... inputs) {
        return checkpointNonReentrant(fn, preserveRngState, "default", inputs);
    }

    /**
     * {@link #checkpointNonReentrant(Function, boolean, Tensor...)} with PyTorch 2.1's {@code determinism_check}:
     * "default" (what the other overloads use) compares the shape, type and device of every tensor the rerun saves with
     * those of the tensor saved at the same position in the forward, and refuses a difference with PyTorch's
     * {@code CheckpointError} message ({@link IllegalStateException}; "torch.utils.checkpoint: Recomputed values for
     * the following tensors have different metadata than during the forward pass." and, for each, "tensor at position
     * i:", its "saved metadata" and "recomputed metadata" as Python dicts); "none" does not compare.
     *
     * @throws IllegalArgumentException for a null function, inputs array or check, or a check other than the two
     *     (PyTorch's message)
     */
    public static Tensor checkpointNonReentrant(Function<Tensor[], Tensor> fn, boolean preserveRngState,
                                                String determinismCheck, Tensor... inputs) {
        return checkpointNonReentrant(fn, preserveRngState, determinismCheck, CheckpointContexts::noop, inputs);
    }

    /**
     * {@link #checkpointNonReentrant(Function, boolean, String, Tensor...)} with PyTorch 2.1's {@code context_fn}: called
     * once per call, it gives the two contexts the forward and the recomputation run under
     * ({@link SelectiveCheckpoint#createSelectiveCheckpointContexts} for selective checkpointing). The recomputation
     * stops as soon as it has saved as many tensors as the forward did, unless {@link #setCheckpointEarlyStop} turned
     * that off around the call (2.x's {@code early_stop}, default true).
     *
     * @throws IllegalArgumentException for a null function, inputs array, check or context function, or a check other
     *     than "default" and "none" (PyTorch's message)
     * @throws IllegalStateException when the context function returns null
     */
    public static Tensor checkpointNonReentrant(Function<Tensor[], Tensor> fn, boolean preserveRngState,
                                                String determinismCheck, Supplier<CheckpointContexts> contextFn,
                                                Tensor... inputs) {
        if (contextFn == null) {
            throw new IllegalArgumentException("checkpoint(): context_fn must not be null");
        }
        if (fn == null) {
            throw new IllegalArgumentException("checkpoint(): function must not be null");
        }
        if (inputs == null) {
            throw new IllegalArgumentException("checkpoint(): inputs must not be null");
        }
        if (!"default".equals(determinismCheck) && !"none".equals(determinismCheck)) {
            throw new IllegalArgumentException("determinism_check should be one of ['default', 'none'], but got "
                    + determinismCheck);
        }
        CheckpointContexts contexts = contextFn.get();
        if (contexts == null) {
            throw new IllegalStateException("checkpoint(): context_fn returned null");
        }
        Boolean stop = EARLY_STOP.get();
        return new Frame(fn, inputs, preserveRngState, determinismCheck.equals("default"), contexts,
                stop == null || stop).forward();
    }

    /**
     * PyTorch 2.x's {@code torch.utils.checkpoint.checkpoint(fn, *inputs, use_reentrant=..., context_fn=...)}: with
     * {@code useReentrant} the reentrant {@link #checkpoint(Function, boolean, Tensor...)}, which takes no
     * {@code context_fn} (refused with PyTorch's message unless {@code contextFn} is null); otherwise
     * {@link #checkpointNonReentrant(Function, boolean, String, Supplier, Tensor...)} (a null {@code contextFn} standing
     * for {@code noop_context_fn}). The random state is preserved.
     *
     * @throws IllegalArgumentException for a context function with {@code useReentrant}, or a null function or inputs
     */
    public static Tensor checkpoint(Function<Tensor[], Tensor> fn, boolean useReentrant,
                                    Supplier<CheckpointContexts> contextFn, Tensor... inputs) {
        if (useReentrant) {
            if (contextFn != null) {
                throw new IllegalArgumentException("Passing `context_fn` or `debug` is only supported when "
                        + "use_reentrant=False.");
            }
            return checkpoint(fn, true, inputs);
        }
        return checkpointNonReentrant(fn, true, "default", contextFn == null ? CheckpointContexts::noop : contextFn,
                inputs);
    }

    private static final ThreadLocal<Boolean> EARLY_STOP = new ThreadLocal<>();

    /**
     * Sets, on this thread until the returned scope closes, whether a non-reentrant checkpoint made inside stops its
     * recomputation once it has every tensor the backward needs, as {@code torch.utils.checkpoint.set_checkpoint_early_stop}
     * (2.x; without it, true). Stopping early skips the rest of the function (its side effects too); without it the
     * whole function runs again, and saving more tensors than the forward did is PyTorch's error.
     *
     * @param enable whether recomputation stops early
     * @return the scope; closing it restores the setting it found
     */
    public static CheckpointContexts.Scope setCheckpointEarlyStop(boolean enable) {
        Boolean previous = EARLY_STOP.get();
        Thread owner = Thread.currentThread();
        EARLY_STOP.set(enable);
        boolean[] closed = {false};
        return () -> {
            if (!closed[0]) {
                ThreadOwner.check(owner, "A set_checkpoint_early_stop scope");
                closed[0] = true;
                if (previous == null) {
                    EARLY_STOP.remove();
                } else {
                    EARLY_STOP.set(previous);
                }
            }
        };
    }

    /** Thrown by the recomputation's pack hook once it has every tensor (2.x's {@code _StopRecomputationError}). */
    private static final class StopRecomputation extends RuntimeException {
        private static final long serialVersionUID = 1L;

        StopRecomputation() {
            super(null, null, false, false);
        }
    }

    /**
     * {@code torch.utils.checkpoint.checkpoint_sequential(functions, segments, input, use_reentrant)}: the modules
     * (a {@code Sequential}'s children, or a list) cut into {@code segments} runs of {@code size() / segments} modules,
     * each run but the last checkpointed ({@link #checkpoint} or, {@code useReentrant} false,
     * {@link #checkpointNonReentrant}), the last one, with the modules left over, run plainly, as PyTorch's, the random
     * state preserved.
     *
     * @throws IllegalArgumentException for null arguments, or segments below 1 or above the number of modules (PyTorch
     *                                  fails there with Python's {@code range() arg 3 must not be zero})
     */
    public static Tensor checkpointSequential(Module functions, int segments, Tensor input, boolean useReentrant) {
        if (functions == null) {
            throw new IllegalArgumentException("checkpoint_sequential(): functions must not be null");
        }
        return checkpointSequential(functions instanceof dev.ember.nn.Sequential ? functions.children()
                : List.of(functions), segments, input, useReentrant);
    }

    /** {@link #checkpointSequential(Module, int, Tensor, boolean)} of a list of modules. */
    public static Tensor checkpointSequential(List<? extends Module> functions, int segments, Tensor input,
                                              boolean useReentrant) {
        if (functions == null || input == null) {
            throw new IllegalArgumentException("checkpoint_sequential(): " + (functions == null ? "functions" : "input")
                    + " must not be null");
        }
        List<Module> fs = new ArrayList<>(functions);
        if (segments < 1 || segments > fs.size()) {
            throw new IllegalArgumentException("checkpoint_sequential(): segments must be between 1 and the number of "
                    + "modules (" + fs.size() + "), got " + segments);
        }
        int size = fs.size() / segments;
        Tensor x = input;
        int end = -1;
        for (int start = 0; start < size * (segments - 1); start += size) {
            end = start + size - 1;
            Function<Tensor[], Tensor> run = runOf(fs, start, end);
            x = useReentrant ? checkpoint(run, true, x) : checkpointNonReentrant(run, true, x);
        }
        return runOf(fs, end + 1, fs.size() - 1).apply(new Tensor[] {x});
    }

    /** The modules {@code start..end} applied one after the other. */
    private static Function<Tensor[], Tensor> runOf(List<Module> fs, int start, int end) {
        return in -> {
            Tensor y = in[0];
            for (int j = start; j <= end; j++) {
                y = fs.get(j).apply(y);
            }
            return y;
        };
    }

    /** A saved tensor's place in its frame: the index in the order the forward saved them. */
    private record Handle(Frame frame, int index) {
    }

    /** One non-reentrant checkpointed call: its function, inputs, random state, and the tensors its rerun saved. */
    private static final class Frame {
        private final Function<Tensor[], Tensor> fn;
        private final Tensor[] inputs;
        private final Tensor rngState;
        /** The metadata of each tensor the forward saved, in order (null without the determinism check). */
        private final List<String> metadata;
        private int saved;
        private List<Tensor> recomputed;
        private final CheckpointContexts contexts;
        private final boolean earlyStop;

        Frame(Function<Tensor[], Tensor> fn, Tensor[] inputs, boolean preserveRngState, boolean check,
              CheckpointContexts contexts, boolean earlyStop) {
            this.contexts = contexts;
            this.earlyStop = earlyStop;
            this.fn = fn;
            this.inputs = inputs.clone();
            this.rngState = preserveRngState ? TensorScope.escape(Ember.defaultGenerator().getState()) : null;
            this.metadata = check ? new ArrayList<>() : null;
        }

        /** PyTorch's {@code _default_meta_extractor}, as its dict prints. */
        private static String metadata(Tensor t) {
            dev.ember.Device d = t.device();
            return "{'shape': " + dev.ember.Format.size(t.shape()) + ", 'dtype': " + t.dtype() + ", 'device': device(type='"
                    + d.type() + "'" + (d.index() >= 0 ? ", index=" + d.index() : "") + ")}";
        }

        Tensor forward() {
            try (var hooks = Autograd.savedTensorsHooks((Tensor t) -> {
                if (metadata != null) {
                    metadata.add(metadata(t));
                }
                return new Handle(this, saved++);
            },
                    (Handle h) -> h.frame().unpack(h.index())); CheckpointContexts.Scope ctx = open(contexts.forward())) {
                Tensor out = fn.apply(inputs.clone());
                if (out == null) {
                    throw new IllegalStateException("checkpoint(): the function returned null");
                }
                return out;
            }
        }

        /** Opens one of the context function's contexts (refusing an opener that gives null). */
        private static CheckpointContexts.Scope open(Supplier<? extends CheckpointContexts.Scope> opener) {
            CheckpointContexts.Scope scope = opener.get();
            if (scope == null) {
                throw new IllegalStateException("checkpoint(): a context of context_fn opened as null");
            }
            return scope;
        }

        private Tensor unpack(int index) {
            if (recomputed == null) {
                recomputed = recompute();
            }
            return recomputed.get(index);
        }

        private List<Tensor> recompute() {
            List<Tensor> got = new ArrayList<>();
            Generator generator = Ember.defaultGenerator();
            Tensor before = rngState != null ? generator.getState() : null;
            try {
                if (rngState != null) {
                    generator.setState(rngState);
                }
                try (var hooks = Autograd.savedTensorsHooks((Tensor t) -> {
                    if (got.size() >= saved) {
                        throw new IllegalStateException("torch.utils.checkpoint: trying to save more tensors during "
                                + "recomputation than during the original forward pass.");
                    }
                    // out of the backward's scopes: the nodes that read them later run after this one's closes
                    got.add(TensorScope.escape(t.detach()));
                    if (earlyStop && got.size() == saved) {
                        throw new StopRecomputation();
                    }
                    return got.size() - 1;
                }, (Integer i) -> got.get(i)); GradMode on = Ember.enableGrad();
                     CheckpointContexts.Scope ctx = open(contexts.recompute())) {
                    fn.apply(inputs.clone());
                } catch (StopRecomputation stop) {
                    // every tensor the backward needs is there (2.x's early stop)
                }
            } finally {
                if (rngState != null) {
                    generator.setState(before);
                }
            }
            if (got.size() != saved) {
                throw new IllegalStateException("torch.utils.checkpoint: A different number of tensors was saved during "
                        + "the original forward and recomputation.\nNumber of tensors saved during forward: " + saved
                        + "\nNumber of tensors saved during recomputation: " + got.size() + ".");
            }
            if (metadata != null) {
                // PyTorch 2.1's determinism_check="default" (check_recomputed_tensors_match)
                StringBuilder mismatched = new StringBuilder();
                for (int i = 0; i < saved; i++) {
                    String again = metadata(got.get(i));
                    if (!metadata.get(i).equals(again)) {
                        mismatched.append("tensor at position ").append(i).append(":\nsaved metadata: ")
                                .append(metadata.get(i)).append("\nrecomputed metadata: ").append(again).append('\n');
                    }
                }
                if (mismatched.length() > 0) {
                    throw new IllegalStateException("torch.utils.checkpoint: Recomputed values for the following tensors "
                            + "have different metadata than during the forward pass.\n" + mismatched);
                }
            }
            return got;
        }
    }

    /** PyTorch's {@code CheckpointFunction}: its node is {@code CheckpointFunctionBackward}. */
    private static final class CheckpointFunction extends AutogradFunction {
        private final Function<Tensor[], Tensor[]> fn;
        private final boolean preserveRngState;
        private Tensor forwardRngState;

        CheckpointFunction(Function<Tensor[], Tensor[]> fn, boolean preserveRngState) {
            this.fn = fn;
            this.preserveRngState = preserveRngState;
        }

        @Override
        protected boolean onceDifferentiable() {
            return true;
        }

        @Override
        protected Tensor[] forward(Context ctx, Tensor... inputs) {
            if (preserveRngState) {
                forwardRngState = TensorScope.escape(Ember.defaultGenerator().getState());
            }
            ctx.saveForBackward(inputs);
            try (TensorScope scope = Ember.scope()) {
                Tensor[] outs = fn.apply(inputs.clone());
                checkOutputs(outs);
                for (Tensor o : outs) {
                    scope.keep(o);
                }
                return outs;
            }
        }

        private static void checkOutputs(Tensor[] outs) {
            if (outs == null || outs.length == 0) {
                throw new IllegalStateException("checkpoint(): the function must return at least one tensor");
            }
            for (int i = 0; i < outs.length; i++) {
                if (outs[i] == null) {
                    throw new IllegalStateException("checkpoint(): the function returned null as output " + i);
                }
            }
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor... gradOutputs) {
            Tensor[] saved = ctx.savedTensors();
            Tensor[] detached = new Tensor[saved.length];
            for (int i = 0; i < saved.length; i++) {
                if (saved[i] != null) {
                    detached[i] = saved[i].detach();
                    if (saved[i].requiresGrad()) {
                        detached[i].setRequiresGrad(true);
                    }
                }
            }
            Generator generator = Ember.defaultGenerator();
            Tensor before = preserveRngState ? generator.getState() : null;
            try {
                if (preserveRngState) {
                    generator.setState(forwardRngState);
                }
                try (TensorScope scope = Ember.scope(); GradMode on = Ember.enableGrad()) {
                    Tensor[] outs = fn.apply(detached.clone());
                    checkOutputs(outs);
                    if (outs.length != gradOutputs.length) {
                        throw new IllegalStateException("checkpoint(): the function returned " + outs.length
                                + " outputs when recomputed, " + gradOutputs.length + " the first time");
                    }
                    List<Tensor> withGrad = new ArrayList<>();
                    List<Tensor> grads = new ArrayList<>();
                    for (int i = 0; i < outs.length; i++) {
                        if (outs[i].requiresGrad()) {
                            withGrad.add(outs[i]);
                            grads.add(gradOutputs[i]);
                        }
                    }
                    if (withGrad.isEmpty()) {
                        throw new IllegalStateException("none of output has requires_grad=True, this checkpoint() is not "
                                + "necessary");
                    }
                    Autograd.backward(withGrad, grads, false, false);
                }
            } finally {
                if (preserveRngState) {
                    generator.setState(before);
                }
            }
            Tensor[] result = new Tensor[saved.length];
            for (int i = 0; i < saved.length; i++) {
                result[i] = detached[i] == null ? null : detached[i].grad();
            }
            return result;
        }
    }
}
