package dev.ember.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The GEMM's transposing pack on the incubating Vector API: a B stored by columns (a transposed operand, the weight of
 * a Linear layer's {@code x W^T}) copied into the NR-wide, k-major panels the micro-kernel reads, one vector-length
 * square at a time. Each square is read with one vector load per column of B (contiguous along the depth),
 * transposed in registers by a butterfly of log2(L) stages (each lane exchange a {@code rearrange} by a constant
 * XOR shuffle and a {@code blend}), and stored one vector per depth step into the panel, where the plain loop stored
 * one float a panel row apart per element. Squares of 8 or 16 floats (AVX2, AVX-512), the preferred species' length;
 * other lengths and the edges (a depth that is no multiple of L, a panel narrower than L) take the scalar copy.
 * Measured one thread on the AMD EPYC (RESULTS.md, session 35): W^T of a [4096, 1024] weight packed in 512-deep blocks
 * at 0.32-0.37 ns an element against 0.74-0.85 for the scalar copy (0.11-0.12 for a plain contiguous copy of the same
 * floats); with {@code -XX:UseAVX=2}, 0.27 against 0.54. Loaded only from {@link VectorMicroKernels}.
 */
final class VectorTranspose {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Whether the vector length has a square here (8 or 16 floats). */
    static final boolean APPLIES = L == 8 || L == 16;
    // stage i exchanges lanes 2^i apart: lane c takes lane c ^ 2^i, and the lanes with bit i set are the upper ones
    // (on vectors of fewer than 16 floats the stages past their length are never used: kept in range)
    private static final VectorShuffle<Float> X0 = exchange(1);
    private static final VectorShuffle<Float> X1 = exchange(2);
    private static final VectorShuffle<Float> X2 = exchange(4);
    private static final VectorShuffle<Float> X3 = exchange(8);
    private static final VectorMask<Float> M0 = upper(1);
    private static final VectorMask<Float> M1 = upper(2);
    private static final VectorMask<Float> M2 = upper(4);
    private static final VectorMask<Float> M3 = upper(8);

    private VectorTranspose() {
    }

    private static VectorShuffle<Float> exchange(int distance) {
        int d = Math.max(1, Math.min(distance, L / 2));
        return VectorShuffle.fromOp(S, c -> c ^ d);
    }

    private static VectorMask<Float> upper(int distance) {
        int d = Math.max(1, Math.min(distance, L / 2));
        boolean[] bits = new boolean[L];
        for (int c = 0; c < L; c++) {
            bits[c] = (c & d) != 0;
        }
        return VectorMask.fromArray(S, bits, 0);
    }

    /**
     * Packs {@code w} columns of B, column {@code j} at {@code b[src + j * bcs + p]} for depth {@code p < kc}, into a
     * panel {@code nr} floats wide: {@code bp[base + p * nr + j]}. Only called when {@link #APPLIES}.
     */
    static void packColumns(float[] b, int src, int bcs, int kc, int w, float[] bp, int base, int nr) {
        int kcL = kc / L * L;
        int wL = w / L * L;
        for (int j0 = 0; j0 < wL; j0 += L) {
            int from = src + j0 * bcs;
            int to = base + j0;
            for (int p0 = 0; p0 < kcL; p0 += L) {
                if (L == 16) {
                    block16(b, from + p0, bcs, bp, to + p0 * nr, nr);
                } else {
                    block8(b, from + p0, bcs, bp, to + p0 * nr, nr);
                }
            }
        }
        // the depth's tail under the squares, then the columns past the last whole square
        for (int j = 0; j < w; j++) {
            int col = src + j * bcs;
            for (int p = j < wL ? kcL : 0; p < kc; p++) {
                bp[base + p * nr + j] = b[col + p];
            }
        }
    }

    /**
     * {@link MicroKernels#packRows} for six rows on 8-float vectors (AVX2's 6 x 16 tile): each 8-deep step of the six
     * rows is transposed as {@link #block8}'s square with two zero rows, and its eight columns of six are stored 8
     * floats wide, 6 apart in ascending order, so that each store's two extra lanes land on the next depth step's
     * first two floats, which the next store (or the scalar tail) writes after it. The squares stop short of the
     * panel's last depth step so that no store passes the panel's end; the rest, 1 to 8 steps, is copied a float at a
     * time. The same floats as the scalar copy: only where they come from differs.
     */
    static void packRows6(float[] a, int src, int ars, int kc, float[] ap, int base) {
        int p0 = 0;
        for (; p0 + 8 < kc; p0 += 8) {
            block6(a, src + p0, ars, ap, base + p0 * 6);
        }
        for (int r = 0; r < 6; r++) {
            int row = src + r * ars;
            for (int p = p0; p < kc; p++) {
                ap[base + p * 6 + r] = a[row + p];
            }
        }
    }

