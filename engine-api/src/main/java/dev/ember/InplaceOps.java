package dev.ember;

import dev.ember.backend.BinaryOp;
import dev.ember.backend.Layout;

import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * In-place ops: PyTorch's rules for writing into a tensor, and the autograd history the write leaves.
 *
 * <p>When autograd records, the op is computed out of place on the old values (carrying the old history), written
 * back, and the tensor's history is rebased onto the op's node. On a view of a tensor that autograd records (or when
 * another operand requires grad), the base's history is rebased through a {@code CopySlices} node instead: the base is
 * its old self outside the view and the op's result inside it, so its gradient goes to the old history outside the
 * view and through the op inside it. Every view of a storage that changed in place then regenerates its history
 * ({@code AsStridedBackward0} on the base) the next time autograd reads it, as PyTorch's views do.
 */
final class InplaceOps {
    private InplaceOps() {
    }

    /** PyTorch's error for writing into a tensor whose elements share memory. */
    private static final String SELF_OVERLAP = "unsupported operation: more than one element of the written-to tensor "
            + "refers to a single memory location. Please clone() the tensor before performing the operation.";

    /** Checks PyTorch's rules for writing into {@code self} in place, before anything is written. */
    static void checkInplace(Tensor self, List<Tensor> others) {
        checkInplace(self, others, true);
    }

    /**
     * {@link #checkInplace(Tensor, List)}; without {@code refuseSelfOverlap} a tensor whose elements share memory (an
     * expanded one) may be written, as PyTorch's fill_ and zero_ allow: every element gets the same value.
     */
    static void checkInplace(Tensor self, List<Tensor> others, boolean refuseSelfOverlap) {
        InferenceMode.checkInplace(self);
        if (GradMode.isEnabled()) {
            if (self.isLeaf() && self.requiresGrad) {
                throw new IllegalStateException("a leaf Variable that requires grad is being used in an in-place operation.");
            }
            if (self.differentiableView) {
                Tensor base = self.viewBase;
                // PyTorch's check_inplace: when autograd is involved (the view, which requires grad when its base does,
                // or another operand), first handle_view_on_rebase (a view made in no_grad or inference mode, or by an op
                // returning several views, may not be modified), then the view-of-a-leaf rule
                boolean selfGrad = self.requiresGrad(); // regenerates the history first, which may refuse (indirect)
                if ((self.noGradView || self.multiOutputView || self.inferenceView)
                        && (selfGrad || base.requiresGrad() || ArithmeticOps.needsGrad(others.toArray(new Tensor[0])))) {
                    throw new IllegalStateException(viewRebaseMessage(self, false));
                }
                // the view requires grad and its base is a leaf (which may itself not require grad:
                // x = t.reshape(2, 3).requiresGrad_(true) is a leaf view of t, and its views write into x)
                if (selfGrad && base.isLeaf()) {
                    throw new IllegalStateException("a view of a leaf Variable that requires grad is being used in an "
                            + "in-place operation.");
                }
            }
        }
        int[] st = self.layout.strides();
        for (int i = 0; refuseSelfOverlap && i < st.length; i++) {
            if (st[i] == 0 && self.shape[i] > 1) {
                throw new IllegalArgumentException(SELF_OVERLAP);
            }
        }
    }

    /**
     * PyTorch's {@code handle_view_on_rebase} message for an in-place change of {@code view} (made in no_grad or inference
     * mode, or by an op returning several views): the change is made to the view itself, or ({@code indirect}) to its
     * base or another view of it.
     */
    static String viewRebaseMessage(Tensor view, boolean indirect) {
        String modified = indirect ? "its base or another view of its base has been" : "is being";
        Node fn = view.gradFn;
        String msg;
        if (view.inferenceView || view.noGradView || fn == null) {
            String prefix = fn != null ? "Output " + view.outputNr + " of " + fn.name() + " is a view of a view which was "
                    + "created in" : "A view was created in";
            msg = view.inferenceView ? prefix + " inference mode and " + modified + " modified inplace in normal mode."
                    : prefix + " no_grad mode and " + modified + " modified inplace with grad mode enabled.";
        } else {
            msg = "Output " + view.outputNr + " of " + fn.name() + " is a view and " + modified + " modified inplace.";
        }
        if (view.multiOutputView) {
            return msg + " This view is the output of a function that returns multiple views. Such functions do not allow "
                    + "the output views to be modified inplace. You should replace the inplace operation by an out-of-place "
                    + "one.";
        }
        String block = view.inferenceView ? "inference_mode" : "no_grad";
        return msg + " Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify your code by "
                + "moving both the view and the inplace either both inside the " + block + " block (if you don't want the "
                + "inplace to be tracked) or both outside (if you want the inplace to be tracked).";
    }

