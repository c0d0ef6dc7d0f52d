# Differential fuzz cases for DifferentialFuzzTest.java: seeded random calls of Ember's ops on operands of every dtype,
# broadcast shapes and view layouts, with PyTorch's result (or its error message).
#   run: cd engine-cpu/src/test/resources/fuzz && /usr/bin/python3 make_cases.py > cases.txt   (PyTorch 1.13, CPU)
#
# Format (one block per case):
#   === <id> <method>            the Ember method (instance method on the first tensor argument, else a static one)
#   a<i> <tag> <value>            the arguments, in the order of Ember's parameters:
#       T <dtype> [base shape] : [base values] @ <view recipe>   a tensor: the base tensor, then the view steps
#                                 ("permute 1 0", "slice d start end step", "narrow d start len", "expand s0 s1 ..",
#                                 "diagonal off d1 d2", "unfold d size step", "unsqueeze d"), separated by " ; "
#       L <int>   a Python int (Java long, a wrapped number)     D <float>  a Python float (Java double)
#       B <bool>  a Python bool (Java: a 0-dim bool tensor, which promotes exactly as a wrapped bool: bool is the lowest
#                 category, so neither ever raises another operand's dtype)
#       i <int> (Java int)   il <ints> (int[])   b <bool> (boolean)   dt <dtype> (DType)   s <str> (String)
#       TL <n>    the list of the n tensor arguments that follow (cat/stack)     N  null (an absent optional)
#   out<k> <dtype> [shape] : [values]   output k (values, then indices for sort/topk/max(dim)/...); ints exact
#   base0 ...   for an in-place op on a view: the base of argument 0 after the op (the write must land in the base)
#   grad<i> ... for float64 cases of differentiable ops: the gradient of sum(out0 * w) w.r.t. tensor argument i's
#               BASE (before its view recipe), w[k] = 1 + 0.5 ((3k) mod 11) over out0's row-major elements
#   error <Type> <message>        PyTorch's error (first line)
#   loose           indices may legitimately differ on ties (topk): the test checks values, and that the indices
#                   point at those values
#   note <text>     where the case follows PyTorch 2.x rather than the 1.13 that wrote it
#
# 1.13 vs 2.x (Ember follows 2.x):
# - float16/bfloat16 ops 1.13 has no CPU kernel for ("not implemented for 'Half'"/'BFloat16') exist in 2.x, which
#   computes them in float32 (opmath) and rounds once: such cases are recomputed here from float32 inputs and rounded,
#   marked "note". mm/bmm/matmul/dot/mv/addmm on half are likewise 2.x-only (computed in float32 here).
# - bitwise shifts by >= the type's width or by negative amounts changed in 2.x: shift amounts are kept in 0..3.
# - comparisons of an integer tensor with an out-of-range Python int changed in 2.x: scalars stay in range.
# - uint8 masks/conditions are deprecated: masks are bool.
# - int ** negative int Python scalar: same error in both.
# - 1.13's CPU bfloat16 mm/dot accumulate in bfloat16; 2.x (and Ember) accumulate in float32 and round once: the
#   reduced-precision matmul family is computed here in float32 and rounded, marked "note".
# - pow(int tensor, float64 tensor)'s gradient for the exponent: 2.x takes log of the base promoted to float64, 1.13 of
#   its float32 log: the gradient is computed here from a float64 copy of the base, marked "note".
# - var/std over the whole tensor with correction >= numel: 1.13's gradient is inf, 2.x's NaN where self == mean: no
#   gradient recorded for those.
# Cases left out (excluded(), each with its reason): in-place ops on self-overlapping unfold windows (unspecified in
# PyTorch), median of an empty integer tensor (NaN cast to an integer), integral Java doubles for alpha/beta/value
# that PyTorch refuses as Python floats (Ember takes them as Python ints), 1.13's median(dim) of expanded inputs (a 1.13
# bug).
# Not covered (Ember has no such overload): clamp with tensor bounds, scalar-first ops other than rsub,
# maximum/atan2/hypot/logical_* with a scalar; complex dtypes; CUDA.
import math
import os
import random
import sys

import numpy as np
import torch

SEED = int(os.environ.get("FUZZ_SEED", "21"))  # another seed (FUZZ_SEED=22) draws a fresh set for a local hunt
rng = random.Random(SEED)

DT = {'bool': torch.bool, 'uint8': torch.uint8, 'int8': torch.int8, 'int16': torch.int16, 'int32': torch.int32,
      'int64': torch.int64, 'float16': torch.float16, 'bfloat16': torch.bfloat16, 'float32': torch.float32,
      'float64': torch.float64}
NAME = {v: k for k, v in DT.items()}
INTS = ['uint8', 'int8', 'int16', 'int32', 'int64']
FLOATS = ['float16', 'bfloat16', 'float32', 'float64']
ALL = ['bool'] + INTS + FLOATS
NUMERIC = INTS + FLOATS
# weights of the dtypes drawn (float64 and float32 more often: float64 cases also check gradients)
WEIGHTED = ALL + ['float64', 'float64', 'float32', 'int64']

SHAPES = [[], [0], [1], [3], [5], [2, 3], [3, 1], [1, 4], [2, 0], [3, 4], [2, 3, 2], [2, 1, 3], [4, 4], [2, 2, 2, 2],
          [6], [3, 3], [1, 1, 3]]

FLOAT_POOL = [-3.0, -2.5, -1.5, -1.0, -0.75, -0.5, -0.25, 0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 2.5, 3.5, 4.0, 7.0, 0.3, -1.7,
              2.2]
SPECIAL = [float('nan'), float('inf'), float('-inf'), -0.0]


def numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def values(dtype, n, positive=False, special=True, small=False):
    out = []
    for _ in range(n):
        if dtype == 'bool':
            out.append(rng.random() < 0.5)
        elif dtype == 'uint8':
            out.append(rng.choice([0, 1, 2, 3, 5, 7, 9, 12, 200, 255]) if not small else rng.randint(0, 3))
        elif dtype in INTS:
            if small:
                out.append(rng.randint(0, 3))
            elif positive:
                out.append(rng.randint(1, 6))
            else:
                v = rng.randint(-6, 6)
                if dtype == 'int8' and rng.random() < 0.05:
                    v = rng.choice([-128, 127])
                out.append(v)
        else:
            if special and rng.random() < 0.04:
                out.append(rng.choice(SPECIAL))
            else:
                v = rng.choice(FLOAT_POOL)
                out.append(abs(v) + 0.25 if positive else v)
    return out


# ---- view recipes: build (base shape, steps) whose replay on the base gives a tensor of the target shape ----

def recipe_step(shape, allow=('permute', 'slice', 'narrow', 'expand', 'diagonal', 'unfold', 'unsqueeze')):
    """One step: returns (base shape, step) with step(base) of `shape`, or None."""
    nd = len(shape)
    kinds = [k for k in allow if
             (k != 'permute' or nd >= 2) and (k not in ('slice', 'narrow') or nd >= 1) and
             (k != 'diagonal' or nd >= 1) and (k != 'unfold' or (nd >= 2 and shape[-2] > 0 and shape[-1] > 0)) and
             (k != 'expand' or nd >= 1) and (k != 'unsqueeze' or 1 in shape)]
    if not kinds:
        return None
    k = rng.choice(kinds)
    if k == 'permute':
        p = list(range(nd))
        while p == list(range(nd)):
            rng.shuffle(p)
        base = [0] * nd
        for i in range(nd):
            base[p[i]] = shape[i]
        return base, 'permute ' + ' '.join(map(str, p))
    if k == 'slice':
        d = rng.randrange(nd)
        step = rng.choice([2, 3])
        base = list(shape)
        base[d] = shape[d] * step + 1
        return base, 'slice %d 1 %d %d' % (d, 1 + shape[d] * step, step)
    if k == 'narrow':
        d = rng.randrange(nd)
        base = list(shape)
        base[d] = shape[d] + 2
        return base, 'narrow %d 1 %d' % (d, shape[d])
    if k == 'expand':
        base = [1 if rng.random() < 0.6 else s for s in shape]
        drop = rng.randint(0, min(1, len(base)))
        if drop and base[0] == 1:
            base = base[1:]
        if base == list(shape):
            base = [1] + base[1:] if nd >= 1 else base
        return base, 'expand ' + ' '.join(map(str, shape))
    if k == 'diagonal':
        n = shape[-1]
        if rng.random() < 0.5:
            return list(shape[:-1]) + [n, n + 1], 'diagonal 0 %d %d' % (nd - 1, nd)
        return list(shape[:-1]) + [n + 1, n], 'diagonal -1 -2 -1'
    if k == 'unfold':
        size, windows = shape[-1], shape[-2]
        step = rng.choice([1, 2])
        base = list(shape[:-2]) + [(windows - 1) * step + size]
        return base, 'unfold %d %d %d' % (nd - 2, size, step)
    if k == 'unsqueeze':
        d = shape.index(1)
        return list(shape[:d]) + list(shape[d + 1:]), 'unsqueeze %d' % d
    return None


