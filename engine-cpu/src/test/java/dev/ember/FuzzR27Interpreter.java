package dev.ember;

import dev.ember.optim.ASGD;
import dev.ember.optim.Adadelta;
import dev.ember.optim.Adagrad;
import dev.ember.optim.Adam;
import dev.ember.optim.AdamW;
import dev.ember.optim.Adamax;
import dev.ember.optim.CosineAnnealingWarmRestarts;
import dev.ember.optim.LBFGS;
import dev.ember.optim.LRScheduler;
import dev.ember.optim.NAdam;
import dev.ember.optim.Optimizer;
import dev.ember.optim.ParamGroup;
import dev.ember.optim.RAdam;
import dev.ember.optim.RMSprop;
import dev.ember.optim.ReduceLROnPlateau;
import dev.ember.optim.Rprop;
import dev.ember.optim.SGD;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replays one case of {@code differentialfuzzr27/cases.txt} (its generator, {@code make_cases.py}, describes the lines
 * and the statements): float64 parameters, an optimizer built as the generator's keyword arguments say, then each
 * statement (steps, closures, zero_grad, add_param_group, state_dict, checkpoints, schedulers, refusals) run through
 * Ember's {@code dev.ember.optim}, its result or refusal (exception kind and message) compared with PyTorch's, and after
 * it the state: every parameter, every gradient and every group's lr. Text is compared exactly, numbers within 1e-12
 * relative or 1e-14 absolute.
 */
final class FuzzR27Interpreter {
    private static final Pattern NUM = Pattern.compile("-?(?:\\d+\\.?\\d*(?:e[-+]?\\d+)?|inf|nan)");

    private final List<String> lines;
    private int at;
    private final List<Tensor> ps = new ArrayList<>();
    private String name;
    private final Map<String, Object> kw = new LinkedHashMap<>();
    private List<List<Integer>> grpIdx;
    private final List<Map<String, Object>> grpOpts = new ArrayList<>();
    private final List<List<Integer>> addIdx = new ArrayList<>();
    private final List<Map<String, Object>> addOpts = new ArrayList<>();
    private Optimizer opt;
    private final List<String[]> sspecs = new ArrayList<>();
    private List<LRScheduler> scheds = new ArrayList<>();
    private final List<String> diffs = new ArrayList<>();

    private FuzzR27Interpreter(List<String> lines) {
        this.lines = lines;
    }

    static String run(List<String> lines) {
        return new FuzzR27Interpreter(lines).go();
    }

    // ------------------------------------------------------------------------------------------------- parsing

