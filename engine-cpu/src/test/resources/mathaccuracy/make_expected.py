"""Reference values for MathAccuracySweepTest: elementwise math functions on dense deterministic grids.

Run with /usr/bin/python3 (PyTorch 1.13 CPU, mpmath). For each op and dtype (float32, float64) the inputs are
 * "seg" grids: every (span // (count-1))-th value between two values in the ordered-integer order of the dtype's
   bit patterns (logarithmic spacing of magnitudes; the Java test regenerates them with the same integer arithmetic),
 * "pts": explicit values (hex bits of the dtype; pairs "a,b" for binary ops).
The reference is computed with mpmath at 128 bits and rounded to float64 (stored as hex bits; for float32 cases then
rounded to float32 and stored as float32 bits); PyTorch's own result is stored as its distance, in the ordered bit-pattern order of
the dtype, from the reference rounded to the dtype ("n" for NaN; "r<hex>" where the reference is NaN and "x<hex>" where
the distance is over 2^40: PyTorch's value's bits).

Format:
  case <op> <dtype>
  seg <orderedLo> <orderedHi> <count>
  pts <hex>[,<hex>] ...
  vals <refhex>:<torchdelta> ...       (one per input, in input order: segs first then pts, as listed)
  end
"""
import math
import struct
import sys

import mpmath
import numpy as np
import torch
import torch.nn.functional as F

mp = mpmath.mp
mp.prec = 128

OUT = sys.argv[1] if len(sys.argv) > 1 else "expected.txt"

# ------------------------------------------------------------------ ordered ints

def bits(x, dt):
    if dt == "float32":
        return struct.unpack("<I", struct.pack("<f", x))[0]
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def from_bits(b, dt):
    if dt == "float32":
        return struct.unpack("<f", struct.pack("<I", b))[0]
    return struct.unpack("<d", struct.pack("<Q", b))[0]


def sign_bit(dt):
    return 1 << 31 if dt == "float32" else 1 << 63


def ordered(x, dt):
    b = bits(x, dt)
    s = sign_bit(dt)
    return b if b < s else -(b & (s - 1)) - 1


def from_ordered(o, dt):
    s = sign_bit(dt)
    return from_bits(o if o >= 0 else (-(o + 1)) | s, dt)


def to_dt(x, dt):
    return float(np.float32(x)) if dt == "float32" else float(x)


def hexbits(x, dt):
    return ("%08x" if dt == "float32" else "%016x") % bits(x, dt)


def seg_values(olo, ohi, count):
    step = (ohi - olo) // (count - 1)
    return [olo + step * i for i in range(count)]

# ------------------------------------------------------------------ references (mpmath)

NAN = float("nan")
INF = float("inf")
SQRT1_2 = 0.70710678118654752440
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def R(f):
    def g(*xs):
        try:
            v = f(*[mpmath.mpf(x) for x in xs])
        except (ValueError, ZeroDivisionError, OverflowError):
            return NAN
        if isinstance(v, mpmath.mpc):
            return NAN
        if isinstance(v, float):
            return v
        return float(v)
    return g


def softplus_ref(x):
    return x if x > 20 else mpmath.log1p(mpmath.exp(x))


def lgamma_ref(x):
    if x <= 0 and x == mpmath.floor(x):
        return mpmath.inf
    return mpmath.log(abs(mpmath.gamma(x))) if abs(x) < 1e5 else mpmath.re(mpmath.loggamma(x)) if x > 0 else \
        mpmath.log(abs(mpmath.gamma(x)))


def digamma_ref(x):
    if x == 0:
        return -mpmath.inf if True else None
    if x < 0 and x == mpmath.floor(x):
        return mpmath.nan
    return mpmath.digamma(x)


def polygamma_ref(n):
    def f(x):
        if x <= 0 and x == mpmath.floor(x):
            return mpmath.nan
        return mpmath.psi(n, x)
    return f


def erfinv_ref(y):
    if abs(y) > 1:
        return mpmath.nan
    if abs(y) == 1:
        return mpmath.inf * y
    return mpmath.erfinv(y)


