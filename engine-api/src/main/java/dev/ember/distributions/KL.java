package dev.ember.distributions;

import dev.ember.Index;
import dev.ember.Tensor;
import dev.ember.nn.Functional;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * {@code torch.distributions.kl.kl_divergence}: KL(p || q) for the pairs PyTorch registers among the distributions
 * here, of shape {@code batch_shape}.
 *
 * <p>The formulas sit in a registry of (type of p, type of q) pairs in PyTorch's order of registration, and a pair of
 * distributions takes the most specific registered match by subclass, as PyTorch's {@code _dispatch_kl} (the match
 * least in the lexicographic subclass order, p's type first), so subclasses (Chi2 as a Gamma, the
 * TransformedDistributions, OneHotCategoricalStraightThrough) reach the rules PyTorch gives them.
 */
public final class KL {
    private KL() {
    }

    /** One {@code register_kl(type_p, type_q)} entry. */
    private record Rule(Class<? extends Distribution> p, Class<? extends Distribution> q,
                        BiFunction<Distribution, Distribution, Tensor> fn) {
    }

    private static final List<Rule> REGISTRY = registry();

    private static final Rule NONE = new Rule(Distribution.class, Distribution.class, null);

    /** {@code _KL_MEMOIZE}: the rule found for a pair of concrete types. */
    private static final Map<List<Class<?>>, Rule> MEMO = new ConcurrentHashMap<>();

    /**
     * KL(p || q).
     *
     * @throws UnsupportedOperationException PyTorch's NotImplementedError where no formula is registered for the pair
     *     ({@code No KL(p || q) is implemented for p type ... and q type ...}), for two exponential families of
     *     different types its Bregman-divergence message, and its bare NotImplementedError (null message) for two
     *     TransformedDistributions of different transforms or two Independents of different reinterpreted dims
     */
    public static Tensor klDivergence(Distribution p, Distribution q) {
        Dist.require(p, "kl_divergence", "p");
        Dist.require(q, "kl_divergence", "q");
        Rule rule = MEMO.computeIfAbsent(List.of(p.getClass(), q.getClass()),
            k -> dispatch(p.getClass(), q.getClass()));
        if (rule == NONE) {
            throw new UnsupportedOperationException("No KL(p || q) is implemented for p type "
                    + p.getClass().getSimpleName() + " and q type " + q.getClass().getSimpleName());
        }
        return rule.fn().apply(p, q);
    }

    /** {@code _Match.__le__}: the first differing type of {@code a} is a subclass of {@code b}'s (equal: true). */
    private static boolean matchLe(Class<?>[] a, Class<?>[] b) {
        for (int i = 0; i < a.length; i++) {
            if (!b[i].isAssignableFrom(a[i])) {
                return false;
            }
            if (a[i] != b[i]) {
                break;
            }
        }
        return true;
    }

    /** {@code min(_Match(*m) for m in matches)}: Python's min keeps the first of the least, by {@code <}. */
    private static Rule leastOf(List<Rule> matches, boolean reversed) {
        Rule best = null;
        Class<?>[] bestKey = null;
        for (Rule r : matches) {
            Class<?>[] key = reversed ? new Class<?>[] {r.q(), r.p()} : new Class<?>[] {r.p(), r.q()};
            if (best == null || matchLe(key, bestKey) && !Arrays.equals(key, bestKey)) {
                best = r;
                bestKey = key;
            }
        }
        return best;
    }

    /**
     * {@code _dispatch_kl}: the most specific registered pair, by the left (p first) lexicographic order; PyTorch warns
     * (and still takes the left one) where the right order disagrees, so no check of it here.
     */
    private static Rule dispatch(Class<?> tp, Class<?> tq) {
        List<Rule> matches = new ArrayList<>();
        for (Rule r : REGISTRY) {
            if (r.p().isAssignableFrom(tp) && r.q().isAssignableFrom(tq)) {
                matches.add(r);
            }
        }
        return matches.isEmpty() ? NONE : leastOf(matches, false);
    }

    @SuppressWarnings("unchecked")
    private static <P extends Distribution, Q extends Distribution> void reg(List<Rule> out, Class<P> p, Class<Q> q,
                                                                           BiFunction<P, Q, Tensor> fn) {
        out.add(new Rule(p, q, (a, b) -> fn.apply((P) a, (Q) b)));
    }

    /** {@code register_kl(p, q)} for each of {@code qs}, in order, of an {@code _infinite_like(param(p))} rule. */
    @SafeVarargs
    private static <P extends Distribution> void infinite(List<Rule> out, Class<P> p, Function<P, Tensor> param,
                                                          Class<? extends Distribution>... qs) {
        for (Class<? extends Distribution> q : qs) {
            reg(out, p, q, (a, b) -> infiniteLike(param.apply(a)));
        }
    }

