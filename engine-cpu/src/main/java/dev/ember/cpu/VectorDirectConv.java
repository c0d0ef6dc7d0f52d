package dev.ember.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link DirectConv} on the incubating Vector API. Loaded only after {@link MicroKernels} has seen the module.
 *
 * <p>Forward: for each output row, eight output pixels at a time, eight accumulators of output channels; per (ci, ki,
 * kj) one weight vector and eight broadcast input values. Weight gradient: eight (ci, ki, kj) at a time, eight
 * accumulators of output channels; per output pixel one vector of the (transposed) output gradient and eight broadcast
 * input values. Input gradient: per padded input row, one vector of columns, four (then two, then one) input channels'
 * accumulators; per (oc, ki, kj) one vector of the zero-padded output gradient's row and the channels' broadcast
 * weights.
 */
final class VectorDirectConv extends DirectConv {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    // before this class's first kernel runs: keeps JDK 17's C2 from dropping the kernels' intrinsics (VectorProfiles)
    static {
        VectorProfiles.seedOnce();
    }
    private static final int L = S.length();
    private static final float[] ZEROS = new float[2 * L];
    /** Whether the forward pass takes two blocks of output channels at a time where there are two. */
    private static final boolean PAIRED = Boolean.parseBoolean(System.getProperty("ember.cpu.directConvPairs", "true"));
    /** Whether the forward pass takes the row kernels for kernels 3 and 5 wide ({@link #rowKernel}). */
    private static final boolean ROWS = Boolean.parseBoolean(System.getProperty("ember.cpu.directConvRows", "true"));
    /**
     * Whether the machine has 32 vector registers (AVX-512: a 512-bit species here), not AVX2's 16: the 3-wide row
     * kernel then takes two blocks of output channels at once (16 accumulators and six weight vectors), and the 5-wide
     * row kernel runs at all.
     */
    private static final boolean ROW_PAIRS = L >= 16;
    /** Whether the weight gradient takes two blocks of output channels at once (16 accumulators): as ROW_PAIRS. */
    private static final boolean WEIGHT_PAIRS = L >= 16
            && Boolean.parseBoolean(System.getProperty("ember.cpu.directConvWeightPairs", "true"));

    @Override
    int lanes() {
        return L;
    }

    /** Gathered output transposition ({@code -Dember.cpu.directConvGather=false} turns it off). */
    private static final boolean GATHER = Boolean.parseBoolean(System.getProperty("ember.cpu.directConvGather", "true"));
    /** The gather's index map: lane k reads k * L floats on. */
    private static final int[] STRIDE_L = java.util.stream.IntStream.range(0, L).map(k -> k * L).toArray();
    /** Scratch slots of this class (each kernel keeps per-thread buffers, see {@link Scratch}). */
    private static final int PADDED = Scratch.DIRECT_INPUT;
    private static final int TRANSPOSED = Scratch.DIRECT_ROWS;

    /**
     * The input of sample n, group gi, as the kernels read it: offset, row stride and plane stride, in {@code x} itself
     * when there is no padding, else in a zero-padded copy in this thread's scratch (returned through {@code src}).
     */
    private static int[] image(float[] x, int xOff, ConvKernels.Geom s, int n, int gi, float[][] src) {
        int ph = s.p.padH();
        int pw = s.p.padW();
        int base = xOff + (n * s.c + gi * s.cg) * s.h * s.w;
        if (ph == 0 && pw == 0) {
            src[0] = x;
            return new int[] {base, s.w, s.h * s.w};
        }
        int hp = s.h + 2 * ph;
        int wp = s.w + 2 * pw;
        float[] buf = Scratch.floats(PADDED, s.cg * hp * wp);
        // every value written once: the padding rows, then each row's left padding, values and right padding
        for (int ci = 0; ci < s.cg; ci++) {
            int plane = ci * hp * wp;
            java.util.Arrays.fill(buf, plane, plane + ph * wp, 0f);
            for (int y = 0; y < s.h; y++) {
                int row = plane + (y + ph) * wp;
                for (int k = 0; k < pw; k++) {
                    buf[row + k] = 0f;
                    buf[row + pw + s.w + k] = 0f;
                }
                System.arraycopy(x, base + (ci * s.h + y) * s.w, buf, row + pw, s.w);
            }
            java.util.Arrays.fill(buf, plane + (ph + s.h) * wp, plane + hp * wp, 0f);
        }
        src[0] = buf;
        return new int[] {0, wp, hp * wp};
    }

    /** Copies a short run (a plain loop: arraycopy's call costs more than LeNet's rows of 10 and 14). */
    private static void copy(float[] src, int from, float[] dst, int to, int len) {
        if (len >= 64) {
            System.arraycopy(src, from, dst, to, len);
            return;
        }
        for (int i = 0; i < len; i++) {
            dst[to + i] = src[from + i];
        }
    }

    /** The offset of each (ci, ki, kj) from an output pixel's top-left input value. */
    private static int[] offsets(ConvKernels.Geom s, int rowStride, int planeStride) {
        int[] off = new int[s.ckk];
        int j = 0;
        for (int ci = 0; ci < s.cg; ci++) {
            for (int ki = 0; ki < s.kh; ki++) {
                for (int kj = 0; kj < s.kw; kj++) {
                    off[j++] = ci * planeStride + ki * rowStride + kj;
                }
            }
        }
        return off;
    }

    // ------------------------------------------------------------------ forward

