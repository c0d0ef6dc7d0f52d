package dev.ember;

import dev.ember.nn.Functional;
import dev.ember.nn.Module;
import dev.ember.nn.utils.PackedSequence;
import dev.ember.nn.utils.Rnn;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Replays the differential fuzz cases the PyTorch scripts {@code fuzz/make_cases.py} (round 1: tensor ops),
 * {@code fuzz/make_nn_cases.py} (round 2: nn.functional, advanced indexing, in-place writes into views) and
 * {@code fuzz/make_r3_cases.py} (round 3: linear algebra, einsum and products, special functions, sorting and scans,
 * small integer types) and {@code fuzz/make_r4_cases.py} (round 4: modules with state, nn.functional corners, half
 * types through the nn kernels) and the later rounds' scripts (round 9's {@code fuzz9/make_cases.py} adds the double
 * backward's {@code gg<i>} lines, see {@code checkDoubleBackward}) wrote, shared by {@link DifferentialFuzzTest}, {@code DifferentialFuzzNNTest},
 * {@code DifferentialFuzzR3Test}, {@code DifferentialFuzzR4Test} and {@link DifferentialFuzzRegressionTest}: each case
 * calls an Ember method by
 * reflection ({@link Tensor}'s instance or static methods, {@code F.<name>} for {@link Functional}'s, {@code S.<name>}
 * for {@link Special}'s, {@code Tensor.<name>} for a static one of {@link Tensor}, {@code @write} for a program of
 * in-place writes into views) and compares the dtype, shape and values of every output (to the case's {@code tol}
 * where it gives one: linear algebra, from the input's condition number), the base of an in-place op's
 * view, the float64 gradients of {@code sum(out * w)} with respect to each input's base, or PyTorch's message (from the
 * call, or from the backward where the case says {@code errorat backward}) with every input unchanged. A case
 * {@code M.<Module>} builds a module instead (see {@code checkModule}); {@code exact} asks for the values bit for bit.
 */
final class FuzzCaseRunner {
    private FuzzCaseRunner() {
    }

    /**
     * Runs every case of {@code resource} (at least {@code minCases}) and fails with ALL mismatches in one message,
     * and with every case listed in {@code expectedFailures} (id to reason) that passes.
     */
    static void runAll(String resource, int minCases, Map<String, String> expectedFailures) {
        List<ReferenceCases.Case> cases = ReferenceCases.byFirstWord(resource);
        assertTrue(cases.size() >= minCases, "cases: " + cases.size());
        List<String> mismatches = new ArrayList<>();
        List<String> nowPassing = new ArrayList<>();
        for (ReferenceCases.Case c : cases) {
            String id = c.key().split(" ")[0];
            String problem;
            try {
                problem = check(c);
            } catch (RuntimeException | AssertionError | StackOverflowError e) {
                problem = "harness: " + e;
            }
            boolean expected = expectedFailures.containsKey(id);
            if (problem != null && !expected) {
                mismatches.add(c.key() + ": " + problem);
            } else if (problem == null && expected) {
                nowPassing.add(c.key() + " (listed as an expected failure: " + expectedFailures.get(id) + ")");
            }
        }
        if (!mismatches.isEmpty() || !nowPassing.isEmpty()) {
            fail(mismatches.size() + " of " + cases.size() + " cases differ from PyTorch:\n" + String.join("\n", mismatches)
                    + (nowPassing.isEmpty() ? "" : "\nnow passing:\n" + String.join("\n", nowPassing)));
        }
    }

    // ---- one case ----

    /** An argument of a case: its Java type (null for an absent optional) and value. */
    private record Arg(Class<?> type, Object value) {
    }

    /** A tensor argument: the base it was made from and the view the op receives. */
    private record TensorArg(Tensor base, Tensor view) {
    }

    /** Null where Ember matches PyTorch on case {@code c}, else what differs. */
    static String check(ReferenceCases.Case c) {
        String method = c.key().split(" ")[1].split(":")[0];
        if (method.startsWith("M.")) {
            return checkModule(c, method.substring(2));
        }
        boolean wantGrad = c.lines().keySet().stream().anyMatch(k -> k.startsWith("grad") || k.startsWith("gg"))
                || c.get("requiresgrad") != null;
        // "halfgrad" (round 12): the float16, bfloat16 and float32 bases require grad too, not only the float64 ones
        boolean halfGrad = c.get("halfgrad") != null;
        // tensor arguments are numbered as the scripts number them: the T arguments in order, then the index tensors
        // of Ix arguments; "frozen" lists those that do not require grad
        Set<Integer> frozen = new HashSet<>();
        if (c.get("frozen") != null) {
            for (String f : c.get("frozen").trim().split(" ")) {
                frozen.add(Integer.parseInt(f));
            }
        }
        int plain = 0;
        for (int i = 0; c.get("a" + i) != null; i++) {
            plain += c.get("a" + i).startsWith("T ") ? 1 : 0;
        }
        List<Arg> args = new ArrayList<>();
        List<TensorArg> tensors = new ArrayList<>();
        List<TensorArg> indexTensors = new ArrayList<>();
        for (int i = 0; c.get("a" + i) != null; i++) {
            String a = c.get("a" + i);
            String tag = a.split(" ")[0];
            String rest = a.substring(Math.min(a.length(), tag.length() + 1));
            switch (tag) {
                case "T": {
                    TensorArg t = tensorArg(rest, wantGrad && !frozen.contains(tensors.size()), halfGrad);
                    tensors.add(t);
                    args.add(new Arg(Tensor.class, t.view));
                    break;
                }
                case "Ix": {
                    String[] entries = rest.split(" \\| ");
                    Index[] idx = new Index[entries.length];
                    for (int k = 0; k < entries.length; k++) {
                        String[] w = entries[k].split(" ");
                        switch (w[0]) {
                            case "i": idx[k] = Index.of(Integer.parseInt(w[1])); break;
                            case "s": idx[k] = Index.slice(boxed(w[1]), boxed(w[2]), boxed(w[3])); break;
                            case "all": idx[k] = Index.all(); break;
                            case "new": idx[k] = Index.newAxis(); break;
                            case "ell": idx[k] = Index.ellipsis(); break;
                            case "t": {
                                TensorArg t = tensorArg(entries[k].substring(2), wantGrad
                                        && !frozen.contains(plain + indexTensors.size()));
                                indexTensors.add(t);
                                idx[k] = Index.of(t.view);
                                break;
                            }
                            default: throw new IllegalStateException("index entry " + entries[k]);
                        }
                    }
                    args.add(new Arg(Index[].class, idx));
                    break;
                }
                case "dl": args.add(new Arg(double[].class, PyTorchCases.numbers(rest))); break;
                case "L": args.add(new Arg(long.class, Long.parseLong(rest))); break;
                case "D": args.add(new Arg(double.class, PyTorchCases.numbers(rest)[0])); break;
                case "B": args.add(new Arg(Tensor.class, Tensor.tensor(new boolean[] {rest.equals("True")}, DType.BOOL,
                        Device.CPU).reshape(new int[0]))); break;
                case "i": args.add(new Arg(int.class, Integer.parseInt(rest))); break;
                case "il": args.add(new Arg(int[].class, rest.isBlank() ? new int[0]
                        : Arrays.stream(rest.trim().split(" ")).mapToInt(Integer::parseInt).toArray())); break;
                case "b": args.add(new Arg(boolean.class, Boolean.parseBoolean(rest))); break;
                case "dt": args.add(new Arg(DType.class, dtype(rest))); break;
                case "s": args.add(new Arg(String.class, rest)); break;
                case "N": args.add(new Arg(null, null)); break;
                case "TL": args.add(new Arg(List.class, Integer.parseInt(rest))); break;
                case "TA": args.add(new Arg(Tensor[].class, Integer.parseInt(rest))); break;
                default: throw new IllegalStateException("tag " + tag);
            }
        }
        // a TL n (TA n) argument takes the n tensors after it as a List (an array)
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).type == List.class || args.get(i).type == Tensor[].class) {
                int n = (Integer) args.get(i).value;
                List<Tensor> list = new ArrayList<>();
                for (int k = 0; k < n; k++) {
                    list.add((Tensor) args.remove(i + 1).value);
                }
                args.set(i, args.get(i).type == List.class ? new Arg(List.class, list)
                        : new Arg(Tensor[].class, list.toArray(new Tensor[0])));
            }
        }
        tensors.addAll(indexTensors);
        List<double[]> before = new ArrayList<>();
        for (TensorArg t : tensors) {
            before.add(t.base.detach().toDoubleArray());
        }
        Object result;
        try {
            result = method.equals("@write") ? write(args) : invoke(method, args);
        } catch (NoOverload e) {
            return "no Ember overload: " + e.getMessage();
        } catch (RuntimeException e) {
            String err = c.get("error");
            if (err == null) {
                return "PyTorch gives a result, Ember throws " + e;
            }
            String msg = err.substring(err.indexOf(' ') + 1);
            if (!msg.equals(firstLine(e.getMessage()))) {
                return "message: PyTorch \"" + msg + "\", Ember \"" + e.getMessage() + "\"";
            }
            for (int i = 0; i < tensors.size(); i++) {
                if (!Arrays.equals(before.get(i), tensors.get(i).base.detach().toDoubleArray())) {
                    return "input " + i + " changed by a failing call";
                }
            }
            return null;
        }
        boolean backwardError = "backward".equals(c.get("errorat"));
        if (c.get("error") != null && !backwardError) {
            return "PyTorch throws \"" + c.get("error") + "\", Ember gives " + describe(result);
        }
        List<Tensor> outs = outputs(result);
        // a case's own tolerance (linear algebra: from the input's condition number), never below the dtype's; "exact":
        // the values bit for bit (a float16/bfloat16 result of a kernel that selects or copies)
        double tol = c.get("exact") != null ? -1 : c.get("tol") == null ? 0 : Double.parseDouble(c.get("tol").trim());
        if (backwardError) {
            String msg = c.get("error").substring(c.get("error").indexOf(' ') + 1);
            Tensor out = outs.get(0);
            try {
                out.mul(weights(out.shape(), out.dtype())).sum().backward();
            } catch (RuntimeException e) {
                return msg.equals(e.getMessage()) ? null
                        : "backward's message: PyTorch \"" + msg + "\", Ember \"" + e.getMessage() + "\"";
            }
            return "PyTorch's backward throws \"" + msg + "\", Ember's runs";
        }
        List<String> problems = new ArrayList<>();
        int k;
        for (k = 0; c.get("out" + k) != null; k++) {
            if (k >= outs.size()) {
                problems.add("out" + k + " missing");
                continue;
            }
            if (k == 1 && c.get("loose") != null) {
                // indices of equal values may differ (topk, kthvalue, mode, median): they must point at the values
                String[] w = c.get("loose").split(" ");
                Tensor in = (Tensor) args.get(0).value;
                int dim = Integer.parseInt(w[0]);
                boolean keepdim = Boolean.parseBoolean(w[1]);
                Tensor idx = outs.get(1);
                Tensor picked;
                if (in.dim() == 0) {
                    picked = in.reshape(idx.shape());
                } else if (keepdim) {
                    picked = in.gather(dim, idx);
                } else {
                    picked = in.gather(dim, idx.unsqueeze(dim)).squeeze(dim);
                }
                String p = compare("indices (gathered)", expectedTensor(c.get("out0")), picked, tol);
                if (p != null) {
                    problems.add(p);
                }
                continue;
            }
            Tensor expected = expectedTensor(c.get("out" + k));
            if (c.get("unchecked") != null && Arrays.asList(c.get("unchecked").trim().split(" ")).contains("" + k)) {
                // values the implementation decides (an inverse of a singular matrix): the type and shape only
                if (expected.dtype() != outs.get(k).dtype() || !Arrays.equals(expected.shape(), outs.get(k).shape())) {
                    problems.add("out" + k + ": PyTorch " + expected.dtype() + Arrays.toString(expected.shape())
                            + ", Ember " + outs.get(k).dtype() + Arrays.toString(outs.get(k).shape()));
                }
                continue;
            }
            String p = compare("out" + k, expected, outs.get(k), tol);
            if (p != null) {
                problems.add(p);
            }
        }
        for (int i = 0; i < tensors.size(); i++) {
            // an argument the call updates in place (running statistics)
            if (c.get("after" + i) != null) {
                String p = compare("argument " + i + " after the call", expectedTensor(c.get("after" + i)),
                        tensors.get(i).base);
                if (p != null) {
                    problems.add(p);
                }
            }
        }
        if (c.get("base0") != null) {
            String p = compare("base0 after the write", expectedTensor(c.get("base0")), tensors.get(0).base);
            if (p != null) {
                problems.add(p);
            }
        }
        boolean doubleBackward = c.lines().keySet().stream().anyMatch(key -> key.startsWith("gg"));
        if (doubleBackward && problems.isEmpty()) {
            String p = checkDoubleBackward(c, outs.get(0), tensors, tol);
            if (p != null) {
                problems.add(p);
            }
        } else if (c.lines().keySet().stream().anyMatch(key -> key.startsWith("grad")) && problems.isEmpty()) {
            Tensor out = outs.get(c.get("gradout") == null ? 0 : Integer.parseInt(c.get("gradout").trim()));
            if (!out.requiresGrad()) {
                problems.add("out0 does not require grad");
            } else {
                if (c.get("fn") != null && (out.gradFn() == null || !c.get("fn").equals(out.gradFn().name()))) {
                    problems.add("grad_fn: PyTorch " + c.get("fn") + ", Ember "
                            + (out.gradFn() == null ? "None" : out.gradFn().name()));
                }
                out.mul(weights(out.shape(), out.dtype())).sum().backward();
                for (int i = 0; i < tensors.size(); i++) {
                    String g = c.get("grad" + i);
                    if (g == null) {
                        continue;
                    }
                    Tensor got = tensors.get(i).base.grad();
                    if (g.equals("none")) {
                        if (got != null) {
                            problems.add("grad" + i + ": PyTorch none, Ember " + got);
                        }
                    } else if (got == null) {
                        problems.add("grad" + i + ": PyTorch " + g + ", Ember none");
                    } else {
                        String p = compare("grad" + i, expectedTensor(g), got, tol);
                        if (p != null) {
                            problems.add(p);
                        }
                    }
                }
            }
        }
        return problems.isEmpty() ? null : String.join("; ", problems);
    }

    // ---- double backward (fuzz9/make_cases.py) ----

    /**
     * The double backward of a case with {@code gg<i>} lines: {@code g = grad(sum(out * w), bases, create_graph,
     * allow_unused)} compared with the {@code grad<i>} lines, then {@code s = sum_i sum(g_i * v_i)} over the
     * {@code g_i} that require grad and {@code s.backward()}, each base's {@code .grad} compared with {@code gg<i>}
     * (all "none" where no {@code g_i} requires grad); or PyTorch's {@code ggerror} from either pass.
     */
    private static String checkDoubleBackward(ReferenceCases.Case c, Tensor out, List<TensorArg> tensors, double tol) {
        List<Tensor> inputs = new ArrayList<>();
        List<Integer> index = new ArrayList<>();
        for (int i = 0; i < tensors.size(); i++) {
            if (tensors.get(i).base.requiresGrad()) {
                inputs.add(tensors.get(i).base);
                index.add(i);
            }
        }
        String err = c.get("ggerror");
        List<String> problems = new ArrayList<>();
        try {
            List<Tensor> gs = Autograd.grad(List.of(out.mul(weights(out.shape(), out.dtype())).sum()), inputs, null,
                    true, true, true);
            Tensor s = null;
            for (int k = 0; k < gs.size(); k++) {
                String p = compareGradient("grad" + index.get(k), c.get("grad" + index.get(k)), gs.get(k), tol);
                if (p != null) {
                    problems.add(p);
                }
                Tensor g = gs.get(k);
                if (g != null && g.requiresGrad()) {
                    Tensor term = g.mul(weights2(g.shape(), g.dtype())).sum();
                    s = s == null ? term : s.add(term);
                }
            }
            if (s != null) {
                s.backward();
            }
        } catch (RuntimeException e) {
            if (err == null) {
                return "PyTorch's double backward runs, Ember's throws " + e;
            }
            String msg = err.substring(err.indexOf(' ') + 1);
            return msg.equals(firstLine(e.getMessage())) ? null
                    : "double backward's message: PyTorch \"" + msg + "\", Ember \"" + e.getMessage() + "\"";
        }
        if (err != null) {
            return "PyTorch's double backward throws \"" + err + "\", Ember's runs";
        }
        if (!problems.isEmpty()) {
            return String.join("; ", problems);
        }
        for (int i : index) {
            Tensor got = tensors.get(i).base.grad();
            String want = c.get("gg" + i);
            if ((got == null && want != null && !want.equals("none") && allZero(expectedTensor(want)))
                    || ("none".equals(want) && got != null && allZero(got))) {
                // PyTorch's first-order gradient records a graph through backward formulas whose derivative in this
                // input is zero (avg_pool2d_backward's in self, leaky_relu_backward's, ...), where Ember's records
                // none, or the other way round (prod's backward over two zeros, a constant in PyTorch): the same
                // second derivative, zeros on one side and no gradient on the other
                continue;
            }
            String p = compareGradient("gg" + i, want, got, tol);
            if (p != null) {
                problems.add(p);
            }
        }
        return problems.isEmpty() ? null : String.join("; ", problems);
    }

    /** Null where {@code got} is the gradient line {@code expected} ("none": no gradient), else what differs. */
    private static String compareGradient(String what, String expected, Tensor got, double tol) {
        if (expected == null) {
            return what + ": not in the case";
        }
        if (expected.equals("none")) {
            return got == null ? null : what + ": PyTorch none, Ember " + got;
        }
        return got == null ? what + ": PyTorch " + expected + ", Ember none"
                : compare(what, expectedTensor(expected), got.detach(), tol);
    }

    private static boolean allZero(Tensor t) {
        for (double v : t.toDoubleArray()) {
            if (v != 0) {
                return false;
            }
        }
        return true;
    }

    /** The second backward's weights: {@code v[k] = 0.5 + 0.25 ((5k + 1) mod 7)} over the gradient's elements. */
    private static Tensor weights2(int[] shape, DType dtype) {
        return pattern(shape, dtype, k -> 0.5 + 0.25 * ((5 * k + 1) % 7));
    }

    // ---- a module with state (make_r4_cases.py) ----

    /**
     * A case of {@code nn.<cls>}: built from the {@code c<i>} arguments, converted to the case's {@code dtype}, put in
     * train or eval {@code mode}, its parameters ({@code p:<name>}) and buffers ({@code b:<name>}) set to PyTorch's
     * values, then {@code forward(a0, a1, ...)} (besides the T, N, i, b, D, s tags: {@code LS} an LstmState of the two
     * tensors after it, {@code PK <batchFirst> <enforceSorted> <lengths>} pack_padded_sequence of the tensor after it).
     * Compared: the outputs in order (a record's tensors, a PackedSequence as its data, an LstmState as h and c), the
     * buffers and parameters after the call ({@code bafter:<name>}, {@code pafter:<name>}), and the gradients of
     * {@code sum_k sum(out_k * w)} over the outputs {@code gradouts} lists with respect to the float64 inputs' bases ({@code grad<i>}) and the parameters
     * ({@code pgrad:<name>}); or PyTorch's message with every input, parameter and buffer unchanged.
     */
    private static String checkModule(ReferenceCases.Case c, String cls) {
        Module m;
        try {
            List<Arg> ctor = new ArrayList<>();
            for (int i = 0; c.get("c" + i) != null; i++) {
                ctor.add(scalarArg(c.get("c" + i)));
            }
            m = construct(Class.forName("dev.ember.nn." + cls), ctor);
        } catch (ClassNotFoundException e) {
            return "no Ember module " + cls;
        }
        DType dt = dtype(c.get("dtype").trim());
        if (dt != DType.FLOAT32) {
            m.to(dt);
        }
        m.train(c.get("mode").trim().equals("train"));
        try (GradMode off = Ember.noGrad()) {
            for (Map.Entry<String, String> e : c.lines().entrySet()) {
                if (e.getKey().startsWith("p:")) {
                    m.getParameter(e.getKey().substring(2)).copy_(expectedTensor(e.getValue()));
                } else if (e.getKey().startsWith("b:")) {
                    m.getBuffer(e.getKey().substring(2)).copy_(expectedTensor(e.getValue()));
                }
            }
        }
        Set<Integer> frozen = new HashSet<>();
        if (c.get("frozen") != null) {
            for (String f : c.get("frozen").trim().split(" ")) {
                frozen.add(Integer.parseInt(f));
            }
        }
        List<Arg> args = new ArrayList<>();
        List<TensorArg> tensors = new ArrayList<>();
        for (int i = 0; c.get("a" + i) != null; i++) {
            String a = c.get("a" + i);
            if (a.startsWith("T ")) {
                TensorArg t = tensorArg(a.substring(2), !frozen.contains(tensors.size()));
                tensors.add(t);
                args.add(new Arg(Tensor.class, t.view));
            } else if (a.equals("LS") || a.startsWith("PK ")) {
                args.add(new Arg(a.equals("LS") ? LstmState.class : PackedSequence.class, a));
            } else {
                args.add(scalarArg(a));
            }
        }
        for (int i = args.size() - 1; i >= 0; i--) {
            if (args.get(i).type == LstmState.class) {
                args.set(i, new Arg(LstmState.class, new LstmState((Tensor) args.remove(i + 1).value,
                        (Tensor) args.remove(i + 1).value)));
            } else if (args.get(i).type == PackedSequence.class) {
                String[] w = ((String) args.get(i).value).split(" ");
                long[] lengths = Arrays.stream(w).skip(3).mapToLong(Long::parseLong).toArray();
                args.set(i, new Arg(PackedSequence.class, Rnn.packPaddedSequence((Tensor) args.remove(i + 1).value,
                        lengths, Boolean.parseBoolean(w[1]), Boolean.parseBoolean(w[2]))));
            }
        }
        Map<String, double[]> before = new java.util.LinkedHashMap<>();
        for (int i = 0; i < tensors.size(); i++) {
            before.put("input " + i, tensors.get(i).base.detach().toDoubleArray());
        }
        m.stateDict().forEach((k, v) -> before.put(k, v.detach().toDoubleArray()));
        Object result;
        try {
            result = callForward(m, args);
        } catch (NoOverload e) {
            return "no Ember overload: " + e.getMessage();
        } catch (RuntimeException e) {
            String err = c.get("error");
            if (err == null) {
                return "PyTorch gives a result, Ember throws " + e;
            }
            String msg = err.substring(err.indexOf(' ') + 1);
            if (!msg.equals(firstLine(e.getMessage()))) {
                return "message: PyTorch \"" + msg + "\", Ember \"" + e.getMessage() + "\"";
            }
            Map<String, double[]> after = new java.util.LinkedHashMap<>();
            for (int i = 0; i < tensors.size(); i++) {
                after.put("input " + i, tensors.get(i).base.detach().toDoubleArray());
            }
            m.stateDict().forEach((k, v) -> after.put(k, v.detach().toDoubleArray()));
            for (String k : before.keySet()) {
                if (!Arrays.equals(before.get(k), after.get(k))) {
                    return k + " changed by a failing call";
                }
            }
            return null;
        }
        if (c.get("error") != null) {
            return "PyTorch throws \"" + c.get("error") + "\", Ember gives " + describe(result);
        }
        List<Tensor> outs = moduleOutputs(result);
        double tol = c.get("tol") == null ? 0 : Double.parseDouble(c.get("tol").trim());
        List<String> problems = new ArrayList<>();
        int expectedOuts = 0;
        while (c.get("out" + expectedOuts) != null) {
            expectedOuts++;
        }
        if (expectedOuts != outs.size()) {
            problems.add("outputs: PyTorch gives " + expectedOuts + ", Ember " + outs.size());
        }
        for (int k = 0; k < outs.size() && c.get("out" + k) != null; k++) {
            String p = compare("out" + k, expectedTensor(c.get("out" + k)), outs.get(k), tol);
            if (p != null) {
                problems.add(p);
            }
        }
        for (Map.Entry<String, String> e : c.lines().entrySet()) {
            // a buffer (running statistics) or a parameter (Embedding's max_norm renormalization) after the call
            boolean buffer = e.getKey().startsWith("bafter:");
            if (buffer || e.getKey().startsWith("pafter:")) {
                String name = e.getKey().substring(7);
                String p = compare(name + " after the call", expectedTensor(e.getValue()),
                        buffer ? m.getBuffer(name) : m.getParameter(name).detach(), tol);
                if (p != null) {
                    problems.add(p);
                }
            }
        }
        if (c.get("gradouts") != null && problems.isEmpty()) {
            Tensor loss = null;
            for (String k : c.get("gradouts").trim().split(" ")) {
                Tensor out = outs.get(Integer.parseInt(k));
                if (!out.requiresGrad()) {
                    problems.add("out" + k + " does not require grad");
                    continue;
                }
                Tensor term = out.mul(weights(out.shape(), out.dtype())).sum();
                loss = loss == null ? term : loss.add(term);
            }
            if (problems.isEmpty()) {
                loss.backward();
                for (Map.Entry<String, String> e : c.lines().entrySet()) {
                    String key = e.getKey();
                    Tensor got;
                    if (key.startsWith("pgrad:")) {
                        got = m.getParameter(key.substring(6)).grad();
                    } else if (key.matches("grad[0-9]+")) {
                        got = tensors.get(Integer.parseInt(key.substring(4))).base.grad();
                    } else {
                        continue;
                    }
                    if (e.getValue().equals("none")) {
                        if (got != null) {
                            problems.add(key + ": PyTorch none, Ember " + got);
                        }
                    } else if (got == null) {
                        problems.add(key + ": PyTorch " + e.getValue() + ", Ember none");
                    } else {
                        String p = compare(key, expectedTensor(e.getValue()), got, tol);
                        if (p != null) {
                            problems.add(p);
                        }
                    }
                }
            }
        }
        return problems.isEmpty() ? null : String.join("; ", problems);
    }

    /** A constructor or scalar argument: i, L, D, b, s, il, dl, dt or N. */
    private static Arg scalarArg(String a) {
        String tag = a.split(" ")[0];
        String rest = a.substring(Math.min(a.length(), tag.length() + 1));
        switch (tag) {
            case "i": return new Arg(int.class, Integer.parseInt(rest));
            case "L": return new Arg(long.class, Long.parseLong(rest));
            case "D": return new Arg(double.class, PyTorchCases.numbers(rest)[0]);
            case "b": return new Arg(boolean.class, Boolean.parseBoolean(rest));
            case "s": return new Arg(String.class, rest);
            case "il": return new Arg(int[].class, rest.isBlank() ? new int[0]
                    : Arrays.stream(rest.trim().split(" ")).mapToInt(Integer::parseInt).toArray());
            case "dl": return new Arg(double[].class, PyTorchCases.numbers(rest));
            case "dt": return new Arg(DType.class, dtype(rest));
            case "N": return new Arg(null, null);
            default: throw new IllegalStateException("tag " + tag);
        }
    }

    private static Module construct(Class<?> cls, List<Arg> args) {
        for (java.lang.reflect.Constructor<?> k : cls.getConstructors()) {
            Class<?>[] p = k.getParameterTypes();
            boolean ok = p.length == args.size();
            for (int i = 0; i < p.length && ok; i++) {
                ok = matches(args.get(i).type, p[i]) || (args.get(i).type == double.class && p[i] == Double.class);
            }
            if (ok) {
                try {
                    return (Module) k.newInstance(args.stream().map(Arg::value).toArray());
                } catch (InvocationTargetException e) {
                    throw e.getCause() instanceof RuntimeException ? (RuntimeException) e.getCause()
                            : new IllegalStateException(e.getCause());
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        throw new IllegalStateException("no constructor of " + cls.getSimpleName() + " for " + args.size() + " arguments");
    }

    private static Object callForward(Module m, List<Arg> args) {
        for (Method k : m.getClass().getMethods()) {
            if (!k.getName().equals("forward") || k.getParameterCount() != args.size()) {
                continue;
            }
            Class<?>[] p = k.getParameterTypes();
            boolean ok = true;
            for (int i = 0; i < p.length && ok; i++) {
                ok = matches(args.get(i).type, p[i]);
            }
            if (ok) {
                return call(k, m, args.stream().map(Arg::value).toArray());
            }
        }
        throw new NoOverload(m.getClass().getSimpleName() + ".forward with " + args.size()
                + " arguments");
    }

    /** A module's outputs in order: a record's components, a PackedSequence as its data, an LstmState as h and c. */
    private static List<Tensor> moduleOutputs(Object result) {
        List<Tensor> out = new ArrayList<>();
        if (result instanceof Tensor) {
            out.add((Tensor) result);
        } else if (result instanceof PackedSequence) {
            out.add(((PackedSequence) result).data());
        } else if (result instanceof Record) {
            for (java.lang.reflect.RecordComponent rc : result.getClass().getRecordComponents()) {
                try {
                    Object v = rc.getAccessor().invoke(result);
                    if (v != null) {
                        out.addAll(moduleOutputs(v));
                    }
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            }
        } else {
            throw new IllegalStateException("result " + result);
        }
        return out;
    }

    private static String describe(Object result) {
        List<Tensor> outs = outputs(result);
        StringBuilder sb = new StringBuilder();
        for (Tensor t : outs) {
            sb.append(t.dtype().name().toLowerCase()).append(' ').append(Arrays.toString(t.shape())).append(' ')
                    .append(Arrays.toString(t.toDoubleArray())).append(' ');
        }
        return sb.toString().trim();
    }

    private static List<Tensor> outputs(Object result) {
        if (result instanceof Tensor) {
            return List.of((Tensor) result);
        }
        if (result instanceof Tensor.ValuesIndices) {
            Tensor.ValuesIndices vi = (Tensor.ValuesIndices) result;
            return List.of(vi.values(), vi.indices());
        }
        if (result instanceof Tensor.MinMax) {
            Tensor.MinMax mm = (Tensor.MinMax) result;
            return List.of(mm.min(), mm.max());
        }
        if (result instanceof Record) {
            // VarMean, StdMean, FrexpResult, UniqueResult, ...: the components in order (those not asked for, null,
            // left out, as PyTorch leaves them out of its tuple)
            List<Tensor> out = new ArrayList<>();
            for (java.lang.reflect.RecordComponent rc : result.getClass().getRecordComponents()) {
                try {
                    Tensor t = (Tensor) rc.getAccessor().invoke(result);
                    if (t != null) {
                        out.add(t);
                    }
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            }
            return out;
        }
        if (result instanceof List) {
            List<Tensor> out = new ArrayList<>();
            for (Object o : (List<?>) result) {
                out.add((Tensor) o);
            }
            return out;
        }
        throw new IllegalStateException("result " + result);
    }

    // ---- an in-place write program (make_nn_cases.py's write_program) ----

    /**
     * {@code y = x * 2}; {@code s = saver(y)} unless the saver is "none"; the target is y ("pre"), s ("post") or x
     * ("leaf"); each write (groups separated by "|") is {@code target.<view steps>.<method>(args)}; the result is
     * {@code y + s} with a saver, else y.
     */
    private static Tensor write(List<Arg> args) {
        Tensor x = (Tensor) args.get(0).value;
        String target = (String) args.get(1).value;
        String saver = (String) args.get(2).value;
        Tensor y = x.mul(2.0);
        Tensor s = saver.equals("none") ? null : (Tensor) invoke(saver, List.of(new Arg(Tensor.class, y)));
        Tensor t = target.equals("pre") ? y : target.equals("post") ? s : x;
        List<List<Arg>> groups = new ArrayList<>();
        groups.add(new ArrayList<>());
        for (Arg a : args.subList(3, args.size())) {
            if ("|".equals(a.value)) {
                groups.add(new ArrayList<>());
            } else {
                groups.get(groups.size() - 1).add(a);
            }
        }
        for (List<Arg> g : groups) {
            String steps = (String) g.get(0).value;
            Tensor v = steps.equals("-") ? t : view(t, steps);
            List<Arg> call = new ArrayList<>();
            call.add(new Arg(Tensor.class, v));
            call.addAll(g.subList(2, g.size()));
            invoke((String) g.get(1).value, call);
        }
        return s == null ? y : y.add(s);
    }

    /**
     * The first line of a message: the cases keep PyTorch's first line ("unflatten got an unexpected error:" is followed
     * by its cause on the next).
     */
    private static String firstLine(String message) {
        return message == null ? null : message.split("\n", -1)[0];
    }

    private static Integer boxed(String w) {
        return w.equals("N") ? null : Integer.valueOf(w);
    }

    // ---- calling Ember by reflection ----

    /**
     * No Ember method fits a case's arguments (an UnsupportedOperationException an Ember method throws, PyTorch's
     * NotImplementedError, is compared as any other error).
     */
    private static final class NoOverload extends UnsupportedOperationException {
        private static final long serialVersionUID = 1L;

        NoOverload(String signature) {
            super(signature);
        }
    }

    private static Object invoke(String name, List<Arg> args) {
        if (name.startsWith("F.") || name.startsWith("Tensor.") || name.startsWith("S.")) {
            return invokeStatic(name.startsWith("F.") ? Functional.class : name.startsWith("S.") ? Special.class
                            : Tensor.class,
                    name.substring(name.indexOf('.') + 1), args);
        }
        for (boolean instance : new boolean[] {true, false}) {
            List<Arg> rest = instance ? args.subList(1, args.size()) : args;
            if (instance && args.get(0).type != Tensor.class) {
                continue;
            }
            for (Method m : Tensor.class.getMethods()) {
                if (!m.getName().equals(name) || Modifier.isStatic(m.getModifiers()) == instance
                        || m.getParameterCount() != rest.size()) {
                    continue;
                }
                Class<?>[] p = m.getParameterTypes();
                boolean ok = true;
                for (int i = 0; i < p.length && ok; i++) {
                    Class<?> t = rest.get(i).type;
                    ok = matches(t, p[i]);
                }
                if (!ok) {
                    continue;
                }
                return call(m, instance ? args.get(0).value : null, rest.stream().map(Arg::value).toArray());
            }
        }
        StringBuilder sig = new StringBuilder(name).append('(');
        for (Arg a : args) {
            sig.append(a.type == null ? "null" : a.type.getSimpleName()).append(',');
        }
        throw new NoOverload(sig.append(')').toString());
    }

    /** {@code m.invoke(target, values)}, rethrowing what the method threw. */
    private static Object call(Method m, Object target, Object[] values) {
        try {
            return m.invoke(target, values);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException) {
                throw (RuntimeException) e.getCause();
            }
            throw new IllegalStateException(e.getCause());
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean matches(Class<?> t, Class<?> p) {
        return t == null ? !p.isPrimitive() : p == t || (t == int.class && p == Integer.class)
                || (t == double.class && p == Double.class) || (t == long.class && p == Long.class)
                || (t == boolean.class && p == Boolean.class);
    }

    /** A static method of {@code owner} by name and argument types. */
    private static Object invokeStatic(Class<?> owner, String name, List<Arg> args) {
        for (Method m : owner.getMethods()) {
            if (!m.getName().equals(name) || !Modifier.isStatic(m.getModifiers()) || m.getParameterCount() != args.size()) {
                continue;
            }
            Class<?>[] p = m.getParameterTypes();
            boolean ok = true;
            for (int i = 0; i < p.length && ok; i++) {
                ok = matches(args.get(i).type, p[i]);
            }
            if (!ok) {
                continue;
            }
            return call(m, null, args.stream().map(Arg::value).toArray());
        }
        // a variable-arity method of Objects (einsum's sublist form) takes the arguments as they are
        for (Method m : owner.getMethods()) {
            if (m.getName().equals(name) && Modifier.isStatic(m.getModifiers()) && m.isVarArgs()
                    && m.getParameterCount() == 1 && m.getParameterTypes()[0] == Object[].class) {
                return call(m, null, new Object[] {args.stream().map(Arg::value).toArray()});
            }
        }
        StringBuilder sig = new StringBuilder(owner.getSimpleName()).append('.').append(name).append('(');
        for (Arg a : args) {
            sig.append(a.type == null ? "null" : a.type.getSimpleName()).append(',');
        }
        throw new NoOverload(sig.append(')').toString());
    }

    // ---- tensors ----

    private static DType dtype(String name) {
        switch (name) {
            case "bool": return DType.BOOL;
            case "uint8": return DType.UINT8;
            case "int8": return DType.INT8;
            case "int16": return DType.INT16;
            case "int32": return DType.INT32;
            case "int64": return DType.INT64;
            case "float16": return DType.FLOAT16;
            case "bfloat16": return DType.BFLOAT16;
            case "float32": return DType.FLOAT32;
            case "float64": return DType.FLOAT64;
            default: throw new IllegalStateException("dtype " + name);
        }
    }

    /** {@code dtype [shape] : values}, integers read exactly. */
    static Tensor expectedTensor(String line) {
        String dt = line.substring(0, line.indexOf(' '));
        DType dtype = dtype(dt);
        int close = line.indexOf(']');
        String shapeText = line.substring(line.indexOf('[') + 1, close);
        int[] shape = shapeText.isBlank() ? new int[0]
                : Arrays.stream(shapeText.split(",")).mapToInt(x -> Integer.parseInt(x.trim())).toArray();
        int colon = line.indexOf(':', close);
        String vals = colon < 0 ? "" : line.substring(colon + 1).replace("[", " ").replace("]", " ").replace(",", " ").trim();
        String[] parts = vals.isEmpty() ? new String[0] : vals.split("\\s+");
        if (dtype == DType.BOOL) {
            boolean[] b = new boolean[parts.length];
            for (int i = 0; i < b.length; i++) {
                b[i] = parts[i].equals("True");
            }
            return Tensor.tensor(b, DType.BOOL, Device.CPU).reshape(shape);
        }
        if (!dtype.isFloatingPoint()) {
            long[] l = new long[parts.length];
            for (int i = 0; i < l.length; i++) {
                l[i] = Long.parseLong(parts[i]);
            }
            return Tensor.tensor(l, DType.INT64, Device.CPU).reshape(shape).to(dtype);
        }
        return Tensor.tensor(PyTorchCases.numbers(vals), DType.FLOAT64, Device.CPU).reshape(shape).to(dtype);
    }

    private static TensorArg tensorArg(String text, boolean grad) {
        return tensorArg(text, grad, false);
    }

    /** As {@link #tensorArg(String, boolean)}; {@code anyFloat}: a base of any floating dtype requires grad. */
    private static TensorArg tensorArg(String text, boolean grad, boolean anyFloat) {
        int at = text.indexOf(" @ ");
        Tensor base = expectedTensor(at < 0 ? text : text.substring(0, at));
        if (grad && (base.dtype() == DType.FLOAT64 || (anyFloat && base.dtype().isFloatingPoint()))) {
            base.requiresGrad_(true);
        }
        return new TensorArg(base, at < 0 ? base : view(base, text.substring(at + 3)));
    }

    /** The view steps of a recipe ({@code "permute 1 0 ; slice 0 1 5 2"}) applied to {@code t}. */
    static Tensor view(Tensor t, String recipe) {
        {
            for (String step : recipe.split(" ; ")) {
                String[] w = step.trim().split(" ");
                int[] a = Arrays.stream(w).skip(1).mapToInt(Integer::parseInt).toArray();
                switch (w[0]) {
                    case "select": t = t.select(a[0], a[1]); break;
                    case "transpose": t = t.transpose(a[0], a[1]); break;
                    case "view": t = t.view(a); break;
                    case "permute": t = t.permute(a); break;
                    case "slice": t = t.slice(a[0], a[1], a[2], a[3]); break;
                    case "narrow": t = t.narrow(a[0], a[1], a[2]); break;
                    case "expand": t = t.expand(a); break;
                    case "diagonal": t = t.diagonal(a[0], a[1], a[2]); break;
                    case "unfold": t = t.unfold(a[0], a[1], a[2]); break;
                    case "unsqueeze": t = t.unsqueeze(a[0]); break;
                    default: throw new IllegalStateException("view step " + step);
                }
            }
        }
        return t;
    }

    /** The first backward's weights: {@code w[k] = 1 + 0.5 ((3k) mod 11)} over the output's elements. */
    static Tensor weights(int[] shape, DType dtype) {
        return pattern(shape, dtype, k -> 1 + 0.5 * ((3 * k) % 11));
    }

    /** A tensor of {@code shape} whose k-th element (row-major) is {@code value(k)}, in {@code dtype}. */
    private static Tensor pattern(int[] shape, DType dtype, java.util.function.IntToDoubleFunction value) {
        long n = 1;
        for (int s : shape) {
            n *= s;
        }
        double[] w = new double[(int) n];
        for (int k = 0; k < w.length; k++) {
            w[k] = value.applyAsDouble(k);
        }
        return Tensor.tensor(w, DType.FLOAT64, Device.CPU).reshape(shape).to(dtype);
    }

    private static double tolerance(DType dtype) {
        switch (dtype) {
            case FLOAT64: return 1e-10;
            case FLOAT32: return 1e-5;
            case FLOAT16: return 1e-3;
            case BFLOAT16: return 8e-3;
            default: return 0;
        }
    }

    /** Null where {@code got} has PyTorch's dtype, shape and values, else what differs. */
    private static String compare(String what, Tensor expected, Tensor got) {
        return compare(what, expected, got, 0);
    }

    /**
     * The first half of a fuzz round's comparison (this runner's and {@link FuzzR31Interpreter}'s): what differs when
     * {@code got}'s dtype or shape is not the expected one, or when a non-floating {@code got} (integers, bool) holds
     * other values (compared exactly), or a complex {@code got} other numbers (each part within its real type's
     * tolerance, relative to the part's magnitude where above 1, NaN where NaN, infinities equal); null otherwise, where
     * a floating {@code got} still has its values to compare. (Before session 61 a complex result went through the
     * integer comparison: its real parts truncated were all that was compared.)
     */
    static String compareTypeShapeAndIntegers(String what, Tensor expected, Tensor got) {
        if (expected.dtype() != got.dtype() || !Arrays.equals(expected.shape(), got.shape())) {
            return what + ": PyTorch " + expected.dtype() + Arrays.toString(expected.shape()) + ", Ember " + got.dtype()
                    + Arrays.toString(got.shape());
        }
        if (got.dtype().isComplex()) {
            Complex[] e = expected.toComplexArray();
            Complex[] g = got.detach().toComplexArray();
            double tol = got.dtype() == DType.COMPLEX128 ? 1e-10 : 1e-5;
            for (int i = 0; i < e.length; i++) {
                if (!closePart(e[i].real(), g[i].real(), tol) || !closePart(e[i].imag(), g[i].imag(), tol)) {
                    return what + "[" + i + "]: PyTorch " + e[i] + ", Ember " + g[i] + " (complex, tolerance " + tol
                            + ")";
                }
            }
            return null;
        }
        if (!got.dtype().isFloatingPoint()) {
            long[] e = expected.toLongArray();
            long[] g = got.detach().toLongArray();
            return Arrays.equals(e, g) ? null
                    : what + ": PyTorch " + Arrays.toString(e) + ", Ember " + Arrays.toString(g);
        }
        return null;
    }

    private static boolean closePart(double e, double g, double tol) {
        return Double.isNaN(e) ? Double.isNaN(g) : Double.isInfinite(e) ? e == g
                : !Double.isNaN(g) && !Double.isInfinite(g) && Math.abs(e - g) <= tol * Math.max(1, Math.abs(e));
    }

    /**
     * As {@link #compare(String, Tensor, Tensor)} with a floating tolerance of at least {@code minTol}; a negative
     * {@code minTol}: equal values (NaN where NaN, -0.0 and 0.0 told apart).
     */
    private static String compare(String what, Tensor expected, Tensor got, double minTol) {
        String head = compareTypeShapeAndIntegers(what, expected, got);
        if (head != null || !got.dtype().isFloatingPoint()) {
            return head;
        }
        double[] e = expected.toDoubleArray();
        double[] g = got.detach().toDoubleArray();
        double tol = Math.max(minTol, tolerance(got.dtype()));
        for (int i = 0; i < e.length; i++) {
            boolean ok = minTol < 0 ? Double.compare(e[i], g[i]) == 0 || (Double.isNaN(e[i]) && Double.isNaN(g[i]))
                    : Double.isNaN(e[i]) ? Double.isNaN(g[i])
                    : Double.isInfinite(e[i]) ? e[i] == g[i]
                    : !Double.isNaN(g[i]) && !Double.isInfinite(g[i])
                    && Math.abs(e[i] - g[i]) <= tol * Math.max(1, Math.abs(e[i]));
            if (!ok) {
                return what + "[" + i + "]: PyTorch " + Arrays.toString(e) + ", Ember " + Arrays.toString(g);
            }
        }
        return null;
    }
}
