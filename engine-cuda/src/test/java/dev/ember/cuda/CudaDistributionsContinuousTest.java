package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.distributions.Cauchy;
import dev.ember.distributions.Chi2;
import dev.ember.distributions.ContinuousBernoulli;
import dev.ember.distributions.FisherSnedecor;
import dev.ember.distributions.Gumbel;
import dev.ember.distributions.HalfCauchy;
import dev.ember.distributions.HalfNormal;
import dev.ember.distributions.KL;
import dev.ember.distributions.Kumaraswamy;
import dev.ember.distributions.LogisticNormal;
import dev.ember.distributions.Normal;
import dev.ember.distributions.Pareto;
import dev.ember.distributions.StudentT;
import dev.ember.distributions.VonMises;
import dev.ember.distributions.Weibull;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static dev.ember.cuda.CudaParity.GPU;
import static dev.ember.cuda.CudaParity.p;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The session-21 continuous families on CUDA against the CPU: log_prob, cdf, icdf, entropy, moments and KL with their
 * gradients, and reparameterized samples from a fresh generator of one seed (the same Philox noise on both devices),
 * forward and backward; VonMises' rejection sampler on the device.
 */
@ExtendWith(CudaGate.class)
class CudaDistributionsContinuousTest {
    private static final Generator GEN = new Generator(2121);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor pos(int... shape) {
        return Tensor.rand(GEN, DType.FLOAT32, shape).add(0.5);
    }

    private static Tensor unit(int... shape) {
        return Tensor.rand(GEN, DType.FLOAT32, shape).mul(0.9).add(0.05);
    }

    private static Tensor r(int... shape) {
        return CudaParity.uniform(GEN, 2.0, shape);
    }

    @TestFactory
    List<DynamicTest> densitiesMomentsAndKl() {
        List<DynamicTest> t = new ArrayList<>();
        Tensor v = r(4, 3);
        Tensor pv = pos(4, 3);
        Tensor u = unit(4, 3);
        t.add(p("studentt log_prob", a -> new StudentT(a[0], a[1], a[2]).logProb(v.to(a[0].device())), pos(3).mul(3.0), r(4, 3),
                pos(3)));
        t.add(p("studentt entropy", a -> new StudentT(a[0], a[1], a[2]).entropy(), pos(3).mul(3.0), r(3), pos(3)));
        t.add(p("cauchy cdf", a -> new Cauchy(a[0], a[1]).cdf(v.to(a[0].device())), r(4, 3), pos(3)));
        t.add(p("cauchy icdf", a -> new Cauchy(a[0], a[1]).icdf(u.to(a[0].device())), r(4, 3), pos(3)));
        t.add(p("halfcauchy log_prob", a -> new HalfCauchy(a[0]).logProb(pv.to(a[0].device())), pos(3)));
        t.add(p("halfnormal cdf", a -> new HalfNormal(a[0]).cdf(pv.to(a[0].device())), pos(4, 3)));
        t.add(p("chi2 log_prob", a -> new Chi2(a[0]).logProb(pv.to(a[0].device())), pos(4, 3).mul(3.0)));
        t.add(p("gumbel log_prob", a -> new Gumbel(a[0], a[1]).logProb(v.to(a[0].device())), r(4, 3), pos(3)));
        t.add(p("gumbel cdf", a -> new Gumbel(a[0], a[1]).cdf(v.to(a[0].device())), r(4, 3), pos(3)));
        t.add(p("weibull log_prob", a -> new Weibull(a[0], a[1]).logProb(pv.to(a[0].device())), pos(4, 3), pos(3)));
        t.add(p("weibull variance", a -> new Weibull(a[0], a[1]).variance(), pos(4, 3), pos(3)));
        t.add(p("pareto log_prob", a -> new Pareto(a[0], a[1]).logProb(pv.add(2.0).to(a[0].device())), pos(4, 3), pos(3)));
        t.add(p("fishersnedecor log_prob", a -> new FisherSnedecor(a[0], a[1]).logProb(pv.to(a[0].device())), pos(4, 3),
                pos(3)));
        t.add(p("kumaraswamy log_prob", a -> new Kumaraswamy(a[0], a[1]).logProb(u.to(a[0].device())), pos(4, 3), pos(3)));
        t.add(p("kumaraswamy entropy", a -> new Kumaraswamy(a[0], a[1]).entropy(), pos(4, 3), pos(3)));
        t.add(p("vonmises log_prob", a -> new VonMises(a[0], a[1]).logProb(v.to(a[0].device())), r(4, 3), pos(3).mul(4.0)));
        t.add(p("continuous bernoulli log_prob", a -> ContinuousBernoulli.ofProbs(a[0]).logProb(u.to(a[0].device())),
                unit(4, 3)));
        t.add(p("continuous bernoulli mean", a -> ContinuousBernoulli.ofLogits(a[0]).mean(), r(4, 3)));
        Tensor simplex = pos(4, 4).softmax(-1);
        t.add(p("logistic normal log_prob", a -> new LogisticNormal(a[0], a[1]).logProb(simplex.to(a[0].device())), r(4, 3),
                pos(3)));
        t.add(p("kl gumbel gumbel", a -> KL.klDivergence(new Gumbel(a[0], a[1]), new Gumbel(a[1], a[0].abs().add(0.5))),
                r(4, 3), pos(4, 3)));
        t.add(p("kl normal gumbel", a -> KL.klDivergence(new Normal(a[0], a[1]), new Gumbel(a[1], a[1])), r(4, 3), pos(4, 3)));
        t.add(p("kl cauchy cauchy", a -> KL.klDivergence(new Cauchy(a[0], a[1]), new Cauchy(a[1], a[1])), r(4, 3), pos(4, 3)));
        return t;
    }

