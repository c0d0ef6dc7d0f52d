package dev.ember;

import java.util.Arrays;

/**
 * The margin and likelihood losses of PyTorch 2.x's ATen: {@code soft_margin_loss} (SoftMarginLossBackward0),
 * {@code multi_margin_loss} (MultiMarginLossBackward0) and {@code multilabel_margin_loss}
 * (MultilabelMarginLossBackward0), each one node whose forward runs without recording and whose backward is PyTorch's
 * kernel written in Tensor ops; and the ATen compositions {@code hinge_embedding_loss}, {@code triplet_margin_loss} and
 * {@code poisson_nll_loss}, which record PyTorch's chain of nodes.
 */
final class LossOps2 {
    private LossOps2() {
    }

    private static Tensor reduce(Tensor loss, int red) {
        switch (red) {
            case LossOps.NONE: return loss;
            case LossOps.SUM: return loss.sum();
            default: return loss.mean();
        }
    }

    /** The check PyTorch's autograd layer makes for an argument it has no derivative for. */
    static void checkNotDifferentiable(Tensor t, String function, String argument) {
        if (t != null && GradMode.isEnabled() && t.requiresGrad()) {
            throw new IllegalArgumentException("The function '" + function + "' is not differentiable with respect to argument '"
                    + argument + "'. This input cannot have requires_grad True.");
        }
    }

