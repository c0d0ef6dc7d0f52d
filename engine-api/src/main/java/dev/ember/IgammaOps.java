package dev.ember;

/**
 * The regularized incomplete gamma functions {@code torch.igamma} (lower, {@code P(a, x)}) and {@code torch.igammac}
 * (upper, {@code Q(a, x) = 1 - P(a, x)}), with PyTorch's special values (NaN for negative arguments, {@code a = 0} and
 * infinite arguments as its calc_igamma gives them). Evaluated in float64 on the host, by the power series of P where
 * {@code x < a + 1} and the continued fraction of Q elsewhere (modified Lentz), and rounded once to the result type;
 * one {@code IgammaBackward0} / {@code IgammacBackward0} node, differentiable in {@code x} only (as PyTorch:
 * {@code d/dx P = exp((a - 1) log x - x - lgamma(a))}; the gradient of {@code a} is not implemented).
 */
final class IgammaOps {
    private static final double TINY = 1e-300;

    private IgammaOps() {
    }

    static Tensor igamma(Tensor a, Tensor x, boolean upper) {
        String op = upper ? "igammac" : "igamma";
        NNOps.requireTensor(x, op, "other", 1);
        Device device = ArithmeticOps.checkSameDevice(a, x);
        DType t = ArithmeticOps.resultType(a, x);
        if ((!t.isFloatingPoint() || t.isFloat8()) && !device.isMeta()) { // a meta kernel checks no element type
            throw Refusals.notImplemented(op, a.device, t);
        }
        int[] shape = Shapes.broadcast(a.shape, x.shape);
        Tensor out;
        if (device.isMeta()) {
            out = Creation.empty(shape, t, device); // the meta kernel: the result's shape and type only
        } else {
        try (GradMode off = Ember.noGrad()) {
            Tensor af = ArithmeticOps.cast(a.detach(), DType.FLOAT64).cpu().expand(shape).contiguous();
            Tensor xf = ArithmeticOps.cast(x.detach(), DType.FLOAT64).cpu().expand(shape).contiguous();
            double[] av = af.toDoubleArray();
            double[] xv = xf.toDoubleArray();
            double[] r = new double[av.length];
            for (int i = 0; i < r.length; i++) {
                double lg = av[i] > 0 && Double.isFinite(av[i]) ? lgamma(av[i]) : Double.NaN;
                r[i] = upper ? q(av[i], xv[i], lg) : p(av[i], xv[i], lg);
            }
            out = ArithmeticOps.cast(Tensor.tensor(r, DType.FLOAT64).reshape(shape), t).to(device);
        }
        }
        return ArithmeticOps.record(out, upper ? "IgammacBackward0" : "IgammaBackward0", new Tensor[] {a, x}, node -> {
            SavedTensor sa = node.save(a);
            SavedTensor sx = node.save(x);
            return g -> {
                if (node.needsInputGrad(0)) {
                    throw new IllegalStateException("the derivative for '" + op + ": input' is not implemented.");
                }
                Tensor av = sa.get();
                Tensor xv = sx.get();
                // derivatives.yaml's exp((self - 1) * log(other) - other - lgamma(self)): an integer 1, so an integer a
                // stays integral (uint8 0 - 1 wraps, bool is refused) and the product takes x's floating type, not the
                // default float32 a Java double would give it
                Tensor d = av.sub(1L).mul(xv.log()).sub(xv).sub(av.lgamma()).exp();
                return new Tensor[] {null, upper ? g.mul(d).neg() : g.mul(d)};
            };
        });
    }