    @Override
    void forward(float[] x, int xOff, float[] pw, float[] bias, float[] y, int yOff, ConvKernels.Geom s, int from,
                 int to) {
        int blocks = s.og / L;
        float[] t = Scratch.floats(TRANSPOSED, 2 * s.ohw * L);
        float[][] src = new float[1][];
        int[] off = null;
        int[] pix = null;
        int[] rowOff = null;
        int offRow = -1;
        int[] order = order(s);
        boolean[] runsOf = GATHER ? contiguousRuns(order) : null;
        int runs = rowKernel(s) ? s.oh * (s.ow / 8) : 0;
        int rows = s.cg * s.kh;
        for (int n = from; n < to; n++) {
            for (int gi = 0; gi < s.g; gi++) {
                int[] img = image(x, xOff, s, n, gi, src);
                if (img[1] != offRow) {
                    off = offsets(s, img[1], img[2]);
                    pix = pixels(s, img[1], order);
                    rowOff = rowOffsets(s, img[1], img[2]);
                    offRow = img[1];
                }
                float[] xs = src[0];
                // the bias as an array: a vector passed into the kernels would stay boxed in their loops
                float[] b = bias == null ? ZEROS : bias;
                for (int ob = 0; ob < blocks; ob += PAIRED && ob + 1 < blocks ? 2 : 1) {
                    int wBase = (gi * blocks + ob) * s.ckk * L;
                    int c0 = gi * s.og + ob * L;
                    int bOff = bias == null ? 0 : c0;
                    int pair = PAIRED && ob + 1 < blocks ? 2 : 1;
                    int bOff2 = bias == null ? 0 : c0 + L;
                    // runs of eight pixels of one output row: each input value loaded once per row of the kernel
                    for (int r = 0; r < runs; r++) {
                        int i0 = img[0] + pix[8 * r];
                        int tOff = 8 * r * L;
                        if (s.kw == 3 && pair == 2 && ROW_PAIRS) {
                            row3x2(xs, i0, rowOff, rows, pw, wBase, b, bOff, bOff2, t, tOff, s.ohw * L);
                            continue;
                        }
                        for (int k = 0; k < pair; k++) {
                            int wb = wBase + k * s.ckk * L;
                            int bo = bias == null ? 0 : c0 + k * L;
                            if (s.kw == 3) {
                                row3(xs, i0, rowOff, rows, pw, wb, b, bo, t, k * s.ohw * L + tOff);
                            } else {
                                row5(xs, i0, rowOff, rows, pw, wb, b, bo, t, k * s.ohw * L + tOff);
                            }
                        }
                    }
                    int p = 8 * runs;
                    if (pair == 2) {
                        // two blocks of channels: each input value feeds two vectors (12 FMAs per 8 loads)
                        for (; p + 6 <= s.ohw; p += 6) {
                            forward2x6(xs, img[0], pix, p, off, s.ckk, pw, wBase, b, bOff, bOff2, t, s.ohw * L);
                        }
                    }
                    for (int k = 0; k < pair; k++) {
                        int wb = wBase + k * s.ckk * L;
                        int bo = bias == null ? 0 : c0 + k * L;
                        int tBase = k * s.ohw * L;
                        int q = p;
                        for (; q + 8 <= s.ohw; q += 8) {
                            forward8(xs, img[0], pix, q, off, s.ckk, pw, wb, b, bo, t, tBase);
                        }
                        for (; q + 4 <= s.ohw; q += 4) {
                            forward4(xs, img[0], pix, q, off, s.ckk, pw, wb, b, bo, t, tBase);
                        }
                        for (; q < s.ohw; q++) {
                            forward1(xs, img[0] + pix[q], off, s.ckk, pw, wb, b, bo, t, tBase + q * L);
                        }
                    }
                    // [ohw][L] per block, pixels in the order of order[] -> the output's channel planes
                    int yBase = yOff + (n * s.o + c0) * s.ohw;
                    transpose(t, s.ohw, pair, y, yBase, order, runsOf);
                }
            }
        }
    }

    /**
     * Whether the forward pass takes the row kernels: a kernel 3 wide, or 5 wide where the machine has 32 vector
     * registers (on AVX2's 16 the 5-wide kernel's 14 live vectors spilled: LeNet's conv2 forward took 0.94-0.96 ms on
     * one thread against the pixel kernels' 0.48-0.51), and output rows of at least eight pixels.
     * They add the same products in the same order as the pixel kernels (each output's (ci, ki, kj) in turn), so the
     * results are the same bits; they load each input value once per row of the kernel instead of once per product.
     */
    private static boolean rowKernel(ConvKernels.Geom s) {
        return ROWS && (s.kw == 3 || s.kw == 5 && ROW_PAIRS) && s.ow >= 8;
    }

    /**
     * The order the forward pass computes the output pixels in (as indices oy * ow + ox): with the row kernels, the
     * runs of eight pixels of every row first, then every row's last ow % 8 pixels (which the pixel kernels take, from
     * any rows); else row by row.
     */
    private static int[] order(ConvKernels.Geom s) {
        int[] order = new int[s.ohw];
        int runs = rowKernel(s) ? s.ow / 8 * 8 : 0;
        int k = 0;
        for (int oy = 0; oy < s.oh; oy++) {
            for (int ox = 0; ox < runs; ox++) {
                order[k++] = oy * s.ow + ox;
            }
        }
        for (int oy = 0; oy < s.oh; oy++) {
            for (int ox = runs; ox < s.ow; ox++) {
                order[k++] = oy * s.ow + ox;
            }
        }
        return order;
    }

    /**
     * Whether each whole vector's worth of positions of {@code order} (q = i * L ... i * L + L - 1) names L consecutive
     * pixels: those the output transposition moves with one gather and one contiguous store.
     */
    private static boolean[] contiguousRuns(int[] order) {
        boolean[] runs = new boolean[order.length / L];
        for (int i = 0; i < runs.length; i++) {
            boolean c = true;
            for (int k = 1; k < L && c; k++) {
                c = order[i * L + k] == order[i * L] + k;
            }
            runs[i] = c;
        }
        return runs;
    }

    /**
     * The [ohw][L] tiles of {@code pair} blocks of output channels in {@code t} into their channel planes from
     * {@code yBase}: {@code y[yBase + c * ohw + order[q]] = t[(c / L) * ohw * L + q * L + c % L]}, L pixels at a time so
     * the tile's part stays in the first-level cache while every channel takes it (one gather and one contiguous store
     * where the L pixels are consecutive in the output: every run of the row kernels on rows a multiple of L wide).
     */
    private static void transpose(float[] t, int ohw, int pair, float[] y, int yBase, int[] order, boolean[] runs) {
        int q = 0;
        for (int i = 0; runs != null && i < runs.length; i++, q += L) {
            for (int c = 0; c < pair * L; c++) {
                int src = (c / L) * ohw * L + c % L;
                int dst = yBase + c * ohw;
                if (runs[i]) {
                    FloatVector.fromArray(S, t, src + q * L, STRIDE_L, 0).intoArray(y, dst + order[q]);
                } else {
                    for (int k = q; k < q + L; k++) {
                        y[dst + order[k]] = t[src + k * L];
                    }
                }
            }
        }
        for (int c = 0; c < pair * L; c++) {
            int src = (c / L) * ohw * L + c % L;
            int dst = yBase + c * ohw;
            for (int k = q; k < ohw; k++) {
                y[dst + order[k]] = t[src + k * L];
            }
        }
    }

    /** The offset of each (ci, ki) row of the kernel from an output pixel's top-left input value. */
    private static int[] rowOffsets(ConvKernels.Geom s, int rowStride, int planeStride) {
        int[] off = new int[s.cg * s.kh];
        for (int ci = 0, j = 0; ci < s.cg; ci++) {
            for (int ki = 0; ki < s.kh; ki++) {
                off[j++] = ci * planeStride + ki * rowStride;
            }
        }
        return off;
    }

    /** Each output pixel's offset from the image's first input value, in the order of {@code order}. */
    private static int[] pixels(ConvKernels.Geom s, int rowStride, int[] order) {
        int[] pix = new int[s.ohw];
        for (int q = 0; q < s.ohw; q++) {
            pix[q] = order[q] / s.ow * rowStride + order[q] % s.ow;
        }
        return pix;
    }

