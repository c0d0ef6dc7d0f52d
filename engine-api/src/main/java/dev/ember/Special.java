package dev.ember;

/**
 * The functions of {@code torch.special}, under PyTorch's names in camelCase. Most are aliases of {@link Tensor} methods
 * and record the same nodes PyTorch's aliases do ({@code expit} is sigmoid's SigmoidBackward0, {@code gammaln} lgamma's
 * LgammaBackward0, {@code psi} digamma's); the others are their own ops with PyTorch's nodes (i0e, i1, i1e, ndtri,
 * entr, xlog1py, multigammaln, erfcx, log_ndtr) or PyTorch's compositions (ndtr). The Bessel functions, ndtri and
 * erfcx evaluate PyTorch's series on the host, so a CUDA tensor is copied through the host for them. So do PyTorch
 * 2.x's Bessel functions (bessel_j0/j1/y0/y1, modified_bessel_i0/i1/k0/k1, scaled_modified_bessel_k0/k1,
 * spherical_bessel_j0, airy_ai) and orthogonal polynomials (Chebyshev T/U/V/W and their shifted forms, Hermite H and
 * He, Laguerre L, Legendre P), which PyTorch does not differentiate (their results never require grad).
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

    /** Rounding to {@code decimals} decimal places, as {@code torch.special.round(input, decimals=)}; see {@link Tensor#round(int)}. */
    public static Tensor round(Tensor input, int decimals) {
        return SpecialOps.roundDecimals(req(input, "special_round"), decimals);
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

    /**
     * The regularized lower incomplete gamma function {@code P(input, other)}, as {@code torch.special.gammainc}
     * ({@link Tensor#igamma}).
     */
    public static Tensor gammainc(Tensor input, Tensor other) {
        return req(input, "special_gammainc").igamma(Args.require(other, "special_gammainc", "other", 2, "Tensor"));
    }

    /**
     * The regularized upper incomplete gamma function {@code Q(input, other)}, as {@code torch.special.gammaincc}
     * ({@link Tensor#igammac}).
     */
    public static Tensor gammaincc(Tensor input, Tensor other) {
        return req(input, "special_gammaincc").igammac(Args.require(other, "special_gammaincc", "other", 2, "Tensor"));
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

    /**
     * The Hurwitz zeta function {@code zeta(x, q) = sum over k >= 0 of (k + q)^-x}, as {@code torch.special.zeta(input,
     * other)}, with x and q broadcast together in their promoted floating type (integers give the default type;
     * float16 and bfloat16 are not implemented, as PyTorch's CPU kernel): inf where {@code x == 1} or q is a
     * non-positive integer, NaN where {@code x < 1} or q is a negative non-integer and x is not an integer. Gradient:
     * only with respect to q ({@code -x zeta(x + 1, q)}); PyTorch implements none for x, so a backward that needs x's
     * gradient fails with "the derivative for 'zeta' is not implemented.", as PyTorch's.
     */
    public static Tensor zeta(Tensor x, Tensor q) {
        SpecialBesselOps.requireArgs("zeta", x, q, "input", "self", "other");
        return SpecialOps.zeta(x, q);
    }

    /** {@link #zeta(Tensor, Tensor)} for a Java number {@code x} (a wrapped number: q's type decides). */
    public static Tensor zeta(double x, Tensor q) {
        SpecialBesselOps.requireArgs("zeta", x, q, "input", "self", "other");
        return SpecialOps.zeta(Creation.wrap(x), q);
    }

    /** {@link #zeta(Tensor, Tensor)} for a Java number {@code q} (a wrapped number: x's type decides). */
    public static Tensor zeta(Tensor x, double q) {
        SpecialBesselOps.requireArgs("zeta", x, q, "input", "self", "other");
        return SpecialOps.zeta(x, Creation.wrap(q));
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

    // ------------------------------------------------------------------ Bessel functions and orthogonal polynomials
    // (PyTorch 2.x's Math.h kernels, in SpecialBesselOps and CephesBessel: float32 and float64, integer inputs as
    // float32; no gradient, as derivatives.yaml's non_differentiable)

    /** The Airy function {@code Ai(x)}, as {@code torch.special.airy_ai} (not differentiable: the result does not require grad). */
    public static Tensor airyAi(Tensor input) {
        return SpecialBesselOps.unary(req(input, "special_airy_ai"), "airy_ai", CephesBessel::airyAi, CephesBessel::airyAi);
    }

    /** The Bessel function of the first kind of order 0, as {@code torch.special.bessel_j0} (not differentiable: the result does not require grad). */
    public static Tensor besselJ0(Tensor input) {
        return SpecialBesselOps.unary(req(input, "special_bessel_j0"), "bessel_j0", CephesBessel::besselJ0, CephesBessel::besselJ0);
    }

    /** The Bessel function of the first kind of order 1, as {@code torch.special.bessel_j1} (not differentiable: the result does not require grad). */
    public static Tensor besselJ1(Tensor input) {
        return SpecialBesselOps.unary(req(input, "special_bessel_j1"), "bessel_j1", CephesBessel::besselJ1, CephesBessel::besselJ1);
    }

    /** The Bessel function of the second kind of order 0 (-inf at 0, NaN below), as {@code torch.special.bessel_y0} (not differentiable: the result does not require grad). */
    public static Tensor besselY0(Tensor input) {
        return SpecialBesselOps.unary(req(input, "special_bessel_y0"), "bessel_y0", CephesBessel::besselY0, CephesBessel::besselY0);
    }

    /** The Bessel function of the second kind of order 1 (-inf at 0, NaN below), as {@code torch.special.bessel_y1} (not differentiable: the result does not require grad). */
    public static Tensor besselY1(Tensor input) {
        return SpecialBesselOps.unary(req(input, "special_bessel_y1"), "bessel_y1", CephesBessel::besselY1, CephesBessel::besselY1);
    }

    /** The modified Bessel function of the first kind of order 0, as {@code torch.special.modified_bessel_i0} (not differentiable: the result does not require grad). */
    public static Tensor modifiedBesselI0(Tensor input) {
        return SpecialBesselOps.unary(req(input, "special_modified_bessel_i0"), "modified_bessel_i0", CephesBessel::modifiedBesselI0, CephesBessel::modifiedBesselI0);
    }

    /** The modified Bessel function of the first kind of order 1, as {@code torch.special.modified_bessel_i1} (not differentiable: the result does not require grad). */
    public static Tensor modifiedBesselI1(Tensor input) {
        return SpecialBesselOps.unary(req(input, "special_modified_bessel_i1"), "modified_bessel_i1", CephesBessel::modifiedBesselI1, CephesBessel::modifiedBesselI1);
    }

    /** The modified Bessel function of the second kind of order 0 (inf at 0, NaN below), as {@code torch.special.modified_bessel_k0} (not differentiable: the result does not require grad). */
    public static Tensor modifiedBesselK0(Tensor input) {
        return SpecialBesselOps.unary(req(input, "special_modified_bessel_k0"), "modified_bessel_k0", CephesBessel::modifiedBesselK0, CephesBessel::modifiedBesselK0);
    }

    /** The modified Bessel function of the second kind of order 1 (inf at 0, NaN below), as {@code torch.special.modified_bessel_k1} (not differentiable: the result does not require grad). */
    public static Tensor modifiedBesselK1(Tensor input) {
        return SpecialBesselOps.unary(req(input, "special_modified_bessel_k1"), "modified_bessel_k1", CephesBessel::modifiedBesselK1, CephesBessel::modifiedBesselK1);
    }

    /** {@code exp(x) K0(x)}, the scaled modified Bessel function of the second kind of order 0, as {@code torch.special.scaled_modified_bessel_k0} (not differentiable: the result does not require grad). */
    public static Tensor scaledModifiedBesselK0(Tensor input) {
        return SpecialBesselOps.unary(req(input, "special_scaled_modified_bessel_k0"), "scaled_modified_bessel_k0", CephesBessel::scaledModifiedBesselK0, CephesBessel::scaledModifiedBesselK0);
    }

    /** {@code exp(x) K1(x)}, the scaled modified Bessel function of the second kind of order 1, as {@code torch.special.scaled_modified_bessel_k1} (not differentiable: the result does not require grad). */
    public static Tensor scaledModifiedBesselK1(Tensor input) {
        return SpecialBesselOps.unary(req(input, "special_scaled_modified_bessel_k1"), "scaled_modified_bessel_k1", CephesBessel::scaledModifiedBesselK1, CephesBessel::scaledModifiedBesselK1);
    }

    /** The spherical Bessel function of the first kind of order 0, {@code sin(x) / x}, as {@code torch.special.spherical_bessel_j0} (not differentiable: the result does not require grad). */
    public static Tensor sphericalBesselJ0(Tensor input) {
        return SpecialBesselOps.unary(req(input, "special_spherical_bessel_j0"), "spherical_bessel_j0", CephesBessel::sphericalBesselJ0, CephesBessel::sphericalBesselJ0);
    }

    /**
     * The Chebyshev polynomial of the first kind {@code T_n(x)} of {@code x} and {@code n} broadcast together, as {@code torch.special.chebyshev_polynomial_t}: {@code n} is truncated to
     * an integer in the promoted type, and a negative {@code n} gives 0. Not differentiable.
     */
    public static Tensor chebyshevPolynomialT(Tensor x, Tensor n) {
        SpecialBesselOps.requireArgs("chebyshev_polynomial_t", x, n);
        return SpecialBesselOps.polynomial(x, n, "chebyshev_polynomial_t", CephesBessel::chebyshevT, CephesBessel::chebyshevT);
    }

    /** {@link #chebyshevPolynomialT(Tensor, Tensor)} for a Java number {@code n} (it does not raise x's type). */
    public static Tensor chebyshevPolynomialT(Tensor x, double n) {
        SpecialBesselOps.requireArgs("chebyshev_polynomial_t", x, n);
        return SpecialBesselOps.polynomial(x, n, "chebyshev_polynomial_t", CephesBessel::chebyshevT, CephesBessel::chebyshevT);
    }

    /**
     * The Chebyshev polynomial of the second kind {@code U_n(x)} of {@code x} and {@code n} broadcast together, as {@code torch.special.chebyshev_polynomial_u}: {@code n} is truncated to
     * an integer in the promoted type, and a negative {@code n} gives 0. Not differentiable.
     */
    public static Tensor chebyshevPolynomialU(Tensor x, Tensor n) {
        SpecialBesselOps.requireArgs("chebyshev_polynomial_u", x, n);
        return SpecialBesselOps.polynomial(x, n, "chebyshev_polynomial_u", CephesBessel::chebyshevU, CephesBessel::chebyshevU);
    }

    /** {@link #chebyshevPolynomialU(Tensor, Tensor)} for a Java number {@code n} (it does not raise x's type). */
    public static Tensor chebyshevPolynomialU(Tensor x, double n) {
        SpecialBesselOps.requireArgs("chebyshev_polynomial_u", x, n);
        return SpecialBesselOps.polynomial(x, n, "chebyshev_polynomial_u", CephesBessel::chebyshevU, CephesBessel::chebyshevU);
    }

    /**
     * The Chebyshev polynomial of the third kind {@code V_n(x)} of {@code x} and {@code n} broadcast together, as {@code torch.special.chebyshev_polynomial_v}: {@code n} is truncated to
     * an integer in the promoted type, and a negative {@code n} gives 0. Not differentiable.
     */
    public static Tensor chebyshevPolynomialV(Tensor x, Tensor n) {
        SpecialBesselOps.requireArgs("chebyshev_polynomial_v", x, n);
        return SpecialBesselOps.polynomial(x, n, "chebyshev_polynomial_v", CephesBessel::chebyshevV, CephesBessel::chebyshevV);
    }

    /** {@link #chebyshevPolynomialV(Tensor, Tensor)} for a Java number {@code n} (it does not raise x's type). */
    public static Tensor chebyshevPolynomialV(Tensor x, double n) {
        SpecialBesselOps.requireArgs("chebyshev_polynomial_v", x, n);
        return SpecialBesselOps.polynomial(x, n, "chebyshev_polynomial_v", CephesBessel::chebyshevV, CephesBessel::chebyshevV);
    }

    /**
     * The Chebyshev polynomial of the fourth kind {@code W_n(x)} of {@code x} and {@code n} broadcast together, as {@code torch.special.chebyshev_polynomial_w}: {@code n} is truncated to
     * an integer in the promoted type, and a negative {@code n} gives 0. Not differentiable.
     */
    public static Tensor chebyshevPolynomialW(Tensor x, Tensor n) {
        SpecialBesselOps.requireArgs("chebyshev_polynomial_w", x, n);
        return SpecialBesselOps.polynomial(x, n, "chebyshev_polynomial_w", CephesBessel::chebyshevW, CephesBessel::chebyshevW);
    }

    /** {@link #chebyshevPolynomialW(Tensor, Tensor)} for a Java number {@code n} (it does not raise x's type). */
    public static Tensor chebyshevPolynomialW(Tensor x, double n) {
        SpecialBesselOps.requireArgs("chebyshev_polynomial_w", x, n);
        return SpecialBesselOps.polynomial(x, n, "chebyshev_polynomial_w", CephesBessel::chebyshevW, CephesBessel::chebyshevW);
    }

    /**
     * The shifted Chebyshev polynomial of the first kind {@code T_n(2x - 1)} of {@code x} and {@code n} broadcast together, as {@code torch.special.shifted_chebyshev_polynomial_t}: {@code n} is truncated to
     * an integer in the promoted type, and a negative {@code n} gives 0. Not differentiable.
     */
    public static Tensor shiftedChebyshevPolynomialT(Tensor x, Tensor n) {
        SpecialBesselOps.requireArgs("shifted_chebyshev_polynomial_t", x, n);
        return SpecialBesselOps.polynomial(x, n, "shifted_chebyshev_polynomial_t", CephesBessel::shiftedChebyshevT, CephesBessel::shiftedChebyshevT);
    }

    /** {@link #shiftedChebyshevPolynomialT(Tensor, Tensor)} for a Java number {@code n} (it does not raise x's type). */
    public static Tensor shiftedChebyshevPolynomialT(Tensor x, double n) {
        SpecialBesselOps.requireArgs("shifted_chebyshev_polynomial_t", x, n);
        return SpecialBesselOps.polynomial(x, n, "shifted_chebyshev_polynomial_t", CephesBessel::shiftedChebyshevT, CephesBessel::shiftedChebyshevT);
    }

    /**
     * The shifted Chebyshev polynomial of the second kind {@code U_n(2x - 1)} of {@code x} and {@code n} broadcast together, as {@code torch.special.shifted_chebyshev_polynomial_u}: {@code n} is truncated to
     * an integer in the promoted type, and a negative {@code n} gives 0. Not differentiable.
     */
    public static Tensor shiftedChebyshevPolynomialU(Tensor x, Tensor n) {
        SpecialBesselOps.requireArgs("shifted_chebyshev_polynomial_u", x, n);
        return SpecialBesselOps.polynomial(x, n, "shifted_chebyshev_polynomial_u", CephesBessel::shiftedChebyshevU, CephesBessel::shiftedChebyshevU);
    }

    /** {@link #shiftedChebyshevPolynomialU(Tensor, Tensor)} for a Java number {@code n} (it does not raise x's type). */
    public static Tensor shiftedChebyshevPolynomialU(Tensor x, double n) {
        SpecialBesselOps.requireArgs("shifted_chebyshev_polynomial_u", x, n);
        return SpecialBesselOps.polynomial(x, n, "shifted_chebyshev_polynomial_u", CephesBessel::shiftedChebyshevU, CephesBessel::shiftedChebyshevU);
    }

    /**
     * The shifted Chebyshev polynomial of the third kind {@code V_n(2x - 1)} of {@code x} and {@code n} broadcast together, as {@code torch.special.shifted_chebyshev_polynomial_v}: {@code n} is truncated to
     * an integer in the promoted type, and a negative {@code n} gives 0. Not differentiable.
     */
    public static Tensor shiftedChebyshevPolynomialV(Tensor x, Tensor n) {
        SpecialBesselOps.requireArgs("shifted_chebyshev_polynomial_v", x, n);
        return SpecialBesselOps.polynomial(x, n, "shifted_chebyshev_polynomial_v", CephesBessel::shiftedChebyshevV, CephesBessel::shiftedChebyshevV);
    }

    /** {@link #shiftedChebyshevPolynomialV(Tensor, Tensor)} for a Java number {@code n} (it does not raise x's type). */
    public static Tensor shiftedChebyshevPolynomialV(Tensor x, double n) {
        SpecialBesselOps.requireArgs("shifted_chebyshev_polynomial_v", x, n);
        return SpecialBesselOps.polynomial(x, n, "shifted_chebyshev_polynomial_v", CephesBessel::shiftedChebyshevV, CephesBessel::shiftedChebyshevV);
    }

    /**
     * The shifted Chebyshev polynomial of the fourth kind {@code W_n(2x - 1)} of {@code x} and {@code n} broadcast together, as {@code torch.special.shifted_chebyshev_polynomial_w}: {@code n} is truncated to
     * an integer in the promoted type, and a negative {@code n} gives 0. Not differentiable.
     */
    public static Tensor shiftedChebyshevPolynomialW(Tensor x, Tensor n) {
        SpecialBesselOps.requireArgs("shifted_chebyshev_polynomial_w", x, n);
        return SpecialBesselOps.polynomial(x, n, "shifted_chebyshev_polynomial_w", CephesBessel::shiftedChebyshevW, CephesBessel::shiftedChebyshevW);
    }

    /** {@link #shiftedChebyshevPolynomialW(Tensor, Tensor)} for a Java number {@code n} (it does not raise x's type). */
    public static Tensor shiftedChebyshevPolynomialW(Tensor x, double n) {
        SpecialBesselOps.requireArgs("shifted_chebyshev_polynomial_w", x, n);
        return SpecialBesselOps.polynomial(x, n, "shifted_chebyshev_polynomial_w", CephesBessel::shiftedChebyshevW, CephesBessel::shiftedChebyshevW);
    }

    /**
     * The physicists' Hermite polynomial {@code H_n(x)} (NaN above degree 128 in float32, 512 in float64, as PyTorch 2.x) of {@code x} and {@code n} broadcast together, as {@code torch.special.hermite_polynomial_h}: {@code n} is truncated to
     * an integer in the promoted type, and a negative {@code n} gives 0. Not differentiable.
     */
    public static Tensor hermitePolynomialH(Tensor x, Tensor n) {
        SpecialBesselOps.requireArgs("hermite_polynomial_h", x, n);
        return SpecialBesselOps.polynomial(x, n, "hermite_polynomial_h", CephesBessel::hermiteH, CephesBessel::hermiteH);
    }

    /** {@link #hermitePolynomialH(Tensor, Tensor)} for a Java number {@code n} (it does not raise x's type). */
    public static Tensor hermitePolynomialH(Tensor x, double n) {
        SpecialBesselOps.requireArgs("hermite_polynomial_h", x, n);
        return SpecialBesselOps.polynomial(x, n, "hermite_polynomial_h", CephesBessel::hermiteH, CephesBessel::hermiteH);
    }

    /**
     * The probabilists' Hermite polynomial {@code He_n(x)} (NaN above degree 128 in float32, 512 in float64, as PyTorch 2.x) of {@code x} and {@code n} broadcast together, as {@code torch.special.hermite_polynomial_he}: {@code n} is truncated to
     * an integer in the promoted type, and a negative {@code n} gives 0. Not differentiable.
     */
    public static Tensor hermitePolynomialHe(Tensor x, Tensor n) {
        SpecialBesselOps.requireArgs("hermite_polynomial_he", x, n);
        return SpecialBesselOps.polynomial(x, n, "hermite_polynomial_he", CephesBessel::hermiteHe, CephesBessel::hermiteHe);
    }

    /** {@link #hermitePolynomialHe(Tensor, Tensor)} for a Java number {@code n} (it does not raise x's type). */
    public static Tensor hermitePolynomialHe(Tensor x, double n) {
        SpecialBesselOps.requireArgs("hermite_polynomial_he", x, n);
        return SpecialBesselOps.polynomial(x, n, "hermite_polynomial_he", CephesBessel::hermiteHe, CephesBessel::hermiteHe);
    }

    /**
     * The Laguerre polynomial {@code L_n(x)} of {@code x} and {@code n} broadcast together, as {@code torch.special.laguerre_polynomial_l}: {@code n} is truncated to
     * an integer in the promoted type, and a negative {@code n} gives 0. Not differentiable.
     */
    public static Tensor laguerrePolynomialL(Tensor x, Tensor n) {
        SpecialBesselOps.requireArgs("laguerre_polynomial_l", x, n);
        return SpecialBesselOps.polynomial(x, n, "laguerre_polynomial_l", CephesBessel::laguerreL, CephesBessel::laguerreL);
    }

    /** {@link #laguerrePolynomialL(Tensor, Tensor)} for a Java number {@code n} (it does not raise x's type). */
    public static Tensor laguerrePolynomialL(Tensor x, double n) {
        SpecialBesselOps.requireArgs("laguerre_polynomial_l", x, n);
        return SpecialBesselOps.polynomial(x, n, "laguerre_polynomial_l", CephesBessel::laguerreL, CephesBessel::laguerreL);
    }

    /**
     * The Legendre polynomial {@code P_n(x)} of {@code x} and {@code n} broadcast together, as {@code torch.special.legendre_polynomial_p}: {@code n} is truncated to
     * an integer in the promoted type, and a negative {@code n} gives 0. Not differentiable.
     */
    public static Tensor legendrePolynomialP(Tensor x, Tensor n) {
        SpecialBesselOps.requireArgs("legendre_polynomial_p", x, n);
        return SpecialBesselOps.polynomial(x, n, "legendre_polynomial_p", CephesBessel::legendreP, CephesBessel::legendreP);
    }

    /** {@link #legendrePolynomialP(Tensor, Tensor)} for a Java number {@code n} (it does not raise x's type). */
    public static Tensor legendrePolynomialP(Tensor x, double n) {
        SpecialBesselOps.requireArgs("legendre_polynomial_p", x, n);
        return SpecialBesselOps.polynomial(x, n, "legendre_polynomial_p", CephesBessel::legendreP, CephesBessel::legendreP);
    }

    // ---- polynomials of a Java number x and a tensor n (session 20) ----

    /**
     * {@link #chebyshevPolynomialT(Tensor, Tensor)} for a Java number {@code x}, as {@code torch.special.chebyshev_polynomial_t(x: Number, n: Tensor)}:
     * {@code x} is a wrapped number, so the result has {@code n}'s floating type (float32 for an integer {@code n}).
     *
     * @param x the point
     * @param n the degrees
     * @return the polynomial of each degree at {@code x}
     */
    public static Tensor chebyshevPolynomialT(double x, Tensor n) {
        SpecialBesselOps.requireArgs("chebyshev_polynomial_t", x, n);
        return SpecialBesselOps.polynomial(x, n, "chebyshev_polynomial_t", CephesBessel::chebyshevT, CephesBessel::chebyshevT);
    }

    /**
     * {@link #chebyshevPolynomialU(Tensor, Tensor)} for a Java number {@code x}, as {@code torch.special.chebyshev_polynomial_u(x: Number, n: Tensor)}:
     * {@code x} is a wrapped number, so the result has {@code n}'s floating type (float32 for an integer {@code n}).
     *
     * @param x the point
     * @param n the degrees
     * @return the polynomial of each degree at {@code x}
     */
    public static Tensor chebyshevPolynomialU(double x, Tensor n) {
        SpecialBesselOps.requireArgs("chebyshev_polynomial_u", x, n);
        return SpecialBesselOps.polynomial(x, n, "chebyshev_polynomial_u", CephesBessel::chebyshevU, CephesBessel::chebyshevU);
    }

    /**
     * {@link #chebyshevPolynomialV(Tensor, Tensor)} for a Java number {@code x}, as {@code torch.special.chebyshev_polynomial_v(x: Number, n: Tensor)}:
     * {@code x} is a wrapped number, so the result has {@code n}'s floating type (float32 for an integer {@code n}).
     *
     * @param x the point
     * @param n the degrees
     * @return the polynomial of each degree at {@code x}
     */
    public static Tensor chebyshevPolynomialV(double x, Tensor n) {
        SpecialBesselOps.requireArgs("chebyshev_polynomial_v", x, n);
        return SpecialBesselOps.polynomial(x, n, "chebyshev_polynomial_v", CephesBessel::chebyshevV, CephesBessel::chebyshevV);
    }

    /**
     * {@link #chebyshevPolynomialW(Tensor, Tensor)} for a Java number {@code x}, as {@code torch.special.chebyshev_polynomial_w(x: Number, n: Tensor)}:
     * {@code x} is a wrapped number, so the result has {@code n}'s floating type (float32 for an integer {@code n}).
     *
     * @param x the point
     * @param n the degrees
     * @return the polynomial of each degree at {@code x}
     */
    public static Tensor chebyshevPolynomialW(double x, Tensor n) {
        SpecialBesselOps.requireArgs("chebyshev_polynomial_w", x, n);
        return SpecialBesselOps.polynomial(x, n, "chebyshev_polynomial_w", CephesBessel::chebyshevW, CephesBessel::chebyshevW);
    }

    /**
     * {@link #shiftedChebyshevPolynomialT(Tensor, Tensor)} for a Java number {@code x}, as {@code torch.special.shifted_chebyshev_polynomial_t(x: Number, n: Tensor)}:
     * {@code x} is a wrapped number, so the result has {@code n}'s floating type (float32 for an integer {@code n}).
     *
     * @param x the point
     * @param n the degrees
     * @return the polynomial of each degree at {@code x}
     */
    public static Tensor shiftedChebyshevPolynomialT(double x, Tensor n) {
        SpecialBesselOps.requireArgs("shifted_chebyshev_polynomial_t", x, n);
        return SpecialBesselOps.polynomial(x, n, "shifted_chebyshev_polynomial_t", CephesBessel::shiftedChebyshevT, CephesBessel::shiftedChebyshevT);
    }

    /**
     * {@link #shiftedChebyshevPolynomialU(Tensor, Tensor)} for a Java number {@code x}, as {@code torch.special.shifted_chebyshev_polynomial_u(x: Number, n: Tensor)}:
     * {@code x} is a wrapped number, so the result has {@code n}'s floating type (float32 for an integer {@code n}).
     *
     * @param x the point
     * @param n the degrees
     * @return the polynomial of each degree at {@code x}
     */
    public static Tensor shiftedChebyshevPolynomialU(double x, Tensor n) {
        SpecialBesselOps.requireArgs("shifted_chebyshev_polynomial_u", x, n);
        return SpecialBesselOps.polynomial(x, n, "shifted_chebyshev_polynomial_u", CephesBessel::shiftedChebyshevU, CephesBessel::shiftedChebyshevU);
    }

    /**
     * {@link #shiftedChebyshevPolynomialV(Tensor, Tensor)} for a Java number {@code x}, as {@code torch.special.shifted_chebyshev_polynomial_v(x: Number, n: Tensor)}:
     * {@code x} is a wrapped number, so the result has {@code n}'s floating type (float32 for an integer {@code n}).
     *
     * @param x the point
     * @param n the degrees
     * @return the polynomial of each degree at {@code x}
     */
    public static Tensor shiftedChebyshevPolynomialV(double x, Tensor n) {
        SpecialBesselOps.requireArgs("shifted_chebyshev_polynomial_v", x, n);
        return SpecialBesselOps.polynomial(x, n, "shifted_chebyshev_polynomial_v", CephesBessel::shiftedChebyshevV, CephesBessel::shiftedChebyshevV);
    }

    /**
     * {@link #shiftedChebyshevPolynomialW(Tensor, Tensor)} for a Java number {@code x}, as {@code torch.special.shifted_chebyshev_polynomial_w(x: Number, n: Tensor)}:
     * {@code x} is a wrapped number, so the result has {@code n}'s floating type (float32 for an integer {@code n}).
     *
     * @param x the point
     * @param n the degrees
     * @return the polynomial of each degree at {@code x}
     */
    public static Tensor shiftedChebyshevPolynomialW(double x, Tensor n) {
        SpecialBesselOps.requireArgs("shifted_chebyshev_polynomial_w", x, n);
        return SpecialBesselOps.polynomial(x, n, "shifted_chebyshev_polynomial_w", CephesBessel::shiftedChebyshevW, CephesBessel::shiftedChebyshevW);
    }

    /**
     * {@link #hermitePolynomialH(Tensor, Tensor)} for a Java number {@code x}, as {@code torch.special.hermite_polynomial_h(x: Number, n: Tensor)}:
     * {@code x} is a wrapped number, so the result has {@code n}'s floating type (float32 for an integer {@code n}).
     *
     * @param x the point
     * @param n the degrees
     * @return the polynomial of each degree at {@code x}
     */
    public static Tensor hermitePolynomialH(double x, Tensor n) {
        SpecialBesselOps.requireArgs("hermite_polynomial_h", x, n);
        return SpecialBesselOps.polynomial(x, n, "hermite_polynomial_h", CephesBessel::hermiteH, CephesBessel::hermiteH);
    }

    /**
     * {@link #hermitePolynomialHe(Tensor, Tensor)} for a Java number {@code x}, as {@code torch.special.hermite_polynomial_he(x: Number, n: Tensor)}:
     * {@code x} is a wrapped number, so the result has {@code n}'s floating type (float32 for an integer {@code n}).
     *
     * @param x the point
     * @param n the degrees
     * @return the polynomial of each degree at {@code x}
     */
    public static Tensor hermitePolynomialHe(double x, Tensor n) {
        SpecialBesselOps.requireArgs("hermite_polynomial_he", x, n);
        return SpecialBesselOps.polynomial(x, n, "hermite_polynomial_he", CephesBessel::hermiteHe, CephesBessel::hermiteHe);
    }

    /**
     * {@link #laguerrePolynomialL(Tensor, Tensor)} for a Java number {@code x}, as {@code torch.special.laguerre_polynomial_l(x: Number, n: Tensor)}:
     * {@code x} is a wrapped number, so the result has {@code n}'s floating type (float32 for an integer {@code n}).
     *
     * @param x the point
     * @param n the degrees
     * @return the polynomial of each degree at {@code x}
     */
    public static Tensor laguerrePolynomialL(double x, Tensor n) {
        SpecialBesselOps.requireArgs("laguerre_polynomial_l", x, n);
        return SpecialBesselOps.polynomial(x, n, "laguerre_polynomial_l", CephesBessel::laguerreL, CephesBessel::laguerreL);
    }

    /**
     * {@link #legendrePolynomialP(Tensor, Tensor)} for a Java number {@code x}, as {@code torch.special.legendre_polynomial_p(x: Number, n: Tensor)}:
     * {@code x} is a wrapped number, so the result has {@code n}'s floating type (float32 for an integer {@code n}).
     *
     * @param x the point
     * @param n the degrees
     * @return the polynomial of each degree at {@code x}
     */
    public static Tensor legendrePolynomialP(double x, Tensor n) {
        SpecialBesselOps.requireArgs("legendre_polynomial_p", x, n);
        return SpecialBesselOps.polynomial(x, n, "legendre_polynomial_p", CephesBessel::legendreP, CephesBessel::legendreP);
    }
}
