# Writes expected.txt for Census2xPart2Test.java (session 44): the autograd and serialization names the census of
# session 43 (census2x/CENSUS.md) left: autograd.Function with setup_context (2.0), allow_mutation_on_saved_tensors
# (2.0), selective checkpointing (2.4), torch.utils.swap_tensors (2.3), torch.load(mmap=True) (2.1).
# ("key value" lines, ExpectedLines' format, refcases.key_lines.)
# Run: /usr/bin/python3 make_expected.py   (PyTorch 1.13 CPU; writes expected.txt next to this script; deterministic)
#
# PyTorch 1.13 has none of these mechanisms, so values come from what 1.13 has, by 2.x's stated rules:
#
# setup_context (torch/autograd/function.py, 2.0; python_function.cpp's THPFunction_apply): with setup_context
#   overridden, apply calls forward(*args) and then setup_context(ctx, inputs, output), both under no_grad, and the
#   node is the one a ctx-in-forward Function makes; so each case below is the same function written in 1.13's
#   ctx-in-forward form (forward's body, then setup_context's body on the same ctx): values, gradients, second
#   derivatives and node names come from 1.13. Messages PyTorch 2.x words itself (not in 1.13) are written from its
#   source: custom_function_call_vmap's "You tried to vmap over {name}, but it does not have vmap support. ..." and
#   torch/_functorch/autograd_function.py's mark_dirty_error "NYI: we do not yet support ctx.mark_dirty with
#   functorch transforms. ..." (both in Census2xPart2Test as literals, quoted from there).
#
# allow_mutation_on_saved_tensors (torch/autograd/graph.py, 2.0): saved-tensor hooks record each saved tensor, and a
#   dispatch mode clones a saved tensor before an op writes its memory; the backward unpacks the clone. So the
#   gradients equal those of the same graph with no in-place change after the saves: computed below in 1.13 on
#   the unmutated graph; the mutated tensors' values are 1.13's in-place results. 2.x matches a saved tensor by data
#   pointer only; Ember clones any saved tensor in the written storage (the "view" case below: a saved tensor written
#   through a view at another offset; 2.x would read the new values there). Without the scope, 1.13's usual error.
#   2.x's own messages (nested scopes; a backward after the scope closed) are quoted in Census2xPart2Test from
#   graph.py.
#
# Selective checkpointing (torch/utils/checkpoint.py, 2.4): create_selective_checkpoint_contexts only chooses which
#   ops' outputs the recomputation takes from the forward instead of running them again; values and gradients are
#   plain checkpointing's, which are those of the function without checkpointing: computed below in 1.13 without
#   checkpoint. How many ops the backward recomputes is counted in the test (profiler kernels), by the rule that a
#   saved op runs no kernel in the recomputation. Messages are 2.x's source's (quoted in the test).
#
# swap_tensors / module_load / set_swap_module_params_on_conversion (torch/utils/__init__.py, torch/_tensor.py,
#   nn.Module._apply and _load_from_state_dict, 2.3): no values here. The tests check exact rules: after the swap each
#   object holds the other's values, type, shape, grad and requires_grad; module_load(other, assign) is
#   other.detach(), else self.copy_(other).detach(); a module converted with swapping equals the one converted by
#   set_data (same values, same parameter and gradient objects). The poisoned-AccumulateGrad message is quoted from
#   torch/utils/__init__.py in the test.
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from refcases import D, key_lines, weights  # noqa: E402

LINES = []
text, tensor, err = key_lines(LINES)

X = torch.tensor([[0.5, -1.25, 2.0], [1.5, 0.75, -0.5]], dtype=D)
Y = torch.tensor([[1.0, 2.0, -3.0], [0.25, -0.5, 4.0]], dtype=D)
W = weights((2, 3))

# ---------------------------------------------------------------- 1. setup_context


class MulScale(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, y):
        out = x * y * 3.0
        # setup_context: save both inputs, needs_input_grad recorded
        ctx.save_for_backward(x, y)
        ctx.needs = tuple(ctx.needs_input_grad)
        return out

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        return g * y * 3.0, g * x * 3.0


x = X.clone().requires_grad_()
y = Y.clone().requires_grad_()
out = MulScale.apply(x, y)
tensor("sc.mulscale.out", out)
text("sc.mulscale.node", out.grad_fn.name())
(out * W).sum().backward()
tensor("sc.mulscale.gx", x.grad)
tensor("sc.mulscale.gy", y.grad)
x = X.clone().requires_grad_()
out = MulScale.apply(x, Y.clone())
text("sc.needs", str(out.grad_fn.needs))
(out * W).sum().backward()
tensor("sc.needs.gx", x.grad)