    @TestFactory
    List<DynamicTest> reparameterizedSamples() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("cauchy rsample", a -> new Cauchy(a[0], a[1]).rsample(new Generator(5), 6), r(4, 3), pos(3)));
        t.add(p("gumbel rsample", a -> new Gumbel(a[0], a[1]).rsample(new Generator(5), 6), r(4, 3), pos(3)));
        t.add(p("halfnormal rsample", a -> new HalfNormal(a[0]).rsample(new Generator(5), 6), pos(4, 3)));
        t.add(p("weibull rsample", a -> new Weibull(a[0], a[1]).rsample(new Generator(5), 6), pos(4, 3), pos(3)));
        t.add(p("pareto rsample", a -> new Pareto(a[0], a[1]).rsample(new Generator(5), 6), pos(4, 3), pos(3)));
        t.add(p("kumaraswamy rsample", a -> new Kumaraswamy(a[0], a[1]).rsample(new Generator(5), 6), pos(4, 3), pos(3)));
        t.add(p("continuous bernoulli rsample", a -> ContinuousBernoulli.ofProbs(a[0]).rsample(new Generator(5), 6),
                unit(4, 3)));
        t.add(p("logistic normal rsample", a -> new LogisticNormal(a[0], a[1]).rsample(new Generator(5), 6), r(4, 3), pos(3)));
        return t;
    }

    @Test
    void vonMisesSamplesOnTheDevice() {
        VonMises vm = new VonMises(Tensor.tensor(new float[] {2.5f, -1.0f}).to(GPU), Tensor.tensor(new float[] {4f, 1f}).to(GPU));
        Tensor s = vm.sample(new Generator(8), 4000);
        assertEquals(GPU, s.device());
        assertEquals(DType.FLOAT32, s.dtype());
        assertArrayEquals(new int[] {4000, 2}, s.shape());
        assertTrue(s.ge(-Math.PI).all() && s.lt(Math.PI).all());
        double[] mean = s.sin().mean(new int[] {0}, false).atan2(s.cos().mean(new int[] {0}, false)).toDoubleArray();
        assertEquals(2.5, mean[0], 0.05);
        assertEquals(-1.0, mean[1], 0.1);
    }
}
