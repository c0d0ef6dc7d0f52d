# Differential fuzz round 22 for DifferentialFuzzR22Test.java: seeded PROGRAMS UNDER CPU AUTOCAST, run in PyTorch with
# every result recorded; FuzzR22Interpreter.java replays each in Ember under Ember.autocast(DeviceType.CPU, ...).
#   run: cd engine-cpu/src/test/resources/differentialfuzzr22 && /usr/bin/python3 make_cases.py > cases.txt
#   (PyTorch 1.13 CPU; the seed is fixed and everything is seeded, so a second run writes the same bytes)
#   a local hunt: FUZZ_SEED=<s> FUZZ_N=<n> /usr/bin/python3 make_cases.py > /tmp/hunt.txt, then the test with
#   -Dember.fuzz22.file=/tmp/hunt.txt (seeds 777, 31, 5, 99, 4242, 1234 and 2024, 800 programs each, passed when
#   this round was committed)
#
# A program: inputs given as data (float32 mostly, some bfloat16 and float64, some requiring grad), a CPU autocast
# scope (bfloat16, or float16 as 2.x's CPU autocast allows), 3 to 9 ops chained on a square "main" tensor (an op either
# continues the chain or branches off a recorded result), with nested torch.autocast("cpu", enabled=False) scopes, a
# scope exited and entered again, torch.is_autocast_cpu_enabled() / torch.get_autocast_cpu_dtype() queries, then the
# chain's backward outside autocast and every leaf's gradient (its dtype must be the leaf's).
#
# 2.x, not 1.13 (Ember follows 2.x): PyTorch 1.13's CPU lists lack prelu, linalg_vecdot and
# scaled_dot_product_attention (2.x lower precision), and 1.13 has no float16 CPU autocast. So this script does NOT use
# 1.13's autocast at all: it keeps the autocast state itself (a stack of scopes, as torch.autocast's __enter__/__exit__)
# and applies PyTorch 2.x's policies of aten/src/ATen/autocast_mode.cpp (TORCH_LIBRARY_IMPL(aten, AutocastCPU, m)) by
# explicit casts: for a listed op, each eligible tensor (floating, not float64) is cast with .to() to the lower type
# (lower_precision_fp), to float32 (fp32), or to the widest (promote: float32 if any is float32), then the op runs as it
# is. An op outside the lists runs as it is (composite ops that 2.x decomposes into listed ones are cast as their
# parts: tensordot, einsum of two operands and linalg.multi_dot reach at::mm / at::bmm, so lower; MultiheadAttention
# is linear + bmm/baddbmm + softmax + linear). Where 1.13 lacks a kernel that 2.x has, the op is computed in float32 on
# the cast values and rounded to the result type (the "emulated" ops: every float16 op but add/mul/cat/stack, 2.x's
# mixed-type layer_norm of a bfloat16 input with float32 weights, and scaled_dot_product_attention, which 1.13 lacks);
# conv_transpose1d too (in float64), as 1.13's bfloat16 kernel gives wrong values for these unbatched inputs (float64
# on the same bfloat16 values agrees with Ember); those results are compared with a tolerance.
#
# Format: "=== r22_<k> P <lines>", then one statement a line:
#   in NAME DTYPE SHAPE G|- BITS            an input given as data (G: requires grad)
#   ac bfloat16|float16|off                 enter torch.autocast("cpu", dtype=..) / torch.autocast("cpu", enabled=False)
#   end                                     exit the innermost scope
#   q en | q dt                             torch.is_autocast_cpu_enabled() / torch.get_autocast_cpu_dtype()
#   mod NAME KIND ARGS                      a module (linear I O | conv2d I O K P | layernorm N | mha E H), then one
#                                           "p KEY DTYPE SHAPE BITS" line per parameter (its values, copied in)
#   op OUT NAME ARGS                        an op (see OPS below; ARGS are variable names and numbers)
#   back NAME W                             (NAME * W).sum().backward() (outside autocast; W float32 weights)
#   grad NAME                               NAME.grad
# each op/q/grad statement is followed by its result lines "= DTYPE SHAPE TOL BITS" (one per output; TOL 0 means bit
# for bit, else |ember - torch| <= TOL * max(1, max |torch|) elementwise; complex results as their real view), or
# "= bool - 0|1", "= dtype - NAME", "= none".
#   BITS: floating types as the IEEE bits of each element, row-major, in hex (4 digits for float16/bfloat16, 8 float32,
#   16 float64); integers comma separated.
# Tolerances: results that depend only on exact elementwise steps and exact casts are bit for bit (the round-to-nearest-
# even float32 -> bfloat16/float16 cast, relu, add, mul by 0.5, cat, stack, index_copy, pads, max pools, reshapes,
# view_as_complex). Every other op adds its own error (float32 reductions and linear algebra 1e-5, bfloat16 GEMM-like
# 2^-6 (the accumulation order and the one rounding), other bfloat16 math 2^-7, float16 2^-9), and errors of the inputs
# carry forward, doubled through non-exact ops, times 8 through inverse-like ones (whose inputs are made diagonally
# dominant by the chain itself: tanh, then + (n + 1) I), times 2 max(1, max |x|) / std(row) (at least 8) through
# normalizations, times k through sums of k elements, and
# scaled by the ratio of the inputs' largest magnitude to the result's; a product of inexact factors and a
# poisson_nll_loss (an exp) of inexact values get 0.5 (their type and shape are the check); every tolerance is capped at 0.5. Gradients get the program's largest tolerance,
# times 4.
# Not compared: gradients of programs that took a kink (relu, abs, max pools, quantiles, the margin losses...) of
# inexact values (the gradient may take the other branch), or where a forward tolerance reached 0.25 (a normalization of nearly equal values,
# an inverse of a perturbed matrix: the gradient is as ill-conditioned), or whose chain went through pinverse (PyTorch 1.13 gave NaN, values near 1e36 or
# stray exact zeros and ones for some of them, where Ember's are finite and small; the forward values match) or
# through group_norm of a bfloat16/float16 input (2.x keeps that norm's mean and rstd in the input's type for its
# backward, which this script cannot emulate from 1.13; the forward is emulated in float32, rounded once).
# Left out (refused by 2.x for reasons outside autocast, or with 1.13's wording): ops of mixed types in disabled
# scopes (the partners there take the main tensor's type) and ops 1.13 has no bfloat16 kernel for outside autocast.
import math
import os
import random
import sys
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings('ignore')
SEED = int(os.environ.get('FUZZ_SEED', '2222'))
N_PROGRAMS = int(os.environ.get('FUZZ_N', '180'))
rng = random.Random(SEED)
torch.manual_seed(SEED)
torch.set_num_threads(1)

