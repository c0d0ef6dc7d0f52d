package dev.ember;

import dev.ember.distributions.Bernoulli;
import dev.ember.distributions.Beta;
import dev.ember.distributions.Binomial;
import dev.ember.distributions.Categorical;
import dev.ember.distributions.Cauchy;
import dev.ember.distributions.Chi2;
import dev.ember.distributions.ContinuousBernoulli;
import dev.ember.distributions.Dirichlet;
import dev.ember.distributions.Distribution;
import dev.ember.distributions.Exponential;
import dev.ember.distributions.Gamma;
import dev.ember.distributions.Geometric;
import dev.ember.distributions.Gumbel;
import dev.ember.distributions.HalfCauchy;
import dev.ember.distributions.HalfNormal;
import dev.ember.distributions.Independent;
import dev.ember.distributions.KL;
import dev.ember.distributions.Kumaraswamy;
import dev.ember.distributions.Laplace;
import dev.ember.distributions.LogNormal;
import dev.ember.distributions.LogisticNormal;
import dev.ember.distributions.MultivariateNormal;
import dev.ember.distributions.Normal;
import dev.ember.distributions.OneHotCategorical;
import dev.ember.distributions.OneHotCategoricalStraightThrough;
import dev.ember.distributions.Pareto;
import dev.ember.distributions.Poisson;
import dev.ember.distributions.RelaxedBernoulli;
import dev.ember.distributions.RelaxedOneHotCategorical;
import dev.ember.distributions.StudentT;
import dev.ember.distributions.Uniform;
import dev.ember.distributions.Weibull;
import dev.ember.distributions.Wishart;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link KL#klDivergence} for every pair PyTorch 2.x's {@code kl.py} registers, against PyTorch 1.13
 * ({@code klregistry/make_expected.py}): values in float64 and float32 with broadcast batch shapes and 0-dim parameters,
 * the grad_fn, the gradients w.r.t. every parameter (float64 and float32), the infinite pairs, the lookup through
 * subclasses (Chi2 as a Gamma, the TransformedDistributions, OneHotCategoricalStraightThrough), PyTorch's IndexError
 * where a {@code result[mask] = inf} mask has fewer dims than the result, and the errors of pairs with no rule; then
 * gradcheck/gradgradcheck on float64 for the new cross-family formulas.
 */
class KLRegistryTest {
    /** A family of the script: its parameter count and constructor from the case's inputs. */
    private record Family(int params, Function<Tensor[], Distribution> make) {
    }

    private static final Map<String, Family> FAMILIES = Map.ofEntries(
        Map.entry("Normal", new Family(2, a -> new Normal(a[0], a[1]))),
        Map.entry("Laplace", new Family(2, a -> new Laplace(a[0], a[1]))),
        Map.entry("Cauchy", new Family(2, a -> new Cauchy(a[0], a[1]))),
        Map.entry("Gumbel", new Family(2, a -> new Gumbel(a[0], a[1]))),
        Map.entry("LogNormal", new Family(2, a -> new LogNormal(a[0], a[1]))),
        Map.entry("HalfNormal", new Family(1, a -> new HalfNormal(a[0]))),
        Map.entry("HalfCauchy", new Family(1, a -> new HalfCauchy(a[0]))),
        Map.entry("Beta", new Family(2, a -> new Beta(a[0], a[1]))),
        Map.entry("Gamma", new Family(2, a -> new Gamma(a[0], a[1]))),
        Map.entry("Chi2", new Family(1, a -> new Chi2(a[0]))),
        Map.entry("Exponential", new Family(1, a -> new Exponential(a[0]))),
        Map.entry("Poisson", new Family(1, a -> new Poisson(a[0]))),
        Map.entry("Uniform", new Family(2, a -> new Uniform(a[0], a[0].add(a[1])))),
        Map.entry("Pareto", new Family(2, a -> new Pareto(a[0], a[1]))),
        Map.entry("Weibull", new Family(2, a -> new Weibull(a[0], a[1]))),
        Map.entry("Kumaraswamy", new Family(2, a -> new Kumaraswamy(a[0], a[1]))),
        Map.entry("ContinuousBernoulli", new Family(1, a -> ContinuousBernoulli.ofProbs(a[0]))),
        Map.entry("Bernoulli", new Family(1, a -> Bernoulli.ofProbs(a[0]))),
        Map.entry("Geometric", new Family(1, a -> Geometric.ofProbs(a[0]))),
        Map.entry("Binomial", new Family(2, a -> Binomial.ofProbs(a[0], a[1]))),
        Map.entry("Categorical", new Family(1, a -> Categorical.ofProbs(a[0]))),
        Map.entry("OneHotCategorical", new Family(1, a -> OneHotCategorical.ofProbs(a[0]))),
        Map.entry("OneHotCategoricalStraightThrough", new Family(1, a -> OneHotCategoricalStraightThrough.ofProbs(a[0]))),
        Map.entry("Dirichlet", new Family(1, a -> new Dirichlet(a[0]))),
        Map.entry("IndependentNormal", new Family(2, a -> new Independent(new Normal(a[0], a[1]), 1))),
        Map.entry("LogisticNormal", new Family(2, a -> new LogisticNormal(a[0], a[1]))),
        Map.entry("RelaxedBernoulli", new Family(2, a -> RelaxedBernoulli.ofProbs(a[0], a[1]))),
        Map.entry("RelaxedOneHotCategorical", new Family(2, a -> RelaxedOneHotCategorical.ofProbs(a[0], a[1]))),
        Map.entry("MultivariateNormal", new Family(2, a -> MultivariateNormal.ofCovariance(a[0], a[1]))),
        Map.entry("Wishart", new Family(2, a -> Wishart.ofCovariance(a[0], a[1]))),
        Map.entry("StudentT", new Family(3, a -> new StudentT(a[0], a[1], a[2]))));

