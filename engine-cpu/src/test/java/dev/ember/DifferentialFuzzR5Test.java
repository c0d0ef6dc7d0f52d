package dev.ember;

import dev.ember.DifferentialFuzzR6Test.Case;
import dev.ember.DifferentialFuzzR6Test.Lines;
import dev.ember.distributions.Distribution;
import dev.ember.distributions.KL;
import dev.ember.optim.ChainedScheduler;
import dev.ember.optim.LRScheduler;
import dev.ember.optim.Optimizer;
import dev.ember.optim.ParamGroup;
import dev.ember.optim.SequentialLR;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

import static dev.ember.DifferentialFuzzR6Test.weights;
import static dev.ember.FuzzR6Training.close;
import static dev.ember.FuzzR6Training.doubles;
import static dev.ember.FuzzR6Training.groupOptions;
import static dev.ember.FuzzR6Training.ints;
import static dev.ember.FuzzR6Training.optimizer;
import static dev.ember.FuzzR6Training.options;
import static dev.ember.FuzzR6Training.step;

/**
 * Round 5 of the seeded differential fuzz against PyTorch ({@code fuzz5/make_cases.py}, whose header describes the
 * format): small programs over the families rounds 1-3 never reached. The distributions (every one with a tensor
 * constructor: log_prob inside and outside the support with validate_args either way, cdf, icdf, entropy, mean, mode,
 * variance, stddev, enumerate_support, expand, and the float64 gradients of log_prob with respect to every parameter)
 * and kl_divergence for every pair PyTorch registers; the LR schedulers (random configurations of every one, nested
 * in SequentialLR and ChainedScheduler, with manual rate changes, 40 steps); the optimizers (every one with random
 * options in two groups, parameters without a gradient in some steps, 6 steps: parameters and state);
 * {@code autograd.functional} (jacobian, hessian, vjp, jvp, vhp, hvp with create_graph, strict and vectorize, and the
 * results' own gradients) and {@code Autograd.grad} (grad_outputs, retain_graph, create_graph, allow_unused, the
 * second-order gradient, the same call again). Every mismatch is reported in one failure.
 */
class DifferentialFuzzR5Test {
    private static final String RESOURCE = "/fuzz5/cases.txt";

    /**
     * Cases known to fail, by id, with the reason; a case listed here that passes is reported too, so the list shrinks
     * as the engine is fixed.
     */
    private static final Map<String, String> EXPECTED_FAILURES = new TreeMap<>(Map.of());

    @Test
    void everyCaseMatchesPyTorch() {
        DifferentialFuzzR6Test.runAll(RESOURCE, 500, EXPECTED_FAILURES, DifferentialFuzzR5Test::run);
    }

    private static String run(Case c) {
        Lines in = new Lines(c.lines());
        switch (c.kind()) {
            case "D": return runDistribution(in);
            case "K": return runKl(in);
            case "S": return runScheduler(in);
            case "O": return runOptimizer(in);
            case "A": return runFunctional(c.name(), in);
            case "G": return runGrad(in);
            default: throw new IllegalStateException("kind " + c.kind());
        }
    }

    // ------------------------------------------------------------------------------------------------ distributions

    /** A distribution's constructor call: the class, its parameters (a Tensor, null or an Integer) and validate_args. */
    private static final class Ctor {
        final String cls;
        final boolean validate;
        final List<Object> args = new ArrayList<>();

        Ctor(String spec) {
            String[] w = spec.split(" ");
            cls = w[0];
            validate = w[1].equals("1");
        }

        List<Tensor> gradParams() {
            List<Tensor> out = new ArrayList<>();
            for (Object a : args) {
                if (a instanceof Tensor && ((Tensor) a).requiresGrad()) {
                    out.add((Tensor) a);
                }
            }
            return out;
        }

