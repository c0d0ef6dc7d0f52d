#!/usr/bin/python3
"""Expected values for HalfTypesTest (float16 and bfloat16 on the CPU), from PyTorch (/usr/bin/python3, torch 1.13).

Run: cd engine-cpu/src/test/resources/half && /usr/bin/python3 make_expected.py  (writes expected.txt and half.safetensors)

Every case is one line `value ...` under `=== key`. A tensor is written as
    value <dtype> <shape without spaces> <tolerance in ulps of the result type> <elements>
where the elements of a float16/bfloat16 result are their bits (t.view(torch.int16), unsigned), of a float32 result
the float32 bits, of bool/integer results the values. Inputs are written the same way under `in.<name>.<dtype>` and the
Java test builds them from the bits, so both sides start from the same values.

Where torch 1.13 and PyTorch 2.x differ, this script follows 2.x and says why:
  * 1.13's CPU has no float16 kernel for many ops (exp, tanh, sigmoid, gelu, silu, softmax, log_softmax, mm, bmm,
    conv2d, layer_norm, max/avg pooling, prod, clamp, atan2, cumsum, ...: '"exp_vml_cpu" not implemented for 'Half''),
    which 2.x has (2.1 added float16 to the CPU dispatch of nearly every op). 2.x's kernels load float16 into
    Vectorized<float>, compute in float and round once (at::opmath_type<Half> is float), so for those ops the expected
    float16 result is op(x.float()).half(): the same computation. bfloat16 has the kernels in 1.13 and is run directly.
  * a Python number with a reduced floating tensor: 2.x's mul and div read it in float
    (BinaryOpsKernel.cpp: mul_kernel/div_true_kernel, `iter.original_scalar_value<opmath_t>(2)`), where 1.13 rounded it to
    the tensor's type first; add, sub and comparisons round it to the tensor's type in both (TensorIterator casts a CPU
    scalar to the common dtype). So mul/div by a number are computed here as (x.float() * float32(s)).to(dtype).
  * mean: 2.x's mean_out on the CPU sums float16/bfloat16 in float32, divides and rounds once ("cast_fp32 -> sum -> div
    -> cast_bf16_or_fp16"); 1.13 rounded the sum first. Expected: x.float().mean().to(dtype).
  * float -> bfloat16 of NaN: c10::BFloat16's round_to_nearest_even gives 0x7FC0; 1.13's vectorized conversion gives
    0xFFFF. Both are NaN; the test compares NaN as NaN.
"""
import math
import os
import random
import struct
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from refcases import reference_order, safetensors_entries, write_safetensors  # noqa: E402

torch.manual_seed(18)
random.seed(18)
out = []
TYPES = {'float16': torch.float16, 'bfloat16': torch.bfloat16}


def bits(t):
    t = t.detach().contiguous()
    if t.dtype in (torch.float16, torch.bfloat16):
        return [v & 0xFFFF for v in t.view(torch.int16).reshape(-1).tolist()]
    if t.dtype == torch.float32:
        return [v & 0xFFFFFFFF for v in t.view(torch.int32).reshape(-1).tolist()]
    if t.dtype == torch.float64:
        return [struct.unpack('<Q', struct.pack('<d', v))[0] for v in t.reshape(-1).tolist()]
    if t.dtype == torch.bool:
        return [int(v) for v in t.reshape(-1).tolist()]
    return t.reshape(-1).tolist()


def tensor_line(t, ulps=0):
    dt = str(t.dtype).replace('torch.', '')
    shape = '[' + ','.join(str(s) for s in t.shape) + ']'
    return 'value %s %s %d %s' % (dt, shape, ulps, ' '.join(str(v) for v in bits(t)))


def case(key, line):
    out.append('=== ' + key)
    out.append(line)


