package dev.ember;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.function.Function;

/**
 * Runs the backward pass: orders the graph's nodes by dependencies, feeds each node the sum of the gradients of each of
 * its outputs (one buffer per node and output, as PyTorch's InputBuffer), runs hooks, and frees saved tensors unless the
 * graph is retained. A single-output node is called with its one gradient ({@link Node#apply(Tensor)}); a multi-output
 * node once with every output's gradient, null for an output none reached ({@link Node#applyAll}).
 */
final class Engine {
    private Engine() {
    }

    /**
     * Backpropagates from {@code roots} with the given output gradients. With {@code captures} null,
     * gradients accumulate into leaves ({@code backward}); otherwise the gradients reaching the captured
     * nodes are returned in that map, one per output of the node, and nothing is accumulated ({@code autograd.grad}).
     */
    /**
     * PyTorch's check of the tensors a backward pass starts from, made before anything else of the call: each needs an
     * edge to start from, its grad_fn or its accumulator (a leaf view that requires grad only through its base has
     * neither, as PyTorch's {@code grad_accumulator} reads the leaf's own flag).
     */
    static void checkRoots(List<Tensor> roots) {
        for (int i = 0; i < roots.size(); i++) {
            checkRoot(roots.get(i), roots.get(i).gradNode(), i);
        }
    }

    private static void checkRoot(Tensor t, Node fn, int i) {
        if (fn == null && !t.requiresGrad) {
            throw new IllegalStateException("element " + i + " of tensors does not require grad and does not have a grad_fn");
        }
    }

    static void run(List<Tensor> roots, List<Tensor> rootGrads, boolean retainGraph, boolean createGraph,
                    Map<Node, Tensor[]> captures) {
        run(roots, rootGrads, retainGraph, createGraph, captures, false);
    }

    /**
     * A backward pass from {@code roots}. With {@code captures}, only nodes that lead to a captured node run; with
     * {@code runCaptured} the captured nodes run too (a leaf's accumulates its gradient), as PyTorch's
     * {@code backward(inputs=...)} marks its input edges' nodes needed ({@code GraphTask::init_to_execute} with
     * {@code accumulate_grad}), where {@code autograd.grad} only captures what flows into them.
     */
    static void run(List<Tensor> roots, List<Tensor> rootGrads, boolean retainGraph, boolean createGraph,
                    Map<Node, Tensor[]> captures, boolean runCaptured) {
        Node[] rootNodes = new Node[roots.size()];
        int[] rootNrs = new int[roots.size()];
        for (int i = 0; i < roots.size(); i++) {
            Tensor t = roots.get(i);
            Node fn = t.gradNode();
            checkRoot(t, fn, i);
            rootNodes[i] = fn != null ? fn : t.gradAccumulator();
            rootNrs[i] = fn != null ? t.outputNr : 0;
        }

        Map<Node, Integer> deps = countDependencies(rootNodes);
        Map<Node, Boolean> needed = captures == null ? null : neededForCaptures(deps.keySet(), captures);
        if (runCaptured) {
            for (Node n : captures.keySet()) {
                needed.put(n, true);
            }
        }

        Map<Node, Tensor> buffers = new HashMap<>();
        // the buffers of multi-output nodes: one gradient per output, null where none arrived yet
        Map<Node, Tensor[]> multiBuffers = new HashMap<>();
        // Gradients that only this pass holds: made by a node's formula (not passed through from its own input) or
        // summed here. A leaf whose .grad is empty takes such a tensor as it is, as PyTorch's AccumulateGrad steals
        // a gradient nobody else references, instead of copying it.
        Set<Tensor> owned = Collections.newSetFromMap(new IdentityHashMap<>());
        for (int i = 0; i < rootNodes.length; i++) {
            accumulate(buffers, multiBuffers, owned, rootNodes[i], rootNrs[i], rootGrads.get(i), createGraph);
        }
        PriorityQueue<Node> ready = new PriorityQueue<>((a, b) -> Long.compare(b.sequenceNr, a.sequenceNr));
        for (Node n : rootNodes) {
            if (deps.get(n) == 0 && !ready.contains(n) && shouldExecute(n, captures, needed)) {
                ready.add(n);
            }
        }

        boolean anomaly = AnomalyMode.isEnabled();
        boolean checkNan = AnomalyMode.isCheckNanEnabled();
        boolean previousMode = GradMode.gradMode();
        GradMode.set(createGraph);
        Pass outer = CURRENT.get();
        try {
            Pass pass = new Pass(deps, buffers, multiBuffers, owned, ready, captures, needed, anomaly, checkNan,
                    createGraph, retainGraph);
            CURRENT.set(pass);
            while (!ready.isEmpty()) {
                evaluate(ready.poll(), pass);
            }
        } finally {
            GradMode.set(previousMode);
            if (outer == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(outer);
            }
        }
    }

