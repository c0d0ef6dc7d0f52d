# Expected values for QuantizeDynamicTest: torch.ao.quantization.quantize_dynamic of Linear layers (qint8 per tensor,
# qint8 per channel, float16), LSTMs and GRUs, the quantized weights (int_repr, scales, zero points: PyTorch's observers and
# quantize_per_tensor/per_channel, exact), printouts, and the layer outputs.
#
# The outputs: PyTorch's x86 builds run quantized::linear_dynamic on FBGEMM, which this Debian build of PyTorch 1.13
# lacks (its engines: onednn, qnnpack). So the generator writes two things per case: "fbgemm.*", FBGEMM's arithmetic
# transcribed from its sources (PackAWithQuantRowOffset's quantization of the input: an FMA over the 8-wide part of
# each row, x / scale + zero_point over the K % 8 tail; the exact integer sum; ReQuantizeForFloat's
# float(sum) * (x_scale * w_scale) + bias in float32), computed here with exact rational arithmetic where a float32 FMA
# is needed, and "torch.*", the output of this PyTorch's own quantized model (onednn), which the generator checks
# agrees with the transcription to a tolerance (onednn rounds the quantized input half away from the FMA path at
# ties, and orders its float arithmetic its own way). Float16: PyTorch's fp16 dynamic linear is FBGEMM-only; its
# reference is x @ w.half().float().T + b in float32.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13)
import os
import sys
from fractions import Fraction

import numpy as np
import torch
import torch.nn as nn
from torch.ao.quantization import quantize_dynamic, per_channel_dynamic_qconfig, default_dynamic_qconfig

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from refcases import key_lines  # noqa: E402

lines = []
text, emit, _ = key_lines(lines)


def f32(x):
    return np.float32(x)


def round_f32(q):
    """The float32 nearest the rational q, ties to even."""
    c = np.float32(float(q))
    best = None
    for cand in (np.nextafter(c, np.float32(-np.inf)), c, np.nextafter(c, np.float32(np.inf))):
        d = abs(Fraction(float(cand)) - q)
        if best is None or d < best[0] or (d == best[0] and (int(cand.view(np.int32)) & 1) == 0):
            best = (d, cand)
    return best[1]


def choose_qparams(mn, mx, qmin, qmax):
    # PyTorch's quant_utils::ChooseQuantizationParams (preserve_sparsity false), as FakeQuant.chooseQuantizationParams
    mn = f32(min(mn, 0.0))
    mx = f32(max(mx, 0.0))
    scale = (float(mx) - float(mn)) / (qmax - qmin)
    if f32(scale) == 0 or np.isinf(f32(1.0) / f32(scale)):
        scale = 0.1
    small = float(f32(6.1e-5))
    if scale < small:
        orig = f32(scale)
        scale = small
        if mn == 0:
            mx = f32(small * (qmax - qmin))
        elif mx == 0:
            mn = f32(-small * (qmax - qmin))
        else:
            amp = f32(f32(small) / orig)
            mn = f32(mn * amp)
            mx = f32(mx * amp)
    from_min = qmin - float(mn) / scale
    from_max = qmax - float(mx) / scale
    err_min = abs(qmin) - abs(float(mn) / scale)
    err_max = abs(qmax) - abs(float(mx) / scale)
    initial = from_min if err_min < err_max else from_max
    zp = qmin if initial < qmin else qmax if initial > qmax else int(np.rint(initial))
    return f32(scale), zp


def fbgemm_linear_dynamic(x, qw_int, w_zp, w_scale, bias):
    """x float32 [..., K]; qw_int int [N, K]; w_zp, w_scale per output row (float32 scales); bias float32 or None."""
    x = np.asarray(x, dtype=np.float32)
    k = x.shape[-1]
    rows = x.reshape(-1, k)
    mn = rows.min() if rows.size else f32(0)
    mx = rows.max() if rows.size else f32(0)
    scale, zp = choose_qparams(mn, mx, 0, 127)
    inv = f32(f32(1.0) / scale)
    vec = k - k % 8
    qx = np.zeros(rows.shape, dtype=np.int64)
    for i in range(rows.shape[0]):
        for c in range(k):
            v = rows[i, c]
            if c < vec:
                t = round_f32(Fraction(float(v)) * Fraction(float(inv)) + zp)
            else:
                t = f32(f32(v / scale) + f32(zp))
            t = min(max(float(t), 0.0), 255.0)
            qx[i, c] = int(np.rint(t))
    acc = (qx - zp) @ (qw_int.astype(np.int64) - w_zp[:, None]).T
    assert np.abs(acc).max(initial=0) < 2 ** 31
    mult = (scale * w_scale).astype(np.float32)
    out = (acc.astype(np.float32) * mult[None, :]).astype(np.float32)
    if bias is not None:
        out = (out + bias.astype(np.float32)[None, :]).astype(np.float32)
    return out.reshape(x.shape[:-1] + (qw_int.shape[0],)), qx


