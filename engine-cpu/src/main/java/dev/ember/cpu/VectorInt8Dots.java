package dev.ember.cpu;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link QuantizedKernels.Int8Dots} on the Vector API: each weight row's int8 values are widened to float lanes once
 * and multiplied into one float accumulator per activation row. The sums are exact: the activations are integers of
 * magnitude at most 255 and the weights in [-128, 127], so a product is below 2^15 in magnitude and a lane's sum of at
 * most {@link #LANE_PRODUCTS} of them stays below 2^24; each block's lanes are then converted and added as ints.
 */
final class VectorInt8Dots implements QuantizedKernels.Int8Dots {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Bytes to fill the float species' lanes: a quarter of its width. */
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class,
        VectorShape.forBitSize(S.vectorBitSize() / 4));
    private static final VectorSpecies<Double> DS = VectorSpecies.of(double.class, S.vectorShape());
    /** Lane i takes lane i + L/2 (mod L): the upper half's lanes moved down for their widening. */
    private static final VectorShuffle<Float> SWAP_HALVES =
            VectorShuffle.fromOp(S, i -> (i + S.length() / 2) % S.length());
    /** {@code -Dember.int8.convertLaneSums=true}: the old lane sums through {@code convert(F2I)}. */
    static final String CONVERT_SUMS_PROPERTY = "ember.int8.convertLaneSums";
    /** Products one lane adds up exactly: 512 * 255 * 128 < 2^24. */
    static final int LANE_PRODUCTS = 512;

    VectorInt8Dots() {
        VectorProfiles.seedOnce();
    }

    @Override
    public void dots(float[] a, int rows, int k, byte[] w, int wo, int n, int rowFrom, int rowTo, int[] out) {
        boolean convertSums = Boolean.getBoolean(CONVERT_SUMS_PROPERTY);
        int lanes = S.length();
        int block = LANE_PRODUCTS * lanes;
        int vecEnd = k - k % lanes;
        if (rows == 1) {
            oneRow(a, k, w, wo, rowFrom, rowTo, out, convertSums);
            return;
        }
        for (int j = rowFrom; j < rowTo; j++) {
            int wr = wo + j * k;
            // four activation rows a pass, in four accumulators (held in registers: an array of vectors would box them);
            // a pass of fewer rows repeats its last row and drops the repeats
            for (int r0 = 0; r0 < rows; r0 += 4) {
                int a0 = r0 * k;
                int a1 = Math.min(r0 + 1, rows - 1) * k;
                int a2 = Math.min(r0 + 2, rows - 1) * k;
                int a3 = Math.min(r0 + 3, rows - 1) * k;
                int t0 = 0;
                int t1 = 0;
                int t2 = 0;
                int t3 = 0;
                for (int c0 = 0; c0 < vecEnd; c0 += block) {
                    int c1 = Math.min(vecEnd, c0 + block);
                    FloatVector s0 = FloatVector.zero(S);
                    FloatVector s1 = FloatVector.zero(S);
                    FloatVector s2 = FloatVector.zero(S);
                    FloatVector s3 = FloatVector.zero(S);
                    for (int c = c0; c < c1; c += lanes) {
                        FloatVector wv = widen(w, wr + c);
                        s0 = FloatVector.fromArray(S, a, a0 + c).fma(wv, s0);
                        s1 = FloatVector.fromArray(S, a, a1 + c).fma(wv, s1);
                        s2 = FloatVector.fromArray(S, a, a2 + c).fma(wv, s2);
                        s3 = FloatVector.fromArray(S, a, a3 + c).fma(wv, s3);
                    }
                    t0 += laneSum(s0, convertSums);
                    t1 += laneSum(s1, convertSums);
                    t2 += laneSum(s2, convertSums);
                    t3 += laneSum(s3, convertSums);
                }
                for (int c = vecEnd; c < k; c++) {
                    t0 += (int) a[a0 + c] * w[wr + c];
                    t1 += (int) a[a1 + c] * w[wr + c];
                    t2 += (int) a[a2 + c] * w[wr + c];
                    t3 += (int) a[a3 + c] * w[wr + c];
                }
                out[r0 * n + j] = t0;
                if (r0 + 1 < rows) {
                    out[(r0 + 1) * n + j] = t1;
                }
                if (r0 + 2 < rows) {
                    out[(r0 + 2) * n + j] = t2;
                }
                if (r0 + 3 < rows) {
                    out[(r0 + 3) * n + j] = t3;
                }
            }
        }
    }

    /** One activation row: four accumulators over consecutive vectors, so the FMAs' latencies overlap. */
    private static void oneRow(float[] a, int k, byte[] w, int wo, int rowFrom, int rowTo, int[] out,
            boolean convertSums) {
        int lanes = S.length();
        int step = 4 * lanes;
        int block = LANE_PRODUCTS * step; // each accumulator sees every fourth vector: LANE_PRODUCTS products a lane
        int vecEnd = k - k % step;
        for (int j = rowFrom; j < rowTo; j++) {
            int wr = wo + j * k;
            int t = 0;
            for (int c0 = 0; c0 < vecEnd; c0 += block) {
                int c1 = Math.min(vecEnd, c0 + block);
                FloatVector s0 = FloatVector.zero(S);
                FloatVector s1 = FloatVector.zero(S);
                FloatVector s2 = FloatVector.zero(S);
                FloatVector s3 = FloatVector.zero(S);
                for (int c = c0; c < c1; c += step) {
                    s0 = FloatVector.fromArray(S, a, c).fma(widen(w, wr + c), s0);
                    s1 = FloatVector.fromArray(S, a, c + lanes).fma(widen(w, wr + c + lanes), s1);
                    s2 = FloatVector.fromArray(S, a, c + 2 * lanes).fma(widen(w, wr + c + 2 * lanes), s2);
                    s3 = FloatVector.fromArray(S, a, c + 3 * lanes).fma(widen(w, wr + c + 3 * lanes), s3);
                }
                t += laneSum(s0, convertSums) + laneSum(s1, convertSums) + laneSum(s2, convertSums)
                        + laneSum(s3, convertSums);
            }
            for (int c = vecEnd; c < k; c++) {
                t += (int) a[c] * w[wr + c];
            }
            out[j] = t;
        }
    }

    /** The int8 weights at {@code off}, widened to the float lanes. */
    private static FloatVector widen(byte[] w, int off) {
        return (FloatVector) ByteVector.fromArray(B, w, off).convertShape(VectorOperators.B2F, S, 0);
    }

    /**
     * The lanes' exact integer sums added up (exactly: each lane is an integer below 2^24 in magnitude). Through
     * doubles, the two halves of the lanes widened and added, then reduced: JDK 17's C2 has no float-to-int vector
     * cast, so {@code convert(F2I)} ran its element-by-element fallback on boxed vectors (115 to 680 ns a call on
     * this machine against 3 ns, more than the dot product it finishes). {@code convertSums} (property
     * {@value #CONVERT_SUMS_PROPERTY}) keeps that old path.
     */
    private static int laneSum(FloatVector v, boolean convertSums) {
        if (convertSums) {
            return ((IntVector) v.convert(VectorOperators.F2I, 0)).reduceLanes(VectorOperators.ADD);
        }
        DoubleVector low = (DoubleVector) v.convertShape(VectorOperators.F2D, DS, 0);
        DoubleVector high = (DoubleVector) v.rearrange(SWAP_HALVES).convertShape(VectorOperators.F2D, DS, 0);
        return (int) low.add(high).reduceLanes(VectorOperators.ADD);
    }
}
