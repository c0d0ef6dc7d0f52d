# Differential fuzz round 43 for DifferentialFuzzR43Test.java: seeded single calls of THE RECURRENT LAYERS AND CELLS AT
# THEIR CORNERS, run in PyTorch with every result recorded; FuzzR43Interpreter.java replays each in Ember.
#   run: cd engine-cpu/src/test/resources/differentialfuzzr43 && /usr/bin/python3 make_cases.py > cases.txt
#   (PyTorch 1.13 CPU; seed 43, every draw seeded, so a second run writes the same bytes)
#   a local hunt: FUZZ_SEED=<s> FUZZ_N=<n> /usr/bin/python3 make_cases.py > /tmp/hunt.txt, then the test with
#   -Dember.fuzz43.file=/tmp/hunt.txt (inside -Dember.test.argLine); FUZZ_N scales the number of cases per family
#
# Round 34 drew the recurrent modules over padded and packed sequences; this round hunts their own corners:
#   rnn         nn.RNN (tanh / relu), nn.LSTM (proj_size or not), nn.GRU: input_size / hidden_size 1..6, num_layers
#               1-3, bias on / off, batch_first, bidirectional, dropout 0; sequence length 1 or several (0: refused,
#               "Expected sequence length to be larger than 0 in RNN", as 2.x's RNN.cpp), batch 0..3, batched 3-D and
#               unbatched 2-D input, h0 (c0) given or not; one element of the input or of h0 / c0 NaN or +-inf, large
#               magnitudes (saturated tanh / sigmoid), all-zero inputs; the upstream gradient reaches the outputs
#               through the output only, h_n only, c_n only or all of them (the others take none)
#   rnn_refuse  wrong input size, wrong h0 / c0 shapes (each dimension), a 3-D hx with an unbatched input and a 2-D
#               one with a batched input, 1-D and 4-D inputs, an input of another dtype than the module's, a sequence
#               of length 0: PyTorch's message, and every input and parameter unchanged
#   cell        nn.RNNCell (tanh / relu), nn.LSTMCell, nn.GRUCell: batched (batch 0..3) / unbatched, hx given or
#               not, bias off, the same special values and gradient selections
#   rnn_layout  the layers over strided inputs (a transposed input, every other feature, an h0 expanded over the
#               batch), some inputs not requiring grad, frozen parameters, the call under no_grad; a dropout
#               probability (0.5 or 1) where none applies: one layer in training mode, or eval mode ("drop=", "eval=")
#   cell_refuse wrong input size, wrong hx / cx size, hx of another batch, a 3-D input, a 1-D input with a 2-D hx
# A float64 case records the outputs, their grad_fn names (PyTorch 2.x's CPU path for float64 is the composite
# at::lstm / gru / rnn_* of RNN.cpp, as 1.13's: 2.x's mkldnn RNN path takes float32 / bfloat16 only, so the names are
# 1.13's), and every gradient (input, h0, c0, each weight and bias, weight_hr); a float32 case the outputs and
# gradients within 1e-4 (round 34's recurrent tolerance).
#
# Format (round 34's, FuzzR34Interpreter's lines): "=== r43_<k> <family> <dtype>", then
#   s <op> [k=v ...]    rnn kind= in= hid= layers= bias= bf= bi= proj= form=padded|unbatched, or cell kind= in= hid=
#                       bias=
#   i <name> <tensor>   x the input, h0 / c0 the initial states
#   rg <name>           that input requires grad
#   p <name> <tensor>   a module parameter by PyTorch's name, written into Ember's module
#   err <message>       PyTorch refuses (first line); every input and parameter must be unchanged
#   o <name> <tensor>   an output: out, h, c
#   fn <name> <node>    the output's grad_fn name (float64 cases)
#   g <name> <tensor>   the upstream gradient of output <name>: the backward of sum(sum(out * g) over those outputs)
#   nog <name>          the output requires grad but takes no upstream gradient
#   lay <name> <how>    (rnn_layout) the call takes a view of input <name>, whose gradient is the input's: t01
#                       transpose(0, 1).contiguous().transpose(0, 1) (strided), even [..., ::2] (the last dim's
#                       stride 2), expand:<b> dim 1 expanded to b (stride 0, an h0 shared by the batch)
#   frozen <name>       (rnn_layout) that parameter does not require grad (its gradient: none)
#   nograd              (rnn_layout) the call runs under no_grad: no output requires grad
#   gr <name> <tensor>  the gradient of input or parameter <name>, or "none"
# Values: within tol * max(1, max |expected|), 1e-12 float64 (FuzzR31Interpreter.compare) and 1e-4 float32; NaN
# where PyTorch has NaN, infinities of the same sign. A NaN's SIGN is not compared, by decision: IEEE 754 leaves it
# unspecified and PyTorch's own kernels disagree (1.13 on this AVX2 machine: torch.sigmoid of +NaN is +NaN in the
# vectorized loop and -NaN for a one-element tensor, tanh gives -NaN, MKL's gemm keeps the operand's), so it follows
# the kernel and the vector width, not the op; Ember's own lanes and tails agree (SignFlipLanesTest, RnnKernelsTest).
#
# 1.13 and 2.x (Ember follows 2.x, from torch/nn/modules/rnn.py and aten/src/ATen/native/RNN.cpp of 2.x): the
# generator runs 2.x's Python checks before calling 1.13's module (pre_layer_2x, pre_cell_2x):
# - RNN / LSTM / GRU.forward check the input's rank first ("RNN: Expected input to be 2D or 3D, got 4D tensor
#   instead", "LSTM: ... got 1D instead", "GRU: ... got 1D instead"; 1.13 took a 4-D input as unbatched and said
#   "input must have 3 dimensions, got 5"), then hx's rank, then check_input's dtype check ("input must have the type
#   torch.float64, got type torch.float32"; 1.13 has none and fails in the matmul)
# - RNNCell / GRUCell / LSTMCell.forward: "RNNCell: Expected input to be 1D or 2D, got 3D instead", "... Expected
#   hidden to be 1D or 2D, got 3D instead", "LSTMCell: Expected hx[1] to be 1D or 2D, got 3D instead" (1.13: "...
#   Expected input to be 1-D or 2-D but received 3-D tensor", no hidden rank check); lstm_cell checks cx as hidden1
#   (2.x's check_rnn_cell_forward_hidden(input, hx[1], hidden_size, 1); 1.13 passes 0: "hidden0 has ...")
import math
import os
import random

