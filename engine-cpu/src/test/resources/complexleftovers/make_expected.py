# Writes expected.txt for ComplexLeftoversTest.java (session 31): the complex linear algebra that Ember refused until
# then, through PyTorch 1.13 CPU (Debian's, LAPACK's zgeqr2/zsytf2/zhetf2/zsytrs/zhetrs underneath):
#   - torch.geqrf of complex input (tall, square, wide, batched, complex64, a column already reduced whose diagonal is
#     not real, zeros, empty) and the round trips through it: linalg.householder_product (orgqr) and ormqr with R;
#   - torch.linalg.ldl_factor_ex / ldl_factor / ldl_solve of complex input, hermitian=False (zsytrf: A = P L D L^T P^T)
#     and hermitian=True (zhetrf: A = P L D L^H P^T), inputs chosen to take 1-by-1 and 2-by-2 pivots and interchanges;
#   - PyTorch's errors for them.
# Run: /usr/bin/python3 make_expected.py   (writes expected.txt next to this script)
#
# expected.txt, one case each ("=== name", ReferenceCases.read's format):
#   op <name>           see OPS below
#   in0, in1, ...       the inputs (refcases.fmt_tensor: complex parts interleaved)
#   requires_grad true  the floating and complex inputs require grad (else none does)
#   out0, out1, ...     the outputs
#   fn <name>           out0's grad_fn with the complex inputs requiring grad (None: the case is run without)
#   grad0, grad1, ...   d sum(view_as_real(out0) * w) / d in_k where the op is differentiable
#   backward_error <Type> <message>   that backward's error where it is not
#   error <Type> <message>
# Independent checks (the script stops if one disagrees): geqrf's R and reflectors rebuild A in numpy (Q R = A with Q
# from the reflectors H_i = I - tau_i v_i v_i^H, R's diagonal real), ldl's P L D L^T P^T (L^H for hermitian) rebuilds
# A's lower triangle in numpy from LD and the pivots read as LAPACK documents them, ldl_solve's X solves A X = B.
# PyTorch 2.x computes the same (its geqrf, ldl_factor_ex and ldl_solve kernels are 1.13's LAPACK calls; geqrf is
# still not in 2.x's GRADIENT_IMPLEMENTED_FOR_COMPLEX, so a complex input that requires grad is refused there too).
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from refcases import crandn_from, fmt_tensor, weights  # noqa: E402

D = torch.float64
C128 = torch.complex128
C64 = torch.complex64
OUT = []
NAMES = set()
G = torch.Generator().manual_seed(3131)


def crandn(*shape, dtype=C128):
    return crandn_from(G, *shape, dtype=dtype)


def npy(t):
    return t.detach().resolve_conj().numpy()


def close(x, y, tol, what):
    x = np.asarray(x)
    y = np.asarray(y)
    assert x.shape == y.shape, (what, x.shape, y.shape)
    if x.size:
        err = np.max(np.abs(x - y) / np.maximum(1.0, np.abs(y)))
        assert err <= tol, (what, err)


def reflectors_q(a, tau):
    """The m-by-m product H_1 ... H_k of one matrix's reflectors (numpy)."""
    m = a.shape[-2]
    q = np.eye(m, dtype=complex)
    for i in range(tau.shape[-1]):
        v = np.zeros(m, dtype=complex)
        v[i] = 1
        v[i + 1:] = a[i + 1:, i]
        q = q @ (np.eye(m) - tau[i] * np.outer(v, v.conj()))
    return q


def check_geqrf(x, a, tau, tol):
    xs, as_, ts = npy(x), npy(a), npy(tau)
    m, n = xs.shape[-2:]
    if xs.size == 0:
        return
    for xm, am, tm in zip(xs.reshape(-1, m, n), as_.reshape(-1, m, n), ts.reshape(-1, min(m, n))):
        q = reflectors_q(am, tm)
        r = np.triu(am)
        close(q @ r, xm, tol, "geqrf Q R = A")
        close(q.conj().T @ q, np.eye(m), tol, "geqrf Q unitary")
        assert np.all(np.abs(np.diagonal(r).imag) == 0), "geqrf: R's diagonal not real"


