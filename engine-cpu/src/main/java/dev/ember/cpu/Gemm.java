package dev.ember.cpu;

import dev.ember.DType;
import dev.ember.backend.Layout;

import java.util.ArrayList;
import java.util.List;

/**
 * Blocked, multithreaded matrix multiply for any strides, after BLIS: B is packed per (KC x NC) block into
 * panels shared by all threads; each task packs its own MC x KC blocks of A and runs the register-blocked
 * micro-kernel of the active {@link MicroKernels} implementation. Packing buffers are per thread and reused.
 */
final class Gemm {
    static final int KC = 256;
    static final int NC = 2048;
    /** MC = MR x this: a 120 x 256 float block of A (120 KiB with MR 6) stays in a core's L2. */
    static final int MC_PANELS = 20;
    /** Below this many multiply-adds a GEMM block runs on the calling thread. */
    static final long PARALLEL_WORK = 1L << 17;

    private Gemm() {
    }

    static void matmul(CpuStorage a, Layout la, CpuStorage b, Layout lb, CpuStorage c, Layout lc) {
        int batch = la.size(0);
        int m = la.size(1);
        int k = la.size(2);
        int n = lb.size(2);
        for (int bi = 0; bi < batch; bi++) {
            int ao = la.offset() + bi * la.stride(0);
            int bo = lb.offset() + bi * lb.stride(0);
            int co = lc.offset() + bi * lc.stride(0);
            if (a.dtype == DType.FLOAT32) {
                sgemm(MicroKernels.get(), m, n, k, (float[]) a.array, ao, la.stride(1), la.stride(2),
                        (float[]) b.array, bo, lb.stride(1), lb.stride(2), (float[]) c.array, co, lc.stride(1), lc.stride(2));
            } else {
                dgemm(m, n, k, (double[]) a.array, ao, la.stride(1), la.stride(2),
                        (double[]) b.array, bo, lb.stride(1), lb.stride(2), (double[]) c.array, co, lc.stride(1), lc.stride(2));
            }
        }
    }

    private static void parallelRows(int m, long work, RowRange body) {
        int blocks = (m + 63) / 64;
        if (CpuThreads.THREADS < 2 || blocks < 2 || work < (1L << 18)) {
            body.run(0, m);
            return;
        }
        List<Runnable> tasks = new ArrayList<>();
        for (int blk = 0; blk < blocks; blk++) {
            int from = blk * 64;
            int to = Math.min(m, from + 64);
            tasks.add(() -> body.run(from, to));
        }
        CpuThreads.invokeAll(tasks);
    }

    private interface RowRange {
        void run(int from, int to);
    }

    /** Packing buffers, one pair per thread, grown on demand and kept (at most KC x NC and MC x KC floats). */
    private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(() -> new float[3][]);

    private static float[] buffer(int slot, int size) {
        float[][] bufs = BUFFERS.get();
        float[] b = bufs[slot];
        if (b == null || b.length < size) {
            b = new float[size];
            bufs[slot] = b;
        }
        return b;
    }

    /** {@code C = A B}. */
    static void sgemm(MicroKernels kernels, int m, int n, int k, float[] a, int ao, int ars, int acs, float[] b, int bo, int brs, int bcs,
                      float[] c, int co, int crs, int ccs) {
        sgemm(kernels, m, n, k, a, ao, ars, acs, b, bo, brs, bcs, c, co, crs, ccs, false);
    }