def layout(shape, p_view=0.6, allow=None):
    """(base shape, [steps]) for a tensor of `shape`: contiguous, or one or two view steps."""
    steps = []
    base = list(shape)
    if rng.random() < p_view:
        for _ in range(1 if rng.random() < 0.75 else 2):
            r = recipe_step(base) if allow is None else recipe_step(base, allow)
            if r is None:
                break
            base, st = r
            steps.insert(0, st)
    return base, steps


def replay(t, steps):
    for st in steps:
        w = st.split()
        a = [int(x) for x in w[1:]]
        if w[0] == 'permute':
            t = t.permute(*a)
        elif w[0] == 'slice':
            idx = [slice(None)] * t.dim()
            idx[a[0]] = slice(a[1], a[2], a[3])
            t = t[tuple(idx)]
        elif w[0] == 'narrow':
            t = t.narrow(*a)
        elif w[0] == 'expand':
            t = t.expand(*a)
        elif w[0] == 'diagonal':
            t = t.diagonal(*a)
        elif w[0] == 'unfold':
            t = t.unfold(*a)
        elif w[0] == 'unsqueeze':
            t = t.unsqueeze(a[0])
        else:
            raise ValueError(st)
    return t


class TArg:
    def __init__(self, dtype, shape, view=True, positive=False, special=True, small=False, vals=None, allow=None,
                 p_view=0.6):
        self.dtype = dtype
        if vals is not None:
            # given values (indices): only non-overlapping steps, the base filled with 0 around the view
            allow = [k for k in (allow or ('permute', 'slice', 'narrow', 'diagonal', 'unsqueeze'))
                     if k in ('permute', 'slice', 'narrow', 'diagonal', 'unsqueeze')]
        self.base_shape, self.steps = layout(shape, p_view if view else 0.0, allow)
        n = numel(self.base_shape)
        if vals is not None:
            base = torch.zeros(self.base_shape, dtype=torch.int64)
            replay(base, self.steps).copy_(torch.tensor(vals, dtype=torch.int64).reshape(shape))
            vals = base.reshape(-1).tolist()
        self.vals = vals if vals is not None else values(dtype, n, positive, special, small)

    def make(self, requires_grad=False):
        if self.dtype in ('float16', 'bfloat16'):
            base = torch.tensor(self.vals, dtype=torch.float64).to(DT[self.dtype]).reshape(self.base_shape)
        else:
            base = torch.tensor(self.vals, dtype=DT[self.dtype]).reshape(self.base_shape)
        if requires_grad:
            base.requires_grad_(True)
        self.base = base
        return replay(base, self.steps)

    def line(self):
        s = 'T %s %s : %s' % (self.dtype, list(self.base_shape), fmt_vals(self.vals, self.dtype))
        if self.steps:
            s += ' @ ' + ' ; '.join(self.steps)
        return s


def fmt_num(v):
    if isinstance(v, bool):
        return 'True' if v else 'False'
    if isinstance(v, int):
        return str(v)
    if math.isnan(v):
        return 'nan'
    if math.isinf(v):
        return 'inf' if v > 0 else '-inf'
    return repr(float(v))


def fmt_vals(vals, dtype):
    return '[' + ', '.join(fmt_num(v) for v in vals) + ']'


def fmt_tensor(t):
    t = t.detach().clone()
    name = NAME[t.dtype]
    flat = t.reshape(-1)
    if t.dtype in (torch.float32, torch.float16):
        # the shortest decimal that reads back (through a double) as the same float32/float16 value
        npt = np.float32 if t.dtype == torch.float32 else np.float16
        vals = [fmt_num(float(v)) if not math.isfinite(v) else str(npt(v)) for v in flat.double().tolist()]
        vals = [v[:-2] + '.0' if v.endswith('.0') else v for v in vals]
        return '%s %s : [%s]' % (name, list(t.shape), ', '.join(vals))
    if t.dtype == torch.bfloat16:
        flat = flat.double()
    vals = flat.tolist()
    return '%s %s : %s' % (name, list(t.shape), fmt_vals(vals, name))


def broadcast_shapes_for(shape, k):
    """k operand shapes broadcasting to `shape`."""
    out = []
    for _ in range(k):
        r = rng.random()
        if r < 0.45 or not shape:
            out.append(list(shape))
        elif r < 0.6:
            out.append([])
        elif r < 0.8:
            out.append(list(shape[rng.randint(1, len(shape)):]))
        else:
            out.append([1 if rng.random() < 0.5 else s for s in shape])
    return out


def pyscalar(kind, dtype_hint=None, positive=False):
    if kind == 'L':
        return rng.randint(1, 4) if positive else rng.choice([-3, -2, -1, 0, 1, 2, 3, 5])
    if kind == 'D':
        return rng.choice([2.5, 0.5, 1.5, 3.0]) if positive else rng.choice([-2.5, -1.0, 0.0, 0.5, 1.5, 2.0, 3.25])
    return rng.choice([True, False])


# ---- the op table ----
# Each entry: ember name -> (generator returning the argument list, torch function of the materialized arguments,
#                            differentiable?)
# An argument is ('T', TArg) / ('L', int) / ('D', float) / ('B', bool) / ('i', int) / ('il', [ints]) / ('b', bool) /
# ('dt', name) / ('s', str) / ('TL', n) / ('N', None).

OPS = {}


def op(name, gen, fn, diff=True, weight=1.0):
    OPS[name] = (gen, fn, diff, weight)


def bin_gen(dtypes=ALL, scalars='LDB', rhs_dtypes=None, rhs_positive=False, rhs_small=False, scalar_positive=False):
    def g():
        shape = rng.choice(SHAPES)
        sa, sb = broadcast_shapes_for(shape, 2)
        a = ('T', TArg(rng.choice(dtypes), sa))
        if scalars and rng.random() < 0.3:
            k = rng.choice(scalars)
            v = pyscalar(k, positive=scalar_positive)
            if rhs_small and k == 'L':
                v = rng.randint(0, 3)
            return [a, (k, v)]
        return [a, ('T', TArg(rng.choice(rhs_dtypes or dtypes), sb, positive=rhs_positive, small=rhs_small))]
    return g


def S(x):
    return x


# elementwise binary
op('add', bin_gen(), lambda a, b: torch.add(a, b), weight=2)
op('sub', bin_gen(), lambda a, b: torch.sub(a, b), weight=1.5)
op('mul', bin_gen(), lambda a, b: torch.mul(a, b), weight=2)
op('div', bin_gen(scalars='LD'), lambda a, b: torch.div(a, b), weight=1.5)


def div_mode_gen():
    args = bin_gen(scalars='LD')()
    return args + [('s', rng.choice(['trunc', 'floor']))]


op('div:mode', div_mode_gen, lambda a, b, m: torch.div(a, b, rounding_mode=m), weight=1.5)
op('floorDivide', bin_gen(dtypes=NUMERIC, scalars='LD'), lambda a, b: torch.floor_divide(a, b))
op('remainder', bin_gen(dtypes=NUMERIC, scalars='LD'), lambda a, b: torch.remainder(a, b), weight=1.5)
op('fmod', bin_gen(dtypes=NUMERIC, scalars='LD'), lambda a, b: torch.fmod(a, b), weight=1.5)
op('pow', bin_gen(dtypes=NUMERIC, scalars='LD', rhs_small=True), lambda a, b: torch.pow(a, b), weight=2)
op('atan2', bin_gen(scalars=''), lambda a, b: torch.atan2(a, b))
op('maximum', bin_gen(scalars=''), lambda a, b: torch.maximum(a, b))
op('minimum', bin_gen(scalars=''), lambda a, b: torch.minimum(a, b))
op('fmax', bin_gen(scalars=''), lambda a, b: torch.fmax(a, b))
op('fmin', bin_gen(scalars=''), lambda a, b: torch.fmin(a, b))
for _n, _f in [('eq', torch.eq), ('ne', torch.ne), ('lt', torch.lt), ('le', torch.le), ('gt', torch.gt),
               ('ge', torch.ge)]:
    op(_n, bin_gen(scalars='LD'), (lambda f: lambda a, b: f(a, b))(_f), diff=False, weight=0.7)
for _n, _f in [('logicalAnd', torch.logical_and), ('logicalOr', torch.logical_or), ('logicalXor', torch.logical_xor)]:
    op(_n, bin_gen(scalars=''), (lambda f: lambda a, b: f(a, b))(_f), diff=False, weight=0.7)
for _n, _f in [('bitwiseAnd', torch.bitwise_and), ('bitwiseOr', torch.bitwise_or), ('bitwiseXor', torch.bitwise_xor)]:
    op(_n, bin_gen(dtypes=['bool'] + INTS, scalars='L'), (lambda f: lambda a, b: f(a, b))(_f), diff=False, weight=0.7)
for _n, _f in [('bitwiseLeftShift', torch.bitwise_left_shift), ('bitwiseRightShift', torch.bitwise_right_shift)]:
    op(_n, bin_gen(dtypes=INTS, scalars='L', rhs_small=True), (lambda f: lambda a, b: f(a, b))(_f), diff=False,
       weight=0.7)
