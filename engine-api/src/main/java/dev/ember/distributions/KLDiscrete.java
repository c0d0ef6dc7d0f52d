package dev.ember.distributions;

import dev.ember.Tensor;

import java.util.Arrays;

/**
 * KL formulas PyTorch registers for Binomial pairs and the low-rank multivariate normal (with itself and with
 * {@link MultivariateNormal} either way), registered in {@link KL}.
 */
final class KLDiscrete {
    private KLDiscrete() {
    }

    static Tensor binomialBinomial(Binomial p, Binomial q) {
        if (p.totalCount().lt(q.totalCount()).any()) {
            throw new UnsupportedOperationException(
                    "KL between Binomials where q.total_count > p.total_count is not implemented");
        }
        Tensor kl = p.totalCount().mul(p.probs().mul(p.logits().sub(q.logits())).add(p.probs().neg().log1p())
                .sub(q.probs().neg().log1p()));
        Tensor infIdxs = p.totalCount().gt(q.totalCount());
        // kl[inf_idxs] = _infinite_like(kl[inf_idxs])
        return KL.put(kl, infIdxs, Double.POSITIVE_INFINITY);
    }

    private static void sameEvent(Distribution p, Distribution q, String what) {
        if (!Arrays.equals(p.eventShape(), q.eventShape())) {
            // PyTorch's string carries the indentation of its source's line continuation
            throw new IllegalArgumentException("KL-divergence between two " + what + " with" + " ".repeat(26)
                    + "different event shapes cannot be computed");
        }
    }

    /** {@code _batch_trace_XXT}: the trace of {@code X X^T}, the sum of squares over the last two dims. */
    private static Tensor traceXXT(Tensor x) {
        return x.pow(2L).sum(new int[] {-2, -1}, false);
    }

    static Tensor lowrankLowrank(LowRankMultivariateNormal p, LowRankMultivariateNormal q) {
        sameEvent(p, q, "Low Rank Multivariate Normals");
        Tensor qW = q.unbroadcastedCovFactor();
        Tensor qD = q.unbroadcastedCovDiag();
        Tensor pW = p.unbroadcastedCovFactor();
        Tensor pD = p.unbroadcastedCovDiag();
        Tensor term1 = LowRankMultivariateNormal.lowrankLogdet(qD, q.capacitanceTril())
                .sub(LowRankMultivariateNormal.lowrankLogdet(pD, p.capacitanceTril()));
        Tensor term3 = LowRankMultivariateNormal.lowrankMahalanobis(qW, qD, q.loc().sub(p.loc()), q.capacitanceTril());
        Tensor qWtqDinv = qW.mT().div(qD.unsqueeze(-2));
        Tensor a = q.capacitanceTril().linalgSolveTriangular(qWtqDinv, false);
        Tensor term21 = pD.div(qD).sum(-1);
        Tensor term22 = traceXXT(pW.mul(qD.rsqrt().unsqueeze(-1)));
        Tensor term23 = traceXXT(a.mul(pD.sqrt().unsqueeze(-2)));
        Tensor term24 = traceXXT(a.matmul(pW));
        Tensor term2 = term21.add(term22).sub(term23).sub(term24);
        return term1.add(term2).add(term3).sub((double) p.eventShape()[0]).mul(0.5);
    }

    static Tensor mvnLowrank(MultivariateNormal p, LowRankMultivariateNormal q) {
        sameEvent(p, q, "(Low Rank) Multivariate Normals");
        Tensor qW = q.unbroadcastedCovFactor();
        Tensor qD = q.unbroadcastedCovDiag();
        Tensor pL = p.unbroadcastedScaleTril();
        Tensor term1 = LowRankMultivariateNormal.lowrankLogdet(qD, q.capacitanceTril())
                .sub(pL.diagonal(0, -2, -1).log().sum(-1).mul(2L));
        Tensor term3 = LowRankMultivariateNormal.lowrankMahalanobis(qW, qD, q.loc().sub(p.loc()), q.capacitanceTril());
        Tensor qWtqDinv = qW.mT().div(qD.unsqueeze(-2));
        Tensor a = q.capacitanceTril().linalgSolveTriangular(qWtqDinv, false);
        Tensor term21 = traceXXT(pL.mul(qD.rsqrt().unsqueeze(-1)));
        Tensor term22 = traceXXT(a.matmul(pL));
        Tensor term2 = term21.sub(term22);
        return term1.add(term2).add(term3).sub((double) p.eventShape()[0]).mul(0.5);
    }

    static Tensor lowrankMvn(LowRankMultivariateNormal p, MultivariateNormal q) {
        sameEvent(p, q, "(Low Rank) Multivariate Normals");
        Tensor qL = q.unbroadcastedScaleTril();
        Tensor pW = p.unbroadcastedCovFactor();
        Tensor pD = p.unbroadcastedCovDiag();
        Tensor term1 = qL.diagonal(0, -2, -1).log().sum(-1).mul(2L)
                .sub(LowRankMultivariateNormal.lowrankLogdet(pD, p.capacitanceTril()));
        Tensor term3 = MultivariateNormal.mahalanobis(qL, q.loc().sub(p.loc()));
        int n = p.eventShape()[0];
        int[] qs = qL.shape();
        int[] ps = pW.shape();
        int[] batch = Dist.broadcastOrNull(Arrays.copyOf(qs, qs.length - 2), Arrays.copyOf(ps, ps.length - 2));
        Tensor qScaleTril = qL.expand(Dist.concat(batch, new int[] {n, n}));
        Tensor pCovFactor = pW.expand(Dist.concat(batch, new int[] {n, p.covFactor().size(-1)}));
        Tensor pCovDiag = pD.sqrt().diagEmbed().expand(Dist.concat(batch, new int[] {n, n}));
        Tensor term21 = traceXXT(qScaleTril.linalgSolveTriangular(pCovFactor, false));
        Tensor term22 = traceXXT(qScaleTril.linalgSolveTriangular(pCovDiag, false));
        Tensor term2 = term21.add(term22);
        return term1.add(term2).add(term3).sub((double) n).mul(0.5);
    }
}