class SortNd(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        s, idx = x.sort(dim=-1)
        ctx.mark_non_differentiable(idx)
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(idx)
        return s, idx

    @staticmethod
    def backward(ctx, g1, g2):
        idx, = ctx.saved_tensors
        SortNd.g2none = g2 is None
        return torch.zeros(idx.shape, dtype=g1.dtype).scatter(-1, idx, g1)


x = X.clone().requires_grad_()
s, idx = SortNd.apply(x)
tensor("sc.sort.values", s)
tensor("sc.sort.idx", idx)
text("sc.sort.idx.requires_grad", str(idx.requires_grad))
(s * W).sum().backward()
tensor("sc.sort.gx", x.grad)
text("sc.sort.g2none", str(SortNd.g2none))


class Double_(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a):
        a.mul_(2.0)
        ctx.mark_dirty(a)
        return a

    @staticmethod
    def backward(ctx, g):
        return g * 2.0


x = X.clone().requires_grad_()
a = x * 1.0
b = Double_.apply(a)
text("sc.dirty.same", str(b is a))
text("sc.dirty.node", b.grad_fn.name())
tensor("sc.dirty.out", b)
(b * W).sum().backward()
tensor("sc.dirty.gx", x.grad)


class Cube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * 3.0 * x * x


x = X.clone().requires_grad_()
out = Cube.apply(x)
gx, = torch.autograd.grad((out * W).sum(), x, create_graph=True)
tensor("sc.cube.gx", gx)
ggx, = torch.autograd.grad((gx * Y).sum(), x)
tensor("sc.cube.ggx", ggx)

x = X.clone().requires_grad_()
out = Cube.apply(x)
x2 = x * 1.0
out = Cube.apply(x2)
x2.add_(1.0)
err("sc.inplace", lambda: out.sum().backward())

# ---------------------------------------------------------------- 2. allow_mutation_on_saved_tensors

a = X.clone().requires_grad_()
b = a.clone()
out = (b ** 2).sum()
out.backward()  # the graph as saved: no change after the save
tensor("am.basic.ga", a.grad)
with torch.no_grad():
    tensor("am.basic.b", b.clone().sin_())
a = X.clone().requires_grad_()
b = a.clone()
out = (b ** 2).sum()
b.sin_()
err("am.basic.noscope", lambda: out.backward())

x = X.clone().requires_grad_()
y = x.exp()
y.sum().backward(retain_graph=True)
tensor("am.output.gx", x.grad)
x.grad = None
(y * 2.0 * W).sum().backward()
tensor("am.output.gx2", x.grad)
tensor("am.output.y", y * 2.0)

x = X.clone().requires_grad_()
c = x.clone()
(c ** 2 * W).sum().backward()
tensor("am.view.gx", x.grad)
with torch.no_grad():
    c2 = c.clone()
    c2[1].mul_(3.0)
tensor("am.view.c", c2)

a = X.clone().requires_grad_()
(a ** 3).sum().backward()
tensor("am.leaf.ga", a.grad)
tensor("am.leaf.a", X + 1.0)

p = X.clone().requires_grad_()
loss = (p ** 2 * W).sum()
loss.backward(retain_graph=True)
loss.backward()  # the second backward (after SGD's step in the test): the saved p as it was
tensor("am.sgd.grad", p.grad)
with torch.no_grad():
    tensor("am.sgd.p", X - 0.1 * (2 * X * W))

# ---------------------------------------------------------------- 3. selective checkpointing


def sac_fn(x, w1, b1, w2):
    h = torch.addmm(b1, x, w1)
    return torch.sigmoid(torch.mm(torch.mm(h, w2), w2)) * w2[0]


SX = torch.tensor([[0.5, -1.0, 0.25], [1.5, 0.75, -0.5]], dtype=D)
SW1 = torch.tensor([[0.2, -0.4, 0.6], [0.1, 0.3, -0.2], [-0.5, 0.25, 0.4]], dtype=D)
SB1 = torch.tensor([0.05, -0.1, 0.2], dtype=D)
SW2 = torch.tensor([[0.3, -0.2, 0.1], [0.4, 0.5, -0.6], [-0.1, 0.2, 0.3]], dtype=D)
ins = [t.clone().requires_grad_() for t in (SX, SW1, SB1, SW2)]
out = sac_fn(*ins)
tensor("sac.out", out)
(out * W).sum().backward()
for name, t in zip(("x", "w1", "b1", "w2"), ins):
    tensor("sac.grad." + name, t.grad)

with open(os.path.join(HERE, "expected.txt"), "w") as f:
    f.write("\n".join(LINES) + "\n")
print(len(LINES), "lines")
