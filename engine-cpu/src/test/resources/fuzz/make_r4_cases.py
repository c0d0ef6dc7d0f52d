# Differential fuzz, round 4 (DifferentialFuzzR4Test.java): seeded calls of the nn modules with state, which rounds 1-3
# did not reach (they call Tensor, nn.functional and torch.special functions only), with PyTorch's results:
#   - norm layers: BatchNorm1d/2d/3d in train mode (running statistics updated with momentum, momentum None's cumulative
#     average from num_batches_tracked, track_running_stats False) and eval mode (with and without running statistics),
#     InstanceNorm1d/2d/3d (affine, track_running_stats, batched and unbatched), GroupNorm (affine or not), LayerNorm
#     (one or two normalized dims, elementwise_affine False, bias False), RMSNorm (eps None or given, affine or not);
#   - recurrent layers: RNN (tanh, relu), LSTM (proj_size) and GRU with one or two layers, bidirectional, batch_first,
#     with and without bias, batched and unbatched inputs, initial states given or not, packed sequences
#     (pack_padded_sequence with sorted or unsorted lengths, enforce_sorted True or False);
#   - MultiheadAttention: kdim/vdim, bias or not, add_bias_kv, add_zero_attn, batch_first, unbatched inputs,
#     key_padding_mask bool or float, attn_mask 2-d or 3-d (per batch and head) bool or float, need_weights with
#     average_attn_weights True or False, 2.x's is_causal hint (with the causal attn_mask, or without one: its error);
#   - TransformerEncoderLayer and TransformerDecoderLayer: norm_first, relu or gelu, batch_first, dropout 0 in train mode
#     or eval mode, the masks of each attention;
#   - Conv1d/2d/3d modules (padding_mode zeros/reflect/replicate/circular, int or 'same'/'valid' padding, dilation,
#     groups, unbatched inputs), ConvTranspose2d's forward with output_size, Embedding with max_norm (the weight
#     renormalized in place: pafter:weight) and padding_idx;
#   - BatchNorm1d, InstanceNorm1d, GroupNorm and LayerNorm on float16/bfloat16 inputs, with float32 parameters and
#     running statistics (2.x's mixed type: statistics, update and normalization in float32, the output rounded once)
#     or converted to the input's type.
#   Section 2 (nn.functional corners round 2 skipped) and section 3 (float16/bfloat16 through the nn kernels): see
#   their headers below; they draw from a generator of their own (SEED + 1000) after section 1, through round 2's op
#   table and runner (make_nn_cases.py), and what their hunts found is pinned at their start (pinned2()).
#   run: cd engine-cpu/src/test/resources/fuzz && /usr/bin/python3 make_r4_cases.py > r4_cases.txt   (PyTorch 1.13, CPU)
#   (seed 24, 857 cases, 1.27 MB, 6 s; FUZZ_SEED and FUZZ_SCALE draw another or a larger set for a local hunt: seeds
#   24-29 at FUZZ_SCALE=3 were run in session 24)
#
# The format is rounds 1-3's (read by FuzzCaseRunner), plus for a module:
#   === <id> M.<Class>       a module of dev.ember.nn (":variant" suffixes only name the case)
#   c<i> <tag> <value>       the constructor's arguments (i, D, b, s, il, N as for a<i>)
#   dtype <name>             the module's dtype (module.to(dtype) unless float32)
#   mode train|eval
#   p:<name> <tensor>        a parameter's value (PyTorch's name, dotted in submodules), copied in before the call
#   b:<name> <tensor>        a buffer's value before the call (running statistics)
#   a<i> ...                 forward's arguments; besides T, N, b: "LS" an LstmState of the two tensors after it,
#                            "PK <batch_first> <enforce_sorted> <lengths>" pack_padded_sequence of the tensor after it
#   out<k>                   the outputs in order (a PackedSequence as its data, (h, c) as two outputs)
#   bafter:<name>            a buffer after the call
#   pafter:<name>            a parameter after the call (Embedding's max_norm renormalizes rows of its weight)
#   gradouts <k> ...         the outputs whose sum(out_k * w) are added into the loss of the gradients
#   grad<i> / pgrad:<name>   the gradients of that loss with respect to input i's base / a parameter (float64 only)
#   tol <x>                  a float32 case's tolerance: 4 times PyTorch's own float32 error against its float64
#                            computation of the same module, where that exceeds 1e-5
#   exact                    (any case) the values bit for bit, not within the dtype's tolerance
#
# 1.13 vs 2.x (Ember follows 2.x), and what is left out:
# - LayerNorm's bias= and RMSNorm are 2.x-only: LayerNorm(bias=False) is computed as 1.13's affine LayerNorm with the
#   bias fixed at zero (no bias parameter), RMSNorm from 2.x's definition (x * rsqrt(mean(x^2) + eps) * weight, eps None
#   the dtype's machine epsilon), marked.
# - TransformerEncoderLayer/DecoderLayer's bias= and the is_causal arguments are 2.x-only: bias True, is_causal False.
# - rows of attention with every key masked (NaN in 1.13's softmax; 2.x's fused CPU kernels give zeros): every query
#   keeps at least one key unmasked.
# - dropout is 0 (no randomness); the eval-mode fast paths of 1.13 run only without grad, which these cases never are.
# - 1.13's CPU batch_norm backward reads a contiguous gradient as if it had the layout of a channels-last input (a wrong
#   input gradient; 2.x makes it contiguous in the input's format first): PyTorch gets the input made contiguous.
# - PyTorch's BatchNorm counts a batch in num_batches_tracked before batch_norm refuses it (one value per channel);
#   Ember leaves the module unchanged, as the common rule for errors asks, and the runner checks that.
import copy
import math
import os
import random
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

import make_cases as mc

SEED = int(os.environ.get("FUZZ_SEED", "24"))
SCALE = float(os.environ.get("FUZZ_SCALE", "1"))
rng = random.Random(SEED)
mc.rng = rng
torch.manual_seed(SEED)
torch.set_num_threads(1)

VIEWS = ('permute', 'slice', 'narrow')


def pick(*xs):
    return rng.choice(xs)


def rnd_list(n, lo=-1.0, hi=1.0, digits=2):
    return [round(rng.uniform(lo, hi), digits) for _ in range(n)]


class Inp:
    """A tensor argument: values placed in a base through view steps (permute, slice, narrow); the base's other
    elements 7.0, which no correct result reads."""

    def __init__(self, dtype, shape, vals=None, lo=-2.0, hi=2.0, view=True, frozen=False):
        self.dtype = dtype
        self.shape = list(shape)
        self.frozen = frozen
        n = mc.numel(shape)
        vals = vals if vals is not None else rnd_list(n, lo, hi)
        self.base_shape, self.steps = mc.layout(self.shape, 0.5 if view else 0.0, VIEWS)
        tdt = mc.DT[dtype]
        if dtype == 'bool':
            base = torch.zeros(self.base_shape, dtype=torch.bool)
        else:
            base = torch.full(self.base_shape, 7, dtype=torch.float64).to(tdt)
        mc.replay(base, self.steps).copy_(torch.tensor(vals, dtype=torch.float64).reshape(shape).to(tdt))
        self.base_vals = base

    def make(self):
        b = self.base_vals.clone()
        if self.dtype == 'float64' and not self.frozen:
            b.requires_grad_(True)
        self.base = b
        return mc.replay(b, self.steps)

    def line(self):
        s = 'T ' + mc.fmt_tensor(self.base_vals)
        if self.steps:
            s += ' @ ' + ' ; '.join(self.steps)
        return s


def fmt_arg(a):
    kind, v = a
    if kind == 'T':
        return v.line()
    if kind == 'N':
        return 'N'
    if kind == 'il':
        return 'il ' + ' '.join(map(str, v))
    if kind == 'b':
        return 'b ' + ('true' if v else 'false')
    if kind == 'D':
        return 'D ' + mc.fmt_num(float(v))
    if kind in ('LS',):
        return 'LS'
    if kind == 'PK':
        bf, es, lengths = v
        return 'PK %s %s %s' % ('true' if bf else 'false', 'true' if es else 'false', ' '.join(map(str, lengths)))
    return '%s %s' % (kind, v)


def FD():
    return pick('float64', 'float64', 'float64', 'float32')


# ---- a case: (name, ctor args, dtype, mode, torch module (its parameters and buffers already drawn), forward args,
#      torch forward (module, materialized args) -> output or tuple, gradouts) ----

class Case:
    def __init__(self, name, ctor, dtype, mode, module, args, fwd, note=None, skip_params=(), tol=None, pafter=()):
        self.name, self.ctor, self.dtype, self.mode = name, ctor, dtype, mode
        self.module, self.args, self.fwd, self.note = module, args, fwd, note
        self.skip_params = skip_params
        self.tol = tol
        self.pafter = pafter


def draw_params(m, dtype, pos_buffers=()):
    m.to(mc.DT[dtype])
    with torch.no_grad():
        for name, p in m.named_parameters():
            p.copy_(torch.tensor(rnd_list(p.numel(), -0.8, 0.8), dtype=torch.float64).reshape(p.shape))
        for name, b in m.named_buffers():
            if name.endswith('num_batches_tracked'):
                b.fill_(rng.randint(0, 5))
            elif name.endswith('running_var'):
                b.copy_(torch.tensor(rnd_list(b.numel(), 0.3, 2.0), dtype=torch.float64).reshape(b.shape))
            else:
                b.copy_(torch.tensor(rnd_list(b.numel(), -1.0, 1.0), dtype=torch.float64).reshape(b.shape))
    return m


def flatten(out):
    if isinstance(out, torch.Tensor):
        return [out]
    if isinstance(out, torch.nn.utils.rnn.PackedSequence):
        return [out.data]
    if isinstance(out, (tuple, list)):
        r = []
        for o in out:
            if o is not None:
                r += flatten(o)
        return r
    raise TypeError(type(out))


