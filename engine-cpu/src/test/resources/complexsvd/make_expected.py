# Writes expected.txt for ComplexSvdTest.java: torch.linalg.svd (reduced and full, tall, wide, square, batched, rank
# deficient, empty), linalg.svdvals, torch.svd, linalg.pinv (also hermitian, atol/rtol), linalg.matrix_rank (atol,
# rtol, hermitian), linalg.lstsq (tall, wide, vector, broadcast; the drivers gels, gelsy, gelsd, gelss with their
# residuals, rank and singular values, rcond, rank-deficient inputs, real inputs too), linalg.matrix_norm ('nuc', 2,
# -2), linalg.cond, det's first gradient at singular matrices (differentiable) and its second order at a regular one,
# and the rest of complex linear algebra: linalg.matrix_exp, cholesky_solve, cholesky_inverse, linalg.matrix_power
# (negative powers too), linalg.multi_dot, householder_product and ormqr, on complex64 / complex128 inputs, through
# PyTorch 1.13 CPU, with the gradients of phase-invariant losses and PyTorch's errors.
# Run: /usr/bin/python3 make_expected.py   (PyTorch 1.13 CPU; writes expected.txt next to this script)
#
# expected.txt, one case each ("=== name", ReferenceCases.read's format):
#   op <name>         see OPS below
#   rank <r>          svd cases: only the first r singular vectors are unique (up to a unit factor each): the rest
#                     (rank-deficient inputs, full_matrices' completion) are compared through U^H U = I in the test
#   in0, in1          the inputs (refcases.fmt_tensor: complex parts interleaved)
#   out0, out1, ...   the outputs (singular vectors: compared up to a unit factor per vector)
#   fn <name>         out0's grad_fn
#   grad0, grad1      d loss / d in0, in1; loss = sum(S w) + sum(|U|^2 w) + sum(|Vh|^2 w) for the svd outputs (invariant
#                     under U -> U L, V -> V L, L unit diagonal), sum(view_as_real(out) * w) for the others (lstsq with a
#                     driver: its solution's only)
#   error <Type> <message>
# Independent checks (Debian's OpenBLAS under 1.13 returned 0 from its complex dot once, so 1.13's complex LAPACK paths
# are not trusted blindly): svd values against U diag(S) V^H == A and U^H U == I in Python's complex arithmetic and S
# against numpy's; pinv, lstsq, matrix_rank, norms, cond, cholesky_solve, cholesky_inverse, matrix_power and multi_dot
# against numpy, matrix_exp against its Taylor series in numpy (scaled and squared); the second-order det case against the
# adjugate by cofactors; every complex128 gradient (full-rank inputs, distinct singular values) against central finite
# differences of the loss. The script stops if one disagrees. PyTorch 2.x computes the same values here (its
# svd_backward, pinv_backward and linalg_det_backward are 1.13's).
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from refcases import complex_mats, crandn_from, fd_complex_grad, fmt_tensor, weights  # noqa: E402

D = torch.float64
C128 = torch.complex128
C64 = torch.complex64
OUT = []
G = torch.Generator().manual_seed(3030)


def crandn(*shape, dtype=C128):
    return crandn_from(G, *shape, dtype=dtype)


def low_rank(m, n, r, batch=()):
    return crandn(*batch, m, r) @ crandn(*batch, r, n)


def real_low_rank(n, r):
    return torch.randn(n, r, generator=G, dtype=D) @ torch.randn(r, n, generator=G, dtype=D)


def herm(x):
    return x + x.mH


mats = complex_mats


def npy(t):
    return t.detach().resolve_conj().numpy()


def assert_close(x, y, tol, what):
    x = np.asarray(x)
    y = np.asarray(y)
    assert x.shape == y.shape, (what, x.shape, y.shape)
    if x.size:
        err = np.max(np.abs(x - y) / np.maximum(1.0, np.abs(y)))
        assert err <= tol, (what, err)


SVD_OPS = ("svd", "svd_full", "torch_svd")


