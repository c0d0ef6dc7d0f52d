# Writes expected.txt for RnnQuantileTest.java (read through PyTorchCases): nn.RNN and nn.RNNCell (outputs, final
# states, their nodes, the gradients of the input, the initial state and every parameter, from weights set here and
# loaded into Ember through the state dict; printouts and state-dict keys; errors), then the reductions of session 18
# (quantile/nanquantile, aminmax, msort, the dtype arguments of the reductions).
#   run: /usr/bin/python3 make_expected.py > expected.txt      (PyTorch 1.13 on the CPU)
# Each case is "=== key" and lines "name value": "inputs <names>" lists the inputs, "params <names>" a module's
# parameters, each a line "x float64 [2, 3] : v v v" (logical values, row-major), results the same way ("out ...",
# "grad_x ..."), "node <grad_fn name>", "chain <node names, depth first along next_functions[0]>", or
# "error <Type> <message>". Every gradient is of sum over outputs o of sum(o * gout_o) for the printed gouts. Floats
# are printed with repr, so they read back exactly.
#
# Versions: Ember follows PyTorch 2.x; 1.13's facts are used except where 2.x differs (each written below from 2.x's
# source, torch/nn/modules/rnn.py):
# - nn.RNN.__init__: "raise ValueError(f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' or 'relu'.")"
#   (1.13: "Unknown nonlinearity 'x'").
# - nn.RNN.forward begins "if input.dim() not in (2, 3): raise ValueError(f"RNN: Expected input to be 2D or 3D, got
#   {input.dim()}D tensor instead")" (1.13 has no such check); check_input's dtype message is "input must have the type
#   {self._flat_weights[0].dtype}, got type {input.dtype}" (ValueError).
# - nn.RNNCell.forward: "RNNCell: Expected input to be 1D or 2D, got {input.dim()}D instead", "RNNCell: Expected hidden
#   to be 1D or 2D, got {hx.dim()}D instead" (ValueError; 1.13 asserts).
# - A dtype mismatch in a cell reaches addmm, whose 2.x message is ADDMM_META's "mat1 and mat2 must have the same
#   dtype, but got Double and Float" (1.13: "mat1 and mat2 must have the same dtype").
import math
import torch
import torch.nn as nn

torch.manual_seed(0)
D = torch.float64

ERR_2X = {
    "rnn_err_nonlinearity": ("ValueError", "Unknown nonlinearity 'sigmoid'. Select from 'tanh' or 'relu'."),
    "rnn_err_1d": ("ValueError", "RNN: Expected input to be 2D or 3D, got 1D tensor instead"),
    "rnn_err_4d": ("ValueError", "RNN: Expected input to be 2D or 3D, got 4D tensor instead"),
    "rnn_err_dtype": ("ValueError", "input must have the type torch.float32, got type torch.float64"),
    "rnn_err_hidden0": ("ValueError", "hidden_size must be greater than zero"),
    "rcell_err_3d": ("ValueError", "RNNCell: Expected input to be 1D or 2D, got 3D instead"),
    "rcell_err_hx3d": ("ValueError", "RNNCell: Expected hidden to be 1D or 2D, got 3D instead"),
    "rcell_err_dtype": ("RuntimeError", "mat1 and mat2 must have the same dtype, but got Double and Float"),
}


def fmt(t):
    t = t.detach()
    shape = "[" + ", ".join(str(s) for s in t.shape) + "]"
    dtype = {torch.float32: "float32", torch.float64: "float64", torch.int64: "int64", torch.bool: "bool",
             torch.float16: "float16", torch.int32: "int32"}[t.dtype]
    vals = " ".join(repr(float(v)) if t.dtype.is_floating_point else repr(int(v)) for v in t.flatten().tolist())
    return f"{dtype} {shape} : {vals}"


def head(key):
    print("=== " + key)


def line(name, value):
    print(name + " " + value)


def err(key, fn):
    head(key)
    if key in ERR_2X:
        print("error " + ERR_2X[key][0] + " " + ERR_2X[key][1])
        return
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        print("error " + type(e).__name__ + " " + str(e).replace("\n", "\\n"))
        return
    print("value ok")


def r(*shape, lo=-2.0, hi=2.0, dtype=D):
    return (torch.rand(tuple(shape), dtype=torch.float64) * (hi - lo) + lo).to(dtype)


def chain(t):
    names = []
    f = t.grad_fn
    while f is not None:
        names.append(type(f).__name__)
        nxt = [n for n, _ in f.next_functions if n is not None]
        f = nxt[0] if nxt else None
    return " ".join(names)


def backward(outs, leaves):
    """Prints a gout per output (gout, gout1, ...) and backpropagates sum(o * gout)."""
    total = 0
    for k, o in enumerate(outs):
        if o is None or not o.requires_grad:
            continue
        g = r(*o.shape, dtype=o.dtype)
        line("gout" if k == 0 else "gout" + str(k), fmt(g))
        total = total + (o * g).sum()
    if isinstance(total, torch.Tensor):
        total.backward()
    for k, v in leaves.items():
        if v.grad is not None:
            line("grad_" + k, fmt(v.grad))


# ---------------------------------------------------------------- nn.RNN, nn.RNNCell
def params_of(m, dtype=D):
    """Fills a module's parameters from U(-1, 1) in dtype; returns them by name."""
    m.to(dtype)
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(r(*p.shape, lo=-1.0, hi=1.0, dtype=dtype))
    return dict(m.named_parameters())


