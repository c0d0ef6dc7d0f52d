package dev.ember.cpu;

import dev.ember.backend.BinaryOp;
import dev.ember.backend.UnaryOp;

/**
 * The pointwise part of PyTorch's LSTM and GRU cells on the CPU ({@code LSTMCell}/{@code GRUCell} of
 * aten/src/ATen/native/RNN.cpp after the two linear products) in one pass a row:
 * the same float operations in the same order as the composition of Ember's ops that a recorded forward runs (gate
 * sums, {@code sigmoid}/{@code tanh} through the same loops, whose vector lanes and scalar tails give the same bits,
 * products and sums each rounded to float), so the results are bit for bit the composition's, without its eleven
 * kernel calls and tensors a step; and the LSTM step's backward for a recorded forward (PyTorch 2.x's oneDNN layer,
 * {@code MkldnnRnnLayerBackward0}, whose forward saves those activations).
 */
final class RnnKernels {
    private RnnKernels() {
    }

    /**
     * A cell row's cost per hidden unit in {@link CpuThreads#chunks}' elements: its sigmoids and tanhs run in double
     * (five a unit for an LSTM), about eight plain elements' time each unit. Rows are split between the threads only
     * past that grain (a batch of 32 of 256 units, not a batch of 8); each row's bits do not depend on the split.
     */
    private static final long ROW_COST = 8;

    /** The unary op's own float loop (vector lanes and scalar tail alike): the composition's bits. */
    private static void sigmoid(float[] x, int xo, float[] o, int oo, int n) {
        ElementwiseKernels.unaryFloat(UnaryOp.SIGMOID, x, xo, 1, o, oo, 1, n);
    }

    private static void tanh(float[] x, int xo, float[] o, int oo, int n) {
        ElementwiseKernels.unaryFloat(UnaryOp.TANH, x, xo, 1, o, oo, 1, n);
    }

    /** {@code o = x + y} elementwise: the add kernel's float sums, on its vector loop where it has one. */
    private static void add(float[] x, int xo, float[] y, int yo, float[] o, int oo, int n) {
        ElementwiseKernels.binaryFloat(BinaryOp.ADD, x, xo, 1, y, yo, 1, o, oo, 1, n);
    }

    /** {@code o = x * y} elementwise, as {@link #add}. */
    private static void mul(float[] x, int xo, float[] y, int yo, float[] o, int oo, int n) {
        ElementwiseKernels.binaryFloat(BinaryOp.MUL, x, xo, 1, y, yo, 1, o, oo, 1, n);
    }

    /**
     * One LSTM step's pointwise part for {@code rows} rows of {@code h} hidden units: {@code gates = hh + ih} (each
     * {@code [rows, 4h]}), chunked into the input, forget, cell and output gates; {@code cy = f * c + i * g},
     * {@code hy = o * tanh(cy)}. Every operand's row {@code r} at {@code *o + r * *rs}, elements contiguous. With
     * {@code sv} (else null) each row of it ({@code 5h} wide) receives the activations a backward reads: i, f, g, o and
     * {@code tanh(cy)}, the very values the outputs were computed from.
     */
    static void lstm(int rows, int h, float[] hh, int hho, int hhrs, float[] ih, int iho, int ihrs, float[] c, int co,
                     int crs, float[] hy, int hyo, int hyrs, float[] cy, int cyo, int cyrs, float[] sv, int svo,
                     int svrs) {
        CpuThreads.parallelFor(rows, CpuThreads.chunks(rows, ROW_COST * h), (task, from, to) -> lstmRows(from, to, h, hh,
                hho, hhrs, ih, iho, ihrs, c, co, crs, hy, hyo, hyrs, cy, cyo, cyrs, sv, svo, svrs));
    }

    private static void lstmRows(int from, int to, int h, float[] hh, int hho, int hhrs, float[] ih, int iho, int ihrs,
                                 float[] c, int co, int crs, float[] hy, int hyo, int hyrs, float[] cy, int cyo,
                                 int cyrs, float[] sv, int svo, int svrs) {
        float[] g = new float[4 * h];
        float[] products = new float[2 * h];
        float[] scratch = sv == null ? new float[5 * h] : null;
        for (int r = from; r < to; r++) {
            add(hh, hho + r * hhrs, ih, iho + r * ihrs, g, 0, 4 * h);
            float[] act = sv == null ? scratch : sv;
            int s = sv == null ? 0 : svo + r * svrs;
            // the input and forget gates each its own run, as the composition's chunks (a row of h each): a run's
            // Sleef/libm boundary depends on its length
            sigmoid(g, 0, act, s, h);
            sigmoid(g, h, act, s + h, h);
            tanh(g, 2 * h, act, s + 2 * h, h);
            sigmoid(g, 3 * h, act, s + 3 * h, h);
            int out = cyo + r * cyrs;
            mul(act, s + h, c, co + r * crs, products, 0, h);
            mul(act, s, act, s + 2 * h, products, h, h);
            add(products, 0, products, h, cy, out, h);
            tanh(cy, out, act, s + 4 * h, h);
            mul(act, s + 3 * h, act, s + 4 * h, hy, hyo + r * hyrs, h);
        }
    }

