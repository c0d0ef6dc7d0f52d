# Expected values for QatConvTest: quantization-aware training of 1-D and 3-D convolutions with their batch norms
# (torch.ao.quantization.fuse_modules_qat and prepare_qat): Conv1d/Conv3d + BatchNorm (+ ReLU) as
# nniqat.ConvBn1d / ConvBnReLU1d / ConvBn3d / ConvBnReLU3d (the batch norm folded into the weight before its fake
# quantization, _forward_approximate), Conv3d + ReLU as nniqat.ConvReLU3d and a lone Conv3d as nnqat.Conv3d; a fused
# Conv1d + ReLU and a lone Conv1d, which PyTorch's QAT mapping leaves out (1.13 and 2.x), stay float modules that
# prepare observes and convert quantizes with a fresh qconfig.weight(). Each model is trained by three SGD steps with
# momentum (the third with the batch norms frozen by freeze_bn_stats), with an optimizer made before fuse_modules_qat
# and prepare_qat (PyTorch's from_float takes the float layers' Parameters, so it trains the prepared model: the
# generator checks that it gives the same state as an optimizer made after). Written: the printouts, state dict keys,
# losses, first output and trained state; then, from the trained state (the test loads it, for exact integers), eval
# and convert: the converted printout, quantized weights, biases and output parameters, and the quantized model's
# integers on an input, stage by stage, as FBGEMM computes them (resources/fbgemmref.py; "*.torch.*" lines count how
# many of this PyTorch's onednn integers differ, by one at most).
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13)
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.ao.quantization as tq
import torch.nn.intrinsic.qat as nniqat

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from refcases import key_lines  # noqa: E402
from fbgemmref import qconv_ints, qlinear_layer_ints, scales_of  # noqa: E402

torch.backends.quantized.engine = "onednn"
lines = []
text, emit, err = key_lines(lines)


def model1():
    # ConvBnReLU1d; a grouped, strided, dilated ConvBn1d; ConvReLU1d (no bias) and a lone Conv1d, left by prepare_qat
    return nn.Sequential(tq.QuantStub(), nn.Conv1d(2, 4, 3, padding=1), nn.BatchNorm1d(4), nn.ReLU(),
                         nn.Conv1d(4, 6, 3, stride=2, padding=2, dilation=2, groups=2), nn.BatchNorm1d(6),
                         nn.Conv1d(6, 3, 2, bias=False), nn.ReLU(), nn.Conv1d(3, 3, 1), nn.Flatten(),
                         nn.Linear(3 * 4, 3), tq.DeQuantStub())


def model3():
    # ConvBnReLU3d; a grouped, strided, dilated ConvBn3d (no bias); ConvReLU3d and a lone Conv3d (nnqat.Conv3d)
    return nn.Sequential(tq.QuantStub(), nn.Conv3d(2, 4, (2, 3, 3), padding=(1, 1, 0)), nn.BatchNorm3d(4), nn.ReLU(),
                         nn.Conv3d(4, 4, 3, stride=(1, 2, 1), padding=1, dilation=(2, 1, 1), groups=2, bias=False),
                         nn.BatchNorm3d(4), nn.Conv3d(4, 4, 1), nn.ReLU(), nn.Conv3d(4, 2, (1, 2, 2)), nn.Flatten(),
                         nn.Linear(2 * 3 * 2 * 2, 3), tq.DeQuantStub())


FUSE = [["1", "2", "3"], ["4", "5"], ["6", "7"]]
STAGES = {"c1": [("1", True), ("4", False), ("6", True), ("8", False)],
          "c3": [("1", True), ("4", False), ("6", True), ("8", False)]}


def set_bn(bn, g):
    c = bn.num_features
    with torch.no_grad():
        bn.running_mean.copy_(torch.randn(c, generator=g) * 0.1)
        bn.running_var.copy_(torch.rand(c, generator=g) + 0.5)
        bn.weight.copy_(torch.rand(c, generator=g) + 0.5)
        bn.bias.copy_(torch.randn(c, generator=g) * 0.1)


def prepared(make, float_state):
    m = make()
    m.load_state_dict(float_state)
    opt = torch.optim.SGD(m.parameters(), lr=0.05, momentum=0.9)  # before fusing: it must train the prepared model
    params_before = set(map(id, m.parameters()))
    m.train()
    tq.fuse_modules_qat(m, FUSE, inplace=True)
    m.qconfig = tq.get_default_qat_qconfig("x86")
    tq.prepare_qat(m, inplace=True)
    return m, opt, params_before == set(map(id, m.parameters()))


def train(m, opt, xs, ys, name, emit_lines):
    for i in range(3):
        if i == 2:
            m.apply(nniqat.freeze_bn_stats)
        opt.zero_grad()
        out = m(xs[i])
        loss = F.cross_entropy(out, ys[i])
        loss.backward()
        opt.step()
        if emit_lines:
            lines.append("%s.loss.%d %r" % (name, i, loss.item()))
            if i == 0:
                emit(name + ".out.0", out)


