package dev.ember;

import dev.ember.nn.BatchNorm1d;
import dev.ember.nn.BatchNorm2d;
import dev.ember.nn.Conv1d;
import dev.ember.nn.Conv2d;
import dev.ember.nn.Dropout;
import dev.ember.nn.Embedding;
import dev.ember.nn.Flatten;
import dev.ember.nn.Functional;
import dev.ember.nn.GRU;
import dev.ember.nn.Identity;
import dev.ember.nn.LSTM;
import dev.ember.nn.LayerNorm;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.ReLU;
import dev.ember.nn.Sequential;
import dev.ember.nn.Tanh;
import dev.ember.nn.TorchSerialization;
import dev.ember.nn.utils.ClipGrad;
import dev.ember.optim.LBFGS;
import dev.ember.optim.LRScheduler;
import dev.ember.optim.Optimizer;
import dev.ember.optim.ParamGroup;
import dev.ember.optim.ReduceLROnPlateau;
import dev.ember.optim.SparseAdam;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32;

/**
 * The replay of fuzz round 13 ({@code differentialfuzzr13/make_cases.py}, whose header describes the programs, the
 * events and the snapshot lines): one whole training program with state per case, its model, optimizer and scheduler
 * built as the generator builds them, every event done in the same order, and after every event the model's
 * state_dict, every gradient, the optimizer's state and every group's lr (and the scheduler's last lr) compared with
 * PyTorch's, as are the losses and clip_grad_norm_'s total norms. Run by {@link DifferentialFuzzR13Test}.
 */
final class FuzzR13Training {
    private FuzzR13Training() {
    }

