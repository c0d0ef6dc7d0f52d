package dev.ember;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Autograd#grad(List, List, List, GradOptions)}'s {@code is_grads_batched} and {@code materialize_grads}
 * against PyTorch ({@code gradoptions/make_expected.py}; materialize_grads as PyTorch 2.1+ defines it, computed there
 * from 1.13's allow_unused): each case's program is the script's, the gradients compared to 1e-12 relative with their
 * {@code requires_grad}, or the message with the inputs unchanged.
 */
class GradOptionsTest {
    private static final String RESOURCE = "/gradoptions/expected.txt";
    private static final GradOptions BATCHED = GradOptions.defaults().withGradsBatched(true);

    /** The script's programs: given x, w and the gradient outputs, the results by name. */
    private static Map<String, Object> run(String name, Tensor x, Tensor w, Tensor go0, Tensor go1) {
        Map<String, Object> r = new HashMap<>();
        switch (name) {
            case "batched-jacobian" -> put(r, Autograd.grad(List.of(x.pow(3)), List.of(x), List.of(go0), BATCHED));
            case "batched-two-outputs", "batched-batch-sizes-differ" -> {
                Tensor y1 = x.sin().mul(w.select(0, 0));
                Tensor y2 = x.outer(w).tanh();
                put(r, Autograd.grad(List.of(y1, y2), List.of(x, w), List.of(go0, go1), BATCHED));
            }
            case "batched-unused" -> put(r, Autograd.grad(List.of(x.exp()), List.of(x, w), List.of(go0),
                    BATCHED.withAllowUnused(true)));
            case "batched-create-graph-second-order" -> {
                Tensor g = Autograd.grad(List.of(x.pow(3).mul(x.sin())), List.of(x), List.of(go0),
                        BATCHED.withCreateGraph(true)).get(0);
                r.put("r0", g);
                r.put("second", Autograd.grad(List.of(g.mul(g).sum()), List.of(x), null, false).get(0));
            }
            case "batched-float32-grad-output" -> put(r, Autograd.grad(List.of(x.mul(x)), List.of(x), List.of(go0), BATCHED));
            case "batched-retain-graph", "batched-graph-freed" -> {
                Tensor y = x.cos().mul(2);
                Autograd.grad(List.of(y), List.of(x), List.of(go0), BATCHED.withRetainGraph(name.equals("batched-retain-graph")));
                put(r, Autograd.grad(List.of(y), List.of(x), List.of(go0), BATCHED));
            }
            case "batched-empty-batch", "batched-shape-mismatch" -> put(r, Autograd.grad(List.of(x.mul(2)), List.of(x),
                    List.of(go0), BATCHED));
            case "batched-scalar-output-no-grad-output" -> put(r, Autograd.grad(List.of(x.mul(2).sum()), List.of(x), null,
                    BATCHED));
            case "batched-size-one-output-no-grad-output" -> put(r, Autograd.grad(List.of(x.mul(2).sum().reshape(1, 1)),
                    List.of(x), null, BATCHED));
            case "materialize-unused" -> put(r, Autograd.grad(List.of(x.mul(x).sum()), List.of(x, w), null,
                    GradOptions.defaults().withMaterializeGrads(true)));
            case "materialize-batched-unused" -> put(r, Autograd.grad(List.of(x.exp()), List.of(x, w), List.of(go0),
                    BATCHED.withMaterializeGrads(true)));
            case "materialize-allow-unused-false" -> put(r, Autograd.grad(List.of(x.mul(x).sum()), List.of(x, w), null,
                    GradOptions.defaults().withMaterializeGrads(true).withAllowUnused(false)));
            default -> throw new IllegalStateException("no program for case " + name);
        }
        return r;
    }

    private static void put(Map<String, Object> r, List<Tensor> grads) {
        for (int i = 0; i < grads.size(); i++) {
            r.put("r" + i, grads.get(i));
        }
    }

    @TestFactory
    List<DynamicTest> casesMatchPyTorch() {
        List<DynamicTest> tests = new ArrayList<>();
        List<ReferenceCases.Case> cases = ReferenceCases.byFirstWord(RESOURCE);
        assertEquals(15, cases.size());
        for (ReferenceCases.Case c : cases) {
            tests.add(DynamicTest.dynamicTest(c.key(), () -> check(c)));
        }
        return tests;
    }

    private static Tensor input(ReferenceCases.Case c, String name, boolean leaf) {
        String s = c.get(name);
        if (s == null) {
            return null;
        }
        Tensor t = PyTorchCases.tensor(s);
        return leaf ? t.requiresGrad_(true) : t;
    }

    private static void check(ReferenceCases.Case c) {
        Tensor x = input(c, "x", true);
        Tensor w = input(c, "w", true);
        Tensor go0 = input(c, "go0", false);
        Tensor go1 = input(c, "go1", false);
        String error = c.get("error");
        if (error != null) {
            double[] before = x.toDoubleArray();
            RuntimeException e = assertThrows(RuntimeException.class, () -> run(c.key(), x, w, go0, go1));
            assertEquals(error.substring(error.indexOf(' ') + 1), e.getMessage());
            assertArrayEquals(before, x.toDoubleArray());
            assertNull(x.grad(), "grad() untouched");
            return;
        }
        Map<String, Object> got = run(c.key(), x, w, go0, go1);
        for (String key : List.of("r0", "r1", "second")) {
            String want = c.get(key);
            if (want == null) {
                continue;
            }
            Tensor g = (Tensor) got.get(key);
            if (want.equals("none")) {
                assertNull(g, key);
                continue;
            }
            assertClose(key, PyTorchCases.tensor(want), g);
            String rg = c.get("rg" + key.substring(1));
            if (rg != null) {
                assertEquals(Boolean.parseBoolean(rg), g.requiresGrad(), key + " requires_grad");
            }
        }
        assertNull(x.grad(), "grad() never touched");
    }

    private static void assertClose(String what, Tensor expected, Tensor got) {
        ReferenceCases.assertClose(what, expected, got, 1e-12);
    }

    @Test
    void defaultsAreTorchs() {
        GradOptions d = GradOptions.defaults();
        assertEquals("GradOptions(retain_graph=false, create_graph=false, allow_unused=false, is_grads_batched=false, "
                + "materialize_grads=false)", d.toString());
        assertTrue(d.withCreateGraph(true).retainGraph(), "retain_graph follows create_graph when unset");
        assertTrue(!d.withCreateGraph(true).withRetainGraph(false).retainGraph(), "an explicit retain_graph wins");
        assertTrue(d.withMaterializeGrads(true).allowUnused(), "allow_unused follows materialize_grads when unset");
        assertThrows(IllegalArgumentException.class, () -> Autograd.grad(List.of(Tensor.ones(1)), List.of(Tensor.ones(1)
                .requiresGrad_(true)), null, (GradOptions) null));
    }

    @Test
    void shortFormsOfGradAndBackward() {
        // d/dx sum(x^3) = 3 x^2, and its own derivative 6 x, through Tensor.backward(g, retain, create)
        Tensor x = Tensor.tensor(new double[] {1, 2}, DType.FLOAT64, Device.CPU).requiresGrad_(true);
        assertArrayEquals(new double[] {3, 12}, Autograd.grad(List.of(x.pow(3).sum()), List.of(x)).get(0).toDoubleArray());
        x.pow(3).sum().backward(null, true, true);
        Tensor g = x.grad();
        assertArrayEquals(new double[] {3, 12}, g.toDoubleArray());
        assertEquals(true, g.requiresGrad(), "create_graph: the gradient is differentiable");
        assertArrayEquals(new double[] {6, 12}, Autograd.grad(List.of(g.sum()), List.of(x)).get(0).toDoubleArray());
    }

    @Test
    void batchedGradWithCreateGraphDifferentiatesLikeALoop() {
        // the batched result is the stack of the single vector-Jacobian products, also under create_graph
        Tensor x = Tensor.tensor(new double[] {0.3, -0.7}, DType.FLOAT64, Device.CPU).requiresGrad_(true);
        Tensor y = x.exp().mul(x);
        Tensor go = Tensor.tensor(new double[] {1, 0, 0, 1}, DType.FLOAT64, Device.CPU).reshape(2, 2);
        Tensor jac = Autograd.grad(List.of(y), List.of(x), List.of(go), BATCHED.withCreateGraph(true)).get(0);
        Function<Integer, Tensor> row = i -> Autograd.grad(List.of(y), List.of(x), List.of(go.select(0, i)), true).get(0);
        assertArrayEquals(Tensor.stack(Arrays.asList(row.apply(0), row.apply(1)), 0).toDoubleArray(), jac.toDoubleArray());
        assertEquals("StackBackward0", jac.gradFn().name());
    }
}
