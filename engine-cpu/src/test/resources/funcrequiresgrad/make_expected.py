# Writes expected.txt for FuncRequiresGradTest.java: functorch's refusal of Tensor.requires_grad_() and
# Tensor.retain_grad() inside a function being transformed (checkSupportsInplaceRequiresGrad / checkSupportsRetainGrad
# in aten/src/ATen/functorch/DynamicLayer.cpp; 2.x's check and messages are the same as 1.13's, which this script runs),
# and what it lets through: the requires_grad property setter (THPVariable_set_requires_grad has no functorch check),
# nn.Parameter(t) and factories with requires_grad=True (C++), nn.Embedding.from_pretrained (the setter).
#   run: cd engine-cpu/src/test/resources/funcrequiresgrad && /usr/bin/python3 make_expected.py
# Format, one case each: "=== name" then "error <message>" or "value <name> <values...>" lines.
import os
import warnings

import torch
import functorch
from functorch import grad, vmap, jacrev, vjp, jvp

warnings.filterwarnings('ignore')
D = torch.float64
HERE = os.path.dirname(os.path.abspath(__file__))
out = []


def X():
    return torch.tensor([0.5, -1.25, 2.0], dtype=D)


def emit(name, fn):
    out.append('=== ' + name)
    try:
        for k, v in fn():
            if isinstance(v, torch.Tensor):
                vals = v.detach().reshape(-1).tolist()
            else:
                vals = [float(v)]
            out.append('value ' + k + ' ' + ' '.join(repr(float(a)) for a in vals))
    except RuntimeError as e:
        out.append('error ' + str(e).split('\n')[0])


def captured_in_grad():
    c = torch.tensor([1., 2., 3.], dtype=D)
    g = grad(lambda x: (c.requires_grad_(), (x * c).sum())[1])(X())
    return [('grad', g)]


def captured_after_refusal():
    # the refusal leaves the flag as it was
    c = torch.tensor([1., 2., 3.], dtype=D)
    try:
        grad(lambda x: (c.requires_grad_(), (x * c).sum())[1])(X())
    except RuntimeError:
        pass
    return [('requires_grad', float(c.requires_grad))]


def made_inside_grad():
    def f(x):
        y = torch.ones(3, dtype=D)
        y.requires_grad_()
        return (x * y).sum()
    return [('grad', grad(f)(X()))]


def input_in_grad():
    def f(x):
        x.requires_grad_(True)
        return x.sum()
    return [('grad', grad(f)(X()))]


def false_in_grad():
    def f(x):
        y = x.detach()
        y.requires_grad_(False)
        return (x * y).sum()
    return [('grad', grad(f)(X()))]


def in_jacrev():
    c = torch.tensor([1., 2., 3.], dtype=D)
    return [('jac', jacrev(lambda x: (c.requires_grad_(), x * c)[1])(X()))]


def in_vjp():
    def f(x):
        torch.zeros(3, dtype=D).requires_grad_()
        return x * 2
    return [('out', vjp(f, X())[0])]


def in_jvp():
    def f(x):
        torch.zeros(3, dtype=D).requires_grad_()
        return x * 2
    return [('out', jvp(f, (X(),), (X(),))[1])]


def in_vmap():
    def f(x):
        torch.zeros(3, dtype=D).requires_grad_()
        return x * 2
    return [('out', vmap(f)(torch.ones(2, 3, dtype=D)))]


def in_no_grad_inside_grad():
    def f(x):
        with torch.no_grad():
            torch.ones(3, dtype=D).requires_grad_()
        return x.sum()
    return [('grad', grad(f)(X()))]


def module_requires_grad():
    torch.manual_seed(0)
    lin = torch.nn.Linear(3, 1).double()
    return [('grad', grad(lambda x: (lin.requires_grad_(False), lin(x).sum())[1])(X()))]


def autograd_functional():
    return [('grad', grad(lambda x: torch.autograd.functional.jacobian(lambda a: a * 2, x).sum())(X()))]


def setter_in_grad():
    def f(x):
        y = torch.tensor([1., 2., 3.], dtype=D)
        y.requires_grad = True
        return (x * y).sum()
    return [('grad', grad(f)(X()))]


def setter_in_vmap():
    def f(x):
        y = torch.tensor([1., 2., 3.], dtype=D)
        y.requires_grad = True
        return x * y
    return [('out', vmap(f)(torch.ones(2, 3, dtype=D)))]


def parameter_in_grad():
    def f(x):
        p = torch.nn.Parameter(torch.tensor([1., 2., 3.], dtype=D))
        return (x * p).sum()
    return [('grad', grad(f)(X()))]


def from_pretrained_in_grad():
    def f(x):
        e = torch.nn.Embedding.from_pretrained(torch.tensor([[1., 2., 3.], [4., 5., 6.]], dtype=D), freeze=False)
        return (x * e.weight[1]).sum()
    return [('grad', grad(f)(X()))]


def retain_grad_in_grad():
    def f(x):
        y = x * 2
        y.retain_grad()
        return y.sum()
    return [('grad', grad(f)(X()))]


def retain_grad_in_vmap():
    # the flag is checked before the transform (VariableHooks::retain_grad)
    def f(x):
        y = x * 2
        y.retain_grad()
        return y
    return [('out', vmap(f)(torch.ones(2, 3, dtype=D)))]


def complex_product_in_grad():
    # an op whose backward the engine records on internal leaves runs inside a transform
    def f(x):
        z = torch.complex(x, x * 0.5)
        m = torch.complex(torch.tensor([[1., 0.], [0., 1.], [2., -1.]], dtype=D),
                          torch.tensor([[0.5, 1.], [-1., 0.], [0., 3.]], dtype=D))
        return (z.reshape(1, 3) @ m).abs().sum()
    return [('grad', grad(f)(X()))]


for name, fn in [('captured_in_grad', captured_in_grad), ('captured_after_refusal', captured_after_refusal),
                 ('made_inside_grad', made_inside_grad), ('input_in_grad', input_in_grad),
                 ('false_in_grad', false_in_grad), ('in_jacrev', in_jacrev), ('in_vjp', in_vjp), ('in_jvp', in_jvp),
                 ('in_vmap', in_vmap), ('in_no_grad_inside_grad', in_no_grad_inside_grad),
                 ('module_requires_grad', module_requires_grad), ('autograd_functional', autograd_functional),
                 ('setter_in_grad', setter_in_grad), ('setter_in_vmap', setter_in_vmap),
                 ('parameter_in_grad', parameter_in_grad), ('from_pretrained_in_grad', from_pretrained_in_grad),
                 ('retain_grad_in_grad', retain_grad_in_grad), ('retain_grad_in_vmap', retain_grad_in_vmap),
                 ('complex_product_in_grad', complex_product_in_grad)]:
    emit(name, fn)

with open(os.path.join(HERE, 'expected.txt'), 'w') as f:
    f.write('\n'.join(out) + '\n')
print(len(out), 'lines')
