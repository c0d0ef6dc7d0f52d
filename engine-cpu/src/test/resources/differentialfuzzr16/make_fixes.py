# Expected values for FuzzRound16FixesTest: the regressions of the bugs round 16 found (see make_cases.py's header).
#   run: cd engine-cpu/src/test/resources/differentialfuzzr16 && /usr/bin/python3 make_fixes.py > fixes.txt
#   (PyTorch 1.13, CPU, AVX2 kernels; no randomness)
import torch
import torch.nn.functional as F
import torch.ao.quantization as tq

torch.backends.quantized.engine = "onednn"
OUT = ["=== fixes"]


def num(v):
    v = float(v)
    return "nan" if v != v else ("inf" if v == float("inf") else ("-inf" if v == float("-inf") else repr(v)))


def fmt(t):
    t = t.detach()
    vals = " ".join(num(v) if t.dtype.is_floating_point else str(int(v)) for v in t.reshape(-1).tolist())
    return "%s [%s] : %s" % (str(t.dtype).replace("torch.", ""), ", ".join(str(s) for s in t.shape), vals)


def emit(key, t):
    OUT.append(key + " " + fmt(t))


def weights(shape):
    n = 1
    for s in shape:
        n *= s
    return torch.tensor([1 + 0.5 * ((3 * k) % 11) for k in range(n)], dtype=torch.float32).reshape(shape)


# 1. a reshape (and flatten) that must copy a quantized tensor gives a quantized tensor
x = torch.tensor([[0.5, -1.5, 2.5], [1.0, 7.0, -2.0]])
q = torch.quantize_per_tensor(x, 0.5, 3, torch.qint8)
emit("reshape.x", x)
emit("reshape.ints", q.t().reshape(-1).int_repr())
emit("flatten.ints", q.t().flatten().int_repr())

# 2. quantized avg_pool2d / adaptive_avg_pool2d of a one-channel input: the channels-last (NHWC) kernel, whose scalar
#    loop rounds the shifted window mean before adding the zero point
ints = torch.tensor([[[[3, 6, 2, 9, 1], [4, 5, 8, 0, 7], [2, 2, 5, 3, 3], [9, 1, 4, 6, 2]]]], dtype=torch.uint8)
qp = torch._make_per_tensor_quantized_tensor(ints, 0.25, 1)
emit("pool.ints", ints)
emit("avgpool.ints", F.avg_pool2d(qp, 2, 2, 0, False, True).int_repr())
emit("avgpool.pad.ints", F.avg_pool2d(qp, 2, 1, 1, True, False).int_repr())
emit("adaptive.ints", F.adaptive_avg_pool2d(qp, (3, 2)).int_repr())
# the same integers in two channels: contiguous NCHW, the frame kernel (the zero point added before rounding)
q2 = torch._make_per_tensor_quantized_tensor(ints.repeat(1, 2, 1, 1), 0.25, 1)
emit("avgpool.two.ints", F.avg_pool2d(q2, 2, 2, 0, False, True).int_repr())
emit("adaptive.two.ints", F.adaptive_avg_pool2d(q2, (3, 2)).int_repr())

# 3. the learnable fake quantizers' backward: nearbyint(zero_point + x * inv_scale) is one fused multiply-add
x = torch.tensor([[-2.0629703998565674, -2.2405500411987305, -2.3750998973846436],
                  [-0.05000000074505806, -0.03926951438188553, -0.033893685787916183]]).t().contiguous()
x.requires_grad_()
s = torch.tensor([0.011699999682605267, 0.0010000000474974513], requires_grad=True)
z = torch.tensor([203.0, 50.29999923706055], requires_grad=True)
out = torch._fake_quantize_learnable_per_channel_affine(x, s, z, 1, 0, 255, 0.5)
(out * weights(out.shape)).sum().backward()
emit("lpc.x", x)
emit("lpc.scale", s)
emit("lpc.zp", z)
emit("lpc.out", out)
emit("lpc.gx", x.grad)
emit("lpc.gscale", s.grad)
emit("lpc.gzp", z.grad)
x = torch.tensor([-2.2405500411987305, -1.7725499868392944, 0.6083999872207642, -2.3750998973846436, 0.9],
                 requires_grad=True)
s = torch.tensor([0.011699999682605267], requires_grad=True)
z = torch.tensor([203.0], requires_grad=True)
out = torch._fake_quantize_learnable_per_tensor_affine(x, s, z, 0, 255, 1.0)
(out * weights(out.shape)).sum().backward()
emit("lpt.x", x)
emit("lpt.out", out)
emit("lpt.gx", x.grad)
emit("lpt.gscale", s.grad)
emit("lpt.gzp", z.grad)

# 4. fake_quantize_per_channel_affine with float zero points: lrintf(zero_point + x * inv_scale), fused
x = torch.tensor([[-1.1666666269302368, -3.5, -2.3193275928497314], [0.25, 36.05002212524414, -3.25]],
                 requires_grad=True)
