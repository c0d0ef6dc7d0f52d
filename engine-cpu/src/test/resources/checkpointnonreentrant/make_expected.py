# Expected values for CheckpointNonReentrantTest: torch.utils.checkpoint.checkpoint(fn, x, use_reentrant=False)
# around Linear(4, 8) -> GELU -> Linear(8, 3) -> tanh in float64 with fixed weights, x not requiring grad (the
# parameters still get gradients, unlike use_reentrant=True), then x requiring grad, torch.autograd.grad through it,
# and the mismatch error when the rerun saves fewer tensors.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13; its use_reentrant=False path is 2.x's)
import os
import sys

import torch
from torch.utils.checkpoint import checkpoint

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from refcases import seq, fmt_tensor, weights  # noqa: E402

D = torch.float64
lines = []


def model():
    l1 = torch.nn.Linear(4, 8).to(D)
    l2 = torch.nn.Linear(8, 3).to(D)
    with torch.no_grad():
        l1.weight.copy_(seq([8, 4], shift=1, scale=0.125))
        l1.bias.copy_(seq([8], shift=2, scale=0.125))
        l2.weight.copy_(seq([3, 8], shift=3, scale=0.125))
        l2.bias.copy_(seq([3], shift=4, scale=0.125))
    return l1, l2


def emit(key, t):
    lines.append(key + " " + fmt_tensor(t))


l1, l2 = model()
fn = lambda x: torch.tanh(l2(torch.nn.functional.gelu(l1(x))))
x = seq([5, 4], shift=5, scale=0.25)
out = checkpoint(fn, x, use_reentrant=False)
emit("out", out)
lines.append("fn " + out.grad_fn.name())
(out * weights(out.shape)).sum().backward()
for name, p in [("l1.weight", l1.weight), ("l1.bias", l1.bias), ("l2.weight", l2.weight), ("l2.bias", l2.bias)]:
    emit("grad." + name, p.grad)

# the input requiring grad, and autograd.grad (create_graph False) of the weighted sum in x and l1.weight
l1, l2 = model()
fn = lambda x: torch.tanh(l2(torch.nn.functional.gelu(l1(x))))
xg = x.clone().requires_grad_(True)
out = checkpoint(fn, xg, use_reentrant=False)
gx, gw = torch.autograd.grad((out * weights(out.shape)).sum(), [xg, l1.weight])
emit("autograd.x", gx)
emit("autograd.l1.weight", gw)

# a rerun that saves fewer tensors than the forward
calls = [0]


def changing(x):
    calls[0] += 1
    y = l1(x)
    return torch.tanh(y) if calls[0] == 1 else y


out = checkpoint(changing, x, use_reentrant=False)
try:
    out.sum().backward()
    lines.append("error none")
except Exception as e:
    # 1.13 fails here with "Attempt to retrieve a tensor saved by autograd multiple times without checkpoint
    # recomputation being triggered in between, ..."; 2.x's _checkpoint_hook checks the counts after the rerun and
    # raises CheckpointError, whose first line is written (the counts on the next lines depend on what each op saves)
    assert "Attempt to retrieve a tensor saved by autograd multiple times" in str(e), e
    lines.append("error torch.utils.checkpoint: A different number of tensors was saved during the original forward "
                 "and recomputation.")
# checkpoint_sequential: Linear(4, 6), Tanh, Linear(6, 6), GELU, Linear(6, 3) in 2 segments (the first 2 modules
# checkpointed, the other 3 plain), x requiring grad, both forms
from torch.utils.checkpoint import checkpoint_sequential


def seq_model():
    m = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.Tanh(), torch.nn.Linear(6, 6), torch.nn.GELU(),
                            torch.nn.Linear(6, 3)).to(D)
    with torch.no_grad():
        for i, p in enumerate(m.parameters()):
            p.copy_(seq(list(p.shape), shift=i, scale=0.125))
    return m


def sequential_2x(m, xs):
    """2.x's checkpoint_sequential(m, 2, xs, use_reentrant=False) as its source composes it (1.13's has no
    use_reentrant): the first len // 2 modules checkpointed, the rest run plainly."""
    fs = list(m.children())
    size = len(fs) // 2
    first = lambda t: fs[1](fs[0](t))
    assert size == 2
    y = checkpoint(first, xs, use_reentrant=False)
    for f in fs[size:]:
        y = f(y)
    return y


for form, reentrant in [("reentrant", True), ("nonreentrant", False)]:
    m = seq_model()
    xs = x.clone().requires_grad_(True)
    out = checkpoint_sequential(m, 2, xs) if reentrant else sequential_2x(m, xs)
    emit("seq.%s.out" % form, out)
    lines.append("seq.%s.fn %s" % (form, out.grad_fn.name()))
    (out * weights(out.shape)).sum().backward()
    emit("seq.%s.x" % form, xs.grad)
    emit("seq.%s.0.weight" % form, m[0].weight.grad)
    emit("seq.%s.4.bias" % form, m[4].bias.grad)
print("\n".join(lines))
