package dev.ember;

import dev.ember.nn.AvgPool2d;
import dev.ember.nn.ChannelShuffle;
import dev.ember.nn.FractionalMaxPool2d;
import dev.ember.nn.FractionalMaxPool3d;
import dev.ember.nn.Functional;
import dev.ember.nn.LPPool2d;
import dev.ember.nn.LPPool3d;
import dev.ember.nn.MaxUnpool3d;
import dev.ember.nn.Module;
import dev.ember.nn.TripletMarginWithDistanceLoss;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BinaryOperator;
import java.util.function.Function;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The nn.functional gaps of session 20 against PyTorch ({@code functionalgaps/make_expected.py}, read through
 * {@link ReferenceCases}: values, nodes, gradients, errors): avg_pool2d's divisor_override, avg_pool3d's refusal of
 * integer types other than int64, lp_pool1d/2d with an int norm, lp_pool3d (2.x's composition), max_unpool3d, channel_shuffle, pdist,
 * gumbel_softmax with fixed noise, triplet_margin_with_distance_loss and the fractional max poolings with fixed
 * random samples; the modules' printing, state and constructor errors ({@code modules.txt}); gradchecks and
 * gradgradchecks; gumbel_softmax's random properties; non-contiguous inputs against contiguous copies.
 */
class FunctionalGapsTest {
    /** A case name's {@code key=value} words. */
    private static Map<String, String> args(String name) {
        Map<String, String> m = new HashMap<>();
        for (String w : name.split(" ")) {
            int eq = w.indexOf('=');
            if (eq > 0) {
                m.put(w.substring(0, eq), w.substring(eq + 1));
            }
        }
        return m;
    }

    private static int[] ints(String v) {
        return v == null ? null : Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    private static double[] doubles(String v) {
        return v == null ? null : Arrays.stream(v.split(",")).mapToDouble(Double::parseDouble).toArray();
    }

    private static Tensor tr(Tensor t, boolean transpose) {
        return transpose ? t.transpose(-1, -2) : t;
    }

    private static Tensor l1(Tensor x, Tensor y) {
        return x.sub(y).abs().sum(new int[] {-1}, false);
    }

    /**
     * The case's op on its inputs, the integer types PyTorchCases reads as float64 (int32, int16, int8, uint8: named in
     * the case by {@code dt=} or a word) cast back first.
     */
    private static Function<Tensor[], Tensor> op(String name) {
        Function<Tensor[], Tensor> f = untyped(name);
        List<String> words = Arrays.asList(name.split(" "));
        DType cast = null;
        for (String[] t : new String[][] {{"int32", "INT32"}, {"int16", "INT16"}, {"int8", "INT8"}, {"uint8", "UINT8"}}) {
            if (words.contains(t[0]) || words.contains("dt=" + t[0])) {
                cast = DType.valueOf(t[1]);
            }
        }
        if (cast == null) {
            return f;
        }
        DType to = cast;
        int which = words.contains("indices") ? 1 : 0;
        return x -> {
            Tensor[] y = x.clone();
            y[which] = x[which].detach().to(to);
            return f.apply(y);
        };
    }

    private static Function<Tensor[], Tensor> untyped(String name) {
        Map<String, String> a = args(name);
        String kind = name.split(" ")[0];
        boolean t = "1".equals(a.get("t"));
        switch (kind) {
            case "avg_pool2d": {
                int[] k = ints(a.get("k"));
                int[] s = ints(a.get("s"));
                int[] p = ints(a.get("p"));
                boolean ceil = "1".equals(a.get("ceil"));
                boolean cip = "1".equals(a.get("cip"));
                Integer div = Integer.valueOf(a.get("div"));
                return x -> Functional.avgPool2d(tr(x[0], t), k, s, p, ceil, cip, div);
            }
            case "avg_pool3d": {
                Integer div = a.containsKey("div") ? Integer.valueOf(a.get("div")) : null;
                return x -> Functional.avgPool3d(x[0], ints(a.get("k")), ints(a.get("s")), ints(a.get("p")),
                        "1".equals(a.get("ceil")), "1".equals(a.get("cip")), div);
            }
            case "lp_pool1d": {
                int k = Integer.parseInt(a.get("k"));
                int s = Integer.parseInt(a.get("s"));
                boolean ceil = "1".equals(a.get("ceil"));
                if (a.containsKey("nf")) {
                    double nf = Double.parseDouble(a.get("nf"));
                    return x -> Functional.lpPool1d(x[0], nf, k, s, ceil);
                }
                int n = Integer.parseInt(a.get("n"));
                return x -> Functional.lpPool1d(x[0], n, k, s, ceil);
            }
            case "lp_pool2d": {
                int[] k = ints(a.get("k"));
                int[] s = ints(a.get("s"));
                boolean ceil = "1".equals(a.get("ceil"));
                if (a.containsKey("nf")) {
                    double nf = Double.parseDouble(a.get("nf"));
                    return x -> Functional.lpPool2d(x[0], nf, k, s, ceil);
                }
                int n = Integer.parseInt(a.get("n"));
                return x -> Functional.lpPool2d(x[0], n, k, s, ceil);
            }
            case "lp_pool3d": {
                int[] k = ints(a.get("k"));
                int[] s = ints(a.get("s"));
                boolean ceil = "1".equals(a.get("ceil"));
                if (a.containsKey("nf")) {
                    double nf = Double.parseDouble(a.get("nf"));
                    return x -> Functional.lpPool3d(x[0], nf, k, s, ceil);
                }
                int n = Integer.parseInt(a.get("n"));
                return x -> Functional.lpPool3d(x[0], n, k, s, ceil);
            }
            case "max_unpool3d": {
                int[] k = ints(a.get("k"));
                int[] s = ints(a.get("s"));
                int[] p = a.containsKey("p") ? ints(a.get("p")) : new int[] {0};
                int[] out = ints(a.get("out"));
                return x -> Functional.maxUnpool3d(x[0], x[1], k, s, p, out);
            }
            case "channel_shuffle": {
                int g = Integer.parseInt(a.get("g"));
                return x -> Functional.channelShuffle(tr(x[0], t), g);
            }
            case "pdist": {
                double p = Double.parseDouble(a.get("p").replace("inf", "Infinity"));
                return x -> Functional.pdist(tr(x[0], t), p);
            }
            case "gumbel_softmax": {
                double tau = Double.parseDouble(a.get("tau"));
                boolean hard = "1".equals(a.get("hard"));
                int dim = Integer.parseInt(a.get("dim"));
                return x -> PoolingExtras.gumbelSoftmax(x[0], x[1], tau, hard, dim);
            }
            case "tmwdl": {
                BinaryOperator<Tensor> d = "l1".equals(a.get("dist")) ? FunctionalGapsTest::l1 : null;
                double margin = Double.parseDouble(a.get("margin"));
                boolean swap = "1".equals(a.get("swap"));
                String red = a.get("red");
                return x -> Functional.tripletMarginWithDistanceLoss(x[0], x[1], x[2], d, margin, swap, red);
            }
            case "fmp2d":
            case "fmp3d": {
                int[] k = ints(a.get("k"));
                int[] out = ints(a.get("out"));
                double[] ratio = doubles(a.get("ratio"));
                boolean idx = name.endsWith(" idx");
                // _random_samples is not differentiable: the script gave it no grad (except for the error case)
                boolean keep = name.endsWith("samples grad");
                return x -> {
                    Tensor samples = keep ? x[1] : x[1].detach();
                    Tensor.ValuesIndices r = kind.equals("fmp2d")
                            ? Functional.fractionalMaxPool2dWithIndices(tr(x[0], t), k, out, ratio, samples)
                            : Functional.fractionalMaxPool3dWithIndices(tr(x[0], t), k, out, ratio, samples);
                    return idx ? r.indices() : r.values();
                };
            }
            default:
                throw new IllegalStateException("no op for " + name);
        }
    }

    @TestFactory
    List<DynamicTest> againstPyTorch() {
        // float32: PyTorch's kernels may sum and divide in another order
        List<DynamicTest> named = new ArrayList<>();
        for (DynamicTest d : ReferenceCases.tests("/functionalgaps/expected.txt", FunctionalGapsTest::op, 2e-6)) {
            named.add(DynamicTest.dynamicTest(d.getDisplayName(), () -> {
                try {
                    d.getExecutable().execute();
                } catch (AssertionError e) {
                    throw new AssertionError(d.getDisplayName() + ": " + e.getMessage(), e);
                }
            }));
        }
        return named;
    }

    // ------------------------------------------------------------------ modules

    private static Map<String, String> moduleLines(String kind) throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        try (InputStream in = FunctionalGapsTest.class.getResourceAsStream("/functionalgaps/modules.txt")) {
            assertNotNull(in);
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith(kind + " ")) {
                    int tab = line.indexOf('\t');
                    m.put(line.substring(kind.length() + 1, tab), line.substring(tab + 1).replace("\\n", "\n"));
                }
            }
        }
        return m;
    }

    private static Map<String, Supplier<Module>> modules() {
        Map<String, Supplier<Module>> m = new LinkedHashMap<>();
        m.put("AvgPool2d divisor", () -> new AvgPool2d(new int[] {2}, null, new int[] {0}, false, true, 3));
        m.put("AvgPool2d full", () -> new AvgPool2d(new int[] {2, 3}, new int[] {1, 2}, new int[] {1}, true, false, 5));
        m.put("MaxUnpool3d 2", () -> new MaxUnpool3d(2));
        m.put("MaxUnpool3d full", () -> new MaxUnpool3d(new int[] {2, 1, 3}, new int[] {1}, new int[] {0, 0, 1}));
        m.put("ChannelShuffle 3", () -> new ChannelShuffle(3));
        m.put("TripletMarginWithDistanceLoss default", TripletMarginWithDistanceLoss::new);
        m.put("TripletMarginWithDistanceLoss l1",
                () -> new TripletMarginWithDistanceLoss(FunctionalGapsTest::l1, 0.5, false, "mean"));
        m.put("FractionalMaxPool2d size", () -> new FractionalMaxPool2d(3, 2));
        m.put("FractionalMaxPool3d ratio", () -> new FractionalMaxPool3d(2, 0.5));
        m.put("LPPool2d int", () -> new LPPool2d(2, 3));
        m.put("LPPool3d int", () -> new LPPool3d(2, 3));
        m.put("LPPool3d float", () -> new LPPool3d(1.5, new int[] {2, 1, 3}, new int[] {1, 2, 2}, true));
        return m;
    }

    @TestFactory
    List<DynamicTest> modulePrintingAndState() throws IOException {
        Map<String, String> reprs = moduleLines("repr");
        Map<String, String> keys = moduleLines("keys");
        List<DynamicTest> tests = new ArrayList<>();
        modules().forEach((name, make) -> tests.add(DynamicTest.dynamicTest(name, () -> {
            Module m = make.get();
            assertEquals(reprs.get(name), m.toString());
            assertEquals(keys.get(name), String.join(",", m.stateDict().keySet()));
        })));
        assertEquals(reprs.keySet(), modules().keySet());
        return tests;
    }

    @TestFactory
    List<DynamicTest> moduleConstructorErrors() throws IOException {
        Map<String, String> errors = moduleLines("error");
        Map<String, Runnable> make = new LinkedHashMap<>();
        make.put("FractionalMaxPool2d none", () -> new FractionalMaxPool2d(new int[] {2}, null, null, false));
        make.put("FractionalMaxPool2d both", () -> new FractionalMaxPool2d(new int[] {2}, new int[] {2}, new double[] {0.5},
                false));
        make.put("FractionalMaxPool2d ratio 1.5", () -> new FractionalMaxPool2d(2, 1.5));
        make.put("FractionalMaxPool3d ratio 0,0.5,0.5", () -> new FractionalMaxPool3d(new int[] {2}, null,
                new double[] {0.0, 0.5, 0.5}, false));
        make.put("TripletMarginWithDistanceLoss margin 0.0", () -> new TripletMarginWithDistanceLoss(null, 0.0, false, "mean"));
        assertEquals(errors.keySet(), make.keySet());
        List<DynamicTest> tests = new ArrayList<>();
        make.forEach((name, r) -> tests.add(DynamicTest.dynamicTest(name,
                () -> assertEquals(errors.get(name), assertThrows(IllegalArgumentException.class, r::run).getMessage()))));
        return tests;
    }

    @Test
    void modulesForward() {
        Tensor x = Tensor.arange(2 * 4 * 4 * 4 * 4).to(DType.FLOAT64).reshape(2, 4, 4, 4, 4);
        // the module's forward is the functional with its settings
        assertArrayEquals(Functional.channelShuffle(x, 2).toDoubleArray(), new ChannelShuffle(2).forward(x).toDoubleArray());
        Tensor.ValuesIndices vi = Functional.maxPool3dWithIndices(x, new int[] {2}, null, new int[] {0}, new int[] {1}, false);
        assertArrayEquals(Functional.maxUnpool3d(vi.values(), vi.indices(), 2).toDoubleArray(),
                new MaxUnpool3d(2).forward(vi.values(), vi.indices()).toDoubleArray());
        Tensor x4 = x.reshape(2, 4, 16, 4);
        assertArrayEquals(Functional.avgPool2d(x4, new int[] {2}, null, new int[] {0}, false, true, 3).toDoubleArray(),
                new AvgPool2d(new int[] {2}, null, new int[] {0}, false, true, 3).forward(x4).toDoubleArray());
        Tensor a = Tensor.arange(12).to(DType.FLOAT64).reshape(3, 4);
        Tensor p = a.mul(0.5);
        Tensor n = a.mul(-0.25);
        assertEquals(Functional.tripletMarginWithDistanceLoss(a, p, n).item(),
                new TripletMarginWithDistanceLoss().forward(a, p, n).item());
        // a fractional pooling module draws its samples: its values are maxima of windows of the kernel's size
        Tensor.ValuesIndices r = new FractionalMaxPool2d(new int[] {2}, new int[] {3}, null, true).forwardWithIndices(x4);
        assertArrayEquals(new int[] {2, 4, 3, 3}, r.values().shape());
        assertArrayEquals(r.values().toDoubleArray(), x4.flatten(2, -1).gather(2, r.indices().flatten(2, -1))
                .toDoubleArray());
        Tensor.ValuesIndices r3 = new FractionalMaxPool3d(new int[] {2}, null, new double[] {0.5}, true).forwardWithIndices(x);
        assertArrayEquals(new int[] {2, 4, 2, 2, 2}, r3.values().shape());
    }

    // ------------------------------------------------------------------ gradchecks

    @TestFactory
    List<DynamicTest> gradchecks() {
        Generator gen = new Generator(20);
        List<DynamicTest> t = new ArrayList<>();
        Tensor x4 = Tensor.rand(gen, DType.FLOAT64, 2, 2, 5, 6).requiresGrad_(true);
        t.add(DynamicTest.dynamicTest("avg_pool2d divisor", () -> assertTrue(Autograd.gradgradcheck(
                p -> Functional.avgPool2d(p[0], new int[] {3, 2}, new int[] {2, 1}, new int[] {1}, true, false, 5)
                        .mul(p[0].sum()), x4))));
        Tensor x5 = Tensor.rand(gen, DType.FLOAT64, 2, 2, 4, 4, 4);
        Tensor x5p = Tensor.rand(gen, DType.FLOAT64, 1, 2, 4, 4, 4).add(0.5).requiresGrad_(true);
        t.add(DynamicTest.dynamicTest("lp_pool3d", () -> assertTrue(Autograd.gradgradcheck(
                p -> Functional.lpPool3d(p[0], 3.0, new int[] {2, 1, 2}, new int[] {1}, true), x5p))));
        Tensor.ValuesIndices vi = Functional.maxPool3dWithIndices(x5, new int[] {2}, null, new int[] {0}, new int[] {1}, false);
        Tensor v = vi.values().requiresGrad_(true);
        t.add(DynamicTest.dynamicTest("max_unpool3d", () -> assertTrue(Autograd.gradgradcheck(
                p -> Functional.maxUnpool3d(p[0], vi.indices(), 2).mul(p[0].sum()), v))));
        Tensor c = Tensor.rand(gen, DType.FLOAT64, 2, 6, 3).requiresGrad_(true);
        t.add(DynamicTest.dynamicTest("channel_shuffle", () -> assertTrue(Autograd.gradgradcheck(
                p -> Functional.channelShuffle(p[0], 3).mul(p[0]), c))));
        Tensor rows = Tensor.rand(gen, DType.FLOAT64, 5, 3).requiresGrad_(true);
        for (double p : new double[] {2, 1, 0.5, 3, 1.5, Double.POSITIVE_INFINITY}) {
            t.add(DynamicTest.dynamicTest("pdist " + p, () -> assertTrue(Autograd.gradcheck(
                    q -> Functional.pdist(q[0], p), rows))));
        }
        Tensor logits = Tensor.rand(gen, DType.FLOAT64, 3, 4).requiresGrad_(true);
        Tensor gumbels = Tensor.rand(gen, DType.FLOAT64, 3, 4);
        for (boolean hard : new boolean[] {false, true}) {
            t.add(DynamicTest.dynamicTest("gumbel_softmax hard " + hard, () -> assertTrue(Autograd.gradgradcheck(
                    q -> PoolingExtras.gumbelSoftmax(q[0], gumbels, 0.7, hard, -1), logits))));
        }
        Tensor an = Tensor.rand(gen, DType.FLOAT64, 4, 5).requiresGrad_(true);
        Tensor po = Tensor.rand(gen, DType.FLOAT64, 4, 5).requiresGrad_(true);
        Tensor ne = Tensor.rand(gen, DType.FLOAT64, 4, 5).requiresGrad_(true);
        t.add(DynamicTest.dynamicTest("triplet_margin_with_distance_loss", () -> assertTrue(Autograd.gradcheck(
                q -> Functional.tripletMarginWithDistanceLoss(q[0], q[1], q[2], null, 1.5, true, "none"), an, po, ne))));
        Tensor f2 = Tensor.rand(gen, DType.FLOAT64, 2, 2, 7, 6).requiresGrad_(true);
        Tensor s2 = Tensor.rand(gen, DType.FLOAT64, 2, 2, 2);
        t.add(DynamicTest.dynamicTest("fractional_max_pool2d", () -> assertTrue(Autograd.gradgradcheck(
                q -> Functional.fractionalMaxPool2d(q[0], new int[] {2}, new int[] {4, 3}, null, s2).mul(q[0].sum()), f2))));
        Tensor f3 = Tensor.rand(gen, DType.FLOAT64, 1, 2, 5, 5, 5).requiresGrad_(true);
        Tensor s3 = Tensor.rand(gen, DType.FLOAT64, 1, 2, 3);
        t.add(DynamicTest.dynamicTest("fractional_max_pool3d", () -> assertTrue(Autograd.gradgradcheck(
                q -> Functional.fractionalMaxPool3d(q[0], new int[] {2}, new int[] {3}, null, s3).mul(q[0].sum()), f3))));
        return t;
    }

    private static Tensor grad(Tensor out, Tensor in, boolean createGraph) {
        return Autograd.grad(List.of(out), List.of(in), null, createGraph).get(0);
    }

    @Test
    void pdistIsNotTwiceDifferentiable() {
        Tensor rows = Tensor.rand(new Generator(4), DType.FLOAT64, 4, 3).requiresGrad_(true);
        Tensor g = grad(Functional.pdist(rows).sum(), rows, true);
        assertEquals("PdistBackwardBackward0", g.gradFn().name());
        Throwable e = assertThrows(IllegalStateException.class, () -> g.sum().backward());
        assertEquals("the derivative for '_pdist_backward' is not implemented.", e.getMessage());
    }

    @Test
    void avgPool2dDivisorDoubleBackwardNode() {
        Tensor x = Tensor.rand(new Generator(5), DType.FLOAT64, 1, 2, 4, 4).requiresGrad_(true);
        Tensor y = Functional.avgPool2d(x, new int[] {2}, null, new int[] {0}, false, true, 3);
        assertEquals("AvgPool2DBackward0", y.gradFn().name());
        // (the output gradient of y * y requires grad: the gradient's node is recorded)
        Tensor g = grad(y.mul(y).sum(), x, true);
        assertEquals("AvgPool2DBackwardBackward0", g.gradFn().name());
    }

    @Test
    void reducedFloatsSumInFloat32AndRoundOnce() {
        // avg_pool2d with a divisor: float16 and bfloat16 windows sum in float32, divided there and rounded once
        Tensor x = Tensor.rand(new Generator(6), DType.FLOAT32, 2, 3, 7, 8).mul(50.0);
        for (DType t : new DType[] {DType.BFLOAT16, DType.FLOAT16}) {
            Tensor xr = x.to(t);
            Tensor expected = Functional.avgPool2d(xr.to(DType.FLOAT32), new int[] {3}, new int[] {2}, new int[] {1}, true,
                    false, 7).to(t);
            Tensor got = Functional.avgPool2d(xr, new int[] {3}, new int[] {2}, new int[] {1}, true, false, 7);
            assertEquals(t, got.dtype());
            assertArrayEquals(expected.toDoubleArray(), got.toDoubleArray(), 0.0);
        }
    }

    // ------------------------------------------------------------------ gumbel_softmax's random samples

    @Test
    void gumbelSoftmaxProperties() {
        Ember.manualSeed(11);
        Tensor logits = Tensor.randn(DType.FLOAT64, 6, 5).requiresGrad_(true);
        Tensor soft = Functional.gumbelSoftmax(logits, 0.8, false, -1);
        double[] sums = soft.sum(new int[] {-1}, false).toDoubleArray();
        for (double s : sums) {
            assertEquals(1.0, s, 1e-12);
        }
        assertEquals("SoftmaxBackward0", soft.gradFn().name());
        // hard: one-hot rows at the soft sample's argmax (same noise: same seed), gradient equal to the soft one's
        Tensor w = Tensor.rand(new Generator(3), DType.FLOAT64, 6, 5);
        Ember.manualSeed(12);
        Tensor hard = Functional.gumbelSoftmax(logits, 0.8, true, -1);
        Tensor gHard = grad(hard.mul(w).sum(), logits, false);
        Ember.manualSeed(12);
        Tensor soft2 = Functional.gumbelSoftmax(logits, 0.8, false, -1);
        Tensor gSoft = grad(soft2.mul(w).sum(), logits, false);
        assertEquals("AddBackward0", hard.gradFn().name());
        double[] h = hard.toDoubleArray();
        long[] arg = soft2.argmax(-1, false).toLongArray();
        for (int r = 0; r < 6; r++) {
            for (int c = 0; c < 5; c++) {
                assertEquals(c == arg[r] ? 1.0 : 0.0, h[r * 5 + c], 1e-12);
            }
        }
        assertArrayEquals(gSoft.toDoubleArray(), gHard.toDoubleArray(), 1e-12);
        // other dimensions, float32
        Tensor s0 = Functional.gumbelSoftmax(Tensor.randn(DType.FLOAT32, 3, 4), 1.0, true, 0);
        for (double s : s0.sum(new int[] {0}, false).toDoubleArray()) {
            assertEquals(1.0, s, 1e-6);
        }
    }

    // ------------------------------------------------------------------ non-contiguous inputs

    @Test
    void nonContiguousInputsMatchContiguousCopies() {
        Generator gen = new Generator(8);
        Tensor v = Tensor.rand(gen, DType.FLOAT64, 2, 2, 3, 2, 4).transpose(-1, -3);
        Tensor.ValuesIndices vi = Functional.maxPool3dWithIndices(Tensor.rand(gen, DType.FLOAT64, 2, 2, 8, 4, 6),
                new int[] {2}, null, new int[] {0}, new int[] {1}, false);
        Tensor vals = vi.values().transpose(-1, -2);
        Tensor idx = vi.indices().transpose(-1, -2);
        assertArrayEquals(Functional.maxUnpool3d(vals.contiguous(), idx.contiguous(), 2).toDoubleArray(),
                Functional.maxUnpool3d(vals, idx, 2).toDoubleArray());
        assertArrayEquals(Functional.channelShuffle(v.contiguous(), 2).toDoubleArray(),
                Functional.channelShuffle(v, 2).toDoubleArray());
        Tensor s = Tensor.rand(gen, DType.FLOAT64, 2, 2, 3);
        assertArrayEquals(Functional.fractionalMaxPool3d(v.contiguous(), new int[] {2, 1, 2}, new int[] {2, 1, 1}, null, s)
                .toDoubleArray(), Functional.fractionalMaxPool3d(v, new int[] {2, 1, 2}, new int[] {2, 1, 1}, null, s)
                .toDoubleArray());
    }

    @Test
    void intervalsAsPyTorch() {
        // generate_intervals: the last window ends at the input's end, the first starts at 0
        int[] seq = PoolingExtras.intervals(0.999, 25, 7, 3, false);
        assertEquals(0, seq[0]);
        assertEquals(22, seq[6]);
        for (int i = 1; i < seq.length; i++) {
            assertTrue(seq[i] >= seq[i - 1]);
        }
    }
}
