# Round 15 of the differential fuzz: torch.func transforms composed over random programs, replayed by
# DifferentialFuzzR15Test (FuzzR15Interpreter). Written by PyTorch 1.13's functorch (torch.func's 1.13 name; the same
# functions, rules and messages as 2.x for everything kept here, see "1.13 and 2.x" below).
#
# Run from the repository root:
#   /usr/bin/python3 engine-cpu/src/test/resources/differentialfuzzr15/make_cases.py \
#       > engine-cpu/src/test/resources/differentialfuzzr15/cases.txt
# (FUZZ_SEED and FUZZ_N give a local hunt another file; the committed one is the default.) Reproducible: the programs
# come from random.Random(SEED) and every tensor from it too; running it twice gives the same bytes.
#
# A case:
#   === r15_<k> <kind> <layers>        kind: val (runs), err (an error is expected), rand (randomness rule)
#   in aI <T>                          the transformed function's positional inputs
#   rg aI                              an input that requires grad outside the transforms (one case in four has some)
#   const cI <T>                       a tensor the program captures (weights, index tensors)
#   op vK <name> <args>                the per-sample program f, in order; its result is its last variable
#   layer <kind> <params>              the transforms, innermost first (see LAYERS below)
#   out <k> <T> rg <0|1>               each result of the outermost function, flat, with its requires_grad
#   grad aI <T>|none                   after sum((r * W(r)).sum()) over the results r that require grad is
#                                      backpropagated (W(r)[k] = 1 + 0.5 ((3k) mod 11), float64), each rg input's .grad
#   err <message>                      or: the first line of the error it raises
#   rows same|different                (rand) every row of the result along 0 equal, or no two equal
# T: "<dtype> [shape] : [values]", complex128 as "complex128 <its view_as_real's T>".
# Arguments of op: a variable (aI, cI, vK), i:<int>, d:<double>, il:<ints,>, b:<0|1>, s:<einsum equation>.
#
# LAYERS (each takes the function built so far, g, and gives a new one; every function returns a flat tuple of
# tensors, one tensor as itself):
#   vmap <in_dims> <out_dims> <randomness>   vmap(g, in_dims=tuple, out_dims=int or tuple) (None as N)
#   grad <argnums>                           grad(g, argnums) (int, or a tuple written a,b,)
#   gav <argnums>                            grad_and_value(g, argnums), flattened to (*grads, value)
#   jacrev <argnum> / jacfwd <argnum> / hessian <argnum>
#   sqsum                                    lambda *a: (g(*a) ** 2).sum(), so that a scalar transform can follow
#                                            ((|g(*a)| ** 2).sum() for a complex result)
#   vjpfn <k>                                lambda *p, ct: vjp(g, *p)[1](ct)[k]  (the cotangent is the last input)
#   jvpfn                                    lambda *p_and_t: jvp(g, p, t)[1]     (n primals, then n tangents)
#   vjp                                      lambda *p, ct: (out, *vjp_fn(ct))
#   jvp                                      lambda *p_and_t: (out, jvp_out)
#   linearize                                lambda *p_t1_t2: (out, jvp_fn(t1), jvp_fn(t2))  (2.x's linearize; 1.13
#                                            has none, so its values come from jvp, which 2.x's linearize equals)
#
# The programs: 2 to 6 statements over small per-sample inputs (float64 mostly; float32, and the two mixed; int64 and
# bool in vmap-only compositions; complex128 in either): elementwise unary and binary ops with broadcasting, pow with a scalar,
# clamp, where, masked_fill, reductions with dims and keepdim, norm, matmul/bmm/einsum/linear/conv1d, views and
# reshapes, gather, index_select, advanced indexing, cat/stack, softmax/log_softmax/layer_norm, cumsum, sort and topk
# values, in-place ops on a clone made inside f. Each statement is tried eagerly on sample inputs while the program is
# built, so the programs are valid per sample; then the transforms are chosen and the batched inputs made.
#
# Errors, injected in about one case in four: grad of a non-scalar, in_dims of the wrong length, an in_dim out of range,
# in_dims all None, mapped dimensions of different sizes, out_dims out of range, an integer input to grad, an integer
# primal or tangent to jvp, argnums out of range or repeated, a random op in randomness='error' mode, a cotangent or
# tangent of the wrong shape. A case whose first error is another one is not written.
#
# Every result (and every input's gradient) is also computed by a reference made of the definitions and reverse mode
# only (vmap as a loop over the samples stacked at out_dims, jacfwd and hessian by jacrev, jvp and linearize as the
# derivative of a vjp); a case where functorch 1.13 differs from it is not written (stderr counts them by layers). Most
# are 1.13's forward mode losing a tangent (jacfwd of a program with an in-place op on a clone gives zeros) and its
# vmap of a result that does not depend on the mapped inputs: _remove_batch_dim inserts the batch size at out_dim into
# the result's sizes and expands to them, which aligns the result's own dimensions to the right, so for out_dim != 0 the
# batch dimension lands in the wrong place or the expand fails ("The expanded size of the tensor (3) must match the
# existing size (2) at non-singleton dimension ..."); 2.x's _remove_batch_dim has the same code (aten/src/ATen/
# functorch/LegacyBatchingRegistrations.cpp), and Ember follows vmap's definition there. The requires_grad of each
# result is compared with the reference's too: where inputs require grad outside, functorch's forward-mode formulas
# connect a jvp's or jacfwd's result to them differently from a reverse-over-reverse product (jvp of x * 2 requires
# grad through the formula's other_t * self term; a clamp_'s masked tangent does not), and Ember, which has no forward
# mode, computes jvp, jacfwd, hessian and linearize as the reference does: such cases are not written.
#
# 1.13 and 2.x. The messages kept are the same in 2.x's torch/_functorch (vmap.py's _process_batched_inputs,
# eager_transforms.py's grad_and_value, _slice_argnums and _validate_and_wrap_argnum, jvp's checks). Cases where 1.13's
# functorch refuses or fails on a valid program (no batching rule, no forward-mode formula in 1.13: jacfwd, jvp) are
# not written; their count and messages go to stderr. Left out on purpose:
#   - item() or data-dependent control flow inside vmap: functorch refuses ("vmap: It looks like you're calling
#     .item() on a Tensor..."); Ember's vmap runs f once per sample and documents that it allows them (Func's Javadoc).
#   - randomness values: Ember's generator is not PyTorch's, so 'same' and 'different' are checked by their rule (the
#     rows of a vmapped rand_like are all equal, or pairwise different), and 'error' by its message.
#   - chunk_size: Ember's vmap has none.
#   - an in-place op inside f whose self is not batched but whose operand is (t = x.clone() of an input with in_dim
#     None, then t.add_(y) of a mapped y): functorch refuses ("vmap: inplace arithmetic(self, *extra_args) is not
#     possible because there exists a Tensor `other` in extra_args that has more elements than `self`...", or "output
#     with shape ... doesn't match the broadcast shape"); Ember's per-sample call has no batched tensors to tell them
#     apart and computes the per-sample result. Such cases fail in 1.13 and are not written (stderr counts them).
#
# Known differences that hunts with other seeds (FUZZ_SEED=77, 99, 4242, 5151, 777; 1500 cases each) still show, not
# in the committed seed and not fixed in session 43:
#   - requires_grad of a result whose value does not depend on an input that requires grad outside, where PyTorch's
#     graph still connects it: conv1d's double backward is connected to its input in PyTorch and not in Ember (a
#     vjpfn/sqsum/grad composition with an input requiring grad). Values agree. (prod's, the other one seen, is fixed:
#     inside a transform Ember now takes prod_safe_zeros_backward as PyTorch does for functorch's wrapped inputs.)
#   - complex sigmoid overflow: PyTorch's 1 / (1 + exp(-z)) gives NaN where exp(-z) overflows to (inf, -inf); Ember's
#     sigmoid is the stable two-sided formula and gives 0 (vmap of sigmoid_(square(z @ z.mT)) with large z).
#   - third and higher derivatives of layer_norm (a vjpfn/vjpfn/jacrev composition, session 63's seed 6315): PyTorch's
#     layer_norm_double_backward reads the forward's saved mean and rstd, which carry no history to the input, so a
#     derivative of the double backward treats them as constants and is wrong (pytorch/pytorch#175754; 2.x the same,
#     its guard that raises instead was reverted); Ember's double backward is the composite of differentiable ops and
#     agrees with F.layer_norm written out by hand (x - mean) * rsqrt(var + eps). Second derivatives agree.
import math
import os
import pickle
import random
import sys
import functools
import warnings