def ldl_rebuild(ld, piv, hermitian):
    """P L D L^T P^T (L^H when hermitian) from LAPACK's lower LD and 1-based pivots (numpy; dsytrf's documentation)."""
    n = ld.shape[0]
    a = np.eye(n, dtype=complex)  # accumulates the product of the P(k) L(k) factors: A = U D U^T with U = P1 L1 P2 L2 ...
    d = np.zeros((n, n), dtype=complex)
    k = 0
    while k < n:
        if piv[k] > 0:
            s = 1
            kp = piv[k] - 1
            perm_at = k
        else:
            s = 2
            kp = -piv[k] - 1
            perm_at = k + 1
        p = np.eye(n, dtype=complex)
        p[[perm_at, kp]] = p[[kp, perm_at]]
        lk = np.eye(n, dtype=complex)
        lk[k + s:, k:k + s] = ld[k + s:, k:k + s]
        a = a @ p @ lk
        d[k:k + s, k:k + s] = ld[k:k + s, k:k + s]
        if s == 2:
            d[k, k + 1] = np.conj(ld[k + 1, k]) if hermitian else ld[k + 1, k]
        k += s
    return a @ d @ (a.conj().T if hermitian else a.T)


def check_ldl(x, ld, piv, info, hermitian, tol):
    xs, lds, ps = npy(x), npy(ld), piv.numpy()
    n = xs.shape[-1]
    if xs.size == 0:
        return
    for xm, lm, pm, im in zip(xs.reshape(-1, n, n), lds.reshape(-1, n, n), ps.reshape(-1, n), info.reshape(-1).tolist()):
        assert np.all(np.triu(lm, 1) == 0), "LD's upper triangle"
        if im != 0:
            continue
        full = np.tril(xm) + np.tril(xm, -1).conj().T if hermitian else np.tril(xm) + np.tril(xm, -1).T
        if hermitian:
            full = full - 1j * np.diag(np.diagonal(full).imag)
        close(ldl_rebuild(lm, pm, hermitian), full, tol, "ldl rebuild")


def message(e):
    """An error's first line; of PyTorch's failed internal assertion (ldl_factor's unknown info code, which
    _linalg_check_errors has no branch for) the message after its preamble, as Ember writes it."""
    first = str(e).strip().split("\n")[0]
    mark = "please report a bug to PyTorch. "
    return first[first.index(mark) + len(mark):] if "INTERNAL ASSERT FAILED" in first else first


def loss_of(outs):
    o = outs[0]
    r = torch.view_as_real(o) if o.is_complex() else o
    return (r * weights(r.shape).to(r.dtype)).sum()


def herm(x):
    return x + x.mH


def sym(x):
    return x + x.mT


OPS = {
    "geqrf": lambda a: list(torch.geqrf(a)),
    "orgqr": lambda a, tau: [torch.linalg.householder_product(a, tau)],
    "ormqr": lambda a, tau, c: [torch.ormqr(a, tau, c)],
    "ldl_factor_ex": lambda a: list(torch.linalg.ldl_factor_ex(a)),
    "ldl_factor_ex_herm": lambda a: list(torch.linalg.ldl_factor_ex(a, hermitian=True)),
    "ldl_factor": lambda a: list(torch.linalg.ldl_factor(a)),
    "ldl_factor_herm": lambda a: list(torch.linalg.ldl_factor(a, hermitian=True)),
    "ldl_solve": lambda a, b: [torch.linalg.ldl_solve(*torch.linalg.ldl_factor(a.detach()), b)],
    "ldl_solve_herm": lambda a, b: [torch.linalg.ldl_solve(*torch.linalg.ldl_factor(a.detach(), hermitian=True), b,
                                                           hermitian=True)],
}


