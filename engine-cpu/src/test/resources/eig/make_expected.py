# Writes expected.txt for EigTest.java: torch.linalg.eig / torch.linalg.eigvals (LAPACK's geev through PyTorch 1.13 CPU)
# on real and complex, batched, float32 / float64 / complex64 / complex128 inputs: random matrices (with complex pairs),
# symmetric, diagonal, triangular, defective (Jordan blocks in a random basis), n = 0, 1, 2; the gradients of
# gauge-invariant losses; PyTorch's errors.
# Run: /usr/bin/python3 make_expected.py   (PyTorch 1.13 CPU; writes expected.txt next to this script)
#
# expected.txt, one case each ("=== name", ReferenceCases.read's format):
#   in0 <tensor>      the input (refcases.fmt_tensor: a complex tensor's parts interleaved)
#   L <tensor>        the eigenvalues, in LAPACK's order
#   V <tensor>        the eigenvectors (eig cases), LAPACK's columns (unit norm, largest component real)
#   fn <name>         the eigenvalues' grad_fn
#   grad0 <tensor>    d loss / d in0 ("eig" cases: loss = sum(|L| * w) + sum(|V|^2 * w); "eigvals" cases:
#                     loss = sum(Re(L) * w) + sum(Im(L) * w2)), w = refcases.weights, w2 = w flipped; absent for the
#                     defective cases (their eigenvalues are not differentiable)
#   L64, V64, grad64  for float32 and complex64 inputs: L, V and grad0 of the input promoted to float64 / complex128
#                     (LAPACK's single-precision run may deflate in another order than its double one, which Ember's
#                     double computation reproduces)
#   error <Type> <message>   PyTorch's error (the first line)
# Notes on PyTorch 2.x: linalg_eigvals is composite in 2.x as in 1.13 (linalg_eig when the input requires grad, so its
# node is LinalgEigBackward0). The gauge error's message is 2.x's and 1.13's. A non-finite input to eigvals without
# grad: 1.13 (Debian's LAPACK) raises an INTERNAL ASSERT from dgebal's argument check for NaN and returns NaN for inf;
# Ember returns NaN eigenvalues for both (case "eigvals inf": 1.13's value).
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from refcases import fmt_tensor, weights  # noqa: E402

D = torch.float64
C128 = torch.complex128
OUT = []
G = torch.Generator().manual_seed(2929)


def randn(*shape, dtype=D):
    return torch.randn(*shape, generator=G, dtype=D).to(dtype)


def crandn(*shape, dtype=C128):
    return torch.complex(randn(*shape), randn(*shape)).to(dtype)


def real_dtype(t):
    return {torch.complex64: torch.float32, torch.complex128: D}.get(t.dtype, t.dtype)


def eig_loss(L, V):
    w1 = weights(L.shape).to(real_dtype(L))
    w2 = weights(V.shape).to(real_dtype(V))
    return (L.abs() * w1).sum() + (V.abs().pow(2) * w2).sum()


def eigvals_loss(L):
    w = weights(L.shape).to(real_dtype(L))
    return (L.real * w).sum() + (L.imag * w.flip(-1)).sum()


def run(x, kind, suffix=""):
    """The result lines of eig or eigvals on x (names with suffix) and the loss to differentiate."""
    if kind == "eig":
        L, V = torch.linalg.eig(x)
        return ["L%s %s" % (suffix, fmt_tensor(L)), "V%s %s" % (suffix, fmt_tensor(V))], L, eig_loss(L, V)
    L = torch.linalg.eigvals(x)
    return ["L%s %s" % (suffix, fmt_tensor(L))], L, eigvals_loss(L)


def case(name, a, kind="eig", grad=True):
    lines = ["=== " + name, "in0 " + fmt_tensor(a)]
    x = a.clone().requires_grad_(grad)
    try:
        more, L, loss = run(x, kind)
        lines += more
        lines.append("fn " + (L.grad_fn.name() if L.grad_fn is not None else "None"))
        if grad:
            loss.backward()
            lines.append("grad0 " + fmt_tensor(x.grad))
    except Exception as e:
        lines.append("error %s %s" % (type(e).__name__, str(e).strip().split("\n")[0]))
    if a.dtype in (torch.float32, torch.complex64) and not any(l.startswith("error") for l in lines):
        # LAPACK's single-precision run may deflate in another order than its double-precision one (Ember computes in
        # double): the same computation on the input promoted to double, whose order and phases Ember reproduces
        x = a.to(C128 if a.is_complex() else D).requires_grad_(grad)
        more, L, loss = run(x, kind, "64")
        lines += more
        if grad:
            loss.backward()
            lines.append("grad64 " + fmt_tensor(x.grad))
    OUT.append("\n".join(lines))


def defective(blocks, dtype=D):
    """A matrix with the given Jordan blocks [(eigenvalue, size)] in a random basis S J S^-1."""
    n = sum(s for _, s in blocks)
    j = torch.zeros(n, n, dtype=D)
    k = 0
    for lam, s in blocks:
        for i in range(s):
            j[k + i, k + i] = lam
            if i + 1 < s:
                j[k + i, k + i + 1] = 1
        k += s
    s = randn(n, n) + 2 * torch.eye(n, dtype=D)
    return (s @ j @ torch.linalg.inv(s)).to(dtype)


