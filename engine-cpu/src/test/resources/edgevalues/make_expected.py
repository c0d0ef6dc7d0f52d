# Writes expected.txt: PyTorch's results for Ember's elementwise ops on IEEE edge values, read by EdgeValuesTest.java.
#   run: /usr/bin/python3 make_expected.py > expected.txt      (PyTorch 1.13 on the CPU)
# One case a line: key <TAB> dtype <TAB> values, or key <TAB> ! <TAB> PyTorch's error message. Values are exact bit
# patterns: float32 as 8 hex digits, float64 as 16, int64 in decimal, bool as 0/1 (row-major, flattened).
# The grids, scalars and op lists here must match EdgeValuesTest's; the test checks that every key is computed.
# Where PyTorch's forward result depends on its kernel path, the case is computed one element at a time, on the scalar
# path, which is the one Ember follows: the signed zero maximum/minimum return when both operands are zeros (the
# scalar loop keeps the first operand, as PyTorch's clamp does on every path; the AVX2 loop the second), and pow of two
# tensors (the scalar loop is C's pow; the AVX2 loop SLEEF's, which gives inf for DBL_MAX ** 1), and pow of a float32
# tensor and a float (the scalar loop computes in double; the AVX2 loop rounds the exponent to float first, so that
# 0 ** 1e-320 is 0 ** 0 = 1 there and 0 on the scalar path).
#
# Versions: Ember follows PyTorch 2.x; these values are 1.13's. Where they may differ: torch.clamp with a NaN bound
# fills NaN when both bounds are given (both versions); Ember's clampMin/clampMax are torch.clamp_min/clamp_max, which
# propagate a NaN bound (1.13's torch.clamp(x, min=nan) with one bound leaves x as it is). torch.where(c, t, 1e40) on a
# float32 t raises 1.13's overflow error, which 2.x may no longer raise (not checked here).
# rdiv is PyTorch's true division of a wrapped number by a tensor (torch.div), not Python's `s / t`, which PyTorch
# computes as t.reciprocal() * s (two roundings; 0 / the smallest float32 subnormal is NaN there).
import math
import torch

torch.set_default_dtype(torch.float32)
inf, nan = math.inf, math.nan
F32_MAX = float(torch.finfo(torch.float32).max)
F64_MAX = float(torch.finfo(torch.float64).max)
I64_MAX, I64_MIN = 2**63 - 1, -2**63

GRIDS = {
    'float32': [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 3.0, inf, -inf, nan, 2.0**-149, -2.0**-149, F32_MAX, -F32_MAX],
    'float64': [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 3.0, inf, -inf, nan, 2.0**-1074, -2.0**-1074, F64_MAX, -F64_MAX],
    'int64': [0, 1, -1, 2, -2, 3, -3, 62, 63, 64, I64_MAX, I64_MIN],
    'bool': [False, True],
}
DTYPES = {'float32': torch.float32, 'float64': torch.float64, 'int64': torch.int64, 'bool': torch.bool}
# Java numbers: doubles (Python floats) and longs (Python ints), spelled as in the test
DOUBLE_SCALARS = ['0.0', '-0.0', '1.0', '-1.0', '0.5', '-0.5', '2.0', '3.0', '-2.0', '2.5', 'inf', '-inf', 'nan',
                  '1e40', '1e-320', '-1e40']
# 2^53 + 2^29 + 1 rounds to float32 as 2^53 + 2^30 directly, but to 2^53 through a double
LONG_SCALARS = ['0', '1', '-1', '2', '3', '-2', '63', str(I64_MAX), str(I64_MIN), str(2**53 + 2**29 + 1)]
PAIRS = [('float32', 'float32'), ('float64', 'float64'), ('int64', 'int64'), ('bool', 'bool'), ('int64', 'float32'),
         ('float32', 'float64'), ('bool', 'int64'), ('bool', 'float32')]
CLAMP_DOUBLE = [('0.0', '1.0'), ('-0.5', '0.5'), ('nan', '1.0'), ('0.0', 'nan'), ('1.0', '0.0'), ('-inf', 'inf'),
                ('0.0', '-0.0'), ('-0.0', '0.0'), ('1e40', '2.0'), ('nan', '1e40'), ('2.5', '3.5')]
CLAMP_LONG = [('0', '1'), ('-1', '2'), ('2', '-1'), (str(I64_MIN), str(I64_MAX)), ('3', '3')]