# ------------------------------------------------------------------ conversions
# every bit pattern of each type to float32 (exact): a checksum of the float32 bits, in pattern order
for name, dt in TYPES.items():
    pats = torch.arange(-32768, 32768, dtype=torch.int32).to(torch.int16).view(dt)
    f = pats.float()
    h = 0
    for v in bits(f):
        h = (h * 1000003 + v) % (1 << 64)  # Java's long arithmetic, read unsigned
    case('all.' + name + '.to_float32.checksum', 'value %d' % h)
    # back again: every non-NaN pattern is itself (NaN stays NaN)
    back = f.to(dt)
    same = bool(((back.view(torch.int16) == pats.view(torch.int16)) | f.isnan()).all())
    case('all.' + name + '.roundtrip', 'value %s' % same)

# a sweep of float32 values: ties, boundaries, overflow, subnormals, and random bit patterns across the exponents
sweep = [0.0, -0.0, 1.0, -1.0, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 1 + 2 ** -8, 1 + 3 * 2 ** -8, 1 + 2 ** -11 + 2 ** -23,
         65504.0, 65519.0, 65519.99609375, 65520.0, 65536.0, -65520.0, 2 ** -14, 2 ** -24, 2 ** -25, 3 * 2 ** -26,
         2 ** -25 + 2 ** -40, 2 ** -26, 5.96e-8, 1e-8, 3.4028234663852886e38, -3.4028234663852886e38, 3.3895313892515355e38,
         3.3961e38, 1e-38, 1e-40, 1e-45, float('inf'), float('-inf'), float('nan'), 0.1, 1 / 3, 2 / 3, 1e4, 12345.678,
         -0.7, 255.5, 256.5, 257.5, 2049.0, 2051.0, 4097.0]
for _ in range(3000):
    sweep.append(struct.unpack('<f', struct.pack('<I', random.getrandbits(32)))[0])
src = torch.tensor(sweep, dtype=torch.float32)
case('sweep.float32', tensor_line(src))
for name, dt in TYPES.items():
    # the 1-element loop is c10's scalar conversion; the vectorized one agrees except on NaN bits (see above)
    case('sweep.to.' + name, tensor_line(src.to(dt)))
# doubles convert through float32 (c10::Half has only a float constructor): two roundings
dbl = torch.tensor([1 + 2 ** -11 + 2 ** -40, 1 + 2 ** -8 + 2 ** -40, 0.1, 65519.999, 1e300, -1e-300, 2 ** -24 * 0.5000001],
                   dtype=torch.float64)
case('doubles.float64', tensor_line(dbl))
for name, dt in TYPES.items():
    case('doubles.to.' + name, tensor_line(dbl.to(dt)))
# int64 to half: one rounding to float32, then to the type
ints = torch.tensor([0, 1, -1, 2049, 2051, 65504, 65520, 70000, 16777217, 2 ** 40 + 1, -(2 ** 31)], dtype=torch.int64)
case('ints.int64', tensor_line(ints))
for name, dt in TYPES.items():
    case('ints.to.' + name, tensor_line(ints.to(dt)))
# half to every other type (values within int32 range; in-range floats truncate toward zero, uint8 wraps via int)
vals = [0.0, -0.0, 0.5, -0.5, 1.5, -1.5, 2.5, -3.7, 100.25, 127.9, -128.5, 255.5, 300.0, -300.0, 1000.0, 60000.0]
for name, dt in TYPES.items():
    v = torch.tensor(vals).to(dt)
    case('in.vals.' + name, tensor_line(v))
    for tn, tt in [('float32', torch.float32), ('float64', torch.float64), ('int64', torch.int64), ('int32', torch.int32),
                   ('int16', torch.int16), ('uint8', torch.uint8), ('bool', torch.bool), ('float16', torch.float16),
                   ('bfloat16', torch.bfloat16)]:
        if tn == 'uint8':
            # negative floats to uint8 are undefined in C++: 1.13 on x86 goes through int32 (-3.7 -> 253); Ember does
            # the same through int64, so only values whose int32 wrap is the int64 wrap are compared (all of these)
            pass
        if tn == 'int16':
            r = v.to(torch.int32).to(torch.int16)  # 60000 wraps as C's conversion through int does
        else:
            r = v.to(tt)
        case('vals.%s.to.%s' % (name, tn), tensor_line(r))