def weight_params(lin):
    w = lin.weight()
    if w.qscheme() == torch.per_tensor_affine:
        n = w.shape[0]
        return (w.int_repr().numpy().astype(np.int64), np.full(n, w.q_zero_point(), dtype=np.int64),
                np.full(n, np.float32(w.q_scale()), dtype=np.float32))
    return (w.int_repr().numpy().astype(np.int64), w.q_per_channel_zero_points().numpy().astype(np.int64),
            w.q_per_channel_scales().numpy().astype(np.float32))


g = torch.Generator().manual_seed(33)


def model_of(sizes, bias=True):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1], bias=bias))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    m = nn.Sequential(*layers)
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.5)
    return m


cases = {
    # name: (layer sizes, bias, input shape)
    "a": ([16, 8, 4], True, (5, 16)),     # K a multiple of 8: every element on the FMA path
    "b": ([13, 6], True, (3, 13)),        # K % 8 == 5: each row's tail divides
    "c": ([21, 7, 3], False, (2, 3, 21)),  # no bias, a 3-d input
    "d": ([300, 5], True, (30, 300)),     # 24 rows or more (Ember's GEMM path)
    "e": ([8300, 1], True, (2, 8300)),    # few rows, K past one block of 512 products a lane (16 lanes)
}
tol_ok = True
for name, (sizes, bias, shape) in cases.items():
    m = model_of(sizes, bias)
    x = torch.randn(shape, generator=g) * 2
    emit(name + ".x", x)
    for p_name, p in m.state_dict().items():
        emit(name + ".float." + p_name, p)
    for qname, spec in (("pt", {nn.Linear}), ("pc", {nn.Linear: per_channel_dynamic_qconfig})):
        mq = model_of(sizes, bias)
        mq.load_state_dict(m.state_dict())
        q = quantize_dynamic(mq, spec, dtype=torch.qint8)
        if qname == "pt":
            text(name + ".repr", repr(q))
        # the layers' quantized weights, and the FBGEMM transcription layer by layer
        h = x.numpy()
        for idx, mod in enumerate(q):
            if isinstance(mod, nn.ReLU):
                h = np.maximum(h, np.float32(0))
                continue
            qi, zps, scs = weight_params(mod)
            key = "%s.%s.%d" % (name, qname, idx)
            emit(key + ".wint", torch.from_numpy(qi))
            emit(key + ".wzp", torch.from_numpy(zps))
            emit(key + ".wscale", torch.from_numpy(scs))
            if idx == 0:
                text(key + ".wrepr", repr(mod.weight()))
            b = mod.bias()
            h, _ = fbgemm_linear_dynamic(h, qi, zps, scs, None if b is None else b.detach().numpy())
        emit("%s.%s.fbgemm" % (name, qname), torch.from_numpy(np.ascontiguousarray(h)))
        with torch.no_grad():
            y = q(x)
        emit("%s.%s.torch" % (name, qname), y)
        d = (y - torch.from_numpy(h)).abs().max().item()
        scale_ref = torch.from_numpy(h).abs().max().item()
        print("# %s.%s onednn vs fbgemm transcription: max |diff| %.3g of max |y| %.3g" % (name, qname, d, scale_ref),
              file=sys.stderr)
    # float16
    with torch.no_grad():
        h = x
        for mod in m:
            if isinstance(mod, nn.ReLU):
                h = torch.relu(h)
            else:
                w16 = mod.weight.clamp(-65504, 65504).half().float()
                h = h @ w16.T
                if mod.bias is not None:
                    h = h + mod.bias
        emit(name + ".fp16", h)

