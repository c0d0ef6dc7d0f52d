# Writes expected.txt for ComplexLinalgTest.java: torch.linalg.inv, solve (left, right, vector right side, broadcast
# batches), det, slogdet, torch.logdet, linalg.cholesky (lower, upper, cholesky_ex, the deprecated torch.cholesky) and
# linalg.solve_triangular, linalg.qr, linalg.eigh and eigvalsh, linalg.vecdot on complex64 / complex128 inputs (batched, n = 0, 1, singular), through
# PyTorch 1.13 CPU, with the gradients of loss = sum(view_as_real(out) * w) (w = refcases.weights; a real output's
# sum(out * w)) and PyTorch's errors.
# Run: /usr/bin/python3 make_expected.py   (PyTorch 1.13 CPU; writes expected.txt next to this script)
#
# expected.txt, one case each ("=== name", ReferenceCases.read's format):
#   op <name>         inv, solve, solve_right (left=False), det, slogdet, logdet, cholesky, cholesky_upper,
#                     cholesky_gram (of X: cholesky(X X^H + I)), cholesky_ex, cholesky_deprecated, solve_triangular_*,
#                     eigh, eigh_upper, eigh_herm (of X: eigh(X + X^H)), eigvalsh; the eigh cases' loss is
#                     sum(L w) + sum(|V|^2 w) (phase-invariant); qr, qr_complete, qr_r; vecdot
#   in0, in1          the inputs (refcases.fmt_tensor: complex parts interleaved)
#   out0, out1        the outputs
#   fn <name>         out0's grad_fn
#   grad0, grad1      d loss / d in0, in1
#   error <Type> <message>
# Independent checks (Debian's OpenBLAS under 1.13 returns 0 from its complex dot, so 1.13's complex LAPACK paths are
# not trusted blindly): every value is checked here against a pure-Python complex Gaussian elimination (solutions,
# inverses, determinants), and every complex128 gradient against central finite differences of the loss; the script
# stops if one disagrees.
# Notes on PyTorch 2.x: torch.logdet of a complex matrix is 2.x's sign.log() + logabsdet (as 1.13's). Under 1.13 here
# torch.linalg.vecdot of complex vectors returns 0 (the OpenBLAS dot), so its cases use its definition,
# (x.conj() * y).sum(-1), checked against Python's arithmetic; every other 1.13 value passed the checks.
import cmath
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from refcases import fd_complex_grad, fmt_tensor, weights  # noqa: E402

D = torch.float64
C128 = torch.complex128
C64 = torch.complex64
OUT = []
G = torch.Generator().manual_seed(3131)


def crandn(*shape, dtype=C128):
    re = torch.randn(*shape, generator=G, dtype=D)
    im = torch.randn(*shape, generator=G, dtype=D)
    return torch.complex(re, im).to(dtype)


def py_lu_solve(a, b):
    """X with a X = b (lists of lists of Python complex), Gaussian elimination with partial pivoting; None if singular."""
    n = len(a)
    a = [row[:] for row in a]
    b = [row[:] for row in b]
    for j in range(n):
        p = max(range(j, n), key=lambda i: abs(a[i][j]))
        if a[p][j] == 0:
            return None
        a[j], a[p] = a[p], a[j]
        b[j], b[p] = b[p], b[j]
        for i in range(j + 1, n):
            f = a[i][j] / a[j][j]
            for k in range(j, n):
                a[i][k] -= f * a[j][k]
            for k in range(len(b[0])):
                b[i][k] -= f * b[j][k]
    x = [[0j] * len(b[0]) for _ in range(n)]
    for i in reversed(range(n)):
        for k in range(len(b[0])):
            s = b[i][k] - sum(a[i][m] * x[m][k] for m in range(i + 1, n))
            x[i][k] = s / a[i][i]
    return x


def py_det(a):
    n = len(a)
    a = [row[:] for row in a]
    d = 1 + 0j
    for j in range(n):
        p = max(range(j, n), key=lambda i: abs(a[i][j]))
        if a[p][j] == 0:
            return 0j
        if p != j:
            a[j], a[p] = a[p], a[j]
            d = -d
        d *= a[j][j]
        for i in range(j + 1, n):
            f = a[i][j] / a[j][j]
            for k in range(j, n):
                a[i][k] -= f * a[j][k]
    return d