    /** Output pixels p..p+7 (in any rows) of one block of output channels into t[p * L ...]. */
    private static void forward8(float[] x, int base, int[] pix, int p, int[] off, int ckk, float[] w, int wBase,
                                 float[] bias, int bOff, float[] t, int tBase) {
        int i0 = base + pix[p], i1 = base + pix[p + 1], i2 = base + pix[p + 2], i3 = base + pix[p + 3];
        int i4 = base + pix[p + 4], i5 = base + pix[p + 5], i6 = base + pix[p + 6], i7 = base + pix[p + 7];
        FloatVector b = FloatVector.fromArray(S, bias, bOff);
        FloatVector a0 = b, a1 = b, a2 = b, a3 = b, a4 = b, a5 = b, a6 = b, a7 = b;
        for (int j = 0; j < ckk; j++) {
            FloatVector wv = FloatVector.fromArray(S, w, wBase + j * L);
            int o = off[j];
            a0 = FloatVector.broadcast(S, x[i0 + o]).fma(wv, a0);
            a1 = FloatVector.broadcast(S, x[i1 + o]).fma(wv, a1);
            a2 = FloatVector.broadcast(S, x[i2 + o]).fma(wv, a2);
            a3 = FloatVector.broadcast(S, x[i3 + o]).fma(wv, a3);
            a4 = FloatVector.broadcast(S, x[i4 + o]).fma(wv, a4);
            a5 = FloatVector.broadcast(S, x[i5 + o]).fma(wv, a5);
            a6 = FloatVector.broadcast(S, x[i6 + o]).fma(wv, a6);
            a7 = FloatVector.broadcast(S, x[i7 + o]).fma(wv, a7);
        }
        int tOff = tBase + p * L;
        a0.intoArray(t, tOff);
        a1.intoArray(t, tOff + L);
        a2.intoArray(t, tOff + 2 * L);
        a3.intoArray(t, tOff + 3 * L);
        a4.intoArray(t, tOff + 4 * L);
        a5.intoArray(t, tOff + 5 * L);
        a6.intoArray(t, tOff + 6 * L);
        a7.intoArray(t, tOff + 7 * L);
    }

    /**
     * Output pixels p..p+5 of two blocks of output channels (weights from wBase and wBase + ckk * L) into t[p * L ...]
     * and t[second + p * L ...]: twelve accumulators, each broadcast input value used twice.
     */
    private static void forward2x6(float[] x, int base, int[] pix, int p, int[] off, int ckk, float[] w, int wBase,
                                   float[] bias, int bOff, int bOff2, float[] t, int second) {
        int i0 = base + pix[p], i1 = base + pix[p + 1], i2 = base + pix[p + 2];
        int i3 = base + pix[p + 3], i4 = base + pix[p + 4], i5 = base + pix[p + 5];
        int w2 = wBase + ckk * L;
        FloatVector b = FloatVector.fromArray(S, bias, bOff);
        FloatVector c = FloatVector.fromArray(S, bias, bOff2);
        FloatVector a0 = b, a1 = b, a2 = b, a3 = b, a4 = b, a5 = b;
        FloatVector c0 = c, c1 = c, c2 = c, c3 = c, c4 = c, c5 = c;
        for (int j = 0; j < ckk; j++) {
            FloatVector u = FloatVector.fromArray(S, w, wBase + j * L);
            FloatVector v = FloatVector.fromArray(S, w, w2 + j * L);
            int o = off[j];
            FloatVector x0 = FloatVector.broadcast(S, x[i0 + o]);
            a0 = x0.fma(u, a0);
            c0 = x0.fma(v, c0);
            FloatVector x1 = FloatVector.broadcast(S, x[i1 + o]);
            a1 = x1.fma(u, a1);
            c1 = x1.fma(v, c1);
            FloatVector x2 = FloatVector.broadcast(S, x[i2 + o]);
            a2 = x2.fma(u, a2);
            c2 = x2.fma(v, c2);
            FloatVector x3 = FloatVector.broadcast(S, x[i3 + o]);
            a3 = x3.fma(u, a3);
            c3 = x3.fma(v, c3);
            FloatVector x4 = FloatVector.broadcast(S, x[i4 + o]);
            a4 = x4.fma(u, a4);
            c4 = x4.fma(v, c4);
            FloatVector x5 = FloatVector.broadcast(S, x[i5 + o]);
            a5 = x5.fma(u, a5);
            c5 = x5.fma(v, c5);
        }
        int tOff = p * L;
        a0.intoArray(t, tOff);
        a1.intoArray(t, tOff + L);
        a2.intoArray(t, tOff + 2 * L);
        a3.intoArray(t, tOff + 3 * L);
        a4.intoArray(t, tOff + 4 * L);
        a5.intoArray(t, tOff + 5 * L);
        int tOff2 = second + p * L;
        c0.intoArray(t, tOff2);
        c1.intoArray(t, tOff2 + L);
        c2.intoArray(t, tOff2 + 2 * L);
        c3.intoArray(t, tOff2 + 3 * L);
        c4.intoArray(t, tOff2 + 4 * L);
        c5.intoArray(t, tOff2 + 5 * L);
    }

    private static void forward4(float[] x, int base, int[] pix, int p, int[] off, int ckk, float[] w, int wBase,
                                 float[] bias, int bOff, float[] t, int tBase) {
        int i0 = base + pix[p], i1 = base + pix[p + 1], i2 = base + pix[p + 2], i3 = base + pix[p + 3];
        FloatVector b = FloatVector.fromArray(S, bias, bOff);
        FloatVector a0 = b, a1 = b, a2 = b, a3 = b;
        for (int j = 0; j < ckk; j++) {
            FloatVector wv = FloatVector.fromArray(S, w, wBase + j * L);
            int o = off[j];
            a0 = FloatVector.broadcast(S, x[i0 + o]).fma(wv, a0);
            a1 = FloatVector.broadcast(S, x[i1 + o]).fma(wv, a1);
            a2 = FloatVector.broadcast(S, x[i2 + o]).fma(wv, a2);
            a3 = FloatVector.broadcast(S, x[i3 + o]).fma(wv, a3);
        }
        int tOff = tBase + p * L;
        a0.intoArray(t, tOff);
        a1.intoArray(t, tOff + L);
        a2.intoArray(t, tOff + 2 * L);
        a3.intoArray(t, tOff + 3 * L);
    }

    private static void forward1(float[] x, int base, int[] off, int ckk, float[] w, int wBase, float[] bias,
                                 int bOff, float[] t, int tOff) {
        FloatVector a0 = FloatVector.fromArray(S, bias, bOff);
        for (int j = 0; j < ckk; j++) {
            a0 = FloatVector.broadcast(S, x[base + off[j]]).fma(FloatVector.fromArray(S, w, wBase + j * L), a0);
        }
        a0.intoArray(t, tOff);
    }