import torch
import torch.nn.functional as F
from functorch import vmap, grad, grad_and_value, jacrev, jacfwd, hessian, vjp, jvp

warnings.filterwarnings('ignore')
SEED = int(os.environ.get('FUZZ_SEED', '1515'))
N_CASES = int(os.environ.get('FUZZ_N', '300'))
rng = random.Random(SEED)
torch.manual_seed(SEED)
NAME = {torch.float64: 'float64', torch.float32: 'float32', torch.int64: 'int64', torch.bool: 'bool',
        torch.complex128: 'complex128'}
dropped = {}
RULE = [None]


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
    return '%s %s : [%s]' % (NAME[t.dtype], list(t.shape), ', '.join(fmt_num(v) for v in flat))


def rand_tensor(shape, dtype):
    n = 1
    for s in shape:
        n *= s
    if dtype == torch.bool:
        return torch.tensor([rng.random() < 0.5 for _ in range(n)], dtype=torch.bool).reshape(shape)
    if dtype == torch.int64:
        return torch.tensor([rng.randint(-3, 3) for _ in range(n)], dtype=torch.int64).reshape(shape)
    vals = [round(rng.uniform(-2, 2), 3) for _ in range(n)]
    if dtype == torch.complex128:
        im = [round(rng.uniform(-2, 2), 3) for _ in range(n)]
        return torch.complex(torch.tensor(vals, dtype=torch.float64), torch.tensor(im, dtype=torch.float64)).reshape(
            shape)
    return torch.tensor(vals, dtype=torch.float64).reshape(shape).to(dtype)


def rand_shape(max_rank=3):
    rank = rng.choice([0, 1, 1, 2, 2, 2, 3][:max_rank * 2 + 1])
    while True:
        shape = [rng.randint(1, 4) for _ in range(rank)]
        n = 1
        for s in shape:
            n *= s
        if n <= 24:
            return shape


# ------------------------------------------------------------------------------------------------ the ops


def cond(m):
    return m if m.dtype == torch.bool else m > 0


def op_apply(name, a):
    """a: the resolved arguments (tensors, ints, floats, lists, bools, strings)."""
    x = a[0]
    if name in ('exp', 'sin', 'cos', 'tanh', 'sigmoid', 'neg', 'abs', 'square', 'relu'):
        return getattr(torch, name)(x)
    if name == 'pows':
        return x.pow(a[1])
    if name == 'clamp':
        return x.clamp(a[1], a[2])
    if name == 'adds':
        return x + a[1]
    if name == 'muls':
        return x * a[1]
    if name == 'add':
        return x + a[1]
    if name == 'sub':
        return x - a[1]
    if name == 'mul':
        return x * a[1]
    if name == 'divs':
        return x / (a[1] * a[1] + 1)
    if name == 'maximum':
        return torch.maximum(x, a[1])
    if name == 'where':
        return torch.where(cond(x), a[1], a[2])
    if name == 'maskedfill':
        return x.masked_fill(cond(a[1]), a[2])
    if name == 'sum':
        return x.sum(a[1], keepdim=a[2])
    if name == 'mean':
        return x.mean(a[1], keepdim=a[2])
    if name == 'sumall':
        return x.sum()
    if name == 'amax':
        return x.amax(a[1], keepdim=a[2])
    if name == 'prod':
        return x.prod(a[1], keepdim=a[2])
    if name == 'logsumexp':
        return x.logsumexp(a[1], keepdim=a[2])
    if name == 'var':
        return x.var(a[1], unbiased=bool(a[2]), keepdim=a[3])
    if name == 'norm':
        return x.norm()
    if name == 'normd':
        return x.norm(dim=a[1], keepdim=a[2])
    if name == 'matmul':
        return x @ a[1]
    if name == 'gram':
        return x @ x.mT
    if name == 'bmm':
        return torch.bmm(x, a[1])
    if name == 'einsum':
        return torch.einsum(a[1], x, a[2])
    if name == 'linear':
        return F.linear(x, a[1], a[2])
    if name == 'conv1d':
        return F.conv1d(x, a[1], a[2], padding=a[3])
    if name == 'view':
        return x.view(a[1])
    if name == 'reshape':
        return x.reshape(a[1])
    if name == 'transpose':
        return x.transpose(a[1], a[2])
    if name == 'permute':
        return x.permute(a[1])
    if name == 'unsqueeze':
        return x.unsqueeze(a[1])
    if name == 'squeeze':
        return x.squeeze(a[1])
    if name == 'flatten':
        return x.flatten()
    if name == 'narrow':
        return x.narrow(a[1], a[2], a[3])
    if name == 'select':
        return x.select(a[1], a[2])
    if name == 'slice':
        idx = [slice(None)] * a[1] + [slice(a[2], a[3], a[4])]
        return x[tuple(idx)]
    if name == 'expand':
        return x.expand(a[1])
    if name == 'mT':
        return x.mT
    if name == 'movedim':
        return x.movedim(a[1], a[2])
    if name == 'flip':
        return x.flip(a[1])
    if name == 'diagonal':
        return x.diagonal(a[1], a[2], a[3])
    if name == 'gather':
        return x.gather(a[1], a[2])
    if name == 'indexselect':
        return x.index_select(a[1], a[2])
    if name == 'advidx':
        return x[a[1]]
    if name == 'cat':
        return torch.cat([x, a[1]], a[2])
    if name == 'stack':
        return torch.stack([x, a[1]], a[2])
    if name == 'softmax':
        return x.softmax(a[1])
    if name == 'logsoftmax':
        return x.log_softmax(a[1])
    if name == 'layernorm':
        return F.layer_norm(x, [x.shape[-1]], a[1], a[2])
    if name == 'cumsum':
        return x.cumsum(a[1])
    if name == 'sortv':
        return x.sort(a[1], descending=a[2]).values
    if name == 'topkv':
        return x.topk(a[1], a[2], largest=a[3]).values
    if name == 'ipmuls':
        t = x.clone()
        t.mul_(a[1])
        return t
    if name == 'ipadd':
        t = x.clone()
        t.add_(a[1])
        return t
    if name == 'ipclamp':
        t = x.clone()
        t.clamp_(a[1], a[2])
        return t
    if name == 'ipsigmoid':
        t = x.clone()
        t.sigmoid_()
        return t
    if name == 'ipnarrow':
        t = x.clone()
        t.narrow(a[1], a[2], a[3]).mul_(a[4])
        return t
    if name == 'ipmasked':
        t = x.clone()
        t.masked_fill_(cond(a[1]), a[2])
        return t
    if name == 'randlike':
        return x + torch.rand_like(x)
    raise KeyError(name)


