package dev.ember;

import dev.ember.nn.Functional;
import dev.ember.nn.GELU;
import dev.ember.nn.LayerNorm;
import dev.ember.nn.Module;
import dev.ember.nn.MultiheadAttention;
import dev.ember.nn.SiLU;
import dev.ember.nn.Tanh;
import dev.ember.nn.Transformer;
import dev.ember.nn.TransformerDecoderLayer;
import dev.ember.nn.TransformerEncoder;
import dev.ember.nn.TransformerEncoderLayer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Replays one case of {@code differentialfuzzr42/cases.txt} (its generator, {@code make_cases.py}, describes the
 * lines): the tensor arguments (those on the {@code rg} line requiring grad, those on a {@code same} line one tensor),
 * one attention call (F.scaled_dot_product_attention) or module (nn.MultiheadAttention, TransformerEncoderLayer,
 * TransformerDecoderLayer, TransformerEncoder, Transformer) in training mode with dropout 0, or in eval mode with a
 * dropout probability (no dropout), its parameters copied in, then the result (and the attention weights), its
 * grad_fn, and the gradients of {@code sum(out * g)} of the arguments and of every parameter; or PyTorch's refusal
 * with every argument and parameter unchanged.
 */
final class FuzzR42Interpreter {
    private FuzzR42Interpreter() {
    }

    /** Null where Ember does what PyTorch did, else what differs. */
    static String run(List<String> body) {
        Map<String, String> argLines = new LinkedHashMap<>();
        Map<String, String> paramLines = new LinkedHashMap<>();
        String step = null;
        String err = null;
        String out = null;
        String weights = null;
        String gf = null;
        String gfw = null;
        String g = null;
        double tol = 1;
        List<String> rg = List.of();
        List<String> same = List.of();
        Map<String, String> views = new LinkedHashMap<>();
        Map<String, String> gx = new LinkedHashMap<>();
        for (String line : body) {
            int sp = line.indexOf(' ');
            String key = sp < 0 ? line : line.substring(0, sp);
            String rest = sp < 0 ? "" : line.substring(sp + 1);
            switch (key) {
                case "a": argLines.put(rest.substring(0, rest.indexOf(' ')), rest.substring(rest.indexOf(' ') + 1));
                    break;
                case "p": paramLines.put(rest.substring(0, rest.indexOf(' ')), rest.substring(rest.indexOf(' ') + 1));
                    break;
                case "rg": rg = rest.isEmpty() ? List.of() : Arrays.asList(rest.split(" ")); break;
                case "same": same = Arrays.asList(rest.split(" ")); break;
                case "v": views.put(rest.substring(0, rest.indexOf(' ')), rest.substring(rest.indexOf(' ') + 1)); break;
                case "s": step = rest; break;
                case "tol": tol = Double.parseDouble(rest); break;
                case "err": err = rest; break;
                case "o": out = rest; break;
                case "ow": weights = rest; break;
                case "gf": gf = rest; break;
                case "gfw": gfw = rest; break;
                case "g": g = rest; break;
                case "gx": gx.put(rest.substring(0, rest.indexOf(' ')), rest.substring(rest.indexOf(' ') + 1)); break;
                default: throw new IllegalStateException("line " + line);
            }
        }
        Map<String, Tensor> a = FuzzRoundSupport.arguments(argLines, rg);
        for (int i = 1; i < same.size(); i++) {
            a.put(same.get(i), a.get(same.get(0)));
        }
        Map<String, Tensor> leaves = new LinkedHashMap<>(a);
        for (Map.Entry<String, String> e : views.entrySet()) {
            a.put(e.getKey(), view(a.get(e.getKey()), e.getValue()));
        }
        Call call = new Call(step, a, paramLines);
        Object got;
        try {
            got = call.run();
        } catch (RuntimeException e) {
            String r = FuzzRoundSupport.refused(err, e, argLines, leaves);
            if (r != null || call.module == null) {
                return r;
            }
            for (Map.Entry<String, String> en : paramLines.entrySet()) {
                r = FuzzR31Interpreter.compare("the parameter " + en.getKey() + " after a refused call",
                        DifferentialFuzzR17Test.tensor(en.getValue()), call.module.namedParameters().get(en.getKey())
                                .detach(), true);
                if (r != null) {
                    return r;
                }
            }
            return null;
        }
        if (err != null) {
            return "PyTorch refuses (\"" + err + "\"), Ember gives " + FuzzRoundSupport.describeResult(
                    got instanceof MultiheadAttention.Output o ? o.output() : got);
        }
        Tensor result;
        if (got instanceof MultiheadAttention.Output o) {
            if (weights == null) {
                return "PyTorch gives one tensor, Ember an output and weights";
            }
            if (weights.equals("N") != (o.weights() == null)) {
                return "the weights: PyTorch " + (weights.equals("N") ? "None" : "a tensor") + ", Ember "
                        + (o.weights() == null ? "null" : Arrays.toString(o.weights().shape()));
            }
            if (gfw != null) {
                String name = o.weights() == null || o.weights().gradFn() == null ? "None"
                        : o.weights().gradFn().name();
                if (!gfw.equals(name)) {
                    return "the weights' grad_fn: PyTorch " + gfw + ", Ember " + name;
                }
            }
            if (o.weights() != null) {
                String r = FuzzR31Interpreter.compare("the weights", DifferentialFuzzR17Test.tensor(weights),
                        o.weights(), false, tol);
                if (r != null) {
                    return r;
                }
            }
            result = o.output();
        } else {
            result = (Tensor) got;
        }
        String r = FuzzR31Interpreter.compare("the result", DifferentialFuzzR17Test.tensor(out), result, false, tol);
        if (r != null) {
            return r;
        }
        if (gf != null) {
            String name = result.gradFn() == null ? "None" : result.gradFn().name();
            if (!gf.equals(name)) {
                return "grad_fn: PyTorch " + gf + ", Ember " + name;
            }
        }
        if (g == null) {
            return null;
        }
        String back = FuzzRoundSupport.backward(result, g, null);
        if (back != null) {
            return back.isEmpty() ? null : back;
        }
        if (call.module != null) {
            for (Map.Entry<String, Tensor> e : call.module.namedParameters().entrySet()) {
                leaves.put("p." + e.getKey(), e.getValue());
            }
        }
        return FuzzRoundSupport.gradients(gx, leaves, tol);
    }

