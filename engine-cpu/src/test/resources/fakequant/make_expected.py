# Expected values for FakeQuantTest: torch.fake_quantize_per_tensor_affine (float and tensor qparams),
# torch.fake_quantize_per_channel_affine (int32 and float zero points) and the learnable forms
# torch._fake_quantize_learnable_per_tensor_affine / _per_channel_affine: outputs (bit for bit), node names, the
# input gradient of a weighted sum, the learnable forms' scale and zero-point gradients, and the error messages.
# Inputs: seeded normal draws (written out, so Ember reads the same values) with grid ties (x / scale = k + 0.5,
# rounded half to even), values far outside the range, NaN and -inf. PyTorch 1.13 computes a float64 input's
# per-tensor product (q - z) * scale in double; 2.x's kernel (QuantizedOpKernels.cpp, _fake_quantize_tensor_helper)
# multiplies the int64 by the float scale, a float product: the float64 cases' expected values are that formula,
# checked here to equal 1.13's where the scale is a power of two. A +inf index clamps to quant_max in 2.x (fmin/fmax
# on the float index) and to quant_min in 1.13 (int64 conversion first): FakeQuantTest checks it by hand.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13)
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from refcases import fmt_tensor, weights  # noqa: E402

lines = []


def emit(key, t):
    lines.append(key + " " + fmt_tensor(t))


def err(key, f):
    try:
        f()
        lines.append(key + " ! no error")
    except RuntimeError as e:
        lines.append(key + " ! " + str(e).split("\n")[0])


g = torch.Generator().manual_seed(2026)
x32 = (torch.randn(4, 6, generator=g) * 8).float()
ties = torch.tensor([0.125, -0.375, 0.625, 1.125, -2.875, 40.0, -40.0, float("nan"), float("-inf")])
x = torch.cat([x32.reshape(-1), ties])
emit("x", x)

# per tensor, float qparams: quint8 range, scale 0.25 (ties), and a qint8 range with scale 0.1
for name, (scale, zp, lo, hi) in {"a": (0.25, 10, 0, 255), "b": (0.1, 0, -128, 127), "c": (0.07, 3, -8, 7)}.items():
    xi = x.clone().requires_grad_(True)
    y = torch.fake_quantize_per_tensor_affine(xi, scale, zp, lo, hi)
    emit("pt.%s.out" % name, y)
    lines.append("pt.%s.node %s" % (name, y.grad_fn.name()))
    (y * weights(y.shape).float()).sum().backward()
    emit("pt.%s.grad" % name, xi.grad)

# per tensor, tensor qparams
xi = x.clone().requires_grad_(True)
y = torch.fake_quantize_per_tensor_affine(xi, torch.tensor([0.1]), torch.tensor([10], dtype=torch.int32), 0, 255)
emit("ptt.out", y)
lines.append("ptt.node " + y.grad_fn.name())
(y * weights(y.shape).float()).sum().backward()
emit("ptt.grad", xi.grad)

# float16 and bfloat16 inputs, computed in float and rounded once (1.13 has no bfloat16 kernel: 2.x's is the float
# one on the widened input, checked here to be what 1.13 does for float16)
for dt in (torch.float16, torch.bfloat16):
    name = str(dt).replace("torch.", "")
    ref = torch.fake_quantize_per_tensor_affine(x.to(dt).float(), 0.1, 10, 0, 255).to(dt)
    if dt == torch.float16:
        got = torch.fake_quantize_per_tensor_affine(x.to(dt), 0.1, 10, 0, 255)
        assert torch.equal(torch.nan_to_num(got, nan=7.0), torch.nan_to_num(ref, nan=7.0)), (got, ref)
    emit("pt.%s.out" % name, ref)

# float64 input: 2.x's float product
x64 = x.double() + 1e-9
emit("x64", x64)
for name, (scale, zp, lo, hi) in {"a": (0.25, 10, 0, 255), "b": (0.1, 0, -128, 127)}.items():
    inv = torch.tensor(1.0, dtype=torch.float32) / torch.tensor(scale, dtype=torch.float32)
    q = torch.round(x64 * inv.double()) + zp
    qc = torch.where(torch.isnan(q), torch.tensor(float(lo), dtype=torch.float64), q.clamp(lo, hi))
    ref = ((qc - zp).float() * torch.tensor(scale, dtype=torch.float32)).double()
    if scale == 0.25:
        got = torch.fake_quantize_per_tensor_affine(x64, scale, zp, lo, hi)
        assert torch.equal(torch.nan_to_num(got, nan=7.0), torch.nan_to_num(ref, nan=7.0)), (got, ref)
    emit("pt64.%s.out" % name, ref)

