package dev.ember;

import dev.ember.backend.CpuCapability;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Complex64 and complex128 mul, add and sub against PyTorch on this machine's capability
 * ({@code complexmulbits/make_expected.py}: PyTorch's outputs under AVX2 and AVX-512), with infinities, NaNs, signed
 * zeros, huge and subnormal parts among the operands. Bit for bit: the sums everywhere; the product's vectorized form
 * (each product rounded) on the whole passes of a contiguous run (one operand possibly a broadcast element) and its
 * scalar form (fused multiply-adds) on strided runs. A contiguous run's tail is compiled code whose contractions
 * depend on PyTorch's compiler: there an element passes with either form's PyTorch answer. Each case runs out of place
 * and, where the output is not broadcast, in place; a NaN's sign and payload are not compared. Every mismatch is
 * counted and the first few listed before the test fails. Session 54's complex64 vector product (two lane
 * rearrangements) and the earlier one ({@code -Dember.complex.oldShuffles=true}: three) are both held to PyTorch's
 * bits.
 */
class ComplexMulBitsTest {
    private static String text(String name) throws IOException {
        try (InputStream in = ComplexMulBitsTest.class.getResourceAsStream("/complexmulbits/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static double[] numbers(String[] w, int from) {
        double[] v = new double[w.length - from];
        for (int i = from; i < w.length; i++) {
            v[i - from] = Double.parseDouble(w[i].replace("inf", "Infinity").replace("nan", "NaN"));
        }
        return v;
    }

    private static boolean same(double e, double g) {
        return Double.isNaN(e) ? Double.isNaN(g) : Double.doubleToRawLongBits(e) == Double.doubleToRawLongBits(g);
    }

    /** The complex tensor of interleaved parts in {@code t}. */
    private static Tensor complexOf(double[] parts, DType t) {
        int n = parts.length / 2;
        double[] re = new double[n];
        double[] im = new double[n];
        for (int k = 0; k < n; k++) {
            re[k] = parts[2 * k];
            im[k] = parts[2 * k + 1];
        }
        DType real = t == DType.COMPLEX64 ? DType.FLOAT32 : DType.FLOAT64;
        return Tensor.complex(Tensor.tensor(re, DType.FLOAT64).to(real), Tensor.tensor(im, DType.FLOAT64).to(real));
    }

    private static Tensor apply(String op, Tensor x, Tensor y) {
        switch (op) {
            case "mul": return x.mul(y);
            case "add": return x.add(y);
            case "add03": return x.add(y, 0.3);
            case "sub": return x.sub(y);
            default: throw new IllegalArgumentException(op);
        }
    }

    private static void applyInPlace(String op, Tensor x, Tensor y) {
        switch (op) {
            case "mul": x.mul_(y); break;
            case "add": x.add_(y); break;
            case "add03": x.add_(y, 0.3); break;
            case "sub": x.sub_(y); break;
            default: throw new IllegalArgumentException(op);
        }
    }

    /** The operands of a view: {@code [x, y]} as make_expected.py's run_case builds them. */
    private static Tensor[] operands(String view, int n, Tensor a, Tensor b) {
        switch (view) {
            case "c": return new Tensor[] {a.narrow(0, 0, n).contiguous(), b.narrow(0, 0, n).contiguous()};
            case "s2": return new Tensor[] {a.slice(0, 0, 2 * n, 2), b.slice(0, 0, 2 * n, 2)};
            case "rows": return new Tensor[] {a.reshape(3, 32).narrow(1, 0, n), b.reshape(3, 32).narrow(1, 0, n)};
            case "bs": return new Tensor[] {a.narrow(0, 0, n).contiguous(), b.narrow(0, 0, 1).contiguous()};
            case "as": return new Tensor[] {a.narrow(0, 0, 1).contiguous(), b.narrow(0, 0, n).contiguous()};
            default: throw new IllegalArgumentException(view);
        }
    }

    @Test
    void mulAddSubMatchPyTorchBitForBit() throws IOException {
        check();
    }

    /** The same cases on session 51-53's vector loops ({@code -Dember.complex.oldShuffles=true}). */
    @Test
    void theOldShufflesMatchPyTorchBitForBit() throws IOException {
        System.setProperty("ember.complex.oldShuffles", "true");
        try {
            check();
        } finally {
            System.clearProperty("ember.complex.oldShuffles");
        }
    }

    private static void check() throws IOException {
        String cap = CpuCapability.value();
        Assumptions.assumeTrue(!cap.equals("DEFAULT"), "PyTorch's outputs were written for AVX2 and AVX512 only");
        Map<String, Tensor> pool = new HashMap<>();
        for (String line : text("operands.txt").split("\n")) {
            String[] w = line.split(" ");
            DType t = w[0].equals("complex64") ? DType.COMPLEX64 : DType.COMPLEX128;
            pool.put(w[0] + " " + w[1], complexOf(numbers(w, 2), t));
        }
        String[] cases = text("cases.txt").split("\n");
        String[] expected = text("out_" + cap.toLowerCase(Locale.ROOT) + ".txt").split("\n");
        assertEquals(3 * cases.length, expected.length);
        List<String> failures = new ArrayList<>();
        Map<String, Integer> failuresPerCase = new HashMap<>();
        int checked = 0;
        int eitherForm = 0;
        for (int c = 0; c < cases.length; c++) {
            String[] w = cases[c].split(" ");
            String op = w[0];
            String view = w[2];
            int n = Integer.parseInt(w[3]);
            double[] want = numbers(expected[3 * c].split(" "), 2);
            double[] vec = numbers(expected[3 * c + 1].split(" "), 2);
            double[] scalar = numbers(expected[3 * c + 2].split(" "), 2);
            // complex elements per pass of PyTorch's vectorized loop: two vectors
            int pass = 2 * CpuCapability.vectorBytes(cap) / (w[1].equals("complex64") ? 8 : 16);
            Tensor[] xy = operands(view, n, pool.get(w[1] + " a"), pool.get(w[1] + " b"));
            List<Tensor> results = new ArrayList<>();
            results.add(apply(op, xy[0], xy[1]));
            if (!view.equals("bs") && !view.equals("as")) {
                Tensor[] fresh = operands(view, n, pool.get(w[1] + " a").clone(), pool.get(w[1] + " b"));
                applyInPlace(op, fresh[0], fresh[1]);
                results.add(fresh[0]);
            }
            for (int r = 0; r < results.size(); r++) {
                double[] got = results.get(r).viewAsReal().toDouble().contiguous().toDoubleArray();
                assertEquals(want.length, got.length, cases[c]);
                for (int k = 0; k < want.length / 2; k++) {
                    // a tail element of a contiguous run's product: PyTorch's compiled scalar loop, either form
                    boolean tail = op.equals("mul") && !view.equals("s2") && k % n >= (n / pass) * pass;
                    boolean ok;
                    if (tail) {
                        eitherForm++;
                        ok = same(vec[2 * k], got[2 * k]) && same(vec[2 * k + 1], got[2 * k + 1])
                                || same(scalar[2 * k], got[2 * k]) && same(scalar[2 * k + 1], got[2 * k + 1]);
                    } else {
                        ok = same(want[2 * k], got[2 * k]) && same(want[2 * k + 1], got[2 * k + 1]);
                    }
                    checked++;
                    if (!ok) {
                        String key = cases[c] + (r == 0 ? "" : " in place");
                        if (failuresPerCase.merge(key, 1, Integer::sum) <= 3) {
                            failures.add(key + ": element " + k + " (" + got[2 * k] + ", " + got[2 * k + 1]
                                    + "), PyTorch (" + want[2 * k] + ", " + want[2 * k + 1] + ")"
                                    + (tail ? ", vectorized (" + vec[2 * k] + ", " + vec[2 * k + 1] + "), scalar ("
                                    + scalar[2 * k] + ", " + scalar[2 * k + 1] + ")" : ""));
                        }
                    }
                }
            }
        }
        assertTrue(failures.isEmpty(), () -> failuresPerCase + "\n" + String.join("\n", failures));
        assertTrue(checked > 4000 && eitherForm < checked / 4, "checked " + checked + ", " + eitherForm + " either form");
    }
}
