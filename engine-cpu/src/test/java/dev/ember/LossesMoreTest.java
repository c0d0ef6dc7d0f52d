package dev.ember;

import dev.ember.nn.CosineSimilarity;
import dev.ember.nn.Functional;
import dev.ember.nn.GaussianNLLLoss;
import dev.ember.nn.HingeEmbeddingLoss;
import dev.ember.nn.Module;
import dev.ember.nn.MultiLabelMarginLoss;
import dev.ember.nn.MultiLabelSoftMarginLoss;
import dev.ember.nn.MultiMarginLoss;
import dev.ember.nn.PairwiseDistance;
import dev.ember.nn.PoissonNLLLoss;
import dev.ember.nn.SoftMarginLoss;
import dev.ember.nn.TripletMarginLoss;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The margin and likelihood losses and the distances against PyTorch (lossesmore/make_expected.py): soft margin,
 * multilabel soft margin, multi margin (p 1 and 2, margins, weights), multilabel margin (-1 padded targets, repeats),
 * hinge embedding, triplet margin (p, eps, swap), Poisson NLL (log input or rate, Stirling term), Gaussian NLL (PyTorch
 * 2.x's variance shapes and checks), pairwise distance, cosine similarity (2.x's formula), normalize and cdist (every p,
 * broadcast batches, empty): values and gradients in float64 and float32 for every reduction, the node and the first
 * path of nodes each records, PyTorch's errors (nothing computed), module printouts and state dicts; gradcheck and
 * gradgradcheck; non-contiguous inputs.
 */
class LossesMoreTest {

    /** One case of expected.txt: its lines by their first word. */
    private static List<ReferenceCases.Case> cases() {
        return ReferenceCases.byFirstWord("/lossesmore/expected.txt");
    }

    private static Tensor tensor(String line) {
        if (line.startsWith("int32 ")) {
            return PyTorchCases.tensor("int64" + line.substring(5)).to(DType.INT32);
        }
        if (line.startsWith("float16 ")) {
            return PyTorchCases.tensor("float64" + line.substring(7)).to(DType.FLOAT16);
        }
        if (line.startsWith("bfloat16 ")) {
            return PyTorchCases.tensor("float64" + line.substring(8)).to(DType.BFLOAT16);
        }
        return PyTorchCases.tensor(line);
    }

    private static Map<String, String> options(String call) {
        Map<String, String> o = new LinkedHashMap<>();
        String[] parts = call.trim().split(" ");
        for (int i = 1; i < parts.length; i++) {
            String[] kv = parts[i].split("=", 2);
            o.put(kv[0], kv[1]);
        }
        return o;
    }