    /** An argument's view ({@code v} line): t12, tlast, or expand:shape. */
    private static Tensor view(Tensor t, String how) {
        if (how.equals("t12")) {
            return t.transpose(1, 2);
        }
        if (how.equals("tlast")) {
            return t.transpose(-2, -1);
        }
        if (how.startsWith("expand:")) {
            return t.expand(Arrays.stream(how.substring(7).split(",")).mapToInt(Integer::parseInt).toArray());
        }
        throw new IllegalStateException("view " + how);
    }

    /** One call: the step's keyword arguments, the tensors, the parameters' lines and the module a module case made. */
    private static final class Call {
        private final String op;
        private final Map<String, String> kw;
        private final Map<String, Tensor> a;
        private final Map<String, String> params;
        private Module module;

        Call(String text, Map<String, Tensor> a, Map<String, String> params) {
            String[] w = text.split(" ");
            this.op = w[0];
            this.kw = FuzzRoundSupport.keywords(w);
            this.a = a;
            this.params = params;
        }

        Object run() {
            switch (op) {
                case "sdpa":
                    return Functional.scaledDotProductAttention(a.get("query"), a.get("key"), a.get("value"),
                            a.get("attn_mask"), 0.0, bool("is_causal"), kw.get("scale").equals("N") ? null
                                    : PyTorchCases.numbers(kw.get("scale"))[0]);
                case "mha": {
                    int kdim = integer("kdim");
                    int vdim = integer("vdim");
                    MultiheadAttention m = new MultiheadAttention(integer("embed_dim"), integer("num_heads"), dropout(),
                            bool("bias"), bool("add_bias_kv"), bool("add_zero_attn"), kdim, vdim, bool("batch_first"));
                    copyIn(m);
                    return m.forward(a.get("query"), a.get("key"), a.get("value"), a.get("key_padding_mask"),
                            bool("need_weights"), a.get("attn_mask"), bool("average_attn_weights"), bool("is_causal"));
                }
                case "enclayer": {
                    TransformerEncoderLayer m = encoderLayer();
                    copyIn(m);
                    return m.forward(a.get("src"), a.get("src_mask"), a.get("src_key_padding_mask"), bool("is_causal"));
                }
                case "declayer": {
                    TransformerDecoderLayer m = decoderLayer();
                    copyIn(m);
                    return m.forward(a.get("tgt"), a.get("memory"), a.get("tgt_mask"), a.get("memory_mask"),
                            a.get("tgt_key_padding_mask"), a.get("memory_key_padding_mask"), bool("tgt_is_causal"),
                            bool("memory_is_causal"));
                }
                case "encoder": {
                    Module norm = bool("norm") ? new LayerNorm(new int[] {integer("d_model")}, num("eps"), true,
                            bool("bias")) : null;
                    TransformerEncoder m = new TransformerEncoder(encoderLayer(), 2, norm);
                    copyIn(m);
                    return m.forward(a.get("src"), a.get("mask"), a.get("src_key_padding_mask"), optBool("is_causal"));
                }
                case "transformer": {
                    String act = kw.get("activation");
                    Module actModule = activationModule(act);
                    Transformer m = actModule == null
                            ? new Transformer(integer("d_model"), integer("nhead"), 1, 1, integer("ff"), dropout(),
                            act, num("eps"), bool("batch_first"), bool("norm_first"), bool("bias"))
                            : new Transformer(integer("d_model"), integer("nhead"), 1, 1, integer("ff"), dropout(),
                            actModule, num("eps"), bool("batch_first"), bool("norm_first"), bool("bias"));
                    copyIn(m);
                    return m.forward(a.get("src"), a.get("tgt"), a.get("src_mask"), a.get("tgt_mask"),
                            a.get("memory_mask"), a.get("src_key_padding_mask"), a.get("tgt_key_padding_mask"),
                            a.get("memory_key_padding_mask"), optBool("src_is_causal"), optBool("tgt_is_causal"),
                            false);
                }
                default: throw new IllegalStateException("step " + op);
            }
        }

