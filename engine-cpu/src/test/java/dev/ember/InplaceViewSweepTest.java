package dev.ember;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;


/**
 * In-place ops that write into views (and views of views) of tensors autograd records: values, gradients of every leaf,
 * grad_fn names of the base, the written view and an older view, and errors, against PyTorch
 * ({@code inplaceviews/make_expected.py}, which documents the procedure this test mirrors case by case).
 *
 * <p>Every mismatch is reported with a category tag, most harmful first: [VALUE]/[GRAD] (silently wrong numbers),
 * [MISSING-ERROR] (PyTorch refuses, Ember does not), [UNEXPECTED-ERROR] (Ember throws where PyTorch works, or at another
 * stage), [NODE] (grad_fn name), [WORDING] (same stage, different message).
 */
class InplaceViewSweepTest {
    private static final DType D = DType.FLOAT64;
    private static final double[] X = new double[12];

    static {
        for (int k = 0; k < 12; k++) {
            X[k] = ((5 * k) % 12 - 5.5) / 4;
        }
    }

    private interface DoubleOf {
        double at(int k);
    }

    private static int numel(int[] shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        return n;
    }

    private static Tensor seq(int[] shape, DoubleOf f) {
        double[] d = new double[numel(shape)];
        for (int k = 0; k < d.length; k++) {
            d[k] = f.at(k);
        }
        return Tensor.tensor(d, D).reshape(shape).clone(); // a fresh base, not a view of the flat data
    }

    private static Tensor w(int... shape) {
        return seq(shape, k -> (k % 7) * 0.25 + 0.5).requiresGrad_(true);
    }

    private static Tensor cb(int[] shape) {
        return seq(shape, k -> 1 + 0.5 * k);
    }

    private static Tensor cv(int[] shape) {
        return seq(shape, k -> 2 - 0.25 * k);
    }

    private static Tensor co(int[] shape) {
        return seq(shape, k -> 3.0 + k);
    }

    private static Tensor co2(int[] shape) {
        return seq(shape, k -> 1 - 0.5 * k);
    }

    private static Tensor mask(int[] shape) {
        boolean[] m = new boolean[numel(shape)];
        for (int k = 0; k < m.length; k++) {
            m[k] = k % 3 == 0;
        }
        return Tensor.tensor(m).reshape(shape).clone();
    }

    private static int maskCount(int[] shape) {
        int c = 0;
        for (int k = 0; k < numel(shape); k++) {
            if (k % 3 == 0) {
                c++;
            }
        }
        return c;
    }

    private static Tensor idx2(int n0) {
        return Tensor.tensor(n0 > 1 ? new long[] {n0 - 1, 0} : new long[] {0});
    }

    private static Tensor idx3(int n0) {
        return Tensor.tensor(new long[] {0, n0 - 1, 0});
    }

    private static int[] lead(int n, int[] shape) {
        int[] s = shape.clone();
        s[0] = n;
        return s;
    }

    /** Index tensor of shape (rows.length,) + shape[1:], row r holding rows[r]. */
    private static Tensor colidx(long[] rows, int[] shape) {
        int[] s = lead(rows.length, shape);
        int inner = numel(s) / rows.length;
        long[] d = new long[numel(s)];
        for (int r = 0; r < rows.length; r++) {
            for (int j = 0; j < inner; j++) {
                d[r * inner + j] = rows[r];
            }
        }
        return Tensor.tensor(d).reshape(s).clone();
    }

    private interface Op {
        /** Runs the write; returns the leaf it created, or null. */
        Tensor apply(Tensor b, Tensor v);
    }

    private static Tensor base(String kind, Tensor x) {
        switch (kind) {
            case "leafmul": return x.mul(1.0);
            case "clone": return x.clone();
            case "chain": return x.mul(2.0).add(1.0).mul(x);
            case "buffer": return Tensor.tensor(X, D).reshape(4, 3).clone();
            case "leaf": return x;
            default: throw new IllegalArgumentException(kind);
        }
    }

