package dev.ember.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The GEMM micro-kernel on the incubating Vector API: a 6 x (2 vectors) tile whose twelve
 * accumulators stay in registers across the whole k loop (the BLIS Haswell shape). Loaded only after
 * {@link MicroKernels} has seen the module, so the plain path never touches these classes.
 */
final class VectorMicroKernels extends MicroKernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int MR = 6;
    private static final int NR = 2 * L;
    /**
     * Whether packed panels take the constant-step loop in {@link #fullTile} unless told. Which loop form C2 keeps
     * fast depends on the JDK: the whole GEMM at n = 1024 and 2048 (MatmulBenchmark with each
     * {@code -Dember.cpu.gemmKernel}, two alternating runs, 2 cores) ran at 85-119 GFLOP/s with it against 68-89
     * strided on JDK 17, and at 37-42 against 67-104 on JDK 25. {@code -Dember.cpu.gemmKernel=packed|strided}
     * overrides the choice.
     */
    private static final boolean PACKED_BY_DEFAULT = switch (System.getProperty("ember.cpu.gemmKernel", "")) {
        case "packed" -> true;
        case "strided" -> false;
        default -> Runtime.version().feature() < 25;
    };

    private final boolean packedForm;

    /** The kernel in the loop form chosen for this JVM. */
    VectorMicroKernels() {
        this(PACKED_BY_DEFAULT);
    }

    /** The kernel with packed panels in the constant-step loop or not (tests check both). */
    VectorMicroKernels(boolean packedForm) {
        this.packedForm = packedForm;
    }

    @Override
    int mr() {
        return MR;
    }

    @Override
    int nr() {
        return NR;
    }

    @Override
    String name() {
        return "Vector API " + MR + "x" + NR + " (" + S + ", " + (packedForm ? "packed" : "strided") + " loop)";
    }

    @Override
    void sgemmTile(int kc, float[] a, int aOff, int ars, int acs, float[] b, int bOff, int brs, float[] c, int cOff,
                   int crs, int ccs, int h, int w, boolean add, float[] scratch) {
        boolean packed = packedForm && ars == 1 && acs == MR && brs == NR;
        if (h == MR && w == NR && ccs == 1) {
            fullTile(packed, kc, a, aOff, ars, acs, b, bOff, brs, c, cOff, crs, add);
            return;
        }
        // edge or strided tile: compute the whole tile into scratch, then store the part that exists
        fullTile(packed, kc, a, aOff, ars, acs, b, bOff, brs, scratch, 0, NR, false);
        store(scratch, NR, c, cOff, crs, ccs, h, w, add);
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
}