import numpy as np
import warnings

import torch
import torch.nn as nn

warnings.simplefilter("ignore")
SEED = int(os.environ.get("FUZZ_SEED", "43"))
SCALE_N = float(os.environ.get("FUZZ_N", "1"))
R = random.Random(SEED)
torch.manual_seed(SEED)
torch.set_num_threads(1)
F32, F64 = torch.float32, torch.float64
OUT = []
COUNT = [0]


def num(v):
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return repr(v)


def dname(d):
    return str(d).replace("torch.", "")


def tline(t):
    t = t.detach()
    shape = list(t.shape)
    if t.dtype == F32:
        body = " ".join(num(v) if not math.isfinite(v) else str(np.float32(v)) for v in t.reshape(-1).tolist())
    else:
        body = " ".join(num(v) for v in t.to(F64).reshape(-1).tolist())
    return "%s [%s] : %s" % (dname(t.dtype), ", ".join(str(s) for s in shape), body)


def err_text(e):
    return str(e).split("\n")[0]


def fval(shape, dtype, scale=1.0):
    return (torch.round(torch.randn(*shape, dtype=F64) * scale * 1e4) / 1e4).to(dtype)


def special(t, how):
    """how: None, 'nan' / 'inf' / '-inf' (one element), 'large' (times 60), 'zeros'."""
    if how is None or t.numel() == 0:
        return t
    t = t.clone()
    if how == "large":
        return t * 60
    if how == "zeros":
        return torch.zeros_like(t)
    t.reshape(-1)[R.randrange(t.numel())] = float(how)
    return t


def draw_special():
    r = R.random()
    if r < 0.06:
        return "nan"
    if r < 0.09:
        return "inf"
    if r < 0.12:
        return "-inf"
    if r < 0.20:
        return "large"
    if r < 0.24:
        return "zeros"
    return None


def rounded_parameters(m, large=False):
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(torch.round(p * (8 if large else 1) * 1e4) / 1e4)
    return [(name, p.detach().clone()) for name, p in m.named_parameters()]


def draw_dtype():
    return F32 if R.random() < 0.25 else F64


