package dev.ember;

import dev.ember.nn.Functional;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Replays one case of {@code differentialfuzzr37/cases.txt} (its generator, {@code make_cases.py}, describes the
 * lines): the tensor arguments (those the case names on its {@code rg} line require grad), the one op, its result,
 * then the first gradients {@code g = grad(sum(y * v), rg, createGraph, allowUnused)} with {@code v} requiring grad,
 * and the second gradients of {@code sum_i sum(g_i * w_i)} with respect to the rg arguments and {@code v}, or
 * PyTorch's refusal of that second backward. Values within {@link FuzzR31Interpreter#compare}'s tolerance times the
 * case's {@code tol} factor; PyTorch's None accepts Ember's null or zeros, and PyTorch's all-zero gradient Ember's
 * null (PyTorch writes zeros_like for the double backward of a piecewise-linear op, where Ember's graph has no path).
 */
final class FuzzR37Interpreter {
    private FuzzR37Interpreter() {
    }

    /** Null where Ember does what PyTorch did, else what differs. */
    static String run(List<String> body) {
        Map<String, String> argLines = new LinkedHashMap<>();
        Map<String, String> g1 = new LinkedHashMap<>();
        Map<String, String> w = new LinkedHashMap<>();
        Map<String, String> g2 = new LinkedHashMap<>();
        String step = null;
        String err = null;
        String err2 = null;
        String out = null;
        String v = null;
        double factor = 1;
        List<String> rg = List.of();
        List<String> cl = List.of();
        for (String line : body) {
            int sp = line.indexOf(' ');
            String key = sp < 0 ? line : line.substring(0, sp);
            String rest = sp < 0 ? "" : line.substring(sp + 1);
            switch (key) {
                case "a": named(argLines, rest); break;
                case "g1": named(g1, rest); break;
                case "w": named(w, rest); break;
                case "g2": named(g2, rest); break;
                case "rg": rg = rest.isEmpty() ? List.of() : Arrays.asList(rest.split(" ")); break;
                case "s": step = rest; break;
                case "err": err = rest; break;
                case "err2": err2 = rest; break;
                case "o": out = rest; break;
                case "v": v = rest; break;
                case "tol": factor = Double.parseDouble(rest); break;
                case "cl": cl = Arrays.asList(rest.split(" ")); break;
                default: throw new IllegalStateException("line " + line);
            }
        }
        Map<String, Tensor> a = new HashMap<>();
        for (Map.Entry<String, String> e : argLines.entrySet()) {
            Tensor t = DifferentialFuzzR17Test.tensor(e.getValue());
            if (cl.contains(e.getKey())) {
                t = t.contiguous(MemoryFormat.CHANNELS_LAST);
            }
            if (rg.contains(e.getKey())) {
                t.requiresGrad_(true);
            }
            a.put(e.getKey(), t);
        }
        Tensor y;
        try {
            y = call(step, a);
        } catch (RuntimeException e) {
            return err == null ? "PyTorch gives a result, Ember throws " + e : message("forward", err, e);
        }
        if (err != null) {
            return "PyTorch refuses (\"" + err + "\"), Ember gives " + Arrays.toString(y.shape());
        }
        String r = FuzzR31Interpreter.compare("y", DifferentialFuzzR17Test.tensor(out), y, false, factor);
        if (r != null) {
            return r;
        }
        Tensor up = DifferentialFuzzR17Test.tensor(v);
        up = (cl.contains("v") ? up.contiguous(MemoryFormat.CHANNELS_LAST) : up).requiresGrad_(true);
        List<Tensor> ins = new ArrayList<>();
        for (String n : rg) {
            ins.add(a.get(n));
        }
        List<Tensor> first;
        try {
            first = Autograd.grad(List.of(y.mul(up).sum()), ins, null,
                    GradOptions.defaults().withCreateGraph(true).withAllowUnused(true));
        } catch (RuntimeException e) {
            return "the first backward throws " + e;
        }
        Tensor total = null;
        for (int i = 0; i < rg.size(); i++) {
            String n = rg.get(i);
            r = same("first gradient of " + n, g1.get(n), first.get(i), factor);
            if (r != null) {
                return r;
            }
            Tensor gi = first.get(i);
            if (w.containsKey(n) && gi != null && gi.requiresGrad()) {
                Tensor term = gi.mul(DifferentialFuzzR17Test.tensor(w.get(n))).sum();
                total = total == null ? term : total.add(term);
            }
        }
        if (g2.isEmpty() && err2 == null) {
            return total == null ? null : "PyTorch's first gradients do not require grad, Ember's do";
        }
        if (total == null) {
            return "Ember's first gradients do not require grad (a backward without history), PyTorch differentiates"
                    + " them again";
        }
        List<Tensor> wrt = new ArrayList<>(ins);
        wrt.add(up);
        List<Tensor> second;
        try {
            second = Autograd.grad(List.of(total), wrt, null, GradOptions.defaults().withAllowUnused(true));
        } catch (RuntimeException e) {
            return err2 == null ? "PyTorch's second backward gives a result, Ember throws " + e
                    : message("second backward", err2, e);
        }
        if (err2 != null) {
            return "PyTorch refuses the second backward (\"" + err2 + "\"), Ember gives a result";
        }
        for (int i = 0; i < wrt.size(); i++) {
            String n = i < rg.size() ? rg.get(i) : "v";
            r = same("second gradient with respect to " + n, g2.get(n), second.get(i), factor);
            if (r != null) {
                return r;
            }
        }
        return null;
    }

    private static void named(Map<String, String> into, String rest) {
        int sp = rest.indexOf(' ');
        into.put(rest.substring(0, sp), rest.substring(sp + 1));
    }

    private static String message(String where, String expected, RuntimeException e) {
        String msg = e.getMessage() == null ? null : e.getMessage().split("\n", -1)[0];
        return expected.equals(msg) ? null : where + ": PyTorch \"" + expected + "\", Ember \"" + e.getMessage()
                + "\" (" + e.getClass().getSimpleName() + ")";
    }

    /** PyTorch's gradient line (a tensor, or "none": Ember's null or zeros) against Ember's. */
    private static String same(String what, String expected, Tensor got, double factor) {
        if (expected == null) {
            return what + ": no line";
        }
        if (expected.equals("none")) {
            if (got != null && got.detach().ne(0.0).any()) {
                return what + ": PyTorch none, Ember " + Arrays.toString(got.detach().toDoubleArray());
            }
            return null;
        }
        Tensor e = DifferentialFuzzR17Test.tensor(expected);
        if (got == null && !e.ne(0.0).any()) {
            return null; // PyTorch's zeros (a zeros_like formula) where Ember's graph has no path: the same gradient
        }
        return FuzzR31Interpreter.compare(what, e, got, false, factor);
    }

    private static final Map<String, java.util.function.UnaryOperator<Tensor>> UNARY = new HashMap<>();

    static {
        UNARY.put("exp", Tensor::exp);
        UNARY.put("log", Tensor::log);
        UNARY.put("sin", Tensor::sin);
        UNARY.put("cos", Tensor::cos);
        UNARY.put("tan", Tensor::tan);
        UNARY.put("tanh", Tensor::tanh);
        UNARY.put("sigmoid", Tensor::sigmoid);
        UNARY.put("sqrt", Tensor::sqrt);
        UNARY.put("rsqrt", Tensor::rsqrt);
        UNARY.put("reciprocal", Tensor::reciprocal);
        UNARY.put("abs", Tensor::abs);
        UNARY.put("erf", Tensor::erf);
        UNARY.put("erfc", Tensor::erfc);
        UNARY.put("erfinv", Tensor::erfinv);
        UNARY.put("expm1", Tensor::expm1);
        UNARY.put("log1p", Tensor::log1p);
        UNARY.put("log2", Tensor::log2);
        UNARY.put("log10", Tensor::log10);
        UNARY.put("atan", Tensor::atan);
        UNARY.put("asin", Tensor::asin);
        UNARY.put("acos", Tensor::acos);
        UNARY.put("sinh", Tensor::sinh);
        UNARY.put("cosh", Tensor::cosh);
        UNARY.put("asinh", Tensor::asinh);
        UNARY.put("acosh", Tensor::acosh);
        UNARY.put("atanh", Tensor::atanh);
        UNARY.put("lgamma", Tensor::lgamma);
        UNARY.put("digamma", Tensor::digamma);
        UNARY.put("square", Tensor::square);
        UNARY.put("sinc", Tensor::sinc);
        UNARY.put("logit", Tensor::logit);
        UNARY.put("neg", Tensor::neg);
        UNARY.put("exp2", Tensor::exp2);
        UNARY.put("i0", Tensor::i0);
        UNARY.put("ndtr", Special::ndtr);
        UNARY.put("ndtri", Special::ndtri);
        UNARY.put("log_ndtr", Special::logNdtr);
        UNARY.put("erfcx", Special::erfcx);
        UNARY.put("entr", Special::entr);
        UNARY.put("i0e", Special::i0e);
        UNARY.put("i1", Special::i1);
        UNARY.put("expit", Special::expit);
        UNARY.put("relu", Functional::relu);
        UNARY.put("silu", Functional::silu);
        UNARY.put("mish", Functional::mish);
        UNARY.put("selu", Functional::selu);
        UNARY.put("hardswish", Functional::hardswish);
        UNARY.put("hardsigmoid", Functional::hardsigmoid);
        UNARY.put("logsigmoid", Functional::logsigmoid);
        UNARY.put("softsign", Functional::softsign);
        UNARY.put("tanhshrink", Functional::tanhshrink);
        UNARY.put("relu6", Functional::relu6);
    }

    /** The call ({@code <op> [k=v ...]}) with the tensor arguments {@code a}. */
    private static Tensor call(String text, Map<String, Tensor> a) {
        String[] parts = text.split(" ");
        String op = parts[0];
        Map<String, String> kw = new HashMap<>();
        for (int k = 1; k < parts.length; k++) {
            int eq = parts[k].indexOf('=');
            kw.put(parts[k].substring(0, eq), parts[k].substring(eq + 1));
        }
        Tensor x = a.get("x");
        Tensor y = a.get("y");
        Tensor in = a.get("input");
        Tensor tg = a.get("target");
        Tensor weight = a.get("weight");
        Tensor bias = a.get("bias");
        String red = kw.get("reduction");
        if (UNARY.containsKey(op)) {
            return UNARY.get(op).apply(x);
        }
        switch (op) {
            case "polygamma": return Special.polygamma(i(kw, "n"), x);
            case "xlog1py": return Special.xlog1py(x, y);
            case "gelu": return Functional.gelu(x, kw.get("approximate"));
            case "softplus": return Functional.softplus(x, d(kw, "beta"), d(kw, "threshold"));
            case "elu": return Functional.elu(x, d(kw, "alpha"));
            case "celu": return Functional.celu(x, d(kw, "alpha"));
            case "leaky_relu": return Functional.leakyRelu(x, d(kw, "negative_slope"));
            case "hardtanh": return Functional.hardtanh(x, d(kw, "min_val"), d(kw, "max_val"));
            case "hardshrink": return Functional.hardshrink(x, d(kw, "lambd"));
            case "softshrink": return Functional.softshrink(x, d(kw, "lambd"));
            case "threshold": return Functional.threshold(x, d(kw, "threshold"), d(kw, "value"));
            case "glu": return Functional.glu(x, i(kw, "dim"));
            case "prelu": return Functional.prelu(x, weight);
            case "softmax": return Functional.softmax(x, i(kw, "dim"));
            case "log_softmax": return Functional.logSoftmax(x, i(kw, "dim"));
            case "softmin": return Functional.softmin(x, i(kw, "dim"));
            case "cumsum": return x.cumsum(i(kw, "dim"));
            case "cumprod": return x.cumprod(i(kw, "dim"));
            case "logsumexp": return x.logsumexp(new int[] {i(kw, "dim")}, b(kw, "keepdim"));
            case "sum": return all(kw) ? x.sum() : x.sum(new int[] {i(kw, "dim")}, b(kw, "keepdim"));
            case "mean": return all(kw) ? x.mean() : x.mean(new int[] {i(kw, "dim")}, b(kw, "keepdim"));
            case "prod": return all(kw) ? x.prod() : x.prod(i(kw, "dim"), b(kw, "keepdim"));
            case "amax": return all(kw) ? x.amax() : x.amax(new int[] {i(kw, "dim")}, b(kw, "keepdim"));
            case "amin": return all(kw) ? x.amin() : x.amin(new int[] {i(kw, "dim")}, b(kw, "keepdim"));
            case "var": return x.var(new int[] {i(kw, "dim")}, i(kw, "correction"), b(kw, "keepdim"));
            case "std": return x.std(new int[] {i(kw, "dim")}, i(kw, "correction"), b(kw, "keepdim"));
            case "norm":
                return all(kw) ? x.norm(d(kw, "p")) : x.norm(d(kw, "p"), new int[] {i(kw, "dim")}, b(kw, "keepdim"));
            case "normalize": return Functional.normalize(x, d(kw, "p"), i(kw, "dim"), 1e-12);
            case "cosine_similarity": return Functional.cosineSimilarity(a.get("x1"), a.get("x2"), i(kw, "dim"), 1e-8);
            case "pairwise_distance":
                return Functional.pairwiseDistance(a.get("x1"), a.get("x2"), d(kw, "p"), 1e-6, false);
            case "mul": return x.mul(y);
            case "div": return x.div(y);
            case "pow": return x.pow(y);
            case "pow_scalar": return x.pow(d(kw, "exponent"));
            case "atan2": return x.atan2(y);
            case "maximum": return x.maximum(y);
            case "minimum": return x.minimum(y);
            case "hypot": return x.hypot(y);
            case "xlogy": return x.xlogy(y);
            case "logaddexp": return x.logaddexp(y);
            case "where": return Tensor.where(a.get("cond"), x.mul(x), y.exp());
            case "clamp": return x.mul(x).mul(x).clamp(od(kw, "min"), od(kw, "max"));
            case "clamp_tensor": return x.mul(x).mul(x).clamp(a.get("lo"), a.get("hi"));
            case "lerp": return x.lerp(y, a.get("t"));
            case "addcmul": return x.addcmul(y, a.get("z"), d(kw, "value"));
            case "matmul": return x.matmul(y);
            case "bmm": return x.bmm(y);
            case "linear": return Functional.linear(x, weight, bias);
            case "addmm": return a.get("b").addmm(x, y, d(kw, "beta"), d(kw, "alpha"));
            case "mv": return x.mv(y);
            case "dot": return x.dot(y);
            case "outer": return x.outer(y);
            case "conv1d": case "conv2d": case "conv_transpose1d": case "conv_transpose2d": return conv(op, kw, a);
            case "max_pool1d":
                return Functional.maxPool1d(x, i(kw, "kernel_size"), i(kw, "stride"), i(kw, "padding"), 1,
                        b(kw, "ceil_mode"));
            case "max_pool2d":
                return Functional.maxPool2d(x, rep(kw, "kernel_size", 2), rep(kw, "stride", 2),
                        rep(kw, "padding", 2), new int[] {1, 1}, b(kw, "ceil_mode"));
            case "avg_pool1d":
                return Functional.avgPool1d(x, i(kw, "kernel_size"), i(kw, "stride"), i(kw, "padding"),
                        b(kw, "ceil_mode"), b(kw, "count_include_pad"));
            case "avg_pool2d":
                return Functional.avgPool2d(x, rep(kw, "kernel_size", 2), rep(kw, "stride", 2),
                        rep(kw, "padding", 2), b(kw, "ceil_mode"), b(kw, "count_include_pad"));
            case "adaptive_avg_pool1d": return Functional.adaptiveAvgPool1d(x, i(kw, "output_size"));
            case "adaptive_avg_pool2d": return Functional.adaptiveAvgPool2d(x, i(kw, "output_size"));
            case "adaptive_max_pool1d": return Functional.adaptiveMaxPool1d(x, i(kw, "output_size"));
            case "adaptive_max_pool2d": return Functional.adaptiveMaxPool2d(x, i(kw, "output_size"));
            case "interpolate": {
                String al = kw.get("align_corners");
                return Functional.interpolate(x, ints(kw.get("size")), null, kw.get("mode"),
                        al.equals("N") ? null : Boolean.valueOf(al.equals("True")), null);
            }
            case "layer_norm": return Functional.layerNorm(x, ints(kw.get("normalized_shape")), weight, bias, d(kw, "eps"));
            case "rms_norm": return Functional.rmsNorm(x, ints(kw.get("normalized_shape")), weight, od(kw, "eps"));
            case "group_norm": return Functional.groupNorm(x, i(kw, "num_groups"), weight, bias, d(kw, "eps"));
            case "batch_norm":
                return Functional.batchNorm(x, a.get("running_mean"), a.get("running_var"), weight, bias,
                        b(kw, "training"), d(kw, "momentum"), d(kw, "eps"));
            case "instance_norm": return Functional.instanceNorm(x, null, null, weight, bias, true, 0.1, d(kw, "eps"));
            case "mse_loss": return Functional.mseLoss(in, tg, red);
            case "l1_loss": return Functional.l1Loss(in, tg, red);
            case "smooth_l1_loss": return Functional.smoothL1Loss(in, tg, red, d(kw, "beta"));
            case "huber_loss": return Functional.huberLoss(in, tg, red, d(kw, "delta"));
            case "soft_margin_loss": return Functional.softMarginLoss(in, tg, red);
            case "cross_entropy":
                return Functional.crossEntropy(in, tg, weight, red,
                        kw.containsKey("ignore_index") ? Long.parseLong(kw.get("ignore_index")) : -100,
                        d(kw, "label_smoothing"));
            case "nll_loss": return Functional.nllLoss(in, tg, weight, red, -100);
            case "binary_cross_entropy": return Functional.binaryCrossEntropy(in, tg, weight, red);
            case "binary_cross_entropy_with_logits":
                return Functional.binaryCrossEntropyWithLogits(in, tg, weight, a.get("pos_weight"), red);
            case "kl_div": return Functional.klDiv(in, tg, red, b(kw, "log_target"));
            case "cosine_embedding_loss":
                return Functional.cosineEmbeddingLoss(a.get("input1"), a.get("input2"), tg, d(kw, "margin"), red);
            case "poisson_nll_loss":
                return Functional.poissonNllLoss(in, tg, b(kw, "log_input"), b(kw, "full"), d(kw, "eps"), red);
            case "gaussian_nll_loss":
                return Functional.gaussianNllLoss(in, tg, a.get("var"), b(kw, "full"), d(kw, "eps"), red);
            case "margin_ranking_loss":
                return Functional.marginRankingLoss(a.get("input1"), a.get("input2"), tg, d(kw, "margin"), red);
            case "hinge_embedding_loss": return Functional.hingeEmbeddingLoss(in, tg, d(kw, "margin"), red);
            case "multilabel_soft_margin_loss": return Functional.multilabelSoftMarginLoss(in, tg, null, red);
            case "embedding": {
                String pi = kw.get("padding_idx");
                return Functional.embedding(in, weight, pi.equals("N") ? null : Long.valueOf(pi), null, 2.0, false);
            }
            case "gather": return x.mul(x).gather(i(kw, "dim"), a.get("index"));
            case "index_select": return x.mul(x).indexSelect(i(kw, "dim"), a.get("index"));
            case "scatter": return x.mul(x).scatter(i(kw, "dim"), a.get("index"), a.get("src").mul(a.get("src")));
            case "scatter_add":
                return x.mul(x).scatterAdd(i(kw, "dim"), a.get("index"), a.get("src").mul(a.get("src")));
            case "index_add":
                return x.mul(x).indexAdd(i(kw, "dim"), a.get("index"), a.get("src").mul(a.get("src")), d(kw, "alpha"));
            case "scaled_dot_product_attention":
                return Functional.scaledDotProductAttention(a.get("query"), a.get("key"), a.get("value"),
                        a.get("attn_mask"), 0.0, b(kw, "is_causal"), od(kw, "scale"));
            default: return more(op, kw, a);
        }
    }

    /** The ops of the generator's second list (resampling, 3-D, padding, patches, distances, ...). */
    private static Tensor more(String op, Map<String, String> kw, Map<String, Tensor> a) {
        Tensor x = a.get("x");
        Tensor in = a.get("input");
        Tensor tg = a.get("target");
        String red = kw.get("reduction");
        switch (op) {
            case "interpolate_more": {
                String al = kw.get("align_corners");
                String sf = kw.get("scale_factor");
                int[] size = kw.get("size").equals("N") ? null : ints(kw.get("size"));
                double[] scale = null;
                if (!sf.equals("N")) {
                    scale = new double[x.dim() - 2];
                    Arrays.fill(scale, d(kw, "scale_factor"));
                }
                return Functional.interpolate(x, size, scale, kw.get("mode"),
                        al.equals("N") ? null : Boolean.valueOf(al.equals("True")), null, b(kw, "antialias"));
            }
            case "conv3d":
                return Functional.conv3d(x, a.get("weight"), a.get("bias"), rep(kw, "stride", 3), rep(kw, "padding", 3),
                        new int[] {1, 1, 1}, 1);
            case "pool3d":
                switch (kw.get("kind")) {
                    case "adaptive_avg": return Functional.adaptiveAvgPool3d(x, i(kw, "output_size"));
                    case "max":
                        return Functional.maxPool3d(x, rep(kw, "kernel_size", 3), rep(kw, "stride", 3),
                                rep(kw, "padding", 3), new int[] {1, 1, 1}, false);
                    default:
                        return Functional.avgPool3d(x, rep(kw, "kernel_size", 3), rep(kw, "stride", 3),
                                rep(kw, "padding", 3), false, true, null);
                }
            case "pad": return Functional.pad(x.mul(x), ints(kw.get("pad")), kw.get("mode"), d(kw, "value"));
            case "unfold_fold":
                return kw.get("kind").equals("unfold") ? Functional.unfold(x.mul(x), ints(kw.get("kernel_size")))
                        : Functional.fold(x.mul(x), ints(kw.get("output_size")), ints(kw.get("kernel_size")));
            case "pixel_shuffle":
                return kw.get("kind").equals("shuffle") ? Functional.pixelShuffle(x.mul(x), 2)
                        : Functional.pixelUnshuffle(x.mul(x), 2);
            case "lp_pool2d":
                return Functional.lpPool2d(x, d(kw, "norm_type"), rep(kw, "kernel_size", 2), null, false);
            case "local_response_norm": return Functional.localResponseNorm(x, i(kw, "size"), 1e-2, 0.75, 1.0);
            case "multi_margin_loss":
                return Functional.multiMarginLoss(in, tg, i(kw, "p"), d(kw, "margin"), null, red);
            case "multilabel_margin_loss": return Functional.multilabelMarginLoss(in, tg, red);
            case "triplet_margin_loss":
                return Functional.tripletMarginLoss(a.get("anchor"), a.get("positive"), a.get("negative"),
                        d(kw, "margin"), d(kw, "p"), d(kw, "eps"), b(kw, "swap"), red);
            case "cdist": return Functional.cdist(a.get("x1"), a.get("x2"), d(kw, "p"));
            case "pdist": return Functional.pdist(x, d(kw, "p"));
            case "bilinear": return Functional.bilinear(a.get("input1"), a.get("input2"), a.get("weight"), a.get("bias"));
            case "embedding_bag": {
                Tensor w = a.get("weight");
                return Functional.embeddingBag(in, w.mul(w), a.get("offsets"), kw.get("mode"));
            }
            case "grid_sample":
                return Functional.gridSample(x, a.get("grid"), kw.get("mode"), kw.get("padding_mode"),
                        b(kw, "align_corners"));
            case "ctc_loss":
                return Functional.ctcLoss(Functional.logSoftmax(x, 2), a.get("targets"), a.get("input_lengths"),
                        a.get("target_lengths"), 0, red, false);
            case "logcumsumexp": return x.logcumsumexp(i(kw, "dim"));
            case "shape_ops": {
                Tensor xx = x.mul(x);
                switch (kw.get("kind")) {
                    case "trace": return xx.trace();
                    case "diag": return xx.diag(0);
                    case "triu": return xx.triu(0);
                    case "flip": return xx.flip(0);
                    case "roll": return xx.roll(1, 1);
                    default: return xx.median();
                }
            }
            case "linalg":
                switch (kw.get("kind")) {
                    case "det": return x.det();
                    case "inverse": return x.inverse();
                    case "logdet": return x.logdet();
                    default: return x.add(x.transpose(0, 1)).div(2.0).cholesky(false);
                }
            case "blas": {
                Tensor c = a.get("b");
                Tensor y = a.get("y");
                double be = d(kw, "beta");
                double al = d(kw, "alpha");
                switch (kw.get("kind")) {
                    case "baddbmm": return c.baddbmm(x, y, be, al);
                    case "addbmm": return c.addbmm(x, y, be, al);
                    case "addmv": return c.addmv(x, y, be, al);
                    default: return c.addr(x, y, be, al);
                }
            }
            default: throw new IllegalStateException("step " + op);
        }
    }

    private static Tensor conv(String op, Map<String, String> kw, Map<String, Tensor> a) {
        int nd = op.endsWith("1d") ? 1 : 2;
        int[] stride = rep(kw, "stride", nd);
        int[] padding = rep(kw, "padding", nd);
        int[] dilation = rep(kw, "dilation", nd);
        int groups = i(kw, "groups");
        Tensor x = a.get("x");
        Tensor w = a.get("weight");
        Tensor bias = a.get("bias");
        switch (op) {
            case "conv1d": return Tensor.conv1d(x, w, bias, stride, padding, dilation, groups);
            case "conv2d": return Tensor.conv2d(x, w, bias, stride, padding, dilation, groups);
            case "conv_transpose1d":
                return Tensor.convTranspose1d(x, w, bias, stride, padding, rep(kw, "output_padding", 1), groups,
                        dilation);
            default:
                return Tensor.convTranspose2d(x, w, bias, stride, padding, rep(kw, "output_padding", 2), groups,
                        dilation);
        }
    }

    private static boolean all(Map<String, String> kw) {
        return "N".equals(kw.get("dim"));
    }

    private static int i(Map<String, String> kw, String k) {
        return Integer.parseInt(kw.get(k));
    }

    private static double d(Map<String, String> kw, String k) {
        return PyTorchCases.numbers(kw.get(k))[0];
    }

    private static Double od(Map<String, String> kw, String k) {
        String s = kw.get(k);
        return s == null || s.equals("N") ? null : PyTorchCases.numbers(s)[0];
    }

    private static boolean b(Map<String, String> kw, String k) {
        return kw.get(k).equals("True");
    }

    private static int[] rep(Map<String, String> kw, String k, int n) {
        int[] r = new int[n];
        Arrays.fill(r, i(kw, k));
        return r;
    }

    private static int[] ints(String v) {
        return v.equals("E") ? new int[0] : Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
    }
}
