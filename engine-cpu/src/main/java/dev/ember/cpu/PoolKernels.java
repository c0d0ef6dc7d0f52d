package dev.ember.cpu;

import dev.ember.backend.Layout;
import dev.ember.backend.Pool2dParams;

import java.util.ArrayList;
import java.util.List;

/** Max and average pooling over contiguous NCHW tensors, one (n, c) plane per step, planes in parallel. */
final class PoolKernels {
    private PoolKernels() {
    }

    private static void perPlane(int planes, java.util.function.IntConsumer body) {
        List<Runnable> tasks = new ArrayList<>();
        int chunks = Math.max(1, Math.min(planes, CpuThreads.THREADS * 4));
        for (int c = 0; c < chunks; c++) {
            int from = (int) ((long) planes * c / chunks);
            int to = (int) ((long) planes * (c + 1) / chunks);
            tasks.add(() -> {
                for (int i = from; i < to; i++) {
                    body.accept(i);
                }
            });
        }
        CpuThreads.invokeAll(tasks);
    }

    static void maxForward(CpuStorage in, Layout li, CpuStorage out, CpuStorage idx, Layout lo, Pool2dParams p) {
        int[] is = li.shape();
        int[] os = lo.shape();
        int h = is[2];
        int w = is[3];
        int oh = os[2];
        int ow = os[3];
        long[] ind = (long[]) idx.array;
        perPlane(is[0] * is[1], plane -> {
            int src = li.offset() + plane * h * w;
            int dst = lo.offset() + plane * oh * ow;
            for (int y = 0; y < oh; y++) {
                int y0 = y * p.strideH() - p.padH();
                for (int x = 0; x < ow; x++) {
                    int x0 = x * p.strideW() - p.padW();
                    double best = Double.NEGATIVE_INFINITY;
                    int bestAt = -1;
                    for (int ki = 0; ki < p.kernelH(); ki++) {
                        int iy = y0 + ki * p.dilationH();
                        if (iy < 0 || iy >= h) {
                            continue;
                        }
                        for (int kj = 0; kj < p.kernelW(); kj++) {
                            int ix = x0 + kj * p.dilationW();
                            if (ix < 0 || ix >= w) {
                                continue;
                            }
                            double v = in.getDouble(src + iy * w + ix);
                            if (bestAt < 0 || v > best || Double.isNaN(v) && !Double.isNaN(best)) {
                                best = v;
                                bestAt = iy * w + ix;
                            }
                        }
                    }
                    out.setDouble(dst + y * ow + x, best);
                    ind[dst + y * ow + x] = bestAt;
                }
            }
        });
    }

    static void maxBackward(CpuStorage gy, CpuStorage idx, Layout lo, CpuStorage gx, Layout li) {
        int[] is = li.shape();
        int[] os = lo.shape();
        int hw = is[2] * is[3];
        int ohw = os[2] * os[3];
        long[] ind = (long[]) idx.array;
        perPlane(is[0] * is[1], plane -> {
            int dst = li.offset() + plane * hw;
            int src = lo.offset() + plane * ohw;
            for (int i = 0; i < hw; i++) {
                gx.setDouble(dst + i, 0);
            }
            for (int i = 0; i < ohw; i++) {
                int at = (int) ind[src + i];
                if (at >= 0) {
                    gx.setDouble(dst + at, gx.getDouble(dst + at) + gy.getDouble(src + i));
                }
            }
        });
    }

    /** The divisor of the window at output (y, x), as PyTorch's avg_pool2d. */
    private static int divisor(Pool2dParams p, int h, int w, int y, int x) {
        int hstart = y * p.strideH() - p.padH();
        int wstart = x * p.strideW() - p.padW();
        int hend = Math.min(hstart + p.kernelH(), h + p.padH());
        int wend = Math.min(wstart + p.kernelW(), w + p.padW());
        int poolSize = (hend - hstart) * (wend - wstart);
        if (p.countIncludePad()) {
            return poolSize;
        }
        hstart = Math.max(hstart, 0);
        wstart = Math.max(wstart, 0);
        hend = Math.min(hend, h);
        wend = Math.min(wend, w);
        return (hend - hstart) * (wend - wstart);
    }

    static void avgForward(CpuStorage in, Layout li, CpuStorage out, Layout lo, Pool2dParams p) {
        int[] is = li.shape();
        int[] os = lo.shape();
        int h = is[2];
        int w = is[3];
        int oh = os[2];
        int ow = os[3];
        perPlane(is[0] * is[1], plane -> {
            int src = li.offset() + plane * h * w;
            int dst = lo.offset() + plane * oh * ow;
            for (int y = 0; y < oh; y++) {
                for (int x = 0; x < ow; x++) {
                    int hs = y * p.strideH() - p.padH();
                    int ws = x * p.strideW() - p.padW();
                    double sum = 0;
                    for (int iy = Math.max(hs, 0); iy < Math.min(hs + p.kernelH(), h); iy++) {
                        for (int ix = Math.max(ws, 0); ix < Math.min(ws + p.kernelW(), w); ix++) {
                            sum += in.getDouble(src + iy * w + ix);
                        }
                    }
                    out.setDouble(dst + y * ow + x, sum / divisor(p, h, w, y, x));
                }
            }
        });
    }

    static void avgBackward(CpuStorage gy, Layout lo, CpuStorage gx, Layout li, Pool2dParams p) {
        int[] is = li.shape();
        int[] os = lo.shape();
        int h = is[2];
        int w = is[3];
        int oh = os[2];
        int ow = os[3];
        perPlane(is[0] * is[1], plane -> {
            int dst = li.offset() + plane * h * w;
            int src = lo.offset() + plane * oh * ow;
            for (int i = 0; i < h * w; i++) {
                gx.setDouble(dst + i, 0);
            }
            for (int y = 0; y < oh; y++) {
                for (int x = 0; x < ow; x++) {
                    int hs = y * p.strideH() - p.padH();
                    int ws = x * p.strideW() - p.padW();
                    double g = gy.getDouble(src + y * ow + x) / divisor(p, h, w, y, x);
                    for (int iy = Math.max(hs, 0); iy < Math.min(hs + p.kernelH(), h); iy++) {
                        for (int ix = Math.max(ws, 0); ix < Math.min(ws + p.kernelW(), w); ix++) {
                            gx.setDouble(dst + iy * w + ix, gx.getDouble(dst + iy * w + ix) + g);
                        }
                    }
                }
            }
        });
    }
}
