# Expected values for StaticQuantization3Test: eager-mode static quantization of the other convolutions,
# torch.ao.nn.quantized.Conv1d and Conv3d and the fused ConvReLU1d / ConvReLU3d (fuse_modules of conv + relu and, in
# eval, conv + bn (+ relu) with the batch norm folded), PyTorch 1.13's converted modules as the reference.
#
# As in resources/staticquant/make_expected.py: what PyTorch computes engine-independently (observers, printouts,
# quantized weights, quantize_per_tensor of the input, state dicts) is taken from it; the quantized convolutions'
# outputs are written twice: "*.ints.*", FBGEMM's arithmetic transcribed (PyTorch's x86 engine, which this Debian build
# lacks: the exact integer sum of (qx - zx)(qw - zw) over the window, the input's zero point as padding, then
# requantizeOutputProcessingAvx2's float steps; FBGEMM's conv1d is its conv2d with height 1 and its conv3d the same
# im2col + requantization over three dimensions), and "*.torch.*", this PyTorch's own model (onednn), which rounds in
# its own order: the generator reports how many integers differ from the transcription (by at most one quantum).
# The transcriptions are resources/fbgemmref.py's (moved there in session 38, the output unchanged).
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13; also writes the *.pt state dicts here)
import collections
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.ao.quantization as tq

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, ".."))
from refcases import fmt_tensor  # noqa: E402
from fbgemmref import qconv_ints, qconvt_ints, qlinear_ints, scales_of  # noqa: E402

torch.backends.quantized.engine = "onednn"
lines = []


def emit(key, t):
    lines.append(key + " " + fmt_tensor(t))


def text(key, s):
    lines.append(key + " " + s.replace("\\", "\\\\").replace("\n", "\\n"))


def detached(sd):
    out = collections.OrderedDict()
    for k, v in sd.items():
        if isinstance(v, torch.Tensor) and not v.is_quantized:
            v = v.detach().clone()
        out[k] = v
    out._metadata = sd._metadata
    return out






def set_bn(bn, seed):
    g = torch.Generator().manual_seed(seed)
    c = bn.num_features
    with torch.no_grad():
        bn.running_mean.copy_(torch.randn(c, generator=g) * 0.2)
        bn.running_var.copy_(torch.rand(c, generator=g) + 0.5)
        bn.weight.copy_(torch.rand(c, generator=g) + 0.5)
        bn.bias.copy_(torch.randn(c, generator=g) * 0.1)


def conv1d_model():
    # conv + bn + relu (folded, ConvReLU1d), a grouped strided dilated conv + bn (folded, Conv1d), conv + relu
    # (ConvReLU1d, no bias)
    return nn.Sequential(tq.QuantStub(), nn.Conv1d(2, 4, 3, padding=1), nn.BatchNorm1d(4), nn.ReLU(),
                         nn.Conv1d(4, 6, 3, stride=2, padding=2, dilation=2, groups=2), nn.BatchNorm1d(6),
                         nn.Conv1d(6, 3, 2, bias=False), nn.ReLU(), tq.DeQuantStub())


def conv3d_model():
    return nn.Sequential(tq.QuantStub(), nn.Conv3d(2, 4, (2, 3, 3), padding=(1, 1, 0)), nn.BatchNorm3d(4), nn.ReLU(),
                         nn.Conv3d(4, 4, 3, stride=(1, 2, 1), padding=1, dilation=(2, 1, 1), groups=2), nn.BatchNorm3d(4),
                         nn.Conv3d(4, 3, (1, 2, 2), bias=False), nn.ReLU(), tq.DeQuantStub())


FUSE = [["1", "2", "3"], ["4", "5"], ["6", "7"]]
CONVS = ("1", "4", "6")
RELU = {"1": True, "4": False, "6": True}

