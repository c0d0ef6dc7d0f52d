"""Expected values for SpecialBesselTest: torch.special's Bessel functions and orthogonal polynomials.

Run with PyTorch 1.13 and mpmath (/usr/bin/python3 make_expected.py > expected.txt). For each function, one grid of
inputs (float32-representable, so the same points serve float32 and float64): special points (0, -0, negatives, the
infinities, NaN, points near the kernels' branch limits), linear and logarithmic ranges. Each case holds
  x      the inputs (n: the degrees of the polynomials, as float values)
  t64    PyTorch 1.13's float64 results, t32 its float32 results
  ref    mpmath's value at 60 digits (rounded to double; NaN where the function is complex or undefined there)
PyTorch 1.13 and 2.x share these kernels (aten/src/ATen/native/Math.h), except where 2.x changed them, followed here:
  * hermite_polynomial_h/he give NaN above degree 128 (float) / 512 (double) in 2.x (getHermitianLimit); 1.13 ran the
    recurrence. Those points are written as 2.x's NaN (marked in the comment line of the case).
  * 2.x stops the recurrences at a NaN (same values).
  * A degree n is read as C++'s static_cast<int64_t>(n): NaN, the infinities and values out of range give x86's
    INT64_MIN (2.x's hermite_polynomial_h maps NaN and inf to -1 on purpose), so the polynomial is 0.
The `meta` cases record the result dtypes PyTorch gives for mixed input types and its messages.
"""
import math
import mpmath
import numpy as np
import torch

mpmath.mp.dps = 60

def f32(v):
    return float(np.float32(v))

def fmt(v, single=False):
    if math.isnan(v):
        return 'NaN'
    if math.isinf(v):
        return 'Infinity' if v > 0 else '-Infinity'
    if single:
        return repr(np.float32(v).item()) if False else np.format_float_positional(np.float32(v), unique=True) \
            if abs(v) >= 1e-4 and abs(v) < 1e16 or v == 0 else np.format_float_scientific(np.float32(v), unique=True)
    return repr(float(v))

def line(key, vals, single=False):
    return key + ' ' + ' '.join(fmt(v, single) for v in vals)

def grid(special, lin, logs):
    pts = list(special)
    pts += list(np.linspace(*lin))
    for sign in (1, -1):
        pts += [sign * v for v in np.logspace(*logs)]
    out = []
    for p in pts:
        v = f32(p)
        if not any((v == o and math.copysign(1, v) == math.copysign(1, o)) or (math.isnan(v) and math.isnan(o)) for o in out):
            out.append(v)
    return out

inf = float('inf')
nan = float('nan')
COMMON = [0.0, -0.0, inf, -inf, nan, 1.0, -1.0, 0.5, -0.5, 1e-6, -1e-6, 1e-30, 2.0, 5.0, -5.0, 4.999999, 5.000001,
          8.0, -8.0, 7.999999, 8.000001, 2.404825557695773, 3.831705970207512, 0.8935769662791675, 100.0, 1e4, 1e10,
          1e30, -1e4]

def mpval(fn, x):
    if math.isnan(x) or math.isinf(x):
        return nan  # at the infinities the kernels are compared to PyTorch only
    try:
        v = fn(mpmath.mpf(x))
    except (ValueError, ZeroDivisionError, TypeError):
        return nan
    if isinstance(v, mpmath.mpc):
        if v.imag != 0:
            return nan
        v = v.real
    try:
        return float(v)
    except OverflowError:
        return inf if v > 0 else -inf

def k0e(x):
    return mpmath.besselk(0, x) * mpmath.exp(x)

def k1e(x):
    return mpmath.besselk(1, x) * mpmath.exp(x)

def sj0(x):
    if mpmath.isinf(x):
        return mpmath.mpf(0)
    return mpmath.mpf(1) if x == 0 else mpmath.sin(x) / x

