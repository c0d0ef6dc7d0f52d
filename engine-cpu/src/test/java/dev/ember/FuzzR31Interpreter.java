package dev.ember;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Replays one case of {@code differentialfuzzr31/cases.txt} (its generator, {@code make_cases.py}, describes the
 * lines): the input base (float64 ones require grad where the op is differentiable) seen through its view, the one call
 * (sorting, selecting, order statistics, searching, counting, the NaN-aware and corrected reductions) with its tensor
 * arguments, then every output (dtype, shape, values: bit for bit for the selecting ops, within the tolerance for the
 * computing ones; integers and indices exactly) and the first output's grad_fn name, or PyTorch's refusal with the base
 * unchanged, then the base's gradient for the upstream gradients of the differentiable outputs (bit for bit as the
 * values, but within the tolerance through an expanded view, where it is a sum over the copies).
 */
final class FuzzR31Interpreter {
    private FuzzR31Interpreter() {
    }

    /** Null where Ember does what PyTorch did, else what differs. */
    static String run(List<String> body) {
        String x = null;
        String view = null;
        String step = null;
        String err = null;
        String fn = null;
        String gx = null;
        String cmp = "bits";
        boolean rg = false;
        Map<String, Tensor> args = new HashMap<>();
        List<String> outs = new ArrayList<>();
        List<String> gs = new ArrayList<>();
        for (String line : body) {
            int sp = line.indexOf(' ');
            String key = sp < 0 ? line : line.substring(0, sp);
            String rest = sp < 0 ? "" : line.substring(sp + 1);
            switch (key) {
                case "x": x = rest; break;
                case "rg": rg = true; break;
                case "view": view = rest; break;
                case "a": {
                    int sp2 = rest.indexOf(' ');
                    args.put(rest.substring(0, sp2), DifferentialFuzzR17Test.tensor(rest.substring(sp2 + 1)));
                    break;
                }
                case "s": step = rest; break;
                case "err": err = rest; break;
                case "o": outs.add(rest); break;
                case "fn": fn = rest; break;
                case "g": gs.add(rest); break;
                case "gx": gx = rest; break;
                case "cmp": cmp = rest; break;
                default: throw new IllegalStateException("line " + line);
            }
        }
        Tensor base = DifferentialFuzzR17Test.tensor(x);
        if (rg) {
            base.requiresGrad_(true);
        }
        Tensor t = view == null ? base : FuzzCaseRunner.view(base, view);
        List<Tensor> got;
        try {
            got = call(step, t, args);
        } catch (RuntimeException e) {
            if (err == null) {
                return "PyTorch gives a result, Ember throws " + e;
            }
            String msg = e.getMessage() == null ? null : e.getMessage().split("\n", -1)[0];
            if (!err.equals(msg)) {
                return "message: PyTorch \"" + err + "\", Ember \"" + e.getMessage() + "\" ("
                        + e.getClass().getSimpleName() + ")";
            }
            return compare("the input after a refused call", DifferentialFuzzR17Test.tensor(x), base.detach(), true);
        }
        if (err != null) {
            return "PyTorch refuses (\"" + err + "\"), Ember gives " + got.size() + " outputs, the first "
                    + got.get(0).dtype() + Arrays.toString(got.get(0).shape());
        }
        if (got.size() != outs.size()) {
            return "outputs: PyTorch " + outs.size() + ", Ember " + got.size();
        }
        boolean bits = cmp.equals("bits");
        for (int i = 0; i < outs.size(); i++) {
            String r = compare("output " + i, DifferentialFuzzR17Test.tensor(outs.get(i)), got.get(i), bits);
            if (r != null) {
                return r;
            }
        }
        String node = got.get(0).gradFn() == null ? null : got.get(0).gradFn().name();
        if (fn == null ? node != null : !fn.equals(node)) {
            return "grad_fn: PyTorch " + fn + ", Ember " + node;
        }
        if (gs.isEmpty()) {
            return null;
        }
        Tensor loss = null;
        int k = 0;
        for (Tensor o : got) {
            if (o.requiresGrad()) {
                Tensor term = o.mul(DifferentialFuzzR17Test.tensor(gs.get(k++))).sum();
                loss = loss == null ? term : loss.add(term);
            }
        }
        if (k != gs.size()) {
            return "differentiable outputs: PyTorch " + gs.size() + ", Ember " + k;
        }
        loss.backward();
        if (gx.equals("none")) {
            return base.grad() == null ? null : "gradient: PyTorch none, Ember " + Arrays.toString(base.grad().shape());
        }
        // through an expanded view the base's gradient sums the copies' (grad / count for ties): a sum whose rounding
        // is the reduction's order, compared within the tolerance
        boolean expanded = view != null && view.contains("expand");
        return compare("gradient of the input", DifferentialFuzzR17Test.tensor(gx), base.grad(), bits && !expanded);
    }

