package dev.ember;

import dev.ember.backend.BinaryOp;
import dev.ember.backend.CpuCapability;

import java.util.Arrays;

/**
 * The losses PyTorch computes as one op with its own backward node: {@code nll_loss} ({@code NllLossBackward0},
 * {@code NllLoss2DBackward0}), {@code binary_cross_entropy} and {@code binary_cross_entropy_with_logits}. Each checks
 * its arguments in PyTorch 2.x's order and words before computing, computes its forward without recording the
 * intermediate ops, and records one node whose backward is PyTorch's formula, written in Tensor ops so that it runs
 * on every backend and can be differentiated again.
 */
final class LossOps {
    private LossOps() {
    }

    static final int NONE = 0;
    static final int MEAN = 1;
    static final int SUM = 2;

    /** PyTorch's {@code _Reduction.get_enum}: {@code elementwise_mean}, deprecated, is {@code mean} with a warning. */
    static int reduction(String reduction) {
        if ("none".equals(reduction)) {
            return NONE;
        }
        if ("elementwise_mean".equals(reduction)) {
            warnElementwiseMean();
            return MEAN;
        }
        if ("mean".equals(reduction)) {
            return MEAN;
        }
        if ("sum".equals(reduction)) {
            return SUM;
        }
        throw new IllegalArgumentException(reduction + " is not a valid value for reduction");
    }

    /** PyTorch's warning for {@code reduction='elementwise_mean'}, once. */
    private static void warnElementwiseMean() {
        WarnOnce.warn(WarnOnce.ELEMENTWISE_MEAN);
    }

    private static Tensor reduce(Tensor loss, int reduction) {
        switch (reduction) {
            case NONE: return loss;
            case SUM: return loss.sum();
            default: return loss.sum().div((double) loss.numel()); // 0/0 = nan for an empty input, as PyTorch
        }
    }

    /** The check PyTorch's autograd layer makes for an argument it has no derivative for. */
    private static void checkNotDifferentiable(Tensor t, String function, String argument) {
        if (t != null && GradMode.isEnabled() && t.requiresGrad()) {
            throw new IllegalArgumentException("The function '" + function + "' is not differentiable with respect to argument '"
                    + argument + "'. This input cannot have requires_grad True.");
        }
    }

    /** The in-place multiplication PyTorch applies a weight with: it may not grow the loss. */
    private static void checkBroadcastsInto(int[] into, int[] other) {
        int[] b = Shapes.broadcast(into, other);
        if (!Arrays.equals(b, into)) {
            throw new IllegalArgumentException("output with shape " + Shapes.str(into) + " doesn't match the broadcast shape "
                    + Shapes.str(b));
        }
    }

    /**
     * {@code log(1 + y)} accurate for small {@code y} (Goldberg's correction of the rounded {@code 1 + y}), for forward
     * values only: its unselected branch divides by zero, which a gradient through it would turn into nan.
     */
    private static Tensor log1p(Tensor y) {
        Tensor u = y.add(1.0);
        Tensor um1 = u.sub(1.0);
        return Tensor.where(um1.eq(0.0), y, u.log().mul(y).div(um1));
    }

    /**
     * PyTorch's refusal (its autograd layer's, after the forward) of a complex output of an op it has no complex
     * derivative for, when one of the given inputs requires grad and grad mode is on.
     */
    static void refuseComplexAutograd(String op, Tensor... inputs) {
        if (!GradMode.isEnabled()) {
            return;
        }
        for (Tensor t : inputs) {
            if (t != null && t.requiresGrad()) {
                throw new IllegalArgumentException(op + " does not support automatic differentiation for outputs with complex "
                        + "dtype.");
            }
        }
    }

    /** PyTorch's error for an in-place op whose promoted result cannot be written into its output's type. */
    static IllegalArgumentException castError(DType result, DType output) {
        return new IllegalArgumentException("result type " + Format.scalarType(result) + " can't be cast to the desired output "
                + "type " + Format.scalarType(output));
    }

    /** {@code log(sigmoid(x))} without overflow: {@code min(x, 0) - log(1 + exp(-|x|))}. */
    private static Tensor logSigmoid(Tensor x, boolean forward) {
        Tensor e = x.abs().neg().exp();
        return x.clampMax(0).sub(forward ? log1p(e) : e.add(1.0).log());
    }

    // ------------------------------------------------------------------ nll_loss

