package dev.ember.cpu;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The LSTM step's backward kernel ({@link RnnKernels#lstmBackward}): its vector rows and scalar tail give the bits of
 * the formula evaluated one element at a time in float, in the kernel's order, for widths below, at and past the
 * vector length, strided rows, and with and without the output's gradient.
 */
class RnnKernelsTest {
    private static float[] random(Random r, int n, boolean unit) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = unit ? r.nextFloat() : (float) r.nextGaussian();
        }
        return a;
    }

    @Test
    void vectorRowsAndScalarTailGiveTheFormulasBits() {
        Random rnd = new Random(40);
        int checked = 0;
        for (int h : new int[] {1, 7, 15, 16, 17, 31, 33, 64, 100}) {
            for (int rows : new int[] {1, 3}) {
                for (boolean withOut : new boolean[] {false, true}) {
                    int pad = 3;
                    int svrs = 5 * h + pad;
                    float[] sv = random(rnd, 1 + rows * svrs, true);
                    for (int r = 0; r < rows; r++) {
                        for (int j = 0; j < h; j++) {
                            // g and t are tanh values in (-1, 1)
                            sv[1 + r * svrs + 2 * h + j] = 2 * sv[1 + r * svrs + 2 * h + j] - 1;
                            sv[1 + r * svrs + 4 * h + j] = 2 * sv[1 + r * svrs + 4 * h + j] - 1;
                        }
                    }
                    int rs = h + pad;
                    float[] gOut = withOut ? random(rnd, 2 + rows * rs, false) : null;
                    float[] gH = random(rnd, rows * rs, false);
                    float[] gC = random(rnd, rows * rs, false);
                    float[] cPrev = random(rnd, rows * rs, false);
                    float[] gG = new float[rows * 4 * h];
                    float[] gCPrev = new float[rows * h];
                    RnnKernels.lstmBackward(rows, h, gOut, 2, rs, gH, 0, rs, gC, 0, rs, sv, 1, svrs, cPrev, 0, rs, gG, 0,
                            4 * h, gCPrev, 0, h);
                    for (int r = 0; r < rows; r++) {
                        for (int j = 0; j < h; j++) {
                            int s = 1 + r * svrs;
                            float i = sv[s + j];
                            float f = sv[s + h + j];
                            float g = sv[s + 2 * h + j];
                            float o = sv[s + 3 * h + j];
                            float t = sv[s + 4 * h + j];
                            float dh = withOut ? gOut[2 + r * rs + j] + gH[r * rs + j] : gH[r * rs + j];
                            float dc = gC[r * rs + j] + dh * o * (1 - t * t);
                            String at = "h " + h + " rows " + rows + " out " + withOut + " [" + r + ", " + j + "]";
                            assertEquals(dc * g * (i * (1 - i)), gG[r * 4 * h + j], 0, at + " di");
                            assertEquals(dc * cPrev[r * rs + j] * (f * (1 - f)), gG[r * 4 * h + h + j], 0, at + " df");
                            assertEquals(dc * i * (1 - g * g), gG[r * 4 * h + 2 * h + j], 0, at + " dg");
                            assertEquals(dh * t * (o * (1 - o)), gG[r * 4 * h + 3 * h + j], 0, at + " do");
                            assertEquals(dc * f, gCPrev[r * h + j], 0, at + " dc_prev");
                            checked++;
                        }
                    }
                }
            }
        }
        assertEquals(2 * 4 * 284, checked);
    }

    /**
     * A NaN activation (sign bit set, a payload) in each of i, f, g, o, t in turn: the vector rows compute
     * {@code 1 - x} as the scalar tail does (and PyTorch's vectorized tanh / sigmoid backward), so the NaN they give
     * has the tail's bits (before, {@code -x + 1} flipped its sign).
     */
    @Test
    void aNaNActivationGivesTheSameBitsInTheVectorRowsAsInTheTail() {
        int h = 17;
        int tail = h - 1;
        float nan = Float.intBitsToFloat(0xFFC00123);
        int nanOutputs = 0;
        for (int slot = 0; slot < 5; slot++) {
            float[] sv = new float[5 * h];
            float[] values = {0.25f, 0.5f, -0.75f, 0.625f, 0.375f};
            for (int k = 0; k < 5; k++) {
                java.util.Arrays.fill(sv, k * h, (k + 1) * h, values[k]);
            }
            sv[slot * h] = nan;
            sv[slot * h + tail] = nan;
            float[] gH = new float[h];
            float[] gC = new float[h];
            float[] cPrev = new float[h];
            java.util.Arrays.fill(gH, 1.5f);
            java.util.Arrays.fill(gC, -0.5f);
            java.util.Arrays.fill(cPrev, 2f);
            float[] gG = new float[4 * h];
            float[] gCPrev = new float[h];
            RnnKernels.lstmBackward(1, h, null, 0, h, gH, 0, h, gC, 0, h, sv, 0, 5 * h, cPrev, 0, h, gG, 0, 4 * h,
                    gCPrev, 0, h);
            for (int gate = 0; gate < 5; gate++) {
                float[] out = gate < 4 ? gG : gCPrev;
                int base = gate < 4 ? gate * h : 0;
                float lane = out[base];
                float scalar = out[base + tail];
                assertEquals(Integer.toHexString(Float.floatToRawIntBits(scalar)),
                        Integer.toHexString(Float.floatToRawIntBits(lane)), "NaN in slot " + slot + ", output " + gate);
                nanOutputs += Float.isNaN(lane) ? 1 : 0;
            }
        }
        // i: di, dg; f: df, dc_prev; g: di, dg; o and t: dc and so all five
        assertEquals(2 + 2 + 2 + 5 + 5, nanOutputs);
    }

    @Test
    void cellRowsSplitBetweenThreadsKeepTheirBits() {
        Random rnd = new Random(41);
        int before = CpuThreads.threads();
        try {
            for (int[] rh : new int[][] {{32, 256}, {33, 300}, {64, 17}}) {
                int rows = rh[0];
                int h = rh[1];
                float[] hh = random(rnd, rows * 4 * h, false);
                float[] ih = random(rnd, rows * 4 * h, false);
                float[] c = random(rnd, rows * h, false);
                float[][] lstm = new float[4][];
                float[][] gru = new float[4][];
                for (int threads = 1; threads <= 3; threads++) {
                    CpuThreads.setThreads(threads);
                    float[] hy = new float[rows * h];
                    float[] cy = new float[rows * h];
                    float[] sv = new float[rows * 5 * h];
                    RnnKernels.lstm(rows, h, hh, 0, 4 * h, ih, 0, 4 * h, c, 0, h, hy, 0, h, cy, 0, h, sv, 0, 5 * h);
                    float[] gy = new float[rows * h];
                    RnnKernels.gru(rows, h, ih, 0, 4 * h, hh, 0, 4 * h, c, 0, h, gy, 0);
                    lstm[threads] = concat(hy, cy, sv);
                    gru[threads] = gy;
                }
                for (int threads = 2; threads <= 3; threads++) {
                    org.junit.jupiter.api.Assertions.assertArrayEquals(lstm[1], lstm[threads], rows + "x" + h + " lstm, "
                            + threads + " threads");
                    org.junit.jupiter.api.Assertions.assertArrayEquals(gru[1], gru[threads], rows + "x" + h + " gru, "
                            + threads + " threads");
                }
            }
        } finally {
            CpuThreads.setThreads(before);
        }
    }

    private static float[] concat(float[]... parts) {
        int n = 0;
        for (float[] p : parts) {
            n += p.length;
        }
        float[] out = new float[n];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
