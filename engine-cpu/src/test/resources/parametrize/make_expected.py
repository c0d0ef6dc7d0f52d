# Writes expected.txt for ParametrizeTest.java: torch.nn.utils.parametrize and the parametrizations weight_norm,
# spectral_norm and orthogonal on Linear/Conv1d/Conv2d/ConvTranspose2d, against PyTorch.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13 CPU; 2.x notes below)
#
# Each case: "=== name", then lines "<key> <value>":
#   init.<param> <tensor>     the layer's parameters before the parametrization is registered
#   sd.<key> <tensor>         the state dict after registering (keys in PyTorch's order; "keys" lists them)
#   x <tensor>                the input; out<i> <tensor> the output at step i
#   grad<i>.<key> <tensor>    d sum(out<i> * w) / d parameter, w[k] = 1 + 0.5 * ((3k) mod 11)
#   value <tensor>            module.<name> (the parametrized value) after registering; fn its grad_fn
#   after.<key> <tensor>      the state dict after the steps; eval <tensor> the output in eval mode after them
#   repr <print(module) with newlines as \n>
# where a tensor is "<dtype> [shape] : values".
# 2.x notes: torch.nn.utils.parametrizations.weight_norm is 2.1+; it is written below as 2.x defines it (a
# parametrization computing torch._weight_norm(v, g, dim) from (g, v) = right_inverse(w) = (norm_except_dim(w, 2, dim),
# w), registered unsafe). On CPU 2.x computes torch._weight_norm for dim 0 or the last dim as one node
# _weight_norm_interface (WeightNormInterfaceBackward0; 1.13 fuses on CUDA only and records MulBackward0 on CPU), so the
# node is written as 2.x's. spectral_norm's sigma is torch.vdot in 2.x (torch.dot in 1.13): the same for real tensors.
import torch
import torch.nn as nn
import torch.nn.utils.parametrize as P
from torch.nn.utils.parametrizations import spectral_norm, orthogonal

D = torch.float64
torch.manual_seed(0)


class WeightNorm(nn.Module):
    # PyTorch 2.x's _WeightNorm (named so for the printout)
    def __init__(self, dim):
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, g, v):
        return torch._weight_norm(v, g, self.dim)

    def right_inverse(self, w):
        return torch.norm_except_dim(w, 2, self.dim), w


WeightNorm.__name__ = "_WeightNorm"


def weight_norm(m, name="weight", dim=0):
    P.register_parametrization(m, name, WeightNorm(dim), unsafe=True)
    return m


def seq(shape, dtype=D, shift=0, scale=0.25):
    n = 1
    for s in shape:
        n *= s
    return torch.tensor([((7 * k + shift) % 19 - 9) * scale for k in range(n)], dtype=D).reshape(shape).to(dtype)


def weights(shape, dtype):
    n = 1
    for s in shape:
        n *= s
    return torch.tensor([1 + 0.5 * ((3 * k) % 11) for k in range(n)], dtype=D).reshape(shape).to(dtype)


def fmt(t):
    t = t.detach()
    name = {torch.float64: "float64", torch.float32: "float32", torch.int64: "int64"}[t.dtype]
    vals = [repr(float(v)) if t.dtype.is_floating_point else str(int(v)) for v in t.reshape(-1).tolist()]
    return f"{name} [{', '.join(str(s) for s in t.shape)}] : {' '.join(vals)}"


def init(m, dtype, shift=0, diag=0.0):
    # diag: added to the weight's diagonal (orthogonal's cases: a full-rank weight, whose QR is unique)
    with torch.no_grad():
        for i, (k, p) in enumerate(m.named_parameters()):
            v = seq(p.shape, D, shift + 3 * i, 0.125 if k == "weight" else 0.0625)
            if k == "weight" and diag:
                v.diagonal().add_(diag)
            p.copy_(v.to(dtype))
    for k, p in m.named_parameters():
        print("init." + k, fmt(p))


def state(prefix, m):
    sd = m.state_dict()
    if prefix == "sd":
        print("keys", ",".join(sd.keys()))
    for k, v in sd.items():
        print(prefix + "." + k, fmt(v))


def step(m, x, i, opt=None):
    out = m(x)
    print(f"out{i}", fmt(out))
    m.zero_grad()
    (out * weights(out.shape, out.dtype)).sum().backward()
    for k, p in m.named_parameters():
        print(f"grad{i}.{k}", fmt(p.grad))
    if opt is not None:
        opt.step()


def case(name, make, register, x, dtype=D, steps=1, sgd=False, after_eval=False, set_state=None):
    print("===", name)
    m = make().to(dtype)
    init(m, dtype)
    register(m)
    if set_state is not None:
        set_state(m)
    state("sd", m)
    print("repr", repr(m).replace("\n", "\\n"))
    value = m.parametrizations.weight()
    print("value", fmt(value))
    print("fn", type(value.grad_fn).__name__ if value.grad_fn is not None else "None")
    print("x", fmt(x.to(dtype)))
    opt = torch.optim.SGD(m.parameters(), lr=0.1) if sgd else None
    for i in range(steps):
        step(m, x.to(dtype), i, opt)
    if steps > 1 or sgd:
        state("after", m)
    if after_eval:
        m.eval()
        print("eval", fmt(m(x.to(dtype))))
        state("evalstate", m)


