package dev.ember.cpu;

/**
 * Per-thread float buffers for kernels' temporaries (GEMM packing, convolution columns), grown on demand and
 * kept: a training step that allocated them afresh each time spent more time zeroing and faulting in new memory
 * than using it. A slot belongs to one purpose, so a kernel that calls another never shares a buffer with it.
 */
final class Scratch {
    static final int GEMM_B = 0;
    static final int GEMM_A = 1;
    static final int GEMM_TILE = 2;
    static final int CONV_COLUMNS = 3;
    /** A convolution's output-shaped rows of several samples side by side. */
    static final int CONV_ROWS = 4;
    /** {@link DirectConv}'s zero-padded image or output gradient. */
    static final int DIRECT_INPUT = 5;
    /** {@link DirectConv}'s transposed output rows or its input gradient's padded grid. */
    static final int DIRECT_ROWS = 6;

    /** A GEMM's partial product over part of the depth, summed into C afterwards. */
    static final int GEMM_PARTIAL = 7;

    private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(() -> new float[8][]);

    private Scratch() {
    }

    /** This thread's buffer in {@code slot}, at least {@code size} floats long; its contents are undefined. */
    static float[] floats(int slot, int size) {
        float[][] bufs = BUFFERS.get();
        float[] b = bufs[slot];
        if (b == null || b.length < size) {
            bufs[slot] = null;
            try {
                b = new float[size];
            } catch (OutOfMemoryError e) {
                // the kept buffers and pooled arrays are the first memory to give back
                java.util.Arrays.fill(bufs, null);
                ArrayPool.INSTANCE.clear();
                try {
                    b = new float[size];
                } catch (OutOfMemoryError again) {
                    throw new CpuOutOfMemoryError("DefaultCPUAllocator: not enough memory: a kernel's temporary of "
                            + 4L * size + " bytes does not fit the Java heap of " + Runtime.getRuntime().maxMemory()
                            + " bytes (raise it with -Xmx)");
                }
            }
            bufs[slot] = b;
        }
        return b;
    }
}