for name, make, shape, seed in (("c1", conv1d_model, (2, 9), 0), ("c3", conv3d_model, (2, 4, 6, 5), 1)):
    torch.manual_seed(seed)
    fm = make().eval()
    set_bn(fm[2], seed * 10 + 1)
    set_bn(fm[5], seed * 10 + 2)
    for k, v in fm.state_dict().items():
        emit(name + ".float." + k, v)
    calib = torch.randn((12,) + shape) * 1.5
    x = torch.randn((3,) + shape) * 1.5
    emit(name + ".calib", calib)
    emit(name + ".x", x)
    for cfg, qconfig in (("pt", tq.default_qconfig), ("pc", tq.default_per_channel_qconfig)):
        key = name + "." + cfg
        m = make().eval()
        m.load_state_dict(fm.state_dict())
        tq.fuse_modules(m, FUSE, inplace=True)
        if cfg == "pt":
            text(name + ".fused", str(m))
            for idx in ("1", "4"):
                conv = m.get_submodule(idx)
                conv = conv[0] if isinstance(conv, nn.Sequential) else conv
                emit(name + ".folded." + idx + ".weight", conv.weight)
                emit(name + ".folded." + idx + ".bias", conv.bias)
        m.qconfig = qconfig
        tq.prepare(m, inplace=True)
        if cfg == "pt":
            text(name + ".prepared", str(m))
        with torch.no_grad():
            m(calib)
        for idx in ("0",) + CONVS:
            o = m.get_submodule(idx).activation_post_process
            lines.append("%s.obs.%s %r %r" % (key, idx, o.min_val.item(), o.max_val.item()))
        tq.convert(m, inplace=True)
        text(key + ".converted", str(m))
        for idx in CONVS:
            layer = m.get_submodule(idx)
            w = layer.weight()
            emit(key + "." + idx + ".weight.ints", w.int_repr())
            sc, zp = scales_of(w)
            emit(key + "." + idx + ".weight.scales", torch.tensor(sc.astype(np.float64)))
            emit(key + "." + idx + ".weight.zero_points", torch.tensor(zp))
            lines.append("%s.%s.out_qparams %r %d" % (key, idx, layer.scale, layer.zero_point))
        quant = m[0]
        qx = torch.quantize_per_tensor(x, float(quant.scale), int(quant.zero_point), torch.quint8)
        q = qx.int_repr().numpy().astype(np.int64)
        s, z = qx.q_scale(), qx.q_zero_point()
        emit(key + ".ints.0", torch.tensor(q))
        torch_q = qx
        differ, total = 0, 0
        for idx in CONVS:
            layer = m.get_submodule(idx)
            q = qconv_ints(q, z, s, layer, RELU[idx])
            emit(key + ".ints." + idx, torch.tensor(q))
            # PyTorch's own layer on the transcription's input: how many of its integers differ from FBGEMM's
            tin = torch._make_per_tensor_quantized_tensor(torch.tensor(torch_in, dtype=torch.uint8), s, z) \
                if idx != "1" else qx
            theirs = layer(tin).int_repr().numpy().astype(np.int64)
            d = np.abs(theirs - q)
            assert d.max() <= 1, (key, idx, d.max())
            differ += int((d != 0).sum())
            total += d.size
            emit(key + ".torch." + idx, torch.tensor(theirs))
            torch_in = q
            s, z = layer.scale, layer.zero_point
        print("%s: onednn's integers differ from FBGEMM's transcription at %d of %d (by one)" % (key, differ, total),
              file=sys.stderr)
        out = torch._make_per_tensor_quantized_tensor(torch.tensor(q, dtype=torch.uint8), s, z).dequantize()
        emit(key + ".out", out)
        sd = m.state_dict()
        if cfg == "pc":
            torch.save(detached(sd), os.path.join(here, name + "_pc.pt"))
            text(key + ".printout", str(m))


# Transposed convolutions (item 2): nnq.ConvTranspose1d / ConvTranspose2d, per-tensor weights [in, out / groups, *k]
# (PyTorch 1.13's from_float refuses a per-channel weight observer, and FBGEMM's prepack refuses per-channel transposed
# weights in 2.x too). The transcription: the exact integer sums of the transposed convolution (F.conv_transpose*d in
# float64 of (qx - zx) and (qw - zw): exact), FBGEMM's requantization; "*.torch.*" is this PyTorch's qnnpack engine
# (onednn supports no output_padding), which requantizes in its own way: the generator counts the integers that differ
# (by one at most). 1.13 prints "QuantizedConvTranpose2d" (a typo 2.x fixed: "QuantizedConvTranspose2d").

torch.backends.quantized.engine = "qnnpack"


def convt_model():
    return nn.Sequential(tq.QuantStub(),
                         nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2, dilation=2),
                         nn.ConvTranspose2d(6, 3, (2, 3), stride=(1, 2), padding=(0, 2)), tq.DeQuantStub(),
                         nn.Flatten(2), tq.QuantStub(), nn.ConvTranspose1d(3, 4, 3, stride=3, padding=1, output_padding=2),
                         tq.DeQuantStub())


torch.manual_seed(5)
tm = convt_model().eval()
for k, v in tm.state_dict().items():
    emit("ct.float." + k, v)
calib = torch.randn(12, 4, 4, 5) * 1.5
x = torch.randn(3, 4, 4, 5) * 1.5
emit("ct.calib", calib)
emit("ct.x", x)
tm.qconfig = tq.default_qconfig
tq.prepare(tm, inplace=True)
text("ct.prepared", str(tm))
with torch.no_grad():
    tm(calib)
