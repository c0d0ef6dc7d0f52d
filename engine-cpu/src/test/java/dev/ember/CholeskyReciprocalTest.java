package dev.ember;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code linalgCholesky} bit for bit against PyTorch's LAPACK ({@code choleskyreciprocal/make_expected.py}): potrf scales
 * the column below each diagonal element by the rounded reciprocal of that element, where Ember divided by it (one
 * ulp apart in float32 and float64; found by fuzz round 20's hunt, seed 6320, as a float32 MultivariateNormal sample an
 * ulp off). The whole factor of 2 x 2 matrices and the first column of 5 x 5 ones, float32 and float64.
 */
class CholeskyReciprocalTest {
    @Test
    void factorsMatchLapackBits() throws IOException {
        int cases = 0;
        List<String> wrong = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(Objects.requireNonNull(
                CholeskyReciprocalTest.class.getResourceAsStream("/choleskyreciprocal/expected.txt")),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                String[] halves = line.split(" \\| ");
                String[] head = halves[0].split(" ");
                boolean f32 = head[0].equals("float32");
                int n = Integer.parseInt(head[1]);
                double[][] a = new double[n][n];
                for (int k = 0; k < n * n; k++) {
                    a[k / n][k % n] = value(head[2 + k], f32);
                }
                Tensor l = Tensor.tensor(a, DType.FLOAT64).to(f32 ? DType.FLOAT32 : DType.FLOAT64).linalgCholesky();
                double[] got = (n == 2 ? l : l.select(1, 0)).toDoubleArray();
                String[] want = halves[1].split(" ");
                assertEquals(want.length, got.length, line);
                for (int k = 0; k < want.length; k++) {
                    if (value(want[k], f32) != got[k]) { // -0.0 and 0.0 alike (the upper triangle)
                        wrong.add(line + " (entry " + k + ": Ember " + hex(got[k], f32) + ")");
                        break;
                    }
                }
                cases++;
            }
        }
        assertEquals(420, cases);
        assertTrue(wrong.isEmpty(), wrong.size() + " factors differ from LAPACK's bits, e.g. "
                + (wrong.isEmpty() ? "" : wrong.get(0)));
    }

    private static double value(String hex, boolean f32) {
        return f32 ? Float.intBitsToFloat((int) Long.parseLong(hex, 16))
                : Double.longBitsToDouble(Long.parseUnsignedLong(hex, 16));
    }

    private static String hex(double v, boolean f32) {
        return f32 ? Integer.toHexString(Float.floatToIntBits((float) v)) : Long.toHexString(Double.doubleToLongBits(v));
    }
}