    private static double num(String v) {
        return v.equals("inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(v);
    }

    /** Ember's function for an op of the script, with its options. */
    static Tensor run(String op, Tensor[] in, Map<String, String> o) {
        String red = o.getOrDefault("reduction", "mean");
        switch (op) {
            case "softmargin":
                return Functional.softMarginLoss(in[0], in[1], red);
            case "mlsm":
                return Functional.multilabelSoftMarginLoss(in[0], in[1], in.length > 2 ? in[2] : null, red);
            case "mm":
                return Functional.multiMarginLoss(in[0], in[1], Integer.parseInt(o.getOrDefault("p", "1")),
                        num(o.getOrDefault("margin", "1.0")), in.length > 2 ? in[2] : null, red);
            case "mlm":
                return Functional.multilabelMarginLoss(in[0], in[1], red);
            case "hinge":
                return Functional.hingeEmbeddingLoss(in[0], in[1], num(o.getOrDefault("margin", "1.0")), red);
            case "triplet":
                return Functional.tripletMarginLoss(in[0], in[1], in[2], num(o.getOrDefault("margin", "1.0")),
                        num(o.getOrDefault("p", "2")), num(o.getOrDefault("eps", "1e-6")),
                        o.getOrDefault("swap", "false").equals("true"), red);
            case "poisson":
                return Functional.poissonNllLoss(in[0], in[1], o.getOrDefault("log_input", "true").equals("true"),
                        o.getOrDefault("full", "false").equals("true"), num(o.getOrDefault("eps", "1e-8")), red);
            case "gaussian": {
                boolean full = o.getOrDefault("full", "false").equals("true");
                double eps = num(o.getOrDefault("eps", "1e-6"));
                return o.containsKey("var") ? Functional.gaussianNllLoss(in[0], in[1], num(o.get("var")), full, eps, red)
                        : Functional.gaussianNllLoss(in[0], in[1], in[2], full, eps, red);
            }
            case "pairwise":
                return Functional.pairwiseDistance(in[0], in[1], num(o.getOrDefault("p", "2")),
                        num(o.getOrDefault("eps", "1e-6")), o.getOrDefault("keepdim", "false").equals("true"));
            case "cosine":
                return Functional.cosineSimilarity(in[0], in[1], Integer.parseInt(o.getOrDefault("dim", "1")),
                        num(o.getOrDefault("eps", "1e-8")));
            case "normalize":
                return Functional.normalize(in[0], num(o.getOrDefault("p", "2")), Integer.parseInt(o.getOrDefault("dim", "1")),
                        num(o.getOrDefault("eps", "1e-12")));
            case "cdist":
                return Functional.cdist(in[0], in[1], num(o.getOrDefault("p", "2")));
            default:
                throw new IllegalArgumentException(op);
        }
    }

    private static Tensor[] inputs(ReferenceCases.Case c) {
        List<Tensor> in = new ArrayList<>();
        for (int i = 0; c.get("in" + i) != null; i++) {
            in.add(tensor(c.get("in" + i)));
        }
        return in.toArray(new Tensor[0]);
    }

    private static int[] gradIndices(ReferenceCases.Case c) {
        String g = c.get("grads");
        return g == null || g.isEmpty() ? new int[0] : Arrays.stream(g.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    /** Values equal to PyTorch's: float64 to 1e-12 relative, float32 to a few ulps (its kernels' summation order). */
    static void assertClose(Tensor expected, Tensor actual, String what) {
        assertClose(expected, actual, what, 1);
    }

    /**
     * {@link #assertClose(Tensor, Tensor, String)} with the tolerance times {@code loose}: cdist's matrix-product path
     * cancels ({@code |x1|^2 - 2 x1 x2 + |x2|^2}, and its backward {@code x1 sum(r) - r x2}), so its rounding depends on
     * the matmul's summation order.
     */
    static void assertClose(Tensor expected, Tensor actual, String what, double loose) {
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
            double tol = loose * (f32 ? 4e-6 * Math.max(Math.abs(e[i]), scale * 0.05) + 1e-7
                    : 1e-12 * Math.max(Math.abs(e[i]), scale) + 1e-15);
            assertEquals(e[i], a[i], tol, what + "[" + i + "]");
        }
    }

    /** The first path of nodes from an output, as the script's {@code chain}. */
    static String chain(Tensor t) {
        List<String> out = new ArrayList<>();
        Node fn = t.gradFn();
        for (int depth = 0; fn != null && depth < 8; depth++) {
            out.add(fn.name());
            Node next = null;
            for (Node f : fn.nextFunctions()) {
                if (f != null && !f.name().equals("AccumulateGrad")) {
                    next = f;
                    break;
                }
            }
            fn = next;
        }
        return String.join(",", out);
    }

    private static void checkCase(ReferenceCases.Case c, boolean strided) {
        String call = c.get("call");
        String op = call.trim().split(" ")[0];
        Map<String, String> o = options(call);
        Tensor[] in = inputs(c);
        if (strided) {
            // the same values read through a transposed copy: a non-contiguous view of each input
            for (int i = 0; i < in.length; i++) {
                if (in[i].dim() == 2 && in[i].numel() > 0) {
                    in[i] = in[i].t().contiguous().t();
                }
            }
        }
        int[] gi = gradIndices(c);
        for (int i : gi) {
            in[i].requiresGrad_(true);
        }
        Tensor out = run(op, in, o);
        double loose = c.key().startsWith("cdist/mm") ? 100 : 1;
        assertClose(tensor(c.get("out")), out, c.key() + " out", loose);
        if (gi.length == 0) {
            return;
        }
        List<Tensor> wrt = new ArrayList<>();
        for (int i : gi) {
            wrt.add(in[i]);
        }
        Tensor gout = tensor(c.get("gout"));
        List<Tensor> gs = Autograd.grad(List.of(out), wrt, List.of(gout), true, false, true);
        for (int k = 0; k < gi.length; k++) {
            Tensor g = gs.get(k) == null ? in[gi[k]].zerosLike() : gs.get(k);
            assertClose(tensor(c.get("g" + gi[k])), g, c.key() + " grad " + gi[k], loose);
        }
        assertEquals(c.get("node"), out.gradFn().name(), c.key() + " node");
        assertEquals(c.get("chain"), chain(out), c.key() + " chain");
    }

    @TestFactory
    List<DynamicTest> againstPyTorch() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ReferenceCases.Case c : cases()) {
            if (c.get("call") == null || c.key().startsWith("error/")) { // modules, autocast and cosine/long: own tests
                continue;
            }
            tests.add(DynamicTest.dynamicTest(c.key(), () -> checkCase(c, false)));
            if (c.key().contains("/f64")) {
                tests.add(DynamicTest.dynamicTest(c.key() + " strided", () -> checkCase(c, true)));
            }
        }
        assertTrue(tests.size() > 300, "cases read: " + tests.size());
        return tests;
    }

