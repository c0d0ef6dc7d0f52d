# Differential fuzz round 25 for DifferentialFuzzR25Test.java: seeded TENSORS AND RESULTS PRINTED by PyTorch's repr
# under random print options; FuzzR25Interpreter.java builds each in Ember and compares toString() with the whole
# string exactly.
#   run: cd engine-cpu/src/test/resources/differentialfuzzr25 && /usr/bin/python3 make_cases.py > cases.txt
#   (PyTorch 1.13 CPU; the seed is fixed and everything is seeded, so a second run writes the same bytes)
#   a local hunt: FUZZ_SEED=<s> FUZZ_N=<n> /usr/bin/python3 make_cases.py > /tmp/hunt.txt, then the test with
#   -Dember.fuzz25.file=/tmp/hunt.txt (passed inside -Dember.test.argLine; seeds 7, 31, 99 and 5, 1500 cases each,
#   passed when this round was committed)
#
# A case draws:
# - a dtype: float32, float64, float16, bfloat16, int8/16/32/64, uint8, bool, complex64, complex128;
# - a shape: 0-dim, empty (a 0 in some dimension), 1-D to 4-D, long rows, and sizes past the threshold (a small drawn
#   threshold, or 1001 to 1400 elements under the default one) so the printout is summarized;
# - values: small fractions, integers held in floats (some past 1e8), mixed magnitudes (scientific notation), tiny and
#   huge ones, values half a unit past the precision's last digit (rounding by their exact binary value), values at
#   the formatter's switches (a max/min ratio of 1000, a max of 1e8, a min of 1e-4, float16's largest), all-equal,
#   with nan, +-inf, -0.0 and 0 sprinkled in (complex: each part drawn so, -0.0 parts included); integer types over
#   their whole range, their extremes included;
# - 0 to 2 torch.set_printoptions calls after set_printoptions(profile="default"): precision 0-10 (sometimes 12-17),
#   threshold, edgeitems 0-4, linewidth 1-500, sci_mode True/False/None, profile default/short/full (any subset; a call
#   without sci_mode resets it, as PyTorch's does); restored after the case;
# - sometimes torch.set_default_dtype(torch.float64) (so float32 prints dtype=, complex128 does not), restored after;
# - the leaf as requires_grad=True, or as an nn.Parameter ("Parameter containing:"), or neither;
# - 0 to 3 steps applied to it: views (t, T of a matrix, mT, transpose, permute, slicing with a step, select,
#   unsqueeze, expand to a new leading size, conj of a complex tensor, detach) and ops whose grad_fn then prints
#   (x * 2, x + x, neg, abs, clone, clone().mul_(2), relu, double, view(-1) of a contiguous tensor); ops that round
#   (sums, transcendental functions, a complex abs) are not drawn, so both sides hold the same values;
# - sometimes the result of an op printed whole: torch.return_types.max/min/sort/topk/kthvalue/median/mode/cummax/
#   cummin/aminmax over a drawn dimension (keepdim too; topk's k may be 0), aminmax of all elements, frexp (only of
#   tensors without ties or nan, so the indices are defined), or the plain tuple of torch.unique with return_inverse
#   and/or return_counts.
# Steps and results 1.13 has no float16 kernel for on the CPU (relu, unique, ...) are not drawn there (2.x has some).
#
# 2.x, not 1.13 (Ember follows 2.x): edgeitems=0 is handled as 2.x's torch/_tensor_str.py does (1.13 fails on it);
# ../printoptions/tensor_str_2x.py installs 2.x's get_summarized_data and _vector_str for it. aminmax is differentiable
# in 2.x (derivatives.yaml: AminmaxBackward0), 1.13 prints its results with grad_fn=<NotImplemented>: aminmax_2x
# records it as one node of that name (the suffix's length decides where the printout wraps, so the name is printed,
# not substituted afterwards). Everything else printed
# here is the same in 1.13's and 2.x's _tensor_str.py (compared for strided CPU tensors: _Formatter, _scalar_str,
# _vector_str but edgeitems=0, _tensor_str, _add_suffixes, _str_intern's dtype=/size=/grad_fn/requires_grad suffixes)
# and in both versions' Parameter.__repr__ and structseq reprs; the grad_fn names drawn are the same in both.
# Not drawn: reshape's grad_fn (1.13's ReshapeAliasBackward0 is 2.x's ViewBackward0; round 24 covers it), sparse,
# quantized, named, nested and meta tensors, devices other than the CPU, float8 types (1.13 lacks them), a default
# dtype of float16/bfloat16 (defaultdtypeprint holds those), threshold=inf given by hand (profile="full" sets it).
#
# Format: "=== r25_<k> print <what>", then
#   dflt float64                   torch.set_default_dtype(torch.float64) for this case
#   call k=v k=v ...               one torch.set_printoptions call (values as Python's repr: 'short', True, None)
#   x DTYPE SHAPE DATA             the leaf: SHAPE comma separated or '-' (0-dim); DATA row-major, '-' when empty:
#                                  floats as the hex of their bits (float16/bfloat16 4 digits, float32 8, float64 16),
#                                  complex as real,imag pairs of those, integers in decimal, bool 0/1
#   leaf rg|param|-                requires_grad_() / nn.Parameter(x) / neither
#   v STEP ARGS                    a step: t | T | mT | tr A B | perm D.. | step DIM S (x[..., ::S] on DIM) |
#                                  sel DIM I | unsq DIM | exp K (expand(K, *shape)) | conj | detach | mul2 | addself |
#                                  neg | abs | clone | imul2 (clone().mul_(2)) | relu | double | flat (view(-1))
#   w OP ARGS                      printed instead of the tensor: max|min|median|mode D KEEPDIM | sort D 0|1
#                                  (descending) | topk K D | kthvalue K D KEEPDIM | cummax D | cummin D |
#                                  aminmax D KEEPDIM | aminmax - (all elements) | frexp | unique INVERSE COUNTS
#   = REPR                         what PyTorch prints, newlines written as \n
import os
import random
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'printoptions'))
import tensor_str_2x  # noqa: E402

