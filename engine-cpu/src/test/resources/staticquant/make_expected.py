# Expected values for StaticQuantizationTest: eager-mode post-training static quantization
# (torch.ao.quantization: QuantStub/DeQuantStub, qconfig, prepare, calibration, convert) of a small CNN, and the
# quantized linear kernel on its own.
#
# What PyTorch computes itself and engine-independently is taken from it: the observers' min/max and qparams, the
# printouts, the quantized weights (int_repr, scales, zero points), quantize_per_tensor of the input.
# The quantized layers' outputs: PyTorch's x86 builds run quantized::linear and quantized::conv2d on FBGEMM, which this
# Debian build of PyTorch 1.13 lacks (its engines: onednn, qnnpack). So the generator writes "*.ints.*", FBGEMM's
# arithmetic transcribed from its sources (the exact integer sum of (qx - zx)(qw - zw); requantizeOutputProcessingAvx2:
# float(raw) + bias * float(1.0 / act_times_w_scale) per tensor, + bias / act_times_w_scale per channel, times
# act_times_w_scale / output_scale, rint, saturations, clamp to [0, 255]; act_times_w_scale = x_scale * w_scale in
# float as fbgemm_linear computes it; a convolution through im2col with its input's zero point as padding), all in
# float32 numpy, and "*.torch.*", the output of this PyTorch's own quantized model (onednn), which the generator checks
# agrees with the transcription to a quantum or two (onednn scales and rounds in its own order).
# ReLU and max pooling on quint8 keep the input's qparams: max(q, zero_point) and the max of q.
# FBGEMM's requantization and linear layer are resources/fbgemmref.py's (moved there in session 38, the output
# unchanged).
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13)
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.ao.nn.quantized as nnq
import torch.ao.quantization as tq

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from refcases import key_lines  # noqa: E402
from fbgemmref import qlinear_ints, scales_of  # noqa: E402

torch.backends.quantized.engine = "onednn"
lines = []
text, emit, _ = key_lines(lines)





def qconv_ints(q, x_zp, x_scale, w, bias, stride, padding, dilation, groups, out_scale, out_zp, relu=False):
    """q: [N, C, H, W] int64; w: the quantized weight; FBGEMM's conv through im2col."""
    n, c, h, wd = q.shape
    w_ints = w.int_repr().numpy().astype(np.int64)
    oc = w_ints.shape[0]
    w_scale, w_zp = scales_of(w)
    per_tensor = len(w_scale) == 1
    cg, og = c // groups, oc // groups
    outs = []
    shifted = torch.tensor(q - x_zp, dtype=torch.float64)
    for g in range(groups):
        cols = F.unfold(shifted[:, g * cg:(g + 1) * cg], w_ints.shape[2:], dilation=dilation, padding=padding,
                        stride=stride)
        L = cols.shape[2]
        a = cols.transpose(1, 2).reshape(n * L, -1).numpy().astype(np.int64)
        ws = w_ints[g * og:(g + 1) * og].reshape(og, -1)
        sc = w_scale if per_tensor else w_scale[g * og:(g + 1) * og]
        zp = w_zp if per_tensor else w_zp[g * og:(g + 1) * og]
        b = None if bias is None else bias[g * og:(g + 1) * og]
        outs.append(qlinear_ints(a, ws, sc, zp, b, x_scale, out_scale, out_zp, relu).reshape(n, L, og))
    out = np.concatenate(outs, axis=2)
    oh = (h + 2 * padding[0] - dilation[0] * (w_ints.shape[2] - 1) - 1) // stride[0] + 1
    ow = (wd + 2 * padding[1] - dilation[1] * (w_ints.shape[3] - 1) - 1) // stride[1] + 1
    return out.reshape(n, oh, ow, oc).transpose(0, 3, 1, 2)