for idx in ("0", "1", "2", "5", "6"):
    o = tm.get_submodule(idx).activation_post_process
    lines.append("ct.obs.%s %r %r" % (idx, o.min_val.item(), o.max_val.item()))
tq.convert(tm, inplace=True)
text("ct.converted", str(tm).replace("QuantizedConvTranpose", "QuantizedConvTranspose"))
for idx in ("1", "2", "6"):
    layer = tm.get_submodule(idx)
    w = layer.weight()
    emit("ct." + idx + ".weight.ints", w.int_repr())
    lines.append("ct.%s.weight.qparams %r %d" % (idx, w.q_scale(), w.q_zero_point()))
    lines.append("ct.%s.out_qparams %r %d" % (idx, layer.scale, layer.zero_point))
differ, total = 0, 0
qx = torch.quantize_per_tensor(x, float(tm[0].scale), int(tm[0].zero_point), torch.quint8)
q = qx.int_repr().numpy().astype(np.int64)
s, z = qx.q_scale(), qx.q_zero_point()
stages = {}
for idx, nd in (("1", 2), ("2", 2), ("5", 0), ("6", 1)):
    layer = tm.get_submodule(idx)
    if nd == 0:  # DeQuantize, Flatten(2), Quantize of the dequantized values
        deq = torch._make_per_tensor_quantized_tensor(torch.tensor(q, dtype=torch.uint8), s, z).dequantize()
        qq = torch.quantize_per_tensor(deq.flatten(2), float(layer.scale), int(layer.zero_point), torch.quint8)
        q = qq.int_repr().numpy().astype(np.int64)
        s, z = qq.q_scale(), qq.q_zero_point()
        emit("ct.ints." + idx, torch.tensor(q))
        continue
    tin = torch._make_per_tensor_quantized_tensor(torch.tensor(q, dtype=torch.uint8), s, z)
    q = qconvt_ints(q, z, s, layer, nd)
    emit("ct.ints." + idx, torch.tensor(q))
    theirs = layer(tin).int_repr().numpy().astype(np.int64)
    d = np.abs(theirs - q)
    assert d.max() <= 1, (idx, d.max())
    differ += int((d != 0).sum())
    total += d.size
    s, z = layer.scale, layer.zero_point
print("ct: qnnpack's integers differ from FBGEMM's transcription at %d of %d (by one)" % (differ, total), file=sys.stderr)
emit("ct.out", torch._make_per_tensor_quantized_tensor(torch.tensor(q, dtype=torch.uint8), s, z).dequantize())
torch.save(detached(tm.state_dict()), os.path.join(here, "ct.pt"))


# BatchNorm2d/3d + ReLU fused (fuse_modules: nni.BNReLU2d / BNReLU3d) and converted to nniq.BNReLU2d / BNReLU3d,
# quantized::batch_norm2d_relu / 3d_relu: PyTorch's own ATen kernel (engine-independent), its integers exactly.
torch.backends.quantized.engine = "onednn"
for name, make, shape, seed in (("bnr2", lambda: nn.Sequential(tq.QuantStub(), nn.BatchNorm2d(10), nn.ReLU(),
                                                                  tq.DeQuantStub()), (10, 3, 4), 7),
                                ("bnr3", lambda: nn.Sequential(tq.QuantStub(), nn.BatchNorm3d(3), nn.ReLU(),
                                                               tq.DeQuantStub()), (3, 2, 3, 4), 8)):
    torch.manual_seed(seed)
    bm = make().eval()
    set_bn(bm[1], seed)
    for k, v in bm.state_dict().items():
        emit(name + ".float." + k, v)
    calib = torch.randn((8,) + shape) * 1.5
    x = torch.randn((3,) + shape) * 1.5
    emit(name + ".calib", calib)
    emit(name + ".x", x)
    tq.fuse_modules(bm, [["1", "2"]], inplace=True)
    text(name + ".fused", str(bm))
    bm.qconfig = tq.default_qconfig
    tq.prepare(bm, inplace=True)
    text(name + ".prepared", str(bm))
    with torch.no_grad():
        bm(calib)
    for idx in ("0", "1"):
        o = bm.get_submodule(idx).activation_post_process
        lines.append("%s.obs.%s %r %r" % (name, idx, o.min_val.item(), o.max_val.item()))
    tq.convert(bm, inplace=True)
    text(name + ".converted", str(bm))
    lines.append("%s.1.out_qparams %r %d" % (name, bm[1].scale.item(), bm[1].zero_point.item()))
    qx = bm[0](x)
    emit(name + ".ints.0", qx.int_repr())
    qy = bm[1](qx)
    emit(name + ".ints.1", qy.int_repr())
    assert (qy.int_repr() >= bm[1].zero_point.item()).all()
    # the observer after the ReLU gives zero point 0, where the clamp to [0, 255] hides the ReLU: the kernel again with
    # zero point 100, where it shows
    b = bm[1]
    op = torch.ops.quantized.batch_norm2d_relu if name == "bnr2" else torch.ops.quantized.batch_norm3d_relu
    qz = op(qx, b.weight, b.bias, b.running_mean, b.running_var, b.eps, b.scale.item(), 100)
    assert (qz.int_repr() == 100).sum() > 5
    emit(name + ".ints.zp100", qz.int_repr())
    torch.save(detached(bm.state_dict()), os.path.join(here, name + ".pt"))


