package dev.ember;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code torch.baddbmm} of batches whose {@code K * M * N} is under 400, bit for bit (baddbmmbits/make_expected.py):
 * PyTorch 2.x's CPU baddbmm runs them through {@code baddbmm_cpu_kernel}, which sums the rounded products in an
 * accumulator of the op type (float for float32, float16 and bfloat16, double for float64) and rounds {@code r * beta
 * + alpha * acc} there, or {@code alpha * acc} where the converted beta is 0 (self's NaN and infinities ignored), with
 * no fused multiply-add, converting once. Ember composed {@code beta * self + alpha * bmm}: its add with a factor fuses
 * (as ATen's vectorized add does), and the half types were rounded after every step. 240 cases: four types, five
 * shapes (K * M * N = 399 the largest), beta and alpha in {0, 1, 0.5, -2, 0.1, 1e-50} (1e-50 is 0 in float: self is
 * then ignored in float32 and the half types, read in float64), self full or broadcast, batch1 transposed, a NaN in
 * batch1; PyTorch 1.13's kernel differs, so the expected values are 2.x's rule computed step by step (the script checks
 * that the same arithmetic reproduces 1.13's own rule and bmm bit for bit).
 */
class BaddbmmSmallBitsTest {

    private static int[] shape(String s) {
        String[] p = s.split(",");
        int[] shape = new int[p.length];
        for (int i = 0; i < p.length; i++) {
            shape[i] = Integer.parseInt(p[i]);
        }
        return shape;
    }

    private static DType dtype(String name) {
        switch (name) {
            case "float32": return DType.FLOAT32;
            case "float64": return DType.FLOAT64;
            case "float16": return DType.FLOAT16;
            case "bfloat16": return DType.BFLOAT16;
            default: throw new IllegalStateException(name);
        }
    }

    /** The values of a HEX field (4, 8 or 16 hex digits an element), each exact as a double. */
    private static double[] values(DType t, String hex) {
        int w = t == DType.FLOAT64 ? 16 : t == DType.FLOAT32 ? 8 : 4;
        double[] v = new double[hex.length() / w];
        for (int k = 0; k < v.length; k++) {
            long bits = Long.parseUnsignedLong(hex.substring(w * k, w * k + w), 16);
            v[k] = t == DType.FLOAT64 ? Double.longBitsToDouble(bits)
                    : t == DType.FLOAT32 ? Float.intBitsToFloat((int) bits)
                    : t == DType.FLOAT16 ? Half.toFloat((short) bits) : BFloat16.toFloat((short) bits);
        }
        return v;
    }

    private static Tensor tensor(DType t, String hex, int... shape) {
        return Tensor.tensor(values(t, hex), DType.FLOAT64, Device.CPU).reshape(shape).to(t);
    }

    @Test
    void smallBaddbmmRoundsAsAtensLoop() throws IOException {
        List<String> failures = new ArrayList<>();
        int cases = 0;
        int elements = 0;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                BaddbmmSmallBitsTest.class.getResourceAsStream("/baddbmmbits/expected.txt"), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                String[] c = line.split(" ");
                DType t = dtype(c[1]);
                int[] bmkn = shape(c[2]);
                double beta = Double.parseDouble(c[3]);
                double alpha = Double.parseDouble(c[4]);
                boolean transposed = c[6].equals("1");
                Tensor self = tensor(t, r.readLine().substring(5), shape(c[5]));
                Tensor b1 = tensor(t, r.readLine().substring(3), bmkn[0], bmkn[1], bmkn[2]);
                Tensor b2 = tensor(t, r.readLine().substring(3), bmkn[0], bmkn[2], bmkn[3]);
                double[] want = values(t, r.readLine().substring(4));
                if (transposed) {
                    b1 = b1.transpose(1, 2).contiguous().transpose(1, 2);
                    assertTrue(bmkn[1] == 1 || bmkn[2] == 1 || !b1.isContiguous(), "batch1 is given transposed");
                }
                Tensor out = self.baddbmm(b1, b2, beta, alpha);
                assertEquals(t, out.dtype());
                assertEquals(List.of(bmkn[0], bmkn[1], bmkn[3]),
                        List.of(out.shape()[0], out.shape()[1], out.shape()[2]), line);
                double[] have = out.to(DType.FLOAT64).contiguous().toDoubleArray();
                for (int k = 0; k < want.length; k++) {
                    if (Double.compare(have[k], want[k]) != 0) { // the same bits (NaN whatever its payload)
                        failures.add(line + " [" + k + "]: " + have[k] + ", PyTorch 2.x " + want[k]);
                    }
                }
                cases++;
                elements += want.length;
            }
        }
        assertEquals(240, cases, "the resource's cases");
        System.out.println("BaddbmmSmallBitsTest: " + cases + " cases, " + elements + " elements bit for bit");
        assertEquals(0, failures.size(), failures.size() + " elements differ; the first: "
                + failures.subList(0, Math.min(20, failures.size())));
    }

    /**
     * The rule's witness, by hand: float32, one element, K = 1, self = 1 + 2^-22, batch1 = 3, batch2 = 1 + 2^-23, beta
     * = 0.1, alpha = 1: the kernel rounds {@code self * 0.1f} and {@code acc = 3 * (1 + 2^-23)} each to a float, then
     * their sum (0x1.8cccdp+1); a fused {@code self * beta + acc}, as a vectorized add with a factor computes it,
     * keeps the product unrounded and lands an ulp higher. PyTorch 2.x: the rule's value (exact).
     */
    @Test
    void betaTermIsRoundedBeforeTheSum() {
        float s = 1f + 0x1p-22f;
        float acc = 3f * (1f + 0x1p-23f);
        float want = s * 0.1f + acc;
        assertTrue(want != Math.fma(s, 0.1f, acc), "the witness: a fused beta term rounds otherwise");
        Tensor self = Tensor.tensor(new double[] {s}, DType.FLOAT64, Device.CPU).to(DType.FLOAT32).reshape(1, 1, 1);
        Tensor b1 = Tensor.tensor(new double[] {3}, DType.FLOAT64, Device.CPU).to(DType.FLOAT32).reshape(1, 1, 1);
        Tensor b2 = Tensor.tensor(new double[] {1 + 0x1p-23}, DType.FLOAT64, Device.CPU).to(DType.FLOAT32)
                .reshape(1, 1, 1);
        assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits((float) self.baddbmm(b1, b2, 0.1, 1).item()));
        // in place too (baddbmm_ computes the product and copies it back)
        assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits((float) self.clone().baddbmm_(b1, b2, 0.1, 1)
                .item()));
    }

    /**
     * Sizes from {@code K * M * N = 400} on keep the composition {@code beta * self + alpha * bmm} (PyTorch's gemm
     * there, whose rounding is its BLAS's): the values equal Ember's own composition, bit for bit.
     */
    @Test
    void largerSizesKeepTheComposition() {
        Ember.manualSeed(47);
        Tensor self = Tensor.randn(2, 5, 10);
        Tensor b1 = Tensor.randn(2, 5, 8);
        Tensor b2 = Tensor.randn(2, 8, 10);
        Tensor composed = b1.bmm(b2).mul(-2.0).add(self, 0.5);
        assertTrue(composed.equal(self.baddbmm(b1, b2, 0.5, -2)), "K * M * N = 400");
    }
}