    /**
     * PyTorch's {@code nll_loss_nd}: input {@code [C]} with a 0-d target, {@code [N, C]} with {@code [N]}, or
     * {@code [N, C, d1, ...]} with {@code [N, d1, ...]}; targets equal to {@code ignoreIndex} contribute nothing and
     * are not range-checked; "mean" divides by the summed weights of the other targets.
     */
    static Tensor nllLoss(Tensor input, Tensor target, Tensor weight, String reduction, long ignoreIndex) {
        if (Autocast.on()) return Autocast.apply("nll_loss", t -> nllLoss(t[0], t[1], t[2], reduction, ignoreIndex),
                input, target, weight);
        NNOps.requireTensor(input, "nll_loss_nd", "input", 1);
        NNOps.requireTensor(target, "nll_loss_nd", "target", 2);
        int red = reduction(reduction);
        ArithmeticOps.checkSameDevice(input, target, weight);
        int d = input.dim();
        if (d < 1) {
            throw new IllegalArgumentException("Expected 1 or more dimensions (got 0)");
        }
        if (d != 1) {
            int targetBatch = target.dim() == 0 ? 0 : target.shape[0]; // PyTorch reads a 0-d target's size(0) as 0
            if (input.shape[0] != targetBatch) {
                throw new IllegalArgumentException("Expected input batch_size (" + input.shape[0] + ") to match target batch_size ("
                        + targetBatch + ").");
            }
        }
        if (d <= 2) {
            return nll(input, target, weight, red, ignoreIndex, false);
        }
        if (d == 4) {
            return nll(input, target, weight, red, ignoreIndex, true);
        }
        // 3 or more than 4 dimensions: PyTorch views them as [N, C, 1, L] and runs the 2-D loss
        int n = input.shape[0];
        int c = input.shape[1];
        int[] spatial = Arrays.copyOfRange(input.shape, 2, d);
        int[] outSize = new int[d - 1];
        outSize[0] = n;
        System.arraycopy(spatial, 0, outSize, 1, spatial.length);
        int[] targetSpatial = target.dim() == 0 ? new int[0] : Arrays.copyOfRange(target.shape, 1, target.dim());
        if (!Arrays.equals(targetSpatial, spatial)) {
            throw new IllegalArgumentException("Expected target size " + Shapes.str(outSize) + ", got " + Shapes.str(target.shape));
        }
        Tensor x = input.numel() > 0 ? input.reshape(n, c, 1, -1) : input.reshape(n, c, 0, 0);
        Tensor t = target.numel() > 0 ? target.reshape(n, 1, -1) : target.reshape(n, 0, 0);
        Tensor out = nll(x, t, weight, red, ignoreIndex, true);
        return red == NONE ? out.view(outSize) : out;
    }

    /**
     * {@code -Dember.nll.composed=true}: the unweighted CPU loss through the one-hot composition (the path before
     * session 47), to time against the gather and scatter.
     */
    private static final boolean COMPOSED_NLL = Boolean.getBoolean("ember.nll.composed");

    /**
     * The number of targets when none equals {@code ignoreIndex}, all lie in {@code [0, c)} and there are at most
     * 2^24 of them (a float32 count of ones exact); -1 otherwise (the masked composition then runs, and refuses an
     * out-of-range target in PyTorch's words). Read on the host: the direct path runs on the CPU.
     */
    private static int allTargetsKept(Tensor target, int c, long ignoreIndex) {
        if (target.numel() > (1 << 24)) {
            return -1;
        }
        long[] t = target.toLongArray();
        for (long v : t) {
            if (v == ignoreIndex || v < 0 || v >= c) {
                return -1;
            }
        }
        return t.length;
    }

