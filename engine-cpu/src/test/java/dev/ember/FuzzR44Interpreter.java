package dev.ember;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Replays one case of {@code differentialfuzzr44/cases.txt} (its generator, {@code make_cases.py}, describes the
 * lines): the tensor arguments (laid out as the {@code lay} lines say, those on the {@code rg} line requiring grad),
 * one creation call (arange, linspace, logspace, eye, full, the {@code *Like} factories, zeros / ones / empty,
 * tril / triu indices, cartesianProd, complex / polar, tensor from Java values, emptyStrided), under a float64 default
 * dtype where a {@code dd} line says so; then the result's dtype, shape, values, strides, requires_grad and grad_fn and
 * each named argument's gradient, or PyTorch's refusal with every argument unchanged.
 */
final class FuzzR44Interpreter {
    private FuzzR44Interpreter() {
    }

    /** Null where Ember does what PyTorch did, else what differs. */
    static String run(List<String> body) {
        Map<String, String> argLines = new LinkedHashMap<>();
        Map<String, String> lay = new LinkedHashMap<>();
        String step = null;
        String err = null;
        boolean allocErr = false;
        String out = null;
        String strides = null;
        String rq = null;
        String g = null;
        double tol = 0;
        boolean dd = false;
        List<String> rg = List.of();
        Map<String, String> gx = new LinkedHashMap<>();
        for (String line : body) {
            int sp = line.indexOf(' ');
            String key = sp < 0 ? line : line.substring(0, sp);
            String rest = sp < 0 ? "" : line.substring(sp + 1);
            switch (key) {
                case "a": argLines.put(rest.substring(0, rest.indexOf(' ')), rest.substring(rest.indexOf(' ') + 1));
                    break;
                case "lay": lay.put(rest.substring(0, rest.indexOf(' ')), rest.substring(rest.indexOf(' ') + 1));
                    break;
                case "dd": dd = true; break;
                case "rg": rg = rest.isEmpty() ? List.of() : Arrays.asList(rest.split(" ")); break;
                case "s": step = rest; break;
                case "tol": tol = Double.parseDouble(rest); break;
                case "err": err = rest; break;
                case "err*": err = rest; allocErr = true; break;
                case "o": out = rest; break;
                case "st": strides = rest; break;
                case "rq": rq = rest; break;
                case "g": g = rest; break;
                case "gx": gx.put(rest.substring(0, rest.indexOf(' ')), rest.substring(rest.indexOf(' ') + 1)); break;
                default: throw new IllegalStateException("line " + line);
            }
        }
        Map<String, Tensor> a = FuzzRoundSupport.arguments(argLines, List.of());
        Map<String, Tensor> base = new LinkedHashMap<>(a); // as the argument lines hold them, before any layout
        for (Map.Entry<String, String> e : lay.entrySet()) {
            a.put(e.getKey(), layout(a.get(e.getKey()), e.getValue()));
        }
        for (String n : rg) {
            a.get(n).requiresGrad_(true);
        }
        String[] words = step.split(" ");
        Map<String, String> kw = new LinkedHashMap<>(FuzzRoundSupport.keywords(words));
        DType saved = Ember.getDefaultDtype();
        Tensor result;
        try {
            if (dd) {
                Ember.setDefaultDtype(DType.FLOAT64);
            }
            result = call(words[0], kw, a);
        } catch (RuntimeException e) {
            if (allocErr) {
                // a storage PyTorch's allocator cannot get: refused in Ember's own words (see make_cases.py)
                return null;
            }
            return FuzzRoundSupport.refused(err, e, argLines, base);
        } finally {
            Ember.setDefaultDtype(saved);
        }
        if (err != null) {
            return "PyTorch refuses (\"" + err + "\"), Ember gives " + FuzzRoundSupport.describeResult(result);
        }
        String r;
        if (out.endsWith(": v")) {
            String want = out.substring(0, out.indexOf(" :"));
            String got = result.dtype().name().toLowerCase(java.util.Locale.ROOT) + " " + Arrays.toString(result.shape());
            r = want.equals(got) ? null : "the result: PyTorch " + want + ", Ember " + got;
        } else {
            Tensor want = DifferentialFuzzR17Test.tensor(out);
            if (want.dtype().isComplex()) {
                // the type, then both parts as floats
                r = want.dtype() == result.dtype() ? FuzzR31Interpreter.compare("the result (real view)",
                        want.viewAsReal(), result.detach().viewAsReal(), tol == 0, Math.max(tol, 1))
                        : "the result: PyTorch " + want.dtype() + ", Ember " + result.dtype();
            } else {
                r = FuzzR31Interpreter.compare("the result", want, result, tol == 0, Math.max(tol, 1));
            }
        }
        if (r != null) {
            return r;
        }
        String gotStrides = Arrays.stream(result.stride()).mapToObj(String::valueOf)
                .reduce((x, y) -> x + "," + y).orElse("");
        if (!strides.equals(gotStrides)) {
            return "strides: PyTorch [" + strides + "], Ember [" + gotStrides + "]";
        }
        String gotRq = (result.requiresGrad() ? "True" : "False") + " "
                + (result.gradFn() == null ? "None" : result.gradFn().name());
        if (!rq.equals(gotRq)) {
            return "requires_grad / grad_fn: PyTorch " + rq + ", Ember " + gotRq;
        }
        if (g == null) {
            return null;
        }
        Tensor real = result.dtype().isComplex() ? result.viewAsReal() : result;
        String back = FuzzRoundSupport.backward(real, g, null);
        if (back != null) {
            return back.isEmpty() ? null : back;
        }
        return FuzzRoundSupport.gradients(gx, a, Math.max(tol, 1));
    }

