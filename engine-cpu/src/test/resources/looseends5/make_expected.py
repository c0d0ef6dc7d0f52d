# Expected values for LooseEnds5Test (session 37).
# Lines "key value": a tensor line (refcases.fmt_tensor), a text (its newlines escaped as \n), an error's first line, or
# a plain value. Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13 CPU; 2.x notes beside the cases)
import os
import sys
import warnings

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from refcases import key_lines  # noqa: E402

warnings.filterwarnings("ignore")
torch.set_num_threads(1)
lines = []
_, tensor, err = key_lines(lines)


# ---- 1. float32/float64 bilinear upsampling bit for bit
# Inputs and output gradients by a rational formula the test repeats: ((k * 7919 + shift) mod 10007) / 10007 - 0.5,
# in double, rounded to the case's type.
# Where these 1.13 results are also PyTorch 2.x's: 2.x computes the source index in the op's type (float for float32;
# 1.13 in double), and its forward runs the separable kernel (upsample_generic_Nd_kernel_impl) only where
# _use_vectorized_kernel_cond_2d is false: an output with H + W > 128 of an input not channels-last with C > 3 (and
# not C == 3 on one thread); the backward (cpu_upsample_linear_backward) at every size. So every case has H + W > 128
# and C == 2, and the float32 cases take sizes whose source indices are exact in float and in double (scales 1/2,
# 1/4, 2); the float64 cases any size (the index in double in both).


def rational(shape, dtype, shift=0):
    n = 1
    for s in shape:
        n *= s
    return torch.tensor([((k * 7919 + shift) % 10007) / 10007 - 0.5 for k in range(n)],
                        dtype=torch.float64).reshape(shape).to(dtype)


BILINEAR = [
    # key, dtype, input shape, size or None, scale_factor or None, align_corners
    ("f32.ac.half_quarter", torch.float32, (1, 2, 3, 33), (5, 129), None, True),
    ("f32.up2", torch.float32, (1, 2, 3, 65), (6, 130), None, False),
    ("f32.up2.scale", torch.float32, (1, 2, 3, 65), None, (2.0, 2.0), False),
    ("f32.up4", torch.float32, (1, 2, 2, 33), (8, 132), None, False),
    ("f32.down2", torch.float32, (1, 2, 4, 260), (2, 130), None, False),
    ("f64.odd", torch.float64, (1, 2, 4, 37), (7, 125), None, False),
    ("f64.odd.ac", torch.float64, (1, 2, 5, 41), (9, 123), None, True),
    ("f64.scale", torch.float64, (1, 2, 3, 29), None, (2.3, 4.7), False),
    ("f64.down", torch.float64, (1, 2, 7, 263), (3, 131), None, False),
]

for key, dtype, shape, size, scale, ac in BILINEAR:
    x = rational(shape, dtype).requires_grad_(True)
    y = F.interpolate(x, size=size, scale_factor=scale, mode="bilinear", align_corners=ac)
    assert y.shape[1] == 2 and y.shape[2] + y.shape[3] > 128, key
    g = rational(y.shape, dtype, shift=3)
    y.backward(g)
    tensor("bilinear." + key + ".out", y)
    tensor("bilinear." + key + ".grad", x.grad)

# a constant map is not constant in PyTorch: 0.7 * 0.75 + 0.7 * 0.25 (fused as fma(0.7, 0.75, 0.7 * 0.25)) rounds
c = torch.full((1, 2, 3, 65), 0.7, dtype=torch.float32)
yc = F.interpolate(c, size=(6, 130), mode="bilinear", align_corners=False)
lines.append("bilinear.constant.distinct " + repr(sorted(set(yc.reshape(-1).tolist()))))
# at odd sizes (float64, the same index in 1.13 and 2.x) PyTorch's constant map is not constant
c = torch.full((1, 2, 4, 37), 0.7, dtype=torch.float64)
yc = F.interpolate(c, size=(7, 125), mode="bilinear", align_corners=False)
lines.append("bilinear.constant64.distinct " + repr(sorted(set(yc.reshape(-1).tolist()))))


