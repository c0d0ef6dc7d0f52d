package dev.ember;

/**
 * Checks shared by the public entry points: a missing argument is PyTorch's argument error (an
 * {@link IllegalArgumentException} naming the op, the argument and its position), never a {@link NullPointerException}
 * from deep inside an op.
 */
final class Args {
    private Args() {
    }

    /**
     * {@code value}, or PyTorch's error for a missing argument, as in {@code add(): argument 'other' (position 1) must
     * be Tensor, not null}.
     */
    static <T> T require(T value, String op, String name, int position, String type) {
        if (value == null) {
            throw new IllegalArgumentException(op + "(): argument '" + name + "' (position " + position + ") must be " + type
                    + ", not null");
        }
        return value;
    }
}
