package dev.ember;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * {@code torch.autograd.gradcheck} with its keyword options ({@link GradcheckOptions}), following PyTorch 2.x's
 * {@code torch/autograd/gradcheck.py}: the input checks of {@code _check_inputs}, the slow mode (whole Jacobians, the
 * analytical one computed twice to check reentrancy within {@code nondet_tol}), the fast mode
 * ({@code _fast_gradcheck}: {@code v^T J u} for random unit vectors {@code u}, {@code v} against the numerical
 * directional derivative, the tolerance {@code atol} scaled by {@code sum(u) * sum(v)}), then
 * {@code _test_backward_mul_by_grad_output} and {@code _test_undefined_backward_mode}.
 */
final class Gradcheck {
    private static final System.Logger LOG = System.getLogger(Gradcheck.class.getName());

    /** PyTorch's {@code FAILED_NONDET_MSG}. */
    static final String FAILED_NONDET_MSG = "\n\n"
            + "NOTE: If your op relies on non-deterministic operations i.e., it is listed here:\n"
            + "https://pytorch.org/docs/stable/generated/torch.use_deterministic_algorithms.html\n"
            + "this failure might be expected.\n"
            + "\n"
            + "If you are adding a new operator, please file an issue and then use one of the\n"
            + "workarounds. The workaround depends on how your test invokes gradcheck/gradgradcheck.\n"
            + "If the test\n"
            + "- manually invokes gradcheck/gradgradcheck, then call gradcheck/gradgradcheck\n"
            + "  with `nondet_tol=<tol>` as a keyword argument.\n"
            + "- is OpInfo-based (e.g., in test_ops_gradients.py), then modify the OpInfo for the test\n"
            + "  to have `gradcheck_nondet_tol=<tol>`.\n"
            + "- is a Module test (e.g., in common_nn.py), then modify the corresponding\n"
            + "  module_test entry to have `gradcheck_nondet_tol=<tol>`\n";

    /** PyTorch's {@code FAST_FAIL_SLOW_OK_MSG}. */
    static final String FAST_FAIL_SLOW_OK_MSG = "Fast gradcheck failed but element-wise differences are small. This "
            + "means that the\ntest might've passed in slow_mode!\n\n"
            + "If you are adding a new operator, please file an issue and then use one of the\n"
            + "workarounds. The workaround depends on how your test invokes gradcheck/gradgradcheck:\n\n"
            + "If the test\n"
            + "- manually invokes gradcheck/gradgradcheck, then call gradcheck/gradgradcheck\n"
            + "  with `fast_mode=False` as a keyword argument.\n"
            + "- is OpInfo-based (e.g., in test_ops_gradients.py), then modify the OpInfo for the test\n"
            + "  to have `gradcheck_fast_mode=False`\n"
            + "- is a Module test (e.g., in common_nn.py), then modify the corresponding\n"
            + "  module_test entry to have `gradcheck_fast_mode=False`";

    /** The seed of a new {@code torch.Generator()}, which {@code _make_vectors} uses. */
    private static final long DEFAULT_SEED = 67280421310721L;

    private Gradcheck() {
    }

    /** {@code torch.autograd.gradcheck(func, inputs, **options)}. */
    static boolean gradcheck(Function<Tensor[], Tensor[]> fn, Tensor[] inputs, GradcheckOptions options) {
        Args.require(fn, "gradcheck", "func", 1, "Callable");
        Args.tensors(Arrays.asList(Args.require(inputs, "gradcheck", "inputs", 2, "tuple of Tensors")), "gradcheck",
                "inputs", 2);
        Args.require(options, "gradcheck", "options", 3, "GradcheckOptions");
        if (!options.checkBackwardAd()) {
            throw new IllegalArgumentException("Expected at least one of check_forward_ad or check_backward_ad to be "
                    + "True");
        }
        if (!options.raiseException()) {
            try {
                return helper(fn, inputs, options);
            } catch (Autograd.GradcheckError e) {
                return false;
            }
        }
        return helper(fn, inputs, options);
    }