def dom(cond, f):
    return lambda x: f(x) if cond(x) else mpmath.nan


def gelu_tanh_ref(x):
    # PyTorch's formula with its float constants: the same as the exact tanh formula
    k = mpmath.sqrt(2 / mpmath.pi)
    return x / 2 * (1 + mpmath.tanh(k * (x + mpmath.mpf("0.044715") * x ** 3)))


def remainder_ref(a, b):
    if b == 0 or not mpmath.isfinite(a):
        return mpmath.nan
    if not mpmath.isfinite(b):
        return mpmath.nan  # not included
    from fractions import Fraction
    fa, fb = Fraction(float(a)), Fraction(float(b))
    q = math.floor(fa / fb)
    r = fa - q * fb
    return mpmath.mpf(r.numerator) / r.denominator


def fmod_ref(a, b):
    if b == 0:
        return mpmath.nan
    return mpmath.mpf(math.fmod(float(a), float(b)))  # exact


def xlogy_ref(x, y):
    if x == 0:
        return mpmath.mpf(0)
    if y < 0:
        return mpmath.nan
    if y == 0:
        return -mpmath.inf * mpmath.sign(x)
    return x * mpmath.log(y)


def pow_ref(x, y):
    if x < 0 and y != mpmath.floor(y):
        return mpmath.nan
    if x == 0:
        return mpmath.inf if y < 0 else mpmath.mpf(0) if y > 0 else mpmath.mpf(1)
    return mpmath.power(x, y)


UNARY = {
    "exp": (R(mpmath.exp), torch.exp),
    "expm1": (R(mpmath.expm1), torch.expm1),
    "exp2": (R(lambda x: mpmath.power(2, x)), torch.exp2),
    "log": (R(dom(lambda x: x >= 0, lambda x: mpmath.log(x) if x else -mpmath.inf)), torch.log),
    "log1p": (R(dom(lambda x: x >= -1, lambda x: mpmath.log1p(x) if x > -1 else -mpmath.inf)), torch.log1p),
    "log2": (R(dom(lambda x: x >= 0, lambda x: mpmath.log(x, 2) if x else -mpmath.inf)), torch.log2),
    "log10": (R(dom(lambda x: x >= 0, lambda x: mpmath.log10(x) if x else -mpmath.inf)), torch.log10),
    "sqrt": (R(dom(lambda x: x >= 0, mpmath.sqrt)), torch.sqrt),
    "rsqrt": (R(dom(lambda x: x > 0, lambda x: 1 / mpmath.sqrt(x))), torch.rsqrt),
    "reciprocal": (R(lambda x: 1 / x), torch.reciprocal),
    "sin": (R(mpmath.sin), torch.sin),
    "cos": (R(mpmath.cos), torch.cos),
    "tan": (R(mpmath.tan), torch.tan),
    "asin": (R(dom(lambda x: abs(x) <= 1, mpmath.asin)), torch.asin),
    "acos": (R(dom(lambda x: abs(x) <= 1, mpmath.acos)), torch.acos),
    "atan": (R(mpmath.atan), torch.atan),
    "sinh": (R(mpmath.sinh), torch.sinh),
    "cosh": (R(mpmath.cosh), torch.cosh),
    "tanh": (R(mpmath.tanh), torch.tanh),
    "asinh": (R(mpmath.asinh), torch.asinh),
    "acosh": (R(dom(lambda x: x >= 1, mpmath.acosh)), torch.acosh),
    "atanh": (R(dom(lambda x: abs(x) < 1, mpmath.atanh)), torch.atanh),
    "sigmoid": (R(lambda x: 1 / (1 + mpmath.exp(-x))), torch.sigmoid),
    "logsigmoid": (R(lambda x: -mpmath.log1p(mpmath.exp(-x))), F.logsigmoid),
    "softplus": (R(softplus_ref), F.softplus),
    "gelu": (R(lambda x: x / 2 * mpmath.erfc(-x / mpmath.sqrt(2))), F.gelu),  # erfc: no cancellation in the tail
    "gelu_tanh": (R(gelu_tanh_ref), lambda t: F.gelu(t, approximate="tanh")),
    "silu": (R(lambda x: x / (1 + mpmath.exp(-x))), F.silu),
    "mish": (R(lambda x: x * mpmath.tanh(mpmath.log1p(mpmath.exp(x)))), F.mish),
    "elu": (R(lambda x: x if x > 0 else mpmath.expm1(x)), F.elu),
    "selu": (R(lambda x: SELU_SCALE * (x if x > 0 else SELU_ALPHA * mpmath.expm1(x))), F.selu),
    "erf": (R(mpmath.erf), torch.erf),
    "erfc": (R(mpmath.erfc), torch.erfc),
    "erfinv": (R(erfinv_ref), torch.erfinv),
    "lgamma": (R(lgamma_ref), torch.lgamma),
    "digamma": (R(digamma_ref), torch.digamma),
    "polygamma1": (R(polygamma_ref(1)), lambda t: torch.polygamma(1, t)),
    "polygamma2": (R(polygamma_ref(2)), lambda t: torch.polygamma(2, t)),
}

