package dev.ember;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Ember#useDeterministicAlgorithms}, {@link Determinism#alertNotDeterministic} and the TF32 switches against
 * PyTorch (determinism/make_expected.py), and the CPU's pooling gradients, bitwise the same from run to run.
 */
class DeterminismTest {
    private static final PyTorchCases CASES = new PyTorchCases("/determinism/expected.txt");

    @AfterEach
    void restore() {
        // global switches: leave them as every other test expects them
        Ember.useDeterministicAlgorithms(false, false);
        Ember.setFloat32MatmulPrecision("highest");
        Ember.setAllowTf32Convolution(true);
    }

    @Test
    void aFloat32SumHasTheSameBitsOnAnyWorkerCount() {
        // session 38 (differential fuzz round 10's report): a float32 sum over one long run was cut into one part per
        // thread, each part's double partial added in order; here the one-thread chain loses the 4,096 tiny values
        // against the 1.0 in their lane (1 + 2^-24 exactly, a float tie: rounds to 1.0) while the part holding only
        // them keeps their 2^-48 (1 + 2^-24 + 2^-48: rounds up). Blocks of a fixed size now, on every worker count.
        int n = 1 << 18;
        float[] x = new float[n];
        x[0] = 1f;
        x[1] = 0x1p-24f;
        for (int i = n / 2; i < n; i += 32) {
            x[i] = 0x1p-60f;
        }
        Tensor t = Tensor.tensor(x, DType.FLOAT32);
        int before = Ember.getNumThreads();
        try {
            float[] sums = new float[3];
            for (int threads = 1; threads <= 3; threads++) {
                Ember.setNumThreads(threads);
                sums[threads - 1] = (float) t.sum().item();
            }
            for (int threads = 2; threads <= 3; threads++) {
                assertEquals(Float.floatToRawIntBits(sums[0]), Float.floatToRawIntBits(sums[threads - 1]),
                        "one thread " + sums[0] + ", " + threads + " threads " + sums[threads - 1]);
            }
        } finally {
            Ember.setNumThreads(before);
        }
    }

    private static String str(String key, String name) {
        String v = CASES.field(key, name);
        return v.substring(1, v.length() - 1);
    }

    private static boolean bool(String key, String name) {
        return Boolean.parseBoolean(CASES.field(key, name).toLowerCase());
    }

    /** Collects what is logged on the dev.ember logger while {@code body} runs (ComplexGapsTest uses it too). */
    static List<String> logged(Runnable body) {
        List<String> out = new ArrayList<>();
        Logger jul = Logger.getLogger("dev.ember");
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord r) {
                out.add(r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        jul.addHandler(h);
        try {
            body.run();
        } finally {
            jul.removeHandler(h);
        }
        return out;
    }

    @Test
    void defaultsAreTorchs() {
        assertEquals(bool("defaults", "deterministic"), Ember.areDeterministicAlgorithmsEnabled());
        assertEquals(bool("defaults", "warn_only"), Ember.isDeterministicAlgorithmsWarnOnlyEnabled());
        assertEquals(str("defaults", "matmul_precision"), Ember.getFloat32MatmulPrecision());
        assertEquals(bool("defaults", "cudnn_allow_tf32"), Ember.allowTf32Convolution());
    }

    @Test
    void modesAreStoredAsTorchStoresThem() {
        Ember.useDeterministicAlgorithms(true, true);
        assertArrayEquals(PyTorchCases.numbers(CASES.field("modes", "true_warn")),
                new double[] {Ember.areDeterministicAlgorithmsEnabled() ? 1 : 0, Ember.isDeterministicAlgorithmsWarnOnlyEnabled() ? 1 : 0});
        Ember.useDeterministicAlgorithms(true);
        assertArrayEquals(PyTorchCases.numbers(CASES.field("modes", "true")),
                new double[] {Ember.areDeterministicAlgorithmsEnabled() ? 1 : 0, Ember.isDeterministicAlgorithmsWarnOnlyEnabled() ? 1 : 0});
        Ember.useDeterministicAlgorithms(false, true);
        assertArrayEquals(PyTorchCases.numbers(CASES.field("modes", "false_warn")),
                new double[] {Ember.areDeterministicAlgorithmsEnabled() ? 1 : 0, Ember.isDeterministicAlgorithmsWarnOnlyEnabled() ? 1 : 0});
        assertEquals(Ember.areDeterministicAlgorithmsEnabled(), Determinism.isEnabled());
        assertEquals(Ember.isDeterministicAlgorithmsWarnOnlyEnabled(), Determinism.isWarnOnly());
    }

    @Test
    void switchIsGlobalAcrossThreads() throws Exception {
        Thread t = new Thread(() -> Ember.useDeterministicAlgorithms(true));
        t.start();
        t.join();
        assertTrue(Ember.areDeterministicAlgorithmsEnabled());
        boolean[] seen = new boolean[1];
        Thread r = new Thread(() -> seen[0] = Ember.areDeterministicAlgorithmsEnabled());
        r.start();
        r.join();
        assertTrue(seen[0]);
    }

    /** PyTorch's message with Ember's names and without the sentence that links PyTorch's issue tracker. */
    private static String expectedMessage() {
        return str("alert", "message")
                .replace("'torch.use_deterministic_algorithms(True)'", "'Ember.useDeterministicAlgorithms(true)'")
                .replace("'warn_only=True'", "'warnOnly=true'")
                .replace(" You can also file an issue at https://github.com/pytorch/pytorch/issues to help us prioritize "
                        + "adding deterministic support for this operation.", "");
    }

    @Test
    void alertRaisesWarnsOnceOrPasses() {
        String op = str("alert", "op");
        // off: nothing, whatever warnOnly says
        Ember.useDeterministicAlgorithms(false, true);
        assertTrue(logged(() -> Determinism.alertNotDeterministic(op)).isEmpty());
        Ember.useDeterministicAlgorithms(true);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Determinism.alertNotDeterministic(op));
        assertEquals(expectedMessage(), e.getMessage());
        assertEquals(expectedMessage(), Determinism.message(op));
        // warn only: one warning per op, however often it runs
        Ember.useDeterministicAlgorithms(true, true);
        String other = "avg_pool3d_backward_cuda";
        List<String> warnings = logged(() -> {
            for (int i = 0; i < 3; i++) {
                Determinism.alertNotDeterministic(op);
                Determinism.alertNotDeterministic(other);
            }
        });
        assertEquals(List.of("Warning: " + expectedMessage(), "Warning: " + Determinism.message(other)), warnings);
        assertTrue(Determinism.message(other).startsWith(other + " does not have a deterministic implementation"));
        assertThrows(IllegalArgumentException.class, () -> Determinism.alertNotDeterministic(null));
    }

