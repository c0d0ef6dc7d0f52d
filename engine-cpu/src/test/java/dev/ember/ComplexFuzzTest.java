package dev.ember;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A seeded differential hunt over the complex ops: each case of {@code complexfuzz/make_expected.py} is a recipe (the
 * op, random shapes of rank 0-3 with empty and size-1 dims, complex64/complex128/real operands with broadcasting,
 * inputs seen through transposed or strided views, random reduction dims, keepdim, correction and norm orders), and
 * PyTorch 1.13's values, nodes, gradients or error messages are what Ember must give.
 */
class ComplexFuzzTest {

    private static Map<String, String> recipe(String name) {
        Map<String, String> m = new HashMap<>();
        for (String w : name.split(" ")) {
            int eq = w.indexOf('=');
            if (eq > 0) {
                m.put(w.substring(0, eq), w.substring(eq + 1));
            }
        }
        return m;
    }

    private static Tensor view(Tensor x, String code) {
        if ("T".equals(code)) {
            return x.transpose(0, -1);
        }
        if ("S".equals(code)) {
            return x.slice(0, 0, x.size(0), 2);
        }
        return x;
    }

    private static int[] dims(String d) {
        if (d == null || d.equals("all")) {
            return null;
        }
        String[] p = d.split(",");
        int[] r = new int[p.length];
        for (int i = 0; i < p.length; i++) {
            r[i] = Integer.parseInt(p[i]);
        }
        return r;
    }

    private static Function<Tensor[], Tensor> op(String name) {
        Map<String, String> r = recipe(name);
        String op = r.get("op");
        String v0 = r.get("v0");
        String v1 = r.get("v1");
        Function<Tensor, Tensor> x0 = x -> view(x, v0);
        Function<Tensor, Tensor> x1 = x -> view(x, v1);
        if (op.startsWith("u:")) {
            Function<Tensor, Tensor> f = unary(op.substring(2));
            return a -> f.apply(x0.apply(a[0]));
        }
        if (op.startsWith("pows:")) {
            double p = Double.parseDouble(op.substring(5));
            return a -> p == Math.rint(p) ? x0.apply(a[0]).pow((long) p) : x0.apply(a[0]).pow(p);
        }
        if (op.startsWith("b:")) {
            switch (op.substring(2)) {
                case "add": return a -> x0.apply(a[0]).add(x1.apply(a[1]));
                case "sub": return a -> x0.apply(a[0]).sub(x1.apply(a[1]));
                case "mul": return a -> x0.apply(a[0]).mul(x1.apply(a[1]));
                case "div": return a -> x0.apply(a[0]).div(x1.apply(a[1]));
                case "pow": return a -> x0.apply(a[0]).pow(x1.apply(a[1]).mul(0.5));
                default: break;
            }
        }
        if (op.startsWith("r:")) {
            int[] d = dims(r.get("dims"));
            boolean keep = "1".equals(r.get("keep"));
            switch (op.substring(2)) {
                case "sum": return a -> d == null ? x0.apply(a[0]).sum() : x0.apply(a[0]).sum(d, keep);
                case "mean": return a -> d == null ? x0.apply(a[0]).mean() : x0.apply(a[0]).mean(d, keep);
                case "prod": return a -> d == null ? x0.apply(a[0]).prod() : x0.apply(a[0]).prod(d[0], keep);
                case "var": return a -> x0.apply(a[0]).var(d, Integer.parseInt(r.get("corr")), keep);
                case "std": return a -> x0.apply(a[0]).std(d, Integer.parseInt(r.get("corr")), keep);
                case "norm": {
                    double o = Double.parseDouble(r.get("ord").replace("inf", "Infinity"));
                    return a -> x0.apply(a[0]).vectorNorm(o, d, keep);
                }
                default: break;
            }
        }
        switch (op) {
            case "matmul": return a -> x0.apply(a[0]).matmul(x1.apply(a[1]));
            case "dot": return a -> x0.apply(a[0]).dot(x1.apply(a[1]));
            case "vdot": return a -> x0.apply(a[0]).vdot(x1.apply(a[1]));
            default: throw new IllegalArgumentException("no Ember call for recipe " + name);
        }
    }

    private static Function<Tensor, Tensor> unary(String fn) {
        switch (fn) {
            case "neg": return Tensor::neg;
            case "conj": return Tensor::conj;
            case "abs": return Tensor::abs;
            case "angle": return Tensor::angle;
            case "sgn": return Tensor::sgn;
            case "exp": return Tensor::exp;
            case "log": return Tensor::log;
            case "sqrt": return Tensor::sqrt;
            case "reciprocal": return Tensor::reciprocal;
            case "sin": return Tensor::sin;
            case "cos": return Tensor::cos;
            case "tanh": return Tensor::tanh;
            case "sigmoid": return Tensor::sigmoid;
            case "sinh": return Tensor::sinh;
            case "cosh": return Tensor::cosh;
            case "tan": return Tensor::tan;
            case "asin": return Tensor::asin;
            case "acos": return Tensor::acos;
            case "atan": return Tensor::atan;
            case "asinh": return Tensor::asinh;
            case "acosh": return Tensor::acosh;
            case "atanh": return Tensor::atanh;
            case "log2": return Tensor::log2;
            case "log10": return Tensor::log10;
            case "log1p": return Tensor::log1p;
            case "expm1": return Tensor::expm1;
            case "exp2": return Tensor::exp2;
            case "rsqrt": return Tensor::rsqrt;
            case "square": return Tensor::square;
            case "real": return Tensor::real;
            case "imag": return Tensor::imag;
            default: throw new IllegalArgumentException("no Ember call for " + fn);
        }
    }

    @TestFactory
    List<DynamicTest> againstPyTorch() {
        // float32: 1e-5 of max(1, |value|), as broadcast gradients and products of many factors sum rounding errors
        return ReferenceCases.tests("/complexfuzz/expected.txt", ComplexFuzzTest::op, 1e-5);
    }
}