def mats(t):
    """The matrices of a [..., n, k] tensor as lists of lists of Python complex."""
    t = t.detach().to(C128).resolve_conj()
    if t.numel() == 0:
        return []
    flat = t.reshape(-1, t.shape[-2], t.shape[-1])
    return [[[complex(v) for v in row] for row in m.tolist()] for m in flat]


def close(x, y, tol):
    assert abs(x - y) <= tol * max(1.0, abs(y)), (x, y)


def check_values(op, ins, outs):
    tol = 1e-4 if ins[0].dtype == C64 else 1e-10
    if op in ("inv", "solve", "solve_right"):
        a = ins[0]
        if op == "inv":
            b = torch.eye(a.shape[-1], dtype=C128).expand(a.shape)
        else:
            b = ins[1]
            if b.dim() == 1 or (b.dim() == a.dim() - 1 and b.shape == a.shape[:-1]):
                b = b.unsqueeze(-1)
        if op == "solve_right":
            a, b = a.mT, b.mT
        shape = torch.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        a = a.expand(shape + a.shape[-2:])
        b = b.expand(shape + b.shape[-2:])
        x = outs[0]
        x = x.reshape(b.shape[:-2] + (b.shape[-1], b.shape[-2]) if op == "solve_right" else b.shape)
        if op == "solve_right":
            x = x.mT
        for am, bm, xm in zip(mats(a), mats(b), mats(x)):
            ref = py_lu_solve(am, bm)
            for r1, r2 in zip(xm, ref):
                for u, v in zip(r1, r2):
                    close(u, v, tol)
    elif op.startswith("solve_triangular"):
        upper = op.endswith("upper")
        left = not op.endswith("right")
        a = tri(ins[0], upper, op.endswith("unit"))
        b = ins[1]
        x = outs[0]
        if not left:
            a, b, x = a.mT, b.mT, x.mT
        for am, bm, xm in zip(mats(a), mats(b), mats(x)):
            for r1, r2 in zip(xm, py_lu_solve(am, bm)):
                for u, v in zip(r1, r2):
                    close(u, v, tol)
    elif op.startswith("cholesky"):
        a = gram(ins[0]) if op == "cholesky_gram" else ins[0]
        l = outs[0].mH if op == "cholesky_upper" else outs[0]
        if op == "cholesky_ex" and bool((outs[1] != 0).any()):
            return
        for am, lm in zip(mats(a), mats(l)):
            n = len(am)
            for i in range(n):
                for j in range(n):
                    v = sum(lm[i][k] * lm[j][k].conjugate() for k in range(n))
                    close(v, am[i][j] if i >= j else am[j][i].conjugate(), tol)
                    if j > i:
                        assert lm[i][j] == 0
    elif op.startswith("eig"):
        a = herm(ins[0]) if op == "eigh_herm" else ins[0]
        a = (a.triu() if op == "eigh_upper" else a.tril())
        a = a + a.tril(-1).mH if op != "eigh_upper" else a + a.triu(1).mH
        a = a - 1j * torch.diag_embed(a.diagonal(0, -2, -1).imag)
        if op == "eigvalsh" or a.numel() == 0:
            return
        scale = max(1.0, float(a.abs().max())) if a.numel() else 1.0
        for am, vm, lv in zip(mats(a), mats(outs[1]), outs[0].reshape(-1, a.shape[-1]).tolist()):
            n = len(am)
            for i in range(n):
                for k in range(n):
                    av = sum(am[i][j] * vm[j][k] for j in range(n))
                    assert abs(av - vm[i][k] * lv[k]) <= tol * scale * n, (av, vm[i][k] * lv[k])
                    vv = sum(vm[j][i].conjugate() * vm[j][k] for j in range(n))
                    assert abs(vv - (1 if i == k else 0)) <= tol * n
    elif op.startswith("qr"):
        if op == "qr_r" or ins[0].numel() == 0:
            return
        q, r = outs
        for am, qm, rm in zip(mats(ins[0]), mats(q), mats(r)):
            for i in range(len(am)):
                for j in range(len(am[0])):
                    close(sum(qm[i][t] * rm[t][j] for t in range(len(rm))), am[i][j], tol * len(am))
            for i in range(len(rm)):
                assert (i >= len(rm[0]) or rm[i][i].imag == 0) and all(rm[i][j] == 0 for j in range(min(i, len(rm[0]))))
    elif op == "vecdot":
        x, y = torch.broadcast_tensors(ins[0], ins[1])
        xs = x.reshape(-1, x.shape[-1]).tolist()
        ys = y.reshape(-1, y.shape[-1]).tolist()
        for k, (xr, yr) in enumerate(zip(xs, ys)):
            close(complex(outs[0].reshape(-1)[k]), sum(complex(u).conjugate() * complex(v) for u, v in zip(xr, yr)), tol)
    elif op in ("det", "slogdet", "logdet"):
        for m, k in zip(mats(ins[0]), range(10 ** 6)):
            d = py_det(m)
            if op == "det":
                close(complex(outs[0].reshape(-1)[k]), d, tol)
            elif op == "slogdet":
                s, la = complex(outs[0].reshape(-1)[k]), float(outs[1].reshape(-1)[k])
                if d != 0:
                    close(s, d / abs(d), tol)
                    close(la, cmath.log(abs(d)).real, tol)
            else:
                close(complex(outs[0].reshape(-1)[k]), cmath.log(d), tol)


