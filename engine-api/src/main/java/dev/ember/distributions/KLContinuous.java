package dev.ember.distributions;

import dev.ember.Tensor;

/**
 * KL formulas PyTorch registers for pairs with a Cauchy, ContinuousBernoulli, Gumbel or Pareto (registered in
 * {@link KL}).
 */
final class KLContinuous {
    private KLContinuous() {
    }

    static Tensor contBernContBern(ContinuousBernoulli p, ContinuousBernoulli q) {
        Tensor t1 = p.mean().mul(p.logits().sub(q.logits()));
        Tensor t2 = p.contBernLogNorm().add(p.probs().neg().log1p());
        Tensor t3 = q.contBernLogNorm().neg().sub(q.probs().neg().log1p());
        return t1.add(t2).add(t3);
    }

    static Tensor contBernExponential(ContinuousBernoulli p, Exponential q) {
        Tensor rate = q.rate();
        return p.entropy().neg().sub(rate.log()).add(rate.mul(p.mean()));
    }

    static Tensor contBernNormal(ContinuousBernoulli p, Normal q) {
        Tensor t1 = p.entropy().neg();
        Tensor t2 = q.loc().div(q.scale()).square().add(Math.log(2.0 * Math.PI)).mul(0.5).add(q.scale().log());
        Tensor t3 = p.variance().add(p.mean().square()).sub(q.loc().mul(2.0).mul(p.mean()))
                .div(q.scale().square().mul(2.0));
        return t1.add(t2).add(t3);
    }

    static Tensor contBernUniform(ContinuousBernoulli p, Uniform q) {
        Tensor result = p.entropy().neg().add(q.high().sub(q.low()).log());
        Tensor outside = q.low().ge(0.0).logicalOr(q.high().le(1.0));
        return Tensor.where(outside, result.onesLike().mul(Double.POSITIVE_INFINITY), result);
    }

    /** {@code _kl_beta_continuous_bernoulli} and {@code _kl_uniform_continuous_bernoulli}. */
    static Tensor toContinuousBernoulli(Distribution p, ContinuousBernoulli q) {
        Tensor result = p.entropy().neg().sub(p.mean().mul(q.logits())).sub(q.probs().neg().log1p())
                .sub(q.contBernLogNorm());
        if (p instanceof Beta) {
            return result;
        }
        Uniform u = (Uniform) p;
        Tensor outside = u.high().ge(1.0).logicalOr(u.low().le(0.0));
        return Tensor.where(outside, result.onesLike().mul(Double.POSITIVE_INFINITY), result);
    }

    static Tensor cauchyCauchy(Cauchy p, Cauchy q) {
        Tensor t1 = p.scale().add(q.scale()).pow(2L).add(p.loc().sub(q.loc()).pow(2L)).log();
        Tensor t2 = p.scale().mul(4L).mul(q.scale()).log();
        return t1.sub(t2);
    }

    static Tensor gumbelGumbel(Gumbel p, Gumbel g) {
        Tensor ct1 = p.scale().div(g.scale());
        Tensor ct2 = g.loc().div(g.scale());
        Tensor ct3 = p.loc().div(g.scale());
        Tensor t1 = ct1.log().neg().sub(ct2).add(ct3);
        Tensor t2 = ct1.mul(Dist.EULER);
        Tensor t3 = ct2.add(ct1.add(1L).lgamma()).sub(ct3).exp();
        return t1.add(t2).add(t3).sub(1 + Dist.EULER);
    }

    static Tensor gumbelNormal(Gumbel p, Normal n) {
        Tensor paramRatio = p.scale().div(n.scale());
        Tensor t1 = paramRatio.div(Math.sqrt(2 * Math.PI)).log();
        Tensor t2 = paramRatio.mul(Math.PI).mul(0.5).pow(2L).div(3L);
        Tensor t3 = p.loc().add(p.scale().mul(Dist.EULER)).sub(n.loc()).div(n.scale()).pow(2L).mul(0.5);
        return t1.neg().add(t2).add(t3).sub(Dist.EULER + 1);
    }

    static Tensor paretoPareto(Pareto p, Pareto r) {
        Tensor scaleRatio = p.scale().div(r.scale());
        Tensor alphaRatio = r.alpha().div(p.alpha());
        Tensor t1 = r.alpha().mul(scaleRatio.log());
        Tensor t2 = alphaRatio.log().neg();
        Tensor result = t1.add(t2).add(alphaRatio).sub(1L);
        return KL.put(result, p.scale().lt(r.scale()), Double.POSITIVE_INFINITY);
    }

    static Tensor paretoExponential(Pareto p, Exponential q) {
        Tensor rate = q.rate();
        Tensor scaleRateProd = p.scale().mul(rate);
        Tensor t1 = p.alpha().div(scaleRateProd).log();
        Tensor t2 = p.alpha().reciprocal();
        Tensor t3 = p.alpha().mul(scaleRateProd).div(p.alpha().sub(1L));
        Tensor result = t1.sub(t2).add(t3).sub(1L);
        return KL.put(result, p.alpha().le(1L), Double.POSITIVE_INFINITY);
    }

