# Differential fuzz round 7 for DifferentialFuzzR7Test.java: seeded random autograd PROGRAMS (3-10 statements) run in
# PyTorch, with everything observable recorded; FuzzProgramInterpreter.java replays each in Ember and compares.
#   run: cd engine-cpu/src/test/resources/fuzz7 && /usr/bin/python3 make_cases.py > cases.txt   (PyTorch 1.13, CPU)
#
# Each program is generated and run statement by statement against the live PyTorch state (so every statement fits
# the shapes, dtypes and flags of the moment). A statement that raises leaves the state as it is; its error follows it.
#
# Format: "=== <id> P <number of statements>", then one line per statement, each possibly followed by expectations:
#   leaf vN <dtype> [shape] : [values] <rg 0|1>      vN = torch.tensor(values, dtype).reshape(shape).clone()
#                              .requires_grad_(rg) (a leaf that is not a view)
#   op vN <name> <args>        vN = the op (OPS below; the Java interpreter has the same table) of the arguments
#   opm vA,vB,.. <name> <args> a multi-output view op (unbind, split, chunk): its pieces
#   ip vN <name> <args>        vN.<name>(args) in place (vN stays the same tensor)
#        args: vK a tensor variable, i:<int>, d:<float>, il:<ints comma separated, may be empty>, b:0|1
#   detach vN vK               vN = vK.detach()          detach_ vK       vK.detach_()
#   rg_ vK 0|1                 vK.requires_grad_(b)      retain vK        vK.retain_grad()
#   hook hJ vK <kind> <d>      hJ = vK.register_hook(h): scale (g * d), replace (torch.full_like(g, d)), keep (None)
#   unhook hJ                  hJ.remove()
#   mode <nograd|enable|inference|setgrad0|setgrad1>   enter torch.no_grad() / enable_grad() / inference_mode() /
#                              set_grad_enabled(False|True) as a context; "endmode" leaves the innermost one
#   backward vK <retain 0|1> <create 0|1>   vK.backward(w, retain_graph, create_graph), w = None for a 0-dim vK, else
#                              W(shape, dtype): w[k] = 1 + 0.5 ((3k) mod 11) over row-major elements
#   agrad vA,vB,.. outs vK ins vI,vJ,.. <retain 0|1> <create 0|1> <unused 0|1>
#                              torch.autograd.grad(vK, [vI, ..], W as above, retain_graph, create_graph, allow_unused);
#                              the results (None where unused) become vA, vB, ..
#   gradof vN vK               vN = vK.grad (generated only where it is not None)
#   setgradnone vK             vK.grad = None           gradzero vK     vK.grad.zero_() (where it is not None)
#   endall                     leave every grad-mode block still open
#   err <message>              the statement above raises this (first line of PyTorch's message)
#   snap                       the state now (after every backward/agrad, after an error, and at the end): one line per
#                              variable, "= vN none" for a None, else
#                              "= vN <dtype> [shape] : [values] | rg <0|1> leaf <0|1> fn <grad_fn name|-> ver <_version|->
#                                inf <0|1> ret <0|1>" then "g vN <dtype> [shape] : [values]" or "g vN none" (.grad)
# Before each statement every tensor's grad_fn is read (touch below; the Java side does the same).
# Tolerances: torch.testing.assert_close's defaults (float64 rtol 1e-7 atol 1e-7, float32 rtol 1.3e-6 atol 1e-5); a
# program with a float32 leaf compares its float64 results at float32's too, as they are computed from float32 values
# that may differ in the last place (a float32 sin one ulp apart, raised to the power -2, differs by 2e-7 relative).
# Not compared ('?'): the version of a computed gradient (or a view of one) and the grad_fn a create_graph gradient
# came with (see snap).
#
# 1.13 vs 2.x (Ember follows 2.x; each explained where the script does it):
# - names: ReshapeAliasBackward0 -> ViewBackward0, SqueezeBackward3 -> SqueezeBackward4 (two_x_names), in grad_fn
#   names and in messages; views of a base changed in place get AsStridedBackward0 in both.
# - autograd.grad: 2.x runs an input's tensor hooks before capturing its gradient (the 1.13 result with the hooks
#   applied is written); 1.13's CopySlices fills leaves' .grad during autograd.grad, 2.x's does not (put back); 2.x
#   fills the .grad of retained non-leaves it reaches (no autograd.grad while a non-leaf retains its grad).
# - hooks: 1.13 shares one hook dict over every grad_fn a tensor had (no second hook after an in-place change); 2.x
#   runs retains_grad hooks after the others (no hook on a retained non-leaf).
# - 1.13 failures 2.x does not have (retain_grad's hook on an undefined gradient, internal asserts, a retain_grad
#   segfault) are not drawn; PyTorch's values written before an inference-tensor refusal are put back (the project's
#   rule: a refused call leaves its tensors unchanged).
# Left out: order-dependent aliasing writes, index_put_ into an expanded tensor (PyTorch warns and writes, Ember
# refuses), leaves requiring grad inside inference_mode, in-place writes into computed gradients PyTorch returns as views.
import os
import random
import sys
import warnings

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fuzz'))
import make_cases as mc  # noqa: E402  (fmt_tensor: the number format the Java side reads)

