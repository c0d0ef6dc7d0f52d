# Differential fuzz round 14 for DifferentialFuzzR14Test.java: seeded random compositions of VIEWS and IN-PLACE WRITES
# under autograd, run in PyTorch with everything observable recorded; FuzzR14Interpreter.java replays each in Ember.
#   run: cd engine-cpu/src/test/resources/differentialfuzzr14 && /usr/bin/python3 make_cases.py > cases.txt
#   (PyTorch 1.13 CPU; the seed is fixed, so a second run writes the same bytes)
#
# A program: a leaf (float64 mostly, some float32, complex128, int64, bool; requires grad or not; sometimes made in
# inference mode), optionally an intermediate (a differentiable op of the leaf), a chain of 1-4 views of it (each
# drawn from view/reshape, flatten, transpose/t/mT/T/permute/movedim, narrow, select, basic indexing with slices,
# steps, None and Ellipsis, expand, unsqueeze/squeeze, diagonal, unfold, as_strided, split/chunk/unbind (one piece
# kept, the others too), view_as_real/view_as_complex, real/imag, detach; sometimes made under no_grad or inference
# mode, sometimes a second branch of views), then 0-3 in-place writes on a view or the base (add_/mul_/div_ by
# tensors that may require grad or by numbers, copy_, fill_, zero_, clamp_, masked_fill_, x[mask] = v, index_put_ with
# accumulate, scatter_, sigmoid_/exp_/relu_; sometimes under no_grad), each followed by a snapshot, then a loss
# (the sum of weighted sums of a random choice of the float/complex variables) and its backward: plain, with
# retain_graph and a second backward, or autograd.grad with create_graph and a double backward.
# Each statement is drawn against the live PyTorch state; a statement that raises leaves the state as it was (checked
# here: PyTorch's checks all run before anything is written, for the statements drawn) and its error follows it.
#
# Format: "=== <id> V <number of lines>", then
#   leaf vN <T> <rg 0|1>            vN = the tensor T (a clone) with requires_grad_(rg)
#   op vN <name> vK [args]          a differentiable op (OPS): the intermediate
#   view vN <name> vK [args]        a view op (VIEWS)          viewm vA,vB,.. <name> vK [args]  a multi-output view op
#   ip vK <name> [args]             vK.<name>(args) in place (IPS)
#   rg_ vK <0|1>                    vK.requires_grad_(b)        retain vK       vK.retain_grad()
#   mode <nograd|inference> / endmode   enter / leave torch.no_grad() or torch.inference_mode()
#   loss vL vA:c,vB:c,..            vL = sum of c * (R(vA) * W).sum(), R = view_as_real for complex, else the tensor;
#                                   W(shape): w[k] = 1 + 0.5 ((3k) mod 11) over row-major elements, float64
#   backward vL <retain 0|1>        vL.backward(retain_graph=retain)
#   agrad2 vG vL vX                 vG = torch.autograd.grad(vL, vX, create_graph=True)[0]; then
#                                   (vG * vG * W).sum().backward() (R of vG for complex) where vG requires grad
#        args: vK a variable, i:<int>, d:<float>, il:<ints, comma separated, may be empty>, b:0|1, s:<index text>
#        index text (basic indexing): items joined by ';': 'a:b:c' a slice (empty parts: None), 'n' None, 'e' Ellipsis,
#        an integer
#   err <message>                   the line above raises this (first line of PyTorch's message; the saved-version
#                                   error cut after "instead.")
#   snap                            the state now, then one line per variable whose line changed since the last
#                                   snapshot (the others are compared with their last line):
#     "= vN <T> | rg <0|1> leaf <0|1> fn <grad_fn name|-> ver <_version|-> st <strides> off <storage offset>
#       ctg <0|1> ret <retains_grad 0|1>", and for leaves and retaining tensors "g vN <T>|none" (.grad)
#     or "= vN <T> | ! <message>" when reading grad_fn raises (a multi-output view whose base was modified)
#   T: "<dtype> [shape] : [values]"; complex128 as "complex128 float64 [shape, 2] : [re, im, ...]" (view_as_real)
# Before each statement every tensor's grad_fn is read (touch below; the Java side does the same): PyTorch regenerates a
# view's history lazily, on reading grad_fn.
# Tolerances: torch.testing.assert_close's defaults (float64 rtol 1e-7 atol 1e-7; a program with a float32 leaf
# float32's rtol 1.3e-6 atol 1e-5).
#
# 1.13 vs 2.x (Ember follows 2.x):
# - names: ReshapeAliasBackward0 -> ViewBackward0 (reshape/flatten of a viewable tensor records _reshape_alias in 1.13,
#   view in 2.x), SqueezeBackward3 -> SqueezeBackward4 (squeeze_(dim): 2.x added squeeze.dims before it), in grad_fn
#   names and in messages.
# - Rebased views get AsStridedBackward0 in both (2.x replays a view with its view_fn only where the base does not
#   support as_strided or view replay is forced; view_as_real/view_as_complex change the dtype, so their views are
#   replayed with their view_fn in both).
# - autograd.grad: 1.13's CopySlices fills the .grad of the leaves it reaches (2.x's does not: put back), and 1.13's
#   engine sometimes fails a captured graph holding CopySlices with "could not compute gradients for some functions"
#   (drawn again); a create_graph gradient's version and node are not compared ('?': PyTorch's node is the derivative
#   formula's, Ember's the last op of its composition; its version counts the engine's in-place accumulation).
# - One index item is applied bare (x[a:b]), as Ember's index(Index...) with one Index: PyTorch's tuple form of a full
#   slice, x[(a:b,)], is an alias (AliasBackward0), the bare one a slice.
# Left out (see the draws): writes into a view whose elements share memory, except fill_/zero_ and, where a stride is
# 0, every op but index_put_/masked_fill_/scatter_ (PyTorch's "unsupported operation: more than one element ..." is
# drawn; 1.13 warns and writes for those three; an overlap without a zero stride, from unfold or as_strided, PyTorch
# cannot see and writes each element as often as it appears, in an unspecified order); order-dependent scatter_ and
# index_put_ with repeated indices; a leaf that requires grad made inside inference mode (refused by both before any
# view); the version of a tensor computed outside inference mode from an inference tensor ('?': PyTorch's clone of an
# inference tensor is at version 1, its kernel's copy_ counted). detach() of an inference tensor outside inference
# mode has a version counter of its own and may be written in place (2.x's detach is 1.13's: drawn since session 46).
# Also left out where drawn (each explained there): masked_scatter_ into a non-contiguous tensor (1.13 takes the source
# in memory order, 2.x and Ember in row-major order); in-place view ops (t_, transpose_, unsqueeze_, squeeze_) on
# tensors with a view of another type, and on views a sigmoid_/exp_ saved (PyTorch's view_fn replays and freed
# nodes; reported differences); under no_grad they are drawn since session 46 (a gradient reaching the node recorded
# for the old shape is checked against it, as PyTorch's input metadata); as_strided views of
# complex storage (PyTorch replays through view_as_real, so a window outside the parent's elements gets no gradient;
# reported); detach_ of a leaf that requires grad and has views (PyTorch's backward later refuses "leaf variable has
# been moved into the graph interior"; reported); the strides of autograd.grad's results ('?').
import math
import os
import random
import sys
import warnings

