package dev.ember;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Replays one case of {@code differentialfuzzr15/cases.txt} (its generator, {@code make_cases.py}, describes the lines):
 * a random per-sample program wrapped in a composition of {@link Func}'s transforms, called on the case's inputs, and
 * compared with functorch: every result's dtype, shape, values and requires_grad, or the error's first line; the inputs
 * must be as they were after the call either way. Where inputs require grad, a backward through the results must give
 * them functorch's gradients. A randomness case checks its rule instead of values.
 */
final class FuzzR15Interpreter {
    private final List<String> lines;
    private final List<Tensor> inputs = new ArrayList<>();
    private final List<String> inputTexts = new ArrayList<>();
    private final Map<String, Tensor> consts = new LinkedHashMap<>();
    private final List<String[]> ops = new ArrayList<>();
    private final List<String[]> layers = new ArrayList<>();
    private final List<String> outs = new ArrayList<>();
    /** The .grad functorch's inputs that require grad have after the backward through the results ("none" or T). */
    private final Map<Integer, String> grads = new java.util.TreeMap<>();
    /** The inputs that require grad. */
    private final java.util.Set<Integer> rg = new java.util.TreeSet<>();
    private String error;
    private String rows;
    private String rowsShape;
    /** Whether an input is float32: the results are then compared at float32's tolerance. */
    private boolean f32;

    private FuzzR15Interpreter(List<String> lines) {
        this.lines = lines;
    }

    /** Runs the case; null when Ember matches functorch, else what differs. */
    static String run(List<String> lines) {
        return new FuzzR15Interpreter(lines).run();
    }

    private String run() {
        for (String line : lines) {
            String[] w = line.split(" ", 3);
            switch (w[0]) {
                case "in":
                    inputTexts.add(w[2]);
                    inputs.add(tensor(w[2]).clone());
                    f32 |= w[2].startsWith("float32 ");
                    break;
                case "rg":
                    inputs.get(Integer.parseInt(w[1].substring(1))).requiresGrad_(true);
                    rg.add(Integer.parseInt(w[1].substring(1)));
                    break;
                case "grad":
                    grads.put(Integer.parseInt(w[1].substring(1)), w[2]);
                    break;
                case "const":
                    consts.put(w[1], tensor(w[2]));
                    break;
                case "op":
                    ops.add(line.substring(3).split(" "));
                    break;
                case "layer":
                    layers.add(line.substring(6).split(" "));
                    break;
                case "out":
                    outs.add(line.substring(line.indexOf(' ', 4) + 1));
                    break;
                case "err":
                    error = line.substring(4);
                    break;
                case "rows":
                    rows = w[1];
                    break;
                case "shape":
                    rowsShape = line.substring(6);
                    break;
                default:
                    throw new IllegalStateException("line " + line);
            }
        }
        Func.TensorsFn fn = args -> new Tensor[] {program(args)};
        int n = countBase();
        for (String[] layer : layers) {
            fn = wrap(fn, layer, n);
            n = argsAfter(layer, n);
        }
        Tensor[] args = inputs.toArray(new Tensor[0]);
        Tensor[] got = null;
        RuntimeException thrown = null;
        try {
            got = fn.apply(args);
        } catch (RuntimeException e) {
            thrown = e;
        }
        String unchanged = inputsUnchanged();
        if (unchanged != null) {
            return unchanged;
        }
        if (error != null) {
            if (thrown == null) {
                return "functorch throws \"" + error + "\", Ember runs";
            }
            String msg = firstLine(thrown.getMessage());
            return error.equals(msg) ? null : "functorch throws \"" + error + "\", Ember " + thrown;
        }
        if (thrown != null) {
            StringBuilder b = new StringBuilder("functorch runs, Ember throws " + thrown);
            for (StackTraceElement e : thrown.getStackTrace()) {
                if (e.getClassName().startsWith("dev.ember.Fuzz")) {
                    break;
                }
                b.append("\n    at ").append(e);
            }
            return b.toString();
        }
        if (rows != null) {
            return checkRows(got[0]);
        }
        if (got.length != outs.size()) {
            return "functorch gives " + outs.size() + " results, Ember " + got.length;
        }
        List<String> problems = new ArrayList<>();
        for (int k = 0; k < got.length; k++) {
            String text = outs.get(k);
            int rg = text.lastIndexOf(" rg ");
            String p = compare("result " + k, got[k], text.substring(0, rg));
            if (p != null) {
                problems.add(p);
            }
            boolean wantRg = text.substring(rg + 4).equals("1");
            if (got[k] != null && got[k].requiresGrad() != wantRg) {
                problems.add("result " + k + ": requires_grad functorch " + wantRg + ", Ember " + got[k].requiresGrad());
            }
        }
        if (problems.isEmpty()) {
            String p = backward(got);
            if (p != null) {
                problems.add(p);
            }
        }
        return problems.isEmpty() ? null : String.join("; ", problems);
    }

