package dev.ember.cpu;

/**
 * The innermost GEMM tile: {@code C[h x w] += Apanel * Bpanel} over {@code kc} steps, where the A panel
 * holds MR rows per step and the B panel NR columns per step. A plain-Java implementation always works;
 * a Vector API one is used when {@code jdk.incubator.vector} is present (Lucene's probe-and-fall-back
 * pattern). Which one runs is logged once.
 */
abstract class MicroKernels {
    private static final System.Logger LOG = System.getLogger("dev.ember.cpu");
    private static volatile MicroKernels instance;

    abstract int mr();

    abstract int nr();

    abstract String name();

    /**
     * The tile shapes this kernel comes in, best first where the GEMM's cost model ties: the GEMM runs each product
     * with the shape that wastes least of its tiles. One shape unless a subclass has several.
     */
    MicroKernels[] shapes() {
        return new MicroKernels[] {this};
    }

    /**
     * What {@code fmas} multiply-adds of this tile cost in the GEMM's cost model, in units of the widest tile's: more
     * where the tile loads more per multiply-add.
     */
    long tileCost(long fmas) {
        return fmas;
    }

    /**
     * Whether the GEMM takes this shape only for products of {@link Gemm#PARALLEL_WORK} multiply-adds or more: a tile
     * shape added for speed, kept off the small products (a convolution's per-sample GEMM on a 4 x 4 image), whose
     * speed it does not change and whose rounding (which tiles are whole, so add to C in their chain) it would.
     */
    boolean largeProductsOnly() {
        return false;
    }

    /**
     * {@code C[h x w] = (add ? C : 0) + A B} over {@code kc} steps, where A is MR rows read at
     * {@code a[aOff + r * ars + p * acs]} (a packed panel has {@code ars = 1, acs = MR}) and B is NR columns read at
     * {@code b[bOff + p * brs + j]} (packed: {@code brs = NR}). Both are always read whole (MR x NR, zero-padded by
     * the caller at the edges of C); {@code scratch} holds at least MR x NR floats for tiles that are cut by the
     * edge of C or stored with a column stride.
     */
    abstract void sgemmTile(int kc, float[] a, int aOff, int ars, int acs, float[] b, int bOff, int brs, float[] c, int cOff,
                            int crs, int ccs, int h, int w, boolean add, float[] scratch);

    /**
     * The transposing pack of a B stored by columns: {@code w} columns, column {@code j} at
     * {@code b[src + j * bcs + p]} for depth {@code p < kc}, into a panel {@code nr} floats wide,
     * {@code bp[base + p * nr + j]} (columns {@code w} to {@code nr} are the caller's). This one walks each column and
     * stores one float a panel row apart; the Vector API kernel transposes vector-length squares in registers.
     */
    void packColumns(float[] b, int src, int bcs, int kc, int w, float[] bp, int base, int nr) {
        for (int j = 0; j < w; j++) {
            int col = src + j * bcs;
            int dst = base + j;
            for (int p = 0; p < kc; p++) {
                bp[dst + p * nr] = b[col + p];
            }
        }
    }

    /**
     * The pack of a full MR-high row panel of an A stored by rows (contiguous along the depth): {@code mr} rows, row
     * {@code r} at {@code a[src + r * ars + p]} for depth {@code p < kc}, into {@code ap[base + p * mr + r]}. The same
     * copy as {@link #packColumns} with the panel {@code mr} wide; this one walks each row and stores one float a panel
     * row apart, the Vector API kernel transposes squares in registers where it can.
     */
    void packRows(float[] a, int src, int ars, int kc, int mr, float[] ap, int base) {
        for (int r = 0; r < mr; r++) {
            int row = src + r * ars;
            int dst = base + r;
            for (int p = 0; p < kc; p++) {
                ap[dst + p * mr] = a[row + p];
            }
        }
    }

    /**
     * The pack of an A stored by columns (a transposed operand, contiguous along its rows): rows {@code [from, mc)} of
     * the block whose depth step {@code p < kc} starts at {@code a[src + p * acs]}, dealt out to the MR-high panels,
     * {@code ap[ip * kc + p * mr + r]} for the row {@code ip + r}; the rows of a last panel past {@code mc} are the
     * caller's (zero). Each column is read once, front to back. This one copies a float at a time.
     */
    void packColumnMajor(float[] a, int src, int acs, int kc, int mc, int from, int mr, float[] ap) {
        for (int p = 0; p < kc; p++) {
            int col = src + p * acs;
            for (int ip = from; ip < mc; ip += mr) {
                int h = Math.min(mr, mc - ip);
                int dst = ip * kc + p * mr;
                for (int r = 0; r < h; r++) {
                    ap[dst + r] = a[col + ip + r];
                }
            }
        }
    }