    /**
     * {@code C = A B}, or {@code C += A B} when {@code accumulate}, for any strides. The loops are BLIS's: B is packed
     * per (KC x NC) block into NR-wide panels shared by all threads; the rows of C (and, when there are too few of
     * them to keep every thread busy, its column panels) are split into tasks; each task packs its MC x KC block of A
     * into MR-high panels and runs the micro-kernel with the B panel outermost, so one B panel stays in L1 while the
     * A block (in L2) streams past it.
     */
    static void sgemm(MicroKernels kernels, int m, int n, int k, float[] a, int ao, int ars, int acs, float[] b, int bo, int brs, int bcs,
                      float[] c, int co, int crs, int ccs, boolean accumulate) {
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            if (!accumulate) {
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        c[co + i * crs + j * ccs] = 0f;
                    }
                }
            }
            return;
        }
        int mr = kernels.mr();
        int nr = kernels.nr();
        int mc = mr * MC_PANELS;
        int rowPanels = (m + mr - 1) / mr;
        float[] bp = buffer(0, KC * MicroKernels.roundUp(Math.min(NC, n), nr));
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            int colPanels = (nc + nr - 1) / nr;
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                boolean add = accumulate || pc > 0;
                packB(b, bo, brs, bcs, pc, kc, jc, nc, nr, bp);
                // the task grid: rows first, then column panels when rows alone cannot feed every thread
                long work = (long) m * nc * kc;
                int want = CpuThreads.THREADS < 2 || work < PARALLEL_WORK ? 1 : CpuThreads.THREADS * 2;
                int rowTasks = Math.min(rowPanels, want);
                int colTasks = Math.min(colPanels, (want + rowTasks - 1) / rowTasks);
                int fpc = pc;
                int fjc = jc;
                List<Runnable> tasks = new ArrayList<>(rowTasks * colTasks);
                for (int rt = 0; rt < rowTasks; rt++) {
                    int rowFrom = rowPanels * rt / rowTasks * mr;
                    int rowTo = Math.min(m, rowPanels * (rt + 1) / rowTasks * mr);
                    for (int ct = 0; ct < colTasks; ct++) {
                        int panelFrom = colPanels * ct / colTasks;
                        int panelTo = colPanels * (ct + 1) / colTasks;
                        tasks.add(() -> {
                            float[] ap = buffer(1, mc * kc);
                            float[] scratch = buffer(2, mr * nr);
                            for (int ic = rowFrom; ic < rowTo; ic += mc) {
                                int mcc = Math.min(mc, rowTo - ic);
                                packA(a, ao, ars, acs, ic, mcc, fpc, kc, mr, ap);
                                for (int panel = panelFrom; panel < panelTo; panel++) {
                                    int jp = panel * nr;
                                    int w = Math.min(nr, nc - jp);
                                    for (int ip = 0; ip < mcc; ip += mr) {
                                        int h = Math.min(mr, mcc - ip);
                                        kernels.sgemmTile(kc, ap, ip * kc, bp, jp * kc,
                                                c, co + (ic + ip) * crs + (fjc + jp) * ccs, crs, ccs, h, w, add, scratch);
                                    }
                                }
                            }
                        });
                    }
                }
                CpuThreads.invokeAll(tasks);
            }
        }
    }

    /** Packs {@code A[ic:ic+mc, pc:pc+kc]} into MR-high row panels, k-major inside a panel (zero-padded rows). */
    private static void packA(float[] a, int ao, int ars, int acs, int ic, int mc, int pc, int kc, int mr, float[] ap) {
        for (int ip = 0; ip < mc; ip += mr) {
            int h = Math.min(mr, mc - ip);
            int base = ip * kc;
            int rowBase = ao + (ic + ip) * ars + pc * acs;
            if (h < mr) {
                java.util.Arrays.fill(ap, base, base + kc * mr, 0f);
            }
            if (acs == 1) {
                for (int r = 0; r < h; r++) {
                    int src = rowBase + r * ars;
                    int dst = base + r;
                    for (int p = 0; p < kc; p++) {
                        ap[dst + p * mr] = a[src + p];
                    }
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    int src = rowBase + p * acs;
                    int dst = base + p * mr;
                    for (int r = 0; r < h; r++) {
                        ap[dst + r] = a[src + r * ars];
                    }
                }
            }
        }
    }

    /**
     * Packs {@code B[pc:pc+kc, jc:jc+nc]} into NR-wide column panels (zero-padded), the panels split across the
     * worker pool when the block is large.
     */
    private static void packB(float[] b, int bo, int brs, int bcs, int pc, int kc, int jc, int nc, int nr, float[] bp) {
        int panels = (nc + nr - 1) / nr;
        int parts = (long) kc * nc < (1 << 16) ? 1 : Math.min(panels, CpuThreads.THREADS * 2);
        List<Runnable> tasks = new ArrayList<>();
        for (int t = 0; t < parts; t++) {
            int from = panels * t / parts;
            int to = panels * (t + 1) / parts;
            tasks.add(() -> {
                for (int panel = from; panel < to; panel++) {
                    int jp = panel * nr;
                    int w = Math.min(nr, nc - jp);
                    int base = jp * kc;
                    int src0 = bo + pc * brs + (jc + jp) * bcs;
                    if (w < nr) {
                        for (int p = 0; p < kc; p++) {
                            java.util.Arrays.fill(bp, base + p * nr + w, base + (p + 1) * nr, 0f);
                        }
                    }
                    if (bcs == 1) {
                        for (int p = 0; p < kc; p++) {
                            System.arraycopy(b, src0 + p * brs, bp, base + p * nr, w);
                        }
                    } else {
                        // B stored by columns (a transposed operand): walk each column contiguously
                        for (int j = 0; j < w; j++) {
                            int src = src0 + j * bcs;
                            int dst = base + j;
                            for (int p = 0; p < kc; p++) {
                                bp[dst + p * nr] = b[src + p * brs];
                            }
                        }
                    }
                }
            });
        }
        CpuThreads.invokeAll(tasks);
    }

    static void dgemm(int m, int n, int k, double[] a, int ao, int ars, int acs, double[] b, int bo, int brs, int bcs,
                      double[] c, int co, int crs, int ccs) {
        if (m == 0 || n == 0) {
            return;
        }
        parallelRows(m, (long) m * n * k, (from, to) -> {
            double[] row = new double[n];
            for (int i = from; i < to; i++) {
                java.util.Arrays.fill(row, 0);
                for (int p = 0; p < k; p++) {
                    double av = a[ao + i * ars + p * acs];
                    int bb = bo + p * brs;
                    if (bcs == 1) {
                        for (int j = 0; j < n; j++) {
                            row[j] += av * b[bb + j];
                        }
                    } else {
                        for (int j = 0; j < n; j++) {
                            row[j] += av * b[bb + j * bcs];
                        }
                    }
                }
                for (int j = 0; j < n; j++) {
                    c[co + i * crs + j * ccs] = row[j];
                }
            }
        });
    }
}
