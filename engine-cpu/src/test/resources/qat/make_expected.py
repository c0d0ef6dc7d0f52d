# Expected values for QatTest: quantization-aware training with torch.ao.nn.qat.Conv2d and Linear built from float
# layers (from_float) under get_default_qat_qconfig("x86") (FusedMovingAvgObsFakeQuantize: per-channel symmetric qint8
# weights, quint8 [0, 127] activations), an activation fake quantizer between them, three SGD steps on an MSE loss:
# the outputs and loss of each step, the parameters and fake quantizers' scale/zero_point after each, the printout and
# state dict keys; and get_default_qat_qconfig's other backends and version 0 (their fake quantizers' printouts).
# Inputs, targets and initial weights are seeded draws, written out.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13)
import os
import sys

import torch
import torch.ao.nn.qat as nnqat
from torch.ao.quantization import get_default_qat_qconfig

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from refcases import key_lines  # noqa: E402

lines = []
text, emit, _ = key_lines(lines)


torch.manual_seed(3)
conv = torch.nn.Conv2d(2, 4, 3, padding=1)
fc = torch.nn.Linear(4 * 5 * 5, 3)
x = torch.randn(2, 2, 5, 5)
target = torch.randn(2, 3)
for k, t in [("conv.weight", conv.weight), ("conv.bias", conv.bias), ("fc.weight", fc.weight), ("fc.bias", fc.bias),
             ("x", x), ("target", target)]:
    emit(k, t)

qconfig = get_default_qat_qconfig("x86")
conv.qconfig = qconfig
fc.qconfig = qconfig
qconv = nnqat.Conv2d.from_float(conv)
qfc = nnqat.Linear.from_float(fc)
act = qconfig.activation()
params = list(qconv.parameters()) + list(qfc.parameters())
opt = torch.optim.SGD(params, lr=0.05)
for step in range(3):
    opt.zero_grad()
    h = act(torch.relu(qconv(x)))
    out = qfc(h.flatten(1))
    loss = torch.nn.functional.mse_loss(out, target)
    loss.backward()
    opt.step()
    emit("out%d" % step, out)
    emit("loss%d" % step, loss)
    for name, t in [("conv.weight", qconv.weight), ("conv.bias", qconv.bias), ("fc.weight", qfc.weight),
                    ("fc.bias", qfc.bias), ("conv.wscale", qconv.weight_fake_quant.scale),
                    ("conv.wzp", qconv.weight_fake_quant.zero_point), ("fc.wscale", qfc.weight_fake_quant.scale),
                    ("act.scale", act.scale), ("act.zp", act.zero_point)]:
        emit("%s%d" % (name, step), t)
text("conv.repr", repr(qconv))
text("fc.repr", repr(qfc))
lines.append("fc.keys " + ",".join(qfc.state_dict().keys()))
for backend in ["x86", "fbgemm", "qnnpack", "onednn", "other"]:
    for version in [0, 1]:
        q = get_default_qat_qconfig(backend, version)
        text("qconfig.%s.%d.act" % (backend, version), repr(q.activation()))
        text("qconfig.%s.%d.weight" % (backend, version), repr(q.weight()))
print("\n".join(lines))