s = torch.tensor([0.3333333432674408, 0.5])
z = torch.tensor([4.0, 2.0])
out = torch.fake_quantize_per_channel_affine(x, s, z, 0, -8, 7)
out.sum().backward()
emit("pcf.x", x)
emit("pcf.out", out)
emit("pcf.gx", x.grad)

# 5. an observer whose minimum is -inf: min_val / scale is -inf / inf = NaN, which .to(torch.int) makes int32's
#    minimum on x86, and quant_min - that wraps around before the clamp
for name, obs in [("minmax.qint8", tq.MinMaxObserver(dtype=torch.qint8)),
                  ("mavg.qint8.rr", tq.MovingAverageMinMaxObserver(dtype=torch.qint8, reduce_range=True)),
                  ("minmax.quint8", tq.MinMaxObserver(dtype=torch.quint8)),
                  ("perch.qint8", tq.PerChannelMinMaxObserver(dtype=torch.qint8, qscheme=torch.per_channel_affine))]:
    xo = torch.tensor([[1.5, float("-inf")], [0.25, -2.0]])
    obs(xo)
    sc, zp = obs.calculate_qparams()
    emit("obs." + name + ".x", xo)
    emit("obs." + name + ".scale", sc)
    emit("obs." + name + ".zp", zp)

# 6. F.interpolate of a quantized tensor: nearest copies the integers, bilinear runs the quantized kernel (NCHW: two
#    channels), both keeping the scale and zero point
ints = torch.tensor([[[[3, 200, 17], [90, 255, 0]], [[1, 2, 3], [250, 128, 64]]]], dtype=torch.uint8)
qi = torch._make_per_tensor_quantized_tensor(ints, 0.1, 7)
emit("interp.ints", ints)
emit("interp.nearest.ints", F.interpolate(qi, size=(3, 5), mode="nearest").int_repr())
emit("interp.bilinear.ints", F.interpolate(qi, size=(5, 4), mode="bilinear", align_corners=False).int_repr())
emit("interp.bilinear.ac.ints", F.interpolate(qi, size=(3, 7), mode="bilinear", align_corners=True).int_repr())

# 8. quantized add and mul past int32: over the vectorized elements (64 of quint8) add's QuantizeAvx2 caps the index
#    at 2147483520 and adds the zero point in int32 (128 or more wraps around to the minimum), mul's RequantizeAvx2
#    converts with _mm256_cvtps_epi32 (beyond int32: its minimum); the scalar rest saturates as expected
big = torch.quantize_per_tensor(torch.full((66,), 200.0), 1.0, 0, torch.quint8)
emit("ovf.add.zp200.ints", torch.ops.quantized.add(big, big, 1e-7, 200).int_repr())
emit("ovf.add.zp100.ints", torch.ops.quantized.add(big, big, 1e-7, 100).int_repr())
emit("ovf.mul.ints", torch.ops.quantized.mul(big, big, 1e-6, 3).int_repr())
# and the activations' vectorized quantization (QuantizeAvx2 too)
big2 = torch.quantize_per_tensor(torch.full((66,), 400.0), 2.0, 0, torch.quint8)
emit("ovf.hardswish.ints", torch.ops.quantized.hardswish(big2, 1e-7, 200).int_repr())
emit("ovf.leaky_relu.ints", torch.ops.quantized.leaky_relu(big2, 0.1, False, 1e-7, 128).int_repr())

# 7. the quantized ops' refusals of a per-channel operand or mixed schemes, in PyTorch's words and order (Mul's scheme
#    message is 2.x's spelling, "scheme", where 1.13 writes "shceme": replaced below, the only edit)
x = torch.tensor([[0.5, -1.5, 2.5], [1.0, 7.0, -2.0]])
pt = torch.quantize_per_tensor(x, 0.5, 3, torch.quint8)
pc = torch.quantize_per_channel(x, torch.tensor([0.5, 0.25], dtype=torch.float64), torch.tensor([1, 2]), 0,
                                torch.quint8)
emit("msg.x", x)
for key, f in [("add.pc.pc", lambda: torch.ops.quantized.add(pc, pc, 0.5, 3)),
               ("add.pt.pc", lambda: torch.ops.quantized.add(pt, pc, 0.5, 3)),
               ("mul.pt.pc", lambda: torch.ops.quantized.mul(pt, pc, 0.5, 3)),
               ("matmul.pc.pc", lambda: torch.ops.quantized.matmul(pc, pc, 0.5, 3)),
               ("cat.pt.pc", lambda: torch.ops.quantized.cat([pt, pc], 0, 0.5, 3)),
               ("add_scalar.pc", lambda: torch.ops.quantized.add_scalar(pc, 1.0)),
               ("hardswish.pc", lambda: torch.ops.quantized.hardswish(pc, 0.5, 3))]:
    try:
        f()
        raise AssertionError("no refusal: " + key)
    except RuntimeError as e:
        OUT.append("msg." + key + " " + str(e).split("\n")[0].replace("Mul must have the same quantization shceme.",
                                                                       "Mul must have the same quantization scheme."))

print("\n".join(OUT))
