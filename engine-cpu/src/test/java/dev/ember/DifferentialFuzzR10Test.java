package dev.ember;

import dev.ember.ao.quantization.QuantDType;
import dev.ember.ao.quantization.QuantizedTensor;
import dev.ember.nn.Functional;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Round 10 of the differential fuzz against PyTorch ({@code differentialfuzzr10/make_cases.py}, whose header lists
 * every boundary): the CPU kernels' shape-chosen paths, at, just below and just above each point where a kernel
 * switches path (GEMM tiles, KC/MC/NC blocks, packing, the GEMV, dot-product, few-row and depth-split paths, the
 * direct and row convolution kernels, the window codes and unrolled 2x2 of max pooling, ColumnReduce and the split
 * run of reductions, the FFT's radices, Bluestein and SIMD lanes, the int8 GEMM of quantized linear and conv2d), and
 * softmax, the normalization layers and resampling over sizes their work is shared out at.
 *
 * <p>The inputs are not stored: {@link #gen} makes them from a seed, as the script does, as multiples of 1/32 in
 * [-2, 2], so the products and sums of a matrix product, convolution, max pooling or sum are exact in float32 too:
 * there Ember's float32 result and gradients must be PyTorch's float64 ones bit for bit, whatever path a kernel took;
 * other ops are judged at 4 times PyTorch's own float32 error. Each case runs in float32 and float64.
 *
 * <p>{@link #threadCountLeavesTheClaimedBitsUnchanged} tests {@link Determinism}'s claim: elementwise ops, reductions,
 * matrix products whose depth is not split and the other kernels give the same bits for any worker count; the
 * exceptions it names (a matrix product whose depth is split between threads, a convolution of one sample whose
 * column-matrix product is one, the convolution's weight gradient, the normalization layers' weight and bias
 * gradients) are left out. Run the class under
 * {@code -Dember.cpu.threads=1} and {@code -XX:UseAVX=2} too (256-bit vectors: other tiles, direct-convolution
 * channel blocks and FFT lanes); session 38 ran it under both on the Intel Xeon (AVX-512), with no difference.
 *
 * <p>Found by this round and fixed (session 38): Gemm.fewRows split B's columns between threads where dots2x4 and dot
 * met, and the im2col convolution grouped its samples by each thread's chunk (both changed last bits with the thread
 * count; GemmTest and ConvThreadCountTest hold the regressions); 2-d max pooling kept a window's first NaN where
 * PyTorch takes its last (PoolFloat32Test). The quantized cases are judged against this PyTorch's
 * onednn engine within a quantum (its build has no FBGEMM, whose arithmetic Ember copies bit for bit: the
 * quantdynamic and staticquant tests check that exactly).
 */
class DifferentialFuzzR10Test {
    private static final String RESOURCE = "/differentialfuzzr10/cases.txt";

    /**
     * The thread counts each case is computed with besides the default one (the JVM's {@code ember.cpu.threads} or its
     * core count), compared with one thread's bits.
     */
    private static final int[] THREADS = {2, 3};

    @Test
    void everyCaseMatchesPyTorch() {
        List<ReferenceCases.Case> cases = ReferenceCases.byFirstWord(RESOURCE);
        assertTrue(cases.size() >= 800, "cases: " + cases.size());
        List<String> problems = new ArrayList<>();
        for (ReferenceCases.Case c : cases) {
            for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
                String p;
                try {
                    p = check(c, dtype);
                } catch (RuntimeException | AssertionError e) {
                    p = "harness: " + e;
                }
                if (p != null) {
                    problems.add(c.key() + " [" + c.get("note") + "] " + dtype + ": " + p);
                }
                if (c.key().split(" ")[1].startsWith("q")) {
                    break;
                }
            }
        }
        if (!problems.isEmpty()) {
            fail(problems.size() + " differ from PyTorch:\n" + String.join("\n", problems));
        }
    }

    @Test
    void threadCountLeavesTheClaimedBitsUnchanged() {
        int before = Ember.getNumThreads();
        int[] counts = IntStream.concat(Arrays.stream(THREADS), IntStream.of(before)).filter(t -> t > 1).distinct()
                .toArray();
        List<String> problems = new ArrayList<>();
        try {
            for (ReferenceCases.Case c : ReferenceCases.byFirstWord(RESOURCE)) {
                if (c.get("error") != null || c.key().split(" ")[1].startsWith("q")) {
                    continue;
                }
                Ember.setNumThreads(1);
                List<double[]> one = results(c, true);
                boolean[] exempt = exempt(c, pixels(c, one.get(0).length));
                for (int threads : counts) {
                    Ember.setNumThreads(threads);
                    List<double[]> many = results(c, true);
                    for (int i = 0; i < one.size(); i++) {
                        if (i < exempt.length && exempt[i]) {
                            continue;
                        }
                        if (!bitsEqual(one.get(i), many.get(i))) {
                            problems.add(c.key() + " [" + c.get("note") + "] " + (i == 0 ? "out" : "grad" + (i - 1))
                                    + " at " + threads + " threads differs from 1 thread at " + firstDifference(one.get(i),
                                    many.get(i)));
                        }
                    }
                }
            }
        } finally {
            Ember.setNumThreads(before);
        }
        if (!problems.isEmpty()) {
            fail(problems.size() + " results depend on the thread count:\n" + String.join("\n", problems));
        }
    }

    // ---- inputs

    /**
     * The script's {@code gen}: element k of a tensor of {@code shape} from {@code seed}, a multiple of 1/32 in [-2, 2].
     * With {@code random}, a value in [-2, 2) with 24 random bits instead (the thread-count test: sums that round).
     */
    static Tensor gen(int[] shape, long seed, DType dtype, boolean random) {
        long n = 1;
        for (int s : shape) {
            n = Math.multiplyExact(n, s);
        }
        double[] v = new double[Math.toIntExact(n)];
        for (int k = 0; k < v.length; k++) {
            // splitmix64's finalizer over (k + 1) C1 + seed C2, as the script's numpy uint64 arithmetic
            long x = (k + 1L) * 0x9E3779B97F4A7C15L + seed * 0xBF58476D1CE4E5B9L;
            x ^= x >>> 31;
            x *= 0x94D049BB133111EBL;
            x ^= x >>> 29;
            long top = x >>> 40;
            v[k] = random ? top / (double) (1 << 24) * 4 - 2 : (top % 129 - 64) / 32.0;
        }
        return Tensor.tensor(v, DType.FLOAT64, Device.CPU).reshape(shape).to(dtype);
    }

    /** A case's input: its base (which takes the gradient) and the view the op receives. */
    private record Input(Tensor base, Tensor view) {
    }

    private static List<Input> inputs(ReferenceCases.Case c, DType dtype, boolean grad, boolean random) {
        List<Input> out = new ArrayList<>();
        for (int i = 0; c.get("in" + i) != null; i++) {
            String line = c.get("in" + i);
            int at = line.indexOf(" @ ");
            String head = at < 0 ? line : line.substring(0, at);
            int[] shape = ints(head.substring(head.indexOf('[') + 1, head.indexOf(']')).replace(" ", ""));
            String[] words = head.substring(head.indexOf(']') + 1).trim().split(" ");
            Tensor base = gen(shape, Long.parseLong(words[1]), dtype, random);
            if (i == 0 && args(c).containsKey("special")) {
                base = special(base, args(c).get("special"));
            }
            if (grad) {
                base.requiresGrad_(true);
            }
            Tensor view = at < 0 ? base : FuzzCaseRunner.view(base, line.substring(at + 3));
            if (words.length > 2 && words[2].equals("cplx")) {
                view = view.viewAsComplex();
            }
            out.add(new Input(base, view));
        }
        return out;
    }

    /** The script's special=: values (nan, inf, -inf) written at flat positions of input 0's base. */
    private static Tensor special(Tensor base, String spec) {
        double[] v = base.toDoubleArray();
        for (String item : spec.split(",")) {
            String value = item.substring(item.indexOf(':') + 1);
            v[Integer.parseInt(item.substring(0, item.indexOf(':')))] = value.equals("nan") ? Double.NaN
                    : value.equals("inf") ? Double.POSITIVE_INFINITY : value.equals("-inf") ? Double.NEGATIVE_INFINITY
                    : Double.parseDouble(value);
        }
        return Tensor.tensor(v, DType.FLOAT64, Device.CPU).reshape(base.shape()).to(base.dtype());
    }

    private static int[] ints(String csv) {
        return csv.isEmpty() ? new int[0] : Arrays.stream(csv.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    private static Map<String, String> args(ReferenceCases.Case c) {
        Map<String, String> out = new HashMap<>();
        if (c.get("args") != null) {
            for (String tok : c.get("args").trim().split(" ")) {
                out.put(tok.substring(0, tok.indexOf('=')), tok.substring(tok.indexOf('=') + 1));
            }
        }
        return out;
    }

    // ---- the ops

    /** Ember's result of the case's op (view_as_real of a complex one), as the script's {@code call}. */
    private static Tensor call(String op, List<Tensor> in, Map<String, String> a) {
        Tensor x = in.get(0);
        Tensor third = in.size() > 2 ? in.get(2) : null;
        switch (op) {
            case "matmul": return x.matmul(in.get(1));
            case "bmm": return x.bmm(in.get(1));
            case "addmm": return x.addmm(in.get(1), in.get(2), Double.parseDouble(a.get("beta")),
                    Double.parseDouble(a.get("alpha")));
            case "linear": return Functional.linear(x, in.get(1), third);
            case "conv1d": return Functional.conv1d(x, in.get(1), third, ints(a.get("stride")), ints(a.get("padding")),
                    ints(a.get("dilation")), Integer.parseInt(a.get("groups")));
            case "conv2d": return Functional.conv2d(x, in.get(1), third, ints(a.get("stride")), ints(a.get("padding")),
                    ints(a.get("dilation")), Integer.parseInt(a.get("groups")));
            case "conv3d": return Functional.conv3d(x, in.get(1), third, ints(a.get("stride")), ints(a.get("padding")),
                    ints(a.get("dilation")), Integer.parseInt(a.get("groups")));
            case "convT1d": return Functional.convTranspose1d(x, in.get(1), third, ints(a.get("stride"))[0],
                    ints(a.get("padding"))[0], ints(a.get("outpad"))[0], Integer.parseInt(a.get("groups")),
                    ints(a.get("dilation"))[0]);
            case "convT2d": return Functional.convTranspose2d(x, in.get(1), third, ints(a.get("stride")),
                    ints(a.get("padding")), ints(a.get("outpad")), Integer.parseInt(a.get("groups")),
                    ints(a.get("dilation")));
            case "convT3d": return Functional.convTranspose3d(x, in.get(1), third, ints(a.get("stride")),
                    ints(a.get("padding")), ints(a.get("outpad")), Integer.parseInt(a.get("groups")),
                    ints(a.get("dilation")));
            case "maxpool1d": return Functional.maxPool1d(x, ints(a.get("kernel"))[0], ints(a.get("stride"))[0],
                    ints(a.get("padding"))[0], ints(a.get("dilation"))[0], a.get("ceil").equals("1"));
            case "maxpool2d": return Functional.maxPool2d(x, ints(a.get("kernel")), ints(a.get("stride")),
                    ints(a.get("padding")), ints(a.get("dilation")), a.get("ceil").equals("1"));
            case "maxpool3d": return Functional.maxPool3d(x, ints(a.get("kernel")), ints(a.get("stride")),
                    ints(a.get("padding")), ints(a.get("dilation")), a.get("ceil").equals("1"));
            case "avgpool1d": return Functional.avgPool1d(x, ints(a.get("kernel"))[0], ints(a.get("stride"))[0],
                    ints(a.get("padding"))[0], a.get("ceil").equals("1"), a.get("cip").equals("1"));
            case "avgpool2d": return Functional.avgPool2d(x, ints(a.get("kernel")), ints(a.get("stride")),
                    ints(a.get("padding")), a.get("ceil").equals("1"), a.get("cip").equals("1"), divisor(a));
            case "avgpool3d": return Functional.avgPool3d(x, ints(a.get("kernel")), ints(a.get("stride")),
                    ints(a.get("padding")), a.get("ceil").equals("1"), a.get("cip").equals("1"), divisor(a));
            case "softmax": return Functional.softmax(x, Integer.parseInt(a.get("dim")));
            case "log_softmax": return Functional.logSoftmax(x, Integer.parseInt(a.get("dim")));
            case "layer_norm": return Functional.layerNorm(x, ints(a.get("shape")), in.get(1), in.get(2), 1e-5);
            case "group_norm": return Functional.groupNorm(x, Integer.parseInt(a.get("groups")), in.get(1), in.get(2),
                    1e-5);
            case "batch_norm": return Functional.batchNorm(x, null, null, in.get(1), in.get(2), true, 0.1, 1e-5);
            case "interpolate": return Functional.interpolate(x, ints(a.get("size")), null, a.get("mode"),
                    a.get("align").equals("none") ? null : a.get("align").equals("1"), null);
            default: return reductionOrFft(op, x, a);
        }
    }

    private static Integer divisor(Map<String, String> a) {
        int d = Integer.parseInt(a.get("div"));
        return d == 0 ? null : d;
    }

    private static Tensor reductionOrFft(String op, Tensor x, Map<String, String> a) {
        if (a.containsKey("keepdim")) {
            boolean keep = a.get("keepdim").equals("1");
            boolean all = a.get("dims").equals("all");
            int[] dims = all ? null : ints(a.get("dims"));
            switch (op) {
                case "sum": return all ? x.sum() : x.sum(dims, keep);
                case "mean": return all ? x.mean() : x.mean(dims, keep);
                case "amax": return all ? x.amax() : x.amax(dims, keep);
                case "amin": return all ? x.amin() : x.amin(dims, keep);
                case "var": return all ? x.var() : x.var(dims, keep);
                case "std": return all ? x.std() : x.std(dims, keep);
                case "logsumexp": return x.logsumexp(dims, keep);
                case "prod": return all ? x.prod() : x.prod(dims[0], keep);
                default: throw new IllegalStateException("op " + op);
            }
        }
        Tensor r;
        if (a.containsKey("dims")) {
            int[] s = a.get("s").equals("none") ? null : ints(a.get("s"));
            int[] dims = ints(a.get("dims"));
            String norm = a.get("norm");
            switch (op) {
                case "fftn": r = Fft.fftn(x, s, dims, norm); break;
                case "ifftn": r = Fft.ifftn(x, s, dims, norm); break;
                case "rfftn": r = Fft.rfftn(x, s, dims, norm); break;
                case "irfftn": r = Fft.irfftn(x, s, dims, norm); break;
                default: throw new IllegalStateException("op " + op);
            }
        } else {
            int n = Integer.parseInt(a.get("n"));
            Integer len = n == 0 ? null : n;
            int dim = Integer.parseInt(a.get("dim"));
            String norm = a.get("norm");
            switch (op) {
                case "fft": r = Fft.fft(x, len, dim, norm); break;
                case "ifft": r = Fft.ifft(x, len, dim, norm); break;
                case "rfft": r = Fft.rfft(x, len, dim, norm); break;
                case "irfft": r = Fft.irfft(x, len, dim, norm); break;
                case "hfft": r = Fft.hfft(x, len, dim, norm); break;
                case "ihfft": r = Fft.ihfft(x, len, dim, norm); break;
                default: throw new IllegalStateException("op " + op);
            }
        }
        return r.isComplex() ? r.viewAsReal() : r;
    }

    // ---- one case against PyTorch

    /** Null where Ember's {@code dtype} result (and gradients) match the case, else what differs. */
    private static String check(ReferenceCases.Case c, DType dtype) {
        String op = c.key().split(" ")[1];
        Map<String, String> a = args(c);
        if (op.startsWith("q")) {
            return checkQuantized(op, c, a);
        }
        boolean grad = c.get("grad0") != null;
        List<Input> in = inputs(c, dtype, grad, false);
        List<Tensor> views = new ArrayList<>();
        List<double[]> before = new ArrayList<>();
        for (Input i : in) {
            views.add(i.view);
            before.add(i.base.detach().toDoubleArray());
        }
        Tensor out;
        try {
            out = call(op, views, a);
        } catch (RuntimeException e) {
            if (c.get("error") == null) {
                return "PyTorch gives a result, Ember throws " + e;
            }
            String first = e.getMessage() == null ? null : e.getMessage().split("\n", -1)[0];
            if (!c.get("error").equals(first)) {
                return "message: PyTorch \"" + c.get("error") + "\", Ember \"" + e.getMessage() + "\"";
            }
            for (int i = 0; i < in.size(); i++) {
                if (!Arrays.equals(before.get(i), in.get(i).base.detach().toDoubleArray())) {
                    return "input " + i + " changed by a failing call";
                }
            }
            return null;
        }
        if (c.get("error") != null) {
            return "PyTorch throws \"" + c.get("error") + "\", Ember gives " + Arrays.toString(out.shape());
        }
        boolean single = dtype == DType.FLOAT32;
        double tol = single ? Double.parseDouble(c.get("tol32").trim()) : exactOr(c.get("tol32"), 1e-10);
        String p = compare("out", c.get("out"), out, dtype, tol);
        if (p != null || !grad) {
            return p;
        }
        double gtol = single ? Double.parseDouble(c.get("gtol32").trim()) : exactOr(c.get("gtol32"), 1e-10);
        out.mul(FuzzCaseRunner.weights(out.shape(), dtype)).sum().backward();
        for (int i = 0; i < in.size(); i++) {
            String want = c.get("grad" + i);
            Tensor got = in.get(i).base.grad();
            if (want.equals("none") != (got == null)) {
                return "grad" + i + ": PyTorch " + (want.equals("none") ? "none" : "a gradient") + ", Ember "
                        + (got == null ? "none" : "a gradient");
            }
            if (got != null) {
                p = compare("grad" + i, want, got, dtype, gtol);
                if (p != null) {
                    return p;
                }
            }
        }
        return null;
    }

    /** 0 (bit for bit) where the float32 tolerance is, else {@code otherwise}. */
    private static double exactOr(String tol32, double otherwise) {
        return Double.parseDouble(tol32.trim()) == 0 ? 0 : otherwise;
    }

    /**
     * Null where {@code got} has the expected line's shape, {@code dtype} and values within {@code tol} (relative, at
     * least 1 in the denominator; 0: equal values). A line of more than the script's FULL values holds its digests (the
     * weighted sums of {@link #digestWeight}, compared within {@code tol} times the sum of the weighted magnitudes) and
     * a sample of values instead.
     */
    private static String compare(String what, String line, Tensor got, DType dtype, double tol) {
        int close = line.indexOf(']');
        int[] shape = ints(line.substring(line.indexOf('[') + 1, close).replace(" ", ""));
        if (got.dtype() != dtype || !Arrays.equals(shape, got.shape())) {
            return what + ": PyTorch " + dtype + Arrays.toString(shape) + ", Ember " + got.dtype()
                    + Arrays.toString(got.shape());
        }
        double[] g = got.detach().toDoubleArray();
        String rest = line.substring(close + 1).trim();
        if (!rest.startsWith("digest ")) {
            double[] e = PyTorchCases.tensor(line).toDoubleArray();
            for (int i = 0; i < e.length; i++) {
                String p = compareValue(what, i, e[i], g[i], tol);
                if (p != null) {
                    return p;
                }
            }
            return null;
        }
        String[] w = rest.split(" ");
        int samples = Arrays.asList(w).indexOf("sample");
        for (int j = 0; j < samples - 1; j++) {
            double want = PyTorchCases.numbers(w[1 + j])[0];
            double sum = 0;
            double magnitude = 0;
            for (int k = 0; k < g.length; k++) {
                sum += g[k] * digestWeight(k, j);
                magnitude += Math.abs(g[k] * digestWeight(k, j));
            }
            boolean ok = Double.isNaN(want) ? Double.isNaN(sum) : Double.isInfinite(want) || tol == 0 ? sum == want
                    : Math.abs(sum - want) <= tol * Math.max(1, magnitude);
            if (!ok) {
                return what + ": digest " + j + " PyTorch " + want + ", Ember " + sum + " (tol " + tol + ")";
            }
        }
        for (int j = samples + 1; j < w.length; j++) {
            int at = Integer.parseInt(w[j].substring(0, w[j].indexOf('=')));
            String p = compareValue(what, at, PyTorchCases.numbers(w[j].substring(w[j].indexOf('=') + 1))[0], g[at],
                    tol);
            if (p != null) {
                return p;
            }
        }
        return null;
    }

    private static String compareValue(String what, int i, double e, double g, double tol) {
        boolean ok = Double.isNaN(e) ? Double.isNaN(g)
                : tol == 0 || Double.isInfinite(e) ? e == g : Math.abs(e - g) <= tol * Math.max(1, Math.abs(e));
        return ok ? null : what + "[" + i + "]: PyTorch " + e + ", Ember " + g + " (tol " + tol + ")";
    }

    /** The script's digest_weights: weight j of element k, a small integer. */
    private static long digestWeight(long k, int j) {
        return j == 0 ? 1 : j == 1 ? k % 7 - 3 : ((k * 40503) >> 5) % 17 - 8;
    }

    /**
     * The int8 GEMM cases: PyTorch's float32 output (dynamic) or the quint8 output's integers, within the case's absolute
     * {@code qtol} (this PyTorch computes them with onednn, not FBGEMM, whose arithmetic Ember copies; see the script).
     */
    private static String checkQuantized(String op, ReferenceCases.Case c, Map<String, String> a) {
        List<Input> in = inputs(c, DType.FLOAT32, false, false);
        QuantizedTensor qw = QuantizedTensor.quantizePerTensor(in.get(1).view, Double.parseDouble(a.get("wscale")), 0,
                QuantDType.QINT8);
        Tensor bias = in.size() > 2 ? in.get(2).view : null;
        Tensor got;
        try {
            if (op.equals("qlinear_dynamic")) {
                got = QuantizedOps.linearDynamic(in.get(0).view, qw, bias);
            } else {
                QuantizedTensor qx = QuantizedTensor.quantizePerTensor(in.get(0).view,
                        Double.parseDouble(a.get("xscale")), Long.parseLong(a.get("xzp")), QuantDType.QUINT8);
                double os = Double.parseDouble(a.get("oscale"));
                long oz = Long.parseLong(a.get("ozp"));
                QuantizedTensor q = op.equals("qlinear")
                        ? QuantizedOps.linear(qx, QuantizedOps.linearPrepack(qw, bias), os, oz, false)
                        : QuantizedOps.conv2d(qx, qw, bias, ints(a.get("stride")), ints(a.get("padding")),
                        ints(a.get("dilation")), Integer.parseInt(a.get("groups")), os, oz, false);
                got = q.intRepr();
            }
        } catch (RuntimeException e) {
            return c.get("error") != null && c.get("error").equals(e.getMessage()) ? null
                    : "PyTorch " + (c.get("error") == null ? "gives a result" : "\"" + c.get("error") + "\"")
                    + ", Ember throws " + e;
        }
        if (c.get("error") != null) {
            return "PyTorch throws \"" + c.get("error") + "\", Ember gives a result";
        }
        Tensor want = PyTorchCases.tensor(c.get("qout"));
        if (want.dtype() != got.dtype() || !Arrays.equals(want.shape(), got.shape())) {
            return "qout: PyTorch " + want.dtype() + Arrays.toString(want.shape()) + ", Ember " + got.dtype()
                    + Arrays.toString(got.shape());
        }
        double tol = Double.parseDouble(c.get("qtol").trim());
        double[] e = want.toDoubleArray();
        double[] g = got.toDoubleArray();
        for (int i = 0; i < e.length; i++) {
            if (!(Math.abs(e[i] - g[i]) <= tol)) {
                return "qout[" + i + "]: PyTorch " + e[i] + ", Ember " + g[i] + " (absolute tol " + tol + ")";
            }
        }
        return null;
    }

    // ---- the thread-count claim

    /** The float32 output and every input's gradient (empty where none) of case c on random inputs. */
    private static List<double[]> results(ReferenceCases.Case c, boolean random) {
        String op = c.key().split(" ")[1];
        boolean grad = c.get("grad0") != null;
        List<Input> in = inputs(c, DType.FLOAT32, grad, random);
        List<Tensor> views = new ArrayList<>();
        for (Input i : in) {
            views.add(i.view);
        }
        Tensor out = call(op, views, args(c));
        List<double[]> r = new ArrayList<>();
        r.add(out.detach().toDoubleArray());
        if (grad) {
            out.mul(FuzzCaseRunner.weights(out.shape(), DType.FLOAT32)).sum().backward();
            for (Input i : in) {
                r.add(i.base.grad() == null ? new double[0] : i.base.grad().toDoubleArray());
            }
        }
        return r;
    }

    /**
     * Which results (out, then each input's gradient) Determinism lets change with the thread count: the products
     * whose depth is split between the threads (Gemm.splitsDepth's shape condition, without its L2 bound), and the
     * convolution's weight gradient.
     */
    private static boolean[] exempt(ReferenceCases.Case c, long outputPixels) {
        String op = c.key().split(" ")[1];
        boolean[] out = new boolean[4];
        List<Input> in = inputs(c, DType.FLOAT32, false, false);
        if (op.startsWith("conv")) {
            // the weight gradient; and where one sample makes one column-matrix product (og x ckk x ohw) whose depth
            // may split (ConvKernels' samples go in groups of a quarter of the batch: one group only at batch 1), the
            // forward pass
            out[2] = true;
            int[] x = in.get(0).view.shape();
            int[] w = in.get(1).view.shape();
            if (!op.startsWith("convT") && x.length == w.length && x[0] == 1) {
                long ckk = 1;
                for (int d = 1; d < w.length; d++) {
                    ckk *= w[d];
                }
                int groups = x[1] / w[1];
                out[0] = splitsDepth(w[0] / groups, outputPixels, ckk);
            }
            return out;
        }
        if (op.endsWith("_norm")) {
            // the normalization layers' weight and bias gradients
            out[2] = true;
            out[3] = true;
            return out;
        }
        int[] a;
        int[] b;
        switch (op) {
            case "matmul":
            case "bmm":
                a = in.get(0).view.shape();
                b = in.get(1).view.shape();
                break;
            case "addmm":
                a = in.get(1).view.shape();
                b = in.get(2).view.shape();
                break;
            case "linear":
                a = in.get(0).view.shape();
                int[] w = in.get(1).view.shape();
                b = new int[] {w[1], w[0]};
                long rows = in.get(0).view.numel() / a[a.length - 1];
                a = new int[] {(int) rows, a[a.length - 1]};
                break;
            default:
                return out;
        }
        int m = a.length == 1 ? 1 : a[a.length - 2];
        int k = a[a.length - 1];
        int n = b.length == 1 ? 1 : b[b.length - 1];
        int first = op.equals("addmm") ? 2 : 1;
        out[0] = splitsDepth(m, n, k);
        out[first] = splitsDepth(m, k, n);
        out[first + 1] = splitsDepth(k, n, m);
        return out;
    }

    /** A convolution's output pixels per sample and channel, from its output's size; 0 for another op. */
    private static long pixels(ReferenceCases.Case c, int outputSize) {
        if (!c.key().split(" ")[1].startsWith("conv")) {
            return 0;
        }
        List<Input> in = inputs(c, DType.FLOAT32, false, false);
        int[] x = in.get(0).view.shape();
        int o = c.key().split(" ")[1].startsWith("convT") ? in.get(1).view.size(1) : in.get(1).view.size(0);
        return x[0] == 0 || o == 0 ? 0 : outputSize / ((long) x[0] * o);
    }

    /** Gemm.splitsDepth's shape condition, without the bound that C fits half of L2 (a superset). */
    private static boolean splitsDepth(long rows, long cols, long depth) {
        return depth >= 512 && depth >= 4 * Math.max(rows, cols) && rows * cols * depth >= 64L << 17;
    }

    private static boolean bitsEqual(double[] x, double[] y) {
        if (x.length != y.length) {
            return false;
        }
        for (int i = 0; i < x.length; i++) {
            if (Double.doubleToLongBits(x[i]) != Double.doubleToLongBits(y[i])) {
                return false;
            }
        }
        return true;
    }

    private static String firstDifference(double[] x, double[] y) {
        if (x.length != y.length) {
            return "length " + x.length + " vs " + y.length;
        }
        int count = 0;
        int first = -1;
        for (int i = 0; i < x.length; i++) {
            if (Double.doubleToLongBits(x[i]) != Double.doubleToLongBits(y[i])) {
                count++;
                first = first < 0 ? i : first;
            }
        }
        return "[" + first + "] " + x[first] + " vs " + y[first] + " (" + count + " of " + x.length + ")";
    }
}