UNARY = [
    ('airy_ai', mpmath.airyai, [-2.09, -2.0899999, 2.09, 2.0899999, 8.3203353, 8.3203354, 103.892, 103.9, -30.0,
                                -100.0, -1e3], (-12, 12, 61), (-3, 1.5, 12)),
    ('bessel_j0', lambda x: mpmath.besselj(0, x), [1e-5, 0.99999e-5, -1e-5, 5.520078110286311], (-25, 25, 61), (-4, 6, 14)),
    ('bessel_j1', lambda x: mpmath.besselj(1, x), [7.015586669815619], (-25, 25, 61), (-4, 6, 14)),
    ('bessel_y0', lambda x: mpmath.bessely(0, x) if x > 0 else (mpmath.mpf('-inf') if x == 0 else mpmath.mpf('nan')),
     [0.8935769662791675, 3.957678419314858], (0.01, 30, 61), (-6, 6, 14)),
    ('bessel_y1', lambda x: mpmath.bessely(1, x) if x > 0 else (mpmath.mpf('-inf') if x == 0 else mpmath.mpf('nan')),
     [2.197141326031017], (0.01, 30, 61), (-6, 6, 14)),
    ('modified_bessel_i0', lambda x: mpmath.besseli(0, x), [700.0, 720.0, 89.0, 90.0], (-20, 20, 61), (-4, 2.8, 14)),
    ('modified_bessel_i1', lambda x: mpmath.besseli(1, x), [700.0, 720.0, 89.0, 90.0], (-20, 20, 61), (-4, 2.8, 14)),
    ('modified_bessel_k0', lambda x: mpmath.besselk(0, x) if x > 0 else (mpmath.mpf('inf') if x == 0 else mpmath.mpf('nan')),
     [1.9999999, 2.0000002, 700.0, 750.0], (0.01, 20, 61), (-6, 2.9, 14)),
    ('modified_bessel_k1', lambda x: mpmath.besselk(1, x) if x > 0 else (mpmath.mpf('inf') if x == 0 else mpmath.mpf('nan')),
     [1.9999999, 2.0000002, 700.0, 750.0], (0.01, 20, 61), (-6, 2.9, 14)),
    ('scaled_modified_bessel_k0', lambda x: k0e(x) if x > 0 else (mpmath.mpf('inf') if x == 0 else mpmath.mpf('nan')),
     [1.9999999, 2.0000002, 700.0, 750.0], (0.01, 20, 61), (-6, 8, 14)),
    ('scaled_modified_bessel_k1', lambda x: k1e(x) if x > 0 else (mpmath.mpf('inf') if x == 0 else mpmath.mpf('nan')),
     [1.9999999, 2.0000002, 700.0, 750.0], (0.01, 20, 61), (-6, 8, 14)),
    ('spherical_bessel_j0', sj0, [0.4999999, 0.5000001, -0.4999999, 3.1415927], (-20, 20, 61), (-5, 8, 14)),
]


def recurrence_value(name, x, n):
    """The polynomial at exact x, degree n, by its defining recurrence in 60-digit arithmetic."""
    if math.isnan(x) or math.isnan(n) or math.isinf(n) or abs(n) > 1e4:
        return nan  # compared to PyTorch only (the degree is read as C++'s cast: out of range, NaN and inf give 0)
    n = int(n)
    if n < 0:
        return 0.0
    X = mpmath.mpf(x)
    if name.startswith('shifted_'):
        X = 2 * X - 1
        name = name[len('shifted_'):]
    if math.isinf(x):
        return nan  # the kernels' values at infinite x are not limits; compared to PyTorch only
    def three_term(p0, p1, step):
        if n == 0:
            return p0
        p, q = p0, p1
        for k in range(1, n):
            p, q = q, step(k, p, q)
        return q
    if name == 'chebyshev_polynomial_t':
        v = three_term(1, X, lambda k, p, q: 2 * X * q - p)
    elif name == 'chebyshev_polynomial_u':
        v = three_term(1, 2 * X, lambda k, p, q: 2 * X * q - p)
    elif name == 'chebyshev_polynomial_v':
        v = three_term(1, 2 * X - 1, lambda k, p, q: 2 * X * q - p)
    elif name == 'chebyshev_polynomial_w':
        v = three_term(1, 2 * X + 1, lambda k, p, q: 2 * X * q - p)
    elif name == 'hermite_polynomial_h':
        v = three_term(1, 2 * X, lambda k, p, q: 2 * X * q - 2 * k * p)
    elif name == 'hermite_polynomial_he':
        v = three_term(1, X, lambda k, p, q: X * q - k * p)
    elif name == 'laguerre_polynomial_l':
        v = three_term(1, 1 - X, lambda k, p, q: ((2 * k + 1 - X) * q - k * p) / (k + 1))
    elif name == 'legendre_polynomial_p':
        v = three_term(1, X, lambda k, p, q: ((2 * k + 1) * X * q - k * p) / (k + 1))
    try:
        return float(v)
    except OverflowError:
        return inf if v > 0 else -inf

POLY = ['chebyshev_polynomial_t', 'chebyshev_polynomial_u', 'chebyshev_polynomial_v', 'chebyshev_polynomial_w',
        'shifted_chebyshev_polynomial_t', 'shifted_chebyshev_polynomial_u', 'shifted_chebyshev_polynomial_v',
        'shifted_chebyshev_polynomial_w', 'hermite_polynomial_h', 'hermite_polynomial_he', 'laguerre_polynomial_l',
        'legendre_polynomial_p']