BF, HF, F32, F64 = torch.bfloat16, torch.float16, torch.float32, torch.float64
NAME = {BF: 'bfloat16', HF: 'float16', F32: 'float32', F64: 'float64', torch.int64: 'int64', torch.bool: 'bool',
        torch.complex64: 'complex64', torch.complex128: 'complex128'}
WIDTH = {'bfloat16': 4, 'float16': 4, 'float32': 8, 'float64': 16}
VIEW = {'bfloat16': torch.int16, 'float16': torch.int16, 'float32': torch.int32, 'float64': torch.int64}

# PyTorch 2.x autocast_mode.cpp, AutocastCPU (the ops this round uses)
LOWER = {'conv_transpose1d', 'conv1d', 'conv2d', 'bmm', 'mm', 'linalg_vecdot', 'baddbmm', 'addmm', 'addbmm', 'linear', 'matmul', 'prelu',
         'scaled_dot_product_attention'}
FP32 = {'cross_entropy_loss', 'margin_ranking_loss', 'soft_margin_loss', 'hinge_embedding_loss', 'poisson_nll_loss',
        'triplet_margin_loss', 'multi_margin_loss', 'avg_pool3d', 'binary_cross_entropy', 'grid_sampler', 'polar', 'prod', 'quantile', 'nanquantile', 'cdist',
        'trace', 'view_as_complex', 'cholesky', 'inverse', 'pinverse', 'max_pool3d', 'adaptive_avg_pool3d',
        'reflection_pad1d', 'reflection_pad2d', 'replication_pad1d', 'replication_pad2d', 'mse_loss',
        'cosine_embedding_loss', 'nll_loss', 'smooth_l1_loss', 'huber_loss', 'l1_loss', 'kl_div',
        'binary_cross_entropy_with_logits', 'fft_fft', 'fft_rfft', 'linalg_svdvals', 'linalg_cond',
        'linalg_matrix_rank', 'linalg_solve', 'linalg_inv', 'linalg_eigvalsh', 'linalg_cholesky'}
PROMOTE = {'cat', 'stack', 'index_copy'}
KINKED = {'relu', 'abs', 'max_pool3d', 'quantile', 'nanquantile', 'prelu', 'l1_loss', 'smooth_l1_loss', 'huber_loss',
          'hinge_embedding_loss', 'margin_ranking_loss', 'multi_margin_loss', 'triplet_margin_loss',
          'cosine_embedding_loss', 'linalg_matrix_rank', 'reflection_pad1d', 'adaptive_avg_pool3d'}
BF_GEMM, BF_MATH, HF_TOL, F32_TOL = 2.0 ** -6, 2.0 ** -7, 2.0 ** -9, 1e-5


def fmt_vals(t):
    t = t.detach().contiguous()
    if t.is_complex():
        t = torch.view_as_real(t)
    name = NAME[t.dtype]
    if t.numel() == 0:
        return '-'
    if name in WIDTH:
        w = WIDTH[name]
        bits = t.reshape(-1).view(VIEW[name]).tolist()
        return ''.join('%0*x' % (w, b & ((1 << (4 * w)) - 1)) for b in bits)
    if name == 'bool':
        return ''.join('1' if b else '0' for b in t.reshape(-1).tolist())
    return ','.join(str(v) for v in t.reshape(-1).tolist())


def shape_text(s):
    return ','.join(str(x) for x in s) if len(s) else '-'


def tol_text(x):
    return '0' if x == 0 else repr(float(min(x, 0.5)))


