#!/usr/bin/python3
"""Expected values for AutocastTest (Ember.autocast), from PyTorch (/usr/bin/python3, torch 1.13, CPU only).

Run: cd engine-cpu/src/test/resources/autocast && /usr/bin/python3 make_expected.py  (writes expected.txt)

Cases: `=== key` then `value <python repr>`: a dtype name, or a flat list of float values (float32 or bfloat16 values,
written exactly as Python floats).

The op lists are PyTorch 2.x's (aten/src/ATen/autocast_mode.cpp and autocast_mode.h, pytorch/pytorch main, 2024-2025:
AutocastCPU's KERNEL_CPU registrations; AutocastCUDA's AT_FORALL_LOWER_PRECISION_FP, AT_FORALL_FP32,
AT_FORALL_FP32_SET_OPT_DTYPE, norm's fp32_append_dtype and AT_FORALL_PROMOTE; binary_cross_entropy banned on CUDA).
Where torch 1.13's CPU autocast gives another dtype, this script writes 2.x's and says why:
  * conv_transpose2d: 2.x registers `conv_transpose2d.input` for AutocastCPU (lower precision); 1.13 returns float32.
  * scaled_dot_product_attention does not exist in 1.13 (2.0 added it, lower precision on both lists): its expected
    output is the math attention computed in float32 from bfloat16-rounded q, k, v and rounded once to bfloat16, as
    2.x's CPU flash-attention kernel (float accumulation, bfloat16 output) computes it.
CUDA's list cannot run here (no CUDA in this torch): `cuda.dtype.*` are written from 2.x's CUDA lists (below, CUDA_LIST)
for float32 inputs under autocast("cuda") float16; Ember checks them on its fake CUDA device.
"""
import torch
import torch.nn.functional as F

torch.manual_seed(18)
out = []


def case(key, value):
    out.append('=== ' + key)
    out.append('value ' + value)


def floats(t):
    return repr([float(v) for v in t.detach().float().reshape(-1).tolist()])


def dt(t):
    return str(t.dtype)