def run(c):
    lines = []
    for i, a in enumerate(c.ctor):
        lines.append('c%d %s' % (i, fmt_arg(a)))
    lines.append('dtype ' + c.dtype)
    lines.append('mode ' + c.mode)
    if c.note:
        lines.append('note ' + c.note)
    if c.tol and c.dtype != 'float32':
        lines.append('tol %g' % c.tol)
    m = c.module
    m.train(c.mode == 'train')
    for name, p in m.named_parameters():
        if name not in c.skip_params:
            lines.append('p:%s %s' % (name, mc.fmt_tensor(p)))
    before = {}
    for name, b in m.named_buffers():
        lines.append('b:%s %s' % (name, mc.fmt_tensor(b)))
        before[name] = b.clone()
    tens = [a[1] for a in c.args if a[0] == 'T']
    frozen = [str(i) for i, t in enumerate(tens) if t.frozen]
    if frozen:
        lines.append('frozen ' + ' '.join(frozen))
    for i, a in enumerate(c.args):
        lines.append('a%d %s' % (i, fmt_arg(a)))
    made = [t.make() for t in tens]
    for p in m.parameters():
        p.grad = None
    try:
        out = c.fwd(m, made)
    except Exception as e:  # noqa: BLE001  PyTorch's message is the expected result
        msg = str(e).split('\n')[0]
        lines.append('error %s %s' % (type(e).__name__, msg))
        # (PyTorch's BatchNorm counts the batch in num_batches_tracked before batch_norm refuses it; Ember leaves
        # every buffer unchanged, which the runner checks)
        return lines
    outs = flatten(out)
    if c.dtype == 'float32' and not getattr(c, 'half_input', False):
        # the tolerance: 4 times PyTorch's own float32 error against the float64 computation of the same module and
        # inputs (a norm of a row of equal values cancels x * rstd - mean * rstd at 1 / sqrt(eps)), at least 1e-5
        m64 = copy.deepcopy(m).double()
        # (with grad, as the call itself: 1.13's eval-mode fast paths without grad convert float masks to bool)
        ref = flatten(c.fwd(m64, [t.detach().double().requires_grad_() if t.is_floating_point() else t for t in made]))
        err = max([((o.double() - r) / r.abs().clamp(min=1)).abs().nan_to_num(0.0).max().item()
                   for o, r in zip(outs, ref) if o.numel()] + [0.0])
        tol = max(c.tol or 0.0, 1e-5, 4 * err)
        if tol > 1e-5:
            lines.append('tol %.3g' % tol)
    for k, o in enumerate(outs):
        lines.append('out%d %s' % (k, mc.fmt_tensor(o)))
    for name, b in m.named_buffers():
        lines.append('bafter:%s %s' % (name, mc.fmt_tensor(b)))
    for name in c.pafter:
        lines.append('pafter:%s %s' % (name, mc.fmt_tensor(dict(m.named_parameters())[name])))
    if c.dtype == 'float64':
        gk = [k for k, o in enumerate(outs) if o.requires_grad]
        if gk:
            lines.append('gradouts ' + ' '.join(map(str, gk)))
            loss = sum((outs[k] * mc_weights(outs[k])).sum() for k in gk)
            loss.backward()
            for i, t in enumerate(tens):
                if t.dtype == 'float64' and not t.frozen:
                    g = t.base.grad
                    lines.append('grad%d %s' % (i, 'none' if g is None else mc.fmt_tensor(g)))
            for name, p in m.named_parameters():
                if name in c.skip_params:
                    continue
                lines.append('pgrad:%s %s' % (name, 'none' if p.grad is None else mc.fmt_tensor(p.grad)))
    return lines


def mc_weights(t):
    n = t.numel()
    w = torch.tensor([1 + 0.5 * ((3 * k) % 11) for k in range(n)], dtype=torch.float64).reshape(t.shape)
    return w.to(t.dtype)


# ---- norm layers ----

def bn_case():
    d = pick(1, 1, 2, 3)
    C = rng.randint(1, 4)
    dt = FD()
    momentum = pick(0.1, 0.3, None)
    eps = pick(1e-5, 1e-3, 0.1)
    affine = rng.random() < 0.7
    track = rng.random() < 0.75
    mode = pick('train', 'train', 'eval')
    N = rng.randint(1, 3)
    if d == 1:
        shape = pick([N, C], [N, C, rng.randint(1, 4)])
    else:
        shape = [N, C] + [rng.randint(1, 3) for _ in range(d)]
    cls = {1: nn.BatchNorm1d, 2: nn.BatchNorm2d, 3: nn.BatchNorm3d}[d]
    m = draw_params(cls(C, eps=eps, momentum=momentum, affine=affine, track_running_stats=track), dt)
    ctor = [('i', C), ('D', eps), ('N', None) if momentum is None else ('D', momentum), ('b', affine), ('b', track)]
    x = Inp(dt, shape)
    # 1.13's CPU batch_norm backward reads a contiguous grad_output as if it had the layout of a channels-last input
    # (2.x makes it contiguous in the input's memory format first): PyTorch gets the input made contiguous, Ember the view
    return Case('M.BatchNorm%dd' % d, ctor, dt, mode, m, [('T', x)], lambda m, a: m(a[0].contiguous()))


def in_case():
    d = pick(1, 1, 2, 3)
    C = rng.randint(1, 4)
    dt = FD()
    momentum = pick(0.1, 0.3)
    eps = pick(1e-5, 1e-3, 0.1)
    affine = rng.random() < 0.5
    track = rng.random() < 0.5
    mode = pick('train', 'eval')
    spatial = [rng.randint(1, 4) if d == 1 else rng.randint(1, 3) for _ in range(d)]
    shape = ([rng.randint(1, 3)] if rng.random() < 0.75 else []) + [C] + spatial
    cls = {1: nn.InstanceNorm1d, 2: nn.InstanceNorm2d, 3: nn.InstanceNorm3d}[d]
    m = draw_params(cls(C, eps=eps, momentum=momentum, affine=affine, track_running_stats=track), dt)
    ctor = [('i', C), ('D', eps), ('D', momentum), ('b', affine), ('b', track)]
    x = Inp(dt, shape)
    return Case('M.InstanceNorm%dd' % d, ctor, dt, mode, m, [('T', x)], lambda m, a: m(a[0]))


def gn_case():
    G = rng.randint(1, 3)
    C = G * rng.randint(1, 3)
    dt = FD()
    eps = pick(1e-5, 1e-3, 0.1)
    affine = rng.random() < 0.7
    shape = [rng.randint(1, 3), C] + [rng.randint(1, 3) for _ in range(rng.randint(0, 2))]
    m = draw_params(nn.GroupNorm(G, C, eps=eps, affine=affine), dt)
    ctor = [('i', G), ('i', C), ('D', eps), ('b', affine)]
    return Case('M.GroupNorm', ctor, dt, pick('train', 'eval'), m, [('T', Inp(dt, shape))], lambda m, a: m(a[0]))


def ln_case():
    dt = FD()
    k = pick(1, 1, 2)
    norm = [rng.randint(1, 4) for _ in range(k)]
    lead = [rng.randint(1, 3) for _ in range(rng.randint(0, 2))]
    eps = pick(1e-5, 1e-3, 0.1)
    affine = rng.random() < 0.7
    bias = rng.random() < 0.7
    m = draw_params(nn.LayerNorm(norm, eps=eps, elementwise_affine=affine), dt)
    skip = ()
    note = None
    if affine and not bias:
        # 2.x's LayerNorm(bias=False): 1.13's affine LayerNorm with the bias fixed at zero
        with torch.no_grad():
            m.bias.zero_()
        m.bias.requires_grad_(False)
        skip = ('bias',)
        note = "LayerNorm(bias=False) is 2.x-only: 1.13's with the bias fixed at zero"
    ctor = [('il', norm), ('D', eps), ('b', affine), ('b', bias)]
    return Case('M.LayerNorm', ctor, dt, pick('train', 'eval'), m, [('T', Inp(dt, lead + norm))],
                lambda m, a: m(a[0]), note=note, skip_params=skip)


class RMSNorm2x(nn.Module):
    """2.x's nn.RMSNorm from its definition (1.13 has none)."""

    def __init__(self, shape, eps, affine):
        super().__init__()
        self.shape, self.eps = list(shape), eps
        self.weight = nn.Parameter(torch.ones(shape)) if affine else None

    def forward(self, x):
        eps = self.eps if self.eps is not None else torch.finfo(x.dtype).eps
        dims = tuple(range(-len(self.shape), 0))
        y = x * torch.rsqrt(x.pow(2).mean(dims, keepdim=True) + eps)
        return y * self.weight if self.weight is not None else y


def rms_case():
    dt = FD()
    norm = [rng.randint(1, 4) for _ in range(pick(1, 1, 2))]
    lead = [rng.randint(1, 3) for _ in range(rng.randint(0, 2))]
    eps = pick(None, 1e-5, 0.1)
    affine = rng.random() < 0.7
    m = draw_params(RMSNorm2x(norm, eps, affine), dt)
    ctor = [('il', norm), ('N', None) if eps is None else ('D', eps), ('b', affine)]
    return Case('M.RMSNorm', ctor, dt, pick('train', 'eval'), m, [('T', Inp(dt, lead + norm))],
                lambda m, a: m(a[0]), note='RMSNorm is 2.x-only: computed from its definition')


# ---- recurrent layers ----

