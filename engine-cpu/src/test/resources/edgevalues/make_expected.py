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