    /** The call ({@code <op> [k=v ...]}) on {@code t}: its outputs in PyTorch's order. */
    private static List<Tensor> call(String text, Tensor t, Map<String, Tensor> a) {
        String[] w = text.split(" ");
        String op = w[0];
        Map<String, String> kw = new HashMap<>();
        for (int k = 1; k < w.length; k++) {
            int eq = w[k].indexOf('=');
            kw.put(w[k].substring(0, eq), w[k].substring(eq + 1));
        }
        Integer dim = integer(kw.get("dim"));
        boolean keepdim = "True".equals(kw.get("keepdim"));
        int[] dims = ints(kw.get("dims"));
        switch (op) {
            case "sort": {
                String st = kw.get("stable");
                boolean desc = bool(kw.get("desc"));
                return vi(st.equals("N") ? t.sort(dim, desc) : t.sort(dim, desc, bool(st)));
            }
            case "argsort": return List.of(t.argsort(dim, bool(kw.get("desc")), bool(kw.get("stable"))));
            case "msort": return List.of(t.msort());
            case "topk":
                return vi(t.topk(Integer.parseInt(kw.get("k")), dim, bool(kw.get("largest")), bool(kw.get("sorted"))));
            case "kthvalue": return vi(t.kthvalue(Integer.parseInt(kw.get("k")), dim, keepdim));
            case "median": return dim == null ? List.of(t.median()) : vi(t.median(dim, keepdim));
            case "nanmedian": return dim == null ? List.of(t.nanmedian()) : vi(t.nanmedian(dim, keepdim));
            case "max": return dim == null ? List.of(t.max()) : vi(t.max(dim, keepdim));
            case "min": return dim == null ? List.of(t.min()) : vi(t.min(dim, keepdim));
            case "mode": return vi(t.mode(dim, keepdim));
            case "amax": return List.of(t.amax(dims, keepdim));
            case "amin": return List.of(t.amin(dims, keepdim));
            case "nansum": return List.of(t.nansum(dims, keepdim));
            case "nanmean": return List.of(t.nanmean(dims, keepdim));
            case "count_nonzero": return List.of(dims == null ? t.countNonzero() : t.countNonzero(dims));
            case "var":
            case "std":
            case "var_mean":
            case "std_mean": return corrected(op, t, dims, kw.get("correction"), keepdim);
            case "aminmax": {
                Tensor.MinMax m = t.aminmax(dim, keepdim);
                return List.of(m.min(), m.max());
            }
            case "argmax": return List.of(dim == null ? t.argmax() : t.argmax(dim, keepdim));
            case "argmin": return List.of(dim == null ? t.argmin() : t.argmin(dim, keepdim));
            case "cummax": return vi(t.cummax(dim));
            case "cummin": return vi(t.cummin(dim));
            case "logcumsumexp": return List.of(t.logcumsumexp(dim));
            case "quantile":
            case "nanquantile": {
                boolean nan = op.equals("nanquantile");
                String interp = kw.get("interp");
                String q = kw.get("q");
                if (q.equals("T")) {
                    Tensor qt = a.get("q");
                    return List.of(nan ? t.nanquantile(qt, dim, keepdim, interp) : t.quantile(qt, dim, keepdim, interp));
                }
                double qd = PyTorchCases.numbers(q)[0];
                return List.of(nan ? t.nanquantile(qd, dim, keepdim, interp) : t.quantile(qd, dim, keepdim, interp));
            }
            case "unique":
            case "unique_consecutive": {
                boolean inv = bool(kw.get("inv"));
                boolean counts = bool(kw.get("counts"));
                UniqueResult u = op.equals("unique")
                        ? (dim == null ? t.unique(bool(kw.get("sorted")), inv, counts)
                        : t.unique(bool(kw.get("sorted")), inv, counts, dim))
                        : (dim == null ? t.uniqueConsecutive(inv, counts) : t.uniqueConsecutive(inv, counts, dim));
                List<Tensor> r = new ArrayList<>();
                r.add(u.values());
                if (inv) {
                    r.add(u.inverse());
                }
                if (counts) {
                    r.add(u.counts());
                }
                return r;
            }
            case "histc":
                return List.of(t.histc(Integer.parseInt(kw.get("bins")), PyTorchCases.numbers(kw.get("min"))[0],
                        PyTorchCases.numbers(kw.get("max"))[0]));
            case "searchsorted": {
                String side = kw.get("side").equals("N") ? null : kw.get("side");
                return List.of(Tensor.searchsorted(a.get("seq"), t, bool(kw.get("out_int32")), bool(kw.get("right")),
                        side, a.get("sorter")));
            }
            case "bucketize":
                return List.of(t.bucketize(a.get("bnd"), bool(kw.get("out_int32")), bool(kw.get("right"))));
            case "bincount": {
                int minlength = Integer.parseInt(kw.get("minlength"));
                return List.of(a.get("w") == null ? t.bincount(minlength) : t.bincount(a.get("w"), minlength));
            }
            default: throw new IllegalStateException("step " + text);
        }
    }