# per channel: int32 zero points along axis 0 and 1, float zero points, float64 input
w = (torch.randn(3, 4, 5, generator=g) * 4).float()
w[0, 0, 0] = float("nan")
w[1, 2, 3] = 100.0
emit("w", w)
cases = {
    "ax0": (0, torch.tensor([0.1, 0.25, 0.05]), torch.tensor([0, 3, -2], dtype=torch.int32), -128, 127),
    "ax1": (1, torch.tensor([0.2, 0.125, 0.3, 0.02]), torch.tensor([10, 0, 255, 128], dtype=torch.int32), 0, 255),
    "fzp": (0, torch.tensor([0.1, 0.25, 0.05]), torch.tensor([0.3, -1.5, 2.5]), -128, 127),
    "hzp": (2, torch.tensor([0.1, 0.25, 0.05, 0.5, 0.3]), torch.tensor([0.3, -1.5, 2.5, 0.0, 7.75]).half(), -10, 10),
}
for name, (axis, s, z, lo, hi) in cases.items():
    emit("pc.%s.scale" % name, s)
    emit("pc.%s.zp" % name, z)
    wi = w.clone().requires_grad_(True)
    y = torch.fake_quantize_per_channel_affine(wi, s, z, axis, lo, hi)
    emit("pc.%s.out" % name, y)
    lines.append("pc.%s.node %s" % (name, y.grad_fn.name()))
    (y * weights(y.shape).float()).sum().backward()
    emit("pc.%s.grad" % name, wi.grad)
emit("pc64.out", torch.fake_quantize_per_channel_affine(w.double(), cases["ax0"][1], cases["ax0"][2], 0, -128, 127))

# learnable per tensor
for name, (scale, zp, lo, hi, gf) in {"a": (0.2, 9.6, 0, 255, 1.0), "b": (0.07, -3.7, -128, 127, 0.5),
                                     "c": (0.3, 2.5, -8, 7, 2.0)}.items():
    xi = x.clone().requires_grad_(True)
    si = torch.tensor([scale], requires_grad=True)
    zi = torch.tensor([zp], requires_grad=True)
    y = torch._fake_quantize_learnable_per_tensor_affine(xi, si, zi, lo, hi, gf)
    emit("lpt.%s.out" % name, y)
    lines.append("lpt.%s.node %s" % (name, y.grad_fn.name()))
    (y * weights(y.shape).float()).sum().backward()
    emit("lpt.%s.grad" % name, xi.grad)
    emit("lpt.%s.gscale" % name, si.grad)
    emit("lpt.%s.gzp" % name, zi.grad)

# learnable per channel
w2 = w.clone()
w2[0, 0, 0] = 0.5
for name, (axis, s, z, lo, hi, gf) in {
        "ax0": (0, [0.1, 0.25, 0.05], [0.4, 2.5, -3.2], -128, 127, 1.0),
        "ax2": (2, [0.1, 0.25, 0.05, 0.5, 0.3], [0.0, 1.5, -0.5, 3.0, 7.75], -10, 10, 0.25)}.items():
    wi = w2.clone().requires_grad_(True)
    si = torch.tensor(s, requires_grad=True)
    zi = torch.tensor(z, requires_grad=True)
    y = torch._fake_quantize_learnable_per_channel_affine(wi, si, zi, axis, lo, hi, gf)
    emit("lpc.%s.out" % name, y)
    lines.append("lpc.%s.node %s" % (name, y.grad_fn.name()))
    (y * weights(y.shape).float()).sum().backward()
    emit("lpc.%s.grad" % name, wi.grad)
    emit("lpc.%s.gscale" % name, si.grad)
    emit("lpc.%s.gzp" % name, zi.grad)
emit("w2", w2)

# errors
s3 = torch.tensor([0.1, 0.2, 0.3])
z3 = torch.tensor([0, 1, 2], dtype=torch.int32)
err("err.zp", lambda: torch.fake_quantize_per_tensor_affine(x, 0.1, 300, 0, 255))
err("err.range", lambda: torch.fake_quantize_per_tensor_affine(x, 0.1, 0, 10, 5))
err("err.dtype", lambda: torch.fake_quantize_per_tensor_affine(torch.arange(3), 0.1, 0, 0, 255))
err("err.pc.len", lambda: torch.fake_quantize_per_channel_affine(w, s3[:2], z3[:2], 0, -128, 127))
err("err.pc.zplong", lambda: torch.fake_quantize_per_channel_affine(w, s3, z3.long(), 0, -128, 127))
err("err.pc.scale2d", lambda: torch.fake_quantize_per_channel_affine(w, s3.reshape(3, 1), z3, 0, -128, 127))
err("err.pc.zp2d", lambda: torch.fake_quantize_per_channel_affine(w, s3, z3.reshape(3, 1), 0, -128, 127))
err("err.pc.zplen", lambda: torch.fake_quantize_per_channel_affine(w, s3, z3[:2], 0, -128, 127))
err("err.pc.zprange", lambda: torch.fake_quantize_per_channel_affine(w, s3, torch.tensor([0, 1, 200], dtype=torch.int32), 0, -128, 127))
err("err.pc.axis", lambda: torch.fake_quantize_per_channel_affine(w, torch.ones(5), torch.zeros(5, dtype=torch.int32), -1, -128, 127))
print("\n".join(lines))
