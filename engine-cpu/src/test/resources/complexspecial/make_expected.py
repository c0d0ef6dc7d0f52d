# Expected values for engine-cpu's ComplexSpecialValuesTest: complex arithmetic where a part is 0, -0, an infinity, a
# NaN, huge, tiny or subnormal, in complex64 and complex128, bit for bit (each part separately; a NaN's sign and payload
# are not compared: PyTorch's NaN signs follow the instruction that made them, not a rule).
#
# PyTorch's CPU kernels take one of two paths per element: the vectorized one (at::vec::Vectorized, for contiguous runs
# and a scalar operand) and the scalar one (c10::complex / std:: functions, for strided operands and loop tails). The
# two differ at special values (neg: 0 - z vectorized, -z scalar, so -(-0+0j) is 0+0j or 0-0j; exp: Sleef's e^x (cos
# y + i sin y) vectorized, so exp(inf+0j) is inf+nanj either way here, but reciprocal, division and abs differ). So
# every op is run twice: on contiguous tensors whose length is a multiple of 32 elements (every element in the
# vectorized body on this AVX2 build: 2 * Vectorized::size() is at most 8) and on stride-2 views (the scalar loop for
# every element). Each line: "<op> <dtype> <path>" then the result's parts; the test accepts, per element, PyTorch's
# answer on either path (one answer where they agree, which is most elements).
#
# Where PyTorch 1.13 (here, AVX2) differs from 2.x, the generator follows 2.x, emulated in numpy in the result's real
# type (emulated ops are marked below and in the data: their path name carries "emul"):
#  - abs: 2.x computes hypot on both paths (Sleef_hypot*_u05 vectorized, std::abs -> hypot scalar); 1.13's vectorized
#    path is sqrt(re^2 + im^2), which overflows for |z| above sqrt(max).
#  - div and reciprocal: 2.x's scalar path is c10::complex's operator/ (Smith's algorithm: |c| >= |d| ? rat = d/c,
#    scl = 1/(c + d rat) ... ; a zero divisor gives re/|c| + i im/|d|), 1.13's the textbook (ac+bd)/(c^2+d^2). 2.x's
#    vectorized division (vec256_complex_{float,double}.h operator/) scales both operands by 1/max(|c|,|d|) (maxpd's
#    NaN rule: the second operand when either is NaN, lane by lane) and divides (ac+bd, bc-ad) by c^2+d^2 of the
#    scaled divisor; its vectorized reciprocal is (c, -d) / (c^2 + d^2), unscaled. A real divisor is first made
#    (c, +0) as PyTorch's type promotion does; a Python number divisor is a wrapped scalar cast to the complex type.
#  - exp: 2.x's Vectorized<c10::complex<T>>::exp is map(std::exp), so both paths compute glibc's cexpf / cexp per
#    element (C99 Annex G: exp(inf+0j) is inf+0j); 1.13's is Sleef's exp times Sleef's sine and cosine (inf+nanj).
#    Emulated by calling glibc's cexpf / cexp through ctypes (lines "exp ... vec_emul" / "scalar_emul", the same
#    values); 1.13's own results are kept as op "exp_113" (and "exp_finite_113"), which Ember gives with
#    -Dember.complex.sleefExp=true.
# Everything else is PyTorch 1.13's own answer: 2.x's kernels for add/sub (a + alpha*b, alpha made complex), mul
# (c10::complex operator* scalar, hsub form vectorized), neg, sqrt/log (std::; sqrt and log run the vectorized method
# on both paths: PyTorch's VML-style kernel copies a strided operand into a buffer), pow and the reductions are the
# same code in both.
#
# Run: /usr/bin/python3 make_expected.py > expected.txt
import ctypes
import math

import numpy as np
import torch

inf = math.inf
nan = math.nan
BASE = [0.0, -0.0, 1.0, -2.0, inf, -inf, nan]
DTYPES = [(torch.complex64, np.float32), (torch.complex128, np.float64)]


def extremes(npt):
    fi = np.finfo(npt)
    return [float(fi.max) / 2, float(fi.tiny), float(np.nextafter(npt(0), npt(1)))]


