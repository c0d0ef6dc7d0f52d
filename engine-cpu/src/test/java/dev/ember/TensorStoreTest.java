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
 * {@code Tensor.tensor(data, dtype)} of Java numbers into an integer type stores each number as torch.tensor does
 * ({@code resources/tensorstore/make_expected.py}, PyTorch 1.13; 2.3's uint16/uint32/uint64 by the same rule): beyond
 * the type's range (or NaN, infinite) is PyTorch's "value cannot be converted to type int8 without overflow", never a
 * wrapped number; an unsigned type takes a negative integer down to minus its largest value; floats truncate; bool and
 * the floating types take anything. Each line is run with the numbers as a {@code List}, a one-dimensional primitive
 * array and a nested {@code [1, n]} array.
 */
class TensorStoreTest {
    private static List<String> lines() throws IOException {
        try (InputStream in = TensorStoreTest.class.getResourceAsStream("/tensorstore/expected.txt")) {
            assertNotNull(in, "tensorstore/expected.txt");
            return List.of(new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n"));
        }
    }

    private static String result(Tensor t) {
        StringBuilder b = new StringBuilder();
        Tensor flat = t.reshape(-1);
        if (t.dtype().isFloatingPoint()) {
            for (double v : flat.to(DType.FLOAT64).toDoubleArray()) {
                b.append(b.length() == 0 ? "" : ",").append(Double.isInfinite(v) ? (v > 0 ? "inf" : "-inf") : Double.toString(v));
            }
        } else if (t.dtype() == DType.UINT64) {
            for (long v : flat.toLongArray()) {
                b.append(b.length() == 0 ? "" : ",").append(Long.toUnsignedString(v));
            }
        } else {
            for (long v : flat.to(DType.INT64).toLongArray()) {
                b.append(b.length() == 0 ? "" : ",").append(v);
            }
        }
        return b.toString();
    }

    private static String run(Object data, DType dtype) {
        try {
            return result(Tensor.tensor(data, dtype));
        } catch (IllegalArgumentException e) {
            return "ERR " + e.getMessage();
        }
    }

    @Test
    void integerTypesRefuseWhatTheyCannotHold() throws IOException {
        List<String> failures = new ArrayList<>();
        int checked = 0;
        for (String line : lines()) {
            if (line.isBlank()) {
                continue;
            }
            String[] sides = line.split(" => ");
            String[] head = sides[0].split(" ");
            if (head[1].equals("m")) {
                continue; // mixedDataStoresEachNumberByItsKind
            }
            DType dtype = DType.valueOf(head[0].toUpperCase(Locale.ROOT));
            boolean floating = head[1].equals("f");
            String want = sides[1].endsWith(" 2x") ? sides[1].substring(0, sides[1].length() - 3) : sides[1];
            String[] nums = head[2].split(",");
            int n = nums.length;
            List<Object> list = new ArrayList<>();
            long[] longs = new long[n];
            double[] doubles = new double[n];
            for (int i = 0; i < n; i++) {
                if (floating) {
                    doubles[i] = nums[i].equals("nan") ? Double.NaN : Double.parseDouble(nums[i].replace("inf", "Infinity"));
                    list.add(doubles[i]);
                } else {
                    longs[i] = Long.parseLong(nums[i]);
                    list.add(longs[i]);
                }
            }
            Object flat = floating ? doubles : longs;
            Object nested = floating ? new double[][] {doubles} : new long[][] {longs};
            for (Object data : new Object[] {list, flat, nested}) {
                String got = run(data, dtype);
                // a float result prints as Python's repr (1e+300 is inf either way); compare numerically there
                boolean same = got.equals(want) || dtype.isFloatingPoint() && !want.startsWith("ERR")
                        && Double.parseDouble(got.replace("inf", "Infinity")) == Double.parseDouble(want.replace("inf", "Infinity"));
                if (!same) {
                    failures.add(line + " (" + data.getClass().getSimpleName() + "): got " + got);
                }
                checked++;
            }
        }
        assertEquals(33 * 3, checked);
        assertTrue(failures.isEmpty(), failures.size() + " differ:\n" + String.join("\n", failures));
    }

    /** Mixed data (kind m) stores each number by its own kind: an int as an integer (exact, wrapped), a float checked. */
    @Test
    void mixedDataStoresEachNumberByItsKind() throws IOException {
        int checked = 0;
        for (String line : lines()) {
            String[] sides = line.split(" => ");
            String[] head = sides[0].split(" ");
            if (head.length < 3 || !head[1].equals("m")) {
                continue;
            }
            List<Object> data = new ArrayList<>();
            for (String v : head[2].split(",")) {
                String x = v.substring(2);
                data.add(v.startsWith("B:") ? (Object) x.equals("1") : v.startsWith("D:") ? (Object) Double.parseDouble(x)
                        : (Object) Long.parseLong(x));
            }
            assertEquals(sides[1], run(data, DType.valueOf(head[0].toUpperCase(Locale.ROOT))), line);
            checked++;
        }
        assertEquals(4, checked);
    }
}
