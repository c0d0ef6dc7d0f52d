package dev.ember.cpu;

import dev.ember.DType;
import dev.ember.backend.Layout;
import dev.ember.backend.OptimizerKind;
import dev.ember.backend.Storage;

/**
 * The fused optimizer updates ({@code Backend.optimizerUpdate}): one pass over a parameter's elements that does what
 * the optimizer's chain of elementwise ops did, operation for operation and rounded alike, so the parameter and state
 * get the chain's bits (OptimizerFusedTest compares them). The rules the chain follows on the CPU, which these loops
 * repeat:
 * <ul>
 *   <li>a Java number meeting a float32 tensor is rounded to float first ({@code ArithmeticOps.scalarValue}), then the
 *       operation is a float operation ({@code x.mul(beta)} is {@code x * (float) beta});</li>
 *   <li>{@code add(t, alpha)}, {@code add_(t, alpha)} and {@code sub_(t, alpha)} are one fused multiply-add with
 *       {@code (float) alpha} ({@code (float) -alpha} for sub_), as ElementwiseKernels.axpy; with alpha 1 the chain
 *       adds without the multiply, which gives the same bits ({@code 1 * x} is exact);</li>
 *   <li>{@code lerp_(end, w)} is {@code fma(w, end - self, self)} (for {@code |w| >= 0.5}
 *       {@code fma(w - 1, end - self, end)}), {@code addcmul_(t1, t2, value)} is {@code fma(value * t1, t2, self)} and
 *       {@code addcdiv_(t1, t2, value)} is {@code self + value * t1 / t2} rounded at each operation: PyTorch's x86
 *       kernels (AVX2 and AVX-512, compiled with FMA contraction), which 2.x's single-tensor optimizers (its default
 *       for CPU parameters) call, so the bits are PyTorch's (OptimizerBitsTest);</li>
 *   <li>{@code number / tensor} is {@code tensor.reciprocal() * number}, as Python's {@code __rdiv__} computes it;</li>
 *   <li>sqrt is the correctly rounded square root ({@code (float) Math.sqrt(x)}), maximum is
 *       {@link ElementwiseKernels#maximum(float, float)} (NaN wins, the first operand on ties);</li>
 *   <li>float64 tensors take the scalars as they are and compute in double.</li>
 * </ul>
 * Work is split over the backend's threads as elementwise ops are (StridedLoop).
 */
final class OptimizerKernels {

    private OptimizerKernels() {
    }

    /** Runs {@code kind}'s update; every layout contiguous, of one shape, over float32 or float64 storages of one type. */
    static void update(OptimizerKind kind, double[] h, CpuStorage p, Layout lp, CpuStorage g, Layout lg, Storage[] state,
                       Layout[] ls) {
        int k = state.length;
        if (h.length != kind.slots().size() || k < kind.minState() || k > kind.maxState() || ls.length != k) {
            throw new IllegalArgumentException(kind + " takes " + kind.slots().size() + " scalars and " + kind.minState()
                    + " to " + kind.maxState() + " state tensors, got " + h.length + " and " + k);
        }
        Layout[] all = new Layout[2 + k];
        Object[] arrays = new Object[2 + k];
        all[0] = lp;
        all[1] = lg;
        arrays[0] = p.array;
        arrays[1] = g.array;
        for (int i = 0; i < k; i++) {
            all[2 + i] = ls[i];
            arrays[2 + i] = ((CpuStorage) state[i]).array;
        }
        for (int i = 0; i < all.length; i++) {
            CpuStorage s = i == 0 ? p : i == 1 ? g : (CpuStorage) state[i - 2];
            if (!all[i].isContiguous() || all[i].numel() != lp.numel() || s.dtype != p.dtype) {
                throw new IllegalArgumentException("optimizerUpdate takes contiguous operands of one shape and type");
            }
        }
        if (p.dtype != DType.FLOAT32 && p.dtype != DType.FLOAT64) {
            throw new IllegalArgumentException("optimizerUpdate takes float32 or float64, got " + p.dtype);
        }
        boolean f32 = p.dtype == DType.FLOAT32;
        new StridedLoop(all).run((off, n, st) -> {
            if (f32) {
                rowFloat(kind, h, arrays, off, n);
            } else {
                rowDouble(kind, h, arrays, off, n);
            }
        }, true);
    }