        Distribution build() {
            Class<?> k;
            try {
                k = Class.forName("dev.ember.distributions." + cls);
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("no Ember class " + cls);
            }
            for (Constructor<?> con : k.getConstructors()) {
                Class<?>[] p = con.getParameterTypes();
                if (p.length != args.size() + 1 || p[p.length - 1] != Boolean.class) {
                    continue;
                }
                boolean ok = true;
                for (int i = 0; i < args.size(); i++) {
                    Object a = args.get(i);
                    ok &= a instanceof Integer ? p[i] == int.class : p[i] == Tensor.class;
                }
                if (!ok) {
                    continue;
                }
                Object[] values = args.toArray(new Object[args.size() + 1]);
                values[args.size()] = validate;
                try {
                    return (Distribution) con.newInstance(values);
                } catch (InvocationTargetException e) {
                    if (e.getCause() instanceof RuntimeException) {
                        throw (RuntimeException) e.getCause();
                    }
                    throw new IllegalStateException(e.getCause());
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            }
            throw new IllegalStateException("no constructor of " + cls + " for " + args.size() + " parameters");
        }
    }

    private static Ctor ctor(Lines in, String key, String pkey) {
        Ctor c = new Ctor(in.take(key));
        while (in.nextIs(pkey)) {
            String[] w = in.take(pkey).split(" ", 3);
            switch (w[1]) {
                case "none": c.args.add(null); break;
                case "i": c.args.add(Integer.parseInt(w[2])); break;
                case "T": {
                    Tensor t = FuzzCaseRunner.expectedTensor(w[2]);
                    if (t.dtype() == DType.FLOAT64) {
                        t.requiresGrad_(true);
                    }
                    c.args.add(t);
                    break;
                }
                default: throw new IllegalStateException("parameter " + Arrays.toString(w));
            }
        }
        return c;
    }

    private static double tolerance(Lines in) {
        return in.nextIs("tol") ? Double.parseDouble(in.take("tol")) : 0;
    }

    /** A query's result, or the exception it threw. */
    private interface Query {
        Tensor get();
    }

    /**
     * Compares what {@code q} gives with the answer line that follows: {@code r <tensor>} (or {@code key}), {@code e
     * <Type> <message>} or {@code x} (NotImplementedError). Returns null where they agree; the result is left in
     * {@code out[0]}.
     */
    private static String answer(String what, Query q, Lines in, String key, double tol, Tensor[] out) {
        Tensor got = null;
        RuntimeException thrown = null;
        try {
            got = q.get();
        } catch (RuntimeException e) {
            thrown = e;
        }
        String l = in.next();
        if (l.equals("x")) {
            return thrown instanceof UnsupportedOperationException ? null
                    : what + ": PyTorch NotImplementedError, Ember " + (thrown != null ? thrown : "a result");
        }
        if (l.startsWith("e ")) {
            String msg = l.substring(l.indexOf(' ', 2) + 1).replace("\\n", "\n").replace("\\\\", "\\");
            if (thrown == null) {
                return what + ": PyTorch throws \"" + l.substring(2) + "\", Ember gives " + got;
            }
            return msg.equals(thrown.getMessage()) ? null
                    : what + ": message: PyTorch \"" + msg + "\", Ember \"" + thrown.getMessage() + "\"";
        }
        if (!l.startsWith(key + " ")) {
            throw new IllegalStateException("answer line " + l);
        }
        if (thrown != null) {
            return what + ": PyTorch gives a result, Ember throws " + thrown;
        }
        out[0] = got;
        return compare(what, FuzzCaseRunner.expectedTensor(l.substring(key.length() + 1)), got, tol);
    }