    /**
     * Eight pixels of one output row (the first at input offset {@code i0}) of one block of output channels, for a
     * kernel 5 wide: per (ci, ki), five weight vectors and twelve input values make forty FMAs. Output k adds input
     * k + kj times weight kj for kj = 0..4 in turn, the pixel kernels' order.
     */
    private static void row5(float[] x, int i0, int[] rowOff, int rows, float[] w, int wBase, float[] bias, int bOff,
                             float[] t, int tOff) {
        FloatVector b = FloatVector.fromArray(S, bias, bOff);
        FloatVector a0 = b, a1 = b, a2 = b, a3 = b, a4 = b, a5 = b, a6 = b, a7 = b;
        for (int r = 0; r < rows; r++) {
            int o = i0 + rowOff[r];
            int wr = wBase + r * 5 * L;
            FloatVector w0 = FloatVector.fromArray(S, w, wr);
            FloatVector w1 = FloatVector.fromArray(S, w, wr + L);
            FloatVector w2 = FloatVector.fromArray(S, w, wr + 2 * L);
            FloatVector w3 = FloatVector.fromArray(S, w, wr + 3 * L);
            FloatVector w4 = FloatVector.fromArray(S, w, wr + 4 * L);
            FloatVector v = FloatVector.broadcast(S, x[o]);
            a0 = v.fma(w0, a0);
            v = FloatVector.broadcast(S, x[o + 1]);
            a0 = v.fma(w1, a0);
            a1 = v.fma(w0, a1);
            v = FloatVector.broadcast(S, x[o + 2]);
            a0 = v.fma(w2, a0);
            a1 = v.fma(w1, a1);
            a2 = v.fma(w0, a2);
            v = FloatVector.broadcast(S, x[o + 3]);
            a0 = v.fma(w3, a0);
            a1 = v.fma(w2, a1);
            a2 = v.fma(w1, a2);
            a3 = v.fma(w0, a3);
            v = FloatVector.broadcast(S, x[o + 4]);
            a0 = v.fma(w4, a0);
            a1 = v.fma(w3, a1);
            a2 = v.fma(w2, a2);
            a3 = v.fma(w1, a3);
            a4 = v.fma(w0, a4);
            v = FloatVector.broadcast(S, x[o + 5]);
            a1 = v.fma(w4, a1);
            a2 = v.fma(w3, a2);
            a3 = v.fma(w2, a3);
            a4 = v.fma(w1, a4);
            a5 = v.fma(w0, a5);
            v = FloatVector.broadcast(S, x[o + 6]);
            a2 = v.fma(w4, a2);
            a3 = v.fma(w3, a3);
            a4 = v.fma(w2, a4);
            a5 = v.fma(w1, a5);
            a6 = v.fma(w0, a6);
            v = FloatVector.broadcast(S, x[o + 7]);
            a3 = v.fma(w4, a3);
            a4 = v.fma(w3, a4);
            a5 = v.fma(w2, a5);
            a6 = v.fma(w1, a6);
            a7 = v.fma(w0, a7);
            v = FloatVector.broadcast(S, x[o + 8]);
            a4 = v.fma(w4, a4);
            a5 = v.fma(w3, a5);
            a6 = v.fma(w2, a6);
            a7 = v.fma(w1, a7);
            v = FloatVector.broadcast(S, x[o + 9]);
            a5 = v.fma(w4, a5);
            a6 = v.fma(w3, a6);
            a7 = v.fma(w2, a7);
            v = FloatVector.broadcast(S, x[o + 10]);
            a6 = v.fma(w4, a6);
            a7 = v.fma(w3, a7);
            v = FloatVector.broadcast(S, x[o + 11]);
            a7 = v.fma(w4, a7);
        }
        a0.intoArray(t, tOff);
        a1.intoArray(t, tOff + L);
        a2.intoArray(t, tOff + 2 * L);
        a3.intoArray(t, tOff + 3 * L);
        a4.intoArray(t, tOff + 4 * L);
        a5.intoArray(t, tOff + 5 * L);
        a6.intoArray(t, tOff + 6 * L);
        a7.intoArray(t, tOff + 7 * L);
    }

    /** As {@link #row5} for a kernel 3 wide: three weight vectors and ten input values make 24 FMAs per (ci, ki). */
    private static void row3(float[] x, int i0, int[] rowOff, int rows, float[] w, int wBase, float[] bias, int bOff,
                             float[] t, int tOff) {
        FloatVector b = FloatVector.fromArray(S, bias, bOff);
        FloatVector a0 = b, a1 = b, a2 = b, a3 = b, a4 = b, a5 = b, a6 = b, a7 = b;
        for (int r = 0; r < rows; r++) {
            int o = i0 + rowOff[r];
            int wr = wBase + r * 3 * L;
            FloatVector w0 = FloatVector.fromArray(S, w, wr);
            FloatVector w1 = FloatVector.fromArray(S, w, wr + L);
            FloatVector w2 = FloatVector.fromArray(S, w, wr + 2 * L);
            FloatVector v = FloatVector.broadcast(S, x[o]);
            a0 = v.fma(w0, a0);
            v = FloatVector.broadcast(S, x[o + 1]);
            a0 = v.fma(w1, a0);
            a1 = v.fma(w0, a1);
            v = FloatVector.broadcast(S, x[o + 2]);
            a0 = v.fma(w2, a0);
            a1 = v.fma(w1, a1);
            a2 = v.fma(w0, a2);
            v = FloatVector.broadcast(S, x[o + 3]);
            a1 = v.fma(w2, a1);
            a2 = v.fma(w1, a2);
            a3 = v.fma(w0, a3);
            v = FloatVector.broadcast(S, x[o + 4]);
            a2 = v.fma(w2, a2);
            a3 = v.fma(w1, a3);
            a4 = v.fma(w0, a4);
            v = FloatVector.broadcast(S, x[o + 5]);
            a3 = v.fma(w2, a3);
            a4 = v.fma(w1, a4);
            a5 = v.fma(w0, a5);
            v = FloatVector.broadcast(S, x[o + 6]);
            a4 = v.fma(w2, a4);
            a5 = v.fma(w1, a5);
            a6 = v.fma(w0, a6);
            v = FloatVector.broadcast(S, x[o + 7]);
            a5 = v.fma(w2, a5);
            a6 = v.fma(w1, a6);
            a7 = v.fma(w0, a7);
            v = FloatVector.broadcast(S, x[o + 8]);
            a6 = v.fma(w2, a6);
            a7 = v.fma(w1, a7);
            v = FloatVector.broadcast(S, x[o + 9]);
            a7 = v.fma(w2, a7);
        }
        a0.intoArray(t, tOff);
        a1.intoArray(t, tOff + L);
        a2.intoArray(t, tOff + 2 * L);
        a3.intoArray(t, tOff + 3 * L);
        a4.intoArray(t, tOff + 4 * L);
        a5.intoArray(t, tOff + 5 * L);
        a6.intoArray(t, tOff + 6 * L);
        a7.intoArray(t, tOff + 7 * L);
    }

