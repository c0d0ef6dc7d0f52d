# Differential fuzz, round 11 (DifferentialFuzzR11Test.java): the integer and bool dtypes' corners (uint8, int8,
# int16, int32, int64, bool), which the float rounds hardly touch and round 3's small-integer section kept away from
# (its scalars stayed in range, its shifts below the width, its divisors non-zero, int64 and MIN / -1 left out).
#   run: cd engine-cpu/src/test/resources/differentialfuzzr11 && /usr/bin/python3 make_cases.py > cases.txt
#   (PyTorch 1.13, CPU; seed 11 for the pairings and the views, FUZZ_SEED draws other ones for a local hunt)
#
# The cases are enumerated, not drawn: each op over every integer dtype's corner values (MIN, MIN + 1, -1, 0, 1, 2,
# MAX - 1, MAX and a few inner values), against a second operand of the corners rolled (so MIN meets -1, MAX meets 1,
# ...), of another integer dtype, of bool, of float32, a Python int (in and out of the type's range), a Python float
# or a 0-dim tensor; contiguous, transposed or strided (a "slice" view of a base twice as long), and for the
# elementwise kernels 67 elements long (a vector loop and its tail). Sections:
#   A. arithmetic with wrap-around: add/sub/mul/neg/abs/square at MIN and MAX, uint8 underflow; sum/prod/cumsum/cumprod
#      of small integer and bool types (int64 results, with and without dtype=), mean of integers and bool (refused),
#      pow (negative exponents: 0, 1 or -1 from a tensor exponent, refused from a Python int; 0**0; overflow wraps;
#      a Python int base), div (true division: float32), div(rounding_mode floor/trunc), floorDivide, remainder and
#      fmod of negatives and of MIN / -1, integer division by zero (ZeroDivisionError), bitwise and/or/xor/not, shifts
#      by counts >= the width and negative ones on signed and unsigned types;
#   B. promotion with Python scalars and 0-dim tensors, uint8 vs int8 (int16), bool arithmetic (bool + bool is bool,
#      bool - bool refused, -bool refused), comparisons of uint8 with negative Python ints, where over mixed integer
#      dtypes, clamp with integer and float bounds, sign, minimum/maximum, sort/argsort (stable) /topk/unique/cummax/
#      cummin over duplicates, bincount (weights), histc (refused for integers), argmax/argmin ties (and bool, refused),
#      to(dtype) between every integer type, bool and the floats, logicalAnd/Or/Xor/Not over mixed types;
#   C. reductions and indexing: amax/amin/any/all/countNonzero over dim lists (any/all of uint8 are uint8), gather,
#      scatter (a value, a source), scatterReduce (sum, prod, amax, amin, mean, with and without include_self: the mean
#      of integers rounds down), indexAdd (int8 wrap, alpha);
#   D. in-place forms (add_/sub_/mul_/div_ with ints, floats and 0-dim tensors: the cast refusals; neg_/abs_/square_,
#      clamp_, div_ with a rounding mode and a zero divisor), fill_ and maskedFill with values at and past the type's
#      range (uint8 takes -255 to -1), the float ops of integer inputs (sqrt, exp, reciprocal, floatPower, copysign,
#      floor/round/trunc keeping the type), heaviside, addcmul/addcdiv, std/var/nanmean refused, nansum, max/min/median/
#      mode/kthvalue over duplicates, trace, diff, dot/mv/mm (wrapping);
#   E. scatterAdd, indexPut(_) and put_ with and without accumulate (wrapping), indexFill (values past the range),
#      indexCopy, take, div with a float divisor and a rounding mode, floorDivide by -0.0, frac/round(decimals)/hypot/
#      logaddexp/lerp refused, xlogy, atan2, addmm with beta and alpha, msort, nonzero, bincount's argument checks;
#   F. creation in the integer types: arange (the numbers converted to int64 first: a step of 2.5 is 2, 0.3 is 0 and
#      refused; int64's length from the converted numbers, the other types' from the numbers; Python ints exact past
#      2^53), linspace (both ends converted first, truncated values), logspace, full (uint8 takes -1), eye; bool refused;
#   G. relu/relu6/hardtanh/threshold/leakyRelu, clampMin/clampMax and quantile of integer and bool inputs, sum/prod/
#      cumsum/cumprod with dtype=bool (the scans have no bool kernel);
#   H. random values over the whole range of uint8, int8 and int16 (a signed-byte reading of uint8 would misorder
#      128-255): sort (stable, both orders), unique, amax/amin, argmax/argmin, cummax/cummin, topk, kthvalue, median,
#      max(dim), maximum, lt, clamp, sum, to(float32), bincount, searchsorted, histc.
#
# Format: round 1's (../fuzz/make_cases.py's header; read by FuzzCaseRunner). "note" marks where a case follows
# PyTorch 2.x rather than the 1.13 that ran it.
#
# 1.13 vs 2.x (Ember follows 2.x), and what is left out:
# - shifts: 2.x's BinaryOpsKernel.cpp (lshift_kernel, rshift_kernel) gives 0 for a left shift by a count that is
#   negative (the count read as the signed type of the operands' common type, so a uint8 count of 128 or more is
#   negative) or at least the width, and a >> (width - 1) for a signed right shift by such a count (a >> width, 0, for
#   an unsigned one); 1.13 shifts by the raw count (undefined in C++, and its vector path differs from its scalar
#   one). The shift cases' values are computed here by 2.x's rule (shift2x) and marked "note" where 1.13 differs.
# - integer MIN / -1 of int32 and int64 (div trunc/floor, floorDivide, remainder, fmod): C++ undefined behaviour, a
#   SIGFPE trap on x86 in 1.13 and 2.x alike (this script's process would die): left out. int8 and int16 compute in
#   int and wrap (MIN / -1 = MIN, remainder 0), which the cases check.
# - float to integer conversion of NaN, +-inf and values outside the destination's range (negative floats to uint8
#   included): C++ undefined behaviour, PyTorch's result is the platform's: left out. Truncation toward zero inside the
#   range, -0.0, and conversions from an integer or bool type (wrapping modulo 2^width, defined) are checked.
# - out-of-range Python ints: add/sub/mul and the comparisons cast the scalar to the tensor's type, wrapping (1.13, and
#   2.0 and later alike since pytorch#78881 took the comparison ops' overflow check out; pytorch#101653 and #114679 show
#   the wrap in 2.0.1 and a late-2023 nightly): checked. where and clamp with an out-of-range Python int refuse in
#   1.13 ("value cannot be converted to type int8_t without overflow") and are inconsistent between 2.x versions
#   (pytorch#107702): left out.
# - gather/scatter with an int32 index: 1.13 (and 2.x up to 2.7) refuse it ("gather(): Expected dtype int64 for index"),
#   2.8 takes int32 and int64 indices (pytorch#173886); left out (Ember refuses it as 1.13 does). index_add takes an
#   int32 index in both (checked).
# - linspace of an integer type: PyTorch's vectorized kernel (Vectorized<T>::arange from a truncated base) differs from
#   its scalar formula, so its result depends on the CPU's vector width once steps reach two vectors; the cases stay
#   below two vectors of the narrowest build (32 bytes: 8 int64, 16 int32, 32 int16, 64 int8 elements), where every
#   platform takes the scalar formula (both ends converted to the type first, stepped in double, truncated).
# - messages: 1.13's, which 2.0 shares; later 2.x releases reword a few, as the indexing tests' script notes, and Ember
#   keeps the 2.0 words: scatter_reduce's bad reduce (", got mul" appended), nanmean of an integer type ("floating
#   point or complex dtype", with complex nanmean), gather's index type (above).
# - the integer kernels of 1.13 and 2.x agree elsewhere in these cases (pow's integer kernel powi, div_floor_integer,
#   the remainder/fmod sign rules, scatter_reduce's floor for the mean of integers, the int64 accumulation of
#   sum/prod/cumsum/cumprod of integer and bool inputs, any/all keeping uint8).
import os
import random
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'fuzz'))
import make_cases as mc  # noqa: E402  (fmt_tensor: the number format the Java side reads)

SEED = int(os.environ.get('FUZZ_SEED', '11'))
rng = random.Random(SEED)
torch.set_num_threads(1)

DT = mc.DT
INTS = ['uint8', 'int8', 'int16', 'int32', 'int64']
SIGNED = ['int8', 'int16', 'int32', 'int64']
WIDTH = {'uint8': 8, 'int8': 8, 'int16': 16, 'int32': 32, 'int64': 64}
RANGE = {'uint8': (0, 255), 'int8': (-128, 127), 'int16': (-2 ** 15, 2 ** 15 - 1), 'int32': (-2 ** 31, 2 ** 31 - 1),
         'int64': (-2 ** 63, 2 ** 63 - 1), 'bool': (0, 1)}
INNER = {'uint8': [7, 100, 128, 200], 'int8': [-100, -7, 7, 100], 'int16': [-300, 181, 256, 20000],
         'int32': [-46341, 65536, 46341, -65537], 'int64': [-3037000500, 4294967296, 2 ** 62, -2 ** 32 - 1]}


