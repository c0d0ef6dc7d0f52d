package dev.ember;

import dev.ember.distributions.Beta;
import dev.ember.distributions.Binomial;
import dev.ember.distributions.Dirichlet;
import dev.ember.distributions.Gamma;
import dev.ember.distributions.Geometric;
import dev.ember.distributions.KL;
import dev.ember.distributions.MultivariateNormal;
import dev.ember.distributions.Poisson;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MultivariateNormal, Gamma, Beta, Dirichlet, Poisson, Geometric and Binomial beyond the reference values of
 * {@link DistributionsTest}: gradchecks of log_prob and rsample on float64, the implicit reparameterization gradient of
 * the Gamma family checked by its expectation (d E[x] / d alpha from 20k draws of a fixed seed), sample shapes and
 * statistics, PyTorch's validation messages and reprs (checked with PyTorch 1.13).
 */
class DistributionsMoreTest {
    private static final int N = 20000;

    private static Tensor p64(double... v) {
        return Tensor.tensor(v, DType.FLOAT64).requiresGrad_(true);
    }

    private static Tensor mat(double[][] m) {
        return Tensor.tensor(m, DType.FLOAT64);
    }

    private static final double[][] A = {{2.0, 0.5, 0.1}, {0.5, 1.5, -0.3}, {0.1, -0.3, 1.0}};

    @Test
    void gradchecks() {
        Tensor loc = p64(0.5, -1.0, 2.0);
        Tensor tril = mat(A).linalgCholesky().detach().requiresGrad_(true);
        Tensor value = Tensor.tensor(new double[][] {{0.25, -1.5, 4.0}, {0, 0, 0}}, DType.FLOAT64);
        assertTrue(Autograd.gradcheck(a -> MultivariateNormal.ofScaleTril(a[0], a[1].tril()).logProb(value), loc, tril));
        Tensor cov = mat(A).requiresGrad_(true);
        assertTrue(Autograd.gradcheck(a -> MultivariateNormal.ofCovariance(a[0], a[1].add(a[1].mT()).div(2.0)).logProb(value),
                loc, cov));
        assertTrue(Autograd.gradcheck(a -> MultivariateNormal.ofScaleTril(a[0], a[1].tril()).rsample(new Generator(4), 3),
                loc, tril));
        assertTrue(Autograd.gradcheck(a -> MultivariateNormal.ofScaleTril(a[0], a[1].tril()).entropy(), loc, tril));
        Tensor c = p64(0.5, 2.0, 7.5);
        Tensor r = p64(1.5, 0.3, 2.0);
        Tensor x = Tensor.tensor(new double[] {0.25, 1.5, 4.0}, DType.FLOAT64);
        assertTrue(Autograd.gradcheck(a -> new Gamma(a[0], a[1]).logProb(x), c, r));
        assertTrue(Autograd.gradgradcheck(a -> new Gamma(a[0], a[1]).logProb(x), c, r));
        assertTrue(Autograd.gradgradcheck(a -> MultivariateNormal.ofScaleTril(a[0], a[1].tril()).logProb(value), loc, tril));
        assertTrue(Autograd.gradcheck(a -> new Gamma(a[0], a[1]).entropy(), c, r));
        Tensor u = Tensor.tensor(new double[] {0.25, 0.5, 0.9}, DType.FLOAT64);
        assertTrue(Autograd.gradcheck(a -> new Beta(a[0], a[1]).logProb(u), c, r));
        assertTrue(Autograd.gradcheck(a -> new Dirichlet(a[0]).logProb(Tensor.tensor(new double[] {0.2, 0.3, 0.5}, DType.FLOAT64)),
                c));
        Tensor k = Tensor.tensor(new double[] {0, 3, 6}, DType.FLOAT64);
        assertTrue(Autograd.gradcheck(a -> new Poisson(a[0]).logProb(k), c));
        Tensor probs = p64(0.2, 0.5, 0.9);
        assertTrue(Autograd.gradcheck(a -> Geometric.ofProbs(a[0]).logProb(k), probs));
        Tensor n = Tensor.tensor(new double[] {6, 6, 6}, DType.FLOAT64);
        Tensor logits = p64(-1.0, 0.5, 2.0);
        assertTrue(Autograd.gradcheck(a -> Binomial.ofLogits(n, a[0]).logProb(k), logits));
        assertTrue(Autograd.gradcheck(a -> KL.klDivergence(new Gamma(a[0], a[1]), new Gamma(a[1], a[0])), c, r));
        assertTrue(Autograd.gradcheck(a -> KL.klDivergence(MultivariateNormal.ofScaleTril(a[0], a[1].tril()),
                MultivariateNormal.ofCovariance(a[0].mul(0.5), mat(A))), loc, tril));
    }