    /**
     * PyTorch's {@code Node::task_should_compute_output} for the edge of {@code node} to {@code next} (not null): while
     * this thread's pass runs {@code node}'s formula, whether that pass executes {@code next} (in
     * {@code autograd.grad} and {@code backward(inputs=...)} only the part of the graph that leads to the inputs runs,
     * so a weight's gradient is not asked for when only the input's is); true otherwise (a full backward, or a node
     * being made, which saves what its formula may need whatever pass later runs it).
     * {@code -Dember.allInputGrads=true} restores the path before session 48 (a formula computed the gradient of every
     * input that requires grad, the engine dropping those the pass does not need), read on each call that could differ
     * so that a benchmark can alternate it in one JVM.
     */
    static boolean taskShouldCompute(Node node, Node next) {
        Pass pass = CURRENT.get();
        if (pass == null || pass.captures == null || pass.running != node) {
            return true;
        }
        return shouldExecute(next, pass.captures, pass.needed) || Boolean.getBoolean("ember.allInputGrads");
    }

    /** The pass running on this thread (a nested one while a hook or a backward formula runs another), or null. */
    private static final ThreadLocal<Pass> CURRENT = new ThreadLocal<>();

    /**
     * The backward pass running on this thread, PyTorch's {@code _current_graph_task_id()} as an identity: an object
     * equal only to itself, or null outside a pass.
     */
    static Object currentPass() {
        return CURRENT.get();
    }

    /**
     * PyTorch's {@code _will_engine_execute_node(node)}: whether the pass running on this thread reaches {@code node}
     * (in an {@code autograd.grad} pass, one captured or leading to a captured one).
     *
     * @throws IllegalStateException outside a backward pass
     */
    static boolean willExecute(Node node) {
        Pass pass = CURRENT.get();
        if (pass == null) {
            throw new IllegalStateException("_will_engine_execute_node should only be called during the backward pass");
        }
        return node != null && pass.deps.containsKey(node) && shouldExecute(node, pass.captures, pass.needed);
    }

    /**
     * Counts, for every node reachable from the roots, the edges that lead into it (a method of its own, as is each
     * node's turn, {@link #evaluate}: run() once held every loop of the pass, and the JIT compiled its 1.5 KB of
     * bytecode three times on stack replacement in a training run's first seconds, 0.3-0.7 s of C2 time each on a
     * 2-core machine; RESULTS.md, session 38).
     */
    private static Map<Node, Integer> countDependencies(Node[] rootNodes) {
        Map<Node, Integer> deps = new IdentityHashMap<>();
        ArrayDeque<Node> stack = new ArrayDeque<>();
        for (Node n : rootNodes) {
            if (!deps.containsKey(n)) {
                deps.put(n, 0);
                stack.push(n);
            }
        }
        while (!stack.isEmpty()) {
            countEdges(stack.pop(), deps, stack);
        }
        return deps;
    }

    /** The edges out of {@code n}: each next node's count goes up by one, a node seen first goes on the stack. */
    private static void countEdges(Node n, Map<Node, Integer> deps, ArrayDeque<Node> stack) {
        for (Node m : n.next) {
            if (m == null) {
                continue;
            }
            Integer d = deps.get(m);
            if (d == null) {
                deps.put(m, 1);
                stack.push(m);
            } else {
                deps.put(m, d + 1);
            }
        }
    }