tensor_str_2x.install()

SEED = int(os.environ.get('FUZZ_SEED', '2525'))
N_CASES = int(os.environ.get('FUZZ_N', '520'))
rng = random.Random(SEED)
torch.manual_seed(SEED)

DT = {'float32': torch.float32, 'float64': torch.float64, 'float16': torch.float16, 'bfloat16': torch.bfloat16,
      'int8': torch.int8, 'int16': torch.int16, 'int32': torch.int32, 'int64': torch.int64, 'uint8': torch.uint8,
      'bool': torch.bool, 'complex64': torch.complex64, 'complex128': torch.complex128}
FLOATS = ('float32', 'float64', 'float16', 'bfloat16')
COMPLEX = ('complex64', 'complex128')
INTS = ('int8', 'int16', 'int32', 'int64', 'uint8')
BITS = {torch.float16: (torch.int16, 4), torch.bfloat16: (torch.int16, 4), torch.float32: (torch.int32, 8),
        torch.float64: (torch.int64, 16)}
RANGE = {'int8': (-128, 127), 'int16': (-32768, 32767), 'int32': (-2 ** 31, 2 ** 31 - 1),
         'int64': (-2 ** 63, 2 ** 63 - 1), 'uint8': (0, 255)}


def draw_dtype():
    return rng.choice(['float32'] * 4 + ['float64'] * 3 + ['float16', 'bfloat16'] * 2 + list(INTS)
                      + ['bool'] + list(COMPLEX) * 2)


def draw_shape():
    r = rng.random()
    if r < 0.08:
        return []
    if r < 0.16:  # empty: a 0 somewhere
        dims = [rng.randint(0, 3) for _ in range(rng.randint(1, 3))]
        dims[rng.randrange(len(dims))] = 0
        return dims
    if r < 0.24:  # long rows
        return [rng.randint(1, 3)] * rng.randint(0, 1) + [rng.randint(12, 60)]
    if r < 0.27:  # past the default threshold
        return rng.choice([[rng.randint(1001, 1400)], [rng.randint(11, 14), 100], [3, rng.randint(7, 9), 50]])
    rank = rng.choice([1, 1, 2, 2, 2, 3, 3, 4])
    return [rng.randint(1, 7 if rank <= 2 else 4) for _ in range(rank)]


