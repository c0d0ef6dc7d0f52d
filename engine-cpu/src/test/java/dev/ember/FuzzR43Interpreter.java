package dev.ember;

import dev.ember.nn.GRU;
import dev.ember.nn.GRUCell;
import dev.ember.nn.LSTM;
import dev.ember.nn.LSTMCell;
import dev.ember.nn.Module;
import dev.ember.nn.RNN;
import dev.ember.nn.RNNCell;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Replays one case of {@code differentialfuzzr43/cases.txt} (its generator, {@code make_cases.py}, describes the
 * lines): a recurrent layer or cell built with PyTorch's parameters written by name (frozen ones not requiring grad,
 * a dropout probability, eval mode), the inputs as leaves and the call given their views where the case says
 * ({@code lay}), under no_grad where it says; its outputs (float64 within 1e-12, float32 within 1e-4, NaN where
 * PyTorch's are; their sign is not compared, see the script), grad_fn names, which outputs require grad, the backward
 * of the sum of the chosen outputs times their upstream gradients and every gradient; or PyTorch's refusal, with
 * every input and parameter unchanged after it.
 */
final class FuzzR43Interpreter {
    private FuzzR43Interpreter() {
    }

    /** Null where Ember does what PyTorch did, else what differs. */
    static String run(List<String> body) {
        String step = null;
        String err = null;
        Map<String, String> inputs = new LinkedHashMap<>();
        Map<String, String> params = new LinkedHashMap<>();
        Set<String> rg = new HashSet<>();
        Map<String, String> outs = new LinkedHashMap<>();
        Map<String, String> fns = new HashMap<>();
        Map<String, String> gs = new LinkedHashMap<>();
        Set<String> nog = new HashSet<>();
        Map<String, String> grs = new LinkedHashMap<>();
        Map<String, String> lays = new LinkedHashMap<>();
        Set<String> frozen = new HashSet<>();
        boolean noGrad = false;
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
                case "o": outs.put(name, val); break;
                case "fn": fns.put(name, val); break;
                case "g": gs.put(name, val); break;
                case "nog": nog.add(rest); break;
                case "gr": grs.put(name, val); break;
                case "lay": lays.put(name, val); break;
                case "frozen": frozen.add(rest); break;
                case "nograd": noGrad = true; break;
                default: throw new IllegalStateException("line " + line);
            }
        }
        Map<String, Tensor> t = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : inputs.entrySet()) {
            Tensor v = DifferentialFuzzR17Test.tensor(e.getValue());
            t.put(e.getKey(), rg.contains(e.getKey()) ? v.requiresGrad_(true) : v);
        }
        Map<String, String> kw = FuzzRoundSupport.keywords(step.split(" "));
        String kind = kw.get("kind");
        DType dtype = DType.FLOAT64;
        for (String p : params.values()) {
            dtype = DifferentialFuzzR17Test.tensor(p).dtype();
            break;
        }
        Module m = module(step.startsWith("rnn "), kw, kind);
        Map<String, Tensor> named = load(m, params, dtype);
        for (String f : frozen) {
            named.get(f).requiresGrad_(false);
        }
        Map<String, Tensor> call = new LinkedHashMap<>(t);
        for (Map.Entry<String, String> l : lays.entrySet()) {
            call.put(l.getKey(), layout(t.get(l.getKey()), l.getValue()));
        }
        Map<String, Tensor> got;
        try (GradMode off = noGrad ? Ember.noGrad() : null) {
            got = step.startsWith("rnn ") ? layer(m, kind, call) : cell(m, call);
        } catch (RuntimeException e) {
            String r = FuzzRoundSupport.refused(err, e, inputs, t);
            if (r != null) {
                return r;
            }
            for (Map.Entry<String, String> p : params.entrySet()) {
                r = FuzzR31Interpreter.compare("parameter " + p.getKey() + " after a refused call",
                        DifferentialFuzzR17Test.tensor(p.getValue()), named.get(p.getKey()).detach(), true);
                if (r != null) {
                    return r;
                }
            }
            return null;
        }
        if (err != null) {
            return "PyTorch refuses (\"" + err + "\"), Ember gives " + got.keySet();
        }
        if (!got.keySet().equals(outs.keySet())) {
            return "outputs: PyTorch " + outs.keySet() + ", Ember " + got.keySet();
        }
        Tensor loss = null;
        for (Map.Entry<String, String> o : outs.entrySet()) {
            String name = o.getKey();
            Tensor r = got.get(name);
            String d = compare("output " + name, DifferentialFuzzR17Test.tensor(o.getValue()), r);
            if (d != null) {
                return d;
            }
            if (fns.containsKey(name)) {
                String node = r.gradFn() == null ? null : r.gradFn().name();
                if (!fns.get(name).equals(node)) {
                    return "grad_fn of " + name + ": PyTorch " + fns.get(name) + ", Ember " + node;
                }
            }
            boolean wants = gs.containsKey(name) || nog.contains(name);
            if (wants != r.requiresGrad()) {
                return "output " + name + " requires grad: PyTorch " + wants + ", Ember " + r.requiresGrad();
            }
            if (gs.containsKey(name)) {
                Tensor term = r.mul(DifferentialFuzzR17Test.tensor(gs.get(name))).sum();
                loss = loss == null ? term : loss.add(term);
            }
        }
        if (loss == null) {
            return grs.isEmpty() ? null : "harness: gradients without an upstream gradient";
        }
        loss.backward();
        for (Map.Entry<String, String> g : grs.entrySet()) {
            Tensor leaf = t.containsKey(g.getKey()) ? t.get(g.getKey()) : named.get(g.getKey());
            if (leaf == null) {
                return "harness: no leaf " + g.getKey();
            }
            Tensor grad = leaf.grad();
            if (g.getValue().equals("none")) {
                if (grad != null) {
                    return "gradient of " + g.getKey() + ": PyTorch none, Ember " + Arrays.toString(grad.shape());
                }
                continue;
            }
            String d = compare("gradient of " + g.getKey(), DifferentialFuzzR17Test.tensor(g.getValue()), grad);
            if (d != null) {
                return d;
            }
        }
        return null;
    }

    /**
     * {@link FuzzR31Interpreter#compare} within its tolerances (NaN where PyTorch has NaN, either sign), float32 within
     * 1e-4 (sums over steps, layers and directions).
     */
    static String compare(String what, Tensor expected, Tensor got) {
        boolean f32 = got != null && expected.dtype() == DType.FLOAT32 && got.dtype() == DType.FLOAT32;
        return FuzzR31Interpreter.compare(what, expected, got, false, f32 ? 10 : 1);
    }

    /**
     * The call's view of input {@code t} (the script's {@code layout}): {@code t01} transposed, copied and transposed
     * back (strided, the same values), {@code even} every other element of the last dim, {@code expand:<b>} dim 1
     * expanded to b (stride 0).
     */
    private static Tensor layout(Tensor t, String how) {
        if (how.equals("t01")) {
            return t.transpose(0, 1).contiguous().transpose(0, 1);
        }
        if (how.equals("even")) {
            int n = t.size(-1);
            return t.slice(t.dim() - 1, 0, n, 2);
        }
        int b = Integer.parseInt(how.substring("expand:".length()));
        return t.expand(t.size(0), b, t.size(2));
    }

    private static Module module(boolean layer, Map<String, String> kw, String kind) {
        int in = Integer.parseInt(kw.get("in"));
        int hid = Integer.parseInt(kw.get("hid"));
        boolean bias = Boolean.parseBoolean(kw.get("bias"));
        if (layer) {
            int layers = Integer.parseInt(kw.get("layers"));
            boolean bf = Boolean.parseBoolean(kw.get("bf"));
            boolean bi = Boolean.parseBoolean(kw.get("bi"));
            double drop = Double.parseDouble(kw.getOrDefault("drop", "0"));
            Module m = switch (kind) {
                case "LSTM" -> new LSTM(in, hid, layers, bias, bf, drop, bi, Integer.parseInt(kw.get("proj")));
                case "GRU" -> new GRU(in, hid, layers, bias, bf, drop, bi);
                default -> new RNN(in, hid, layers, kind.equals("RNN_TANH") ? "tanh" : "relu", bias, bf, drop, bi);
            };
            return m.train(!Boolean.parseBoolean(kw.getOrDefault("eval", "False")));
        }
        return kind.equals("LSTMCell") ? new LSTMCell(in, hid, bias) : kind.equals("GRUCell") ? new GRUCell(in, hid, bias)
                : new RNNCell(in, hid, bias, kind.substring("RNNCell_".length()));
    }

    /** The module in {@code dtype} with PyTorch's parameters written in by name; its parameters by name. */
    private static Map<String, Tensor> load(Module m, Map<String, String> params, DType dtype) {
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
        return named;
    }

    private static Map<String, Tensor> layer(Module m, String kind, Map<String, Tensor> t) {
        Tensor x = t.get("x");
        Tensor h0 = t.get("h0");
        Map<String, Tensor> outs = new LinkedHashMap<>();
        RnnOutput r = m instanceof LSTM lstm ? lstm.forward(x, h0 == null ? null : new LstmState(h0, t.get("c0")))
                : m instanceof GRU gru ? gru.forward(x, h0) : ((RNN) m).forward(x, h0);
        outs.put("out", r.output());
        outs.put("h", r.h());
        if (kind.equals("LSTM")) {
            outs.put("c", r.c());
        }
        return outs;
    }

    private static Map<String, Tensor> cell(Module m, Map<String, Tensor> t) {
        Tensor x = t.get("x");
        Tensor h0 = t.get("h0");
        Map<String, Tensor> outs = new LinkedHashMap<>();
        if (m instanceof LSTMCell lstm) {
            LstmState s = lstm.forward(x, h0 == null ? null : new LstmState(h0, t.get("c0")));
            outs.put("h", s.h());
            outs.put("c", s.c());
        } else {
            outs.put("h", m instanceof GRUCell g ? g.forward(x, h0) : ((RNNCell) m).forward(x, h0));
        }
        return outs;
    }
}