# ------------------------------------------------------------------ promotion
ALL = [('bool', torch.bool), ('uint8', torch.uint8), ('int8', torch.int8), ('int16', torch.int16), ('int32', torch.int32),
       ('int64', torch.int64), ('float16', torch.float16), ('bfloat16', torch.bfloat16), ('float32', torch.float32),
       ('float64', torch.float64)]
for an, at in ALL:
    for bn, bt in ALL:
        a = torch.ones(2, dtype=at)
        b = torch.ones(2, dtype=bt)
        case('promote.%s.%s' % (an, bn), 'value ' + str(torch.result_type(a, b)).replace('torch.', ''))
        case('promote0.%s.%s' % (an, bn), 'value ' + str(torch.result_type(a, torch.ones((), dtype=bt))).replace('torch.', ''))
    case('promote.%s.pyfloat' % an, 'value ' + str(torch.result_type(torch.ones(2, dtype=at), 2.5)).replace('torch.', ''))
    case('promote.%s.pyint' % an, 'value ' + str(torch.result_type(torch.ones(2, dtype=at), 2)).replace('torch.', ''))

# ------------------------------------------------------------------ printing
def printed(key, t):
    case(key, 'value ' + repr(t).replace('\\', '\\\\').replace('\n', '\\n'))


for name, dt in TYPES.items():
    printed('print.small.' + name, torch.tensor([1.0, 2.5, -3.0]).to(dt))
    printed('print.ints.' + name, torch.tensor([1.0, 2.0, 300.0]).to(dt))
    printed('print.sci.' + name, torch.tensor([1e-5, 1.0, 60000.0]).to(dt))
    printed('print.frac.' + name, (torch.arange(10).reshape(2, 5).float() / 7).to(dt))
    printed('print.special.' + name, torch.tensor([float('nan'), float('inf'), -float('inf'), 0.1]).to(dt))
    printed('print.scalar.' + name, torch.tensor(1.0 / 3).to(dt))
    printed('print.empty.' + name, torch.zeros(0, 2).to(dt))
    printed('print.grad.' + name, torch.tensor([0.5, 1.5]).to(dt).requires_grad_())
    printed('print.long.' + name, torch.linspace(-2, 2, 1200).to(dt))

# ------------------------------------------------------------------ creation
for name, dt in TYPES.items():
    case('create.zeros.' + name, tensor_line(torch.zeros(2, 3, dtype=dt)))
    case('create.ones.' + name, tensor_line(torch.ones(3, dtype=dt)))
    case('create.full.' + name, tensor_line(torch.full((2,), 0.1, dtype=dt)))
    case('create.arange.' + name, tensor_line(torch.arange(0, 2, 0.3, dtype=torch.float64).to(dt)))
    case('create.linspace.' + name, tensor_line(torch.linspace(0, 1, 7, dtype=torch.float64).to(dt)))
    case('create.tensor.' + name, tensor_line(torch.tensor([[0.1, 2.0], [3.3, -4.4]], dtype=dt)))
    case('create.tensorints.' + name, tensor_line(torch.tensor([1, 2049, 70000], dtype=dt)))
    case('item.' + name, 'value ' + repr(torch.tensor(0.1, dtype=dt).item()))
    try:
        torch.full((2,), 3.4e38 if dt == torch.bfloat16 else 65505.0, dtype=dt)
        case('full.overflow.' + name, 'value ok')
    except RuntimeError as e:
        case('full.overflow.' + name, 'error RuntimeError ' + str(e))
    try:
        torch.ones(2, dtype=dt).add(torch.ones(2, dtype=dt), alpha=1e39 if dt == torch.bfloat16 else 1e6)
        case('alpha.overflow.' + name, 'value ok')
    except RuntimeError as e:
        case('alpha.overflow.' + name, 'error RuntimeError ' + str(e))