    private static Tensor nll(Tensor input, Tensor target, Tensor weight, int red, long ignoreIndex, boolean spatial) {
        // autograd's check (VariableType) comes before the kernel's shape and type checks
        checkNotDifferentiable(weight, spatial ? "nll_loss2d_forward" : "nll_loss_forward", "weight");
        int c;
        if (!spatial) {
            if (target.dim() > 1) {
                throw new IllegalArgumentException("0D or 1D target tensor expected, multi-target not supported");
            }
            boolean noBatch = input.dim() == 1 && target.dim() == 0;
            // PyTorch also takes a [C] input with a [C] target and reads only the first target: refused as a mismatch
            if (!noBatch && (input.dim() == 1 || target.dim() == 0 || input.shape[0] != target.shape[0])) {
                throw new IllegalArgumentException("size mismatch (got input: " + Shapes.str(input.shape) + ", target: "
                        + Shapes.str(target.shape) + ")");
            }
            c = input.shape[input.dim() - 1];
            if (weight != null && (weight.dim() != 1 || weight.numel() != c)) {
                throw new IllegalArgumentException("weight tensor should be defined either for all " + c + " classes or no "
                        + "classes but got weight tensor of shape: " + Shapes.str(weight.shape));
            }
        } else {
            if (target.dim() != 3) {
                throw new IllegalArgumentException("only batches of spatial targets supported (3D tensors) but got targets of "
                        + "dimension: " + target.dim());
            }
            c = input.shape[1];
            if (weight != null && weight.numel() != c) {
                throw new IllegalArgumentException("weight tensor should be defined either for all or no classes");
            }
            if (input.shape[0] != target.shape[0] || input.shape[2] != target.shape[1] || input.shape[3] != target.shape[2]) {
                throw new IllegalArgumentException("size mismatch (got input: " + Shapes.str(input.shape) + " , target: "
                        + Shapes.str(target.shape)); // sic: PyTorch's message has no closing parenthesis
            }
        }
        if (!input.dtype.isFloatingPoint()) {
            throw Refusals.notImplemented(spatial ? "nll_loss2d_forward_out_frame" : "nll_loss_out_frame", input.dtype);
        }
        if (target.dtype == DType.UINT8) {
            // PyTorch's kernels read uint8 class indices as well as int64 ones (int32 is refused below)
            return nll(input, ArithmeticOps.cast(target, DType.INT64), weight, red, ignoreIndex, spatial);
        }
        if (target.dtype != DType.INT64) {
            throw new IllegalArgumentException("expected scalar type Long but found " + Format.scalarType(target.dtype));
        }
        if (weight != null && weight.dtype != input.dtype) {
            throw new IllegalArgumentException("expected scalar type " + Format.scalarType(input.dtype) + " but found " + Format.scalarType(weight.dtype));
        }
        int cd = input.dim() == 1 ? 0 : 1;
        int[] bshape = new int[input.dim()];
        Arrays.fill(bshape, 1);
        bshape[cd] = c;
        Tensor out;
        Tensor hit;
        Tensor wb;
        Tensor total;
        // unweighted [N, C] or [C] on the CPU (a language model's loss): the targets' elements gathered, and in the
        // backward pass scattered, where the composition below builds [N, C] one-hots (20x PyTorch's time at C = 65)
        boolean direct = !spatial && weight == null && input.device.isCpu() && !COMPOSED_NLL;
        // the direct path's common case, read from the targets on the host: none ignored, all in range.
        // -Dember.nll.masked=true (read per call) builds the kept-target mask and masks the gathered values even then
        // (before session 53: about ten small ops, 35-45 us of a 2048-row cross entropy whose nll_loss PyTorch runs
        // in 5)
        int fastCount = direct && !Boolean.getBoolean("ember.nll.masked") && (input.dtype == DType.FLOAT32 || input.dtype == DType.FLOAT64)
                ? allTargetsKept(target, c, ignoreIndex) : -1;
        try (GradMode off = Ember.noGrad()) {
            if (fastCount >= 0) {
                // the composition below with every target kept: valid all true, the gathered value unmasked,
                // perTarget 1 (x * 1 is x), total the count of targets (a sum of ones, exact below 2^24)
                Tensor picked = input.gather(cd, target.unsqueeze(cd)).squeeze(cd);
                Tensor losses = picked.rsub(0.0); // 0 - x, as below
                total = red == NONE ? Creation.zeros(new int[0], input.dtype, input.device)
                        : Creation.fromFlat(input.dtype == DType.FLOAT32 ? (Object) new float[] {fastCount}
                        : new double[] {fastCount}, new int[0], input.dtype, input.device);
                out = red == NONE ? losses : red == SUM ? losses.sum() : losses.sum().div(total);
                hit = null;
                wb = null;
            } else {
                // compared as int64, so no target is rounded through a float
                Tensor valid = ArithmeticOps.compare(target, Creation.wrap(ignoreIndex), BinaryOp.NE);
                checkTargets(target, valid, c, ignoreIndex);
                wb = weight == null ? null : weight.reshape(bshape);
                Tensor picked;
                if (direct) {
                    // each kept target's log-probability read where it is, instead of a [N, C] one-hot summed over C: the
                    // same values (x + zeros is x; a -0 picked becomes the same 0 in 0 - x below)
                    picked = Tensor.where(valid, input.gather(cd, Tensor.where(valid, target, 0L).unsqueeze(cd)).squeeze(cd),
                            0.0);
                    hit = null;
                } else {
                    hit = hitMask(target, valid, c, cd, bshape, ignoreIndex, input.device);
                    picked = Tensor.where(hit, input, 0.0).sum(new int[] {cd}, false);
                }
                Tensor perTarget = wb == null ? ArithmeticOps.cast(valid, input.dtype)
                        : Tensor.where(hit, wb, 0.0).sum(new int[] {cd}, false);
                Tensor losses = picked.mul(perTarget).rsub(0.0); // 0 - x, so an ignored target's loss is 0, not -0
                // nll_loss_forward's total_weight output: the kept targets' weight, 0 for "none"
                total = red == NONE ? Creation.zeros(new int[0], input.dtype, input.device) : perTarget.sum();
                out = red == NONE ? losses : red == SUM ? losses.sum() : losses.sum().div(total);
            }
        }
        Tensor totalWeight = total;
        int classes = c;
        int[] inputShape = input.shape.clone();
        return ArithmeticOps.record(out, spatial ? "NllLoss2DBackward0" : "NllLossBackward0", new Tensor[] {input}, n -> {
            // what PyTorch's node saves (self, target, weight, total_weight); the kept-target mask is rebuilt from target
            n.save(input);
            SavedTensor st = n.save(target);
            SavedTensor sw = weight == null ? null : n.save(weight);
            SavedTensor stw = n.save(totalWeight);
            return g -> {
                Tensor t = st.get();
                if (direct && !Ember.isGradEnabled()) {
                    // -grad (over the total weight for "mean") scattered at each kept target into zeros; an ignored
                    // row writes its 0 at class 0. Under create_graph the composition below keeps the graph.
                    Tensor valid = ArithmeticOps.compare(t, Creation.wrap(ignoreIndex), BinaryOp.NE).unsqueeze(cd);
                    Tensor scale = red == NONE ? g.unsqueeze(cd) : red == SUM ? g : g.div(stw.get());
                    Tensor per = Tensor.where(valid, scale.neg(), 0.0);
                    Tensor index = Tensor.where(valid, t.unsqueeze(cd), 0L);
                    return new Tensor[] {Creation.zeros(inputShape, per.dtype, g.device)
                            .scatter_(cd, index, per.expand(index.shape))};
                }
                Tensor kept;
                try (GradMode off = Ember.noGrad()) {
                    kept = hitMask(t, ArithmeticOps.compare(t, Creation.wrap(ignoreIndex), BinaryOp.NE), classes, cd, bshape,
                            ignoreIndex, g.device);
                }
                // PyTorch's nll_loss_backward: -weight[t] * grad (over the total weight for "mean") at each kept target
                Tensor scale = red == NONE ? g.unsqueeze(cd) : red == SUM ? g : g.div(stw.get());
                Tensor per = sw == null ? scale.neg() : sw.get().reshape(bshape).mul(scale).neg();
                return new Tensor[] {Tensor.where(kept, per, 0.0)};
            };
        });
    }