def check_values(op, ins, outs, tol):
    a = ins[0]
    if op in SVD_OPS or op == "svdvals":
        assert_close(npy(outs[1] if op != "svdvals" else outs[0]), np.linalg.svd(npy(a), compute_uv=False), tol, "S")
    if op in SVD_OPS and a.numel() > 0:
        u, s = outs[0], outs[1]
        vh = outs[2].mH if op == "torch_svd" else outs[2]
        k = s.shape[-1]
        for am, um, sm, vm in zip(mats(a), mats(u), s.reshape(-1, k).tolist(), mats(vh)):
            m, n = len(am), len(am[0])
            for i in range(m):
                for j in range(n):
                    v = sum(um[i][t] * sm[t] * vm[t][j] for t in range(k))
                    assert abs(v - am[i][j]) <= tol * 10 * max(1.0, abs(am[i][j])), (op, v, am[i][j])
            for i in range(len(um[0])):
                for j in range(len(um[0])):
                    v = sum(um[t][i].conjugate() * um[t][j] for t in range(m))
                    assert abs(v - (1 if i == j else 0)) <= tol * 10, (op, "U^H U", v)
    if op.startswith("pinv"):
        x = npy(herm(a) if op == "pinv_herm" else a)
        if op == "pinv_atol":
            ref = np.linalg.pinv(x, rcond=0.5)
        else:
            ref = np.linalg.pinv(x, hermitian=op == "pinv_herm")
        assert_close(npy(outs[0]), ref, tol * 10, op)
    if op.startswith("lstsq_"):
        x, b = npy(a), npy(ins[1])
        vec = b.ndim == x.ndim - 1
        bb = b[..., None] if vec else b
        rc = 0.5 if op.endswith("rcond") else np.finfo(np.float32 if a.dtype in (C64, torch.float32) else np.float64).eps * max(x.shape[-2:])
        sv = np.linalg.svd(x, compute_uv=False)
        keep = sv > rc * sv[..., :1]
        ref = np.linalg.pinv(x, rcond=rc) @ bb
        got = npy(outs[0])
        assert_close(got[..., None] if vec else got, ref, tol * 10, op)
        drv = op.split("_")[1]
        if drv != "gels":
            assert (outs[2].numpy() == keep.sum(-1)).all(), (op, outs[2])
        if drv in ("gelsd", "gelss"):
            assert_close(outs[3].numpy(), sv, tol, op)
        full = drv == "gels" or (drv != "gelsy" and bool((keep.sum(-1) == x.shape[-1]).all()))
        if x.shape[-2] > x.shape[-1] and full:
            assert_close(outs[1].numpy(), (np.abs(x @ ref - bb) ** 2).sum(-2), tol * 10, op)
        else:
            assert outs[1].numel() == 0
    elif op.startswith("lstsq"):
        x, b = npy(a), npy(ins[1])
        vec = b.ndim == x.ndim - 1
        ref = np.linalg.pinv(x) @ (b[..., None] if vec else b)
        got = npy(outs[0])
        assert_close(got[..., None] if vec else got, ref, tol * 10, op)
    if op.startswith("matrix_rank"):
        x = npy(herm(a) if op == "matrix_rank_herm" else a)
        sv = np.abs(np.linalg.eigvalsh(x)) if op == "matrix_rank_herm" else np.linalg.svd(x, compute_uv=False)
        atol, rtol = RANK_TOLS[op]
        eps = np.finfo(np.float32 if a.dtype == C64 else np.float64).eps
        rtol = rtol if rtol is not None else (0 if atol is not None and atol > 0 else eps * max(x.shape[-2:]))
        tolv = np.maximum(atol or 0, rtol * sv.max(-1, keepdims=True))
        assert (outs[0].numpy() == (sv > tolv).sum(-1)).all(), (op, outs[0], sv)
    if op == "matrix_exp":
        x = npy(a)
        k = int(max(0, np.ceil(np.log2(max(1e-300, np.abs(x).sum(-2).max())))) + 1)
        y = x / 2 ** k
        term = np.broadcast_to(np.eye(x.shape[-1]), x.shape).astype(complex)
        ref = term.copy()
        for j in range(1, 30):
            term = term @ y / j
            ref = ref + term
        for _ in range(k):
            ref = ref @ ref
        assert_close(npy(outs[0]), ref, tol * 100, op)
    if op.startswith("cholesky_solve") or op.startswith("cholesky_inverse"):
        upper = op.endswith("upper")
        f = np.triu(npy(ins[-1] if op.startswith("cholesky_solve") else a)) if upper else \
            np.tril(npy(ins[-1] if op.startswith("cholesky_solve") else a))
        gram = np.swapaxes(f, -1, -2).conj() @ f if upper else f @ np.swapaxes(f, -1, -2).conj()
        ref = np.linalg.inv(gram) if op.startswith("cholesky_inverse") else np.linalg.solve(gram, npy(a))
        assert_close(npy(outs[0]), ref, tol * 10, op)
    if op.startswith("matrix_power"):
        assert_close(npy(outs[0]), np.linalg.matrix_power(npy(a), POWERS[op]), tol * 10, op)
    if op == "householder_product" or op.startswith("ormqr"):
        x, t = npy(a), npy(ins[1])
        m = x.shape[-2]
        q = np.eye(m, dtype=complex)
        for i in range(t.shape[-1]):
            v = np.tril(x, -1)[:, i].copy()
            v[i] = 1
            q = q @ (np.eye(m) - t[i] * np.outer(v, v.conj()))
        if op == "householder_product":
            ref = q[:, :x.shape[-1]]
        elif op == "ormqr":
            ref = q @ npy(ins[2])
        else:
            ref = npy(ins[2]) @ q.conj().T
        assert_close(npy(outs[0]), ref, tol * 10, op)
    if op == "multi_dot":
        assert_close(npy(outs[0]), np.linalg.multi_dot([npy(x) for x in ins]), tol * 10, op)
    if op.startswith("norm") or op.startswith("cond"):
        x = npy(a)
        p = NORMS[op]
        ref = np.linalg.cond(x, p) if op.startswith("cond") else np.linalg.norm(x, p, axis=(-2, -1))
        assert_close(npy(outs[0]), ref, tol * 10, op)