    /**
     * The backward of {@link #lstm}'s step, PyTorch's {@code mkldnn_rnn_layer} backward for one step: {@code dh =
     * gOut + gH} ({@code gOut} the layer output's gradient at this step, or null), {@code dc = gC + dh o (1 - t^2)} with
     * {@code t = tanh(cy)}; the gate gradients before their activations {@code di = dc g i (1 - i)}, {@code df = dc
     * cPrev f (1 - f)}, {@code dg = dc i (1 - g^2)}, {@code do = dh t o (1 - o)} into {@code gG} ({@code [rows, 4h]}),
     * and {@code gCPrev = dc f}; each product rounded to float. {@code sv} holds the forward's activations (i, f, g, o,
     * t per row); layouts as {@link #lstm}'s.
     */
    static void lstmBackward(int rows, int h, float[] gOut, int goo, int gors, float[] gH, int gho, int ghrs,
                             float[] gC, int gco, int gcrs, float[] sv, int svo, int svrs, float[] cPrev, int cpo,
                             int cprs, float[] gG, int ggo, int ggrs, float[] gCPrev, int gcpo, int gcprs) {
        for (int r = 0; r < rows; r++) {
            int s = svo + r * svrs;
            int go = goo + r * gors;
            int gh = gho + r * ghrs;
            int gc = gco + r * gcrs;
            int cp = cpo + r * cprs;
            int gg = ggo + r * ggrs;
            int gcp = gcpo + r * gcprs;
            int done = ElementwiseKernels.lstmBackwardRow(gOut, go, gH, gh, gC, gc, sv, s, cPrev, cp, gG, gg, gCPrev,
                    gcp, h);
            for (int j = done; j < h; j++) {
                float i = sv[s + j];
                float f = sv[s + h + j];
                float g = sv[s + 2 * h + j];
                float o = sv[s + 3 * h + j];
                float t = sv[s + 4 * h + j];
                float dh = gOut == null ? gH[gh + j] : gOut[go + j] + gH[gh + j];
                float dc = gC[gc + j] + dh * o * (1 - t * t);
                gG[gg + j] = dc * g * (i * (1 - i));
                gG[gg + h + j] = dc * cPrev[cp + j] * (f * (1 - f));
                gG[gg + 2 * h + j] = dc * i * (1 - g * g);
                gG[gg + 3 * h + j] = dh * t * (o * (1 - o));
                gCPrev[gcp + j] = dc * f;
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
        CpuThreads.parallelFor(rows, CpuThreads.chunks(rows, ROW_COST * h), (task, from, to) -> gruRows(rows, from, to,
                h, ih, iho, ihrs, hh, hho, hhrs, hx, hxo, hxrs, hy, hyo));
    }

    /**
     * {@code o = sigmoid(x)} for row {@code row} of the composition's {@code sigmoid(h_g + i_g)}, a contiguous
     * {@code [rows, h]} tensor and so one run of {@code rows * h}: the elements before the run's vector part
     * ({@link SleefFloat#vectorPart}) in Sleef's form, the rest in the scalar form, as the unary kernel computes them.
     */
    private static void gruSigmoid(int rows, int row, int h, float[] x, int xo, float[] o, int oo) {
        if (SleefFloat.exact()) {
            sigmoid(x, xo, o, oo, h);
            return;
        }
        long sleef = SleefFloat.vectorPart(Math.multiplyExact(rows, h)) - (long) row * h;
        int cut = (int) Math.max(0, Math.min(h, sleef));
        for (int j = 0; j < h; j++) {
            float v = x[xo + j];
            o[oo + j] = j < cut ? SleefFloat.sigmoid(v) : SleefFloat.sigmoidLibm(v);
        }
    }

    private static void gruRows(int rows, int from, int to, int h, float[] ih, int iho, int ihrs, float[] hh, int hho,
                                int hhrs, float[] hx, int hxo, int hxrs, float[] hy, int hyo) {
        float[] s = new float[2 * h];
        float[] rz = new float[2 * h];
        float[] hr = new float[h];
        float[] nIn = new float[h];
        float[] n = new float[h];
        float[] d = new float[h];
        for (int row = from; row < to; row++) {
            int a = iho + row * ihrs;
            int b = hho + row * hhrs;
            add(hh, b, ih, a, s, 0, 2 * h);
            gruSigmoid(rows, row, h, s, 0, rz, 0);
            gruSigmoid(rows, row, h, s, h, rz, h);
            mul(hh, b + 2 * h, rz, 0, hr, 0, h);
            add(ih, a + 2 * h, hr, 0, nIn, 0, h);
            tanh(nIn, 0, n, 0, h);
            int out = hyo + row * h;
            ElementwiseKernels.binaryFloat(BinaryOp.SUB, hx, hxo + row * hxrs, 1, n, 0, 1, d, 0, 1, h);
            mul(d, 0, rz, h, d, 0, h);
            add(d, 0, n, 0, hy, out, h);
        }
    }
}