    /**
     * The one-hot of the kept targets ({@code valid}: not the ignore index) over the {@code c} classes of dimension
     * {@code cd}: the loss reads the input only there, so nan or -inf elsewhere does not leak.
     */
    private static Tensor hitMask(Tensor target, Tensor valid, int c, int cd, int[] bshape, long ignoreIndex,
                                  Device device) {
        Tensor classes = Tensor.arange(c).to(device).reshape(bshape);
        Tensor hit = classes.eq(target.unsqueeze(cd));
        if (ignoreIndex >= 0 && ignoreIndex < c) {
            hit = hit.logicalAnd(valid.unsqueeze(cd)); // an ignore index outside [0, C) matches no class anyway
        }
        return hit;
    }

    /** PyTorch's "Target 7 is out of bounds." for a kept target outside [0, classes); ignored targets are not checked. */
    private static void checkTargets(Tensor target, Tensor valid, int classes, long ignoreIndex) {
        if (target.numel() == 0) {
            return;
        }
        if (classes == 0) {
            for (long v : target.toLongArray()) {
                if (v != ignoreIndex) {
                    throw new IndexOutOfBoundsException("Target " + v + " is out of bounds.");
                }
            }
            return;
        }
        // ignored targets become class 0, which exists; on a GPU the check runs there and reports at the next
        // synchronization, so a training step does not wait for it
        target.mul(valid).checkIndices(classes, "Target %d is out of bounds.");
    }

    // ------------------------------------------------------------------ binary cross entropy

    /** PyTorch's EPSILON for the BCE gradient: the float nearest 1e-12 (a float constant there, also for double). */
    private static final double BCE_EPSILON = 1e-12f;

    /** The row-major index of the first false element of a bool mask (read back from the device; an error path only). */
    private static long firstFalse(Tensor mask) {
        long[] v = mask.reshape(-1).to(DType.INT64).toLongArray();
        for (int i = 0; i < v.length; i++) {
            if (v[i] == 0) {
                return i;
            }
        }
        return v.length;
    }

    /** PyTorch's binary_cross_entropy: logs clamped at -100, a gradient finite at 0 and 1. */
    static Tensor binaryCrossEntropy(Tensor input, Tensor target, Tensor weight, String reduction) {
        if (Autocast.on()) return Autocast.apply("binary_cross_entropy",
                t -> binaryCrossEntropy(t[0], t[1], t[2], reduction), input, target, weight);
        NNOps.requireTensor(input, "binary_cross_entropy", "input", 1);
        NNOps.requireTensor(target, "binary_cross_entropy", "target", 2);
        int red = reduction(reduction);
        if (!Arrays.equals(input.shape, target.shape)) {
            throw new IllegalArgumentException("Using a target size (" + Format.size(target.shape) + ") that is different to "
                    + "the input size (" + Format.size(input.shape) + ") is deprecated. Please ensure they have the same size.");
        }
        int[] weightShape = weight == null ? null : Shapes.broadcast(target.shape, weight.shape); // F's weight.expand
        ArithmeticOps.checkSameDevice(input, target, weight);
        checkNotDifferentiable(weight, "binary_cross_entropy", "weight");
        if (target.dtype != input.dtype) {
            throw new IllegalArgumentException("Found dtype " + Format.scalarType(target.dtype) + " but expected " + Format.scalarType(input.dtype));
        }
        if (!input.dtype.isFloatingPoint()) {
            throw Refusals.notImplemented("binary_cross_entropy", input.dtype);
        }
        try (GradMode off = Ember.noGrad()) {
            // nan fails too, as in PyTorch's kernel; on a GPU this reads one value back
            // (the kernel's checks of the values: a meta tensor has none, and PyTorch's meta kernel checks nothing)
            // PyTorch 2.x's kernel checks the target too (1.13 did not), element by element: the input's value, then the
            // target's, of each element in turn, so the first element (row-major) with either out of range names it
            Tensor inputIn = input.numel() == 0 ? null : input.ge(0.0).logicalAnd(input.le(1.0));
            Tensor targetIn = target.numel() == 0 ? null : target.ge(0.0).logicalAnd(target.le(1.0));
            boolean inputBad = inputIn != null && !ReductionOps.allTrueUnlessMeta(inputIn);
            boolean targetBad = targetIn != null && !ReductionOps.allTrueUnlessMeta(targetIn);
            if (inputBad && (!targetBad || firstFalse(inputIn) <= firstFalse(targetIn))) {
                throw new IllegalArgumentException("all elements of input should be between 0 and 1");
            }
            if (targetBad) {
                throw new IllegalArgumentException("all elements of target should be between 0 and 1");
            }
        }
        if (weightShape != null) {
            checkBroadcastsInto(input.shape, weightShape);
        }
        Tensor out;
        Tensor w;
        try (GradMode off = Ember.noGrad()) {
            w = weight == null ? null : ArithmeticOps.cast(weight, input.dtype);
            Tensor logX = input.log().clampMin(-100);
            Tensor log1mX = log1p(input.neg()).clampMin(-100);
            Tensor loss = target.sub(1.0).mul(log1mX).sub(target.mul(logX)); // (t - 1) log(1 - x) - t log(x)
            if (w != null) {
                loss = loss.mul(w);
            }
            if (red == NONE) {
                // PyTorch's binary_cross_entropy_out_cpu writes into empty_like(input)
                loss = inInputsLayout(loss, input);
            }
            out = reduce(loss, red);
        }
        double count = input.numel();
        return ArithmeticOps.record(out, "BinaryCrossEntropyBackward0", new Tensor[] {input, target}, n -> {
            SavedTensor sx = n.save(input);
            SavedTensor st = n.save(target);
            SavedTensor sw = w == null ? null : n.save(w);
            return g -> {
                Tensor x = sx.get();
                Tensor t = st.get();
                Tensor gs = red == MEAN ? g.div(count) : g;
                Tensor gx = null;
                Tensor gt = null;
                if (n.needsInputGrad(0)) {
                    // PyTorch's binary_cross_entropy_backward: grad (x - t) / max((1 - x) x, EPSILON), finite at 0 and 1
                    gx = gs.mul(x.sub(t)).div(x.rsub(1.0).mul(x).clampMin(BCE_EPSILON));
                }
                if (n.needsInputGrad(1)) {
                    // binary_cross_entropy_target_backward: -logit(x) grad
                    gt = gs.mul(x.log().sub(x.rsub(1.0).log())).neg();
                }
                if (sw != null) {
                    Tensor wv = sw.get();
                    gx = gx == null ? null : gx.mul(wv);
                    gt = gt == null ? null : gt.mul(wv);
                }
                return new Tensor[] {gx, gt};
            };
        });
    }

