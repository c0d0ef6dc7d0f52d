# Expected values of QuantizedEmbeddingTest (session 39): PyTorch's weight-only quantized Embedding and EmbeddingBag
# (torch.ao.nn.quantized), quint8 and quint4x2 with float qparams (torch.per_channel_affine_float_qparams).
#  - quantize_per_channel with float zero points: int_repr (quint4x2: the packed bytes), dequantize, the printout;
#  - from_float with float_qparams_weight_only_qconfig(_4bit): the quantized table, its scales and zero points, and
#    the rows and bags the modules return (1-D and 2-D indices, int32 and int64, offsets with an empty bag,
#    include_last_offset, per_sample_weights, every mode: PyTorch's kernels sum whatever the mode);
#  - the packed rows: this Debian build of PyTorch 1.13 has no FBGEMM and gives no access to the packed torchbind
#    object's bytes, so they are written here from qembeddingbag_prepack.cpp (the row's integers, 4-bit two a byte,
#    then scale and bias = -(zero_point * scale) as float32, float16 for 4 bits, little-endian) and checked by feeding
#    them to torch.ops.quantized.embedding_bag_{byte,4bit}_rowwise_offsets, which must give the module's output;
#  - prepare/convert printouts, the state dict (qembedding_sd.pt, its keys and versions), and the refusals' messages.
# The lookups here run PyTorch's reference kernel (embedding_lookup_fallback_impl); FBGEMM's builds take the same
# steps with a float fused multiply-add (see PackedEmbeddingBagWeight).
# Run: /usr/bin/python3 make_expected.py   (PyTorch 1.13)
import os
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.ao.nn.quantized as nnq
import torch.ao.quantization as tq

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from refcases import key_lines  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
lines = []
text, tensor, err = key_lines(lines)

# ---- quantize_per_channel with float zero points
x = torch.tensor([[0.0, 0.5, 1.5, 2.5, -0.7, 3.9, 100.0],
                  [-1.0, -0.4, 0.3, 0.9, 1.6, 2.2, -30.0],
                  [0.25, 1.0, -1.0, 7.0, float("nan"), 2.0, 0.0]], dtype=torch.float32)
scales = torch.tensor([0.5, 0.2, 0.0], dtype=torch.float32)
zps = torch.tensor([0.5, 4.3, 1.25], dtype=torch.float32)
tensor("qt.x", x)
tensor("qt.scales", scales)
tensor("qt.zero_points", zps)
for name, dt in (("quint8", torch.quint8), ("qint8", torch.qint8), ("quint4x2", torch.quint4x2)):
    q = torch.quantize_per_channel(x, scales, zps, 0, dt)
    tensor("qt.%s.int_repr" % name, q.int_repr())
    tensor("qt.%s.dequantize" % name, q.dequantize())
    text("qt.%s.qscheme" % name, str(q.qscheme()))
    tensor("qt.%s.scales" % name, q.q_per_channel_scales())
    tensor("qt.%s.zero_points" % name, q.q_per_channel_zero_points())
# lrintf's long narrowed to int before the clamp: 3e9 wraps to a negative int, 5e9 to a positive one
wrap = torch.tensor([[3e9, 5e9, -3e9, -5e9]])
for name, dt in (("quint8", torch.quint8), ("qint8", torch.qint8)):
    q = torch.quantize_per_channel(wrap, torch.tensor([1.0]), torch.tensor([0.0]), 0, dt)
    tensor("qt.wrap.%s" % name, q.int_repr())
small = torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.5]])
q = torch.quantize_per_channel(small, torch.tensor([0.5, 0.4]), torch.tensor([0.0, -2.5]), 0, torch.quint4x2)
text("qt.small4.str", str(q))
tensor("qt.small4.int_repr", q.int_repr())
q = torch.quantize_per_channel(small, torch.tensor([0.5, 0.4]), torch.tensor([0.0, -2.5]), 0, torch.quint8)
text("qt.small8.str", str(q))
err("qt.err.int_zp_4bit", lambda: torch.quantize_per_channel(small, torch.tensor([0.5, 0.4]), torch.tensor([0, 1]), 0,
                                                               torch.quint4x2))