    private static float[] f(Object[] a, int i) {
        return i < a.length ? (float[]) a[i] : null;
    }

    private static double[] d(Object[] a, int i) {
        return i < a.length ? (double[]) a[i] : null;
    }

    private static int o(int[] off, int i) {
        return i < off.length ? off[i] : 0;
    }

    // ------------------------------------------------------------------ float32

    private static void rowFloat(OptimizerKind kind, double[] h, Object[] a, int[] off, int n) {
        float[] p = f(a, 0);
        float[] g = f(a, 1);
        int po = off[0];
        int go = off[1];
        switch (kind) {
            case SGD:
                sgd(h, p, po, g, go, f(a, 2), o(off, 2), n);
                return;
            case ADAM:
                adam(h, p, po, g, go, f(a, 2), off[2], f(a, 3), off[3], f(a, 4), o(off, 4), n);
                return;
            case ADAMAX:
                adamax(h, p, po, g, go, f(a, 2), off[2], f(a, 3), off[3], n);
                return;
            case ADAGRAD:
                adagrad(h, p, po, g, go, f(a, 2), off[2], n);
                return;
            case RMSPROP: {
                boolean momentum = h[5] > 0;
                boolean centered = h[6] != 0;
                int bi = momentum ? 3 : -1;
                int gi = centered ? (momentum ? 4 : 3) : -1;
                rmsprop(h, p, po, g, go, f(a, 2), off[2], momentum ? f(a, bi) : null, momentum ? off[bi] : 0,
                        centered ? f(a, gi) : null, centered ? off[gi] : 0, n);
                return;
            }
            case NADAM:
                nadam(h, p, po, g, go, f(a, 2), off[2], f(a, 3), off[3], n);
                return;
            case RADAM:
                radam(h, p, po, g, go, f(a, 2), off[2], f(a, 3), off[3], n);
                return;
            default:
                throw new IllegalArgumentException("optimizer " + kind);
        }
    }

    /** SGD; {@code b} is the momentum buffer (null without momentum). */
    private static void sgd(double[] h, float[] p, int po, float[] g, int go, float[] b, int bo, int n) {
        float nlr = (float) -h[0];
        boolean decay = h[1] != 0;
        float wd = (float) h[1];
        boolean momentum = h[2] != 0;
        float m = (float) h[2];
        float damp = (float) h[3];
        boolean nesterov = h[4] != 0;
        boolean first = h[5] != 0;
        for (int i = 0; i < n; i++) {
            float pi = p[po + i];
            float gi = g[go + i];
            if (decay) {
                gi = Math.fma(wd, pi, gi);
            }
            if (momentum) {
                float buf = first ? gi : Math.fma(damp, gi, b[bo + i] * m);
                b[bo + i] = buf;
                gi = nesterov ? Math.fma(m, buf, gi) : buf;
            }
            p[po + i] = Math.fma(nlr, gi, pi);
        }
    }

    /**
     * PyTorch's CPU {@code lerp_(end, weight)} of one element, {@code small} and {@code coeff} precomputed from the
     * weight: {@code fma(w, end - self, self)} for {@code |w| < 0.5}, else {@code fma(w - 1, end - self, end)}.
     */
    private static float lerp(float self, float end, boolean small, float coeff) {
        float d = end - self;
        return small ? Math.fma(coeff, d, self) : Math.fma(coeff, d, end);
    }

    /** The coefficient {@link #lerp(float, float, boolean, float)} takes for the weight {@code w}. */
    private static float lerpCoeff(float w) {
        return Math.abs(w) < 0.5f ? w : w - 1f;
    }

