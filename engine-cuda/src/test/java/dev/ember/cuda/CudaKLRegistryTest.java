package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.distributions.Bernoulli;
import dev.ember.distributions.Beta;
import dev.ember.distributions.Exponential;
import dev.ember.distributions.Gamma;
import dev.ember.distributions.Geometric;
import dev.ember.distributions.KL;
import dev.ember.distributions.Laplace;
import dev.ember.distributions.Normal;
import dev.ember.distributions.Pareto;
import dev.ember.distributions.Poisson;
import dev.ember.distributions.Uniform;
import dev.ember.distributions.Wishart;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static dev.ember.cuda.CudaParity.p;

/**
 * The session-22 KL pairs on CUDA against the CPU, forward and backward: the cross-family formulas (KLCross), the
 * masked-infinite ones (index_put of inf on the device), Bernoulli-Poisson, Geometric and the Wishart Bregman rule.
 */
@ExtendWith(CudaGate.class)
class CudaKLRegistryTest {
    private static final Generator GEN = new Generator(2222);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor pos(int... shape) {
        return Tensor.rand(GEN, DType.FLOAT32, shape).mul(2.0).add(0.3);
    }

    private static Tensor unit(int... shape) {
        return Tensor.rand(GEN, DType.FLOAT32, shape).mul(0.8).add(0.1);
    }

    private static Tensor r(int... shape) {
        return CudaParity.uniform(GEN, 2.0, shape);
    }

    @TestFactory
    List<DynamicTest> crossFamilies() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("beta normal", a -> KL.klDivergence(new Beta(a[0], a[1]), new Normal(a[2], a[1])), pos(4, 3), pos(4, 3),
                r(3)));
        t.add(p("beta gamma", a -> KL.klDivergence(new Beta(a[0], a[1]), new Gamma(a[1], a[0])), pos(4, 3), pos(4, 3)));
        t.add(p("beta exponential", a -> KL.klDivergence(new Beta(a[0], a[1]), new Exponential(a[1])), pos(4, 3), pos(4, 3)));
        t.add(p("exponential gamma", a -> KL.klDivergence(new Exponential(a[0]), new Gamma(a[1], a[0])), pos(4, 3), pos(3)));
        t.add(p("exponential normal", a -> KL.klDivergence(new Exponential(a[0]), new Normal(a[1], a[0])), pos(4, 3), r(3)));
        t.add(p("gamma exponential", a -> KL.klDivergence(new Gamma(a[0], a[1]), new Exponential(a[1])), pos(4, 3), pos(3)));
        t.add(p("gamma normal", a -> KL.klDivergence(new Gamma(a[0], a[1]), new Normal(a[2], a[1])), pos(4, 3), pos(3), r(3)));
        t.add(p("laplace normal", a -> KL.klDivergence(new Laplace(a[0], a[1]), new Normal(a[1], a[1])), r(4, 3), pos(3)));
        t.add(p("normal laplace", a -> KL.klDivergence(new Normal(a[0], a[1]), new Laplace(a[1], a[1])), r(4, 3), pos(3)));
        t.add(p("uniform normal", a -> KL.klDivergence(new Uniform(a[0], a[0].add(a[1])), new Normal(a[1], a[1])), r(4, 3),
                pos(4, 3)));
        t.add(p("uniform gamma (masked)", a -> KL.klDivergence(new Uniform(a[0], a[0].add(a[1])), new Gamma(a[1], a[1])),
                r(4, 3), pos(4, 3)));
        t.add(p("uniform beta (masked)", a -> KL.klDivergence(new Uniform(a[0], a[0].add(0.5)), new Beta(a[1], a[1])),
                unit(4, 3).sub(0.2), pos(4, 3)));
        t.add(p("pareto exponential (masked)", a -> KL.klDivergence(new Pareto(a[0], a[1]), new Exponential(a[0])),
                pos(4, 3), pos(4, 3)));
        t.add(p("geometric", a -> KL.klDivergence(Geometric.ofProbs(a[0]), Geometric.ofProbs(a[1])), unit(4, 3), unit(3)));
        t.add(p("bernoulli poisson", a -> KL.klDivergence(Bernoulli.ofProbs(a[0]), new Poisson(a[1])), unit(4, 3), pos(3)));
        t.add(p("wishart bregman", a -> KL.klDivergence(
                Wishart.ofCovariance(a[0].add(2.0), Tensor.eye(3, 3, DType.FLOAT32).mul(1.5).to(a[0].device())),
                Wishart.ofCovariance(a[0].add(3.0), a[1].matmul(a[1].mT()).add(Tensor.eye(3, 3, DType.FLOAT32)
                        .to(a[1].device())))), pos(2), r(2, 3, 3)));
        return t;
    }
}