# ---- output dtypes under CPU bfloat16 autocast, float32 inputs (the Java test builds the same calls)
x = torch.randn(4, 4)
y = torch.randn(4, 4)
b3 = torch.randn(2, 4, 4)
v = torch.randn(4)
img = torch.randn(1, 2, 5, 5)
w = torch.randn(3, 2, 3, 3)
s1 = torch.randn(1, 2, 6)
w1 = torch.randn(3, 2, 3)
wt = torch.randn(2, 3, 3, 3)
tgt = torch.tensor([0, 1, 2, 3])
xb = x.bfloat16()
inp = torch.randn(2, 4)
hx = torch.randn(2, 3)
wih3, whh3, bb3 = torch.randn(9, 4), torch.randn(9, 3), torch.randn(9)
wih4, whh4, bb4 = torch.randn(12, 4), torch.randn(12, 3), torch.randn(12)
OPS = {
    'mm': lambda: torch.mm(x, y),
    'bmm': lambda: torch.bmm(b3, b3),
    'matmul': lambda: x @ y,
    'linear': lambda: F.linear(x, y, v),
    'addmm': lambda: torch.addmm(v, x, y),
    'addbmm': lambda: torch.addbmm(x, b3, b3),
    'baddbmm': lambda: torch.baddbmm(b3, b3, b3),
    'mv': lambda: torch.mv(x, v),
    'dot': lambda: torch.dot(v, v),
    'einsum': lambda: torch.einsum('ij,jk->ik', x, y),
    'conv2d': lambda: F.conv2d(img, w),
    'conv1d': lambda: F.conv1d(s1, w1),
    'softmax': lambda: x.softmax(1),
    'log_softmax': lambda: x.log_softmax(1),
    'softmax_bf16': lambda: xb.softmax(1),
    'exp': lambda: x.exp(),
    'exp_bf16': lambda: xb.exp(),
    'pow': lambda: x.pow(2),
    'sum': lambda: x.sum(),
    'sum_bf16': lambda: xb.sum(),
    'prod': lambda: x.prod(),
    'prod_bf16': lambda: xb.prod(),
    'cumsum_bf16': lambda: xb.cumsum(0),
    'norm_bf16': lambda: xb.norm(),
    'logsumexp_bf16': lambda: xb.logsumexp(1),
    'layer_norm_bf16': lambda: F.layer_norm(xb, [4]),
    'mse_bf16': lambda: F.mse_loss(xb, y),
    'l1_bf16': lambda: F.l1_loss(xb, y),
    'smooth_l1_bf16': lambda: F.smooth_l1_loss(xb, y),
    'huber_bf16': lambda: F.huber_loss(xb, y),
    'cross_entropy_bf16': lambda: F.cross_entropy(xb, tgt),
    'nll_bf16': lambda: F.nll_loss(xb, tgt),
    'bce_logits_bf16': lambda: F.binary_cross_entropy_with_logits(xb, y.sigmoid()),
    'bce_bf16': lambda: F.binary_cross_entropy(xb.sigmoid(), y.sigmoid()),
    'trace_bf16': lambda: xb.trace(),
    'kl_bf16': lambda: F.kl_div(xb, y.softmax(1), reduction='batchmean'),
    'margin_ranking_bf16': lambda: F.margin_ranking_loss(xb[0], y[0], torch.ones(4)),
    'cosine_embedding_bf16': lambda: F.cosine_embedding_loss(xb, y, torch.ones(4)),
    'softplus_bf16': lambda: F.softplus(xb),
    'reflection_pad2d_bf16': lambda: F.pad(img.bfloat16(), (1, 1, 1, 1), mode='reflect'),
    'reflection_pad1d_bf16': lambda: F.pad(s1.bfloat16(), (1, 1), mode='reflect'),
    'replication_pad2d_bf16': lambda: F.pad(img.bfloat16(), (1, 1, 1, 1), mode='replicate'),
    'circular_pad_bf16': lambda: F.pad(img.bfloat16(), (1, 1, 1, 1), mode='circular'),
    'cat_mixed': lambda: torch.cat([x, xb]),
    'cat_bf16': lambda: torch.cat([xb, xb]),
    'stack_mixed': lambda: torch.stack([xb, x]),
    'index_copy_mixed': lambda: xb.index_copy(0, torch.tensor([0]), x[:1]),
    'atan2_mixed': lambda: torch.atan2(xb, y),
    'tensordot': lambda: torch.tensordot(x, y, dims=([1], [0])),
    'addmv': lambda: torch.addmv(v, x, v),
    'gru_cell': lambda: torch.gru_cell(inp, hx, wih3, whh3, bb3, bb3),
    'lstm_cell': lambda: torch.lstm_cell(inp, (hx, hx), wih4, whh4, bb4, bb4)[0],
    'mm_f64': lambda: torch.mm(x.double(), y.double()),
    'mm_int': lambda: torch.mm(tgt.reshape(2, 2), tgt.reshape(2, 2)),
}
for k, f in OPS.items():
    with torch.autocast('cpu', dtype=torch.bfloat16):
        r = f()
    case('cpu.dtype.' + k, dt(r))
case('cpu.dtype.conv_transpose2d', 'torch.bfloat16')  # 2.x (1.13: float32), see above
case('cpu.dtype.scaled_dot_product_attention', 'torch.bfloat16')  # 2.x (1.13 has no sdpa)

# ---- CUDA's list (2.x), float32 inputs under autocast("cuda") float16 (mixed: one float16 input)
CUDA_LIST = {
    'mm': 'torch.float16', 'bmm': 'torch.float16', 'matmul': 'torch.float16', 'linear': 'torch.float16',
    'addmm': 'torch.float16', 'addbmm': 'torch.float16', 'baddbmm': 'torch.float16', 'mv': 'torch.float16',
    'einsum': 'torch.float16', 'conv2d': 'torch.float16', 'conv1d': 'torch.float16',
    'conv_transpose2d': 'torch.float16', 'scaled_dot_product_attention': 'torch.float16',
    'dot': 'torch.float32',  # promote: two float32 inputs stay float32
    'tensordot': 'torch.float32',  # promote, and its mm runs with autocast off inside: float32
    'addmv': 'torch.float16', 'gru_cell': 'torch.float16', 'lstm_cell': 'torch.float16',
    'dot_f16': 'torch.float16',  # promote: two float16 inputs stay float16
    'softmax_f16': 'torch.float32', 'log_softmax_f16': 'torch.float32', 'exp_f16': 'torch.float32',
    'pow_f16': 'torch.float32', 'sum_f16': 'torch.float32', 'prod_f16': 'torch.float32',
    'cumsum_f16': 'torch.float32', 'norm_f16': 'torch.float32', 'logsumexp_f16': 'torch.float32',
    'layer_norm_f16': 'torch.float32', 'group_norm_f16': 'torch.float32', 'mse_f16': 'torch.float32',
    'l1_f16': 'torch.float32', 'cross_entropy_f16': 'torch.float32', 'nll_f16': 'torch.float32',
    'bce_logits_f16': 'torch.float32', 'kl_f16': 'torch.float32', 'margin_ranking_f16': 'torch.float32',
    'cosine_embedding_f16': 'torch.float32', 'softplus_f16': 'torch.float32',
    'reflection_pad2d_f16': 'torch.float16',  # the pads are on the CPU's fp32 list only
    # trace is not on CUDA's list, but trace_cuda is `self.diagonal().sum()` (aten/src/ATen/native/cuda/
    # TriangularOps.cu), a call through the dispatcher whose sum is autocast (fp32_set_opt_dtype): float32. Inferred
    # from the source (no CUDA here); Ember's trace is the same composition.
    'trace_f16': 'torch.float32',
    'mean_f16': 'torch.float16',  # mean is on neither list
    'cat_mixed': 'torch.float32', 'cat_f16': 'torch.float16',  # not listed on CUDA: ordinary promotion
    'atan2_mixed': 'torch.float32', 'index_put_mixed': 'torch.float32',
}
for k, d in CUDA_LIST.items():
    case('cuda.dtype.' + k, d)