import torch

warnings.filterwarnings('ignore')
SEED = int(os.environ.get('FUZZ_SEED', '1414'))
N_PROGRAMS = int(os.environ.get('FUZZ_N', '280'))
rng = random.Random(SEED)
torch.manual_seed(SEED)
NAME = {torch.float64: 'float64', torch.float32: 'float32', torch.int64: 'int64', torch.bool: 'bool',
        torch.complex128: 'complex128'}


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


def fmt(t):
    t = t.detach()
    if t.dtype == torch.complex128:
        return 'complex128 ' + fmt(torch.view_as_real(t.resolve_conj()).clone())
    flat = t.reshape(-1).tolist()
    if t.dtype == torch.float32:
        flat = [fmt_num(v) if not math.isfinite(v) else repr(float(v)) for v in flat]
        return '%s %s : [%s]' % (NAME[t.dtype], list(t.shape), ', '.join(flat))
    return '%s %s : [%s]' % (NAME[t.dtype], list(t.shape), ', '.join(fmt_num(v) for v in flat))


def two_x(text):
    # squeeze_(dim) is 1.13's 4th squeeze entry of derivatives.yaml (SqueezeBackward3), 2.x's 5th after squeeze.dims
    return text.replace('ReshapeAliasBackward0', 'ViewBackward0').replace('SqueezeBackward3', 'SqueezeBackward4')


def err_text(e):
    s = two_x(str(e).split('\n')[0])
    k = s.find(' instead.')
    if s.startswith('one of the variables needed') and k >= 0:
        s = s[:k + len(' instead.')]
    return s


def W(shape):
    n = 1
    for s in shape:
        n *= s
    return torch.tensor([1 + 0.5 * ((3 * k) % 11) for k in range(n)], dtype=torch.float64).reshape(shape)


def R(t):
    return torch.view_as_real(t) if t.is_complex() else t


def numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def values(shape, dtype):
    n = numel(shape)
    if dtype == torch.bool:
        return torch.tensor([rng.random() < 0.5 for _ in range(n)], dtype=torch.bool).reshape(shape)
    if dtype == torch.int64:
        return torch.tensor([rng.randint(-5, 5) for _ in range(n)], dtype=torch.int64).reshape(shape)
    if dtype == torch.complex128:
        re = [rng.randint(-8, 8) / 4 for _ in range(n)]
        im = [rng.randint(-8, 8) / 4 for _ in range(n)]
        return torch.complex(torch.tensor(re, dtype=torch.float64), torch.tensor(im, dtype=torch.float64)).reshape(
            shape)
    return torch.tensor([rng.randint(-8, 8) / 4 for _ in range(n)], dtype=dtype).reshape(shape)


def nonzero_values(shape, dtype):
    n = numel(shape)
    v = [rng.choice([-2, -1.5, -1, -0.5, 0.5, 1, 1.5, 2]) for _ in range(n)]
    if dtype == torch.complex128:
        return torch.complex(torch.tensor(v, dtype=torch.float64), torch.zeros(n, dtype=torch.float64)).reshape(shape)
    return torch.tensor(v, dtype=dtype).reshape(shape)


# ------------------------------------------------------------------------------------------------ the tables

def parse_index(text):
    items = []
    for part in text.split(';'):
        if part == 'n':
            items.append(None)
        elif part == 'e':
            items.append(Ellipsis)
        elif ':' in part:
            a, b, c = (None if p == '' else int(p) for p in part.split(':'))
            items.append(slice(a, b, c))
        else:
            items.append(int(part))
    # one item is indexed bare (x[a:b], not x[(a:b,)]: the tuple form of a full slice is an alias in PyTorch), as
    # Ember's index(Index...) with one Index
    return items[0] if len(items) == 1 else tuple(items)


OPS = {
    'muls': lambda x, d: x * d, 'adds': lambda x, d: x + d, 'clone': lambda x: x.clone(), 'exp': lambda x: x.exp(),
    'mul': lambda x, y: x * y,
}

