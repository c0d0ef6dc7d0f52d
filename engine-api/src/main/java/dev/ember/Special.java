package dev.ember;

/**
 * The functions of {@code torch.special}, under PyTorch's names in camelCase. Most are aliases of {@link Tensor} methods
 * and record the same nodes PyTorch's aliases do ({@code expit} is sigmoid's SigmoidBackward0, {@code gammaln} lgamma's
 * LgammaBackward0, {@code psi} digamma's); the others are their own ops with PyTorch's nodes (i0e, i1, i1e, ndtri,
 * entr, xlog1py, multigammaln, erfcx, log_ndtr) or PyTorch's compositions (ndtr). The Bessel functions, ndtri and
 * erfcx evaluate PyTorch's series on the host, so a CUDA tensor is copied through the host for them.
 */
public final class Special {
    private Special() {
    }

    private static Tensor req(Tensor t, String op) {
        return Args.require(t, op, "input", 1, "Tensor");
    }

    /** The logistic sigmoid, as {@code torch.special.expit}. */
    public static Tensor expit(Tensor input) {
        return req(input, "special_expit").sigmoid();
    }

    /** {@code log(x / (1 - x))}, as {@code torch.special.logit}. */
    public static Tensor logit(Tensor input) {
        return req(input, "special_logit").logit();
    }

    /** {@code log(x / (1 - x))} of the input clamped to {@code [eps, 1 - eps]}, as {@code torch.special.logit(x, eps)}. */
    public static Tensor logit(Tensor input, double eps) {
        return req(input, "special_logit").logit(eps);
    }

    /**
     * The standard normal distribution function, as {@code torch.special.ndtr}: PyTorch's composition
     * {@code (1 + erf(x / sqrt 2)) * 0.5}, with its nodes (MulBackward1, AddBackward1, ErfBackward0, MulBackward1).
     */
    public static Tensor ndtr(Tensor input) {
        return SpecialOps.ndtr(req(input, "special_ndtr"));
    }

    /** The inverse of {@link #ndtr} (PyTorch's Cephes algorithm; -inf at 0, inf at 1, NaN outside), as {@code torch.special.ndtri}. */
    public static Tensor ndtri(Tensor input) {
        return SpecialOps.ndtri(req(input, "special_ndtri"));
    }

    /** {@code exp(x^2) erfc(x)} (PyTorch's algorithm), as {@code torch.special.erfcx}. */
    public static Tensor erfcx(Tensor input) {
        return SpecialOps.erfcx(req(input, "special_erfcx"));
    }

    /** {@code log(ndtr(x))}, accurate far into the lower tail, as {@code torch.special.log_ndtr}. */
    public static Tensor logNdtr(Tensor input) {
        return SpecialOps.logNdtr(req(input, "special_log_ndtr"));
    }

    /** {@code -x log x} (0 at 0, -inf below), as {@code torch.special.entr}. */
    public static Tensor entr(Tensor input) {
        return SpecialOps.entr(req(input, "special_entr"));
    }

    /** {@code input * log(other)}, 0 where input is 0, as {@code torch.special.xlogy}. */
    public static Tensor xlogy(Tensor input, Tensor other) {
        Args.require(other, "special_xlogy", "other", 2, "Tensor");
        return req(input, "special_xlogy").xlogy(other);
    }

    /** {@code input * log1p(other)}, 0 where input is 0, as {@code torch.special.xlog1py}. */
    public static Tensor xlog1py(Tensor input, Tensor other) {
        Args.require(other, "special_xlog1py", "other", 2, "Tensor");
        return req(input, "special_xlog1py").xlog1py(other);
    }

    /** {@code input * log1p(other)} for a Java number {@code other}. */
    public static Tensor xlog1py(Tensor input, double other) {
        return req(input, "special_xlog1py").xlog1py(other);
    }

    /** {@code input * log1p(other)} for a Java number {@code input}. */
    public static Tensor xlog1py(double input, Tensor other) {
        return Tensor.xlog1py(input, other);
    }

    /** {@code sin(pi x) / (pi x)}, as {@code torch.special.sinc}. */
    public static Tensor sinc(Tensor input) {
        return req(input, "special_sinc").sinc();
    }

