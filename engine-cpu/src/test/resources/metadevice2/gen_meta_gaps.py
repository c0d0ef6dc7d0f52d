"""Expected metadata and refusals of linalg, special, histogram and random ops on the meta device, for
MetaDeviceGapsTest.

Run: cd engine-cpu/src/test/resources/metadevice2 && /usr/bin/python3 gen_meta_gaps.py
Writes meta_gaps.txt, one line per result: "name|shape|stride|dtype|rule", or "name|refuse|aten::op" for an op PyTorch
2.x refuses on meta.

Where PyTorch 1.13 has the meta kernel, the line is its meta result. Where 1.13 has none and 2.x has one (ON_CPU below:
torch/_meta_registrations.py of 2.x registers meta_linalg_eig, meta__linalg_eigvals, linalg_matrix_exp (empty_like,
contiguous), linalg_solve_triangular, linalg_householder_product, cholesky_inverse, _cholesky_solve_helper, ormqr,
meta_histc (empty(bins, dtype=input.dtype), no range read from the data, only "bins must be > 0" and "max must be larger
than min" checked), meta_poisson (empty_like), meta_multinomial), the line is the CPU result's shape and type, which
those rules give (the inputs are made valid for the CPU kernel: a symmetric positive definite matrix etc.).

Refused (REFUSED below): the ops PyTorch 2.x's test/test_meta.py lists as meta expected failures (no meta kernel:
geqrf, linalg_lstsq, bincount, histogram.bin_ct / bins_tensor, the histogramdd kernels) and binomial, which 2.x's
_meta_registrations.py does not register either. 2.1-2.5 word the refusal "aten::<op>: attempted to run this operator
with Meta tensors, but there was no fake impl or Meta kernel registered" (the test builds the sentence from the op).
The generator checks that 1.13 refuses each of them on meta too.

rule "rowmajor": PyTorch's LAPACK-backed linalg results are batched column-major (strides (.., 1, rows)); Ember's linalg
results are row-major on its other devices (its CPU kernels too), so for these the test expects the row-major contiguous
strides of PyTorch's shape (shape and type are PyTorch's). rule "exact": PyTorch's strides. Since session 44 the meta
device gives the column-major strides of 2.x's meta kernels (batched_matrix_contiguous_strides(f_contig=True), which
1.13's meta kernels give too) for inv(_ex), solve(_ex), cholesky(_ex), qr (all modes), svd, eigh and lu_factor(_ex),
real and complex, and tensorinv (its reshape of that inverse a view) (FORTRAN below): those lines are "exact".
Gradients ("grad_*" lines) come from the CPU (1.13's meta backward of these is incomplete): shape and type exact, rule
"rowmajor" too (a gradient is contiguous in Ember). No randomness reaches the output.
"""
import torch
import torch.nn.functional as F

torch.manual_seed(0)
M = "meta"
out = []

ON_CPU = {"eig", "eigvals", "matrix_exp", "solve_triangular", "householder_product", "cholesky_inverse", "cholesky_solve",
          "ormqr", "histc", "histc_mm", "histc_f64", "eigvals_f64", "frexp", "frexp_f64_t", "searchsorted_sorter", "c_eig", "c_matrix_exp", "c_solve_triangular", "poisson", "multinomial", "multinomial_r", "rrelu"}
LINALG = {"inv", "inv_ex", "solve", "solve_ex", "cholesky", "cholesky_ex", "qr", "qr_r", "qr_complete", "svd", "svd_f",
          "eig", "eigh", "lu_factor", "lu_factor_ex", "lu_solve", "tensorinv", "ldl_factor", "triangular_solve",
          "cholesky_inverse", "cholesky_solve", "solve_triangular", "ormqr", "householder_product", "pinv", "lu",
          "matrix_exp", "t_lu_factor_int", "c_inv", "c_solve", "c_cholesky", "c_eigh", "c_qr", "c_svd",
          "c_lu_factor", "c_lu", "c_pinv", "c_eig", "c_matrix_exp", "c_solve_triangular"}
