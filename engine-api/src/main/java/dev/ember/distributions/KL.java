package dev.ember.distributions;

import dev.ember.Tensor;
import dev.ember.nn.Functional;

/**
 * {@code torch.distributions.kl.kl_divergence}: KL(p || q) for the pairs PyTorch registers among the distributions
 * here, of shape {@code batch_shape}.
 */
public final class KL {
    private KL() {
    }

    /**
     * KL(p || q).
     *
     * @throws UnsupportedOperationException PyTorch's NotImplementedError message where no formula is registered for the
     *     pair (for two exponential families of different types, PyTorch's Bregman-divergence message)
     */
    public static Tensor klDivergence(Distribution p, Distribution q) {
        Dist.require(p, "kl_divergence", "p");
        Dist.require(q, "kl_divergence", "q");
        if (p instanceof Normal && q instanceof Normal) {
            return normalNormal((Normal) p, (Normal) q);
        }
        if (p instanceof Bernoulli && q instanceof Bernoulli) {
            return bernoulliBernoulli((Bernoulli) p, (Bernoulli) q);
        }
        if (p instanceof Categorical && q instanceof Categorical) {
            return categoricalCategorical((Categorical) p, (Categorical) q);
        }
        if (p instanceof OneHotCategorical && q instanceof OneHotCategorical) {
            return categoricalCategorical(((OneHotCategorical) p).categorical(), ((OneHotCategorical) q).categorical());
        }
        if (p instanceof Uniform && q instanceof Uniform) {
            return uniformUniform((Uniform) p, (Uniform) q);
        }
        if (p instanceof Exponential && q instanceof Exponential) {
            return exponentialExponential((Exponential) p, (Exponential) q);
        }
        if (p instanceof Laplace && q instanceof Laplace) {
            return laplaceLaplace((Laplace) p, (Laplace) q);
        }
        if (p instanceof LogNormal && q instanceof LogNormal) {
            // _kl_transformed_transformed: the same transform (exp) on both, so the bases' divergence
            return normalNormal(((LogNormal) p).baseDist(), ((LogNormal) q).baseDist());
        }
        if (p instanceof Independent && q instanceof Independent) {
            Independent ip = (Independent) p;
            Independent iq = (Independent) q;
            if (ip.reinterpretedBatchNdims() != iq.reinterpretedBatchNdims()) {
                throw new UnsupportedOperationException();
            }
            return Dist.sumRightmost(klDivergence(ip.baseDist(), iq.baseDist()), ip.reinterpretedBatchNdims());
        }
        Tensor discrete = KLDiscrete.klDivergence(p, q); // session 21: Binomial, the low-rank normal
        if (discrete != null) {
            return discrete;
        }
        if (KLContinuous.covers(p, q)) { // session 21: the continuous families, transformed pairs
            return KLContinuous.klDivergence(p, q);
        }
        Tensor extra = KLMore.klDivergence(p, q);
        if (extra != null) {
            return extra;
        }
        if (p instanceof ExponentialFamily && q instanceof ExponentialFamily) {
            // PyTorch's string carries the indentation of its source's line continuation
            throw new UnsupportedOperationException("The cross KL-divergence between different exponential families cannot"
                    + " ".repeat(29) + "be computed using Bregman divergences");
        }
        throw new UnsupportedOperationException("No KL(p || q) is implemented for p type " + p.getClass().getSimpleName()
                + " and q type " + q.getClass().getSimpleName());
    }

    static Tensor inf(Tensor result, Tensor where) {
        return Tensor.where(where, result.fullLike(Double.POSITIVE_INFINITY), result);
    }

    static Tensor zero(Tensor result, Tensor where) {
        return Tensor.where(where, result.zerosLike(), result);
    }

    private static Tensor normalNormal(Normal p, Normal q) {
        Tensor varRatio = p.scale().div(q.scale()).pow(2L);
        Tensor t1 = p.loc().sub(q.loc()).div(q.scale()).pow(2L);
        return varRatio.add(t1).sub(1.0).sub(varRatio.log()).mul(0.5);
    }

    private static Tensor bernoulliBernoulli(Bernoulli p, Bernoulli q) {
        Tensor t1 = p.probs().mul(Functional.softplus(q.logits().neg()).sub(Functional.softplus(p.logits().neg())));
        t1 = inf(t1, q.probs().eq(0L).expand(t1.shape()));
        t1 = zero(t1, p.probs().eq(0L).expand(t1.shape()));
        Tensor t2 = p.probs().rsub(1.0).mul(Functional.softplus(q.logits()).sub(Functional.softplus(p.logits())));
        t2 = inf(t2, q.probs().eq(1L).expand(t2.shape()));
        t2 = zero(t2, p.probs().eq(1L).expand(t2.shape()));
        return t1.add(t2);
    }

    private static Tensor categoricalCategorical(Categorical p, Categorical q) {
        Tensor t = p.probs().mul(p.logits().sub(q.logits()));
        t = inf(t, q.probs().eq(0L).expand(t.shape()));
        t = zero(t, p.probs().eq(0L).expand(t.shape()));
        return t.sum(-1);
    }

    private static Tensor uniformUniform(Uniform p, Uniform q) {
        Tensor result = q.high().sub(q.low()).div(p.high().sub(p.low())).log();
        Tensor outside = q.low().gt(p.low()).logicalOr(q.high().lt(p.high()));
        return inf(result, outside.expand(result.shape()));
    }

    private static Tensor exponentialExponential(Exponential p, Exponential q) {
        Tensor rateRatio = q.rate().div(p.rate());
        return rateRatio.log().neg().add(rateRatio).sub(1.0);
    }

    private static Tensor laplaceLaplace(Laplace p, Laplace q) {
        Tensor scaleRatio = p.scale().div(q.scale());
        Tensor locAbsDiff = p.loc().sub(q.loc()).abs();
        Tensor t1 = scaleRatio.log().neg();
        Tensor t2 = locAbsDiff.div(q.scale());
        Tensor t3 = scaleRatio.mul(locAbsDiff.neg().div(p.scale()).exp());
        return t1.add(t2).add(t3).sub(1.0);
    }
}