# a row with a value whose FMA (8-wide part) and division (tail) round to different integers: search the float32s
# around each half-integer of the scale the row's maximum gives
lin = nn.Linear(9, 2)
with torch.no_grad():
    lin.weight.copy_(torch.arange(18, dtype=torch.float32).reshape(2, 9) / 17 - 0.5)
    lin.bias.zero_()
qlin = quantize_dynamic(nn.Sequential(lin), {nn.Linear}, dtype=torch.qint8)[0]
qi, zps, scs = weight_params(qlin)
M = np.float32(0.27286)
s, z = choose_qparams(np.float32(0), M, 0, 127)
inv = f32(f32(1.0) / s)
src = None
for n in range(127):
    c = f32((n + 0.5) * float(s))
    cands = [c]
    for _ in range(4):
        cands = [np.nextafter(cands[0], np.float32(-1))] + cands + [np.nextafter(cands[-1], np.float32(1))]
    for v in cands:
        fma = round_f32(Fraction(float(v)) * Fraction(float(inv)) + z)
        div = f32(f32(v / s) + f32(z))
        if int(np.rint(float(fma))) != int(np.rint(float(div))):
            src = v
            break
    if src is not None:
        break
assert src is not None, "no tie found"
row = np.array([0.0, 0.1, 0.2, src, 0.05, 0.15, 0.25, M, src], dtype=np.float32)  # src at col 3 (FMA), col 8 (tail)
xt = torch.from_numpy(row.reshape(1, 9))
emit("tie.x", xt)
emit("tie.w", lin.weight.detach())
y, qx = fbgemm_linear_dynamic(row.reshape(1, 9), qi, zps, scs, qlin.bias().detach().numpy())
assert qx[0, 3] != qx[0, 8], qx
emit("tie.qx", torch.from_numpy(qx))
emit("tie.fbgemm", torch.from_numpy(y))

# LSTM: quantize_dynamic(model, {nn.LSTM, nn.Linear}) of an LSTM (2 layers, bidirectional) feeding a Linear, as
# PyTorch's dynamic quantization tutorial; the transcription runs PyTorch's CPU quantized_lstm: per layer and
# direction the input projection of the whole sequence (one input scale), then per step
# gates = linear_dynamic(h, W_hh, b_hh) + projection[t] and the cell in float32 (torch's sigmoid and tanh)
from torch.ao.quantization import MinMaxObserver, PerChannelMinMaxObserver  # noqa: E402


def quantized_weight(w, per_channel):
    obs = (PerChannelMinMaxObserver(dtype=torch.qint8, qscheme=torch.per_channel_symmetric) if per_channel
           else MinMaxObserver(dtype=torch.qint8, qscheme=torch.per_tensor_symmetric))
    obs(w)
    sc, zp = obs.calculate_qparams()
    if per_channel:
        q = torch.quantize_per_channel(w, sc.to(torch.double), zp.to(torch.int64), 0, torch.qint8)
        return (q.int_repr().numpy().astype(np.int64), q.q_per_channel_zero_points().numpy().astype(np.int64),
                q.q_per_channel_scales().numpy().astype(np.float32))
    q = torch.quantize_per_tensor(w, float(sc), int(zp), torch.qint8)
    n = w.shape[0]
    return (q.int_repr().numpy().astype(np.int64), np.full(n, q.q_zero_point(), dtype=np.int64),
            np.full(n, np.float32(q.q_scale()), dtype=np.float32))