    private static String runDistribution(Lines in) {
        Ctor ctor = ctor(in, "c", "p");
        double tol = tolerance(in);
        Distribution[] d = new Distribution[1];
        List<String> problems = new ArrayList<>();
        if (in.nextIs("q") && in.peek().equals("q ctor")) {
            in.next();
            return answer("constructor", () -> {
                d[0] = ctor.build();
                return null;
            }, in, "r", tol, new Tensor[1]);
        }
        try {
            d[0] = ctor.build();
        } catch (RuntimeException e) {
            return "constructor: PyTorch constructs it, Ember throws " + e;
        }
        Distribution dist = d[0];
        while (in.more()) {
            String q = in.take("q");
            String op = q.split(" ")[0];
            String arg = q.length() > op.length() ? q.substring(op.length() + 1) : "";
            Tensor[] res = new Tensor[1];
            String p;
            switch (op) {
                case "mean": p = answer(op, dist::mean, in, "r", tol, res); break;
                case "mode": p = answer(op, dist::mode, in, "r", tol, res); break;
                case "variance": p = answer(op, dist::variance, in, "r", tol, res); break;
                case "stddev": p = answer(op, dist::stddev, in, "r", tol, res); break;
                case "entropy": p = answer(op, dist::entropy, in, "r", tol, res); break;
                case "enum": p = answer(op, () -> dist.enumerateSupport(true), in, "r", tol, res); break;
                case "cdf": p = answer(op + " " + arg, () -> dist.cdf(FuzzCaseRunner.expectedTensor(arg)), in, "r", tol, res);
                    break;
                case "icdf": p = answer(op + " " + arg, () -> dist.icdf(FuzzCaseRunner.expectedTensor(arg)), in, "r", tol,
                        res);
                    break;
                case "glp": {
                    Tensor value = FuzzCaseRunner.expectedTensor(arg);
                    p = answer("log_prob " + arg, () -> dist.logProb(value), in, "r", tol, res);
                    if (res[0] != null || in.nextIs("g0")) {
                        String g = gradients("log_prob " + arg, res[0], ctor.args, in, 0, tol);
                        p = p != null ? p : g;
                    }
                    break;
                }
                case "expand": {
                    int[] shape = Arrays.stream(arg.split(" ")).mapToInt(Integer::parseInt).toArray();
                    Distribution[] e = new Distribution[1];
                    boolean expands = in.peek().startsWith("r ");
                    p = answer("expand " + arg, () -> {
                        e[0] = dist.expand(shape);
                        int[] b = e[0].batchShape();
                        long[] l = new long[b.length];
                        for (int i = 0; i < b.length; i++) {
                            l[i] = b[i];
                        }
                        return Tensor.tensor(l, DType.INT64, Device.CPU);
                    }, in, "r", 0, res);
                    if (expands) {
                        String m = e[0] == null ? "expand: no distribution" : answer("expand(" + arg + ").mean",
                                e[0]::mean, in, "r2", tol, new Tensor[1]);
                        p = p != null ? p : m;
                    }
                    break;
                }
                default: throw new IllegalStateException("query " + q);
            }
            while (in.nextIs("g0") || in.nextIs("g1") || in.nextIs("g2")) {
                in.next();
            }
            if (p != null) {
                problems.add(p);
            }
        }
        return problems.isEmpty() ? null : String.join("; ", problems);
    }