def loss_of(outs):
    if len(outs) == 2 and outs[1].is_complex() and not outs[0].is_complex():
        # eigh: sum(L w) + sum(|V|^2 w), independent of the eigenvectors' phases
        l, v = outs
        return (l * weights(l.shape).to(l.dtype)).sum() + (v.abs().pow(2) * weights(v.shape).to(l.dtype)).sum()
    total = 0
    for o in outs:
        r = torch.view_as_real(o.resolve_conj()) if o.is_complex() else o
        total = total + (r * weights(r.shape).to(r.dtype)).sum()
    return total


def fd_grad(fn, ins, k):
    return fd_complex_grad(lambda args: float(loss_of(fn(*args))), ins, k)


def tri(a, upper, unit):
    t = a.triu() if upper else a.tril()
    if unit:
        t = t - torch.diag_embed(t.diagonal(0, -2, -1)) + torch.eye(a.shape[-1], dtype=a.dtype)
    return t


def gram(x):
    return x @ x.mH + torch.eye(x.shape[-1], dtype=x.dtype)


def herm(x):
    return x + x.mH


OPS = {
    "eigh": lambda a: list(torch.linalg.eigh(a)),
    "eigh_upper": lambda a: list(torch.linalg.eigh(a, UPLO="U")),
    "eigh_herm": lambda x: list(torch.linalg.eigh(herm(x))),
    "eigvalsh": lambda a: [torch.linalg.eigvalsh(a)],
    # 1.13's linalg.vecdot on complex returns 0 here (Debian's OpenBLAS complex dot): its definition instead
    "vecdot": lambda x, y: [(x.conj() * y).sum(-1)],
    "qr": lambda a: list(torch.linalg.qr(a)),
    "qr_complete": lambda a: list(torch.linalg.qr(a, mode="complete")),
    "qr_r": lambda a: [torch.linalg.qr(a, mode="r")[1]],
    "cholesky": lambda a: [torch.linalg.cholesky(a)],
    "cholesky_upper": lambda a: [torch.linalg.cholesky(a, upper=True)],
    "cholesky_gram": lambda x: [torch.linalg.cholesky(gram(x))],
    "cholesky_ex": lambda a: list(torch.linalg.cholesky_ex(a)),
    "cholesky_deprecated": lambda a: [torch.cholesky(a)],
    "solve_triangular_upper": lambda a, b: [torch.linalg.solve_triangular(a, b, upper=True)],
    "solve_triangular_lower_right": lambda a, b: [torch.linalg.solve_triangular(a, b, upper=False, left=False)],
    "solve_triangular_unit": lambda a, b: [torch.linalg.solve_triangular(a, b, upper=False, unitriangular=True)],
    "inv": lambda a: [torch.linalg.inv(a)],
    "solve": lambda a, b: [torch.linalg.solve(a, b)],
    "solve_right": lambda a, b: [torch.linalg.solve(a, b, left=False)],
    "det": lambda a: [torch.linalg.det(a)],
    "slogdet": lambda a: list(torch.linalg.slogdet(a)),
    "logdet": lambda a: [torch.logdet(a)],
}