    /** {@code a + scalar} as ATen's C++ writes it ({@code add.Scalar}): one node AddBackward1, the gradient passed on. */
    static Tensor addScalar(Tensor a, double value) {
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            out = a.add(value);
        }
        return ArithmeticOps.record(out, "AddBackward1", new Tensor[] {a}, n -> g -> new Tensor[] {g});
    }

    /**
     * PyTorch's dispatch error for a kernel that takes float32 and float64 (and, on CUDA, float16 and bfloat16: those
     * are computed here with Tensor ops in their own type).
     */
    static void requireFloating(Tensor input, String kernel) {
        boolean half = input.dtype == DType.FLOAT16 || input.dtype == DType.BFLOAT16;
        if (!input.dtype.isFloatingPoint() || half && input.device.isCpu()) {
            throw Refusals.notImplemented(kernel, input.dtype);
        }
    }

    // ------------------------------------------------------------------ soft_margin_loss

    /**
     * PyTorch's soft_margin_loss: {@code log(1 + exp(-target * input))} (the target broadcast into the input's shape),
     * reduced; one node SoftMarginLossBackward0 with soft_margin_loss_backward,
     * {@code -norm * target * z / (1 + z) * grad} with {@code z = exp(-target * input)}.
     */
    static Tensor softMarginLoss(Tensor input, Tensor target, String reduction) {
        if (Autocast.on()) return Autocast.apply("soft_margin_loss", t -> softMarginLoss(t[0], t[1], reduction), input, target);
        NNOps.requireTensor(input, "soft_margin_loss", "input", 1);
        NNOps.requireTensor(target, "soft_margin_loss", "target", 2);
        int red = LossOps.reduction(reduction);
        ArithmeticOps.checkSameDevice(input, target);
        int[] b = Shapes.broadcast(input.shape, target.shape);
        if (!Arrays.equals(b, input.shape)) {
            throw new IllegalArgumentException("output with shape " + Shapes.str(input.shape) + " doesn't match the broadcast shape "
                    + Shapes.str(b));
        }
        if (!input.dtype.isFloatingPoint() && !input.isComplex() || !input.isComplex() && target.isComplex()) {
            // PyTorch writes exp(-input * target) into an output of the input's type
            DType result = DType.promote(input.dtype, target.dtype);
            throw new IllegalArgumentException("result type " + Format.scalarType(result.isFloatingPoint() || result.isComplex()
                    ? result : DType.promote(Ember.getDefaultDtype(), result)) + " can't be cast to the desired output type "
                    + Format.scalarType(input.dtype));
        }
        checkNotDifferentiable(target, "soft_margin_loss", "target");
        Tensor out;
        long numel = input.numel();
        if (input.isComplex()) {
            // PyTorch 2.x computes the complex loss (its output in the input's type) but has no complex derivative for it
            LossOps.refuseComplexAutograd("soft_margin_loss", input);
            try (GradMode off = Ember.noGrad()) {
                return reduce(ArithmeticOps.cast(input.neg().mul(target), input.dtype).exp().log1p(), red);
            }
        }
        try (GradMode off = Ember.noGrad()) {
            Tensor loss = ArithmeticOps.cast(input.neg().mul(target), input.dtype).exp().log1p();
            out = reduce(loss, red);
        }
        return ArithmeticOps.record(out, "SoftMarginLossBackward0", new Tensor[] {input}, n -> {
            SavedTensor sx = n.save(input);
            SavedTensor st = n.save(target);
            return g -> {
                Tensor x = sx.get();
                Tensor t = st.get();
                double norm = red == LossOps.MEAN ? 1.0 / numel : 1.0;
                Tensor z = t.neg().mul(x).exp();
                Tensor gi = t.mul(z).mul(-norm).div(z.add(1.0)).mul(g);
                return new Tensor[] {ArithmeticOps.cast(gi, x.dtype)};
            };
        });
    }

    // ------------------------------------------------------------------ multi_margin_loss

    /** PyTorch's multi_margin_loss_shape_check; returns {nframe, dim}. */
    private static long[] multiMarginShape(Tensor input, Tensor target, Tensor weight) {
        int nd = input.dim();
        if (!((nd == 2 && input.shape[1] != 0) || (nd == 1 && input.shape[0] != 0) || nd == 0)) {
            throw new IllegalArgumentException("Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                    + Shapes.str(input.shape));
        }
        long nframe = nd <= 1 ? 1 : input.shape[0];
        long dim = nd == 0 ? 1 : nd == 1 ? input.shape[0] : input.shape[1];
        if (!(target.dim() <= 1 && target.numel() == nframe)) {
            throw new IllegalArgumentException("inconsistent target size, expected " + nframe + " but got "
                    + Shapes.str(target.shape));
        }
        if (weight != null && !(weight.dim() <= 1 && weight.numel() == dim)) {
            throw new IllegalArgumentException("inconsistent weight size, expected " + dim + " but got " + Shapes.str(weight.shape));
        }
        return new long[] {nframe, dim};
    }

    /**
     * PyTorch's multi_margin_loss (p 1 or 2): per sample {@code sum_{d != y} w[y] max(0, margin - x[y] + x[d])^p / C};
     * "none" gives one loss per sample (a 0-dim result for a 0-dim target), "mean" divides the sum by the samples. One
     * node MultiMarginLossBackward0 with PyTorch's multi_margin_loss_backward kernel.
     */
    static Tensor multiMarginLoss(Tensor input, Tensor target, int p, double margin, Tensor weight, String reduction) {
        if (Autocast.on()) return Autocast.apply("multi_margin_loss",
                t -> multiMarginLoss(t[0], t[1], p, margin, t[2], reduction), input, target, weight);
        NNOps.requireTensor(input, "multi_margin_loss", "input", 1);
        NNOps.requireTensor(target, "multi_margin_loss", "target", 2);
        int red = LossOps.reduction(reduction);
        if (p != 1 && p != 2) {
            throw new IllegalArgumentException("only p == 1 and p == 2 supported");
        }
        if (weight != null && weight.dim() != 1) {
            throw new IllegalArgumentException("weight must be one-dimensional");
        }
        ArithmeticOps.checkSameDevice(input, target, weight);
        long[] nd = multiMarginShape(input, target, weight);
        int nframe = (int) nd[0];
        int dim = (int) nd[1];
        requireFloating(input, "multi_margin_loss_cpu_kernel");
        if (target.dtype != DType.INT64) {
            throw new IllegalArgumentException("expected scalar type Long but found " + Format.scalarType(target.dtype));
        }
        if (weight != null && weight.dtype != input.dtype) {
            throw new IllegalArgumentException("expected scalar type " + Format.scalarType(input.dtype) + " but found "
                    + Format.scalarType(weight.dtype));
        }
        checkNotDifferentiable(weight, "multi_margin_loss", "weight");
        Tensor t2 = target.reshape(nframe, 1);
        if (target.numel() > 0) {
            try (GradMode off = Ember.noGrad()) {
                if (!ReductionOps.allTrueUnlessMeta(t2.ge(0L).logicalAnd(t2.lt((long) dim)))) {
                    throw new IllegalArgumentException("target out of range");
                }
            }
        }
        double m = input.dtype == DType.FLOAT32 ? (float) margin : margin;
        boolean perSample = red == LossOps.NONE && target.dim() > 0;
        Tensor out;
        Tensor active; // [N, C]: d != y and margin - x[y] + x[d] > 0
        Tensor zs;     // [N, C]: margin - x[y] + x[d]
        Tensor wy;     // [N, 1]: the target's weight, or null
        try (GradMode off = Ember.noGrad()) {
            Tensor[] terms = marginTerms(input, t2, m, nframe, dim);
            zs = terms[0];
            active = terms[1];
            Tensor h = p == 1 ? zs : zs.mul(zs);
            wy = targetWeight(weight, t2, nframe, dim);
            if (wy != null) {
                h = h.mul(wy);
            }
            Tensor per = Tensor.where(active, h, 0.0).sum(new int[] {1}, false).div((double) dim);
            if (perSample) {
                out = per;
            } else {
                Tensor s = per.sum();
                out = red == LossOps.MEAN ? s.div((double) nframe) : s;
            }
        }
        int[] inShape = input.shape.clone();
        return ArithmeticOps.record(out, "MultiMarginLossBackward0", new Tensor[] {input}, n -> {
            // what PyTorch's node saves (self, target, weight): the margin terms are recomputed from them
            SavedTensor saved = n.save(input);
            SavedTensor st = n.save(target);
            SavedTensor sw = weight == null ? null : n.save(weight);
            return g -> {
                // multi_margin_loss_backward: h = g (p 1) or 2 g z (p 2), g = 1/(N C) for "mean" else 1/C, times w[y];
                // h at each active d, minus their sum at the target, times the output gradient
                Tensor gi;
                Tensor xs = saved.get();
                try (GradMode off = Ember.noGrad()) {
                    Tensor ty = st.get().reshape(nframe, 1);
                    Tensor[] terms = marginTerms(xs, ty, m, nframe, dim);
                    Tensor z = terms[0];
                    Tensor act = terms[1];
                    Tensor w = sw == null ? null : targetWeight(sw.get(), ty, nframe, dim);
                    double gs = red == LossOps.MEAN ? 1.0 / ((double) nframe * dim) : 1.0 / dim;
                    Tensor h = p == 1 ? act.to(g.dtype).mul(gs) : Tensor.where(act, z.mul(2 * gs), 0.0);
                    if (w != null) {
                        h = h.mul(w);
                    }
                    gi = Tensor.where(terms[2], h.sum(new int[] {1}, true).neg(), h);
                    gi = gi.mul(perSample ? g.reshape(nframe, 1) : g).reshape(inShape);
                }
                // derivatives.yaml has no formula for multi_margin_loss_backward (in 1.13 and 2.x): the gradient's node
                // is NotImplemented, which raises at a double backward with respect to the input or the gradient
                return new Tensor[] {ArithmeticOps.record(gi, "NotImplemented", new Tensor[] {g, xs}, node2 -> gg -> {
                    throw new IllegalStateException("derivative for aten::multi_margin_loss_backward is not implemented");
                })};
            };
        });
    }

    /**
     * multi_margin_loss's terms over the {@code [N, C]} input: {@code margin - x[y] + x[d]}, where it counts ({@code d !=
     * y} and positive), and the target's one-hot.
     */
    private static Tensor[] marginTerms(Tensor input, Tensor t2, double m, int nframe, int dim) {
        Tensor x = input.reshape(nframe, dim);
        Tensor hit = Tensor.arange(dim).to(input.device).reshape(1, dim).eq(t2);
        Tensor zs = x.gather(1, t2).rsub(m).add(x);
        return new Tensor[] {zs, zs.gt(0.0).logicalAnd(hit.logicalNot()), hit};
    }

    /** The target's weight per sample ({@code [N, 1]}), or null without weights. */
    private static Tensor targetWeight(Tensor weight, Tensor t2, int nframe, int dim) {
        return weight == null ? null : weight.reshape(dim).gather(0, t2.reshape(nframe)).reshape(nframe, 1);
    }

    // ------------------------------------------------------------------ multilabel_margin_loss

    /**
     * PyTorch's multilabel_margin_loss: each sample's targets are the leading entries of its target row up to the first
     * -1; the loss sums {@code max(0, 1 - (x[j] - x[i]))} over its targets j (repeats counted) and non-targets i, over
     * C. "none" gives one loss per sample for a 2-D target, else a 0-dim result. One node MultilabelMarginLossBackward0.
     */
    static Tensor multilabelMarginLoss(Tensor input, Tensor target, String reduction) {
        if (Autocast.on()) return Autocast.apply("multilabel_margin_loss",
                t -> multilabelMarginLoss(t[0], t[1], reduction), input, target);
        NNOps.requireTensor(input, "multilabel_margin_loss", "input", 1);
        NNOps.requireTensor(target, "multilabel_margin_loss", "target", 2);
        int red = LossOps.reduction(reduction);
        ArithmeticOps.checkSameDevice(input, target);
        int nd = input.dim();
        if (!((nd == 2 && input.shape[1] != 0) || (nd == 1 && input.shape[0] != 0) || nd == 0)) {
            throw new IllegalArgumentException("Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                    + Shapes.str(input.shape));
        }
        int nframe;
        int dim;
        if (nd <= 1) {
            nframe = 1;
            dim = nd == 0 ? 1 : input.shape[0];
            if (!(target.dim() <= 1 && target.numel() == dim)) {
                throw new IllegalArgumentException("inconsistent size " + Shapes.str(target.shape) + " for argument #2 'target'");
            }
        } else {
            nframe = input.shape[0];
            dim = input.shape[1];
            if (!(target.dim() == 2 && target.shape[0] == nframe && target.shape[1] == dim)) {
                throw new IllegalArgumentException("inconsistent size " + Shapes.str(target.shape) + " for argument #2 'target'");
            }
        }
        requireFloating(input, "multilabel_margin_loss_forward_out_frame");
        if (target.dtype != DType.INT64) {
            throw new IllegalArgumentException("expected scalar type Long but found " + Format.scalarType(target.dtype));
        }
        boolean perSample = red == LossOps.NONE && target.dim() > 1;
        Tensor out;
        Tensor isTarget;
        try (GradMode off = Ember.noGrad()) {
            Tensor t = target.reshape(nframe, dim);
            // every entry, also those after the first -1, as PyTorch's target.min() and target.max() checks
            if (t.numel() > 0 && !ReductionOps.allTrueUnlessMeta(t.lt((long) dim).logicalAnd(t.ge(-1L)))) {
                throw new IllegalArgumentException("argument #2 'target' is out of range");
            }
            Tensor[] terms = multilabelTerms(input, t, nframe, dim);
            Tensor zz = terms[0];
            Tensor weightJI = terms[1];
            isTarget = terms[2].reshape(input.shape);
            Tensor per = Tensor.where(weightJI.gt(0.0).logicalAnd(zz.gt(0.0)), zz.mul(weightJI), 0.0)
                    .sum(new int[] {1, 2}, false).div((double) dim);
            if (perSample) {
                out = per;
            } else {
                Tensor s = per.sum();
                out = red == LossOps.MEAN ? s.div((double) nframe) : s;
            }
        }
        int[] inShape = input.shape.clone();
        Tensor isTargetOut = isTarget;
        return ArithmeticOps.record(out, "MultilabelMarginLossBackward0", new Tensor[] {input}, n -> {
            // what PyTorch's node saves (self, target, is_target): the counted pairs, [N, C, C], are rebuilt from them
            // in the backward instead of being kept by the graph
            SavedTensor sx = n.save(input);
            SavedTensor st = n.save(target);
            SavedTensor sIs = n.save(isTargetOut);
            return g -> {
                Tensor x = sx.get();
                Tensor t = st.get();
                sIs.get();
                Tensor gi;
                try (GradMode off = Ember.noGrad()) {
                    // pairs[n, j, i]: count[j] * !isTarget[i] * (1 - x[j] + x[i] > 0), j the target, i the other
                    Tensor[] terms = multilabelTerms(x, t.reshape(nframe, dim), nframe, dim);
                    Tensor pr = Tensor.where(terms[0].gt(0.0), terms[1], 0.0);
                    // multilabel_margin_loss_backward: for each counted pair (j, i) with 1 - x[j] + x[i] > 0, -g at
                    // x[j], +g at x[i]
                    double gs = red == LossOps.MEAN ? 1.0 / ((double) nframe * dim) : 1.0 / dim;
                    gi = pr.sum(new int[] {1}, false).sub(pr.sum(new int[] {2}, false)).mul(gs).to(g.dtype);
                }
                try (GradMode off = Ember.noGrad()) {
                    gi = gi.mul(perSample ? g.reshape(nframe, 1) : g).reshape(inShape);
                }
                // derivatives.yaml has no formula for multilabel_margin_loss_backward (1.13 and 2.x): the gradient's
                // node is NotImplemented, which raises at a double backward with respect to the input or the gradient
                return new Tensor[] {ArithmeticOps.record(gi, "NotImplemented", new Tensor[] {g, x}, node2 -> gg -> {
                    throw new IllegalStateException("derivative for aten::multilabel_margin_loss_backward is not "
                            + "implemented");
                })};
            };
        });
    }

    /**
     * multilabel_margin_loss's terms for the {@code [N, C]} input and target: {@code 1 - x[j] + x[i]} over
     * {@code [N, j, i]}, the weight of each pair (how often j is among the kept targets, those before the first -1,
     * where i is none of them), and is_target (1 where a class is a kept target, in the input's type).
     */
    private static Tensor[] multilabelTerms(Tensor input, Tensor t, int nframe, int dim) {
        Tensor kept = t.lt(0L).to(DType.INT64).cumsum(1).eq(0L);
        Tensor classes = Tensor.arange(dim).to(input.device).reshape(1, 1, dim);
        // count[n, c]: how often class c is among the kept targets
        Tensor count = t.unsqueeze(2).eq(classes).logicalAnd(kept.unsqueeze(2)).to(input.dtype).sum(new int[] {1}, false);
        Tensor other = count.eq(0.0).to(input.dtype);
        Tensor x = input.reshape(nframe, dim);
        Tensor zz = x.unsqueeze(2).rsub(1.0).add(x.unsqueeze(1)); // [N, j, i] = 1 - x[j] + x[i]
        return new Tensor[] {zz, count.unsqueeze(2).mul(other.unsqueeze(1)), other.rsub(1.0)};
    }

    // ------------------------------------------------------------------ compositions

    /**
     * PyTorch's hinge_embedding_loss, its ATen composition: {@code where(target != 1, (margin - x).clamp_min(0), 0) +
     * where(target != -1, x, 0)}, reduced (SubBackward0, ClampMinBackward0, WhereBackward0, AddBackward0, then
     * MeanBackward0 or SumBackward0).
     */
    static Tensor hingeEmbeddingLoss(Tensor input, Tensor target, double margin, String reduction) {
        if (Autocast.on()) return Autocast.apply("hinge_embedding_loss",
                t -> hingeEmbeddingLoss(t[0], t[1], margin, reduction), input, target);
        NNOps.requireTensor(input, "hinge_embedding_loss", "input", 1);
        NNOps.requireTensor(target, "hinge_embedding_loss", "target", 2);
        int red = LossOps.reduction(reduction);
        ArithmeticOps.checkSameDevice(input, target);
        Shapes.broadcast(target.shape, input.shape); // where(target != 1, ...) names the target's size first
        if (input.isComplex()) {
            // PyTorch 2.x's clamp_min of (margin - input) refuses it
            throw new IllegalArgumentException("hinge_embedding_loss: clamp is not supported for complex types");
        }
        Tensor zeros = input.zerosLike();
        // C++'s margin - self: empty_like(self).fill_(margin).sub_(self), SubBackward0
        Tensor marginClamp = input.fullLike(margin).sub(input).clampMin(0L); // clamp_min_(0): an int, no promotion
        Tensor outputMargin = Tensor.where(target.ne(1L), marginClamp, zeros);
        Tensor outputSelf = Tensor.where(target.ne(-1L), input, zeros);
        return reduce(outputMargin.add(outputSelf), red);
    }

    /**
     * PyTorch's triplet_margin_loss, its ATen composition: {@code clamp_min(margin + d(a, p) - d(a, n), 0)} with
     * pairwise distances, the negative distance the smaller of d(a, n) and d(p, n) with swap, reduced.
     */
    static Tensor tripletMarginLoss(Tensor anchor, Tensor positive, Tensor negative, double margin, double p, double eps,
                                    boolean swap, String reduction) {
        if (Autocast.on()) return Autocast.apply("triplet_margin_loss",
                t -> tripletMarginLoss(t[0], t[1], t[2], margin, p, eps, swap, reduction), anchor, positive, negative);
        NNOps.requireTensor(anchor, "triplet_margin_loss", "anchor", 1);
        NNOps.requireTensor(positive, "triplet_margin_loss", "positive", 2);
        NNOps.requireTensor(negative, "triplet_margin_loss", "negative", 3);
        int red = LossOps.reduction(reduction);
        int ad = anchor.dim();
        int pd = positive.dim();
        int nd = negative.dim();
        if (!(ad == pd && pd == nd)) {
            throw new IllegalArgumentException("The anchor, positive, and negative tensors are expected to have the same number "
                    + "of dimensions, but got: anchor " + ad + "D, positive " + pd + "D, and negative " + nd + "D inputs");
        }
        Tensor distPos = DistanceOps.pairwiseDistance(anchor, positive, p, eps, false);
        Tensor distNeg = DistanceOps.pairwiseDistance(anchor, negative, p, eps, false);
        if (swap) {
            Tensor distSwap = DistanceOps.pairwiseDistance(positive, negative, p, eps, false);
            distNeg = distNeg.minimum(distSwap);
        }
        Tensor output = addScalar(distPos, margin).sub(distNeg).clampMin(0.0);
        return reduce(output, red);
    }

    /**
     * PyTorch's poisson_nll_loss, its ATen composition: {@code exp(x) - t x} (log input) or {@code x - t log(x + eps)},
     * plus with {@code full} the Stirling term {@code t log t - t + log(2 pi t) / 2} where {@code t > 1}; reduced.
     */
    static Tensor poissonNllLoss(Tensor input, Tensor target, boolean logInput, boolean full, double eps, String reduction) {
        if (Autocast.on()) return Autocast.apply("poisson_nll_loss",
                t -> poissonNllLoss(t[0], t[1], logInput, full, eps, reduction), input, target);
        NNOps.requireTensor(input, "poisson_nll_loss", "input", 1);
        NNOps.requireTensor(target, "poisson_nll_loss", "target", 2);
        int red = LossOps.reduction(reduction);
        ArithmeticOps.checkSameDevice(input, target);
        Tensor loss;
        if (logInput) {
            loss = input.exp().sub(target.mul(input));
        } else {
            loss = input.sub(target.mul(addScalar(input, eps).log()));
        }
        if (full) {
            Tensor stirling = target.mul(target.log()).sub(target)
                    .add(LossOps2.mulScalar(LossOps2.mulScalar(target, 2 * Math.PI).log(), 0.5));
            loss = loss.add(stirling.maskedFill(target.le(1.0), 0.0));
        }
        return reduce(loss, red);
    }

    /** {@code a * scalar} as ATen's C++ writes it ({@code mul.Scalar}): one node MulBackward1. */
    static Tensor mulScalar(Tensor a, double value) {
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            out = a.mul(value);
        }
        return ArithmeticOps.record(out, "MulBackward1", new Tensor[] {a}, n -> g -> new Tensor[] {g.mul(value)});
    }
}
