# Expected values for QuantizeDynamicFloat16RnnTest: quantize_dynamic(model, {nn.LSTM, nn.GRU, nn.LSTMCell,
# nn.GRUCell, nn.RNNCell}, dtype=torch.float16). PyTorch's float16 dynamic recurrent layers run on FBGEMM only
# (quantized::linear_prepack_fp16 "is currently not supported by ONEDNN", and this Debian build of PyTorch 1.13 has no
# FBGEMM), so the reference is what they compute, written with this PyTorch's float modules: linear_prepack_fp16
# saturates each weight to float16's range (HandleWeightsSaturation) and stores it as float16; every projection is
# fbgemm_linear_fp16_weight_fp32_activation, x @ W16.float().T in float32 then + bias; the gates are the float32 cell
# of the float layer. So: the float module with each weight replaced by w.clamp(-65504, 65504).half().float(), run in
# float32 (FBGEMM's fp16 GEMM sums in its own order: results agree to float32 rounding, not bit for bit).
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13)
import os
import sys

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from refcases import fmt_tensor  # noqa: E402

lines = []


def emit(key, t):
    lines.append(key + " " + fmt_tensor(t.detach()))


def as_fp16_weights(m):
    """The reference module: every weight_* saturated and rounded to float16, the biases kept in float32."""
    with torch.no_grad():
        for name, p in m.named_parameters():
            if name.startswith("weight"):
                p.copy_(p.clamp(-65504, 65504).half().float())
    return m


torch.manual_seed(0)
lstm = nn.LSTM(4, 5, num_layers=2, bidirectional=True, batch_first=True)
with torch.no_grad():
    lstm.weight_ih_l0[0, 0] = 1e5           # saturates to 65504
    lstm.weight_hh_l1_reverse[2, 3] = 1 / 3  # rounds visibly in float16
for k, v in lstm.state_dict().items():
    emit("lstm.float." + k, v)
x = torch.randn(3, 6, 4) * 1e-5  # small inputs: the saturated weight's product stays in range
h0 = torch.randn(4, 3, 5)
c0 = torch.randn(4, 3, 5)
emit("lstm.x", x)
emit("lstm.h0", h0)
emit("lstm.c0", c0)
ref = as_fp16_weights(lstm)
emit("lstm.w16.weight_ih_l0", ref.weight_ih_l0)
emit("lstm.w16.weight_hh_l1_reverse", ref.weight_hh_l1_reverse)
with torch.no_grad():
    out, (hn, cn) = ref(x, (h0, c0))
    emit("lstm.out", out)
    emit("lstm.hn", hn)
    emit("lstm.cn", cn)
    lengths = torch.tensor([4, 6, 2])
    packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    pout, (phn, pcn) = ref(packed)
    padded, _ = pad_packed_sequence(pout, batch_first=True)
    emit("lstm.packed.out", padded)
    emit("lstm.packed.hn", phn)
    emit("lstm.packed.cn", pcn)

gru = nn.GRU(4, 5, num_layers=2)
for k, v in gru.state_dict().items():
    emit("gru.float." + k, v)
gx = torch.randn(6, 3, 4)
emit("gru.x", gx)
with torch.no_grad():
    gout, ghn = as_fp16_weights(gru)(gx)
    emit("gru.out", gout)
    emit("gru.hn", ghn)

cx = torch.randn(3, 4)
emit("cell.x", cx)
hx = torch.randn(3, 5)
cxs = torch.randn(3, 5)
emit("cell.h", hx)
emit("cell.c", cxs)
for name, cell in (("lstmcell", nn.LSTMCell(4, 5)), ("grucell", nn.GRUCell(4, 5)),
                   ("rnncell_tanh", nn.RNNCell(4, 5)), ("rnncell_relu", nn.RNNCell(4, 5, nonlinearity="relu"))):
    for k, v in cell.state_dict().items():
        emit(name + ".float." + k, v)
    ref = as_fp16_weights(cell)
    with torch.no_grad():
        if name == "lstmcell":
            h, c = ref(cx, (hx, cxs))
            emit(name + ".h", h)
            emit(name + ".c", c)
        else:
            emit(name + ".h", ref(cx, hx))
print("\n".join(lines))
