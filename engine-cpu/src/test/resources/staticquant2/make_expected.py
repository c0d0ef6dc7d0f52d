# Expected values for StaticQuantization2Test: the statically quantized forms of BatchNorm2d/3d, Hardswish, ELU,
# LeakyReLU and LayerNorm (torch.ao.nn.quantized), QFunctional.add_scalar / mul_scalar, and a model of them end to end
# (QuantStub, prepare, calibration, convert).
#
# These ops run PyTorch's generic quantized kernels (aten/src/ATen/native/quantized/cpu/kernels/QuantizedOpKernels.cpp,
# qbatch_norm.cpp, qadd.cpp, qmul.cpp), not an engine's (FBGEMM, onednn, qnnpack), so this PyTorch's outputs are the
# x86 build's: they are taken from it directly. Its AVX2 kernels are forced (ATEN_CPU_CAPABILITY=avx2), as Ember
# follows PyTorch's AVX2 vector widths (32 quint8 lanes; 2 vectors per cpu_kernel_vec step) where the vectorized and the
# scalar remainder round differently; inputs stay under one thread's grain.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13)
import os

os.environ["ATEN_CPU_CAPABILITY"] = "avx2"
import sys  # noqa: E402

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.ao.nn.quantized as nnq  # noqa: E402
import torch.ao.quantization as tq  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from refcases import key_lines  # noqa: E402

assert "CPU capability usage: AVX2" in torch.__config__.show()
torch.set_num_threads(1)
lines = []
text, emit, _ = key_lines(lines)


def qparams(key, q):
    lines.append("%s %r %d" % (key, q.q_scale(), q.q_zero_point()))


def qin(key, x, scale, zp, dtype=torch.quint8):
    q = torch.quantize_per_tensor(x, scale, zp, dtype)
    emit(key + ".ints", q.int_repr())
    qparams(key + ".qparams", q)
    return q


def qout(key, q):
    emit(key + ".ints", q.int_repr())
    qparams(key + ".qparams", q)


