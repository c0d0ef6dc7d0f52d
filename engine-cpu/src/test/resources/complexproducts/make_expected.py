"""Expected values for ComplexProductsTest: the fused products addmm, addbmm, baddbmm, addmv and addr, F.linear (whose
2-D and contiguous N-D inputs with a bias run through addmm), and linalg.cross, on complex128 tensors, with fractional
alpha and beta: each output and the gradients of every input for the loss sum(|y|^2) + sum(Re(0.3j y)) (a gradient
that is not real-proportional to y). Every forward and gradient is checked here against an elementwise composition
(mul, sum) first: this machine's PyTorch 1.13 build links a generic BLAS whose complex dot (zdotu/zdotc) returns 0, so
torch.dot/vdot of complex tensors are not used as references.

Run with PyTorch 1.13 (CPU): /usr/bin/python3 make_expected.py  ->  complex_products.pt (a dict of tensors).
"""
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
torch.manual_seed(1)


def r(*s):
    return torch.randn(*s, dtype=torch.cdouble)


def mm(a, b):  # an elementwise matrix product
    return (a.unsqueeze(-1) * b.unsqueeze(-3)).sum(-2)


def cross(a, b):  # by components
    a0, a1, a2 = a.unbind(-1)
    b0, b1, b2 = b.unbind(-1)
    return torch.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], -1)


inputs = dict(b=r(3, 2), x=r(3, 4), W=r(2, 4), B1=r(5, 3, 4), B2=r(5, 4, 2), b3=r(5, 3, 2), v=r(3), u=r(4), M=r(3, 2),
              a=r(3), c=r(2), X3=r(2, 3, 4), q=r(4, 3), q2=r(4, 3))
cases = {
    "addmm": (lambda t: t["b"].addmm(t["x"], t["W"].t()), lambda t: t["b"] + mm(t["x"], t["W"].t())),
    "addmm_ab": (lambda t: t["b"].addmm(t["x"], t["W"].t(), beta=0.5, alpha=2.0),
                 lambda t: 0.5 * t["b"] + 2.0 * mm(t["x"], t["W"].t())),
    "addbmm": (lambda t: t["b"].addbmm(t["B1"], t["B2"], beta=1.5, alpha=0.25),
               lambda t: 1.5 * t["b"] + 0.25 * mm(t["B1"], t["B2"]).sum(0)),
    "baddbmm": (lambda t: t["b3"].baddbmm(t["B1"], t["B2"]), lambda t: t["b3"] + mm(t["B1"], t["B2"])),
    "baddbmm_ab": (lambda t: t["b3"].baddbmm(t["B1"], t["B2"], beta=-0.5, alpha=0.75),
                   lambda t: -0.5 * t["b3"] + 0.75 * mm(t["B1"], t["B2"])),
    "addmv": (lambda t: t["v"].addmv(t["x"], t["u"]), lambda t: t["v"] + (t["x"] * t["u"]).sum(-1)),
    "addmv_ab": (lambda t: t["v"].addmv(t["x"], t["u"], beta=0.5, alpha=-1.5),
                 lambda t: 0.5 * t["v"] - 1.5 * (t["x"] * t["u"]).sum(-1)),
    "addr": (lambda t: t["M"].addr(t["a"], t["c"], beta=0.5, alpha=2.5),
             lambda t: 0.5 * t["M"] + 2.5 * t["a"].unsqueeze(1) * t["c"]),
    "linear2": (lambda t: F.linear(t["x"], t["W"], t["c"]), lambda t: mm(t["x"], t["W"].t()) + t["c"]),
    "linear3": (lambda t: F.linear(t["X3"], t["W"], t["c"]), lambda t: mm(t["X3"], t["W"].t()) + t["c"]),
    "linear1": (lambda t: F.linear(t["u"], t["W"], t["c"]), lambda t: (t["W"] * t["u"]).sum(-1) + t["c"]),
    "cross": (lambda t: torch.linalg.cross(t["q"], t["q2"]), lambda t: cross(t["q"], t["q2"])),
}
out = {"in." + k: v for k, v in inputs.items()}
for name, (f, composed) in cases.items():
    ts = {k: v.clone().requires_grad_(True) for k, v in inputs.items()}
    y = f(ts)
    assert torch.allclose(y, composed(ts), rtol=1e-12, atol=1e-12), name
    out[name + ".y"] = y.detach().clone()
    (y.abs().pow(2).sum() + (y * 0.3j).real.sum()).backward()
    ts2 = {k: v.clone().requires_grad_(True) for k, v in inputs.items()}
    yc = composed(ts2)
    (yc.abs().pow(2).sum() + (yc * 0.3j).real.sum()).backward()
    for k, v in ts.items():
        if v.grad is not None:
            assert torch.allclose(v.grad, ts2[k].grad, rtol=1e-12, atol=1e-12), name + " " + k
            out[name + ".grad." + k] = v.grad.clone()
torch.save(out, "complex_products.pt")
print(len(out), "tensors")