def corners(dt):
    """The dtype's corner values: MIN, MIN + 1, -1, 0, 1, 2, MAX - 1, MAX and some inner ones."""
    if dt == 'bool':
        return [True, False, True, True, False, False]
    lo, hi = RANGE[dt]
    vals = [lo, lo + 1, -1, 0, 1, 2, hi - 1, hi] + INNER[dt]
    out = []
    for v in vals:
        if lo <= v <= hi and v not in out:
            out.append(v)
    return out


def ten(dt, vals, shape=None):
    if dt == 'bool':
        t = torch.tensor([bool(v) for v in vals], dtype=torch.bool)
    elif dt in ('float32', 'float64', 'float16', 'bfloat16'):
        t = torch.tensor([float(v) for v in vals], dtype=torch.float64).to(DT[dt])
    else:
        t = torch.tensor(vals, dtype=torch.int64).to(DT[dt]) if dt != 'uint8' else torch.tensor(
            [v % 256 for v in vals], dtype=torch.int64).to(torch.uint8)
    return t.reshape(shape if shape is not None else [len(vals)])


def cycle(vals, n):
    return [vals[k % len(vals)] for k in range(n)]


def roll(vals, k):
    k %= max(1, len(vals))
    return vals[k:] + vals[:k]


class TV:
    """A tensor argument: its base and the view steps (FuzzCaseRunner's recipes) the op receives it through."""

    def __init__(self, t, layout=None):
        layout = layout or rng.choice(['plain', 'plain', 'plain', 'view'])
        self.steps = []
        self.base = t
        if layout == 'view' and t.dim() == 2 and t.shape[0] > 1 and t.shape[1] > 1:
            self.base = t.t().contiguous()
            self.steps = ['permute 1 0']
        elif layout == 'view' and t.dim() == 1 and t.numel() > 1:
            n = t.numel()
            fill = torch.full([2 * n], 3, dtype=torch.int64).to(t.dtype)
            fill[1::2] = t
            self.base = fill
            self.steps = ['slice 0 1 %d 2' % (2 * n)]
        self.view = mc.replay(self.base, self.steps) if self.steps else self.base

    def line(self):
        s = 'T ' + mc.fmt_tensor(self.base)
        return s + (' @ ' + ' ; '.join(self.steps) if self.steps else '')


def T(dt, vals, shape=None, layout=None):
    return ('T', TV(ten(dt, vals, shape), layout))


def Tt(t, layout=None):
    return ('T', TV(t, layout))


CASES = []


def case(method, args, fn, note=None, loose=None, tag=''):
    CASES.append((method + (':' + tag if tag else ''), args, fn, note, loose))


def value(a):
    tag, v = a
    if tag == 'T':
        return v.view
    if tag == 'dt':
        return DT[v]
    if tag == 'N':
        return None
    return v


def arg_line(a):
    tag, v = a
    if tag == 'T':
        return v.line()
    if tag == 'L':
        return 'L %d' % v
    if tag == 'D':
        return 'D ' + mc.fmt_num(float(v))
    if tag == 'B':
        return 'B ' + ('True' if v else 'False')
    if tag == 'il':
        return 'il ' + ' '.join(map(str, v))
    if tag == 'b':
        return 'b ' + ('true' if v else 'false')
    if tag in ('i', 's', 'dt'):
        return '%s %s' % (tag, v)
    if tag == 'N':
        return 'N'
    if tag == 'Ix':
        return 'Ix t ' + mc.fmt_tensor(v)
    raise ValueError(tag)


def run(cid, name, args, fn, note, loose):
    lines = ['=== %d %s' % (cid, name)]
    for i, a in enumerate(args):
        lines.append('a%d %s' % (i, arg_line(a)))
    vals = [value(a) for a in args]
    before = [a[1].base.clone() for a in args if a[0] == 'T']
    try:
        res = fn(*vals)
    except Exception as e:  # noqa
        lines.append('error %s %s' % (type(e).__name__, str(e).split('\n')[0]))
        for b, a in zip(before, [a for a in args if a[0] == 'T']):
            assert torch.equal(b, a[1].base), name
        if note:
            lines.append('note ' + note)
        return lines
    outs = list(res) if isinstance(res, (tuple, list)) else [res]
    for k, o in enumerate(outs):
        lines.append('out%d %s' % (k, mc.fmt_tensor(o)))
    if loose:
        lines.append('loose ' + loose)
    if note:
        lines.append('note ' + note)
    if name.split(':')[0].endswith('_'):
        lines.append('base0 ' + mc.fmt_tensor(args[0][1].base))
    return lines


# ---- A. arithmetic with wrap-around ----

def scalars_for(dt):
    lo, hi = RANGE[dt]
    return [1, -1, 2, hi, lo, hi + 1, lo - 1] if dt != 'int64' else [1, -1, 2, hi, lo]


def binary_pairs(dts=INTS, long=True):
    """(a, b) argument pairs: corners against rolled corners, another dtype's, bool, 0-dim tensors, long operands."""
    out = []
    for dt in dts:
        c = corners(dt)
        for k in (1, 3):
            out.append((T(dt, c), T(dt, roll(c, k))))
        out.append((T(dt, c[:6], [2, 3]), T(dt, roll(c, 2)[:6], [2, 3])))
        other = rng.choice([d for d in INTS if d != dt])
        out.append((T(dt, c), T(other, cycle(roll(corners(other), 2), len(c)))))
        out.append((T(dt, c), T('bool', cycle([True, False, True], len(c)))))
        out.append((T(dt, c), T('int64', [rng.choice(corners('int64'))], [])))
        out.append((T(dt, [c[0]], []), T(dt, c)))
        if long:
            out.append((T(dt, cycle(c, 67)), T(dt, cycle(roll(c, 1), 67))))
            # broadcast over a long row, and a transposed [67, 2] against a row of two (the kernels' strided loops)
            out.append((T(dt, cycle(c, 134), [2, 67]), T(dt, cycle(roll(c, 3), 67), [1, 67])))
            out.append((T(dt, cycle(roll(c, 2), 134), [67, 2], layout='view'), T(dt, [c[-1], c[0]])))
    return out


def wrap(name, fn, dts=INTS, scalars=True, float_scalar=True):
    for a, b in binary_pairs(dts):
        case(name, [a, b], fn)
    for dt in dts:
        c = corners(dt)
        if scalars:
            for s in scalars_for(dt):
                case(name, [T(dt, c), ('L', s)], fn, tag='scalar')
        if float_scalar:
            case(name, [T(dt, c), ('D', 2.5)], fn, tag='float')
            case(name, [T(dt, c), T('float32', [0.5, -1.5, 3.0], [3, 1])], fn, tag='float')


wrap('add', lambda a, b: a + b)
wrap('sub', lambda a, b: a - b)
wrap('mul', lambda a, b: a * b)
for dt in ['bool'] + INTS:
    for nm, f in [('neg', torch.neg), ('abs', torch.abs), ('square', torch.square), ('bitwiseNot', torch.bitwise_not),
                  ('sign', torch.sign)]:
        case(nm, [T(dt, corners(dt))], f)
        case(nm, [T(dt, cycle(corners(dt), 67))], f, tag='long')
# rsub: a Python int minus the tensor (uint8 underflow)
for dt in INTS:
    case('rsub', [T(dt, corners(dt)), ('L', 0)], lambda a, s: s - a)
    case('rsub', [T(dt, corners(dt)), ('L', 1)], lambda a, s: s - a)
# alpha (a Python int, Java double): add/sub with a scaled second operand
for dt in INTS:
    c = corners(dt)
    case('add', [T(dt, c), T(dt, roll(c, 1)), ('D', 2.0)], lambda a, b, al: torch.add(a, b, alpha=int(al)),
         tag='alpha')
    case('sub', [T(dt, c), T(dt, roll(c, 2)), ('D', -1.0)], lambda a, b, al: torch.sub(a, b, alpha=int(al)),
         tag='alpha')

# sum/prod/cumsum/cumprod/mean of integer and bool types
RED_DTS = ['bool'] + INTS


def red_input(dt, shape):
    n = 1
    for s in shape:
        n *= s
    c = corners(dt)
    return T(dt, cycle(roll(c, rng.randrange(len(c))), n), shape)