def cgrid(parts):
    return [complex(r, i) for r in parts for i in parts]


def tok(x):
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return repr(x)


def emit(op, tag, path, t):
    v = torch.view_as_real(t.to(torch.complex128)).reshape(-1) if t.is_complex() else t.to(torch.float64).reshape(-1)
    print(op, tag, path, " ".join(tok(x) for x in v.tolist()))


def emit_np(op, tag, path, re, im):
    print(op, tag, path, " ".join(tok(x) for pair in zip(re.tolist(), im.tolist()) for x in pair))


def padded(vals, dt):
    """A contiguous tensor of vals, padded with zeros to a multiple of 32 elements (every element in the vector body)."""
    n = (len(vals) + 31) // 32 * 32
    return torch.tensor(vals + [0] * (n - len(vals)), dtype=dt)


def strided(vals, dt):
    """vals as a stride-2 view (the scalar loop for every element)."""
    t = torch.zeros(2 * len(vals), dtype=dt)
    t[::2] = torch.tensor(vals, dtype=dt)
    return t[::2]


def both(op, tag, vals_list, dt, f):
    """f applied on the vector path (contiguous, padded) and the scalar path (stride-2 views); emits both."""
    n = len(vals_list[0])
    emit(op, tag, "vec", f(*[padded(v, dt) for v in vals_list])[:n])
    emit(op, tag, "scalar", f(*[strided(v, dt) for v in vals_list]))


# ---------------------------------------------------------------- 2.x emulations (numpy, in the real type)

def smith(a, b, c, d, t):
    """c10::complex<T>::operator/= of PyTorch 2.x, element by element."""
    re = np.empty(len(a), t)
    im = np.empty(len(a), t)
    one = t(1.0)
    with np.errstate(all="ignore"):
        for k in range(len(a)):
            A, B, C, D = t(a[k]), t(b[k]), t(c[k]), t(d[k])
            ac, ad = abs(C), abs(D)
            if ac >= ad:
                if ac == 0 and ad == 0:
                    re[k] = A / ac
                    im[k] = B / ad
                else:
                    rat = D / C
                    scl = one / (C + D * rat)
                    re[k] = (A + B * rat) * scl
                    im[k] = (B - A * rat) * scl
            else:
                rat = C / D
                scl = one / (D + C * rat)
                re[k] = (A * rat + B) * scl
                im[k] = (B * rat - A) * scl
    return re, im


def maxpd(x, y):
    """_mm256_max_pd(x, y): x if x > y else y (y when either is NaN)."""
    return np.where(x > y, x, y)


def vdiv(a, b, c, d, t):
    """Vectorized<c10::complex<T>> operator/ of PyTorch 2.x (AVX2), lane by lane."""
    a, b, c, d = (np.asarray(x, t) for x in (a, b, c, d))
    with np.errstate(all="ignore"):
        ac, ad = np.abs(c), np.abs(d)
        s_re = t(1.0) / maxpd(ac, ad)  # lane of the real part: max(|c|, |d|)
        s_im = t(1.0) / maxpd(ad, ac)  # lane of the imaginary part: max(|d|, |c|)
        a2, b2 = a * s_re, b * s_im
        c2, d2 = c * s_re, d * s_im
        re = a2 * c2 + b2 * d2
        im = a2 * (-d2) + b2 * c2
        den = c2 * c2 + d2 * d2
        return re / den, im / den


def vrecip(c, d, t):
    """Vectorized<c10::complex<T>>::reciprocal of PyTorch 2.x: (c, -d) / (c^2 + d^2)."""
    c, d = np.asarray(c, t), np.asarray(d, t)
    with np.errstate(all="ignore"):
        den = c * c + d * d
        return c / den, (-d) / den


class _CF(ctypes.Structure):
    _fields_ = [("re", ctypes.c_float), ("im", ctypes.c_float)]


class _CD(ctypes.Structure):
    _fields_ = [("re", ctypes.c_double), ("im", ctypes.c_double)]


_libm = ctypes.CDLL("libm.so.6")
_libm.cexpf.restype = _CF
_libm.cexpf.argtypes = [_CF]
_libm.cexp.restype = _CD
_libm.cexp.argtypes = [_CD]