    /**
     * PyTorch's binary_cross_entropy_with_logits: {@code (1 - t) x - w_p log(sigmoid(x))} with
     * {@code w_p = 1 + (pos_weight - 1) t}, times {@code weight}; the result has the target's type.
     */
    static Tensor binaryCrossEntropyWithLogits(Tensor input, Tensor target, Tensor weight, Tensor posWeight, String reduction) {
        if (Autocast.on()) return Autocast.apply("binary_cross_entropy_with_logits",
                t -> binaryCrossEntropyWithLogits(t[0], t[1], t[2], t[3], reduction),
                input, target, weight, posWeight);
        String fn = "binary_cross_entropy_with_logits";
        NNOps.requireTensor(input, fn, "input", 1);
        NNOps.requireTensor(target, fn, "target", 2);
        int red = reduction(reduction);
        if (!Arrays.equals(input.shape, target.shape)) {
            throw new IllegalArgumentException("Target size (" + Format.size(target.shape) + ") must be the same as input size ("
                    + Format.size(input.shape) + ")");
        }
        ArithmeticOps.checkSameDevice(input, target, weight, posWeight);
        checkNotDifferentiable(weight, fn, "weight");
        checkNotDifferentiable(posWeight, fn, "pos_weight");
        if (posWeight != null) {
            // log_sigmoid(x).mul_((pos_weight - 1).mul(target).add_(1))
            checkBroadcastsInto(input.shape, Shapes.broadcast(posWeight.shape, target.shape));
        }
        if (input.isComplex()) {
            // PyTorch 2.x's log_sigmoid(input) refuses it
            throw new IllegalArgumentException(fn + ": " + Refusals.notImplementedMessage(
                    "log_sigmoid_" + (input.device.isCpu() ? "cpu" : "forward_cuda"), input.dtype));
        }
        if (target.isComplex() || weight != null && weight.isComplex() || posWeight != null && posWeight.isComplex()) {
            return bceWithLogitsComplex(input, target, weight, posWeight, red);
        }
        DType xt = input.dtype.isFloatingPoint() ? input.dtype : Ember.getDefaultDtype();
        if (target.dtype == DType.BOOL) {
            throw new IllegalArgumentException("Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
                    + "trying to invert a mask, use the `~` or `logical_not()` operator instead.");
        }
        if (!target.dtype.isFloatingPoint()) {
            // (1 - target).mul_(input) writes a floating result into the target's integer type
            throw new IllegalArgumentException("result type " + Format.scalarType(xt) + " can't be cast to the desired output type "
                    + Format.scalarType(target.dtype));
        }
        if (weight != null) {
            checkBroadcastsInto(input.shape, weight.shape);
        }
        DType ct = DType.promote(xt, target.dtype);
        DType outType = target.dtype;
        Tensor out;
        Tensor w;
        Tensor pw;
        try (GradMode off = Ember.noGrad()) {
            Tensor x = ArithmeticOps.cast(input, ct);
            Tensor t = ArithmeticOps.cast(target, ct);
            w = weight == null ? null : ArithmeticOps.cast(weight, ct);
            pw = posWeight == null ? null : ArithmeticOps.cast(posWeight, ct);
            Tensor ls = logSigmoid(x, true);
            if (pw != null) {
                ls = ls.mul(pw.sub(1.0).mul(t).add(1.0));
            }
            Tensor loss = t.rsub(1.0).mul(x).sub(ls);
            if (w != null) {
                loss = loss.mul(w);
            }
            out = ArithmeticOps.cast(reduce(loss, red), outType);
        }
        double count = input.numel();
        DType inType = input.dtype;
        return ArithmeticOps.record(out, "BinaryCrossEntropyWithLogitsBackward0", new Tensor[] {input, target}, n -> {
            SavedTensor sx = n.save(input);
            SavedTensor st = n.save(target);
            SavedTensor sw = w == null ? null : n.save(w);
            SavedTensor sp = pw == null ? null : n.save(pw);
            return g -> {
                Tensor x = sx.get().to(ct);
                Tensor t = st.get().to(ct);
                Tensor gc = g.to(ct);
                Tensor gs = red == MEAN ? gc.div(count) : gc;
                Tensor wv = sw == null ? null : sw.get();
                Tensor pv = sp == null ? null : sp.get();
                Tensor gx = null;
                Tensor gt = null;
                if (n.needsInputGrad(0)) {
                    // binary_cross_entropy_with_logits_backward: (sigmoid(x) - t), or ((p t + 1 - t) sigmoid(x) - p t)
                    if (pv == null) {
                        gx = x.sigmoid().sub(t);
                    } else {
                        Tensor pt = pv.mul(t);
                        gx = pt.add(1.0).sub(t).mul(x.sigmoid()).sub(pt);
                    }
                    gx = gx.mul(gs);
                    gx = (wv == null ? gx : gx.mul(wv)).to(inType);
                }
                if (n.needsInputGrad(1)) {
                    // the target's: -x, or log_sigmoid(-x) - p log_sigmoid(x)
                    gt = pv == null ? x.neg() : logSigmoid(x.neg(), false).sub(logSigmoid(x, false).mul(pv));
                    gt = gt.mul(gs);
                    gt = (wv == null ? gt : gt.mul(wv)).to(outType);
                }
                return new Tensor[] {gx, gt};
            };
        });
    }