def case(name, op, *ins, grad=False):
    assert name not in NAMES, name
    NAMES.add(name)
    lines = ["=== " + name, "op " + op] + ["in%d %s" % (i, fmt_tensor(t)) for i, t in enumerate(ins)]
    if grad:
        lines.append("requires_grad true")
    args = [t.clone().requires_grad_(grad and (t.is_complex() or t.is_floating_point())) for t in ins]
    try:
        outs = OPS[op](*args)
    except Exception as e:
        OUT.extend(lines + ["error %s %s" % (type(e).__name__, message(e))])
        return
    tol = 1e-4 if ins[0].dtype == C64 else 1e-10
    if op == "geqrf":
        check_geqrf(ins[0], outs[0], outs[1], tol)
    if op == "orgqr":
        q = outs[0]
        close(npy(q.mH @ q), np.broadcast_to(np.eye(q.shape[-1]), (q.mH @ q).shape), tol, op)
    if op == "ormqr":
        close(npy(outs[0]), npy(ROUND_TRIP[name]), tol, op)
    if op.startswith("ldl_factor"):
        info = outs[2] if len(outs) > 2 else torch.zeros(ins[0].shape[:-2], dtype=torch.int32)
        check_ldl(ins[0], outs[0], outs[1], info, op.endswith("herm"), tol * 10)
    if op.startswith("ldl_solve"):
        a, b = npy(ins[0]), npy(ins[1])
        full = np.tril(a) + (np.swapaxes(np.tril(a, -1), -1, -2).conj() if op.endswith("herm")
                             else np.swapaxes(np.tril(a, -1), -1, -2))
        if op.endswith("herm"):
            full = full - 1j * np.einsum("...ii->...i", full).imag[..., None] * np.eye(a.shape[-1])
        close(full @ npy(outs[0]), np.broadcast_to(b, (full @ npy(outs[0])).shape), tol * 100, op)
    for i, o in enumerate(outs):
        lines.append("out%d %s" % (i, fmt_tensor(o)))
    # (1.13 and 2.x name the node of an op without a derivative torch::autograd::NotImplemented; Ember NotImplemented)
    lines.append("fn " + (outs[0].grad_fn.name().replace("torch::autograd::", "") if outs[0].grad_fn is not None
                          else "None"))
    if grad and outs[0].requires_grad:
        try:
            loss_of(outs).backward()
        except Exception as e:
            lines.append("backward_error %s %s" % (type(e).__name__, str(e).strip().split("\n")[0]))
            OUT.extend(lines)
            return
        for i, t in enumerate(args):
            if t.requires_grad:
                lines.append("grad%d %s" % (i, fmt_tensor(t.grad)))
    OUT.extend(lines)


# ------------------------------------------------------------------ geqrf
case("geqrf tall", "geqrf", crandn(5, 3))
case("geqrf square", "geqrf", crandn(4, 4))
case("geqrf wide", "geqrf", crandn(3, 5))
case("geqrf batch", "geqrf", crandn(2, 3, 4, 3))
case("geqrf complex64", "geqrf", crandn(4, 3, dtype=C64))
case("geqrf 1x1", "geqrf", torch.tensor([[2 - 3j]], dtype=C128))
case("geqrf 1x1 real", "geqrf", torch.tensor([[-2 + 0j]], dtype=C128))
# a column with zeros below a diagonal that is not real: zlarfg still reflects (tau != 0) to make R's diagonal real;
# one that is real and positive (or negative) with zeros below: tau = 0, no reflection
case("geqrf upper triangular", "geqrf", torch.tensor([[1 + 2j, 3 - 1j, 0.5j], [0, -2 + 0j, 1 + 1j], [0, 0, 0.5 - 0.5j]],
                                                      dtype=C128))