def model():
    return nn.Sequential(tq.QuantStub(), nn.Conv2d(1, 3, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(3, 6, 3, groups=3), nn.ReLU(), nn.Flatten(), nn.Linear(24, 10), nn.ReLU(),
                         nn.Dropout(0.5), nn.Linear(10, 4), tq.DeQuantStub())


torch.manual_seed(0)
float_model = model().eval()
for k, v in float_model.state_dict().items():
    emit("float." + k, v)
calib = torch.randn(16, 1, 8, 8) * 1.5
x = torch.randn(5, 1, 8, 8) * 1.5
emit("calib", calib)
emit("x", x)

for cfg, qconfig in (("pt", tq.default_qconfig), ("pc", tq.default_per_channel_qconfig)):
    m = model().eval()
    m.load_state_dict(float_model.state_dict())
    m.qconfig = qconfig
    tq.prepare(m, inplace=True)
    text(cfg + ".prepared", str(m))
    with torch.no_grad():
        m(calib)
    for idx in ("0", "1", "4", "7", "10"):
        o = m.get_submodule(idx).activation_post_process
        lines.append("%s.obs.%s %r %r" % (cfg, idx, o.min_val.item(), o.max_val.item()))
    tq.convert(m, inplace=True)
    text(cfg + ".converted", str(m))
    quant, conv1, pool, conv2, fc1, fc2 = m[0], m[1], m[3], m[4], m[7], m[10]
    for name, layer in (("conv1", conv1), ("conv2", conv2), ("fc1", fc1), ("fc2", fc2)):
        w = layer.weight()
        emit(cfg + "." + name + ".weight.ints", w.int_repr())
        sc, zp = scales_of(w)
        emit(cfg + "." + name + ".weight.scales", torch.tensor(sc.astype(np.float64)))
        emit(cfg + "." + name + ".weight.zero_points", torch.tensor(zp))
        lines.append("%s.%s.out_qparams %r %d" % (cfg, name, layer.scale, layer.zero_point))
    # the transcription, stage by stage
    qx = torch.quantize_per_tensor(x, float(quant.scale), int(quant.zero_point), torch.quint8)
    ints = {}
    q = qx.int_repr().numpy().astype(np.int64)
    ints["quant"] = q
    s, z = qx.q_scale(), qx.q_zero_point()
    q = qconv_ints(q, z, s, conv1.weight(), conv1.bias().detach().numpy(), (1, 1), (1, 1), (1, 1), 1, conv1.scale,
                   conv1.zero_point)
    ints["conv1"] = q
    s, z = conv1.scale, conv1.zero_point
    q = np.maximum(q, z)
    ints["relu1"] = q
    q = F.max_pool2d(torch.tensor(q, dtype=torch.float64), 2).numpy().astype(np.int64)
    ints["pool"] = q
    q = qconv_ints(q, z, s, conv2.weight(), conv2.bias().detach().numpy(), (1, 1), (0, 0), (1, 1), 3, conv2.scale,
                   conv2.zero_point)
    ints["conv2"] = q
    s, z = conv2.scale, conv2.zero_point
    q = np.maximum(q, z).reshape(q.shape[0], -1)
    ints["relu2"] = q
    for name, layer, relu in (("fc1", fc1, True), ("fc2", fc2, False)):
        w = layer.weight()
        sc, zp = scales_of(w)
        q = qlinear_ints(q - z, w.int_repr().numpy().astype(np.int64), sc, zp, layer.bias().detach().numpy(), s,
                         layer.scale, layer.zero_point, False)
        ints[name] = q
        s, z = layer.scale, layer.zero_point
        if relu:
            q = np.maximum(q, z)
            ints["relu3"] = q
    for k, v in ints.items():
        emit(cfg + ".ints." + k, torch.tensor(v))
    out = torch._make_per_tensor_quantized_tensor(torch.tensor(q, dtype=torch.uint8), s, z).dequantize()
    emit(cfg + ".out", out)
    # PyTorch's own model (onednn): within a couple of quanta of the transcription
    torch_out = m(x)
    emit(cfg + ".torch.out", torch_out)
    diff = (torch_out - out).abs().max().item() / s
    assert diff <= 3, (cfg, diff)
    print("%s: onednn's output within %.0f output quanta of FBGEMM's transcription" % (cfg, diff), file=sys.stderr)

# Fused modules: conv + bn + relu, conv + relu and linear + relu fused (fuse_modules, eval), per-channel weights.
def fused_model():
    return nn.Sequential(tq.QuantStub(), nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.Conv2d(4, 4, 3),
                         nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(36, 8), nn.ReLU(), nn.Linear(8, 3),
                         tq.DeQuantStub())


torch.manual_seed(1)
fm = fused_model().eval()
with torch.no_grad():
    fm[2].running_mean.copy_(torch.randn(4) * 0.2)
    fm[2].running_var.copy_(torch.rand(4) + 0.5)
    fm[2].weight.copy_(torch.rand(4) + 0.5)
    fm[2].bias.copy_(torch.randn(4) * 0.1)
for k, v in fm.state_dict().items():
    emit("fused.float." + k, v)
tq.fuse_modules(fm, [["1", "2", "3"], ["4", "5"], ["8", "9"]], inplace=True)
text("fused.fused", str(fm))
emit("fused.conv1.folded.weight", fm[1][0].weight)
emit("fused.conv1.folded.bias", fm[1][0].bias)
fm.qconfig = tq.default_per_channel_qconfig
tq.prepare(fm, inplace=True)
text("fused.prepared", str(fm))
with torch.no_grad():
    fm(calib)
for idx in ("0", "1", "4", "8", "10"):
    o = fm.get_submodule(idx).activation_post_process
    lines.append("fused.obs.%s %r %r" % (idx, o.min_val.item(), o.max_val.item()))
tq.convert(fm, inplace=True)
for name, layer in (("conv1", fm[1]), ("conv2", fm[4]), ("fc1", fm[8]), ("fc2", fm[10])):
    lines.append("fused.%s.out_qparams %r %d" % (name, layer.scale, layer.zero_point))
text("fused.converted", str(fm))
quant, c1, c2, l1, l2 = fm[0], fm[1], fm[4], fm[8], fm[10]
qx = torch.quantize_per_tensor(x, float(quant.scale), int(quant.zero_point), torch.quint8)
q = qx.int_repr().numpy().astype(np.int64)
s, z = qx.q_scale(), qx.q_zero_point()
q = qconv_ints(q, z, s, c1.weight(), c1.bias().detach().numpy(), (1, 1), (1, 1), (1, 1), 1, c1.scale, c1.zero_point,
               True)
emit("fused.ints.conv1", torch.tensor(q))
s, z = c1.scale, c1.zero_point
q = qconv_ints(q, z, s, c2.weight(), c2.bias().detach().numpy(), (1, 1), (0, 0), (1, 1), 1, c2.scale, c2.zero_point,
               True)
emit("fused.ints.conv2", torch.tensor(q))
s, z = c2.scale, c2.zero_point
q = F.max_pool2d(torch.tensor(q, dtype=torch.float64), 2).numpy().astype(np.int64).reshape(q.shape[0], -1)
for name, layer, relu in (("fc1", l1, True), ("fc2", l2, False)):
    w = layer.weight()
    sc, zp = scales_of(w)
    q = qlinear_ints(q - z, w.int_repr().numpy().astype(np.int64), sc, zp, layer.bias().detach().numpy(), s,
                     layer.scale, layer.zero_point, relu)
    emit("fused.ints." + name, torch.tensor(q))
    s, z = layer.scale, layer.zero_point
out = torch._make_per_tensor_quantized_tensor(torch.tensor(q, dtype=torch.uint8), s, z).dequantize()
emit("fused.out", out)
torch_out = fm(x)
emit("fused.torch.out", torch_out)
diff = (torch_out - out).abs().max().item() / s
assert diff <= 3, ("fused", diff)
print("fused: onednn's output within %.0f output quanta of FBGEMM's transcription" % diff, file=sys.stderr)

# FloatFunctional -> QFunctional: quantized::add (and add_relu), mul and cat, transcribed from qadd_kernel (AVX2's
# cpu_kernel_vec: the first n - n % 64 elements dequantized by fma(q, s, s * -z), the rest by (q - z) * s; the sum
# quantized as rint(c * (1 / scale)) + zero_point), qmul_kernel ((qa - za)(qb - zb) * (sa * sb * (1 / scale))) and
# quantized_cat_impl (dequantize, cat, quantize_per_tensor).
def dequant_vec(q, s, z):
    n = q.size
    vec = n - n % 64
    s32 = np.float32(s)
    pre = np.float64(s32 * np.float32(-z))
    out = np.empty(n, dtype=np.float32)
    out[:vec] = (q[:vec].astype(np.float64) * np.float64(s32) + pre).astype(np.float32)  # exact, rounded once: fma
    out[vec:] = (q[vec:].astype(np.float32) - np.float32(z)) * s32
    return out


def qadd_ints(qa, sa, za, qb, sb, zb, scale, zp, relu):
    c = dequant_vec(qa.reshape(-1), sa, za) + dequant_vec(qb.reshape(-1), sb, zb)
    if relu:
        c = np.maximum(c, np.float32(0))
    inv = np.float32(1) / np.float32(scale)
    return np.clip(np.rint(c * inv) + zp, 0, 255).astype(np.int64).reshape(qa.shape)


def qmul_ints(qa, sa, za, qb, sb, zb, scale, zp):
    c = ((qa - za) * (qb - zb)).astype(np.float32)
    mult = np.float32(sa) * np.float32(sb) * (np.float32(1) / np.float32(scale))
    return np.clip(zp + np.rint(c * mult), 0, 255).astype(np.int64)


class Res(nn.Module):
    def __init__(self):
        super().__init__()
        self.quant = tq.QuantStub()
        self.conv1 = nn.Conv2d(2, 4, 3, padding=1)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(4, 2, 3, padding=1)
        self.skip = nnq.FloatFunctional()
        self.prod = nnq.FloatFunctional()
        self.join = nnq.FloatFunctional()
        self.fc = nn.Linear(4 * 6 * 6, 3)
        self.dequant = tq.DeQuantStub()

    def forward(self, x):
        x = self.quant(x)
        h = self.conv2(self.relu(self.conv1(x)))
        y = self.skip.add_relu(h, x)
        z = self.prod.mul(y, x)
        c = self.join.cat([y, z], 1)
        return self.dequant(self.fc(c.flatten(1)))


torch.manual_seed(2)
res = Res().eval()
for k, v in res.state_dict().items():
    emit("res.float." + k, v)
rcalib = torch.randn(8, 2, 6, 6)
rx = torch.randn(5, 2, 6, 6)
emit("res.calib", rcalib)
emit("res.x", rx)
res.qconfig = tq.default_qconfig
tq.prepare(res, inplace=True)
text("res.prepared", str(res))
with torch.no_grad():
    res(rcalib)
for name in ("quant", "conv1", "conv2", "skip", "prod", "join", "fc"):
    o = res.get_submodule(name).activation_post_process
    lines.append("res.obs.%s %r %r" % (name, o.min_val.item(), o.max_val.item()))
tq.convert(res, inplace=True)
text("res.converted", str(res))
for name in ("conv1", "conv2", "skip", "prod", "join", "fc"):
    layer = res.get_submodule(name)
    lines.append("res.%s.out_qparams %r %d" % (name, layer.scale, layer.zero_point))
qx = torch.quantize_per_tensor(rx, float(res.quant.scale), int(res.quant.zero_point), torch.quint8)
xs, xz = qx.q_scale(), qx.q_zero_point()
xq = qx.int_repr().numpy().astype(np.int64)
c1, c2 = res.conv1, res.conv2
h = qconv_ints(xq, xz, xs, c1.weight(), c1.bias().detach().numpy(), (1, 1), (1, 1), (1, 1), 1, c1.scale, c1.zero_point)
h = np.maximum(h, c1.zero_point)
h = qconv_ints(h, c1.zero_point, c1.scale, c2.weight(), c2.bias().detach().numpy(), (1, 1), (1, 1), (1, 1), 1, c2.scale,
               c2.zero_point)
emit("res.ints.conv2", torch.tensor(h))
y = qadd_ints(h, c2.scale, c2.zero_point, xq, xs, xz, res.skip.scale, res.skip.zero_point, True)
emit("res.ints.skip", torch.tensor(y))
z = qmul_ints(y, res.skip.scale, res.skip.zero_point, xq, xs, xz, res.prod.scale, res.prod.zero_point)
emit("res.ints.prod", torch.tensor(z))
yq = torch._make_per_tensor_quantized_tensor(torch.tensor(y, dtype=torch.uint8), res.skip.scale, res.skip.zero_point)
zq = torch._make_per_tensor_quantized_tensor(torch.tensor(z, dtype=torch.uint8), res.prod.scale, res.prod.zero_point)
cq = torch.quantize_per_tensor(torch.cat([yq.dequantize(), zq.dequantize()], 1), res.join.scale, res.join.zero_point,
                               torch.quint8)
cj = cq.int_repr().numpy().astype(np.int64)
emit("res.ints.join", torch.tensor(cj))
w = res.fc.weight()
sc, zp = scales_of(w)
q = qlinear_ints(cj.reshape(5, -1) - res.join.zero_point, w.int_repr().numpy().astype(np.int64), sc, zp,
                 res.fc.bias().detach().numpy(), res.join.scale, res.fc.scale, res.fc.zero_point, False)
emit("res.ints.fc", torch.tensor(q))
out = torch._make_per_tensor_quantized_tensor(torch.tensor(q, dtype=torch.uint8), res.fc.scale,
                                              res.fc.zero_point).dequantize()
emit("res.out", out)
torch_out = res(rx)
emit("res.torch.out", torch_out)
diff = (torch_out - out).abs().max().item() / res.fc.scale
assert diff <= 3, ("res", diff)
print("res: PyTorch's own model within %.0f output quanta of the transcription" % diff, file=sys.stderr)
# the kernels against this PyTorch's own (its ATen kernels, engine-independent; its CPU capability may be AVX-512,
# which rounds a few tail elements differently from the AVX2 transcription: reported, not required equal)
ta = torch.quantize_per_tensor(torch.randn(200) * 2, 0.031, 120, torch.quint8)
tb = torch.quantize_per_tensor(torch.randn(200), 0.017, 100, torch.quint8)
emit("ops.a.ints", ta.int_repr())
emit("ops.b.ints", tb.int_repr())
a_i = ta.int_repr().numpy().astype(np.int64)
b_i = tb.int_repr().numpy().astype(np.int64)
for key, ref, mine in (("add", torch.ops.quantized.add(ta, tb, 0.043, 90).int_repr().numpy(),
                        qadd_ints(a_i, 0.031, 120, b_i, 0.017, 100, 0.043, 90, False)),
                       ("add_relu", torch.ops.quantized.add_relu(ta, tb, 0.043, 90).int_repr().numpy(),
                        qadd_ints(a_i, 0.031, 120, b_i, 0.017, 100, 0.043, 90, True)),
                       ("mul", torch.ops.quantized.mul(ta, tb, 0.02, 128).int_repr().numpy(),
                        qmul_ints(a_i, 0.031, 120, b_i, 0.017, 100, 0.02, 128))):
    emit("ops." + key, torch.tensor(mine))
    d = np.abs(ref.astype(np.int64) - mine).max()
    assert d <= 1, key
    print("ops.%s: %d of 200 differ from this PyTorch's kernel (max %d)" % (key, int((ref != mine).sum()), d),
          file=sys.stderr)

# quantized::add where the fma dequantization and (q - z) * s round the sum differently: parameters found by a search
# (these three pairs flip), placed in the vectorized part (elements 0-2: fma) and in the tail (97-99: (q - z) * s).
fa_i = np.random.RandomState(11).randint(0, 256, size=100).astype(np.int64)
fb_i = np.random.RandomState(12).randint(0, 256, size=100).astype(np.int64)
for j, (pa, pb) in enumerate(((47, 236), (49, 198), (112, 158))):
    fa_i[j], fb_i[j] = pa, pb
    fa_i[97 + j], fb_i[97 + j] = pa, pb
FMA = (0.08425544947385788, 50, 0.09389092773199081, 179, 0.026766488328576088, 53)
emit("fma.a.ints", torch.tensor(fa_i, dtype=torch.uint8))
emit("fma.b.ints", torch.tensor(fb_i, dtype=torch.uint8))
lines.append("fma.params %r %d %r %d %r %d" % FMA)
fma_sum = qadd_ints(fa_i, FMA[0], FMA[1], fb_i, FMA[2], FMA[3], FMA[4], FMA[5], False)
emit("fma.add", torch.tensor(fma_sum))
assert all(fma_sum[j] != fma_sum[97 + j] for j in range(3))  # the two paths differ on the same pair
ref = torch.ops.quantized.add(torch._make_per_tensor_quantized_tensor(torch.tensor(fa_i, dtype=torch.uint8), FMA[0], FMA[1]),
                              torch._make_per_tensor_quantized_tensor(torch.tensor(fb_i, dtype=torch.uint8), FMA[2], FMA[3]),
                              FMA[4], FMA[5]).int_repr().numpy()
print("fma: this PyTorch's kernel differs from the AVX2 transcription at %s (its CPU capability's vector width)"
      % np.nonzero(ref != fma_sum)[0].tolist(), file=sys.stderr)

# Quantization-aware training: prepare_qat (x86's default QAT qconfig: fused moving-average fake quantizers, per-channel
# weights), three SGD steps, then convert; the trained state (weights and every fake quantizer's buffers) is written so
# the test converts exactly what PyTorch converted.
torch.manual_seed(3)
qm = nn.Sequential(tq.QuantStub(), nn.Conv2d(1, 3, 3), nn.ReLU(), nn.Flatten(), nn.Linear(3 * 6 * 6, 4),
                   tq.DeQuantStub())
for k, v in qm.state_dict().items():
    emit("qat.float." + k, v)
qm.train()
qm.qconfig = tq.get_default_qat_qconfig("x86")
tq.prepare_qat(qm, inplace=True)
text("qat.prepared", str(qm))
opt = torch.optim.SGD(qm.parameters(), lr=0.1)
qxs = torch.randn(3, 4, 1, 8, 8)
qys = torch.randint(0, 4, (3, 4))
emit("qat.xs", qxs)
emit("qat.ys", qys)
for i in range(3):
    opt.zero_grad()
    loss = F.cross_entropy(qm(qxs[i]), qys[i])
    loss.backward()
    opt.step()
    lines.append("qat.loss.%d %r" % (i, loss.item()))
qm.eval()
for k, v in qm.state_dict().items():
    emit("qat.trained." + k, v)
tq.convert(qm, inplace=True)
text("qat.converted", str(qm))
for name, idx in (("conv", 1), ("fc", 4)):
    lines.append("qat.%s.out_qparams %r %d" % (name, qm[idx].scale, qm[idx].zero_point))
    emit("qat.%s.weight.ints" % name, qm[idx].weight().int_repr())
qx = torch.quantize_per_tensor(x[:, :, :8, :8], float(qm[0].scale), int(qm[0].zero_point), torch.quint8)
q = qx.int_repr().numpy().astype(np.int64)
c = qm[1]
q = qconv_ints(q, qx.q_zero_point(), qx.q_scale(), c.weight(), c.bias().detach().numpy(), (1, 1), (0, 0), (1, 1), 1,
               c.scale, c.zero_point)
emit("qat.ints.conv", torch.tensor(q))
q = np.maximum(q, c.zero_point).reshape(q.shape[0], -1)
f = qm[4]
sc, zp = scales_of(f.weight())
q = qlinear_ints(q - c.zero_point, f.weight().int_repr().numpy().astype(np.int64), sc, zp, f.bias().detach().numpy(),
                 c.scale, f.scale, f.zero_point, False)
emit("qat.ints.fc", torch.tensor(q))
out = torch._make_per_tensor_quantized_tensor(torch.tensor(q, dtype=torch.uint8), f.scale, f.zero_point).dequantize()
emit("qat.out", out)
torch_out = qm(x[:, :, :8, :8])
emit("qat.torch.out", torch_out)
diff = (torch_out - out).abs().max().item() / f.scale
assert diff <= 3, ("qat", diff)
print("qat: PyTorch's own model within %.0f output quanta of the transcription" % diff, file=sys.stderr)

# adaptive_avg_pool2d on a quantized tensor: PyTorch's quantized kernel (NCHW), the input's scale and zero point kept.
pq = torch.quantize_per_tensor(torch.randn(2, 3, 7, 5) * 2, 0.037, 131, torch.quint8)
emit("pool.ints", pq.int_repr())
for size in ((3, 2), (1, 1), (4, 4)):
    emit("pool.avg.%d.%d" % size, F.adaptive_avg_pool2d(pq, size).int_repr())
# avg_pool2d on a quantized tensor: PyTorch's quantized kernel (avg_pool2d_out_frame, NCHW)
AVG_CASES = (("k3s2p1", (3, 2, 1, False, True, None)), ("k3s2p1x", (3, 2, 1, False, False, None)),
             ("k2ceil", (2, 2, 0, True, True, None)), ("k3s1p1div5", (3, 1, 1, False, True, 5)),
             ("k2s1", (2, 1, 0, False, True, None)))
for name, (k, st, pd, ceil, incl, div) in AVG_CASES:
    emit("pool.avg2d." + name, F.avg_pool2d(pq, k, st, pd, ceil, incl, div).int_repr())

# quantized::relu6 (nnq.ReLU6, what convert makes of nn.ReLU6): the integers clamped to [zp, quantize_val(6.0)]
r6 = torch.quantize_per_tensor(torch.linspace(-8, 8, 20), 0.07, 40, torch.quint8)
emit("relu6.ints", r6.int_repr())
emit("relu6.out", nnq.ReLU6()(r6).int_repr())
r6m = nn.Sequential(tq.QuantStub(), nn.ReLU6(), tq.DeQuantStub()).eval()
r6m.qconfig = tq.default_qconfig
tq.prepare(r6m, inplace=True)
text("relu6.prepared", str(r6m))
r6x = torch.linspace(-3, 9, 24).reshape(2, 12)
emit("relu6.x", r6x)
with torch.no_grad():
    r6m(r6x)
tq.convert(r6m, inplace=True)
text("relu6.converted", str(r6m))
emit("relu6.model.out", r6m(r6x))

# The kernel alone: quantized::linear (and linear_relu) over random integers, per tensor and per channel, few rows
# (the int8 dot path) and many (the sliced GEMM), with biases large enough to matter.
rng = np.random.RandomState(7)
for case, (m_, k_, n_, per_channel, relu, bias) in enumerate(((3, 40, 7, False, False, True), (5, 33, 9, True, True, True),
                                                               (30, 300, 17, True, False, True),
                                                               (26, 64, 12, False, True, False))):
    key = "k%d" % case
    x_ints = rng.randint(0, 256, size=(m_, k_)).astype(np.int64)
    x_zp = int(rng.randint(0, 256))
    x_scale = float(np.float32(rng.uniform(0.005, 0.05)))
    w_ints = rng.randint(-128, 128, size=(n_, k_)).astype(np.int64)
    if per_channel:
        w_scale = rng.uniform(0.001, 0.02, size=n_).astype(np.float32)
        w_zp = rng.randint(-3, 4, size=n_).astype(np.int64)
    else:
        w_scale = np.array([rng.uniform(0.001, 0.02)], dtype=np.float32)
        w_zp = np.array([0], dtype=np.int64)
    b = (rng.randn(n_) * 3).astype(np.float32) if bias else None
    raw_range = np.abs((x_ints - x_zp) @ (w_ints - np.broadcast_to(w_zp, (n_,))[:, None]).T).max()
    out_scale = float(np.float32(raw_range * x_scale * float(w_scale.max()) / 200))
    out_zp = int(rng.randint(0, 256))
    emit(key + ".x.ints", torch.tensor(x_ints, dtype=torch.uint8))
    lines.append("%s.x.qparams %r %d" % (key, x_scale, x_zp))
    emit(key + ".w.ints", torch.tensor(w_ints, dtype=torch.int8))
    emit(key + ".w.scales", torch.tensor(w_scale.astype(np.float64)))
    emit(key + ".w.zero_points", torch.tensor(w_zp))
    if b is not None:
        emit(key + ".bias", torch.tensor(b))
    lines.append("%s.out.qparams %r %d %s" % (key, out_scale, out_zp, "relu" if relu else "plain"))
    y = qlinear_ints(x_ints - x_zp, w_ints, w_scale, w_zp, b, x_scale, out_scale, out_zp, relu)
    emit(key + ".y.ints", torch.tensor(y))
    assert len(np.unique(y)) > min(10, y.size // 3), key  # spread over the range, not saturated

print("\n".join(lines))
