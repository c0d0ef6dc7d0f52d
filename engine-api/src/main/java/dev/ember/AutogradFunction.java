package dev.ember;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A custom autograd operation, as PyTorch's {@code torch.autograd.Function}: subclass it, compute the result in
 * {@link #forward} and its vector-Jacobian product in {@link #backward}, and call {@link #apply} (one output) or
 * {@link #applyAll} (several). (Named so as not to clash with {@code java.util.function.Function}.)
 *
 * <pre>{@code
 * class Exp extends AutogradFunction {
 *     protected Tensor[] forward(Context ctx, Tensor... x) {
 *         Tensor y = x[0].exp();
 *         ctx.saveForBackward(y);
 *         return new Tensor[] {y};
 *     }
 *
 *     protected Tensor[] backward(Context ctx, Tensor... g) {
 *         return new Tensor[] {g[0].mul(ctx.savedTensors()[0])};
 *     }
 * }
 * Tensor y = new Exp().apply(x);   // y.gradFn().name() is "ExpBackward"
 * }</pre>
 *
 * <p>As in PyTorch: {@code forward} runs with grad mode off; the outputs of one call share one node named
 * {@code <ClassName>Backward} (an anonymous class is named by its binary name), recorded when grad mode is on and an
 * input requires grad; {@code backward} runs once per backward pass with the gradient of every output (zeros where
 * none flowed, and for non-differentiable outputs; null instead after {@link Context#setMaterializeGrads
 * ctx.setMaterializeGrads(false)}) and returns one gradient per input (null where none), which the
 * engine checks (count, shape) and sums to the input's shape; it is itself recorded when the backward pass creates a
 * graph, unless the function is {@linkplain #onceDifferentiable() once differentiable}. An input returned unchanged comes
 * back as a new view of it; an input modified in place must be {@linkplain Context#markDirty marked dirty} and returned,
 * and then carries the function's history (marking it dirty counts one more version, as PyTorch's). When nothing is
 * recorded (grad mode off, or no input requires grad) an input given back comes back as a detached alias of it where it
 * requires grad, modified or not, as PyTorch's {@code _wrap_outputs}; so does one marked non-differentiable that
 * requires grad. One that does not require grad comes back as a view of it, or as itself where it was marked dirty
 * (PyTorch 2.x returns a modified input as is; 1.13 gave a view). Saved tensors are checked for in-place changes as every saved tensor is.
 *
 * <p>Under the function transforms ({@link Func}: vmap, grad, vjp, jvp, jacrev, jacfwd, hessian, linearize), as in 2.x,
 * only the {@link SetupContextFunction} form runs: {@link #apply} of a function whose {@code forward} takes the context
 * is refused there, before it runs, with 2.x's message ({@code In order to use an autograd.Function with functorch
 * transforms (vmap, grad, jvp, jacrev, ...), it must override the setup_context staticmethod. ...}); outside them both
 * forms run ({@link AutogradFunctional}'s {@code torch.autograd.functional} is no transform). Ember's reentrant
 * checkpoint and full backward hooks are functions of this form, as 2.x's {@code CheckpointFunction} and
 * {@code BackwardHookFunction} are, and so are refused there too.
 *
 * <p>Not supported: marking dirty a view while recording (PyTorch rebases its base through {@code CopySlices}; clone the
 * view first).
 */
public abstract class AutogradFunction {

    /** A function; subclasses hold their non-tensor parameters in fields or in the {@link Context}. */
    protected AutogradFunction() {
    }

    /** 2.x's refusal of a context-taking forward under a function transform ({@code Function.apply}). */
    static final String FUNCTORCH_NEEDS_SETUP_CONTEXT = "In order to use an autograd.Function with functorch transforms "
            + "(vmap, grad, jvp, jacrev, ...), it must override the setup_context staticmethod. For more details, please "
            + "see https://pytorch.org/docs/main/notes/extending.func.html";

    /**
     * The forward computation on {@code inputs} (null entries stand for absent tensors), run with grad mode off.
     *
     * @return the outputs, at least one
     */
    protected abstract Tensor[] forward(Context ctx, Tensor... inputs);

    /**
     * The gradients of the inputs given the gradients of the outputs (one per output of {@link #forward}, in order):
     * one per input, null for an input that needs none (see {@link Context#needsInputGrad(int)}). Extra trailing nulls
     * are allowed.
     */
    protected abstract Tensor[] backward(Context ctx, Tensor... gradOutputs);

    /**
     * Whether {@link #backward} is not itself differentiable, as PyTorch's {@code @once_differentiable}: it then runs
     * with grad mode off, and differentiating its result again is an error.
     */
    protected boolean onceDifferentiable() {
        return false;
    }

    /** The name of the node this function records: {@code <ClassName>Backward}. */
    public String nodeName() {
        String simple = getClass().getSimpleName();
        if (simple.isEmpty()) {
            String binary = getClass().getName();
            simple = binary.substring(binary.lastIndexOf('.') + 1);
        }
        return simple + "Backward";
    }

    /**
     * Applies a function of one output.
     *
     * @throws IllegalStateException when {@link #forward} returns more than one output (use {@link #applyAll})
     */
    public final Tensor apply(Tensor... inputs) {
        Tensor[] outs = applyAll(inputs);
        if (outs.length != 1) {
            throw new IllegalStateException(getClass().getSimpleName() + ".forward returned " + outs.length
                    + " outputs; use applyAll");
        }
        return outs[0];
    }

    /** Applies the function: runs {@link #forward} and records one node for its outputs. */
    public final Tensor[] applyAll(Tensor... inputs) {
        Args.require(inputs, "apply", "inputs", 1, "tuple of Tensors");
        if (!(this instanceof SetupContextFunction) && Func.transforming()) {
            // 2.x's Function.apply: only the setup_context form runs under a functorch transform
            throw new IllegalStateException(FUNCTORCH_NEEDS_SETUP_CONTEXT);
        }
        Tensor[] ins = inputs.clone();
        Context ctx = new Context(ins);
        Tensor[] raw;
        try (GradMode off = Ember.noGrad()) {
            raw = forward(ctx, ins);
        }
        ctx.inForward = false;
        ctx.toSaveForForward = null; // no jvp reads them (see Context.saveForForward)
        if (raw == null || raw.length == 0) {
            throw new IllegalStateException(getClass().getSimpleName() + ".forward must return at least one tensor");
        }
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == null) {
                throw new IllegalStateException(getClass().getSimpleName() + ".forward returned null as output " + i);
            }
        }
        // PyTorch's _mark_dirty: the tensors marked dirty get one more version, besides the one their in-place change
        // counted, so a node that saved one before sees it at version 2
        for (Tensor d : ctx.dirty) {
            d.bumpVersion();
        }
        Set<Tensor> inputSet = identitySet(ins);
        Set<Tensor> outputSet = identitySet(raw);
        for (Tensor d : ctx.dirty) {
            if (!outputSet.contains(d)) {
                throw new IllegalStateException("Some elements marked as dirty during the forward method were not returned as "
                        + "output. The inputs that are modified inplace must all be outputs of the Function.");
            }
        }
        boolean records = ArithmeticOps.needsGrad(ins);
        Tensor[] outs = new Tensor[raw.length];
        boolean[] differentiable = new boolean[raw.length];
        for (int i = 0; i < raw.length; i++) {
            Tensor o = raw[i];
            boolean dirty = ctx.dirty.contains(o);
            // floating and complex outputs carry the history (PyTorch's isDifferentiableType), integer and bool ones not
            differentiable[i] = records && (o.dtype.isFloatingPoint() || o.dtype.isComplex())
                    && !ctx.nonDifferentiable.contains(o);
            if (!differentiable[i] && inputSet.contains(o) && o.requiresGrad()) {
                // PyTorch's _wrap_outputs (set_history): an input returned as an output that carries no history (grad
                // mode off, or marked non-differentiable) and requires grad comes back as a detached alias of it,
                // modified in place or not, so the input keeps its own requires_grad and history
                outs[i] = o.detach();
            } else if (dirty) {
                // a modified input that does not require grad comes back as itself when nothing is recorded, as PyTorch
                // 2.x's set_history (is_input && !is_modified takes the view; pytorch PR 91214, in 2.0: 1.13 gave a view)
                if (differentiable[i]) {
                    if (o.isLeaf() && o.requiresGrad) {
                        throw new IllegalStateException("a leaf Variable that requires grad has been used in an in-place "
                                + "operation.");
                    }
                    if (o.differentiableView) {
                        throw new IllegalStateException(nodeName() + ": an input marked dirty is a view; Ember does not "
                                + "rebase a view's base through a custom function (PyTorch's CopySlices): clone it first");
                    }
                    o.setGrad(null); // PyTorch's _process_backward_mode_ad: a modified input's .grad is reset
                }
                outs[i] = o;
            } else if (inputSet.contains(o)) {
                // an input returned unchanged is a new view of it (PyTorch's view_as(self)), the function's output
                Tensor v = ViewOps.makeView(o, o.shape, o.layout.strides(), o.layout.offset());
                v.noGradView = false;
                outs[i] = v;
            } else {
                outs[i] = o;
            }
        }
        if (!records) {
            return outs;
        }
        // the node has one output per output of forward, as PyTorch's (output_nr counts the non-differentiable ones);
        // only the differentiable ones carry its history
        List<Tensor> diffOuts = new ArrayList<>();
        Tensor[] nodeOuts = new Tensor[outs.length];
        for (int i = 0; i < outs.length; i++) {
            if (differentiable[i]) {
                diffOuts.add(outs[i]);
                nodeOuts[i] = outs[i];
            }
        }
        if (diffOuts.isEmpty()) {
            return outs;
        }
        int[][] shapes = new int[outs.length][];
        DType[] types = new DType[outs.length];
        Device[] devices = new Device[outs.length];
        for (int i = 0; i < outs.length; i++) {
            shapes[i] = outs[i].shape;
            types[i] = outs[i].dtype;
            devices[i] = outs[i].device;
        }
        Set<Tensor> finalOutputs = identitySet(outs);
        Function<Node, Function<Tensor[], Tensor[]>> formula = node -> {
            // the tensors saved in forward, with their versions now (an output's change is reported as its own)
            SavedTensor[] saved = new SavedTensor[ctx.toSave.length];
            for (int k = 0; k < saved.length; k++) {
                Tensor t = ctx.toSave[k];
                if (t != null) {
                    saved[k] = finalOutputs.contains(t) ? node.saveOutput(t) : node.save(t);
                }
            }
            ctx.saved = saved;
            return grads -> runBackward(ctx, grads, shapes, types, devices, ins);
        };
        Node node = MultiOutput.record(nodeName(), ins, nodeOuts, formula);
        if (node != null) {
            node.runsUserCode = true; // the user's backward may keep what it is given or makes (hooks do)
        }
        for (Tensor o : diffOuts) {
            o.requiresGrad = false; // a non-leaf now: its history is the node
        }
        return outs;
    }

    /** The user's backward with every output's gradient, checked as PyTorch checks a custom function's result. */
    private Tensor[] runBackward(Context ctx, Tensor[] grads, int[][] shapes, DType[] types,
                                 Device[] devices, Tensor[] ins) {
        Tensor[] all = grads.clone();
        for (int i = 0; i < all.length && ctx.materializeGrads; i++) {
            if (all[i] == null) {
                all[i] = Creation.zeros(shapes[i], types[i], devices[i]); // PyTorch's zeros_like(output)
            }
        }
        boolean graph = GradMode.isEnabled();
        Tensor[] result;
        if (onceDifferentiable()) {
            try (GradMode off = Ember.noGrad()) {
                result = backward(ctx, all);
            }
        } else {
            result = backward(ctx, all);
        }
        if (result == null) {
            result = new Tensor[] {null};
        }
        int expected = ins.length;
        if (result.length > expected) {
            for (int i = expected; i < result.length; i++) {
                if (result[i] != null) {
                    throw new IllegalStateException("function " + nodeName() + " returned an incorrect number of gradients "
                            + "(expected " + expected + ", got " + result.length + ")");
                }
            }
            result = java.util.Arrays.copyOf(result, expected);
        } else if (result.length < expected) {
            throw new IllegalStateException("function " + nodeName() + " returned an incorrect number of gradients (expected "
                    + expected + ", got " + result.length + ")");
        } else {
            result = result.clone();
        }
        for (int i = 0; i < expected; i++) {
            if (ins[i] == null && result[i] != null) {
                throw new IllegalStateException("function " + nodeName() + " returned a gradient different than None at "
                        + "position " + (i + 1) + ", but the corresponding forward input was not a Variable");
            }
        }
        if (onceDifferentiable() && graph) {
            List<Tensor> needing = new ArrayList<>();
            for (Tensor g : all) {
                if (g != null && g.requiresGrad()) {
                    needing.add(g);
                }
            }
            if (!needing.isEmpty()) {
                for (int i = 0; i < result.length; i++) {
                    if (result[i] != null) {
                        // as PyTorch's once_differentiable wrapper: the error node's input is a detached alias of the
                        // gradient made a leaf that requires grad (fake_requires_grad), not the graph's tensors, so a
                        // pass that does not run every node (autograd.grad, backward(inputs=...)) never reaches it
                        Tensor fake = result[i].detach().setRequiresGrad(true);
                        Tensor alias = result[i].detach();
                        result[i] = ArithmeticOps.record(alias, "Error", new Tensor[] {fake}, n -> g -> {
                            throw new IllegalStateException("trying to differentiate twice a function that was marked with "
                                    + "@once_differentiable");
                        });
                    }
                }
            }
        }
        return result;
    }

    private static Set<Tensor> identitySet(Tensor[] ts) {
        Set<Tensor> s = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Tensor t : ts) {
            if (t != null) {
                s.add(t);
            }
        }
        return s;
    }

    /**
     * What {@link #forward} tells {@link #backward}, as PyTorch's {@code ctx}: saved tensors, which inputs need a
     * gradient, inputs modified in place, outputs that are not differentiable, and any other value under a name.
     */
    public static final class Context {
        private final boolean[] needsInputGrad;
        private final Set<Tensor> dirty = Collections.newSetFromMap(new IdentityHashMap<>());
        private final Set<Tensor> nonDifferentiable = Collections.newSetFromMap(new IdentityHashMap<>());
        private final Map<String, Object> values = new HashMap<>();
        private Tensor[] toSave = new Tensor[0];
        private Tensor[] toSaveForForward;
        private SavedTensor[] saved;
        private boolean inForward = true;
        /** Set by {@link SetupContextFunction} under a function transform, where 2.x refuses {@code mark_dirty}. */
        boolean underTransform;
        private boolean materializeGrads = true;

        Context(Tensor[] inputs) {
            needsInputGrad = new boolean[inputs.length];
            boolean grad = GradMode.isEnabled();
            for (int i = 0; i < inputs.length; i++) {
                needsInputGrad[i] = grad && inputs[i] != null && inputs[i].requiresGrad();
            }
        }

        /**
         * Saves tensors (inputs, outputs or intermediates; null allowed) for {@link #savedTensors()}, as
         * {@code ctx.save_for_backward}; call it once, in forward.
         */
        public void saveForBackward(Tensor... tensors) {
            Args.require(tensors, "save_for_backward", "tensors", 1, "tuple of Tensors");
            if (!inForward) {
                throw new IllegalStateException("save_for_backward can only be called from inside forward");
            }
            toSave = tensors.clone();
        }

        /**
         * The saved tensors, as {@code ctx.saved_tensors}.
         *
         * @throws IllegalStateException if one was modified in place since, or after the graph was freed
         */
        public Tensor[] savedTensors() {
            if (saved == null) {
                return toSave.clone();
            }
            Tensor[] out = new Tensor[saved.length];
            for (int i = 0; i < saved.length; i++) {
                out[i] = saved[i] == null ? null : saved[i].get();
            }
            return out;
        }

        /**
         * Saves tensors for a forward-mode derivative, as {@code ctx.save_for_forward} (null allowed); call it once, in
         * forward (or {@link SetupContextFunction#setupContext setupContext}). Ember's {@link Func#jvp jvp} and
         * {@link Func#jacfwd jacfwd} differentiate through {@link AutogradFunction#backward} (Ember has no forward-mode
         * engine, hence no {@code jvp} method to read them), so the tensors are held only until the function's apply
         * returns, as PyTorch drops them after the forward when no dual tensor came in.
         */
        public void saveForForward(Tensor... tensors) {
            Args.require(tensors, "save_for_forward", "tensors", 1, "tuple of Tensors");
            if (!inForward) {
                throw new IllegalStateException("save_for_forward can only be called from inside forward");
            }
            toSaveForForward = tensors.clone();
        }

        /** The tensors {@link #saveForForward} holds until the function's apply returns (null once it has). */
        public Tensor[] savedForForward() {
            return toSaveForForward == null ? null : toSaveForForward.clone();
        }

        /** Marks inputs that forward modified in place (they must be returned), as {@code ctx.mark_dirty}. */
        public void markDirty(Tensor... tensors) {
            Args.require(tensors, "mark_dirty", "tensors", 1, "tuple of Tensors");
            if (underTransform) {
                throw new IllegalStateException("NYI: we do not yet support ctx.mark_dirty with functorch transforms. "
                        + "Please try to avoid modifying inputs to the autograd.Function in-place by using out-of-place "
                        + "operations or by cloning the inputs. Please see https://github.com/pytorch/pytorch/issues/90209 "
                        + "for more details");
            }
            for (Tensor t : tensors) {
                if (t != null) {
                    dirty.add(t);
                }
            }
        }

        /**
         * Marks outputs that are not differentiable (their gradients arrive as zeros, or null without
         * {@linkplain #setMaterializeGrads materialized gradients}), as {@code ctx.mark_non_differentiable}.
         */
        public void markNonDifferentiable(Tensor... outputs) {
            Args.require(outputs, "mark_non_differentiable", "outputs", 1, "tuple of Tensors");
            for (Tensor t : outputs) {
                if (t != null) {
                    nonDifferentiable.add(t);
                }
            }
        }

        /**
         * Whether {@link AutogradFunction#backward} gets zeros for an output no gradient reached (the default, true) or
         * null, as {@code ctx.set_materialize_grads}; call it in forward.
         */
        public void setMaterializeGrads(boolean materialize) {
            materializeGrads = materialize;
        }

        /** Whether input {@code i} needs a gradient, as {@code ctx.needs_input_grad[i]}. */
        public boolean needsInputGrad(int i) {
            if (i < 0 || i >= needsInputGrad.length) {
                throw new IndexOutOfBoundsException("tuple index out of range");
            }
            return needsInputGrad[i];
        }

        /** Stores a value for backward under a name (PyTorch's {@code ctx.name = value}). */
        public void put(String name, Object value) {
            Args.require(name, "put", "name", 1, "str");
            values.put(name, value);
        }

        /**
         * A value stored with {@link #put}.
         *
         * @throws IllegalArgumentException for a name never stored, as Python's missing attribute
         */
        public Object get(String name) {
            Args.require(name, "get", "name", 1, "str");
            if (!values.containsKey(name)) {
                throw new IllegalArgumentException("'BackwardCFunction' object has no attribute '" + name + "'");
            }
            return values.get(name);
        }
    }
}
