package dev.ember;

import dev.ember.nn.CTCLoss;
import dev.ember.nn.Functional;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code F.ctc_loss} / {@code nn.CTCLoss} against PyTorch (ctcloss/make_expected.py): padded and concatenated targets,
 * repeated labels, blank not 0, impossible alignments with and without zero_infinity, empty targets, an unbatched input,
 * shorter inputs; values and gradients of log_probs in float64 and float32 for every reduction, the path of nodes; a
 * non-contiguous input; PyTorch 2.x's messages (nothing computed), the input length 0 of 2.x's kernel, the long[]
 * overloads, the module, gradcheck on float64 (log_probs made by log_softmax of a free tensor) and the refused double
 * backward.
 */
class CtcLossTest {

    private static List<ReferenceCases.Case> cases() {
        return ReferenceCases.byFirstWord("/ctcloss/expected.txt");
    }

    private static Map<String, String> options(String call) {
        Map<String, String> o = new LinkedHashMap<>();
        for (String part : call.trim().split(" ")) {
            String[] kv = part.split("=", 2);
            o.put(kv[0], kv[1]);
        }
        return o;
    }

    /**
     * Values equal to PyTorch's up to rounding: the per-class collection of alpha + beta is a scatter-add of
     * exponentials here and a pairwise log-add in ATen, so float64 agrees to about 1e-11 and float32 to a few 1e-6 of
     * the largest magnitude.
     */
    static void assertClose(Tensor expected, Tensor actual, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
        assertEquals(expected.dtype(), actual.dtype(), what + " dtype");
        double[] e = expected.to(DType.FLOAT64).toDoubleArray();
        double[] a = actual.to(DType.FLOAT64).toDoubleArray();
        boolean f32 = expected.dtype() == DType.FLOAT32;
        double scale = 0;
        for (double v : e) {
            if (Double.isFinite(v)) {
                scale = Math.max(scale, Math.abs(v));
            }
        }
        for (int i = 0; i < e.length; i++) {
            if (Double.isNaN(e[i])) {
                assertTrue(Double.isNaN(a[i]), what + "[" + i + "]: expected nan, got " + a[i]);
                continue;
            }
            if (Double.isInfinite(e[i])) {
                assertEquals(e[i], a[i], what + "[" + i + "]");
                continue;
            }
            double tol = f32 ? 2e-5 * Math.max(Math.abs(e[i]), scale) + 1e-6 : 1e-11 * Math.max(Math.abs(e[i]), scale) + 1e-14;
            assertEquals(e[i], a[i], tol, what + "[" + i + "]");
        }
    }

    private static void checkCase(ReferenceCases.Case c, boolean strided) {
        Map<String, String> o = options(c.get("call"));
        Tensor lp = PyTorchCases.tensor(c.get("in0"));
        if (strided) {
            // the same values read through a non-contiguous view (time and batch swapped twice)
            lp = lp.dim() == 3 ? lp.transpose(0, 1).contiguous().transpose(0, 1) : lp.t().contiguous().t();
        }
        lp.requiresGrad_(true);
        Tensor out = Functional.ctcLoss(lp, PyTorchCases.tensor(c.get("in1")), PyTorchCases.tensor(c.get("in2")),
                PyTorchCases.tensor(c.get("in3")), Integer.parseInt(o.get("blank")), o.get("reduction"),
                o.get("zero_infinity").equals("true"));
        assertClose(PyTorchCases.tensor(c.get("out")), out, c.key() + " out");
        assertEquals(c.get("chain"), LossesMoreTest.chain(out), c.key() + " chain");
        Tensor g = Autograd.grad(List.of(out), List.of(lp), List.of(PyTorchCases.tensor(c.get("gout"))), false).get(0);
        assertClose(PyTorchCases.tensor(c.get("g0")), g, c.key() + " grad");
    }

