package dev.ember.data;

import dev.ember.Tensor;

import java.util.Arrays;

/** Argument checks shared by the data package: a missing argument is an error naming it, never a NullPointerException. */
final class DataChecks {
    private DataChecks() {
    }

    /** {@code value}, or {@code where(): argument 'name' must not be null}. */
    static <T> T require(T value, String where, String name) {
        if (value == null) {
            throw new IllegalArgumentException(where + "(): argument '" + name + "' must not be null");
        }
        return value;
    }

    /** PyTorch's message for a batch or sample count that is not positive. */
    static int positive(int value, String name) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " should be a positive integer value, but got " + name + "=" + value);
        }
        return value;
    }

    /** A tensor's shape as Python prints a tuple ({@code (2, 3)}, {@code (4,)}, {@code ()}). */
    static String tuple(Tensor t) {
        int[] s = t.shape();
        if (s.length == 1) {
            return "(" + s[0] + ",)";
        }
        String a = Arrays.toString(s);
        return "(" + a.substring(1, a.length() - 1) + ")";
    }
}
