package dev.ember;

import dev.ember.nn.Functional;
import dev.ember.nn.utils.Rnn;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session 55's leftovers: a Java boolean as the exponent of pow and the operand of sub / rsub against PyTorch
 * (resources {@code leftovers55/make_expected.py}: 2.x's pow fills ones for False and copies for True in the tensor's
 * own type, its gradient of {@code x ** False} is NaN at 0; sub and rsub refuse any bool with sub_check's messages),
 * and the corners where PyTorch has no answer to copy, so Ember refuses or answers by a documented rule:
 * pack_padded_sequence with a length beyond the input's steps (no check in 1.13 or 2.x: a PackedSequence whose data is shorter than its
 * batch sizes), ctc_loss with a label outside [0, C) (2.x reads out of range, "no bound-checking is done"), and
 * multi_margin_loss / multilabel_margin_loss of an empty batch (2.x returns its output uninitialized for "mean" and
 * "sum").
 */
class Leftovers55Test {
    private static Map<String, Supplier<Tensor>> cases() {
        Map<String, Supplier<Tensor>> m = new LinkedHashMap<>();
        Map<String, Supplier<Tensor>> ops = new LinkedHashMap<>();
        ops.put("bool", () -> Tensor.tensor(new boolean[] {true, false, true}));
        ops.put("int64", () -> Tensor.tensor(new long[] {3, -2, 0}));
        ops.put("float32", () -> Tensor.tensor(new double[] {1.5, -2.0, 0.0}));
        ops.put("complex64", () -> Tensor.tensor(new Complex[] {Complex.of(1, 1), Complex.of(-2, 0), Complex.of(0, 0)}));
        for (Map.Entry<String, Supplier<Tensor>> e : ops.entrySet()) {
            for (boolean b : new boolean[] {true, false}) {
                String s = "_" + e.getKey() + "_" + (b ? "T" : "F");
                m.put("pow" + s, () -> e.getValue().get().pow(b));
                m.put("sub" + s, () -> e.getValue().get().sub(b));
                m.put("rsub" + s, () -> e.getValue().get().rsub(b));
            }
        }
        m.put("powFloatLeafTrue", () -> Tensor.tensor(new double[] {1.5, -2.0}).requiresGrad_(true).pow(true));
        m.put("powFloatLeafFalse", () -> Tensor.tensor(new double[] {1.5, -2.0}).requiresGrad_(true).pow(false));
        m.put("powTrueGrad", () -> grad(x -> x.pow(true)));
        m.put("powFalseGrad", () -> grad(x -> x.pow(false)));
        m.put("powZeroGrad", () -> grad(x -> x.pow(0L)));
        m.put("powComplexTrueGrad", () -> complexGrad(z -> z.pow(true)));
        m.put("powComplexFalseGrad", () -> complexGrad(z -> z.pow(false)));
        return m;
    }

    /** The gradient of {@code sum(view_as_real(f(z)) * w)} at z = [1.5-0.5j, 0, -2, 0.25j] (complex128). */
    private static Tensor complexGrad(java.util.function.UnaryOperator<Tensor> f) {
        Tensor z = Tensor.tensor(new Complex[] {Complex.of(1.5, -0.5), Complex.of(0, 0), Complex.of(-2, 0),
            Complex.of(0, 0.25)}, DType.COMPLEX128).requiresGrad_(true);
        double[] w = new double[8];
        for (int k = 0; k < 8; k++) {
            w[k] = ((7 * k + 3) % 11 - 5) * 0.25;
        }
        f.apply(z).viewAsReal().mul(Tensor.tensor(w, DType.FLOAT64).reshape(4, 2)).sum().backward();
        return z.grad();
    }

    /** The gradient of {@code sum(f(x) * w)} at x = [1.5, 0, -2, 0.25] (float64), w as the generator's. */
    private static Tensor grad(java.util.function.UnaryOperator<Tensor> f) {
        Tensor x = Tensor.tensor(new double[] {1.5, 0.0, -2.0, 0.25}, DType.FLOAT64).requiresGrad_(true);
        double[] w = new double[4];
        for (int k = 0; k < 4; k++) {
            w[k] = ((7 * k + 3) % 11 - 5) * 0.25;
        }
        f.apply(x).mul(Tensor.tensor(w, DType.FLOAT64)).sum().backward();
        return x.grad();
    }

    private static Map<String, String> expected() throws IOException {
        return Leftovers54Test.expected("leftovers55/expected.txt");
    }

    @Test
    void booleanScalarsMatchPyTorch() throws IOException {
        Map<String, String> want = new LinkedHashMap<>(expected());
        want.keySet().removeIf(k -> k.startsWith("warning_"));
        Map<String, Supplier<Tensor>> cases = cases();
        List<String> failures = Leftovers54Test.mismatches(want, cases);
        assertTrue(failures.isEmpty(), failures.size() + " of " + cases.size() + " differ:\n" + String.join("\n", failures));
    }

