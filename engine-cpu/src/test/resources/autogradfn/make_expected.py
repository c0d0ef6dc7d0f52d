# Writes expected.txt for AutogradFunctionTest.java: the same custom autograd Functions in PyTorch (values, gradients,
# grad_fn names, needs_input_grad, errors). Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13).
# A custom Function's node is named <ClassName>Backward (type(grad_fn).__name__); the node of once_differentiable's
# guard is torch::autograd::Error, which Ember names Error (its nodes drop the torch::autograd:: prefix, as
# AccumulateGrad).
import torch
from torch.autograd import Function
from torch.autograd.function import once_differentiable

torch.manual_seed(3)
D = torch.float64


def rep(t):
    return repr(t.detach().to(D).reshape(-1).tolist())


def node(t):
    return type(t.grad_fn).__name__ if t.grad_fn is not None else "None"


class Exp(Function):
    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return g * y


class MulAddConst(Function):
    @staticmethod
    def forward(ctx, x, y):
        ctx.k = 2.5
        ctx.save_for_backward(x, y)
        return x * y + ctx.k

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        return (g * y if ctx.needs_input_grad[0] else None, g * x if ctx.needs_input_grad[1] else None)


class SplitTwo(Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2, x.sum()

    @staticmethod
    def backward(ctx, g1, g2):
        return g1 * 2 + g2


class NonDiff(Function):
    @staticmethod
    def forward(ctx, x):
        total = x.sum() * 3
        ctx.mark_non_differentiable(total)
        return x * 2, x > 0, total

    @staticmethod
    def backward(ctx, g, gmask, gtotal):
        return g * 2 + gtotal


class MulInPlace(Function):
    @staticmethod
    def forward(ctx, x):
        x.mul_(2)
        ctx.mark_dirty(x)
        return x

    @staticmethod
    def backward(ctx, g):
        return g * 2


class Ident(Function):
    @staticmethod
    def forward(ctx, x):
        return x

    @staticmethod
    def backward(ctx, g):
        return g


class Square(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return 2 * x * g


print("=== exp")
x = torch.randn(2, 3, dtype=D, requires_grad=True)
w = torch.randn(2, 3, dtype=D)
y = Exp.apply(x)
y.backward(w)
print("x", rep(x))
print("w", rep(w))
print("y", rep(y))
print("grad", rep(x.grad))
print("node", node(y))
# second order: d/dx of sum(grad * w) where grad = w * exp(x)
x2 = x.detach().clone().requires_grad_(True)
g, = torch.autograd.grad(Exp.apply(x2), x2, w, create_graph=True)
gg, = torch.autograd.grad(g.sum(), x2)
print("gradgrad", rep(gg))

print("=== muladd")
a = torch.randn(3, dtype=D, requires_grad=True)
b = torch.randn(3, dtype=D)
out = MulAddConst.apply(a, b)
out.sum().backward()
print("a", rep(a))
print("b", rep(b))
print("out", rep(out))
print("grad_a", rep(a.grad))
print("node", node(out))

print("=== split")
x = torch.randn(4, dtype=D, requires_grad=True)
p, s = SplitTwo.apply(x)
print("x", rep(x))
print("p", rep(p))
print("s", rep(s))
print("node_p", node(p))
print("node_s", node(s))
s.backward()
print("grad_s_only", rep(x.grad))
x.grad = None
p, s = SplitTwo.apply(x)
(p.sum() * 3 + s * 5).backward()
print("grad_both", rep(x.grad))

print("=== nondiff")
x = torch.randn(4, dtype=D, requires_grad=True)
o, mask, total = NonDiff.apply(x)
print("x", rep(x))
print("o", rep(o))
print("mask", rep(mask))
print("total", rep(total))
print("requires", o.requires_grad, mask.requires_grad, total.requires_grad)
o.sum().backward()
print("grad", rep(x.grad))

print("=== dirty")
a = torch.randn(3, dtype=D, requires_grad=True)
h = a * 1
out = MulInPlace.apply(h)
print("same", out is h)
print("node", node(out))
print("next", out.grad_fn.next_functions[0][0].name())
out.sum().backward()
print("grad", rep(a.grad))

print("=== ident")
x = torch.randn(3, dtype=D, requires_grad=True)
z = Ident.apply(x)
print("same", z is x)
print("is_view", z._base is x)
print("node", node(z))

print("=== once")
x = torch.randn(3, dtype=D, requires_grad=True)
y = Square.apply(x)
z = (y * y).sum()
g, = torch.autograd.grad(z, x, create_graph=True)
print("grad", rep(g))
print("node", g.grad_fn.name().replace("torch::autograd::", ""))
try:
    g.sum().backward()
except RuntimeError as e:
    print("error", str(e).split("\n")[0])


class TooFew(Function):
    @staticmethod
    def forward(ctx, x, y):
        return x * y

    @staticmethod
    def backward(ctx, g):
        return (g,)


class TooMany(Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return g, g


class ExtraNone(Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return g * 2, None


class BadShape(Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return g.sum(0)


class DirtyNotReturned(Function):
    @staticmethod
    def forward(ctx, x):
        x.mul_(2)
        ctx.mark_dirty(x)
        return x * 1

    @staticmethod
    def backward(ctx, g):
        return g * 2


class NonTensorGrad(Function):
    @staticmethod
    def forward(ctx, x, k):
        return x * 3

    @staticmethod
    def backward(ctx, g):
        return g, g


def err(key, fn):
    print("=== " + key)
    try:
        fn()
        print("value none")
    except Exception as e:
        print("error", type(e).__name__, str(e).split("\n")[0])


o = lambda *s: torch.ones(*s, dtype=D, requires_grad=True)
err("too_few", lambda: TooFew.apply(o(3), o(3)).sum().backward())
err("too_many", lambda: TooMany.apply(o(3)).sum().backward())
err("extra_none", lambda: ExtraNone.apply(o(3)).sum().backward())
err("bad_shape", lambda: BadShape.apply(o(2, 3)).sum().backward())
err("dirty_leaf", lambda: MulInPlace.apply(o(3)))
err("dirty_not_returned", lambda: DirtyNotReturned.apply(o(3) * 1))
err("non_tensor_grad", lambda: NonTensorGrad.apply(o(3), None).sum().backward())
