package dev.ember;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * A node of the autograd graph: the backward function of one operation (PyTorch's {@code grad_fn}),
 * with edges to the nodes that produced its differentiable inputs. Every node has one output: the
 * tensor it created.
 */
public abstract class Node {
    private static final AtomicLong SEQUENCE = new AtomicLong();

    /** Later nodes run first when several are ready, as in PyTorch's engine. */
    final long sequenceNr;
    final String name;
    /** The node each input's gradient flows to, or null for an input that needs none. */
    final Node[] next;
    /** Shape, type and device of each input, to validate and reduce the gradients the formula returns. */
    final int[][] inputShapes;
    final DType[] inputDTypes;
    final Device[] inputDevices;
    /** Hooks registered on the output tensor, run in order on the incoming gradient. */
    final List<Function<Tensor, Tensor>> preHooks = new ArrayList<>();
    /** The output tensor, when it asked to retain its gradient. */
    Tensor retainGradTarget;
    private final List<SavedTensor> saved = new ArrayList<>();
    boolean released;
    /**
     * Whether the backward runs the user's code (a custom {@link AutogradFunction}, a module's backward hook), which
     * may keep tensors it makes: the engine then leaves the formula's temporaries to the enclosing scope.
     */
    boolean runsUserCode;
    /** The stack of the forward call that made this node, when anomaly detection was on; else null. */
    final Autograd.ForwardTrace forwardTrace;

    Node(String name, Tensor[] inputs, long sequenceNr) {
        this.name = name;
        this.sequenceNr = sequenceNr;
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
            inputDTypes[i] = t.dtype();
            inputDevices[i] = t.device();
            if (t.requiresGrad()) {
                Node fn = t.gradNode();
                next[i] = fn != null ? fn : t.gradAccumulator();
            }
        }
    }

    Node(String name, Tensor[] inputs) {
        this(name, inputs, SEQUENCE.getAndIncrement());
    }

    /** PyTorch's name for this backward function, for example {@code MulBackward0}. */
    public String name() {
        return name;
    }

    /** The nodes this one sends gradients to, one per input; null where an input needs no gradient. */
    public List<Node> nextFunctions() {
        return Collections.unmodifiableList(java.util.Arrays.asList(next.clone()));
    }

    /** Whether input {@code i} needs a gradient. */
    final boolean needsInputGrad(int i) {
        return next[i] != null;
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

    @Override
    public String toString() {
        return "<" + name + ">";
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
            variable.accumulateGrad(grad, false); // the engine calls accumulateGrad itself, with ownership
            return new Tensor[0];
        }
    }
}