    /** Adam and AdamW; {@code mx} is max_exp_avg_sq (null without amsgrad). */
    private static void adam(double[] h, float[] p, int po, float[] g, int go, float[] ea, int eo, float[] es, int so,
                             float[] mx, int mo, int n) {
        boolean decay = h[0] != 0;
        boolean decoupled = h[1] != 0;
        float wd = (float) h[0];
        float factor = (float) h[2];
        float c1 = (float) h[4];
        boolean small = Math.abs(c1) < 0.5f;
        float k1 = lerpCoeff(c1);
        float b2 = (float) h[5];
        float c2 = (float) h[6];
        boolean amsgrad = h[7] != 0;
        float bc2 = (float) h[8];
        float eps = (float) h[9];
        float nstep = (float) -h[10];
        for (int i = 0; i < n; i++) {
            float pi = p[po + i];
            float gi = g[go + i];
            if (decay) {
                if (decoupled) {
                    pi = pi * factor;
                } else {
                    gi = Math.fma(wd, pi, gi);
                }
            }
            float m = lerp(ea[eo + i], gi, small, k1);
            float v = Math.fma(c2 * gi, gi, es[so + i] * b2);
            ea[eo + i] = m;
            es[so + i] = v;
            if (amsgrad) {
                v = ElementwiseKernels.maximum(mx[mo + i], v);
                mx[mo + i] = v;
            }
            float denom = (float) Math.sqrt(v) / bc2 + eps;
            p[po + i] = pi + nstep * m / denom;
        }
    }

    private static void adamax(double[] h, float[] p, int po, float[] g, int go, float[] ea, int eo, float[] ei, int io,
                               int n) {
        boolean decay = h[0] != 0;
        float wd = (float) h[0];
        float c1 = (float) h[2];
        boolean small = Math.abs(c1) < 0.5f;
        float k1 = lerpCoeff(c1);
        float b2 = (float) h[3];
        float eps = (float) h[4];
        float nstep = (float) -h[5];
        for (int i = 0; i < n; i++) {
            float pi = p[po + i];
            float gi = g[go + i];
            if (decay) {
                gi = Math.fma(wd, pi, gi);
            }
            float m = lerp(ea[eo + i], gi, small, k1);
            float u = ElementwiseKernels.maximum(ei[io + i] * b2, Math.abs(gi) + eps);
            ea[eo + i] = m;
            ei[io + i] = u;
            p[po + i] = pi + nstep * m / u;
        }
    }

    private static void adagrad(double[] h, float[] p, int po, float[] g, int go, float[] s, int so, int n) {
        boolean decay = h[0] != 0;
        float wd = (float) h[0];
        float eps = (float) h[1];
        float nstep = (float) -h[2];
        for (int i = 0; i < n; i++) {
            float pi = p[po + i];
            float gi = g[go + i];
            if (decay) {
                gi = Math.fma(wd, pi, gi);
            }
            float sum = Math.fma(gi, gi, s[so + i]);
            s[so + i] = sum;
            float std = (float) Math.sqrt(sum) + eps;
            p[po + i] = pi + nstep * gi / std;
        }
    }

    /** RMSprop; {@code b} is the momentum buffer, {@code ga} the gradient average (each null when not kept). */
    private static void rmsprop(double[] h, float[] p, int po, float[] g, int go, float[] sa, int so, float[] b, int bo,
                                float[] ga, int ao, int n) {
        boolean decay = h[0] != 0;
        float wd = (float) h[0];
        float alpha = (float) h[1];
        float c = (float) h[2];
        boolean small = Math.abs(c) < 0.5f;
        float k = lerpCoeff(c);
        float eps = (float) h[3];
        float nlr = (float) -h[4];
        float mom = (float) h[5];
        for (int i = 0; i < n; i++) {
            float pi = p[po + i];
            float gi = g[go + i];
            if (decay) {
                gi = Math.fma(wd, pi, gi);
            }
            float v = Math.fma(c * gi, gi, sa[so + i] * alpha);
            sa[so + i] = v;
            float avg;
            if (ga != null) {
                float gav = lerp(ga[ao + i], gi, small, k);
                ga[ao + i] = gav;
                avg = (float) Math.sqrt(Math.fma(-gav, gav, v));
            } else {
                avg = (float) Math.sqrt(v);
            }
            avg = avg + eps;
            if (b != null) {
                float buf = b[bo + i] * mom + gi / avg;
                b[bo + i] = buf;
                p[po + i] = Math.fma(nlr, buf, pi);
            } else {
                p[po + i] = pi + nlr * gi / avg;
            }
        }
    }

