package dev.ember;

import dev.ember.nn.BatchNorm1d;
import dev.ember.nn.Conv1d;
import dev.ember.nn.Embedding;
import dev.ember.nn.GRU;
import dev.ember.nn.Identity;
import dev.ember.nn.LayerNorm;
import dev.ember.nn.LazyLinear;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.ModuleDict;
import dev.ember.nn.ModuleInternals;
import dev.ember.nn.ModuleList;
import dev.ember.nn.ParameterDict;
import dev.ember.nn.ParameterList;
import dev.ember.nn.Sequential;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Replays one case of {@code differentialfuzzr18/cases.txt} (its generator, {@code make_cases.py}, describes the
 * lines): a module tree built from the case's tokens, given the known values, then each statement run through Ember's
 * Module API, its result or error compared with PyTorch's text, and after it the whole observable state (every
 * parameter's and buffer's name over every path, identity, dtype, shape, requires_grad, values' sum and gradient, every
 * module's path, class and training flag, the state dict's keys) compared with PyTorch's last recorded one.
 */
final class FuzzR18Interpreter {
    /** The custom module of the generator: a parameter 'w', a buffer 'b' (persistent or not), a submodule 'sub'. */
    static final class Custom extends Module {
        Custom(boolean persistent) {
            registerParameter("w", Tensor.zeros(2));
            registerBuffer("b", Tensor.zeros(2), persistent);
            registerModule("sub", new Linear(1, 1));
        }

        /** {@code register_buffer(name, value, persistent)}, as a user's module calls it. */
        void regBuffer(String name, Tensor value, boolean persistent) {
            registerBuffer(name, value, persistent);
        }

        @Override
        public Tensor forward(Tensor input) {
            return input;
        }
    }

    private final List<String> lines;
    private final List<Object> ids = new ArrayList<>();
    private final List<String> diffs = new ArrayList<>();
    private Module root;

    private FuzzR18Interpreter(List<String> lines) {
        this.lines = lines;
    }

    /** Runs the case; null when Ember matches PyTorch, else what differs. */
    static String run(List<String> lines) {
        return new FuzzR18Interpreter(lines).run();
    }

    private String run() {
        String expectedState = null;
        boolean check = false;
        String stmt = null;
        String result = null;
        String error = null;
        boolean sawOutcome = false;
        for (int i = 0; i <= lines.size(); i++) {
            String line = i < lines.size() ? lines.get(i) : "s end";
            String[] w = line.split(" ", 2);
            String rest = w.length > 1 ? w[1] : "";
            switch (w[0]) {
                case "build" -> {
                    root = build(rest.split(" "), new int[] {0});
                    int k = 0;
                    for (Tensor p : root.namedParameters().values()) {
                        fill(p, k++);
                    }
                    for (Tensor b : root.namedBuffers().values()) {
                        fill(b, k++);
                    }
                    check = true;
                }
                case "state" -> expectedState = rest;
                case "r" -> {
                    sawOutcome = true;
                    if (error != null || !rest.equals(result)) {
                        diffs.add("[" + stmt + "] result " + (error != null ? "error " + error : result) + " != "
                                + rest);
                    }
                }
                case "err" -> {
                    sawOutcome = true;
                    if (error == null || !rest.equals(error)) {
                        diffs.add("[" + stmt + "] " + (error == null ? "no error (result " + result + ")"
                                : "error " + error) + " != error " + rest);
                    }
                }
                case "s" -> {
                    if (stmt != null && !sawOutcome && (result != null || error != null)) {
                        diffs.add("[" + stmt + "] " + (error != null ? "error " + error : "result " + result)
                                + " where PyTorch gives nothing");
                    }
                    if (check) {
                        String st;
                        try {
                            st = state();
                        } catch (RuntimeException e) {
                            st = "state failed: " + e;
                        }
                        if (!st.equals(expectedState)) {
                            diffs.add("after [" + stmt + "] state\n    ember   " + st + "\n    pytorch " + expectedState);
                        }
                    }
                    if (!diffs.isEmpty()) {
                        return String.join("\n  ", diffs);
                    }
                    if (rest.equals("end")) {
                        break;
                    }
                    stmt = rest;
                    result = null;
                    error = null;
                    sawOutcome = false;
                    check = true;
                    try {
                        result = execute(rest.split(" ", -1));
                    } catch (RuntimeException e) {
                        error = String.valueOf(e.getMessage()).replace("\n", "|");
                        if (!(e instanceof IllegalArgumentException || e instanceof IndexOutOfBoundsException
                                || e instanceof IllegalStateException || e instanceof UnsupportedOperationException)) {
                            error = e + " at " + Arrays.toString(Arrays.copyOf(e.getStackTrace(), 4));
                        }
                    }
                }
                default -> throw new IllegalStateException("unknown line " + line);
            }
        }
        return diffs.isEmpty() ? null : String.join("\n  ", diffs);
    }