def layout(t, how):
    """The call's view of input t ("lay" lines): t01 transposed, copied and transposed back (strided, same values),
    even every other element of the last dim, expand:<b> dim 1 expanded to b (stride 0)."""
    if how == "t01":
        return t.transpose(0, 1).contiguous().transpose(0, 1)
    if how == "even":
        return t[..., ::2]
    b = int(how.split(":")[1])
    return t.expand(t.size(0), b, t.size(2))


def emit(family, dtype, step, inputs, params, body, m, rgs=None, lays=(), frozen=(), nograd=False):
    k = COUNT[0]
    COUNT[0] += 1
    lines = ["=== r43_%d %s %s" % (k, family, dname(dtype)), "s " + step]
    for nm, t in inputs:
        lines.append("i %s %s" % (nm, tline(t)))
    if rgs is None:
        rgs = [nm for nm, t in inputs if t.is_floating_point()]
    for nm in rgs:
        lines.append("rg " + nm)
    for nm, t in params:
        lines.append("p %s %s" % (nm, tline(t)))
    for nm, how in lays:
        lines.append("lay %s %s" % (nm, how))
    for nm in frozen:
        lines.append("frozen " + nm)
    if nograd:
        lines.append("nograd")
    v = {}
    for name, t in inputs:
        v[name] = t.clone().requires_grad_(name in rgs)
    for name, p in m.named_parameters():
        p.grad = None
        p.requires_grad_(name not in frozen)
    call = dict(v)
    for nm, how in lays:
        call[nm] = layout(v[nm], how)
    try:
        if nograd:
            with torch.no_grad():
                outs = body(call)
        else:
            outs = body(call)
    except (RuntimeError, ValueError, IndexError, TypeError, AssertionError) as e:
        lines.append("err " + err_text(e))
        OUT.extend(lines)
        return
    # which outputs take an upstream gradient: all, or one of them
    names = [n for n, t in outs if t.requires_grad]
    sel = R.choice(["all", "all"] + names) if names else "all"
    loss = None
    for name, t in outs:
        lines.append("o %s %s" % (name, tline(t)))
        if dtype == F64 and t.grad_fn is not None:
            lines.append("fn %s %s" % (name, type(t.grad_fn).__name__))
        if t.requires_grad:
            if sel == "all" or sel == name:
                g = fval(t.shape, t.dtype)
                lines.append("g %s %s" % (name, tline(g)))
                term = (t * g).sum()
                loss = term if loss is None else loss + term
            else:
                lines.append("nog " + name)
    if loss is not None:
        loss.backward()
        for name, t in [(n, v[n]) for n in rgs] + list(m.named_parameters()):
            lines.append("gr %s %s" % (name, "none" if t.grad is None else tline(t.grad)))
    OUT.extend(lines)


def pre_layer_2x(kind, m, x, hx):
    """2.x's RNN / LSTM / GRU.forward checks ahead of check_input's size checks (see the header)."""
    if x.dim() not in (2, 3):
        if kind == "LSTM" or kind == "GRU":
            raise ValueError("%s: Expected input to be 2D or 3D, got %dD instead" % (kind, x.dim()))
        raise ValueError("RNN: Expected input to be 2D or 3D, got %dD tensor instead" % x.dim())
    batched = x.dim() == 3
    want = 3 if batched else 2
    what = "batched 3-D" if batched else "unbatched 2-D"
    if hx is not None:
        if kind == "LSTM":
            if hx[0].dim() != want or hx[1].dim() != want:
                raise RuntimeError("For %s input, hx and cx should also be %d-D but got (%d-D, %d-D) tensors"
                                   % (what, want, hx[0].dim(), hx[1].dim()))
        elif hx.dim() != want:
            raise RuntimeError("For %s input, hx should also be %d-D but got %d-D tensor" % (what, want, hx.dim()))
    w = next(m.parameters()).dtype
    if x.dtype != w:
        raise ValueError("input must have the type %s, got type %s" % (w, x.dtype))


def pre_cell_2x(name, x, hx):
    """2.x's RNNCell / GRUCell / LSTMCell.forward rank checks (see the header)."""
    if x.dim() not in (1, 2):
        raise ValueError("%s: Expected input to be 1D or 2D, got %dD instead" % (name, x.dim()))
    if hx is None:
        return
    if name == "LSTMCell":
        for idx, value in enumerate(hx):
            if value.dim() not in (1, 2):
                raise ValueError("LSTMCell: Expected hx[%d] to be 1D or 2D, got %dD instead" % (idx, value.dim()))
    elif hx.dim() not in (1, 2):
        raise ValueError("%s: Expected hidden to be 1D or 2D, got %dD instead" % (name, hx.dim()))


