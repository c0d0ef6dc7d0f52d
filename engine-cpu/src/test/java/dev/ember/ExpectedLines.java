package dev.ember;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A generator's {@code key value} lines (one per key, the value a {@code refcases.fmt_tensor} tensor line, a text with
 * {@code \n} escaped, or a plain string), read once from a test resource.
 */
final class ExpectedLines {
    private final Map<String, String> lines = new LinkedHashMap<>();

    private ExpectedLines(String resource) {
        try (InputStream in = ExpectedLines.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("no test resource " + resource);
            }
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                int sp = line.indexOf(' ');
                lines.put(line.substring(0, sp), line.substring(sp + 1));
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The lines of {@code resource} (a class-path path such as {@code /observers/expected.txt}). */
    static ExpectedLines load(String resource) {
        return new ExpectedLines(resource);
    }

    /**
     * A generator's {@code name|text} lines (the texts files of the printout and outsider tests: one line a text, its
     * {@code \n} escaped), name to text with the newlines put back, read from the class-path {@code resource}.
     */
    static java.util.Map<String, String> barTexts(String resource) {
        java.util.Map<String, String> texts = new java.util.HashMap<>();
        try (InputStream in = ExpectedLines.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("no test resource " + resource);
            }
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                int bar = line.indexOf('|');
                texts.put(line.substring(0, bar), line.substring(bar + 1).replace("\\n", "\n"));
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return texts;
    }

    /** The raw value of {@code key}. */
    /** The keys that start with {@code prefix}, in the file's order, the prefix removed. */
    java.util.List<String> keys(String prefix) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (String k : lines.keySet()) {
            if (k.startsWith(prefix)) {
                out.add(k.substring(prefix.length()));
            }
        }
        return out;
    }

    String get(String key) {
        return lines.get(key);
    }

    /** The tensor line of {@code key}, read as {@link PyTorchCases#tensor} reads it. */
    Tensor tensor(String key) {
        return PyTorchCases.tensor(lines.get(key));
    }

    /** The text of {@code key}, its {@code \n} and {@code \\} unescaped (the generators' {@code text()}). */
    String text(String key) {
        return lines.get(key).replace("\\n", "\n").replace("\\\\", "\\");
    }

    /**
     * That {@code got} has the type, shape and values of {@code key}'s tensor bit for bit (NaN where PyTorch has NaN,
     * -0.0 told from 0.0; a complex tensor's real and imaginary parts interleaved); a float16 or bfloat16 line (read as
     * float64) compares with {@code got} of that type.
     */
    void assertExact(String key, Tensor got) {
        Tensor want = tensor(key);
        String line = lines.get(key);
        DType type = line.startsWith("float16") ? DType.FLOAT16 : line.startsWith("bfloat16") ? DType.BFLOAT16
                : want.dtype();
        assertEquals(type, got.dtype(), key + " dtype");
        assertArrayEquals(want.shape(), got.shape(), key + " shape");
        // a complex tensor by both parts (toDoubleArray would keep only the real ones)
        double[] e = want.isComplex() ? want.viewAsReal().toDoubleArray() : want.toDoubleArray();
        double[] g = got.isComplex() ? got.viewAsReal().toDoubleArray() : got.toDoubleArray();
        for (int i = 0; i < e.length; i++) {
            assertEquals(Double.doubleToLongBits(e[i]), Double.doubleToLongBits(g[i]),
                key + "[" + i + "]: PyTorch " + e[i] + ", Ember " + g[i]);
        }
    }
}
