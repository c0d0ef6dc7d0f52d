package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.distributions.Binomial;
import dev.ember.distributions.CatTransform;
import dev.ember.distributions.Categorical;
import dev.ember.distributions.CorrCholeskyTransform;
import dev.ember.distributions.ExpTransform;
import dev.ember.distributions.KL;
import dev.ember.distributions.LKJCholesky;
import dev.ember.distributions.LowRankMultivariateNormal;
import dev.ember.distributions.LowerCholeskyTransform;
import dev.ember.distributions.MixtureSameFamily;
import dev.ember.distributions.Multinomial;
import dev.ember.distributions.NegativeBinomial;
import dev.ember.distributions.Normal;
import dev.ember.distributions.RelaxedBernoulli;
import dev.ember.distributions.RelaxedOneHotCategorical;
import dev.ember.distributions.SoftplusTransform;
import dev.ember.distributions.StackTransform;
import dev.ember.distributions.StickBreakingTransform;
import dev.ember.distributions.Transform;
import dev.ember.distributions.Wishart;
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
 * Session 21's distributions and transforms on CUDA against the CPU, forward and backward: Multinomial,
 * NegativeBinomial, MixtureSameFamily, the relaxed families (rsample from a fresh generator of one seed, the same noise on
 * both devices), LowRankMultivariateNormal, LKJCholesky, Wishart, Binomial.entropy, their KL pairs, and the stick-breaking, Cholesky, softplus,
 * cat and stack transforms; Multinomial and NegativeBinomial samples' shapes and devices.
 */
@ExtendWith(CudaGate.class)
class CudaDistributionsDiscreteTest {
    private static final Generator GEN = new Generator(2041);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor pos(int... shape) {
        return Tensor.rand(GEN, DType.FLOAT32, shape).add(0.5);
    }

    private static Tensor unit(int... shape) {
        return Tensor.rand(GEN, DType.FLOAT32, shape).mul(0.8).add(0.1);
    }

    private static Tensor r(int... shape) {
        return CudaParity.uniform(GEN, 2.0, shape);
    }