for dt in RED_DTS:
    for shape, dims in [([12], [0]), ([3, 4], [1]), ([3, 4], [0, 1]), ([2, 3, 2], [0, 2]), ([3, 4], [])]:
        for keep in (False, True):
            case('sum', [red_input(dt, shape), ('il', dims), ('b', keep)],
                 lambda t, ds, k: torch.sum(t, ds, keepdim=k))
        # a floating dtype= converts the input first, then sums in that type, in an order the implementation picks
        # (PyTorch's cascade of float32 partials, Ember's double accumulation): only where every partial sum is exact
        floats = {'int32': ('float64',), 'int64': ()}.get(dt, ('float32', 'float64'))
        for d in ('int8', 'int16', 'int32', 'uint8') + floats:
            case('sum', [red_input(dt, shape), ('il', dims), ('b', False), ('dt', d)],
                 lambda t, ds, k, d: torch.sum(t, ds, keepdim=k, dtype=d), tag='dtype')
    case('sum', [red_input(dt, [67])], lambda t: torch.sum(t), tag='all')
    case('sum', [red_input(dt, [5, 67])], lambda t: torch.sum(t), tag='all')
    for shape, d in [([12], 0), ([3, 4], 1), ([3, 4], 0), ([2, 3, 2], 2)]:
        case('prod', [red_input(dt, shape), ('i', d), ('b', False)], lambda t, d, k: torch.prod(t, d, keepdim=k))
        for odt in ('int8', 'int16', 'uint8', 'float64'):
            case('prod', [red_input(dt, shape), ('i', d), ('b', True), ('dt', odt)],
                 lambda t, d, k, o: torch.prod(t, d, keepdim=k, dtype=o), tag='dtype')
        for op, f in [('cumsum', torch.cumsum), ('cumprod', torch.cumprod)]:
            case(op, [red_input(dt, shape), ('i', d)], (lambda f: lambda t, d: f(t, d))(f))
            for odt in ('int8', 'uint8', 'int32', 'float32'):
                case(op, [red_input(dt, shape), ('i', d), ('dt', odt)],
                     (lambda f: lambda t, d, o: f(t, d, dtype=o))(f), tag='dtype')
    case('prod', [red_input(dt, [40])], lambda t: torch.prod(t), tag='all')
    case('prod', [T(dt, [3] * 45 if dt != 'bool' else [True] * 45)], lambda t: torch.prod(t), tag='all')
    case('cumsum', [red_input(dt, [70]), ('i', 0)], lambda t, d: torch.cumsum(t, d), tag='long')
    case('cumprod', [T(dt, cycle([3, 2, 1, 5] if dt != 'bool' else [True], 70)), ('i', 0)],
         lambda t, d: torch.cumprod(t, d), tag='long')
    case('mean', [red_input(dt, [6])], lambda t: torch.mean(t))
    case('mean', [red_input(dt, [2, 3]), ('il', [1]), ('b', False)], lambda t, ds, k: torch.mean(t, ds, keepdim=k))
    for odt in ('float32', 'float64', 'int32'):
        case('mean', [red_input(dt, [2, 3]), ('il', [0]), ('b', False), ('dt', odt)],
             lambda t, ds, k, o: torch.mean(t, ds, keepdim=k, dtype=o), tag='dtype')

# pow


def powi_pairs():
    out = []
    for dt in INTS:
        lo, hi = RANGE[dt]
        base = [v for v in [0, 1, -1, 2, -2, 3, lo, hi, 7] if lo <= v <= hi]
        exps = [0, 1, 2, 3, 7, 8, 15, 16, 31, 63, -1, -2, -3]
        exps = [e for e in exps if lo <= e <= hi]
        bs = [b for b in base for _ in exps]
        es = [e for _ in base for e in exps]
        out.append((dt, bs, es))
    return out


for dt, bs, es in powi_pairs():
    case('pow', [T(dt, bs), T(dt, es)], lambda a, b: torch.pow(a, b))
    case('pow', [T(dt, bs), T('int64', [-1], [])], lambda a, b: torch.pow(a, b), tag='zerodim')
    for e in [0, 1, 2, 3, 5, 40, 63, 64, -1, -2]:
        case('pow', [T(dt, sorted(set(bs))), ('L', e)], lambda a, e: torch.pow(a, e), tag='scalar')
    case('pow', [T(dt, sorted(set(bs))), ('D', 0.5)], lambda a, e: torch.pow(a, e), tag='float')
    case('pow', [T(dt, sorted(set(bs))), ('D', -1.0)], lambda a, e: torch.pow(a, e), tag='float')
    for s in [2, -1, 0, 3]:
        if dt == 'uint8' and s < 0:
            continue
        case('pow', [('L', s), T(dt, sorted(set(es)))], lambda s, b: torch.pow(s, b), tag='base')
    case('pow', [T(dt, sorted(set(bs))), T('uint8' if dt != 'uint8' else 'int8', [3], [])],
         lambda a, b: torch.pow(a, b), tag='mixed')
case('pow', [T('bool', [True, False, True]), T('bool', [False, False, True])], lambda a, b: torch.pow(a, b), tag='bool')
case('pow', [T('bool', [True, False]), ('L', 2)], lambda a, b: torch.pow(a, b), tag='bool')
case('pow', [T('int8', [0, 1, 2]), T('int64', [[0], [1], [-1]], [3, 1])], lambda a, b: torch.pow(a, b), tag='bcast')

# division family


def div_pairs(dts, nonzero, allow_min_neg1):
    out = []
    for dt in dts:
        c = corners(dt)
        lo, hi = RANGE[dt]
        den = [v for v in [1, -1, 2, -2, 3, -3, 7, -7, hi, lo, 5] if lo <= v <= hi and v != 0]
        num = [v for v in c + [5, -5, 7, -7, 6, -6] if lo <= v <= hi]
        if not allow_min_neg1 and dt in ('int32', 'int64'):
            # MIN / -1: a trap in C++ (left out, see the header)
            pairs = [(x, y) for x in num for y in den if not (x == lo and y == -1)]
        else:
            pairs = [(x, y) for x in num for y in den]
        xs = [p[0] for p in pairs]
        ys = [p[1] for p in pairs]
        out.append((dt, xs, ys))
    return out


def div_family(name, fn, extra_args=(), scalar_ok=True):
    for dt, xs, ys in div_pairs(INTS, True, False):
        lo, hi = RANGE[dt]
        case(name, [T(dt, xs), T(dt, ys)] + list(extra_args), fn)
        case(name, [T(dt, xs[:40]), T(dt, ys[:40])] + list(extra_args), fn, tag='short')
        m = len(xs) // 2
        case(name, [T(dt, xs[:2 * m], [m, 2], layout='view'), T(dt, [ys[4], ys[-2]], [2])] + list(extra_args), fn, tag='bcast')
        # zero divisors: ZeroDivisionError (a tensor with a zero, a Python int 0, a 0-dim tensor 0)
        case(name, [T(dt, [5, 1, 0]), T(dt, [1, 0, 2])] + list(extra_args), fn, tag='zero')
        case(name, [T(dt, [5, 1, 0]), ('L', 0)] + list(extra_args), fn, tag='zero')
        case(name, [T(dt, [5, 1]), T('int64', [0], [])] + list(extra_args), fn, tag='zero')
        if dt in ('uint8', 'int8', 'int16'):
            # a wider 0-dim divisor is cast to the tensor's type: 256 (65536) is 0 there
            case(name, [T(dt, [5, 1]), T('int32', [65536 if dt == 'int16' else 256], [])] + list(extra_args), fn,
                 tag='zero')
        if scalar_ok:
            for s in [-1, 2, -3, 7, hi]:
                if not (s == -1 and dt in ('int32', 'int64')) and lo <= s:
                    vals = [v for v in corners(dt) if not (s == -1 and v == lo and dt in ('int32', 'int64'))]
                    case(name, [T(dt, vals), ('L', s)] + list(extra_args), fn, tag='scalar')
            if dt in ('int32', 'int64'):
                vals = [v for v in corners(dt) if v != lo]
                case(name, [T(dt, vals), ('L', -1)] + list(extra_args), fn, tag='scalar')
        other = rng.choice([d for d in INTS if d != dt])
        olo, ohi = RANGE[other]
        oy = [v for v in [3, -3, 2, -2, 1, 7] if olo <= v <= ohi]
        case(name, [T(dt, corners(dt)), T(other, cycle(oy, len(corners(dt))))] + list(extra_args), fn, tag='mixed')


div_family('floorDivide', lambda a, b: torch.floor_divide(a, b))
div_family('remainder', lambda a, b: torch.remainder(a, b))
div_family('fmod', lambda a, b: torch.fmod(a, b))
for mode in ('trunc', 'floor'):
    div_family('div', (lambda m: lambda a, b, s: torch.div(a, b, rounding_mode=m))(mode), extra_args=[('s', mode)])
# true division: float32 results, zero divisors give inf/nan
for dt in ['bool'] + INTS:
    c = corners(dt)
    case('div', [T(dt, c), T(dt, roll(c, 1))], lambda a, b: torch.div(a, b), tag='true')
    case('div', [T(dt, c), ('L', 0)], lambda a, b: torch.div(a, b), tag='true')
    case('div', [T(dt, c), ('L', 3)], lambda a, b: torch.div(a, b), tag='true')
    case('div', [T(dt, c), ('D', -2.0)], lambda a, b: torch.div(a, b), tag='true')
    case('trueDivide', [T(dt, c), T('int64', [3], [])], lambda a, b: torch.true_divide(a, b))
    case('remainder', [T(dt, c), ('D', 2.5)], lambda a, b: torch.remainder(a, b), tag='float')
    case('fmod', [T(dt, c), ('D', -2.5)], lambda a, b: torch.fmod(a, b), tag='float')
    case('floorDivide', [T(dt, c), ('D', 2.5)], lambda a, b: torch.floor_divide(a, b), tag='float')
    case('remainder', [T(dt, c), T('float32', [0.0], [])], lambda a, b: torch.remainder(a, b), tag='float')
case('remainder', [('L', 7), T('int8', [3, -3, 0])], lambda s, b: torch.remainder(s, b), tag='rscalar')
case('remainder', [('L', -7), T('int16', [3, -3, 2])], lambda s, b: torch.remainder(s, b), tag='rscalar')
case('floorDivide', [('L', -7), T('int32', [3, -3, 2])], lambda s, b: torch.floor_divide(s, b), tag='rscalar')


