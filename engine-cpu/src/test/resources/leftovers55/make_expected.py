# Expected values for Leftovers55Test (PyTorch 1.13 CPU, 2.x emulated where they differ, as noted). Line format as
# leftovers54/make_expected.py's: <id> => <dtype> <shape, - for 0-dim> <grad_fn or -> <values> | ERR <message>
# (and <id>Grad for the gradient of sum(y * w) of a float64 leaf, w = 0.5, -0.25, ...).
#
# 1.13 and 2.x:
# - tensor ** bool: 2.x's pow_Tensor_Scalar_out fills ones for exp.equal(false) and copies for exp.equal(true) before
#   any kernel, so a bool tensor ** True is a bool copy and ** False bool ones; 1.13 refused a bool tensor ('"pow" not
#   implemented for 'Bool'') and took a complex tensor to std::pow (cpow(z, 1) rounds, 0 ** False is nan+nanj):
#   both emulated (2.x's values). The gradient (pow_backward) tests exponent.equal(0.0), which a
#   bool Scalar never is (Scalar::equal: a bool equals no number), so x ** False's gradient is grad * (0 * x ** -1):
#   NaN at 0, -0 at a negative x, the same in 1.13.
# - tensor - bool, bool - tensor (rsub): sub_check refuses any bool operand, the same in 1.13 and 2.x.
import ast
import os

import torch

out = []


def _from_leftovers54(*names):
    """leftovers54/make_expected.py's fmt and case (read from it, so the two formats cannot drift)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "leftovers54", "make_expected.py")
    ns = {"torch": torch, "out": out}
    for node in ast.parse(open(path).read()).body:
        if isinstance(node, ast.FunctionDef) and node.name in names:
            exec(compile(ast.Module([node], []), path, "exec"), ns)
    return [ns[n] for n in names]


fmt, case = _from_leftovers54("fmt", "case")


def grad_case(cid, f):
    x = torch.tensor([1.5, 0.0, -2.0, 0.25], dtype=torch.float64, requires_grad=True)
    y = f(x)
    w = torch.tensor([((7 * k + 3) % 11 - 5) * 0.25 for k in range(4)], dtype=torch.float64)
    (y * w).sum().backward()
    out.append("%s => %s" % (cid, fmt(x.grad)))


OPS = {
    "bool": lambda: torch.tensor([True, False, True]),
    "int64": lambda: torch.tensor([3, -2, 0]),
    "float32": lambda: torch.tensor([1.5, -2.0, 0.0]),
    "complex64": lambda: torch.tensor([1 + 1j, -2 + 0j, 0j]),
}
for name, mk in OPS.items():
    for b in (True, False):
        s = "_%s_%s" % (name, "T" if b else "F")
        if name in ("bool", "complex64"):
            # 2.x: ones or a copy, in the tensor's type (1.13 refused a bool tensor, and took a complex one to cpow:
            # (1+1j) ** True was 0.99999994+0.99999994j, 0j ** False nan+nanj)
            case("pow" + s, lambda: torch.ones(3, dtype=mk().dtype) if not b else mk().clone())
        else:
            case("pow" + s, lambda: mk() ** b)
        case("sub" + s, lambda: mk() - b)
        case("rsub" + s, lambda: b - mk())
case("powFloatLeafTrue", lambda: torch.tensor([1.5, -2.0], requires_grad=True) ** True)
case("powFloatLeafFalse", lambda: torch.tensor([1.5, -2.0], requires_grad=True) ** False)
grad_case("powTrueGrad", lambda x: x ** True)
grad_case("powFalseGrad", lambda x: x ** False)
grad_case("powZeroGrad", lambda x: x ** 0)


def complex_grad_case(cid, f):
    z = torch.tensor([1.5 - 0.5j, 0j, -2 + 0j, 0.25j], dtype=torch.complex128, requires_grad=True)
    w = torch.tensor([((7 * k + 3) % 11 - 5) * 0.25 for k in range(8)], dtype=torch.float64).reshape(4, 2)
    (torch.view_as_real(f(z)) * w).sum().backward()
    out.append("%s => %s" % (cid, fmt(z.grad)))


# complex ** bool: the gradient as pow_backward's (the same in 1.13 and 2.x): True grad * conj(1 * z ** 0), False
# grad * conj(0 * z ** -1), NaN at 0
complex_grad_case("powComplexTrueGrad", lambda z: z ** True)
complex_grad_case("powComplexFalseGrad", lambda z: z ** False)
# the regression losses' broadcast warning (torch/nn/functional.py, warnings.warn, the same in 1.13 and 2.x): Python's
# default filter shows it once for each text at each place (one loop line here), so the same sizes warn once and
# another pair of sizes again: lines "warning_<k> => <text>" in the order shown
import warnings
import torch.nn.functional as F
with warnings.catch_warnings(record=True) as ws:
    warnings.simplefilter("default")
    for a, b in (((3, 1), (3,)), ((3, 1), (3,)), ((2, 4, 1), (4,)), ((3, 1), (3,))):
        F.mse_loss(torch.zeros(*a), torch.zeros(*b))
for k, w in enumerate(ws):
    out.append("warning_%d => %s" % (k, w.message))
print("\n".join(out))