FORTRAN = {"inv", "inv_ex", "solve", "solve_ex", "cholesky", "cholesky_ex", "qr", "qr_r", "qr_complete", "svd", "svd_f",
           "eigh", "lu_factor", "lu_factor_ex", "c_inv", "c_solve", "c_cholesky", "c_eigh", "c_qr", "c_svd",
           "c_lu_factor", "tensorinv", "t_lu_factor_int"}
REFUSED = {"geqrf": "aten::geqrf", "lstsq": "aten::linalg_lstsq", "bincount": "aten::bincount",
           "bincount_w": "aten::bincount", "histogram": "aten::histogram.bin_ct",
           "histogram_t": "aten::histogram.bins_tensor", "binomial": "aten::binomial"}


def e(*shape, dtype=torch.float32, dev=M):
    return torch.empty(*shape, device=dev, dtype=dtype)


def spd(*shape, dtype=torch.float32, dev=M):
    if dev == M:
        return e(*shape, dtype=dtype)
    n = shape[-1]
    a = torch.randn(*shape, dtype=dtype)
    return a @ a.mT + n * torch.eye(n, dtype=dtype)


def contiguous_strides(shape):
    s, acc = [], 1
    for d in reversed(shape):
        s.insert(0, acc)
        acc *= max(d, 1)
    return s


def rec(name, t, grad=False):
    if isinstance(t, (tuple, list)):
        for i, x in enumerate(t):
            rec(name + "." + str(i), x, grad)
        return
    base = name.split(".")[0]
    rowmajor = (base in LINALG and base not in FORTRAN) or grad
    stride = contiguous_strides(t.shape) if rowmajor else list(t.stride())
    out.append("%s|%s|%s|%s|%s" % (name, ",".join(map(str, t.shape)), ",".join(map(str, stride)),
                                   str(t.dtype).replace("torch.", ""), "rowmajor" if rowmajor else "exact"))


def case(name, f):
    dev = "cpu" if name in ON_CPU else M
    r = f(dev)
    if dev == M:
        for t in (r if isinstance(r, (tuple, list)) else [r]):
            assert t.device.type == "meta", name
    else:
        try:
            f(M)
            raise AssertionError(name + " now runs on meta in this PyTorch: take its meta result")
        except NotImplementedError:
            pass
    rec(name, r)