    // ------------------------------------------------------------------------------------------------ building

    private static Module build(String[] t, int[] pos) {
        String k = t[pos[0]++];
        switch (k) {
            case "lin":
                return new Linear(i(t, pos), i(t, pos), t[pos[0]++].equals("1"));
            case "conv":
                return new Conv1d(i(t, pos), i(t, pos), i(t, pos));
            case "bn":
                return new BatchNorm1d(i(t, pos));
            case "ln":
                return new LayerNorm(i(t, pos));
            case "emb":
                return new Embedding(i(t, pos), i(t, pos));
            case "gru":
                return new GRU(i(t, pos), i(t, pos));
            case "id":
                return new Identity();
            case "lazy":
                return new LazyLinear(i(t, pos), t[pos[0]++].equals("1"));
            case "cus":
                return new Custom(t[pos[0]++].equals("1"));
            case "seq": {
                int n = i(t, pos);
                Module[] ms = new Module[n];
                for (int j = 0; j < n; j++) {
                    ms[j] = build(t, pos);
                }
                return new Sequential(ms);
            }
            case "ml": {
                int n = i(t, pos);
                List<Module> ms = new ArrayList<>();
                for (int j = 0; j < n; j++) {
                    ms.add(build(t, pos));
                }
                return new ModuleList<>(ms);
            }
            case "md": {
                int n = i(t, pos);
                Map<String, Module> ms = new LinkedHashMap<>();
                for (int j = 0; j < n; j++) {
                    String key = t[pos[0]++];
                    ms.put(key, build(t, pos));
                }
                return new ModuleDict<>(ms);
            }
            case "pl": {
                int n = i(t, pos);
                ParameterList pl = new ParameterList();
                for (int j = 0; j < n; j++) {
                    pl.add(Tensor.zeros(shape(t[pos[0]++])));
                }
                return pl;
            }
            case "pd": {
                int n = i(t, pos);
                ParameterDict pd = new ParameterDict();
                for (int j = 0; j < n; j++) {
                    String key = t[pos[0]++];
                    pd.put(key, Tensor.zeros(shape(t[pos[0]++])));
                }
                return pd;
            }
            default:
                throw new IllegalStateException("unknown module " + k);
        }
    }

    private static int i(String[] t, int[] pos) {
        return Integer.parseInt(t[pos[0]++]);
    }

    private static int[] shape(String s) {
        return s.equals("-") ? new int[0] : Arrays.stream(s.split("x")).mapToInt(Integer::parseInt).toArray();
    }