    /** The pairs of PyTorch 2.x's {@code kl.py}, in its order of registration (stacked decorators bottom first). */
    private static List<Rule> registry() {
        List<Rule> r = new ArrayList<>();
        // same families
        reg(r, Bernoulli.class, Bernoulli.class, KL::bernoulliBernoulli);
        reg(r, Beta.class, Beta.class, KLMore::betaBeta);
        reg(r, Binomial.class, Binomial.class, KLDiscrete::binomialBinomial);
        reg(r, Categorical.class, Categorical.class, KL::categoricalCategorical);
        reg(r, ContinuousBernoulli.class, ContinuousBernoulli.class, KLContinuous::contBernContBern);
        reg(r, Dirichlet.class, Dirichlet.class, KLMore::dirichletDirichlet);
        reg(r, Exponential.class, Exponential.class, KL::exponentialExponential);
        reg(r, ExponentialFamily.class, ExponentialFamily.class, KLCross::expFamilyExpFamily);
        reg(r, Gamma.class, Gamma.class, KLMore::gammaGamma);
        reg(r, Gumbel.class, Gumbel.class, KLContinuous::gumbelGumbel);
        reg(r, Geometric.class, Geometric.class, KLCross::geometricGeometric);
        reg(r, HalfNormal.class, HalfNormal.class,
            (p, q) -> normalNormal((Normal) p.baseDist(), (Normal) q.baseDist()));
        reg(r, Laplace.class, Laplace.class, KL::laplaceLaplace);
        reg(r, LowRankMultivariateNormal.class, LowRankMultivariateNormal.class, KLDiscrete::lowrankLowrank);
        reg(r, MultivariateNormal.class, LowRankMultivariateNormal.class, KLDiscrete::mvnLowrank);
        reg(r, LowRankMultivariateNormal.class, MultivariateNormal.class, KLDiscrete::lowrankMvn);
        reg(r, MultivariateNormal.class, MultivariateNormal.class, KLMore::mvnMvn);
        reg(r, Normal.class, Normal.class, KL::normalNormal);
        reg(r, OneHotCategorical.class, OneHotCategorical.class,
            (p, q) -> categoricalCategorical(p.categorical(), q.categorical()));
        reg(r, Pareto.class, Pareto.class, KLContinuous::paretoPareto);
        reg(r, Poisson.class, Poisson.class, KLMore::poissonPoisson);
        reg(r, TransformedDistribution.class, TransformedDistribution.class, KL::transformedTransformed);
        reg(r, Uniform.class, Uniform.class, KL::uniformUniform);
        // different families
        reg(r, Bernoulli.class, Poisson.class, KLCross::bernoulliPoisson);
        reg(r, Beta.class, ContinuousBernoulli.class, KLContinuous::toContinuousBernoulli);
        infinite(r, Beta.class, Beta::concentration1, Pareto.class);
        reg(r, Beta.class, Exponential.class, KLCross::betaExponential);
        reg(r, Beta.class, Gamma.class, KLCross::betaGamma);
        reg(r, Beta.class, Normal.class, KLCross::betaNormal);
        reg(r, Beta.class, Uniform.class, KLCross::betaUniform);
        infinite(r, ContinuousBernoulli.class, ContinuousBernoulli::probs, Pareto.class);
        reg(r, ContinuousBernoulli.class, Exponential.class, KLContinuous::contBernExponential);
        reg(r, ContinuousBernoulli.class, Normal.class, KLContinuous::contBernNormal);
        reg(r, ContinuousBernoulli.class, Uniform.class, KLContinuous::contBernUniform);
        infinite(r, Exponential.class, Exponential::rate, Uniform.class, Pareto.class, ContinuousBernoulli.class,
                Beta.class);
        reg(r, Exponential.class, Gamma.class, KLCross::exponentialGamma);
        reg(r, Exponential.class, Gumbel.class, KLContinuous::exponentialGumbel);
        reg(r, Exponential.class, Normal.class, KLCross::exponentialNormal);
        infinite(r, Gamma.class, Gamma::concentration, Uniform.class, Pareto.class, ContinuousBernoulli.class,
                Beta.class);
        reg(r, Gamma.class, Exponential.class, KLCross::gammaExponential);
        reg(r, Gamma.class, Gumbel.class, KLContinuous::gammaGumbel);
        reg(r, Gamma.class, Normal.class, KLCross::gammaNormal);
        infinite(r, Gumbel.class, Gumbel::loc, Uniform.class, Pareto.class, Gamma.class, Exponential.class,
                ContinuousBernoulli.class, Beta.class);
        reg(r, Gumbel.class, Normal.class, KLContinuous::gumbelNormal);
        infinite(r, Laplace.class, Laplace::loc, Uniform.class, Pareto.class, Gamma.class, Exponential.class,
                ContinuousBernoulli.class, Beta.class);
        reg(r, Laplace.class, Normal.class, KLCross::laplaceNormal);
        infinite(r, Normal.class, Normal::loc, Uniform.class, Pareto.class, Gamma.class, Exponential.class,
                ContinuousBernoulli.class, Beta.class);
        reg(r, Normal.class, Gumbel.class, KLContinuous::normalGumbel);
        reg(r, Normal.class, Laplace.class, KLCross::normalLaplace);
        infinite(r, Pareto.class, Pareto::scale, Uniform.class, ContinuousBernoulli.class, Beta.class);
        reg(r, Pareto.class, Exponential.class, KLContinuous::paretoExponential);
        reg(r, Pareto.class, Gamma.class, KLContinuous::paretoGamma);
        reg(r, Pareto.class, Normal.class, KLContinuous::paretoNormal);
        infinite(r, Poisson.class, Poisson::rate, Binomial.class, Bernoulli.class);
        reg(r, Uniform.class, Beta.class, KLCross::uniformBeta);
        reg(r, Uniform.class, ContinuousBernoulli.class, KLContinuous::toContinuousBernoulli);
        reg(r, Uniform.class, Exponential.class, KLCross::uniformExponential);
        reg(r, Uniform.class, Gamma.class, KLCross::uniformGamma);
        reg(r, Uniform.class, Gumbel.class, KLContinuous::uniformGumbel);
        reg(r, Uniform.class, Normal.class, KLCross::uniformNormal);
        reg(r, Uniform.class, Pareto.class, KLContinuous::uniformPareto);
        reg(r, Independent.class, Independent.class, KL::independentIndependent);
        reg(r, Cauchy.class, Cauchy.class, KLContinuous::cauchyCauchy);
        return Collections.unmodifiableList(r);
    }

