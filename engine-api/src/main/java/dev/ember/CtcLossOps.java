package dev.ember;

import java.util.ArrayList;
import java.util.List;

/**
 * PyTorch 2.x's connectionist temporal classification loss ({@code aten/src/ATen/native/LossCTC.cpp}): {@code _ctc_loss},
 * one node CtcLossBackward0 whose backward is {@code ctc_loss_backward} (the alpha-beta recursion in log space), and
 * {@code ctc_loss}'s composition around it (unsqueeze of an unbatched input, {@code where} for {@code zero_infinity},
 * the division by the clamped target lengths and the mean, the sum, or the squeeze of an unbatched "none").
 *
 * <p>The forward and the backward are computed with Tensor ops on the input's device: a loop over the time steps of
 * logsumexp updates on {@code [N, 2S+1]} tensors (S the longest target), every batch entry at once. Only the lengths
 * and the targets are read on the host (as PyTorch reads them) to build the extended label sequences and their masks.
 * The backward's per-class collection sums {@code exp(alpha + beta - max)} with a scatter-add instead of ATen's
 * pairwise log-add, so results agree with PyTorch's up to rounding. The gradient is not differentiable again, as
 * PyTorch's (its node is NotImplemented: "derivative for aten::_ctc_loss_backward is not implemented"). Under CPU
 * autocast the op runs in float32 (PyTorch's CPU fp32 list names ctc_loss; its CUDA lists do not).
 */
final class CtcLossOps {
    private CtcLossOps() {
    }

    private static final String CHECKED = " (while checking arguments for ctc_loss_allocate_outputs)";

    /** {@code torch.ctc_loss} with lengths as tensors: PyTorch's "... must be integral" checks, then the lengths read. */
    static Tensor ctcLoss(Tensor logProbs, Tensor targets, Tensor inputLengths, Tensor targetLengths, int blank,
                          String reduction, boolean zeroInfinity) {
        NNOps.requireTensor(logProbs, "ctc_loss", "log_probs", 1);
        NNOps.requireTensor(targets, "ctc_loss", "targets", 2);
        NNOps.requireTensor(inputLengths, "ctc_loss", "input_lengths", 3);
        NNOps.requireTensor(targetLengths, "ctc_loss", "target_lengths", 4);
        int red = LossOps.reduction(reduction);
        if (Autocast.on()) return Autocast.apply("ctc_loss", t -> ctcLoss(t[0], t[1], t[2], t[3], blank, reduction, zeroInfinity),
                logProbs, targets, inputLengths, targetLengths);
        if (!inputLengths.dtype.isIntegral()) {
            throw new IllegalArgumentException("input_lengths must be integral");
        }
        if (!targetLengths.dtype.isIntegral()) {
            throw new IllegalArgumentException("target_lengths must be integral");
        }
        // the second output's shape depends on the lengths: PyTorch 2.x registers no meta _ctc_loss
        MetaOps.refuseDataDependent("aten::_ctc_loss.Tensor", logProbs, targets, inputLengths, targetLengths);
        return impl(logProbs, targets, inputLengths.toLongArray(), targetLengths.toLongArray(), blank, red, zeroInfinity);
    }

    /** {@code torch.ctc_loss} with lengths as int lists. */
    static Tensor ctcLoss(Tensor logProbs, Tensor targets, long[] inputLengths, long[] targetLengths, int blank,
                          String reduction, boolean zeroInfinity) {
        NNOps.requireTensor(logProbs, "ctc_loss", "log_probs", 1);
        NNOps.requireTensor(targets, "ctc_loss", "targets", 2);
        if (inputLengths == null || targetLengths == null) {
            String name = inputLengths == null ? "input_lengths" : "target_lengths";
            throw new IllegalArgumentException("ctc_loss(): argument '" + name + "' (position " + (inputLengths == null ? 3 : 4)
                    + ") must be tuple of ints, not null");
        }
        int red = LossOps.reduction(reduction);
        if (Autocast.on()) return Autocast.apply("ctc_loss", t -> ctcLoss(t[0], t[1], inputLengths, targetLengths, blank,
                reduction, zeroInfinity), logProbs, targets);
        MetaOps.refuseDataDependent("aten::_ctc_loss", logProbs, targets); // no meta _ctc_loss in PyTorch 2.x
        return impl(logProbs, targets, inputLengths.clone(), targetLengths.clone(), blank, red, zeroInfinity);
    }

