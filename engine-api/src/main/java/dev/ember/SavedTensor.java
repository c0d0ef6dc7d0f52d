package dev.ember;

/**
 * A tensor saved by a node for its backward pass, with the version it had when saved (PyTorch's
 * {@code SavedVariable}). Reading it after it was freed or changed in place raises PyTorch's errors.
 */
final class SavedTensor {
    private Tensor tensor;
    private int savedVersion;
    /** For a node's own output, the node, named in the in-place error as PyTorch does; null for another tensor. */
    private final String owner;
    /**
     * For a saved output, its shape when saved: PyTorch saves an output's {@code tensor_data()}, a copy of its metadata,
     * so the in-place error names that shape after an in-place view op (unsqueeze_, t_) changed the tensor's; null for
     * an input, saved as the tensor itself.
     */
    private int[] savedShape;
    /** Which output of its node the saved output is. */
    private final int outputNr;
    /** The node that saved it, named when the tensor was closed before the backward read it. */
    private final Node savedBy;
    /** For an in-place op's result written into a view: the view and its history right after the write; else null. */
    private Tensor view;
    private Node viewNode;
    /**
     * The saved-tensor hooks this tensor was packed with ({@link SavedTensorsHooks}), then {@link #tensor} is null and
     * {@link #packed} holds what pack returned; null when saved as it is. Dropped with the packed object by {@link #free}.
     */
    private SavedTensorsHooks hooks;
    private Object packed;
    /** With hooks, the metadata PyTorch's {@code save_metadata} keeps: the history the unpacked tensor gets. */
    private Node gradFn;
    private Node.AccumulateGrad accumulator;
    private boolean requiresGrad;
    /** With hooks, the storage of the last tensor unpack returned, which a returned gradient may share. */
    private StorageLease unpackedLease;

    SavedTensor(Tensor t, Node owner, boolean isOutput) {
        this.tensor = t;
        this.savedVersion = t.version();
        this.savedShape = isOutput ? t.shapeRef().clone() : null;
        this.owner = isOutput ? cppName(owner) : null;
        this.outputNr = t.outputNr;
        this.savedBy = owner;
        SavedTensorsHooks h = SavedTensorsHooks.current();
        if (h != null && !t.wrappedNumber) { // PyTorch 2.x keeps wrapped numbers from the hooks
            pack(h, t, owner, isOutput);
        }
    }

    /**
     * PyTorch's {@code save_metadata} and {@code set_hooks_and_pack_data}: the history the unpacked tensor will get (a
     * saved output's is its own node; a leaf's its accumulator), then pack with autograd off, which must not change
     * the tensor in place.
     */
    private void pack(SavedTensorsHooks h, Tensor t, Node node, boolean isOutput) {
        if (t.gradFn == null) {
            requiresGrad = t.requiresGrad;
            accumulator = t.requiresGrad ? t.gradAccumulator() : null;
        } else {
            Node fn;
            try {
                fn = t.gradNode();
            } catch (IllegalStateException e) {
                fn = t.gradFn; // a view whose history cannot be regenerated: the one it was made with
            }
            gradFn = isOutput ? node : fn;
        }
        Object result;
        try (GradMode off = Ember.noGrad()) {
            result = h.pack.apply(t);
        }
        if (t.version() != savedVersion) {
            throw new IllegalStateException("A saved tensor pack hook is modifying its input in place. Tensors provided as "
                    + "input to pack hook can not be modified by in-place operations as this can lead to unexpected "
                    + "side-effects. Please open an issue if you need to perform in-place operations on the input to a "
                    + "pack hook.");
        }
        hooks = h;
        packed = result;
        tensor = null;
    }

    void free() {
        tensor = null;
        hooks = null;
        packed = null;
        unpackedLease = null;
    }

    /**
     * A saved output {@code from} that an in-place op wrote into {@code to}: the saved tensor becomes {@code to} at its
     * current version, as PyTorch's in-place op saves its result, self, so that a later change of it is caught.
     */
    void retargetOutput(Tensor from, Tensor to) {
        retargetOutput(from, to, null);
    }

    /**
     * {@link #retargetOutput(Tensor, Tensor)} into a view: the error then names {@code viewNode}, the view's history
     * after the write, as PyTorch's saved variable of an in-place op on a view keeps the view's grad_fn of that moment.
     */
    void retargetOutput(Tensor from, Tensor to, Node viewNode) {
        if (owner != null && tensor == from) {
            tensor = to;
            savedVersion = to.version();
            savedShape = to.shapeRef().clone();
            if (viewNode != null) {
                this.view = to;
                this.viewNode = viewNode;
            }
        }
    }

    /** Whether this saves {@code t} as its node's output ({@link Node#saveOutput}). */
    boolean savesOutput(Tensor t) {
        return owner != null && tensor == t;
    }

    /**
     * A saved input {@code self} that an in-place op is about to change becomes {@code old}, a copy of its values with
     * its history, at its current version, as if the op had been computed on {@code old}. Only the tensor itself can be
     * replaced: a saved view of its storage is refused (the in-place op's caller must not take this path then).
     */
    void replaceInput(Tensor self, Tensor old) {
        if (tensor == null || tensor.lease != self.lease) {
            return;
        }
        if (owner != null || hooks != null || tensor != self) {
            throw new IllegalStateException("internal: an in-place op's node saved a view of self's storage");
        }
        tensor = old;
        savedVersion = old.version();
    }

