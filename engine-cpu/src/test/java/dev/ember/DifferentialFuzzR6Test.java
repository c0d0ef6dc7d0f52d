package dev.ember;

import dev.ember.distributions.AbsTransform;
import dev.ember.distributions.AffineTransform;
import dev.ember.distributions.CatTransform;
import dev.ember.distributions.ComposeTransform;
import dev.ember.distributions.CorrCholeskyTransform;
import dev.ember.distributions.CumulativeDistributionTransform;
import dev.ember.distributions.Distribution;
import dev.ember.distributions.ExpTransform;
import dev.ember.distributions.Independent;
import dev.ember.distributions.IndependentTransform;
import dev.ember.distributions.KL;
import dev.ember.distributions.LowerCholeskyTransform;
import dev.ember.distributions.MixtureSameFamily;
import dev.ember.distributions.MultivariateNormal;
import dev.ember.distributions.Normal;
import dev.ember.distributions.PowerTransform;
import dev.ember.distributions.ReshapeTransform;
import dev.ember.distributions.SigmoidTransform;
import dev.ember.distributions.SoftmaxTransform;
import dev.ember.distributions.SoftplusTransform;
import dev.ember.distributions.StackTransform;
import dev.ember.distributions.StickBreakingTransform;
import dev.ember.distributions.TanhTransform;
import dev.ember.distributions.Transform;
import dev.ember.distributions.TransformedDistribution;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Round 6 of the seeded differential fuzz against PyTorch ({@code fuzz6/make_cases.py}, whose header describes the
 * format): the probabilistic and optimizer families round 5 left. Random chains of every transform (forward, inverse,
 * log-det-Jacobians, event dims, sign, shapes, repr, float64 gradients); Independent, MixtureSameFamily and
 * TransformedDistribution over them (log_prob with gradients, cdf, icdf, moments, shapes, supports, expand, the
 * constructors' messages) and their KL pairs; LBFGS, SWA ({@code AveragedModel}, {@code SWALR}, {@code update_bn}) and
 * the state-dict round trips of every optimizer and scheduler ({@link FuzzR6Training}). Every mismatch is reported in
 * one failure.
 */
class DifferentialFuzzR6Test {
    private static final String RESOURCE = "/fuzz6/cases.txt";

    /**
     * Cases known to fail, by id, with the reason; a case listed here that passes is reported too, so the list shrinks
     * as the engine is fixed.
     */
    private static final Map<String, String> EXPECTED_FAILURES = new TreeMap<>(Map.of());

    @Test
    void everyCaseMatchesPyTorch() {
        runAll(RESOURCE, 300, EXPECTED_FAILURES, DifferentialFuzzR6Test::run);
    }

    /**
     * Runs every case of {@code resource} (at least {@code minCases}) through {@code run} (null: it matches) and fails
     * with all mismatches in one message, and with every case listed in {@code expectedFailures} that passes; rounds 5
     * and 6 share it.
     */
    static void runAll(String resource, int minCases, Map<String, String> expectedFailures,
                       java.util.function.Function<Case, String> run) {
        List<Case> cases = read(resource);
        assertTrue(cases.size() >= minCases, "cases: " + cases.size());
        List<String> mismatches = new ArrayList<>();
        List<String> nowPassing = new ArrayList<>();
        for (Case c : cases) {
            String problem;
            try {
                problem = run.apply(c);
            } catch (RuntimeException | AssertionError | StackOverflowError e) {
                problem = "harness: " + e;
            }
            boolean expected = expectedFailures.containsKey(c.id);
            if (problem != null && !expected) {
                mismatches.add(c.id + " " + c.kind + " " + c.name + ": " + problem);
            } else if (problem == null && expected) {
                nowPassing.add(c.id + " (listed as an expected failure: " + expectedFailures.get(c.id) + ")");
            }
        }
        if (!mismatches.isEmpty() || !nowPassing.isEmpty()) {
            fail(mismatches.size() + " of " + cases.size() + " cases differ from PyTorch:\n" + String.join("\n", mismatches)
                    + (nowPassing.isEmpty() ? "" : "\nnow passing:\n" + String.join("\n", nowPassing)));
        }
    }

    /**
     * The resource a round's test reads: {@code resource} ({@code /<dir>/cases.txt}), or where a local hunt names a case
     * file on disk ({@code file}, not null), that file copied beside it as {@code /<dir>/hunt.txt}.
     */
    static String huntOr(String resource, String file) throws IOException {
        if (file == null) {
            return resource;
        }
        String hunt = resource.substring(0, resource.lastIndexOf('/') + 1) + "hunt.txt";
        java.nio.file.Files.copy(java.nio.file.Path.of(file), java.nio.file.Path.of("target/test-classes" + hunt),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return hunt;
    }

    // ------------------------------------------------------------------------------------------------ the case file

    record Case(String id, String kind, String name, List<String> lines) {
    }

    /** The cases of a round's case file: {@code === id kind name}, then the case's lines. */
    static List<Case> read(String resource) {
        List<Case> out = new ArrayList<>();
        try (InputStream in = DifferentialFuzzR6Test.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + resource);
            }
            List<String> body = null;
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith("=== ")) {
                    String[] w = line.substring(4).split(" ", 3);
                    body = new ArrayList<>();
                    out.add(new Case(w[0], w[1], w[2], body));
                } else if (!line.isBlank()) {
                    body.add(line);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** A cursor over a case's lines. */
    static final class Lines {
        final List<String> lines;
        int at;

        Lines(List<String> lines) {
            this.lines = lines;
        }

        boolean more() {
            return at < lines.size();
        }

        String peek() {
            return lines.get(at);
        }

        String next() {
            return lines.get(at++);
        }

        boolean nextIs(String word) {
            return more() && (peek().equals(word) || peek().startsWith(word + " "));
        }

        /** The rest of the next line after its first word, which must be {@code word}. */
        String take(String word) {
            String l = next();
            if (!(l.equals(word) || l.startsWith(word + " "))) {
                throw new IllegalStateException("expected a \"" + word + "\" line, got " + l);
            }
            return l.length() > word.length() ? l.substring(word.length() + 1) : "";
        }
    }

    private static String run(Case c) {
        Lines in = new Lines(c.lines);
        switch (c.kind) {
            case "T": return runTransform(in);
            case "D": return runDistribution(in);
            default: return FuzzR6Training.run(c.kind, c.name, in);
        }
    }

    // ------------------------------------------------------------------------------------------------ answers

    /** A query's result: a Tensor, a String (a repr), an int[] (a shape), a Boolean or an Integer. */
    interface Query {
        Object get();
    }

    /**
     * Compares what {@code q} gives with the answer line that follows: {@code r <tensor>} (or {@code key}), {@code s
     * <repr>}, {@code e <Type> <message>} or {@code x} (NotImplementedError). Returns null where they agree; the
     * result is left in {@code out[0]}.
     */
    static String answer(String what, Query q, Lines in, String key, double tol, Object[] out) {
        Object got = null;
        RuntimeException thrown = null;
        try {
            got = q.get();
        } catch (RuntimeException e) {
            thrown = e;
        }
        String l = in.next();
        if (l.equals("x")) {
            return thrown instanceof UnsupportedOperationException ? null
                    : what + ": PyTorch NotImplementedError, Ember " + (thrown != null ? thrown : "a result " + got);
        }
        if (l.startsWith("e ")) {
            String msg = unescape(l.substring(l.indexOf(' ', 2) + 1));
            if (thrown == null) {
                return what + ": PyTorch throws \"" + l.substring(2) + "\", Ember gives " + got;
            }
            return msg.equals(thrown.getMessage()) ? null
                    : what + ": message: PyTorch \"" + msg + "\", Ember \"" + thrown.getMessage() + "\"";
        }
        if (thrown != null) {
            return what + ": PyTorch gives " + l + ", Ember throws " + thrown;
        }
        out[0] = got;
        if (l.startsWith("s ")) {
            String e = unescape(l.substring(2));
            return e.equals(String.valueOf(got)) ? null : what + ": PyTorch \"" + e + "\", Ember \"" + got + "\"";
        }
        if (!l.startsWith(key + " ")) {
            throw new IllegalStateException("answer line " + l);
        }
        Tensor expected = FuzzCaseRunner.expectedTensor(l.substring(key.length() + 1));
        return DifferentialFuzzR5Test.compare(what, expected, asTensor(got), tol);
    }

    static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                b.append(n == 'n' ? '\n' : n);
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    static Tensor asTensor(Object o) {
        if (o instanceof Tensor) {
            return (Tensor) o;
        }
        if (o instanceof int[]) {
            int[] s = (int[]) o;
            long[] l = new long[s.length];
            for (int i = 0; i < s.length; i++) {
                l[i] = s[i];
            }
            return Tensor.tensor(l, DType.INT64, Device.CPU);
        }
        if (o instanceof Boolean) {
            return Tensor.tensor((boolean) (Boolean) o);
        }
        if (o instanceof Integer) {
            return Tensor.tensor((long) (Integer) o, DType.INT64);
        }
        return null;
    }

    static int[] shapeArg(String s) {
        return s.equals("_") ? new int[0] : Arrays.stream(s.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    static Tensor weights(int[] shape) {
        long n = 1;
        for (int s : shape) {
            n *= s;
        }
        double[] w = new double[(int) n];
        for (int k = 0; k < w.length; k++) {
            w[k] = 1 + 0.5 * ((3 * k) % 11);
        }
        return Tensor.tensor(w, DType.FLOAT64, Device.CPU).reshape(shape);
    }

    // ------------------------------------------------------------------------------------------------ transforms

    /** The generator's transform spec (see parse_transform in make_cases.py) over the tensors {@code tps}. */
    static Transform parseTransform(String spec, List<Tensor> tps) {
        String[] toks = spec.split(" ");
        int[] pos = {0};
        Transform t = parseOne(toks, pos, tps);
        if (pos[0] != toks.length) {
            throw new IllegalStateException("spec " + spec);
        }
        return t;
    }

    private static boolean isTensor(String tok) {
        return tok.startsWith("$");
    }

    private static Tensor tensorArg(String tok, List<Tensor> tps) {
        return tps.get(Integer.parseInt(tok.substring(1)));
    }

    private static Transform parseOne(String[] toks, int[] pos, List<Tensor> tps) {
        String k = toks[pos[0]++];
        switch (k) {
            case "exp": return new ExpTransform();
            case "sigmoid": return new SigmoidTransform();
            case "tanh": return new TanhTransform();
            case "abs": return new AbsTransform();
            case "softplus": return new SoftplusTransform();
            case "softmax": return new SoftmaxTransform();
            case "stickbreaking": return new StickBreakingTransform();
            case "lowercholesky": return new LowerCholeskyTransform();
            case "corrcholesky": return new CorrCholeskyTransform();
            case "affine": {
                String loc = toks[pos[0]++];
                String scale = toks[pos[0]++];
                int ed = Integer.parseInt(toks[pos[0]++]);
                if (isTensor(loc)) {
                    return new AffineTransform(tensorArg(loc, tps), tensorArg(scale, tps), ed);
                }
                return new AffineTransform(Double.parseDouble(loc), Double.parseDouble(scale), ed);
            }
            case "power": {
                String e = toks[pos[0]++];
                return isTensor(e) ? new PowerTransform(tensorArg(e, tps)) : new PowerTransform(Double.parseDouble(e));
            }
            case "compose": {
                int n = Integer.parseInt(toks[pos[0]++]);
                List<Transform> parts = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    parts.add(parseOne(toks, pos, tps));
                }
                return new ComposeTransform(parts);
            }
            case "indep": {
                int n = Integer.parseInt(toks[pos[0]++]);
                return new IndependentTransform(parseOne(toks, pos, tps), n);
            }
            case "reshape": {
                int[] a = shapeArg(toks[pos[0]++]);
                int[] b = shapeArg(toks[pos[0]++]);
                return new ReshapeTransform(a, b);
            }
            case "cat": {
                int dim = Integer.parseInt(toks[pos[0]++]);
                int[] lengths = shapeArg(toks[pos[0]++]);
                int n = Integer.parseInt(toks[pos[0]++]);
                List<Transform> parts = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    parts.add(parseOne(toks, pos, tps));
                }
                return new CatTransform(parts, dim, lengths);
            }
            case "stack": {
                int dim = Integer.parseInt(toks[pos[0]++]);
                int n = Integer.parseInt(toks[pos[0]++]);
                List<Transform> parts = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    parts.add(parseOne(toks, pos, tps));
                }
                return new StackTransform(parts, dim);
            }
            case "cdfnormal": {
                // PyTorch's Normal(number, number): 0-dim tensors of the default type (float32)
                double loc = Double.parseDouble(toks[pos[0]++]);
                double scale = Double.parseDouble(toks[pos[0]++]);
                return new CumulativeDistributionTransform(new Normal(Tensor.full(DType.FLOAT32, loc),
                        Tensor.full(DType.FLOAT32, scale)));
            }
            case "inv": return parseOne(toks, pos, tps).inv();
            default: throw new IllegalStateException("transform " + k);
        }
    }

    /** The "tp" lines' tensors (float64 ones requiring grad). */
    static List<Tensor> tps(Lines in, List<Tensor> into) {
        while (in.nextIs("tp")) {
            Tensor t = FuzzCaseRunner.expectedTensor(in.take("tp"));
            if (t.dtype() == DType.FLOAT64) {
                t.requiresGrad_(true);
            }
            into.add(t);
        }
        return into;
    }

    private static String runTransform(Lines in) {
        String spec = in.take("t");
        List<Tensor> tps = tps(in, new ArrayList<>());
        Transform t = parseTransform(spec, tps);
        Tensor x = FuzzCaseRunner.expectedTensor(in.take("x"));
        double tol = in.nextIs("tol") ? Double.parseDouble(in.take("tol")) : 0;
        if (x.dtype() == DType.FLOAT64) {
            x.requiresGrad_(true);
        }
        List<String> problems = new ArrayList<>();
        Tensor y = null;
        Tensor ladj = null;
        while (in.more()) {
            String q = in.take("q");
            String op = q.split(" ")[0];
            String arg = q.length() > op.length() ? q.substring(op.length() + 1) : "";
            Object[] res = new Object[1];
            String p;
            Tensor yy = y;
            switch (op) {
                case "fwd": p = answer(op, () -> t.forward(x), in, "r", tol, res); y = (Tensor) res[0]; break;
                case "inv": p = answer(op, () -> t.inverse(yy), in, "r", tol, res); break;
                case "ladj": p = answer(op, () -> t.logAbsDetJacobian(x, yy), in, "r", tol, res); ladj = (Tensor) res[0];
                    break;
                case "invladj": p = answer(op, () -> t.inv().logAbsDetJacobian(yy, x), in, "r", tol, res);
                    break;
                case "grad": p = transformGrads(x, y, ladj, tps, in, Math.max(tol, 1e-8)); break;
                case "dims": p = answer(op, () -> new int[] {t.domain().eventDim(), t.codomain().eventDim()}, in, "r", 0,
                        res);
                    break;
                case "eventdim": p = answer(op, () -> t.eventDim(), in, "r", 0, res); break;
                case "sign": {
                    boolean tensorSign = in.peek().startsWith("r float");
                    p = answer(op, () -> tensorSign && t instanceof AffineTransform ? ((AffineTransform) t).signTensor()
                            : tensorSign ? null : (Object) t.sign(), in, "r", 0, res);
                    if (tensorSign && !(t instanceof AffineTransform)) {
                        p = null;  // a tensor sign of a composition: Ember has no public tensor sign there
                    }
                    break;
                }
                case "bij": p = answer(op, () -> t.bijective(), in, "r", 0, res); break;
                case "fshape": p = answer(q, () -> t.forwardShape(shapeArg(arg)), in, "r", 0, res); break;
                case "ishape": p = answer(q, () -> t.inverseShape(shapeArg(arg)), in, "r", 0, res); break;
                case "repr": p = answer(op, t::toString, in, "r", 0, res); break;
                case "invrepr": p = answer(op, () -> t.inv().toString(), in, "r", 0, res); break;
                default: throw new IllegalStateException("query " + q);
            }
            if (p != null) {
                problems.add(p);
            }
        }
        return problems.isEmpty() ? null : String.join("; ", problems);
    }

    private static String transformGrads(Tensor x, Tensor y, Tensor ladj, List<Tensor> tps, Lines in, double tol) {
        List<Tensor> ins = new ArrayList<>();
        ins.add(x);
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < tps.size(); i++) {
            if (tps.get(i).requiresGrad()) {
                ins.add(tps.get(i));
                idx.add(i);
            }
        }
        List<Tensor> gs = new ArrayList<>();
        if (y != null) {
            Tensor tot = y.mul(weights(y.shape())).sum();
            if (ladj != null && ladj.requiresGrad()) {
                tot = tot.add(ladj.mul(weights(ladj.shape())).sum());
            }
            if (tot.requiresGrad()) {
                gs = Autograd.grad(List.of(tot), ins, null, true, false, true);
            }
        }
        List<String> problems = new ArrayList<>();
        for (int j = 0; j < ins.size(); j++) {
            String key = j == 0 ? "gx" : "g" + idx.get(j - 1);
            String l = in.take(key);
            Tensor g = j < gs.size() ? gs.get(j) : null;
            String p = l.equals("none") ? (g == null ? null : "grad " + key + ": PyTorch none, Ember " + g)
                    : g == null ? "grad " + key + ": PyTorch " + l + ", Ember none"
                    : DifferentialFuzzR5Test.compare("grad " + key, FuzzCaseRunner.expectedTensor(l), g, tol);
            if (p != null) {
                problems.add(p);
            }
        }
        return problems.isEmpty() ? null : String.join("; ", problems);
    }

    // ------------------------------------------------------------------------------------------------ distributions

    /** A "c" line's constructor call, as round 5's. */
    private static Distribution construct(String spec, List<Object> args) {
        String[] w = spec.split(" ");
        boolean validate = w[1].equals("1");
        Class<?> k;
        try {
            k = Class.forName("dev.ember.distributions." + w[0]);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("no Ember class " + w[0]);
        }
        for (Constructor<?> con : k.getConstructors()) {
            Class<?>[] p = con.getParameterTypes();
            if (p.length != args.size() + 1 || p[p.length - 1] != Boolean.class) {
                continue;
            }
            boolean ok = true;
            for (int i = 0; i < args.size(); i++) {
                ok &= args.get(i) instanceof Integer ? p[i] == int.class : p[i] == Tensor.class;
            }
            if (!ok) {
                continue;
            }
            Object[] values = args.toArray(new Object[args.size() + 1]);
            values[args.size()] = validate;
            try {
                return (Distribution) con.newInstance(values);
            } catch (InvocationTargetException e) {
                if (e.getCause() instanceof RuntimeException) {
                    throw (RuntimeException) e.getCause();
                }
                throw new IllegalStateException(e.getCause());
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("no constructor of " + w[0] + " for " + args.size() + " parameters");
    }

    /**
     * Runs the stack program's next line: a "c" with its "p" lines, a run of "tp" lines (the tensors of the next
     * Transformed ones, left in {@code tps}) or a "w".
     */
    private static void build(Lines in, List<Distribution> stack, List<Tensor> params, List<Tensor> tps) {
        if (in.nextIs("tp")) {
            tps.clear();
            tps(in, tps);
            params.addAll(tps);
            return;
        }
        String l = in.next();
        if (l.startsWith("c ")) {
            List<Object> args = new ArrayList<>();
            while (in.nextIs("p")) {
                String[] w = in.take("p").split(" ", 3);
                switch (w[1]) {
                    case "none": args.add(null); break;
                    case "i": args.add(Integer.parseInt(w[2])); break;
                    case "T": {
                        Tensor t = FuzzCaseRunner.expectedTensor(w[2]);
                        if (t.dtype() == DType.FLOAT64) {
                            t.requiresGrad_(true);
                        }
                        params.add(t);
                        args.add(t);
                        break;
                    }
                    default: throw new IllegalStateException("parameter " + Arrays.toString(w));
                }
            }
            stack.add(construct(l.substring(2), args));
            return;
        }
        String[] w = l.split(" ", 4);
        if (!w[0].equals("w")) {
            throw new IllegalStateException("program line " + l);
        }
        switch (w[1]) {
            case "Independent":
                stack.add(new Independent(stack.remove(stack.size() - 1), Integer.parseInt(w[2]), w[3].equals("1")));
                break;
            case "Mixture": {
                Distribution comp = stack.remove(stack.size() - 1);
                Distribution mix = stack.remove(stack.size() - 1);
                stack.add(new MixtureSameFamily(mix, comp, w[2].equals("1")));
                break;
            }
            case "Transformed": {
                Transform t = parseTransform(w[3], tps);
                stack.add(new TransformedDistribution(stack.remove(stack.size() - 1), List.of(t), w[2].equals("1")));
                break;
            }
            default: throw new IllegalStateException("program line " + l);
        }
    }

    private static String runDistribution(Lines in) {
        List<Distribution> stack = new ArrayList<>();
        List<Tensor> params = new ArrayList<>();
        List<Tensor> tps = new ArrayList<>();
        double tol = 0;
        while (in.more() && !in.nextIs("q") && !in.nextIs("tol")) {
            int at = in.at;
            try {
                build(in, stack, params, tps);
            } catch (RuntimeException e) {
                // a constructor PyTorch refuses: the "q ctor" answer follows the program
                while (in.more() && !in.nextIs("q")) {
                    in.next();
                }
                if (in.more() && in.peek().equals("q ctor")) {
                    in.next();
                    return answer("constructor", () -> {
                        throw e;
                    }, in, "r", 0, new Object[1]);
                }
                return "constructor (line " + in.lines.get(at) + "): PyTorch constructs it, Ember throws " + e;
            }
        }
        if (in.nextIs("tol")) {
            tol = Double.parseDouble(in.take("tol"));
        }
        if (in.more() && in.peek().equals("q ctor")) {
            in.next();
            return answer("constructor", () -> null, in, "r", 0, new Object[1]);
        }
        Distribution d = stack.get(stack.size() - 1);
        List<String> problems = new ArrayList<>();
        while (in.more()) {
            // a query where PyTorch's result is ill-conditioned: its own tolerance (see cond in make_cases.py)
            double t = in.nextIs("qtol") ? Math.max(tol, Double.parseDouble(in.take("qtol"))) : tol;
            String q = in.take("q");
            String op = q.split(" ")[0];
            String arg = q.length() > op.length() ? q.substring(op.length() + 1) : "";
            Object[] res = new Object[1];
            String p;
            switch (op) {
                case "mean": p = answer(op, d::mean, in, "r", t, res); break;
                case "mode": p = answer(op, d::mode, in, "r", t, res); break;
                case "variance": p = answer(op, d::variance, in, "r", t, res); break;
                case "stddev": p = answer(op, d::stddev, in, "r", t, res); break;
                case "entropy": p = answer(op, d::entropy, in, "r", t, res); break;
                case "covariance_matrix": p = answer(op, () -> ((MultivariateNormal) d).covarianceMatrix(), in, "r", t, res);
                    break;
                case "precision_matrix": p = answer(op, () -> ((MultivariateNormal) d).precisionMatrix(), in, "r", t, res);
                    break;
                case "scale_tril": p = answer(op, () -> ((MultivariateNormal) d).scaleTril(), in, "r", t, res); break;
                case "expandglp": {
                    String[] a = arg.split(" ", 2);
                    p = answer(q, () -> d.expand(shapeArg(a[0])).logProb(FuzzCaseRunner.expectedTensor(a[1])), in, "r", t,
                            res);
                    break;
                }
                case "bshape": p = answer(op, d::batchShape, in, "r", 0, res); break;
                case "eshape": p = answer(op, d::eventShape, in, "r", 0, res); break;
                case "support": p = answer(op, () -> d.support().toString(), in, "r", 0, res); break;
                case "sshape": p = answer(q, () -> d.sample(shapeArg(arg)).shape(), in, "r", 0, res); break;
                case "enum": p = answer(op, () -> d.enumerateSupport(true), in, "r", t, res); break;
                case "cdf": p = answer(q, () -> d.cdf(FuzzCaseRunner.expectedTensor(arg)), in, "r", t, res); break;
                case "icdf": p = answer(q, () -> d.icdf(FuzzCaseRunner.expectedTensor(arg)), in, "r", t, res); break;
                case "glp": {
                    Tensor value = FuzzCaseRunner.expectedTensor(arg);
                    p = answer("log_prob " + arg, () -> d.logProb(value), in, "r", t, res);
                    if (res[0] != null || in.nextIs("g0")) {
                        String g = gradients("log_prob " + arg, (Tensor) res[0], params, in, t);
                        p = p != null ? p : g;
                    }
                    break;
                }
                case "kl": {
                    p = answer(op, () -> KL.klDivergence(stack.get(0), stack.get(1)), in, "r", t, res);
                    if (res[0] != null || in.nextIs("g0")) {
                        String g = gradients("kl", (Tensor) res[0], params, in, t);
                        p = p != null ? p : g;
                    }
                    break;
                }
                case "expand": {
                    int[] shape = Arrays.stream(arg.split(" ")).mapToInt(Integer::parseInt).toArray();
                    Distribution[] e = new Distribution[1];
                    boolean expands = in.peek().startsWith("r ");
                    p = answer(q, () -> {
                        e[0] = d.expand(shape);
                        return e[0].batchShape();
                    }, in, "r", 0, res);
                    if (expands) {
                        in.take("q");
                        String m = e[0] == null ? "expand: no distribution" : answer(q + " event_shape",
                                e[0]::eventShape, in, "r", 0, new Object[1]);
                        p = p != null ? p : m;
                    }
                    break;
                }
                default: throw new IllegalStateException("query " + q);
            }
            while (in.more() && in.peek().matches("g\\d+ .*")) {
                in.next();
            }
            if (p != null) {
                problems.add(p);
            }
        }
        return problems.isEmpty() ? null : String.join("; ", problems);
    }

    /** Compares the gradients of sum(out * w) with the "g<i>" lines that follow, parameter i of {@code params}. */
    private static String gradients(String what, Tensor out, List<Tensor> params, Lines in, double tol) {
        return DifferentialFuzzR5Test.gradients(what, out, params, in, 0, tol);
    }
}
