package dev.ember;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Replays one case of {@code differentialfuzzr29/cases.txt} (its generator, {@code make_cases.py}, describes the lines):
 * the input base (float64 and complex128 ones require grad, others with an {@code rg} line) seen through its view, then
 * each step (a {@link Fft} transform, fftshift / ifftshift, conj, real, or fftfreq / rfftfreq without an input) on the
 * previous result, then the last result and its grad_fn's name, or PyTorch's refusal at the same step with the base
 * unchanged, then the base's gradient for the case's upstream gradient (a {@code gg} case: made with create_graph, then
 * its own backward into the upstream gradient; a {@code func} case: the step under {@code Func.vmap} or {@code Func.jvp}).
 * Dtypes and shapes exactly; values within {@code tol * max(1, max |expected|)} over the tensor, tol 1e-12 for float64
 * and complex128, 1e-5 for float32 and complex64.
 */
final class FuzzR29Interpreter {
    private FuzzR29Interpreter() {
    }

    /** Null where Ember does what PyTorch did, else what differs. */
    static String run(List<String> body) {
        String x = null;
        String view = null;
        String err = null;
        String out = null;
        String go = null;
        String gx = null;
        String fn = null;
        String v = null;
        String ggo = null;
        boolean rg = false;
        String fx = null;
        String tangent = null;
        String jv = null;
        List<String> steps = new ArrayList<>();
        for (String line : body) {
            int sp = line.indexOf(' ');
            String key = sp < 0 ? line : line.substring(0, sp);
            String rest = sp < 0 ? "" : line.substring(sp + 1);
            switch (key) {
                case "x": x = rest; break;
                case "view": view = rest; break;
                case "s": steps.add(rest); break;
                case "err": err = rest; break;
                case "out": out = rest; break;
                case "go": go = rest; break;
                case "gx": gx = rest; break;
                case "fn": fn = rest; break;
                case "v": v = rest; break;
                case "ggo": ggo = rest; break;
                case "rg": rg = true; break;
                case "fx": fx = rest; break;
                case "t": tangent = rest; break;
                case "jv": jv = rest; break;
                default: throw new IllegalStateException("line " + line);
            }
        }
        Tensor base = x == null ? null : DifferentialFuzzR17Test.tensor(x);
        if (fx != null) {
            return func(fx, base, x, tangent, steps.get(0), err, out, jv);
        }
        if (base != null && (rg || base.dtype() == DType.FLOAT64 || base.dtype() == DType.COMPLEX128)) {
            base.requiresGrad_(true);
        }
        Tensor t = base == null || view == null ? base : FuzzCaseRunner.view(base, view);
        int errStep = err == null ? -1 : Integer.parseInt(err.substring(0, err.indexOf(' ')));
        String errText = err == null ? null : err.substring(err.indexOf(' ') + 1);
        for (int i = 0; i < steps.size(); i++) {
            java.util.function.UnaryOperator<Tensor> call = step(steps.get(i));
            try {
                t = call.apply(t);
            } catch (RuntimeException e) {
                if (errStep != i) {
                    return "step " + i + " (" + steps.get(i) + "): PyTorch " + (err == null ? "gives a result"
                            : "refuses at step " + errStep) + ", Ember throws " + e;
                }
                String got = e.getMessage() == null ? null : e.getMessage().split("\n", -1)[0];
                if (!errText.equals(got)) {
                    return "message: PyTorch \"" + errText + "\", Ember \"" + e.getMessage() + "\" ("
                            + e.getClass().getSimpleName() + ")";
                }
                if (base != null && compare("", DifferentialFuzzR17Test.tensor(x), base.detach(), -1) != null) {
                    return "the input changed by a refused call";
                }
                return null;
            }
            if (errStep == i) {
                return "step " + i + " (" + steps.get(i) + "): PyTorch refuses (\"" + errText + "\"), Ember gives "
                        + t.dtype() + Arrays.toString(t.shape());
            }
        }
        String r = compare("out", DifferentialFuzzR17Test.tensor(out), t, 0);
        if (r != null) {
            return r;
        }
        String node = t.gradFn() == null ? null : t.gradFn().name();
        if (fn == null ? node != null : !fn.equals(node)) {
            return "grad_fn: PyTorch " + fn + ", Ember " + node;
        }
        if (go == null) {
            return null;
        }
        Tensor upstream = DifferentialFuzzR17Test.tensor(go);
        if (v == null) {
            t.backward(upstream);
            return compare("gradient of the input", DifferentialFuzzR17Test.tensor(gx), base.grad(), 0);
        }
        // the double backward: the gradient made with create_graph, then its backward into the upstream gradient
        upstream.requiresGrad_(true);
        Tensor g = Autograd.grad(List.of(t), List.of(base), List.of(upstream), true, true, false).get(0);
        r = compare("gradient of the input", DifferentialFuzzR17Test.tensor(gx), g, 0);
        if (r != null) {
            return r;
        }
        g.backward(DifferentialFuzzR17Test.tensor(v));
        return compare("gradient of the upstream gradient", DifferentialFuzzR17Test.tensor(ggo), upstream.grad(), 0);
    }

