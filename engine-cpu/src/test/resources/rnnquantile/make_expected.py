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
# - quantile's composition (aten/src/ATen/native/Sorting.cpp quantile_compute) records in 2.x: flatten of a contiguous
#   input as ViewBackward0 (1.13: ReshapeAliasBackward0, no longer recorded in 2.x), and its final squeeze_(-1) as
#   SqueezeBackward4 (2.x numbers squeeze, squeeze.dim, squeeze.dims, squeeze_, squeeze_.dim: the in-place one-dim
#   squeeze is the fifth; 1.13, without squeeze.dims, says SqueezeBackward3). Function node_2x maps them.
# - aminmax is differentiable in 2.x (derivatives.yaml: AminmaxBackward0, each output's gradient shared among the
#   elements equal to it, amin's and amax's scale_grad_by_count, the two added); 1.13 has no derivative
#   (NotImplemented). The expected gradients are made here with amin and amax's own backward, the node is 2.x's name.
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


# ---------------------------------------------------------------- quantile, nanquantile, aminmax, msort, dtype=
def node_2x(name):
    return {"ReshapeAliasBackward0": "ViewBackward0", "SqueezeBackward3": "SqueezeBackward4"}.get(name, name)


def chain_2x(t):
    return " ".join(node_2x(n) for n in chain(t).split(" ")) if t.grad_fn is not None else "None"


def case(key, fn, inputs, grad=True, node=None):
    """inputs: name -> tensor (floating ones named in grad=True/list take gradients); fn(**leaves) returns a tensor or a
    tuple of tensors."""
    head(key)
    line("inputs", " ".join(inputs))
    leaves = {}
    for k, v in inputs.items():
        line(k, fmt(v))
        req = v.dtype.is_floating_point and (grad is True or (isinstance(grad, (list, tuple)) and k in grad))
        leaves[k] = v.clone().requires_grad_(req)
    res = fn(**leaves)
    outs = list(res) if isinstance(res, tuple) else [res]
    for k, o in enumerate(outs):
        s = "" if k == 0 else str(k)
        line("out" + s, fmt(o))
        if o.requires_grad:
            line("node" + s, node[k] if node else node_2x(type(o.grad_fn).__name__))
            if not node:
                line("chain" + s, chain_2x(o))
    backward(outs, {k: v for k, v in leaves.items() if v.requires_grad})


def qt(*v, dtype=D):
    return torch.tensor(v, dtype=dtype)


X = torch.tensor([[0.5, -1.0, 2.0, 0.5, 3.0], [1.0, 1.0, 1.0, -2.0, 0.25], [4.0, -3.0, 0.0, 2.5, -0.5]], dtype=D)
XN = torch.tensor([[0.5, float("nan"), 2.0, -1.0, 3.0], [1.0, 1.0, 1.0, -2.0, 0.25],
                   [float("nan"), float("nan"), float("nan"), float("nan"), float("nan")]], dtype=D)
MODES = ["linear", "lower", "higher", "midpoint", "nearest"]
for mode in MODES:
    case(f"q_{mode}_all", lambda x: torch.quantile(x, 0.3, interpolation=mode), {"x": X})
    case(f"q_{mode}_all_vec", lambda x: torch.quantile(x, qt(0.0, 0.25, 0.5, 0.9, 1.0), interpolation=mode), {"x": X})
    case(f"q_{mode}_dim1", lambda x: torch.quantile(x, 0.4, dim=1, interpolation=mode), {"x": X})
    case(f"q_{mode}_dim0_keep_vec", lambda x: torch.quantile(x, qt(0.1, 0.5, 0.75), dim=0, keepdim=True,
                                                             interpolation=mode), {"x": X})
    case(f"q_{mode}_dim-1_vec", lambda x: torch.quantile(x, qt(0.125, 0.625), dim=-1, interpolation=mode), {"x": X})
    case(f"q_{mode}_all_keep", lambda x: torch.quantile(x, 0.5, keepdim=True, interpolation=mode), {"x": X})
    case(f"q_{mode}_nan", lambda x: torch.quantile(x, qt(0.2, 0.8), dim=1, interpolation=mode), {"x": XN})
    case(f"nq_{mode}_nan", lambda x: torch.nanquantile(x, qt(0.2, 0.8), dim=1, interpolation=mode), {"x": XN})
    case(f"nq_{mode}_nan_all", lambda x: torch.nanquantile(x, 0.35, interpolation=mode), {"x": XN})
    case(f"q_{mode}_float32", lambda x: torch.quantile(x, qt(0.3, 0.7, dtype=torch.float32), dim=0,
                                                       interpolation=mode), {"x": r(4, 3, dtype=torch.float32)})
