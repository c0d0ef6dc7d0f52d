package dev.ember;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Ember#setPrintOptions} against PyTorch's {@code torch.set_printoptions} (printoptions/make_expected.py): vectors,
 * matrices, wide rows, summarized 1-D and 3-D tensors, integers, integral floats, wide ranges, NaN/inf/-0, a 0-dim
 * value, bool and a tensor requiring grad, printed under precision, threshold, edgeitems (0 too), linewidth, sci_mode
 * and the three profiles, alone, combined and over two calls; the options' accessors and checks, and a printout's single
 * snapshot of them. Every test leaves the defaults in force.
 */
class PrintOptionsTest {
    @AfterEach
    void defaults() {
        Ember.setPrintOptions(PrintOptions.builder().profile("default"));
    }

    /** The cases: key, then its lines. */
    private static List<String[]> cases() throws IOException {
        List<String[]> out = new ArrayList<>();
        try (InputStream in = PrintOptionsTest.class.getResourceAsStream("/printoptions/expected.txt")) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            for (String block : text.split("(?m)^=== ")) {
                if (!block.isBlank()) {
                    out.add(block.strip().split("\n"));
                }
            }
        }
        return out;
    }

    /**
     * One {@code call k=v ...} line as a builder (the values as Python printed them: {@code 'short'}, {@code True},
     * {@code None}, {@code inf}); round 25 of the differential fuzz reads its calls with it too.
     */
    static PrintOptions.Builder call(String line) {
        PrintOptions.Builder b = PrintOptions.builder();
        String rest = line.substring("call".length()).strip();
        if (rest.isEmpty()) {
            return b;
        }
        for (String kv : rest.split(" ")) {
            String k = kv.substring(0, kv.indexOf('='));
            String v = kv.substring(kv.indexOf('=') + 1);
            switch (k) {
                case "precision": b.precision(Integer.parseInt(v)); break;
                case "threshold": b.threshold(v.equals("inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(v)); break;
                case "edgeitems": b.edgeitems(Integer.parseInt(v)); break;
                case "linewidth": b.linewidth(Integer.parseInt(v)); break;
                case "profile": b.profile(v.substring(1, v.length() - 1)); break;
                case "sci_mode": b.sciMode(v.equals("None") ? null : v.equals("True")); break;
                default: throw new IllegalStateException("unknown option " + k);
            }
        }
        return b;
    }

    private static Tensor tensor(String line) {
        String spec = line.substring(2);
        boolean grad = spec.contains("] grad :");
        Tensor t = PyTorchCases.tensor(spec.replace("] grad :", "] :"));
        return grad ? t.requiresGrad_(true) : t;
    }

    @TestFactory
    List<DynamicTest> printoutsAgainstPyTorch() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (String[] c : cases()) {
            tests.add(DynamicTest.dynamicTest(c[0], () -> {
                Ember.setPrintOptions(PrintOptions.builder().profile("default"));
                Tensor t = null;
                String expected = null;
                for (int i = 1; i < c.length; i++) {
                    if (c[i].startsWith("call")) {
                        Ember.setPrintOptions(call(c[i]));
                    } else if (c[i].startsWith("x ")) {
                        t = tensor(c[i]);
                    } else if (c[i].startsWith("repr ")) {
                        expected = c[i].substring("repr ".length()).replace("\\n", "\n");
                    }
                }
                assertEquals(expected, t.toString(), c[0]);
            }));
        }
        return tests;
    }

    @Test
    void profilesAndOptionsAsPyTorchSetsThem() {
        assertEquals(PrintOptions.DEFAULT, Ember.getPrintOptions());
        assertEquals("PrintOptions(precision=4, threshold=1000.0, edgeitems=3, linewidth=80, sci_mode=None)",
                Ember.getPrintOptions().toString());
        Ember.setPrintOptions(PrintOptions.builder().profile("short").linewidth(100).sciMode(true));
        PrintOptions o = Ember.getPrintOptions();
        assertEquals(2, o.precision());
        assertEquals(1000, o.threshold());
        assertEquals(2, o.edgeitems());
        assertEquals(100, o.linewidth());
        assertTrue(o.sciMode());
        // sci_mode is reset by every call that does not name it; the others stay
        Ember.setPrintOptions(PrintOptions.builder().precision(7));
        assertNull(Ember.getPrintOptions().sciMode());
        assertEquals(100, Ember.getPrintOptions().linewidth());
        assertEquals(7, Ember.getPrintOptions().precision());
        Ember.setPrintOptions(PrintOptions.builder().profile("full"));
        assertEquals(Double.POSITIVE_INFINITY, Ember.getPrintOptions().threshold());
        assertEquals(4, Ember.getPrintOptions().precision());
        Ember.setPrintOptions(PrintOptions.builder().profile("default"));
        assertEquals(PrintOptions.DEFAULT, Ember.getPrintOptions());
    }

    @Test
    void badOptionsAreRefusedBeforeAnythingChanges() {
        PrintOptions before = Ember.getPrintOptions();
        assertEquals("precision must be non-negative, got -1",
                assertThrows(IllegalArgumentException.class, () -> PrintOptions.builder().precision(-1)).getMessage());
        assertEquals("edgeitems must be non-negative, got -2",
                assertThrows(IllegalArgumentException.class, () -> PrintOptions.builder().edgeitems(-2)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Ember.setPrintOptions(null));
        assertSame(before, Ember.getPrintOptions());
    }

    @Test
    void aPrintoutReadsOneSetOfOptions() throws InterruptedException {
        Tensor t = Tensor.tensor(new double[] {1.0 / 3, 2.0 / 3, 1e-5}, DType.FLOAT64, Device.CPU);
        Ember.setPrintOptions(PrintOptions.builder().precision(2));
        String a = t.toString();
        Ember.setPrintOptions(PrintOptions.builder().precision(6).sciMode(false));
        String b = t.toString();
        AtomicReference<String> odd = new AtomicReference<>();
        Thread printer = new Thread(() -> {
            for (int i = 0; i < 2000 && odd.get() == null; i++) {
                String s = t.toString();
                if (!s.equals(a) && !s.equals(b)) {
                    odd.set(s);
                }
            }
        });
        printer.start();
        for (int i = 0; i < 2000; i++) {
            Ember.setPrintOptions(i % 2 == 0 ? PrintOptions.builder().precision(2)
                    : PrintOptions.builder().precision(6).sciMode(false));
        }
        printer.join();
        assertNull(odd.get(), "a printout mixed two sets of options");
    }
}