# bitwise ops
def bitwise(name, fn):
    for a, b in binary_pairs(['bool'] + INTS):
        case(name, [a, b], fn)
    for dt in ['bool'] + INTS:
        for s in ([-1, 1, 0x55, RANGE[dt][1], RANGE[dt][0]] if dt != 'bool' else [1, 0]):
            case(name, [T(dt, corners(dt)), ('L', s)], fn, tag='scalar')
    case(name, [T('int8', [1, 2]), T('float32', [1.0, 2.0])], fn, tag='float')


bitwise('bitwiseAnd', lambda a, b: torch.bitwise_and(a, b))
bitwise('bitwiseOr', lambda a, b: torch.bitwise_or(a, b))
bitwise('bitwiseXor', lambda a, b: torch.bitwise_xor(a, b))


def signed_of(dt, v):
    w = WIDTH[dt]
    v &= (1 << w) - 1
    return v - (1 << w) if v >> (w - 1) else v


def to_type(dt, v):
    return signed_of(dt, v) if dt != 'uint8' else v & 0xFF


def shift2x(left, dt, a, b):
    """2.x's lshift/rshift on values of the common type dt (BinaryOpsKernel.cpp)."""
    w = WIDTH[dt]
    neg = signed_of(dt, b) < 0
    bb = b & ((1 << w) - 1) if dt == 'uint8' else b
    if left:
        if neg or bb >= w:
            return 0
        return to_type(dt, (a << bb))
    maxs = w - (0 if dt == 'uint8' else 1)
    if neg or bb >= maxs:
        return a >> maxs
    return a >> bb


def shift_case(name, left, a, b, tag=''):
    """A shift case whose values are 2.x's: computed by shift2x on PyTorch's result type, 1.13's result compared."""
    def fn(x, y):
        r = torch.bitwise_left_shift(x, y) if left else torch.bitwise_right_shift(x, y)
        dt = mc.NAME[r.dtype]
        xs = x.to(r.dtype).expand(r.shape).reshape(-1).tolist() if isinstance(x, torch.Tensor) else \
            [to_type(dt, x)] * r.numel()
        ys = (y.to(r.dtype).expand(r.shape).reshape(-1).tolist() if isinstance(y, torch.Tensor) else
              [to_type(dt, y)] * r.numel())
        want = [shift2x(left, dt, int(p), int(q)) for p, q in zip(xs, ys)]
        out = ten(dt, want, list(r.shape))
        FN_NOTES[0] = None if torch.equal(out, r) else \
            '2.x rule (count negative or >= the width): 1.13 gives ' + str(r.reshape(-1).tolist())
        return out
    case(name, [a, b], fn, tag=tag)


FN_NOTES = [None]
for left, name in [(True, 'bitwiseLeftShift'), (False, 'bitwiseRightShift')]:
    for dt in INTS:
        w = WIDTH[dt]
        lo, hi = RANGE[dt]
        counts = [c for c in [0, 1, w - 2, w - 1, w, w + 1, 2 * w, 100, -1, -2, -w, 127, 128, 200, 255]
                  if lo <= c <= hi]
        vals = [v for v in corners(dt) + [5, 3] if lo <= v <= hi]
        xs = [v for v in vals for _ in counts]
        ys = [c for _ in vals for c in counts]
        shift_case(name, left, T(dt, xs), T(dt, ys))
        shift_case(name, left, T(dt, cycle(xs, 67)), T(dt, cycle(ys, 67)), tag='long')
        for c in [0, 1, w - 1, w, w + 3, -1, 64, 65, 300]:
            shift_case(name, left, T(dt, vals), ('L', c), tag='scalar')
        other = rng.choice([d for d in INTS if d != dt])
        shift_case(name, left, T(dt, vals), T(other, cycle([1, 7, 8, 15, 16, 31, 32, 63, 64, -1], len(vals))),
                   tag='mixed')
    shift_case(name, left, T('int64', [1, -1, 5]), T('uint8', [200], []), tag='zerodim')
    case(name, [T('bool', [True, False]), T('bool', [True, True])],
         (lambda l: lambda a, b: torch.bitwise_left_shift(a, b) if l else torch.bitwise_right_shift(a, b))(left),
         tag='bool')

# ---- B. promotion, comparisons, selection, conversions ----
PROMO = []
for dt in ['bool'] + INTS:
    c = corners(dt)
    for other in ['bool'] + INTS + ['float32', 'float64']:
        o = corners(other) if other in RANGE else [0.5, -1.5, 2.0, -0.0, 100.25]
        PROMO.append((T(dt, c), T(other, cycle(o, len(c)))))
        PROMO.append((T(dt, c), T(other, [o[1]], [])))
        PROMO.append((T(dt, [c[0]], []), T(other, cycle(o, 3))))
for a, b in PROMO:
    case('add', [a, b], lambda x, y: x + y, tag='promo')
for dt in ['bool'] + INTS:
    c = corners(dt)
    for s in [('D', 2.5), ('D', -0.5), ('L', -1), ('B', True), ('L', 0)]:
        case('add', [T(dt, c), s], lambda x, y: x + y, tag='promo')
        case('mul', [T(dt, c), s], lambda x, y: x * y, tag='promo')
    case('sub', [T(dt, c), ('B', True)], lambda x, y: x - y, tag='promo')
    case('sub', [T(dt, c), T('bool', cycle([True, False], len(c)))], lambda x, y: x - y, tag='promo')

# comparisons (out-of-range Python ints wrap to the tensor's type, see the header)
for nm, f in [('lt', torch.lt), ('le', torch.le), ('gt', torch.gt), ('ge', torch.ge), ('eq', torch.eq),
              ('ne', torch.ne)]:
    for dt in ['bool'] + INTS:
        c = corners(dt)
        lo, hi = RANGE[dt]
        for s in [-1, 0, 1, hi, lo, -2]:
            if dt == 'bool' and s not in (0, 1):
                continue
            case(nm, [T(dt, c), ('L', s)], (lambda f: lambda a, b: f(a, b))(f), tag='scalar')
        case(nm, [T(dt, c), ('D', -0.5)], (lambda f: lambda a, b: f(a, b))(f), tag='float')
        other = rng.choice([d for d in INTS + ['bool'] if d != dt])
        case(nm, [T(dt, c), T(other, cycle(roll(corners(other), 1), len(c)))], (lambda f: lambda a, b: f(a, b))(f))
        case(nm, [T(dt, c), T(dt, roll(c, 1))], (lambda f: lambda a, b: f(a, b))(f))
    case(nm, [T('uint8', [0, 1, 255, 128]), ('L', 256)], (lambda f: lambda a, b: f(a, b))(f), tag='scalar',
         note='an out-of-range Python int wraps to uint8 (1.13 and 2.x, see the header)')
    case(nm, [T('uint8', cycle([0, 1, 255, 128, 7], 67)), ('L', -1)], (lambda f: lambda a, b: f(a, b))(f), tag='long')
    case(nm, [T('int64', [2 ** 63 - 1, 2 ** 53 + 1, -2 ** 63]), ('L', 2 ** 53)], (lambda f: lambda a, b: f(a, b))(f),
         tag='int64')
    case(nm, [T('int64', [2 ** 53 + 1, 2 ** 53]), ('D', 9007199254740992.0)], (lambda f: lambda a, b: f(a, b))(f),
         tag='int64float')

# where over mixed integer dtypes


def where_uint8(k, x, y):
    # 2.x's where_self (TensorCompare.cpp) checks the condition's type before anything else
    raise RuntimeError('where expected condition to be a boolean tensor, but got a tensor with dtype Byte')


for dt in ['bool'] + INTS:
    for other in ['bool'] + INTS + ['float32']:
        c = corners(dt)
        o = corners(other) if other in RANGE else [0.5, -1.5, 2.0]
        cond = T('bool', cycle([True, False, False], len(c)))
        case('where', [cond, T(dt, c), T(other, cycle(o, len(c)))], lambda k, x, y: torch.where(k, x, y))
        case('where', [T('bool', cycle([True, False], len(c))), T(dt, c), T(other, [o[0]], [])],
             lambda k, x, y: torch.where(k, x, y), tag='zerodim')
    c = corners(dt)
    k = T('bool', cycle([False, True], len(c)))
    lo, hi = RANGE[dt]
    for s in [('L', 1), ('L', hi), ('L', lo), ('D', 2.5)]:
        case('where', [k, T(dt, c), s], lambda k, x, y: torch.where(k, x, y), tag='scalar')
        case('where', [k, s, T(dt, c)], lambda k, x, y: torch.where(k, x, y), tag='scalar')
    case('where', [T('uint8', cycle([0, 1, 2], len(c))), T(dt, c), T(dt, roll(c, 1))],
         where_uint8, tag='uint8cond',
         note='a uint8 condition: 1.13 warns and reads it as bool, 2.x refuses it (its words here)')
case('where', [T('bool', [True, False]), ('L', 3), ('L', -2)], lambda k, x, y: torch.where(k, x, y), tag='scalars')

