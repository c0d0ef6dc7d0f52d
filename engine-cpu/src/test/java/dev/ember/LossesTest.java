package dev.ember;

import dev.ember.nn.Functional;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The losses against PyTorch: values and gradients of cross entropy (class indices of every rank, weights, ignored
 * targets, label smoothing, class probabilities), nll_loss, binary cross entropy (at 0 and 1, weighted), with logits
 * (weights, pos_weight, large logits) and broadcast mse, from losses/make_expected.py; and the node each records.
 */
class LossesTest {

    /** One tensor of a case: its type, shape and values. */
    private record Data(String dtype, int[] shape, double[] values) {
        Tensor tensor() {
            if (dtype.equals("int64")) {
                long[] v = new long[values.length];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (long) values[i];
                }
                return Tensor.tensor(v).reshape(shape);
            }
            return Tensor.tensor(values, DType.FLOAT64).to(dtype.equals("float32") ? DType.FLOAT32 : DType.FLOAT64).reshape(shape);
        }
    }

    private record Case(String name, Map<String, String> options, Map<String, Data> tensors, String node) {
    }

    private static List<Case> cases() throws IOException {
        List<Case> out = new ArrayList<>();
        try (InputStream in = LossesTest.class.getResourceAsStream("/losses/expected.txt")) {
            assertNotNull(in, "losses/expected.txt");
            String name = null;
            Map<String, String> options = new LinkedHashMap<>();
            Map<String, Data> tensors = new LinkedHashMap<>();
            String node = null;
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                if (line.startsWith("case ")) {
                    name = line.substring(5);
                    options = new LinkedHashMap<>();
                    tensors = new LinkedHashMap<>();
                    node = null;
                } else if (line.equals("end")) {
                    out.add(new Case(name, options, tensors, node));
                } else if (line.startsWith("node ")) {
                    node = line.substring(5);
                } else if (line.contains(" : ") || line.endsWith(" :")) {
                    String[] parts = line.split(" : ?", 2);
                    String[] head = parts[0].split(" ");
                    String shape = head[2].substring(1, head[2].length() - 1);
                    int[] dims = shape.isEmpty() ? new int[0] : Arrays.stream(shape.split(",")).mapToInt(Integer::parseInt).toArray();
                    String body = parts.length > 1 ? parts[1].trim() : "";
                    double[] values = body.isEmpty() ? new double[0]
                            : Arrays.stream(body.split(" ")).mapToDouble(LossesTest::parse).toArray();
                    tensors.put(head[0], new Data(head[1], dims, values));
                } else {
                    String[] kv = line.split(" ", 2);
                    options.put(kv[0], kv[1]);
                }
            }
        }
        return out;
    }

    private static double parse(String s) {
        switch (s) {
            case "nan": return Double.NaN;
            case "inf": return Double.POSITIVE_INFINITY;
            case "-inf": return Double.NEGATIVE_INFINITY;
            default: return Double.parseDouble(s);
        }
    }

    /** Nodes Ember records as PyTorch does (the composite cases, probabilities and mse, are checked by value only). */
    private static final Set<String> SAME_NODES = Set.of("NllLossBackward0", "NllLoss2DBackward0", "ViewBackward0",
            "AddBackward0", "BinaryCrossEntropyBackward0", "BinaryCrossEntropyWithLogitsBackward0");

    @TestFactory
    List<DynamicTest> matchPyTorch() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : cases()) {
            tests.add(DynamicTest.dynamicTest(c.name(), () -> run(c)));
        }
        assertTrue(tests.size() >= 50, "cases read: " + tests.size());
        return tests;
    }

    private static void run(Case c) {
        Map<String, Data> d = c.tensors();
        Tensor x = d.get("input").tensor().requiresGrad_(true);
        boolean targetGrad = d.containsKey("grad_target");
        Tensor t = d.get("target").tensor();
        if (targetGrad) {
            t.requiresGrad_(true);
        }
        Tensor w = d.containsKey("weight") ? d.get("weight").tensor() : null;
        Tensor pw = d.containsKey("pos_weight") ? d.get("pos_weight").tensor() : null;
        String red = c.options().get("reduction");
        long ignore = Long.parseLong(c.options().getOrDefault("ignore_index", "-100"));
        double smoothing = Double.parseDouble(c.options().getOrDefault("label_smoothing", "0"));
        Tensor loss;
        switch (c.options().get("op")) {
            case "cross_entropy": loss = Functional.crossEntropy(x, t, w, red, ignore, smoothing); break;
            case "nll_loss": loss = Functional.nllLoss(x, t, w, red, ignore); break;
            case "binary_cross_entropy": loss = Functional.binaryCrossEntropy(x, t, w, red); break;
            case "binary_cross_entropy_with_logits": loss = Functional.binaryCrossEntropyWithLogits(x, t, w, pw, red); break;
            case "mse_loss": loss = Functional.mseLoss(x, t, red); break;
            default: throw new AssertionError(c.options().get("op"));
        }
        close("loss", d.get("loss"), loss);
        if (SAME_NODES.contains(c.node())) {
            assertEquals(c.node(), loss.gradFn().name(), "node");
        }
        if (loss.dim() == 0) {
            loss.backward();
        } else {
            loss.backward(loss.onesLike());
        }
        close("grad_input", d.get("grad_input"), x.grad());
        if (targetGrad) {
            close("grad_target", d.get("grad_target"), t.grad());
        }
    }

    private static void close(String what, Data want, Tensor got) {
        assertNotNull(got, what);
        assertArrayEquals(want.shape(), got.shape(), what + " shape");
        boolean f32 = want.dtype().equals("float32");
        assertEquals(f32 ? DType.FLOAT32 : DType.FLOAT64, got.dtype(), what + " dtype");
        double[] g = got.toDoubleArray();
        double tol = f32 ? 2e-6 : 1e-12;
        for (int i = 0; i < g.length; i++) {
            double e = want.values()[i];
            if (Double.isNaN(e)) {
                assertTrue(Double.isNaN(g[i]), what + "[" + i + "]: expected nan, got " + g[i]);
            } else {
                assertEquals(e, g[i], tol * Math.max(1, Math.abs(e)), what + "[" + i + "]");
            }
        }
    }

    @Test
    void crossEntropyRecordsNllOverLogSoftmax() {
        Tensor x = Tensor.randn(DType.FLOAT64, 3, 4).requiresGrad_(true);
        Tensor loss = Functional.crossEntropy(x, Tensor.tensor(new long[] {0, 3, 1}));
        assertEquals("NllLossBackward0", loss.gradFn().name());
        assertEquals("LogSoftmaxBackward0", loss.gradFn().nextFunctions().get(0).name());
        Tensor loss4 = Functional.crossEntropy(Tensor.randn(2, 3, 2, 2).requiresGrad_(true), Tensor.zeros(DType.INT64, 2, 2, 2));
        assertEquals("NllLoss2DBackward0", loss4.gradFn().name());
    }

    @Test
    void binaryCrossEntropyIsFiniteAtZeroAndOne() {
        // PyTorch: F.binary_cross_entropy([0, 1, 0.5, 1e-7], [1, 0, 0.5, 1], reduction='sum') = 216.8112 and the
        // gradient [-1e12, 1e12, 0, -1e7], from the log clamped at -100 and the product floored at 1e-12
        Tensor p = Tensor.tensor(new double[] {0, 1, 0.5, 1e-7}, DType.FLOAT32).requiresGrad_(true);
        Tensor loss = Functional.binaryCrossEntropy(p, Tensor.tensor(new double[] {1, 0, 0.5, 1}), "sum");
        assertEquals(216.8112, loss.item(), 1e-4);
        loss.backward();
        double[] g = p.grad().toDoubleArray();
        assertEquals(-1e12, g[0], 1e6);
        assertEquals(1e12, g[1], 1e6);
        assertEquals(0, g[2], 0);
        assertEquals(-1e7, g[3], 1);
        assertTrue(p.grad().isfinite().all());
    }

    @Test
    void ignoredTargetsNeedNotBeClassesAndOthersAreChecked() {
        Tensor x = Tensor.randn(3, 4);
        // -100 is skipped, as is any other ignore index, even outside [0, C)
        assertTrue(Double.isFinite(Functional.crossEntropy(x, Tensor.tensor(new long[] {1, -100, 2})).item()));
        assertTrue(Double.isFinite(Functional.crossEntropy(x, Tensor.tensor(new long[] {1, 9, 2}), null, "mean", 9, 0).item()));
        assertEquals("Target 9 is out of bounds.", assertThrows(IndexOutOfBoundsException.class,
                () -> Functional.crossEntropy(x, Tensor.tensor(new long[] {1, 9, 2}))).getMessage());
        assertEquals("Target -1 is out of bounds.", assertThrows(IndexOutOfBoundsException.class,
                () -> Functional.nllLoss(x, Tensor.tensor(new long[] {1, -1, 2}), "sum")).getMessage());
        assertEquals("Target 4 is out of bounds.", assertThrows(IndexOutOfBoundsException.class,
                () -> Functional.crossEntropy(Tensor.randn(4), Tensor.tensor(4L))).getMessage());
        // a target exactly at the int64 extremes is compared as an integer, not through a float
        long big = Long.MAX_VALUE - 1;
        assertTrue(Double.isFinite(Functional.crossEntropy(x, Tensor.tensor(new long[] {1, big, 2}), null, "mean", big, 0).item()));
        assertEquals("Target " + (big + 1) + " is out of bounds.", assertThrows(IndexOutOfBoundsException.class,
                () -> Functional.crossEntropy(x, Tensor.tensor(new long[] {1, big + 1, 2}), null, "mean", big, 0)).getMessage());
    }

    @Test
    void nanAwayFromTheTargetDoesNotLeakIntoTheLoss() {
        // nll_loss reads only the target's entry, as PyTorch's kernel does
        Tensor logp = Tensor.tensor(new double[][] {{Double.NaN, -1.0}, {-2.0, Double.NEGATIVE_INFINITY}}).requiresGrad_(true);
        Tensor loss = Functional.nllLoss(logp, Tensor.tensor(new long[] {1, 0}), "sum");
        assertEquals(3.0, loss.item(), 0);
        loss.backward();
        assertEquals("tensor([[ 0., -1.],\n        [-1.,  0.]])", logp.grad().toString());
    }

    @Test
    void lossesOfSecondOrderMatchFiniteDifferences() {
        Generator gen = new Generator(3);
        Tensor x = Tensor.rand(gen, DType.FLOAT64, 3, 4).mul(0.8).add(0.1).detach().requiresGrad_(true);
        Tensor t = Tensor.rand(gen, DType.FLOAT64, 3, 4).detach().requiresGrad_(true);
        assertTrue(Autograd.gradgradcheck(v -> Functional.binaryCrossEntropy(v[0], v[1], "mean"), new Tensor[] {x, t}));
        Tensor logits = Tensor.randn(gen, DType.FLOAT64, 3, 4).detach().requiresGrad_(true);
        Tensor pw = Tensor.rand(gen, DType.FLOAT64, 4).add(0.5);
        assertTrue(Autograd.gradgradcheck(v -> Functional.binaryCrossEntropyWithLogits(v[0], v[1], null, pw, "sum"),
                new Tensor[] {logits, t}));
        Tensor target = Tensor.tensor(new long[] {2, -100, 0});
        Tensor w = Tensor.rand(gen, DType.FLOAT64, 4);
        assertTrue(Autograd.gradcheck(v -> Functional.crossEntropy(v[0], target, w, "mean", -100, 0.2), new Tensor[] {logits},
                1e-6, 1e-5, 1e-3));
        assertTrue(Autograd.gradgradcheck(v -> Functional.nllLoss(v[0].logSoftmax(1), target, w, "mean", -100),
                new Tensor[] {logits}));
    }

    @Test
    void weightsAndTargetsThatNeedNoGradientGetNone() {
        Tensor x = Tensor.rand(DType.FLOAT64, 4).requiresGrad_(true);
        Tensor t = Tensor.rand(DType.FLOAT64, 4);
        Functional.binaryCrossEntropy(x, t, "mean").backward();
        assertNull(t.grad());
        assertNotNull(x.grad());
    }
}
