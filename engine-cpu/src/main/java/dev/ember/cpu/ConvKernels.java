package dev.ember.cpu;

import dev.ember.DType;
import dev.ember.backend.Conv2dParams;
import dev.ember.backend.Layout;

import java.util.ArrayList;
import java.util.List;

/**
 * Convolution lowered to the blocked GEMM: im2col turns each sample's receptive fields into a
 * [C/g*KH*KW, OH*OW] matrix, one GEMM per sample and group multiplies it by the weights, and col2im
 * scatters the input gradient back. Samples run in parallel; float64 (for gradient checks) takes the
 * same path through the double GEMM. Small float32 images whose channels fill whole vectors go to
 * {@link DirectConv} instead.
 */
final class ConvKernels {
    private static final ElementwiseKernels.FloatLoops LOOPS = ElementwiseKernels.loops();

    private ConvKernels() {
    }

    /** Shapes of one convolution. */
    static final class Geom {
        final int n;
        final int c;
        final int h;
        final int w;
        final int o;
        final int kh;
        final int kw;
        final int oh;
        final int ow;
        final int g;
        final int cg;
        final int og;
        final int ckk;
        final int ohw;
        final Conv2dParams p;

        Geom(int[] in, int[] wt, int[] out, Conv2dParams p) {
            n = in[0];
            c = in[1];
            h = in[2];
            w = in[3];
            o = wt[0];
            kh = wt[2];
            kw = wt[3];
            oh = out[2];
            ow = out[3];
            g = p.groups();
            cg = c / g;
            og = o / g;
            ckk = cg * kh * kw;
            ohw = oh * ow;
            this.p = p;
            long columns = (long) cg * kh * kw * oh * ow;
            if (columns > dev.ember.backend.Layout.MAX_STORAGE_ELEMENTS) {
                throw new IllegalArgumentException("conv2d on the CPU lowers each sample and group to a column matrix of "
                        + columns + " elements, more than one Java array holds (" + dev.ember.backend.Layout.MAX_STORAGE_ELEMENTS
                        + "); split the input into smaller images or fewer channels");
            }
        }
    }

    // ------------------------------------------------------------------ im2col / col2im (float and double)

    /**
     * The output columns {@code [lo, hi)} whose input column {@code xx * stride + off} lies inside {@code [0, w)}, as
     * {@code lo << 32 | hi}: the rest of a row reads zero padding, so the loops below copy one contiguous run.
     */
    private static long validRange(int ow, int w, int stride, int off) {
        int lo = off >= 0 ? 0 : (-off + stride - 1) / stride;
        int hi = w - 1 - off < 0 ? 0 : Math.min(ow, (w - 1 - off) / stride + 1);
        lo = Math.min(lo, hi);
        return (long) lo << 32 | hi;
    }

    /** Stride 1, no dilation, no padding: every window lies inside the image (LeNet's conv2). */
    private static boolean dense(Conv2dParams p) {
        return p.strideH() == 1 && p.strideW() == 1 && p.dilationH() == 1 && p.dilationW() == 1
                && p.padH() == 0 && p.padW() == 0;
    }

