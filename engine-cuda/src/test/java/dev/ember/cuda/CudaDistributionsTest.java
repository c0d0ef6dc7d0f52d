package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.distributions.Bernoulli;
import dev.ember.distributions.Beta;
import dev.ember.distributions.Categorical;
import dev.ember.distributions.Dirichlet;
import dev.ember.distributions.Exponential;
import dev.ember.distributions.Gamma;
import dev.ember.distributions.Independent;
import dev.ember.distributions.KL;
import dev.ember.distributions.Laplace;
import dev.ember.distributions.LogNormal;
import dev.ember.distributions.MultivariateNormal;
import dev.ember.distributions.Normal;
import dev.ember.distributions.OneHotCategorical;
import dev.ember.distributions.Poisson;
import dev.ember.distributions.Uniform;
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

/**
 * {@code dev.ember.distributions} on CUDA against the CPU: log_prob, entropy, cdf, KL and their gradients, and
 * reparameterized samples from a fresh generator of one seed (Ember's Philox stream gives the same noise on both
 * devices, so rsample is a deterministic function of the parameters), forward and backward; the samplers' values.
 */
@ExtendWith(CudaGate.class)
class CudaDistributionsTest {
    private static final Generator GEN = new Generator(2031);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor pos(int... shape) {
        return Tensor.rand(GEN, DType.FLOAT32, shape).add(0.5);
    }

    private static Tensor r(int... shape) {
        return CudaParity.uniform(GEN, 2.0, shape);
    }

    @TestFactory
    List<DynamicTest> logProbsAndKl() {
        List<DynamicTest> t = new ArrayList<>();
        Tensor v = r(4, 3);
        t.add(p("normal log_prob", a -> new Normal(a[0], a[1]).logProb(v.to(a[0].device())), r(4, 3), pos(3)));
        t.add(p("normal cdf", a -> new Normal(a[0], a[1]).cdf(v.to(a[0].device())), r(4, 3), pos(3)));
        t.add(p("laplace entropy", a -> new Laplace(a[0], a[1]).entropy(), r(4, 3), pos(4, 3)));
        t.add(p("lognormal log_prob", a -> new LogNormal(a[0], a[1]).logProb(pos(4, 3).to(a[0].device())), r(4, 3), pos(3)));
        t.add(p("bernoulli log_prob", a -> Bernoulli.ofLogits(a[0]).logProb(v.gt(0.0).to(DType.FLOAT32).to(a[0].device())),
                r(4, 3)));
        t.add(p("categorical entropy", a -> Categorical.ofLogits(a[0]).entropy(), r(5, 7)));
        t.add(p("categorical log_prob", a -> Categorical.ofLogits(a[0]).logProb(Tensor.tensor(new long[] {0, 3, 6, 2, 1})
                .to(a[0].device())), r(5, 7)));
        t.add(p("independent log_prob", a -> new Independent(new Normal(a[0], a[1]), 1).logProb(v.to(a[0].device())),
                r(4, 3), pos(4, 3)));
        t.add(p("mvn log_prob", a -> MultivariateNormal.ofScaleTril(a[0], a[1].tril().add(Tensor.eye(3).to(a[1].device())))
                .logProb(v.to(a[0].device())), r(3), pos(3, 3)));
        t.add(p("gamma log_prob", a -> new Gamma(a[0], a[1]).logProb(pos(4, 3).to(a[0].device())), pos(4, 3), pos(3)));
        t.add(p("dirichlet entropy", a -> new Dirichlet(a[0]).entropy(), pos(4, 3)));
        t.add(p("kl normal", a -> KL.klDivergence(new Normal(a[0], a[1]), new Normal(a[1], a[0].abs().add(0.5))), r(4, 3),
                pos(4, 3)));
        t.add(p("kl categorical", a -> KL.klDivergence(Categorical.ofLogits(a[0]), Categorical.ofLogits(a[1])), r(5, 7),
                r(5, 7)));
        return t;
    }