    /** var / std / var_mean / std_mean with PyTorch's correction keyword (N: the default 1; a float: 2.x's Scalar). */
    private static List<Tensor> corrected(String op, Tensor t, int[] dims, String correction, boolean keepdim) {
        boolean real = correction.contains(".");
        int c = correction.equals("N") ? 1 : real ? 0 : Integer.parseInt(correction);
        double cd = real ? Double.parseDouble(correction) : c;
        switch (op) {
            case "var": return List.of(real ? t.var(dims, cd, keepdim) : t.var(dims, c, keepdim));
            case "std": return List.of(real ? t.std(dims, cd, keepdim) : t.std(dims, c, keepdim));
            case "var_mean": {
                Tensor.VarMean m = real ? t.varMean(dims, cd, keepdim) : t.varMean(dims, c, keepdim);
                return List.of(m.var(), m.mean());
            }
            default: {
                Tensor.StdMean m = real ? t.stdMean(dims, cd, keepdim) : t.stdMean(dims, c, keepdim);
                return List.of(m.std(), m.mean());
            }
        }
    }

    private static List<Tensor> vi(Tensor.ValuesIndices r) {
        return List.of(r.values(), r.indices());
    }

    private static boolean bool(String v) {
        return v.equals("True");
    }

    private static Integer integer(String v) {
        return v == null || v.equals("N") ? null : Integer.valueOf(v);
    }

    /** A comma-separated list; null for None ({@code N}, absent), empty for {@code E}. */
    private static int[] ints(String v) {
        if (v == null || v.equals("N")) {
            return null;
        }
        if (v.equals("E")) {
            return new int[0];
        }
        return Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    /**
     * Null where {@code got} has the expected dtype, shape and values: integers and bools exactly; floating values bit
     * for bit (any NaN for NaN, -0.0 apart from 0.0) where {@code bits}, else within {@code tol * max(1, max |expected|)}
     * over the tensor (tol 1e-12 float64, 1e-5 float32, 2^-7 bfloat16, 2^-10 float16), infinities and NaN in place.
     */
    static String compare(String what, Tensor expected, Tensor got, boolean bits) {
        return compare(what, expected, got, bits, 1);
    }

    /** As {@link #compare(String, Tensor, Tensor, boolean)} with the tolerance times {@code factor}. */
    static String compare(String what, Tensor expected, Tensor got, boolean bits, double factor) {
        if (got == null) {
            return what + ": PyTorch " + expected.dtype() + Arrays.toString(expected.shape()) + ", Ember none";
        }
        String head = FuzzCaseRunner.compareTypeShapeAndIntegers(what, expected, got);
        if (head != null || !got.dtype().isFloatingPoint()) {
            return head;
        }
        double[] e = expected.toDoubleArray();
        double[] g = got.detach().toDoubleArray();
        double scale = 1;
        for (double v : e) {
            if (Double.isFinite(v)) {
                scale = Math.max(scale, Math.abs(v));
            }
        }
        DType dt = got.dtype();
        double tol = (dt == DType.FLOAT64 ? 1e-12 : dt == DType.FLOAT32 ? 1e-5 : dt == DType.BFLOAT16 ? 0x1p-7 : 0x1p-10)
                * scale * factor;
        for (int k = 0; k < e.length; k++) {
            boolean ok = Double.isNaN(e[k]) ? Double.isNaN(g[k])
                    : bits ? Double.compare(e[k], g[k]) == 0
                    : Double.isInfinite(e[k]) ? e[k] == g[k]
                    : Math.abs(e[k] - g[k]) <= tol;
            if (!ok) {
                return what + "[" + k + "]: PyTorch " + e[k] + ", Ember " + g[k] + (bits ? " (bits)" : " (tolerance "
                        + tol + ")") + ", " + e.length + " values: PyTorch " + brief(e) + ", Ember " + brief(g);
            }
        }
        return null;
    }

    private static String brief(double[] v) {
        return v.length <= 24 ? Arrays.toString(v) : Arrays.toString(Arrays.copyOf(v, 24)) + "...";
    }
}