# clamp: integer bounds keep the type, float bounds give float32
for dt in INTS:
    c = corners(dt)
    lo, hi = RANGE[dt]
    for a, b in [(-1, 1), (0, hi), (lo, 0), (2, 2), (5, -5), (lo, hi)]:
        if lo <= a <= hi and lo <= b <= hi:
            case('clamp', [T(dt, c), ('L', a), ('L', b)], lambda t, x, y: torch.clamp(t, x, y))
    for a, b in [(0.5, 2.5), (-1.5, None), (None, 100.5), (2.5, -2.5)]:
        case('clamp', [T(dt, c), ('D', a) if a is not None else ('N', None), ('D', b) if b is not None else
              ('N', None)], lambda t, x, y: torch.clamp(t, x, y), tag='float')
    case('clamp', [T(dt, cycle(c, 67)), ('L', 0), ('L', 100 if hi >= 100 else hi)], lambda t, x, y: torch.clamp(t, x, y),
         tag='long')
case('clamp', [T('bool', [True, False]), ('L', 0), ('L', 1)], lambda t, x, y: torch.clamp(t, x, y), tag='bool')

# minimum / maximum
for nm, f in [('minimum', torch.minimum), ('maximum', torch.maximum)]:
    for a, b in binary_pairs(['bool'] + INTS):
        case(nm, [a, b], (lambda f: lambda x, y: f(x, y))(f))
    for dt in INTS:
        case(nm, [T(dt, corners(dt)), T('float32', cycle([0.5, -1.5, float('nan')], len(corners(dt))))],
             (lambda f: lambda x, y: f(x, y))(f), tag='float')


# sorting and selection over duplicates
def dup_vals(dt, n):
    if dt == 'bool':
        return [rng.choice([True, False]) for _ in range(n)]
    c = corners(dt)
    pool = [c[0], c[-1] if len(c) < 9 else RANGE[dt][1], 0, 1, 1, 2, c[1]]
    return [rng.choice(pool) for _ in range(n)]


for dt in ['bool'] + INTS:
    for shape, d in [([9], 0), ([3, 5], 1), ([4, 3], 0), ([70], 0), ([2, 40], 1)]:
        n = shape[0] * (shape[1] if len(shape) > 1 else 1)
        for desc in (False, True):
            case('sort', [T(dt, dup_vals(dt, n), shape), ('i', d), ('b', desc), ('b', True)],
                 lambda t, d, de, st: torch.sort(t, dim=d, descending=de, stable=st))
            case('argsort', [T(dt, dup_vals(dt, n), shape), ('i', d), ('b', desc), ('b', True)],
                 lambda t, d, de, st: torch.argsort(t, dim=d, descending=de, stable=st))
        k = min(3, shape[d])
        for largest in (True, False):
            case('topk', [T(dt, dup_vals(dt, n), shape), ('i', k), ('i', d), ('b', largest), ('b', True)],
                 lambda t, k, d, l, s: torch.topk(t, k, dim=d, largest=l, sorted=s), loose='%d true' % d)
        for nm, f in [('cummax', torch.cummax), ('cummin', torch.cummin)]:
            case(nm, [T(dt, dup_vals(dt, n), shape), ('i', d)], (lambda f: lambda t, d: f(t, d))(f))
        for nm, f in [('argmax', torch.argmax), ('argmin', torch.argmin)]:
            case(nm, [T(dt, dup_vals(dt, n), shape), ('i', d), ('b', False)], (lambda f: lambda t, d, k: f(t, d, k))(f))
    for nm, f in [('argmax', torch.argmax), ('argmin', torch.argmin)]:
        case(nm, [T(dt, dup_vals(dt, 70))], (lambda f: lambda t: f(t))(f), tag='all')
    case('unique', [T(dt, dup_vals(dt, 11)), ('b', True), ('b', True), ('b', True)],
         lambda t, s, i, c: torch.unique(t, sorted=s, return_inverse=i, return_counts=c))
    case('unique', [T(dt, dup_vals(dt, 12), [4, 3]), ('b', True), ('b', True), ('b', True), ('i', 0)],
         lambda t, s, i, c, d: torch.unique(t, sorted=s, return_inverse=i, return_counts=c, dim=d), tag='dim')
    case('uniqueConsecutive', [T(dt, sorted(dup_vals(dt, 10)) if dt != 'bool' else dup_vals(dt, 10)), ('b', True),
                               ('b', True)], lambda t, i, c: torch.unique_consecutive(t, return_inverse=i,
                                                                                       return_counts=c))
    case('histc', [T(dt, dup_vals(dt, 5)), ('i', 4), ('D', 0.0), ('D', 3.0)], lambda t, b, lo, hi: torch.histc(t, b, lo, hi))

# bincount (non-negative integral inputs; weights' dtype decides the result's)
for dt in ['bool', 'uint8', 'int8', 'int16', 'int32', 'int64']:
    vals = [1, 0, 3, 3, 7, 1] if dt != 'bool' else [True, False, True]
    case('bincount', [T(dt, vals)], lambda t: torch.bincount(t))
    case('bincount', [T(dt, vals), ('i', 10)], lambda t, m: torch.bincount(t, minlength=m))
    for wdt in ['int8', 'int64', 'float32', 'float64', 'bool', 'uint8']:
        case('bincount', [T(dt, vals), T(wdt, cycle([2, 1, 3], len(vals)) if wdt != 'bool' else
                                         cycle([True, False], len(vals))), ('i', 0)],
             lambda t, w, m: torch.bincount(t, w, minlength=m), tag='weights')
    if dt not in ('bool', 'uint8'):
        case('bincount', [T(dt, [1, -1, 2])], lambda t: torch.bincount(t), tag='negative')
case('bincount', [T('float32', [1.0, 2.0])], lambda t: torch.bincount(t), tag='float')
case('bincount', [T('int64', [[1, 2]], [1, 2])], lambda t: torch.bincount(t), tag='2d')

# to(dtype): between integer types and bool (wrap), float to integer inside the range (truncation), int64 to floats
for src in ['bool'] + INTS:
    for dst in ['bool'] + INTS + ['float16', 'bfloat16', 'float32', 'float64']:
        case('to', [T(src, corners(src)), ('dt', dst)], lambda t, d: t.to(d))
    case('to', [T(src, cycle(corners(src), 67)), ('dt', 'int8' if src != 'int8' else 'uint8')], lambda t, d: t.to(d),
         tag='long')
FPOOL = [-0.0, 0.0, 0.5, -0.5, 0.99, -0.99, 1.5, -1.5, 2.7, -2.7, 100.9, -100.9, 127.5, -128.7, 254.9, 255.5, 1000.5,
         -1000.5, 32767.9, -32768.5, 2147483520.0, -2147483648.0, 9.2233715e18, -9.223372036854775808e18, 1e-30]
for src in ['float16', 'bfloat16', 'float32', 'float64']:
    for dst in ['bool'] + INTS:
        lo, hi = RANGE[dst]
        vals = []
        for v in FPOOL + ([float('nan'), float('inf'), -float('inf')] if dst == 'bool' else []):
            held = torch.tensor(v, dtype=torch.float64).to(DT[src]).item()
            # defined: the truncation lies in the destination's range (lo - 1 < held < hi + 1); bool takes anything
            if dst == 'bool' or (lo - 1 < held < hi + 1):
                vals.append(v)
        case('to', [T(src, vals), ('dt', dst)], lambda t, d: t.to(d), tag='float')

# logical ops over mixed types
for nm, f in [('logicalAnd', torch.logical_and), ('logicalOr', torch.logical_or), ('logicalXor', torch.logical_xor)]:
    for dt in ['bool'] + INTS:
        for other in ['bool'] + INTS + ['float32']:
            c = corners(dt)
            o = corners(other) if other in RANGE else [0.0, -0.0, 0.5, float('nan'), -1.0]
            case(nm, [T(dt, c), T(other, cycle(roll(o, 1), len(c)))], (lambda f: lambda a, b: f(a, b))(f))
for dt in ['bool'] + INTS + ['float32']:
    case('logicalNot', [T(dt, corners(dt) if dt in RANGE else [0.0, -0.0, float('nan'), 2.0])],
         lambda a: torch.logical_not(a))

# ---- C. reductions and indexing ----
for dt in ['bool'] + INTS:
    for shape, dims in [([2, 3, 4], [0, 2]), ([2, 3, 4], [1]), ([3, 4], [0, 1]), ([70], [0]), ([3, 4], [])]:
        n = 1
        for s in shape:
            n *= s
        for keep in (False, True):
            for nm, f in [('amax', torch.amax), ('amin', torch.amin)]:
                case(nm, [T(dt, dup_vals(dt, n), shape), ('il', dims), ('b', keep)],
                     (lambda f: lambda t, d, k: f(t, d, keepdim=k))(f))
        vals = [rng.choice([0, 0, 1, 2] if dt != 'bool' else [True, False]) for _ in range(n)]
        for nm, f in [('any', torch.any), ('all', torch.all)]:
            # 1.13's any/all take one dim; a list is 2.x's (each dim in turn, same values)
            def red(t, d, k, f=f):
                if not d:
                    d = list(range(t.dim()))
                r = t
                for x in sorted(d, reverse=True):
                    r = f(r, x, keepdim=k)
                return r
            case(nm, [T(dt, vals, shape), ('il', dims), ('b', False)], red,
                 note='any/all over a list of dims is 2.x\'s (composed here one dim at a time)')
            case(nm, [T(dt, [1 if dt != 'bool' else True] * n, shape), ('il', dims), ('b', True)], red,
                 note='any/all over a list of dims is 2.x\'s (composed here one dim at a time)')
        case('countNonzero', [T(dt, vals, shape), ('il', dims)],
             lambda t, d: torch.count_nonzero(t, dim=d if d else None))
    case('any', [T(dt, [0, 0, 2, 0] if dt != 'bool' else [False, True], [4] if dt != 'bool' else [2]), ('i', 0)],
         lambda t, d: torch.any(t, d), tag='dim')
    case('all', [T(dt, [1, 3, 2, 0] if dt != 'bool' else [True, True], [4] if dt != 'bool' else [2]), ('i', 0)],
         lambda t, d: torch.all(t, d), tag='dim')
    case('amax', [T(dt, [], [0]), ('il', [0]), ('b', False)], lambda t, d, k: torch.amax(t, d, keepdim=k), tag='empty')

