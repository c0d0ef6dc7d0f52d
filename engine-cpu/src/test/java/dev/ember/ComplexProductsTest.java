package dev.ember;

import dev.ember.nn.Functional;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

import static dev.ember.OutsiderFixture.assertCloseAny;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fused products addmm, addbmm, baddbmm, addmv and addr, F.linear (addmm for a 2-D or contiguous N-D input with a
 * bias), and linalg.cross, on complex tensors with fractional alpha and beta, against PyTorch
 * ({@code resources/complexproducts/make_expected.py}): outputs, and the gradients of every input for
 * {@code sum(|y|^2) + sum(Re(0.3i y))}. Their backward formulas lacked the conjugate of PyTorch's
 * ({@code grad @ mat2^H}, {@code mat1^H @ grad}, {@code cross(conj(b), grad)}), so a complex {@code nn.Linear} with a
 * bias got wrong weight and input gradients, silently; a fractional alpha or beta was truncated to an integer for
 * complex tensors (their type is not floating point), silently; addmv refused complex tensors.
 */
class ComplexProductsTest {
    private static final OutsiderFixture PT = new OutsiderFixture("complexproducts", "complex_products.pt");

    private static Map<String, Function<Map<String, Tensor>, Tensor>> cases() {
        Map<String, Function<Map<String, Tensor>, Tensor>> ops = new LinkedHashMap<>();
        ops.put("addmm", t -> t.get("b").addmm(t.get("x"), t.get("W").t()));
        ops.put("addmm_ab", t -> t.get("b").addmm(t.get("x"), t.get("W").t(), 0.5, 2.0));
        ops.put("addbmm", t -> t.get("b").addbmm(t.get("B1"), t.get("B2"), 1.5, 0.25));
        ops.put("baddbmm", t -> t.get("b3").baddbmm(t.get("B1"), t.get("B2")));
        ops.put("baddbmm_ab", t -> t.get("b3").baddbmm(t.get("B1"), t.get("B2"), -0.5, 0.75));
        ops.put("addmv", t -> t.get("v").addmv(t.get("x"), t.get("u")));
        ops.put("addmv_ab", t -> t.get("v").addmv(t.get("x"), t.get("u"), 0.5, -1.5));
        ops.put("addr", t -> t.get("M").addr(t.get("a"), t.get("c"), 0.5, 2.5));
        ops.put("linear2", t -> Functional.linear(t.get("x"), t.get("W"), t.get("c")));
        ops.put("linear3", t -> Functional.linear(t.get("X3"), t.get("W"), t.get("c")));
        ops.put("linear1", t -> Functional.linear(t.get("u"), t.get("W"), t.get("c")));
        ops.put("cross", t -> t.get("q").linalgCross(t.get("q2")));
        return ops;
    }

    private static Map<String, Tensor> freshInputs() {
        Map<String, Tensor> ts = new LinkedHashMap<>();
        PT.under("in.").forEach((k, v) -> ts.put(k, v.clone().requiresGrad_(true)));
        return ts;
    }

    @Test
    void valuesAndGradientsMatchPyTorch() {
        int compared = 0;
        for (Map.Entry<String, Function<Map<String, Tensor>, Tensor>> c : cases().entrySet()) {
            String name = c.getKey();
            Map<String, Tensor> ts = freshInputs();
            Tensor y = c.getValue().apply(ts);
            assertCloseAny(PT.e(name + ".y"), y.detach(), name, 10);
            y.abs().pow(2).sum().add(y.mul(Complex.of(0, 0.3)).real().sum()).backward();
            Map<String, Tensor> grads = PT.under(name + ".grad.");
            for (Map.Entry<String, Tensor> in : ts.entrySet()) {
                Tensor expected = grads.get(in.getKey());
                Tensor actual = in.getValue().grad();
                assertEquals(expected == null, actual == null, name + ": which inputs get a gradient");
                if (expected != null) {
                    assertCloseAny(expected, actual, name + " gradient of " + in.getKey(), 10);
                    compared++;
                }
            }
        }
        assertEquals(35, compared, "gradients compared");
    }

    /** Gradcheck through the real views (float64 inputs viewed as complex, the complex output viewed as real). */
    @Test
    void gradcheckOfEveryProduct() {
        for (Map.Entry<String, Function<Map<String, Tensor>, Tensor>> c : cases().entrySet()) {
            Map<String, Tensor> ts = new LinkedHashMap<>();
            PT.under("in.").forEach((k, v) -> ts.put(k, v.viewAsReal().clone().requiresGrad_(true)));
            String[] names = ts.keySet().toArray(new String[0]);
            Tensor[] xs = ts.values().toArray(new Tensor[0]);
            assertTrue(Autograd.gradcheck(args -> {
                Map<String, Tensor> m = new LinkedHashMap<>();
                for (int i = 0; i < names.length; i++) {
                    m.put(names[i], args[i].viewAsComplex());
                }
                return c.getValue().apply(m).viewAsReal();
            }, xs), c.getKey());
        }
    }

    @Test
    void complexAddmvRefusesWhatRealAddmvRefuses() {
        Tensor v = Tensor.zeros(DType.COMPLEX128, 3);
        Tensor x = Tensor.zeros(DType.COMPLEX128, 3, 4);
        Tensor bad = Tensor.zeros(DType.COMPLEX128, 5);
        String real = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(DType.FLOAT64, 3)
                .addmv(Tensor.zeros(DType.FLOAT64, 3, 4), Tensor.zeros(DType.FLOAT64, 5))).getMessage();
        assertEquals(real, assertThrows(IllegalArgumentException.class, () -> v.addmv(x, bad)).getMessage());
        assertTrue(v.equal(Tensor.zeros(DType.COMPLEX128, 3)), "the input unchanged");
    }
}