A = lambda d: spd(3, 4, 4, dev=d)
B = lambda d: e(3, 4, 2, dev=d) if d == M else torch.randn(3, 4, 2)
case("inv", lambda d: torch.linalg.inv(A(d)))
case("inv_ex", lambda d: torch.linalg.inv_ex(A(d)))
case("det", lambda d: torch.linalg.det(A(d)))
case("slogdet", lambda d: torch.linalg.slogdet(A(d)))
case("logdet", lambda d: torch.logdet(A(d)))
case("solve", lambda d: torch.linalg.solve(A(d), B(d)))
case("solve_ex", lambda d: torch.linalg.solve_ex(A(d), B(d)))
case("cholesky", lambda d: torch.linalg.cholesky(A(d)))
case("cholesky_ex", lambda d: torch.linalg.cholesky_ex(A(d)))
case("qr", lambda d: torch.linalg.qr(e(3, 5, 4, dev=d)))
case("qr_r", lambda d: torch.linalg.qr(e(3, 5, 4, dev=d), mode="r"))
case("qr_complete", lambda d: torch.linalg.qr(e(3, 5, 4, dev=d), mode="complete"))
case("svd", lambda d: torch.linalg.svd(e(3, 5, 4, dev=d)))
case("svd_f", lambda d: torch.linalg.svd(e(3, 5, 4, dev=d), full_matrices=False))
case("svdvals", lambda d: torch.linalg.svdvals(e(3, 5, 4, dev=d)))
case("eig", lambda d: torch.linalg.eig(A(d)))
case("eigvals", lambda d: torch.linalg.eigvals(A(d)))
case("eigh", lambda d: torch.linalg.eigh(A(d)))
case("eigvalsh", lambda d: torch.linalg.eigvalsh(A(d)))
case("lu_factor", lambda d: torch.linalg.lu_factor(A(d)))
case("lu_factor_ex", lambda d: torch.linalg.lu_factor_ex(A(d)))
case("lu", lambda d: torch.linalg.lu(e(3, 5, 4, dev=d)))
case("lu_solve", lambda d: torch.linalg.lu_solve(A(d), e(3, 4, dtype=torch.int32, dev=d), B(d)))
case("matrix_norm_fro", lambda d: torch.linalg.matrix_norm(A(d)))
case("matrix_norm_2", lambda d: torch.linalg.matrix_norm(A(d), 2))
case("matrix_norm_nuc", lambda d: torch.linalg.matrix_norm(A(d), "nuc"))
case("norm", lambda d: torch.linalg.norm(A(d)))
case("pinv", lambda d: torch.linalg.pinv(e(3, 5, 4, dev=d)))
case("matrix_rank", lambda d: torch.linalg.matrix_rank(A(d)))
case("matrix_power", lambda d: torch.linalg.matrix_power(A(d), 3))
case("matrix_exp", lambda d: torch.linalg.matrix_exp(A(d)))
case("solve_triangular", lambda d: torch.linalg.solve_triangular(A(d), B(d), upper=True))
case("cond", lambda d: torch.linalg.cond(A(d)))
case("householder_product", lambda d: torch.linalg.householder_product(e(5, 4, dev=d), e(4, dev=d)))
case("tensorinv", lambda d: torch.linalg.tensorinv(e(4, 2, 2, dev=d), ind=1))
case("tensorsolve", lambda d: torch.linalg.tensorsolve(e(2, 3, 6, dev=d), e(2, 3, dev=d)))
case("ldl_factor", lambda d: torch.linalg.ldl_factor(A(d)))
case("cholesky_inverse", lambda d: torch.cholesky_inverse(A(d)))
case("cholesky_solve", lambda d: torch.cholesky_solve(B(d), A(d)))
case("triangular_solve", lambda d: torch.triangular_solve(B(d), A(d)))
case("ormqr", lambda d: torch.ormqr(A(d), e(3, 4, dev=d), B(d)))
case("det_f64", lambda d: torch.linalg.det(spd(2, 3, 3, dtype=torch.float64, dev=d)))
case("eigvals_f64", lambda d: torch.linalg.eigvals(spd(3, 3, dtype=torch.float64, dev=d)))
# complex linalg (complex64): the same rules, the eigenvalues, singular values and logabsdet in the real type
C = lambda d, *sh: e(*sh, dtype=torch.complex64, dev=d) if d == M else torch.randn(*sh, dtype=torch.complex64)
complex_cases = {
    "c_inv": lambda d: torch.linalg.inv(C(d, 2, 4, 4)), "c_det": lambda d: torch.linalg.det(C(d, 2, 4, 4)),
    "c_slogdet": lambda d: torch.linalg.slogdet(C(d, 2, 4, 4)),
    "c_solve": lambda d: torch.linalg.solve(C(d, 2, 4, 4), C(d, 2, 4, 3)),
    "c_cholesky": lambda d: torch.linalg.cholesky(C(d, 2, 4, 4)), "c_eigh": lambda d: torch.linalg.eigh(C(d, 2, 4, 4)),
    "c_eigvalsh": lambda d: torch.linalg.eigvalsh(C(d, 2, 4, 4)), "c_qr": lambda d: torch.linalg.qr(C(d, 2, 4, 3)),
    "c_svd": lambda d: torch.linalg.svd(C(d, 2, 4, 3), full_matrices=False),
    "c_svdvals": lambda d: torch.linalg.svdvals(C(d, 2, 4, 3)), "c_lu_factor": lambda d: torch.linalg.lu_factor(C(d, 2, 4, 4)),
    "c_lu": lambda d: torch.linalg.lu(C(d, 2, 4, 3)), "c_pinv": lambda d: torch.linalg.pinv(C(d, 2, 4, 3)),
    "c_matrix_rank": lambda d: torch.linalg.matrix_rank(C(d, 2, 4, 4)),
    "c_eig": lambda d: torch.linalg.eig(C(d, 2, 4, 4)), "c_matrix_exp": lambda d: torch.linalg.matrix_exp(C(d, 2, 4, 4)),
    "c_solve_triangular": lambda d: torch.linalg.solve_triangular(C(d, 2, 4, 4), C(d, 2, 4, 3), upper=True),
}
for k, f in complex_cases.items():
    case(k, f)