# gather / scatter / scatterReduce / indexAdd
for dt in ['bool'] + INTS:
    c = corners(dt)
    src = T(dt, cycle(c, 12), [3, 4])
    case('gather', [src, ('i', 1), T('int64', [0, 3, 3, 1, 2, 2], [3, 2])], lambda t, d, i: torch.gather(t, d, i))
    case('gather', [T(dt, cycle(c, 12), [3, 4]), ('i', 1), T('int64', [0, 4], [1, 2])],
         lambda t, d, i: torch.gather(t, d, i), tag='oob')
    lo, hi = RANGE[dt]
    for v in ([1, -1, hi] if dt != 'bool' else [1, 0]):
        case('scatter', [T(dt, cycle(c, 8), [2, 4]), ('i', 1), T('int64', [0, 3, 1, 1], [2, 2]), ('L', v)],
             lambda t, d, i, v: torch.scatter(t, d, i, v))
    case('scatter', [T(dt, cycle(c, 8), [2, 4]), ('i', 1), T('int64', [0, 3, 2, 1], [2, 2]), ('D', 2.5)],
         lambda t, d, i, v: torch.scatter(t, d, i, v), tag='float')
    case('scatter', [T(dt, cycle(c, 8), [2, 4]), ('i', 1), T('int64', [0, 3, 2, 1], [2, 2]),
                     T(dt, roll(cycle(c, 4), 1), [2, 2])], lambda t, d, i, s: torch.scatter(t, d, i, s), tag='src')
    if dt == 'bool':
        continue
    for red_ in ['sum', 'prod', 'amax', 'amin', 'mean']:
        for incl in (True, False):
            self_vals = cycle(roll(c, 2), 6)
            src_vals = cycle(c, 8)
            idx = [0, 0, 2, 2, 2, 5, 0, 2]
            case('scatterReduce', [T(dt, self_vals), ('i', 0), T('int64', idx), T(dt, src_vals), ('s', red_),
                                   ('b', incl)], lambda t, d, i, s, r, inc: torch.scatter_reduce(
                t, d, i, s, r, include_self=inc))
            mvals = [5, -7, 3, -1, 2, 9, -4, 6] if dt != 'uint8' else [5, 7, 3, 1, 2, 9, 4, 6]
            case('scatterReduce', [T(dt, [4, -3, 0, 7, 1, 2] if dt != 'uint8' else [4, 3, 0, 7, 1, 2]), ('i', 0),
                                   T('int64', [0, 0, 1, 1, 1, 3, 4, 4]), T(dt, mvals), ('s', red_), ('b', incl)],
                 lambda t, d, i, s, r, inc: torch.scatter_reduce(t, d, i, s, r, include_self=inc), tag='small')
        case('scatterReduce_', [T(dt, cycle(roll(c, 1), 6), layout='plain'), ('i', 0), T('int64', [1, 1, 4]),
                                T(dt, [c[-1], c[-1], c[0]]), ('s', red_), ('b', True)],
             lambda t, d, i, s, r, inc: t.scatter_reduce_(d, i, s, r, include_self=inc), tag='inplace')
    case('scatterReduce', [T(dt, [1, 2]), ('i', 0), T('int64', [0, 1]), T(dt, [1, 2]), ('s', 'mul'), ('b', True)],
         lambda t, d, i, s, r, inc: torch.scatter_reduce(t, d, i, s, r, include_self=inc), tag='badreduce')
    for alpha in (1, 2, -1):
        case('indexAdd', [T(dt, cycle(c, 8), [4, 2]), ('i', 0), T('int64', [0, 0, 3]),
                          T(dt, cycle(roll(c, 3), 6), [3, 2]), ('D', float(alpha))],
             lambda t, d, i, s, a: torch.index_add(t, d, i, s, alpha=int(a)))
    case('indexAdd_', [T(dt, cycle(c, 8), [4, 2], layout='plain'), ('i', 1), T('int32', [1, 1, 1]),
                       T(dt, cycle([hi, hi, 1], 12), [4, 3])], lambda t, d, i, s: t.index_add_(d, i, s),
         tag='inplace')
    case('indexAdd', [T(dt, [1, 2]), ('i', 0), T('int64', [0, 1]), T('int8' if dt != 'int8' else 'int16', [1, 2])],
         lambda t, d, i, s: torch.index_add(t, d, i, s), tag='mixed')


# ---- D. in-place forms, fills, and the ops that take an integer input to float or keep it ----
for dt in ['bool'] + INTS:
    c = corners(dt)
    lo, hi = RANGE[dt]
    for nm, s_ in [('add_', ('L', 1)), ('add_', ('L', -1)), ('sub_', ('L', 1)), ('mul_', ('L', -1)), ('mul_', ('L', 3)),
                   ('add_', ('D', 0.5)), ('mul_', ('D', 2.0)), ('div_', ('L', 2)), ('div_', ('D', 2.0))]:
        case(nm, [T(dt, c), s_], (lambda nm: lambda t, v: getattr(t, nm)(v))(nm))
    case('add_', [T(dt, c), T('int64', [3], [])], lambda t, v: t.add_(v), tag='zerodim')
    case('add_', [T(dt, c), T('float32', [0.5], [])], lambda t, v: t.add_(v), tag='zerodim')
    case('mul_', [T(dt, c), T('bool', cycle([True, False], len(c)))], lambda t, v: t.mul_(v), tag='bool')
    case('add_', [T(dt, c), T(dt, roll(c, 1)), ('D', 2.0)], lambda t, v, a: t.add_(v, alpha=int(a)), tag='alpha')
    case('sub_', [T(dt, c), T(dt, roll(c, 1)), ('D', -1.0)], lambda t, v, a: t.sub_(v, alpha=int(a)), tag='alpha')
    for nm in ('neg_', 'abs_', 'square_'):
        case(nm, [T(dt, c)], (lambda nm: lambda t: getattr(t, nm)())(nm))
    case('div_', [T(dt, c), ('L', -2), ('s', 'floor')], lambda t, v, m: t.div_(v, rounding_mode=m), tag='mode')
    case('div_', [T(dt, c), ('L', 0), ('s', 'trunc')], lambda t, v, m: t.div_(v, rounding_mode=m), tag='mode')
    case('clamp_', [T(dt, c), ('L', 0), ('L', 1)], lambda t, a, b: t.clamp_(a, b))
    case('clamp_', [T(dt, c), ('D', 0.5), ('D', 1.5)], lambda t, a, b: t.clamp_(a, b), tag='float')
    for v in sorted({1, -1, hi, lo, hi + 1, lo - 1, -255, -256, 2 ** 40}):
        if dt == 'int64' and not lo <= v <= hi:
            continue
        case('fill_', [T(dt, c), ('L', v)], lambda t, v: t.fill_(v))
        case('maskedFill', [T(dt, c), T('bool', cycle([True, False], len(c))), ('L', v)],
             lambda t, m, v: t.masked_fill(m, v))
    case('fill_', [T(dt, c), ('D', 2.5)], lambda t, v: t.fill_(v), tag='float')
    case('fill_', [T(dt, c), ('D', -1.0)], lambda t, v: t.fill_(v), tag='float')
    case('maskedFill', [T(dt, c), T('bool', cycle([True, False], len(c))), ('D', -0.5)],
         lambda t, m, v: t.masked_fill(m, v), tag='float')
    for nm, f in [('sqrt', torch.sqrt), ('exp', torch.exp), ('reciprocal', torch.reciprocal), ('floor', torch.floor),
                  ('round', torch.round), ('trunc', torch.trunc)]:
        case(nm, [T(dt, c)], (lambda f: lambda t: f(t))(f))
    case('floatPower', [T(dt, c), ('D', 2.0)], lambda t, e: torch.float_power(t, e))
    case('floatPower', [T(dt, c), T(dt, roll(c, 1))], lambda t, e: torch.float_power(t, e))
    case('copysign', [T(dt, c), ('D', -1.0)], lambda t, e: torch.copysign(t, e))
    case('heaviside', [T(dt, c), T(dt, roll(c, 1))], lambda t, e: torch.heaviside(t, e))
    case('addcmul', [T(dt, c), T(dt, roll(c, 1)), T(dt, roll(c, 2)), ('D', 2.0)],
         lambda t, a, b, v: torch.addcmul(t, a, b, value=int(v)))
    case('addcdiv', [T(dt, c), T(dt, roll(c, 1)), T(dt, [2] * len(c) if dt != 'bool' else c)],
         lambda t, a, b: torch.addcdiv(t, a, b))
    n = 12
    for nm, f in [('std', torch.std), ('var', torch.var), ('nanmean', torch.nanmean)]:
        case(nm, [T(dt, cycle(c, n), [3, 4]), ('il', [1]), ('b', False)], (lambda f: lambda t, d, k: f(t, d, keepdim=k))(f))
    case('nansum', [T(dt, cycle(c, 70))], lambda t: torch.nansum(t))
    case('nansum', [T(dt, cycle(c, n), [3, 4]), ('il', [0]), ('b', True)], lambda t, d, k: torch.nansum(t, d, keepdim=k))
    for shape, d in [([9], 0), ([3, 5], 1), ([70], 0)]:
        m = shape[0] * (shape[1] if len(shape) > 1 else 1)
        for nm, f in [('max', torch.max), ('min', torch.min)]:
            case(nm, [T(dt, dup_vals(dt, m), shape), ('i', d), ('b', False)], (lambda f: lambda t, d, k: f(t, d, k))(f),
                 loose='%d false' % d)
        case('median', [T(dt, dup_vals(dt, m), shape), ('i', d), ('b', True)],
             lambda t, d, k: torch.median(t, d, keepdim=k), loose='%d true' % d)
        case('mode', [T(dt, dup_vals(dt, m), shape), ('i', d), ('b', False)],
             lambda t, d, k: torch.mode(t, d, keepdim=k), loose='%d false' % d)
        case('kthvalue', [T(dt, dup_vals(dt, m), shape), ('i', 2), ('i', d), ('b', False)],
             lambda t, k, d, kd: torch.kthvalue(t, k, d, keepdim=kd), loose='%d false' % d)
    for nm, f in [('max', torch.max), ('min', torch.min), ('median', torch.median)]:
        case(nm, [T(dt, dup_vals(dt, 70))], (lambda f: lambda t: f(t))(f), tag='all')
    case('trace', [T(dt, cycle(c, 9), [3, 3])], lambda t: torch.trace(t))
    case('diff', [T(dt, c)], lambda t: torch.diff(t))
    case('dot', [T(dt, c), T(dt, roll(c, 3))], lambda a, b: torch.dot(a, b))
    case('mv', [T(dt, cycle(c, 12), [3, 4]), T(dt, c[:4])], lambda a, b: torch.mv(a, b))
    case('mm', [T(dt, cycle(c, 12), [3, 4]), T(dt, cycle(roll(c, 1), 8), [4, 2])], lambda a, b: torch.mm(a, b))
    case('mm', [T(dt, cycle(c, 37 * 5), [37, 5]), T(dt, cycle(roll(c, 1), 5 * 9), [5, 9])], lambda a, b: torch.mm(a, b),
         tag='long')