    /**
     * Compares the gradients of sum(out * w) with the "g<i>" lines that follow, i the index of a tensor that requires
     * grad among {@code args} plus {@code offset} (round 6 passes its parameters with offset 0).
     */
    static String gradients(String what, Tensor out, List<?> args, Lines in, int offset, double tol) {
        List<Tensor> params = new ArrayList<>();
        List<Integer> index = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i) instanceof Tensor && ((Tensor) args.get(i)).requiresGrad()) {
                params.add((Tensor) args.get(i));
                index.add(i + offset);
            }
        }
        Tensor[] gs = new Tensor[params.size()];
        if (out != null && out.requiresGrad() && !params.isEmpty()) {
            Tensor loss = out.mul(weights(out.shape())).sum();
            gs = Autograd.grad(List.of(loss), params, null, true, false, true).toArray(new Tensor[0]);
        }
        List<String> problems = new ArrayList<>();
        for (int j = 0; j < params.size(); j++) {
            String l = in.take("g" + index.get(j));
            if (l.equals("none")) {
                if (gs[j] != null && out != null && out.requiresGrad()) {
                    problems.add(what + " grad " + index.get(j) + ": PyTorch none, Ember " + gs[j]);
                }
                continue;
            }
            if (gs[j] == null) {
                problems.add(what + " grad " + index.get(j) + ": PyTorch " + l + ", Ember none");
                continue;
            }
            String p = compare(what + " grad " + index.get(j), FuzzCaseRunner.expectedTensor(l), gs[j], tol);
            if (p != null) {
                problems.add(p);
            }
        }
        return problems.isEmpty() ? null : String.join("; ", problems);
    }

    private static String runKl(Lines in) {
        Ctor pc = ctor(in, "c", "p");
        Ctor qc = ctor(in, "c2", "p2");
        double tol = tolerance(in);
        String q = in.take("q");
        if (q.equals("ctor")) {
            return answer("constructor", () -> {
                pc.build();
                qc.build();
                return null;
            }, in, "r", tol, new Tensor[1]);
        }
        Distribution p;
        Distribution qd;
        try {
            p = pc.build();
            qd = qc.build();
        } catch (RuntimeException e) {
            return "constructor: PyTorch constructs them, Ember throws " + e;
        }
        Tensor[] res = new Tensor[1];
        String v = answer("kl", () -> KL.klDivergence(p, qd), in, "r", tol, res);
        List<Object> all = new ArrayList<>(pc.args);
        all.addAll(qc.args);
        String g = in.more() ? gradients("kl", res[0], all, in, 0, tol) : null;
        return v != null ? v : g;
    }

    // ------------------------------------------------------------------------------------------------ schedulers

    /** The scheduler of spec line {@code spec} over {@code opt}; Sequential/Chained take their children from {@code in}. */
    private static LRScheduler scheduler(String spec, Optimizer opt, Lines in) {
        String kind = spec.split(" ")[0];
        if (!kind.equals("SequentialLR") && !kind.equals("ChainedScheduler")) {
            return FuzzR6Training.scheduler(spec, opt, List.of());
        }
        // children nest here (their spec lines follow in the case), so the composites recurse through the case's lines
        Map<String, String> o = options(spec);
        List<LRScheduler> children = new ArrayList<>();
        int n = Integer.parseInt(o.get("n"));
        for (int i = 0; i < n; i++) {
            children.add(scheduler(in.take("s"), opt, in));
        }
        return kind.equals("SequentialLR") ? new SequentialLR(opt, children, ints(o.get("milestones")))
                : new ChainedScheduler(children);
    }

    private static String runScheduler(Lines in) {
        Optimizer opt = FuzzR6Training.schedOptimizer(in.take("opt").split(" "));
        LRScheduler sched = scheduler(in.take("s"), opt, in);
        Map<Integer, double[]> manual = new TreeMap<>();
        while (in.nextIs("manual")) {
            String[] m = in.take("manual").split(" ");
            manual.put(Integer.parseInt(m[0]), new double[] {Integer.parseInt(m[1]), Double.parseDouble(m[2])});
        }
        double[] metrics = in.nextIs("metrics") ? doubles(in.take("metrics").replace(' ', ',')) : null;
        for (int k = 0; in.more(); k++) {
            String l = in.next();
            if (l.startsWith("e ")) {
                String msg = l.substring(l.indexOf(' ', 2) + 1).replace("\\n", "\n").replace("\\\\", "\\");
                try {
                    step(sched, metrics, k - 1);
                    return "step " + k + ": PyTorch throws \"" + l.substring(2) + "\", Ember steps";
                } catch (RuntimeException e) {
                    return msg.equals(e.getMessage()) ? null
                            : "step " + k + ": message: PyTorch \"" + msg + "\", Ember \"" + e.getMessage() + "\"";
                }
            }
            if (k > 0) {
                if (manual.containsKey(k - 1)) {
                    double[] m = manual.get(k - 1);
                    opt.paramGroups().get((int) m[0]).setLr(m[1]);
                }
                try {
                    step(sched, metrics, k - 1);
                } catch (RuntimeException e) {
                    return "step " + k + ": PyTorch steps, Ember throws " + e;
                }
            }
            String problem = FuzzR6Training.lrLine(l, k, opt);
            if (problem != null) {
                return problem;
            }
        }
        return null;
    }

    // ------------------------------------------------------------------------------------------------ optimizers

    private static String runOptimizer(Lines in) {
        String[] w = in.take("opt").split(" ");
        boolean f64 = w[1].equals("float64");
        Map<String, Object> g0 = groupOptions(in.take("g0"));
        Map<String, Object> g1 = groupOptions(in.take("g1"));
        List<Tensor> ps = new ArrayList<>();
        for (int i = 0; in.nextIs("p" + i); i++) {
            ps.add(FuzzCaseRunner.expectedTensor(in.take("p" + i)).requiresGrad_(true));
        }
        // PyTorch's defaults are the constructor's options: the second group takes group 0's where it says nothing;
        // both groups are the constructor's (Adagrad makes their state there)
        Map<String, Object> second = new LinkedHashMap<>(g0);
        second.remove("initial_accumulator_value");
        second.putAll(g1);
        second.put("params", ps.subList(2, 4));
        Optimizer opt = Optimizer.withGroups(List.of(Map.of("params", ps.subList(0, 2)), second),
                p -> optimizer(w[0], p, g0));
        for (Map.Entry<String, Object> e : g0.entrySet()) {
            if (!e.getKey().equals("initial_accumulator_value")) {
                opt.paramGroups().get(0).set(e.getKey(), e.getValue());
            }
        }
        // float64 to 1e-13 relative (the updates are PyTorch's ops in order; libm's pow and sqrt may differ in the
        // last bit), float32 to 1e-5
        double tol = f64 ? 1e-13 : 1e-5;
        List<String> problems = new ArrayList<>();
        int step = -1;
        Map<String, Object> sd = null;
        while (in.more()) {
            String l = in.next();
            if (l.startsWith("step ")) {
                step = Integer.parseInt(l.substring(5));
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
                String p = compare("step " + step + " param " + v[1], FuzzCaseRunner.expectedTensor(v[2]),
                        ps.get(Integer.parseInt(v[1])), tol);
                if (p != null) {
                    problems.add(p);
                }
            } else if (l.startsWith("st ")) {
                String[] v = l.split(" ", 4);
                @SuppressWarnings("unchecked")
                Map<Integer, Map<String, Object>> state = (Map<Integer, Map<String, Object>>) sd.get("state");
                Map<String, Object> st = state.get(Integer.parseInt(v[1]));
                Object got = st == null ? null : st.get(v[2]);
                Tensor expected = FuzzCaseRunner.expectedTensor(v[3]);
                String what = "step " + step + " state " + v[1] + " " + v[2];
                String p;
                if (got instanceof Tensor) {
                    p = compare(what, expected, (Tensor) got, tol);
                } else if (got instanceof Number) {
                    double e = expected.item();
                    double g = ((Number) got).doubleValue();
                    p = Math.abs(e - g) <= tol * Math.max(1, Math.abs(e)) ? null
                            : what + ": PyTorch " + e + ", Ember " + g;
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

    // ------------------------------------------------------------------------------------- autograd.functional, grad

    /** The generator's AFUNCS by name. */
    private static Function<Tensor[], Tensor> afunc(String name) {
        switch (name) {
            case "sinexp": return x -> x[0].sin().mul(x[0].exp());
            case "mix": return x -> x[0].mul(x[1].cos()).add(x[0].pow(2L).mul(x[1]));
            case "cumprod": return x -> x[0].cumprod(0);
            case "linear": return x -> x[0].mul(3.0);
            case "detached": return x -> x[0].detach().mul(2.0);
            case "sumcube": return x -> x[0].pow(3L).sum();
            case "quad2": return x -> x[0].mul(x[1]).sum().add(x[0].pow(2L).mul(x[1].sin()).sum());
            case "tanhsum": return x -> x[0].tanh().mul(x[0]).sum();
            case "linsum": return x -> x[0].mul(3.0).sum();
            case "unused": return x -> x[0].sin().sum();
            case "constsum": return x -> x[0].detach().pow(2L).sum();
            default: throw new IllegalStateException("function " + name);
        }
    }

    private static Tensor[] inputs(Lines in, String key, boolean grad) {
        List<Tensor> xs = new ArrayList<>();
        for (int i = 0; in.nextIs(key + i); i++) {
            Tensor t = FuzzCaseRunner.expectedTensor(in.take(key + i));
            xs.add(grad ? t.requiresGrad_(true) : t);
        }
        return xs.toArray(new Tensor[0]);
    }

    /** Compares an exception with the "e" line {@code l}: null where the messages agree. */
    private static String sameError(String what, String l, RuntimeException e) {
        String msg = l.substring(l.indexOf(' ', 2) + 1).replace("\\n", "\n").replace("\\\\", "\\");
        return msg.equals(e.getMessage()) ? null
                : what + ": message: PyTorch \"" + msg + "\", Ember \"" + e.getMessage() + "\"";
    }

    private static String runFunctional(String op, Lines in) {
        String[] f = in.take("f").split(" ");
        Function<Tensor[], Tensor> fn = afunc(f[0]);
        boolean createGraph = f[1].equals("1");
        boolean strict = f[2].equals("1");
        boolean vectorize = f[3].equals("1");
        Tensor[] xs = inputs(in, "x", createGraph);
        Tensor v = in.nextIs("v") ? FuzzCaseRunner.expectedTensor(in.take("v")) : null;
        Tensor[] vs = inputs(in, "v", false);
        List<Tensor> flat = new ArrayList<>();
        RuntimeException thrown = null;
        try {
            switch (op) {
                case "jacobian": flat.addAll(Arrays.asList(AutogradFunctional.jacobian(fn, xs, createGraph, strict,
                        vectorize))); break;
                case "hessian":
                    for (Tensor[] row : AutogradFunctional.hessian(fn, xs, createGraph, strict, vectorize)) {
                        flat.addAll(Arrays.asList(row));
                    }
                    break;
                default: {
                    AutogradFunctional.Products pr;
                    switch (op) {
                        case "vjp": pr = AutogradFunctional.vjp(fn, xs, v, createGraph, strict); break;
                        case "jvp": pr = AutogradFunctional.jvp(fn, xs, vs, createGraph, strict); break;
                        case "vhp": pr = AutogradFunctional.vhp(fn, xs, vs, createGraph, strict); break;
                        case "hvp": pr = AutogradFunctional.hvp(fn, xs, vs, createGraph, strict); break;
                        default: throw new IllegalStateException("op " + op);
                    }
                    flat.add(pr.output());
                    flat.addAll(Arrays.asList(pr.products()));
                }
            }
        } catch (RuntimeException e) {
            thrown = e;
        }
        if (in.nextIs("e")) {
            String l = in.next();
            return thrown == null ? "PyTorch throws \"" + l.substring(2) + "\", Ember gives a result"
                    : sameError(op, l, thrown);
        }
        if (thrown != null) {
            return "PyTorch gives a result, Ember throws " + thrown;
        }
        List<String> problems = new ArrayList<>();
        for (int j = 0; in.nextIs("r"); j++) {
            String l = in.take("r");
            String p = j < flat.size() ? compare(op + " result " + j, FuzzCaseRunner.expectedTensor(l), flat.get(j), 0)
                    : op + ": PyTorch has result " + j + ", Ember " + flat.size() + " results";
            if (p != null) {
                problems.add(p);
            }
        }
        if (in.nextIs("nograph")) {
            in.next();
            for (Tensor t : flat) {
                if (t.requiresGrad()) {
                    problems.add(op + ": PyTorch's results need no grad, Ember's do");
                    break;
                }
            }
        } else if (in.nextIs("hg0")) {
            Tensor total = null;
            for (Tensor t : flat) {
                if (t.requiresGrad()) {
                    Tensor s = t.mul(weights(t.shape())).sum();
                    total = total == null ? s : total.add(s);
                }
            }
            if (total == null) {
                return op + ": PyTorch's results have a graph, Ember's none";
            }
            List<Tensor> gs = Autograd.grad(List.of(total), Arrays.asList(xs), null, false, false, true);
            for (int i = 0; i < xs.length; i++) {
                String l = in.take("hg" + i);
                String p = l.equals("none") ? (gs.get(i) == null ? null : op + " second order " + i + ": PyTorch none")
                        : gs.get(i) == null ? op + " second order " + i + ": Ember none"
                        : compare(op + " second order " + i, FuzzCaseRunner.expectedTensor(l), gs.get(i), 0);
                if (p != null) {
                    problems.add(p);
                }
            }
        }
        return problems.isEmpty() ? null : String.join("; ", problems);
    }

    private static String runGrad(Lines in) {
        String[] f = in.take("f").split(" ");
        Function<Tensor[], Tensor> fn = afunc(f[0]);
        boolean given = f[1].equals("1");
        boolean retain = f[2].equals("1");
        boolean create = f[3].equals("1");
        boolean unused = f[4].equals("1");
        Tensor[] xs = inputs(in, "x", true);
        Tensor out = fn.apply(xs);
        List<Tensor> go = given ? List.of(weights(out.shape())) : null;
        List<Tensor> gs;
        try {
            gs = Autograd.grad(List.of(out), Arrays.asList(xs), go, retain, create, unused);
        } catch (RuntimeException e) {
            if (!in.nextIs("e")) {
                return "PyTorch gives gradients, Ember throws " + e;
            }
            return sameError("grad", in.next(), e);
        }
        if (in.nextIs("e")) {
            return "PyTorch throws \"" + in.next().substring(2) + "\", Ember gives gradients";
        }
        List<String> problems = new ArrayList<>();
        gradLines("grad", "g", gs, in, problems);
        if (in.nextIs("nograph")) {
            in.next();
        } else if (in.nextIs("gg0") || in.nextIs("gge")) {
            Tensor tot = null;
            for (Tensor g : gs) {
                if (g != null && g.requiresGrad()) {
                    Tensor s = g.mul(weights(g.shape())).sum();
                    tot = tot == null ? s : tot.add(s);
                }
            }
            try {
                List<Tensor> gg = Autograd.grad(List.of(tot), Arrays.asList(xs), null, true, false, true);
                if (in.nextIs("gge")) {
                    return "second order: PyTorch throws \"" + in.next().substring(4) + "\", Ember gives gradients";
                }
                gradLines("second order", "gg", gg, in, problems);
            } catch (RuntimeException e) {
                if (!in.nextIs("gge")) {
                    return "second order: PyTorch gives gradients, Ember throws " + e;
                }
                String l = in.next();
                String p = sameError("second order", l.substring(2), e);
                if (p != null) {
                    problems.add(p);
                }
            }
        }
        in.take("again");
        try {
            List<Tensor> again = Autograd.grad(List.of(out), Arrays.asList(xs), go, false, false, true);
            if (in.nextIs("e")) {
                problems.add("again: PyTorch throws \"" + in.next().substring(2) + "\", Ember gives gradients");
            } else {
                gradLines("again", "a", again, in, problems);
            }
        } catch (RuntimeException e) {
            if (!in.nextIs("e")) {
                problems.add("again: PyTorch gives gradients, Ember throws " + e);
            } else {
                String p = sameError("again", in.next(), e);
                if (p != null) {
                    problems.add(p);
                }
            }
        }
        return problems.isEmpty() ? null : String.join("; ", problems);
    }

    private static void gradLines(String what, String key, List<Tensor> gs, Lines in, List<String> problems) {
        for (int i = 0; i < gs.size(); i++) {
            String l = in.take(key + i);
            Tensor g = gs.get(i);
            String p = l.equals("none") ? (g == null ? null : what + " " + i + ": PyTorch none, Ember " + g)
                    : g == null ? what + " " + i + ": PyTorch " + l + ", Ember none"
                    : compare(what + " " + i, FuzzCaseRunner.expectedTensor(l), g, 0);
            if (p != null) {
                problems.add(p);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ comparing

    /** Null where {@code got} has the expected dtype, shape and values (NaN where NaN, infinities exactly). */
    static String compare(String what, Tensor expected, Tensor got, double minTol) {
        if (got == null) {
            return what + ": Ember gives null";
        }
        if (expected.dtype() != got.dtype() || !Arrays.equals(expected.shape(), got.shape())) {
            return what + ": PyTorch " + expected.dtype() + Arrays.toString(expected.shape()) + ", Ember " + got.dtype()
                    + Arrays.toString(got.shape());
        }
        double[] e = expected.toDoubleArray();
        double[] g = got.detach().toDoubleArray();
        double tol = Math.max(minTol, got.dtype() == DType.FLOAT64 ? 1e-9 : got.dtype() == DType.FLOAT32 ? 1e-4 : 0);
        for (int i = 0; i < e.length; i++) {
            boolean ok = Double.isNaN(e[i]) ? Double.isNaN(g[i])
                    : Double.isInfinite(e[i]) ? e[i] == g[i]
                    : !Double.isNaN(g[i]) && !Double.isInfinite(g[i])
                    && Math.abs(e[i] - g[i]) <= tol * Math.max(1, Math.abs(e[i]));
            if (!ok) {
                return what + "[" + i + "]: PyTorch " + abbreviate(e) + ", Ember " + abbreviate(g);
            }
        }
        return null;
    }

    private static String abbreviate(double[] v) {
        String s = Arrays.toString(v);
        return s.length() > 400 ? s.substring(0, 400) + "..." : s;
    }
}