def float_values(n, prec):
    kind = rng.choice(['small', 'small', 'int', 'int', 'bigint', 'mixed', 'mixed', 'tiny', 'huge', 'round', 'equal',
                       'edge', 'edge'])
    out = []
    if kind == 'equal':
        v = rng.choice([0.0, 1.0, -2.5, 1e-7, 3e9, 0.1, 7.0])
        out = [v] * n
    for _ in range(n if kind != 'equal' else 0):
        if kind == 'small':
            v = rng.uniform(-2, 2)
        elif kind == 'int':
            v = float(rng.randint(-rng.choice([9, 99, 999, 99999]), 999))
        elif kind == 'bigint':
            v = float(rng.randint(-10 ** 10, 10 ** 10))
        elif kind == 'mixed':
            v = rng.choice([-1, 1]) * 10 ** rng.uniform(-7, 9)
        elif kind == 'tiny':
            v = rng.choice([-1, 1]) * 10 ** rng.uniform(-44, -5)
        elif kind == 'huge':
            v = rng.choice([-1, 1]) * 10 ** rng.uniform(8, 300)
        elif kind == 'edge':  # at the formatter's switches: max/min of 1000, max of 1e8, min of 1e-4
            v = rng.choice([-1, 1]) * rng.choice([1e-4, 1e-4 * (1 + 2 ** -20), 1e-4 * (1 - 2 ** -20), 1.0, 1.5, 1000.0,
                                                   999.9999, 1000.0001, 1e8, 1e8 + 1, 1e8 - 1, 1e8 + 0.5, 0.1, 100.0,
                                                   100.5, 65504.0, 65520.0, 3.0e38, 1.0e-8])
        else:  # half a unit past the last digit the precision shows
            p = max(0, min(prec, 8))
            v = round(rng.uniform(-20, 20), p) + rng.choice([-5, 5]) * 10.0 ** (-p - 1)
        out.append(v)
    if rng.random() < 0.4 and n:
        for _ in range(rng.randint(1, 3)):
            out[rng.randrange(n)] = rng.choice([float('nan'), float('inf'), -float('inf'), -0.0, 0.0])
    return out


def draw_values(dtype, shape, prec):
    n = 1
    for s in shape:
        n *= s
    if dtype == 'bool':
        return torch.tensor([rng.random() < 0.5 for _ in range(n)], dtype=torch.bool).reshape(shape)
    if dtype in INTS:
        lo, hi = RANGE[dtype]
        if rng.random() < 0.5:
            lo, hi = max(lo, -rng.choice([9, 120, 5000])), min(hi, rng.choice([9, 120, 5000]))
        vals = [rng.randint(lo, hi) for _ in range(n)]
        if n and rng.random() < 0.3:
            vals[rng.randrange(n)] = rng.choice(RANGE[dtype])
        return torch.tensor(vals, dtype=DT[dtype]).reshape(shape)
    if dtype in COMPLEX:
        part = torch.float32 if dtype == 'complex64' else torch.float64
        re = torch.tensor(float_values(n, prec), dtype=torch.float64).to(part)
        im = torch.tensor(float_values(n, prec), dtype=torch.float64).to(part)
        if rng.random() < 0.3 and n:
            im[rng.randrange(n)] = -0.0
        return torch.complex(re, im).reshape(shape)
    return torch.tensor(float_values(n, prec), dtype=torch.float64).to(DT[dtype]).reshape(shape)


def hexes(t):
    ity, digits = BITS[t.dtype]
    mask = (1 << (4 * digits)) - 1
    return ['%0*x' % (digits, v & mask) for v in t.contiguous().view(ity).reshape(-1).tolist()]


def encode(t):
    if t.numel() == 0:
        return '-'
    if t.dtype == torch.bool:
        return ' '.join(str(int(v)) for v in t.reshape(-1).tolist())
    if t.dtype.is_complex:
        return ' '.join(hexes(torch.view_as_real(t.contiguous())))
    if t.dtype.is_floating_point:
        return ' '.join(hexes(t))
    return ' '.join(str(v) for v in t.reshape(-1).tolist())


def shape_text(shape):
    return ','.join(str(s) for s in shape) if len(shape) else '-'


def draw_options():
    calls = []
    for _ in range(rng.choice([0, 0, 1, 1, 1, 2])):
        kw = {}
        if rng.random() < 0.2:
            kw['profile'] = rng.choice(['default', 'short', 'full'])
        if rng.random() < 0.5:
            kw['precision'] = rng.randint(0, 10) if rng.random() < 0.9 else rng.randint(12, 17)
        if rng.random() < 0.5:
            kw['threshold'] = rng.choice([0, 1, 5, 10, 20, 50, 100, 1000])
        if rng.random() < 0.35:
            kw['edgeitems'] = rng.randint(0, 4)
        if rng.random() < 0.4:
            kw['linewidth'] = rng.choice([1, 8, 20, 30, 40, 60, 80, 120, 200, 500])
        if rng.random() < 0.5:
            kw['sci_mode'] = rng.choice([True, False, None])
        calls.append(kw)
    return calls


def call_text(kw):
    return 'call' + ''.join(' %s=%s' % (k, repr(v)) for k, v in kw.items())