    /**
     * The backward through the results that require grad ({@code sum((r * W(r)).sum())}, W as the generator's), then
     * each input that requires grad's {@code .grad} against functorch's.
     */
    private String backward(Tensor[] got) {
        Tensor loss = null;
        for (Tensor t : got) {
            if (t.requiresGrad()) {
                Tensor term = t.mul(weights(t)).sum();
                loss = loss == null ? term : loss.add(term);
            }
        }
        if (loss != null) {
            try {
                loss.backward();
            } catch (RuntimeException e) {
                return "the backward through the results throws " + e;
            }
        }
        List<String> problems = new ArrayList<>();
        for (Map.Entry<Integer, String> e : grads.entrySet()) {
            Tensor g = inputs.get(e.getKey()).grad();
            if (e.getValue().equals("none")) {
                if (g != null) {
                    problems.add("a" + e.getKey() + ".grad: functorch None, Ember " + g);
                }
            } else if (g == null) {
                problems.add("a" + e.getKey() + ".grad: functorch " + e.getValue() + ", Ember None");
            } else {
                String p = compare("a" + e.getKey() + ".grad", g, e.getValue());
                if (p != null) {
                    problems.add(p);
                }
            }
        }
        return problems.isEmpty() ? null : String.join("; ", problems);
    }

    /** W(r): w[k] = 1 + 0.5 ((3k) mod 11) over r's row-major elements, float64. */
    private static Tensor weights(Tensor r) {
        double[] w = new double[(int) r.numel()];
        for (int k = 0; k < w.length; k++) {
            w[k] = 1 + 0.5 * ((3 * k) % 11);
        }
        return Tensor.tensor(w, DType.FLOAT64, Device.CPU).reshape(r.shape());
    }

    /** The number of inputs the program itself takes: the inputs less those the layers add (cotangents, tangents). */
    private int countBase() {
        int total = inputs.size();
        for (int i = layers.size() - 1; i >= 0; i--) {
            total = argsBefore(layers.get(i), total);
        }
        return total;
    }

    private static int argsAfter(String[] layer, int n) {
        switch (layer[0]) {
            case "vjpfn": case "vjp": return n + 1;
            case "jvpfn": case "jvp": return 2 * n;
            case "linearize": return 3 * n;
            default: return n;
        }
    }

    private static int argsBefore(String[] layer, int n) {
        switch (layer[0]) {
            case "vjpfn": case "vjp": return n - 1;
            case "jvpfn": case "jvp": return n / 2;
            case "linearize": return n / 3;
            default: return n;
        }
    }

    private String inputsUnchanged() {
        for (int i = 0; i < inputs.size(); i++) {
            Tensor now = inputs.get(i);
            Tensor was = tensor(inputTexts.get(i));
            boolean same = now.dtype() == was.dtype() && Arrays.equals(now.shape(), was.shape())
                    && Arrays.equals(doubles(now), doubles(was)) && now.requiresGrad() == rg.contains(i)
                    && (error == null || now.grad() == null);
            if (!same) {
                return "input a" + i + " changed by the call: " + now + " (was " + inputTexts.get(i) + ")";
            }
        }
        return null;
    }

    private static double[] doubles(Tensor t) {
        Tensor d = t.detach();
        return (d.dtype().isComplex() ? d.viewAsReal() : d).toDoubleArray();
    }

