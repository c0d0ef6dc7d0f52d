package dev.ember;

import dev.ember.nn.Functional;
import dev.ember.nn.Upsample;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Replays one case of {@code differentialfuzzr40/cases.txt} (its generator, {@code make_cases.py}, describes the
 * lines): the tensor arguments (those named on the {@code cl} line channels-last, those on the {@code rg} line
 * requiring grad), one resampling or spatial call (interpolate, nn.Upsample, grid_sample, affine_grid, pad, pixel
 * (un)shuffle, channel_shuffle, fold / unfold), then the result, a module's repr and each named argument's gradient
 * of {@code sum(out * g)}, or PyTorch's refusal with every argument unchanged.
 */
final class FuzzR40Interpreter {
    private FuzzR40Interpreter() {
    }

    /** Null where Ember does what PyTorch did, else what differs. */
    static String run(List<String> body) {
        Map<String, String> argLines = new LinkedHashMap<>();
        String step = null;
        String err = null;
        String out = null;
        String repr = null;
        String g = null;
        String gerr = null;
        double tol = 1;
        List<String> rg = List.of();
        List<String> cl = List.of();
        Map<String, String> gx = new LinkedHashMap<>();
        for (String line : body) {
            int sp = line.indexOf(' ');
            String key = sp < 0 ? line : line.substring(0, sp);
            String rest = sp < 0 ? "" : line.substring(sp + 1);
            switch (key) {
                case "a": argLines.put(rest.substring(0, rest.indexOf(' ')), rest.substring(rest.indexOf(' ') + 1));
                    break;
                case "rg": rg = rest.isEmpty() ? List.of() : Arrays.asList(rest.split(" ")); break;
                case "cl": cl = Arrays.asList(rest.split(" ")); break;
                case "s": step = rest; break;
                case "tol": tol = Double.parseDouble(rest); break;
                case "err": err = rest; break;
                case "o": out = rest; break;
                case "rp": repr = rest; break;
                case "g": g = rest; break;
                case "gerr": gerr = rest; break;
                case "gx": gx.put(rest.substring(0, rest.indexOf(' ')), rest.substring(rest.indexOf(' ') + 1)); break;
                default: throw new IllegalStateException("line " + line);
            }
        }
        Map<String, Tensor> a = FuzzRoundSupport.arguments(argLines, List.of());
        for (String n : cl) {
            Tensor t = a.get(n);
            a.put(n, t.contiguous(t.dim() == 4 ? MemoryFormat.CHANNELS_LAST : MemoryFormat.CHANNELS_LAST_3D));
        }
        for (String n : rg) {
            a.get(n).requiresGrad_(true);
        }
        String[] words = step.split(" ");
        Call call = new Call(words[0], FuzzRoundSupport.keywords(words), a);
        Tensor result;
        try {
            result = call.run();
        } catch (RuntimeException e) {
            return FuzzRoundSupport.refused(err, e, argLines, a);
        }
        if (err != null) {
            return "PyTorch refuses (\"" + err + "\"), Ember gives " + FuzzRoundSupport.describeResult(result);
        }
        String r = FuzzR31Interpreter.compare("the result", DifferentialFuzzR17Test.tensor(out), result, false, tol);
        if (r != null) {
            return r;
        }
        if (repr != null) {
            String got = "Upsample(" + call.module.extraRepr() + ")";
            if (!repr.equals(got)) {
                return "repr: PyTorch " + repr + ", Ember " + got;
            }
        }
        if (g == null) {
            return null;
        }
        String back = FuzzRoundSupport.backward(result, g, gerr);
        if (back != null) {
            return back.isEmpty() ? null : back;
        }
        return FuzzRoundSupport.gradients(gx, a, tol);
    }

    /** One call: the op, its keyword arguments, the tensors, and the module an upsample case made. */
    private static final class Call {
        private final String op;
        private final Map<String, String> kw;
        private final Map<String, Tensor> a;
        private Upsample module;

        Call(String op, Map<String, String> kw, Map<String, Tensor> a) {
            this.op = op;
            this.kw = kw;
            this.a = a;
        }

        Tensor run() {
            String kind = op.equals("refuse") ? kw.get("kind") : op;
            if (kind.startsWith("interp")) {
                return Functional.interpolate(a.get("x"), ints("size"), doubles("scale_factor"), kw.get("mode"),
                        bool("align_corners"), bool("recompute_scale_factor"), "True".equals(kw.get("antialias")));
            }
            if (kind.equals("upsample")) {
                return upsample();
            }
            if (kind.startsWith("grid")) {
                return Functional.gridSample(a.get("x"), a.get("grid"), kw.get("mode"), kw.get("padding_mode"),
                        bool("align_corners"));
            }
            if (kind.startsWith("affine")) {
                return Functional.affineGrid(a.get("theta"), ints("size"), bool("align_corners"));
            }
            if (kind.startsWith("pad")) {
                double value = kw.get("value").equals("N") ? 0 : PyTorchCases.numbers(kw.get("value"))[0];
                return Functional.pad(a.get("x"), ints("pad"), kw.get("mode"), value);
            }
            Tensor x = a.get("x");
            switch (kw.get("op")) {
                case "pixel_shuffle": return Functional.pixelShuffle(x, Integer.parseInt(kw.get("factor")));
                case "pixel_unshuffle": return Functional.pixelUnshuffle(x, Integer.parseInt(kw.get("factor")));
                case "channel_shuffle": return Functional.channelShuffle(x, Integer.parseInt(kw.get("groups")));
                case "unfold": return Functional.unfold(x, ints("kernel"), ints("dilation"), ints("padding"),
                        ints("stride"));
                case "fold": return Functional.fold(x, ints("output_size"), ints("kernel"), ints("dilation"),
                        ints("padding"), ints("stride"));
                default: throw new IllegalStateException("step " + op + " " + kw);
            }
        }

        /**
         * nn.Upsample with the case's size or scale factor: one value (PyTorch's int or float, printed as such) or one
         * per dim (a tuple).
         */
        private Tensor upsample() {
            int[] size = ints("size");
            double[] scale = doubles("scale_factor");
            boolean single = !"True".equals(kw.get("per_dim"));
            String mode = kw.get("mode");
            if (single) {
                module = new Upsample(size, scale, true, mode, bool("align_corners"), bool("recompute_scale_factor")) {
                };
            } else {
                module = new Upsample(size, scale, mode, bool("align_corners"), bool("recompute_scale_factor"));
            }
            return module.forward(a.get("x"));
        }

        /** "a,b" (one or more ints), null for N. */
        private int[] ints(String key) {
            String v = kw.get(key);
            return v == null || v.equals("N") ? null
                    : Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
        }

        private double[] doubles(String key) {
            String v = kw.get(key);
            return v == null || v.equals("N") ? null : PyTorchCases.numbers(v.replace(',', ' '));
        }

        /** True / False, null for N (absent too). */
        private Boolean bool(String key) {
            String v = kw.get(key);
            return v == null || v.equals("N") ? null : Boolean.valueOf(v.equals("True"));
        }
    }
}