    static Tensor paretoGamma(Pareto p, Gamma g) {
        Tensor commonTerm = p.scale().log().add(p.alpha().reciprocal());
        Tensor t1 = p.alpha().log().sub(commonTerm);
        Tensor t2 = g.concentration().lgamma().sub(g.concentration().mul(g.rate().log()));
        Tensor t3 = g.concentration().rsub(1L).mul(commonTerm);
        Tensor t4 = g.rate().mul(p.alpha()).mul(p.scale()).div(p.alpha().sub(1L));
        Tensor result = t1.add(t2).add(t3).add(t4).sub(1L);
        return KL.put(result, p.alpha().le(1L), Double.POSITIVE_INFINITY);
    }

    static Tensor paretoNormal(Pareto p, Normal n) {
        Tensor varNormal = n.scale().pow(2L).mul(2L);
        Tensor commonTerm = p.scale().div(p.alpha().sub(1L));
        Tensor t1 = n.scale().mul(Math.sqrt(2 * Math.PI)).mul(p.alpha()).div(p.scale()).log();
        Tensor t2 = p.alpha().reciprocal();
        Tensor t3 = p.alpha().mul(commonTerm.pow(2L)).div(p.alpha().sub(2L));
        Tensor t4 = p.alpha().mul(commonTerm).sub(n.loc()).pow(2L);
        Tensor result = t1.sub(t2).add(t3.add(t4).div(varNormal)).sub(1L);
        return KL.put(result, p.alpha().le(2L), Double.POSITIVE_INFINITY);
    }

    static Tensor exponentialGumbel(Exponential p, Gumbel q) {
        Tensor scaleRateProd = p.rate().mul(q.scale());
        Tensor locScaleRatio = q.loc().div(q.scale());
        Tensor t1 = scaleRateProd.log().sub(1L);
        Tensor t2 = locScaleRatio.exp().mul(scaleRateProd).div(scaleRateProd.add(1L));
        Tensor t3 = scaleRateProd.reciprocal();
        return t1.sub(locScaleRatio).add(t2).add(t3);
    }

    static Tensor gammaGumbel(Gamma g, Gumbel q) {
        Tensor c = g.concentration();
        Tensor betaScaleProd = g.rate().mul(q.scale());
        Tensor locScaleRatio = q.loc().div(q.scale());
        Tensor t1 = c.sub(1L).mul(c.digamma()).sub(c.lgamma()).sub(c);
        Tensor t2 = betaScaleProd.log().add(c.div(betaScaleProd));
        Tensor t3 = locScaleRatio.exp().mul(betaScaleProd.reciprocal().add(1L).pow(c.neg())).sub(locScaleRatio);
        return t1.add(t2).add(t3);
    }

    static Tensor normalGumbel(Normal n, Gumbel q) {
        Tensor meanScaleRatio = n.loc().div(q.scale());
        Tensor varScaleSqrRatio = n.scale().div(q.scale()).pow(2L);
        Tensor locScaleRatio = q.loc().div(q.scale());
        Tensor t1 = varScaleSqrRatio.log().mul(0.5);
        Tensor t2 = meanScaleRatio.sub(locScaleRatio);
        Tensor t3 = meanScaleRatio.neg().add(varScaleSqrRatio.mul(0.5)).add(locScaleRatio).exp();
        return t1.neg().add(t2).add(t3).sub(0.5 * (1 + Math.log(2 * Math.PI)));
    }

    static Tensor uniformGumbel(Uniform u, Gumbel q) {
        Tensor commonTerm = q.scale().div(u.high().sub(u.low()));
        Tensor highLocDiff = u.high().sub(q.loc()).div(q.scale());
        Tensor lowLocDiff = u.low().sub(q.loc()).div(q.scale());
        Tensor t1 = commonTerm.log().add(highLocDiff.add(lowLocDiff).mul(0.5));
        Tensor t2 = commonTerm.mul(highLocDiff.neg().exp().sub(lowLocDiff.neg().exp()));
        return t1.sub(t2);
    }

    static Tensor uniformPareto(Uniform u, Pareto q) {
        Tensor supportUniform = u.high().sub(u.low());
        Tensor t1 = q.alpha().mul(q.scale().pow(q.alpha())).mul(supportUniform).log();
        Tensor t2 = KL.xLogX(u.high()).sub(KL.xLogX(u.low())).sub(supportUniform).div(supportUniform);
        Tensor result = t2.mul(q.alpha().add(1L)).sub(t1);
        return KL.put(result, u.low().lt(q.scale()), Double.POSITIVE_INFINITY);
    }
}
