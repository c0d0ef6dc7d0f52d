package dev.ember.distributions;

import dev.ember.Tensor;

import java.util.Arrays;

/**
 * KL formulas PyTorch registers for pairs with a Cauchy, Gumbel, HalfNormal, Pareto (and, through their classes, Chi2
 * as a Gamma) or two TransformedDistributions ({@code _kl_transformed_transformed}: equal transforms and event shapes
 * give the bases' divergence); null for other pairs.
 */
final class KLContinuous {
    private KLContinuous() {
    }

    /** Whether {@link #klDivergence} has a formula (or PyTorch's NotImplementedError) for the pair. */
    static boolean covers(Distribution p, Distribution q) {
        boolean pe = p instanceof Exponential || p instanceof Gamma || p instanceof Normal || p instanceof Uniform;
        boolean qe = q instanceof Beta || q instanceof Exponential || q instanceof Gamma || q instanceof Normal
                || q instanceof Uniform || q instanceof ContinuousBernoulli;
        return p instanceof Cauchy && q instanceof Cauchy
                || p instanceof ContinuousBernoulli && (q instanceof ContinuousBernoulli || q instanceof Pareto
                    || q instanceof Exponential || q instanceof Normal || q instanceof Uniform)
                || q instanceof ContinuousBernoulli && (pe || p instanceof Beta || p instanceof Gumbel || p instanceof Laplace
                    || p instanceof Pareto)
                || (p instanceof Gumbel || p instanceof Pareto) && (qe || q instanceof TransformedDistribution)
                || q instanceof Gumbel && pe
                || q instanceof Pareto && (pe || p instanceof Beta || p instanceof Laplace)
                || p instanceof TransformedDistribution && q instanceof TransformedDistribution;
    }

    /** KL(p || q) where {@link #covers} says it has one, else null. */
    static Tensor klDivergence(Distribution p, Distribution q) {
        if (p instanceof Cauchy && q instanceof Cauchy) {
            return cauchyCauchy((Cauchy) p, (Cauchy) q);
        }
        if (p instanceof ContinuousBernoulli) {
            return fromContinuousBernoulli((ContinuousBernoulli) p, q);
        }
        if (q instanceof ContinuousBernoulli) {
            return toContinuousBernoulli(p, (ContinuousBernoulli) q);
        }
        if (p instanceof Gumbel) {
            return fromGumbel((Gumbel) p, q);
        }
        if (p instanceof Pareto) {
            return fromPareto((Pareto) p, q);
        }
        if (p instanceof HalfNormal && q instanceof HalfNormal) {
            return normalNormal((Normal) ((HalfNormal) p).baseDist(), (Normal) ((HalfNormal) q).baseDist());
        }
        if (q instanceof Gumbel) {
            return toGumbel(p, (Gumbel) q);
        }
        if (q instanceof Pareto) {
            Tensor r = toPareto(p, (Pareto) q);
            if (r != null) {
                return r;
            }
        }
        return p instanceof TransformedDistribution ? transformedOnly(p, q) : null;
    }

    private static Tensor fromContinuousBernoulli(ContinuousBernoulli p, Distribution q) {
        if (q instanceof ContinuousBernoulli) {
            ContinuousBernoulli r = (ContinuousBernoulli) q;
            Tensor t1 = p.mean().mul(p.logits().sub(r.logits()));
            Tensor t2 = p.contBernLogNorm().add(p.probs().neg().log1p());
            Tensor t3 = r.contBernLogNorm().neg().sub(r.probs().neg().log1p());
            return t1.add(t2).add(t3);
        }
        if (q instanceof Pareto) {
            return infiniteLike(p.probs());
        }
        if (q instanceof Exponential) {
            Tensor rate = ((Exponential) q).rate();
            return p.entropy().neg().sub(rate.log()).add(rate.mul(p.mean()));
        }
        if (q instanceof Normal) {
            Normal n = (Normal) q;
            Tensor t1 = p.entropy().neg();
            Tensor t2 = n.loc().div(n.scale()).square().add(Math.log(2.0 * Math.PI)).mul(0.5).add(n.scale().log());
            Tensor t3 = p.variance().add(p.mean().square()).sub(n.loc().mul(2.0).mul(p.mean()))
                    .div(n.scale().square().mul(2.0));
            return t1.add(t2).add(t3);
        }
        Uniform u = (Uniform) q;
        Tensor result = p.entropy().neg().add(u.high().sub(u.low()).log());
        Tensor outside = u.low().ge(0.0).logicalOr(u.high().le(1.0));
        return Tensor.where(outside, result.onesLike().mul(Double.POSITIVE_INFINITY), result);
    }

