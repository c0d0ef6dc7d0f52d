package dev.ember;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Functional autograd entry points, as {@code torch.autograd}: {@link #backward}, {@link #grad}, the
 * finite-difference checks {@link #gradcheck} and {@link #gradgradcheck}, and anomaly detection
 * ({@link #detectAnomaly()}).
 */
public final class Autograd {
    private Autograd() {
    }

    /**
     * Turns anomaly detection on for this thread until the returned scope closes, as
     * {@code torch.autograd.detect_anomaly()}: nodes recorded inside keep the Java stack of the forward call that made
     * them, and a backward pass run inside fails at the first node that returns a NaN gradient, naming the node and
     * giving that stack (see {@link AnomalyMode}). {@code try (AnomalyMode on = Autograd.detectAnomaly()) { ... }}
     *
     * @return the scope; closing it restores the mode it found
     */
    public static AnomalyMode detectAnomaly() {
        return new AnomalyMode(true, true);
    }

    /**
     * {@link #detectAnomaly()} with the NaN check on or off ({@code detect_anomaly(check_nan=...)}); with it off, nodes
     * still record their forward stacks, which are attached to any exception their backward throws.
     *
     * @param checkNan whether the gradients nodes return are checked for NaN
     * @return the scope; closing it restores the mode it found
     */
    public static AnomalyMode detectAnomaly(boolean checkNan) {
        return new AnomalyMode(true, checkNan);
    }

    /**
     * Sets anomaly detection on or off for this thread until the returned scope closes, as
     * {@code torch.autograd.set_detect_anomaly(mode, check_nan)} used as a context manager.
     *
     * @param mode whether anomaly detection is on inside the scope
     * @param checkNan whether the gradients nodes return are checked for NaN
     * @return the scope; closing it restores the mode it found
     */
    public static AnomalyMode setDetectAnomaly(boolean mode, boolean checkNan) {
        return new AnomalyMode(mode, checkNan);
    }

    /**
     * Opens a pair of saved-tensor hooks on this thread, as {@code torch.autograd.graph.saved_tensors_hooks(pack_hook,
     * unpack_hook)}: every tensor a node saves for its backward while the scope is open is passed to {@code pack}, and
     * the node keeps what it returns; the backward gets the tensor back from {@code unpack}. See
     * {@link SavedTensorsHooks} for the rules. {@code try (var h = Autograd.savedTensorsHooks(pack, unpack)) { ... }}
     *
     * @param pack called with each saved tensor (autograd off); must not change it in place
     * @param unpack called with what pack returned when the backward reads the tensor; returns a tensor with the same
     *     content as the one packed
     * @param <P> the packed form
     * @return the scope; closing it restores the hooks in force before
     * @throws IllegalStateException inside {@link #disableSavedTensorsHooks(String)}, with its message
     */
    public static <P> SavedTensorsHooks savedTensorsHooks(Function<? super Tensor, ? extends P> pack,
                                                          Function<? super P, ? extends Tensor> unpack) {
        return SavedTensorsHooks.push(pack, unpack);
    }

    /**
     * Opens a scope in which tensors saved for the backward may be changed in place, as
     * {@code torch.autograd.graph.allow_mutation_on_saved_tensors()} (PyTorch 2.0): a saved tensor is cloned before its
     * storage is written, and the backward reads the clone. See {@link AllowMutationOnSavedTensors} for the rules.
     * {@code try (var ctx = Autograd.allowMutationOnSavedTensors()) { forward; in-place ops; backward }}
     *
     * @return the scope; run the forward and the backward inside it
     * @throws IllegalStateException while another such scope is open, on any thread (the state is process-wide, as
     *     2.x's: {@code allow_mutation_on_saved_tensors contexts cannot be nested}), or inside
     *     {@link #disableSavedTensorsHooks(String)} (its message)
     */
    public static AllowMutationOnSavedTensors allowMutationOnSavedTensors() {
        return AllowMutationOnSavedTensors.open();
    }

    /**
     * Saved-tensor hooks that keep every saved tensor on the CPU and bring it back to its device for the backward, as
     * {@code torch.autograd.graph.save_on_cpu(pin_memory)}: a CPU tensor is kept as it is, unless {@code pinMemory}, which
     * always copies (into pinned memory when an accelerator is present) and moves back with {@code nonBlocking}.
     *
     * @param pinMemory whether saved tensors are copied into pinned memory and copied back asynchronously
     * @return the scope; closing it restores the hooks in force before
     * @throws IllegalStateException inside {@link #disableSavedTensorsHooks(String)}, with its message
     */
    public static SavedTensorsHooks saveOnCpu(boolean pinMemory) {
        return SavedTensorsHooks.saveOnCpu(pinMemory);
    }

    /**
     * Forbids saved-tensor hooks on this thread until the returned scope closes, as
     * {@code torch.autograd.graph.disable_saved_tensors_hooks(error_message)}: opening hooks inside fails with an
     * {@link IllegalStateException} carrying {@code message}.
     *
     * @param message the error opening hooks will raise
     * @return the scope; closing it restores the state it found
     * @throws IllegalStateException with {@code message} when hooks are in force on this thread (nothing changes)
     */
    public static SavedTensorsHooks.Disabled disableSavedTensorsHooks(String message) {
        return new SavedTensorsHooks.Disabled(message);
    }

    /**
     * PyTorch 2.x's {@code torch.autograd.graph.register_multi_grad_hook(tensors, fn)} (mode "all"): {@code fn} is
     * called once per backward pass with the gradients of all {@code tensors} (null for one the pass computes none for),
     * after the last of them is computed. Every tensor must require grad (each gets a tensor hook, whose refusal
     * otherwise applies).
     *
     * @param tensors the tensors
     * @param fn called with their gradients
     * @return a handle that removes the hooks
     * @throws IllegalArgumentException for null arguments
     * @throws IllegalStateException for a tensor that does not require grad
     */
    public static RemovableHandle registerMultiGradHook(List<Tensor> tensors,
                                                        java.util.function.Consumer<List<Tensor>> fn) {
        return MultiGradHooks.all(tensors, fn);
    }

    /**
     * {@code register_multi_grad_hook(tensors, fn, mode="any")} (PyTorch 2.2): {@code fn} is called once per backward
     * pass with the first gradient computed among {@code tensors}; the tensors that do not require grad are left out.
     *
     * @param tensors the tensors
     * @param fn called with the first gradient
     * @return a handle that removes the hooks
     * @throws IllegalArgumentException for null arguments
     */
    public static RemovableHandle registerMultiGradHookAny(List<Tensor> tensors, java.util.function.Consumer<Tensor> fn) {
        return MultiGradHooks.any(tensors, fn);
    }

    /**
     * Records that each tensor was changed in place, as PyTorch 2.1's
     * {@code torch.autograd.graph.increment_version(tensor)}: its version counter (shared with its views) goes up by
     * one, so a backward pass that needs the tensor as it was saved refuses, as after any in-place op. For a write
     * autograd cannot see (a kernel of your own writing into the tensor's memory); Ember's in-place ops count already.
     * A tensor made in inference mode has no counter and is left as it is, as in PyTorch.
     *
     * @param tensors the tensors written
     * @throws IllegalArgumentException for a null array or tensor, before any counter changes
     */
    public static void incrementVersion(Tensor... tensors) {
        Args.require(tensors, "increment_version", "tensor", 1, "Tensor");
        for (Tensor t : tensors) {
            Args.require(t, "increment_version", "tensor", 1, "Tensor");
        }
        for (Tensor t : tensors) {
            t.bumpVersion();
        }
    }

    /**
     * {@link #incrementVersion(Tensor...)} of a list ({@code increment_version} takes a tensor or an iterable of them).
     *
     * @param tensors the tensors written
     * @throws IllegalArgumentException for a null list or tensor, before any counter changes
     */
    public static void incrementVersion(List<Tensor> tensors) {
        Args.require(tensors, "increment_version", "tensor", 1, "Tensor");
        incrementVersion(tensors.toArray(new Tensor[0]));
    }

    /**
     * Whether anomaly detection is on for this thread, as {@code torch.is_anomaly_enabled()}.
     *
     * @return true inside an open {@link #detectAnomaly()} scope
     */
    public static boolean isAnomalyEnabled() {
        return AnomalyMode.isEnabled();
    }

    /**
     * Whether anomaly detection checks gradients for NaN on this thread, as {@code torch.is_anomaly_check_nan_enabled()}.
     *
     * @return true inside an open {@link #detectAnomaly()} scope with the NaN check
     */
    public static boolean isAnomalyCheckNanEnabled() {
        return AnomalyMode.isCheckNanEnabled();
    }

    /**
     * The Java stack of the forward call that created an autograd node, recorded while {@link #detectAnomaly()} is on
     * (PyTorch's "Traceback of forward call that caused the error"). It is the cause of the error a NaN gradient raises
     * and a suppressed exception of any other error the node's backward throws; its stack trace is the forward call's,
     * starting at the op that recorded the node.
     */
    public static final class ForwardTrace extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final String nodeName;

        ForwardTrace(String nodeName) {
            super("Error detected in " + nodeName + ". Traceback of forward call that caused the error:");
            this.nodeName = nodeName;
            StackTraceElement[] stack = getStackTrace();
            int from = 0;
            while (from < stack.length && (stack[from].getClassName().startsWith(Node.class.getName())
                    || stack[from].getClassName().equals(ForwardTrace.class.getName()))) {
                from++; // the node's own constructors
            }
            setStackTrace(Arrays.copyOfRange(stack, from, stack.length));
        }

        /**
         * The name of the node whose forward call this is.
         *
         * @return for example {@code DivBackward0}
         */
        public String nodeName() {
            return nodeName;
        }
    }

    /**
     * Accumulates into the leaves the gradients of {@code tensors} weighted by {@code gradTensors} (null, or
     * null entries, for scalars: 1). {@code retainGraph} keeps saved tensors for another pass; it is PyTorch's
     * {@code retain_graph} as given, also with {@code createGraph} (PyTorch defaults an absent retain_graph to
     * create_graph: pass both true for that), so false frees the graph the pass ran through;
     * {@code createGraph} records the backward pass itself, for higher-order derivatives.
     */
    public static void backward(List<Tensor> tensors, List<Tensor> gradTensors, boolean retainGraph, boolean createGraph) {
        Args.tensors(tensors, "backward", "tensors", 1);
        List<Tensor> grads = makeGrads(tensors, gradTensors, createGraph);
        Engine.run(tensors, grads, retainGraph, createGraph, null);
    }

    /**
     * {@code torch.autograd.backward(tensors, grad_tensors, retain_graph, create_graph, inputs)}: as
     * {@link #backward(List, List, boolean, boolean)}, and with {@code inputs} (null: every leaf) the gradients are
     * accumulated into those tensors' {@code grad} only, and only the part of the graph that leads to them runs. As in
     * PyTorch, an input that is not a leaf is made to {@linkplain Tensor#retainGrad() retain its gradient} (it keeps
     * doing so after this call), its node runs (its hooks included), and an input the tensors do not depend on gets
     * nothing.
     *
     * @param inputs the tensors whose gradients are accumulated, or null for every leaf the graph reaches
     * @throws IllegalArgumentException for an empty {@code inputs} (PyTorch's message)
     * @throws IllegalStateException for an input that does not require grad ({@code can't retain_grad on Tensor that
     *     has requires_grad=False}, PyTorch's message, as it retains before it checks), before any input is retained
     *     (PyTorch keeps the inputs before it retained); otherwise as {@link #backward(List, List, boolean, boolean)}
     */
    public static void backward(List<Tensor> tensors, List<Tensor> gradTensors, boolean retainGraph, boolean createGraph,
                                List<Tensor> inputs) {
        if (inputs == null) {
            backward(tensors, gradTensors, retainGraph, createGraph);
            return;
        }
        if (inputs.isEmpty()) {
            throw new IllegalArgumentException("`inputs` argument to `backward()` cannot be empty.");
        }
        Args.tensors(tensors, "backward", "tensors", 1);
        Args.tensors(inputs, "backward", "inputs", 5);
        // PyTorch's order: the gradients made, the roots checked, then each input retained and checked
        List<Tensor> grads = makeGrads(tensors, gradTensors, createGraph);
        Engine.checkRoots(tensors);
        for (Tensor t : inputs) {
            // PyTorch retains input by input and refuses at the first that does not require grad, keeping the earlier
            // ones retained; Ember refuses (with that message) before any is retained, changing nothing
            t.checkRetainGrad();
        }
        Map<Node, Tensor[]> captures = new IdentityHashMap<>();
        for (Tensor t : inputs) {
            t.retainGrad(); // a leaf: nothing
            Node fn = t.gradNode();
            Node target = fn != null ? fn : t.gradAccumulator();
            captures.putIfAbsent(target, new Tensor[target.numOutputs]);
        }
        Engine.run(tensors, grads, retainGraph, createGraph, captures, true);
    }

    /**
     * The gradients of {@code outputs} with respect to {@code inputs}, without touching any {@code grad}
     * field. {@code gradOutputs} may be null for scalar outputs. With {@code allowUnused} false, an input the
     * outputs do not depend on is an error; with true its gradient is null. {@code retainGraph} is PyTorch's
     * {@code retain_graph} as given, also with {@code createGraph}: false frees the saved tensors of the graph it ran
     * through, so a later pass through it (a second-order gradient reaching those nodes included) fails as PyTorch's
     * does; {@link #grad(List, List, List, boolean)} passes {@code createGraph}, PyTorch's default.
     */
    public static List<Tensor> grad(List<Tensor> outputs, List<Tensor> inputs, List<Tensor> gradOutputs,
                                    boolean retainGraph, boolean createGraph, boolean allowUnused) {
        return grad(outputs, inputs, gradOutputs, GradOptions.defaults().withRetainGraph(retainGraph)
                .withCreateGraph(createGraph).withAllowUnused(allowUnused));
    }

    /**
     * {@code torch.autograd.grad} with all its options ({@link GradOptions}): the gradients of {@code outputs} with
     * respect to {@code inputs}, without touching any {@code grad} field. {@code gradOutputs} may be null (or hold
     * nulls) for scalar outputs.
     *
     * <p>With {@code is_grads_batched}, the first dimension of every gradient output is a batch of vectors; the
     * result for each input is the batch of vector-Jacobian products, stacked along a new first dimension (PyTorch
     * vectorizes the backward with vmap; Ember runs it once per vector, the graph kept until the last, with the same
     * values; with {@code create_graph} the result's {@code grad_fn} is the stack's, not the backward's last node).
     * The remaining dimensions must match the output's shape, and every batch must have the same size, with
     * PyTorch's messages. With {@code materialize_grads}, an input the outputs do not depend on gets zeros that
     * require grad, as PyTorch's {@code zeros_like(input, requires_grad=True)}, instead of null.
     *
     * @param outputs the differentiated outputs
     * @param inputs the tensors to differentiate with respect to; each must require grad
     * @param gradOutputs the vectors of the vector-Jacobian product, one per output (or null)
     * @param options the keyword options
     * @return one gradient per input (null for an unused one unless materialized), an unmodifiable list that prints
     *     as PyTorch's tuple ({@link TensorTuple})
     * @throws IllegalStateException for autograd misuse, as {@code backward}'s (PyTorch's RuntimeErrors, with its
     *     messages): an output that does not require grad, a non-scalar output without a gradient, an input that does
     *     not require grad, or (without {@code allow_unused}) one the outputs do not depend on
     * @throws IllegalArgumentException for null or mismatched arguments (a gradient of another shape or device)
     */
    public static List<Tensor> grad(List<Tensor> outputs, List<Tensor> inputs, List<Tensor> gradOutputs,
                                    GradOptions options) {
        Args.require(options, "grad", "options", 4, "GradOptions");
        options.check();
        Args.tensors(outputs, "grad", "outputs", 1);
        Args.tensors(inputs, "grad", "inputs", 2);
        // PyTorch's order: the gradients made (checked, for a batch), the outputs checked, then the inputs
        List<Tensor> grads = options.gradsBatched() ? null : makeGrads(outputs, gradOutputs, options.createGraph());
        long batch = options.gradsBatched() ? checkBatched(outputs, gradOutputs) : 0;
        Engine.checkRoots(outputs);
        for (int i = 0; i < inputs.size(); i++) {
            if (!inputs.get(i).requiresGrad()) {
                throw new IllegalStateException("One of the differentiated Tensors does not require grad");
            }
        }
        List<Tensor> result = options.gradsBatched()
                ? batchedGrad(outputs, inputs, gradOutputs, batch, options)
                : gradOnce(outputs, inputs, grads, options.retainGraph(), options.createGraph(), options.allowUnused());
        if (options.materializeGrads()) {
            for (int i = 0; i < result.size(); i++) {
                if (result.get(i) == null) {
                    result.set(i, materialized(inputs.get(i)));
                }
            }
        }
        return TensorTuple.of(result);
    }

    /**
     * The edge a tensor's gradient flows into, as PyTorch 2.3's {@code torch.autograd.graph.get_gradient_edge}: its
     * {@code grad_fn} and output number, or a leaf's gradient accumulator (output 0). {@code gradEdges(loss, [edge])}
     * then equals {@code grad(loss, [tensor])}.
     *
     * @throws IllegalArgumentException for null
     * @throws IllegalStateException for a tensor that does not require grad (PyTorch's message)
     */
    public static GradientEdge getGradientEdge(Tensor tensor) {
        Args.require(tensor, "get_gradient_edge", "tensor", 1, "Tensor");
        if (!tensor.requiresGrad()) {
            throw new IllegalStateException("It is not possible to get the gradient edge for a Tensor that does not require "
                    + "gradients");
        }
        Node fn = tensor.gradNode();
        return fn != null ? new GradientEdge(fn, tensor.outputNr) : new GradientEdge(tensor.gradAccumulator(), 0);
    }

    /**
     * {@link #grad(List, List, List, GradOptions)} with inputs that are tensors or {@link GradientEdge}s, as PyTorch
     * 2.3's {@code torch.autograd.grad(outputs, inputs)} takes either: an edge's gradient is what flows into that output
     * of its node. With {@code materialize_grads}, an edge the outputs do not reach is refused, as in PyTorch (there is
     * no tensor to take zeros like). Not with {@code is_grads_batched} (Ember's batched grad takes tensors).
     *
     * @throws IllegalArgumentException for an input that is neither, or {@code is_grads_batched}; otherwise as
     *     {@link #grad(List, List, List, GradOptions)}
     * @throws IllegalStateException for a tensor input that does not require grad, or an unreached edge with
     *     {@code materialize_grads}
     */
    public static List<Tensor> gradEdges(List<Tensor> outputs, List<?> inputs, List<Tensor> gradOutputs,
                                         GradOptions options) {
        Args.require(options, "grad", "options", 4, "GradOptions");
        options.check();
        Args.tensors(outputs, "grad", "outputs", 1);
        Args.require(inputs, "grad", "inputs", 2, "sequence of Tensors or GradientEdges");
        if (options.gradsBatched()) {
            throw new IllegalArgumentException("grad: is_grads_batched with GradientEdge inputs is not supported by Ember");
        }
        Node[] targets = new Node[inputs.size()];
        int[] nrs = new int[inputs.size()];
        for (int i = 0; i < inputs.size(); i++) {
            Object in = inputs.get(i);
            if (in instanceof GradientEdge e) {
                targets[i] = e.node();
                nrs[i] = e.outputNr();
            } else if (!(in instanceof Tensor)) {
                throw new IllegalArgumentException("grad(): inputs must be Tensors or GradientEdges, got "
                        + (in == null ? "None" : in.getClass().getSimpleName()) + " at index " + i);
            }
        }
        List<Tensor> grads = makeGrads(outputs, gradOutputs, options.createGraph());
        Engine.checkRoots(outputs);
        for (int i = 0; i < inputs.size(); i++) {
            if (inputs.get(i) instanceof Tensor t) {
                if (!t.requiresGrad()) {
                    throw new IllegalStateException("One of the differentiated Tensors does not require grad");
                }
                Node fn = t.gradNode();
                targets[i] = fn != null ? fn : t.gradAccumulator();
                nrs[i] = fn != null ? t.outputNr : 0;
            }
        }
        List<Tensor> result = gradOnce(outputs, targets, nrs, grads, options.retainGraph(), options.createGraph(),
                options.allowUnused());
        if (options.materializeGrads()) {
            for (int i = 0; i < result.size(); i++) {
                if (result.get(i) == null) {
                    if (!(inputs.get(i) instanceof Tensor t)) {
                        throw new IllegalStateException("materialize_grads cannot be used when the given input is a "
                                + "GradientEdge");
                    }
                    result.set(i, materialized(t));
                }
            }
        }
        return TensorTuple.of(result);
    }

    /** One vector-Jacobian product per input: runs the engine once, capturing the inputs' gradients. */
    private static List<Tensor> gradOnce(List<Tensor> outputs, List<Tensor> inputs, List<Tensor> grads,
                                         boolean retainGraph, boolean createGraph, boolean allowUnused) {
        Node[] targets = new Node[inputs.size()];
        int[] targetNrs = new int[inputs.size()];
        for (int i = 0; i < inputs.size(); i++) {
            Tensor t = inputs.get(i);
            Node fn = t.gradNode();
            targets[i] = fn != null ? fn : t.gradAccumulator();
            targetNrs[i] = fn != null ? t.outputNr : 0;
        }
        return gradOnce(outputs, targets, targetNrs, grads, retainGraph, createGraph, allowUnused);
    }

    /** One vector-Jacobian product per edge (a node's output): runs the engine once, capturing what flows into them. */
    private static List<Tensor> gradOnce(List<Tensor> outputs, Node[] targets, int[] targetNrs, List<Tensor> grads,
                                         boolean retainGraph, boolean createGraph, boolean allowUnused) {
        // a captured tensor is one output of a node (a leaf's AccumulateGrad has one)
        Map<Node, Tensor[]> captures = new IdentityHashMap<>();
        for (Node target : targets) {
            captures.putIfAbsent(target, new Tensor[target.numOutputs]);
        }
        Engine.run(outputs, grads, retainGraph, createGraph, captures);
        List<Tensor> result = new ArrayList<>();
        for (int i = 0; i < targets.length; i++) {
            Tensor g = captures.get(targets[i])[targetNrs[i]];
            if (g == null && !allowUnused) {
                throw new IllegalStateException("One of the differentiated Tensors appears to not have been used in the "
                        + "graph. Set allow_unused=True if this is the desired behavior.");
            }
            if (g != null && !createGraph) {
                g = g.detach();
            }
            result.add(g);
        }
        return result;
    }

    /**
     * {@code is_grads_batched}'s checks of the batched gradient outputs, as PyTorch's {@code _make_grads} and vmap make
     * them: the batch size they share, or -1 where none is given.
     */
    private static long checkBatched(List<Tensor> outputs, List<Tensor> gradOutputs) {
        if (gradOutputs != null && gradOutputs.size() != outputs.size()) {
            throw new IllegalArgumentException("got " + outputs.size() + " tensors and " + gradOutputs.size() + " gradients");
        }
        long batch = -1;
        for (int i = 0; i < outputs.size(); i++) {
            Tensor out = outputs.get(i);
            Tensor g = gradOutputs == null ? null : gradOutputs.get(i);
            if (g == null && out.requiresGrad()) {
                // PyTorch makes ones_like(output) and maps over its first dimension
                if (out.dim() == 0) {
                    throw new IllegalArgumentException("vmap(vjp, in_dims=0, ...)(<inputs>): Got in_dim=0 for some input, but "
                            + "that input is a Tensor of dimensionality 0 so expected in_dim to satisfy 0 <= in_dim < 0.");
                }
                if (out.numel() != 1) {
                    throw new IllegalStateException("grad can be implicitly created only for scalar outputs");
                }
                int[] slice = Arrays.copyOfRange(out.shapeRef(), 1, out.dim());
                throw new IllegalStateException("invalid gradient at index " + i + " - got " + Shapes.str(slice)
                        + " but expected shape compatible with " + Shapes.str(out.shapeRef()));
            }
            if (g != null) {
                int[] shape = g.shapeRef();
                int[] rest = shape.length == 0 ? shape : Arrays.copyOfRange(shape, 1, shape.length);
                if (shape.length == 0 || !Arrays.equals(rest, out.shapeRef())) {
                    throw new IllegalArgumentException("If `is_grads_batched=True`, we interpret the first dimension of each "
                            + "grad_output as the batch dimension. The sizes of the remaining dimensions are expected to "
                            + "match the shape of corresponding output, but a mismatch was detected: grad_output[" + i
                            + "] has a shape of " + Format.size(rest) + " and output[" + i + "] has a shape of "
                            + Format.size(out.shapeRef()) + ". If you only want some tensors in `grad_output` to be "
                            + "considered batched, consider using vmap.");
                }
                if (batch >= 0 && shape[0] != batch) {
                    throw new IllegalArgumentException("vmap: Expected all tensors to have the same size in the mapped "
                            + "dimension, got sizes " + batchSizes(gradOutputs) + " for the mapped dimension");
                }
                batch = shape[0];
            }
        }
        if (batch == 0) {
            throw new IndexOutOfBoundsException("index 0 is out of bounds for dimension 0 with size 0");
        }
        return batch;
    }

    /**
     * {@code is_grads_batched} after {@link #checkBatched}: one vector-Jacobian product per batch element (the graph
     * retained until the last), each input's gradients stacked.
     */
    private static List<Tensor> batchedGrad(List<Tensor> outputs, List<Tensor> inputs, List<Tensor> gradOutputs,
                                            long batch, GradOptions options) {
        if (batch < 0) {
            // no output needs a gradient: the engine gives PyTorch's error for that
            return gradOnce(outputs, inputs, makeGrads(outputs, null, options.createGraph()), options.retainGraph(),
                    options.createGraph(), options.allowUnused());
        }
        List<List<Tensor>> perInput = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            perInput.add(new ArrayList<>());
        }
        for (int b = 0; b < batch; b++) {
            List<Tensor> slice = new ArrayList<>();
            for (int i = 0; i < outputs.size(); i++) {
                Tensor g = gradOutputs == null ? null : gradOutputs.get(i);
                slice.add(g == null ? null : g.select(0, b));
            }
            boolean retain = b < batch - 1 || options.retainGraph();
            List<Tensor> r = gradOnce(outputs, inputs, makeGrads(outputs, slice, options.createGraph()), retain,
                    options.createGraph(), options.allowUnused());
            for (int i = 0; i < inputs.size(); i++) {
                perInput.get(i).add(r.get(i));
            }
        }
        List<Tensor> result = new ArrayList<>();
        for (List<Tensor> gs : perInput) {
            result.add(gs.get(0) == null ? null : Tensor.stack(gs, 0));
        }
        return result;
    }

    private static String batchSizes(List<Tensor> gradOutputs) {
        StringBuilder sb = new StringBuilder("[");
        for (Tensor g : gradOutputs) {
            if (g != null) {
                sb.append(sb.length() > 1 ? ", " : "").append(g.shapeRef()[0]);
            }
        }
        return sb.append(']').toString();
    }

    /**
     * {@code torch.autograd.grad(outputs, inputs)}: the gradients of scalar outputs with respect to {@code inputs},
     * the graph freed after (no gradient outputs, no {@code create_graph}, no unused input).
     */
    public static List<Tensor> grad(List<Tensor> outputs, List<Tensor> inputs) {
        return grad(outputs, inputs, null, false);
    }

    /** {@link #grad} with {@code retainGraph = createGraph} and {@code allowUnused = false}. */
    public static List<Tensor> grad(List<Tensor> outputs, List<Tensor> inputs, List<Tensor> gradOutputs, boolean createGraph) {
        return grad(outputs, inputs, gradOutputs, createGraph, createGraph, false);
    }

    /**
     * materialize_grads' zeros for an unused input: PyTorch's {@code zeros_like(input, requires_grad=True)}, whose
     * preserve_format keeps the input's strides where it is non-overlapping and dense (a transposed leaf's zeros are
     * transposed too), and is row-major otherwise.
     */
    private static Tensor materialized(Tensor input) {
        Tensor z = ShapeOps.nonOverlappingAndDense(input.shapeRef(), input.stride())
                ? Creation.emptyStrided(input.shapeRef(), input.stride(), input.dtype(), input.device()).zero_()
                : input.zerosLike();
        return z.setRequiresGrad(true);
    }

    private static List<Tensor> makeGrads(List<Tensor> outputs, List<Tensor> given, boolean createGraph) {
        if (given != null && given.size() != outputs.size()) {
            throw new IllegalArgumentException("got " + outputs.size() + " tensors and " + given.size() + " gradients");
        }
        List<Tensor> grads = new ArrayList<>();
        for (int i = 0; i < outputs.size(); i++) {
            Tensor out = outputs.get(i);
            Tensor g = given == null ? null : given.get(i);
            if (g == null) {
                if (out.requiresGrad() && out.numel() != 1) {
                    throw new IllegalStateException("grad can be implicitly created only for scalar outputs");
                }
                if (out.requiresGrad() && !out.dtype().isFloatingPoint()) {
                    // PyTorch 2.1's _make_grads (#92753): a complex scalar needs an explicit gradient (1.13 took 1)
                    throw new IllegalStateException("grad can be implicitly created only for real scalar outputs but got "
                            + out.dtype().torchName());
                }
                g = out.onesLike();
            } else {
                if (!Arrays.equals(g.shapeRef(), out.shapeRef())) {
                    throw new IllegalArgumentException("Mismatch in shape: grad_output[" + i + "] has a shape of "
                            + Format.size(g.shapeRef()) + " and output[" + i + "] has a shape of " + Format.size(out.shapeRef()) + ".");
                }
                if (!g.device().equals(out.device())) {
                    throw new IllegalArgumentException("invalid gradient at index " + i + " - expected device " + out.device()
                            + " but got " + g.device());
                }
                if (g.dtype() != out.dtype()) {
                    g = g.to(out.dtype());
                }
                if (!createGraph) {
                    g = g.detach();
                }
            }
            grads.add(g);
        }
        return grads;
    }

    /**
     * Compares analytical gradients with central finite differences, as {@code torch.autograd.gradcheck}:
     * inputs that require grad must be float64; for every output element and input element,
     * {@code |analytical - numerical| <= atol + rtol * |numerical|}. The analytical side runs the backward once per
     * output element, with a one-hot output gradient given as a view that starts past its storage's first element,
     * contiguous and strided in turn, so a backward that ignores its gradient's layout fails too. Inputs may have any
     * strides: as PyTorch's, each element is perturbed in place through the input's own layout, which the function
     * sees unchanged; an input that requires grad and has a dimension of stride 0 (elements sharing memory) is
     * refused with PyTorch's message. An output that does not require grad is not checked, unless no output does: then
     * every numerical derivative must be zero ("Numerical gradient for function expected to be zero"), as PyTorch's.
     * Last, as PyTorch's {@code _test_backward_mul_by_grad_output}, a backward with zero output gradients must give
     * zero input gradients of the inputs' dtype, device and size. For a function of several outputs see
     * {@link #gradcheckMulti}.
     *
     * @param fn the function; it may use autograd itself
     * @param inputs its inputs; those that require grad are checked
     * @param eps the finite-difference step
     * @param atol the absolute tolerance
     * @param rtol the tolerance relative to the numerical derivative
     * @throws GradcheckError describing the first mismatch
     * @return true when every gradient matches
     */
    public static boolean gradcheck(Function<Tensor[], Tensor> fn, Tensor[] inputs, double eps, double atol, double rtol) {
        Args.require(fn, "gradcheck", "func", 1, "Callable");
        return gradcheckMulti(xs -> new Tensor[] {fn.apply(xs)}, inputs, eps, atol, rtol);
    }

    /** {@link #gradcheck} with PyTorch's defaults: eps 1e-6, atol 1e-5, rtol 1e-3. */
    public static boolean gradcheck(Function<Tensor[], Tensor> fn, Tensor... inputs) {
        return gradcheck(fn, inputs, 1e-6, 1e-5, 1e-3);
    }

    /**
     * {@link #gradcheck} of a function returning several tensors (PyTorch's {@code func} returning a tuple): every
     * output that requires grad is checked against every input that requires grad, as {@code torch.autograd.gradcheck}
     * (its "Jacobian mismatch for output i with respect to input j" counts the outputs that require grad, as
     * PyTorch's). An overload of {@code gradcheck} is not possible: a Java lambda does not say which of the two
     * function types it is.
     *
     * @param fn the function; it must return the same number of tensors each time
     * @param inputs its inputs; those that require grad are checked
     * @param eps the finite-difference step
     * @param atol the absolute tolerance
     * @param rtol the tolerance relative to the numerical derivative
     * @throws GradcheckError describing the first mismatch
     * @return true when every gradient matches
     */
    public static boolean gradcheckMulti(Function<Tensor[], Tensor[]> fn, Tensor[] inputs, double eps, double atol,
                                         double rtol) {
        Args.require(fn, "gradcheck", "func", 1, "Callable");
        Args.tensors(Arrays.asList(Args.require(inputs, "gradcheck", "inputs", 2, "tuple of Tensors")), "gradcheck", "inputs", 2);
        boolean anyRequiresGrad = false;
        for (int i = 0; i < inputs.length; i++) {
            Tensor t = inputs[i];
            if (t.requiresGrad() && t.dtype() != DType.FLOAT64) {
                throw new IllegalArgumentException("gradcheck expects float64 inputs that require grad, got " + t.dtype());
            }
            if (t.requiresGrad()) {
                anyRequiresGrad = true;
                // an input is perturbed element by element through its strides, so no two elements may share memory
                for (int d = 0; d < t.dim(); d++) {
                    if (t.stride(d) == 0 && t.shapeRef()[d] > 1) {
                        throw new IllegalArgumentException("The " + i + "th input has a dimension with stride 0. gradcheck "
                                + "only supports inputs that are non-overlapping to be able to compute the numerical "
                                + "gradients correctly. You should call .contiguous on the input before passing it to "
                                + "gradcheck.");
                    }
                }
            }
        }
        if (!anyRequiresGrad) {
            throw new IllegalArgumentException("gradcheck expects at least one input tensor to require gradient, but none "
                    + "of the them have requires_grad=True.");
        }
        Tensor[] outs = outputsOf(fn, inputs, -1);
        int nOut = outs.length;
        int[] outN = new int[nOut];
        for (int o = 0; o < nOut; o++) {
            outN[o] = (int) outs[o].numel();
        }
        // numerical[input][output][input element][output element]
        double[][][][] numerical = new double[inputs.length][][][];
        for (int ii = 0; ii < inputs.length; ii++) {
            Tensor x = inputs[ii];
            if (!x.requiresGrad()) {
                continue;
            }
            int inN = (int) x.numel();
            numerical[ii] = new double[nOut][inN][];
            // the input as laid out: each element is perturbed in place through the input's own strides, so the
            // function sees the input's layout (PyTorch's _iter_tensor indexes x.data element by element)
            Tensor data = x.data();
            int[] shape = x.shapeRef();
            int[] index = new int[shape.length];
            for (int j = 0; j < inN; j++) {
                if (j > 0) {
                    for (int d = shape.length - 1; d >= 0 && ++index[d] == shape[d]; d--) {
                        index[d] = 0;
                    }
                }
                Tensor element = data;
                for (int d = 0; d < shape.length; d++) {
                    element = element.select(0, index[d]);
                }
                double orig = element.item();
                // the function runs with gradients enabled (it may use autograd itself, as gradgradcheck's does);
                // the perturbation goes through data(), invisible to autograd
                // (an output may be a view of the input: its values are read before the next perturbation)
                element.fill_(orig + eps);
                double[][] plus = values(outputsOf(fn, inputs, nOut));
                element.fill_(orig - eps);
                double[][] minus = values(outputsOf(fn, inputs, nOut));
                element.fill_(orig);
                for (int o = 0; o < nOut; o++) {
                    double[] p = plus[o];
                    double[] m = minus[o];
                    if (p.length != outN[o] || m.length != outN[o]) {
                        throw new GradcheckError("Expected output " + o + " to have " + outN[o] + " elements on every "
                                + "call, got " + p.length + " and " + m.length);
                    }
                    double[] col = new double[outN[o]];
                    for (int k = 0; k < outN[o]; k++) {
                        col[k] = (p[k] - m[k]) / (2 * eps);
                    }
                    numerical[ii][o][j] = col;
                }
            }
        }
        List<Integer> diffOuts = new ArrayList<>();
        for (int o = 0; o < nOut; o++) {
            if (outs[o].requiresGrad()) {
                diffOuts.add(o);
            }
        }
        if (diffOuts.isEmpty()) {
            // PyTorch's _check_no_differentiable_outputs
            for (double[][][] perInput : numerical) {
                if (perInput == null) {
                    continue;
                }
                for (double[][] perOutput : perInput) {
                    for (double[] col : perOutput) {
                        for (double v : col) {
                            if (v != 0) {
                                throw new GradcheckError("Numerical gradient for function expected to be zero");
                            }
                        }
                    }
                }
            }
            return true;
        }
        List<Tensor> diffInputs = new ArrayList<>();
        List<Integer> diffIdx = new ArrayList<>();
        for (int ii = 0; ii < inputs.length; ii++) {
            if (inputs[ii].requiresGrad()) {
                diffInputs.add(inputs[ii]);
                diffIdx.add(ii);
            }
        }
        for (int p = 0; p < diffOuts.size(); p++) {
            int o = diffOuts.get(p);
            for (int k = 0; k < outN[o]; k++) {
                Tensor os = outputsOf(fn, inputs, nOut)[o];
                Tensor go = oneHotView(outN[o], k, os);
                List<Tensor> g = grad(List.of(os), diffInputs, List.of(go), false, false, true);
                for (int q = 0; q < diffInputs.size(); q++) {
                    int ii = diffIdx.get(q);
                    Tensor x = diffInputs.get(q);
                    int inN = (int) x.numel();
                    Tensor gq = g.get(q);
                    if (gq != null && !Arrays.equals(gq.shapeRef(), x.shapeRef())) {
                        throw new GradcheckError("Analytical gradient has incorrect size");
                    }
                    double[] analytical = gq == null ? new double[inN] : gq.toDoubleArray();
                    for (int j = 0; j < inN; j++) {
                        double a = analytical[j];
                        double n = numerical[ii][o][j][k];
                        if (!(Math.abs(a - n) <= atol + rtol * Math.abs(n))) {
                            throw new GradcheckError("Jacobian mismatch for output " + p + " with respect to input " + ii
                                    + ",\nnumerical:" + n + "\nanalytical:" + a + "\nat input element " + j
                                    + ", output element " + k);
                        }
                    }
                }
            }
        }
        // PyTorch's _test_backward_mul_by_grad_output: zero output gradients give zero input gradients
        Tensor[] again = outputsOf(fn, inputs, nOut);
        List<Tensor> diffOutputs = new ArrayList<>();
        List<Tensor> zeros = new ArrayList<>();
        for (int o : diffOuts) {
            diffOutputs.add(again[o]);
            zeros.add(again[o].zerosLike());
        }
        List<Tensor> gz = grad(diffOutputs, diffInputs, zeros, false, false, true);
        for (int q = 0; q < diffInputs.size(); q++) {
            Tensor gi = gz.get(q);
            Tensor di = diffInputs.get(q);
            if (gi == null) {
                continue;
            }
            for (double v : gi.toDoubleArray()) {
                if (v != 0) {
                    throw new GradcheckError("backward not multiplied by grad_output");
                }
            }
            if (gi.dtype() != di.dtype() || !gi.device().equals(di.device())) {
                throw new GradcheckError("grad is incorrect type");
            }
            if (!Arrays.equals(gi.shapeRef(), di.shapeRef())) {
                throw new GradcheckError("grad is incorrect size");
            }
        }
        return true;
    }

    /** {@link #gradcheckMulti} with PyTorch's defaults: eps 1e-6, atol 1e-5, rtol 1e-3. */
    public static boolean gradcheckMulti(Function<Tensor[], Tensor[]> fn, Tensor... inputs) {
        return gradcheckMulti(fn, inputs, 1e-6, 1e-5, 1e-3);
    }

    static double[][] values(Tensor[] outs) {
        double[][] v = new double[outs.length][];
        for (int o = 0; o < outs.length; o++) {
            v[o] = outs[o].toDoubleArray();
        }
        return v;
    }

    /** The function's outputs, checked: an array of tensors, {@code expected} of them unless that is negative. */
    static Tensor[] outputsOf(Function<Tensor[], Tensor[]> fn, Tensor[] inputs, int expected) {
        Tensor[] outs = fn.apply(inputs);
        if (outs == null) {
            throw new IllegalArgumentException("gradcheck: the function returned null instead of a Tensor or a tuple of "
                    + "Tensors");
        }
        for (int o = 0; o < outs.length; o++) {
            if (outs[o] == null) {
                throw new IllegalArgumentException("gradcheck: output " + o + " of the function is null, not a Tensor");
            }
        }
        if (expected >= 0 && outs.length != expected) {
            throw new GradcheckError("Expected the function to return " + expected + " outputs on every call, got "
                    + outs.length);
        }
        return outs;
    }

    /**
     * The output gradient that is 1 at flat element {@code k} and 0 elsewhere, shaped as {@code o}, as a view that
     * starts one element into its storage: contiguous for even {@code k}, every second element of the storage for
     * odd {@code k}. A backward that reads its gradient's storage without the gradient's layout (its offset, or its
     * strides) gets a wrong Jacobian column and fails the check.
     */
    static Tensor oneHotView(int n, int k, Tensor o) {
        double[] storage = new double[2 * n + 1];
        Tensor view;
        if (k % 2 == 0) {
            storage[1 + k] = 1;
            view = Tensor.tensor(storage, o.dtype(), o.device()).narrow(0, 1, n);
        } else {
            storage[1 + 2 * k] = 1;
            view = Tensor.tensor(storage, o.dtype(), o.device()).narrow(0, 1, 2 * n).view(n, 2).select(1, 0);
        }
        return view.view(o.shape());
    }

    /**
     * Checks second derivatives, as {@code torch.autograd.gradgradcheck(func, inputs)}: gradchecks the function that
     * maps (inputs, output gradients) to the first gradients of the inputs that require grad, with random output
     * gradients that require grad, so the derivative of each backward with respect to its incoming gradient is checked
     * as well as the one with respect to the inputs. PyTorch's defaults: eps 1e-6, atol 1e-5, rtol 1e-3.
     *
     * @param fn the function
     * @param inputs its inputs; those that require grad are differentiated
     * @throws GradcheckError describing the first mismatch
     * @return true when every second derivative matches
     */
    public static boolean gradgradcheck(Function<Tensor[], Tensor> fn, Tensor... inputs) {
        return gradgradcheck(fn, inputs, null, 1e-6, 1e-5, 1e-3, false);
    }

    /**
     * {@link #gradgradcheck(Function, Tensor...)} with the output gradients given, as
     * {@code torch.autograd.gradgradcheck(func, inputs, grad_outputs)}.
     *
     * @param fn the function
     * @param inputs its inputs; those that require grad are differentiated
     * @param gradOutputs the output gradient (one tensor, shaped as the output; those that require grad are checked
     *     too), or null for a random one
     * @throws GradcheckError describing the first mismatch
     * @return true when every second derivative matches
     */
    public static boolean gradgradcheck(Function<Tensor[], Tensor> fn, Tensor[] inputs, Tensor[] gradOutputs) {
        return gradgradcheck(fn, inputs, gradOutputs, 1e-6, 1e-5, 1e-3, false);
    }

    /**
     * {@code torch.autograd.gradgradcheck(func, inputs, grad_outputs, eps=, atol=, rtol=,
     * gen_non_contig_grad_outputs=)} for a function of one output.
     *
     * @param fn the function
     * @param inputs its inputs; those that require grad are differentiated
     * @param gradOutputs the output gradient (one tensor), or null for a random one
     * @param eps the finite-difference step
     * @param atol the absolute tolerance
     * @param rtol the tolerance relative to the numerical derivative
     * @param genNonContigGradOutputs whether random output gradients are made non-contiguous
     * @throws GradcheckError describing the first mismatch
     * @return true when every second derivative matches
     */
    public static boolean gradgradcheck(Function<Tensor[], Tensor> fn, Tensor[] inputs, Tensor[] gradOutputs, double eps,
                                        double atol, double rtol, boolean genNonContigGradOutputs) {
        Args.require(fn, "gradgradcheck", "func", 1, "Callable");
        return gradgradcheckMulti(xs -> new Tensor[] {fn.apply(xs)}, inputs, gradOutputs, eps, atol, rtol,
                genNonContigGradOutputs);
    }

    /**
     * {@code torch.autograd.gradgradcheck} of a function returning several tensors: with {@code gradOutputs} null,
     * each output that requires grad gets a random gradient (uniform in [-1, 1) as PyTorch's {@code make_tensor}, from
     * a fixed generator; of the output's dtype when floating, float64 otherwise; on its device; requiring grad;
     * non-contiguous when {@code genNonContigGradOutputs} and it has more than one element). Then the function
     * (inputs, output gradients) to the first gradients ({@code torch.autograd.grad(outputs, inputs that require
     * grad, grad_outputs, create_graph=True, allow_unused=True)}, the unused inputs' null gradients left out, as
     * PyTorch's) is checked with {@link #gradcheckMulti}.
     *
     * @param fn the function
     * @param inputs its inputs; those that require grad are differentiated
     * @param gradOutputs one gradient per output that requires grad (those that require grad are checked too), or
     *     null for random ones
     * @param eps the finite-difference step
     * @param atol the absolute tolerance
     * @param rtol the tolerance relative to the numerical derivative
     * @param genNonContigGradOutputs whether random output gradients are made non-contiguous
     * @throws GradcheckError describing the first mismatch
     * @return true when every second derivative matches
     */
    public static boolean gradgradcheckMulti(Function<Tensor[], Tensor[]> fn, Tensor[] inputs, Tensor[] gradOutputs,
                                             double eps, double atol, double rtol, boolean genNonContigGradOutputs) {
        Args.require(fn, "gradgradcheck", "func", 1, "Callable");
        Args.tensors(Arrays.asList(Args.require(inputs, "gradgradcheck", "inputs", 2, "tuple of Tensors")), "gradgradcheck",
                "inputs", 2);
        Object[] problem = gradgradProblem(fn, inputs, gradOutputs, genNonContigGradOutputs);
        @SuppressWarnings("unchecked")
        Function<Tensor[], Tensor[]> firstGrads = (Function<Tensor[], Tensor[]>) problem[0];
        return gradcheckMulti(firstGrads, (Tensor[]) problem[1], eps, atol, rtol);
    }

    /**
     * gradgradcheck's problem for gradcheck: {the function (inputs, output gradients) to the first gradients, the
     * inputs followed by the output gradients}.
     */
    private static Object[] gradgradProblem(Function<Tensor[], Tensor[]> fn, Tensor[] inputs, Tensor[] gradOutputs,
                                            boolean genNonContigGradOutputs) {
        Tensor[] gos;
        if (gradOutputs == null) {
            Tensor[] outs = differentiableOutputs(fn.apply(inputs));
            Generator gen = new Generator(1234);
            gos = new Tensor[outs.length];
            for (int o = 0; o < outs.length; o++) {
                gos[o] = randomGradOutput(gen, outs[o], genNonContigGradOutputs);
            }
        } else {
            Args.tensors(Arrays.asList(gradOutputs), "gradgradcheck", "grad_outputs", 3);
            gos = gradOutputs.clone();
        }
        int n = inputs.length;
        int m = gos.length;
        Function<Tensor[], Tensor[]> firstGrads = args -> {
            Tensor[] ins = Arrays.copyOfRange(args, 0, n);
            Tensor[] outs = differentiableOutputs(fn.apply(ins));
            if (outs.length != m) {
                throw new IllegalArgumentException("got " + outs.length + " tensors and " + m + " gradients");
            }
            List<Tensor> diffIns = new ArrayList<>();
            for (Tensor x : ins) {
                if (x.requiresGrad()) {
                    diffIns.add(x);
                }
            }
            List<Tensor> gs = grad(Arrays.asList(outs), diffIns, Arrays.asList(Arrays.copyOfRange(args, n, n + m)), true,
                    true, true);
            List<Tensor> used = new ArrayList<>();
            for (Tensor g : gs) {
                if (g != null) {
                    used.add(g);
                }
            }
            return used.toArray(new Tensor[0]);
        };
        Tensor[] all = new Tensor[n + m];
        System.arraycopy(inputs, 0, all, 0, n);
        System.arraycopy(gos, 0, all, n, m);
        return new Object[] {firstGrads, all};
    }

    /** {@link #gradgradcheckMulti} with random output gradients and PyTorch's defaults. */
    public static boolean gradgradcheckMulti(Function<Tensor[], Tensor[]> fn, Tensor... inputs) {
        return gradgradcheckMulti(fn, inputs, null, 1e-6, 1e-5, 1e-3, false);
    }

    // ---- gradcheck and gradgradcheck with PyTorch's keyword options (session 21) ----

    /**
     * {@code torch.autograd.gradcheck(func, inputs, eps=, atol=, rtol=, raise_exception=, nondet_tol=,
     * check_undefined_grad=, check_grad_dtypes=, check_backward_ad=, fast_mode=)}, as PyTorch 2.x's: inputs that
     * require grad and are not float64 are checked with a warning ("Input #i requires gradient and is not a double
     * precision floating point or complex. ..."); the backward runs twice and must agree within {@code nondet_tol};
     * in fast mode {@code v^T J u} for random unit vectors is compared with the numerical directional derivative; a
     * mismatch prints PyTorch's message with the numerical and analytical Jacobians (slow mode) or quantities (fast
     * mode, followed by the slow-mode Jacobians); with {@code check_undefined_grad} the backward must handle absent
     * output gradients (see {@link GradcheckOptions}). The overloads without options keep their float64-only checks.
     *
     * @param fn the function; it may use autograd itself
     * @param inputs its inputs; those that require grad are checked
     * @param options the options
     * @throws GradcheckError describing the first failed check, when {@code raise_exception}
     * @return true when every check passes; false on a failed check without {@code raise_exception}
     */
    public static boolean gradcheck(Function<Tensor[], Tensor> fn, Tensor[] inputs, GradcheckOptions options) {
        Args.require(fn, "gradcheck", "func", 1, "Callable");
        return Gradcheck.gradcheck(xs -> new Tensor[] {fn.apply(xs)}, inputs, options);
    }

    /**
     * {@link #gradcheck(Function, Tensor[], GradcheckOptions)} of a function returning several tensors.
     *
     * @param fn the function; it must return the same number of tensors each time
     * @param inputs its inputs; those that require grad are checked
     * @param options the options
     * @throws GradcheckError describing the first failed check, when {@code raise_exception}
     * @return true when every check passes; false on a failed check without {@code raise_exception}
     */
    public static boolean gradcheckMulti(Function<Tensor[], Tensor[]> fn, Tensor[] inputs, GradcheckOptions options) {
        return Gradcheck.gradcheck(fn, inputs, options);
    }

    /**
     * {@code torch.autograd.gradgradcheck(func, inputs, grad_outputs, **options)} for a function of one output: the
     * first gradients are checked with {@link #gradcheckMulti(Function, Tensor[], GradcheckOptions)} (options
     * {@code check_backward_ad} standing for {@code check_rev_over_rev}, and {@code gen_non_contig_grad_outputs}).
     *
     * @param fn the function
     * @param inputs its inputs; those that require grad are differentiated
     * @param gradOutputs the output gradient (one tensor), or null for a random one
     * @param options the options
     * @throws GradcheckError describing the first failed check, when {@code raise_exception}
     * @return true when every check passes; false on a failed check without {@code raise_exception}
     */
    public static boolean gradgradcheck(Function<Tensor[], Tensor> fn, Tensor[] inputs, Tensor[] gradOutputs,
                                        GradcheckOptions options) {
        Args.require(fn, "gradgradcheck", "func", 1, "Callable");
        return gradgradcheckMulti(xs -> new Tensor[] {fn.apply(xs)}, inputs, gradOutputs, options);
    }

    /**
     * {@link #gradgradcheck(Function, Tensor[], Tensor[], GradcheckOptions)} of a function returning several tensors.
     *
     * @param fn the function
     * @param inputs its inputs; those that require grad are differentiated
     * @param gradOutputs one gradient per output that requires grad, or null for random ones
     * @param options the options
     * @throws GradcheckError describing the first failed check, when {@code raise_exception}
     * @return true when every check passes; false on a failed check without {@code raise_exception}
     */
    public static boolean gradgradcheckMulti(Function<Tensor[], Tensor[]> fn, Tensor[] inputs, Tensor[] gradOutputs,
                                             GradcheckOptions options) {
        Args.require(fn, "gradgradcheck", "func", 1, "Callable");
        Args.tensors(Arrays.asList(Args.require(inputs, "gradgradcheck", "inputs", 2, "tuple of Tensors")), "gradgradcheck",
                "inputs", 2);
        Args.require(options, "gradgradcheck", "options", 4, "GradcheckOptions");
        if (!options.checkBackwardAd()) {
            throw new IllegalArgumentException("Expected at least one of check_fwd_over_rev or check_rev_over_rev to be "
                    + "True");
        }
        Object[] problem = gradgradProblem(fn, inputs, gradOutputs, options.genNonContigGradOutputs());
        @SuppressWarnings("unchecked")
        Function<Tensor[], Tensor[]> firstGrads = (Function<Tensor[], Tensor[]>) problem[0];
        return Gradcheck.gradcheck(firstGrads, (Tensor[]) problem[1], options);
    }

    /** PyTorch's {@code _differentiable_outputs}: the outputs that require grad. */
    private static Tensor[] differentiableOutputs(Tensor[] outs) {
        if (outs == null) {
            throw new IllegalArgumentException("gradgradcheck: the function returned null instead of a Tensor or a tuple "
                    + "of Tensors");
        }
        List<Tensor> diff = new ArrayList<>();
        for (int o = 0; o < outs.length; o++) {
            if (outs[o] == null) {
                throw new IllegalArgumentException("gradgradcheck: output " + o + " of the function is null, not a Tensor");
            }
            if (outs[o].requiresGrad()) {
                diff.add(outs[o]);
            }
        }
        return diff.toArray(new Tensor[0]);
    }

    /**
     * gradgradcheck's random output gradient, as {@code torch.testing.make_tensor(shape, dtype, device, low=-1,
     * high=1, requires_grad=True, noncontiguous=...)}: a non-contiguous one takes every second element of a tensor
     * twice as long in its last dimension.
     */
    private static Tensor randomGradOutput(Generator gen, Tensor out, boolean nonContiguous) {
        DType dtype = out.dtype().isFloatingPoint() ? out.dtype() : DType.FLOAT64;
        int[] shape = out.shape();
        Tensor values;
        try (GradMode scope = Ember.noGrad()) {
            values = Tensor.rand(gen, DType.FLOAT64, shape).mul(2.0).sub(1.0).to(dtype).to(out.device());
            if (nonContiguous && out.numel() > 1) {
                int[] wide = Arrays.copyOf(shape, shape.length + 1);
                wide[shape.length] = 2;
                Tensor base = Tensor.zeros(dtype, wide).to(out.device());
                Tensor view = base.select(shape.length, 0);
                view.copy_(values);
                values = view;
            }
        }
        return values.setRequiresGrad(true);
    }

    /** Thrown by {@link #gradcheck} when analytical and numerical gradients differ. */
    public static final class GradcheckError extends AssertionError {
        private static final long serialVersionUID = 1L;

        GradcheckError(String message) {
            super(message);
        }
    }
}
