package dev.ember;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Replays one random autograd program of {@code fuzz7/cases.txt} (its generator, {@code fuzz7/make_cases.py}, describes
 * the statements) in Ember and compares every observable with PyTorch's: each statement's error (message, and the state
 * after it), and at every {@code snap} each variable's values, dtype, shape, requires_grad, is_leaf, grad_fn name,
 * version, inference flag, retains_grad and {@code .grad}.
 */
final class FuzzProgramInterpreter {
    private final Map<String, Tensor> env = new LinkedHashMap<>();
    private final Map<String, RemovableHandle> hooks = new LinkedHashMap<>();
    private final Deque<AutoCloseable> modes = new ArrayDeque<>();
    private final List<String> lines;
    private int at;

    /** Whether the program has a float32 leaf: its float64 results are then compared at float32's tolerance. */
    private final boolean mixed;

    private FuzzProgramInterpreter(List<String> lines) {
        this.lines = lines;
        this.mixed = lines.stream().anyMatch(l -> l.startsWith("leaf ") && l.split(" ")[2].equals("float32"));
    }

    /** Runs the program; returns null when Ember matches PyTorch throughout, else the first difference. */
    static String run(List<String> lines) {
        FuzzProgramInterpreter p = new FuzzProgramInterpreter(lines);
        try {
            return p.run();
        } finally {
            p.leaveModes();
        }
    }