case("q_3d_middle", lambda x: torch.quantile(x, qt(0.2, 0.5, 0.9), dim=1), {"x": r(2, 5, 3)})
case("q_3d_middle_keep", lambda x: torch.quantile(x, 0.6, dim=1, keepdim=True, interpolation="midpoint"), {"x": r(2, 5, 3)})
case("q_1d", lambda x: torch.quantile(x, 0.5), {"x": r(6)})
case("q_1d_dim0", lambda x: torch.quantile(x, qt(0.5, 0.1), dim=0, keepdim=True), {"x": r(7)})
case("q_0d", lambda x: torch.quantile(x, 0.3), {"x": torch.tensor(1.5, dtype=D)})
case("q_0d_dim", lambda x: torch.quantile(x, qt(0.3, 0.9), dim=0, keepdim=True), {"x": torch.tensor(1.5, dtype=D)})
case("q_0d_keep", lambda x: torch.quantile(x, 0.3, dim=0, keepdim=True), {"x": torch.tensor(-2.5, dtype=D)})
case("q_grad_q", lambda x, q: torch.quantile(x, q, dim=1), {"x": r(3, 6), "q": qt(0.1, 0.45, 0.8)})
case("nq_grad_q", lambda x, q: torch.nanquantile(x, q, dim=1), {"x": XN, "q": qt(0.3, 0.65)})
case("q_grad_q_all", lambda x, q: torch.quantile(x, q), {"x": r(3, 5), "q": qt(0.23, 0.71)})
case("q_q0d_tensor", lambda x, q: torch.quantile(x, q, dim=0), {"x": r(5, 2), "q": torch.tensor(0.7, dtype=D)})

err("q_err_range", lambda: torch.quantile(X, 1.5))
err("q_err_range_neg", lambda: torch.quantile(X, -0.25))
err("q_err_nan", lambda: torch.quantile(X, float("nan")))
err("q_err_interp", lambda: torch.quantile(X, 0.3, interpolation="cubic"))
err("q_err_empty", lambda: torch.quantile(torch.zeros(0, 3, dtype=D), 0.5))
err("q_err_long", lambda: torch.quantile(torch.arange(4), 0.5))
err("q_err_long_tensor_q", lambda: torch.quantile(torch.arange(4), torch.tensor([0.5])))
err("q_err_q2d", lambda: torch.quantile(X, qt(0.5).reshape(1, 1)))
err("q_err_q_dtype", lambda: torch.quantile(X, torch.tensor([0.5], dtype=torch.float32)))
err("q_err_q_values", lambda: torch.quantile(X, qt(0.5, 1.25)))
err("q_err_dim", lambda: torch.quantile(X, 0.5, dim=2))
err("nq_err_range", lambda: torch.nanquantile(X, 2.0))
err("nq_err_interp", lambda: torch.nanquantile(X, 0.5, interpolation="Linear"))

# aminmax: gradients from amin's and amax's backward (2.x's AminmaxBackward0 adds them)
AM = torch.tensor([[0.5, -1.0, 2.0, -1.0], [3.0, 3.0, 1.0, 0.0], [2.0, 2.0, 2.0, 2.0]], dtype=D)


def aminmax_case(key, x, **kw):
    head(key)
    line("inputs", "x")
    line("x", fmt(x))
    res = torch.aminmax(x, **kw)
    line("out", fmt(res.min))
    line("out1", fmt(res.max))
    if not x.dtype.is_floating_point:
        return
    line("node", "AminmaxBackward0")
    line("node1", "AminmaxBackward0")
    g0 = r(*res.min.shape, dtype=x.dtype)
    g1 = r(*res.max.shape, dtype=x.dtype)
    line("gout", fmt(g0))
    line("gout1", fmt(g1))
    xs = x.clone().requires_grad_(True)
    dims = () if kw.get("dim") is None else (kw["dim"],)
    keep = kw.get("keepdim", False)
    mn = torch.amin(xs, dim=dims, keepdim=keep) if dims else torch.amin(xs)
    mx = torch.amax(xs, dim=dims, keepdim=keep) if dims else torch.amax(xs)
    if not dims and keep:
        mn = mn.reshape(res.min.shape)
        mx = mx.reshape(res.max.shape)
    ((mn * g0).sum() + (mx * g1).sum()).backward()
    line("grad_x", fmt(xs.grad))


aminmax_case("aminmax_all", AM)
aminmax_case("aminmax_all_keep", AM, keepdim=True)
aminmax_case("aminmax_dim1", AM, dim=1)
aminmax_case("aminmax_dim0_keep", AM, dim=0, keepdim=True)
aminmax_case("aminmax_nan", torch.tensor([[1.0, float("nan"), 0.5], [2.0, -1.0, 2.0]], dtype=D), dim=1)
aminmax_case("aminmax_float32", r(4, 5, dtype=torch.float32), dim=-1)
aminmax_case("aminmax_0d", torch.tensor(2.5, dtype=D), dim=0)
aminmax_case("aminmax_long", torch.tensor([[3, -1, 7], [0, 0, 2]]), dim=1)
aminmax_case("aminmax_empty_dim", torch.zeros(0, 3, dtype=D), dim=1)
err("aminmax_err_empty", lambda: torch.aminmax(torch.zeros(0, 3)))
err("aminmax_err_empty_dim", lambda: torch.aminmax(torch.zeros(0, 3), dim=0))
err("aminmax_err_dim", lambda: torch.aminmax(torch.zeros(2, 3), dim=2))