# ------------------------------------------------------------------ ops
# inputs: x, y (4x5), p positive, xt (the transpose of a 5x4: non-contiguous), b (5,) broadcast, m (4x4), s (signed)
raw = {
    'x': torch.randn(4, 5), 'y': torch.randn(4, 5), 'p': torch.rand(4, 5) * 3 + 0.05, 'xt': torch.randn(5, 4).t(),
    'b': torch.randn(5), 'm': torch.randn(4, 4), 'w': torch.randn(3, 5), 'bias': torch.randn(3),
    'img': torch.randn(2, 3, 6, 6), 'k': torch.randn(4, 3, 3, 3), 'bat': torch.randn(2, 3, 4), 'bat2': torch.randn(2, 4, 3),
    'u': torch.rand(4, 5) * 1.8 - 0.9,
}
ins = {}
for name, dt in TYPES.items():
    for k, v in raw.items():
        t = v.to(dt)
        ins[(k, name)] = t
        case('in.%s.%s' % (k, name), tensor_line(t.contiguous()))


def f32(dt, fn):
    """2.x's float16 kernel (opmath float, one rounding) where 1.13 has none: the same computation in float32."""
    def g(*a):
        return fn(*[t.float() if torch.is_tensor(t) and t.is_floating_point() else t for t in a]).to(dt)
    return g


UNARY = {
    'neg': torch.neg, 'abs': torch.abs, 'exp': torch.exp, 'log': None, 'sqrt': None, 'rsqrt': None, 'sin': torch.sin,
    'cos': torch.cos, 'tanh': torch.tanh, 'sigmoid': torch.sigmoid, 'relu': torch.relu, 'floor': torch.floor,
    'ceil': torch.ceil, 'round': torch.round, 'trunc': torch.trunc, 'reciprocal': torch.reciprocal, 'erf': torch.erf,
    'log1p': torch.log1p, 'expm1': torch.expm1, 'silu': F.silu,
    # 1.13's scalar (strided) gelu path for bfloat16 rounds its intermediate results to bfloat16; 2.x computes in
    # opmath float (GeluKernel.cpp) and rounds once
    'gelu': lambda a: F.gelu(a.float()).to(a.dtype),
}
POSITIVE = {'log': torch.log, 'sqrt': torch.sqrt, 'rsqrt': torch.rsqrt}
# transcendental results may differ from glibc/SLEEF by an ulp of float32, which can move a rounding to half: 1 ulp
EXACT = {'neg', 'abs', 'relu', 'floor', 'ceil', 'round', 'trunc', 'sqrt'}


def run(key, fn, args, name, dt, ulps):
    try:
        r = fn(*args)
    except RuntimeError as e:
        if 'not implemented for' not in str(e):
            raise
        r = f32(dt, fn)(*args)
    if isinstance(r, tuple):
        r = r[0]
    case(key, tensor_line(r, ulps))