BINARY = {
    "atan2": (R(mpmath.atan2), torch.atan2),
    "hypot": (R(mpmath.hypot), torch.hypot),
    "pow": (R(pow_ref), torch.pow),
    "fmod": (R(fmod_ref), torch.fmod),
    "remainder": (R(remainder_ref), torch.remainder),
    "xlogy": (R(xlogy_ref), torch.xlogy),
}

ROWS = 16  # softmax, log_softmax, logsumexp: rows of 16 along the last dim
ROWWISE = ["softmax", "log_softmax", "logsumexp"]

# ------------------------------------------------------------------ grids

def maxval(dt):
    return 3.0e38 if dt == "float32" else 1.0e308


def tiny(dt):
    return 1e-38 if dt == "float32" else 1e-300


SCALE = 0.75  # all grid sizes, to keep expected.txt near 3 MB


def pos(lo, hi, n):
    return ("seg", lo, hi, max(2, int(n * SCALE)))


def neg(lo, hi, n):
    return ("seg", -hi, -lo, max(2, int(n * SCALE)))


def lin(a, b, n):
    return ("lin", a, b, max(2, int(n * SCALE)))


def pts(*v):
    return ("pts", list(v))


def both(lo, hi, n):
    return [pos(lo, hi, n), neg(lo, hi, n)]


COMMON = [lin(-10, 10, 400), pts(0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0)]
FULL = both(1e-30, 1e30, 500) + COMMON


def domain(op, dt):
    big = 1e300 if dt == "float64" else 1e38
    if op in ("exp", "expm1"):
        return both(1e-30, 1e3, 500) + [lin(-750, 750, 500)] + COMMON
    if op == "exp2":
        return both(1e-30, 1e4, 500) + [lin(-1100, 1100, 500)] + COMMON
    if op in ("log", "log2", "log10", "sqrt", "rsqrt"):
        return [pos(tiny(dt) * 1e-5 if dt == "float32" else 1e-310, big, 900), lin(0.5, 2, 300),
                lin(1 - 1e-3, 1 + 1e-3, 200), pts(0.0, -0.0, 1.0, -1.0, 2.0, 0.5, 4.0)]
    if op == "log1p":
        return [pos(1e-30, big, 700), neg(1e-30, 0.999999, 400), lin(-0.99, 2, 300), pts(0.0, -0.0, -1.0, 1.0, -2.0)]
    if op == "reciprocal":
        return both(1e-30, 1e30, 500) + COMMON
    if op in ("sin", "cos", "tan"):
        near = [k * math.pi / 2 for k in range(-20, 21)]
        return both(1e-30, 1e8, 500) + [pos(1e4, 1e8, 300)] + COMMON + [pts(*near)]
    if op in ("asin", "acos", "atanh"):
        return both(1e-30, 1.0, 500) + [lin(-1, 1, 400), pts(*[s * (1 - 2.0 ** -k) for k in range(1, 53) for s in (1, -1)]),
                                        pts(0.0, -0.0, 1.0, -1.0)]
    if op == "acosh":
        return [pos(1.0, 1e30, 900), lin(1, 3, 300), pts(*[1 + 2.0 ** -k for k in range(1, 53)])]
    if op in ("atan", "sinh", "cosh", "tanh", "asinh"):
        return FULL
    if op in ("sigmoid", "logsigmoid", "softplus", "silu", "mish", "gelu", "gelu_tanh", "elu", "selu", "erf", "erfc"):
        return FULL + [lin(-120, 120, 400)]
    if op == "erfinv":
        ks = [s * (1 - 2.0 ** -k) for k in range(1, 53) for s in (1, -1)]
        return both(1e-30, 1.0, 400) + [lin(-1, 1, 600), pts(*ks), pts(0.0, -0.0)]
    if op in ("lgamma", "digamma"):
        poles = [-n + d for n in range(1, 30) for d in (1e-3, -1e-3, 0.25, -0.25, 0.5, 1e-6, -1e-6)]
        return [pos(1e-30, 1e30, 600), neg(1e-30, 1e30, 300), lin(-20, 20, 500), lin(0.9, 2.1, 200), pts(*poles)]
    if op in ("polygamma1", "polygamma2"):
        return [pos(1e-30, 1e30, 700), lin(-10.3, 20, 600), lin(0.9, 2.1, 100)]
    raise KeyError(op)