# nnq.PReLU: quantized::prelu (PyTorch's qprelu_out_kernel, ATen, engine-independent: the integer sum
# max(qx - zx, 0) * (q(1.0) - zw) + min(qx - zx, 0) * (qw - zw), then zero_point + rint(float(sum) * multiplier),
# multiplier = x_scale * w_scale * (1 / out_scale) in float). The weight: quint8 with the weight observer's parameters.
# 1.13's from_float never runs that observer (calculate_qparams of an empty observer: scale 1, zero point 0, the
# weight rounded to integers); 2.x's runs it on the weight first (and warns that a qint8 observer is not quint8): the
# generator converts with 1.13, then sets the weight as 2.x's from_float makes it. A negative slope quantizes to 0
# (quint8 with the symmetric observer's zero point 0), as in PyTorch.
def qprelu_ints(q, x_scale, x_zp, qw, out_scale, out_zp, channels):
    w_scale, w_zp = np.float32(qw.q_scale()), qw.q_zero_point()
    qw_one = int(np.clip(w_zp + np.rint(np.float32(1.0) * (np.float32(1.0) / w_scale)), 0, 255))
    w = qw.int_repr().numpy().astype(np.int64)
    shape = [1] * q.ndim
    if channels > 1:
        shape[1] = channels
    w = w.reshape(shape)
    d = q - x_zp
    acc = np.maximum(d, 0) * (qw_one - w_zp) + np.minimum(d, 0) * (w - w_zp)
    mult = np.float32(x_scale) * w_scale * (np.float32(1.0) / np.float32(out_scale))
    return np.clip(out_zp + np.rint(acc.astype(np.float32) * mult).astype(np.int64), 0, 255)


for name, n, shape, seed in (("prelu4", 4, (4, 3, 5), 9), ("prelu1", 1, (6, 7), 10)):
    torch.manual_seed(seed)
    pm = nn.Sequential(tq.QuantStub(), nn.PReLU(n), tq.DeQuantStub()).eval()
    with torch.no_grad():
        pm[1].weight.copy_(torch.rand(n) * 0.6 - (0.1 if n > 1 else -0.05))
    wf = pm[1].weight.detach().clone()
    for k, v in pm.state_dict().items():
        emit(name + ".float." + k, v)
    calib = torch.randn((8,) + shape) * 1.5
    x = torch.randn((3,) + shape) * 1.5
    emit(name + ".calib", calib)
    emit(name + ".x", x)
    pm.qconfig = tq.default_qconfig
    tq.prepare(pm, inplace=True)
    text(name + ".prepared", str(pm))
    with torch.no_grad():
        pm(calib)
    for idx in ("0", "1"):
        o = pm.get_submodule(idx).activation_post_process
        lines.append("%s.obs.%s %r %r" % (name, idx, o.min_val.item(), o.max_val.item()))
    tq.convert(pm, inplace=True)
    text(name + ".converted", str(pm))
    layer = pm[1]
    observer = tq.default_qconfig.weight()
    observer(wf)
    ws, wz = observer.calculate_qparams()
    layer.set_weight(torch.quantize_per_tensor(wf, float(ws), int(wz), torch.quint8))
    emit(name + ".weight.ints", layer.weight.int_repr())
    lines.append("%s.weight.qparams %r %d" % (name, layer.weight.q_scale(), layer.weight.q_zero_point()))
    lines.append("%s.1.out_qparams %r %d" % (name, layer.scale, layer.zero_point))
    qx = pm[0](x)
    emit(name + ".ints.0", qx.int_repr())
    theirs = layer(qx).int_repr().numpy().astype(np.int64)
    mine = qprelu_ints(qx.int_repr().numpy().astype(np.int64), qx.q_scale(), qx.q_zero_point(), layer.weight,
                       layer.scale, layer.zero_point, n)
    d = np.abs(theirs - mine)
    assert d.max() <= 1
    print("%s: this PyTorch's quantized::prelu differs from the transcription at %d of %d" % (name, int((d != 0).sum()),
          d.size), file=sys.stderr)
    emit(name + ".ints.1", torch.tensor(mine))
    sd = pm.state_dict()
    lines.append("%s.state_keys %s" % (name, ",".join(sd.keys())))
    lines.append("%s.state_versions %s" % (name, ",".join("%s=%d" % (k, v["version"]) for k, v in sd._metadata.items())))


