package dev.ember.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link PanelGemm}'s passes on the Vector API: eight accumulators (one row by eight vectors, two by four, four by
 * two; one row by sixteen where there are 32 registers), each {@code fma(panel, broadcast x[p], acc)} over the depth in order; loaded only through
 * {@link MicroKernels#loadVectorClass}. Eight accumulators fit AVX2's sixteen registers with the loads and broadcasts.
 */
final class VectorPanelGemm implements PanelGemm.Kernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    @Override
    public int lanes() {
        return S.length();
    }

    /**
     * Whether one row takes sixteen accumulators: where vectors hold 16 floats (AVX-512's 32 registers). Alone,
     * [1, 256] x [768, 256]^T, one thread: 5.2-5.3 us against 8.8 with eight, [1, 256] x [1024, 256]^T 10.0-10.5
     * against 10.7-11.1; in ServingLatency, alternated three times, gru1 2.52-2.61 ms against 2.64-2.78, lstm1 level
     * (RESULTS.md, session 39).
     */
    private static final boolean WIDE = S.length() >= 16;

    @Override
    public int vectors(int rows) {
        return rows == 1 && WIDE ? 16 : 8 / rows;
    }

    @Override
    public void pass(int rows, int k, float[] x, int[] xOffs, int xcs, float[] panel, int po, float[] c, int[] cOffs,
                     int w) {
        switch (rows) {
            case 1 -> {
                if (WIDE) {
                    oneWide(k, x, xOffs[0], xcs, panel, po, c, cOffs[0], w);
                } else {
                    one(k, x, xOffs[0], xcs, panel, po, c, cOffs[0], w);
                }
            }
            case 2 -> two(k, x, xOffs[0], xOffs[1], xcs, panel, po, c, cOffs[0], cOffs[1], w);
            default -> four(k, x, xOffs, xcs, panel, po, c, cOffs, w);
        }
    }

    private static void one(int k, float[] x, int x0, int xcs, float[] b, int po, float[] c, int c0, int w) {
        int l = S.length();
        int pw = 8 * l;
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        FloatVector a4 = a0;
        FloatVector a5 = a0;
        FloatVector a6 = a0;
        FloatVector a7 = a0;
        for (int p = 0, o = po; p < k; p++, o += pw) {
            FloatVector xp = FloatVector.broadcast(S, x[x0 + p * xcs]);
            a0 = FloatVector.fromArray(S, b, o).fma(xp, a0);
            a1 = FloatVector.fromArray(S, b, o + l).fma(xp, a1);
            a2 = FloatVector.fromArray(S, b, o + 2 * l).fma(xp, a2);
            a3 = FloatVector.fromArray(S, b, o + 3 * l).fma(xp, a3);
            a4 = FloatVector.fromArray(S, b, o + 4 * l).fma(xp, a4);
            a5 = FloatVector.fromArray(S, b, o + 5 * l).fma(xp, a5);
            a6 = FloatVector.fromArray(S, b, o + 6 * l).fma(xp, a6);
            a7 = FloatVector.fromArray(S, b, o + 7 * l).fma(xp, a7);
        }
        if (w == pw) {
            a0.intoArray(c, c0);
            a1.intoArray(c, c0 + l);
            a2.intoArray(c, c0 + 2 * l);
            a3.intoArray(c, c0 + 3 * l);
            a4.intoArray(c, c0 + 4 * l);
            a5.intoArray(c, c0 + 5 * l);
            a6.intoArray(c, c0 + 6 * l);
            a7.intoArray(c, c0 + 7 * l);
        } else {
            float[] t = new float[pw];
            a0.intoArray(t, 0);
            a1.intoArray(t, l);
            a2.intoArray(t, 2 * l);
            a3.intoArray(t, 3 * l);
            a4.intoArray(t, 4 * l);
            a5.intoArray(t, 5 * l);
            a6.intoArray(t, 6 * l);
            a7.intoArray(t, 7 * l);
            System.arraycopy(t, 0, c, c0, w);
        }
    }

    private static void oneWide(int k, float[] x, int x0, int xcs, float[] b, int po, float[] c, int c0, int w) {
        int l = S.length();
        int pw = 16 * l;
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        FloatVector a4 = a0;
        FloatVector a5 = a0;
        FloatVector a6 = a0;
        FloatVector a7 = a0;
        FloatVector a8 = a0;
        FloatVector a9 = a0;
        FloatVector a10 = a0;
        FloatVector a11 = a0;
        FloatVector a12 = a0;
        FloatVector a13 = a0;
        FloatVector a14 = a0;
        FloatVector a15 = a0;
        for (int p = 0, o = po; p < k; p++, o += pw) {
            FloatVector xp = FloatVector.broadcast(S, x[x0 + p * xcs]);
            a0 = FloatVector.fromArray(S, b, o).fma(xp, a0);
            a1 = FloatVector.fromArray(S, b, o + l).fma(xp, a1);
            a2 = FloatVector.fromArray(S, b, o + 2 * l).fma(xp, a2);
            a3 = FloatVector.fromArray(S, b, o + 3 * l).fma(xp, a3);
            a4 = FloatVector.fromArray(S, b, o + 4 * l).fma(xp, a4);
            a5 = FloatVector.fromArray(S, b, o + 5 * l).fma(xp, a5);
            a6 = FloatVector.fromArray(S, b, o + 6 * l).fma(xp, a6);
            a7 = FloatVector.fromArray(S, b, o + 7 * l).fma(xp, a7);
            a8 = FloatVector.fromArray(S, b, o + 8 * l).fma(xp, a8);
            a9 = FloatVector.fromArray(S, b, o + 9 * l).fma(xp, a9);
            a10 = FloatVector.fromArray(S, b, o + 10 * l).fma(xp, a10);
            a11 = FloatVector.fromArray(S, b, o + 11 * l).fma(xp, a11);
            a12 = FloatVector.fromArray(S, b, o + 12 * l).fma(xp, a12);
            a13 = FloatVector.fromArray(S, b, o + 13 * l).fma(xp, a13);
            a14 = FloatVector.fromArray(S, b, o + 14 * l).fma(xp, a14);
            a15 = FloatVector.fromArray(S, b, o + 15 * l).fma(xp, a15);
        }
        float[] t = new float[pw];
        a0.intoArray(t, 0);
        a1.intoArray(t, l);
        a2.intoArray(t, 2 * l);
        a3.intoArray(t, 3 * l);
        a4.intoArray(t, 4 * l);
        a5.intoArray(t, 5 * l);
        a6.intoArray(t, 6 * l);
        a7.intoArray(t, 7 * l);
        a8.intoArray(t, 8 * l);
        a9.intoArray(t, 9 * l);
        a10.intoArray(t, 10 * l);
        a11.intoArray(t, 11 * l);
        a12.intoArray(t, 12 * l);
        a13.intoArray(t, 13 * l);
        a14.intoArray(t, 14 * l);
        a15.intoArray(t, 15 * l);
        System.arraycopy(t, 0, c, c0, w);
    }

    private static void two(int k, float[] x, int x0, int x1, int xcs, float[] b, int po, float[] c, int c0, int c1,
                            int w) {
        int l = S.length();
        int pw = 4 * l;
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        FloatVector b0 = a0;
        FloatVector b1 = a0;
        FloatVector b2 = a0;
        FloatVector b3 = a0;
        for (int p = 0, o = po; p < k; p++, o += pw) {
            FloatVector w0 = FloatVector.fromArray(S, b, o);
            FloatVector w1 = FloatVector.fromArray(S, b, o + l);
            FloatVector w2 = FloatVector.fromArray(S, b, o + 2 * l);
            FloatVector w3 = FloatVector.fromArray(S, b, o + 3 * l);
            FloatVector xa = FloatVector.broadcast(S, x[x0 + p * xcs]);
            a0 = w0.fma(xa, a0);
            a1 = w1.fma(xa, a1);
            a2 = w2.fma(xa, a2);
            a3 = w3.fma(xa, a3);
            FloatVector xb = FloatVector.broadcast(S, x[x1 + p * xcs]);
            b0 = w0.fma(xb, b0);
            b1 = w1.fma(xb, b1);
            b2 = w2.fma(xb, b2);
            b3 = w3.fma(xb, b3);
        }
        float[] t = new float[2 * pw];
        a0.intoArray(t, 0);
        a1.intoArray(t, l);
        a2.intoArray(t, 2 * l);
        a3.intoArray(t, 3 * l);
        b0.intoArray(t, pw);
        b1.intoArray(t, pw + l);
        b2.intoArray(t, pw + 2 * l);
        b3.intoArray(t, pw + 3 * l);
        System.arraycopy(t, 0, c, c0, w);
        System.arraycopy(t, pw, c, c1, w);
    }

    private static void four(int k, float[] x, int[] xOffs, int xcs, float[] b, int po, float[] c, int[] cOffs, int w) {
        int l = S.length();
        int pw = 2 * l;
        int x0 = xOffs[0];
        int x1 = xOffs[1];
        int x2 = xOffs[2];
        int x3 = xOffs[3];
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = a0;
        FloatVector b0 = a0;
        FloatVector b1 = a0;
        FloatVector d0 = a0;
        FloatVector d1 = a0;
        FloatVector e0 = a0;
        FloatVector e1 = a0;
        for (int p = 0, o = po; p < k; p++, o += pw) {
            FloatVector w0 = FloatVector.fromArray(S, b, o);
            FloatVector w1 = FloatVector.fromArray(S, b, o + l);
            int xp = p * xcs;
            FloatVector xa = FloatVector.broadcast(S, x[x0 + xp]);
            a0 = w0.fma(xa, a0);
            a1 = w1.fma(xa, a1);
            FloatVector xb = FloatVector.broadcast(S, x[x1 + xp]);
            b0 = w0.fma(xb, b0);
            b1 = w1.fma(xb, b1);
            FloatVector xd = FloatVector.broadcast(S, x[x2 + xp]);
            d0 = w0.fma(xd, d0);
            d1 = w1.fma(xd, d1);
            FloatVector xe = FloatVector.broadcast(S, x[x3 + xp]);
            e0 = w0.fma(xe, e0);
            e1 = w1.fma(xe, e1);
        }
        float[] t = new float[4 * pw];
        a0.intoArray(t, 0);
        a1.intoArray(t, l);
        b0.intoArray(t, pw);
        b1.intoArray(t, pw + l);
        d0.intoArray(t, 2 * pw);
        d1.intoArray(t, 2 * pw + l);
        e0.intoArray(t, 3 * pw);
        e1.intoArray(t, 3 * pw + l);
        for (int r = 0; r < 4; r++) {
            System.arraycopy(t, r * pw, c, cOffs[r], w);
        }
    }
}
