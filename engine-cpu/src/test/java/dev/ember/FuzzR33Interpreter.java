package dev.ember;

import dev.ember.nn.BCELoss;
import dev.ember.nn.BCEWithLogitsLoss;
import dev.ember.nn.CTCLoss;
import dev.ember.nn.CosineEmbeddingLoss;
import dev.ember.nn.CrossEntropyLoss;
import dev.ember.nn.Functional;
import dev.ember.nn.GaussianNLLLoss;
import dev.ember.nn.HingeEmbeddingLoss;
import dev.ember.nn.HuberLoss;
import dev.ember.nn.KLDivLoss;
import dev.ember.nn.L1Loss;
import dev.ember.nn.MSELoss;
import dev.ember.nn.MarginRankingLoss;
import dev.ember.nn.MultiLabelMarginLoss;
import dev.ember.nn.MultiLabelSoftMarginLoss;
import dev.ember.nn.MultiMarginLoss;
import dev.ember.nn.NLLLoss;
import dev.ember.nn.PoissonNLLLoss;
import dev.ember.nn.SmoothL1Loss;
import dev.ember.nn.SoftMarginLoss;
import dev.ember.nn.TripletMarginLoss;
import dev.ember.nn.TripletMarginWithDistanceLoss;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Replays one case of {@code differentialfuzzr33/cases.txt} (its generator, {@code make_cases.py}, describes the
 * lines): the tensor arguments (the float64 ones the case names on its {@code rg} line require grad), the one loss call
 * through {@link Functional} (or, on a {@code mod} line, the nn.*Loss module constructed with the call's arguments),
 * then the result (dtype, shape, values within {@link FuzzR31Interpreter#compare}'s
 * tolerance, times the case's {@code tol} factor) and its grad_fn name, or PyTorch's refusal with every argument
 * unchanged, then each named argument's gradient of {@code sum(out * g)}.
 */
final class FuzzR33Interpreter {
    private FuzzR33Interpreter() {
    }

    /** Null where Ember does what PyTorch did, else what differs. */
    static String run(List<String> body) {
        Map<String, String> argLines = new LinkedHashMap<>();
        String step = null;
        String err = null;
        String out = null;
        String fn = null;
        String g = null;
        double factor = 1;
        List<String> rg = List.of();
        boolean module = false;
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
                case "mod": module = true; break;
                case "s": step = rest; break;
                case "err": err = rest; break;
                case "o": out = rest; break;
                case "fn": fn = rest; break;
                case "g": g = rest; break;
                case "gx": {
                    int sp2 = rest.indexOf(' ');
                    gx.put(rest.substring(0, sp2), rest.substring(sp2 + 1));
                    break;
                }
                case "tol": factor = Double.parseDouble(rest); break;
                default: throw new IllegalStateException("line " + line);
            }
        }
        Map<String, Tensor> a = FuzzRoundSupport.arguments(argLines, rg);
        Tensor got;
        try {
            got = module ? callModule(step, a) : call(step, a);
        } catch (RuntimeException e) {
            return FuzzRoundSupport.refused(err, e, argLines, a);
        }
        if (err != null) {
            return "PyTorch refuses (\"" + err + "\"), Ember gives " + got.dtype() + Arrays.toString(got.shape()) + " "
                    + Arrays.toString(got.detach().to(DType.FLOAT64).toDoubleArray());
        }
        String r = FuzzR31Interpreter.compare("the loss", DifferentialFuzzR17Test.tensor(out), got, false, factor);
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
        return FuzzRoundSupport.gradients(gx, a, factor);
    }

    /** The call ({@code <op> [k=v ...]}) with the tensor arguments {@code a}. */
    private static Tensor call(String text, Map<String, Tensor> a) {
        String[] w = text.split(" ");
        String op = w[0];
        Map<String, String> kw = FuzzR23Interpreter.options(w, 1);
        String red = kw.get("reduction");
        Tensor in = a.get("input");
        Tensor tg = a.get("target");
        Tensor weight = a.get("weight");
        switch (op) {
            case "l1_loss": return Functional.l1Loss(in, tg, red);
            case "mse_loss": return Functional.mseLoss(in, tg, red);
            case "smooth_l1_loss": return Functional.smoothL1Loss(in, tg, red, num(kw.get("beta")));
            case "huber_loss": return Functional.huberLoss(in, tg, red, num(kw.get("delta")));
            case "cross_entropy":
                return Functional.crossEntropy(in, tg, weight, red, ignore(kw),
                        kw.containsKey("label_smoothing") ? num(kw.get("label_smoothing")) : 0.0);
            case "nll_loss": return Functional.nllLoss(in, tg, weight, red, ignore(kw));
            case "binary_cross_entropy": return Functional.binaryCrossEntropy(in, tg, weight, red);
            case "binary_cross_entropy_with_logits":
                return Functional.binaryCrossEntropyWithLogits(in, tg, weight, a.get("pos_weight"), red);
            case "kl_div": return Functional.klDiv(in, tg, red, bool(kw.get("log_target")));
            case "poisson_nll_loss":
                return Functional.poissonNllLoss(in, tg, bool(kw.get("log_input")), bool(kw.get("full")),
                        num(kw.get("eps")), red);
            case "gaussian_nll_loss":
                return Functional.gaussianNllLoss(in, tg, a.get("var"), bool(kw.get("full")), num(kw.get("eps")), red);
            case "soft_margin_loss": return Functional.softMarginLoss(in, tg, red);
            case "multilabel_soft_margin_loss": return Functional.multilabelSoftMarginLoss(in, tg, weight, red);
            case "multilabel_margin_loss": return Functional.multilabelMarginLoss(in, tg, red);
            case "multi_margin_loss":
                return Functional.multiMarginLoss(in, tg, Integer.parseInt(kw.get("p")), num(kw.get("margin")), weight,
                        red);
            case "hinge_embedding_loss": return Functional.hingeEmbeddingLoss(in, tg, num(kw.get("margin")), red);
            case "margin_ranking_loss":
                return Functional.marginRankingLoss(a.get("input1"), a.get("input2"), tg, num(kw.get("margin")), red);
            case "cosine_embedding_loss":
                return Functional.cosineEmbeddingLoss(a.get("input1"), a.get("input2"), tg, num(kw.get("margin")), red);
            case "triplet_margin_loss":
                return Functional.tripletMarginLoss(a.get("anchor"), a.get("positive"), a.get("negative"),
                        num(kw.get("margin")), num(kw.get("p")), num(kw.get("eps")), bool(kw.get("swap")), red);
            case "triplet_margin_with_distance_loss":
                return Functional.tripletMarginWithDistanceLoss(a.get("anchor"), a.get("positive"), a.get("negative"),
                        null, num(kw.get("margin")), bool(kw.get("swap")), red);
            case "ctc_loss":
                return Functional.ctcLoss(a.get("log_probs"), a.get("targets"), a.get("input_lengths"),
                        a.get("target_lengths"), Integer.parseInt(kw.get("blank")), red,
                        bool(kw.get("zero_infinity")));
            default: throw new IllegalStateException("step " + text);
        }
    }

    /** The nn.*Loss module of the call ({@code <op> [k=v ...]}), constructed with its arguments, on {@code a}. */
    private static Tensor callModule(String text, Map<String, Tensor> a) {
        String[] w = text.split(" ");
        String op = w[0];
        Map<String, String> kw = FuzzR23Interpreter.options(w, 1);
        String red = kw.get("reduction");
        Tensor in = a.get("input");
        Tensor tg = a.get("target");
        Tensor weight = a.get("weight");
        switch (op) {
            case "l1_loss": return new L1Loss(red).forward(in, tg);
            case "mse_loss": return new MSELoss(red).forward(in, tg);
            case "smooth_l1_loss": return new SmoothL1Loss(red, num(kw.get("beta"))).forward(in, tg);
            case "huber_loss": return new HuberLoss(red, num(kw.get("delta"))).forward(in, tg);
            case "cross_entropy":
                return new CrossEntropyLoss(weight, ignore(kw), red,
                        kw.containsKey("label_smoothing") ? num(kw.get("label_smoothing")) : 0.0).forward(in, tg);
            case "nll_loss": return new NLLLoss(weight, ignore(kw), red).forward(in, tg);
            case "binary_cross_entropy": return new BCELoss(weight, red).forward(in, tg);
            case "binary_cross_entropy_with_logits":
                return new BCEWithLogitsLoss(weight, red, a.get("pos_weight")).forward(in, tg);
            case "kl_div": return new KLDivLoss(red, bool(kw.get("log_target"))).forward(in, tg);
            case "poisson_nll_loss":
                return new PoissonNLLLoss(bool(kw.get("log_input")), bool(kw.get("full")), num(kw.get("eps")), red)
                        .forward(in, tg);
            case "gaussian_nll_loss":
                return new GaussianNLLLoss(bool(kw.get("full")), num(kw.get("eps")), red).forward(in, tg, a.get("var"));
            case "soft_margin_loss": return new SoftMarginLoss(red).forward(in, tg);
            case "multilabel_soft_margin_loss": return new MultiLabelSoftMarginLoss(weight, red).forward(in, tg);
            case "multilabel_margin_loss": return new MultiLabelMarginLoss(red).forward(in, tg);
            case "multi_margin_loss":
                return new MultiMarginLoss(Integer.parseInt(kw.get("p")), num(kw.get("margin")), weight, red)
                        .forward(in, tg);
            case "hinge_embedding_loss": return new HingeEmbeddingLoss(num(kw.get("margin")), red).forward(in, tg);
            case "margin_ranking_loss":
                return new MarginRankingLoss(num(kw.get("margin")), red).forward(a.get("input1"), a.get("input2"), tg);
            case "cosine_embedding_loss":
                return new CosineEmbeddingLoss(num(kw.get("margin")), red).forward(a.get("input1"), a.get("input2"), tg);
            case "triplet_margin_loss":
                return new TripletMarginLoss(num(kw.get("margin")), num(kw.get("p")), num(kw.get("eps")),
                        bool(kw.get("swap")), red).forward(a.get("anchor"), a.get("positive"), a.get("negative"));
            case "triplet_margin_with_distance_loss":
                return new TripletMarginWithDistanceLoss(null, num(kw.get("margin")), bool(kw.get("swap")), red)
                        .forward(a.get("anchor"), a.get("positive"), a.get("negative"));
            case "ctc_loss":
                return new CTCLoss(Integer.parseInt(kw.get("blank")), red, bool(kw.get("zero_infinity")))
                        .forward(a.get("log_probs"), a.get("targets"), a.get("input_lengths"), a.get("target_lengths"));
            default: throw new IllegalStateException("step " + text);
        }
    }

    /** ignore_index: PyTorch's default -100 where the case gives none. */
    private static long ignore(Map<String, String> kw) {
        return kw.containsKey("ignore_index") ? Long.parseLong(kw.get("ignore_index")) : -100;
    }

    private static double num(String v) {
        return PyTorchCases.numbers(v)[0];
    }

    private static boolean bool(String v) {
        return v.equals("True");
    }
}
