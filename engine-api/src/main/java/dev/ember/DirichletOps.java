package dev.ember;

/**
 * PyTorch's Dirichlet sampling ops: {@code torch._sample_dirichlet} (a standard Gamma per element drawn in float64 from
 * the generator, normalized over the last dimension in float64, clamped to [smallest normal, the largest number below 1]
 * of the type) and {@code torch._dirichlet_grad} (ATen's {@code dirichlet_grad_one}: the reparameterized gradient of a
 * Beta sample by Taylor series near 0 and 1, Rice's saddle point expansion where both concentrations exceed 6, else a
 * rational correction to an analytic approximation), which the Dirichlet distribution's {@code _Dirichlet} function
 * uses as its backward. ATen computes the float32 kernel's {@code scalar_t} steps in float: so does this port.
 */
final class DirichletOps {
    private DirichletOps() {
    }

    /**
     * {@code torch._sample_dirichlet(concentration)}: one Dirichlet sample per row of the last dimension, no history
     * (the distribution's {@code _Dirichlet} function records the gradient).
     */
    static Tensor sample(Tensor alpha, Generator g) {
        requireFloatOrDouble(alpha, "dirichlet");
        double[] a;
        try (GradMode off = Ember.noGrad()) {
            a = alpha.detach().contiguous().toDoubleArray();
        }
        int n = a.length;
        double[] gamma = new double[n];
        RandomOps.eachElement(g, alpha.device, n, (i, s) -> gamma[i] = Math.max(Double.MIN_NORMAL,
                RandomOps.sampleGamma(a[i], s)));
        int k = alpha.dim() == 0 ? 1 : alpha.size(-1);
        boolean single = alpha.dtype != DType.FLOAT64;
        double tiny = single ? Float.MIN_NORMAL : Double.MIN_NORMAL;
        double below1 = single ? Math.nextDown(1.0f) : Math.nextDown(1.0);
        double[] out = new double[n];
        for (int row = 0; k > 0 && row < n / k; row++) {
            double sum = 0;
            for (int j = 0; j < k; j++) {
                sum += gamma[row * k + j];
            }
            for (int j = 0; j < k; j++) {
                double v = gamma[row * k + j] / sum;
                v = single ? (float) v : v;
                out[row * k + j] = Math.min(below1, Math.max(tiny, v));
            }
        }
        try (GradMode off = Ember.noGrad()) {
            return Creation.fromFlat(out, alpha.shape.clone(), DType.FLOAT64, alpha.device).to(alpha.dtype);
        }
    }

    /**
     * {@code torch._dirichlet_grad(x, alpha, total)} elementwise, broadcasting the three as its TensorIterator does (its
     * message for shapes that do not broadcast; then {@code Found dtype Double but expected Float} for a type other than
     * x's; then float32 and float64 only): the reparameterized gradient of each Beta(alpha, total - alpha) sample
     * {@code x} with respect to alpha, scaled by {@code 1 / (1 - x)}. No history (PyTorch's derivative is not
     * implemented).
     */
    static Tensor grad(Tensor x, Tensor alpha, Tensor total) {
        int[] shape = Shapes.broadcast(Shapes.broadcast(x.shape, alpha.shape), total.shape);
        for (Tensor t : new Tensor[] {alpha, total}) {
            if (t.dtype != x.dtype) {
                throw new IllegalArgumentException("Found dtype " + Format.scalarType(t.dtype) + " but expected "
                        + Format.scalarType(x.dtype));
            }
        }
        requireFloatOrDouble(x, "_dirichlet_grad_cpu");
        double[] xs;
        double[] as;
        double[] ts;
        try (GradMode off = Ember.noGrad()) {
            xs = x.detach().expand(shape).contiguous().toDoubleArray();
            as = alpha.detach().expand(shape).contiguous().toDoubleArray();
            ts = total.detach().expand(shape).contiguous().toDoubleArray();
        }
        boolean fl = x.dtype != DType.FLOAT64;
        double[] out = new double[xs.length];
        for (int i = 0; i < xs.length; i++) {
            out[i] = gradOne(xs[i], as[i], ts[i], fl);
        }
        try (GradMode off = Ember.noGrad()) {
            return Creation.fromFlat(out, shape, DType.FLOAT64, x.device).to(x.dtype);
        }
    }