    /** Whether the saved tensor (still held) lives in the storage of {@code lease}. */
    boolean holds(StorageLease lease) {
        return tensor != null ? tensor.lease == lease : unpackedLease != null && unpackedLease == lease;
    }

    Tensor get() {
        if (hooks != null) {
            return unpack();
        }
        if (tensor == null) {
            throw new IllegalStateException("Trying to backward through the graph a second time (or directly access "
                    + "saved tensors after they have already been freed). Saved intermediate values of the graph are "
                    + "freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
                    + "backward through the graph a second time or if you need to access saved tensors after calling "
                    + "backward.");
        }
        if (tensor.isClosed()) {
            // PyTorch's graph holds its saved tensors; in Ember their owner may close them first (by hand or a scope)
            throw new IllegalStateException("A tensor that " + cppName(savedBy) + " saved for its backward ("
                    + Shapes.str(tensor.shapeRef()) + ", " + tensor.dtype().torchName() + ", " + tensor.device()
                    + ") has been closed, so the graph can no longer be differentiated. Keep the tensors a graph saved "
                    + "open until its backward has run: a tensor made inside Ember.scope() is closed when the scope "
                    + "closes; run the backward inside the scope, or keep the tensor past it with scope.keep(tensor).");
        }
        int now = tensor.version();
        if (now != savedVersion) {
            String what = "[" + tensor.typeName() + " " + Shapes.str(savedShape != null ? savedShape : tensor.shapeRef())
                    + "]";
            String output = owner != null ? ", which is output " + outputNr + " of " + ownerName() + "," : madeBy(tensor);
            throw new IllegalStateException("one of the variables needed for gradient computation has been modified "
                    + "by an inplace operation: " + what + output + " is at version " + now + "; expected version "
                    + savedVersion + " instead." + (AnomalyMode.isEnabled()
                    ? " Hint: the backtrace further above shows the operation that failed to compute its gradient. The "
                    + "variable in question was changed in there or anywhere later. Good luck!"
                    : " Hint: enable anomaly detection to find the operation that failed to compute its gradient, with "
                    + "torch.autograd.set_detect_anomaly(True)."));
        }
        if (owner != null && savedBy != null && !tensor.differentiableView
                && (tensor.gradFn == null || tensor.gradFn == savedBy && GradMode.isEnabled())) {
            // PyTorch unpacks a saved output as a new variable with the node that saved it as its history
            // (make_variable(data, Edge(saved_for, output_nr))): an output detached in place since it was saved still
            // records under create_graph, and a node of the double backward that saves the unpacked output names that
            // node in its in-place error even after the output itself was changed in place (its grad_fn moved on)
            Tensor var = tensor.detach();
            var.gradFn = savedBy;
            var.outputNr = outputNr;
            return var;
        }
        return tensor;
    }

    /**
     * A packed tensor back through its unpack hook, without the version check (PyTorch cannot track versions through
     * the hooks): unpack's tensor itself when it needs no history, else a tensor over it with the saved one's history,
     * as PyTorch's {@code make_variable(data, Edge(grad_fn, output_nr))}.
     */
    private Tensor unpack() {
        Tensor data = hooks.unpack.apply(packed);
        if (data == null) {
            throw new IllegalArgumentException("Output of saved tensor unpack_hook expected to be a Tensor but got result "
                    + "of type NoneType");
        }
        unpackedLease = data.lease;
        if (gradFn == null && !requiresGrad && !data.requiresGrad()) {
            return data;
        }
        Tensor var = data.detach();
        if (gradFn != null) {
            var.gradFn = gradFn;
            var.outputNr = outputNr;
        } else {
            var.requiresGrad = requiresGrad;
            var.accumulator = accumulator;
        }
        return var;
    }

    /**
     * The node the in-place error names for a saved output: the op's own node, or for a result written into a view the
     * view's history right after the write while that node lives (the view still has it, a later op took it as an
     * edge, or a later in-place write into the view did and the backward has not yet run that write's CopySlices
     * without retaining the graph, which drops it), as PyTorch's saved variable holds it weakly and falls back to the
     * op's node once it has died.
     */
    private String ownerName() {
        if (viewNode != null && (view.gradFn == viewNode || viewNode.linked
                || viewNode.linkedByWrite != null && !viewNode.linkedByWrite.released)) {
            return cppName(viewNode);
        }
        return owner;
    }

    /**
     * The in-place error's words for a saved input: the node that made it now, as PyTorch names its grad_fn when the
     * error is raised (the in-place op's node after a change under grad mode; AsStridedBackward0 for a view whose
     * storage changed); nothing for a leaf.
     */
    private static String madeBy(Tensor t) {
        Node now;
        try {
            now = t.gradNode();
        } catch (IllegalStateException e) {
            now = t.gradFn; // a view whose history cannot be regenerated: the one it was made with
        }
        return now == null ? "" : ", which is output " + t.outputNr + " of " + cppName(now) + ",";
    }

    /**
     * A node as PyTorch's message names it ({@code node->name()}): the generated nodes by their Python names, CopySlices
     * and CopyBackwards (C++ classes of torch::autograd, not generated) as {@code torch::autograd::CopySlices} and
     * {@code torch::autograd::CopyBackwards}.
     */
    static String cppName(Node node) {
        String name = node.name();
        return name.equals("CopySlices") || name.equals("CopyBackwards") ? "torch::autograd::" + name : name;
    }
}
