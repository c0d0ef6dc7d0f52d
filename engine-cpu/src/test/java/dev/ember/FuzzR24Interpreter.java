package dev.ember;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replays one program of {@code differentialfuzzr24/cases.txt} (its generator, {@code make_cases.py}, describes the
 * statements): the autograd graph API driven by hand (tensor and node hooks, retain_grad, post-accumulate-grad hooks,
 * backward with gradient/retain_graph/create_graph/inputs, autograd.grad with its options, .grad read, cleared,
 * zeroed and assigned, detach_/requires_grad_, grad-mode scopes, saved-tensor hooks, custom Functions). Every result,
 * gradient and hook call is compared with PyTorch's: shapes, requires_grad, is_leaf, grad_fn names and the hook log
 * exactly, float64 values within 1e-12 of PyTorch's magnitude; a statement PyTorch refuses must be refused with
 * PyTorch's message (its first line).
 */
final class FuzzR24Interpreter {
    private static final double TOL = 1e-12;
    private static final Pattern VALUE = Pattern.compile("\\[([^\\]]*)\\]([0-9a-f]+|-)");

    private final Map<String, Tensor> vars = new HashMap<>();
    private final Map<Integer, RemovableHandle> hooks = new HashMap<>();
    private final Deque<AutoCloseable> modes = new ArrayDeque<>();
    private final Deque<AutoCloseable> sths = new ArrayDeque<>();
    private final List<String> log = new ArrayList<>();
    private final List<String> lines;
    private int at;

    private FuzzR24Interpreter(List<String> lines) {
        this.lines = lines;
    }

    /** Runs the program; returns null when Ember matches PyTorch throughout, else the first difference. */
    static String run(List<String> lines) {
        FuzzR24Interpreter p = new FuzzR24Interpreter(lines);
        try {
            return p.run();
        } catch (RuntimeException e) {
            StackTraceElement[] st = e.getStackTrace();
            return "harness, after line " + p.at + ": " + e + " at "
                    + Arrays.toString(Arrays.copyOf(st, Math.min(6, st.length)));
        } finally {
            p.closeScopes();
        }
    }