def scalar(kind, s):
    return float(s) if kind == 'd' else int(s)


def grid(dtype):
    return torch.tensor(GRIDS[dtype], dtype=DTYPES[dtype])


def product(da, db):
    """Every pair of the two grids: a repeats each value len(b) times, b runs through its grid len(a) times."""
    a, b = grid(da), grid(db)
    return a.repeat_interleave(len(b)), b.repeat(len(a))


def enc(t):
    if t._is_zerotensor():  # sgn's real gradient is PyTorch's "efficient zero tensor", which has no storage
        t = torch.zeros(t.shape, dtype=t.dtype)
    t = t.detach().contiguous().view(-1)
    name = str(t.dtype).replace('torch.', '')
    if t.dtype == torch.float32:
        vals = ['%08x' % (v & 0xffffffff) for v in t.view(torch.int32).tolist()]
    elif t.dtype == torch.float64:
        vals = ['%016x' % (v & 0xffffffffffffffff) for v in t.view(torch.int64).tolist()]
    elif t.dtype == torch.bool:
        vals = ['1' if v else '0' for v in t.tolist()]
    else:
        vals = [str(v) for v in t.tolist()]
    return name + '\t' + ' '.join(vals)


def emit(key, f):
    try:
        print(key + '\t' + enc(f()))
    except RuntimeError as e:
        print(key + '\t!\t' + str(e).split('\n')[0])


def per_element(f, *xs):
    """f applied to one element at a time (PyTorch's scalar kernel path), the results concatenated."""
    return torch.cat([f(*(x[i:i + 1] for x in xs)) for i in range(len(xs[0]))])


UNARY = {
    'neg': torch.neg, 'abs': torch.abs, 'sign': torch.sign, 'exp': torch.exp, 'log': torch.log, 'sqrt': torch.sqrt,
    'reciprocal': torch.reciprocal, 'sin': torch.sin, 'cos': torch.cos, 'sigmoid': torch.sigmoid, 'tanh': torch.tanh,
    'relu': torch.relu, 'floor': torch.floor, 'ceil': torch.ceil, 'round': torch.round, 'erf': torch.erf,
    'logical_not': torch.logical_not, 'isfinite': torch.isfinite,
}
BINARY = {
    'add': torch.add, 'sub': torch.sub, 'mul': torch.mul, 'div': torch.div, 'pow': torch.pow,
    'maximum': torch.maximum, 'minimum': torch.minimum,
    'eq': torch.eq, 'ne': torch.ne, 'lt': torch.lt, 'le': torch.le, 'gt': torch.gt, 'ge': torch.ge,
    'logical_and': torch.logical_and, 'logical_or': torch.logical_or,
    'add_alpha2': lambda a, b: torch.add(a, b, alpha=2), 'sub_alpha2': lambda a, b: torch.sub(a, b, alpha=2),
    'add_alpha0.5': lambda a, b: torch.add(a, b, alpha=0.5),
}


def true_div(s, x):
    """s / x as a true division with s a wrapped number (Python's s / x is x.reciprocal() * s, rounded twice)."""
    rt = torch.result_type(x, s)
    rt = rt if rt.is_floating_point else torch.float32
    return torch.div(torch.tensor(s, dtype=torch.float64 if isinstance(s, float) else torch.int64).to(rt), x.to(rt))


def where_cond(n):
    return torch.tensor([i % 3 == 0 for i in range(n)])


SCALAR = {
    'add': lambda x, s: x + s, 'sub': lambda x, s: x - s, 'mul': lambda x, s: x * s, 'div': lambda x, s: x / s,
    'rsub': lambda x, s: s - x, 'rdiv': lambda x, s: true_div(s, x),
    'pow': lambda x, s: per_element(lambda v: v ** s, x),
    'eq': lambda x, s: x == s, 'ne': lambda x, s: x != s, 'lt': lambda x, s: x < s, 'le': lambda x, s: x <= s,
    'gt': lambda x, s: x > s, 'ge': lambda x, s: x >= s,
    'clamp_min': torch.clamp_min, 'clamp_max': torch.clamp_max,
    'where': lambda x, s: torch.where(where_cond(len(x)), x, s),
}
# the ops Ember takes a Java long for (div and rdiv take a double only)
LONG_OPS = ['add', 'sub', 'mul', 'rsub', 'pow', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'clamp_min', 'clamp_max', 'where']