    /** The state of one backward pass that each node's turn ({@link #evaluate}) reads and updates. */
    private static final class Pass {
        final Map<Node, Integer> deps;
        final Map<Node, Tensor> buffers;
        final Map<Node, Tensor[]> multiBuffers;
        final Set<Tensor> owned;
        final PriorityQueue<Node> ready;
        final Map<Node, Tensor[]> captures;
        final Map<Node, Boolean> needed;
        final boolean anomaly;
        final boolean checkNan;
        final boolean createGraph;
        final boolean retainGraph;
        /** The node whose turn it is: {@link #taskShouldCompute} answers for its formula only. */
        Node running;

        Pass(Map<Node, Integer> deps, Map<Node, Tensor> buffers, Map<Node, Tensor[]> multiBuffers, Set<Tensor> owned,
             PriorityQueue<Node> ready, Map<Node, Tensor[]> captures, Map<Node, Boolean> needed, boolean anomaly,
             boolean checkNan, boolean createGraph, boolean retainGraph) {
            this.deps = deps;
            this.buffers = buffers;
            this.multiBuffers = multiBuffers;
            this.owned = owned;
            this.ready = ready;
            this.captures = captures;
            this.needed = needed;
            this.anomaly = anomaly;
            this.checkNan = checkNan;
            this.createGraph = createGraph;
            this.retainGraph = retainGraph;
        }
    }

