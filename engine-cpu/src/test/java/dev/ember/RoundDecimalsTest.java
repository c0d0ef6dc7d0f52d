package dev.ember;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@code round(decimals)}, {@code round_(decimals)}, {@code gcd_} and {@code lcm_} against PyTorch
 * ({@code rounddecimals/make_expected.py}).
 */
class RoundDecimalsTest {
    private static final double[] X = {1234.5678, -0.05, 2.5, 3.5, -2.675, 0.125, 1e-7, 123456.789,
        Double.POSITIVE_INFINITY, Double.NaN, -0.0};

    private static List<String> expected() throws IOException {
        try (InputStream in = RoundDecimalsTest.class.getResourceAsStream("/rounddecimals/expected.txt")) {
            assertNotNull(in);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
    }

    @Test
    void roundToDecimalsAsPyTorch() throws IOException {
        int cases = 0;
        for (String line : expected()) {
            String[] f = line.split(" ");
            if (!f[0].equals("round")) {
                continue;
            }
            DType dtype = f[1].equals("float32") ? DType.FLOAT32 : DType.FLOAT64;
            int d = Integer.parseInt(f[2]);
            double[] want = Arrays.stream(f, 3, f.length).mapToDouble(RoundDecimalsTest::python).toArray();
            Tensor x = Tensor.tensor(X, dtype);
            double[] got = x.round(d).toDoubleArray();
            Tensor y = x.clone();
            y.round_(d);
            for (int i = 0; i < want.length; i++) {
                // bitwise, so -0.0 and NaN compare as PyTorch wrote them
                assertEquals(Double.doubleToLongBits(want[i]), Double.doubleToLongBits(got[i]), line + " at " + i);
            }
            assertArrayEquals(got, y.toDoubleArray(), line);
            cases++;
        }
        assertEquals(12, cases);
    }

    /** Python's repr of a float: inf, -inf, nan or a decimal. */
    private static double python(String v) {
        switch (v) {
            case "inf": return Double.POSITIVE_INFINITY;
            case "-inf": return Double.NEGATIVE_INFINITY;
            case "nan": return Double.NaN;
            default: return Double.parseDouble(v);
        }
    }

    @Test
    void roundWithDecimalsIsRoundBackward1WithAZeroGradient() {
        Tensor x = Tensor.tensor(new double[] {1.25, 2.35}, DType.FLOAT64).requiresGrad_(true);
        Tensor r = x.round(1);
        assertEquals("RoundBackward1", r.gradFn().name());
        r.sum().backward();
        assertArrayEquals(new double[] {0, 0}, x.grad().toDoubleArray());
        assertEquals("RoundBackward1", Special.round(x, 2).gradFn().name());
    }

    @Test
    void integersAreRefusedAsPyTorchsKernel() {
        Tensor i = Tensor.tensor(new long[] {15, 26});
        assertEquals("\"round_cpu\" not implemented for 'Long'",
                assertThrows(IllegalArgumentException.class, () -> i.round(1)).getMessage());
        assertEquals("\"round_cpu\" not implemented for 'Long'",
                assertThrows(IllegalArgumentException.class, () -> i.round_(-1)).getMessage());
        assertArrayEquals(new long[] {15, 26}, i.toLongArray());
    }

    @Test
    void halfTypesRoundThroughFloat32Once() {
        // PyTorch 2.x's round_decimals kernel computes float16/bfloat16 in float32 (opmath) and rounds once
        Tensor h = Tensor.tensor(new double[] {1.25, 2.35, -7.77}, DType.FLOAT32).to(DType.FLOAT16);
        Tensor want = h.to(DType.FLOAT32).round(1).to(DType.FLOAT16);
        assertArrayEquals(want.toFloatArray(), h.round(1).toFloatArray());
        assertEquals(DType.FLOAT16, h.round(1).dtype());
    }

    @Test
    void gcdAndLcmInPlace() throws IOException {
        Tensor a = Tensor.tensor(new long[] {12, 18, -7, 0, 9});
        Tensor b = Tensor.tensor(new long[] {8, 27, 14, 5, -6});
        Tensor g = a.clone();
        g.gcd_(b);
        Tensor l = a.clone();
        l.lcm_(b);
        for (String line : expected()) {
            String[] f = line.split(" ");
            if (f[0].equals("round")) {
                continue;
            }
            long[] want = Arrays.stream(f, 1, f.length).mapToLong(Long::parseLong).toArray();
            if (f[0].equals("gcd_")) {
                assertArrayEquals(want, g.toLongArray());
            } else if (f[0].equals("lcm_")) {
                assertArrayEquals(want, l.toLongArray());
            }
        }
        Tensor f = Tensor.tensor(new double[] {1.5});
        assertEquals("\"gcd_cpu\" not implemented for 'Float'",
                assertThrows(IllegalArgumentException.class, () -> f.gcd_(Tensor.tensor(new long[] {2}))).getMessage());
        assertArrayEquals(new float[] {1.5f}, f.toFloatArray());
    }
}