case("msort", lambda x: torch.msort(x), {"x": X})
case("msort_1d", lambda x: torch.msort(x), {"x": r(5)})
case("msort_3d_float32", lambda x: torch.msort(x), {"x": r(4, 2, 3, dtype=torch.float32)})

# the dtype argument: reductions cast inside the op (one node), softmax converts first (ToCopyBackward0)
F32 = torch.float32
XF = r(3, 4, dtype=F32)
case("sum_dtype", lambda x: x.sum(dtype=D), {"x": XF})
case("sum_dim_dtype", lambda x: x.sum(dim=(0,), keepdim=True, dtype=D), {"x": XF})
case("mean_dtype", lambda x: x.mean(dtype=D), {"x": XF})
case("mean_dim_dtype", lambda x: x.mean(dim=(1,), keepdim=False, dtype=D), {"x": XF})
case("mean_dim_dtype_f32", lambda x: x.mean(dim=(0, 1), keepdim=True, dtype=F32), {"x": r(3, 4)})
case("prod_dtype", lambda x: x.prod(dtype=D), {"x": XF})
case("prod_dim_dtype", lambda x: x.prod(1, keepdim=True, dtype=D), {"x": XF})
case("prod_dim_dtype_zero", lambda x: x.prod(0, dtype=D), {"x": torch.tensor([[1.5, 0.0], [2.0, -1.0]], dtype=F32)})
case("cumsum_dtype", lambda x: x.cumsum(1, dtype=D), {"x": XF})
case("cumprod_dtype", lambda x: x.cumprod(0, dtype=D), {"x": XF})
# (cumprod with dtype over zeros is not here: 1.13's backward fails, "masked_scatter: expected self and source to have
# same dtypes")
case("softmax_dtype", lambda x: x.softmax(1, dtype=D), {"x": XF})
case("log_softmax_dtype", lambda x: x.log_softmax(0, dtype=D), {"x": XF})
case("softmax_dtype_same", lambda x: x.softmax(-1, dtype=F32), {"x": XF})
case("log_softmax_dtype_down", lambda x: x.log_softmax(1, dtype=F32), {"x": r(2, 5)})
XI = torch.tensor([[1, 2, 3], [4, 5, -6]])
case("sum_long_dtype", lambda x: x.sum(dtype=F32), {"x": XI})
case("mean_long_dtype", lambda x: x.mean(dtype=D), {"x": XI})
case("mean_long_dim_dtype", lambda x: x.mean(dim=(1,), keepdim=True, dtype=F32), {"x": XI})
case("prod_long_dtype", lambda x: x.prod(dtype=D), {"x": XI})
case("prod_long_dim_dtype", lambda x: x.prod(0, dtype=F32), {"x": XI})
case("cumsum_long_dtype", lambda x: x.cumsum(1, dtype=D), {"x": XI})
case("cumprod_long_dtype", lambda x: x.cumprod(0, dtype=F32), {"x": XI})
case("softmax_long_dtype", lambda x: x.softmax(1, dtype=F32), {"x": XI})
case("cumsum_float_to_long", lambda x: x.cumsum(0, dtype=torch.int64), {"x": torch.tensor([1.5, 2.7, -3.2], dtype=D)},
     grad=False)
E = torch.zeros(0, 3, dtype=F32)
case("empty_mean_dtype", lambda x: x.mean(dtype=D), {"x": E})
case("empty_mean_dim_dtype", lambda x: x.mean(dim=(0,), dtype=D), {"x": E})
case("empty_prod_dtype", lambda x: x.prod(dtype=D), {"x": E})
case("empty_prod_dim_dtype", lambda x: x.prod(0, dtype=D), {"x": E})
case("empty_cumsum_dtype", lambda x: x.cumsum(0, dtype=D), {"x": E})
case("empty_cumprod_dtype", lambda x: x.cumprod(1, dtype=D), {"x": E})
case("empty_softmax_dtype", lambda x: x.softmax(0, dtype=D), {"x": E})
case("empty_log_softmax_dtype", lambda x: x.log_softmax(1, dtype=D), {"x": E})
case("empty_msort", lambda x: x.msort(), {"x": E})
err("mean_err_long_dtype", lambda: XI.mean(dtype=torch.int64))
err("mean_err_float_long_dtype", lambda: X.mean(dtype=torch.int64))