op('copysign', bin_gen(scalars='D'), lambda a, b: torch.copysign(a, b))
op('hypot', bin_gen(dtypes=FLOATS, scalars=''), lambda a, b: torch.hypot(a, b))
op('xlogy', bin_gen(scalars='D', rhs_positive=True), lambda a, b: torch.xlogy(a, b))
op('logaddexp', bin_gen(dtypes=FLOATS, scalars=''), lambda a, b: torch.logaddexp(a, b))
op('nextafter', bin_gen(dtypes=['float32', 'float64'], scalars=''), lambda a, b: torch.nextafter(a, b), diff=False)
op('heaviside', bin_gen(scalars=''), lambda a, b: torch.heaviside(a, b), diff=False, weight=0.5)


def add_alpha_gen():
    a, b = bin_gen(scalars='')()
    return [a, b, ('D', rng.choice([2.0, -0.5, 1.5]))]


op('add:alpha', add_alpha_gen, lambda a, b, al: torch.add(a, b, alpha=al))
op('sub:alpha', add_alpha_gen, lambda a, b, al: torch.sub(a, b, alpha=al))


def where_gen():
    shape = rng.choice(SHAPES)
    sc, sa, sb = broadcast_shapes_for(shape, 3)
    c = ('T', TArg('bool', sc))
    a = ('T', TArg(rng.choice(ALL), sa))
    if rng.random() < 0.3:
        k = rng.choice('LD')
        return [c, a, (k, pyscalar(k))]
    return [c, a, ('T', TArg(rng.choice(ALL), sb))]


op('where', where_gen, lambda c, a, b: torch.where(c, a, b), weight=1.5)


def clamp_gen():
    t = ('T', TArg(rng.choice(NUMERIC), rng.choice(SHAPES)))
    k = rng.choice('LD')
    lo = pyscalar(k)
    hi = lo + rng.choice([0, 1, 2, 3]) if k == 'L' else lo + rng.choice([0.0, 0.5, 2.0])
    if rng.random() < 0.15:
        lo, hi = hi + 1, lo  # min > max: PyTorch gives max everywhere
    return [t, (k, lo), (k, hi)]


op('clamp', clamp_gen, lambda t, lo, hi: torch.clamp(t, lo, hi), weight=1.5)


def clamp1_gen():
    t = ('T', TArg(rng.choice(NUMERIC), rng.choice(SHAPES)))
    k = rng.choice('LD')
    return [t, (k, pyscalar(k))]


op('clampMin', clamp1_gen, lambda t, lo: torch.clamp(t, min=lo))
op('clampMax', clamp1_gen, lambda t, hi: torch.clamp(t, max=hi))


def lerp_gen():
    shape = rng.choice(SHAPES)
    sa, sb, sw = broadcast_shapes_for(shape, 3)
    dt = rng.choice(FLOATS + ['float64'])
    dt2 = dt if rng.random() < 0.85 else rng.choice(ALL)
    a = ('T', TArg(dt, sa))
    b = ('T', TArg(dt2, sb))
    if rng.random() < 0.5:
        return [a, b, ('D', rng.choice([0.25, 0.5, 0.75, 1.5]))]
    return [a, b, ('T', TArg(dt, sw))]


op('lerp', lerp_gen, lambda a, b, w: torch.lerp(a, b, w))


def addc_gen():
    shape = rng.choice(SHAPES)
    s0, s1, s2 = broadcast_shapes_for(shape, 3)
    dts = [rng.choice(NUMERIC) for _ in range(3)]
    if rng.random() < 0.6:
        dts = [dts[0]] * 3
    args = [('T', TArg(dts[0], s0)), ('T', TArg(dts[1], s1)), ('T', TArg(dts[2], s2, positive=True))]
    return args + [('D', rng.choice([1.0, 0.5, -2.0, -1.5]))]


op('addcmul', addc_gen, lambda a, b, c, v: torch.addcmul(a, b, c, value=v))
op('addcdiv', addc_gen, lambda a, b, c, v: torch.addcdiv(a, b, c, value=v))

# unary
UNARY = {
    'abs': torch.abs, 'neg': torch.neg, 'sign': torch.sign, 'sgn': torch.sgn, 'sqrt': torch.sqrt, 'exp': torch.exp,
    'log': torch.log, 'sin': torch.sin, 'cos': torch.cos, 'tanh': torch.tanh, 'sigmoid': torch.sigmoid,
    'round': torch.round, 'trunc': torch.trunc, 'floor': torch.floor, 'ceil': torch.ceil, 'frac': torch.frac,
    'reciprocal': torch.reciprocal, 'rsqrt': torch.rsqrt, 'erf': torch.erf, 'erfc': torch.erfc,
    'logicalNot': torch.logical_not, 'bitwiseNot': torch.bitwise_not, 'expm1': torch.expm1, 'log1p': torch.log1p,
    'log2': torch.log2, 'log10': torch.log10, 'exp2': torch.exp2, 'square': torch.square, 'signbit': torch.signbit,
    'isnan': torch.isnan, 'isinf': torch.isinf, 'isfinite': torch.isfinite, 'nanToNum': torch.nan_to_num,
    'asin': torch.asin, 'atan': torch.atan, 'cosh': torch.cosh, 'sinc': torch.sinc, 'positive': torch.positive,
}
NODIFF = {'sign', 'round', 'trunc', 'floor', 'ceil', 'logicalNot', 'bitwiseNot', 'signbit', 'isnan', 'isinf',
          'isfinite'}


def unary_gen():
    return [('T', TArg(rng.choice(WEIGHTED), rng.choice(SHAPES)))]


for _n, _f in UNARY.items():
    op(_n, unary_gen, (lambda f: lambda a: f(a))(_f), diff=_n not in NODIFF, weight=0.8)


def round_dec_gen():
    return [('T', TArg(rng.choice(FLOATS), rng.choice(SHAPES))), ('i', rng.choice([0, 1, 2, -1]))]


op('round:decimals', round_dec_gen, lambda a, d: torch.round(a, decimals=d), diff=False, weight=0.5)


# reductions
def dims_for(shape, multi=True):
    nd = len(shape)
    if nd == 0:
        return [rng.choice([0, -1])] if rng.random() < 0.5 else []
    k = rng.randint(1, nd if multi else 1)
    ds = rng.sample(range(nd), k)
    return [d - nd if rng.random() < 0.3 else d for d in ds]


def red_gen(dtypes=ALL, with_dtype=False):
    def g():
        shape = rng.choice(SHAPES)
        t = ('T', TArg(rng.choice(dtypes), shape))
        ds = dims_for(shape)
        args = [t, ('il', ds), ('b', rng.random() < 0.4)]
        if with_dtype:
            d = rng.choice(['float64', 'float32', 'int64', 'float16', 'int32']) if rng.random() < 0.3 else None
            if d:  # Ember's overload with a DType (its dtype may not be null: the overload without it is PyTorch's None)
                args.append(('dt', d))
        return args
    return g


def _dt(d):
    return None if d is None else DT[d]


op('sum', red_gen(with_dtype=True), lambda t, ds, k, d=None: torch.sum(t, ds, keepdim=k, dtype=_dt(d)), weight=2)
op('mean', red_gen(dtypes=FLOATS, with_dtype=True), lambda t, ds, k, d=None: torch.mean(t, ds, keepdim=k, dtype=_dt(d)),
   weight=1.5)
op('nansum', red_gen(dtypes=NUMERIC), lambda t, ds, k: torch.nansum(t, ds, keepdim=k))
op('amax', red_gen(), lambda t, ds, k: torch.amax(t, ds, keepdim=k))
op('amin', red_gen(), lambda t, ds, k: torch.amin(t, ds, keepdim=k))
def seq_reduce(f):
    # 2.x's all/any over a tuple of dims (1.13 takes one dim): one dim at a time, the highest first
    def g(t, ds, k):
        nd = max(t.dim(), 1)
        for d in sorted({d % nd for d in ds}, reverse=True):
            t = f(t, d, keepdim=k)
        return t
    return g


def red_gen_nonempty(dtypes=ALL):
    def g():
        args = red_gen(dtypes)()
        if not args[1][1]:
            args[1] = ('il', [0])
        return args
    return g


op('all', red_gen_nonempty(), seq_reduce(torch.all), diff=False)
op('any', red_gen_nonempty(), seq_reduce(torch.any), diff=False)
op('logsumexp', red_gen(dtypes=FLOATS), lambda t, ds, k: torch.logsumexp(t, ds, keepdim=k))


def std_gen():
    shape = rng.choice(SHAPES)
    return [('T', TArg(rng.choice(FLOATS), shape)), ('il', dims_for(shape)), ('i', rng.choice([0, 1, 1, 2])),
            ('b', rng.random() < 0.4)]


op('std', std_gen, lambda t, ds, c, k: torch.std(t, ds, correction=c, keepdim=k))
op('var', std_gen, lambda t, ds, c, k: torch.var(t, ds, correction=c, keepdim=k))


def norm_gen():
    shape = rng.choice(SHAPES)
    return [('T', TArg(rng.choice(FLOATS), shape)), ('D', rng.choice([1.0, 2.0, 3.0, float('inf'), 0.0])),
            ('il', dims_for(shape)), ('b', rng.random() < 0.4)]


