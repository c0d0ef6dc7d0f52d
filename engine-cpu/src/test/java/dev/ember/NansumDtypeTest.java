package dev.ember;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code nansum(dims, keepdim, dtype)} and {@code nanmean(dims, keepdim, dtype)} against PyTorch
 * ({@code resources/nansumdtype/make_expected.py}): every input type (float64/32/16, bfloat16, int64, int32, bool)
 * with float64/32/16, int64, int8 and complex64 as dtype, over all elements and a dim with and without keepdim: the
 * output's dtype, shape and values exactly, the node, the leaf's gradient in its own type, and PyTorch's refusals.
 */
class NansumDtypeTest {
    private static DType dtype(String name) {
        return DType.valueOf(name.toUpperCase(Locale.ROOT));
    }

    private static String hex(double[] v) {
        StringBuilder b = new StringBuilder();
        for (double x : v) {
            b.append(b.length() == 0 ? "" : " ").append(Double.isNaN(x) ? "nan" : Double.isInfinite(x) ? (x > 0 ? "inf" : "-inf")
                    : Double.toHexString(x).replace("0x1.0p", "0x1.0000000000000p").replace("0x0.0p0", "0x0.0p+0"));
        }
        return b.toString();
    }

    /** Python's float.hex, for comparing: parsed back to doubles on both sides. */
    private static boolean sameValues(double[] got, String want) {
        String[] w = want.isEmpty() ? new String[0] : want.split(" ");
        if (w.length != got.length) {
            return false;
        }
        for (int i = 0; i < w.length; i++) {
            double e = w[i].equals("nan") ? Double.NaN : w[i].equals("inf") ? Double.POSITIVE_INFINITY
                    : w[i].equals("-inf") ? Double.NEGATIVE_INFINITY : Double.parseDouble(w[i]);
            if (Double.doubleToLongBits(e) != Double.doubleToLongBits(got[i])) {
                return false;
            }
        }
        return true;
    }

    private static List<String> lines() throws IOException {
        try (InputStream in = NansumDtypeTest.class.getResourceAsStream("/nansumdtype/expected.txt")) {
            assertNotNull(in, "nansumdtype/expected.txt");
            return List.of(new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n"));
        }
    }

    private static double[] parse(String s) {
        String[] f = s.split(" ");
        double[] v = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            v[i] = f[i].equals("nan") ? Double.NaN : f[i].equals("inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(f[i]);
        }
        return v;
    }

    @Test
    void nansumAndNanmeanWithDtypeMatchPyTorch() throws IOException {
        List<String> lines = lines();
        Tensor base = Tensor.fromArray(parse(lines.get(0).substring(2))).reshape(3, 4);
        String[] iv = lines.get(1).substring(5).split(" ");
        long[] il = new long[iv.length];
        for (int i = 0; i < iv.length; i++) {
            il[i] = Long.parseLong(iv[i]);
        }
        Tensor ints = Tensor.fromArray(il).reshape(3, 4);
        List<String> failures = new ArrayList<>();
        int cases = 0;
        for (int i = 2; i < lines.size(); i++) {
            String line = lines.get(i);
            if (!line.startsWith("case ")) {
                continue;
            }
            cases++;
            String[] h = line.split(" ");
            DType in = dtype(h[2]);
            DType dt = dtype(h[3]);
            int[] dims = h[4].equals("all") ? null : new int[] {Integer.parseInt(h[4])};
            boolean keep = Boolean.parseBoolean(h[5].toLowerCase(Locale.ROOT));
            Tensor x = in.isFloatingPoint() ? base.to(in).detach().requiresGrad_(true)
                    : in == DType.BOOL ? ints.gt(2L) : ints.to(in);
            String next = lines.get(i + 1);
            Tensor y;
            try {
                boolean sum = h[1].equals("nansum");
                y = dims == null ? (sum ? x.nansum(dt) : x.nanmean(dt))
                        : (sum ? x.nansum(dims, keep, dt) : x.nanmean(dims, keep, dt));
            } catch (IllegalArgumentException e) {
                if (!next.equals("err " + e.getMessage())) {
                    failures.add(line + ": threw " + e.getMessage() + ", want " + next);
                }
                continue;
            }
            if (next.startsWith("err ")) {
                failures.add(line + ": no error, want " + next);
                continue;
            }
            String[] o = next.split(" ", 4);
            String shape = y.dim() == 0 ? "-" : String.join(",", java.util.Arrays.stream(y.shape())
                    .mapToObj(String::valueOf).toArray(String[]::new));
            if (!y.dtype().name().toLowerCase(Locale.ROOT).equals(o[1]) || !shape.equals(o[2])) {
                failures.add(line + ": " + y.dtype() + " " + shape + ", want " + next);
                continue;
            }
            Tensor real = y.dtype().isComplex() ? y.detach().real() : y.detach();
            if (!sameValues(real.to(DType.FLOAT64).reshape(-1).toDoubleArray(), o.length > 3 ? o[3] : "")) {
                failures.add(line + ": values " + hex(real.to(DType.FLOAT64).reshape(-1).toDoubleArray()) + ", want " + o[3]);
            }
            String node = y.gradFn() == null ? "None" : y.gradFn().name();
            if (!lines.get(i + 2).equals("node " + node)) {
                failures.add(line + ": node " + node + ", want " + lines.get(i + 2));
            }
            if (x.requiresGrad()) {
                y.sum().backward();
                String want = lines.get(i + 3);
                assertTrue(want.startsWith("grad "), line);
                if (x.grad().dtype() != in || !sameValues(x.grad().to(DType.FLOAT64).reshape(-1).toDoubleArray(), want.substring(5))) {
                    failures.add(line + ": gradient " + x.grad().dtype() + " "
                            + hex(x.grad().to(DType.FLOAT64).reshape(-1).toDoubleArray()) + ", want " + want);
                }
            }
        }
        assertEquals(252, cases);
        assertTrue(failures.isEmpty(), failures.size() + " differ:\n" + String.join("\n", failures));
    }
}
