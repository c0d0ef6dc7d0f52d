package dev.ember;

import dev.ember.nn.Functional;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Replays one case of {@code differentialfuzzr36/cases.txt} (its generator, {@code make_cases.py}, describes the
 * lines): each input built as PyTorch built it (a contiguous base through the case's view recipe: transpose, permute,
 * stepped slice, expand, narrow, channels-last, unfold, diagonal, as_strided), the leaves the case names made as
 * {@code view.detach().requiresGrad_(true)}, the one call, then the result's values (within
 * {@link FuzzR31Interpreter#compare}'s tolerance), its layout (strides, {@code isContiguous()}, and for 4-D / 5-D
 * {@code isContiguous} in the channels-last format), an in-place call's base afterwards, or PyTorch's refusal with every
 * input unchanged; then each leaf's gradient of {@code sum(out * g)}, its values and its layout.
 */
final class FuzzR36Interpreter {
    private FuzzR36Interpreter() {
    }

    /** Null where Ember does what PyTorch did, else what differs. */
    static String run(List<String> body) {
        Map<String, String[]> views = new LinkedHashMap<>();
        Map<String, String> bases = new LinkedHashMap<>();
        Map<String, String> gx = new LinkedHashMap<>();
        Map<String, String> gl = new LinkedHashMap<>();
        List<String> rg = List.of();
        String step = null;
        String err = null;
        String out = null;
        String lay = null;
        String g = null;
        for (String line : body) {
            int sp = line.indexOf(' ');
            String key = sp < 0 ? line : line.substring(0, sp);
            String rest = sp < 0 ? "" : line.substring(sp + 1);
            int sp2 = rest.indexOf(' ');
            switch (key) {
                case "v": {
                    int bar = rest.indexOf(" | ");
                    views.put(rest.substring(0, sp2), new String[] {rest.substring(sp2 + 1, bar), rest.substring(bar + 3)});
                    break;
                }
                case "rg": rg = Arrays.asList(rest.split(" ")); break;
                case "s": step = rest; break;
                case "err": err = rest; break;
                case "o": out = rest; break;
                case "lay": lay = rest; break;
                case "base": bases.put(rest.substring(0, sp2), rest.substring(sp2 + 1)); break;
                case "g": g = rest; break;
                case "gx": gx.put(rest.substring(0, sp2), rest.substring(sp2 + 1)); break;
                case "gl": gl.put(rest.substring(0, sp2), rest.substring(sp2 + 1)); break;
                default: throw new IllegalStateException("line " + line);
            }
        }
        Map<String, Tensor> base = new HashMap<>();
        Map<String, Tensor> a = new HashMap<>();
        for (Map.Entry<String, String[]> e : views.entrySet()) {
            Tensor b = DifferentialFuzzR17Test.tensor(e.getValue()[1]);
            base.put(e.getKey(), b);
            Tensor v = view(b, e.getValue()[0]);
            a.put(e.getKey(), rg.contains(e.getKey()) ? v.detach().requiresGrad_(true) : v);
        }
        Tensor got;
        try {
            got = call(step, a);
        } catch (RuntimeException e) {
            if (err == null) {
                return "PyTorch gives a result, Ember throws " + e;
            }
            String msg = e.getMessage() == null ? null : e.getMessage().split("\n", -1)[0];
            if (!err.equals(msg)) {
                return "message: PyTorch \"" + err + "\", Ember \"" + e.getMessage() + "\" ("
                        + e.getClass().getSimpleName() + ")";
            }
            for (Map.Entry<String, String[]> en : views.entrySet()) {
                String r = FuzzR31Interpreter.compare("the base of " + en.getKey() + " after a refused call",
                        DifferentialFuzzR17Test.tensor(en.getValue()[1]), base.get(en.getKey()), true);
                if (r != null) {
                    return r;
                }
            }
            return null;
        }
        if (err != null) {
            return "PyTorch refuses (\"" + err + "\"), Ember gives " + got.dtype() + Arrays.toString(got.shape());
        }
        String r;
        if (out.endsWith(": ?")) {
            r = FuzzCaseRunner.compareTypeShapeAndIntegers("the result", DifferentialFuzzR17Test.tensor(
                    out.substring(0, out.length() - 3) + " : " + zeros(got.numel())), got.zerosLike());
        } else {
            r = FuzzR31Interpreter.compare("the result", DifferentialFuzzR17Test.tensor(out), got, false);
        }
        if (r == null) {
            r = layout("the result", lay, got);
        }
        for (Map.Entry<String, String> e : bases.entrySet()) {
            if (r == null) {
                r = FuzzR31Interpreter.compare("the base of " + e.getKey() + " after the in-place call",
                        DifferentialFuzzR17Test.tensor(e.getValue()), base.get(e.getKey()), false);
            }
        }
        if (r != null || g == null) {
            return r;
        }
        got.mul(DifferentialFuzzR17Test.tensor(g)).sum().backward();
        for (Map.Entry<String, String> e : gx.entrySet()) {
            Tensor grad = a.get(e.getKey()).grad();
            if (e.getValue().equals("none")) {
                if (grad != null) {
                    return "gradient of " + e.getKey() + ": PyTorch none, Ember " + Arrays.toString(grad.shape());
                }
                continue;
            }
            r = FuzzR31Interpreter.compare("gradient of " + e.getKey(), DifferentialFuzzR17Test.tensor(e.getValue()),
                    grad, false);
            if (r == null) {
                r = layout("the layout of the gradient of " + e.getKey(), gl.get(e.getKey()), grad);
            }
            if (r != null) {
                return r;
            }
        }
        return null;
    }