    private static void nadam(double[] h, float[] p, int po, float[] g, int go, float[] ea, int eo, float[] es, int so,
                              int n) {
        boolean decay = h[0] != 0;
        boolean decoupled = h[1] != 0;
        float wd = (float) h[0];
        float factor = (float) h[2];
        float c1 = (float) h[4];
        boolean small = Math.abs(c1) < 0.5f;
        float k1 = lerpCoeff(c1);
        float b2 = (float) h[5];
        float c2 = (float) h[6];
        float bc2 = (float) h[7];
        float eps = (float) h[8];
        float ngs = (float) -h[9];
        float nas = (float) -h[10];
        for (int i = 0; i < n; i++) {
            float pi = p[po + i];
            float gi = g[go + i];
            if (decay) {
                if (decoupled) {
                    pi = pi * factor;
                } else {
                    gi = Math.fma(wd, pi, gi);
                }
            }
            float m = lerp(ea[eo + i], gi, small, k1);
            float v = Math.fma(c2 * gi, gi, es[so + i] * b2);
            ea[eo + i] = m;
            es[so + i] = v;
            float denom = (float) Math.sqrt(v / bc2) + eps;
            pi = pi + ngs * gi / denom;
            p[po + i] = pi + nas * m / denom;
        }
    }

    private static void radam(double[] h, float[] p, int po, float[] g, int go, float[] ea, int eo, float[] es, int so,
                              int n) {
        boolean decay = h[0] != 0;
        boolean decoupled = h[1] != 0;
        float wd = (float) h[0];
        float factor = (float) h[2];
        float c1 = (float) h[4];
        boolean small = Math.abs(c1) < 0.5f;
        float k1 = lerpCoeff(c1);
        float b2 = (float) h[5];
        float c2 = (float) h[6];
        float bc1 = (float) h[7];
        float lr = (float) h[8];
        boolean rectified = h[9] != 0;
        float bc2 = (float) h[10];
        float eps = (float) h[11];
        float rect = (float) h[12];
        for (int i = 0; i < n; i++) {
            float pi = p[po + i];
            float gi = g[go + i];
            if (decay) {
                if (decoupled) {
                    pi = pi * factor;
                } else {
                    gi = Math.fma(wd, pi, gi);
                }
            }
            float m = lerp(ea[eo + i], gi, small, k1);
            float v = Math.fma(c2 * gi, gi, es[so + i] * b2);
            ea[eo + i] = m;
            es[so + i] = v;
            float corrected = m / bc1;
            if (rectified) {
                float adaptive = 1f / ((float) Math.sqrt(v) + eps) * bc2;
                p[po + i] = pi - corrected * lr * adaptive * rect;
            } else {
                p[po + i] = pi - corrected * lr;
            }
        }
    }

    // ------------------------------------------------------------------ float64 (the same, in double)

    private static void rowDouble(OptimizerKind kind, double[] h, Object[] a, int[] off, int n) {
        double[] p = d(a, 0);
        double[] g = d(a, 1);
        int po = off[0];
        int go = off[1];
        switch (kind) {
            case SGD:
                sgd(h, p, po, g, go, d(a, 2), o(off, 2), n);
                return;
            case ADAM:
                adam(h, p, po, g, go, d(a, 2), off[2], d(a, 3), off[3], d(a, 4), o(off, 4), n);
                return;
            case ADAMAX:
                adamax(h, p, po, g, go, d(a, 2), off[2], d(a, 3), off[3], n);
                return;
            case ADAGRAD:
                adagrad(h, p, po, g, go, d(a, 2), off[2], n);
                return;
            case RMSPROP: {
                boolean momentum = h[5] > 0;
                boolean centered = h[6] != 0;
                int bi = momentum ? 3 : -1;
                int gi = centered ? (momentum ? 4 : 3) : -1;
                rmsprop(h, p, po, g, go, d(a, 2), off[2], momentum ? d(a, bi) : null, momentum ? off[bi] : 0,
                        centered ? d(a, gi) : null, centered ? off[gi] : 0, n);
                return;
            }
            case NADAM:
                nadam(h, p, po, g, go, d(a, 2), off[2], d(a, 3), off[3], n);
                return;
            case RADAM:
                radam(h, p, po, g, go, d(a, 2), off[2], d(a, 3), off[3], n);
                return;
            default:
                throw new IllegalArgumentException("optimizer " + kind);
        }
    }

