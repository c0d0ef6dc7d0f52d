package dev.ember;

/**
 * {@code torch.logcumsumexp} of complex tensors, as PyTorch 2.x computes it on the CPU (1.13 refuses complex inputs).
 *
 * <p>Forward: ATen's {@code logcumsumexp_cpu_kernel} runs a sequential scan along the dimension in the accumulation
 * type ({@code complex<double>} for complex64 and complex128 alike), from {@code -inf + 0i}, each step
 * {@code cum = _log_add_exp_helper(x, cum)} (LogAddExp.h), each prefix cast to the tensor's type. The helper orders its
 * two arguments by their real parts (a NaN in either part of either one wins), gives NaN + NaN i when the smaller one
 * has a NaN, the smaller one when both real parts are the same -inf, {@code log(exp(min) + exp(max))} when both are
 * +inf, and {@code log1p(exp(min - max)) + max} otherwise, with c10's complex arithmetic: {@code log1p} its CPU form
 * (numpy's: {@code u = z + 1}; z when u is 1; {@code log(u)} when {@code u - 1} gives z back; else
 * {@code log(u) * (z / (u - 1))}), its division (numpy's scaled form). {@code exp} and {@code log} are the C library's
 * cexp and clog; here {@code e^re (cos im, sin im)} and {@code (log |u|, atan2(im, re))} with C99's values at zeros
 * and infinities. The order of the scan fixes the imaginary parts' branch: each step adds to {@code Im(max)} an angle
 * within pi / 2, so a result's imaginary part is not wrapped into (-pi, pi]. Followed to the letter, including where
 * it gives NaN: when two real parts lie 708.4 to 745 apart, {@code u - 1}'s imaginary part is subnormal, c10's
 * division takes its reciprocal (infinite), and the line turns NaN from there on.
 *
 * <p>Backward ({@code logcumsumexp_backward}, its complex branch, in FunctionsManual.cpp):
 * {@code conj(exp(reverse_logcumsumexp(log(conj(grad)) - result) + self))}, with the reversed scan
 * {@code flip(logcumsumexp(flip(x, d), d), d)}; composed of differentiable ops, so it has its own gradient.
 *
 * <p>The scan runs on the host over the elements' double pairs (every device; the result goes back to the input's),
 * as the other complex host kernels ({@link ComplexLinalg}) do.
 */
final class ComplexScans {
    private ComplexScans() {
    }