    /**
     * One node's turn: its gradient (or gradients) taken from the buffers, its hooks, retain_grad and captures, the node
     * run (or a leaf's gradient accumulated), owned gradients that die here closed, and its inputs' gradients added to
     * the buffers of the next nodes, which join the ready queue when their last edge is done.
     */
    private static void evaluate(Node node, Pass pass) {
        pass.running = node;
        // the profiler's "autograd::engine::evaluate_function: NAME" range (a no-op unless profiling);
        // an exception leaves it open for the enclosing range or the profiler's close to end
        dev.ember.profiler.RecordFunction evaluated = dev.ember.profiler.Profiler.autogradNode(node.name);
        Tensor[] inputGrads = null;
        Tensor grad = node.numOutputs == 1 ? pass.buffers.remove(node) : null;
        if (node.numOutputs != 1) {
            Tensor[] grads = pass.multiBuffers.remove(node);
            if (grads != null) {
                for (int k = 0; k < grads.length; k++) {
                    if (grads[k] != null && grads[k].carriedSparse != null) {
                        pass.owned.remove(grads[k]);
                        grads[k] = SparseGradOps.densify(grads[k]);
                        pass.owned.add(grads[k]);
                    }
                }
                inputGrads = runMulti(node, grads, pass.owned, pass.captures, pass.needed, pass.createGraph, pass.anomaly,
                        pass.checkNan);
            } else {
                callHooksWithoutGradient(node, pass);
            }
        } else if (grad == null) {
            // reached, but no gradient came (an edge brought none): PyTorch runs the node with an undefined
            // gradient, which calls its tensor hooks with None (a leaf's too in 2.x) and computes nothing
            callHooksWithoutGradient(node, pass);
        } else {
            if (grad.carriedSparse != null && (!(node instanceof Node.AccumulateGrad) || !node.preHooks.isEmpty()
                    || node.retainGradTarget != null || (pass.captures != null && pass.captures.containsKey(node)))) {
                // a sparse gradient reaches a formula, a hook or autograd.grad in its dense form
                pass.owned.remove(grad);
                grad = SparseGradOps.densify(grad);
                pass.owned.add(grad);
            }
            // An owned gradient dies here once the node has used it, unless a hook, retain_grad or
            // autograd.grad could have kept it, or the node passes it on or stores it (checked below):
            // closing it now returns its memory during the pass, as PyTorch frees it with its last reference.
            boolean hooked = node.hasNodeHooks();
            boolean release = !pass.createGraph && pass.owned.contains(grad) && node.preHooks.isEmpty() && !hooked
                    && node.retainGradTarget == null && (pass.captures == null || !pass.captures.containsKey(node));
            for (Function<Tensor, Tensor> hook : List.copyOf(node.preHooks)) {
                Tensor replaced = hook.apply(grad);
                if (replaced != null) {
                    grad = replaced;
                }
            }
            if (node.retainGradTarget != null) {
                node.retainGradTarget.retainGradFrom(grad);
            }
            if (pass.captures != null && pass.captures.containsKey(node)) {
                pass.captures.get(node)[0] = grad;
            }
            boolean execute = pass.captures == null || pass.needed.getOrDefault(node, false);
            Tensor received = grad;
            boolean passedOn = false;
            if (execute && hooked) {
                // the node's own pre-hooks, after the tensor hooks and retain_grad, as 2.x's call_pre_hooks
                Tensor[] one = {grad};
                node.runPreHooks(one);
                grad = one[0];
            }
            if (execute && node instanceof Node.AccumulateGrad) {
                boolean steal = !pass.createGraph && node.preHooks.isEmpty() && !hooked && pass.owned.contains(grad);
                Tensor variable = ((Node.AccumulateGrad) node).variable;
                // PyTorch's AccumulateGrad::apply: a leaf that no longer requires grad (detach_(),
                // requires_grad_(False) after the graph was built) gets nothing; its hooks have run. The
                // post-accumulate-grad hooks run after an accumulation only, as PyTorch's
                if (variable.requiresGrad() && grad != null) {
                    release &= !variable.accumulateGrad(grad, steal);
                    variable.runPostAccumulateGradHooks();
                }
                if (hooked) {
                    node.runPostHooks(new Tensor[0], new Tensor[] {grad});
                }
            } else if (execute && grad == null) {
                // a pre-hook took the gradient away: the node computes none (2.x runs it with an undefined one)
                inputGrads = new Tensor[node.next.length];
                node.runPostHooks(inputGrads, new Tensor[1]);
                validate(node, inputGrads);
            } else if (execute) {
                // a view of an owned incoming gradient stays owned when no hook could have kept it
                boolean incomingOwned = pass.owned.contains(grad) && node.preHooks.isEmpty() && !hooked
                        && node.retainGradTarget == null;
                inputGrads = pass.createGraph || node.runsUserCode ? run(node, grad, null, pass.anomaly)
                        : runScoped(node, grad, null, pass.anomaly);
                validate(node, inputGrads, hooked && node.runsUserCode);
                if (hooked) {
                    // what the node's hooks see or return may be kept by them: nothing here is freed early
                    maskUnneeded(node, inputGrads, pass.captures, pass.needed);
                    node.runPostHooks(inputGrads, new Tensor[] {grad});
                    validate(node, inputGrads);
                }
                if (pass.checkNan) {
                    checkNan(node, inputGrads);
                }
                if (!pass.createGraph && !hooked) {
                    markOwned(node, grad, incomingOwned, inputGrads, pass.owned);
                    passedOn = incomingOwned && !node.runsUserCode
                            && (pass.captures == null || !pass.captures.containsKey(node))
                            && passesOnOwned(node, grad, inputGrads);
                }
                for (Tensor out : inputGrads) {
                    release &= out != grad;
                }
            }
            pass.owned.remove(received);
            if (passedOn) {
                pass.owned.add(grad); // still only this pass holds it: the next node (a leaf's AccumulateGrad) may take it
            }
            if (release) {
                received.close(); // views of it the node returned keep the storage until they are done
            }
        }
        if (!pass.retainGraph && (pass.captures == null || pass.needed.getOrDefault(node, false))) {
            node.release();
        }
        for (int i = 0; i < node.next.length; i++) {
            Node m = node.next[i];
            if (m == null || !shouldExecute(m, pass.captures, pass.needed)) {
                continue;
            }
            if (inputGrads != null && inputGrads[i] != null) {
                accumulate(pass.buffers, pass.multiBuffers, pass.owned, m, node.nextNr(i), inputGrads[i],
                        pass.createGraph);
            }
            int d = pass.deps.get(m) - 1;
            pass.deps.put(m, d);
            if (d == 0) {
                pass.ready.add(m);
            }
        }
        evaluated.close();
    }

