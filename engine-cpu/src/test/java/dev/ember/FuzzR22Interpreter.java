package dev.ember;

import dev.ember.nn.Conv2d;
import dev.ember.nn.Functional;
import dev.ember.nn.LayerNorm;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.MultiheadAttention;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Replays one program of {@code differentialfuzzr22/cases.txt} (its generator, {@code make_cases.py}, describes the
 * statements and the tolerances) under {@link Ember#autocast}: inputs given as data, CPU autocast scopes opened and
 * closed as the program says, ops on the CPU, the backward of a weighted sum of the chain's result outside autocast
 * and every leaf's gradient. Each
 * result is compared with PyTorch's: its dtype and shape exactly, its values bit for bit where the line's tolerance
 * is 0 and within it otherwise; an op PyTorch refuses must be refused with PyTorch's message.
 */
final class FuzzR22Interpreter {
    private final Map<String, Tensor> vars = new HashMap<>();
    private final Map<String, Module> modules = new HashMap<>();
    private final Deque<AutocastMode> scopes = new ArrayDeque<>();
    private final List<String> lines;
    private int at;

    private FuzzR22Interpreter(List<String> lines) {
        this.lines = lines;
    }

    /** Runs the program; returns null when Ember matches PyTorch throughout, else the first difference. */
    static String run(List<String> lines) {
        FuzzR22Interpreter p = new FuzzR22Interpreter(lines);
        try {
            return p.run();
        } catch (RuntimeException e) {
            StackTraceElement[] st = e.getStackTrace();
            return "harness, after line " + p.at + ": " + e + " at "
                    + Arrays.toString(Arrays.copyOf(st, Math.min(6, st.length)));
        } finally {
            while (!p.scopes.isEmpty()) {
                p.scopes.pop().close();
            }
        }
    }

    private String run() {
        while (at < lines.size()) {
            String line = lines.get(at++);
            String[] w = line.split(" ");
            switch (w[0]) {
                case "in":
                    vars.put(w[1], input(w[2], w[3], w[5], w[4].equals("G")));
                    break;
                case "ac":
                    scopes.push(w[1].equals("off") ? Ember.autocast(DeviceType.CPU, null, false)
                            : Ember.autocast(DeviceType.CPU, dtype(w[1])));
                    break;
                case "end":
                    scopes.pop().close();
                    break;
                case "q": {
                    String ours = w[1].equals("en") ? "= bool - " + (Ember.isAutocastEnabled(DeviceType.CPU) ? 1 : 0)
                            : "= dtype - " + dtypeName(Ember.getAutocastDtype(DeviceType.CPU));
                    String want = lines.get(at++);
                    if (!ours.equals(want)) {
                        return "\"" + line + "\": PyTorch " + want + ", Ember " + ours;
                    }
                    break;
                }
                case "mod":
                    module(w);
                    break;
                case "back": {
                    vars.get(w[1]).mul(vars.get(w[2])).sum().backward();
                    break;
                }
                case "grad": {
                    Tensor g = vars.get(w[1]).grad();
                    String want = lines.get(at++);
                    if (want.equals("= none") || g == null) {
                        if (!(want.equals("= none") && g == null)) {
                            return "grad " + w[1] + ": PyTorch " + abbrev(want) + ", Ember "
                                    + (g == null ? "none" : abbrev(format(g, "0")));
                        }
                        break;
                    }
                    String problem = compare(g, want);
                    if (problem != null) {
                        return "grad " + w[1] + " (leaf " + dtypeName(vars.get(w[1]).dtype()) + "): " + problem;
                    }
                    break;
                }
                case "op": {
                    String problem = op(line, w);
                    if (problem != null) {
                        return problem;
                    }
                    break;
                }
                default:
                    throw new IllegalStateException("unknown statement " + line);
            }
        }
        return null;
    }

    private String op(String line, String[] w) {
        String[] outs = w[1].split(",");
        List<Tensor> results = null;
        RuntimeException thrown = null;
        try {
            results = ember(w[2], Arrays.copyOfRange(w, 3, w.length));
        } catch (RuntimeException e) {
            thrown = e;
        }
        if (at < lines.size() && lines.get(at).startsWith("err ")) {
            String err = lines.get(at++).substring(4);
            if (thrown == null) {
                return "\"" + line + "\": PyTorch throws \"" + err + "\", Ember runs";
            }
            String ours = thrown.getMessage() == null ? "" : thrown.getMessage().split("\n")[0];
            return err.equals(ours) ? null : "\"" + line + "\": PyTorch throws \"" + err + "\", Ember " + thrown;
        }
        if (thrown != null) {
            StackTraceElement[] st = thrown.getStackTrace();
            return "\"" + line + "\": PyTorch runs, Ember throws " + thrown + " at "
                    + Arrays.toString(Arrays.copyOf(st, Math.min(5, st.length)));
        }
        if (results.size() != outs.length) {
            throw new IllegalStateException("outputs: " + results.size() + " for " + line);
        }
        for (int i = 0; i < outs.length; i++) {
            String want = lines.get(at++);
            String problem = compare(results.get(i), want);
            if (problem != null) {
                return "\"" + line + "\"" + (outs.length > 1 ? " output " + i : "") + ": " + problem;
            }
            vars.put(outs[i], results.get(i));
        }
        return null;
    }

    private Tensor v(String name) {
        if (name.equals("none")) {
            return null;
        }
        Tensor t = vars.get(name);
        if (t == null) {
            throw new IllegalStateException("no variable " + name);
        }
        return t;
    }

    /** The op of the case file's name on its arguments, as the generator's call of it (make_cases.py). */
    private List<Tensor> ember(String op, String[] a) {
        switch (op) {
            case "mm": return List.of(v(a[0]).mm(v(a[1])));
            case "matmul": return List.of(v(a[0]).matmul(v(a[1])));
            case "addmm": return List.of(v(a[0]).addmm(v(a[1]), v(a[2])));
            case "linear": return List.of(Functional.linear(v(a[0]), v(a[1]), v(a[2])));
            case "linmod": return List.of(((Linear) modules.get(a[0])).forward(v(a[1])));
            case "relu": return List.of(v(a[0]).relu());
            case "tanh": return List.of(v(a[0]).tanh());
            case "sigmoid": return List.of(v(a[0]).sigmoid());
            case "abs": return List.of(v(a[0]).abs());
            case "t": return List.of(v(a[0]).t());
            case "gelu": return List.of(Functional.gelu(v(a[0])));
            case "softmax": return List.of(v(a[0]).softmax(-1));
            case "logsoftmax":
            case "log_softmax": return List.of(v(a[0]).logSoftmax(-1));
            case "softplus": return List.of(Functional.softplus(v(a[0])));
            case "add": return List.of(v(a[0]).add(v(a[1])));
            case "mul": return List.of(v(a[0]).mul(Double.parseDouble(a[1])));
            case "to": return List.of(v(a[0]).to(dtype(a[1])));
            case "layer_norm": {
                Tensor x = v(a[0]);
                return List.of(Functional.layerNorm(x, new int[] {x.shape()[1]}, v(a[1]), v(a[2]), 1e-5));
            }
            case "lnmod": return List.of(((LayerNorm) modules.get(a[0])).forward(v(a[1])));
            case "group_norm": return List.of(Functional.groupNorm(v(a[0]), Integer.parseInt(a[1])));
            case "prelu": return List.of(Functional.prelu(v(a[0]), v(a[1])));
            case "inverse": return List.of(v(a[0]).inverse());
            case "linalg_inv": return List.of(v(a[0]).linalgInv());
            case "pinverse": return List.of(v(a[0]).pinverse());
            case "linalg_solve": return List.of(v(a[0]).linalgSolve(v(a[1])));
            case "linalg_cholesky": return List.of(v(a[0]).linalgCholesky());
            case "linalg_cond": return List.of(v(a[0]).linalgCond());
            case "index_copy": return List.of(v(a[0]).indexCopy(Integer.parseInt(a[1]), v(a[2]), v(a[3])));
            case "conv1d": {
                Tensor y = Functional.conv1d(v(a[0]).unsqueeze(0), v(a[1]), v(a[2]), new int[] {1}, new int[] {1},
                        new int[] {1}, 1);
                return List.of(y.squeeze(0));
            }
            case "bmm": return List.of(v(a[0]).unsqueeze(0).bmm(v(a[1])).squeeze(0));
            case "baddbmm": return List.of(v(a[0]).baddbmm(v(a[1]).unsqueeze(0), v(a[2])).squeeze(0));
            case "addbmm": return List.of(v(a[0]).addbmm(v(a[1]), v(a[2])));
            case "scaled_dot_product_attention":
                return List.of(Functional.scaledDotProductAttention(v(a[0]).unsqueeze(0), v(a[1]),
                        v(a[2]).unsqueeze(0)).squeeze(0));
            case "tensordot": return List.of(Tensor.tensordot(v(a[0]), v(a[1]), 1));
            case "einsum": return List.of(Tensor.einsum("ij,jk->ik", v(a[0]), v(a[1])));
            case "multidot": return List.of(Tensor.linalgMultiDot(List.of(v(a[0]), v(a[1]), v(a[2]))));
            case "mha": {
                Tensor x = v(a[1]).unsqueeze(1);
                MultiheadAttention.Output o = ((MultiheadAttention) modules.get(a[0])).forward(x, x, x);
                return List.of(o.output().squeeze(1), o.weights().squeeze(0));
            }
            case "trace": return List.of(v(a[0]).trace());
            case "prod": return List.of(a.length == 1 ? v(a[0]).prod() : v(a[0]).prod(Integer.parseInt(a[1]), false));
            case "sum": return List.of(v(a[0]).sum());
            case "quantile": return List.of(v(a[0]).quantile(Double.parseDouble(a[1]), 1, false, "linear"));
            case "nanquantile": return List.of(v(a[0]).nanquantile(Double.parseDouble(a[1]), 1, false, "linear"));
            case "cdist": return List.of(Functional.cdist(v(a[0]), v(a[1])));
            case "mse_loss": return List.of(Functional.mseLoss(v(a[0]), v(a[1])));
            case "smooth_l1_loss": return List.of(Functional.smoothL1Loss(v(a[0]), v(a[1])));
            case "huber_loss": return List.of(Functional.huberLoss(v(a[0]), v(a[1])));
            case "l1_loss": return List.of(Functional.l1Loss(v(a[0]), v(a[1])));
            case "nll_loss": return List.of(Functional.nllLoss(v(a[0]), v(a[1])));
            case "binary_cross_entropy": return List.of(Functional.binaryCrossEntropy(v(a[0]), v(a[1])));
            case "binary_cross_entropy_with_logits":
                return List.of(Functional.binaryCrossEntropyWithLogits(v(a[0]), v(a[1])));
            case "cosine_embedding_loss": return List.of(Functional.cosineEmbeddingLoss(v(a[0]), v(a[1]), v(a[2])));
            case "kl_div": return List.of(Functional.klDiv(v(a[0]), v(a[1]), "batchmean", false));
            case "fft_fft": return List.of(Fft.fft(v(a[0])));
            case "fft_rfft": return List.of(Fft.rfft(v(a[0])));
            case "polar": return List.of(Tensor.polar(v(a[0]), v(a[1])));
            case "view_as_complex": {
                Tensor x = v(a[0]);
                int n = x.shape()[0];
                return List.of(x.reshape(n, n / 2, 2).viewAsComplex());
            }
            case "linalg_svdvals": return List.of(v(a[0]).linalgSvdvals());
            case "linalg_matrix_rank": return List.of(v(a[0]).linalgMatrixRank());
            case "linalg_eigvalsh": return List.of(v(a[0]).linalgEigvalsh());
            case "avg_pool3d":
                return List.of(Functional.avgPool3d(box(v(a[0])), new int[] {1, 2, 2}, null, new int[] {0, 0, 0},
                        false, true, null));
            case "max_pool3d":
                return List.of(Functional.maxPool3d(box(v(a[0])), new int[] {1, 2, 2}, new int[] {1, 2, 2},
                        new int[] {0, 0, 0}, new int[] {1, 1, 1}, false));
            case "adaptive_avg_pool3d": return List.of(Functional.adaptiveAvgPool3d(box(v(a[0])), new int[] {1, 2, 2}));
            case "reflection_pad1d": return List.of(Functional.pad(v(a[0]).unsqueeze(0), new int[] {1, 1}, "reflect"));
            case "replication_pad1d":
                return List.of(Functional.pad(v(a[0]).unsqueeze(0), new int[] {1, 1}, "replicate"));
            case "reflection_pad2d": return List.of(Functional.pad(plane(v(a[0])), new int[] {1, 1, 1, 0}, "reflect"));
            case "replication_pad2d":
                return List.of(Functional.pad(plane(v(a[0])), new int[] {1, 1, 1, 0}, "replicate"));
            case "grid_sampler":
                return List.of(Functional.gridSample(plane(v(a[0])), v(a[1]), "bilinear", "zeros", false));
            case "cat": return List.of(Tensor.cat(List.of(v(a[0]), v(a[1])), 0));
            case "stack": return List.of(Tensor.stack(List.of(v(a[0]), v(a[1])), 0));
            case "linalg_vecdot": return List.of(v(a[0]).linalgVecdot(v(a[1])));
            case "conv2d":
                return List.of(Functional.conv2d(plane(v(a[0])), v(a[1]), null, new int[] {1, 1}, new int[] {1, 1},
                        new int[] {1, 1}, 1));
            case "conv2dmod": return List.of(((Conv2d) modules.get(a[0])).forward(plane(v(a[1]))));
            case "mv": return List.of(v(a[0]).mv(v(a[1])));
            case "conv_transpose1d":
                return List.of(Functional.convTranspose1d(v(a[0]).unsqueeze(0), v(a[1]), v(a[2]), 1, 1, 0, 1, 1)
                        .squeeze(0));
            case "atan2": return List.of(v(a[0]).atan2(v(a[1])));
            case "addcmul": return List.of(v(a[0]).addcmul(v(a[1]), v(a[2])));
            case "cross_entropy_loss": return List.of(Functional.crossEntropy(v(a[0]), v(a[1])));
            case "margin_ranking_loss": return List.of(Functional.marginRankingLoss(v(a[0]), v(a[1]), v(a[2])));
            case "soft_margin_loss": return List.of(Functional.softMarginLoss(v(a[0]), v(a[1])));
            case "hinge_embedding_loss": return List.of(Functional.hingeEmbeddingLoss(v(a[0]), v(a[1])));
            case "poisson_nll_loss": return List.of(Functional.poissonNllLoss(v(a[0]), v(a[1])));
            case "triplet_margin_loss": return List.of(Functional.tripletMarginLoss(v(a[0]), v(a[1]), v(a[2])));
            case "multi_margin_loss": return List.of(Functional.multiMarginLoss(v(a[0]), v(a[1])));
            case "addmv": return List.of(v(a[0]).addmv(v(a[1]), v(a[2])));
            case "dot": return List.of(v(a[0]).select(0, 0).dot(v(a[1])));
            default:
                throw new IllegalStateException("unknown op " + op);
        }
    }

    /** An n x n matrix as a (1, 1, 1, n, n) volume. */
    private static Tensor box(Tensor t) {
        return t.reshape(1, 1, 1, t.shape()[0], t.shape()[1]);
    }

    /** An n x n matrix as a (1, 1, n, n) image. */
    private static Tensor plane(Tensor t) {
        return t.reshape(1, 1, t.shape()[0], t.shape()[1]);
    }

    /** "mod NAME KIND ARGS", then its "p KEY DTYPE SHAPE BITS" lines: the module, its parameters copied in. */
    private void module(String[] w) {
        Module m;
        switch (w[2]) {
            case "linear": m = new Linear(Integer.parseInt(w[3]), Integer.parseInt(w[4])); break;
            case "layernorm": m = new LayerNorm(Integer.parseInt(w[3])); break;
            case "conv2d":
                m = new Conv2d(Integer.parseInt(w[3]), Integer.parseInt(w[4]), Integer.parseInt(w[5]), 1,
                        Integer.parseInt(w[6]));
                break;
            case "mha": m = new MultiheadAttention(Integer.parseInt(w[3]), Integer.parseInt(w[4])); break;
            default: throw new IllegalStateException("unknown module " + w[2]);
        }
        Map<String, Tensor> params = m.namedParameters();
        while (at < lines.size() && lines.get(at).startsWith("p ")) {
            String[] p = lines.get(at++).split(" ");
            Tensor target = params.get(p[1]);
            if (target == null) {
                throw new IllegalStateException("module " + w[2] + " has no parameter " + p[1] + ": " + params.keySet());
            }
            try (GradMode g = Ember.noGrad()) {
                target.copy_(input(p[2], p[3], p[4], false));
            }
            vars.put(w[1] + "." + p[1], target);
        }
        modules.put(w[1], m);
    }

    // ------------------------------------------------------------------------------------------------ values

    private static final Map<String, DType> DTYPES = Map.of("float16", DType.FLOAT16, "bfloat16", DType.BFLOAT16,
            "float32", DType.FLOAT32, "float64", DType.FLOAT64, "int64", DType.INT64, "bool", DType.BOOL,
            "complex64", DType.COMPLEX64, "complex128", DType.COMPLEX128);

    private static DType dtype(String name) {
        DType d = DTYPES.get(name);
        if (d == null) {
            throw new IllegalStateException("unknown dtype " + name);
        }
        return d;
    }

    private static String dtypeName(DType d) {
        for (Map.Entry<String, DType> e : DTYPES.entrySet()) {
            if (e.getValue() == d) {
                return e.getKey();
            }
        }
        return d.toString();
    }

    private static int[] shape(String s) {
        return s.equals("-") ? new int[0] : Arrays.stream(s.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    /** An input of the case file: its values from their bits (exact in every type), a leaf when it requires grad. */
    private static Tensor input(String dt, String shapeText, String bits, boolean grad) {
        DType d = dtype(dt);
        int[] shape = shape(shapeText);
        Tensor t;
        if (d == DType.INT64) {
            long[] v = bits.equals("-") ? new long[0]
                    : Arrays.stream(bits.split(",")).mapToLong(Long::parseLong).toArray();
            t = Tensor.fromArray(v).reshape(shape);
        } else if (d == DType.FLOAT64) {
            double[] v = new double[bits.length() / 16];
            for (int i = 0; i < v.length; i++) {
                v[i] = Double.longBitsToDouble(Long.parseUnsignedLong(bits.substring(16 * i, 16 * i + 16), 16));
            }
            t = Tensor.fromArray(v).reshape(shape);
        } else {
            int width = d == DType.FLOAT32 ? 8 : 4;
            float[] v = new float[bits.length() / width];
            for (int i = 0; i < v.length; i++) {
                long b = Long.parseUnsignedLong(bits.substring(width * i, width * i + width), 16);
                v[i] = d == DType.FLOAT32 ? Float.intBitsToFloat((int) b)
                        : d == DType.BFLOAT16 ? BFloat16.toFloat((short) b) : Half.toFloat((short) b);
            }
            t = Tensor.fromArray(v).reshape(shape).to(d); // exact: the values are the type's
        }
        return grad ? t.requiresGrad_(true) : t;
    }

    /** "= DTYPE SHAPE TOL BITS" of a result (complex as its real view's bits). */
    static String format(Tensor t, String tol) {
        Tensor c = t.detach().contiguous();
        int[] shape = c.shape();
        String sh = shape.length == 0 ? "-" : String.join(",", Arrays.stream(shape).mapToObj(String::valueOf)
                .toArray(String[]::new));
        Tensor r = c.isComplex() ? c.viewAsReal().contiguous() : c;
        return "= " + dtypeName(c.dtype()) + " " + sh + " " + tol + " " + values(r);
    }

    private static String values(Tensor c) {
        if (c.numel() == 0) {
            return "-";
        }
        StringBuilder b = new StringBuilder();
        switch (c.dtype()) {
            case FLOAT16:
            case BFLOAT16: {
                boolean half = c.dtype() == DType.FLOAT16;
                for (double d : c.toDoubleArray()) {
                    short s = half ? Half.fromFloat((float) d) : BFloat16.fromFloat((float) d);
                    b.append(String.format("%04x", s & 0xFFFF));
                }
                return b.toString();
            }
            case FLOAT32:
                for (float f : c.toFloatArray()) {
                    b.append(String.format("%08x", Float.floatToRawIntBits(f)));
                }
                return b.toString();
            case FLOAT64:
                for (double d : c.toDoubleArray()) {
                    b.append(String.format("%016x", Double.doubleToRawLongBits(d)));
                }
                return b.toString();
            default: {
                long[] v = c.toLongArray();
                for (int i = 0; i < v.length; i++) {
                    b.append(i == 0 ? "" : ",").append(v[i]);
                }
                return b.toString();
            }
        }
    }

    /**
     * Null when {@code t} matches PyTorch's line: the same dtype and shape, the values bit for bit when the tolerance
     * is 0, else each within {@code tol * max(1, max |PyTorch's values|)}.
     */
    static String compare(Tensor t, String want) {
        String[] b = want.split(" ");
        String ours = format(t, b[3]);
        String[] a = ours.split(" ");
        if (!a[1].equals(b[1]) || !a[2].equals(b[2])) {
            return "PyTorch " + b[1] + " " + b[2] + ", Ember " + a[1] + " " + a[2];
        }
        if (a[4].equals(b[4])) {
            return null;
        }
        double tol = Double.parseDouble(b[3]);
        String dt = b[1].equals("complex64") ? "float32" : b[1].equals("complex128") ? "float64" : b[1];
        int width = dt.equals("float64") ? 16 : dt.equals("float32") ? 8 : dt.endsWith("float16") ? 4 : 0;
        if (tol == 0 || width == 0 || a[4].length() != b[4].length()) {
            return "values differ: PyTorch " + abbrev(b[4]) + ", Ember " + abbrev(a[4]);
        }
        int n = b[4].length() / width;
        double[] x = new double[n];
        double[] y = new double[n];
        double scale = 1;
        for (int i = 0; i < n; i++) {
            x[i] = value(Long.parseUnsignedLong(a[4].substring(i * width, i * width + width), 16), dt);
            y[i] = value(Long.parseUnsignedLong(b[4].substring(i * width, i * width + width), 16), dt);
            scale = Math.max(scale, Math.abs(y[i]));
        }
        for (int i = 0; i < n; i++) {
            boolean bothNaN = Double.isNaN(x[i]) && Double.isNaN(y[i]);
            if (!bothNaN && !(Math.abs(x[i] - y[i]) <= tol * scale) && x[i] != y[i]) {
                return "element " + i + ": PyTorch " + y[i] + ", Ember " + x[i] + " (tolerance " + tol + " x "
                        + scale + ")";
            }
        }
        return null;
    }

    private static double value(long bits, String dtype) {
        switch (dtype) {
            case "float64": return Double.longBitsToDouble(bits);
            case "float32": return Float.intBitsToFloat((int) bits);
            case "float16": return Half.toFloat((short) bits);
            default: return BFloat16.toFloat((short) bits);
        }
    }

    private static String abbrev(String s) {
        return s.length() <= 120 ? s : s.substring(0, 120) + "...";
    }
}
