package dev.ember.optim;

import dev.ember.ComplexTrainExpected;
import dev.ember.DType;
import dev.ember.Tensor;
import dev.ember.nn.utils.ClipGrad;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static dev.ember.ComplexTrainExpected.assertValues;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every optimizer on a complex parameter, as PyTorch 2.x's (the real update of the parts, state kept complex): seven
 * steps from {@code complextrain/make_expected.py}'s fixed value and gradients, with the fused kernels and with the
 * chain of ops; state dicts with complex state (save mid-run, load into a twin, finish); LBFGS against its run on the
 * real view; clip_grad_norm_ / clip_grad_value_ and zero_grad with complex gradients.
 */
class ComplexOptimizerTest {
    private static final int STEPS = 7;

    @AfterEach
    void fusedBackOn() {
        Optimizer.fusedUpdates = true;
    }

    private static Map<String, Function<List<Tensor>, Optimizer>> cases() {
        Map<String, Function<List<Tensor>, Optimizer>> m = new LinkedHashMap<>();
        m.put("sgd", ps -> new SGD(ps, 0.1));
        m.put("sgd_momentum", ps -> new SGD(ps, 0.1, 0.9, 0.1, 0.01, false));
        m.put("sgd_nesterov", ps -> new SGD(ps, 0.1, 0.9, 0, 0.01, true));
        m.put("adam", ps -> new Adam(ps, 0.01));
        m.put("adam_amsgrad_wd", ps -> new Adam(ps, 0.01, 0.9, 0.999, 1e-8, 0.1, true));
        m.put("adamw", ps -> new AdamW(ps, 0.01, 0.9, 0.999, 1e-8, 0.1, false));
        m.put("adamw_amsgrad", ps -> new AdamW(ps, 0.01, 0.9, 0.999, 1e-8, 0.1, true));
        m.put("rmsprop", ps -> new RMSprop(ps, 0.01));
        m.put("rmsprop_centered_momentum", ps -> new RMSprop(ps, 0.01, 0.99, 1e-8, 0.1, 0.9, true));
        m.put("adagrad", ps -> new Adagrad(ps, 0.1, 0.01, 0.1, 0, 1e-10));
        m.put("adamax", ps -> new Adamax(ps, 0.1, 0.9, 0.999, 1e-8, 0.1));
        m.put("nadam", ps -> new NAdam(ps, 0.1, 0.9, 0.999, 1e-8, 0.1, 0.004, false));
        m.put("radam", ps -> new RAdam(ps, 0.1, 0.9, 0.999, 1e-8, 0.1, false));
        m.put("rprop", ps -> new Rprop(ps, 0.1));
        m.put("asgd", ps -> new ASGD(ps, 0.1, 1e-4, 0.75, 2, 0));
        m.put("adadelta", ps -> new Adadelta(ps, 1.0, 0.9, 1e-6, 0.1));
        return m;
    }

    private static Tensor param() {
        return ComplexTrainExpected.complex("opt.p0", 2, 3).requiresGrad_(true);
    }

    private static void stepWith(Optimizer opt, Tensor p, int i) {
        p.setGrad(ComplexTrainExpected.complex("opt.g" + i, 2, 3));
        opt.step();
    }

    @TestFactory
    List<DynamicTest> everyOptimizerUpdatesTheParts() {
        List<DynamicTest> out = new ArrayList<>();
        for (Map.Entry<String, Function<List<Tensor>, Optimizer>> e : cases().entrySet()) {
            for (boolean fused : new boolean[] {true, false}) {
                out.add(DynamicTest.dynamicTest(e.getKey() + (fused ? " fused" : " chain"), () -> {
                    Optimizer.fusedUpdates = fused;
                    Tensor p = param();
                    Optimizer opt = e.getValue().apply(List.of(p));
                    for (int i = 0; i < STEPS; i++) {
                        stepWith(opt, p, i);
                        assertValues("opt." + e.getKey() + "." + i, p, 1e-10);
                    }
                    assertEquals(DType.COMPLEX128, p.dtype());
                    assertTrue(p.isLeaf() && p.requiresGrad());
                    // the state as PyTorch 2.x keeps it: its keys in order, tensors complex of the parameter's shape
                    @SuppressWarnings("unchecked")
                    Map<String, Object> st = (Map<String, Object>) ((Map<Integer, Object>) opt.stateDict().get("state")).get(0);
                    if (e.getKey().equals("sgd")) {
                        assertNull(st); // PyTorch keeps momentum_buffer None; Ember keeps no state for plain SGD
                        return;
                    }
                    assertEquals(List.of(ComplexTrainExpected.words("keys", "opt." + e.getKey())), new ArrayList<>(st.keySet()));
                    for (Map.Entry<String, Object> x : st.entrySet()) {
                        Tensor t = (Tensor) x.getValue();
                        if (t.dim() > 0) {
                            assertEquals(DType.COMPLEX128, t.dtype(), x.getKey());
                            assertArrayEquals(new int[] {2, 3}, t.shape(), x.getKey());
                        }
                    }
                }));
            }
        }
        return out;
    }

    /** A state dict with every tensor cloned (what a checkpoint file gives back). */
    @SuppressWarnings("unchecked")
    private static <T> T copyOf(T o) {
        if (o instanceof Tensor t) {
            return (T) t.detach().clone();
        }
        if (o instanceof Map<?, ?> m) {
            Map<Object, Object> out = new java.util.LinkedHashMap<>();
            m.forEach((k, v) -> out.put(k, copyOf(v)));
            return (T) out;
        }
        if (o instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            l.forEach(v -> out.add(copyOf(v)));
            return (T) out;
        }
        return o;
    }