    private static Tensor view(String kind, Tensor b) {
        switch (kind) {
            case "self": return b;
            case "sel0": return b.select(0, 1);
            case "sel1": return b.select(1, 2);
            case "narrow": return b.narrow(0, 1, 2);
            case "narrow1": return b.narrow(1, 1, 2);
            case "step": return b.slice(0, 0, 4, 2);
            case "step1": return b.slice(1, 0, 3, 2);
            case "t": return b.t();
            case "perm": return b.unsqueeze(2).permute(1, 2, 0);
            case "diag": return b.diagonal();
            case "diagoff": return b.diagonal(1, 0, 1);
            case "unsq": return b.unsqueeze(0);
            case "sq": return b.unsqueeze(1).squeeze(1);
            case "view": return b.view(2, 6);
            case "reshape": return b.reshape(6, 2);
            case "vov": return b.narrow(0, 1, 3).select(1, 0);
            case "vov2": return b.t().narrow(0, 1, 2).slice(1, 0, 4, 2);
            case "vov3": return b.view(12).narrow(0, 2, 6).view(2, 3).t();
            case "idxview": return b.index(Index.of(1), Index.slice(1, null, null));
            case "advidx": return b.index(Index.of(Tensor.tensor(new long[] {2, 0})));
            case "expand": return b.narrow(0, 0, 1).expand(3, 3);
            case "split": return b.split(2, 0).get(1);
            case "unbind": return b.unbind(1).get(0);
            case "chunk": return b.chunk(2, 1).get(0);
            default: throw new IllegalArgumentException(kind);
        }
    }

    private static Op op(String kind) {
        switch (kind) {
            case "add_t": return (b, v) -> { Tensor w = w(v.shape()); v.add_(w); return w; };
            case "add_s": return (b, v) -> { v.add_(2.5); return null; };
            case "sub_ta": return (b, v) -> { Tensor w = w(v.shape()); v.sub_(w, 0.5); return w; };
            case "sub_s": return (b, v) -> { v.sub_(1.25); return null; };
            case "mul_t": return (b, v) -> { Tensor w = w(v.shape()); v.mul_(w); return w; };
            case "mul_s": return (b, v) -> { v.mul_(3.0); return null; };
            case "div_t": return (b, v) -> { Tensor w = w(v.shape()); v.div_(w); return w; };
            case "div_s": return (b, v) -> { v.div_(4.0); return null; };
            case "copy": return (b, v) -> { Tensor w = w(v.shape()); v.copy_(w); return w; };
            case "copy_bc": return (b, v) -> { Tensor w = w(v.size(-1)); v.copy_(w); return w; };
            case "fill": return (b, v) -> { v.fill_(7.0); return null; };
            case "zero": return (b, v) -> { v.zero_(); return null; };
            case "clamp": return (b, v) -> { v.clamp_(-0.5, 0.75); return null; };
            case "mfill": return (b, v) -> { v.maskedFill_(mask(v.shape()), 9.0); return null; };
            case "mfill_t": return (b, v) -> {
                Tensor w = Tensor.tensor(1.5, D).requiresGrad_(true);
                v.maskedFill_(mask(v.shape()), w);
                return w;
            };
            case "iput_mask": return (b, v) -> {
                Tensor w = w(maskCount(v.shape()));
                v.indexPut_(new Index[] {Index.of(mask(v.shape()))}, w, false);
                return w;
            };
            case "iput_acc": return (b, v) -> {
                Tensor w = w(lead(3, v.shape()));
                v.indexPut_(new Index[] {Index.of(idx3(v.size(0)))}, w, true);
                return w;
            };
            case "iput_val": return (b, v) -> {
                v.indexPut_(new Index[] {Index.of(idx2(v.size(0)))}, 5.0, false);
                return null;
            };
            case "scatter": return (b, v) -> {
                int n0 = v.size(0);
                Tensor i = colidx(n0 > 1 ? new long[] {n0 - 1, 0} : new long[] {0}, v.shape());
                Tensor w = w(i.shape());
                v.scatter_(0, i, w);
                return w;
            };
            case "scatter_s": return (b, v) -> {
                int n0 = v.size(0);
                v.scatter_(0, colidx(n0 > 1 ? new long[] {n0 - 1, 0} : new long[] {0}, v.shape()), 6.0);
                return null;
            };
            case "scatter_add": return (b, v) -> {
                int n0 = v.size(0);
                Tensor i = colidx(new long[] {0, n0 - 1, 0}, v.shape());
                Tensor w = w(i.shape());
                v.scatterAdd_(0, i, w);
                return w;
            };
            case "index_add": return (b, v) -> {
                Tensor w = w(lead(3, v.shape()));
                v.indexAdd_(0, idx3(v.size(0)), w, 2.0);
                return w;
            };
            case "index_copy": return (b, v) -> {
                Tensor i = idx2(v.size(0));
                Tensor w = w(lead(i.size(0), v.shape()));
                v.indexCopy_(0, i, w);
                return w;
            };
            case "index_fill": return (b, v) -> { v.indexFill_(0, idx2(v.size(0)), -3.0); return null; };
            case "seq": return (b, v) -> {
                Tensor w = w(v.shape());
                v.mul_(w);
                v.add_(0.5);
                v.clamp_(-1.0, 2.0);
                return w;
            };
            case "overlap": return (b, v) -> {
                Tensor w = w(v.shape());
                v.add_(w);
                b.select(1, 1).mul_(-2.0);
                v.sub_(0.25);
                return w;
            };
            case "overlap2": return (b, v) -> {
                Tensor w = w(2, 3);
                v.mul_(1.5);
                b.narrow(0, 1, 2).copy_(w);
                v.gradFn(); // as make_expected.py's op_overlap2 reads v.grad_fn (which may refuse) before the add_
                v.add_(1.0);
                return w;
            };
            default: throw new IllegalArgumentException(kind);
        }
    }

