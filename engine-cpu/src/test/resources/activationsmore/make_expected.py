# Writes expected.txt for ActivationsMoreTest.java: prelu, glu, hardsigmoid, hardshrink, softshrink, threshold,
# softsign, tanhshrink, softmin, logsigmoid, softmax2d, rrelu (evaluation), the in-place activations and unary ops, the
# modules' printouts and state-dict keys, and PyTorch's error messages.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13, CPU).
# Format: "=== key", then lines "name value": tensors as "dtype [shape] : values" (repr, so they read back exactly),
# "chain" the grad_fn names from the output along the first edges, "value <repr>", or "error <Type> <message>".
# Where PyTorch 2.x differs from 1.13, this script writes 2.x's answer (each place says so):
#  - prelu is 2.x's composite over _prelu_kernel: node PreluKernelBackward0 (1.13: PreluBackward0), and 2.x's messages
#    for a weight of another type or of 2 dimensions (aten/src/ATen/native/Activation.cpp, prelu);
#  - softshrink of nan is nan (2.x's kernel multiplies by 0 where 1.13 wrote 0);
#  - Softmax2d's error for a rank other than 3 or 4 (ValueError, 2.x's text);
#  - threshold supports float16 in 2.x (not tested here).
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
DT = {torch.float32: "float32", torch.float64: "float64", torch.int64: "int64", torch.bool: "bool"}


def fmt(t):
    shape = ",".join(str(s) for s in t.shape)
    vals = " ".join(repr(v) for v in t.detach().flatten().tolist())
    return f"{DT[t.dtype]} [{shape}] : {vals}"


def chain(t):
    names = []
    f = t.grad_fn
    while f is not None:
        n = type(f).__name__
        names.append("PreluKernelBackward0" if n == "PreluBackward0" else n)  # 2.x's name
        f = f.next_functions[0][0] if f.next_functions else None
    return " ".join(names)


def special(dtype):
    # values at the kinks of these activations, and nan and the infinities
    return torch.tensor([-4.0, -3.0, -1.5, -0.5, -0.25, 0.0, 0.25, 0.5, 1.5, 3.0, 4.0, float("nan"), float("inf"),
                         float("-inf")], dtype=dtype)


def case(key, fn, inputs, grad=True):
    """fn(*inputs) on copies requiring grad; prints inputs, out, the upstream gradient, grads and the chain."""
    print("=== " + key)
    xs = [x.clone().requires_grad_(grad and x.dtype.is_floating_point) for x in inputs]
    out = fn(*xs)
    for i, x in enumerate(inputs):
        print(f"in{i}", fmt(x))
    shown = out.detach().clone()
    if key.startswith("softshrink"):
        # 2.x's softshrink kernel keeps nan (x * 0 where 1.13 wrote 0: aten/src/ATen/native/cpu/Activation.cpp)
        shown[inputs[0].isnan()] = float("nan")
    print("out", fmt(shown))
    if grad and out.requires_grad:
        g = torch.randn(out.shape, dtype=out.dtype)
        out.backward(g)
        print("gout", fmt(g))
        for i, x in enumerate(xs):
            if x.grad is not None:
                print(f"grad{i}", fmt(x.grad))
        print("chain", chain(out))


def inplace_case(key, fn, x):
    """y = x * 1 (a non-leaf), fn(y) in place: y's values, x's gradient, y's chain and version."""
    print("=== " + key)
    xl = x.clone().requires_grad_(True)
    y = xl * 1
    v0 = y._version
    r = fn(y)
    assert r is y
    print("in0", fmt(x))
    print("out", fmt(y))
    g = torch.randn(y.shape, dtype=y.dtype)
    print("chain", chain(y))
    print("versions", y._version - v0)
    y.backward(g)
    print("gout", fmt(g))
    print("grad0", fmt(xl.grad))


def err(key, fn):
    print("=== " + key)
    try:
        fn()
        print("value ok")
    except Exception as e:
        print("error", type(e).__name__, str(e).split("\n")[0])


def value(key, v):
    print("=== " + key)
    print("value", v)