    /**
     * A node reached without any gradient: its outputs' tensor hooks are called with null and, where the pass runs
     * the node, its own pre-hooks and post-hooks with nulls (2.x runs it with undefined gradients, which compute none).
     */
    private static void callHooksWithoutGradient(Node node, Pass pass) {
        Tensor[] grads = new Tensor[node.numOutputs];
        callHooks(node, grads);
        if (node.hasNodeHooks() && (pass.captures == null || pass.needed.getOrDefault(node, false))) {
            node.runPreHooks(grads);
            node.runPostHooks(new Tensor[node instanceof Node.AccumulateGrad ? 0 : node.next.length], grads);
        }
    }

    /**
     * The tensor hooks of a node's outputs on their gradients ({@code grads[k]}, replaced in place by what a hook returns),
     * output by output in {@link Node#hookedOutputs()}'s order. An output no gradient reached calls its hooks with null,
     * as PyTorch calls a tensor hook with None there (PyFunctionTensorPreHook wraps the undefined gradient); a hook may
     * then return null only ("can't replace a None gradient with a non-None value", as PyTorch's check_single_result).
     */
    private static void callHooks(Node node, Tensor[] grads) {
        for (int k : node.hookedOutputs()) {
            List<Function<Tensor, Tensor>> hooks = node.hooks(k, false);
            if (hooks == null || hooks.isEmpty()) {
                continue;
            }
            for (Function<Tensor, Tensor> hook : List.copyOf(hooks)) {
                Tensor replaced = hook.apply(grads[k]);
                if (replaced != null) {
                    if (grads[k] == null) {
                        throw new IllegalStateException("can't replace a None gradient with a non-None value");
                    }
                    grads[k] = replaced;
                }
            }
        }
    }

    /**
     * A multi-output node's turn: the outputs' hooks ({@link #callHooks}: an output none reached calls its hooks with
     * null), then each output's retain_grad and capture where a gradient came (2.x's retain_grad hook skips an undefined
     * one), then the node runs once with all of them; owned gradients that die here are closed.
     * Returns the inputs' gradients, or null when the node does not run ({@code autograd.grad} not needing it).
     */
    private static Tensor[] runMulti(Node node, Tensor[] grads, Set<Tensor> owned, Map<Node, Tensor[]> captures,
                                     Map<Node, Boolean> needed, boolean createGraph, boolean anomaly, boolean checkNan) {
        int count = grads.length;
        boolean captured = captures != null && captures.containsKey(node);
        boolean hooked = node.hasNodeHooks();
        boolean[] release = new boolean[count];
        boolean[] incomingOwned = new boolean[count];
        // how many of the outputs' gradients share each storage (one that another output's gradient shares is not freed)
        Map<StorageLease, Integer> leases = new IdentityHashMap<>();
        for (Tensor g : grads) {
            if (g != null) {
                leases.merge(g.lease, 1, Integer::sum);
            }
        }
        for (int k = 0; k < count; k++) {
            Tensor g = grads[k];
            if (g == null) {
                continue;
            }
            List<Function<Tensor, Tensor>> hooks = node.hooks(k, false);
            boolean quiet = (hooks == null || hooks.isEmpty()) && node.retainGradTarget(k) == null && !hooked;
            boolean shared = leases.get(g.lease) > 1;
            incomingOwned[k] = owned.contains(g) && quiet && !shared;
            release[k] = !createGraph && incomingOwned[k] && !captured;
        }
        callHooks(node, grads);
        for (int k = 0; k < count; k++) {
            Tensor g = grads[k];
            if (g == null) {
                continue;
            }
            Tensor target = node.retainGradTarget(k);
            if (target != null) {
                target.retainGradFrom(g);
            }
            if (captured) {
                captures.get(node)[k] = g;
            }
            grads[k] = g;
        }
        Tensor[] inputGrads = null;
        Tensor[] received = grads.clone();
        if (captures == null || needed.getOrDefault(node, false)) {
            if (hooked) {
                node.runPreHooks(grads); // the node's own pre-hooks, as 2.x's call_pre_hooks
            }
            inputGrads = createGraph || node.runsUserCode ? run(node, null, grads, anomaly)
                    : runScoped(node, null, grads, anomaly);
            validate(node, inputGrads, hooked && node.runsUserCode);
            if (hooked) {
                // what the node's hooks see or return may be kept by them: nothing here is freed early
                maskUnneeded(node, inputGrads, captures, needed);
                node.runPostHooks(inputGrads, grads);
                validate(node, inputGrads);
            }
            if (checkNan) {
                checkNan(node, inputGrads);
            }
            if (!createGraph && !hooked) {
                markOwnedMulti(node, grads, incomingOwned, inputGrads, owned);
            }
            for (int k = 0; k < count; k++) {
                if (grads[k] == null) {
                    continue;
                }
                for (Tensor out : inputGrads) {
                    release[k] &= out != grads[k];
                }
            }
        }
        for (int k = 0; k < count; k++) {
            if (received[k] != null) {
                owned.remove(received[k]);
                if (release[k]) {
                    received[k].close(); // views of it the node returned keep the storage until they are done
                }
            }
        }
        return inputGrads;
    }

