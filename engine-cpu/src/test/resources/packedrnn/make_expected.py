# Writes expected.txt for PackedRnnTest.java (read through PyTorchCases): nn.LSTM, nn.GRU and nn.RNN fed a
# PackedSequence made by pack_padded_sequence from a padded batch, with weights set here and loaded into Ember through
# the state dict. For every case: the packed output's data, batch_sizes and sorted_indices, the padded output
# (pad_packed_sequence, in the module's batch_first), h_n (and c_n), the grad_fn names of the data, h_n and c_n, and the
# gradients of the padded input, the initial states (when given) and every parameter of
# sum(data * gout_data) + sum(h_n * gout_h) + sum(c_n * gout_c).
#   run: /usr/bin/python3 make_expected.py > expected.txt      (PyTorch 1.13 on the CPU)
# Each case is "=== key" and lines "name value"; a tensor value is "float64 [2, 3] : v v v" (logical values,
# row-major, repr so they read back exactly). "=== cases" lists the case keys.
#
# Versions: Ember follows PyTorch 2.x; the packed path (aten/src/ATen/native/RNN.cpp: lstm(data, batch_sizes, ...),
# _rnn_impl_with_concat with PackedLayer / ReversedPackedLayer / PackedBidirectionalLayer on the CPU, no oneDNN) and
# torch/nn/modules/rnn.py's handling of a PackedSequence (permute_hidden by sorted_indices, by unsorted_indices on the
# way out) are the same in 1.13 and 2.x, so every value and node name here is 2.x's.
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

torch.manual_seed(0)
CASES = []


def fmt(t):
    t = t.detach()
    shape = "[" + ", ".join(str(s) for s in t.shape) + "]"
    dtype = {torch.float32: "float32", torch.float64: "float64", torch.int64: "int64"}[t.dtype]
    vals = " ".join(repr(float(v)) if t.dtype.is_floating_point else repr(int(v)) for v in t.flatten().tolist())
    return f"{dtype} {shape} : {vals}"


def line(name, value):
    print(name + " " + value)


def r(*shape, lo=-1.0, hi=1.0, dtype=torch.float64):
    return (torch.rand(tuple(shape), dtype=torch.float64) * (hi - lo) + lo).to(dtype)


def case(key, mode, layers, bidir, batch_first, enforce_sorted, given_h0, lengths, dtype=torch.float64, dropout=0.0,
         proj=0, nonlinearity="tanh", I=3, H=4):
    CASES.append(key)
    print("=== " + key)
    if mode == "LSTM":
        m = nn.LSTM(I, H, layers, batch_first=batch_first, bidirectional=bidir, dropout=dropout, proj_size=proj)
    elif mode == "GRU":
        m = nn.GRU(I, H, layers, batch_first=batch_first, bidirectional=bidir, dropout=dropout)
    else:
        m = nn.RNN(I, H, layers, nonlinearity=nonlinearity, batch_first=batch_first, bidirectional=bidir,
                   dropout=dropout)
    m.to(dtype)
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(r(*p.shape, dtype=dtype))
    N = len(lengths)
    T = max(lengths)
    D = 2 if bidir else 1
    real_h = proj if proj > 0 else H
    line("mode", mode)
    line("nonlinearity", nonlinearity)
    line("options", f"{I} {H} {layers} {int(bidir)} {int(batch_first)} {int(enforce_sorted)} {dropout!r} {proj}")
    line("lengths", fmt(torch.tensor(lengths)))
    x = r(*((N, T, I) if batch_first else (T, N, I)), dtype=dtype).requires_grad_(True)
    line("x", fmt(x))
    leaves = {"x": x}
    hx = None
    if given_h0:
        h0 = r(D * layers, N, real_h, dtype=dtype).requires_grad_(True)
        line("h0", fmt(h0))
        leaves["h0"] = h0
        hx = h0
        if mode == "LSTM":
            c0 = r(D * layers, N, H, dtype=dtype).requires_grad_(True)
            line("c0", fmt(c0))
            leaves["c0"] = c0
            hx = (h0, c0)
    ps = dict(m.named_parameters())
    line("params", " ".join(ps))
    for k, p in ps.items():
        line(k, fmt(p))
        leaves[k] = p
    packed = pack_padded_sequence(x, torch.tensor(lengths), batch_first=batch_first, enforce_sorted=enforce_sorted)
    out, hidden = m(packed, hx) if hx is not None else m(packed)
    h, c = (hidden if mode == "LSTM" else (hidden, None))
    line("data", fmt(out.data))
    line("node_data", type(out.data.grad_fn).__name__)
    line("batch_sizes", fmt(out.batch_sizes))
    line("sorted_indices", "None" if out.sorted_indices is None else fmt(out.sorted_indices))
    padded, lens = pad_packed_sequence(out, batch_first=batch_first)
    line("padded", fmt(padded))
    line("h", fmt(h))
    line("node_h", type(h.grad_fn).__name__)
    gd = r(*out.data.shape, dtype=dtype)
    gh = r(*h.shape, dtype=dtype)
    line("gout_data", fmt(gd))
    line("gout_h", fmt(gh))
    total = (out.data * gd).sum() + (h * gh).sum()
    if c is not None:
        line("c", fmt(c))
        line("node_c", type(c.grad_fn).__name__)
        gc = r(*c.shape, dtype=dtype)
        line("gout_c", fmt(gc))
        total = total + (c * gc).sum()
    total.backward()
    for k, v in leaves.items():
        line("grad_" + k, fmt(v.grad))