for op, f in UNARY.items():
    for dt in GRIDS:
        emit('unary|%s|%s' % (op, dt), lambda: f(grid(dt)))

SCALAR_PATH = ['pow', 'maximum', 'minimum']
for op, f in BINARY.items():
    for da, db in PAIRS:
        g = (lambda a, b, f=f: per_element(f, a, b)) if op in SCALAR_PATH else f
        emit('binary|%s|%s|%s' % (op, da, db), lambda: g(*product(da, db)))

for da, db in PAIRS:
    def where_pair():
        a, b = product(da, db)
        return torch.where(where_cond(len(a)), a, b)
    emit('where|%s|%s' % (da, db), where_pair)

for op, f in SCALAR.items():
    for dt in GRIDS:
        for s in DOUBLE_SCALARS:
            emit('scalar|%s|%s|d|%s' % (op, dt, s), lambda: f(grid(dt), scalar('d', s)))
        if op in LONG_OPS:
            for s in LONG_SCALARS:
                emit('scalar|%s|%s|l|%s' % (op, dt, s), lambda: f(grid(dt), scalar('l', s)))

# sweeps of the transcendental functions beyond the edge values: 97 points of [-6, 6], and pow on a grid of bases
# in [0.25, 4] and exponents in [-3, 3] (every point a multiple of 1/8, exact in both types)
SWEEP = ['exp', 'log', 'sin', 'cos', 'sigmoid', 'tanh', 'erf']
for op in SWEEP:
    for dt in ('float32', 'float64'):
        emit('sweep|%s|%s' % (op, dt), lambda: UNARY[op](torch.linspace(-6, 6, 97, dtype=torch.float64).to(DTYPES[dt])))


def sweep_pow(dt):
    base = torch.linspace(0.25, 4, 16, dtype=torch.float64).to(DTYPES[dt])
    exponent = torch.linspace(-3, 3, 17, dtype=torch.float64).to(DTYPES[dt])
    return per_element(torch.pow, base.repeat_interleave(17), exponent.repeat(16))


for dt in ('float32', 'float64'):
    emit('sweep|pow|%s' % dt, lambda: sweep_pow(dt))

# conversions: int64 to the floating types in one rounding (the values round differently through a double)
CONVERT = [2**53 + 2**29 + 1, -(2**53 + 2**29 + 1), 2**62 + 2**38 + 1, 2**24 + 1, 2**53 + 1, I64_MAX, I64_MIN]
for dt in ('float32', 'float64'):
    emit('convert|int64|%s' % dt, lambda: torch.tensor(CONVERT).to(DTYPES[dt]))

for dt in GRIDS:
    for kind, pairs in (('d', CLAMP_DOUBLE), ('l', CLAMP_LONG)):
        for lo, hi in pairs:
            emit('clamp|%s|%s|%s,%s' % (dt, kind, lo, hi), lambda: torch.clamp(grid(dt), scalar(kind, lo), scalar(kind, hi)))

# ------------------------------------------------------------------ gradients
# grad|op|dtype|upstream|input: the gradient of each input for an upstream gradient of ones, or of edge values


def upstream(kind, n, dtype):
    if kind == 'ones':
        return torch.ones(n, dtype=DTYPES[dtype])
    cycle = [1.0, nan, inf, -inf, 0.0, -1.0, 0.5, -0.0, 2.0]
    return torch.tensor([cycle[i % len(cycle)] for i in range(n)], dtype=DTYPES[dtype])


def emit_grads(key, f, inputs, up):
    xs = [x.clone().requires_grad_(True) for x in inputs]
    try:
        y = f(*xs)
        y.backward(upstream(up, y.numel(), dtype_of(y)))
        for i, x in enumerate(xs):
            print('%s|%d\t%s' % (key, i, enc(x.grad)))
    except RuntimeError as e:
        print(key + '\t!\t' + str(e).split('\n')[0])


def dtype_of(t):
    return str(t.dtype).replace('torch.', '')


GRAD_UNARY = ['neg', 'exp', 'log', 'sqrt', 'abs', 'sign', 'reciprocal', 'sin', 'cos', 'sigmoid', 'tanh', 'relu', 'floor',
              'ceil', 'round', 'erf']