    /**
     * As {@link #row3} for two blocks of output channels (the second block's packed weights follow the first's, its
     * outputs go {@code second} after the first's): 16 accumulators and six weight vectors, 48 FMAs per ten input
     * values. Only where the machine has 32 vector registers ({@link #ROW_PAIRS}).
     */
    private static void row3x2(float[] x, int i0, int[] rowOff, int rows, float[] w, int wBase, float[] bias,
                               int bOff, int bOff2, float[] t, int tOff, int second) {
        int next = rows * 3 * L;
        FloatVector b = FloatVector.fromArray(S, bias, bOff);
        FloatVector c = FloatVector.fromArray(S, bias, bOff2);
        FloatVector a0 = b, a1 = b, a2 = b, a3 = b, a4 = b, a5 = b, a6 = b, a7 = b;
        FloatVector c0 = c, c1 = c, c2 = c, c3 = c, c4 = c, c5 = c, c6 = c, c7 = c;
        for (int r = 0; r < rows; r++) {
            int o = i0 + rowOff[r];
            int wr = wBase + r * 3 * L;
            FloatVector w0 = FloatVector.fromArray(S, w, wr);
            FloatVector w1 = FloatVector.fromArray(S, w, wr + L);
            FloatVector w2 = FloatVector.fromArray(S, w, wr + 2 * L);
            FloatVector u0 = FloatVector.fromArray(S, w, wr + next);
            FloatVector u1 = FloatVector.fromArray(S, w, wr + next + L);
            FloatVector u2 = FloatVector.fromArray(S, w, wr + next + 2 * L);
            FloatVector v = FloatVector.broadcast(S, x[o]);
            a0 = v.fma(w0, a0);
            c0 = v.fma(u0, c0);
            v = FloatVector.broadcast(S, x[o + 1]);
            a0 = v.fma(w1, a0);
            c0 = v.fma(u1, c0);
            a1 = v.fma(w0, a1);
            c1 = v.fma(u0, c1);
            v = FloatVector.broadcast(S, x[o + 2]);
            a0 = v.fma(w2, a0);
            c0 = v.fma(u2, c0);
            a1 = v.fma(w1, a1);
            c1 = v.fma(u1, c1);
            a2 = v.fma(w0, a2);
            c2 = v.fma(u0, c2);
            v = FloatVector.broadcast(S, x[o + 3]);
            a1 = v.fma(w2, a1);
            c1 = v.fma(u2, c1);
            a2 = v.fma(w1, a2);
            c2 = v.fma(u1, c2);
            a3 = v.fma(w0, a3);
            c3 = v.fma(u0, c3);
            v = FloatVector.broadcast(S, x[o + 4]);
            a2 = v.fma(w2, a2);
            c2 = v.fma(u2, c2);
            a3 = v.fma(w1, a3);
            c3 = v.fma(u1, c3);
            a4 = v.fma(w0, a4);
            c4 = v.fma(u0, c4);
            v = FloatVector.broadcast(S, x[o + 5]);
            a3 = v.fma(w2, a3);
            c3 = v.fma(u2, c3);
            a4 = v.fma(w1, a4);
            c4 = v.fma(u1, c4);
            a5 = v.fma(w0, a5);
            c5 = v.fma(u0, c5);
            v = FloatVector.broadcast(S, x[o + 6]);
            a4 = v.fma(w2, a4);
            c4 = v.fma(u2, c4);
            a5 = v.fma(w1, a5);
            c5 = v.fma(u1, c5);
            a6 = v.fma(w0, a6);
            c6 = v.fma(u0, c6);
            v = FloatVector.broadcast(S, x[o + 7]);
            a5 = v.fma(w2, a5);
            c5 = v.fma(u2, c5);
            a6 = v.fma(w1, a6);
            c6 = v.fma(u1, c6);
            a7 = v.fma(w0, a7);
            c7 = v.fma(u0, c7);
            v = FloatVector.broadcast(S, x[o + 8]);
            a6 = v.fma(w2, a6);
            c6 = v.fma(u2, c6);
            a7 = v.fma(w1, a7);
            c7 = v.fma(u1, c7);
            v = FloatVector.broadcast(S, x[o + 9]);
            a7 = v.fma(w2, a7);
            c7 = v.fma(u2, c7);
        }
        a0.intoArray(t, tOff);
        a1.intoArray(t, tOff + L);
        a2.intoArray(t, tOff + 2 * L);
        a3.intoArray(t, tOff + 3 * L);
        a4.intoArray(t, tOff + 4 * L);
        a5.intoArray(t, tOff + 5 * L);
        a6.intoArray(t, tOff + 6 * L);
        a7.intoArray(t, tOff + 7 * L);
        int t2 = second + tOff;
        c0.intoArray(t, t2);
        c1.intoArray(t, t2 + L);
        c2.intoArray(t, t2 + 2 * L);
        c3.intoArray(t, t2 + 3 * L);
        c4.intoArray(t, t2 + 4 * L);
        c5.intoArray(t, t2 + 5 * L);
        c6.intoArray(t, t2 + 6 * L);
        c7.intoArray(t, t2 + 7 * L);
    }

    // ------------------------------------------------------------------ weight gradient