def cofactor_adj(m):
    """The adjugate of a list-of-lists complex matrix by cofactors (exact for singular matrices)."""
    n = len(m)

    def det(x):
        if len(x) == 1:
            return x[0][0]
        return sum((-1) ** j * x[0][j] * det([row[:j] + row[j + 1:] for row in x[1:]]) for j in range(len(x)))

    return [[(-1) ** (i + j) * det([row[:i] + row[i + 1:] for k, row in enumerate(m) if k != j]) for j in range(n)]
            for i in range(n)]


def det_grad(a, create_graph):
    """The gradient of sum(view_as_real(det(a)) * w) with create_graph (differentiable: the SVD path when singular)."""
    d = torch.linalg.det(a)
    r = torch.view_as_real(d)
    (g,) = torch.autograd.grad((r * weights(r.shape)).sum(), a, create_graph=create_graph)
    return g


RANK_TOLS = {
    "matrix_rank": (None, None),
    "matrix_rank_atol": (1.0, None),
    "matrix_rank_rtol": (None, 0.3),
    "matrix_rank_herm": (None, None),
}
NORMS = {"norm_nuc": "nuc", "norm_2": 2, "norm_m2": -2, "cond_2": 2, "cond_m2": -2, "cond_nuc": "nuc", "cond_1": 1,
         "cond_inf": np.inf, "cond_fro": "fro"}

POWERS = {"matrix_power_m1": -1, "matrix_power_m3": -3, "matrix_power_0": 0, "matrix_power_3": 3}

