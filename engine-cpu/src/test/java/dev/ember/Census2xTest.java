package dev.ember;

import dev.ember.amp.CustomAmp;
import dev.ember.data.Collate;
import dev.ember.data.DataLoader;
import dev.ember.data.Dataset;
import dev.ember.data.StackDataset;
import dev.ember.data.TensorDataset;
import dev.ember.distributions.Constraint;
import dev.ember.distributions.GeneralizedPareto;
import dev.ember.distributions.InverseGamma;
import dev.ember.nn.utils.Checkpoint;
import dev.ember.optim.Adafactor;
import dev.ember.optim.Muon;
import dev.ember.optim.Optimizer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
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
 * The PyTorch 2.x names the census of session 43 ({@code census2x/CENSUS.md}) found missing and filled:
 * {@code torch.optim.Adafactor} (2.5), {@code torch.optim.Muon} (2.9), {@code torch.distributions.InverseGamma} (2.3),
 * {@code torch.distributions.GeneralizedPareto} (2.7),
 * {@code torch.utils.data.StackDataset} (2.1), {@code Tensor.nbytes} and {@code Tensor.itemsize} (2.1),
 * {@code torch.autograd.graph.increment_version} (2.1), {@code Tensor.dim_order} (2.2), {@code torch.amp.custom_fwd}
 * and {@code custom_bwd} (2.4), {@code DataLoader(in_order=False)} (2.6), the non-reentrant
 * checkpoint's {@code determinism_check} (2.1), {@code torch.autograd.graph.get_gradient_edge} (2.3). Values from
 * {@code census2x/make_expected.py} (2.x's rules computed with PyTorch 1.13's ops, stated there); StackDataset's
 * samples by its rule (sample i is every data set's sample i) and its messages as 2.x's source words them.
 */
class Census2xTest {
    private static final ExpectedLines EXPECTED = ExpectedLines.load("/census2x/expected.txt");

    // ------------------------------------------------------------------ Adafactor

    /** The parameters of case {@code key}, group by group, as leaves that require grad. */
    private static List<List<Tensor>> initial(String key) {
        List<List<Tensor>> groups = new ArrayList<>();
        for (int g = 0; EXPECTED.get(key + ".init." + g + ".0") != null; g++) {
            List<Tensor> ps = new ArrayList<>();
            for (int p = 0; EXPECTED.get(key + ".init." + g + "." + p) != null; p++) {
                ps.add(EXPECTED.tensor(key + ".init." + g + "." + p).requiresGrad_(true));
            }
            groups.add(ps);
        }
        return groups;
    }

    /** The optimizer of each case, as the generator configures it. */
    private static Optimizer make(String key, List<List<Tensor>> groups) {
        switch (key) {
            case "muon.default":
                return new Muon(groups.get(0));
            case "muon.options":
                return new Muon(groups.get(0), 0.02, 0.01, 0.9, false, new double[] {2.0, -1.5, 0.5}, 1e-5, 3,
                        "match_rms_adamw");
            case "muon.bf16":
                return new Muon(groups.get(0), 0.05, 0.1, 0.95, false, new double[] {3.4445, -4.775, 2.0315}, 1e-7, 5,
                        null);
            case "options":
                return new Adafactor(groups.get(0), 0.05, -0.5, 1e-3, 1e-2, 1.2, 0.1, true);
            case "groups": {
                Optimizer opt = new Adafactor(groups.get(0));
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("lr", 0.001);
                o.put("weight_decay", 0.5);
                opt.addParamGroup(groups.get(1), o);
                return opt;
            }
            case "float32":
                return new Adafactor(groups.get(0), 1e-2, -0.8, null, 1e-3, 1.0, 0.01, false);
            default:
                return new Adafactor(groups.get(0));
        }
    }

    /** Steps {@code from} to {@code to - 1} of case {@code key}: the gradients set, a step, the parameters compared. */
    private static void steps(String key, Optimizer opt, List<List<Tensor>> groups, int from, int to) {
        // Muon: its float32 and float64 parameters to the last bit or so (the bfloat16 products round alike here);
        // a bfloat16 parameter within ReferenceCases' bfloat16 tolerance
        double f32 = key.startsWith("muon") ? 1e-7 : 2e-6;
        double f64 = key.startsWith("muon") ? 1e-13 : 1e-12;
        for (int t = from; t < to; t++) {
            for (int g = 0; g < groups.size(); g++) {
                for (int p = 0; p < groups.get(g).size(); p++) {
                    String grad = EXPECTED.get(key + ".grad." + t + "." + g + "." + p);
                    groups.get(g).get(p).setGrad(grad == null ? null : PyTorchCases.tensor(grad));
                }
            }
            opt.step();
            for (int g = 0; g < groups.size(); g++) {
                for (int p = 0; p < groups.get(g).size(); p++) {
                    String k = key + ".after." + t + "." + g + "." + p;
                    ReferenceCases.assertClose(k, EXPECTED.tensor(k), groups.get(g).get(p).detach(), f32, f64);
                }
            }
        }
    }

    private static int steps(String key) {
        int n = 0;
        while (EXPECTED.get(key + ".after." + n + ".0.0") != null) {
            n++;
        }
        return n;
    }

    @TestFactory
    List<DynamicTest> adafactorAndMuonFollowPyTorch() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String key : List.of("default", "options", "groups", "float32", "nan", "late", "muon.default",
                "muon.options", "muon.bf16")) {
            tests.add(DynamicTest.dynamicTest(key, () -> {
                List<List<Tensor>> groups = initial(key);
                Optimizer opt = make(key, groups);
                steps(key, opt, groups, 0, steps(key));
                // the final state of every parameter: step, then row_var and col_var, or variance
                @SuppressWarnings("unchecked")
                Map<Integer, Map<String, Object>> state = (Map<Integer, Map<String, Object>>) opt.stateDict().get("state");
                int index = 0;
                for (int g = 0; g < groups.size(); g++) {
                    for (int p = 0; p < groups.get(g).size(); p++, index++) {
                        String prefix = key + ".state." + g + "." + p + ".";
                        List<String> keys = EXPECTED.keys(prefix);
                        assertEquals(keys, new ArrayList<>(state.get(index).keySet()), prefix);
                        for (String k : keys) {
                            double tol = key.startsWith("muon") ? 1e-7 : 2e-6;
                            ReferenceCases.assertClose(prefix + k, EXPECTED.tensor(prefix + k),
                                    (Tensor) state.get(index).get(k), tol, 1e-12);
                        }
                    }
                }
            }));
        }
        return tests;
    }

    @Test
    void adafactorStateDictContinues() {
        List<List<Tensor>> groups = initial("default");
        Optimizer first = make("default", groups);
        steps("default", first, groups, 0, 2);
        Map<String, Object> saved = first.stateDict();
        @SuppressWarnings("unchecked")
        Map<String, Object> group = ((List<Map<String, Object>>) saved.get("param_groups")).get(0);
        // 2.x's defaults, in its order, eps a (None, 1e-3) pair
        assertEquals(List.of("lr", "beta2_decay", "eps", "d", "weight_decay", "foreach", "maximize", "params"),
                new ArrayList<>(group.keySet()));
        assertEquals(Arrays.asList(null, 1e-3), group.get("eps"));
        assertEquals(-0.8, group.get("beta2_decay"));
        // a new optimizer over copies of the parameters, the state loaded, goes on as the first would have
        List<List<Tensor>> copies = new ArrayList<>();
        for (List<Tensor> ps : groups) {
            List<Tensor> c = new ArrayList<>();
            for (Tensor p : ps) {
                c.add(p.detach().clone().requiresGrad_(true));
            }
            copies.add(c);
        }
        Optimizer second = make("default", copies);
        second.loadStateDict(saved);
        steps("default", second, copies, 2, 4);
    }

    @Test
    void adafactorRefusesWrongStateShapes() {
        List<List<Tensor>> groups = initial("default");
        Optimizer first = make("default", groups);
        steps("default", first, groups, 0, 1);
        Map<String, Object> saved = first.stateDict();
        @SuppressWarnings("unchecked")
        Map<String, Object> s0 = ((Map<Integer, Map<String, Object>>) saved.get("state")).get(0);
        s0.put("row_var", Tensor.zeros(DType.FLOAT64, 3, 4));
        Optimizer second = make("default", groups);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> second.loadStateDict(saved));
        assertEquals("the saved state of parameter 0: row_var has shape [3, 4] but it should have shape [3, 1]",
                e.getMessage());
    }

    @Test
    void adafactorOptionMessages() {
        List<Tensor> ps = List.of(Tensor.zeros(DType.FLOAT64, 2, 2).requiresGrad_(true));
        Map<String, Runnable> bad = new LinkedHashMap<>();
        bad.put("lr", () -> new Adafactor(ps, -1.0));
        bad.put("lrnan", () -> new Adafactor(ps, Double.NaN));
        bad.put("beta2", () -> new Adafactor(ps, 0.01, 0.5, null, 1e-3, 1.0, 0.0, false));
        bad.put("eps1", () -> new Adafactor(ps, 0.01, -0.8, -0.001, 1e-3, 1.0, 0.0, false));
        bad.put("eps2", () -> new Adafactor(ps, 0.01, -0.8, null, -0.5, 1.0, 0.0, false));
        bad.put("d", () -> new Adafactor(ps, 0.01, -0.8, null, 1e-3, 0.5, 0.0, false));
        bad.put("wd", () -> new Adafactor(ps, 0.01, -0.8, null, 1e-3, 1.0, -0.1, false));
        for (Map.Entry<String, Runnable> e : bad.entrySet()) {
            IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e.getValue()::run, e.getKey());
            assertEquals(EXPECTED.text("adafactor.error." + e.getKey()), x.getMessage(), e.getKey());
        }
        // a group added later is checked with the same rules, and a bad one is not added
        Adafactor opt = new Adafactor(ps);
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("d", 0.5);
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class,
                () -> opt.addParamGroup(List.of(Tensor.zeros(DType.FLOAT64, 3).requiresGrad_(true)), o));
        assertEquals(EXPECTED.text("adafactor.error.d"), x.getMessage());
        assertEquals(1, opt.paramGroups().size());
        // eps given with a number where PyTorch's default has None: taken
        Map<String, Object> o2 = new LinkedHashMap<>();
        o2.put("eps", Arrays.asList(1e-30, 1e-3));
        opt.addParamGroup(List.of(Tensor.zeros(DType.FLOAT64, 3).requiresGrad_(true)), o2);
        assertEquals(Arrays.asList(1e-30, 1e-3), opt.paramGroups().get(1).get("eps"));
    }

    @Test
    void adafactorRefusesComplexParametersAtTheStep() {
        Tensor real = Tensor.ones(DType.FLOAT64, 2, 2).requiresGrad_(true);
        Tensor complex = Tensor.ones(DType.COMPLEX128, 3).requiresGrad_(true);
        Adafactor opt = new Adafactor(List.of(real, complex));
        real.setGrad(Tensor.ones(DType.FLOAT64, 2, 2));
        complex.setGrad(Tensor.ones(DType.COMPLEX128, 3));
        IllegalStateException e = assertThrows(IllegalStateException.class, opt::step);
        assertEquals("Adafactor does not support complex parameters", e.getMessage());
        // nothing changed: the real parameter (before the complex one) kept its values and has no state
        assertArrayEquals(new double[] {1, 1, 1, 1}, real.detach().toDoubleArray());
        @SuppressWarnings("unchecked")
        Map<Integer, Object> state = (Map<Integer, Object>) opt.stateDict().get("state");
        assertTrue(state.isEmpty());
    }

    @Test
    void muonMessages() {
        List<Tensor> ps = List.of(Tensor.zeros(DType.FLOAT32, 2, 3).requiresGrad_(true));
        double[] abc = {3.4445, -4.775, 2.0315};
        Map<String, Runnable> bad = new LinkedHashMap<>();
        bad.put("lr", () -> new Muon(ps, -0.5));
        bad.put("momentum", () -> new Muon(ps, 1e-3, 0.1, -0.1, true, abc, 1e-7, 5, null));
        bad.put("wd", () -> new Muon(ps, 1e-3, -1.0, 0.95, true, abc, 1e-7, 5, null));
        bad.put("fn", () -> new Muon(ps, 1e-3, 0.1, 0.95, true, abc, 1e-7, 5, "sqrt"));
        bad.put("dim", () -> new Muon(List.of(Tensor.zeros(DType.FLOAT32, 3).requiresGrad_(true))));
        for (Map.Entry<String, Runnable> e : bad.entrySet()) {
            IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e.getValue()::run, e.getKey());
            assertEquals(EXPECTED.text("muon.error." + e.getKey()), x.getMessage(), e.getKey());
        }
        // at the step, before anything changes: too many iterations, and a vector of a group added later
        Tensor w = Tensor.ones(DType.FLOAT32, 2, 3).requiresGrad_(true);
        Muon opt = new Muon(List.of(w), 1e-3, 0.1, 0.95, true, abc, 1e-7, 100, null);
        w.setGrad(Tensor.ones(DType.FLOAT32, 2, 3));
        assertEquals(EXPECTED.text("muon.error.steps"), assertThrows(IllegalStateException.class, opt::step).getMessage());
        assertArrayEquals(new double[] {1, 1, 1, 1, 1, 1}, w.detach().toDoubleArray());
        Muon two = new Muon(List.of(w));
        Tensor v = Tensor.ones(DType.FLOAT32, 3).requiresGrad_(true);
        two.addParamGroup(List.of(v), Map.of());
        v.setGrad(Tensor.ones(DType.FLOAT32, 3));
        assertEquals("Param gradient must be a 2D matrix",
                assertThrows(IllegalStateException.class, two::step).getMessage());
        assertArrayEquals(new double[] {1, 1, 1, 1, 1, 1}, w.detach().toDoubleArray());
        // the defaults in PyTorch's order, ns_steps an int
        @SuppressWarnings("unchecked")
        Map<String, Object> group = ((List<Map<String, Object>>) two.stateDict().get("param_groups")).get(0);
        assertEquals(List.of("lr", "weight_decay", "momentum", "nesterov", "ns_coefficients", "eps", "ns_steps",
                "adjust_lr_fn", "params"), new ArrayList<>(group.keySet()));
        assertEquals(List.of(3.4445, -4.775, 2.0315), group.get("ns_coefficients"));
        assertNull(group.get("adjust_lr_fn"));
    }

    // ------------------------------------------------------------------ InverseGamma

    private static void assertExpected(String key, Tensor got, double f32) {
        ReferenceCases.assertClose(key, EXPECTED.tensor(key), got.detach(), f32, 1e-12);
    }

    /** The gradients of {@code sum(out * w)} against the generator's, one input after another. */
    private static void assertGrads(String key, Tensor out, Map<String, Tensor> inputs, double f32) {
        for (Tensor t : inputs.values()) {
            t.setGrad(null);
        }
        out.mul(ReferenceCases.weights(out.shape(), out.dtype())).sum().backward();
        for (Map.Entry<String, Tensor> e : inputs.entrySet()) {
            String k = key + ".grad." + e.getKey();
            if ("none".equals(EXPECTED.get(k))) {
                assertNull(e.getValue().grad(), k);
            } else {
                ReferenceCases.assertClose(k, EXPECTED.tensor(k), e.getValue().grad(), f32, 1e-11);
            }
        }
    }

    @TestFactory
    List<DynamicTest> inverseGammaFollowsPyTorch() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String key : List.of("ig.f64", "ig.f32")) {
            double f32 = 3e-5;
            tests.add(DynamicTest.dynamicTest(key, () -> {
                Tensor c = EXPECTED.tensor(key + ".c").requiresGrad_(true);
                Tensor r = EXPECTED.tensor(key + ".r").requiresGrad_(true);
                Tensor x = EXPECTED.tensor(key + ".x").requiresGrad_(true);
                InverseGamma d = new InverseGamma(c, r);
                Tensor lp = d.logProb(x);
                assertExpected(key + ".log_prob", lp, f32);
                assertGrads(key + ".log_prob", lp, Map.of("c", c, "r", r, "x", x), f32);
                Tensor cdf = new InverseGamma(c.detach(), r).cdf(x);
                assertExpected(key + ".cdf", cdf, f32);
                assertGrads(key + ".cdf", cdf, Map.of("r", r, "x", x), f32);
                Map<String, Function<InverseGamma, Tensor>> moments = new LinkedHashMap<>();
                moments.put("mean", InverseGamma::mean);
                moments.put("mode", InverseGamma::mode);
                moments.put("variance", InverseGamma::variance);
                moments.put("entropy", InverseGamma::entropy);
                for (Map.Entry<String, Function<InverseGamma, Tensor>> m : moments.entrySet()) {
                    Tensor v = m.getValue().apply(new InverseGamma(c, r));
                    assertExpected(key + "." + m.getKey(), v, f32);
                    assertGrads(key + "." + m.getKey(), v, Map.of("c", c, "r", r), f32);
                }
            }));
        }
        return tests;
    }

    @Test
    void inverseGammaBroadcastsAndExpands() {
        Tensor c = Tensor.tensor(new double[] {1.5, 3.0}, DType.FLOAT64, Device.CPU).reshape(2, 1).requiresGrad_(true);
        Tensor r = Tensor.tensor(new double[] {0.5, 1.0, 2.0}, DType.FLOAT64, Device.CPU).requiresGrad_(true);
        InverseGamma d = new InverseGamma(c, r);
        assertEquals(EXPECTED.get("ig.bcast.batch_shape"), Arrays.toString(d.batchShape()));
        Tensor lp = d.logProb(EXPECTED.tensor("ig.bcast.x"));
        assertExpected("ig.bcast.log_prob", lp, 0);
        assertGrads("ig.bcast.log_prob", lp, Map.of("c", c, "r", r), 0);
        Tensor h = d.entropy();
        assertExpected("ig.bcast.entropy", h, 0);
        assertGrads("ig.bcast.entropy", h, Map.of("c", c, "r", r), 0);

        InverseGamma e = new InverseGamma(Tensor.tensor(new double[] {3.0, 5.0}, DType.FLOAT64, Device.CPU),
                Tensor.tensor(new double[] {2.0, 4.0}, DType.FLOAT64, Device.CPU)).expand(3, 2);
        assertEquals(EXPECTED.get("ig.expand.batch_shape"), Arrays.toString(e.batchShape()));
        assertExpected("ig.expand.log_prob", e.logProb(Tensor.full(DType.FLOAT64, 0.8, 3, 2)), 0);
        assertTrue(e instanceof InverseGamma);
    }

    @Test
    void inverseGammaValidatesAndPrints() {
        Tensor one = Tensor.tensor(new double[] {1.0}, DType.FLOAT32, Device.CPU);
        Tensor bad = Tensor.tensor(new double[] {-1.0}, DType.FLOAT32, Device.CPU);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new InverseGamma(bad, one, true));
        assertEquals(EXPECTED.get("ig.error.param").substring("ValueError: ".length()), e.getMessage().split("\n")[0]);
        InverseGamma d = new InverseGamma(Tensor.tensor(new double[] {2.0}, DType.FLOAT32, Device.CPU), one, true);
        IllegalArgumentException v = assertThrows(IllegalArgumentException.class,
                () -> d.logProb(Tensor.tensor(new double[] {-0.5}, DType.FLOAT32, Device.CPU)));
        assertEquals(EXPECTED.get("ig.error.value").substring("ValueError: ".length()), v.getMessage().split("\n")[0]);
        assertEquals("InverseGamma()", d.toString());
        assertEquals(Constraint.POSITIVE, d.support());
        assertTrue(d.hasRsample());
        // the transform's exponent is a 0-dim -1 of the rate's type
        assertEquals(DType.FLOAT32, d.baseDist().rate().dtype());
    }

    @Test
    void inverseGammaSamplesAreReparameterized() {
        // mean rate / (c - 1) = 1, variance rate² / ((c - 1)² (c - 2)) = 1/3: 20000 draws put the sample mean within
        // 0.03 of 1 (over seven standard errors) for this seed
        Tensor c = Tensor.full(DType.FLOAT64, 5.0).requiresGrad_(true);
        Tensor r = Tensor.full(DType.FLOAT64, 4.0).requiresGrad_(true);
        InverseGamma d = new InverseGamma(c, r);
        Tensor s = d.rsample(new Generator(43), 20000);
        assertArrayEquals(new int[] {20000}, s.shape());
        assertTrue(s.detach().gt(0L).all());
        assertEquals(1.0, s.detach().mean().item(), 0.03);
        s.mean().backward();
        // d mean / d rate = 1 / (c - 1) = 0.25 for the exact mean; the sample's is the sample mean / rate
        assertEquals(s.detach().mean().item() / 4.0, r.grad().item(), 1e-9);
        assertFalse(c.grad() == null);
    }

    // ------------------------------------------------------------------ GeneralizedPareto

    @TestFactory
    List<DynamicTest> generalizedParetoFollowsPyTorch() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String key : List.of("gp.f32", "gp.f64")) {
            double f32 = 2e-6;
            tests.add(DynamicTest.dynamicTest(key, () -> {
                Map<String, Tensor> in = new LinkedHashMap<>();
                for (String n : List.of("loc", "scale", "conc", "x", "q")) {
                    in.put(n, EXPECTED.tensor(key + "." + n).requiresGrad_(true));
                }
                GeneralizedPareto d = new GeneralizedPareto(in.get("loc"), in.get("scale"), in.get("conc"));
                Map<String, Tensor> params = new LinkedHashMap<>();
                params.put("loc", in.get("loc"));
                params.put("scale", in.get("scale"));
                params.put("conc", in.get("conc"));
                Map<String, Tensor> withX = new LinkedHashMap<>(params);
                withX.put("x", in.get("x"));
                Map<String, Function<Tensor, Tensor>> ofX = new LinkedHashMap<>();
                ofX.put("log_prob", d::logProb);
                ofX.put("log_survival", d::logSurvivalFunction);
                ofX.put("cdf", d::cdf);
                for (Map.Entry<String, Function<Tensor, Tensor>> f : ofX.entrySet()) {
                    Tensor v = f.getValue().apply(in.get("x"));
                    assertExpected(key + "." + f.getKey(), v, f32);
                    assertGrads(key + "." + f.getKey(), v, withX, f32);
                }
                Map<String, Tensor> withQ = new LinkedHashMap<>(params);
                withQ.put("q", in.get("q"));
                Tensor icdf = d.icdf(in.get("q"));
                assertExpected(key + ".icdf", icdf, f32);
                assertGrads(key + ".icdf", icdf, withQ, f32);
                Map<String, Tensor> moments = new LinkedHashMap<>();
                moments.put("mean", d.mean());
                moments.put("variance", d.variance());
                moments.put("entropy", d.entropy());
                for (Map.Entry<String, Tensor> m : moments.entrySet()) {
                    assertExpected(key + "." + m.getKey(), m.getValue(), f32);
                    assertGrads(key + "." + m.getKey(), m.getValue(), params, f32);
                }
                assertEquals(in.get("loc"), d.mode());
            }));
        }
        return tests;
    }

    @Test
    void generalizedParetoSupportReprAndMessages() {
        Tensor loc = Tensor.tensor(new double[] {0.0, 1.0}, DType.FLOAT32, Device.CPU);
        Tensor scale = Tensor.tensor(new double[] {1.0, 2.0}, DType.FLOAT32, Device.CPU);
        GeneralizedPareto positive = new GeneralizedPareto(loc, scale,
                Tensor.tensor(new double[] {0.5, 0.1}, DType.FLOAT32, Device.CPU));
        assertEquals(EXPECTED.get("gp.support.positive"), positive.support().toString());
        assertEquals(EXPECTED.get("gp.repr"), positive.toString());
        GeneralizedPareto negative = new GeneralizedPareto(loc, scale,
                Tensor.tensor(new double[] {-0.5, 0.1}, DType.FLOAT32, Device.CPU));
        assertEquals(EXPECTED.get("gp.support.negative"), negative.support().toString());
        Tensor zero = Tensor.tensor(new double[] {0.0}, DType.FLOAT32, Device.CPU);
        Tensor one = Tensor.tensor(new double[] {1.0}, DType.FLOAT32, Device.CPU);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new GeneralizedPareto(zero,
                Tensor.tensor(new double[] {-1.0}, DType.FLOAT32, Device.CPU),
                Tensor.tensor(new double[] {0.5}, DType.FLOAT32, Device.CPU), true));
        assertEquals(EXPECTED.get("gp.error.scale").substring("ValueError: ".length()), e.getMessage().split("\n")[0]);
        GeneralizedPareto bounded = new GeneralizedPareto(zero, one,
                Tensor.tensor(new double[] {-0.5}, DType.FLOAT32, Device.CPU), true);
        IllegalArgumentException v = assertThrows(IllegalArgumentException.class,
                () -> bounded.logProb(Tensor.tensor(new double[] {2.5}, DType.FLOAT32, Device.CPU)));
        assertEquals(EXPECTED.get("gp.error.value").substring("ValueError: ".length()), v.getMessage().split("\n")[0]);
        assertFalse(bounded.hasRsample());
        GeneralizedPareto expanded = new GeneralizedPareto(0.0, 1.0, 0.2).expand(2, 3);
        assertArrayEquals(new int[] {2, 3}, expanded.batchShape());
        assertArrayEquals(new int[] {2, 3}, expanded.entropy().shape());
        // 2.7 raises for float64 parameters (its isclose against a float32 zero); Ember computes them (gp.f64 above)
        assertEquals("RuntimeError: Double did not match Float", EXPECTED.get("gp.error.float64"));
    }

    @Test
    void generalizedParetoSamplesByTheInverseCdf() {
        // k = 0.2: mean 1 / 0.8 = 1.25, variance 1 / (0.64 * 0.6) = 2.6; 20000 draws put the sample mean within 0.06
        // of 1.25 (over five standard errors) for this seed; samples have no history and lie in the support
        Tensor k = Tensor.full(DType.FLOAT64, 0.2).requiresGrad_(true);
        GeneralizedPareto d = new GeneralizedPareto(Tensor.full(DType.FLOAT64, 0.0), Tensor.full(DType.FLOAT64, 1.0), k);
        Tensor s = d.sample(new Generator(43), 20000);
        assertArrayEquals(new int[] {20000}, s.shape());
        assertFalse(s.requiresGrad());
        assertTrue(s.ge(0L).all());
        assertEquals(1.25, s.mean().item(), 0.06);
        // the same draws as icdf of the generator's uniforms
        Tensor u = Tensor.rand(new Generator(43), DType.FLOAT64, 20000);
        assertArrayEquals(d.icdf(u).detach().toDoubleArray(), s.toDoubleArray());
    }

    // ------------------------------------------------------------------ StackDataset

    @Test
    void stackDatasetStacksAsListOrMap() {
        Tensor x = Tensor.arange(12, DType.FLOAT32).reshape(4, 3);
        Tensor y = Tensor.arange(4, DType.INT64);
        TensorDataset xs = new TensorDataset(x);
        Dataset<String> names = Dataset.of(List.of("a", "b", "c", "d"));
        StackDataset<List<Object>> tuple = StackDataset.of(xs, names);
        assertEquals(4, tuple.size());
        for (int i = 0; i < 4; i++) {
            List<Object> s = tuple.get(i);
            assertEquals(2, s.size());
            assertArrayEquals(x.select(0, i).toDoubleArray(), ((Tensor) ((List<?>) s.get(0)).get(0)).toDoubleArray());
            assertEquals(names.get(i), s.get(1));
        }
        Map<String, Dataset<?>> named = new LinkedHashMap<>();
        named.put("label", new TensorDataset(y));
        named.put("image", xs);
        StackDataset<Map<String, Object>> dict = StackDataset.of(named);
        assertEquals(List.of("label", "image"), new ArrayList<>(dict.get(2).keySet()));
        assertEquals(List.of("label", "image"), dict.names());
        // a batch of map samples collates into a map of batches, as default_collate does a dict
        DataLoader<Map<String, Object>, Map<String, Object>> loader = DataLoader.builder(dict).batchSize(2).build();
        Map<String, Object> batch = loader.iterator().next();
        assertEquals(List.of("label", "image"), new ArrayList<>(batch.keySet()));
        @SuppressWarnings("unchecked")
        Tensor images = ((List<Tensor>) batch.get("image")).get(0);
        assertArrayEquals(new int[] {2, 3}, images.shape());
        assertArrayEquals(x.narrow(0, 0, 2).toDoubleArray(), images.toDoubleArray());
    }

    @Test
    void stackDatasetRefusesWithPyTorchsMessages() {
        TensorDataset four = new TensorDataset(Tensor.zeros(4, 2));
        TensorDataset three = new TensorDataset(Tensor.zeros(3, 2));
        assertEquals("Size mismatch between datasets",
                assertThrows(IllegalArgumentException.class, () -> StackDataset.of(four, three)).getMessage());
        assertEquals("At least one dataset should be passed",
                assertThrows(IllegalArgumentException.class, () -> StackDataset.of()).getMessage());
        assertEquals("At least one dataset should be passed",
                assertThrows(IllegalArgumentException.class, () -> StackDataset.of(Map.of())).getMessage());
        Map<String, Dataset<?>> m = new LinkedHashMap<>();
        m.put("a", four);
        m.put("b", three);
        assertEquals("Size mismatch between datasets",
                assertThrows(IllegalArgumentException.class, () -> StackDataset.of(m)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> StackDataset.of(four, null));
        assertThrows(IndexOutOfBoundsException.class, () -> StackDataset.of(four).get(4));
    }

    // ------------------------------------------------------------------ autograd.graph.increment_version

    /** The backward of {@code sum(x * w)} after {@code w}'s counter went up {@code times} times. */
    private static String bumpedBackward(int times, boolean asList) {
        Tensor x = Tensor.tensor(new double[] {1, 2, 3}, DType.FLOAT64, Device.CPU).requiresGrad_(true);
        Tensor w = Tensor.tensor(new double[] {0.5, -1, 2}, DType.FLOAT64, Device.CPU);
        Tensor y = x.mul(w).sum();
        for (int i = 0; i < times; i++) {
            if (asList) {
                Autograd.incrementVersion(List.of(w));
            } else {
                Autograd.incrementVersion(w);
            }
        }
        assertEquals(times, w.version());
        assertArrayEquals(new double[] {0.5, -1, 2}, w.toDoubleArray()); // the values are not touched
        return assertThrows(RuntimeException.class, y::backward).getMessage().split("\n")[0];
    }

    @Test
    void incrementVersionMakesBackwardRefuseTheSavedTensor() {
        assertEquals(EXPECTED.get("version.once").substring("RuntimeError: ".length()), bumpedBackward(1, false));
        assertEquals(EXPECTED.get("version.twice").substring("RuntimeError: ".length()), bumpedBackward(2, true));
        // a view shares the counter
        Tensor base = Tensor.zeros(DType.FLOAT32, 4);
        Tensor view = base.narrow(0, 1, 2);
        Autograd.incrementVersion(view);
        assertEquals(1, base.version());
        // nothing bumped when one argument is null
        Tensor t = Tensor.zeros(DType.FLOAT32, 2);
        assertThrows(IllegalArgumentException.class, () -> Autograd.incrementVersion(t, null));
        assertEquals(0, t.version());
        // an inference tensor has no counter: left as it is, no error
        Tensor inf;
        try (InferenceMode on = Ember.inferenceMode()) {
            inf = Tensor.zeros(DType.FLOAT32, 2);
        }
        Autograd.incrementVersion(inf);
    }

    // ------------------------------------------------------------------ Tensor.dim_order

    private static int[] ints(String list) {
        String inner = list.replaceAll("[\\[\\]() ]", "");
        return inner.isEmpty() ? new int[0]
                : Arrays.stream(inner.split(",")).filter(x -> !x.isEmpty()).mapToInt(Integer::parseInt).toArray();
    }

    private static void assertDimOrder(String key, java.util.function.Supplier<int[]> call) {
        String want = EXPECTED.get(key);
        if (want.startsWith("RuntimeError: ")) {
            assertEquals(want.substring("RuntimeError: ".length()),
                    assertThrows(IllegalStateException.class, call::get).getMessage(), key);
        } else {
            assertArrayEquals(ints(want), call.get(), key);
        }
    }

    @Test
    void dimOrderFollowsPyTorch() {
        List<String> names = EXPECTED.keys("dim_order.").stream().filter(k -> k.endsWith(".shape"))
                .map(k -> k.substring(0, k.length() - ".shape".length())).toList();
        assertEquals(15, names.size());
        for (String name : names) {
            String key = "dim_order." + name;
            int[] shape = ints(EXPECTED.get(key + ".shape"));
            int[] stride = ints(EXPECTED.get(key + ".stride"));
            Tensor t = Tensor.zeros(DType.FLOAT32, 10000).asStrided(shape, stride);
            assertArrayEquals(stride, t.stride(), key);
            assertDimOrder(key + ".plain", t::dimOrder);
            assertDimOrder(key + ".check", () -> t.dimOrder(true));
            assertDimOrder(key + ".formats",
                    () -> t.dimOrder(List.of(MemoryFormat.CONTIGUOUS_FORMAT, MemoryFormat.CHANNELS_LAST)));
        }
    }

    // ------------------------------------------------------------------ torch.amp.custom_fwd / custom_bwd

    /** x @ w under customFwd(ctx, "cpu", cast) and customBwd(ctx, "cpu"); records the types its backward computes. */
    private static final class AmpMM extends AutogradFunction {
        private final DType cast;
        private final List<DType> backwardTypes = new ArrayList<>();

        AmpMM(DType cast) {
            this.cast = cast;
        }

        @Override
        protected Tensor[] forward(Context ctx, Tensor... in) {
            return CustomAmp.customFwd(ctx, "cpu", cast, in, t -> {
                ctx.saveForBackward(t[0], t[1]);
                return new Tensor[] {t[0].matmul(t[1])};
            });
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor... g) {
            return CustomAmp.customBwd(ctx, "cpu", () -> {
                Tensor[] saved = ctx.savedTensors();
                Tensor gx = g[0].matmul(saved[1].t());
                Tensor gw = saved[0].t().matmul(g[0]);
                backwardTypes.add(gx.dtype());
                backwardTypes.add(gw.dtype());
                return new Tensor[] {gx, gw};
            });
        }
    }

    @Test
    void customFwdAndBwdFollowPyTorch() {
        Map<String, Object[]> cases = new LinkedHashMap<>();
        cases.put("amp.plain", new Object[] {false, null});
        cases.put("amp.autocast", new Object[] {true, null});
        cases.put("amp.cast32", new Object[] {true, DType.FLOAT32});
        cases.put("amp.cast32_off", new Object[] {false, DType.FLOAT32});
        cases.put("amp.bf16_cast32", new Object[] {true, DType.FLOAT32});
        cases.put("amp.f64_cast", new Object[] {true, DType.BFLOAT16});
        for (Map.Entry<String, Object[]> c : cases.entrySet()) {
            String key = c.getKey();
            Tensor x = EXPECTED.tensor(key + ".x").requiresGrad_(true);
            Tensor w = EXPECTED.tensor(key + ".w").requiresGrad_(true);
            if (EXPECTED.get(key + ".x").startsWith("bfloat16")) {
                x = EXPECTED.tensor(key + ".x").to(DType.BFLOAT16).requiresGrad_(true);
                w = EXPECTED.tensor(key + ".w").to(DType.BFLOAT16).requiresGrad_(true);
            }
            AmpMM f = new AmpMM((DType) c.getValue()[1]);
            Tensor y;
            try (AutocastMode m = Ember.autocast("cpu", null, (Boolean) c.getValue()[0])) {
                y = f.apply(x, w);
            }
            EXPECTED.assertExact(key + ".out", y.detach());
            Tensor g = Tensor.tensor(new double[] {1.0, 0.5, 2.0, -1.0}, DType.FLOAT64, Device.CPU).reshape(2, 2)
                    .to(y.dtype());
            y.backward(g);
            EXPECTED.assertExact(key + ".grad.x", x.grad());
            EXPECTED.assertExact(key + ".grad.w", w.grad());
            assertEquals(EXPECTED.get(key + ".bwd_types"), f.backwardTypes.get(0).name().toLowerCase() + " "
                    + f.backwardTypes.get(1).name().toLowerCase(), key);
            assertFalse(Ember.isAutocastEnabled("cpu"), key);
        }
        // a backward whose forward did not record the autocast state: PyTorch's missing attribute
        AutogradFunction bare = new AutogradFunction() {
            @Override
            protected Tensor[] forward(Context ctx, Tensor... in) {
                return new Tensor[] {in[0].mul(2L)};
            }

            @Override
            protected Tensor[] backward(Context ctx, Tensor... g) {
                return CustomAmp.customBwd(ctx, "cpu", () -> new Tensor[] {g[0].mul(2L)});
            }
        };
        Tensor z = bare.apply(Tensor.ones(DType.FLOAT32, 2).requiresGrad_(true)).sum();
        assertThrows(IllegalArgumentException.class, z::backward);
    }

    // ------------------------------------------------------------------ DataLoader(in_order=False)

    /** The one index of a batch of one (the default collate's int64 tensor of shape [1]). */
    private static int index(Object b) {
        return b instanceof Tensor ? (int) ((Tensor) b).item() : ((Number) b).intValue();
    }

    @Test
    void dataLoaderOutOfOrderHandsOverFinishedBatchesFirst() {
        // sample 0 is read only after the caller has received a batch: in order that batch would have to be sample 0
        // (the latch gives up after 20 s, so a wrong order fails the assertions below instead of hanging)
        java.util.concurrent.CountDownLatch received = new java.util.concurrent.CountDownLatch(1);
        Dataset<Integer> data = new Dataset<>() {
            @Override
            public int size() {
                return 6;
            }

            @Override
            public Integer get(int index) {
                if (index == 0) {
                    try {
                        received.await(20, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return index;
            }
        };
        DataLoader<Integer, Object> loader = DataLoader.builder(data).numWorkers(2).inOrder(false)
                .collate(Collate::defaultCollate).build();
        List<Integer> seen = new ArrayList<>();
        for (Object b : loader) {
            seen.add(index(b));
            received.countDown();
        }
        assertTrue(seen.get(0) != 0, "the first batch handed over is not the blocked sample 0: " + seen);
        List<Integer> sorted = new ArrayList<>(seen);
        java.util.Collections.sort(sorted);
        assertEquals(List.of(0, 1, 2, 3, 4, 5), sorted, "every batch once");
        // in order (the default), and without workers, the sampler's order
        List<Integer> ordered = new ArrayList<>();
        for (Object b : DataLoader.builder(Dataset.of(List.of(0, 1, 2, 3, 4, 5))).numWorkers(2)
                .collate(Collate::defaultCollate).build()) {
            ordered.add(index(b));
        }
        assertEquals(List.of(0, 1, 2, 3, 4, 5), ordered);
        List<Integer> single = new ArrayList<>();
        for (Object b : DataLoader.builder(Dataset.of(List.of(0, 1, 2))).inOrder(false)
                .collate(Collate::defaultCollate).build()) {
            single.add(index(b));
        }
        assertEquals(List.of(0, 1, 2), single);
    }

    // ------------------------------------------------------------------ checkpoint's determinism_check

    @Test
    void checkpointComparesTheRecomputedMetadata() {
        Tensor x = Tensor.ones(DType.FLOAT32, 3).requiresGrad_(true);
        int[] calls = {0};
        // the rerun saves tensors of another shape and type: exp().exp() saves each result
        java.util.function.Function<Tensor[], Tensor> changing = in -> calls[0]++ == 0 ? in[0].exp().exp().sum()
                : in[0].narrow(0, 0, 2).to(DType.FLOAT64).exp().exp().sum();
        Tensor y = Checkpoint.checkpointNonReentrant(changing, true, x);
        IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
        assertEquals(EXPECTED.text("checkpoint.error.metadata"), e.getMessage());
        // the same rerun with determinism_check "none" is not compared
        calls[0] = 0;
        Tensor z = Checkpoint.checkpointNonReentrant(in -> calls[0]++ == 0 ? in[0].exp().sum()
                : in[0].mul(2L).exp().sum(), true, "none", x);
        x.setGrad(null);
        z.backward();
        assertEquals(2, calls[0]);
        // an unchanged rerun passes the default check, with the gradient of exp(exp(x))
        x.setGrad(null);
        Checkpoint.checkpointNonReentrant(in -> in[0].exp().exp().sum(), true, x).backward();
        double e1 = Math.exp(1);
        assertArrayEquals(new double[] {Math.exp(e1) * e1, Math.exp(e1) * e1, Math.exp(e1) * e1},
                x.grad().toDoubleArray(), 1e-5);
        assertEquals(EXPECTED.get("checkpoint.error.mode"), assertThrows(IllegalArgumentException.class,
                () -> Checkpoint.checkpointNonReentrant(in -> in[0].sum(), true, "strict", x)).getMessage());
    }

    // ------------------------------------------------------------------ autograd.graph.get_gradient_edge

    @Test
    void gradientEdgesGiveTheTensorsGradients() {
        Tensor x = EXPECTED.tensor("edge.x").requiresGrad_(true);
        Tensor h = x.exp().mul(2L);
        List<Tensor> parts = h.unbind(0);
        Tensor loss = parts.get(0).sin().add(parts.get(1).cos()).sum();
        GradientEdge ex = Autograd.getGradientEdge(x);
        GradientEdge eh = Autograd.getGradientEdge(h);
        GradientEdge ep = Autograd.getGradientEdge(parts.get(1));
        assertEquals(0, ex.outputNr());
        assertEquals(h.gradFn(), eh.node());
        assertEquals(1, ep.outputNr());
        assertEquals(parts.get(1).gradFn(), ep.node());
        List<Tensor> g = Autograd.gradEdges(List.of(loss), List.of(ex, eh, ep), null,
                GradOptions.defaults().withRetainGraph(true));
        ReferenceCases.assertClose("edge x", EXPECTED.tensor("edge.grad.x"), g.get(0), 0, 1e-12);
        ReferenceCases.assertClose("edge h", EXPECTED.tensor("edge.grad.h"), g.get(1), 0, 1e-12);
        ReferenceCases.assertClose("edge p1", EXPECTED.tensor("edge.grad.p1"), g.get(2), 0, 1e-12);
        // tensors and edges mixed, as the same call with tensors
        List<Tensor> mixed = Autograd.gradEdges(List.of(loss), List.of(x, eh), null,
                GradOptions.defaults().withRetainGraph(true));
        List<Tensor> plain = Autograd.grad(List.of(loss), List.of(x, h), null, true, false, false);
        assertArrayEquals(plain.get(0).toDoubleArray(), mixed.get(0).toDoubleArray());
        assertArrayEquals(plain.get(1).toDoubleArray(), mixed.get(1).toDoubleArray());
        // refusals
        assertEquals(EXPECTED.get("edge.error.no_grad"), assertThrows(IllegalStateException.class,
                () -> Autograd.getGradientEdge(Tensor.zeros(DType.FLOAT64, 2))).getMessage());
        Tensor unused = Tensor.ones(DType.FLOAT64, 2).requiresGrad_(true);
        GradientEdge eu = Autograd.getGradientEdge(unused.mul(3L));
        assertNull(Autograd.gradEdges(List.of(loss), List.of(eu), null,
                GradOptions.defaults().withRetainGraph(true).withAllowUnused(true)).get(0));
        assertEquals("materialize_grads cannot be used when the given input is a GradientEdge",
                assertThrows(IllegalStateException.class, () -> Autograd.gradEdges(List.of(loss), List.of(eu), null,
                        GradOptions.defaults().withRetainGraph(true).withAllowUnused(true).withMaterializeGrads(true)))
                        .getMessage());
        assertThrows(IllegalArgumentException.class, () -> Autograd.gradEdges(List.of(loss), List.of("x"), null,
                GradOptions.defaults()));
        assertThrows(IllegalArgumentException.class, () -> new GradientEdge(h.gradFn(), 1));
    }

    // ------------------------------------------------------------------ Tensor.itemsize and nbytes

    @Test
    void itemsizeAndNbytes() {
        for (String name : List.of("bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32",
                "float64", "complex64", "complex128")) {
            DType type = DType.valueOf(name.toUpperCase());
            Tensor t = Tensor.zeros(type, 2, 3, 5);
            assertEquals(Integer.parseInt(EXPECTED.get("itemsize." + name)), t.itemsize(), name);
            assertEquals(t.elementSize(), t.itemsize(), name);
            assertEquals(Long.parseLong(EXPECTED.get("nbytes." + name)), t.nbytes(), name);
            Tensor v = t.slice(1, 1, 3, 1).slice(2, 0, 5, 2);
            assertEquals(Long.parseLong(EXPECTED.get("nbytes.view." + name)), v.nbytes(), name + " view");
            Tensor e = Tensor.zeros(type, 3).expand(4, 3);
            assertEquals(Long.parseLong(EXPECTED.get("nbytes.expand." + name)), e.nbytes(), name + " expand");
        }
    }
}
