package dev.ember.cpu;

import dev.ember.backend.UnaryOp;

/**
 * The pointwise part of PyTorch's LSTM and GRU cells on the CPU ({@code LSTMCell}/{@code GRUCell} of
 * aten/src/ATen/native/RNN.cpp after the two linear products) in one pass a row, for forwards that record no graph:
 * the same float operations in the same order as the composition of Ember's ops that a recorded forward runs (gate
 * sums, {@code sigmoid}/{@code tanh} through the same loops, whose vector lanes and scalar tails give the same bits,
 * products and sums each rounded to float), so the results are bit for bit the composition's, without its eleven
 * kernel calls and tensors a step.
 */
final class RnnKernels {
    private RnnKernels() {
    }

    /** The unary op's own float loop (vector lanes and scalar tail alike): the composition's bits. */
    private static void sigmoid(float[] x, int xo, float[] o, int oo, int n) {
        ElementwiseKernels.unaryFloat(UnaryOp.SIGMOID, x, xo, 1, o, oo, 1, n);
    }

    private static void tanh(float[] x, int xo, float[] o, int oo, int n) {
        ElementwiseKernels.unaryFloat(UnaryOp.TANH, x, xo, 1, o, oo, 1, n);
    }

    /**
     * One LSTM step's pointwise part for {@code rows} rows of {@code h} hidden units: {@code gates = hh + ih} (each
     * {@code [rows, 4h]}), chunked into the input, forget, cell and output gates; {@code cy = f * c + i * g},
     * {@code hy = o * tanh(cy)}. Rows at {@code *o + r * *rs}, elements contiguous; {@code hy} and {@code cy}
     * contiguous {@code [rows, h]}.
     */
    static void lstm(int rows, int h, float[] hh, int hho, int hhrs, float[] ih, int iho, int ihrs, float[] c, int co,
                     int crs, float[] hy, int hyo, float[] cy, int cyo) {
        float[] g = new float[4 * h];
        float[] act = new float[4 * h];
        float[] t = new float[h];
        for (int r = 0; r < rows; r++) {
            int a = hho + r * hhrs;
            int b = iho + r * ihrs;
            for (int j = 0; j < 4 * h; j++) {
                g[j] = hh[a + j] + ih[b + j];
            }
            sigmoid(g, 0, act, 0, 2 * h);
            tanh(g, 2 * h, act, 2 * h, h);
            sigmoid(g, 3 * h, act, 3 * h, h);
            int cr = co + r * crs;
            int out = cyo + r * h;
            for (int j = 0; j < h; j++) {
                float fc = act[h + j] * c[cr + j];
                float ig = act[j] * act[2 * h + j];
                cy[out + j] = fc + ig;
            }
            tanh(cy, out, t, 0, h);
            int ho = hyo + r * h;
            for (int j = 0; j < h; j++) {
                hy[ho + j] = act[3 * h + j] * t[j];
            }
        }
    }

    /**
     * One GRU step's pointwise part: {@code ih} and {@code hh} ({@code [rows, 3h]}) chunked in three;
     * {@code r = sigmoid(hh_r + ih_r)}, {@code z = sigmoid(hh_z + ih_z)}, {@code n = tanh(ih_n + hh_n * r)},
     * {@code hy = (h - n) * z + n}; layouts as {@link #lstm}'s.
     */
    static void gru(int rows, int h, float[] ih, int iho, int ihrs, float[] hh, int hho, int hhrs, float[] hx, int hxo,
                    int hxrs, float[] hy, int hyo) {
        float[] s = new float[2 * h];
        float[] rz = new float[2 * h];
        float[] nIn = new float[h];
        float[] n = new float[h];
        for (int row = 0; row < rows; row++) {
            int a = iho + row * ihrs;
            int b = hho + row * hhrs;
            for (int j = 0; j < 2 * h; j++) {
                s[j] = hh[b + j] + ih[a + j];
            }
            sigmoid(s, 0, rz, 0, 2 * h);
            for (int j = 0; j < h; j++) {
                float hr = hh[b + 2 * h + j] * rz[j];
                nIn[j] = ih[a + 2 * h + j] + hr;
            }
            tanh(nIn, 0, n, 0, h);
            int x = hxo + row * hxrs;
            int out = hyo + row * h;
            for (int j = 0; j < h; j++) {
                float d = hx[x + j] - n[j];
                float dz = d * rz[h + j];
                hy[out + j] = dz + n[j];
            }
        }
    }
}
