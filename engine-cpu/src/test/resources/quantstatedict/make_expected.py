# Files and expected values for QuantizedStateDictTest: a quantized model's state dict saved by PyTorch
# (torch.save(model.state_dict())) and read by Ember, and written back by Ember byte for byte.
#
# - qcnn_raw.pt: torch.save(qcnn.state_dict()) of StaticQuantizationTest's CNN, fused (conv+relu, linear+relu),
#   per-channel qconfig, calibrated, converted: quantized tensors (_rebuild_qtensor, QInt8Storage, per channel), the
#   quantized Linear's _packed_params tuple and dtype, the _metadata versions (Linear 3, its packed params 3), and the
#   biases as PyTorch keeps them (the float layer's Parameter for the convolutions, requires_grad).
# - qcnn.pt: the same state dict with every float tensor detached (plain tensors, requires_grad False) and the
#   _metadata kept: what Ember's Quantization.stateDict writes (Ember holds its biases as plain tensors).
# - qadd.pt: a model with a FloatFunctional (QFunctional after convert: its scale and zero_point) and a float LayerNorm
#   left unquantized (qconfig None), detached the same way.
# - qdyn.pt: torch.save of a dynamically quantized (qint8) Linear-ReLU-Linear's state dict (version 4 layers).
# - qnorms.pt: the static quantized norms and activations (BatchNorm2d, Hardswish, LeakyReLU, ELU, LayerNorm, GroupNorm,
#   InstanceNorm2d) in one converted model: their registered tensors, then scale and zero_point; BatchNorm2d's and
#   InstanceNorm2d's _metadata version 2 (nn.BatchNorm2d's), detached as above.
# - bad_zero_point.pt, bad_storage.pt, bad_size.pt, bad_params.pt: hostile files (a quantized tensor whose zero point
#   is outside qint8's range, one rebuilt over a float storage, one whose view reaches past its storage, one with
#   quantizer parameters of an unknown form), written by pickling _rebuild_qtensor calls by hand; Ember must refuse
#   each with an IOException naming the problem.
# expected.txt: the converted models' printouts, their quantized weights (int_repr, scales, zero points), biases and
# output qparams, and the quantized CNN's output on an input (this PyTorch's onednn engine).
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13)
import collections
import os
import sys

import torch
import torch.nn as nn
import torch.ao.nn.quantized as nnq
import torch.ao.quantization as tq

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from refcases import key_lines  # noqa: E402

torch.backends.quantized.engine = "onednn"
here = os.path.dirname(os.path.abspath(__file__))
lines = []
text, emit, _ = key_lines(lines)


def detached(sd):
    out = collections.OrderedDict()
    for k, v in sd.items():
        if isinstance(v, tuple):
            v = tuple(x.detach().clone() if isinstance(x, torch.Tensor) and not x.is_quantized else x for x in v)
        elif isinstance(v, torch.Tensor) and not v.is_quantized:
            v = v.detach().clone()
        out[k] = v
    out._metadata = sd._metadata
    return out


