package dev.ember;

import dev.ember.nn.Functional;
import dev.ember.nn.GELU;
import dev.ember.nn.LayerNorm;
import dev.ember.nn.Module;
import dev.ember.nn.MultiheadAttention;
import dev.ember.nn.ReLU;
import dev.ember.nn.SiLU;
import dev.ember.nn.Tanh;
import dev.ember.nn.Transformer;
import dev.ember.nn.TransformerDecoder;
import dev.ember.nn.TransformerDecoderLayer;
import dev.ember.nn.TransformerEncoder;
import dev.ember.nn.TransformerEncoderLayer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Replays one case of {@code differentialfuzzr23/cases.txt} (its generator, {@code make_cases.py}, describes the
 * statements, the 2.x semantics and the tolerances): modules built after {@link Ember#manualSeed} in float32 and moved
 * to float64, inputs given as data, scaled_dot_product_attention, MultiheadAttention and the transformer modules called
 * with the case's masks and hints (under {@link Ember#noGrad} where the case says so), the backward of a weighted sum of
 * the outputs, and the gradients of the inputs and of every parameter. Each result is compared with PyTorch's: dtype and
 * shape exactly, values (or a digest of them) within the line's tolerance; a refusal by PyTorch's message.
 */
final class FuzzR23Interpreter {
    private final Map<String, Tensor> vars = new HashMap<>();
    private final Map<String, Module> modules = new HashMap<>();
    private final List<String> lines;
    private int at;

    private FuzzR23Interpreter(List<String> lines) {
        this.lines = lines;
    }

    /** Runs the case; returns null when Ember matches PyTorch throughout, else the first difference. */
    static String run(List<String> lines) {
        FuzzR23Interpreter p = new FuzzR23Interpreter(lines);
        try {
            return p.run();
        } catch (RuntimeException e) {
            StackTraceElement[] st = e.getStackTrace();
            return "harness, after line " + p.at + ": " + e + " at "
                    + Arrays.toString(Arrays.copyOf(st, Math.min(6, st.length)));
        }
    }

    private String run() {
        while (at < lines.size()) {
            String line = lines.get(at++);
            String[] w = line.split(" ");
            switch (w[0]) {
                case "seed":
                    Ember.manualSeed(Long.parseLong(w[1]));
                    break;
                case "in":
                    vars.put(w[1], input(w[2], w[3], w[5], w[4].equals("G")));
                    break;
                case "same":
                    vars.put(w[1], vars.get(w[2]));
                    break;
                case "mod": {
                    String problem = module(line, w);
                    if (problem != null) {
                        return problem;
                    }
                    break;
                }
                case "mode":
                    modules.get(w[1]).train(w[2].equals("train"));
                    break;
                case "call": {
                    String problem = call(line, w);
                    if (problem != null) {
                        return problem;
                    }
                    break;
                }
                case "back": {
                    Tensor loss = null;
                    for (String o : w[1].split(",")) {
                        Tensor t = vars.get(o);
                        Tensor term = t.mul(lossWeights(t)).sum();
                        loss = loss == null ? term : loss.add(term);
                    }
                    loss.backward();
                    break;
                }
                case "grad": {
                    String problem = compare(vars.get(w[1]).grad(), lines.get(at++));
                    if (problem != null) {
                        return "grad " + w[1] + ": " + problem;
                    }
                    break;
                }
                case "pgrad": {
                    String problem = parameterGradients(w);
                    if (problem != null) {
                        return problem;
                    }
                    break;
                }
                default:
                    throw new IllegalStateException("unknown statement " + line);
            }
        }
        return null;
    }

    /** {@code cos(0.37 i + 0.11)} over the flat index, the backward's weights. */
    private static Tensor lossWeights(Tensor t) {
        double[] v = new double[t.numel() == 0 ? 0 : Math.toIntExact(t.numel())];
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.cos(0.37 * i + 0.11);
        }
        return Tensor.fromArray(v).reshape(t.shape()).to(t.dtype());
    }

    /** "pgrad M COUNT NONES": every parameter's gradient in order, concatenated (a missing one as zeros). */
    private String parameterGradients(String[] w) {
        Map<String, Tensor> params = modules.get(w[1]).namedParameters();
        List<Tensor> flat = new ArrayList<>();
        int nones = 0;
        for (Tensor p : params.values()) {
            Tensor g = p.grad();
            if (g == null) {
                nones++;
                g = p.detach().zerosLike();
            }
            flat.add(g.reshape(-1));
        }
        String want = lines.get(at++);
        String ours = params.size() + " " + nones;
        if (!ours.equals(w[2] + " " + w[3])) {
            return "parameters of " + w[1] + " (count, without gradient): PyTorch " + w[2] + " " + w[3] + ", Ember " + ours
                    + " " + params.keySet();
        }
        String problem = compare(Tensor.cat(flat, 0), want);
        return problem == null ? null : "parameter gradients of " + w[1] + " " + params.keySet() + ": " + problem;
    }

    /** The {@code key=value} words of {@code w} from index {@code from} on (also round 33's call parser's). */
    static Map<String, String> options(String[] w, int from) {
        Map<String, String> o = new HashMap<>();
        for (int i = from; i < w.length; i++) {
            int eq = w[i].indexOf('=');
            o.put(w[i].substring(0, eq), w[i].substring(eq + 1));
        }
        return o;
    }

    private String refusal(String line, RuntimeException thrown) {
        if (at < lines.size() && lines.get(at).startsWith("err ")) {
            String err = lines.get(at++).substring(4);
            if (thrown == null) {
                return "\"" + line + "\": PyTorch throws \"" + err + "\", Ember runs";
            }
            String ours = thrown.getMessage() == null ? "" : thrown.getMessage().split("\n")[0];
            return err.equals(ours) ? "" : "\"" + line + "\": PyTorch throws \"" + err + "\", Ember " + thrown;
        }
        if (thrown != null) {
            StackTraceElement[] st = thrown.getStackTrace();
            return "\"" + line + "\": PyTorch runs, Ember throws " + thrown + " at "
                    + Arrays.toString(Arrays.copyOf(st, Math.min(5, st.length)));
        }
        return null;
    }

    // ------------------------------------------------------------------------------------------------ modules

    private String module(String line, String[] w) {
        Map<String, String> o = options(w, 3);
        Module m = null;
        RuntimeException thrown = null;
        try {
            m = build(w[2], o);
        } catch (RuntimeException e) {
            thrown = e;
        }
        String problem = refusal(line, thrown);
        if (problem != null) {
            return problem.isEmpty() ? null : problem;
        }
        modules.put(w[1], o.containsKey("f32") ? m : m.to(DType.FLOAT64));
        return null;
    }

    private static int i(Map<String, String> o, String k) {
        return Integer.parseInt(o.get(k));
    }

    private static boolean b(Map<String, String> o, String k) {
        return o.get(k).equals("1");
    }

    private static Module build(String kind, Map<String, String> o) {
        switch (kind) {
            case "mha":
                return new MultiheadAttention(i(o, "e"), i(o, "h"), d(o, "drop", 0.0), o.getOrDefault("bias", "1").equals("1"),
                        o.getOrDefault("bkv", "0").equals("1"), o.getOrDefault("zattn", "0").equals("1"),
                        o.getOrDefault("kdim", "n").equals("n") ? null : i(o, "kdim"),
                        o.getOrDefault("vdim", "n").equals("n") ? null : i(o, "vdim"), o.getOrDefault("bf", "0").equals("1"));
            case "tel":
                return encoderLayer(o);
            case "tdl":
                return decoderLayer(o);
            case "tenc": {
                TransformerEncoderLayer layer = encoderLayer(o);
                return new TransformerEncoder(layer, i(o, "n"), b(o, "norm") ? new LayerNorm(i(o, "d")) : null, b(o, "nt"),
                        true);
            }
            case "tdec": {
                TransformerDecoderLayer layer = decoderLayer(o);
                return new TransformerDecoder(layer, i(o, "n"), b(o, "norm") ? new LayerNorm(i(o, "d")) : null);
            }
            case "tr":
                if (o.get("act").startsWith("m:")) {
                    return new Transformer(i(o, "d"), i(o, "h"), i(o, "ne"), i(o, "nd"), i(o, "ff"), d(o, "drop", 0.0),
                            activation(o.get("act")), d(o, "eps", 1e-5), b(o, "bf"), b(o, "nf"), b(o, "bias"));
                }
                return new Transformer(i(o, "d"), i(o, "h"), i(o, "ne"), i(o, "nd"), i(o, "ff"), d(o, "drop", 0.0),
                        o.get("act"), d(o, "eps", 1e-5), b(o, "bf"), b(o, "nf"), b(o, "bias"));
            default:
                throw new IllegalStateException("unknown module " + kind);
        }
    }

    private static double d(Map<String, String> o, String k, double otherwise) {
        return o.containsKey(k) ? Double.parseDouble(o.get(k)) : otherwise;
    }

    private static TransformerEncoderLayer encoderLayer(Map<String, String> o) {
        String act = o.get("act");
        if (act.startsWith("m:")) {
            return new TransformerEncoderLayer(i(o, "d"), i(o, "h"), i(o, "ff"), d(o, "drop", 0.0), activation(act),
                    d(o, "eps", 1e-5), b(o, "bf"), b(o, "nf"), b(o, "bias"));
        }
        return new TransformerEncoderLayer(i(o, "d"), i(o, "h"), i(o, "ff"), d(o, "drop", 0.0), act, d(o, "eps", 1e-5),
                b(o, "bf"), b(o, "nf"), b(o, "bias"));
    }

    private static TransformerDecoderLayer decoderLayer(Map<String, String> o) {
        String act = o.get("act");
        if (act.startsWith("m:")) {
            return new TransformerDecoderLayer(i(o, "d"), i(o, "h"), i(o, "ff"), d(o, "drop", 0.0), activation(act),
                    d(o, "eps", 1e-5), b(o, "bf"), b(o, "nf"), b(o, "bias"));
        }
        return new TransformerDecoderLayer(i(o, "d"), i(o, "h"), i(o, "ff"), d(o, "drop", 0.0), act, d(o, "eps", 1e-5),
                b(o, "bf"), b(o, "nf"), b(o, "bias"));
    }

    private static Module activation(String name) {
        switch (name) {
            case "m:tanh": return new Tanh();
            case "m:silu": return new SiLU();
            case "m:relu": return new ReLU();
            case "m:gelu": return new GELU();
            case "m:gelutanh": return new GELU("tanh");
            case "m:prelu": return new dev.ember.nn.PReLU();
            default: throw new IllegalStateException("unknown activation " + name);
        }
    }

    // ------------------------------------------------------------------------------------------------ calls

    private Tensor v(Map<String, String> o, String key) {
        String name = o.get(key);
        if (name == null) {
            return null;
        }
        Tensor t = vars.get(name);
        if (t == null) {
            throw new IllegalStateException("no variable " + name);
        }
        return t;
    }

    private static Boolean hint(Map<String, String> o, String key) {
        String s = o.get(key);
        return s == null || s.equals("n") ? null : s.equals("1");
    }

    private String call(String line, String[] w) {
        String[] outs = w[1].split(",");
        Map<String, String> o = options(w, 3);
        List<Tensor> results = null;
        RuntimeException thrown = null;
        boolean ng = o.getOrDefault("ng", "0").equals("1");
        try (GradMode g = Ember.setGradEnabled(!ng && Ember.isGradEnabled())) {
            results = ember(w[2], o);
        } catch (RuntimeException e) {
            thrown = e;
        }
        String problem = refusal(line, thrown);
        if (problem != null) {
            return problem.isEmpty() ? null : problem;
        }
        if (results.size() != outs.length) {
            throw new IllegalStateException("outputs: " + results.size() + " for " + line);
        }
        for (int k = 0; k < outs.length; k++) {
            String want = lines.get(at++);
            problem = compare(results.get(k), want);
            if (problem != null) {
                return "\"" + line + "\"" + (outs.length > 1 ? " output " + k : "") + ": " + problem;
            }
            vars.put(outs[k], results.get(k));
        }
        return null;
    }

    private List<Tensor> ember(String fn, Map<String, String> o) {
        switch (fn) {
            case "sdpa": {
                Double scale = o.containsKey("scale") ? Double.parseDouble(o.get("scale")) : null;
                return List.of(Functional.scaledDotProductAttention(v(o, "q"), v(o, "k"), v(o, "v"), v(o, "mask"),
                        d(o, "drop", 0.0), "1".equals(o.get("causal")), scale));
            }
            case "mha": {
                MultiheadAttention m = (MultiheadAttention) modules.get(o.get("m") == null ? "m" : o.get("m"));
                MultiheadAttention.Output r = m.forward(v(o, "q"), v(o, "k"), v(o, "v"), v(o, "kpm"), b(o, "nw"), v(o, "am"),
                        b(o, "avg"), b(o, "causal"));
                return Arrays.asList(r.output(), r.weights());
            }
            case "tel": {
                TransformerEncoderLayer m = (TransformerEncoderLayer) modules.get("m");
                return List.of(m.forward(v(o, "src"), v(o, "mask"), v(o, "kpm"), b(o, "causal")));
            }
            case "tdl": {
                TransformerDecoderLayer m = (TransformerDecoderLayer) modules.get("m");
                return List.of(m.forward(v(o, "tgt"), v(o, "mem"), v(o, "tm"), v(o, "mm"), v(o, "tkpm"), v(o, "mkpm"),
                        b(o, "tc"), b(o, "mc")));
            }
            case "tenc": {
                TransformerEncoder m = (TransformerEncoder) modules.get("m");
                return List.of(m.forward(v(o, "src"), v(o, "mask"), v(o, "kpm"), hint(o, "causal")));
            }
            case "tdec": {
                TransformerDecoder m = (TransformerDecoder) modules.get("m");
                return List.of(m.forward(v(o, "tgt"), v(o, "mem"), v(o, "tm"), v(o, "mm"), v(o, "tkpm"), v(o, "mkpm"),
                        hint(o, "tc"), b(o, "mc")));
            }
            case "tr": {
                Transformer m = (Transformer) modules.get("m");
                return List.of(m.forward(v(o, "src"), v(o, "tgt"), v(o, "sm"), v(o, "tm"), v(o, "mm"), v(o, "skpm"),
                        v(o, "tkpm"), v(o, "mkpm"), hint(o, "sc"), hint(o, "tc"), b(o, "mc")));
            }
            case "gsm":
                return List.of(Transformer.generateSquareSubsequentMask(i(o, "n")));
            default:
                throw new IllegalStateException("unknown call " + fn);
        }
    }

    // ------------------------------------------------------------------------------------------------ values

    private static int[] shape(String s) {
        return s.equals("-") ? new int[0] : Arrays.stream(s.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    /** An input of the case file (exact in its type), a leaf when it requires grad. */
    private static Tensor input(String dt, String shapeText, String text, boolean grad) {
        int[] shape = shape(shapeText);
        Tensor t;
        switch (dt) {
            case "float64/32":
            case "float32/32": {
                double[] v = text.equals("-") ? new double[0]
                        : Arrays.stream(text.split(",")).mapToDouble(s -> Long.parseLong(s) / 32.0).toArray();
                t = Tensor.fromArray(v).reshape(shape);
                if (dt.equals("float32/32")) {
                    t = t.to(DType.FLOAT32); // exact: k / 32 for the small k of the cases
                }
                break;
            }
            case "float64": {
                double[] v = new double[text.equals("-") ? 0 : text.length() / 16];
                for (int k = 0; k < v.length; k++) {
                    v[k] = Double.longBitsToDouble(Long.parseUnsignedLong(text.substring(16 * k, 16 * k + 16), 16));
                }
                t = Tensor.fromArray(v).reshape(shape);
                break;
            }
            case "float32": {
                float[] v = new float[text.equals("-") ? 0 : text.length() / 8];
                for (int k = 0; k < v.length; k++) {
                    v[k] = Float.intBitsToFloat((int) Long.parseUnsignedLong(text.substring(8 * k, 8 * k + 8), 16));
                }
                t = Tensor.fromArray(v).reshape(shape);
                break;
            }
            case "bool": {
                boolean[] v = new boolean[text.equals("-") ? 0 : text.length()];
                for (int k = 0; k < v.length; k++) {
                    v[k] = text.charAt(k) == '1';
                }
                t = Tensor.fromArray(v).reshape(shape);
                break;
            }
            case "int64": {
                long[] v = text.equals("-") ? new long[0] : Arrays.stream(text.split(",")).mapToLong(Long::parseLong).toArray();
                t = Tensor.fromArray(v).reshape(shape);
                break;
            }
            default:
                throw new IllegalStateException("unknown dtype " + dt);
        }
        return grad ? t.requiresGrad_(true) : t;
    }

    private static String dtypeName(DType d) {
        switch (d) {
            case FLOAT64: return "float64";
            case FLOAT32: return "float32";
            case BOOL: return "bool";
            case INT64: return "int64";
            default: return d.toString();
        }
    }

    private static String shapeText(int[] shape) {
        return shape.length == 0 ? "-" : String.join(",", Arrays.stream(shape).mapToObj(String::valueOf)
                .toArray(String[]::new));
    }

    /**
     * Null when {@code t} matches PyTorch's line: "= none" for no tensor; "= DTYPE SHAPE TOL VALUES" the same dtype and
     * shape and each value within {@code TOL * max(1, max |PyTorch's|)} (NaN for NaN, bools exactly); "~ DTYPE SHAPE TOL
     * D1,D2,D3,NAN" the digest of make_cases.py within {@code TOL * max(1, D3)}, the NaN positions exactly.
     */
    static String compare(Tensor t, String want) {
        if (want.equals("= none") || t == null) {
            return want.equals("= none") && t == null ? null
                    : "PyTorch " + (want.length() > 80 ? want.substring(0, 80) + "..." : want) + ", Ember "
                    + (t == null ? "none" : dtypeName(t.dtype()) + " " + shapeText(t.shape()));
        }
        String[] b = want.split(" ");
        Tensor c = t.detach().contiguous();
        String dt = dtypeName(c.dtype());
        String sh = shapeText(c.shape());
        if (!dt.equals(b[1]) || !sh.equals(b[2])) {
            return "PyTorch " + b[1] + " " + b[2] + ", Ember " + dt + " " + sh;
        }
        double tol = Double.parseDouble(b[3]);
        if (c.dtype() == DType.BOOL || c.dtype() == DType.INT64) {
            String ours = c.dtype() == DType.BOOL ? bools(c) : longs(c);
            String theirs = b.length > 4 ? b[4] : "";
            return ours.equals(theirs) ? null : "values differ: PyTorch " + theirs + ", Ember " + ours;
        }
        double[] x = c.numel() == 0 ? new double[0] : c.to(DType.FLOAT64).toDoubleArray();
        if (b[0].equals("~")) {
            String[] d = b[4].split(",");
            double[] ours = digest(x);
            long nan = 0;
            for (int k = 0; k < x.length; k++) {
                if (Double.isNaN(x[k])) {
                    nan += k + 1;
                }
            }
            if (nan != Long.parseLong(d[3])) {
                return "NaN positions differ (sum of i + 1: PyTorch " + d[3] + ", Ember " + nan + ")";
            }
            double scale = Math.max(1, bits(d[2]));
            for (int k = 0; k < 3; k++) {
                double y = bits(d[k]);
                if (!(Math.abs(ours[k] - y) <= tol * scale)) {
                    return "digest " + (k + 1) + ": PyTorch " + y + ", Ember " + ours[k] + " (tolerance " + tol + " x "
                            + scale + ")";
                }
            }
            return null;
        }
        int width = b[1].equals("float32") ? 8 : 16;
        String v = b.length > 4 ? b[4] : "-";
        int n = v.equals("-") ? 0 : v.length() / width;
        if (n != x.length) {
            return "values: PyTorch " + n + ", Ember " + x.length;
        }
        double[] y = new double[n];
        double scale = 1;
        for (int k = 0; k < n; k++) {
            long bitsK = Long.parseUnsignedLong(v.substring(k * width, k * width + width), 16);
            y[k] = width == 8 ? Float.intBitsToFloat((int) bitsK) : Double.longBitsToDouble(bitsK);
            if (!Double.isNaN(y[k]) && !Double.isInfinite(y[k])) {
                scale = Math.max(scale, Math.abs(y[k]));
            }
        }
        for (int k = 0; k < n; k++) {
            boolean bothNaN = Double.isNaN(x[k]) && Double.isNaN(y[k]);
            if (!bothNaN && x[k] != y[k] && !(Math.abs(x[k] - y[k]) <= tol * scale)) {
                return "element " + k + ": PyTorch " + y[k] + ", Ember " + x[k] + " (tolerance " + tol + " x " + scale + ")"
                        + " PyTorch " + Arrays.toString(y) + " Ember " + Arrays.toString(x);
            }
        }
        return null;
    }

    private static double bits(String hex) {
        return Double.longBitsToDouble(Long.parseUnsignedLong(hex, 16));
    }

    /** make_cases.py's digest: sum x_i cos(0.7 i + 0.3), sum x_i sin(1.3 i + 0.5), sum |x_i| over non-NaN values. */
    private static double[] digest(double[] x) {
        double d1 = 0;
        double d2 = 0;
        double d3 = 0;
        for (int k = 0; k < x.length; k++) {
            if (Double.isNaN(x[k])) {
                continue;
            }
            d1 += x[k] * Math.cos(0.7 * k + 0.3);
            d2 += x[k] * Math.sin(1.3 * k + 0.5);
            d3 += Math.abs(x[k]);
        }
        return new double[] {d1, d2, d3};
    }

    private static String bools(Tensor c) {
        StringBuilder s = new StringBuilder();
        for (long v : c.to(DType.INT64).toLongArray()) {
            s.append(v != 0 ? '1' : '0');
        }
        return s.toString();
    }

    private static String longs(Tensor c) {
        long[] v = c.toLongArray();
        StringBuilder s = new StringBuilder();
        for (int k = 0; k < v.length; k++) {
            s.append(k == 0 ? "" : ",").append(v[k]);
        }
        return s.toString();
    }
}