warnings.filterwarnings('ignore')
SEED = int(os.environ.get('FUZZ_SEED', '71'))
N_PROGRAMS = int(os.environ.get('FUZZ_N', '1000'))
rng = random.Random(SEED)
DT = {'float64': torch.float64, 'float32': torch.float32}


def W(shape, dtype):
    n = 1
    for s in shape:
        n *= s
    # a tensor of its own (not a view: autograd.grad returns a grad_output it captures as it is)
    return torch.tensor([1 + 0.5 * ((3 * k) % 11) for k in range(n)], dtype=torch.float64).reshape(shape).to(
        dtype).clone()


# ------------------------------------------------------------------------------------------------ the op table
# name -> (function of the materialized arguments, kind) ; kinds: 'op' (new tensor), 'view', 'ip' (in place)

def _slice(x, d, a, b, s):
    # aten::slice (Ember's slice), not Python's x[a:b:s], which 1.13 and 2.x turn into alias() for a full range
    return torch.ops.aten.slice.Tensor(x, d, a, b, s)


def _indexput(x, idx, v):
    x[idx] = v
    return x


OPS = {
    # elementwise unary
    'exp': lambda x: x.exp(), 'sin': lambda x: x.sin(), 'cos': lambda x: x.cos(), 'tanh': lambda x: x.tanh(),
    'sigmoid': lambda x: x.sigmoid(), 'relu': lambda x: x.relu(), 'abs': lambda x: x.abs(),
    'square': lambda x: x.square(), 'neg': lambda x: x.neg(), 'sqrt': lambda x: x.sqrt(), 'log': lambda x: x.log(),
    'clone': lambda x: x.clone(), 'contiguous': lambda x: x.contiguous(),
    # binary (broadcasting) and with scalars
    'add': lambda a, b: a + b, 'sub': lambda a, b: a - b, 'mul': lambda a, b: a * b, 'div': lambda a, b: a / b,
    'maximum': lambda a, b: torch.maximum(a, b), 'powt': lambda a, b: a.pow(b),
    'adds': lambda a, s: a + s, 'muls': lambda a, s: a * s, 'pows': lambda a, s: a.pow(s),
    'clamp': lambda a, lo, hi: a.clamp(lo, hi),
    'where': lambda c, a, b: torch.where(c > 0, a, b),
    # reductions
    'sum': lambda x, ds, k: x.sum(ds, k), 'sumall': lambda x: x.sum(), 'mean': lambda x, ds, k: x.mean(ds, k),
    'amax': lambda x, ds, k: x.amax(ds, k), 'prod': lambda x, d, k: x.prod(d, k),
    'logsumexp': lambda x, ds, k: x.logsumexp(ds, k), 'var': lambda x, ds, c, k: x.var(ds, correction=c, keepdim=k),
    # others
    'softmax': lambda x, d: x.softmax(d), 'logsoftmax': lambda x, d: x.log_softmax(d), 'cumsum': lambda x, d: x.cumsum(d),
    'sortv': lambda x, d, desc: x.sort(d, desc).values, 'matmul': lambda a, b: a.matmul(b),
    'cat': lambda a, b, d: torch.cat([a, b], d), 'stack': lambda a, b, d: torch.stack([a, b], d),
    'indexselect': lambda x, d, i: x.index_select(d, torch.tensor(i, dtype=torch.int64)),
    'flip': lambda x, ds: x.flip(ds), 'maskedfill': lambda x, m, v: x.masked_fill(m > 0, v),
    # views
    'view': lambda x, s: x.view(s), 'reshape': lambda x, s: x.reshape(s), 'transpose': lambda x, a, b: x.transpose(a, b),
    'permute': lambda x, p: x.permute(p), 'select': lambda x, d, i: x.select(d, i),
    'narrow': lambda x, d, s, n: x.narrow(d, s, n), 'slice': _slice, 'expand': lambda x, s: x.expand(s),
    'unsqueeze': lambda x, d: x.unsqueeze(d), 'squeeze': lambda x, d: x.squeeze(d),
    'diagonal': lambda x, o, a, b: x.diagonal(o, a, b), 'asstrided': lambda x, s, st, o: x.as_strided(s, st, o),
    'T': lambda x: x.T, 'mT': lambda x: x.mT,
    'unbind': lambda x, d: x.unbind(d), 'split': lambda x, s, d: x.split(s, d), 'chunk': lambda x, c, d: x.chunk(c, d),
    # in place
    'add_': lambda x, y: x.add_(y), 'sub_': lambda x, y: x.sub_(y), 'mul_': lambda x, y: x.mul_(y),
    'div_': lambda x, y: x.div_(y), 'adds_': lambda x, s: x.add_(s), 'muls_': lambda x, s: x.mul_(s),
    'clamp_': lambda x, lo, hi: x.clamp_(lo, hi), 'zero_': lambda x: x.zero_(), 'fill_': lambda x, v: x.fill_(v),
    'copy_': lambda x, y: x.copy_(y), 'maskedfill_': lambda x, m, v: x.masked_fill_(m > 0, v),
    'indexput_': lambda x, i, y: _indexput(x, torch.tensor(i, dtype=torch.int64), y),
    'sigmoid_': lambda x: x.sigmoid_(), 'exp_': lambda x: x.exp_(), 'tanh_': lambda x: x.tanh_(),
    'relu_': lambda x: x.relu_(), 'neg_': lambda x: x.neg_(),
}