    /** AT_DISPATCH_FLOATING_TYPES: float32 and float64 only, with PyTorch's "not implemented" message. */
    private static void requireFloatOrDouble(Tensor t, String kernel) {
        if (t.dtype != DType.FLOAT32 && t.dtype != DType.FLOAT64) {
            throw Refusals.notImplemented(kernel, t.dtype);
        }
    }

    /** A {@code scalar_t} value: rounded to float where the kernel's type is float32. */
    private static double f(double v, boolean fl) {
        return fl ? (float) v : v;
    }

    /** ATen's {@code dirichlet_grad_one<scalar_t, double>}. */
    static double gradOne(double x, double alpha, double total, boolean fl) {
        double beta = f(total - alpha, fl);
        double beta2 = total - alpha;
        double boundary = f(f(total * x, fl) * f(1 - x, fl), fl);
        if (x <= 0.5 && boundary < 2.5) {
            return betaGradAlphaSmall(x, alpha, beta, fl);
        }
        if (x >= 0.5 && boundary < 0.75) {
            return -betaGradBetaSmall(f(1 - x, fl), beta, alpha, fl);
        }
        if (alpha > 6 && beta > 6) {
            return f(betaGradAlphaMid(x, alpha, beta2), fl);
        }
        double u = Math.log(x);
        double a = Math.log(alpha) - u;
        double b = Math.log(total) - a;
        double[] powU = {1, u, u * u};
        double[] powA = {1, a, a * a};
        double p = 0.0;
        double q = 0.0;
        for (int i = 0; i < 3; ++i) {
            for (int j = 0; j < 3; ++j) {
                double ua = powU[i] * powA[j];
                double[] c0 = C[0][i][j];
                double[] c1 = C[1][i][j];
                p += ua * (c0[0] + b * (c0[1] + b * (c0[2] + b * c0[3])));
                q += ua * (c1[0] + b * (c1[1] + b * (c1[2] + b * c1[3])));
            }
        }
        double approx = x * f(RandomOps.digammaOne(total, fl) - RandomOps.digammaOne(alpha, fl), fl) / beta2;
        return f(p / q * approx, fl);
    }

    /** {@code _beta_grad_alpha_small}: x near 0, a Taylor series (in {@code scalar_t}). */
    private static double betaGradAlphaSmall(double x, double alpha, double beta, boolean fl) {
        double factor = f(f(RandomOps.digammaOne(alpha, fl) - RandomOps.digammaOne(f(alpha + beta, fl), fl), fl)
                - f(Math.log(x), fl), fl);
        double numer = 1;
        double series = f(f(numer / alpha, fl) * f(factor + f(1 / alpha, fl), fl), fl);
        for (int i = 1; i <= 10; ++i) {
            numer = f(numer * f(f(f(i - beta, fl) * x, fl) / i, fl), fl);
            double denom = f(alpha + i, fl);
            series = f(series + f(f(numer / denom, fl) * f(factor + f(1 / denom, fl), fl), fl), fl);
        }
        double result = f(f(x * f(Math.pow(f(1 - x, fl), -beta), fl), fl) * series, fl);
        return Double.isNaN(result) ? 0 : result;
    }

    /** {@code _beta_grad_beta_small}: x near 0 (the caller passes 1 - x), a Taylor series (in {@code scalar_t}). */
    private static double betaGradBetaSmall(double x, double alpha, double beta, boolean fl) {
        double factor = f(RandomOps.digammaOne(f(alpha + beta, fl), fl) - RandomOps.digammaOne(beta, fl), fl);
        double numer = 1;
        double betas = 1;
        double dbetas = 0;
        double series = f(factor / alpha, fl);
        for (int i = 1; i <= 8; ++i) {
            numer = f(numer * f(-x / i, fl), fl);
            dbetas = f(f(dbetas * f(beta - i, fl), fl) + betas, fl);
            betas = f(betas * f(beta - i, fl), fl);
            series = f(series + f(f(numer / f(alpha + i, fl), fl) * f(dbetas + f(factor * betas, fl), fl), fl), fl);
        }
        double result = f(-f(Math.pow(f(1 - x, fl), f(1 - beta, fl)), fl) * series, fl);
        return Double.isNaN(result) ? 0 : result;
    }