    private static void sgd(double[] h, double[] p, int po, double[] g, int go, double[] b, int bo, int n) {
        double nlr = -h[0];
        double wd = h[1];
        double m = h[2];
        double damp = h[3];
        boolean nesterov = h[4] != 0;
        boolean first = h[5] != 0;
        for (int i = 0; i < n; i++) {
            double pi = p[po + i];
            double gi = g[go + i];
            if (wd != 0) {
                gi = Math.fma(wd, pi, gi);
            }
            if (m != 0) {
                double buf = first ? gi : Math.fma(damp, gi, b[bo + i] * m);
                b[bo + i] = buf;
                gi = nesterov ? Math.fma(m, buf, gi) : buf;
            }
            p[po + i] = Math.fma(nlr, gi, pi);
        }
    }

    /** {@link #lerp(float, float, boolean, float)} in double. */
    private static double lerp(double self, double end, boolean small, double coeff) {
        double d = end - self;
        return small ? Math.fma(coeff, d, self) : Math.fma(coeff, d, end);
    }

    /** {@link #lerpCoeff(float)} in double. */
    private static double lerpCoeff(double w) {
        return Math.abs(w) < 0.5 ? w : w - 1.0;
    }

    private static void adam(double[] h, double[] p, int po, double[] g, int go, double[] ea, int eo, double[] es,
                             int so, double[] mx, int mo, int n) {
        boolean decay = h[0] != 0;
        boolean decoupled = h[1] != 0;
        double wd = h[0];
        double factor = h[2];
        double c1 = h[4];
        boolean small = Math.abs(c1) < 0.5;
        double k1 = lerpCoeff(c1);
        double b2 = h[5];
        double c2 = h[6];
        boolean amsgrad = h[7] != 0;
        double bc2 = h[8];
        double eps = h[9];
        double nstep = -h[10];
        for (int i = 0; i < n; i++) {
            double pi = p[po + i];
            double gi = g[go + i];
            if (decay) {
                if (decoupled) {
                    pi = pi * factor;
                } else {
                    gi = Math.fma(wd, pi, gi);
                }
            }
            double m = lerp(ea[eo + i], gi, small, k1);
            double v = Math.fma(c2 * gi, gi, es[so + i] * b2);
            ea[eo + i] = m;
            es[so + i] = v;
            if (amsgrad) {
                v = ElementwiseKernels.maximum(mx[mo + i], v);
                mx[mo + i] = v;
            }
            double denom = Math.sqrt(v) / bc2 + eps;
            p[po + i] = pi + nstep * m / denom;
        }
    }

    private static void adamax(double[] h, double[] p, int po, double[] g, int go, double[] ea, int eo, double[] ei,
                               int io, int n) {
        boolean decay = h[0] != 0;
        double wd = h[0];
        double c1 = h[2];
        boolean small = Math.abs(c1) < 0.5;
        double k1 = lerpCoeff(c1);
        double b2 = h[3];
        double eps = h[4];
        double nstep = -h[5];
        for (int i = 0; i < n; i++) {
            double pi = p[po + i];
            double gi = g[go + i];
            if (decay) {
                gi = Math.fma(wd, pi, gi);
            }
            double m = lerp(ea[eo + i], gi, small, k1);
            double u = ElementwiseKernels.maximum(ei[io + i] * b2, Math.abs(gi) + eps);
            ea[eo + i] = m;
            ei[io + i] = u;
            p[po + i] = pi + nstep * m / u;
        }
    }

    private static void adagrad(double[] h, double[] p, int po, double[] g, int go, double[] s, int so, int n) {
        boolean decay = h[0] != 0;
        double wd = h[0];
        double eps = h[1];
        double nstep = -h[2];
        for (int i = 0; i < n; i++) {
            double pi = p[po + i];
            double gi = g[go + i];
            if (decay) {
                gi = Math.fma(wd, pi, gi);
            }
            double sum = Math.fma(gi, gi, s[so + i]);
            s[so + i] = sum;
            double std = Math.sqrt(sum) + eps;
            p[po + i] = pi + nstep * gi / std;
        }
    }