OPS = {
    "matrix_exp": lambda a: [torch.linalg.matrix_exp(a)],
    "cholesky_solve": lambda b, l: [torch.cholesky_solve(b, l)],
    "cholesky_solve_upper": lambda b, u: [torch.cholesky_solve(b, u, upper=True)],
    "cholesky_inverse": lambda l: [torch.cholesky_inverse(l)],
    "cholesky_inverse_upper": lambda u: [torch.cholesky_inverse(u, upper=True)],
    "matrix_power_m1": lambda a: [torch.linalg.matrix_power(a, -1)],
    "matrix_power_m3": lambda a: [torch.linalg.matrix_power(a, -3)],
    "matrix_power_0": lambda a: [torch.linalg.matrix_power(a, 0)],
    "matrix_power_3": lambda a: [torch.linalg.matrix_power(a, 3)],
    "multi_dot": lambda *xs: [torch.linalg.multi_dot(list(xs))],
    "householder_product": lambda a, tau: [torch.linalg.householder_product(a, tau)],
    "ormqr": lambda a, tau, c: [torch.ormqr(a, tau, c)],
    "ormqr_right_transpose": lambda a, tau, c: [torch.ormqr(a, tau, c, left=False, transpose=True)],
    "svd": lambda a: list(torch.linalg.svd(a, full_matrices=False)),
    "svd_full": lambda a: list(torch.linalg.svd(a, full_matrices=True)),
    "torch_svd": lambda a: list(torch.svd(a)),
    "svdvals": lambda a: [torch.linalg.svdvals(a)],
    # U Vh: invariant under U -> U L, V -> V L, so compared as it is; its loss exercises svd_backward's imaginary term
    "svd_uvh": lambda a: (lambda usv: [usv[0] @ usv[2], usv[1]])(torch.linalg.svd(a, full_matrices=False)),
    "pinv": lambda a: [torch.linalg.pinv(a)],
    "pinv_herm": lambda x: [torch.linalg.pinv(herm(x), hermitian=True)],
    "pinv_atol": lambda a: [torch.linalg.pinv(a, atol=0.5 * torch.linalg.svdvals(a)[..., 0].item(), rtol=0)],
    "matrix_rank": lambda a: [torch.linalg.matrix_rank(a)],
    "matrix_rank_atol": lambda a: [torch.linalg.matrix_rank(a, atol=1.0)],
    "matrix_rank_rtol": lambda a: [torch.linalg.matrix_rank(a, rtol=0.3)],
    "matrix_rank_herm": lambda x: [torch.linalg.matrix_rank(herm(x), hermitian=True)],
    "lstsq": lambda a, b: [torch.linalg.lstsq(a, b).solution],
    "lstsq_gels": lambda a, b: list(torch.linalg.lstsq(a, b, driver="gels")),
    "lstsq_gelsy": lambda a, b: list(torch.linalg.lstsq(a, b, driver="gelsy")),
    "lstsq_gelsd": lambda a, b: list(torch.linalg.lstsq(a, b, driver="gelsd")),
    "lstsq_gelss": lambda a, b: list(torch.linalg.lstsq(a, b, driver="GELSS")),
    "lstsq_gelsd_rcond": lambda a, b: list(torch.linalg.lstsq(a, b, rcond=0.5, driver="gelsd")),
    "lstsq_bad_driver": lambda a, b: list(torch.linalg.lstsq(a, b, driver="gelsx")),
    "norm_nuc": lambda a: [torch.linalg.matrix_norm(a, "nuc")],
    "norm_2": lambda a: [torch.linalg.matrix_norm(a, 2)],
    "norm_m2": lambda a: [torch.linalg.matrix_norm(a, -2)],
    "cond_2": lambda a: [torch.linalg.cond(a)],
    "cond_m2": lambda a: [torch.linalg.cond(a, -2)],
    "cond_nuc": lambda a: [torch.linalg.cond(a, "nuc")],
    "cond_1": lambda a: [torch.linalg.cond(a, 1)],
    "cond_inf": lambda a: [torch.linalg.cond(a, float("inf"))],
    "cond_fro": lambda a: [torch.linalg.cond(a, "fro")],
    "det_grad": lambda a: [det_grad(a, True)],
}


def loss_of(op, outs):
    if op in SVD_OPS:
        u, s, v = outs
        total = (s * weights(s.shape).to(s.dtype)).sum()
        for x in (u, v):
            if op == "svd_full":
                # full_matrices: the completion is not unique and its gradient is ignored (derivatives.yaml narrows)
                k = s.shape[-1]
                x = x[..., :k] if x is u else x[..., :k, :]
            total = total + (x.abs().pow(2) * weights(x.shape).to(s.dtype)).sum()
        return total
    if op.startswith("lstsq_"):
        outs = outs[:1]  # the solution: residuals, rank and singular values are not differentiable outputs
    total = 0
    for o in outs:
        if not (o.is_floating_point() or o.is_complex()):
            continue
        r = torch.view_as_real(o.resolve_conj()) if o.is_complex() else o
        total = total + (r * weights(r.shape).to(r.dtype)).sum()
    return total