    /** Calls the node: with its one gradient {@code grad}, or with every output's ({@code grads}, not null). */
    private static Tensor[] run(Node node, Tensor grad, Tensor[] grads, boolean anomaly) {
        if (anomaly) {
            return applyChecked(node, grad, grads);
        }
        return grads == null ? node.apply(grad) : node.applyAll(grads);
    }

    /**
     * Runs a node's backward formula in a scope of its own, which keeps the gradients it returns (they go to the
     * enclosing scope, or none) and closes every other tensor the formula made: its temporaries die when the node is
     * done, as PyTorch frees them with their last reference, instead of living until the step's scope closes (a GPT
     * step kept several gigabytes of them at block 1024). Not while a graph of the backward is being made
     * ({@code createGraph}), whose nodes save those temporaries, nor for a node that runs the user's code.
     */
    private static Tensor[] runScoped(Node node, Tensor grad, Tensor[] grads, boolean anomaly) {
        Tensor[] out;
        try (TensorScope temporaries = new TensorScope(16, false)) {
            out = run(node, grad, grads, anomaly);
            if (out != null) {
                for (Tensor t : out) {
                    if (t != null) {
                        temporaries.keep(t);
                    }
                }
            }
        }
        return out;
    }

    /**
     * Runs a node's backward under anomaly detection: an exception it throws gets the stack of the forward call that
     * made the node as a suppressed exception (PyTorch prints it as a warning, then re-raises).
     */
    private static Tensor[] applyChecked(Node node, Tensor grad, Tensor[] grads) {
        try {
            return grads == null ? node.apply(grad) : node.applyAll(grads);
        } catch (RuntimeException | Error e) {
            if (node.forwardTrace != null) {
                e.addSuppressed(node.forwardTrace);
            }
            throw e;
        }
    }

    /**
     * Anomaly detection's NaN check, as PyTorch's engine: the first returned gradient holding a NaN is an error naming
     * the node and the output's index, with the forward call's stack as its cause.
     */
    private static void checkNan(Node node, Tensor[] grads) {
        for (int i = 0; i < grads.length; i++) {
            Tensor g = SparseGradOps.densify(grads[i]); // a sparse gradient is checked through its values
            if (g == null || !g.dtype().isFloatingPoint()) {
                continue;
            }
            boolean nan;
            try (GradMode off = new GradMode(false)) {
                nan = g.isnan().any();
            }
            if (nan) {
                IllegalStateException e = new IllegalStateException("Function '" + node.name()
                        + "' returned nan values in its " + i + "th output.");
                if (node.forwardTrace != null) {
                    e.initCause(node.forwardTrace);
                }
                throw e;
            }
        }
    }

    /**
     * Marks the gradients a node returned that nothing else can reach: not its incoming gradient or a view of it
     * (unless that was owned), not sharing memory with another of its outputs or with a tensor it saved.
     */
    private static void markOwned(Node node, Tensor grad, boolean incomingOwned, Tensor[] outs, Set<Tensor> owned) {
        for (int i = 0; i < outs.length; i++) {
            Tensor g = outs[i];
            if (g == null || g == grad || (g.lease == grad.lease && !incomingOwned) || node.savesStorage(g.lease)) {
                continue;
            }
            boolean unique = true;
            for (int j = 0; j < outs.length; j++) {
                unique &= j == i || outs[j] == null || outs[j].lease != g.lease;
            }
            if (unique) {
                owned.add(g);
            }
        }
    }