    /** Checks that {@code result} (computed out of place) can be written into {@code self}: shape and type. */
    private static void checkWriteBack(Tensor self, Tensor result) {
        checkWriteBack(self, result, false);
    }

    /**
     * {@link #checkWriteBack(Tensor, Tensor)}; with {@code cppTypeName} the type error names {@code self}'s type as C++
     * does ({@code long int}), as PyTorch's clamp_ does (its own check prints the TypeMeta; the shared one the scalar
     * type, {@code Long}).
     */
    private static void checkWriteBack(Tensor self, Tensor result, boolean cppTypeName) {
        if (!Arrays.equals(result.shape, self.shape)) {
            throw new IllegalArgumentException("output with shape " + Shapes.str(self.shape)
                    + " doesn't match the broadcast shape " + Shapes.str(result.shape));
        }
        if (!ArithmeticOps.canCast(result.dtype, self.dtype)) {
            throw new IllegalArgumentException("result type " + Format.scalarType(result.dtype)
                    + " can't be cast to the desired output type "
                    + (cppTypeName ? ArithmeticOps.cTypeName(self.dtype) : Format.scalarType(self.dtype)));
        }
    }

    /** Writes {@code result} (computed out of place) into {@code self}, checking shape and type. */
    private static void writeBack(Tensor self, Tensor result) {
        writeBack(self, result, false);
    }

    private static void writeBack(Tensor self, Tensor result, boolean cppTypeName) {
        checkWriteBack(self, result, cppTypeName);
        self.backend.copy(result.storage(), result.layout, self.storage(), self.layout);
        self.bumpVersion();
    }

    /** Whether an in-place op on {@code self} with {@code others} records history. */
    private static boolean records(Tensor self, List<Tensor> others) {
        return ArithmeticOps.needsGrad(self) || ArithmeticOps.needsGrad(others.toArray(new Tensor[0]));
    }

    /**
     * The general in-place form of {@code op}: computes it out of place (on the old values carrying the old history
     * when autograd records), writes the result into {@code self} and rebases the history.
     */
    static Tensor inplace(Tensor self, List<Tensor> others, Function<Tensor, Tensor> op) {
        return inplace(self, others, op, false);
    }

    /** {@link #inplace(Tensor, List, Function)}; {@code cppTypeName} as {@link #checkWriteBack(Tensor, Tensor, boolean)}. */
    static Tensor inplace(Tensor self, List<Tensor> others, Function<Tensor, Tensor> op, boolean cppTypeName) {
        checkInplace(self, others);
        return inplaceChecked(self, others, op, cppTypeName);
    }

    /** {@link #inplace(Tensor, List, Function, boolean)} once {@link #checkInplace} has passed. */
    private static Tensor inplaceChecked(Tensor self, List<Tensor> others, Function<Tensor, Tensor> op,
                                         boolean cppTypeName) {
        if (!records(self, others)) {
            Tensor r;
            try (GradMode off = Ember.noGrad()) {
                r = op.apply(self);
            }
            writeBack(self, r, cppTypeName);
            return self;
        }
        if (self.differentiableView) {
            return copySlices(self, op, cppTypeName);
        }
        Tensor old = snapshot(self);
        Tensor r = op.apply(old);
        try (GradMode off = Ember.noGrad()) {
            writeBack(self, r, cppTypeName);
        }
        rebase(self, r.gradFn, r.outputNr);
        if (r.gradFn != null && r != old) {
            // a node that saved its result (relu, exp, sigmoid, leaky_relu_'s ...Backward1) now holds self, as PyTorch's
            // in-place op saves self: changing self again before the backward is the saved-tensor error
            r.gradFn.retargetSavedOutput(r, self);
        }
        return self;
    }

