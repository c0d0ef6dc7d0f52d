package dev.ember;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.nn.Embedding;
import dev.ember.nn.Linear;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * functorch's refusal of {@link Tensor#requiresGrad_} and {@link Tensor#retainGrad} inside a function a
 * {@link Func} transform runs ({@code checkSupportsInplaceRequiresGrad} and {@code checkSupportsRetainGrad},
 * at/functorch/DynamicLayer.cpp; 2.x's check and messages are 1.13's), and what it lets through: PyTorch's property
 * setter ({@link Tensor#setRequiresGrad}), {@code nn.Parameter(t)} ({@link Tensor#asParameter}), a module built inside
 * the function, {@code Embedding.from_pretrained}, and the ops whose backward the engine records on leaves of its own
 * (a complex product). Each program's result or message against functorch 1.13
 * ({@code funcrequiresgrad/make_expected.py}).
 */
class FuncRequiresGradTest {
    private static final Map<String, List<String>> CASES = ReferenceCases.read("/funcrequiresgrad/expected.txt");

    private static Tensor f64(double... v) {
        return Tensor.tensor(v, DType.FLOAT64);
    }

    private static Tensor x() {
        return f64(0.5, -1.25, 2.0);
    }

    private static Tensor ones23() {
        return Tensor.ones(DType.FLOAT64, 2, 3);
    }

    /** Each program, returning the named tensors the case prints. */
    private static Map<String, Supplier<Map<String, Tensor>>> programs() {
        Map<String, Supplier<Map<String, Tensor>>> m = new LinkedHashMap<>();
        m.put("captured_in_grad", () -> {
            Tensor c = f64(1, 2, 3);
            return Map.of("grad", Func.grad(a -> {
                c.requiresGrad_(true);
                return a[0].mul(c).sum();
            }).apply(x()));
        });
        m.put("captured_after_refusal", () -> {
            Tensor c = f64(1, 2, 3);
            assertThrows(IllegalStateException.class, () -> Func.grad(a -> {
                c.requiresGrad_(true);
                return a[0].mul(c).sum();
            }).apply(x()));
            return Map.of("requires_grad", Tensor.scalar(c.requiresGrad() ? 1.0 : 0.0));
        });
        m.put("made_inside_grad", () -> Map.of("grad", Func.grad(a -> {
            Tensor y = Tensor.ones(DType.FLOAT64, 3);
            y.requiresGrad_(true);
            return a[0].mul(y).sum();
        }).apply(x())));
        m.put("input_in_grad", () -> Map.of("grad", Func.grad(a -> {
            a[0].requiresGrad_(true);
            return a[0].sum();
        }).apply(x())));
        m.put("false_in_grad", () -> Map.of("grad", Func.grad(a -> {
            Tensor y = a[0].detach();
            y.requiresGrad_(false);
            return a[0].mul(y).sum();
        }).apply(x())));
        m.put("in_jacrev", () -> {
            Tensor c = f64(1, 2, 3);
            return Map.of("jac", Func.jacrev(a -> {
                c.requiresGrad_(true);
                return a[0].mul(c);
            }).apply(x()));
        });
        m.put("in_vjp", () -> Map.of("out", Func.vjp(a -> {
            Tensor.zeros(DType.FLOAT64, 3).requiresGrad_(true);
            return a[0].mul(2.0);
        }, x()).output()));
        m.put("in_jvp", () -> Map.of("out", Func.jvp(a -> {
            Tensor.zeros(DType.FLOAT64, 3).requiresGrad_(true);
            return a[0].mul(2.0);
        }, new Tensor[] {x()}, new Tensor[] {x()}).jvp()));
        m.put("in_vmap", () -> Map.of("out", Func.vmap(a -> {
            Tensor.zeros(DType.FLOAT64, 3).requiresGrad_(true);
            return a[0].mul(2.0);
        }).apply(ones23())));
        m.put("in_no_grad_inside_grad", () -> Map.of("grad", Func.grad(a -> {
            try (GradMode off = Ember.noGrad()) {
                Tensor.ones(DType.FLOAT64, 3).requiresGrad_(true);
            }
            return a[0].sum();
        }).apply(x())));
        m.put("module_requires_grad", () -> {
            Linear lin = new Linear(3, 1);
            lin.to(DType.FLOAT64);
            return Map.of("grad", Func.grad(a -> {
                lin.requiresGrad_(false);
                return lin.forward(a[0]).sum();
            }).apply(x()));
        });
        m.put("autograd_functional", () -> Map.of("grad", Func.grad(a ->
                AutogradFunctional.jacobian(t -> t.mul(2.0), a[0]).sum()).apply(x())));
        m.put("setter_in_grad", () -> Map.of("grad", Func.grad(a -> {
            Tensor y = f64(1, 2, 3);
            y.setRequiresGrad(true);
            return a[0].mul(y).sum();
        }).apply(x())));
        m.put("setter_in_vmap", () -> Map.of("out", Func.vmap(a -> {
            Tensor y = f64(1, 2, 3);
            y.setRequiresGrad(true);
            return a[0].mul(y);
        }).apply(ones23())));
        m.put("parameter_in_grad", () -> Map.of("grad", Func.grad(a -> {
            Tensor p = f64(1, 2, 3).asParameter();
            return a[0].mul(p).sum();
        }).apply(x())));
        m.put("from_pretrained_in_grad", () -> Map.of("grad", Func.grad(a -> {
            Embedding e = Embedding.fromPretrained(Tensor.tensor(new double[] {1, 2, 3, 4, 5, 6}, DType.FLOAT64)
                    .reshape(2, 3), false);
            return a[0].mul(e.weight.select(0, 1)).sum();
        }).apply(x())));
        m.put("retain_grad_in_grad", () -> Map.of("grad", Func.grad(a -> {
            Tensor y = a[0].mul(2.0);
            y.retainGrad();
            return y.sum();
        }).apply(x())));
        m.put("retain_grad_in_vmap", () -> Map.of("out", Func.vmap(a -> {
            Tensor y = a[0].mul(2.0);
            y.retainGrad();
            return y;
        }).apply(ones23())));
        m.put("complex_product_in_grad", () -> Map.of("grad", Func.grad(a -> {
            Tensor z = Tensor.complex(a[0], a[0].mul(0.5));
            Tensor mr = Tensor.tensor(new double[] {1, 0, 0, 1, 2, -1}, DType.FLOAT64).reshape(3, 2);
            Tensor mi = Tensor.tensor(new double[] {0.5, 1, -1, 0, 0, 3}, DType.FLOAT64).reshape(3, 2);
            return z.reshape(1, 3).matmul(Tensor.complex(mr, mi)).abs().sum();
        }).apply(x())));
        return m;
    }

    @TestFactory
    List<DynamicTest> programsAgainstFunctorch() {
        Map<String, Supplier<Map<String, Tensor>>> programs = programs();
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : CASES.entrySet()) {
            Supplier<Map<String, Tensor>> program = programs.get(e.getKey());
            assertNotNull(program, "no Ember twin for " + e.getKey());
            tests.add(DynamicTest.dynamicTest(e.getKey(), () -> check(e.getKey(), e.getValue(), program)));
        }
        assertEquals(programs.size(), tests.size(), "twins without a case");
        return tests;
    }

    private static void check(String name, List<String> lines, Supplier<Map<String, Tensor>> program) {
        Map<String, Tensor> values = null;
        String error = null;
        try {
            values = program.get();
        } catch (IllegalStateException | IllegalArgumentException e) {
            error = e.getMessage();
        }
        String expectedError = null;
        int compared = 0;
        for (String line : lines) {
            if (line.startsWith("error ")) {
                expectedError = line.substring(6);
            } else if (line.startsWith("value ")) {
                String[] parts = line.split(" ");
                assertNotNull(values, name + ": Ember failed with " + error);
                Tensor got = values.get(parts[1]);
                assertNotNull(got, name + ": Ember recorded no " + parts[1]);
                double[] have = got.detach().to(DType.FLOAT64).reshape(-1).toDoubleArray();
                assertEquals(parts.length - 2, have.length, name + " " + parts[1]);
                for (int i = 0; i < have.length; i++) {
                    double want = Double.parseDouble(parts[i + 2]);
                    assertEquals(want, have[i], 1e-12 * Math.max(1, Math.abs(want)), name + " " + parts[1] + "[" + i + "]");
                }
                compared++;
            }
        }
        assertEquals(expectedError, error, name);
        assertTrue(expectedError != null || compared > 0, name);
    }

    @Test
    void theSetterFollowsPyTorchsPropertyRulesOutsideTransforms() {
        // t.requires_grad = b (THPVariable_set_requires_grad): refuses a non-leaf either way, names complex as allowed
        Tensor y = f64(1, 2).requiresGrad_(true).mul(2.0);
        IllegalStateException on = assertThrows(IllegalStateException.class, () -> y.setRequiresGrad(true));
        assertEquals("you can only change requires_grad flags of leaf variables.", on.getMessage());
        IllegalStateException off = assertThrows(IllegalStateException.class, () -> y.setRequiresGrad(false));
        assertEquals("you can only change requires_grad flags of leaf variables. If you want to use a computed variable "
                + "in a subgraph that doesn't require differentiation use var_no_grad = var.detach().", off.getMessage());
        Tensor ints = Tensor.tensor(new long[] {1, 2});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ints.setRequiresGrad(true));
        assertEquals("only Tensors of floating point and complex dtype can require gradients", e.getMessage());
        assertFalse(ints.requiresGrad());
        Tensor leaf = f64(1, 2);
        assertTrue(leaf.setRequiresGrad(true).requiresGrad());
        assertFalse(leaf.setRequiresGrad(false).requiresGrad());
        // requires_grad_(True) on a non-leaf stays a no-op outside transforms
        assertTrue(y.requiresGrad_(true).requiresGrad());
    }

    @Test
    void theRefusalEndsWithTheTransform() {
        Tensor c = f64(1, 2, 3);
        assertThrows(IllegalStateException.class, () -> Func.vmap(a -> {
            c.requiresGrad_(true);
            return a[0];
        }).apply(ones23()));
        assertFalse(c.requiresGrad());
        assertTrue(c.requiresGrad_(true).requiresGrad());
        Tensor y = c.mul(2.0);
        y.retainGrad();
        y.sum().backward();
        assertEquals(List.of(1.0, 1.0, 1.0), toList(y.grad()));
    }

    private static List<Double> toList(Tensor t) {
        List<Double> out = new ArrayList<>();
        for (double d : t.toDoubleArray()) {
            out.add(d);
        }
        return out;
    }
}
