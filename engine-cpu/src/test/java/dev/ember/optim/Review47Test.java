package dev.ember.optim;

import dev.ember.DType;
import dev.ember.Tensor;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Helper 6's review of session 47's engine changes: regressions for what it fixed in the optimizers, against
 * PyTorch's values ({@code review47/make_expected.py}, {@code expected.txt}).
 */
class Review47Test {
    private static final Map<String, double[]> WANT = load();

    private static Map<String, double[]> load() {
        Map<String, double[]> m = new HashMap<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                Review47Test.class.getResourceAsStream("/review47/expected.txt"), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                String[] parts = line.split(" ", 2);
                String[] hex = parts[1].split(",");
                double[] v = new double[hex.length];
                for (int i = 0; i < hex.length; i++) {
                    v[i] = Double.longBitsToDouble(Long.parseUnsignedLong(hex[i], 16));
                }
                m.put(parts[0], v);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return m;
    }

    private static void assertValues(String label, Tensor t, double tol) {
        double[] want = WANT.get(label);
        assertNotNull(want, label);
        Tensor r = t.detach().isComplex() ? t.detach().viewAsReal() : t.detach();
        double[] got = r.toDouble().contiguous().reshape(-1).toDoubleArray();
        assertArrayEquals(want, got, tol, label);
    }

    private static Tensor complexVector(DType type, double... parts) {
        return Tensor.tensor(parts, type == DType.COMPLEX64 ? DType.FLOAT32 : DType.FLOAT64).reshape(-1, 2)
                .viewAsComplex().clone();
    }

    /**
     * Adagrad's constructor fills a complex parameter's sum with {@code complex(v, v)}, v its
     * {@code initial_accumulator_value}, as PyTorch's (both parts of the real view start at v); Ember filled
     * {@code v + 0i} (the groupAdded rewrite of session 47 kept the real fill), so the imaginary parts' steps differed.
     */
    @Test
    void adagradStartsAComplexParametersSumAtTheValueInBothParts() {
        for (DType type : List.of(DType.COMPLEX128, DType.COMPLEX64)) {
            String name = type == DType.COMPLEX128 ? "c128" : "c64";
            double tol = type == DType.COMPLEX128 ? 1e-15 : 1e-6;
            Tensor p = complexVector(type, 1, 2, -0.5, 0.25, 3, -1).requiresGrad_(true);
            Adagrad opt = new Adagrad(List.of(p), 0.1, 0.01, 0, 0.5, 1e-10);
            assertValues("adagrad_" + name + "_sum0", opt.state.get(p).tensor("sum"), 0);
            Tensor[] grads = {complexVector(type, 0.3, -0.2, 1.5, 0.5, -0.75, 0),
                complexVector(type, -0.1, 0.4, 0.25, -1, 2, 2)};
            for (int k = 0; k < grads.length; k++) {
                p.setGrad(grads[k]);
                opt.step();
                assertValues("adagrad_" + name + "_p" + (k + 1), p, tol);
                assertValues("adagrad_" + name + "_sum" + (k + 1), opt.state.get(p).tensor("sum"), tol);
            }
        }
    }

    /**
     * {@link Optimizer#withGroups}: a group whose params list is empty is a group without parameters, as PyTorch's
     * add_param_group takes it (its Javadoc had listed an empty list among the refusals).
     */
    @Test
    void withGroupsTakesAGroupWithoutParameters() {
        Tensor w = Tensor.tensor(new double[] {1, 2}, DType.FLOAT64).requiresGrad_(true);
        Optimizer opt = Optimizer.withGroups(List.of(Map.of("params", List.of(w)), Map.of("params", List.of())),
                ps -> new SGD(ps, 0.1));
        assertValues("withgroups_empty_group_count", Tensor.tensor(new double[] {opt.paramGroups().size(),
            opt.paramGroups().get(1).params().size()}, DType.FLOAT64), 0);
        w.setGrad(Tensor.ones(DType.FLOAT64, 2));
        opt.step();
        assertValues("withgroups_empty_group_w", w, 0);
    }
}