    private static Tensor layout(Tensor t, String how) {
        switch (how) {
            case "t": return t.t();
            case "exp": return t.expand(3, t.shape()[1]);
            case "step": return t.slice(1, 0, t.shape()[1], 2);
            case "cl": return t.contiguous(MemoryFormat.CHANNELS_LAST);
            default: throw new IllegalStateException("layout " + how);
        }
    }

    /** The call a case's {@code s} line names. */
    private static Tensor call(String op, Map<String, String> kw, Map<String, Tensor> a) {
        DType dt = dtype(kw.get("dtype"));
        switch (op) {
            case "arange": return arange(kw, dt);
            case "linspace": {
                double start = number(kw.get("start"));
                double end = number(kw.get("end"));
                int steps = Integer.parseInt(kw.get("steps"));
                return dt == null ? Tensor.linspace(start, end, steps) : Tensor.linspace(start, end, steps, dt);
            }
            case "logspace": {
                double start = number(kw.get("start"));
                double end = number(kw.get("end"));
                int steps = Integer.parseInt(kw.get("steps"));
                String base = kw.get("base");
                if (base.equals("N") && dt == null) {
                    return Tensor.logspace(start, end, steps);
                }
                return Tensor.logspace(start, end, steps, base.equals("N") ? 10 : number(base),
                        dt == null ? Ember.getDefaultDtype() : dt);
            }
            case "eye": {
                int n = Integer.parseInt(kw.get("n"));
                String m = kw.get("m");
                if (m.equals("N") && dt == null) {
                    return Tensor.eye(n);
                }
                return Tensor.eye(n, m.equals("N") ? n : Integer.parseInt(m),
                        dt == null ? Ember.getDefaultDtype() : dt);
            }
            case "full": return full(ints(kw.get("shape")), value(kw.get("value")), dt);
            case "fulllike": return like(a.get("x"), kw, dt);
            case "sizes": {
                int[] shape = ints(kw.get("shape"));
                switch (kw.get("op")) {
                    case "zeros": return dt == null ? Tensor.zeros(shape) : Tensor.zeros(dt, shape);
                    case "ones": return dt == null ? Tensor.ones(shape) : Tensor.ones(dt, shape);
                    default: return dt == null ? Tensor.empty(shape) : Tensor.empty(dt, shape);
                }
            }
            case "triidx": {
                int row = Integer.parseInt(kw.get("row"));
                int col = Integer.parseInt(kw.get("col"));
                int offset = Integer.parseInt(kw.get("offset"));
                return kw.get("op").equals("tril_indices") ? Tensor.trilIndices(row, col, offset)
                        : Tensor.triuIndices(row, col, offset);
            }
            case "cartprod": {
                List<Tensor> ts = new ArrayList<>();
                for (int i = 0; i < Integer.parseInt(kw.get("n")); i++) {
                    ts.add(a.get("t" + i));
                }
                return Tensor.cartesianProd(ts);
            }
            case "complex": return kw.get("op").equals("complex") ? Tensor.complex(a.get("real"), a.get("imag"))
                    : Tensor.polar(a.get("abs"), a.get("angle"));
            case "tensor": {
                Object data = value(kw.get("data"));
                return dt == null ? Tensor.tensor(data) : Tensor.tensor(data, dt);
            }
            case "strided": {
                int[] size = ints(kw.get("size"));
                int[] stride = ints(kw.get("stride"));
                return dt == null ? Tensor.emptyStrided(size, stride)
                        : Tensor.emptyStrided(size, stride, dt, Device.CPU);
            }
            default: throw new IllegalStateException("op " + op);
        }
    }

    /**
     * torch.arange with Python ints (Java longs: the int64 overloads where no dtype is given) or floats (doubles), as
     * the case wrote them.
     */
    private static Tensor arange(Map<String, String> kw, DType dt) {
        int form = Integer.parseInt(kw.get("form"));
        String[] names = form == 1 ? new String[] {"end"} : form == 2 ? new String[] {"start", "end"}
                : new String[] {"start", "end", "step"};
        boolean allInts = true;
        for (String n : names) {
            allInts &= isInt(kw.get(n));
        }
        if (allInts && dt == null) {
            long end = Long.parseLong(kw.get("end"));
            if (form == 1) {
                return Tensor.arange(end);
            }
            long start = Long.parseLong(kw.get("start"));
            return form == 2 ? Tensor.arange(start, end) : Tensor.arange(start, end, Long.parseLong(kw.get("step")));
        }
        if (allInts && form == 1) {
            return Tensor.arange(Long.parseLong(kw.get("end")), dt);
        }
        double end = number(kw.get("end"));
        double start = form == 1 ? 0 : number(kw.get("start"));
        double step = form == 3 ? number(kw.get("step")) : 1;
        if (dt != null) {
            return Tensor.arange(start, end, step, dt);
        }
        if (form == 1) {
            return Tensor.arange(end);
        }
        return form == 2 ? Tensor.arange(start, end) : Tensor.arange(start, end, step);
    }

