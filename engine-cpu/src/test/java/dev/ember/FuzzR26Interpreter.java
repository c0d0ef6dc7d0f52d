package dev.ember;

import dev.ember.nn.BatchNorm1d;
import dev.ember.nn.BatchNorm2d;
import dev.ember.nn.Conv2d;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.ModuleInternals;
import dev.ember.nn.ParametrizationList;
import dev.ember.nn.utils.ClipGrad;
import dev.ember.nn.utils.Convert;
import dev.ember.nn.utils.Fusion;
import dev.ember.nn.utils.Parametrization;
import dev.ember.nn.utils.Parametrizations;
import dev.ember.nn.utils.Parametrize;
import dev.ember.nn.utils.Prune;
import dev.ember.nn.utils.WeightNorm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Replays one case of {@code differentialfuzzr26/cases.txt} (its generator, {@code make_cases.py}, describes the lines
 * and the statements): one small float64 module given the case's values, then each statement run through Ember's
 * {@code dev.ember.nn.utils}, its result or refusal (exception kind and message) compared with PyTorch's, and after it
 * the state: named_parameters (with requires_grad), named_buffers, the state dict's keys exactly; the state dict's
 * values and the gradients within 1e-9 relative (1e-5 for float32 values).
 */
final class FuzzR26Interpreter {
    // ------------------------------------------------------------------------------------ the generator's menu

    /** {@code x * 1.5}, no right inverse. */
    static final class Scale extends Module {
        @Override
        public Tensor forward(Tensor x) {
            return x.mul(1.5);
        }
    }

    /** {@code -x}, right inverse {@code -x}. */
    static final class Neg extends Parametrization {
        @Override
        public Tensor forward(Tensor x) {
            return x.neg();
        }

        @Override
        public List<Tensor> rightInverse(Tensor x) {
            return List.of(x.neg());
        }
    }

    /** A symmetric matrix from the upper triangle, right inverse {@code triu}. */
    static final class Sym extends Parametrization {
        @Override
        public Tensor forward(Tensor x) {
            return x.triu().add(x.triu(1).transpose(-1, -2));
        }

        @Override
        public List<Tensor> rightInverse(Tensor x) {
            return List.of(x.triu());
        }
    }

    /** Two originals: right inverse {@code (x / 2, x / 2)}, forward {@code a + b}. */
    static final class Split extends Parametrization {
        @Override
        public Tensor forward(List<Tensor> originals) {
            if (originals.size() != 2) {
                return super.forward(originals);
            }
            return originals.get(0).add(originals.get(1));
        }

        @Override
        public Tensor forward(Tensor x) {
            throw new IllegalArgumentException("Split.forward() missing 1 required positional argument: 'b'");
        }

        @Override
        public List<Tensor> rightInverse(Tensor x) {
            return List.of(x.div(2.0), x.div(2.0));
        }

        @Override
        public boolean rightInverseIsTensor() {
            return false;
        }
    }

    /** {@code x.reshape(-1)}, which needs unsafe. */
    static final class Flat extends Module {
        @Override
        public Tensor forward(Tensor x) {
            return x.reshape(-1);
        }
    }

    /** {@code x.float()}, which needs unsafe. */
    static final class F32 extends Module {
        @Override
        public Tensor forward(Tensor x) {
            return x.to(DType.FLOAT32);
        }
    }

    private static Module menu(String name) {
        return switch (name) {
            case "Scale" -> new Scale();
            case "Neg" -> new Neg();
            case "Sym" -> new Sym();
            case "Split" -> new Split();
            case "Flat" -> new Flat();
            case "F32" -> new F32();
            default -> throw new IllegalStateException("unknown parametrization " + name);
        };
    }

    // ------------------------------------------------------------------------------------ the replay

    private final List<String> lines;
    private final List<String> diffs = new ArrayList<>();
    private Module m;
    private Tensor x;

    private FuzzR26Interpreter(List<String> lines) {
        this.lines = lines;
    }

    /** Runs the case; null when Ember matches PyTorch, else what differs. */
    static String run(List<String> lines) {
        return new FuzzR26Interpreter(lines).run();
    }