    /**
     * A func case: the step under {@code Func.vmap} over the base's batch dim ({@code vmap <in_dim>}, out_dims 0) or
     * {@code Func.jvp} with the tangent ({@code jvp}): the result (and the tangent's image), or PyTorch's refusal.
     */
    private static String func(String fx, Tensor base, String x, String tangent, String step, String err, String out,
                               String jv) {
        java.util.function.UnaryOperator<Tensor> call = step(step);
        Tensor got;
        Tensor gotJv = null;
        try {
            if (fx.startsWith("vmap")) {
                int bdim = Integer.parseInt(fx.substring(5));
                got = Func.vmap(a -> call.apply(a[0]), new Integer[] {bdim}, 0).apply(base);
            } else {
                Func.JvpOut o = Func.jvp(a -> call.apply(a[0]), new Tensor[] {base},
                        new Tensor[] {DifferentialFuzzR17Test.tensor(tangent)});
                got = o.output();
                gotJv = o.jvp();
            }
        } catch (RuntimeException e) {
            if (err == null) {
                return fx + ": PyTorch gives a result, Ember throws " + e;
            }
            String want = err.substring(err.indexOf(' ') + 1);
            String msg = e.getMessage() == null ? null : e.getMessage().split("\n", -1)[0];
            return want.equals(msg) ? null : "message: PyTorch \"" + want + "\", Ember \"" + e.getMessage() + "\"";
        }
        if (err != null) {
            return fx + ": PyTorch refuses (\"" + err + "\"), Ember gives " + got.dtype() + Arrays.toString(got.shape());
        }
        String r = compare("out", DifferentialFuzzR17Test.tensor(out), got, 0);
        return r != null || jv == null ? r : compare("jvp", DifferentialFuzzR17Test.tensor(jv), gotJv, 0);
    }