for name, make, shape, seed in (("c1", model1, (2, 9), 0), ("c3", model3, (2, 4, 6, 5), 1)):
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed + 100)
    fm = make()
    set_bn(fm[2], g)
    set_bn(fm[5], g)
    float_state = {k: v.clone() for k, v in fm.state_dict().items()}
    for k, v in float_state.items():
        emit(name + ".float." + k, v)
    xs = torch.randn((3, 4) + shape) * 1.5
    ys = torch.randint(0, 3, (3, 4))
    emit(name + ".xs", xs)
    emit(name + ".ys", ys)

    m, opt, shared = prepared(make, float_state)
    lines.append("%s.params.shared %r" % (name, shared))
    text(name + ".prepared", str(m))
    lines.append("%s.prepared.keys %s" % (name, " ".join(m.state_dict().keys())))
    for k, v in m.state_dict().items():
        emit(name + ".prepared." + k, v)
    train(m, opt, xs, ys, name, True)
    for k, v in m.state_dict().items():
        emit(name + ".trained." + k, v)

    # the same run with the optimizer made after prepare_qat: the same state
    m2, _, _ = prepared(make, float_state)
    opt2 = torch.optim.SGD(m2.parameters(), lr=0.05, momentum=0.9)
    train(m2, opt2, xs, ys, name, False)
    lines.append("%s.optimizer_after.same_state %r" % (name, all(
        torch.equal(a, b) for a, b in zip(m.state_dict().values(), m2.state_dict().values()))))

    lines.append("%s.bn.training %r %r" % (name, m[1].bn.training, m[4].bn.training))
    m.eval()
    m.train()
    lines.append("%s.train.bn.training %r %r" % (name, m[1].bn.training, m[4].bn.training))
    m.apply(nniqat.update_bn_stats)
    lines.append("%s.updated.bn.training %r %r" % (name, m[1].bn.training, m[4].bn.training))
    m.eval()
    tq.convert(m, inplace=True)
    text(name + ".converted", str(m))
    for idx in ("1", "4", "6", "8", "10"):
        q = m.get_submodule(idx)
        w = q.weight()
        sc, zp = scales_of(w)
        emit("%s.q.%s.weight.ints" % (name, idx), w.int_repr())
        emit("%s.q.%s.weight.scales" % (name, idx), torch.tensor(sc.astype(np.float64)))
        emit("%s.q.%s.weight.zero_points" % (name, idx), torch.tensor(zp))
        if q.bias() is not None:
            emit("%s.q.%s.bias" % (name, idx), q.bias().detach())
        lines.append("%s.q.%s.out_qparams %r %d" % (name, idx, q.scale, q.zero_point))

    # the quantized model on an input, stage by stage: FBGEMM's integers, and how many of onednn's differ
    x = torch.randn((3,) + shape) * 1.5
    emit(name + ".x", x)
    qx = torch.quantize_per_tensor(x, float(m[0].scale), int(m[0].zero_point), torch.quint8)
    q = qx.int_repr().numpy().astype(np.int64)
    s, z = qx.q_scale(), qx.q_zero_point()
    emit(name + ".ints.0", torch.tensor(q))
    differ, total = 0, 0
    for idx, relu in STAGES[name]:
        layer = m.get_submodule(idx)
        tin = torch._make_per_tensor_quantized_tensor(torch.tensor(q, dtype=torch.uint8), s, z)
        q = qconv_ints(q, z, s, layer, relu)
        emit("%s.ints.%s" % (name, idx), torch.tensor(q))
        d = np.abs(layer(tin).int_repr().numpy().astype(np.int64) - q)
        assert d.max() <= 1, (name, idx, d.max())
        differ += int((d != 0).sum())
        total += d.size
        s, z = layer.scale, layer.zero_point
    q = q.reshape(q.shape[0], -1)
    q = qlinear_layer_ints(q, z, s, m[10], False)
    emit(name + ".ints.10", torch.tensor(q))
    out = torch._make_per_tensor_quantized_tensor(torch.tensor(q, dtype=torch.uint8), m[10].scale,
                                                  m[10].zero_point).dequantize()
    emit(name + ".out", out)
    print("%s: onednn's integers differ from FBGEMM's transcription at %d of %d (by one)" % (name, differ, total),
          file=sys.stderr)

# fuse_modules_qat's assertions (fuse_conv_bn without a ReLU names Conv2d / BatchNorm2d for every dimension)
for key, mods in (("c1", [nn.Conv1d(2, 4, 3), nn.BatchNorm1d(3)]),
                  ("c3relu", [nn.Conv3d(2, 4, 3), nn.BatchNorm3d(5), nn.ReLU()]),
                  ("c1affine", [nn.Conv1d(2, 4, 3), nn.BatchNorm1d(4, affine=False)]),
                  ("c3stats", [nn.Conv3d(2, 4, 3), nn.BatchNorm3d(4, track_running_stats=False), nn.ReLU()])):
    seq = nn.Sequential(*mods).train()
    err("fuse_error." + key, lambda: tq.fuse_modules_qat(seq, [[str(i) for i in range(len(mods))]], inplace=True))
print("\n".join(lines))