for name, dt in TYPES.items():
    x, y, p, xt, b, m, u = (ins[(k, name)] for k in ['x', 'y', 'p', 'xt', 'b', 'm', 'u'])
    for op, fn in UNARY.items():
        if fn is None:
            run('unary.%s.%s' % (op, name), POSITIVE[op], [p], name, dt, 0 if op in EXACT else 1)
        else:
            run('unary.%s.%s' % (op, name), fn, [x], name, dt, 0 if op in EXACT else 1)
            run('unary.%s.t.%s' % (op, name), fn, [xt], name, dt, 0 if op in EXACT else 1)
    binary = {
        'add': (torch.add, [x, y], 0), 'sub': (torch.sub, [x, y], 0), 'mul': (torch.mul, [x, y], 0),
        'div': (torch.div, [x, y], 0), 'maximum': (torch.maximum, [x, y], 0), 'minimum': (torch.minimum, [x, y], 0),
        'pow': (torch.pow, [p, y], 1), 'atan2': (torch.atan2, [x, y], 1), 'remainder': (torch.remainder, [x, y], 0),
        'fmod': (torch.fmod, [x, y], 0), 'add.t': (torch.add, [xt, y], 0), 'mul.bcast': (torch.mul, [x, b], 0),
        'sub.bcast.t': (torch.sub, [b, xt], 0), 
        'div.floor': (lambda a, c: torch.div(a, c, rounding_mode='floor'), [x, y], 0),
        'where': (lambda a, c: torch.where(a > 0, a, c), [x, y], 0), 'clamp': (lambda a: a.clamp(-0.5, 0.5), [x], 0),
        'gt': (torch.gt, [x, y], 0), 'eq': (lambda a, c: torch.eq(a, a.t().t()), [x, y], 0), 'le.bcast': (torch.le, [x, b], 0),
        # add with alpha: alpha converted to the type; 20 elements are under one vector pass (32 on AVX2, 64 on
        # AVX512), so every build takes the scalar path, self + alpha * other in the type's arithmetic (the product
        # rounded first), in 1.13 and 2.x alike (session 42: the fmadd in float is the vector path's only; see
        # halfrules/make_expected.py). Run directly.
        'add.alpha': (lambda a, c: torch.add(a, c, alpha=0.3), [x, y], 0),
        'add.s': (lambda a: a + 0.1, [x], 0), 'sub.s': (lambda a: a - 0.3, [x], 0), 'rsub.s': (lambda a: 0.3 - a, [x], 0),
        'pow.s': (lambda a: a.pow(2), [x], 0), 'pow.s3': (lambda a: a.pow(3.0), [x], 1), 'gt.s': (lambda a: a > 0.1, [x], 0),
        'eq.s': (lambda a: a == 0.1, [x], 0), 'maximum.s': (lambda a: a.clamp(min=0.1), [x], 0),
        # 2.x reads the number in float for mul and div (see the header)
        'mul.s': (lambda a: (a.float() * torch.tensor(0.1, dtype=torch.float32)).to(a.dtype), [x], 0),
        'div.s': (lambda a: (a.float() / torch.tensor(3.0, dtype=torch.float32)).to(a.dtype), [x], 0),
        'mul.int': (lambda a: a * 3, [x], 0),
        'mixed.f32': (lambda a, c: a + c.float(), [x, y], 0), 'mixed.int': (lambda a: a + torch.arange(5), [x], 0),
        'add_': (lambda a, c: a.clone().add_(c), [x, y], 0), 'mul_.s': (lambda a: a.clone().mul_(2.5), [x], 0),
        'addcmul': (lambda a, c: a.clone().addcmul_(c, c, value=0.5), [x, y], 1),
    }
    for op, (fn, args, ulps) in binary.items():
        run('binary.%s.%s' % (op, name), fn, args, name, dt, ulps)
    reductions = {
        'sum': (lambda a: a.sum(), [x], 1), 'sum.dim': (lambda a: a.sum(0), [x], 1), 'sum.t': (lambda a: a.sum(1), [xt], 1),
        'mean': (lambda a: a.float().mean().to(a.dtype), [x], 1), 'mean.dim': (lambda a: a.float().mean(1).to(a.dtype), [x], 1),
        'prod': (lambda a: a.prod(1), [u], 1), 'amax': (lambda a: a.amax(1), [x], 0), 'amin': (lambda a: a.amin(0), [xt], 0),
        'var': (lambda a: a.var(1), [x], 1), 'std': (lambda a: a.std(), [x], 1), 'norm': (lambda a: a.norm(), [x], 1),
        'norm.dim': (lambda a: torch.linalg.vector_norm(a, 3, dim=1), [x], 1),
        'logsumexp': (lambda a: a.logsumexp(1), [x], 1), 'softmax': (lambda a: a.softmax(1), [x], 1),
        'softmax.t': (lambda a: a.softmax(0), [xt], 1),
        # 2.x's log_softmax of reduced types computes in float and rounds once (1.13's bf16 kernel differs by an ulp)
        'log_softmax': (f32(dt, lambda a: a.log_softmax(1)), [x], 1),
        'argmax': (lambda a: a.argmax(1), [x], 0), 'max.dim': (lambda a: a.max(0)[0], [x], 0),
        'cumsum': (lambda a: a.cumsum(1), [x], 1),
    }
    for op, (fn, args, ulps) in reductions.items():
        run('reduce.%s.%s' % (op, name), fn, args, name, dt, ulps)
    img, k, bat, bat2, w, bias = (ins[(kk, name)] for kk in ['img', 'k', 'bat', 'bat2', 'w', 'bias'])
    # GEMM, convolution and layer norm: 2.x accumulates reduced types in float and rounds once (the CPU GEMM of
    # bf16/fp16 in oneDNN/cpublas with opmath accumulation; LayerNormKernelImpl in float): the float32 computation
    # rounded once. 1.13's bfloat16 fallbacks for small matrices and its layer_norm round partial results in bfloat16.
    families = {
        'mm': (f32(dt, lambda a, c: a @ c), [m, x], 1), 'mm.t': (f32(dt, lambda a, c: a.t() @ c), [m, x], 1),
        'bmm': (f32(dt, torch.bmm), [bat, bat2], 1), 'linear': (f32(dt, F.linear), [x, w, bias], 1),
        'conv2d': (f32(dt, lambda a, c: F.conv2d(a, c, padding=1)), [img, k], 1),
        'layer_norm': (f32(dt, lambda a: F.layer_norm(a, (5,))), [x], 1), 'max_pool2d': (lambda a: F.max_pool2d(a, 2), [img], 0),
        'avg_pool2d': (f32(dt, lambda a: F.avg_pool2d(a, 2)), [img], 1), 'gather': (lambda a: a.gather(1, torch.tensor([[0, 4], [1, 1], [2, 0], [3, 3]])), [x], 0),
        'index': (lambda a: a[[2, 0]], [x], 0), 'sort': (lambda a: a.sort(1)[0], [x], 0), 'cat': (lambda a, c: torch.cat([a, c]), [x, y], 0),
    }
    for op, (fn, args, ulps) in families.items():
        run('family.%s.%s' % (op, name), fn, args, name, dt, ulps)
    # gradients of elementwise and reductions in the type (grads keep the type, as PyTorch's)
    gx = x.clone().requires_grad_()
    gy = y.clone().requires_grad_()
    try:
        ((gx * gy).sum() + (gx / 3).sum()).backward()
        case('grad.mul.x.' + name, tensor_line(gx.grad))
        case('grad.mul.y.' + name, tensor_line(gy.grad))
    except RuntimeError:
        raise