op('norm', norm_gen, lambda t, p, ds, k: torch.norm(t, p, ds, keepdim=k))


def dim1_gen(dtypes=ALL, keep=True, with_dtype=False):
    def g():
        shape = rng.choice(SHAPES)
        nd = max(len(shape), 1)
        args = [('T', TArg(rng.choice(dtypes), shape)), ('i', rng.randrange(-nd, nd))]
        if keep:
            args.append(('b', rng.random() < 0.4))
        if with_dtype:
            d = rng.choice(['float64', 'int64', 'float32']) if rng.random() < 0.3 else None
            if d:
                args.append(('dt', d))
        return args
    return g


op('prod', dim1_gen(with_dtype=True), lambda t, d, k, dt=None: torch.prod(t, d, keepdim=k, dtype=_dt(dt)), weight=1.5)
op('max:dim', dim1_gen(), lambda t, d, k: torch.max(t, d, keepdim=k))
op('min:dim', dim1_gen(), lambda t, d, k: torch.min(t, d, keepdim=k))
op('argmax', dim1_gen(dtypes=NUMERIC), lambda t, d, k: torch.argmax(t, d, keepdim=k), diff=False)
op('argmin', dim1_gen(dtypes=NUMERIC), lambda t, d, k: torch.argmin(t, d, keepdim=k), diff=False)
op('cumsum', dim1_gen(keep=False, with_dtype=True), lambda t, d, dt=None: torch.cumsum(t, d, dtype=_dt(dt)), weight=1.5)
op('cumprod', dim1_gen(keep=False, with_dtype=True), lambda t, d, dt=None: torch.cumprod(t, d, dtype=_dt(dt)))
op('logcumsumexp', dim1_gen(dtypes=FLOATS, keep=False), lambda t, d: torch.logcumsumexp(t, d))
op('cummax', dim1_gen(dtypes=NUMERIC, keep=False), lambda t, d: torch.cummax(t, d))


def full_red_gen(dtypes=ALL):
    def g():
        return [('T', TArg(rng.choice(dtypes), rng.choice(SHAPES)))]
    return g


op('max', full_red_gen(), lambda t: torch.max(t))
op('min', full_red_gen(), lambda t: torch.min(t))
op('prod:all', full_red_gen(), lambda t: torch.prod(t))
op('mean:all', full_red_gen(FLOATS), lambda t: torch.mean(t))
op('sum:all', full_red_gen(), lambda t: torch.sum(t))
op('argmax:all', full_red_gen(NUMERIC), lambda t: torch.argmax(t), diff=False)
op('median', full_red_gen(NUMERIC), lambda t: torch.median(t))
op('countNonzero', lambda: (lambda s: [('T', TArg(rng.choice(ALL), s)), ('il', dims_for(s))])(rng.choice(SHAPES)),
   lambda t, ds: torch.count_nonzero(t, ds), diff=False)


# shape / indexing
def cat_gen(stack=False):
    def g():
        shape = rng.choice([s for s in SHAPES if s] if not stack else SHAPES)
        nd = len(shape)
        d = rng.randrange(-(nd + (1 if stack else 0)), nd + (1 if stack else 0)) if nd or stack else 0
        k = rng.randint(1, 3)
        ts = []
        for _ in range(k):
            sh = list(shape)
            if not stack and nd:
                sh[d] = rng.choice([0, 1, 2, 3])
            dt = rng.choice(ALL)
            ts.append(('T', TArg(dt, sh)))
        if not stack and rng.random() < 0.1:
            ts.append(('T', TArg(rng.choice(ALL), [0])))  # the legacy empty 1-D tensor cat skips
        return [('TL', len(ts))] + ts + [('i', d)]
    return g


op('cat', cat_gen(), lambda *a: torch.cat(list(a[:-1]), a[-1]), weight=1.5)
op('stack', cat_gen(True), lambda *a: torch.stack(list(a[:-1]), a[-1]))


def gather_gen():
    shape = rng.choice([s for s in SHAPES if s])
    nd = len(shape)
    d = rng.randrange(-nd, nd)
    ishape = [rng.randint(0, s) if i != d % nd else rng.randint(0, 4) for i, s in enumerate(shape)]
    hi = shape[d]
    iv = [rng.randrange(-hi, hi) if hi and rng.random() < 0.15 else (rng.randrange(hi) if hi else 0)
          for _ in range(numel(ishape))]
    return [('T', TArg(rng.choice(ALL), shape)), ('i', d), ('T', TArg('int64', ishape, vals=iv, p_view=0.3))]


op('gather', gather_gen, lambda t, d, i: torch.gather(t, d, i))


def index_select_gen():
    shape = rng.choice([s for s in SHAPES if s] + [[]])
    nd = max(len(shape), 1)
    d = rng.randrange(-nd, nd)
    hi = shape[d] if shape else 1
    n = rng.randint(0, 5)
    iv = [rng.randrange(hi) if hi else 0 for _ in range(n)]
    if hi and rng.random() < 0.1:
        iv.append(hi)
    return [('T', TArg(rng.choice(ALL), shape)), ('i', d),
            ('T', TArg(rng.choice(['int64', 'int32']), [len(iv)], vals=iv, p_view=0.2,
                       allow=('slice', 'narrow')))]


op('indexSelect', index_select_gen, lambda t, d, i: torch.index_select(t, d, i))


def take_gen():
    shape = rng.choice(SHAPES)
    n = numel(shape)
    ish = rng.choice([[0], [3], [2, 2], []])
    iv = [rng.randrange(-n, n) if n else 0 for _ in range(numel(ish))]
    return [('T', TArg(rng.choice(ALL), shape)), ('T', TArg('int64', ish, vals=iv, view=False))]


op('take', take_gen, lambda t, i: torch.take(t, i))


def masked_fill_gen():
    shape = rng.choice(SHAPES)
    sm, = broadcast_shapes_for(shape, 1)
    args = [('T', TArg(rng.choice(ALL), shape)), ('T', TArg('bool', sm))]
    if rng.random() < 0.7:
        return args + [('D', rng.choice([-1.5, 0.0, 2.0, 7.0]))]
    return args + [('T', TArg(rng.choice(ALL), []))]


op('maskedFill', masked_fill_gen, lambda t, m, v: torch.masked_fill(t, m, v))


def flip_gen():
    shape = rng.choice(SHAPES)
    return [('T', TArg(rng.choice(ALL), shape)), ('il', dims_for(shape))]


op('flip', flip_gen, lambda t, ds: torch.flip(t, ds))


def roll_gen():
    shape = rng.choice([s for s in SHAPES if s])
    ds = dims_for(shape)
    return [('T', TArg(rng.choice(ALL), shape)), ('il', [rng.randint(-5, 5) for _ in ds]), ('il', ds)]


op('roll', roll_gen, lambda t, sh, ds: torch.roll(t, sh, ds))


def tri_gen():
    shape = rng.choice([s for s in SHAPES if len(s) >= 2])
    return [('T', TArg(rng.choice(ALL), shape)), ('i', rng.randint(-2, 2))]


op('tril', tri_gen, lambda t, k: torch.tril(t, k))
op('triu', tri_gen, lambda t, k: torch.triu(t, k))


def rep_gen():
    shape = rng.choice([s for s in SHAPES if s])
    nd = len(shape)
    d = rng.randrange(-nd, nd)
    n = shape[d]
    rep = [rng.randint(0, 3) for _ in range(n)] if rng.random() < 0.8 else [rng.randint(0, 3)]
    return [('T', TArg(rng.choice(ALL), shape)), ('T', TArg('int64', [len(rep)], vals=rep, view=False)), ('i', d)]


op('repeatInterleave', rep_gen, lambda t, r, d: torch.repeat_interleave(t, r, d))


def sort_gen():
    shape = rng.choice(SHAPES)
    nd = max(len(shape), 1)
    dt = rng.choice(NUMERIC + ['bool'])
    # ties: draw from a small pool
    return [('T', TArg(dt, shape, small=True)), ('i', rng.randrange(-nd, nd)), ('b', rng.random() < 0.5),
            ('b', True)]


op('sort', sort_gen, lambda t, d, desc, st: torch.sort(t, dim=d, descending=desc, stable=st))


def topk_gen():
    shape = rng.choice([s for s in SHAPES if s])
    nd = len(shape)
    d = rng.randrange(-nd, nd)
    dt = rng.choice(NUMERIC)
    return [('T', TArg(dt, shape, small=rng.random() < 0.5)), ('i', rng.randint(0, shape[d] + (rng.random() < 0.1))),
            ('i', d), ('b', rng.random() < 0.6), ('b', True)]


op('topk', topk_gen, lambda t, k, d, lg, so: torch.topk(t, k, d, lg, so))


def argsort_gen():
    shape = rng.choice(SHAPES)
    nd = max(len(shape), 1)
    return [('T', TArg(rng.choice(NUMERIC), shape, small=True)), ('i', rng.randrange(-nd, nd)),
            ('b', rng.random() < 0.5), ('b', True)]


op('argsort', argsort_gen, lambda t, d, desc, st: torch.argsort(t, dim=d, descending=desc, stable=st), diff=False)