# ---- the packed rows, from qembeddingbag_prepack.cpp
def packed_rows(qw, bits):
    vals = qw.int_repr().numpy() if bits == 8 else None
    s = qw.q_per_channel_scales().numpy().astype(np.float32)
    z = qw.q_per_channel_zero_points().numpy().astype(np.float32)
    rows, cols = qw.shape
    if bits == 4:
        packed = qw.int_repr().numpy()
        vals = np.stack([packed & 15, packed >> 4], 1).reshape(-1)[: rows * cols].reshape(rows, cols)
    out = []
    for r in range(rows):
        bias = np.float32(-(np.float32(z[r] * s[r])))
        if bits == 8:
            row = bytes(int(v) for v in vals[r]) + struct.pack("<f", s[r]) + struct.pack("<f", bias)
        else:
            row = bytes(int(vals[r, c]) | int(vals[r, c + 1]) << 4 for c in range(0, cols, 2))
            row += np.float16(s[r]).tobytes() + np.float16(bias).tobytes()
        out.append(list(row))
    return torch.tensor(out, dtype=torch.uint8)


def bag_ref(packed, bits, indices, offsets, psw, last):
    op = (torch.ops.quantized.embedding_bag_byte_rowwise_offsets if bits == 8
          else torch.ops.quantized.embedding_bag_4bit_rowwise_offsets)
    return op(packed, indices, offsets, False, 0, False, psw, None, last)


# ---- tables
torch.manual_seed(39)
W = torch.randn(7, 6)
W[2] = 0.0          # a padding row: min = max = 0, scale 1, zero point 0
W[5] = 0.75         # a constant row: scale 1, zero point -0.75
tensor("weight", W)

for bits, qconfig, dt in ((8, tq.float_qparams_weight_only_qconfig, torch.quint8),
                          (4, tq.float_qparams_weight_only_qconfig_4bit, torch.quint4x2)):
    k = "b%d." % bits
    emb = nn.Embedding(7, 6, padding_idx=2)
    with torch.no_grad():
        emb.weight.copy_(W)
    emb.qconfig = qconfig
    if bits == 8:
        qe = nnq.Embedding.from_float(emb)
    else:
        # PyTorch's Embedding.from_float makes a quint8 module whatever the observer (its forward then misreads the
        # 4-bit rows); the 4-bit module is made as its from_reference does: the type given, then set_weight
        obs = qconfig.weight()
        obs(W)
        s_, z_ = obs.calculate_qparams()
        qw = torch.quantize_per_channel(W, s_.float(), z_.float(), 0, torch.quint4x2)
        qe = nnq.Embedding(7, 6, dtype=torch.quint4x2)
        qe.set_weight(qw)
        text(k + "from_float_dtype", str(nnq.Embedding.from_float(emb).extra_repr()))
    qw = qe.weight()
    tensor(k + "int_repr", qw.int_repr())
    tensor(k + "scales", qw.q_per_channel_scales())
    tensor(k + "zero_points", qw.q_per_channel_zero_points())
    tensor(k + "dequantize", qw.dequantize())
    text(k + "repr", repr(qe))
    packed = packed_rows(qw, bits)
    tensor(k + "packed", packed)
    idx1 = torch.tensor([6, 0, 2, 5, 0, 3])
    idx2 = torch.tensor([[1, 4, 4], [0, 6, 2]])
    out1 = qe(idx1)
    tensor(k + "emb.idx1", out1)
    tensor(k + "emb.idx2", qe(idx2))
    tensor(k + "emb.idx1_int32", qe(idx1.int()))
    assert torch.equal(out1, bag_ref(packed, bits, idx1, torch.arange(6), None, False))

    indices = torch.tensor([1, 2, 4, 5, 4, 3, 2, 0, 6])
    offsets = torch.tensor([0, 2, 2, 5])
    psw = torch.tensor([0.5, -1.0, 2.0, 0.25, 1.5, -0.75, 3.0, 1.0, 0.1])
    for mode in ("sum", "mean", "max"):
        bag = nn.EmbeddingBag(7, 6, mode=mode)
        with torch.no_grad():
            bag.weight.copy_(W)
        bag.qconfig = qconfig
        qb = nnq.EmbeddingBag.from_float(bag)
        out = qb(indices, offsets)
        tensor(k + "bag.%s" % mode, out)
        assert torch.equal(out, bag_ref(packed, bits, indices, offsets, None, False))
    text(k + "bag.repr", repr(qb))
    # 1.13's EmbeddingBag.from_float drops include_last_offset (and mode, max_norm, ...); 2.x's passes them: the
    # 2.x module is made here as its from_float makes it
    qb = nnq.EmbeddingBag(7, 6, mode="sum", include_last_offset=True, dtype=dt)
    qb.set_weight(qw)
    last = torch.tensor([0, 3, 3, 9])
    tensor(k + "bag.last", qb(indices, last))
    tensor(k + "bag.last_psw", qb(indices, last, psw))
    tensor(k + "bag.last_int32", qb(indices.int(), last.int()))
    tensor(k + "bag.last_2d", qb(idx2))  # the rows' starts read as offsets that include the last: one bag
    bag = nn.EmbeddingBag(7, 6, mode="sum")
    with torch.no_grad():
        bag.weight.copy_(W)
    bag.qconfig = qconfig
    qb = nnq.EmbeddingBag.from_float(bag)
    out = qb(indices, offsets, psw)
    tensor(k + "bag.psw", out)
    assert torch.equal(out, bag_ref(packed, bits, indices, offsets, psw, False))
    tensor(k + "bag.2d", qb(idx2))
    if bits == 4:
        tensor(k + "bag.psw_half", qb(indices, offsets, psw.half()))
    # (empty offsets crash this build's reference kernel, which reads offsets[0]; not asked here)
    # refusals
    op = "byte" if bits == 8 else "4bit"
    err(k + "err.no_offsets", lambda: qb(indices))
    err(k + "err.2d_offsets", lambda: qb(idx2, torch.tensor([0])))
    err(k + "err.3d", lambda: qb(idx2.reshape(1, 2, 3)))
    err(k + "err.emb_3d", lambda: qe(idx2.reshape(1, 2, 3)))
    err(k + "err.float_indices", lambda: qb(indices.float(), offsets))
    err(k + "err.float_offsets", lambda: qb(indices, offsets.float()))
    err(k + "err.index_1_13", lambda: qb(torch.tensor([1, 7]), torch.tensor([0])))
    err(k + "err.psw_double", lambda: qb(indices, offsets, psw.double()))