    /**
     * binary_cross_entropy_with_logits of a real input with a complex target, weight or pos_weight, as PyTorch 2.x's
     * composition writes it: {@code log_sigmoid(x).mul_((pos_weight - 1).mul(t).add_(1))} and
     * {@code (1 - t).mul_(x).sub_(...)}, then {@code mul_(weight)}, each in-place op keeping its tensor's type (a complex
     * factor into a real tensor is refused); the complex loss has no derivative in PyTorch.
     */
    private static Tensor bceWithLogitsComplex(Tensor input, Tensor target, Tensor weight, Tensor posWeight, int red) {
        if (posWeight != null && (posWeight.isComplex() || target.isComplex())) {
            // log_weight is complex, log_sigmoid(input) is real
            throw castError(DType.promote(posWeight.dtype, target.dtype), input.dtype);
        }
        if (!target.isComplex()) {
            throw castError(DType.promote(target.dtype, weight.dtype), target.dtype);
        }
        if (weight != null) {
            checkBroadcastsInto(input.shape, weight.shape);
        }
        refuseComplexAutograd("binary_cross_entropy_with_logits", input, target);
        try (GradMode off = Ember.noGrad()) {
            Tensor loss = ArithmeticOps.cast(target.rsub(1.0).mul(input), target.dtype);
            loss = ArithmeticOps.cast(loss.sub(input.logSigmoid()), target.dtype);
            if (weight != null) {
                loss = ArithmeticOps.cast(loss.mul(weight), target.dtype);
            }
            return reduce(loss, red);
        }
    }

    // ------------------------------------------------------------------ elementwise regression losses (issue 14)

    /** The promoted floating type of a regression loss, or PyTorch's dispatch error ("mse_cpu" ...). */
    private static DType regressionType(Tensor input, Tensor target, String kernel) {
        Device device = ArithmeticOps.checkSameDevice(input, target);
        Shapes.broadcast(input.shape, target.shape);
        DType t = ArithmeticOps.resultType(input, target);
        if (!t.isFloatingPoint() && !(device.isMeta() && t.isIntegral())) {
            throw Refusals.notImplemented(kernel, device, t);
        }
        return t;
    }

    /**
     * An integer regression loss on the meta device, which PyTorch's meta kernels give without a type check: the
     * promoted integer type, the broadcast shape for "none", else a 0-dim result (no history: integers need none).
     */
    private static Tensor metaIntegralLoss(Tensor input, Tensor target, DType t, int red) {
        int[] shape = red == NONE ? Shapes.broadcast(input.shape, target.shape) : new int[0];
        return Creation.empty(shape, t, input.device);
    }

    /**
     * PyTorch's mse_loss: {@code (input - target)^2} (broadcast, promoted), reduced; one node MseLossBackward0 with
     * PyTorch's mse_loss_backward, {@code norm * (input - target) * grad}, norm {@code 2 / numel} for "mean" else 2
     * (the target's gradient with the operands swapped).
     */
    static Tensor mseLoss(Tensor input, Tensor target, String reduction) {
        if (Autocast.on()) return Autocast.apply("mse_loss", t -> mseLoss(t[0], t[1], reduction), input, target);
        NNOps.requireTensor(input, "mse_loss", "input", 1);
        NNOps.requireTensor(target, "mse_loss", "target", 2);
        int red = reduction(reduction);
        DType t = regressionType(input, target, "mse");
        if (!t.isFloatingPoint()) {
            return metaIntegralLoss(input, target, t, red);
        }
        Tensor out;
        Tensor d;
        try (GradMode off = Ember.noGrad()) {
            d = ArithmeticOps.cast(input, t).sub(ArithmeticOps.cast(target, t));
            out = reduceLoss(d.mul(d), red);
        }
        long numel = d.numel();
        return ArithmeticOps.record(out, "MseLossBackward0", new Tensor[] {input, target}, n -> {
            SavedTensor sx = n.save(input);
            SavedTensor st = n.save(target);
            return g -> {
                double norm = red == MEAN ? 2.0 / numel : 2.0;
                Tensor x = sx.get();
                Tensor y = st.get();
                return new Tensor[] {
                    n.needsInputGrad(0) ? x.sub(y).mul(norm).mul(g) : null,
                    n.needsInputGrad(1) ? y.sub(x).mul(norm).mul(g) : null};
            };
        });
    }