    /**
     * Whether a node passed its owned incoming gradient on unchanged ({@code AddBackward0}'s gradient of an input of
     * the output's shape, a view's identity backward) to one input only, saving nothing that shares its memory: the
     * gradient then stays owned, so a leaf's AccumulateGrad takes it instead of copying it, as PyTorch's AccumulateGrad
     * steals a gradient only the engine references (the node's output list dropped once it returns).
     * {@code -Dember.autograd.copyPassedOn=true} keeps the path before session 56 (a passed-on gradient was no longer
     * owned and the leaf copied it), read per call so a benchmark can alternate it in one JVM.
     */
    private static boolean passesOnOwned(Node node, Tensor grad, Tensor[] outs) {
        if (Boolean.getBoolean("ember.autograd.copyPassedOn") || node.savesStorage(grad.lease)) {
            return false;
        }
        int same = 0;
        for (Tensor g : outs) {
            if (g != null && g.lease == grad.lease) {
                if (g != grad) {
                    return false; // a view of it beside it: markOwned's rule (one output per storage) decides
                }
                same++;
            }
        }
        return same == 1;
    }

    /** {@link #markOwned} for a multi-output node: a returned gradient must be apart from every incoming one. */
    private static void markOwnedMulti(Node node, Tensor[] grads, boolean[] incomingOwned, Tensor[] outs,
                                       Set<Tensor> owned) {
        for (int i = 0; i < outs.length; i++) {
            Tensor g = outs[i];
            if (g == null || node.savesStorage(g.lease)) {
                continue;
            }
            boolean unique = true;
            for (int k = 0; k < grads.length; k++) {
                unique &= grads[k] == null || (g != grads[k] && (g.lease != grads[k].lease || incomingOwned[k]));
            }
            for (int j = 0; j < outs.length; j++) {
                unique &= j == i || outs[j] == null || outs[j].lease != g.lease;
            }
            if (unique) {
                owned.add(g);
            }
        }
    }

    /** Adds {@code grad} into the buffer of output {@code nr} of {@code node}. */
    private static void accumulate(Map<Node, Tensor> buffers, Map<Node, Tensor[]> multiBuffers, Set<Tensor> owned,
                                   Node node, int nr, Tensor grad, boolean createGraph) {
        Tensor[] slots = null;
        Tensor before;
        if (node.numOutputs == 1) {
            before = buffers.get(node);
            if (before == null) {
                buffers.put(node, grad);
                return;
            }
        } else {
            slots = multiBuffers.computeIfAbsent(node, n -> new Tensor[n.numOutputs]);
            before = slots[nr];
            if (before == null) {
                slots[nr] = grad;
                return;
            }
        }
        Tensor sum = before.carriedSparse != null || grad.carriedSparse != null ? SparseGradOps.add(before, grad)
                : before.add(grad);
        // summed gradients only this pass held are dead now (with create_graph they are part of the new graph)
        if (owned.remove(before) && !createGraph) {
            before.close();
        }
        if (owned.remove(grad) && !createGraph && grad != before) {
            grad.close();
        }
        owned.add(sum);
        if (slots == null) {
            buffers.put(node, sum);
        } else {
            slots[nr] = sum;
        }
    }

    /** Casts and sums each returned gradient to its input's type and shape, as PyTorch's validate_outputs. */
    private static void validate(Node node, Tensor[] grads) {
        validate(node, grads, false);
    }

    /**
     * In a pass that runs part of the graph ({@code autograd.grad}, {@code backward(inputs=...)}), the gradients a
     * built-in node made for inputs whose nodes this pass does not run are dropped before its post-hooks see them:
     * PyTorch's formulas compute only the outputs {@code task_should_compute_output} asks for (those whose next node
     * the pass executes), so its post-hooks see None there. A node that runs the user's code keeps what it returned,
     * as PyTorch's Python function does.
     */
    private static void maskUnneeded(Node node, Tensor[] grads, Map<Node, Tensor[]> captures, Map<Node, Boolean> needed) {
        if (captures == null || node.runsUserCode) {
            return;
        }
        for (int i = 0; i < grads.length && i < node.next.length; i++) {
            if (node.next[i] != null && !shouldExecute(node.next[i], captures, needed)) {
                grads[i] = null;
            }
        }
    }