def det_grad_exact(a):
    """The exact first gradient of det_grad's loss: each matrix's w-weighted conj(adj(A))^T, by cofactors."""
    ms = mats(a)
    w = weights((len(ms), 2))
    out = []
    for b, m in enumerate(ms):
        adj = cofactor_adj(m)
        gout = complex(float(w[b, 0]), float(w[b, 1]))
        out.append([[gout * adj[j][c].conjugate() for j in range(len(m))] for c in range(len(m))])
    return torch.tensor(out, dtype=C128).reshape(a.shape)


def fd_grad(op, ins, k):
    return fd_complex_grad(lambda args: float(loss_of(op, [det_grad_exact(args[0])] if op == "det_grad"
                                                      else OPS[op](*args))), ins, k)


def case(name, op, *ins, grad=True, fd=True, rank=None):
    lines = ["=== " + name, "op " + op]
    if rank is not None:
        lines.append("rank %d" % rank)
    lines += ["in%d %s" % (i, fmt_tensor(x)) for i, x in enumerate(ins)]
    xs = [x.clone().requires_grad_((grad or op == "det_grad") and (x.is_complex() or x.is_floating_point())) for x in ins]
    tol = 1e-4 if ins[0].dtype == C64 else 1e-10
    try:
        outs = OPS[op](*xs)
    except Exception as e:
        lines.append("error %s %s" % (type(e).__name__, str(e).strip().split("\n")[0]))
        OUT.append("\n".join(lines))
        return
    check_values(op, ins, outs, tol)
    if op == "det_grad":
        assert_close(npy(outs[0]), npy(det_grad_exact(ins[0])), 1e-10, "det grad")
    lines += ["out%d %s" % (i, fmt_tensor(o)) for i, o in enumerate(outs)]
    fn = outs[0].grad_fn.name() if outs[0].grad_fn is not None else "None"
    # 2.x's spelling of 1.13's "torch::autograd::CopyBackwards" (matrix_power 0's copy_ into a clone)
    lines.append("fn " + fn.replace("torch::autograd::", ""))
    if grad:
        if op.startswith("lstsq") and ins[1].dim() == ins[0].dim() - 1:
            # 1.13's linalg_lstsq_backward fails on a vector B (IndexError); 2.x's turns it into a matrix and back, the
            # gradient of the same function, computed so here
            xs = [x.clone().requires_grad_(True) for x in ins]
            outs = OPS[op](xs[0], xs[1].unsqueeze(-1))
            outs = [outs[0].squeeze(-1)] + outs[1:]
        loss_of(op, outs).backward()
        for i, x in enumerate(xs):
            if x.grad is not None:
                if fd and x.dtype == C128 and x.numel() > 0:
                    num = fd_grad(op, [y.detach() for y in ins], i)
                    assert torch.allclose(x.grad, num, rtol=1e-5, atol=1e-6), (name, x.grad, num)
                lines.append("grad%d %s" % (i, fmt_tensor(x.grad)))
    OUT.append("\n".join(lines))