    /** {@code _infinite_like}: {@code torch.full_like(tensor, inf)} (no history). */
    static Tensor infiniteLike(Tensor t) {
        return t.fullLike(Double.POSITIVE_INFINITY);
    }

    /** {@code result[mask] = value} in place (PyTorch's boolean-mask write: IndexPutBackward0, its mask-shape rules). */
    static Tensor put(Tensor result, Tensor mask, double value) {
        return result.indexPut_(new Index[] {Index.of(mask)}, value, false);
    }

    /** {@code _x_log_x}: {@code x * log(x)}. */
    static Tensor xLogX(Tensor x) {
        return x.mul(x.log());
    }

    static Tensor normalNormal(Normal p, Normal q) {
        Tensor varRatio = p.scale().div(q.scale()).pow(2L);
        Tensor t1 = p.loc().sub(q.loc()).div(q.scale()).pow(2L);
        return varRatio.add(t1).sub(1.0).sub(varRatio.log()).mul(0.5);
    }

    private static Tensor bernoulliBernoulli(Bernoulli p, Bernoulli q) {
        Tensor t1 = p.probs().mul(Functional.softplus(q.logits().neg()).sub(Functional.softplus(p.logits().neg())));
        put(t1, q.probs().eq(0L), Double.POSITIVE_INFINITY);
        put(t1, p.probs().eq(0L), 0.0);
        Tensor t2 = p.probs().rsub(1.0).mul(Functional.softplus(q.logits()).sub(Functional.softplus(p.logits())));
        put(t2, q.probs().eq(1L), Double.POSITIVE_INFINITY);
        put(t2, p.probs().eq(1L), 0.0);
        return t1.add(t2);
    }

    private static Tensor categoricalCategorical(Categorical p, Categorical q) {
        Tensor t = p.probs().mul(p.logits().sub(q.logits()));
        put(t, q.probs().eq(0L).expandAs(t), Double.POSITIVE_INFINITY);
        put(t, p.probs().eq(0L).expandAs(t), 0.0);
        return t.sum(-1);
    }

    private static Tensor uniformUniform(Uniform p, Uniform q) {
        Tensor result = q.high().sub(q.low()).div(p.high().sub(p.low())).log();
        return put(result, q.low().gt(p.low()).logicalOr(q.high().lt(p.high())), Double.POSITIVE_INFINITY);
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

    /** {@code _kl_transformed_transformed}: the bases' divergence where transforms and event shapes agree. */
    private static Tensor transformedTransformed(TransformedDistribution p, TransformedDistribution q) {
        if (!p.transforms().equals(q.transforms()) || !Arrays.equals(p.eventShape(), q.eventShape())) {
            throw new UnsupportedOperationException();
        }
        return klDivergence(p.baseDist(), q.baseDist());
    }

    private static Tensor independentIndependent(Independent p, Independent q) {
        if (p.reinterpretedBatchNdims() != q.reinterpretedBatchNdims()) {
            throw new UnsupportedOperationException();
        }
        return Dist.sumRightmost(klDivergence(p.baseDist(), q.baseDist()), p.reinterpretedBatchNdims());
    }
}
