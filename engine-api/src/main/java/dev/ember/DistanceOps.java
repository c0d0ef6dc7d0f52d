package dev.ember;

import java.util.Arrays;

/**
 * PyTorch 2.x's distances: {@code pairwise_distance} and {@code cosine_similarity} (ATen compositions, their chains of
 * nodes recorded as PyTorch's) and {@code cdist} ({@code _cdist_forward}, one node CdistBackward0 whose backward is
 * {@code _cdist_backward}'s kernel written in Tensor ops).
 */
final class DistanceOps {
    private DistanceOps() {
    }

    /**
     * PyTorch 2.x's pairwise_distance: {@code at::norm(x1 - x2 + eps, p, innermost_dim, keepdim)} over the last
     * dimension of the broadcast shape: SubBackward0, AddBackward1, NormBackward1.
     */
    static Tensor pairwiseDistance(Tensor x1, Tensor x2, double p, double eps, boolean keepdim) {
        NNOps.requireTensor(x1, "pairwise_distance", "x1", 1);
        NNOps.requireTensor(x2, "pairwise_distance", "x2", 2);
        ArithmeticOps.checkSameDevice(x1, x2);
        Shapes.broadcast(x1.shape, x2.shape);
        int innermost = Math.max(x1.dim(), x2.dim()) - 1;
        Tensor d = LossOps2.addScalar(x1.sub(x2), eps);
        return norm1(d, p, innermost, keepdim);
    }

