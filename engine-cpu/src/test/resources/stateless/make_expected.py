"""Expected values for StatelessTest: torch.func.functional_call (torch.nn.utils.stateless.functional_call in 1.13).

Run with /usr/bin/python3 (PyTorch 1.13): python3 make_expected.py > expected.txt
Each case: === name, then `m.<key>` (the module's state dict, loaded into the Java module), `p.<key>` (the tensors
given to functional_call; `p.<key> none` for None), inputs (`x`, `y`, `x2`, `y2`), and results: `out`, `g.<key>`
(gradients of sum(out^2) with respect to the given tensors), `meta.<key>` (MAML's meta-gradient), `after.<key>` (a
given buffer after the call), or `error <Type> <message>`.

PyTorch 2.x's tie_weights=True (the default; 1.13 has no tie_weights) is emulated by giving the tensor under every
name of the tied weight, which is what 2.x's _untie_named_tensors_map does; its refusals (strict, tied keys given
different tensors) are 2.x's messages written from its source (torch/nn/utils/stateless.py), as 1.13 lacks them.
"""
import torch
import torch.nn as nn
from torch.nn.utils import stateless

torch.manual_seed(2512)
D = torch.float64


def fmt(t):
    t = t.detach()
    vals = ", ".join(repr(float(v)) for v in t.reshape(-1).tolist())
    return "%s %s : [%s]" % (str(t.dtype).replace("torch.", ""), list(t.shape), vals)


def state(m):
    for k, v in m.state_dict().items():
        print("m." + k, fmt(v))


def mlp():
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double()


def given(d, prefix="p."):
    for k, v in d.items():
        print(prefix + k, "none" if v is None else fmt(v))


def leaves(m, scale):
    return {k: (v.detach() * scale + 0.01).requires_grad_(True) for k, v in m.named_parameters()}


x = torch.randn(5, 3, dtype=D)

print("=== all-parameters")
m = mlp()
state(m)
p = leaves(m, 0.9)
given(p)
print("x", fmt(x))
out = stateless.functional_call(m, p, (x,))
print("out", fmt(out))
gs = torch.autograd.grad((out ** 2).sum(), list(p.values()))
for k, g in zip(p, gs):
    print("g." + k, fmt(g))

print("=== partial")
m = mlp()
state(m)
p = {"2.bias": torch.tensor([0.5, -0.25], dtype=D, requires_grad=True)}
given(p)
print("x", fmt(x))
out = stateless.functional_call(m, p, (x,))
print("out", fmt(out))
print("g.2.bias", fmt(torch.autograd.grad((out ** 2).sum(), [p["2.bias"]])[0]))

print("=== maml")
m = mlp()
state(m)
x1, y1, x2, y2 = torch.randn(6, 3, dtype=D), torch.randn(6, 2, dtype=D), torch.randn(4, 3, dtype=D), torch.randn(4, 2, dtype=D)
for k, v in (("x", x1), ("y", y1), ("x2", x2), ("y2", y2)):
    print(k, fmt(v))
params = dict(m.named_parameters())
loss1 = nn.functional.mse_loss(stateless.functional_call(m, params, (x1,)), y1)
grads = torch.autograd.grad(loss1, list(params.values()), create_graph=True)
fast = {k: v - 0.1 * g for (k, v), g in zip(params.items(), grads)}
loss2 = nn.functional.mse_loss(stateless.functional_call(m, fast, (x2,)), y2)
print("out", fmt(loss2))
for k, g in zip(params, torch.autograd.grad(loss2, list(params.values()))):
    print("meta." + k, fmt(g))

print("=== batchnorm-buffers")
m = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4)).double()
with torch.no_grad():
    m[1].running_mean.copy_(torch.tensor([0.1, -0.2, 0.3, 0.0], dtype=D))
state(m)
p = {"1.running_mean": torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=D), "1.running_var": torch.tensor([2.0, 2.0, 0.5, 1.0], dtype=D),
     "1.num_batches_tracked": torch.tensor(7)}
given(p)
print("x", fmt(x))
out = stateless.functional_call(m, p, (x,))
print("out", fmt(out))
for k, v in p.items():
    print("after." + k, fmt(v))

print("=== batchnorm-eval-buffers")
m.eval()
state(m)
p = {"1.running_mean": torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=D), "1.running_var": torch.tensor([2.0, 2.0, 0.5, 1.0], dtype=D)}
given(p)
print("x", fmt(x))
print("out", fmt(stateless.functional_call(m, p, (x,))))

print("=== bias-none")
m = mlp()
state(m)
given({"0.bias": None})
print("x", fmt(x))
print("out", fmt(stateless.functional_call(m, {"0.bias": None}, (x,))))


def tied():
    t = nn.Sequential(nn.Linear(3, 3), nn.Linear(3, 3)).double()
    t[1].weight = t[0].weight
    return t


print("=== tied")
m = tied()
state(m)
w = torch.randn(3, 3, dtype=D, requires_grad=True)
given({"0.weight": w})
print("x", fmt(x))
out = stateless.functional_call(m, {"0.weight": w, "1.weight": w}, (x,))  # 2.x's untying of {"0.weight": w}
print("out", fmt(out))
print("g.0.weight", fmt(torch.autograd.grad((out ** 2).sum(), [w])[0]))

print("=== tied-untie-false")
m = tied()
state(m)
given({"0.weight": w})
print("x", fmt(x))
out = stateless.functional_call(m, {"0.weight": w}, (x,))
print("out", fmt(out))
print("g.0.weight", fmt(torch.autograd.grad((out ** 2).sum(), [w])[0]))

print("=== tied-two-values")
m = tied()
state(m)
given({"0.weight": w, "1.weight": w.detach() * 2})
print("x", fmt(x))
print("error ValueError functional_call got multiple values for keys ['0.weight', '1.weight'], which are tied. "
      "Consider using tie_weights=False")

print("=== strict")
m = mlp()
state(m)
given({"0.weight": m[0].weight.detach(), "9.extra": torch.zeros(1, dtype=D)})
print("x", fmt(x))
print("error RuntimeError Error(s) in reparametrizing for Sequential:\\n\\tUnexpected key(s): '9.extra'.\\n\\t"
      "Missing key(s): '0.bias', '2.bias', '2.weight'.")

print("=== unknown-name-ignored")
m = mlp()
state(m)
given({"extra": torch.zeros(2, dtype=D)})
print("x", fmt(x))
print("out", fmt(stateless.functional_call(m, {"extra": torch.zeros(2, dtype=D)}, (x,))))

print("=== missing-submodule")
m = mlp()
state(m)
given({"5.weight": torch.zeros(2, dtype=D)})
print("x", fmt(x))
try:
    stateless.functional_call(m, {"5.weight": torch.zeros(2, dtype=D)}, (x,))
    raise AssertionError("1.13 accepted a key through a missing submodule")
except AttributeError:
    # 1.13 says "'Sequential' object has no attribute '5'"; 2.x's NamedMemberAccessor.get_submodule words it:
    print("error AttributeError Sequential has no attribute `5`")