def draw_steps(t, lines):
    """Views and exact ops on t (Python and the text lines both), returning the result."""
    for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
        d = t.dim()
        options = ['mul2', 'addself', 'neg', 'clone']
        if t.dtype != torch.bool and not t.dtype.is_complex:
            options += ['abs']
        if t.dtype.is_floating_point:
            options += ['relu', 'double']
        if t.is_contiguous():
            options += ['flat']
        options += ['unsq', 'detach']
        if t.dtype != torch.bool:
            options += ['imul2']
        if d == 2 or d == 1:
            options += ['t']
        if d >= 2:
            options += ['tr', 'perm', 'mT']
        if d == 2:
            options += ['T']
        if d >= 1:
            options += ['step', 'step', 'sel']
        if t.numel() <= 400:
            options += ['exp']
        if t.dtype.is_complex:
            options += ['conj', 'conj']
        if t.dtype == torch.bool:
            options = [o for o in options if o not in ('mul2', 'addself', 'neg', 'imul2')]
        if t.dtype.is_complex and not bool((torch.isfinite(t) & (t.real != 0) & (t.imag != 0)).all()):
            # PyTorch (1.13 here) multiplies by 2 and adds as complex arithmetic (x + 1 * x), so an infinite part
            # makes the other part nan and a -0.0 part can come out +0.0, and its complex neg gave +0.0 for a zero
            # part (0 - x) where Ember gives -0.0: differences of Ember's arithmetic, reported, not its printing's;
            # complex arithmetic is drawn only on finite, nonzero parts
            options = [o for o in options if o not in ('mul2', 'addself', 'neg', 'imul2')]
        op = rng.choice(options)
        try:
            t, text = step(t, op, d)
        except NotImplementedHere:
            continue
        lines.append('v ' + text)
    return t


class NotImplementedHere(Exception):
    pass


def step(t, op, d):
    try:
        return step_113(t, op, d)
    except RuntimeError as e:
        if 'not implemented for' in str(e):  # 1.13 lacks some float16 kernels on the CPU that 2.x has
            raise NotImplementedHere() from e
        raise


def step_113(t, op, d):
    if op == 'mul2':
        t, text = t * 2, 'mul2'
    elif op == 'addself':
        t, text = t + t, 'addself'
    elif op == 'neg':
        t, text = -t, 'neg'
    elif op == 'abs':
        t, text = t.abs(), 'abs'
    elif op == 'clone':
        t, text = t.clone(), 'clone'
    elif op == 'relu':
        t, text = t.relu(), 'relu'
    elif op == 'double':
        t, text = t.double(), 'double'
    elif op == 'flat':
        t, text = t.view(-1), 'flat'
    elif op == 't':
        t, text = t.t(), 't'
    elif op == 'T':
        t, text = t.T, 'T'
    elif op == 'mT':
        t, text = t.mT, 'mT'
    elif op == 'unsq':
        dim = rng.randint(0, d)
        t, text = t.unsqueeze(dim), 'unsq %d' % dim
    elif op == 'detach':
        t, text = t.detach(), 'detach'
    elif op == 'imul2':
        t, text = t.clone().mul_(2), 'imul2'
    elif op == 'tr':
        a, b = rng.sample(range(d), 2)
        t, text = t.transpose(a, b), 'tr %d %d' % (a, b)
    elif op == 'perm':
        p = list(range(d))
        rng.shuffle(p)
        t, text = t.permute(*p), 'perm ' + ' '.join(map(str, p))
    elif op == 'step':
        dim = rng.randrange(d)
        s = rng.randint(2, 3)
        t, text = t[(slice(None),) * dim + (slice(None, None, s),)], 'step %d %d' % (dim, s)
    elif op == 'sel':
        dim = rng.randrange(d)
        if t.shape[dim] == 0:
            raise NotImplementedHere()
        i = rng.randrange(t.shape[dim])
        t, text = t.select(dim, i), 'sel %d %d' % (dim, i)
    elif op == 'exp':
        k = rng.randint(1, 3)
        t, text = t.expand(k, *t.shape), 'exp %d' % k
    else:
        t, text = t.conj(), 'conj'
    return t, text