for dt, tag in ((torch.float64, "f64"), (torch.float32, "f32")):
    r = lambda *s: torch.randn(*s, dtype=dt)
    # prelu: one weight, one per channel (dim 1), a 1-D input, a 0-dim input, a 2-D input
    case("prelu_c3_" + tag, F.prelu, [r(2, 3, 4), torch.rand(3, dtype=dt)])
    case("prelu_w1_" + tag, F.prelu, [r(2, 3, 4), torch.tensor([0.25], dtype=dt)])
    case("prelu_1d_" + tag, F.prelu, [r(5), torch.tensor([0.1], dtype=dt)])
    case("prelu_0dim_" + tag, F.prelu, [torch.tensor(-1.5, dtype=dt), torch.tensor([0.3], dtype=dt)])
    case("prelu_2d_" + tag, F.prelu, [r(4, 3), torch.rand(3, dtype=dt)])
    case("prelu_scalarw_" + tag, F.prelu, [r(2, 3), torch.tensor(0.2, dtype=dt)])
    case("prelu_special_" + tag, F.prelu, [special(dt), torch.tensor([0.3], dtype=dt)])
    # glu along each dimension
    case("glu_d1_" + tag, lambda x: F.glu(x, 1), [r(2, 4, 3)])
    case("glu_dlast_" + tag, F.glu, [r(3, 4)])
    case("glu_d0_" + tag, lambda x: F.glu(x, 0), [r(6)])
    case("glu_dneg3_" + tag, lambda x: F.glu(x, -3), [r(2, 3, 1)])
    # the elementwise ones over random and special values
    for nm, fn in (("hardsigmoid", F.hardsigmoid), ("hardshrink", F.hardshrink),
                   ("hardshrink_l12", lambda x: F.hardshrink(x, 1.2)), ("hardshrink_lneg", lambda x: F.hardshrink(x, -0.5)),
                   ("softshrink", F.softshrink), ("softshrink_l0", lambda x: F.softshrink(x, 0.0)),
                   ("softshrink_l15", lambda x: F.softshrink(x, 1.5)),
                   ("threshold", lambda x: F.threshold(x, 0.25, 20.0)), ("threshold_neg", lambda x: F.threshold(x, -1.5, -5.0)),
                   ("softsign", F.softsign), ("tanhshrink", F.tanhshrink), ("logsigmoid", F.logsigmoid),
                   ("rrelu_eval", F.rrelu), ("rrelu_eval_b", lambda x: F.rrelu(x, 0.1, 0.6))):
        case(nm + "_" + tag, fn, [r(3, 5)])
        case(nm + "_special_" + tag, fn, [special(dt)])
    case("softmin_d1_" + tag, lambda x: F.softmin(x, 1), [r(3, 4)])
    case("softmin_d0_" + tag, lambda x: F.softmin(x, 0), [r(3, 4)])
    case("softmin_none_" + tag, nn.Softmin(), [r(3, 4)])  # the implicit dim (1 for 2 dimensions), with a warning
    case("softmin_none3_" + tag, nn.Softmin(), [r(2, 3, 2)])  # 0 for 3 dimensions
    case("softmax2d_3d_" + tag, nn.Softmax2d(), [r(3, 2, 2)])
    case("softmax2d_4d_" + tag, nn.Softmax2d(), [r(2, 3, 2, 2)])
    # in place on a non-leaf: the values, the gradient through the rebased history, the node
    pos = torch.rand(3, 4, dtype=dt) + 0.1
    for nm, fn, x in (("relu_", lambda y: y.relu_(), r(3, 4)), ("sigmoid_", lambda y: y.sigmoid_(), r(3, 4)),
                      ("tanh_", lambda y: y.tanh_(), r(3, 4)), ("exp_", lambda y: y.exp_(), r(3, 4)),
                      ("neg_", lambda y: y.neg_(), r(3, 4)), ("abs_", lambda y: y.abs_(), r(3, 4)),
                      ("sqrt_", lambda y: y.sqrt_(), pos), ("log_", lambda y: y.log_(), pos),
                      ("clamp_min_", lambda y: y.clamp_min_(0.3), r(3, 4)), ("clamp_max_", lambda y: y.clamp_max_(0.3), r(3, 4)),
                      ("F_relu_", F.relu_, r(3, 4)), ("leaky_relu_", lambda y: F.leaky_relu_(y, 0.2), r(3, 4)),
                      ("elu_", F.elu_, r(3, 4)), ("elu_a05_", lambda y: F.elu_(y, 0.5), r(3, 4)),
                      ("selu_", F.selu_, r(3, 4)), ("celu_", lambda y: F.celu_(y, 0.7), r(3, 4)),
                      ("hardtanh_", lambda y: F.hardtanh_(y, -0.5, 0.8), r(3, 4)),
                      ("threshold_", lambda y: F.threshold_(y, 0.1, 20.0), r(3, 4)),
                      ("threshold_neg_", lambda y: F.threshold_(y, 0.1, -3.0), r(3, 4)),
                      ("rrelu_eval_", lambda y: F.rrelu_(y), r(3, 4)),
                      ("hardsigmoid_ip", lambda y: F.hardsigmoid(y, True), r(3, 4) * 3),
                      ("hardswish_ip", lambda y: F.hardswish(y, True), r(3, 4) * 3),
                      ("silu_ip", lambda y: F.silu(y, True), r(3, 4)), ("mish_ip", lambda y: F.mish(y, True), r(3, 4)),
                      ("relu6_ip", lambda y: F.relu6(y, True), r(3, 4) * 4)):
        inplace_case("ip_" + nm + "_" + tag, fn, x)

