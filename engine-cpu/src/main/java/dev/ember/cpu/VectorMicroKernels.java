package dev.ember.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The GEMM micro-kernel on the incubating Vector API: a 6 x (2 vectors) tile whose twelve
 * accumulators stay in registers across the whole k loop (the BLIS Haswell shape), an 8-row one where vectors hold 16
 * floats, and an 8 x (1 vector) tile for products with few columns. Loaded only after
 * {@link MicroKernels} has seen the module, so the plain path never touches these classes.
 */
final class VectorMicroKernels extends MicroKernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    // before this class's first kernel runs: keeps JDK 17's C2 from dropping the kernels' intrinsics (VectorProfiles)
    static {
        VectorProfiles.seedOnce();
    }
    private static final int L = S.length();
    private static final int MR = 6;
    private static final int NR = 2 * L;
    /**
     * Rows of the tile. Where vectors hold 16 floats (AVX-512: 32 vector registers, room for 16 accumulators, two B
     * vectors and a broadcast) the kernel comes in 8 and 6 rows and each product takes the one that wastes less of
     * its tiles, 8 on a tie: eight rows divide the channel counts of convolutions (16, 64, ...) that leave a 4-row
     * edge tile with six. Measured single-threaded here (AMD EPYC, AVX-512; thread CPU time of a harness not in
     * the repository, two runs), 8 rows against 6: +9 to +20% on
     * [16 x 150] x [150 x 500], +15% on [16 x 500] x [500 x 150], +4 to +5% on [64 x 576] x [576 x 3136] and its
     * weight-gradient twin, level at 1024 and at [576 x 64] x [64 x 3136], but -5 to -13% on [150 x 16] x [16 x 500],
     * whose 150 rows six divide. AVX2's 16 registers hold only the 6-row tile's 12 accumulators.
     * {@code -Dember.cpu.gemmRows=6|8} forces one shape.
     */
    private static final String ROWS = System.getProperty("ember.cpu.gemmRows", "auto");
    /**
     * Whether packed panels take the constant-step loop in {@link #fullTile} unless told: on every JDK. Which loop form
     * C2 keeps fast once depended on the JDK (session 5's kernel ran at 37-42 GFLOP/s packed against 67-104 strided on
     * JDK 25, so JDK 25 took the strided loop); with today's kernel the packed loop wins on both. MatmulBenchmark at
     * n = 1024, two threads, Intel Xeon (AVX-512 and AMX; model 167 as KVM reports it), Temurin 25, alternated
     * twice: 9.88 / 10.10 ms packed against 11.85 / 12.23 strided; n = 2048, one run each: 69.9 against 83.7 ms;
     * JDK 17: 8.97 / 67.6 ms packed against 10.88 / 80.8 strided (RESULTS.md, session 38).
     * {@code -Dember.cpu.gemmKernel=packed|strided} overrides the choice.
     */
    private static final boolean PACKED_BY_DEFAULT = !"strided".equals(System.getProperty("ember.cpu.gemmKernel", ""));

    /**
     * Whether the kernel comes with the one-vector-wide tile (8 rows), the shape for products with few columns: a
     * Linear layer's {@code x W^T} at a batch of up to one vector, run as {@code (W x^T)^T} so W feeds the kernel where it
     * lies (the two-vector tile wasted half of each tile there, and the plain orientation packs all of W for a handful
     * of rows). [16, 1024] x [1024, 1024]^T, one thread, AMD EPYC: 0.31-0.33 ms with it against 0.78 without
     * (RESULTS.md, session 34). {@code -Dember.cpu.gemmNarrow=false} leaves it out.
     */
    private static final boolean NARROW = !"false".equals(System.getProperty("ember.cpu.gemmNarrow"));

    private final boolean packedForm;
    private final int rows;
    private final int nr;
    private final MicroKernels[] shapes;

    /** The kernel in the loop form and tile shapes chosen for this JVM and machine. */
    VectorMicroKernels() {
        this(PACKED_BY_DEFAULT, ROWS.equals("8") && L >= 16 ? 8 : 6, 2, ROWS.equals("auto") && L >= 16, NARROW);
    }

    /** The two-vector kernel alone, with packed panels in the constant-step loop or not, and 6 or 8 rows (tests). */
    VectorMicroKernels(boolean packedForm, int rows) {
        this(packedForm, rows, 2, false, false);
    }

    /**
     * One tile shape alone, with packed panels in the constant-step loop or not: {@code vectors} vectors wide, 6 or 8
     * rows for two, 8 for one (tests).
     */
    VectorMicroKernels(boolean packedForm, int rows, int vectors) {
        this(packedForm, rows, vectors, false, false);
    }

    private VectorMicroKernels(boolean packedForm, int rows, int vectors, boolean withEightRows, boolean narrow) {
        if (vectors == 2 ? rows != 6 && rows != 8 : vectors != 1 || rows != 8) {
            throw new IllegalArgumentException("no " + rows + " x " + vectors + " vector tile");
        }
        this.packedForm = packedForm;
        this.rows = rows;
        this.nr = vectors * L;
        java.util.List<MicroKernels> all = new java.util.ArrayList<>();
        if (withEightRows) {
            all.add(new VectorMicroKernels(packedForm, 8, 2));
        }
        all.add(this);
        if (narrow) {
            all.add(new VectorMicroKernels(packedForm, 8, 1));
        }
        this.shapes = all.toArray(new MicroKernels[0]);
    }

    @Override
    MicroKernels[] shapes() {
        return shapes.clone();
    }


    /**
     * The one-vector tile loads a B vector and eight broadcasts for eight multiply-adds, the two-vector tile ten loads
     * for sixteen: an eighth more per multiply-add with 16-float vectors, so the narrow tile is taken where it pads
     * less (a batch of 8 to 16 against 32 columns, or 48 against 64), not where both fit. With 8-float vectors (AVX2)
     * it counts half again: emulated with {@code -XX:UseAVX=2} on the AMD EPYC, a batch of 24 ran at 0.79 ms in three
     * one-vector panels against 0.68 in two padded two-vector ones ([24, 1024] x [1024, 1024]^T, one thread), while
     * a batch of 8 ran at 0.30 against 0.36.
     */
    @Override
    boolean largeProductsOnly() {
        return nr == L;
    }

    @Override
    long tileCost(long fmas) {
        return nr != L ? fmas : fmas + fmas / (L >= 16 ? 8 : 2);
    }

    @Override
    int mr() {
        return rows;
    }

    @Override
    int nr() {
        return nr;
    }

    @Override
    String name() {
        StringBuilder all = new StringBuilder();
        for (MicroKernels shape : shapes) {
            all.append(all.length() == 0 ? "" : ", ").append(shape.mr()).append('x').append(shape.nr());
        }
        return "Vector API " + all + " (" + S + ", "
                + (packedForm ? "packed" : "strided") + " loop)";
    }

    /** In registers, a vector-length square at a time ({@link VectorTranspose}), where the vector length has one. */
    @Override
    void packColumns(float[] b, int src, int bcs, int kc, int w, float[] bp, int base, int nr) {
        if (VectorTranspose.APPLIES) {
            VectorTranspose.packColumns(b, src, bcs, kc, w, bp, base, nr);
        } else {
            super.packColumns(b, src, bcs, kc, w, bp, base, nr);
        }
    }

    /** In registers, six rows at a time ({@link VectorTranspose#packRows6}) on 8-float vectors, eight as a square. */
    @Override
    void packRows(float[] a, int src, int ars, int kc, int mr, float[] ap, int base) {
        if (L == 8 && mr == 6) {
            VectorTranspose.packRows6(a, src, ars, kc, ap, base);
        } else if (VectorTranspose.APPLIES && mr == L) {
            VectorTranspose.packColumns(a, src, ars, kc, mr, ap, base, mr);
        } else {
            super.packRows(a, src, ars, kc, mr, ap, base);
        }
    }

    /** A vector a panel row on 8-float vectors ({@link VectorTranspose#packColumnMajor}). */
    @Override
    void packColumnMajor(float[] a, int src, int acs, int kc, int mc, int from, int mr, float[] ap) {
        if (L == 8 && (mr == 6 || mr == 8)) {
            VectorTranspose.packColumnMajor(a, src, acs, kc, mc, from, mr, ap);
        } else {
            super.packColumnMajor(a, src, acs, kc, mc, from, mr, ap);
        }
    }

    @Override
    void sgemmTile(int kc, float[] a, int aOff, int ars, int acs, float[] b, int bOff, int brs, float[] c, int cOff,
                   int crs, int ccs, int h, int w, boolean add, float[] scratch) {
        boolean packed = packedForm && ars == 1 && acs == rows && brs == nr;
        boolean whole = h == rows && w == nr && ccs == 1;
        float[] dst = whole ? c : scratch;
        int dstOff = whole ? cOff : 0;
        int dstRow = whole ? crs : nr;
        // an edge or strided tile is computed whole into scratch, then the part that exists is stored
        if (nr == L) {
            narrowTile8(packed, kc, a, aOff, ars, acs, b, bOff, brs, dst, dstOff, dstRow, whole && add);
        } else if (rows == 8) {
            fullTile8(packed, kc, a, aOff, ars, acs, b, bOff, brs, dst, dstOff, dstRow, whole && add);
        } else {
            fullTile(packed, kc, a, aOff, ars, acs, b, bOff, brs, dst, dstOff, dstRow, whole && add);
        }
        if (!whole) {
            store(scratch, nr, c, cOff, crs, ccs, h, w, add);
        }
    }

    /**
     * {@code C[6 x 16] += A B} with C row-major. The accumulators start from C and are stored back once: adding them
     * to C after the loop (load, add, store) measured at a third of the speed of this form (95 against 33 GFLOP/s for
     * the bare tile on one core here). {@code packed} (both operands packed) takes a k loop with constant steps; one
     * method with both loops ran as fast as two methods on JDK 17 and 25.
     */
    private static void fullTile(boolean packed, int kc, float[] a, int aOff, int ars, int acs, float[] b, int bOff,
                                 int brs, float[] c, int cOff, int crs, boolean add) {
        int r1 = cOff + crs;
        int r2 = r1 + crs;
        int r3 = r2 + crs;
        int r4 = r3 + crs;
        int r5 = r4 + crs;
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
        if (add) {
            c00 = FloatVector.fromArray(S, c, cOff);
            c01 = FloatVector.fromArray(S, c, cOff + L);
            c10 = FloatVector.fromArray(S, c, r1);
            c11 = FloatVector.fromArray(S, c, r1 + L);
            c20 = FloatVector.fromArray(S, c, r2);
            c21 = FloatVector.fromArray(S, c, r2 + L);
            c30 = FloatVector.fromArray(S, c, r3);
            c31 = FloatVector.fromArray(S, c, r3 + L);
            c40 = FloatVector.fromArray(S, c, r4);
            c41 = FloatVector.fromArray(S, c, r4 + L);
            c50 = FloatVector.fromArray(S, c, r5);
            c51 = FloatVector.fromArray(S, c, r5 + L);
        } else {
            FloatVector z = FloatVector.zero(S);
            c00 = z;
            c01 = z;
            c10 = z;
            c11 = z;
            c20 = z;
            c21 = z;
            c30 = z;
            c31 = z;
            c40 = z;
            c41 = z;
            c50 = z;
            c51 = z;
        }
        if (packed) {
            // both operands packed: constant steps, and the loop runs on A's index (see PACKED_BY_DEFAULT)
            int bi = bOff;
            int aEnd = aOff + kc * MR;
            for (int ai = aOff; ai < aEnd; ai += MR, bi += NR) {
                FloatVector b0 = FloatVector.fromArray(S, b, bi);
                FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
                FloatVector av;
                av = FloatVector.broadcast(S, a[ai]);
                c00 = av.fma(b0, c00);
                c01 = av.fma(b1, c01);
                av = FloatVector.broadcast(S, a[ai + 1]);
                c10 = av.fma(b0, c10);
                c11 = av.fma(b1, c11);
                av = FloatVector.broadcast(S, a[ai + 2]);
                c20 = av.fma(b0, c20);
                c21 = av.fma(b1, c21);
                av = FloatVector.broadcast(S, a[ai + 3]);
                c30 = av.fma(b0, c30);
                c31 = av.fma(b1, c31);
                av = FloatVector.broadcast(S, a[ai + 4]);
                c40 = av.fma(b0, c40);
                c41 = av.fma(b1, c41);
                av = FloatVector.broadcast(S, a[ai + 5]);
                c50 = av.fma(b0, c50);
                c51 = av.fma(b1, c51);
            }
        } else {
            int a0 = aOff;
            int a1 = a0 + ars;
            int a2 = a1 + ars;
            int a3 = a2 + ars;
            int a4 = a3 + ars;
            int a5 = a4 + ars;
            int bi = bOff;
            for (int p = 0; p < kc; p++, bi += brs) {
                int q = p * acs;
                FloatVector b0 = FloatVector.fromArray(S, b, bi);
                FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
                FloatVector av;
                av = FloatVector.broadcast(S, a[a0 + q]);
                c00 = av.fma(b0, c00);
                c01 = av.fma(b1, c01);
                av = FloatVector.broadcast(S, a[a1 + q]);
                c10 = av.fma(b0, c10);
                c11 = av.fma(b1, c11);
                av = FloatVector.broadcast(S, a[a2 + q]);
                c20 = av.fma(b0, c20);
                c21 = av.fma(b1, c21);
                av = FloatVector.broadcast(S, a[a3 + q]);
                c30 = av.fma(b0, c30);
                c31 = av.fma(b1, c31);
                av = FloatVector.broadcast(S, a[a4 + q]);
                c40 = av.fma(b0, c40);
                c41 = av.fma(b1, c41);
                av = FloatVector.broadcast(S, a[a5 + q]);
                c50 = av.fma(b0, c50);
                c51 = av.fma(b1, c51);
            }
        }
        c00.intoArray(c, cOff);
        c01.intoArray(c, cOff + L);
        c10.intoArray(c, r1);
        c11.intoArray(c, r1 + L);
        c20.intoArray(c, r2);
        c21.intoArray(c, r2 + L);
        c30.intoArray(c, r3);
        c31.intoArray(c, r3 + L);
        c40.intoArray(c, r4);
        c41.intoArray(c, r4 + L);
        c50.intoArray(c, r5);
        c51.intoArray(c, r5 + L);
    }
    /** {@link #fullTile} with eight rows: {@code C[8 x 2 vectors] += A B}, sixteen accumulators. */
    private static void fullTile8(boolean packed, int kc, float[] a, int aOff, int ars, int acs, float[] b, int bOff,
                                  int brs, float[] c, int cOff, int crs, boolean add) {
        int r1 = cOff + crs;
        int r2 = r1 + crs;
        int r3 = r2 + crs;
        int r4 = r3 + crs;
        int r5 = r4 + crs;
        int r6 = r5 + crs;
        int r7 = r6 + crs;
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71;
        if (add) {
            c00 = FloatVector.fromArray(S, c, cOff);
            c01 = FloatVector.fromArray(S, c, cOff + L);
            c10 = FloatVector.fromArray(S, c, r1);
            c11 = FloatVector.fromArray(S, c, r1 + L);
            c20 = FloatVector.fromArray(S, c, r2);
            c21 = FloatVector.fromArray(S, c, r2 + L);
            c30 = FloatVector.fromArray(S, c, r3);
            c31 = FloatVector.fromArray(S, c, r3 + L);
            c40 = FloatVector.fromArray(S, c, r4);
            c41 = FloatVector.fromArray(S, c, r4 + L);
            c50 = FloatVector.fromArray(S, c, r5);
            c51 = FloatVector.fromArray(S, c, r5 + L);
            c60 = FloatVector.fromArray(S, c, r6);
            c61 = FloatVector.fromArray(S, c, r6 + L);
            c70 = FloatVector.fromArray(S, c, r7);
            c71 = FloatVector.fromArray(S, c, r7 + L);
        } else {
            FloatVector z = FloatVector.zero(S);
            c00 = z;
            c01 = z;
            c10 = z;
            c11 = z;
            c20 = z;
            c21 = z;
            c30 = z;
            c31 = z;
            c40 = z;
            c41 = z;
            c50 = z;
            c51 = z;
            c60 = z;
            c61 = z;
            c70 = z;
            c71 = z;
        }
        if (packed) {
            int bi = bOff;
            int aEnd = aOff + kc * 8;
            for (int ai = aOff; ai < aEnd; ai += 8, bi += NR) {
                FloatVector b0 = FloatVector.fromArray(S, b, bi);
                FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
                FloatVector av;
                av = FloatVector.broadcast(S, a[ai]);
                c00 = av.fma(b0, c00);
                c01 = av.fma(b1, c01);
                av = FloatVector.broadcast(S, a[ai + 1]);
                c10 = av.fma(b0, c10);
                c11 = av.fma(b1, c11);
                av = FloatVector.broadcast(S, a[ai + 2]);
                c20 = av.fma(b0, c20);
                c21 = av.fma(b1, c21);
                av = FloatVector.broadcast(S, a[ai + 3]);
                c30 = av.fma(b0, c30);
                c31 = av.fma(b1, c31);
                av = FloatVector.broadcast(S, a[ai + 4]);
                c40 = av.fma(b0, c40);
                c41 = av.fma(b1, c41);
                av = FloatVector.broadcast(S, a[ai + 5]);
                c50 = av.fma(b0, c50);
                c51 = av.fma(b1, c51);
                av = FloatVector.broadcast(S, a[ai + 6]);
                c60 = av.fma(b0, c60);
                c61 = av.fma(b1, c61);
                av = FloatVector.broadcast(S, a[ai + 7]);
                c70 = av.fma(b0, c70);
                c71 = av.fma(b1, c71);
            }
        } else {
            int a0 = aOff;
            int a1 = a0 + ars;
            int a2 = a1 + ars;
            int a3 = a2 + ars;
            int a4 = a3 + ars;
            int a5 = a4 + ars;
            int a6 = a5 + ars;
            int a7 = a6 + ars;
            int bi = bOff;
            for (int p = 0; p < kc; p++, bi += brs) {
                int q = p * acs;
                FloatVector b0 = FloatVector.fromArray(S, b, bi);
                FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
                FloatVector av;
                av = FloatVector.broadcast(S, a[a0 + q]);
                c00 = av.fma(b0, c00);
                c01 = av.fma(b1, c01);
                av = FloatVector.broadcast(S, a[a1 + q]);
                c10 = av.fma(b0, c10);
                c11 = av.fma(b1, c11);
                av = FloatVector.broadcast(S, a[a2 + q]);
                c20 = av.fma(b0, c20);
                c21 = av.fma(b1, c21);
                av = FloatVector.broadcast(S, a[a3 + q]);
                c30 = av.fma(b0, c30);
                c31 = av.fma(b1, c31);
                av = FloatVector.broadcast(S, a[a4 + q]);
                c40 = av.fma(b0, c40);
                c41 = av.fma(b1, c41);
                av = FloatVector.broadcast(S, a[a5 + q]);
                c50 = av.fma(b0, c50);
                c51 = av.fma(b1, c51);
                av = FloatVector.broadcast(S, a[a6 + q]);
                c60 = av.fma(b0, c60);
                c61 = av.fma(b1, c61);
                av = FloatVector.broadcast(S, a[a7 + q]);
                c70 = av.fma(b0, c70);
                c71 = av.fma(b1, c71);
            }
        }
        c00.intoArray(c, cOff);
        c01.intoArray(c, cOff + L);
        c10.intoArray(c, r1);
        c11.intoArray(c, r1 + L);
        c20.intoArray(c, r2);
        c21.intoArray(c, r2 + L);
        c30.intoArray(c, r3);
        c31.intoArray(c, r3 + L);
        c40.intoArray(c, r4);
        c41.intoArray(c, r4 + L);
        c50.intoArray(c, r5);
        c51.intoArray(c, r5 + L);
        c60.intoArray(c, r6);
        c61.intoArray(c, r6 + L);
        c70.intoArray(c, r7);
        c71.intoArray(c, r7 + L);
    }
    /** One vector wide: {@code C[8 x 1 vector] += A B}, 8 accumulators (see {@link #NARROW}). */
    private static void narrowTile8(boolean packed, int kc, float[] a, int aOff, int ars, int acs, float[] b, int bOff,
                                   int brs, float[] c, int cOff, int crs, boolean add) {
        FloatVector c0, c1, c2, c3, c4, c5, c6, c7;
        if (add) {
            c0 = FloatVector.fromArray(S, c, cOff + 0 * crs);
            c1 = FloatVector.fromArray(S, c, cOff + 1 * crs);
            c2 = FloatVector.fromArray(S, c, cOff + 2 * crs);
            c3 = FloatVector.fromArray(S, c, cOff + 3 * crs);
            c4 = FloatVector.fromArray(S, c, cOff + 4 * crs);
            c5 = FloatVector.fromArray(S, c, cOff + 5 * crs);
            c6 = FloatVector.fromArray(S, c, cOff + 6 * crs);
            c7 = FloatVector.fromArray(S, c, cOff + 7 * crs);
        } else {
            FloatVector z = FloatVector.zero(S);
            c0 = z;
            c1 = z;
            c2 = z;
            c3 = z;
            c4 = z;
            c5 = z;
            c6 = z;
            c7 = z;
        }
        if (packed) {
            int bi = bOff;
            int aEnd = aOff + kc * 8;
            for (int ai = aOff; ai < aEnd; ai += 8, bi += L) {
                FloatVector b0 = FloatVector.fromArray(S, b, bi);
                c0 = FloatVector.broadcast(S, a[ai + 0]).fma(b0, c0);
                c1 = FloatVector.broadcast(S, a[ai + 1]).fma(b0, c1);
                c2 = FloatVector.broadcast(S, a[ai + 2]).fma(b0, c2);
                c3 = FloatVector.broadcast(S, a[ai + 3]).fma(b0, c3);
                c4 = FloatVector.broadcast(S, a[ai + 4]).fma(b0, c4);
                c5 = FloatVector.broadcast(S, a[ai + 5]).fma(b0, c5);
                c6 = FloatVector.broadcast(S, a[ai + 6]).fma(b0, c6);
                c7 = FloatVector.broadcast(S, a[ai + 7]).fma(b0, c7);
            }
        } else {
            int a0 = aOff + 0 * ars;
            int a1 = aOff + 1 * ars;
            int a2 = aOff + 2 * ars;
            int a3 = aOff + 3 * ars;
            int a4 = aOff + 4 * ars;
            int a5 = aOff + 5 * ars;
            int a6 = aOff + 6 * ars;
            int a7 = aOff + 7 * ars;
            int bi = bOff;
            for (int p = 0; p < kc; p++, bi += brs) {
                int q = p * acs;
                FloatVector b0 = FloatVector.fromArray(S, b, bi);
                c0 = FloatVector.broadcast(S, a[a0 + q]).fma(b0, c0);
                c1 = FloatVector.broadcast(S, a[a1 + q]).fma(b0, c1);
                c2 = FloatVector.broadcast(S, a[a2 + q]).fma(b0, c2);
                c3 = FloatVector.broadcast(S, a[a3 + q]).fma(b0, c3);
                c4 = FloatVector.broadcast(S, a[a4 + q]).fma(b0, c4);
                c5 = FloatVector.broadcast(S, a[a5 + q]).fma(b0, c5);
                c6 = FloatVector.broadcast(S, a[a6 + q]).fma(b0, c6);
                c7 = FloatVector.broadcast(S, a[a7 + q]).fma(b0, c7);
            }
        }
        c0.intoArray(c, cOff + 0 * crs);
        c1.intoArray(c, cOff + 1 * crs);
        c2.intoArray(c, cOff + 2 * crs);
        c3.intoArray(c, cOff + 3 * crs);
        c4.intoArray(c, cOff + 4 * crs);
        c5.intoArray(c, cOff + 5 * crs);
        c6.intoArray(c, cOff + 6 * crs);
        c7.intoArray(c, cOff + 7 * crs);
    }
}