    /** {@code _beta_grad_alpha_mid}: both concentrations large, Rice's saddle point expansion (in double). */
    private static double betaGradAlphaMid(double x, double alpha, double beta) {
        double total = alpha + beta;
        double mean = alpha / total;
        double std = Math.sqrt(alpha * beta / (total + 1)) / total;
        if (mean - 0.1 * std <= x && x <= mean + 0.1 * std) {
            // avoid the singularity at x = mean
            double poly = 47 * x * (beta * beta) * (beta * beta) + alpha * (
                    (43 + 20 * (16 + 27 * beta) * x) * (beta * beta) * beta + alpha * (
                    3 * (59 + 180 * beta - 90 * x) * (beta * beta) + alpha * (
                    (453 + 1620 * beta * (1 - x) - 455 * x) * beta + alpha * (
                    8 * (1 - x) * (135 * beta - 11)))));
            double prefactorNum = (1 + 12 * alpha) * (1 + 12 * beta) / (total * total);
            double prefactorDen = 12960 * alpha * alpha * alpha * beta * beta * (1 + 12 * total);
            return prefactorNum / (1 - x) * poly / prefactorDen;
        }
        double prefactor = -x / Math.sqrt(2 * alpha * beta / total);
        double stirling = (1 + 1 / (12 * alpha) + 1 / (288 * alpha * alpha))
                * (1 + 1 / (12 * beta) + 1 / (288 * beta * beta))
                / (1 + 1 / (12 * total) + 1 / (288 * total * total));
        double term1Num = 2 * (alpha * alpha) * (x - 1) + alpha * beta * (x - 1) - x * (beta * beta);
        double axbx = alpha * (x - 1) + beta * x;
        double term1Den = Math.sqrt(2 * alpha / beta) * Math.pow(total, 1.5) * axbx * axbx;
        double term1 = term1Num / term1Den;
        double term2 = 0.5 * Math.log(alpha / (total * x));
        double term3Num = Math.sqrt(8 * alpha * beta / total);
        double term3Den = beta * x + alpha * (x - 1);
        double term3 = term3Num / term3Den;
        double term4Base = beta * Math.log(beta / (total * (1 - x))) + alpha * Math.log(alpha / (total * x));
        double term4 = Math.pow(term4Base, -1.5);
        double term1234 = term1 + term2 * (term3 + (x < mean ? term4 : -term4));
        return stirling * prefactor * term1234;
    }

    /** {@code dirichlet_grad_one}'s rational correction: c[0] the numerator's, c[1] the denominator's coefficients. */
    private static final double[][][][] C = {
        {{{1.003668233, -0.01061107488, -0.0657888334, 0.01201642863},
          {0.6336835991, -0.3557432599, 0.05486251648, -0.001465281033},
          {-0.03276231906, 0.004474107445, 0.002429354597, -0.0001557569013}},
         {{0.221950385, -0.3187676331, 0.01799915743, 0.01074823814},
          {-0.2951249643, 0.06219954479, 0.01535556598, 0.001550077057},
          {0.02155310298, 0.004170831599, 0.001292462449, 6.976601077e-05}},
         {{-0.05980841433, 0.008441916499, 0.01085618172, 0.002319392565},
          {0.02911413504, 0.01400243777, -0.002721828457, 0.000751041181},
          {0.005900514878, -0.001936558688, -9.495446725e-06, 5.385558597e-05}}},
        {{{1, -0.02924021934, -0.04438342661, 0.007285809825},
          {0.6357567472, -0.3473456711, 0.05454656494, -0.002407477521},
          {-0.03301322327, 0.004845219414, 0.00231480583, -0.0002307248149}},
         {{0.5925320577, -0.1757678135, 0.01505928619, 0.000564515273},
          {0.1014815858, -0.06589186703, 0.01272886114, -0.0007316646956},
          {-0.007258481865, 0.001096195486, 0.0003934994223, -4.12701925e-05}},
         {{0.06469649321, -0.0236701437, 0.002902096474, -5.896963079e-05},
          {0.001925008108, -0.002869809258, 0.0008000589141, -6.063713228e-05},
          {-0.0003477407336, 6.959756487e-05, 1.097287507e-05, -1.650964693e-06}}},
    };
}
