package dev.ember;

import dev.ember.distributions.Binomial;
import dev.ember.distributions.Categorical;
import dev.ember.distributions.Distribution;
import dev.ember.distributions.ExpRelaxedCategorical;
import dev.ember.distributions.Independent;
import dev.ember.distributions.KL;
import dev.ember.distributions.LKJCholesky;
import dev.ember.distributions.LogitRelaxedBernoulli;
import dev.ember.distributions.LowRankMultivariateNormal;
import dev.ember.distributions.MixtureSameFamily;
import dev.ember.distributions.Multinomial;
import dev.ember.distributions.MultivariateNormal;
import dev.ember.distributions.NegativeBinomial;
import dev.ember.distributions.Normal;
import dev.ember.distributions.OneHotCategoricalStraightThrough;
import dev.ember.distributions.RelaxedBernoulli;
import dev.ember.distributions.RelaxedOneHotCategorical;
import dev.ember.distributions.Wishart;
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
 * Multinomial, NegativeBinomial, MixtureSameFamily, the relaxed Bernoulli and one-hot categorical families,
 * OneHotCategoricalStraightThrough, LowRankMultivariateNormal, LKJCholesky, Wishart, Binomial.entropy and their KL pairs
 * against {@code torch.distributions} ({@code distributionsdiscrete/make_expected.py}, PyTorch 1.13): values of log_prob, cdf,
 * entropy, mean, mode, variance and the low-rank normal's matrices with the float64 gradients of their sums, the relaxed
 * families' rsample and its gradients at fixed uniform noise, the straight-through gradient, KL values and gradients;
 * gradchecks on float64; sample shapes and statistics of a fixed seed; expand; PyTorch's messages and reprs.
 */
class DistributionsDiscreteTest {
    private static final String RESOURCE = "/distributionsdiscrete/expected.txt";
    private static final int N = 20000;

    private static Distribution make(String name, Tensor[] in) {
        String kind = name.split(" ")[0];
        boolean logits = name.contains("logits");
        switch (kind) {
            case "multinomial": {
                int n = Integer.parseInt(name.split(" ")[1]);
                return logits ? Multinomial.ofLogits(n, in[0]) : Multinomial.ofProbs(n, in[0]);
            }
            case "negbinomial":
                return logits ? NegativeBinomial.ofLogits(in[0], in[1]) : NegativeBinomial.ofProbs(in[0], in[1]);
            case "mixture": {
                Categorical mix = logits ? Categorical.ofLogits(in[0]) : Categorical.ofProbs(in[0]);
                Distribution comp = new Normal(in[1], in[2]);
                return new MixtureSameFamily(mix, name.contains("independent") ? new Independent(comp, 1) : comp);
            }
            case "logitrelaxedbernoulli":
                return new LogitRelaxedBernoulli(in[0], logits ? null : in[1], logits ? in[1] : null, null);
            case "relaxedbernoulli":
                return logits ? RelaxedBernoulli.ofLogits(in[0], in[1]) : RelaxedBernoulli.ofProbs(in[0], in[1]);
            case "exprelaxedcategorical":
                return new ExpRelaxedCategorical(in[0], logits ? null : in[1], logits ? in[1] : null, null);
            case "relaxedonehot":
                return logits ? RelaxedOneHotCategorical.ofLogits(in[0], in[1]) : RelaxedOneHotCategorical.ofProbs(in[0], in[1]);
            case "straightthrough":
                return OneHotCategoricalStraightThrough.ofProbs(in[0]);
            case "lowrank":
                return new LowRankMultivariateNormal(in[0], in[1], in[2]);
            case "binomial":
                return logits ? Binomial.ofLogits(in[0], in[1]) : Binomial.ofProbs(in[0], in[1]);
            case "wishart":
                return name.contains("covariance") ? new Wishart(in[0], in[1], null, null, null)
                        : name.contains("precision") ? new Wishart(in[0], null, in[1], null, null)
                        : new Wishart(in[0], null, null, in[1], null);
            case "lkj":
                return new LKJCholesky(Integer.parseInt(name.split(" ")[1]), in[0], null);
            default:
                throw new IllegalArgumentException(name);
        }
    }