    private static Tensor toContinuousBernoulli(Distribution p, ContinuousBernoulli q) {
        if (p instanceof Beta || p instanceof Uniform) {
            Tensor result = p.entropy().neg().sub(p.mean().mul(q.logits())).sub(q.probs().neg().log1p())
                    .sub(q.contBernLogNorm());
            if (p instanceof Beta) {
                return result;
            }
            Uniform u = (Uniform) p;
            Tensor outside = u.high().ge(1.0).logicalOr(u.low().le(0.0));
            return Tensor.where(outside, result.onesLike().mul(Double.POSITIVE_INFINITY), result);
        }
        if (p instanceof Exponential) {
            return infiniteLike(((Exponential) p).rate());
        }
        if (p instanceof Gamma) {
            return infiniteLike(((Gamma) p).concentration());
        }
        if (p instanceof Gumbel) {
            return infiniteLike(((Gumbel) p).loc());
        }
        if (p instanceof Laplace) {
            return infiniteLike(((Laplace) p).loc());
        }
        if (p instanceof Normal) {
            return infiniteLike(((Normal) p).loc());
        }
        return infiniteLike(((Pareto) p).scale());
    }

    private static Tensor infiniteLike(Tensor t) {
        return t.fullLike(Double.POSITIVE_INFINITY);
    }

    private static Tensor normalNormal(Normal p, Normal q) {
        return KL.klDivergence(p, q);
    }

    private static Tensor cauchyCauchy(Cauchy p, Cauchy q) {
        Tensor t1 = p.scale().add(q.scale()).pow(2L).add(p.loc().sub(q.loc()).pow(2L)).log();
        Tensor t2 = p.scale().mul(4L).mul(q.scale()).log();
        return t1.sub(t2);
    }

    private static Tensor fromGumbel(Gumbel p, Distribution q) {
        if (q instanceof Gumbel) {
            Gumbel g = (Gumbel) q;
            Tensor ct1 = p.scale().div(g.scale());
            Tensor ct2 = g.loc().div(g.scale());
            Tensor ct3 = p.loc().div(g.scale());
            Tensor t1 = ct1.log().neg().sub(ct2).add(ct3);
            Tensor t2 = ct1.mul(Dist.EULER);
            Tensor t3 = ct2.add(ct1.add(1L).lgamma()).sub(ct3).exp();
            return t1.add(t2).add(t3).sub(1 + Dist.EULER);
        }
        if (q instanceof Beta || q instanceof Exponential || q instanceof Gamma || q instanceof Pareto
                || q instanceof Uniform) {
            return infiniteLike(p.loc());
        }
        if (q instanceof Normal) {
            Normal n = (Normal) q;
            Tensor paramRatio = p.scale().div(n.scale());
            Tensor t1 = paramRatio.div(Math.sqrt(2 * Math.PI)).log();
            Tensor t2 = paramRatio.mul(Math.PI).mul(0.5).pow(2L).div(3L);
            Tensor t3 = p.loc().add(p.scale().mul(Dist.EULER)).sub(n.loc()).div(n.scale()).pow(2L).mul(0.5);
            return t1.neg().add(t2).add(t3).sub(Dist.EULER + 1);
        }
        return transformedOnly(p, q);
    }

    private static Tensor fromPareto(Pareto p, Distribution q) {
        if (q instanceof Pareto) {
            Pareto r = (Pareto) q;
            Tensor scaleRatio = p.scale().div(r.scale());
            Tensor alphaRatio = r.alpha().div(p.alpha());
            Tensor t1 = r.alpha().mul(scaleRatio.log());
            Tensor t2 = alphaRatio.log().neg();
            Tensor result = t1.add(t2).add(alphaRatio).sub(1L);
            return KL.inf(result, p.scale().lt(r.scale()).expand(result.shape()));
        }
        if (q instanceof Beta || q instanceof Uniform) {
            return infiniteLike(p.scale());
        }
        if (q instanceof Exponential) {
            Tensor rate = ((Exponential) q).rate();
            Tensor scaleRateProd = p.scale().mul(rate);
            Tensor t1 = p.alpha().div(scaleRateProd).log();
            Tensor t2 = p.alpha().reciprocal();
            Tensor t3 = p.alpha().mul(scaleRateProd).div(p.alpha().sub(1L));
            Tensor result = t1.sub(t2).add(t3).sub(1L);
            return KL.inf(result, p.alpha().le(1L).expand(result.shape()));
        }
        if (q instanceof Gamma) {
            Gamma g = (Gamma) q;
            Tensor commonTerm = p.scale().log().add(p.alpha().reciprocal());
            Tensor t1 = p.alpha().log().sub(commonTerm);
            Tensor t2 = g.concentration().lgamma().sub(g.concentration().mul(g.rate().log()));
            Tensor t3 = g.concentration().rsub(1L).mul(commonTerm);
            Tensor t4 = g.rate().mul(p.alpha()).mul(p.scale()).div(p.alpha().sub(1L));
            Tensor result = t1.add(t2).add(t3).add(t4).sub(1L);
            return KL.inf(result, p.alpha().le(1L).expand(result.shape()));
        }
        if (q instanceof Normal) {
            Normal n = (Normal) q;
            Tensor varNormal = n.scale().pow(2L).mul(2L);
            Tensor commonTerm = p.scale().div(p.alpha().sub(1L));
            Tensor t1 = n.scale().mul(Math.sqrt(2 * Math.PI)).mul(p.alpha()).div(p.scale()).log();
            Tensor t2 = p.alpha().reciprocal();
            Tensor t3 = p.alpha().mul(commonTerm.pow(2L)).div(p.alpha().sub(2L));
            Tensor t4 = p.alpha().mul(commonTerm).sub(n.loc()).pow(2L);
            Tensor result = t1.sub(t2).add(t3.add(t4).div(varNormal)).sub(1L);
            return KL.inf(result, p.alpha().le(2L).expand(result.shape()));
        }
        return transformedOnly(p, q);
    }