    /**
     * {@code self op= alpha * other} (add_ and sub_ with alpha, an optimizer's update): outside a graph the scaled
     * operand is one temporary and the kernel writes into {@code self}; otherwise as {@link #inplace}.
     */
    static Tensor inplaceScaled(Tensor self, Tensor other, double alpha, Function<Tensor, Tensor> op, BinaryOp kernel) {
        ArithmeticOps.checkSameDevice(self, other);
        if (kernel == BinaryOp.SUB) {
            ArithmeticOps.checkSub(self, other);
        }
        DType t = ArithmeticOps.resultType(self, other);
        ArithmeticOps.checkAlpha(t, alpha);
        if (ArithmeticOps.needsGrad(self, other) || ArithmeticOps.hostScalar(other, self.device) || t != self.dtype
                || !t.isFloatingPoint() || !Shapes.expandable(other.shape, self.shape)
                || (other.storage() == self.storage() && !sameLayout(other.layout, self.layout))) {
            return inplace(self, List.of(other), op);
        }
        checkInplace(self, List.of(other));
        Tensor co = ArithmeticOps.cast(other, t);
        // one fused pass, no temporary: self += (+-alpha) * other
        self.backend.axpy(kernel == BinaryOp.SUB ? -alpha : alpha, co.storage(), ArithmeticOps.expandedLayout(co, self.shape),
                self.storage(), self.layout);
        self.bumpVersion();
        return self;
    }

    /** In-place binary op with a kernel writing straight into {@code self} when nothing records history. */
    static Tensor inplaceBinary(Tensor self, Tensor other, Function<Tensor, Tensor> op, BinaryOp kernel) {
        ArithmeticOps.checkSameDevice(self, other);
        if (kernel == BinaryOp.SUB) {
            ArithmeticOps.checkSub(self, other); // the direct path below skips the op, so it checks what the op checks
        }
        checkInplace(self, List.of(other));
        boolean graph = ArithmeticOps.needsGrad(self, other);
        DType t = ArithmeticOps.resultType(self, other);
        boolean direct = !graph && t == self.dtype && self.dtype != DType.BOOL
                && Shapes.expandable(other.shape, self.shape)
                && (other.storage() != self.storage() || sameLayout(other.layout, self.layout))
                && !(kernel == BinaryOp.DIV && !t.isFloatingPoint());
        if (!direct) {
            return inplace(self, List.of(other), op);
        }
        if (ArithmeticOps.hostScalar(other, self.device)) {
            self.backend.binaryScalar(kernel, self.storage(), self.layout, ArithmeticOps.scalarValue(other, t), false,
                    self.storage(), self.layout);
            self.bumpVersion();
            return self;
        }
        Tensor co = ArithmeticOps.cast(other, t);
        self.backend.binary(kernel, self.storage(), self.layout, co.storage(), ArithmeticOps.expandedLayout(co, self.shape),
                self.storage(), self.layout);
        self.bumpVersion();
        return self;
    }

    private static boolean sameLayout(Layout a, Layout b) {
        return a.offset() == b.offset() && Arrays.equals(a.shape(), b.shape()) && Arrays.equals(a.strides(), b.strides());
    }

    /** A copy of {@code self}'s values carrying its history, for in-place ops that record a node. */
    private static Tensor snapshot(Tensor self) {
        Tensor old = copyValues(self);
        old.gradFn = self.gradNode();
        old.outputNr = self.outputNr;
        old.requiresGrad = self.requiresGrad;
        return old;
    }

    /** A contiguous copy of {@code t}'s values, without history. */
    private static Tensor copyValues(Tensor t) {
        Tensor copy = Creation.empty(t.shape, t.dtype, t.device);
        t.backend.copy(t.storage(), t.layout, copy.storage(), copy.layout);
        return copy;
    }