    /** Fresh leaves of the case's inputs (floating ones requiring grad). */
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
            } else if (c.key().equals("lkj samplestats")) {
                tests.add(DynamicTest.dynamicTest(c.key(), () -> runLkjStats(c)));
            } else if (c.key().equals("straightthrough rsamplegrad")) {
                tests.add(DynamicTest.dynamicTest(c.key(), () -> runStraightThrough(c)));
            } else {
                tests.add(DynamicTest.dynamicTest(c.key(), () -> runCase(c)));
            }
        }
        return tests;
    }

    /** Compares {@code what} and, where the file has them, the gradients of its sum ({@code gradTag<i>}). */
    private static void check(ReferenceCases.Case c, String what, String gradTag, Function<Distribution, Tensor> f) {
        String e = c.get(what);
        if (e == null) {
            return;
        }
        Tensor[] in = inputs(c.lines());
        Tensor got = f.apply(make(c.key(), in));
        Tensor expected = PyTorchCases.tensor(e);
        DistributionsTest.assertClose(what, expected, got, tol(expected));
        if (gradTag == null || !got.requiresGrad()) {
            return;
        }
        got.sum().backward();
        for (int i = 0; i < in.length; i++) {
            String g = c.get(gradTag + i);
            if ("none".equals(g)) {
                assertNull(in[i].grad(), gradTag + i);
            } else if (g != null) {
                Tensor eg = PyTorchCases.tensor(g);
                DistributionsTest.assertClose(gradTag + i, eg, in[i].grad(), tol(eg) * 10);
            }
        }
    }

    private static void runCase(ReferenceCases.Case c) {
        check(c, "mean", "gmean", Distribution::mean);
        check(c, "mode", null, Distribution::mode);
        check(c, "variance", "gvar", Distribution::variance);
        check(c, "entropy", "gent", Distribution::entropy);
        check(c, "scale_tril", null, d -> ((LowRankMultivariateNormal) d).scaleTril());
        check(c, "covariance_matrix", null, d -> ((LowRankMultivariateNormal) d).covarianceMatrix());
        check(c, "precision_matrix", null, d -> ((LowRankMultivariateNormal) d).precisionMatrix());
        if (c.get("value") != null) {
            Tensor value = PyTorchCases.tensor(c.get("value"));
            check(c, "logprob", "glp", d -> d.logProb(value));
            check(c, "cdf", null, d -> d.cdf(value));
        }
        if (c.get("noise") != null) {
            Tensor noise = PyTorchCases.tensor(c.get("noise"));
            check(c, "rsample", "grs", d -> rsampleAt(d, noise));
        }
    }

    private static Tensor rsampleAt(Distribution d, Tensor noise) {
        if (d instanceof LogitRelaxedBernoulli) {
            return ((LogitRelaxedBernoulli) d).rsampleAt(noise);
        }
        if (d instanceof RelaxedBernoulli) {
            return ((RelaxedBernoulli) d).rsampleAt(noise);
        }
        if (d instanceof ExpRelaxedCategorical) {
            return ((ExpRelaxedCategorical) d).rsampleAt(noise);
        }
        return ((RelaxedOneHotCategorical) d).rsampleAt(noise);
    }

    private static void runStraightThrough(ReferenceCases.Case c) {
        Tensor p = inputs(c.lines())[0];
        Tensor w = PyTorchCases.tensor(c.get("weights"));
        Tensor s = OneHotCategoricalStraightThrough.ofProbs(p).rsample(new Generator(3));
        // the value is the one-hot sample itself
        assertArrayEquals(new double[] {1, 1}, s.detach().sum(-1).toDoubleArray(), 0.0);
        s.mul(w).sum().backward();
        DistributionsTest.assertClose("grad", PyTorchCases.tensor(c.get("grad")), p.grad(), 1e-12);
    }

    /** The variances of two correlations of 20k seeded draws against those of PyTorch's sampler (200k draws). */
    private static void runLkjStats(ReferenceCases.Case c) {
        LKJCholesky lkj = new LKJCholesky(3, Tensor.tensor(new double[] {2.0, 0.5}, DType.FLOAT64), null);
        Tensor chol = lkj.sample(new Generator(23), N);
        Tensor corr = chol.matmul(chol.mT());
        Tensor var10 = corr.select(-2, 1).select(-1, 0).var(new int[] {0}, 1, false);
        Tensor var21 = corr.select(-2, 2).select(-1, 1).var(new int[] {0}, 1, false);
        assertArrayEquals(PyTorchCases.tensor(c.get("var10")).toDoubleArray(), var10.toDoubleArray(), 0.01);
        assertArrayEquals(PyTorchCases.tensor(c.get("var21")).toDoubleArray(), var21.toDoubleArray(), 0.01);
    }

    private static Distribution klSide(String kind, Tensor[] in, int from) {
        switch (kind) {
            case "binomial":
                return Binomial.ofProbs(in[from], in[from + 1]);
            case "lowrank":
                return new LowRankMultivariateNormal(in[from], in[from + 1], in[from + 2]);
            case "mvn":
                return MultivariateNormal.ofCovariance(in[from], in[from + 1]);
            default:
                throw new IllegalArgumentException(kind);
        }
    }

    private static void runKl(ReferenceCases.Case c) {
        Map<String, String> l = c.lines();
        Tensor[] in = inputs(l);
        String[] kinds = c.key().split(" ");
        int split = Integer.parseInt(l.get("split"));
        Distribution p = klSide(kinds[1], in, 0);
        Distribution q = klSide(kinds.length > 2 ? kinds[2] : kinds[1], in, split);
        Tensor r = KL.klDivergence(p, q);
        DistributionsTest.assertClose("out", PyTorchCases.tensor(l.get("out")), r, 1e-12);
        Tensor finite = Tensor.where(r.isfinite(), r, r.zerosLike());
        finite.sum().backward();
        for (int i = 0; i < in.length; i++) {
            String g = l.get("gkl" + i);
            if ("none".equals(g)) {
                assertNull(in[i].grad(), "gkl" + i);
            } else {
                DistributionsTest.assertClose("gkl" + i, PyTorchCases.tensor(g), in[i].grad(), 1e-11);
            }
        }
    }

    // ------------------------------------------------------------------ gradchecks

    private static Tensor p64(double... v) {
        return Tensor.tensor(v, DType.FLOAT64).requiresGrad_(true);
    }

    private static Tensor t64(double... v) {
        return Tensor.tensor(v, DType.FLOAT64);
    }

    @Test
    void gradchecks() {
        Tensor probs = p64(0.2, 0.3, 0.5);
        Tensor counts = t64(1, 0, 3);
        assertTrue(Autograd.gradcheck(a -> Multinomial.ofProbs(4, a[0]).logProb(counts), probs));
        assertTrue(Autograd.gradcheck(a -> Multinomial.ofLogits(4, a[0]).entropy(), probs));
        Tensor n = p64(2.0, 3.5, 1.0);
        Tensor logits = p64(-1.0, 0.5, 2.0);
        Tensor k = t64(0, 3, 5);
        assertTrue(Autograd.gradcheck(a -> NegativeBinomial.ofLogits(a[0], a[1]).logProb(k), n, logits));
        assertTrue(Autograd.gradgradcheck(a -> NegativeBinomial.ofLogits(a[0], a[1]).logProb(k), n, logits));
        Tensor loc = p64(0.0, 2.0);
        Tensor scale = p64(1.0, 0.5);
        Tensor x = t64(-1.0, 0.5, 2.2);
        assertTrue(Autograd.gradcheck(a -> new MixtureSameFamily(Categorical.ofLogits(a[0]), new Normal(a[1], a[2])).logProb(x),
                p64(0.3, -0.2), loc, scale));
        assertTrue(Autograd.gradcheck(a -> new MixtureSameFamily(Categorical.ofLogits(a[0]), new Normal(a[1], a[2])).variance(),
                p64(0.3, -0.2), loc, scale));
        Tensor temp = p64(0.7);
        Tensor u = t64(0.3, 0.6, 0.9);
        assertTrue(Autograd.gradcheck(a -> RelaxedBernoulli.ofLogits(a[0], a[1]).rsampleAt(u), temp, logits));
        assertTrue(Autograd.gradcheck(a -> RelaxedBernoulli.ofLogits(a[0], a[1]).logProb(t64(0.1, 0.5, 0.95)), temp, logits));
        assertTrue(Autograd.gradcheck(a -> RelaxedOneHotCategorical.ofLogits(a[0], a[1]).rsampleAt(u), temp, logits));
        assertTrue(Autograd.gradcheck(a -> RelaxedOneHotCategorical.ofLogits(a[0], a[1]).logProb(t64(0.2, 0.1, 0.7)), temp,
                logits));
        // rsample from a fresh generator of one seed: the same noise each call
        assertTrue(Autograd.gradcheck(a -> RelaxedBernoulli.ofLogits(a[0], a[1]).rsample(new Generator(2), 4), temp, logits));
        Tensor w = Tensor.tensor(new double[][] {{1.0, 0.5}, {-0.5, 1.0}, {0.2, 0.3}}, DType.FLOAT64).requiresGrad_(true);
        Tensor d = p64(1.0, 0.5, 2.0);
        Tensor lrLoc = p64(0.5, -1.0, 2.0);
        Tensor v = t64(0.25, -1.5, 4.0);
        assertTrue(Autograd.gradcheck(a -> new LowRankMultivariateNormal(a[0], a[1], a[2]).logProb(v), lrLoc, w, d));
        assertTrue(Autograd.gradgradcheck(a -> new LowRankMultivariateNormal(a[0], a[1], a[2]).logProb(v), lrLoc, w, d));
        assertTrue(Autograd.gradcheck(a -> new LowRankMultivariateNormal(a[0], a[1], a[2]).rsample(new Generator(4), 3),
                lrLoc, w, d));
        assertTrue(Autograd.gradcheck(a -> KL.klDivergence(new LowRankMultivariateNormal(a[0], a[1], a[2]),
                new LowRankMultivariateNormal(a[0].mul(0.5), a[1].mul(2.0), a[2].add(1.0))), lrLoc, w, d));
        assertTrue(Autograd.gradcheck(a -> Binomial.ofLogits(t64(5, 5, 5), a[0]).entropy(), logits));
        Tensor lkjValue = new dev.ember.distributions.CorrCholeskyTransform().forward(t64(0.3, -0.8, 1.1));
        assertTrue(Autograd.gradcheck(a -> new LKJCholesky(3, a[0], null).logProb(lkjValue), p64(0.5, 2.0)));
        Tensor wl = Tensor.tensor(new double[][] {{2.0, 0, 0}, {0.5, 1.5, 0}, {0.1, -0.3, 1.0}}, DType.FLOAT64)
                .requiresGrad_(true);
        Tensor wValue = Tensor.tensor(new double[][] {{1.5, 0.2, 0.0}, {0.2, 2.0, 0.4}, {0.0, 0.4, 0.8}}, DType.FLOAT64);
        assertTrue(Autograd.gradcheck(a -> new Wishart(a[0], null, null, a[1].tril(), null).logProb(wValue), p64(4.5), wl));
        assertTrue(Autograd.gradcheck(a -> new Wishart(a[0], null, null, a[1].tril(), null).entropy(), p64(4.5), wl));
        // rsample with respect to the scale only: df's gradient is the Gamma's implicit one, not the derivative of a
        // rejection sampler at a fixed seed
        assertTrue(Autograd.gradcheck(a -> new Wishart(4.5, null, null, a[0].tril(), null).rsample(new Generator(6), 2), wl));
        // the value perturbed off the support: unvalidated
        assertTrue(Autograd.gradcheck(a -> new LKJCholesky(3, Tensor.full(DType.FLOAT64, 1.5), false).logProb(a[0]),
                lkjValue.detach().requiresGrad_(true)));
    }

    // ------------------------------------------------------------------ samples, shapes, expand

    @Test
    void samplesAndShapes() {
        Generator g = new Generator(17);
        Multinomial m = Multinomial.ofProbs(10, Tensor.tensor(new double[][] {{0.2, 0.3, 0.5}, {0.6, 0.2, 0.2}}, DType.FLOAT64));
        assertArrayEquals(new int[] {2}, m.batchShape());
        assertArrayEquals(new int[] {3}, m.eventShape());
        Tensor s = m.sample(g, N);
        assertArrayEquals(new int[] {N, 2, 3}, s.shape());
        assertEquals(DType.FLOAT64, s.dtype());
        assertArrayEquals(new double[N * 2], s.sum(-1).sub(10.0).toDoubleArray(), 0.0);
        assertArrayEquals(new double[] {2, 3, 5, 6, 2, 2}, s.mean(new int[] {0}, false).toDoubleArray(), 0.05);
        assertArrayEquals(new double[] {1.6, 2.1, 2.5, 2.4, 1.6, 1.6}, s.var(new int[] {0}, 1, false).toDoubleArray(), 0.12);
        assertArrayEquals(new int[] {2, 5, 2}, m.logProb(m.sample(g, 2, 5)).shape());
        Multinomial me = m.expand(4, 2);
        assertArrayEquals(new int[] {4, 2}, me.batchShape());
        assertArrayEquals(new int[] {3, 4, 2, 3}, me.sample(g, 3).shape());

        NegativeBinomial nb = NegativeBinomial.ofProbs(Tensor.tensor(new double[] {3.0, 0.5}, DType.FLOAT64),
                Tensor.tensor(new double[] {0.4, 0.7}, DType.FLOAT64));
        Tensor ns = nb.sample(g, N);
        assertArrayEquals(new int[] {N, 2}, ns.shape());
        assertArrayEquals(nb.mean().toDoubleArray(), ns.mean(new int[] {0}, false).toDoubleArray(), 0.06);
        assertArrayEquals(nb.variance().toDoubleArray(), ns.var(new int[] {0}, 1, false).toDoubleArray(), 0.25);
        assertArrayEquals(new int[] {5, 2}, nb.expand(5, 2).batchShape());

        MixtureSameFamily mix = new MixtureSameFamily(Categorical.ofProbs(Tensor.tensor(new double[] {0.3, 0.7}, DType.FLOAT64)),
                new Normal(Tensor.tensor(new double[] {0.0, 2.0}, DType.FLOAT64), Tensor.tensor(new double[] {1.0, 0.5}, DType.FLOAT64)));
        Tensor xs = mix.sample(g, N);
        assertArrayEquals(new int[] {N}, xs.shape());
        assertEquals(mix.mean().item(), xs.mean().item(), 0.03);
        assertEquals(mix.variance().item(), xs.var().item(), 0.06);
        MixtureSameFamily mixE = mix.expand(3);
        assertArrayEquals(new int[] {3}, mixE.batchShape());
        assertArrayEquals(new int[] {4, 3}, mixE.sample(g, 4).shape());
        assertArrayEquals(new int[] {4, 3}, mixE.logProb(mixE.sample(g, 4)).shape());
        MixtureSameFamily mixInd = new MixtureSameFamily(Categorical.ofProbs(Tensor.tensor(new double[] {0.4, 0.6}, DType.FLOAT64)),
                new Independent(new Normal(Tensor.zeros(DType.FLOAT64, 2, 3), Tensor.ones(DType.FLOAT64, 2, 3)), 1));
        assertArrayEquals(new int[0], mixInd.batchShape());
        assertArrayEquals(new int[] {3}, mixInd.eventShape());
        assertArrayEquals(new int[] {5, 3}, mixInd.sample(g, 5).shape());

        RelaxedBernoulli rb = RelaxedBernoulli.ofProbs(Tensor.full(DType.FLOAT64, 0.5),
                Tensor.tensor(new double[] {0.2, 0.9}, DType.FLOAT64));
        Tensor rs = rb.rsample(g, N);
        assertArrayEquals(new int[] {N, 2}, rs.shape());
        assertTrue(rs.gt(0.0).all() && rs.lt(1.0).all());
        // P(X > 1/2) = p for any temperature
        assertArrayEquals(new double[] {0.2, 0.9}, rs.gt(0.5).to(DType.FLOAT64).mean(new int[] {0}, false).toDoubleArray(), 0.015);
        assertArrayEquals(new int[] {3, 2}, rb.expand(3, 2).batchShape());
        assertTrue(rb.expand(3, 2) instanceof RelaxedBernoulli);
        RelaxedOneHotCategorical ro = RelaxedOneHotCategorical.ofProbs(Tensor.full(DType.FLOAT64, 0.5),
                Tensor.tensor(new double[] {0.2, 0.3, 0.5}, DType.FLOAT64));
        Tensor os = ro.rsample(g, N);
        assertArrayEquals(new int[] {N, 3}, os.shape());
        assertArrayEquals(new double[N], os.sum(-1).sub(1.0).toDoubleArray(), 1e-12);
        // the argmax of a Concrete sample is a categorical draw of probs
        Tensor hits = dev.ember.nn.Functional.oneHot(os.argmax(-1, false), 3).to(DType.FLOAT64).mean(new int[] {0}, false);
        assertArrayEquals(new double[] {0.2, 0.3, 0.5}, hits.toDoubleArray(), 0.015);
        assertArrayEquals(new int[0], ro.batchShape());
        assertArrayEquals(new int[] {3}, ro.eventShape());
        assertArrayEquals(new int[] {4, 3}, ro.expand(4).sample(g).shape());

        OneHotCategoricalStraightThrough st = OneHotCategoricalStraightThrough.ofProbs(
                Tensor.tensor(new double[] {0.2, 0.3, 0.5}, DType.FLOAT64));
        assertTrue(st.hasRsample());
        assertArrayEquals(new double[] {0.2, 0.3, 0.5}, st.sample(g, N).mean(new int[] {0}, false).toDoubleArray(), 0.015);
        assertTrue(st.expand(2) instanceof OneHotCategoricalStraightThrough);

        Tensor w = Tensor.tensor(new double[][] {{1.0, 0.5}, {-0.5, 1.0}, {0.2, 0.3}}, DType.FLOAT64);
        LowRankMultivariateNormal lr = new LowRankMultivariateNormal(Tensor.tensor(new double[] {1, -1, 0.5}, DType.FLOAT64), w,
                Tensor.tensor(new double[] {1.0, 0.5, 2.0}, DType.FLOAT64));
        Tensor ls = lr.sample(g, N);
        Tensor centered = ls.sub(ls.mean(new int[] {0}, true));
        assertArrayEquals(lr.covarianceMatrix().toDoubleArray(),
                centered.mT().matmul(centered).div((double) (N - 1)).toDoubleArray(), 0.08);
        assertArrayEquals(new double[] {1, -1, 0.5}, ls.mean(new int[] {0}, false).toDoubleArray(), 0.04);
        LowRankMultivariateNormal lre = lr.expand(4);
        assertArrayEquals(new int[] {4}, lre.batchShape());
        assertArrayEquals(new int[] {2, 4, 3}, lre.rsample(g, 2).shape());
        assertArrayEquals(new int[] {2, 4}, lre.logProb(lre.sample(g, 2)).shape());
        assertArrayEquals(new int[] {4}, lre.entropy().shape());

        // LKJ(eta) on 3 x 3: corr[1, 0] is 2 Beta(a, a) - 1, a = eta - 1 + 3/2, variance 1 / (2a + 1) (the rows below follow
        // PyTorch's sampler: the lkj samplestats case)
        LKJCholesky lkj = new LKJCholesky(3, Tensor.tensor(new double[] {2.0, 0.5}, DType.FLOAT64), null);
        Tensor chol = lkj.sample(g, N);
        assertArrayEquals(new int[] {N, 2, 3, 3}, chol.shape());
        assertTrue(lkj.support().check(chol).all());
        Tensor corr = chol.matmul(chol.mT());
        assertArrayEquals(new double[N * 2 * 3], corr.diagonal(0, -2, -1).sub(1.0).toDoubleArray(), 1e-12);
        Tensor r10 = corr.select(-2, 1).select(-1, 0);
        assertArrayEquals(new double[] {0, 0}, r10.mean(new int[] {0}, false).toDoubleArray(), 0.015);
        assertArrayEquals(new double[] {1 / 6.0, 1 / 3.0}, r10.var(new int[] {0}, 1, false).toDoubleArray(), 0.01);
        // Wishart: E[X] = df S, Var[X_ij] = df (S_ij^2 + S_ii S_jj), all samples positive definite
        Tensor scale = Tensor.tensor(new double[][] {{2.0, 0.5, 0.1}, {0.5, 1.5, -0.3}, {0.1, -0.3, 1.0}}, DType.FLOAT64);
        Wishart wishart = new Wishart(5.0, scale, null, null, null);
        Tensor ws = wishart.sample(g, N);
        assertArrayEquals(new int[] {N, 3, 3}, ws.shape());
        assertTrue(wishart.support().check(ws).all());
        assertArrayEquals(wishart.mean().toDoubleArray(), ws.mean(new int[] {0}, false).toDoubleArray(), 0.12);
        double[] wv = wishart.variance().toDoubleArray();
        double[] sv = ws.var(new int[] {0}, 1, false).toDoubleArray();
        for (int i = 0; i < 9; i++) {
            assertEquals(wv[i], sv[i], 0.06 * wv[i], "Wishart variance " + i);
        }
        Wishart we = wishart.expand(2);
        assertArrayEquals(new int[] {2}, we.batchShape());
        assertArrayEquals(new int[] {4, 2, 3, 3}, we.rsample(g, 4).shape());
        assertArrayEquals(new int[] {4, 2}, we.logProb(we.sample(g, 4)).shape());
        LKJCholesky lkjE = lkj.expand(4, 2);
        assertArrayEquals(new int[] {4, 2}, lkjE.batchShape());
        assertArrayEquals(new int[] {5, 4, 2, 3, 3}, lkjE.sample(g, 5).shape());
        assertArrayEquals(new int[] {5, 4, 2}, lkjE.logProb(lkjE.sample(g, 5)).shape());
    }

    // ------------------------------------------------------------------ messages and reprs (checked with PyTorch 1.13)

    private static String message(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    void messagesAndReprs() {
        Tensor p3 = Tensor.tensor(new double[] {0.2, 0.3, 0.5});
        Multinomial m = Multinomial.ofProbs(3, p3);
        assertEquals("Multinomial()", m.toString());
        assertEquals("Multinomial()", m.support().toString());
        assertEquals("Expected value argument (Tensor of shape (3,)) to be within the support (Multinomial()) of the "
                + "distribution Multinomial(), but found invalid values:\ntensor([ 1., -1.,  1.])",
                message(() -> m.logProb(Tensor.tensor(new double[] {1, -1, 1}))));
        assertEquals("Expected parameter probs (Tensor of shape (3,)) of distribution Categorical(probs: torch.Size([3])) "
                + "to satisfy the constraint Simplex(), but found invalid values:\ntensor([-0.3333,  0.5000,  0.8333])",
                message(() -> Multinomial.ofProbs(3, Tensor.tensor(new double[] {-0.2, 0.3, 0.5}))));

        Tensor n2 = Tensor.tensor(new double[] {2, 3});
        NegativeBinomial nb = NegativeBinomial.ofProbs(n2, Tensor.tensor(new double[] {0.2, 0.3}));
        assertEquals("NegativeBinomial(total_count: torch.Size([2]), probs: torch.Size([2]))", nb.toString());
        assertEquals("NegativeBinomial(total_count: 2.0, logits: 0.30000001192092896)",
                NegativeBinomial.ofLogits(Tensor.full(new int[0], 2.0), Tensor.full(new int[0], 0.3)).toString());
        assertEquals("Expected parameter probs (Tensor of shape (2,)) of distribution NegativeBinomial(total_count: "
                + "torch.Size([2]), probs: torch.Size([2])) to satisfy the constraint HalfOpenInterval(lower_bound=0.0, "
                + "upper_bound=1.0), but found invalid values:\ntensor([0.2000, 1.0000])",
                message(() -> NegativeBinomial.ofProbs(n2, Tensor.tensor(new double[] {0.2, 1.0}))));
        assertEquals("Expected parameter total_count (Tensor of shape (2,)) of distribution NegativeBinomial(total_count: "
                + "torch.Size([2]), probs: torch.Size([2])) to satisfy the constraint GreaterThanEq(lower_bound=0), but "
                + "found invalid values:\ntensor([-2.,  3.])",
                message(() -> NegativeBinomial.ofProbs(Tensor.tensor(new double[] {-2, 3}), Tensor.tensor(new double[] {0.2, 0.1}))));
        assertEquals("Expected value argument (Tensor of shape (2,)) to be within the support (IntegerGreaterThan("
                + "lower_bound=0)) of the distribution NegativeBinomial(total_count: torch.Size([2]), probs: torch.Size([2])), "
                + "but found invalid values:\ntensor([0.5000, 1.0000])",
                message(() -> nb.logProb(Tensor.tensor(new double[] {0.5, 1}))));
        assertEquals("Either `probs` or `logits` must be specified, but not both.",
                message(() -> new NegativeBinomial(n2, null, null, null)));

        Tensor half = Tensor.full(new int[0], 0.5);
        RelaxedBernoulli rb = RelaxedBernoulli.ofProbs(half, Tensor.tensor(new double[] {0.2, 0.3}));
        assertEquals("RelaxedBernoulli()", rb.toString());
        assertEquals("Interval(lower_bound=0.0, upper_bound=1.0)", rb.support().toString());
        rb.logits();
        assertEquals("LogitRelaxedBernoulli(probs: torch.Size([2]), logits: torch.Size([2]))", rb.baseDist().toString());
        RelaxedOneHotCategorical ro = RelaxedOneHotCategorical.ofProbs(half, p3);
        assertEquals("RelaxedOneHotCategorical()", ro.toString());
        assertEquals("ExpRelaxedCategorical()", ro.baseDist().toString());
        assertEquals("Simplex()", ro.support().toString());
        assertArrayEquals(new int[] {3}, ro.eventShape());
        assertEquals("OneHotCategoricalStraightThrough()", OneHotCategoricalStraightThrough.ofProbs(p3).toString());

        Tensor two = Tensor.tensor(new double[] {0, 1});
        Tensor twoS = Tensor.tensor(new double[] {1, 2});
        Categorical c2 = Categorical.ofProbs(Tensor.tensor(new double[] {0.2, 0.8}));
        MixtureSameFamily mix = new MixtureSameFamily(c2, new Normal(two, twoS));
        assertEquals("MixtureSameFamily(\n  Categorical(probs: torch.Size([2]), logits: torch.Size([2])),\n"
                + "  Normal(loc: torch.Size([2]), scale: torch.Size([2])))", mix.toString());
        assertEquals("Real()", mix.support().toString());
        assertEquals("`mixture_distribution component` (3) does not equal `component_distribution.batch_shape[-1]` (2)",
                message(() -> new MixtureSameFamily(Categorical.ofProbs(p3), new Normal(two, twoS))));
        assertEquals("`mixture_distribution.batch_shape` (torch.Size([3])) is not compatible with "
                + "`component_distribution.batch_shape`(torch.Size([4]))",
                message(() -> new MixtureSameFamily(Categorical.ofProbs(Tensor.ones(3, 2)), new Normal(Tensor.zeros(4, 2),
                        Tensor.ones(4, 2)))));
        assertEquals(" The Mixture distribution needs to be an  instance of torch.distributions.Categorical",
                message(() -> new MixtureSameFamily(new Normal(0.0, 1.0), new Normal(two, twoS))));

        Tensor z3 = Tensor.zeros(3);
        Tensor w31 = Tensor.ones(3, 1);
        Tensor o3 = Tensor.ones(3);
        assertEquals("LowRankMultivariateNormal(loc: torch.Size([3]), cov_factor: torch.Size([3, 1]), cov_diag: torch.Size([3]))",
                new LowRankMultivariateNormal(z3, w31, o3).toString());
        assertEquals("IndependentConstraint(Real(), 1)", new LowRankMultivariateNormal(z3, w31, o3).support().toString());
        assertEquals("cov_factor must be at least two-dimensional, with optional leading batch dimensions",
                message(() -> new LowRankMultivariateNormal(z3, o3, o3)));
        assertEquals("loc must be at least one-dimensional.",
                message(() -> new LowRankMultivariateNormal(Tensor.zeros(new int[0]), w31, o3)));
        assertEquals("cov_diag must be a batch of vectors with shape torch.Size([3])",
                message(() -> new LowRankMultivariateNormal(z3, w31, Tensor.ones(new int[0]))));
        assertEquals("cov_factor must be a batch of matrices with shape 4 x m",
                message(() -> new LowRankMultivariateNormal(Tensor.zeros(4), w31, o3)));
        assertEquals("cov_diag must be a batch of vectors with shape torch.Size([3])",
                message(() -> new LowRankMultivariateNormal(z3, w31, Tensor.ones(4))));
        assertEquals("Incompatible batch shapes: loc torch.Size([2, 3]), cov_factor torch.Size([4, 3, 1]), cov_diag "
                + "torch.Size([3])", message(() -> new LowRankMultivariateNormal(Tensor.zeros(2, 3), Tensor.ones(4, 3, 1), o3)));

        Binomial inhomogeneous = Binomial.ofProbs(Tensor.tensor(new double[] {3, 4}), Tensor.tensor(new double[] {0.5, 0.5}));
        assertEquals("Inhomogeneous total count not supported by `entropy`.",
                assertThrows(UnsupportedOperationException.class, inhomogeneous::entropy).getMessage());
        assertEquals("KL between Binomials where q.total_count > p.total_count is not implemented",
                assertThrows(UnsupportedOperationException.class, () -> KL.klDivergence(Binomial.ofProbs(
                        Tensor.tensor(new double[] {3}), Tensor.tensor(new double[] {0.5})), inhomogeneous)).getMessage());
        assertEquals("KL-divergence between two Low Rank Multivariate Normals with" + " ".repeat(26)
                + "different event shapes cannot be computed", message(() -> KL.klDivergence(
                        new LowRankMultivariateNormal(z3, w31, o3), new LowRankMultivariateNormal(Tensor.zeros(2),
                                Tensor.ones(2, 1), Tensor.ones(2)))));
        assertFalse(new MixtureSameFamily(c2, new Normal(two, twoS)).hasRsample());

        Tensor a3 = Tensor.tensor(new double[][] {{2.0, 0.5, 0.1}, {0.5, 1.5, -0.3}, {0.1, -0.3, 1.0}});
        assertEquals("Wishart(covariance_matrix: torch.Size([3, 3]), df: 4.0)",
                new Wishart(Tensor.full(new int[0], 4.0), a3, null, null, null).toString());
        assertEquals("Wishart(scale_tril: torch.Size([3, 3]), df: 4.0)", new Wishart(4.0, null, null, a3.linalgCholesky(), null)
                .toString());
        assertEquals("Wishart(precision_matrix: torch.Size([2, 3, 3]), df: torch.Size([2]))",
                new Wishart(Tensor.tensor(new double[] {4, 5}), null, a3, null, null).toString());
        assertEquals("PositiveDefinite()", new Wishart(4.0, a3, null, null, null).support().toString());
        assertEquals("Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified.",
                message(() -> new Wishart(4.0, a3, null, a3, null)));
        assertEquals("Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified.",
                message(() -> new Wishart(4.0, null, null, null, null)));
        assertEquals("scale_tril must be at least two-dimensional, with optional leading batch dimensions",
                message(() -> new Wishart(4.0, Tensor.ones(3), null, null, null)));
        assertEquals("Value of df=1.5 expected to be greater than ndim - 1 = 2.",
                message(() -> new Wishart(1.5, a3, null, null, null)));
        assertEquals("Value of df=tensor([1.5000, 4.0000]) expected to be greater than ndim - 1 = 2.",
                message(() -> new Wishart(Tensor.tensor(new double[] {1.5, 4}), a3, null, null, null)));
        assertEquals("Expected parameter covariance_matrix (Tensor of shape (3, 3)) of distribution Wishart(covariance_matrix: "
                + "torch.Size([3, 3]), df: 4.0) to satisfy the constraint PositiveDefinite(), but found invalid values:\n"
                + "tensor([[-2.0000, -0.5000, -0.1000],\n        [-0.5000, -1.5000,  0.3000],\n        [-0.1000,  0.3000, -1.0000]])",
                message(() -> new Wishart(4.0, a3.neg(), null, null, null)));

        LKJCholesky lkj = new LKJCholesky(3, Tensor.tensor(new double[] {0.5, 2.0}), null);
        assertEquals("LKJCholesky(concentration: torch.Size([2]))", lkj.toString());
        assertEquals("LKJCholesky(concentration: 0.5)", new LKJCholesky(3, 0.5).toString());
        assertEquals("CorrCholesky()", lkj.support().toString());
        assertArrayEquals(new int[] {3, 3}, lkj.eventShape());
        assertEquals("Expected dim to be an integer greater than or equal to 2. Found dim=1.",
                message(() -> new LKJCholesky(1, 1.0)));
    }
}
