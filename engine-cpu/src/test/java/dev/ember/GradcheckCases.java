package dev.ember;

import org.junit.jupiter.api.DynamicTest;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Dynamic gradcheck tests from a table of cases: each entry maps a name to {@code {Function<Tensor[], Tensor>, inputs...}}
 * (float64 inputs that require grad), as the linear-algebra tests write their differentiable ops.
 */
final class GradcheckCases {
    private GradcheckCases() {
    }

    /** A gradcheck per case, and a gradgradcheck too when {@code secondOrder}. */
    @SuppressWarnings("unchecked")
    static List<DynamicTest> of(Map<String, Object[]> cases, boolean firstOrder, boolean secondOrder) {
        List<DynamicTest> t = new ArrayList<>();
        for (Map.Entry<String, Object[]> e : cases.entrySet()) {
            Object[] v = e.getValue();
            Function<Tensor[], Tensor> f = (Function<Tensor[], Tensor>) v[0];
            Tensor[] xs = Arrays.copyOfRange(v, 1, v.length, Tensor[].class);
            if (firstOrder) {
                t.add(DynamicTest.dynamicTest(e.getKey(), () -> assertTrue(Autograd.gradcheck(f, xs))));
            }
            if (secondOrder) {
                t.add(DynamicTest.dynamicTest(e.getKey() + " (second order)", () -> assertTrue(Autograd.gradgradcheck(f, xs))));
            }
        }
        return t;
    }
}
