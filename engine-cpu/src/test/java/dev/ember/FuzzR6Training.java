package dev.ember;

import dev.ember.nn.BatchNorm1d;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.ReLU;
import dev.ember.nn.Sequential;
import dev.ember.optim.ASGD;
import dev.ember.optim.AveragedModel;
import dev.ember.optim.Adadelta;
import dev.ember.optim.Adagrad;
import dev.ember.optim.Adam;
import dev.ember.optim.Adamax;
import dev.ember.optim.ChainedScheduler;
import dev.ember.optim.ConstantLR;
import dev.ember.optim.CosineAnnealingLR;
import dev.ember.optim.CosineAnnealingWarmRestarts;
import dev.ember.optim.CyclicLR;
import dev.ember.optim.ExponentialLR;
import dev.ember.optim.LBFGS;
import dev.ember.optim.LRScheduler;
import dev.ember.optim.LambdaLR;
import dev.ember.optim.LinearLR;
import dev.ember.optim.MultiStepLR;
import dev.ember.optim.MultiplicativeLR;
import dev.ember.optim.NAdam;
import dev.ember.optim.OneCycleLR;
import dev.ember.optim.Optimizer;
import dev.ember.optim.ParamGroup;
import dev.ember.optim.PolynomialLR;
import dev.ember.optim.RAdam;
import dev.ember.optim.RMSprop;
import dev.ember.optim.ReduceLROnPlateau;
import dev.ember.optim.Rprop;
import dev.ember.optim.SGD;
import dev.ember.optim.SWALR;
import dev.ember.optim.SequentialLR;
import dev.ember.optim.StepLR;
import dev.ember.optim.SwaUtils;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongToDoubleFunction;

/**
 * The training half of fuzz round 6 ({@code fuzz6/make_cases.py}, whose header and section comments describe the
 * format): LBFGS over three problems with every option, SWA ({@code AveragedModel}, {@code SWALR}, {@code update_bn})
 * and the state-dict round trips of the optimizers and schedulers, run by {@link DifferentialFuzzR6Test}.
 */
final class FuzzR6Training {
    private FuzzR6Training() {
    }

    static String run(String kind, String name, DifferentialFuzzR6Test.Lines in) {
        switch (kind) {
            case "L": return runLbfgs(name, in);
            case "R": return runOptimizerRoundTrip(in);
            case "F": return runRefusedLoad(in);
            case "Q": return runSchedulerRoundTrip(in);
            case "W": return runSwa(in);
            case "V": return runSwalr(in);
            default: throw new IllegalStateException("kind " + kind);
        }
    }

    private static String compare(String what, String expectedLine, Tensor got, double tol) {
        return DifferentialFuzzR5Test.compare(what, FuzzCaseRunner.expectedTensor(expectedLine), got, tol);
    }

    // ------------------------------------------------------------------------------------------------------ LBFGS

    /** The generator's lbfgs_loss. */
    static Tensor lbfgsLoss(String problem, List<Tensor> ps, List<Tensor> data) {
        switch (problem) {
            case "rosen": {
                Tensor x = ps.get(0);
                int n = x.size(0);
                Tensor hi = x.narrow(0, 1, n - 1);
                Tensor lo = x.narrow(0, 0, n - 1);
                return hi.sub(lo.pow(2L)).pow(2L).mul(100L).add(lo.rsub(1L).pow(2L)).sum();
            }
            case "lsq":
                return data.get(0).matmul(ps.get(0)).add(ps.get(1)).sub(data.get(1)).pow(2L).mean();
            case "mlp":
                return data.get(0).matmul(ps.get(0)).add(ps.get(1)).tanh().matmul(ps.get(2)).add(ps.get(3))
                        .sub(data.get(1)).pow(2L).mean();
            default: throw new IllegalStateException("problem " + problem);
        }
    }

    private static LBFGS lbfgs(List<Tensor> params, String[] w) {
        return new LBFGS(params, Double.parseDouble(w[1]), Integer.parseInt(w[2]),
                w[3].equals("None") ? null : Integer.valueOf(w[3]), Double.parseDouble(w[4]), Double.parseDouble(w[5]),
                Integer.parseInt(w[6]), w[7].equals("None") ? null : w[7]);
    }