# bfloat16 (printed as float32; the reference for Ember's float32 computation rounded once, within a bfloat16 ulp)
def case_bf16(key, fn, inputs):
    print("=== " + key)
    xs = [x.to(torch.bfloat16).requires_grad_(True) for x in inputs]
    out = fn(*xs)
    g = torch.randn(out.shape).to(torch.bfloat16)
    out.backward(g)
    for i, x in enumerate(xs):
        print(f"in{i}", fmt(x.detach().float()))
    print("out", fmt(out.detach().float()))
    print("gout", fmt(g.float()))
    for i, x in enumerate(xs):
        print(f"grad{i}", fmt(x.grad.float()))
    print("chain", chain(out))


for nm, fn, ins in (("prelu_c3", F.prelu, [torch.randn(2, 3, 4), torch.rand(3)]), ("glu_d1", lambda x: F.glu(x, 1), [torch.randn(2, 4, 3)]),
                    ("hardsigmoid", F.hardsigmoid, [torch.randn(3, 5) * 3]), ("hardshrink", F.hardshrink, [torch.randn(3, 5)]),
                    ("softshrink", F.softshrink, [torch.randn(3, 5)]), ("threshold", lambda x: F.threshold(x, 0.25, 20.0), [torch.randn(3, 5)]),
                    ("rrelu_eval", F.rrelu, [torch.randn(3, 5)]), ("softsign", F.softsign, [torch.randn(3, 5)]),
                    ("tanhshrink", F.tanhshrink, [torch.randn(3, 5)]), ("softmin_d1", lambda x: F.softmin(x, 1), [torch.randn(3, 4)])):
    case_bf16(nm + "_bf16", fn, ins)

# in place on a view of a non-leaf: the base's history becomes CopySlices
print("=== ip_view_relu_")
x = torch.randn(3, 4, dtype=torch.float64)
xl = x.clone().requires_grad_(True)
y = xl * 1
y[1].relu_()
g = torch.randn(3, 4, dtype=torch.float64)
print("in0", fmt(x))
print("out", fmt(y))
print("chain", type(y.grad_fn).__name__)
y.backward(g)
print("gout", fmt(g))
print("grad0", fmt(xl.grad))

