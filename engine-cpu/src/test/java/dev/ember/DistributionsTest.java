package dev.ember;

import dev.ember.distributions.Bernoulli;
import dev.ember.distributions.Beta;
import dev.ember.distributions.Binomial;
import dev.ember.distributions.Dirichlet;
import dev.ember.distributions.Gamma;
import dev.ember.distributions.Geometric;
import dev.ember.distributions.MultivariateNormal;
import dev.ember.distributions.Poisson;
import dev.ember.distributions.Categorical;
import dev.ember.distributions.Cauchy;
import dev.ember.distributions.Distribution;
import dev.ember.distributions.Exponential;
import dev.ember.distributions.Independent;
import dev.ember.distributions.KL;
import dev.ember.distributions.Laplace;
import dev.ember.distributions.LogNormal;
import dev.ember.distributions.Normal;
import dev.ember.distributions.OneHotCategorical;
import dev.ember.distributions.Uniform;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code dev.ember.distributions} against {@code torch.distributions} ({@code distributions/make_expected.py}): log_prob,
 * cdf, icdf, entropy, mean, mode, variance, stddev, enumerate_support and KL values with the gradients of their sums;
 * gradchecks of log_prob, rsample and KL on float64; sample shapes; sample statistics from 20k draws of a fixed seed;
 * PyTorch's validation messages and reprs.
 */
class DistributionsTest {
    private static final String RESOURCE = "/distributions/expected.txt";

    static void assertClose(String what, Tensor expected, Tensor got, double tol) {
        assertEquals(expected.dtype(), got.dtype(), what + " dtype");
        assertArrayEquals(expected.shape(), got.shape(), what + " shape");
        double[] e = expected.toDoubleArray();
        double[] g = got.detach().toDoubleArray();
        for (int i = 0; i < e.length; i++) {
            boolean ok = Double.isNaN(e[i]) ? Double.isNaN(g[i])
                    : e[i] == g[i] || Math.abs(e[i] - g[i]) <= tol * Math.max(1, Math.abs(e[i]));
            assertTrue(ok, what + "[" + i + "]: PyTorch " + e[i] + ", Ember " + g[i]);
        }
    }

    private static Distribution make(String name, Tensor[] in) {
        String kind = name.split(" ")[0];
        switch (kind) {
            case "normal":
                return new Normal(in[0], in[1]);
            case "bernoulli":
                return name.contains("logits") ? Bernoulli.ofLogits(in[0]) : Bernoulli.ofProbs(in[0]);
            case "categorical":
                return name.contains("logits") ? Categorical.ofLogits(in[0]) : Categorical.ofProbs(in[0]);
            case "uniform":
                return new Uniform(in[0], in[1]);
            case "exponential":
                return new Exponential(in[0]);
            case "laplace":
                return new Laplace(in[0], in[1]);
            case "lognormal":
                return new LogNormal(in[0], in[1]);
            case "onehot":
                return OneHotCategorical.ofProbs(in[0]);
            case "independent":
                return new Independent(new Normal(in[0], in[1]), 1);
            case "mvn":
                return name.contains("covariance") ? MultivariateNormal.ofCovariance(in[0], in[1])
                        : name.contains("precision") ? MultivariateNormal.ofPrecision(in[0], in[1])
                        : MultivariateNormal.ofScaleTril(in[0], in[1]);
            case "gamma":
                return new Gamma(in[0], in[1]);
            case "beta":
                return new Beta(in[0], in[1]);
            case "dirichlet":
                return new Dirichlet(in[0]);
            case "poisson":
                return new Poisson(in[0]);
            case "geometric":
                return name.contains("logits") ? Geometric.ofLogits(in[0]) : Geometric.ofProbs(in[0]);
            case "binomial":
                return name.contains("logits") ? Binomial.ofLogits(in[0], in[1]) : Binomial.ofProbs(in[0], in[1]);
            default:
                throw new IllegalArgumentException(name);
        }
    }

    private static Tensor[] inputs(Map<String, String> lines) {
        List<Tensor> ins = new ArrayList<>();
        for (int i = 0; lines.containsKey("in" + i); i++) {
            Tensor t = PyTorchCases.tensor(lines.get("in" + i));
            ins.add(t.dtype().isFloatingPoint() ? t.requiresGrad_(true) : t);
        }
        return ins.toArray(new Tensor[0]);
    }