    private static String runLbfgs(String problem, DifferentialFuzzR6Test.Lines in) {
        String[] w = in.take("lbfgs").split(" ");
        int split = Integer.parseInt(w[8]);
        List<Tensor> data = new ArrayList<>();
        for (int i = 0; in.nextIs("d" + i); i++) {
            data.add(FuzzCaseRunner.expectedTensor(in.take("d" + i)));
        }
        List<Tensor> ps = new ArrayList<>();
        for (int i = 0; in.nextIs("p" + i); i++) {
            ps.add(FuzzCaseRunner.expectedTensor(in.take("p" + i)).requiresGrad_(true));
        }
        LBFGS[] opt = {lbfgs(ps, w)};
        List<Tensor>[] params = new List[] {ps};
        int[] calls = {0};
        LBFGS.Closure closure = () -> {
            calls[0]++;
            opt[0].zeroGrad();
            Tensor loss = lbfgsLoss(problem, params[0], data);
            loss.backward();
            return loss;
        };
        List<String> problems = new ArrayList<>();
        // float64 throughout; the iterations compound last-bit differences of the reductions (sum, dot) a little
        double tol = 1e-9;
        while (in.more()) {
            int k = Integer.parseInt(in.take("step"));
            if (k == split) {
                Map<String, Object> sd = opt[0].stateDict();
                List<Tensor> fresh = new ArrayList<>();
                for (Tensor p : params[0]) {
                    fresh.add(p.detach().clone().requiresGrad_(true));
                }
                params[0] = fresh;
                opt[0] = lbfgs(fresh, w);
                opt[0].loadStateDict(sd);
            }
            calls[0] = 0;
            Tensor loss;
            try {
                loss = opt[0].step(closure);
            } catch (RuntimeException e) {
                return "step " + k + ": Ember throws " + e;
            }
            String p = compare("step " + k + " loss", in.take("loss"), loss, tol);
            if (p != null) {
                problems.add(p);
            }
            int c = Integer.parseInt(in.take("calls"));
            if (c != calls[0]) {
                problems.add("step " + k + " closure calls: PyTorch " + c + ", Ember " + calls[0]);
            }
            @SuppressWarnings("unchecked")
            Map<Integer, Map<String, Object>> st = (Map<Integer, Map<String, Object>>) opt[0].stateDict().get("state");
            Map<String, Object> s0 = st.get(0);
            long fe = Long.parseLong(in.take("fe"));
            long ni = Long.parseLong(in.take("ni"));
            Object gfe = s0 == null ? null : s0.get("func_evals");
            Object gni = s0 == null ? null : s0.get("n_iter");
            if (gfe == null || ((Number) gfe).longValue() != fe || gni == null || ((Number) gni).longValue() != ni) {
                problems.add("step " + k + " func_evals/n_iter: PyTorch " + fe + "/" + ni + ", Ember " + gfe + "/" + gni);
            }
            while (in.nextIs("st")) {
                String[] v = in.take("st").split(" ");
                double e = Double.parseDouble(v[1]);
                Object g = s0 == null ? null : v[0].equals("n_dirs") ? (Object) ((List<?>) s0.get("old_dirs")).size()
                        : s0.get(v[0]);
                double gv = g instanceof Tensor ? ((Tensor) g).item() : g instanceof Number ? ((Number) g).doubleValue()
                        : Double.NaN;
                if (!(Math.abs(e - gv) <= tol * Math.max(1, Math.abs(e)))) {
                    problems.add("step " + k + " state " + v[0] + ": PyTorch " + e + ", Ember " + g);
                }
            }
            while (in.nextIs("v")) {
                String[] v = in.take("v").split(" ", 2);
                String q = compare("step " + k + " param " + v[0], v[1], params[0].get(Integer.parseInt(v[0])), tol);
                if (q != null) {
                    problems.add(q);
                }
            }
            if (problems.size() > 3) {
                break;
            }
        }
        return problems.isEmpty() ? null : String.join("; ", problems);
    }

    // ------------------------------------------------------------------------------------- optimizer round trips