VIEWS = {
    'view': lambda x, s: x.view(s), 'reshape': lambda x, s: x.reshape(s), 'flatten': lambda x, a, b: x.flatten(a, b),
    'transpose': lambda x, a, b: x.transpose(a, b), 't': lambda x: x.t(), 'mT': lambda x: x.mT, 'T': lambda x: x.T,
    'permute': lambda x, p: x.permute(p), 'movedim': lambda x, a, b: x.movedim(a, b),
    'narrow': lambda x, d, s, n: x.narrow(d, s, n), 'select': lambda x, d, i: x.select(d, i),
    'index': lambda x, s: x[parse_index(s)], 'expand': lambda x, s: x.expand(s),
    'unsqueeze': lambda x, d: x.unsqueeze(d), 'squeeze': lambda x, d: x.squeeze(d),
    'diagonal': lambda x, o, a, b: x.diagonal(o, a, b), 'unfold': lambda x, d, s, st: x.unfold(d, s, st),
    'asstrided': lambda x, s, st, o: x.as_strided(s, st, o), 'viewasreal': lambda x: torch.view_as_real(x),
    'viewascomplex': lambda x: torch.view_as_complex(x), 'real': lambda x: x.real, 'imag': lambda x: x.imag,
    'detach': lambda x: x.detach(), 'swapaxes': lambda x, a, b: x.swapaxes(a, b),
    'unflatten': lambda x, d, s: x.unflatten(d, s),
}

MULTI = {'split': lambda x, s, d: x.split(s, d), 'chunk': lambda x, c, d: x.chunk(c, d),
         'unbind': lambda x, d: x.unbind(d), 'tensorsplit': lambda x, n, d: x.tensor_split(n, d)}


def _indexput(x, m, v):
    x[m] = v
    return x


IPS = {
    'add_': lambda x, y: x.add_(y), 'mul_': lambda x, y: x.mul_(y), 'div_': lambda x, y: x.div_(y),
    'adds_': lambda x, d: x.add_(d), 'muls_': lambda x, d: x.mul_(d), 'copy_': lambda x, y: x.copy_(y),
    'fill_': lambda x, d: x.fill_(d), 'zero_': lambda x: x.zero_(), 'clamp_': lambda x, lo, hi: x.clamp_(lo, hi),
    'maskedfill_': lambda x, m, d: x.masked_fill_(m, d), 'maskput_': _indexput,
    'indexput_': lambda x, i, v, acc: x.index_put_((i,), v, accumulate=acc),
    'scatter_': lambda x, d, i, s: x.scatter_(d, i, s), 'sigmoid_': lambda x: x.sigmoid_(),
    'exp_': lambda x: x.exp_(), 'relu_': lambda x: x.relu_(), 'detach_': lambda x: x.detach_(),
    'sub_': lambda x, y: x.sub_(y), 'neg_': lambda x: x.neg_(), 'tanh_': lambda x: x.tanh_(),
    'addcmul_': lambda x, a, b, v: x.addcmul_(a, b, value=v), 'lerp_': lambda x, e, w: x.lerp_(e, w),
    'indexadd_': lambda x, d, i, s: x.index_add_(d, i, s), 'indexfill_': lambda x, d, i, v: x.index_fill_(d, i, v),
    'indexcopy_': lambda x, d, i, s: x.index_copy_(d, i, s), 'maskedscatter_': lambda x, m, s: x.masked_scatter_(m, s),
    't_': lambda x: x.t_(), 'transpose_': lambda x, a, b: x.transpose_(a, b), 'unsqueeze_': lambda x, d: x.unsqueeze_(d),
    'squeeze_': lambda x, d: x.squeeze_(d),
}


# ------------------------------------------------------------------------------------------------ program state

class Prog:
    def __init__(self):
        self.env = {}
        self.lines = []
        self.nv = 0
        self.modes = []
        self.mixed = False
        self.last = {}
        self.inference_leaf = False
        self.computed = set()
        self.saved_output_writes = set()

    def fresh(self):
        v = 'v%d' % self.nv
        self.nv += 1
        return v


def fmt_arg(a):
    if isinstance(a, str):
        return a
    if isinstance(a, bool):
        return 'b:%d' % int(a)
    if isinstance(a, int):
        return 'i:%d' % a
    if isinstance(a, float):
        return 'd:%r' % a
    if isinstance(a, (list, tuple)):
        return 'il:' + ','.join(str(x) for x in a)
    raise ValueError(a)


class Idx(str):
    """An index text argument (s:...)."""


def arg_val(p, a):
    if isinstance(a, Idx):
        return str(a)
    if isinstance(a, str):
        return p.env[a]
    return a


def arg_text(a):
    if isinstance(a, Idx):
        return 's:' + str(a)
    return fmt_arg(a)


def safe_rg(t):
    try:
        return t.requires_grad
    except RuntimeError:
        return False


def safe_fn(t):
    try:
        return t.grad_fn
    except RuntimeError:
        return None


def touch(p):
    for t in p.env.values():
        try:
            t.grad_fn
        except RuntimeError as e:
            if 'INTERNAL ASSERT' in str(e):
                # a view_as_real/view_as_complex replayed on a base that no longer requires grad: PyTorch's
                # update_tensor_hooks_on_new_gradfn asserts a node (2.x too); drawn again
                raise Redraw('internal assert')


def state(p):
    """Everything a refused statement must leave as it was."""
    out = {}
    for k, t in p.env.items():
        try:
            fn = t.grad_fn
        except RuntimeError:
            fn = 'raises'
        try:
            ver = t._version
        except RuntimeError:
            ver = None
        out[k] = (t.detach().clone(), fn, ver, t.requires_grad, None if t.grad is None else t.grad.clone())
    return out


def same_state(a, b):
    for k in a:
        x, y = a[k], b[k]
        if x[0].shape != y[0].shape:
            # an in-place view op (t_, unsqueeze_) PyTorch refuses after changing the shape (an inference tensor's
            # version counter refuses after the metadata changed): drawn again
            return False
        if not torch.equal(x[0], y[0]) and not (x[0].is_floating_point() and torch.allclose(x[0], y[0], equal_nan=True)
                                                and torch.isnan(x[0]).any()):
            return False
        if x[1] is not y[1] or x[2] != y[2] or x[3] != y[3]:
            return False
        if (x[4] is None) != (y[4] is None) or (x[4] is not None and not torch.equal(x[4], y[4])):
            return False
    return True