    @Override
    void backwardWeight(float[] dy, int dyOff, float[] x, int xOff, float[] acc, ConvKernels.Geom s, int from,
                        int to) {
        int blocks = s.og / L;
        float[] t = Scratch.floats(TRANSPOSED, 2 * s.ohw * L);
        float[][] src = new float[1][];
        int[] off = null;
        int offRow = -1;
        // the gather's index map: lane l reads channel l's plane
        int[] planes = GATHER ? java.util.stream.IntStream.range(0, L).map(l -> l * s.ohw).toArray() : null;
        for (int n = from; n < to; n++) {
            for (int gi = 0; gi < s.g; gi++) {
                int[] img = image(x, xOff, s, n, gi, src);
                if (img[1] != offRow) {
                    off = offsets(s, img[1], img[2]);
                    offRow = img[1];
                }
                float[] xs = src[0];
                for (int ob = 0; ob < blocks; ob += WEIGHT_PAIRS && ob + 1 < blocks ? 2 : 1) {
                    int pair = WEIGHT_PAIRS && ob + 1 < blocks ? 2 : 1;
                    int c0 = gi * s.og + ob * L;
                    // the output gradient's L (or 2L) channel planes -> [ohw][L] per block
                    int dyBase = dyOff + (n * s.o + c0) * s.ohw;
                    if (planes != null) {
                        // a gather of the L channels' values at each pixel (their L lines stay in the first-level
                        // cache for L pixels), one contiguous store
                        for (int k = 0; k < pair; k++) {
                            int db = dyBase + k * L * s.ohw;
                            int tb = k * s.ohw * L;
                            for (int p = 0; p < s.ohw; p++) {
                                FloatVector.fromArray(S, dy, db + p, planes, 0).intoArray(t, tb + p * L);
                            }
                        }
                    } else {
                        for (int l = 0; l < pair * L; l++) {
                            int from2 = dyBase + l * s.ohw;
                            int tl = (l / L) * s.ohw * L + l % L;
                            for (int p = 0; p < s.ohw; p++) {
                                t[tl + p * L] = dy[from2 + p];
                            }
                        }
                    }
                    int aBase = (gi * blocks + ob) * s.ckk * L;
                    int j = 0;
                    if (pair == 2) {
                        // two blocks: each input value loaded feeds two FMAs (16 per 10 loads)
                        for (; j + 8 <= s.ckk; j += 8) {
                            weight8x2(xs, img[0], img[1], off, j, s.oh, s.ow, t, s.ohw * L, acc, aBase + j * L,
                                    s.ckk * L);
                        }
                    }
                    for (int k = 0; k < pair; k++) {
                        int ab = aBase + k * s.ckk * L;
                        int tb = k * s.ohw * L;
                        for (int q = j; q + 8 <= s.ckk; q += 8) {
                            weight8(xs, img[0], img[1], off, q, s.oh, s.ow, t, tb, acc, ab + q * L);
                        }
                        for (int q = j + (s.ckk - j) / 8 * 8; q < s.ckk; q++) {
                            weight1(xs, img[0] + off[q], img[1], s.oh, s.ow, t, tb, acc, ab + q * L);
                        }
                    }
                }
            }
        }
    }

    private static void weight8(float[] x, int base, int rowStride, int[] off, int j, int oh, int ow, float[] t,
                                int tBase, float[] acc, int aOff) {
        int o0 = off[j], o1 = off[j + 1], o2 = off[j + 2], o3 = off[j + 3];
        int o4 = off[j + 4], o5 = off[j + 5], o6 = off[j + 6], o7 = off[j + 7];
        FloatVector a0 = FloatVector.fromArray(S, acc, aOff);
        FloatVector a1 = FloatVector.fromArray(S, acc, aOff + L);
        FloatVector a2 = FloatVector.fromArray(S, acc, aOff + 2 * L);
        FloatVector a3 = FloatVector.fromArray(S, acc, aOff + 3 * L);
        FloatVector a4 = FloatVector.fromArray(S, acc, aOff + 4 * L);
        FloatVector a5 = FloatVector.fromArray(S, acc, aOff + 5 * L);
        FloatVector a6 = FloatVector.fromArray(S, acc, aOff + 6 * L);
        FloatVector a7 = FloatVector.fromArray(S, acc, aOff + 7 * L);
        // one loop over the pixels (C2 keeps the accumulators in registers through one loop, not through two)
        int end = tBase + oh * ow * L;
        int i = base;
        int ox = 0;
        int skip = rowStride - ow;
        for (int p = tBase; p < end; p += L) {
            FloatVector d = FloatVector.fromArray(S, t, p);
            a0 = FloatVector.broadcast(S, x[i + o0]).fma(d, a0);
            a1 = FloatVector.broadcast(S, x[i + o1]).fma(d, a1);
            a2 = FloatVector.broadcast(S, x[i + o2]).fma(d, a2);
            a3 = FloatVector.broadcast(S, x[i + o3]).fma(d, a3);
            a4 = FloatVector.broadcast(S, x[i + o4]).fma(d, a4);
            a5 = FloatVector.broadcast(S, x[i + o5]).fma(d, a5);
            a6 = FloatVector.broadcast(S, x[i + o6]).fma(d, a6);
            a7 = FloatVector.broadcast(S, x[i + o7]).fma(d, a7);
            i++;
            if (++ox == ow) {
                ox = 0;
                i += skip;
            }
        }
        a0.intoArray(acc, aOff);
        a1.intoArray(acc, aOff + L);
        a2.intoArray(acc, aOff + 2 * L);
        a3.intoArray(acc, aOff + 3 * L);
        a4.intoArray(acc, aOff + 4 * L);
        a5.intoArray(acc, aOff + 5 * L);
        a6.intoArray(acc, aOff + 6 * L);
        a7.intoArray(acc, aOff + 7 * L);
    }