    /** PyTorch's apply_loss_reduction: the loss itself, its sum, or its mean. */
    private static Tensor reduceLoss(Tensor loss, int red) {
        switch (red) {
            case NONE: return loss;
            case SUM: return loss.sum();
            default: return loss.mean();
        }
    }

    /**
     * PyTorch's smooth_l1_loss for beta > 0: {@code 0.5 z^2 / beta} where {@code z = |input - target| < beta}, else
     * {@code z - 0.5 beta}; SmoothL1LossBackward0 with smooth_l1_loss_backward ({@code +-norm * grad} outside the band,
     * {@code norm * x * grad / beta} inside; the CPU kernel's vector and scalar paths round differently, followed by
     * {@code scalarTail}). Beta 0 is l1_loss in PyTorch 2.x's F.smooth_l1_loss (Functional).
     */
    static Tensor smoothL1Loss(Tensor input, Tensor target, String reduction, double beta) {
        if (Autocast.on()) return Autocast.apply("smooth_l1_loss", t -> smoothL1Loss(t[0], t[1], reduction, beta),
                input, target);
        NNOps.requireTensor(input, "smooth_l1_loss", "input", 1);
        NNOps.requireTensor(target, "smooth_l1_loss", "target", 2);
        int red = reduction(reduction);
        if (!(beta >= 0)) {
            throw new IllegalArgumentException("smooth_l1_loss does not support negative values for beta.");
        }
        DType t = regressionType(input, target, "smooth_l1");
        if (!t.isFloatingPoint()) {
            return metaIntegralLoss(input, target, t, red);
        }
        return robustLoss(input, target, red, t, beta, false);
    }

    /**
     * PyTorch's huber_loss: {@code 0.5 z^2} where {@code z = |input - target| < delta}, else {@code delta (z - 0.5 delta)};
     * HuberLossBackward0 with huber_loss_backward ({@code +-norm * grad * delta} outside, {@code norm * x * grad} inside).
     * Unlike smooth_l1_loss and mse_loss, PyTorch writes the pointwise loss into {@code empty_like(input)}: it is computed
     * in the promoted type and rounded to the input's ({@code float32} input with a {@code float64} target gives a
     * {@code float32} loss; an integer input with a floating target is refused). Its backward converts the gradient
     * where PyTorch's huber_loss_backward refuses a target of another type ("Found dtype Double but expected Float"), as
     * mse_loss's does.
     */
    static Tensor huberLoss(Tensor input, Tensor target, String reduction, double delta) {
        if (Autocast.on()) return Autocast.apply("huber_loss", t -> huberLoss(t[0], t[1], reduction, delta),
                input, target);
        NNOps.requireTensor(input, "huber_loss", "input", 1);
        NNOps.requireTensor(target, "huber_loss", "target", 2);
        int red = reduction(reduction);
        if (!(delta > 0)) {
            throw new IllegalArgumentException("huber_loss does not support non-positive values for delta.");
        }
        // the iterator writing into empty_like(input) checks the cast before the kernel's dispatch
        DType promoted = ArithmeticOps.resultType(input, target);
        if (!ArithmeticOps.canCast(promoted, input.dtype)) {
            throw castError(promoted, input.dtype);
        }
        DType t = regressionType(input, target, "huber");
        if (!t.isFloatingPoint()) {
            return metaIntegralLoss(input, target, t, red);
        }
        return robustLoss(input, target, red, t, delta, true);
    }

    /**
     * {@code loss} (the input's shape) as a kernel writing into {@code empty_like(input)} leaves it: the input's
     * strides where non-overlapping and dense, else infer_dense_strides' ({@link Creation#emptyLike}); the
     * composition that computed it followed the layouts of the input and the target together (a transposed target's
     * order, an expanded input's zero strides). Itself where the layouts agree.
     */
    private static Tensor inInputsLayout(Tensor loss, Tensor input) {
        int[] strides = ShapeOps.preservedStrides(input.shape, input.layout.strides());
        if (Arrays.equals(strides, loss.layout.strides())) {
            return loss;
        }
        Tensor like = Creation.emptyStrided(input.shape, strides, loss.dtype, input.device);
        ComplexOps.copyElements(loss, like);
        return like;
    }

