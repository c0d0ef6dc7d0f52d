package dev.ember;

import dev.ember.nn.Functional;
import dev.ember.nn.Init;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 15's layer ops against PyTorch (layers/make_expected.py): the fused activations, layer/RMS/group/batch/instance
 * norm (with their statistics and running statistics), embedding and embedding_bag, and the losses PyTorch composes
 * (kl_div, cosine_embedding_loss, margin_ranking_loss): values, gradients of every input, the node of the output, on
 * contiguous and on non-contiguous inputs; and every error case's message, with the inputs unchanged.
 */
class LayersTest {
    static final PyTorchCases TORCH = new PyTorchCases("/layers/expected.txt");

    /** A tensor of a case, from its line {@code name dtype [shape] : values}. */
    static Tensor tensor(String key, String name) {
        return PyTorchCases.tensor(TORCH.field(key, name));
    }

    static boolean has(String key, String name) {
        try {
            TORCH.field(key, name);
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    /** Elementwise closeness for the type: float64 to 1e-9 relative, float32 to 2e-5 (NaN matches NaN). */
    static void assertClose(String what, Tensor expected, Tensor actual) {
        assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
        assertEquals(expected.dtype(), actual.dtype(), what + " dtype");
        double[] e = expected.toDoubleArray();
        double[] a = actual.toDoubleArray();
        boolean single = expected.dtype() == DType.FLOAT32;
        double rtol = single ? 2e-5 : 1e-9;
        double atol = single ? 2e-5 : 1e-10;
        for (int i = 0; i < e.length; i++) {
            boolean ok = Double.isNaN(e[i]) ? Double.isNaN(a[i])
                    : e[i] == a[i] || Math.abs(e[i] - a[i]) <= atol + rtol * Math.abs(e[i]);
            if (!ok) {
                throw new AssertionError(what + ": element " + i + " expected " + e[i] + " but was " + a[i] + "\nexpected "
                        + Arrays.toString(e) + "\nactual   " + Arrays.toString(a));
            }
        }
    }

    static void assertField(String key, String name, Tensor actual) {
        assertClose(key + " " + name, tensor(key, name), actual);
    }

    /** The same values in a non-contiguous layout (a transposed copy transposed back; stride 2 for a vector). */
    static Tensor nonContiguous(Tensor t) {
        if (t.dim() >= 2) {
            return t.transpose(-1, -2).contiguous().transpose(-1, -2);
        }
        if (t.dim() == 1) {
            return Tensor.stack(List.of(t, t), 1).select(1, 0);
        }
        return t;
    }

    /** One case: the Ember computation from the named inputs (leaves, in the script's order). */
    interface Op {
        Tensor apply(Map<String, Tensor> in);
    }

    private static final String[] INPUT_NAMES = {"x", "w", "b", "i", "o", "p", "rm", "rv", "t", "a"};

    /** The inputs of a case, in the script's order: every line before "out" that holds a tensor. */
    static Map<String, Tensor> inputs(String key) {
        Map<String, Tensor> in = new LinkedHashMap<>();
        for (String n : INPUT_NAMES) {
            if (has(key, n)) {
                in.put(n, tensor(key, n));
            }
        }
        return in;
    }

    /**
     * Runs a case: outputs, gradients of sum(out * gout) for every floating input, and the node, compared with
     * PyTorch's; with {@code layouts}, again on non-contiguous copies of the inputs.
     */
    static void run(String key, Op op, boolean layouts) {
        for (int pass = 0; pass < (layouts ? 2 : 1); pass++) {
            Map<String, Tensor> leaves = inputs(key);
            Map<String, Tensor> used = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> e : leaves.entrySet()) {
                Tensor t = e.getValue();
                if (t.dtype().isFloatingPoint()) {
                    t.requiresGrad_(true);
                }
                used.put(e.getKey(), pass == 1 && t.dtype().isFloatingPoint() ? nonContiguous(t) : t);
            }
            String label = key + (pass == 1 ? " (non-contiguous)" : "");
            Tensor out = op.apply(used);
            assertClose(label + " out", tensor(key, "out"), out);
            assertEquals(TORCH.field(key, "node"), out.gradFn() == null ? "None" : out.gradFn().name(), label + " node");
            if (has(key, "gout")) {
                out.backward(tensor(key, "gout"));
                for (Map.Entry<String, Tensor> e : leaves.entrySet()) {
                    String g = "grad_" + e.getKey();
                    if (has(key, g)) {
                        assertClose(label + " " + g, tensor(key, g), e.getValue().grad());
                    } else if (e.getValue().dtype().isFloatingPoint()) {
                        Tensor grad = e.getValue().grad();
                        assertTrue(grad == null || grad.abs().sum().item() == 0, label + " " + g + " should be absent");
                    }
                }
            }
        }
    }

    /** The Java exception type for PyTorch's: IndexError, NotImplementedError, else IllegalArgumentException. */
    static Class<? extends Throwable> errorType(String key) {
        String l = TORCH.field(key, "error");
        String type = l.substring(0, l.indexOf(' '));
        switch (type) {
            case "IndexError": return IndexOutOfBoundsException.class;
            case "NotImplementedError": return UnsupportedOperationException.class;
            default: return IllegalArgumentException.class;
        }
    }

    /** PyTorch's message of an error case, newlines restored. */
    static String message(String key) {
        return TORCH.error(key).replace("\\n", "\n");
    }

    /** The call fails as PyTorch's did, with its message, and leaves {@code untouched} as they were. */
    static void fails(String key, Executable call, Tensor... untouched) {
        double[][] before = new double[untouched.length][];
        int[] versions = new int[untouched.length];
        for (int i = 0; i < untouched.length; i++) {
            before[i] = untouched[i].toDoubleArray();
            versions[i] = untouched[i].version();
        }
        Throwable e = assertThrows(errorType(key), call, key);
        assertEquals(message(key), e.getMessage().strip(), key); // the script's lines lose a trailing space
        for (int i = 0; i < untouched.length; i++) {
            assertArrayEquals(before[i], untouched[i].toDoubleArray(), key + ": input " + i + " changed");
            assertEquals(versions[i], untouched[i].version(), key + ": input " + i + " version");
        }
    }

    // ------------------------------------------------------------------ activations

    static Map<String, Function<Tensor, Tensor>> activations() {
        Map<String, Function<Tensor, Tensor>> a = new LinkedHashMap<>();
        a.put("gelu", Functional::gelu);
        a.put("gelu_tanh", x -> Functional.gelu(x, "tanh"));
        a.put("leaky_relu", Functional::leakyRelu);
        a.put("leaky_relu_02", x -> Functional.leakyRelu(x, 0.2));
        a.put("elu", Functional::elu);
        a.put("elu_05", x -> Functional.elu(x, 0.5));
        a.put("selu", Functional::selu);
        a.put("celu", x -> Functional.celu(x, 0.7));
        a.put("silu", Functional::silu);
        a.put("mish", Functional::mish);
        a.put("softplus", Functional::softplus);
        a.put("softplus_b2_t5", x -> Functional.softplus(x, 2.0, 5.0));
        a.put("hardtanh", Functional::hardtanh);
        a.put("hardtanh_m05_2", x -> Functional.hardtanh(x, -0.5, 2.0));
        a.put("relu6", Functional::relu6);
        a.put("hardswish", Functional::hardswish);
        return a;
    }

    @TestFactory
    List<DynamicTest> activationValuesAndGradients() {
        List<DynamicTest> t = new ArrayList<>();
        for (Map.Entry<String, Function<Tensor, Tensor>> e : activations().entrySet()) {
            String key = "act_" + e.getKey();
            t.add(DynamicTest.dynamicTest(key, () -> run(key, in -> e.getValue().apply(in.get("x")), true)));
            String k32 = "act32_" + e.getKey();
            if (has(k32, "out")) {
                t.add(DynamicTest.dynamicTest(k32, () -> run(k32, in -> e.getValue().apply(in.get("x")), true)));
            }
        }
        t.add(DynamicTest.dynamicTest("act_hardtanh_long", () -> run("act_hardtanh_long",
                in -> Functional.hardtanh(in.get("x"), -1.5, 2.5), false)));
        return t;
    }

    @TestFactory
    List<DynamicTest> activationErrors() {
        List<DynamicTest> t = new ArrayList<>();
        for (Map.Entry<String, Function<Tensor, Tensor>> e : activations().entrySet()) {
            String key = "act_err_long_" + e.getKey();
            if (!e.getKey().startsWith("hardtanh") && !e.getKey().equals("relu6")) {
                Tensor x = Tensor.tensor(new long[] {1, 2});
                t.add(DynamicTest.dynamicTest(key, () -> fails(key, () -> e.getValue().apply(x), x)));
            }
        }
        Tensor x = Tensor.randn(2);
        t.add(DynamicTest.dynamicTest("gelu approximate", () -> fails("act_err_gelu_approximate",
                () -> Functional.gelu(x, "exact"), x)));
        t.add(DynamicTest.dynamicTest("hardtanh bool", () -> fails("act_err_hardtanh_bool",
                () -> Functional.hardtanh(Tensor.tensor(new boolean[] {true})))));
        t.add(DynamicTest.dynamicTest("celu 0", () -> fails("act_err_celu_zero", () -> Functional.celu(x, 0.0), x)));
        return t;
    }

    @Test
    void seluIsEluWithPyTorchsConstants() {
        Tensor x = Tensor.tensor(new double[] {-2, -0.5, 0, 1.5}, DType.FLOAT64);
        assertClose("selu", NNFunctions.elu(x, 1.6732632423543772848170429916717, 1.0507009873554804934193349852946, 1.0),
                Functional.selu(x));
    }

    // ------------------------------------------------------------------ dropout

    @Test
    void dropoutIsOneNativeDropoutNode() {
        Tensor x = Tensor.rand(new Generator(3), DType.FLOAT64, 200, 50).add(0.5).requiresGrad_(true);
        Tensor y = Functional.dropout(x, 0.3, true);
        assertEquals(TORCH.field("node_native_dropout", "node"), y.gradFn().name());
        Tensor kept = y.ne(0.0);
        // each element is dropped, or kept and scaled by 1 / (1 - p)
        assertClose("kept values", Tensor.where(kept, x.detach().div(0.7), 0.0), y.detach());
        double fraction = kept.sum().item() / 10000.0;
        assertTrue(Math.abs(fraction - 0.7) < 0.03, "kept fraction " + fraction);
        Tensor g = Tensor.rand(new Generator(4), DType.FLOAT64, 200, 50);
        y.backward(g);
        assertClose("grad", Tensor.where(kept, g.div(0.7), 0.0), x.grad());
        // a dropped NaN stays NaN, as PyTorch's input * mask
        Tensor nan = Tensor.full(new int[] {1000}, Double.NaN);
        assertTrue(Functional.dropout(nan, 0.5, true).isnan().all());
        // outside training, p 0 and empty inputs: the input itself; p 1: x * 0
        assertTrue(Functional.dropout(x, 0.3, false) == x);
        assertTrue(Functional.dropout(x, 0.0, true) == x);
        Tensor zero = Functional.dropout(x, 1.0, true);
        assertEquals("MulBackward0", zero.gradFn().name());
        assertEquals(0.0, zero.abs().sum().item());
        assertTrue(Autograd.gradcheck(in -> {
            Ember.manualSeed(5);
            return Functional.dropout(in[0], 0.4, true);
        }, Tensor.rand(new Generator(6), DType.FLOAT64, 3, 4).requiresGrad_(true)));
    }

    // ------------------------------------------------------------------ normalization

    @TestFactory
    List<DynamicTest> layerNorm() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(norm("ln_affine", in -> Functional.layerNorm(in.get("x"), new int[] {4}, in.get("w"), in.get("b"), 1e-5),
                in -> Tensor.nativeLayerNorm(in.get("x"), new int[] {4}, in.get("w"), in.get("b"), 1e-5)));
        t.add(norm("ln_2d_weight", in -> Functional.layerNorm(in.get("x"), new int[] {3, 4}, in.get("w"), null, 1e-3), null));
        t.add(norm("ln_plain", in -> Functional.layerNorm(in.get("x"), new int[] {5}),
                in -> Tensor.nativeLayerNorm(in.get("x"), new int[] {5}, null, null, 1e-5)));
        t.add(norm("ln_f32", in -> Functional.layerNorm(in.get("x"), new int[] {6}, in.get("w"), in.get("b"), 1e-5), null));
        t.add(norm("ln_odd", in -> Functional.layerNorm(in.get("x"), new int[] {13}, in.get("w"), in.get("b"), 1e-5), null));
        t.add(norm("ln_empty_rows", in -> Functional.layerNorm(in.get("x"), new int[] {4}, in.get("w"), in.get("b"), 1e-5),
                null));
        return t;
    }