def run_line(p, text, fn, check_unchanged=True):
    """Runs fn (which does the statement); writes the line and its error. Returns True when it ran."""
    touch(p)
    before = state(p) if check_unchanged else None
    p.lines.append(text)
    try:
        fn()
        return True
    except (RuntimeError, IndexError) as e:
        p.lines.append('err ' + err_text(e))
        if check_unchanged and not same_state(before, state(p)):
            raise Redraw('PyTorch changed state in a refused statement: ' + text)
        return False


class Redraw(Exception):
    pass


def snap(p):
    """The snapshot lines of the variables whose line changed since the last snapshot (the Java side compares every
    variable at every snapshot, against its last line)."""
    touch(p)
    out = ['snap']
    for k in sorted(p.env, key=lambda s: int(s[1:])):
        t = p.env[k]
        try:
            fn = t.grad_fn
        except RuntimeError as e:
            lines = ['= %s %s | ! %s' % (k, fmt(t), two_x(str(e).split('\n')[0]))]
        else:
            try:
                ver = str(t._version)
            except RuntimeError:
                ver = '-'
            fname = '-' if fn is None else two_x(type(fn).__name__)
            if k in p.computed:
                # autograd.grad's create_graph result: its version counts the in-place accumulation of the engine's
                # buffers, its node is PyTorch's derivative formula's (Ember's: the last op of its composition); not
                # compared ('?') while its values and flags are
                ver = '?'
                fname = '?' if fname != '-' else fname
            if p.inference_leaf and not t.is_inference():
                # a tensor computed outside inference mode from an inference tensor: PyTorch's version counts the
                # copy_ its kernel makes into the new tensor (clone of an inference tensor is at version 1), a
                # dispatch artifact, not compared ('?')
                ver = '?'
            st = ','.join(str(s) for s in t.stride())
            ctg = str(int(t.is_contiguous()))
            if k in p.computed:
                # autograd.grad's result: its layout is the backward formulas' (not compared, '?')
                st, ctg = '?', '?'
            lines = ['= %s %s | rg %d leaf %d fn %s ver %s st %s off %d ctg %s ret %d' % (
                k, fmt(t), int(t.requires_grad), int(t.is_leaf), fname, ver, st, t.storage_offset(), ctg,
                int(t.retains_grad))]
            if t.is_leaf or t.retains_grad:
                lines.append('g %s %s' % (k, 'none' if t.grad is None else fmt(t.grad)))
        if p.last.get(k) != lines:
            out.extend(lines)
            p.last[k] = lines
    p.lines.extend(out)


# ------------------------------------------------------------------------------------------------ draws