def case(name, op, *ins, grad=True, fd=True):
    lines = ["=== " + name, "op " + op] + ["in%d %s" % (i, fmt_tensor(x)) for i, x in enumerate(ins)]
    xs = [x.clone().requires_grad_(grad and x.is_complex()) for x in ins]
    try:
        outs = OPS[op](*xs)
        check_values(op, ins, outs)
        lines += ["out%d %s" % (i, fmt_tensor(o)) for i, o in enumerate(outs)]
        lines.append("fn " + (outs[0].grad_fn.name() if outs[0].grad_fn is not None else "None"))
        if grad:
            loss_of(outs).backward()
            for i, x in enumerate(xs):
                if x.grad is not None:
                    if fd and x.dtype == C128 and x.numel() > 0:
                        num = fd_grad(OPS[op], [y.detach() for y in ins], i)
                        assert torch.allclose(x.grad, num, rtol=1e-5, atol=1e-6), (name, x.grad, num)
                    lines.append("grad%d %s" % (i, fmt_tensor(x.grad)))
    except Exception as e:
        if isinstance(e, AssertionError):
            raise
        lines.append("error %s %s" % (type(e).__name__, str(e).strip().split("\n")[0]))
    OUT.append("\n".join(lines))


for n in (1, 2, 3, 5):
    case("inv %d" % n, "inv", crandn(n, n))
case("inv complex64", "inv", crandn(4, 4, dtype=C64))
case("inv batch", "inv", crandn(2, 3, 3))
case("inv empty", "inv", crandn(0, 0))
case("inv singular", "inv", torch.tensor([[1 + 1j, 2 - 1j], [2 + 2j, 4 - 2j]], dtype=C128))
case("inv needs pivoting", "inv", torch.tensor([[0j, 1 + 1j, 2], [3j, 0, 1], [1, 1, 1j]], dtype=C128))
case("solve matrix", "solve", crandn(3, 3), crandn(3, 2))
case("solve vector", "solve", crandn(4, 4), crandn(4))
case("solve batch vector", "solve", crandn(2, 3, 3), crandn(2, 3))
case("solve broadcast", "solve", crandn(2, 1, 3, 3), crandn(3, 3, 2))
case("solve complex64", "solve", crandn(3, 3, dtype=C64), crandn(3, 4, dtype=C64))
case("solve right", "solve_right", crandn(3, 3), crandn(2, 3))
case("solve singular", "solve", torch.tensor([[1 + 1j, 2 - 1j], [2 + 2j, 4 - 2j]], dtype=C128), crandn(2, 1))
case("solve dtype mismatch", "solve", crandn(3, 3), crandn(3, 1, dtype=C64))
case("solve real and complex", "solve", crandn(3, 3), torch.randn(3, 1, generator=G, dtype=D))
for n in (1, 2, 3, 6):
    case("det %d" % n, "det", crandn(n, n))
case("det batch", "det", crandn(2, 2, 4, 4))
case("det complex64", "det", crandn(5, 5, dtype=C64))
case("det empty", "det", crandn(0, 0))
# PyTorch's first-order det gradient at a singular matrix is (grad * conj(det)) A^{-H} = 0 (2.x's too: the LU with its
# zero pivot replaced by eps), not the adjugate finite differences give: no finite-difference check for this case
case("det singular", "det", torch.tensor([[1 + 1j, 2 - 1j, 0], [2 + 2j, 4 - 2j, 0], [1j, 1, 2]], dtype=C128), fd=False)
case("det transposed", "det", crandn(4, 4).mT)
for n in (1, 3, 5):
    case("slogdet %d" % n, "slogdet", crandn(n, n))
case("slogdet batch", "slogdet", crandn(3, 3, 3))
case("slogdet complex64", "slogdet", crandn(4, 4, dtype=C64))
case("slogdet singular", "slogdet", torch.tensor([[1 + 1j, 2 - 1j], [2 + 2j, 4 - 2j]], dtype=C128), grad=False)
case("logdet 3", "logdet", crandn(3, 3))
# cholesky: the gradient with respect to A itself (1.13's cholesky_backward is 2.x's: L^{-H} phi(L^H gL) L^{-1}, not
# Hermitian for a complex gL) has no finite-difference check (A's upper triangle is not read); through A = X X^H + I
# (the gram cases) it is checked by finite differences
for n in (1, 2, 4):
    case("cholesky %d" % n, "cholesky", gram(crandn(n, n)), fd=False)
