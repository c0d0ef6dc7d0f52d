package dev.ember;

import dev.ember.distributions.AbsTransform;
import dev.ember.distributions.Beta;
import dev.ember.distributions.Cauchy;
import dev.ember.distributions.Chi2;
import dev.ember.distributions.ContinuousBernoulli;
import dev.ember.distributions.Distribution;
import dev.ember.distributions.Exponential;
import dev.ember.distributions.FisherSnedecor;
import dev.ember.distributions.Gamma;
import dev.ember.distributions.Gumbel;
import dev.ember.distributions.HalfCauchy;
import dev.ember.distributions.HalfNormal;
import dev.ember.distributions.KL;
import dev.ember.distributions.Kumaraswamy;
import dev.ember.distributions.Laplace;
import dev.ember.distributions.LogisticNormal;
import dev.ember.distributions.StickBreakingTransform;
import dev.ember.distributions.Normal;
import dev.ember.distributions.Pareto;
import dev.ember.distributions.StudentT;
import dev.ember.distributions.TransformedDistribution;
import dev.ember.distributions.Uniform;
import dev.ember.distributions.VonMises;
import dev.ember.distributions.Weibull;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * StudentT, Cauchy, HalfCauchy, HalfNormal, Chi2, Gumbel, Weibull, Pareto, FisherSnedecor, Kumaraswamy, VonMises,
 * ContinuousBernoulli and LogisticNormal against {@code torch.distributions} ({@code distributionscontinuous/make_expected.py}, PyTorch 1.13, formulas unchanged
 * in 2.x): log_prob, cdf, icdf, mean, mode, variance, stddev and entropy values with the gradients of their sums, KL
 * values and gradients; gradchecks on float64; rsample gradients against the derivative of PyTorch's sampling formula
 * at the drawn sample; sample statistics from 20k draws of a fixed seed; shapes, broadcasting and expand; the
 * TransformedDistribution structure PyTorch gives; validation messages and reprs (checked with PyTorch 1.13).
 */
class DistributionsContinuousTest {
    private static final String RESOURCE = "/distributionscontinuous/expected.txt";
    private static final int N = 20000;

    private static Distribution make(String kind, Tensor[] in, int from) {
        switch (kind) {
            case "studentt":
                return new StudentT(in[from], in[from + 1], in[from + 2]);
            case "cauchy":
                return new Cauchy(in[from], in[from + 1]);
            case "halfcauchy":
                return new HalfCauchy(in[from]);
            case "halfnormal":
                return new HalfNormal(in[from]);
            case "chi2":
                return new Chi2(in[from]);
            case "gumbel":
                return new Gumbel(in[from], in[from + 1]);
            case "weibull":
                return new Weibull(in[from], in[from + 1]);
            case "pareto":
                return new Pareto(in[from], in[from + 1]);
            case "fishersnedecor":
                return new FisherSnedecor(in[from], in[from + 1]);
            case "kumaraswamy":
                return new Kumaraswamy(in[from], in[from + 1]);
            case "vonmises":
                return new VonMises(in[from], in[from + 1]);
            case "cb":
                return ContinuousBernoulli.ofProbs(in[from]);
            case "cblogits":
                return ContinuousBernoulli.ofLogits(in[from]);
            case "logisticnormal":
                return new LogisticNormal(in[from], in[from + 1]);
            case "normal":
                return new Normal(in[from], in[from + 1]);
            case "exponential":
                return new Exponential(in[from]);
            case "gamma":
                return new Gamma(in[from], in[from + 1]);
            case "beta":
                return new Beta(in[from], in[from + 1]);
            case "uniform":
                return new Uniform(in[from], in[from + 1]);
            case "laplace":
                return new Laplace(in[from], in[from + 1]);
            default:
                throw new IllegalArgumentException(kind);
        }
    }

    private static Tensor[] inputs(Map<String, String> lines) {
        List<Tensor> ins = new ArrayList<>();
        for (int i = 0; lines.containsKey("in" + i); i++) {
            ins.add(PyTorchCases.tensor(lines.get("in" + i)).requiresGrad_(true));
        }
        return ins.toArray(new Tensor[0]);
    }

    private static double tol(Tensor t) {
        return t.dtype() == DType.FLOAT32 ? 5e-6 : 1e-12;
    }

