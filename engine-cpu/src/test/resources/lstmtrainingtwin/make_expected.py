# Writes expected.txt for LstmTrainingTwinTest.java: float32 nn.LSTM training on the CPU, held to PyTorch.
#   run: cd engine-cpu/src/test/resources/lstmtrainingtwin && /usr/bin/python3 make_expected.py > expected.txt
# (PyTorch 1.13 on the CPU; running it twice gives the same bytes.)
#
# Every case: an LSTM (30 seeded random configurations of nn.LSTM: input 1-40, hidden 1-70, 1-3 layers, bidirectional
# or not, batch_first or not, bias or not, with and without (h0, c0), 1-12 steps, batch 1-40, dropout 0 but for one case
# with dropout 0.3 run in eval mode; then one LSTMCell driven over a sequence and one LSTM over a PackedSequence) and a
# linear head, and the loss
#     (mse_loss(head(output), target, reduction="sum") + 0.5 * sum(h_n ** 2) + sum(c_n * gc)) / batch
# which uses the output, h_n and c_n (summed over the steps and features, averaged over the batch, so that the
# gradients are not all far under float32's absolute tolerance). Recorded: the output, h_n, c_n and the loss of the
# first forward, the gradients of every parameter (LSTM and head, named_parameters() order), of the input and of (h0, c0) where given after the
# first backward; then the parameters after 3 steps of Adam(lr=1e-2) from the initial values, and after 3 steps of
# SGD(lr=0.05, momentum=0.9) from the initial values, each step on fresh data (step 0's data is the first backward's;
# in the steps neither the input nor the states require grad), and each of those steps' losses.
#
# No tensor comes from torch's RNG: every initial parameter, input, state, target and gc is drawn from a splitmix64
# stream that the test recomputes exactly (gen below: value = (m - 2^23) / 2^23 * scale in float64 with m the top 24
# bits of splitmix64(stream * golden + i), rounded to float32), so only PyTorch's results are stored. Parameters are
# drawn in [-1/sqrt(hidden), 1/sqrt(hidden)] (PyTorch's own init range; the head's [-1/sqrt(fan_in), ...]), inputs,
# targets and gc in [-1, 1], states in [-0.5, 0.5]. Streams: case c's parameter k (named_parameters order, the head
# after the LSTM) is 1000 c + k; step s's input, h0, c0, target, gc are 1000 c + 100 + 10 s + (0..4).
#
# To keep the file small a tensor of more than CAP elements is stored as CAP of its elements, those at flat (row-major)
# index (i * numel) // CAP for i in 0..CAP-1; line format "name [shape] : values" with the values float32's shortest
# repr (str(np.float32)); and every tensor's line "name.sums" has, over all of its elements in float64, max |e|,
# sum e, sum |e|, sum w e and sum |w e| with w_i = i % 7 - 3 (flat index i; 9 digits), so that every element enters
# some check.
#
# Versions: Ember follows 2.x, where a float32 LSTM on the CPU takes oneDNN (mkldnn_rnn, MkldnnRnnLayerBackward0) and
# 1.13 runs the composition (linear + lstm_cell per step): the same mathematics, rounded differently, which the test's
# float32 tolerance covers; the node names are not taken from here. Adam and SGD with momentum compute the same
# updates in 1.13 and 2.x (2.x's foreach default on the CPU is the same arithmetic per element).
import math
import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

torch.set_num_threads(1)
M64 = (1 << 64) - 1
CAP = 32
OUT = 3  # the head's outputs