# special functions: integers compute in the default type, float16 stays float16
X = lambda d, dt=torch.float32: e(3, 4, dtype=dt, dev=d)
specials = {
    "lgamma": torch.lgamma, "digamma": torch.digamma, "erfinv": torch.erfinv, "i0": torch.i0,
    "i0e": torch.special.i0e, "i1": torch.special.i1, "i1e": torch.special.i1e, "ndtri": torch.special.ndtri,
    "log_ndtr": torch.special.log_ndtr, "erfcx": torch.special.erfcx, "bessel_j0": torch.special.bessel_j0,
    "bessel_j1": torch.special.bessel_j1, "bessel_y0": torch.special.bessel_y0, "bessel_y1": torch.special.bessel_y1,
    "modified_bessel_i0": torch.special.modified_bessel_i0, "modified_bessel_i1": torch.special.modified_bessel_i1,
    "modified_bessel_k0": torch.special.modified_bessel_k0, "modified_bessel_k1": torch.special.modified_bessel_k1,
    "scaled_modified_bessel_k0": torch.special.scaled_modified_bessel_k0,
    "scaled_modified_bessel_k1": torch.special.scaled_modified_bessel_k1,
    "spherical_bessel_j0": torch.special.spherical_bessel_j0, "airy_ai": torch.special.airy_ai,
}
for k, f in specials.items():
    case(k, lambda d, f=f: f(X(d)))
    case(k + "_f64", lambda d, f=f: f(X(d, torch.float64)))
case("i0_int", lambda d: torch.i0(X(d, torch.int64)))
case("lgamma_int", lambda d: torch.lgamma(X(d, torch.int64)))
case("bessel_j0_int", lambda d: torch.special.bessel_j0(X(d, torch.int32)))
case("i0_t", lambda d: torch.i0(X(d).t()))
case("polygamma", lambda d: torch.polygamma(2, X(d)))
case("chebyshev_t", lambda d: torch.special.chebyshev_polynomial_t(e(3, 1, dev=d), e(4, dev=d)))
case("hermite_h_n", lambda d: torch.special.hermite_polynomial_h(X(d), 3))
case("legendre_p_f64", lambda d: torch.special.legendre_polynomial_p(X(d), e(4, dtype=torch.float64, dev=d)))
case("laguerre_l_int", lambda d: torch.special.laguerre_polynomial_l(X(d, torch.int64), e(4, dtype=torch.int64, dev=d)))
case("zeta", lambda d: torch.special.zeta(e(3, 1, dev=d), e(4, dev=d)))
case("igamma", lambda d: torch.igamma(X(d), e(4, dev=d)))
case("igammac_f64", lambda d: torch.igammac(X(d, torch.float64), e(4, dev=d)))
case("gammainc", lambda d: torch.special.gammainc(X(d), e(4, dev=d)))
# histograms and random ops
case("histc", lambda d: torch.histc(e(3, 4, dev=d), bins=10))
case("histc_mm", lambda d: torch.histc(e(3, 4, dev=d), bins=7, min=0, max=1))
case("histc_f64", lambda d: torch.histc(e(5, dtype=torch.float64, dev=d), bins=3))
case("poisson", lambda d: torch.poisson(e(3, 4, dev=d) if d == M else torch.rand(3, 4)))
case("multinomial", lambda d: torch.multinomial(e(3, 5, dev=d) if d == M else torch.rand(3, 5), 2))
case("multinomial_r", lambda d: torch.multinomial(e(5, dev=d) if d == M else torch.rand(5), 7, replacement=True))
case("rrelu", lambda d: F.rrelu(e(3, 4, dev=d), training=True))
case("normal_", lambda d: e(3, 4, dev=d).normal_())
case("uniform_", lambda d: e(3, 4, dev=d).uniform_())
case("exponential_", lambda d: e(3, 4, dev=d).exponential_())
case("geometric_", lambda d: e(3, 4, dev=d).geometric_(0.5))
case("log_normal_", lambda d: e(3, 4, dev=d).log_normal_())
case("cauchy_", lambda d: e(3, 4, dev=d).cauchy_())
case("random_to", lambda d: e(3, 4, dev=d).random_(0, 5))
case("bernoulli_f", lambda d: torch.bernoulli(e(3, 4, dev=d), 0.3))
case("randint", lambda d: torch.randint(0, 10, (2, 3), device=d))
case("randint_like", lambda d: torch.randint_like(e(3, 4, dtype=torch.float64, dev=d), 10))
case("randperm", lambda d: torch.randperm(5, device=d))
case("normal_ff", lambda d: torch.normal(0., 1., (2, 3), device=d))

