package dev.ember.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Softmax and log-softmax over short contiguous rows (8 to {@value #MAX_N} elements), a block of {@value #BLOCK} rows
 * at a time, with the bits of the row kernel ({@link VectorSleef#softmaxRow}, PyTorch's {@code _vec_softmax_lastdim}
 * and {@code _vec_log_softmax_lastdim}). The row kernel's fixed cost per row, against the few vectors of a short row,
 * was most of a row of 64: a scalar Sleef log of the sum (log-softmax), a scalar Sleef exp for each element past the
 * last whole vector, the calls (the max through the loops' interface, then the row), and the exp's constants set up
 * again for each row. Here the block's rows first each find their maximum and sum the exps of their whole vectors in
 * eight lane accumulators, with the elements past the last whole vector written as {@code x - max} into a scratch;
 * those tails of all the block's rows then take one vector exp and join their lanes in the row kernel's order, each row's
 * sum is reduced in {@code vec::reduce_all}'s order, and the block's sums take one vector log (log-softmax) before the
 * rows are written. Sleef's exp and log give the same bits lane-wise and in their scalar forms, so every value is the
 * row kernel's. Their gradients likewise ({@link #backwardRows}): a block's row sums one after the other, the
 * tails' exps (log-softmax) in one vector pass, then the rows written. Only with eight float lanes (AVX2, PyTorch's
 * {@code Vectorized<float>}): other widths keep the row kernel. Loaded only through {@link VectorLoops}.
 */
final class VectorSoftmaxRows {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /** Rows a block: one vector of their sums. */
    static final int BLOCK = 8;
    /**
     * The longest row the blocks take. Thread CPU time at one thread, alternated in one JVM (session 62, loaded host):
     * log_softmax over 16384 rows of 64 took 0.80 of the row kernel's time, 8192 rows of 128 0.94, 4096 of 256 1.05 and
     * 2048 of 512 1.04: past 128 the fixed cost is little of a row and the row kernel's own loops are faster.
     */
    static final int MAX_N = 128;
    /**
     * Rows a block of softmax's backward over rows of more than 64: with eight (4 KB of each operand a block) its
     * rows of 128 from memory took 1.2x the row kernel's time (thread CPU time, one thread, 16384 rows, alternated in
     * one JVM, session 63, load 15: the write pass has no exp to hide the next block's loads behind); two took 0.85x.
     */
    private static final int SOFTMAX_LONG_BLOCK = 2;
    /** Floats of the scratch {@link #rows} takes: row maxima, lane sums, the tails' values, rowMax's lanes. */
    static final int SCRATCH = 8 + BLOCK * 8 + BLOCK + BLOCK + BLOCK * 7;

    private static final int LANES_AT = 8;
    private static final int MAX_AT = LANES_AT + BLOCK * 8;
    private static final int SUM_AT = MAX_AT + BLOCK;
    private static final int TAIL_AT = SUM_AT + BLOCK;

    private VectorSoftmaxRows() {
    }

    /** Whether {@link #rows} takes rows of {@code n}. */
    static boolean fits(int n) {
        return S.length() == 8 && n >= 8 && n <= MAX_N;
    }

    /**
     * Softmax ({@code log} false) or log-softmax of the {@code rows} contiguous rows of {@code n} ({@link #fits}) at
     * {@code x[xo:]} into the rows at {@code o[oo:]} (o is not x), the row kernel's bits. {@code scratch} holds at least
     * {@link #SCRATCH} floats.
     */
    static void rows(float[] x, int xo, float[] o, int oo, int n, int rows, boolean log, float[] scratch) {
        int bound = n & -8;
        int tail = n - bound;
        for (int r0 = 0; r0 < rows; r0 += BLOCK) {
            int b = Math.min(BLOCK, rows - r0);
            int xb = xo + r0 * n;
            int ob = oo + r0 * n;
            blockSums(x, xb, o, ob, n, b, scratch);
            if (tail > 0) {
                // the block's tails in one pass of Sleef's exp, then into their lanes in the row kernel's order
                VectorSleef.exp(scratch, TAIL_AT, scratch, TAIL_AT, b * tail);
                for (int k = 0; k < b; k++) {
                    int or = ob + k * n + bound;
                    for (int j = 0; j < tail; j++) {
                        float e = scratch[TAIL_AT + k * tail + j];
                        if (!log) {
                            o[or + j] = e;
                        }
                        scratch[LANES_AT + 8 * k + j] += e;
                    }
                }
            }
            for (int k = 0; k < b; k++) {
                int l = LANES_AT + 8 * k;
                // vec::reduce_all's order (VectorSleef's horizontal sum)
                scratch[SUM_AT + k] = ((scratch[l] + scratch[l + 4]) + (scratch[l + 2] + scratch[l + 6]))
                        + ((scratch[l + 1] + scratch[l + 5]) + (scratch[l + 3] + scratch[l + 7]));
            }
            if (log) {
                VectorSleef.log(scratch, SUM_AT, scratch, SUM_AT, b);
            }
            // the rows: log-softmax (x - max) - log(sum), softmax e * (1 / sum)
            for (int k = 0; k < b; k++) {
                int xr = xb + k * n;
                int or = ob + k * n;
                int i = 0;
                if (log) {
                    float max = scratch[MAX_AT + k];
                    float logSum = scratch[SUM_AT + k];
                    for (; i < bound; i += 8) {
                        FloatVector.fromArray(S, x, xr + i).sub(max).sub(logSum).intoArray(o, or + i);
                    }
                    for (; i < n; i++) {
                        o[or + i] = x[xr + i] - max - logSum;
                    }
                } else {
                    float inv = 1f / scratch[SUM_AT + k];
                    for (; i < bound; i += 8) {
                        FloatVector.fromArray(S, o, or + i).mul(inv).intoArray(o, or + i);
                    }
                    for (; i < n; i++) {
                        o[or + i] *= inv;
                    }
                }
            }
        }
    }

    /**
     * For each of the {@code b} rows at {@code x[xo:]}: its maximum as the row kernel finds it (into the scratch), the
     * exps of its whole vectors summed in eight lanes (into the scratch) and written to o, and its elements past
     * them as {@code x - max} (into the scratch). A compile root of its own (over C2's inlining limit): inlined with
     * the rest of {@link #rows}, its vector code took C2 past its node cutoff, which left Sleef's exp a call with its
     * vectors boxed (6 MB allocated a call of log_softmax over 16384 rows of 64).
     */
    private static void blockSums(float[] x, int xo, float[] o, int oo, int n, int b, float[] scratch) {
        int bound = n & -8;
        int tail = n - bound;
        FloatVector negInf = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int k = 0; k < b; k++) {
            int xr = xo + k * n;
            int or = oo + k * n;
            // Java's max over the row (associative and commutative: any grouping), then PyTorch's from it; four
            // accumulators, as the loops' extreme (Java's max is a chain of instructions on x86)
            FloatVector m0 = negInf;
            FloatVector m1 = negInf;
            FloatVector m2 = negInf;
            FloatVector m3 = negInf;
            int i = 0;
            for (; i + 32 <= bound; i += 32) {
                m0 = m0.max(FloatVector.fromArray(S, x, xr + i));
                m1 = m1.max(FloatVector.fromArray(S, x, xr + i + 8));
                m2 = m2.max(FloatVector.fromArray(S, x, xr + i + 16));
                m3 = m3.max(FloatVector.fromArray(S, x, xr + i + 24));
            }
            for (; i < bound; i += 8) {
                m0 = m0.max(FloatVector.fromArray(S, x, xr + i));
            }
            float javaMax = m0.max(m1).max(m2.max(m3)).reduceLanes(VectorOperators.MAX);
            for (i = bound; i < n; i++) {
                javaMax = Math.max(javaMax, x[xr + i]);
            }
            float max = VectorSleef.rowMax(javaMax, x, xr, n, scratch);
            // e = exp(x - max) over the whole vectors, summed in eight lanes and written (softmax scales them in
            // place; log-softmax writes its row over them): a branch on log here, with e live across it, made C2 box
            // the vectors once both ways had run (6 MB allocated a call of log_softmax over 16384 rows of 64)
            FloatVector mv = FloatVector.broadcast(S, max);
            FloatVector acc = FloatVector.broadcast(S, -0f);
            for (i = 0; i < bound; i += 8) {
                FloatVector e = VectorSleef.exp(FloatVector.fromArray(S, x, xr + i).sub(mv));
                e.intoArray(o, or + i);
                acc = acc.add(e);
            }
            acc.intoArray(scratch, LANES_AT + 8 * k);
            scratch[MAX_AT + k] = max;
            for (int j = 0; j < tail; j++) {
                scratch[TAIL_AT + k * tail + j] = x[xr + bound + j] - max;
            }
        }
    }

    /**
     * The gradient of softmax ({@code log} false) or log-softmax over the {@code rows} contiguous rows of {@code n}
     * ({@link #fits}) from the incoming gradient at {@code g[go:]} and the forward's result at {@code y[yo:]} into the
     * rows at {@code o[oo:]}, the row kernel's bits ({@link VectorSleef#backwardSum} and
     * {@link VectorSleef#softmaxBackwardRow}, PyTorch's {@code _vec_host_softmax_backward_lastdim}). A block's rows
     * first take their sums one after the other, each as the row kernel's: {@code g} (log-softmax) or {@code g y} as
     * fused multiply-adds (softmax) from {@code -0} in eight lanes over the whole vectors in order, each element past
     * them into its lane (one each), then {@code vec::reduce_all}'s order. Nothing stands between one row's chain of
     * dependent adds (or fused multiply-adds) and the next row's, so the core runs several rows' chains at once, where
     * the row kernel wrote each row between them. Eight rows side by side, each in an accumulator of its own, were
     * slower: rows of 128 floats 512 bytes apart, 1.2x this time in the first-level cache and 2x from memory. Then
     * log-softmax's rows take the exps of the block's elements past their whole vectors in one vector pass (the row
     * kernel took a scalar exp each; Sleef's exp gives the same bits lane-wise and in its scalar form), and
     * {@link #writeBlock} writes the rows. Blocks of {@value #BLOCK} rows, of {@value #SOFTMAX_LONG_BLOCK} for
     * softmax's rows of more than 64. {@code scratch} holds at least {@link #SCRATCH} floats.
     */
    static void backwardRows(float[] g, int go, float[] y, int yo, float[] o, int oo, int n, int rows, boolean log,
                             float[] scratch) {
        int bound = n & -8;
        int tail = n - bound;
        FloatVector z = FloatVector.broadcast(S, -0f);
        int block = log || n <= 64 ? BLOCK : SOFTMAX_LONG_BLOCK;
        for (int r0 = 0; r0 < rows; r0 += block) {
            int b = Math.min(block, rows - r0);
            int gb = go + r0 * n;
            int yb = yo + r0 * n;
            for (int k = 0; k < b; k++) {
                int gr = gb + k * n;
                int yr = yb + k * n;
                FloatVector acc = z;
                if (log) {
                    for (int i = 0; i < bound; i += 8) {
                        acc = acc.add(FloatVector.fromArray(S, g, gr + i));
                    }
                } else {
                    for (int i = 0; i < bound; i += 8) {
                        acc = FloatVector.fromArray(S, g, gr + i).fma(FloatVector.fromArray(S, y, yr + i), acc);
                    }
                }
                int l = LANES_AT + 8 * k;
                acc.intoArray(scratch, l);
                for (int i = bound; i < n; i++) {
                    int j = l + i - bound;
                    scratch[j] = log ? scratch[j] + g[gr + i] : Math.fma(g[gr + i], y[yr + i], scratch[j]);
                }
                // vec::reduce_all's order (VectorSleef's horizontal sum)
                scratch[SUM_AT + k] = ((scratch[l] + scratch[l + 4]) + (scratch[l + 2] + scratch[l + 6]))
                        + ((scratch[l + 1] + scratch[l + 5]) + (scratch[l + 3] + scratch[l + 7]));
            }
            if (log && tail > 0) {
                // exp(y) past the whole vectors, all the block's rows in one pass of Sleef's exp
                for (int k = 0; k < b; k++) {
                    System.arraycopy(y, yb + k * n + bound, scratch, TAIL_AT + k * tail, tail);
                }
                VectorSleef.exp(scratch, TAIL_AT, scratch, TAIL_AT, b * tail);
            }
            writeBlock(g, gb, y, yb, o, oo + r0 * n, n, b, log, scratch);
        }
    }

    /**
     * Writes {@link #backwardRows}'s block of {@code b} rows from their sums in the scratch: softmax
     * {@code (g - sum) y}; log-softmax {@code g - exp(y) sum}, the product and difference one fused multiply-add (as
     * the row kernel), Sleef's exp on the whole vectors and, past them, the exps already in the scratch. A compile
     * root of its own (over C2's inlining limit): with a second inlined exp (the tails') in one method, C2 left the
     * vectors of one of them boxed (about 190 bytes allocated a vector).
     */
    private static void writeBlock(float[] g, int go, float[] y, int yo, float[] o, int oo, int n, int b,
                                   boolean log, float[] scratch) {
        int bound = n & -8;
        int tail = n - bound;
        if (!log) {
            for (int k = 0; k < b; k++) {
                int at = k * n;
                float sum = scratch[SUM_AT + k];
                int i = 0;
                for (; i < bound; i += 8) {
                    FloatVector.fromArray(S, g, go + at + i).sub(sum).mul(FloatVector.fromArray(S, y, yo + at + i))
                            .intoArray(o, oo + at + i);
                }
                for (; i < n; i++) {
                    o[oo + at + i] = (g[go + at + i] - sum) * y[yo + at + i];
                }
            }
            return;
        }
        for (int k = 0; k < b; k++) {
            int at = k * n;
            float negSum = -scratch[SUM_AT + k];
            FloatVector s = FloatVector.broadcast(S, negSum);
            for (int i = 0; i < bound; i += 8) {
                FloatVector e = VectorSleef.exp(FloatVector.fromArray(S, y, yo + at + i));
                e.fma(s, FloatVector.fromArray(S, g, go + at + i)).intoArray(o, oo + at + i);
            }
            for (int j = 0; j < tail; j++) {
                o[oo + at + bound + j] = Math.fma(scratch[TAIL_AT + k * tail + j], negSum, g[go + at + bound + j]);
            }
        }
    }
}