        private TransformerEncoderLayer encoderLayer() {
            String act = kw.get("activation");
            Module actModule = activationModule(act);
            return actModule == null
                    ? new TransformerEncoderLayer(integer("d_model"), integer("nhead"), integer("ff"), dropout(), act,
                    num("eps"), bool("batch_first"), bool("norm_first"), bool("bias"))
                    : new TransformerEncoderLayer(integer("d_model"), integer("nhead"), integer("ff"), dropout(),
                    actModule, num("eps"), bool("batch_first"), bool("norm_first"), bool("bias"));
        }

        private TransformerDecoderLayer decoderLayer() {
            String act = kw.get("activation");
            Module actModule = activationModule(act);
            return actModule == null
                    ? new TransformerDecoderLayer(integer("d_model"), integer("nhead"), integer("ff"), dropout(), act,
                    num("eps"), bool("batch_first"), bool("norm_first"), bool("bias"))
                    : new TransformerDecoderLayer(integer("d_model"), integer("nhead"), integer("ff"), dropout(),
                    actModule, num("eps"), bool("batch_first"), bool("norm_first"), bool("bias"));
        }

        /** A module activation (PyTorch's callable), or null for the names "relu" and "gelu". */
        private static Module activationModule(String name) {
            switch (name) {
                case "relu": case "gelu": return null;
                case "tanh": return new Tanh();
                case "silu": return new SiLU();
                case "gelu_tanh": return new GELU("tanh");
                default: throw new IllegalStateException("activation " + name);
            }
        }

        /**
         * The module in the arguments' dtype, in training mode, each parameter given its case value; the module's
         * parameter names must be the case's (PyTorch's) names.
         */
        private void copyIn(Module m) {
            module = m;
            Tensor first = a.values().iterator().next();
            DType dt = params.isEmpty() ? first.dtype()
                    : DifferentialFuzzR17Test.tensor(params.values().iterator().next()).dtype();
            m.to(dt);
            m.train(!"False".equals(kw.get("training")));
            Map<String, Tensor> named = m.namedParameters();
            if (!new TreeSet<>(named.keySet()).equals(new TreeSet<>(params.keySet()))) {
                List<String> extra = new ArrayList<>(named.keySet());
                extra.removeAll(params.keySet());
                List<String> missing = new ArrayList<>(params.keySet());
                missing.removeAll(named.keySet());
                throw new AssertionError("parameters: Ember's has " + extra + " beyond PyTorch's, lacks " + missing);
            }
            try (GradMode off = Ember.noGrad()) {
                for (Map.Entry<String, String> e : params.entrySet()) {
                    named.get(e.getKey()).copy_(DifferentialFuzzR17Test.tensor(e.getValue()));
                }
            }
        }

        /** The modules' dropout probability: 0 in training, where the case gives none. */
        private double dropout() {
            return kw.containsKey("dropout") ? num("dropout") : 0.0;
        }

        private int integer(String key) {
            return Integer.parseInt(kw.get(key));
        }

        private double num(String key) {
            return PyTorchCases.numbers(kw.get(key))[0];
        }

        private boolean bool(String key) {
            return "True".equals(kw.get(key));
        }

        private Boolean optBool(String key) {
            String v = kw.get(key);
            return v == null || v.equals("N") ? null : v.equals("True");
        }
    }
}