    /** Stores the {@code h x w} corner of a row-major tile (row length {@code ld}) into C, adding when asked. */
    static void store(float[] tile, int ld, float[] c, int cOff, int crs, int ccs, int h, int w, boolean add) {
        if (crs == 1) {
            // C transposed in memory: walk its contiguous columns
            for (int j = 0; j < w; j++) {
                int dst = cOff + j * ccs;
                if (add) {
                    for (int r = 0; r < h; r++) {
                        c[dst + r] += tile[r * ld + j];
                    }
                } else {
                    for (int r = 0; r < h; r++) {
                        c[dst + r] = tile[r * ld + j];
                    }
                }
            }
            return;
        }
        for (int r = 0; r < h; r++) {
            int dst = cOff + r * crs;
            int src = r * ld;
            if (add) {
                for (int j = 0; j < w; j++) {
                    c[dst + j * ccs] += tile[src + j];
                }
            } else {
                for (int j = 0; j < w; j++) {
                    c[dst + j * ccs] = tile[src + j];
                }
            }
        }
    }

    static int roundUp(int x, int m) {
        return (x + m - 1) / m * m;
    }

    static MicroKernels get() {
        MicroKernels k = instance;
        if (k == null) {
            synchronized (MicroKernels.class) {
                if (instance == null) {
                    instance = probe();
                    LOG.log(System.Logger.Level.DEBUG, "ember cpu: GEMM micro-kernel " + instance.name());
                }
                k = instance;
            }
        }
        return k;
    }

    private static MicroKernels probe() {
        MicroKernels vector = loadVectorClass(MicroKernels.class, "dev.ember.cpu.VectorMicroKernels");
        return vector != null ? vector : new Plain();
    }

    /**
     * An instance of a class written on the incubating Vector API, or null when the JVM lacks
     * {@code jdk.incubator.vector}, {@code -Dember.cpu.noVector=true} is set, or the class cannot load (logged).
     * The classes are only named here, so a JVM without the module never links them.
     */
    static <T> T loadVectorClass(Class<T> type, String className) {
        if (Boolean.getBoolean("ember.cpu.noVector")) {
            return null;
        }
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            warnNoVectorModule();
            return null;
        }
        try {
            return type.cast(Class.forName(className).getDeclaredConstructor().newInstance());
        } catch (ReflectiveOperationException | LinkageError e) {
            LOG.log(System.Logger.Level.WARNING, "ember cpu: Vector API present but unusable, using plain Java: " + e);
            return null;
        }
    }

    private static final java.util.concurrent.atomic.AtomicBoolean WARNED = new java.util.concurrent.atomic.AtomicBoolean();

    /** The text of the warning {@link #warnNoVectorModule} logs. */
    static final String NO_VECTOR_WARNING = "ember cpu: the JVM runs without the Vector API module, so the CPU kernels "
            + "(GEMM, convolution, elementwise float loops, pooling) use plain Java loops, several times slower (a LeNet "
            + "epoch on Fashion-MNIST on a 2-core Intel Xeon: 29.8 s against 7.3 s, benchmarks/RESULTS.md session 38). "
            + "Add --add-modules jdk.incubator.vector to the JVM's options: on the java command line (java --add-modules jdk.incubator.vector -cp ... Main), in MAVEN_OPTS "
            + "for mvn exec:java (export MAVEN_OPTS=\"--add-modules jdk.incubator.vector\"), in Maven Surefire's "
            + "<argLine>--add-modules jdk.incubator.vector</argLine> for tests, or in the IDE's run configuration "
            + "(VM options). -Dember.cpu.noVector=true chooses the plain loops on purpose and silences this warning.";

    /**
     * Says once per JVM, at the first CPU kernel that looks for the Vector API, that the module is missing, how
     * much slower that is, and where the flag goes.
     */
    private static void warnNoVectorModule() {
        if (WARNED.compareAndSet(false, true)) {
            LOG.log(System.Logger.Level.WARNING, NO_VECTOR_WARNING);
        }
    }

    /** The name of the active kernel, for diagnostics. */
    static String activeName() {
        return get().name();
    }

    /** Plain Java: a 4x8 tile with the accumulators in local variables. */
    static final class Plain extends MicroKernels {
        @Override
        int mr() {
            return 4;
        }

        @Override
        int nr() {
            return 8;
        }

        @Override
        String name() {
            return "plain Java 4x8 (run with --add-modules jdk.incubator.vector for the vectorized kernel)";
        }

        @Override
        void sgemmTile(int kc, float[] ap, int apOff, int ars, int acs, float[] bp, int bpOff, int brs, float[] c, int cOff,
                       int crs, int ccs, int h, int w, boolean add, float[] scratch) {
            float[] acc = scratch;
            java.util.Arrays.fill(acc, 0, 32, 0f);
            for (int p = 0; p < kc; p++) {
                int ai = apOff + p * acs;
                int bi = bpOff + p * brs;
                for (int r = 0; r < 4; r++) {
                    float a = ap[ai + r * ars];
                    int row = r * 8;
                    for (int j = 0; j < 8; j++) {
                        acc[row + j] += a * bp[bi + j];
                    }
                }
            }
            store(acc, 8, c, cOff, crs, ccs, h, w, add);
        }
    }
}