def _gather(x, d, i):
    shape = list(x.shape)
    shape[d] = len(i) // max(1, numel(shape) // max(1, shape[d]))
    return x.gather(d, torch.tensor(i, dtype=torch.int64).reshape(shape))


OPS['gather'] = _gather


def version(t):
    """t._version, or -1 for an inference tensor. The draws read only fields (requires_grad, _base, _version, .grad):
    PyTorch's grad_fn and is_leaf getters regenerate a view's history as a side effect, which the replayed program
    would not do."""
    try:
        return t._version
    except RuntimeError:
        return -1


def safe(f):
    try:
        return f()
    except RuntimeError:
        return False


def numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


# ------------------------------------------------------------------------------------------------ program state

class Prog:
    def __init__(self):
        self.env = {}      # vN -> tensor or None
        self.hooks = {}    # hJ -> handle
        self.hooked = {}   # id(tensor) -> [(hJ, hook, version when registered)] of the hooks still registered (by
        #                    the tensor: x.contiguous() of a contiguous x is x itself, under another variable)
        self.modes = []    # entered context managers
        self.lines = []
        self.nv = 0
        self.nh = 0
        self.grads_of = set()
        self.from_inference = set()
        self.agrad_outs = set()
        self.made_fn = {}  # vN -> the grad_fn a computed gradient came with
        self.made_version = {}  # vN -> its _version when an op made it
        self.derived = set()  # variables made by ops (so non-leaves where they require grad), for the draws only

    def fresh(self):
        v = 'v%d' % self.nv
        self.nv += 1
        return v

    def tensors(self, pred=lambda t: True):
        return [k for k, t in self.env.items() if t is not None and pred(t)]


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
        return 'il:' + ','.join(str(int(x)) for x in a)
    raise ValueError(a)


def mat(p, a):
    return p.env[a] if isinstance(a, str) else a


# ------------------------------------------------------------------------------------------------ generators

SHAPES = [[3], [4], [2, 3], [3, 2], [2, 2], [2, 1, 3], [2, 3, 2], [1, 3], [3, 1], [2, 2, 2], []]


def vals(n):
    return [round(rng.uniform(-2, 2), 3) for _ in range(n)]


# An inference tensor that requires grad (made or flagged inside inference_mode) is a corner where 1.13's autograd
# records nothing for ops on it outside the mode (p3515/p0594 of seed 75): no leaf requires grad inside the mode.

def gen_leaf(p):
    dt = 'float64' if rng.random() < 0.85 else 'float32'
    shape = rng.choice(SHAPES)
    rg = rng.random() < 0.85 and not torch.is_inference_mode_enabled()
    v = p.fresh()
    vs = vals(numel(shape))

    def run():
        t = torch.tensor(vs, dtype=DT[dt]).reshape(shape).clone().requires_grad_(rg)
        p.env[v] = t
    return 'leaf %s %s %s : %s %d' % (v, dt, shape, mc.fmt_vals(vs, dt), int(rg)), run


def broadcast_partner(shape):
    """A shape broadcasting with `shape` to `shape` (a suffix, maybe with ones)."""
    r = rng.random()
    if r < 0.6 or not shape:
        return list(shape)
    k = rng.randrange(len(shape) + 1)
    s = list(shape[k:])
    return [1 if rng.random() < 0.3 else d for d in s]


def aliased(a, b):
    """Whether a and b share storage in a way whose in-place result depends on the kernel's order: not the same tensor
    and not both contiguous (PyTorch refuses two dense tensors that partly overlap; with a non-dense one it cannot tell
    and computes in whatever order its loop runs, which PyTorch leaves unspecified)."""
    if a is None or a is b:
        return False
    same = safe(lambda: a.storage().data_ptr() == b.storage().data_ptr())
    return same and not (a.is_contiguous() and b.is_contiguous())


def partner_tensor(p, shape, dt=None, target=None):
    """An existing tensor of a compatible shape, or a new leaf statement made first (returns the variable); for an
    in-place op on target, none whose memory overlaps target's in an order-dependent way."""
    want = broadcast_partner(shape)
    cands = p.tensors(lambda t: list(t.shape) == want and not aliased(target, t))
    if cands and rng.random() < 0.6:
        return rng.choice(cands)
    dtn = dt or ('float64' if rng.random() < 0.9 else 'float32')
    v = p.fresh()
    vs = vals(numel(want))
    rg = rng.random() < 0.6 and not torch.is_inference_mode_enabled()
    line = 'leaf %s %s %s : %s %d' % (v, dtn, want, mc.fmt_vals(vs, dtn), int(rg))
    t = torch.tensor(vs, dtype=DT[dtn]).reshape(want).clone().requires_grad_(rg)
    p.env[v] = t
    p.lines.append(line)
    return v


def dims_of(x, multi=True):
    n = x.dim()
    if n == 0:
        return []
    if multi and rng.random() < 0.4:
        return sorted(rng.sample(range(n), rng.randint(1, n)))
    return [rng.randrange(n) - (n if rng.random() < 0.3 else 0)]