    /**
     * {@link MicroKernels#packColumnMajor} on 8-float vectors for panels of 6 or 8 rows: each whole panel's rows of a
     * depth step are copied with one vector load and store. Six-row panels store two floats past their step, onto the
     * next step's first two, written after it (the steps go in ascending order): their last step, and the rows of a
     * last panel cut by {@code mc}, are copied a float at a time, as is a vector that would read past the array.
     */
    static void packColumnMajor(float[] a, int src, int acs, int kc, int mc, int from, int mr, float[] ap) {
        int whole = from + (mc - from) / mr * mr;
        int vectorSteps = mr == 8 ? kc : kc - 1;
        for (int p = 0; p < kc; p++) {
            int col = src + p * acs;
            int ip = from;
            if (p < vectorSteps) {
                int last = Math.min(whole, a.length - col - 8 + 1); // panels whose 8-float load stays in the array
                for (; ip < whole && ip < last; ip += mr) {
                    FloatVector.fromArray(S, a, col + ip).intoArray(ap, ip * kc + p * mr);
                }
            }
            for (; ip < mc; ip += mr) {
                int h = Math.min(mr, mc - ip);
                int dst = ip * kc + p * mr;
                for (int r = 0; r < h; r++) {
                    ap[dst + r] = a[col + ip + r];
                }
            }
        }
    }

    /**
     * Transposes the 6 x 8 block of 6 rows at {@code a[s + r * ld]}, 8 floats each, into 8 columns of 6 stored 8
     * wide at {@code ap[d + p * 6]} in ascending order (lanes 6 and 7 of each store are zeros, overwritten by the
     * next).
     */
    private static void block6(float[] a, int s, int ld, float[] ap, int d) {
        FloatVector v0, v1, v2, v3, v4, v5, v6, v7;
        FloatVector t0, t1, t2, t3, t4, t5, t6, t7;
        VectorShuffle<Float> x;
        VectorMask<Float> m;
        v0 = FloatVector.fromArray(S, a, s);
        v1 = FloatVector.fromArray(S, a, s + ld);
        v2 = FloatVector.fromArray(S, a, s + 2 * ld);
        v3 = FloatVector.fromArray(S, a, s + 3 * ld);
        v4 = FloatVector.fromArray(S, a, s + 4 * ld);
        v5 = FloatVector.fromArray(S, a, s + 5 * ld);
        v6 = FloatVector.zero(S);
        v7 = v6;
        x = X2;
        m = M2;
        t0 = v0.blend(v4.rearrange(x), m);
        t4 = v0.rearrange(x).blend(v4, m);
        t1 = v1.blend(v5.rearrange(x), m);
        t5 = v1.rearrange(x).blend(v5, m);
        t2 = v2.blend(v6.rearrange(x), m);
        t6 = v2.rearrange(x).blend(v6, m);
        t3 = v3.blend(v7.rearrange(x), m);
        t7 = v3.rearrange(x).blend(v7, m);
        x = X1;
        m = M1;
        v0 = t0.blend(t2.rearrange(x), m);
        v2 = t0.rearrange(x).blend(t2, m);
        v1 = t1.blend(t3.rearrange(x), m);
        v3 = t1.rearrange(x).blend(t3, m);
        v4 = t4.blend(t6.rearrange(x), m);
        v6 = t4.rearrange(x).blend(t6, m);
        v5 = t5.blend(t7.rearrange(x), m);
        v7 = t5.rearrange(x).blend(t7, m);
        x = X0;
        m = M0;
        v0.blend(v1.rearrange(x), m).intoArray(ap, d);
        v0.rearrange(x).blend(v1, m).intoArray(ap, d + 6);
        v2.blend(v3.rearrange(x), m).intoArray(ap, d + 12);
        v2.rearrange(x).blend(v3, m).intoArray(ap, d + 18);
        v4.blend(v5.rearrange(x), m).intoArray(ap, d + 24);
        v4.rearrange(x).blend(v5, m).intoArray(ap, d + 30);
        v6.blend(v7.rearrange(x), m).intoArray(ap, d + 36);
        v6.rearrange(x).blend(v7, m).intoArray(ap, d + 42);
    }