class Prog:
    def __init__(self, pid):
        self.pid = pid
        self.lines = []
        self.vars = {}
        self.tol = {}
        self.scopes = []  # (enabled, dtype)
        self.n = 0
        self.leaves = []
        self.maxtol = 0.0
        self.no_backward = False

    def fresh(self, prefix):
        self.n += 1
        return '%s%d' % (prefix, self.n)

    # ----------------------------------------------------------------------------------------------- autocast state
    def enabled(self):
        return bool(self.scopes) and self.scopes[-1][0]

    def dtype(self):
        return self.scopes[-1][1] if self.scopes else BF

    def enter(self, what):
        if what == 'off':
            self.scopes.append((False, self.dtype()))
        else:
            self.scopes.append((True, BF if what == 'bfloat16' else HF))
        self.lines.append('ac ' + what)

    def exit(self):
        self.scopes.pop()
        self.lines.append('end')

    def query(self):
        if rng.random() < 0.5:
            self.lines.append('q en')
            self.lines.append('= bool - %d' % (1 if self.enabled() else 0))
        else:
            self.lines.append('q dt')
            self.lines.append('= dtype - ' + NAME[self.dtype()])

    # ----------------------------------------------------------------------------------------------- data
    def inp(self, dtype, shape, grad=False, kind='n', scale=1.0):
        name = self.fresh('x')
        if kind == 'n':
            t = torch.randn(shape, dtype=F64) * scale
        elif kind == 'u':  # (0, 1)
            t = torch.rand(shape, dtype=F64) * 0.9 + 0.05
        elif kind == 'pm':  # +-1
            t = torch.randint(0, 2, shape).to(F64) * 2 - 1
        t = t.to(dtype)
        if grad:
            t.requires_grad_(True)
            self.leaves.append(name)
        self.vars[name] = t
        self.tol[name] = 0.0
        self.lines.append('in %s %s %s %s %s' % (name, NAME[dtype], shape_text(t.shape), 'G' if grad else '-',
                                                 fmt_vals(t)))
        return name

    def ints(self, values, shape):
        name = self.fresh('i')
        t = torch.tensor(values, dtype=torch.int64).reshape(shape)
        self.vars[name] = t
        self.tol[name] = 0.0
        self.lines.append('in %s int64 %s - %s' % (name, shape_text(t.shape), fmt_vals(t)))
        return name

    def eye(self, n, k, dtype):
        name = self.fresh('x')
        t = (torch.eye(n, dtype=F64) * k).to(dtype)
        self.vars[name] = t
        self.tol[name] = 0.0
        self.lines.append('in %s %s %s - %s' % (name, NAME[dtype], shape_text(t.shape), fmt_vals(t)))
        return name

    def record(self, outs, tol):
        for o in outs:
            if o.dtype in (torch.int64, torch.bool):
                self.lines.append('= %s %s 0 %s' % (NAME[o.dtype], shape_text(o.shape), fmt_vals(o)))
            else:
                self.lines.append('= %s %s %s %s' % (NAME[o.dtype], shape_text(o.shape), tol_text(tol),
                                                     fmt_vals(o)))

    # ----------------------------------------------------------------------------------------------- ops
    def cast(self, op, ts):
        """2.x's autocast of a listed op's tensors (cached_cast: eligible = floating and not float64)."""
        if not self.enabled():
            return ts
        low = self.dtype()
        if op in LOWER:
            to = low
        elif op in FP32:
            to = F32
        elif op in PROMOTE:
            to = low
            for t in ts:
                if t is not None and t.is_floating_point() and t.dtype != F64:
                    if to == F32 or t.dtype == F32:
                        to = F32
                    elif t.dtype != low:
                        raise RuntimeError('Unexpected floating ScalarType in at::autocast::prioritize')
        else:
            return ts
        return [t.to(to) if t is not None and t.is_floating_point() and t.dtype != F64 and t.dtype != to else t
                for t in ts]

    @staticmethod
    def compute(fn, ts, half, layer_norm=False):
        if half:
            # 1.13 has few CPU float16 kernels: compute in float32 on the cast values, round to float16 (2.x's CPU
            # float16 kernels compute in float32 too)
            up = [t.float() if t is not None and t.dtype == HF else t for t in ts]
            outs = fn(*up)
            outs = outs if isinstance(outs, (list, tuple)) else [outs]
            # the result is float16 where every floating input was (else type promotion gave float32 or float64)
            if all(t.dtype == HF for t in ts if t is not None and t.is_floating_point()) or layer_norm:
                return [o.to(HF) if o.dtype == F32 else o for o in outs]
            return outs
        outs = fn(*ts)
        return outs if isinstance(outs, (list, tuple)) else [outs]

    def op(self, op, args, fn, names, kind, emulate_half=True, tag=None):
        """Runs fn on the (cast) tensors of names; kind: 'x' exact, 'g' GEMM-like, 'm' other math, 'l' inverse-like.
        Returns the output names (one per output)."""
        ts = [self.vars[n] if n is not None else None for n in names]
        # gradients not compared (see the header): through pinverse (1.13's came back NaN, huge or as stray zeros and
        # ones in these programs) and through group_norm of a bfloat16/float16 input (2.x's backward uses the mean and
        # rstd it keeps in that type; this script's emulation computes them in float32)
        if op == 'pinverse' or (op == 'group_norm' and ts[0].dtype in (BF, HF)):
            self.no_backward = True
        try:
            ts = self.cast(op, ts)
            half = any(t is not None and t.dtype == HF for t in ts)
            outs = self.compute(fn, ts, half and emulate_half, op == 'layer_norm' and ts[0].dtype == HF)
        except RuntimeError as e:
            if 'prioritize' not in str(e) and not isinstance(e, Refused2x):
                # refused for a reason outside autocast (1.13 lacks a bfloat16 kernel 2.x has, or a disabled scope
                # mixes types, whose messages changed in 2.x): the op is left out
                return [self.main]
            self.lines.append('op %s %s %s' % (self.fresh('y'), tag or op, ' '.join(str(a) for a in args)))
            self.lines.append('err ' + str(e).split('\n')[0])
            return [self.main]
        tin = max([self.tol[n] for n in names if n is not None] + [0.0])
        if tin > 0 and op in KINKED:
            # a kink (relu's zero, abs's sign, a maximum's or a sorted position's choice) of inexact values: the
            # forward stays within its tolerance, but the gradient may take the other branch
            self.no_backward = True
        lowres = any(o.dtype in (BF, HF) for o in outs)
        if kind == 'x':
            tol = tin  # exact in float32 and exactly rounded: exact in float16 too
        else:
            own = F32_TOL
            if any(o.dtype == BF for o in outs):
                own = BF_GEMM if kind == 'g' else BF_MATH
            elif any(o.dtype == HF for o in outs):
                own = HF_TOL * (4 if kind == 'g' else 1)
            if op == 'addbmm' and own == BF_GEMM:
                own *= 2  # 2.x adds the batches' products into the bfloat16 result one by one, rounding each time
            # errors of the inputs grow: 8 times through inverse-like ops and normalizations (they divide by a
            # deviation), k times through a product or a sum of k elements, 2 times through other ops; and relative
            # to the result's scale, they are the inputs' errors times the ratio of the scales
            if op in ('group_norm', 'layer_norm'):
                # an input error (relative to max(1, max |x|)) is divided by the row's deviation:
                # 2 max(1, max |x|) / std(row), at least 8
                x = ts[0].detach().double()
                x = x.reshape(x.shape[0], -1)
                dev = x.std(1, unbiased=False)
                amp = max(8.0, float((2 * max(1.0, float(x.abs().max())) / (dev + 1e-6)).max()))
                scale_in = 1.0
                own = max(own, F32_TOL * amp / 4)  # the float32 rounding of the mean, divided by the deviation too
            elif kind == 'l':
                amp = 8
            elif op in ('prod', 'sum', 'trace', 'mse_loss', 'l1_loss', 'smooth_l1_loss', 'huber_loss', 'kl_div',
                        'nll_loss'):
                amp = max(2, ts[0].numel())
            else:
                amp = 2
            if op not in ('group_norm', 'layer_norm'):
                scale_in = max([1.0] + [float(t.detach().abs().max()) for t in ts
                                        if t is not None and t.is_floating_point() and t.numel() > 0])
            scale_out = max([1.0] + [float(o.detach().abs().max()) if not o.is_complex()
                                     else float(torch.view_as_real(o.detach()).abs().max())
                                     for o in outs if (o.is_floating_point() or o.is_complex()) and o.numel() > 0])
            tol = max(own, tin * amp * scale_in / scale_out)
            if op in ('prod', 'poisson_nll_loss') and tin > 0:
                # a product of perturbed factors (small ones perturbed relatively much), an exp of perturbed values:
                # the type and shape checked
                tol = 0.5
        if tin > 0 and lowres:
            tol = max(tol, BF_MATH)
        self.maxtol = max(self.maxtol, tol)
        out_names = [self.fresh('y') for _ in outs]
        self.lines.append('op %s %s %s' % (','.join(out_names), tag or op, ' '.join(str(a) for a in args)))
        self.record(outs, tol)
        for nm, o in zip(out_names, outs):
            self.vars[nm] = o
            self.tol[nm] = tol
        return out_names

    def module(self, kind, args, mod):
        name = self.fresh('m')
        self.lines.append('mod %s %s %s' % (name, kind, ' '.join(str(a) for a in args)))
        for k, v in mod.named_parameters():
            self.lines.append('p %s %s %s %s' % (k, NAME[v.dtype], shape_text(v.shape), fmt_vals(v)))
        self.vars[name] = mod
        return name


