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
#     average_attn_weights True or False;
#   - TransformerEncoderLayer and TransformerDecoderLayer: norm_first, relu or gelu, batch_first, dropout 0 in train mode
#     or eval mode, the masks of each attention.
#   run: cd engine-cpu/src/test/resources/fuzz && /usr/bin/python3 make_r4_cases.py > r4_cases.txt   (PyTorch 1.13, CPU)
#   (seed 24; FUZZ_SEED and FUZZ_SCALE draw another or a larger set for a local hunt; what the hunts found is pinned
#   first, whatever the draw: pinned())
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
#   gradouts <k> ...         the outputs whose sum(out_k * w) are added into the loss of the gradients
#   grad<i> / pgrad:<name>   the gradients of that loss with respect to input i's base / a parameter (float64 only)
#
# 1.13 vs 2.x (Ember follows 2.x), and what is left out:
# - LayerNorm's bias= and RMSNorm are 2.x-only: LayerNorm(bias=False) is computed as 1.13's affine LayerNorm with the
#   bias fixed at zero (no bias parameter), RMSNorm from 2.x's definition (x * rsqrt(mean(x^2) + eps) * weight, eps None
#   the dtype's machine epsilon), marked.
# - TransformerEncoderLayer/DecoderLayer's bias= and the is_causal arguments are 2.x-only: bias True, is_causal False.
# - rows of attention with every key masked (NaN in 1.13's softmax; 2.x's fused CPU kernels give zeros): every query
#   keeps at least one key unmasked.
# - dropout is 0 (no randomness); the eval-mode fast paths of 1.13 run only without grad, which these cases never are.
import copy
import math
import os
import random
import sys

import torch
import torch.nn as nn

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
    def __init__(self, name, ctor, dtype, mode, module, args, fwd, note=None, skip_params=(), tol=None):
        self.name, self.ctor, self.dtype, self.mode = name, ctor, dtype, mode
        self.module, self.args, self.fwd, self.note = module, args, fwd, note
        self.skip_params = skip_params
        self.tol = tol


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
    if c.dtype == 'float32':
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
    # a key that is masked by both might leave a row empty: keep key 0 unmasked in a bool padding mask's rows when an
    # attention mask is given too
    if kpm is not None and am is not None:
        vals = kpm.base_vals  # rebuild: no masking in kpm, to keep rows non-empty
        kpm = Inp(mdt, kpm.shape, vals=[0.0 if mdt == 'bool' else pick(0.0, 0.5) for _ in range(mc.numel(kpm.shape))],
                  frozen=True)
    need = rng.random() < 0.7
    avg = rng.random() < 0.5
    args = [('T', q), ('T', k), ('T', v), ('T', kpm) if kpm is not None else ('N', None), ('b', need),
            ('T', am) if am is not None else ('N', None), ('b', avg), ('b', False)]

    def fwd(m, a):
        it = iter(a)
        qq, kk, vv = next(it), next(it), next(it)
        kp = next(it) if kpm is not None else None
        mm = next(it) if am is not None else None
        if kp is not None and mm is not None and mdt != 'bool':
            # 2.x adds a float padding mask to a float attention mask (1.13's masked_fill refuses a float mask)
            if batched:
                kp3 = kp.reshape(N, 1, 1, S).expand(N, H, 1, S).reshape(N * H, 1, S)
                mm = mm + kp3
            else:
                mm = mm + kp
            kp = None
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


FAMILIES = [(bn_case, 60), (in_case, 40), (gn_case, 25), (ln_case, 25), (rms_case, 15), (rnn_case, 80),
            (mha_case, 60), (enc_case, 35)]


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


if __name__ == '__main__':
    main()