def lstm_transcription(lstm, x, h0, c0, per_channel):
    dirs = 2 if lstm.bidirectional else 1
    layer_input = x.numpy()
    hn, cn = [], []
    for layer in range(lstm.num_layers):
        outs = []
        for d in range(dirs):
            sfx = "_l%d%s" % (layer, "_reverse" if d == 1 else "")
            wih = quantized_weight(getattr(lstm, "weight_ih" + sfx).detach(), per_channel)
            whh = quantized_weight(getattr(lstm, "weight_hh" + sfx).detach(), per_channel)
            bih = getattr(lstm, "bias_ih" + sfx).detach().numpy()
            bhh = getattr(lstm, "bias_hh" + sfx).detach().numpy()
            proj, _ = fbgemm_linear_dynamic(layer_input, *wih, bih)
            i = layer * dirs + d
            h = h0[i].numpy()
            c = torch.from_numpy(c0[i].numpy().copy())
            steps = proj.shape[0]
            out = [None] * steps
            for s_ in range(steps):
                t = steps - 1 - s_ if d == 1 else s_
                hh, _ = fbgemm_linear_dynamic(h, *whh, bhh)
                gates = torch.from_numpy((hh + proj[t]).astype(np.float32))
                ig, fg, gg, og = gates.chunk(4, 1)
                c = torch.sigmoid(fg) * c + torch.sigmoid(ig) * torch.tanh(gg)
                hv = torch.sigmoid(og) * torch.tanh(c)
                h = hv.numpy()
                out[t] = h
            outs.append(np.stack(out, 0))
            hn.append(h)
            cn.append(c.numpy())
        layer_input = np.concatenate(outs, axis=2) if dirs == 2 else outs[0]
    return layer_input, np.stack(hn, 0), np.stack(cn, 0)


class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(6, 5, 2, bidirectional=True)
        self.fc = nn.Linear(10, 3)

    def forward(self, x):
        o, _ = self.lstm(x)
        return self.fc(o)


xl = torch.randn(7, 3, 6, generator=g)
h0 = torch.randn(4, 3, 5, generator=g) * 0.5
c0 = torch.randn(4, 3, 5, generator=g) * 0.5
emit("lstm.x", xl)
emit("lstm.h0", h0)
emit("lstm.c0", c0)
for pc, name in ((False, "lstm.pt"), (True, "lstm.pc")):
    torch.manual_seed(5)
    model = Tagger()
    if not pc:
        for k_, v in model.state_dict().items():
            emit("lstm.float." + k_, v)
    spec = {nn.LSTM: per_channel_dynamic_qconfig, nn.Linear: per_channel_dynamic_qconfig} if pc else {nn.LSTM, nn.Linear}
    qm = quantize_dynamic(model, spec, dtype=torch.qint8, inplace=False)
    if not pc:
        text("lstm.repr", repr(qm))
    with torch.no_grad():
        o, (h, c) = qm.lstm(xl, (h0, c0))
        emit(name + ".torch.out", o)
        emit(name + ".torch.h", h)
        emit(name + ".torch.c", c)
        emit(name + ".torch.model", qm(xl))
    ro, rh, rc = lstm_transcription(model.lstm, xl, h0, c0, pc)
    emit(name + ".fbgemm.out", torch.from_numpy(ro))
    emit(name + ".fbgemm.h", torch.from_numpy(rh))
    emit(name + ".fbgemm.c", torch.from_numpy(rc))
    print("# %s onednn vs transcription: out %.3g, h %.3g, c %.3g" % (
        name, (o - torch.from_numpy(ro)).abs().max(), (h - torch.from_numpy(rh)).abs().max(),
        (c - torch.from_numpy(rc)).abs().max()), file=sys.stderr)

# GRU: a 2-layer bidirectional batch-first GRU, PyTorch's CPU quantized_gru cell: r = sigmoid(hr + ir),
# z = sigmoid(hz + iz), n = tanh(in + hn * r), h = (h - n) * z + n


def gru_transcription(gru, x, h0):
    dirs = 2 if gru.bidirectional else 1
    layer_input = x.transpose(0, 1).contiguous().numpy() if gru.batch_first else x.numpy()
    hn = []
    for layer in range(gru.num_layers):
        outs = []
        for d in range(dirs):
            sfx = "_l%d%s" % (layer, "_reverse" if d == 1 else "")
            wih = quantized_weight(getattr(gru, "weight_ih" + sfx).detach(), False)
            whh = quantized_weight(getattr(gru, "weight_hh" + sfx).detach(), False)
            proj, _ = fbgemm_linear_dynamic(layer_input, *wih, getattr(gru, "bias_ih" + sfx).detach().numpy())
            h = torch.from_numpy(h0[layer * dirs + d].numpy().copy())
            steps = proj.shape[0]
            out = [None] * steps
            for s_ in range(steps):
                t = steps - 1 - s_ if d == 1 else s_
                hh, _ = fbgemm_linear_dynamic(h.numpy(), *whh, getattr(gru, "bias_hh" + sfx).detach().numpy())
                ir, iz, i_n = torch.from_numpy(proj[t]).chunk(3, 1)
                hr, hz, h_n = torch.from_numpy(hh).chunk(3, 1)
                r = (hr + ir).sigmoid()
                z = (hz + iz).sigmoid()
                n = (i_n + h_n * r).tanh()
                h = (h - n) * z + n
                out[t] = h.numpy()
            outs.append(np.stack(out, 0))
            hn.append(h.numpy())
        layer_input = np.concatenate(outs, axis=2) if dirs == 2 else outs[0]
    out = np.ascontiguousarray(layer_input.transpose(1, 0, 2)) if gru.batch_first else layer_input
    return out, np.stack(hn, 0)


