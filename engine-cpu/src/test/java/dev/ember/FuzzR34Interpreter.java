package dev.ember;

import dev.ember.nn.Embedding;
import dev.ember.nn.EmbeddingBag;
import dev.ember.nn.Functional;
import dev.ember.nn.GRU;
import dev.ember.nn.GRUCell;
import dev.ember.nn.LSTM;
import dev.ember.nn.LSTMCell;
import dev.ember.nn.Module;
import dev.ember.nn.RNN;
import dev.ember.nn.RNNCell;
import dev.ember.nn.utils.PackedRnnOutput;
import dev.ember.nn.utils.PackedSequence;
import dev.ember.nn.utils.Rnn;
import dev.ember.sparse.SparseTensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Replays one case of {@code differentialfuzzr34/cases.txt} (its generator, {@code make_cases.py}, describes the lines):
 * the inputs (leaves where the case says {@code rg}), a module's parameters written by name, the one call (embedding,
 * embedding_bag, the nn.utils.rnn functions, a recurrent layer or cell), its outputs ({@link FuzzR31Interpreter#compare},
 * the recurrent float32 values within 1e-4), their grad_fn names, the backward of the sum of the outputs times the
 * upstream gradients and every recorded gradient, dense or sparse (indices, values, coalesced flag); or PyTorch's
 * refusal of the call or of its backward pass, with every input unchanged after a refused call.
 */
final class FuzzR34Interpreter {
    private FuzzR34Interpreter() {
    }

    /** What the call gave: its outputs by name (null for PyTorch's None) and the leaves whose gradients are compared. */
    private record Result(Map<String, Tensor> outs, Map<String, Tensor> leaves) {
    }

    /** Null where Ember does what PyTorch did, else what differs. */
    static String run(List<String> body) {
        String step = null;
        String err = null;
        String berr = null;
        Map<String, String> inputs = new LinkedHashMap<>();
        Map<String, String> params = new LinkedHashMap<>();
        Set<String> rg = new HashSet<>();
        Map<String, String> outs = new LinkedHashMap<>();
        Map<String, String> fns = new HashMap<>();
        Map<String, String> gs = new LinkedHashMap<>();
        Map<String, String> grs = new LinkedHashMap<>();
        Map<String, String[]> sparse = new LinkedHashMap<>();
        for (String line : body) {
            int sp = line.indexOf(' ');
            String key = sp < 0 ? line : line.substring(0, sp);
            String rest = sp < 0 ? "" : line.substring(sp + 1);
            int sp2 = rest.indexOf(' ');
            String name = sp2 < 0 ? rest : rest.substring(0, sp2);
            String val = sp2 < 0 ? "" : rest.substring(sp2 + 1);
            switch (key) {
                case "s": step = rest; break;
                case "i": inputs.put(name, val); break;
                case "rg": rg.add(rest); break;
                case "p": params.put(name, val); break;
                case "err": err = rest; break;
                case "berr": berr = rest; break;
                case "o": outs.put(name, val); break;
                case "fn": fns.put(name, val); break;
                case "g": gs.put(name, val); break;
                case "gr": grs.put(name, val); break;
                case "sgi": sparse.computeIfAbsent(name, k -> new String[3])[0] = val; break;
                case "sgv": sparse.computeIfAbsent(name, k -> new String[3])[1] = val; break;
                case "sgc": sparse.computeIfAbsent(name, k -> new String[3])[2] = val; break;
                default: throw new IllegalStateException("line " + line);
            }
        }
        boolean recurrent = step.startsWith("rnn ") || step.startsWith("cell ");
        Map<String, Tensor> t = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : inputs.entrySet()) {
            Tensor v = DifferentialFuzzR17Test.tensor(e.getValue());
            t.put(e.getKey(), rg.contains(e.getKey()) ? v.requiresGrad_(true) : v);
        }
        Result r;
        try {
            r = call(step, t, params);
        } catch (RuntimeException e) {
            return FuzzRoundSupport.refused(err, e, inputs, t);
        }
        if (err != null) {
            return "PyTorch refuses (\"" + err + "\"), Ember gives " + r.outs.keySet();
        }
        Tensor loss = null;
        for (Map.Entry<String, String> o : outs.entrySet()) {
            String name = o.getKey();
            Tensor got = r.outs.get(name);
            if (o.getValue().equals("none")) {
                if (got != null) {
                    return "output " + name + ": PyTorch None, Ember " + got;
                }
                continue;
            }
            String d = compare("output " + name, DifferentialFuzzR17Test.tensor(o.getValue()), got, recurrent);
            if (d != null) {
                return d;
            }
            if (fns.containsKey(name)) {
                String node = got.gradFn() == null ? null : got.gradFn().name();
                if (!fns.get(name).equals(node)) {
                    return "grad_fn of " + name + ": PyTorch " + fns.get(name) + ", Ember " + node;
                }
            }
            if (gs.containsKey(name)) {
                if (!got.requiresGrad()) {
                    return "output " + name + " requires grad in PyTorch, not in Ember";
                }
                Tensor term = got.mul(DifferentialFuzzR17Test.tensor(gs.get(name))).sum();
                loss = loss == null ? term : loss.add(term);
            } else if (got.requiresGrad() && got.dtype().isFloatingPoint()) {
                return "output " + name + " requires grad in Ember, not in PyTorch";
            }
        }
        if (loss == null) {
            return null;
        }
        try {
            loss.backward();
        } catch (RuntimeException e) {
            String msg = e.getMessage() == null ? null : e.getMessage().split("\n", -1)[0];
            if (berr == null) {
                return "PyTorch's backward succeeds, Ember's throws " + e;
            }
            return berr.equals(msg) ? null : "backward message: PyTorch \"" + berr + "\", Ember \"" + e.getMessage()
                    + "\" (" + e.getClass().getSimpleName() + ")";
        }
        if (berr != null) {
            return "PyTorch's backward refuses (\"" + berr + "\"), Ember's succeeds";
        }
        for (Map.Entry<String, String> g : grs.entrySet()) {
            Tensor leaf = r.leaves.get(g.getKey());
            if (leaf == null) {
                return "harness: no leaf " + g.getKey();
            }
            if (leaf.sparseGrad() != null) {
                return "gradient of " + g.getKey() + ": PyTorch dense, Ember sparse";
            }
            Tensor grad = leaf.grad();
            if (g.getValue().equals("none")) {
                if (grad != null) {
                    return "gradient of " + g.getKey() + ": PyTorch none, Ember " + Arrays.toString(grad.shape());
                }
                continue;
            }
            String d = compare("gradient of " + g.getKey(), DifferentialFuzzR17Test.tensor(g.getValue()), grad, recurrent);
            if (d != null) {
                return d;
            }
        }
        for (Map.Entry<String, String[]> s : sparse.entrySet()) {
            SparseTensor sg = r.leaves.get(s.getKey()).sparseGrad();
            if (sg == null) {
                return "gradient of " + s.getKey() + ": PyTorch sparse, Ember " + (r.leaves.get(s.getKey()).grad() == null
                        ? "none" : "dense");
            }
            String[] want = s.getValue();
            String d = FuzzR31Interpreter.compare("sparse gradient indices of " + s.getKey(),
                    DifferentialFuzzR17Test.tensor(want[0]), sg._indices(), true);
            if (d == null) {
                d = compare("sparse gradient values of " + s.getKey(), DifferentialFuzzR17Test.tensor(want[1]),
                        sg._values(), false);
            }
            if (d == null && sg.isCoalesced() != Boolean.parseBoolean(want[2])) {
                d = "sparse gradient of " + s.getKey() + ": coalesced " + want[2] + " in PyTorch, " + sg.isCoalesced()
                        + " in Ember";
            }
            if (d != null) {
                return d;
            }
        }
        return null;
    }

    /** {@link FuzzR31Interpreter#compare} within its tolerances; the recurrent float32 values within 1e-4. */
    private static String compare(String what, Tensor expected, Tensor got, boolean recurrent) {
        if (!recurrent || got == null || expected.dtype() != DType.FLOAT32 || got.dtype() != DType.FLOAT32
                || !Arrays.equals(expected.shape(), got.shape())) {
            return FuzzR31Interpreter.compare(what, expected, got, false);
        }
        double[] e = expected.toDoubleArray();
        double[] g = got.detach().toDoubleArray();
        double scale = 1;
        for (double v : e) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int k = 0; k < e.length; k++) {
            if (!(Math.abs(e[k] - g[k]) <= 1e-4 * scale)) {
                return what + "[" + k + "]: PyTorch " + e[k] + ", Ember " + g[k] + " (tolerance " + 1e-4 * scale + ")";
            }
        }
        return null;
    }

    // ---- the call ----

    private static Result call(String text, Map<String, Tensor> t, Map<String, String> params) {
        String[] w = text.split(" ");
        Map<String, String> kw = new HashMap<>();
        for (int k = 1; k < w.length; k++) {
            int eq = w[k].indexOf('=');
            kw.put(w[k].substring(0, eq), w[k].substring(eq + 1));
        }
        Map<String, Tensor> outs = new LinkedHashMap<>();
        Map<String, Tensor> leaves = new LinkedHashMap<>();
        switch (w[0]) {
            case "embedding": {
                Tensor x = t.get("x");
                Tensor weight = t.get("w");
                Long pad = optLong(kw.get("pad"));
                Double maxNorm = optDouble(kw.get("maxnorm"));
                double normType = Double.parseDouble(kw.get("normtype").replace("inf", "Infinity"));
                boolean sgf = bool(kw.get("sgf"));
                boolean sp = bool(kw.get("sparse"));
                Tensor out;
                if (kw.get("form").equals("F")) {
                    out = Functional.embedding(x, weight, pad, maxNorm, normType, sgf, sp);
                } else {
                    Embedding m = Embedding.fromPretrained(weight, bool(kw.get("freeze")), pad, maxNorm, normType, sgf, sp);
                    weight = m.weight;
                    out = m.forward(x);
                }
                outs.put("out", out);
                outs.put("wafter", weight.detach());
                leaves.put("w", weight);
                return new Result(outs, leaves);
            }
            case "bag": {
                Tensor weight = t.get("w");
                Double maxNorm = optDouble(kw.get("maxnorm"));
                double normType = Double.parseDouble(kw.get("normtype"));
                boolean sgf = bool(kw.get("sgf"));
                boolean sp = bool(kw.get("sparse"));
                boolean ilo = bool(kw.get("ilo"));
                Long pad = optLong(kw.get("pad"));
                String mode = kw.get("mode");
                Tensor out;
                if (kw.get("form").equals("F")) {
                    out = Functional.embeddingBag(t.get("x"), weight, t.get("off"), maxNorm, normType, sgf, mode,
                            t.get("psw"), ilo, pad, sp);
                } else {
                    EmbeddingBag m = EmbeddingBag.fromPretrained(weight, false, maxNorm, normType, sgf, mode, sp, ilo,
                            pad);
                    weight = m.weight;
                    out = m.forward(t.get("x"), t.get("off"), t.get("psw"));
                }
                outs.put("out", out);
                outs.put("wafter", weight.detach());
                leaves.put("w", weight);
                if (t.containsKey("psw")) {
                    leaves.put("psw", t.get("psw"));
                }
                return new Result(outs, leaves);
            }
            case "pad_sequence": {
                List<Tensor> qs = sequences(t, leaves);
                outs.put("out", Rnn.padSequence(qs, bool(kw.get("bf")), Double.parseDouble(kw.get("pv")), kw.get("side")));
                return new Result(outs, leaves);
            }
            case "pack_padded":
            case "pad_packed": {
                Tensor x = t.get("x");
                leaves.put("x", x);
                boolean bf = bool(kw.get("bf"));
                boolean es = bool(kw.get("es"));
                PackedSequence p = kw.get("lt").equals("tensor") ? Rnn.packPaddedSequence(x, t.get("len"), bf, es)
                        : Rnn.packPaddedSequence(x, longs(kw.get("lens")), bf, es);
                if (w[0].equals("pack_padded")) {
                    packed(p, outs);
                } else {
                    Rnn.Padded padded = Rnn.padPackedSequence(p, bool(kw.get("bf2")), Double.parseDouble(kw.get("pv")),
                            optInt(kw.get("total")));
                    outs.put("out", padded.output());
                    outs.put("lengths", padded.lengths());
                }
                return new Result(outs, leaves);
            }
            case "pack_sequence": {
                packed(Rnn.packSequence(sequences(t, leaves), bool(kw.get("es"))), outs);
                return new Result(outs, leaves);
            }
            case "rnn":
                return recurrent(kw, t, params, outs, leaves);
            case "cell":
                return cell(kw, t, params, outs, leaves);
            default:
                throw new IllegalStateException("op " + w[0]);
        }
    }

    private static Result recurrent(Map<String, String> kw, Map<String, Tensor> t, Map<String, String> params,
                                    Map<String, Tensor> outs, Map<String, Tensor> leaves) {
        String kind = kw.get("kind");
        int in = Integer.parseInt(kw.get("in"));
        int hid = Integer.parseInt(kw.get("hid"));
        int layers = Integer.parseInt(kw.get("layers"));
        boolean bias = bool(kw.get("bias"));
        boolean bf = bool(kw.get("bf"));
        boolean bi = bool(kw.get("bi"));
        Module m;
        switch (kind) {
            case "LSTM": m = new LSTM(in, hid, layers, bias, bf, 0, bi, Integer.parseInt(kw.get("proj"))); break;
            case "GRU": m = new GRU(in, hid, layers, bias, bf, 0, bi); break;
            default: m = new RNN(in, hid, layers, kind.equals("RNN_TANH") ? "tanh" : "relu", bias, bf, 0, bi); break;
        }
        load(m, params, t.get("x").dtype(), leaves);
        Tensor x = t.get("x");
        Tensor h0 = t.get("h0");
        Tensor c0 = t.get("c0");
        for (String n : new String[] {"x", "h0", "c0"}) {
            if (t.containsKey(n)) {
                leaves.put(n, t.get(n));
            }
        }
        boolean lstm = kind.equals("LSTM");
        LstmState state = h0 == null ? null : new LstmState(h0, c0);
        if (kw.get("form").equals("packed")) {
            PackedSequence p = Rnn.packPaddedSequence(x, longs(kw.get("lens")), bf, bool(kw.get("es")));
            PackedRnnOutput r = lstm ? ((LSTM) m).forward(p, state)
                    : m instanceof GRU ? ((GRU) m).forward(p, h0) : ((RNN) m).forward(p, h0);
            packed(r.output(), outs);
            outs.put("h", r.h());
            if (lstm) {
                outs.put("c", r.c());
            }
        } else {
            RnnOutput r = lstm ? ((LSTM) m).forward(x, state)
                    : m instanceof GRU ? ((GRU) m).forward(x, h0) : ((RNN) m).forward(x, h0);
            outs.put("out", r.output());
            outs.put("h", r.h());
            if (lstm) {
                outs.put("c", r.c());
            }
        }
        return new Result(outs, leaves);
    }

    private static Result cell(Map<String, String> kw, Map<String, Tensor> t, Map<String, String> params,
                               Map<String, Tensor> outs, Map<String, Tensor> leaves) {
        String kind = kw.get("kind");
        int in = Integer.parseInt(kw.get("in"));
        int hid = Integer.parseInt(kw.get("hid"));
        boolean bias = bool(kw.get("bias"));
        Module m = kind.equals("LSTMCell") ? new LSTMCell(in, hid, bias) : kind.equals("GRUCell") ? new GRUCell(in, hid, bias)
                : new RNNCell(in, hid, bias, kind.substring("RNNCell_".length()));
        load(m, params, t.get("x").dtype(), leaves);
        Tensor x = t.get("x");
        Tensor h0 = t.get("h0");
        for (String n : new String[] {"x", "h0", "c0"}) {
            if (t.containsKey(n)) {
                leaves.put(n, t.get(n));
            }
        }
        if (m instanceof LSTMCell lstm) {
            LstmState s = lstm.forward(x, h0 == null ? null : new LstmState(h0, t.get("c0")));
            outs.put("h", s.h());
            outs.put("c", s.c());
        } else {
            outs.put("h", m instanceof GRUCell g ? g.forward(x, h0) : ((RNNCell) m).forward(x, h0));
        }
        return new Result(outs, leaves);
    }

    /** The module in {@code dtype} with PyTorch's parameters written in by name; each parameter a leaf by its name. */
    private static void load(Module m, Map<String, String> params, DType dtype, Map<String, Tensor> leaves) {
        m.to(dtype);
        Map<String, Tensor> named = m.namedParameters();
        if (!named.keySet().equals(params.keySet())) {
            throw new IllegalStateException("harness: parameters " + named.keySet() + ", PyTorch's " + params.keySet());
        }
        try (GradMode off = Ember.noGrad()) {
            for (Map.Entry<String, String> p : params.entrySet()) {
                named.get(p.getKey()).copy_(DifferentialFuzzR17Test.tensor(p.getValue()));
            }
        }
        leaves.putAll(named);
    }

    private static List<Tensor> sequences(Map<String, Tensor> t, Map<String, Tensor> leaves) {
        List<Tensor> qs = new ArrayList<>();
        for (int j = 0; t.containsKey("q" + j); j++) {
            qs.add(t.get("q" + j));
            leaves.put("q" + j, t.get("q" + j));
        }
        return qs;
    }

    private static void packed(PackedSequence p, Map<String, Tensor> outs) {
        outs.put("data", p.data());
        outs.put("batch_sizes", p.batchSizes());
        outs.put("sorted", p.sortedIndices());
        outs.put("unsorted", p.unsortedIndices());
    }

    private static boolean bool(String v) {
        return Boolean.parseBoolean(v);
    }

    private static Long optLong(String v) {
        return v.equals("N") ? null : Long.valueOf(v);
    }

    private static Integer optInt(String v) {
        return v.equals("N") ? null : Integer.valueOf(v);
    }

    private static Double optDouble(String v) {
        return v.equals("N") ? null : Double.valueOf(v);
    }

    private static long[] longs(String v) {
        return Arrays.stream(v.split(",")).mapToLong(Long::parseLong).toArray();
    }
}
