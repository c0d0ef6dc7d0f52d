package dev.ember;

import org.junit.jupiter.api.AfterEach;
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
 * {@code Tensor.full} with a {@link Complex} fill value against {@code torch.full(shape, complex)}
 * ({@code resources/fullcomplex/make_expected.py}, PyTorch 1.13): the default type's complex type under float32 and
 * float64 defaults, complex dtypes (signed zeros, infinities, NaN, a part beyond float32's range refused), real types
 * taking a zero-imaginary value and refusing the rest in PyTorch's words; dtype, shape and values exactly.
 */
class FullComplexTest {
    @AfterEach
    void restore() {
        Ember.setDefaultDtype(DType.FLOAT32);
    }

    private static double parse(String s) {
        return s.equals("nan") ? Double.NaN : s.equals("inf") ? Double.POSITIVE_INFINITY
                : s.equals("-inf") ? Double.NEGATIVE_INFINITY : Double.parseDouble(s);
    }

    private static List<String> lines() throws IOException {
        try (InputStream in = FullComplexTest.class.getResourceAsStream("/fullcomplex/expected.txt")) {
            assertNotNull(in, "fullcomplex/expected.txt");
            return List.of(new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n"));
        }
    }

    @Test
    void fullWithAComplexValueMatchesPyTorch() throws IOException {
        List<String> failures = new ArrayList<>();
        int cases = 0;
        for (String line : lines()) {
            String[] sides = line.split(" => ");
            String[] h = sides[0].split(" ");
            Ember.setDefaultDtype(DType.valueOf(h[0].toUpperCase(Locale.ROOT)));
            Complex value = Complex.of(parse(h[2]), parse(h[3]));
            String got;
            try {
                Tensor t = h[1].equals("-") ? Tensor.full(new int[] {2, 3}, value)
                        : Tensor.full(DType.valueOf(h[1].toUpperCase(Locale.ROOT)), value, 2, 3);
                StringBuilder b = new StringBuilder(t.dtype().name().toLowerCase(Locale.ROOT)).append(' ')
                        .append(t.size(0)).append(',').append(t.size(1));
                double[] re = t.dtype().isComplex() ? t.real().to(DType.FLOAT64).reshape(-1).toDoubleArray()
                        : t.to(DType.FLOAT64).reshape(-1).toDoubleArray();
                double[] im = t.dtype().isComplex() ? t.imag().to(DType.FLOAT64).reshape(-1).toDoubleArray()
                        : new double[re.length];
                for (int i = 0; i < re.length; i++) {
                    b.append(' ').append(re[i]).append(',').append(im[i]);
                }
                got = b.toString();
            } catch (IllegalArgumentException e) {
                got = "ERR " + e.getMessage();
            } finally {
                Ember.setDefaultDtype(DType.FLOAT32);
            }
            cases++;
            if (!same(got, sides[1])) {
                failures.add(line + "\n   got " + got);
            }
        }
        assertEquals(13, cases);
        assertTrue(failures.isEmpty(), failures.size() + " differ:\n" + String.join("\n", failures));
    }

    /** The same dtype, shape and values (parsed, compared by their bits), or the same message. */
    private static boolean same(String got, String want) {
        if (want.startsWith("ERR") || got.startsWith("ERR")) {
            return got.equals(want);
        }
        String[] g = got.split(" ");
        String[] w = want.split(" ");
        if (g.length != w.length || !g[0].equals(w[0]) || !g[1].equals(w[1])) {
            return false;
        }
        for (int i = 2; i < g.length; i++) {
            String[] gp = g[i].split(",");
            String[] wp = w[i].split(",");
            for (int k = 0; k < 2; k++) {
                if (Double.doubleToLongBits(parse(gp[k])) != Double.doubleToLongBits(parse(wp[k]))) {
                    return false;
                }
            }
        }
        return true;
    }
}