def rnn_case():
    kind = pick('RNN', 'LSTM', 'LSTM', 'GRU')
    dt = pick('float64', 'float64', 'float64', 'float32')
    I, H = rng.randint(1, 4), rng.randint(1, 4)
    L = pick(1, 2, 2)
    bias = rng.random() < 0.8
    bf = rng.random() < 0.4
    bi = rng.random() < 0.5
    proj = rng.randint(1, H - 1) if kind == 'LSTM' and H > 1 and rng.random() < 0.35 else 0
    nonlin = pick('tanh', 'relu')
    if kind == 'RNN':
        m = nn.RNN(I, H, L, nonlinearity=nonlin, bias=bias, batch_first=bf, bidirectional=bi)
        ctor = [('i', I), ('i', H), ('i', L), ('s', nonlin), ('b', bias), ('b', bf), ('D', 0.0), ('b', bi)]
    elif kind == 'GRU':
        m = nn.GRU(I, H, L, bias=bias, batch_first=bf, bidirectional=bi)
        ctor = [('i', I), ('i', H), ('i', L), ('b', bias), ('b', bf), ('D', 0.0), ('b', bi)]
    else:
        m = nn.LSTM(I, H, L, bias=bias, batch_first=bf, bidirectional=bi, proj_size=proj)
        ctor = [('i', I), ('i', H), ('i', L), ('b', bias), ('b', bf), ('D', 0.0), ('b', bi), ('i', proj)]
    draw_params(m, dt)
    D = 2 if bi else 1
    Hout = proj if proj else H
    packed = rng.random() < 0.35
    T_ = rng.randint(1, 4)
    B = rng.randint(1, 3)
    batched = packed or rng.random() < 0.8
    with_h = rng.random() < 0.5
    args = []
    if packed:
        lengths = [rng.randint(1, T_) for _ in range(B)]
        lengths[rng.randrange(B)] = T_
        es = rng.random() < 0.3
        if es:
            lengths.sort(reverse=True)
        shape = [B, T_, I] if bf else [T_, B, I]
        x = Inp(dt, shape)
        args += [('PK', (bf, es, lengths)), ('T', x)]
    else:
        shape = ([B, T_, I] if bf else [T_, B, I]) if batched else [T_, I]
        x = Inp(dt, shape)
        args.append(('T', x))
    hshape = [L * D, B, Hout] if batched else [L * D, Hout]
    cshape = [L * D, B, H] if batched else [L * D, H]
    if with_h:
        if kind == 'LSTM':
            args += [('LS', None), ('T', Inp(dt, hshape, lo=-1, hi=1)), ('T', Inp(dt, cshape, lo=-1, hi=1))]
        else:
            args.append(('T', Inp(dt, hshape, lo=-1, hi=1)))
    else:
        args.append(('N', None))

    def fwd(m, a):
        if packed:
            bfl, esl, lens = args[0][1]
            inp = nn.utils.rnn.pack_padded_sequence(a[0], torch.tensor(lens), batch_first=bfl, enforce_sorted=esl)
            rest = a[1:]
        else:
            inp = a[0]
            rest = a[1:]
        if with_h:
            hx = (rest[0], rest[1]) if kind == 'LSTM' else rest[0]
            return m(inp, hx)
        return m(inp)

    name = 'M.%s%s' % (kind, ':packed' if packed else '')
    return Case(name, ctor, dt, pick('train', 'eval'), m, args, fwd, tol=1e-4 if dt == 'float32' else None)


# ---- attention ----

def mask(dt, shape, rows_of):
    """A bool or float mask of `shape` that leaves every row (last dim) at least one key: bool True / float -inf masks;
    a float mask also adds finite values."""
    n = mc.numel(shape)
    S = shape[-1]
    vals = []
    for r in range(n // S if S else 0):
        keep = rng.randrange(S)
        for j in range(S):
            masked = j != keep and rng.random() < 0.3
            if dt == 'bool':
                vals.append(1.0 if masked else 0.0)
            else:
                vals.append(float('-inf') if masked else pick(0.0, 0.0, 0.5, -1.0))
    return Inp(dt, shape, vals=vals, frozen=True)


def mha_case():
    dt = pick('float64', 'float64', 'float64', 'float32')
    H = pick(1, 2)
    E = H * rng.randint(1, 3)
    kd = pick(None, None, rng.randint(1, 4))
    vd = pick(None, None, rng.randint(1, 4))
    bias = rng.random() < 0.8
    abk = rng.random() < 0.3
    aza = rng.random() < 0.3
    bf = rng.random() < 0.4
    m = nn.MultiheadAttention(E, H, dropout=0.0, bias=bias, add_bias_kv=abk, add_zero_attn=aza, kdim=kd, vdim=vd,
                              batch_first=bf)
    draw_params(m, dt)
    ctor = [('i', E), ('i', H), ('D', 0.0), ('b', bias), ('b', abk), ('b', aza),
            ('N', None) if kd is None else ('i', kd), ('N', None) if vd is None else ('i', vd), ('b', bf)]
    batched = rng.random() < 0.8
    Lq, S, N = rng.randint(1, 3), rng.randint(1, 4), rng.randint(1, 3)
    kdim, vdim = kd or E, vd or E
    self_attn = kd is None and vd is None and rng.random() < 0.3

    def shp(L, e):
        if not batched:
            return [L, e]
        return [N, L, e] if bf else [L, N, e]
    q = Inp(dt, shp(Lq, E))
    if self_attn:
        S = Lq
    k = Inp(dt, shp(S, kdim))
    v = Inp(dt, shp(S, vdim))
    # the masks: in 2.x both must be bool or both float when both are given (else a deprecation warning); the keys
    # bias_k / zero attention add are never masked by key_padding_mask (PyTorch pads it with zeros)
    mdt = pick('bool', dt)
    kpm = None
    if rng.random() < 0.5:
        kpm = mask(mdt, [N, S] if batched else [S], None)
    am = None
    if rng.random() < 0.5:
        if batched and rng.random() < 0.4:
            am = mask(mdt, [N * H, Lq, S], None)
        else:
            am = mask(mdt, [Lq, S], None)
    # 2.x's is_causal hint: with the causal mask given as attn_mask it changes nothing (the SDPA path drops the mask and
    # masks causally itself; bias_k / zero attention, which add keys, are left out); without attn_mask, 2.x's error
    causal = False
    r = rng.random()
    if Lq == S and not abk and not aza and r < 0.2:
        causal = True
        am = Inp('bool', [Lq, S], vals=[1.0 if j > i else 0.0 for i in range(Lq) for j in range(S)], frozen=True)
    elif r < 0.25:
        causal = True
        am = None
    # a key that is masked by both might leave a row empty: keep key 0 unmasked in a bool padding mask's rows when an
    # attention mask is given too
    if kpm is not None and am is not None:
        vals = kpm.base_vals  # rebuild: no masking in kpm, to keep rows non-empty
        kpm = Inp(mdt, kpm.shape, vals=[0.0 if mdt == 'bool' else pick(0.0, 0.5) for _ in range(mc.numel(kpm.shape))],
                  frozen=True)
    need = rng.random() < 0.7
    avg = rng.random() < 0.5
    args = [('T', q), ('T', k), ('T', v), ('T', kpm) if kpm is not None else ('N', None), ('b', need),
            ('T', am) if am is not None else ('N', None), ('b', avg), ('b', causal)]

    def fwd(m, a):
        it = iter(a)
        qq, kk, vv = next(it), next(it), next(it)
        kp = next(it) if kpm is not None else None
        mm = next(it) if am is not None else None
        if kp is not None and mm is not None and (mdt != 'bool' or mm.dtype != kp.dtype):
            # 2.x makes both masks float (-inf where a bool one is True) and adds them (1.13's masked_fill refuses a
            # float padding mask, and its logical_or a float attention mask)
            if mm.dtype == torch.bool:
                mm = torch.zeros(mm.shape, dtype=qq.dtype).masked_fill(mm, float('-inf'))
            if kp.dtype == torch.bool:
                kp = torch.zeros(kp.shape, dtype=qq.dtype).masked_fill(kp, float('-inf'))
            if batched:
                kp3 = kp.reshape(N, 1, 1, S).expand(N, H, 1, S).reshape(N * H, 1, S)
                mm = mm + kp3
            else:
                mm = mm + kp
            kp = None
        if causal and mm is None:
            raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
                               "method `generate_square_subsequent_mask` to create this mask.")
        return m(qq, kk, vv, key_padding_mask=kp, need_weights=need, attn_mask=mm, average_attn_weights=avg)

    return Case('M.MultiheadAttention', ctor, dt, pick('train', 'eval'), m, args, fwd,
                tol=1e-4 if dt == 'float32' else None)


def enc_case():
    dt = pick('float64', 'float64', 'float64', 'float32')
    H = pick(1, 2)
    E = H * rng.randint(1, 3)
    ff = rng.randint(1, 5)
    act = pick('relu', 'gelu')
    eps = pick(1e-5, 0.1)
    bf = rng.random() < 0.4
    nf = rng.random() < 0.5
    decoder = rng.random() < 0.4
    cls = nn.TransformerDecoderLayer if decoder else nn.TransformerEncoderLayer
    m = cls(E, H, dim_feedforward=ff, dropout=0.0, activation=act, layer_norm_eps=eps, batch_first=bf, norm_first=nf)
    draw_params(m, dt)
    ctor = [('i', E), ('i', H), ('i', ff), ('D', 0.0), ('s', act), ('D', eps), ('b', bf), ('b', nf), ('b', True)]
    batched = rng.random() < 0.8
    L, S, N = rng.randint(1, 3), rng.randint(1, 3), rng.randint(1, 3)

    def shp(L):
        if not batched:
            return [L, E]
        return [N, L, E] if bf else [L, N, E]
    mdt = pick('bool', dt)
    x = Inp(dt, shp(L))
    args = [('T', x)]
    if decoder:
        mem = Inp(dt, shp(S))
        args.append(('T', mem))
        tm = mask(mdt, [L, L], None) if rng.random() < 0.5 else None
        mm = mask(mdt, [L, S], None) if rng.random() < 0.4 else None
        tkp = mask(mdt, [N, L] if batched else [L], None) if rng.random() < 0.4 and tm is None else None
        mkp = mask(mdt, [N, S] if batched else [S], None) if rng.random() < 0.4 and mm is None else None
        for t in (tm, mm, tkp, mkp):
            args.append(('T', t) if t is not None else ('N', None))
        args += [('b', False), ('b', False)]

        def fwd(m, a):
            it = iter(a)
            tg, me = next(it), next(it)
            ms = [next(it) if t is not None else None for t in (tm, mm, tkp, mkp)]
            return m(tg, me, tgt_mask=ms[0], memory_mask=ms[1], tgt_key_padding_mask=ms[2],
                     memory_key_padding_mask=ms[3])
    else:
        sm = mask(mdt, [L, L], None) if rng.random() < 0.5 else None
        skp = mask(mdt, [N, L] if batched else [L], None) if rng.random() < 0.4 and sm is None else None
        for t in (sm, skp):
            args.append(('T', t) if t is not None else ('N', None))
        args.append(('b', False))

        def fwd(m, a):
            it = iter(a)
            s = next(it)
            ms = [next(it) if t is not None else None for t in (sm, skp)]
            return m(s, src_mask=ms[0], src_key_padding_mask=ms[1])
    name = 'M.TransformerDecoderLayer' if decoder else 'M.TransformerEncoderLayer'
    return Case(name, ctor, dt, pick('train', 'eval'), m, args, fwd, tol=1e-4 if dt == 'float32' else None)


# ---- convolution modules (padding modes, string padding), ConvTranspose with output_size, Embedding's max_norm ----