    /** A norm case, and its statistics (mean, rstd) when {@code stats} is given. */
    private static DynamicTest norm(String key, Op op, Function<Map<String, Tensor>, NormResult> stats) {
        return DynamicTest.dynamicTest(key, () -> {
            run(key, op, true);
            if (stats != null) {
                NormResult r = stats.apply(inputs(key));
                assertField(key, "mean", r.mean());
                assertField(key, "rstd", r.rstd());
            }
        });
    }

    @Test
    void layerNormErrors() {
        Tensor x = Tensor.randn(2, 3);
        fails("ln_err_empty_shape", () -> Functional.layerNorm(x, new int[0]), x);
        fails("ln_err_weight", () -> Functional.layerNorm(x, new int[] {3}, Tensor.ones(4), null, 1e-5), x);
        fails("ln_err_bias", () -> Functional.layerNorm(x, new int[] {3}, null, Tensor.ones(2, 3), 1e-5), x);
        fails("ln_err_input", () -> Functional.layerNorm(x, new int[] {2, 3, 4}), x);
        fails("ln_err_input2", () -> Functional.layerNorm(Tensor.randn(2, 3, 5), new int[] {4, 5}));
        fails("ln_err_long", () -> Functional.layerNorm(Tensor.tensor(new long[][] {{1, 2}}), new int[] {2}));
        fails("ln_err_weight_type", () -> Functional.layerNorm(x, new int[] {3}, Tensor.ones(DType.FLOAT64, 3), null, 1e-5),
                x);
    }