    /** The generator's fill: arange(numel) * 0.25 + k in row-major order; an integer tensor k everywhere. */
    static void fill(Tensor t, int k) {
        if (t.isUninitialized()) {
            return; // an uninitialized parameter has no values
        }
        try (var g = Ember.noGrad()) {
            if (t.dtype().isFloatingPoint()) {
                Tensor v = Tensor.arange(0, t.numel(), 1, DType.FLOAT64).mul(0.25).add(k).reshape(t.shape());
                t.copy_(v);
            } else {
                t.fill_((long) k);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ observing

    private int tid(Object t) {
        for (int j = 0; j < ids.size(); j++) {
            if (ids.get(j) == t) {
                return j;
            }
        }
        ids.add(t);
        return ids.size() - 1;
    }

    private static String dtype(Tensor t) {
        return t.dtype().torchName().substring("torch.".length());
    }

    private static String shapeStr(Tensor t) {
        if (t.isUninitialized()) {
            return "?";
        }
        StringBuilder sb = new StringBuilder();
        for (int d = 0; d < t.dim(); d++) {
            sb.append(d > 0 ? "x" : "").append(t.size(d));
        }
        return t.dim() == 0 ? "-" : sb.toString();
    }

    /** Python's repr of a float64 (the sums are small multiples of 0.25). */
    private static String repr(double d) {
        if (d == Math.rint(d) && Math.abs(d) < 1e16) {
            return (long) d + ".0";
        }
        return Double.toString(d);
    }

    private static String sum(Tensor t) {
        if (t.isUninitialized()) {
            return "?";
        }
        return repr(t.detach().to(DType.FLOAT64).sum().item());
    }

    private String state() {
        List<String> items = new ArrayList<>();
        root.namedParameters(false).forEach((n, p) -> {
            Tensor g = p.grad();
            items.add("P " + n + " #" + tid(p) + " " + dtype(p) + " " + shapeStr(p) + " rg" + (p.requiresGrad() ? 1 : 0)
                    + " " + sum(p) + " g:" + (g == null ? "none" : dtype(g) + ":" + sum(g)));
        });
        root.namedBuffers(false).forEach((n, b) -> items.add("B " + n + " #" + tid(b) + " " + dtype(b) + " "
                + shapeStr(b) + " " + sum(b)));
        root.namedModules("", false).forEach((n, m) -> items.add("M " + n + " " + cls(m) + " "
                + (m.isTraining() ? 1 : 0)));
        items.add("K " + String.join(",", root.stateDict().keySet()));
        return String.join(" ; ", items);
    }

    private static String cls(Module m) {
        return m == null ? "None" : ModuleInternals.className(m);
    }

    private String tensorText(Tensor t) {
        if (t == null) {
            return "None";
        }
        return "T #" + tid(t) + " " + dtype(t) + " " + shapeStr(t);
    }

    // ------------------------------------------------------------------------------------------------ statements

    private static Tensor newTensor(String v) {
        String[] p = v.split(":");
        DType dt = p.length > 3 ? (p[3].equals("float64") ? DType.FLOAT64 : DType.INT64) : DType.FLOAT32;
        Tensor t = Tensor.zeros(dt, shape(p[1]));
        fill(t, Integer.parseInt(p[2]));
        return t;
    }

    private Tensor value(String v) {
        if (v.equals("none")) {
            return null;
        }
        if (v.startsWith("tie:")) {
            return root.getParameter(v.substring(4));
        }
        return newTensor(v);
    }

    private Module module(String v) {
        if (v.equals("none")) {
            return null;
        }
        if (v.startsWith("ref:")) {
            return root.getSubmodule(v.substring(4));
        }
        Module m = build(v.split(","), new int[] {0});
        int k = 20;
        for (Tensor p : m.namedParameters().values()) {
            fill(p, k++);
        }
        for (Tensor b : m.namedBuffers().values()) {
            fill(b, k++);
        }
        return m;
    }

    private static String a(String[] w, int j) {
        return w[j].substring(2);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private String execute(String[] w) {
        switch (w[0]) {
            case "regp": {
                Tensor v = value(w[3]);
                if (v != null && w[3].startsWith("new:")) {
                    v.asParameter(); // the generator's nn.Parameter(t), made before register_parameter runs
                }
                root.getSubmodule(a(w, 1)).setParameter(a(w, 2), v);
                return null;
            }
            case "regb":
                ((Custom) root.getSubmodule(a(w, 1))).regBuffer(a(w, 2), value(w[3]), w[4].equals("1"));
                return null;
            case "addm":
                root.getSubmodule(a(w, 1)).addModule(a(w, 2), module(w[3]));
                return null;
            case "del":
                root.getSubmodule(a(w, 1)).delattr(a(w, 2));
                return null;
            case "getsub":
                return cls(root.getSubmodule(a(w, 1)));
            case "getp":
                return tensorText(root.getParameter(a(w, 1)));
            case "getb": {
                Tensor b = root.getBuffer(a(w, 1));
                return b == null ? "None" : tensorText(b);
            }
            case "setsub":
                root.setSubmodule(a(w, 1), module(w[2]));
                return null;
            case "named": {
                String prefix = a(w, 2);
                boolean recurse = w[3].equals("1");
                boolean rd = w[4].equals("1");
                Map<String, ?> out;
                switch (w[1]) {
                    case "p" -> out = root.namedParameters(prefix, recurse, rd);
                    case "b" -> out = root.namedBuffers(prefix, recurse, rd);
                    case "m" -> out = root.namedModules(prefix, rd);
                    default -> out = root.namedChildren();
                }
                return String.join(",", out.keySet());
            }
            case "sd": {
                Map<String, Tensor> d = root.stateDict(a(w, 2), w[1].equals("1"));
                Set<Tensor> own = Collections.newSetFromMap(new IdentityHashMap<>());
                own.addAll(root.namedParameters(false).values());
                own.addAll(root.namedBuffers(false).values());
                List<String> out = new ArrayList<>();
                d.forEach((k, v) -> out.add(k + ":" + dtype(v) + ":" + shapeStr(v) + ":" + (v.requiresGrad() ? 1 : 0)
                        + ":" + (own.contains(v) ? "#" + tid(v) : "-")));
                return String.join(",", out);
            }
            case "load": {
                Map<String, Tensor> d = new LinkedHashMap<>(root.stateDict());
                for (String mod : w[3].split(";")) {
                    String[] p = mod.split(":", -1);
                    switch (p[0]) {
                        case "drop" -> d.remove(p[1]);
                        case "extra" -> {
                            Tensor t = Tensor.zeros(shape(p[2]));
                            fill(t, 7);
                            d.put(p[1], t);
                        }
                        case "shape" -> {
                            if (d.containsKey(p[1])) {
                                Tensor t = Tensor.zeros(d.get(p[1]).dtype(), shape(p[2]));
                                fill(t, 3);
                                d.put(p[1], t);
                            }
                        }
                        case "add" -> {
                            int k = Integer.parseInt(p[1]);
                            d.replaceAll((key, t) -> t.dtype().isFloatingPoint() && !t.isUninitialized() ? t.add(k) : t);
                        }
                        default -> throw new IllegalStateException(mod);
                    }
                }
                Module.IncompatibleKeys res = root.loadStateDict(d, w[1].equals("1"), w[2].equals("1"));
                return "missing=" + String.join(",", res.missingKeys()) + " unexpected="
                        + String.join(",", res.unexpectedKeys());
            }
            case "train":
                root.train(w[1].equals("1"));
                return null;
            case "eval":
                root.eval();
                return null;
            case "trainm":
                root.getSubmodule(a(w, 1)).train(w[2].equals("1"));
                return null;
            case "evalm":
                root.getSubmodule(a(w, 1)).eval();
                return null;
            case "plset": {
                String[] p = w[3].split(":");
                Tensor t = Tensor.zeros(shape(p[0]));
                fill(t, Integer.parseInt(p[1]));
                ((ParameterList) root.getSubmodule(a(w, 1))).set(Integer.parseInt(w[2]), t);
                return null;
            }
            case "pddel":
                ((ParameterDict) root.getSubmodule(a(w, 1))).remove(w[2]);
                return null;
            case "pdupdate": {
                Map<String, Tensor> u = new LinkedHashMap<>();
                for (String kv : w[2].split(";")) {
                    String[] q = kv.split("=");
                    String[] p = q[1].split(":");
                    Tensor t = Tensor.zeros(shape(p[0]));
                    fill(t, Integer.parseInt(p[1]));
                    u.put(q[0], t);
                }
                ((ParameterDict) root.getSubmodule(a(w, 1))).update(u);
                return null;
            }
            case "pdclear":
                ((ParameterDict) root.getSubmodule(a(w, 1))).clear();
                return null;
            case "rgm":
                root.getSubmodule(a(w, 1)).requiresGrad_(w[2].equals("1"));
                return null;
            case "grads":
                for (Tensor p : root.parameters()) {
                    if (p.isUninitialized()) {
                        continue;
                    }
                    Tensor g = Tensor.zeros(p.dtype(), p.shape());
                    fill(g, Integer.parseInt(w[1]));
                    p.setGrad(g);
                }
                return null;
            case "zg":
                root.zeroGrad(w[1].equals("1"));
                return null;
            case "to":
                root.to(switch (w[1]) {
                    case "float64" -> DType.FLOAT64;
                    case "float16" -> DType.FLOAT16;
                    default -> DType.FLOAT32;
                });
                return null;
            case "apply": {
                List<String> seen = new ArrayList<>();
                root.apply(m -> seen.add(cls(m)));
                return String.join(",", seen);
            }
            case "print":
                return root.toString().replace("\n", "|");
            case "count":
                return root.parameters().size() + " " + root.buffers().size() + " " + root.modules().size() + " "
                        + root.children().size();
            case "len": case "idx": case "slice": case "append": case "extend": case "insert": case "pop":
            case "delitem": case "setitem":
                return container(w, root.getSubmodule(a(w, 1)));
            case "mdput": case "mdpop": case "mdupdate": case "mdkeys": case "mddel": case "mdclear": {
                ModuleDict<Module> c = (ModuleDict<Module>) root.getSubmodule(a(w, 1));
                switch (w[0]) {
                    case "mdput" -> c.put(w[2], module(w[3]));
                    case "mdpop" -> {
                        return cls(c.pop(w[2]));
                    }
                    case "mdupdate" -> {
                        Map<String, Module> u = new LinkedHashMap<>();
                        for (String kv : w[2].split(";")) {
                            int eq = kv.indexOf('=');
                            u.put(kv.substring(0, eq), module(kv.substring(eq + 1)));
                        }
                        c.update(u);
                    }
                    case "mdkeys" -> {
                        return String.join(",", c.keySet());
                    }
                    case "mddel" -> c.remove(w[2]);
                    default -> c.clear();
                }
                return null;
            }
            case "pladd": {
                String[] p = w[2].split(":");
                Tensor t = Tensor.zeros(shape(p[0]));
                fill(t, Integer.parseInt(p[1]));
                ((ParameterList) root.getSubmodule(a(w, 1))).add(t);
                return null;
            }
            case "plidx":
                return tensorText(((ParameterList) root.getSubmodule(a(w, 1))).get(Integer.parseInt(w[2])));
            case "pdput": {
                String[] p = w[3].split(":");
                Tensor t = Tensor.zeros(shape(p[0]));
                fill(t, Integer.parseInt(p[1]));
                ((ParameterDict) root.getSubmodule(a(w, 1))).put(w[2], t);
                return null;
            }
            case "pdpop":
                return tensorText(((ParameterDict) root.getSubmodule(a(w, 1))).pop(w[2]));
            case "pdkeys":
                return String.join(",", ((ParameterDict) root.getSubmodule(a(w, 1))).keySet());
            default:
                throw new IllegalStateException("unknown statement " + w[0]);
        }
    }

    /** The list operations of a Sequential or a ModuleList. */
    @SuppressWarnings("unchecked")
    private String container(String[] w, Module target) {
        if (target instanceof Sequential s) {
            switch (w[0]) {
                case "len":
                    return Integer.toString(s.size());
                case "idx":
                    return cls(s.get(Integer.parseInt(w[2])));
                case "slice": {
                    Sequential r = s.slice(Integer.parseInt(w[2]), Integer.parseInt(w[3]));
                    return "Sequential " + items(r);
                }
                case "append":
                    s.append(module(w[2]));
                    return null;
                case "extend": {
                    List<Module> ms = new ArrayList<>();
                    for (String v : w[2].split(";")) {
                        if (!v.isEmpty()) {
                            ms.add(module(v));
                        }
                    }
                    s.extend(ms);
                    return null;
                }
                case "insert":
                    s.insert(Integer.parseInt(w[2]), module(w[3]));
                    return null;
                case "pop":
                    return cls(s.pop(Integer.parseInt(w[2])));
                case "delitem":
                    s.remove(Integer.parseInt(w[2]));
                    return null;
                default:
                    s.set(Integer.parseInt(w[2]), module(w[3]));
                    return null;
            }
        }
        ModuleList<Module> l = (ModuleList<Module>) target;
        switch (w[0]) {
            case "len":
                return Integer.toString(l.size());
            case "idx":
                return cls(l.get(Integer.parseInt(w[2])));
            case "slice":
                return "ModuleList " + items(l.slice(Integer.parseInt(w[2]), Integer.parseInt(w[3])));
            case "append":
                l.add(module(w[2]));
                return null;
            case "extend": {
                List<Module> ms = new ArrayList<>();
                for (String v : w[2].split(";")) {
                    if (!v.isEmpty()) {
                        ms.add(module(v));
                    }
                }
                l.addAll(ms);
                return null;
            }
            case "insert":
                l.insert(Integer.parseInt(w[2]), module(w[3]));
                return null;
            case "pop":
                return cls(l.pop(Integer.parseInt(w[2])));
            case "delitem":
                l.remove(Integer.parseInt(w[2]));
                return null;
            default:
                l.set(Integer.parseInt(w[2]), module(w[3]));
                return null;
        }
    }

    /** A container's registered (name, class) items, as the generator's {@code _modules.items()}. */
    private static String items(Module c) {
        List<String> out = new ArrayList<>();
        ModuleInternals.registeredModules(c).forEach((k, m) -> out.add(k + "=" + cls(m)));
        return String.join(",", out);
    }
}