    /** One step ({@code <op> [k=v ...]}), its arguments parsed (a harness error here is no refusal). */
    private static java.util.function.UnaryOperator<Tensor> step(String text) {
        String[] w = text.split(" ");
        String op = w[0];
        Map<String, String> kw = new HashMap<>();
        for (int k = 1; k < w.length; k++) {
            int eq = w[k].indexOf('=');
            kw.put(w[k].substring(0, eq), w[k].substring(eq + 1));
        }
        String norm = kw.get("norm") == null || kw.get("norm").equals("N") ? null : kw.get("norm");
        Integer n = kw.get("n") == null || kw.get("n").equals("N") ? null : Integer.valueOf(kw.get("n"));
        boolean oneDim = Arrays.asList("fft", "ifft", "rfft", "irfft", "hfft", "ihfft").contains(op);
        int dim1 = !oneDim || kw.get("dim") == null ? -1 : Integer.parseInt(kw.get("dim"));
        int[] s = ints(kw.get("s"));
        int[] dim = oneDim ? null : ints(kw.get("dim"));
        switch (op) {
            case "fft": return t -> Fft.fft(t, n, dim1, norm);
            case "ifft": return t -> Fft.ifft(t, n, dim1, norm);
            case "rfft": return t -> Fft.rfft(t, n, dim1, norm);
            case "irfft": return t -> Fft.irfft(t, n, dim1, norm);
            case "hfft": return t -> Fft.hfft(t, n, dim1, norm);
            case "ihfft": return t -> Fft.ihfft(t, n, dim1, norm);
            case "fft2": return t -> Fft.fft2(t, s, dim, norm);
            case "ifft2": return t -> Fft.ifft2(t, s, dim, norm);
            case "rfft2": return t -> Fft.rfft2(t, s, dim, norm);
            case "irfft2": return t -> Fft.irfft2(t, s, dim, norm);
            case "hfft2": return t -> Fft.hfft2(t, s, dim, norm);
            case "ihfft2": return t -> Fft.ihfft2(t, s, dim, norm);
            case "fftn": return t -> Fft.fftn(t, s, dim, norm);
            case "ifftn": return t -> Fft.ifftn(t, s, dim, norm);
            case "rfftn": return t -> Fft.rfftn(t, s, dim, norm);
            case "irfftn": return t -> Fft.irfftn(t, s, dim, norm);
            case "hfftn": return t -> Fft.hfftn(t, s, dim, norm);
            case "ihfftn": return t -> Fft.ihfftn(t, s, dim, norm);
            case "fftshift": return t -> dim == null ? Fft.fftshift(t) : Fft.fftshift(t, dim);
            case "ifftshift": return t -> dim == null ? Fft.ifftshift(t) : Fft.ifftshift(t, dim);
            case "conj": return t -> t.conj();
            case "real": return t -> t.real();
            case "fftfreq":
            case "rfftfreq": {
                int points = Integer.parseInt(kw.get("n"));
                double d = PyTorchCases.numbers(kw.get("d"))[0];
                DType dt = kw.get("dtype").equals("N") ? null
                        : kw.get("dtype").equals("float32") ? DType.FLOAT32 : DType.FLOAT64;
                return t -> op.equals("fftfreq") ? Fft.fftfreq(points, d, dt, Device.CPU)
                        : Fft.rfftfreq(points, d, dt, Device.CPU);
            }
            default: throw new IllegalStateException("step " + text);
        }
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
     * Null where {@code got} has the expected dtype, shape and values: floating and complex values within
     * {@code tol * max(1, max |expected|)} (tol 1e-12 for float64 and complex128, 1e-5 for float32 and complex64),
     * integers exactly; {@code exact} negative: equal values.
     */
    private static String compare(String what, Tensor expected, Tensor got, int exact) {
        if (got == null) {
            return what + ": PyTorch " + expected.dtype() + Arrays.toString(expected.shape()) + ", Ember none";
        }
        if (expected.dtype() != got.dtype() || !Arrays.equals(expected.shape(), got.shape())) {
            return what + ": PyTorch " + expected.dtype() + Arrays.toString(expected.shape()) + ", Ember " + got.dtype()
                    + Arrays.toString(got.shape());
        }
        if (!got.dtype().isFloatingPoint() && !got.dtype().isComplex()) {
            long[] e = expected.toLongArray();
            long[] g = got.detach().toLongArray();
            return Arrays.equals(e, g) ? null : what + ": PyTorch " + Arrays.toString(e) + ", Ember " + Arrays.toString(g);
        }
        double[] e = parts(expected);
        double[] g = parts(got.detach());
        double scale = 1;
        for (double v : e) {
            if (Double.isFinite(v)) {
                scale = Math.max(scale, Math.abs(v));
            }
        }
        double tol = (got.dtype() == DType.FLOAT64 || got.dtype() == DType.COMPLEX128 ? 1e-12 : 1e-5) * scale;
        for (int k = 0; k < e.length; k++) {
            boolean ok = exact < 0 ? Double.compare(e[k], g[k]) == 0 || (Double.isNaN(e[k]) && Double.isNaN(g[k]))
                    : Double.isNaN(e[k]) ? Double.isNaN(g[k])
                    : Double.isInfinite(e[k]) ? e[k] == g[k]
                    : Math.abs(e[k] - g[k]) <= tol;
            if (!ok) {
                return what + "[" + k + "]: PyTorch " + e[k] + ", Ember " + g[k] + " (tolerance " + tol + ", "
                        + e.length + " parts)";
            }
        }
        return null;
    }

    /** The values of a real tensor, or the real and imaginary parts of a complex one, in order. */
    private static double[] parts(Tensor t) {
        return t.isComplex() ? t.resolveConj().viewAsReal().toDoubleArray() : t.toDoubleArray();
    }
}