# svd: every shape, reduced and full; rank-deficient inputs without gradients (their null-space vectors are arbitrary)
case("svd square 3", "svd", crandn(3, 3), rank=3)
case("svd 1x1", "svd", crandn(1, 1), rank=1)
case("svd tall 5x3", "svd", crandn(5, 3), rank=3)
case("svd wide 2x4", "svd", crandn(2, 4), rank=2)
case("svd batch 2x3x2", "svd", crandn(2, 3, 2), rank=2)
case("svd batch wide 2x2x3", "svd", crandn(2, 2, 3), rank=2)
case("svd complex64 4x3", "svd", crandn(4, 3, dtype=C64), rank=3)
case("svd full tall 4x2", "svd_full", crandn(4, 2), rank=2)
case("svd full wide 2x3", "svd_full", crandn(2, 3), rank=2)
case("svd full square 3", "svd_full", crandn(3, 3), rank=3)
case("svd rank deficient 4x3 rank 1", "svd", low_rank(4, 3, 1), rank=1, grad=False)
case("svd rank deficient 3x5 rank 2", "svd_full", low_rank(3, 5, 2), rank=2, grad=False)
case("svd zero matrix", "svd", torch.zeros(2, 3, dtype=C128), rank=0, grad=False)
case("svd empty 0x2", "svd", crandn(0, 2), rank=0, grad=False)
case("svd empty full 3x0", "svd_full", crandn(3, 0), rank=0, grad=False)
case("svd nan", "svd", torch.tensor([[float("nan"), 1j], [1, 2]], dtype=C128))
case("svd batch nan", "svd", torch.stack([crandn(2, 2), torch.tensor([[1, float("nan")], [1j, 2]], dtype=C128)]))
case("svd 1-D", "svd", crandn(3))
case("svd int", "svd", torch.ones(2, 2, dtype=torch.int64))
case("svdvals 3x4", "svdvals", crandn(3, 4))
case("svdvals batch", "svdvals", crandn(2, 4, 2))
case("svdvals complex64", "svdvals", crandn(3, 3, dtype=C64))
case("svdvals rank deficient", "svdvals", low_rank(4, 4, 2), grad=False)
case("svd_uvh square", "svd_uvh", crandn(3, 3))
case("svd_uvh tall", "svd_uvh", crandn(4, 2))
case("svd_uvh wide", "svd_uvh", crandn(2, 4))
case("torch.svd tall", "torch_svd", crandn(4, 3), rank=3)
case("torch.svd wide", "torch_svd", crandn(2, 3), rank=2)
# pinv
case("pinv square", "pinv", crandn(3, 3))
case("pinv tall", "pinv", crandn(4, 2))
case("pinv wide", "pinv", crandn(2, 5))
case("pinv batch", "pinv", crandn(2, 3, 2))
case("pinv complex64", "pinv", crandn(3, 4, dtype=C64))
case("pinv rank deficient", "pinv", low_rank(4, 3, 2), grad=False)
case("pinv hermitian", "pinv_herm", crandn(3, 3))
case("pinv hermitian batch", "pinv_herm", crandn(2, 4, 4))
case("pinv atol cuts", "pinv_atol", crandn(4, 3), grad=False)
# matrix_rank
case("matrix_rank full", "matrix_rank", crandn(3, 4), grad=False)
case("matrix_rank deficient", "matrix_rank", low_rank(5, 4, 2), grad=False)
case("matrix_rank batch", "matrix_rank", torch.stack([low_rank(3, 3, 1), crandn(3, 3)]), grad=False)
case("matrix_rank complex64 deficient", "matrix_rank", low_rank(4, 4, 3).to(C64), grad=False)
case("matrix_rank atol", "matrix_rank_atol", crandn(4, 4), grad=False)
case("matrix_rank rtol", "matrix_rank_rtol", crandn(4, 4), grad=False)
case("matrix_rank hermitian", "matrix_rank_herm", low_rank(4, 4, 2), grad=False)
# lstsq (gelsy, CPU's default driver)
case("lstsq tall", "lstsq", crandn(5, 3), crandn(5, 2))
case("lstsq square", "lstsq", crandn(3, 3), crandn(3, 1))
case("lstsq wide", "lstsq", crandn(2, 4), crandn(2, 3))
case("lstsq vector", "lstsq", crandn(4, 2), crandn(4))
case("lstsq broadcast", "lstsq", crandn(2, 4, 3), crandn(1, 4, 2))
case("lstsq vector size mismatch", "lstsq", crandn(2, 4, 3), crandn(4, 2))
case("lstsq complex64", "lstsq", crandn(4, 3, dtype=C64), crandn(4, 2, dtype=C64))
case("lstsq dtype mismatch", "lstsq", crandn(3, 3), crandn(3, 1, dtype=C64))
# lstsq's drivers: the residuals (empty for gelsy, and for gelsd / gelss unless every matrix has full rank n < m), rank
# and singular values; rank-deficient inputs get the minimum-norm solution (checked against numpy's pinv)
D64 = torch.float64
for drv in ("gels", "gelsy", "gelsd", "gelss"):
    case("lstsq %s tall" % drv, "lstsq_" + drv, crandn(5, 3), crandn(5, 2))
    case("lstsq %s real tall" % drv, "lstsq_" + drv, torch.randn(4, 2, generator=G, dtype=D64),
         torch.randn(4, 3, generator=G, dtype=D64))