    @TestFactory
    List<DynamicTest> errorsAsPyTorch() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ReferenceCases.Case c : cases()) {
            if (!c.key().startsWith("error/")) {
                continue;
            }
            tests.add(DynamicTest.dynamicTest(c.key(), () -> {
                String call = c.get("call");
                String op = call.trim().split(" ")[0];
                String err = c.get("error");
                assertNotNull(err, c.key() + " failed in PyTorch");
                String type = err.substring(0, err.indexOf(' '));
                String message = err.substring(err.indexOf(' ') + 1);
                Tensor[] in = inputs(c);
                Class<? extends Throwable> expected = type.equals("IndexError") ? IndexOutOfBoundsException.class
                        : IllegalArgumentException.class;
                Throwable t = assertThrows(expected, () -> run(op, in, options(call)), c.key());
                assertEquals(message, t.getMessage(), c.key());
            }));
        }
        assertTrue(tests.size() > 30);
        return tests;
    }

    /** PyTorch 2.x's messages where 1.13's differ (checked in 2.x's sources; see make_expected.py). */
    @Test
    void pytorch2Messages() {
        Tensor x = Tensor.ones(2, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Functional.tripletMarginLoss(Tensor.ones(3), x, x));
        assertEquals("The anchor, positive, and negative tensors are expected to have the same number of dimensions, but got: "
                + "anchor 1D, positive 2D, and negative 2D inputs", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Functional.multiMarginLoss(x, Tensor.tensor(new long[] {0, 1, 2})));
        assertEquals("inconsistent target size, expected 2 but got [3]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Functional.multiMarginLoss(x, Tensor.tensor(new long[] {0, 1}).reshape(2, 1)));
        assertEquals("inconsistent target size, expected 2 but got [2, 1]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Functional.multiMarginLoss(x, Tensor.tensor(new long[] {0, 1}), 1, 1.0, Tensor.ones(4), "mean"));
        assertEquals("inconsistent weight size, expected 3 but got [4]", e.getMessage());
        // PyTorch 2.x's Tensor.norm is linalg.vector_norm, whose message F.normalize gives for integers
        e = assertThrows(IllegalArgumentException.class, () -> Functional.normalize(Tensor.ones(2, 3).to(DType.INT64)));
        assertEquals("linalg.vector_norm: Expected a floating point or complex tensor as input. Got Long", e.getMessage());
    }

    @Test
    void notDifferentiableArguments() {
        Tensor x = Tensor.randn(2, 3).requiresGrad_(true);
        Tensor t = Tensor.randn(2, 3).requiresGrad_(true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Functional.softMarginLoss(x, t));
        assertEquals("The function 'soft_margin_loss' is not differentiable with respect to argument 'target'. This input "
                + "cannot have requires_grad True.", e.getMessage());
        Tensor w = Tensor.ones(3).requiresGrad_(true);
        e = assertThrows(IllegalArgumentException.class,
                () -> Functional.multiMarginLoss(x, Tensor.tensor(new long[] {0, 1}), 1, 1.0, w, "mean"));
        assertEquals("The function 'multi_margin_loss' is not differentiable with respect to argument 'weight'. This input "
                + "cannot have requires_grad True.", e.getMessage());
        assertNull(x.grad());
    }

    @Test
    void cosineOfIntegers() {
        PyTorchCases py = new PyTorchCases("/lossesmore/expected.txt");
        String body = py.field("cosine/long", "error");
        assertEquals("expected common dtype to be floating point, yet common dtype is Long", body.substring(body.indexOf(' ') + 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Functional.cosineSimilarity(
                Tensor.ones(2, 3).to(DType.INT64), Tensor.ones(2, 3).to(DType.INT64)));
        assertEquals(body.substring(body.indexOf(' ') + 1), e.getMessage());
        // an integer input with a floating one takes the common type
        Tensor r = Functional.cosineSimilarity(Tensor.tensor(new long[] {1, 2}).reshape(1, 2), Tensor.tensor(new double[] {3, 1},
                DType.FLOAT32).reshape(1, 2));
        assertArrayEquals(PyTorchCases.numbers(py.field("cosine/long", "value")), r.to(DType.FLOAT64).toDoubleArray(), 1e-6);
    }

    @Test
    void autocastRunsInFloat32() {
        PyTorchCases py = new PyTorchCases("/lossesmore/expected.txt");
        Tensor xb = Tensor.randn(3, 4).to(DType.BFLOAT16);
        List<Tensor> outs = new ArrayList<>();
        try (AutocastMode ac = Ember.autocast(DeviceType.CPU, DType.BFLOAT16)) {
            outs.add(Functional.softMarginLoss(xb, xb.sign()));
            outs.add(Functional.multiMarginLoss(xb, Tensor.tensor(new long[] {0, 1, 2})));
            outs.add(Functional.cdist(xb, xb));
            outs.add(Functional.tripletMarginLoss(xb, xb, xb));
            outs.add(Functional.hingeEmbeddingLoss(xb, xb.sign()));
            outs.add(Functional.poissonNllLoss(xb, xb.abs()));
            outs.add(Functional.multilabelMarginLoss(xb, Tensor.tensor(new long[] {0, -1, 0, 0, 0, -1, 0, 0, 0, -1, 0, 0})
                    .reshape(3, 4)));
        }
        List<String> dtypes = new ArrayList<>();
        for (Tensor o : outs) {
            dtypes.add(o.dtype().toString());
        }
        assertEquals(py.field("autocast", "dtypes"), String.join(",", dtypes));
    }

    @Test
    void modulesAsPyTorch() {
        Map<String, Module> mods = new LinkedHashMap<>();
        mods.put("SoftMarginLoss", new SoftMarginLoss());
        mods.put("MultiLabelSoftMarginLoss", new MultiLabelSoftMarginLoss(Tensor.ones(3), "mean"));
        mods.put("MultiMarginLoss", new MultiMarginLoss(2, 0.5, null, "mean"));
        mods.put("MultiLabelMarginLoss", new MultiLabelMarginLoss());
        mods.put("HingeEmbeddingLoss", new HingeEmbeddingLoss(2.0, "mean"));
        mods.put("TripletMarginLoss", new TripletMarginLoss(1.0, 2.0, 1e-6, true, "mean"));
        mods.put("PoissonNLLLoss", new PoissonNLLLoss(true, true, 1e-8, "mean"));
        mods.put("GaussianNLLLoss", new GaussianNLLLoss());
        mods.put("PairwiseDistance", new PairwiseDistance(1.0, 1e-6, false));
        mods.put("CosineSimilarity", new CosineSimilarity(0, 1e-8));
        PyTorchCases py = new PyTorchCases("/lossesmore/expected.txt");
        for (Map.Entry<String, Module> m : mods.entrySet()) {
            assertEquals(py.field("module/" + m.getKey(), "repr"), m.getValue().toString(), m.getKey());
            String keys;
            try {
                keys = py.field("module/" + m.getKey(), "keys");
            } catch (IllegalStateException none) {
                keys = "";
            }
            assertEquals(keys, String.join(",", m.getValue().stateDict().keySet()), m.getKey());
        }
    }

    @Test
    void modulesCompute() {
        Tensor x = Tensor.randn(3, 4).to(DType.FLOAT64);
        Tensor y = Tensor.randn(3, 4).to(DType.FLOAT64);
        Tensor t = Tensor.tensor(new long[] {0, 3, 1});
        assertClose(Functional.softMarginLoss(x, y.sign()), new SoftMarginLoss().forward(x, y.sign()), "SoftMarginLoss");
        Tensor w = Tensor.rand(4).to(DType.FLOAT64);
        assertClose(Functional.multiMarginLoss(x, t, 2, 0.5, w, "sum"), new MultiMarginLoss(2, 0.5, w, "sum").forward(x, t),
                "MultiMarginLoss");
        assertClose(Functional.multilabelSoftMarginLoss(x, y.gt(0.0).to(DType.FLOAT64), w, "none"),
                new MultiLabelSoftMarginLoss(w, "none").forward(x, y.gt(0.0).to(DType.FLOAT64)), "MultiLabelSoftMarginLoss");
        assertClose(Functional.tripletMarginLoss(x, y, x.neg(), 0.5, 1.0, 1e-6, true, "none"),
                new TripletMarginLoss(0.5, 1.0, 1e-6, true, "none").forward(x, y, x.neg()), "TripletMarginLoss");
        assertClose(Functional.gaussianNllLoss(x, y, y.abs(), true, 1e-6, "sum"),
                new GaussianNLLLoss(true, 1e-6, "sum").forward(x, y, y.abs()), "GaussianNLLLoss");
        assertClose(Functional.cosineSimilarity(x, y, 0, 1e-8), new CosineSimilarity(0, 1e-8).forward(x, y), "CosineSimilarity");
        assertClose(Functional.pairwiseDistance(x, y, 3.0, 1e-6, true), new PairwiseDistance(3.0, 1e-6, true).forward(x, y),
                "PairwiseDistance");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TripletMarginLoss().forward(x));
        assertEquals("TripletMarginLoss.forward() missing 2 required positional arguments: 'positive' and 'negative'",
                e.getMessage());
    }

    private static Tensor d(int... shape) {
        return Tensor.randn(shape).to(DType.FLOAT64);
    }

    @TestFactory
    List<DynamicTest> gradcheck() {
        Tensor t = Tensor.tensor(new long[] {0, 3, 4, 1});
        Tensor tl = Tensor.tensor(new long[] {3, 0, -1, 1, 2, 1, 1, 4, -1, -1, -1, 0, 1, 2, 3, 4, 3, 2, 1, 0}).reshape(4, 5);
        Tensor pm = d(4, 5).sign();
        Tensor w = Tensor.rand(5).to(DType.FLOAT64).add(0.5);
        Tensor rate = Tensor.rand(4, 5).to(DType.FLOAT64).mul(4.0);
        Map<String, Object[]> fs = new LinkedHashMap<>();
        // name -> {function, inputs, twice differentiable in PyTorch}
        fs.put("soft_margin", new Object[] {(Function<Tensor[], Tensor>) a -> Functional.softMarginLoss(a[0], pm, "sum"),
            new Tensor[] {d(4, 5)}, true});
        fs.put("multilabel_soft_margin", new Object[] {(Function<Tensor[], Tensor>) a ->
            Functional.multilabelSoftMarginLoss(a[0], pm.gt(0.0).to(DType.FLOAT64), w, "mean"), new Tensor[] {d(4, 5)}, true});
        fs.put("multi_margin p1", new Object[] {(Function<Tensor[], Tensor>) a -> Functional.multiMarginLoss(a[0], t, 1, 1.0, w,
            "none"), new Tensor[] {d(4, 5)}, false});
        fs.put("multi_margin p2", new Object[] {(Function<Tensor[], Tensor>) a -> Functional.multiMarginLoss(a[0], t, 2, 0.7, null,
            "mean"), new Tensor[] {d(4, 5)}, false});
        fs.put("multilabel_margin", new Object[] {(Function<Tensor[], Tensor>) a -> Functional.multilabelMarginLoss(a[0], tl,
            "none"), new Tensor[] {d(4, 5)}, false});
        fs.put("hinge_embedding", new Object[] {(Function<Tensor[], Tensor>) a -> Functional.hingeEmbeddingLoss(a[0], pm, 0.5,
            "sum"), new Tensor[] {d(4, 5)}, false}); // piecewise linear: its gradient does not depend on the input
        fs.put("triplet swap", new Object[] {(Function<Tensor[], Tensor>) a -> Functional.tripletMarginLoss(a[0], a[1], a[2], 2.0,
            2.0, 1e-6, true, "none"), new Tensor[] {d(4, 5), d(4, 5), d(4, 5)}, true});
        fs.put("triplet p3", new Object[] {(Function<Tensor[], Tensor>) a -> Functional.tripletMarginLoss(a[0], a[1], a[2], 3.0,
            3.0, 1e-6, false, "mean"), new Tensor[] {d(4, 5), d(4, 5), d(4, 5)}, true});
        fs.put("poisson full", new Object[] {(Function<Tensor[], Tensor>) a -> Functional.poissonNllLoss(a[0], rate, true, true,
            1e-8, "mean"), new Tensor[] {d(4, 5)}, true});
        fs.put("poisson rate", new Object[] {(Function<Tensor[], Tensor>) a -> Functional.poissonNllLoss(a[0].abs().add(0.1), a[1],
            false, true, 1e-8, "sum"), new Tensor[] {d(4, 5), rate.clone()}, true});
        fs.put("gaussian", new Object[] {(Function<Tensor[], Tensor>) a -> Functional.gaussianNllLoss(a[0], a[1], a[2].abs()
            .add(0.1), true, 1e-6, "none"), new Tensor[] {d(4, 5), d(4, 5), d(4)}, true});
        fs.put("pairwise p2", new Object[] {(Function<Tensor[], Tensor>) a -> Functional.pairwiseDistance(a[0], a[1]),
            new Tensor[] {d(4, 5), d(5)}, true});
        fs.put("pairwise p1.5", new Object[] {(Function<Tensor[], Tensor>) a -> Functional.pairwiseDistance(a[0], a[1], 1.5, 1e-6,
            true), new Tensor[] {d(4, 5), d(4, 5)}, true});
        fs.put("cosine", new Object[] {(Function<Tensor[], Tensor>) a -> Functional.cosineSimilarity(a[0], a[1], -1, 1e-8),
            new Tensor[] {d(4, 5), d(5)}, true});
        fs.put("normalize", new Object[] {(Function<Tensor[], Tensor>) a -> Functional.normalize(a[0], 3.0, 0, 1e-12),
            new Tensor[] {d(4, 5)}, true});
        fs.put("cdist p2", new Object[] {(Function<Tensor[], Tensor>) a -> Functional.cdist(a[0], a[1]),
            new Tensor[] {d(2, 3, 4), d(5, 4)}, false});
        fs.put("cdist p2 matrix product", new Object[] {(Function<Tensor[], Tensor>) a -> Functional.cdist(a[0], a[1]),
            new Tensor[] {d(27, 3), d(4, 3)}, true});
        fs.put("cdist p2 matrix product batch", new Object[] {(Function<Tensor[], Tensor>) a -> Functional.cdist(a[0], a[1]),
            new Tensor[] {d(2, 1, 26, 2), d(3, 4, 2)}, true});
        fs.put("cdist p1", new Object[] {(Function<Tensor[], Tensor>) a -> Functional.cdist(a[0], a[1], 1.0),
            new Tensor[] {d(3, 4), d(5, 4)}, false});
        fs.put("cdist p3", new Object[] {(Function<Tensor[], Tensor>) a -> Functional.cdist(a[0], a[1], 3.0),
            new Tensor[] {d(3, 4), d(2, 4)}, false});
        fs.put("cdist p0.5", new Object[] {(Function<Tensor[], Tensor>) a -> Functional.cdist(a[0], a[1], 0.5),
            new Tensor[] {d(3, 4), d(2, 4)}, false});
        fs.put("cdist inf", new Object[] {(Function<Tensor[], Tensor>) a -> Functional.cdist(a[0], a[1], Double.POSITIVE_INFINITY),
            new Tensor[] {d(3, 4), d(2, 4)}, false});
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, Object[]> e : fs.entrySet()) {
            @SuppressWarnings("unchecked")
            Function<Tensor[], Tensor> f = (Function<Tensor[], Tensor>) e.getValue()[0];
            Tensor[] in = (Tensor[]) e.getValue()[1];
            for (Tensor x : in) {
                x.requiresGrad_(true);
            }
            tests.add(DynamicTest.dynamicTest("gradcheck " + e.getKey(), () -> assertTrue(Autograd.gradcheck(f, in))));
            if ((Boolean) e.getValue()[2]) {
                tests.add(DynamicTest.dynamicTest("gradgradcheck " + e.getKey(), () -> assertTrue(Autograd.gradgradcheck(f, in))));
            }
        }
        return tests;
    }

    @Test
    void errorsChangeNothing() {
        Tensor x = Tensor.randn(2, 3).requiresGrad_(true);
        assertThrows(IllegalArgumentException.class, () -> Functional.multiMarginLoss(x, Tensor.tensor(new long[] {0, 7})));
        assertThrows(IllegalArgumentException.class, () -> Functional.multilabelMarginLoss(x,
                Tensor.tensor(new long[] {0, 1, 5, 0, -1, 2}).reshape(2, 3)));
        assertThrows(IllegalArgumentException.class, () -> Functional.gaussianNllLoss(x, x.detach(), Tensor.ones(2, 3).neg()));
        assertNull(x.grad());
        assertNull(x.gradFn());
    }
    /**
     * p = 0 counts the differing coordinates: PyTorch's norm_backward gives no gradient for it, so {@code .grad} stays
     * None ({@code F.pairwise_distance(a, b, p=0).sum().backward()} leaves {@code a.grad} None in PyTorch 1.13).
     */
    @Test
    void pairwiseDistanceOfOrderZeroGivesNoGradient() {
        Tensor a = Tensor.tensor(new double[][] {{1, 0, 2}}).requiresGrad_(true);
        Tensor d = Functional.pairwiseDistance(a, Tensor.zeros(DType.FLOAT64, 1, 3), 0, 1e-6, false);
        assertEquals("NormBackward1", d.gradFn().name());
        d.sum().backward();
        assertNull(a.grad());
    }
}