    private void leaveModes() {
        while (!modes.isEmpty()) {
            try {
                modes.pop().close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private String run() {
        while (at < lines.size()) {
            String line = lines.get(at++);
            if (line.equals("snap")) {
                String problem = snap();
                if (problem != null) {
                    return "at snap before line " + at + ": " + problem;
                }
                continue;
            }
            touch();
            RuntimeException thrown = null;
            try {
                statement(line);
            } catch (RuntimeException e) {
                thrown = e;
            }
            String expected = at < lines.size() && lines.get(at).startsWith("err ") ? lines.get(at++).substring(4) : null;
            if (expected == null && thrown != null) {
                return "\"" + line + "\": PyTorch runs, Ember throws " + thrown;
            }
            if (expected != null && thrown == null) {
                return "\"" + line + "\": PyTorch throws \"" + expected + "\", Ember runs";
            }
            if (expected != null && !expected.equals(firstLine(thrown.getMessage()))) {
                return "\"" + line + "\": PyTorch throws \"" + expected + "\", Ember " + thrown;
            }
        }
        return null;
    }

    /**
     * Reads every variable's history before a statement, as the generator reads every tensor's grad_fn (a view changed in
     * place regenerates it; one that cannot refuses, ignored here): PyTorch regenerates lazily, on reading grad_fn,
     * Ember whenever it reads a view's history, and both agree once it has been read.
     */
    private void touch() {
        for (Tensor t : env.values()) {
            if (t != null) {
                try {
                    t.gradFn();
                } catch (IllegalStateException e) {
                    // a view whose history cannot be regenerated: its statements meet the refusal
                }
            }
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "null";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    // ------------------------------------------------------------------------------------------------ statements

    private void statement(String line) {
        String[] w = line.split(" ");
        switch (w[0]) {
            case "leaf": {
                String text = line.substring(line.indexOf(' ', 5) + 1, line.lastIndexOf(' '));
                Tensor t = FuzzCaseRunner.expectedTensor(text).clone();
                t.requiresGrad_(w[w.length - 1].equals("1"));
                env.put(w[1], t);
                return;
            }
            case "op":
                env.put(w[1], op(w[2], Arrays.copyOfRange(w, 3, w.length)));
                return;
            case "opm": {
                List<Tensor> pieces = multi(w[2], Arrays.copyOfRange(w, 3, w.length));
                String[] names = w[1].split(",");
                if (pieces.size() != names.length) {
                    throw new AssertionError(w[2] + " gives " + pieces.size() + " pieces, PyTorch's " + names.length);
                }
                for (int i = 0; i < names.length; i++) {
                    env.put(names[i], pieces.get(i));
                }
                return;
            }
            case "ip": {
                String[] args = new String[w.length - 2];
                args[0] = w[1];
                System.arraycopy(w, 3, args, 1, w.length - 3);
                Tensor r = inplace(w[2], args);
                if (r != env.get(w[1])) {
                    throw new AssertionError(w[2] + " returned another tensor than its self");
                }
                return;
            }
            case "detach":
                env.put(w[1], var(w[2]).detach());
                return;
            case "detach_":
                var(w[1]).detach_();
                return;
            case "rg_":
                var(w[1]).requiresGrad_(w[2].equals("1"));
                return;
            case "retain":
                var(w[1]).retainGrad();
                return;
            case "hook": {
                String kind = w[3];
                double d = Double.parseDouble(w[4]);
                hooks.put(w[1], var(w[2]).registerHook(g -> {
                    if (g == null) {
                        return null;
                    }
                    switch (kind) {
                        case "scale": return g.mul(d);
                        case "replace": return g.fullLike(d);
                        default: return null;
                    }
                }));
                return;
            }
            case "unhook":
                hooks.get(w[1]).remove();
                return;
            case "mode":
                switch (w[1]) {
                    case "nograd": case "setgrad0": modes.push(Ember.noGrad()); return;
                    case "enable": case "setgrad1": modes.push(Ember.enableGrad()); return;
                    case "inference": modes.push(Ember.inferenceMode()); return;
                    default: throw new IllegalStateException("mode " + w[1]);
                }
            case "endmode":
                try {
                    modes.pop().close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                return;
            case "endall":
                leaveModes();
                return;
            case "backward": {
                Tensor y = var(w[1]);
                Tensor g = y.dim() == 0 ? null : weights(y);
                Autograd.backward(List.of(y), g == null ? null : java.util.Collections.singletonList(g), w[2].equals("1"),
                        w[3].equals("1"));
                return;
            }
            case "agrad": {
                // agrad vA,vB outs vK ins vI,vJ retain create unused
                String[] outs = w[1].split(",");
                Tensor y = var(w[3]);
                List<Tensor> ins = new ArrayList<>();
                for (String s : w[5].split(",")) {
                    ins.add(var(s));
                }
                Tensor g = y.dim() == 0 ? null : weights(y);
                List<Tensor> gs = Autograd.grad(List.of(y), ins, g == null ? null : java.util.Collections.singletonList(g),
                        w[6].equals("1"), w[7].equals("1"), w[8].equals("1"));
                for (int i = 0; i < outs.length; i++) {
                    env.put(outs[i], gs.get(i));
                }
                return;
            }
            case "gradof":
                env.put(w[1], var(w[2]).grad());
                return;
            case "setgradnone":
                var(w[1]).setGrad(null);
                return;
            case "gradzero":
                var(w[1]).grad().zero_();
                return;
            default:
                throw new IllegalStateException("statement " + line);
        }
    }

    private Tensor var(String name) {
        if (!env.containsKey(name)) {
            throw new IllegalStateException("no variable " + name);
        }
        return env.get(name);
    }

    /** W(shape, dtype): w[k] = 1 + 0.5 ((3k) mod 11) over row-major elements, made outside any mode. */
    private static Tensor weights(Tensor y) {
        int n = (int) y.numel();
        double[] w = new double[n];
        for (int k = 0; k < n; k++) {
            w[k] = 1 + 0.5 * ((3 * k) % 11);
        }
        return Tensor.tensor(w, DType.FLOAT64, Device.CPU).reshape(y.shape()).to(y.dtype()).clone();
    }

    private final class Args extends FuzzArgs {
        Args(String[] a) {
            super(a, FuzzProgramInterpreter.this::var);
        }

        Tensor index(int k) {
            int[] v = il(k);
            long[] l = new long[v.length];
            for (int j = 0; j < v.length; j++) {
                l[j] = v[j];
            }
            return Tensor.tensor(l, DType.INT64, Device.CPU);
        }
    }

    private Tensor op(String name, String[] raw) {
        Args a = new Args(raw);
        Tensor x = a.t(0);
        switch (name) {
            case "exp": return x.exp();
            case "sin": return x.sin();
            case "cos": return x.cos();
            case "tanh": return x.tanh();
            case "sigmoid": return x.sigmoid();
            case "relu": return x.relu();
            case "abs": return x.abs();
            case "square": return x.square();
            case "neg": return x.neg();
            case "sqrt": return x.sqrt();
            case "log": return x.log();
            case "clone": return x.clone();
            case "contiguous": return x.contiguous();
            case "add": return x.add(a.t(1));
            case "sub": return x.sub(a.t(1));
            case "mul": return x.mul(a.t(1));
            case "div": return x.div(a.t(1));
            case "maximum": return x.maximum(a.t(1));
            case "powt": return x.pow(a.t(1));
            case "adds": return x.add(a.d(1));
            case "muls": return x.mul(a.d(1));
            case "pows": return x.pow(a.d(1));
            case "clamp": return x.clamp(a.d(1), a.d(2));
            case "where": return Tensor.where(x.gt(0.0), a.t(1), a.t(2));
            case "sum": return x.sum(a.il(1), a.b(2));
            case "sumall": return x.sum();
            case "mean": return x.mean(a.il(1), a.b(2));
            case "amax": return x.amax(a.il(1), a.b(2));
            case "prod": return x.prod(a.i(1), a.b(2));
            case "logsumexp": return x.logsumexp(a.il(1), a.b(2));
            case "var": return x.var(a.il(1), a.i(2), a.b(3));
            case "softmax": return x.softmax(a.i(1));
            case "logsoftmax": return x.logSoftmax(a.i(1));
            case "cumsum": return x.cumsum(a.i(1));
            case "sortv": return x.sort(a.i(1), a.b(2)).values();
            case "matmul": return x.matmul(a.t(1));
            case "cat": return Tensor.cat(List.of(x, a.t(1)), a.i(2));
            case "stack": return Tensor.stack(List.of(x, a.t(1)), a.i(2));
            case "indexselect": return x.indexSelect(a.i(1), a.index(2));
            case "gather": {
                int d = a.i(1);
                Tensor idx = a.index(2);
                int[] shape = x.shape().clone();
                long rest = x.numel() / Math.max(1, shape[d]);
                shape[d] = (int) (idx.numel() / Math.max(1, rest));
                return x.gather(d, idx.reshape(shape));
            }
            case "flip": return x.flip(a.il(1));
            case "maskedfill": return x.maskedFill(a.t(1).gt(0.0), a.d(2));
            case "view": return x.view(a.il(1));
            case "reshape": return x.reshape(a.il(1));
            case "transpose": return x.transpose(a.i(1), a.i(2));
            case "permute": return x.permute(a.il(1));
            case "select": return x.select(a.i(1), a.i(2));
            case "narrow": return x.narrow(a.i(1), a.i(2), a.i(3));
            case "slice": return x.slice(a.i(1), a.i(2), a.i(3), a.i(4));
            case "expand": return x.expand(a.il(1));
            case "unsqueeze": return x.unsqueeze(a.i(1));
            case "squeeze": return x.squeeze(a.i(1));
            case "diagonal": return x.diagonal(a.i(1), a.i(2), a.i(3));
            case "asstrided": return x.asStrided(a.il(1), a.il(2), a.i(3));
            case "T": return x.T();
            case "mT": return x.mT();
            default: throw new IllegalStateException("op " + name);
        }
    }

    private List<Tensor> multi(String name, String[] raw) {
        Args a = new Args(raw);
        Tensor x = a.t(0);
        switch (name) {
            case "unbind": return x.unbind(a.i(1));
            case "split": return x.split(a.i(1), a.i(2));
            case "chunk": return x.chunk(a.i(1), a.i(2));
            default: throw new IllegalStateException("multi-output op " + name);
        }
    }

    private Tensor inplace(String name, String[] raw) {
        Args a = new Args(raw);
        Tensor x = a.t(0);
        switch (name) {
            case "add_": return x.add_(a.t(1));
            case "sub_": return x.sub_(a.t(1));
            case "mul_": return x.mul_(a.t(1));
            case "div_": return x.div_(a.t(1));
            case "adds_": return x.add_(a.d(1));
            case "muls_": return x.mul_(a.d(1));
            case "clamp_": return x.clamp_(a.d(1), a.d(2));
            case "zero_": return x.zero_();
            case "fill_": return x.fill_(a.d(1));
            case "copy_": return x.copy_(a.t(1));
            case "maskedfill_": return x.maskedFill_(a.t(1).gt(0.0), a.d(2));
            case "indexput_": return x.indexPut_(new Index[] {Index.of(a.index(1))}, a.t(2), false);
            case "sigmoid_": return x.sigmoid_();
            case "exp_": return x.exp_();
            case "tanh_": return x.tanh_();
            case "relu_": return x.relu_();
            case "neg_": return x.neg_();
            default: throw new IllegalStateException("in-place op " + name);
        }
    }

    // ------------------------------------------------------------------------------------------------ snapshots

    private String snap() {
        TreeSet<String> seen = new TreeSet<>();
        List<String> problems = new ArrayList<>();
        while (at < lines.size() && (lines.get(at).startsWith("= ") || lines.get(at).startsWith("g "))) {
            String line = lines.get(at++);
            String[] w = line.split(" ", 3);
            String name = w[1];
            if (line.startsWith("g ")) {
                continue; // read with its "=" line
            }
            seen.add(name);
            if (!env.containsKey(name)) {
                problems.add(name + ": Ember has no such variable");
                continue;
            }
            Tensor t = env.get(name);
            if (w[2].equals("none")) {
                if (t != null) {
                    problems.add(name + ": PyTorch's is None, Ember's a tensor");
                }
                continue;
            }
            if (t == null) {
                problems.add(name + ": PyTorch's is a tensor, Ember's null");
                continue;
            }
            String rest = w[2];
            int bar = rest.indexOf(" | ");
            String p = compare(name, t.detach(), rest.substring(0, bar));
            if (p != null) {
                problems.add(p);
            }
            String flags = rest.substring(bar + 3);
            String gline = lines.get(at).startsWith("g " + name + " ") ? lines.get(at).substring(3 + name.length()) : null;
            if (flags.startsWith("! ")) {
                String msg = flags.substring(2);
                try {
                    Node fn = t.gradFn();
                    problems.add(name + ": PyTorch's grad_fn raises \"" + msg + "\", Ember's is " + fn);
                } catch (RuntimeException e) {
                    if (!msg.equals(firstLine(e.getMessage()))) {
                        problems.add(name + ": grad_fn raises \"" + msg + "\" in PyTorch, Ember " + e);
                    }
                }
                continue;
            }
            String[] f = flags.split(" ");
            String ours;
            try {
                Node fn = t.gradFn();
                String ver;
                try {
                    ver = Integer.toString(t.version());
                } catch (IllegalStateException e) {
                    ver = "-";
                }
                ours = "rg " + (t.requiresGrad() ? 1 : 0) + " leaf " + (t.isLeaf() ? 1 : 0) + " fn "
                        + (fn == null ? "-" : fn.name()) + " ver " + ver + " inf " + (t.isInference() ? 1 : 0) + " ret "
                        + (t.retainsGrad() ? 1 : 0);
            } catch (RuntimeException e) {
                problems.add(name + ": reading its flags throws " + e);
                continue;
            }
            if (flags.contains(" ver ? ")) {
                ours = ours.replaceFirst(" ver [^ ]+ ", " ver ? ");
            }
            if (flags.contains(" fn ? ") && !ours.contains(" fn - ")) {
                ours = ours.replaceFirst(" fn [^ ]+ ", " fn ? ");
            }
            if (!ours.equals(flags)) {
                problems.add(name + ": PyTorch " + flags + ", Ember " + ours);
            }
            if (gline != null) {
                boolean wantNone = gline.equals("none");
                Tensor g = wantNone && !t.isLeaf() && !t.retainsGrad() ? null : t.grad();
                if (wantNone != (g == null)) {
                    problems.add(name + ".grad: PyTorch " + gline + ", Ember " + (g == null ? "none" : g.toString()));
                } else if (g != null) {
                    String q = compare(name + ".grad", g.detach(), gline);
                    if (q != null) {
                        problems.add(q);
                    }
                }
            }
        }
        for (String name : env.keySet()) {
            if (!seen.contains(name)) {
                problems.add(name + ": PyTorch has no such variable");
            }
        }
        return problems.isEmpty() ? null : String.join("; ", problems);
    }

    /**
     * {@code t} against PyTorch's {@code dtype [shape] : [values]}: dtype and shape exactly, values within
     * torch.testing.assert_close's default tolerances (float64: rtol 1e-7, atol 1e-7; float32: rtol 1.3e-6, atol 1e-5;
     * float32's for every result of a program with a float32 leaf, whose float64 results are computed from float32
     * values that may differ in the last place), NaN equal to NaN, infinities exactly.
     */
    private String compare(String what, Tensor t, String expectedText) {
        Tensor e = FuzzCaseRunner.expectedTensor(expectedText);
        if (t.dtype() != e.dtype() || !Arrays.equals(t.shape(), e.shape())) {
            return what + ": PyTorch " + e.dtype() + " " + Arrays.toString(e.shape()) + ", Ember " + t.dtype() + " "
                    + Arrays.toString(t.shape());
        }
        boolean f64 = t.dtype() == DType.FLOAT64 && !mixed;
        double rtol = f64 ? 1e-7 : 1.3e-6;
        double atol = f64 ? 1e-7 : 1e-5;
        double[] ev = e.toDoubleArray();
        double[] tv = t.toDoubleArray();
        for (int i = 0; i < ev.length; i++) {
            double x = tv[i];
            double y = ev[i];
            boolean ok = Double.isNaN(y) ? Double.isNaN(x)
                    : Double.isInfinite(y) ? x == y : Math.abs(x - y) <= atol + rtol * Math.abs(y);
            if (!ok) {
                return what + ": element " + i + " PyTorch " + y + ", Ember " + x + " (PyTorch " + expectedText + ", Ember "
                        + Arrays.toString(tv) + ")";
            }
        }
        return null;
    }
}