    private static Map<String, Map<String, String>> load() {
        Map<String, Map<String, String>> cases = new LinkedHashMap<>();
        try (InputStream in = InplaceViewSweepTest.class.getResourceAsStream("/inplaceviews/expected.txt")) {
            if (in == null) {
                throw new IllegalStateException("missing /inplaceviews/expected.txt");
            }
            Map<String, String> cur = null;
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith("=== ")) {
                    cur = new LinkedHashMap<>();
                    cases.put(line.substring(4), cur);
                } else if (!line.isBlank() && cur != null) {
                    int sp = line.indexOf(' ');
                    cur.put(line.substring(0, sp), line.substring(sp + 1));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return cases;
    }

    @TestFactory
    Stream<DynamicTest> sweep() {
        return load().entrySet().stream()
                .map(e -> DynamicTest.dynamicTest(e.getKey(), () -> runCase(e.getKey(), e.getValue())));
    }

    private static String fmt(Tensor t) {
        if (t == null) {
            return "None";
        }
        return Arrays.toString(t.detach().contiguous().toDoubleArray());
    }

    private static String name(Tensor t) {
        Node n = t.gradFn();
        return n == null ? "None" : n.name();
    }

    private static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return (nl < 0 ? m : m.substring(0, nl)).strip();
    }

    private static void numbers(List<String> problems, String tag, String what, String expected, String actual) {
        if (expected.equals("None") || actual.equals("None")) {
            if (!expected.equals(actual)) {
                problems.add(tag + " " + what + ": expected " + expected + " got " + actual);
            }
            return;
        }
        double[] e = PyTorchCases.numbers(expected);
        double[] a = PyTorchCases.numbers(actual);
        if (e.length != a.length) {
            problems.add(tag + " " + what + ": expected " + expected + " got " + actual);
            return;
        }
        for (int i = 0; i < e.length; i++) {
            double tol = 1e-6 * Math.max(1, Math.abs(e[i]));
            if (!(Math.abs(e[i] - a[i]) <= tol) && !(Double.isNaN(e[i]) && Double.isNaN(a[i]))) {
                problems.add(tag + " " + what + ": expected " + expected + " got " + actual);
                return;
            }
        }
    }

