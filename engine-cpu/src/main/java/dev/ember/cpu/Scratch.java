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
    /**
     * A convolution's weights as {@link DirectConv} reads them (packed), on the calling thread, which its workers only
     * read while the call lasts.
     */
    static final int CONV_PACKED = 8;
    /** A convolution's weights flipped for its input gradient ({@code ConvKernels.flipTransposed}), as CONV_PACKED. */
    static final int CONV_FLIPPED = 9;

    /** {@link FftKernels}' two transform buffers and its one-sided spectrum (double slots, apart from the floats). */
    static final int FFT_A = 0;
    static final int FFT_B = 1;
    static final int FFT_SPECTRUM = 2;
    /** The longest double buffer kept per thread (2 MiB); a longer one is allocated for the call and dropped. */
    static final int MAX_KEPT_DOUBLES = 1 << 18;

    private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(() -> new float[10][]);
    private static final ThreadLocal<double[][]> DOUBLES = ThreadLocal.withInitial(() -> new double[3][]);

    private Scratch() {
    }

    /** This thread's buffer in {@code slot}, at least {@code size} floats long; its contents are undefined. */
    static float[] floats(int slot, int size) {
        float[][] bufs = BUFFERS.get();
        float[] b = bufs[slot];
        if (b == null || b.length < size) {
            bufs[slot] = null;
            b = (float[]) allocate(size, false);
            bufs[slot] = b;
        }
        return b;
    }

    /**
     * This thread's double buffer in {@code slot} ({@link #FFT_A}...), at least {@code size} long, kept for the next
     * call up to {@link #MAX_KEPT_DOUBLES}; its contents are undefined.
     */
    static double[] doubles(int slot, int size) {
        if (size > MAX_KEPT_DOUBLES) {
            return (double[]) allocate(size, true);
        }
        double[][] bufs = DOUBLES.get();
        double[] b = bufs[slot];
        if (b == null || b.length < size) {
            bufs[slot] = null;
            b = (double[]) allocate(size, true);
            bufs[slot] = b;
        }
        return b;
    }

    /** A new float or double array; on running out of heap, the kept buffers and pooled arrays go first, once. */
    private static Object allocate(int size, boolean doubles) {
        try {
            return doubles ? new double[size] : new float[size];
        } catch (OutOfMemoryError e) {
            java.util.Arrays.fill(BUFFERS.get(), null);
            java.util.Arrays.fill(DOUBLES.get(), null);
            ArrayPool.INSTANCE.clear();
            try {
                return doubles ? new double[size] : new float[size];
            } catch (OutOfMemoryError again) {
                throw new CpuOutOfMemoryError("DefaultCPUAllocator: not enough memory: a kernel's temporary of "
                        + (doubles ? 8L : 4L) * size + " bytes does not fit the Java heap of "
                        + Runtime.getRuntime().maxMemory() + " bytes (raise it with -Xmx)");
            }
        }
    }
}
