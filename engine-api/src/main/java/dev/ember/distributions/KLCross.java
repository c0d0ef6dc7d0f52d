package dev.ember.distributions;

import dev.ember.Autograd;
import dev.ember.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * KL formulas PyTorch 2.x registers between different families of Beta, Exponential, Gamma, Laplace, Normal, Uniform,
 * Bernoulli, Poisson, the Geometric pair and the exponential-family (Bregman) rule, in PyTorch's terms and order of
 * operations (registered in {@link KL}).
 */
final class KLCross {
    private static final double SQRT_2PI = Math.sqrt(2 * Math.PI);

    private KLCross() {
    }

    /**
     * {@code _kl_expfamily_expfamily}: the Bregman divergence of the log normalizer for two of one type (the families
     * without a rule of their own: Wishart), PyTorch's message for two of different types.
     */
    static Tensor expFamilyExpFamily(ExponentialFamily p, ExponentialFamily q) {
        if (p.getClass() != q.getClass()) {
            // PyTorch's string carries the indentation of its source's line continuation
            throw new UnsupportedOperationException("The cross KL-divergence between different exponential families cannot"
                    + " ".repeat(29) + "be computed using Bregman divergences");
        }
        List<Tensor> pn = new ArrayList<>();
        for (Tensor t : p.naturalParams()) {
            pn.add(t.detach().requiresGrad_(true));
        }
        Tensor[] qn = q.naturalParams();
        Tensor lgNormal = p.logNormalizer(pn.toArray(new Tensor[0]));
        List<Tensor> gradients = Autograd.grad(List.of(lgNormal.sum()), pn, null, true);
        Tensor result = q.logNormalizer(qn).sub(lgNormal);
        for (int i = 0; i < pn.size(); i++) {
            Tensor term = qn[i].sub(pn.get(i)).mul(gradients.get(i));
            result = result.sub_(Dist.sumRightmost(term, q.eventShape().length));
        }
        return result;
    }

    static Tensor geometricGeometric(Geometric p, Geometric q) {
        return p.entropy().neg().sub(q.probs().neg().log1p().div(p.probs())).sub(q.logits());
    }

    static Tensor bernoulliPoisson(Bernoulli p, Poisson q) {
        return p.entropy().neg().sub(p.probs().mul(q.rate().log()).sub(q.rate()));
    }

    static Tensor betaExponential(Beta p, Exponential q) {
        Tensor c1 = p.concentration1();
        return p.entropy().neg().sub(q.rate().log()).add(q.rate().mul(c1.div(c1.add(p.concentration0()))));
    }

    static Tensor betaGamma(Beta p, Gamma q) {
        Tensor c1 = p.concentration1();
        Tensor c0 = p.concentration0();
        Tensor t1 = p.entropy().neg();
        Tensor t2 = q.concentration().lgamma().sub(q.concentration().mul(q.rate().log()));
        Tensor t3 = q.concentration().sub(1L).mul(c1.digamma().sub(c1.add(c0).digamma()));
        Tensor t4 = q.rate().mul(c1).div(c1.add(c0));
        return t1.add(t2).sub(t3).add(t4);
    }

    static Tensor betaNormal(Beta p, Normal q) {
        Tensor c1 = p.concentration1();
        Tensor c0 = p.concentration0();
        Tensor eBeta = c1.div(c1.add(c0));
        Tensor varNormal = q.scale().pow(2L);
        Tensor t1 = p.entropy().neg();
        Tensor t2 = varNormal.mul(2L).mul(Math.PI).log().mul(0.5);
        Tensor t3 = eBeta.mul(eBeta.rsub(1L)).div(c1.add(c0).add(1L)).add(eBeta.pow(2L)).mul(0.5);
        Tensor t4 = q.loc().mul(eBeta);
        Tensor t5 = q.loc().pow(2L).mul(0.5);
        return t1.add(t2).add(t3.sub(t4).add(t5).div(varNormal));
    }

    static Tensor betaUniform(Beta p, Uniform q) {
        Tensor result = p.entropy().neg().add(q.high().sub(q.low()).log());
        // Beta's support: the unit interval
        return KL.put(result, q.low().gt(0.0).logicalOr(q.high().lt(1.0)), Double.POSITIVE_INFINITY);
    }

    static Tensor exponentialGamma(Exponential p, Gamma q) {
        Tensor ratio = q.rate().div(p.rate());
        Tensor t1 = q.concentration().neg().mul(ratio.log());
        return t1.add(ratio).add(q.concentration().lgamma()).add(q.concentration().mul(Dist.EULER))
                .sub(1 + Dist.EULER);
    }

    static Tensor exponentialNormal(Exponential p, Normal q) {
        Tensor varNormal = q.scale().pow(2L);
        Tensor rateSqr = p.rate().pow(2L);
        Tensor t1 = rateSqr.mul(varNormal).mul(2L).mul(Math.PI).log().mul(0.5);
        Tensor t2 = rateSqr.reciprocal();
        Tensor t3 = q.loc().div(p.rate());
        Tensor t4 = q.loc().pow(2L).mul(0.5);
        return t1.sub(1L).add(t2.sub(t3).add(t4).div(varNormal));
    }