    /** The case {@code "P-Q variant"}: p from the first inputs, q from the rest. */
    private static Function<Tensor[], Tensor> op(String name) {
        String[] pq = name.substring(0, name.indexOf(' ')).split("-");
        Family p = FAMILIES.get(pq[0]);
        Family q = FAMILIES.get(pq[1]);
        return a -> {
            Distribution dp = p.make().apply(Arrays.copyOfRange(a, 0, p.params()));
            Distribution dq = q.make().apply(Arrays.copyOfRange(a, p.params(), p.params() + q.params()));
            try {
                return KL.klDivergence(dp, dq);
            } catch (UnsupportedOperationException e) {
                // the script writes PyTorch's bare NotImplementedError (the TransformedDistribution rule) as <bare>
                if (e.getMessage() == null) {
                    throw new UnsupportedOperationException("<bare>");
                }
                throw e;
            }
        };
    }

    @TestFactory
    List<DynamicTest> againstPyTorch() {
        return ReferenceCases.tests("/klregistry/expected.txt", KLRegistryTest::op, 2e-5);
    }

    private static Tensor pos(double... v) {
        return Tensor.tensor(v, DType.FLOAT64, Device.CPU).requiresGrad_(true);
    }

    @Test
    void gradcheckCrossFamilies() {
        Tensor a = pos(0.7, 1.3, 2.1);
        Tensor b = pos(1.9, 0.6, 1.2);
        Tensor c = pos(0.4, -0.8, 1.5);
        Tensor d = pos(1.1, 2.4, 0.8);
        List<Function<Tensor[], Tensor>> fns = List.of(
            t -> KL.klDivergence(new Beta(t[0], t[1]), new Normal(t[2], t[3])),
            t -> KL.klDivergence(new Beta(t[0], t[1]), new Gamma(t[2].abs(), t[3])),
            t -> KL.klDivergence(new Beta(t[0], t[1]), new Exponential(t[3])),
            t -> KL.klDivergence(new Exponential(t[0]), new Gamma(t[1], t[3])),
            t -> KL.klDivergence(new Exponential(t[0]), new Normal(t[2], t[3])),
            t -> KL.klDivergence(new Gamma(t[0], t[1]), new Exponential(t[3])),
            t -> KL.klDivergence(new Gamma(t[0], t[1]), new Normal(t[2], t[3])),
            t -> KL.klDivergence(new Laplace(t[2], t[0]), new Normal(t[3], t[1])),
            t -> KL.klDivergence(new Normal(t[2], t[0]), new Laplace(t[3], t[1])),
            t -> KL.klDivergence(new Uniform(t[2], t[2].add(t[0])), new Normal(t[3], t[1])),
            t -> KL.klDivergence(new Uniform(t[0], t[0].add(t[1])), new Gamma(t[3], t[1])),
            t -> KL.klDivergence(new Uniform(t[0], t[0].add(t[1])), new Exponential(t[3])),
            t -> KL.klDivergence(new Uniform(t[0].mul(0.1), t[0].mul(0.1).add(0.5)), new Beta(t[1], t[3])),
            t -> KL.klDivergence(Geometric.ofProbs(t[0].mul(0.2)), Geometric.ofProbs(t[1].mul(0.3))),
            t -> KL.klDivergence(Bernoulli.ofProbs(t[0].mul(0.2)), new Poisson(t[1])));
        for (Function<Tensor[], Tensor> f : fns) {
            assertTrue(Autograd.gradcheck(f::apply, a, b, c, d));
            assertTrue(Autograd.gradgradcheck(f::apply, a, b, c, d));
        }
    }
}