# matmul family
MM_DTYPES = ['float64', 'float64', 'float32', 'int64', 'int32', 'float16', 'bfloat16', 'uint8']


def mm_dt():
    d = rng.choice(MM_DTYPES)
    # operands of one dtype: 1.13's mixed-dtype message ("expected scalar type Long but found Float") is not 2.x's
    # ("expected m1 and m2 to have the same dtype, ..."); PromotionSweepTest covers the 2.x words
    return d, d


def mm_gen():
    n, k, m = rng.randint(0, 3), rng.randint(0, 4), rng.randint(1, 3)
    d1, d2 = mm_dt()
    return [('T', TArg(d1, [n, k], allow=('permute', 'slice', 'expand', 'narrow'))),
            ('T', TArg(d2, [k if rng.random() < 0.95 else k + 1, m], allow=('permute', 'slice', 'expand')))]


op('mm', mm_gen, lambda a, b: torch.mm(a, b), weight=1.5)


def bmm_gen():
    b, n, k, m = rng.randint(0, 2), rng.randint(1, 3), rng.randint(0, 3), rng.randint(1, 3)
    d1, d2 = mm_dt()
    return [('T', TArg(d1, [b, n, k])), ('T', TArg(d2, [b, k, m]))]


op('bmm', bmm_gen, lambda a, b: torch.bmm(a, b))


def matmul_gen():
    n, k, m = rng.randint(1, 3), rng.randint(1, 3), rng.randint(1, 3)
    d1, d2 = mm_dt()
    sa = rng.choice([[k], [n, k], [2, n, k], [1, n, k], [2, 1, n, k]])
    sb = rng.choice([[k], [k, m], [2, k, m], [1, k, m], [3, 1, k, m]])
    return [('T', TArg(d1, sa)), ('T', TArg(d2, sb))]


op('matmul', matmul_gen, lambda a, b: torch.matmul(a, b), weight=1.5)


def dot_gen():
    n = rng.randint(0, 5)
    d1, d2 = mm_dt()
    return [('T', TArg(d1, [n])), ('T', TArg(d2, [n]))]


op('dot', dot_gen, lambda a, b: torch.dot(a, b))


def mv_gen():
    n, k = rng.randint(0, 3), rng.randint(0, 4)
    d1, d2 = mm_dt()
    return [('T', TArg(d1, [n, k])), ('T', TArg(d2, [k]))]


op('mv', mv_gen, lambda a, b: torch.mv(a, b))


def addmm_gen():
    n, k, m = rng.randint(1, 3), rng.randint(0, 3), rng.randint(1, 3)
    d = rng.choice(['float64', 'float64', 'float32', 'int64'])
    s, = broadcast_shapes_for([n, m], 1)
    return [('T', TArg(d, s)), ('T', TArg(d, [n, k])), ('T', TArg(d, [k, m])),
            ('D', rng.choice([1.0, 0.5, 0.0])), ('D', rng.choice([1.0, 2.0, -1.0]))]


op('addmm', addmm_gen, lambda c, a, b, be, al: torch.addmm(c, a, b, beta=be, alpha=al))


def outer_gen():
    d1, d2 = mm_dt()
    return [('T', TArg(d1, [rng.randint(0, 3)])), ('T', TArg(d2, [rng.randint(0, 3)]))]


op('outer', outer_gen, lambda a, b: torch.outer(a, b))


# in-place variants: self may be a view (the write must land in its base); PyTorch refuses a result type self cannot
# hold, a broadcast that would resize self, and a self with internal overlap (expanded)
def inplace_gen(scalars='LD', dtypes=ALL, extra=None, rhs_small=False):
    def g():
        shape = rng.choice([s for s in SHAPES if s])
        sa = list(shape)
        if rng.random() < 0.1:
            sa = [1] + sa[1:]  # self smaller than the broadcast shape: an error
        sb, = broadcast_shapes_for(shape, 1)
        a = ('T', TArg(rng.choice(dtypes), sa, p_view=0.7))
        if scalars and rng.random() < 0.35:
            k = rng.choice(scalars)
            v = pyscalar(k)
            if rhs_small and k == 'L':
                v = rng.randint(0, 3)
            args = [a, (k, v)]
        else:
            dt = a[1].dtype if rng.random() < 0.5 else rng.choice(dtypes)
            args = [a, ('T', TArg(dt, sb, small=rhs_small))]
        return args + (extra() if extra else [])
    return g


def ip(name, fn, **kw):
    op(name, inplace_gen(**kw), fn, diff=False)


ip('add_', lambda a, b: a.add_(b))
ip('sub_', lambda a, b: a.sub_(b), dtypes=NUMERIC)
ip('mul_', lambda a, b: a.mul_(b))
ip('div_', lambda a, b: a.div_(b))
ip('div_:mode', lambda a, b, m: a.div_(b, rounding_mode=m), dtypes=NUMERIC,
   extra=lambda: [('s', rng.choice(['trunc', 'floor']))])
ip('floorDivide_', lambda a, b: a.floor_divide_(b), dtypes=NUMERIC)
ip('remainder_', lambda a, b: a.remainder_(b), dtypes=NUMERIC)
ip('fmod_', lambda a, b: a.fmod_(b), dtypes=NUMERIC)
ip('pow_', lambda a, b: a.pow_(b), dtypes=NUMERIC, rhs_small=True)
ip('copysign_', lambda a, b: a.copysign_(b), scalars='D')
ip('hypot_', lambda a, b: a.hypot_(b), scalars='', dtypes=FLOATS)
ip('atan2_', lambda a, b: a.atan2_(b), scalars='')
ip('xlogy_', lambda a, b: a.xlogy_(b), scalars='D')
ip('eq_', lambda a, b: a.eq_(b), scalars='D')
ip('lt_', lambda a, b: a.lt_(b), scalars='D')
ip('logicalAnd_', lambda a, b: a.logical_and_(b), scalars='')
ip('bitwiseAnd_', lambda a, b: a.bitwise_and_(b), scalars='L', dtypes=['bool'] + INTS)
ip('bitwiseLeftShift_', lambda a, b: a.bitwise_left_shift_(b), scalars='L', dtypes=INTS, rhs_small=True)
ip('lerp_', lambda a, b, w: a.lerp_(b, w), scalars='', dtypes=FLOATS,
   extra=lambda: [('D', rng.choice([0.25, 0.5, 1.5]))])


def unary_ip_gen():
    return [('T', TArg(rng.choice(ALL), rng.choice([s for s in SHAPES if s]), p_view=0.7))]


for _n, _f in [('exp_', 'exp_'), ('neg_', 'neg_'), ('abs_', 'abs_'), ('sqrt_', 'sqrt_'), ('floor_', 'floor_'),
               ('round_', 'round_'), ('trunc_', 'trunc_'), ('sign_', 'sign_')]:
    op(_n, unary_ip_gen, (lambda f: lambda a: getattr(a, f)())(_f), diff=False, weight=0.5)


def clamp_ip_gen():
    t = ('T', TArg(rng.choice(NUMERIC), rng.choice([s for s in SHAPES if s]), p_view=0.7))
    if rng.random() < 0.4:
        return [t, ('L', rng.choice([-1, 0, 2])), ('L', rng.choice([2, 4]))]
    return [t, ('D', rng.choice([-1.0, 0.0, 0.5])), ('D', rng.choice([1.0, 2.5]))]


op('clamp_', clamp_ip_gen, lambda a, lo, hi: a.clamp_(lo, hi), diff=False)


def masked_fill_ip_gen():
    shape = rng.choice([s for s in SHAPES if s])
    sm, = broadcast_shapes_for(shape, 1)
    return [('T', TArg(rng.choice(ALL), shape, p_view=0.7)), ('T', TArg('bool', sm)),
            ('D', rng.choice([-1.5, 0.0, 2.0]))]


op('maskedFill_', masked_fill_ip_gen, lambda t, m, v: t.masked_fill_(m, v), diff=False)


def addmm_ip_gen():
    n, k, m = rng.randint(1, 3), rng.randint(0, 3), rng.randint(1, 3)
    d = rng.choice(['float64', 'float32'])
    return [('T', TArg(d, [n, m], p_view=0.7)), ('T', TArg(d, [n, k])), ('T', TArg(d, [k, m]))]


op('addmm_', addmm_ip_gen, lambda c, a, b: c.addmm_(a, b), diff=False)

# ---- batch 2: casts, more elementwise, reductions with records, scatter/index, more matmul and shape ops ----

def to_gen():
    src = rng.choice(ALL)
    dst = rng.choice(ALL)
    t = TArg(src, rng.choice(SHAPES))
    if src in FLOATS and dst in INTS:
        # out-of-range, NaN and infinite floats cast to an integer type are undefined in C++ (and negative to uint8)
        lo = 0 if dst == 'uint8' else -100
        t.vals = [v if math.isfinite(v) and lo <= v < 100 else 1.5 for v in t.vals]
    return [('T', t), ('dt', dst)]


op('to', to_gen, lambda t, d: t.to(DT[d]), weight=2)
op('rsub', lambda: (lambda k: [('T', TArg(rng.choice(NUMERIC), rng.choice(SHAPES))), (k, pyscalar(k))])(rng.choice('LD')),
   lambda t, v: torch.rsub(t, v))