    static Tensor gammaExponential(Gamma p, Exponential q) {
        return p.entropy().neg().sub(q.rate().log()).add(q.rate().mul(p.concentration()).div(p.rate()));
    }

    static Tensor gammaNormal(Gamma p, Normal q) {
        Tensor c = p.concentration();
        Tensor varNormal = q.scale().pow(2L);
        Tensor betaSqr = p.rate().pow(2L);
        Tensor t1 = betaSqr.mul(varNormal).mul(2L).mul(Math.PI).log().mul(0.5).sub(c).sub(c.lgamma());
        Tensor t2 = c.pow(2L).add(c).mul(0.5).div(betaSqr);
        Tensor t3 = q.loc().mul(c).div(p.rate());
        Tensor t4 = q.loc().pow(2L).mul(0.5);
        return t1.add(c.sub(1L).mul(c.digamma())).add(t2.sub(t3).add(t4).div(varNormal));
    }

    static Tensor laplaceNormal(Laplace p, Normal q) {
        Tensor varNormal = q.scale().pow(2L);
        Tensor scaleSqrVarRatio = p.scale().pow(2L).div(varNormal);
        Tensor t1 = scaleSqrVarRatio.mul(2L).div(Math.PI).log().mul(0.5);
        Tensor t2 = p.loc().pow(2L).mul(0.5);
        Tensor t3 = p.loc().mul(q.loc());
        Tensor t4 = q.loc().pow(2L).mul(0.5);
        return t1.neg().add(scaleSqrVarRatio).add(t2.sub(t3).add(t4).div(varNormal)).sub(1L);
    }

    static Tensor normalLaplace(Normal p, Laplace q) {
        Tensor locDiff = p.loc().sub(q.loc());
        Tensor scaleRatio = p.scale().div(q.scale());
        Tensor locDiffScaleRatio = locDiff.div(p.scale());
        Tensor t1 = scaleRatio.log();
        Tensor t2 = p.scale().mul(Math.sqrt(2 / Math.PI)).mul(locDiffScaleRatio.pow(2L).mul(-0.5).exp());
        Tensor t3 = locDiff.mul(locDiffScaleRatio.mul(Math.sqrt(0.5)).erf());
        return t1.neg().add(t2.add(t3).div(q.scale())).sub(0.5 * (1 + Math.log(0.5 * Math.PI)));
    }

    static Tensor uniformBeta(Uniform p, Beta q) {
        Tensor c1 = q.concentration1();
        Tensor c0 = q.concentration0();
        Tensor commonTerm = p.high().sub(p.low());
        Tensor t1 = commonTerm.log();
        Tensor t2 = c1.sub(1L).mul(KL.xLogX(p.high()).sub(KL.xLogX(p.low())).sub(commonTerm)).div(commonTerm);
        Tensor t3 = c0.sub(1L).mul(KL.xLogX(p.high().rsub(1L)).sub(KL.xLogX(p.low().rsub(1L))).add(commonTerm))
                .div(commonTerm);
        Tensor t4 = c1.lgamma().add(c0.lgamma()).sub(c1.add(c0).lgamma());
        Tensor result = t3.add(t4).sub(t1).sub(t2);
        // Beta's support: the unit interval
        return KL.put(result, p.high().gt(1.0).logicalOr(p.low().lt(0.0)), Double.POSITIVE_INFINITY);
    }

    static Tensor uniformExponential(Uniform p, Exponential q) {
        Tensor result = q.rate().mul(p.high().add(p.low())).div(2L).sub(p.high().sub(p.low()).mul(q.rate()).log());
        // Exponential's support: nonnegative
        return KL.put(result, p.low().lt(0.0), Double.POSITIVE_INFINITY);
    }

    static Tensor uniformGamma(Uniform p, Gamma q) {
        Tensor c = q.concentration();
        Tensor commonTerm = p.high().sub(p.low());
        Tensor t1 = commonTerm.log();
        Tensor t2 = c.lgamma().sub(c.mul(q.rate().log()));
        Tensor t3 = c.rsub(1L).mul(KL.xLogX(p.high()).sub(KL.xLogX(p.low())).sub(commonTerm)).div(commonTerm);
        Tensor t4 = q.rate().mul(p.high().add(p.low())).div(2L);
        Tensor result = t1.neg().add(t2).add(t3).add(t4);
        // Gamma's support: nonnegative
        return KL.put(result, p.low().lt(0.0), Double.POSITIVE_INFINITY);
    }

    static Tensor uniformNormal(Uniform p, Normal q) {
        Tensor commonTerm = p.high().sub(p.low());
        Tensor t1 = q.scale().mul(SQRT_2PI).div(commonTerm).log();
        Tensor t2 = commonTerm.pow(2L).div(12L);
        Tensor t3 = p.high().add(p.low()).sub(q.loc().mul(2L)).div(2L).pow(2L);
        return t1.add(t2.add(t3).mul(0.5).div(q.scale().pow(2L)));
    }
}