    private static double tol(Tensor t) {
        return t.dtype() == DType.FLOAT32 ? 2e-6 : 1e-12;
    }

    @TestFactory
    List<DynamicTest> againstPyTorch() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ReferenceCases.Case c : ReferenceCases.byFirstWord(RESOURCE)) {
            if (c.key().startsWith("kl ")) {
                tests.add(DynamicTest.dynamicTest(c.key(), () -> runKl(c)));
            } else {
                tests.add(DynamicTest.dynamicTest(c.key(), () -> runCase(c)));
            }
        }
        return tests;
    }

    private static void check(String what, Map<String, String> lines, Function<Void, Tensor> f) {
        String e = lines.get(what);
        if (e != null) {
            Tensor expected = PyTorchCases.tensor(e);
            assertClose(what, expected, f.apply(null), tol(expected));
        }
    }

    private static void runCase(ReferenceCases.Case c) {
        Map<String, String> l = c.lines();
        Tensor[] in = inputs(l);
        Distribution d = make(c.key(), in);
        check("mean", l, v -> d.mean());
        check("mode", l, v -> d.mode());
        check("variance", l, v -> d.variance());
        check("stddev", l, v -> d.stddev());
        check("entropy", l, v -> d.entropy());
        check("support", l, v -> d.enumerateSupport());
        if (d instanceof MultivariateNormal) {
            MultivariateNormal m = (MultivariateNormal) d;
            check("scale_tril", l, v -> m.scaleTril());
            check("covariance_matrix", l, v -> m.covarianceMatrix());
            check("precision_matrix", l, v -> m.precisionMatrix());
        }
        if (l.containsKey("value")) {
            Tensor value = PyTorchCases.tensor(l.get("value"));
            Tensor lp = d.logProb(value);
            check("logprob", l, v -> lp);
            check("cdf", l, v -> d.cdf(value));
            lp.sum().backward();
            for (int i = 0; i < in.length; i++) {
                String g = l.get("glp" + i);
                if ("none".equals(g)) {
                    assertNull(in[i].grad(), "glp" + i);
                } else if (g != null) {
                    Tensor expected = PyTorchCases.tensor(g);
                    assertClose("glp" + i, expected, in[i].grad(), tol(expected) * 10);
                }
            }
        }
        if (l.containsKey("q")) {
            Tensor q = PyTorchCases.tensor(l.get("q"));
            check("icdf", l, v -> d.icdf(q));
        }
    }

    private static Distribution klSide(String kind, Tensor[] in, int from) {
        switch (kind) {
            case "normal":
                return new Normal(in[from], in[from + 1]);
            case "bernoulli":
                return Bernoulli.ofProbs(in[from]);
            case "categorical":
                return Categorical.ofProbs(in[from]);
            case "uniform":
                return new Uniform(in[from], in[from + 1]);
            case "exponential":
                return new Exponential(in[from]);
            case "laplace":
                return new Laplace(in[from], in[from + 1]);
            case "lognormal":
                return new LogNormal(in[from], in[from + 1]);
            case "independent":
                return new Independent(new Normal(in[from], in[from + 1]), 1);
            case "mvn":
                return MultivariateNormal.ofCovariance(in[from], in[from + 1]);
            case "gamma":
                return new Gamma(in[from], in[from + 1]);
            case "beta":
                return new Beta(in[from], in[from + 1]);
            case "dirichlet":
                return new Dirichlet(in[from]);
            case "poisson":
                return new Poisson(in[from]);
            default:
                throw new IllegalArgumentException(kind);
        }
    }

    private static void runKl(ReferenceCases.Case c) {
        Map<String, String> l = c.lines();
        Tensor[] in = inputs(l);
        String kind = c.key().substring(3);
        int half = in.length / 2;
        Tensor r = KL.klDivergence(klSide(kind, in, 0), klSide(kind, in, half));
        assertClose("out", PyTorchCases.tensor(l.get("out")), r, 1e-12);
        Tensor finite = Tensor.where(r.isfinite(), r, r.zerosLike());
        finite.sum().backward();
        for (int i = 0; i < in.length; i++) {
            String g = l.get("gkl" + i);
            if ("none".equals(g)) {
                assertNull(in[i].grad(), "gkl" + i);
            } else {
                assertClose("gkl" + i, PyTorchCases.tensor(g), in[i].grad(), 1e-11);
            }
        }
    }

    // ------------------------------------------------------------------ gradchecks

    private static Tensor p64(double... v) {
        return Tensor.tensor(v, DType.FLOAT64).requiresGrad_(true);
    }

    @Test
    void logProbGradchecks() {
        Tensor loc = p64(0.5, -1.0, 2.0);
        Tensor scale = p64(1.5, 0.3, 2.0);
        Tensor value = Tensor.tensor(new double[] {0.25, -1.5, 4.0}, DType.FLOAT64);
        assertTrue(Autograd.gradcheck(a -> new Normal(a[0], a[1]).logProb(value), loc, scale));
        assertTrue(Autograd.gradgradcheck(a -> new Normal(a[0], a[1]).logProb(value), loc, scale));
        assertTrue(Autograd.gradcheck(a -> new Laplace(a[0], a[1]).logProb(value), loc, scale));
        assertTrue(Autograd.gradcheck(a -> new Normal(a[0], a[1]).cdf(value), loc, scale));
        assertTrue(Autograd.gradcheck(a -> new Normal(a[0], a[1]).entropy(), loc, scale));
        Tensor pos = Tensor.tensor(new double[] {0.25, 1.5, 4.0}, DType.FLOAT64);
        assertTrue(Autograd.gradcheck(a -> new LogNormal(a[0], a[1]).logProb(pos), loc, scale));
        assertTrue(Autograd.gradcheck(a -> new Exponential(a[0]).logProb(pos), scale));
        Tensor logits = p64(-1.5, 0.0, 2.5);
        Tensor bits = Tensor.tensor(new double[] {1, 0, 1}, DType.FLOAT64);
        assertTrue(Autograd.gradcheck(a -> Bernoulli.ofLogits(a[0]).logProb(bits), logits));
        assertTrue(Autograd.gradcheck(a -> Bernoulli.ofLogits(a[0]).entropy(), logits));
        Tensor catLogits = p64(0.5, -1.0, 2.0, 0.0, 1.0, 1.0, -3.0, 0.5).reshape(2, 4).detach().requiresGrad_(true);
        Tensor idx = Tensor.tensor(new long[] {3, 1}, DType.INT64);
        assertTrue(Autograd.gradcheck(a -> Categorical.ofLogits(a[0]).logProb(idx), catLogits));
        assertTrue(Autograd.gradcheck(a -> Categorical.ofLogits(a[0]).entropy(), catLogits));
        assertTrue(Autograd.gradgradcheck(a -> Categorical.ofLogits(a[0]).logProb(idx), catLogits));
        assertTrue(Autograd.gradgradcheck(a -> Bernoulli.ofLogits(a[0]).logProb(bits), logits));
        Tensor probs = p64(0.2, 0.3, 0.5);
        assertTrue(Autograd.gradcheck(a -> Categorical.ofProbs(a[0]).logProb(Tensor.tensor(new long[] {1}, DType.INT64)),
                probs));
    }

    @Test
    void rsampleGradchecks() {
        Tensor loc = p64(0.5, -1.0);
        Tensor scale = p64(1.5, 0.3);
        // a fresh generator of one seed per call: the same noise each time, so the sample is a function of the parameters
        assertTrue(Autograd.gradcheck(a -> new Normal(a[0], a[1]).rsample(new Generator(3), 4), loc, scale));
        assertTrue(Autograd.gradcheck(a -> new Laplace(a[0], a[1]).rsample(new Generator(3), 4), loc, scale));
        assertTrue(Autograd.gradcheck(a -> new LogNormal(a[0], a[1]).rsample(new Generator(3), 4), loc, scale));
        assertTrue(Autograd.gradcheck(a -> new Exponential(a[0]).rsample(new Generator(3), 4), scale));
        Tensor high = p64(2.0, 0.5);
        assertTrue(Autograd.gradcheck(a -> new Uniform(a[0], a[1]).rsample(new Generator(3), 4), loc, high));
        assertTrue(Autograd.gradcheck(a -> new Independent(new Normal(a[0], a[1]), 1).rsample(new Generator(3), 3), loc, scale));
    }

    @Test
    void klGradchecks() {
        Tensor a0 = p64(0.5, -1.0);
        Tensor a1 = p64(1.5, 0.3);
        Tensor b0 = p64(0.0, 1.0);
        Tensor b1 = p64(1.0, 2.0);
        assertTrue(Autograd.gradcheck(a -> KL.klDivergence(new Normal(a[0], a[1]), new Normal(a[2], a[3])), a0, a1, b0, b1));
        assertTrue(Autograd.gradgradcheck(a -> KL.klDivergence(new Normal(a[0], a[1]), new Normal(a[2], a[3])), a0, a1, b0, b1));
        assertTrue(Autograd.gradcheck(a -> KL.klDivergence(new Laplace(a[0], a[1]), new Laplace(a[2], a[3])), a0, a1, b0, b1));
        Tensor p = p64(0.2, 0.5, 0.9);
        Tensor q = p64(0.4, 0.5, 0.1);
        assertTrue(Autograd.gradcheck(a -> KL.klDivergence(Bernoulli.ofProbs(a[0]), Bernoulli.ofProbs(a[1])), p, q));
        assertTrue(Autograd.gradcheck(a -> KL.klDivergence(new Exponential(a[0]), new Exponential(a[1])), p, q));
    }

    // ------------------------------------------------------------------ shapes

    @Test
    void sampleShapes() {
        Generator g = new Generator(5);
        Normal n = new Normal(Tensor.zeros(2, 3), Tensor.ones(3));
        assertArrayEquals(new int[] {2, 3}, n.batchShape());
        assertArrayEquals(new int[0], n.eventShape());
        assertArrayEquals(new int[] {4, 5, 2, 3}, n.sample(g, 4, 5).shape());
        assertArrayEquals(new int[] {2, 3}, n.sample().shape());
        assertArrayEquals(new int[] {7, 2, 3}, n.rsample(g, 7).shape());
        Independent ind = new Independent(n, 1);
        assertArrayEquals(new int[] {2}, ind.batchShape());
        assertArrayEquals(new int[] {3}, ind.eventShape());
        assertArrayEquals(new int[] {4, 2, 3}, ind.sample(g, 4).shape());
        assertArrayEquals(new int[] {4, 2}, ind.logProb(ind.sample(g, 4)).shape());
        Categorical c = Categorical.ofProbs(Tensor.ones(2, 4));
        Tensor cs = c.sample(g, 6);
        assertArrayEquals(new int[] {6, 2}, cs.shape());
        assertEquals(DType.INT64, cs.dtype());
        assertArrayEquals(new int[] {6, 2}, c.logProb(cs).shape());
        assertArrayEquals(new int[] {4, 2}, c.enumerateSupport().shape());
        assertArrayEquals(new int[] {4, 1}, c.enumerateSupport(false).shape());
        OneHotCategorical o = OneHotCategorical.ofProbs(Tensor.ones(2, 4));
        assertArrayEquals(new int[] {2}, o.batchShape());
        assertArrayEquals(new int[] {4}, o.eventShape());
        Tensor os = o.sample(g, 3, 5);
        assertArrayEquals(new int[] {3, 5, 2, 4}, os.shape());
        assertArrayEquals(new int[] {3, 5, 2}, o.logProb(os).shape());
        assertArrayEquals(new int[] {4, 2, 4}, o.enumerateSupport().shape());
        Bernoulli b = Bernoulli.ofProbs(Tensor.full(new int[] {3}, 0.5));
        assertArrayEquals(new int[] {2, 3}, b.sample(g, 2).shape());
        assertArrayEquals(new int[] {2, 3}, b.enumerateSupport().shape());
        for (Distribution d : new Distribution[] {new Uniform(0, 1), new Exponential(2), new Laplace(0, 1), new LogNormal(0, 1)}) {
            assertArrayEquals(new int[] {3, 2}, d.sample(g, 3, 2).shape(), d.toString());
            assertArrayEquals(new int[] {3, 2}, d.rsample(g, 3, 2).shape(), d.toString());
            assertArrayEquals(new int[] {4}, d.expand(4).sample(g).shape(), d.toString());
        }
        assertArrayEquals(new int[] {0, 2, 3}, n.sample(g, 0).shape());
        assertArrayEquals(new int[] {3, 2, 3}, n.expand(3, 2, 3).batchShape());
        assertArrayEquals(new int[] {5, 2}, c.expand(5, 2).batchShape());
        assertArrayEquals(new int[] {5, 2}, ind.expand(5, 2).batchShape());
        assertArrayEquals(new int[] {3}, ind.expand(5, 2).eventShape());
    }

    @Test
    void sampleHasNoHistoryAndRsampleDoes() {
        Tensor loc = Tensor.zeros(DType.FLOAT64, 2).requiresGrad_(true);
        Normal n = new Normal(loc, Tensor.ones(DType.FLOAT64, 2));
        assertFalse(n.sample(3).requiresGrad());
        assertTrue(n.rsample(3).requiresGrad());
        assertTrue(n.hasRsample());
        assertFalse(Bernoulli.ofProbs(Tensor.full(new int[] {2}, 0.5)).hasRsample());
        assertThrows(UnsupportedOperationException.class, () -> Bernoulli.ofProbs(Tensor.full(new int[] {2}, 0.5)).rsample());
        assertThrows(UnsupportedOperationException.class, () -> new Normal(0, 1).enumerateSupport());
    }

    // ------------------------------------------------------------------ statistics

    private static double[] meanVar(Tensor s) {
        Tensor d = s.to(DType.FLOAT64);
        return new double[] {d.mean().item(), d.var().item()};
    }

    /** 20k draws of a fixed seed: the sample mean and variance within about 4 standard errors of the true ones. */
    @Test
    void sampleStatistics() {
        int n = 20000;
        Generator g = new Generator(2026);
        double[] mv = meanVar(new Normal(1.5, 2.0).sample(g, n));
        assertEquals(1.5, mv[0], 0.06);
        assertEquals(4.0, mv[1], 0.2);
        mv = meanVar(Bernoulli.ofProbs(Tensor.scalar(0.3)).sample(g, n));
        assertEquals(0.3, mv[0], 0.015);
        mv = meanVar(new Uniform(-1, 3).sample(g, n));
        assertEquals(1.0, mv[0], 0.05);
        assertEquals(16.0 / 12, mv[1], 0.05);
        mv = meanVar(new Exponential(2.0).sample(g, n));
        assertEquals(0.5, mv[0], 0.015);
        assertEquals(0.25, mv[1], 0.025);
        mv = meanVar(new Laplace(-1, 0.5).sample(g, n));
        assertEquals(-1.0, mv[0], 0.02);
        assertEquals(0.5, mv[1], 0.04);
        mv = meanVar(new LogNormal(0, 0.5).sample(g, n));
        assertEquals(Math.exp(0.125), mv[0], 0.02);
        assertEquals(Math.expm1(0.25) * Math.exp(0.25), mv[1], 0.03);
        Tensor probs = Tensor.tensor(new double[] {0.1, 0.2, 0.7}, DType.FLOAT64);
        Tensor cs = Categorical.ofProbs(probs).sample(g, n);
        for (int k = 0; k < 3; k++) {
            assertEquals(probs.toDoubleArray()[k], cs.eq((long) k).to(DType.FLOAT64).mean().item(), 0.015, "category " + k);
        }
        Tensor os = OneHotCategorical.ofProbs(probs).sample(g, n);
        double[] freq = os.mean(new int[] {0}, false).toDoubleArray();
        for (int k = 0; k < 3; k++) {
            assertEquals(probs.toDoubleArray()[k], freq[k], 0.015, "one-hot category " + k);
        }
    }

    // ------------------------------------------------------------------ validation and repr (messages from PyTorch)

    private static String message(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    void validationMessages() {
        assertEquals("Expected parameter scale (Tensor of shape (2,)) of distribution Normal(loc: torch.Size([2]), scale: "
                + "torch.Size([2])) to satisfy the constraint GreaterThan(lower_bound=0.0), but found invalid values:\n"
                + "tensor([ 1., -1.])", message(() -> new Normal(Tensor.zeros(2), Tensor.tensor(new float[] {1, -1}))));
        assertEquals("Expected parameter scale (Tensor of shape ()) of distribution Normal(loc: 0.0, scale: -1.0) to satisfy "
                + "the constraint GreaterThan(lower_bound=0.0), but found invalid values:\n-1.0", message(() -> new Normal(0, -1)));
        assertEquals("Expected parameter loc (Tensor of shape (2,)) of distribution Normal(loc: torch.Size([2]), scale: "
                + "torch.Size([2])) to satisfy the constraint Real(), but found invalid values:\ntensor([0., nan])",
                message(() -> new Normal(Tensor.tensor(new float[] {0, Float.NaN}), Tensor.ones(2))));
        assertEquals("Expected parameter probs (Tensor of shape (1,)) of distribution Bernoulli(probs: tensor([1.5000])) to "
                + "satisfy the constraint Interval(lower_bound=0.0, upper_bound=1.0), but found invalid values:\n"
                + "tensor([1.5000])", message(() -> Bernoulli.ofProbs(Tensor.tensor(new float[] {1.5f}))));
        assertEquals("Either `probs` or `logits` must be specified, but not both.",
                message(() -> new Bernoulli(Tensor.ones(1), Tensor.ones(1), null)));
        assertEquals("Either `probs` or `logits` must be specified, but not both.", message(() -> new Categorical(null, null, null)));
        assertEquals("Expected value argument (Tensor of shape (1,)) to be within the support (Boolean()) of the distribution "
                + "Bernoulli(probs: tensor([0.5000])), but found invalid values:\ntensor([0.5000])",
                message(() -> Bernoulli.ofProbs(Tensor.tensor(new float[] {0.5f})).logProb(Tensor.tensor(new float[] {0.5f}))));
        assertEquals("Expected parameter probs (Tensor of shape (2,)) of distribution Categorical(probs: torch.Size([2])) to "
                + "satisfy the constraint Simplex(), but found invalid values:\ntensor([-1.,  2.])",
                message(() -> Categorical.ofProbs(Tensor.tensor(new float[] {-1, 2}))));
        assertEquals("`probs` parameter must be at least one-dimensional.", message(() -> Categorical.ofProbs(Tensor.scalar(1.0))));
        assertEquals("`logits` parameter must be at least one-dimensional.", message(() -> Categorical.ofLogits(Tensor.scalar(1.0))));
        assertEquals("Expected value argument (Tensor of shape (1,)) to be within the support (IntegerInterval(lower_bound=0, "
                + "upper_bound=1)) of the distribution Categorical(probs: torch.Size([2])), but found invalid values:\n"
                + "tensor([2])", message(() -> Categorical.ofProbs(Tensor.tensor(new float[] {0.5f, 0.5f}))
                .logProb(Tensor.tensor(new long[] {2}))));
        assertEquals("Uniform is not defined when low>= high",
                message(() -> new Uniform(Tensor.zeros(1), Tensor.zeros(1))));
        assertEquals("Expected value argument (Tensor of shape (1,)) to be within the support (Interval(lower_bound="
                + "tensor([0.]), upper_bound=tensor([1.]))) of the distribution Uniform(low: tensor([0.]), high: tensor([1.])), "
                + "but found invalid values:\ntensor([2.])",
                message(() -> new Uniform(Tensor.zeros(1), Tensor.ones(1)).logProb(Tensor.tensor(new float[] {2}))));
        assertEquals("Expected parameter rate (Tensor of shape (1,)) of distribution Exponential(rate: tensor([0.])) to satisfy "
                + "the constraint GreaterThan(lower_bound=0.0), but found invalid values:\ntensor([0.])",
                message(() -> new Exponential(Tensor.zeros(1))));
        assertEquals("Expected value argument (Tensor of shape (1,)) to be within the support (GreaterThanEq(lower_bound=0.0)) "
                + "of the distribution Exponential(rate: tensor([1.])), but found invalid values:\ntensor([-1.])",
                message(() -> new Exponential(Tensor.ones(1)).logProb(Tensor.tensor(new float[] {-1}))));
        assertEquals("Expected value argument (Tensor of shape (1,)) to be within the support (GreaterThan(lower_bound=0.0)) "
                + "of the distribution LogNormal(), but found invalid values:\ntensor([-1.])",
                message(() -> new LogNormal(Tensor.zeros(1), Tensor.ones(1)).logProb(Tensor.tensor(new float[] {-1}))));
        assertEquals("Value is not broadcastable with batch_shape+event_shape: torch.Size([3]) vs torch.Size([2]).",
                message(() -> new Normal(Tensor.zeros(2), Tensor.ones(2)).logProb(Tensor.zeros(3))));
        assertEquals("Expected reinterpreted_batch_ndims <= len(base_distribution.batch_shape), actual 2 vs 1",
                message(() -> new Independent(new Normal(Tensor.zeros(2), Tensor.ones(2)), 2)));
        assertEquals("Expected value argument (Tensor of shape (3,)) to be within the support (OneHot()) of the distribution "
                + "OneHotCategorical(), but found invalid values:\ntensor([0., 2., 0.])",
                message(() -> OneHotCategorical.ofProbs(Tensor.ones(3)).logProb(Tensor.tensor(new float[] {0, 2, 0}))));
        assertEquals("Expected value argument (Tensor of shape ()) to be within the support (Real()) of the distribution "
                + "Normal(loc: 0.0, scale: 1.0), but found invalid values:\nnan",
                message(() -> new Normal(0, 1).logProb(Tensor.scalar(Double.NaN).to(DType.FLOAT32))));
        // validate_args=False: no checks
        new Normal(Tensor.zeros(1), Tensor.zeros(1).sub(1.0), false).logProb(Tensor.zeros(1));
    }

    @Test
    void klErrors() {
        assertEquals("The cross KL-divergence between different exponential families cannot" + " ".repeat(29)
                + "be computed using Bregman divergences", assertThrows(UnsupportedOperationException.class,
                    () -> KL.klDivergence(new Normal(0, 1), new Bernoulli(0.5))).getMessage());
        // (Laplace, Uniform) is registered (infinite): KLRegistryTest
        assertEquals("No KL(p || q) is implemented for p type Laplace and q type Cauchy",
                assertThrows(UnsupportedOperationException.class,
                    () -> KL.klDivergence(new Laplace(0, 1), new Cauchy(0, 1))).getMessage());
    }

    @Test
    void reprs() {
        assertEquals("Normal(loc: 0.0, scale: 1.0)", new Normal(0, 1).toString());
        assertEquals("Normal(loc: torch.Size([2]), scale: torch.Size([2]))",
                new Normal(Tensor.zeros(2), Tensor.ones(2)).toString());
        assertEquals("Bernoulli(probs: 0.30000001192092896)", new Bernoulli(0.3).toString());
        assertEquals("Bernoulli(logits: torch.Size([3]))", Bernoulli.ofLogits(Tensor.zeros(3)).toString());
        assertEquals("Categorical(probs: torch.Size([3]))", Categorical.ofProbs(Tensor.ones(3)).toString());
        assertEquals("Categorical(logits: torch.Size([2, 3]))", Categorical.ofLogits(Tensor.ones(2, 3)).toString());
        assertEquals("Uniform(low: 0.0, high: 1.0)", new Uniform(0, 1).toString());
        assertEquals("Exponential(rate: 2.0)", new Exponential(2).toString());
        assertEquals("Laplace(loc: 0.0, scale: 1.0)", new Laplace(0, 1).toString());
        assertEquals("LogNormal()", new LogNormal(0, 1).toString());
        assertEquals("OneHotCategorical()", OneHotCategorical.ofProbs(Tensor.ones(3)).toString());
        assertEquals("Independent(Normal(loc: torch.Size([2, 3]), scale: torch.Size([2, 3])), 1)",
                new Independent(new Normal(Tensor.zeros(2, 3), Tensor.ones(2, 3)), 1).toString());
        assertEquals("Normal(loc: torch.Size([3]), scale: torch.Size([3]))", new Normal(0, 1).expand(3).toString());
    }
}
