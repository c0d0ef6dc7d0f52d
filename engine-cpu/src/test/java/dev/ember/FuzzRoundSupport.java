package dev.ember;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * What a differential fuzz round's test does beside replaying its cases (written for round 35, used by rounds 33 and 34
 * too; the earlier rounds carry their own copies): a local hunt's case file in place of the committed one, a call's
 * arguments, the check of a refused call and of the gradients, and the check that the round's interpreter notices a
 * changed expected line.
 */
final class FuzzRoundSupport {
    private FuzzRoundSupport() {
    }

    /**
     * The resource to replay: {@code /<dir>/cases.txt}, or, where {@code huntFile} (a path on disk) is given, that file
     * copied to {@code /<dir>/hunt.txt} in the test classes.
     */
    static String casesOrHunt(String dir, String huntFile) throws IOException {
        if (huntFile == null) {
            return "/" + dir + "/cases.txt";
        }
        Files.copy(Path.of(huntFile), Path.of("target/test-classes/" + dir + "/hunt.txt"),
                StandardCopyOption.REPLACE_EXISTING);
        return "/" + dir + "/hunt.txt";
    }

    /**
     * The blocks of {@code overlay} (a case file of the cases whose PyTorch answer depends on the CPU capability, as
     * PyTorch's AVX512 build gives them) by id where Ember's {@link dev.ember.backend.CpuCapability} is AVX512, to
     * replay in place of the committed file's blocks (made under the AVX2 capability); none elsewhere. Round 44's
     * float arange runs in passes of two vectors whose lanes depend on the vector width (session 64).
     */
    static Map<String, List<String>> avx512Overlay(String overlay) {
        Map<String, List<String>> out = new HashMap<>();
        if (dev.ember.backend.CpuCapability.value().equals("AVX512")) {
            for (DifferentialFuzzR6Test.Case c : DifferentialFuzzR6Test.read(overlay)) {
                out.put(c.id(), c.lines());
            }
        }
        return out;
    }

    /**
     * The call's tensor arguments from their lines ({@code name -> tensor line}), those named in {@code rg} requiring
     * grad.
     */
    static Map<String, Tensor> arguments(Map<String, String> argLines, List<String> rg) {
        Map<String, Tensor> a = new HashMap<>();
        for (Map.Entry<String, String> e : argLines.entrySet()) {
            Tensor t = DifferentialFuzzR17Test.tensor(e.getValue());
            if (rg.contains(e.getKey())) {
                t.requiresGrad_(true);
            }
            a.put(e.getKey(), t);
        }
        return a;
    }

    /**
     * Null where the gradient of each argument named in {@code gx} is PyTorch's (the tensor line, or {@code none}: no
     * gradient), compared within {@link FuzzR31Interpreter#compare}'s tolerance times {@code factor}; else what differs.
     */
    static String gradients(Map<String, String> gx, Map<String, Tensor> a, double factor) {
        for (Map.Entry<String, String> e : gx.entrySet()) {
            Tensor grad = a.get(e.getKey()).grad();
            if (e.getValue().equals("none")) {
                if (grad != null) {
                    return "gradient of " + e.getKey() + ": PyTorch none, Ember " + Arrays.toString(grad.shape());
                }
                continue;
            }
            String r = FuzzR31Interpreter.compare("gradient of " + e.getKey(),
                    DifferentialFuzzR17Test.tensor(e.getValue()), grad, false, factor);
            if (r != null) {
                return r;
            }
        }
        return null;
    }

    /**
     * Null where a call that threw {@code e} was to be refused with {@code err} (PyTorch's first message line) and left
     * every argument ({@code a}, written as {@code argLines}) as it was, bit for bit; else what differs.
     */
    static String refused(String err, RuntimeException e, Map<String, String> argLines, Map<String, Tensor> a) {
        if (err == null) {
            return "PyTorch gives a result, Ember throws " + e;
        }
        String msg = e.getMessage() == null ? null : e.getMessage().split("\n", -1)[0];
        if (!err.equals(msg)) {
            return "message: PyTorch \"" + err + "\", Ember \"" + e.getMessage() + "\" (" + e.getClass().getSimpleName()
                    + ")";
        }
        for (Map.Entry<String, String> en : argLines.entrySet()) {
            String r = FuzzR31Interpreter.compare("the argument " + en.getKey() + " after a refused call",
                    DifferentialFuzzR17Test.tensor(en.getValue()), a.get(en.getKey()).detach(), true);
            if (r != null) {
                return r;
            }
        }
        return null;
    }