case("geqrf zero column", "geqrf", torch.tensor([[0, 1 + 1j], [0, 2 - 1j], [0, 1j]], dtype=C128))
case("geqrf zeros", "geqrf", torch.zeros(3, 2, dtype=C128))
case("geqrf empty rows", "geqrf", torch.zeros(0, 3, dtype=C128))
case("geqrf empty batch", "geqrf", torch.zeros(0, 3, 3, dtype=C128))
case("geqrf 1-D", "geqrf", crandn(3))
case("geqrf requires grad", "geqrf", crandn(3, 3), grad=True)
case("geqrf int", "geqrf", torch.ones(3, 3, dtype=torch.int64))
# the round trips: orgqr (householder_product) of geqrf's output is Q (differentiable in both, as 2.x), and ormqr of
# it with R (geqrf's upper triangle) is A again (values only: 1.13 refuses autograd for complex ormqr)
ROUND_TRIP = {}
for label, x in (("tall", crandn(5, 3)), ("square batch", crandn(2, 3, 3))):
    case("orgqr of geqrf " + label, "orgqr", *torch.geqrf(x), grad=True)
# (a wide A: its reflectors are its first m columns; Ember's ormqr failed on one, real too, before session 31)
for label, x in (("tall", crandn(5, 3)), ("wide", crandn(3, 5)), ("batch complex64", crandn(2, 4, 4, dtype=C64)),
                 ("wide real", torch.randn(3, 4, generator=G, dtype=D))):
    gq = torch.geqrf(x)
    ROUND_TRIP["ormqr of geqrf " + label] = x
    case("ormqr of geqrf " + label, "ormqr", gq[0], gq[1], gq[0].triu())

# ------------------------------------------------------------------ ldl_factor_ex / ldl_factor / ldl_solve
def zero_diag(x):
    return x - torch.diag_embed(torch.diagonal(x, dim1=-2, dim2=-1))


def pivoting(n, hermitian):
    """A small first diagonal entry below a large one further down (an interchange with a 1-by-1 pivot), then zeros on
    the diagonal (2-by-2 pivots)."""
    x = crandn(n, n) * 0.3
    x = herm(x) if hermitian else sym(x)
    x[0, 0] = 0.01
    x[2, 2] = 5.0
    x[2, 0] = 2.0 + 1.0j
    x[0, 2] = (2.0 - 1.0j) if hermitian else (2.0 + 1.0j)
    return x


for kind, h in (("herm", True), ("sym", False)):
    mk = herm if h else sym
    suffix = "_herm" if h else ""
    case("ldl_factor_ex %s" % kind, "ldl_factor_ex" + suffix, mk(crandn(4, 4)))
    case("ldl_factor_ex %s zero diagonal" % kind, "ldl_factor_ex" + suffix, zero_diag(mk(crandn(5, 5))))
    case("ldl_factor_ex %s interchanges" % kind, "ldl_factor_ex" + suffix, pivoting(5, h))
    case("ldl_factor_ex %s batch" % kind, "ldl_factor_ex" + suffix, mk(crandn(2, 5, 5)))
    case("ldl_factor_ex %s complex64" % kind, "ldl_factor_ex" + suffix, mk(crandn(4, 4, dtype=C64)))
    case("ldl_factor_ex %s singular" % kind, "ldl_factor_ex" + suffix,
         torch.tensor([[0, 0, 0], [0, 1 + 0j, 0], [0, 0.5j, 0]], dtype=C128))
    case("ldl_factor_ex %s 1x1" % kind, "ldl_factor_ex" + suffix, torch.tensor([[2 + 1j]], dtype=C128))
    case("ldl_factor_ex %s empty" % kind, "ldl_factor_ex" + suffix, torch.zeros(0, 0, dtype=C128))
    case("ldl_factor %s" % kind, "ldl_factor" + suffix, zero_diag(mk(crandn(4, 4))), grad=True)
    case("ldl_factor %s singular" % kind, "ldl_factor" + suffix, torch.zeros(2, 2, dtype=C128))
    case("ldl_solve %s" % kind, "ldl_solve" + suffix, mk(crandn(4, 4)), crandn(4, 2))
    case("ldl_solve %s 2-by-2 pivots" % kind, "ldl_solve" + suffix, zero_diag(mk(crandn(5, 5))), crandn(5, 3))
    case("ldl_solve %s interchanges" % kind, "ldl_solve" + suffix, pivoting(5, h), crandn(5, 1))
    case("ldl_solve %s broadcast" % kind, "ldl_solve" + suffix, mk(crandn(2, 3, 3)), crandn(3, 2))
    case("ldl_solve %s complex64" % kind, "ldl_solve" + suffix, mk(crandn(4, 4, dtype=C64)), crandn(4, 2, dtype=C64))
    case("ldl_solve %s requires grad" % kind, "ldl_solve" + suffix, mk(crandn(3, 3)), crandn(3, 2), grad=True)
    case("ldl_solve %s dtype mismatch" % kind, "ldl_solve" + suffix, mk(crandn(3, 3)), crandn(3, 2, dtype=C64))