    /**
     * Transposes the 8 x 8 block of 8 rows at {@code b[s + r * ld]}, 8 floats each, into 8 rows of 8 at
     * {@code bp[d + p * dld]}.
     */
    private static void block8(float[] b, int s, int ld, float[] bp, int d, int dld) {
        FloatVector v0, v1, v2, v3, v4, v5, v6, v7;
        FloatVector t0, t1, t2, t3, t4, t5, t6, t7;
        VectorShuffle<Float> x;
        VectorMask<Float> m;
        v0 = FloatVector.fromArray(S, b, s);
        v1 = FloatVector.fromArray(S, b, s + ld);
        v2 = FloatVector.fromArray(S, b, s + 2 * ld);
        v3 = FloatVector.fromArray(S, b, s + 3 * ld);
        v4 = FloatVector.fromArray(S, b, s + 4 * ld);
        v5 = FloatVector.fromArray(S, b, s + 5 * ld);
        v6 = FloatVector.fromArray(S, b, s + 6 * ld);
        v7 = FloatVector.fromArray(S, b, s + 7 * ld);
        x = X2;
        m = M2;
        t0 = v0.blend(v4.rearrange(x), m);
        t4 = v0.rearrange(x).blend(v4, m);
        t1 = v1.blend(v5.rearrange(x), m);
        t5 = v1.rearrange(x).blend(v5, m);
        t2 = v2.blend(v6.rearrange(x), m);
        t6 = v2.rearrange(x).blend(v6, m);
        t3 = v3.blend(v7.rearrange(x), m);
        t7 = v3.rearrange(x).blend(v7, m);
        x = X1;
        m = M1;
        v0 = t0.blend(t2.rearrange(x), m);
        v2 = t0.rearrange(x).blend(t2, m);
        v1 = t1.blend(t3.rearrange(x), m);
        v3 = t1.rearrange(x).blend(t3, m);
        v4 = t4.blend(t6.rearrange(x), m);
        v6 = t4.rearrange(x).blend(t6, m);
        v5 = t5.blend(t7.rearrange(x), m);
        v7 = t5.rearrange(x).blend(t7, m);
        x = X0;
        m = M0;
        v0.blend(v1.rearrange(x), m).intoArray(bp, d);
        v0.rearrange(x).blend(v1, m).intoArray(bp, d + dld);
        v2.blend(v3.rearrange(x), m).intoArray(bp, d + 2 * dld);
        v2.rearrange(x).blend(v3, m).intoArray(bp, d + 3 * dld);
        v4.blend(v5.rearrange(x), m).intoArray(bp, d + 4 * dld);
        v4.rearrange(x).blend(v5, m).intoArray(bp, d + 5 * dld);
        v6.blend(v7.rearrange(x), m).intoArray(bp, d + 6 * dld);
        v6.rearrange(x).blend(v7, m).intoArray(bp, d + 7 * dld);
    }