    @TestFactory
    List<DynamicTest> complexStateSurvivesTheStateDict() {
        List<DynamicTest> out = new ArrayList<>();
        for (String name : List.of("adam", "adamw_amsgrad", "rmsprop_centered_momentum", "nadam", "asgd", "rprop", "sgd_momentum")) {
            out.add(DynamicTest.dynamicTest(name, () -> {
                Function<List<Tensor>, Optimizer> make = cases().get(name);
                Tensor p = param();
                Optimizer opt = make.apply(List.of(p));
                for (int i = 0; i < 3; i++) {
                    stepWith(opt, p, i);
                }
                Map<String, Object> saved = copyOf(opt.stateDict());
                Tensor twin = p.detach().clone().requiresGrad_(true);
                Optimizer other = make.apply(List.of(twin));
                other.loadStateDict(saved);
                // the state was copied (as through a checkpoint file; PyTorch 2.x's load shares the tensors of a live
                // dict): stepping the original must not move the twin's
                stepWith(opt, p, 3);
                for (int i = 3; i < STEPS; i++) {
                    stepWith(other, twin, i);
                    assertValues("opt." + name + "." + i, twin, 1e-10);
                }
            }));
        }
        return out;
    }

    @Test
    void lbfgsStepsTheRealViewAsPyTorch2() {
        // PyTorch 2.x's LBFGS flattens view_as_real of complex gradients: the same run as on the real view
        Tensor z = param();
        Tensor r = ComplexTrainExpected.real("opt.p0", 2, 3, 2).requiresGrad_(true);
        Tensor target = ComplexTrainExpected.complex("opt.g0", 2, 3);
        LBFGS oz = new LBFGS(List.of(z), 0.5, 5, null, 1e-7, 1e-9, 4, "strong_wolfe");
        LBFGS or = new LBFGS(List.of(r), 0.5, 5, null, 1e-7, 1e-9, 4, "strong_wolfe");
        for (int k = 0; k < 3; k++) {
            oz.step(() -> {
                oz.zeroGrad();
                Tensor l = z.sub(target).abs().pow(2).sum().add(z.mul(z).real().sum().mul(0.1));
                l.backward();
                return l;
            });
            or.step(() -> {
                or.zeroGrad();
                Tensor w = r.viewAsComplex();
                Tensor l = w.sub(target).abs().pow(2).sum().add(w.mul(w).real().sum().mul(0.1));
                l.backward();
                return l;
            });
        }
        assertArrayEquals(r.detach().reshape(-1).toDoubleArray(), z.detach().viewAsReal().reshape(-1).toDoubleArray(), 1e-12);
        assertTrue(z.sub(target).abs().max().item() < 0.5); // it did move toward the minimum
        @SuppressWarnings("unchecked")
        Map<String, Object> st = (Map<String, Object>) ((Map<Integer, Object>) oz.stateDict().get("state")).get(0);
        Tensor flat = (Tensor) st.get("prev_flat_grad");
        assertEquals(DType.FLOAT64, flat.dtype());
        assertArrayEquals(new int[] {12}, flat.shape());
        LBFGS twin = new LBFGS(List.of(z.detach().clone().requiresGrad_(true)), 0.5, 5, null, 1e-7, 1e-9, 4, "strong_wolfe");
        twin.loadStateDict(oz.stateDict());
    }

    @Test
    void clipGradNormUsesTheComplexMagnitudes() {
        // torch.nn.utils.clip_grad_norm_ on [3+4j, 1j]: inf-norm max |z| = 5 (not the parts' 4), then grad * 1/5
        Tensor p = Tensor.complex(Tensor.tensor(new double[] {0, 0}, DType.FLOAT64), Tensor.tensor(new double[] {0, 0}, DType.FLOAT64)).requiresGrad_(true);
        p.setGrad(Tensor.complex(Tensor.tensor(new double[] {3, 0}, DType.FLOAT64), Tensor.tensor(new double[] {4, 1}, DType.FLOAT64)));
        Tensor total = ClipGrad.clipGradNorm_(List.of(p), 1.0, Double.POSITIVE_INFINITY);
        assertEquals(5.0, total.item(), 1e-6);
        assertArrayEquals(new double[] {0.6, 0.8, 0, 0.2}, p.grad().viewAsReal().reshape(-1).toDoubleArray(), 1e-6);
        // the 2-norm: sqrt(|z1|^2 + |z2|^2), and the 1-norm sum |z|
        p.setGrad(Tensor.complex(Tensor.tensor(new double[] {3, 0}, DType.FLOAT64), Tensor.tensor(new double[] {4, 1}, DType.FLOAT64)));
        assertEquals(Math.sqrt(26), ClipGrad.clipGradNorm_(List.of(p), 100.0).item(), 1e-12);
        assertEquals(6.0, ClipGrad.clipGradNorm_(List.of(p), 100.0, 1.0).item(), 1e-12);
        assertEquals(DType.FLOAT64, ClipGrad.clipGradNorm_(List.of(p), 100.0).dtype());
    }

    @Test
    void clipGradValueRefusesComplexGradientsAsPyTorch() {
        Tensor p = param();
        Tensor g = ComplexTrainExpected.complex("opt.g0", 2, 3);
        p.setGrad(g);
        Tensor before = g.clone();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ClipGrad.clipGradValue_(List.of(p), 0.5));
        assertEquals("clamp is not supported for complex types", e.getMessage());
        assertTrue(p.grad().equal(before));
    }

    @Test
    void zeroGradWithComplexGradients() {
        Tensor p = param();
        Optimizer opt = new Adam(List.of(p), 0.01);
        stepWith(opt, p, 0);
        opt.zeroGrad(false);
        assertEquals(DType.COMPLEX128, p.grad().dtype());
        assertEquals(0.0, p.grad().abs().sum().item());
        opt.zeroGrad();
        assertNull(p.grad());
    }
}