# element types on meta: PyTorch's meta functions (structured kernels, TensorIterator) check no element type; only its
# CPU and CUDA kernels dispatch on it. So an op a CPU refuses for integers or bool ("silu_cpu" not implemented for
# 'Long') gives a meta result of the type it computes in (1.13's meta results; 2.x's meta functions are the same)
I = lambda d: e(2, 3, dtype=torch.int64, dev=d)
Bo = lambda d: e(2, 3, dtype=torch.bool, dev=d)
F16 = lambda d: e(2, 3, dtype=torch.float16, dev=d)
typed = {
    "t_leaky_relu_int": lambda d: F.leaky_relu(I(d)), "t_elu_int": lambda d: F.elu(I(d)), "t_silu_int": lambda d: F.silu(I(d)),
    "t_mish_int": lambda d: F.mish(I(d)), "t_softplus_int": lambda d: F.softplus(I(d)),
    "t_hardswish_int": lambda d: F.hardswish(I(d)), "t_hardsigmoid_int": lambda d: F.hardsigmoid(I(d)),
    "t_hardshrink_int": lambda d: F.hardshrink(I(d)), "t_softshrink_int": lambda d: F.softshrink(I(d)),
    "t_threshold_bool": lambda d: F.threshold(Bo(d), 0.5, 1.0), "t_glu_int": lambda d: F.glu(e(2, 4, dtype=torch.int64, dev=d)),
    "t_celu_int": lambda d: F.celu(I(d)), "t_selu_int": lambda d: F.selu(I(d)),
    "t_logsigmoid_int": lambda d: F.logsigmoid(I(d)), "t_igamma_int": lambda d: torch.igamma(I(d), I(d)),
    "t_addcmul_bool": lambda d: torch.addcmul(Bo(d), Bo(d), Bo(d)), "t_abs_bool": lambda d: Bo(d).abs(),
    "t_ceil_bool": lambda d: Bo(d).ceil(), "t_round_bool": lambda d: Bo(d).round(), "t_frac_int": lambda d: I(d).frac(),
    "t_fmod_bool": lambda d: torch.fmod(Bo(d), Bo(d)), "t_remainder_bool": lambda d: torch.remainder(Bo(d), Bo(d)),
    "t_bitwise_and_f": lambda d: torch.bitwise_and(e(2, 3, dev=d), e(2, 3, dev=d)),
    "t_bitwise_not_f": lambda d: torch.bitwise_not(e(2, 3, dev=d)),
    "t_lshift_f": lambda d: torch.bitwise_left_shift(e(2, 3, dev=d), e(2, 3, dev=d)),
    "t_gcd_f": lambda d: torch.gcd(e(2, 3, dev=d), e(2, 3, dev=d)), "t_lcm_int": lambda d: torch.lcm(I(d), I(d)),
    "t_hypot_int": lambda d: torch.hypot(I(d), I(d)), "t_logaddexp_int": lambda d: torch.logaddexp(I(d), I(d)),
    "t_nextafter_int": lambda d: torch.nextafter(I(d), I(d)), "t_argmax_bool": lambda d: Bo(d).argmax(),
    "t_argmin_bool": lambda d: Bo(d).argmin(1), "t_topk_bool": lambda d: Bo(d).topk(1),
    "t_mm_bool": lambda d: torch.mm(Bo(d), e(3, 2, dtype=torch.bool, dev=d)),
    "t_normal_int": lambda d: I(d).normal_(), "t_exponential_bool": lambda d: Bo(d).exponential_(),
    "t_cauchy_int": lambda d: I(d).cauchy_(), "t_log_normal_int": lambda d: I(d).log_normal_(),
    "t_bernoulli_int": lambda d: torch.bernoulli(I(d)), "t_randn_like_int": lambda d: torch.randn_like(I(d)),
    "t_lgamma_f16": lambda d: torch.lgamma(F16(d)), "t_i0_f16": lambda d: torch.i0(F16(d)),
    "t_bessel_j0_f16": lambda d: torch.special.bessel_j0(F16(d)), "t_erfcx_f16": lambda d: torch.special.erfcx(F16(d)),
    "t_zeta_f16": lambda d: torch.special.zeta(F16(d), F16(d)),
    "t_lu_factor_int": lambda d: torch.linalg.lu_factor(e(3, 3, dtype=torch.int64, dev=d)),
    "t_cumsum__bool": lambda d: Bo(d).cumsum_(1),
    "t_round_decimals_int": lambda d: torch.round(I(d), decimals=1),
}
for k, f in typed.items():
    case(k, f)