case("cholesky upper", "cholesky_upper", gram(crandn(3, 3)), fd=False)
case("cholesky batch", "cholesky", gram(crandn(2, 3, 3)), fd=False)
case("cholesky complex64", "cholesky", gram(crandn(4, 4)).to(C64), fd=False)
case("cholesky deprecated", "cholesky_deprecated", gram(crandn(3, 3)), fd=False)
case("cholesky gram 3", "cholesky_gram", crandn(3, 3))
case("cholesky gram batch", "cholesky_gram", crandn(2, 4, 4))
case("cholesky empty", "cholesky", crandn(0, 0))
case("cholesky not positive-definite", "cholesky", torch.tensor([[1, 2j], [-2j, 1]], dtype=C128))
case("cholesky batch not positive-definite", "cholesky",
     torch.stack([gram(crandn(2, 2)), torch.tensor([[1, 2j], [-2j, 1]], dtype=C128)]))
case("cholesky_ex not positive-definite", "cholesky_ex", torch.tensor([[4, 1j, 0], [-1j, 1, 3], [0, 3, 1]], dtype=C128),
     grad=False)
case("solve_triangular upper", "solve_triangular_upper", crandn(4, 4) + 3 * torch.eye(4), crandn(4, 2))
case("solve_triangular lower right", "solve_triangular_lower_right", crandn(3, 3) + 3 * torch.eye(3), crandn(2, 3))
case("solve_triangular unit batch", "solve_triangular_unit", crandn(2, 3, 3), crandn(2, 3, 1))
case("solve_triangular complex64", "solve_triangular_upper", (crandn(3, 3) + 3 * torch.eye(3)).to(C64),
     crandn(3, 3).to(C64))
case("logdet batch", "logdet", crandn(2, 4, 4))
case("error inv non-square", "inv", crandn(2, 3))
case("error det 1-D", "det", crandn(3))
# eigh / eigvalsh: eigenvectors are compared up to a unit factor per column; the gradients of the phase-invariant
# loss through A itself (no finite-difference check: only one triangle is read) and through A = X + X^H (checked)
case("eigh 1", "eigh", herm(crandn(1, 1)), fd=False)
case("eigh 3", "eigh", herm(crandn(3, 3)), fd=False)
case("eigh 5", "eigh", herm(crandn(5, 5)), fd=False)
case("eigh upper", "eigh_upper", crandn(4, 4), fd=False)
case("eigh lower non-hermitian input", "eigh", crandn(4, 4), fd=False)
case("eigh batch", "eigh", herm(crandn(2, 3, 3)), fd=False)
case("eigh complex64", "eigh", herm(crandn(4, 4)).to(C64), fd=False)
case("eigh herm 3", "eigh_herm", crandn(3, 3))
case("eigh herm batch", "eigh_herm", crandn(2, 4, 4))
case("eigh empty", "eigh", crandn(0, 0))
case("eigvalsh 4", "eigvalsh", herm(crandn(4, 4)), fd=False)
case("eigvalsh batch", "eigvalsh", herm(crandn(3, 2, 2)), fd=False)
# qr: LAPACK's convention (R's diagonal real, Householder signs) makes the factors unique, so values and gradients are
# compared as they are, Q R = A and R's real diagonal checked here
case("qr square", "qr", crandn(3, 3))
case("qr tall", "qr", crandn(5, 3))
case("qr wide", "qr", crandn(3, 5))
case("qr batch", "qr", crandn(2, 4, 2))
case("qr complete tall", "qr_complete", crandn(4, 2), grad=False)
case("qr complete square", "qr_complete", crandn(3, 3))
case("qr r", "qr_r", crandn(4, 3), grad=False)
case("qr complex64", "qr", crandn(4, 3, dtype=C64))
# vecdot: sum(conj(x) * y) over the last dimension (checked against Python's complex arithmetic)
case("vecdot", "vecdot", crandn(3, 4), crandn(3, 4))
case("vecdot broadcast", "vecdot", crandn(2, 1, 3), crandn(4, 3))
case("vecdot complex64", "vecdot", crandn(5, dtype=C64), crandn(5, dtype=C64))
with open(os.path.join(HERE, "expected.txt"), "w") as f:
    f.write("\n".join(OUT) + "\n")