POW_EXPONENTS = [('d', '0.0'), ('d', '1.0'), ('d', '2.0'), ('d', '3.0'), ('d', '0.5'), ('d', '-0.5'), ('d', '-1.0'),
                 ('d', '-2.0'), ('d', '2.5'), ('d', '-1.5'), ('l', '0'), ('l', '1'), ('l', '2'), ('l', '3'), ('l', '-1'),
                 ('l', '-2')]
GRAD_CLAMP = [('0.0', '1.0'), ('-0.5', '0.5'), ('nan', '1.0'), ('1.0', '0.0'), ('-inf', 'inf'), ('0.0', '-0.0')]
GRAD_CLAMP_ONE = ['0.0', '-0.0', '1.0', 'nan']
GRAD_BINARY = ['add_alpha2', 'sub_alpha2', 'mul', 'div', 'pow', 'maximum', 'minimum']

for dt in ('float32', 'float64'):
    for up in ('ones', 'edge'):
        for op in GRAD_UNARY:
            emit_grads('grad|%s|%s|%s' % (op, dt, up), UNARY[op], [grid(dt)], up)
        for kind, e in POW_EXPONENTS:
            emit_grads('grad|pow_scalar|%s|%s|%s:%s' % (dt, up, kind, e), lambda x: x ** scalar(kind, e), [grid(dt)], up)
        for lo, hi in GRAD_CLAMP:
            emit_grads('grad|clamp|%s|%s|%s,%s' % (dt, up, lo, hi), lambda x: torch.clamp(x, float(lo), float(hi)),
                       [grid(dt)], up)
        for v in GRAD_CLAMP_ONE:
            emit_grads('grad|clamp_min|%s|%s|%s' % (dt, up, v), lambda x: torch.clamp_min(x, float(v)), [grid(dt)], up)
            emit_grads('grad|clamp_max|%s|%s|%s' % (dt, up, v), lambda x: torch.clamp_max(x, float(v)), [grid(dt)], up)
        for op in GRAD_BINARY:
            emit_grads('grad|%s|%s|%s' % (op, dt, up), BINARY[op], list(product(dt, dt)), up)
        emit_grads('grad|where|%s|%s' % (dt, up), lambda a, b: torch.where(where_cond(len(a)), a, b),
                   list(product(dt, dt)), up)

# ------------------------------------------------------------------ the examples, by name
t = torch.tensor
emit('issue|int_pow_negative', lambda: t([2, 1, -1, 0, -2]) ** t([-1, -1, -1, -1, -2]))
emit('issue|one_pow_nan', lambda: t([1.0]) ** nan)
emit('issue|minus_one_pow_inf', lambda: t([-1.0, -1.0]) ** t([inf, -inf]))
emit('issue|int_pow_2.0', lambda: t([2, 3, -4]) ** 2.0)
emit('issue|bool_pow_2.0', lambda: t([True, False]) ** 2.0)
emit('issue|int_clamp_2.5_3.5', lambda: t([1, 3, 5]).clamp(2.5, 3.5))
emit('issue|int_pow_-1.0', lambda: t([2, 1, -1, 0, -2]) ** -1.0)
emit('issue|clamp_nan_1', lambda: t([0.0, 2.0, nan]).clamp(nan, 1.0))
emit_grads('issue|pow_0_0_grad', lambda x: x ** 0.0, [t([0.0])], 'ones')
emit_grads('issue|pow_tensor_0_0_grad', lambda x, y: x ** y, [t([0.0, 0.0, 0.0]), t([0.0, 2.0, -1.0])], 'ones')

# ================================================================== issue 14: more math
# The functions added for issue 14, on the same grids, pairs, Java numbers and upstream gradients. Where 1.13 and 2.x
# differ, the 2.x behaviour is what Ember follows and what is written here:
# - bitwise_left_shift / bitwise_right_shift: 2.x (aten/src/ATen/native/cpu/BinaryOpsKernel.cpp, lshift_kernel and
#   rshift_kernel) gives 0 for a left shift by a count < 0 or >= 64 and fills with the sign bit (a >> 63) for a right
#   shift by a count < 0 or >= 63; 1.13 shifted by the count modulo 64 (x86). The int64 expectations are computed by
#   shift_2x below from 2.x's rule.
# - xlogy's gradient: 2.x's derivatives.yaml has self: at::xlogy(grad, other).masked_fill((self == 0.) & (other <= 0.), 0.)
#   (and for a number other: other > 0 ? xlogy(grad, other) : xlogy(grad, other).masked_fill(self == 0., 0.)); 1.13 had
#   grad * at::xlogy((self != 0), other). The xlogy gradients are computed by xlogy_grad_2x below from 2.x's formula.
import torch.nn.functional as F

