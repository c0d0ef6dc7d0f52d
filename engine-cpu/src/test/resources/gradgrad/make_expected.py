#!/usr/bin/env python3
"""Writes expected.txt for GradGradCheckTest (run with /usr/bin/python3, PyTorch 1.13, CPU): what
torch.autograd.gradcheck / gradgradcheck say about small functions, custom autograd.Functions whose backward mishandles
its incoming gradient among them, and, for the ops whose double backward Ember had wrong with respect to the incoming
gradient, the gradient of the first gradient with respect to grad_output.

Each case: '=== name', the inputs as 'name dtype [shape] : values', then 'result passes' or
'result error <Type> <first line of the message>', or for the value cases the tensors PyTorch computed.
"""
import os
import torch

torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'expected.txt')
lines = []


def gen(shape, lo, hi, seed):
    n = 1
    for s in shape:
        n *= s
    v = [lo + (hi - lo) * (((3 * i * i + 37 * i + 17 * seed) % 1009) / 1009.0) for i in range(n)]
    return torch.tensor(v, dtype=torch.float64).reshape(shape)


def fmt(name, t):
    t = t.detach()
    return '%s %s [%s] : %s' % (name, str(t.dtype).replace('torch.', ''), ', '.join(str(s) for s in t.shape),
                                repr(t.reshape(-1).tolist()))


def outcome(thunk):
    try:
        thunk()
        return 'result passes'
    except Exception as e:  # noqa: BLE001
        return 'result error %s %s' % (type(e).__name__, str(e).strip().split('\n')[0])


class Square(torch.autograd.Function):
    """y = x^2 with a correct backward, 2 x g."""
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return 2 * x * g


class DetachedGrad(torch.autograd.Function):
    """y = x^2 whose backward detaches its incoming gradient: right values, no derivative in g."""
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return 2 * x * g.detach()


class SquaredGrad(torch.autograd.Function):
    """y = x^2 whose backward is g * g.detach() * 2x: right for one-hot g (gradcheck passes), not linear in g."""
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return 2 * x * g * g.detach()


class TwoOutWrong(torch.autograd.Function):
    """(2x, x^2) whose backward forgets the factor x for the second output: 2 g0 + 2 g1 instead of 2 g0 + 2 x g1."""
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return 2 * x, x * x

    @staticmethod
    def backward(ctx, g0, g1):
        return 2 * g0 + 2 * g1


def case(name, thunk, **inputs):
    lines.append('=== ' + name)
    for k, v in inputs.items():
        lines.append(fmt(k, v))
    lines.append(outcome(thunk))


def rg(t):
    return t.clone().requires_grad_(True)


x = gen([2, 3], 0.5, 1.5, 1)
y = gen([3], -1.0, 1.0, 2)
go = gen([2, 3], -1.0, 1.0, 3)
go2 = gen([2, 3], -1.0, 1.0, 4)
gg = torch.autograd.gradgradcheck
gc = torch.autograd.gradcheck

case('square gradcheck', lambda: gc(Square.apply, (rg(x),)), x=x)
case('square gradgradcheck', lambda: gg(Square.apply, (rg(x),)), x=x)
case('detached gradcheck', lambda: gc(DetachedGrad.apply, (rg(x),)), x=x)
case('detached gradgradcheck', lambda: gg(DetachedGrad.apply, (rg(x),)), x=x)
case('detached gradgradcheck go', lambda: gg(DetachedGrad.apply, (rg(x),), (rg(go),)), x=x, go=go)
# grad_outputs that do not require grad: only the derivatives with respect to the inputs are checked
case('detached gradgradcheck go constant', lambda: gg(DetachedGrad.apply, (rg(x),), (go.clone(),)), x=x, go=go)
case('squared gradcheck', lambda: gc(SquaredGrad.apply, (rg(x),)), x=x)
case('squared gradgradcheck', lambda: gg(SquaredGrad.apply, (rg(x),)), x=x)
case('squared gradgradcheck noncontig',
     lambda: gg(SquaredGrad.apply, (rg(x),), gen_non_contig_grad_outputs=True), x=x)
case('two outputs wrong gradcheck', lambda: gc(TwoOutWrong.apply, (rg(x),)), x=x)
case('two outputs gradgradcheck', lambda: gg(lambda a, b: (a.sin() * b, (a * b).exp()), (rg(x), rg(y)),
                                             (rg(go), rg(go2))), x=x, y=y, go=go, go2=go2)
case('two outputs gradgradcheck random noncontig',
     lambda: gg(lambda a, b: (a.sin() * b, (a * b).exp()), (rg(x), rg(y)), gen_non_contig_grad_outputs=True),
     x=x, y=y)
case('two outputs one gradient', lambda: gg(lambda a, b: (a.sin() * b, (a * b).exp()), (rg(x), rg(y)), (rg(go),)),
     x=x, y=y, go=go)
case('unused input', lambda: gg(lambda a, b: a.sin(), (rg(x), rg(y))), x=x, y=y)
case('linear', lambda: gg(lambda a, b: a * 2 + b, (rg(x), rg(y))), x=x, y=y)
case('no differentiable output', lambda: gc(lambda a: a.detach() * 2, (rg(x),)), x=x)
case('no differentiable output constant', lambda: gc(lambda a: a.detach() * 0, (rg(x),)), x=x)
case('no input requires grad', lambda: gc(lambda a: a * 2, (x.clone(),)), x=x)

# ops PyTorch does not differentiate twice: its double backward raises (derivatives.yaml has no formula for the
# backward op); Ember's multi_margin_loss used to give a silent, wrong (detached) second derivative instead
import torch.nn.functional as F  # noqa: E402
t = torch.tensor([0, 2])
m = gen([2, 3], -1.0, 1.0, 5)
case('multi_margin_loss p1 gradgradcheck', lambda: gg(lambda a: F.multi_margin_loss(a, t), (rg(m),)), m=m)
case('multi_margin_loss p2 gradgradcheck', lambda: gg(lambda a: F.multi_margin_loss(a, t, p=2), (rg(m),)), m=m)
case('multi_margin_loss p2 none gradgradcheck go constant',
     lambda: gg(lambda a: F.multi_margin_loss(a, t, p=2, reduction='none'), (rg(m),), (torch.ones(2),)), m=m)
case('multi_margin_loss p2 gradcheck', lambda: gc(lambda a: F.multi_margin_loss(a, t, p=2, margin=0.7), (rg(m),)), m=m)
mm = rg(m)
first, = torch.autograd.grad(F.multi_margin_loss(mm, t, p=2), mm, create_graph=True)
lines.append('=== multi_margin_loss p2 first grad node')
lines.append('node ' + type(first.grad_fn).__name__)

with open(OUT, 'w') as f:
    f.write('\n'.join(lines) + '\n')