def inputs_unary(op, dt):
    segs, explicit = [], []
    for spec in domain(op, dt):
        if spec[0] == "seg":
            lo, hi = to_dt(spec[1], dt), to_dt(spec[2], dt)
            segs.append((ordered(lo, dt), ordered(hi, dt), spec[3]))
        elif spec[0] == "lin":
            explicit += [to_dt(v, dt) for v in np.linspace(spec[1], spec[2], spec[3])]
        else:
            explicit += [to_dt(v, dt) for v in spec[1]]
    vals = []
    for olo, ohi, n in segs:
        vals += [from_ordered(o, dt) for o in seg_values(olo, ohi, n)]
    return segs, explicit, vals + explicit


def pair_values(dt):
    mags = [1e-30, 3.7e-20, 1e-10, 2.3e-5, 1e-3, 0.1, 0.3, 0.7, 1.0, 1.3, 2.0, math.pi, 7.5, 13.0, 100.0, 1234.5, 1e5,
            6.1e7, 1e10, 1e20, 1e30]
    v = []
    for m in mags:
        v += [to_dt(m, dt), to_dt(-m, dt)]
    return v + [0.0, -0.0]


def inputs_binary(op, dt):
    if op == "pow":
        xs = [to_dt(v, dt) for v in np.geomspace(1e-30, 1e30, 60)] + [to_dt(v, dt) for v in np.linspace(0.05, 3, 40)]
        ys = [-3.7, -2.5, -1.5, -1.0, -0.5, -0.3, 0.1, 1 / 3, 0.5, 0.75, 1.5, 2.5, 3.3, 7.0, 0.0, 2.0, 3.0, -2.0]
        pairs = [(x, to_dt(y, dt)) for x in xs for y in ys]
        negx = [-to_dt(v, dt) for v in np.geomspace(1e-3, 1e3, 25)]
        pairs += [(x, to_dt(y, dt)) for x in negx for y in (2.0, 3.0, -1.0, -2.0, 5.0, -3.0, 0.5)]
        return pairs
    v = pair_values(dt)
    pairs = [(a, b) for a in v for b in v]
    if op in ("fmod", "remainder"):
        pairs = [(a, b) for a, b in pairs if b != 0]
    if op == "xlogy":
        pairs += [(to_dt(a, dt), to_dt(b, dt)) for a in np.linspace(-3, 3, 13) for b in np.linspace(0.01, 5, 40)]
    return pairs


def rows(dt):
    rs = np.random.RandomState(1234)
    out = []
    for scale in (0.1, 1.0, 10.0, 100.0, 1e3):
        for offset in (0.0, 50.0, -1e3):
            for _ in range(8):
                out.append([to_dt(v, dt) for v in rs.randn(ROWS) * scale + offset])
    return out