torch.manual_seed(0)
# ---- activations: 100 elements (64 through the vectorized loop, 36 scalar), quint8 and qint8
for dt, name, zp in ((torch.quint8, "u8", 120), (torch.qint8, "s8", -5)):
    x = torch.randn(4, 25) * 2.5
    q = qin("act.%s.x" % name, x, 0.047, zp, dt)
    qout("act.%s.hardswish" % name, torch.ops.quantized.hardswish(q, 0.031, zp // 2 + 10))
    qout("act.%s.elu" % name, torch.ops.quantized.elu(q, 0.029, zp // 3, 0.7))
    qout("act.%s.leaky_relu" % name,
         torch.ops.quantized.leaky_relu(q, 0.1, False, 0.023, zp + 3 if dt == torch.quint8 else zp))

# ---- sigmoid / tanh of a quantized tensor (nn.Sigmoid, nn.Tanh stay float in eager mode: PyTorch's quantized
# kernels with fixed output parameters run on their input's integers); 300 elements: 256 vectorized, 44 scalar
for dt, name, zp in ((torch.quint8, "u8", 131), (torch.qint8, "s8", 4)):
    x = torch.randn(300) * 3
    q = qin("fixed.%s.x" % name, x, 0.037, zp, dt)
    qout("fixed.%s.sigmoid" % name, torch.sigmoid(q))
    qout("fixed.%s.tanh" % name, torch.tanh(q))

# ---- batch_norm2d / 3d: channels below 8 (scalar), 8..31 (the 32-lane vector on a buffer), 40 (32 + 8)
for c in (3, 12, 40):
    x = torch.randn(2, c, 3, 2) * 1.7 + 0.3
    q = qin("bn2d.c%d.x" % c, x, 0.043, 110)
    w, b = torch.randn(c), torch.randn(c) * 0.5
    mean, var = torch.randn(c) * 0.4, torch.rand(c) * 2 + 0.2
    for k, v in (("weight", w), ("bias", b), ("mean", mean), ("var", var)):
        emit("bn2d.c%d.%s" % (c, k), v)
    qout("bn2d.c%d.y" % c, torch.ops.quantized.batch_norm2d(q, w, b, mean, var, 1e-5, 0.061, 97))
for c in (5, 16):
    x = torch.randn(2, c, 2, 2, 3) * 1.3
    q = qin("bn3d.c%d.x" % c, x, 0.037, 125)
    w, b = torch.randn(c), torch.randn(c) * 0.5
    mean, var = torch.randn(c) * 0.4, torch.rand(c) * 2 + 0.2
    for k, v in (("weight", w), ("bias", b), ("mean", mean), ("var", var)):
        emit("bn3d.c%d.%s" % (c, k), v)
    qout("bn3d.c%d.y" % c, torch.ops.quantized.batch_norm3d(q, w, b, mean, var, 1e-3, 0.05, 120))

# ---- layer_norm: normalized size 40 (32 vectorized + 8 scalar), [4, 5] (20: scalar), without affine
for key, shape, norm, affine in (("ln40", (3, 40), [40], True), ("ln45", (2, 3, 4, 5), [4, 5], True),
                                 ("ln70", (2, 70), [70], False)):
    x = torch.randn(*shape) * 2 + 0.5
    q = qin(key + ".x", x, 0.05, 118)
    w = torch.randn(norm) if affine else None
    b = torch.randn(norm) * 0.3 if affine else None
    if affine:
        emit(key + ".weight", w)
        emit(key + ".bias", b)
    qout(key + ".y", torch.ops.quantized.layer_norm(q, norm, w, b, 1e-5, 0.027, 128))

# ---- group_norm / instance_norm (contiguous input: quantized_normalize_kernel per channel)
for key, shape, groups, affine in (("gn", (2, 6, 3, 5), 3, True), ("gn1", (2, 4, 40), 2, False)):
    x = torch.randn(*shape) * 1.5 - 0.2
    q = qin(key + ".x", x, 0.045, 121)
    w = torch.randn(shape[1]) if affine else None
    b = torch.randn(shape[1]) * 0.3 if affine else None
    if affine:
        emit(key + ".weight", w)
        emit(key + ".bias", b)
    qout(key + ".y", torch.ops.quantized.group_norm(q, groups, w, b, 1e-5, 0.031, 125))
for key, shape in (("in1", (2, 3, 7)), ("in2", (2, 3, 4, 5)), ("in3", (1, 2, 3, 2, 4))):
    x = torch.randn(*shape) * 1.2 + 0.1
    q = qin(key + ".x", x, 0.04, 119)
    w, b = torch.randn(shape[1]), torch.randn(shape[1]) * 0.3
    emit(key + ".weight", w)
    emit(key + ".bias", b)
    qout(key + ".y", torch.ops.quantized.instance_norm(q, w, b, 1e-5, 0.03, 127))

# ---- QFunctional.add_scalar / mul_scalar: each branch of the output parameters
f = nnq.QFunctional()
for dt, name, zp in ((torch.quint8, "u8", 100), (torch.qint8, "s8", 3)):
    x = torch.randn(100) * 2
    q = qin("scalar.%s.x" % name, x, 0.04, zp, dt)
    for i, c in enumerate((0.33, 7.0, -6.5, 1e-3)):
        qout("scalar.%s.add%d" % (name, i), f.add_scalar(q, c))
    for i, c in enumerate((2.5, 0.0, -0.5)):
        qout("scalar.%s.mul%d" % (name, i), f.mul_scalar(q, c))


# ---- inputs on which the arithmetic's variants disagree: where the vectorized loop and the scalar remainder, or an
# fma and a product-then-sum, round to different integers. Random inputs almost never land there (a value must fall
# within an ulp of a rounding boundary), so parameters are searched for with numpy (float32 steps; fma emulated in
# float64), and then PyTorch's own outputs on them say which variant it computes.
import numpy as np  # noqa: E402

f32 = np.float32
rng = np.random.default_rng(7)


def fma(a, b, c):
    return (a.astype(np.float64) * b.astype(np.float64) + c.astype(np.float64)).astype(f32)


def quant(y, inv, zp, lo, hi):
    return np.clip(np.rint(y * inv).astype(np.int64) + zp, lo, hi)


def hardswish_variants(s, zp, os_, ozp):
    q = np.arange(0, 256, dtype=f32)
    sv = f32(s)
    vec_d = fma(q, np.full_like(q, sv), np.full_like(q, sv * -f32(zp)))
    sc_d = (q - f32(zp)) * sv
    outs = []
    for d, inv in ((vec_d, f32(1.0 / os_)), (sc_d, f32(1.0) / f32(os_))):
        y = d * np.minimum(np.maximum(d + f32(3), f32(0)), f32(6)) / f32(6)
        outs.append(quant(y, inv, ozp, 0, 255))
    return outs


found = None
for _ in range(20000):
    s, os_ = float(rng.uniform(0.005, 0.1)), float(rng.uniform(0.005, 0.1))
    zp, ozp = int(rng.integers(0, 256)), int(rng.integers(0, 256))
    a, b = hardswish_variants(s, zp, os_, ozp)
    if np.any(a != b):
        found = (s, zp, os_, ozp, np.nonzero(a != b)[0])
        break
assert found is not None
s, zp, os_, ozp, where = found
lines.append("adv.hardswish.params %r %d %r %d" % (s, zp, os_, ozp))
# 64 elements through the vector loop, then 36 scalar ones: the disagreeing integers in both
ints = np.resize(np.arange(0, 256), 100)
ints[:len(where)] = where
ints[64:64 + len(where)] = where
q = torch._make_per_tensor_quantized_tensor(torch.tensor(ints, dtype=torch.uint8), s, zp)
qout("adv.hardswish.x", q)
qout("adv.hardswish.y", torch.ops.quantized.hardswish(q, os_, ozp))


def bn_variants(alpha, beta, zp):
    d = np.arange(0, 256, dtype=f32) - f32(zp)
    return quant(fma(np.full_like(d, alpha), d, np.full_like(d, beta)), f32(1), 0, -10**9, 10**9), \
        quant(f32(alpha) * d + f32(beta), f32(1), 0, -10**9, 10**9)


# per channel: alpha and beta computed as compute_fused_params does; channels searched until fma and mul-add disagree
C = 11  # 8 through the vector fmadd, 3 scalar
chans = []
while len(chans) < C:
    w, b, m, v = (f32(rng.normal()), f32(rng.normal() * 0.5), f32(rng.normal() * 0.4), f32(rng.uniform(0.2, 2.2)))
    inv_sigma = f32(1.0 / float(np.sqrt(v + f32(1e-5))))
    alpha = f32(float(inv_sigma * w) * (0.043 / 0.061))
    beta = f32(float(b - m * inv_sigma * w) / 0.061)
    x1, x2 = bn_variants(alpha, beta, 110)
    hit = np.nonzero(x1 != x2)[0]
    if len(hit) and all(0 <= h < 256 for h in hit):
        chans.append((w, b, m, v, hit[0]))
wt = torch.tensor([c[0] for c in chans])
bt = torch.tensor([c[1] for c in chans])
mt = torch.tensor([c[2] for c in chans])
vt = torch.tensor([c[3] for c in chans])
ints = torch.randint(0, 256, (2, C, 2, 2), generator=torch.Generator().manual_seed(3), dtype=torch.int64)
for ch, c in enumerate(chans):
    ints[0, ch, 0, 0] = int(c[4])
    ints[1, ch, 1, 1] = int(c[4])
q = torch._make_per_tensor_quantized_tensor(ints.to(torch.uint8), 0.043, 110)
qout("adv.bn.x", q)
for k, t in (("weight", wt), ("bias", bt), ("mean", mt), ("var", vt)):
    emit("adv.bn." + k, t)
qout("adv.bn.y", torch.ops.quantized.batch_norm2d(q, wt, bt, mt, vt, 1e-5, 0.061, 97))


def ln_variants(qrow, zp, xs, g, bb, eps, inv, fused_var, fused_y):
    n = len(qrow)
    sm, sq = int(qrow.sum()), int((qrow.astype(np.int64) ** 2).sum())
    ms = f32(sm) / f32(n)
    mean = ms - f32(zp)
    if fused_var:
        var = max(fma(np.array([-ms]), np.array([ms]), np.array([f32(sq) / f32(n)]))[0], f32(0))
    else:
        var = max(f32(sq) / f32(n) - ms * ms, f32(0))
    std = f32(float(xs) / np.sqrt(float(var * f32(xs) * f32(xs)) + eps))
    d = qrow.astype(f32) - f32(zp)
    t = (d - mean) * std
    y = fma(t, g, bb) if fused_y else t * g + bb
    return quant(y, inv, 128, 0, 255)


N = 40


def ln_search(differs):
    for _ in range(200000):
        qrow = rng.integers(0, 256, N).astype(np.int64)
        g = rng.normal(size=N).astype(f32)
        bb = (rng.normal(size=N) * 0.3).astype(f32)
        vs = {(fv, fy): ln_variants(qrow, 118, f32(0.05), g, bb, 1e-5, f32(1) / f32(0.027), fv, fy)
              for fv in (False, True) for fy in (False, True)}
        if differs(vs):
            return qrow, g, bb
    raise AssertionError("no input found")


# one group where the fused and unfused element step disagree in the scalar remainder (the last 8 of 40), one where
# the variance's fused and unfused steps give different outputs
ln_cases = {
    "y": ln_search(lambda vs: np.any(vs[(False, False)][32:] != vs[(False, True)][32:])),
    "var": ln_search(lambda vs: np.any(vs[(False, True)] != vs[(True, True)])),
}
for k, (qrow, g, bb) in ln_cases.items():
    q = torch._make_per_tensor_quantized_tensor(torch.tensor(qrow, dtype=torch.uint8).reshape(1, N), 0.05, 118)
    qout("adv.ln%s.x" % k, q)
    emit("adv.ln%s.weight" % k, torch.tensor(g))
    emit("adv.ln%s.bias" % k, torch.tensor(bb))
    qout("adv.ln%s.y" % k, torch.ops.quantized.layer_norm(q, [N], torch.tensor(g), torch.tensor(bb), 1e-5, 0.027,
                                                          128))


# group_norm's element step, (q - zp - mean) * (scale / std * gamma) + beta: an input where fused and unfused differ
def gn_variants(qrow, g, bb, fused):
    n = len(qrow)
    sm, sq = int(qrow.sum()), int((qrow.astype(np.int64) ** 2).sum())
    ms = f32(sm) / f32(n)
    mean = ms - f32(118)
    var = max(fma(np.array([-ms]), np.array([ms]), np.array([f32(sq) / f32(n)]))[0], f32(0))
    std = f32(float(f32(0.05)) / np.sqrt(float(var * f32(0.05) * f32(0.05)) + 1e-5))
    d = qrow.astype(f32) - f32(118)
    half = n // 2
    gp = np.concatenate([np.full(half, std * g[0], dtype=f32), np.full(n - half, std * g[1], dtype=f32)])
    bt = np.concatenate([np.full(half, bb[0], dtype=f32), np.full(n - half, bb[1], dtype=f32)])
    y = fma(d - mean, gp, bt) if fused else (d - mean) * gp + bt
    return quant(y, f32(1) / f32(0.027), 128, 0, 255)


for _ in range(200000):
    qrow = rng.integers(0, 256, 2 * 20).astype(np.int64)
    g = rng.normal(size=2).astype(f32)
    bb = (rng.normal(size=2) * 0.3).astype(f32)
    if np.any(gn_variants(qrow, g, bb, False) != gn_variants(qrow, g, bb, True)):
        break
else:
    raise AssertionError("no input found")
q = torch._make_per_tensor_quantized_tensor(torch.tensor(qrow, dtype=torch.uint8).reshape(1, 2, 20), 0.05, 118)
qout("adv.gn.x", q)
emit("adv.gn.weight", torch.tensor(g))
emit("adv.gn.bias", torch.tensor(bb))
qout("adv.gn.y", torch.ops.quantized.group_norm(q, 1, torch.tensor(g), torch.tensor(bb), 1e-5, 0.027, 128))
# ---- quantized::matmul (x86: dequantize, float matmul, quantize_per_tensor)
for dt, name in ((torch.quint8, "u8"), (torch.qint8, "s8")):
    a = qin("matmul.%s.a" % name, torch.randn(2, 3, 5) * 2, 0.05, 7 if dt == torch.qint8 else 120, dt)
    b = qin("matmul.%s.b" % name, torch.randn(2, 5, 4) * 2, 0.04, -3 if dt == torch.qint8 else 130, dt)
    qout("matmul.%s.y" % name, torch.ops.quantized.matmul(a, b, 0.21, 5 if dt == torch.qint8 else 128))


# ---- a model end to end
def model():
    return nn.Sequential(tq.QuantStub(), nn.BatchNorm2d(3), nn.Hardswish(), nn.LeakyReLU(0.1), nn.ELU(0.7),
                         nn.LayerNorm([4, 5]), nn.ReLU(), nn.BatchNorm2d(3, eps=1e-3), nn.ReLU6(), tq.DeQuantStub())


float_model = model().eval()
with torch.no_grad():
    for bn in (float_model[1], float_model[7]):
        bn.weight.copy_(torch.randn(3))
        bn.bias.copy_(torch.randn(3) * 0.3)
        bn.running_mean.copy_(torch.randn(3) * 0.5)
        bn.running_var.copy_(torch.rand(3) + 0.5)
    float_model[5].weight.copy_(torch.randn(4, 5) * 0.5 + 1)
    float_model[5].bias.copy_(torch.randn(4, 5) * 0.2)
for k, v in float_model.state_dict().items():
    emit("model.float." + k, v)
calib = torch.randn(6, 3, 4, 5) * 1.5
x = torch.randn(2, 3, 4, 5) * 1.5
emit("model.calib", calib)
emit("model.x", x)
m = model().eval()
m.load_state_dict(float_model.state_dict())
m.qconfig = tq.default_qconfig
tq.prepare(m, inplace=True)
text("model.prepared", str(m))
with torch.no_grad():
    m(calib)
tq.convert(m, inplace=True)
text("model.converted", str(m))
for i in range(1, 9):
    s = m[i]
    if hasattr(s, "scale"):
        lines.append("model.qparams.%d %r %d" % (i, float(s.scale), int(s.zero_point)))
lines.append("model.qparams.0 %r %d" % (float(m[0].scale), int(m[0].zero_point)))
with torch.no_grad():
    h = m[0](x)
    qout("model.stage.0", h)
    for i in range(1, 9):
        h = m[i](h)
        qout("model.stage.%d" % i, h)
    emit("model.y", m(x))



# ---- a second model: GroupNorm and InstanceNorm2d (affine), converted
def model2():
    return nn.Sequential(tq.QuantStub(), nn.GroupNorm(2, 4), nn.InstanceNorm2d(4, affine=True), tq.DeQuantStub())


float2 = model2().eval()
with torch.no_grad():
    float2[1].weight.copy_(torch.randn(4))
    float2[1].bias.copy_(torch.randn(4) * 0.3)
    float2[2].weight.copy_(torch.randn(4))
    float2[2].bias.copy_(torch.randn(4) * 0.3)
for k, v in float2.state_dict().items():
    emit("model2.float." + k, v)
calib = torch.randn(4, 4, 3, 5) * 1.5
x = torch.randn(2, 4, 3, 5) * 1.5
emit("model2.calib", calib)
emit("model2.x", x)
m = model2().eval()
m.load_state_dict(float2.state_dict())
m.qconfig = tq.default_qconfig
tq.prepare(m, inplace=True)
with torch.no_grad():
    m(calib)
tq.convert(m, inplace=True)
text("model2.converted", str(m))
for i in range(0, 3):
    lines.append("model2.qparams.%d %r %d" % (i, float(m[i].scale), int(m[i].zero_point)))
with torch.no_grad():
    h = m[0](x)
    qout("model2.stage.0", h)
    for i in range(1, 3):
        h = m[i](h)
        qout("model2.stage.%d" % i, h)
    emit("model2.y", m(x))

print("\n".join(lines))
