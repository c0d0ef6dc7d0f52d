package dev.ember.distributions;

import dev.ember.Tensor;

import java.util.Arrays;

/** KL formulas of MultivariateNormal, Gamma, Beta, Dirichlet and Poisson pairs (PyTorch's), registered in {@link KL}. */
final class KLMore {
    private KLMore() {
    }

    static Tensor poissonPoisson(Poisson p, Poisson q) {
        Tensor pr = p.rate();
        Tensor qr = q.rate();
        return pr.mul(pr.log().sub(qr.log())).sub(pr.sub(qr));
    }

    static Tensor mvnMvn(MultivariateNormal p, MultivariateNormal q) {
        if (!Arrays.equals(p.eventShape(), q.eventShape())) {
            // PyTorch's string carries the indentation of its source's line continuation
            throw new IllegalArgumentException("KL-divergence between two Multivariate Normals with" + " ".repeat(26)
                    + "different event shapes cannot be computed");
        }
        Tensor pl = p.unbroadcastedScaleTril();
        Tensor ql = q.unbroadcastedScaleTril();
        Tensor halfTerm1 = ql.diagonal(0, -2, -1).log().sum(-1).sub(pl.diagonal(0, -2, -1).log().sum(-1));
        int n = p.eventShape()[0];
        int[] ps = pl.shape();
        int[] qs = ql.shape();
        int[] batch = Dist.broadcastOrNull(Arrays.copyOf(qs, qs.length - 2), Arrays.copyOf(ps, ps.length - 2));
        int[] mat = Dist.concat(batch, new int[] {n, n});
        Tensor term2 = ql.expand(mat).linalgSolveTriangular(pl.expand(mat), false).pow(2L).sum(new int[] {-2, -1}, false);
        Tensor term3 = MultivariateNormal.mahalanobis(ql, q.loc().sub(p.loc()));
        return halfTerm1.add(term2.add(term3).sub((double) n).mul(0.5));
    }

    static Tensor gammaGamma(Gamma p, Gamma q) {
        Tensor t1 = q.concentration().mul(p.rate().div(q.rate()).log());
        Tensor t2 = q.concentration().lgamma().sub(p.concentration().lgamma());
        Tensor t3 = p.concentration().sub(q.concentration()).mul(p.concentration().digamma());
        Tensor t4 = q.rate().sub(p.rate()).mul(p.concentration().div(p.rate()));
        return t1.add(t2).add(t3).add(t4);
    }

    static Tensor betaBeta(Beta p, Beta q) {
        Tensor pa = p.concentration1();
        Tensor pb = p.concentration0();
        Tensor qa = q.concentration1();
        Tensor qb = q.concentration0();
        Tensor sumP = pa.add(pb);
        Tensor sumQ = qa.add(qb);
        Tensor t1 = qa.lgamma().add(qb.lgamma()).add(sumP.lgamma());
        Tensor t2 = pa.lgamma().add(pb.lgamma()).add(sumQ.lgamma());
        Tensor t3 = pa.sub(qa).mul(pa.digamma());
        Tensor t4 = pb.sub(qb).mul(pb.digamma());
        Tensor t5 = sumQ.sub(sumP).mul(sumP.digamma());
        return t1.sub(t2).add(t3).add(t4).add(t5);
    }

    static Tensor dirichletDirichlet(Dirichlet p, Dirichlet q) {
        Tensor pa = p.concentration();
        Tensor qa = q.concentration();
        Tensor sumP = pa.sum(-1);
        Tensor sumQ = qa.sum(-1);
        Tensor t1 = sumP.lgamma().sub(sumQ.lgamma());
        Tensor t2 = pa.lgamma().sub(qa.lgamma()).sum(-1);
        Tensor t3 = pa.sub(qa);
        Tensor t4 = pa.digamma().sub(sumP.digamma().unsqueeze(-1));
        return t1.sub(t2).add(t3.mul(t4).sum(-1));
    }
}