    private String run() {
        int i = 0;
        build(lines.get(0).split(" "), lines.get(1).split(" "), lines.get(2).split(" ")[1]);
        i = 3;
        String stmt = "build";
        i = checkState(stmt, i);
        while (i < lines.size() && diffs.isEmpty()) {
            String line = lines.get(i++);
            if (!line.startsWith("s ")) {
                throw new IllegalStateException("expected a statement, got " + line);
            }
            stmt = line.substring(2);
            String result = null;
            String error = null;
            try {
                result = execute(stmt.split(" "));
            } catch (RuntimeException e) {
                error = e.getClass().getSimpleName() + ": " + String.valueOf(e.getMessage()).replace("\n", "|");
                if (!(e instanceof IllegalArgumentException || e instanceof IndexOutOfBoundsException
                        || e instanceof IllegalStateException || e instanceof UnsupportedOperationException)) {
                    error = e + " at " + Arrays.toString(Arrays.copyOf(e.getStackTrace(), 5));
                }
            }
            String next = lines.get(i);
            if (next.startsWith("r ")) {
                i++;
                if (error != null) {
                    diffs.add("[" + stmt + "] error " + error + " != result " + next.substring(2));
                } else if (!sameResult(next.substring(2), result)) {
                    diffs.add("[" + stmt + "] result\n    ember   " + result + "\n    pytorch " + next.substring(2));
                }
            } else if (next.startsWith("err ")) {
                i++;
                String want = next.substring(4);
                if (error == null) {
                    diffs.add("[" + stmt + "] no error (result " + result + ") != " + want);
                } else if (!sameError(want, error)) {
                    diffs.add("[" + stmt + "] error\n    ember   " + error + "\n    pytorch " + want);
                }
            } else if (result != null || error != null) {
                diffs.add("[" + stmt + "] " + (error != null ? "error " + error : "result " + result)
                        + " where PyTorch gives nothing");
            }
            i = checkState(stmt, i);
        }
        return diffs.isEmpty() ? null : String.join("\n  ", diffs);
    }

    /** Python's exception class against Ember's (MistakeReplay's mapping), and the message exactly. */
    private static boolean sameError(String want, String got) {
        int colon = want.indexOf(": ");
        String pyKind = want.substring(0, colon);
        String text = want.substring(colon + 2);
        int gc = got.indexOf(": ");
        String kind = gc < 0 ? got : got.substring(0, gc);
        String gotText = gc < 0 ? "" : got.substring(gc + 2);
        boolean kindOk = switch (pyKind) {
            case "IndexError" -> kind.equals("IndexOutOfBoundsException");
            case "NotImplementedError" -> kind.equals("UnsupportedOperationException");
            case "RuntimeError", "AssertionError" -> kind.equals("IllegalArgumentException")
                    || kind.equals("IllegalStateException");
            default -> kind.equals("IllegalArgumentException");
        };
        return kindOk && text.equals(gotText);
    }

    private boolean sameResult(String want, String got) {
        if (got == null) {
            return false;
        }
        if (want.equals(got)) {
            return true;
        }
        String[] w = want.split(":", 2);
        String[] g = got.split(":", 2);
        if (w.length == 2 && g.length == 2) {
            return w[0].equals(g[0]) && closeCsv(w[1], g[1], w[0].equals("f32") ? 1e-5 : 1e-9);
        }
        return closeCsv(want, got, 1e-9);
    }

    private static boolean closeCsv(String want, String got, double tol) {
        String[] a = want.split(",", -1);
        String[] b = got.split(",", -1);
        if (a.length != b.length) {
            return false;
        }
        for (int k = 0; k < a.length; k++) {
            if (a[k].equals(b[k])) {
                continue;
            }
            double e;
            double v;
            try {
                e = Double.parseDouble(a[k]);
                v = Double.parseDouble(b[k]);
            } catch (NumberFormatException ex) {
                return false;
            }
            if (Double.isNaN(e) && Double.isNaN(v) || e == v) {
                continue;
            }
            if (!(Math.abs(e - v) <= tol * Math.max(1, Math.abs(e)))) {
                return false;
            }
        }
        return true;
    }

    /** Compares the st, sd and g lines at {@code i}; returns the index after them. */
    private int checkState(String stmt, int i) {
        String st;
        Map<String, String> sd = new LinkedHashMap<>();
        Map<String, String> g = new LinkedHashMap<>();
        try {
            StringBuilder ps = new StringBuilder();
            for (Map.Entry<String, Tensor> e : m.namedParameters().entrySet()) {
                ps.append(ps.length() == 0 ? "" : " ").append(e.getKey()).append(':')
                        .append(e.getValue().requiresGrad() ? 1 : 0);
                Tensor grad = e.getValue().grad();
                g.put(e.getKey(), grad == null ? "none" : csv(grad));
            }
            Map<String, Tensor> state = m.stateDict();
            state.forEach((k, v) -> sd.put(k, dt(v) + ":" + csv(v)));
            st = "st " + ps + " ; " + String.join(" ", m.namedBuffers().keySet()) + " ; "
                    + String.join(" ", state.keySet());
        } catch (RuntimeException e) {
            diffs.add("after [" + stmt + "] state failed: " + e + " " + Arrays.toString(Arrays.copyOf(e.getStackTrace(), 5)));
            return i + 3;
        }
        String wantSt = lines.get(i);
        if (!wantSt.equals(st)) {
            diffs.add("after [" + stmt + "] names\n    ember   " + st + "\n    pytorch " + wantSt);
        }
        compareEntries(stmt, "sd", lines.get(i + 1), sd);
        compareEntries(stmt, "g", lines.get(i + 2), g);
        return i + 3;
    }

