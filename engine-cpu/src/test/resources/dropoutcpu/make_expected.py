# Expected values for DropoutCpuScaleTest: F.dropout in training on the CPU, PyTorch's own values (PyTorch 1.13, CPU).
#
# PyTorch 2.x's F.dropout on the CPU is _dropout_impl (aten/src/ATen/native/Dropout.cpp; is_fused_kernel_acceptable
# is true only for CUDA/XPU/lazy/privateuse1 tensors): noise = empty_like(x).bernoulli_(1 - p); noise.div_(1 - p);
# out = x * noise (MulBackward0). The kept elements are therefore multiplied by the noise value 1 / (1 - p) computed
# in x's dtype: float64 1.0 / (1 - p); float32 1f / (float)(1 - p); float16 / bfloat16 the float quotient
# 1f / (float)(1 - p) rounded to the half type (2.x's div_true_kernel for reduced floating types with a scalar divisor
# takes original_scalar_value<float>), then x * noise computed in float and rounded once. 1.13 computes the float32 and
# float64 values itself (F.dropout below); it has no CPU bernoulli_ for float16/bfloat16, which 2.x has, drawing one
# bernoulli_distribution<double> per element for every dtype (cpu/DistributionTemplates.h, bernoulli_scalar_kernel
# default): the half cases take the keep mask of the same seed's float32 bernoulli_ (the same words) and compute 2.x's
# noise and products as above. The 'native' line of each case is native_dropout's value, for contrast: what CUDA's
# fused kernel computes, (x * mask) * (1 / (1 - p)) (for the half types emulated the same way). Ember records PyTorch's native_dropout node on every
# device (NativeDropoutBackward0, a decision of session 22's layers: see layers/make_expected.py), with the CPU's values.
#
# Each case: a seed, a dtype, p, the input's bits, the output's bits and the gradient of (out * g).sum() for a fixed
# g; the mask words are PyTorch's CPU generator's (MT19937), which Ember follows. A NaN of a half type is compared as
# NaN (PyTorch's vectorized float-to-bfloat16 conversion writes 0xFFFF, its scalar one 0x7FC0).
#
# Format, one case per line block:
#   case <dtype> <p as a Python float repr> <seed> <n>
#   x <hex bits ...>
#   g <hex bits ...>
#   out <hex bits ...>
#   grad <hex bits ...>
#   native <hex bits ...>
import torch
import struct

def bits(t):
    if t.dtype == torch.float64:
        return ' '.join('%016x' % struct.unpack('<Q', struct.pack('<d', v))[0] for v in t.tolist())
    if t.dtype == torch.float32:
        return ' '.join('%08x' % struct.unpack('<I', struct.pack('<f', v))[0] for v in t.tolist())
    return ' '.join('%04x' % (v & 0xffff) for v in t.view(torch.int16).tolist())

PS = [0.0014992496, 0.1, 0.2, 0.3, 0.37, 0.5, 0.61, 0.9, 0.999, 1e-7, 0.123456789]
DTYPES = [torch.float32, torch.float64, torch.float16, torch.bfloat16]
N = 97
out = []
seed = 100
for dt in DTYPES:
    for p in PS:
        seed += 1
        gen = torch.Generator().manual_seed(seed * 7)
        x = ((torch.rand(N, generator=gen, dtype=torch.float64) - 0.5) * 8).to(dt)
        x[3] = float('inf'); x[5] = float('nan'); x[7] = -0.0; x[11] = float('-inf')
        g = ((torch.rand(N, generator=gen, dtype=torch.float64) - 0.5) * 4).to(dt)
        torch.manual_seed(seed)
        m = torch.empty(N).bernoulli_(1 - p)
        if dt in (torch.float32, torch.float64):
            leaf = x.clone().requires_grad_(True)
            torch.manual_seed(seed)
            y = torch.nn.functional.dropout(leaf, p, True)
            assert type(y.grad_fn).__name__ == 'MulBackward0'
            (y * g).sum().backward()
            grad = leaf.grad
            sel = x.isfinite() & (x != 0)
            assert torch.equal((y != 0)[sel], (m != 0)[sel])  # the same words give F.dropout's mask
            torch.manual_seed(seed)
            nat = torch.native_dropout(x, p, True)[0]
        else:
            noise = (m / (1 - p)).to(dt)
            y = (x.float() * noise.float()).to(dt)
            grad = (g.float() * noise.float()).to(dt)
            nat = ((x * m.to(dt)).float() * float(1 / (1 - p))).to(dt)
        out.append('case %s %r %d %d' % (str(dt).replace('torch.', ''), p, seed, N))
        out.append('x ' + bits(x))
        out.append('g ' + bits(g))
        out.append('out ' + bits(y.detach()))
        out.append('grad ' + bits(grad))
        out.append('native ' + bits(nat))
open('expected.txt', 'w').write('\n'.join(out) + '\n')
diff = 0
lines = out
for i in range(0, len(lines), 6):
    if lines[i + 3][4:] != lines[i + 5][7:]:
        diff += 1
print('cases', len(lines) // 6, 'where native_dropout differs from F.dropout:', diff)