# real input
for n in (2, 3, 4, 5, 6, 8, 12):
    case("eig random %d" % n, randn(n, n))
case("eig random 20", randn(20, 20))
case("eig random float32 5", randn(5, 5, dtype=torch.float32))
case("eig random float32 batch", randn(2, 4, 4, dtype=torch.float32))
case("eig batch", randn(3, 4, 4))
case("eig batch 4-D", randn(2, 1, 3, 3))
case("eig symmetric", (lambda m: m + m.mT)(randn(5, 5)))
case("eig diagonal", torch.diag(torch.tensor([3.0, -1.0, 2.5, 0.5], dtype=D)))
case("eig upper triangular", torch.triu(randn(4, 4)))
case("eig lower triangular", torch.tril(randn(4, 4)))
case("eig rotation", torch.tensor([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 2.0]], dtype=D))
case("eig companion", torch.tensor([[0.0, 0.0, -6.0], [1.0, 0.0, 11.0], [0.0, 1.0, -6.0]], dtype=D))
case("eig scaled rows", randn(4, 4) * torch.tensor([1e-3, 1.0, 1e3, 10.0], dtype=D).unsqueeze(-1))
case("eig block diagonal permuted", torch.tensor([[1.0, 0.0, 2.0, 0.0], [0.0, 3.0, 0.0, -1.0],
                                                  [-2.0, 0.0, 1.0, 0.0], [0.0, 1.0, 0.0, 3.0]], dtype=D))
case("eig 1x1", torch.tensor([[-2.5]], dtype=D))
case("eig 2x2 complex pair", torch.tensor([[1.0, -2.0], [3.0, 0.5]], dtype=D))
case("eig 2x2 real pair", torch.tensor([[1.0, 2.0], [3.0, 0.5]], dtype=D))
case("eig empty", torch.zeros(0, 0, dtype=D))
case("eig empty batch", torch.zeros(2, 0, 0, dtype=D))
case("eig batch of none", torch.zeros(0, 3, 3, dtype=D))
case("eig defective 3", defective([(2.0, 3)]), grad=False)
case("eig defective mixed", defective([(1.0, 2), (-0.5, 1), (3.0, 2)]), grad=False)
case("eig zero matrix", torch.zeros(3, 3, dtype=D), grad=False)
case("eigvals random", randn(5, 5), kind="eigvals")
case("eigvals batch", randn(2, 3, 3), kind="eigvals")
case("eigvals float32", randn(4, 4, dtype=torch.float32), kind="eigvals")
case("eigvals no grad", randn(4, 4), kind="eigvals", grad=False)
# complex input
for n in (2, 3, 5, 8):
    case("eig complex %d" % n, crandn(n, n))
case("eig complex64", crandn(4, 4, dtype=torch.complex64))
case("eig complex batch", crandn(2, 3, 3))
case("eig complex hermitian", (lambda m: m + m.mH)(crandn(4, 4)))
case("eig complex upper triangular", torch.triu(crandn(4, 4)))
case("eig complex diagonal", torch.diag(torch.tensor([1 + 2j, -1j, 3 + 0j], dtype=C128)))
case("eig complex defective", (defective([(1.0, 2), (2.0, 1)]) * (1 + 0.5j)).to(C128), grad=False)
case("eig complex 1x1", torch.tensor([[2 - 3j]], dtype=C128))
case("eigvals complex", crandn(4, 4), kind="eigvals")
case("eigvals complex64 batch", crandn(2, 3, 3, dtype=torch.complex64), kind="eigvals")
# errors
case("error 1-D", randn(3))
case("error 0-dim", torch.tensor(1.0, dtype=D))
case("error non-square", randn(2, 3))
case("error eigvals non-square", randn(2, 3, 4), kind="eigvals", grad=False)
case("error int", torch.ones(2, 2, dtype=torch.int32), grad=False)
case("error long eigvals", torch.ones(2, 2, dtype=torch.int64), kind="eigvals", grad=False)
case("error bool", torch.ones(2, 2, dtype=torch.bool), grad=False)
case("error half", torch.ones(2, 2, dtype=torch.float16), grad=False)
case("error bfloat16 eigvals", torch.ones(2, 2, dtype=torch.bfloat16), kind="eigvals", grad=False)
case("error nan", torch.tensor([[1.0, float("nan")], [2.0, 1.0]], dtype=D))
case("error inf non-square", torch.tensor([[1.0, float("inf"), 0.0]], dtype=D))
case("error complex nan", torch.tensor([[1.0, complex(0, float("nan"))], [2.0, 1.0]], dtype=C128))
case("error eigvals nan with grad", torch.tensor([[1.0, float("nan")], [2.0, 1.0]], dtype=D), kind="eigvals")
case("eigvals inf", torch.tensor([[1.0, float("inf")], [2.0, 1.0]], dtype=D), kind="eigvals", grad=False)

with open(os.path.join(HERE, "expected.txt"), "w") as f:
    f.write("\n".join(OUT) + "\n")