    private void compareEntries(String stmt, String tag, String line, Map<String, String> got) {
        String body = line.length() > tag.length() ? line.substring(tag.length() + 1) : "";
        Map<String, String> want = new LinkedHashMap<>();
        for (String item : body.isEmpty() ? new String[0] : body.split(" ")) {
            int eq = item.indexOf('=');
            want.put(item.substring(0, eq), item.substring(eq + 1));
        }
        if (!want.keySet().equals(got.keySet())) {
            diffs.add("after [" + stmt + "] " + tag + " keys " + got.keySet() + " != " + want.keySet());
            return;
        }
        for (Map.Entry<String, String> e : want.entrySet()) {
            String v = got.get(e.getKey());
            if (!sameResult(e.getValue(), v)) {
                diffs.add("after [" + stmt + "] " + tag + " " + e.getKey() + "\n    ember   " + v + "\n    pytorch "
                        + e.getValue());
            }
        }
    }

    private static String dt(Tensor t) {
        return switch (t.dtype()) {
            case FLOAT64 -> "f64";
            case FLOAT32 -> "f32";
            case INT64 -> "i64";
            default -> t.dtype().toString();
        };
    }

    static String csv(Tensor t) {
        double[] v = t.detach().reshape(-1).toDoubleArray();
        StringBuilder sb = new StringBuilder();
        boolean integral = t.dtype() == DType.INT64 || t.dtype() == DType.BOOL || t.dtype() == DType.UINT8;
        for (int k = 0; k < v.length; k++) {
            if (k > 0) {
                sb.append(',');
            }
            double d = v[k];
            sb.append(integral ? Long.toString((long) d) : Double.isNaN(d) ? "nan" : Double.isInfinite(d)
                    ? (d > 0 ? "inf" : "-inf") : Double.toString(d));
        }
        return sb.toString();
    }

    private static double[] floats(String text) {
        String[] w = text.split(",");
        double[] out = new double[w.length];
        for (int k = 0; k < w.length; k++) {
            out[k] = Double.parseDouble(w[k]);
        }
        return out;
    }

    private static Tensor f64(String text) {
        return Tensor.tensor(floats(text), DType.FLOAT64);
    }

    private void build(String[] spec, String[] init, String xs) {
        int[] xshape;
        switch (spec[1]) {
            case "lin" -> {
                m = new Linear(Integer.parseInt(spec[2]), Integer.parseInt(spec[3]), spec[4].equals("1"));
                xshape = new int[] {2, Integer.parseInt(spec[2])};
            }
            case "conv" -> {
                m = new Conv2d(Integer.parseInt(spec[2]), Integer.parseInt(spec[3]), Integer.parseInt(spec[4]), 1, 0,
                        spec[5].equals("1"));
                xshape = new int[] {2, Integer.parseInt(spec[2]), 4, 4};
            }
            default -> {
                m = new BatchNorm1d(Integer.parseInt(spec[2]));
                xshape = new int[] {4, Integer.parseInt(spec[2])};
            }
        }
        m.to(DType.FLOAT64);
        List<Tensor> tensors = new ArrayList<>(m.namedParameters().values());
        for (Tensor b : m.namedBuffers().values()) {
            if (b.dtype().isFloatingPoint()) {
                tensors.add(b);
            }
        }
        try (GradMode off = Ember.noGrad()) {
            for (int k = 0; k < tensors.size(); k++) {
                Tensor t = tensors.get(k);
                t.copy_(f64(init[k + 1]).reshape(t.shape()));
            }
        }
        x = f64(xs).reshape(xshape);
    }

    private static Number amount(String a) {
        return a.charAt(0) == 'i' ? (Number) Long.parseLong(a.substring(1)) : (Number) Double.parseDouble(a.substring(1));
    }

    private static Integer dim(String d) {
        return d.equals("n") ? null : Integer.parseInt(d);
    }

