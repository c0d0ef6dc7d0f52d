# Prints the messages and results GradcheckOptionsTest expects, from PyTorch 1.13 (/usr/bin/python3).
# 1.13's torch/autograd/gradcheck.py and 2.x's give the same messages for these cases; the test hard-codes them.
import warnings
import torch
from torch.autograd import gradcheck, gradgradcheck


class Wrong(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x): return x * 2

    @staticmethod
    def backward(ctx, g): return g * 3


class DetachedSquare(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * 2 * x.detach()


calls = [0]


class Nondeterministic(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x): return x * 2

    @staticmethod
    def backward(ctx, g):
        calls[0] += 1
        return g * 2 + calls[0] * 1e-9 * (g != 0)


class Float32Grad(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x): return x * 2

    @staticmethod
    def backward(ctx, g): return (g * 2).float()


def show(label, f):
    try:
        print(label, f())
    except Exception as e:
        print(label, type(e).__name__, repr(str(e)))


def x12():
    return torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)


go = torch.tensor([1.0, 1.0], dtype=torch.float64, requires_grad=True)
y = torch.tensor([0.5, -1.5], dtype=torch.float64, requires_grad=True)
for fm in (False, True):
    print("fast_mode", fm)
    show("correct", lambda: gradcheck(lambda a, b: (a * b).sin(), (x12(), y), fast_mode=fm))
    show("correct second order", lambda: gradgradcheck(lambda a: (a * a).sin(), (x12(),), fast_mode=fm))
    show("wrong backward", lambda: gradcheck(Wrong.apply, (x12(),), fast_mode=fm))
    show("wrong backward, raise_exception=False", lambda: gradcheck(Wrong.apply, (x12(),), fast_mode=fm,
                                                                    raise_exception=False))
    show("wrong second derivative", lambda: gradgradcheck(DetachedSquare.apply, (x12(),), (go,), fast_mode=fm))
    show("nondeterministic", lambda: gradcheck(Nondeterministic.apply, (x12(),), fast_mode=fm))
    show("nondeterministic, nondet_tol=1e-6", lambda: gradcheck(Nondeterministic.apply, (x12(),), fast_mode=fm,
                                                                 nondet_tol=1e-6))
    show("float32 grad, check_grad_dtypes", lambda: gradcheck(Float32Grad.apply, (x12(),), fast_mode=fm, atol=1e-4,
                                                              check_grad_dtypes=True))
for fm in (False, True):
    show("no differentiable output, constant", lambda: gradcheck(lambda a: (a > 5).double(), (x12(),), fast_mode=fm))
    show("no differentiable output, varying", lambda: gradcheck(lambda a: a.detach() * 2, (x12(),), fast_mode=fm))
for fm in (False, True):
    show("input index", lambda: gradcheck(lambda a, b: Wrong.apply(b) * a,
                                          (torch.ones(2, dtype=torch.float64), x12()), fast_mode=fm))
show("no input requires grad", lambda: gradcheck(lambda a: a * 2, (torch.ones(2, dtype=torch.float64),)))
show("check_backward_ad=False", lambda: gradcheck(lambda a: a * 2, (x12(),), check_backward_ad=False))
show("check_rev_over_rev=False", lambda: gradgradcheck(lambda a: a * 2, (x12(),), check_rev_over_rev=False))
show("stride 0", lambda: gradcheck(lambda a: a * 2, (torch.ones(1, dtype=torch.float64).expand(3).requires_grad_(),)))
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter("always")
    show("float32 input", lambda: gradcheck(lambda a: a * 2, (torch.ones(2, requires_grad=True),), eps=1e-2, atol=1e-2))
    for m in w:
        print("warning", repr(str(m.message)))
# the undefined-gradient messages (test_undefined_backward_mode), as written in gradcheck.py:
# 'Expected backward function to handle undefined output grads. Please look at "Notes about undefined output
# gradients" in "tools/autograd/derivatives.yaml"' and 'Expected all input grads to be undefined or zero when all
# output grads are undefined or zero. Please look at ...'