# ---- E. accumulating writes, index fills and the rest of the integer paths ----
for dt in ['bool'] + INTS:
    c = corners(dt)
    lo, hi = RANGE[dt]
    case('scatterAdd', [T(dt, cycle(c, 6)), ('i', 0), T('int64', [0, 0, 5, 5, 5, 2]), T(dt, cycle(roll(c, 5), 6))],
         lambda t, d, i, s: torch.scatter_add(t, d, i, s))
    for acc in (True, False):
        idx = torch.tensor([0, 0, 3, 0], dtype=torch.int64)
        case('indexPut_', [T(dt, cycle(c, 5), layout='plain'), ('Ix', idx), T(dt, [c[-1], c[-1], c[0], c[1]]),
                           ('b', acc)], lambda t, i, v, a: t.index_put_((i,), v, accumulate=a))
        case('indexPut', [T(dt, cycle(c, 5)), ('Ix', idx), ('L', hi), ('b', acc)],
             lambda t, i, v, a: t.index_put((i,), torch.tensor(v, dtype=t.dtype), accumulate=a), tag='scalar')
        case('put_', [T(dt, cycle(c, 6), [2, 3], layout='plain'), T('int64', [5, 5, -1, 0]),
                      T(dt, [c[-1], c[-1], c[1], c[2]]), ('b', acc)], lambda t, i, v, a: t.put_(i, v, accumulate=a))
    for v in sorted({1, -1, hi, lo, hi + 1, -255, -256}):
        if dt == 'int64' and not lo <= v <= hi:
            continue
        case('indexFill', [T(dt, cycle(c, 6), [2, 3]), ('i', 1), T('int64', [0, 2]), ('L', v)],
             lambda t, d, i, v: t.index_fill(d, i, v))
    case('indexFill', [T(dt, cycle(c, 6), [2, 3]), ('i', 1), T('int64', [0, 2]), ('D', 2.5)],
         lambda t, d, i, v: t.index_fill(d, i, v), tag='float')
    case('indexCopy', [T(dt, cycle(c, 6), [3, 2]), ('i', 0), T('int64', [2, 0]), T(dt, cycle(roll(c, 3), 4), [2, 2])],
         lambda t, d, i, s: t.index_copy(d, i, s))
    case('take', [T(dt, cycle(c, 6), [2, 3], layout='view'), T('int64', [5, -6, 0])], lambda t, i: torch.take(t, i))
    for mode in ('floor', 'trunc'):
        case('div', [T(dt, c), ('D', -2.5), ('s', mode)], lambda a, b, m: torch.div(a, b, rounding_mode=m),
             tag='floatmode')
        case('div', [T(dt, c), T('float32', [0.0, -0.0, 2.5], [3, 1]), ('s', mode)],
             lambda a, b, m: torch.div(a, b, rounding_mode=m), tag='floatmode')
    case('floorDivide', [T(dt, c), ('D', -0.0)], lambda a, b: torch.floor_divide(a, b), tag='negzero')
    case('frac', [T(dt, c)], lambda t: torch.frac(t))
    case('round', [T(dt, c), ('i', -1)], lambda t, d: torch.round(t, decimals=d), tag='decimals')
    case('xlogy', [T(dt, c), T(dt, roll(c, 1))], lambda a, b: torch.xlogy(a, b))
    case('atan2', [T(dt, c), T(dt, roll(c, 1))], lambda a, b: torch.atan2(a, b))
    case('lerp', [T(dt, c), T(dt, roll(c, 1)), ('D', 0.5)], lambda a, b, w: torch.lerp(a, b, w))
    case('addmm', [T(dt, cycle(c, 6), [3, 2]), T(dt, cycle(roll(c, 1), 12), [3, 4]),
                   T(dt, cycle(roll(c, 2), 8), [4, 2]), ('D', 2.0), ('D', 3.0)],
         lambda t, a, b, be, al: torch.addmm(t, a, b, beta=int(be), alpha=int(al)))
    case('msort', [T(dt, dup_vals(dt, 12), [4, 3])], lambda t: torch.msort(t))
    case('nonzero', [T(dt, cycle(c, 12), [3, 4], layout='view')], lambda t: torch.nonzero(t))
    case('hypot', [T(dt, c), T(dt, roll(c, 1))], lambda a, b: torch.hypot(a, b))
    case('logaddexp', [T(dt, c), T(dt, roll(c, 1))], lambda a, b: torch.logaddexp(a, b))
case('bincount', [T('int64', [1, 2]), ('i', -1)], lambda t, m: torch.bincount(t, minlength=m), tag='minlength')
case('bincount', [T('int64', [1, 2]), T('int64', [1, 2, 3]), ('i', 0)], lambda t, w, m: torch.bincount(t, w, minlength=m),
     tag='weightsize')


# ---- F. creation in the integer types: linspace/logspace truncate, arange's integer accumulation, full, eye ----
for a, b, n, dt in [(0, 10, 4, 'int64'), (-5, 5, 7, 'int8'), (0, 255, 5, 'uint8'), (-128, 127, 9, 'int8'),
                    (10, 0, 4, 'int32'), (0.5, 9.5, 5, 'int64'), (-2.5, 2.5, 6, 'int16'), (0, 1, 1, 'int8'),
                    (3, 3, 3, 'uint8'), (0, 100, 0, 'int32'), (-1, 1, 5, 'bool'), (0, 2 ** 31 - 1, 3, 'int32'),
                    (0, 10, 31, 'int16'), (-7.9, 7.9, 63, 'int8'), (0, 100, 15, 'int32'), (-1, 3, 5, 'uint8'),
                    (0, 300, 3, 'int8'), (3, -3, 7, 'int64'), (0.9, -0.9, 3, 'int32')]:
    case('Tensor.linspace', [('D', a), ('D', b), ('i', n), ('dt', dt)],
         lambda a, b, n, d: torch.linspace(a, b, n, dtype=d))
for a, b, n, base, dt in [(0, 3, 4, 10.0, 'int64'), (0, 7, 8, 2.0, 'uint8'), (0, 2, 5, 10.0, 'int32'),
                          (-1, 1, 3, 2.0, 'int16'), (0, 6, 7, 2.0, 'int8'), (1, 0, 3, 10.0, 'int64')]:
    case('Tensor.logspace', [('D', a), ('D', b), ('i', n), ('D', base), ('dt', dt)],
         lambda a, b, n, base, d: torch.logspace(a, b, n, base=base, dtype=d))