op('trueDivide', bin_gen(scalars='D'), lambda a, b: torch.true_divide(a, b))
op('floatPower', bin_gen(dtypes=NUMERIC, scalars='D', rhs_small=True), lambda a, b: torch.float_power(a, b))
op('logaddexp2', bin_gen(dtypes=FLOATS, scalars=''), lambda a, b: torch.logaddexp2(a, b))
op('ldexp', bin_gen(dtypes=FLOATS, scalars='', rhs_dtypes=['int64', 'int32'], rhs_small=True),
   lambda a, b: torch.ldexp(a, b))
op('gcd', bin_gen(dtypes=INTS, scalars=''), lambda a, b: torch.gcd(a, b), diff=False)
op('lcm', bin_gen(dtypes=INTS, scalars=''), lambda a, b: torch.lcm(a, b), diff=False)
op('isclose', lambda: bin_gen(scalars='')()[:2] + [('D', rng.choice([1e-5, 0.1])), ('D', rng.choice([1e-8, 0.5])),
                                                    ('b', rng.random() < 0.5)],
   lambda a, b, r, at, e: torch.isclose(a, b, r, at, e), diff=False)
for _n, _f in {'tan': torch.tan, 'acos': torch.acos, 'sinh': torch.sinh, 'asinh': torch.asinh, 'acosh': torch.acosh,
               'atanh': torch.atanh, 'lgamma': torch.lgamma, 'digamma': torch.digamma, 'i0': torch.i0,
               'deg2rad': torch.deg2rad, 'rad2deg': torch.rad2deg, 'fix': torch.fix, 'absolute': torch.absolute}.items():
    op(_n, unary_gen, (lambda f: lambda a: f(a))(_f), diff=_n != 'fix', weight=0.6)
op('frexp', lambda: [('T', TArg(rng.choice(FLOATS), rng.choice(SHAPES)))], lambda a: torch.frexp(a), diff=False)


def nanmean_gen():
    return red_gen(dtypes=FLOATS)()


op('nanmean', nanmean_gen, lambda t, ds, k: torch.nanmean(t, ds, keepdim=k))
op('varMean', std_gen, lambda t, ds, c, k: torch.var_mean(t, ds, correction=c, keepdim=k))
op('stdMean', std_gen, lambda t, ds, c, k: torch.std_mean(t, ds, correction=c, keepdim=k))


def aminmax_gen():
    shape = rng.choice(SHAPES)
    nd = max(len(shape), 1)
    return [('T', TArg(rng.choice(NUMERIC + ['bool']), shape)), ('i', rng.randrange(-nd, nd)), ('b', rng.random() < 0.4)]


op('aminmax', aminmax_gen, lambda t, d, k: torch.aminmax(t, dim=d, keepdim=k), diff=False)


def kth_gen():
    shape = rng.choice([s for s in SHAPES if s and 0 not in s])
    nd = len(shape)
    d = rng.randrange(-nd, nd)
    return [('T', TArg(rng.choice(NUMERIC), shape, small=True)), ('i', rng.randint(1, shape[d])), ('i', d),
            ('b', rng.random() < 0.5)]


op('kthvalue', kth_gen, lambda t, k, d, kd: torch.kthvalue(t, k, d, kd))
op('mode', dim1_gen(dtypes=NUMERIC), lambda t, d, k: torch.mode(t, d, k), diff=False)
op('median:dim', dim1_gen(dtypes=NUMERIC), lambda t, d, k: torch.median(t, d, k))
op('nanmedian', full_red_gen(FLOATS), lambda t: torch.nanmedian(t))
op('cummin', dim1_gen(dtypes=NUMERIC, keep=False), lambda t, d: torch.cummin(t, d))


def scatter_gen(kind):
    def g():
        shape = rng.choice([s for s in SHAPES if s and 0 not in s])
        nd = len(shape)
        d = rng.randrange(-nd, nd)
        ishape = [rng.randint(1, s) for s in shape]
        ishape[d] = rng.randint(0, shape[d])
        # scatter: distinct indices along dim in each row (duplicates are nondeterministic); scatter_add: any
        idx = torch.zeros(ishape, dtype=torch.int64)
        moved = idx.movedim(d, -1).contiguous()
        iv = []
        if ishape[d]:
            rows = moved.reshape(-1, ishape[d])
            for r in range(rows.shape[0]):
                perm = rng.sample(range(shape[d]), ishape[d]) if kind != 'add' else \
                    [rng.randrange(shape[d]) for _ in range(ishape[d])]
                for c, v in enumerate(perm):
                    rows[r, c] = v
            iv = rows.reshape(moved.shape).movedim(-1, d).reshape(-1).tolist()
        dt = rng.choice(NUMERIC)
        args = [('T', TArg(dt, shape)), ('i', d), ('T', TArg('int64', ishape, vals=iv, p_view=0.3))]
        if kind == 'value':
            return args + [('D', rng.choice([-1.5, 2.0]))]
        src_shape = [s + rng.randint(0, 1) for s in ishape]
        return args + [('T', TArg(dt if rng.random() < 0.8 else rng.choice(NUMERIC), src_shape))]
    return g


op('scatter', scatter_gen('src'), lambda t, d, i, s: torch.scatter(t, d, i, s))
op('scatter:value', scatter_gen('value'), lambda t, d, i, v: torch.scatter(t, d, i, v))
op('scatterAdd', scatter_gen('add'), lambda t, d, i, s: torch.scatter_add(t, d, i, s))


def index_add_gen(kind):
    def g():
        shape = rng.choice([s for s in SHAPES if s and 0 not in s])
        nd = len(shape)
        d = rng.randrange(-nd, nd)
        n = rng.randint(0, shape[d])
        iv = rng.sample(range(shape[d]), n) if kind != 'add' else [rng.randrange(shape[d]) for _ in range(n)]
        dt = rng.choice(NUMERIC)
        args = [('T', TArg(dt, shape)), ('i', d), ('T', TArg('int64', [n], vals=iv, view=False))]
        if kind == 'fill':
            return args + [('D', rng.choice([-1.0, 2.5]))]
        src = list(shape)
        src[d] = n
        args.append(('T', TArg(dt if rng.random() < 0.85 else rng.choice(NUMERIC), src)))
        if kind == 'add' and rng.random() < 0.4:
            args.append(('D', rng.choice([2.0, -1.0])))
        return args
    return g


op('indexAdd', index_add_gen('add'), lambda t, d, i, s, a=1: torch.index_add(t, d, i, s, alpha=a))
op('indexCopy', index_add_gen('copy'), lambda t, d, i, s: torch.index_copy(t, d, i, s))
op('indexFill', index_add_gen('fill'), lambda t, d, i, v: torch.index_fill(t, d, i, v))


def masked_select_gen():
    shape = rng.choice(SHAPES)
    sm, = broadcast_shapes_for(shape, 1)
    return [('T', TArg(rng.choice(ALL), shape)), ('T', TArg('bool', sm))]


op('maskedSelect', masked_select_gen, lambda t, m: torch.masked_select(t, m))


def masked_scatter_gen():
    shape = rng.choice(SHAPES)
    sm, = broadcast_shapes_for(shape, 1)
    dt = rng.choice(ALL)
    return [('T', TArg(dt, shape)), ('T', TArg('bool', sm)), ('T', TArg(dt, [numel(shape) + rng.randint(0, 2)]))]


op('maskedScatter', masked_scatter_gen, lambda t, m, s: t.masked_scatter(m, s))
op('nonzero', lambda: [('T', TArg(rng.choice(ALL), rng.choice(SHAPES)))], lambda t: torch.nonzero(t), diff=False)


def baddbmm_gen():
    b, n, k, m = rng.randint(1, 2), rng.randint(1, 3), rng.randint(0, 3), rng.randint(1, 3)
    d = rng.choice(['float64', 'float64', 'float32', 'int64'])
    s, = broadcast_shapes_for([b, n, m], 1)
    return [('T', TArg(d, s)), ('T', TArg(d, [b, n, k])), ('T', TArg(d, [b, k, m])),
            ('D', rng.choice([1.0, 0.5, 0.0])), ('D', rng.choice([1.0, 2.0]))]


op('baddbmm', baddbmm_gen, lambda c, a, b, be, al: torch.baddbmm(c, a, b, beta=be, alpha=al))


def addmv_gen():
    n, k = rng.randint(1, 3), rng.randint(0, 3)
    d = rng.choice(['float64', 'float64', 'float32', 'int64'])
    s, = broadcast_shapes_for([n], 1)
    return [('T', TArg(d, s)), ('T', TArg(d, [n, k])), ('T', TArg(d, [k])),
            ('D', rng.choice([1.0, 0.5, 0.0])), ('D', rng.choice([1.0, -1.0]))]


op('addmv', addmv_gen, lambda c, a, b, be, al: torch.addmv(c, a, b, beta=be, alpha=al))


def pair_gen(shapes):
    def g():
        d1, d2 = mm_dt()
        sa, sb = rng.choice(shapes)
        return [('T', TArg(d1, sa)), ('T', TArg(d2, sb))]
    return g