    @TestFactory
    List<DynamicTest> againstPyTorch() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ReferenceCases.Case c : ReferenceCases.byFirstWord(RESOURCE)) {
            tests.add(DynamicTest.dynamicTest(c.key(), () -> {
                if (c.key().startsWith("kl ")) {
                    runKl(c);
                } else {
                    runCase(c);
                }
            }));
        }
        return tests;
    }

    /** The value PyTorch gave for {@code what} and the gradients of its (finite) sum, where the file has them. */
    private static void check(String what, Map<String, String> l, Tensor[] in, Supplier<Tensor> f) {
        String e = l.get(what);
        if (e == null) {
            return;
        }
        Tensor expected = PyTorchCases.tensor(e);
        Tensor got = f.get();
        DistributionsTest.assertClose(what, expected, got, tol(expected));
        if (!l.containsKey("g" + what + "0")) {
            return;
        }
        Tensor finite = Tensor.where(got.isfinite(), got, got.zerosLike());
        List<Tensor> gs = finite.requiresGrad()
                ? Autograd.grad(List.of(finite.sum()), Arrays.asList(in), null, true, false, true)
                : Arrays.asList(new Tensor[in.length]);
        for (int i = 0; i < in.length; i++) {
            String g = l.get("g" + what + i);
            Tensor gi = gs.get(i);
            if ("none".equals(g)) {
                assertTrue(gi == null || gi.eq(0L).all(), "g" + what + i + " should be none");
            } else {
                Tensor expectedGrad = PyTorchCases.tensor(g);
                DistributionsTest.assertClose("g" + what + i, expectedGrad,
                        gi == null ? expectedGrad.zerosLike() : gi, tol(expectedGrad) * 10);
            }
        }
    }

    private static void runCase(ReferenceCases.Case c) {
        Map<String, String> l = c.lines();
        Tensor[] in = inputs(l);
        String kind = c.key().startsWith("cb logits") ? "cblogits" : c.key().split(" ")[0];
        Distribution d = make(kind, in, 0);
        check("mean", l, in, d::mean);
        check("mode", l, in, d::mode);
        check("variance", l, in, d::variance);
        check("stddev", l, in, d::stddev);
        check("entropy", l, in, d::entropy);
        if (l.containsKey("value")) {
            Tensor value = PyTorchCases.tensor(l.get("value"));
            check("logprob", l, in, () -> d.logProb(value));
            check("cdf", l, in, () -> d.cdf(value));
        }
        if (l.containsKey("q")) {
            Tensor q = PyTorchCases.tensor(l.get("q"));
            check("icdf", l, in, () -> d.icdf(q));
        }
    }

    private static void runKl(ReferenceCases.Case c) {
        Map<String, String> l = c.lines();
        Tensor[] in = inputs(l);
        String[] kinds = c.key().split(" ");
        int split = Integer.parseInt(l.get("split"));
        check("out", withGradKey(l), in, () -> KL.klDivergence(make(kinds[1], in, 0), make(kinds[2], in, split)));
    }

    /** The KL lines with the gradients ("gkl<i>") under the names {@link #check} reads for "out". */
    private static Map<String, String> withGradKey(Map<String, String> l) {
        Map<String, String> m = new java.util.HashMap<>(l);
        for (int i = 0; l.containsKey("gkl" + i); i++) {
            m.put("gout" + i, l.get("gkl" + i));
        }
        return m;
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
        Tensor a = p64(0.5, -1.0, 2.0);
        Tensor b = p64(1.5, 0.3, 2.0);
        Tensor c = p64(0.7, 2.5, 4.0);
        Tensor x = t64(0.25, -1.5, 4.0);
        Tensor pos = t64(0.25, 0.5, 4.0);
        Tensor unit = t64(0.25, 0.5, 0.9);
        assertTrue(Autograd.gradcheck(t -> new StudentT(t[0], t[1], t[2]).logProb(x), c, a, b));
        assertTrue(Autograd.gradgradcheck(t -> new StudentT(t[0], t[1], t[2]).logProb(x), c, a, b));
        assertTrue(Autograd.gradcheck(t -> new StudentT(t[0], t[1], t[2]).entropy(), c, a, b));
        assertTrue(Autograd.gradcheck(t -> new Cauchy(t[0], t[1]).logProb(x), a, b));
        assertTrue(Autograd.gradgradcheck(t -> new Cauchy(t[0], t[1]).cdf(x), a, b));
        assertTrue(Autograd.gradcheck(t -> new Cauchy(t[0], t[1]).icdf(unit), a, b));
        assertTrue(Autograd.gradcheck(t -> new HalfCauchy(t[0]).logProb(pos), b));
        assertTrue(Autograd.gradcheck(t -> new HalfNormal(t[0]).logProb(pos), b));
        assertTrue(Autograd.gradcheck(t -> new HalfNormal(t[0]).cdf(pos), b));
        assertTrue(Autograd.gradcheck(t -> new Chi2(t[0]).logProb(pos), c));
        assertTrue(Autograd.gradcheck(t -> new Gumbel(t[0], t[1]).logProb(x), a, b));
        assertTrue(Autograd.gradgradcheck(t -> new Gumbel(t[0], t[1]).logProb(x), a, b));
        assertTrue(Autograd.gradcheck(t -> new Gumbel(t[0], t[1]).cdf(x), a, b));
        assertTrue(Autograd.gradcheck(t -> new Weibull(t[0], t[1]).logProb(pos), b, c));
        assertTrue(Autograd.gradgradcheck(t -> new Weibull(t[0], t[1]).logProb(pos), b, c));
        assertTrue(Autograd.gradcheck(t -> new Weibull(t[0], t[1]).entropy(), b, c));
        assertTrue(Autograd.gradcheck(t -> new Pareto(t[0], t[1]).logProb(t64(2.25, 0.5, 4.0)), b, c));
        assertTrue(Autograd.gradcheck(t -> new FisherSnedecor(t[0], t[1]).logProb(pos), b, c));
        assertTrue(Autograd.gradgradcheck(t -> new FisherSnedecor(t[0], t[1]).logProb(pos), b, c));
        assertTrue(Autograd.gradcheck(t -> new Kumaraswamy(t[0], t[1]).logProb(unit), b, c));
        assertTrue(Autograd.gradcheck(t -> new Kumaraswamy(t[0], t[1]).entropy(), b, c));
        assertTrue(Autograd.gradcheck(t -> new VonMises(t[0], t[1]).logProb(x), a, p64(0.5, 3.0, 6.0)));
        assertTrue(Autograd.gradgradcheck(t -> new VonMises(t[0], t[1]).logProb(x), a, p64(0.5, 3.0, 6.0)));
        Tensor probs = p64(0.2, 0.4995, 0.8);
        assertTrue(Autograd.gradcheck(t -> ContinuousBernoulli.ofProbs(t[0]).logProb(unit), probs));
        assertTrue(Autograd.gradgradcheck(t -> ContinuousBernoulli.ofProbs(t[0]).logProb(unit), probs));
        assertTrue(Autograd.gradcheck(t -> ContinuousBernoulli.ofProbs(t[0]).entropy(), probs));
        assertTrue(Autograd.gradcheck(t -> ContinuousBernoulli.ofLogits(t[0]).cdf(unit), a));
        Tensor simplex = Tensor.tensor(new double[][] {{0.2, 0.3, 0.4, 0.1}, {0.25, 0.25, 0.25, 0.25}}, DType.FLOAT64);
        Tensor lnLoc = p64(0.5, -1.0, 2.0, 0.0, 0.3, -0.2).reshape(2, 3).detach().requiresGrad_(true);
        Tensor lnScale = p64(1.5, 0.3, 2.0, 1.0, 0.5, 0.7).reshape(2, 3).detach().requiresGrad_(true);
        assertTrue(Autograd.gradcheck(t -> new LogisticNormal(t[0], t[1]).logProb(simplex), lnLoc, lnScale));
        assertTrue(Autograd.gradcheck(t -> new LogisticNormal(t[0], t[1]).rsample(new Generator(9), 3), lnLoc, lnScale));
        assertTrue(Autograd.gradcheck(t -> ContinuousBernoulli.ofProbs(t[0]).rsample(new Generator(9), 3), probs));
        Tensor a2 = p64(0.5, -1.0);
        Tensor b2 = p64(1.5, 0.3);
        Tensor c2 = p64(0.0, 1.0);
        Tensor d2 = p64(1.0, 2.0);
        assertTrue(Autograd.gradcheck(t -> KL.klDivergence(new Gumbel(t[0], t[1]), new Gumbel(t[2], t[3])), a2, b2, c2, d2));
        assertTrue(Autograd.gradcheck(t -> KL.klDivergence(new Cauchy(t[0], t[1]), new Cauchy(t[2], t[3])), a2, b2, c2, d2));
        assertTrue(Autograd.gradcheck(t -> KL.klDivergence(new Normal(t[0], t[1]), new Gumbel(t[2], t[3])), a2, b2, c2, d2));
        assertTrue(Autograd.gradcheck(t -> KL.klDivergence(new Pareto(t[0], t[1]), new Normal(t[2], t[3])), b2,
                p64(2.5, 3.0), c2, d2));
    }

    // ------------------------------------------------------------------ rsample gradients

    /** The gradient of the sample's sum with respect to {@code p} (each sample depends on one parameter entry). */
    private static double[] grad(Tensor sample, Tensor p) {
        return Autograd.grad(List.of(sample.sum()), List.of(p), null, true, false, false).get(0).toDoubleArray();
    }

    /**
     * d sample / d parameter against the derivative of PyTorch's sampling formula at the drawn sample: location-scale
     * families {@code y = loc + scale * e} give 1 and {@code (y - loc) / scale}; Weibull's {@code y = scale * e^(1/k)} gives
     * {@code y / scale} and {@code -y log(y / scale) / k}; Pareto's {@code y = scale * exp(e / alpha)} gives
     * {@code y / scale} and {@code -y log(y / scale) / alpha}; Kumaraswamy's {@code y = (1 - u^(1/b))^(1/a)} gives
     * {@code -y log(y) / a} and {@code (1 - y^a)^... } as written below.
     */
    @Test
    void rsampleGradients() {
        Generator g = new Generator(21);
        double[] locs = {0.5, -1.0};
        double[] scales = {1.5, 0.3};
        for (String kind : new String[] {"cauchy", "gumbel", "studentt", "halfnormal", "halfcauchy"}) {
            Tensor loc = p64(locs);
            Tensor scale = p64(scales);
            Tensor df = p64(3.0, 6.0);
            Distribution d = kind.equals("cauchy") ? new Cauchy(loc, scale) : kind.equals("gumbel") ? new Gumbel(loc, scale)
                    : kind.equals("studentt") ? new StudentT(df, loc, scale) : kind.equals("halfnormal") ? new HalfNormal(scale)
                    : new HalfCauchy(scale);
            assertTrue(d.hasRsample(), kind);
            Tensor s = d.rsample(g, 5);
            double[] y = s.detach().toDoubleArray();
            double[] gScale = grad(s, scale);
            boolean half = kind.startsWith("half");
            double[] expected = new double[2];
            for (int i = 0; i < y.length; i++) {
                expected[i % 2] += (y[i] - (half ? 0 : locs[i % 2])) / scales[i % 2];
            }
            assertArrayEquals(expected, gScale, 1e-9, kind + " d/dscale");
            if (!half) {
                assertArrayEquals(new double[] {5, 5}, grad(s, loc), 1e-12, kind + " d/dloc");
            }
        }
        Tensor scale = p64(1.5, 0.3);
        Tensor k = p64(0.7, 2.5);
        Tensor s = new Weibull(scale, k).rsample(g, 5);
        double[] y = s.detach().toDoubleArray();
        double[][] expected = new double[2][2];
        for (int i = 0; i < y.length; i++) {
            int j = i % 2;
            double sc = j == 0 ? 1.5 : 0.3;
            double kk = j == 0 ? 0.7 : 2.5;
            expected[0][j] += y[i] / sc;
            expected[1][j] += -y[i] * Math.log(y[i] / sc) / kk;
        }
        assertArrayEquals(expected[0], grad(s, scale), 1e-9, "weibull d/dscale");
        assertArrayEquals(expected[1], grad(s, k), 1e-9, "weibull d/dconcentration");
        Tensor alpha = p64(2.0, 3.5);
        s = new Pareto(scale, alpha).rsample(g, 5);
        y = s.detach().toDoubleArray();
        expected = new double[2][2];
        for (int i = 0; i < y.length; i++) {
            int j = i % 2;
            double sc = j == 0 ? 1.5 : 0.3;
            double al = j == 0 ? 2.0 : 3.5;
            expected[0][j] += y[i] / sc;
            expected[1][j] += -y[i] * Math.log(y[i] / sc) / al;
        }
        assertArrayEquals(expected[0], grad(s, scale), 1e-9, "pareto d/dscale");
        assertArrayEquals(expected[1], grad(s, alpha), 1e-9, "pareto d/dalpha");
        Tensor c1 = p64(2.0, 0.8);
        Tensor c0 = p64(3.0, 1.5);
        s = new Kumaraswamy(c1, c0).rsample(g, 5);
        y = s.detach().toDoubleArray();
        expected = new double[2][2];
        for (int i = 0; i < y.length; i++) {
            int j = i % 2;
            double a = j == 0 ? 2.0 : 0.8;
            double b = j == 0 ? 3.0 : 1.5;
            double w = 1 - Math.pow(y[i], a); // u^(1/b)
            expected[0][j] += -y[i] * Math.log(y[i]) / a;
            // dy/db = (1/a) (1 - w)^(1/a - 1) * w log(w) / b
            expected[1][j] += Math.pow(1 - w, 1 / a - 1) * w * Math.log(w) / (a * b);
        }
        assertArrayEquals(expected[0], grad(s, c1), 1e-8, "kumaraswamy d/dconcentration1");
        assertArrayEquals(expected[1], grad(s, c0), 1e-8, "kumaraswamy d/dconcentration0");
        // Chi2 and FisherSnedecor go through the Gamma's implicit gradient: E[d x / d df] = d E[x] / d df
        Tensor df = Tensor.full(DType.FLOAT64, 4.0).requiresGrad_(true);
        Tensor chi = new Chi2(df).rsample(g, N);
        assertEquals(4.0, chi.detach().mean().item(), 0.1);
        assertEquals(1.0, grad(chi, df)[0] / N, 0.03, "d E[chi2] / d df");
        Tensor df2 = Tensor.full(DType.FLOAT64, 10.0).requiresGrad_(true);
        Tensor f = new FisherSnedecor(Tensor.full(DType.FLOAT64, 5.0), df2).rsample(g, N);
        assertEquals(1.25, f.detach().mean().item(), 0.05);
        // d/d df2 of df2 / (df2 - 2) = -2 / (df2 - 2)^2
        assertEquals(-2.0 / 64, grad(f, df2)[0] / N, 0.01, "d E[F] / d df2");
        assertFalse(new VonMises(0.0, 1.0).hasRsample());
        assertThrows(UnsupportedOperationException.class, () -> new VonMises(0.0, 1.0).rsample(g, 2));
    }

    /** The last node of log_prob and rsample, as PyTorch names them (1.13 and 2.x alike). */
    @Test
    void gradFnNames() {
        Tensor x = t64(0.3, 0.6);
        Object[][] cases = {
            {new StudentT(p64(3, 4), p64(0, 1), p64(1, 2)), "SubBackward0", "AddBackward0"},
            {new Cauchy(p64(0, 1), p64(1, 2)), "SubBackward0", "AddBackward0"},
            {new HalfNormal(p64(1, 2)), "WhereBackward0", "AbsBackward0"},
            {new Gumbel(p64(0, 1), p64(1, 2)), "SubBackward0", "AddBackward0"},
            {new Weibull(p64(1, 2), p64(1, 2)), "AddBackward0", "AddBackward0"},
            {new Pareto(p64(0.1, 0.2), p64(1, 2)), "AddBackward0", "AddBackward0"},
            {new Kumaraswamy(p64(1, 2), p64(1, 2)), "AddBackward0", "PowBackward1"},
            {new VonMises(p64(0, 1), p64(1, 2)), "SubBackward0", null},
            {ContinuousBernoulli.ofProbs(p64(0.3, 0.6)), "AddBackward0", "WhereBackward0"},
            {new FisherSnedecor(p64(3, 4), p64(3, 5)), "SubBackward0", "ClampBackward1"},
            {new Chi2(p64(3, 4)), "SubBackward0", "DivBackward0"}};
        for (Object[] c : cases) {
            Distribution d = (Distribution) c[0];
            String n = d.getClass().getSimpleName();
            assertEquals(c[1], d.logProb(x).gradFn().name(), n + " log_prob");
            if (c[2] != null) {
                assertEquals(c[2], d.rsample(new Generator(1), 2).gradFn().name(), n + " rsample");
            }
        }
    }

    // ------------------------------------------------------------------ samples

    @Test
    void sampleStatistics() {
        Generator g = new Generator(33);
        Tensor st = new StudentT(t64(5.0), t64(1.0), t64(2.0)).sample(g, N);
        assertEquals(1.0, st.mean().item(), 0.05);
        assertEquals(4 * 5.0 / 3, st.var().item(), 0.35);
        Tensor ca = new Cauchy(t64(1.0), t64(2.0)).sample(g, N);
        assertEquals(1.0, ca.median().item(), 0.08);
        assertEquals(0.75, ca.lt(3.0).to(DType.FLOAT64).mean().item(), 0.01, "P(X < loc + scale)");
        Tensor hn = new HalfNormal(t64(2.0)).sample(g, N);
        assertEquals(2 * Math.sqrt(2 / Math.PI), hn.mean().item(), 0.03);
        assertTrue(hn.ge(0L).all());
        Tensor hc = new HalfCauchy(t64(2.0)).sample(g, N);
        assertEquals(2.0, hc.median().item(), 0.08);
        assertTrue(hc.ge(0L).all());
        Tensor chi = new Chi2(t64(3.0)).sample(g, N);
        assertEquals(3.0, chi.mean().item(), 0.06);
        assertEquals(6.0, chi.var().item(), 0.3);
        Tensor gu = new Gumbel(t64(1.0), t64(2.0)).sample(g, N);
        assertEquals(1 + 2 * 0.5772156649015329, gu.mean().item(), 0.05);
        assertEquals(Math.PI * Math.PI / 6 * 4, gu.var().item(), 0.3);
        Tensor we = new Weibull(t64(2.0), t64(1.5)).sample(g, N);
        assertEquals(new Weibull(t64(2.0), t64(1.5)).mean().item(), we.mean().item(), 0.03);
        Tensor pa = new Pareto(t64(1.0), t64(4.0)).sample(g, N);
        assertEquals(4.0 / 3, pa.mean().item(), 0.01);
        assertTrue(pa.ge(1L).all());
        Tensor fs = new FisherSnedecor(t64(6.0), t64(12.0)).sample(g, N);
        assertEquals(1.2, fs.mean().item(), 0.03);
        Kumaraswamy ku = new Kumaraswamy(t64(2.0), t64(3.0));
        Tensor kus = ku.sample(g, N);
        assertEquals(ku.mean().item(), kus.mean().item(), 0.005);
        assertEquals(ku.variance().item(), kus.var().item(), 0.003);
        VonMises vm = new VonMises(t64(2.5, -3.0, 0.5), t64(4.0, 1.0, 1e-6));
        Tensor vs = vm.sample(g, N);
        assertArrayEquals(new int[] {N, 3}, vs.shape());
        assertTrue(vs.ge(-Math.PI).all() && vs.lt(Math.PI).all(), "angles in [-pi, pi)");
        Tensor c = vs.cos().mean(new int[] {0}, false);
        Tensor s = vs.sin().mean(new int[] {0}, false);
        double[] meanAngle = s.atan2(c).toDoubleArray();
        assertEquals(2.5, meanAngle[0], 0.02);
        assertEquals(-3.0, meanAngle[1], 0.05);
        double[] resultant = c.pow(2L).add(s.pow(2L)).sqrt().toDoubleArray();
        double[] circVar = vm.variance().toDoubleArray();
        assertEquals(1 - circVar[0], resultant[0], 0.01, "mean resultant length = I1/I0");
        assertEquals(1 - circVar[1], resultant[1], 0.015);
        assertEquals(0.0, resultant[2], 0.02, "near-uniform at tiny concentration");
        assertEquals(DType.FLOAT32, new VonMises(0.0, 2.0).sample(g, 3).dtype());
        ContinuousBernoulli cb = ContinuousBernoulli.ofProbs(t64(0.2, 0.5, 0.9));
        Tensor cbs = cb.sample(g, N);
        assertTrue(cbs.ge(0L).all() && cbs.le(1L).all());
        assertArrayEquals(cb.mean().toDoubleArray(), cbs.mean(new int[] {0}, false).toDoubleArray(), 0.006);
        assertArrayEquals(cb.variance().toDoubleArray(), cbs.var(new int[] {0}, 1, false).toDoubleArray(), 0.004);
        Tensor ln = new LogisticNormal(t64(0.5, -1.0), t64(1.0, 0.5)).sample(g, N);
        assertArrayEquals(new int[] {N, 3}, ln.shape());
        assertEquals(0.0, ln.sum(-1).sub(1.0).abs().max().item(), 1e-12, "on the simplex");
        // the stick-breaking inverse gives back normal coordinates of the base's mean and spread
        Tensor x = new StickBreakingTransform().inverse(ln);
        assertArrayEquals(new double[] {0.5, -1.0}, x.mean(new int[] {0}, false).toDoubleArray(), 0.03);
        assertArrayEquals(new double[] {1.0, 0.25}, x.var(new int[] {0}, 1, false).toDoubleArray(), 0.04);
    }

    @Test
    void shapesAndExpand() {
        Generator g = new Generator(5);
        Tensor loc = Tensor.zeros(2, 1);
        Tensor scale = Tensor.ones(3);
        Distribution[] ds = {new StudentT(Tensor.full(new int[] {3}, 4.0), loc, scale), new Cauchy(loc, scale),
            new HalfCauchy(Tensor.ones(2, 3)), new HalfNormal(Tensor.ones(2, 3)), new Chi2(Tensor.full(new int[] {2, 3}, 2.0)),
            new Gumbel(loc, scale), new Weibull(scale, Tensor.ones(2, 1)), new Pareto(scale, Tensor.ones(2, 1)),
            new FisherSnedecor(scale, Tensor.ones(2, 1)), new Kumaraswamy(scale, Tensor.ones(2, 1)),
            new VonMises(loc, scale), ContinuousBernoulli.ofProbs(Tensor.full(new int[] {2, 3}, 0.3))};
        for (Distribution d : ds) {
            String n = d.getClass().getSimpleName();
            assertArrayEquals(new int[] {2, 3}, d.batchShape(), n);
            assertArrayEquals(new int[0], d.eventShape(), n);
            Tensor x = d.sample(g, 4);
            assertArrayEquals(new int[] {4, 2, 3}, x.shape(), n);
            assertArrayEquals(new int[] {4, 2, 3}, d.logProb(x).shape(), n);
            if (d.hasRsample()) {
                assertArrayEquals(new int[] {5, 2, 3}, d.rsample(g, 5).shape(), n);
            }
            Distribution e = d.expand(4, 2, 3);
            assertEquals(d.getClass(), e.getClass(), n);
            assertArrayEquals(new int[] {4, 2, 3}, e.batchShape(), n);
            assertArrayEquals(new int[] {7, 4, 2, 3}, e.sample(g, 7).shape(), n);
            assertArrayEquals(new int[] {4, 2, 3}, e.logProb(x.select(0, 0)).shape(), n);
            assertArrayEquals(new int[] {4, 2, 3}, e.mean().shape(), n);
            assertArrayEquals(new int[] {0, 2, 3}, d.sample(g, 0).shape(), n);
        }
        // the expanded distribution gives the same values as the original, broadcast
        Gumbel gu = new Gumbel(t64(0.5, -1.0), t64(1.5, 0.3));
        Tensor v = t64(0.25, -1.5);
        assertArrayEquals(gu.logProb(v).toDoubleArray(), Arrays.copyOfRange(gu.expand(3, 2).logProb(v).toDoubleArray(), 4, 6));
        assertArrayEquals(gu.cdf(v).toDoubleArray(), Arrays.copyOfRange(gu.expand(3, 2).cdf(v).toDoubleArray(), 2, 4), 1e-15);
        Weibull we = new Weibull(t64(1.5, 0.3), t64(0.5, 2.0));
        assertArrayEquals(we.logProb(t64(0.25, 0.5)).toDoubleArray(),
                Arrays.copyOfRange(we.expand(2, 2).logProb(t64(0.25, 0.5)).toDoubleArray(), 2, 4), 1e-15);
        LogisticNormal ln = new LogisticNormal(Tensor.zeros(2, 3), Tensor.ones(3));
        assertArrayEquals(new int[] {2}, ln.batchShape());
        assertArrayEquals(new int[] {4}, ln.eventShape());
        assertArrayEquals(new int[] {5, 2, 4}, ln.rsample(g, 5).shape());
        assertArrayEquals(new int[] {5, 2}, ln.logProb(ln.sample(g, 5)).shape());
        assertArrayEquals(new int[] {6, 2}, ln.expand(6, 2).batchShape());
        assertArrayEquals(new int[] {7, 6, 2, 4}, ln.expand(6, 2).sample(g, 7).shape());
        LogisticNormal scalar = new LogisticNormal(0.0, 1.0);
        assertArrayEquals(new int[0], scalar.batchShape());
        assertArrayEquals(new int[] {2}, scalar.eventShape());
        Chi2 chi = new Chi2(t64(1.0, 3.0));
        assertInstanceOf(Chi2.class, chi.expand(2, 2));
        assertArrayEquals(new double[] {1, 3, 1, 3}, chi.expand(2, 2).df().toDoubleArray());
        assertEquals("The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0",
                message(() -> new Cauchy(Tensor.zeros(2), Tensor.ones(3))));
    }

    /** Empty batches give empty results; transposed (non-contiguous) parameters the values of their contiguous copies. */
    @Test
    void emptyAndNonContiguous() {
        Tensor e = Tensor.zeros(DType.FLOAT64, 0, 3);
        Tensor eOnes = Tensor.ones(DType.FLOAT64, 0, 3);
        Distribution[] empty = {new StudentT(eOnes, e, eOnes), new Cauchy(e, eOnes), new Gumbel(e, eOnes),
            new Weibull(eOnes, eOnes), new Kumaraswamy(eOnes, eOnes), new VonMises(e, eOnes), new HalfNormal(eOnes),
            ContinuousBernoulli.ofProbs(eOnes.mul(0.5))};
        for (Distribution d : empty) {
            String n = d.getClass().getSimpleName();
            assertArrayEquals(new int[] {0, 3}, d.logProb(eOnes.mul(0.5)).shape(), n);
            assertArrayEquals(new int[] {2, 0, 3}, d.sample(new Generator(1), 2).shape(), n);
        }
        Tensor a = Tensor.tensor(new double[][] {{0.5, 1.5, 2.5}, {3.0, 0.7, 1.2}}, DType.FLOAT64);
        Tensor b = Tensor.tensor(new double[][] {{1.5, 0.3, 2.0}, {0.9, 2.2, 1.1}}, DType.FLOAT64);
        Tensor at = a.t();
        Tensor bt = b.t();
        assertFalse(at.isContiguous());
        Tensor x = Tensor.tensor(new double[][] {{0.25, 0.5}, {0.75, 0.1}, {0.6, 0.9}}, DType.FLOAT64);
        String[] kinds = {"studentt", "cauchy", "gumbel", "weibull", "pareto", "fishersnedecor", "kumaraswamy", "vonmises"};
        for (String kind : kinds) {
            Tensor[] nc = kind.equals("studentt") ? new Tensor[] {at, bt, at} : new Tensor[] {at, bt};
            Tensor[] c = kind.equals("studentt") ? new Tensor[] {at.contiguous(), bt.contiguous(), at.contiguous()}
                    : new Tensor[] {at.contiguous(), bt.contiguous()};
            Tensor value = kind.equals("pareto") ? x.add(3.0) : x;
            assertArrayEquals(make(kind, c, 0).logProb(value).toDoubleArray(), make(kind, nc, 0).logProb(value).toDoubleArray(),
                    0.0, kind);
        }
    }

    /** Where PyTorch builds one as a TransformedDistribution, the same base and transforms. */
    @Test
    void transformedStructure() {
        HalfCauchy hc = new HalfCauchy(Tensor.ones(2));
        assertInstanceOf(TransformedDistribution.class, hc);
        assertInstanceOf(Cauchy.class, hc.baseDist());
        assertEquals(List.of(new AbsTransform()), hc.transforms());
        assertInstanceOf(Normal.class, new HalfNormal(2.0).baseDist());
        Gumbel gu = new Gumbel(Tensor.zeros(2), Tensor.ones(2));
        assertInstanceOf(Uniform.class, gu.baseDist());
        assertEquals("[_InverseTransform(ExpTransform()), AffineTransform(), _InverseTransform(ExpTransform()), "
                + "AffineTransform()]", gu.transforms().toString());
        Uniform u = (Uniform) gu.baseDist();
        assertEquals(Math.ulp(0f) * 0 + 1.1754943508222875e-38, u.low().toDoubleArray()[0], 0.0);
        assertEquals(1 - Math.ulp(1.0f), u.high().toDoubleArray()[0], 0.0);
        Weibull we = new Weibull(Tensor.ones(2), Tensor.ones(2));
        assertInstanceOf(Exponential.class, we.baseDist());
        assertEquals("[PowerTransform(), AffineTransform()]", we.transforms().toString());
        Pareto pa = new Pareto(Tensor.ones(2), Tensor.ones(2));
        assertInstanceOf(Exponential.class, pa.baseDist());
        assertEquals("[ExpTransform(), AffineTransform()]", pa.transforms().toString());
        assertEquals("GreaterThanEq(lower_bound=tensor([1., 1.]))", pa.support().toString());
        assertEquals("GreaterThanEq(lower_bound=1.0)", new Pareto(1.0, 2.0).support().toString());
        Kumaraswamy ku = new Kumaraswamy(Tensor.ones(2), Tensor.ones(2));
        assertInstanceOf(Uniform.class, ku.baseDist());
        assertEquals("[PowerTransform(), AffineTransform(), PowerTransform()]", ku.transforms().toString());
        assertInstanceOf(Gamma.class, new Chi2(3.0));
        // LogNormal as PyTorch builds it (session 21): Normal by ExpTransform
        dev.ember.distributions.LogNormal lnorm = new dev.ember.distributions.LogNormal(Tensor.zeros(2), Tensor.ones(2));
        assertInstanceOf(TransformedDistribution.class, lnorm);
        assertEquals(List.of(new dev.ember.distributions.ExpTransform()), lnorm.transforms());
        assertEquals("Normal(loc: torch.Size([2]), scale: torch.Size([2]))", lnorm.baseDist().toString());
        assertInstanceOf(dev.ember.distributions.LogNormal.class, lnorm.expand(3, 2));
        assertArrayEquals(new int[] {3, 2}, lnorm.expand(3, 2).baseDist().batchShape());
        LogisticNormal ln = new LogisticNormal(Tensor.zeros(3), Tensor.ones(3));
        assertEquals("Independent(Normal(loc: torch.Size([3]), scale: torch.Size([3])), 1)", ln.baseDist().toString());
        assertEquals(List.of(new StickBreakingTransform()), ln.transforms());
        assertEquals("Simplex()", ln.support().toString());
    }

    private static String message(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    private static Tensor f(float... v) {
        return Tensor.tensor(v);
    }

    @Test
    void validationMessagesAndReprs() {
        assertEquals("StudentT(df: 2.0, loc: 0.0, scale: 1.0)", new StudentT(2.0, 0.0, 1.0).toString());
        assertEquals("StudentT(df: 2.0, loc: 0.0, scale: 1.0)", new StudentT(Tensor.scalar(2.0f)).toString());
        assertEquals("StudentT(df: torch.Size([2]), loc: torch.Size([2]), scale: torch.Size([2]))",
                new StudentT(f(2, 3)).toString());
        assertEquals("Cauchy(loc: 0.0, scale: 1.0)", new Cauchy(0, 1).toString());
        assertEquals("HalfCauchy()", new HalfCauchy(1).toString());
        assertEquals("HalfNormal()", new HalfNormal(2).toString());
        assertEquals("Chi2()", new Chi2(3).toString());
        assertEquals("Gumbel(loc: 0.0, scale: 1.0)", new Gumbel(0, 1).toString());
        assertEquals("Weibull(scale: 1.0, concentration: 2.0)", new Weibull(1, 2).toString());
        assertEquals("Pareto(alpha: 2.0, scale: 1.0)", new Pareto(1, 2).toString());
        assertEquals("FisherSnedecor(df1: 1.0, df2: 2.0)", new FisherSnedecor(1, 2).toString());
        assertEquals("Kumaraswamy(concentration1: 1.0, concentration0: 2.0)", new Kumaraswamy(1, 2).toString());
        assertEquals("VonMises(loc: 0.0, concentration: 1.0)", new VonMises(0, 1).toString());
        String gt0 = " to satisfy the constraint GreaterThan(lower_bound=0.0), but found invalid values:\n";
        assertEquals("Expected parameter df (Tensor of shape (1,)) of distribution Chi2()" + gt0 + "tensor([-1.])",
                message(() -> new StudentT(f(-1))));
        assertEquals("Expected parameter scale (Tensor of shape (1,)) of distribution StudentT(df: tensor([1.]), loc: "
                + "tensor([0.]), scale: tensor([-1.]))" + gt0 + "tensor([-1.])", message(() -> new StudentT(f(1), f(0), f(-1))));
        assertEquals("Expected parameter scale (Tensor of shape (1,)) of distribution Cauchy(loc: tensor([0.]), scale: "
                + "tensor([-1.]))" + gt0 + "tensor([-1.])", message(() -> new Cauchy(f(0), f(-1))));
        assertEquals("Expected parameter scale (Tensor of shape (1,)) of distribution HalfCauchy()" + gt0 + "tensor([-1.])",
                message(() -> new HalfCauchy(f(-1))));
        assertEquals("Expected parameter scale (Tensor of shape (1,)) of distribution HalfNormal()" + gt0 + "tensor([-1.])",
                message(() -> new HalfNormal(f(-1))));
        assertEquals("Expected parameter df (Tensor of shape (1,)) of distribution Chi2()" + gt0 + "tensor([-1.])",
                message(() -> new Chi2(f(-1))));
        assertEquals("Expected parameter scale (Tensor of shape (1,)) of distribution Gumbel(loc: tensor([0.]), scale: "
                + "tensor([-1.]))" + gt0 + "tensor([-1.])", message(() -> new Gumbel(f(0), f(-1))));
        assertEquals("Expected parameter concentration (Tensor of shape (1,)) of distribution Weibull(scale: tensor([1.]), "
                + "concentration: tensor([-1.]))" + gt0 + "tensor([-1.])", message(() -> new Weibull(f(1), f(-1))));
        assertEquals("Expected parameter rate (Tensor of shape (1,)) of distribution Exponential(rate: tensor([-1.]))" + gt0
                + "tensor([-1.])", message(() -> new Pareto(f(1), f(-1))));
        assertEquals("Expected parameter scale (Tensor of shape (1,)) of distribution Pareto(alpha: tensor([1.]), scale: "
                + "tensor([-1.]))" + gt0 + "tensor([-1.])", message(() -> new Pareto(f(-1), f(1))));
        assertEquals("Expected parameter concentration (Tensor of shape (1,)) of distribution Gamma(concentration: "
                + "tensor([-0.5000]), rate: tensor([-1.]))" + gt0 + "tensor([-0.5000])",
                message(() -> new FisherSnedecor(f(-1), f(1))));
        assertEquals("Expected parameter concentration1 (Tensor of shape (1,)) of distribution Kumaraswamy(concentration1: "
                + "tensor([-1.]), concentration0: tensor([1.]))" + gt0 + "tensor([-1.])",
                message(() -> new Kumaraswamy(f(-1), f(1))));
        assertEquals("Expected parameter concentration (Tensor of shape (1,)) of distribution VonMises(loc: tensor([0.]), "
                + "concentration: tensor([-1.]))" + gt0 + "tensor([-1.])", message(() -> new VonMises(f(0), f(-1))));
        String inSupport = "Expected value argument (Tensor of shape (1,)) to be within the support (";
        assertEquals(inSupport + "GreaterThanEq(lower_bound=0.0)) of the distribution HalfNormal(), but found invalid "
                + "values:\ntensor([-1.])", message(() -> new HalfNormal(f(1)).logProb(f(-1))));
        assertEquals(inSupport + "GreaterThanEq(lower_bound=0.0)) of the distribution HalfCauchy(), but found invalid "
                + "values:\ntensor([-1.])", message(() -> new HalfCauchy(f(1)).logProb(f(-1))));
        assertEquals(inSupport + "GreaterThanEq(lower_bound=tensor([1.]))) of the distribution Pareto(alpha: tensor([1.]), "
                + "scale: tensor([1.])), but found invalid values:\ntensor([0.5000])",
                message(() -> new Pareto(f(1), f(1)).logProb(f(0.5f))));
        assertEquals(inSupport + "Interval(lower_bound=0.0, upper_bound=1.0)) of the distribution Kumaraswamy("
                + "concentration1: tensor([1.]), concentration0: tensor([1.])), but found invalid values:\ntensor([1.5000])",
                message(() -> new Kumaraswamy(f(1), f(1)).logProb(f(1.5f))));
        assertEquals(inSupport + "GreaterThan(lower_bound=0.0)) of the distribution Weibull(scale: tensor([1.]), "
                + "concentration: tensor([1.])), but found invalid values:\ntensor([0.])",
                message(() -> new Weibull(f(1), f(1)).logProb(f(0))));
        assertEquals(inSupport + "GreaterThan(lower_bound=0.0)) of the distribution FisherSnedecor(df1: tensor([1.]), "
                + "df2: tensor([1.])), but found invalid values:\ntensor([-0.5000])",
                message(() -> new FisherSnedecor(f(1), f(1)).logProb(f(-0.5f))));
        assertEquals(inSupport + "GreaterThanEq(lower_bound=0.0)) of the distribution Chi2(), but found invalid values:\n"
                + "tensor([-0.5000])", message(() -> new Chi2(f(1)).logProb(f(-0.5f))));
        assertEquals(inSupport + "Real()) of the distribution StudentT(df: tensor([1.]), loc: tensor([0.]), scale: "
                + "tensor([1.])), but found invalid values:\ntensor([nan])", message(() -> new StudentT(f(1)).logProb(f(Float.NaN))));
        assertEquals("ContinuousBernoulli(probs: 0.30000001192092896)", new ContinuousBernoulli(0.3).toString());
        assertEquals("ContinuousBernoulli(logits: torch.Size([2]))", ContinuousBernoulli.ofLogits(f(0.3f, 0.2f)).toString());
        assertEquals("LogisticNormal()", new LogisticNormal(0, 1).toString());
        assertEquals("The parameter probs has invalid values", message(() -> new ContinuousBernoulli(f(1.5f), null, false)));
        assertEquals(1, ContinuousBernoulli.ofProbs(f(1.5f)).batchShape()[0], "validate_args None: clamped, no check");
        assertEquals("Either `probs` or `logits` must be specified, but not both.",
                message(() -> new ContinuousBernoulli(f(0.5f), f(0.5f), null)));
        assertEquals("Expected parameter scale (Tensor of shape (1,)) of distribution Normal(loc: tensor([0.5000]), scale: "
                + "tensor([-0.5000]))" + gt0 + "tensor([-0.5000])", message(() -> new LogisticNormal(f(0.5f), f(-0.5f))));
        assertEquals(inSupport.replace("(1,)", "(4,)") + "Simplex()) of the distribution LogisticNormal(), but found invalid "
                + "values:\ntensor([0.5000, 0.5000, 0.5000, 0.5000])",
                message(() -> new LogisticNormal(Tensor.zeros(3), Tensor.ones(3)).logProb(f(0.5f, 0.5f, 0.5f, 0.5f))));
        assertEquals("Too few dimensions on input", message(() -> new StickBreakingTransform().forwardShape(new int[0])));
        // validation off: no check, the values as the formulas give them
        assertEquals(1, new HalfNormal(f(-1), false).batchShape()[0]);
        assertTrue(Double.isInfinite(new HalfNormal(f(1), false).logProb(f(-1)).item()));
    }

    @Test
    void klErrors() {
        assertEquals("No KL(p || q) is implemented for p type Gumbel and q type Laplace",
                assertThrows(UnsupportedOperationException.class,
                        () -> KL.klDivergence(new Gumbel(0, 1), new Laplace(0, 1))).getMessage());
        assertEquals("No KL(p || q) is implemented for p type Cauchy and q type Normal",
                assertThrows(UnsupportedOperationException.class,
                        () -> KL.klDivergence(new Cauchy(0, 1), new Normal(0, 1))).getMessage());
        // _kl_transformed_transformed: different transforms, PyTorch's bare NotImplementedError
        assertNull(assertThrows(UnsupportedOperationException.class,
                () -> KL.klDivergence(new Weibull(1, 1), new Pareto(1, 1))).getMessage());
        assertNull(assertThrows(UnsupportedOperationException.class,
                () -> KL.klDivergence(new Weibull(1, 1), new Weibull(1, 2))).getMessage());
    }
}