UNARY2 = {
    'log1p': torch.log1p, 'expm1': torch.expm1, 'log2': torch.log2, 'log10': torch.log10, 'exp2': torch.exp2,
    'tan': torch.tan, 'asin': torch.asin, 'acos': torch.acos, 'atan': torch.atan, 'sinh': torch.sinh, 'cosh': torch.cosh,
    'asinh': torch.asinh, 'acosh': torch.acosh, 'atanh': torch.atanh, 'rsqrt': torch.rsqrt, 'square': torch.square,
    'trunc': torch.trunc, 'frac': torch.frac, 'sgn': torch.sgn, 'erfc': torch.erfc, 'erfinv': torch.erfinv,
    'lgamma': torch.lgamma, 'digamma': torch.digamma, 'polygamma1': lambda x: torch.polygamma(1, x),
    'polygamma2': lambda x: torch.polygamma(2, x), 'logsigmoid': F.logsigmoid, 'bitwise_not': torch.bitwise_not,
    'isnan': torch.isnan, 'isinf': torch.isinf, 'isposinf': torch.isposinf, 'isneginf': torch.isneginf,
    'isreal': torch.isreal, 'nan_to_num': torch.nan_to_num,
    'nan_to_num_args': lambda x: torch.nan_to_num(x, nan=1.5, posinf=100.0, neginf=-1e40),
}
# The transcendental functions on the edge grid are computed one element at a time, on PyTorch's scalar path (the C
# library), which Ember follows: the vectorized path (SLEEF) flushes some subnormal results to zero (log1p and tan of
# the smallest subnormal give 0 there, the subnormal itself on the scalar path).
# log1p and tan take SLEEF's functions on every CPU path, which are off at the edges (log1p(FLT_MAX) and
# log1p(DBL_MAX) are inf, log1p(+-smallest subnormal) and tan(+-smallest double subnormal) 0): their edge grid is
# computed with the C library's functions (PyTorch's CUDA kernels call them; float32 rounded from double, as glibc's
# correctly rounded log1pf and tanf).
SCALAR_PATH2 = ['expm1', 'log2', 'log10', 'exp2', 'asin', 'acos', 'atan', 'sinh', 'cosh', 'asinh', 'acosh', 'atanh',
                'erfc', 'logsigmoid']
LIBM = {'log1p': math.log1p, 'tan': math.tan}


def libm(fn, x):
    out = []
    for v in x.tolist():
        try:
            out.append(fn(v))
        except ValueError:
            out.append(nan if not (fn is math.log1p and v == -1) else -inf)
        except OverflowError:
            out.append(inf)
    return torch.tensor(out, dtype=torch.float64).to(x.dtype)


for op, f in UNARY2.items():
    for dt in GRIDS:
        g = f
        if dt in ('float32', 'float64') and op in SCALAR_PATH2:
            g = (lambda x, f=f: per_element(f, x))
        if dt in ('float32', 'float64') and op in LIBM:
            g = (lambda x, op=op: libm(LIBM[op], x))
        emit('unary|%s|%s' % (op, dt), lambda: g(grid(dt)))


def shift_2x(a, b, left):
    """2.x's int64 shifts on lists of ints (see the note above)."""
    out = []
    for x, s in zip(a.tolist(), b.tolist()):
        if left:
            r = 0 if s < 0 or s >= 64 else (x << s)
            r &= 0xffffffffffffffff
            out.append(r - (1 << 64) if r >= 1 << 63 else r)
        else:
            out.append(x >> 63 if s < 0 or s >= 63 else x >> s)
    return torch.tensor(out, dtype=torch.int64)


def shift(left):
    def f(a, b):
        rt = torch.result_type(a, b)
        if rt == torch.int64:
            return shift_2x(a.to(rt) if a.dtype != rt else a, b.to(rt) if isinstance(b, torch.Tensor) else
                            torch.full_like(a, b, dtype=rt), left)
        return torch.bitwise_left_shift(a, b) if left else torch.bitwise_right_shift(a, b)
    return f