# a Hermitian factorization reads the diagonal as real (its imaginary parts ignored, as zhetf2's)
x = herm(crandn(4, 4))
x.diagonal().imag.copy_(torch.tensor([0.5, -1.0, 2.0, 0.25]))
case("ldl_factor_ex herm diagonal not real", "ldl_factor_ex_herm", x)
case("ldl_factor_ex int", "ldl_factor_ex", torch.ones(3, 3, dtype=torch.int64))


# ------------------------------------------------------------------ orthogonal(householder, use_trivialization=False)
# PyTorch 2.x's torch/nn/utils/parametrizations.py (1.13's is the same code): registration sets original to geqrf(W)'s
# A with its diagonal replaced by the signs of R's (negated where tau == 0), forward is householder_product(A.tril(-1),
# 2 / (1 + |v|^2)) times the diagonal's signs; assignment goes through the same right_inverse. Complex weights are
# refused with the householder map ("Note [Householder complex]"); their default map is matrix_exp, whose skew-
# Hermitian X - X^H and unitary Q are checked here too (with and without the trivialization).
import torch.nn as nn  # noqa: E402
from torch.nn.utils.parametrizations import orthogonal  # noqa: E402


def fmt_sd(prefix, m):
    return ["%s.%s %s" % (prefix, k, fmt_tensor(v)) for k, v in m.state_dict().items()]