def gen_op(p, x, xs):
    """A (name, args) for an op or view on x (variable name xs), or None."""
    n = x.dim()
    shape = list(x.shape)
    choices = ['unary'] * 3 + ['binary'] * 3 + ['scalar'] * 2 + ['reduce'] * 2 + ['view'] * 5 + ['other'] * 2 + [
        'multi']
    kind = rng.choice(choices)
    if kind == 'unary':
        return rng.choice(['exp', 'sin', 'cos', 'tanh', 'sigmoid', 'relu', 'abs', 'square', 'neg', 'sqrt', 'log',
                           'clone', 'contiguous']), [xs]
    if kind == 'binary':
        y = partner_tensor(p, shape)
        a, b = (xs, y) if rng.random() < 0.7 else (y, xs)
        name = rng.choice(['add', 'sub', 'mul', 'div', 'maximum', 'powt', 'where'])
        if name == 'powt':
            return name, [a, y if a == xs else xs]
        if name == 'where':
            return name, [partner_tensor(p, shape), a, b]
        return name, [a, b]
    if kind == 'scalar':
        name = rng.choice(['adds', 'muls', 'pows', 'clamp'])
        if name == 'pows':
            return name, [xs, rng.choice([2.0, 3.0, 0.5, -1.0, 1.5])]
        if name == 'clamp':
            lo = round(rng.uniform(-1.5, 0.5), 2)
            return name, [xs, lo, lo + round(rng.uniform(0.1, 2), 2)]
        return name, [xs, round(rng.uniform(-2, 2), 2)]
    if kind == 'reduce':
        name = rng.choice(['sum', 'sumall', 'mean', 'amax', 'prod', 'logsumexp', 'var'])
        if name == 'sumall' or n == 0:
            return 'sumall', [xs]
        k = rng.random() < 0.4
        if name == 'prod':
            return name, [xs, rng.randrange(n), k]
        if name == 'var':
            return name, [xs, dims_of(x), rng.choice([0, 1]), k]
        return name, [xs, dims_of(x), k]
    if kind == 'other':
        if n == 0 or numel(shape) == 0:
            return 'exp', [xs]
        name = rng.choice(['softmax', 'logsoftmax', 'cumsum', 'sortv', 'matmul', 'cat', 'stack', 'indexselect',
                           'gather', 'flip', 'maskedfill'])
        d = rng.randrange(n)
        if name in ('softmax', 'logsoftmax', 'cumsum'):
            return name, [xs, d]
        if name == 'sortv':
            return name, [xs, d, rng.random() < 0.5]
        if name == 'matmul':
            # the same dtype: 1.13's mixed-dtype message ("expected scalar type ...") is not 2.x's
            if n == 1:
                y = partner_exact(p, [shape[0]] if rng.random() < 0.5 else [shape[0], 2], x.dtype)
            else:
                y = partner_exact(p, [shape[-1], rng.choice([1, 2, 3])], x.dtype)
            return name, [xs, y]
        if name in ('cat', 'stack'):
            y = partner_exact(p, shape)
            return name, [xs, y, d] if rng.random() < 0.6 else [y, xs, d]
        if name == 'indexselect':
            return name, [xs, d, [rng.randrange(shape[d]) for _ in range(rng.randint(1, 3))]]
        if name == 'gather':
            m = rng.randint(1, 3)
            rest = numel(shape) // shape[d]
            return name, [xs, d, [rng.randrange(shape[d]) for _ in range(m * rest)]]
        if name == 'flip':
            return name, [xs, dims_of(x)]
        return name, [xs, partner_tensor(p, shape), round(rng.uniform(-1, 1), 2)]
    if kind == 'multi':
        if n == 0 or numel(shape) == 0:
            return 'neg', [xs]
        d = rng.randrange(n)
        name = rng.choice(['unbind', 'split', 'chunk'])
        if name == 'unbind':
            return name, [xs, d]
        if name == 'split':
            return name, [xs, rng.randint(1, max(1, shape[d])), d]
        return name, [xs, rng.randint(1, 3), d]
    return gen_view(x, xs)


def partner_exact(p, shape, dtype=None):
    cands = p.tensors(lambda t: list(t.shape) == list(shape) and dtype in (None, t.dtype))
    if cands and rng.random() < 0.5:
        return rng.choice(cands)
    dtn = mc.NAME[dtype] if dtype is not None else 'float64' if rng.random() < 0.9 else 'float32'
    v = p.fresh()
    vs = vals(numel(shape))
    rg = rng.random() < 0.6 and not torch.is_inference_mode_enabled()
    p.lines.append('leaf %s %s %s : %s %d' % (v, dtn, list(shape), mc.fmt_vals(vs, dtn), int(rg)))
    p.env[v] = torch.tensor(vs, dtype=DT[dtn]).reshape(shape).clone().requires_grad_(rg)
    return v