    /** Makes {@code node} the creator of {@code self} after an in-place op. */
    private static void rebase(Tensor self, Node node, int outputNr) {
        if (self.retainsGrad && self.gradFn != null) {
            self.gradFn.setRetainGradTarget(self.outputNr, null);
        }
        self.gradFn = node;
        self.outputNr = node == null ? 0 : outputNr;
        self.requiresGrad = false;
        self.trackedInplaceVersion = self.version[0];
        if (self.retainsGrad && node != null) {
            node.setRetainGradTarget(self.outputNr, self);
        }
    }

    /**
     * {@code fill_(value)} with a 0-dim tensor value ({@code fill_.Tensor}): every element becomes the value, converted;
     * one node FillBackward3, which gives the tensor no gradient and the value the sum of the gradient.
     */
    static Tensor fillTensor_(Tensor self, Tensor value) {
        if (value.dim() != 0) {
            throw new IllegalArgumentException("fill_ only supports 0-dimension value tensor but got tensor with "
                    + value.dim() + " dimensions.");
        }
        checkInplace(self, List.of(value), false);
        DType valueType = value.dtype;
        int[] shape = self.shape;
        if (records(self, List.of(value))) {
            return inplaceChecked(self, List.of(value), old -> {
                Tensor filled;
                try (GradMode off = Ember.noGrad()) {
                    filled = value.detach().to(self.device).to(self.dtype).expand(shape).clone();
                }
                return ArithmeticOps.record(filled, "FillBackward3", new Tensor[] {old, value},
                        n -> g -> new Tensor[] {g.zerosLike(), ArithmeticOps.cast(g.sum(), valueType)});
            }, false);
        }
        try (GradMode off = Ember.noGrad()) {
            Tensor v = value.to(self.device).to(self.dtype).expand(shape);
            self.backend.copy(v.storage(), v.layout, self.storage(), self.layout);
        }
        self.bumpVersion();
        return self;
    }

    /** {@code fill_(value)}, whose node PyTorch names FillBackward2 ({@code fill_.Scalar}). */
    static Tensor fill_(Tensor self, double value) {
        return fill_(self, value, "FillBackward2");
    }

    /** {@code zero_()}: a fill with 0 under its own node, ZeroBackward0. */
    static Tensor zero_(Tensor self) {
        return fill_(self, 0, "ZeroBackward0");
    }

    private static Tensor fill_(Tensor self, double value, String node) {
        ArithmeticOps.checkScalarFits(value, self.dtype);
        // an expanded tensor may be filled (one value for the elements sharing memory), as PyTorch's fill_; recorded,
        // its CopySlices refuses the backward, as PyTorch's does
        checkInplace(self, List.of(), false);
        if (records(self, List.of())) {
            // the old values get no gradient; PyTorch's fill_ and zero_ backward is zeros
            return inplaceChecked(self, List.of(), old -> ArithmeticOps.record(old.detach().fullLike(value), node,
                    new Tensor[] {old}, n -> g -> new Tensor[] {g.zerosLike()}), false);
        }
        self.backend.fill(self.storage(), self.layout, value);
        self.bumpVersion();
        return self;
    }

    static Tensor copy_(Tensor self, Tensor src) {
        if (src == null) {
            throw new IllegalArgumentException("copy_(): argument 'src' (position 1) must be Tensor, not null");
        }
        checkInplace(self, List.of(src));
        if (!Shapes.expandable(src.shape, self.shape)) {
            throw new IllegalArgumentException("output with shape " + Shapes.str(self.shape)
                    + " doesn't match the broadcast shape " + Shapes.str(Shapes.broadcast(self.shape, src.shape)));
        }
        if (records(self, List.of(src))) {
            Device srcDevice = src.device;
            DType srcType = src.dtype;
            int[] shape = self.shape;
            return inplace(self, List.of(src), old -> {
                Tensor value;
                try (GradMode off = Ember.noGrad()) {
                    value = src.detach().to(self.device).to(self.dtype).expand(shape).clone(); // a fresh tensor for the node
                }
                return ArithmeticOps.record(value, "CopyBackwards", new Tensor[] {old, src},
                        n -> g -> new Tensor[] {g.zerosLike(), g.to(srcType).to(srcDevice)});
            });
        }
        Tensor s = src;
        try (GradMode off = Ember.noGrad()) {
            if (!s.device.equals(self.device)) {
                s = s.to(self.device);
            }
            if (s.storage() == self.storage()) {
                s = s.clone();
            }
        }
        self.backend.copy(s.storage(), ArithmeticOps.expandedLayout(s, self.shape), self.storage(), self.layout);
        self.bumpVersion();
        return self;
    }