def cnn():
    return nn.Sequential(tq.QuantStub(), nn.Conv2d(1, 3, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(3, 6, 3, 1, 0, 1, 3, True), nn.ReLU(), nn.Flatten(), nn.Linear(24, 10), nn.ReLU(),
                         nn.Dropout(0.5), nn.Linear(10, 4), tq.DeQuantStub())


def weights(prefix, m):
    for k, v in m.state_dict().items():
        if isinstance(v, tuple):
            w, b = v
            emit(prefix + k + ".weight.int_repr", w.int_repr())
            emit(prefix + k + ".weight.scales", w.q_per_channel_scales() if w.qscheme() == torch.per_channel_affine
                 else torch.tensor([w.q_scale()], dtype=torch.float64))
            emit(prefix + k + ".weight.zero_points", w.q_per_channel_zero_points()
                 if w.qscheme() == torch.per_channel_affine else torch.tensor([w.q_zero_point()]))
            if b is not None:
                emit(prefix + k + ".bias", b.detach())
        elif isinstance(v, torch.Tensor) and v.is_quantized:
            emit(prefix + k + ".int_repr", v.int_repr())
            emit(prefix + k + ".scales", v.q_per_channel_scales())
            emit(prefix + k + ".zero_points", v.q_per_channel_zero_points())
        elif isinstance(v, torch.Tensor):
            emit(prefix + k, v.detach())


torch.manual_seed(0)
m = cnn().eval()
for k, v in m.state_dict().items():
    emit("float." + k, v)
tq.fuse_modules(m, [["1", "2"], ["4", "5"], ["7", "8"]], inplace=True)
m.qconfig = tq.default_per_channel_qconfig
tq.prepare(m, inplace=True)
with torch.no_grad():
    m(torch.randn(16, 1, 8, 8) * 1.5)
tq.convert(m, inplace=True)
text("qcnn.printout", str(m))
weights("qcnn.", m)
x = torch.randn(5, 1, 8, 8) * 1.5
emit("qcnn.x", x)
emit("qcnn.out", m(x))
torch.save(m.state_dict(), os.path.join(here, "qcnn_raw.pt"))
torch.save(detached(m.state_dict()), os.path.join(here, "qcnn.pt"))


class AddNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.quant = tq.QuantStub()
        self.fc = nn.Linear(4, 4)
        self.ff = nnq.FloatFunctional()
        self.dequant = tq.DeQuantStub()
        self.norm = nn.LayerNorm(4)

    def forward(self, x):
        x = self.quant(x)
        x = self.ff.add(x, self.fc(x))
        return self.norm(self.dequant(x))


torch.manual_seed(1)
a = AddNet().eval()
for k, v in a.state_dict().items():
    emit("float.add." + k, v)
a.qconfig = tq.default_qconfig
a.norm.qconfig = None
tq.prepare(a, inplace=True)
with torch.no_grad():
    a(torch.randn(8, 4))
tq.convert(a, inplace=True)
text("qadd.printout", str(a))
torch.save(detached(a.state_dict()), os.path.join(here, "qadd.pt"))

torch.manual_seed(2)
d = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2)).eval()
for k, v in d.state_dict().items():
    emit("float.dyn." + k, v)
q = tq.quantize_dynamic(d, {nn.Linear}, dtype=torch.qint8)
text("qdyn.printout", str(q))
torch.save(detached(q.state_dict()), os.path.join(here, "qdyn.pt"))


torch.manual_seed(3)
n = nn.Sequential(tq.QuantStub(), nn.BatchNorm2d(4), nn.Hardswish(), nn.LeakyReLU(0.1), nn.ELU(0.7),
                  nn.LayerNorm([4, 5, 5]), nn.GroupNorm(2, 4), nn.InstanceNorm2d(4, affine=True), tq.DeQuantStub()).eval()
with torch.no_grad():
    n[1].running_mean.copy_(torch.randn(4) * 0.1)
    n[1].running_var.copy_(torch.rand(4) + 0.5)
    for i in (1, 5, 6, 7):
        n[i].weight.copy_(torch.rand(n[i].weight.shape) + 0.5)
        n[i].bias.copy_(torch.randn(n[i].bias.shape) * 0.1)
for k, v in n.state_dict().items():
    emit("float.norms." + k, v)
n.qconfig = tq.default_qconfig
tq.prepare(n, inplace=True)
with torch.no_grad():
    n(torch.randn(8, 4, 5, 5))
tq.convert(n, inplace=True)
text("qnorms.printout", str(n))
lines.append("qnorms.metadata " + repr(dict((k, v["version"]) for k, v in n.state_dict()._metadata.items())))
torch.save(detached(n.state_dict()), os.path.join(here, "qnorms.pt"))


class Rebuild:
    """Pickles as the given _rebuild_qtensor call: for files PyTorch's writer would never make."""

    def __init__(self, *args):
        self.args = args

    def __reduce__(self):
        return (torch._utils._rebuild_qtensor, self.args)


qw = torch.quantize_per_tensor(torch.randn(2, 3), 0.1, 3, torch.qint8)
hooks = collections.OrderedDict()
for name, args in (("bad_zero_point", (qw.storage(), 0, (2, 3), (3, 1), (torch.per_tensor_affine, 0.1, 300), False, hooks)),
                   ("bad_storage", (torch.ones(6).storage(), 0, (2, 3), (3, 1), (torch.per_tensor_affine, 0.1, 3), False,
                                    hooks)),
                   ("bad_size", (qw.storage(), 0, (4, 3), (3, 1), (torch.per_tensor_affine, 0.1, 3), False, hooks)),
                   ("bad_params", (qw.storage(), 0, (2, 3), (3, 1), (torch.per_tensor_symmetric, 0.1), False, hooks))):
    torch.save({"w": Rebuild(*args)}, os.path.join(here, name + ".pt"))

print("\n".join(lines))
