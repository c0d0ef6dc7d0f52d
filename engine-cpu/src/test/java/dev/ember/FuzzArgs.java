package dev.ember;

import java.util.Arrays;
import java.util.function.Function;

/**
 * The typed arguments of one statement of a fuzz program ({@code i:} int, {@code d:} double, {@code b:} boolean,
 * {@code il:} int list, a bare name for a variable), shared by the interpreters ({@link FuzzProgramInterpreter},
 * {@link FuzzR14Interpreter}), which add their own kinds.
 */
class FuzzArgs {
    final String[] a;
    private final Function<String, Tensor> vars;

    FuzzArgs(String[] a, Function<String, Tensor> vars) {
        this.a = a;
        this.vars = vars;
    }

    Tensor t(int k) {
        return vars.apply(a[k]);
    }

    int i(int k) {
        return Integer.parseInt(tail(k, "i:"));
    }

    double d(int k) {
        return Double.parseDouble(tail(k, "d:"));
    }

    boolean b(int k) {
        return tail(k, "b:").equals("1");
    }

    int[] il(int k) {
        String s = tail(k, "il:");
        return s.isEmpty() ? new int[0] : Arrays.stream(s.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    String tail(int k, String prefix) {
        if (!a[k].startsWith(prefix)) {
            throw new IllegalStateException("argument " + k + " is " + a[k] + ", not " + prefix);
        }
        return a[k].substring(prefix.length());
    }
}