# integer inputs that PyTorch accepts
case("threshold_long", lambda x: F.threshold(x, 1, 5), [torch.tensor([-2, 0, 1, 3])], grad=False)
case("threshold_long_f", lambda x: F.threshold(x, 0.5, 2.5), [torch.tensor([-2, 0, 1, 3])], grad=False)
case("softsign_long", F.softsign, [torch.tensor([-2, 0, 3])], grad=False)
case("tanhshrink_long", F.tanhshrink, [torch.tensor([-2, 0, 3])], grad=False)
case("relu__long", lambda x: x.clone().relu_(), [torch.tensor([-2, 0, 3])], grad=False)
case("neg__long", lambda x: x.clone().neg_(), [torch.tensor([-2, 0, 3])], grad=False)
case("abs__long", lambda x: x.clone().abs_(), [torch.tensor([-2, 0, 3])], grad=False)
case("hardtanh__long", lambda x: F.hardtanh_(x.clone()), [torch.tensor([-2, 0, 3])], grad=False)
case("threshold__long", lambda x: F.threshold_(x.clone(), 1, 2), [torch.tensor([-2, 0, 1, 3])], grad=False)

# errors
xf = torch.randn(2, 3)
xl_ = torch.tensor([-2, 0, 3])
xb = torch.tensor([True, False])
err("err_glu_odd", lambda: F.glu(xf, 1))
err("err_glu_scalar", lambda: F.glu(torch.tensor(1.0), 0))
err("err_glu_dim", lambda: F.glu(torch.randn(2, 4), 2))
err("err_glu_long", lambda: F.glu(torch.tensor([1, 2]), 0))
err("err_softshrink_neg", lambda: F.softshrink(xf, -0.5))
err("err_prelu_mismatch", lambda: F.prelu(xf, torch.randn(2)))
err("err_prelu_1d", lambda: F.prelu(torch.randn(3), torch.randn(3)))
err("err_prelu_0dim", lambda: F.prelu(torch.tensor(1.0), torch.randn(2)))
err("err_prelu_long", lambda: F.prelu(xl_, torch.tensor([1])))
err("err_prelu_module", lambda: nn.PReLU(3)(torch.randn(2, 2)))
# 2.x's messages (1.13: "prelu: Expected `weight` to be a scalar or 1D tensor, but got ndim = 2" and "Found dtype Double
# but expected Float"), from aten/src/ATen/native/Activation.cpp's prelu
print("=== err_prelu_2dw")
print("error RuntimeError prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = 2")
print("=== err_prelu_dtype")
print("error RuntimeError prelu: Type promoting not supported. Got Float and Double")
err("err_rrelu_bounds", lambda: F.rrelu(xf, 0.5, 0.1))
err("err_rrelu_bounds_train", lambda: F.rrelu(xf, 0.5, 0.1, True))
# 2.x's Softmax2d raises ValueError "Softmax2d: expected input to be 3D or 4D, got 2D instead" (torch/nn/modules/
# activation.py; 1.13 asserted "Softmax2d requires a 3D or 4D tensor as input")
for k, n in (("err_softmax2d_2d", 2), ("err_softmax2d_5d", 5)):
    print("=== " + k)
    print(f"error ValueError Softmax2d: expected input to be 3D or 4D, got {n}D instead")
err("err_leaf_relu_", lambda: torch.randn(2, requires_grad=True).relu_())
err("err_leaf_threshold_", lambda: F.threshold_(torch.randn(2, requires_grad=True), 0.0, 1.0))
err("err_leaf_leaky_relu_", lambda: F.leaky_relu_(torch.randn(2, requires_grad=True)))
def saved_then_changed():
    y = torch.randn(3, 4, requires_grad=True).sigmoid()
    y.relu_()  # sigmoid saved its result, which relu_ changes
    y.sum().backward()


err("err_saved_result_changed", saved_then_changed)


def changed_after(op):
    # the in-place op saved its result, self; a later change of self is caught at the backward
    def run():
        y = torch.randn(3, requires_grad=True) * 1
        op(y)
        y.mul_(2)
        y.sum().backward()
    return run


for nm, op in (("exp_", lambda y: y.exp_()), ("relu_", lambda y: y.relu_()), ("sigmoid_", lambda y: y.sigmoid_()),
               ("leaky_relu_", lambda y: F.leaky_relu_(y, 0.2)), ("elu_", F.elu_)):
    err("err_changed_after_" + nm, changed_after(op))
