package dev.ember;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Replays one case of {@code differentialfuzzr32/cases.txt} (its generator, {@code make_cases.py}, describes the
 * lines): under the case's default dtype (restored to float32 in a finally), the tensor arguments (x requires grad
 * where the case says {@code rg}), the one call with a dtype= argument, a creation with or without one, or an op whose
 * result dtype the inputs decide, then the output's dtype, shape and values ({@link FuzzR31Interpreter#compare}: bits,
 * the tolerance, or the dtype and shape only for the uninitialized creations; a complex output's real and imaginary
 * parts alike), its grad_fn name and x's gradient; or PyTorch's refusal with every input unchanged.
 */
final class FuzzR32Interpreter {
    private FuzzR32Interpreter() {
    }

    /** Null where Ember does what PyTorch did, else what differs. */
    static String run(List<String> body) {
        DType previous = Ember.getDefaultDtype();
        try {
            return replay(body);
        } finally {
            Ember.setDefaultDtype(previous);
        }
    }

    private static String replay(List<String> body) {
        Map<String, String> inputs = new LinkedHashMap<>();
        String step = null;
        String err = null;
        String out = null;
        String fn = null;
        String g = null;
        String gx = null;
        String cmp = "tol";
        Long seed = null;
        boolean rg = false;
        DType def = DType.FLOAT32;
        for (String line : body) {
            int sp = line.indexOf(' ');
            String key = sp < 0 ? line : line.substring(0, sp);
            String rest = sp < 0 ? "" : line.substring(sp + 1);
            switch (key) {
                case "def": def = dtype(rest); break;
                case "x":
                case "y":
                case "c": inputs.put(key, rest); break;
                case "rg": rg = true; break;
                case "s": step = rest; break;
                case "seed": seed = Long.parseLong(rest); break;
                case "err": err = rest; break;
                case "o": out = rest; break;
                case "fn": fn = rest; break;
                case "g": g = rest; break;
                case "gx": gx = rest; break;
                case "cmp": cmp = rest; break;
                default: throw new IllegalStateException("line " + line);
            }
        }
        Map<String, Tensor> t = new HashMap<>();
        for (Map.Entry<String, String> e : inputs.entrySet()) {
            t.put(e.getKey(), DifferentialFuzzR17Test.tensor(e.getValue()));
        }
        if (rg) {
            t.get("x").requiresGrad_(true);
        }
        Ember.setDefaultDtype(def);
        if (seed != null) {
            Ember.manualSeed(seed);
        }
        Tensor got;
        try {
            got = call(step, t);
        } catch (NoForm e) {
            return "no Ember form: " + e.getMessage();
        } catch (RuntimeException e) {
            if (err == null) {
                return "PyTorch gives a result, Ember throws " + e;
            }
            String msg = e.getMessage() == null ? null : e.getMessage().split("\n", -1)[0];
            if (!err.equals(msg)) {
                return "message: PyTorch \"" + err + "\", Ember \"" + e.getMessage() + "\" ("
                        + e.getClass().getSimpleName() + ")";
            }
            for (Map.Entry<String, String> in : inputs.entrySet()) {
                String r = same("input " + in.getKey() + " after a refused call",
                        DifferentialFuzzR17Test.tensor(in.getValue()), t.get(in.getKey()).detach(), "bits");
                if (r != null) {
                    return r;
                }
            }
            return null;
        }
        if (err != null) {
            return "PyTorch refuses (\"" + err + "\"), Ember gives " + got.dtype() + Arrays.toString(got.shape());
        }
        String r = same("output", DifferentialFuzzR17Test.tensor(out), got, cmp);
        if (r != null) {
            return r;
        }
        String node = got.gradFn() == null ? null : got.gradFn().name();
        if (fn == null ? node != null : !fn.equals(node)) {
            return "grad_fn: PyTorch " + fn + ", Ember " + node;
        }
        if (g == null) {
            return null;
        }
        got.mul(DifferentialFuzzR17Test.tensor(g)).sum().backward();
        Tensor grad = t.get("x").grad();
        if (gx.equals("none")) {
            return grad == null ? null : "gradient: PyTorch none, Ember " + grad.dtype() + Arrays.toString(grad.shape());
        }
        Tensor want = DifferentialFuzzR17Test.tensor(gx);
        if (coarser(got.dtype(), grad.dtype())) {
            // the op computed in a narrower dtype= than the leaf's (sum(dtype=bfloat16) of a float64 leaf): its backward
            // runs in that type and is converted to the leaf's, so both gradients are compared in the narrower type
            String r2 = same("gradient of x (as " + got.dtype() + ")", want.to(got.dtype()), grad.to(got.dtype()), "tol");
            return r2 != null || want.dtype() == grad.dtype() ? r2
                    : "gradient of x: PyTorch " + want.dtype() + ", Ember " + grad.dtype();
        }
        return same("gradient of x", want, grad, cmp.equals("meta") ? "tol" : cmp);
    }