WN_FN = "WeightNormInterfaceBackward0"  # 2.x on CPU for dim 0 / last dim (see the header); MulBackward0 otherwise


def wn(dim):
    def reg(m):
        weight_norm(m, "weight", dim)
    return reg


def wn_case(name, make, dim, x, dtype=D):
    print("===", name)
    m = make().to(dtype)
    init(m, dtype)
    weight_norm(m, "weight", dim)
    state("sd", m)
    print("repr", repr(m).replace("\n", "\\n"))
    value = m.weight
    print("value", fmt(value))
    fused = dim is not None and (dim == 0 or dim == value.dim() - 1)
    print("fn", WN_FN if fused else type(value.grad_fn).__name__)
    print("x", fmt(x.to(dtype)))
    step(m, x.to(dtype), 0)


wn_case("wn_linear", lambda: nn.Linear(4, 3), 0, seq((2, 4), shift=1))
wn_case("wn_linear_f32", lambda: nn.Linear(4, 3), 0, seq((2, 4), shift=1), torch.float32)
wn_case("wn_linear_dim1", lambda: nn.Linear(4, 3), 1, seq((2, 4), shift=2))
wn_case("wn_linear_dimnone", lambda: nn.Linear(4, 3), None, seq((2, 4), shift=3))
wn_case("wn_conv1d", lambda: nn.Conv1d(2, 3, 3), 0, seq((2, 2, 5), shift=4))
wn_case("wn_conv2d", lambda: nn.Conv2d(2, 3, 2), 0, seq((1, 2, 3, 3), shift=5))
wn_case("wn_conv2d_dim1", lambda: nn.Conv2d(2, 3, 2), 1, seq((1, 2, 3, 3), shift=6))


# a state dict of the older, hook-based torch.nn.utils.weight_norm (keys weight_g, weight_v), which 2.x's
# parametrization loads through its load_state_dict pre-hook (_weight_norm_compat_hook)
print("=== legacy_weight_norm_load")
m = nn.Linear(4, 3).to(D)
init(m, D, shift=2)
torch.nn.utils.weight_norm(m)
state("sd", m)
x = seq((2, 4), shift=5)
print("x", fmt(x))
print("out0", fmt(m(x)))


def fixed_uv(m):
    sn = m.parametrizations.weight[0]
    with torch.no_grad():
        sn._u.copy_(nn.functional.normalize(seq(sn._u.shape, sn._u.dtype, 2, 1.0) + 0.5, dim=0))
        sn._v.copy_(nn.functional.normalize(seq(sn._v.shape, sn._v.dtype, 5, 1.0) + 0.25, dim=0))


def sn_case(name, make, x, dtype=D, dim=None):
    print("===", name)
    m = make().to(dtype)
    init(m, dtype)
    spectral_norm(m, dim=dim)
    fixed_uv(m)
    state("sd", m)
    print("repr", repr(m).replace("\n", "\\n"))
    print("x", fmt(x.to(dtype)))
    opt = torch.optim.SGD(m.parameters(), lr=0.1)
    for i in range(3):
        step(m, x.to(dtype), i, opt)
    state("after", m)
    m.eval()
    print("eval", fmt(m(x.to(dtype))))
    state("evalstate", m)


sn_case("sn_linear", lambda: nn.Linear(5, 4), seq((3, 5), shift=1))
sn_case("sn_linear_f32", lambda: nn.Linear(5, 4), seq((3, 5), shift=1), torch.float32)
sn_case("sn_conv2d", lambda: nn.Conv2d(2, 3, 2), seq((1, 2, 3, 3), shift=2))
sn_case("sn_convtranspose2d", lambda: nn.ConvTranspose2d(2, 3, 2), seq((1, 2, 2, 2), shift=3))
sn_case("sn_linear_dim1", lambda: nn.Linear(5, 4), seq((3, 5), shift=4), dim=1)


def orth_case(name, make, x, omap=None, dtype=D):
    # registered on the layer's weight; then original is set to a fixed matrix (so the map itself is exercised) and
    # the state dict (with the basis, random for a non-square weight) is what Ember loads
    print("===", name)
    m = make().to(dtype)
    init(m, dtype, diag=1.5)
    orthogonal(m, orthogonal_map=omap)
    k = m.parametrizations.weight[0]
    print("base0", fmt(k.base))
    print("value0", fmt(m.weight))
    with torch.no_grad():
        o = m.parametrizations.weight.original
        o.copy_(seq(o.shape, dtype, 3, 0.125))
    state("sd", m)
    print("repr", repr(m).replace("\n", "\\n"))
    value = m.weight
    print("value", fmt(value))
    print("x", fmt(x.to(dtype)))
    step(m, x.to(dtype), 0)