# ---- an MLP's forward and backward under CPU bfloat16 autocast
torch.manual_seed(1)
xin = torch.randn(6, 8)
lin1 = torch.nn.Linear(8, 16)
lin2 = torch.nn.Linear(16, 4)
tg = torch.tensor([0, 3, 1, 2, 2, 1])
for name, t in [('x', xin), ('w1', lin1.weight), ('b1', lin1.bias), ('w2', lin2.weight), ('b2', lin2.bias)]:
    case('mlp.in.' + name, floats(t))
with torch.autocast('cpu', dtype=torch.bfloat16):
    h = torch.relu(lin1(xin))
    logits = lin2(h)
    loss = F.cross_entropy(logits, tg)
loss.backward()
case('mlp.logits', floats(logits))
case('mlp.logits.dtype', dt(logits))
case('mlp.loss', floats(loss))
case('mlp.loss.dtype', dt(loss))
for name, p in [('w1', lin1.weight), ('b1', lin1.bias), ('w2', lin2.weight), ('b2', lin2.bias)]:
    case('mlp.grad.' + name, floats(p.grad))
    case('mlp.grad.' + name + '.dtype', dt(p.grad))

# ---- a CNN: conv2d, relu, flatten, linear, mse
torch.manual_seed(2)
xc = torch.randn(2, 2, 6, 6)
conv = torch.nn.Conv2d(2, 3, 3)
fc = torch.nn.Linear(3 * 4 * 4, 5)
yc = torch.randn(2, 5)
for name, t in [('x', xc), ('cw', conv.weight), ('cb', conv.bias), ('fw', fc.weight), ('fb', fc.bias), ('y', yc)]:
    case('cnn.in.' + name, floats(t))
with torch.autocast('cpu', dtype=torch.bfloat16):
    c = torch.relu(conv(xc))
    o = fc(c.flatten(1))
    loss = F.mse_loss(o, yc)
loss.backward()
case('cnn.conv.dtype', dt(c))
case('cnn.out', floats(o))
case('cnn.loss', floats(loss))
case('cnn.loss.dtype', dt(loss))
for name, p in [('cw', conv.weight), ('cb', conv.bias), ('fw', fc.weight), ('fb', fc.bias)]:
    case('cnn.grad.' + name, floats(p.grad))

# ---- attention (2.x semantics, see the docstring): q, k, v [2, 3, 4]
torch.manual_seed(3)
q = torch.randn(2, 3, 4)
k = torch.randn(2, 3, 4)
vv = torch.randn(2, 3, 4)
for name, t in [('q', q), ('k', k), ('v', vv)]:
    case('attn.in.' + name, floats(t))
qb, kb, vb = (t.bfloat16().double().requires_grad_() for t in (q, k, vv))
att = torch.softmax(qb @ kb.transpose(-1, -2) / 2.0, -1) @ vb
case('attn.out', floats(att.bfloat16()))
att.sum().backward()
for name, t in [('q', qb), ('k', kb), ('v', vb)]:
    case('attn.grad.' + name, floats(t.grad))

with open('expected.txt', 'w') as f:
    f.write('\n'.join(out) + '\n')