BINARY2 = {
    'atan2': torch.atan2, 'hypot': torch.hypot, 'fmod': torch.fmod, 'remainder': torch.remainder,
    'floor_divide': torch.floor_divide, 'div_trunc': lambda a, b: torch.div(a, b, rounding_mode='trunc'),
    'div_floor': lambda a, b: torch.div(a, b, rounding_mode='floor'),
    'div_none': lambda a, b: torch.div(a, b, rounding_mode=None), 'copysign': torch.copysign, 'fmax': torch.fmax,
    'fmin': torch.fmin, 'xlogy': torch.xlogy, 'bitwise_and': torch.bitwise_and, 'bitwise_or': torch.bitwise_or,
    'bitwise_xor': torch.bitwise_xor, 'bitwise_left_shift': shift(True), 'bitwise_right_shift': shift(False),
    'logical_xor': torch.logical_xor, 'lerp_0.25': lambda a, b: torch.lerp(a, b, 0.25),
    'lerp_0.75': lambda a, b: torch.lerp(a, b, 0.75), 'isclose': torch.isclose,
    'isclose_nan': lambda a, b: torch.isclose(a, b, equal_nan=True),
    'isclose_tol': lambda a, b: torch.isclose(a, b, rtol=0.5, atol=0.25),
}
# fmod, remainder and floor division (which uses fmod) on the scalar path too: the vectorized path's fmod (SLEEF) gives
# NaN where the quotient overflows (fmod(FLT_MAX, 0.5), fmod(1, 1e-320)), where C's fmod is exact.
FMOD_PATH = ['fmod', 'remainder', 'floor_divide', 'div_floor']
for op, f in BINARY2.items():
    for da, db in PAIRS:
        g = (lambda a, b, f=f: per_element(f, a, b)) if op in FMOD_PATH else f
        emit('binary|%s|%s|%s' % (op, da, db), lambda: g(*product(da, db)))

# integer division without zero divisors (a zero divisor raises ZeroDivisionError, as the int64 pairs above show);
# INT64_MIN / -1 is left out (it traps in C)
INT_DIVIDENDS = [0, 1, -1, 2, -2, 3, -3, 7, -7, 62, 63, 64, I64_MAX]
INT_DIVISORS = [1, -1, 2, -2, 3, -3, 7, -7, 64, I64_MAX, I64_MIN]
INT_DIVISION = ['fmod', 'remainder', 'floor_divide', 'div_trunc', 'div_floor']


def int_pairs():
    a = torch.tensor(INT_DIVIDENDS + [I64_MIN] * 5)
    b = torch.tensor(INT_DIVISORS)
    pa, pb = a[:13].repeat_interleave(len(b)), b.repeat(13)
    return torch.cat([pa, a[13:]]), torch.cat([pb, torch.tensor([1, 2, -2, 7, I64_MIN])])


for op in INT_DIVISION:
    emit('intdiv|%s' % op, lambda: BINARY2[op](*int_pairs()))

SCALAR2 = {
    'fmod': torch.fmod, 'remainder': torch.remainder, 'floor_divide': torch.floor_divide,
    'div_trunc': lambda x, s: torch.div(x, s, rounding_mode='trunc'),
    'div_floor': lambda x, s: torch.div(x, s, rounding_mode='floor'), 'copysign': torch.copysign,
    'xlogy': torch.xlogy, 'xlogy_self': lambda x, s: torch.xlogy(s, x),
    'bitwise_and': torch.bitwise_and, 'bitwise_or': torch.bitwise_or, 'bitwise_xor': torch.bitwise_xor,
    'bitwise_left_shift': shift(True), 'bitwise_right_shift': shift(False),
}
DOUBLE_OPS2 = ['fmod', 'remainder', 'floor_divide', 'div_trunc', 'div_floor', 'copysign', 'xlogy', 'xlogy_self']
LONG_OPS2 = ['fmod', 'remainder', 'floor_divide', 'div_trunc', 'div_floor', 'bitwise_and', 'bitwise_or',
             'bitwise_xor', 'bitwise_left_shift', 'bitwise_right_shift']
