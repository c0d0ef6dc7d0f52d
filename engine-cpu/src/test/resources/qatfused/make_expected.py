# Expected values for QatFusedTest: quantization-aware training of fused modules (torch.ao.quantization.fuse_modules_qat
# and prepare_qat): Conv2d + BatchNorm2d + ReLU as nniqat.ConvBnReLU2d, Conv2d + BatchNorm2d as nniqat.ConvBn2d
# (the batch norm folded into the weight before its fake quantization, _forward_approximate), Conv2d + ReLU and
# Linear + ReLU as nniqat.ConvReLU2d / LinearReLU; three SGD steps (the third with the batch norms frozen by
# freeze_bn_stats), the printouts, losses, trained state (weights, batch norm statistics, fake quantizers); then eval
# and convert, the batch norms folded (fuse_conv_bn_weights) and the weights quantized by their fake quantizers:
# the converted printout and quantized weights. Convert is run from the trained state (the test loads it) so that
# the integers are compared exactly.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13)
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.ao.quantization as tq
import torch.nn.intrinsic.qat as nniqat

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from refcases import key_lines  # noqa: E402

torch.backends.quantized.engine = "onednn"
lines = []
text, emit, _ = key_lines(lines)


def model():
    return nn.Sequential(tq.QuantStub(), nn.Conv2d(1, 4, 3, 1, 1), nn.BatchNorm2d(4), nn.ReLU(), nn.Conv2d(4, 4, 3),
                         nn.BatchNorm2d(4), nn.Conv2d(4, 2, 1), nn.ReLU(), nn.Flatten(), nn.Linear(2 * 6 * 6, 8),
                         nn.ReLU(), nn.Linear(8, 3), tq.DeQuantStub())


torch.manual_seed(0)
m = model()
with torch.no_grad():
    for i in (2, 5):
        m[i].running_mean.copy_(torch.randn(4) * 0.1)
        m[i].running_var.copy_(torch.rand(4) + 0.5)
        m[i].weight.copy_(torch.rand(4) + 0.5)
        m[i].bias.copy_(torch.randn(4) * 0.1)
for k, v in m.state_dict().items():
    emit("float." + k, v)
float_state = {k: v.clone() for k, v in m.state_dict().items()}
params_before = list(m.parameters())
m.train()
tq.fuse_modules_qat(m, [["1", "2", "3"], ["4", "5"], ["6", "7"], ["9", "10"]], inplace=True)
text("fused", str(m))
m.qconfig = tq.get_default_qat_qconfig("x86")
tq.prepare_qat(m, inplace=True)
text("prepared", str(m))
# from_float assigns the float layers' Parameters (qat.weight = mod.weight), so the model's parameters are the same
# tensors before fusing and after prepare_qat: an optimizer made over them before trains the QAT model
lines.append("params.shared %r" % (set(map(id, params_before)) == set(map(id, m.parameters()))))
for k, v in m.state_dict().items():
    emit("prepared." + k, v)
xs = torch.randn(3, 6, 1, 8, 8) * 1.5
ys = torch.randint(0, 3, (3, 6))
emit("xs", xs)
emit("ys", ys)
opt = torch.optim.SGD(m.parameters(), lr=0.05, momentum=0.9)
for i in range(3):
    if i == 2:
        m.apply(nniqat.freeze_bn_stats)
    opt.zero_grad()
    out = m(xs[i])
    loss = F.cross_entropy(out, ys[i])
    loss.backward()
    opt.step()
    lines.append("loss.%d %r" % (i, loss.item()))
    if i == 0:
        emit("out.0", out)
for k, v in m.state_dict().items():
    emit("trained." + k, v)

# the same training with the optimizer made before fuse_modules_qat and prepare_qat: the same losses and state
m2 = model()
m2.load_state_dict(float_state)
opt2 = torch.optim.SGD(m2.parameters(), lr=0.05, momentum=0.9)
m2.train()
tq.fuse_modules_qat(m2, [["1", "2", "3"], ["4", "5"], ["6", "7"], ["9", "10"]], inplace=True)
m2.qconfig = tq.get_default_qat_qconfig("x86")
tq.prepare_qat(m2, inplace=True)
for i in range(3):
    if i == 2:
        m2.apply(nniqat.freeze_bn_stats)
    opt2.zero_grad()
    loss2 = F.cross_entropy(m2(xs[i]), ys[i])
    loss2.backward()
    opt2.step()
    lines.append("optimizer_first.loss.%d %r" % (i, loss2.item()))
lines.append("optimizer_first.same_state %r" % all(torch.equal(a, b) for a, b in
                                                  zip(m.state_dict().values(), m2.state_dict().values())))
lines.append("bn.training %r %r" % (m[1].bn.training, m[4].bn.training))
m.eval()
lines.append("eval.bn.training %r %r" % (m[1].bn.training, m[4].bn.training))
m.train()
lines.append("train.bn.training %r %r" % (m[1].bn.training, m[4].bn.training))
m.apply(nniqat.update_bn_stats)
m.eval()
lines.append("updated.eval.bn.training %r %r" % (m[1].bn.training, m[4].bn.training))
tq.convert(m, inplace=True)
text("converted", str(m))
for idx in (1, 4, 6, 9):
    q = m[idx]
    w = q.weight()
    emit("q.%d.weight.ints" % idx, w.int_repr())
    emit("q.%d.weight.scales" % idx, w.q_per_channel_scales())
    emit("q.%d.bias" % idx, q.bias().detach())
    lines.append("q.%d.out_qparams %r %d" % (idx, q.scale, q.zero_point))

# a pruned weight (a plain tensor attribute, not a Parameter) cannot be taken over by from_float's assignment
import torch.nn.utils.prune as prune  # noqa: E402
fc = nn.Linear(4, 3)
prune.l1_unstructured(fc, "weight", 0.5)
pm = nn.Sequential(tq.QuantStub(), fc, tq.DeQuantStub())
pm.train()
pm.qconfig = tq.get_default_qat_qconfig("x86")
try:
    tq.prepare_qat(pm, inplace=True)
except TypeError as e:
    lines.append("pruned.error " + str(e))
print("\n".join(lines))
