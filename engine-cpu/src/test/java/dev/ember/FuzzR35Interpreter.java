package dev.ember;

import dev.ember.nn.Functional;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Replays one case of {@code differentialfuzzr35/cases.txt} (its generator, {@code make_cases.py}, describes the
 * lines): the tensor arguments, at least one of them with a zero-size dim (the float64 ones the case names on its
 * {@code rg} line require grad), the one call, then the result (a tensor, a tuple's values and indices, or a list's
 * pieces: dtype, shape and values within {@link FuzzR31Interpreter#compare}'s tolerance), its grad_fn name and each
 * named argument's gradient of {@code sum(out * g)}, or PyTorch's refusal with every argument unchanged.
 */
final class FuzzR35Interpreter {
    private FuzzR35Interpreter() {
    }

    /** Null where Ember does what PyTorch did, else what differs. */
    static String run(List<String> body) {
        Map<String, String> argLines = new LinkedHashMap<>();
        String step = null;
        String err = null;
        String out = null;
        String outIdx = null;
        List<String> pieces = new ArrayList<>();
        int count = -1;
        String fn = null;
        String g = null;
        String gerr = null;
        List<String> rg = List.of();
        Map<String, String> gx = new LinkedHashMap<>();
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
                case "rg": rg = Arrays.asList(rest.split(" ")); break;
                case "s": step = rest; break;
                case "err": err = rest; break;
                case "o": out = rest; break;
                case "oi": outIdx = rest; break;
                case "ol": pieces.add(rest); break;
                case "n": count = Integer.parseInt(rest); break;
                case "fn": fn = rest; break;
                case "g": g = rest; break;
                case "gerr": gerr = rest; break;
                case "gx": {
                    int sp2 = rest.indexOf(' ');
                    gx.put(rest.substring(0, sp2), rest.substring(sp2 + 1));
                    break;
                }
                default: throw new IllegalStateException("line " + line);
            }
        }
        Map<String, Tensor> a = FuzzRoundSupport.arguments(argLines, rg);
        Object got;
        try {
            got = call(step, a);
        } catch (RuntimeException e) {
            return FuzzRoundSupport.refused(err, e, argLines, a);
        }
        if (err != null) {
            return "PyTorch refuses (\"" + err + "\"), Ember gives " + FuzzRoundSupport.describeResult(got);
        }
        Tensor result;
        Tensor named;
        if (count >= 0) {
            // a Python tuple (aminmax, var_mean, std_mean, max_pool2d with indices) is written as a list
            @SuppressWarnings("unchecked")
            List<Tensor> list = got instanceof Tensor.ValuesIndices vi ? List.of(vi.values(), vi.indices())
                    : (List<Tensor>) got;
            if (list.size() != count) {
                return "pieces: PyTorch " + count + ", Ember " + list.size();
            }
            List<Tensor> flat = new ArrayList<>();
            for (int k = 0; k < count; k++) {
                String r = FuzzR31Interpreter.compare("piece " + k, DifferentialFuzzR17Test.tensor(pieces.get(k)),
                        list.get(k), false);
                if (r != null) {
                    return r;
                }
                flat.add(list.get(k).reshape(-1));
            }
            result = count == 0 ? null : Tensor.cat(flat, 0);
            named = count == 0 ? null : list.get(0);
        } else if (got instanceof Tensor.ValuesIndices vi) {
            String r = FuzzR31Interpreter.compare("the values", DifferentialFuzzR17Test.tensor(out), vi.values(),
                    false);
            if (r == null) {
                r = FuzzR31Interpreter.compare("the indices", DifferentialFuzzR17Test.tensor(outIdx), vi.indices(),
                        false);
            }
            if (r != null) {
                return r;
            }
            result = vi.values();
            named = result;
        } else {
            result = (Tensor) got;
            String r = FuzzR31Interpreter.compare("the result", DifferentialFuzzR17Test.tensor(out), result, false);
            if (r != null) {
                return r;
            }
            named = result;
        }
        String node = named == null || named.gradFn() == null ? null : named.gradFn().name();
        if (fn == null ? node != null : !fn.equals(node)) {
            return "grad_fn: PyTorch " + fn + ", Ember " + node;
        }
        if (g == null) {
            return null;
        }
        String back = FuzzRoundSupport.backward(result, g, gerr);
        if (back != null) {
            return back.isEmpty() ? null : back;
        }
        return FuzzRoundSupport.gradients(gx, a, 1);
    }


    /** The call ({@code <op> [k=v ...]}) on the tensor arguments {@code a}: a Tensor, ValuesIndices or List. */
    private static Object call(String text, Map<String, Tensor> a) {
        String[] w = text.split(" ");
        String op = w[0];
        Map<String, String> kw = FuzzRoundSupport.keywords(w);
        Tensor x = a.get("x");
        Tensor y = a.get("y");
        Tensor z = a.get("z");
        Tensor i = a.get("i");
        Integer d = kw.containsKey("dim") ? integer(kw.get("dim")) : null;
        boolean keep = "True".equals(kw.get("keepdim"));
        int[] dims = d == null ? null : new int[] {d};
        String red = kw.get("reduction");
        switch (op) {
            case "abs": case "neg": case "exp": case "log": case "sqrt": case "sin": case "tanh": case "sigmoid":
            case "relu": case "floor": case "sign": case "reciprocal": case "square": case "erf": case "expm1":
            case "log1p": case "rsqrt": case "atan": case "trunc": case "msort":
                return reflect(op, x);
            case "add": case "sub": case "mul": case "div": case "maximum": case "minimum": case "pow": case "atan2":
            case "eq": case "lt": case "fmod": case "hypot": case "mm": case "matmul": case "bmm": case "mv":
            case "dot": case "outer":
                return reflect(op, x, y);
            case "sum": return d == null ? x.sum() : x.sum(dims, keep);
            case "prod": return d == null ? x.prod() : x.prod(d, keep);
            case "mean": return d == null ? x.mean() : x.mean(dims, keep);
            case "nansum": return d == null ? x.nansum() : x.nansum(dims, keep);
            case "nanmean": return d == null ? x.nanmean() : x.nanmean(dims, keep);
            case "amax": return d == null ? x.amax() : x.amax(dims, keep);
            case "amin": return d == null ? x.amin() : x.amin(dims, keep);
            case "max": return d == null ? x.max() : x.max(d, keep);
            case "min": return d == null ? x.min() : x.min(d, keep);
            case "argmax": return d == null ? x.argmax() : x.argmax(d, keep);
            case "argmin": return d == null ? x.argmin() : x.argmin(d, keep);
            case "median": return d == null ? x.median() : x.median(d, keep);
            case "nanmedian": return d == null ? x.nanmedian() : x.nanmedian(d, keep);
            case "mode": return x.mode(d, keep);
            case "std": case "var": {
                int c = Integer.parseInt(kw.get("correction"));
                int[] ds = dims != null ? dims : allDims(x);
                return op.equals("std") ? x.std(ds, c, keep && d != null) : x.var(ds, c, keep && d != null);
            }
            case "logsumexp": return x.logsumexp(dims, keep);
            case "norm": {
                double p = num(kw.get("p"));
                return d == null ? x.norm(p) : x.norm(p, dims, keep);
            }
            case "all": return d == null ? Tensor.tensor(new boolean[] {x.all()}, DType.BOOL, Device.CPU).reshape()
                    : x.all(dims, keep);
            case "any": return d == null ? Tensor.tensor(new boolean[] {x.any()}, DType.BOOL, Device.CPU).reshape()
                    : x.any(dims, keep);
            case "count_nonzero": return d == null ? x.countNonzero() : x.countNonzero(d);
            case "quantile": {
                double q = num(kw.get("q"));
                return d == null ? x.quantile(q) : x.quantile(q, d, keep, "linear");
            }
            case "cumsum": return x.cumsum(d);
            case "cumprod": return x.cumprod(d);
            case "cummax": return x.cummax(d);
            case "cummin": return x.cummin(d);
            case "logcumsumexp": return x.logcumsumexp(d);
            case "sort": return x.sort(d, bool(kw.get("descending")));
            case "argsort": return x.argsort(d, bool(kw.get("descending")));
            case "topk": return x.topk(integer(kw.get("k")), d, bool(kw.get("largest")), true);
            case "kthvalue": return x.kthvalue(integer(kw.get("k")), d, keep);
            case "addmm": return z.addmm(x, y, num(kw.get("beta")), num(kw.get("alpha")));
            case "einsum": return Tensor.einsum(kw.get("eq"), x, y);
            case "cat": return Tensor.cat(List.of(x, y), d);
            case "stack": return Tensor.stack(List.of(x, y), d);
            case "split": return x.split(integer(kw.get("size")), d);
            case "chunk": return x.chunk(integer(kw.get("chunks")), d);
            case "unbind": return x.unbind(d);
            case "narrow": return x.narrow(d, integer(kw.get("start")), integer(kw.get("length")));
            case "flatten": return x.flatten();
            case "reshape": return x.reshape(ints(kw.get("shape")));
            case "view": return x.view(ints(kw.get("shape")));
            case "transpose": return x.transpose(integer(kw.get("d0")), integer(kw.get("d1")));
            case "squeeze": return x.squeeze(d);
            case "unsqueeze": return x.unsqueeze(d);
            case "expand": return x.expand(ints(kw.get("shape")));
            case "repeat": return x.repeat(ints(kw.get("reps")));
            case "tile": return x.tile(ints(kw.get("reps")));
            case "flip": return x.flip(ints(kw.get("dims")));
            case "roll": return x.roll(integer(kw.get("shift")), d);
            case "index_select": return x.indexSelect(d, i);
            case "gather": return x.gather(d, i);
            case "scatter": return x.scatter(d, i, y);
            case "scatter_add": return x.scatterAdd(d, i, y);
            case "masked_select": return x.maskedSelect(a.get("m"));
            case "mask_index": return x.index(Index.of(a.get("m")));
            case "index_put": return x.indexPut(new Index[] {Index.of(i)}, y, bool(kw.get("accumulate")));
            case "nonzero": return x.nonzero();
            case "masked_fill": return x.maskedFill(a.get("m"), num(kw.get("value")));
            case "take": return x.take(i);
            case "index_add": return x.indexAdd(d, i, y);
            case "softmax": return Functional.softmax(x, d);
            case "log_softmax": return Functional.logSoftmax(x, d);
            case "conv1d": return Functional.conv1d(x, a.get("w"), a.get("b"));
            case "conv2d": {
                int p = integer(kw.get("padding"));
                return Functional.conv2d(x, a.get("w"), null, new int[] {1, 1}, new int[] {p, p}, new int[] {1, 1}, 1);
            }
            case "max_pool2d": return Functional.maxPool2d(x, integer(kw.get("kernel")));
            case "avg_pool2d": return Functional.avgPool2d(x, integer(kw.get("kernel")));
            case "max_pool1d": return Functional.maxPool1d(x, integer(kw.get("kernel")));
            case "avg_pool1d": return Functional.avgPool1d(x, integer(kw.get("kernel")));
            case "adaptive_avg_pool2d": return Functional.adaptiveAvgPool2d(x, integer(kw.get("size")));
            case "linear": return Functional.linear(x, a.get("w"), a.get("b"));
            case "layer_norm": return Functional.layerNorm(x, ints(kw.get("shape")), a.get("w"), a.get("b"), 1e-5);
            case "group_norm": return Functional.groupNorm(x, integer(kw.get("groups")));
            case "batch_norm":
                return Functional.batchNorm(x, a.get("rm"), a.get("rv"), a.get("w"), null,
                        bool(kw.get("training")), 0.1, 1e-5);
            case "mse_loss": return Functional.mseLoss(x, a.get("t"), red);
            case "l1_loss": return Functional.l1Loss(x, a.get("t"), red);
            case "smooth_l1_loss": return Functional.smoothL1Loss(x, a.get("t"), red, 1.0);
            case "huber_loss": return Functional.huberLoss(x, a.get("t"), red, 1.0);
            case "kl_div": return Functional.klDiv(x, a.get("t"), red, false);
            case "binary_cross_entropy": return Functional.binaryCrossEntropy(x, a.get("t"), null, red);
            case "cross_entropy": return Functional.crossEntropy(x, a.get("t"), null, red, -100, 0);
            case "nll_loss": return Functional.nllLoss(x, a.get("t"), null, red, -100);
            case "embedding": return Functional.embedding(i, a.get("w"));
            case "unique": return x.unique();
            case "bincount": return a.containsKey("w") ? i.bincount(a.get("w"), integer(kw.get("minlength")))
                    : i.bincount(integer(kw.get("minlength")));
            case "histc": return x.histc(integer(kw.get("bins")), num(kw.get("min")), num(kw.get("max")));
            case "where": return Tensor.where(a.get("c"), x, y);
            case "clamp": return x.clamp(dblOrNull(kw.get("min")), dblOrNull(kw.get("max")));
            case "clamp_t": return x.clamp(y, z);
            case "det": return x.linalgDet();
            case "logdet": return x.logdet();
            case "inv": return x.linalgInv();
            case "cholesky": return x.linalgCholesky();
            case "matrix_power": return x.linalgMatrixPower(integer(kw.get("n")));
            case "solve": return x.linalgSolve(y);
            case "trace": return x.trace();
            case "tril": return x.tril(integer(kw.get("k")));
            case "diag": return x.diag(integer(kw.get("k")));
            case "diagonal": return x.diagonal(integer(kw.get("k")), 0, 1);
            case "diff": return x.diff(integer(kw.get("n")), d, null, null);
            case "kron": case "inner": case "logaddexp": case "xlogy": return reflect(op, x, y);
            case "cdist": return x.cdist(y, num(kw.get("p")));
            case "searchsorted": return Tensor.searchsorted(x, y, bool(kw.get("right")));
            case "repeat_interleave": return x.repeatInterleave(i, d);
            case "index_fill": return x.indexFill(d, i, num(kw.get("value")));
            case "aminmax": {
                Tensor.MinMax mm = x.aminmax(d, keep);
                return new Tensor.ValuesIndices(mm.min(), mm.max());
            }
            case "var_mean": {
                Tensor.VarMean vm = x.varMean(dims, integer(kw.get("correction")), keep);
                return new Tensor.ValuesIndices(vm.var(), vm.mean());
            }
            case "std_mean": {
                Tensor.StdMean sm = x.stdMean(dims, integer(kw.get("correction")), keep);
                return new Tensor.ValuesIndices(sm.std(), sm.mean());
            }
            case "nanquantile": return x.nanquantile(num(kw.get("q")), d, false, "linear");
            case "renorm": return x.renorm(num(kw.get("p")), d, num(kw.get("maxnorm")));
            case "tensordot": return Tensor.tensordot(x, y, integer(kw.get("dims")));
            case "dist": return x.dist(y, num(kw.get("p")));
            case "lerp": return x.lerp(y, num(kw.get("weight")));
            case "cross": return x.linalgCross(y, d);
            case "addcmul": return x.addcmul(y, z, num(kw.get("value")));
            case "nan_to_num": return x.nanToNum();
            case "logit": return x.logit();
            case "gelu": return Functional.gelu(x);
            case "silu": return Functional.silu(x);
            case "softplus": return Functional.softplus(x);
            case "elu": return Functional.elu(x);
            case "leaky_relu": return Functional.leakyRelu(x);
            case "hardtanh": return Functional.hardtanh(x);
            case "pad": return Functional.pad(x, ints(kw.get("pad")), kw.get("mode"));
            case "normalize": return Functional.normalize(x, 2.0, d, 1e-12);
            case "glu": return Functional.glu(x, d);
            case "cosine_similarity": return Functional.cosineSimilarity(x, y, d, 1e-8);
            case "pdist": return Functional.pdist(x);
            case "pixel_shuffle": return Functional.pixelShuffle(x, integer(kw.get("r")));
            case "max_pool2d_idx": {
                int k = integer(kw.get("kernel"));
                return Functional.maxPool2dWithIndices(x, new int[] {k, k}, new int[] {k, k}, new int[] {0, 0},
                        new int[] {1, 1}, false);
            }
            case "trapezoid": return x.trapezoid(1.0, d);
            case "chain": {
                Tensor v = x;
                for (String st : kw.get("steps").split(",")) {
                    v = chainStep(v, st);
                }
                return v;
            }
            default: throw new IllegalStateException("step " + text);
        }
    }

    /** One step of a chain (the generator's chain_step). */
    private static Tensor chainStep(Tensor v, String name) {
        switch (name) {
            case "t": return v.transpose(0, -1);
            case "mul2": return v.mul(Tensor.scalar(2.0));
            case "flatten": return v.flatten();
            case "unsqueeze0": return v.unsqueeze(0);
            case "norm": return v.norm(2.0);
            case "exp": return v.exp();
            case "relu": return v.relu();
            case "softmax0": return Functional.softmax(v, 0);
            case "cumsum0": return v.cumsum(0);
            case "logsumexp0": return v.logsumexp(0);
            case "var0": return v.var(0);
            case "amax0": return v.amax(new int[] {0}, false);
            case "sum0": return v.sum(0);
            case "mean0": return v.mean(0);
            case "prod0": return v.prod(0, false);
            default: throw new IllegalStateException("chain step " + name);
        }
    }

    /** The Tensor method {@code name} of {@code self} with Tensor arguments, its own exceptions rethrown. */
    private static Object reflect(String name, Tensor self, Tensor... args) {
        Class<?>[] types = new Class<?>[args.length];
        Arrays.fill(types, Tensor.class);
        return FuzzRoundSupport.invokeTensorMethod(name, self, types, args);
    }

    private static int[] allDims(Tensor x) {
        int[] all = new int[x.dim()];
        for (int k = 0; k < all.length; k++) {
            all[k] = k;
        }
        return all;
    }

    private static int[] ints(String v) {
        return v.equals("E") ? new int[0] : Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    private static Integer integer(String v) {
        return v == null || v.equals("N") ? null : Integer.valueOf(v);
    }

    private static Double dblOrNull(String v) {
        return v == null || v.equals("N") ? null : num(v);
    }

    private static double num(String v) {
        return PyTorchCases.numbers(v)[0];
    }

    private static boolean bool(String v) {
        return "True".equals(v);
    }
}