    /** The regularized lower incomplete gamma function P(a, x), with PyTorch's special values. */
    static double p(double a, double x, double lgammaA) {
        // calc_igamma's boundary tests, in its order: a NaN argument only gives NaN where no test before decides (a
        // NaN a with x = 0 is 0, with x = inf 1; a = inf with a NaN x is 0)
        if (a < 0 || x < 0) {
            return Double.NaN;
        }
        if (a == 0) {
            return x > 0 ? 1.0 : Double.NaN;
        }
        if (x == 0) {
            return 0.0;
        }
        if (Double.isInfinite(a)) {
            return Double.isInfinite(x) ? Double.NaN : 0.0;
        }
        if (Double.isInfinite(x)) {
            return 1.0;
        }
        if (Double.isNaN(a) || Double.isNaN(x)) {
            return Double.NaN;
        }
        return x < a + 1 ? series(a, x, lgammaA) : 1.0 - continuedFraction(a, x, lgammaA);
    }

    /** The regularized upper incomplete gamma function Q(a, x), with PyTorch's special values. */
    static double q(double a, double x, double lgammaA) {
        // calc_igammac's boundary tests, in its order (as p's)
        if (a < 0 || x < 0) {
            return Double.NaN;
        }
        if (a == 0) {
            return x > 0 ? 0.0 : Double.NaN;
        }
        if (x == 0) {
            return 1.0;
        }
        if (Double.isInfinite(a)) {
            return Double.isInfinite(x) ? Double.NaN : 1.0;
        }
        if (Double.isInfinite(x)) {
            return 0.0;
        }
        if (Double.isNaN(a) || Double.isNaN(x)) {
            return Double.NaN;
        }
        return x < a + 1 ? 1.0 - series(a, x, lgammaA) : continuedFraction(a, x, lgammaA);
    }

    /**
     * {@code log Gamma(a)} for finite {@code a > 0}: Stirling's series from 10 on (its terms to {@code a^-9}), the
     * recurrence {@code Gamma(a) = Gamma(a + k) / (a (a + 1) ... (a + k - 1))} below.
     */
    static double lgamma(double a) {
        double shift = 0;
        double prod = 1;
        while (a < 10) {
            prod *= a;
            a += 1;
            if (prod > 1e250) {
                shift += Math.log(prod);
                prod = 1;
            }
        }
        shift += Math.log(prod);
        double inv = 1 / a;
        double inv2 = inv * inv;
        double series = inv * (1.0 / 12 - inv2 * (1.0 / 360 - inv2 * (1.0 / 1260 - inv2 * (1.0 / 1680 - inv2 / 1188))));
        return (a - 0.5) * Math.log(a) - a + 0.5 * Math.log(2 * Math.PI) + series - shift;
    }

    /** {@code x^a e^-x / Gamma(a)}, the factor both expansions share. */
    private static double factor(double a, double x, double lgammaA) {
        return Math.exp(a * Math.log(x) - x - lgammaA);
    }

    /** P(a, x) by its power series {@code x^a e^-x / Gamma(a) sum_n x^n / (a (a + 1) ... (a + n))}. */
    private static double series(double a, double x, double lgammaA) {
        double ap = a;
        double term = 1.0 / a;
        double sum = term;
        for (int n = 1; n < 1_000_000; n++) {
            ap += 1;
            term *= x / ap;
            sum += term;
            if (Math.abs(term) < Math.abs(sum) * 1e-17) {
                break;
            }
        }
        return sum * factor(a, x, lgammaA);
    }

    /** Q(a, x) by its continued fraction (Legendre's), evaluated by the modified Lentz method. */
    private static double continuedFraction(double a, double x, double lgammaA) {
        double b = x + 1 - a;
        double c = 1 / TINY;
        double d = 1 / b;
        double h = d;
        for (int i = 1; i < 1_000_000; i++) {
            double an = -i * (i - a);
            b += 2;
            d = an * d + b;
            if (Math.abs(d) < TINY) {
                d = TINY;
            }
            c = b + an / c;
            if (Math.abs(c) < TINY) {
                c = TINY;
            }
            d = 1 / d;
            double del = d * c;
            h *= del;
            if (Math.abs(del - 1) < 1e-17) {
                break;
            }
        }
        return factor(a, x, lgammaA) * h;
    }
}