def mix(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def gen(stream, shape, scale):
    n = math.prod(shape)
    base = (stream * 0x9E3779B97F4A7C15) & M64
    vals = [((mix((base + i) & M64) >> 40) - 8388608) / 8388608.0 * scale for i in range(n)]
    return torch.tensor(vals, dtype=torch.float64).to(torch.float32).reshape(shape)


def fmt(t):
    t = t.detach().contiguous().reshape(-1)
    n = t.numel()
    flat = t.tolist()
    if n > CAP:
        flat = [flat[(i * n) // CAP] for i in range(CAP)]
    return " ".join(str(np.float32(v)) for v in flat)


def line(name, t):
    shape = "[" + ", ".join(str(s) for s in t.shape) + "]"
    print(f"{name} {shape} : {fmt(t)}")
    # over every element, in float64: max |e|, sum e, sum |e|, sum w e, sum |w e| with w_i = i % 7 - 3
    e = t.detach().to(torch.float64).contiguous().reshape(-1)
    w = (torch.arange(e.numel(), dtype=torch.float64) % 7) - 3
    sums = [e.abs().max() if e.numel() else torch.tensor(0.0), e.sum(), e.abs().sum(), (w * e).sum(), (w * e).abs().sum()]
    print(f"{name}.sums " + " ".join(f"{float(v):.9g}" for v in sums))


def init_params(c, named, hidden, fan_in):
    with torch.no_grad():
        for k, (name, p) in enumerate(named):
            p.copy_(gen(1000 * c + k, list(p.shape), 1.0 / math.sqrt(fan_in if name.startswith("head.") else hidden)))


def data(c, s, x_shape, state_shape, out_shape, gc_shape, state):
    b = 1000 * c + 100 + 10 * s
    x = gen(b, x_shape, 1.0)
    h0 = gen(b + 1, state_shape, 0.5) if state else None
    c0 = gen(b + 2, state_shape, 0.5) if state else None
    tgt = gen(b + 3, out_shape, 1.0)
    gc = gen(b + 4, gc_shape, 1.0)
    return x, h0, c0, tgt, gc


def loss_of(y, tgt, h_n, c_n, gc, batch):
    return (F.mse_loss(y, tgt, reduction="sum") + 0.5 * (h_n ** 2).sum() + (c_n * gc).sum()) / batch


def run_case(c, key, kind, I, H, layers, bidir, batch_first, bias, state, T, B, dropout=0.0, lengths=None):
    D = 2 if bidir else 1
    if kind == "cell":
        rnn = nn.LSTMCell(I, H, bias=bias)
    else:
        rnn = nn.LSTM(I, H, layers, bias=bias, batch_first=batch_first, dropout=dropout, bidirectional=bidir)
    head = nn.Linear(D * H, OUT)
    if dropout > 0:
        rnn.eval()
    named = [("rnn." + n, p) for n, p in rnn.named_parameters()] + [("head." + n, p) for n, p in head.named_parameters()]
    params = [p for _, p in named]
    x_shape = [B, T, I] if batch_first else [T, B, I]
    out_shape = [B, T, OUT] if batch_first else [T, B, OUT]
    state_shape = [B, H] if kind == "cell" else [layers * D, B, H]
    gc_shape = [1, B, H] if kind == "cell" else [layers * D, B, H]

    def forward(x, h0, c0):
        if kind == "cell":
            h, cc = (h0, c0) if state else (None, None)
            outs = []
            for t in range(T):
                h, cc = rnn(x[t], None if h is None else (h, cc))
                outs.append(h)
            return torch.stack(outs, 0), h.unsqueeze(0), cc.unsqueeze(0)
        if kind == "packed":
            packed = pack_padded_sequence(x, torch.tensor(lengths), batch_first=batch_first, enforce_sorted=False)
            po, (h_n, c_n) = rnn(packed, (h0, c0) if state else None)
            out, _ = pad_packed_sequence(po, batch_first=batch_first, total_length=T)
            return out, h_n, c_n
        out, (h_n, c_n) = rnn(x, (h0, c0) if state else None)
        return out, h_n, c_n

    print("=== " + key)
    print(f"kind {kind}")
    print(f"config {I} {H} {layers} {int(bidir)} {int(batch_first)} {int(bias)} {int(state)} {T} {B} {dropout!r}")
    if lengths is not None:
        print("lengths " + " ".join(str(v) for v in lengths))
    print("names " + " ".join(n for n, _ in named))
    init_params(c, named, H, D * H)
    init = [p.detach().clone() for p in params]

    x, h0, c0, tgt, gc = data(c, 0, x_shape, state_shape, out_shape, gc_shape, state)
    x.requires_grad_(True)
    if state:
        h0.requires_grad_(True)
        c0.requires_grad_(True)
    out, h_n, c_n = forward(x, h0, c0)
    loss = loss_of(head(out), tgt, h_n, c_n, gc, B)
    loss.backward()
    line("output", out)
    line("h_n", h_n)
    line("c_n", c_n)
    print(f"loss {float(loss)!r}")
    for n, p in named:
        line("grad." + n, p.grad)
    line("grad.input", x.grad)
    if state:
        line("grad.h0", h0.grad)
        line("grad.c0", c0.grad)

    for opt_name in ("adam", "sgd"):
        with torch.no_grad():
            for p, v in zip(params, init):
                p.copy_(v)
                p.grad = None
        opt = torch.optim.Adam(params, lr=1e-2) if opt_name == "adam" else torch.optim.SGD(params, lr=0.05, momentum=0.9)
        for s in range(3):
            x, h0, c0, tgt, gc = data(c, s, x_shape, state_shape, out_shape, gc_shape, state)
            opt.zero_grad()
            out, h_n, c_n = forward(x, h0, c0)
            loss = loss_of(head(out), tgt, h_n, c_n, gc, B)
            loss.backward()
            opt.step()
            print(f"{opt_name}.loss{s} {float(loss)!r}")
        for n, p in named:
            line(opt_name + "." + n, p)


rng = random.Random(40)
keys = []
# hidden sizes forced onto both sides of the vector widths (8, 16, 32, 64 floats) and their tails in the first cases
FORCED_H = [70, 33, 17, 1, 64, 16, 31, 48, 5, 8]
for c in range(30):
    I = rng.randint(1, 40)
    H = FORCED_H[c] if c < len(FORCED_H) else rng.randint(1, 70)
    layers = rng.randint(1, 3)
    bidir = rng.random() < 0.5
    batch_first = rng.random() < 0.5
    bias = rng.random() < 0.75
    state = rng.random() < 0.5
    T = rng.randint(1, 12)
    B = rng.randint(1, 40)
    dropout = 0.0
    if c == 7:  # dropout between layers, run in eval mode
        layers = max(layers, 2)
        dropout = 0.3
    key = f"lstm{c}"
    keys.append(key)
    run_case(c, key, "lstm", I, H, layers, bidir, batch_first, bias, state, T, B, dropout)
keys.append("cell")
run_case(30, "cell", "cell", 7, 37, 1, False, False, True, True, 9, 6)
keys.append("packed")
run_case(31, "packed", "packed", 6, 19, 2, True, True, True, True, 7, 5, lengths=[5, 7, 2, 6, 3])
print("=== cases")
print(" ".join(keys))