    private static String zeros(long n) {
        StringBuilder s = new StringBuilder();
        for (long k = 0; k < n; k++) {
            s.append(k == 0 ? "0" : " 0");
        }
        return s.toString();
    }

    /**
     * Null where {@code t}'s layout is the recorded {@code "<strides> <contiguous> <channels-last>"}: the strides of
     * every dim of size above 1 (a size-1 dim's stride addresses nothing; PyTorch's is_contiguous and its grad layout
     * contract ignore it too, and its own choice there varies between kernels and versions), and both flags exactly.
     */
    static String layout(String what, String expected, Tensor t) {
        String[] w = expected.split(" ");
        int[] want = ints(w[0].equals("E") ? "" : w[0]);
        int[] st = t.stride();
        int[] shape = t.shape();
        boolean same = want.length == st.length;
        for (int d = 0; same && d < st.length; d++) {
            same = shape[d] == 1 || want[d] == st[d];
        }
        String cl = t.dim() == 4 ? flag(t.isContiguous(MemoryFormat.CHANNELS_LAST))
                : t.dim() == 5 ? flag(t.isContiguous(MemoryFormat.CHANNELS_LAST_3D)) : "-";
        String c = flag(t.isContiguous());
        return same && c.equals(w[1]) && cl.equals(w[2]) ? null : what + " " + Arrays.toString(shape)
                + ": PyTorch strides/contiguous/channels-last " + expected + ", Ember " + Arrays.toString(st) + " " + c
                + " " + cl;
    }

    private static String flag(boolean b) {
        return b ? "True" : "False";
    }

    /** The base {@code b} through the recipe ({@code step;step...}, or {@code -}). */
    static Tensor view(Tensor b, String recipe) {
        Tensor x = b;
        if (recipe.equals("-")) {
            return x;
        }
        for (String step : recipe.split(";")) {
            String[] w = step.split(" ");
            int[] v = w.length > 1 && !w[1].contains("/") ? ints(w[1]) : null;
            switch (w[0]) {
                case "tr": x = x.transpose(v[0], v[1]); break;
                case "perm": x = x.permute(v); break;
                case "sl": x = x.slice(v[0], v[1], v[2], v[3]); break;
                case "ex": x = x.expand(v); break;
                case "nw": x = x.narrow(v[0], v[1], v[2]); break;
                case "cl": x = x.contiguous(MemoryFormat.CHANNELS_LAST); break;
                case "cl3": x = x.contiguous(MemoryFormat.CHANNELS_LAST_3D); break;
                case "uf": x = x.unfold(v[0], v[1], v[2]); break;
                case "dg": x = x.diagonal(v[0], v[1], v[2]); break;
                case "as": {
                    String[] p = w[1].split("/", -1);
                    x = x.asStrided(ints(p[0]), ints(p[1]), Integer.parseInt(p[2]));
                    break;
                }
                default: throw new IllegalStateException("recipe " + recipe);
            }
        }
        return x;
    }