    @TestFactory
    List<DynamicTest> distributions() {
        List<DynamicTest> t = new ArrayList<>();
        Tensor counts = Tensor.tensor(new double[][] {{1, 0, 2, 1}, {0, 4, 0, 0}, {2, 1, 1, 0}}).to(DType.FLOAT32);
        t.add(p("multinomial log_prob", a -> Multinomial.ofLogits(4, a[0]).logProb(counts.to(a[0].device())), r(3, 4)));
        t.add(p("multinomial entropy", a -> Multinomial.ofLogits(4, a[0]).entropy(), r(3, 4)));
        Tensor k = Tensor.tensor(new double[] {0, 3, 5, 1}).to(DType.FLOAT32);
        t.add(p("negative binomial log_prob", a -> NegativeBinomial.ofLogits(a[0], a[1]).logProb(k.to(a[0].device())),
                pos(4), r(4)));
        Tensor x = r(5, 2);
        t.add(p("mixture log_prob", a -> new MixtureSameFamily(Categorical.ofLogits(a[0]), new Normal(a[1], a[2]))
                .logProb(x.to(a[0].device())), r(2, 3), r(2, 3), pos(2, 3)));
        t.add(p("mixture variance", a -> new MixtureSameFamily(Categorical.ofLogits(a[0]), new Normal(a[1], a[2])).variance(),
                r(2, 3), r(2, 3), pos(2, 3)));
        t.add(p("relaxed bernoulli rsample", a -> RelaxedBernoulli.ofLogits(a[0], a[1]).rsample(new Generator(5), 6),
                pos(), r(4)));
        t.add(p("relaxed one-hot rsample", a -> RelaxedOneHotCategorical.ofLogits(a[0], a[1]).rsample(new Generator(5), 6),
                pos(), r(2, 4)));
        t.add(p("relaxed one-hot log_prob", a -> RelaxedOneHotCategorical.ofLogits(a[0], a[1])
                .logProb(Tensor.tensor(new double[] {0.1, 0.2, 0.3, 0.4}).to(DType.FLOAT32).to(a[0].device())), pos(), r(2, 4)));
        Tensor v = r(3);
        t.add(p("low-rank log_prob", a -> new LowRankMultivariateNormal(a[0], a[1], a[2]).logProb(v.to(a[0].device())),
                r(3), r(3, 2), pos(3)));
        t.add(p("low-rank rsample", a -> new LowRankMultivariateNormal(a[0], a[1], a[2]).rsample(new Generator(5), 4),
                r(3), r(3, 2), pos(3)));
        t.add(p("kl low-rank", a -> KL.klDivergence(new LowRankMultivariateNormal(a[0], a[1], a[2]),
                new LowRankMultivariateNormal(a[1].sum(-1), a[1].mul(0.5), a[2].add(1.0))), r(3), r(3, 2), pos(3)));
        t.add(p("binomial entropy", a -> Binomial.ofLogits(Tensor.full(new int[] {4}, 5.0).to(a[0].device()), a[0]).entropy(),
                r(4)));
        t.add(p("kl binomial", a -> KL.klDivergence(Binomial.ofProbs(Tensor.full(new int[] {4}, 5.0).to(a[0].device()), a[0]),
                Binomial.ofProbs(Tensor.full(new int[] {4}, 5.0).to(a[0].device()), a[1])), unit(4), unit(4)));
        Tensor corr = new CorrCholeskyTransform().forward(r(2, 3));
        Tensor spd = Tensor.tensor(new double[][] {{1.5, 0.2, 0.0}, {0.2, 2.0, 0.4}, {0.0, 0.4, 0.8}}).to(DType.FLOAT32);
        t.add(p("wishart log_prob", a -> new Wishart(a[0], null, null, a[1].tril().add(Tensor.eye(3).to(a[1].device())), null)
                .logProb(spd.to(a[0].device())), pos().add(3.0), pos(3, 3)));
        t.add(p("wishart entropy", a -> new Wishart(a[0], null, null, a[1].tril().add(Tensor.eye(3).to(a[1].device())), null)
                .entropy(), pos(2).add(3.0), pos(3, 3)));
        t.add(p("lkj log_prob", a -> new LKJCholesky(3, a[0], null).logProb(corr.to(a[0].device())), pos(2)));
        return t;
    }

    private static Tensor ladj(Transform t, Tensor x) {
        return t.logAbsDetJacobian(x, t.forward(x));
    }

    @TestFactory
    List<DynamicTest> transforms() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("stick-breaking forward", a -> new StickBreakingTransform().forward(a[0]), r(3, 4)));
        t.add(p("stick-breaking log-det", a -> ladj(new StickBreakingTransform(), a[0]), r(3, 4)));
        t.add(p("corr-cholesky forward", a -> new CorrCholeskyTransform().forward(a[0]), r(2, 6)));
        t.add(p("corr-cholesky log-det", a -> ladj(new CorrCholeskyTransform(), a[0]), r(2, 6)));
        t.add(p("lower-cholesky forward", a -> new LowerCholeskyTransform().forward(a[0]), r(2, 3, 3)));
        t.add(p("softplus log-det", a -> ladj(new SoftplusTransform(), a[0]), r(3, 4)));
        t.add(p("cat forward", a -> new CatTransform(List.of(new ExpTransform(), new SoftplusTransform()), 1, new int[] {1, 3})
                .forward(a[0]), r(3, 4)));
        t.add(p("stack log-det", a -> ladj(new StackTransform(List.of(new ExpTransform(), new SoftplusTransform()), 0), a[0]),
                r(2, 4)));
        return t;
    }

    @Test
    void samplesOnTheDevice() {
        Tensor probs = pos(3, 4).to(GPU);
        Tensor s = Multinomial.ofProbs(7, probs).sample(new Generator(3), 5);
        assertEquals(GPU, s.device());
        assertArrayEquals(new int[] {5, 3, 4}, s.shape());
        assertArrayEquals(new double[15], s.sum(-1).sub(7.0).toDoubleArray(), 0.0);
        Tensor nb = NegativeBinomial.ofProbs(pos(4).to(GPU), unit(4).to(GPU)).sample(new Generator(3), 5);
        assertEquals(GPU, nb.device());
        assertArrayEquals(new int[] {5, 4}, nb.shape());
    }
}