# ------------------------------------------------------------------ backward of the families in the type
# 2.x's backward kernels for reduced types (conv, softmax, log_softmax, tanh_backward, gelu_backward, layer_norm) compute
# in float from the reduced tensors they are given (the input, or the forward's rounded output) and round each gradient
# once; 1.13 lacks several for float16 and rounds steps in others. Expected: that computation, in float32 from the same
# reduced values, rounded once (2 ulps for the order of float32 sums).
def emulated(op, a, c):
    dt = a.dtype
    af, cf = a.float(), c.float()
    if op == 'conv2d':
        la, lc = af.requires_grad_(), cf.requires_grad_()
        (F.conv2d(la, lc, padding=1) * 0.5).sum().backward()
        return [la.grad.to(dt), lc.grad.to(dt)]
    if op == 'gelu':
        la = af.requires_grad_()
        F.gelu(la).backward(cf)
        return [la.grad.to(dt), F.gelu(af).to(dt)]
    if op == 'tanh':
        y = af.tanh().to(dt).float()  # tanh_backward reads the rounded output
        return [(cf * (1 - y * y)).to(dt), y.to(dt)]
    if op == 'softmax':
        y = af.softmax(1).to(dt).float()
        return [(y * (cf - (cf * y).sum(1, keepdim=True))).to(dt), y.to(dt)]
    if op == 'log_softmax':
        y = af.log_softmax(1).to(dt).float()
        return [(cf - y.exp() * cf.sum(1, keepdim=True)).to(dt), y.to(dt)]
    if op == 'layer_norm':
        # all-reduced inputs: mean and rstd are kept in the input's type (param_scalar_type without mixed types)
        mean = af.mean(1, keepdim=True).to(dt).float()
        rstd = ((af - af.mean(1, keepdim=True)).pow(2).mean(1, keepdim=True) + 1e-5).rsqrt().to(dt).float()
        w = cf[0]
        xhat = (af - mean) * rstd
        gw = cf * w
        dx = rstd * (gw - gw.mean(1, keepdim=True) - xhat * (gw * xhat).mean(1, keepdim=True))
        return [dx.to(dt), None]
    raise ValueError(op)