def draw_view(x):
    """(name, args) of a view of x, or None."""
    sh = list(x.shape)
    nd = len(sh)
    ch = []
    if x.is_complex():
        ch += ['viewasreal'] * 3 + ['real', 'imag']
    if x.dtype == torch.float64 and nd >= 1 and sh[-1] == 2 and x.stride(-1) == 1 and all(
            s % 2 == 0 for s in x.stride()[:-1]) and x.storage_offset() % 2 == 0:
        ch += ['viewascomplex'] * 3
    ch += ['reshape', 'flatten', 'index', 'index', 'unsqueeze', 'detach', 'asstrided']
    if x.is_contiguous():
        ch += ['view']
    if nd >= 2:
        ch += ['transpose', 'permute', 'movedim', 'diagonal', 'mT', 'T', 'swapaxes']
    if nd >= 1:
        ch += ['unflatten', 'tensorsplit']
    if nd == 2:
        ch += ['t']
    if nd >= 1:
        ch += ['narrow', 'select', 'expand', 'squeeze', 'unfold', 'index', 'split', 'chunk', 'unbind']
    if nd <= 1:
        ch += ['T', 't']
    name = rng.choice(ch)
    d = rng.randrange(nd) if nd else 0
    if name == 'view':
        return name, [rng.choice([[numel(sh)], [-1], list(reversed(sh)), sh + [1], [1] + sh])]
    if name == 'reshape':
        return name, [rng.choice([[numel(sh)], [-1], list(reversed(sh)), sh + [1]])]
    if name == 'flatten':
        if nd == 0:
            return name, [0, -1]
        a = rng.randrange(nd)
        return name, [a, rng.randrange(a, nd)]
    if name == 'transpose':
        return name, [rng.randrange(nd), rng.randrange(-nd, nd)]
    if name == 'permute':
        q = list(range(nd))
        rng.shuffle(q)
        return name, [q]
    if name == 'swapaxes':
        return name, [rng.randrange(nd), rng.randrange(-nd, nd)]
    if name == 'unflatten':
        n = sh[d]
        sizes = rng.choice([[1, n], [n, 1], [-1, 1]] + ([[2, n // 2]] if n % 2 == 0 else []) + ([[2, -1]] if n % 2 == 0
                                                                                                 else []))
        return name, [d, sizes]
    if name == 'tensorsplit':
        return name, [rng.randint(1, 3), d]
    if name == 'movedim':
        return name, [rng.randrange(nd), rng.randrange(-nd, nd)]
    if name == 'narrow':
        if sh[d] == 0:
            return None
        s = rng.randrange(sh[d])
        return name, [d, s, rng.randint(1, sh[d] - s)]
    if name == 'select':
        if sh[d] == 0:
            return None
        return name, [d, rng.randrange(-sh[d], sh[d])]
    if name == 'index':
        items = []
        dims = 0
        for _ in range(rng.randint(1, 3)):
            r = rng.random()
            if r < 0.15:
                items.append('n')
            elif r < 0.25 and 'e' not in items:
                items.append('e')
            elif dims < nd and r < 0.45 and sh[dims] > 0:
                items.append(str(rng.randrange(-sh[dims], sh[dims])))
                dims += 1
            elif dims < nd:
                n = sh[dims]
                a = rng.choice(['', str(rng.randrange(0, n + 1))])
                b = rng.choice(['', str(rng.randrange(-n, n + 1))])
                c = rng.choice(['', '1', '2', '3'])
                items.append('%s:%s:%s' % (a, b, c))
                dims += 1
            else:
                items.append('n')
        return name, [Idx(';'.join(items))]
    if name == 'expand':
        if nd == 0:
            return name, [[rng.randint(1, 3)]]
        s = [rng.randint(2, 3) if v == 1 else v for v in sh]
        if rng.random() < 0.5:
            s = [rng.randint(1, 3)] + s
        if rng.random() < 0.3:
            s[-1] = -1
        return name, [s]
    if name == 'unsqueeze':
        return name, [rng.randrange(-nd - 1, nd + 1)]
    if name == 'squeeze':
        ones = [i for i, v in enumerate(sh) if v == 1]
        return name, [rng.choice(ones) if ones and rng.random() < 0.8 else d]
    if name == 'diagonal':
        a, b = rng.sample(range(nd), 2)
        return name, [rng.randint(-1, 1), a, b]
    if name == 'unfold':
        if sh[d] == 0:
            return None
        return name, [d, rng.randint(1, sh[d]), rng.randint(1, 2)]
    if name == 'asstrided':
        root = x._base if x._base is not None else x
        if root.is_complex() or x.is_complex():
            # over a complex storage PyTorch's views carry a view_fn (view_as_real, real, imag), so a regenerated
            # as_strided view is replayed as as_strided of its parent's replay: a window reaching outside its parent's
            # elements then sends no gradient there, where a real storage's (as_strided of the root) does; Ember
            # regenerates every view from the root (left out, reported)
            return None
        # a window into the storage as PyTorch checks it (the storage's element count)
        n = x.untyped_storage().nbytes() // x.element_size() if hasattr(x, 'untyped_storage') else \
            x.storage().size()
        k = rng.randint(1, 2)
        size = [rng.randint(1, 3) for _ in range(k)]
        stride = [rng.choice([0, 1, 2, 3]) for _ in range(k)]
        span = sum((a - 1) * b for a, b in zip(size, stride))
        if span >= n:
            return None
        off = rng.randrange(0, n - span)
        return name, [size, stride, off]
    if name == 'split':
        if sh[d] == 0:
            return None
        return name, [rng.randint(1, max(1, sh[d])), d]
    if name == 'chunk':
        return name, [rng.randint(1, 3), d]
    if name == 'unbind':
        return name, [d]
    return name, []


def new_leaf(p, t, rg):
    v = p.fresh()
    text = 'leaf %s %s %d' % (v, fmt(t), rg)

    def go():
        # row-major strides, as the Java side's leaf (clone keeps a "contiguous" tensor's odd size-1 strides)
        p.env[v] = t.clone(memory_format=torch.contiguous_format).requires_grad_(bool(rg))
    run_line(p, text, go, check_unchanged=False)
    return v


def src_shape(sh):
    """A shape broadcasting to sh."""
    r = rng.random()
    if r < 0.6 or not sh:
        return list(sh)
    if r < 0.75:
        return []
    if r < 0.9:
        return list(sh[1:])
    return [1 if rng.random() < 0.5 else s for s in sh]


def draw_ip(p, target):
    x = p.env[target]
    dt = x.dtype
    sh = list(x.shape)
    fl = dt in (torch.float64, torch.float32)
    cx = dt == torch.complex128
    ch = ['copy_', 'fill_', 'zero_', 'maskedfill_', 'maskput_', 'indexput_']
    if fl or cx:
        ch += ['add_', 'add_', 'mul_', 'mul_', 'div_', 'adds_', 'muls_', 'exp_', 'sigmoid_']
    if fl:
        ch += ['clamp_', 'relu_', 'scatter_']
    if dt == torch.int64:
        ch += ['adds_', 'clamp_']
    if fl or cx:
        ch += ['sub_', 'neg_', 'tanh_', 'addcmul_', 'lerp_']
    if fl:
        ch += ['indexadd_', 'indexcopy_']
    if fl and x.is_contiguous():
        # 1.13's CPU masked_scatter_ takes the source in the memory order of a non-contiguous self, 2.x's in row-major
        # order (its TensorIterator enforces linear iteration), as Ember: drawn on contiguous targets only
        ch += ['maskedscatter_']
    ch += ['indexfill_']
    root = x._base if x._base is not None else x
    same_storage_other_type = any(t.dtype != dt and storage_ptr(t) == storage_ptr(x) for t in p.env.values())
    if not cx and root.dtype == dt and target not in p.saved_output_writes and not same_storage_other_type:
        # in-place view ops (under grad mode or no_grad, below): not on a view whose chain changed the dtype (PyTorch replays
        # those with their view_fn and fails its own gradient shape check, "ViewAsRealBackward0 returned an invalid
        # gradient"), nor on a tensor with a view of another type (PyTorch replays
        # view_as_complex on the reshaped base and refuses its shape), nor on a view whose sigmoid_/exp_/relu_/tanh_ saved it: the
        # in-place view op's node takes the view's history of that moment as its edge, which PyTorch frees with the
        # next write's CopySlices in the backward, so its saved-tensor error names the op's node, where Ember, which
        # counts an out-of-place edge as keeping it alive, names AsStridedBackward0 (left out, reported)
        ch += ['t_' if len(sh) <= 2 else 'transpose_', 'unsqueeze_', 'squeeze_']
    if rng.random() < 0.3 and (x._base is not None or not x.requires_grad or x.grad_fn is not None):
        # detach_ of a view (refused), of a tensor without grad, or of an intermediate (its views' history then
        # starts over); not of a leaf that requires grad: its earlier views keep their edges to its accumulator, and
        # PyTorch's backward through them after a later in-place op on it refuses ("leaf variable has been moved into
        # the graph interior", left out, reported)
        ch += ['detach_']
    name = rng.choice(ch)
    grad_src = (fl or cx) and rng.random() < 0.6
    sdt = dt if not (fl and rng.random() < 0.1) else torch.float64
    if name in ('add_', 'mul_', 'copy_') and rng.random() < 0.3:
        # a source among the variables: often another view of the same storage
        srcs = [k for k, t in p.env.items() if t.dtype == dt and not t.is_inference() and broadcasts(t.shape, sh)
                and alias_determined(x, t)]
        if srcs:
            return name, [rng.choice(srcs)]
    if name == 'copy_' and (fl or cx) and rng.random() < 0.15:
        # a source of another type: copy_ casts it
        return name, [new_leaf(p, values(src_shape(sh), rng.choice([torch.int64, torch.bool])), 0)]
    if name in ('add_', 'mul_', 'copy_'):
        return name, [new_leaf(p, values(src_shape(sh), sdt), int(grad_src and sdt.is_floating_point or (
            grad_src and cx)))]
    if name == 'sub_':
        return name, [new_leaf(p, values(src_shape(sh), dt), int(grad_src))]
    if name == 'addcmul_':
        return name, [new_leaf(p, values(src_shape(sh), dt), int(grad_src)),
                      new_leaf(p, values(src_shape(sh), dt), int(rng.random() < 0.5 and (fl or cx))),
                      rng.choice([0.5, -1.0, 2.0])]
    if name == 'lerp_':
        return name, [new_leaf(p, values(src_shape(sh), dt), int(grad_src)), rng.choice([0.25, 0.5, 1.5])]
    if name in ('indexadd_', 'indexfill_', 'indexcopy_'):
        if not sh:
            return None
        d = rng.randrange(len(sh))
        if sh[d] == 0:
            return None
        k = rng.randint(1, sh[d])
        if name == 'indexcopy_' or name == 'indexfill_':
            idx = rng.sample(range(sh[d]), k)  # distinct: a repeated index copies in an unspecified order
        else:
            idx = [rng.randrange(sh[d]) for _ in range(k)]
        i = new_leaf(p, torch.tensor(idx, dtype=torch.int64), 0)
        if name == 'indexfill_':
            return name, [d, i, 1.0 if dt == torch.bool else rng.choice([-1.0, 0.5])]
        ssh = list(sh)
        ssh[d] = k
        return name, [d, i, new_leaf(p, values(ssh, dt), int(grad_src))]
    if name == 'maskedscatter_':
        m = new_leaf(p, values(sh, torch.bool), 0)
        return name, [m, new_leaf(p, values(sh, dt), int(grad_src))]
    if name == 'transpose_':
        return name, [rng.randrange(len(sh)), rng.randrange(-len(sh), len(sh))]
    if name == 'unsqueeze_':
        return name, [rng.randrange(-len(sh) - 1, len(sh) + 1)]
    if name == 'squeeze_':
        if not sh:
            return None
        ones = [j for j, v in enumerate(sh) if v == 1]
        return name, [rng.choice(ones) if ones and rng.random() < 0.8 else rng.randrange(len(sh))]
    if name == 'div_':
        return name, [new_leaf(p, nonzero_values(src_shape(sh), sdt), int(grad_src))]
    if name in ('adds_', 'muls_'):
        if dt == torch.int64:
            return name, [rng.choice([-2, 1, 3])]
        return name, [rng.choice([-1.5, -0.5, 0.5, 2.0])]
    if name == 'fill_':
        return name, [rng.choice([-1.0, 0.5, 2.0]) if dt != torch.bool else 1.0]
    if name == 'clamp_':
        return name, [-0.5, 1.0] if fl else [-1, 2]
    if name in ('maskedfill_', 'maskput_'):
        m = new_leaf(p, values(sh if rng.random() < 0.8 or name == 'maskput_' else sh[1:], torch.bool), 0)
        if name == 'maskedfill_':
            return name, [m, 1.0 if dt == torch.bool else rng.choice([-1.0, 0.75])]
        return name, [m, 1.0 if dt == torch.bool else rng.choice([-1.0, 0.75, 3.0])]
    if name == 'indexput_':
        if not sh or sh[0] == 0:
            return None
        k = rng.randint(1, 3)
        acc = rng.random() < 0.5 and dt != torch.bool
        idx = [rng.randrange(-sh[0], sh[0]) for _ in range(k)]
        if not acc:
            # a repeated index without accumulate writes in an unspecified order
            pos = sorted(set(i % sh[0] for i in idx))
            idx = pos
            k = len(idx)
        i = new_leaf(p, torch.tensor(idx, dtype=torch.int64), 0)
        vs = [k] + sh[1:]
        if rng.random() < 0.3:
            vs = sh[1:]
        v = new_leaf(p, values(vs, dt), int(grad_src and (fl or cx)))
        return name, [i, v, acc]
    if name == 'scatter_':
        if not sh:
            return None
        d = rng.randrange(len(sh))
        if sh[d] == 0:
            return None
        ish = list(sh)
        ish[d] = rng.randint(1, sh[d])
        # distinct indices along d in every line (a repeated one writes in an unspecified order)
        idx = torch.empty(ish, dtype=torch.int64)
        flat = idx.movedim(d, -1).reshape(-1, ish[d])
        for r in range(flat.shape[0]):
            flat[r] = torch.tensor(rng.sample(range(sh[d]), ish[d]))
        idx = flat.reshape([s for j, s in enumerate(ish) if j != d] + [ish[d]]).movedim(-1, d).contiguous()
        i = new_leaf(p, idx, 0)
        s = new_leaf(p, values(ish, dt), int(grad_src))
        return name, [d, i, s]
    return name, []


def storage_ptr(t):
    return t.untyped_storage().data_ptr() if hasattr(t, 'untyped_storage') else t.storage().data_ptr()


def broadcasts(shape, to):
    if len(shape) > len(to):
        return False
    return all(a == b or a == 1 for a, b in zip(reversed(list(shape)), reversed(list(to))))


def offsets(t):
    offs = torch.tensor([t.storage_offset()], dtype=torch.int64)
    for size, stride in zip(t.shape, t.stride()):
        offs = (offs[:, None] + torch.arange(size)[None, :] * stride).reshape(-1)
    return offs


def dense(t):
    """PyTorch's is_non_overlapping_and_dense, from the element offsets."""
    o = offsets(t)
    return t.numel() <= 1 or (len(set(o.tolist())) == t.numel() and int(o.max() - o.min()) + 1 == t.numel())


def alias_determined(dst, src):
    """Whether PyTorch's result of an in-place op reading src into dst is determined: src elsewhere than dst's
    elements, or both dense (PyTorch's overlap check then sees a full or partial overlap: the same tensor, or its
    "unsupported operation: some elements of the input tensor and the written-to tensor refer to a single memory
    location" refusal); an overlap it cannot see (TooHard) gives values depending on the kernel's order."""
    if src.untyped_storage().data_ptr() != dst.untyped_storage().data_ptr() if hasattr(src, 'untyped_storage') else \
            src.storage().data_ptr() != dst.storage().data_ptr():
        return True
    if not set(offsets(src).tolist()) & set(offsets(dst).tolist()):
        return True
    return dense(src) and dense(dst)


def overlaps(t):
    """Whether two elements of t share memory (an expanded, unfolded or as_strided view)."""
    if t.numel() <= 1:
        return False
    offs = torch.zeros([1], dtype=torch.int64)
    for size, stride in zip(t.shape, t.stride()):
        offs = (offs[:, None] + torch.arange(size)[None, :] * stride).reshape(-1)
    return len(set(offs.tolist())) < t.numel()


def program_once(p):
    r = rng.random()
    dt = (torch.float64 if r < 0.66 else torch.float32 if r < 0.74 else torch.complex128 if r < 0.86
          else torch.int64 if r < 0.93 else torch.bool)
    p.mixed = dt == torch.float32
    rank = rng.choice([1, 2, 2, 3, 3])
    if dt == torch.complex128:
        rank = rng.choice([1, 2])
    sh = [rng.randint(1, 4) for _ in range(rank)]
    if rng.random() < 0.15:
        sh[rng.randrange(rank)] = 2
    can_grad = dt in (torch.float64, torch.float32, torch.complex128)
    rg = int(can_grad and rng.random() < 0.75)
    inference = rng.random() < 0.04
    if inference:
        rg = 0
        p.inference_leaf = True
        p.lines.append('mode inference')
        p.modes.append(torch.inference_mode())
        p.modes[-1].__enter__()
    leaf = new_leaf(p, values(sh, dt), rg)
    if inference:
        p.lines.append('endmode')
        p.modes.pop().__exit__(None, None, None)
    base = leaf
    if can_grad and rng.random() < 0.5:
        base = p.fresh()
        name, args = rng.choice([('muls', [1.5]), ('adds', [0.5]), ('clone', []), ('exp', []), ('mul', ['*'])])
        if name == 'clone' and inference:
            # PyTorch's clone of an inference tensor outside inference mode is at version 1 (its kernel's copy_
            # counted), which the saved-version errors then show
            name, args = 'muls', [1.5]
        if name == 'mul':
            args = [new_leaf(p, nonzero_values(sh, dt), int(rng.random() < 0.5))]
        b = base
        if not run_line(p, 'op %s %s %s %s' % (b, name, leaf, ' '.join(arg_text(a) for a in args)),
                        lambda: p.env.__setitem__(b, OPS[name](p.env[leaf], *[arg_val(p, a) for a in args]))):
            return p.lines
    chain = [base]
    n_views = rng.randint(1, 4)
    mode = None
    r = rng.random()
    if r < 0.1:
        mode = 'nograd'
    elif r < 0.14:
        mode = 'inference'
    if mode:
        p.lines.append('mode ' + mode)
        p.modes.append(torch.no_grad() if mode == 'nograd' else torch.inference_mode())
        p.modes[-1].__enter__()
    branch_at = rng.randrange(n_views) if rng.random() < 0.3 else -1
    for k in range(n_views):
        src = chain[-1] if k != branch_at else chain[0]
        x = p.env[src]
        d = draw_view(x)
        if d is None:
            continue
        name, args = d
        # detach of an inference tensor outside inference mode: a version counter of its own, written in place into
        # the inference tensor's storage (2.x's detach, as 1.13's; Ember since session 46)
        tail = ' '.join(arg_text(a) for a in args)
        if name in MULTI:
            try:
                pieces = MULTI[name](x, *args)
            except RuntimeError:
                pieces = None
            if pieces is None or len(pieces) == 0 or len(pieces) > 4:
                continue
            names = [p.fresh() for _ in pieces]

            def go(names=names, name=name, src=src, args=args):
                ps = MULTI[name](p.env[src], *args)
                for nm, t in zip(names, ps):
                    p.env[nm] = t
            if run_line(p, 'viewm %s %s %s %s' % (','.join(names), name, src, tail), go):
                chain.append(rng.choice(names))
            continue
        v = p.fresh()

        def go(v=v, name=name, src=src, args=args):
            p.env[v] = VIEWS[name](p.env[src], *[arg_val(p, a) for a in args])
        if run_line(p, ('view %s %s %s %s' % (v, name, src, tail)).rstrip(), go):
            chain.append(v)
    if mode:
        p.lines.append('endmode')
        p.modes.pop().__exit__(None, None, None)
    snap(p)
    if rng.random() < 0.12:
        # requires_grad_ after the views were taken: on the leaf (its views then require grad through it), or on a
        # view or an intermediate (refused: not a leaf)
        k = leaf if rng.random() < 0.6 else rng.choice(list(p.env))
        flag = int(rng.random() < 0.8)
        run_line(p, 'rg_ %s %d' % (k, flag), lambda: p.env[k].requires_grad_(bool(flag)))
        snap(p)
    for _ in range(rng.choice([0, 1, 1, 2, 2, 3])):
        r = rng.random()
        target = chain[-1] if r < 0.6 else base if r < 0.8 else rng.choice(chain)
        d = draw_ip(p, target)
        if d is None:
            continue
        name, args = d
        t = p.env[target]
        if overlaps(t):
            zero_stride = torch._debug_has_internal_overlap(t) == 1
            if name in ('maskedfill_', 'maskput_', 'indexput_', 'scatter_', 'indexadd_', 'indexfill_', 'indexcopy_',
                        'maskedscatter_'):
                # index_put_/masked_fill_/scatter_ into an overlapping tensor: 1.13 warns and writes (left out)
                continue
            if not zero_stride and name not in ('fill_', 'zero_', 't_', 'transpose_', 'unsqueeze_', 'squeeze_'):
                # an overlap PyTorch cannot see (an unfolded or as_strided view without a zero stride): it writes
                # each element as many times as it appears, in an unspecified order (left out)
                continue
        r = rng.random()
        # in-place view ops under no_grad too (session 46: Ember keeps the node's recorded shape, as PyTorch's input
        # metadata, and checks the gradients against it)
        nograd = r < 0.08
        infer = 0.08 <= r < 0.12 and name not in ('t_', 'transpose_', 'unsqueeze_', 'squeeze_')
        if nograd or infer:
            # the write under no_grad, or inside inference_mode (a normal tensor written there bumps its version and
            # records nothing)
            p.lines.append('mode nograd' if nograd else 'mode inference')
            p.modes.append(torch.no_grad() if nograd else torch.inference_mode())
            p.modes[-1].__enter__()
            nograd = True
        tail = ' '.join(arg_text(a) for a in args)

        def go(target=target, name=name, args=args):
            out = IPS[name](p.env[target], *[arg_val(p, a) for a in args])
            assert out is p.env[target]
        run_line(p, ('ip %s %s %s' % (target, name, tail)).rstrip(), go)
        if name in ('sigmoid_', 'exp_', 'relu_', 'tanh_'):
            p.saved_output_writes.add(target)
        if nograd:
            p.lines.append('endmode')
            p.modes.pop().__exit__(None, None, None)
        snap(p)
    # the loss
    cand = [k for k, t in p.env.items() if (t.is_floating_point() or t.is_complex()) and not t.is_inference()]
    if not cand:
        return p.lines
    needs = [k for k in cand if safe_rg(p.env[k])]
    if not needs:
        return p.lines
    r = rng.random()
    leaves = [k for k, t in p.env.items() if t._base is None and t.grad_fn is None and t.requires_grad
              and t.dtype == torch.float64]
    if r < 0.8 or not leaves:
        # retain_grad on a few non-leaves (after every write: 1.13 leaves a retained tensor's hook on its old node
        # when it is changed in place, 2.x moves it; not before autograd.grad, which 2.x lets fill retained grads)
        nonleaves = [k for k in needs if safe_fn(p.env[k]) is not None]
        for k in rng.sample(nonleaves, min(len(nonleaves), rng.choice([0, 0, 1, 2]))):
            run_line(p, 'retain %s' % k, lambda k=k: p.env[k].retain_grad())
    terms = [rng.choice(needs)] + rng.sample(cand, min(len(cand), rng.randint(0, 3)))
    terms = sorted(set(terms), key=lambda s: int(s[1:]))
    coef = {k: rng.choice([-1.0, 0.5, 1.0, 2.0]) for k in terms}
    L = p.fresh()

    def go_loss():
        tot = None
        for k in terms:
            t = p.env[k]
            s = coef[k] * (R(t) * W(list(R(t).shape))).sum()
            tot = s if tot is None else tot + s
        p.env[L] = tot
    if not run_line(p, 'loss %s %s' % (L, ','.join('%s:%r' % (k, coef[k]) for k in terms)), go_loss):
        snap(p)
        return p.lines
    if r < 0.6 or (r >= 0.8 and not leaves):
        run_line(p, 'backward %s 0' % L, lambda: p.env[L].backward(), check_unchanged=False)
        snap(p)
    elif r < 0.8:
        ok = run_line(p, 'backward %s 1' % L, lambda: p.env[L].backward(retain_graph=True), check_unchanged=False)
        snap(p)
        if ok:
            run_line(p, 'backward %s 0' % L, lambda: p.env[L].backward(), check_unchanged=False)
            snap(p)
    else:
        xk = rng.choice(leaves)
        G = p.fresh()

        def go2():
            # 1.13's CopySlices fills the .grad of the leaves it reaches during autograd.grad, 2.x's does not: put back
            kept = {k: (t.grad.clone() if t.grad is not None else None) for k, t in p.env.items()
                    if t._base is None and t.grad_fn is None}
            try:
                g, = torch.autograd.grad(p.env[L], p.env[xk], create_graph=True, allow_unused=True)
            except RuntimeError as e:
                if 'could not compute gradients for some functions' in str(e):
                    # 1.13's engine, with CopySlices in the captured graph (its CopySlices calls the in-place op's
                    # node itself, which autograd.grad's capture does not expect): drawn again
                    raise Redraw('1.13 engine')
                raise
            finally:
                for k, gr in kept.items():
                    p.env[k].grad = gr
            if g is None:
                raise Redraw('unused')
            p.computed.add(G)
            p.env[G] = g
            if g.requires_grad:
                (R(g) * R(g) * W(list(R(g).shape))).sum().backward()
        run_line(p, 'agrad2 %s %s %s' % (G, L, xk), go2, check_unchanged=False)
        snap(p)
    return p.lines


def program():
    while True:
        p = Prog()
        try:
            lines = program_once(p)
        except (Redraw, AssertionError):
            lines = None
        finally:
            while p.modes:
                p.modes.pop().__exit__(None, None, None)
        # 1.13's retain_grad hook fails on an undefined gradient ("Expected a proper Tensor but got None"), 2.x's
        # skips it (VariableHooks::retain_grad checks grad.defined()); 1.13 internal asserts: drawn again
        if lines is not None and not any('INTERNAL ASSERT' in l or l.startswith('err Expected a proper Tensor but got None')
                                         for l in lines):
            return lines


def main():
    out = sys.stdout
    for i in range(N_PROGRAMS):
        lines = program()
        out.write('=== r14_%03d V %d\n' % (i, len(lines)))
        for l in lines:
            out.write(l + '\n')


if __name__ == '__main__':
    main()
