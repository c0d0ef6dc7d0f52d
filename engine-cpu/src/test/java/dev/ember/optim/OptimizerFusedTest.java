package dev.ember.optim;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.profiler.KeyAverage;
import dev.ember.profiler.Profiler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fused optimizer kernels (one pass per parameter, {@code Backend.optimizerUpdate}) against the chain of elementwise
 * ops they replace, bit for bit on the CPU: twin parameter lists, one stepped with fused updates and one with the chain
 * ({@link Optimizer#fusedUpdates} off), every optimizer and option (weight decay, decoupled weight decay, momentum,
 * dampening, Nesterov, amsgrad, centered, lr decay, an initial accumulator, RAdam's switch to the rectified step),
 * float32 and float64, parameters of odd sizes, a 0-dim one, an empty one and one large enough for the vector loops and
 * several threads, a parameter whose first gradient comes late, and gradients holding zeros, a huge value whose square
 * overflows float32, and so infinities and NaN in the state. NaN compares by value (any NaN equals any NaN): the
 * payload is not part of the contract. {@code maximize} negates the gradient before either path (Optimizer), and
 * OptimizerBitsTest holds both paths to PyTorch's bits.
 */
class OptimizerFusedTest {

    private static final int STEPS = 9;
    private static final int[][] SHAPES = {{7, 5}, {13}, {}, {0}, {70_003}, {3, 1, 4}};

    @AfterEach
    void fusedBackOn() {
        Optimizer.fusedUpdates = true;
    }

    /** Every optimizer with every option that changes its arithmetic. */
    private static Map<String, Function<List<Tensor>, Optimizer>> configurations() {
        Map<String, Function<List<Tensor>, Optimizer>> c = new LinkedHashMap<>();
        for (double wd : new double[] {0, 0.01, 1}) {
            c.put("sgd wd=" + wd, p -> new SGD(p, 0.1, 0, 0, wd, false));
            c.put("sgd momentum wd=" + wd, p -> new SGD(p, 0.1, 0.9, 0, wd, false));
            c.put("sgd momentum dampening wd=" + wd, p -> new SGD(p, 0.1, 0.9, 0.3, wd, false));
            c.put("sgd nesterov wd=" + wd, p -> new SGD(p, 0.05, 0.8, 0, wd, true));
        }
        c.put("sgd momentum 1 dampening 1", p -> new SGD(p, 1, 1, 1, 0, false));
        for (double wd : new double[] {0, 0.05}) {
            for (boolean ams : new boolean[] {false, true}) {
                c.put("adam wd=" + wd + " amsgrad=" + ams, p -> Adam.adam(p, 0.01, 0.9, 0.999, 1e-8, wd, ams));
                c.put("adamw wd=" + wd + " amsgrad=" + ams, p -> Adam.adamW(p, 0.01, 0.8, 0.99, 1e-6, wd, ams));
            }
            c.put("adamax wd=" + wd, p -> new Adamax(p, 0.002, 0.9, 0.999, 1e-8, wd));
            c.put("adagrad wd=" + wd, p -> new Adagrad(p, 0.1, 0, wd, 0, 1e-10));
            c.put("adagrad lr_decay initial wd=" + wd, p -> new Adagrad(p, 0.1, 0.05, wd, 0.1, 1e-6));
            for (double momentum : new double[] {0, 0.5}) {
                for (boolean centered : new boolean[] {false, true}) {
                    c.put("rmsprop wd=" + wd + " momentum=" + momentum + " centered=" + centered,
                        p -> new RMSprop(p, 0.01, 0.9, 1e-8, wd, momentum, centered));
                }
            }
            for (boolean decoupled : new boolean[] {false, true}) {
                c.put("nadam wd=" + wd + " decoupled=" + decoupled,
                    p -> new NAdam(p, 0.002, 0.9, 0.999, 1e-8, wd, 4e-3, decoupled));
                // beta2 0.9: rho_t passes 5 at step 6, so both of RAdam's branches run
                c.put("radam wd=" + wd + " decoupled=" + decoupled,
                    p -> new RAdam(p, 0.001, 0.9, 0.9, 1e-8, wd, decoupled));
                c.put("radam default betas wd=" + wd + " decoupled=" + decoupled,
                    p -> new RAdam(p, 0.001, 0.9, 0.999, 1e-8, wd, decoupled));
            }
        }
        c.put("adam beta1 0", p -> Adam.adam(p, 0.01, 0, 0.5, 1e-8, 0));
        return c;
    }

    private static List<Tensor> params(DType dtype) {
        Generator gen = new Generator(7);
        List<Tensor> ps = new ArrayList<>();
        for (int[] shape : SHAPES) {
            ps.add(Tensor.randn(gen, dtype, shape).requiresGrad_(true));
        }
        return ps;
    }

    /** The gradients of step k (the second parameter has none before step 2), with zeros and a huge value in the first. */
    private static List<Tensor> grads(DType dtype, int k) {
        Generator gen = new Generator(1000 + k);
        List<Tensor> gs = new ArrayList<>();
        for (int i = 0; i < SHAPES.length; i++) {
            Tensor g = Tensor.randn(gen, dtype, SHAPES[i]);
            if (i == 0) {
                double[] v = g.toDoubleArray();
                v[0] = 0;
                v[1] = -0.0;
                if (k == 3) {
                    v[2] = 1e20; // its square overflows float32: inf, then NaN, in the moments
                }
                v[4] = k % 2 == 0 ? 1e-30 : -1e-30;
                g = Tensor.tensor(v, dtype).reshape(SHAPES[0]);
            }
            gs.add(i == 1 && k < 2 ? null : g);
        }
        return gs;
    }

    @Test
    void fusedUpdatesHaveTheChainsBitsForEveryOptimizerAndOption() {
        int compared = 0;
        for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            for (Map.Entry<String, Function<List<Tensor>, Optimizer>> e : configurations().entrySet()) {
                String what = e.getKey() + " " + dtype;
                List<Tensor> pf = params(dtype);
                List<Tensor> pc = params(dtype);
                Optimizer fused = e.getValue().apply(pf);
                Optimizer chain = e.getValue().apply(pc);
                for (int k = 0; k < STEPS; k++) {
                    List<Tensor> gs = grads(dtype, k);
                    for (int i = 0; i < gs.size(); i++) {
                        pf.get(i).setGrad(gs.get(i) == null ? null : gs.get(i).clone());
                        pc.get(i).setGrad(gs.get(i) == null ? null : gs.get(i).clone());
                    }
                    Optimizer.fusedUpdates = true;
                    if (k == 2) {
                        // the fused path runs: one kernel per parameter that has a gradient and elements
                        assertEquals(SHAPES.length - 1, kernels(fused::step), what);
                    } else {
                        fused.step();
                    }
                    Optimizer.fusedUpdates = false;
                    if (k == 2) {
                        assertEquals(0, kernels(chain::step), what);
                    } else {
                        chain.step();
                    }
                    Optimizer.fusedUpdates = true;
                    for (int i = 0; i < pf.size(); i++) {
                        assertSameBits(pc.get(i), pf.get(i), what + " step " + k + " parameter " + i);
                        compared++;
                    }
                    compareState(chain, fused, what + " step " + k);
                }
            }
        }
        assertTrue(compared > 0);
    }

    /** Runs {@code body} under the profiler and counts its fused optimizer kernels. */
    private static int kernels(Runnable body) {
        Profiler prof;
        try (Profiler p = Ember.profile()) {
            prof = p;
            body.run();
        }
        int n = 0;
        for (KeyAverage a : prof.keyAverages()) {
            // PyTorch's fused kernel names where it has one (SGD, Adam/AdamW, Adagrad), else the SPI method's
            if (a.key().equals("optimizerUpdate") || a.key().startsWith("aten::_fused_")) {
                n += a.count();
            }
        }
        return n;
    }

    @SuppressWarnings("unchecked")
    private static void compareState(Optimizer chain, Optimizer fused, String what) {
        Map<Integer, Map<String, Object>> sc = (Map<Integer, Map<String, Object>>) chain.stateDict().get("state");
        Map<Integer, Map<String, Object>> sf = (Map<Integer, Map<String, Object>>) fused.stateDict().get("state");
        assertEquals(sc.keySet(), sf.keySet(), what);
        for (Map.Entry<Integer, Map<String, Object>> e : sc.entrySet()) {
            Map<String, Object> f = sf.get(e.getKey());
            assertEquals(e.getValue().keySet(), f.keySet(), what);
            for (Map.Entry<String, Object> x : e.getValue().entrySet()) {
                assertSameBits((Tensor) x.getValue(), (Tensor) f.get(x.getKey()),
                        what + " state " + e.getKey() + " " + x.getKey());
            }
        }
    }

    /** Equal shapes, types and bits (any NaN equals any NaN; -0 differs from 0). */
    static void assertSameBits(Tensor expected, Tensor actual, String what) {
        assertEquals(expected.dtype(), actual.dtype(), what);
        assertTrue(Arrays.equals(expected.shape(), actual.shape()), what);
        if (expected.dtype() == DType.FLOAT32) {
            float[] a = expected.toFloatArray();
            float[] b = actual.toFloatArray();
            for (int i = 0; i < a.length; i++) {
                if (Float.floatToIntBits(a[i]) != Float.floatToIntBits(b[i])) {
                    throw new AssertionError(what + ": element " + i + " is " + b[i] + ", the chain gives " + a[i]);
                }
            }
        } else {
            double[] a = expected.toDoubleArray();
            double[] b = actual.toDoubleArray();
            for (int i = 0; i < a.length; i++) {
                if (Double.doubleToLongBits(a[i]) != Double.doubleToLongBits(b[i])) {
                    throw new AssertionError(what + ": element " + i + " is " + b[i] + ", the chain gives " + a[i]);
                }
            }
        }
    }

    @Test
    void aNonContiguousGradientOrAHalfTypeRunsTheChain() {
        // a transposed gradient: not contiguous, so the chain of ops updates the parameter
        Tensor p = Tensor.randn(new Generator(3), DType.FLOAT32, 4, 3).requiresGrad_(true);
        Tensor q = p.detach().clone().requiresGrad_(true);
        Tensor g = Tensor.randn(new Generator(4), DType.FLOAT32, 3, 4);
        Optimizer a = Adam.adam(List.of(p), 0.01);
        Optimizer b = Adam.adam(List.of(q), 0.01);
        for (int k = 0; k < 3; k++) {
            p.setGrad(g.t());
            q.setGrad(g.t().contiguous());
            assertEquals(0, kernels(a::step));
            assertEquals(1, kernels(b::step));
            assertSameBits(q, p, "step " + k);
        }
        // float16: the chain
        Tensor h = Tensor.randn(new Generator(5), DType.FLOAT16, 6).requiresGrad_(true);
        Optimizer c = new SGD(List.of(h), 0.1, 0.9, 0, 0, false);
        h.setGrad(Tensor.randn(new Generator(6), DType.FLOAT16, 6));
        assertEquals(0, kernels(c::step));
    }

    @Test
    void aFusedStepCountsOneInPlaceChangeOfTheParameterAndItsState() {
        Tensor p = Tensor.randn(new Generator(8), DType.FLOAT32, 5).requiresGrad_(true);
        Optimizer o = Adam.adamW(List.of(p), 0.01);
        p.setGrad(Tensor.randn(new Generator(9), DType.FLOAT32, 5));
        int before = p.version();
        o.step();
        assertTrue(p.version() > before, "the parameter's version counter moves");
        @SuppressWarnings("unchecked")
        Map<Integer, Map<String, Object>> st = (Map<Integer, Map<String, Object>>) o.stateDict().get("state");
        Tensor expAvg = (Tensor) st.get(0).get("exp_avg");
        int v = expAvg.version();
        o.step();
        assertTrue(expAvg.version() > v, "the state's version counter moves");
    }
}