    /**
     * The dense case (stride 1, no padding or dilation) of {@link #im2col} and {@link #col2im}: every (column-matrix
     * row, output row) pair matches a run of {@code ow} floats of the image, with no bounds to test; im2col copies it
     * into the columns, col2im adds the columns back into it. The loop bounds sit in locals (half the time of the
     * general loop). With the Vector API, {@link #denseColumns} makes the columns instead.
     */
    private static void denseRuns(float[] x, int xOff, Geom s, float[] col, int ld, int colOff, boolean toColumns) {
        int kh = s.kh;
        int kw = s.kw;
        int h = s.h;
        int w = s.w;
        int oh = s.oh;
        int ow = s.ow;
        for (int ci = 0; ci < s.cg; ci++) {
            for (int ki = 0; ki < kh; ki++) {
                for (int kj = 0; kj < kw; kj++) {
                    int base = ((ci * kh + ki) * kw + kj) * ld + colOff;
                    for (int y = 0; y < oh; y++) {
                        int img = xOff + (ci * h + y + ki) * w + kj;
                        int cols = base + y * ow;
                        if (toColumns) {
                            // only without the Vector API: with it, denseColumns makes the columns
                            System.arraycopy(x, img, col, cols, ow);
                        } else if (LOOPS != null) {
                            LOOPS.addTo(col, cols, x, img, ow);
                        } else {
                            for (int xx = 0; xx < ow; xx++) {
                                x[img + xx] += col[cols + xx];
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * The dense case's column matrix of {@code nb} samples side by side (sample i from column {@code i * ohw}, rows
     * {@code ld} floats apart), each (row, sample) pair a run of {@code oh} copies of {@code ow} floats: rows outer and
     * samples inner, so the runs go to increasing addresses, as {@link ElementwiseKernels.FloatLoops#copyRuns} needs to
     * copy each of LeNet's 10-float runs with one vector.
     */
    private static void denseColumns(float[] x, int xOff, int sampleStride, int nb, Geom s, float[] col, int ld) {
        int kh = s.kh;
        int kw = s.kw;
        for (int ci = 0; ci < s.cg; ci++) {
            for (int ki = 0; ki < kh; ki++) {
                for (int kj = 0; kj < kw; kj++) {
                    int row = ((ci * kh + ki) * kw + kj) * ld;
                    int src = xOff + (ci * s.h + ki) * s.w + kj;
                    for (int i = 0; i < nb; i++) {
                        LOOPS.copyRuns(x, src + i * sampleStride, s.w, col, row + i * s.ohw, s.ow, s.oh, s.ow);
                    }
                }
            }
        }
    }

    /** The columns of samples n0..n0+nb-1 (group gi) for the float GEMMs. */
    private static void columns(float[] x, Layout li, Geom s, int n0, int nb, int gi, float[] col, int ld) {
        int sampleStride = s.c * s.h * s.w;
        int xOff = li.offset() + (n0 * s.c + gi * s.cg) * s.h * s.w;
        if (LOOPS != null && dense(s.p)) {
            denseColumns(x, xOff, sampleStride, nb, s, col, ld);
            return;
        }
        for (int i = 0; i < nb; i++) {
            im2col(x, xOff + i * sampleStride, s, col, ld, i * s.ohw);
        }
    }

    /** Room after a column matrix for the whole-vector stores of copyRuns. */
    private static final int SLACK = 64;

    /**
     * One sample's column matrix [ckk x ohw] into {@code col}, whose rows are {@code ld} floats apart, from column
     * {@code colOff} (several samples side by side: ld = samples * ohw).
     */
    private static void im2col(float[] x, int xOff, Geom s, float[] col, int ld, int colOff) {
        Conv2dParams p = s.p;
        if (dense(p)) {
            denseRuns(x, xOff, s, col, ld, colOff, true);
            return;
        }
        int sw = p.strideW();
        for (int ci = 0; ci < s.cg; ci++) {
            for (int ki = 0; ki < s.kh; ki++) {
                for (int kj = 0; kj < s.kw; kj++) {
                    int base = ((ci * s.kh + ki) * s.kw + kj) * ld + colOff;
                    int off = kj * p.dilationW() - p.padW();
                    long range = validRange(s.ow, s.w, sw, off);
                    int lo = (int) (range >>> 32);
                    int hi = (int) range;
                    for (int y = 0; y < s.oh; y++) {
                        int iy = y * p.strideH() - p.padH() + ki * p.dilationH();
                        int dst = base + y * s.ow;
                        if (iy < 0 || iy >= s.h) {
                            java.util.Arrays.fill(col, dst, dst + s.ow, 0f);
                            continue;
                        }
                        int src = xOff + (ci * s.h + iy) * s.w + off;
                        if (lo > 0) {
                            java.util.Arrays.fill(col, dst, dst + lo, 0f);
                        }
                        if (sw == 1 && hi - lo >= 64) {
                            System.arraycopy(x, src + lo, col, dst + lo, hi - lo);
                        } else if (sw == 1 && LOOPS != null) {
                            // short rows (LeNet's are 10 to 28 wide): vector moves beat arraycopy's call
                            LOOPS.copy(x, src + lo, col, dst + lo, hi - lo);
                        } else if (sw == 1) {
                            for (int xx = lo; xx < hi; xx++) {
                                col[dst + xx] = x[src + xx];
                            }
                        } else {
                            for (int xx = lo; xx < hi; xx++) {
                                col[dst + xx] = x[src + xx * sw];
                            }
                        }
                        if (hi < s.ow) {
                            java.util.Arrays.fill(col, dst + hi, dst + s.ow, 0f);
                        }
                    }
                }
            }
        }
    }

    private static void im2col(double[] x, int xOff, Geom s, double[] col) {
        Conv2dParams p = s.p;
        int sw = p.strideW();
        for (int ci = 0; ci < s.cg; ci++) {
            for (int ki = 0; ki < s.kh; ki++) {
                for (int kj = 0; kj < s.kw; kj++) {
                    int base = ((ci * s.kh + ki) * s.kw + kj) * s.ohw;
                    int off = kj * p.dilationW() - p.padW();
                    long range = validRange(s.ow, s.w, sw, off);
                    int lo = (int) (range >>> 32);
                    int hi = (int) range;
                    java.util.Arrays.fill(col, base, base + s.ohw, 0.0);
                    for (int y = 0; y < s.oh; y++) {
                        int iy = y * p.strideH() - p.padH() + ki * p.dilationH();
                        if (iy >= 0 && iy < s.h) {
                            int src = xOff + (ci * s.h + iy) * s.w + off;
                            for (int xx = lo; xx < hi; xx++) {
                                col[base + y * s.ow + xx] = x[src + xx * sw];
                            }
                        }
                    }
                }
            }
        }
    }

    /** Adds one sample's column matrix (rows {@code ld} floats apart, from column {@code colOff}) into its image. */
    private static void col2im(float[] col, int ld, int colOff, Geom s, float[] x, int xOff) {
        Conv2dParams p = s.p;
        if (dense(p)) {
            denseRuns(x, xOff, s, col, ld, colOff, false);
            return;
        }
        int sw = p.strideW();
        for (int ci = 0; ci < s.cg; ci++) {
            for (int ki = 0; ki < s.kh; ki++) {
                for (int kj = 0; kj < s.kw; kj++) {
                    int base = ((ci * s.kh + ki) * s.kw + kj) * ld + colOff;
                    int off = kj * p.dilationW() - p.padW();
                    long range = validRange(s.ow, s.w, sw, off);
                    int lo = (int) (range >>> 32);
                    int hi = (int) range;
                    for (int y = 0; y < s.oh; y++) {
                        int iy = y * p.strideH() - p.padH() + ki * p.dilationH();
                        if (iy < 0 || iy >= s.h) {
                            continue;
                        }
                        int dst = xOff + (ci * s.h + iy) * s.w + off;
                        int src = base + y * s.ow;
                        if (sw == 1 && LOOPS != null) {
                            LOOPS.addTo(col, src + lo, x, dst + lo, hi - lo);
                        } else if (sw == 1) {
                            for (int xx = lo; xx < hi; xx++) {
                                x[dst + xx] += col[src + xx];
                            }
                        } else {
                            for (int xx = lo; xx < hi; xx++) {
                                x[dst + xx * sw] += col[src + xx];
                            }
                        }
                    }
                }
            }
        }
    }

    private static void col2im(double[] col, Geom s, double[] x, int xOff) {
        Conv2dParams p = s.p;
        int sw = p.strideW();
        for (int ci = 0; ci < s.cg; ci++) {
            for (int ki = 0; ki < s.kh; ki++) {
                for (int kj = 0; kj < s.kw; kj++) {
                    int base = ((ci * s.kh + ki) * s.kw + kj) * s.ohw;
                    int off = kj * p.dilationW() - p.padW();
                    long range = validRange(s.ow, s.w, sw, off);
                    int lo = (int) (range >>> 32);
                    int hi = (int) range;
                    for (int y = 0; y < s.oh; y++) {
                        int iy = y * p.strideH() - p.padH() + ki * p.dilationH();
                        if (iy >= 0 && iy < s.h) {
                            int dst = xOff + (ci * s.h + iy) * s.w + off;
                            for (int xx = lo; xx < hi; xx++) {
                                x[dst + xx * sw] += col[base + y * s.ow + xx];
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * Runs {@code body(from, to)} over chunks of the samples, spread over the worker pool; a chunk allocates its
     * buffers once for all its samples. Chunks hold whole groups of {@code group} samples (the last group may be
     * shorter): the GEMM paths multiply a group's samples side by side in one product ({@link #groupSize}), and the
     * groups, so each output's tile and sums, must not depend on the thread count. Groups made from each chunk's share
     * gave other products at one thread than at two, whose edge tiles (summed from zero, then added to the bias) and
     * depth blocks rounded some outputs differently: a stride-2 3x3 convolution of 3 samples changed 348 of its 2352
     * outputs between one and two threads.
     */
    private static void perChunk(int n, int group, SampleRange body) {
        List<Runnable> tasks = new ArrayList<>();
        int groups = (n + group - 1) / group;
        int chunks = Math.min(groups, CpuThreads.threads() * 2);
        for (int c = 0; c < chunks; c++) {
            int from = (int) Math.min(n, (long) groups * c / chunks * group);
            int to = (int) Math.min(n, (long) groups * (c + 1) / chunks * group);
            tasks.add(() -> body.run(from, to));
        }
        CpuThreads.invokeAll(tasks);
    }

    private interface SampleRange {
        void run(int from, int to);
    }

    /** Runs {@code body(chunk, from, to)} for {@code chunks} even chunks of {@code n} samples on the worker pool. */
    private static void chunked(int n, int chunks, ChunkRange body) {
        List<Runnable> tasks = new ArrayList<>();
        for (int c = 0; c < chunks; c++) {
            int ci = c;
            int from = (int) ((long) n * c / chunks);
            int to = (int) ((long) n * (c + 1) / chunks);
            tasks.add(() -> body.run(ci, from, to));
        }
        CpuThreads.invokeAll(tasks);
    }

    private interface ChunkRange {
        void run(int chunk, int from, int to);
    }

    /** Columns (output pixels) a batch of samples gathers into one GEMM, at most. */
    static final int BATCH_COLUMNS = Integer.getInteger("ember.cpu.convBatchColumns", 512);

    /**
     * How many of {@code samples} samples share one column matrix, side by side, and so one GEMM per group: small
     * images (LeNet's conv2: a [16 x 150] x [150 x 100] product a sample) make GEMMs too small to run near the
     * kernel's rate, and each would pack its operands again. Batches stop at {@link #BATCH_COLUMNS} output pixels so
     * the column matrix stays in a core's cache: images of 512 pixels or more (LeNet's conv1, 28x28) go one at a
     * time, where batching made them slower.
     */
    private static int batch(Geom s, int samples) {
        return Math.max(1, Math.min(samples, BATCH_COLUMNS / Math.max(1, s.ohw)));
    }

    /**
     * How many samples one product of the forward pass and of the input gradient takes ({@link #batch}): a quarter of
     * the batch at most, so that there are four groups to share out (what two threads' four chunks held before), and
     * the same whatever the thread count.
     */
    private static int groupSize(Geom s) {
        return batch(s, (s.n + 3) / 4);
    }

    /** Group gi's rows of samples n0..n0+nb-1 of an output-shaped tensor, side by side: [og x nb*ohw] in tmp. */
    private static float[] gatherRows(float[] dy, int off, Geom s, int n0, int nb, int gi, float[] tmp) {
        int ld = nb * s.ohw;
        for (int i = 0; i < nb; i++) {
            for (int oc = 0; oc < s.og; oc++) {
                System.arraycopy(dy, off + ((n0 + i) * s.o + gi * s.og + oc) * s.ohw, tmp, oc * ld + i * s.ohw, s.ohw);
            }
        }
        return tmp;
    }

    // ------------------------------------------------------------------ forward

    static void forward(CpuStorage in, Layout li, CpuStorage wt, Layout lw, CpuStorage bias, CpuStorage out, Layout lo,
                        Conv2dParams p) {
        Geom s = new Geom(li.shape(), lw.shape(), lo.shape(), p);
        boolean f32 = in.dtype == DType.FLOAT32;
        DirectConv direct = DirectConv.get();
        if (f32 && direct != null && direct.appliesForward(s)) {
            float[] packed = direct.packForward((float[]) wt.array, lw.offset(), s);
            float[] b = bias == null ? null : (float[]) bias.array;
            perChunk(s.n, 1, (from, to) -> direct.forward((float[]) in.array, li.offset(), packed, b, (float[]) out.array,
                    lo.offset(), s, from, to));
            return;
        }
        int most = groupSize(s);
        perChunk(s.n, most, (from, to) -> {
            if (f32) {
                float[] x = (float[]) in.array;
                float[] w = (float[]) wt.array;
                float[] y = (float[]) out.array;
                float[] b = bias == null ? null : (float[]) bias.array;
                float[] col = Scratch.floats(Scratch.CONV_COLUMNS, s.ckk * s.ohw * most + SLACK);
                float[] tmp = most > 1 ? Scratch.floats(Scratch.CONV_ROWS, s.og * s.ohw * most) : null;
                for (int n0 = from; n0 < to; n0 += most) {
                    int nb = Math.min(most, to - n0);
                    int ld = nb * s.ohw;
                    for (int gi = 0; gi < s.g; gi++) {
                        columns(x, li, s, n0, nb, gi, col, ld);
                        // one sample straight into the output; several into [og x nb*ohw], then each to its place
                        float[] dst = nb == 1 ? y : tmp;
                        int dstOff = nb == 1 ? lo.offset() + (n0 * s.o + gi * s.og) * s.ohw : 0;
                        if (b != null) {
                            for (int oc = 0; oc < s.og; oc++) {
                                java.util.Arrays.fill(dst, dstOff + oc * ld, dstOff + (oc + 1) * ld, b[gi * s.og + oc]);
                            }
                        }
                        Gemm.sgemm(MicroKernels.get(), s.og, ld, s.ckk, w, lw.offset() + gi * s.og * s.ckk, s.ckk, 1,
                                col, 0, ld, 1, dst, dstOff, ld, 1, b != null);
                        if (nb > 1) {
                            for (int i = 0; i < nb; i++) {
                                for (int oc = 0; oc < s.og; oc++) {
                                    System.arraycopy(tmp, oc * ld + i * s.ohw, y,
                                            lo.offset() + ((n0 + i) * s.o + gi * s.og + oc) * s.ohw, s.ohw);
                                }
                            }
                        }
                    }
                }
            } else {
                double[] x = (double[]) in.array;
                double[] w = (double[]) wt.array;
                double[] y = (double[]) out.array;
                double[] col = new double[s.ckk * s.ohw];
                for (int n = from; n < to; n++) {
                    for (int gi = 0; gi < s.g; gi++) {
                        im2col(x, li.offset() + (n * s.c + gi * s.cg) * s.h * s.w, s, col);
                        int yOff = lo.offset() + (n * s.o + gi * s.og) * s.ohw;
                        Gemm.dgemm(s.og, s.ohw, s.ckk, w, lw.offset() + gi * s.og * s.ckk, s.ckk, 1,
                                col, 0, s.ohw, 1, y, yOff, s.ohw, 1);
                        if (bias != null) {
                            double[] b = (double[]) bias.array;
                            for (int oc = 0; oc < s.og; oc++) {
                                for (int i = 0; i < s.ohw; i++) {
                                    y[yOff + oc * s.ohw + i] += b[gi * s.og + oc];
                                }
                            }
                        }
                    }
                }
            }
        });
    }

    // ------------------------------------------------------------------ backward

    /**
     * The input gradient of a stride-1, dilation-1 convolution as a forward convolution: of the output gradient
     * [n, o, oh, ow], zero-padded by kernel - 1 - padding, with {@link #flipTransposed} weights [c, og, kh, kw], giving
     * [n, c, h, w]; null where the padding exceeds kernel - 1 (that forward would crop).
     */
    static Geom transposed(Geom s) {
        Conv2dParams p = s.p;
        if (p.strideH() != 1 || p.strideW() != 1 || p.dilationH() != 1 || p.dilationW() != 1 || p.padH() > s.kh - 1
                || p.padW() > s.kw - 1) {
            return null;
        }
        return new Geom(new int[] {s.n, s.o, s.oh, s.ow}, new int[] {s.c, s.og, s.kh, s.kw},
                new int[] {s.n, s.c, s.h, s.w}, new Conv2dParams(1, 1, s.kh - 1 - p.padH(), s.kw - 1 - p.padW(), 1, 1,
                        s.g));
    }

    /** The weights [o][cg][kh][kw] as {@link #transposed}'s convolution reads them: [c][og][kh][kw], flipped in space. */
    static float[] flipTransposed(float[] w, int wOff, Geom s) {
        int khw = s.kh * s.kw;
        float[] out = weightBuffer(Scratch.CONV_FLIPPED, s.o * s.ckk);
        for (int gi = 0; gi < s.g; gi++) {
            for (int cl = 0; cl < s.cg; cl++) {
                for (int ol = 0; ol < s.og; ol++) {
                    int src = wOff + ((gi * s.og + ol) * s.cg + cl) * khw + khw - 1;
                    int dst = ((gi * s.cg + cl) * s.og + ol) * khw;
                    for (int k = 0; k < khw; k++) {
                        out[dst + k] = w[src - k];
                    }
                }
            }
        }
        return out;
    }

    static void backwardInput(CpuStorage gy, Layout lgy, CpuStorage wt, Layout lw, CpuStorage gx, Layout lgx, Conv2dParams p) {
        Geom s = new Geom(lgx.shape(), lw.shape(), lgy.shape(), p);
        boolean f32 = gy.dtype == DType.FLOAT32;
        DirectConv direct = DirectConv.get();
        Geom t = f32 && direct != null ? transposed(s) : null;
        boolean asForward = t != null && direct.appliesForward(t);
        if (f32 && direct != null && direct.applies(s) && !(asForward && direct.inputGradAsForward(s))) {
            float[] packed = DirectConv.packBackward((float[]) wt.array, lw.offset(), s);
            perChunk(s.n, 1, (from, to) -> direct.backwardInput((float[]) gy.array, lgy.offset(), packed,
                    (float[]) gx.array, lgx.offset(), s, from, to));
            return;
        }
        if (asForward) {
            // larger images: the forward kernels on the output gradient, zero-padded by k - 1 - p, with the weights
            // flipped and their channel axes swapped (no column matrix, no col2im)
            float[] packed = direct.packForward(flipTransposed((float[]) wt.array, lw.offset(), s), 0, t);
            perChunk(s.n, 1, (from, to) -> direct.forward((float[]) gy.array, lgy.offset(), packed, null,
                    (float[]) gx.array, lgx.offset(), t, from, to));
            return;
        }
        int most = groupSize(s);
        perChunk(s.n, most, (from, to) -> {
            if (f32) {
                float[] dy = (float[]) gy.array;
                float[] w = (float[]) wt.array;
                float[] dx = (float[]) gx.array;
                float[] col = Scratch.floats(Scratch.CONV_COLUMNS, s.ckk * s.ohw * most);
                float[] tmp = most > 1 ? Scratch.floats(Scratch.CONV_ROWS, s.og * s.ohw * most) : null;
                int image = s.c * s.h * s.w;
                for (int n0 = from; n0 < to; n0 += most) {
                    int nb = Math.min(most, to - n0);
                    int ld = nb * s.ohw;
                    java.util.Arrays.fill(dx, lgx.offset() + n0 * image, lgx.offset() + (n0 + nb) * image, 0f);
                    for (int gi = 0; gi < s.g; gi++) {
                        // col = W_g^T [ckk x og] @ dy_g [og x nb*ohw] (several samples' rows gathered side by side)
                        float[] src = nb == 1 ? dy : gatherRows(dy, lgy.offset(), s, n0, nb, gi, tmp);
                        int srcOff = nb == 1 ? lgy.offset() + (n0 * s.o + gi * s.og) * s.ohw : 0;
                        Gemm.sgemm(MicroKernels.get(), s.ckk, ld, s.og, w, lw.offset() + gi * s.og * s.ckk, 1, s.ckk,
                                src, srcOff, ld, 1, col, 0, ld, 1);
                        for (int i = 0; i < nb; i++) {
                            col2im(col, ld, i * s.ohw, s, dx, lgx.offset() + (n0 + i) * image + gi * s.cg * s.h * s.w);
                        }
                    }
                }
            } else {
                double[] dy = (double[]) gy.array;
                double[] w = (double[]) wt.array;
                double[] dx = (double[]) gx.array;
                double[] col = new double[s.ckk * s.ohw];
                for (int n = from; n < to; n++) {
                    int xBase = lgx.offset() + n * s.c * s.h * s.w;
                    java.util.Arrays.fill(dx, xBase, xBase + s.c * s.h * s.w, 0.0);
                    for (int gi = 0; gi < s.g; gi++) {
                        Gemm.dgemm(s.ckk, s.ohw, s.og, w, lw.offset() + gi * s.og * s.ckk, 1, s.ckk,
                                dy, lgy.offset() + (n * s.o + gi * s.og) * s.ohw, s.ohw, 1, col, 0, s.ohw, 1);
                        col2im(col, s, dx, xBase + gi * s.cg * s.h * s.w);
                    }
                }
            }
        });
    }

    static void backwardWeight(CpuStorage gy, Layout lgy, CpuStorage in, Layout li, CpuStorage gw, Layout lgw, Conv2dParams p) {
        Geom s = new Geom(li.shape(), lgw.shape(), lgy.shape(), p);
        boolean f32 = gy.dtype == DType.FLOAT32;
        int wSize = s.o * s.ckk;
        int chunks = Math.max(1, Math.min(s.n, CpuThreads.threads()));
        DirectConv direct = DirectConv.get();
        if (f32 && direct != null && direct.appliesForward(s)) {
            directWeight(direct, gy, lgy, in, li, gw, lgw, s, chunks);
            return;
        }
        // each chunk of samples sums into its own buffer; the buffers are added at the end
        Object[] partial = new Object[chunks];
        chunked(s.n, chunks, (ci, from, to) -> {
            if (f32) {
                // one chunk sums straight into the output
                float[] acc = chunks == 1 ? (float[]) gw.array : new float[wSize];
                int accOff = chunks == 1 ? lgw.offset() : 0;
                if (chunks == 1) {
                    java.util.Arrays.fill(acc, accOff, accOff + wSize, 0f);
                }
                int most = batch(s, to - from);
                float[] col = Scratch.floats(Scratch.CONV_COLUMNS, s.ckk * s.ohw * most + SLACK);
                float[] tmp = most > 1 ? Scratch.floats(Scratch.CONV_ROWS, s.og * s.ohw * most) : null;
                float[] x = (float[]) in.array;
                float[] dy = (float[]) gy.array;
                for (int n0 = from; n0 < to; n0 += most) {
                    int nb = Math.min(most, to - n0);
                    int ld = nb * s.ohw;
                    for (int gi = 0; gi < s.g; gi++) {
                        columns(x, li, s, n0, nb, gi, col, ld);
                        // dW_g [og x ckk] += dy_g [og x nb*ohw] @ col^T [nb*ohw x ckk]: the samples are the depth
                        float[] src = nb == 1 ? dy : gatherRows(dy, lgy.offset(), s, n0, nb, gi, tmp);
                        int srcOff = nb == 1 ? lgy.offset() + (n0 * s.o + gi * s.og) * s.ohw : 0;
                        Gemm.sgemm(MicroKernels.get(), s.og, s.ckk, ld, src, srcOff, ld, 1, col, 0, 1, ld, acc,
                                accOff + gi * s.og * s.ckk, s.ckk, 1, true);
                    }
                }
                partial[ci] = acc;
            } else {
                double[] acc = new double[wSize];
                double[] tmp = new double[s.og * s.ckk];
                double[] col = new double[s.ckk * s.ohw];
                double[] x = (double[]) in.array;
                double[] dy = (double[]) gy.array;
                for (int n = from; n < to; n++) {
                    for (int gi = 0; gi < s.g; gi++) {
                        im2col(x, li.offset() + (n * s.c + gi * s.cg) * s.h * s.w, s, col);
                        Gemm.dgemm(s.og, s.ckk, s.ohw, dy, lgy.offset() + (n * s.o + gi * s.og) * s.ohw,
                                s.ohw, 1, col, 0, 1, s.ohw, tmp, 0, s.ckk, 1);
                        int base = gi * s.og * s.ckk;
                        for (int i = 0; i < tmp.length; i++) {
                            acc[base + i] += tmp[i];
                        }
                    }
                }
                partial[ci] = acc;
            }
        });
        if (f32 && chunks == 1) {
            return;
        }
        if (f32) {
            float[] out = (float[]) gw.array;
            for (int i = 0; i < wSize; i++) {
                float v = 0;
                for (Object part : partial) {
                    v += ((float[]) part)[i];
                }
                out[lgw.offset() + i] = v;
            }
        } else {
            double[] out = (double[]) gw.array;
            for (int i = 0; i < wSize; i++) {
                double v = 0;
                for (Object part : partial) {
                    v += ((double[]) part)[i];
                }
                out[lgw.offset() + i] = v;
            }
        }
    }

    /**
     * The buffer for a convolution's weights rearranged for {@link DirectConv} (packed, flipped), every element of
     * which the caller writes: the calling thread's {@link Scratch} slot, kept between calls, instead of a new array of
     * the weight's size each call (ResNet-18's step made 11 such arrays of up to 9 MiB per convolution layer and pass;
     * session 54). {@code -Dember.cpu.convWeightsNewArrays=true} (read at each call) allocates them as before.
     */
    static float[] weightBuffer(int slot, int size) {
        return Boolean.getBoolean("ember.cpu.convWeightsNewArrays") ? new float[size] : Scratch.floats(slot, size);
    }

    /**
     * The calling thread's buffers for {@link #directWeight}'s per-chunk partial sums, one per chunk (a chunk may run on
     * any thread, so they belong to the caller, not to the thread that fills them), kept between calls.
     */
    private static final ThreadLocal<float[][]> WEIGHT_PARTIALS = ThreadLocal.withInitial(() -> new float[0][]);

    /** The weight gradient through {@link DirectConv}: each chunk of samples into its own packed buffer, then summed. */
    private static void directWeight(DirectConv direct, CpuStorage gy, Layout lgy, CpuStorage in, Layout li,
                                     CpuStorage gw, Layout lgw, Geom s, int chunks) {
        float[][] partial = new float[chunks][];
        int size = s.o * s.ckk;
        boolean fresh = Boolean.getBoolean("ember.cpu.convWeightsNewArrays");
        float[][] kept = fresh ? null : WEIGHT_PARTIALS.get();
        if (!fresh && kept.length < chunks) {
            kept = java.util.Arrays.copyOf(kept, chunks);
            WEIGHT_PARTIALS.set(kept);
        }
        for (int ci = 0; ci < chunks && !fresh; ci++) {
            if (kept[ci] == null || kept[ci].length < size) {
                kept[ci] = null;
                kept[ci] = new float[size];
            }
        }
        float[][] buffers = kept;
        chunked(s.n, chunks, (ci, from, to) -> {
            float[] acc;
            if (fresh) {
                acc = new float[size];
            } else {
                acc = buffers[ci];
                java.util.Arrays.fill(acc, 0, size, 0f);
            }
            direct.backwardWeight((float[]) gy.array, lgy.offset(), (float[]) in.array, li.offset(), acc, s, from, to);
            partial[ci] = acc;
        });
        float[] out = (float[]) gw.array;
        java.util.Arrays.fill(out, lgw.offset(), lgw.offset() + s.o * s.ckk, 0f);
        for (float[] acc : partial) {
            direct.unpackForward(acc, out, lgw.offset(), s);
        }
    }
}