# ---- prepare / convert of a model, its printouts and state dict
class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(7, 6)
        self.bag = nn.EmbeddingBag(7, 6, mode="mean", include_last_offset=True)
        self.lin = nn.Linear(6, 2)


def model():
    m = Model()
    with torch.no_grad():
        m.emb.weight.copy_(W)
        m.bag.weight.copy_(W * 0.5)
        m.lin.weight.copy_(torch.arange(12.0).reshape(2, 6) / 10)
        m.lin.bias.copy_(torch.tensor([0.5, -0.5]))
    return m


m = model()
m.emb.qconfig = tq.float_qparams_weight_only_qconfig
m.bag.qconfig = tq.float_qparams_weight_only_qconfig_4bit
tq.prepare(m, inplace=True)
text("model.prepared", str(m))
tq.convert(m, inplace=True)
text("model.converted", str(m))
m.bag.include_last_offset = True  # as 2.x's from_float keeps it (1.13's drops it)
tensor("model.emb", m.emb(torch.tensor([3, 1])))
tensor("model.bag", m.bag(torch.tensor([3, 1, 0]), torch.tensor([0, 1, 3])))
sd = m.state_dict()
text("model.keys", " ".join(sd.keys()))
text("model.versions", " ".join("%s=%d" % (k or "''", v["version"]) for k, v in sd._metadata.items()))
tensor("model.bag_int_repr", sd["bag._packed_params._packed_weight"].int_repr())
torch.save(sd, os.path.join(HERE, "qembedding_sd.pt"))

for name, cfg in (("default", tq.default_qconfig),
                  ("per_channel_affine", tq.QConfig(activation=tq.default_placeholder_observer,
                                                    weight=tq.PerChannelMinMaxObserver.with_args(
                                                        dtype=torch.quint8, qscheme=torch.per_channel_affine))),
                  ("qint8", tq.QConfig(activation=tq.default_placeholder_observer,
                                       weight=tq.PerChannelMinMaxObserver.with_args(
                                           dtype=torch.qint8, qscheme=torch.per_channel_affine_float_qparams)))):
    for which in ("emb", "bag"):
        m = model()
        getattr(m, which).qconfig = cfg
        tq.prepare(m, inplace=True)
        err("err.%s.%s" % (which, name), lambda: tq.convert(m, inplace=True))

with open(os.path.join(HERE, "expected.txt"), "w") as f:
    f.write("\n".join(lines) + "\n")