    /** Whether floating type {@code a} holds fewer significant bits than {@code b}. */
    private static boolean coarser(DType a, DType b) {
        return a.isFloatingPoint() && b.isFloatingPoint() && bits(a) < bits(b);
    }

    private static int bits(DType d) {
        switch (d) {
            case BFLOAT16: return 8;
            case FLOAT16: return 11;
            case FLOAT32: return 24;
            case FLOAT64: return 53;
            default: return 0;
        }
    }

    /** {@link FuzzR31Interpreter#compare} with complex tensors compared as their real views, and "meta". */
    private static String same(String what, Tensor expected, Tensor got, String cmp) {
        if (got == null) {
            return what + ": PyTorch " + expected.dtype() + Arrays.toString(expected.shape()) + ", Ember none";
        }
        if (expected.dtype() != got.dtype() || !Arrays.equals(expected.shape(), got.shape())) {
            return what + ": PyTorch " + expected.dtype() + Arrays.toString(expected.shape()) + ", Ember " + got.dtype()
                    + Arrays.toString(got.shape());
        }
        if (cmp.equals("meta")) {
            return null;
        }
        if (expected.dtype().isComplex()) {
            return FuzzR31Interpreter.compare(what + " (real view)", expected.viewAsReal(),
                    got.detach().resolveConj().contiguous().viewAsReal(), cmp.equals("bits"));
        }
        return FuzzR31Interpreter.compare(what, expected, got, cmp.equals("bits"));
    }

    // ---- the call ----