case("lstsq gelsd wide", "lstsq_gelsd", crandn(2, 4), crandn(2, 1))
case("lstsq gels wide", "lstsq_gels", crandn(2, 3), crandn(2, 2))
case("lstsq gelss vector", "lstsq_gelss", crandn(4, 2), crandn(4))
case("lstsq gelsd complex64 batch", "lstsq_gelsd", crandn(2, 4, 3, dtype=C64), crandn(2, 4, 1, dtype=C64))
for drv in ("gelsy", "gelsd", "gelss"):
    case("lstsq %s rank deficient" % drv, "lstsq_" + drv, low_rank(5, 3, 2), crandn(5, 2), grad=False)
case("lstsq gelsd batch one deficient", "lstsq_gelsd", torch.stack([crandn(4, 3), low_rank(4, 3, 1)]), crandn(2, 4, 2),
     grad=False)
case("lstsq gelsy real rank deficient", "lstsq_gelsy",
     torch.randn(5, 2, generator=G, dtype=D64) @ torch.randn(2, 4, generator=G, dtype=D64),
     torch.randn(5, 1, generator=G, dtype=D64), grad=False)
case("lstsq gelsd rcond", "lstsq_gelsd_rcond", crandn(4, 3) @ torch.diag(torch.tensor([1.0, 0.8, 0.01], dtype=C128)),
     crandn(4, 2), grad=False)
case("lstsq gels zero column", "lstsq_gels", crandn(4, 3) * torch.tensor([1, 0, 1], dtype=C128), crandn(4, 1))
case("lstsq gels batch zero column", "lstsq_gels", torch.stack([crandn(3, 2), crandn(3, 2) * torch.tensor([0, 1], dtype=C128)]),
     crandn(2, 3, 1))
case("lstsq unknown driver", "lstsq_bad_driver", crandn(3, 2), crandn(3, 1))
# matrix norms and cond (cond 1, inf, fro: through inv_ex filled in place, so a backward fails in PyTorch as in Ember)
case("matrix_norm nuc", "norm_nuc", crandn(3, 4))
case("matrix_norm nuc batch", "norm_nuc", crandn(2, 3, 3))
case("matrix_norm 2", "norm_2", crandn(4, 3))
case("matrix_norm -2", "norm_m2", crandn(3, 3))
case("matrix_norm 2 complex64", "norm_2", crandn(3, 3, dtype=C64))
case("cond 2", "cond_2", crandn(3, 3))
case("cond 2 tall", "cond_2", crandn(4, 2))
case("cond -2", "cond_m2", crandn(2, 3, 3))
case("cond nuc", "cond_nuc", crandn(3, 3))
case("cond 1", "cond_1", crandn(3, 3), grad=False)
case("cond inf", "cond_inf", crandn(3, 3), grad=False)
case("cond fro", "cond_fro", crandn(3, 3), grad=False)
# det's second-order gradient at singular matrices (linalg_det_backward's SVD path) and a regular one
# PyTorch's svd_backward assumes a complex A of full rank (its imaginary diagonal term divides by S), so at a singular
# complex matrix its second-order det gradient is not the derivative of the adjugate and not even stable: with the
# smallest singular value 1e-16 or 1e-14 (rounding) it moves from O(1) to O(1e10), and it is NaN where that value is
# exactly 0 (a singular matrix of real entries). These cases check the first gradient (differentiable, through the SVD:
# compared with the cofactor adjugate here) and its node, without second-order values
case("det grad singular rank 2", "det_grad", low_rank(3, 3, 2), grad=False)
case("det grad singular rank 1", "det_grad", low_rank(3, 3, 1), grad=False)
case("det grad singular real entries", "det_grad", real_low_rank(3, 2).to(C128), grad=False)
case("det grad regular", "det_grad", crandn(3, 3))
# a batch with a singular and a regular matrix: PyTorch's masked_fmap, the SVD for one and the solve with A^H for the other
case("det grad batch singular and regular", "det_grad", torch.stack([low_rank(3, 3, 2), crandn(3, 3)]), grad=False)
# the rest: matrix_exp (each degree of its Pade approximation by the 1-norm, and scaling and squaring), cholesky_solve
# and cholesky_inverse (lower and upper factors; only their triangle is read by LAPACK while the gradient formula is
# PyTorch's full one, so no finite differences there), matrix_power, multi_dot
for scale, label in ((0.005, "degree 1"), (0.05, "degree 2"), (0.2, "degree 4"), (0.5, "degree 8"), (1.0, "degree 12"),
                     (3.0, "scaled and squared")):
    case("matrix_exp " + label, "matrix_exp", crandn(3, 3) * scale)