    /** smooth_l1_loss (huber false, param beta) and huber_loss (param delta), forward and backward as PyTorch's kernels. */
    private static Tensor robustLoss(Tensor input, Tensor target, int red, DType t, double param, boolean huber) {
        // the parameter as the kernels hold it: in the tensor's type
        double p = t == DType.FLOAT32 ? (float) param : param;
        Tensor out;
        long numel;
        try (GradMode off = Ember.noGrad()) {
            Tensor z = ArithmeticOps.cast(input, t).sub(ArithmeticOps.cast(target, t)).abs();
            numel = z.numel();
            Tensor inside = z.lt(p);
            Tensor loss;
            if (huber) {
                // z < delta ? 0.5 * z * z : delta * (z - 0.5 * delta)
                loss = Tensor.where(inside, z.mul(0.5).mul(z), z.sub(0.5 * p).mul(p));
            } else {
                // z < beta ? 0.5 * z * z / beta : z - 0.5 * beta
                loss = Tensor.where(inside, z.mul(0.5).mul(z).div(p), z.sub(0.5 * p));
            }
            if (huber) { // into empty_like(input)
                loss = ArithmeticOps.cast(loss, input.dtype);
                if (red == NONE && Arrays.equals(loss.shape, input.shape)) {
                    loss = inInputsLayout(loss, input);
                }
            }
            out = reduceLoss(loss, red);
        }
        long count = numel;
        return ArithmeticOps.record(out, huber ? "HuberLossBackward0" : "SmoothL1LossBackward0", new Tensor[] {input, target},
                n -> {
                    SavedTensor sx = n.save(input);
                    SavedTensor st = n.save(target);
                    return g -> {
                        Tensor x = sx.get();
                        Tensor y = st.get();
                        Tensor tail = scalarTail(x, y, g);
                        return new Tensor[] {
                            n.needsInputGrad(0) ? robustBackward(g, x.sub(y), red, count, p, param, huber, tail)
                                    : null,
                            n.needsInputGrad(1) ? robustBackward(g, y.sub(x), red, count, p, param, huber, tail)
                                    : null};
                    };
                });
    }

    /**
     * Where smooth_l1_loss_backward's and huber_loss_backward's CPU kernels take their scalar expressions: a boolean
     * mask over the gradient's elements, or null where there is no CPU float32/float64 kernel to follow. PyTorch's
     * kernels round differently in their two paths (smooth_l1: vector {@code norm * (x / beta) * grad}, scalar
     * {@code norm * x * grad / beta} with beta a double; huber outside the band: vector {@code (norm * +-delta) * grad},
     * scalar {@code (+-norm * grad) * delta} with delta a double), and {@code vectorized_loop}
     * takes whole passes of {@link CpuCapability#floatVectorPass()} float32 elements (half as many float64) with the
     * vector one and the rest of the run with the scalar one. Emulated where the iteration is one contiguous run
     * (input and target contiguous of one shape, the gradient too or a single element broadcast) of at most
     * {@code GRAIN_SIZE} (32768) elements; beyond it PyTorch splits the run by its thread count, and a strided or
     * broadcast iteration runs row by row, which Ember does not follow (it takes the scalar expression there).
     */
    private static Tensor scalarTail(Tensor input, Tensor target, Tensor g) {
        if (!input.device.isCpu() || !(input.dtype == DType.FLOAT32 || input.dtype == DType.FLOAT64)
                || target.dtype != input.dtype || g.dtype != input.dtype) {
            return null;
        }
        long n = input.numel();
        boolean run = Arrays.equals(input.shape, target.shape) && input.isContiguous()
                && target.isContiguous() && n <= 32768
                && (g.numel() == 1 || (Arrays.equals(g.shape, input.shape) && g.isContiguous()));
        if (!run) {
            return input.onesLike().to(DType.BOOL);
        }
        int pass = CpuCapability.floatVectorPass() / (input.dtype == DType.FLOAT64 ? 2 : 1);
        long vectorized = n / pass * pass;
        return Tensor.arange(n).ge(vectorized).reshape(input.shape);
    }

    /**
     * smooth_l1_loss_backward and huber_loss_backward for the difference {@code x} (input - target, or swapped);
     * {@code tail} ({@link #scalarTail}) says where the kernel rounds as its scalar expressions.
     */
    private static Tensor robustBackward(Tensor g, Tensor x, int red, long numel, double p, double param,
                                         boolean huber, Tensor tail) {
        double norm = red == MEAN ? 1.0 / numel : 1.0;
        Tensor below = x.le(-p);
        Tensor above = x.ge(p);
        if (tail == null) { // no CPU kernel to follow
            Tensor gn = g.mul(norm); // norm * grad
            Tensor outside = huber ? gn.mul(p) : gn; // times delta for huber
            Tensor inside = huber ? x.mul(norm).mul(g) : x.mul(norm).mul(g).div(p); // norm * x * grad (/ beta)
            return Tensor.where(below, outside.neg(), Tensor.where(above, outside, inside));
        }
        boolean f32 = x.dtype == DType.FLOAT32;
        double nt = f32 ? (float) norm : norm; // norm.to<scalar_t>()
        Tensor gn = g.mul(nt);
        Tensor vecInside;
        Tensor vecOutside;
        Tensor scalarInside;
        Tensor scalarOutside;
        if (huber) {
            // vector: norm * (x or +-delta) * grad; scalar: norm * x * grad, (+-norm * grad) * delta in double
            vecInside = x.mul(nt).mul(g);
            vecOutside = g.mul(f32 ? (double) ((float) nt * (float) p) : nt * p);
            scalarInside = vecInside;
            scalarOutside = gn.to(DType.FLOAT64).mul(param).to(x.dtype);
        } else {
            // vector: norm * (x / beta or +-1) * grad; scalar: (norm * x * grad) / beta in double, +-norm * grad
            vecInside = x.div(p).mul(nt).mul(g);
            vecOutside = gn;
            scalarInside = x.mul(nt).mul(g).to(DType.FLOAT64).div(param).to(x.dtype);
            scalarOutside = gn;
        }
        Tensor inside = Tensor.where(tail, scalarInside, vecInside);
        Tensor outside = Tensor.where(tail, scalarOutside, vecOutside);
        return Tensor.where(below, outside.neg(), Tensor.where(above, outside, inside));
    }
}
