package dev.ember;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Shape and view ops against PyTorch ({@code shapesweep/make_expected.py} documents the procedure, which this test
 * mirrors case by case; the case list is read from {@code expected.txt}): shape, strides, storage offset, values,
 * grad_fn names, whether the result is a view of the input (detected by writing into it), the gradient of
 * {@code sum(w * op(x))} and error messages.
 *
 * <p>Mismatches carry a tag, most harmful first: [VALUE]/[GRAD], [VIEW] (view where PyTorch copies or vice versa),
 * [STRIDE] (strides or storage offset), [MISSING-ERROR], [UNEXPECTED-ERROR], [NODE], [WORDING].
 */
class ShapeSweepTest {
    private static final DType D = DType.FLOAT64;
    private static final int END = Integer.MAX_VALUE;

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
        return Tensor.tensor(d, D).reshape(shape).clone();
    }

    private static double xval(int k) {
        return ((7 * k) % 19 - 9) / 4.0;
    }

    private static int[] baseShape(String input) {
        switch (input) {
            case "c3": return new int[] {2, 3, 4};
            case "p3": return new int[] {4, 3, 2};
            case "t3": return new int[] {2, 4, 3};
            case "s3": return new int[] {2, 7, 4};
            case "e3": return new int[] {1, 3, 1};
            case "c2": return new int[] {3, 4};
            case "t2": return new int[] {4, 3};
            case "s2": return new int[] {3, 9};
            case "e2": return new int[] {3, 1};
            case "c1": return new int[] {5};
            case "s1": return new int[] {11};
            case "z": return new int[] {};
            case "em": return new int[] {2, 0, 4};
            case "em1": return new int[] {0};
            case "q4": return new int[] {2, 1, 3, 1};
            case "qs4": return new int[] {2, 1, 6, 1};
            case "qe4": return new int[] {1, 1, 3, 1};
            case "c4": return new int[] {2, 2, 3, 2};
            case "p4": return new int[] {2, 3, 2, 2};
            case "m44": case "t44": return new int[] {4, 4};
            case "s44": return new int[] {4, 8};
            default: throw new IllegalArgumentException(input);
        }
    }

    private static Tensor inputView(String input, Tensor x) {
        switch (input) {
            case "p3": return x.permute(2, 1, 0);
            case "t3": return x.transpose(1, 2);
            case "s3": return x.slice(1, 1, END, 2);
            case "e3": return x.expand(2, 3, 4);
            case "t2": case "t44": return x.t();
            case "s2": return x.slice(1, 1, END, 2);
            case "e2": return x.expand(3, 4);
            case "s1": return x.slice(0, 1, END, 2);
            case "qs4": return x.slice(2, 0, END, 2);
            case "qe4": return x.expand(2, 1, 3, 1);
            case "p4": return x.permute(3, 0, 1, 2);
            case "s44": return x.slice(1, 0, END, 2);
            default: return x;
        }
    }

    // ---------------------------------------------------------------- args

    private static Object parseArg(String s) {
        if (s.startsWith("[")) {
            String body = s.substring(1, s.length() - 1);
            if (body.isEmpty()) {
                return new int[0];
            }
            return Arrays.stream(body.split(",")).mapToInt(Integer::parseInt).toArray();
        }
        if (s.equals("N")) {
            return null;
        }
        if (s.matches("-?\\d+")) {
            return Integer.parseInt(s);
        }
        if (s.matches("-?\\d+\\.\\d+")) {
            return Double.parseDouble(s);
        }
        return s;
    }

    private static int i(Object[] a, int k) {
        return (Integer) a[k];
    }

    private static int[] l(Object[] a, int k) {
        return (int[]) a[k];
    }

    private static long[] longs(int[] v) {
        return Arrays.stream(v).asLongStream().toArray();
    }

    private static Object apply(String op, Tensor t, Object[] a) {
        switch (op) {
            case "view": return t.view(l(a, 0));
            case "reshape": return t.reshape(l(a, 0));
            case "viewAs": return t.viewAs(Tensor.zeros(D, l(a, 0)));
            case "flatten": return a.length == 0 ? t.flatten() : t.flatten(i(a, 0), i(a, 1));
            case "unflatten": return t.unflatten(i(a, 0), l(a, 1));
            case "permute": return t.permute(l(a, 0));
            case "transpose": return t.transpose(i(a, 0), i(a, 1));
            case "t": return t.t();
            case "mT": return t.mT();
            case "T": return t.T();
            case "movedim":
                return a[0] instanceof Integer ? t.movedim(i(a, 0), i(a, 1)) : t.movedim(l(a, 0), l(a, 1));
            case "squeeze": return a.length == 0 ? t.squeeze() : t.squeeze(i(a, 0));
            case "unsqueeze": return t.unsqueeze(i(a, 0));
            case "expand": return t.expand(l(a, 0));
            case "expandAs": return t.expandAs(Tensor.zeros(D, l(a, 0)));
            case "broadcastTo": return t.broadcastTo(l(a, 0));
            case "repeat": return t.repeat(l(a, 0));
            case "tile": return t.tile(l(a, 0));
            case "repeatInterleave": return t.repeatInterleave(i(a, 0), (Integer) a[1]);
            case "repeatInterleaveT":
                return t.repeatInterleave(Tensor.tensor(longs(l(a, 0))), (Integer) a[1], null);
            case "flip": return t.flip(l(a, 0));
            case "roll":
                if (a.length == 1) {
                    return t.roll(i(a, 0));
                }
                return a[0] instanceof Integer ? t.roll(i(a, 0), i(a, 1)) : t.roll(l(a, 0), l(a, 1));
            case "narrow": return t.narrow(i(a, 0), i(a, 1), i(a, 2));
            case "select": return t.select(i(a, 0), i(a, 1));
            case "slice": return t.slice(i(a, 0), i(a, 1), a[2] == null ? END : i(a, 2), i(a, 3));
            case "split": return t.split(i(a, 0), i(a, 1));
            case "chunk": return t.chunk(i(a, 0), i(a, 1));
            case "tensorSplit":
                return a[0] instanceof Integer ? t.tensorSplit(i(a, 0), i(a, 1)) : t.tensorSplit(l(a, 0), i(a, 1));
            case "unbind": return t.unbind(i(a, 0));
            case "cat": return Tensor.cat(List.of(t, t.mul(2.0)), i(a, 0));
            case "cat3": return Tensor.cat(List.of(t, t.narrow(i(a, 0), 0, 1), t.mul(3.0)), i(a, 0));
            case "catLegacyEmpty": return Tensor.cat(List.of(t, Tensor.empty(D, 0)), i(a, 0));
            case "catMismatch": return Tensor.cat(List.of(t, t.narrow(i(a, 1), 0, 1)), i(a, 0));
            case "catEmptyList": return Tensor.cat(List.of(), 0);
            case "catScalar": return Tensor.cat(List.of(t, t), 0);
            case "stack": return Tensor.stack(List.of(t, t.mul(2.0)), i(a, 0));
            case "stackMismatch": return Tensor.stack(List.of(t, t.narrow(0, 0, 1)), i(a, 0));
            case "stackEmptyList": return Tensor.stack(List.of(), 0);
            case "tril": return t.tril(i(a, 0));
            case "triu": return t.triu(i(a, 0));
            case "diagonal": return t.diagonal(i(a, 0), i(a, 1), i(a, 2));
            case "diagEmbed": return t.diagEmbed(i(a, 0), i(a, 1), i(a, 2));
            case "diag": return t.diag(i(a, 0));
            case "trace": return t.trace();
            case "contiguous": return t.contiguous();
            case "clone": return t.clone();
            case "pad": return t.padNd(l(a, 0), (String) a[1], (Double) a[2]);
            case "meshgrid": return Tensor.meshgrid(List.of(t, t.mul(2.0).slice(0, 0, 3, 1)), (String) a[0]);
            case "meshgrid3":
                return Tensor.meshgrid(List.of(t, t.mul(2.0).slice(0, 0, 3, 1), t.mul(3.0).slice(0, 0, 2, 1)),
                        (String) a[0]);
            case "swapaxes": return t.swapaxes(i(a, 0), i(a, 1));
            case "moveaxis": return t.moveaxis(i(a, 0), i(a, 1));
            case "squeezeL": return t.squeeze(l(a, 0));
            case "hstack": return Tensor.hstack(List.of(t, t.mul(2.0)));
            case "vstack": return Tensor.vstack(List.of(t, t.mul(2.0)));
            case "dstack": return Tensor.dstack(List.of(t, t.mul(2.0)));
            case "swapdims": return t.swapdims(i(a, 0), i(a, 1));
            case "rowStack": return Tensor.rowStack(List.of(t, t.mul(2.0)));
            case "columnStack": return Tensor.columnStack(List.of(t, t.mul(2.0)));
            case "atleast1d": return t.atleast1d();
            case "atleast2d": return t.atleast2d();
            case "atleast3d": return t.atleast3d();
            case "rot90": return t.rot90(i(a, 0), l(a, 1));
            case "fliplr": return t.fliplr();
            case "flipud": return t.flipud();
            case "diff": return t.diff(i(a, 0), i(a, 1), null, null);
            case "diffPA":
                return t.diff(i(a, 0), i(a, 1), t.narrow(i(a, 1), 0, 1).mul(3.0), t.narrow(i(a, 1), 0, 2).mul(5.0));
            case "diffBad": return t.diff(1, i(a, 0), Tensor.zeros(D, l(a, 1)), null);
            case "blockDiag":
                return Tensor.blockDiag(List.of(t, t.reshape(-1).slice(0, 0, 2, 1).mul(2.0), t.reshape(-1).select(0, 0)
                        .mul(3.0)));
            case "cartesianProd":
                return a.length == 0 ? Tensor.cartesianProd(List.of(t))
                        : Tensor.cartesianProd(List.of(t, t.slice(0, 0, 2, 1).mul(2.0)));
            case "combinations": return t.combinations(i(a, 0), i(a, 1) == 1);
            case "triuIndices": return Tensor.triuIndices(i(a, 0), i(a, 1), i(a, 2));
            case "trilIndices": return Tensor.trilIndices(i(a, 0), i(a, 1), i(a, 2));
            case "unfold": return t.unfold(i(a, 0), i(a, 1), i(a, 2));
            case "asStrided": return t.asStrided(l(a, 0), l(a, 1), i(a, 2));
            default: throw new IllegalArgumentException("unknown op " + op);
        }
    }

    // ---------------------------------------------------------------- running a case

    private static String ints(int[] v) {
        StringBuilder sb = new StringBuilder("[");
        for (int k = 0; k < v.length; k++) {
            sb.append(k > 0 ? "," : "").append(v[k]);
        }
        return sb.append(']').toString();
    }

    private static String doubles(double[] v) {
        StringBuilder sb = new StringBuilder("[");
        for (int k = 0; k < v.length; k++) {
            sb.append(k > 0 ? "," : "").append(v[k]);
        }
        return sb.append(']').toString();
    }

    private static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage()).strip();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    @SuppressWarnings("unchecked")
    static List<String> run(String input, String op, Object[] args) {
        Tensor x = seq(baseShape(input), ShapeSweepTest::xval).requiresGrad_(true);
        List<String> lines = new ArrayList<>();
        List<Tensor> outs;
        try {
            Tensor t = inputView(input, x);
            Object out = apply(op, t, args);
            outs = out instanceof Tensor ? List.of((Tensor) out) : (List<Tensor>) out;
        } catch (RuntimeException e) {
            lines.add("error " + firstLine(e));
            return lines;
        }
        for (int k = 0; k < outs.size(); k++) {
            Tensor o = outs.get(k);
            String fn = o.gradFn() == null ? "None" : o.gradFn().name();
            lines.add("out" + k + " shape=" + ints(o.shape()) + " stride=" + ints(o.stride()) + " off="
                    + o.storageOffset() + " fn=" + fn);
            lines.add("val" + k + " " + doubles(o.toDoubleArray()));
        }
        Tensor loss = null;
        for (int k = 0; k < outs.size(); k++) {
            Tensor o = outs.get(k);
            if (o.requiresGrad()) {
                final int kk = k;
                Tensor w = seq(o.shape(), j -> 1 + 0.5 * ((3 * j + kk) % 11));
                Tensor term = o.mul(w).sum();
                loss = loss == null ? term : loss.add(term);
            }
        }
        if (loss != null) {
            try {
                loss.backward();
                lines.add("grad " + (x.grad() == null ? "none" : doubles(x.grad().toDoubleArray())));
            } catch (RuntimeException e) {
                lines.add("grad error " + firstLine(e));
            }
        } else {
            lines.add("grad none");
        }
        StringBuilder views = new StringBuilder("view");
        for (int k = 0; k < outs.size(); k++) {
            Tensor o = outs.get(k);
            if (o.numel() == 0) {
                views.append(" -");
                continue;
            }
            double[] before = x.detach().toDoubleArray();
            try (GradMode g = Ember.noGrad()) {
                o.detach().fill_(1000 + k);
                views.append(Arrays.equals(before, x.detach().toDoubleArray()) ? " 0" : " 1");
            } catch (RuntimeException e) {
                views.append(" E(").append(firstLine(e)).append(')');
            }
        }
        lines.add(views.toString());
        return lines;
    }

    // ---------------------------------------------------------------- comparing

    private static double[] parseDoubles(String s) {
        String body = s.substring(s.indexOf('[') + 1, s.lastIndexOf(']'));
        if (body.isEmpty()) {
            return new double[0];
        }
        return Arrays.stream(body.split(",")).mapToDouble(Double::parseDouble).toArray();
    }

    private static boolean close(double[] a, double[] b) {
        if (a.length != b.length) {
            return false;
        }
        for (int k = 0; k < a.length; k++) {
            if (Math.abs(a[k] - b[k]) > 1e-9 * Math.max(1, Math.abs(b[k]))) {
                return false;
            }
        }
        return true;
    }

    private static String field(String line, String key) {
        for (String tok : line.split(" ")) {
            if (tok.startsWith(key + "=")) {
                return tok.substring(key.length() + 1);
            }
        }
        return null;
    }

    static List<String> compare(List<String> want, List<String> got) {
        List<String> bad = new ArrayList<>();
        boolean wantErr = want.get(0).startsWith("error ");
        boolean gotErr = got.get(0).startsWith("error ");
        if (wantErr || gotErr) {
            if (wantErr && !gotErr) {
                bad.add("[MISSING-ERROR] PyTorch: " + want.get(0) + " | Ember: " + String.join(" / ", got));
            } else if (!wantErr) {
                bad.add("[UNEXPECTED-ERROR] Ember: " + got.get(0) + " | PyTorch: " + String.join(" / ", want));
            } else if (!want.get(0).equals(got.get(0))) {
                bad.add("[WORDING] PyTorch: " + want.get(0) + " | Ember: " + got.get(0));
            }
            return bad;
        }
        int nWant = (int) want.stream().filter(s -> s.startsWith("out")).count();
        int nGot = (int) got.stream().filter(s -> s.startsWith("out")).count();
        if (nWant != nGot) {
            bad.add("[VALUE] number of outputs: PyTorch " + nWant + ", Ember " + nGot);
            return bad;
        }
        String wantView = want.get(want.size() - 1);
        String gotView = got.get(got.size() - 1);
        String[] wv = wantView.split(" ");
        for (int k = 0; k < nWant; k++) {
            String wo = want.get(2 * k);
            String go = got.get(2 * k);
            if (!field(wo, "shape").equals(field(go, "shape"))) {
                bad.add("[VALUE] out" + k + " shape: PyTorch " + field(wo, "shape") + ", Ember " + field(go, "shape"));
                continue;
            }
            if (!close(parseDoubles(want.get(2 * k + 1)), parseDoubles(got.get(2 * k + 1)))) {
                bad.add("[VALUE] out" + k + ": PyTorch " + want.get(2 * k + 1) + " | Ember " + got.get(2 * k + 1));
            }
            String wview = wv.length > k + 1 ? wv[k + 1] : "?";
            String gview = gotView.split(" ").length > k + 1 ? gotView.split(" ")[k + 1] : "?";
            if (!wview.equals(gview)) {
                bad.add("[VIEW] out" + k + ": PyTorch " + (wview.equals("1") ? "view" : "copy") + ", Ember "
                        + (gview.equals("1") ? "view" : gview.equals("0") ? "copy" : gview));
            }
            boolean strideOk = field(wo, "stride").equals(field(go, "stride"));
            boolean offOk = field(wo, "off").equals(field(go, "off"));
            // two known differences, neither reaching a value: Ember's copies (clone, a negative pad) are
            // row-major where PyTorch's empty_like keeps a permuted input's memory order, and an empty view's storage
            // offset is where Ember's slicing leaves it, not PyTorch's start * stride (no element is ever read there)
            boolean copy = !wview.equals("1") && !wview.equals("-");
            if (copy && offOk && field(go, "stride").equals(rowMajor(field(wo, "shape")))) {
                strideOk = true;
            }
            if (wview.equals("-") && strideOk) {
                offOk = true;
            }
            if (!strideOk || !offOk) {
                bad.add("[STRIDE] out" + k + (wview.equals("1") ? " (a view)" : wview.equals("-") ? " (empty)" : " (a copy)") + ": PyTorch stride "
                        + field(wo, "stride") + " off " + field(wo, "off") + ", Ember stride " + field(go, "stride")
                        + " off " + field(go, "off"));
            }
            if (!field(wo, "fn").equals(field(go, "fn"))) {
                bad.add("[NODE] out" + k + ": PyTorch " + field(wo, "fn") + ", Ember " + field(go, "fn"));
            }
        }
        String wg = want.get(2 * nWant);
        String gg = got.get(2 * nWant);
        if (wg.startsWith("grad [") && gg.startsWith("grad [")) {
            if (!close(parseDoubles(wg), parseDoubles(gg))) {
                bad.add("[GRAD] PyTorch " + wg + " | Ember " + gg);
            }
        } else if (!wg.equals(gg)) {
            bad.add("[GRAD] PyTorch " + wg + " | Ember " + gg);
        }
        bad.sort((p, q) -> Integer.compare(rank(p), rank(q)));
        return bad;
    }

    /** The row-major strides of a shape written as "[2,3,4]", in the same form. */
    private static String rowMajor(String shape) {
        String inner = shape.replaceAll("[\\[\\] ]", "");
        if (inner.isEmpty()) {
            return "[]";
        }
        String[] parts = inner.split(",");
        long[] st = new long[parts.length];
        long acc = 1;
        for (int i = parts.length - 1; i >= 0; i--) {
            st[i] = acc;
            acc *= Math.max(1, Long.parseLong(parts[i]));
        }
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < st.length; i++) {
            b.append(i > 0 ? "," : "").append(st[i]);
        }
        return b.append(']').toString();
    }

    private static final List<String> ORDER = List.of("[VALUE]", "[GRAD]", "[VIEW]", "[STRIDE]", "[MISSING-ERROR]",
            "[UNEXPECTED-ERROR]", "[NODE]", "[WORDING]");

    private static int rank(String s) {
        for (int k = 0; k < ORDER.size(); k++) {
            if (s.startsWith(ORDER.get(k))) {
                return k;
            }
        }
        return ORDER.size();
    }

    // ---------------------------------------------------------------- cases

    private record Case(String header, String input, String op, Object[] args, List<String> expected) {
    }

    private static List<Case> cases() {
        String text;
        try (InputStream in = ShapeSweepTest.class.getResourceAsStream("/shapesweep/expected.txt")) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Case> out = new ArrayList<>();
        String header = null;
        List<String> lines = null;
        for (String line : (text + "\n=== end").split("\n")) {
            if (line.startsWith("=== ")) {
                if (header != null) {
                    String[] tok = header.split(" ");
                    Object[] args = new Object[tok.length - 3];
                    for (int k = 3; k < tok.length; k++) {
                        args[k - 3] = parseArg(tok[k]);
                    }
                    out.add(new Case(header, tok[1], tok[2], args, lines));
                }
                header = line.substring(4);
                lines = new ArrayList<>();
            } else if (!line.isEmpty()) {
                lines.add(line);
            }
        }
        return out;
    }

    @TestFactory
    Stream<DynamicTest> sweep() {
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.header(), () -> {
            List<String> got = run(c.input(), c.op(), c.args());
            List<String> bad = compare(c.expected(), got);
            if (!bad.isEmpty()) {
                fail(c.header() + " :: " + String.join(" ;; ", bad));
            }
        }));
    }
}