case("matrix_exp batch", "matrix_exp", crandn(2, 3, 3))
case("matrix_exp 1x1", "matrix_exp", crandn(1, 1))
case("matrix_exp complex64", "matrix_exp", crandn(4, 4, dtype=C64) * 0.7)
case("matrix_exp non-square", "matrix_exp", crandn(2, 3))


def chol_factor(n, batch=(), upper=False):
    x = crandn(*batch, n, n)
    l = torch.linalg.cholesky(x @ x.mH + torch.eye(n))
    return l.mH if upper else l


case("cholesky_solve", "cholesky_solve", crandn(3, 2), chol_factor(3), fd=False)
case("cholesky_solve upper", "cholesky_solve_upper", crandn(3, 1), chol_factor(3, upper=True), fd=False)
case("cholesky_solve broadcast", "cholesky_solve", crandn(2, 3, 2), chol_factor(3), fd=False)
case("cholesky_solve complex64", "cholesky_solve", crandn(4, 2, dtype=C64), chol_factor(4).to(C64), fd=False)
case("cholesky_solve dtype mismatch", "cholesky_solve", crandn(3, 2, dtype=C64), chol_factor(3))
case("cholesky_inverse", "cholesky_inverse", chol_factor(3), fd=False)
case("cholesky_inverse upper", "cholesky_inverse_upper", chol_factor(4, upper=True), fd=False)
case("cholesky_inverse batch", "cholesky_inverse", chol_factor(2, batch=(2,)), fd=False)
case("matrix_power -1", "matrix_power_m1", crandn(3, 3))
case("matrix_power -3 batch", "matrix_power_m3", crandn(2, 3, 3))
case("matrix_power 0", "matrix_power_0", crandn(2, 2))
case("matrix_power 3", "matrix_power_3", crandn(3, 3))
case("matrix_power -1 singular", "matrix_power_m1", torch.tensor([[1 + 1j, 2 - 1j], [2 + 2j, 4 - 2j]], dtype=C128))
case("multi_dot", "multi_dot", crandn(2, 3), crandn(3, 4), crandn(4, 2))
case("multi_dot vectors", "multi_dot", crandn(3), crandn(3, 4), crandn(4, 2), crandn(2))
# householder_product and ormqr of geqrf's reflectors (H_i = I - tau_i v_i v_i^H; ormqr's transpose is the adjoint)
gq = torch.geqrf(crandn(4, 3))
case("householder_product", "householder_product", gq[0], gq[1])
case("householder_product two reflectors", "householder_product", gq[0], gq[1][:2])
# ormqr: 1.13 refuses autograd for complex outputs ("ormqr does not support automatic differentiation for outputs with
# complex dtype"); 2.x differentiates it (Ember's node too), so these cases are values only
case("ormqr", "ormqr", gq[0], gq[1], crandn(4, 2), grad=False)
case("ormqr right transpose", "ormqr_right_transpose", gq[0], gq[1], crandn(2, 4), grad=False)
with open(os.path.join(HERE, "expected.txt"), "w") as f:
    f.write("\n".join(OUT) + "\n")
print(len(OUT), "cases")