    /** The generator's gen: a 31-bit LCG's values, multiples of 2^-22 in [-1, 1). */
    static double[] gen(long seed, int n) {
        long s = seed & 0x7fffffffL;
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            s = (s * 1103515245L + 12345L) & 0x7fffffffL;
            out[i] = (s >> 8) / 8388608.0 * 2.0 - 1.0;
        }
        return out;
    }

    static Tensor fill(long seed, int[] shape, DType dtype) {
        long n = 1;
        for (int s : shape) {
            n *= s;
        }
        return Tensor.fromArray(gen(seed, (int) n)).reshape(shape).to(dtype);
    }

    /**
     * A replayed program as the event loop and the snapshot comparison ({@link #replay}) see it: round 13's programs
     * and round 45's ({@link FuzzR45Training}).
     */
    interface Program {
        /** The current model (checkpoint events replace it). */
        Module model();

        /** The current optimizer. */
        Optimizer opt();

        /** The current scheduler, or null. */
        LRScheduler sched();

        /** The generator's parameter names, in named_parameters order (the G category's keys). */
        List<String> pn();

        /** The relative tolerance of the comparisons. */
        double tol();

        /** Does one event ({@code ev} line); its results (losses, norms) in order. */
        List<Double> event(String ev);

        /** The loss of batch {@code b} as the program's script computes it. */
        Tensor loss(int b);
    }

    /**
     * The events both rounds' programs have (fb, zero, clipn, train, eval, nograd): does the event {@code w} on
     * {@code p}, its results into {@code res}, and says whether it was one of them.
     */
    static boolean sharedEvent(Program p, String[] w, List<Double> res) {
        switch (w[0]) {
            case "fb": {
                Tensor l = p.loss(Integer.parseInt(w[1]));
                l.backward();
                res.add(l.item());
                return true;
            }
            case "zero":
                if (w[1].equals("o")) {
                    p.opt().zeroGrad(w[2].equals("1"));
                } else {
                    p.model().zeroGrad(w[2].equals("1"));
                }
                return true;
            case "clipn": {
                double nt = w[2].equals("inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(w[2]);
                res.add(ClipGrad.clipGradNorm_(p.model().parameters(), Double.parseDouble(w[1]), nt).item());
                return true;
            }
            case "train":
            case "eval":
                p.model().train(w[0].equals("train"));
                return true;
            case "nograd":
                try (GradMode off = Ember.noGrad()) {
                    res.add(p.loss(Integer.parseInt(w[1])).item());
                }
                return true;
            default:
                return false;
        }
    }

    /** The state of one program: its model, optimizer and scheduler (each replaced by checkpoint events). */
    private static final class Run implements Program {
        String[] layers;
        DType dtype;
        String lossKind;
        int cseed;
        String inKind;
        int[] inShape;
        int out;
        List<String> pn;
        String optName;
        String lbfgs;
        Map<String, Object> g0;
        Map<String, Object> g1;
        Map<String, Object> g2;
        List<Integer> grp0 = new ArrayList<>();
        List<Integer> grp1 = new ArrayList<>();
        List<Integer> held = new ArrayList<>();
        List<String> sspecs = new ArrayList<>();
        boolean plateau;
        Module[] mods;
        Module model;
        Optimizer opt;
        LRScheduler sched;
        boolean added;
        List<Tensor[]> data = new ArrayList<>();
        double tol;
        Map<String, Tensor> mkeep;
        Map<String, Object> okeep;

        @Override
        public Module model() {
            return model;
        }

        @Override
        public Optimizer opt() {
            return opt;
        }

        @Override
        public LRScheduler sched() {
            return sched;
        }

        @Override
        public List<String> pn() {
            return pn;
        }

        @Override
        public double tol() {
            return tol;
        }

        @Override
        public Tensor loss(int b) {
            return FuzzR13Training.loss(this, b);
        }

        @Override
        public List<Double> event(String ev) {
            return FuzzR13Training.event(this, ev);
        }
    }

    static String run(String family, String name, DifferentialFuzzR6Test.Lines in) {
        Run r = new Run();
        String[] w = in.take("model").split(" ");
        r.dtype = w[1].equals("float32") ? DType.FLOAT32 : DType.FLOAT64;
        r.lossKind = w[2];
        r.cseed = Integer.parseInt(w[3]);
        r.inKind = w[4];
        r.inShape = FuzzR6Training.ints(w[5]).stream().mapToInt(Integer::intValue).toArray();
        r.out = Integer.parseInt(w[6]);
        r.tol = r.dtype == DType.FLOAT32 ? 1e-4 : 1e-9;
        List<String> layers = new ArrayList<>();
        while (in.nextIs("layer")) {
            layers.add(in.take("layer"));
        }
        r.layers = layers.toArray(new String[0]);
        r.pn = List.of(in.take("pn").split(","));
        String o = in.take("opt");
        r.optName = o.split(" ")[0];
        if (r.optName.equals("lbfgs")) {
            r.lbfgs = o;
            // the line search's step lengths and the curvature pairs (1 / y.s near convergence) amplify last-bit
            // differences of the forward pass
            r.tol = 1e-6;
        } else {
            r.g0 = FuzzR6Training.groupOptions(in.take("g0"));
            r.g1 = FuzzR6Training.groupOptions(in.take("g1"));
            r.g2 = FuzzR6Training.groupOptions(in.take("g2"));
        }
        String[] groups = in.take("groups").split(";", -1);
        parseInts(groups[0], r.grp0);
        parseInts(groups[1], r.grp1);
        parseInts(groups[2], r.held);
        while (in.nextIs("sched")) {
            r.sspecs.add(in.take("sched"));
        }
        r.plateau = !r.sspecs.isEmpty() && r.sspecs.get(0).startsWith("ReduceLROnPlateau");
        buildModel(r);
        initModel(r);
        for (int b = 0; b < 3; b++) {
            r.data.add(batch(r, b));
        }
        try {
            r.opt = freshOptimizer(r);
            r.sched = r.sspecs.isEmpty() ? null
                    : FuzzR6Training.scheduler(r.sspecs.get(0), r.opt, r.sspecs.subList(1, r.sspecs.size()));
        } catch (RuntimeException e) {
            return "construction: PyTorch builds it, Ember throws " + e;
        }
        return replay(in, r);
    }

    /**
     * The event loop of a program whose construction lines are read: after the construction and after every event
     * ({@code ev} line) the last category lines of each kind are compared ({@link #compareSnapshot}); an event's
     * {@code r} line (its results) and {@code e} line (PyTorch's refusal) are checked. Null where all agree.
     */
    static String replay(DifferentialFuzzR6Test.Lines in, Program r) {
        Map<String, String> expected = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        String at = "construction";
        while (true) {
            while (in.more() && !in.nextIs("ev")) {
                String l = in.next();
                if (l.startsWith("V ")) {
                    continue;
                }
                if (l.startsWith("r ")) {
                    throw new IllegalStateException("result line outside an event: " + l);
                }
                expected.put(l.substring(0, 1), l);
            }
            compareSnapshot(at, r, expected, problems);
            if (problems.size() > 2 || !in.more()) {
                break;
            }
            String ev = in.take("ev");
            at = "event \"" + ev + "\"";
            List<Double> got;
            RuntimeException thrown = null;
            try {
                got = r.event(ev);
            } catch (RuntimeException e) {
                thrown = e;
                got = List.of();
            }
            if (in.nextIs("e")) {
                String l = in.take("e");
                String msg = DifferentialFuzzR6Test.unescape(l.substring(l.indexOf(' ') + 1));
                if (l.startsWith("KeyError ")) {
                    msg = "KeyError: " + msg; // Ember's wording of a Python KeyError (str() of one is the key alone)
                }
                if (thrown == null) {
                    problems.add(at + ": PyTorch throws \"" + l + "\", Ember does it");
                    break;
                } else if (!msg.equals(thrown.getMessage())) {
                    problems.add(at + ": message: PyTorch \"" + msg + "\", Ember \"" + thrown.getMessage() + "\"");
                }
                continue;
            } else if (thrown != null) {
                problems.add(at + ": PyTorch does it, Ember throws " + thrown);
                break;
            }
            if (in.nextIs("r")) {
                String[] rv = in.take("r").split(" ");
                for (int i = 1; i < rv.length; i++) {
                    double e = num(rv[i]);
                    double g = got.size() >= i ? got.get(i - 1) : Double.NaN;
                    if (got.size() < i || !near(e, g, r.tol(), Math.max(1e-3, Math.abs(e)))) {
                        problems.add(at + " " + rv[0] + ": PyTorch " + rv[i] + ", Ember " + g);
                    }
                }
            }
        }
        return problems.isEmpty() ? null : String.join("; ", problems);
    }

    private static void parseInts(String s, List<Integer> out) {
        if (!s.isEmpty()) {
            out.addAll(FuzzR6Training.ints(s));
        }
    }

    /** A number as Python writes it ("nan", "inf", "-inf" included). */
    static double num(String s) {
        switch (s) {
            case "nan": return Double.NaN;
            case "inf": return Double.POSITIVE_INFINITY;
            case "-inf": return Double.NEGATIVE_INFINITY;
            default: return Double.parseDouble(s);
        }
    }

    /** The run's checkpoint as the generator makes it: the model's, the optimizer's and the scheduler's state dicts. */
    private static Map<String, Object> checkpoint(Run r) {
        Map<String, Object> ck = new LinkedHashMap<>();
        ck.put("model", r.model.stateDict());
        ck.put("optim", r.opt.stateDict());
        if (r.sched != null) {
            ck.put("sched", r.sched.stateDict());
        }
        return ck;
    }

    /**
     * A fresh model (of {@code dtype}), optimizer and scheduler loaded from {@code back}, as the generator resumes: they
     * replace the old ones only once all of them are made and loaded.
     */
    @SuppressWarnings("unchecked")
    private static void resume(Run r, Map<String, Object> back, DType dtype) {
        Module[] oldMods = r.mods;
        Module oldModel = r.model;
        DType oldType = r.dtype;
        try {
            r.dtype = dtype;
            buildModel(r);
            r.model.loadStateDict((Map<String, Tensor>) back.get("model"));
            Optimizer o = freshOptimizer(r);
            LRScheduler s = freshScheduler(r, o);
            o.loadStateDict((Map<String, Object>) back.get("optim"));
            if (s != null) {
                s.loadStateDict((Map<String, Object>) back.get("sched"));
            }
            r.opt = o;
            r.sched = s;
        } catch (RuntimeException e) {
            r.mods = oldMods;
            r.model = oldModel;
            r.dtype = oldType;
            throw e;
        }
    }

    /** Equal within {@code tol} of {@code scale}, or both NaN, or the same infinity. */
    static boolean near(double e, double g, double tol, double scale) {
        return e == g || Double.isNaN(e) && Double.isNaN(g) || Math.abs(e - g) <= tol * scale;
    }

    // ---------------------------------------------------------------------------------------------------- model

    private static Module layer(String spec) {
        String[] w = spec.split(" ");
        boolean bias = !w[w.length - 1].equals("nb");
        int flags = w[w.length - 1].equals("nb") || w[w.length - 1].equals("sparse") ? 1 : 0;
        int[] a = new int[w.length - 1 - flags];
        for (int i = 0; i < a.length; i++) {
            a[i] = Integer.parseInt(w[i + 1]);
        }
        switch (w[0]) {
            case "Linear": return new Linear(a[0], a[1], bias);
            case "BatchNorm1d": return new BatchNorm1d(a[0]);
            case "BatchNorm2d": return new BatchNorm2d(a[0]);
            case "LayerNorm": return new LayerNorm(a[0]);
            case "Conv1d": return new Conv1d(a[0], a[1], a[2], 1, a[3], bias);
            case "Conv2d": return new Conv2d(a[0], a[1], a[2], 1, a[3], bias);
            case "Embedding": return w[w.length - 1].equals("sparse")
                    ? new Embedding(a[0], a[1], null, null, 2.0, false, true) : new Embedding(a[0], a[1]);
            case "LSTM": return new LSTM(a[0], a[1], true);
            case "GRU": return new GRU(a[0], a[1], true);
            case "Tanh": return new Tanh();
            case "ReLU": return new ReLU();
            case "Dropout": return new Dropout(0.0);
            case "Flatten": return new Flatten();
            case "Mean1":
            case "Last": return new Identity();
            default: throw new IllegalStateException("layer " + spec);
        }
    }

    private static void buildModel(Run r) {
        r.mods = new Module[r.layers.length];
        for (int i = 0; i < r.layers.length; i++) {
            r.mods[i] = layer(r.layers[i]);
        }
        r.model = new Sequential(r.mods).to(r.dtype);
    }

    private static void initModel(Run r) {
        Map<String, Tensor> named = r.model.namedParameters();
        if (!named.keySet().equals(new java.util.LinkedHashSet<>(r.pn))) {
            throw new IllegalStateException("parameter names: PyTorch " + r.pn + ", Ember " + named.keySet());
        }
        try (GradMode g = Ember.noGrad()) {
            for (int i = 0; i < r.pn.size(); i++) {
                String name = r.pn.get(i);
                Tensor p = named.get(name);
                Tensor v = fill(r.cseed * 1000L + 7L * i + 1, p.shape(), p.dtype());
                String kind = r.layers[Integer.parseInt(name.split("\\.")[0])].split(" ")[0];
                boolean norm = kind.equals("BatchNorm1d") || kind.equals("BatchNorm2d") || kind.equals("LayerNorm");
                p.copy_(norm && name.endsWith("weight") ? v.div(4L).add(1L) : v.div(2L));
            }
        }
    }

    private static Tensor[] batch(Run r, int b) {
        long xs = r.cseed * 1000L + 500 + 3L * b;
        Tensor x;
        if (r.inKind.equals("i")) {
            x = fill(xs, r.inShape, DType.FLOAT64).add(1L).mul(4L).floor().to(DType.INT64).clamp(0, 7);
        } else {
            x = fill(xs, r.inShape, r.dtype);
        }
        int n = r.inShape[0];
        Tensor y;
        if (r.lossKind.equals("ce")) {
            y = fill(xs + 1, new int[] {n}, DType.FLOAT64).add(1L).mul((long) r.out).div(2L).floor().to(DType.INT64)
                    .clamp(0, r.out - 1);
        } else {
            y = fill(xs + 1, new int[] {n, r.out}, r.dtype);
        }
        return new Tensor[] {x, y};
    }

    private static Tensor forward(Run r, Tensor x) {
        for (int i = 0; i < r.layers.length; i++) {
            String k = r.layers[i].split(" ")[0];
            if (k.equals("Mean1")) {
                x = x.mean(1);
            } else if (k.equals("Last")) {
                x = x.select(1, -1);
            } else {
                x = r.mods[i].forward(x);
            }
        }
        return x;
    }

    private static Tensor loss(Run r, int b) {
        Tensor[] xy = r.data.get(b);
        Tensor o = forward(r, xy[0]);
        return r.lossKind.equals("ce") ? Functional.crossEntropy(o, xy[1]) : Functional.mseLoss(o, xy[1]);
    }

    // ------------------------------------------------------------------------------------------------ optimizer

    private static List<Tensor> paramsOf(Run r, List<Integer> idx) {
        List<Tensor> out = new ArrayList<>();
        for (int i : idx) {
            out.addAll(r.mods[i].parameters());
        }
        return out;
    }

    private static Map<String, Object> merged(Map<String, Object> a, Map<String, Object> b) {
        Map<String, Object> m = new LinkedHashMap<>(a);
        m.remove("initial_accumulator_value");
        m.putAll(b);
        return m;
    }

    /** The generator's fresh_opt over the current modules: group 0, group 1, the held-back group where added. */
    private static Optimizer freshOptimizer(Run r) {
        if (r.optName.equals("lbfgs")) {
            Map<String, String> o = FuzzR6Training.options(r.lbfgs);
            String ls = o.get("line_search_fn");
            return new LBFGS(paramsOf(r, r.grp0), Double.parseDouble(o.get("lr")), Integer.parseInt(o.get("max_iter")),
                    null, 1e-7, 1e-9, Integer.parseInt(o.get("history_size")), ls.equals("None") ? null : ls);
        }
        Optimizer opt = groupedOptimizer(r.optName, paramsOf(r, r.grp0), paramsOf(r, r.grp1), r.g0, r.g1);
        if (r.added) {
            opt.addParamGroup(paramsOf(r, r.held), merged(r.g0, r.g2));
        }
        return opt;
    }

    /**
     * The generator's make_optimizer of one or two constructor groups (Adagrad makes their state there): {@code p0}
     * with the options {@code g0}, then {@code p1} (where not empty) with {@code g0} and {@code g1} over them.
     */
    static Optimizer groupedOptimizer(String optName, List<Tensor> p0, List<Tensor> p1, Map<String, Object> g0,
                                      Map<String, Object> g1) {
        List<Map<String, Object>> specs = new ArrayList<>();
        specs.add(Map.of("params", p0));
        if (!p1.isEmpty()) {
            Map<String, Object> second = new LinkedHashMap<>(merged(g0, g1));
            second.put("params", p1);
            specs.add(second);
        }
        Optimizer opt = Optimizer.withGroups(specs, ps -> optName.equals("sparse_adam")
                ? new SparseAdam(ps, (Double) g0.get("lr"))
                : FuzzR6Training.optimizer(optName, ps, g0));
        ParamGroup first = opt.paramGroups().get(0);
        for (Map.Entry<String, Object> e : g0.entrySet()) {
            if (!e.getKey().equals("initial_accumulator_value")) {
                first.set(e.getKey(), e.getValue());
            }
        }
        return opt;
    }

    private static LRScheduler freshScheduler(Run r, Optimizer opt) {
        return r.sspecs.isEmpty() ? null
                : FuzzR6Training.scheduler(r.sspecs.get(0), opt, r.sspecs.subList(1, r.sspecs.size()));
    }

    private static void schedStep(Run r, double loss) {
        if (r.sched == null) {
            return;
        }
        if (r.plateau) {
            ((ReduceLROnPlateau) r.sched).step(loss);
        } else {
            r.sched.step();
        }
    }

    // ---------------------------------------------------------------------------------------------------- events

    @SuppressWarnings("unchecked")
    private static List<Double> event(Run r, String ev) {
        String[] w = ev.split(" ");
        List<Double> res = new ArrayList<>();
        if (FuzzR13Training.sharedEvent(r, w, res)) {
            return res;
        }
        switch (w[0]) {
            case "step": {
                int b = Integer.parseInt(w[1]);
                Tensor loss;
                if (r.optName.equals("lbfgs")) {
                    loss = r.opt.step(() -> {
                        r.opt.zeroGrad(true);
                        Tensor l = loss(r, b);
                        l.backward();
                        return l;
                    });
                } else {
                    loss = loss(r, b);
                    loss.backward();
                    r.opt.step();
                }
                schedStep(r, loss.item());
                res.add(loss.item());
                break;
            }
            case "accum": {
                Tensor l1 = loss(r, Integer.parseInt(w[1])).div(2L);
                l1.backward();
                Tensor l2 = loss(r, Integer.parseInt(w[2])).div(2L);
                l2.backward();
                r.opt.step();
                schedStep(r, l1.item() + l2.item());
                res.add(l1.item());
                res.add(l2.item());
                break;
            }
            case "clipv":
                ClipGrad.clipGradValue_(r.model.parameters(), Double.parseDouble(w[1]));
                break;
            case "freeze":
                r.mods[Integer.parseInt(w[1])].requiresGrad_(w[2].equals("0"));
                break;
            case "addgroup":
                r.opt.addParamGroup(paramsOf(r, r.held), merged(r.g0, r.g2));
                r.added = true;
                break;
            case "ockpt": {
                Map<String, Object> so = r.opt.stateDict();
                Map<String, Object> ss = r.sched == null ? null : r.sched.stateDict();
                Optimizer o = freshOptimizer(r);
                LRScheduler s = freshScheduler(r, o);
                o.loadStateDict(so);
                if (s != null) {
                    s.loadStateDict(ss);
                }
                r.opt = o;
                r.sched = s;
                break;
            }
            case "ckpt32": {
                // as "ckpt 0" into a float32 model; float32 data and tolerance from here
                resume(r, (Map<String, Object>) FuzzR6Training.snapshot(checkpoint(r)), DType.FLOAT32);
                r.tol = 1e-4;
                for (int b = 0; b < r.data.size(); b++) {
                    r.data.set(b, batch(r, b));
                }
                break;
            }
            case "ckpt": {
                Map<String, Object> ck = checkpoint(r);
                resume(r, (Map<String, Object>) (w[1].equals("1") ? viaFile(ck) : FuzzR6Training.snapshot(ck)),
                    r.dtype);
                break;
            }
            case "msave":
                r.mkeep = r.model.stateDict();
                break;
            case "mload":
                r.model.loadStateDict(r.mkeep);
                break;
            case "osave":
                r.okeep = r.opt.stateDict();
                break;
            case "oload":
                r.opt.loadStateDict(r.okeep);
                break;
            case "mswap": {
                Map<String, Tensor> sd = r.model.stateDict();
                buildModel(r);
                r.model.loadStateDict(sd);
                break;
            }
            case "hp": {
                Map<String, Object> o = FuzzR6Training.groupOptions(w[2] + "=" + w[3]);
                r.opt.paramGroups().get(Integer.parseInt(w[1])).set(w[2], o.get(w[2]));
                break;
            }
            case "lr":
                r.opt.paramGroups().get(Integer.parseInt(w[1])).setLr(Double.parseDouble(w[2]));
                break;
            default:
                throw new IllegalStateException("event " + ev);
        }
        return res;
    }

    private static Object viaFile(Object o) {
        try {
            Path f = Files.createTempFile("r13ckpt", ".pt");
            try {
                TorchSerialization.save(o, f);
                return TorchSerialization.load(f);
            } finally {
                Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------------------------------------ snapshots

    private static String dtypeName(DType d) {
        switch (d) {
            case FLOAT64: return "float64";
            case FLOAT32: return "float32";
            case INT64: return "int64";
            case BOOL: return "bool";
            default: return d.toString();
        }
    }

    private static double wk(int k) {
        return 1 + ((7 * k) % 13) / 8.0;
    }

    /** [crc hex, chk, scale, descriptor] of the entries, as the generator's entries_chk. */
    static Object[] entriesChk(List<Map.Entry<String, Object>> entries) {
        List<String> desc = new ArrayList<>();
        double chk = 0;
        double scale = 0;
        int j = 0;
        for (Map.Entry<String, Object> e : entries) {
            Object v = e.getValue();
            String key = e.getKey();
            double[] vals;
            if (v == null) {
                desc.add(key + "=None");
                continue;
            } else if (v instanceof List) {
                desc.add(key + "=L" + ((List<?>) v).size());
                continue;
            } else if (v instanceof dev.ember.sparse.SparseTensor sp) {
                Tensor t = sp.toDense();
                desc.add(key + "=TS" + dtypeName(t.dtype()) + "#" + t.numel());
                vals = t.to(DType.FLOAT64).contiguous().toDoubleArray();
            } else if (v instanceof Tensor) {
                Tensor t = ((Tensor) v).detach();
                desc.add(key + "=T" + dtypeName(t.dtype()) + "#" + t.numel());
                vals = t.to(DType.FLOAT64).contiguous().toDoubleArray();
            } else if (v instanceof Number) {
                desc.add(key + "=N");
                vals = new double[] {((Number) v).doubleValue()};
            } else if (v instanceof Boolean) {
                desc.add(key + "=N");
                vals = new double[] {(Boolean) v ? 1 : 0};
            } else {
                desc.add(key + "=?" + v.getClass().getSimpleName());
                continue;
            }
            double wj = 1 + (j % 5) / 4.0;
            for (int k = 0; k < vals.length; k++) {
                chk += vals[k] * wk(k) * wj;
                scale += Math.abs(vals[k]) * wk(k) * wj;
            }
            j++;
        }
        CRC32 crc = new CRC32();
        String d = String.join("|", desc);
        crc.update(d.getBytes(StandardCharsets.UTF_8));
        return new Object[] {String.format("%08x", crc.getValue()), chk, scale, d};
    }

    @SuppressWarnings("unchecked")
    private static Map<String, List<Map.Entry<String, Object>>> categories(Program r) {
        Map<String, List<Map.Entry<String, Object>>> cats = new LinkedHashMap<>();
        List<Map.Entry<String, Object>> p = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : r.model().stateDict().entrySet()) {
            p.add(new java.util.AbstractMap.SimpleEntry<>("p." + e.getKey(), e.getValue()));
        }
        cats.put("P", p);
        List<Map.Entry<String, Object>> g = new ArrayList<>();
        Map<String, Tensor> named = r.model().namedParameters();
        for (String n : r.pn()) {
            Tensor t = named.get(n);
            g.add(new java.util.AbstractMap.SimpleEntry<>("g." + n, t == null ? "missing"
                    : t.isGradSparse() ? t.sparseGrad() : t.grad()));
        }
        cats.put("G", g);
        List<Map.Entry<String, Object>> s = new ArrayList<>();
        Map<Integer, Map<String, Object>> state = new TreeMap<>(
                (Map<Integer, Map<String, Object>>) r.opt().stateDict().get("state"));
        for (Map.Entry<Integer, Map<String, Object>> e : state.entrySet()) {
            for (Map.Entry<String, Object> x : new TreeMap<>(e.getValue()).entrySet()) {
                String key = "s" + e.getKey() + "." + x.getKey();
                Object v = x.getValue();
                s.add(new java.util.AbstractMap.SimpleEntry<>(key, v));
                if (v instanceof List) {
                    List<?> l = (List<?>) v;
                    for (int n = 0; n < l.size(); n++) {
                        s.add(new java.util.AbstractMap.SimpleEntry<>(key + "." + n, l.get(n)));
                    }
                }
            }
        }
        cats.put("S", s);
        return cats;
    }

    private static void compareSnapshot(String at, Program r, Map<String, String> expected, List<String> problems) {
        Map<String, List<Map.Entry<String, Object>>> cats = categories(r);
        for (Map.Entry<String, List<Map.Entry<String, Object>>> c : cats.entrySet()) {
            String line = expected.get(c.getKey());
            if (line == null) {
                continue;
            }
            String[] w = line.split(" ");
            Object[] got = entriesChk(c.getValue());
            double e = num(w[2]);
            double g = (Double) got[1];
            double scale = (Double) got[2];
            if (!w[1].equals(got[0])) {
                problems.add(at + ": " + c.getKey() + " structure differs from PyTorch's; Ember's: " + got[3]
                        + detail(c.getValue()));
            } else if (!near(e, g, r.tol(), Math.max(scale, 1e-30))) {
                problems.add(at + ": " + c.getKey() + " values differ: PyTorch's checksum " + w[2] + ", Ember's "
                        + String.format("%.13g", g) + " (scale " + String.format("%.3g", scale) + ")"
                        + detail(c.getValue()));
            }
        }
        String l = expected.get("L");
        if (l != null) {
            String[] parts = l.substring(2).split(";", -1);
            StringBuilder got = new StringBuilder();
            List<Double> gv = new ArrayList<>();
            for (ParamGroup g : r.opt().paramGroups()) {
                gv.add(g.lr());
            }
            int groups = gv.size();
            if (parts.length > 1) {
                if (r.sched() == null) {
                    problems.add(at + ": PyTorch has a scheduler, Ember none");
                    return;
                }
                for (double x : r.sched().getLastLr()) {
                    gv.add(x);
                }
            }
            List<Double> ev = new ArrayList<>();
            for (String p : parts) {
                for (String x : p.split(",")) {
                    ev.add(num(x));
                }
            }
            boolean same = ev.size() == gv.size() && parts[0].split(",").length == groups;
            for (int i = 0; same && i < ev.size(); i++) {
                same = FuzzR6Training.close(ev.get(i), gv.get(i));
            }
            if (!same) {
                problems.add(at + ": lrs: PyTorch " + l.substring(2) + ", Ember " + gv + " (" + groups + " groups)");
            }
        }
    }

    /** Each entry's own checksum, to locate a mismatch against the generator's FUZZ_VERBOSE lines. */
    private static String detail(List<Map.Entry<String, Object>> entries) {
        if (!Boolean.getBoolean("ember.fuzz13.verbose")) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, Object> e : entries) {
            Object[] c = entriesChk(List.of(new java.util.AbstractMap.SimpleEntry<>(e.getKey(), e.getValue())));
            b.append("\n    V ").append(c[3]).append(' ').append(c[0]).append(' ')
                    .append(String.format("%.13g", (Double) c[1]));
        }
        return b.toString();
    }
}