def cexp(re, im, t):
    """glibc's cexpf (t float32) or cexp (float64) of each element: PyTorch 2.x's complex exp on both paths."""
    f, st = (_libm.cexpf, _CF) if t == np.float32 else (_libm.cexp, _CD)
    r = [f(st(float(t(a)), float(t(b)))) for a, b in zip(re, im)]
    return np.array([v.re for v in r], t), np.array([v.im for v in r], t)


def hypot(re, im, t):
    with np.errstate(all="ignore"):
        return np.hypot(np.asarray(re, t), np.asarray(im, t)), np.zeros(len(re), t)


# ---------------------------------------------------------------- the grids

for dt, npt in DTYPES:
    tag = str(dt).replace("torch.", "")
    rt = torch.float32 if dt == torch.complex64 else torch.float64
    wide = BASE + extremes(npt)
    unary = cgrid(wide)                                       # 100 values
    pairs = [(x, y) for x in cgrid(BASE) for y in cgrid(BASE)]  # 2401 pairs
    xs = [p[0] for p in pairs]
    ys = [p[1] for p in pairs]
    scaled = cgrid([1.0, -2.0] + extremes(npt) + [0.0, inf])
    spairs = [(x, y) for x in scaled for y in scaled]          # 1296 pairs
    sxs = [p[0] for p in spairs]
    sys_ = [p[1] for p in spairs]
    cr = [(z, r) for z in cgrid(BASE) for r in BASE]           # 343 complex x real pairs
    crz = [p[0] for p in cr]
    crr = [p[1] for p in cr]
    print("grid unary", tag, " ".join(tok(x) for z in unary for x in (z.real, z.imag)))
    print("grid pairs", tag, " ".join(tok(x) for z in cgrid(BASE) for x in (z.real, z.imag)))
    print("grid scaled", tag, " ".join(tok(x) for z in scaled for x in (z.real, z.imag)))
    print("grid reals", tag, " ".join(tok(x) for x in BASE))

    # tensor (+) tensor over every pair of the base grid
    both("add", tag, [xs, ys], dt, lambda a, b: a + b)
    both("add_alpha2", tag, [xs, ys], dt, lambda a, b: torch.add(a, b, alpha=2))
    both("sub", tag, [xs, ys], dt, lambda a, b: a - b)
    both("sub_alpha2", tag, [xs, ys], dt, lambda a, b: torch.sub(a, b, alpha=2))
    both("mul", tag, [xs, ys], dt, lambda a, b: a * b)
    both("mul_scaled", tag, [sxs, sys_], dt, lambda a, b: a * b)
    both("add_alpha03", tag, [sxs, sys_], dt, lambda a, b: torch.add(a, b, alpha=0.3))
    both("sub_alpha03", tag, [sxs, sys_], dt, lambda a, b: torch.sub(a, b, alpha=0.3))
    # tensor (+) the same tensor (x + x, x * x: one operand twice)
    u = cgrid(BASE)
    both("add_self", tag, [u], dt, lambda a: a + a)
    both("mul_self", tag, [u], dt, lambda a: a * a)

    # complex (+) real tensor: the real operand made (r, +0)
    def real_op(f):
        def g(z, r):
            return f(z, torch.view_as_real(r)[..., 0].to(rt) if r.is_complex() else r)
        return g
    both("add_real", tag, [crz, crr], dt, real_op(lambda z, r: z + r))
    both("sub_real", tag, [crz, crr], dt, real_op(lambda z, r: z - r))
    both("mul_real", tag, [crz, crr], dt, real_op(lambda z, r: z * r))
    both("rmul_real", tag, [crz, crr], dt, real_op(lambda z, r: r * z))

    # complex (+) Python number (a wrapped scalar: the vector path broadcasts it)
    for name, f in [("add_s1", lambda z: z + 1.0), ("sub_s1", lambda z: z - 1.0), ("rsub_s1", lambda z: 1.0 - z),
                    ("mul_s2", lambda z: z * 2.0), ("mul_s0", lambda z: z * 0.0), ("mul_sneg0", lambda z: z * -0.0),
                    ("mul_sj", lambda z: z * 1j), ("add_sj", lambda z: z + 1j), ("neg", lambda z: -z),
                    ("sqrt", torch.sqrt), ("exp_113", torch.exp), ("log", torch.log), ("pow2", lambda z: z ** 2),
                    ("pow3", lambda z: z ** 3), ("pow2_5", lambda z: z ** 2.5)]:
        both(name, tag, [unary], dt, f)

    # emulated 2.x: abs, reciprocal, division
    ure = np.array([z.real for z in unary]); uim = np.array([z.imag for z in unary])
    for path in ("vec", "scalar"):
        emit_np("abs", tag, path + "_emul", *hypot(ure, uim, npt))
        emit_np("exp", tag, path + "_emul", *cexp(ure, uim, npt))
    emit_np("reciprocal", tag, "vec_emul", *vrecip(ure, uim, npt))
    emit_np("reciprocal", tag, "scalar_emul", *smith(np.ones(len(ure)), np.zeros(len(ure)), ure, uim, npt))
    for name, X, Y in [("div", xs, ys), ("div_scaled", sxs, sys_)]:
        a = np.array([z.real for z in X]); b = np.array([z.imag for z in X])
        c = np.array([z.real for z in Y]); d = np.array([z.imag for z in Y])
        emit_np(name, tag, "vec_emul", *vdiv(a, b, c, d, npt))
        emit_np(name, tag, "scalar_emul", *smith(a, b, c, d, npt))
    a = np.array([z.real for z in crz]); b = np.array([z.imag for z in crz]); c = np.array(crr)
    emit_np("div_real", tag, "vec_emul", *vdiv(a, b, c, np.zeros(len(c)), npt))
    emit_np("div_real", tag, "scalar_emul", *smith(a, b, c, np.zeros(len(c)), npt))
    for name, s in [("div_s2", 2.0), ("div_s0", 0.0), ("div_sneg0", -0.0)]:
        n = len(ure)
        emit_np(name, tag, "vec_emul", *vdiv(ure, uim, np.full(n, s), np.zeros(n), npt))
        emit_np(name, tag, "scalar_emul", *smith(ure, uim, np.full(n, s), np.zeros(n), npt))

    # reductions over each pair of the base grid: sum/mean/prod of [x, y] (dim 1 of [N, 2], and dim 0 of [2, N])
    m = torch.tensor([[x, y] for x, y in pairs], dtype=dt)
    for name, f in [("sum", lambda t, d: t.sum(d)), ("mean", lambda t, d: t.mean(d)), ("prod", lambda t, d: t.prod(d))]:
        emit(name, tag, "inner", f(m, 1))
        emit(name, tag, "outer", f(m.t().contiguous(), 0))