err("err_leaky_relu__neg_backward", lambda: F.leaky_relu_(torch.randn(3, requires_grad=True) * 1, -0.2).sum().backward())
err("err_elu__neg_backward", lambda: F.elu_(torch.randn(3, requires_grad=True) * 1, -0.2).sum().backward())
for nm, fn in (("hardsigmoid", F.hardsigmoid), ("hardshrink", F.hardshrink), ("softshrink", F.softshrink),
               ("logsigmoid", F.logsigmoid), ("rrelu", F.rrelu), ("rrelu_train", lambda t: F.rrelu(t, training=True)),
               ("leaky_relu_", lambda t: F.leaky_relu_(t.clone())), ("elu_", lambda t: F.elu_(t.clone())),
               ("sigmoid_", lambda t: t.clone().sigmoid_()), ("tanh_", lambda t: t.clone().tanh_()),
               ("exp_", lambda t: t.clone().exp_()), ("sqrt_", lambda t: t.clone().sqrt_()), ("log_", lambda t: t.clone().log_()),
               ("clamp_min_", lambda t: t.clone().clamp_min_(0.5)), ("clamp_max_", lambda t: t.clone().clamp_max_(0.5))):
    err("err_long_" + nm, lambda: fn(xl_))
for nm, fn in (("threshold", lambda t: F.threshold(t, 0.5, 1.0)), ("relu_", lambda t: t.clone().relu_()),
               ("neg_", lambda t: t.clone().neg_()), ("abs_", lambda t: t.clone().abs_()),
               ("hardtanh_", lambda t: F.hardtanh_(t.clone()))):
    err("err_bool_" + nm, lambda: fn(xb))

# modules: printouts and state-dict keys
mods = {"prelu": nn.PReLU(), "prelu_3": nn.PReLU(3, 0.1), "glu": nn.GLU(), "glu_0": nn.GLU(0), "hardsigmoid": nn.Hardsigmoid(),
        "hardsigmoid_ip": nn.Hardsigmoid(True), "hardshrink": nn.Hardshrink(), "softshrink": nn.Softshrink(0.3),
        "threshold": nn.Threshold(0.1, 20.0), "threshold_ip": nn.Threshold(0.1, 20.0, True), "softsign": nn.Softsign(),
        "tanhshrink": nn.Tanhshrink(), "softmin": nn.Softmin(1), "softmin_none": nn.Softmin(), "logsigmoid": nn.LogSigmoid(),
        "softmax2d": nn.Softmax2d(), "rrelu": nn.RReLU(), "rrelu_ip": nn.RReLU(0.1, 0.3, True), "relu_ip": nn.ReLU(True),
        "leaky_relu_ip": nn.LeakyReLU(0.2, True), "elu_ip": nn.ELU(inplace=True), "hardtanh_ip": nn.Hardtanh(inplace=True),
        "relu6_ip": nn.ReLU6(True), "selu_ip": nn.SELU(True), "celu_ip": nn.CELU(inplace=True), "silu_ip": nn.SiLU(True),
        "mish_ip": nn.Mish(True), "hardswish_ip": nn.Hardswish(True), "relu": nn.ReLU(), "leaky_relu": nn.LeakyReLU(),
        "elu": nn.ELU(), "hardtanh": nn.Hardtanh(), "relu6": nn.ReLU6(), "selu": nn.SELU(), "celu": nn.CELU(), "silu": nn.SiLU(),
        "mish": nn.Mish(), "hardswish": nn.Hardswish(),
        "seq": nn.Sequential(nn.Linear(4, 3), nn.PReLU(3), nn.GLU(), nn.Softshrink(), nn.RReLU())}
for k, m in mods.items():
    value("repr_" + k, repr(m).replace("\n", "\\n"))
    value("keys_" + k, list(m.state_dict().keys()))
value("prelu_3_weight", nn.PReLU(3, 0.1).weight.tolist())
# a module forward: PReLU's gradient for its weight
torch.manual_seed(1)
m = nn.PReLU(3, 0.1).double()
x = torch.randn(2, 3, 2, dtype=torch.float64)
out = m(x)
g = torch.randn(out.shape, dtype=torch.float64)
out.backward(g)
print("=== module_prelu")
print("in0", fmt(x))
print("out", fmt(out))
print("gout", fmt(g))
print("gradw", fmt(m.weight.grad))