out.append("logcumsumexp_int|2,3|3,1|int64|exact")
# frexp: 1.13 has no meta kernel; 2.x decomposes it to prims.frexp (mantissa of the input's type, exponent int32)
case("frexp", lambda d: torch.frexp(e(2, 3, dev=d)))
case("frexp_f64_t", lambda d: torch.frexp(e(3, 2, dtype=torch.float64, dev=d).t()))
# searchsorted with a sorter: 1.13 has no meta kernel; 2.x's meta_searchsorted gives int64 of the input's shape
# kthvalue and median of bool: 1.13 has neither on meta and its CPU refuses bool; 2.x's kthvalue_meta, meta_median and
# meta_median_mode_dim check no element type: the values in the input's type (bool), the indices int64, of the shapes the
# CPU gives for a float32 input (the rule applied to the CPU's float32 result)
for k, f in {"kthvalue_bool": lambda t: torch.kthvalue(t, 1), "median_bool": torch.median,
             "median_dim_bool": lambda t: torch.median(t, 1)}.items():
    n = len(out)
    rec(k, f(torch.zeros(2, 3)))
    out[n] = out[n].replace("|float32|", "|bool|")
case("searchsorted_sorter", lambda d: torch.searchsorted(e(2, 5, dev=d), e(2, 3, dev=d),
                                                         sorter=e(2, 5, dtype=torch.int64, dev=d).zero_()))  # 2.x's meta logcumsumexp: empty_like(self), no type check (1.13 has none)

# gradients, from the CPU
def grad(name, f, x):
    x = x.requires_grad_()
    f(x).sum().backward()
    rec(name, x.grad, grad=True)


grad("grad_inv", torch.linalg.inv, spd(3, 4, 4, dev="cpu"))
grad("grad_det", torch.linalg.det, spd(3, 4, 4, dev="cpu"))
grad("grad_svdvals", torch.linalg.svdvals, torch.randn(3, 5, 4))
grad("grad_eigvalsh", torch.linalg.eigvalsh, spd(3, 4, 4, dev="cpu"))
grad("grad_cholesky", torch.linalg.cholesky, spd(4, 4, dev="cpu"))
grad("grad_i0", torch.i0, torch.randn(3, 4))
grad("grad_lgamma", torch.lgamma, torch.rand(3, 4) + 1)
grad("grad_matrix_exp", torch.linalg.matrix_exp, torch.randn(2, 3, 3))
grad("grad_solve", lambda a: torch.linalg.solve(a, torch.randn(3, 4, 2)), spd(3, 4, 4, dev="cpu"))

# refusals: 1.13 refuses them too
refusals = {
    "geqrf": lambda: torch.geqrf(e(3, 4, 4)),
    "lstsq": lambda: torch.linalg.lstsq(e(3, 5, 4), e(3, 5, 2)),
    "bincount": lambda: torch.bincount(e(4, dtype=torch.int64)),
    "bincount_w": lambda: torch.bincount(e(4, dtype=torch.int64), e(4), minlength=3),
    "histogram": lambda: torch.histogram(e(3, 4), bins=10),
    "histogram_t": lambda: torch.histogram(e(3, 4), bins=e(5)),
    "binomial": lambda: torch.binomial(e(3, 4), e(3, 4)),
}
for k, f in refusals.items():
    try:
        f()
        raise AssertionError(k + " runs on meta")
    except NotImplementedError:
        out.append("%s|refuse|%s" % (k, REFUSED[k]))

with open("meta_gaps.txt", "w") as fh:
    fh.write("\n".join(out) + "\n")
print(len(out), "lines")