    private static int[] ints(String s) {
        return s.isEmpty() ? new int[0] : Arrays.stream(s.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    /** The call ({@code <op> [k=v ...]}) on the inputs {@code a}. */
    private static Tensor call(String text, Map<String, Tensor> a) {
        String[] w = text.split(" ");
        String op = w[0];
        Map<String, String> kw = new HashMap<>();
        for (int k = 1; k < w.length; k++) {
            int eq = w[k].indexOf('=');
            kw.put(w[k].substring(0, eq), w[k].substring(eq + 1));
        }
        Tensor x = a.get("x");
        int d = kw.containsKey("dim") ? Integer.parseInt(kw.get("dim")) : 0;
        boolean kd = "True".equals(kw.get("keepdim"));
        String red = kw.get("reduction");
        switch (op) {
            case "exp": return x.exp();
            case "neg": return x.neg();
            case "abs": return x.abs();
            case "sigmoid": return x.sigmoid();
            case "tanh": return x.tanh();
            case "relu": return x.relu();
            case "sin": return x.sin();
            case "mul_s": return x.mul(1.5);
            case "add_i": return x.add(2L);
            case "pow2": return x.pow(2L);
            case "gelu": return Functional.gelu(x);
            case "add": return a.get("a").add(a.get("b"));
            case "sub": return a.get("a").sub(a.get("b"));
            case "mul": return a.get("a").mul(a.get("b"));
            case "div": return a.get("a").div(a.get("b"));
            case "maximum": return a.get("a").maximum(a.get("b"));
            case "atan2": return a.get("a").atan2(a.get("b"));
            case "add_": return x.add_(a.get("y"));
            case "mul_": return x.mul_(a.get("y"));
            case "sub_": return x.sub_(a.get("y"));
            case "empty_like": return x.emptyLike();
            case "zeros_like": return x.zerosLike();
            case "ones_like": return x.onesLike();
            case "full_like": return x.fullLike(7L);
            case "rand_like": return x.randLike();
            case "clone": return x.clone();
            case "clone_contig": return x.clone(MemoryFormat.CONTIGUOUS_FORMAT);
            case "clone_cl": return x.clone(MemoryFormat.CHANNELS_LAST);
            case "contiguous": return x.contiguous();
            case "to_f64": return x.to(DType.FLOAT64);
            case "to_f32": return x.to(DType.FLOAT32);
            case "to_i64": return x.to(DType.INT64);
            case "sum": return x.sum(d, kd);
            case "mean": return x.mean(d, kd);
            case "amax": return x.amax(new int[] {d}, kd);
            case "softmax": return x.softmax(d);
            case "log_softmax": return x.logSoftmax(d);
            case "cumsum": return x.cumsum(d);
            case "var": return x.var(d, kd);
            case "prod": return x.prod(d, kd);
            case "mm": return a.get("a").mm(a.get("b"));
            case "bmm": return a.get("a").bmm(a.get("b"));
            case "matmul": return a.get("a").matmul(a.get("b"));
            case "linear": return Functional.linear(a.get("a"), a.get("b"), a.get("c"));
            case "conv2d": {
                int s = Integer.parseInt(kw.get("stride"));
                int p = Integer.parseInt(kw.get("padding"));
                return Functional.conv2d(x, a.get("w"), null, new int[] {s, s}, new int[] {p, p}, new int[] {1, 1}, 1);
            }
            case "max_pool2d": return Functional.maxPool2d(x, Integer.parseInt(kw.get("kernel")));
            case "avg_pool2d": return Functional.avgPool2d(x, Integer.parseInt(kw.get("kernel")));
            case "batch_norm": return Functional.batchNorm(x, null, null, a.get("weight"), a.get("bias"), true, 0.1, 1e-5);
            case "layer_norm": return Functional.layerNorm(x, new int[] {Integer.parseInt(kw.get("shape"))});
            case "group_norm": return Functional.groupNorm(x, Integer.parseInt(kw.get("groups")));
            case "mse_loss": return Functional.mseLoss(a.get("input"), a.get("target"), red);
            case "l1_loss": return Functional.l1Loss(a.get("input"), a.get("target"), red);
            case "smooth_l1_loss": return Functional.smoothL1Loss(a.get("input"), a.get("target"), red, 1.0);
            case "huber_loss": return Functional.huberLoss(a.get("input"), a.get("target"), red, 1.0);
            case "binary_cross_entropy": return Functional.binaryCrossEntropy(a.get("input"), a.get("target"), red);
            case "cross_entropy":
                return Functional.crossEntropy(a.get("input"), a.get("target"), null, red, -100, 0.0);
            case "cat": case "stack": {
                List<Tensor> ts = new ArrayList<>();
                for (int k = 0; k < Integer.parseInt(kw.get("n")); k++) {
                    ts.add(a.get("t" + k));
                }
                return op.equals("cat") ? Tensor.cat(ts, d) : Tensor.stack(ts, d);
            }
            case "index_select": return x.indexSelect(d, a.get("index"));
            case "gather": return x.gather(d, a.get("index"));
            case "scatter": return x.scatter(d, a.get("index"), a.get("src"));
            default: throw new IllegalStateException("step " + text);
        }
    }
}