    /** A group line's options as the optimizers take them (round 5's): Boolean, List of Double for pairs, else Double. */
    static Map<String, Object> groupOptions(String line) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : options("x " + line).entrySet()) {
            String v = e.getValue();
            if (v.equals("True") || v.equals("False")) {
                out.put(e.getKey(), bool(v));
            } else if (v.contains(",")) {
                List<Double> l = new ArrayList<>();
                for (double d : doubles(v)) {
                    l.add(d);
                }
                out.put(e.getKey(), l);
            } else {
                out.put(e.getKey(), Double.parseDouble(v));
            }
        }
        return out;
    }

    /** Round 5's constructor call for each optimizer (its options then set group by group). */
    static Optimizer optimizer(String name, List<Tensor> params, Map<String, Object> g0) {
        double lr = (Double) g0.get("lr");
        switch (name) {
            case "sgd": return new SGD(params, lr);
            case "adam": return new Adam(params, lr);
            case "adamw": return Adam.adamW(params, lr);
            case "rmsprop": return new RMSprop(params, lr);
            case "adagrad": return new Adagrad(params, lr, 0, 0, (Double) g0.getOrDefault("initial_accumulator_value", 0.0),
                    1e-10);
            case "adamax": return new Adamax(params, lr);
            case "nadam": return new NAdam(params, lr);
            case "radam": return new RAdam(params, lr);
            case "adadelta": return new Adadelta(params, lr, 0.9, 1e-6, 0);
            case "asgd": return new ASGD(params, lr);
            case "rprop": return new Rprop(params, lr);
            default: throw new IllegalStateException("optimizer " + name);
        }
    }

    /** Round 5's two-group optimizer over {@code ps}: group 0 (ps 0-1) with g0, group 1 (ps 2-3) with g0 then g1. */
    private static Optimizer twoGroups(String name, List<Tensor> ps, Map<String, Object> g0, Map<String, Object> g1) {
        Map<String, Object> second = new LinkedHashMap<>(g0);
        second.remove("initial_accumulator_value");
        second.putAll(g1);
        second.put("params", ps.subList(2, 4));
        // both groups the constructor's (Adagrad makes their state there), as the script's
        Optimizer opt = Optimizer.withGroups(List.of(Map.of("params", ps.subList(0, 2)), second),
                p -> optimizer(name, p, g0));
        for (Map.Entry<String, Object> e : g0.entrySet()) {
            if (!e.getKey().equals("initial_accumulator_value")) {
                opt.paramGroups().get(0).set(e.getKey(), e.getValue());
            }
        }
        return opt;
    }

    private static String runOptimizerRoundTrip(DifferentialFuzzR6Test.Lines in) {
        String[] w = in.take("opt").split(" ");
        int split = Integer.parseInt(in.take("split"));
        boolean f64 = w[1].equals("float64");
        Map<String, Object> g0 = groupOptions(in.take("g0"));
        Map<String, Object> g1 = groupOptions(in.take("g1"));
        List<Tensor> ps = new ArrayList<>();
        for (int i = 0; in.nextIs("p" + i); i++) {
            ps.add(FuzzCaseRunner.expectedTensor(in.take("p" + i)).requiresGrad_(true));
        }
        Optimizer opt = twoGroups(w[0], ps, g0, g1);
        // as round 5: float64 to 1e-13 relative, float32 to 1e-5
        double tol = f64 ? 1e-13 : 1e-5;
        List<String> problems = new ArrayList<>();
        int step = -1;
        Map<String, Object> sd = null;
        while (in.more()) {
            String l = in.next();
            if (l.startsWith("step ")) {
                step = Integer.parseInt(l.substring(5));
                if (step == split) {
                    // the round trip: a fresh optimizer over fresh copies of the parameters loads the old one's state
                    Map<String, Object> saved = opt.stateDict();
                    List<Tensor> fresh = new ArrayList<>();
                    for (Tensor p : ps) {
                        fresh.add(p.detach().clone().requiresGrad_(true));
                    }
                    ps = fresh;
                    opt = twoGroups(w[0], ps, g0, g1);
                    try {
                        opt.loadStateDict(saved);
                    } catch (RuntimeException e) {
                        return "load_state_dict before step " + step + ": PyTorch loads it, Ember throws " + e;
                    }
                    String same = sameState("the loaded state_dict", castAsLoaded(saved, ps), opt.stateDict());
                    if (same != null) {
                        problems.add(same);
                    }
                }
                for (Tensor p : ps) {
                    p.setGrad(null);
                }
                while (in.nextIs("grad")) {
                    String[] g = in.take("grad").split(" ", 2);
                    ps.get(Integer.parseInt(g[0])).setGrad(FuzzCaseRunner.expectedTensor(g[1]));
                }
                try {
                    opt.step();
                } catch (RuntimeException e) {
                    return "step " + step + ": Ember throws " + e;
                }
                sd = opt.stateDict();
            } else if (l.startsWith("v ")) {
                String[] v = l.split(" ", 3);
                // NAdam after a round trip of float64 parameters: PyTorch's own trajectory leaves the uninterrupted one
                // the expectations hold (its mu_product turns float64), by about 1e-10 relative
                double vtol = f64 && split >= 0 && step >= split && w[0].equals("nadam") ? 1e-8 : tol;
                String p = compare("step " + step + " param " + v[1], v[2], ps.get(Integer.parseInt(v[1])), vtol);
                if (p != null) {
                    problems.add(p);
                }
            } else if (l.startsWith("st ")) {
                String[] v = l.split(" ", 4);
                @SuppressWarnings("unchecked")
                Map<Integer, Map<String, Object>> state = (Map<Integer, Map<String, Object>>) sd.get("state");
                Map<String, Object> st = state.get(Integer.parseInt(v[1]));
                Object got = st == null ? null : st.get(v[2]);
                String what = "step " + step + " state " + v[1] + " " + v[2];
                String p;
                boolean cast = split >= 0 && step >= split && CAST_SCALARS.contains(v[2]) && got instanceof Tensor
                        && ((Tensor) got).dim() == 0;
                if (cast) {
                    // loaded into a float64 parameter, the scalar is float64 from the split on (PyTorch's cast); its
                    // expected value is the uninterrupted run's float32 one, which the double products move off by
                    // float32 rounding (NAdam's mu_product)
                    Tensor e = FuzzCaseRunner.expectedTensor(v[3]).to(((Tensor) got).dtype());
                    p = DifferentialFuzzR5Test.compare(what, e, (Tensor) got, f64 ? 1e-6 : tol);
                } else if (got instanceof Tensor) {
                    p = compare(what, v[3], (Tensor) got, tol);
                } else if (got instanceof Number) {
                    double e = FuzzCaseRunner.expectedTensor(v[3]).item();
                    double g = ((Number) got).doubleValue();
                    p = Math.abs(e - g) <= tol * Math.max(1, Math.abs(e)) ? null : what + ": PyTorch " + e + ", Ember " + g;
                } else {
                    p = what + ": PyTorch " + v[3] + ", Ember " + got;
                }
                if (p != null) {
                    problems.add(p);
                }
            } else {
                throw new IllegalStateException("optimizer line " + l);
            }
            if (problems.size() > 3) {
                break;
            }
        }
        return problems.isEmpty() ? null : String.join("; ", problems);
    }

    /**
     * The scalar state tensors PyTorch's load_state_dict casts to a floating parameter's type (every state tensor but
     * {@code step}; the others already have the parameter's type): NAdam's mu_product, ASGD's eta and mu.
     */
    static final java.util.Set<String> CAST_SCALARS = java.util.Set.of("mu_product", "eta", "mu");

    /**
     * A saved optimizer state dict as PyTorch's load_state_dict leaves it (1.13 and 2.x alike): the scalars of
     * {@link #CAST_SCALARS} in the type of their floating parameter (state index = parameter index).
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> castAsLoaded(Map<String, Object> saved, List<Tensor> ps) {
        Map<String, Object> out = new LinkedHashMap<>(saved);
        Map<Integer, Object> state = new LinkedHashMap<>();
        for (Map.Entry<Integer, Object> e : ((Map<Integer, Object>) saved.get("state")).entrySet()) {
            Map<String, Object> st = new LinkedHashMap<>((Map<String, Object>) e.getValue());
            Tensor p = ps.get(e.getKey());
            for (Map.Entry<String, Object> x : st.entrySet()) {
                if (CAST_SCALARS.contains(x.getKey()) && x.getValue() instanceof Tensor && p.isFloatingPoint()) {
                    x.setValue(((Tensor) x.getValue()).to(p.dtype()));
                }
            }
            state.put(e.getKey(), st);
        }
        out.put("state", state);
        return out;
    }

    /** Null where two state dicts hold the same keys, numbers, lists and tensor values (recursively). */
    static String sameState(String what, Object a, Object b) {
        if (a instanceof Tensor && b instanceof Tensor) {
            Tensor x = (Tensor) a;
            Tensor y = (Tensor) b;
            if (x.dtype() != y.dtype() || !Arrays.equals(x.shape(), y.shape())
                    || !Arrays.equals(x.detach().toDoubleArray(), y.detach().toDoubleArray())) {
                return what + ": " + x + " became " + y;
            }
            return null;
        }
        if (a instanceof Map && b instanceof Map) {
            Map<?, ?> x = (Map<?, ?>) a;
            Map<?, ?> y = (Map<?, ?>) b;
            if (!x.keySet().equals(y.keySet())) {
                return what + ": keys " + x.keySet() + " became " + y.keySet();
            }
            for (Object k : x.keySet()) {
                String p = sameState(what + "[" + k + "]", x.get(k), y.get(k));
                if (p != null) {
                    return p;
                }
            }
            return null;
        }
        if (a instanceof List && b instanceof List) {
            List<?> x = (List<?>) a;
            List<?> y = (List<?>) b;
            if (x.size() != y.size()) {
                return what + ": " + x.size() + " entries became " + y.size();
            }
            for (int i = 0; i < x.size(); i++) {
                String p = sameState(what + "[" + i + "]", x.get(i), y.get(i));
                if (p != null) {
                    return p;
                }
            }
            return null;
        }
        if (a instanceof Number && b instanceof Number) {
            double x = ((Number) a).doubleValue();
            double y = ((Number) b).doubleValue();
            return x == y || Double.isNaN(x) && Double.isNaN(y) ? null : what + ": " + a + " became " + b;
        }
        return Objects.equals(a, b) ? null : what + ": " + a + " became " + b;
    }

    /** A deep copy of a state dict's structure with its tensors cloned (to see that a refused load changes nothing). */
    static Object snapshot(Object o) {
        if (o instanceof Tensor) {
            return ((Tensor) o).detach().clone();
        }
        if (o instanceof Map) {
            Map<Object, Object> m = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) o).entrySet()) {
                m.put(e.getKey(), snapshot(e.getValue()));
            }
            return m;
        }
        if (o instanceof List) {
            List<Object> l = new ArrayList<>();
            for (Object x : (List<?>) o) {
                l.add(snapshot(x));
            }
            return l;
        }
        return o;
    }

    private static String runRefusedLoad(DifferentialFuzzR6Test.Lines in) {
        String[] w = in.take("opt").split(" ");
        double lr = Double.parseDouble(w[1]);
        List<Tensor> ps = new ArrayList<>();
        for (int i = 0; in.nextIs("p" + i); i++) {
            ps.add(FuzzCaseRunner.expectedTensor(in.take("p" + i)).requiresGrad_(true));
        }
        Map<String, Object> options = new LinkedHashMap<>();
        options.put("lr", lr);
        // the script's cls([{"params": ps[:2]}, {"params": ps[2:], "lr": lr / 2}], lr=lr)
        Optimizer opt = Optimizer.withGroups(List.of(Map.of("params", ps.subList(0, 2)),
                Map.of("params", ps.subList(2, 4), "lr", lr / 2)), p -> optimizer(w[0], p, options));
        while (in.nextIs("grad")) {
            String[] g = in.take("grad").split(" ", 2);
            ps.get(Integer.parseInt(g[0])).setGrad(FuzzCaseRunner.expectedTensor(g[1]));
        }
        opt.step();
        Map<String, Object> sd = opt.stateDict();
        List<Tensor> qs = new ArrayList<>();
        for (Tensor p : ps) {
            qs.add(p.detach().clone().requiresGrad_(true));
        }
        String how = in.take("load");
        List<List<Tensor>> groups;
        switch (how) {
            case "one": groups = List.of(qs); break;
            case "3-1": groups = List.of(qs.subList(0, 3), qs.subList(3, 4)); break;
            case "1-3": groups = List.of(qs.subList(0, 1), qs.subList(1, 4)); break;
            case "three": groups = List.of(qs.subList(0, 1), qs.subList(1, 2), qs.subList(2, 4)); break;
            default: throw new IllegalStateException("load " + how);
        }
        List<Map<String, Object>> specs = new ArrayList<>();
        for (List<Tensor> g : groups) {
            specs.add(Map.of("params", g));
        }
        Optimizer other = Optimizer.withGroups(specs, p -> optimizer(w[0], p, options));
        Object before = snapshot(other.stateDict());
        String l = in.next();
        RuntimeException thrown = null;
        try {
            other.loadStateDict(sd);
        } catch (RuntimeException e) {
            thrown = e;
        }
        if (l.equals("r loaded")) {
            return thrown == null ? null : "PyTorch loads it, Ember throws " + thrown;
        }
        String msg = DifferentialFuzzR6Test.unescape(l.substring(l.indexOf(' ', 2) + 1));
        if (thrown == null) {
            return "PyTorch throws \"" + l.substring(2) + "\", Ember loads it";
        }
        if (!msg.equals(thrown.getMessage())) {
            return "message: PyTorch \"" + msg + "\", Ember \"" + thrown.getMessage() + "\"";
        }
        return sameState("the refused optimizer's state_dict", before, other.stateDict());
    }

    // ------------------------------------------------------------------------------------- scheduler round trips

    /**
     * nanoGPT's get_lr as a LambdaLR factor (round 45's "gptcos"): a linear warmup of 2 steps, a cosine decay to 0.1 at
     * step 8, then 0.1.
     */
    static double gptcos(long e) {
        if (e < 2) {
            return (e + 1) / 3.0;
        }
        if (e > 8) {
            return 0.1;
        }
        double ratio = (e - 2) / 6.0;
        return 0.1 + 0.5 * (1.0 + Math.cos(Math.PI * ratio)) * (1.0 - 0.1);
    }

    /** The lambdas of the LambdaLR/MultiplicativeLR cases, by round 5's generator's names. */
    static LongToDoubleFunction lambda(String name) {
        switch (name) {
            case "inv": return e -> 1.0 / (e + 1);
            case "pow": return e -> Math.pow(0.95, e);
            case "alt": return e -> e % 2 != 0 ? 0.9 : 1.05;
            case "half": return e -> 0.5;
            case "lin": return e -> 1.0 - e / 50.0;
            case "gptcos": return FuzzR6Training::gptcos; // round 45's
            default: throw new IllegalStateException("lambda " + name);
        }
    }

    /** A spec line's {@code key=value} options. */
    static Map<String, String> options(String spec) {
        Map<String, String> o = new LinkedHashMap<>();
        String[] w = spec.split(" ");
        for (int i = 1; i < w.length; i++) {
            int eq = w[i].indexOf('=');
            o.put(w[i].substring(0, eq), w[i].substring(eq + 1));
        }
        return o;
    }

    static double[] doubles(String v) {
        return Arrays.stream(v.split(",")).mapToDouble(Double::parseDouble).toArray();
    }

    static List<Integer> ints(String v) {
        List<Integer> out = new ArrayList<>();
        for (String x : v.split(",")) {
            out.add(Integer.parseInt(x));
        }
        return out;
    }

    static boolean bool(String v) {
        return v.equals("True");
    }

    /**
     * The scheduler of spec line {@code spec} over {@code opt} (round 5's, and SWALR); Sequential/Chained take their
     * children's spec lines from {@code children}.
     */
    static LRScheduler scheduler(String spec, Optimizer opt, List<String> children) {
        String kind = spec.split(" ")[0];
        Map<String, String> o = options(spec);
        switch (kind) {
            case "StepLR": return new StepLR(opt, Integer.parseInt(o.get("step_size")), Double.parseDouble(o.get("gamma")));
            case "MultiStepLR": return new MultiStepLR(opt, ints(o.get("milestones")), Double.parseDouble(o.get("gamma")));
            case "ExponentialLR": return new ExponentialLR(opt, Double.parseDouble(o.get("gamma")));
            case "CosineAnnealingLR": return new CosineAnnealingLR(opt, Integer.parseInt(o.get("T_max")),
                    Double.parseDouble(o.get("eta_min")));
            case "CosineAnnealingWarmRestarts": return new CosineAnnealingWarmRestarts(opt, Integer.parseInt(o.get("T_0")),
                    Integer.parseInt(o.get("T_mult")), Double.parseDouble(o.get("eta_min")));
            case "LinearLR": return new LinearLR(opt, Double.parseDouble(o.get("start_factor")),
                    Double.parseDouble(o.get("end_factor")), Integer.parseInt(o.get("total_iters")));
            case "ConstantLR": return new ConstantLR(opt, Double.parseDouble(o.get("factor")),
                    Integer.parseInt(o.get("total_iters")));
            case "PolynomialLR": return new PolynomialLR(opt, Integer.parseInt(o.get("total_iters")),
                    Double.parseDouble(o.get("power")));
            case "LambdaLR":
            case "MultiplicativeLR": {
                List<LongToDoubleFunction> fns = new ArrayList<>();
                for (String n : o.get("lambdas").split(",")) {
                    fns.add(lambda(n));
                }
                if (fns.size() == 1) {
                    return kind.equals("LambdaLR") ? new LambdaLR(opt, fns.get(0)) : new MultiplicativeLR(opt, fns.get(0));
                }
                return kind.equals("LambdaLR") ? new LambdaLR(opt, fns) : new MultiplicativeLR(opt, fns);
            }
            case "OneCycleLR": return new OneCycleLR(opt, doubles(o.get("max_lr")), Integer.parseInt(o.get("total_steps")),
                    Double.parseDouble(o.get("pct_start")), o.get("anneal_strategy").replace("'", ""),
                    bool(o.get("cycle_momentum")), Double.parseDouble(o.get("base_momentum")),
                    Double.parseDouble(o.get("max_momentum")), Double.parseDouble(o.get("div_factor")),
                    Double.parseDouble(o.get("final_div_factor")), bool(o.get("three_phase")));
            case "CyclicLR": return new CyclicLR(opt, doubles(o.get("base_lr")), doubles(o.get("max_lr")),
                    Integer.parseInt(o.get("step_size_up")),
                    o.get("step_size_down").equals("None") ? null : Integer.valueOf(o.get("step_size_down")),
                    o.get("mode").replace("'", ""), Double.parseDouble(o.get("gamma")), null, "cycle",
                    bool(o.get("cycle_momentum")), doubles(o.get("base_momentum")), doubles(o.get("max_momentum")));
            case "ReduceLROnPlateau": return new ReduceLROnPlateau(opt, o.get("mode").replace("'", ""),
                    Double.parseDouble(o.get("factor")), Integer.parseInt(o.get("patience")),
                    Double.parseDouble(o.get("threshold")), o.get("threshold_mode").replace("'", ""),
                    Integer.parseInt(o.get("cooldown")), doubles(o.get("min_lr")), Double.parseDouble(o.get("eps")));
            case "SWALR": {
                List<Double> swaLrs = new ArrayList<>();
                for (double d : doubles(o.get("swa_lr"))) {
                    swaLrs.add(d);
                }
                return new SWALR(opt, swaLrs, Integer.parseInt(o.get("anneal_epochs")),
                        o.get("anneal_strategy").replace("'", ""));
            }
            case "SequentialLR":
            case "ChainedScheduler": {
                List<LRScheduler> made = new ArrayList<>();
                int n = Integer.parseInt(o.get("n"));
                for (int i = 0; i < n; i++) {
                    made.add(scheduler(children.get(i), opt, List.of()));
                }
                return kind.equals("SequentialLR") ? new SequentialLR(opt, made, ints(o.get("milestones")))
                        : new ChainedScheduler(made);
            }
            default: throw new IllegalStateException("scheduler " + spec);
        }
    }

    /** Round 5's scheduler optimizer line over fresh parameters: SGD or Adam, two groups. */
    static Optimizer schedOptimizer(String[] w) {
        Tensor w0 = Tensor.zeros(DType.FLOAT64, 2).requiresGrad_(true);
        Tensor w1 = Tensor.zeros(DType.FLOAT64, 3).requiresGrad_(true);
        double lr0 = Double.parseDouble(w[1]);
        double lr1 = Double.parseDouble(w[2]);
        Optimizer opt;
        if (w[0].equals("sgd")) {
            opt = new SGD(List.of(w0), lr0, Double.parseDouble(w[3]), 0, 0, false);
            opt.addParamGroup(List.of(w1), Map.of("lr", lr1, "momentum", Double.parseDouble(w[4])));
        } else {
            opt = new Adam(List.of(w0), lr0);
            opt.addParamGroup(List.of(w1), Map.of("lr", lr1, "betas", List.of(0.8, 0.99)));
        }
        return opt;
    }

    /** Equal to 1e-13 relative or 1e-16 absolute (round 5's: the formulas are PyTorch's, up to libm's cos). */
    static boolean close(double e, double g) {
        return e == g || Math.abs(e - g) <= 1e-13 * Math.max(Math.abs(e), 1e-3);
    }

    /** Null where the "lr <k> ..." line {@code l} matches the optimizer's rates (and momenta after " m "). */
    static String lrLine(String l, int k, Optimizer opt) {
        String[] v = l.split(" ");
        StringBuilder got = new StringBuilder("lr " + k);
        for (ParamGroup g : opt.paramGroups()) {
            got.append(' ').append(Format.repr(g.lr()));
        }
        if (l.contains(" m ")) {
            got.append(" m");
            for (ParamGroup g : opt.paramGroups()) {
                got.append(' ').append(Format.repr(g.has("betas") ? ((Number) ((List<?>) g.get("betas")).get(0))
                        .doubleValue() : g.getDouble("momentum")));
            }
        }
        String[] gv = got.toString().split(" ");
        boolean same = gv.length == v.length;
        for (int i = 2; same && i < v.length; i++) {
            same = v[i].equals("m") ? gv[i].equals("m") : !gv[i].equals("m") && close(Double.parseDouble(v[i]),
                    Double.parseDouble(gv[i]));
        }
        return same ? null : "PyTorch \"" + l + "\", Ember \"" + got + "\"";
    }

    private static String runSchedulerRoundTrip(DifferentialFuzzR6Test.Lines in) {
        String[] w = in.take("opt").split(" ");
        int split = Integer.parseInt(in.take("split"));
        String spec = in.take("s");
        List<String> children = new ArrayList<>();
        while (in.nextIs("s")) {
            children.add(in.take("s"));
        }
        double[] metrics = in.nextIs("metrics") ? doubles(in.take("metrics").replace(' ', ',')) : null;
        Optimizer opt = schedOptimizer(w);
        LRScheduler sched = scheduler(spec, opt, children);
        for (int k = 0; in.more(); k++) {
            String l = in.next();
            if (k > 0 && k - 1 == split) {
                Map<String, Object> so = opt.stateDict();
                Map<String, Object> ss = sched.stateDict();
                opt = schedOptimizer(w);
                sched = scheduler(spec, opt, children);
                try {
                    opt.loadStateDict(so);
                    sched.loadStateDict(ss);
                } catch (RuntimeException e) {
                    return "load_state_dict at step " + (k - 1) + ": PyTorch loads them, Ember throws " + e;
                }
            }
            if (l.startsWith("e ")) {
                String msg = DifferentialFuzzR6Test.unescape(l.substring(l.indexOf(' ', 2) + 1));
                try {
                    step(sched, metrics, k - 1);
                    return "step " + k + ": PyTorch throws \"" + l.substring(2) + "\", Ember steps";
                } catch (RuntimeException e) {
                    return msg.equals(e.getMessage()) ? null
                            : "step " + k + ": message: PyTorch \"" + msg + "\", Ember \"" + e.getMessage() + "\"";
                }
            }
            if (k > 0) {
                try {
                    step(sched, metrics, k - 1);
                } catch (RuntimeException e) {
                    return "step " + k + ": PyTorch steps, Ember throws " + e;
                }
            }
            String p = lrLine(l, k, opt);
            if (p != null) {
                return p;
            }
        }
        return null;
    }

    static void step(LRScheduler sched, double[] metrics, int k) {
        if (metrics != null) {
            ((ReduceLROnPlateau) sched).step(metrics[k]);
        } else {
            sched.step();
        }
    }

    // -------------------------------------------------------------------------------------------------------- SWA

    /** The generator's model: Linear(3, 4), BatchNorm1d(4) with the momentum, ReLU, Linear(4, 2), float64. */
    private static Module swaModel(Double momentum) {
        return new Sequential(new Linear(3, 4), new BatchNorm1d(4, 1e-5, momentum, true, true), new ReLU(),
                new Linear(4, 2)).to(DType.FLOAT64);
    }

    /** Compares the "a <name> <tensor>" lines with the averaged module's state_dict. */
    private static void swaState(String what, DifferentialFuzzR6Test.Lines in, Module avg, List<String> problems) {
        Map<String, Tensor> st = avg.stateDict();
        List<String> names = new ArrayList<>();
        while (in.nextIs("a")) {
            String[] w = in.take("a").split(" ", 2);
            names.add(w[0]);
            Tensor got = st.get(w[0]);
            // float64 to 1e-12 (the averages are PyTorch's formulas; batch statistics are sums in another order)
            String p = got == null ? what + " " + w[0] + ": Ember has no such entry"
                    : compare(what + " " + w[0], w[1], got, 1e-12);
            if (p != null) {
                problems.add(p);
            }
        }
        if (!names.equals(new ArrayList<>(st.keySet()))) {
            problems.add(what + ": state_dict keys: PyTorch " + names + ", Ember " + st.keySet());
        }
    }

    private static String runSwa(DifferentialFuzzR6Test.Lines in) {
        String[] w = in.take("swa").split(" ");
        double decay = Double.parseDouble(w[1]);
        boolean useBuffers = w[2].equals("1");
        String bn = in.take("bn");
        Double momentum = bn.equals("None") ? null : Double.valueOf(bn);
        Module model = swaModel(momentum);
        Map<String, Tensor> params = model.namedParameters();
        try (GradMode off = Ember.noGrad()) {
            while (in.nextIs("p")) {
                String[] v = in.take("p").split(" ", 2);
                params.get(v[0]).copy_(FuzzCaseRunner.expectedTensor(v[1]));
            }
        }
        AveragedModel.AvgFn avgFn = w[0].equals("ema_avg") ? SwaUtils.getEmaAvgFn(decay) : null;
        AveragedModel.MultiAvgFn multi = w[0].equals("ema_multi") ? SwaUtils.getEmaMultiAvgFn(decay) : null;
        AveragedModel swa = new AveragedModel(model, () -> swaModel(momentum), null, avgFn, multi, useBuffers);
        List<String> problems = new ArrayList<>();
        int update = 0;
        while (in.more()) {
            String l = in.next();
            if (l.equals("upd")) {
                try (GradMode off = Ember.noGrad()) {
                    while (in.nextIs("d")) {
                        String[] v = in.take("d").split(" ", 2);
                        params.get(v[0]).add_(FuzzCaseRunner.expectedTensor(v[1]));
                    }
                    model.train();
                    model.apply(FuzzCaseRunner.expectedTensor(in.take("x")));
                }
                swa.updateParameters(model);
                swaState("update " + update, in, swa.module(), problems);
                long n = Long.parseLong(in.take("n"));
                if (n != swa.nAveraged()) {
                    problems.add("update " + update + " n_averaged: PyTorch " + n + ", Ember " + swa.nAveraged());
                }
                update++;
            } else if (l.equals("ubn")) {
                List<Tensor> loader = new ArrayList<>();
                while (in.nextIs("lx")) {
                    loader.add(FuzzCaseRunner.expectedTensor(in.take("lx")));
                }
                SwaUtils.updateBn(loader, swa);
                swaState("update_bn", in, swa.module(), problems);
                swa.eval();
                Tensor ex = FuzzCaseRunner.expectedTensor(in.take("ex"));
                try (GradMode off = Ember.noGrad()) {
                    String p = compare("eval output", in.take("out"), swa.apply(ex), 1e-12);
                    if (p != null) {
                        problems.add(p);
                    }
                }
            } else {
                throw new IllegalStateException("swa line " + l);
            }
            if (problems.size() > 3) {
                break;
            }
        }
        return problems.isEmpty() ? null : String.join("; ", problems);
    }

    private static String runSwalr(DifferentialFuzzR6Test.Lines in) {
        String[] ow = in.take("opt").split(" ");
        int split = Integer.parseInt(in.take("split"));
        Optimizer opt = schedOptimizer(ow);
        int m = in.nextIs("pre") ? Integer.parseInt(in.take("pre")) : 0;
        LRScheduler pre = m > 0 ? scheduler(in.take("s"), opt, List.of()) : null;
        int k = 0;
        String p = lrLine(in.next(), k, opt);
        for (int i = 0; p == null && i < m; i++) {
            pre.step();
            k++;
            p = lrLine(in.next(), k, opt);
        }
        if (p != null) {
            return "before SWALR: " + p;
        }
        String spec = in.take("s");
        LRScheduler swa = scheduler(spec, opt, List.of());
        p = lrLine(in.next(), k, opt);
        for (int i = 0; p == null && in.more(); i++) {
            if (i == split) {
                Map<String, Object> so = opt.stateDict();
                Map<String, Object> ss = swa.stateDict();
                opt = schedOptimizer(ow);
                swa = scheduler(spec, opt, List.of());
                try {
                    opt.loadStateDict(so);
                    swa.loadStateDict(ss);
                } catch (RuntimeException e) {
                    return "load_state_dict before SWALR step " + i + ": PyTorch loads them, Ember throws " + e;
                }
            }
            swa.step();
            k++;
            p = lrLine(in.next(), k, opt);
        }
        return p;
    }
}