    /** The implicit gradient: E[d x / d alpha] = d E[x] / d alpha (1 / rate for Gamma) over 20k draws of one seed. */
    @Test
    void gammaFamilyRsampleGradient() {
        for (double alpha : new double[] {0.4, 2.5, 12.0}) {
            Tensor c = Tensor.full(DType.FLOAT64, alpha).requiresGrad_(true);
            Tensor rate = Tensor.full(DType.FLOAT64, 2.0);
            Tensor s = new Gamma(c, rate).rsample(new Generator(7), N);
            assertEquals(alpha / 2, s.detach().mean().item(), 4 * Math.sqrt(alpha / 4 / N), "mean at alpha " + alpha);
            s.sum().backward();
            assertEquals(0.5, c.grad().item() / N, 0.02, "d E[x] / d alpha at alpha " + alpha);
        }
        // Beta: d E[x] / d c1 = c0 / (c1 + c0)^2
        Tensor c1 = Tensor.full(DType.FLOAT64, 2.0).requiresGrad_(true);
        Tensor c0 = Tensor.full(DType.FLOAT64, 3.0).requiresGrad_(true);
        Tensor b = new Beta(c1, c0).rsample(new Generator(8), N);
        assertEquals(0.4, b.detach().mean().item(), 0.01);
        b.sum().backward();
        assertEquals(3.0 / 25, c1.grad().item() / N, 0.01);
        assertEquals(-2.0 / 25, c0.grad().item() / N, 0.01);
        assertEquals("StandardGammaBackward0", Tensor.standardGamma(c1, new Generator(1)).gradFn().name());
    }