    /** A form of the call Ember has no method for. */
    private static final class NoForm extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NoForm(String what) {
            super(what);
        }
    }

    private static Tensor call(String text, Map<String, Tensor> t) {
        String[] w = text.split(" ");
        String op = w[0];
        Map<String, String> kw = new HashMap<>();
        for (int k = 1; k < w.length; k++) {
            int eq = w[k].indexOf('=');
            kw.put(w[k].substring(0, eq), w[k].substring(eq + 1));
        }
        Tensor x = t.get("x");
        DType dt = kw.containsKey("dtype") ? optDtype(kw.get("dtype")) : null;
        boolean keepdim = "True".equals(kw.get("keepdim"));
        int[] shape = ints(kw.get("shape"));
        switch (op) {
            case "sum":
            case "mean": {
                int[] dims = ints(kw.get("dims"));
                boolean sum = op.equals("sum");
                if (dims == null) {
                    return dt == null ? (sum ? x.sum() : x.mean()) : sum ? x.sum(dt) : x.mean(dt);
                }
                return dt == null ? (sum ? x.sum(dims, keepdim) : x.mean(dims, keepdim))
                        : sum ? x.sum(dims, keepdim, dt) : x.mean(dims, keepdim, dt);
            }
            case "prod": {
                String d = kw.get("dim");
                if (d.equals("N")) {
                    return dt == null ? x.prod() : x.prod(dt);
                }
                int dim = Integer.parseInt(d);
                return dt == null ? x.prod(dim, keepdim) : x.prod(dim, keepdim, dt);
            }
            case "cumsum": {
                int dim = Integer.parseInt(kw.get("dim"));
                return dt == null ? x.cumsum(dim) : x.cumsum(dim, dt);
            }
            case "cumprod": {
                int dim = Integer.parseInt(kw.get("dim"));
                return dt == null ? x.cumprod(dim) : x.cumprod(dim, dt);
            }
            case "softmax": {
                int dim = Integer.parseInt(kw.get("dim"));
                return dt == null ? x.softmax(dim) : x.softmax(dim, dt);
            }
            case "log_softmax": {
                int dim = Integer.parseInt(kw.get("dim"));
                return dt == null ? x.logSoftmax(dim) : x.logSoftmax(dim, dt);
            }
            case "vector_norm": {
                double ord = PyTorchCases.numbers(kw.get("ord"))[0];
                int[] dims = ints(kw.get("dims"));
                return dt == null ? x.vectorNorm(ord, dims, keepdim) : x.vectorNorm(ord, dims, keepdim, dt);
            }
            case "zeros": return dt == null ? Tensor.zeros(shape) : Tensor.zeros(dt, shape);
            case "ones": return dt == null ? Tensor.ones(shape) : Tensor.ones(dt, shape);
            case "empty": return dt == null ? Tensor.empty(shape) : Tensor.empty(dt, shape);
            case "full": {
                Object f = scalar(kw.get("fill"));
                if (dt == null) {
                    return (Tensor) invokeStatic("full", shape, f);
                }
                if (f instanceof Boolean) {
                    // Ember's typed full takes a long or a double: a bool fill is 0 or 1 in the requested type
                    return Tensor.full(dt, (Boolean) f ? 1L : 0L, shape);
                }
                return (Tensor) invokeStatic("full", dt, f, shape);
            }
            case "arange": {
                Object end = scalar(kw.get("end"));
                if (!kw.containsKey("start")) {
                    if (dt == null) {
                        return (Tensor) invokeStatic("arange", end);
                    }
                    return end instanceof Long ? Tensor.arange((Long) end, dt)
                            : Tensor.arange(0, ((Number) end).doubleValue(), 1, dt);
                }
                Object start = scalar(kw.get("start"));
                Object stp = scalar(kw.get("step"));
                boolean ints = start instanceof Long && end instanceof Long && stp instanceof Long;
                if (dt == null && ints) {
                    return Tensor.arange((Long) start, (Long) end, (Long) stp);
                }
                double a = ((Number) start).doubleValue();
                double b = ((Number) end).doubleValue();
                double s = ((Number) stp).doubleValue();
                if (dt == null) {
                    return Tensor.arange(a, b, s);
                }
                return Tensor.arange(a, b, s, dt);
            }
            case "linspace": {
                double a = PyTorchCases.numbers(kw.get("start"))[0];
                double b = PyTorchCases.numbers(kw.get("end"))[0];
                int n = Integer.parseInt(kw.get("steps"));
                return dt == null ? Tensor.linspace(a, b, n) : Tensor.linspace(a, b, n, dt);
            }
            case "logspace": {
                double a = PyTorchCases.numbers(kw.get("start"))[0];
                double b = PyTorchCases.numbers(kw.get("end"))[0];
                int n = Integer.parseInt(kw.get("steps"));
                double base = PyTorchCases.numbers(kw.get("base"))[0];
                if (dt == null && base == 10) {
                    return Tensor.logspace(a, b, n);
                }
                // Ember's logspace with a base takes the dtype: the default one where PyTorch's call gave none
                return Tensor.logspace(a, b, n, base, dt == null ? Ember.getDefaultDtype() : dt);
            }
            case "eye": {
                int n = Integer.parseInt(kw.get("n"));
                int m = Integer.parseInt(kw.get("m"));
                if (dt == null && n == m) {
                    return Tensor.eye(n);
                }
                return Tensor.eye(n, m, dt == null ? Ember.getDefaultDtype() : dt);
            }
            case "tensor": {
                Object data = data(kw.get("data"));
                return dt == null ? Tensor.tensor(data) : Tensor.tensor(data, dt);
            }
            case "rand": return dt == null ? Tensor.rand(shape) : Tensor.rand(dt, shape);
            case "randn": return dt == null ? Tensor.randn(shape) : Tensor.randn(dt, shape);
            case "randint": {
                long lo = Long.parseLong(kw.get("low"));
                long hi = Long.parseLong(kw.get("high"));
                return dt == null ? Tensor.randint(lo, hi, shape) : Tensor.randint(lo, hi, dt, shape);
            }
            case "zeros_like": return x.zerosLike();
            case "ones_like": return x.onesLike();
            case "empty_like": return x.emptyLike();
            case "rand_like": return x.randLike();
            case "full_like": return (Tensor) invoke(x, "fullLike", scalar(kw.get("fill")));
            case "new_zeros": return x.newZeros(shape);
            case "new_ones": return x.newOnes(shape);
            case "new_empty": return x.newEmpty(shape);
            case "new_full": return (Tensor) invoke(x, "newFull", shape, scalar(kw.get("fill")));
            case "new_tensor": return x.newTensor(data(kw.get("data")));
            case "to": return x.to(dt);
            case "type": return x.type(dt);
            case "type_as": return x.typeAs(t.get("y"));
            case "where": {
                Tensor c = t.get("c");
                switch (kw.get("form")) {
                    case "tt": return Tensor.where(c, x, t.get("y"));
                    case "ts": return (Tensor) invokeStatic("where", c, x, scalar(kw.get("other")));
                    default: return (Tensor) invokeStatic("where", c, scalar(kw.get("other")), x);
                }
            }
            case "cat": return Tensor.cat(List.of(x, t.get("y")), Integer.parseInt(kw.get("dim")));
            case "stack": return Tensor.stack(List.of(x, t.get("y")), Integer.parseInt(kw.get("dim")));
            case "clamp": {
                Object lo = kw.get("min").equals("N") ? null : scalar(kw.get("min"));
                Object hi = kw.get("max").equals("N") ? null : scalar(kw.get("max"));
                if (lo instanceof Long && hi instanceof Long) {
                    return x.clamp((Long) lo, (Long) hi);
                }
                return x.clamp(lo == null ? null : ((Number) lo).doubleValue(),
                        hi == null ? null : ((Number) hi).doubleValue());
            }
            default: break;
        }
        if (op.endsWith("_s")) {
            return (Tensor) invoke(x, camel(op.substring(0, op.length() - 2)), scalar(kw.get("other")));
        }
        if (op.endsWith("_r")) {
            return (Tensor) invokeStatic(camel(op.substring(0, op.length() - 2)), scalar(kw.get("other")), x);
        }
        if (t.containsKey("y")) {
            return (Tensor) invoke(x, camel(op), t.get("y"));
        }
        return (Tensor) invoke(x, camel(op));
    }

    private static String camel(String op) {
        StringBuilder sb = new StringBuilder();
        boolean up = false;
        for (char ch : op.toCharArray()) {
            if (ch == '_') {
                up = true;
            } else {
                sb.append(up ? Character.toUpperCase(ch) : ch);
                up = false;
            }
        }
        return sb.toString();
    }

    /** A number: {@code L:<int>} a Long, {@code D:<float>} a Double, {@code B:<0|1>} a Boolean, {@code C:re,im}. */
    private static Object scalar(String v) {
        String body = v.substring(2);
        switch (v.charAt(0)) {
            case 'L': return Long.parseLong(body);
            case 'D': return PyTorchCases.numbers(body)[0];
            case 'B': return body.equals("1");
            case 'C': {
                double[] c = PyTorchCases.numbers(body);
                return Complex.of(c[0], c[1]);
            }
            default: throw new IllegalStateException("number " + v);
        }
    }

    /**
     * torch.tensor's data: a list of numbers ({@code ;}-separated), rows split by {@code /}; one kind of number makes a
     * primitive array (double[], long[], boolean[]) or a Complex[], mixed kinds an Object[] of the boxed values.
     */
    private static Object data(String text) {
        if (text.contains("/")) {
            String[] rows = text.split("/");
            Object[] out = new Object[rows.length];
            boolean uniform = true;
            for (int i = 0; i < rows.length; i++) {
                out[i] = data(rows[i]);
                uniform &= out[i].getClass() == out[0].getClass();
            }
            if (uniform) {
                Object arr = java.lang.reflect.Array.newInstance(out[0].getClass(), rows.length);
                for (int i = 0; i < rows.length; i++) {
                    java.lang.reflect.Array.set(arr, i, out[i]);
                }
                return arr;
            }
            return out;
        }
        String[] parts = text.split(";");
        Object[] vals = new Object[parts.length];
        boolean same = true;
        for (int i = 0; i < parts.length; i++) {
            vals[i] = scalar(parts[i]);
            same &= vals[i].getClass() == vals[0].getClass();
        }
        if (!same) {
            return vals;
        }
        Object first = vals[0];
        if (first instanceof Complex) {
            return Arrays.copyOf(vals, vals.length, Complex[].class);
        }
        Object arr = java.lang.reflect.Array.newInstance(first instanceof Long ? long.class
                : first instanceof Double ? double.class : boolean.class, vals.length);
        for (int i = 0; i < vals.length; i++) {
            java.lang.reflect.Array.set(arr, i, vals[i]);
        }
        return arr;
    }

    private static Object invoke(Tensor target, String name, Object... args) {
        return reflect(target, name, args);
    }

    private static Object invokeStatic(String name, Object... args) {
        return reflect(null, name, args);
    }

    /** The Tensor method {@code name} whose parameters take {@code args} (a Long a long, ...), called. */
    private static Object reflect(Tensor target, String name, Object[] args) {
        for (Method m : Tensor.class.getMethods()) {
            if (!m.getName().equals(name) || Modifier.isStatic(m.getModifiers()) != (target == null)
                    || m.getParameterCount() != args.length) {
                continue;
            }
            Class<?>[] p = m.getParameterTypes();
            boolean ok = true;
            for (int i = 0; i < p.length && ok; i++) {
                ok = fits(args[i], p[i]);
            }
            if (!ok) {
                continue;
            }
            try {
                return m.invoke(target, args);
            } catch (InvocationTargetException e) {
                if (e.getCause() instanceof RuntimeException) {
                    throw (RuntimeException) e.getCause();
                }
                throw new IllegalStateException(e.getCause());
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }
        StringBuilder sig = new StringBuilder(name).append('(');
        for (Object a : args) {
            sig.append(a == null ? "null" : a.getClass().getSimpleName()).append(',');
        }
        throw new NoForm(sig.append(')').toString());
    }

    private static boolean fits(Object a, Class<?> p) {
        if (a == null) {
            return !p.isPrimitive();
        }
        if (p.isPrimitive()) {
            return (p == long.class && a instanceof Long) || (p == double.class && a instanceof Double)
                    || (p == boolean.class && a instanceof Boolean) || (p == int.class && a instanceof Integer);
        }
        return p.isInstance(a);
    }

    private static DType optDtype(String name) {
        return name.equals("N") ? null : dtype(name);
    }

    private static DType dtype(String name) {
        for (DType d : DType.values()) {
            if (d.name().equalsIgnoreCase(name)) {
                return d;
            }
        }
        throw new IllegalStateException("dtype " + name);
    }

    /** A comma-separated list; null for None ({@code N}, absent), empty for {@code E}. */
    private static int[] ints(String v) {
        if (v == null || v.equals("N")) {
            return null;
        }
        if (v.equals("E")) {
            return new int[0];
        }
        return Arrays.stream(v.split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
    }
}