def conv_mod_case():
    d = pick(1, 2, 2, 3)
    dt = FD()
    groups = pick(1, 1, 2)
    cin, cout = groups * rng.randint(1, 2), groups * rng.randint(1, 2)
    k = [rng.randint(1, 3) for _ in range(d)]
    dil = [pick(1, 1, 2) for _ in range(d)]
    mode = pick('zeros', 'reflect', 'replicate', 'circular')
    sp = [rng.randint(3, 5) for _ in range(d)]
    bias = rng.random() < 0.7
    if rng.random() < 0.35:
        pad = pick('same', 'same', 'valid')
        stride = [1] * d
    else:
        # reflect needs a pad below the size; every mode here keeps it at most 2 (sizes 3 to 5)
        pad = [rng.randint(0, 2) for _ in range(d)]
        stride = [pick(1, 1, 2) for _ in range(d)]
    cls = {1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d}[d]
    m = cls(cin, cout, k, stride, pad, dil, groups, bias, mode)
    draw_params(m, dt)
    ctor = [('i', cin), ('i', cout), ('il', k), ('il', stride), ('s', pad) if isinstance(pad, str) else ('il', pad),
            ('il', dil), ('i', groups), ('b', bias), ('s', mode)]
    batched = rng.random() < 0.8
    x = Inp(dt, ([rng.randint(1, 2)] if batched else []) + [cin] + sp)
    if not batched and mode == 'circular':
        # 1.13's circular pad refuses an input without a batch dim (2.x's _pad_circular takes it): computed with a batch
        # dim of 1, marked
        return Case('M.Conv%dd' % d, ctor, dt, pick('train', 'eval'), m, [('T', x)],
                    lambda m, a: m(a[0].unsqueeze(0)).squeeze(0),
                    note="1.13's circular pad refuses an unbatched input; 2.x's result, computed with a batch dim of 1")
    return Case('M.Conv%dd' % d, ctor, dt, pick('train', 'eval'), m, [('T', x)], lambda m, a: m(a[0]))


def convt_mod_case():
    dt = FD()
    groups = pick(1, 2)
    cin, cout = groups * rng.randint(1, 2), groups * rng.randint(1, 2)
    k = [rng.randint(1, 3) for _ in range(2)]
    stride = [pick(1, 2, 3) for _ in range(2)]
    pad = [rng.randint(0, 1) for _ in range(2)]
    dil = [pick(1, 2) for _ in range(2)]
    opad = [rng.randint(0, max(s, dd) - 1) for s, dd in zip(stride, dil)]
    bias = rng.random() < 0.7
    m = nn.ConvTranspose2d(cin, cout, k, stride, pad, opad, groups, bias, dil)
    draw_params(m, dt)
    ctor = [('i', cin), ('i', cout), ('il', k), ('il', stride), ('il', pad), ('il', opad), ('i', groups), ('b', bias),
            ('il', dil)]
    x = Inp(dt, [rng.randint(1, 2), cin, rng.randint(1, 3), rng.randint(1, 3)])
    args = [('T', x)]
    osize = None
    if rng.random() < 0.6:
        # output_size: between the smallest output and it plus stride - 1 (beyond: PyTorch's error)
        base = [(i - 1) * s - 2 * p + dd * (kk - 1) + 1 for i, s, p, dd, kk in zip(x.shape[2:], stride, pad, dil, k)]
        osize = [b + rng.randint(0, s - 1 + (1 if rng.random() < 0.1 else 0)) for b, s in zip(base, stride)]
        args.append(('il', osize))
    return Case('M.ConvTranspose2d', ctor, dt, pick('train', 'eval'), m, args,
                lambda m, a: m(a[0], osize) if osize is not None else m(a[0]))


def emb_mod_case():
    dt = FD()
    num, dim = rng.randint(3, 6), rng.randint(1, 3)
    pidx = pick(None, None, 0, -1, 2)
    max_norm = pick(None, 0.5, 1.0, 1.5)
    norm_type = pick(2.0, 1.0, 3.0)
    m = nn.Embedding(num, dim, padding_idx=pidx, max_norm=max_norm, norm_type=norm_type)
    draw_params(m, dt)
    ctor = [('i', num), ('i', dim), ('N', None) if pidx is None else ('L', pidx),
            ('N', None) if max_norm is None else ('D', max_norm), ('D', norm_type), ('b', False)]
    shape = pick([3], [2, 2], [4], [2, 3])
    vals = [rng.randrange(num) for _ in range(mc.numel(shape))]
    idx = Inp('int64', shape, vals=vals, frozen=True)
    # max_norm renormalizes the rows the input names in place (under no_grad): the weight after the call
    return Case('M.Embedding', ctor, dt, pick('train', 'eval'), m, [('T', idx)], lambda m, a: m(a[0]),
                pafter=('weight',) if max_norm is not None else ())


def norm_half_case():
    """A norm module with float32 parameters and buffers (or converted to the input's type) on a float16/bfloat16
    input: 2.x's CPU kernels compute in float32 (mixed type: with the float32 parameters as they are), round the output
    once, and update float32 running statistics in float32."""
    half = pick('float16', 'bfloat16')
    kind = pick('bn', 'bn', 'in', 'gn', 'ln')
    C = rng.randint(1, 4)
    mode = pick('train', 'train', 'eval')
    same = rng.random() < 0.3  # the module converted to the input's type (no mixing)
    if kind == 'bn':
        momentum = pick(0.1, None)
        m = nn.BatchNorm1d(C, momentum=momentum)
        ctor = [('i', C), ('D', 1e-5), ('N', None) if momentum is None else ('D', momentum), ('b', True), ('b', True)]
        shape = [rng.randint(2, 3), C, rng.randint(1, 3)]
        name = 'M.BatchNorm1d:half'
    elif kind == 'in':
        m = nn.InstanceNorm1d(C, affine=True, track_running_stats=True)
        ctor = [('i', C), ('D', 1e-5), ('D', 0.1), ('b', True), ('b', True)]
        shape = [rng.randint(1, 2), C, rng.randint(2, 4)]
        name = 'M.InstanceNorm1d:half'
    elif kind == 'gn':
        G = pick(1, C) if C > 1 else 1
        m = nn.GroupNorm(G, C)
        ctor = [('i', G), ('i', C), ('D', 1e-5), ('b', True)]
        shape = [rng.randint(1, 2), C, rng.randint(2, 4)]
        name = 'M.GroupNorm:half'
    else:
        m = nn.LayerNorm([C])
        ctor = [('il', [C]), ('D', 1e-5), ('b', True), ('b', True)]
        shape = [rng.randint(1, 3), rng.randint(1, 2), C]
        name = 'M.LayerNorm:half'
    draw_params(m, 'float32')
    if same:
        m.to(mc.DT[half])
    x = Inp(half, shape)

    def fwd(m, a):
        # float32 arithmetic on the half input with the parameters' values, the output rounded once (a module in the
        # input's type: its statistics rounded back to it after the float32 update)
        if same:
            m32 = copy.deepcopy(m).float()
            y = m32(a[0].float())
            with torch.no_grad():
                for (n, b), (_, b32) in zip(m.named_buffers(), m32.named_buffers()):
                    b.copy_(b32)
            return y.to(a[0].dtype)
        return m(a[0].float()).to(a[0].dtype)

    c = Case(name, ctor, half if same else 'float32', mode, m, [('T', x)], fwd,
             note='2.x computes float16/bfloat16 norms in float32 (mixed type with float32 parameters)')
    c.half_input = True
    return c


FAMILIES = [(bn_case, 60), (in_case, 40), (gn_case, 25), (ln_case, 25), (rms_case, 15), (rnn_case, 80),
            (mha_case, 60), (enc_case, 35), (conv_mod_case, 30), (convt_mod_case, 15), (emb_mod_case, 15),
            (norm_half_case, 24)]


# ---- section 2: nn.functional argument corners round 2 did not draw (its ops and runner, make_nn_cases.py) ----
# conv3d (int and string padding, dilation, groups), conv_transpose1d/3d (output_padding with dilation and groups),
# avg_pool1d/3d (ceil_mode with padding, count_include_pad, divisor_override), max_pool3d (ceil_mode, dilation),
# max_unpool1d/2d/3d (the indices of PyTorch's max_pool, output_size given or not), embedding_bag (offsets, modes,
# per_sample_weights, include_last_offset, padding_idx, max_norm renormalizing the weight in place: after1), the losses
# round 2 skipped (multi_margin p and weight, multilabel_margin, multilabel_soft_margin weight, soft_margin,
# hinge_embedding, triplet_margin swap and p, poisson_nll log_input and full, gaussian_nll broadcast var and full,
# cosine_embedding, margin_ranking, nll_loss of K-dim inputs, cross_entropy of K-dim probabilities with weight and
# label_smoothing), interpolate (1-d/3-d modes, scale factors with recompute_scale_factor), fold/unfold, lp_pool2d,
# local_response_norm. Drawn after section 1 from a generator of its own (SEED + 1000), so section 1 keeps its draw.
import make_nn_cases as nnc  # noqa: E402  (its op table and runner; rebound to section 2's generator below)

SEC2 = {}


def op2(name, gen, fn, n=6, diff=True):
    nnc.op(name, gen, fn, n=n, diff=diff)
    SEC2[name] = n


def p2(*xs):
    return nnc.rng.choice(xs)


def T2(dt, shape, **kw):
    return nnc.T(dt, shape, **kw)


def IDX2(shape, hi):
    return nnc.IDX(shape, hi)


RED = ('none', 'sum', 'mean')


def msg2x(fn, fix):
    """fn with PyTorch 1.13's message rewritten as 2.x words it (fix: message -> message)."""
    def g(*a):
        try:
            return fn(*a)
        except (RuntimeError, ValueError) as e:
            raise type(e)(fix(str(e).split('\n')[0])) from None
    return g

op2('F.conv3d', nnc.conv_gen(3), lambda x, w, b, s, p, d, g: F.conv3d(x, w, b, s, p, d, g), n=8)
op2('F.conv3d:str', nnc.conv_gen(3, string_pad=True), lambda x, w, b, s, p, d, g: F.conv3d(x, w, b, s, p, d, g), n=6)
op2('F.convTranspose3d', nnc.conv_gen(3, transposed=True),
    lambda x, w, b, s, p, o, g, d: F.conv_transpose3d(x, w, b, s, p, o, g, d), n=8)


def convt1_gen():
    a = nnc.conv_gen(1, transposed=True)()
    # Ember's convTranspose1d takes ints: stride, padding, output_padding, groups, dilation
    return a[:3] + [('i', a[3][1][0]), ('i', a[4][1][0]), ('i', a[5][1][0]), a[6], ('i', a[7][1][0])]


op2('F.convTranspose1d', convt1_gen, lambda x, w, b, s, p, o, g, d: F.conv_transpose1d(x, w, b, s, p, o, g, d), n=8)