def rdt(p_f32=0.7, p_bf=0.2):
    r = rng.random()
    return F32 if r < p_f32 else BF if r < p_f32 + p_bf else F64


def chain_op(P, M, n):
    """One op on the main tensor M (n x n); returns the new main (n x n) or M when the op branched off."""
    t = P.vars[M]
    dt = t.dtype
    # a partner of the main's type or float32 (float64 mains keep float64 partners: an autocast-cast float32 beside
    # a float64 would be refused by the GEMM, a case left to FuzzRound22FixesTest)
    def partner(shape, grad=None, kind='n', scale=1.0):
        # outside an enabled scope the partner has the main's type (2.x refuses mixed types in many ops whose 1.13
        # kernels took them)
        d = dt if dt == F64 or not P.enabled() else rdt(0.6, 0.4)
        return P.inp(d, shape, rng.random() < 0.4 if grad is None else grad, kind, scale)

    which = rng.choice(['mm', 'matmul', 'addmm', 'linear', 'linmod', 'relu', 'tanh', 'gelu', 'add', 'mul', 'softmax',
                        'logsoftmax', 'layernorm', 'lnmod', 'groupnorm', 'softplus', 'prelu', 'inverse',
                        'linalg_inv', 'pinverse', 'solve', 'cholesky', 'index_copy', 'conv1d', 'bmm', 'baddbmm',
                        'addbmm', 'sdpa', 'tensordot', 'einsum', 'multidot', 'mha', 'cast',
                        # branches
                        'trace', 'prod', 'proddim', 'sum', 'quantile', 'nanquantile', 'cdist', 'mse', 'smoothl1',
                        'huber', 'l1', 'nll', 'bce', 'bcelogits', 'cosemb', 'kldiv', 'fft', 'rfft', 'polar',
                        'complex', 'svdvals', 'cond', 'rank', 'eigvalsh', 'avgpool3d', 'maxpool3d', 'adaptive3d',
                        'reflect1d', 'reflect2d', 'replicate1d', 'replicate2d', 'grid', 'cat', 'stack', 'vecdot',
                        'conv2d', 'conv2dmod', 'mv', 'convt1d', 'crossentropy', 'marginranking', 'softmargin',
                        'hinge', 'poissonnll', 'triplet', 'multimargin', 'addmv', 'dot', 'atan2', 'addcmul'])
    if P.vars[M].dtype == HF and not P.enabled():
        # float16 outside autocast: 1.13 has few float16 kernels and the float32 emulation cannot know 2.x's refusals
        # and result types op by op; the chain is cast to float32 (or bfloat16) first
        which = 'cast'
    if P.vars[M].dtype == HF and which in ('fft', 'rfft', 'polar', 'complex', 'svdvals', 'cond', 'rank',
                                           'eigvalsh', 'grid', 'mha', 'conv2dmod', 'conv2d', 'conv1d'):
        which = 'relu'
    if which in ('mm', 'matmul'):
        W = partner((n, n))
        return P.op(which, [M, W], lambda a, b: a.mm(b) if which == 'mm' else torch.matmul(a, b), [M, W], 'g')[0]
    if which == 'addmm':
        W = partner((n, n))
        b = partner((n,))
        return P.op('addmm', [b, M, W], lambda c, a, w: torch.addmm(c, a, w), [b, M, W], 'g')[0]
    if which == 'linear':
        W = partner((n, n))
        b = partner((n,)) if rng.random() < 0.7 else None
        return P.op('linear', [M, W, b or 'none'], lambda a, w, c: F.linear(a, w, c), [M, W, b], 'g')[0]
    if which == 'linmod' and dt != F64:
        lin = nn.Linear(n, n)
        m = P.module('linear', [n, n], lin)
        return P.op('linear', [m, M], lambda a, w, c: F.linear(a, w, c),
                    [M, P.reg(lin.weight, m + '.weight'), P.reg(lin.bias, m + '.bias')], 'g', tag='linmod')[0]
    if which in ('relu', 'tanh', 'gelu', 'softmax', 'logsoftmax', 'softplus'):
        fns = {'relu': torch.relu, 'tanh': torch.tanh, 'gelu': F.gelu, 'softmax': lambda a: torch.softmax(a, -1),
               'logsoftmax': lambda a: torch.log_softmax(a, -1), 'softplus': F.softplus}
        return P.op(which, [M], fns[which], [M], 'x' if which == 'relu' else 'm')[0]
    if which == 'add':
        O = partner((n, n))
        return P.op('add', [M, O], lambda a, b: a + b, [M, O], 'x')[0]
    if which == 'mul':
        return P.op('mul', [M, 0.5], lambda a: a * 0.5, [M], 'x')[0]
    if which == 'cast':
        to = rng.choice([F32, BF]) if dt != BF else F32
        return P.op('to', [M, NAME[to]], lambda a: a.to(to), [M], 'x', emulate_half=False)[0]
    if which in ('layernorm', 'lnmod') and dt != F64:
        if which == 'lnmod':
            ln = nn.LayerNorm(n)
            with torch.no_grad():
                ln.weight.copy_(torch.randn(n))
                ln.bias.copy_(torch.randn(n))
            m = P.module('layernorm', [n], ln)
            w, b = P.reg(ln.weight, m + '.weight'), P.reg(ln.bias, m + '.bias')
            args = [m, M]
            tag = 'lnmod'
        else:
            tag = None
            w, b = P.inp(F32, (n,), rng.random() < 0.5), P.inp(F32, (n,), rng.random() < 0.5)
            args = [M, w, b]
        # 2.x's CPU layer_norm takes a bfloat16 input with float32 weights (mixed type), 1.13 refuses: emulated in
        # float32, rounded to the input's type
        def ln_fn(a, ww, bb):
            return F.layer_norm(a.float(), (n,), ww.float(), bb.float()).to(a.dtype)
        return P.op('layer_norm', args, ln_fn, [M, w, b], 'm', tag=tag)[0]
    if which == 'groupnorm':
        # 2.x's CPU group_norm of a bfloat16/float16 input computes in float32 and rounds the output once (1.13's
        # bfloat16 kernel was seen 2 ulps away): emulated so
        return P.op('group_norm', [M, 1], lambda a: F.group_norm(a.float(), 1).to(a.dtype) if a.dtype in (BF, HF)
                    else F.group_norm(a, 1), [M], 'm')[0]
    if which == 'prelu':
        w = P.inp(rdt(0.8, 0.2) if dt != F64 and P.enabled() else dt, (1,), rng.random() < 0.5, 'u')
        return P.op('prelu', [M, w], lambda a, ww: F.prelu(a, ww), [M, w], 'g')[0]
    if which in ('inverse', 'linalg_inv', 'pinverse', 'solve', 'cholesky', 'cond'):
        # make the matrix diagonally dominant: tanh(M) + (n + 1) I (of the main's type or float32)
        T = P.op('tanh', [M], torch.tanh, [M], 'm')[0]
        if which == 'cholesky':
            Tt = P.op('t', [T], lambda a: a.t(), [T], 'x')[0]
            T = P.op('mm', [T, Tt], lambda a, b: a.mm(b), [T, Tt], 'g')[0]
        E = P.eye(n, n + 1, F64 if dt == F64 else rng.choice([F32, BF]))
        A = P.op('add', [T, E], lambda a, b: a + b, [T, E], 'x')[0]
        if which == 'solve':
            B = partner((n, n))
            return P.op('linalg_solve', [A, B], lambda a, b: torch.linalg.solve(a, b), [A, B], 'l')[0]
        if which == 'cond':
            P.op('linalg_cond', [A], lambda a: torch.linalg.cond(a), [A], 'l')
            return M
        fn = {'inverse': torch.inverse, 'linalg_inv': torch.linalg.inv, 'pinverse': torch.pinverse,
              'cholesky': torch.linalg.cholesky}[which]
        return P.op({'cholesky': 'linalg_cholesky'}.get(which, which), [A], fn, [A], 'l')[0]
    if which == 'index_copy':
        src = partner((2, n))
        idx = P.ints(rng.sample(range(n), 2), (2,))
        return P.op('index_copy', [M, 0, idx, src], lambda a, i, s: a.index_copy(0, i, s), [M, idx, src], 'x')[0]
    if which == 'conv1d':
        W = partner((n, n, 3), scale=0.5)
        b = partner((n,)) if rng.random() < 0.5 else None
        return P.op('conv1d', [M, W, b or 'none'],
                    lambda a, w, c: F.conv1d(a.unsqueeze(0), w, c, padding=1).squeeze(0), [M, W, b], 'g')[0]
    if which in ('bmm', 'baddbmm'):
        W = partner((1, n, n))
        if which == 'bmm':
            return P.op('bmm', [M, W], lambda a, w: torch.bmm(a.unsqueeze(0), w).squeeze(0), [M, W], 'g')[0]
        C = partner((1, n, n))
        return P.op('baddbmm', [C, M, W], lambda c, a, w: torch.baddbmm(c, a.unsqueeze(0), w).squeeze(0),
                    [C, M, W], 'g')[0]
    if which == 'convt1d':
        W = partner((n, n, 3), scale=0.5)
        b = partner((n,)) if rng.random() < 0.5 else None
        # 1.13's bfloat16 conv_transpose1d gives wrong values (seen off by more than 1 where float64 on the same
        # bfloat16 values agrees with Ember): computed in float64 on the cast values, rounded to their type
        def convt(a, w, c):
            d = a.dtype
            return F.conv_transpose1d(a.double().unsqueeze(0), w.double(), None if c is None else c.double(),
                                      padding=1).squeeze(0).to(d)
        return P.op('conv_transpose1d', [M, W, b or 'none'], convt, [M, W, b], 'g', emulate_half=False)[0]
    if which in ('atan2', 'addcmul'):
        # outside the CPU lists (promote on CUDA only): type promotion as without autocast
        O = partner((n, n))
        if which == 'atan2':
            return P.op('atan2', [M, O], lambda a, b: torch.atan2(a, b), [M, O], 'm')[0]
        return P.op('addcmul', [M, O, O], lambda a, b, c: torch.addcmul(a, b, c), [M, O, O], 'm')[0]
    if which == 'addbmm':
        B2 = partner((2, n, n))
        W = partner((2, n, n))
        return P.op('addbmm', [M, B2, W], lambda c, a, w: torch.addbmm(c, a, w), [M, B2, W], 'g')[0]
    if which == 'sdpa':
        K = partner((1, n, n))
        # 2.x's scaled_dot_product_attention (1.13 has none): softmax(q k^T / sqrt(n)) v in float32 on the cast
        # values, rounded to their type (2.x's CPU kernels compute low precision in float32)
        def sdpa(q, k, v):
            d = q.dtype
            q, k, v = q.double().unsqueeze(0), k.double(), v.double()
            a = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(n), -1) @ v
            return a.squeeze(0).to(d)
        return P.op('scaled_dot_product_attention', [M, K, M], sdpa, [M, K, M], 'g', emulate_half=False)[0]
    if which == 'tensordot':
        W = partner((n, n))
        # 2.x's tensordot is composite: it reaches at::mm (lower); emulated as mm on the cast values
        return P.op_as('mm', 'tensordot', [M, W], lambda a, b: torch.tensordot(a, b, 1), [M, W])
    if which == 'einsum':
        W = partner((n, n))
        return P.op_as('bmm', 'einsum', [M, W], lambda a, b: torch.einsum('ij,jk->ik', a, b), [M, W])
    if which == 'multidot':
        W = partner((n, n))
        V = partner((n, n))
        return P.op_as('mm', 'multidot', [M, W, V], lambda a, b, c: torch.linalg.multi_dot([a, b, c]), [M, W, V])
    if which == 'mha' and dt != F64 and n % 2 == 0:
        mha = nn.MultiheadAttention(n, 2)
        m = P.module('mha', [n, 2], mha)
        ps = [P.reg(mha.in_proj_weight, m + '.in_proj_weight'), P.reg(mha.in_proj_bias, m + '.in_proj_bias'),
              P.reg(mha.out_proj.weight, m + '.out_proj.weight'), P.reg(mha.out_proj.bias, m + '.out_proj.bias')]
        return P.mha(m, M, ps, n)
    if which == 'trace':
        P.op('trace', [M], torch.trace, [M], 'm')
    elif which == 'prod':
        P.op('prod', [M], lambda a: torch.prod(a), [M], 'm')
    elif which == 'proddim':
        P.op('prod', [M, 1], lambda a: torch.prod(a, 1), [M], 'm')
    elif which == 'sum':
        P.op('sum', [M], lambda a: a.sum(), [M], 'm')
    elif which in ('quantile', 'nanquantile'):
        P.op(which, [M, 0.3], lambda a: getattr(torch, which)(a, 0.3, dim=1), [M], 'm')
    elif which == 'cdist':
        O = partner((n - 1, n))
        P.op('cdist', [M, O], lambda a, b: torch.cdist(a, b), [M, O], 'm')
    elif which in ('mse', 'smoothl1', 'huber', 'l1'):
        T = partner((n, n))
        fn = {'mse': F.mse_loss, 'smoothl1': F.smooth_l1_loss, 'huber': F.huber_loss, 'l1': F.l1_loss}[which]
        op = {'mse': 'mse_loss', 'smoothl1': 'smooth_l1_loss', 'huber': 'huber_loss', 'l1': 'l1_loss'}[which]
        P.op(op, [M, T], fn, [M, T], 'm')
    elif which == 'nll':
        L = P.op('log_softmax', [M], lambda a: torch.log_softmax(a, -1), [M], 'm')[0]
        tg = P.ints([rng.randrange(n) for _ in range(n)], (n,))
        P.op('nll_loss', [L, tg], lambda a, t: F.nll_loss(a, t), [L, tg], 'g')
    elif which in ('bce', 'bcelogits'):
        T = partner((n, n), False, 'u')
        if which == 'bce':
            S = P.op('sigmoid', [M], torch.sigmoid, [M], 'm')[0]
            P.op('binary_cross_entropy', [S, T], lambda a, b: F.binary_cross_entropy(a, b), [S, T], 'm')
        else:
            P.op('binary_cross_entropy_with_logits', [M, T],
                 lambda a, b: F.binary_cross_entropy_with_logits(a, b), [M, T], 'm')
    elif which == 'cosemb':
        O = partner((n, n))
        y = P.inp(F32, (n,), False, 'pm')
        P.op('cosine_embedding_loss', [M, O, y], lambda a, b, c: F.cosine_embedding_loss(a, b, c), [M, O, y], 'm')
    elif which == 'kldiv':
        L = P.op('log_softmax', [M], lambda a: torch.log_softmax(a, -1), [M], 'm')[0]
        T = partner((n, n), False, 'u')
        P.op('kl_div', [L, T], lambda a, b: F.kl_div(a, b, reduction='batchmean'), [L, T], 'm')
    elif which in ('fft', 'rfft'):
        P.op('fft_' + which, [M], lambda a: getattr(torch.fft, which)(a), [M], 'm')
    elif which == 'polar' and P.tol[M] == 0:  # (an angle's error moves the result by the radius times it)
        A = P.op('abs', [M], torch.abs, [M], 'x')[0]
        P.op('polar', [A, M], lambda a, b: torch.polar(a, b), [A, M], 'm')
    elif which == 'complex' and n % 2 == 0:
        P.op('view_as_complex', [M], lambda a: torch.view_as_complex(a.reshape(n, n // 2, 2)), [M], 'x')
    elif which == 'svdvals':
        P.op('linalg_svdvals', [M], torch.linalg.svdvals, [M], 'm')
    elif which == 'rank':
        P.op('linalg_matrix_rank', [M], torch.linalg.matrix_rank, [M], 'm')
    elif which == 'eigvalsh':
        Tt = P.op('t', [M], lambda a: a.t(), [M], 'x')[0]
        S = P.op('add', [M, Tt], lambda a, b: a + b, [M, Tt], 'x')[0]
        P.op('linalg_eigvalsh', [S], torch.linalg.eigvalsh, [S], 'm')
    elif which in ('avgpool3d', 'maxpool3d', 'adaptive3d'):
        fn = {'avgpool3d': lambda a: F.avg_pool3d(a.reshape(1, 1, 1, n, n), (1, 2, 2)),
              'maxpool3d': lambda a: F.max_pool3d(a.reshape(1, 1, 1, n, n), (1, 2, 2)),
              'adaptive3d': lambda a: F.adaptive_avg_pool3d(a.reshape(1, 1, 1, n, n), (1, 2, 2))}[which]
        op = {'avgpool3d': 'avg_pool3d', 'maxpool3d': 'max_pool3d', 'adaptive3d': 'adaptive_avg_pool3d'}[which]
        P.op(op, [M], fn, [M], 'x' if which == 'maxpool3d' else 'm')
    elif which in ('reflect1d', 'replicate1d'):
        mode = 'reflect' if which == 'reflect1d' else 'replicate'
        op = 'reflection_pad1d' if which == 'reflect1d' else 'replication_pad1d'
        P.op(op, [M], lambda a: F.pad(a.unsqueeze(0), (1, 1), mode=mode), [M], 'x')
    elif which in ('reflect2d', 'replicate2d'):
        mode = 'reflect' if which == 'reflect2d' else 'replicate'
        op = 'reflection_pad2d' if which == 'reflect2d' else 'replication_pad2d'
        P.op(op, [M], lambda a: F.pad(a.reshape(1, 1, n, n), (1, 1, 1, 0), mode=mode), [M], 'x')
    elif which == 'grid':
        G = P.inp(rng.choice([F32, BF]) if dt != F64 else F64, (1, 2, 2, 2), rng.random() < 0.3, 'u')
        P.op('grid_sampler', [M, G],
             lambda a, g: F.grid_sample(a.reshape(1, 1, n, n), g, align_corners=False),
             [M, G], 'm')
    elif which in ('cat', 'stack'):
        O = partner((n, n))
        fn = (lambda a, b: torch.cat([a, b], 0)) if which == 'cat' else (lambda a, b: torch.stack([a, b], 0))
        P.op(which, [M, O], fn, [M, O], 'x')
    elif which == 'vecdot':
        O = partner((n, n))
        P.op('linalg_vecdot', [M, O], lambda a, b: torch.linalg.vecdot(a, b) if hasattr(torch.linalg, 'vecdot')
             else (a * b).sum(-1), [M, O], 'g')
    elif which in ('conv2d', 'conv2dmod') and dt != F64:
        if which == 'conv2d':
            W = partner((2, 1, 3, 3), scale=0.5)
            P.op('conv2d', [M, W], lambda a, w: F.conv2d(a.reshape(1, 1, n, n), w, padding=1), [M, W], 'g')
        else:
            cv = nn.Conv2d(1, 2, 3, padding=1)
            m = P.module('conv2d', [1, 2, 3, 1], cv)
            P.op('conv2d', [m, M], lambda a, w, b: F.conv2d(a.reshape(1, 1, n, n), w, b, padding=1),
                 [M, P.reg(cv.weight, m + '.weight'), P.reg(cv.bias, m + '.bias')], 'g', tag='conv2dmod')
    elif which == 'crossentropy':
        tg = P.ints([rng.randrange(n) for _ in range(n)], (n,))
        # (in a disabled scope a bfloat16 input's loss is a bfloat16 sum of rounded log-probabilities: 'g''s tolerance)
        P.op('cross_entropy_loss', [M, tg], lambda a, t: F.cross_entropy(a, t), [M, tg], 'g')
    elif which == 'marginranking':
        O = partner((n, n))
        y = P.inp(F32, (n, n), False, 'pm')
        P.op('margin_ranking_loss', [M, O, y], lambda a, b, c: F.margin_ranking_loss(a, b, c), [M, O, y], 'm')
    elif which == 'softmargin':
        y = partner((n, n), False, 'pm')
        P.op('soft_margin_loss', [M, y], lambda a, b: F.soft_margin_loss(a, b), [M, y], 'm')
    elif which == 'hinge':
        y = partner((n, n), False, 'pm')
        P.op('hinge_embedding_loss', [M, y], lambda a, b: F.hinge_embedding_loss(a, b), [M, y], 'm')
    elif which == 'poissonnll':
        T = partner((n, n), False, 'u')
        P.op('poisson_nll_loss', [M, T], lambda a, b: F.poisson_nll_loss(a, b), [M, T], 'm')
    elif which == 'triplet':
        O = partner((n, n))
        Q = partner((n, n))
        P.op('triplet_margin_loss', [M, O, Q], lambda a, b, c: F.triplet_margin_loss(a, b, c), [M, O, Q], 'm')
    elif which == 'multimargin':
        tg = P.ints([rng.randrange(n) for _ in range(n)], (n,))
        P.op('multi_margin_loss', [M, tg], lambda a, t: F.multi_margin_loss(a, t), [M, tg], 'm')
    elif which == 'addmv':
        # outside the CPU lists (lower on CUDA only): its tensors must share the main's type
        v = P.inp(dt, (n,), rng.random() < 0.4)
        c = P.inp(dt, (n,), False)
        P.op('addmv', [c, M, v], lambda a, m, x: torch.addmv(a, m, x), [c, M, v], 'g')
    elif which == 'dot':
        v = P.inp(dt, (n,), rng.random() < 0.4)
        P.op('dot', [M, v], lambda a, b: torch.dot(a[0], b), [M, v], 'g')
    elif which == 'mv':
        v = P.inp(dt, (n,), rng.random() < 0.4)
        P.op('mv', [M, v], lambda a, b: torch.mv(a, b), [M, v], 'g')
    return M


class Refused2x(RuntimeError):
    """2.x's refusal, emulated (1.13 runs it, or words it otherwise)."""


C10 = {BF: 'c10::BFloat16', HF: 'c10::Half', F32: 'float', F64: 'double'}


def same_dtype_check(name, ts):
    """2.x's tensordot and linalg.multi_dot check their inputs' types before they reach at::mm (so before autocast
    casts them): mixed types are refused under autocast too."""
    for i in range(1, len(ts)):
        if ts[i].dtype != ts[0].dtype:
            if name == 'tensordot':
                raise Refused2x('both inputs should have same dtype')
            raise Refused2x('multi_dot(): all tensors must have be the same dtype but tensor 0 is %s and tensor %d '
                            '%s' % (C10[ts[0].dtype], i, C10[ts[i].dtype]))


def op_as(self, policy_op, name, names, fn, tnames):
    """A composite op of 2.x that reaches a listed op inside: the casts of that op (lower), the op run as it is."""
    ts = [self.vars[x] for x in tnames]
    if name in ('tensordot', 'multidot'):
        try:
            same_dtype_check(name, ts)
        except Refused2x as e:
            self.lines.append('op %s %s %s' % (self.fresh('y'), name, ' '.join(str(a) for a in names)))
            self.lines.append('err ' + str(e))
            return self.main
    if self.enabled():
        low = self.dtype()
        ts = [t.to(low) if t.is_floating_point() and t.dtype not in (F64, low) else t for t in ts]
    key = self.fresh('k')
    saved = self.scopes
    self.scopes = []  # already cast: run as it is
    for i, t in enumerate(ts):
        self.vars['%s_%d' % (key, i)] = t
        self.tol['%s_%d' % (key, i)] = self.tol[tnames[i]]
    try:
        out = self.op(policy_op, names, fn, ['%s_%d' % (key, i) for i in range(len(ts))], 'g', tag=name)[0]
    finally:
        self.scopes = saved
    return out


def reg(self, tensor, key):
    self.vars[key] = tensor
    self.leaves.append(key)
    self.tol[key] = 0.0
    return key


def mha(self, m, M, ps, n):
    """2.x's MultiheadAttention (need_weights=True, self-attention, 2 heads, sequence-first) as its listed parts:
    linear (in_proj), baddbmm/bmm (scores), softmax, bmm, linear (out_proj), mean of the weights over the heads."""
    ts = [self.vars[M]] + [self.vars[p] for p in ps]
    low = self.dtype()
    en = self.enabled()

    def lower(t):
        return t.to(low) if en and t.is_floating_point() and t.dtype not in (F64, low) else t

    def run(x, w_in, b_in, w_out, b_out):
        half = en and low == HF
        def lin(a, w, b):
            a, w, b = lower(a), lower(w), lower(b)
            if half:
                return F.linear(a.float(), w.float(), b.float()).to(HF)
            return F.linear(a, w, b)

        def bmm(a, b):
            a, b = lower(a), lower(b)
            if half:
                return torch.bmm(a.float(), b.float()).to(HF)
            return torch.bmm(a, b)
        L, E, H = n, n, 2
        hd = E // H
        xs = x.unsqueeze(1)  # (L, 1, E)
        qkv = lin(xs, w_in, b_in)
        q, k, v = qkv.unflatten(-1, (3, E)).unsqueeze(0).transpose(0, -2).squeeze(-2).contiguous()
        q = q.view(L, H, hd).transpose(0, 1)
        k = k.view(L, H, hd).transpose(0, 1)
        v = v.view(L, H, hd).transpose(0, 1)
        qs = q * math.sqrt(1.0 / hd)
        w = bmm(qs, k.transpose(-2, -1))
        if half:
            w = torch.softmax(w.float(), -1).to(HF)
        else:
            w = torch.softmax(w, -1)
        o = bmm(w, v)
        o = o.transpose(0, 1).contiguous().view(L, E)
        o = lin(o, w_out, b_out)
        wm = w.view(1, H, L, L).mean(1) if not half else w.view(1, H, L, L).float().mean(1).to(HF)
        return [o, wm.squeeze(0)]
    key = self.fresh('k')
    saved = self.scopes
    self.scopes = []
    names = []
    for i, t in enumerate(ts):
        self.vars['%s_%d' % (key, i)] = t
        self.tol['%s_%d' % (key, i)] = self.tol[([M] + ps)[i]]
        names.append('%s_%d' % (key, i))
    try:
        outs = self.op('mha', [m, M], run, names, 'g', emulate_half=False)
    finally:
        self.scopes = saved
    return outs[0]


Prog.op_as = op_as
Prog.reg = reg
Prog.mha = mha


def program(pid):
    P = Prog(pid)
    n = rng.choice([2, 3, 3, 4])
    r = rng.random()
    dt = F32 if r < 0.7 else BF if r < 0.88 else F64
    M = P.inp(dt, (n, n), rng.random() < 0.8)
    root = M
    P.enter('float16' if rng.random() < 0.12 else 'bfloat16')
    if rng.random() < 0.2:
        P.query()
    steps = rng.randint(3, 7)
    inner = 0
    reentered = False
    for s in range(steps):
        r = rng.random()
        if r < 0.1 and inner == 0 and len(P.scopes) == 1:
            P.enter('off')
            inner = rng.randint(1, 2)
        elif r < 0.15 and not reentered and len(P.scopes) == 1:
            # the same scope exited and entered again (a new torch.autocast with the same arguments)
            what = NAME[P.dtype()]
            P.exit()
            if rng.random() < 0.5:
                P.query()
            P.enter(what)
            reentered = True
        elif r < 0.2 and len(P.scopes) == 1:
            P.enter(rng.choice(['bfloat16', 'float16']))  # a nested scope changing the dtype
            inner = rng.randint(1, 2)
        if rng.random() < 0.12:
            P.query()
        P.main = M
        M = chain_op(P, M, n)
        if inner > 0:
            inner -= 1
            if inner == 0:
                P.exit()
                if rng.random() < 0.3:
                    P.query()
    while P.scopes:
        P.exit()
    if rng.random() < 0.3:
        P.query()
    t = P.vars[M]
    # (no backward either where a forward tolerance reached 0.25: the chain went through an ill-conditioned step)
    if t.requires_grad and t.is_floating_point() and not P.no_backward and P.maxtol < 0.25:
        # a weighted sum (float32 weights): the plain sum's gradient through a normalization is zero in exact
        # arithmetic, and what rounding leaves of it depends on the kernels (2.x keeps a bfloat16 group_norm's mean and
        # rstd in bfloat16)
        W = P.inp(F32, tuple(t.shape), False)
        P.lines.append('back %s %s' % (M, W))
        (t * P.vars[W]).sum().backward()
        gt = max(P.maxtol * 4, F32_TOL * 10)
        for name in P.leaves:
            g = P.vars[name].grad
            P.lines.append('grad ' + name)
            if g is None:
                P.lines.append('= none')
            else:
                P.lines.append('= %s %s %s %s' % (NAME[g.dtype], shape_text(g.shape), tol_text(gt), fmt_vals(g)))
    return P


def main():
    out = []
    for i in range(N_PROGRAMS):
        p = program(i)
        out.append('=== r22_%03d P %d' % (i, len(p.lines)))
        out.extend(p.lines)
    sys.stdout.write('\n'.join(out) + '\n')


main()
