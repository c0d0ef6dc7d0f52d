package dev.ember;

import dev.ember.sparse.Sparse;
import dev.ember.sparse.SparseCsrTensor;
import dev.ember.sparse.SparseTensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Replays one case of {@code differentialfuzzr28/cases.txt} (its generator, {@code make_cases.py}, describes the lines
 * and the statements): programs over sparse COO, CSR and dense float64 tensors run through Ember's
 * {@code dev.ember.sparse}, each statement's result (its description: shape, sparse and dense dims, nnz, the coalesced
 * flag, dtype, requires_grad and grad_fn, the raw indices and values) or refusal (exception kind and message) compared
 * with PyTorch's, and after a backward pass every leaf's gradient (a sparse leaf's coalesced). Text is compared exactly,
 * numbers within 1e-12 relative or 1e-14 absolute ({@link FuzzR27Interpreter#same}).
 */
final class FuzzR28Interpreter {
    private final List<String> lines;
    /** The variables v0, v1, ... (a SparseTensor, SparseCsrTensor, Tensor, or null for a statement without one). */
    private final Map<String, Object> env = new LinkedHashMap<>();
    /** The leaves that require grad, in the order they were made. */
    private final List<String> leaves = new ArrayList<>();
    private final List<String> diffs = new ArrayList<>();

    private FuzzR28Interpreter(List<String> lines) {
        this.lines = lines;
    }

    static String run(List<String> lines) {
        return new FuzzR28Interpreter(lines).go();
    }

    // ------------------------------------------------------------------------------------------------- parsing

    private static Tensor idx(String text) {
        String[] p = text.split(":", -1);
        String[] dims = p[0].split("x");
        int sd = Integer.parseInt(dims[0]);
        int nnz = Integer.parseInt(dims[1]);
        long[] v = p[1].isEmpty() ? new long[0] : Arrays.stream(p[1].split(",")).mapToLong(Long::parseLong).toArray();
        return Tensor.tensor(v, DType.INT64, Device.CPU).reshape(sd, nnz);
    }

    private static int[] shape(String text) {
        return text.equals("-") ? new int[0] : Arrays.stream(text.split("x")).mapToInt(Integer::parseInt).toArray();
    }

    private static Tensor vals(String shapeText, String csv) {
        double[] v = csv.isEmpty() ? new double[0] : Arrays.stream(csv.split(",")).mapToDouble(Double::parseDouble)
                .toArray();
        return Tensor.fromArray(v).to(DType.FLOAT64).reshape(shape(shapeText));
    }

    private static DType dtype(String name) {
        switch (name) {
            case "float32": return DType.FLOAT32;
            case "float64": return DType.FLOAT64;
            case "int64": return DType.INT64;
            default: throw new IllegalStateException(name);
        }
    }

    // ------------------------------------------------------------------------------------------------ descriptions

    private static String num(double v, DType t) {
        if (t == DType.INT64 || t == DType.INT32) {
            return Long.toString((long) v);
        }
        return Format.repr(v);
    }

    private static String csv(Tensor t) {
        StringBuilder s = new StringBuilder();
        Tensor d = t.detach().contiguous();
        DType dt = d.dtype();
        double[] v = d.to(DType.FLOAT64).toDoubleArray();
        for (int i = 0; i < v.length; i++) {
            s.append(i > 0 ? "," : "").append(num(v[i], dt));
        }
        return s.toString();
    }

    private static String shp(int[] s) {
        if (s.length == 0) {
            return "-";
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length; i++) {
            b.append(i > 0 ? "x" : "").append(s[i]);
        }
        return b.toString();
    }

    private static String dt(DType t) {
        return t.torchName().replace("torch.", "");
    }

    private static String idxText(Tensor i) {
        StringBuilder b = new StringBuilder();
        for (int r = 0; r < i.size(0); r++) {
            b.append(r > 0 ? ";" : "").append(csv(i.select(0, r)));
        }
        return b.toString();
    }

    private static String gradInfo(Tensor t) {
        if (!t.requiresGrad()) {
            return "rg=0";
        }
        return t.gradFn() == null ? "rg=1 leaf" : "rg=1 fn=" + t.gradFn().name();
    }

    private static String gradInfo(SparseTensor s) {
        if (!s.requiresGrad()) {
            return "rg=0";
        }
        return s.gradFnName() == null ? "rg=1 leaf" : "rg=1 fn=" + s.gradFnName();
    }

    private static String desc(Object o) {
        if (o instanceof SparseTensor s) {
            return "S " + shp(s.shape()) + " sd=" + s.sparseDim() + " dd=" + s.denseDim() + " nnz=" + s.nnz() + " c="
                    + (s.isCoalesced() ? 1 : 0) + " " + dt(s.dtype()) + " " + gradInfo(s) + " i=" + idxText(s._indices())
                    + " v=" + csv(s._values());
        }
        if (o instanceof SparseCsrTensor c) {
            return "C " + shp(c.shape()) + " " + dt(c.dtype()) + " crow=" + csv(c.crowIndices()) + " col="
                    + csv(c.colIndices()) + " v=" + csv(c.values());
        }
        Tensor t = (Tensor) o;
        return "D " + shp(t.shape()) + " " + dt(t.dtype()) + " " + gradInfo(t) + " " + csv(t);
    }

    private String gradDesc(String leaf) {
        Object o = env.get(leaf);
        if (o instanceof SparseTensor s) {
            SparseTensor g = s.grad();
            if (g == null) {
                return "none";
            }
            g = g.coalesce();
            return "S " + shp(g.shape()) + " nnz=" + g.nnz() + " " + dt(g.dtype()) + " i=" + idxText(g._indices())
                    + " v=" + csv(g._values());
        }
        Tensor g = ((Tensor) o).grad();
        return g == null ? "none" : "D " + shp(g.shape()) + " " + dt(g.dtype()) + " " + csv(g);
    }

    // ----------------------------------------------------------------------------------------------- the replay

    private static boolean sameError(String want, RuntimeException got) {
        int colon = want.indexOf(": ");
        String pyKind = want.substring(0, colon);
        String text = want.substring(colon + 2);
        String kind = got.getClass().getSimpleName();
        boolean kindOk = switch (pyKind) {
            case "IndexError" -> kind.equals("IndexOutOfBoundsException");
            case "NotImplementedError" -> kind.equals("UnsupportedOperationException");
            case "RuntimeError" -> kind.equals("IllegalArgumentException") || kind.equals("IllegalStateException");
            default -> kind.equals("IllegalArgumentException");
        };
        String msg = String.valueOf(got.getMessage());
        int nl = msg.indexOf('\n');
        return kindOk && text.equals(nl < 0 ? msg : msg.substring(0, nl));
    }

    private String go() {
        int at = 0;
        while (at < lines.size()) {
            String stmt = lines.get(at++).substring(2);
            List<String> want = new ArrayList<>();
            while (at < lines.size() && !lines.get(at).startsWith("s ")) {
                want.add(lines.get(at++));
            }
            String name = "v" + env.size();
            String err = !want.isEmpty() && want.get(0).startsWith("err ") ? want.get(0).substring(4) : null;
            List<String> got = new ArrayList<>();
            try {
                got.addAll(statement(stmt, name));
                if (err != null) {
                    diffs.add(stmt + ": PyTorch refuses (" + err + "), Ember goes on: " + got);
                } else if (got.size() != want.size()) {
                    diffs.add(stmt + ": PyTorch " + want + ", Ember " + got);
                } else {
                    for (int i = 0; i < want.size(); i++) {
                        if (!FuzzR27Interpreter.same(want.get(i), got.get(i), 1e-12)) {
                            diffs.add(stmt + ": PyTorch \"" + want.get(i) + "\", Ember \"" + got.get(i) + "\"");
                        }
                    }
                }
            } catch (RuntimeException e) {
                env.putIfAbsent(name, null);
                if (err == null) {
                    diffs.add(stmt + ": PyTorch goes on (" + want + "), Ember throws " + e);
                } else if (!sameError(err, e)) {
                    diffs.add(stmt + ": PyTorch refuses (" + err + "), Ember throws " + e);
                }
            }
            if (diffs.size() > 3) {
                break;
            }
        }
        return diffs.isEmpty() ? null : String.join("\n  ", diffs);
    }

    private SparseTensor sp(String v) {
        return (SparseTensor) env.get(v);
    }

    private Tensor dn(String v) {
        return (Tensor) env.get(v);
    }

    private SparseCsrTensor csr(String v) {
        return (SparseCsrTensor) env.get(v);
    }

    /** Runs the statement, binds its result to {@code name} and returns its outcome lines. */
    private List<String> statement(String stmt, String name) {
        String[] w = stmt.split(" ", -1);
        if (w[0].equals("back")) {
            env.put(name, null);
            Tensor t = dn(w[1]);
            (t.dim() == 0 ? t : t.sum()).backward();
            List<String> out = new ArrayList<>();
            for (String l : leaves) {
                out.add("g " + l + " " + gradDesc(l));
            }
            return out;
        }
        Object r = execute(w);
        env.put(name, r instanceof String ? null : r);
        if (r instanceof SparseTensor s && s.requiresGrad() && s.isLeaf()
                || r instanceof Tensor t && t.requiresGrad() && t.isLeaf()) {
            leaves.add(name);
        }
        return List.of("r " + (r instanceof String s ? s : desc(r)));
    }

    private Object execute(String[] w) {
        String op = w[0];
        switch (op) {
            case "coo":
            case "cooci": {
                String[] v = w[3].split(":", -1);
                Tensor values = vals(v[0], v[1]);
                Tensor indices = idx(w[2]);
                SparseTensor s = w[1].equals("-") ? Sparse.cooTensor(indices, values)
                        : Sparse.cooTensor(indices, values, shape(w[1]));
                return op.equals("coo") && w[4].equals("1") ? s.requiresGrad_(true) : s;
            }
            case "coov":
                return w[1].equals("-") ? Sparse.cooTensor(idx(w[2]), dn(w[3]))
                        : Sparse.cooTensor(idx(w[2]), dn(w[3]), shape(w[1]));
            case "dense": {
                Tensor t = vals(w[1], w[2]);
                return t.requiresGrad_(w[3].equals("1"));
            }
            case "tosp":
                return w.length == 2 ? dn(w[1]).toSparse() : dn(w[1]).toSparse(Integer.parseInt(w[2]));
            case "csr": {
                Object a = env.get(w[1]);
                return a instanceof SparseTensor s ? s.toSparseCsr() : ((Tensor) a).toSparseCsr();
            }
            case "csrd":
                return csr(w[1]).toDense();
            case "csrcoo":
                return csr(w[1]).toSparse();
            case "csrmm":
                return csr(w[1]).matmul(dn(w[2]));
            case "repr":
                return String.valueOf(env.get(w[1])).replace("\n", "|");
            case "dadd":
                return Sparse.add(dn(w[1]), sp(w[2]), Double.parseDouble(w[3]));
            case "mask":
                return dn(w[1]).sparseMask(sp(w[2]));
            case "addmm":
                return Sparse.addmm(dn(w[1]), sp(w[2]), dn(w[3]), Double.parseDouble(w[4]), Double.parseDouble(w[5]));
            default:
        }
        SparseTensor a = sp(w[1]);
        switch (op) {
            case "coalesce": return a.coalesce();
            case "todense": return a.toDense();
            case "clone": return a.clone();
            case "detach": return a.detach();
            case "t": return a.t();
            case "neg": return a.neg();
            case "abs": return a.abs();
            case "sqrt": return a.sqrt();
            case "sin": return a.sin();
            case "tan": return a.tan();
            case "tanh": return a.tanh();
            case "sinh": return a.sinh();
            case "asin": return a.asin();
            case "asinh": return a.asinh();
            case "atan": return a.atan();
            case "atanh": return a.atanh();
            case "erf": return a.erf();
            case "log1p": return a.log1p();
            case "expm1": return a.expm1();
            case "sign": return a.sign();
            case "floor": return a.floor();
            case "ceil": return a.ceil();
            case "round": return a.round();
            case "trunc": return a.trunc();
            case "square": return a.square();
            case "indices": return a.indices();
            case "values": return a.values();
            case "_indices": return a._indices();
            case "_values": return a._values();
            case "pow": return a.pow(Double.parseDouble(w[2]));
            case "add": return a.add(sp(w[2]), Double.parseDouble(w[3]));
            case "sub": return a.sub(sp(w[2]), Double.parseDouble(w[3]));
            case "mulsc": return a.mul(Double.parseDouble(w[2]));
            case "divsc": return a.div(Double.parseDouble(w[2]));
            case "muld": return a.mul(dn(w[2]));
            case "ssum": return Sparse.sum(a);
            case "ssumd": {
                int[] dims = Arrays.stream(w[2].split(",")).mapToInt(Integer::parseInt).toArray();
                // sparse while a sparse dim is left, dense otherwise (as torch.sparse.sum's one function)
                boolean[] gone = new boolean[Math.max(a.dim(), 1)];
                for (int d : dims) {
                    int x = d < 0 ? d + a.dim() : d;
                    if (x >= 0 && x < gone.length) {
                        gone[x] = true;
                    }
                }
                boolean sparseLeft = false;
                for (int d = 0; d < a.sparseDim(); d++) {
                    sparseLeft |= !gone[d];
                }
                return sparseLeft ? Sparse.sum(a, dims) : Sparse.sumToDense(a, dims);
            }
            case "mm": return Sparse.mm(a, dn(w[2]));
            case "smm": return Sparse.mm(a, sp(w[2]));
            case "matmul": return a.matmul(dn(w[2]));
            case "isel": {
                long[] ix = Arrays.stream(w[3].split(",")).mapToLong(Long::parseLong).toArray();
                return a.indexSelect(Integer.parseInt(w[2]), Tensor.tensor(ix, DType.INT64, Device.CPU));
            }
            case "tr": return a.transpose(Integer.parseInt(w[2]), Integer.parseInt(w[3]));
            case "to": return a.to(dtype(w[2]));
            default:
        }
        throw new IllegalStateException("statement " + String.join(" ", w));
    }
}