    /**
     * {@code _kl_transformed_transformed} for a TransformedDistribution p (pairs with no formula of their own): the
     * bases' divergence where transforms and event shapes agree, PyTorch's bare NotImplementedError where not; null
     * where q is no TransformedDistribution.
     */
    private static Tensor transformedOnly(Distribution p, Distribution q) {
        if (q instanceof TransformedDistribution) {
            TransformedDistribution tp = (TransformedDistribution) p;
            TransformedDistribution tq = (TransformedDistribution) q;
            if (!tp.transforms().equals(tq.transforms()) || !Arrays.equals(p.eventShape(), q.eventShape())) {
                throw new UnsupportedOperationException();
            }
            return KL.klDivergence(tp.baseDist(), tq.baseDist());
        }
        return null;
    }

    private static Tensor toGumbel(Distribution p, Gumbel q) {
        Tensor locScaleRatio = q.loc().div(q.scale());
        if (p instanceof Exponential) {
            Tensor scaleRateProd = ((Exponential) p).rate().mul(q.scale());
            Tensor t1 = scaleRateProd.log().sub(1L);
            Tensor t2 = locScaleRatio.exp().mul(scaleRateProd).div(scaleRateProd.add(1L));
            Tensor t3 = scaleRateProd.reciprocal();
            return t1.sub(locScaleRatio).add(t2).add(t3);
        }
        if (p instanceof Gamma) {
            Gamma g = (Gamma) p;
            Tensor c = g.concentration();
            Tensor betaScaleProd = g.rate().mul(q.scale());
            Tensor t1 = c.sub(1L).mul(c.digamma()).sub(c.lgamma()).sub(c);
            Tensor t2 = betaScaleProd.log().add(c.div(betaScaleProd));
            Tensor t3 = locScaleRatio.exp().mul(betaScaleProd.reciprocal().add(1L).pow(c.neg())).sub(locScaleRatio);
            return t1.add(t2).add(t3);
        }
        if (p instanceof Normal) {
            Normal n = (Normal) p;
            Tensor meanScaleRatio = n.loc().div(q.scale());
            Tensor varScaleSqrRatio = n.scale().div(q.scale()).pow(2L);
            Tensor t1 = varScaleSqrRatio.log().mul(0.5);
            Tensor t2 = meanScaleRatio.sub(locScaleRatio);
            Tensor t3 = meanScaleRatio.neg().add(varScaleSqrRatio.mul(0.5)).add(locScaleRatio).exp();
            return t1.neg().add(t2).add(t3).sub(0.5 * (1 + Math.log(2 * Math.PI)));
        }
        if (p instanceof Uniform) {
            Uniform u = (Uniform) p;
            Tensor commonTerm = q.scale().div(u.high().sub(u.low()));
            Tensor highLocDiff = u.high().sub(q.loc()).div(q.scale());
            Tensor lowLocDiff = u.low().sub(q.loc()).div(q.scale());
            Tensor t1 = commonTerm.log().add(highLocDiff.add(lowLocDiff).mul(0.5));
            Tensor t2 = commonTerm.mul(highLocDiff.neg().exp().sub(lowLocDiff.neg().exp()));
            return t1.sub(t2);
        }
        return p instanceof TransformedDistribution ? transformedOnly(p, q) : null;
    }

    private static Tensor toPareto(Distribution p, Pareto q) {
        if (p instanceof Beta) {
            return infiniteLike(((Beta) p).concentration1());
        }
        if (p instanceof Exponential) {
            return infiniteLike(((Exponential) p).rate());
        }
        if (p instanceof Gamma) {
            return infiniteLike(((Gamma) p).concentration());
        }
        if (p instanceof Laplace) {
            return infiniteLike(((Laplace) p).loc());
        }
        if (p instanceof Normal) {
            return infiniteLike(((Normal) p).loc());
        }
        if (p instanceof Uniform) {
            Uniform u = (Uniform) p;
            Tensor supportUniform = u.high().sub(u.low());
            Tensor t1 = q.alpha().mul(q.scale().pow(q.alpha())).mul(supportUniform).log();
            Tensor t2 = xLogX(u.high()).sub(xLogX(u.low())).sub(supportUniform).div(supportUniform);
            Tensor result = t2.mul(q.alpha().add(1L)).sub(t1);
            return KL.inf(result, u.low().lt(q.scale()).expand(result.shape()));
        }
        return null;
    }

    /** {@code _x_log_x}: {@code x * log(x)}. */
    private static Tensor xLogX(Tensor x) {
        return x.mul(x.log());
    }
}