    /**
     * {@code at::norm(x, p, dim, keepdim)} (norm.ScalarOpt_dim): the values of {@code linalg.vector_norm}, one node
     * NormBackward1 with PyTorch's norm_backward.
     */
    static Tensor norm1(Tensor x, double p, int dim, boolean keepdim) {
        if (!x.dtype.isFloatingPoint() && !x.dtype.isComplex()) {
            throw new IllegalArgumentException("norm(): input dtype should be either floating point or complex. Got "
                    + Format.scalarType(x.dtype) + " instead.");
        }
        int[] dims = {dim};
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            out = ReductionOps.vectorNorm(x, p, dims, keepdim);
        }
        boolean scalar = x.dim() == 0;
        return ArithmeticOps.record(out, "NormBackward1", new Tensor[] {x}, n -> {
            SavedTensor sx = n.save(x);
            SavedTensor so = p == 0 || p == 1 ? null : n.saveOutput(out);
            return g -> {
                Tensor xv = sx.get();
                if (p == 0) {
                    return new Tensor[] {null}; // norm_backward gives no gradient for p 0 (PyTorch's .grad stays None)
                }
                Tensor gk = keepdim || scalar ? g : g.unsqueeze(dim);
                Tensor nk = so == null ? null : keepdim || scalar ? so.get() : so.get().unsqueeze(dim);
                return new Tensor[] {ReductionOps.normBackward(gk, xv, nk, p, dims)};
            };
        });
    }

    private static Tensor zeroWhere(Tensor cond, Tensor g) {
        return Tensor.where(cond, Creation.wrap(0.0), g);
    }

    /**
     * PyTorch 2.x's cosine_similarity: the inputs (integers converted to the common floating type) broadcast
     * ({@code expand_outplace}: ExpandBackward0 on both only when their shapes differ), each divided by its 2-norm over
     * {@code dim} (LinalgVectorNormBackward0, CloneBackward0, then clamped at {@code eps} in place without recording),
     * multiplied and summed over {@code dim}: SumBackward1 over MulBackward0 over DivBackward0.
     */
    static Tensor cosineSimilarity(Tensor x1, Tensor x2, int dim, double eps) {
        if (Autocast.on()) return Autocast.apply("cosine_similarity", t -> cosineSimilarity(t[0], t[1], dim, eps), x1, x2);
        NNOps.requireTensor(x1, "cosine_similarity", "x1", 1);
        NNOps.requireTensor(x2, "cosine_similarity", "x2", 2);
        DType common = ArithmeticOps.resultType(x1, x2);
        if (!common.isFloatingPoint()) {
            throw new IllegalArgumentException("expected common dtype to be floating point, yet common dtype is "
                    + Format.scalarType(common));
        }
        ArithmeticOps.checkSameDevice(x1, x2);
        Tensor a = x1.dtype.isFloatingPoint() ? x1 : x1.to(common);
        Tensor b = x2.dtype.isFloatingPoint() ? x2 : x2.to(common);
        if (!Arrays.equals(a.shape, b.shape)) {
            int[] s = Shapes.broadcast(a.shape, b.shape);
            a = a.expand(s);
            b = b.expand(s);
        }
        int rank = a.dim();
        Shapes.wrapDim(dim, rank);
        Tensor n1 = a.vectorNorm(2, new int[] {dim}, true).clone();
        Tensor n2 = b.vectorNorm(2, new int[] {dim}, true).clone();
        try (GradMode off = Ember.noGrad()) {
            InplaceOps.inplace(n1, java.util.List.of(), t -> t.clampMin(eps), true);
            InplaceOps.inplace(n2, java.util.List.of(), t -> t.clampMin(eps), true);
        }
        return a.div(n1).mul(b.div(n2)).sum(new int[] {dim}, false);
    }

    /**
     * PyTorch's {@code cdist} in its default compute mode: {@code [*, r1, r2]} distances between the rows of
     * {@code x1 [*, r1, c]} and {@code x2 [*, r2, c]} (batch dimensions broadcast), {@code (sum |x1_i - x2_j|^p)^(1/p)};
     * p 0 counts the unequal entries, inf takes the largest (passing over a NaN difference, as its kernel's std::max from 0
     * does). Up to 25 rows on each side, any p other than 2, or an empty
     * input: {@code _cdist_forward}, one node CdistBackward0 with {@code _cdist_backward}'s formula for each input. For p 2
     * with more rows: PyTorch's matrix-product path, {@code _euclidean_dist} (EuclideanDistBackward0) viewed as the
     * output (ViewBackward0), over expanded contiguous {@code [B, r, c]} views of the inputs for a batch of more than one.
     */
    static Tensor cdist(Tensor x1, Tensor x2, double p) {
        if (Autocast.on()) return Autocast.apply("cdist", t -> cdist(t[0], t[1], p), x1, x2);
        NNOps.requireTensor(x1, "cdist", "x1", 1);
        NNOps.requireTensor(x2, "cdist", "x2", 2);
        if (x1.dim() < 2) {
            throw new IllegalArgumentException("cdist only supports at least 2D tensors, X1 got: " + x1.dim() + "D");
        }
        if (x2.dim() < 2) {
            throw new IllegalArgumentException("cdist only supports at least 2D tensors, X2 got: " + x2.dim() + "D");
        }
        int c1 = x1.shape[x1.dim() - 1];
        int c2 = x2.shape[x2.dim() - 1];
        if (c1 != c2) {
            throw new IllegalArgumentException("X1 and X2 must have the same number of columns. X1: " + c1 + " X2: " + c2);
        }
        if (!x1.dtype.isFloatingPoint()) {
            throw new IllegalArgumentException("cdist only supports floating-point dtypes, X1 got: " + Format.scalarType(x1.dtype));
        }
        if (!x2.dtype.isFloatingPoint()) {
            throw new IllegalArgumentException("cdist only supports floating-point dtypes, X2 got: " + Format.scalarType(x2.dtype));
        }
        if (!(p >= 0)) {
            throw new IllegalArgumentException("cdist only supports non-negative p values");
        }
        ArithmeticOps.checkSameDevice(x1, x2);
        int r1 = x1.shape[x1.dim() - 2];
        int r2 = x2.shape[x2.dim() - 2];
        int[] batch = Shapes.broadcast(Arrays.copyOf(x1.shape, x1.dim() - 2), Arrays.copyOf(x2.shape, x2.dim() - 2));
        LossOps2.requireFloating(x1, "cdist");
        long outputs = (long) r1 * r2;
        for (int s : batch) {
            outputs *= s;
        }
        // an empty output (or no columns) is made without the kernel, so without its one-type check
        if (x1.dtype != x2.dtype && outputs > 0 && c1 > 0) {
            throw new IllegalArgumentException("expected scalar type " + Format.scalarType(x1.dtype) + " but found "
                    + Format.scalarType(x2.dtype));
        }
        int[] outShape = Arrays.copyOf(batch, batch.length + 2);
        outShape[batch.length] = r1;
        outShape[batch.length + 1] = r2;
        if (p == 2 && (r1 > 25 || r2 > 25) && x1.numel() > 0 && x2.numel() > 0) {
            // PyTorch's cdist_impl for compute mode 0: _euclidean_dist (a matrix product) of the inputs, or of their
            // expanded, contiguous [B, r, c] views when the batch has more than one element; then viewed as the output
            long b = 1;
            for (int s : batch) {
                b *= s;
            }
            Tensor dist;
            if (b == 1) {
                dist = euclideanDist(x1, x2);
            } else {
                int[] e1 = Arrays.copyOf(batch, batch.length + 2);
                e1[batch.length] = r1;
                e1[batch.length + 1] = c1;
                int[] e2 = e1.clone();
                e2[batch.length] = r2;
                dist = euclideanDist(x1.expand(e1).contiguous().view((int) b, r1, c1),
                        x2.expand(e2).contiguous().view((int) b, r2, c1));
            }
            return dist.view(outShape);
        }
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            Tensor diff = x1.unsqueeze(-2).sub(x2.unsqueeze(-3)); // [*, r1, r2, c]
            if (c1 == 0 || diff.numel() == 0) {
                out = Tensor.zeros(x1.dtype, outShape).to(x1.device);
            } else {
                out = distances(diff, p).contiguous();
            }
        }
        int[] s1 = x1.shape.clone();
        int[] s2 = x2.shape.clone();
        return ArithmeticOps.record(out, "CdistBackward0", new Tensor[] {x1, x2}, n -> {
            SavedTensor sa = n.save(x1);
            SavedTensor sb = n.save(x2);
            SavedTensor so = n.saveOutput(out);
            return g -> {
                Tensor a = sa.get();
                Tensor b = sb.get();
                Tensor dist = so.get();
                Tensor ga = null;
                Tensor gb = null;
                try (GradMode off = Ember.noGrad()) {
                    if (n.needsInputGrad(0)) {
                        Tensor d = a.unsqueeze(-2).sub(b.unsqueeze(-3)); // [*, r1, r2, c]
                        ga = ReductionOps.sumTo(cdistBackward(g, d, dist, p).sum(new int[] {-2}, false), s1);
                    }
                    if (n.needsInputGrad(1)) {
                        // x2's: _cdist_backward(grad^T, x2, x1, p, dist^T)
                        Tensor d = b.unsqueeze(-2).sub(a.unsqueeze(-3)); // [*, r2, r1, c]
                        gb = ReductionOps.sumTo(cdistBackward(g.mT(), d, dist.mT(), p).sum(new int[] {-2}, false), s2);
                    }
                }
                // derivatives.yaml (1.13 and 2.x): every input of _cdist_backward is not_implemented, so each gradient's
                // node raises at a double backward
                Tensor[] inputs = {g, a, b, dist};
                return new Tensor[] {ga == null ? null : notImplementedCdistBackward(ga, inputs),
                    gb == null ? null : notImplementedCdistBackward(gb, inputs)};
            };
        });
    }

    /** {@code _cdist_backward}'s result under its node CdistBackwardBackward0, which PyTorch cannot differentiate. */
    private static Tensor notImplementedCdistBackward(Tensor grad, Tensor[] inputs) {
        return ArithmeticOps.record(grad, "CdistBackwardBackward0", inputs, nd -> gg -> {
            throw new IllegalStateException("the derivative for '_cdist_backward' is not implemented.");
        });
    }

    /**
     * PyTorch's {@code _euclidean_dist}: {@code sqrt(max(0, [-2 x1, |x1|^2, 1] @ [x2, 1, |x2|^2]^T))}, one node
     * EuclideanDistBackward0 with {@code _euclidean_dist_backward}: {@code r = grad / dist} (0 where the distance is 0),
     * {@code x1 * sum(r, -1) - r @ x2} and {@code x2 * sum(r, -2) - r^T @ x1}.
     */
    private static Tensor euclideanDist(Tensor x1, Tensor x2) {
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            Tensor n1 = x1.pow(2L).sum(new int[] {-1}, true);
            Tensor n2 = x2.pow(2L).sum(new int[] {-1}, true);
            Tensor a = Tensor.cat(java.util.List.of(x1.mul(-2.0), n1, n1.onesLike()), -1);
            Tensor b = Tensor.cat(java.util.List.of(x2, n2.onesLike(), n2), -1);
            out = a.matmul(b.mT()).clampMin(0.0).sqrt();
        }
        return ArithmeticOps.record(out, "EuclideanDistBackward0", new Tensor[] {x1, x2}, n -> {
            SavedTensor sa = n.save(x1);
            SavedTensor sb = n.save(x2);
            SavedTensor so = n.saveOutput(out);
            return g -> {
                Tensor a = sa.get();
                Tensor b = sb.get();
                Tensor res = so.get();
                Tensor ratio = zeroWhere(res.eq(0.0), g.div(res));
                return new Tensor[] {
                    n.needsInputGrad(0) ? a.mul(ratio.sum(new int[] {-1}, true)).sub(ratio.matmul(b)) : null,
                    n.needsInputGrad(1) ? b.mul(ratio.sum(new int[] {-2}, false).unsqueeze(-1)).sub(ratio.mT().matmul(a))
                        : null};
            };
        });
    }

    /** The p-distances over the last dimension of the pairwise differences. */
    private static Tensor distances(Tensor diff, double p) {
        int[] last = {-1};
        if (p == 0) {
            return zeroNormTerms(diff).sum(last, false);
        }
        if (p == 1) {
            return diff.abs().sum(last, false);
        }
        if (p == 2) {
            return diff.mul(diff).sum(last, false).sqrt();
        }
        if (Double.isInfinite(p)) {
            // _cdist_forward's scalar loop (idist_calc): agg = std::max(agg, |a - b|) from 0, which keeps agg where
            // |a - b| is NaN: a NaN difference is passed over, not propagated (pdist's vectorized maximum propagates)
            Tensor a = diff.abs();
            return a.maskedFill(a.isnan(), 0.0).amax(last, false);
        }
        return diff.abs().pow(p).sum(last, false).pow(1 / p);
    }

    /**
     * The sign PyTorch's cdist and pdist backward kernels compute ({@code min(max(0, ceil(x)), 1) + min(max(-1,
     * floor(x)), 0)} with NaN-propagating min and max): torch.sign's values, but NaN for NaN (torch.sign gives 0).
     */
    static Tensor kernelSign(Tensor diff) {
        return Tensor.where(diff.isnan(), diff, diff.sign());
    }

    /**
     * The p = 0 terms of PyTorch's cdist and pdist kernels ({@code zdist_calc}): {@code min(ceil(|diff|), 1)}, 1 for a
     * non-zero difference and NaN for a NaN one (which a count of non-zero elements would take as 1).
     */
    static Tensor zeroNormTerms(Tensor diff) {
        return diff.abs().ceil().clampMax(1.0);
    }

    /** {@code _cdist_backward}'s per-pair gradient (before the sum over the other rows), as PyTorch's CPU kernel. */
    private static Tensor cdistBackward(Tensor g, Tensor diff, Tensor dist, double p) {
        Tensor gk = g.unsqueeze(-1);
        Tensor dk = dist.unsqueeze(-1);
        if (p == 0) {
            return diff.zerosLike();
        }
        if (p == 1) {
            return gk.mul(kernelSign(diff));
        }
        if (p == 2) {
            return zeroWhere(dk.eq(0.0), gk.mul(diff).div(dk));
        }
        if (Double.isInfinite(p)) {
            // PyTorch's idist_calc::backward: sign(diff) * (1 - min(1, ceil(| |diff| - dist |))), which is NaN where an
            // infinite difference is the (infinite) distance
            Tensor hit = diff.abs().sub(dk).abs().ceil().clampMax(1.0).rsub(1.0);
            return gk.mul(kernelSign(diff)).mul(hit);
        }
        if (p < 2) {
            Tensor v = kernelSign(diff).mul(diff.abs().pow(p - 1)).mul(gk).div(dk.pow(p - 1));
            Tensor zero = p < 1 ? dk.eq(0.0).logicalOr(diff.eq(0.0)) : dk.eq(0.0);
            return zeroWhere(zero, v);
        }
        return zeroWhere(dk.eq(0.0), diff.mul(diff.abs().pow(p - 2)).mul(gk).div(dk.pow(p - 1)));
    }
}