POLY_X = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 0.25, 0.999, -0.999, 0.3, -0.7, 1.5, -2.5, 3.0, 10.0, nan, inf]
POLY_N = [-1.0, 0.0, 1.0, 2.0, 3.0, 5.0, 6.0, 7.0, 8.0, 9.0, 12.0, 25.0, 2.7, -5.0, 1e6, 1e30, nan, inf, -inf]
HERMITE_N = [127.0, 129.0, 300.0, 513.0]


def hermite_limit(name, n, single):
    # 2.x's NaN above getHermitianLimit, for the degree as C++ reads it (NaN, inf and out of range: negative)
    if math.isnan(n) or math.isinf(n) or abs(n) >= 2.0 ** 63:
        return False
    return name.startswith('hermite') and int(n) > (128 if single else 512)


def main():
    out = []
    for name, fn, extra, lin, logs in UNARY:
        xs = grid(COMMON + extra, lin, logs)
        op = getattr(torch.special, name)
        t64 = op(torch.tensor(xs, dtype=torch.float64)).tolist()
        t32 = op(torch.tensor(xs, dtype=torch.float32)).tolist()
        ref = [mpval(fn, x) for x in xs]
        out += ['=== ' + name, line('x', xs, True), line('t64', t64), line('t32', t32, True), line('ref', ref)]
    for name in POLY:
        ns = POLY_N + (HERMITE_N if name.startswith('hermite') else [])
        xs = [f32(x) for x in POLY_X for _ in ns]
        nn = [n for _ in POLY_X for n in ns]
        op = getattr(torch.special, name)
        t64 = op(torch.tensor(xs, dtype=torch.float64), torch.tensor(nn, dtype=torch.float64)).tolist()
        t32 = op(torch.tensor(xs, dtype=torch.float32), torch.tensor(nn, dtype=torch.float32)).tolist()
        # 2.x: NaN above getHermitianLimit (1.13 ran the recurrence)
        t64 = [nan if hermite_limit(name, n, False) else v for v, n in zip(t64, nn)]
        t32 = [nan if hermite_limit(name, n, True) else v for v, n in zip(t32, nn)]
        ref = [recurrence_value(name, x, n) for x, n in zip(xs, nn)]
        out += ['=== ' + name, line('x', xs, True), line('n', nn, True), line('t64', t64), line('t32', t32, True),
                line('ref', ref)]
    # result types of mixed inputs, and the messages
    dt = {torch.float32: 'float32', torch.float64: 'float64', torch.int64: 'int64', torch.int32: 'int32',
          torch.bool: 'bool', torch.float16: 'float16', torch.bfloat16: 'bfloat16'}
    for xd in (torch.int64, torch.int32, torch.bool, torch.float32, torch.float64):
        r = torch.special.bessel_j0(torch.tensor([1, 0], dtype=xd))
        out += ['=== meta unary ' + dt[xd], 'dtype ' + dt[r.dtype], line('values', r.double().tolist())]
    for xd in (torch.int64, torch.float32, torch.float64):
        for nd in (torch.int64, torch.int32, torch.float32, torch.float64):
            for zero_dim in (False, True):
                n = torch.tensor(3 if zero_dim else [3, 2], dtype=nd)
                r = torch.special.chebyshev_polynomial_t(torch.tensor([2, 3], dtype=xd), n)
                out += ['=== meta poly %s %s%s' % (dt[xd], dt[nd], ' 0-dim' if zero_dim else ''),
                        'dtype ' + dt[r.dtype], line('values', r.double().tolist())]
        for s in (3, 2.9):
            r = torch.special.chebyshev_polynomial_t(torch.tensor([2, 3], dtype=xd), s)
            out += ['=== meta scalar %s %r' % (dt[xd], s), 'dtype ' + dt[r.dtype], line('values', r.double().tolist())]
    for call in ['bessel_j0(torch.ones(2, dtype=torch.float16))', 'bessel_y1(torch.ones(2, dtype=torch.bfloat16))',
                 'scaled_modified_bessel_k0(torch.ones(2, dtype=torch.float16))',
                 'hermite_polynomial_he(torch.ones(2, dtype=torch.float16), 2)',
                 'chebyshev_polynomial_t(torch.ones(2), torch.ones(3))']:
        try:
            eval('torch.special.' + call)
            raise AssertionError(call)
        except RuntimeError as e:
            out += ['=== error ' + call, 'message ' + str(e)]
    x = torch.tensor([0.5, 1.5], requires_grad=True)
    r = torch.special.bessel_j0(x)
    out += ['=== meta grad', 'requires_grad %s' % r.requires_grad, 'grad_fn %s' % r.grad_fn]
    print('\n'.join(out))


main()
