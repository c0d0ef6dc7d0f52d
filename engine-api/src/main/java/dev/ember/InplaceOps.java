package dev.ember;

import dev.ember.backend.BinaryOp;
import dev.ember.backend.Layout;

import java.util.Arrays;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * In-place ops: PyTorch's rules for writing into a tensor, and the autograd history the write leaves.
 *
 * <p>When autograd records, the op is computed out of place on the old values (carrying the old history), written
 * back, and the tensor's history is rebased onto the op's node; the ops of {@link #inplaceSingleNode} (relu_, add_,
 * mul_, ...) compute on the tensor itself before the write, copying its old values only for a node that saves them
 * (session 54; {@code -Dember.inplace.snapshot=true} keeps the snapshot for every op). On a view of a tensor that
 * autograd records (or when another operand requires grad), the base's history is rebased through a {@code CopySlices}
 * node instead: the base is its old self outside the view and the op's result inside it, so its gradient goes to the
 * old history outside the view and through the op inside it. Every view of a storage that changed in place then
 * regenerates its history ({@code AsStridedBackward0} on the base) the next time autograd reads it, as PyTorch's views
 * do.
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
        FuncCaptures.checkInplace(self); // functorch's layer sees the op before its kernel or autograd
        if (refuseSelfOverlap && self.lease().inference && !InferenceMode.isEnabled()) {
            // an inference tensor has no autograd layer in PyTorch: its kernel checks the overlaps, and only then is
            // the version counter's bump refused
            checkNoSelfOverlap(self);
            for (Tensor other : others) {
                if (other != null) {
                    checkNoPartialOverlap(self, other);
                }
            }
        }
        InferenceMode.checkInplace(self);
        VmapState.checkInplace(self);
        if (GradMode.isEnabled()) {
            if (self.differentiableView) {
                Tensor base = self.viewBase;
                // PyTorch's check_inplace: when autograd is involved (the view, which requires grad when its base does,
                // or another operand), first handle_view_on_rebase (a view made in no_grad or inference mode, or by an op
                // returning several views, may not be modified), then the view-of-a-leaf rule
                // requires_grad as PyTorch reads it, from the fields: a view whose storage changed gets the direct
                // refusal here, not the regenerating getter's (indirect) one
                boolean selfGrad = self.requiresGrad || self.gradFn != null || base.requiresGrad();
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
            // is_leaf as PyTorch reads it here, from the field (no regenerated history, no refusal of one); after the
            // view rules, as PyTorch's check_inplace: a leaf view given requires_grad_(true) itself (its base not
            // requiring grad) is refused as a view made in no_grad mode, or as a view of a leaf
            if (self.gradFn == null && self.requiresGrad) {
                throw new IllegalStateException("a leaf Variable that requires grad is being used in an in-place operation.");
            }
            // PyTorch's autograd layer collects the operands' histories (collect_next_edges reads each grad_fn, which
            // refuses for a view made in inference or no_grad mode, or by an op returning several views, whose base
            // changed) before the kernel checks for overlapping memory
            for (Tensor other : others) {
                if (other != null) {
                    other.requiresGrad();
                }
            }
        }
        if (refuseSelfOverlap) {
            checkNoSelfOverlap(self);
            for (Tensor other : others) {
                if (other != null) {
                    checkNoPartialOverlap(self, other);
                }
            }
        }
        AllowMutationOnSavedTensors.beforeWrite(self); // 2.x's clone-before-mutate mode, once the write is allowed
    }

    private static final String OVERLAP = "unsupported operation: some elements of the input tensor and the written-to "
            + "tensor refer to a single memory location. Please clone() the tensor before performing the operation.";

    /**
     * PyTorch's {@code assert_no_overlap(a, b)}: refuses two tensors whose memory meets, partly or fully (the same
     * tensor included), as index_put_ checks its self against its value and indices.
     */
    static void checkNoOverlap(Tensor a, Tensor b) {
        if (overlap(a, b) != Overlap.NO) {
            throw new IllegalArgumentException(OVERLAP);
        }
    }

    /**
     * PyTorch's {@code assert_no_partial_overlap(out, in)}, which TensorIterator applies to an in-place op's self and
     * each input: an input that is the written tensor itself (the same elements with the same strides) may be read,
     * one that shares only some of its memory, or the same memory laid out otherwise, may not.
     */
    static void checkNoPartialOverlap(Tensor out, Tensor in) {
        if (overlap(out, in) == Overlap.PARTIAL) {
            throw new IllegalArgumentException(OVERLAP);
        }
    }

    private enum Overlap { NO, PARTIAL, FULL }

    /**
     * PyTorch's {@code get_overlap_status}: the same tensor is a full overlap; an empty one none; a non-dense one (too hard
     * to tell) none; two dense ones on one storage overlap fully when they span the same elements with the same strides,
     * partly when their spans meet otherwise.
     */
    private static Overlap overlap(Tensor a, Tensor b) {
        if (a == b) {
            return Overlap.FULL;
        }
        if (a.numel() == 0 || b.numel() == 0 || a.lease().storage != b.lease().storage) {
            return Overlap.NO;
        }
        if (!ShapeOps.nonOverlappingAndDense(a.shape, a.layout.strides())
                || !ShapeOps.nonOverlappingAndDense(b.shape, b.layout.strides())) {
            return Overlap.NO;
        }
        long aBegin = a.layout.offset();
        long aEnd = aBegin + a.numel();
        long bBegin = b.layout.offset();
        long bEnd = bBegin + b.numel();
        if (aBegin == bBegin && aEnd == bEnd) {
            return Arrays.equals(a.layout.strides(), b.layout.strides()) ? Overlap.FULL : Overlap.PARTIAL;
        }
        return aBegin < bEnd && bBegin < aEnd ? Overlap.PARTIAL : Overlap.NO;
    }

    /**
     * PyTorch's {@code assert_no_internal_overlap}: a stride of 0 over a dimension of more than one element is refused,
     * except in an empty tensor, which PyTorch counts as contiguous (so non-overlapping): nothing is written.
     */
    static void checkNoSelfOverlap(Tensor self) {
        if (hasSelfOverlap(self)) {
            throw new IllegalArgumentException(SELF_OVERLAP);
        }
    }

    /** PyTorch's {@code has_internal_overlap(self) == MemOverlap::Yes}: a non-empty tensor with an expanded dimension. */
    static boolean hasSelfOverlap(Tensor self) {
        if (self.numel() == 0) {
            return false;
        }
        int[] st = self.layout.strides();
        for (int i = 0; i < st.length; i++) {
            if (st[i] == 0 && self.shape[i] > 1) {
                return true;
            }
        }
        return false;
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
        checkCast(result.dtype, self.dtype, cppTypeName);
    }

    /**
     * The iterator's refusal of a {@code result} type that cannot be cast to the output's {@code out}; with
     * {@code cppTypeName} the output type named as C++ names it (see {@link #checkWriteBack(Tensor, Tensor, boolean)}).
     */
    private static void checkCast(DType result, DType out, boolean cppTypeName) {
        if (!ArithmeticOps.canCast(result, out)) {
            throw new IllegalArgumentException("result type " + Format.scalarType(result)
                    + " can't be cast to the desired output type "
                    + (cppTypeName ? ArithmeticOps.cTypeName(out) : Format.scalarType(out)));
        }
    }

    /** Writes {@code result} (computed out of place) into {@code self}, checking shape and type. */
    private static void writeBack(Tensor self, Tensor result) {
        writeBack(self, result, false);
    }

    private static void writeBack(Tensor self, Tensor result, boolean cppTypeName) {
        checkWriteBack(self, result, cppTypeName);
        OutputLayouts.Target target = OutputLayouts.into(self);
        ComplexOps.kernelCopy(result, target.of(result), self, target.layout);
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
        return inplaceFromOld(self, others, op, null, cppTypeName);
    }

    /**
     * {@link #inplace(Tensor, List, Function, boolean)} for an op whose node saves self's old values (session 56:
     * clamp_, pow_, hardtanh_; ClampBackward1, PowBackward0, PowBackward1 and HardtanhBackward0 save the original
     * self, as 2.x's in-place codegen keeps {@code self.clone()}) and whose kernel can write into {@code self}:
     * where {@link #writesInto} allows, {@code into.apply(old, out)} computes the op of {@code old} into {@code out}
     * and records the node there. Under autograd {@code old} is a copy of self's values carrying its history (the
     * node's saved self) and {@code out} a tensor over self's storage and version counter; otherwise both are
     * {@code self} (an elementwise kernel reads each element where it writes it). No result tensor is made and
     * nothing is copied back. Elsewhere, and always with {@code -Dember.inplace.copyResult=true}, as {@link #inplace}
     * (the op on a copy of self, its result copied into self), which also gives the type and shape refusals.
     */
    static Tensor inplaceFromOld(Tensor self, List<Tensor> others, Function<Tensor, Tensor> op,
                                 BiFunction<Tensor, Tensor, Tensor> into, boolean cppTypeName) {
        if (!cppTypeName) {
            checkInplace(self, others);
            return inplaceChecked(self, others, op, false, false, intoWhereAllowed(self, others, into), true);
        }
        // clamp_ (the only user): PyTorch's clamp meta function refuses a promoted result type before its iterator's
        // overlap check, so an expanded int tensor clamped by floats gets the type message
        checkInplace(self, others, false);
        DType result;
        try (GradMode off = Ember.noGrad()) {
            result = op.apply(Creation.empty(new int[] {0}, self.dtype, self.device)).dtype;
        }
        checkCast(result, self.dtype, true);
        checkNoSelfOverlap(self);
        return inplaceChecked(self, others, op, true, false, intoWhereAllowed(self, others, into), true);
    }

    /** {@code into} where {@link #writesInto} allows it, else null (the copying path). */
    private static BiFunction<Tensor, Tensor, Tensor> intoWhereAllowed(Tensor self, List<Tensor> others,
                                                                BiFunction<Tensor, Tensor, Tensor> into) {
        return into != null && writesInto(self, others) ? into : null;
    }

    /**
     * {@code pow_} by a number: PyTorch builds it as a unary op on {@code self.to(result_type(self, exponent))} that
     * requires every operand to have one dtype, so a result type other than self's is refused with the iterator's
     * "Found dtype" message (after the overlap check) rather than the cast message of binary in-place ops.
     */
    static Tensor powScalar_(Tensor self, Function<Tensor, Tensor> op) {
        return powScalar_(self, op, null);
    }

    /**
     * {@link #powScalar_(Tensor, Function)} with {@code into}, the op written into self from its old values
     * ({@link #inplaceFromOld}: PowBackward0 saves the original self), where {@link #writesInto} allows (a floating
     * self, whose result type is its own); elsewhere, or with a null {@code into}, as before.
     */
    static Tensor powScalar_(Tensor self, Function<Tensor, Tensor> op, BiFunction<Tensor, Tensor, Tensor> into) {
        return inplaceFromOld(self, List.of(), t -> {
            Tensor r = op.apply(t);
            if (r.dtype != self.dtype) {
                throw new IllegalArgumentException("Found dtype " + Format.scalarType(self.dtype) + " but expected "
                        + Format.scalarType(r.dtype));
            }
            return r;
        }, into, false);
    }

    /**
     * fmod_ / remainder_ / div_ with a rounding mode by a tensor: PyTorch's iterator refuses an output shape other than
     * the broadcast one, then a promoted type that cannot be cast into {@code self}'s, before its kernel checks the
     * integer divisors for zero, so the shape and type messages come first ({@link #checkBeforeKernel}).
     */
    static Tensor shapeBeforeKernel_(Tensor self, Tensor other, Function<Tensor, Tensor> op) {
        return inplace(self, List.of(other), t -> {
            checkBeforeKernel(self, other);
            return op.apply(t);
        });
    }

    /**
     * copysign_ / xlogy_ by a tensor: {@link #shapeBeforeKernel_} for an op whose iterator promotes integers to the
     * default floating type (build_borrowing_binary_float_op), so the cast checked before the kernel is of that type
     * ("result type Float can't be cast to the desired output type Bool"; a complex other: "result type ComplexDouble
     * ... Float", before the kernel's "not implemented for 'ComplexDouble'").
     */
    static Tensor floatOpBeforeKernel_(Tensor self, Tensor other, Function<Tensor, Tensor> op) {
        return inplace(self, List.of(other), t -> {
            checkShapesBeforeKernel(self, other);
            DType promoted = ArithmeticOps.resultType(self, other);
            if (!promoted.isFloatingPoint() && !promoted.isComplex()) {
                promoted = Ember.getDefaultDtype();
            }
            checkCast(promoted, self.dtype, false);
            return op.apply(t);
        });
    }

    /**
     * {@link #shapeBeforeKernel_} by a Java number, {@code wrapped} ({@link Creation#wrap}): the type check before the
     * kernel's ("result type Long can't be cast to the desired output type Bool" for {@code bool.remainder_(0)}, not
     * "ZeroDivisionError").
     */
    static Tensor typeBeforeKernel_(Tensor self, Tensor wrapped, Function<Tensor, Tensor> op) {
        return inplace(self, List.of(), t -> {
            checkBeforeKernel(self, wrapped);
            return op.apply(t);
        });
    }

    /**
     * The checks PyTorch's iterator makes on an in-place binary op before its kernel runs (a kernel that can refuse
     * its operands: an integer division by zero): the output's shape ({@link #checkOutputShape}), then the cast of
     * the promoted type into {@code self}'s.
     */
    static void checkBeforeKernel(Tensor self, Tensor other) {
        checkShapesBeforeKernel(self, other);
        checkCast(ArithmeticOps.resultType(self, other), self.dtype, false);
    }

    /**
     * The iterator's shape checks of an in-place binary op, before its type checks and its kernel's: operands that do
     * not broadcast ("The size of tensor a (4) must match ..."), then an output of another shape
     * ({@link #checkOutputShape}).
     */
    static void checkShapesBeforeKernel(Tensor self, Tensor other) {
        Shapes.broadcast(self.shape, other.shape);
        checkOutputShape(self, other);
    }

    /**
     * The iterator's checks of an in-place binary op whose kernel promotes integers to float (atan2_): the shapes
     * first, then a floating or complex common type that cannot be written into {@code self} (a complex result into a
     * float self), before the kernel; an integer common type meets the write-back's cast check after it.
     */
    static void checkFloatingResultBeforeKernel(Tensor self, Tensor other) {
        checkShapesBeforeKernel(self, other);
        DType common = ArithmeticOps.resultType(self, other);
        if (common.isFloatingPoint() || common.isComplex()) {
            checkCast(common, self.dtype, false);
        }
    }

    /**
     * The iterator's refusal of an in-place output whose shape is not the broadcast shape of {@code self} and
     * {@code other} ("output with shape [1] doesn't match the broadcast shape [6]"); operands that do not broadcast at
     * all are left to the op's own message.
     */
    static void checkOutputShape(Tensor self, Tensor other) {
        int[] b = null;
        try {
            b = Shapes.broadcast(self.shape, other.shape);
        } catch (IllegalArgumentException e) {
            // not broadcastable: the op's own broadcast message
        }
        if (b != null && !Arrays.equals(b, self.shape)) {
            throw new IllegalArgumentException("output with shape " + Shapes.str(self.shape)
                    + " doesn't match the broadcast shape " + Shapes.str(b));
        }
    }

    /**
     * {@link #inplace(Tensor, List, Function)} for an op whose autograd record is one node that keeps the tensors its
     * backward reads only as saved tensors ({@link Node#save}, {@link Node#saveOutput}), none in its formula's closure:
     * relu_, sigmoid_, tanh_, exp_, neg_, add_, sub_, mul_, div_. Under autograd such an op runs on {@code self} itself
     * rather than on a snapshot of it ({@link #runsOnSelf}).
     */
    static Tensor inplaceSingleNode(Tensor self, List<Tensor> others, Function<Tensor, Tensor> op) {
        return inplaceSingleNode(self, others, op, null);
    }

    /**
     * {@link #inplaceSingleNode(Tensor, List, Function)} whose kernel can write its result straight into {@code self}
     * (session 55): {@code into.apply(self, out)} is {@code op(self)} written into {@code out}, a tensor over
     * {@code self}'s storage and version counter ({@link Tensor#detach}, or {@code self} itself when nothing records),
     * returning {@code out} with the op's node. Where {@link #writesInto} allows, no result tensor is made and nothing
     * is copied; the node must then save no input that is {@code self} (the caller passes null for mul_ and div_ when
     * the other operand needs a gradient, whose node saves the old self). {@code -Dember.inplace.copyResult=true}
     * keeps the session 54 path (a result tensor copied into {@code self}).
     */
    static Tensor inplaceSingleNode(Tensor self, List<Tensor> others, Function<Tensor, Tensor> op,
                                    BiFunction<Tensor, Tensor, Tensor> into) {
        checkInplace(self, others);
        return inplaceChecked(self, others, op, false, true, intoWhereAllowed(self, others, into), false);
    }

    /**
     * Whether an in-place elementwise op of {@code self} and {@code others} may have its kernel write into
     * {@code self}: not with {@code -Dember.inplace.copyResult=true}, autocast, an op interception mode or a functorch
     * transform (each may change the op); {@code self} a real floating tensor (float32/64, float16, bfloat16) off the
     * meta device, not marked quantized, non-overlapping and dense; every other operand real, of a type that promotes
     * to {@code self}'s, broadcasting to {@code self}'s shape and in another storage. Elsewhere the op computes a
     * result that {@link #writeBack} checks and copies, which also gives the errors of a mismatched shape or type.
     */
    static boolean writesInto(Tensor self, List<Tensor> others) {
        DType t = self.dtype;
        if (Boolean.getBoolean("ember.inplace.copyResult") || Autocast.on() || OpInterception.active()
                || FuncCaptures.transformRunning() || self.device.isMeta() || QuantizedActivations.isQuantized(self)
                || !(t == DType.FLOAT32 || t == DType.FLOAT64 || t == DType.FLOAT16 || t == DType.BFLOAT16)
                || !ShapeOps.nonOverlappingAndDense(self.shape, self.layout.strides())) {
            return false;
        }
        for (Tensor other : others) {
            if (other == null || other.lease().storage == self.lease().storage || other.dtype.isComplex() || other.device != self.device
                    && !ArithmeticOps.hostScalar(other, self.device)
                    || ArithmeticOps.resultType(self, other) != t || !Shapes.expandable(other.shape, self.shape)) {
                return false;
            }
        }
        return true;
    }

    /** {@link #inplace(Tensor, List, Function, boolean)} once {@link #checkInplace} has passed. */
    private static Tensor inplaceChecked(Tensor self, List<Tensor> others, Function<Tensor, Tensor> op,
                                         boolean cppTypeName) {
        return inplaceChecked(self, others, op, cppTypeName, false, null, false);
    }

    /**
     * Whether an in-place op of {@link #inplaceSingleNode}'s kind that records history may run on {@code self} itself,
     * not on a snapshot: not with {@code -Dember.inplace.snapshot=true} (the old path, kept to measure it); not while
     * saved-tensor hooks (their pack hook must see the old values, as PyTorch's sees its saved original self),
     * allow_mutation_on_saved_tensors, autocast, an op interception mode or a functorch transform could see or change
     * what the op saves; not for complex tensors (their ops compose several nodes); not when another operand shares
     * {@code self}'s storage (its saved copy must be the tensor itself, whose change the backward then refuses); not
     * for an inference tensor (a detach() of one, written outside inference mode): autograd may not save it, and
     * PyTorch's node saves a clone of the original self, as the snapshot path does (mul_ of a detached inference
     * tensor by a tensor requiring grad, session 63's round 14 hunt).
     */
    private static boolean runsOnSelf(Tensor self, List<Tensor> others) {
        if (Boolean.getBoolean("ember.inplace.snapshot") || SavedTensorsHooks.current() != null
                || AllowMutationOnSavedTensors.anyOpen() || Autocast.on() || OpInterception.active()
                || FuncCaptures.transformRunning() || self.dtype.isComplex() || self.lease().inference) {
            return false;
        }
        for (Tensor other : others) {
            if (other != null && (other.lease == self.lease || other.dtype.isComplex())) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@link #inplaceChecked(Tensor, List, Function, boolean)}; {@code singleNode} as {@link #inplaceSingleNode}: when
     * {@link #runsOnSelf} allows, the op runs on {@code self} (not yet changed) and only a saved input that is
     * {@code self} (mul_'s, div_'s self when the other operand needs a gradient) is given a copy of the old values,
     * which then plays the snapshot; a saved output (relu_, sigmoid_, tanh_, exp_) becomes {@code self} as before, and
     * an op that saves neither (add_, sub_, neg_) copies nothing but its result into {@code self}. With {@code into}
     * (not null once {@link #writesInto} has allowed it) the kernel writes into {@code self} and nothing is copied;
     * with {@code fromOld} ({@link #inplaceFromOld}) it reads a copy of self's old values carrying its history, which
     * its node saves, under autograd.
     */
    private static Tensor inplaceChecked(Tensor self, List<Tensor> others, Function<Tensor, Tensor> op,
                                         boolean cppTypeName, boolean singleNode,
                                         BiFunction<Tensor, Tensor, Tensor> into, boolean fromOld) {
        if (!records(self, others)) {
            if (into != null) {
                try (GradMode off = Ember.noGrad()) {
                    into.apply(self, self);
                }
                self.bumpVersion();
                return self;
            }
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
        if (into != null && runsOnSelf(self, others)) {
            // the kernel writes into self through a tensor sharing its storage and version counter, which carries the
            // op's node until self is rebased onto it; the node saves no input that is self (the caller's promise, or
            // the copy of the old values it reads)
            Tensor out = self.detach();
            Tensor r = into.apply(fromOld ? snapshot(self) : self, out);
            Node node = r.gradFn;
            self.bumpVersion();
            rebase(self, node, r.outputNr);
            if (node != null) {
                node.retargetSavedOutput(r, self);
            }
            return self;
        }
        if (singleNode && runsOnSelf(self, others)) {
            Tensor r = op.apply(self);
            Node node = r.gradFn;
            if (node != null && node.savesStorage(self.lease)) {
                // the node saved self as an input: it keeps the old values in a copy carrying self's history
                node.replaceSavedInput(self, snapshot(self));
            }
            try (GradMode off = Ember.noGrad()) {
                writeBack(self, r, cppTypeName);
            }
            rebase(self, node, r.outputNr);
            if (node != null) {
                node.retargetSavedOutput(r, self);
            }
            return self;
        }
        Tensor old = snapshot(self);
        Tensor r = op.apply(old);
        if (self.lease().inference && r.gradFn != null && r != old && r.gradFn.savesOutput(r)) {
            // a node that saves its result would save self, an inference tensor (detach() of one, written outside
            // inference mode: pow_, hypot_, copysign_ by an operand requiring grad): PyTorch's SavedVariable refuses it,
            // after its kernel wrote self; Ember refuses before writing, leaving self as it was
            InferenceMode.checkSave(self);
        }
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
        // PyTorch's add/sub meta: the iterator (the overlap, then the output shape) before alpha_check
        checkInplace(self, List.of(other));
        checkOutputShape(self, other);
        DType t = ArithmeticOps.resultType(self, other);
        ArithmeticOps.checkAlpha(t, alpha);
        if (ArithmeticOps.needsGrad(self, other) || ArithmeticOps.hostScalar(other, self.device) || t != self.dtype
                || !t.isFloatingPoint() || !Shapes.expandable(other.shape, self.shape)
                || (other.storage() == self.storage() && !sameLayout(other.layout, self.layout))) {
            return inplaceSingleNode(self, List.of(other), op, intoSelf(kernel, other, alpha));
        }
        checkInplace(self, List.of(other));
        Tensor co = ArithmeticOps.cast(other, t);
        // one fused pass, no temporary: self += (+-alpha) * other
        OutputLayouts.Target target = OutputLayouts.into(self);
        self.backend.axpy(kernel == BinaryOp.SUB ? -alpha : alpha, co.storage(), target.of(co), self.storage(), target.layout);
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
        // (complex operands: the op and the write back, through the real views; no direct kernel on their storages)
        // (uint16/uint32/uint64: the op on their bits and the write back; no direct kernel on their storages)
        boolean direct = !graph && t == self.dtype && self.dtype != DType.BOOL && !self.dtype.isBarebonesUnsigned()
                && !ComplexOps.any(self, other)
                && Shapes.expandable(other.shape, self.shape)
                && (other.storage() != self.storage() || sameLayout(other.layout, self.layout))
                && !(kernel == BinaryOp.DIV && !t.isFloatingPoint());
        if (!direct) {
            return inplaceSingleNode(self, List.of(other), op, intoSelf(kernel, other, 1));
        }
        OutputLayouts.Target target = OutputLayouts.into(self);
        // a Java number as the out-of-place op takes it (binaryKernel): float16/bfloat16's mul_ and div_ read it in
        // float32, as their out-of-place forms do
        if (ArithmeticOps.hostScalar(other, self.device) || other.wrappedNumber) {
            target.binaryScalar(kernel, self, ArithmeticOps.scalarValue(other, t), false);
            self.bumpVersion();
            return self;
        }
        Float reduced = kernel == BinaryOp.MUL || kernel == BinaryOp.DIV ? ArithmeticOps.reducedScalarValue(self, other, t)
                : null;
        if (reduced != null) {
            target.binaryScalar(kernel, self, reduced, false);
            self.bumpVersion();
            return self;
        }
        target.binary(kernel, self, ArithmeticOps.cast(other, t));
        self.bumpVersion();
        return self;
    }

    /**
     * {@code self op= alpha * other} as {@link #inplaceSingleNode}'s {@code into} (add_, sub_ with any alpha; mul_ and
     * div_, alpha 1, only when {@code other} needs no gradient: their node then saves {@code other} alone, never self).
     */
    private static BiFunction<Tensor, Tensor, Tensor> intoSelf(BinaryOp kernel, Tensor other, double alpha) {
        switch (kernel) {
            case ADD:
                return (t, out) -> ArithmeticOps.add(t, other, alpha, out);
            case SUB:
                return (t, out) -> ArithmeticOps.sub(t, other, alpha, out);
            case MUL:
                return ArithmeticOps.needsGrad(other) ? null : (t, out) -> ArithmeticOps.mul(t, other, out);
            case DIV:
                return ArithmeticOps.needsGrad(other) ? null : (t, out) -> ArithmeticOps.div(t, other, out);
            default:
                return null;
        }
    }

    /** {@code fn(self)} in place, its kernel writing into self where {@link #writesInto} allows (sigmoid_, exp_, ...). */
    static Tensor unary_(Tensor self, Function<Tensor, Tensor> op, ArithmeticOps.Fn fn) {
        return inplaceSingleNode(self, List.of(), op, (t, out) -> ArithmeticOps.unary(t, fn, out));
    }

    private static boolean sameLayout(Layout a, Layout b) {
        return a.offset() == b.offset() && Arrays.equals(a.shape(), b.shape()) && Arrays.equals(a.strides(), b.strides());
    }

    /** A copy of {@code self}'s values carrying its history, for in-place ops that record a node. */
    private static Tensor snapshot(Tensor self) {
        Tensor old = copyValues(self);
        old.gradFn = self.gradNode();
        old.gradFnShape = old.gradFn == self.gradFn ? self.gradFnShape : null;
        old.outputNr = self.outputNr;
        old.requiresGrad = self.requiresGrad;
        return old;
    }

    /** A contiguous copy of {@code t}'s values, without history. */
    private static Tensor copyValues(Tensor t) {
        Tensor copy = Creation.empty(t.shape, t.dtype, t.device);
        ComplexOps.copyElements(t, copy);
        return copy;
    }

    /** Makes {@code node} the creator of {@code self} after an in-place op. */
    private static void rebase(Tensor self, Node node, int outputNr) {
        if (self.retainsGrad && self.gradFn != null) {
            self.gradFn.setRetainGradTarget(self.outputNr, null);
        }
        self.gradFn = node;
        self.gradFnShape = null;
        self.outputNr = node == null ? 0 : outputNr;
        self.requiresGrad = false;
        if (self.retainsGrad && node != null) {
            node.setRetainGradTarget(self.outputNr, self);
        }
    }

    /** A complex fill value for a real non-bool tensor as its real part (checked zero imaginary part), else itself. */
    private static Tensor scalarValue(Tensor value, DType into) {
        return value.dtype.isComplex() && !into.isComplex() && into != DType.BOOL ? value.real() : value;
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
        if (value.dtype.isComplex() && !self.dtype.isComplex() && self.dtype != DType.BOOL) {
            // fill_(value.item()): the complex Scalar's checked conversion refuses a non-zero imaginary part (bool takes
            // its truth); a zero one converts without the copy's warning
            try (GradMode off = Ember.noGrad()) {
                if (value.imag().item() != 0) {
                    ComplexIndexing.requireComplexSelf(self);
                }
            }
        }
        ArithmeticOps.checkValueTensorFits(value, self.dtype); // fill_(value.item()): the Scalar's checked conversion
        if (records(self, List.of(value))) {
            return inplaceChecked(self, List.of(value), old -> {
                Tensor filled;
                try (GradMode off = Ember.noGrad()) {
                    filled = scalarValue(value.detach(), self.dtype).to(self.device).to(self.dtype).expand(shape).clone();
                }
                return ArithmeticOps.record(filled, "FillBackward3", new Tensor[] {old, value},
                        n -> g -> new Tensor[] {n.needsInputGrad(0) ? g.zerosLike() : null,
                            n.needsInputGrad(1) ? ArithmeticOps.cast(g.sum(), valueType) : null});
            }, false);
        }
        try (GradMode off = Ember.noGrad()) {
            Tensor v = scalarValue(value, self.dtype).to(self.device).to(self.dtype).expand(shape);
            OutputLayouts.Target target = OutputLayouts.into(self);
            ComplexOps.kernelCopy(v, target.of(v), self, target.layout);
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
        if (self.dtype.isComplex()) {
            ComplexOps.fill(self, value);
        } else if (self.dtype.isFloat8()) {
            Float8.fill(self, value);
        } else if (self.dtype.isBarebonesUnsigned()) {
            Unsigned.fill(self, value);
        } else {
            self.backend.fill(self.storage(), OutputLayouts.into(self).layout, value);
        }
        self.bumpVersion();
        return self;
    }

    static Tensor copy_(Tensor self, Tensor src) {
        if (src == null) {
            throw new IllegalArgumentException("copy_(): argument 'src' (position 1) must be Tensor, not null");
        }
        // PyTorch's copy_impl returns at once when src is self's data exactly (same storage, geometry and type: x.copy_(x),
        // even for an expanded x, whose overlap it would otherwise refuse); its autograd layer still bumps the version
        boolean sameData = src.rawStorage() == self.rawStorage() && src.dtype == self.dtype && sameLayout(src.layout, self.layout);
        checkInplace(self, List.of(src), !sameData);
        if (sameData && !records(self, List.of(src))) {
            self.bumpVersion();
            return self;
        }
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
            if (s.dtype.isComplex() && !self.dtype.isComplex()) {
                // PyTorch 2.x's copy_impl: a bool tensor takes the truth of both parts (the c10 cast), any other real
                // tensor the real parts, with its warning
                if (self.dtype == DType.BOOL) {
                    s = ComplexIndexing.isNonzero(s);
                } else {
                    ComplexOps.warnDiscard();
                }
            }
            if (!s.device.equals(self.device)) {
                s = s.to(self.device);
            }
            if (s.rawStorage() == self.rawStorage()) {
                s = s.clone();
            }
        }
        OutputLayouts.Target target = OutputLayouts.into(self);
        ComplexOps.kernelCopy(s, target.of(s), self, target.layout);
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
        // the geometry below is in real elements: a complex base or view (a slice of a complex tensor, or its real
        // view, real or imag) is seen through its real view's layout, and its gradients through view_as_real
        Layout viewGeom = realUnits(self);
        Layout baseGeom = realUnits(base);
        boolean complexBase = base.dtype.isComplex();
        boolean complexView = self.dtype.isComplex();
        Tensor old = copyValues(self);
        Node current = self.gradNode();
        if (base.requiresGrad()) {
            old.gradFn = stridedNode(base, viewGeom);
        }
        Tensor r = op.apply(old);
        checkWriteBack(self, r, cppTypeName);
        // made before the base is rebased, so its first edge is the base's old history
        boolean overlapping = zeroStrideOverlap(viewGeom);
        Node node = new Node.Fn("CopySlices", new Tensor[] {base, r}, g -> {
            if (overlapping) {
                // a view whose elements share memory (fill_ of an expanded view): PyTorch's CopySlices writes the
                // gradient through it and refuses, as every other in-place op refuses at the write
                throw new IllegalArgumentException(SELF_OVERLAP);
            }
            Tensor gr = inRealUnits(g);
            Tensor inside = viewMask(gr, viewGeom, baseGeom);
            return new Tensor[] {fromRealUnits(ArithmeticOps.where(inside, Creation.wrap(0.0), gr), complexBase),
                fromRealUnits(gather(gr, baseGeom, viewGeom), complexView)};
        });
        if (current != null) {
            // PyTorch's node for this write takes the view's history as its edge, and lives as long as the CopySlices
            // holds it
            current.linkedByWrite = node;
        }
        try (GradMode off = Ember.noGrad()) {
            writeBack(self, r);
        }
        rebase(base, node, 0);
        // PyTorch gives the view its new history at once (rebase_history of a view): AsStridedBackward0 on the base's
        // CopySlices, kept if the base is detached in place later
        regenerate(self);
        if (r.gradFn != null && r != old) {
            // the op's node that saved its result (relu_, exp_, sigmoid_ on the view) now holds the view, as PyTorch's
            // in-place op on a view saves the view itself, naming the view's history of this moment: changing it again
            // before the backward is the saved-tensor error
            r.gradFn.retargetSavedOutput(r, self, self.gradFn);
        }
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
            // PyTorch's grad_fn getter: a view made in no_grad mode whose storage changed, in whatever mode, cannot
            // regenerate its history when it has one or its base requires grad (handle_view_on_rebase, indirect)
            if (view.gradFn != null || base.requiresGrad()) {
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
        if (base.requiresGrad() || view.gradFn != null) {
            // PyTorch regenerates a view's history whenever it had one or its base requires grad (a base detached in
            // place since still gives AsStridedBackward0, with no edge); a retained gradient follows the view to its new history, as rebase moves it (2.x's
            // update_tensor_hooks_on_new_gradfn moves retains_grad hooks to the new grad_fn)
            if (view.retainsGrad && view.gradFn != null) {
                view.gradFn.setRetainGradTarget(view.outputNr, null);
            }
            // a replayed view (view_as_real, view_as_complex) gets the node its view op makes of the base now: none
            // when the base no longer requires grad (requires_grad_(false) on a leaf since), where as_strided's
            // AsStridedBackward0 is made with no edge
            view.gradFn = view.replayNode != null && !base.requiresGrad() ? null
                    : stridedNode(base, realUnits(view), view.replayNode);
            view.outputNr = 0;
            view.requiresGrad = false;
            if (view.retainsGrad && view.gradFn != null) {
                view.gradFn.setRetainGradTarget(0, view);
            }
        }
        view.viewVersion = now;
        return view.gradFn;
    }

    /**
     * {@code AsStridedBackward0}: the node of a view taken at {@code viewGeom} (in real elements, {@link #realUnits})
     * from {@code base}'s storage.
     */
    private static Node stridedNode(Tensor base, Layout viewGeom) {
        return stridedNode(base, viewGeom, null);
    }

    /**
     * {@link #stridedNode(Tensor, Layout)} named {@code replayNode} where not null: a regenerated view_as_real or
     * view_as_complex, whose history PyTorch replays with the view op itself (ViewAsRealBackward0 on the base's current
     * history) instead of as_strided; the gradient is the same.
     */
    private static Node stridedNode(Tensor base, Layout viewGeom, String replayNode) {
        Layout baseGeom = realUnits(base);
        boolean complexBase = base.dtype.isComplex();
        return new Node.Fn(replayNode != null ? replayNode : "AsStridedBackward0", new Tensor[] {base},
                g -> new Tensor[] {fromRealUnits(scatter(inRealUnits(g), viewGeom, baseGeom), complexBase)});
    }

    /** A tensor's layout in elements of its storage's real type: a complex tensor's real view's layout. */
    private static Layout realUnits(Tensor t) {
        return t.dtype.isComplex() ? ComplexOps.realLayout(t.layout) : t.layout;
    }

    /** {@code t} in real elements: a complex tensor's real view (differentiable), a real one itself. */
    private static Tensor inRealUnits(Tensor t) {
        return t.dtype.isComplex() ? t.viewAsReal() : t;
    }

    /** The inverse of {@link #inRealUnits}: a fresh {@code [..., 2]} tensor as complex when {@code complex}. */
    private static Tensor fromRealUnits(Tensor t, boolean complex) {
        return complex ? t.viewAsComplex() : t;
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
    /**
     * Whether PyTorch's overlap check ({@code has_internal_overlap}) finds for certain that elements of a layout share
     * memory: a dimension of more than one element with stride 0, in a non-empty layout. CopySlices' backward refuses
     * exactly these (its copy of the gradient into the view's geometry of the base's gradient); an overlap it cannot
     * see (an unfolded or as_strided view without a zero stride) it writes through.
     */
    static boolean zeroStrideOverlap(Layout l) {
        int[] shape = l.shape();
        int[] strides = l.strides();
        boolean zeroStride = false;
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] == 0) {
                return false;
            }
            zeroStride |= shape[d] > 1 && strides[d] == 0;
        }
        return zeroStride;
    }

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

    // ------------------------------------------------------------------ in-place variants (session 20)

    /** PyTorch's float_power_ rule: the result is float64, so {@code self} must be float64. */
    static void checkFloatPower(Tensor self) {
        if (self.dtype != DType.FLOAT64) {
            throw new IllegalArgumentException("the base given to float_power_ has dtype " + Format.scalarType(self.dtype)
                    + " but the operation's result requires dtype Double");
        }
    }

    /** {@code relu_}: PyTorch refuses bool before its clamp_min_ refuses an expanded self. */
    static Tensor relu_(Tensor self) {
        checkInplace(self, List.of(), false);
        if (self.dtype == DType.BOOL) {
            throw new IllegalArgumentException("Boolean inputs not supported for relu");
        }
        return unary_(self, Tensor::relu, ArithmeticOps.Fn.RELU);
    }

    /**
     * {@code nan_to_num_}: PyTorch copies an integer or bool self onto itself (a no-op that no overlap check refuses, so
     * an expanded one passes); a floating self goes through the unary iterator, which refuses an expanded one.
     */
    static Tensor nanToNum_(Tensor self, Function<Tensor, Tensor> op) {
        return self.dtype.isFloatingPoint() ? inplace(self, List.of(), op) : inplaceOverlapping(self, op);
    }

    /**
     * An in-place op whose PyTorch kernel does not refuse an expanded {@code self} (threshold_: an elementwise op of self
     * alone, so the elements sharing memory all get the one new value of their shared element); the autograd checks
     * only, then {@link #inplace(Tensor, List, Function)}'s computation.
     */
    static Tensor inplaceOverlapping(Tensor self, Function<Tensor, Tensor> op) {
        checkInplace(self, List.of(), false);
        return inplaceChecked(self, List.of(), op, false);
    }

    /**
     * {@code cumsum_(dim)} / {@code cumprod_(dim)} ({@code op} the out-of-place scan, {@code kernel} its kernel's name),
     * in PyTorch's order: the autograd checks, then the meta function's dim check (a 0-dim self wraps as 1-d); a 0-dim
     * or empty self is filled from itself without the kernel (so a bool one passes), otherwise the kernel refuses bool
     * (the out-of-place ops promote bool to int64) before its iterator refuses an expanded self.
     */
    static Tensor cumulative_(Tensor self, int dim, String kernel, java.util.function.BiFunction<Tensor, Integer, Tensor> op) {
        checkInplace(self, List.of(), false);
        Shapes.wrapDim(dim, Math.max(self.dim(), 1));
        boolean trivial = self.dim() == 0 || self.numel() == 0;
        if (!trivial && self.dtype == DType.BOOL && !self.device.isMeta()) { // a meta kernel checks no element type
            throw Refusals.notImplemented(kernel + "_cpu", DType.BOOL);
        }
        if (!trivial && self.dtype.isBarebonesUnsigned() && !self.device.isMeta()) {
            // 2.x's cumsum/cumprod kernels dispatch all types, complex, half and bfloat16, no unsigned type
            throw Refusals.unsupported(kernel + "_out_cpu", self.dtype);
        }
        if (!trivial) {
            checkNoSelfOverlap(self);
        }
        DType type = self.dtype;
        return inplaceChecked(self, List.of(), t -> type == DType.BOOL ? op.apply(t, dim).to(type) : op.apply(t, dim),
                false);
    }

    /**
     * {@code ldexp_(other)}: PyTorch's {@code mul_out(self, self, pow(2, other))}, an out= call, which refuses operands
     * that require grad (when grad mode is on) before anything is written, and otherwise records nothing.
     */
    static Tensor ldexp_(Tensor self, Tensor other) {
        if (ArithmeticOps.needsGrad(self, other)) {
            throw new IllegalStateException("mul(): functions with out=... arguments don't support automatic "
                    + "differentiation, but one of the arguments requires grad.");
        }
        return inplace(self, List.of(other), t -> t.ldexp(other));
    }

    /**
     * An in-place op whose backward PyTorch does not implement ({@code acosh_}, {@code asinh_}, {@code atanh_}: their
     * derivatives need the overwritten input; {@code floor_divide_}, {@code heaviside_}): the values as {@code op}, one
     * node {@code node} (AcoshBackward1, NotImplemented) on {@code self} and {@code others} whose backward fails with
     * PyTorch's {@code message}.
     */
    static Tensor notDifferentiated_(Tensor self, List<Tensor> others, Function<Tensor, Tensor> op, String node,
                                     String message) {
        return inplace(self, others, old -> {
            Tensor r;
            try (GradMode off = Ember.noGrad()) {
                r = op.apply(old.detach());
            }
            Tensor[] inputs = new Tensor[others.size() + 1];
            inputs[0] = old;
            for (int i = 0; i < others.size(); i++) {
                inputs[i + 1] = others.get(i);
            }
            return ArithmeticOps.record(r, node, inputs, n -> g -> {
                throw new IllegalStateException(message);
            });
        });
    }

    /**
     * {@code polygamma_(n)}: PyTorch records the in-place form under its own node, PolygammaBackward1, with
     * derivatives.yaml's {@code grad * polygamma(n + 1, self)} on the old values.
     */
    static Tensor polygamma_(Tensor self, int n) {
        return inplace(self, List.of(), old -> {
            Tensor r;
            try (GradMode off = Ember.noGrad()) {
                r = old.detach().polygamma(n);
            }
            return ArithmeticOps.record(r, "PolygammaBackward1", new Tensor[] {old},
                    node -> g -> new Tensor[] {g.mul(old.polygamma(n + 1))});
        });
    }

    /**
     * An in-place comparison ({@code eq_}, {@code lt_}, ...): the bool result of {@code op} written into {@code self} as
     * 0 and 1 of its type. When autograd records, one node {@code node} (PyTorch's EqBackward0 for a number operand,
     * EqBackward1 for a tensor) whose gradients are zeros, as derivatives.yaml's {@code zeros_like(self)} and
     * {@code zeros_like(other)}; a number operand ({@code wrapped}) is no input of the node.
     */
    static Tensor compare_(Tensor self, Tensor other, boolean wrapped, Function<Tensor, Tensor> op, String node) {
        List<Tensor> others = wrapped ? List.of() : List.of(other);
        DType type = self.dtype;
        return inplace(self, others, old -> {
            Tensor r;
            try (GradMode off = Ember.noGrad()) {
                r = ArithmeticOps.cast(op.apply(old.detach()), type);
            }
            Tensor[] inputs = wrapped ? new Tensor[] {old} : new Tensor[] {old, other};
            // other's shape, type and device (PyTorch's other_info), not other: the closure keeps no tensor
            int[] otherShape = other.shape;
            DType otherType = other.dtype;
            Device otherDevice = other.device;
            return ArithmeticOps.record(r, node, inputs, n -> g -> wrapped ? new Tensor[] {g.zerosLike()}
                    : new Tensor[] {g.zerosLike(), Creation.zeros(otherShape, otherType, otherDevice)});
        });
    }

    /**
     * An in-place op whose result PyTorch does not differentiate ({@code logical_and_}, {@code bitwise_not_}, ...):
     * PyTorch's checks, the result written into {@code self} (converted to its type, as a bool result becomes 0 and 1),
     * and no new node: {@code self} keeps its history, as PyTorch's autograd leaves it. With {@code autogradChecks}
     * (bitwise_*_) a leaf that requires grad is refused first, as PyTorch's; without (logical_*_) PyTorch 1.13 writes it.
     */
    static Tensor nonDifferentiable_(Tensor self, List<Tensor> others, boolean autogradChecks,
                                     Function<Tensor, Tensor> op) {
        if (autogradChecks) {
            checkInplace(self, others);
        }
        try (GradMode off = Ember.noGrad()) {
            // without autogradChecks (logical_*_), PyTorch's autograd does not check: a leaf that requires grad is written
            checkInplace(self, others);
            Tensor r = op.apply(self);
            checkWriteBack(self, r);
            writeBack(self, ArithmeticOps.cast(r, self.dtype));
        }
        return self;
    }

    /**
     * An in-place op whose result has the shape of a matrix product ({@code addmv_}, {@code baddbmm_}, {@code addbmm_};
     * {@code addmm_} has its own order, {@link LinalgOps#addmm_}): {@code self} must already have that shape
     * ({@code outShape}, null where the operands' own checks refuse them first), with PyTorch's "Bad in-place call"
     * message; otherwise as {@link #inplace(Tensor, List, Function)}.
     */
    static Tensor inplaceProduct(Tensor self, List<Tensor> others, int[] outShape, Function<Tensor, Tensor> op) {
        if (!self.lease().inference || InferenceMode.isEnabled()) {
            // PyTorch's autograd layer (check_inplace: a leaf that requires grad, a view's rules) runs before the
            // kernel's checks; an inference tensor has no autograd layer, its kernel checks first
            checkInplace(self, others);
        }
        // then the operands' checks (self broadcasting to the product's shape), as PyTorch's
        if (outShape != null && Shapes.expandable(self.shape, outShape) && !Arrays.equals(outShape, self.shape)) {
            throw new IllegalArgumentException("Bad in-place call: input tensor size " + Shapes.str(self.shape)
                    + " and output tensor size " + Shapes.str(outShape) + " should match");
        }
        return inplace(self, others, op);
    }

    /**
     * An in-place view op ({@code t_}, {@code transpose_}, {@code squeeze_}, {@code unsqueeze_}): {@code self} takes the
     * shape, strides and offset of {@code view(self)} over the same storage and its version is bumped, as PyTorch's;
     * when autograd records, {@code self}'s history is rebased onto one node {@code node} (PyTorch's in-place name, e.g.
     * TBackward1) whose backward is {@code backward}, written in tensor ops.
     */
    static Tensor view_(Tensor self, Function<Tensor, Tensor> view, String node, Function<Tensor, Tensor> backward) {
        checkInplace(self, List.of(), false);
        Tensor v;
        try (GradMode off = Ember.noGrad()) {
            v = view.apply(self);
        }
        Node n = ArithmeticOps.needsGrad(self)
                ? new Node.Fn(node, new Tensor[] {self}, g -> new Tensor[] {backward.apply(g)}) : null;
        if (n == null && self.gradFnShape == null && (self.gradFn != null && !self.differentiableView
                || self.gradFn == null && self.requiresGrad && self.accumulator != null)) {
            // under no_grad the history stays, recorded for the old shape (PyTorch's node keeps that metadata; a
            // leaf's AccumulateGrad, once made, too, a leaf view of a tensor without grad included; a view with a
            // history regenerates it for its new shape instead)
            self.gradFnShape = self.shape.clone();
        }
        self.layout = v.layout;
        self.shape = v.shape;
        self.bumpVersion();
        if (n != null) {
            rebase(self, n, 0);
            if (self.differentiableView) {
                self.viewVersion = self.version[0]; // its history is the node, not one regenerated from the base
            }
        }
        return self;
    }

    /**
     * {@code fill_diagonal_(value, wrap)} as PyTorch's Fill.cpp: the main diagonal (stride the sum of the strides,
     * {@code min(rows, columns)} long) filled through an as_strided view, and for a tall 2-D tensor with {@code wrap}
     * the diagonal restarting every {@code columns + 1} rows; recorded as the fills of those views (CopySlices).
     */
    static Tensor fillDiagonal_(Tensor self, double value, boolean wrap) {
        return fillDiagonal_(self, wrap, () -> ArithmeticOps.checkScalarFits(value, self.dtype), t -> t.fill_(value));
    }

    /** {@code fill_diagonal_} with a Python int: exact for an int64 tensor however large. */
    static Tensor fillDiagonal_(Tensor self, long value, boolean wrap) {
        return fillDiagonal_(self, wrap, () -> ArithmeticOps.fillValue(value, self.dtype), t -> t.fill_(value));
    }

    private static Tensor fillDiagonal_(Tensor self, boolean wrap, Runnable checkValue,
                                        java.util.function.Consumer<Tensor> fill) {
        int nDims = self.dim();
        if (nDims < 2) {
            throw new IllegalArgumentException("dimensions must larger than 1");
        }
        int height = self.shape[0];
        int width = self.shape[1];
        for (int i = 1; i < nDims; i++) {
            if (self.shape[i] != height && nDims > 2) {
                throw new IllegalArgumentException("all dimensions of input must be of equal length");
            }
        }
        checkValue.run();
        long stride = 0;
        for (int s : self.layout.strides()) {
            stride += s;
        }
        int offset = self.layout.offset();
        int size = Math.min(height, width);
        fill.accept(self.asStrided(new int[] {size}, new int[] {Math.toIntExact(stride)}, offset));
        if (wrap && nDims == 2 && height > width + 1) {
            long step = width + 1L;
            long wrapSize = (self.numel() + step - 1) / step - size;
            long wrapOffset = (long) self.layout.strides()[0] * (width + 1);
            fill.accept(self.asStrided(new int[] {Math.toIntExact(wrapSize)}, new int[] {Math.toIntExact(stride)},
                    Math.toIntExact(offset + wrapOffset)));
        }
        return self;
    }
}
