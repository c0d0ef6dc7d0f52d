package dev.ember;

import dev.ember.nn.Functional;
import dev.ember.nn.GELU;
import dev.ember.nn.LayerNorm;
import dev.ember.nn.Module;
import dev.ember.nn.MultiheadAttention;
import dev.ember.nn.Transformer;
import dev.ember.nn.TransformerDecoder;
import dev.ember.nn.TransformerDecoderLayer;
import dev.ember.nn.TransformerEncoder;
import dev.ember.nn.TransformerEncoderLayer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Attention against PyTorch (attention/make_expected.py): {@code scaled_dot_product_attention} on the fused and the
 * composed path (values, gradients of query, key, value and a float mask, on contiguous and non-contiguous inputs; the
 * composition also called directly on the fused cases), {@code nn.MultiheadAttention} and the transformer layers, stacks
 * and model with PyTorch's weights loaded into both (outputs, attention weights, gradients of inputs and of every
 * parameter, eval mode), their state dict keys and printouts, and every error case's message. Also dropout (statistics,
 * generators, train and eval), the composition's nodes, hooks of the typed calls, and gradchecks.
 */
class AttentionTest {
    static final PyTorchCases TORCH = new PyTorchCases("/attention/expected.txt");

    // ------------------------------------------------------------------ reading the cases

    /** A tensor line {@code dtype [shape] : values}. */
    static Tensor parse(String f) {
        return PyTorchCases.tensor(f);
    }

    private static final Map<String, List<String>> LINES = new LinkedHashMap<>();