    /**
     * PyTorch's {@code validate_outputs}: the gradients' count checked, each summed to its input's shape and cast to
     * its type; a gradient for an input without an edge (one that does not require grad) is dropped, unless
     * {@code keepUnconnected}: PyTorch's validate_outputs skips such a gradient and leaves it as the user's backward
     * returned it, so a node's post-hooks see it (only user code computes one; the call after the hooks drops it).
     */
    private static void validate(Node node, Tensor[] grads, boolean keepUnconnected) {
        if (grads.length != node.next.length) {
            throw new IllegalStateException("function " + node.name() + " returned an incorrect number of gradients (expected "
                    + node.next.length + ", got " + grads.length + ")");
        }
        for (int i = 0; i < grads.length; i++) {
            Tensor g = grads[i];
            if (g == null || node.next[i] == null) {
                if (!keepUnconnected) {
                    grads[i] = null;
                }
                continue;
            }
            int[] want = node.inputShapes[i];
            if (g.carriedSparse != null) {
                if (java.util.Arrays.equals(g.shapeRef(), want) && g.dtype() == node.inputDTypes[i]) {
                    continue; // a sparse gradient of its input's shape and type goes on as it is
                }
                g = SparseGradOps.densify(g);
            }
            if (!java.util.Arrays.equals(g.shapeRef(), want)) {
                if (!Shapes.expandable(want, g.shapeRef())) {
                    // validate_outputs names the node as node->name() does (torch::autograd::CopySlices, not CopySlices)
                    throw new IllegalStateException("Function " + SavedTensor.cppName(node)
                            + " returned an invalid gradient at index " + i + " - got " + Shapes.str(g.shapeRef()) + " but expected shape compatible with " + Shapes.str(want));
                }
                g = ReductionOps.sumTo(g, want);
            }
            if (g.dtype().isComplex() && !node.inputDTypes[i].isComplex()) {
                g = ComplexOps.real(g); // PyTorch's validate_outputs: a real input takes the real part
            }
            if (g.dtype() != node.inputDTypes[i]) {
                g = g.to(node.inputDTypes[i]);
            }
            grads[i] = g;
        }
    }

    /**
     * Whether the pass reaches {@code node} at all, PyTorch's {@code exec_info[node].should_execute()}: always in a
     * backward; in an {@code autograd.grad} pass only when the node is captured or leads to a captured one. A node that
     * is neither is never queued (PyTorch's engine skips it), so its tensor hooks are not called: a parameter's hook
     * does not run, with or without a gradient, when {@code autograd.grad(out, x)} asks for x's gradient only.
     */
    private static boolean shouldExecute(Node node, Map<Node, Tensor[]> captures, Map<Node, Boolean> needed) {
        return captures == null || captures.containsKey(node) || needed.getOrDefault(node, false);
    }

    /** Nodes from which a captured node can be reached: only these run in {@code autograd.grad}. */
    private static Map<Node, Boolean> neededForCaptures(Iterable<Node> nodes, Map<Node, Tensor[]> captures) {
        Map<Node, Boolean> memo = new IdentityHashMap<>();
        for (Node n : nodes) {
            leadsToCapture(n, captures, memo);
        }
        return memo;
    }

    private static boolean leadsToCapture(Node start, Map<Node, Tensor[]> captures, Map<Node, Boolean> memo) {
        // iterative post-order, as graphs can be deeper than the Java stack
        ArrayDeque<Node> stack = new ArrayDeque<>();
        stack.push(start);
        while (!stack.isEmpty()) {
            Node n = stack.peek();
            if (memo.containsKey(n)) {
                stack.pop();
                continue;
            }
            boolean pending = false;
            for (Node m : n.next) {
                if (m != null && !memo.containsKey(m)) {
                    stack.push(m);
                    pending = true;
                }
            }
            if (pending) {
                continue;
            }
            stack.pop();
            boolean leads = false;
            for (Node m : n.next) {
                if (m != null && (captures.containsKey(m) || memo.get(m))) {
                    leads = true;
                    break;
                }
            }
            memo.put(n, leads);
        }
        return memo.get(start);
    }
}