    @TestFactory
    List<DynamicTest> rmsNorm() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(norm("rms_weight", in -> Functional.rmsNorm(in.get("x"), new int[] {4}, in.get("w"), null), null));
        t.add(norm("rms_eps", in -> Functional.rmsNorm(in.get("x"), new int[] {3, 4}, in.get("w"), 1e-2), null));
        t.add(norm("rms_plain", in -> Functional.rmsNorm(in.get("x"), new int[] {5}, null, null), null));
        t.add(norm("rms_f32", in -> Functional.rmsNorm(in.get("x"), new int[] {7}, in.get("w"), null), null));
        t.add(DynamicTest.dynamicTest("default eps", () -> {
            assertEquals(Double.parseDouble(TORCH.field("rms_eps_default", "float32")), NormOps.machineEpsilon(DType.FLOAT32));
            assertEquals(Double.parseDouble(TORCH.field("rms_eps_default", "float64")), NormOps.machineEpsilon(DType.FLOAT64));
        }));
        return t;
    }

    @TestFactory
    List<DynamicTest> groupNorm() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(norm("gn_affine", in -> Functional.groupNorm(in.get("x"), 3, in.get("w"), in.get("b"), 1e-5),
                in -> Tensor.nativeGroupNorm(in.get("x"), in.get("w"), in.get("b"), 3, 1e-5)));
        t.add(norm("gn_4d", in -> Functional.groupNorm(in.get("x"), 2),
                in -> Tensor.nativeGroupNorm(in.get("x"), null, null, 2, 1e-5)));
        t.add(norm("gn_2d", in -> Functional.groupNorm(in.get("x"), 1, in.get("w"), in.get("b"), 1e-5), null));
        t.add(norm("gn_f32", in -> Functional.groupNorm(in.get("x"), 4, in.get("w"), in.get("b"), 1e-5), null));
        return t;
    }

    @Test
    void groupNormErrors() {
        Tensor x = Tensor.randn(2, 6, 3);
        fails("gn_err_divisible", () -> Functional.groupNorm(x, 4), x);
        fails("gn_err_weight", () -> Functional.groupNorm(x, 3, Tensor.ones(5), null, 1e-5), x);
        fails("gn_err_1d", () -> Functional.groupNorm(Tensor.randn(6), 3));
        fails("gn_err_one_value", () -> Functional.groupNorm(Tensor.randn(1, 2), 2));
        fails("gn_err_long", () -> Functional.groupNorm(Tensor.ones(DType.INT64, 2, 4, 3), 2));
        fails("gn_err_module", () -> new dev.ember.nn.GroupNorm(4, 6));
    }

    /** A batch-norm case: the output and gradients, the running statistics after, and native_batch_norm's statistics. */
    private static DynamicTest batchNorm(String key, boolean training, double momentum) {
        return DynamicTest.dynamicTest(key, () -> {
            Tensor[] running = new Tensor[2];
            run(key, in -> {
                running[0] = in.get("rm").detach().clone();
                running[1] = in.get("rv").detach().clone();
                return Functional.batchNorm(in.get("x"), running[0], running[1], in.get("w"), in.get("b"), training, momentum,
                        1e-5);
            }, true);
            assertField(key, "rm_after", running[0]);
            assertField(key, "rv_after", running[1]);
            Map<String, Tensor> in = inputs(key);
            NormResult r = Tensor.nativeBatchNorm(in.get("x"), null, null, in.get("rm"), in.get("rv"), training, momentum, 1e-5);
            assertField(key, "mean", r.mean());
            assertField(key, "invstd", r.rstd());
        });
    }

    @TestFactory
    List<DynamicTest> batchNorm() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(batchNorm("bn_2d", true, 0.1));
        t.add(batchNorm("bn_3d", true, 0.3));
        t.add(batchNorm("bn_4d", true, 0.1));
        t.add(batchNorm("bn_eval", false, 0.1));
        t.add(batchNorm("bn_noaffine", true, 0.1));
        t.add(batchNorm("bn_f32", true, 0.1));
        return t;
    }

    @Test
    void batchNormErrors() {
        Tensor rm = Tensor.zeros(4);
        Tensor rv = Tensor.ones(3);
        fails("bn_err_one_value", () -> Functional.batchNorm(Tensor.randn(1, 3), null, null, null, null, true, 0.1, 1e-5));
        fails("bn_err_eval_no_stats", () -> Functional.batchNorm(Tensor.randn(2, 3), null, null, null, null, false, 0.1, 1e-5));
        fails("bn_err_running_mean", () -> Functional.batchNorm(Tensor.randn(2, 3), rm, rv, null, null, true, 0.1, 1e-5),
                rm, rv);
        fails("bn1d_err_4d", () -> new dev.ember.nn.BatchNorm1d(3).forward(Tensor.randn(2, 3, 4, 5)));
    }

    private static DynamicTest instanceNorm(String key, boolean useInputStats) {
        return DynamicTest.dynamicTest(key, () -> {
            Tensor[] running = new Tensor[2];
            run(key, in -> {
                running[0] = in.get("rm").detach().clone();
                running[1] = in.get("rv").detach().clone();
                return Functional.instanceNorm(in.get("x"), running[0], running[1], in.get("w"), in.get("b"), useInputStats, 0.1,
                        1e-5);
            }, true);
            assertField(key, "rm_after", running[0]);
            assertField(key, "rv_after", running[1]);
        });
    }

    @TestFactory
    List<DynamicTest> instanceNorm() {
        return List.of(instanceNorm("in_train", true), instanceNorm("in_eval", false), instanceNorm("in_plain", true));
    }

    @Test
    void instanceNormErrors() {
        fails("in_err_spatial", () -> Functional.instanceNorm(Tensor.randn(2, 3, 1, 1), null, null, null, null, true, 0.1, 1e-5));
        fails("in_err_module_3d", () -> new dev.ember.nn.InstanceNorm2d(3).forward(Tensor.randn(2, 3)));
    }

    // ------------------------------------------------------------------ embeddings

    @TestFactory
    List<DynamicTest> embedding() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(DynamicTest.dynamicTest("emb_plain", () -> run("emb_plain", in -> Functional.embedding(in.get("i"), in.get("w")),
                true)));
        t.add(DynamicTest.dynamicTest("emb_padding", () -> run("emb_padding",
                in -> Functional.embedding(in.get("i"), in.get("w"), 1L, null, 2.0, false), true)));
        t.add(DynamicTest.dynamicTest("emb_padding_neg", () -> run("emb_padding_neg",
                in -> Functional.embedding(in.get("i"), in.get("w"), -1L, null, 2.0, false), true)));
        t.add(DynamicTest.dynamicTest("emb_freq", () -> run("emb_freq",
                in -> Functional.embedding(in.get("i"), in.get("w"), null, null, 2.0, true), true)));
        t.add(DynamicTest.dynamicTest("emb_1d", () -> run("emb_1d", in -> Functional.embedding(in.get("i"), in.get("w")),
                true)));
        t.add(DynamicTest.dynamicTest("emb_empty", () -> run("emb_empty", in -> Functional.embedding(in.get("i"), in.get("w")),
                true)));
        return t;
    }

    @Test
    void embeddingMaxNormRenormalizesTheRowsLookedUp() {
        String key = "emb_max_norm";
        Tensor w = tensor(key, "w").requiresGrad_(true);
        Tensor out = Functional.embedding(tensor(key, "i"), w, null, 1.5, 2.0, false);
        assertField(key, "out", out);
        assertField(key, "w_after", w.detach());
        Tensor w3 = tensor(key, "w");
        Functional.embedding(Tensor.tensor(new long[] {0, 2}), w3, null, 1.0, 1.0, false);
        assertField(key, "w_after_l1", w3);
    }

    @Test
    void embeddingErrors() {
        Tensor w = Tensor.randn(5, 3);
        fails("emb_err_float_idx", () -> Functional.embedding(Tensor.tensor(new double[] {1}), w), w);
        fails("emb_err_range", () -> Functional.embedding(Tensor.tensor(new long[] {5}), w), w);
        fails("emb_err_negative", () -> Functional.embedding(Tensor.tensor(new long[] {-1}), w), w);
        fails("emb_err_padding", () -> Functional.embedding(Tensor.tensor(new long[] {1}), w, 5L, null, 2.0, false), w);
        fails("emb_err_padding_neg", () -> Functional.embedding(Tensor.tensor(new long[] {1}), w, -6L, null, 2.0, false), w);
        fails("emb_err_weight_1d", () -> Tensor.embedding(Tensor.randn(5), Tensor.tensor(new long[] {1}), -1, false));
        // max_norm with an index out of range changes no row (PyTorch renorms row 0, then select() fails), nor with a
        // negative one, which PyTorch's renorm takes and its lookup refuses
        fails("emb_err_range_max_norm", () -> Functional.embedding(Tensor.tensor(new long[] {0, 5}), w, null, 0.1, 2.0, false), w);
        fails("emb_err_negative_max_norm", () -> Functional.embedding(Tensor.tensor(new long[] {-1, 2}), w, null, 0.1, 2.0,
                false), w);
    }

    @TestFactory
    List<DynamicTest> embeddingBag() {
        List<DynamicTest> t = new ArrayList<>();
        for (String mode : new String[] {"sum", "mean", "max"}) {
            t.add(DynamicTest.dynamicTest("bag_" + mode, () -> run("bag_" + mode,
                    in -> Functional.embeddingBag(in.get("i"), in.get("w"), in.get("o"), mode), true)));
        }
        t.add(DynamicTest.dynamicTest("bag_psw", () -> run("bag_psw", in -> Functional.embeddingBag(in.get("i"), in.get("w"),
                in.get("o"), null, 2.0, false, "sum", in.get("p"), false, null), true)));
        t.add(DynamicTest.dynamicTest("bag_padding_mean", () -> run("bag_padding_mean", in -> Functional.embeddingBag(
                in.get("i"), in.get("w"), in.get("o"), null, 2.0, false, "mean", null, false, 4L), true)));
        t.add(DynamicTest.dynamicTest("bag_padding_max", () -> run("bag_padding_max", in -> Functional.embeddingBag(
                in.get("i"), in.get("w"), in.get("o"), null, 2.0, false, "max", null, false, 2L), true)));
        t.add(DynamicTest.dynamicTest("bag_last_offset", () -> run("bag_last_offset", in -> Functional.embeddingBag(
                in.get("i"), in.get("w"), in.get("o"), null, 2.0, false, "sum", null, true, null), true)));
        t.add(DynamicTest.dynamicTest("bag_2d", () -> run("bag_2d", in -> Functional.embeddingBag(in.get("i"), in.get("w"),
                null, "mean"), true)));
        t.add(DynamicTest.dynamicTest("bag_freq", () -> run("bag_freq", in -> Functional.embeddingBag(in.get("i"), in.get("w"),
                in.get("o"), null, 2.0, true, "sum", null, false, null), true)));
        return t;
    }

    @Test
    void embeddingBagErrors() {
        Tensor w = Tensor.randn(5, 3);
        Tensor two = Tensor.tensor(new long[] {1, 2});
        fails("bag_err_offset0", () -> Functional.embeddingBag(two, w, Tensor.tensor(new long[] {1}), "mean"), w);
        fails("bag_err_offset_last", () -> Functional.embeddingBag(two, w, Tensor.tensor(new long[] {0, 3}), "mean"), w);
        fails("bag_err_psw_max", () -> Functional.embeddingBag(two, w, Tensor.tensor(new long[] {0}), null, 2.0, false, "max",
                Tensor.ones(2), false, null), w);
        fails("bag_err_2d_offsets", () -> Functional.embeddingBag(Tensor.tensor(new long[][] {{1, 2}}), w,
                Tensor.tensor(new long[] {0}), "mean"), w);
        fails("bag_err_3d", () -> Functional.embeddingBag(Tensor.tensor(new long[][][] {{{1}}}), w, null, "mean"), w);
        fails("bag_err_no_offsets", () -> Functional.embeddingBag(Tensor.tensor(new long[] {1}), w, null, "mean"), w);
        fails("bag_err_mode", () -> Functional.embeddingBag(Tensor.tensor(new long[] {1}), w, Tensor.tensor(new long[] {0}),
                "min"), w);
        fails("bag_err_float_idx", () -> Functional.embeddingBag(Tensor.tensor(new double[] {1}), w,
                Tensor.tensor(new long[] {0}), "mean"), w);
    }

    // ------------------------------------------------------------------ losses PyTorch composes

    @TestFactory
    List<DynamicTest> losses() {
        List<DynamicTest> t = new ArrayList<>();
        for (String red : new String[] {"mean", "batchmean", "sum", "none"}) {
            t.add(DynamicTest.dynamicTest("kl_" + red, () -> run("kl_" + red,
                    in -> Functional.kLDivLoss(in.get("x"), in.get("t"), red, false), true)));
        }
        t.add(DynamicTest.dynamicTest("kl_log_target", () -> run("kl_log_target",
                in -> Functional.kLDivLoss(in.get("x"), in.get("t"), "batchmean", true), true)));
        t.add(DynamicTest.dynamicTest("kl_log_target_none", () -> run("kl_log_target_none",
                in -> Functional.kLDivLoss(in.get("x"), in.get("t"), "none", true), true)));
        for (String red : new String[] {"mean", "sum", "none"}) {
            t.add(DynamicTest.dynamicTest("cos_" + red, () -> run("cos_" + red,
                    in -> Functional.cosineEmbeddingLoss(in.get("a"), in.get("b"), in.get("t"), 0.2, red), true)));
            t.add(DynamicTest.dynamicTest("mr_" + red, () -> run("mr_" + red,
                    in -> Functional.marginRankingLoss(in.get("a"), in.get("b"), in.get("t"), 0.3, red), true)));
        }
        t.add(DynamicTest.dynamicTest("cos_0d", () -> run("cos_0d",
                in -> Functional.cosineEmbeddingLoss(in.get("a"), in.get("b"), in.get("t"), -0.5, "mean"), true)));
        t.add(DynamicTest.dynamicTest("mr_target_grad", () -> run("mr_target_grad",
                in -> Functional.marginRankingLoss(in.get("a"), in.get("b"), in.get("t")), true)));
        return t;
    }

    @Test
    void lossErrors() {
        Tensor x = Tensor.randn(2, 3);
        fails("kl_err_reduction", () -> Functional.kLDivLoss(x, x, "avg", false), x);
        fails("cos_err_target", () -> Functional.cosineEmbeddingLoss(x, x, Tensor.ones(2, 1)), x);
        fails("cos_err_dims", () -> Functional.cosineEmbeddingLoss(x, Tensor.randn(3), Tensor.ones(2)), x);
        fails("cos_err_dims0", () -> Functional.cosineEmbeddingLoss(x, x, Tensor.scalar(1.0)), x);
        fails("mr_err_dims", () -> Functional.marginRankingLoss(Tensor.randn(3), Tensor.randn(3), Tensor.ones(1, 3)));
    }

    // ------------------------------------------------------------------ init

    @Test
    void calculateGainAsPyTorch() {
        for (String n : new String[] {"linear", "conv1d", "conv2d", "sigmoid", "tanh", "relu", "leaky_relu", "selu",
                                      "conv_transpose2d"}) {
            assertEquals(Double.parseDouble(TORCH.field("init_gain", n)), Init.calculateGain(n), n);
        }
        assertEquals(Double.parseDouble(TORCH.field("init_gain", "leaky_relu_02")), Init.calculateGain("leaky_relu", 0.2));
        fails("init_err_gain", () -> Init.calculateGain("gelu"));
        Tensor v = Tensor.empty(3);
        fails("init_err_fan", () -> Init.xavierUniform_(v));
        Tensor m = Tensor.zeros(3, 4);
        fails("init_err_mode", () -> Init.kaimingUniform_(m, 0, "fan_avg", "leaky_relu", Ember.defaultGenerator()), m);
        fails("init_err_orthogonal", () -> Init.orthogonal_(v));
    }
}