    @TestFactory
    List<DynamicTest> againstPyTorch() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ReferenceCases.Case c : cases()) {
            tests.add(DynamicTest.dynamicTest(c.key(), () -> checkCase(c, false)));
            if (c.key().contains("/f64/")) {
                tests.add(DynamicTest.dynamicTest(c.key() + " strided", () -> checkCase(c, true)));
            }
        }
        assertEquals(84, tests.size() - tests.stream().filter(t -> t.getDisplayName().endsWith(" strided")).count());
        return tests;
    }

    private static Tensor logProbs(int t, int n, int c, DType dtype) {
        double[] v = new double[t * n * c];
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.sin(1.3 * i + 0.7) * 1.5;
        }
        return Tensor.tensor(v, DType.FLOAT64, Device.CPU).reshape(t, n, c).logSoftmax(2).to(dtype);
    }

    private static Tensor longs(long... v) {
        return Tensor.tensor(v, DType.INT64, Device.CPU);
    }

    /** PyTorch 2.x's kernel: an input length of 0 gives 0 for an empty target, inf otherwise, and no gradient. */
    @Test
    void zeroInputLength() {
        Tensor lp = logProbs(4, 3, 4, DType.FLOAT64).requiresGrad_(true);
        Tensor targets = longs(1, 2, 0, 0, 3, 3).reshape(3, 2);
        Tensor out = Functional.ctcLoss(lp, targets, longs(0, 0, 4), longs(2, 0, 2), 0, "none", false);
        double[] v = out.detach().toDoubleArray();
        assertEquals(Double.POSITIVE_INFINITY, v[0]);
        assertEquals(0.0, v[1]);
        assertTrue(Double.isFinite(v[2]) && v[2] > 0);
        Tensor g = Autograd.grad(List.of(out.select(0, 1).add(out.select(0, 2))), List.of(lp), null, false).get(0);
        double[] gv = g.toDoubleArray();
        for (int t = 0; t < 4; t++) {
            for (int k = 0; k < 4; k++) {
                assertEquals(0.0, gv[(t * 3 + 1) * 4 + k], "no gradient for the empty input");
            }
        }
        Tensor zi = Functional.ctcLoss(lp, targets, longs(0, 0, 4), longs(2, 0, 2), 0, "sum", true);
        Tensor gz = Autograd.grad(List.of(zi), List.of(lp), null, false).get(0);
        assertEquals(v[2], zi.item(), 1e-12);
        for (double x : gz.narrow(1, 0, 2).contiguous().toDoubleArray()) {
            assertEquals(0.0, x);
        }
    }

    /**
     * An empty batch as PyTorch's (an empty "none", 0 for "sum", nan for "mean", an empty gradient); no time steps is
     * refused by ATen's CPU kernel (1.13 and 2.x) before anything is computed.
     */
    @Test
    void emptyBatchAndNoTimeSteps() {
        Tensor lp = Tensor.zeros(DType.FLOAT64, 5, 0, 4).requiresGrad_(true);
        Tensor t = Tensor.zeros(DType.INT64, 0, 2);
        Tensor none = Functional.ctcLoss(lp, t, longs(), longs(), 0, "none", false);
        assertArrayEquals(new int[] {0}, none.shape());
        assertEquals("CtcLossBackward0", none.gradFn().name());
        assertEquals(0.0, Functional.ctcLoss(lp, t, longs(), longs(), 0, "sum", false).item());
        Tensor mean = Functional.ctcLoss(lp, t, longs(), longs(), 0, "mean", false);
        assertTrue(Double.isNaN(mean.item()));
        assertArrayEquals(new int[] {5, 0, 4}, Autograd.grad(List.of(mean), List.of(lp), null, false).get(0).shape());
        error("start (0) + length (1) exceeds dimension size (0).", () -> Functional.ctcLoss(Tensor.zeros(DType.FLOAT64, 0, 2, 4),
                Tensor.zeros(DType.INT64, 2, 0), longs(0, 0), longs(0, 0), 0, "none", false));
    }

    @Test
    void longArrayOverloadsAndModule() {
        Tensor lp = logProbs(6, 2, 5, DType.FLOAT64);
        Tensor targets = longs(1, 2, 2, 4, 3, 0).reshape(2, 3);
        Tensor a = Functional.ctcLoss(lp, targets, longs(6, 5), longs(3, 2), 0, "sum", false);
        Tensor b = Functional.ctcLoss(lp, targets, new long[] {6, 5}, new long[] {3, 2}, 0, "sum", false);
        assertEquals(a.item(), b.item(), 0.0);
        Tensor m = Functional.ctcLoss(lp, targets, longs(6, 5), longs(3, 2));
        CTCLoss module = new CTCLoss();
        assertEquals("CTCLoss()", module.toString());
        assertEquals("CTCLoss()", new CTCLoss(2, "sum", true).toString());
        assertEquals(m.item(), module.forward(lp, targets, longs(6, 5), longs(3, 2)).item(), 0.0);
        assertEquals(b.item(), new CTCLoss(0, "sum", true).forward(lp, targets, longs(6, 5), longs(3, 2)).item(), 0.0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> module.forward(lp));
        assertEquals("CTCLoss.forward() missing 3 required positional arguments: 'targets', 'input_lengths', and "
                + "'target_lengths'", e.getMessage());
        // int32 lengths and targets are read as PyTorch reads them (lengths to int64, targets to int64)
        Tensor c = Functional.ctcLoss(lp, targets.to(DType.INT32), longs(6, 5).to(DType.INT32), longs(3, 2).to(DType.INT32),
                0, "sum", false);
        assertEquals(a.item(), c.item(), 0.0);
        // the padding past a target length is never read (PyTorch's kernel neither): -1 there is fine
        Tensor d = Functional.ctcLoss(lp, longs(1, 2, 2, 4, 3, -1).reshape(2, 3), longs(6, 5), longs(3, 2), 0, "sum", false);
        assertEquals(a.item(), d.item(), 0.0);
    }

    private static void error(String message, Runnable r) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertEquals(message, e.getMessage());
    }

    /**
     * PyTorch 2.x's messages (checked with 1.13, whose kernel names "ctc_loss_cpu" where 2.x's checks name
     * "ctc_loss_allocate_outputs", and which does not check negative lengths: those are 2.x's LossCTC.cpp).
     */
    @Test
    void errors() {
        Tensor lp = logProbs(5, 3, 4, DType.FLOAT64);
        Tensor t = longs(1, 1, 2, 0, 1, 2).reshape(3, 2);
        Tensor il = longs(5, 3, 5);
        Tensor tl = longs(2, 1, 2);
        String w = " (while checking arguments for ctc_loss_allocate_outputs)";
        error("Expected tensor to have size at least 3 at dimension 1, but got size 2 for argument #2 'targets'" + w,
                () -> Functional.ctcLoss(lp, t, il, longs(2, 3, 0)));
        error("Expected input_lengths to have value at least 0, but got value -1" + w,
                () -> Functional.ctcLoss(lp, t, longs(5, -1, 5), tl));
        error("Expected input_lengths to have value at most 5, but got value 6" + w,
                () -> Functional.ctcLoss(lp, t, longs(5, 6, 5), tl));
        error("Expected target_lengths to have value at least 0, but got value -1" + w,
                () -> Functional.ctcLoss(lp, t, il, longs(2, -1, 0)));
        error("input_lengths must be of size batch_size", () -> Functional.ctcLoss(lp, t, longs(5, 3), tl));
        error("target_lengths must be of size batch_size", () -> Functional.ctcLoss(lp, t, il, longs(2, 1)));
        error("input_lengths must be integral", () -> Functional.ctcLoss(lp, t, il.to(DType.FLOAT32), tl));
        error("target_lengths must be integral", () -> Functional.ctcLoss(lp, t, il, tl.to(DType.FLOAT64)));
        error("blank must be in label range", () -> Functional.ctcLoss(lp, t, il, tl, 4, "mean", false));
        error("blank must be in label range", () -> Functional.ctcLoss(lp, t, il, tl, -1, "mean", false));
        error("Expected 3-dimensional tensor, but got 2-dimensional tensor for argument #1 'log_probs'" + w,
                () -> Functional.ctcLoss(lp.select(0, 0).select(0, 0), t, il, tl));
        error("Expected 3-dimensional tensor, but got 5-dimensional tensor for argument #1 'log_probs'" + w,
                () -> Functional.ctcLoss(lp.unsqueeze(0), t, il, tl));
        error("Expected tensor to have size 3 at dimension 0, but got size 2 for argument #2 'targets'" + w,
                () -> Functional.ctcLoss(lp, t.narrow(0, 0, 2), il, tl));
        error("Expected 1 to 2 dimensions, but got 3-dimensional tensor for argument #2 'targets'" + w,
                () -> Functional.ctcLoss(lp, t.unsqueeze(0), il, tl));
        error("Expected tensor to have size 5 at dimension 0, but got size 3 for argument #2 'targets'" + w,
                () -> Functional.ctcLoss(lp, longs(1, 1, 2), il, tl));
        error("\"ctc_loss_cpu\" not implemented for 'Int'", () -> Functional.ctcLoss(lp.to(DType.INT32), t, il, tl));
        error("\"ctc_loss_cpu\" not implemented for 'Half'", () -> Functional.ctcLoss(lp.to(DType.FLOAT16), t, il, tl));
        error("foo is not a valid value for reduction", () -> Functional.ctcLoss(lp, t, il, tl, 0, "foo", false));
        // a class index outside [0, C): undefined behaviour in ATen's CPU kernel (no bound check), refused here in gather's words
        error("index 4 is out of bounds for dimension 2 with size 4", () -> Functional.ctcLoss(lp, longs(1, 4, 2, 0, 1, 2)
                .reshape(3, 2), il, tl));
        error("index -1 is out of bounds for dimension 2 with size 4", () -> Functional.ctcLoss(lp, longs(1, 1, -1, 0, 1, 2)
                .reshape(3, 2), il, tl));
        error("ctc_loss(): argument 'log_probs' (position 1) must be Tensor, not null",
                () -> Functional.ctcLoss(null, t, il, tl));
        error("ctc_loss(): argument 'target_lengths' (position 4) must be Tensor, not null",
                () -> Functional.ctcLoss(lp, t, il, null));
    }

    @Test
    void nullLengthArrays() {
        Tensor lp = logProbs(5, 1, 4, DType.FLOAT64);
        error("ctc_loss(): argument 'input_lengths' (position 3) must be tuple of ints, not null",
                () -> Functional.ctcLoss(lp, longs(1), null, new long[] {1}, 0, "mean", false));
        error("ctc_loss(): argument 'target_lengths' (position 4) must be tuple of ints, not null",
                () -> Functional.ctcLoss(lp, longs(1), new long[] {5}, null, 0, "mean", false));
    }

    @Test
    void floatTargetsAreTruncatedToLong() {
        Tensor lp = logProbs(5, 3, 4, DType.FLOAT32);
        Tensor t = longs(1, 1, 2, 0, 1, 2).reshape(3, 2);
        Tensor a = Functional.ctcLoss(lp, t, longs(5, 3, 5), longs(2, 1, 2));
        Tensor b = Functional.ctcLoss(lp, t.to(DType.FLOAT32), longs(5, 3, 5), longs(2, 1, 2));
        assertEquals(a.item(), b.item(), 0.0);
    }

    /** CPU autocast (PyTorch's fp32 list names ctc_loss): bfloat16 log_probs run in float32; outside it they are refused. */
    @Test
    void cpuAutocastRunsInFloat32() {
        Tensor lp = logProbs(5, 2, 4, DType.FLOAT32).to(DType.BFLOAT16);
        Tensor t = longs(1, 1, 2, 0).reshape(2, 2);
        Tensor expected = Functional.ctcLoss(lp.to(DType.FLOAT32), t, longs(5, 3), longs(2, 1));
        try (AutocastMode ac = Ember.autocast(DeviceType.CPU, DType.BFLOAT16)) {
            Tensor out = Functional.ctcLoss(lp, t, longs(5, 3), longs(2, 1));
            assertEquals(DType.FLOAT32, out.dtype());
            assertEquals(expected.item(), out.item(), 0.0);
            Tensor sum = Functional.ctcLoss(lp, t, new long[] {5, 3}, new long[] {2, 1}, 0, "sum", false);
            assertEquals(DType.FLOAT32, sum.dtype());
        }
        error("\"ctc_loss_cpu\" not implemented for 'BFloat16'", () -> Functional.ctcLoss(lp, t, longs(5, 3), longs(2, 1)));
    }

    @TestFactory
    List<DynamicTest> gradcheck() {
        List<DynamicTest> tests = new ArrayList<>();
        Tensor padded = longs(1, 2, 2, 3, 1, 0, 3, 3, 3).reshape(3, 3);
        Tensor concat = longs(1, 2, 2, 3, 1, 3, 3, 3);
        Tensor il = longs(6, 4, 6);
        Tensor tl = longs(3, 2, 3);
        for (String red : new String[] {"none", "sum", "mean"}) {
            for (boolean cat : new boolean[] {false, true}) {
                for (int blank : new int[] {0, 3}) {
                    Tensor targets = blank == 0 ? (cat ? concat : padded) : (cat ? concat : padded).remainder(3L);
                    Function<Tensor[], Tensor> f = in -> Functional.ctcLoss(in[0].logSoftmax(2), targets, il, tl, blank, red,
                            false);
                    String name = red + (cat ? " concatenated" : " padded") + " blank " + blank;
                    tests.add(DynamicTest.dynamicTest(name, () -> {
                        Tensor x = logProbs(6, 3, 4, DType.FLOAT64).mul(3.0).requiresGrad_(true);
                        assertTrue(Autograd.gradcheck(f, x));
                    }));
                }
            }
        }
        // zero_infinity with an impossible entry (3,3,3 in 4 steps), an empty target, unbatched
        tests.add(DynamicTest.dynamicTest("zero_infinity", () -> {
            Tensor x = logProbs(6, 3, 4, DType.FLOAT64).requiresGrad_(true);
            Tensor targets = longs(1, 2, 0, 3, 3, 3, 0, 0, 0).reshape(3, 3);
            assertTrue(Autograd.gradcheck(in -> Functional.ctcLoss(in[0].logSoftmax(2), targets, longs(6, 4, 5),
                    longs(2, 3, 0), 0, "mean", true), x));
        }));
        tests.add(DynamicTest.dynamicTest("unbatched", () -> {
            Tensor x = logProbs(6, 1, 4, DType.FLOAT64).reshape(6, 4).requiresGrad_(true);
            assertTrue(Autograd.gradcheck(in -> Functional.ctcLoss(in[0].logSoftmax(1), longs(2, 2), longs(6).reshape(),
                    longs(2).reshape(), 0, "none", false), x));
        }));
        return tests;
    }

    /** log_probs is saved for the backward: modifying it in place afterwards is refused, as PyTorch does. */
    @Test
    void savedLogProbsModifiedInPlace() {
        Tensor x = logProbs(5, 2, 4, DType.FLOAT64).requiresGrad_(true);
        Tensor lp = x.mul(1.0);
        Tensor out = Functional.ctcLoss(lp, longs(1, 1, 2, 0).reshape(2, 2), longs(5, 3), longs(2, 1));
        try (GradMode off = Ember.noGrad()) {
            lp.add_(1.0);
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, out::backward);
        assertTrue(e.getMessage().startsWith("one of the variables needed for gradient computation has been modified by an "
                + "inplace operation"), e.getMessage());
    }

    /** PyTorch has no derivative for _ctc_loss_backward: a second backward through it is refused. */
    @Test
    void doubleBackwardRefused() {
        Tensor x = logProbs(5, 2, 4, DType.FLOAT64).requiresGrad_(true);
        Tensor out = Functional.ctcLoss(x.logSoftmax(2), longs(1, 1, 2, 0).reshape(2, 2), longs(5, 3), longs(2, 1));
        Tensor g = Autograd.grad(List.of(out), List.of(x), null, true).get(0);
        assertTrue(g.requiresGrad());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> g.sum().backward());
        assertEquals("derivative for aten::_ctc_loss_backward is not implemented", e.getMessage());
        assertFalse(x.grad() != null && x.grad().abs().sum().item() != 0, "nothing accumulated");
    }
}