for op, f in SCALAR2.items():
    if op in FMOD_PATH:
        f = (lambda x, v, f=f: per_element(lambda e: f(e, v), x))
    for dt in GRIDS:
        if op in DOUBLE_OPS2:
            for s in DOUBLE_SCALARS:
                emit('scalar|%s|%s|d|%s' % (op, dt, s), lambda: f(grid(dt), scalar('d', s)))
        if op in LONG_OPS2:
            for s in LONG_SCALARS:
                if dt == 'int64' and s == '-1' and op in INT_DIVISION:
                    continue  # INT64_MIN / -1 traps in C (SIGFPE)
                emit('scalar|%s|%s|l|%s' % (op, dt, s), lambda: f(grid(dt), scalar('l', s)))

LERP_WEIGHTS = [0.25, 0.75, -0.5, 1.5, 0.0, 1.0, 0.5, -2.0, nan]


def lerp_weights(n, dtype):
    return torch.tensor([LERP_WEIGHTS[i % len(LERP_WEIGHTS)] for i in range(n)], dtype=DTYPES[dtype])


# lerp with a tensor weight: 2.x's kernel (aten/src/ATen/native/Lerp.h, is_lerp_weight_small(w) = |w| < 0.5, and the
# vectorized lerp_vec: fmadd(coeff, end - self, base) with coeff = w or w - 1, base = self or end) is emulated here,
# the fused multiply-add rounded once with exact fractions; 1.13's kernel tested w < 0.5 without the absolute value.
from fractions import Fraction


def lerp_2x(a, b, w):
    dt = a.dtype
    diff = (b - a)
    out = []
    for x, y, d, ww in zip(a.tolist(), b.tolist(), diff.tolist(), w.tolist()):
        if math.isnan(ww) or math.isnan(d) or math.isnan(x) or math.isnan(y) or math.isinf(d) or math.isinf(x) \
                or math.isinf(y):
            small = abs(ww) < 0.5
            coeff = torch.tensor(ww, dtype=dt) if small else torch.tensor(ww, dtype=dt) - 1
            base = x if small else y
            out.append((torch.tensor(base, dtype=torch.float64) + coeff.double() * torch.tensor(d, dtype=torch.float64)).item())
            continue
        small = abs(ww) < 0.5
        coeff = ww if small else (torch.tensor(ww, dtype=dt) - 1).item()
        base = x if small else y
        exact = Fraction(base) + Fraction(coeff) * Fraction(d)
        try:
            r = float(exact)
        except OverflowError:
            r = math.inf if exact > 0 else -math.inf
        if exact == 0:
            r = base + coeff * d  # the sign of a zero sum, as IEEE addition gives it
        out.append(r)
    return torch.tensor(out, dtype=torch.float64).to(dt)


for dt in ('float32', 'float64'):
    def lerp_tensor():
        a, b = product(dt, dt)
        return lerp_2x(a, b, lerp_weights(len(a), dt))
    emit('lerpw|%s' % dt, lerp_tensor)

# sweeps: each function on points of its domain (multiples of a power of two, exact in both types)
SWEEP2 = {
    'log1p': (-0.75, 6, 55), 'expm1': (-6, 6, 97), 'log2': (0.125, 8, 64), 'log10': (0.125, 8, 64), 'exp2': (-6, 6, 97),
    'tan': (-6, 6, 97), 'asin': (-1, 1, 65), 'acos': (-1, 1, 65), 'atan': (-6, 6, 97), 'sinh': (-6, 6, 97),
    'cosh': (-6, 6, 97), 'asinh': (-6, 6, 97), 'acosh': (1, 7, 49), 'atanh': (-1, 1, 65), 'rsqrt': (0.125, 8, 64),
    'erfc': (-6, 6, 97), 'erfinv': (-1, 1, 129), 'lgamma': (-6, 6, 97), 'digamma': (-6, 6, 97),
    'polygamma1': (-6, 6, 97), 'polygamma2': (-6, 6, 97), 'logsigmoid': (-6, 6, 97),
}
for op, (lo, hi, n) in SWEEP2.items():
    for dt in ('float32', 'float64'):
        emit('sweep|%s|%s' % (op, dt), lambda: UNARY2[op](torch.linspace(lo, hi, n, dtype=torch.float64).to(DTYPES[dt])))