    /**
     * The backward of {@code sum(result * g)} ({@code g} a tensor line) against PyTorch's: {@code gerr} is PyTorch's
     * refusal of it (first message line), or null where it ran. Null where the backward ran and was to run (the
     * gradients are then the caller's to compare); {@code ""} where it was refused as PyTorch refuses it; else what
     * differs.
     */
    static String backward(Tensor result, String g, String gerr) {
        try {
            result.mul(DifferentialFuzzR17Test.tensor(g)).sum().backward();
        } catch (RuntimeException e) {
            String msg = e.getMessage() == null ? null : e.getMessage().split("\n", -1)[0];
            if (gerr == null || !gerr.equals(msg)) {
                return "backward: PyTorch " + (gerr == null ? "runs" : "\"" + gerr + "\"") + ", Ember " + e;
            }
            return "";
        }
        return gerr == null ? null : "backward: PyTorch refuses \"" + gerr + "\", Ember runs";
    }

    /**
     * For each line prefix of {@code prefixes}, the first case that passes (not an expected failure) and has such a
     * line with a value, that line changed by {@code change}: the kinds of change {@code run} reports (non-null), the
     * count the caller compares with the number of prefixes; the first change that passes is thrown as an
     * AssertionError.
     */
    static int changesSeen(List<DifferentialFuzzR6Test.Case> cases, Map<String, String> expectedFailures,
                           Function<List<String>, String> run, String[] prefixes, UnaryOperator<String> change) {
        return changesSeen(cases, expectedFailures, run, prefixes, (prefix, c) -> true, change);
    }

    /**
     * {@link #changesSeen(List, Map, Function, String[], UnaryOperator)} over only the cases {@code eligible} takes for
     * a prefix (a round whose line of some kind is worth changing only in some cases).
     */
    static int changesSeen(List<DifferentialFuzzR6Test.Case> cases, Map<String, String> expectedFailures,
                           Function<List<String>, String> run, String[] prefixes,
                           BiPredicate<String, DifferentialFuzzR6Test.Case> eligible, UnaryOperator<String> change) {
        int seen = 0;
        for (String prefix : prefixes) {
            for (DifferentialFuzzR6Test.Case c : cases) {
                if (expectedFailures.containsKey(c.id()) || !eligible.test(prefix, c) || run.apply(c.lines()) != null) {
                    continue;
                }
                int at = -1;
                for (int i = 0; i < c.lines().size(); i++) {
                    String l = c.lines().get(i);
                    if (l.startsWith(prefix) && !l.endsWith(": ") && !l.endsWith(" nan") && !l.endsWith("inf")) {
                        at = i;
                    }
                }
                if (at >= 0) {
                    List<String> changed = new ArrayList<>(c.lines());
                    changed.set(at, change.apply(changed.get(at)));
                    if (run.apply(changed) == null) {
                        throw new AssertionError("case " + c.id() + ": a changed line \"" + changed.get(at)
                                + "\" passes");
                    }
                    seen++;
                    break;
                }
            }
        }
        return seen;
    }

    /** A call's {@code k=v} words (from the second word of {@code w} on) as a map. */
    static Map<String, String> keywords(String[] w) {
        Map<String, String> kw = new HashMap<>();
        for (int k = 1; k < w.length; k++) {
            int eq = w[k].indexOf('=');
            kw.put(w[k].substring(0, eq), w[k].substring(eq + 1));
        }
        return kw;
    }

    /** What a call gave where PyTorch refused: a tensor's (or ValuesIndices' values') dtype and shape, else the value. */
    static String describeResult(Object got) {
        if (got instanceof Tensor t) {
            return t.dtype() + Arrays.toString(t.shape());
        }
        if (got instanceof Tensor.ValuesIndices vi) {
            return "values " + vi.values().dtype() + Arrays.toString(vi.values().shape());
        }
        return String.valueOf(got);
    }

    /** The Tensor method {@code name} taking {@code types}, called on {@code self}; its own exceptions rethrown. */
    static Object invokeTensorMethod(String name, Tensor self, Class<?>[] types, Object[] args) {
        try {
            return Tensor.class.getMethod(name, types).invoke(self, args);
        } catch (java.lang.reflect.InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
