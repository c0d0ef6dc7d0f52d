package dev.ember;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code torch.cdist(x1, x2, p=inf)} where a difference is NaN, against {@code cdistinfnan/make_expected.py}: PyTorch's
 * {@code _cdist_forward} reduces each pair of rows with {@code agg = std::max(agg, |a - b|)} from 0, which passes a NaN
 * difference over (a row of only NaN differences gives 0); Ember's {@code amax} propagated it (a hunt's case,
 * DifferentialFuzzR8Test at seed 64408, session 64). The values bit for bit, and the float64 gradients of
 * {@code out.sum()}.
 */
class CdistInfNormNanTest {
    private record Line(DType dtype, int[] shape, double[] values) {
    }

    private static Line parse(String rest) {
        String[] head = rest.substring(0, rest.indexOf(':')).trim().split(" ", 2);
        DType dtype = head[0].equals("float64") ? DType.FLOAT64 : DType.FLOAT32;
        String dims = head[1].replaceAll("[\\[\\] ]", "");
        int[] shape = dims.isEmpty() ? new int[0] : Arrays.stream(dims.split(",")).mapToInt(Integer::parseInt).toArray();
        String body = rest.substring(rest.indexOf(':') + 1).trim();
        double[] v = body.isEmpty() ? new double[0] : Arrays.stream(body.split(" ")).mapToDouble(s -> switch (s) {
            case "nan" -> Double.NaN;
            case "inf" -> Double.POSITIVE_INFINITY;
            case "-inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(s);
        }).toArray();
        return new Line(dtype, shape, v);
    }

    private static List<Map<String, Line>> cases() throws IOException {
        List<Map<String, Line>> out = new ArrayList<>();
        try (InputStream in = CdistInfNormNanTest.class.getResourceAsStream("/cdistinfnan/expected.txt")) {
            Map<String, Line> cur = null;
            for (String l : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (l.startsWith("=== ")) {
                    cur = new HashMap<>();
                    cur.put("name " + l.substring(4), null);
                    out.add(cur);
                } else if (!l.isBlank()) {
                    int sp = l.indexOf(' ');
                    cur.put(l.substring(0, sp), parse(l.substring(sp + 1)));
                }
            }
        }
        return out;
    }

    private static Tensor tensor(Line l) {
        return Tensor.tensor(l.values(), DType.FLOAT64, Device.CPU).reshape(l.shape()).to(l.dtype());
    }

    private static String name(Map<String, Line> c) {
        return c.keySet().stream().filter(k -> k.startsWith("name ")).findFirst().orElseThrow().substring(5);
    }

    /** Equal bit for bit as doubles (a float32 result widened), NaN equal to NaN. */
    private static void same(String what, Line expected, Tensor actual) {
        assertEquals(expected.dtype(), actual.dtype(), what);
        assertArrayEquals(expected.shape(), actual.shape(), what);
        double[] a = actual.contiguous().toDoubleArray();
        for (int i = 0; i < a.length; i++) {
            double e = expected.values()[i];
            assertTrue(Double.isNaN(e) ? Double.isNaN(a[i]) : Double.doubleToLongBits(e) == Double.doubleToLongBits(a[i]),
                    what + "[" + i + "]: PyTorch " + e + ", Ember " + a[i]);
        }
    }

    @Test
    void infNormPassesANanDifferenceOver() throws IOException {
        List<Map<String, Line>> cases = cases();
        assertEquals(5, cases.size());
        for (Map<String, Line> c : cases) {
            String name = name(c);
            Tensor x1 = tensor(c.get("x1"));
            boolean grad = c.containsKey("gx1");
            if (grad) {
                x1.requiresGrad_(true);
            }
            Tensor out = x1.cdist(tensor(c.get("x2")), Double.POSITIVE_INFINITY);
            same(name + " out", c.get("out"), out);
            if (grad) {
                out.sum().backward();
                same(name + " gx1", c.get("gx1"), x1.grad());
            }
        }
    }
}
