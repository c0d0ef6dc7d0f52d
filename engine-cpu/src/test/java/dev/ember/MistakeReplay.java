package dev.ember;

import dev.ember.nn.Module;
import dev.ember.optim.Optimizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The harness of the outsider rounds of broken programs ({@link OutsiderPrograms23Test}, {@link OutsiderPrograms23bTest}):
 * a {@link OutsiderReplay.Replay} that also holds a statement to PyTorch's recorded exception (its kind mapped to
 * Java's, its message word for word) and warning, and a snapshot of everything a refused statement must leave alone.
 */
final class MistakeReplay {
    private MistakeReplay() {
    }

    /** {@link OutsiderReplay.Replay} over a round's records, and the program's expected exceptions and warnings. */
    static class Replay extends OutsiderReplay.Replay {
        final String program;
        private final Map<String, String> messages;

        Replay(Map<String, Map<String, String[]>> expected, Map<String, String> messages, String program, long seed) {
            super(expected, program, seed);
            this.program = program;
            this.messages = messages;
        }

        /**
         * Runs the statement, which must throw PyTorch's exception {@code label} ({@code messages.txt}) as
         * {@code kind}, with the same message: RuntimeError as {@link IllegalArgumentException} (or
         * {@link IllegalStateException} for autograd misuse), ValueError, TypeError and an argument check's
         * AssertionError as {@link IllegalArgumentException}, IndexError as {@link IndexOutOfBoundsException}.
         */
        void fails(String label, Class<? extends RuntimeException> kind, Runnable statement) {
            String want = messages.get(program + "." + label);
            assertTrue(want != null, "PyTorch recorded no exception " + program + "." + label);
            int colon = want.indexOf(": ");
            String pyKind = want.substring(0, colon);
            String text = unescape(want.substring(colon + 2));
            Class<?> mapped = switch (pyKind) {
                case "IndexError" -> IndexOutOfBoundsException.class;
                case "ValueError", "AssertionError", "TypeError" -> IllegalArgumentException.class;
                case "RuntimeError" -> kind == IllegalStateException.class ? IllegalStateException.class
                        : IllegalArgumentException.class;
                default -> null;
            };
            assertSame(mapped, kind, program + "." + label + ": PyTorch's " + pyKind);
            try {
                statement.run();
            } catch (RuntimeException e) {
                assertSame(kind, e.getClass(), program + "." + label + ": " + e);
                assertEquals(text, e.getMessage(), program + "." + label);
                return;
            }
            fail(program + "." + label + ": no exception, PyTorch's " + pyKind + ": " + text);
        }

        /** PyTorch's warning {@code label}. */
        String warning(String label) {
            String want = messages.get(program + "." + label);
            assertTrue(want != null && want.startsWith("Warning: "), "PyTorch recorded no warning " + label);
            return unescape(want.substring("Warning: ".length()));
        }

        /** Each parameter's gradient: its summary, or -1 where it is None. */
        void grads(Module m, String prefix) {
            for (Map.Entry<String, Tensor> e : m.namedParameters().entrySet()) {
                Tensor g = e.getValue().grad();
                if (g == null) {
                    rec(prefix + e.getKey(), -1.0);
                } else {
                    summary(prefix + e.getKey(), g);
                }
            }
        }
    }

    /**
     * Forgets the regression losses' broadcast warnings logged so far ("Using a target size ..."): Ember warns once for
     * each text (each pair of sizes), as Python's default filter shows the warning once for its text at its place in
     * the code, so a program that holds the warning to PyTorch's clears them first to make its call the first.
     */
    static void rearmRegressionBroadcastWarning() {
        try {
            java.lang.reflect.Field once = dev.ember.nn.Functional.class.getDeclaredField("WARNED_REGRESSION_BROADCAST");
            once.setAccessible(true);
            ((java.util.Set<?>) once.get(null)).clear();
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    /** The generators' escapes ({@code \\}, {@code \n}, {@code \t}) undone. */
    static String unescape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                b.append(n == 'n' ? '\n' : n == 't' ? '\t' : n);
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /**
     * Everything a failed statement must leave alone: each tracked module's state_dict entries, its parameters'
     * gradients and version counters, each tracked optimizer's state_dict (its tensors' exact bits) and group count,
     * each tracked tensor's values, version, requires_grad and gradient, as text of the exact bits.
     */
    static final class Untouched {
        private final List<Object> tracked;
        private final Map<String, String> before;

        Untouched(Object... tracked) {
            this.tracked = List.of(tracked);
            this.before = snapshot();
        }

        private Map<String, String> snapshot() {
            Map<String, String> s = new LinkedHashMap<>();
            for (int i = 0; i < tracked.size(); i++) {
                Object o = tracked.get(i);
                if (o instanceof Module m) {
                    for (Map.Entry<String, Tensor> e : m.stateDict().entrySet()) {
                        s.put(i + ".state." + e.getKey(), bits(e.getValue()));
                    }
                    for (Map.Entry<String, Tensor> e : m.namedParameters().entrySet()) {
                        Tensor g = e.getValue().grad();
                        s.put(i + ".grad." + e.getKey(), g == null ? "None" : bits(g));
                        s.put(i + ".version." + e.getKey(), String.valueOf(e.getValue().version()));
                    }
                } else if (o instanceof Optimizer opt) {
                    s.put(i + ".optimizer", describe(opt.stateDict()));
                    s.put(i + ".groups", String.valueOf(opt.paramGroups().size()));
                } else if (o instanceof Tensor t) {
                    s.put(i + ".tensor", bits(t) + " v" + t.version() + " rg" + t.requiresGrad() + " grad "
                            + (t.grad() == null ? "None" : bits(t.grad())));
                }
            }
            return s;
        }

        private static String describe(Object o) {
            if (o instanceof Tensor t) {
                return bits(t);
            }
            if (o instanceof Map<?, ?> m) {
                StringBuilder b = new StringBuilder("{");
                m.forEach((k, v) -> b.append(k).append('=').append(describe(v)).append(", "));
                return b.append('}').toString();
            }
            if (o instanceof List<?> l) {
                List<String> parts = new ArrayList<>();
                l.forEach(v -> parts.add(describe(v)));
                return parts.toString();
            }
            return String.valueOf(o);
        }

        private static String bits(Tensor t) {
            Tensor d = t.detach();
            StringBuilder b = new StringBuilder(d.dtype() + java.util.Arrays.toString(d.shape()));
            for (double v : d.to(DType.FLOAT64).contiguous().toDoubleArray()) {
                b.append(' ').append(Double.doubleToRawLongBits(v));
            }
            return b.toString();
        }

        /** Fails naming {@code what} if the tracked objects' state differs from the snapshot taken at construction. */
        void check(String what) {
            assertEquals(before, snapshot(), what + ": the failed statement changed state");
        }
    }
}