    /**
     * As {@link #weight8} for two blocks of output channels (the second's output gradient {@code second} after the
     * first's in t, its accumulators {@code next} after the first's): 16 accumulators, each broadcast input value used
     * twice. Only where the machine has 32 vector registers ({@link #WEIGHT_PAIRS}).
     */
    private static void weight8x2(float[] x, int base, int rowStride, int[] off, int j, int oh, int ow, float[] t,
                                  int second, float[] acc, int aOff, int next) {
        int o0 = off[j], o1 = off[j + 1], o2 = off[j + 2], o3 = off[j + 3];
        int o4 = off[j + 4], o5 = off[j + 5], o6 = off[j + 6], o7 = off[j + 7];
        int cOff = aOff + next;
        FloatVector a0 = FloatVector.fromArray(S, acc, aOff);
        FloatVector a1 = FloatVector.fromArray(S, acc, aOff + L);
        FloatVector a2 = FloatVector.fromArray(S, acc, aOff + 2 * L);
        FloatVector a3 = FloatVector.fromArray(S, acc, aOff + 3 * L);
        FloatVector a4 = FloatVector.fromArray(S, acc, aOff + 4 * L);
        FloatVector a5 = FloatVector.fromArray(S, acc, aOff + 5 * L);
        FloatVector a6 = FloatVector.fromArray(S, acc, aOff + 6 * L);
        FloatVector a7 = FloatVector.fromArray(S, acc, aOff + 7 * L);
        FloatVector c0 = FloatVector.fromArray(S, acc, cOff);
        FloatVector c1 = FloatVector.fromArray(S, acc, cOff + L);
        FloatVector c2 = FloatVector.fromArray(S, acc, cOff + 2 * L);
        FloatVector c3 = FloatVector.fromArray(S, acc, cOff + 3 * L);
        FloatVector c4 = FloatVector.fromArray(S, acc, cOff + 4 * L);
        FloatVector c5 = FloatVector.fromArray(S, acc, cOff + 5 * L);
        FloatVector c6 = FloatVector.fromArray(S, acc, cOff + 6 * L);
        FloatVector c7 = FloatVector.fromArray(S, acc, cOff + 7 * L);
        int end = oh * ow * L;
        int i = base;
        int ox = 0;
        int skip = rowStride - ow;
        for (int p = 0; p < end; p += L) {
            FloatVector d = FloatVector.fromArray(S, t, p);
            FloatVector e = FloatVector.fromArray(S, t, second + p);
            FloatVector x0 = FloatVector.broadcast(S, x[i + o0]);
            a0 = x0.fma(d, a0);
            c0 = x0.fma(e, c0);
            FloatVector x1 = FloatVector.broadcast(S, x[i + o1]);
            a1 = x1.fma(d, a1);
            c1 = x1.fma(e, c1);
            FloatVector x2 = FloatVector.broadcast(S, x[i + o2]);
            a2 = x2.fma(d, a2);
            c2 = x2.fma(e, c2);
            FloatVector x3 = FloatVector.broadcast(S, x[i + o3]);
            a3 = x3.fma(d, a3);
            c3 = x3.fma(e, c3);
            FloatVector x4 = FloatVector.broadcast(S, x[i + o4]);
            a4 = x4.fma(d, a4);
            c4 = x4.fma(e, c4);
            FloatVector x5 = FloatVector.broadcast(S, x[i + o5]);
            a5 = x5.fma(d, a5);
            c5 = x5.fma(e, c5);
            FloatVector x6 = FloatVector.broadcast(S, x[i + o6]);
            a6 = x6.fma(d, a6);
            c6 = x6.fma(e, c6);
            FloatVector x7 = FloatVector.broadcast(S, x[i + o7]);
            a7 = x7.fma(d, a7);
            c7 = x7.fma(e, c7);
            i++;
            if (++ox == ow) {
                ox = 0;
                i += skip;
            }
        }
        a0.intoArray(acc, aOff);
        a1.intoArray(acc, aOff + L);
        a2.intoArray(acc, aOff + 2 * L);
        a3.intoArray(acc, aOff + 3 * L);
        a4.intoArray(acc, aOff + 4 * L);
        a5.intoArray(acc, aOff + 5 * L);
        a6.intoArray(acc, aOff + 6 * L);
        a7.intoArray(acc, aOff + 7 * L);
        c0.intoArray(acc, cOff);
        c1.intoArray(acc, cOff + L);
        c2.intoArray(acc, cOff + 2 * L);
        c3.intoArray(acc, cOff + 3 * L);
        c4.intoArray(acc, cOff + 4 * L);
        c5.intoArray(acc, cOff + 5 * L);
        c6.intoArray(acc, cOff + 6 * L);
        c7.intoArray(acc, cOff + 7 * L);
    }

    private static void weight1(float[] x, int base, int rowStride, int oh, int ow, float[] t, int tBase, float[] acc,
                                int aOff) {
        FloatVector a0 = FloatVector.fromArray(S, acc, aOff);
        int end = tBase + oh * ow * L;
        int i = base;
        int ox = 0;
        int skip = rowStride - ow;
        for (int p = tBase; p < end; p += L) {
            a0 = FloatVector.broadcast(S, x[i]).fma(FloatVector.fromArray(S, t, p), a0);
            i++;
            if (++ox == ow) {
                ox = 0;
                i += skip;
            }
        }
        a0.intoArray(acc, aOff);
    }

    // ------------------------------------------------------------------ input gradient

    @Override
    void backwardInput(float[] dy, int dyOff, float[] pw, float[] dx, int dxOff, ConvKernels.Geom s, int from,
                       int to) {
        int hp = s.h + 2 * s.p.padH();
        int wp = s.w + 2 * s.p.padW();
        int wpl = (wp + L - 1) / L * L;
        int pairs = (hp + 1) / 2;
        int plane = 2 * pairs * wpl;
        // the output gradient of one group with kh - 1 zero rows above and kh below each channel's plane and kw - 1
        // zeros on each side of every row, so every (row, ki, kj) the kernels read is inside, zero where no output is
        int owp = s.ow + 2 * (s.kw - 1);
        int ohp = s.oh + 2 * s.kh - 1;
        int padded = s.og * ohp * owp;
        float[] d = Scratch.floats(PADDED, padded + wpl + L);
        float[] out = Scratch.floats(TRANSPOSED, s.cg * plane);
        java.util.Arrays.fill(d, 0, padded + wpl + L, 0f);
        // for each pair of rows (iy, iy + 1), the (oc, ki, kj) that reach either: where row iy's vector of d starts
        // (before the column offset ix; row iy + 1's is one row of d further) and where the input channels' weights
        // start (relative to the group's); the same for every sample and group
        int pairs2 = (hp + 1) / 2;
        int[][] rows = new int[pairs2][];
        int[][] weights = new int[pairs2][];
        for (int q = 0; q < pairs2; q++) {
            int iy = 2 * q;
            int kiLo = Math.max(0, iy - (s.oh - 1));
            int kiHi = Math.min(s.kh - 1, iy + 1);
            int count = s.og * Math.max(0, kiHi - kiLo + 1) * s.kw;
            int[] r = rows[q] = new int[count];
            int[] wt = weights[q] = new int[count];
            int m = 0;
            for (int oc = 0; oc < s.og; oc++) {
                for (int ki = kiLo; ki <= kiHi; ki++) {
                    int row = (oc * ohp + iy - ki + s.kh - 1) * owp + s.kw - 1;
                    int wi = (oc * s.kh + ki) * s.kw * s.cg;
                    for (int kj = 0; kj < s.kw; kj++, m++) {
                        r[m] = row - kj;
                        wt[m] = wi + kj * s.cg;
                    }
                }
            }
        }
        int khw = s.kh * s.kw;
        for (int n = from; n < to; n++) {
            for (int gi = 0; gi < s.g; gi++) {
                for (int oc = 0; oc < s.og; oc++) {
                    int from2 = dyOff + (n * s.o + gi * s.og + oc) * s.ohw;
                    for (int oy = 0; oy < s.oh; oy++) {
                        copy(dy, from2 + oy * s.ow, d, (oc * ohp + oy + s.kh - 1) * owp + s.kw - 1, s.ow);
                    }
                }
                int wBase = gi * s.og * khw * s.cg;
                for (int iy = 0; iy < hp; iy += 2) {
                    int[] r = rows[iy / 2];
                    int[] wt = weights[iy / 2];
                    int m = r.length;
                    for (int ix = 0; ix < wp; ix += L) {
                        int o = iy * wpl + ix;
                        int ci = 0;
                        for (; ci + 6 <= s.cg; ci += 6) {
                            input6(d, pw, wBase, r, wt, m, ix, owp, ci, out, ci * plane + o, plane, wpl);
                        }
                        if (ci + 4 <= s.cg) {
                            input4(d, pw, wBase, r, wt, m, ix, owp, ci, out, ci * plane + o, plane, wpl);
                            ci += 4;
                        }
                        if (ci + 2 <= s.cg) {
                            input2(d, pw, wBase, r, wt, m, ix, owp, ci, out, ci * plane + o, plane, wpl);
                            ci += 2;
                        }
                        if (ci < s.cg) {
                            input1(d, pw, wBase, r, wt, m, ix, owp, ci, out, ci * plane + o, wpl);
                        }
                    }
                }
                // the padded grid's interior is the input's gradient
                int ph = s.p.padH();
                int pwd = s.p.padW();
                int dst = dxOff + (n * s.c + gi * s.cg) * s.h * s.w;
                for (int ci = 0; ci < s.cg; ci++) {
                    for (int y = 0; y < s.h; y++) {
                        copy(out, ci * plane + (y + ph) * wpl + pwd, dx, dst + (ci * s.h + y) * s.w, s.w);
                    }
                }
            }
        }
    }