    private static void runCase(String key, Map<String, String> exp) {
        String[] parts = key.split("/");
        String mode = parts[3];
        List<String> problems = new ArrayList<>();
        Map<String, String> got = new LinkedHashMap<>();
        String stage = "setup";
        String errStage = null;
        String errMsg = null;
        Throwable err = null;
        try {
            Tensor x = Tensor.tensor(X, D).reshape(4, 3).clone().requiresGrad_(true);
            Tensor b = base(parts[0], x);
            Tensor old = b.narrow(0, 0, 2);
            Tensor old2 = b.t().select(0, 1);
            stage = "view";
            Tensor v = view(parts[1], b);
            stage = "write";
            Tensor w;
            if (mode.equals("nograd")) {
                try (GradMode off = Ember.noGrad()) {
                    w = op(parts[2]).apply(b, v);
                }
            } else {
                w = op(parts[2]).apply(b, v);
            }
            got.put("b", fmt(b));
            got.put("v", fmt(v));
            stage = "names";
            got.put("names", name(b) + " " + name(v) + " " + name(old) + " " + name(old2));
            stage = "backward_v";
            v.mul(cv(v.shape())).sum().backward(null, true);
            got.put("gv_x", fmt(x.grad()));
            got.put("gv_w", fmt(w == null ? null : w.grad()));
            x.setGrad(null);
            if (w != null) {
                w.setGrad(null);
            }
            stage = "backward";
            b.mul(cb(b.shape())).sum().add(old.mul(co(old.shape())).sum()).add(old2.mul(co2(old2.shape())).sum())
                    .add(v.mul(cv(v.shape())).sum()).backward();
            got.put("g_x", fmt(x.grad()));
            got.put("g_w", fmt(w == null ? null : w.grad()));
        } catch (Throwable e) {
            if (e instanceof AssertionError || e instanceof OutOfMemoryError) {
                throw (Error) e;
            }
            errStage = stage;
            errMsg = firstLine(e);
            err = e;
        }
        for (String field : new String[] {"b", "v"}) {
            if (exp.containsKey(field) && got.containsKey(field)) {
                numbers(problems, "[VALUE]", field, exp.get(field), got.get(field));
            }
        }
        for (String field : new String[] {"gv_x", "gv_w", "g_x", "g_w"}) {
            if (exp.containsKey(field) && got.containsKey(field)) {
                numbers(problems, "[GRAD]", field, exp.get(field), got.get(field));
            }
        }
        String expErr = exp.get("error");
        if (expErr != null) {
            int sp = expErr.indexOf(' ');
            String es = expErr.substring(0, sp);
            String em = expErr.substring(sp + 1);
            if (errStage == null) {
                problems.add("[MISSING-ERROR] PyTorch fails at " + es + ": " + em);
            } else if (!errStage.equals(es)) {
                problems.add((stageOrder(errStage) < stageOrder(es) ? "[UNEXPECTED-ERROR]" : "[MISSING-ERROR]")
                        + " PyTorch fails at " + es + " (" + em + "), Ember at " + errStage + " ("
                        + err.getClass().getSimpleName() + ": " + errMsg + ")");
            } else if (!errMsg.equals(em)) {
                problems.add("[WORDING] at " + es + ": expected <" + em + "> got <" + errMsg + "> ("
                        + err.getClass().getSimpleName() + ")");
            }
        } else if (errStage != null) {
            problems.add("[UNEXPECTED-ERROR] Ember fails at " + errStage + ": " + err.getClass().getSimpleName() + ": "
                    + errMsg);
        }
        if (exp.containsKey("names") && got.containsKey("names") && !exp.get("names").equals(got.get("names"))) {
            problems.add("[NODE] names (base view old old2): expected " + exp.get("names") + " got " + got.get("names"));
        }
        if (!problems.isEmpty()) {
            problems.sort((p, q) -> Integer.compare(rank(p), rank(q)));
            AssertionError ae = new AssertionError(key + ": " + String.join(" | ", problems));
            if (err != null) {
                ae.addSuppressed(err);
            }
            throw ae;
        }
    }

    private static int stageOrder(String s) {
        return List.of("setup", "view", "write", "names", "backward_v", "backward").indexOf(s);
    }

    private static int rank(String p) {
        String[] tags = {"[VALUE]", "[GRAD]", "[MISSING-ERROR]", "[UNEXPECTED-ERROR]", "[NODE]", "[WORDING]"};
        for (int i = 0; i < tags.length; i++) {
            if (p.startsWith(tags[i])) {
                return i;
            }
        }
        return tags.length;
    }
}