    /**
     * Transposes the 16 x 16 block of 16 rows at {@code b[s + r * ld]}, 16 floats each, into 16 rows of 16 at
     * {@code bp[d + p * dld]}.
     */
    private static void block16(float[] b, int s, int ld, float[] bp, int d, int dld) {
        FloatVector v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, va, vb, vc, vd, ve, vf;
        FloatVector t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, ta, tb, tc, td, te, tf;
        VectorShuffle<Float> x;
        VectorMask<Float> m;
        v0 = FloatVector.fromArray(S, b, s);
        v1 = FloatVector.fromArray(S, b, s + ld);
        v2 = FloatVector.fromArray(S, b, s + 2 * ld);
        v3 = FloatVector.fromArray(S, b, s + 3 * ld);
        v4 = FloatVector.fromArray(S, b, s + 4 * ld);
        v5 = FloatVector.fromArray(S, b, s + 5 * ld);
        v6 = FloatVector.fromArray(S, b, s + 6 * ld);
        v7 = FloatVector.fromArray(S, b, s + 7 * ld);
        v8 = FloatVector.fromArray(S, b, s + 8 * ld);
        v9 = FloatVector.fromArray(S, b, s + 9 * ld);
        va = FloatVector.fromArray(S, b, s + 10 * ld);
        vb = FloatVector.fromArray(S, b, s + 11 * ld);
        vc = FloatVector.fromArray(S, b, s + 12 * ld);
        vd = FloatVector.fromArray(S, b, s + 13 * ld);
        ve = FloatVector.fromArray(S, b, s + 14 * ld);
        vf = FloatVector.fromArray(S, b, s + 15 * ld);
        x = X3;
        m = M3;
        t0 = v0.blend(v8.rearrange(x), m);
        t8 = v0.rearrange(x).blend(v8, m);
        t1 = v1.blend(v9.rearrange(x), m);
        t9 = v1.rearrange(x).blend(v9, m);
        t2 = v2.blend(va.rearrange(x), m);
        ta = v2.rearrange(x).blend(va, m);
        t3 = v3.blend(vb.rearrange(x), m);
        tb = v3.rearrange(x).blend(vb, m);
        t4 = v4.blend(vc.rearrange(x), m);
        tc = v4.rearrange(x).blend(vc, m);
        t5 = v5.blend(vd.rearrange(x), m);
        td = v5.rearrange(x).blend(vd, m);
        t6 = v6.blend(ve.rearrange(x), m);
        te = v6.rearrange(x).blend(ve, m);
        t7 = v7.blend(vf.rearrange(x), m);
        tf = v7.rearrange(x).blend(vf, m);
        x = X2;
        m = M2;
        v0 = t0.blend(t4.rearrange(x), m);
        v4 = t0.rearrange(x).blend(t4, m);
        v1 = t1.blend(t5.rearrange(x), m);
        v5 = t1.rearrange(x).blend(t5, m);
        v2 = t2.blend(t6.rearrange(x), m);
        v6 = t2.rearrange(x).blend(t6, m);
        v3 = t3.blend(t7.rearrange(x), m);
        v7 = t3.rearrange(x).blend(t7, m);
        v8 = t8.blend(tc.rearrange(x), m);
        vc = t8.rearrange(x).blend(tc, m);
        v9 = t9.blend(td.rearrange(x), m);
        vd = t9.rearrange(x).blend(td, m);
        va = ta.blend(te.rearrange(x), m);
        ve = ta.rearrange(x).blend(te, m);
        vb = tb.blend(tf.rearrange(x), m);
        vf = tb.rearrange(x).blend(tf, m);
        x = X1;
        m = M1;
        t0 = v0.blend(v2.rearrange(x), m);
        t2 = v0.rearrange(x).blend(v2, m);
        t1 = v1.blend(v3.rearrange(x), m);
        t3 = v1.rearrange(x).blend(v3, m);
        t4 = v4.blend(v6.rearrange(x), m);
        t6 = v4.rearrange(x).blend(v6, m);
        t5 = v5.blend(v7.rearrange(x), m);
        t7 = v5.rearrange(x).blend(v7, m);
        t8 = v8.blend(va.rearrange(x), m);
        ta = v8.rearrange(x).blend(va, m);
        t9 = v9.blend(vb.rearrange(x), m);
        tb = v9.rearrange(x).blend(vb, m);
        tc = vc.blend(ve.rearrange(x), m);
        te = vc.rearrange(x).blend(ve, m);
        td = vd.blend(vf.rearrange(x), m);
        tf = vd.rearrange(x).blend(vf, m);
        x = X0;
        m = M0;
        t0.blend(t1.rearrange(x), m).intoArray(bp, d);
        t0.rearrange(x).blend(t1, m).intoArray(bp, d + dld);
        t2.blend(t3.rearrange(x), m).intoArray(bp, d + 2 * dld);
        t2.rearrange(x).blend(t3, m).intoArray(bp, d + 3 * dld);
        t4.blend(t5.rearrange(x), m).intoArray(bp, d + 4 * dld);
        t4.rearrange(x).blend(t5, m).intoArray(bp, d + 5 * dld);
        t6.blend(t7.rearrange(x), m).intoArray(bp, d + 6 * dld);
        t6.rearrange(x).blend(t7, m).intoArray(bp, d + 7 * dld);
        t8.blend(t9.rearrange(x), m).intoArray(bp, d + 8 * dld);
        t8.rearrange(x).blend(t9, m).intoArray(bp, d + 9 * dld);
        ta.blend(tb.rearrange(x), m).intoArray(bp, d + 10 * dld);
        ta.rearrange(x).blend(tb, m).intoArray(bp, d + 11 * dld);
        tc.blend(td.rearrange(x), m).intoArray(bp, d + 12 * dld);
        tc.rearrange(x).blend(td, m).intoArray(bp, d + 13 * dld);
        te.blend(tf.rearrange(x), m).intoArray(bp, d + 14 * dld);
        te.rearrange(x).blend(tf, m).intoArray(bp, d + 15 * dld);
    }
}
