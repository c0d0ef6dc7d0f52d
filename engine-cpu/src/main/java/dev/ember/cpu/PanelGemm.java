package dev.ember.cpu;

import java.util.ArrayList;
import java.util.List;

/**
 * A linear layer's {@code x W^T} for a few rows of x against a weight packed once for many products (an RNN's
 * {@code W_hh}, applied at every step of a sequence): W {@code [n, k]} is stored as panels of {@link #panelWidth}
 * output columns, each panel {@code [k][pw]} (W transposed, column {@code j} of the panel at {@code p * pw + j},
 * columns past {@code n} zero), so a pass reads its panel once, front to back, and keeps each output in a register
 * for the whole depth: no lane sums, no packing per call. The dot products of the unpacked path
 * ({@code Gemm.gemvColumns}) stream W's rows four at a time and sum each column's 16 lanes at the end; on a
 * [1, 256] x [1024, 256]^T product the panels ran in about two thirds of their time (RESULTS.md, session 39).
 *
 * <p>Each output is {@code fma(W[j, p], x[p], acc)} for {@code p = 0 .. k-1} in order from zero, one chain per output
 * in the vector kernels and in the plain loop alike, so the bits do not depend on the vector width, the JVM flags or
 * the thread count (the panels are split over the threads, never the depth).
 */
final class PanelGemm {
    private PanelGemm() {
    }

    /** The vector kernels: {@code rows} rows of x against one panel, outputs kept in eight vector registers. */
    interface Kernels {
        /** The floats in one vector. */
        int lanes();

        /** The vectors of output columns a pass of {@code rows} rows holds in registers: its panel's width. */
        int vectors(int rows);

        /**
         * {@code c[cOffs[r] + j] = sum_p x[xOffs[r] + p * xcs] * panel[po + p * pw + j]} for each of {@code rows}
         * rows (1, 2 or 4; {@code pw = 8 / rows} vectors) and {@code j < w}.
         */
        void pass(int rows, int k, float[] x, int[] xOffs, int xcs, float[] panel, int po, float[] c, int[] cOffs, int w);
    }

    private static final Kernels VECTOR = MicroKernels.loadVectorClass(Kernels.class, "dev.ember.cpu.VectorPanelGemm");

    /** The vector kernels, or null where the Vector API is absent. */
    static Kernels vector() {
        return VECTOR;
    }

    /** Rows of x per pass for an {@code m}-row product: 1, 2, or 4 (larger products run in groups of four). */
    static int rowsPerPass(int m) {
        return m <= 1 ? 1 : m == 2 ? 2 : 4;
    }

    /**
     * The output columns per panel for {@code m}-row products: the vector kernels' choice (eight vectors' worth shared
     * among a pass's rows; sixteen for one row where there are 32 vector registers), 64 / rows without them.
     */
    static int panelWidth(int m) {
        int rows = rowsPerPass(m);
        return VECTOR != null ? VECTOR.lanes() * VECTOR.vectors(rows) : 8 * (8 / rows);
    }

    /** The floats of W {@code [n, k]} packed for {@code m}-row products, in exact arithmetic (may pass int range). */
    static long packedLength(int n, int k, int m) {
        long pw = panelWidth(m);
        return (n + pw - 1) / pw * pw * k;
    }

    /** Packs W {@code [n, k]} (any strides) into {@code dst} for {@code m}-row products ({@link #packedLength}). */
    static void pack(float[] w, int wo, int wrs, int wcs, int n, int k, int m, float[] dst, int dstOff) {
        int pw = panelWidth(m);
        MicroKernels kernels = MicroKernels.get();
        for (int jb = 0; jb < n; jb += pw) {
            int cols = Math.min(pw, n - jb);
            int base = dstOff + (int) ((long) jb * k);
            if (wcs == 1) {
                // W's rows are the panel's columns: the GEMM's transposing pack of a B stored by columns
                kernels.packColumns(w, wo + jb * wrs, wrs, k, cols, dst, base, pw);
            } else {
                for (int j = 0; j < cols; j++) {
                    int row = wo + (jb + j) * wrs;
                    for (int p = 0; p < k; p++) {
                        dst[base + p * pw + j] = w[row + p * wcs];
                    }
                }
            }
            if (cols < pw) {
                for (int p = 0; p < k; p++) {
                    java.util.Arrays.fill(dst, base + p * pw + cols, base + (p + 1) * pw, 0f);
                }
            }
        }
    }

    /**
     * {@code c[m, n] = x[m, k] W^T} with W packed by {@link #pack} for {@code m} rows; x's rows at {@code xo + i * xrs},
     * their elements {@code xcs} apart; c's rows at {@code co + i * crs}, contiguous.
     */
    static void multiply(int m, int n, int k, float[] x, int xo, int xrs, int xcs, float[] packed, int po, float[] c,
                         int co, int crs) {
        multiply(VECTOR, m, n, k, x, xo, xrs, xcs, packed, po, c, co, crs);
    }

    /** {@link #multiply} with the given kernels, or the plain loops where {@code kernels} is null (tests compare them). */
    static void multiply(Kernels kernels, int m, int n, int k, float[] x, int xo, int xrs, int xcs, float[] packed,
                         int po, float[] c, int co, int crs) {
        int pw = panelWidth(m);
        int panels = (n + pw - 1) / pw;
        int parts = CpuThreads.threads() < 2 || CpuThreads.inTask() || (long) m * n * k < 8 * Gemm.PARALLEL_WORK ? 1
                : Math.min(CpuThreads.threads() * 2, panels);
        List<Runnable> tasks = new ArrayList<>(parts);
        for (int t = 0; t < parts; t++) {
            int from = (int) ((long) panels * t / parts);
            int to = (int) ((long) panels * (t + 1) / parts);
            tasks.add(() -> panels(kernels, from, to, m, n, k, x, xo, xrs, xcs, packed, po, c, co, crs));
        }
        CpuThreads.invokeAll(tasks);
    }

    private static void panels(Kernels kernels, int from, int to, int m, int n, int k, float[] x, int xo, int xrs, int xcs,
                               float[] packed, int po, float[] c, int co, int crs) {
        int pw = panelWidth(m);
        int rows = rowsPerPass(m);
        int[] xOffs = new int[rows];
        int[] cOffs = new int[rows];
        for (int pb = from; pb < to; pb++) {
            int jb = pb * pw;
            int w = Math.min(pw, n - jb);
            int panel = po + (int) ((long) jb * k);
            for (int i = 0; i < m; i += rows) {
                for (int r = 0; r < rows; r++) {
                    // a last group of fewer rows repeats its last row (computed twice, stored twice, the same values)
                    int row = Math.min(i + r, m - 1);
                    xOffs[r] = xo + row * xrs;
                    cOffs[r] = co + row * crs + jb;
                }
                if (kernels != null) {
                    kernels.pass(rows, k, x, xOffs, xcs, packed, panel, c, cOffs, w);
                } else {
                    plainPass(rows, k, x, xOffs, xcs, packed, panel, pw, c, cOffs, w);
                }
            }
        }
    }

    /** {@link Kernels#pass} in plain Java: the same chains, so the same bits. */
    private static void plainPass(int rows, int k, float[] x, int[] xOffs, int xcs, float[] panel, int po, int pw,
                                  float[] c, int[] cOffs, int w) {
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < w; j++) {
                float acc = 0f;
                for (int p = 0; p < k; p++) {
                    acc = Math.fma(panel[po + p * pw + j], x[xOffs[r] + p * xcs], acc);
                }
                c[cOffs[r] + j] = acc;
            }
        }
    }
}
