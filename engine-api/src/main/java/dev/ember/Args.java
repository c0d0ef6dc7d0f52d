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

    /**
     * The tensors of a list argument, or PyTorch's error for a missing list ({@code cat(): argument 'tensors' (position
     * 1) must be tuple of Tensors, not null}) or a missing element ({@code expected Tensor as element 1 in argument 0,
     * but got null}).
     */
    static Tensor[] tensors(java.util.List<Tensor> tensors, String op, String name, int position) {
        require(tensors, op, name, position, "tuple of Tensors");
        Tensor[] ts = tensors.toArray(new Tensor[0]);
        for (int i = 0; i < ts.length; i++) {
            if (ts[i] == null) {
                throw new IllegalArgumentException("expected Tensor as element " + i + " in argument " + (position - 1)
                        + ", but got null");
            }
        }
        return ts;
    }
}
