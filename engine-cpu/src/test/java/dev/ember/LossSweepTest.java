package dev.ember;

import dev.ember.nn.Functional;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A sweep of every loss Ember has against PyTorch (losssweep/make_expected.py): cross entropy (class indices of ranks
 * 1 to 5, weights, ignore_index, all targets ignored, label smoothing, class probabilities, empty batches), nll_loss,
 * binary cross entropy (edges at 0 and 1, broadcast weight) and with logits (weight, broadcast pos_weight), mse, l1,
 * smooth l1 (beta 0 too), huber, kl_div (log_target, batchmean), cosine embedding and margin ranking, each with the
 * three reductions in float32 and float64: the value, the gradients of every input PyTorch differentiates, the result's
 * node name (PyTorch 2.x's) and the messages of the errors.
 *
 * <p>Tolerance: relative 1e-6 for float32 and 1e-12 for float64, measured against the larger of the element and the
 * largest magnitude in the same expected tensor (so an element that cancels to about 0 is judged at the tensor's
 * scale, not at its own).
 */
class LossSweepTest {

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

    private record Case(String name, String op, Map<String, String> options, List<String> grads, Map<String, Data> tensors,
                        Map<String, Data> results, String node, String errorKind, String error) {
    }

    private static List<Case> cases() throws IOException {
        List<Case> out = new ArrayList<>();
        try (InputStream in = LossSweepTest.class.getResourceAsStream("/losssweep/expected.txt")) {
            assertNotNull(in, "losssweep/expected.txt");
            String name = null;
            String op = null;
            String node = null;
            String errorKind = null;
            String error = null;
            Map<String, String> options = null;
            List<String> grads = null;
            Map<String, Data> tensors = null;
            Map<String, Data> results = null;
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                if (line.startsWith("case ")) {
                    name = line.substring(5);
                    op = node = errorKind = error = null;
                    options = new LinkedHashMap<>();
                    grads = new ArrayList<>();
                    tensors = new LinkedHashMap<>();
                    results = new LinkedHashMap<>();
                } else if (line.equals("end")) {
                    out.add(new Case(name, op, options, grads, tensors, results, node, errorKind, error));
                } else if (line.startsWith("op ")) {
                    op = line.substring(3);
                } else if (line.startsWith("opt ")) {
                    String[] kv = line.substring(4).split(" ", 2);
                    options.put(kv[0], kv[1]);
                } else if (line.startsWith("grads")) {
                    String rest = line.substring(5).trim();
                    if (!rest.isEmpty()) {
                        grads.addAll(Arrays.asList(rest.split(" ")));
                    }
                } else if (line.startsWith("node ")) {
                    node = line.substring(5);
                } else if (line.startsWith("error ")) {
                    String[] kv = line.substring(6).split(" ", 2);
                    errorKind = kv[0];
                    error = kv.length > 1 ? kv[1] : "";
                } else {
                    String[] parts = line.split(" : ?", 2);
                    String[] head = parts[0].split(" ");
                    String shape = head[2].substring(1, head[2].length() - 1);
                    int[] dims = shape.isEmpty() ? new int[0] : Arrays.stream(shape.split(",")).mapToInt(Integer::parseInt).toArray();
                    String body = parts.length > 1 ? parts[1].trim() : "";
                    double[] values = body.isEmpty() ? new double[0]
                            : Arrays.stream(body.split(" ")).mapToDouble(LossSweepTest::parse).toArray();
                    Data d = new Data(head[1], dims, values);
                    if (head[0].equals("loss") || head[0].startsWith("grad_")) {
                        results.put(head[0], d);
                    } else {
                        tensors.put(head[0], d);
                    }
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

    @TestFactory
    List<DynamicTest> matchPyTorch() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : cases()) {
            tests.add(DynamicTest.dynamicTest(c.name(), () -> {
                try {
                    run(c);
                } catch (Throwable e) {
                    throw new AssertionError(c.name() + ": " + e, e);
                }
            }));
        }
        assertTrue(tests.size() >= 250, "cases read: " + tests.size());
        return tests;
    }

    private static Tensor call(Case c, Map<String, Tensor> t) {
        Map<String, String> o = c.options();
        String red = o.getOrDefault("reduction", "mean");
        long ignore = Long.parseLong(o.getOrDefault("ignore_index", "-100"));
        double smoothing = Double.parseDouble(o.getOrDefault("label_smoothing", "0"));
        switch (c.op()) {
            case "cross_entropy": return Functional.crossEntropy(t.get("input"), t.get("target"), t.get("weight"), red, ignore, smoothing);
            case "nll_loss": return Functional.nllLoss(t.get("input"), t.get("target"), t.get("weight"), red, ignore);
            case "bce": return Functional.binaryCrossEntropy(t.get("input"), t.get("target"), t.get("weight"), red);
            case "bcel": return Functional.binaryCrossEntropyWithLogits(t.get("input"), t.get("target"), t.get("weight"),
                    t.get("pos_weight"), red);
            case "mse": return Functional.mseLoss(t.get("input"), t.get("target"), red);
            case "l1": return Functional.l1Loss(t.get("input"), t.get("target"), red);
            case "smooth_l1": return Functional.smoothL1Loss(t.get("input"), t.get("target"), red,
                    Double.parseDouble(o.getOrDefault("beta", "1.0")));
            case "huber": return Functional.huberLoss(t.get("input"), t.get("target"), red,
                    Double.parseDouble(o.getOrDefault("delta", "1.0")));
            case "kl_div": return Functional.kLDivLoss(t.get("input"), t.get("target"), red,
                    Boolean.parseBoolean(o.getOrDefault("log_target", "False").toLowerCase()));
            case "cosine_embedding": return Functional.cosineEmbeddingLoss(t.get("input"), t.get("input2"), t.get("target"),
                    Double.parseDouble(o.getOrDefault("margin", "0.0")), red);
            case "margin_ranking": return Functional.marginRankingLoss(t.get("input"), t.get("input2"), t.get("target"),
                    Double.parseDouble(o.getOrDefault("margin", "0.0")), red);
            default: throw new AssertionError(c.op());
        }
    }

    private static void run(Case c) {
        Map<String, Tensor> t = new LinkedHashMap<>();
        for (Map.Entry<String, Data> e : c.tensors().entrySet()) {
            Tensor v = e.getValue().tensor();
            if (c.grads().contains(e.getKey())) {
                v.requiresGrad_(true);
            }
            t.put(e.getKey(), v);
        }
        if (c.error() != null) {
            Tensor got;
            try {
                got = call(c, t);
            } catch (RuntimeException ex) {
                assertEquals(c.error().strip(), String.valueOf(ex.getMessage()).strip(), "message (" + ex.getClass().getSimpleName() + ")");
                if (c.errorKind().equals("IndexError")) {
                    assertTrue(ex instanceof IndexOutOfBoundsException, "IndexError expected, got " + ex.getClass().getName());
                }
                return;
            }
            fail("expected " + c.errorKind() + " \"" + c.error() + "\", got a result " + got);
        }
        Tensor loss = call(c, t);
        List<String> problems = new ArrayList<>();
        close("loss", c.results().get("loss"), loss, problems);
        if (loss.gradFn() == null) {
            problems.add("node: expected " + c.node() + ", got no grad_fn");
        } else {
            if (!c.node().equals(loss.gradFn().name())) {
                problems.add("node: expected " + c.node() + ", got " + loss.gradFn().name());
            }
            if (loss.dim() == 0) {
                loss.backward();
            } else {
                loss.backward(loss.onesLike());
            }
        }
        for (String g : c.grads()) {
            Tensor got = t.get(g).grad();
            if (got == null) {
                got = t.get(g).zerosLike(); // PyTorch's None is written as zeros
            }
            close("grad_" + g, c.results().get("grad_" + g), got, problems);
        }
        if (!problems.isEmpty()) {
            fail(String.join("; ", problems));
        }
    }

    private static void close(String what, Data want, Tensor got, List<String> problems) {
        if (!Arrays.equals(want.shape(), got.shape())) {
            problems.add(what + " shape: expected " + Arrays.toString(want.shape()) + ", got " + Arrays.toString(got.shape()));
            return;
        }
        boolean f32 = want.dtype().equals("float32");
        if (got.dtype() != (f32 ? DType.FLOAT32 : DType.FLOAT64)) {
            problems.add(what + " dtype: expected " + want.dtype() + ", got " + got.dtype());
        }
        double[] g = got.toDoubleArray();
        double tol = f32 ? 1e-6 : 1e-12;
        double scale = 0;
        for (double e : want.values()) {
            if (Double.isFinite(e)) {
                scale = Math.max(scale, Math.abs(e));
            }
        }
        int bad = 0;
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < g.length; i++) {
            double e = want.values()[i];
            boolean ok;
            if (Double.isNaN(e) || Double.isInfinite(e)) {
                ok = Double.compare(e, g[i]) == 0 || (Double.isNaN(e) && Double.isNaN(g[i]));
            } else {
                ok = Math.abs(e - g[i]) <= tol * Math.max(Math.abs(e), scale);
            }
            if (!ok) {
                if (bad++ < 3) {
                    sb.append(" [").append(i).append("] expected ").append(e).append(" got ").append(g[i]);
                }
            }
        }
        if (bad > 0) {
            problems.add(what + ": " + bad + " of " + g.length + " differ:" + sb);
        }
    }
}