    /**
     * Rows iy and iy + 1, one vector of columns from ix, input channels ci..ci+5: twelve accumulators, so each vector
     * of d (an unaligned load) feeds six FMAs.
     */
    private static void input6(float[] d, float[] w, int wBase, int[] rows, int[] weights, int m, int ix, int owp,
                               int ci, float[] out, int outOff, int plane, int wpl) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0;
        for (int j = 0; j < m; j++) {
            int r = rows[j] + ix;
            FloatVector u = FloatVector.fromArray(S, d, r);
            FloatVector v = FloatVector.fromArray(S, d, r + owp);
            int wi = wBase + weights[j] + ci;
            FloatVector w0 = FloatVector.broadcast(S, w[wi]);
            a0 = w0.fma(u, a0);
            b0 = w0.fma(v, b0);
            FloatVector w1 = FloatVector.broadcast(S, w[wi + 1]);
            a1 = w1.fma(u, a1);
            b1 = w1.fma(v, b1);
            FloatVector w2 = FloatVector.broadcast(S, w[wi + 2]);
            a2 = w2.fma(u, a2);
            b2 = w2.fma(v, b2);
            FloatVector w3 = FloatVector.broadcast(S, w[wi + 3]);
            a3 = w3.fma(u, a3);
            b3 = w3.fma(v, b3);
            FloatVector w4 = FloatVector.broadcast(S, w[wi + 4]);
            a4 = w4.fma(u, a4);
            b4 = w4.fma(v, b4);
            FloatVector w5 = FloatVector.broadcast(S, w[wi + 5]);
            a5 = w5.fma(u, a5);
            b5 = w5.fma(v, b5);
        }
        a0.intoArray(out, outOff);
        b0.intoArray(out, outOff + wpl);
        a1.intoArray(out, outOff + plane);
        b1.intoArray(out, outOff + plane + wpl);
        a2.intoArray(out, outOff + 2 * plane);
        b2.intoArray(out, outOff + 2 * plane + wpl);
        a3.intoArray(out, outOff + 3 * plane);
        b3.intoArray(out, outOff + 3 * plane + wpl);
        a4.intoArray(out, outOff + 4 * plane);
        b4.intoArray(out, outOff + 4 * plane + wpl);
        a5.intoArray(out, outOff + 5 * plane);
        b5.intoArray(out, outOff + 5 * plane + wpl);
    }

    /** Rows iy and iy + 1, one vector of columns from ix, input channels ci..ci+3: eight accumulators. */
    private static void input4(float[] d, float[] w, int wBase, int[] rows, int[] weights, int m, int ix, int owp,
                               int ci, float[] out, int outOff, int plane, int wpl) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        for (int j = 0; j < m; j++) {
            int r = rows[j] + ix;
            FloatVector u = FloatVector.fromArray(S, d, r);
            FloatVector v = FloatVector.fromArray(S, d, r + owp);
            int wi = wBase + weights[j] + ci;
            FloatVector w0 = FloatVector.broadcast(S, w[wi]);
            a0 = w0.fma(u, a0);
            b0 = w0.fma(v, b0);
            FloatVector w1 = FloatVector.broadcast(S, w[wi + 1]);
            a1 = w1.fma(u, a1);
            b1 = w1.fma(v, b1);
            FloatVector w2 = FloatVector.broadcast(S, w[wi + 2]);
            a2 = w2.fma(u, a2);
            b2 = w2.fma(v, b2);
            FloatVector w3 = FloatVector.broadcast(S, w[wi + 3]);
            a3 = w3.fma(u, a3);
            b3 = w3.fma(v, b3);
        }
        a0.intoArray(out, outOff);
        b0.intoArray(out, outOff + wpl);
        a1.intoArray(out, outOff + plane);
        b1.intoArray(out, outOff + plane + wpl);
        a2.intoArray(out, outOff + 2 * plane);
        b2.intoArray(out, outOff + 2 * plane + wpl);
        a3.intoArray(out, outOff + 3 * plane);
        b3.intoArray(out, outOff + 3 * plane + wpl);
    }

    /** Rows iy and iy + 1, one vector of columns from ix, input channels ci and ci + 1. */
    private static void input2(float[] d, float[] w, int wBase, int[] rows, int[] weights, int m, int ix, int owp,
                               int ci, float[] out, int outOff, int plane, int wpl) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, b0 = a0, b1 = a0;
        for (int j = 0; j < m; j++) {
            int r = rows[j] + ix;
            FloatVector u = FloatVector.fromArray(S, d, r);
            FloatVector v = FloatVector.fromArray(S, d, r + owp);
            int wi = wBase + weights[j] + ci;
            FloatVector w0 = FloatVector.broadcast(S, w[wi]);
            a0 = w0.fma(u, a0);
            b0 = w0.fma(v, b0);
            FloatVector w1 = FloatVector.broadcast(S, w[wi + 1]);
            a1 = w1.fma(u, a1);
            b1 = w1.fma(v, b1);
        }
        a0.intoArray(out, outOff);
        b0.intoArray(out, outOff + wpl);
        a1.intoArray(out, outOff + plane);
        b1.intoArray(out, outOff + plane + wpl);
    }

    /** Rows iy and iy + 1, one vector of columns from ix, input channel ci. */
    private static void input1(float[] d, float[] w, int wBase, int[] rows, int[] weights, int m, int ix, int owp,
                               int ci, float[] out, int outOff, int wpl) {
        FloatVector a0 = FloatVector.zero(S), b0 = a0;
        for (int j = 0; j < m; j++) {
            int r = rows[j] + ix;
            FloatVector w0 = FloatVector.broadcast(S, w[wBase + weights[j] + ci]);
            a0 = w0.fma(FloatVector.fromArray(S, d, r), a0);
            b0 = w0.fma(FloatVector.fromArray(S, d, r + owp), b0);
        }
        a0.intoArray(out, outOff);
        b0.intoArray(out, outOff + wpl);
    }
}