# QAT LinearBn1d (nn.intrinsic.qat.LinearBn1d): fuse_modules_qat of Linear + BatchNorm1d, prepare_qat with x86's QAT
# qconfig, three SGD steps with momentum (the batch norm frozen by its freeze_bn_stats() before the last; the function
# nniqat.freeze_bn_stats, which model.apply takes, leaves a LinearBn1d alone), eval, convert to
# nnq.Linear with the batch norm folded (fuse_linear_bn_weights, then weight_fake_quant). The trained state is written
# so the test converts exactly what PyTorch converted; the converted model's integers by FBGEMM's transcription.
import torch.nn.intrinsic.qat as nniqat  # noqa: E402


def lbn_model():
    return nn.Sequential(tq.QuantStub(), nn.Linear(6, 5), nn.BatchNorm1d(5), nn.Linear(5, 3), tq.DeQuantStub())


torch.manual_seed(11)
lm = lbn_model()
set_bn(lm[2], 11)
for k, v in lm.state_dict().items():
    emit("lbn.float." + k, v)
lm.train()
tq.fuse_modules_qat(lm, [["1", "2"]], inplace=True)
text("lbn.fused", str(lm))
lm.qconfig = tq.get_default_qat_qconfig("x86")
tq.prepare_qat(lm, inplace=True)
text("lbn.prepared", str(lm))
for k, v in lm.state_dict().items():
    emit("lbn.prepared." + k, v)
xs = torch.randn(3, 8, 6) * 1.5
ys = torch.randint(0, 3, (3, 8))
emit("lbn.xs", xs)
emit("lbn.ys", ys)
opt = torch.optim.SGD(lm.parameters(), lr=0.05, momentum=0.9)
for i in range(3):
    if i == 2:
        lm.apply(nniqat.freeze_bn_stats)  # a no-op here: PyTorch's freeze_bn_stats takes the ConvBn modules only
        assert not lm[1].freeze_bn
        lm[1].freeze_bn_stats()
    opt.zero_grad()
    out = lm(xs[i])
    loss = F.cross_entropy(out, ys[i])
    loss.backward()
    opt.step()
    lines.append("lbn.loss.%d %r" % (i, loss.item()))
    if i == 0:
        emit("lbn.out.0", out)
for k, v in lm.state_dict().items():
    emit("lbn.trained." + k, v)
lm.eval()
tq.convert(lm, inplace=True)
text("lbn.converted", str(lm))
for idx in (1, 3):
    q = lm[idx]
    w = q.weight()
    emit("lbn.q.%d.weight.ints" % idx, w.int_repr())
    emit("lbn.q.%d.weight.scales" % idx, w.q_per_channel_scales())
    emit("lbn.q.%d.bias" % idx, q.bias().detach())
    lines.append("lbn.q.%d.out_qparams %r %d" % (idx, q.scale, q.zero_point))
x = torch.randn(4, 6) * 1.5
emit("lbn.x", x)
qx = lm[0](x)
q = qx.int_repr().numpy().astype(np.int64)
s, z = qx.q_scale(), qx.q_zero_point()
differ = 0
for idx in (1, 3):
    layer = lm[idx]
    w = layer.weight()
    sc, zp = scales_of(w)
    theirs = layer(torch._make_per_tensor_quantized_tensor(torch.tensor(q, dtype=torch.uint8), s, z)).int_repr().numpy()
    q = qlinear_ints(q - z, w.int_repr().numpy().astype(np.int64), sc, zp, layer.bias().detach().numpy(), s,
                     layer.scale, layer.zero_point, False)
    differ += int((theirs != q).sum())
    assert np.abs(theirs.astype(np.int64) - q).max() <= 1
    emit("lbn.ints.%d" % idx, torch.tensor(q))
    s, z = layer.scale, layer.zero_point
print("lbn: onednn's integers differ from FBGEMM's transcription at %d of 32" % differ, file=sys.stderr)

print("\n".join(lines))