def rowwise_ref(op, row):
    xs = [mpmath.mpf(v) for v in row]
    m = max(xs)
    lse = m + mpmath.log(mpmath.fsum(mpmath.exp(x - m) for x in xs))
    if op == "logsumexp":
        return [float(lse)]
    if op == "softmax":
        return [float(mpmath.exp(x - lse)) for x in xs]
    return [float(x - lse) for x in xs]

# ------------------------------------------------------------------ output

def rounded(ref, dt):
    return float(np.float32(ref)) if dt == "float32" else ref


def delta(torch_v, ref, dt):
    if math.isnan(torch_v):
        return "n"
    r = rounded(ref, dt)
    if math.isnan(r):
        return "r" + hexbits(torch_v, dt)  # reference NaN: PyTorch's value itself
    d = ordered(torch_v, dt) - ordered(r, dt)
    if abs(d) > 1 << 40:
        return "x" + hexbits(torch_v, dt)  # far away (an infinity, the other sign): PyTorch's value itself
    return str(d)


def refhex(r, dt):
    """The reference: float64 bits, or for float32 cases the reference rounded to float32 (8 hex digits)."""
    return hexbits(rounded(r, dt), dt)


def torch_dtype(dt):
    return torch.float32 if dt == "float32" else torch.float64


def main():
    out = []
    only = set(sys.argv[2:])
    np.seterr(all="ignore")
    for dt in ("float32", "float64"):
        for op, (ref, tf) in UNARY.items():
            if only and op not in only:
                continue
            segs, explicit, vals = inputs_unary(op, dt)
            t = tf(torch.tensor(vals, dtype=torch_dtype(dt))).tolist()
            out.append("case %s %s" % (op, dt))
            for olo, ohi, n in segs:
                out.append("seg %d %d %d" % (olo, ohi, n))
            if explicit:
                out.append("pts " + " ".join(hexbits(v, dt) for v in explicit))
            refs = [ref(v) for v in vals]
            out.append("vals " + " ".join("%s:%s" % (refhex(r, dt), delta(tv, r, dt)) for r, tv in zip(refs, t)))
            out.append("end")
            print(op, dt, len(vals), file=sys.stderr)
        for op, (ref, tf) in BINARY.items():
            if only and op not in only:
                continue
            pairs = inputs_binary(op, dt)
            a = torch.tensor([p[0] for p in pairs], dtype=torch_dtype(dt))
            b = torch.tensor([p[1] for p in pairs], dtype=torch_dtype(dt))
            t = tf(a, b).tolist()
            out.append("case %s %s" % (op, dt))
            out.append("pts " + " ".join(hexbits(x, dt) + "," + hexbits(y, dt) for x, y in pairs))
            refs = [ref(x, y) for x, y in pairs]
            out.append("vals " + " ".join("%s:%s" % (refhex(r, dt), delta(tv, r, dt)) for r, tv in zip(refs, t)))
            out.append("end")
            print(op, dt, len(pairs), file=sys.stderr)
        rws = rows(dt)
        x = torch.tensor(rws, dtype=torch_dtype(dt))
        for op in ROWWISE:
            if only and op not in only:
                continue
            if op == "softmax":
                t = torch.softmax(x, -1)
            elif op == "log_softmax":
                t = torch.log_softmax(x, -1)
            else:
                t = torch.logsumexp(x, -1)
            t = t.flatten().tolist()
            refs = [v for row in rws for v in rowwise_ref(op, row)]
            out.append("case %s %s" % (op, dt))
            out.append("pts " + " ".join(hexbits(v, dt) for row in rws for v in row))
            out.append("vals " + " ".join("%s:%s" % (refhex(r, dt), delta(tv, r, dt)) for r, tv in zip(refs, t)))
            out.append("end")
            print(op, dt, len(refs), file=sys.stderr)
    with open(OUT, "w") as f:
        f.write("# generated by make_expected.py (PyTorch %s, mpmath %s, prec %d)\n" % (torch.__version__,
                                                                                     mpmath.__version__, mp.prec))
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
