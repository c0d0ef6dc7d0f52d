package dev.ember;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Replays one case of {@code differentialfuzzr41/cases.txt} (its generator, {@code make_cases.py}, describes the
 * lines): the tensor arguments (those on the {@code rg} line requiring grad), one linear algebra call, its outputs in
 * the generator's unique forms (|V|^2 for eigen- and singular vectors, eig's eigenvalues sorted), their nodes and the
 * gradients of {@code sum(re(out * conj(g)))} over the outputs with a {@code g} line, or PyTorch's refusal with every
 * argument unchanged. Values are compared within the case's tolerance factor times 1e-12 (double precision) or 1e-5
 * (single precision) of {@code max(1, max |expected|)}, complex values by their parts, integers and bools exactly.
 */
final class FuzzR41Interpreter {
    private FuzzR41Interpreter() {
    }

    /** Null where Ember does what PyTorch did, else what differs. */
    static String run(List<String> body) {
        Map<String, String> argLines = new LinkedHashMap<>();
        String step = null;
        String err = null;
        String gerr = null;
        double tol = 1;
        List<String> rg = List.of();
        Map<Integer, String> outs = new LinkedHashMap<>();
        Map<Integer, String> nodes = new LinkedHashMap<>();
        Map<Integer, String> gs = new LinkedHashMap<>();
        Map<String, String> gx = new LinkedHashMap<>();
        for (String line : body) {
            int sp = line.indexOf(' ');
            String key = sp < 0 ? line : line.substring(0, sp);
            String rest = sp < 0 ? "" : line.substring(sp + 1);
            int sp2 = rest.indexOf(' ');
            switch (key) {
                case "a": argLines.put(rest.substring(0, sp2), rest.substring(sp2 + 1)); break;
                case "rg": rg = rest.isEmpty() ? List.of() : Arrays.asList(rest.split(" ")); break;
                case "s": step = rest; break;
                case "tol": tol = Double.parseDouble(rest); break;
                case "err": err = rest; break;
                case "o": outs.put(Integer.parseInt(rest.substring(0, sp2)), rest.substring(sp2 + 1)); break;
                case "fn": nodes.put(Integer.parseInt(rest.substring(0, sp2)), rest.substring(sp2 + 1)); break;
                case "g": gs.put(Integer.parseInt(rest.substring(0, sp2)), rest.substring(sp2 + 1)); break;
                case "gerr": gerr = rest; break;
                case "gx": gx.put(rest.substring(0, sp2), rest.substring(sp2 + 1)); break;
                default: throw new IllegalStateException("line " + line);
            }
        }
        Map<String, Tensor> a = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : argLines.entrySet()) {
            a.put(e.getKey(), DifferentialFuzzR17Test.tensor(e.getValue()));
        }
        for (String n : rg) {
            a.get(n).requiresGrad_(true);
        }
        String[] words = step.split(" ");
        Map<String, String> kw = FuzzRoundSupport.keywords(words);
        Tensor[] result;
        try {
            result = call(words[0], kw, a);
        } catch (RuntimeException e) {
            return refused(err, e, argLines, a);
        }
        if (err != null) {
            return "PyTorch refuses (\"" + err + "\"), Ember gives " + result.length + " outputs"
                    + (result.length > 0 && result[0] != null ? ", the first " + result[0].dtype()
                    + Arrays.toString(result[0].shape()) : "");
        }
        for (Map.Entry<Integer, String> e : outs.entrySet()) {
            int i = e.getKey();
            if (i >= result.length) {
                return "output " + i + ": PyTorch has it, Ember gives " + result.length + " outputs";
            }
            String r = compare("output " + i, DifferentialFuzzR17Test.tensor(e.getValue()), result[i], false, tol);
            if (r != null) {
                return r;
            }
        }
        for (Map.Entry<Integer, String> e : nodes.entrySet()) {
            Tensor t = result[e.getKey()];
            String got = t.gradFn() == null ? "None" : t.gradFn().name();
            if (!e.getValue().equals(got)) {
                return "node of output " + e.getKey() + ": PyTorch " + e.getValue() + ", Ember " + got;
            }
        }
        if (gs.isEmpty()) {
            for (Map.Entry<String, String> e : gx.entrySet()) {
                if (!e.getValue().equals("none")) {
                    return "PyTorch reaches " + e.getKey() + " without an upstream gradient";
                }
            }
            return null;
        }
        Tensor loss = null;
        for (Map.Entry<Integer, String> e : gs.entrySet()) {
            Tensor o = result[e.getKey()];
            if (!o.requiresGrad()) {
                return "output " + e.getKey() + " does not require grad in Ember, PyTorch's does";
            }
            Tensor g = DifferentialFuzzR17Test.tensor(e.getValue());
            Tensor term = o.dtype().isComplex() ? o.mul(g.conj()).real().sum() : o.mul(g).sum();
            loss = loss == null ? term : loss.add(term);
        }
        try {
            loss.backward();
        } catch (RuntimeException e) {
            String msg = e.getMessage() == null ? null : e.getMessage().split("\n", -1)[0];
            if (gerr == null || !gerr.equals(msg)) {
                return "backward: PyTorch " + (gerr == null ? "runs" : "\"" + gerr + "\"") + ", Ember " + e;
            }
            return null;
        }
        if (gerr != null) {
            return "backward: PyTorch refuses \"" + gerr + "\", Ember runs";
        }
        for (Map.Entry<String, String> e : gx.entrySet()) {
            Tensor grad = a.get(e.getKey()).grad();
            if (e.getValue().equals("none")) {
                if (grad != null) {
                    return "gradient of " + e.getKey() + ": PyTorch none, Ember " + Arrays.toString(grad.shape());
                }
                continue;
            }
            String r = compare("gradient of " + e.getKey(), DifferentialFuzzR17Test.tensor(e.getValue()), grad, false,
                    tol);
            if (r != null) {
                return r;
            }
        }
        return null;
    }

    /**
     * Null where a call that threw {@code e} was to be refused with {@code err} (PyTorch's first message line) and left
     * every argument as it was, bit for bit; else what differs.
     */
    private static String refused(String err, RuntimeException e, Map<String, String> argLines, Map<String, Tensor> a) {
        if (err == null) {
            return "PyTorch gives a result, Ember throws " + e;
        }
        String msg = e.getMessage() == null ? null : e.getMessage().split("\n", -1)[0];
        if (!err.equals(msg)) {
            return "message: PyTorch \"" + err + "\", Ember \"" + e.getMessage() + "\" (" + e.getClass().getSimpleName()
                    + ")";
        }
        for (Map.Entry<String, String> en : argLines.entrySet()) {
            String r = compare("the argument " + en.getKey() + " after a refused call",
                    DifferentialFuzzR17Test.tensor(en.getValue()), a.get(en.getKey()).detach(), true, 1);
            if (r != null) {
                return r;
            }
        }
        return null;
    }

    /**
     * Null where {@code got} has {@code expected}'s dtype and shape and its values (integers and bools exactly; floating
     * and complex parts within the tolerance, NaN where NaN, infinities in place; {@code bits}: exactly), else what
     * differs.
     */
    static String compare(String what, Tensor expected, Tensor got, boolean bits, double factor) {
        if (got == null) {
            return what + ": PyTorch " + expected.dtype() + Arrays.toString(expected.shape()) + ", Ember none";
        }
        if (expected.dtype() != got.dtype() || !Arrays.equals(expected.shape(), got.shape())) {
            return what + ": PyTorch " + expected.dtype() + Arrays.toString(expected.shape()) + ", Ember " + got.dtype()
                    + Arrays.toString(got.shape());
        }
        DType dt = got.dtype();
        if (!dt.isFloatingPoint() && !dt.isComplex()) {
            long[] e = expected.to(DType.INT64).toLongArray();
            long[] g = got.detach().to(DType.INT64).toLongArray();
            return Arrays.equals(e, g) ? null
                    : what + ": PyTorch " + brief(e) + ", Ember " + brief(g);
        }
        double[] e = parts(expected);
        double[] g = parts(got.detach());
        double scale = 1;
        for (double v : e) {
            if (Double.isFinite(v)) {
                scale = Math.max(scale, Math.abs(v));
            }
        }
        DType real = dt.toReal();
        double tol = (real == DType.FLOAT64 ? 1e-12 : real == DType.FLOAT32 ? 1e-5 : 0x1p-10) * scale * factor;
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

    /** A floating tensor's values, a complex one's parts (re, im) in order, as doubles. */
    private static double[] parts(Tensor t) {
        if (t.dtype().isComplex()) {
            return t.resolveConj().resolveNeg().contiguous().viewAsReal().toDoubleArray();
        }
        return t.toDoubleArray();
    }

    private static String brief(double[] v) {
        return v.length <= 24 ? Arrays.toString(v) : Arrays.toString(Arrays.copyOf(v, 24)) + "...";
    }

    private static String brief(long[] v) {
        return v.length <= 24 ? Arrays.toString(v) : Arrays.toString(Arrays.copyOf(v, 24)) + "...";
    }

    /** {@code |t|^2}: the generator's unique form of eigen- and singular vectors. */
    private static Tensor absq(Tensor t) {
        return t.abs().square();
    }

    /**
     * eig's eigenvalues (and {@code |V|^2}'s columns with them) sorted per matrix by (the real part over
     * {@code max(1, max |L|)} times 1000 rounded half to even, the imaginary part), as the generator's sort_eig.
     */
    private static Tensor[] sortEig(Tensor L, Tensor V2) {
        Tensor l = L.detach();
        int n = l.dim() == 0 ? 1 : l.size(-1);
        double[] re = l.real().contiguous().toDoubleArray();
        double[] im = l.imag().contiguous().toDoubleArray();
        double scale = 1;
        for (int i = 0; i < re.length; i++) {
            scale = Math.max(scale, Math.hypot(re[i], im[i]));
        }
        int batches = n == 0 ? 0 : re.length / n;
        long[] index = new long[re.length];
        for (int b = 0; b < batches; b++) {
            final int off = b * n;
            final double s = scale;
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                order.add(i);
            }
            order.sort(Comparator.<Integer>comparingDouble(i -> Math.rint(re[off + i] / s * 1000))
                    .thenComparingDouble(i -> im[off + i]));
            for (int i = 0; i < n; i++) {
                index[off + i] = order.get(i);
            }
        }
        Tensor idx = Tensor.tensor(index, DType.INT64, Device.CPU).reshape(L.shape());
        Tensor sortedL = L.gather(-1, idx);
        if (V2 == null) {
            return new Tensor[] {sortedL};
        }
        Tensor cols = idx.unsqueeze(-2).expand(V2.shape());
        return new Tensor[] {sortedL, V2.gather(-1, cols)};
    }

    private static Tensor[] call(String op, Map<String, String> kw, Map<String, Tensor> a) {
        Tensor x = a.get("A");
        Tensor b = a.get("B");
        switch (op) {
            case "det": return new Tensor[] {x.linalgDet()};
            case "slogdet": {
                SlogdetResult r = x.linalgSlogdet();
                return new Tensor[] {r.sign(), r.logabsdet()};
            }
            case "inv": return new Tensor[] {x.linalgInv()};
            case "inv_ex": {
                InvExResult r = x.linalgInvEx(bool(kw, "check_errors"));
                return new Tensor[] {r.inverse(), r.info()};
            }
            case "solve": return new Tensor[] {x.linalgSolve(b, bool(kw, "left"))};
            case "solve_ex": {
                SolveExResult r = x.linalgSolveEx(b, bool(kw, "left"), bool(kw, "check_errors"));
                return new Tensor[] {r.result(), r.info()};
            }
            case "cholesky": return new Tensor[] {x.linalgCholesky(bool(kw, "upper"))};
            case "cholesky_ex": {
                CholeskyExResult r = x.linalgCholeskyEx(bool(kw, "upper"), bool(kw, "check_errors"));
                return new Tensor[] {r.L(), r.info()};
            }
            case "lu_factor": {
                LuFactorResult r = x.linalgLuFactor();
                return new Tensor[] {r.LU(), r.pivots()};
            }
            case "lu_factor_ex": {
                LuFactorExResult r = x.linalgLuFactorEx(true, bool(kw, "check_errors"));
                return new Tensor[] {r.LU(), r.pivots(), r.info()};
            }
            case "lu": {
                LuResult r = x.linalgLu();
                return new Tensor[] {r.P(), r.L(), r.U()};
            }
            case "lu_solve": {
                LuFactorResult lu = x.linalgLuFactor();
                return new Tensor[] {Tensor.linalgLuSolve(lu.LU(), lu.pivots(), b, bool(kw, "left"),
                        bool(kw, "adjoint"))};
            }
            case "cholesky_solve": return new Tensor[] {b.choleskySolve(x, bool(kw, "upper"))};
            case "cholesky_inverse": return new Tensor[] {x.choleskyInverse(bool(kw, "upper"))};
            case "solve_triangular": return new Tensor[] {x.linalgSolveTriangular(b, bool(kw, "upper"),
                    bool(kw, "left"), bool(kw, "unitriangular"))};
            case "qr": {
                QrResult r = x.linalgQr(kw.get("mode"));
                return new Tensor[] {r.Q(), r.R()};
            }
            case "eigh": {
                EighResult r = x.linalgEigh(kw.get("UPLO"));
                return new Tensor[] {r.eigenvalues(), absq(r.eigenvectors())};
            }
            case "eigvalsh": return new Tensor[] {x.linalgEigvalsh(kw.get("UPLO"))};
            case "eig": {
                EigResult r = x.linalgEig();
                return sortEig(r.eigenvalues(), absq(r.eigenvectors()));
            }
            case "eigvals": return sortEig(x.linalgEigvals(), null);
            case "svd": {
                SvdResult r = x.linalgSvd(false);
                return new Tensor[] {absq(r.U()), r.S(), absq(r.Vh())};
            }
            case "svdvals": return new Tensor[] {x.linalgSvdvals()};
            case "matrix_rank": return new Tensor[] {x.linalgMatrixRank(dbl(kw, "atol"), dbl(kw, "rtol"),
                    bool(kw, "hermitian"))};
            case "pinv": return new Tensor[] {x.linalgPinv(dbl(kw, "atol"), dbl(kw, "rtol"), bool(kw, "hermitian"))};
            case "matrix_norm": {
                String ord = kw.get("ord");
                int[] dims = ints(kw, "dim");
                boolean keep = bool(kw, "keepdim");
                return new Tensor[] {isNumber(ord) ? x.matrixNorm(number(ord), dims, keep)
                        : x.matrixNorm(ord, dims, keep)};
            }
            case "vector_norm": return new Tensor[] {x.vectorNorm(number(kw.get("ord")), ints(kw, "dim"),
                    bool(kw, "keepdim"))};
            case "cond": {
                String p = kw.get("p");
                return new Tensor[] {p.equals("N") ? x.linalgCond() : isNumber(p) ? x.linalgCond(number(p))
                        : x.linalgCond(p)};
            }
            case "matrix_exp": return new Tensor[] {x.linalgMatrixExp()};
            case "matrix_power": return new Tensor[] {x.linalgMatrixPower(Integer.parseInt(kw.get("n")))};
            case "householder_product": return new Tensor[] {x.linalgHouseholderProduct(a.get("tau"))};
            case "vander": {
                String n = kw.get("N");
                return new Tensor[] {x.linalgVander(n.equals("N") ? null : Integer.valueOf(n))};
            }
            case "vecdot": return new Tensor[] {x.linalgVecdot(b, Integer.parseInt(kw.get("dim")))};
            case "cross": return new Tensor[] {x.linalgCross(b, Integer.parseInt(kw.get("dim")))};
            case "tensorsolve": {
                int[] dims = ints(kw, "dims");
                return new Tensor[] {dims == null ? x.linalgTensorsolve(b) : x.linalgTensorsolve(b, dims)};
            }
            case "tensorinv": return new Tensor[] {x.linalgTensorinv(Integer.parseInt(kw.get("ind")))};
            case "diagonal": return new Tensor[] {x.linalgDiagonal(Integer.parseInt(kw.get("offset")),
                    Integer.parseInt(kw.get("dim1")), Integer.parseInt(kw.get("dim2")))};
            case "multi_dot": {
                int n = Integer.parseInt(kw.get("n"));
                List<Tensor> ts = new ArrayList<>();
                for (String k : new String[] {"A", "B", "C"}) {
                    if (ts.size() < n) {
                        ts.add(a.get(k));
                    }
                }
                return new Tensor[] {Tensor.linalgMultiDot(ts)};
            }
            case "ldl_solve": {
                boolean h = bool(kw, "hermitian");
                LdlFactorResult r = x.linalgLdlFactor(h);
                return new Tensor[] {Tensor.linalgLdlSolve(r.LD(), r.pivots(), b, h)};
            }
            case "ldl_factor_ex": return new Tensor[] {x.linalgLdlFactorEx(bool(kw, "hermitian"),
                    bool(kw, "check_errors")).info()};
            case "lstsq": {
                String d = kw.get("driver");
                return new Tensor[] {x.linalgLstsq(b, null, d.equals("N") ? null : d).solution()};
            }
            case "svd_raw": return new Tensor[] {x.linalgSvd(false).U()};
            case "eig_raw": return new Tensor[] {x.linalgEig().eigenvectors()};
            case "eigh_raw": return new Tensor[] {x.linalgEigh().eigenvectors()};
            default: throw new IllegalStateException("op " + op);
        }
    }

    private static boolean bool(Map<String, String> kw, String key) {
        return "True".equals(kw.get(key));
    }

    private static Double dbl(Map<String, String> kw, String key) {
        String v = kw.get(key);
        return v == null || v.equals("N") ? null : Double.valueOf(number(v));
    }

    private static boolean isNumber(String v) {
        return v.equals("inf") || v.equals("-inf") || v.matches("-?[0-9.]+(e-?[0-9]+)?");
    }

    private static double number(String v) {
        return PyTorchCases.numbers(v)[0];
    }

    /** "a,b" (ints), null for N, empty for E. */
    private static int[] ints(Map<String, String> kw, String key) {
        String v = kw.get(key);
        if (v == null || v.equals("N")) {
            return null;
        }
        if (v.equals("E")) {
            return new int[0];
        }
        return Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
    }
}