# ---- 2. GradScaler.step(optimizer, closure=...)
# 1.13's torch.cuda.amp.GradScaler disables itself without CUDA; its step's closure check comes first, before any
# device work, so setting _enabled shows the enabled scaler's refusal (2.x's torch.amp.GradScaler("cpu") has the same
# check and message, torch/amp/grad_scaler.py)
w = torch.tensor([1.5, -0.5], dtype=torch.float64, requires_grad=True)
opt = torch.optim.SGD([w], lr=0.1)


def closure():
    opt.zero_grad()
    loss = (w * w).sum() * 3
    loss.backward()
    return loss


scaler = torch.cuda.amp.GradScaler(init_scale=8.0, enabled=False)
loss = scaler.step(opt, closure=closure)
tensor("scaler.disabled.loss", loss)
tensor("scaler.disabled.w", w)
on = torch.cuda.amp.GradScaler(init_scale=8.0, enabled=False)
on._enabled = True
err("scaler.enabled.closure", lambda: on.step(opt, closure=closure))
err("scaler.enabled.closureNone", lambda: on.step(opt, closure=None))
tensor("scaler.enabled.w", w)


# ---- 4. bfloat16 histc: the bin of each element in bfloat16 arithmetic
# 2.x's histogramdd_cpu_contiguous<BFloat16> (aten/src/ATen/native/cpu/HistogramKernel.cpp) computes
#   pos = (int64) ((elt - leftmost_edge) * (num_bin_edges - 1) / (rightmost_edge - leftmost_edge))
# in c10::BFloat16 arithmetic: each operation in float, rounded to bfloat16; the edges are bin_edges[0] and [-1], the
# bfloat16 linspace's ends, bfloat16(min) and bfloat16(max). 1.13 divides first: (elt - left) / (right - left) * bins
# (its results match that order exactly). So the cases split the elements: those both orders put in the same bin (their
# histogram is 1.13's histc), and the others, whose bins are 2.x's formula evaluated here in bfloat16 tensor arithmetic
# (each op rounded to bfloat16, as c10's operators); 1.13's histc of those is checked to be the other order's.
# Fewer than 256 elements per bin: PyTorch counts in bfloat16, which stops at 256 (Tensor.histc's Javadoc).
BF = torch.bfloat16
hx = (torch.randn(600, generator=torch.Generator().manual_seed(5)) * 1.5).to(BF)
tensor("histc.x", hx)
for bins, lo, hi in [(7, -2.0, 3.0), (100, -2.0, 3.0), (300, -2.0, 3.0), (100, 0.0, 0.0), (300, -2.01, 2.99)]:
    key = "histc.%d.%s.%s" % (bins, lo, hi)
    lines.append(key + ".range %r %r" % ((hx.min().item(), hx.max().item()) if lo == hi else (lo, hi)))
    left, right = (hx.min(), hx.max()) if lo == hi else (torch.tensor(lo, dtype=BF), torch.tensor(hi, dtype=BF))
    inside = (hx >= left) & (hx <= right)
    b = torch.tensor(bins, dtype=BF)
    pos2x = (((hx - left) * b) / (right - left)).float().long().clamp(max=bins - 1)
    pos113 = (((hx - left) / (right - left)) * b).float().long().clamp(max=bins - 1)
    lo, hi = left.item(), right.item()  # the data's range given explicitly, for the subsets' histograms
    same = inside & (pos2x == pos113)
    differ = inside & (pos2x != pos113)
    tensor(key + ".same", same)
    tensor(key + ".hist", torch.histc(hx[same], bins=bins, min=lo, max=hi))
    assert torch.equal(torch.histc(hx[differ], bins=bins, min=lo, max=hi),
                       torch.bincount(pos113[differ], minlength=bins).to(BF)), key
    assert torch.equal(torch.histc(hx[same], bins=bins, min=lo, max=hi),
                       torch.bincount(pos113[same], minlength=bins).to(BF)), key
    tensor(key + ".differ", differ)
    tensor(key + ".hist2x", torch.bincount(pos2x[differ], minlength=bins).to(BF))
    lines.append(key + ".counts %d %d" % (int(same.sum()), int(differ.sum())))

print("\n".join(lines))