    /**
     * mse_loss with a target of another size warns with PyTorch's text (the generator's "warning_k" lines), once for
     * each pair of sizes: the same sizes again do not warn, another pair does.
     */
    @Test
    void regressionLossesWarnOnceForEachPairOfSizes() throws IOException {
        List<String> want = new ArrayList<>();
        expected().forEach((k, v) -> {
            if (k.startsWith("warning_")) {
                want.add(v);
            }
        });
        assertEquals(2, want.size());
        MistakeReplay.rearmRegressionBroadcastWarning();
        try (LoggedWarnings w = LoggedWarnings.capture()) {
            int[][][] sizes = {{{3, 1}, {3}}, {{3, 1}, {3}}, {{2, 4, 1}, {4}}, {{3, 1}, {3}}};
            for (int[][] s : sizes) {
                Functional.mseLoss(Tensor.zeros(s[0]), Tensor.zeros(s[1]), "mean");
            }
            assertEquals(want, w.containing("Using a target size"));
        }
    }

    /** A refused sub leaves the tensor as it was (and sub_ with a bool is refused the same way). */
    @Test
    void refusedSubChangesNothing() {
        Tensor x = Tensor.tensor(new double[] {1.5, -2.0});
        assertThrows(IllegalArgumentException.class, () -> x.sub(true));
        assertThrows(IllegalArgumentException.class, () -> x.rsub(false));
        assertArrayEquals(new double[] {1.5, -2.0}, x.toDoubleArray());
    }

    /**
     * A length beyond the input's steps: PyTorch (1.13 and 2.x: _pack_padded_sequence has no such check) slices past
     * the end and writes batch sizes for steps the input lacks ([3, 2] with lengths [4, 2] packs 5 elements under
     * batch sizes summing to 6, which pad_packed_sequence then fails to view); Ember refuses, naming both numbers.
     */
    @Test
    void packPaddedSequenceRefusesALengthBeyondTheSteps() {
        Tensor x = Tensor.arange(6).toDouble().reshape(3, 2).requiresGrad_(true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Rnn.packPaddedSequence(x, new long[] {4, 2}, false, true));
        assertEquals("Expected the longest length to be at most the input's sequence length 3, but got 4", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Rnn.packPaddedSequence(x.t(), new long[] {1, 5}, true, false));
        assertEquals("Expected the longest length to be at most the input's sequence length 3, but got 5", e.getMessage());
        assertTrue(x.grad() == null && x.gradFn() == null);
        // the longest length equal to the steps packs every step
        assertEquals(6, Rnn.packPaddedSequence(x, new long[] {3, 3}, false, true).data().numel());
    }

    /**
     * A label outside [0, C): 2.x's CPU kernel reads log_probs out of range ("no bound-checking is done",
     * LossCTC.cpp's get_target_prime); Ember refuses with an index error naming the label and the class count.
     */
    @Test
    void ctcLossRefusesALabelOutOfRange() {
        Tensor lp = Tensor.randn(5, 2, 4).logSoftmax(2);
        for (long bad : new long[] {4, -1, 100}) {
            Tensor targets = Tensor.tensor(new long[][] {{1, bad}, {2, 3}});
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Functional.ctcLoss(lp,
                    targets, new long[] {5, 5}, new long[] {2, 2}, 0, "mean", false));
            assertEquals("index " + bad + " is out of bounds for dimension 2 with size 4", e.getMessage());
        }
    }

    /**
     * An empty batch ([0, C] input, [0] target): 2.x resizes the output and returns before the kernel, so "mean" and
     * "sum" give uninitialized memory (1.13 happened to give 0). Ember gives what the kernel's loop computes over no
     * samples: "sum" 0, "mean" that sum divided by nframe = 0 (NaN, as mse_loss's mean of an empty input), "none" an
     * empty [0]; the gradient is an empty [0, C].
     */
    @Test
    void marginLossesOfAnEmptyBatch() {
        for (String red : new String[] {"none", "mean", "sum"}) {
            Tensor x = Tensor.zeros(0, 3).requiresGrad_(true);
            Tensor y = Functional.multiMarginLoss(x, Tensor.zeros(DType.INT64, 0), 1, 1.0, null, red);
            check(red, y, x);
            Tensor x2 = Tensor.zeros(0, 3).requiresGrad_(true);
            Tensor y2 = Functional.multilabelMarginLoss(x2, Tensor.zeros(DType.INT64, 0, 3), red);
            check(red, y2, x2);
        }
    }

    private static void check(String red, Tensor y, Tensor x) {
        if (red.equals("none")) {
            assertArrayEquals(new int[] {0}, y.shape(), red);
        } else {
            assertEquals(0, y.dim(), red);
            double v = y.item();
            assertTrue(red.equals("mean") ? Double.isNaN(v) : v == 0 && Double.doubleToLongBits(v) == 0, red + ": " + v);
        }
        y.sum().backward();
        assertArrayEquals(new int[] {0, 3}, x.grad().shape(), red);
    }
}