op('kron', pair_gen([([2], [3]), ([2, 2], [1, 3]), ([2, 1], [2]), ([0, 2], [2, 2])]), lambda a, b: torch.kron(a, b))
op('inner', pair_gen([([3], [3]), ([2, 3], [4, 3]), ([], [2, 2]), ([2, 0], [3, 0])]), lambda a, b: torch.inner(a, b))
op('vdot', pair_gen([([3], [3]), ([0], [0]), ([5], [5])]), lambda a, b: torch.vdot(a, b))


def cross_gen():
    d = rng.choice(['float64', 'float32', 'int64'])
    shape = rng.choice([[3], [2, 3], [3, 2], [3, 3]])
    dim = rng.choice([i for i, s in enumerate(shape) if s == 3])
    return [('T', TArg(d, shape)), ('T', TArg(d, shape)), ('i', dim)]


op('cross', cross_gen, lambda a, b, d: torch.cross(a, b, dim=d))


def movedim_gen():
    shape = rng.choice([s for s in SHAPES if len(s) >= 2])
    nd = len(shape)
    return [('T', TArg(rng.choice(ALL), shape)), ('i', rng.randrange(-nd, nd)), ('i', rng.randrange(-nd, nd))]


op('movedim', movedim_gen, lambda t, a, b: torch.movedim(t, a, b))


def reps_gen():
    shape = rng.choice(SHAPES)
    return [('T', TArg(rng.choice(ALL), shape)), ('il', [rng.randint(0, 2) for _ in range(len(shape) + rng.randint(0, 1))]
                                                     or [2])]


op('tile', reps_gen, lambda t, r: torch.tile(t, r))
op('repeat', reps_gen, lambda t, r: t.repeat(*r))


def flatten_gen():
    shape = rng.choice(SHAPES)
    nd = max(len(shape), 1)
    a = rng.randrange(-nd, nd)
    b = rng.randrange(-nd, nd)
    return [('T', TArg(rng.choice(ALL), shape)), ('i', a), ('i', b)]


op('flatten', flatten_gen, lambda t, a, b: torch.flatten(t, a, b))
op('squeeze', lambda: (lambda s: [('T', TArg(rng.choice(ALL), s)), ('i', rng.randrange(-max(len(s), 1), max(len(s), 1)))])(
    rng.choice(SHAPES)), lambda t, d: torch.squeeze(t, d))
op('diff', lambda: [('T', TArg(rng.choice(NUMERIC + ['bool']), rng.choice([s for s in SHAPES if s])))],
   lambda t: torch.diff(t))
op('trace', lambda: [('T', TArg(rng.choice(NUMERIC), rng.choice([[2, 3], [3, 3], [4, 4], [3, 1], [2, 0]])))],
   lambda t: torch.trace(t))
op('diag', lambda: [('T', TArg(rng.choice(ALL), rng.choice([[3], [2, 3], [4, 4], [0], [3, 1]]))), ('i', rng.randint(-2, 2))],
   lambda t, k: torch.diag(t, k))
op('diagEmbed', lambda: [('T', TArg(rng.choice(ALL), rng.choice([[3], [2, 3], [0], [2, 1]])))],
   lambda t: torch.diag_embed(t))
op('rot90', lambda: [('T', TArg(rng.choice(ALL), rng.choice([[2, 3], [3, 3], [2, 3, 2], [2, 0]]))),
                     ('i', rng.randint(-2, 4)), ('il', [0, 1])], lambda t, k, ds: torch.rot90(t, k, ds))
op('clone', lambda: [('T', TArg(rng.choice(ALL), rng.choice(SHAPES)))], lambda t: t.clone())
op('contiguous', lambda: [('T', TArg(rng.choice(ALL), rng.choice(SHAPES)))], lambda t: t.contiguous())


def unique_gen():
    return [('T', TArg(rng.choice(NUMERIC + ['bool']), rng.choice(SHAPES), small=True, special=False)), ('b', True),
            ('b', True), ('b', True)]


op('unique', unique_gen, lambda t, s, i, c: torch.unique(t, sorted=s, return_inverse=i, return_counts=c), diff=False)


def searchsorted_gen():
    n = rng.randint(0, 5)
    dt = rng.choice(['int64', 'float64', 'float32', 'int32'])
    seq = sorted(values(dt, n, special=False))
    return [('T', TArg(dt, [n], vals=seq, view=False)), ('T', TArg(dt, rng.choice([[3], [2, 2], []]), special=False)),
            ('b', rng.random() < 0.5)]


op('searchsorted', searchsorted_gen, lambda s, v, r: torch.searchsorted(s, v, right=r), diff=False)


def bucketize_gen():
    a = searchsorted_gen()
    return [a[1], a[0], a[2]]


op('bucketize', bucketize_gen, lambda v, b, r: torch.bucketize(v, b, right=r), diff=False)


def bincount_gen():
    n = rng.randint(0, 6)
    iv = [rng.randint(0, 5) for _ in range(n)]
    args = [('T', TArg(rng.choice(['int64', 'int32', 'uint8']), [n], vals=iv, view=False))]
    if rng.random() < 0.5:
        args.append(('T', TArg(rng.choice(['float64', 'float32']), [n], special=False)))
    return args + [('i', rng.randint(0, 7))]


op('bincount', bincount_gen, lambda t, *a: torch.bincount(t, a[0] if len(a) == 2 else None, a[-1]), diff=False)


def histc_gen():
    return [('T', TArg(rng.choice(['float64', 'float32']), rng.choice(SHAPES), special=False)), ('i', rng.randint(1, 5)),
            ('D', rng.choice([0.0, -2.0])), ('D', rng.choice([0.0, 3.0, 5.0]))]


op('histc', histc_gen, lambda t, b, lo, hi: torch.histc(t, b, lo, hi), diff=False)


# ---- drawing and running the cases ----

HALF_NI = ("not implemented for 'Half'", "not implemented for 'BFloat16'")


def materialize(args, grad):
    out = []
    for tag, v in args:
        if tag == 'T':
            out.append(v.make(requires_grad=grad and v.dtype == 'float64'))
        elif tag == 'TL':
            continue
        else:
            out.append(v)
    return out


def to_tuple(r):
    if isinstance(r, torch.Tensor):
        return [r]
    return list(r)


def weights(t):
    n = t.numel()
    w = torch.tensor([1 + 0.5 * ((3 * k) % 11) for k in range(n)], dtype=torch.float64)
    return w.reshape(t.shape).to(t.dtype)


MATMULS = {'mm', 'bmm', 'matmul', 'dot', 'mv', 'addmm', 'inner', 'vdot', 'baddbmm', 'addmv', 'addmm_'}


def run(name, args, grad=True):
    gen, fn, diff, _ = OPS[name]
    tensors = [v for tag, v in args if tag == 'T']
    inplace = name.split(':')[0].endswith('_')
    want_grad = grad and diff and not inplace and any(t.dtype == 'float64' for t in tensors)
    lines = []
    if name in MATMULS and any(t.dtype in ('float16', 'bfloat16') for t in tensors):
        # 1.13's CPU bfloat16 mm/dot accumulate in bfloat16 (and it has no float16 ones); 2.x accumulates in float32
        # and rounds once
        return run_half_in_float(name, args, fn)
    x2 = two_x_error(name, args)
    if x2:
        return ['error RuntimeError ' + x2, 'note 2.x refuses this (1.13 gives a result)']
    if name == 'trace' and tensors[0].base_shape and replay_shape(tensors[0])[0] > replay_shape(tensors[0])[1]:
        # 1.13's trace_backward fills every (cols + 1)-th element of a tall matrix; 2.x only the min(rows, cols)
        # diagonal ones: values only
        want_grad = False
    if name == 'maskedSelect' and tensors[0].steps:
        # 1.13's masked_select backward scatters into a zeros_like(input, Preserve) in memory order, not the logical
        # order a contiguous copy of the input gets (a 1.13 bug): values only
        want_grad = False
    mats = materialize(args, want_grad)
    try:
        res = to_tuple(fn(*mats))
    except Exception as e:  # noqa
        msg = str(e).split('\n')[0]
        if want_grad and 'INTERNAL ASSERT' in msg:  # an integer result of a float64 input that requires grad
            return run(name, args, grad=False)
        if any(h in msg for h in HALF_NI):
            return run_half_in_float(name, args, fn)
        return ['error %s %s' % (type(e).__name__, msg)]
    for k, r in enumerate(res):
        lines.append('out%d %s' % (k, fmt_tensor(r)))
    if inplace and tensors[0].steps:
        lines.append('base0 ' + fmt_tensor(tensors[0].base))
    if name in ('var', 'std', 'varMean', 'stdMean') and want_grad:
        t0 = tensors[0]
        full = len(t0.base_shape) == 0 or not mats[1]
        if (mats[0].dim() == 0 or full) and mats[0].numel() - mats[2] <= 0:
            # 1.13's var_backward gives inf where 2.x gives NaN (grad * where(self == mean, nan, inf)): no grads
            want_grad = False
    if want_grad and res[0].requires_grad and res[0].dtype == torch.float64:
        g_out = res[0]
        if name == 'pow' and isinstance(mats[0], torch.Tensor) and mats[0].dtype != torch.float64:
            # 2.x's pow_backward_exponent takes log of self promoted to the result type (float64); 1.13 of self in its
            # own type (float32 for integers, bfloat16, ...): the gradient as 2.x computes it (self's values are exact
            # in float64)
            mats2 = [m.to(torch.float64) if i == 0 else m for i, m in enumerate(mats)]
            g_out = fn(*mats2)
            lines.append('note grad as 2.x: log of the base in float64')
        try:
            (g_out * weights(g_out)).sum().backward()
        except RuntimeError:  # no derivative (floor_divide, ...): values only
            tensors = []
        for i, t in enumerate(tensors):
            if t.dtype == 'float64':
                g = t.base.grad
                lines.append('grad%d ' % i + ('none' if g is None else fmt_tensor(g)))
    if name == 'topk':
        lines.append('loose %d true' % args[2][1])
    if name in ('kthvalue', 'mode', 'median:dim'):
        # which of equal values' indices is implementation-defined: the indices must point at the values
        d, k = (args[2][1], args[3][1]) if name == 'kthvalue' else (args[1][1], args[2][1])
        lines.append('loose %d %s' % (d, 'true' if k else 'false'))
    return lines


