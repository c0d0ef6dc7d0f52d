package dev.ember;

import dev.ember.distributions.AffineTransform;
import dev.ember.distributions.Bernoulli;
import dev.ember.distributions.Beta;
import dev.ember.distributions.Binomial;
import dev.ember.distributions.Categorical;
import dev.ember.distributions.Cauchy;
import dev.ember.distributions.Chi2;
import dev.ember.distributions.ContinuousBernoulli;
import dev.ember.distributions.Dirichlet;
import dev.ember.distributions.Distribution;
import dev.ember.distributions.ExpTransform;
import dev.ember.distributions.Exponential;
import dev.ember.distributions.FisherSnedecor;
import dev.ember.distributions.Gamma;
import dev.ember.distributions.Geometric;
import dev.ember.distributions.Gumbel;
import dev.ember.distributions.HalfCauchy;
import dev.ember.distributions.HalfNormal;
import dev.ember.distributions.Independent;
import dev.ember.distributions.KL;
import dev.ember.distributions.Kumaraswamy;
import dev.ember.distributions.LKJCholesky;
import dev.ember.distributions.Laplace;
import dev.ember.distributions.LogNormal;
import dev.ember.distributions.LowRankMultivariateNormal;
import dev.ember.distributions.MixtureSameFamily;
import dev.ember.distributions.Multinomial;
import dev.ember.distributions.MultivariateNormal;
import dev.ember.distributions.NegativeBinomial;
import dev.ember.distributions.Normal;
import dev.ember.distributions.OneHotCategorical;
import dev.ember.distributions.Pareto;
import dev.ember.distributions.Poisson;
import dev.ember.distributions.PowerTransform;
import dev.ember.distributions.RelaxedBernoulli;
import dev.ember.distributions.RelaxedOneHotCategorical;
import dev.ember.distributions.SigmoidTransform;
import dev.ember.distributions.StudentT;
import dev.ember.distributions.TanhTransform;
import dev.ember.distributions.Transform;
import dev.ember.distributions.TransformedDistribution;
import dev.ember.distributions.Uniform;
import dev.ember.distributions.VonMises;
import dev.ember.distributions.Weibull;
import dev.ember.distributions.Wishart;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Replays one program of {@code differentialfuzzr20/cases.txt} (its generator, {@code make_cases.py}, describes the
 * statements): distributions of {@code dev.ember.distributions} built from the recorded parameter tensors, then
 * samples, log_prob, cdf / icdf, moments, entropy, expand, shapes and support, enumerate_support, gradients and
 * kl_divergence, each compared with PyTorch's after one {@code manual_seed} of the default generator (MT19937). After
 * every drawing statement the generator's state is compared with PyTorch's {@code get_rng_state()} bytes through their
 * hash ({@link FuzzR19Interpreter#hash}: the words exactly, the cached normal sample within 4 ulps).
 *
 * <p>Values: the samples of the families whose draws are exact arithmetic on PyTorch's numbers ({@link #EXACT}) and
 * every integer or boolean result bit for bit; other float64 values within {@code 1e-12 * max(1, |PyTorch's|)} (the
 * C library's log, exp, lgamma and Java's differ in the last bits, and sums may be ordered otherwise); float32 values
 * within {@code 1e-5 * max(1, |PyTorch's|)}; NaN matches NaN. Errors: PyTorch's ValueError is an
 * IllegalArgumentException, its NotImplementedError an UnsupportedOperationException, with the same first line of
 * message (PyTorch's {@code <class 'torch.distributions.x.Name'>} read as {@code Name}; a bare NotImplementedError as
 * a null message; the numbers in it, a parameter's repr, within the float64 tolerance); the parameters are left as they
 * were.
 */
final class FuzzR20Interpreter {
    /** Families whose samples are exact arithmetic on the generator's numbers: compared bit for bit. */
    private static final Set<String> EXACT = Set.of("Uniform", "Bernoulli", "Categorical", "OneHotCategorical",
            "Multinomial", "Binomial", "Poisson");

    /**
     * Families whose float32 samples are PyTorch's bits too (session 47: their products are bmm's small loop of rounded
     * products, as ATen's; DistributionBits47Test): compared bit for bit where the sample is float32 and Ember's
     * CpuCapability is not DEFAULT (PyTorch's DEFAULT build fills normals otherwise; the cases are AVX2's).
     */
    private static final Set<String> EXACT_FLOAT32 = Set.of("MultivariateNormal", "LowRankMultivariateNormal",
            "Wishart", "LKJCholesky");

    private final Map<String, Tensor> vars = new HashMap<>();
    private final Map<String, Distribution> dists = new HashMap<>();
    private final Map<String, String> family = new HashMap<>();
    private final List<String> lines;
    private int at;

    private FuzzR20Interpreter(List<String> lines, double f32tol) {
        this.lines = lines;
        this.f32tol = f32tol;
    }

    /**
     * The float32 tolerance ({@code 1e-5} of {@code max(1, |PyTorch's|)}; a hunt may ask for less with
     * {@code -Dember.fuzz20.f32tol=<t>}, 1.2e-7 being one ulp).
     */
    private final double f32tol;

    /** Runs the program; returns null when Ember matches PyTorch throughout, else the first difference. */
    static String run(List<String> lines) {
        return run(lines, Double.parseDouble(System.getProperty("ember.fuzz20.f32tol", "1e-5")));
    }

    /** {@link #run(List)} with the given float32 tolerance (0: float32 values bit for bit, NaN matching NaN). */
    static String run(List<String> lines, double f32tol) {
        FuzzR20Interpreter p = new FuzzR20Interpreter(lines, f32tol);
        boolean validate = Distribution.defaultValidateArgs();
        try {
            return p.run();
        } catch (RuntimeException e) {
            StackTraceElement[] st = e.getStackTrace();
            return "harness, after line " + p.at + ": " + e + " at "
                    + Arrays.toString(Arrays.copyOf(st, Math.min(4, st.length)));
        } finally {
            Distribution.setDefaultValidateArgs(validate);
        }
    }

    private String run() {
        while (at < lines.size()) {
            String line = lines.get(at++);
            String[] w = line.split(" ");
            if (line.startsWith("st ")) {
                String ours = "st " + FuzzR19Interpreter.hash(Ember.getRngState());
                if (!sameState(ours, line)) {
                    return "before line " + at + ": generator state " + ours + ", PyTorch " + line;
                }
                continue;
            }
            if (w[0].equals("seed")) {
                Ember.manualSeed(Long.parseLong(w[1]));
                continue;
            }
            if (w[0].equals("new")) {
                newVar(w);
                continue;
            }
            if (w[0].equals("shapes")) {
                String problem = shapes(line, dists.get(w[1]));
                if (problem != null) {
                    return problem;
                }
                continue;
            }
            List<double[]> before = snapshot();
            List<Tensor> out = null;
            RuntimeException thrown = null;
            try {
                out = statement(w);
            } catch (RuntimeException e) {
                thrown = e;
            }
            String err = at < lines.size() && lines.get(at).startsWith("err ") ? lines.get(at++).substring(4) : null;
            if (err == null && thrown != null) {
                return "\"" + line + "\": PyTorch runs, Ember throws " + thrown + " at "
                        + Arrays.toString(Arrays.copyOf(thrown.getStackTrace(), Math.min(5, thrown.getStackTrace().length)));
            }
            if (err != null && thrown == null) {
                return "\"" + line + "\": PyTorch throws \"" + err + "\", Ember runs";
            }
            if (err != null) {
                String problem = sameError(err, thrown);
                if (problem != null) {
                    return "\"" + line + "\": PyTorch throws \"" + err + "\", Ember " + thrown + " (" + problem + ")";
                }
                if (!sameSnapshot(before, snapshot())) {
                    return "\"" + line + "\": refused, but a parameter changed";
                }
                continue;
            }
            List<String> want = new ArrayList<>();
            while (at < lines.size() && lines.get(at).startsWith("= ")) {
                want.add(lines.get(at++));
            }
            if (out.size() != want.size()) {
                return "\"" + line + "\": " + out.size() + " results, PyTorch " + want.size();
            }
            boolean exact = (w[0].equals("sample") || w[0].equals("rsample")) && EXACT.contains(family.get(w[1]));
            for (int i = 0; i < want.size(); i++) {
                String ours = format(out.get(i));
                boolean bits = exact || (w[0].equals("sample") || w[0].equals("rsample"))
                        && EXACT_FLOAT32.contains(family.get(w[1])) && want.get(i).startsWith("= float32 ")
                        && !dev.ember.backend.CpuCapability.value().equals("DEFAULT");
                if (!ours.equals(want.get(i)) && (bits || !close(ours, want.get(i)))) {
                    return "\"" + line + "\" result " + i + ": Ember " + ours + ", PyTorch " + want.get(i);
                }
            }
        }
        return null;
    }

    private String shapes(String line, Distribution d) {
        String meta = "= meta " + text(d.batchShape()) + " " + text(d.eventShape());
        String support = "= support " + firstLine(String.valueOf(d.support()));
        String wantMeta = lines.get(at++);
        String wantSupport = lines.get(at++);
        if (!meta.equals(wantMeta)) {
            return "\"" + line + "\": Ember " + meta + ", PyTorch " + wantMeta;
        }
        if (!support.equals(wantSupport)) {
            return "\"" + line + "\": Ember " + support + ", PyTorch " + wantSupport;
        }
        return null;
    }

    private static String sameError(String err, RuntimeException thrown) {
        int sp = err.indexOf(' ');
        String kind = err.substring(0, sp);
        String msg = err.substring(sp + 1).replaceAll("<class 'torch\\.distributions\\.[a-z_]+\\.([A-Za-z0-9]+)'>", "$1");
        if (kind.equals("ValueError") && !(thrown instanceof IllegalArgumentException)) {
            return "not an IllegalArgumentException";
        }
        if (kind.equals("NotImplementedError")) {
            if (!(thrown instanceof UnsupportedOperationException)) {
                return "not an UnsupportedOperationException";
            }
            if (msg.isEmpty()) {
                return thrown.getMessage() == null ? null : "a message where PyTorch's has none";
            }
        }
        String ours = firstLine(thrown.getMessage());
        return msg.equals(ours) || sameBesideNumbers(msg, ours) ? null : "another message";
    }

    private static final java.util.regex.Pattern NUMBER = java.util.regex.Pattern.compile(
            "-?\\d+\\.\\d+(?:e[-+]?\\d+)?");

    /**
     * The same text where the numbers with a fraction (a parameter's repr, computed as probs_to_logits or the like
     * through the C library's log, log1p, exp) differ within {@code 1e-12 * max(1, |PyTorch's|)}.
     */
    private static boolean sameBesideNumbers(String want, String ours) {
        java.util.regex.Matcher a = NUMBER.matcher(want);
        java.util.regex.Matcher b = NUMBER.matcher(ours);
        if (!a.replaceAll("#").equals(b.replaceAll("#"))) {
            return false;
        }
        a.reset();
        b.reset();
        while (a.find() && b.find()) {
            double x = Double.parseDouble(a.group());
            double y = Double.parseDouble(b.group());
            if (!(Math.abs(x - y) <= 1e-12 * Math.max(1.0, Math.abs(x)))) {
                return false;
            }
        }
        return true;
    }

    private List<double[]> snapshot() {
        List<double[]> out = new ArrayList<>();
        for (int i = 0; i < vars.size(); i++) {
            Tensor v = vars.get("v" + i);
            out.add(v == null ? null : v.detach().contiguous().to(DType.FLOAT64).toDoubleArray());
        }
        return out;
    }

    private static boolean sameSnapshot(List<double[]> a, List<double[]> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!Arrays.equals(a.get(i), b.get(i))) {
                return false;
            }
        }
        return true;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "null";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    // ------------------------------------------------------------------------------------------------ statements

    private Tensor v(String name) {
        if (name.equals("-")) {
            return null;
        }
        Tensor t = vars.get(name);
        if (t == null) {
            throw new IllegalStateException("no variable " + name);
        }
        return t;
    }

    private List<Tensor> statement(String[] w) {
        switch (w[0]) {
            case "dist": {
                Boolean va = w[2].equals("1");
                Distribution d = build(w[3], Arrays.copyOfRange(w, 4, w.length), va);
                put(w[1], w[3], d);
                return List.of();
            }
            case "indep":
                put(w[1], "Independent", new Independent(dists.get(w[3]), Integer.parseInt(w[4]), w[2].equals("1")));
                return List.of();
            case "mix":
                put(w[1], "MixtureSameFamily", new MixtureSameFamily(dists.get(w[3]), dists.get(w[4]), w[2].equals("1")));
                return List.of();
            case "trans": {
                List<Transform> ts = new ArrayList<>();
                for (int i = 4; i < w.length; i++) {
                    ts.add(transform(w[i]));
                }
                put(w[1], "Transformed", new TransformedDistribution(dists.get(w[3]), ts, w[2].equals("1")));
                return List.of();
            }
            case "expand":
                put(w[1], family.get(w[2]), dists.get(w[2]).expand(shape(w[3])));
                return List.of();
            case "sample":
                return List.of(dists.get(w[1]).sample(shape(w[2])));
            case "rsample":
                return List.of(dists.get(w[1]).rsample(shape(w[2])).detach());
            case "logprob":
                return List.of(dists.get(w[1]).logProb(v(w[2])).detach());
            case "cdf":
                return List.of(dists.get(w[1]).cdf(v(w[2])).detach());
            case "icdf":
                return List.of(dists.get(w[1]).icdf(v(w[2])).detach());
            case "prop": {
                Distribution d = dists.get(w[1]);
                switch (w[2]) {
                    case "mean":
                        return List.of(d.mean().detach());
                    case "mode":
                        return List.of(d.mode().detach());
                    case "variance":
                        return List.of(d.variance().detach());
                    case "stddev":
                        return List.of(d.stddev().detach());
                    default:
                        return List.of(d.entropy().detach());
                }
            }
            case "enum":
                return List.of(dists.get(w[1]).enumerateSupport(w[2].equals("1")));
            case "gradr":
            case "gradl": {
                Distribution d = dists.get(w[1]);
                Tensor x = w[0].equals("gradr") ? d.rsample(shape(w[2])) : d.logProb(v(w[2]));
                Tensor loss = x.mul(weights(x)).sum();
                List<Tensor> leaves = new ArrayList<>();
                for (int i = 3; i < w.length; i++) {
                    leaves.add(v(w[i]));
                }
                List<Tensor> out = new ArrayList<>();
                out.add(x.detach());
                if (leaves.isEmpty()) {
                    return out;
                }
                if (!loss.requiresGrad()) {
                    for (int i = 0; i < leaves.size(); i++) {
                        out.add(null);
                    }
                    return out;
                }
                out.addAll(Autograd.grad(List.of(loss), leaves, null, true, false, true));
                return out;
            }
            case "kl":
                return List.of(KL.klDivergence(dists.get(w[1]), dists.get(w[2])).detach());
            default:
                throw new IllegalStateException("unknown statement " + w[0]);
        }
    }

    /** c[k] = ((k mod 5) + 1) / 4 over x's row-major k, in x's type and shape (the generator's weights). */
    private static Tensor weights(Tensor x) {
        int n = Math.toIntExact(x.numel());
        double[] c = new double[n];
        for (int k = 0; k < n; k++) {
            c[k] = ((k % 5) + 1) * 0.25;
        }
        return Tensor.tensor(c, x.dtype(), Device.CPU).reshape(x.shape());
    }

    private void put(String key, String fam, Distribution d) {
        dists.put(key, d);
        family.put(key, fam);
    }

    private Transform transform(String text) {
        String[] t = text.split(":");
        switch (t[0]) {
            case "exp":
                return new ExpTransform();
            case "sigmoid":
                return new SigmoidTransform();
            case "tanh":
                return new TanhTransform();
            case "affine":
                return new AffineTransform(v(t[1]), v(t[2]));
            case "power":
                return new PowerTransform(v(t[1]));
            default:
                throw new IllegalStateException("unknown transform " + text);
        }
    }

    private Distribution build(String fam, String[] a, Boolean va) {
        switch (fam) {
            case "Normal":
                return new Normal(v(a[0]), v(a[1]), va);
            case "LogNormal":
                return new LogNormal(v(a[0]), v(a[1]), va);
            case "Laplace":
                return new Laplace(v(a[0]), v(a[1]), va);
            case "Cauchy":
                return new Cauchy(v(a[0]), v(a[1]), va);
            case "Gumbel":
                return new Gumbel(v(a[0]), v(a[1]), va);
            case "Gamma":
                return new Gamma(v(a[0]), v(a[1]), va);
            case "Beta":
                return new Beta(v(a[0]), v(a[1]), va);
            case "Kumaraswamy":
                return new Kumaraswamy(v(a[0]), v(a[1]), va);
            case "FisherSnedecor":
                return new FisherSnedecor(v(a[0]), v(a[1]), va);
            case "Pareto":
                return new Pareto(v(a[0]), v(a[1]), va);
            case "Weibull":
                return new Weibull(v(a[0]), v(a[1]), va);
            case "VonMises":
                return new VonMises(v(a[0]), v(a[1]), va);
            case "Uniform":
                return new Uniform(v(a[0]), v(a[1]), va);
            case "Exponential":
                return new Exponential(v(a[0]), va);
            case "HalfNormal":
                return new HalfNormal(v(a[0]), va);
            case "HalfCauchy":
                return new HalfCauchy(v(a[0]), va);
            case "Chi2":
                return new Chi2(v(a[0]), va);
            case "Poisson":
                return new Poisson(v(a[0]), va);
            case "StudentT":
                return new StudentT(v(a[0]), v(a[1]), v(a[2]), va);
            case "Dirichlet":
                return new Dirichlet(v(a[0]), va);
            case "Bernoulli":
                return new Bernoulli(v(a[0]), v(a[1]), va);
            case "Geometric":
                return new Geometric(v(a[0]), v(a[1]), va);
            case "ContinuousBernoulli":
                return new ContinuousBernoulli(v(a[0]), v(a[1]), va);
            case "Binomial":
                return new Binomial(v(a[0]), v(a[1]), v(a[2]), va);
            case "NegativeBinomial":
                return new NegativeBinomial(v(a[0]), v(a[1]), v(a[2]), va);
            case "Categorical":
                return new Categorical(v(a[0]), v(a[1]), va);
            case "OneHotCategorical":
                return new OneHotCategorical(v(a[0]), v(a[1]), va);
            case "Multinomial":
                return new Multinomial(Integer.parseInt(a[0]), v(a[1]), v(a[2]), va);
            case "RelaxedBernoulli":
                return new RelaxedBernoulli(v(a[0]), v(a[1]), v(a[2]), va);
            case "RelaxedOneHotCategorical":
                return new RelaxedOneHotCategorical(v(a[0]), v(a[1]), v(a[2]), va);
            case "MultivariateNormal":
                return new MultivariateNormal(v(a[0]), v(a[1]), v(a[2]), v(a[3]), va);
            case "LowRankMultivariateNormal":
                return new LowRankMultivariateNormal(v(a[0]), v(a[1]), v(a[2]), va);
            case "LKJCholesky":
                return new LKJCholesky(Integer.parseInt(a[0]), v(a[1]), va);
            case "Wishart":
                return new Wishart(v(a[0]), v(a[1]), v(a[2]), v(a[3]), va);
            default:
                throw new IllegalStateException("unknown family " + fam);
        }
    }

    // ------------------------------------------------------------------------------------------------ values

    private void newVar(String[] w) {
        DType dt = w[2].equals("float32") ? DType.FLOAT32 : w[2].equals("float64") ? DType.FLOAT64
                : w[2].equals("int64") ? DType.INT64 : null;
        if (dt == null) {
            throw new IllegalStateException("unknown dtype " + w[2]);
        }
        int[] shape = shape(w[3]);
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        int width = dt == DType.FLOAT32 ? 8 : 16; // float32's own bits, other types' values as float64 bits
        double[] v = new double[n];
        for (int k = 0; k < n; k++) {
            long bits = Long.parseUnsignedLong(w[5].substring(k * width, (k + 1) * width), 16);
            v[k] = width == 16 ? Double.longBitsToDouble(bits) : Float.intBitsToFloat((int) bits);
        }
        Tensor t = Tensor.tensor(v, DType.FLOAT64, Device.CPU).reshape(shape).to(dt);
        if (w[4].equals("1")) {
            t.requiresGrad_(true);
        }
        vars.put(w[1], t);
    }

    private static int[] shape(String s) {
        if (s.equals("-")) {
            return new int[0];
        }
        return Arrays.stream(s.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    private static String text(int[] shape) {
        if (shape.length == 0) {
            return "-";
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < shape.length; i++) {
            b.append(i == 0 ? "" : ",").append(shape[i]);
        }
        return b.toString();
    }

    private static String dtypeName(DType d) {
        switch (d) {
            case FLOAT32:
                return "float32";
            case FLOAT64:
                return "float64";
            case INT64:
                return "int64";
            case INT32:
                return "int32";
            case BOOL:
                return "bool";
            default:
                return d.toString();
        }
    }

    /** A result as the generator prints it: "= dtype shape bits" (float32's own bits, other types' float64 bits). */
    static String format(Tensor t) {
        if (t == null) {
            return "= none";
        }
        Tensor c = t.detach().contiguous();
        StringBuilder b = new StringBuilder("= ").append(dtypeName(c.dtype())).append(' ').append(text(c.shape()))
                .append(' ');
        if (c.numel() == 0) {
            return b.append('-').toString();
        }
        if (c.dtype() == DType.FLOAT32) {
            for (float f : c.toFloatArray()) {
                b.append(String.format("%08x", Float.floatToRawIntBits(f)));
            }
        } else {
            for (double d : c.to(DType.FLOAT64).toDoubleArray()) {
                b.append(String.format("%016x", Double.doubleToRawLongBits(d)));
            }
        }
        return b.toString();
    }

    /**
     * Both results floating, of the same type and shape, each element within {@code 1e-12} (float64) or {@code 1e-5}
     * (float32) of {@code max(1, |PyTorch's value|)}, NaN matching NaN and infinities equal.
     */
    private boolean close(String ours, String want) {
        String[] a = ours.split(" ");
        String[] b = want.split(" ");
        if (a.length != 4 || b.length != 4 || !a[1].equals(b[1]) || !a[2].equals(b[2]) || a[3].length() != b[3].length()
                || !(a[1].equals("float64") || a[1].equals("float32"))) {
            return false;
        }
        boolean wide = a[1].equals("float64");
        int width = wide ? 16 : 8;
        double tol = wide ? 1e-12 : f32tol;
        for (int i = 0; i < a[3].length(); i += width) {
            long x = Long.parseUnsignedLong(a[3].substring(i, i + width), 16);
            long y = Long.parseUnsignedLong(b[3].substring(i, i + width), 16);
            double dx = wide ? Double.longBitsToDouble(x) : Float.intBitsToFloat((int) x);
            double dy = wide ? Double.longBitsToDouble(y) : Float.intBitsToFloat((int) y);
            if (Double.isNaN(dx) && Double.isNaN(dy) || dx == dy) {
                continue;
            }
            if (!(Math.abs(dx - dy) <= tol * Math.max(1.0, Math.abs(dy)))) {
                return false;
            }
        }
        return true;
    }

    /** The words' hash equal, the cached normal samples within 4 ulps (see {@link FuzzR19Interpreter#hash}). */
    private static boolean sameState(String ours, String theirs) {
        String[] x = ours.substring(3).split("/");
        String[] y = theirs.substring(3).split("/");
        if (!x[0].equals(y[0]) || x[1].equals("-") != y[1].equals("-")) {
            return false;
        }
        if (x[1].equals("-")) {
            return true;
        }
        double dx = Double.longBitsToDouble(Long.parseUnsignedLong(x[1], 16));
        double dy = Double.longBitsToDouble(Long.parseUnsignedLong(y[1], 16));
        return Math.abs(dx - dy) <= 4 * Math.ulp(dy);
    }
}