def gen_view(x, xs):
    n = x.dim()
    shape = list(x.shape)
    opts = ['view', 'reshape', 'unsqueeze', 'asstrided']
    if n >= 1:
        opts += ['select', 'narrow', 'slice', 'slice', 'squeeze', 'expand']
    if n >= 2:
        opts += ['transpose', 'permute', 'diagonal', 'mT', 'transpose', 'slice']
    if n == 2:
        opts += ['T']
    name = rng.choice(opts)
    if name in ('view', 'reshape'):
        if rng.random() < 0.5 or numel(shape) in (0, 1):
            return name, [xs, [numel(shape)] if rng.random() < 0.7 else [-1]]
        m = numel(shape)
        f = [k for k in range(1, m + 1) if m % k == 0]
        a = rng.choice(f)
        return name, [xs, [a, m // a]]
    if name == 'unsqueeze':
        return name, [xs, rng.randrange(n + 1)]
    if name == 'asstrided':
        m = numel(shape)
        if m == 0:
            return 'unsqueeze', [xs, 0]
        k = rng.randint(1, m)
        return name, [xs, [k], [1], rng.randrange(m - k + 1) if x.is_contiguous() else 0]
    d = rng.randrange(n) if n else 0
    if numel(shape) == 0 and name in ('select', 'narrow', 'slice', 'diagonal'):
        return 'unsqueeze', [xs, 0]
    if name == 'select':
        return name, [xs, d, rng.randrange(shape[d])]
    if name == 'narrow':
        s = rng.randrange(shape[d])
        return name, [xs, d, s, rng.randint(1, shape[d] - s)]
    if name == 'slice':
        s = rng.randrange(shape[d])
        return name, [xs, d, s, rng.randint(s + 1, shape[d]), rng.choice([1, 2])]
    if name == 'squeeze':
        ones = [k for k in range(n) if shape[k] == 1]
        return name, [xs, rng.choice(ones) if ones else d]
    if name == 'expand':
        return name, [xs, [2] + [rng.choice([s, 3]) if s == 1 else s for s in shape]]
    if name == 'transpose':
        return name, [xs, d, rng.randrange(n)]
    if name == 'permute':
        perm = list(range(n))
        rng.shuffle(perm)
        return name, [xs, perm]
    if name == 'diagonal':
        a, b = rng.sample(range(n), 2)
        return name, [xs, rng.choice([0, 0, 1, -1]), a, b]
    return name, [xs]


IP_NAMES = ['add_', 'sub_', 'mul_', 'div_', 'adds_', 'muls_', 'clamp_', 'zero_', 'fill_', 'copy_', 'maskedfill_',
            'indexput_', 'sigmoid_', 'exp_', 'tanh_', 'relu_', 'neg_']


def gen_ip(p, x, xs):
    name = rng.choice(IP_NAMES)
    shape = list(x.shape)
    if name in ('add_', 'sub_', 'mul_', 'div_', 'copy_'):
        return name, [xs, partner_tensor(p, shape, target=x)]
    if name in ('adds_', 'muls_'):
        return name, [xs, round(rng.uniform(-2, 2), 2)]
    if name == 'clamp_':
        lo = round(rng.uniform(-1.5, 0.5), 2)
        return name, [xs, lo, lo + round(rng.uniform(0.1, 2), 2)]
    if name == 'fill_':
        return name, [xs, round(rng.uniform(-2, 2), 2)]
    if name == 'maskedfill_':
        return name, [xs, partner_tensor(p, shape), round(rng.uniform(-1, 1), 2)]
    if name == 'indexput_':
        # index_put_ into an expanded tensor: PyTorch warns (deprecated) and writes, Ember refuses it: not drawn
        if not shape or any(st == 0 and sz > 1 for st, sz in zip(x.stride(), x.shape)):
            return 'zero_', [xs]
        idx = sorted(set(rng.randrange(shape[0]) for _ in range(rng.randint(1, 2))))
        vshape = [len(idx)] + shape[1:]
        return name, [xs, idx, partner_tensor(p, vshape if rng.random() < 0.7 else shape[1:], target=x)]
    return name, [xs]


def pick_x(p, prefer_grad=True):
    """A tensor variable to operate on, biased towards ones requiring grad and non-leaves and views."""
    cands = p.tensors()
    if not cands:
        return None
    weights = []
    for k in cands:
        t = p.env[k]
        w = 1.0
        try:
            if t.requires_grad:
                w += 2
            if k in p.derived:
                w += 1.5
            if t._base is not None:
                w += 1.5
        except RuntimeError:  # a view whose history cannot be regenerated: its statements raise (recorded)
            pass
        weights.append(w)
    return rng.choices(cands, weights)[0]


def stmt(p):
    """One random statement: (line, thunk) with the thunk doing it in PyTorch; or None."""
    if not p.tensors():
        return gen_leaf(p)
    r = rng.random()
    xs = pick_x(p)
    x = p.env[xs]
    if r < 0.10:
        return gen_leaf(p)
    if r < 0.48:
        name, args = gen_op(p, x, xs)
        if name in ('unbind', 'split', 'chunk'):
            try:
                pieces = len(OPS[name](*[mat(p, a) for a in args]))
            except Exception:  # noqa  (the statement's own run raises it again and records it)
                pieces = 1
            outs = [p.fresh() for _ in range(pieces)]

            def run():
                rr = OPS[name](*[mat(p, a) for a in args])
                for o, t in zip(outs, rr):
                    p.env[o] = t
                    p.derived.add(o)
                    p.made_version[o] = version(t)
            return 'opm %s %s %s' % (','.join(outs), name, ' '.join(fmt_arg(a) for a in args)), run
        v = p.fresh()

        def run():
            ms = [mat(p, a) for a in args]
            p.env[v] = OPS[name](*ms)
            p.derived.add(v)
            p.made_version[v] = version(p.env[v])
            if not torch.is_inference_mode_enabled() and any(isinstance(m, torch.Tensor) and m.is_inference()
                                                             for m in ms):
                # an op on an inference tensor outside inference_mode: its result's version counts the in-place
                # writes of the kernel itself (1.13's sum: 1), an implementation detail: not compared
                p.from_inference.add(v)
        return 'op %s %s %s' % (v, name, ' '.join(fmt_arg(a) for a in args)), run
    if r < 0.64:
        # in place: biased towards non-leaves and views of non-leaves requiring grad
        cands = [k for k in p.tensors(lambda t: safe(lambda: t.requires_grad))
                 if k in p.derived or p.env[k]._base is not None]
        if cands and rng.random() < 0.8:
            xs = rng.choice(cands)
            x = p.env[xs]
        elif safe(lambda: x.requires_grad) and xs not in p.derived and rng.random() < 0.7:
            # a leaf requiring grad refuses every in-place op: only now and then
            others = [k for k in p.tensors() if k in p.derived or not safe(lambda: p.env[k].requires_grad)]
            if others:
                xs = rng.choice(others)
                x = p.env[xs]
            elif rng.random() < 0.8:
                return stmt(p)
        if (xs in p.grads_of or xs in p.agrad_outs) and safe(lambda: x._is_view()):
            # a computed gradient that PyTorch returns as a view (of a grad_output, or made in no_grad mode by the
            # backward formula) refuses writes Ember's detached result takes: not written into
            return stmt(p)
        name, args = gen_ip(p, x, xs)

        def run():
            before = x.detach().clone()
            try:
                OPS[name](*[mat(p, a) for a in args])
            except RuntimeError as e:
                if 'Inplace update to inference tensor outside InferenceMode' in str(e):
                    # PyTorch runs the kernel and refuses at the version bump after it, leaving the values written;
                    # the project's rule (and Ember) leave a refused call's tensors unchanged: put back
                    with torch.inference_mode():
                        x.copy_(before)
                raise
        return 'ip %s %s %s' % (xs, name, ' '.join(fmt_arg(a) for a in args[1:])), run
    if r < 0.70:
        v = p.fresh()

        def run():
            p.env[v] = x.detach()
        return 'detach %s %s' % (v, xs), run
    if r < 0.72:
        if xs in p.grads_of or xs in p.agrad_outs:
            # whether a computed gradient is a view (of a grad_output, say: PermuteBackward0 gives grad.permute) follows
            # the backward formulas, and Ember returns autograd.grad's results detached: not detached in place here
            return retain_stmt(p, x, xs)
        return 'detach_ %s' % xs, lambda: x.detach_()
    if r < 0.75:
        b = rng.random() < 0.7 and not (torch.is_inference_mode_enabled() and x.is_inference())
        return 'rg_ %s %d' % (xs, int(b)), lambda: x.requires_grad_(b)
    if r < 0.79:
        return retain_stmt(p, x, xs)
    if r < 0.84:
        if any(e[2] != version(x) for e in p.hooked.get(id(x), [])):
            # 1.13 keeps a tensor's Python hooks in one dict registered on every grad_fn it had (a hook registered
            # after an in-place change also runs on the older node); 2.x's hooks stay on the node they were registered
            # on (test_tensor_hooks_inplace): no second hook on a tensor whose grad_fn changed since its first
            return retain_stmt(p, x, xs)
        if safe(lambda: x.retains_grad):
            # 1.13 runs the retain_grad hook in registration order, so a hook registered after retain_grad does not
            # change .grad; 2.x (NOTE [Hooks ordering]) runs retains_grad hooks after every tensor hook: left out
            return retain_stmt(p, x, xs)
        h = 'h%d' % p.nh
        p.nh += 1
        kind = rng.choice(['scale', 'replace', 'keep'])
        d = rng.choice([2.0, -1.0, 0.5, 3.0])

        def hook(g, kind=kind, d=d):
            if g is None:  # a multi-output node's output that got no gradient: the hook sees None
                return None
            if kind == 'scale':
                return g * d
            if kind == 'replace':
                return torch.full_like(g, d)
            return None

        def run():
            p.hooks[h] = x.register_hook(hook)
            p.hooked.setdefault(id(x), []).append((h, hook, version(x)))
        return 'hook %s %s %s %r' % (h, xs, kind, d), run
    if r < 0.85 and p.hooks:
        h = rng.choice(sorted(p.hooks))

        def run():
            p.hooks[h].remove()
            for k in p.hooked:
                p.hooked[k] = [e for e in p.hooked[k] if e[0] != h]
        return 'unhook %s' % h, run
    if r < 0.89:
        if p.modes and rng.random() < 0.5:
            def run():
                p.modes.pop().__exit__(None, None, None)
            return 'endmode', run
        m = rng.choice(['nograd', 'enable', 'inference', 'setgrad0', 'setgrad1'])

        def run():
            cm = {'nograd': torch.no_grad, 'enable': torch.enable_grad, 'inference': torch.inference_mode,
                  'setgrad0': lambda: torch.set_grad_enabled(False),
                  'setgrad1': lambda: torch.set_grad_enabled(True)}[m]()
            cm.__enter__()
            p.modes.append(cm)
        return 'mode %s' % m, run
    if r < 0.96:
        return gen_backward(p)
    # grads: read, clear, zero
    leaves = p.tensors(lambda t: t.grad is not None)
    if not leaves:
        return gen_backward(p)
    ls = rng.choice(leaves)
    t = p.env[ls]
    c = rng.random()
    if c < 0.4:
        v = p.fresh()

        def run():
            p.env[v] = t.grad
            p.grads_of.add(v)
            p.made_fn[v] = t.grad.grad_fn
        return 'gradof %s %s' % (v, ls), run
    if c < 0.7:
        def run():
            t.grad = None
        return 'setgradnone %s' % ls, run

    def run():
        t.grad.zero_()
    return 'gradzero %s' % ls, run


def touch(p):
    """Reads every tensor's grad_fn (its error, if any, ignored) before each statement, as FuzzProgramInterpreter
    reads every variable's gradFn(): PyTorch regenerates a view's history lazily, when its grad_fn is read, and reads
    the raw field elsewhere (is_leaf, requires_grad, check_inplace); Ember regenerates whenever it reads a view's
    history. Reading it everywhere first is the state both agree on (inplaceviews/make_expected.py's convention); the
    lazy difference itself is reported, not fuzzed."""
    for t in list(p.env.values()):
        if t is not None:
            safe(lambda: t.grad_fn)


def retain_stmt(p, x, xs):
    if x._base is not None and version(x) != p.made_version.get(xs, version(x)):
        # 1.13's retain_grad of a view of a leaf changed in place under no_grad crashes (segfault, seed 71's 496th
        # program): no retain_grad of a view whose storage changed since it was made
        return gen_leaf(p)
    return 'retain %s' % xs, lambda: x.retain_grad()


def gen_backward(p):
    cands = p.tensors(lambda t: safe(lambda: t.requires_grad))
    if not cands and rng.random() < 0.8:
        return gen_leaf(p)
    if not cands or rng.random() < 0.03:
        cands = p.tensors()
    ys = rng.choice(cands)
    y = p.env[ys]
    retain = rng.random() < 0.5
    create = rng.random() < 0.2
    # 2.x's autograd.grad runs the retains_grad hooks of the nodes it reaches but does not execute (engine.cpp's
    # call_tensor_pre_hooks), filling their .grad; 1.13's does not: no autograd.grad while a non-leaf retains its grad
    retained = p.tensors(lambda t: safe(lambda: t.retains_grad))
    if rng.random() < 0.5 or retained:
        def run():
            y.backward(None if y.dim() == 0 else W(list(y.shape), y.dtype), retain_graph=retain,
                       create_graph=create)
        return 'backward %s %d %d' % (ys, int(retain), int(create)), run
    ins = p.tensors(lambda t: safe(lambda: t.requires_grad))
    if not ins:
        ins = p.tensors()
    # 2.x runs an input's tensor hooks before capturing its gradient (NOTE [Hooks ordering] in engine.cpp: tensor
    # pre-hooks, then captures); 1.13 captures first. The 2.x result is 1.13's with the input's hooks applied in their
    # order, computed so below; inputs whose hooks sit on an older grad_fn (changed in place since) are not drawn.
    ins = [i for i in ins if all(e[2] == version(p.env[i]) for e in p.hooked.get(id(p.env[i]), []))]
    if not ins:
        return gen_leaf(p)
    pick = rng.sample(ins, min(len(ins), rng.randint(1, 3)))
    unused = rng.random() < 0.5
    outs = [p.fresh() for _ in pick]

    def run():
        # 1.13's CopySlices runs the node it wraps with that node's own edges, so an autograd.grad through an in-place
        # write into a view accumulates into the .grad of the leaves behind it; 2.x's does not (pytorch/pytorch#89812,
        # "Fix CopySlices logic to ensure wrapped node runs properly"), and autograd.grad never touches a leaf's .grad:
        # the leaves' gradients are put back as they were (object and values)
        before = {k: (t.grad, None if t.grad is None else t.grad.detach().clone()) for k, t in p.env.items()
                  if t is not None}
        try:
            gs = torch.autograd.grad(y, [p.env[i] for i in pick], None if y.dim() == 0 else W(list(y.shape), y.dtype),
                                     retain_graph=retain, create_graph=create, allow_unused=unused)
        finally:
            for k, (g0, vals0) in before.items():
                t = p.env[k]
                if t.grad is not g0 or (g0 is not None and not torch.equal(g0.detach(), vals0)):
                    if g0 is not None:
                        with torch.no_grad():
                            g0.copy_(vals0)
                    t.grad = g0
        for o, g, i in zip(outs, gs, pick):
            if g is not None:
                with torch.set_grad_enabled(create):
                    for e in p.hooked.get(id(p.env[i]), []):
                        r = e[1](g)
                        g = g if r is None else r
            p.env[o] = g
            p.agrad_outs.add(o)
            p.made_fn[o] = None if g is None else g.grad_fn
    return 'agrad %s outs %s ins %s %d %d %d' % (','.join(outs), ys, ','.join(pick), int(retain), int(create),
                                               int(unused)), run


def two_x_names(text):
    """1.13's node names that 2.x (and Ember) name otherwise, in a grad_fn name or a message: reshape of a viewable
    tensor records _reshape_alias in 1.13 (ReshapeAliasBackward0), view in 2.x (ViewBackward0); squeeze_(dim) (matmul of
    a vector and a matrix) is 1.13's 4th squeeze entry of derivatives.yaml (SqueezeBackward3), 2.x's 5th after
    squeeze.dims (SqueezeBackward4)."""
    return text.replace('ReshapeAliasBackward0', 'ViewBackward0').replace('SqueezeBackward3', 'SqueezeBackward4')


def err_line(e):
    return 'err ' + two_x_names(str(e).split('\n')[0])


def snap(p):
    out = ['snap']
    for k in sorted(p.env, key=lambda s: int(s[1:])):
        t = p.env[k]
        if t is None:
            out.append('= %s none' % k)
            continue
        try:
            ver = str(t._version)
        except RuntimeError:
            ver = '-'
        computed = [p.env[c] for c in p.grads_of | p.agrad_outs if p.env.get(c) is not None]
        if k in p.from_inference:
            ver = '?'
        if k in p.grads_of or k in p.agrad_outs or any(safe(lambda: c.storage().data_ptr() == t.storage().data_ptr())
                                                        for c in computed):
            # a .grad read out (or a view sharing its version counter): PyTorch's AccumulateGrad steals an incoming gradient by reference count (a view of a
            # user's grad_output included, whose version counter it then shares), Ember's by ownership; the version of
            # such a tensor is not compared ('?'); nor that of autograd.grad's results, which counts the in-place ops of
            # the backward formulas (gather's zeros().scatter_add_(): 1)
            ver = '?'
        try:
            fn = two_x_names(type(t.grad_fn).__name__ if t.grad_fn is not None else '-')
            if fn != '-' and k in p.made_fn and p.made_fn[k] is t.grad_fn:
                # a create_graph gradient's own node: PyTorch's is the derivative's backward (TanhBackwardBackward0,
                # SliceBackwardBackward0), Ember's the last op of its composition (MulBackward0, SliceScatterBackward0):
                # not compared ('?') until an in-place op gives it another; its values and flags are
                fn = '?'
        except RuntimeError as e:
            # a view whose history cannot be regenerated: reading it raises (Ember's gradFn() too)
            out.append('= %s %s | ! %s' % (k, mc.fmt_tensor(t.detach()), two_x_names(str(e).split('\n')[0])))
            out.append('g %s none' % k)
            continue
        out.append('= %s %s | rg %d leaf %d fn %s ver %s inf %d ret %d' % (
            k, mc.fmt_tensor(t), int(t.requires_grad), int(t.is_leaf), fn, ver, int(t.is_inference()),
            int(t.retains_grad)))
        g = t.grad
        out.append('g %s %s' % (k, 'none' if g is None else mc.fmt_tensor(g)))
    return out


def program(i):
    while True:
        lines = program_once()
        # 1.13's retain_grad hook fails on an undefined gradient (an unbind output that got none); 2.x's skips it
        # (VariableHooks::retain_grad checks grad.defined()): such a program is drawn again
        # 1.13 internal asserts (a saved non-leaf without grad_fn) are 1.13 bugs: drawn again too
        if not any(l.startswith('err Expected a proper Tensor but got None') or 'INTERNAL ASSERT' in l for l in lines):
            return lines


def program_once():
    p = Prog()
    n = rng.randint(3, 10)
    count = 0
    try:
        while count < n:
            s = stmt(p)
            if s is None:
                continue
            line, run = s
            p.lines.append(line)
            count += 1
            touch(p)
            try:
                run()
            except Exception as e:  # noqa
                p.lines.append(err_line(e))
                p.lines.extend(snap(p))
                continue
            if line.startswith(('backward', 'agrad')):
                p.lines.extend(snap(p))
        if rng.random() < 0.6:
            # most programs end with a backward through what they built
            line, run = gen_backward(p)
            p.lines.append(line)
            try:
                run()
            except Exception as e:  # noqa
                p.lines.append(err_line(e))
        while p.modes:
            p.modes.pop().__exit__(None, None, None)
        p.lines.append('endall')
        p.lines.extend(snap(p))
    finally:
        while p.modes:
            p.modes.pop().__exit__(None, None, None)
    return p.lines


# Programs of other seeds kept beside seed 71's (a local hunt over seeds 72-75, 2,500 programs each, found them): each
# pins a fix or a difference left open (DifferentialFuzzR7Test's EXPECTED_FAILURES), named s<seed>p<index>.
EXTRA = {
    72: [102, 1021, 1331, 1697, 1782, 2071],  # no_grad view's getter at backward; a view's history regenerated after
    #   its base was detached in place; gather saving self; the direct refusal of an unbind piece changed through its
    #   base; pow(Tensor, Tensor) saving its result; relu_ on a view saving the view (named ReluBackward0 once the
    #   view's history of that moment has died)
    73: [247, 525, 1956, 2206],  # a leaf view's in-place (open); index_put_ into a split piece; mean's backward twice
    #   (open); the version of an inference tensor's detach (open)
    74: [1236],  # a hook on a no_grad view whose base changed
    75: [1160],  # sigmoid_ then add_ on a view: the saved view named by its history of that moment (AsStridedBackward0)
}


def emit(out, name, lines):
    out.append('=== %s P %d' % (name, sum(1 for l in lines if not l.startswith(('=', 'g ', 'snap', 'err')))))
    out.extend(lines)


def main():
    global rng
    torch.set_grad_enabled(True)
    out = []
    for i in range(N_PROGRAMS):
        emit(out, 'p%04d' % i, program(i))
    if 'FUZZ_SEED' not in os.environ and 'FUZZ_N' not in os.environ:
        for seed, keep in sorted(EXTRA.items()):
            rng = random.Random(seed)
            for i in range(max(keep) + 1):
                lines = program(i)
                if i in keep:
                    emit(out, 's%dp%04d' % (seed, i), lines)
    sys.stdout.write('\n'.join(out) + '\n')


if __name__ == '__main__':
    main()