def make_module(kind, isz, hid, layers, bias, bf, bi, proj, dt, drop=0.0):
    torch.manual_seed(R.randrange(1 << 30))
    if kind == "LSTM":
        m = nn.LSTM(isz, hid, layers, bias=bias, batch_first=bf, bidirectional=bi, proj_size=proj, dropout=drop)
    elif kind == "GRU":
        m = nn.GRU(isz, hid, layers, bias=bias, batch_first=bf, bidirectional=bi, dropout=drop)
    else:
        m = nn.RNN(isz, hid, layers, nonlinearity="tanh" if kind == "RNN_TANH" else "relu", bias=bias,
                   batch_first=bf, bidirectional=bi, dropout=drop)
    return m.to(dt)


def rnn_case(refuse):
    dt = draw_dtype()
    kind = R.choice(["RNN_TANH", "RNN_RELU", "LSTM", "LSTM", "GRU", "GRU"])
    isz, hid = R.randint(1, 6), R.randint(1, 6)
    layers = R.choice([1, 1, 2, 3])
    # the sizes kept small where the parameters multiply (a lean cases file)
    if layers > 1 or refuse:
        hid = min(hid, 5 - layers if not refuse else 3)
        isz = min(isz, 4)
    bias = R.random() > 0.25
    bf = R.random() < 0.5
    bi = R.random() < 0.4
    proj = R.randint(1, hid - 1) if kind == "LSTM" and hid > 1 and R.random() < 0.35 else 0
    unb = R.random() < 0.3
    dirs = 2 if bi else 1
    hout = proj if proj else hid
    large = R.random() < 0.08
    m = make_module(kind, isz, hid, layers, bias, bf, bi, proj, dt)
    params = rounded_parameters(m, large)
    b = R.choice([0, 1, 1, 2, 2, 3]) if R.random() < 0.1 else R.randint(1, 3)
    t = R.choice([1, 1, 2, 3, 4]) if layers == 1 else R.choice([1, 2, 3])
    fin = isz
    xdt = dt
    hshape = [layers * dirs, hout] if unb else [layers * dirs, b, hout]
    cshape = [layers * dirs, hid] if unb else [layers * dirs, b, hid]
    xrank = None
    given = R.random() < 0.6
    what = None
    if refuse:
        what = R.choice(["insize", "hshape", "hshape", "cshape", "hrank", "xrank", "dtype", "seq0"])
        if what == "cshape" and kind != "LSTM":
            what = "hshape"
        if what == "insize":
            fin = isz + R.choice([1, 2]) if isz == 1 or R.random() < 0.5 else isz - 1
        elif what in ("hshape", "cshape"):
            given = True
            s = hshape if what == "hshape" else cshape
            d = R.randrange(len(s))
            s[d] = s[d] + 1 if s[d] == 0 or R.random() < 0.6 else s[d] - 1
        elif what == "hrank":
            given = True
            if unb:
                hshape = [layers * dirs, 1, hout]
                cshape = [layers * dirs, 1, hid]
            else:
                hshape = [layers * dirs, hout]
                cshape = [layers * dirs, hid]
                if R.random() < 0.3:
                    hshape = [layers * dirs * max(b, 1) * hout]
        elif what == "xrank":
            xrank = R.choice([1, 4])
        elif what == "dtype":
            xdt = F32 if dt == F64 else F64
        elif what == "seq0":
            t = 0
    if xrank == 1:
        x = fval([isz], xdt)
    elif xrank == 4:
        x = fval([1, t, b, isz], xdt)
    elif unb:
        x = fval([t, fin], xdt)
    else:
        x = fval([b, t, fin] if bf else [t, b, fin], xdt)
    sp = None if refuse else draw_special()
    if sp in ("large", "zeros") or R.random() < 0.5:
        x = special(x, sp)
    inputs = [("x", x)]
    if given:
        h0 = fval(hshape, dt, 0.5)
        if sp in ("nan", "inf", "-inf") and x.numel() > 0 and not torch.isnan(x).any() and not torch.isinf(x).any():
            h0 = special(h0, sp)
        inputs.append(("h0", h0))
        if kind == "LSTM":
            c0 = fval(cshape, dt, 0.5)
            if sp in ("nan", "inf", "-inf") and R.random() < 0.5:
                c0 = special(c0, sp)
            inputs.append(("c0", c0))
    step = "rnn kind=%s in=%d hid=%d layers=%d bias=%s bf=%s bi=%s proj=%d form=%s" % (
        kind, isz, hid, layers, bias, bf, bi, proj, "unbatched" if unb else "padded")

    def body(v):
        if kind == "LSTM":
            hx = (v["h0"], v["c0"]) if given else None
        else:
            hx = v["h0"] if given else None
        pre_layer_2x(kind, m, v["x"], hx)
        out, hn = m(v["x"], hx)
        outs = [("out", out)]
        if kind == "LSTM":
            outs += [("h", hn[0]), ("c", hn[1])]
        else:
            outs.append(("h", hn))
        return outs

    emit("rnn_refuse" if refuse else "rnn", dt, step, inputs, params, body, m)


