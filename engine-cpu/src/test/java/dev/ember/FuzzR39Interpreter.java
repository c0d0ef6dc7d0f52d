package dev.ember;

import dev.ember.nn.BatchNorm1d;
import dev.ember.nn.BatchNorm2d;
import dev.ember.nn.BatchNorm3d;
import dev.ember.nn.Conv1d;
import dev.ember.nn.Conv2d;
import dev.ember.nn.Conv3d;
import dev.ember.nn.ConvNd;
import dev.ember.nn.ConvTranspose1d;
import dev.ember.nn.ConvTranspose2d;
import dev.ember.nn.ConvTranspose3d;
import dev.ember.nn.Functional;
import dev.ember.nn.InstanceNorm1d;
import dev.ember.nn.InstanceNorm2d;
import dev.ember.nn.InstanceNorm3d;
import dev.ember.nn.Module;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Replays one case of {@code differentialfuzzr39/cases.txt} (its generator, {@code make_cases.py}, describes the
 * lines): the tensor arguments (those named on the {@code cl} line channels-last, those on the {@code rg} line
 * requiring grad), one convolution, pool or norm call (a functional call, or a module: nn.ConvNd with a padding mode,
 * nn.ConvTransposeNd with an output size, nn.BatchNormNd over training steps, nn.InstanceNormNd), then the result (and a tuple's indices), the buffers after the call, a module's
 * eval result and each named argument's gradient of {@code sum(out * g)}, or PyTorch's refusal with every argument
 * unchanged.
 */
final class FuzzR39Interpreter {
    private FuzzR39Interpreter() {
    }

    /** Null where Ember does what PyTorch did, else what differs. */
    static String run(List<String> body) {
        Map<String, String> argLines = new LinkedHashMap<>();
        String step = null;
        String err = null;
        String out = null;
        String outIdx = null;
        String evalOut = null;
        String g = null;
        String gerr = null;
        double tol = 1;
        List<String> rg = List.of();
        List<String> cl = List.of();
        Map<String, String> st = new LinkedHashMap<>();
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
                case "oi": outIdx = rest; break;
                case "oe": evalOut = rest; break;
                case "st": st.put(rest.substring(0, rest.indexOf(' ')), rest.substring(rest.indexOf(' ') + 1)); break;
                case "g": g = rest; break;
                case "gerr": gerr = rest; break;
                case "gx": gx.put(rest.substring(0, rest.indexOf(' ')), rest.substring(rest.indexOf(' ') + 1)); break;
                default: throw new IllegalStateException("line " + line);
            }
        }
        Map<String, Tensor> a = new HashMap<>();
        for (Map.Entry<String, String> e : argLines.entrySet()) {
            Tensor t = DifferentialFuzzR17Test.tensor(e.getValue());
            if (cl.contains(e.getKey())) {
                t = t.contiguous(t.dim() == 4 ? MemoryFormat.CHANNELS_LAST : MemoryFormat.CHANNELS_LAST_3D);
            }
            if (rg.contains(e.getKey())) {
                t.requiresGrad_(true);
            }
            a.put(e.getKey(), t);
        }
        Call call = new Call(step, a);
        Object got;
        try {
            got = call.run();
        } catch (RuntimeException e) {
            return FuzzRoundSupport.refused(err, e, argLines, a);
        }
        if (err != null) {
            return "PyTorch refuses (\"" + err + "\"), Ember gives " + (got instanceof Tensor t
                    ? t.dtype() + Arrays.toString(t.shape()) : String.valueOf(got));
        }
        Tensor result;
        if (got instanceof Tensor.ValuesIndices vi) {
            if (outIdx == null) {
                return "PyTorch gives one tensor, Ember values and indices";
            }
            String r = FuzzR31Interpreter.compare("the indices", DifferentialFuzzR17Test.tensor(outIdx), vi.indices(),
                    false);
            if (r != null) {
                return r;
            }
            result = vi.values();
        } else {
            if (outIdx != null) {
                return "PyTorch gives values and indices, Ember one tensor";
            }
            result = (Tensor) got;
        }
        String r = FuzzR31Interpreter.compare("the result", DifferentialFuzzR17Test.tensor(out), result, false, tol);
        if (r != null) {
            return r;
        }
        for (Map.Entry<String, String> e : st.entrySet()) {
            r = FuzzR31Interpreter.compare("the buffer " + e.getKey() + " after the call",
                    DifferentialFuzzR17Test.tensor(e.getValue()), call.buffer(e.getKey()), false, tol);
            if (r != null) {
                return r;
            }
        }
        if (evalOut != null) {
            Tensor eval;
            try (GradMode off = Ember.noGrad()) {
                eval = call.module.eval().forward(a.get("x0"));
            }
            r = FuzzR31Interpreter.compare("the eval result", DifferentialFuzzR17Test.tensor(evalOut), eval, false, tol);
            if (r != null) {
                return r;
            }
        }
        if (g == null) {
            return null;
        }
        String back = FuzzRoundSupport.backward(result, g, gerr);
        if (back != null) {
            return back.isEmpty() ? null : back;
        }
        if (call.module != null) {
            // a module's own parameters took the gradients of "weight" / "bias"
            for (String n : new String[] {"weight", "bias"}) {
                Tensor p = call.module.namedParameters().get(n);
                if (p != null) {
                    a.put(n, p);
                }
            }
        }
        return FuzzRoundSupport.gradients(gx, a, tol);
    }

    /** One call: the step's keyword arguments, the tensors, and the module a module case made. */
    private static final class Call {
        private final String op;
        private final Map<String, String> kw = new HashMap<>();
        private final Map<String, Tensor> a;
        private Module module;

        Call(String text, Map<String, Tensor> a) {
            String[] w = text.split(" ");
            this.op = w[0];
            for (int k = 1; k < w.length; k++) {
                int eq = w[k].indexOf('=');
                kw.put(w[k].substring(0, eq), w[k].substring(eq + 1));
            }
            this.a = a;
        }

        /** A buffer after the call: an argument's (running stats updated in place) or the module's. */
        Tensor buffer(String name) {
            if (module != null) {
                return module.namedBuffers().get(name);
            }
            return a.get(name);
        }

        Object run() {
            Tensor x = a.get("x");
            Tensor w = a.get("weight");
            Tensor b = a.get("bias");
            int nd = kw.containsKey("nd") ? integer("nd") : 0;
            switch (op) {
                case "conv": return conv(nd, x, w, b, ints("stride"), kw.get("padding"), ints("dilation"),
                        integer("groups"));
                case "convt": {
                    int groups = integer("groups");
                    if (nd == 1) {
                        return Functional.convTranspose1d(x, w, b, integer("stride"), integer("padding"),
                                integer("output_padding"), groups, integer("dilation"));
                    }
                    return nd == 2 ? Functional.convTranspose2d(x, w, b, ints("stride"), ints("padding"),
                            ints("output_padding"), groups, ints("dilation"))
                            : Functional.convTranspose3d(x, w, b, ints("stride"), ints("padding"),
                            ints("output_padding"), groups, ints("dilation"));
                }
                case "convmod": return convModule(nd, x, w, b);
                case "convtmod": return convTransposeModule(nd, x, w, b);
                case "instmodule": return instanceNormModule(nd, x, w, b);
                case "maxpool": return maxPool(nd, x);
                case "unpool": {
                    int[] size = kw.get("output_size").equals("N") ? null : ints("output_size");
                    int k = integer("kernel");
                    int s = integer("stride");
                    int p = integer("padding");
                    Tensor i = a.get("indices");
                    return nd == 1 ? Functional.maxUnpool1d(x, i, k, s, p, size)
                            : nd == 2 ? Functional.maxUnpool2d(x, i, rep(k, 2), rep(s, 2), rep(p, 2), size)
                            : Functional.maxUnpool3d(x, i, rep(k, 3), rep(s, 3), rep(p, 3), size);
                }
                case "avgpool": {
                    int[] k = ints("kernel");
                    int[] s = kw.get("stride").equals("N") ? null : ints("stride");
                    boolean ceil = bool("ceil_mode");
                    boolean cip = bool("count_include_pad");
                    if (nd == 1) {
                        return Functional.avgPool1d(x, k[0], s == null ? k[0] : s[0], ints("padding")[0], ceil, cip);
                    }
                    Integer div = kw.get("divisor_override").equals("N") ? null : integer("divisor_override");
                    return nd == 2 ? Functional.avgPool2d(x, k, s, ints("padding"), ceil, cip, div)
                            : Functional.avgPool3d(x, k, s == null ? k : s, ints("padding"), ceil, cip, div);
                }
                case "adaptive": {
                    int[] o = ints("output_size");
                    String kind = kw.get("kind");
                    if (kind.equals("avg")) {
                        return nd == 1 ? Functional.adaptiveAvgPool1d(x, o[0]) : nd == 2
                                ? Functional.adaptiveAvgPool2d(x, o) : Functional.adaptiveAvgPool3d(x, o);
                    }
                    Tensor.ValuesIndices vi = nd == 1 ? Functional.adaptiveMaxPool1dWithIndices(x, o[0]) : nd == 2
                            ? Functional.adaptiveMaxPool2dWithIndices(x, o) : Functional.adaptiveMaxPool3dWithIndices(x, o);
                    if (kind.equals("max_idx")) {
                        return vi;
                    }
                    return nd == 1 ? Functional.adaptiveMaxPool1d(x, o[0]) : nd == 2
                            ? Functional.adaptiveMaxPool2d(x, o) : Functional.adaptiveMaxPool3d(x, o);
                }
                case "lppool": {
                    double p = num("norm_type");
                    int[] k = ints("kernel");
                    int[] s = kw.get("stride").equals("N") ? k : ints("stride");
                    boolean ceil = bool("ceil_mode");
                    return nd == 1 ? Functional.lpPool1d(x, p, k[0], s[0], ceil) : nd == 2
                            ? Functional.lpPool2d(x, p, k, s, ceil) : Functional.lpPool3d(x, p, k, s, ceil);
                }
                case "batchnorm":
                    return Functional.batchNorm(x, a.get("running_mean"), a.get("running_var"), w, b,
                            bool("training"), num("momentum"), num("eps"));
                case "bnmodule": return batchNormModule(nd, w, b);
                case "instnorm":
                    return Functional.instanceNorm(x, a.get("running_mean"), a.get("running_var"), w, b,
                            bool("use_input_stats"), num("momentum"), num("eps"));
                case "groupnorm": return Functional.groupNorm(x, integer("groups"), w, b, num("eps"));
                case "layernorm": return Functional.layerNorm(x, ints("normalized_shape"), w, b, num("eps"));
                case "lrn": return Functional.localResponseNorm(x, integer("size"), num("alpha"), num("beta"),
                        num("k"));
                case "refuse": return refusal(nd, x, w);
                default: throw new IllegalStateException("step " + op);
            }
        }

        private static Tensor conv(int nd, Tensor x, Tensor w, Tensor b, int[] stride, String padding, int[] dilation,
                                   int groups) {
            if (padding.equals("same") || padding.equals("valid")) {
                return nd == 1 ? Functional.conv1d(x, w, b, stride, padding, dilation, groups)
                        : nd == 2 ? Functional.conv2d(x, w, b, stride, padding, dilation, groups)
                        : Functional.conv3d(x, w, b, stride, padding, dilation, groups);
            }
            int[] p = parseInts(padding);
            return nd == 1 ? Functional.conv1d(x, w, b, stride, p, dilation, groups)
                    : nd == 2 ? Functional.conv2d(x, w, b, stride, p, dilation, groups)
                    : Functional.conv3d(x, w, b, stride, p, dilation, groups);
        }

        /** nn.ConvNd in its padding mode, the weight and bias copied in (float64 where the arguments are). */
        private Tensor convModule(int nd, Tensor x, Tensor w, Tensor b) {
            int in = integer("in");
            int out = integer("out");
            int[] k = ints("kernel");
            int[] s = ints("stride");
            int[] d = ints("dilation");
            int groups = integer("groups");
            boolean bias = bool("bias");
            String mode = kw.get("padding_mode");
            String pad = kw.get("padding");
            ConvNd m;
            if (pad.equals("same")) {
                m = nd == 1 ? new Conv1d(in, out, k, s, pad, d, groups, bias, mode)
                        : nd == 2 ? new Conv2d(in, out, k, s, pad, d, groups, bias, mode)
                        : new Conv3d(in, out, k, s, pad, d, groups, bias, mode);
            } else {
                int[] p = parseInts(pad);
                m = nd == 1 ? new Conv1d(in, out, k, s, p, d, groups, bias, mode)
                        : nd == 2 ? new Conv2d(in, out, k, s, p, d, groups, bias, mode)
                        : new Conv3d(in, out, k, s, p, d, groups, bias, mode);
            }
            copyIn(m, w, bias ? b : null);
            return m.forward(x);
        }

        /** nn.ConvTransposeNd, the weight and bias copied in, called with the output size (or none). */
        private Tensor convTransposeModule(int nd, Tensor x, Tensor w, Tensor b) {
            int in = integer("in");
            int out = integer("out");
            int[] k = ints("kernel");
            int[] s = ints("stride");
            int[] p = ints("padding");
            int[] d = ints("dilation");
            int groups = integer("groups");
            boolean bias = bool("bias");
            int[] size = kw.get("output_size").equals("N") ? null : ints("output_size");
            ConvNd m = nd == 1 ? new ConvTranspose1d(in, out, k[0], s[0], p[0], 0, groups, bias, d[0])
                    : nd == 2 ? new ConvTranspose2d(in, out, k, s, p, new int[] {0}, groups, bias, d)
                    : new ConvTranspose3d(in, out, k, s, p, new int[] {0}, groups, bias, d);
            copyIn(m, w, bias ? b : null);
            if (size == null) {
                return m.forward(x);
            }
            return nd == 1 ? ((ConvTranspose1d) m).forward(x, size) : nd == 2 ? ((ConvTranspose2d) m).forward(x, size)
                    : ((ConvTranspose3d) m).forward(x, size);
        }

        /** nn.InstanceNormNd in train or eval mode, the affine weight and bias copied in. */
        private Tensor instanceNormModule(int nd, Tensor x, Tensor w, Tensor b) {
            int c = integer("features");
            double eps = num("eps");
            double momentum = num("momentum");
            boolean affine = bool("affine");
            boolean track = bool("track_running_stats");
            Module m = nd == 1 ? new InstanceNorm1d(c, eps, momentum, affine, track)
                    : nd == 2 ? new InstanceNorm2d(c, eps, momentum, affine, track)
                    : new InstanceNorm3d(c, eps, momentum, affine, track);
            copyIn(m, affine ? w : null, affine ? b : null);
            m.train(bool("training"));
            return m.forward(x);
        }

        /** The module in the arguments' dtype with their weight and bias (where given) copied into its own. */
        private void copyIn(Module m, Tensor w, Tensor b) {
            m.to(a.get(a.containsKey("x") ? "x" : "x0").dtype());
            try (GradMode off = Ember.noGrad()) {
                if (w != null) {
                    m.namedParameters().get("weight").copy_(w);
                }
                if (b != null) {
                    m.namedParameters().get("bias").copy_(b);
                }
            }
            module = m;
        }

        /** nn.BatchNormNd trained over the steps' inputs x0, x1, ...: the last step's result. */
        private Tensor batchNormModule(int nd, Tensor w, Tensor b) {
            int c = integer("features");
            double eps = num("eps");
            Double momentum = kw.get("momentum").equals("N") ? null : num("momentum");
            boolean affine = bool("affine");
            boolean track = bool("track_running_stats");
            Module m = nd == 1 ? new BatchNorm1d(c, eps, momentum, affine, track)
                    : nd == 2 ? new BatchNorm2d(c, eps, momentum, affine, track)
                    : new BatchNorm3d(c, eps, momentum, affine, track);
            copyIn(m, affine ? w : null, affine ? b : null);
            m.train();
            Tensor y = null;
            for (int i = 0; i < integer("steps"); i++) {
                y = m.forward(a.get("x" + i));
            }
            return y;
        }

        private Object maxPool(int nd, Tensor x) {
            int[] k = ints("kernel");
            int[] s = kw.get("stride").equals("N") ? null : ints("stride");
            int[] p = ints("padding");
            int[] d = ints("dilation");
            boolean ceil = bool("ceil_mode");
            boolean ri = bool("return_indices");
            if (nd == 1) {
                int s1 = s == null ? k[0] : s[0];
                return ri ? Functional.maxPool1dWithIndices(x, k[0], s1, p[0], d[0], ceil)
                        : Functional.maxPool1d(x, k[0], s1, p[0], d[0], ceil);
            }
            if (nd == 2) {
                return ri ? Functional.maxPool2dWithIndices(x, k, s, p, d, ceil)
                        : Functional.maxPool2d(x, k, s, p, d, ceil);
            }
            int[] s3 = s == null ? k : s;
            return ri ? Functional.maxPool3dWithIndices(x, k, s3, p, d, ceil) : Functional.maxPool3d(x, k, s3, p, d, ceil);
        }

        /** The refusal family's calls (the generator's "refuse" kinds). */
        private Tensor refusal(int nd, Tensor x, Tensor w) {
            String kind = kw.get("kind");
            int[] one = {1};
            int[] zero = {0};
            switch (kind) {
                case "conv_channels": case "conv_rank":
                    return conv(nd, x, w, null, one, "0", one, 1);
                case "conv_kernel": return conv(nd, x, w, null, one, kw.get("padding"), one, 1);
                case "conv_groups": case "conv_groups_out": return conv(nd, x, w, null, one, "0", one, integer("groups"));
                case "conv_same_stride": return conv(nd, x, w, null, new int[] {2}, "same", one, 1);
                case "convt_outpad": {
                    int s = integer("stride");
                    return nd == 1 ? Functional.convTranspose1d(x, w, null, s, 0, s, 1, 1)
                            : nd == 2 ? Functional.convTranspose2d(x, w, null, new int[] {s}, zero, new int[] {s}, 1, one)
                            : Functional.convTranspose3d(x, w, null, new int[] {s}, zero, new int[] {s}, 1, one);
                }
                case "pool_pad": case "pool_kernel": {
                    int k = integer("kernel");
                    int p = kw.containsKey("padding") ? integer("padding") : 0;
                    int s = kind.equals("pool_pad") ? 1 : k;
                    return nd == 1 ? Functional.maxPool1d(x, k, s, p, 1, false)
                            : nd == 2 ? Functional.maxPool2d(x, new int[] {k}, new int[] {s}, new int[] {p}, one, false)
                            : Functional.maxPool3d(x, rep(k, 3), rep(s, 3), rep(p, 3), rep(1, 3), false);
                }
                case "avg_pad": {
                    int k = integer("kernel");
                    int p = integer("padding");
                    return nd == 1 ? Functional.avgPool1d(x, k, 1, p, false, true)
                            : nd == 2 ? Functional.avgPool2d(x, new int[] {k}, one, new int[] {p}, false, true, null)
                            : Functional.avgPool3d(x, rep(k, 3), rep(1, 3), rep(p, 3), false, true, null);
                }
                case "bn_one":
                    return Functional.batchNorm(x, a.get("running_mean"), a.get("running_var"), null, null, true, 0.1,
                            1e-5);
                case "bn_weight":
                    return Functional.batchNorm(x, a.get("running_mean"), a.get("running_var"), w, null, false, 0.1,
                            1e-5);
                case "gn_groups": return Functional.groupNorm(x, integer("groups"), null, null, 1e-5);
                case "ln_shape": return Functional.layerNorm(x, ints("normalized_shape"), null, null, 1e-5);
                case "in_one": return Functional.instanceNorm(x, null, null, null, null, true, 0.1, 1e-5);
                case "unpool_size": {
                    int[] size = ints("output_size");
                    Tensor i = a.get("indices");
                    return nd == 1 ? Functional.maxUnpool1d(x, i, 2, 2, 0, size)
                            : nd == 2 ? Functional.maxUnpool2d(x, i, rep(2, 2), rep(2, 2), rep(0, 2), size)
                            : Functional.maxUnpool3d(x, i, rep(2, 3), rep(2, 3), rep(0, 3), size);
                }
                case "adaptive_zero":
                    return nd == 1 ? Functional.adaptiveAvgPool1d(x, 2) : nd == 2 ? Functional.adaptiveAvgPool2d(x, 2)
                            : Functional.adaptiveAvgPool3d(x, 2);
                case "lrn_rank": return Functional.localResponseNorm(x, 2);
                default: throw new IllegalStateException("refusal " + kind);
            }
        }

        private int[] ints(String key) {
            return parseInts(kw.get(key));
        }

        private int integer(String key) {
            return Integer.parseInt(kw.get(key));
        }

        private double num(String key) {
            return PyTorchCases.numbers(kw.get(key))[0];
        }

        private boolean bool(String key) {
            return "True".equals(kw.get(key));
        }
    }

    /** "a,b,c" (or "E": none) as ints. */
    private static int[] parseInts(String v) {
        return v.equals("E") ? new int[0] : Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    private static int[] rep(int v, int n) {
        int[] r = new int[n];
        Arrays.fill(r, v);
        return r;
    }
}