torch.manual_seed(6)
gru = nn.GRU(4, 3, 2, batch_first=True, bidirectional=True)
for k_, v in gru.state_dict().items():
    emit("gru.float." + k_, v)
xg = torch.randn(2, 6, 4, generator=g)
hg = torch.randn(4, 2, 3, generator=g) * 0.5
emit("gru.x", xg)
emit("gru.h0", hg)
qg = quantize_dynamic(nn.Sequential(gru), {nn.GRU}, dtype=torch.qint8, inplace=False)
text("gru.repr", repr(qg))
with torch.no_grad():
    og, hgn = qg[0](xg, hg)
emit("gru.torch.out", og)
emit("gru.torch.h", hgn)
ro, rh = gru_transcription(gru, xg, hg)
emit("gru.fbgemm.out", torch.from_numpy(ro))
emit("gru.fbgemm.h", torch.from_numpy(rh))
print("# gru onednn vs transcription: out %.3g, h %.3g" % ((og - torch.from_numpy(ro)).abs().max(),
                                                          (hgn - torch.from_numpy(rh)).abs().max()), file=sys.stderr)

# PackedSequence inputs (PyTorch's PackedLayer / ReversedPackedLayer in RNN.cpp with QuantizedCellParamsDynamic): per
# layer and direction the input projection of all the packed rows at once (one input scale), then step t on the first
# batch_sizes[t] rows: forward, the hidden state shrinks as sequences end (their final states kept); reverse, it starts
# with the shortest batch and grows with h0's rows. The states are permuted by sorted_indices on the way in and by
# unsorted_indices on the way out, as the Python module's permute_hidden.
from torch.nn.utils.rnn import pack_sequence  # noqa: E402


def packed_transcription(rnn, data, batch_sizes, h0, c0, lstm):
    dirs = 2 if rnn.bidirectional else 1
    layer_input = data
    total = data.shape[0]
    hn, cn = [], []

    def cell(xw, hw, h, c):
        if lstm:
            gates = torch.from_numpy((hw + xw).astype(np.float32))
            ig, fg, gg, og = gates.chunk(4, 1)
            cy = torch.sigmoid(fg) * torch.from_numpy(c) + torch.sigmoid(ig) * torch.tanh(gg)
            return (torch.sigmoid(og) * torch.tanh(cy)).numpy(), cy.numpy()
        ir, iz, i_n = torch.from_numpy(xw).chunk(3, 1)
        hr, hz, h_n = torch.from_numpy(hw).chunk(3, 1)
        r = (hr + ir).sigmoid()
        z = (hz + iz).sigmoid()
        n = (i_n + h_n * r).tanh()
        return ((torch.from_numpy(h) - n) * z + n).numpy(), None

    for layer in range(rnn.num_layers):
        outs = []
        for d in range(dirs):
            sfx = "_l%d%s" % (layer, "_reverse" if d == 1 else "")
            wih = quantized_weight(getattr(rnn, "weight_ih" + sfx).detach(), False)
            whh = quantized_weight(getattr(rnn, "weight_hh" + sfx).detach(), False)
            bhh = getattr(rnn, "bias_hh" + sfx).detach().numpy()
            proj, _ = fbgemm_linear_dynamic(layer_input, *wih, getattr(rnn, "bias_ih" + sfx).detach().numpy())
            i = layer * dirs + d
            h_all = h0[i].numpy().copy()
            c_all = c0[i].numpy().copy() if lstm else None
            steps = []
            if d == 0:
                offset, last = 0, batch_sizes[0]
                h, c = h_all, c_all
                done_h, done_c = [], []
                for bs in batch_sizes:
                    if bs < last:
                        done_h.append(h[bs:last])
                        h = h[:bs]
                        if lstm:
                            done_c.append(c[bs:last])
                            c = c[:bs]
                    last = bs
                    hw, _ = fbgemm_linear_dynamic(h, *whh, bhh)
                    h, c = cell(proj[offset:offset + bs], hw, h, c)
                    offset += bs
                    steps.append(h)
                done_h.append(h)
                hn.append(np.concatenate(done_h[::-1], 0))
                if lstm:
                    done_c.append(c)
                    cn.append(np.concatenate(done_c[::-1], 0))
            else:
                offset, last = total, batch_sizes[-1]
                h = h_all[:last]
                c = c_all[:last] if lstm else None
                for bs in batch_sizes[::-1]:
                    if bs > last:
                        h = np.concatenate([h, h_all[last:bs]], 0)
                        if lstm:
                            c = np.concatenate([c, c_all[last:bs]], 0)
                    last = bs
                    hw, _ = fbgemm_linear_dynamic(h, *whh, bhh)
                    h, c = cell(proj[offset - bs:offset], hw, h, c)
                    offset -= bs
                    steps.append(h)
                steps = steps[::-1]
                hn.append(h)
                if lstm:
                    cn.append(c)
            outs.append(np.concatenate(steps, 0))
        layer_input = np.concatenate(outs, axis=1) if dirs == 2 else outs[0]
    return layer_input, np.stack(hn, 0), (np.stack(cn, 0) if lstm else None)


