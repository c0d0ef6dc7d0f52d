package dev.ember;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A node whose backward reads its result saves it whatever needs a gradient, as PyTorch's generated nodes save every
 * output (only saved inputs are guarded by {@code should_compute_output}), against PyTorch
 * ({@code savedoutputalways/make_expected.py}): copysign, linalg.solve (left and right), solve_ex, solve_triangular
 * (left and right) and lu_solve with only the second operand requiring grad. An in-place change of the result before
 * the backward is refused; Ember saved the result only where the first operand's gradient was computed and ran
 * (session 64). The gradients without the change are compared too.
 */
class SavedOutputAlwaysTest {
    private static final double[][] A = {{4.0, 1.0, -0.5}, {0.5, 3.0, 1.0}, {-1.0, 0.25, 5.0}};
    private static final double[][] B = {{1.0, -2.0}, {0.5, 3.0}, {-1.5, 2.5}};
    private static final double[] X = {1.0, -2.0, 3.0, -0.5};
    private static final double[] O = {-1.0, 2.0, -3.0, 0.5};

    private record Case(UnaryOperator<Tensor> op, boolean vector) { }

    private static Map<String, Case> cases() {
        Tensor a = Tensor.tensor(A, DType.FLOAT64);
        LuFactorResult lu = a.linalgLuFactor();
        Map<String, Case> m = new LinkedHashMap<>();
        m.put("copysign", new Case(o -> Tensor.tensor(X, DType.FLOAT64).copysign(o), true));
        m.put("solve", new Case(a::linalgSolve, false));
        m.put("solve_right", new Case(b -> a.linalgSolve(b.t(), false), false));
        m.put("solve_ex", new Case(b -> a.linalgSolveEx(b).result(), false));
        m.put("solve_triangular", new Case(b -> a.triu().linalgSolveTriangular(b, true), false));
        m.put("solve_triangular_right", new Case(b -> a.tril().linalgSolveTriangular(b.t(), false, false, false), false));
        m.put("lu_solve", new Case(b -> Tensor.linalgLuSolve(lu.LU(), lu.pivots(), b, true, false), false));
        return m;
    }

    @Test
    void changedResultRefusedWhateverNeedsAGradient() throws IOException {
        Map<String, Case> cases = cases();
        int seen = 0;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(Objects.requireNonNull(
                SavedOutputAlwaysTest.class.getResourceAsStream("/savedoutputalways/expected.txt")),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                String[] f = line.split("\\|");
                boolean clean = f[0].endsWith("_clean");
                Case c = cases.get(clean ? f[0].substring(0, f[0].length() - "_clean".length()) : f[0]);
                Tensor o = (c.vector ? Tensor.tensor(O, DType.FLOAT64) : Tensor.tensor(B, DType.FLOAT64)).requiresGrad_(true);
                Tensor y = c.op.apply(o);
                if (!clean) {
                    y.add_(1.0);
                }
                if (f[1].equals("err")) {
                    IllegalStateException e = assertThrows(IllegalStateException.class, () -> y.sum().backward(), f[0]);
                    assertEquals(f[2], e.getMessage(), f[0]);
                } else {
                    y.sum().backward();
                    assertArrayEquals(Arrays.stream(f[2].split(",")).mapToDouble(Double::parseDouble).toArray(),
                            o.grad().toDoubleArray(), 1e-14, f[0]);
                }
                seen++;
            }
        }
        assertEquals(14, seen);
    }
}
