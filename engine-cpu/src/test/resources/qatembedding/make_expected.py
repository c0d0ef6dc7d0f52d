# Expected values for QatEmbeddingTest: quantization-aware training of embeddings (torch.ao.nn.qat.Embedding and
# EmbeddingBag, torch/ao/nn/qat/modules/embedding_ops.py): the weight fake-quantized by the qconfig's weight, here
# default_embedding_qat_qconfig (FakeQuantize with MovingAveragePerChannelMinMaxObserver, quint8 [0, 255],
# per_channel_affine_float_qparams, ch_axis 0, averaging_constant 1; NoopObserver(dtype=torch.float32) activations) and
# its 4-bit form, through torch.fake_quantize_per_channel_affine with float zero points (its gradient passes where the
# rounded value lies in range). A model EmbeddingBag(sum) + QuantStub + Linear + DeQuantStub, the bag with the embedding
# QAT qconfig and the rest with get_default_qat_qconfig("fbgemm"), is prepared with prepare_qat(mapping=
# get_embedding_qat_module_mappings()) (PyTorch's default QAT mapping leaves embeddings out; 1.13 and 2.x alike),
# trained three SGD steps with momentum (losses, gradients, trained state), then converted from the trained state with
# get_embedding_static_quant_module_mappings(): the bag's quantized integers, scales and float zero points, its output,
# and the Linear's integers as FBGEMM computes them (resources/fbgemmref.py: this Debian build has no x86 engine).
# Also a 4-bit qat.Embedding's forward, gradient and conversion, the printouts and state dict keys, and the refusals.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13)
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.ao.nn.qat as nnqat
import torch.ao.nn.quantized as nnq
import torch.ao.quantization as tq
from torch.ao.quantization.quantization_mappings import (get_embedding_qat_module_mappings,
                                                         get_embedding_static_quant_module_mappings)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from refcases import key_lines  # noqa: E402
from fbgemmref import qlinear_layer_ints, scales_of  # noqa: E402

torch.backends.quantized.engine = "onednn"
lines = []
text, emit, err = key_lines(lines)

# ---- the default embedding QAT qconfigs' fake quantizers
text("qconfig.weight", repr(tq.default_embedding_qat_qconfig.weight()))
text("qconfig.weight4", repr(tq.default_embedding_qat_qconfig_4bit.weight()))
text("qconfig.activation", repr(tq.default_embedding_qat_qconfig.activation()))


# ---- the trained model
def model():
    return nn.Sequential(nn.EmbeddingBag(10, 6, mode="sum"), tq.QuantStub(), nn.Linear(6, 3), tq.DeQuantStub())


torch.manual_seed(39)
fm = model()
float_state = {k: v.clone() for k, v in fm.state_dict().items()}
for k, v in float_state.items():
    emit("float." + k, v)
xs = torch.randint(0, 10, (3, 4, 3))
ys = torch.randn(3, 4, 3)
emit("xs", xs)
emit("ys", ys)

m = model()
m.load_state_dict(float_state)
float_bag_weight = m[0].weight
m.train()
m.qconfig = tq.get_default_qat_qconfig("fbgemm")
m[0].qconfig = tq.default_embedding_qat_qconfig
tq.prepare_qat(m, mapping=get_embedding_qat_module_mappings(), inplace=True)
assert type(m[0]) == nnqat.EmbeddingBag
# the QAT bag's weight is a new Parameter over the float one's storage (nn.EmbeddingBag's Parameter(_weight)), unlike
# qat.Linear's: an optimizer made before prepare_qat would not train the bag, so this one is made after
lines.append("prepared.same_parameter %r" % (m[0].weight is float_bag_weight))
lines.append("prepared.same_storage %r" % (m[0].weight.data_ptr() == float_bag_weight.data_ptr()))
opt = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
text("prepared", str(m))
lines.append("prepared.keys " + " ".join(m.state_dict().keys()))
for k, v in m.state_dict().items():
    emit("prepared." + k, v)
for i in range(3):
    opt.zero_grad()
    out = m(xs[i])
    loss = F.mse_loss(out, ys[i])
    loss.backward()
    if i == 0:
        emit("out.0", out)
        emit("fq.0", m[0].weight_fake_quant(m[0].weight.detach()))  # the fake-quantized table of step 0's statistics
    emit("grad.%d.0.weight" % i, m[0].weight.grad)
    emit("grad.%d.2.weight" % i, m[2].weight.grad)
    emit("grad.%d.2.bias" % i, m[2].bias.grad)
    opt.step()
    lines.append("loss.%d %r" % (i, loss.item()))
for k, v in m.state_dict().items():
    emit("trained." + k, v)