def cell_case(refuse):
    dt = draw_dtype()
    kind = R.choice(["RNNCell_tanh", "RNNCell_relu", "LSTMCell", "LSTMCell", "GRUCell", "GRUCell"])
    isz, hid = R.randint(1, 6), R.randint(1, 6)
    bias = R.random() > 0.25
    torch.manual_seed(R.randrange(1 << 30))
    if kind == "LSTMCell":
        m = nn.LSTMCell(isz, hid, bias=bias)
    elif kind == "GRUCell":
        m = nn.GRUCell(isz, hid, bias=bias)
    else:
        m = nn.RNNCell(isz, hid, bias=bias, nonlinearity=kind.split("_")[1])
    m = m.to(dt)
    params = rounded_parameters(m, R.random() < 0.08)
    unb = R.random() < 0.3
    b = R.choice([0, 1, 2]) if R.random() < 0.1 else R.randint(1, 3)
    fin = isz
    xs = [isz] if unb else [b, isz]
    hs = [hid] if unb else [b, hid]
    cs = list(hs)
    hx = R.random() < 0.6
    if refuse:
        what = R.choice(["insize", "hsize", "csize", "hbatch", "xrank", "hrank"])
        if what == "csize" and kind != "LSTMCell":
            what = "hsize"
        if what == "hbatch" and unb:
            what = "hrank"
        if what == "insize":
            xs[-1] = isz + 1 if isz == 1 or R.random() < 0.5 else isz - 1
        elif what == "hsize":
            hx = True
            hs[-1] = hid + 1 if hid == 1 or R.random() < 0.5 else hid - 1
        elif what == "csize":
            hx = True
            cs[-1] = hid + 1 if hid == 1 or R.random() < 0.5 else hid - 1
        elif what == "hbatch":
            hx = True
            hs[0] = b + 1
            if kind == "LSTMCell" and R.random() < 0.5:
                hs[0] = b
                cs[0] = b + 1
        elif what == "xrank":
            xs = [1] + xs if R.random() < 0.7 else [1, 1] + xs
        elif what == "hrank":
            hx = True
            if unb:
                # a 2-D hx with a 1-D input: 2.x unsqueezes it to 3-D and lstm_cell / gru_cell check only its sizes 0
                # and 1, so [1, 1] with hidden_size 1 passes into the cell (1.13 crashes there: not drawn, [2, 1]);
                # h 2-D with c 1-D: 1.13 hits an internal assert, at times a crash (not drawn)
                hs = [1 if hid > 1 else 2, hid]
                cs = list(hs)
            else:
                hs = [hid] if R.random() < 0.5 else [1, b, hid]
    x = fval(xs, dt)
    sp = None if refuse else draw_special()
    if sp is not None and (sp in ("large", "zeros") or R.random() < 0.5 or not hx):
        x = special(x, sp)
        sp = None
    inputs = [("x", x)]
    if hx:
        inputs.append(("h0", special(fval(hs, dt, 0.5), sp)))
        if kind == "LSTMCell":
            inputs.append(("c0", fval(cs, dt, 0.5)))
    step = "cell kind=%s in=%d hid=%d bias=%s" % (kind, isz, hid, bias)

    def body(v):
        if kind == "LSTMCell":
            state = (v["h0"], v["c0"]) if hx else None
            pre_cell_2x("LSTMCell", v["x"], state)
            try:
                h, c = m(v["x"], state)
            except RuntimeError as e:
                # 2.x checks cx as hidden1: the message is about cx where h0 (batched as the input) passed
                if "hidden0" not in str(e):
                    raise
                hb = v["h0"] if v["x"].dim() == 2 else v["h0"].unsqueeze(0)
                xb = v["x"] if v["x"].dim() == 2 else v["x"].unsqueeze(0)
                if list(hb.shape) == [xb.size(0), hid]:
                    raise RuntimeError(str(e).replace("hidden0", "hidden1"))
                raise
            return [("h", h), ("c", c)]
        pre_cell_2x(kind.split("_")[0], v["x"], v["h0"] if hx else None)
        return [("h", m(v["x"], v["h0"] if hx else None))]

    emit("cell_refuse" if refuse else "cell", dt, step, inputs, params, body, m)