    // ------------------------------------------------------------------ views: CopySlices and regenerated history

    /**
     * An in-place op on a view that records history: the view's old values carry an {@code AsStridedBackward0} edge to
     * the base's old history, the result is written into the view, and the base is rebased onto
     * {@code CopySlices(old base, result)}.
     */
    private static Tensor copySlices(Tensor self, Function<Tensor, Tensor> op, boolean cppTypeName) {
        Tensor base = self.viewBase;
        Layout viewGeom = self.layout;
        Layout baseGeom = base.layout;
        Tensor old = copyValues(self);
        if (base.requiresGrad()) {
            old.gradFn = stridedNode(base, viewGeom);
        }
        Tensor r = op.apply(old);
        checkWriteBack(self, r, cppTypeName);
        // made before the base is rebased, so its first edge is the base's old history
        boolean overlapping = mayOverlap(viewGeom);
        Node node = new Node.Fn("CopySlices", new Tensor[] {base, r}, g -> {
            if (overlapping) {
                // a view whose elements share memory (fill_ of an expanded view): PyTorch's CopySlices writes the
                // gradient through it and refuses, as every other in-place op refuses at the write
                throw new IllegalArgumentException(SELF_OVERLAP);
            }
            Tensor inside = viewMask(g, viewGeom, baseGeom);
            return new Tensor[] {ArithmeticOps.where(inside, Creation.wrap(0.0), g), gather(g, baseGeom, viewGeom)};
        });
        try (GradMode off = Ember.noGrad()) {
            writeBack(self, r);
        }
        rebase(base, node, 0);
        return self;
    }

    /**
     * The history of a view whose storage changed in place since its history was recorded, as PyTorch regenerates a
     * view's {@code grad_fn}: {@code AsStridedBackward0} on the base's current history. Called by
     * {@link Tensor#gradNode()} only when the versions differ.
     */
    static Node regenerate(Tensor view) {
        Tensor base = view.viewBase;
        int now = view.version[0];
        if (view.noGradView) {
            if (base.trackedInplaceVersion > view.viewVersion && base.requiresGrad()) {
                throw new IllegalStateException(viewRebaseMessage(view, true));
            }
            return view.gradFn;
        }
        // PyTorch's grad_fn of a view whose storage changed: a view with history (or over a base with history) made by
        // an op returning several views, or in inference mode, cannot regenerate it (handle_view_on_rebase, indirect),
        // whatever mode the change was made in
        if ((view.multiOutputView || view.inferenceView) && (view.gradFn != null || base.requiresGrad())) {
            throw new IllegalStateException(viewRebaseMessage(view, true));
        }
        if (base.requiresGrad()) {
            view.gradFn = stridedNode(base, view.layout);
            view.outputNr = 0;
            view.requiresGrad = false;
        }
        view.viewVersion = now;
        return view.gradFn;
    }

    /** {@code AsStridedBackward0}: the node of a view taken at {@code viewGeom} from {@code base}'s storage. */
    private static Node stridedNode(Tensor base, Layout viewGeom) {
        Layout baseGeom = base.layout;
        return new Node.Fn("AsStridedBackward0", new Tensor[] {base}, g -> new Tensor[] {scatter(g, viewGeom, baseGeom)});
    }