def orth_case(name, make, omap, triv, x, assign=None, dtype=D, steps=3):
    assert name not in NAMES, name
    NAMES.add(name)
    m, desc = make()
    m = m.to(dtype)
    with torch.no_grad():
        for i, (k, p) in enumerate(m.named_parameters()):
            if p.is_complex():
                p.copy_(crandn(*p.shape) * 0.5)
            else:
                p.copy_(torch.randn(p.shape, generator=G, dtype=D) * 0.5)
    lines = ["=== " + name, "op orth", "module " + desc, "map " + str(omap), "triv " + str(triv).lower()]
    lines += ["init.%s %s" % (k, fmt_tensor(p)) for k, p in m.named_parameters()]
    try:
        orthogonal(m, orthogonal_map=omap, use_trivialization=triv)
    except Exception as e:
        OUT.extend(lines + ["error %s %s" % (type(e).__name__, str(e).strip().split("\n")[0])])
        return
    w = m.weight
    q = w.mT if w.shape[-2] < w.shape[-1] else w
    eye = torch.eye(q.shape[-1], dtype=q.dtype)
    assert torch.allclose(q.mH @ q, eye.expand(q.shape[:-2] + eye.shape), atol=1e-5 if dtype == torch.float32 else 1e-10), name + ": not orthogonal"
    lines.append("keys " + ",".join(m.state_dict().keys()))
    lines += fmt_sd("sd", m)
    lines.append("value0 " + fmt_tensor(w))
    lines.append("fn " + w.grad_fn.name())
    if assign is not None:
        with torch.no_grad():
            m.weight = assign.to(dtype)
        lines.append("assign " + fmt_tensor(assign.to(dtype)))
        lines += fmt_sd("assigned", m)
        lines.append("value1 " + fmt_tensor(m.weight))
        if not triv:
            # the assigned matrix's Q with R's diagonal positive: the value is that Q (up to rounding)
            a = assign.to(dtype)
            at = a.mT if a.shape[-2] < a.shape[-1] else a
            qq, rr = torch.linalg.qr(at)
            qq = qq * rr.diagonal(dim1=-2, dim2=-1).sgn().unsqueeze(-2)
            v = m.weight.mT if a.shape[-2] < a.shape[-1] else m.weight
            assert torch.allclose(v, qq, atol=1e-10), name + ": assignment"
    xs = x.to(dtype)
    lines.append("x " + fmt_tensor(xs))
    opt = torch.optim.SGD(m.parameters(), lr=0.1)
    for i in range(steps):
        out = m(xs)
        lines.append("out%d %s" % (i, fmt_tensor(out)))
        opt.zero_grad()
        r = torch.view_as_real(out) if out.is_complex() else out
        (r * weights(r.shape).to(r.dtype)).sum().backward()
        lines += ["grad%d.%s %s" % (i, k, fmt_tensor(p.grad)) for k, p in m.named_parameters()]
        opt.step()
    lines += fmt_sd("after", m)
    OUT.extend(lines)


def linear(i, o, **kw):
    return lambda: (nn.Linear(i, o, **kw), "linear %d %d" % (i, o))


def conv1d(i, o, k):
    return lambda: (nn.Conv1d(i, o, k), "conv1d %d %d %d" % (i, o, k))


orth_case("orth householder tall", linear(3, 5), "householder", False, torch.randn(2, 3, generator=G, dtype=D),
          assign=torch.randn(5, 3, generator=G, dtype=D))
orth_case("orth householder wide", linear(5, 3), "householder", False, torch.randn(2, 5, generator=G, dtype=D),
          assign=torch.randn(3, 5, generator=G, dtype=D))
orth_case("orth householder square", linear(4, 4), "householder", False, torch.randn(2, 4, generator=G, dtype=D),
          assign=torch.linalg.qr(torch.randn(4, 4, generator=G, dtype=D))[0])
orth_case("orth householder default map tall", linear(2, 4), None, False, torch.randn(3, 2, generator=G, dtype=D))
# a batch of 2 wide 3-by-4 matrices (Conv1d's weight [out, in, k])
orth_case("orth householder conv1d batch", conv1d(3, 2, 4), "householder", False,
          torch.randn(1, 3, 6, generator=G, dtype=D), assign=torch.randn(2, 3, 4, generator=G, dtype=D))
orth_case("orth householder float32", linear(3, 4), "householder", False, torch.randn(2, 3, generator=G, dtype=D),
          dtype=torch.float32, steps=1)
# complex: householder refused (trivialization or not); the default map (matrix_exp) and cayley are unitary
orth_case("orth complex householder", linear(3, 3), "householder", False, crandn(2, 3), dtype=C128)
orth_case("orth complex householder trivialization", linear(3, 5), "householder", True, crandn(2, 3), dtype=C128)
orth_case("orth complex default map tall notriv", linear(3, 5), None, False, crandn(2, 3), dtype=C128)
orth_case("orth complex cayley square notriv", linear(3, 3), "cayley", False, crandn(2, 3), dtype=C128)

with open(os.path.join(HERE, "expected.txt"), "w") as f:
    f.write("\n".join(OUT) + "\n")
print(len(NAMES), "cases")