    private String checkRows(Tensor r) {
        if (!Arrays.toString(r.shape()).equals(rowsShape)) {
            return "shape functorch " + rowsShape + ", Ember " + Arrays.toString(r.shape());
        }
        int b = r.size(0);
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < i; j++) {
                boolean eq = Arrays.equals(r.select(0, i).toDoubleArray(), r.select(0, j).toDoubleArray());
                if (rows.equals("same") && !eq) {
                    return "randomness 'same': rows " + j + " and " + i + " differ: " + r;
                }
                if (rows.equals("different") && eq) {
                    return "randomness 'different': rows " + j + " and " + i + " are equal: " + r;
                }
            }
        }
        return null;
    }

    // ------------------------------------------------------------------------------------------------ the layers

    private static Tensor single(Tensor[] r) {
        if (r.length != 1) {
            throw new AssertionError("a transform that takes one result was given " + r.length);
        }
        return r[0];
    }

    private static Func.TensorFn one(Func.TensorsFn f) {
        return a -> single(f.apply(a));
    }

    private static int[] ints(String s) {
        String t = s.endsWith(",") ? s.substring(0, s.length() - 1) : s;
        return t.isEmpty() ? new int[0] : Arrays.stream(t.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    private static Func.TensorsFn wrap(Func.TensorsFn g, String[] layer, int n) {
        switch (layer[0]) {
            case "vmap": {
                Integer[] inDims = layer[1].equals("-") ? new Integer[0] : Arrays.stream(layer[1].split(","))
                        .map(s -> s.equals("N") ? null : Integer.valueOf(s)).toArray(Integer[]::new);
                Func.Randomness rnd = Func.Randomness.valueOf(layer[3].toUpperCase(java.util.Locale.ROOT));
                if (layer[2].endsWith(",")) {
                    return Func.vmapMulti(g, inDims, ints(layer[2]), rnd);
                }
                Func.TensorFn v = Func.vmap(one(g), inDims, Integer.parseInt(layer[2]), rnd);
                return a -> new Tensor[] {v.apply(a)};
            }
            case "grad": {
                Func.TensorsFn h = Func.grad(one(g), ints(layer[1]));
                return h;
            }
            case "gav":
                return Func.gradAndValue(one(g), ints(layer[1]));
            case "jacrev": {
                Func.TensorFn h = Func.jacrev(one(g), Integer.parseInt(layer[1]));
                return a -> new Tensor[] {h.apply(a)};
            }
            case "jacfwd": {
                Func.TensorFn h = Func.jacfwd(one(g), Integer.parseInt(layer[1]));
                return a -> new Tensor[] {h.apply(a)};
            }
            case "hessian": {
                Func.TensorFn h = Func.hessian(one(g), Integer.parseInt(layer[1]));
                return a -> new Tensor[] {h.apply(a)};
            }
            case "sqsum":
                return a -> {
                    Tensor y = single(g.apply(a));
                    return new Tensor[] {(y.dtype().isComplex() ? y.abs() : y).pow(2.0).sum()};
                };
            case "vjpfn": {
                int k = Integer.parseInt(layer[1]);
                return a -> {
                    Func.VjpOut o = Func.vjp(one(g), Arrays.copyOf(a, a.length - 1));
                    return new Tensor[] {o.vjpFn().apply(a[a.length - 1]).get(k)};
                };
            }
            case "vjp":
                return a -> {
                    Func.VjpOut o = Func.vjp(one(g), Arrays.copyOf(a, a.length - 1));
                    List<Tensor> gs = o.vjpFn().apply(a[a.length - 1]);
                    Tensor[] r = new Tensor[1 + gs.size()];
                    r[0] = o.output();
                    for (int i = 0; i < gs.size(); i++) {
                        r[1 + i] = gs.get(i);
                    }
                    return r;
                };
            case "jvpfn":
                return a -> new Tensor[] {Func.jvp(one(g), Arrays.copyOf(a, n), Arrays.copyOfRange(a, n, 2 * n)).jvp()};
            case "jvp":
                return a -> {
                    Func.JvpOut o = Func.jvp(one(g), Arrays.copyOf(a, n), Arrays.copyOfRange(a, n, 2 * n));
                    return new Tensor[] {o.output(), o.jvp()};
                };
            case "linearize":
                return a -> {
                    Func.LinearizeOut o = Func.linearize(one(g), Arrays.copyOf(a, n));
                    return new Tensor[] {o.output(), o.jvpFn().apply(Arrays.copyOfRange(a, n, 2 * n)),
                        o.jvpFn().apply(Arrays.copyOfRange(a, 2 * n, 3 * n))};
                };
            default:
                throw new IllegalStateException("layer " + String.join(" ", layer));
        }
    }

    // ------------------------------------------------------------------------------------------------ the program

    private Tensor program(Tensor[] args) {
        Map<String, Tensor> env = new LinkedHashMap<>(consts);
        for (int i = 0; i < args.length; i++) {
            env.put("a" + i, args[i]);
        }
        Tensor last = null;
        for (String[] op : ops) {
            last = op(op[1], new OpArgs(Arrays.copyOfRange(op, 2, op.length), env));
            env.put(op[0], last);
        }
        return last;
    }

    private static final class OpArgs extends FuzzArgs {
        OpArgs(String[] a, Map<String, Tensor> env) {
            super(a, name -> {
                if (name.equals("none")) {
                    return null;
                }
                if (!env.containsKey(name)) {
                    throw new IllegalStateException("no variable " + name);
                }
                return env.get(name);
            });
        }

        String s(int k) {
            return tail(k, "s:");
        }
    }

    private static Tensor cond(Tensor m) {
        return m.dtype() == DType.BOOL ? m : m.gt(0.0);
    }

    private static Tensor op(String name, OpArgs a) {
        Tensor x = a.t(0);
        switch (name) {
            case "exp": return x.exp();
            case "sin": return x.sin();
            case "cos": return x.cos();
            case "tanh": return x.tanh();
            case "sigmoid": return x.sigmoid();
            case "neg": return x.neg();
            case "abs": return x.abs();
            case "square": return x.square();
            case "relu": return x.relu();
            case "pows": return x.pow(a.d(1));
            case "clamp": return x.clamp(a.d(1), a.d(2));
            case "adds": return x.add(a.d(1));
            case "muls": return x.mul(a.d(1));
            case "add": return x.add(a.t(1));
            case "sub": return x.sub(a.t(1));
            case "mul": return x.mul(a.t(1));
            case "divs": return x.div(a.t(1).mul(a.t(1)).add(1.0));
            case "maximum": return x.maximum(a.t(1));
            case "where": return Tensor.where(cond(x), a.t(1), a.t(2));
            case "maskedfill": return x.maskedFill(cond(a.t(1)), a.d(2));
            case "sum": return x.sum(a.il(1), a.b(2));
            case "mean": return x.mean(a.il(1), a.b(2));
            case "sumall": return x.sum();
            case "amax": return x.amax(a.il(1), a.b(2));
            case "prod": return x.prod(a.i(1), a.b(2));
            case "logsumexp": return x.logsumexp(a.il(1), a.b(2));
            case "var": return x.var(a.il(1), a.i(2), a.b(3));
            case "norm": return x.norm();
            case "normd": return x.norm(2.0, new int[] {a.i(1)}, a.b(2));
            case "matmul": return x.matmul(a.t(1));
            case "gram": return x.matmul(x.mT());
            case "bmm": return x.bmm(a.t(1));
            case "einsum": return Tensor.einsum(a.s(1), x, a.t(2));
            case "linear": return dev.ember.nn.Functional.linear(x, a.t(1), a.t(2));
            case "conv1d": return dev.ember.nn.Functional.conv1d(x, a.t(1), a.t(2), new int[] {1},
                    new int[] {a.i(3)}, new int[] {1}, 1);
            case "view": return x.view(a.il(1));
            case "reshape": return x.reshape(a.il(1));
            case "transpose": return x.transpose(a.i(1), a.i(2));
            case "permute": return x.permute(a.il(1));
            case "unsqueeze": return x.unsqueeze(a.i(1));
            case "squeeze": return x.squeeze(a.i(1));
            case "flatten": return x.flatten();
            case "narrow": return x.narrow(a.i(1), a.i(2), a.i(3));
            case "select": return x.select(a.i(1), a.i(2));
            case "slice": {
                Index[] idx = new Index[a.i(1) + 1];
                Arrays.fill(idx, Index.slice(null, null, null));
                idx[a.i(1)] = Index.slice(a.i(2), a.i(3), a.i(4));
                return x.index(idx);
            }
            case "expand": return x.expand(a.il(1));
            case "mT": return x.mT();
            case "movedim": return x.movedim(a.i(1), a.i(2));
            case "flip": return x.flip(a.il(1));
            case "diagonal": return x.diagonal(a.i(1), a.i(2), a.i(3));
            case "gather": return x.gather(a.i(1), a.t(2));
            case "indexselect": return x.indexSelect(a.i(1), a.t(2));
            case "advidx": return x.index(Index.of(a.t(1)));
            case "cat": return Tensor.cat(List.of(x, a.t(1)), a.i(2));
            case "stack": return Tensor.stack(List.of(x, a.t(1)), a.i(2));
            case "softmax": return x.softmax(a.i(1));
            case "logsoftmax": return x.logSoftmax(a.i(1));
            case "layernorm": return dev.ember.nn.Functional.layerNorm(x, new int[] {x.size(-1)}, a.t(1), a.t(2), 1e-5);
            case "cumsum": return x.cumsum(a.i(1));
            case "sortv": return x.sort(a.i(1), a.b(2)).values();
            case "topkv": return x.topk(a.i(1), a.i(2), a.b(3), true).values();
            case "ipmuls": return x.clone().mul_(a.d(1));
            case "ipadd": return x.clone().add_(a.t(1));
            case "ipclamp": return x.clone().clamp_(a.d(1), a.d(2));
            case "ipsigmoid": return x.clone().sigmoid_();
            case "ipnarrow": {
                Tensor t = x.clone();
                t.narrow(a.i(1), a.i(2), a.i(3)).mul_(a.d(4));
                return t;
            }
            case "ipmasked": return x.clone().maskedFill_(cond(a.t(1)), a.d(2));
            case "randlike": return x.add(x.randLike());
            default: throw new IllegalStateException("op " + name);
        }
    }

    // ------------------------------------------------------------------------------------------------ values

    /** A tensor line: {@code dtype [shape] : [values]}, complex128 as {@code complex128 <its view_as_real's line>}. */
    private static Tensor tensor(String text) {
        if (text.startsWith("complex128 ")) {
            return FuzzCaseRunner.expectedTensor(text.substring("complex128 ".length())).viewAsComplex();
        }
        return FuzzCaseRunner.expectedTensor(text);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "null";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /**
     * {@code t} against functorch's: dtype and shape exactly, values within torch.testing.assert_close's default
     * tolerances (float64 and complex128: rtol 1e-7, atol 1e-7; float32, and every result of a case with a float32
     * input: rtol 1.3e-6, atol 1e-5 times the largest magnitude of the expected result, at least 1), NaN equal to NaN,
     * infinities exactly, integers and booleans exactly.
     */
    private String compare(String what, Tensor t, String expectedText) {
        if (t == null) {
            return what + ": Ember's is null";
        }
        Tensor e = tensor(expectedText);
        if (t.dtype() != e.dtype() || !Arrays.equals(t.shape(), e.shape())) {
            return what + ": functorch " + e.dtype() + " " + Arrays.toString(e.shape()) + ", Ember " + t.dtype() + " "
                    + Arrays.toString(t.shape());
        }
        boolean exact = !t.dtype().isFloatingPoint() && !t.dtype().isComplex();
        boolean tight = (t.dtype() == DType.FLOAT64 || t.dtype() == DType.COMPLEX128) && !f32;
        double rtol = exact ? 0 : tight ? 1e-7 : 1.3e-6;
        double atol = exact ? 0 : tight ? 1e-7 : 1e-5;
        double[] ev = doubles(e);
        double[] tv = doubles(t);
        if (!exact && !tight) {
            // float32's absolute tolerance scaled by the result's largest magnitude: an element that is the small
            // difference of large float32 terms (a third derivative of 600s giving 1.5) carries their rounding
            double scale = 1;
            for (double y : ev) {
                if (Double.isFinite(y)) {
                    scale = Math.max(scale, Math.abs(y));
                }
            }
            atol *= scale;
        }
        for (int i = 0; i < ev.length; i++) {
            double x = tv[i];
            double y = ev[i];
            boolean ok = Double.isNaN(y) ? Double.isNaN(x)
                    : Double.isInfinite(y) ? x == y : Math.abs(x - y) <= atol + rtol * Math.abs(y);
            if (!ok) {
                return what + ": element " + i + " functorch " + y + ", Ember " + x + " (functorch " + expectedText
                        + ", Ember " + Arrays.toString(tv) + ")";
            }
        }
        return null;
    }
}