def convt2_gen():
    """output_padding up to max(stride, dilation) - 1 with dilation and groups."""
    groups = p2(1, 2)
    cin, cpg = groups * p2(1, 2), p2(1, 2)
    k = [p2(1, 2, 3) for _ in range(2)]
    s = [p2(1, 2, 3) for _ in range(2)]
    d = [p2(1, 2, 3) for _ in range(2)]
    o = [nnc.rng.randint(0, max(s[i], d[i]) - 1) for i in range(2)]
    if nnc.rng.random() < 0.1:
        o[0] = max(s[0], d[0])  # too large: PyTorch's error
    dt = nnc.F64()
    b = T2(dt, [groups * cpg]) if nnc.rng.random() < 0.6 else ('N', None)
    return [T2(dt, [p2(1, 2), cin, p2(1, 2, 3), p2(2, 3)]), T2(dt, [cin, cpg] + k), b, ('il', s),
            ('il', [p2(0, 1, 2) for _ in range(2)]), ('il', o), ('i', groups), ('il', d)]


op2('F.convTranspose2d:opad', convt2_gen, lambda x, w, b, s, p, o, g, d: F.conv_transpose2d(x, w, b, s, p, o, g, d),
    n=10)


def pool_args(nd):
    k = [p2(1, 2, 3) for _ in range(nd)]
    s = [p2(1, 2, 3) for _ in range(nd)]
    pad = [nnc.rng.randint(0, kk // 2) for kk in k]
    return k, s, pad


def avg1_gen():
    k, s, pad = pool_args(1)
    return [T2(nnc.F64(), [p2(1, 2), p2(1, 2), p2(2, 4, 5, 7)]), ('i', k[0]), ('i', s[0]), ('i', pad[0]),
            ('b', nnc.rng.random() < 0.6), ('b', nnc.rng.random() < 0.5)]


op2('F.avgPool1d', avg1_gen, lambda x, k, s, p, c, i: F.avg_pool1d(x, k, s, p, c, i), n=8)


def avg3_gen():
    k, s, pad = pool_args(3)
    dv = ('i', p2(1, 2, 3, 5)) if nnc.rng.random() < 0.4 else ('N', None)
    return [T2(nnc.F64(), [p2(1, 2), p2(1, 2)] + [p2(2, 3, 4) for _ in range(3)]), ('il', k), ('il', s), ('il', pad),
            ('b', nnc.rng.random() < 0.6), ('b', nnc.rng.random() < 0.5), dv]


op2('F.avgPool3d', avg3_gen, lambda x, k, s, p, c, i, dv: F.avg_pool3d(x, k, s, p, c, i, dv), n=8)


def max3_gen():
    k, s, pad = pool_args(3)
    d = [p2(1, 1, 2) for _ in range(3)]
    pad = [min(pp, (kk * dd - dd) // 2) for pp, kk, dd in zip(pad, k, d)]
    return [T2(nnc.F64(), [p2(1, 2), p2(1, 2)] + [p2(3, 4, 5) for _ in range(3)], pool=[-1.5, -0.5, 0.25, 1.0, 2.0, 3.5, 0.75, -2.25]),
            ('il', k), ('il', s), ('il', pad), ('il', d), ('b', nnc.rng.random() < 0.6)]


def max_pool3d_2x(x, k, s, p, d, c):
    return F.max_pool3d(x, k, s, p, d, c)


op2('F.maxPool3d', max3_gen, max_pool3d_2x, n=8)


def unpool_gen(nd):
    def g():
        k, s, pad = pool_args(nd)
        s = [max(ss, 1) for ss in s]
        sp = [p2(2, 3, 4, 5) for _ in range(nd)]
        batch = [p2(1, 2), p2(1, 2)] if nnc.rng.random() < 0.8 else [p2(1, 2)]
        # distinct values: which of equal maxima max_pool picks is its choice, the unpooled position follows it
        n = 1
        for v in batch + sp:
            n *= v
        vals = [round(v * 0.25 - 3, 2) for v in nnc.rng.sample(range(4 * n + 8), n)]
        src = torch.tensor(vals, dtype=torch.float64).reshape(batch + sp)
        pool = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}[nd]
        try:
            y, idx = pool(src, k, s, pad, return_indices=True)
        except RuntimeError:
            return None
        if y.numel() == 0:
            return None
        dt = nnc.F64()
        xin = T2(dt, list(y.shape))
        it = nnc.IDX(list(idx.shape), 1)
        it[1].vals = mc.replay(torch.zeros(it[1].base_shape, dtype=torch.int64), []).reshape(-1).tolist()
        base = torch.zeros(it[1].base_shape, dtype=torch.int64)
        mc.replay(base, it[1].steps).copy_(idx)
        it[1].vals = base.reshape(-1).tolist()
        out_size = [(i - 1) * ss - 2 * pp + kk for i, ss, pp, kk in zip(y.shape[-nd:], s, pad, k)]
        osz = ('N', None)
        if nnc.rng.random() < 0.4:
            osz = ('il', [o + nnc.rng.randint(0, ss - 1) for o, ss in zip(out_size, s)])
            if nnc.rng.random() < 0.15:
                osz = ('il', [o + ss for o, ss in zip(out_size, s)])  # too large: PyTorch's error
        if nd == 1:
            return [xin, it, ('i', k[0]), ('i', s[0]), ('i', pad[0]), osz]
        return [xin, it, ('il', k), ('il', s), ('il', pad), osz]
    return g


def unpool_fn(nd):
    # output_size as a tuple (Ember's int[] prints as one in the message); 2.x closes "(output volumes are of size
    # ..." with ")" (1.13 leaves it open)
    f = {1: F.max_unpool1d, 2: F.max_unpool2d, 3: F.max_unpool3d}[nd]
    return msg2x(lambda x, i, k, s, p, o: f(x, i, k, s, p, None if o is None else tuple(o)),
                 lambda m: m + ')' if m.startswith('Found an invalid max index') and not m.endswith(')') else m)


for _nd in (1, 2, 3):
    op2('F.maxUnpool%dd' % _nd, unpool_gen(_nd), unpool_fn(_nd), n=8)


def bag_gen():
    num, dim = p2(3, 4, 5), p2(1, 2, 3)
    dt = nnc.F64()
    mode = p2('sum', 'mean', 'max')
    two_d = nnc.rng.random() < 0.35
    cuts = []
    if two_d:
        shape = [p2(1, 2, 3), p2(1, 2, 3)]
        inp = IDX2(shape, num)
        offsets = ('N', None)
    else:
        n = p2(0, 1, 3, 5, 6)
        inp = IDX2([n], num)
        cuts = sorted(nnc.rng.randint(0, n) for _ in range(p2(1, 2, 3)))
        cuts[0] = 0  # (offsets[0] != 0: PyTorch's message ends in a printed tensor on a second line; not drawn)
        if nnc.rng.random() < 0.5:
            cuts.append(n)
        offsets = nnc.T('int64', [len(cuts)], vals=cuts, frozen=True, allow=('slice', 'narrow'))
    # include_last_offset: offsets end with the input's size, as its documentation says (1.13 reads out of bounds
    # otherwise: heap corruption, or with a single offset a segmentation fault), and at least two offsets
    ilo = (not two_d) and nnc.rng.random() < 0.4 and len(cuts) >= 2 and cuts[-1] == n
    psw = ('N', None)
    if mode == 'sum' and nnc.rng.random() < 0.5:
        psw = T2(dt, [mc.numel(shape) if two_d else n])
    mn = ('D', p2(0.5, 1.0, 1.5)) if nnc.rng.random() < 0.35 else ('N', None)
    pidx = ('L', p2(0, 1, -1)) if nnc.rng.random() < 0.35 else ('N', None)
    w = T2(dt, [num, dim], view=mn[0] == 'N')
    return [inp, w, offsets, mn, ('D', p2(2.0, 1.0, 3.0)), ('b', False), ('s', mode), psw, ('b', ilo), pidx]


def bag_fn(i, w, o, mn, nt, sg, mode, psw, ilo, pidx):
    if mn is not None:
        # max_norm renormalizes the rows the input names in place; under no_grad as F.embedding does
        with torch.no_grad():
            torch.embedding_renorm_(w, i, mn, nt)
        mn = None
    return F.embedding_bag(i, w, o, mn, nt, sg, mode, False, psw, ilo, pidx)


op2('F.embeddingBag', bag_gen, bag_fn, n=14)


def loss_x(shape, dt=None):
    return T2(dt or nnc.F64(), shape)


def multi_margin_gen():
    c = p2(1, 2, 3, 4)
    shape = p2([p2(1, 2, 3), c], [c])
    dt = nnc.F64()
    tgt = IDX2(shape[:-1], c)
    w = T2(dt, [c], positive=True, frozen=True) if nnc.rng.random() < 0.4 else ('N', None)
    return [T2(dt, shape), tgt, ('i', p2(1, 2)), ('D', p2(1.0, 0.5, 0.0, 2.0)), w, ('s', p2(*RED))]


# 1.13's forward reads a non-contiguous weight as if it were contiguous (2.x's makes it contiguous): given contiguous
op2('F.multiMarginLoss', multi_margin_gen,
    lambda x, t, p, m, w, r: F.multi_margin_loss(x, t, p, m, None if w is None else w.contiguous(), reduction=r), n=10)


def mlm_gen():
    c = p2(1, 2, 3, 4)
    shape = p2([p2(1, 2, 3), c], [c])
    n = mc.numel(shape)
    vals = []
    for _ in range(n // c):
        row = [nnc.rng.randrange(c) for _ in range(c)]
        if nnc.rng.random() < 0.7:
            row[nnc.rng.randrange(c)] = -1  # the targets end at the first -1
        vals += row
    tgt = nnc.T('int64', shape, vals=vals, frozen=True, allow=('permute', 'slice', 'narrow'))
    return [T2(nnc.F64(), shape), tgt, ('s', p2(*RED))]


op2('F.multilabelMarginLoss', mlm_gen, lambda x, t, r: F.multilabel_margin_loss(x, t, reduction=r), n=8)


def mlsm_gen():
    c = p2(1, 2, 3)
    shape = [p2(1, 2, 3), c]
    dt = nnc.F64()
    w = T2(dt, p2([c], [1, c]), positive=True, frozen=True) if nnc.rng.random() < 0.5 else ('N', None)
    return [T2(dt, shape), T2(dt, shape, pool=[0.0, 1.0], frozen=True), w, ('s', p2(*RED))]


op2('F.multilabelSoftMarginLoss', mlsm_gen, lambda x, t, w, r: F.multilabel_soft_margin_loss(x, t, w, reduction=r),
    n=8)


def sign_target(shape, dt):
    return T2(dt, shape, pool=[-1.0, 1.0], frozen=True)


def soft_margin_gen():
    shape = p2([3], [2, 3], [])
    dt = nnc.F64()
    return [T2(dt, shape), sign_target(shape, dt), ('s', p2(*RED))]


op2('F.softMarginLoss', soft_margin_gen, lambda x, t, r: F.soft_margin_loss(x, t, reduction=r), n=6)


def hinge_gen():
    shape = p2([3], [2, 3], [])
    dt = nnc.F64()
    return [T2(dt, shape), sign_target(shape, dt), ('D', p2(1.0, 0.5, 2.0, 0.0)), ('s', p2(*RED))]


op2('F.hingeEmbeddingLoss', hinge_gen, lambda x, t, m, r: F.hinge_embedding_loss(x, t, m, reduction=r), n=6)


def triplet_gen():
    shape = p2([p2(1, 2, 3), p2(1, 2, 3)], [p2(2, 3)])
    dt = nnc.F64()
    return [T2(dt, shape), T2(dt, shape), T2(dt, shape), ('D', p2(1.0, 0.5, 2.0)), ('D', p2(2.0, 1.0, 3.0)),
            ('D', p2(1e-6, 0.1)), ('b', nnc.rng.random() < 0.5), ('s', p2(*RED))]


op2('F.tripletMarginLoss', triplet_gen,
    lambda a, p, n, m, pp, e, sw, r: F.triplet_margin_loss(a, p, n, m, pp, e, sw, reduction=r), n=10)


def poisson_gen():
    shape = p2([3], [2, 3], [])
    dt = nnc.F64()
    log_input = nnc.rng.random() < 0.5
    x = T2(dt, shape) if log_input else T2(dt, shape, positive=True)
    tgt = T2(dt, shape, pool=[0.0, 1.0, 2.0, 3.0, 0.5], frozen=True)
    return [x, tgt, ('b', log_input), ('b', nnc.rng.random() < 0.5), ('D', p2(1e-8, 0.5)), ('s', p2(*RED))]


op2('F.poissonNllLoss', poisson_gen,
    lambda x, t, li, fu, e, r: F.poisson_nll_loss(x, t, li, fu, None, e, None, r), n=10)


def gauss_gen():
    shape = p2([2, 3], [3], [2, 2, 3])
    dt = nnc.F64()
    vshape = p2(list(shape), list(shape[:-1]) + [1], list(shape[:-1]))
    return [T2(dt, shape), T2(dt, shape, frozen=True), T2(dt, vshape, positive=True),
            ('b', nnc.rng.random() < 0.5), ('D', p2(1e-6, 0.5)), ('s', p2(*RED))]


op2('F.gaussianNllLoss', gauss_gen, lambda x, t, v, fu, e, r: F.gaussian_nll_loss(x, t, v, fu, e, r), n=10)


def cos_emb_gen():
    n, d = p2(1, 2, 3), p2(1, 2, 3)
    dt = nnc.F64()
    shape = p2([n, d], [d])
    return [T2(dt, shape), T2(dt, shape), sign_target(shape[:-1], dt), ('D', p2(0.0, 0.5, -0.5)), ('s', p2(*RED))]


op2('F.cosineEmbeddingLoss', cos_emb_gen, lambda a, b, t, m, r: F.cosine_embedding_loss(a, b, t, m, reduction=r), n=8)


def rank_gen():
    shape = p2([3], [2, 3], [])
    dt = nnc.F64()
    return [T2(dt, shape), T2(dt, shape), sign_target(shape, dt), ('D', p2(0.0, 0.5, 1.0)), ('s', p2(*RED))]


op2('F.marginRankingLoss', rank_gen, lambda a, b, t, m, r: F.margin_ranking_loss(a, b, t, m, reduction=r), n=6)


def nll_kd_gen():
    c = p2(2, 3)
    shape = [p2(1, 2), c] + [p2(1, 2, 3) for _ in range(p2(1, 2, 3))]
    dt = nnc.F64()
    tshape = shape[:1] + shape[2:]
    ii = p2(-100, 0, 1)
    vals = [nnc.rng.randrange(c) if nnc.rng.random() < 0.8 else ii for _ in range(mc.numel(tshape))]
    vals = [v if v != -100 or ii == -100 else 0 for v in vals]
    tgt = nnc.T('int64', tshape, vals=[v if v >= 0 else -100 for v in vals] if ii == -100 else vals, frozen=True,
                allow=('permute', 'slice', 'narrow'))
    w = T2(dt, [c], positive=True, frozen=nnc.rng.random() < 0.5) if nnc.rng.random() < 0.5 else ('N', None)
    return [T2(dt, shape), tgt, w, ('s', p2(*RED)), ('L', ii)]


op2('F.nllLoss:kd', nll_kd_gen, lambda x, t, w, r, ii: F.nll_loss(x, t, w, None, ii, None, r), n=10)


def ce_kd_gen():
    c = p2(2, 3)
    shape = [p2(1, 2), c] + [p2(1, 2, 3) for _ in range(p2(1, 2))]
    dt = nnc.F64()
    probs = nnc.rng.random() < 0.5
    if probs:
        tgt = T2(dt, shape, pool=[0.0, 0.25, 0.5, 1.0], frozen=True)
        ii = -100
    else:
        tshape = shape[:1] + shape[2:]
        ii = p2(-100, 0, 1)
        tgt = IDX2(tshape, c)
    w = T2(dt, [c], positive=True, frozen=True) if nnc.rng.random() < 0.5 else ('N', None)
    return [T2(dt, shape), tgt, w, ('s', p2(*RED)), ('L', ii), ('D', p2(0.0, 0.1, 0.3))]


op2('F.crossEntropy:kd', ce_kd_gen, lambda x, t, w, r, ii, ls: F.cross_entropy(x, t, w, None, ii, None, r, ls), n=12)


def interp2_gen():
    nd = p2(1, 1, 3, 3, 2)
    modes = {1: ('nearest', 'nearest-exact', 'linear', 'area'), 2: ('nearest', 'bilinear', 'bicubic', 'nearest-exact'),
             3: ('nearest', 'nearest-exact', 'trilinear', 'area')}[nd]
    mode = p2(*modes)
    x = T2(nnc.F64(), [p2(1, 2), p2(1, 2)] + [p2(1, 2, 3, 4) for _ in range(nd)])
    ac = ('b', nnc.rng.random() < 0.5) if mode in ('linear', 'bilinear', 'bicubic', 'trilinear') else ('N', None)
    if nnc.rng.random() < 0.3:
        return [x, ('il', [p2(1, 2, 3, 5) for _ in range(nd)]), ('N', None), ('s', mode), ac, ('N', None)]
    sf = [p2(0.5, 0.7, 1.3, 1.5, 2.0, 2.5, 3.0) for _ in range(nd)]
    rsf = p2(True, False, None)
    if mode == 'area' and rsf is not True:
        rsf = True  # area with a scale factor needs recompute_scale_factor in 2.x's adaptive pooling path
    return [x, ('N', None), ('dl', sf), ('s', mode), ac, ('N', None) if rsf is None else ('b', rsf)]


op2('F.interpolate:r4', interp2_gen, lambda x, s, sf, m, ac, r: F.interpolate(x, s, sf, m, ac, r), n=16)


def fold_gen():
    k = [p2(1, 2, 3) for _ in range(2)]
    d = [p2(1, 2) for _ in range(2)]
    pad = [p2(0, 1) for _ in range(2)]
    s = [p2(1, 2) for _ in range(2)]
    out = [p2(2, 3, 4, 5) for _ in range(2)]
    blocks = 1
    for i in range(2):
        nb = (out[i] + 2 * pad[i] - d[i] * (k[i] - 1) - 1) // s[i] + 1
        if nb < 1:
            return None
        blocks *= nb
    c = p2(1, 2)
    shape = p2([p2(1, 2), c * k[0] * k[1], blocks], [c * k[0] * k[1], blocks])
    return [T2(nnc.F64(), shape), ('il', out), ('il', k), ('il', d), ('il', pad), ('il', s)]


op2('F.fold', fold_gen, lambda x, o, k, d, p, s: F.fold(x, o, k, d, p, s), n=8)


def unfold_gen():
    k = [p2(1, 2, 3) for _ in range(2)]
    return [T2(nnc.F64(), [p2(1, 2), p2(1, 2), p2(2, 3, 4), p2(2, 3, 4)]), ('il', k),
            ('il', [p2(1, 2) for _ in range(2)]), ('il', [p2(0, 1) for _ in range(2)]), ('il', [p2(1, 2) for _ in range(2)])]


op2('F.unfold', unfold_gen, lambda x, k, d, p, s: F.unfold(x, k, d, p, s), n=8)


def lp2_gen():
    k = [p2(1, 2, 3) for _ in range(2)]
    s = [p2(1, 2, 3) for _ in range(2)]
    return [T2(nnc.F64(), [p2(1, 2), p2(1, 2), p2(3, 4, 5), p2(3, 4, 5)], positive=True), ('D', p2(1.0, 2.0, 3.0)),
            ('il', k), ('il', s), ('b', nnc.rng.random() < 0.5)]


op2('F.lpPool2d', lp2_gen, lambda x, n, k, s, c: F.lp_pool2d(x, n, k, s, c), n=8)


def lrn_gen():
    return [T2(nnc.F64(), [p2(1, 2), p2(1, 2, 3, 5)] + [p2(1, 2, 3) for _ in range(p2(0, 1, 2))]),
            ('i', p2(1, 2, 3, 4)), ('D', p2(1e-4, 0.5)), ('D', p2(0.75, 0.5, 1.5)), ('D', p2(1.0, 2.0))]


# 1.13's message has a run of spaces from a line continuation inside its string (2.x's f-string has one)
op2('F.localResponseNorm', lrn_gen, msg2x(lambda x, n, a, b, k: F.local_response_norm(x, n, a, b, k),
                                          lambda m: ' '.join(m.split())), n=8)


# ---- section 3: float16 and bfloat16 through the nn kernels round 2 left out for want of a 1.13 CPU kernel ----
# conv1d/conv2d/conv_transpose2d, linear, group_norm, avg_pool2d/adaptive_avg_pool2d, interpolate (nearest,
# nearest-exact, linear, bilinear, bicubic, area), max_pool2d, embedding, pad, mse_loss/l1_loss, normalize. 2.x's CPU
# kernels take float16/bfloat16 and compute in float32 (opmath), rounding each kernel's output once: the expected values
# are the float32 op on the half inputs (exactly representable in float32) rounded to the type, and a composite op
# (mse_loss's elementwise kernel, then its mean; normalize's norm, then its division) rounds after each kernel as 2.x's
# does. Compared within the runner's half tolerances (about one unit in the last place: sums in another order differ
# there), or bit for bit ("exact") for the kernels that select or copy (max_pool2d, embedding, pad, nearest).
# Also batch_norm (float32 running statistics updated from float32 batch statistics), layer_norm and group_norm with
# parameters of another type than the input: 2.x's mixed type (a float16/bfloat16
# input with float32 weight and bias, computed in float32 and rounded once) and its "mixed dtype (CPU)" refusals of
# every other combination (1.13 refuses all of them in its own words).
HALVES = ('float16', 'bfloat16')


def to_half_args(args, half):
    """The generator's arguments with every floating tensor made `half` (the values are rounded to it when made)."""
    if args is None:
        return None
    for tag, v in args:
        if tag == 'T' and v.dtype in ('float64', 'float32'):
            v.dtype = half
    return args


def half_gen(gen):
    def g():
        return to_half_args(gen(), p2(*HALVES))
    return g


def in_float(fn, rounds=True):
    """fn on the float32 copies of its float16/bfloat16 arguments, each tensor result rounded back once."""
    def g(*a):
        halves = [t.dtype for t in a if isinstance(t, torch.Tensor) and t.dtype in (torch.float16, torch.bfloat16)]
        half = halves[0] if halves else None
        fa = [t.detach().float() if isinstance(t, torch.Tensor) and t.dtype == half else t for t in a]
        r = fn(*fa)
        rs = r if isinstance(r, tuple) else (r,)
        rs = tuple(x.to(half) if rounds and isinstance(x, torch.Tensor) and x.dtype == torch.float32 else x for x in rs)
        return rs if isinstance(r, tuple) else rs[0]
    return g


EXACT3 = set()


def op3(name, gen, fn, n=8, exact=False):
    op2(name, half_gen(gen), in_float(fn), n=n, diff=False)
    if exact:
        EXACT3.add(name)


op3('F.conv1d:half', nnc.conv_gen(1), lambda x, w, b, s, p, d, g: F.conv1d(x, w, b, s, p, d, g))
op3('F.conv2d:half', nnc.conv_gen(2), lambda x, w, b, s, p, d, g: F.conv2d(x, w, b, s, p, d, g), n=10)
op3('F.convTranspose2d:half', nnc.conv_gen(2, transposed=True),
    lambda x, w, b, s, p, o, g, d: F.conv_transpose2d(x, w, b, s, p, o, g, d))
op3('F.linear:half', nnc.linear_gen, lambda x, w, b: F.linear(x, w, b))
op3('F.groupNorm:half', nnc.gn_gen, lambda x, g, w, b, e: F.group_norm(x, g, w, b, e))
op3('F.avgPool2d:half', nnc.pool2d_gen(avg=True, divisor=True),
    lambda x, k, s, p, c, i, dv: F.avg_pool2d(x, k, s or None, p, c, i, dv))
op3('F.adaptiveAvgPool2d:half', nnc.adaptive_gen(2), lambda x, o: F.adaptive_avg_pool2d(x, o), n=6)
op3('F.maxPool2d:half', nnc.pool2d_gen(), lambda x, k, s, p, d, c: F.max_pool2d(x, k, s or None, p, d, c), exact=True)
op3('F.embedding:half', nnc.emb_gen, lambda i, w, p, mn, nt, s: F.embedding(i, w, p, mn, nt, s), n=6, exact=True)


def interp3_gen():
    a = interp2_gen()
    if a[3][1] in ('bicubic',) and nnc.rng.random() < 0.5:
        pass
    return a


op3('F.interpolate:half', interp3_gen, lambda x, s, sf, m, ac, r: F.interpolate(x, s, sf, m, ac, r), n=16)


def pad3_gen():
    shape = [p2(1, 2), p2(1, 2), p2(2, 3), p2(2, 3)]
    mode = p2('constant', 'reflect', 'replicate', 'circular')
    pads = [p2(0, 1) for _ in range(4)]
    if mode != 'constant':
        return [T2('float64', shape), ('il', pads), ('s', mode)]
    return [T2('float64', shape), ('il', pads), ('s', mode), ('D', p2(0.0, 1.5, -2.25))]


op3('F.pad:half', pad3_gen, lambda x, p, m, v=None: F.pad(x, p, m, v), n=8, exact=True)


def pair3_gen():
    shape = p2([4], [2, 3], [2, 2, 2])
    return [T2('float64', shape), T2('float64', shape), ('s', p2(*RED))]


def reduce_half(elementwise):
    """2.x's loss: an elementwise kernel (rounded to the type), then the reduction of the rounded values."""
    def f(x, t, r):
        e = elementwise(x.float(), t.float()).to(x.dtype)
        if r == 'none':
            return e
        return (e.float().sum() if r == 'sum' else e.float().mean()).to(x.dtype)
    return f


op2('F.mseLoss:half', half_gen(pair3_gen), reduce_half(lambda a, b: (a - b) ** 2), n=8, diff=False)
op2('F.l1Loss:half', half_gen(pair3_gen), reduce_half(lambda a, b: (a - b).abs()), n=8, diff=False)


def normalize3_gen():
    shape = p2([2, 3], [3], [2, 2, 2])
    return [T2('float64', shape), ('D', p2(2.0, 1.0, 3.0)), ('i', p2(-1, 0)), ('D', p2(1e-12, 0.5))]


def normalize_half(x, p, d, eps):
    # 2.x's normalize: the norm (one kernel, rounded), clamp_min(eps) and expand_as, then the division (rounded)
    n = x.float().norm(p, d, keepdim=True).to(x.dtype)
    n = n.float().clamp_min(eps).to(x.dtype)
    return (x.float() / n.float()).to(x.dtype)


op2('F.normalize:half', half_gen(normalize3_gen), normalize_half, n=8, diff=False)


def ln_mixed_gen():
    """layer_norm with parameters of another type than the input: 2.x's mixed type (a float16/bfloat16 input with
    float32 parameters) and its refusals."""
    k = p2(1, 2)
    norm = [p2(1, 2, 3) for _ in range(k)]
    shape = [p2(1, 2) for _ in range(p2(0, 1, 2))] + norm
    xdt = p2('float16', 'bfloat16', 'float16', 'bfloat16', 'float32', 'float64')
    args = [T2('float64', shape)]
    args[0][1].dtype = xdt
    for _ in range(2):
        pdt = p2('float32', 'float32', 'float32', None, xdt, 'float64', 'float16')
        if pdt is None:
            args.append(('N', None))
        else:
            t = T2('float64', norm)
            t[1].dtype = pdt
            args.append(t)
    return [args[0], ('il', norm), args[1], args[2], ('D', p2(1e-5, 0.1))]


def ln_mixed(x, ns, w, b, e):
    params = [p for p in (w, b) if p is not None]
    half = x.dtype in (torch.float16, torch.bfloat16)
    if any(p.dtype != x.dtype for p in params):
        # 2.x's check_mixed_data_type: the parameters first, then the input
        if any(p.dtype != torch.float32 for p in params):
            raise RuntimeError("mixed dtype (CPU): expect parameter to have scalar type of Float")
        if not half:
            raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")
    if half:
        # computed in float32 with the parameters' values, rounded once to the input's type
        return F.layer_norm(x.float(), ns, None if w is None else w.float(), None if b is None else b.float(),
                            e).to(x.dtype)
    return F.layer_norm(x, ns, w, b, e)


op2('F.layerNorm:mixed', ln_mixed_gen, ln_mixed, n=16, diff=False)


def gn_mixed_gen():
    g = p2(1, 2)
    c = g * p2(1, 2)
    xdt = p2('float16', 'bfloat16', 'float16', 'bfloat16', 'float32', 'float64')
    x = T2('float64', [p2(1, 2), c] + [p2(1, 2, 3) for _ in range(p2(0, 1, 2))])
    x[1].dtype = xdt
    ps = []
    for _ in range(2):
        pdt = p2('float32', 'float32', 'float32', None, xdt, 'float64')
        if pdt is None:
            ps.append(('N', None))
        else:
            t = T2('float64', [c])
            t[1].dtype = pdt
            ps.append(t)
    return [x, ('i', g), ps[0], ps[1], ('D', p2(1e-5, 0.1))]


def gn_mixed(x, g, w, b, e):
    # F.group_norm's own batch-size check comes before torch.group_norm's type checks
    F._verify_batch_size([x.size(0) * x.size(1) // g, g] + list(x.size()[2:]))
    params = [p for p in (w, b) if p is not None]
    half = x.dtype in (torch.float16, torch.bfloat16)
    if any(p.dtype != x.dtype for p in params):
        if any(p.dtype != torch.float32 for p in params):
            raise RuntimeError("mixed dtype (CPU): expect parameter to have scalar type of Float")
        if not half:
            raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")
    if half:
        return F.group_norm(x.float(), g, None if w is None else w.float(), None if b is None else b.float(),
                            e).to(x.dtype)
    return F.group_norm(x, g, w, b, e)


op2('F.groupNorm:mixed', gn_mixed_gen, gn_mixed, n=12, diff=False)


def bn_mixed_gen():
    """batch_norm of a float16/bfloat16 input with float32 parameters and running statistics (2.x's mixed type)."""
    a = nnc.bn_gen()
    a[0][1].dtype = p2(*HALVES)
    for i in (1, 2, 3, 4):
        if a[i][0] == 'T':
            a[i][1].dtype = 'float32'
    return a


def bn_mixed(x, rm, rv, w, b, tr, m, e):
    # the batch statistics, the update of the float32 running statistics and the normalization in float32, the output
    # rounded once
    return F.batch_norm(x.float(), rm, rv, nnc.contig(w), nnc.contig(b), tr, m, e).to(x.dtype)


op2('F.batchNorm:mixed', bn_mixed_gen, bn_mixed, n=12, diff=False)


def X(dt, shape, vals, frozen=False):
    """A contiguous tensor argument of the given values."""
    t = mc.TArg(dt, shape, view=False)
    t.vals = list(vals)
    t.frozen = frozen
    return ('T', t)


def pinned2():
    """What section 2's draws (seeds 24-28 at FUZZ_SCALE 3) found, pinned before its draw: (name, args)."""
    N_ = ('N', None)
    return [
        # nearest with a scale factor whose output size equals the input's (or doubles it): the channels-last forward
        # kernel (a one-channel input is channels-last contiguous) and every backward take nearest_idx's shortcuts
        # (out == in: the index itself; out == 2 in: i >> 1); the generic forward floor(i / scale) (Ember took
        # floor(i / scale) everywhere: x[0], x[0] along W here, and that gradient)
        ('F.interpolate:r4', [X('float64', [1, 1, 4, 2], [0.25, 3.0, -0.25, -1.0, -2.0, 1.0, 2.0, 0.0]), N_,
                              ('dl', [3.0, 1.3]), ('s', 'nearest'), N_, N_]),
        # the generic forward gives x[0], x[0]; the backward passes the gradient through as is
        ('F.interpolate:r4', [X('float64', [1, 1, 2], [1.0, 2.0]), N_, ('dl', [1.3]), ('s', 'nearest'), N_, N_]),
        ('F.interpolate:r4', [X('float64', [1, 2, 3, 2], [0.5, -1.0, 2.0, 0.25, -0.75, 1.5, 3.0, -2.0, 1.0, 0.0, -0.5,
                                                          2.5]), N_, ('dl', [1.2, 2.3]), ('s', 'nearest'), N_, N_]),
        ('F.interpolate:r4', [X('float64', [1, 1, 2, 3, 2], [0.5 * k - 3.0 for k in range(12)]), N_,
                              ('dl', [1.0, 2.2, 1.4]), ('s', 'nearest'), N_, N_]),
        ('F.interpolate:r4', [X('float32', [1, 1, 2, 3], [0.5, -1.0, 2.0, 0.25, -0.75, 1.5]), N_, ('dl', [2.4, 1.2]),
                              ('s', 'nearest'), N_, N_]),
        # linear and trilinear where a scale factor keeps the size: compute_source_index_and_lambda copies (index
        # itself, weights 1 and 0) whatever the scale (Ember interpolated with 1 / 1.3: 3.0, 0.548, 0.413)
        ('F.interpolate:r4', [X('float32', [1, 2, 3], [3.0, -0.75, 2.0, -0.5, 0.75, -1.5]), N_, ('dl', [1.3]),
                              ('s', 'linear'), ('b', False), N_]),
        ('F.interpolate:r4', [X('float64', [1, 1, 3], [3.0, -0.75, 2.0]), N_, ('dl', [1.2]), ('s', 'linear'),
                              ('b', False), ('b', False)]),
        ('F.interpolate:r4', [X('float64', [1, 1, 2, 2, 2], [0.5, -0.5, 1.5, 2.0, -1.0, 0.25, 3.0, -2.0]), N_,
                              ('dl', [2.0, 2.5, 1.3]), ('s', 'trilinear'), ('b', False), ('b', False)]),
        # max_unpool with an empty output (output size 0 along a dimension): 2.x runs no kernel and checks no index,
        # returning the empty output (Ember refused the indices: "Found an invalid max index: 0 (... 0x1)")
        ('F.maxUnpool1d', [X('float32', [1, 1, 1], [-0.25]), X('int64', [1, 1, 1], [0], frozen=True), ('i', 2),
                           ('i', 3), ('i', 1), N_]),
        ('F.maxUnpool2d', [X('float32', [1, 1, 2, 1], [1.0, 2.0]), X('int64', [1, 1, 2, 1], [0, 3], frozen=True),
                           ('il', [2, 2]), ('il', [2, 2]), ('il', [0, 1]), N_]),
        ('F.maxUnpool3d', [X('float32', [1, 1, 1, 1, 1], [1.5]), X('int64', [1, 1, 1, 1, 1], [5], frozen=True),
                           ('il', [2, 2, 2]), ('il', [2, 2, 2]), ('il', [0, 0, 1]), N_]),
        # nearest and nearest-exact of float16/bfloat16: 2.x's CPU kernels take them (Ember refused with 1.13's
        # "compute_indices_weights_nearest" not implemented for 'Half')
        ('F.interpolate:half', [X('float16', [1, 2, 3], [0.5, -1.0, 2.0, 0.25, -0.75, 1.5]), N_, ('dl', [1.7]),
                                ('s', 'nearest'), N_, N_]),
        ('F.interpolate:half', [X('bfloat16', [1, 1, 2, 3], [0.5, -1.0, 2.0, 0.25, -0.75, 1.5]), ('il', [3, 5]), N_,
                                ('s', 'nearest-exact'), N_, N_]),
        # 2.x's mixed-type layer_norm: a bfloat16/float16 input with float32 weight and bias, computed in float32 and
        # rounded once (Ember refused with 1.13's "expected scalar type BFloat16 but found Float"), and 2.x's
        # "mixed dtype (CPU)" refusals (1.13's "expected scalar type Float but found Double")
        ('F.layerNorm:mixed', [X('bfloat16', [2, 3], [0.5, -1.0, 2.0, 0.25, -0.75, 1.5]), ('il', [3]),
                               X('float32', [3], [0.3, -1.7, 2.2]), X('float32', [3], [0.1, 0.2, -0.3]), ('D', 1e-5)]),
        ('F.layerNorm:mixed', [X('float16', [2, 3], [0.5, -1.0, 2.0, 0.25, -0.75, 1.5]), ('il', [3]),
                               X('float32', [3], [0.3, -1.7, 2.2]), N_, ('D', 1e-5)]),
        ('F.layerNorm:mixed', [X('float32', [2, 3], [0.5, -1.0, 2.0, 0.25, -0.75, 1.5]), ('il', [3]),
                               X('float64', [3], [0.3, -1.7, 2.2]), N_, ('D', 1e-5)]),
        ('F.layerNorm:mixed', [X('float64', [2, 3], [0.5, -1.0, 2.0, 0.25, -0.75, 1.5]), ('il', [3]),
                               X('float32', [3], [0.3, -1.7, 2.2]), N_, ('D', 1e-5)]),
        # batch_norm of a bfloat16/float16 input with float32 running statistics: 2.x keeps the batch mean and variance
        # in float32 for the update (Ember rounded them to the input's type first: running_mean -0.16113 for -0.16081)
        ('F.batchNorm:mixed', [X('bfloat16', [3, 2], [0.53, -1.17, 2.21, 0.27, -0.77, 1.49]),
                               X('float32', [2], [-0.12, 0.59], frozen=True),
                               X('float32', [2], [1.46, 1.06], frozen=True), X('float32', [2], [0.36, -0.39]),
                               X('float32', [2], [-0.24, -0.76]), ('b', True), ('D', 0.1), ('D', 1e-5)]),
        ('F.batchNorm:mixed', [X('float16', [2, 3, 2], [0.53, -1.17, 2.21, 0.27, -0.77, 1.49, 0.3, 0.7, -1.3, 2.9,
                                                        0.11, -0.6]),
                               X('float32', [3], [-0.12, 0.59, 0.3], frozen=True),
                               X('float32', [3], [1.46, 1.06, 0.7], frozen=True), N_, N_, ('b', True), ('D', 0.5),
                               ('D', 1e-5)]),
        # the same for group_norm (Ember: "expected scalar type Half but found Float")
        ('F.groupNorm:mixed', [X('float16', [1, 4, 2], [0.5, -1.0, 2.0, 0.25, -0.75, 1.5, 3.0, -2.0]), ('i', 2),
                               X('float32', [4], [0.3, -1.7, 2.2, 0.9]), X('float32', [4], [0.1, 0.2, -0.3, 0.0]),
                               ('D', 1e-5)]),
        ('F.groupNorm:mixed', [X('float32', [1, 4, 2], [0.5, -1.0, 2.0, 0.25, -0.75, 1.5, 3.0, -2.0]), ('i', 2),
                               X('float64', [4], [0.3, -1.7, 2.2, 0.9]), N_, ('D', 1e-5)]),
    ]


def section2(out):
    """Section 2's cases, numbered on from section 1's, through round 2's runner: the pinned ones, then the draw."""
    nnc.rng = random.Random(SEED + 1000)
    mc.rng = nnc.rng
    lines_out = []
    cid = 0
    todo = [(name, None) for name in pinned2()] + [(name, n) for name, n in SEC2.items()]
    for name, n in todo:
        if n is None:
            name, args = name
            lines = nnc.run(name, args)
            cid += 1
            lines_out.append('=== r4f-%d %s' % (cid, name))
            lines_out += [nnc.arg_line(i, tag, v) for i, (tag, v) in enumerate(args)] + lines
            continue
        n = max(1, int(n * SCALE))
        made = tries = 0
        while made < n and tries < 20 * n:
            tries += 1
            args = nnc.OPS[name][0]()
            if args is None or any(tag == 'T' and mc.numel(v.base_shape) > 120 for tag, v in args):
                continue
            if os.environ.get("FUZZ_TRACE"):
                print(name, [nnc.arg_line(i, t, v)[:200] for i, (t, v) in enumerate(args)], file=sys.stderr, flush=True)
            lines = nnc.run(name, args)
            if lines is None or nnc.excluded(name, args, lines):
                continue
            if name in EXACT3 and not any(l.startswith('error') for l in lines):
                lines.append('exact')
            if name == 'F.embeddingBag' and args[3][0] != 'N' and not any(l.startswith('error') for l in lines):
                # the weight after the call: max_norm renormalized the rows the input names in place
                lines.append('after1 ' + mc.fmt_tensor(args[1][1].base))
            made += 1
            cid += 1
            lines_out.append('=== r4f-%d %s' % (cid, name))
            for i, (tag, v) in enumerate(args):
                lines_out.append(nnc.arg_line(i, tag, v))
            lines_out.extend(lines)
    out.write('\n'.join(lines_out) + '\n')


def pinned():
    """What the seeded hunts found, pinned before the draw."""
    return []


def main():
    out = sys.stdout
    n = 0
    cases = pinned()
    for fam, count in FAMILIES:
        for _ in range(int(count * SCALE)):
            cases.append(fam())
    for c in cases:
        n += 1
        lines = run(c)
        out.write('=== r4-%d %s\n' % (n, c.name))
        out.write('\n'.join(lines) + '\n')
    section2(out)


if __name__ == '__main__':
    main()