orth_case("orth_square_exp", lambda: nn.Linear(3, 3), seq((2, 3), shift=1))
orth_case("orth_square_cayley", lambda: nn.Linear(3, 3), seq((2, 3), shift=2), "cayley")
orth_case("orth_tall_householder", lambda: nn.Linear(3, 5), seq((2, 3), shift=3))
orth_case("orth_wide_householder", lambda: nn.Linear(5, 3), seq((2, 5), shift=4))
orth_case("orth_tall_exp", lambda: nn.Linear(3, 5), seq((2, 3), shift=5), "matrix_exp")
orth_case("orth_square_f32", lambda: nn.Linear(3, 3), seq((2, 3), shift=6), None, torch.float32)


class Symmetric(nn.Module):
    # the example of register_parametrization's documentation
    def forward(self, x):
        return x.triu() + x.triu(1).transpose(-1, -2)

    def right_inverse(self, a):
        return a.triu()


class Scale2(nn.Module):
    def forward(self, x):
        return x * 2


print("=== chain_symmetric_scale")
m = nn.Linear(3, 3).to(D)
init(m, D)
P.register_parametrization(m, "weight", Symmetric())
print("value0", fmt(m.weight))
P.register_parametrization(m, "weight", Scale2())
state("sd", m)
print("repr", repr(m).replace("\n", "\\n"))
print("value", fmt(m.weight))
x = seq((2, 3), shift=7)
print("x", fmt(x))
step(m, x, 0)

print("=== assign_symmetric")
m = nn.Linear(3, 3).to(D)
init(m, D)
P.register_parametrization(m, "weight", Symmetric())
a = seq((3, 3), shift=8, scale=0.5)
a = a + a.T
print("assign", fmt(a))
m.weight = a
state("sd", m)
print("value", fmt(m.weight))

print("=== remove_keys")
m = nn.Linear(2, 2)
spectral_norm(m)
P.remove_parametrizations(m, "weight")
print("sn", ",".join(m.state_dict().keys()))
m = weight_norm(nn.Linear(2, 2))
P.remove_parametrizations(m, "weight")
print("wn", ",".join(m.state_dict().keys()))
m = nn.Linear(2, 2)
orthogonal(m)
P.remove_parametrizations(m, "weight", leave_parametrized=False)
print("orth", ",".join(m.state_dict().keys()))
m = nn.Linear(2, 2)
P.register_parametrization(m, "bias", Scale2())
P.register_parametrization(m, "weight", Scale2())
print("two", ",".join(m.state_dict().keys()))
print("tworepr", repr(m).replace("\n", "\\n"))
P.remove_parametrizations(m, "bias")
print("twoafter", ",".join(m.state_dict().keys()))


def generic_case(name, make, register, x):
    # the state dict, printout, value and one step of a layer after register(m)
    print("===", name)
    m = make().to(D)
    init(m, D, diag=1.5)
    register(m)
    state("sd", m)
    print("repr", repr(m).replace("\n", "\\n"))
    print("value", fmt(getattr(m, name.split("__")[1])))
    print("x", fmt(x))
    step(m, x, 0)


# use_trivialization=False: matrix_exp/cayley have no right inverse there, so the weight itself is the original
generic_case("gen_orth_notriv_exp__weight", lambda: nn.Linear(3, 3),
             lambda m: orthogonal(m, use_trivialization=False), seq((2, 3), shift=2))
generic_case("gen_orth_notriv_cayley_tall__weight", lambda: nn.Linear(3, 5),
             lambda m: orthogonal(m, orthogonal_map="cayley", use_trivialization=False), seq((2, 3), shift=3))
# spectral_norm of a 1-D tensor: F.normalize, no u/v
generic_case("gen_sn_bias__bias", lambda: nn.Linear(3, 4), lambda m: spectral_norm(m, "bias"), seq((2, 3), shift=4))
# weight_norm of a bias (1-D, dim 0: every element its own norm)
generic_case("gen_wn_bias__bias", lambda: nn.Linear(3, 4), lambda m: weight_norm(m, "bias", None), seq((2, 3), shift=5))


def err(name, fn):
    print("===", name)
    try:
        fn()
        raise SystemExit("no error for " + name)
    except Exception as e:  # noqa: BLE001
        print("error", type(e).__name__, str(e).replace("\n", "\\n"))


def lin():
    m = nn.Linear(2, 2)
    return m


err("err_register_missing", lambda: P.register_parametrization(lin(), "foo", nn.Identity()))
err("err_remove_missing", lambda: P.remove_parametrizations(lin(), "weight"))
err("err_remove_wn_unparametrized", lambda: P.remove_parametrizations(weight_norm(lin()), "weight", False))
err("err_orth_1d", lambda: orthogonal(lin(), "bias"))
err("err_orth_map", lambda: orthogonal(lin(), orthogonal_map="qr"))
err("err_sn_iters", lambda: spectral_norm(lin(), n_power_iterations=0))
err("err_sn_dim", lambda: spectral_norm(lin(), dim=2))
err("err_sn_missing", lambda: spectral_norm(lin(), "foo"))


class Twice(nn.Module):
    def forward(self, x):
        return torch.cat([x, x])


err("err_shape_safe", lambda: P.register_parametrization(lin(), "weight", Twice()))