    /** PyTorch's {@code _gradcheck_helper}. */
    private static boolean helper(Function<Tensor[], Tensor[]> fn, Tensor[] inputs, GradcheckOptions opt) {
        checkInputs(inputs);
        Tensor[] funcOut = Autograd.outputsOf(fn, inputs, -1);
        int nOut = funcOut.length;
        List<Integer> diffOuts = new ArrayList<>();
        for (int o = 0; o < nOut; o++) {
            if (funcOut[o].requiresGrad()) {
                diffOuts.add(o);
            }
        }
        List<Integer> diffIdx = new ArrayList<>();
        List<Tensor> diffInputs = new ArrayList<>();
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i].requiresGrad()) {
                diffIdx.add(i);
                diffInputs.add(inputs[i]);
            }
        }
        if (opt.fastMode()) {
            fast(fn, inputs, nOut, diffIdx, diffOuts, opt);
        } else {
            slow(fn, inputs, nOut, diffIdx, diffOuts, opt);
        }
        if (diffOuts.isEmpty()) {
            // PyTorch's _test_backward_mul_by_grad_output would call grad with no outputs: nothing to check
            return true;
        }
        mulByGradOutput(fn, inputs, nOut, diffOuts, diffInputs);
        if (opt.checkUndefinedGrad()) {
            undefinedBackward(fn, inputs, nOut, diffOuts, diffInputs);
        }
        return true;
    }

    /** PyTorch's {@code _check_inputs}: the float64 warning, overlapping inputs, no input requiring grad. */
    private static void checkInputs(Tensor[] inputs) {
        boolean any = false;
        for (int i = 0; i < inputs.length; i++) {
            Tensor t = inputs[i];
            if (!t.requiresGrad()) {
                continue;
            }
            if (t.dtype() != DType.FLOAT64) {
                LOG.log(System.Logger.Level.WARNING, "Input #" + i + " requires gradient and is not a double precision "
                        + "floating point or complex. This check will likely fail if all the inputs are not of double "
                        + "precision floating point or complex. ");
            }
            for (int d = 0; d < t.dim(); d++) {
                if (t.stride(d) <= 0 && t.shapeRef()[d] > 1) {
                    throw new IllegalArgumentException("The " + i + "th input has a dimension with stride 0. gradcheck "
                            + "only supports inputs that are non-overlapping to be able to compute the numerical "
                            + "gradients correctly. You should call .contiguous on the input before passing it to "
                            + "gradcheck.");
                }
            }
            any = true;
        }
        if (!any) {
            throw new IllegalArgumentException("gradcheck expects at least one input tensor to require gradient, but none "
                    + "of the them have requires_grad=True.");
        }
    }

    /** The element of {@code data} at flat (row-major) index {@code j}, as a 0-d view. */
    private static Tensor element(Tensor data, int j) {
        int[] shape = data.shapeRef();
        Tensor e = data;
        long rest = j;
        long[] idx = new long[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = rest % shape[d];
            rest /= shape[d];
        }
        for (int d = 0; d < shape.length; d++) {
            e = e.select(0, (int) idx[d]);
        }
        return e;
    }

    /**
     * The numerical Jacobians of every output with respect to input {@code ii}: {@code [output][input element][output
     * element]}, each element perturbed in place through the input's own layout ({@code _get_numerical_jacobian}).
     */
    private static double[][][] numericalJacobian(Function<Tensor[], Tensor[]> fn, Tensor[] inputs, int nOut, int ii,
                                                  double eps) {
        Tensor x = inputs[ii];
        Tensor data = x.data();
        int inN = (int) x.numel();
        double[][][] jac = new double[nOut][inN][];
        for (int j = 0; j < inN; j++) {
            Tensor e = element(data, j);
            double orig = e.item();
            e.fill_(orig - eps);
            double[][] a = Autograd.values(Autograd.outputsOf(fn, inputs, nOut));
            e.fill_(orig + eps);
            double[][] b = Autograd.values(Autograd.outputsOf(fn, inputs, nOut));
            e.fill_(orig);
            for (int o = 0; o < nOut; o++) {
                if (a[o].length != b[o].length) {
                    throw new Autograd.GradcheckError("Expected output " + o + " to have the same number of elements on "
                            + "every call, got " + a[o].length + " and " + b[o].length);
                }
                double[] col = new double[a[o].length];
                for (int k = 0; k < col.length; k++) {
                    col[k] = (b[o][k] - a[o][k]) / (2 * eps);
                }
                jac[o][j] = col;
            }
        }
        return jac;
    }

    /** A {@code [rows, cols]} tensor of {@code dtype} from {@code m[row][col]}, for PyTorch's messages. */
    private static Tensor matrix(double[][] m, int rows, int cols, DType dtype) {
        double[] flat = new double[rows * cols];
        for (int r = 0; r < rows; r++) {
            if (m[r] != null) {
                System.arraycopy(m[r], 0, flat, r * cols, cols);
            }
        }
        return Tensor.tensor(flat, dtype, Device.CPU).view(rows, cols);
    }

    /** {@code torch.allclose(a, b, rtol, atol)} of equal-length arrays (NaN never close). */
    private static boolean allclose(double[] a, double[] b, double rtol, double atol) {
        for (int i = 0; i < a.length; i++) {
            if (a[i] == b[i]) {
                continue;
            }
            if (!(Math.abs(a[i] - b[i]) <= atol + rtol * Math.abs(b[i]))) {
                return false;
            }
        }
        return true;
    }

    private static String notAllclose(Object analytical, Object numerical, int outputIdx, int inputIdx) {
        return "Jacobian mismatch for output " + outputIdx + " with respect to input " + inputIdx + ",\nnumerical:"
                + numerical + "\nanalytical:" + analytical + "\n";
    }

    /**
     * The backward of output {@code o} with output gradient {@code gradOut} (a function of the output), run twice
     * ({@code _check_analytical_jacobian_attributes}): the gradients of the first run, checked for dtype, size and
     * reentrancy.
     */
    private static final class Vjp {
        final Tensor[] grads;
        boolean sizesOk = true;
        boolean typesOk = true;
        double maxDiff;

        Vjp(Tensor[] grads) {
            this.grads = grads;
        }
    }

    private static Vjp vjpTwice(Tensor output, List<Tensor> diffInputs, Tensor gradOut) {
        List<Tensor> g1 = Autograd.grad(List.of(output), diffInputs, List.of(gradOut), true, false, true);
        List<Tensor> g2 = Autograd.grad(List.of(output), diffInputs, List.of(gradOut), true, false, true);
        Vjp r = new Vjp(g1.toArray(new Tensor[0]));
        for (int q = 0; q < diffInputs.size(); q++) {
            Tensor x = diffInputs.get(q);
            Tensor a = g1.get(q);
            Tensor b = g2.get(q);
            if (a != null && !Arrays.equals(a.shapeRef(), x.shapeRef())) {
                r.sizesOk = false;
            } else if (a != null && a.dtype() != x.dtype()) {
                r.typesOk = false;
            }
            if (a == null && b == null) {
                continue;
            }
            double[] av = a == null ? new double[(int) x.numel()] : a.toDoubleArray();
            double[] bv = b == null ? new double[(int) x.numel()] : b.toDoubleArray();
            for (int i = 0; i < Math.min(av.length, bv.length); i++) {
                double d = Math.abs(av[i] - bv[i]);
                if (!(d <= r.maxDiff)) {
                    r.maxDiff = Double.isNaN(d) ? Double.POSITIVE_INFINITY : Math.max(r.maxDiff, d);
                }
            }
        }
        return r;
    }

    /** Raises PyTorch's errors for a backward's dtype, size or reentrancy, in PyTorch's order. */
    private static void checkAttributes(boolean typesOk, boolean sizesOk, boolean reentrant, GradcheckOptions opt) {
        if (!typesOk && opt.checkGradDtypes()) {
            throw new Autograd.GradcheckError("Gradient has dtype mismatch");
        }
        if (!sizesOk) {
            throw new Autograd.GradcheckError("Analytical gradient has incorrect size");
        }
        if (!reentrant) {
            throw new Autograd.GradcheckError("Backward is not reentrant, i.e., running backward with same input and "
                    + "grad_output multiple times gives different values, although analytical gradient matches "
                    + "numerical gradient.The tolerance for nondeterminism was " + pyFloat(opt.nondetTol()) + "."
                    + FAILED_NONDET_MSG);
        }
    }

    /**
     * A double as Python's {@code repr(float)} prints it: positional for decimal exponents from -4 to 15 ({@code 0.0001},
     * {@code 1.0}), else scientific with a two-digit exponent ({@code 1e-05}, {@code 1.5e+16}); the digits are Java's
     * shortest-repr digits.
     */
    static String pyFloat(double v) {
        if (Double.isNaN(v)) {
            return "nan";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        if (v == 0) {
            return (1 / v < 0) ? "-0.0" : "0.0";
        }
        String sign = v < 0 ? "-" : "";
        java.math.BigDecimal bd = new java.math.BigDecimal(Double.toString(Math.abs(v))).stripTrailingZeros();
        String digits = bd.unscaledValue().toString();
        int exp = digits.length() - 1 - bd.scale();
        if (exp >= -4 && exp < 16) {
            String plain = bd.toPlainString();
            return sign + (plain.contains(".") ? plain : plain + ".0");
        }
        String mant = digits.length() > 1 ? digits.charAt(0) + "." + digits.substring(1) : digits;
        return sign + mant + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
    }

    /** PyTorch's {@code _slow_gradcheck}. */
    private static void slow(Function<Tensor[], Tensor[]> fn, Tensor[] inputs, int nOut, List<Integer> diffIdx,
                             List<Integer> diffOuts, GradcheckOptions opt) {
        double[][][][] numerical = new double[diffIdx.size()][][][];
        for (int q = 0; q < diffIdx.size(); q++) {
            numerical[q] = numericalJacobian(fn, inputs, nOut, diffIdx.get(q), opt.eps());
        }
        if (diffOuts.isEmpty()) {
            // PyTorch's _check_no_differentiable_outputs
            for (double[][][] perInput : numerical) {
                for (double[][] perOutput : perInput) {
                    for (double[] col : perOutput) {
                        for (double v : col) {
                            if (v != 0) {
                                throw new Autograd.GradcheckError("Numerical gradient for function expected to be zero");
                            }
                        }
                    }
                }
            }
            return;
        }
        List<Tensor> diffInputs = new ArrayList<>();
        for (int ii : diffIdx) {
            diffInputs.add(inputs[ii]);
        }
        for (int p = 0; p < diffOuts.size(); p++) {
            int o = diffOuts.get(p);
            Tensor output = Autograd.outputsOf(fn, inputs, nOut)[o];
            int outN = (int) output.numel();
            // analytical[q][input element][output element], computed twice for reentrancy
            double[][][] analytical = new double[diffIdx.size()][][];
            for (int q = 0; q < diffIdx.size(); q++) {
                analytical[q] = new double[(int) diffInputs.get(q).numel()][outN];
            }
            boolean sizesOk = true;
            boolean typesOk = true;
            double maxDiff = 0;
            for (int k = 0; k < outN; k++) {
                Vjp v = vjpTwice(output, diffInputs, Autograd.oneHotView(outN, k, output));
                sizesOk &= v.sizesOk;
                typesOk &= v.typesOk;
                maxDiff = Math.max(maxDiff, v.maxDiff);
                for (int q = 0; q < diffIdx.size(); q++) {
                    Tensor g = v.grads[q];
                    if (g == null || !Arrays.equals(g.shapeRef(), diffInputs.get(q).shapeRef())) {
                        continue;
                    }
                    double[] gv = g.toDoubleArray();
                    for (int j = 0; j < gv.length; j++) {
                        analytical[q][j][k] = gv[j];
                    }
                }
            }
            checkAttributes(typesOk, sizesOk, maxDiff <= opt.nondetTol(), opt);
            for (int q = 0; q < diffIdx.size(); q++) {
                Tensor x = diffInputs.get(q);
                int inN = (int) x.numel();
                double[] a = matrix(analytical[q], inN, outN, DType.FLOAT64).toDoubleArray();
                double[] n = matrix(numerical[q][o], inN, outN, DType.FLOAT64).toDoubleArray();
                if (!allclose(a, n, opt.rtol(), opt.atol())) {
                    throw new Autograd.GradcheckError(notAllclose(matrix(analytical[q], inN, outN, x.dtype()),
                            matrix(numerical[q][o], inN, outN, output.dtype()), p, q));
                }
            }
        }
    }

    /**
     * {@code _vec_from_tensor}: a random unit vector of {@code n} elements, {@code torch.rand(n, generator=g)} (float32)
     * converted to {@code dtype} and divided by its norm. The numbers are PyTorch's: {@code g} is a CPU
     * {@code torch.Generator()}, a Mersenne Twister seeded with its default seed, and each float32 is the low 24 bits
     * of a draw times 2^-24, as PyTorch's {@code uniform_real_distribution<float>}.
     */
    private static double[] unitVector(MersenneTwister gen, int n, DType dtype) {
        double[] raw = new double[n];
        for (int i = 0; i < n; i++) {
            raw[i] = (float) ((gen.next() & ((1 << 24) - 1)) * 0x1p-24);
        }
        double[] v;
        try (GradMode scope = Ember.noGrad()) {
            Tensor t = Tensor.tensor(raw, DType.FLOAT32, Device.CPU).to(dtype);
            v = t.div(t.norm()).toDoubleArray();
        }
        return v;
    }

    /** PyTorch's CPU {@code at::mt19937} (32-bit Mersenne Twister, seeded with the low 32 bits of the seed). */
    static final class MersenneTwister {
        private final int[] mt = new int[624];
        private int index;

        MersenneTwister(long seed) {
            mt[0] = (int) seed;
            for (int i = 1; i < 624; i++) {
                mt[i] = 1812433253 * (mt[i - 1] ^ (mt[i - 1] >>> 30)) + i;
            }
            index = 624;
        }

        /** The next 32-bit draw, as an unsigned value. */
        long next() {
            if (index >= 624) {
                for (int i = 0; i < 624; i++) {
                    int y = (mt[i] & 0x80000000) | (mt[(i + 1) % 624] & 0x7fffffff);
                    mt[i] = mt[(i + 397) % 624] ^ (y >>> 1) ^ ((y & 1) != 0 ? 0x9908b0df : 0);
                }
                index = 0;
            }
            int y = mt[index++];
            y ^= y >>> 11;
            y ^= (y << 7) & 0x9d2c5680;
            y ^= (y << 15) & 0xefc60000;
            y ^= y >>> 18;
            return y & 0xffffffffL;
        }
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static double sum(double[] a) {
        double s = 0;
        for (double x : a) {
            s += x;
        }
        return s;
    }

    /** The numerical {@code J u} of every output for input {@code ii} along {@code u} (flat, row-major). */
    private static double[][] numericalJvp(Function<Tensor[], Tensor[]> fn, Tensor[] inputs, int nOut, int ii,
                                           double[] u, double eps) {
        Tensor x = inputs[ii];
        Tensor data = x.data();
        Tensor orig;
        Tensor delta;
        try (GradMode scope = Ember.noGrad()) {
            orig = data.clone();
            double[] scaled = new double[u.length];
            for (int i = 0; i < u.length; i++) {
                scaled[i] = u[i] * eps;
            }
            delta = Tensor.tensor(scaled, x.dtype(), x.device()).view(x.shape());
        }
        try (GradMode scope = Ember.noGrad()) {
            data.copy_(orig.sub(delta));
        }
        double[][] a = Autograd.values(Autograd.outputsOf(fn, inputs, nOut));
        try (GradMode scope = Ember.noGrad()) {
            data.copy_(orig.add(delta));
        }
        double[][] b = Autograd.values(Autograd.outputsOf(fn, inputs, nOut));
        try (GradMode scope = Ember.noGrad()) {
            data.copy_(orig);
        }
        double[][] jvp = new double[nOut][];
        for (int o = 0; o < nOut; o++) {
            if (a[o].length != b[o].length) {
                throw new Autograd.GradcheckError("Expected output " + o + " to have the same number of elements on "
                        + "every call, got " + a[o].length + " and " + b[o].length);
            }
            jvp[o] = new double[a[o].length];
            for (int k = 0; k < a[o].length; k++) {
                jvp[o][k] = (b[o][k] - a[o][k]) / (2 * eps);
            }
        }
        return jvp;
    }

    /** PyTorch's {@code _fast_gradcheck} (backward mode). */
    private static void fast(Function<Tensor[], Tensor[]> fn, Tensor[] inputs, int nOut, List<Integer> diffIdx,
                             List<Integer> diffOuts, GradcheckOptions opt) {
        Tensor[] funcOut = Autograd.outputsOf(fn, inputs, nOut);
        // _make_vectors: one generator, the inputs' vectors first, then the differentiable outputs'
        MersenneTwister gen = new MersenneTwister(DEFAULT_SEED);
        double[][] us = new double[diffIdx.size()][];
        for (int q = 0; q < diffIdx.size(); q++) {
            Tensor x = inputs[diffIdx.get(q)];
            us[q] = unitVector(gen, (int) x.numel(), x.dtype());
        }
        double[][] vs = new double[diffOuts.size()][];
        for (int p = 0; p < diffOuts.size(); p++) {
            Tensor out = funcOut[diffOuts.get(p)];
            vs[p] = unitVector(gen, (int) out.numel(), out.dtype());
        }
        // numerical v^T J u, [input][output]
        double[][] numerical = new double[diffIdx.size()][diffOuts.size()];
        for (int q = 0; q < diffIdx.size(); q++) {
            double[][] jvp = numericalJvp(fn, inputs, nOut, diffIdx.get(q), us[q], opt.eps());
            if (diffOuts.isEmpty()) {
                // PyTorch's _check_no_differentiable_outputs_fast
                for (double[] ju : jvp) {
                    for (double v : ju) {
                        if (!(Math.abs(v) <= opt.nondetTol())) {
                            throw new Autograd.GradcheckError("Numerical gradient for function expected to be zero");
                        }
                    }
                }
                continue;
            }
            for (int p = 0; p < diffOuts.size(); p++) {
                numerical[q][p] = dot(vs[p], jvp[diffOuts.get(p)]);
            }
        }
        if (diffOuts.isEmpty()) {
            return;
        }
        List<Tensor> diffInputs = new ArrayList<>();
        for (int ii : diffIdx) {
            diffInputs.add(inputs[ii]);
        }
        // analytical (v^T J) u, [output][input]
        double[][] analytical = new double[diffOuts.size()][diffIdx.size()];
        for (int p = 0; p < diffOuts.size(); p++) {
            Tensor output = Autograd.outputsOf(fn, inputs, nOut)[diffOuts.get(p)];
            Tensor v = Tensor.tensor(vs[p], output.dtype(), output.device()).view(output.shape());
            Vjp r = vjpTwice(output, diffInputs, v);
            checkAttributes(r.typesOk, r.sizesOk, r.maxDiff <= opt.nondetTol(), opt);
            for (int q = 0; q < diffIdx.size(); q++) {
                Tensor g = r.grads[q];
                analytical[p][q] = g == null ? 0 : dot(g.toDoubleArray(), us[q]);
            }
        }
        for (int q = 0; q < diffIdx.size(); q++) {
            for (int p = 0; p < diffOuts.size(); p++) {
                double a = analytical[p][q];
                double n = numerical[q][p];
                double atol = opt.atol() * sum(us[q]) * sum(vs[p]);
                if (!allclose(new double[] {a}, new double[] {n}, opt.rtol(), atol)) {
                    Tensor x = inputs[diffIdx.get(q)];
                    Tensor out = funcOut[diffOuts.get(p)];
                    throw new Autograd.GradcheckError(notAllclose(Tensor.full(x.dtype(), a),
                            Tensor.full(out.dtype(), n), p, q)
                            + slowModeError(fn, inputs, nOut, diffIdx.get(q), diffOuts.get(p), opt));
                }
            }
        }
    }

    /** PyTorch's {@code _run_slow_mode_and_get_error} (its numerical Jacobian with the default eps 1e-3). */
    private static String slowModeError(Function<Tensor[], Tensor[]> fn, Tensor[] inputs, int nOut, int ii, int o,
                                        GradcheckOptions opt) {
        Tensor x = inputs[ii];
        int inN = (int) x.numel();
        double[][] num = numericalJacobian(fn, inputs, nOut, ii, 1e-3)[o];
        Tensor output = Autograd.outputsOf(fn, inputs, nOut)[o];
        int outN = (int) output.numel();
        double[][] ana = new double[inN][outN];
        for (int k = 0; k < outN; k++) {
            Tensor g = Autograd.grad(List.of(output), List.of(x), List.of(Autograd.oneHotView(outN, k, output)), true,
                    false, true).get(0);
            if (g != null) {
                double[] gv = g.toDoubleArray();
                for (int j = 0; j < Math.min(inN, gv.length); j++) {
                    ana[j][k] = gv[j];
                }
            }
        }
        Tensor slowNumerical = matrix(num, inN, outN, output.dtype());
        Tensor slowAnalytical = matrix(ana, inN, outN, x.dtype());
        double[] nv = slowNumerical.toDoubleArray();
        double[] av = slowAnalytical.toDoubleArray();
        double maxDiff = 0;
        for (int i = 0; i < nv.length; i++) {
            double d = Math.abs(nv[i] - av[i]);
            maxDiff = Double.isNaN(d) || Double.isNaN(maxDiff) ? Double.NaN : Math.max(maxDiff, d);
        }
        boolean slowAllclose = allclose(av, nv, opt.rtol(), opt.atol());
        String msg = "\nThe above quantities relating the numerical and analytical jacobians are computed \n"
                + "in fast mode. See: https://github.com/pytorch/pytorch/issues/53876 for more background \n"
                + "about fast mode. Below, we recompute numerical and analytical jacobians in slow mode:\n\n"
                + "Numerical:\n " + slowNumerical + "\n"
                + "Analytical:\n" + slowAnalytical + "\n\n"
                + "The max per-element difference (slow mode) is: " + pyFloat(maxDiff)
                + ".\n";
        if (slowAllclose) {
            msg += FAST_FAIL_SLOW_OK_MSG;
        }
        return msg;
    }

    /** PyTorch's {@code _test_backward_mul_by_grad_output}. */
    private static void mulByGradOutput(Function<Tensor[], Tensor[]> fn, Tensor[] inputs, int nOut,
                                        List<Integer> diffOuts, List<Tensor> diffInputs) {
        Tensor[] again = Autograd.outputsOf(fn, inputs, nOut);
        List<Tensor> outs = new ArrayList<>();
        List<Tensor> zeros = new ArrayList<>();
        for (int o : diffOuts) {
            outs.add(again[o]);
            zeros.add(again[o].zerosLike());
        }
        List<Tensor> gz = Autograd.grad(outs, diffInputs, zeros, false, false, true);
        for (int q = 0; q < diffInputs.size(); q++) {
            Tensor gi = gz.get(q);
            Tensor di = diffInputs.get(q);
            if (gi == null) {
                continue;
            }
            for (double v : gi.toDoubleArray()) {
                if (v != 0) {
                    throw new Autograd.GradcheckError("backward not multiplied by grad_output");
                }
            }
            if (gi.dtype() != di.dtype() || !gi.device().equals(di.device())) {
                throw new Autograd.GradcheckError("grad is incorrect type");
            }
            if (!Arrays.equals(gi.shapeRef(), di.shapeRef())) {
                throw new Autograd.GradcheckError("grad is incorrect size");
            }
        }
    }

    /**
     * PyTorch's {@code _test_undefined_backward_mode}. The engine has no undefined-tensor gradient, so an undefined
     * output gradient is one that does not flow: the backward of all outputs with zero gradients (what a backward that
     * materializes its gradients sees), then, with several differentiable outputs, each output in turn left out of the
     * backward while the others get zeros (an {@link AutogradFunction} that does not materialize its gradients sees
     * null for it, as PyTorch's sees an undefined tensor). The backward must not fail and must give zeros or nothing.
     */
    private static void undefinedBackward(Function<Tensor[], Tensor[]> fn, Tensor[] inputs, int nOut,
                                          List<Integer> diffOuts, List<Tensor> diffInputs) {
        List<List<Integer>> cases = new ArrayList<>();
        cases.add(diffOuts);
        if (diffOuts.size() > 1) {
            for (int undef = 0; undef < diffOuts.size(); undef++) {
                List<Integer> kept = new ArrayList<>(diffOuts);
                kept.remove(undef);
                cases.add(kept);
            }
        }
        for (List<Integer> kept : cases) {
            Tensor[] outs = Autograd.outputsOf(fn, inputs, nOut);
            List<Tensor> os = new ArrayList<>();
            List<Tensor> zeros = new ArrayList<>();
            for (int o : kept) {
                os.add(outs[o]);
                zeros.add(outs[o].zerosLike());
            }
            List<Tensor> grads;
            try {
                grads = Autograd.grad(os, diffInputs, zeros, false, false, true);
            } catch (RuntimeException e) {
                warnBcBreaking();
                Autograd.GradcheckError err = new Autograd.GradcheckError("Expected backward function to handle "
                        + "undefined output grads. Please look at \"Notes about undefined output gradients\" in "
                        + "\"tools/autograd/derivatives.yaml\"");
                err.initCause(e);
                throw err;
            }
            for (Tensor gi : grads) {
                if (gi == null) {
                    continue;
                }
                for (double v : gi.toDoubleArray()) {
                    if (v != 0) {
                        warnBcBreaking();
                        throw new Autograd.GradcheckError("Expected all input grads to be undefined or zero when all "
                                + "output grads are undefined or zero. Please look at \"Notes about undefined output "
                                + "gradients\" in \"tools/autograd/derivatives.yaml\"");
                    }
                }
            }
        }
    }

    private static void warnBcBreaking() {
        LOG.log(System.Logger.Level.WARNING, "Backwards compatibility: New undefined gradient support checking feature "
                + "is enabled by default, but it may break existing callers of this function. If this is true for you, "
                + "you can call this function with \"check_undefined_grad=False\" to disable the feature");
    }
}