for a, b, st, dt in [(0, 5, 1.5, 'int64'), (0, 10, 3, 'int8'), (-5, 5, 2.5, 'int32'), (5, -5, -1.5, 'int16'),
                     (0, 1, 0.3, 'int64'), (0.5, 4.5, 1, 'int64'), (0, 300, 100, 'uint8'), (-3, 3, 1, 'uint8'),
                     (0, 5, 1, 'bool'), (0, 10, 0.5, 'int32'), (0, 2, 0, 'int64'), (0, 5, -1, 'int64'),
                     (0, 5.5, 1, 'int64'), (0, 5.5, 1, 'int32'), (0, 5.5, 2, 'int64'), (-5.5, 5, 2, 'int64'),
                     (0.9, -0.9, 1, 'int32'), (0, 10, 3, 'float16'), (-2.5, 2.5, 1.25, 'float32')]:
    case('Tensor.arange', [('D', a), ('D', b), ('D', st), ('dt', dt)],
         lambda a, b, s_, d: torch.arange(a, b, s_, dtype=d))
for dt in INTS + ['bool']:
    lo, hi = RANGE[dt]
    for v in sorted({0, 1, -1, hi, lo, hi + 1, lo - 1, -255, -256}):
        if dt == 'int64' and not lo <= v <= hi:
            continue
        case('Tensor.full', [('dt', dt), ('L', v), ('il', [2, 3])], lambda d, v, sh: torch.full(sh, v, dtype=d))
    case('Tensor.full', [('dt', dt), ('D', 2.5), ('il', [3])], lambda d, v, sh: torch.full(sh, v, dtype=d),
         tag='float')
    case('Tensor.eye', [('i', 3), ('i', 4), ('dt', dt)], lambda n, m, d: torch.eye(n, m, dtype=d))
    case('Tensor.arange', [('L', 5), ('dt', dt)], lambda n, d: torch.arange(n, dtype=d), tag='long')
# Python ints: int64 exact beyond 2^53
for a, b, st in [(2 ** 62, 2 ** 62 + 10, 3), (-2 ** 63, -2 ** 63 + 5, 2), (2 ** 53, 2 ** 53 + 4, 1), (0, 10, 3),
                 (10, 0, -4), (5, 0, 1)]:
    case('Tensor.arange', [('L', a), ('L', b), ('L', st)], lambda a, b, s_: torch.arange(a, b, s_), tag='int64')


# ---- G. activations, clampMin/clampMax and quantile on integer inputs; reductions to bool ----
for dt in ['bool'] + INTS:
    c = corners(dt)
    lo, hi = RANGE[dt]
    case('relu', [T(dt, c)], lambda t: torch.relu(t))
    case('F.relu6', [T(dt, c)], lambda t: torch.nn.functional.relu6(t))
    case('F.hardtanh', [T(dt, c), ('D', -2.0), ('D', 2.0)], lambda t, a, b: torch.nn.functional.hardtanh(t, a, b))
    case('F.threshold', [T(dt, c), ('D', 1.0), ('D', 20.0)], lambda t, a, b: torch.nn.functional.threshold(t, a, b))
    case('F.leakyRelu', [T(dt, c), ('D', 0.5)], lambda t, a: torch.nn.functional.leaky_relu(t, a))
    for v in (1, -1, hi, lo):
        case('clampMin', [T(dt, c), ('L', v)], lambda t, v: torch.clamp_min(t, v))
        case('clampMax', [T(dt, c), ('L', v)], lambda t, v: torch.clamp_max(t, v))
    case('clampMin', [T(dt, c), ('D', 0.5)], lambda t, v: torch.clamp_min(t, v), tag='float')
    case('quantile', [T(dt, c), ('D', 0.5)], lambda t, q: torch.quantile(t, q))
    case('sum', [red_input(dt, [3, 4]), ('il', [1]), ('b', False), ('dt', 'bool')],
         lambda t, ds, k, d: torch.sum(t, ds, keepdim=k, dtype=d), tag='tobool')
    case('prod', [red_input(dt, [3, 4]), ('i', 1), ('b', False), ('dt', 'bool')],
         lambda t, d, k, o: torch.prod(t, d, keepdim=k, dtype=o), tag='tobool')
    case('cumsum', [red_input(dt, [3, 4]), ('i', 1), ('dt', 'bool')], lambda t, d, o: torch.cumsum(t, d, dtype=o),
         tag='tobool')
    case('cumprod', [red_input(dt, [3, 4]), ('i', 0), ('dt', 'bool')], lambda t, d, o: torch.cumprod(t, d, dtype=o),
         tag='tobool')


# ---- H. the full range of the 8- and 16-bit types (values past 127 in uint8: a signed-byte reading would misorder) ----
for dt in ('uint8', 'int8', 'int16'):
    lo, hi = RANGE[dt]
    for n, shape, d in [(40, [40], 0), (70, [2, 35], 1), (12, [3, 4], 0)]:
        def full_range(n=n, lo=lo, hi=hi):
            return [rng.randint(lo, hi) for _ in range(n)]
        case('sort', [T(dt, full_range(), shape), ('i', d), ('b', False), ('b', True)],
             lambda t, d, de, st: torch.sort(t, dim=d, descending=de, stable=st), tag='range')
        case('sort', [T(dt, full_range(), shape), ('i', d), ('b', True), ('b', True)],
             lambda t, d, de, st: torch.sort(t, dim=d, descending=de, stable=st), tag='range')
        case('unique', [T(dt, full_range(), shape), ('b', True), ('b', True), ('b', True)],
             lambda t, s_, i, c: torch.unique(t, sorted=s_, return_inverse=i, return_counts=c), tag='range')
        for nm, f in [('amax', torch.amax), ('amin', torch.amin)]:
            case(nm, [T(dt, full_range(), shape), ('il', [d]), ('b', False)],
                 (lambda f: lambda t, ds, k: f(t, ds, keepdim=k))(f), tag='range')
        for nm, f in [('argmax', torch.argmax), ('argmin', torch.argmin)]:
            case(nm, [T(dt, full_range(), shape), ('i', d), ('b', False)], (lambda f: lambda t, d, k: f(t, d, k))(f),
                 tag='range')
        for nm, f in [('cummax', torch.cummax), ('cummin', torch.cummin)]:
            case(nm, [T(dt, full_range(), shape), ('i', d)], (lambda f: lambda t, d: f(t, d))(f), tag='range')
        case('topk', [T(dt, full_range(), shape), ('i', 3), ('i', d), ('b', True), ('b', True)],
             lambda t, k, d, l, s_: torch.topk(t, k, dim=d, largest=l, sorted=s_), loose='%d true' % d, tag='range')
        case('kthvalue', [T(dt, full_range(), shape), ('i', 2), ('i', d), ('b', True)],
             lambda t, k, d, kd: torch.kthvalue(t, k, d, keepdim=kd), loose='%d true' % d, tag='range')
        case('median', [T(dt, full_range(), shape), ('i', d), ('b', True)],
             lambda t, d, k: torch.median(t, d, keepdim=k), loose='%d true' % d, tag='range')
        case('max', [T(dt, full_range(), shape), ('i', d), ('b', True)], lambda t, d, k: torch.max(t, d, k),
             loose='%d true' % d, tag='range')
        case('maximum', [T(dt, full_range(), shape), T(dt, full_range(), shape)], lambda a, b: torch.maximum(a, b),
             tag='range')
        case('lt', [T(dt, full_range(), shape), T(dt, full_range(), shape)], lambda a, b: torch.lt(a, b), tag='range')
        case('clamp', [T(dt, full_range(), shape), ('L', max(lo, -100)), ('L', min(hi, 200))],
             lambda t, a, b: torch.clamp(t, a, b), tag='range')
        case('sum', [T(dt, full_range(), shape), ('il', [d]), ('b', False)], lambda t, ds, k: torch.sum(t, ds, keepdim=k),
             tag='range')
        case('to', [T(dt, full_range(), shape), ('dt', 'float32')], lambda t, o: t.to(o), tag='range')
        case('bincount', [T(dt, [abs(v) % 300 for v in full_range()])], lambda t: torch.bincount(t), tag='range')
        case('searchsorted', [T(dt, sorted(full_range(n=9))), T(dt, full_range(n=6))],
             lambda s_, v: torch.searchsorted(s_, v), tag='range')
        case('histc', [T('float32', full_range()), ('i', 5), ('D', float(lo)), ('D', float(hi))],
             lambda t, b, a, z: torch.histc(t, b, a, z), tag='range')


def main():
    out = []
    for cid, (name, args, fn, note, loose) in enumerate(CASES):
        FN_NOTES[0] = None
        lines = run(cid, name, args, fn, note, loose)
        if FN_NOTES[0]:
            lines.append('note ' + FN_NOTES[0])
        out.append('\n'.join(lines))
    sys.stdout.write('\n'.join(out) + '\n')
    sys.stderr.write('%d cases\n' % len(CASES))


if __name__ == '__main__':
    main()
