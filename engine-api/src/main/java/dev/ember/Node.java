package dev.ember;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * A node of the autograd graph: the backward function of one operation (PyTorch's {@code grad_fn}), with edges to the
 * nodes that produced its differentiable inputs. Most nodes have one output, the tensor their op created; an op with
 * several differentiable outputs (split, unbind, qr, svd, eigh, a custom function) has one node with one output per
 * tensor, as PyTorch's: an edge names the node and which of its outputs the input was (PyTorch's
 * {@code Edge(function, input_nr)}), and the engine calls the node once with every output's gradient, null where none
 * arrived (PyTorch's undefined gradient).
 */
public abstract class Node {
    private static final AtomicLong SEQUENCE = new AtomicLong();

    /** Later nodes run first when several are ready, as in PyTorch's engine. */
    final long sequenceNr;
    final String name;
    /** The node each input's gradient flows to, or null for an input that needs none. */
    final Node[] next;
    /**
     * Which output of {@code next[i]} input {@code i} is (PyTorch's {@code Edge.input_nr}); null while every edge goes
     * to output 0, as single-output nodes' edges do.
     */
    int[] nextNr;
    /** How many outputs this node has (1 but for multi-output nodes). */
    final int numOutputs;
    /** Shape, type and device of each input, to validate and reduce the gradients the formula returns. */
    final int[][] inputShapes;
    final DType[] inputDTypes;
    final Device[] inputDevices;
    /**
     * Hooks registered on the (first) output tensor, run in order on the incoming gradient. A leaf's (its
     * AccumulateGrad's) are copied on write: backward passes on several threads may reach one leaf while another thread
     * registers or removes a hook on it, and copying an ArrayList being changed gave a NullPointerException (session 41).
     */
    final List<Function<Tensor, Tensor>> preHooks = this instanceof AccumulateGrad
            ? new java.util.concurrent.CopyOnWriteArrayList<>() : new ArrayList<>();
    /** The (first) output tensor, when it asked to retain its gradient. */
    Tensor retainGradTarget;
    /** A multi-output node's hooks of outputs 1 and up (index 0 unused), made when first asked for; else null. */
    private List<Function<Tensor, Tensor>>[] outputHooks;
    /** A multi-output node's outputs 1 and up that retain their gradient (index 0 unused); else null. */
    private Tensor[] retainGradTargets;
    /**
     * A multi-output node's outputs that have had a hook, in the order of each one's first registration (PyTorch
     * registers one tensor pre-hook per tensor, when its first hook comes, and runs them in that order); else null.
     */
    private int[] hookOrder;
    private final List<SavedTensor> saved = new ArrayList<>();
    boolean released;
    /**
     * Whether a later node takes this one as an edge: with the tensor whose history it is, what keeps a node alive in
     * PyTorch (the saved-tensor error names a view's history only while it lives, see {@link SavedTensor}).
     */
    boolean linked;
    /**
     * The CopySlices node of an in-place write into the view whose history this node was when the write came: PyTorch's
     * node for that write takes this one as its edge, and is itself held by the CopySlices, which drops it once a
     * backward that does not retain the graph has run it (CopySlices.release_variables); null when no write took it.
     */
    Node linkedByWrite;
    /**
     * Whether the backward runs the user's code (a custom {@link AutogradFunction}, a module's backward hook), which
     * may keep tensors it makes: the engine then leaves the formula's temporaries to the enclosing scope.
     */
    boolean runsUserCode;
    /** The stack of the forward call that made this node, when anomaly detection was on; else null. */
    final Autograd.ForwardTrace forwardTrace;

    Node(String name, Tensor[] inputs, long sequenceNr) {
        this(name, inputs, sequenceNr, 1);
    }

    Node(String name, Tensor[] inputs, long sequenceNr, int numOutputs) {
        this.name = name;
        this.sequenceNr = sequenceNr;
        this.numOutputs = numOutputs;
        // AccumulateGrad (the largest sequence number) stands for a leaf: it has no forward call
        this.forwardTrace = AnomalyMode.isEnabled() && sequenceNr != Long.MAX_VALUE ? new Autograd.ForwardTrace(name) : null;
        int n = inputs.length;
        this.next = new Node[n];
        this.inputShapes = new int[n][];
        this.inputDTypes = new DType[n];
        this.inputDevices = new Device[n];
        for (int i = 0; i < n; i++) {
            Tensor t = inputs[i];
            if (t == null) {
                continue;
            }
            inputShapes[i] = t.shapeRef();
            if (t.gradFnShape != null && t.requiresGrad() && t.gradNode() == t.gradFn) {
                inputShapes[i] = t.gradFnShape; // its node's metadata: the shape before an in-place view op under no_grad
            }
            inputDTypes[i] = t.dtype();
            inputDevices[i] = t.device();
            if (t.requiresGrad()) {
                Node fn = t.gradNode();
                if (fn == null) {
                    // a leaf view that requires grad only through its base has no accumulator (PyTorch's
                    // grad_accumulator reads the leaf's own flag): no edge
                    next[i] = t.requiresGrad ? t.gradAccumulator() : null;
                } else {
                    next[i] = fn;
                    fn.linked = true;
                    if (t.outputNr != 0) {
                        if (nextNr == null) {
                            nextNr = new int[n];
                        }
                        nextNr[i] = t.outputNr;
                    }
                }
            }
        }
    }

    Node(String name, Tensor[] inputs) {
        this(name, inputs, SEQUENCE.getAndIncrement());
    }

    /** A node with {@code numOutputs} outputs. */
    Node(String name, Tensor[] inputs, int numOutputs) {
        this(name, inputs, SEQUENCE.getAndIncrement(), numOutputs);
    }

    /**
     * A hook the engine calls before this node runs, PyTorch 2.x's {@code grad_fn.register_prehook}: it receives the
     * gradients of the node's outputs (null where none arrived) after the outputs' tensor hooks and retain_grad, and
     * returns replacements (a list of as many, null entries meaning no gradient) or null to keep them.
     */
    @FunctionalInterface
    public interface PreHook {
        /** The replaced gradients of the node's outputs, or null to keep {@code gradOutputs}. */
        List<Tensor> apply(List<Tensor> gradOutputs);
    }

    /**
     * A hook the engine calls after this node ran, PyTorch's {@code grad_fn.register_hook}: it receives the gradients
     * the node computed for its inputs ({@code gradInputs}, null where an input gets none; none for a leaf's
     * AccumulateGrad) and the gradients of its outputs it ran with ({@code gradOutputs}), and returns replacements for
     * {@code gradInputs} (as many) or null to keep them.
     */
    @FunctionalInterface
    public interface PostHook {
        /** The replaced gradients of the node's inputs, or null to keep {@code gradInputs}. */
        List<Tensor> apply(List<Tensor> gradInputs, List<Tensor> gradOutputs);
    }

    /** The node's pre-hooks and post-hooks (PyTorch's {@code pre_hooks_} and {@code post_hooks_}); null until one is registered. */
    private volatile NodeHooks nodeHooks;

    /**
     * Registers a hook called with the gradients of this node's outputs before it runs, as PyTorch 2.x's
     * {@code grad_fn.register_prehook(hook)}; hooks run in registration order, each seeing the previous one's result.
     * Called only when the node runs (a backward pass, or an {@code autograd.grad} pass that needs it).
     *
     * @param hook the hook
     * @return a handle that removes the hook
     * @throws IllegalArgumentException for a null hook
     */
    public RemovableHandle registerPrehook(PreHook hook) {
        Args.require(hook, "register_prehook", "hook", 1, "Callable");
        // an entry of its own, as Tensor.registerHook's: the handle removes this registration, once, and no other
        PreHook entry = gradOutputs -> hook.apply(gradOutputs);
        List<PreHook> pre = hooks().pre;
        pre.add(entry);
        return () -> pre.remove(entry);
    }

    /**
     * Registers a hook called after this node ran with the gradients it computed for its inputs and those of its
     * outputs, as PyTorch's {@code grad_fn.register_hook(hook)}; what it returns replaces the inputs' gradients.
     *
     * @param hook the hook
     * @return a handle that removes the hook
     * @throws IllegalArgumentException for a null hook
     */
    public RemovableHandle registerHook(PostHook hook) {
        Args.require(hook, "register_hook", "hook", 1, "Callable");
        PostHook entry = (gradInputs, gradOutputs) -> hook.apply(gradInputs, gradOutputs);
        List<PostHook> post = hooks().post;
        post.add(entry);
        return () -> post.remove(entry);
    }

    private NodeHooks hooks() {
        NodeHooks h = nodeHooks;
        if (h == null) {
            synchronized (this) {
                h = nodeHooks;
                if (h == null) {
                    h = new NodeHooks();
                    nodeHooks = h;
                }
            }
        }
        return h;
    }

    /** Whether a pre-hook or post-hook is registered on this node (the engine then hands it no gradient it may free). */
    boolean hasNodeHooks() {
        NodeHooks h = nodeHooks;
        return h != null && (!h.pre.isEmpty() || !h.post.isEmpty());
    }

    /** The node's pre-hooks run on {@code grads} (replaced in place); a no-op without hooks. */
    void runPreHooks(Tensor[] grads) {
        NodeHooks h = nodeHooks;
        if (h != null) {
            for (PreHook hook : h.pre) {
                NodeHooks.replace(grads, hook.apply(NodeHooks.view(grads)));
            }
        }
    }

    /** The node's post-hooks run on the inputs' gradients {@code gradInputs} (replaced in place), given {@code grads}. */
    void runPostHooks(Tensor[] gradInputs, Tensor[] grads) {
        NodeHooks h = nodeHooks;
        if (h != null) {
            List<Tensor> outputs = NodeHooks.view(grads);
            for (PostHook hook : h.post) {
                NodeHooks.replace(gradInputs, hook.apply(NodeHooks.view(gradInputs), outputs));
            }
        }
    }

    /** The sequence number the next node will get: every node made before now has a smaller one. */
    static long nextSequenceNr() {
        return SEQUENCE.get();
    }

    /** PyTorch's name for this backward function, for example {@code MulBackward0}. */
    public String name() {
        return name;
    }

    /** The nodes this one sends gradients to, one per input; null where an input needs no gradient. */
    public List<Node> nextFunctions() {
        return Collections.unmodifiableList(java.util.Arrays.asList(next.clone()));
    }

    /**
     * The edges this node sends gradients along, one per input, as PyTorch's {@code next_functions} pairs
     * {@code (node, input_nr)}: the node, and which of its outputs the input was; null where an input needs no
     * gradient.
     */
    public List<Edge> nextEdges() {
        List<Edge> out = new ArrayList<>(next.length);
        for (int i = 0; i < next.length; i++) {
            out.add(next[i] == null ? null : new Edge(next[i], nextNr(i)));
        }
        return Collections.unmodifiableList(out);
    }

    /** How many outputs this node has: one per differentiable output of its op. */
    public int numOutputs() {
        return numOutputs;
    }

    /** Which output of {@code next[i]} input {@code i} is. */
    final int nextNr(int i) {
        return nextNr == null ? 0 : nextNr[i];
    }

    /** The hooks of output {@code k}, made when {@code create} (registering a hook); else null where there are none. */
    @SuppressWarnings("unchecked")
    final List<Function<Tensor, Tensor>> hooks(int k, boolean create) {
        if (create && numOutputs > 1) {
            noteHooked(k);
        }
        if (k == 0) {
            return preHooks;
        }
        if (outputHooks == null) {
            if (!create) {
                return null;
            }
            outputHooks = new List[numOutputs];
        }
        if (outputHooks[k] == null && create) {
            outputHooks[k] = new ArrayList<>();
        }
        return outputHooks[k];
    }

    private void noteHooked(int k) {
        int n = hookOrder == null ? 0 : hookOrder.length;
        for (int i = 0; i < n; i++) {
            if (hookOrder[i] == k) {
                return;
            }
        }
        hookOrder = hookOrder == null ? new int[1] : java.util.Arrays.copyOf(hookOrder, n + 1);
        hookOrder[n] = k;
    }

    /** The outputs whose hooks run, in PyTorch's order: output 0 of a single-output node, else {@link #hookOrder}. */
    final int[] hookedOutputs() {
        if (numOutputs == 1) {
            return new int[] {0};
        }
        return hookOrder == null ? new int[0] : hookOrder;
    }

    /** The tensor that retains the gradient of output {@code k}, or null. */
    final Tensor retainGradTarget(int k) {
        if (k == 0) {
            return retainGradTarget;
        }
        return retainGradTargets == null ? null : retainGradTargets[k];
    }

    /** Sets (or with null clears) the tensor that retains the gradient of output {@code k}. */
    final void setRetainGradTarget(int k, Tensor t) {
        if (k == 0) {
            retainGradTarget = t;
            return;
        }
        if (retainGradTargets == null) {
            if (t == null) {
                return;
            }
            retainGradTargets = new Tensor[numOutputs];
        }
        retainGradTargets[k] = t;
    }

    /**
     * Whether input {@code i} needs a gradient, PyTorch's {@code should_compute_output(i)}: it requires grad (has an
     * edge) and, while this node's formula runs in a pass that runs part of the graph ({@code autograd.grad},
     * {@code backward(inputs=...)}), that pass executes the edge's node ({@link Engine#taskShouldCompute}). When the
     * node is made (deciding what to save) only the first part counts. A custom function's
     * {@code ctx.needs_input_grad} is its own, requires_grad-based as PyTorch's.
     */
    final boolean needsInputGrad(int i) {
        Node m = next[i];
        return m != null && Engine.taskShouldCompute(this, m);
    }

    /**
     * In a formula: whether input {@code i}'s gradient is computed ({@link #needsInputGrad}); where it is not, its saved
     * tensor {@code s} is unpacked all the same, as PyTorch's formulas unpack every saved variable before asking which
     * gradients to compute (an in-place change of it still raises, its unpack hook still runs).
     */
    final boolean computes(int i, SavedTensor s) {
        if (needsInputGrad(i)) {
            return true;
        }
        s.get();
        return false;
    }

    /** Saves a tensor for the backward pass, recording its version to detect later in-place changes. */
    final SavedTensor save(Tensor t) {
        InferenceMode.checkSave(t);
        SavedTensor s = new SavedTensor(t, this, false);
        saved.add(s);
        return s;
    }

    /** Saves the node's own output (as sigmoid and exp do); an in-place change of it is reported as such. */
    final SavedTensor saveOutput(Tensor t) {
        InferenceMode.checkSave(t);
        SavedTensor s = new SavedTensor(t, this, true);
        saved.add(s);
        return s;
    }

    /** Whether this node saved {@code t} as its output ({@link #saveOutput}). */
    final boolean savesOutput(Tensor t) {
        for (SavedTensor s : saved) {
            if (s.savesOutput(t)) {
                return true;
            }
        }
        return false;
    }

    /** Saved outputs {@code from} become {@code to}, the tensor an in-place op wrote them into. */
    final void retargetSavedOutput(Tensor from, Tensor to) {
        retargetSavedOutput(from, to, null);
    }

    /** {@link #retargetSavedOutput(Tensor, Tensor)} into a view whose history is now {@code viewNode}. */
    final void retargetSavedOutput(Tensor from, Tensor to, Node viewNode) {
        for (SavedTensor s : saved) {
            s.retargetOutput(from, to, viewNode);
        }
    }

    /**
     * A saved input that is {@code self}, which an in-place op is about to change, becomes {@code old}, a copy of its
     * values carrying its history ({@link InplaceOps}).
     */
    final void replaceSavedInput(Tensor self, Tensor old) {
        for (SavedTensor s : saved) {
            s.replaceInput(self, old);
        }
    }

    /** Whether one of this node's saved tensors lives in the storage of {@code lease}. */
    final boolean savesStorage(StorageLease lease) {
        for (SavedTensor s : saved) {
            if (s.holds(lease)) {
                return true;
            }
        }
        return false;
    }

    /** Frees saved tensors after a backward pass that does not retain the graph. */
    void release() {
        released = true;
        for (SavedTensor s : saved) {
            s.free();
        }
    }

    /** Computes the gradients of the inputs from the gradient of the output; null where none is needed. */
    abstract Tensor[] apply(Tensor gradOutput);

    /**
     * A multi-output node's backward: the gradients of the inputs from one gradient per output, null for an output no
     * gradient reached (at least one is not null). A single-output node runs {@link #apply(Tensor)}.
     */
    Tensor[] applyAll(Tensor[] gradOutputs) {
        return apply(gradOutputs[0]);
    }

    /**
     * PyTorch's repr of a node, what {@code print(y.grad_fn)} shows: {@code <MulBackward0 object at 0x...>}, the
     * address from the identity hash (a tensor's printout names the node alone: {@code grad_fn=<MulBackward0>}).
     */
    @Override
    public String toString() {
        return "<" + name + " object at 0x" + Integer.toHexString(System.identityHashCode(this)) + ">";
    }

    /** A node whose backward formula is a lambda, as most ops define theirs. */
    static final class Fn extends Node {
        private final Function<Tensor, Tensor[]> formula;
        /** Set after construction when the formula needs the node itself (to save tensors into it). */
        Function<Tensor, Tensor[]> formulaBody;

        Fn(String name, Tensor[] inputs, Function<Tensor, Tensor[]> formula) {
            super(name, inputs);
            this.formula = formula;
        }

        @Override
        Tensor[] apply(Tensor gradOutput) {
            return formula.apply(gradOutput);
        }
    }

    /**
     * A node with several outputs whose backward formula is a lambda given every output's gradient (null for an output
     * no gradient reached).
     */
    static final class MultiFn extends Node {
        /** Set after construction, as the formula may save tensors into the node. */
        Function<Tensor[], Tensor[]> formulaBody;

        MultiFn(String name, Tensor[] inputs, int numOutputs) {
            super(name, inputs, numOutputs);
        }

        @Override
        Tensor[] apply(Tensor gradOutput) {
            Tensor[] grads = new Tensor[numOutputs];
            grads[0] = gradOutput;
            return applyAll(grads);
        }

        @Override
        Tensor[] applyAll(Tensor[] gradOutputs) {
            return formulaBody.apply(gradOutputs);
        }
    }

    /**
     * An edge of the graph, as PyTorch's {@code next_functions} pairs: the node a gradient flows to and which of its
     * outputs ({@code input_nr}) the gradient is for.
     *
     * @param function the node
     * @param inputNr which of its outputs
     */
    public record Edge(Node function, int inputNr) {
        /** As PyTorch prints a pair of {@code next_functions}: {@code (<AccumulateGrad>, 0)}. */
        @Override
        public String toString() {
            return "(" + function + ", " + inputNr + ")";
        }
    }

    /** The node that adds the gradient into a leaf's {@code grad} (PyTorch's {@code AccumulateGrad}). */
    static final class AccumulateGrad extends Node {
        final Tensor variable;

        AccumulateGrad(Tensor variable) {
            // Runs as soon as it is ready, as PyTorch gives AccumulateGrad the largest sequence number.
            super("AccumulateGrad", new Tensor[0], Long.MAX_VALUE);
            this.variable = variable;
        }

        @Override
        Tensor[] apply(Tensor grad) {
            if (variable.requiresGrad()) { // the engine calls accumulateGrad itself, with ownership
                variable.accumulateGrad(grad, false);
            }
            return new Tensor[0];
        }
    }
}
