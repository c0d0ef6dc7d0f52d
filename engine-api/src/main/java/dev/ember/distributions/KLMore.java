package dev.ember.distributions;

import dev.ember.Tensor;

import java.util.Arrays;

/** KL formulas of MultivariateNormal, Gamma, Beta, Dirichlet and Poisson pairs (PyTorch's); null for other pairs. */
final class KLMore {
    private KLMore() {
    }

    static Tensor klDivergence(Distribution p, Distribution q) {
        if (p instanceof MultivariateNormal && q instanceof MultivariateNormal) {
            return mvnMvn((MultivariateNormal) p, (MultivariateNormal) q);
        }
        if (p instanceof Gamma && q instanceof Gamma) {
            return gammaGamma((Gamma) p, (Gamma) q);
        }
        if (p instanceof Beta && q instanceof Beta) {
            return betaBeta((Beta) p, (Beta) q);
        }
        if (p instanceof Dirichlet && q instanceof Dirichlet) {
            return dirichletDirichlet(((Dirichlet) p).concentration(), ((Dirichlet) q).concentration());
        }
        if (p instanceof Poisson && q instanceof Poisson) {
            Tensor pr = ((Poisson) p).rate();
            Tensor qr = ((Poisson) q).rate();
            return pr.mul(pr.log().sub(qr.log())).sub(pr.sub(qr));
        }
        return null;
    }

    private static Tensor mvnMvn(MultivariateNormal p, MultivariateNormal q) {
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

    private static Tensor gammaGamma(Gamma p, Gamma q) {
        Tensor t1 = q.concentration().mul(p.rate().div(q.rate()).log());
        Tensor t2 = q.concentration().lgamma().sub(p.concentration().lgamma());
        Tensor t3 = p.concentration().sub(q.concentration()).mul(p.concentration().digamma());
        Tensor t4 = q.rate().sub(p.rate()).mul(p.concentration().div(p.rate()));
        return t1.add(t2).add(t3).add(t4);
    }

    private static Tensor betaBeta(Beta p, Beta q) {
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

    private static Tensor dirichletDirichlet(Tensor pa, Tensor qa) {
        Tensor sumP = pa.sum(-1);
        Tensor sumQ = qa.sum(-1);
        Tensor t1 = sumP.lgamma();
        Tensor t2 = sumQ.lgamma();
        Tensor t3 = pa.lgamma().sum(-1);
        Tensor t4 = qa.lgamma().sum(-1);
        Tensor t5 = pa.sub(qa).mul(pa.digamma().sub(sumP.unsqueeze(-1).digamma()));
        return t1.sub(t3).sub(t2).add(t4).add(t5.sum(-1));
    }
}