    /**
     * Zeros shaped as the base, with {@code g} (shaped as the view) at the elements the view shares with the base: the
     * backward of taking a view; differentiable ({@code AsStridedScatterBackward0} gathers back).
     */
    static Tensor scatter(Tensor g, Layout viewGeom, Layout baseGeom) {
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            Tensor buffer = Creation.zeros(new int[] {extent(viewGeom, baseGeom)}, g.dtype, g.device);
            if (mayOverlap(viewGeom)) {
                // several view elements on one storage element (an expanded view): their gradients add up there, as
                // PyTorch's as_strided_backward sums them, instead of the last one written winning
                Tensor where = Creation.empty(viewGeom.shape(), DType.INT64, g.device);
                Tensor positions = Creation.arange(0, buffer.numel(), 1, DType.INT64).to(g.device);
                g.backend.copy(positions.storage(), viewGeom, where.storage(), where.layout);
                IndexingOps.indexAdd_(buffer, 0, where.reshape(-1), g.reshape(-1), 1.0);
            } else {
                g.backend.copy(g.storage(), g.layout, buffer.storage(), viewGeom);
            }
            out = Creation.empty(baseGeom.shape(), g.dtype, g.device);
            g.backend.copy(buffer.storage(), baseGeom, out.storage(), out.layout);
            buffer.close();
        }
        return ArithmeticOps.record(out, "AsStridedScatterBackward0", new Tensor[] {g},
                n -> gg -> new Tensor[] {gather(gg, baseGeom, viewGeom)});
    }

    /** The elements of {@code x} (shaped as the base) that the view at {@code viewGeom} shares: the inverse of scatter. */
    static Tensor gather(Tensor x, Layout baseGeom, Layout viewGeom) {
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            Tensor buffer = Creation.zeros(new int[] {extent(viewGeom, baseGeom)}, x.dtype, x.device);
            x.backend.copy(x.storage(), x.layout, buffer.storage(), baseGeom);
            out = Creation.empty(viewGeom.shape(), x.dtype, x.device);
            x.backend.copy(buffer.storage(), viewGeom, out.storage(), out.layout);
            buffer.close();
        }
        return ArithmeticOps.record(out, "AsStridedBackward0", new Tensor[] {x},
                n -> g -> new Tensor[] {scatter(g, viewGeom, baseGeom)});
    }

    /** A bool tensor shaped as the base, true at the elements the view shares with it. */
    private static Tensor viewMask(Tensor like, Layout viewGeom, Layout baseGeom) {
        try (GradMode off = Ember.noGrad()) {
            Tensor buffer = Creation.zeros(new int[] {extent(viewGeom, baseGeom)}, DType.BOOL, like.device);
            like.backend.fill(buffer.storage(), viewGeom, 1);
            Tensor mask = Creation.empty(baseGeom.shape(), DType.BOOL, like.device);
            like.backend.copy(buffer.storage(), baseGeom, mask.storage(), mask.layout);
            buffer.close();
            return mask;
        }
    }

    /**
     * Whether two elements of a layout may share a storage element: a stride of 0 over a dimension of more than one,
     * or dimensions whose strides, smallest first, do not each step past all the smaller ones' span (PyTorch's
     * maybe-overlapping-memory test).
     */
    static boolean mayOverlap(Layout l) {
        int[] shape = l.shape();
        int[] strides = l.strides();
        Integer[] order = new Integer[shape.length];
        int n = 0;
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] > 1) {
                if (strides[d] == 0) {
                    return true;
                }
                order[n++] = d;
            }
        }
        Integer[] dims = java.util.Arrays.copyOf(order, n);
        java.util.Arrays.sort(dims, (a, b) -> Integer.compare(Math.abs(strides[a]), Math.abs(strides[b])));
        long span = 0;
        for (int d : dims) {
            if (Math.abs((long) strides[d]) <= span) {
                return true;
            }
            span += (long) (shape[d] - 1) * Math.abs(strides[d]);
        }
        return false;
    }

    /** Storage elements both layouts can address (both lie inside the base's storage, which fits an int). */
    private static int extent(Layout a, Layout b) {
        return (int) Math.max(a.extent(), b.extent());
    }
}