seqs = [torch.randn(n, 6, generator=g) for n in (3, 7, 1, 5)]
packed = pack_sequence(seqs, enforce_sorted=False)
emit("packed.data", packed.data)
emit("packed.batch_sizes", packed.batch_sizes)
emit("packed.sorted_indices", packed.sorted_indices)
emit("packed.unsorted_indices", packed.unsorted_indices)
ph0 = torch.randn(4, 4, 5, generator=g) * 0.5
pc0 = torch.randn(4, 4, 5, generator=g) * 0.5
emit("packed.h0", ph0)
emit("packed.c0", pc0)
torch.manual_seed(5)
model = Tagger()
qm = quantize_dynamic(model, {nn.LSTM, nn.Linear}, dtype=torch.qint8, inplace=False)
bsl = [int(b) for b in packed.batch_sizes]
si, ui = packed.sorted_indices, packed.unsorted_indices
with torch.no_grad():
    po, (ph, pc) = qm.lstm(packed, (ph0, pc0))
    emit("packed.lstm.torch.out", po.data)
    emit("packed.lstm.torch.h", ph)
    emit("packed.lstm.torch.c", pc)
    po0, (ph00, pc00) = qm.lstm(packed)
    emit("packed.lstm.torch.zero.out", po0.data)
    emit("packed.lstm.torch.zero.h", ph00)
ro, rh, rc = packed_transcription(model.lstm, packed.data.numpy(), bsl, ph0.index_select(1, si),
                                  pc0.index_select(1, si), True)
rh = torch.from_numpy(rh).index_select(1, ui)
rc = torch.from_numpy(rc).index_select(1, ui)
emit("packed.lstm.fbgemm.out", torch.from_numpy(ro))
emit("packed.lstm.fbgemm.h", rh)
emit("packed.lstm.fbgemm.c", rc)
print("# packed lstm onednn vs transcription: out %.3g, h %.3g, c %.3g" % (
    (po.data - torch.from_numpy(ro)).abs().max(), (ph - rh).abs().max(), (pc - rc).abs().max()), file=sys.stderr)

torch.manual_seed(7)
pgru = nn.GRU(6, 5, 2, bidirectional=True)
for k_, v in pgru.state_dict().items():
    emit("packed.gru.float." + k_, v)
qpg = quantize_dynamic(nn.Sequential(pgru), {nn.GRU}, dtype=torch.qint8, inplace=False)
with torch.no_grad():
    go, gh = qpg[0](packed, ph0)