    /** The modified Bessel function of the first kind of order 0, as {@code torch.special.i0}. */
    public static Tensor i0(Tensor input) {
        return req(input, "special_i0").i0();
    }

    /** {@code exp(-|x|) i0(x)}, as {@code torch.special.i0e} (node SpecialI0EBackward0). */
    public static Tensor i0e(Tensor input) {
        return SpecialOps.i0e(req(input, "special_i0e"));
    }

    /** The modified Bessel function of the first kind of order 1, as {@code torch.special.i1}. */
    public static Tensor i1(Tensor input) {
        return SpecialOps.i1(req(input, "special_i1"));
    }

    /** {@code exp(-|x|) i1(x)}, as {@code torch.special.i1e}. */
    public static Tensor i1e(Tensor input) {
        return SpecialOps.i1e(req(input, "special_i1e"));
    }

    /** {@code log(sum(exp(x)))} over {@code dims}, as {@code torch.special.logsumexp}. */
    public static Tensor logsumexp(Tensor input, int[] dims, boolean keepdim) {
        Args.require(dims, "special_logsumexp", "dim", 2, "List[int]");
        return req(input, "special_logsumexp").logsumexp(dims, keepdim);
    }

    /** Softmax over {@code dim}, as {@code torch.special.softmax}. */
    public static Tensor softmax(Tensor input, int dim) {
        return req(input, "special_softmax").softmax(dim);
    }

    /** Log-softmax over {@code dim}, as {@code torch.special.log_softmax}. */
    public static Tensor logSoftmax(Tensor input, int dim) {
        return req(input, "special_log_softmax").logSoftmax(dim);
    }

    /** Round half to even, as {@code torch.special.round} (node RoundBackward1, PyTorch's for {@code round(decimals=0)}). */
    public static Tensor round(Tensor input) {
        return SpecialOps.roundDecimals(req(input, "special_round"));
    }

    /** {@code exp(x) - 1}, as {@code torch.special.expm1}. */
    public static Tensor expm1(Tensor input) {
        return req(input, "special_expm1").expm1();
    }

    /** {@code 2 ** x}, as {@code torch.special.exp2}. */
    public static Tensor exp2(Tensor input) {
        return req(input, "special_exp2").exp2();
    }

    /** {@code log(1 + x)}, as {@code torch.special.log1p}. */
    public static Tensor log1p(Tensor input) {
        return req(input, "special_log1p").log1p();
    }

    /** {@code log|gamma(x)|}, as {@code torch.special.gammaln}. */
    public static Tensor gammaln(Tensor input) {
        return req(input, "special_gammaln").lgamma();
    }

    /** The digamma function, as {@code torch.special.digamma}. */
    public static Tensor digamma(Tensor input) {
        return req(input, "special_digamma").digamma();
    }

    /** The digamma function, as {@code torch.special.psi}. */
    public static Tensor psi(Tensor input) {
        return req(input, "special_psi").digamma();
    }

    /** The {@code n}-th derivative of digamma, as {@code torch.special.polygamma(n, input)}. */
    public static Tensor polygamma(int n, Tensor input) {
        return Args.require(input, "special_polygamma", "input", 2, "Tensor").polygamma(n);
    }

    /**
     * The multivariate log-gamma function of dimension {@code p}, as {@code torch.special.multigammaln} (every element
     * must exceed {@code (p - 1) / 2}, and {@code p >= 1}, with PyTorch's messages; node MvlgammaBackward0).
     */
    public static Tensor multigammaln(Tensor input, int p) {
        return SpecialOps.multigammaln(req(input, "special_multigammaln"), p);
    }

    /** The error function, as {@code torch.special.erf}. */
    public static Tensor erf(Tensor input) {
        return req(input, "special_erf").erf();
    }

    /** The complementary error function, as {@code torch.special.erfc}. */
    public static Tensor erfc(Tensor input) {
        return req(input, "special_erfc").erfc();
    }

    /** The inverse error function, as {@code torch.special.erfinv}. */
    public static Tensor erfinv(Tensor input) {
        return req(input, "special_erfinv").erfinv();
    }
}