# erfinv close to +-1, where its Newton steps divide erf's error by a small slope
for dt in ('float32', 'float64'):
    emit('sweep|erfinv_tail|%s' % dt, lambda: torch.erfinv(torch.tensor(
        [0.9, -0.95, 0.99, -0.995, 0.999, -0.9999, 0.99999, 1 - 2.0**-20, -(1 - 2.0**-24)], dtype=DTYPES[dt])))


def xlogy_grad_2x(key, x, y, up, scalar_self=None, scalar_other=None):
    """2.x's xlogy gradients (see the note above), as the tensors Ember's backward must produce."""
    try:
        if scalar_self is not None:
            out = torch.xlogy(scalar_self, y)
            g = upstream(up, out.numel(), dtype_of(out))
            print('%s|0\t%s' % (key, enc(g * scalar_self / y)))
            return
        if scalar_other is not None:
            out = torch.xlogy(x, scalar_other)
            g = upstream(up, out.numel(), dtype_of(out))
            d = torch.xlogy(g, scalar_other)
            if not scalar_other > 0:
                d = d.masked_fill(x == 0., 0.)
            print('%s|0\t%s' % (key, enc(d)))
            return
        out = torch.xlogy(x, y)
        g = upstream(up, out.numel(), dtype_of(out))
        print('%s|0\t%s' % (key, enc(torch.xlogy(g, y).masked_fill((x == 0.) & (y <= 0.), 0.))))
        print('%s|1\t%s' % (key, enc(g * x / y)))
    except RuntimeError as e:
        print(key + '\t!\t' + str(e).split('\n')[0])


def remainder_grads(key, a, b, up):
    """remainder's gradients by derivatives.yaml's formula (self: grad, other: -grad * self.div(other, "floor")) with the
    floor division on the scalar path (see FMOD_PATH): running per_element through autograd would sum the slices'
    gradients into zeros and lose the signs of zero gradients."""
    g = upstream(up, a.numel(), dtype_of(a))
    print('%s|0\t%s' % (key, enc(g)))
    print('%s|1\t%s' % (key, enc(-g * per_element(BINARY2['div_floor'], a, b))))


GRAD_UNARY2 = ['log1p', 'expm1', 'log2', 'log10', 'exp2', 'tan', 'asin', 'acos', 'atan', 'sinh', 'cosh', 'asinh',
               'acosh', 'atanh', 'rsqrt', 'trunc', 'frac', 'sgn', 'erfc', 'erfinv', 'lgamma', 'digamma', 'polygamma1',
               'logsigmoid', 'nan_to_num']
GRAD_BINARY2 = ['atan2', 'hypot', 'fmod', 'remainder', 'div_trunc', 'div_floor', 'div_none', 'copysign', 'fmax',
                'fmin', 'lerp_0.25', 'lerp_0.75']
GRAD_SCALAR2 = [('fmod', '2.5'), ('remainder', '-1.5'), ('copysign', '-0.0'), ('copysign', '2.0')]
for dt in ('float32', 'float64'):
    for up in ('ones', 'edge'):
        for op in GRAD_UNARY2:
            emit_grads('grad|%s|%s|%s' % (op, dt, up), UNARY2[op], [grid(dt)], up)
        for op in GRAD_BINARY2:
            if op == 'remainder':
                remainder_grads('grad|%s|%s|%s' % (op, dt, up), *product(dt, dt), up)
            else:
                emit_grads('grad|%s|%s|%s' % (op, dt, up), BINARY2[op], list(product(dt, dt)), up)
        for op, s in GRAD_SCALAR2:
            emit_grads('grad|%s_s|%s|%s|%s' % (op, dt, up, s), lambda x: SCALAR2[op](x, float(s)), [grid(dt)], up)
        a, b = product(dt, dt)
        emit_grads('grad|lerpw|%s|%s' % (dt, up), lambda x, y, w: torch.lerp(x, y, w),
                   [a, b, lerp_weights(len(a), dt)], up)
        xlogy_grad_2x('grad|xlogy|%s|%s' % (dt, up), a, b, up)
        for s in ('2.0', '0.0', '-1.0', 'nan'):
            xlogy_grad_2x('grad|xlogy_s|%s|%s|%s' % (dt, up, s), grid(dt), None, up, scalar_other=float(s))
            xlogy_grad_2x('grad|xlogy_self|%s|%s|%s' % (dt, up, s), None, grid(dt), up, scalar_self=float(s))