    private static Object value(String v) {
        switch (v) {
            case "True": return Boolean.TRUE;
            case "False": return Boolean.FALSE;
            case "None": return null;
            default:
        }
        if (v.contains(",")) {
            List<Double> l = new ArrayList<>();
            for (String s : v.split(",")) {
                l.add(Double.parseDouble(s));
            }
            return l;
        }
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            return v;
        }
    }

    private static Map<String, Object> kwargs(String[] w, int from) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = from; i < w.length; i++) {
            if (w[i].isEmpty()) {
                continue;
            }
            int eq = w[i].indexOf('=');
            out.put(w[i].substring(0, eq), value(w[i].substring(eq + 1)));
        }
        return out;
    }

    private static List<Integer> ints(String s) {
        List<Integer> out = new ArrayList<>();
        if (!s.isEmpty()) {
            for (String x : s.split(",")) {
                out.add(Integer.parseInt(x));
            }
        }
        return out;
    }

    private static double[] doubles(String csv) {
        return Arrays.stream(csv.split(",")).mapToDouble(Double::parseDouble).toArray();
    }

    // ------------------------------------------------------------------------------------------ the optimizers

    private static double d(Map<String, Object> o, String k, double def) {
        Object v = o.get(k);
        return v == null ? def : ((Number) v).doubleValue();
    }

    private static boolean b(Map<String, Object> o, String k) {
        return Boolean.TRUE.equals(o.get(k));
    }

    private static double pair(Map<String, Object> o, String k, int i, double def) {
        Object v = o.get(k);
        return v == null ? def : ((Number) ((List<?>) v).get(i)).doubleValue();
    }

    /** The constructor's positional options of each optimizer (the rest are set on the groups). */
    private static final Map<String, List<String>> POSITIONAL = Map.ofEntries(
            Map.entry("sgd", List.of("lr", "momentum", "dampening", "weight_decay", "nesterov")),
            Map.entry("adam", List.of("lr", "betas", "eps", "weight_decay", "amsgrad")),
            Map.entry("adamw", List.of("lr", "betas", "eps", "weight_decay", "amsgrad")),
            Map.entry("rmsprop", List.of("lr", "alpha", "eps", "weight_decay", "momentum", "centered")),
            Map.entry("adagrad", List.of("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps")),
            Map.entry("adamax", List.of("lr", "betas", "eps", "weight_decay")),
            Map.entry("nadam", List.of("lr", "betas", "eps", "weight_decay", "momentum_decay", "decoupled_weight_decay")),
            Map.entry("radam", List.of("lr", "betas", "eps", "weight_decay", "decoupled_weight_decay")),
            Map.entry("adadelta", List.of("lr", "rho", "eps", "weight_decay")),
            Map.entry("asgd", List.of("lr", "lambd", "alpha", "t0", "weight_decay")),
            Map.entry("rprop", List.of("lr", "etas", "step_sizes")),
            Map.entry("lbfgs", List.of("lr", "max_iter", "history_size", "line_search_fn")));

    /** PyTorch's {@code torch.optim.<Name>(params, **o)}'s constructor call (positional options only). */
    static Optimizer construct(String name, Map<String, Object> o, List<Tensor> params) {
        switch (name) {
            case "sgd": return new SGD(params, d(o, "lr", 1e-3), d(o, "momentum", 0), d(o, "dampening", 0),
                    d(o, "weight_decay", 0), b(o, "nesterov"));
            case "adam": return new Adam(params, d(o, "lr", 1e-3), pair(o, "betas", 0, 0.9), pair(o, "betas", 1, 0.999),
                    d(o, "eps", 1e-8), d(o, "weight_decay", 0), b(o, "amsgrad"));
            case "adamw": return new AdamW(params, d(o, "lr", 1e-3), pair(o, "betas", 0, 0.9),
                    pair(o, "betas", 1, 0.999), d(o, "eps", 1e-8), d(o, "weight_decay", 0.01), b(o, "amsgrad"));
            case "rmsprop": return new RMSprop(params, d(o, "lr", 0.01), d(o, "alpha", 0.99), d(o, "eps", 1e-8),
                    d(o, "weight_decay", 0), d(o, "momentum", 0), b(o, "centered"));
            case "adagrad": return new Adagrad(params, d(o, "lr", 0.01), d(o, "lr_decay", 0), d(o, "weight_decay", 0),
                    d(o, "initial_accumulator_value", 0), d(o, "eps", 1e-10));
            case "adamax": return new Adamax(params, d(o, "lr", 0.002), pair(o, "betas", 0, 0.9),
                    pair(o, "betas", 1, 0.999), d(o, "eps", 1e-8), d(o, "weight_decay", 0));
            case "nadam": return new NAdam(params, d(o, "lr", 0.002), pair(o, "betas", 0, 0.9),
                    pair(o, "betas", 1, 0.999), d(o, "eps", 1e-8), d(o, "weight_decay", 0), d(o, "momentum_decay", 0.004),
                    b(o, "decoupled_weight_decay"));
            case "radam": return new RAdam(params, d(o, "lr", 1e-3), pair(o, "betas", 0, 0.9),
                    pair(o, "betas", 1, 0.999), d(o, "eps", 1e-8), d(o, "weight_decay", 0), b(o, "decoupled_weight_decay"));
            case "adadelta": return new Adadelta(params, d(o, "lr", 1.0), d(o, "rho", 0.9), d(o, "eps", 1e-6),
                    d(o, "weight_decay", 0));
            case "asgd": return new ASGD(params, d(o, "lr", 0.01), d(o, "lambd", 1e-4), d(o, "alpha", 0.75),
                    d(o, "t0", 1e6), d(o, "weight_decay", 0));
            case "rprop": return new Rprop(params, d(o, "lr", 0.01), pair(o, "etas", 0, 0.5), pair(o, "etas", 1, 1.2),
                    pair(o, "step_sizes", 0, 1e-6), pair(o, "step_sizes", 1, 50));
            case "lbfgs": return new LBFGS(params, d(o, "lr", 1), (int) d(o, "max_iter", 20), null, 1e-7, 1e-9,
                    (int) d(o, "history_size", 100), (String) o.get("line_search_fn"));
            default: throw new IllegalStateException("optimizer " + name);
        }
    }

    /** The constructor's keyword arguments that are no positional option (maximize and the 2.x flags). */
    private Map<String, Object> extras() {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : kw.entrySet()) {
            if (!POSITIONAL.get(name).contains(e.getKey())) {
                out.put(e.getKey(), e.getValue());
            }
        }
        return out;
    }

    /** An optimizer of the program's construction over the parameters, the groups added so far added again. */
    private Optimizer fresh() {
        Optimizer o;
        Map<String, Object> extras = extras();
        if (grpIdx == null) {
            o = construct(name, kw, ps);
            for (ParamGroup g : o.paramGroups()) {
                extras.forEach(g::set);
            }
        } else {
            List<Map<String, Object>> groups = new ArrayList<>();
            for (int i = 0; i < grpIdx.size(); i++) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("params", pick(grpIdx.get(i)));
                m.putAll(grpOpts.get(i));
                groups.add(m);
            }
            o = Optimizer.withGroups(groups, p -> construct(name, kw, p));
            for (int i = 0; i < grpIdx.size(); i++) {
                for (Map.Entry<String, Object> e : extras.entrySet()) {
                    if (!grpOpts.get(i).containsKey(e.getKey())) {
                        o.paramGroups().get(i).set(e.getKey(), e.getValue());
                    }
                }
            }
        }
        for (int i = 0; i < addIdx.size(); i++) {
            addGroup(o, addIdx.get(i), addOpts.get(i), extras);
        }
        return o;
    }

    /**
     * add_param_group of the given options; the constructor's extras (PyTorch's defaults, which Ember's constructors do
     * not take) then set where not given, in their places among the defaults.
     */
    private void addGroup(Optimizer o, List<Integer> idx, Map<String, Object> given, Map<String, Object> extras) {
        ParamGroup g = o.addParamGroup(pick(idx), given);
        for (Map.Entry<String, Object> e : extras.entrySet()) {
            if (!given.containsKey(e.getKey())) {
                g.set(e.getKey(), e.getValue());
            }
        }
    }

    private List<Tensor> pick(List<Integer> idx) {
        List<Tensor> out = new ArrayList<>();
        for (int i : idx) {
            out.add(ps.get(i));
        }
        return out;
    }

    private Tensor loss() {
        Tensor total = null;
        for (int i = 0; i < ps.size(); i++) {
            Tensor p = ps.get(i);
            if (!p.requiresGrad()) {
                continue;
            }
            Tensor q = p.mul(p);
            Tensor term = q.mul(0.5 * (i + 1)).add(q.mul(q).mul(0.1)).sub(p.mul(0.3)).sum();
            total = total == null ? term : total.add(term);
        }
        return total;
    }

    /**
     * A fresh optimizer {@code name} of default options over copies of the parameters, grouped as {@code groups} says
     * (index lists joined by ";", an empty one a group without parameters).
     */
    private Optimizer other(String name, String groups) {
        List<Tensor> qs = new ArrayList<>();
        for (Tensor p : ps) {
            qs.add(p.detach().clone().requiresGrad_(true));
        }
        List<Map<String, Object>> spec = new ArrayList<>();
        for (String g : groups.split(";", -1)) {
            List<Tensor> gp = new ArrayList<>();
            for (int i : ints(g)) {
                gp.add(qs.get(i));
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("params", gp);
            spec.add(m);
        }
        return Optimizer.withGroups(spec, p -> construct(name, Map.of(), p));
    }

    /** The closure of stepc: zero_grad(set_to_none=True), the loss, backward, the loss returned. */
    private Tensor closure() {
        opt.zeroGrad(true);
        Tensor t = loss();
        t.backward();
        return t;
    }

    // --------------------------------------------------------------------------------------------- formatting

    private static String repr(double v) {
        return Format.repr(v);
    }

    private static String csv(Tensor t) {
        StringBuilder s = new StringBuilder();
        for (double v : t.to(DType.FLOAT64).contiguous().toDoubleArray()) {
            if (s.length() > 0) {
                s.append(',');
            }
            s.append(repr(v));
        }
        return s.toString();
    }

    private static String shape(Tensor t) {
        int[] sh = t.shape();
        if (sh.length == 0) {
            return "-";
        }
        StringBuilder s = new StringBuilder();
        for (int d : sh) {
            s.append(s.length() > 0 ? "x" : "").append(d);
        }
        return s.toString();
    }

    private static String fmtV(Object v) {
        if (v == null) {
            return "None";
        }
        if (v instanceof Boolean) {
            return (Boolean) v ? "True" : "False";
        }
        if (v instanceof List) {
            StringBuilder s = new StringBuilder();
            for (Object o : (List<?>) v) {
                s.append(s.length() > 0 ? "," : "").append(fmtV(o));
            }
            return s.toString();
        }
        if (v instanceof Number) {
            return repr(((Number) v).doubleValue());
        }
        if (v instanceof Tensor) {
            return repr(((Tensor) v).item());
        }
        return String.valueOf(v);
    }

    private static String fmtState(Object v) {
        if (v instanceof Tensor) {
            Tensor t = (Tensor) v;
            return t.dim() == 0 ? "n:" + repr(t.item()) : "t" + shape(t) + ":" + csv(t);
        }
        if (v instanceof List) {
            StringBuilder s = new StringBuilder("L[");
            boolean first = true;
            for (Object o : (List<?>) v) {
                s.append(first ? "" : " ").append(fmtState(o));
                first = false;
            }
            return s.append(']').toString();
        }
        if (v == null) {
            return "None";
        }
        if (v instanceof Number) {
            return "n:" + repr(((Number) v).doubleValue());
        }
        return String.valueOf(v);
    }

    private List<String> sdLines() {
        Map<String, Object> sd = opt.stateDict();
        List<String> out = new ArrayList<>();
        List<?> groups = (List<?>) sd.get("param_groups");
        for (int gi = 0; gi < groups.size(); gi++) {
            Map<?, ?> g = (Map<?, ?>) groups.get(gi);
            StringBuilder s = new StringBuilder("sdg " + gi + " ");
            boolean first = true;
            for (Map.Entry<?, ?> e : g.entrySet()) {
                if (e.getKey().equals("params")) {
                    continue;
                }
                s.append(first ? "" : ";").append(e.getKey()).append('=').append(fmtV(e.getValue()));
                first = false;
            }
            s.append(first ? "" : ";").append("params=").append(fmtV(g.get("params")));
            out.add(s.toString());
        }
        Map<?, ?> st = (Map<?, ?>) sd.get("state");
        List<Integer> keys = new ArrayList<>();
        for (Object k : st.keySet()) {
            keys.add(((Number) k).intValue());
        }
        java.util.Collections.sort(keys);
        for (int k : keys) {
            Map<?, ?> m = (Map<?, ?>) st.get(k);
            StringBuilder s = new StringBuilder("sds " + k + " ");
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                s.append(first ? "" : ";").append(e.getKey()).append('=').append(fmtState(e.getValue()));
                first = false;
            }
            out.add(s.toString());
        }
        return out;
    }

    private String stateLine() {
        StringBuilder pv = new StringBuilder();
        StringBuilder gv = new StringBuilder();
        for (int i = 0; i < ps.size(); i++) {
            pv.append(i > 0 ? "|" : "").append(csv(ps.get(i)));
            Tensor g = ps.get(i).grad();
            gv.append(i > 0 ? "|" : "").append(g == null ? "none" : csv(g));
        }
        StringBuilder lv = new StringBuilder();
        for (ParamGroup g : opt.paramGroups()) {
            lv.append(lv.length() > 0 ? "," : "").append(repr(g.lr()));
        }
        return "st " + pv + " ; " + gv + " ; " + lv;
    }

    private String lrResult() {
        StringBuilder s = new StringBuilder("r ");
        StringBuilder groupLrs = new StringBuilder();
        for (ParamGroup g : opt.paramGroups()) {
            groupLrs.append(groupLrs.length() > 0 ? "," : "").append(repr(g.lr()));
        }
        s.append(groupLrs).append(" ; ");
        for (int i = 0; i < scheds.size(); i++) {
            s.append(i > 0 ? "/" : "");
            double[] last = scheds.get(i).getLastLr();
            for (int k = 0; k < last.length; k++) {
                s.append(k > 0 ? "," : "").append(repr(last[k]));
            }
        }
        return s.toString();
    }

    /** Text equal outside the numbers, numbers within {@code rel} relative or 1e-14 absolute. */
    static boolean same(String want, String got, double rel) {
        if (want.equals(got)) {
            return true;
        }
        Matcher a = NUM.matcher(want);
        Matcher b = NUM.matcher(got);
        int ia = 0;
        int ib = 0;
        while (true) {
            boolean fa = a.find();
            boolean fb = b.find();
            if (fa != fb) {
                return false;
            }
            if (!fa) {
                return want.substring(ia).equals(got.substring(ib));
            }
            if (!want.substring(ia, a.start()).equals(got.substring(ib, b.start()))) {
                return false;
            }
            double e = Double.parseDouble(a.group().replace("inf", "Infinity").replace("nan", "NaN"));
            double g = Double.parseDouble(b.group().replace("inf", "Infinity").replace("nan", "NaN"));
            boolean ok = Double.compare(e, g) == 0 || Math.abs(e - g) <= rel * Math.max(Math.abs(e), Math.abs(g))
                    || Math.abs(e - g) <= 1e-14;
            if (!ok) {
                return false;
            }
            ia = a.end();
            ib = b.end();
        }
    }

    /** Python's exception class against Ember's, and the message exactly. */
    private static boolean sameError(String want, RuntimeException got) {
        int colon = want.indexOf(": ");
        String pyKind = want.substring(0, colon);
        String text = want.substring(colon + 2);
        String kind = got.getClass().getSimpleName();
        boolean kindOk = switch (pyKind) {
            case "IndexError" -> kind.equals("IndexOutOfBoundsException");
            case "NotImplementedError" -> kind.equals("UnsupportedOperationException");
            case "RuntimeError", "AssertionError" -> kind.equals("IllegalArgumentException")
                    || kind.equals("IllegalStateException");
            default -> kind.equals("IllegalArgumentException");
        };
        return kindOk && text.equals(String.valueOf(got.getMessage()));
    }

    // ----------------------------------------------------------------------------------------------- the replay

    private String go() {
        while (at < lines.size() && !lines.get(at).startsWith("s ")) {
            String l = lines.get(at++);
            String[] w = l.split(" ", -1);
            switch (w[0]) {
                case "par": {
                    int[] sh = w[3].equals("-") ? new int[0]
                            : Arrays.stream(w[3].split("x")).mapToInt(Integer::parseInt).toArray();
                    Tensor p = Tensor.fromArray(doubles(w[4])).reshape(sh).to(DType.FLOAT64);
                    p.requiresGrad_(w[2].equals("1"));
                    ps.add(p);
                    break;
                }
                case "opt":
                    name = w[1];
                    kw.putAll(kwargs(w, 2));
                    break;
                case "grp":
                    if (grpIdx == null) {
                        grpIdx = new ArrayList<>();
                    }
                    grpIdx.add(ints(w[1]));
                    grpOpts.add(kwargs(w, 2));
                    break;
                default:
                    return "unknown line " + l;
            }
        }
        opt = fresh();
        // L-BFGS near the loss's minimum: the line search and the curvature pairs amplify last-bit differences
        double tol = name.equals("lbfgs") ? 1e-8 : 1e-12;
        while (at < lines.size()) {
            String stmt = lines.get(at++).substring(2);
            List<String> want = new ArrayList<>();
            while (at < lines.size() && !lines.get(at).startsWith("s ")) {
                want.add(lines.get(at++));
            }
            String stWant = want.remove(want.size() - 1);
            List<String> got = new ArrayList<>();
            String err = want.size() == 1 && want.get(0).startsWith("err ") ? want.get(0).substring(4) : null;
            try {
                got.addAll(statement(stmt));
                if (err != null) {
                    diffs.add(stmt + ": PyTorch refuses (" + err + "), Ember goes on");
                } else if (got.size() != want.size()) {
                    diffs.add(stmt + ": PyTorch " + want + ", Ember " + got);
                } else {
                    for (int i = 0; i < want.size(); i++) {
                        if (!same(want.get(i), got.get(i), tol)) {
                            diffs.add(stmt + ": PyTorch \"" + want.get(i) + "\", Ember \"" + got.get(i) + "\"");
                        }
                    }
                }
            } catch (RuntimeException e) {
                if (err == null) {
                    diffs.add(stmt + ": PyTorch goes on, Ember throws " + e);
                } else if (!sameError(err, e)) {
                    diffs.add(stmt + ": PyTorch refuses (" + err + "), Ember throws " + e);
                }
            }
            String stGot = stateLine();
            if (!same(stWant, stGot, tol)) {
                diffs.add("after " + stmt + ": PyTorch \"" + stWant + "\", Ember \"" + stGot + "\"");
            }
            if (diffs.size() > 3) {
                break;
            }
        }
        return diffs.isEmpty() ? null : String.join("\n  ", diffs);
    }

    private List<String> statement(String stmt) {
        String[] w = stmt.split(" ", -1);
        switch (w[0]) {
            case "grad": {
                Tensor p = ps.get(Integer.parseInt(w[1]));
                p.setGrad(w[2].equals("none") ? null : Tensor.fromArray(doubles(w[2])).reshape(p.shape())
                        .to(DType.FLOAT64));
                return List.of();
            }
            case "loss": {
                Tensor l = loss();
                l.backward();
                return List.of("r " + repr(l.item()));
            }
            case "step":
                opt.step();
                return List.of();
            case "stepc": {
                Tensor l = opt.step(this::closure);
                return List.of("r " + repr(l.item()));
            }
            case "zero":
                opt.zeroGrad(w[1].equals("1"));
                return List.of();
            case "sd":
                return sdLines();
            case "load": {
                Map<String, Object> sd = opt.stateDict();
                Optimizer o2 = fresh();
                o2.loadStateDict(sd);
                opt = o2;
                return List.of();
            }
            case "badload":
                other(w[1], w[2]).loadStateDict(opt.stateDict());
                return List.of();
            case "badself":
                opt.loadStateDict(other(w[1], w[2]).stateDict());
                return List.of();
            case "badsched":
                FuzzR6Training.scheduler(stmt.substring(9), opt, List.of());
                return List.of();
            case "badopt":
                construct(w[1], kwargs(w, 2), new ArrayList<>(ps));
                return List.of();
            case "addg": {
                List<Integer> idx = ints(w[1]);
                Map<String, Object> o = kwargs(w, 2);
                addGroup(opt, idx, o, extras());
                addIdx.add(idx);
                addOpts.add(o);
                return List.of();
            }
            case "sched": {
                String[] spec = stmt.substring(6).split(" \\| ");
                LRScheduler s = FuzzR6Training.scheduler(spec[0], opt, Arrays.asList(spec).subList(1, spec.length));
                scheds.add(s);
                sspecs.add(spec);
                return List.of(lrResult());
            }
            case "sstep": {
                Double arg = w.length > 1 ? Double.valueOf(w[1]) : null;
                for (LRScheduler s : scheds) {
                    if (arg != null && s instanceof ReduceLROnPlateau) {
                        ((ReduceLROnPlateau) s).step(arg);
                    } else if (arg != null && s instanceof CosineAnnealingWarmRestarts) {
                        ((CosineAnnealingWarmRestarts) s).step((double) arg);
                    } else {
                        s.step();
                    }
                }
                return List.of(lrResult());
            }
            case "epochs": {
                int n = Integer.parseInt(w[1]);
                double[] ms = w.length > 2 ? doubles(w[2]) : null;
                List<String> out = new ArrayList<>();
                for (int e = 0; e < n; e++) {
                    if (name.equals("lbfgs")) {
                        out.add("r " + repr(opt.step(this::closure).item()));
                    } else {
                        opt.step();
                    }
                    for (LRScheduler s : scheds) {
                        if (s instanceof ReduceLROnPlateau) {
                            ((ReduceLROnPlateau) s).step(ms[e]);
                        } else {
                            s.step();
                        }
                    }
                    out.add(lrResult());
                }
                return out;
            }
            case "ckpt": {
                Map<String, Object> sd = opt.stateDict();
                List<Map<String, Object>> ssd = new ArrayList<>();
                for (LRScheduler s : scheds) {
                    ssd.add(s.stateDict());
                }
                Optimizer o2 = fresh();
                List<LRScheduler> s2 = new ArrayList<>();
                for (String[] spec : sspecs) {
                    s2.add(FuzzR6Training.scheduler(spec[0], o2, Arrays.asList(spec).subList(1, spec.length)));
                }
                o2.loadStateDict(sd);
                for (int i = 0; i < s2.size(); i++) {
                    s2.get(i).loadStateDict(ssd.get(i));
                }
                opt = o2;
                scheds = s2;
                return List.of(lrResult());
            }
            default:
                throw new IllegalStateException("statement " + stmt);
        }
    }
}