def draw_wrap(t, lines):
    """An op whose whole result is printed, or None."""
    if t.dim() == 0 or t.numel() == 0 or t.dtype.is_complex or t.dtype == torch.bool or rng.random() < 0.5:
        return None
    if t.dtype.is_floating_point and bool(torch.isnan(t).any()):
        return None
    if len(set(t.detach().reshape(-1).tolist())) != t.numel():  # ties: their indices are unspecified
        return None
    d = rng.randrange(t.dim())
    op = rng.choice(['max', 'min', 'sort', 'topk', 'kthvalue', 'median', 'mode', 'cummax', 'cummin', 'aminmax',
                     'unique', 'frexp'])
    if op == 'frexp' and not t.dtype.is_floating_point:
        return None
    try:
        r, text = wrap_113(t, op, d)
    except RuntimeError as e:
        if 'not implemented for' not in str(e):  # 1.13 lacks some float16 kernels on the CPU that 2.x has
            raise
        return None
    lines.append('w ' + text)
    return r


def wrap_113(t, op, d):
    n = t.shape[d]
    keep = rng.random() < 0.3
    if op in ('max', 'min', 'median', 'mode'):
        r, text = getattr(torch, op)(t, d, keepdim=keep), '%s %d %d' % (op, d, int(keep))
    elif op == 'sort':
        desc = rng.random() < 0.5
        r, text = torch.sort(t, d, descending=desc), 'sort %d %d' % (d, int(desc))
    elif op == 'topk':
        k = rng.randint(0, n)
        r, text = torch.topk(t, k, d), 'topk %d %d' % (k, d)
    elif op == 'kthvalue':
        k = rng.randint(1, n)
        r, text = torch.kthvalue(t, k, d, keepdim=keep), 'kthvalue %d %d %d' % (k, d, int(keep))
    elif op == 'cummax':
        r, text = torch.cummax(t, d), 'cummax %d' % d
    elif op == 'cummin':
        r, text = torch.cummin(t, d), 'cummin %d' % d
    elif op == 'aminmax':
        if rng.random() < 0.3:
            r, text = aminmax_2x(t, None, False), 'aminmax -'
        else:
            r, text = aminmax_2x(t, d, keep), 'aminmax %d %d' % (d, int(keep))
    elif op == 'frexp':
        r, text = torch.frexp(t), 'frexp'
    else:
        inverse, counts = rng.choice([(False, True), (True, False), (True, True)])
        r = torch.unique(t, return_inverse=inverse, return_counts=counts)
        text = 'unique %d %d' % (inverse, counts)
    return r, text


class Aminmax(torch.autograd.Function):
    """torch.aminmax as 2.x records it: one node, AminmaxBackward0 (1.13's aminmax has no derivative and prints
    grad_fn=<NotImplemented>); the name is given to the Function's backward class, which is what repr prints."""

    @staticmethod
    def forward(ctx, x, d, keep):
        mn, mx = torch.aminmax(x, dim=d, keepdim=keep)
        return mn, mx

    @staticmethod
    def backward(ctx, gmn, gmx):
        raise NotImplementedError


Aminmax._backward_cls.__name__ = 'AminmaxBackward0'


def aminmax_2x(t, d, keep):
    return torch.return_types.aminmax(Aminmax.apply(t, d, keep))


def case(k):
    lines = []
    default64 = rng.random() < 0.15
    calls = draw_options()
    dtype = draw_dtype()
    shape = draw_shape()
    torch.set_printoptions(profile='default')
    torch.set_default_dtype(torch.float64 if default64 else torch.float32)
    try:
        if default64:
            lines.append('dflt float64')
        for kw in calls:
            torch.set_printoptions(**kw)
            lines.append(call_text(kw))
        prec = ts_precision()
        x = draw_values(dtype, shape, prec)
        lines.append('x %s %s %s' % (dtype, shape_text(shape), encode(x)))
        leaf = '-'
        if dtype in FLOATS or dtype in COMPLEX:
            leaf = rng.choice(['-', '-', 'rg', 'rg', 'param'])
        if leaf == 'rg':
            x.requires_grad_()
        elif leaf == 'param':
            x = torch.nn.Parameter(x)
        lines.append('leaf ' + leaf)
        t = x if leaf == 'param' else draw_steps(x, lines)
        r = draw_wrap(t, lines)
        text = repr(t if r is None else r)
        assert '\\' not in text
        lines.append('= ' + text.replace('\n', '\\n'))
        what = '%s-%s%s' % (dtype, shape_text(shape), '' if r is None else '-' + lines[-2].split()[1])
        return what, lines
    finally:
        torch.set_printoptions(profile='default')
        torch.set_default_dtype(torch.float32)


def ts_precision():
    return tensor_str_2x.PRINT_OPTS.precision


def main():
    out = []
    for k in range(N_CASES):
        what, lines = case(k)
        out.append('=== r25_%03d print %s' % (k, what))
        out.extend(lines)
    sys.stdout.write('\n'.join(out) + '\n')


if __name__ == '__main__':
    main()
