package dev.ember.cpu;

import dev.ember.DType;
import dev.ember.backend.Layout;

import java.util.ArrayList;
import java.util.List;

/**
 * Blocked, multithreaded matrix multiply for any strides. B is packed per (KC x NC) block into a
 * contiguous panel shared by all threads; each thread packs its own rows of A and runs the
 * register-blocked micro-kernel of the active {@link MicroKernels} implementation.
 */
final class Gemm {
    static final int KC = 256;
    static final int NC = 2048;
    static final int MC = 64;

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
        int blocks = (m + MC - 1) / MC;
        if (CpuThreads.THREADS < 2 || blocks < 2 || work < (1L << 18)) {
            body.run(0, m);
            return;
        }
        List<Runnable> tasks = new ArrayList<>();
        for (int blk = 0; blk < blocks; blk++) {
            int from = blk * MC;
            int to = Math.min(m, from + MC);
            tasks.add(() -> body.run(from, to));
        }
        CpuThreads.invokeAll(tasks);
    }

    private interface RowRange {
        void run(int from, int to);
    }

    static void sgemm(MicroKernels kernels, int m, int n, int k, float[] a, int ao, int ars, int acs, float[] b, int bo, int brs, int bcs,
                      float[] c, int co, int crs, int ccs) {
        if (m == 0 || n == 0) {
            return;
        }
        // C is written whole: start from zero, then accumulate block by block
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                c[co + i * crs + j * ccs] = 0f;
            }
        }
        if (k == 0) {
            return;
        }
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            int ncPadded = MicroKernels.roundUp(nc, kernels.nr());
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                float[] bp = new float[kc * ncPadded];
                packB(b, bo, brs, bcs, pc, kc, jc, nc, kernels.nr(), bp);
                int nr = kernels.nr();
                final int fpc = pc;
                final int fjc = jc;
                parallelRows(m, (long) m * nc * kc, (from, to) -> {
                    int mr = kernels.mr();
                    float[] ap = new float[MicroKernels.roundUp(to - from, mr) * kc];
                    for (int ip = from; ip < to; ip += mr) {
                        int h = Math.min(mr, to - ip);
                        int base = (ip - from) * kc;
                        for (int p = 0; p < kc; p++) {
                            int src = ao + ip * ars + (fpc + p) * acs;
                            int dst = base + p * mr;
                            for (int r = 0; r < h; r++) {
                                ap[dst + r] = a[src + r * ars];
                            }
                        }
                    }
                    for (int ip = from; ip < to; ip += mr) {
                        int h = Math.min(mr, to - ip);
                        for (int jp = 0; jp < nc; jp += nr) {
                            int w = Math.min(nr, nc - jp);
                            kernels.sgemmTile(kc, ap, (ip - from) * kc, bp, jp * kc,
                                    c, co + ip * crs + (fjc + jp) * ccs, crs, ccs, h, w);
                        }
                    }
                });
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
                    for (int p = 0; p < kc; p++) {
                        int src = bo + (pc + p) * brs + (jc + jp) * bcs;
                        int dst = base + p * nr;
                        if (bcs == 1) {
                            System.arraycopy(b, src, bp, dst, w);
                        } else {
                            for (int j = 0; j < w; j++) {
                                bp[dst + j] = b[src + j * bcs];
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