    @TestFactory
    List<DynamicTest> reparameterizedSamples() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("normal rsample", a -> new Normal(a[0], a[1]).rsample(new Generator(5), 6), r(4, 3), pos(3)));
        t.add(p("uniform rsample", a -> new Uniform(a[0], a[0].add(a[1])).rsample(new Generator(5), 6), r(4, 3), pos(3)));
        t.add(p("exponential rsample", a -> new Exponential(a[0]).rsample(new Generator(5), 6), pos(4, 3)));
        t.add(p("laplace rsample", a -> new Laplace(a[0], a[1]).rsample(new Generator(5), 6), r(4, 3), pos(3)));
        t.add(p("mvn rsample", a -> MultivariateNormal.ofScaleTril(a[0], a[1].tril().add(Tensor.eye(3).to(a[1].device())))
                .rsample(new Generator(5), 6), r(3), pos(3, 3)));
        t.add(p("gamma rsample", a -> new Gamma(a[0], a[1]).rsample(new Generator(5), 6), pos(4, 3), pos(3)));
        t.add(p("beta rsample", a -> new Beta(a[0], a[1]).rsample(new Generator(5), 6), pos(4, 3), pos(3)));
        return t;
    }

    @Test
    void discreteSamplesMatchTheCpu() {
        Tensor probs = pos(3, 5);
        Tensor cpu = Categorical.ofProbs(probs).sample(new Generator(9), 50);
        Tensor gpu = Categorical.ofProbs(probs.to(GPU)).sample(new Generator(9), 50);
        assertEquals(GPU, gpu.device());
        assertArrayEquals(cpu.toDoubleArray(), gpu.toDoubleArray());
        Tensor oneHot = OneHotCategorical.ofProbs(probs.to(GPU)).sample(new Generator(9), 4);
        assertArrayEquals(new int[] {4, 3, 5}, oneHot.shape());
        Tensor rates = pos(40).mul(10.0);
        assertArrayEquals(new Poisson(rates).sample(new Generator(3), 2).toDoubleArray(),
                new Poisson(rates.to(GPU)).sample(new Generator(3), 2).toDoubleArray());
        Tensor bp = Tensor.rand(GEN, DType.FLOAT32, 30);
        assertArrayEquals(Bernoulli.ofProbs(bp).sample(new Generator(4), 3).toDoubleArray(),
                Bernoulli.ofProbs(bp.to(GPU)).sample(new Generator(4), 3).toDoubleArray());
    }

    @Test
    void samplersMatchTheCpu() {
        assertArrayEquals(Tensor.zeros(64).cauchy_(0, 1, new Generator(1)).toDoubleArray(),
                Tensor.zeros(64).to(GPU).cauchy_(0, 1, new Generator(1)).toDoubleArray(), 1e-5);
        assertArrayEquals(Tensor.zeros(64).logNormal_(0, 1, new Generator(1)).toDoubleArray(),
                Tensor.zeros(64).to(GPU).logNormal_(0, 1, new Generator(1)).toDoubleArray(), 1e-5);
        assertArrayEquals(Tensor.zeros(64).geometric_(0.3, new Generator(1)).toDoubleArray(),
                Tensor.zeros(64).to(GPU).geometric_(0.3, new Generator(1)).toDoubleArray());
        assertArrayEquals(Tensor.zeros(64).random_(-5, 9, new Generator(1)).toDoubleArray(),
                Tensor.zeros(64).to(GPU).random_(-5, 9, new Generator(1)).toDoubleArray());
        Tensor n = Tensor.full(new int[] {64}, 12.0);
        Tensor pr = Tensor.rand(GEN, DType.FLOAT32, 64);
        assertArrayEquals(Tensor.binomial(n, pr, new Generator(2)).toDoubleArray(),
                Tensor.binomial(n.to(GPU), pr.to(GPU), new Generator(2)).toDoubleArray());
    }
}