m.eval()
tq.convert(m, mapping=get_embedding_static_quant_module_mappings(), inplace=True)
text("converted", str(m))
qw = m[0].weight()
emit("q.0.ints", qw.int_repr())
emit("q.0.scales", qw.q_per_channel_scales())
emit("q.0.zero_points", qw.q_per_channel_zero_points())
lin = m[2]
w = lin.weight()
sc, zp = scales_of(w)
emit("q.2.weight.ints", w.int_repr())
emit("q.2.weight.scales", torch.tensor(sc.astype(np.float64)))
emit("q.2.weight.zero_points", torch.tensor(zp))
emit("q.2.bias", lin.bias().detach())
lines.append("q.2.out_qparams %r %d" % (lin.scale, lin.zero_point))
lines.append("q.1.qparams %r %d" % (float(m[1].scale), int(m[1].zero_point)))
lines.append("converted.keys " + " ".join(m.state_dict().keys()))
x = torch.tensor([[1, 4, 4], [0, 9, 2], [7, 7, 7], [3, 5, 8], [6, 2, 1]])
emit("x", x)
bag = m[0](x)
emit("bag.out", bag)
qx = torch.quantize_per_tensor(bag, float(m[1].scale), int(m[1].zero_point), torch.quint8)
q = qx.int_repr().numpy().astype(np.int64)
emit("ints.1", torch.tensor(q))
ints2 = qlinear_layer_ints(q, int(m[1].zero_point), float(m[1].scale), lin, False)
emit("ints.2", torch.tensor(ints2))
emit("out", torch.tensor(((ints2 - lin.zero_point) * np.float32(lin.scale)).astype(np.float32)))

# ---- a 4-bit qat.Embedding with a padding row: forward, gradient, conversion
torch.manual_seed(7)
e = nn.Embedding(7, 4, padding_idx=2)
emit("e4.float.weight", e.weight)
e.qconfig = tq.default_embedding_qat_qconfig_4bit
qe = nnqat.Embedding.from_float(e)
lines.append("e4.shares_weight %r" % (qe.weight is e.weight))
text("e4.repr", repr(qe))
lines.append("e4.keys " + " ".join(qe.state_dict().keys()))
idx = torch.tensor([[0, 2, 6], [6, 6, 3]])
emit("e4.idx", idx)
out = qe(idx)
emit("e4.out", out)
(out * torch.arange(1.0, 5.0)).sum().backward()
emit("e4.grad", qe.weight.grad)
emit("e4.scale", qe.weight_fake_quant.scale)
emit("e4.zero_point", qe.weight_fake_quant.zero_point)
# PyTorch 1.13's Embedding.from_float makes a quint8 module whatever the observer (its forward misreads 4-bit rows);
# the weight it quantizes is written here, as _quantize_weight makes it
fq = qe.weight_fake_quant
fq(qe.weight)
s_, z_ = fq.calculate_qparams()
q4 = torch.quantize_per_channel(qe.weight.detach(), s_.float(), z_.float(), 0, torch.quint4x2)
emit("e4.q.ints", q4.int_repr())
emit("e4.q.scales", q4.q_per_channel_scales())
emit("e4.q.zero_points", q4.q_per_channel_zero_points())
q4m = nnq.Embedding(7, 4, dtype=torch.quint4x2)
q4m.set_weight(q4)
emit("e4.q.out", q4m(idx.reshape(-1)))

# ---- a qat.EmbeddingBag with offsets and per-sample weights
torch.manual_seed(8)
b = nn.EmbeddingBag(5, 4, mode="sum")
emit("b.float.weight", b.weight)
b.qconfig = tq.default_embedding_qat_qconfig
qb = nnqat.EmbeddingBag.from_float(b)
ind = torch.tensor([1, 2, 4, 0, 4, 3])
off = torch.tensor([0, 2, 2])
psw = torch.tensor([0.5, -1.0, 2.0, 0.25, 1.5, -0.75])
out = qb(ind, off, psw)
emit("b.out", out)
out.sum().backward()
emit("b.grad", qb.weight.grad)
text("b.repr", repr(qb))

# ---- refusals (PyTorch's assertion messages), each leaving the module as it was
qat_default = tq.get_default_qat_qconfig("fbgemm")
err("err.no_qconfig", lambda: nnqat.Embedding(5, 3, qconfig=None))
err("err.bag_no_qconfig", lambda: nnqat.EmbeddingBag(5, 3, qconfig=None))
err("err.scheme", lambda: nnqat.Embedding(5, 3, qconfig=qat_default))
err("err.bag_scheme", lambda: nnqat.EmbeddingBag(5, 3, qconfig=qat_default))
err("err.from_float_type", lambda: nnqat.Embedding.from_float(nn.EmbeddingBag(5, 3)))
err("err.bag_from_float_type", lambda: nnqat.EmbeddingBag.from_float(nn.Embedding(5, 3)))
e5 = nn.Embedding(5, 3)
err("err.from_float_undefined", lambda: nnqat.Embedding.from_float(e5))
e5.qconfig = None
err("err.from_float_none", lambda: nnqat.Embedding.from_float(e5))
e5.qconfig = qat_default
err("err.from_float_scheme", lambda: nnqat.Embedding.from_float(e5))
b5 = nn.EmbeddingBag(5, 3)
b5.qconfig = qat_default
err("err.bag_from_float_scheme", lambda: nnqat.EmbeddingBag.from_float(b5))
err("err.convert_bag_as_embedding", lambda: nnq.Embedding.from_float(qb))

print("\n".join(lines))
