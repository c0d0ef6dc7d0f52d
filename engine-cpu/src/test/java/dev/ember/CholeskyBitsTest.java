package dev.ember;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code linalg.cholesky}'s factor bit for bit against PyTorch's CPU LAPACK (choleskybits/make_expected.py: float32 and
 * float64, orders 1 to 4, one matrix and a (2, 3) batch; lower, and upper at orders 1 and 2). Session 64's hunt of
 * round 20 (seed 64246) found MultivariateNormal's and Wishart's float32 samples from a covariance matrix a few ulps
 * off: Ember's kernel subtracted each product from a_ij in turn and divided by l_jj, where OpenBLAS's potf2 (which
 * spotrf and dpotrf run at these orders) subtracts the summed products once and scales the column by the reciprocal
 * 1 / l_jj. On 300 random matrices of each order (lower, float32), the old kernel gave other bits for 22% of the
 * order-2 factors, 67% of order 3 and 92% of order 4, the new one none up to order 4 (12% at order 5, 20% at 6:
 * OpenBLAS's dot and gemv kernels sum longer rows in other orders). The upper factor (potf2_U, whose float64 dot over
 * a contiguous column is fused) is matched at orders 1 and 2 only; Ember factors A^H's lower triangle for it.
 */
class CholeskyBitsTest {

    private record Case(DType dtype, boolean upper, int[] shape, String a, String l) { }

    private static List<Case> cases() throws IOException {
        List<Case> cases = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                CholeskyBitsTest.class.getResourceAsStream("/choleskybits/expected.txt"), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                String[] w = line.split(" ");
                if (!w[0].equals("case")) {
                    continue;
                }
                DType dtype = w[1].equals("float32") ? DType.FLOAT32 : DType.FLOAT64;
                int[] shape = Arrays.stream(w[3].split(",")).mapToInt(Integer::parseInt).toArray();
                String a = r.readLine().substring(2);
                String l = r.readLine().substring(2);
                cases.add(new Case(dtype, w[2].equals("1"), shape, a, l));
            }
        }
        return cases;
    }

    private static Tensor tensor(DType dtype, int[] shape, String hex) {
        if (dtype == DType.FLOAT32) {
            float[] v = new float[hex.length() / 8];
            for (int i = 0; i < v.length; i++) {
                v[i] = Float.intBitsToFloat((int) Long.parseLong(hex.substring(8 * i, 8 * i + 8), 16));
            }
            return Tensor.tensor(v).reshape(shape);
        }
        double[] v = new double[hex.length() / 16];
        for (int i = 0; i < v.length; i++) {
            v[i] = Double.longBitsToDouble(Long.parseUnsignedLong(hex.substring(16 * i, 16 * i + 16), 16));
        }
        return Tensor.tensor(v, DType.FLOAT64).reshape(shape);
    }

    private static String hex(Tensor t) {
        StringBuilder sb = new StringBuilder();
        if (t.dtype() == DType.FLOAT32) {
            for (float v : t.contiguous().toFloatArray()) {
                sb.append(String.format("%08x", Float.floatToRawIntBits(v)));
            }
        } else {
            for (double v : t.contiguous().toDoubleArray()) {
                sb.append(String.format("%016x", Double.doubleToRawLongBits(v)));
            }
        }
        return sb.toString();
    }

    @Test
    void factorsArePyTorchsBits() throws IOException {
        List<Case> cases = cases();
        assertEquals(73, cases.size());
        List<String> wrong = new ArrayList<>();
        for (Case c : cases) {
            Tensor a = tensor(c.dtype(), c.shape(), c.a());
            Tensor l = a.linalgCholesky(c.upper());
            assertEquals(c.dtype(), l.dtype());
            String got = hex(l);
            if (!got.equals(c.l())) {
                wrong.add(c.dtype() + " upper=" + c.upper() + " " + Arrays.toString(c.shape()) + ": PyTorch " + c.l()
                        + ", Ember " + got);
            }
        }
        assertTrue(wrong.isEmpty(), wrong.size() + " of " + cases.size() + " factors differ:\n" + String.join("\n", wrong));
    }

    /** The round-20 hunt's covariance matrix: MultivariateNormal's scale_tril is its factor, bit for bit. */
    @Test
    void multivariateNormalScaleTrilOfTheHuntsCovariance() throws IOException {
        Case c = cases().get(0);
        Tensor cov = tensor(c.dtype(), c.shape(), c.a());
        Tensor loc = Tensor.zeros(DType.FLOAT32, 2);
        var mvn = dev.ember.distributions.MultivariateNormal.ofCovariance(loc, cov);
        assertEquals(c.l(), hex(mvn.scaleTril()));
    }
}