    @Test
    void sampleShapesAndStatistics() {
        Generator g = new Generator(11);
        MultivariateNormal m = MultivariateNormal.ofCovariance(Tensor.tensor(new double[] {1, -1, 0.5}, DType.FLOAT64), mat(A));
        Tensor s = m.sample(g, N);
        assertArrayEquals(new int[] {N, 3}, s.shape());
        Tensor centered = s.sub(s.mean(new int[] {0}, true));
        double[] cov = centered.mT().matmul(centered).div((double) (N - 1)).toDoubleArray();
        for (int i = 0; i < 9; i++) {
            assertEquals(A[i / 3][i % 3], cov[i], 0.08, "covariance " + i);
        }
        assertArrayEquals(new double[] {1, -1, 0.5}, s.mean(new int[] {0}, false).toDoubleArray(), 0.05);
        MultivariateNormal batched = MultivariateNormal.ofScaleTril(Tensor.zeros(DType.FLOAT64, 4, 3), mat(A).linalgCholesky());
        assertArrayEquals(new int[] {4}, batched.batchShape());
        assertArrayEquals(new int[] {3}, batched.eventShape());
        assertArrayEquals(new int[] {2, 5, 4, 3}, batched.sample(g, 2, 5).shape());
        assertArrayEquals(new int[] {2, 5, 4}, batched.logProb(batched.sample(g, 2, 5)).shape());
        Dirichlet d = new Dirichlet(Tensor.tensor(new double[][] {{1, 2, 3}, {0.5, 0.5, 0.5}}, DType.FLOAT64));
        Tensor ds = d.sample(g, N);
        assertArrayEquals(new int[] {N, 2, 3}, ds.shape());
        assertArrayEquals(new double[] {1 / 6.0, 2 / 6.0, 3 / 6.0, 1 / 3.0, 1 / 3.0, 1 / 3.0},
                ds.mean(new int[] {0}, false).toDoubleArray(), 0.01);
        Tensor gs = new Gamma(3.0, 2.0).sample(g, N).to(DType.FLOAT64);
        assertEquals(1.5, gs.mean().item(), 0.03);
        assertEquals(0.75, gs.var().item(), 0.04);
        Tensor ps = new Poisson(Tensor.tensor(new double[] {0.7, 15}, DType.FLOAT64)).sample(g, N);
        assertArrayEquals(new double[] {0.7, 15}, ps.mean(new int[] {0}, false).toDoubleArray(), 0.1);
        Tensor geo = new Geometric(0.25).sample(g, N).to(DType.FLOAT64);
        assertEquals(3.0, geo.mean().item(), 0.1);
        assertEquals(12.0, geo.var().item(), 0.8);
        Tensor bs = Binomial.ofProbs(Tensor.tensor(new double[] {10, 30}, DType.FLOAT64),
                Tensor.tensor(new double[] {0.3, 0.6}, DType.FLOAT64)).sample(g, N);
        assertArrayEquals(new double[] {3, 18}, bs.mean(new int[] {0}, false).toDoubleArray(), 0.08);
        Tensor beta = new Beta(2.0, 5.0).sample(g, N).to(DType.FLOAT64);
        assertEquals(2.0 / 7, beta.mean().item(), 0.005);
        assertArrayEquals(new int[] {6, 2}, Binomial.ofProbs(Tensor.full(new int[] {2}, 5.0), Tensor.full(new int[] {2}, 0.5))
                .enumerateSupport().shape());
    }