def rnn_case(key, module, x, hx=None, dtype=D):
    head(key)
    ps = params_of(module, dtype)
    line("inputs", " ".join(["x"] + (["h0"] if hx is not None else [])))
    line("params", " ".join(ps))
    line("x", fmt(x))
    xs = x.clone().requires_grad_(True)
    leaves = {"x": xs}
    h = None
    if hx is not None:
        line("h0", fmt(hx))
        h = hx.clone().requires_grad_(True)
        leaves["h0"] = h
    for k, p in ps.items():
        line(k, fmt(p))
        leaves[k] = p
    res = module(xs, h) if h is not None else module(xs)
    outs = [res[0], res[1]] if isinstance(module, nn.RNN) else [res]
    for k, o in enumerate(outs):
        line("out" if k == 0 else "out" + str(k), fmt(o))
        line("node" if k == 0 else "node" + str(k), type(o.grad_fn).__name__)
        line("chain" if k == 0 else "chain" + str(k), chain(o))
    backward(outs, leaves)


T, N = 5, 2
rnn_case("rnn", nn.RNN(3, 4), r(T, N, 3), r(1, N, 4))
rnn_case("rnn_zero_state", nn.RNN(3, 4), r(T, N, 3))
rnn_case("rnn_relu", nn.RNN(3, 4, nonlinearity="relu"), r(T, N, 3), r(1, N, 4))
rnn_case("rnn_2layer_bidir_batch_first", nn.RNN(3, 4, num_layers=2, bidirectional=True, batch_first=True), r(N, T, 3),
         r(4, N, 4))
rnn_case("rnn_relu_3layer_bidir", nn.RNN(3, 4, num_layers=3, nonlinearity="relu", bidirectional=True), r(T, N, 3))
rnn_case("rnn_nobias", nn.RNN(3, 4, bias=False), r(T, N, 3))
rnn_case("rnn_unbatched", nn.RNN(3, 4, num_layers=2), r(T, 3), r(2, 4))
rnn_case("rnn_unbatched_batch_first", nn.RNN(3, 4, batch_first=True), r(T, 3))
rnn_case("rnn_empty_batch", nn.RNN(3, 4), r(T, 0, 3))
rnn_case("rnn_float32", nn.RNN(6, 7, num_layers=2, bidirectional=True), r(9, 3, 6, dtype=torch.float32),
         r(4, 3, 7, dtype=torch.float32), dtype=torch.float32)
rnn_case("rnn_dropout_all", nn.RNN(3, 4, num_layers=3, dropout=1.0), r(T, N, 3))
rnn_case("rnn_cell", nn.RNNCell(3, 4), r(N, 3), r(N, 4))
rnn_case("rnn_cell_relu", nn.RNNCell(3, 4, nonlinearity="relu"), r(N, 3), r(N, 4))
rnn_case("rnn_cell_nobias_zero_state", nn.RNNCell(3, 4, bias=False), r(N, 3))
rnn_case("rnn_cell_unbatched", nn.RNNCell(3, 4), r(3), r(4))
rnn_case("rnn_cell_relu_unbatched_zero_state", nn.RNNCell(3, 4, nonlinearity="relu"), r(3))
rnn_case("rnn_cell_empty", nn.RNNCell(3, 4), r(0, 3))
rnn_case("rnn_cell_float32", nn.RNNCell(5, 6), r(4, 5, dtype=torch.float32), r(4, 6, dtype=torch.float32),
         dtype=torch.float32)

rnn = nn.RNN(3, 4)
err("rnn_err_nonlinearity", lambda: nn.RNN(3, 4, nonlinearity="sigmoid"))
err("rnn_err_1d", lambda: rnn(torch.randn(3)))
err("rnn_err_4d", lambda: rnn(torch.randn(1, 2, 3, 3)))
err("rnn_err_input_size", lambda: rnn(torch.randn(5, 2, 2)))
err("rnn_err_dtype", lambda: rnn(torch.randn(5, 2, 3).double()))
err("rnn_err_h_shape", lambda: rnn(torch.randn(5, 2, 3), torch.randn(1, 3, 4)))
err("rnn_err_h_dim", lambda: rnn(torch.randn(5, 2, 3), torch.randn(2, 4)))
err("rnn_err_unbatched_h_dim", lambda: rnn(torch.randn(5, 3), torch.randn(1, 2, 4)))
err("rnn_err_empty_seq", lambda: rnn(torch.randn(0, 2, 3)))
err("rnn_err_dropout", lambda: nn.RNN(3, 4, dropout=1.5))
err("rnn_err_hidden0", lambda: nn.RNN(3, 0))
rcell = nn.RNNCell(3, 4)
err("rcell_err_3d", lambda: rcell(torch.randn(1, 2, 3)))
err("rcell_err_hx3d", lambda: rcell(torch.randn(2, 3), torch.randn(1, 2, 4)))
err("rcell_err_input_size", lambda: rcell(torch.randn(2, 2)))
err("rcell_err_batch", lambda: rcell(torch.randn(2, 3), torch.randn(3, 4)))
err("rcell_err_hidden", lambda: rcell(torch.randn(2, 3), torch.randn(2, 5)))
err("rcell_err_dtype", lambda: rcell(torch.randn(2, 3).double()))
err("rcell_err_nonlinearity", lambda: nn.RNNCell(3, 4, nonlinearity="sigmoid")(torch.randn(2, 3)))

MODULES = {
    "rnn": nn.RNN(3, 4),
    "rnn_all": nn.RNN(3, 4, 2, nonlinearity="relu", bias=False, batch_first=True, dropout=0.5, bidirectional=True),
    "rnn_cell": nn.RNNCell(3, 4),
    "rnn_cell_relu_nobias": nn.RNNCell(3, 4, bias=False, nonlinearity="relu"),
}
for k, m in MODULES.items():
    head("module_" + k)
    line("repr", repr(m).replace("\n", "\\n"))
    line("keys", " ".join(f"{n}:{'x'.join(str(s) for s in t.shape)}" for n, t in m.state_dict().items()))