    private static Boolean foreach(String f) {
        return f.equals("n") ? null : f.equals("1");
    }

    private String fb() {
        Tensor out = m.apply(x);
        out.mul(out).sum().backward();
        return csv(out);
    }

    private String execute(String[] w) {
        switch (w[0]) {
            case "fb" -> {
                return fb();
            }
            case "cfb" -> {
                try (ParametrizationList.CacheScope scope = Parametrize.cached()) {
                    return fb();
                }
            }
            case "read" -> {
                return csv(ModuleInternals.getAttr(m, w[1]));
            }
            case "train" -> m.train();
            case "eval" -> m.eval();
            case "zero" -> m.zeroGrad(true);
            case "reg" -> Parametrize.registerParametrization(m, w[1], menu(w[2]), w[3].equals("1"));
            case "rmp" -> Parametrize.removeParametrizations(m, w[1], w[2].equals("1"));
            case "asg" -> {
                Tensor cur = ModuleInternals.getAttr(m, w[1]);
                Parametrize.rightInverse(m, w[1], f64(w[2]).to(cur.dtype()).reshape(cur.shape()));
            }
            case "orth" -> {
                Ember.manualSeed(Long.parseLong(w[3]));
                Parametrizations.orthogonal(m, "weight", w[1], w[2].equals("1"));
            }
            case "sn" -> {
                Parametrizations.spectralNorm(m, w[1], Integer.parseInt(w[2]), Double.parseDouble(w[3]), dim(w[4]));
                if (!w[5].equals("-")) {
                    ParametrizationList list = Parametrize.parametrizations(m, w[1]);
                    Module p = list.get(list.size() - 1);
                    try (GradMode off = Ember.noGrad()) {
                        Tensor u = ModuleInternals.getAttr(p, "_u");
                        Tensor v = ModuleInternals.getAttr(p, "_v");
                        u.copy_(f64(w[5]).to(u.dtype()));
                        v.copy_(f64(w[6]).to(v.dtype()));
                    }
                }
            }
            case "wn" -> Parametrizations.weightNorm(m, w[1], w[2].equals("n") ? -1 : Integer.parseInt(w[2]));
            case "wno" -> WeightNorm.weightNorm(m, w[1], dim(w[2]));
            case "wnr" -> WeightNorm.removeWeightNorm(m, w[1]);
            case "prr" -> {
                Ember.manualSeed(Long.parseLong(w[3]));
                Number a = amount(w[2]);
                if (a instanceof Long l) {
                    Prune.randomUnstructured(m, w[1], l);
                } else {
                    Prune.randomUnstructured(m, w[1], a.doubleValue());
                }
            }
            case "prs" -> {
                Ember.manualSeed(Long.parseLong(w[4]));
                Number a = amount(w[2]);
                int d = Integer.parseInt(w[3]);
                if (a instanceof Long l) {
                    Prune.randomStructured(m, w[1], l, d);
                } else {
                    Prune.randomStructured(m, w[1], a.doubleValue(), d);
                }
            }
            case "pl1" -> {
                Number a = amount(w[2]);
                if (a instanceof Long l) {
                    Prune.l1Unstructured(m, w[1], l);
                } else {
                    Prune.l1Unstructured(m, w[1], a.doubleValue());
                }
            }
            case "pln" -> {
                Number a = amount(w[2]);
                int d = Integer.parseInt(w[4]);
                if (w[3].equals("fro")) {
                    if (a instanceof Long l) {
                        Prune.lnStructured(m, w[1], l, "fro", d);
                    } else {
                        Prune.lnStructured(m, w[1], a.doubleValue(), "fro", d);
                    }
                } else {
                    double n = Double.parseDouble(w[3].replace("inf", "Infinity"));
                    if (a instanceof Long l) {
                        Prune.lnStructured(m, w[1], l, n, d);
                    } else {
                        Prune.lnStructured(m, w[1], a.doubleValue(), n, d);
                    }
                }
            }
            case "pcm" -> {
                Tensor t = ModuleInternals.getAttr(m, w[1]);
                Prune.customFromMask(m, w[1], f64(w[2]).reshape(t.shape()));
            }
            case "pgl" -> {
                Ember.manualSeed(Long.parseLong(w[4]));
                List<Prune.Target> targets = new ArrayList<>();
                for (String t : w[2].split(",")) {
                    targets.add(new Prune.Target(m, t));
                }
                Class<? extends Prune.BasePruningMethod> method = w[3].equals("l1") ? Prune.L1Unstructured.class
                        : Prune.RandomUnstructured.class;
                Number a = amount(w[1]);
                if (a instanceof Long l) {
                    Prune.globalUnstructured(targets, method, null, (long) l);
                } else {
                    Prune.globalUnstructured(targets, method, null, a.doubleValue());
                }
            }
            case "prm" -> Prune.remove(m, w[1]);
            case "isp" -> {
                return Prune.isPruned(m) ? "1" : "0";
            }
            case "clipn" -> {
                Tensor t = ClipGrad.clipGradNorm_(m.parameters(), Double.parseDouble(w[1]), norm(w[2]), w[3].equals("1"),
                        foreach(w[4]));
                return dt(t) + ":" + csv(t);
            }
            case "clipe" -> {
                Tensor t = ClipGrad.clipGradNorm_(new ArrayList<>(), Double.parseDouble(w[1]), norm(w[2]), false, null);
                return dt(t) + ":" + csv(t);
            }
            case "clipv" -> ClipGrad.clipGradValue_(m.parameters(), Double.parseDouble(w[1]), foreach(w[2]));
            case "bad" -> {
                Tensor p = m.parameters().get(Integer.parseInt(w[1]));
                Tensor g = p.grad() == null ? Tensor.zeros(p.dtype(), p.shape()) : p.grad().clone();
                double[] v = g.reshape(-1).toDoubleArray();
                v[0] = norm(w[2]);
                p.setGrad(Tensor.tensor(v, g.dtype()).reshape(g.shape()));
            }
            case "p2v" -> {
                return csv(Convert.parametersToVector(m.parameters()));
            }
            case "v2p" -> Convert.vectorToParameters(f64(w[1]), m.parameters());
            case "frz" -> m.parameters().get(Integer.parseInt(w[1])).requiresGrad_(false);
            case "pl1i" -> {
                Tensor t = ModuleInternals.getAttr(m, w[1]);
                Tensor scores = f64(w[3]).reshape(t.shape());
                Number a = amount(w[2]);
                if (a instanceof Long l) {
                    Prune.l1Unstructured(m, w[1], l, scores);
                } else {
                    Prune.l1Unstructured(m, w[1], a.doubleValue(), scores);
                }
            }
            case "sdl" -> {
                Map<String, Tensor> cur = m.stateDict();
                Map<String, Tensor> sd = new LinkedHashMap<>();
                for (int k = 2; k < w.length; k++) {
                    int eq = w[k].indexOf('=');
                    String key = w[k].substring(0, eq);
                    Tensor t = cur.get(key);
                    if (t == null) { // an old weight_norm name (<t>_g, <t>_v): the original it stands for
                        int u = key.lastIndexOf('_');
                        t = cur.get("parametrizations." + key.substring(0, u) + ".original"
                                + (key.endsWith("_g") ? 0 : 1));
                    }
                    sd.put(key, t.dtype().isFloatingPoint() ? f64(w[k].substring(eq + 1)).to(t.dtype()).reshape(t.shape())
                            : t.clone());
                }
                m.loadStateDict(sd);
            }
            case "fuse" -> {
                double[] v = floats(w[2]);
                int nf = v.length / 4;
                boolean lin = m instanceof Linear;
                double eps = Double.parseDouble(w[1]);
                Module bn = lin ? new BatchNorm1d(nf, eps, 0.1, true, true) : new BatchNorm2d(nf, eps, 0.1);
                bn.to(DType.FLOAT64);
                try (GradMode off = Ember.noGrad()) {
                    Tensor all = Tensor.tensor(v, DType.FLOAT64);
                    ModuleInternals.getAttr(bn, "weight").copy_(all.narrow(0, 0, nf));
                    ModuleInternals.getAttr(bn, "bias").copy_(all.narrow(0, nf, nf));
                    ModuleInternals.getAttr(bn, "running_mean").copy_(all.narrow(0, 2 * nf, nf));
                    ModuleInternals.getAttr(bn, "running_var").copy_(all.narrow(0, 3 * nf, nf));
                }
                bn.eval();
                m = lin ? Fusion.fuseLinearBnEval(m, bn) : Fusion.fuseConvBnEval(m, bn);
            }
            default -> throw new IllegalStateException("unknown statement " + String.join(" ", w));
        }
        return null;
    }

    private static double norm(String s) {
        return switch (s) {
            case "inf" -> Double.POSITIVE_INFINITY;
            case "-inf" -> Double.NEGATIVE_INFINITY;
            case "nan" -> Double.NaN;
            default -> Double.parseDouble(s);
        };
    }
}