# finite values (appended in session 50; the lines above are unchanged): sqrt, exp, log and z ** 2.5 at 512 random
# complex numbers, both paths (PyTorch runs these four through its vectorized complex methods on both; the two agree)
rs = np.random.RandomState(0)
fin = ([complex(a, b) for a, b in zip(rs.uniform(-8, 8, 256), rs.uniform(-4, 4, 256))]
       + [complex(a, b) for a, b in zip(rs.uniform(-8, 8, 128), rs.uniform(-124, 124, 128))]
       + [complex(r * math.cos(t), r * math.sin(t)) for r, t in zip(rs.uniform(0.5, 2, 128), rs.uniform(-math.pi, math.pi, 128))])
for dt, npt in DTYPES:
    tag = str(dt).replace("torch.", "")
    print("grid finite", tag, " ".join(tok(x) for z in fin for x in (float(npt(z.real)), float(npt(z.imag)))))
    for name, f in [("sqrt_finite", torch.sqrt), ("exp_finite_113", torch.exp), ("log_finite", torch.log),
                    ("pow2_5_finite", lambda z: z ** 2.5)]:
        both(name, tag, [fin], dt, f)
    for path in ("vec", "scalar"):
        emit_np("exp_finite", tag, path + "_emul", *cexp([z.real for z in fin], [z.imag for z in fin], npt))