    private static void rmsprop(double[] h, double[] p, int po, double[] g, int go, double[] sa, int so, double[] b,
                                int bo, double[] ga, int ao, int n) {
        boolean decay = h[0] != 0;
        double wd = h[0];
        double alpha = h[1];
        double c = h[2];
        boolean small = Math.abs(c) < 0.5;
        double k = lerpCoeff(c);
        double eps = h[3];
        double nlr = -h[4];
        double mom = h[5];
        for (int i = 0; i < n; i++) {
            double pi = p[po + i];
            double gi = g[go + i];
            if (decay) {
                gi = Math.fma(wd, pi, gi);
            }
            double v = Math.fma(c * gi, gi, sa[so + i] * alpha);
            sa[so + i] = v;
            double avg;
            if (ga != null) {
                double gav = lerp(ga[ao + i], gi, small, k);
                ga[ao + i] = gav;
                avg = Math.sqrt(Math.fma(-gav, gav, v));
            } else {
                avg = Math.sqrt(v);
            }
            avg = avg + eps;
            if (b != null) {
                double buf = b[bo + i] * mom + gi / avg;
                b[bo + i] = buf;
                p[po + i] = Math.fma(nlr, buf, pi);
            } else {
                p[po + i] = pi + nlr * gi / avg;
            }
        }
    }

    private static void nadam(double[] h, double[] p, int po, double[] g, int go, double[] ea, int eo, double[] es,
                              int so, int n) {
        boolean decay = h[0] != 0;
        boolean decoupled = h[1] != 0;
        double wd = h[0];
        double factor = h[2];
        double c1 = h[4];
        boolean small = Math.abs(c1) < 0.5;
        double k1 = lerpCoeff(c1);
        double b2 = h[5];
        double c2 = h[6];
        double bc2 = h[7];
        double eps = h[8];
        double ngs = -h[9];
        double nas = -h[10];
        for (int i = 0; i < n; i++) {
            double pi = p[po + i];
            double gi = g[go + i];
            if (decay) {
                if (decoupled) {
                    pi = pi * factor;
                } else {
                    gi = Math.fma(wd, pi, gi);
                }
            }
            double m = lerp(ea[eo + i], gi, small, k1);
            double v = Math.fma(c2 * gi, gi, es[so + i] * b2);
            ea[eo + i] = m;
            es[so + i] = v;
            double denom = Math.sqrt(v / bc2) + eps;
            pi = pi + ngs * gi / denom;
            p[po + i] = pi + nas * m / denom;
        }
    }

    private static void radam(double[] h, double[] p, int po, double[] g, int go, double[] ea, int eo, double[] es,
                              int so, int n) {
        boolean decay = h[0] != 0;
        boolean decoupled = h[1] != 0;
        double wd = h[0];
        double factor = h[2];
        double c1 = h[4];
        boolean small = Math.abs(c1) < 0.5;
        double k1 = lerpCoeff(c1);
        double b2 = h[5];
        double c2 = h[6];
        double bc1 = h[7];
        double lr = h[8];
        boolean rectified = h[9] != 0;
        double bc2 = h[10];
        double eps = h[11];
        double rect = h[12];
        for (int i = 0; i < n; i++) {
            double pi = p[po + i];
            double gi = g[go + i];
            if (decay) {
                if (decoupled) {
                    pi = pi * factor;
                } else {
                    gi = Math.fma(wd, pi, gi);
                }
            }
            double m = lerp(ea[eo + i], gi, small, k1);
            double v = Math.fma(c2 * gi, gi, es[so + i] * b2);
            ea[eo + i] = m;
            es[so + i] = v;
            double corrected = m / bc1;
            if (rectified) {
                double adaptive = 1.0 / (Math.sqrt(v) + eps) * bc2;
                p[po + i] = pi - corrected * lr * adaptive * rect;
            } else {
                p[po + i] = pi - corrected * lr;
            }
        }
    }
}