emit("packed.gru.torch.out", go.data)
emit("packed.gru.torch.h", gh)
ro, rh, _ = packed_transcription(pgru, packed.data.numpy(), bsl, ph0.index_select(1, si), None, False)
rh = torch.from_numpy(rh).index_select(1, ui)
emit("packed.gru.fbgemm.out", torch.from_numpy(ro))
emit("packed.gru.fbgemm.h", rh)
print("# packed gru onednn vs transcription: out %.3g, h %.3g" % (
    (go.data - torch.from_numpy(ro)).abs().max(), (gh - rh).abs().max()), file=sys.stderr)

# Dynamic recurrent cells (PyTorch's quantized_lstm_cell_dynamic, quantized_gru_cell_dynamic,
# quantized_rnn_tanh/relu_cell_dynamic: RNN.cpp's DEFINE_QUANTIZED_RNN_CELL_DYNAMIC builds QuantizedCellParamsDynamic
# with reduce_range true, "for all RNN Cells by default", so the input and the hidden state are quantized over [0, 127]
# as the layers' are); the default spec swaps them.
torch.manual_seed(8)
cells = nn.Sequential(nn.LSTMCell(6, 5), nn.GRUCell(6, 5), nn.RNNCell(6, 5), nn.RNNCell(6, 5, nonlinearity="relu"))
for k_, v in cells.state_dict().items():
    emit("cells.float." + k_, v)
qc = quantize_dynamic(cells, inplace=False)
text("cells.repr", repr(qc))
cx = torch.randn(3, 6, generator=g) * 2
ch = torch.randn(3, 5, generator=g)
cc = torch.randn(3, 5, generator=g)
emit("cells.x", cx)
emit("cells.h", ch)
emit("cells.c", cc)
with torch.no_grad():
    lh, lc = qc[0](cx, (ch, cc))
    emit("cells.lstm.torch.h", lh)
    emit("cells.lstm.torch.c", lc)
    lz, _ = qc[0](cx)
    emit("cells.lstm.torch.zero.h", lz)
    emit("cells.gru.torch.h", qc[1](cx, ch))
    emit("cells.tanh.torch.h", qc[2](cx, ch))
    emit("cells.relu.torch.h", qc[3](cx, ch))


def cell_linear(cell, which, x):
    w = quantized_weight(getattr(cell, "weight_" + which).detach(), False)
    out, _ = fbgemm_linear_dynamic(x, *w, getattr(cell, "bias_" + which).detach().numpy())
    return torch.from_numpy(out)


def cell_transcription(cell, kind, x, h, c):
    xi = cell_linear(cell, "ih", x.numpy())
    hh = cell_linear(cell, "hh", h.numpy())
    if kind == "lstm":
        ig, fg, gg, og = (hh + xi).chunk(4, 1)
        cy = torch.sigmoid(fg) * c + torch.sigmoid(ig) * torch.tanh(gg)
        return torch.sigmoid(og) * torch.tanh(cy), cy
    if kind == "gru":
        ir, iz, i_n = xi.chunk(3, 1)
        hr, hz, h_n = hh.chunk(3, 1)
        r = (hr + ir).sigmoid()
        z = (hz + iz).sigmoid()
        n = (i_n + h_n * r).tanh()
        return (h - n) * z + n, None
    pre = hh + xi
    return (pre.tanh() if kind == "tanh" else pre.relu()), None


for i, kind in enumerate(("lstm", "gru", "tanh", "relu")):
    rh, rc = cell_transcription(cells[i], kind, cx, ch, cc)
    emit("cells.%s.fbgemm.h" % kind, rh)
    if rc is not None:
        emit("cells.%s.fbgemm.c" % kind, rc)
    with torch.no_grad():
        th = lh if kind == "lstm" else qc[i](cx, ch)
    print("# cell %s onednn vs transcription: h %.3g" % (kind, (th - rh).abs().max()), file=sys.stderr)
rz, _ = cell_transcription(cells[0], "lstm", cx, torch.zeros(3, 5), torch.zeros(3, 5))
emit("cells.lstm.fbgemm.zero.h", rz)

# no autograd through the quantized op: an input that requires grad gives an output that does not, with no grad_fn
with torch.enable_grad():
    yg = quantize_dynamic(model_of([16, 8, 4]), {nn.Linear}, dtype=torch.qint8)(torch.randn(2, 16, requires_grad=True))
text("grad.requires", "%s %s" % (yg.requires_grad, yg.grad_fn))

print("\n".join(lines))