def two_x_error(name, args):
    """PyTorch 2.x's message where 2.x refuses a call 1.13 computes, else None."""
    if name == 'indexSelect':
        t, idx = args[0][1], args[2][1]
        n = numel(replay_shape(idx))
        if not t.base_shape and not t.steps and n != 1:
            return 'index_select(): Index to scalar can have only 1 value, got %d value(s)' % n
    if name == 'norm':
        t, p, ds = args[0][1], args[1][1], args[2][1]
        shape = replay_shape(t)
        if (p < 0 or p == float('inf')) and shape:
            for d in ds:
                if shape[d] == 0:
                    return ('linalg.vector_norm cannot compute the inf norm on the dimension %d' % d +
                            'because this dimension is empty and the operation does not have an identity')
    return None


def run_half_in_float(name, args, fn):
    """2.x computes the op in float32 for float16/bfloat16 and rounds once (1.13 has no kernel)."""
    mats = []
    halves = set()
    for tag, v in args:
        if tag == 'T':
            t = v.make()
            if t.dtype in (torch.float16, torch.bfloat16):
                halves.add(t.dtype)
                t = t.float()
            mats.append(t)
        elif tag == 'TL':
            continue
        else:
            mats.append(v)
    if len(halves) != 1:
        return None
    half = halves.pop()
    try:
        res = to_tuple(fn(*mats))
    except Exception as e:  # noqa
        return None
    if name.split(':')[0].endswith('_'):
        return None
    lines = []
    for k, r in enumerate(res):
        if r.dtype == torch.float32:
            r = r.to(half)
        lines.append('out%d %s' % (k, fmt_tensor(r)))
    lines.append('note 1.13 has no %s CPU kernel; 2.x computes in float32 and rounds once' % NAME[half])
    return lines


def arg_line(i, tag, v):
    if tag == 'T':
        return 'a%d %s' % (i, v.line())
    if tag in ('L', 'D', 'B'):
        return 'a%d %s %s' % (i, tag, fmt_num(v))
    if tag == 'il':
        return 'a%d il %s' % (i, ' '.join(map(str, v)))
    if tag in ('i', 'TL'):
        return 'a%d %s %d' % (i, tag, v)
    if tag == 'b':
        return 'a%d b %s' % (i, 'true' if v else 'false')
    if tag == 'N':
        return 'a%d N' % i
    return 'a%d %s %s' % (i, tag, v)


# Cases left out because Ember deliberately differs from PyTorch (each says why), as (method, predicate on the lines)
def excluded(name, args, lines):
    err = next((l for l in lines if l.startswith('error ')), None)
    t0 = args[0][1] if args and args[0][0] == 'T' else None
    if name.split(':')[0].endswith('_') and err is None and t0 is not None:
        for st in t0.steps:
            w = st.split()
            if w[0] == 'unfold' and int(w[3]) < int(w[2]):
                # self's windows overlap without a zero stride: PyTorch cannot tell (MemOverlap::TooHard) and writes in
                # its kernel's order, so the result is unspecified
                return 'overlapping self'
    if name == 'median' and t0 is not None and t0.dtype in INTS and numel(replay_shape(t0)) == 0:
        return 'median of an empty integer tensor: NaN cast to the integer type (undefined in C++)'
    if name in ('add:alpha', 'sub:alpha') and err is not None and 'argument alpha must not be' in err \
            and float(args[2][1]).is_integer():
        # Ember's alpha is a Java double, which cannot tell 2 from 2.0: an integral alpha is taken as a Python int
        return 'integral alpha'
    if name in ('addcmul', 'addcdiv') and err is not None and 'cannot be converted' in err \
            and float(args[3][1]).is_integer():
        # the same for addcmul's value: an integral Java double is taken as a Python int (uint8 takes -2 and wraps)
        return 'integral value'
    if name in ('addmm', 'baddbmm', 'addmv') and err is not None and "can't be cast" in err \
            and all(float(v).is_integer() for tag, v in args if tag == 'D'):
        # beta and alpha are Java doubles: integral ones are Python ints to Ember, as alpha above
        return 'integral beta/alpha'
    if name == 'median:dim' and t0 is not None and any(st.startswith('expand') for st in t0.steps):
        # 1.13's median(dim) of an expanded (stride-0) input reads garbage (tensor([-6]).expand(3).median(0) gives
        # 32646 where the median is -6), a 1.13 bug: left out
        return '1.13 median of an expanded input'
    if name == 'addmv' and err is None:
        out0 = next(l for l in lines if l.startswith('out0 '))
        rows = replay_shape(args[1][1])[0]
        if not out0.startswith('out0 %s [%d]' % (out0.split()[1], rows)):
            # 1.13's addmv over an empty matrix returns self unbroadcast; 2.x's meta gives the result [rows]
            return '1.13 addmv shape'
    if name == 'mode' and any(isinstance(v, float) and math.isnan(v) for v in t0.vals):
        # mode of values holding NaN: PyTorch's run-length scan of the sorted row (NaN last, NaN != NaN) is an artefact
        # Ember does not copy: left out (reported)
        return 'mode with NaN'
    if name == 'lerp' and any(tag == 'T' and any(isinstance(v, float) and not math.isfinite(v) for v in a.vals)
                              for tag, a in args):
        # 1.13 picks lerp's formula by weight < 0.5, 2.x by |weight| < 0.5: with infinities they differ (inf - inf)
        return 'lerp of non-finite values'
    if name == 'kron' and err is not None and 'view size is not compatible' in err:
        # 1.13's kron views a non-contiguous operand and fails; 2.x reshapes
        return '1.13 kron view'
    if name == 'aminmax' and t0 is not None and not replay_shape(t0) and args[2][1]:
        # 1.13 resizes aminmax's 0-dim keepdim result to [1] (with a deprecation warning); 2.x's meta gives []
        return '1.13 aminmax 0-dim keepdim'
    if name in ('sum', 'prod', 'cumsum', 'cumprod') and any(tag == 'dt' and v in INTS for tag, v in args) \
            and any(isinstance(v, float) and not math.isfinite(v) for v in t0.vals):
        # a float infinity or NaN cast to an integer dtype= is undefined in C++
        return 'non-finite to an integer dtype'
    if name == 'baddbmm' and err is None and args[3][1] == 0 and 'nan' in next(l for l in lines if l.startswith('out0')):
        prod = args[4][1] * torch.bmm(args[1][1].make(), args[2][1].make())
        if prod.isnan().sum().item() != next(l for l in lines if l.startswith('out0')).count('nan'):
            # 1.13's baddbmm with beta 0 gives NaN where the product has none (uninitialized memory, or self's
            # infinities and NaN, which beta 0 must ignore): a 1.13 bug
            return '1.13 baddbmm beta 0'
    if name == 'diag' and err is not None and 'integer multiplication overflow' in err:
        # 1.13's diag of a matrix with an offset beyond it overflows; 2.x gives the empty diagonal
        return '1.13 diag offset'
    return None


def replay_shape(t):
    return list(replay(torch.zeros(t.base_shape), t.steps).shape)


def main(n_cases=int(os.environ.get("FUZZ_CASES", "1800"))):
    names = sorted(OPS)
    wts = [OPS[n][3] for n in names]
    out = []
    made = 0
    cid = 0
    while made < n_cases:
        name = rng.choices(names, wts)[0]
        args = OPS[name][0]()
        if any(tag == 'T' and numel(v.base_shape) > 16 for tag, v in args):
            continue
        lines = run(name, args)
        if lines is None:
            continue
        why = excluded(name, args, lines)
        if why:
            continue
        cid += 1
        made += 1
        out.append('=== %d %s' % (cid, name))
        for i, (tag, v) in enumerate(args):
            out.append(arg_line(i, tag, v))
        out.extend(lines)
    sys.stdout.write('\n'.join(out) + '\n')


if __name__ == '__main__':
    main()