SORTED = [5, 3, 3, 1]
UNSORTED = [2, 5, 1, 3]
# every mode x layers x direction, with batch_first x enforce_sorted x given/default h0 in four combinations that
# pair each option with each other at least once
COMBOS = [(False, True, True), (True, False, True), (False, False, False), (True, True, False)]
for mode in ("LSTM", "GRU", "RNN"):
    for layers in (1, 2):
        for bidir in (False, True):
            for bf, es, h0 in COMBOS:
                key = (f"{mode.lower()}_l{layers}{'_bidir' if bidir else ''}{'_bf' if bf else ''}"
                       f"{'_sorted' if es else '_unsorted'}{'_h0' if h0 else ''}")
                case(key, mode, layers, bidir, bf, es, h0, SORTED if es else UNSORTED)
# float32 (compared to 1e-5)
for mode in ("LSTM", "GRU", "RNN"):
    case(f"{mode.lower()}_float32_l2_bidir_bf_unsorted_h0", mode, 2, True, True, False, True, [4, 7, 2, 7, 5],
         dtype=torch.float32, I=5, H=6)
    case(f"{mode.lower()}_float32_l1_sorted", mode, 1, False, False, True, False, [6, 4, 4, 1], dtype=torch.float32,
         I=5, H=6)
# relu, equal lengths (no sequence ends early), one sequence, a projection, dropout 1 between layers (training)
case("rnn_relu_l2_bidir_unsorted_h0", "RNN", 2, True, False, False, True, UNSORTED, nonlinearity="relu")
case("gru_equal_lengths_bidir_h0", "GRU", 1, True, False, True, True, [3, 3, 3])
case("lstm_one_sequence_bidir_h0", "LSTM", 1, True, True, False, True, [4])
case("lstm_proj_l2_bidir_unsorted_h0", "LSTM", 2, True, False, False, True, UNSORTED, proj=2)
case("gru_dropout_all_l2_unsorted", "GRU", 2, False, False, False, True, UNSORTED, dropout=1.0)
case("lstm_dropout_all_l2_bidir_unsorted", "LSTM", 2, True, True, False, False, UNSORTED, dropout=1.0)


# 2.x's RNNBase.check_input starts "if input.dtype != self._flat_weights[0].dtype ...: raise ValueError(f'input must
# have the type {self._flat_weights[0].dtype}, got type {input.dtype}')" (1.13 has no such check and fails in addmm)
ERR_2X = {"err_gru_dtype": ("ValueError", "input must have the type torch.float64, got type torch.float32")}


def err(key, fn):
    print("=== " + key)
    if key in ERR_2X:
        print("error " + ERR_2X[key][0] + " " + ERR_2X[key][1])
        return
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        print("error " + type(e).__name__ + " " + str(e).replace("\n", "\\n"))
        return
    print("value ok")


torch.manual_seed(1)
xe = torch.rand(5, 4, 3, dtype=torch.float64)
pe = pack_padded_sequence(xe, torch.tensor(UNSORTED), enforce_sorted=False)
lstm_e = nn.LSTM(3, 4).double()
gru_e = nn.GRU(3, 4, 2).double()
rnn_e = nn.RNN(2, 4).double()
ps_e = pack_padded_sequence(xe, torch.tensor(SORTED))
err("err_lstm_h0_batch", lambda: lstm_e(ps_e, (torch.zeros(1, 3, 4, dtype=torch.float64),
                                             torch.zeros(1, 4, 4, dtype=torch.float64))))
err("err_lstm_c0_size", lambda: lstm_e(pe, (torch.zeros(1, 4, 4, dtype=torch.float64),
                                             torch.zeros(1, 4, 5, dtype=torch.float64))))
err("err_gru_h0_layers", lambda: gru_e(pe, torch.zeros(1, 4, 4, dtype=torch.float64)))
err("err_rnn_input_size", lambda: rnn_e(pe))
err("err_gru_dtype", lambda: gru_e(pack_padded_sequence(xe.float(), torch.tensor(UNSORTED), enforce_sorted=False)))
print("=== cases")
print("value " + " ".join(CASES))
