package dev.ember;

/**
 * The process-wide TF32 switches behind {@link Ember#setFloat32MatmulPrecision(String)} and
 * {@link Ember#setAllowTf32Convolution(boolean)} (PyTorch's {@code torch.set_float32_matmul_precision} and
 * {@code torch.backends.cudnn.allow_tf32}). Global to all threads, as PyTorch's; volatile fields, so a change is seen by
 * every thread's next op.
 */
final class Precision {
    private static final System.Logger LOG = System.getLogger("dev.ember");
    private static volatile String matmul = "highest";
    private static volatile boolean tf32Convolution = true;

    private Precision() {
    }

    static String matmul() {
        return matmul;
    }

    /**
     * PyTorch's {@code Context::setFloat32MatmulPrecision}: "highest", "high" or "medium" (exactly, lower case) are
     * stored; any other string leaves the setting as it was, with PyTorch's warning (PyTorch 1.13 and 2.x warn and do
     * not raise; its attempt to retry in lower case copies into an empty string, so "HIGH" has no effect there either).
     */
    static void setMatmul(String precision) {
        if (precision.equals("highest") || precision.equals("high") || precision.equals("medium")) {
            matmul = precision;
            return;
        }
        LOG.log(System.Logger.Level.WARNING, "Warning: " + precision + " is not one of 'highest', 'high', or 'medium'; "
                + "the current setFloat32MatmulPrecision call has no effect.");
    }

    static boolean tf32Convolution() {
        return tf32Convolution;
    }

    static void setTf32Convolution(boolean allow) {
        tf32Convolution = allow;
    }
}