    /** ATen's ctc_loss_impl. */
    private static Tensor impl(Tensor logProbs, Tensor targets, long[] il, long[] tl, int blank, int red, boolean zeroInfinity) {
        boolean batched = logProbs.dim() == 3;
        if (!batched && logProbs.dim() == 0) {
            throw new IllegalArgumentException("Dimension out of range (expected to be in range of [-1, 0], but got 1)");
        }
        DType dt = logProbs.dtype;
        if (dt != DType.FLOAT32 && dt != DType.FLOAT64) {
            throw Refusals.notImplemented(logProbs.device.isCpu() ? "ctc_loss_cpu" : "ctc_loss_cuda", dt);
        }
        int lpDim = batched ? 3 : logProbs.dim() + 1;
        if (lpDim != 3) {
            throw new IllegalArgumentException("Expected 3-dimensional tensor, but got " + lpDim
                    + "-dimensional tensor for argument #1 'log_probs'" + CHECKED);
        }
        if (targets.dim() < 1 || targets.dim() > 2) {
            throw new IllegalArgumentException("Expected 1 to 2 dimensions, but got " + targets.dim()
                    + "-dimensional tensor for argument #2 'targets'" + CHECKED);
        }
        int bigT = logProbs.shape[0];
        int n = batched ? logProbs.shape[1] : 1;
        int c = batched ? logProbs.shape[2] : logProbs.shape[1];
        if (blank < 0 || blank >= c) {
            throw new IllegalArgumentException("blank must be in label range");
        }
        if (il.length != n) {
            throw new IllegalArgumentException("input_lengths must be of size batch_size");
        }
        if (tl.length != n) {
            throw new IllegalArgumentException("target_lengths must be of size batch_size");
        }
        long maxTarget = 0;
        long pos = 0;
        for (int i = 0; i < n; i++) {
            if (tl[i] < 0) {
                throw new IllegalArgumentException("Expected target_lengths to have value at least 0, but got value " + tl[i]
                        + CHECKED);
            }
            pos += tl[i];
            maxTarget = Math.max(maxTarget, tl[i]);
        }
        boolean concatenated = targets.dim() == 1;
        if (concatenated) {
            if (targets.shape[0] != pos) {
                throw new IllegalArgumentException("Expected tensor to have size " + pos + " at dimension 0, but got size "
                        + targets.shape[0] + " for argument #2 'targets'" + CHECKED);
            }
        } else {
            if (targets.shape[0] != n) {
                throw new IllegalArgumentException("Expected tensor to have size " + n + " at dimension 0, but got size "
                        + targets.shape[0] + " for argument #2 'targets'" + CHECKED);
            }
            if (targets.shape[1] < maxTarget) {
                throw new IllegalArgumentException("Expected tensor to have size at least " + maxTarget
                        + " at dimension 1, but got size " + targets.shape[1] + " for argument #2 'targets'" + CHECKED);
            }
        }
        for (int i = 0; i < n; i++) {
            if (il[i] < 0) {
                throw new IllegalArgumentException("Expected input_lengths to have value at least 0, but got value " + il[i]
                        + CHECKED);
            }
            if (il[i] > bigT) {
                throw new IllegalArgumentException("Expected input_lengths to have value at most " + bigT + ", but got value "
                        + il[i] + CHECKED);
            }
        }
        if (bigT == 0) {
            // ATen's CPU kernel fills log_alpha.narrow(1, 0, 1) before anything else
            throw new IllegalArgumentException("start (0) + length (1) exceeds dimension size (0).");
        }
        long[] tg = targets.toLongArray(); // as ATen's targets.to(kLong); a float target is truncated
        int width = concatenated ? 0 : targets.shape[1];
        int[] offsets = new int[n];
        for (int i = 0, p = 0; i < n; i++) {
            offsets[i] = concatenated ? p : i * width;
            p += (int) tl[i];
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < tl[i]; j++) {
                long v = tg[offsets[i] + j];
                if (v < 0 || v >= c) {
                    // ATen's CPU kernel does no bound checking (undefined behaviour); refused here
                    throw new IllegalArgumentException("index " + v + " is out of bounds for dimension 2 with size " + c);
                }
            }
        }
        Tensor lp = batched ? logProbs : logProbs.unsqueeze(1);
        Tensor res = ctcCore(lp, targets, tg, offsets, il, tl, (int) maxTarget, blank, zeroInfinity);
        if (zeroInfinity) {
            res = Tensor.where(res.eq(Double.POSITIVE_INFINITY), Tensor.zeros(res.dtype).to(res.device), res);
        }
        if (red == LossOps.MEAN) {
            double[] clamped = new double[n];
            for (int i = 0; i < n; i++) {
                clamped[i] = Math.max(tl[i], 1);
            }
            return res.div(Tensor.tensor(clamped, res.dtype, res.device)).mean();
        }
        if (red == LossOps.SUM) {
            return res.sum();
        }
        return batched ? res : res.squeeze(0);
    }

    /**
     * The extended label sequences of the batch ({@code l'}: blanks around each target) and the masks of the alpha and
     * beta recursions, built on the host from the targets and lengths (as ATen reads them), on {@code dev}.
     */
    private record Extended(Tensor extIdx, Tensor validM, Tensor skipM, Tensor skipBackM, Tensor startM, Tensor endM,
                            long[] last, long[] second, long[] rowIndex) {
    }

    private static Extended extended(long[] tg, int[] offsets, long[] il, long[] tl, int n, int maxTarget, int blank,
                                     Device dev) {
        int len = 2 * maxTarget + 1;
        long[] ext = new long[n * len];
        boolean[] valid = new boolean[n * len];
        boolean[] skip = new boolean[n * len];     // alpha's third term: s > 1 and l'[s-2] != l'[s]
        boolean[] skipBack = new boolean[n * len]; // beta's: s < 2 tl - 1 and l'[s+2] != l'[s]
        boolean[] start = new boolean[n * len];    // alpha's first row: s == 0, or s == 1 with a target
        boolean[] end = new boolean[n * len];      // beta's last row: s == 2 tl, or s == 2 tl - 1 with a target
        long[] last = new long[n];                 // the final states read for the likelihood
        long[] second = new long[n];
        long[] rowIndex = new long[n];
        for (int b = 0; b < n; b++) {
            int tlb = (int) tl[b];
            for (int s = 0; s < len; s++) {
                int k = b * len + s;
                ext[k] = s % 2 == 0 || s > 2 * tlb ? blank : tg[offsets[b] + s / 2];
                valid[k] = s <= 2 * tlb;
            }
            for (int s = 0; s <= 2 * tlb; s++) {
                int k = b * len + s;
                skip[k] = s > 1 && ext[k - 2] != ext[k];
                skipBack[k] = s < 2 * tlb - 1 && ext[k + 2] != ext[k];
                start[k] = s == 0 || s == 1 && tlb > 0;
                end[k] = s == 2 * tlb || s == 2 * tlb - 1 && tlb > 0;
            }
            last[b] = 2L * tlb;
            second[b] = Math.max(2L * tlb - 1, 0);
            rowIndex[b] = Math.max(il[b] - 1, 0);
        }
        return new Extended(Tensor.tensor(ext, DType.INT64, dev).reshape(n, len),
                Tensor.tensor(valid, DType.BOOL, dev).reshape(n, len), Tensor.tensor(skip, DType.BOOL, dev).reshape(n, len),
                Tensor.tensor(skipBack, DType.BOOL, dev).reshape(n, len), Tensor.tensor(start, DType.BOOL, dev).reshape(n, len),
                Tensor.tensor(end, DType.BOOL, dev).reshape(n, len), last, second, rowIndex);
    }

    /**
     * {@code _ctc_loss}: the negative log likelihood per batch entry, one node CtcLossBackward0. {@code lp} is
     * {@code [T, N, C]}; the targets of entry {@code b} are {@code tg[offsets[b] ..]} ({@code targets}' values). The node
     * saves what PyTorch's saves, through the saved-tensor hooks: log_probs, targets, the likelihood and log_alpha
     * ({@code [N, T, 2S+1]}); its backward rebuilds the extended labels from the unpacked targets and reads the rest
     * from the unpacked tensors.
     */
    private static Tensor ctcCore(Tensor lp, Tensor targets, long[] tg, int[] offsets, long[] il, long[] tl, int maxTarget,
                                  int blank, boolean zeroInfinity) {
        int bigT = lp.shape[0];
        int n = lp.shape[1];
        int len = 2 * maxTarget + 1;
        Device dev = lp.device;
        DType dt = lp.dtype;
        Extended e = extended(tg, offsets, il, tl, n, maxTarget, blank, dev);
        Tensor extIdx = e.extIdx();
        Tensor validM = e.validM();
        Tensor skipM = e.skipM();
        Tensor startM = e.startM();
        long[] last = e.last();
        long[] second = e.second();
        long[] rowIndex = e.rowIndex();
        double[] ilD = new double[n];
        double[] tlD = new double[n];
        for (int b = 0; b < n; b++) {
            ilD[b] = il[b];
            tlD[b] = tl[b];
        }
        Tensor ilT = Tensor.tensor(ilD, DType.FLOAT64, dev);
        Tensor noTarget = Tensor.tensor(tlD, DType.FLOAT64, dev).eq(0.0);
        Tensor noInput = ilT.eq(0.0);

        Tensor nll;
        Tensor alpha; // [T, N, L]
        Tensor lpe;   // [T, N, L]: the log probability of each extended label
        try (GradMode off = Ember.noGrad()) {
            Tensor negInf = Tensor.full(dt, Double.NEGATIVE_INFINITY).to(dev);
            Tensor zero = Tensor.zeros(dt).to(dev);
            lpe = lp.detach().gather(2, extIdx.unsqueeze(0).expand(bigT, n, len).contiguous());
            List<Tensor> rows = new ArrayList<>(bigT);
            Tensor prev = Tensor.where(startM, lpe.select(0, 0), negInf);
            rows.add(prev);
            for (int t = 1; t < bigT; t++) {
                Tensor a2 = shift(prev, 1, negInf);
                Tensor a3 = Tensor.where(skipM, shift(prev, 2, negInf), negInf);
                Tensor next = logSumExp3(prev, a2, a3, zero).add(lpe.select(0, t));
                prev = Tensor.where(validM, next, negInf);
                rows.add(prev);
            }
            alpha = Tensor.stack(rows, 0);
            Tensor idx = Tensor.tensor(rowIndex, DType.INT64, dev).reshape(1, n, 1).expand(1, n, len).contiguous();
            Tensor row = alpha.gather(0, idx).reshape(n, len);
            Tensor l1 = row.gather(1, Tensor.tensor(last, DType.INT64, dev).reshape(n, 1)).reshape(n);
            Tensor l2 = row.gather(1, Tensor.tensor(second, DType.INT64, dev).reshape(n, 1)).reshape(n);
            l2 = Tensor.where(noTarget, negInf, l2);
            Tensor ll = logSumExp2(l1, l2, zero);
            Tensor inf = Tensor.where(noTarget, zero, Double.POSITIVE_INFINITY);
            nll = Tensor.where(noInput, inf, ll.neg());
        }
        Tensor logAlpha = alpha.transpose(0, 1); // PyTorch's log_alpha layout, [N, T, 2S+1]
        Tensor nllOut = nll;
        return ArithmeticOps.record(nll, "CtcLossBackward0", new Tensor[] {lp}, node -> {
            SavedTensor saved = node.save(lp);
            SavedTensor savedTargets = node.save(targets);
            SavedTensor savedNll = node.save(nllOut);
            SavedTensor savedAlpha = node.save(logAlpha);
            return g -> {
                Tensor grad;
                Tensor x = saved.get();
                Extended ex = extended(savedTargets.get().toLongArray(), offsets, il, tl, n, maxTarget, blank, x.device);
                try (GradMode off = Ember.noGrad()) {
                    Tensor xd = x.detach();
                    Tensor lpe2 = xd.gather(2, ex.extIdx().unsqueeze(0).expand(bigT, n, len).contiguous());
                    grad = backward(g, xd, lpe2, savedAlpha.get().transpose(0, 1), savedNll.get(), ex.extIdx(), ex.validM(),
                            ex.skipBackM(), ex.endM(), ilT, zeroInfinity);
                }
                Tensor gOut = g;
                return new Tensor[] {ArithmeticOps.record(grad, "NotImplemented", new Tensor[] {gOut, x}, nd -> gg -> {
                    throw new IllegalStateException("derivative for aten::_ctc_loss_backward is not implemented");
                })};
            };
        });
    }

    /**
     * {@code ctc_loss_backward}: beta by the recursion of Graves' eq (10)/(11) from each entry's last input step, the
     * per-class log-sums of {@code alpha + beta}, and {@code (exp(lp) - exp(collected + nll - lp)) * grad}; zero at
     * the steps past an entry's input length, and for an infinite loss with {@code zero_infinity}.
     */
    private static Tensor backward(Tensor g, Tensor lp, Tensor lpe, Tensor alpha, Tensor nll, Tensor extIdx, Tensor validM,
                                   Tensor skipBackM, Tensor endM, Tensor ilT, boolean zeroInfinity) {
        int bigT = lp.shape[0];
        int n = lp.shape[1];
        int c = lp.shape[2];
        int len = extIdx.shape[1];
        DType dt = lp.dtype;
        Tensor zero = Tensor.zeros(dt).to(lp.device);
        Tensor negInf = Tensor.full(dt, Double.NEGATIVE_INFINITY).to(lp.device);
        Tensor[] betas = new Tensor[bigT];
        Tensor next = Tensor.full(dt, Double.NEGATIVE_INFINITY, n, len).to(lp.device);
        Tensor ilCol = ilT.reshape(n, 1);
        for (int t = bigT - 1; t >= 0; t--) {
            Tensor lpt = lpe.select(0, t);
            Tensor b2 = shift(next, -1, negInf);
            Tensor b3 = Tensor.where(skipBackM, shift(next, -2, negInf), negInf);
            Tensor rec = Tensor.where(validM, logSumExp3(next, b2, b3, zero).add(lpt), negInf);
            Tensor init = Tensor.where(endM, lpt, negInf);
            Tensor cur = Tensor.where(ilCol.eq((double) t + 1), init, Tensor.where(ilCol.gt((double) t), rec, negInf));
            betas[t] = cur;
            next = cur;
        }
        Tensor beta = Tensor.stack(List.of(betas), 0);
        Tensor ab = alpha.add(beta); // -inf where beta is (past the input length, past 2 tl)
        Tensor m = ab.amax(new int[] {2}, true);
        m = Tensor.where(m.eq(Double.NEGATIVE_INFINITY), zero, m);
        Tensor idx = extIdx.unsqueeze(0).expand(bigT, n, len).contiguous();
        Tensor collected = Tensor.zeros(dt, bigT, n, c).to(lp.device).scatterAdd(2, idx, ab.sub(m).exp()).log().add(m);
        Tensor nll3 = nll.reshape(1, n, 1);
        Tensor grad = lp.exp().sub(collected.add(nll3).sub(lp).exp()).mul(g.reshape(1, n, 1));
        Tensor steps = Tensor.arange(bigT).to(lp.device).to(DType.FLOAT64).reshape(bigT, 1, 1);
        Tensor keep = steps.lt(ilT.reshape(1, n, 1));
        if (zeroInfinity) {
            keep = keep.logicalAnd(nll3.ne(Double.POSITIVE_INFINITY));
        }
        return Tensor.where(keep, grad, zero);
    }

    /** {@code x} shifted along its last dimension by {@code k} (right for positive), filled with {@code fill}. */
    private static Tensor shift(Tensor x, int k, Tensor fill) {
        int len = x.shape[1];
        int n = x.shape[0];
        int a = Math.abs(k);
        if (a >= len) {
            return fill.expand(n, len).contiguous();
        }
        Tensor pad = fill.expand(n, a);
        return k > 0 ? Tensor.cat(List.of(pad, x.narrow(1, 0, len - a)), 1)
                : Tensor.cat(List.of(x.narrow(1, a, len - a), pad), 1);
    }

    /** ATen's {@code log(exp(a-m) + exp(b-m) + exp(c-m)) + m}, {@code m} their maximum (0 when all are -inf). */
    private static Tensor logSumExp3(Tensor a, Tensor b, Tensor c, Tensor zero) {
        Tensor m = a.maximum(b).maximum(c);
        m = Tensor.where(m.eq(Double.NEGATIVE_INFINITY), zero, m);
        return a.sub(m).exp().add(b.sub(m).exp()).add(c.sub(m).exp()).log().add(m);
    }

    /** The same for two. */
    private static Tensor logSumExp2(Tensor a, Tensor b, Tensor zero) {
        Tensor m = a.maximum(b);
        m = Tensor.where(m.eq(Double.NEGATIVE_INFINITY), zero, m);
        return a.sub(m).exp().add(b.sub(m).exp()).log().add(m);
    }
}
