# Writes expected.txt for GridSampleHalfTest: F.grid_sample of float16 and bfloat16 inputs computed in float32 and
# rounded once to the input's type (PyTorch's CUDA kernels compute in opmath_t = float and round on the store; 1.13's
# CPU kernels refuse half types, "grid_sampler_2d_cpu" not implemented for 'Half', and 2.x's CPU kernels round each
# Vectorized<Half> step, so the reference is 1.13's float32 kernel on the same values, rounded once), with the
# gradients of sum(out * w) (w[k] = 1 + 0.5 ((3k) mod 11)) the same way; and the output dtypes and values under CPU
# autocast (grid_sampler is on its fp32 list).
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13 CPU)
#
# Lines: "=== name", "in0/in1 float64 [shape] : values" (exactly representable in the case's dtype), "out float64 ...",
# "grad0/grad1 float64 ..." (the reduced-type values as float64).
import torch
import torch.nn.functional as F

torch.manual_seed(19)


def fmt(t):
    t = t.detach().double()
    return "float64 [%s] : %s" % (", ".join(str(s) for s in t.shape), repr(t.reshape(-1).tolist()))


def weights(shape):
    n = 1
    for s in shape:
        n *= s
    return torch.tensor([1 + 0.5 * ((3 * k) % 11) for k in range(n)], dtype=torch.float32).reshape(shape)


out = []
for dtype in (torch.float16, torch.bfloat16):
    dn = str(dtype)[6:]
    img2 = (torch.randn(1, 2, 3, 4) * 3).to(dtype)
    grd2 = (torch.rand(1, 2, 3, 2) * 2.7 - 1.35).to(dtype)
    img3 = (torch.randn(1, 1, 2, 3, 3) * 3).to(dtype)
    grd3 = (torch.rand(1, 2, 2, 2, 3) * 2.7 - 1.35).to(dtype)
    cases = []
    for mode in ("bilinear", "nearest", "bicubic"):
        for pad in ("zeros", "border", "reflection"):
            for ac in (False, True):
                cases.append(("%s 2d %s %s %s" % (dn, mode, pad, ac), img2, grd2, mode, pad, ac))
    for mode in ("bilinear", "nearest"):
        for pad in ("zeros", "reflection"):
            for ac in (False, True):
                cases.append(("%s 3d %s %s %s" % (dn, mode, pad, ac), img3, grd3, mode, pad, ac))
    for name, x, g, mode, pad, ac in cases:
        xf = x.float().requires_grad_()
        gf = g.float().requires_grad_()
        y = F.grid_sample(xf, gf, mode=mode, padding_mode=pad, align_corners=ac)
        (y * weights(y.shape)).sum().backward()
        out.append("=== " + name)
        out.append("in0 " + fmt(x))
        out.append("in1 " + fmt(g))
        out.append("out " + fmt(y.to(dtype)))
        out.append("grad0 " + fmt(xf.grad.to(dtype)))
        out.append("grad1 " + fmt(gf.grad.to(dtype)))

# CPU autocast (bfloat16): a bfloat16 input and a float32 grid both run in float32
x = (torch.randn(1, 2, 3, 4) * 3).to(torch.bfloat16)
g = torch.rand(1, 2, 3, 2) * 2.4 - 1.2
with torch.autocast("cpu"):
    y = F.grid_sample(x, g, align_corners=False)
out.append("=== autocast cpu")
out.append("in0 " + fmt(x))
out.append("in1 " + fmt(g.double()))
out.append("dtype " + str(y.dtype)[6:])
out.append("out " + fmt(y))
print("\n".join(out))