for name, dt in TYPES.items():
    img, k, x, y = (ins[(kk, name)] for kk in ['img', 'k', 'x', 'y'])
    for op in ['conv2d', 'layer_norm', 'softmax', 'log_softmax', 'gelu', 'tanh']:
        a, c = (img, k) if op == 'conv2d' else (x, y)
        for i, gr in enumerate(emulated(op, a, c)):
            if gr is not None:
                case('gradf.%s.%d.%s' % (op, i, name), tensor_line(gr, 2))

# ------------------------------------------------------------------ LAPACK-style kernels refuse the reduced types
# (2.x as 1.13 for these: no Half/BFloat16 in their CPU dispatch)
for name, dt in TYPES.items():
    for op, fn in [('cholesky', torch.linalg.cholesky), ('qr', torch.linalg.qr), ('det', torch.linalg.det)]:
        try:
            fn(torch.eye(3).to(dt))
            case('linalg.%s.%s' % (op, name), 'value ok')
        except RuntimeError as e:
            case('linalg.%s.%s' % (op, name), 'error RuntimeError ' + str(e))

# ------------------------------------------------------------------ a small MLP in bfloat16, forward and backward
torch.manual_seed(7)
W1 = torch.randn(16, 8) * 0.3
B1 = torch.randn(16) * 0.1
W2 = torch.randn(4, 16) * 0.3
B2 = torch.randn(4) * 0.1
X = torch.randn(6, 8)
T = torch.tensor([0, 3, 1, 2, 2, 0])
for key, v in [('W1', W1), ('B1', B1), ('W2', W2), ('B2', B2), ('X', X)]:
    case('mlp.in.' + key, tensor_line(v.bfloat16()))
ps = [v.bfloat16().requires_grad_() for v in (W1, B1, W2, B2)]
h = torch.tanh(F.linear(X.bfloat16(), ps[0], ps[1]))
logits = F.linear(h, ps[2], ps[3])
loss = F.cross_entropy(logits, T)
loss.backward()
case('mlp.logits', tensor_line(logits))
case('mlp.loss', tensor_line(loss))
for key, pv in zip(['W1', 'B1', 'W2', 'B2'], ps):
    case('mlp.grad.' + key, tensor_line(pv.grad))
# the float64 reference of the same bfloat16 weights, for the tolerance PyTorch's tests use for bfloat16
ps64 = [v.bfloat16().double().requires_grad_() for v in (W1, B1, W2, B2)]
h64 = torch.tanh(F.linear(X.bfloat16().double(), ps64[0], ps64[1]))
loss64 = F.cross_entropy(F.linear(h64, ps64[2], ps64[3]), T)
loss64.backward()
case('mlp64.loss', tensor_line(loss64))
for key, pv in zip(['W1', 'B1', 'W2', 'B2'], ps64):
    case('mlp64.grad.' + key, tensor_line(pv.grad))

# ------------------------------------------------------------------ a safetensors file as PyTorch's safetensors writes it
# (8-byte little-endian header length, compact JSON padded with spaces to 8 bytes, data ordered by dtype then name:
# BF16 before F16 in the reference writer's descending dtype order)
import json
st_tensors = {'h': torch.tensor([[1.0, -2.5], [65504.0, float('inf')]]).half(),
              'g': torch.tensor([0.1, -3e38, 1e-40]).bfloat16()}
header, blobs = safetensors_entries(st_tensors, reference_order(st_tensors))
write_safetensors('half.safetensors', json.dumps(header, separators=(',', ':')), blobs)
for n, t in st_tensors.items():
    case('st.' + n, tensor_line(t))

with open('expected.txt', 'w') as fh:
    fh.write('\n'.join(out) + '\n')
