package dev.ember;

import dev.ember.nn.Functional;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Replays one case of {@code differentialfuzzr38/cases.txt} (its generator, {@code make_cases.py}, describes the
 * lines): the tensor arguments, each made as its {@code m} line says (a transposed view, a leaf that requires grad, one
 * whose {@code .grad} is set, a non-leaf), the one call PyTorch refused, then the refusal: the Java exception for
 * PyTorch's Python type (IndexError: {@link IndexOutOfBoundsException}; RuntimeError, ValueError, TypeError:
 * {@link IllegalArgumentException}, an autograd-state RuntimeError such as the leaf check may be an
 * {@link IllegalStateException}, a type refusal an {@link UnsupportedOperationException} where {@link Refusals} says
 * so), never an internal one (NPE, AIOOBE, ClassCastException, ArithmeticException, an
 * Error), the message's first line equal to PyTorch's, and every argument exactly as before the call: values bit for
 * bit, shape, strides, storage offset, dtype, version counter, requires_grad, leaf-ness, grad_fn and .grad (and the
 * leaf under a non-leaf argument likewise).
 */
final class FuzzR38Interpreter {
    private FuzzR38Interpreter() {
    }

    /** Null where Ember refuses the call as PyTorch did and changes nothing, else what differs. */
    static String run(List<String> body) {
        Map<String, String> argLines = new LinkedHashMap<>();
        Map<String, String> mods = new HashMap<>();
        String step = null;
        String err = null;
        for (String line : body) {
            int sp = line.indexOf(' ');
            String key = sp < 0 ? line : line.substring(0, sp);
            String rest = sp < 0 ? "" : line.substring(sp + 1);
            switch (key) {
                case "a": {
                    int sp2 = rest.indexOf(' ');
                    argLines.put(rest.substring(0, sp2), rest.substring(sp2 + 1));
                    break;
                }
                case "m": {
                    int sp2 = rest.indexOf(' ');
                    mods.put(rest.substring(0, sp2), rest.substring(sp2 + 1));
                    break;
                }
                case "s": step = rest; break;
                case "err": err = rest; break;
                case "pt_atomic": break;
                default: throw new IllegalStateException("line " + line);
            }
        }
        Map<String, Tensor> a = new LinkedHashMap<>();
        Map<String, Tensor> tracked = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : argLines.entrySet()) {
            List<String> m = Arrays.asList(mods.getOrDefault(e.getKey(), "").split(","));
            Tensor t = DifferentialFuzzR17Test.tensor(e.getValue());
            Tensor base = (m.contains("T") ? t.transpose(-1, -2).contiguous() : t).clone();
            if (m.contains("rg") || m.contains("gr") || m.contains("nl")) {
                base.requiresGrad_(true);
                if (m.contains("gr")) {
                    base.setGrad(Tensor.ones(base.dtype(), base.shape()));
                }
                tracked.put(e.getKey() + " (its leaf)", base);
            }
            Tensor x = m.contains("nl") ? base.mul(1L) : base;
            a.put(e.getKey(), m.contains("T") ? x.transpose(-1, -2) : x);
            tracked.put(e.getKey(), a.get(e.getKey()));
        }
        Map<String, String> before = snapshot(tracked);
        Object got;
        try {
            got = call(step, a);
        } catch (RuntimeException e) {
            // a partial write first (the most harmful), then the exception's type and message
            Map<String, String> after = snapshot(tracked);
            for (Map.Entry<String, String> s : before.entrySet()) {
                if (!s.getValue().equals(after.get(s.getKey()))) {
                    return "the refused call changed " + s.getKey() + ": " + s.getValue() + " -> "
                            + after.get(s.getKey()) + " (then threw " + e + ")";
                }
            }
            return refusal(err, e);
        } catch (Error e) {
            return "internal error " + e;
        }
        return "PyTorch refuses (\"" + err + "\"), Ember gives " + FuzzRoundSupport.describeResult(got);
    }

    /** Null where {@code e} is PyTorch's refusal {@code err} ({@code <Python type>: <message>}), else what differs. */
    static String refusal(String err, RuntimeException e) {
        int colon = err.indexOf(": ");
        String pyType = err.substring(0, colon);
        String want = err.substring(colon + 2);
        String msg = e.getMessage() == null ? null : e.getMessage().split("\n", -1)[0];
        if (e instanceof NullPointerException || e instanceof ArrayIndexOutOfBoundsException
                || e instanceof StringIndexOutOfBoundsException || e instanceof ClassCastException
                || e instanceof ArithmeticException || e instanceof NegativeArraySizeException) {
            return "internal exception " + e + " at " + (e.getStackTrace().length > 0 ? e.getStackTrace()[0] : "?");
        }
        boolean typeOk = switch (pyType) {
            case "IndexError" -> e instanceof IndexOutOfBoundsException;
            // a type refusal may be an UnsupportedOperationException at the sites Refusals' javadoc names
            case "RuntimeError" -> e instanceof IllegalArgumentException || e instanceof UnsupportedOperationException
                    || (e instanceof IllegalStateException && want.contains("in-place operation"));
            default -> e instanceof IllegalArgumentException;
        };
        if (!want.equals(msg)) {
            return "message: PyTorch " + pyType + " \"" + want + "\", Ember " + e.getClass().getSimpleName() + " \""
                    + msg + "\"";
        }
        if (!typeOk) {
            return "type: PyTorch " + pyType + ", Ember " + e.getClass().getName() + " (\"" + msg + "\")";
        }
        return null;
    }

    /** Everything observable about each tracked tensor, grad_fn included. */
    private static Map<String, String> snapshot(Map<String, Tensor> tracked) {
        Map<String, String> s = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : tracked.entrySet()) {
            Tensor t = e.getValue();
            s.put(e.getKey(), ErrorAtomicityTest.describe(t, true) + " grad_fn="
                    + (t.gradFn() == null ? "none" : t.gradFn().name()));
        }
        return s;
    }


    /** The call ({@code <op> [k=v ...]}) on the tensor arguments {@code a}. */
    private static Object call(String text, Map<String, Tensor> a) {
        String[] w = text.split(" ");
        String op = w[0];
        Map<String, String> kw = FuzzRoundSupport.keywords(w);
        Tensor x = a.get("x");
        Tensor y = a.get("y");
        Tensor z = a.get("z");
        Tensor i = a.get("i");
        Tensor src = a.get("src");
        Integer d = kw.containsKey("dim") ? Integer.valueOf(kw.get("dim")) : null;
        switch (op) {
            // in-place binaries and scalars
            case "add_": case "sub_": case "mul_": case "div_": case "pow_": case "atan2_": case "fmod_":
            case "remainder_": case "hypot_": case "copy_": case "xlogy_": case "copysign_": case "fill_":
                if (kw.containsKey("value")) {
                    return scalarCall(op, x, kw.get("value"));
                }
                return reflect(op, x, y);
            case "floor_divide_": return x.floorDivide_(y);
            case "bitwise_and_": return x.bitwiseAnd_(y);
            case "logical_and_": return x.logicalAnd_(y);
            case "lerp_": return x.lerp_(y, num(kw.get("weight")));
            case "clamp_": return x.clamp_(num(kw.get("min")), null);
            case "neg_": return x.neg_();
            case "masked_fill_": return x.maskedFill_(a.get("mask"), num(kw.get("value")));
            case "masked_fill_t": return x.maskedFill_(a.get("mask"), a.get("v"));
            case "index_put_": return x.indexPut_(new Tensor[] {i}, a.get("v"), bool(kw.get("accumulate")));
            case "scatter_": return x.scatter_(d, i, src);
            case "scatter_add_": return x.scatterAdd_(d, i, src);
            case "scatter_value_": return x.scatter_(d, i, num(kw.get("value")));
            case "scatter_reduce_": return x.scatterReduce_(d, i, src, kw.get("reduce"), true);
            case "index_add_": return x.indexAdd_(d, i, src);
            case "index_copy_": return x.indexCopy_(d, i, src);
            case "index_fill_": return x.indexFill_(d, i, num(kw.get("value")));
            case "index_reduce_": return x.indexReduce_(d, i, src, kw.get("reduce"));
            case "put_": return x.put_(i, src, bool(kw.get("accumulate")));
            case "addmm_": return x.addmm_(y, z, num(kw.get("beta")), num(kw.get("alpha")));
            case "addmm": return x.addmm(y, z, num(kw.get("beta")), num(kw.get("alpha")));
            case "addmv_": return x.addmv_(y, z, num(kw.get("beta")), num(kw.get("alpha")));
            case "baddbmm_": return x.baddbmm_(y, z, num(kw.get("beta")), num(kw.get("alpha")));
            case "baddbmm": return x.baddbmm(y, z, num(kw.get("beta")), num(kw.get("alpha")));
            case "addbmm_": return x.addbmm_(y, z, num(kw.get("beta")), num(kw.get("alpha")));
            case "addr_": return x.addr_(y, z, num(kw.get("beta")), num(kw.get("alpha")));
            case "addcmul_": return x.addcmul_(y, z, num(kw.get("value")));
            case "addcdiv_": return x.addcdiv_(y, z, num(kw.get("value")));
            // shapes
            case "matmul": case "mm": case "bmm": case "mv": case "dot": case "add": case "mul": case "sub":
            case "gcd": case "lcm": case "fmod": case "remainder": case "atan2": case "lt":
                return reflect(op, x, y);
            case "bitwise_and": return x.bitwiseAnd(y);
            case "bitwise_or": return x.bitwiseOr(y);
            case "bitwise_not": return x.bitwiseNot();
            case "bitwise_left_shift": return x.bitwiseLeftShift(y);
            case "cat": return Tensor.cat(List.of(x, y), d);
            case "stack": return Tensor.stack(List.of(x, y), d);
            case "expand": return x.expand(ints(kw.get("shape")));
            case "broadcast_to": return x.broadcastTo(ints(kw.get("shape")));
            case "view": return x.view(ints(kw.get("shape")));
            case "reshape": return x.reshape(ints(kw.get("shape")));
            case "where": return Tensor.where(a.get("c"), x, y);
            case "transpose": return x.transpose(integer(kw.get("d0")), integer(kw.get("d1")));
            case "movedim": return x.movedim(integer(kw.get("d0")), integer(kw.get("d1")));
            case "squeeze": return x.squeeze(d);
            case "unsqueeze": return x.unsqueeze(d);
            case "flatten": return x.flatten(integer(kw.get("start")), integer(kw.get("end")));
            case "permute": return x.permute(ints(kw.get("dims")));
            case "repeat": return x.repeat(ints(kw.get("reps")));
            case "tile": return x.tile(ints(kw.get("reps")));
            case "split": return x.split(integer(kw.get("size")), d);
            case "chunk": return x.chunk(integer(kw.get("size")), d);
            case "unflatten": return x.unflatten(d, ints(kw.get("sizes")));
            // indexing
            case "gather": return x.gather(d, i);
            case "index_select": return x.indexSelect(d, i);
            case "take": return x.take(i);
            case "narrow": return x.narrow(d, integer(kw.get("start")), integer(kw.get("length")));
            case "select": return x.select(d, integer(kw.get("index")));
            case "embedding": return Functional.embedding(i, a.get("w"));
            case "one_hot": return Functional.oneHot(i, Long.parseLong(kw.get("num_classes")));
            case "cross_entropy": return Functional.crossEntropy(x, a.get("t"), null, kw.get("reduction"), -100, 0);
            case "nll_loss": return Functional.nllLoss(x, a.get("t"), null, kw.get("reduction"), -100);
            case "index_x": return x.index(Index.of(i));
            case "softmax": return Functional.softmax(x, d);
            case "sum": return x.sum(d);
            case "cumsum": return x.cumsum(d);
            case "argmax": return x.argmax(d);
            case "topk": return x.topk(integer(kw.get("k")), d);
            case "kthvalue": return x.kthvalue(integer(kw.get("k")), d, false);
            // dtypes
            case "neg": return x.neg();
            case "clamp": return x.clamp(num(kw.get("min")), null);
            case "relu": return x.relu();
            case "floor": return x.floor();
            case "sign": return x.sign();
            case "erfinv": return x.erfinv();
            case "sort": return x.sort(d, false);
            case "cummax": return x.cummax(d);
            case "amax": return x.amax(new int[] {d}, false);
            case "max": return d == null ? x.max() : x.max(d, false);
            // sizes
            case "zeros": return Tensor.zeros(DType.FLOAT64, ints(kw.get("shape")));
            case "ones": return Tensor.ones(DType.FLOAT64, ints(kw.get("shape")));
            case "empty": return Tensor.empty(DType.FLOAT64, ints(kw.get("shape")));
            case "full": return Tensor.full(ints(kw.get("shape")), 1.5);
            case "randn": return Tensor.randn(DType.FLOAT64, ints(kw.get("shape")));
            case "rand": return Tensor.rand(DType.FLOAT64, ints(kw.get("shape")));
            case "arange": return Tensor.arange(num(kw.get("start")), num(kw.get("end")), num(kw.get("step")),
                    DType.FLOAT64);
            case "linspace": return Tensor.linspace(0.0, 1.0, integer(kw.get("steps")), DType.FLOAT64, Device.CPU);
            case "eye": return Tensor.eye(integer(kw.get("n")), integer(kw.get("m")), DType.FLOAT64);
            case "randint": return Tensor.randint(Long.parseLong(kw.get("low")), Long.parseLong(kw.get("high")), 3);
            // functional
            case "conv1d": return Functional.conv1d(x, a.get("w"), a.get("b"));
            case "conv2d": return Functional.conv2d(x, a.get("w"), a.get("b"));
            case "conv_transpose2d": return Functional.convTranspose2d(x, a.get("w"), a.get("b"));
            case "max_pool2d": return Functional.maxPool2d(x, integer(kw.get("kernel")));
            case "avg_pool2d": return Functional.avgPool2d(x, integer(kw.get("kernel")));
            case "max_pool1d": return Functional.maxPool1d(x, integer(kw.get("kernel")));
            case "adaptive_avg_pool2d": return Functional.adaptiveAvgPool2d(x, integer(kw.get("kernel")));
            case "linear": return Functional.linear(x, a.get("w"), a.get("b"));
            case "layer_norm": return Functional.layerNorm(x, ints(kw.get("shape")), a.get("w"), a.get("b"), 1e-5);
            case "group_norm": return Functional.groupNorm(x, integer(kw.get("groups")));
            case "batch_norm":
                return Functional.batchNorm(x, a.get("rm"), a.get("rv"), a.get("w"), null,
                        bool(kw.get("training")), 0.1, 1e-5);
            case "instance_norm":
                return Functional.instanceNorm(x, a.get("rm"), a.get("rv"), a.get("w"), null, true, 0.1, 1e-5);
            case "pixel_shuffle": return Functional.pixelShuffle(x, integer(kw.get("r")));
            case "mse_loss": return Functional.mseLoss(x, a.get("t"));
            case "binary_cross_entropy": return Functional.binaryCrossEntropy(x, a.get("t"));
            // the harness's own check (DifferentialFuzzR38Test): a call that writes into x, then refuses
            case "selftest_write_then_refuse":
                x.add_(1.0);
                throw new IllegalArgumentException("selftest");
            default: throw new IllegalStateException("step " + text);
        }
    }

    /** An in-place call with one Python scalar: an int ({@code long}), a float ({@code double}) or a bool. */
    private static Object scalarCall(String op, Tensor x, String v) {
        Object arg;
        Class<?> type;
        if (v.equals("True") || v.equals("False")) {
            arg = bool(v);
            type = boolean.class;
        } else if (v.contains(".") || v.contains("e") || v.contains("n")) {
            arg = num(v);
            type = double.class;
        } else {
            arg = Long.parseLong(v);
            type = long.class;
        }
        return FuzzRoundSupport.invokeTensorMethod(op, x, new Class<?>[] {type}, new Object[] {arg});
    }

    /** The Tensor method {@code name} (the Python name in camelCase) of {@code self}, its own exceptions rethrown. */
    private static Object reflect(String name, Tensor self, Tensor... args) {
        Class<?>[] types = new Class<?>[args.length];
        Arrays.fill(types, Tensor.class);
        return FuzzRoundSupport.invokeTensorMethod(name, self, types, args);
    }


    private static int[] ints(String v) {
        return v.equals("E") ? new int[0] : Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    private static Integer integer(String v) {
        return v == null || v.equals("N") ? null : Integer.valueOf(v);
    }

    private static double num(String v) {
        return PyTorchCases.numbers(v)[0];
    }

    private static boolean bool(String v) {
        return "True".equals(v);
    }
}