    /** {@code torch.logcumsumexp(z, dim)} of a complex z: one {@code LogcumsumexpBackward0}. */
    static Tensor logcumsumexp(Tensor z, int dim) {
        int d = Shapes.wrapDim(dim, z.dim());
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            out = scan(z, d);
        }
        return ArithmeticOps.record(out, "LogcumsumexpBackward0", new Tensor[] {z}, n -> {
            SavedTensor sz = n.save(z);
            SavedTensor so = n.saveOutput(out);
            return g -> new Tensor[] {backward(g, sz.get(), so.get(), d)};
        });
    }

    private static Tensor scan(Tensor z, int d) {
        if (z.device.isMeta() || z.numel() == 0) {
            return Creation.empty(z.shape.clone(), z.dtype, z.device);
        }
        Tensor lines = z.dim() == 0 ? z.reshape(1) : z.movedim(d, -1);
        int n = lines.shape[lines.dim() - 1];
        double[] pairs = ComplexLinalg.host(lines);
        double[] step = new double[2];
        for (int base = 0; base < pairs.length; base += 2 * n) {
            double cr = Double.NEGATIVE_INFINITY;
            double ci = 0;
            for (int j = 0; j < n; j++) {
                int p = base + 2 * j;
                logAddExp(pairs[p], pairs[p + 1], cr, ci, step);
                cr = step[0];
                ci = step[1];
                pairs[p] = cr;
                pairs[p + 1] = ci;
            }
        }
        Tensor out = ComplexLinalg.complexOf(pairs, lines.shape.clone(), z.dtype, z.device);
        return z.dim() == 0 ? out.reshape() : out.movedim(-1, d).contiguous();
    }

    /** The complex branch of PyTorch's {@code logcumsumexp_backward}. */
    private static Tensor backward(Tensor g, Tensor z, Tensor y, int d) {
        if (g.dim() == 0 || g.numel() == 0) {
            return g;
        }
        Tensor logGrad = g.conj().log();
        Tensor reversed = logGrad.sub(y).flip(d).logcumsumexp(d).flip(d);
        return reversed.add(z).exp().conj();
    }

    /**
     * PyTorch's complex {@code _log_add_exp_helper(x, y)} in double: the result's parts into {@code out}.
     */
    static void logAddExp(double xr, double xi, double yr, double yi, double[] out) {
        // _logcumsumexp_minmax: a NaN part makes that argument both min and max (y looked at first); else by real part
        double minR;
        double minI;
        double maxR;
        double maxI;
        if (Double.isNaN(yr) || Double.isNaN(yi)) {
            minR = yr;
            minI = yi;
            maxR = yr;
            maxI = yi;
        } else if (Double.isNaN(xr) || Double.isNaN(xi)) {
            minR = xr;
            minI = xi;
            maxR = xr;
            maxI = xi;
        } else if (xr < yr) {
            minR = xr;
            minI = xi;
            maxR = yr;
            maxI = yi;
        } else {
            minR = yr;
            minI = yi;
            maxR = xr;
            maxI = xi;
        }
        if (Double.isNaN(minR) || Double.isNaN(minI)) {
            out[0] = Double.NaN;
            out[1] = Double.NaN;
            return;
        }
        if (!Double.isFinite(minR) && minR == maxR) {
            if (minR < 0) {
                out[0] = minR;
                out[1] = minI;
            } else {
                // log(exp(min) + exp(max))
                exp(minR, minI, out);
                double sr = out[0];
                double si = out[1];
                exp(maxR, maxI, out);
                log(sr + out[0], si + out[1], out);
            }
            return;
        }
        exp(minR - maxR, minI - maxI, out);
        log1p(out[0], out[1], out);
        out[0] += maxR;
        out[1] += maxI;
    }

    /** c10's CPU {@code log1p} of a complex number (numpy's form). */
    private static void log1p(double zr, double zi, double[] out) {
        double ur = zr + 1;
        double ui = zi;
        if (ur == 1 && ui == 0) {
            out[0] = zr;
            out[1] = zi;
            return;
        }
        log(ur, ui, out);
        double lr = out[0];
        double li = out[1];
        double vr = ur - 1;
        if (vr == zr && ui == zi) {
            return;
        }
        // log(u) * (z / (u - 1)), c10's division then multiplication
        div(zr, zi, vr, ui, out);
        double qr = out[0];
        double qi = out[1];
        out[0] = lr * qr - li * qi;
        out[1] = lr * qi + li * qr;
    }

    /** c10's complex division {@code (a + bi) / (c + di)}: numpy's, scaled by the larger of |c| and |d|. */
    private static void div(double a, double b, double c, double d, double[] out) {
        double absC = Math.abs(c);
        double absD = Math.abs(d);
        if (absC >= absD) {
            if (absC == 0 && absD == 0) {
                out[0] = a / absC;
                out[1] = b / absD;
            } else {
                double rat = d / c;
                double scl = 1.0 / (c + d * rat);
                out[0] = (a + b * rat) * scl;
                out[1] = (b - a * rat) * scl;
            }
        } else {
            double rat = c / d;
            double scl = 1.0 / (d + c * rat);
            out[0] = (a * rat + b) * scl;
            out[1] = (b * rat - a) * scl;
        }
    }

    /** The C library's {@code cexp}: {@code e^re (cos im, sin im)}, with C99 Annex G's values at infinities. */
    static void exp(double re, double im, double[] out) {
        if (Double.isInfinite(re) && !Double.isFinite(im)) {
            // cexp(-inf + i inf or NaN) is +-0 +-0i; cexp(+inf + i inf or NaN) is +-inf + NaN i
            out[0] = re < 0 ? 0.0 : Double.POSITIVE_INFINITY;
            out[1] = re < 0 ? 0.0 : Double.NaN;
            return;
        }
        if (im == 0) {
            // a real argument keeps its imaginary zero (and its sign)
            out[0] = Math.exp(re);
            out[1] = im;
            return;
        }
        double e = Math.exp(re); // 0 at -inf: the product keeps the sign of cos and sin, as C99's
        out[0] = e * Math.cos(im);
        out[1] = e * Math.sin(im);
    }

    /** The C library's {@code clog}: {@code (log |u|, atan2(im, re))}; {@code clog(0) = -inf + i arg}. */
    static void log(double re, double im, double[] out) {
        double h = Math.hypot(re, im);
        out[0] = h == 0 ? Double.NEGATIVE_INFINITY : Math.log(h);
        out[1] = Math.atan2(im, re);
    }
}