    /** torch.full with a fill of the Java type Python's value has: long, double, boolean or Complex. */
    private static Tensor full(int[] shape, Object v, DType dt) {
        if (dt == null) {
            if (v instanceof Long l) {
                return Tensor.full(shape, l.longValue());
            }
            if (v instanceof Double d) {
                return Tensor.full(shape, d.doubleValue());
            }
            if (v instanceof Boolean b) {
                return Tensor.full(shape, b.booleanValue());
            }
            return Tensor.full(shape, (Complex) v);
        }
        if (v instanceof Long l) {
            return Tensor.full(dt, l.longValue(), shape);
        }
        if (v instanceof Double d) {
            return Tensor.full(dt, d.doubleValue(), shape);
        }
        if (v instanceof Boolean b) {
            return Tensor.full(dt, b ? 1L : 0L, shape);
        }
        return Tensor.full(dt, (Complex) v, shape);
    }

    /** full_like / zeros_like / ones_like / empty_like / rand_like of {@code x}, with a dtype where given. */
    private static Tensor like(Tensor x, Map<String, String> kw, DType dt) {
        switch (kw.get("op")) {
            case "zeros_like": return dt == null ? x.zerosLike() : x.zerosLike(dt);
            case "ones_like": return dt == null ? x.onesLike() : x.onesLike(dt);
            case "empty_like": return dt == null ? x.emptyLike() : x.emptyLike(dt);
            case "rand_like": return dt == null ? x.randLike() : x.randLike(dt);
            default: break;
        }
        Object v = value(kw.get("value"));
        if (v instanceof Long l) {
            return dt == null ? x.fullLike(l.longValue()) : x.fullLike(l.longValue(), dt);
        }
        if (v instanceof Double d) {
            return dt == null ? x.fullLike(d.doubleValue()) : x.fullLike(d.doubleValue(), dt);
        }
        if (v instanceof Boolean b) {
            return dt == null ? x.fullLike(b.booleanValue()) : x.fullLike(b.booleanValue(), dt);
        }
        throw new IllegalStateException("full_like with " + v);
    }

    /** True where Python wrote the number as an int (no '.', exponent, inf or nan). */
    private static boolean isInt(String v) {
        return v.matches("-?[0-9]+");
    }

    private static double number(String v) {
        return PyTorchCases.numbers(v)[0];
    }

    /** "[a,b]" as ints. */
    private static int[] ints(String v) {
        String in = v.substring(1, v.length() - 1);
        return in.isEmpty() ? new int[0] : Arrays.stream(in.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    private static DType dtype(String name) {
        if (name == null || name.equals("N")) {
            return null;
        }
        switch (name) {
            case "complex64": return DType.COMPLEX64;
            case "complex128": return DType.COMPLEX128;
            default: return DType.valueOf(name.toUpperCase(java.util.Locale.ROOT));
        }
    }

    /**
     * A value as make_cases.py's pv writes it: a Long, Double, Boolean or Complex, or a List of values (Python's
     * nested lists, which torch.tensor takes).
     */
    static Object value(String v) {
        int[] at = {0};
        Object o = parse(v, at);
        if (at[0] != v.length()) {
            throw new IllegalStateException("value " + v);
        }
        return o;
    }

    private static Object parse(String v, int[] at) {
        if (v.charAt(at[0]) == '[') {
            List<Object> list = new ArrayList<>();
            at[0]++;
            if (v.charAt(at[0]) == ']') {
                at[0]++;
                return list;
            }
            while (true) {
                list.add(parse(v, at));
                char c = v.charAt(at[0]++);
                if (c == ']') {
                    return list;
                }
            }
        }
        if (v.startsWith("c(", at[0])) {
            int semi = v.indexOf(';', at[0]);
            int close = v.indexOf(')', semi);
            Complex c = Complex.of(number(v.substring(at[0] + 2, semi)), number(v.substring(semi + 1, close)));
            at[0] = close + 1;
            return c;
        }
        int end = at[0];
        while (end < v.length() && v.charAt(end) != ',' && v.charAt(end) != ']') {
            end++;
        }
        String tok = v.substring(at[0], end);
        at[0] = end;
        if (tok.equals("True") || tok.equals("False")) {
            return Boolean.valueOf(tok.equals("True"));
        }
        return isInt(tok) ? (Object) Long.valueOf(tok) : (Object) Double.valueOf(number(tok));
    }
}