    @Test
    void matmulPrecisionAcceptsTorchsThreeValuesAndIgnoresOthers() {
        String set = CASES.field("precision", "set");
        String get = CASES.field("precision", "get");
        String[] sets = set.substring(1, set.length() - 1).split(", ");
        String[] gets = get.substring(1, get.length() - 1).split(", ");
        assertEquals(sets.length, gets.length);
        for (int i = 0; i < sets.length; i++) {
            String s = sets[i].substring(1, sets[i].length() - 1);
            List<String> warnings = logged(() -> Ember.setFloat32MatmulPrecision(s));
            assertEquals(gets[i].substring(1, gets[i].length() - 1), Ember.getFloat32MatmulPrecision(), "after " + s);
            boolean known = s.equals("highest") || s.equals("high") || s.equals("medium");
            // Context.cpp's words (its two literals lack a space; Ember's has it)
            assertEquals(known ? List.of() : List.of("Warning: " + s + " is not one of 'highest', 'high', or 'medium'; the "
                    + "current setFloat32MatmulPrecision call has no effect."), warnings, "after " + s);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ember.setFloat32MatmulPrecision(null));
        assertTrue(e.getMessage().contains("set_float32_matmul_precision"), e.getMessage());
        assertEquals("highest", Ember.getFloat32MatmulPrecision());
    }

    @Test
    void tf32ConvolutionFlag() {
        assertTrue(Ember.allowTf32Convolution());
        Ember.setAllowTf32Convolution(false);
        assertFalse(Ember.allowTf32Convolution());
        Ember.setAllowTf32Convolution(true);
        assertTrue(Ember.allowTf32Convolution());
    }

    /** Overlapping windows (several windows add into one input element), ties for the maximum, dilation, padding. */
    @Test
    void cpuPoolingGradientsAreBitwiseRepeatable() {
        Ember.useDeterministicAlgorithms(true);
        Generator gen = new Generator(7);
        // integers in [0, 4): many ties, so several windows pick the same maximum
        Tensor x = Tensor.rand(gen, DType.FLOAT32, 2, 3, 11, 13).mul(4).floor();
        Tensor gy = null;
        float[] first = null;
        for (int run = 0; run < 3; run++) {
            Tensor xi = x.detach().clone().requiresGrad_(true);
            Tensor y = Tensor.maxPool2d(xi, new int[] {3, 3}, new int[] {1, 2}, new int[] {1, 1}, new int[] {1, 2}, true)
                    .add(Tensor.avgPool2d(xi, new int[] {3, 2}, new int[] {2, 1}, new int[] {1, 0}, true, false).sum());
            if (gy == null) {
                gy = Tensor.rand(gen, DType.FLOAT32, y.shape());
            }
            y.backward(gy);
            float[] g = xi.grad().toFloatArray();
            if (first == null) {
                first = g;
            } else {
                assertArrayEquals(first, g, "run " + run);
            }
        }
    }
}
