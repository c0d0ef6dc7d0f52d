package dev.ember;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Replays one program of {@code differentialfuzzr14/cases.txt} (its generator, {@code make_cases.py}, describes the
 * statements): views of a leaf or an intermediate, in-place writes into them or their base, a loss and its backward.
 * Every statement's error is compared with PyTorch's (the first line of its message), and a refused view or in-place
 * statement must leave every variable as it was (values, version, grad_fn, requires_grad, .grad). At every
 * {@code snap} each variable's values, dtype, shape, strides, storage offset, contiguity, version, requires_grad,
 * is_leaf, grad_fn name and, for leaves, {@code .grad} are compared with PyTorch's last line for it.
 */
final class FuzzR14Interpreter {
    private final Map<String, Tensor> env = new LinkedHashMap<>();
    private final Map<String, String> expected = new HashMap<>();
    private final Map<String, String> expectedGrad = new HashMap<>();
    private final Deque<AutoCloseable> modes = new ArrayDeque<>();
    private final List<String> lines;
    private final boolean mixed;
    private int at;

    private FuzzR14Interpreter(List<String> lines) {
        this.lines = lines;
        this.mixed = lines.stream().anyMatch(l -> l.startsWith("leaf v0 float32 "));
    }

    /** Runs the program; returns null when Ember matches PyTorch throughout, else the first difference. */
    static String run(List<String> lines) {
        FuzzR14Interpreter p = new FuzzR14Interpreter(lines);
        try {
            return p.run();
        } catch (RuntimeException e) {
            StackTraceElement[] st = e.getStackTrace();
            return "harness, after line " + p.at + ": " + e + " at "
                    + Arrays.toString(Arrays.copyOf(st, Math.min(4, st.length)));
        } finally {
            while (!p.modes.isEmpty()) {
                p.endMode();
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
            if (line.startsWith("mode ")) {
                modes.push(line.equals("mode nograd") ? Ember.noGrad() : Ember.inferenceMode());
                continue;
            }
            if (line.equals("endmode")) {
                endMode();
                continue;
            }
            touch();
            boolean guarded = line.startsWith("view") || line.startsWith("ip ") || line.startsWith("op ")
                    || line.startsWith("rg_ ");
            Map<String, Object[]> before = guarded ? state() : null;
            RuntimeException thrown = null;
            try {
                statement(line);
            } catch (RuntimeException e) {
                thrown = e;
            }
            String err = at < lines.size() && lines.get(at).startsWith("err ") ? lines.get(at++).substring(4) : null;
            if (err == null && thrown != null) {
                return "\"" + line + "\": PyTorch runs, Ember throws " + thrown;
            }
            if (err != null && thrown == null) {
                return "\"" + line + "\": PyTorch throws \"" + err + "\", Ember runs";
            }
            if (err != null) {
                String ours = firstLine(thrown.getMessage());
                if (err.startsWith("one of the variables needed") && ours.contains(" instead.")) {
                    ours = ours.substring(0, ours.indexOf(" instead.") + " instead.".length());
                }
                if (!err.equals(ours)) {
                    return "\"" + line + "\": PyTorch throws \"" + err + "\", Ember " + thrown;
                }
                if (guarded) {
                    String changed = unchanged(before, state());
                    if (changed != null) {
                        return "\"" + line + "\": refused, but " + changed;
                    }
                }
            }
        }
        return null;
    }

    private void endMode() {
        try {
            modes.pop().close();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads every variable's history, as the generator does before each statement. */
    private void touch() {
        for (Tensor t : env.values()) {
            try {
                t.gradFn();
            } catch (RuntimeException e) {
                // a view whose history cannot be regenerated: statements on it meet the refusal
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

    // ------------------------------------------------------------------------------------------------ refusals

    private Map<String, Object[]> state() {
        Map<String, Object[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : env.entrySet()) {
            Tensor t = e.getValue();
            Object fn;
            try {
                fn = t.gradFn();
            } catch (RuntimeException x) {
                fn = "raises";
            }
            Integer ver;
            try {
                ver = t.version();
            } catch (RuntimeException x) {
                ver = null;
            }
            Tensor g;
            try {
                g = t.isLeaf() ? t.grad() : null;
            } catch (RuntimeException x) {
                g = null;
            }
            Boolean rg;
            try {
                rg = t.requiresGrad();
            } catch (RuntimeException x) {
                rg = null; // as PyTorch's requires_grad of a view whose history cannot be regenerated, it raises
            }
            out.put(e.getKey(), new Object[] {values(t), fn, ver, rg, g == null ? null : values(g)});
        }
        return out;
    }

    private static String unchanged(Map<String, Object[]> a, Map<String, Object[]> b) {
        for (Map.Entry<String, Object[]> e : a.entrySet()) {
            Object[] x = e.getValue();
            Object[] y = b.get(e.getKey());
            if (!Arrays.equals((double[]) x[0], (double[]) y[0])) {
                return e.getKey() + "'s values changed";
            }
            if (x[1] != y[1] && !Objects.equals(x[1], "raises")) {
                return e.getKey() + "'s grad_fn changed";
            }
            if (!Objects.equals(x[2], y[2]) || !Objects.equals(x[3], y[3])) {
                return e.getKey() + "'s version or requires_grad changed";
            }
            if ((x[4] == null) != (y[4] == null) || x[4] != null && !Arrays.equals((double[]) x[4], (double[]) y[4])) {
                return e.getKey() + "'s grad changed";
            }
        }
        return null;
    }

    private static double[] values(Tensor t) {
        Tensor d = t.detach();
        if (d.dtype() == DType.COMPLEX128) {
            return d.contiguous().viewAsReal().toDoubleArray();
        }
        return d.toDoubleArray();
    }

    // ------------------------------------------------------------------------------------------------ statements

    private void statement(String line) {
        String[] w = line.split(" ");
        switch (w[0]) {
            case "leaf": {
                String text = line.substring(line.indexOf(' ', 5) + 1, line.lastIndexOf(' '));
                Tensor t = parse(text).clone();
                t.requiresGrad_(w[w.length - 1].equals("1"));
                env.put(w[1], t);
                return;
            }
            case "op":
                env.put(w[1], op(w[2], new Args(Arrays.copyOfRange(w, 3, w.length))));
                return;
            case "view":
                env.put(w[1], view(w[2], new Args(Arrays.copyOfRange(w, 3, w.length))));
                return;
            case "viewm": {
                Args a = new Args(Arrays.copyOfRange(w, 3, w.length));
                Tensor x = a.t(0);
                List<Tensor> pieces = switch (w[2]) {
                    case "split" -> x.split(a.i(1), a.i(2));
                    case "chunk" -> x.chunk(a.i(1), a.i(2));
                    case "unbind" -> x.unbind(a.i(1));
                    case "tensorsplit" -> x.tensorSplit(a.i(1), a.i(2));
                    default -> throw new IllegalStateException("multi-output view " + w[2]);
                };
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
                Tensor r = inplace(w[2], new Args(args));
                if (r != env.get(w[1])) {
                    throw new AssertionError(w[2] + " returned another tensor than its self");
                }
                return;
            }
            case "rg_":
                var(w[1]).requiresGrad_(w[2].equals("1"));
                return;
            case "retain":
                var(w[1]).retainGrad();
                return;
            case "loss": {
                Tensor total = null;
                for (String term : w[2].split(",")) {
                    int colon = term.indexOf(':');
                    Tensor r = real(var(term.substring(0, colon)));
                    Tensor s = r.mul(weights(r.shape())).sum().mul(Double.parseDouble(term.substring(colon + 1)));
                    total = total == null ? s : total.add(s);
                }
                env.put(w[1], total);
                return;
            }
            case "backward":
                Autograd.backward(List.of(var(w[1])), null, w[2].equals("1"), false);
                return;
            case "agrad2": {
                Tensor g = Autograd.grad(List.of(var(w[2])), List.of(var(w[3])), null, true, true, true).get(0);
                if (g == null) {
                    throw new AssertionError("autograd.grad gave no gradient where PyTorch's is defined");
                }
                env.put(w[1], g);
                if (g.requiresGrad()) {
                    Tensor r = real(g);
                    r.mul(r).mul(weights(r.shape())).sum().backward();
                }
                return;
            }
            default:
                throw new IllegalStateException("statement " + line);
        }
    }

    private static Tensor real(Tensor t) {
        return t.dtype() == DType.COMPLEX128 ? t.viewAsReal() : t;
    }

    /** W(shape): w[k] = 1 + 0.5 ((3k) mod 11) over row-major elements, float64. */
    private static Tensor weights(int[] shape) {
        long n = 1;
        for (int s : shape) {
            n *= s;
        }
        double[] w = new double[(int) n];
        for (int k = 0; k < w.length; k++) {
            w[k] = 1 + 0.5 * ((3 * k) % 11);
        }
        return Tensor.tensor(w, DType.FLOAT64, Device.CPU).reshape(shape);
    }

    private Tensor var(String name) {
        Tensor t = env.get(name);
        if (t == null) {
            throw new IllegalStateException("no variable " + name);
        }
        return t;
    }

    /** A tensor line: {@code dtype [shape] : [values]}, complex128 as {@code complex128 <its view_as_real's line>}. */
    private static Tensor parse(String text) {
        if (text.startsWith("complex128 ")) {
            return FuzzCaseRunner.expectedTensor(text.substring("complex128 ".length())).viewAsComplex();
        }
        return FuzzCaseRunner.expectedTensor(text);
    }

    private final class Args extends FuzzArgs {
        Args(String[] a) {
            super(a, FuzzR14Interpreter.this::var);
        }

        boolean isInt(int k) {
            return a[k].startsWith("i:");
        }

        Index[] index(int k) {
            String[] items = tail(k, "s:").split(";");
            Index[] out = new Index[items.length];
            for (int j = 0; j < items.length; j++) {
                String s = items[j];
                if (s.equals("n")) {
                    out[j] = Index.newAxis();
                } else if (s.equals("e")) {
                    out[j] = Index.ellipsis();
                } else if (s.contains(":")) {
                    String[] p = s.split(":", -1);
                    out[j] = Index.slice(p[0].isEmpty() ? null : Integer.valueOf(p[0]),
                            p[1].isEmpty() ? null : Integer.valueOf(p[1]), p[2].isEmpty() ? null : Integer.valueOf(p[2]));
                } else {
                    out[j] = Index.of(Integer.parseInt(s));
                }
            }
            return out;
        }
    }

    private static Tensor op(String name, Args a) {
        Tensor x = a.t(0);
        return switch (name) {
            case "muls" -> x.mul(a.d(1));
            case "adds" -> x.add(a.d(1));
            case "clone" -> x.clone();
            case "exp" -> x.exp();
            case "mul" -> x.mul(a.t(1));
            default -> throw new IllegalStateException("op " + name);
        };
    }

    private static Tensor view(String name, Args a) {
        Tensor x = a.t(0);
        return switch (name) {
            case "view" -> x.view(a.il(1));
            case "reshape" -> x.reshape(a.il(1));
            case "flatten" -> x.flatten(a.i(1), a.i(2));
            case "transpose" -> x.transpose(a.i(1), a.i(2));
            case "t" -> x.t();
            case "mT" -> x.mT();
            case "T" -> x.T();
            case "permute" -> x.permute(a.il(1));
            case "movedim" -> x.movedim(a.i(1), a.i(2));
            case "narrow" -> x.narrow(a.i(1), a.i(2), a.i(3));
            case "select" -> x.select(a.i(1), a.i(2));
            case "index" -> x.index(a.index(1));
            case "expand" -> x.expand(a.il(1));
            case "unsqueeze" -> x.unsqueeze(a.i(1));
            case "squeeze" -> x.squeeze(a.i(1));
            case "diagonal" -> x.diagonal(a.i(1), a.i(2), a.i(3));
            case "unfold" -> x.unfold(a.i(1), a.i(2), a.i(3));
            case "asstrided" -> x.asStrided(a.il(1), a.il(2), a.i(3));
            case "viewasreal" -> x.viewAsReal();
            case "viewascomplex" -> x.viewAsComplex();
            case "real" -> x.real();
            case "imag" -> x.imag();
            case "detach" -> x.detach();
            case "swapaxes" -> x.swapaxes(a.i(1), a.i(2));
            case "unflatten" -> x.unflatten(a.i(1), a.il(2));
            default -> throw new IllegalStateException("view " + name);
        };
    }

    private static Tensor inplace(String name, Args a) {
        Tensor x = a.t(0);
        return switch (name) {
            case "add_" -> x.add_(a.t(1));
            case "mul_" -> x.mul_(a.t(1));
            case "div_" -> x.div_(a.t(1));
            case "adds_" -> a.isInt(1) ? x.add_((long) a.i(1)) : x.add_(a.d(1));
            case "muls_" -> x.mul_(a.d(1));
            case "copy_" -> x.copy_(a.t(1));
            case "fill_" -> x.fill_(a.d(1));
            case "zero_" -> x.zero_();
            case "clamp_" -> a.isInt(1) ? x.clamp_((long) a.i(1), (long) a.i(2)) : x.clamp_(a.d(1), a.d(2));
            case "maskedfill_" -> x.maskedFill_(a.t(1), a.d(2));
            case "maskput_" -> x.indexPut_(new Index[] {Index.of(a.t(1))}, a.d(2), false);
            case "indexput_" -> x.indexPut_(new Index[] {Index.of(a.t(1))}, a.t(2), a.b(3));
            case "scatter_" -> x.scatter_(a.i(1), a.t(2), a.t(3));
            case "sigmoid_" -> x.sigmoid_();
            case "exp_" -> x.exp_();
            case "relu_" -> x.relu_();
            case "detach_" -> x.detach_();
            case "sub_" -> x.sub_(a.t(1));
            case "neg_" -> x.neg_();
            case "tanh_" -> x.tanh_();
            case "addcmul_" -> x.addcmul_(a.t(1), a.t(2), a.d(3));
            case "lerp_" -> x.lerp_(a.t(1), a.d(2));
            case "indexadd_" -> x.indexAdd_(a.i(1), a.t(2), a.t(3));
            case "indexfill_" -> x.indexFill_(a.i(1), a.t(2), a.d(3));
            case "indexcopy_" -> x.indexCopy_(a.i(1), a.t(2), a.t(3));
            case "maskedscatter_" -> x.maskedScatter_(a.t(1), a.t(2));
            case "t_" -> x.t_();
            case "transpose_" -> x.transpose_(a.i(1), a.i(2));
            case "unsqueeze_" -> x.unsqueeze_(a.i(1));
            case "squeeze_" -> x.squeeze_(a.i(1));
            default -> throw new IllegalStateException("in-place op " + name);
        };
    }

    // ------------------------------------------------------------------------------------------------ snapshots

    private String snap() {
        while (at < lines.size() && (lines.get(at).startsWith("= ") || lines.get(at).startsWith("g "))) {
            String line = lines.get(at++);
            String name = line.substring(2, line.indexOf(' ', 2));
            String rest = line.substring(3 + name.length());
            if (line.startsWith("g ")) {
                expectedGrad.put(name, rest);
            } else {
                expected.put(name, rest);
                expectedGrad.remove(name);
            }
        }
        List<String> problems = new ArrayList<>();
        for (String name : expected.keySet()) {
            if (!env.containsKey(name)) {
                problems.add(name + ": Ember has no such variable");
            }
        }
        for (Map.Entry<String, Tensor> e : env.entrySet()) {
            String name = e.getKey();
            Tensor t = e.getValue();
            String want = expected.get(name);
            if (want == null) {
                problems.add(name + ": PyTorch has no such variable");
                continue;
            }
            int bar = want.indexOf(" | ");
            String p = compare(name, t.detach(), want.substring(0, bar));
            if (p != null) {
                problems.add(p);
            }
            String flags = want.substring(bar + 3);
            if (flags.startsWith("! ")) {
                String msg = flags.substring(2);
                try {
                    Node fn = t.gradFn();
                    problems.add(name + ": PyTorch's grad_fn raises \"" + msg + "\", Ember's is " + fn);
                } catch (RuntimeException x) {
                    if (!msg.equals(firstLine(x.getMessage()))) {
                        problems.add(name + ": grad_fn raises \"" + msg + "\" in PyTorch, Ember " + x);
                    }
                }
                continue;
            }
            String ours;
            try {
                Node fn = t.gradFn();
                String ver;
                try {
                    ver = Integer.toString(t.version());
                } catch (RuntimeException x) {
                    ver = "-";
                }
                StringBuilder st = new StringBuilder();
                for (int s : t.stride()) {
                    st.append(st.length() == 0 ? "" : ",").append(s);
                }
                ours = "rg " + (t.requiresGrad() ? 1 : 0) + " leaf " + (t.isLeaf() ? 1 : 0) + " fn "
                        + (fn == null ? "-" : fn.name()) + " ver " + ver + " st " + st + " off " + t.storageOffset()
                        + " ctg " + (t.isContiguous() ? 1 : 0) + " ret " + (t.retainsGrad() ? 1 : 0);
            } catch (RuntimeException x) {
                problems.add(name + ": reading its flags throws " + x);
                continue;
            }
            if (flags.contains(" ver ? ")) {
                ours = ours.replaceFirst(" ver [^ ]+ ", " ver ? ");
            }
            if (flags.contains(" st ? ")) {
                ours = ours.replaceFirst(" st [^ ]* off ", " st ? off ").replaceFirst(" ctg [01] ", " ctg ? ");
            }
            if (flags.contains(" fn ? ") && !ours.contains(" fn - ")) {
                ours = ours.replaceFirst(" fn [^ ]+ ", " fn ? ");
            }
            if (!ours.equals(flags)) {
                problems.add(name + ": PyTorch " + flags + ", Ember " + ours);
            }
            String gline = expectedGrad.get(name);
            if (gline != null) {
                Tensor g = t.isLeaf() || t.retainsGrad() ? t.grad() : null;
                if (gline.equals("none") != (g == null)) {
                    problems.add(name + ".grad: PyTorch " + gline + ", Ember " + (g == null ? "none" : g.toString()));
                } else if (g != null) {
                    String q = compare(name + ".grad", g.detach(), gline);
                    if (q != null) {
                        problems.add(q);
                    }
                }
            }
        }
        return problems.isEmpty() ? null : String.join("; ", problems);
    }

    /**
     * {@code t} against PyTorch's tensor line: dtype and shape exactly, values within torch.testing.assert_close's
     * default tolerances (float64 rtol 1e-7, atol 1e-7; float32's, rtol 1.3e-6 and atol 1e-5, for every value of a
     * program whose leaf is float32), NaN equal to NaN, infinities exactly.
     */
    private String compare(String what, Tensor t, String text) {
        Tensor e = parse(text);
        if (t.dtype() != e.dtype() || !Arrays.equals(t.shape(), e.shape())) {
            return what + ": PyTorch " + e.dtype() + " " + Arrays.toString(e.shape()) + ", Ember " + t.dtype() + " "
                    + Arrays.toString(t.shape());
        }
        boolean f64 = (t.dtype() == DType.FLOAT64 || t.dtype() == DType.COMPLEX128) && !mixed;
        double rtol = f64 ? 1e-7 : 1.3e-6;
        double atol = f64 ? 1e-7 : 1e-5;
        double[] ev = values(e);
        double[] tv = values(t);
        for (int i = 0; i < ev.length; i++) {
            double x = tv[i];
            double y = ev[i];
            boolean ok = Double.isNaN(y) ? Double.isNaN(x)
                    : Double.isInfinite(y) ? x == y : Math.abs(x - y) <= atol + rtol * Math.abs(y);
            if (!ok) {
                return what + ": element " + i + " PyTorch " + y + ", Ember " + x + " (PyTorch " + text + ", Ember "
                        + Arrays.toString(tv) + ")";
            }
        }
        return null;
    }
}