def parse_arg(s, env):
    if s.startswith('i:'):
        return int(s[2:])
    if s.startswith('d:'):
        return float(s[2:])
    if s.startswith('b:'):
        return s[2:] == '1'
    if s.startswith('il:'):
        return [int(v) for v in s[3:].split(',')] if s[3:] else []
    if s.startswith('s:'):
        return s[2:]
    if s == 'none':
        return None
    return env[s]


class Program:
    def __init__(self):
        self.consts = []   # (name, tensor)
        self.ops = []      # (var, name, [arg strings])
        self.cenv = {}

    def const(self, t):
        name = 'c%d' % len(self.consts)
        self.consts.append((name, t))
        self.cenv[name] = t
        return name

    def fn(self, nargs):
        def f(*args):
            env = dict(self.cenv)
            for i, t in enumerate(args):
                env['a%d' % i] = t
            last = None
            for var, name, raw in self.ops:
                env[var] = op_apply(name, [parse_arg(s, env) for s in raw])
                last = env[var]
            return last
        return f


def D(r, d):
    """A dimension of a tensor of rank r, sometimes written negatively."""
    return d - r if rng.random() < 0.3 else d


def pick_op(env, vars_, prog):
    """A random statement valid for the sample values in env: (name, args) or None."""
    floats = [v for v in vars_ if env[v].dtype != torch.bool]
    x = rng.choice(floats) if floats else None
    if x is None:
        return None
    t = env[x]
    r = t.dim()
    sh = list(t.shape)
    others = [v for v in floats if v != x] or [x]
    y = rng.choice(others)
    kind = rng.choice(['unary'] * 5 + ['binary'] * 5 + ['reduce'] * 4 + ['mm'] * 2 + ['view'] * 5 + ['index'] * 2
                      + ['catstack', 'nn', 'nn', 'sort', 'inplace', 'inplace', 'where'])
    if kind == 'unary':
        n = rng.choice(['exp', 'sin', 'cos', 'tanh', 'sigmoid', 'neg', 'abs', 'square', 'relu', 'pows', 'clamp',
                        'adds', 'muls'])
        if n == 'pows':
            return n, [x, 'd:%s' % rng.choice([2.0, 3.0])]
        if n == 'clamp':
            return n, [x, 'd:-0.5', 'd:%s' % rng.choice([0.75, 1.5])]
        if n in ('adds', 'muls'):
            return n, [x, 'd:%s' % rng.choice([0.5, -1.5, 2.0])]
        return n, [x]
    if kind == 'binary':
        return rng.choice(['add', 'sub', 'mul', 'divs', 'maximum']), [x, y]
    if kind == 'where':
        bools = [v for v in vars_ if env[v].dtype == torch.bool]
        c = rng.choice(bools) if bools and rng.random() < 0.7 else rng.choice(floats)
        if rng.random() < 0.4:
            return 'maskedfill', [x, c, 'd:%s' % rng.choice([0.0, 1.5])]
        return 'where', [c, x, y]
    if kind == 'reduce':
        if r == 0:
            return rng.choice(['sumall', 'exp']), [x]
        n = rng.choice(['sum', 'mean', 'sumall', 'amax', 'prod', 'logsumexp', 'var', 'norm', 'normd'])
        d = rng.randrange(r)
        keep = 'b:%d' % rng.randint(0, 1)
        if n in ('sumall', 'norm'):
            return n, [x]
        if n in ('prod', 'normd'):
            return n, [x, 'i:%d' % D(r, d), keep]
        if n == 'var':
            return n, [x, 'il:%d' % D(r, d), 'i:%d' % rng.randint(0, 1), keep]
        dims = sorted(rng.sample(range(r), rng.randint(1, r)))
        return n, [x, 'il:' + ','.join(str(D(r, k)) for k in dims), keep]
    if kind == 'mm':
        n = rng.choice(['matmul', 'gram', 'bmm', 'einsum', 'linear', 'conv1d'])
        if n == 'matmul':
            # not a complex vector by a complex vector: this PyTorch 1.13 build's complex dot and vdot (BLAS zdotu,
            # zdotc) return 0 (torch.tensor([1+1j]) @ torch.tensor([1+1j]) is 0j), every other complex product is right
            cands = [v for v in floats if env[v].dim() >= 1 and r >= 1 and
                     (env[v].shape[0] if env[v].dim() == 1 else env[v].shape[-2]) == sh[-1]
                     and not (t.is_complex() and r == 1 and env[v].dim() == 1)]
            if cands:
                return n, [x, rng.choice(cands)]
            n = 'gram'
        if n == 'bmm':
            cands = [v for v in floats if env[v].dim() == 3 and r == 3 and env[v].shape[0] == sh[0]
                     and env[v].shape[1] == sh[2]]
            if cands:
                return n, [x, rng.choice(cands)]
            n = 'gram'
        if n == 'einsum' and r == 2:
            cands = [v for v in floats if env[v].dim() == 2 and env[v].shape[1] == sh[1]]
            if cands:
                return n, [x, 's:ij,kj->ik', rng.choice(cands)]
            return n, [x, 's:ij,ij->j', x]
        if n == 'linear' and r >= 1:
            k = rng.randint(1, 3)
            w = prog.const(rand_tensor([k, sh[-1]], t.dtype if t.dtype.is_floating_point else torch.float64))
            b = prog.const(rand_tensor([k], t.dtype if t.dtype.is_floating_point else torch.float64)) \
                if rng.random() < 0.6 else 'none'
            return n, [x, w, b]
        if n == 'conv1d' and r in (2, 3) and t.dtype.is_floating_point:
            c = sh[-2]
            k = rng.randint(1, 2)
            w = prog.const(rand_tensor([rng.randint(1, 2), c, k], t.dtype))
            return n, [x, w, 'none', 'i:%d' % rng.randint(0, 1)]
        if r >= 2:
            return 'gram', [x]
        return ('matmul', [x, x]) if r == 1 and not t.is_complex() else None
    if kind == 'view':
        n = rng.choice(['view', 'reshape', 'transpose', 'permute', 'unsqueeze', 'squeeze', 'flatten', 'narrow',
                        'select', 'slice', 'expand', 'mT', 'movedim', 'flip', 'diagonal'])
        if n in ('view', 'reshape'):
            numel = t.numel()
            opts = [[numel], [-1]] + [[a, numel // a] for a in range(1, numel + 1) if numel % a == 0] \
                + [[1, numel, 1]]
            return n, [x, 'il:' + ','.join(str(v) for v in rng.choice(opts))]
        if n == 'unsqueeze':
            return n, [x, 'i:%d' % D(r + 1, rng.randrange(r + 1))]
        if n == 'flatten':
            return n, [x]
        if r == 0:
            return 'unsqueeze', [x, 'i:0']
        d = rng.randrange(r)
        if n == 'transpose':
            return n, [x, 'i:%d' % D(r, d), 'i:%d' % D(r, rng.randrange(r))]
        if n == 'permute':
            p = list(range(r))
            rng.shuffle(p)
            return n, [x, 'il:' + ','.join(str(D(r, k)) for k in p)]
        if n == 'squeeze':
            ones = [k for k in range(r) if sh[k] == 1]
            return n, [x, 'i:%d' % D(r, rng.choice(ones) if ones else d)]
        if n == 'narrow':
            start = rng.randrange(sh[d])
            return n, [x, 'i:%d' % D(r, d), 'i:%d' % start, 'i:%d' % rng.randint(1, sh[d] - start)]
        if n == 'select':
            return n, [x, 'i:%d' % D(r, d), 'i:%d' % rng.randrange(sh[d])]
        if n == 'slice':
            return n, [x, 'i:%d' % d, 'i:%d' % rng.randint(0, 1), 'i:%d' % rng.randint(1, 4),
                       'i:%d' % rng.randint(1, 2)]
        if n == 'expand':
            return n, [x, 'il:' + ','.join(str(v) for v in [2] + [s if rng.random() < 0.7 else -1 for s in sh])]
        if n == 'mT':
            return (n, [x]) if r >= 2 else ('flip', [x, 'il:0'])
        if n == 'movedim':
            return n, [x, 'i:%d' % D(r, d), 'i:%d' % D(r, rng.randrange(r))]
        if n == 'flip':
            dims = sorted(rng.sample(range(r), rng.randint(1, r)))
            return n, [x, 'il:' + ','.join(str(D(r, k)) for k in dims)]
        if n == 'diagonal':
            if r < 2:
                return 'flip', [x, 'il:0']
            d1, d2 = rng.sample(range(r), 2)
            return n, [x, 'i:%d' % rng.randint(-1, 1), 'i:%d' % D(r, d1), 'i:%d' % D(r, d2)]
        return None
    if kind == 'index':
        if r == 0:
            return 'unsqueeze', [x, 'i:0']
        d = rng.randrange(r)
        n = rng.choice(['gather', 'indexselect', 'advidx'])
        if n == 'gather':
            shape = list(sh)
            shape[d] = rng.randint(1, 3)
            idx = prog.const(torch.tensor([rng.randrange(sh[d]) for _ in range(int(torch.tensor(shape).prod()))],
                                          dtype=torch.int64).reshape(shape))
            return n, [x, 'i:%d' % D(r, d), idx]
        idx = prog.const(torch.tensor([rng.randrange(sh[d if n == 'indexselect' else 0])
                                       for _ in range(rng.randint(1, 3))], dtype=torch.int64))
        if n == 'indexselect':
            return n, [x, 'i:%d' % D(r, d), idx]
        return n, [x, idx]
    if kind == 'catstack':
        n = rng.choice(['cat', 'stack'])
        if n == 'cat':
            if r == 0:
                return 'stack', [x, y if env[y].shape == t.shape else x, 'i:0']
            d = rng.randrange(r)
            cands = [v for v in floats if env[v].dim() == r
                     and all(env[v].shape[k] == sh[k] for k in range(r) if k != d)]
            return n, [x, rng.choice(cands), 'i:%d' % D(r, d)]
        cands = [v for v in floats if env[v].shape == t.shape]
        return n, [x, rng.choice(cands), 'i:%d' % D(r + 1, rng.randrange(r + 1))]
    if kind == 'nn':
        if r == 0:
            return 'sigmoid', [x]
        d = rng.randrange(r)
        n = rng.choice(['softmax', 'logsoftmax', 'layernorm', 'cumsum'])
        if n == 'layernorm':
            if sh[-1] == 1:
                # over one element x - mean is 0 and the result only float rounding amplified by 1 / sqrt(eps)
                return 'softmax', [x, 'i:%d' % D(r, d)]
            if rng.random() < 0.5:
                return n, [x, 'none', 'none']
            dt = t.dtype if t.dtype.is_floating_point else torch.float64
            return n, [x, prog.const(rand_tensor([sh[-1]], dt)), prog.const(rand_tensor([sh[-1]], dt))]
        return n, [x, 'i:%d' % D(r, d)]
    if kind == 'sort':
        if r == 0:
            return 'neg', [x]
        d = rng.randrange(r)
        if rng.random() < 0.5:
            return 'sortv', [x, 'i:%d' % D(r, d), 'b:%d' % rng.randint(0, 1)]
        return 'topkv', [x, 'i:%d' % rng.randint(1, sh[d]), 'i:%d' % D(r, d), 'b:%d' % rng.randint(0, 1)]
    if kind == 'inplace':
        n = rng.choice(['ipmuls', 'ipadd', 'ipclamp', 'ipsigmoid', 'ipnarrow', 'ipmasked'])
        if n == 'ipmuls':
            return n, [x, 'd:%s' % rng.choice([2.0, -0.5])]
        if n == 'ipadd':
            return n, [x, y]
        if n == 'ipclamp':
            return n, [x, 'd:-1.0', 'd:1.0']
        if n == 'ipsigmoid':
            return n, [x]
        if n == 'ipnarrow':
            if r == 0:
                return 'ipmuls', [x, 'd:3.0']
            d = rng.randrange(r)
            start = rng.randrange(sh[d])
            return n, [x, 'i:%d' % D(r, d), 'i:%d' % start, 'i:%d' % rng.randint(1, sh[d] - start), 'd:-2.0']
        return n, [x, y, 'd:0.5']
    return None


def build_program(shapes, dtypes, nops):
    """A valid program over sample inputs: (prog, output sample)."""
    while True:
        prog = Program()
        env = {}
        vars_ = []
        for i, (s, dt) in enumerate(zip(shapes, dtypes)):
            env['a%d' % i] = rand_tensor(s, dt)
            vars_.append('a%d' % i)
        k = 0
        tries = 0
        while k < nops and tries < 60:
            tries += 1
            mark = len(prog.consts)
            got = pick_op(env, vars_, prog)
            if got is None:
                continue
            name, args = got
            try:
                v = op_apply(name, [parse_arg(s, {**env, **prog.cenv}) for s in args])
            except Exception:  # noqa: BLE001 (not valid for these shapes or dtypes: another op)
                del prog.consts[mark:]
                continue
            if v.numel() > 48 or v.numel() == 0 or v.dim() > 4:
                del prog.consts[mark:]
                continue
            var = 'v%d' % k
            prog.ops.append((var, name, args))
            env[var] = v
            vars_.append(var)
            k += 1
        if k == nops:
            return prog, env[prog.ops[-1][0]]


# ------------------------------------------------------------------------------------------------ the layers


def named(f):
    f.__name__ = 'f'
    f.__qualname__ = 'f'
    return f


def flat(r):
    return r if isinstance(r, tuple) else (r,)


def one(r):
    return r[0] if isinstance(r, tuple) and len(r) == 1 else r


def loop_vmap(g, in_dims, out_dims):
    """vmap's definition: g per sample (each mapped input selected at its index), the results stacked at out_dims."""
    def h(*a):
        b = [x.shape[d] for x, d in zip(a, in_dims) if d is not None][0]
        results = [flat(g(*[x if d is None else x.select(d, i) for x, d in zip(a, in_dims)])) for i in range(b)]
        od = out_dims if isinstance(out_dims, tuple) else (out_dims,) * len(results[0])
        return one(tuple(torch.stack([r[k] for r in results], od[k]) for k in range(len(results[0]))))
    return named(h)


def vjp_jvp(g, primals, tangents):
    """jvp by reverse mode only (the derivative of a vector-Jacobian product along the tangents): the reference for
    1.13's forward mode."""
    out, fn = vjp(g, *primals)
    _, fn2 = vjp(lambda u: fn(u), torch.zeros_like(out))
    return out, fn2(tuple(tangents))[0]


def apply_layer(g, layer, nargs, ref=False):
    """The layer over g; with ref, a reference built by definition and reverse mode only: vmap as a loop over the
    samples, jacfwd as jacrev, hessian as jacrev(jacrev), jvp as the derivative of a vjp."""
    kind = layer[0]
    if ref and kind == 'vmap':
        return loop_vmap(g, layer[1], layer[2])
    if ref and kind in ('jacfwd', 'hessian'):
        h = jacrev(g, argnums=layer[1])
        return named(jacrev(h, argnums=layer[1]) if kind == 'hessian' else h)
    if ref and kind in ('jvpfn', 'jvp', 'linearize'):
        def refj(*a):
            out, t1 = vjp_jvp(g, a[:nargs], a[nargs:2 * nargs])
            if kind == 'jvpfn':
                return t1
            if kind == 'jvp':
                return out, t1
            return out, t1, vjp_jvp(g, a[:nargs], a[2 * nargs:])[1]
        return named(refj)
    if kind == 'vmap':
        _, in_dims, out_dims, randomness = layer
        return vmap(g, in_dims=in_dims, out_dims=out_dims, randomness=randomness)
    if kind == 'grad':
        h = grad(g, argnums=layer[1])
        return named(lambda *a: one(h(*a)))
    if kind == 'gav':
        h = grad_and_value(g, argnums=layer[1])

        def gav(*a):
            gs, v = h(*a)
            return tuple(gs) + (v,) if isinstance(gs, tuple) else (gs, v)
        return named(gav)
    if kind in ('jacrev', 'jacfwd', 'hessian'):
        t = {'jacrev': jacrev, 'jacfwd': jacfwd, 'hessian': hessian}[kind]
        return named(t(g, argnums=layer[1]))
    if kind == 'sqsum':
        # complex results: (|y| ** 2).sum(), a real scalar as grad needs (2.x refuses a complex one)
        return named(lambda *a: ((lambda y: y.abs() if y.is_complex() else y)(g(*a)) ** 2).sum())
    if kind == 'vjpfn':
        k = layer[1]
        return named(lambda *a: vjp(g, *a[:-1])[1](a[-1])[k])
    if kind == 'vjp':
        def v(*a):
            out, fn = vjp(g, *a[:-1])
            return (out,) + tuple(fn(a[-1]))
        return named(v)
    if kind == 'jvpfn':
        return named(lambda *a: jvp(g, a[:nargs], a[nargs:])[1])
    if kind == 'jvp':
        return named(lambda *a: tuple(jvp(g, a[:nargs], a[nargs:])))
    if kind == 'linearize':
        def lin(*a):
            out, t1 = jvp(g, a[:nargs], a[nargs:2 * nargs])
            _, t2 = jvp(g, a[:nargs], a[2 * nargs:])
            return out, t1, t2
        return named(lin)
    raise KeyError(kind)


def layer_text(layer):
    kind = layer[0]
    if kind == 'vmap':
        _, in_dims, out_dims, randomness = layer
        ind = ','.join('N' if d is None else str(d) for d in in_dims)
        outd = (','.join(str(d) for d in out_dims) + ',') if isinstance(out_dims, tuple) else str(out_dims)
        return 'vmap %s %s %s' % (ind or '-', outd, randomness)
    if kind in ('grad', 'gav', 'jacrev', 'jacfwd', 'hessian'):
        a = layer[1]
        return '%s %s' % (kind, (','.join(str(v) for v in a) + ',') if isinstance(a, tuple) else str(a))
    if kind == 'vjpfn':
        return 'vjpfn %d' % layer[1]
    return kind


def is_float(dt):
    return dt in (torch.float64, torch.float32)


def choose_layers(shapes, dtypes, out_shape, err):
    """Transforms outward from the program: (layers, arg shapes, arg dtypes, injected error kind or None)."""
    shapes = [list(s) for s in shapes]
    dtypes = list(dtypes)
    outs = [list(out_shape)]
    cplx = any(d == torch.complex128 for d in dtypes)
    out_cplx = cplx
    # complex128 programs are differentiated too, one time in two (vjp, jacrev, grad of |y|^2 ...)
    only_vmap = not all(is_float(d) for d in dtypes) and not (
        all(d == torch.complex128 for d in dtypes) and rng.random() < 0.5)
    layers = []
    depth = rng.choice([1, 1, 2, 2, 2, 3, 3])
    injected = None
    for level in range(depth):
        can_diff = not only_vmap and len(outs) == 1
        kinds = ['vmap'] * 4
        if can_diff:
            kinds += ['grad', 'grad', 'gav', 'jacrev', 'jacrev', 'jacfwd', 'hessian', 'vjpfn', 'jvpfn', 'vjp', 'jvp',
                      'linearize']
        kind = rng.choice(kinds)
        nargs = len(shapes)
        if kind in ('grad', 'gav', 'hessian') and (outs[0] != [] or out_cplx):
            # a complex scalar too: 2.x's grad refuses it (autograd's _make_grads: "grad can be implicitly created
            # only for real scalar outputs but got torch.complex128"; 1.13 computes)
            if err == 'nonscalar' and injected is None and kind != 'hessian' and outs[0] != []:
                injected = 'nonscalar'
            else:
                layers.append(('sqsum',))
                outs = [[]]
                out_cplx = False
        if kind == 'vmap':
            b = rng.randint(2, 3)
            in_dims = []
            for s in shapes:
                if rng.random() < 0.25:
                    in_dims.append(None)
                else:
                    d = rng.randint(0, len(s))
                    in_dims.append(d - len(s) - 1 if rng.random() < 0.3 else d)
            if all(d is None for d in in_dims):
                in_dims[0] = 0
            new_shapes = []
            for s, d in zip(shapes, in_dims):
                if d is None:
                    new_shapes.append(s)
                else:
                    dd = d if d >= 0 else d + len(s) + 1
                    new_shapes.append(s[:dd] + [b] + s[dd:])
            out_dims = []
            new_outs = []
            # a negative out_dim only where every result is batched at this level (1.13's _remove_batch_dim, as
            # 2.x's, inserts an unbatched result's new dimension at out_dim unwrapped: a negative one crashes it):
            # every input mapped, and only vmaps below (a derivative may not depend on the inputs)
            neg_ok = all(d is not None for d in in_dims) and all(L[0] in ('vmap', 'sqsum') for L in layers)
            for o in outs:
                d = rng.randint(0, len(o))
                out_dims.append(d - len(o) - 1 if neg_ok and rng.random() < 0.3 else d)
                dd = out_dims[-1] if out_dims[-1] >= 0 else out_dims[-1] + len(o) + 1
                new_outs.append(o[:dd] + [b] + o[dd:])
            out_dims = out_dims[0] if len(outs) == 1 else tuple(out_dims)
            in_dims = tuple(in_dims)
            if err in ('in_dims_len', 'in_dim_range', 'batch_sizes', 'out_dim_range', 'all_none') and injected is None:
                injected = err
                if err == 'all_none':
                    in_dims = tuple(None for _ in in_dims)
                    new_shapes = [list(sh) for sh in shapes]
                elif err == 'in_dims_len':
                    in_dims = in_dims + (0,) if rng.random() < 0.5 or len(in_dims) == 1 else in_dims[:-1]
                elif err == 'in_dim_range':
                    k = rng.randrange(len(in_dims))
                    r = len(new_shapes[k]) if in_dims[k] is not None else len(shapes[k]) + 1
                    in_dims = in_dims[:k] + (rng.choice([r, r + 1, -r - 1]),) + in_dims[k + 1:]
                elif err == 'batch_sizes':
                    mapped = [k for k, d in enumerate(in_dims) if d is not None]
                    k = rng.choice(mapped)
                    if len(mapped) == 1:
                        # a second mapped input: the first, over another dimension with another size
                        injected = None
                    else:
                        dd = in_dims[k] if in_dims[k] >= 0 else in_dims[k] + len(new_shapes[k])
                        new_shapes[k] = list(new_shapes[k])
                        new_shapes[k][dd] = b + 1
                elif err == 'out_dim_range':
                    # 1.13's functorch crashes (segfault) here; 2.x's _remove_batch_dim moves the batch dimension with
                    # _movedim, whose maybe_wrap_dim refuses in its words (aten/src/ATen/functorch/
                    # LegacyBatchingRegistrations.cpp): the message is written by that rule, not run
                    rk = len(new_outs[0])
                    bad = rng.choice([rk, -rk - 1])
                    out_dims = (bad,) + out_dims[1:] if isinstance(out_dims, tuple) else bad
                    RULE[0] = 'Dimension out of range (expected to be in range of [%d, %d], but got %d)' % (
                        -rk, rk - 1, bad)
            layers.append(('vmap', in_dims, out_dims, 'error'))
            shapes = new_shapes
            outs = new_outs
            continue
        if kind != 'vmap':
            out_cplx = cplx  # a derivative of a complex program is complex
        if kind in ('grad', 'gav', 'jacrev', 'jacfwd', 'hessian'):
            if kind in ('grad', 'gav') and nargs > 1 and rng.random() < 0.4:
                an = tuple(sorted(rng.sample(range(nargs), rng.randint(1, nargs))))
                an = tuple(a - nargs if rng.random() < 0.3 else a for a in an)
            else:
                an = rng.randrange(nargs)
                an = an - nargs if rng.random() < 0.2 else an
            if err == 'argnums' and injected is None:
                injected = err
                if kind in ('grad', 'gav') and rng.random() < 0.5:
                    an = (0, 0 - nargs) if rng.random() < 0.5 else (0, nargs)
                else:
                    an = rng.choice([nargs, -nargs - 1])
            which = [a % nargs for a in (an if isinstance(an, tuple) else (an,))] if injected != 'argnums' else [0]
            if kind == 'grad':
                outs = [shapes[w] for w in which]
            elif kind == 'gav':
                outs = [shapes[w] for w in which] + [outs[0]]
            elif kind in ('jacrev', 'jacfwd'):
                outs = [outs[0] + shapes[which[0]]]
            else:
                outs = [outs[0] + shapes[which[0]] + shapes[which[0]]]
            layers.append((kind, an))
            continue
        if kind == 'vjpfn':
            k = rng.randrange(nargs)
            layers.append(('vjpfn', k))
            ct = list(outs[0])
            if err == 'cotangent' and injected is None:
                injected = err
                ct = ct + [2]
            shapes = shapes + [ct]
            dtypes = dtypes + [dtypes[0]]
            outs = [shapes[k]]
            continue
        if kind == 'vjp':
            layers.append(('vjp',))
            ct = list(outs[0])
            if err == 'cotangent' and injected is None:
                injected = err
                ct = ct + [2]
            outs = [outs[0]] + [list(s) for s in shapes]
            shapes = shapes + [ct]
            dtypes = dtypes + [dtypes[0]]
            continue
        if kind in ('jvpfn', 'jvp', 'linearize'):
            layers.append((kind,))
            tangents = [list(s) for s in shapes]
            if err == 'tangent' and injected is None and kind != 'linearize':
                injected = err
                tangents[0] = tangents[0] + [2]
            reps = 2 if kind == 'linearize' else 1
            o = outs[0]
            shapes = shapes + tangents * reps
            tdtypes = list(dtypes)
            if err == 'tangent_dtype' and injected is None and kind != 'linearize':
                injected = err
                tdtypes[0] = torch.int64
            dtypes = dtypes + tdtypes * reps
            outs = [o] if kind == 'jvpfn' else [o] * (1 + reps)
            continue
    return layers, shapes, dtypes, injected


ERRORS = ['nonscalar', 'in_dims_len', 'in_dim_range', 'batch_sizes', 'out_dim_range', 'argnums', 'cotangent',
          'all_none', 'tangent_dtype', 'jvpint',
          'tangent', 'intgrad']


# what the message of each injected error contains (a case that fails otherwise first is not written)
SIGN = {'all_none': 'Expected at least one Tensor', 'tangent_dtype': 'Expected tangent to be floating point',
        'jvpint': 'Expected primal to be floating point', 'nonscalar': 'to return a scalar Tensor',
        'in_dims_len': 'in_dims is not compatible', 'in_dim_range':
        'Got in_dim=', 'batch_sizes': 'Expected all tensors to have the same size', 'out_dim_range':
        'Dimension out of range', 'argnums': 'argnum', 'cotangent': 'Mismatch in shape', 'tangent': 'forward gradient',
        'intgrad': 'floating point'}


def W(t):
    """The weights of the loss over a result: w[k] = 1 + 0.5 ((3k) mod 11) over its row-major elements, float64."""
    n = t.numel()
    return torch.tensor([1 + 0.5 * ((3 * k) % 11) for k in range(n)], dtype=torch.float64).reshape(t.shape)


def run_isolated(g, inputs):
    """g(*inputs) in a forked child, since 1.13's functorch crashes the process on some compositions (a segfault in
    index_select under vmap of vjp, for one): ('ok', results, input grads), ('err', first line), ('backward', first
    line) or ('crash', how). Where a result requires grad (an input does), sum((r * W(r)).sum()) over those results is
    backpropagated and each input's .grad returned."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            res = flat(g(*inputs))
            payload = ('ok', [(t.detach().clone(), t.requires_grad) for t in res])
        except Exception as e:  # noqa: BLE001
            payload = ('err', str(e).split('\n')[0])
        if payload[0] == 'ok':
            try:
                diff = [t for t in res if t.requires_grad]
                if diff:
                    sum((t * W(t)).sum() for t in diff).backward()
                payload = payload + ([None if x.grad is None else x.grad.clone() for x in inputs],)
            except Exception as e:  # noqa: BLE001
                payload = ('backward', str(e).split('\n')[0])
        with os.fdopen(w, 'wb') as f:
            pickle.dump(payload, f)
        os._exit(0)
    os.close(w)
    with os.fdopen(r, 'rb') as f:
        data = f.read()
    _, st = os.waitpid(pid, 0)
    if not data:
        return 'crash', 'signal %d' % os.WTERMSIG(st) if os.WIFSIGNALED(st) else 'exit %d' % os.WEXITSTATUS(st)
    return pickle.loads(data)


def differs(res, ref):
    """Why functorch's results are not the reference's (None when they agree within float32's or float64's
    tolerance)."""
    if ref[0] != 'ok':
        return 'the reference ' + ref[0]
    value = ref[1]
    if len(value) != len(res[0]):
        return 'counts'
    pairs = list(zip(res[0], value))
    for a, b in zip(res[1], ref[2]):
        if (a is None) != (b is None):
            return 'grads'
        if a is not None:
            pairs.append(((a, 0), (b, 0)))
    for (t, rg1), (u, rg2) in zip(res[0], value):
        if rg1 != rg2:
            return 'requires_grad'
    for (t, _), (u, _) in pairs:
        if t.shape != u.shape or t.dtype != u.dtype:
            return 'shapes'
        tol = 1e-4 if t.dtype in (torch.float32,) else 1e-6
        if not torch.allclose(t, u, rtol=tol, atol=tol, equal_nan=True):
            return 'values'
    return None


def make_case(k, out):
    err = rng.choice(ERRORS) if rng.random() < 0.25 else None
    nargs = rng.choice([1, 1, 2, 2, 3])
    shapes = [rand_shape() for _ in range(nargs)]
    r = rng.random()
    if r < 0.65:
        dt = [torch.float64] * nargs
    elif r < 0.77:
        dt = [torch.float32] * nargs
    elif r < 0.83:
        dt = [rng.choice([torch.float32, torch.float64]) for _ in range(nargs)]
    elif r < 0.9:
        dt = [rng.choice([torch.float64, torch.int64]) for _ in range(nargs)]
    elif r < 0.95:
        dt = [torch.complex128] * nargs
    else:
        dt = [torch.float64] + [rng.choice([torch.bool, torch.float64]) for _ in range(nargs - 1)]
    if err in ('intgrad', 'jvpint'):
        dt = [torch.int64] + [torch.float64] * (nargs - 1)
    prog, sample = build_program(shapes, dt, rng.randint(2, 6))
    if err == 'intgrad':
        layers = [('grad', 0)]
        if sample.dim() != 0:
            layers.insert(0, ('sqsum',))
        arg_shapes, arg_dtypes, injected = shapes, dt, 'intgrad'
    elif err == 'jvpint':
        # jvp with an integer primal (its tangent floating): make_dual's check, before f runs
        layers = [('jvp',)]
        arg_shapes, arg_dtypes, injected = shapes * 2, dt + [torch.float64] * nargs, 'jvpint'
    else:
        layers, arg_shapes, arg_dtypes, injected = choose_layers(shapes, dt, list(sample.shape), err)
    g = prog.fn(nargs)
    gref = prog.fn(nargs)
    nargs_now = nargs
    for layer in layers:
        g = apply_layer(g, layer, nargs_now)
        gref = apply_layer(gref, layer, nargs_now, ref=True)
        if layer[0] in ('vjpfn', 'vjp'):
            nargs_now += 1
        elif layer[0] in ('jvpfn', 'jvp'):
            nargs_now *= 2
        elif layer[0] == 'linearize':
            nargs_now *= 3
    inputs = [rand_tensor(s, d) for s, d in zip(arg_shapes, arg_dtypes)]
    if rng.random() < 0.25:
        # some floating inputs require grad outside the transforms: the results keep a graph where they depend on
        # them, and a backward through the results reaches them
        floats = [t for t in inputs if t.dtype in (torch.float32, torch.float64)]
        for t in floats:
            if rng.random() < 0.6:
                t.requires_grad_(True)
    res = None
    msg = RULE[0] if injected == 'out_dim_range' else None
    if msg is None:
        got = run_isolated(g, inputs)
        status, value = got[0], got[1]
        if status in ('crash', 'backward'):
            dropped['1.13 ' + status + ': ' + value[:60]] = dropped.get('1.13 ' + status + ': ' + value[:60], 0) + 1
            return False
        if status == 'err':
            msg = value
        else:
            res = value
            grads = got[2]
            why = differs((res, grads), run_isolated(gref, inputs))
            if why is not None:
                dropped['functorch differs from the reference (%s): %s' % ('/'.join(L[0] for L in layers), why)] = \
                    dropped.get('functorch differs from the reference (%s): %s' % (
                        '/'.join(L[0] for L in layers), why), 0) + 1
                return False
    if injected is None and msg is not None:
        dropped[msg[:90]] = dropped.get(msg[:90], 0) + 1
        return False
    if injected is not None and msg is not None and SIGN[injected] not in msg:
        dropped['another error than the injected one: ' + msg[:60]] = dropped.get(
            'another error than the injected one: ' + msg[:60], 0) + 1
        return False
    if injected is not None and msg is None:
        return False  # the injection did not reach a check (e.g. an out_dim that fits after all)
    kind = 'err' if msg is not None else 'val'
    desc = '/'.join(layer_text(L).split(' ')[0] for L in layers)
    out.append('=== r15_%03d %s %s' % (k, kind, desc))
    for i, t in enumerate(inputs):
        out.append('in a%d %s' % (i, fmt(t)))
    for i, t in enumerate(inputs):
        if t.requires_grad:
            out.append('rg a%d' % i)
    for name, t in prog.consts:
        out.append('const %s %s' % (name, fmt(t)))
    for var, name, args in prog.ops:
        out.append('op %s %s %s' % (var, name, ' '.join(args)))
    for layer in layers:
        out.append('layer ' + layer_text(layer))
    if msg is not None:
        out.append('err ' + msg)
    else:
        for i, (t, rg) in enumerate(res):
            out.append('out %d %s rg %d' % (i, fmt(t), int(rg)))
        for i, t in enumerate(inputs):
            if t.requires_grad:
                out.append('grad a%d %s' % (i, 'none' if grads[i] is None else fmt(grads[i])))
    return True


def make_rand_case(k, out):
    """vmap over x + rand_like(x) (and a program around it) in each randomness mode."""
    mode = rng.choice(['error', 'same', 'different'])
    shape = [rng.randint(1, 3)]
    b = rng.randint(2, 4)
    prog = Program()
    prog.ops.append(('v0', 'randlike', ['a0']))
    prog.ops.append(('v1', rng.choice(['exp', 'tanh', 'square']), ['v0']))
    x = rand_tensor([b] + shape, torch.float64)
    in_dims = (0,)
    g = vmap(prog.fn(1), in_dims=in_dims, out_dims=0, randomness=mode)
    # the rule checked: rows equal ('same') or pairwise different ('different') for an input whose rows are equal
    x = x[:1].expand(b, *shape).clone()
    out.append('=== r15_%03d rand vmap' % k)
    out.append('in a0 %s' % fmt(x))
    for var, name, args in prog.ops:
        out.append('op %s %s %s' % (var, name, ' '.join(args)))
    out.append('layer vmap 0 0 %s' % mode)
    try:
        res = g(x)
    except Exception as e:  # noqa: BLE001
        out.append('err ' + str(e).split('\n')[0])
        return True
    rows = [res[i] for i in range(b)]
    same = all(torch.equal(rows[0], r) for r in rows)
    diff = all(not torch.equal(rows[i], rows[j]) for i in range(b) for j in range(i))
    assert (mode == 'same' and same) or (mode == 'different' and diff), mode
    out.append('rows ' + mode)
    out.append('shape %s' % list(res.shape))
    return True


def main():
    out = []
    k = 0
    while k < N_CASES:
        ok = make_rand_case(k, out) if rng.random() < 0.05 else make_case(k, out)
        if ok:
            k += 1
    print('\n'.join(out))
    for m, c in sorted(dropped.items(), key=lambda e: -e[1]):
        sys.stderr.write('dropped %d: %s\n' % (c, m))


if __name__ == '__main__':
    main()