    private static String message(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    void validationMessagesAndReprs() {
        Tensor eye = Tensor.eye(2);
        assertEquals("MultivariateNormal(loc: torch.Size([2]), covariance_matrix: torch.Size([2, 2]))",
                MultivariateNormal.ofCovariance(Tensor.zeros(2), eye).toString());
        assertEquals("MultivariateNormal(loc: torch.Size([2]), scale_tril: torch.Size([2, 2]))",
                MultivariateNormal.ofScaleTril(Tensor.zeros(2), eye).toString());
        assertEquals("Gamma(concentration: 1.0, rate: 2.0)", new Gamma(1, 2).toString());
        assertEquals("Beta()", new Beta(1, 2).toString());
        assertEquals("Dirichlet(concentration: torch.Size([3]))", new Dirichlet(Tensor.ones(3)).toString());
        assertEquals("Poisson(rate: 2.0)", new Poisson(2).toString());
        assertEquals("Geometric(probs: 0.5)", new Geometric(0.5).toString());
        assertEquals("Binomial(total_count: torch.Size([2]), probs: torch.Size([2]))",
                Binomial.ofProbs(Tensor.full(new int[] {2}, 5.0), Tensor.tensor(new float[] {0.5f, 0.2f})).toString());
        assertEquals("loc must be at least one-dimensional.", message(() -> MultivariateNormal.ofCovariance(Tensor.scalar(0.0), eye)));
        assertEquals("Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified.",
                message(() -> new MultivariateNormal(Tensor.zeros(2), null, null, null, null)));
        assertEquals("Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified.",
                message(() -> new MultivariateNormal(Tensor.zeros(2), eye, eye, null, null)));
        assertEquals("covariance_matrix must be at least two-dimensional, with optional leading batch dimensions",
                message(() -> MultivariateNormal.ofCovariance(Tensor.zeros(2), Tensor.ones(2))));
        assertEquals("Expected parameter covariance_matrix (Tensor of shape (2, 2)) of distribution MultivariateNormal(loc: "
                + "torch.Size([2]), covariance_matrix: torch.Size([2, 2])) to satisfy the constraint PositiveDefinite(), but "
                + "found invalid values:\ntensor([[1., 2.],\n        [2., 1.]])",
                message(() -> MultivariateNormal.ofCovariance(Tensor.zeros(2), Tensor.tensor(new float[][] {{1, 2}, {2, 1}}))));
        assertEquals("Expected parameter scale_tril (Tensor of shape (2, 2)) of distribution MultivariateNormal(loc: "
                + "torch.Size([2]), scale_tril: torch.Size([2, 2])) to satisfy the constraint LowerCholesky(), but found invalid "
                + "values:\ntensor([[1., 2.],\n        [0., 1.]])",
                message(() -> MultivariateNormal.ofScaleTril(Tensor.zeros(2), Tensor.tensor(new float[][] {{1, 2}, {0, 1}}))));
        assertEquals("Expected parameter concentration (Tensor of shape (1,)) of distribution Gamma(concentration: "
                + "tensor([-1.]), rate: tensor([1.])) to satisfy the constraint GreaterThan(lower_bound=0.0), but found invalid "
                + "values:\ntensor([-1.])", message(() -> new Gamma(Tensor.tensor(new float[] {-1}), Tensor.ones(1))));
        assertEquals("Expected value argument (Tensor of shape (1,)) to be within the support (GreaterThanEq(lower_bound=0.0)) "
                + "of the distribution Gamma(concentration: tensor([1.]), rate: tensor([1.])), but found invalid values:\n"
                + "tensor([-1.])", message(() -> new Gamma(Tensor.ones(1), Tensor.ones(1)).logProb(Tensor.tensor(new float[] {-1}))));
        assertEquals("Expected parameter concentration (Tensor of shape (1, 2)) of distribution Dirichlet(concentration: "
                + "torch.Size([1, 2])) to satisfy the constraint IndependentConstraint(GreaterThan(lower_bound=0.0), 1), but "
                + "found invalid values:\ntensor([[-1.,  1.]])",
                message(() -> new Beta(Tensor.tensor(new float[] {-1}), Tensor.ones(1))));
        assertEquals("Expected value argument (Tensor of shape (1,)) to be within the support (Interval(lower_bound=0.0, "
                + "upper_bound=1.0)) of the distribution Beta(), but found invalid values:\ntensor([1.5000])",
                message(() -> new Beta(Tensor.ones(1), Tensor.ones(1)).logProb(Tensor.tensor(new float[] {1.5f}))));
        assertEquals("`concentration` parameter must be at least one-dimensional.", message(() -> new Dirichlet(Tensor.scalar(1.0))));
        assertEquals("Expected parameter rate (Tensor of shape (1,)) of distribution Poisson(rate: tensor([-1.])) to satisfy "
                + "the constraint GreaterThanEq(lower_bound=0.0), but found invalid values:\ntensor([-1.])",
                message(() -> new Poisson(Tensor.tensor(new float[] {-1}))));
        assertEquals("Expected value argument (Tensor of shape (1,)) to be within the support (IntegerGreaterThan(lower_bound=0)) "
                + "of the distribution Poisson(rate: tensor([1.])), but found invalid values:\ntensor([0.5000])",
                message(() -> new Poisson(Tensor.ones(1)).logProb(Tensor.tensor(new float[] {0.5f}))));
        assertEquals("Expected parameter probs (Tensor of shape (2,)) of distribution Geometric(probs: torch.Size([2])) to be "
                + "positive but found invalid values:\ntensor([0.])",
                message(() -> Geometric.ofProbs(Tensor.tensor(new float[] {0, 0.5f}))));
        assertEquals("Expected parameter probs (Tensor of shape (1,)) of distribution Geometric(probs: tensor([-0.5000])) to "
                + "satisfy the constraint Interval(lower_bound=0.0, upper_bound=1.0), but found invalid values:\ntensor([-0.5000])",
                message(() -> Geometric.ofProbs(Tensor.tensor(new float[] {-0.5f}))));
        assertEquals("Expected parameter total_count (Tensor of shape (1,)) of distribution Binomial(total_count: "
                + "tensor([2.5000]), probs: tensor([0.5000])) to satisfy the constraint IntegerGreaterThan(lower_bound=0), but "
                + "found invalid values:\ntensor([2.5000])",
                message(() -> Binomial.ofProbs(Tensor.tensor(new float[] {2.5f}), Tensor.tensor(new float[] {0.5f}))));
        assertEquals("Expected value argument (Tensor of shape (1,)) to be within the support (IntegerInterval(lower_bound=0, "
                + "upper_bound=tensor([5.]))) of the distribution Binomial(total_count: tensor([5.]), probs: tensor([0.5000])), "
                + "but found invalid values:\ntensor([6.])",
                message(() -> Binomial.ofProbs(Tensor.tensor(new float[] {5}), Tensor.tensor(new float[] {0.5f}))
                        .logProb(Tensor.tensor(new float[] {6}))));
        assertEquals("KL-divergence between two Multivariate Normals with" + " ".repeat(26) + "different event shapes cannot be "
                + "computed", message(() -> KL.klDivergence(MultivariateNormal.ofCovariance(Tensor.zeros(2), eye),
                        MultivariateNormal.ofCovariance(Tensor.zeros(3), Tensor.eye(3)))));
    }

    /** Every public method of each distribution, with null in each object argument in turn: a message naming it, no NPE. */
    @Test
    void nullArguments() throws Exception {
        dev.ember.distributions.Distribution[] ds = {
            new dev.ember.distributions.Normal(0, 1), new dev.ember.distributions.Bernoulli(0.3),
            dev.ember.distributions.Categorical.ofProbs(Tensor.ones(3)), new dev.ember.distributions.Uniform(0, 1),
            new dev.ember.distributions.Exponential(1), new dev.ember.distributions.Laplace(0, 1),
            new dev.ember.distributions.LogNormal(0, 1), dev.ember.distributions.OneHotCategorical.ofProbs(Tensor.ones(3)),
            new dev.ember.distributions.Independent(new dev.ember.distributions.Normal(Tensor.zeros(2), Tensor.ones(2)), 1),
            MultivariateNormal.ofCovariance(Tensor.zeros(2), Tensor.eye(2)), new Gamma(1, 1), new Beta(1, 1),
            new Dirichlet(Tensor.ones(3)), new Poisson(1), new Geometric(0.5),
            Binomial.ofProbs(Tensor.full(new int[] {2}, 3.0), Tensor.full(new int[] {2}, 0.5))};
        java.util.List<String> problems = new java.util.ArrayList<>();
        int calls = 0;
        for (dev.ember.distributions.Distribution d : ds) {
            for (java.lang.reflect.Method m : d.getClass().getMethods()) {
                Class<?>[] ps = m.getParameterTypes();
                if (java.lang.reflect.Modifier.isStatic(m.getModifiers()) || m.getDeclaringClass() == Object.class) {
                    continue;
                }
                for (int i = 0; i < ps.length; i++) {
                    if (ps[i].isPrimitive()) {
                        continue;
                    }
                    Object[] args = new Object[ps.length];
                    for (int j = 0; j < ps.length; j++) {
                        args[j] = j == i ? null : ps[j] == Tensor.class ? Tensor.zeros(2) : ps[j] == int[].class ? new int[0]
                                : ps[j] == Generator.class ? new Generator(1) : ps[j] == boolean.class ? Boolean.TRUE : null;
                    }
                    calls++;
                    try {
                        m.invoke(d, args);
                        problems.add(d + "." + m.getName() + "#" + i + ": accepted null");
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        Throwable t = e.getCause();
                        if (!(t instanceof IllegalArgumentException) || !t.getMessage().contains("null")) {
                            problems.add(d + "." + m.getName() + "#" + i + ": " + t);
                        }
                    }
                }
            }
        }
        assertTrue(calls > 50, "only " + calls + " calls");
        assertEquals(java.util.List.of(), problems);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> KL.klDivergence(null, new Gamma(1, 1))).getMessage()
                .contains("null"));
    }

    /** An expanded distribution keeps its validation, as PyTorch's {@code expand} copies {@code _validate_args}. */
    @Test
    void expandKeepsValidation() {
        assertTrue(message(() -> new dev.ember.distributions.Uniform(0, 1).expand(3).logProb(Tensor.full(new int[] {3}, 2.0)))
                .startsWith("Expected value argument (Tensor of shape (3,)) to be within the support"));
        assertTrue(message(() -> new Gamma(1, 1).expand(2).logProb(Tensor.full(new int[] {2}, -1.0)))
                .startsWith("Expected value argument (Tensor of shape (2,)) to be within the support"));
        assertTrue(message(() -> new Dirichlet(Tensor.ones(3)).expand(2).logProb(Tensor.ones(2, 3)))
                .startsWith("Expected value argument (Tensor of shape (2, 3)) to be within the support (Simplex())"));
        assertTrue(message(() -> MultivariateNormal.ofCovariance(Tensor.zeros(2), Tensor.eye(2)).expand(3)
                .logProb(Tensor.full(new int[] {3, 2}, Double.NaN).to(DType.FLOAT32)))
                .startsWith("Expected value argument (Tensor of shape (3, 2)) to be within the support (IndependentConstraint(Real(), 1))"));
        assertEquals("MultivariateNormal(loc: torch.Size([3, 2]), covariance_matrix: torch.Size([3, 2, 2]))",
                MultivariateNormal.ofCovariance(Tensor.zeros(2), Tensor.eye(2)).expand(3).toString());
        // without validation, no check
        new dev.ember.distributions.Uniform(Tensor.zeros(1), Tensor.ones(1), false).expand(2).logProb(Tensor.full(new int[] {2}, 2.0));
    }

    @Test
    void emptyAndNonContiguousInputs() {
        Tensor locT = Tensor.tensor(new double[][] {{0.5, -1.0}, {2.0, 0.0}, {1.0, 1.0}}, DType.FLOAT64).mT();
        Tensor scaleT = Tensor.tensor(new double[][] {{1.5, 0.3}, {2.0, 1.0}, {0.5, 0.7}}, DType.FLOAT64).mT();
        dev.ember.distributions.Normal nc = new dev.ember.distributions.Normal(locT, scaleT);
        dev.ember.distributions.Normal c = new dev.ember.distributions.Normal(locT.contiguous(), scaleT.contiguous());
        Tensor v = Tensor.tensor(new double[][] {{0.1, 0.2, 0.3}, {-1, 0, 1}}, DType.FLOAT64);
        assertArrayEquals(c.logProb(v).toDoubleArray(), nc.logProb(v).toDoubleArray(), 0.0);
        assertArrayEquals(c.logProb(v.mT().contiguous().mT()).toDoubleArray(), nc.logProb(v).toDoubleArray(), 0.0);
        assertArrayEquals(new Gamma(locT.abs().add(0.5), scaleT).entropy().toDoubleArray(),
                new Gamma(locT.abs().add(0.5).contiguous(), scaleT.contiguous()).entropy().toDoubleArray(), 0.0);
        // empty batches and empty sample shapes
        dev.ember.distributions.Normal empty = new dev.ember.distributions.Normal(Tensor.zeros(0, 3), Tensor.ones(3));
        assertArrayEquals(new int[] {0, 3}, empty.logProb(Tensor.zeros(0, 3)).shape());
        assertArrayEquals(new int[] {2, 0, 3}, empty.sample(2).shape());
        assertArrayEquals(new int[] {0, 3}, empty.entropy().shape());
        assertArrayEquals(new int[] {0}, dev.ember.distributions.Categorical.ofProbs(Tensor.ones(0, 4)).sample(new Generator(1))
                .shape());
        assertArrayEquals(new int[] {0, 2}, new Gamma(Tensor.ones(2), Tensor.ones(2)).rsample(new Generator(1), 0).shape());
        assertArrayEquals(new int[] {0}, Tensor.poisson(Tensor.zeros(0)).shape());
        assertArrayEquals(new int[] {0}, Tensor.zeros(0).cauchy_(0, 1).shape());
    }
}