    private void closeScopes() {
        try {
            while (!modes.isEmpty()) {
                modes.pop().close();
            }
            while (!sths.isEmpty()) {
                sths.pop().close();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private String run() throws RuntimeException {
        while (at < lines.size()) {
            String line = lines.get(at++);
            String[] w = line.split(" ");
            String problem = statement(line, w);
            if (problem != null) {
                return problem;
            }
            problem = checkLog(line);
            if (problem != null) {
                return problem;
            }
        }
        return null;
    }

    /** A statement that may be refused: runs it, checks the refusal line, then its results ({@code results}). */
    private interface Body {
        List<Tensor> run();
    }

    private String statement(String line, String[] w) {
        switch (w[0]) {
            case "in":
                vars.put(w[1], input(w[2], w[3], w[4].equals("G"), w[5]));
                return null;
            case "unhook":
                hooks.remove(Integer.parseInt(w[1])).remove();
                return null;
            case "mode":
                modes.push(switch (w[1]) {
                    case "no" -> Ember.noGrad();
                    case "en" -> Ember.enableGrad();
                    case "set0" -> Ember.setGradEnabled(false);
                    case "set1" -> Ember.setGradEnabled(true);
                    case "inf" -> Ember.inferenceMode();
                    default -> throw new IllegalStateException(line);
                });
                return null;
            case "endmode":
            case "endsth":
                try {
                    (w[0].equals("endmode") ? modes : sths).pop().close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                return null;
            case "sth":
                if (w[1].equals("cpu")) {
                    sths.push(Autograd.saveOnCpu(false));
                    return null;
                }
                sths.push(Autograd.savedTensorsHooks(t -> {
                    log.add("pack " + shapeText(t.shape()));
                    return t;
                }, (Tensor t) -> {
                    log.add("unpack " + shapeText(t.shape()));
                    return t;
                }));
                return null;
            case "grad": {
                Tensor g = v(w[1]).grad();
                if (!w[2].equals("-") && g != null) {
                    vars.put(w[2], g);
                }
                String want = lines.get(at++);
                String ours = g == null ? "= none" : "= " + shapeText(g.shape()) + " " + shapeText(g.stride()) + " "
                        + flags(g) + " " + bits(g);
                String problem = compareLine(ours, want);
                return problem == null ? null : "\"" + line + "\": PyTorch " + abbrev(want) + ", Ember " + abbrev(ours)
                        + " (" + problem + ")";
            }
            default:
                break;
        }
        List<Tensor> results = null;
        RuntimeException thrown = null;
        try {
            results = body(line, w).run();
        } catch (RuntimeException e) {
            thrown = e;
        }
        if (at < lines.size() && lines.get(at).startsWith("err ")) {
            String err = lines.get(at++).substring(4);
            log.clear(); // the generator does not compare the hooks a refused statement ran
            if (thrown == null) {
                return "\"" + line + "\": PyTorch throws \"" + err + "\", Ember runs";
            }
            String ours = thrown.getMessage() == null ? "" : thrown.getMessage().split("\n")[0];
            return err.equals(ours) ? null : "\"" + line + "\": PyTorch throws \"" + err + "\", Ember " + thrown;
        }
        if (thrown != null) {
            StackTraceElement[] st = thrown.getStackTrace();
            return "\"" + line + "\": PyTorch runs, Ember throws " + thrown + " at "
                    + Arrays.toString(Arrays.copyOf(st, Math.min(6, st.length)));
        }
        if (w[0].equals("op") || w[0].equals("agrad")) {
            String[] outs = w[1].split(",");
            for (int i = 0; i < outs.length; i++) {
                Tensor t = results.get(i);
                if (t != null) {
                    vars.put(outs[i], t);
                }
                String want = lines.get(at++);
                String ours = t == null ? "= none" : "= " + shapeText(t.shape()) + " " + flags(t) + " " + bits(t);
                String problem = compareLine(ours, want);
                if (problem != null) {
                    return "\"" + line + "\"" + (outs.length > 1 ? " output " + i : "") + ": PyTorch " + abbrev(want)
                            + ", Ember " + abbrev(ours) + " (" + problem + ")";
                }
            }
        }
        return null;
    }

    private Body body(String line, String[] w) {
        switch (w[0]) {
            case "op":
                return () -> op(w[2], Arrays.copyOfRange(w, 3, w.length));
            case "hook": {
                int id = Integer.parseInt(w[1]);
                boolean dbl = w[3].equals("dbl");
                return () -> {
                    hooks.put(id, v(w[2]).registerHook(g -> {
                        log.add("h " + id + " " + value(g));
                        return !dbl || g == null ? null : g.mul(2.0);
                    }));
                    return null;
                };
            }
            case "pah": {
                int id = Integer.parseInt(w[1]);
                return () -> {
                    hooks.put(id, v(w[2]).registerPostAccumulateGradHook(t -> log.add("p " + id + " " + value(t.grad()))));
                    return null;
                };
            }
            case "nhook":
            case "npre": {
                int id = Integer.parseInt(w[1]);
                boolean dbl = w[3].equals("dbl");
                return () -> {
                    Node fn = v(w[2]).gradFn();
                    if (fn == null) {
                        throw new IllegalStateException("harness: no grad_fn in Ember where PyTorch has one");
                    }
                    if (w[0].equals("npre")) {
                        hooks.put(id, fn.registerPrehook(go -> {
                            log.add("q " + id + " " + values(go));
                            return dbl ? doubled(go) : null;
                        }));
                    } else {
                        hooks.put(id, fn.registerHook((gi, go) -> {
                            log.add("n " + id + " in=" + values(gi) + " out=" + values(go));
                            return dbl ? doubled(gi) : null;
                        }));
                    }
                    return null;
                };
            }
            case "retain":
                return () -> {
                    v(w[1]).retainGrad();
                    return null;
                };
            case "back":
                return () -> {
                    Tensor g = w[2].equals("none") ? null : v(w[2]);
                    List<Tensor> inputs = w[5].equals("-") ? null : vs(w[5]);
                    Autograd.backward(List.of(v(w[1])), g == null ? null : Collections.singletonList(g),
                            w[3].equals("1"), w[4].equals("1"), inputs);
                    return null;
                };
            case "agrad":
                return () -> {
                    String f = w[5];
                    GradOptions o = GradOptions.defaults().withRetainGraph(f.contains("r") || f.contains("c"))
                            .withCreateGraph(f.contains("c")).withGradsBatched(f.contains("b"))
                            .withMaterializeGrads(f.contains("m"));
                    if (f.contains("u")) {
                        o = o.withAllowUnused(true);
                    } else if (f.contains("U")) {
                        o = o.withAllowUnused(false);
                    }
                    List<Tensor> gos = w[4].equals("-") ? null : vs(w[4]);
                    return Autograd.grad(vs(w[2]), vs(w[3]), gos, o);
                };
            case "zgrad":
                return () -> {
                    Tensor t = v(w[1]);
                    if (w[2].equals("none")) {
                        t.setGrad(null);
                    } else if (t.grad() != null) {
                        Tensor g = t.grad();
                        if (g.gradFn() != null) {
                            g.detach_();
                        } else {
                            g.requiresGrad_(false);
                        }
                        g.zero_();
                    }
                    return null;
                };
            case "setgrad":
                return () -> {
                    Tensor t = v(w[1]);
                    switch (w[2]) {
                        case "ok" -> t.setGrad(Tensor.full(DType.FLOAT64, Device.CPU, 0.5, t.shape()));
                        case "shape" -> t.setGrad(Tensor.full(DType.FLOAT64, Device.CPU, 0.5, 5));
                        case "meta" -> t.setGrad(Tensor.full(DType.FLOAT64, Device.META, 0.5, t.shape()));
                        case "self" -> t.setGrad(t);
                        default -> t.setGrad(t.fullLike(0.5).to(DType.FLOAT32));
                    }
                    return null;
                };
            case "detach_":
                return () -> {
                    v(w[1]).detach_();
                    return null;
                };
            case "rg_":
                return () -> {
                    v(w[1]).requiresGrad_(w[2].equals("1"));
                    return null;
                };
            default:
                throw new IllegalStateException("unknown statement " + line);
        }
    }

    private List<Tensor> op(String name, String[] a) {
        Tensor x = v(a[0]);
        switch (name) {
            case "sin": return List.of(x.sin());
            case "exp": return List.of(x.exp());
            case "sq": return List.of(x.mul(x));
            case "mulc": return List.of(x.mul(2.5));
            case "sum": return List.of(x.sum());
            case "mean": return List.of(x.mean());
            case "t": return List.of(x.t());
            case "sel": return List.of(x.select(0, 0));
            case "view": return List.of(x.view(-1));
            case "expand": return List.of(x.expand(2, 3));
            case "clone": return List.of(x.clone());
            case "detach": return List.of(x.detach());
            case "imul": return List.of(x.mul_(2L));
            case "add": return List.of(x.add(v(a[1])));
            case "mul": return List.of(x.mul(v(a[1])));
            case "matmul": return List.of(x.matmul(v(a[1])));
            case "Cube": return List.of(new Cube(log).apply(x));
            case "Dirty": return List.of(new Dirty(log).apply(x));
            case "Once": return List.of(new Once(log).apply(x));
            case "Pair": return Arrays.asList(new Pair(log).applyAll(x));
            case "NoMat": return Arrays.asList(new NoMat(log).applyAll(x, v(a[1])));
            default: throw new IllegalStateException("unknown op " + name);
        }
    }

    // ------------------------------------------------------------------ the generator's Functions

    /** {@code Cube}: x^3, saving x. */
    static final class Cube extends AutogradFunction {
        private final List<String> log;

        Cube(List<String> log) {
            this.log = log;
        }

        @Override
        protected Tensor[] forward(Context ctx, Tensor... x) {
            ctx.saveForBackward(x[0]);
            return new Tensor[] {x[0].mul(x[0]).mul(x[0])};
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor... g) {
            log.add("fb Cube " + value(g[0]));
            Tensor x = ctx.savedTensors()[0];
            return new Tensor[] {g[0].mul(3L).mul(x).mul(x)};
        }
    }

    /** {@code Dirty}: x.mul_(2), marked dirty. */
    static final class Dirty extends AutogradFunction {
        private final List<String> log;

        Dirty(List<String> log) {
            this.log = log;
        }

        @Override
        protected Tensor[] forward(Context ctx, Tensor... x) {
            x[0].mul_(2L);
            ctx.markDirty(x[0]);
            return new Tensor[] {x[0]};
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor... g) {
            log.add("fb Dirty " + value(g[0]));
            return new Tensor[] {g[0].mul(2L)};
        }
    }

    /** {@code Pair}: (2x, (x > 0) as float64), the second non-differentiable. */
    static final class Pair extends AutogradFunction {
        private final List<String> log;

        Pair(List<String> log) {
            this.log = log;
        }

        @Override
        protected Tensor[] forward(Context ctx, Tensor... x) {
            Tensor flag = x[0].gt(0.0).to(DType.FLOAT64);
            ctx.markNonDifferentiable(flag);
            return new Tensor[] {x[0].mul(2L), flag};
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor... g) {
            log.add("fb Pair " + value(g[0]) + ";" + value(g[1]));
            return new Tensor[] {g[0].mul(2L)};
        }
    }

    /** {@code NoMat}: (x + y, x * y) with set_materialize_grads(False). */
    static final class NoMat extends AutogradFunction {
        private final List<String> log;

        NoMat(List<String> log) {
            this.log = log;
        }

        @Override
        protected Tensor[] forward(Context ctx, Tensor... in) {
            ctx.setMaterializeGrads(false);
            ctx.saveForBackward(in[0], in[1]);
            return new Tensor[] {in[0].add(in[1]), in[0].mul(in[1])};
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor... g) {
            log.add("fb NoMat " + value(g[0]) + ";" + value(g[1]));
            Tensor[] saved = ctx.savedTensors(); // once, as the generator's ctx.saved_tensors (one unpack each)
            Tensor x = saved[0];
            Tensor y = saved[1];
            Tensor gx = null;
            Tensor gy = null;
            if (g[0] != null) {
                gx = g[0];
                gy = g[0];
            }
            if (g[1] != null) {
                gx = gx == null ? g[1].mul(y) : gx.add(g[1].mul(y));
                gy = gy == null ? g[1].mul(x) : gy.add(g[1].mul(x));
            }
            return new Tensor[] {gx, gy};
        }
    }

    /** {@code Once}: sin x with a once-differentiable backward. */
    static final class Once extends AutogradFunction {
        private final List<String> log;

        Once(List<String> log) {
            this.log = log;
        }

        @Override
        protected Tensor[] forward(Context ctx, Tensor... x) {
            ctx.saveForBackward(x[0]);
            return new Tensor[] {x[0].sin()};
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor... g) {
            log.add("fb Once " + value(g[0]));
            return new Tensor[] {g[0].mul(ctx.savedTensors()[0].cos())};
        }

        @Override
        protected boolean onceDifferentiable() {
            return true;
        }
    }

    // ------------------------------------------------------------------ helpers

    private static List<Tensor> doubled(List<Tensor> gs) {
        List<Tensor> out = new ArrayList<>();
        for (Tensor g : gs) {
            out.add(g == null ? null : g.mul(2L));
        }
        return out;
    }

    private String checkLog(String line) {
        List<String> want = new ArrayList<>();
        if (at < lines.size() && lines.get(at).startsWith("log ")) {
            int k = Integer.parseInt(lines.get(at++).substring(4));
            want.addAll(lines.subList(at, at + k));
            at += k;
        }
        List<String> ours = new ArrayList<>(log);
        log.clear();
        // the saved-tensor hooks' calls are compared as a multiset (which tensors and how many), the other entries in
        // order: the order in which one node's formula unpacks, or one op packs, is not PyTorch's contract
        String packs = packs(want);
        String ourPacks = packs(ours);
        if (!packs.equals(ourPacks)) {
            return "\"" + line + "\": saved-tensor hooks, PyTorch " + abbrev(packs) + ", Ember " + abbrev(ourPacks);
        }
        want.removeIf(FuzzR24Interpreter::isPack);
        ours.removeIf(FuzzR24Interpreter::isPack);
        if (ours.size() != want.size()) {
            return "\"" + line + "\": hook log, PyTorch " + abbrev(want.toString()) + ", Ember " + abbrev(ours.toString());
        }
        for (int i = 0; i < want.size(); i++) {
            String problem = compareLine(ours.get(i), want.get(i));
            if (problem != null) {
                return "\"" + line + "\": hook log entry " + i + ", PyTorch " + abbrev(want.get(i)) + ", Ember "
                        + abbrev(ours.get(i)) + " (" + problem + "); PyTorch's log " + abbrev(want.toString())
                        + ", Ember's " + abbrev(ours.toString());
            }
        }
        return null;
    }

    private static boolean isPack(String entry) {
        return entry.startsWith("pack ") || entry.startsWith("unpack ");
    }

    private static String packs(List<String> entries) {
        List<String> p = new ArrayList<>();
        for (String e : entries) {
            if (isPack(e)) {
                p.add(e);
            }
        }
        Collections.sort(p);
        return p.toString();
    }

    /**
     * Compares two lines: the same text where each value ({@code [SHAPE]BITS}, or a result line's last token) is
     * replaced by its shape, and each value within the tolerance.
     */
    private static String compareLine(String ours, String want) {
        if (want.startsWith("= ") && !want.equals("= none") && ours.startsWith("= ") && !ours.equals("= none")) {
            int wi = want.lastIndexOf(' ');
            int oi = ours.lastIndexOf(' ');
            if (!want.substring(0, wi).equals(ours.substring(0, oi))) {
                return "metadata";
            }
            return compareBits(ours.substring(oi + 1), want.substring(wi + 1));
        }
        Matcher mw = VALUE.matcher(want);
        Matcher mo = VALUE.matcher(ours);
        if (!mw.replaceAll("[$1]").equals(mo.replaceAll("[$1]"))) {
            return "text";
        }
        mw.reset();
        mo.reset();
        while (mw.find() && mo.find()) {
            String p = compareBits(mo.group(2), mw.group(2));
            if (p != null) {
                return p;
            }
        }
        return null;
    }

    private static String compareBits(String ours, String want) {
        if (ours.length() != want.length()) {
            return "element count";
        }
        if (want.equals("-")) {
            return null;
        }
        int n = want.length() / 16;
        double scale = 1;
        double[] w = new double[n];
        for (int i = 0; i < n; i++) {
            w[i] = Double.longBitsToDouble(Long.parseUnsignedLong(want.substring(16 * i, 16 * i + 16), 16));
            scale = Math.max(scale, Math.abs(w[i]));
        }
        for (int i = 0; i < n; i++) {
            double o = Double.longBitsToDouble(Long.parseUnsignedLong(ours.substring(16 * i, 16 * i + 16), 16));
            boolean same = Double.isNaN(w[i]) ? Double.isNaN(o) : o == w[i] || Math.abs(o - w[i]) <= TOL * scale;
            if (!same) {
                return "element " + i + ": PyTorch " + w[i] + ", Ember " + o;
            }
        }
        return null;
    }

    private static String flags(Tensor t) {
        Node fn = t.gradFn();
        return (t.requiresGrad() ? "1" : "0") + " " + (t.isLeaf() ? "1" : "0") + " " + (fn == null ? "-" : fn.name());
    }

    private static String value(Tensor t) {
        return t == null ? "none" : "[" + shapeText(t.shape()) + "]" + bits(t);
    }

    private static String values(List<Tensor> ts) {
        StringBuilder sb = new StringBuilder();
        for (Tensor t : ts) {
            sb.append(sb.length() == 0 ? "" : ";").append(value(t));
        }
        return sb.toString();
    }

    private static String bits(Tensor t) {
        Tensor c = t.detach().contiguous().reshape(-1);
        if (c.numel() == 0) {
            return "-";
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < c.numel(); i++) {
            sb.append(String.format("%016x", Double.doubleToRawLongBits(c.select(0, i).item())));
        }
        return sb.toString();
    }

    private static String shapeText(int[] s) {
        if (s.length == 0) {
            return "-";
        }
        StringBuilder sb = new StringBuilder();
        for (int d : s) {
            sb.append(sb.length() == 0 ? "" : ",").append(d);
        }
        return sb.toString();
    }

    private static int[] shape(String s) {
        return s.equals("-") ? new int[0] : Arrays.stream(s.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    private static String abbrev(String s) {
        return s.length() > 400 ? s.substring(0, 400) + "..." : s;
    }

    private Tensor v(String name) {
        Tensor t = vars.get(name);
        if (t == null) {
            throw new IllegalStateException("no variable " + name);
        }
        return t;
    }

    private List<Tensor> vs(String names) {
        List<Tensor> out = new ArrayList<>();
        for (String n : names.split(",")) {
            out.add(n.equals("none") ? null : v(n));
        }
        return out;
    }

    /** An input: contiguous, the transpose of a contiguous tensor, or a [3] expanded; a leaf that requires grad with G. */
    private static Tensor input(String layout, String shapeText, boolean grad, String bits) {
        int[] shape = shape(shapeText);
        double[] d = new double[bits.length() / 16];
        for (int i = 0; i < d.length; i++) {
            d[i] = Double.longBitsToDouble(Long.parseUnsignedLong(bits.substring(16 * i, 16 * i + 16), 16));
        }
        Tensor data = Tensor.fromArray(d);
        Tensor t = switch (layout) {
            case "c" -> data.reshape(shape);
            case "t" -> data.reshape(shape[1], shape[0]).t();
            default -> data.expand(shape);
        };
        t = t.detach();
        return grad ? t.requiresGrad_(true) : t;
    }
}