def layout_case():
    dt = draw_dtype()
    kind = R.choice(["RNN_TANH", "RNN_RELU", "LSTM", "LSTM", "GRU", "GRU"])
    isz, hid = R.randint(1, 4), R.randint(1, 4)
    layers = R.choice([1, 1, 2])
    bias = R.random() > 0.25
    bf = R.random() < 0.5
    bi = R.random() < 0.4
    proj = R.randint(1, hid - 1) if kind == "LSTM" and hid > 1 and R.random() < 0.35 else 0
    unb = R.random() < 0.2
    dirs = 2 if bi else 1
    hout = proj if proj else hid
    # a dropout probability where none is applied: one layer in training (dropout only runs between layers), or
    # eval mode
    drop = R.choice([0.0, 0.0, 0.5, 1.0])
    ev = drop > 0 and (layers > 1 or R.random() < 0.3)
    m = make_module(kind, isz, hid, layers, bias, bf, bi, proj, dt, drop)
    m.train(not ev)
    params = rounded_parameters(m)
    b, t = R.randint(1, 3), R.randint(1, 4)
    lays = []
    xs = [t, isz] if unb else ([b, t, isz] if bf else [t, b, isz])
    r = R.random()
    if r < 0.4:
        lays.append(("x", "t01"))
    elif r < 0.7:
        xs[-1] *= 2
        lays.append(("x", "even"))
    inputs = [("x", fval(xs, dt))]
    given = R.random() < 0.7
    if given:
        expand = not unb and b > 1 and R.random() < 0.5
        hb = [] if unb else [1 if expand else b]
        inputs.append(("h0", fval([layers * dirs] + hb + [hout], dt, 0.5)))
        if expand:
            lays.append(("h0", "expand:%d" % b))
        if kind == "LSTM":
            inputs.append(("c0", fval([layers * dirs] + hb + [hid], dt, 0.5)))
            if expand:
                lays.append(("c0", "expand:%d" % b))
    rgs = [n for n, _ in inputs if R.random() < 0.6]
    frozen = [n for n, _ in params if R.random() < 0.3]
    nograd = R.random() < 0.1
    step = "rnn kind=%s in=%d hid=%d layers=%d bias=%s bf=%s bi=%s proj=%d form=%s drop=%s eval=%s" % (
        kind, isz, hid, layers, bias, bf, bi, proj, "unbatched" if unb else "padded", drop, ev)

    def body(v):
        if kind == "LSTM":
            hx = (v["h0"], v["c0"]) if given else None
        else:
            hx = v["h0"] if given else None
        out, hn = m(v["x"], hx)
        outs = [("out", out)]
        if kind == "LSTM":
            outs += [("h", hn[0]), ("c", hn[1])]
        else:
            outs.append(("h", hn))
        return outs

    emit("rnn_layout", dt, step, inputs, params, body, m, rgs, lays, frozen, nograd)


def main():
    n = SCALE_N
    for _ in range(int(340 * n)):
        rnn_case(False)
    for _ in range(int(150 * n)):
        rnn_case(True)
    for _ in range(int(270 * n)):
        cell_case(False)
    for _ in range(int(110 * n)):
        cell_case(True)
    for _ in range(int(160 * n)):
        layout_case()
    print("\n".join(OUT))


if __name__ == "__main__":
    main()