    static {
        try (java.io.InputStream in = AttentionTest.class.getResourceAsStream("/attention/expected.txt")) {
            List<String> current = null;
            for (String l : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
                if (l.startsWith("=== ")) {
                    current = new ArrayList<>();
                    LINES.put(l.substring(4), current);
                } else if (current != null && !l.isEmpty()) {
                    current.add(l);
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The lines of a case, in the script's order. */
    static List<String> lines(String key) {
        return LINES.get(key);
    }

    static Tensor tensor(String key, String name) {
        return parse(TORCH.field(key, name));
    }

    static boolean has(String key, String name) {
        try {
            TORCH.field(key, name);
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    static String opt(String key, String name) {
        return TORCH.field(key, "opt " + name);
    }

    /** Elementwise closeness for the type: float64 to 1e-9 relative, float32 to 2e-5 (NaN matches NaN). */
    static void assertClose(String what, Tensor expected, Tensor actual) {
        assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
        double[] e = expected.toDoubleArray();
        double[] a = actual.toDoubleArray();
        boolean single = expected.dtype() == DType.FLOAT32;
        double rtol = single ? 2e-5 : 1e-9;
        double atol = single ? 2e-5 : 1e-10;
        for (int i = 0; i < e.length; i++) {
            boolean ok = Double.isNaN(e[i]) ? Double.isNaN(a[i])
                    : e[i] == a[i] || Math.abs(e[i] - a[i]) <= atol + rtol * Math.abs(e[i]);
            if (!ok) {
                throw new AssertionError(what + ": element " + i + " expected " + e[i] + " but was " + a[i]);
            }
        }
    }

    /** The call fails as PyTorch's did, with its message. */
    static void fails(String key, Executable call) {
        Throwable e = assertThrows(IllegalArgumentException.class, call, key);
        assertEquals(TORCH.error(key).replace("\\n", "\n"), e.getMessage().strip(), key);
    }

    // ------------------------------------------------------------------ scaled_dot_product_attention

    /** The cases Ember, as PyTorch's CPU dispatch, runs through the fused kernel. */
    private static final Set<String> FUSED = Set.of("sdpa_4d", "sdpa_4d_causal_l_lt_s", "sdpa_4d_causal_l_gt_s",
            "sdpa_4d_bool_mask_masked_row", "sdpa_4d_float_mask_scale", "sdpa_4d_key_padding",
            "sdpa_4d_negative_scale_causal", "sdpa_4d_gqa", "sdpa_4d_gqa_causal", "sdpa_4d_float32");

    private static final String[] SDPA_CASES = {"sdpa_4d", "sdpa_4d_causal_l_lt_s", "sdpa_4d_causal_l_gt_s",
        "sdpa_4d_bool_mask_masked_row", "sdpa_4d_float_mask_scale", "sdpa_4d_key_padding", "sdpa_4d_negative_scale_causal",
        "sdpa_4d_gqa", "sdpa_4d_gqa_causal", "sdpa_4d_float32", "sdpa_3d", "sdpa_3d_float_mask_grad",
        "sdpa_2d_bool_mask_masked_row", "sdpa_batch_broadcast", "sdpa_value_dim", "sdpa_gqa_3d_mask", "sdpa_4d_mask_grad",
        "sdpa_empty_keys"};

    /** How a pass lays out the inputs and which implementation it calls. */
    private enum Pass { PUBLIC, NON_CONTIGUOUS, COMPOSITION }

    private static Tensor nonContiguous(Tensor t) {
        if (t.dim() == 4) {
            return AttentionFusedTest.headsView(t); // MHA's layout: still fused
        }
        return t.dim() >= 2 ? t.transpose(-1, -2).contiguous().transpose(-1, -2) : t;
    }

    private static void sdpaCase(String key, Pass pass) {
        Tensor q = tensor(key, "q").requiresGrad_(true);
        Tensor k = tensor(key, "k").requiresGrad_(true);
        Tensor v = tensor(key, "v").requiresGrad_(true);
        Tensor m = has(key, "m") ? tensor(key, "m") : null;
        if (m != null && has(key, "grad_m")) {
            m.requiresGrad_(true);
        }
        boolean causal = Boolean.parseBoolean(opt(key, "causal").toLowerCase());
        String s = opt(key, "scale");
        Double scale = s.equals("None") ? null : Double.parseDouble(s);
        boolean gqa = Boolean.parseBoolean(opt(key, "gqa").toLowerCase());
        Tensor out;
        String label = key + " " + pass;
        if (pass == Pass.COMPOSITION) {
            out = AttentionOps.math(q, k, v, AttentionOps.convertBooleanMask(m, q.dtype()), 0, causal, scale, gqa, null)[0];
        } else {
            Function<Tensor, Tensor> lay = pass == Pass.NON_CONTIGUOUS ? AttentionTest::nonContiguous : t -> t;
            out = Functional.scaledDotProductAttention(lay.apply(q), lay.apply(k), lay.apply(v), m, 0.0, causal, scale, gqa,
                    null);
            if (FUSED.contains(key)) {
                assertEquals(AttentionOps.FUSED_NODE, out.gradFn().name(), label + " node");
            } else {
                assertNotEquals(AttentionOps.FUSED_NODE, out.gradFn().name(), label + " node");
            }
        }
        assertClose(label + " out", tensor(key, "out"), out);
        out.backward(tensor(key, "gout"));
        assertClose(label + " grad_q", tensor(key, "grad_q"), q.grad());
        assertClose(label + " grad_k", tensor(key, "grad_k"), k.grad());
        assertClose(label + " grad_v", tensor(key, "grad_v"), v.grad());
        if (has(key, "grad_m")) {
            assertClose(label + " grad_m", tensor(key, "grad_m"), m.grad());
        }
    }

    @TestFactory
    List<DynamicTest> scaledDotProductAttentionAsPyTorch() {
        List<DynamicTest> t = new ArrayList<>();
        for (String key : SDPA_CASES) {
            for (Pass p : Pass.values()) {
                if (p == Pass.COMPOSITION && !FUSED.contains(key)) {
                    continue; // the public call already is the composition
                }
                t.add(DynamicTest.dynamicTest(key + " " + p, () -> sdpaCase(key, p)));
            }
        }
        return t;
    }

    @Test
    void scaledDotProductAttentionErrors() {
        Tensor q = Tensor.rand(DType.FLOAT64, 1, 2, 3, 4);
        Tensor k = Tensor.rand(DType.FLOAT64, 1, 2, 5, 4);
        fails("sdpa_err_dtype", () -> Functional.scaledDotProductAttention(q.to(DType.FLOAT32), k, q.to(DType.FLOAT32)));
        fails("sdpa_err_dims", () -> Functional.scaledDotProductAttention(Tensor.rand(DType.FLOAT64, 4),
                Tensor.rand(DType.FLOAT64, 5, 4), Tensor.rand(DType.FLOAT64, 5, 4)));
        fails("sdpa_err_mask_dtype", () -> Functional.scaledDotProductAttention(q, k, k,
                Tensor.zeros(DType.INT64, 3, 5), 0.0, false, null));
        fails("sdpa_err_causal_mask", () -> Functional.scaledDotProductAttention(q, k, k,
                Tensor.ones(DType.BOOL, 3, 5), 0.0, true, null));
        fails("sdpa_err_gqa", () -> Functional.scaledDotProductAttention(Tensor.rand(DType.FLOAT64, 1, 4, 3, 4),
                Tensor.rand(DType.FLOAT64, 1, 3, 5, 4), Tensor.rand(DType.FLOAT64, 1, 3, 5, 4), null, 0.0, false, null, true,
                null));
        fails("sdpa_err_head_dim", () -> Functional.scaledDotProductAttention(Tensor.rand(DType.FLOAT64, 3, 5, 4),
                Tensor.rand(DType.FLOAT64, 3, 7, 3), Tensor.rand(DType.FLOAT64, 3, 7, 4)));
        assertThrows(IllegalArgumentException.class, () -> Functional.scaledDotProductAttention(q, null, k));
    }

    /** Every node name in the graph below {@code t}. */
    static Set<String> nodes(Tensor t) {
        Set<String> names = new HashSet<>();
        List<Node> todo = new ArrayList<>(List.of(t.gradFn()));
        Set<Node> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        while (!todo.isEmpty()) {
            Node n = todo.remove(todo.size() - 1);
            if (n == null || !seen.add(n)) {
                continue;
            }
            names.add(n.name());
            todo.addAll(n.nextFunctions());
        }
        return names;
    }

    @Test
    void theCompositionRecordsPyTorchsMathPathNodes() {
        Tensor q = Tensor.rand(DType.FLOAT64, 2, 3, 4).requiresGrad_(true);
        Tensor k = Tensor.rand(DType.FLOAT64, 2, 5, 4).requiresGrad_(true);
        Tensor out = Functional.scaledDotProductAttention(q, k, k, Tensor.ones(DType.BOOL, 3, 5), 0.0, false, null);
        assertEquals("UnsafeViewBackward0", out.gradFn().name());
        Set<String> names = nodes(out);
        for (String n : new String[] {"SafeSoftmaxBackward0", "AddBackward0", "MulBackward0", "TransposeBackward0",
            "BmmBackward0", "AccumulateGrad"}) {
            assertTrue(names.contains(n), n + " in " + names);
        }
        Tensor dropped = Functional.scaledDotProductAttention(q, k, k, null, 0.5, false, null);
        assertTrue(nodes(dropped).contains("NativeDropoutBackward0"), nodes(dropped).toString());
        Tensor fused = Functional.scaledDotProductAttention(q.unsqueeze(0), k.unsqueeze(0), k.unsqueeze(0));
        assertEquals(AttentionOps.FUSED_NODE, fused.gradFn().name());
    }

    @Test
    void dropoutKeepsTheExpectationAndFollowsItsGenerator() {
        // uniform attention over 400 keys of value 1: each output is the mean of the kept keys' 1 / (1 - p)
        Tensor q = Tensor.zeros(DType.FLOAT64, 64, 1, 4);
        Tensor k = Tensor.zeros(DType.FLOAT64, 64, 400, 4);
        Tensor v = Tensor.ones(DType.FLOAT64, 64, 400, 1);
        for (double p : new double[] {0.1, 0.5}) {
            Tensor out = Functional.scaledDotProductAttention(q, k, v, null, p, false, null);
            double[] o = out.toDoubleArray();
            double mean = Arrays.stream(o).average().orElseThrow();
            assertEquals(1.0, mean, 0.02, "p " + p);
            double sd = Math.sqrt(Arrays.stream(o).map(x -> (x - 1) * (x - 1)).sum() / o.length);
            double expected = Math.sqrt(p / (1 - p) / 400); // each key's weight: Bernoulli(1 - p) / (1 - p) / 400
            assertEquals(expected, sd, expected * 0.25, "p " + p);
        }
        Tensor a = Functional.scaledDotProductAttention(q, k, v, null, 0.3, false, null, false, new Generator(3));
        Tensor b = Functional.scaledDotProductAttention(q, k, v, null, 0.3, false, null, false, new Generator(3));
        Tensor c = Functional.scaledDotProductAttention(q, k, v, null, 0.3, false, null, false, new Generator(4));
        assertArrayEquals(a.toDoubleArray(), b.toDoubleArray());
        assertTrue(!Arrays.equals(a.toDoubleArray(), c.toDoubleArray()));
        // p 1 drops everything
        assertTrue(Arrays.stream(Functional.scaledDotProductAttention(q, k, v, null, 1.0, false, null).toDoubleArray())
                .allMatch(x -> x == 0));
    }

    @TestFactory
    List<DynamicTest> gradchecksOfTheComposition() {
        Generator g = new Generator(11);
        Function<int[], Tensor> r = s -> Tensor.rand(g, DType.FLOAT64, s).mul(2.0).sub(1.0).requiresGrad_(true);
        Tensor q = r.apply(new int[] {2, 3, 4});
        Tensor k = r.apply(new int[] {2, 5, 4});
        Tensor v = r.apply(new int[] {2, 5, 3});
        Tensor m = r.apply(new int[] {3, 5});
        Function<Tensor[], Tensor> f = a -> Functional.scaledDotProductAttention(a[0], a[1], a[2], a[3], 0.0, false, 0.7);
        Function<Tensor[], Tensor> causal = a -> Functional.scaledDotProductAttention(a[0], a[1], a[2], null, 0.0, true,
                null);
        return List.of(
                DynamicTest.dynamicTest("gradcheck", () -> assertTrue(Autograd.gradcheck(f, new Tensor[] {q, k, v, m}, 1e-6,
                        1e-5, 1e-3))),
                DynamicTest.dynamicTest("gradgradcheck", () -> assertTrue(Autograd.gradgradcheck(f, q, k, v, m))),
                DynamicTest.dynamicTest("gradcheck causal", () -> assertTrue(Autograd.gradcheck(causal,
                        new Tensor[] {q, k, v}, 1e-6, 1e-5, 1e-3))),
                DynamicTest.dynamicTest("gradgradcheck causal", () -> assertTrue(Autograd.gradgradcheck(causal, q, k, v))));
    }

    // ------------------------------------------------------------------ modules

    /** Loads a case's {@code p.*} lines into a module (float64, eval); keys the module lacks are left out. */
    static <M extends Module> M loaded(String key, M module) {
        module.to(DType.FLOAT64);
        module.eval();
        Set<String> own = module.stateDict().keySet();
        Map<String, Tensor> state = new LinkedHashMap<>();
        for (String l : lines(key)) {
            if (l.startsWith("p.")) {
                String name = l.substring(2, l.indexOf(' '));
                if (own.contains(name)) {
                    state.put(name, parse(l.substring(l.indexOf(' ') + 1)));
                }
            }
        }
        assertEquals(own, state.keySet(), key + " state dict keys");
        module.loadStateDict(state);
        return module;
    }

    /** A module case: the inputs in the script's order, the call, and the comparison of everything PyTorch printed. */
    interface Call {
        Object apply(Map<String, Tensor> in);
    }

    private static void moduleCase(String key, Module module, Call call) {
        Map<String, Tensor> in = new LinkedHashMap<>();
        for (String l : lines(key)) {
            String name = l.substring(0, l.indexOf(' '));
            if (name.equals("out")) {
                break;
            }
            if (!name.startsWith("p.") && !name.equals("opt")) {
                Tensor t = parse(l.substring(l.indexOf(' ') + 1));
                if (t.dtype().isFloatingPoint() && has(key, "grad_" + name)) {
                    t.requiresGrad_(true);
                }
                in.put(name, t);
            }
        }
        Object res = call.apply(in);
        Tensor out;
        Tensor w = null;
        if (res instanceof MultiheadAttention.Output) {
            out = ((MultiheadAttention.Output) res).output();
            w = ((MultiheadAttention.Output) res).weights();
        } else {
            out = (Tensor) res;
        }
        assertClose(key + " out", tensor(key, "out"), out);
        if (has(key, "w")) {
            assertClose(key + " weights", tensor(key, "w"), w);
        } else {
            assertNull(w, key + " weights");
        }
        out.backward(tensor(key, "gout"));
        for (Map.Entry<String, Tensor> e : in.entrySet()) {
            if (has(key, "grad_" + e.getKey())) {
                assertClose(key + " grad_" + e.getKey(), tensor(key, "grad_" + e.getKey()), e.getValue().grad());
            }
        }
        int params = 0;
        for (Map.Entry<String, Tensor> e : module.namedParameters().entrySet()) {
            String g = "grad_p." + e.getKey();
            assertTrue(has(key, g), key + ": PyTorch has no gradient of " + e.getKey());
            assertClose(key + " " + g, tensor(key, g), e.getValue().grad());
            params++;
        }
        assertTrue(params > 0);
    }

    private static DynamicTest mc(String key, Module module, Call call) {
        return DynamicTest.dynamicTest(key, () -> moduleCase(key, loaded(key, module), call));
    }

    @TestFactory
    List<DynamicTest> multiheadAttentionAsPyTorch() {
        List<DynamicTest> t = new ArrayList<>();
        MultiheadAttention self = new MultiheadAttention(6, 2);
        t.add(mc("mha_self_seqfirst", self, in -> {
            Tensor x = in.get("x");
            return self.apply(x, x, x);
        }));
        MultiheadAttention bf = new MultiheadAttention(6, 2, 0.0, true, null, null, true);
        t.add(mc("mha_self_batchfirst_masks", bf, in -> {
            Tensor x = in.get("x");
            return bf.apply(x, x, x, in.get("kpm"), false, in.get("am"), true, false);
        }));
        MultiheadAttention cross = new MultiheadAttention(6, 2);
        t.add(mc("mha_cross_bool3d_per_head", cross, in -> cross.apply(in.get("q"), in.get("mem"), in.get("mem"), null, true,
                in.get("am"), false, false)));
        MultiheadAttention kv = new MultiheadAttention(6, 3, 0.0, true, 4, 3, false);
        t.add(mc("mha_kvdim", kv, in -> kv.apply(in.get("q"), in.get("k"), in.get("v"), in.get("kpm"), false, null, true,
                false)));
        MultiheadAttention unb = new MultiheadAttention(6, 2);
        t.add(mc("mha_unbatched", unb, in -> unb.apply(in.get("x"), in.get("x"), in.get("x"))));
        MultiheadAttention nb = new MultiheadAttention(6, 2, 0.0, false, null, null, false);
        t.add(mc("mha_nobias", nb, in -> nb.apply(in.get("x"), in.get("x"), in.get("x"), null, false, null, true, false)));
        MultiheadAttention hint = new MultiheadAttention(6, 2, 0.0, true, null, null, true);
        t.add(mc("mha_causal_hint", hint, in -> {
            Tensor x = in.get("x");
            return hint.apply(x, x, x, null, false, in.get("am"), true, true);
        }));
        MultiheadAttention fk = new MultiheadAttention(6, 2);
        t.add(mc("mha_float_key_padding", fk, in -> fk.apply(in.get("q"), in.get("mem"), in.get("mem"), in.get("kpm"), true,
                null, true, false)));
        return t;
    }

    @TestFactory
    List<DynamicTest> transformerLayersAsPyTorch() {
        List<DynamicTest> t = new ArrayList<>();
        TransformerEncoderLayer post = new TransformerEncoderLayer(8, 2, 16, 0.1, "relu", 1e-5, false, false, true);
        t.add(mc("enc_post_relu", post, in -> post.apply(in.get("src"), in.get("mask"), in.get("kpm"), false)));
        TransformerEncoderLayer pre = new TransformerEncoderLayer(8, 2, 16, 0.1, "gelu", 1e-5, true, true, true);
        t.add(mc("enc_pre_gelu_batchfirst", pre, in -> pre.apply(in.get("src"))));
        TransformerEncoderLayer hint = new TransformerEncoderLayer(8, 2, 16, 0.1, "relu", 1e-5, true, false, true);
        t.add(mc("enc_causal_hint", hint, in -> hint.apply(in.get("src"), in.get("mask"), null, true)));
        TransformerEncoderLayer nobias = new TransformerEncoderLayer(8, 2, 16, 0.1, "relu", 1e-5, false, false, false);
        t.add(DynamicTest.dynamicTest("enc_nobias keys", () -> assertEquals(TORCH.value("enc_nobias_keys"),
                String.join(" ", nobias.stateDict().keySet()))));
        t.add(mc("enc_nobias", nobias, in -> nobias.apply(in.get("src"))));
        TransformerDecoderLayer dec = new TransformerDecoderLayer(8, 2, 16, 0.1, "relu", 1e-5, false, false, true);
        t.add(mc("dec_post_relu", dec, in -> dec.apply(in.get("tgt"), in.get("mem"), in.get("tmask"), null, in.get("tkpm"),
                in.get("mkpm"), false, false)));
        TransformerDecoderLayer dpre = new TransformerDecoderLayer(8, 2, 16, 0.1, "gelu", 1e-5, true, true, true);
        t.add(mc("dec_pre_gelu_batchfirst", dpre, in -> dpre.apply(in.get("tgt"), in.get("mem"), null, in.get("mmask"), null,
                null, false, false)));
        TransformerEncoder stack = new TransformerEncoder(new TransformerEncoderLayer(8, 2, 16, 0.1, "relu", 1e-5, false,
                false, true), 2, new LayerNorm(8));
        t.add(mc("encoder_stack_causal", stack, in -> stack.apply(in.get("src"), in.get("mask"), null, null)));
        TransformerDecoder dstack = new TransformerDecoder(new TransformerDecoderLayer(8, 2, 16, 0.1, "relu", 1e-5, false,
                false, true), 2, new LayerNorm(8));
        t.add(mc("decoder_stack", dstack, in -> dstack.apply(in.get("tgt"), in.get("mem"), in.get("tmask"), null, null, null,
                null, false)));
        Transformer tr = new Transformer(8, 2, 1, 1, 16, 0.1, "relu", 1e-5, true, false, true);
        t.add(mc("transformer", tr, in -> tr.apply(in.get("src"), in.get("tgt"), null, in.get("tmask"), null, null, null,
                null, null, null, false)));
        return t;
    }

    @Test
    void printoutsAndStateDictKeysAsPyTorchs() {
        assertEquals(pyString(TORCH.value("mha_print")), new MultiheadAttention(6, 2).toString());
        assertEquals(TORCH.value("mha_keys"), String.join(" ", new MultiheadAttention(6, 2).stateDict().keySet()));
        assertEquals(TORCH.value("mha_keys_kvdim"), String.join(" ",
                new MultiheadAttention(6, 2, 0.0, true, 4, 3, false).stateDict().keySet()));
        assertEquals(TORCH.value("mha_keys_nobias"), String.join(" ",
                new MultiheadAttention(6, 2, 0.0, false, null, null, false).stateDict().keySet()));
        assertEquals(pyString(TORCH.value("enc_layer_print")), new TransformerEncoderLayer(8, 2, 16, 0.1, "relu", 1e-5,
                false, false, true).toString());
        assertEquals(pyString(TORCH.value("enc_layer_gelu_module_print")), new TransformerEncoderLayer(8, 2, 16, 0.1,
                new GELU(), 1e-5, false, false, true).toString());
        assertEquals(pyString(TORCH.value("dec_layer_print")), new TransformerDecoderLayer(8, 2, 16, 0.2, "relu", 1e-5,
                false, false, true).toString());
        TransformerEncoder enc = new TransformerEncoder(new TransformerEncoderLayer(8, 2, 16, 0.1, "relu", 1e-5, false,
                false, true), 2, new LayerNorm(8));
        assertEquals(pyString(TORCH.value("encoder_print")), enc.toString());
        assertEquals(TORCH.value("encoder_keys"), String.join(" ", enc.stateDict().keySet()));
        assertEquals(TORCH.value("decoder_keys"), String.join(" ", new TransformerDecoder(new TransformerDecoderLayer(8, 2,
                16, 0.1, "relu", 1e-5, false, false, true), 2).stateDict().keySet()));
        assertEquals(TORCH.value("transformer_keys"), String.join(" ", new Transformer(8, 2, 1, 1, 16, 0.1, "relu", 1e-5,
                false, false, true).stateDict().keySet()));
    }

    /** A Python string literal (single or double quoted, {@code \n} escapes) as its text. */
    static String pyString(String literal) {
        return literal.substring(1, literal.length() - 1).replace("\\n", "\n").replace("\\'", "'");
    }

    @Test
    void moduleErrors() {
        MultiheadAttention m = new MultiheadAttention(6, 2);
        Tensor x = Tensor.rand(DType.FLOAT32, 4, 2, 6);
        fails("mha_err_causal_no_mask", () -> m.apply(x, x, x, null, false, null, true, true));
        fails("mha_err_mask_dtype", () -> m.apply(x, x, x, null, false, Tensor.zeros(DType.INT64, 4, 4), true, false));
        fails("mha_err_ctor_zero", () -> new MultiheadAttention(0, 2));
        fails("mha_err_ctor_divisible", () -> new MultiheadAttention(6, 4));
        fails("mha_err_query_4d", () -> m.apply(x.unsqueeze(0), x.unsqueeze(0), x.unsqueeze(0)));
        fails("mha_err_key_2d", () -> m.apply(x, x.select(0, 0), x.select(0, 0)));
        fails("mha_err_kpm_dim", () -> m.apply(x, x, x, Tensor.zeros(DType.BOOL, 2, 4, 1), true, null, true, false));
        fails("mha_err_mask_2d_shape", () -> m.apply(x, x, x, null, true, Tensor.zeros(3, 4), true, false));
        fails("mha_err_mask_3d_shape", () -> m.apply(x, x, x, null, true, Tensor.zeros(2, 4, 4), true, false));
        fails("mha_err_mask_4d", () -> m.apply(x, x, x, null, true, Tensor.zeros(1, 4, 4, 4), true, false));
        fails("mha_err_kpm_shape", () -> m.apply(x, x, x, Tensor.zeros(DType.BOOL, 2, 3), true, null, true, false));
        Tensor x5 = x.narrow(2, 0, 5);
        fails("mha_err_embed", () -> m.apply(x5, x5, x5));
        fails("mha_err_kv_shape", () -> m.apply(x, x, x.narrow(0, 0, 3)));
        fails("enc_err_activation", () -> new TransformerEncoderLayer(8, 2, 2048, 0.1, "tanh", 1e-5, false, false, true));
        Transformer tr = new Transformer(8, 2, 1, 1, 16, 0.1, "relu", 1e-5, false, false, true);
        fails("transformer_err_batch", () -> tr.apply(Tensor.zeros(5, 2, 8), Tensor.zeros(4, 3, 8), null, null, null, null,
                null, null, null, null, false));
        fails("transformer_err_features", () -> tr.apply(Tensor.zeros(5, 2, 8), Tensor.zeros(4, 2, 6), null, null, null, null,
                null, null, null, null, false));
        assertThrows(IllegalArgumentException.class, () -> m.forward(x));
        assertThrows(IllegalArgumentException.class, () -> m.apply(null, x, x));
    }

    @Test
    void hooksSeeTheTypedCallsTensors() {
        MultiheadAttention m = new MultiheadAttention(6, 2);
        Tensor x = Tensor.rand(DType.FLOAT32, 4, 2, 6);
        List<Integer> seen = new ArrayList<>();
        m.registerForwardHook((mod, ins, outs) -> {
            seen.add(ins.size());
            seen.add(outs.size());
            return List.of(outs.get(0).mul(2.0), outs.get(1));
        });
        MultiheadAttention.Output plain = m.forward(x, x, x);
        MultiheadAttention.Output hooked = m.apply(x, x, x);
        assertEquals(List.of(5, 2), seen);
        assertClose("hooked output", plain.output().mul(2.0), hooked.output());
        assertClose("hooked weights", plain.weights(), hooked.weights());
    }

    @Test
    void trainingDropoutAndEvalDeterminism() {
        TransformerEncoderLayer layer = new TransformerEncoderLayer(8, 2, 16, 0.5, "relu", 1e-5, true, false, true);
        Tensor x = Tensor.rand(DType.FLOAT32, 2, 5, 8);
        layer.eval();
        Tensor a = layer.apply(x);
        Tensor b = layer.apply(x);
        assertArrayEquals(a.toDoubleArray(), b.toDoubleArray());
        layer.train();
        Tensor c = layer.apply(x);
        assertTrue(!Arrays.equals(a.toDoubleArray(), c.toDoubleArray()));
        // attention-weight dropout in MHA: weights of a row no longer sum to 1 in training
        MultiheadAttention m = new MultiheadAttention(6, 2, 0.5, true, null, null, false);
        Tensor y = Tensor.rand(DType.FLOAT32, 30, 1, 6);
        double[] w = m.apply(y, y, y, null, true, null, false, false).weights().sum(new int[] {-1}, false).toDoubleArray();
        assertTrue(Arrays.stream(w).anyMatch(s -> Math.abs(s - 1) > 1e-3));
        m.eval();
        double[] we = m.apply(y, y, y, null, true, null, false, false).weights().sum(new int[] {-1}, false).toDoubleArray();
        assertTrue(Arrays.stream(we).allMatch(s -> Math.abs(s - 1) < 1e-5));
    }

    @Test
    void stacksCopyTheLayerAndDetectCausalMasks() {
        TransformerEncoderLayer layer = new TransformerEncoderLayer(8, 2, 16, 0.0, "relu", 1e-5, false, false, true);
        TransformerEncoder stack = new TransformerEncoder(layer, 3);
        for (TransformerEncoderLayer l : stack.layers) {
            assertTrue(l != layer);
            assertArrayEquals(layer.linear1.weight.toDoubleArray(), l.linear1.weight.toDoubleArray());
        }
        assertTrue(stack.layers.get(0).linear1.weight != stack.layers.get(1).linear1.weight);
        Tensor causal = Transformer.generateSquareSubsequentMask(5);
        assertEquals("[[0.0, -Infinity, -Infinity], [0.0, 0.0, -Infinity], [0.0, 0.0, 0.0]]",
                Arrays.deepToString(new double[][] {
                    Transformer.generateSquareSubsequentMask(3).select(0, 0).toDoubleArray(),
                    Transformer.generateSquareSubsequentMask(3).select(0, 1).toDoubleArray(),
                    Transformer.generateSquareSubsequentMask(3).select(0, 2).toDoubleArray()}));
        Tensor x = Tensor.rand(DType.FLOAT32, 5, 2, 8);
        // the detected hint and the mask give the same values (the hint runs the fused causal kernel)
        assertClose("detected", stack.apply(x, causal, null, false), stack.apply(x, causal, null, null));
        assertClose("hint", stack.apply(x, causal, null, false), stack.apply(x, causal, null, true));
    }

    @TestFactory
    List<DynamicTest> moduleGradchecks() {
        Generator g = new Generator(5);
        MultiheadAttention m = new MultiheadAttention(4, 2);
        m.to(DType.FLOAT64);
        Tensor x = Tensor.rand(g, DType.FLOAT64, 3, 2, 4).requiresGrad_(true);
        Tensor mem = Tensor.rand(g, DType.FLOAT64, 5, 2, 4).requiresGrad_(true);
        TransformerEncoderLayer layer = new TransformerEncoderLayer(4, 2, 6, 0.0, "gelu", 1e-5, false, true, true);
        layer.to(DType.FLOAT64);
        Tensor causal = Transformer.generateSquareSubsequentMask(3, DType.FLOAT64, null);
        return List.of(
                DynamicTest.dynamicTest("mha weights", () -> assertTrue(Autograd.gradcheck(
                        a -> m.apply(a[0], a[1], a[1]).output(), new Tensor[] {x, mem}, 1e-6, 1e-5, 1e-3))),
                DynamicTest.dynamicTest("mha fused", () -> assertTrue(Autograd.gradcheck(
                        a -> m.apply(a[0], a[0], a[0], null, false, causal, true, true).output(), new Tensor[] {x}, 1e-6,
                        1e-5, 1e-3))),
                DynamicTest.dynamicTest("mha fused second order", () -> assertTrue(Autograd.gradgradcheck(
                        a -> m.apply(a[0], a[1], a[1], null, false, null, true, false).output(), x, mem))),
                DynamicTest.dynamicTest("encoder layer", () -> assertTrue(Autograd.gradcheck(
                        a -> layer.apply(a[0], causal, null, true), new Tensor[] {x}, 1e-6, 1e-5, 1e-3))));
    }
}
