# Writes expected.txt for SvdTest.java: singular values, gauge-invariant functions of the singular vectors, their
# gradients and grad_fn names, spectral/nuclear matrix norms, cond, matrix_rank and PyTorch's error messages.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13; where 2.x differs, the 2.x fact is written here
# with its source).
#
# U and Vh are unique only up to the sign of each singular pair, so (as PyTorch's own OpInfo tests) the cases compare
# S, |U[..., :k]|, |Vh[..., :k, :]| and U[..., :k] diag(c) Vh[..., :k, :] (invariant under those signs, for distinct
# singular values), not U and Vh element by element; SvdTest checks U diag(S) Vh = A and orthogonality itself.
#
# A case is "=== key" then "name value" lines: in<i>/shape<i>/dtype<i> (inputs, float64 repr of each element),
# out<j>/oshape<j>/node<j> (outputs), w<j> (output gradients), grad<i> (the inputs' gradients); an error case is
# "error <Type> <message>".
#
# Facts followed (PyTorch 2.x, aten/src/ATen/native/BatchLinearAlgebra.cpp and LinearAlgebra.cpp, FunctionsManual.cpp):
# - linalg.svd and linalg.svdvals both call _linalg_svd (svdvals with compute_uv = A requires grad): one node,
#   LinalgSvdBackward0, for U, S, Vh and for svdvals' S (1.13 prints the same, checked below).
# - NaN input: LAPACK >= 3.10 gesdd returns info = -4, which _linalg_check_errors turns into
#   "linalg.svd: The algorithm failed to converge because the input matrix contained non-finite values." (with
#   "(Batch element i): " for batches); the svd_errors cases below are 1.13's words, the same text. An infinite element
#   (no NaN) is not reported: S is NaN (LAPACK's scaling by an infinite norm); U and Vh are LAPACK's meaningless output
#   (Ember gives NaN there; the case compares S only).
# - full_matrices=True: derivatives.yaml narrows U, Vh and grad_U, grad_Vh to the first k = min(m, n) singular vectors
#   ("the gradients with respect to U[..., :, min(m, n):] and Vh[..., min(m, n):, :] will be ignored", torch.linalg.svd's
#   documentation); no error is raised (checked: svd_full_grad below).
# - matrix_norm(ord=2/-2) = amax/amin(svdvals(A.permute(backshift)), -1, keepdim) (+ unsqueeze(-1).permute when keepdim);
#   ord "nuc" = svdvals(...).sum(-1, keepdim) likewise (linalg_matrix_norm).
# - cond: p None/2/-2 through svdvals (s_max / s_min, narrow, div, squeeze); "nuc" as svdvals.sum * (1/svdvals).sum; other p
#   through linalg_inv_ex and matrix_norm, inf where the input is singular; empty input gives zeros.
# - matrix_rank: count of svdvals > max(atol, rtol * s_max), rtol default eps(dtype) * max(m, n) (0 when atol > 0 is given);
#   hermitian=True uses |eigvalsh| of the lower triangle.
import torch

torch.manual_seed(2024)
D = torch.float64
F = torch.float32


def rep(t):
    return repr(t.detach().to(torch.float64).reshape(-1).tolist())


def emit(key, lines):
    print("=== " + key)
    for name, value in lines:
        print(name, value)


def case(key, fn, *inputs, grad=True):
    xs = [x.detach().clone().requires_grad_(grad and x.is_floating_point()) for x in inputs]
    res = fn(*xs)
    outs = list(res) if isinstance(res, (tuple, list)) else [res]
    lines = []
    for i, x in enumerate(xs):
        lines += [("in%d" % i, rep(x)), ("shape%d" % i, repr(list(x.shape))), ("dtype%d" % i, str(x.dtype))]
    for j, o in enumerate(outs):
        node = o.grad_fn.name() if o.grad_fn is not None else "None"
        lines += [("out%d" % j, rep(o)), ("oshape%d" % j, repr(list(o.shape))), ("node%d" % j, node),
                  ("otype%d" % j, str(o.dtype))]
    if grad:
        diff = [o for o in outs if o.requires_grad]
        ws = [torch.randn(o.shape, dtype=o.dtype) for o in diff]
        wanted = [x for x in xs if x.requires_grad]
        gs = torch.autograd.grad(diff, wanted, ws, allow_unused=True)
        for j, w in enumerate(ws):
            lines.append(("w%d" % j, rep(w)))
        k = 0
        for i, x in enumerate(xs):
            if x.requires_grad:
                g = gs[k]
                k += 1
                lines.append(("grad%d" % i, rep(g) if g is not None else "None"))
    emit(key, lines)


def err(key, fn):
    try:
        fn()
        print("=== " + key)
        print("value none")
    except Exception as e:
        msg = str(e).split("\nException raised from")[0].split("\n")[0]
        kind = "IndexError" if isinstance(e, IndexError) else "RuntimeError"
        print("=== " + key)
        print("error", kind, msg)


def r(*shape, dtype=D):
    return torch.randn(*shape, dtype=dtype)


def invariant(full):
    # |U_k|, S, |Vh_k|, U_k diag(c) Vh_k for a fixed c: sign-invariant functions of the decomposition
    def f(a):
        u, s, vh = torch.linalg.svd(a, full_matrices=full)
        k = s.shape[-1]
        uk = u[..., :k]
        vk = vh[..., :k, :]
        c = torch.arange(1, k + 1, dtype=a.dtype)
        return uk.abs(), s, vk.abs(), (uk * c) @ vk
    return f


def with_singular_values(m, n, values, batch=(), dtype=D):
    k = min(m, n)
    q1, _ = torch.linalg.qr(torch.randn(*batch, m, m, dtype=D))
    q2, _ = torch.linalg.qr(torch.randn(*batch, n, n, dtype=D))
    s = torch.zeros(*batch, m, n, dtype=D)
    s[..., range(k), range(k)] = torch.tensor(values, dtype=D)
    return (q1 @ s @ q2).to(dtype)


# ---------------------------------------------------------------- svdvals
case("svdvals_square", torch.linalg.svdvals, r(4, 4))
case("svdvals_tall", torch.linalg.svdvals, r(5, 3))
case("svdvals_wide", torch.linalg.svdvals, r(3, 5))
case("svdvals_batch", torch.linalg.svdvals, r(2, 3, 4, 3))
case("svdvals_f32", torch.linalg.svdvals, r(4, 4, dtype=F))
case("svdvals_f32_tall", torch.linalg.svdvals, r(7, 4, dtype=F))
case("svdvals_1x1", torch.linalg.svdvals, r(1, 1))
case("svdvals_row", torch.linalg.svdvals, r(1, 6))
case("svdvals_rank1", torch.linalg.svdvals, r(4, 1) @ r(1, 3), grad=False)
case("svdvals_rank2_f32", torch.linalg.svdvals, (r(6, 2) @ r(2, 5)).float(), grad=False)
case("svdvals_repeated", torch.linalg.svdvals, with_singular_values(4, 4, [3.0, 2.0, 2.0, 1.0]), grad=False)
case("svdvals_zero", torch.linalg.svdvals, torch.zeros(3, 2, dtype=D), grad=False)
case("svdvals_large", torch.linalg.svdvals, r(12, 9) * 1e150, grad=False)
case("svdvals_tiny", torch.linalg.svdvals, r(5, 5) * 1e-150, grad=False)
case("svdvals_graded", torch.linalg.svdvals, with_singular_values(5, 4, [1e3, 1.0, 1e-3, 1e-8]), grad=False)
case("svdvals_inf", torch.linalg.svdvals, torch.tensor([[1.0, float("inf")], [2.0, 3.0]], dtype=D), grad=False)
for key, shape in [("svdvals_empty_0x3", (0, 3)), ("svdvals_empty_3x0", (3, 0)), ("svdvals_empty_batch", (2, 0, 3)),
                   ("svdvals_empty_batch0", (0, 2, 3))]:
    case(key, torch.linalg.svdvals, torch.zeros(*shape, dtype=D), grad=False)

# ---------------------------------------------------------------- svd (gauge-invariant outputs)
case("svd_square", invariant(False), r(4, 4))
case("svd_tall", invariant(False), r(5, 3))
case("svd_wide", invariant(False), r(3, 5))
case("svd_batch", invariant(False), r(2, 3, 4))
case("svd_f32", invariant(False), r(5, 4, dtype=F))
case("svd_full_tall", invariant(True), r(5, 3))
case("svd_full_wide", invariant(True), r(2, 4))
case("svd_full_batch", invariant(True), r(3, 3, 2))


def u_only(a):
    u, s, vh = torch.linalg.svd(a, full_matrices=False)
    return (u * torch.arange(1, s.shape[-1] + 1, dtype=a.dtype)) @ u.mT


def vh_only(a):
    u, s, vh = torch.linalg.svd(a, full_matrices=False)
    return vh.mT @ (vh * torch.arange(1, s.shape[-1] + 1, dtype=a.dtype).unsqueeze(-1))


case("svd_u_only_tall", u_only, r(5, 3))
case("svd_u_only_wide", u_only, r(3, 5))
case("svd_vh_only_tall", vh_only, r(5, 3))
case("svd_vh_only_wide", vh_only, r(3, 5))
# full_matrices: only U's extra columns reached by the gradient: ignored (zero gradient), no error
# (through the projector onto their span, which does not depend on the basis LAPACK picks)
case("svd_full_grad", lambda a: (lambda e: e @ e.mT)(torch.linalg.svd(a, full_matrices=True)[0][..., 3:]), r(5, 3))

# ---------------------------------------------------------------- shapes of empty decompositions
for key, shape, full in [("svd_empty_0x3_full", (0, 3), True), ("svd_empty_3x0_full", (3, 0), True),
                         ("svd_empty_3x0", (3, 0), False), ("svd_empty_batch", (2, 0, 2), True)]:
    u, s, vh = torch.linalg.svd(torch.zeros(*shape, dtype=D), full_matrices=full)
    emit(key, [("u", rep(u)), ("ushape", repr(list(u.shape))), ("sshape", repr(list(s.shape))), ("vh", rep(vh)),
               ("vhshape", repr(list(vh.shape)))])

# repeated singular values: svdvals' gradient (U diag(gS) Vh) stays finite; a function of U is not (0 / 0 in E)
a = torch.eye(3, dtype=D).requires_grad_(True)
torch.linalg.svdvals(a).sum().backward()
emit("repeated_svdvals_grad", [("grad", rep(a.grad))])
a = torch.eye(3, dtype=D).requires_grad_(True)
u, s, vh = torch.linalg.svd(a)
(u @ vh * torch.arange(9, dtype=D).reshape(3, 3)).sum().backward()
emit("repeated_uv_grad", [("finite", repr(bool(torch.isfinite(a.grad).all())))])

# ---------------------------------------------------------------- matrix norms
mn = torch.linalg.matrix_norm
case("mnorm_2", lambda a: mn(a, 2), r(4, 3))
case("mnorm_neg2", lambda a: mn(a, -2), r(3, 5))
case("mnorm_nuc", lambda a: mn(a, "nuc"), r(4, 4))
case("mnorm_2_batch", lambda a: mn(a, 2), r(2, 3, 3))
case("mnorm_2_dims_keepdim", lambda a: mn(a, 2, dim=(2, 0), keepdim=True), r(3, 2, 4))
case("mnorm_neg2_dims", lambda a: mn(a, -2, dim=(0, 2)), r(3, 2, 4))
case("mnorm_nuc_dims_keepdim", lambda a: mn(a, "nuc", dim=(0, 1), keepdim=True), r(3, 4, 2))
case("mnorm_nuc_keepdim", lambda a: mn(a, "nuc", keepdim=True), r(2, 3, 4))
case("mnorm_nuc_f32", lambda a: mn(a, "nuc"), r(5, 3, dtype=F))
case("mnorm_2_f32", lambda a: mn(a, 2), r(3, 3, dtype=F))
case("norm_nuc", lambda a: torch.norm(a, p="nuc"), r(4, 3))
case("norm_nuc_dims", lambda a: torch.norm(a, p="nuc", dim=(1, 2), keepdim=True), r(2, 4, 3))

# ---------------------------------------------------------------- cond
cond = torch.linalg.cond
case("cond_default", cond, r(4, 4))
case("cond_2_wide", lambda a: cond(a, 2), r(3, 5))
case("cond_neg2_batch", lambda a: cond(a, -2), r(2, 4, 3))
case("cond_nuc", lambda a: cond(a, "nuc"), r(3, 3))
case("cond_fro", lambda a: cond(a, "fro"), r(3, 3), grad=False)
case("cond_1", lambda a: cond(a, 1), r(2, 3, 3), grad=False)
case("cond_neg1", lambda a: cond(a, -1), r(3, 3), grad=False)
case("cond_inf", lambda a: cond(a, float("inf")), r(4, 4), grad=False)
case("cond_neginf", lambda a: cond(a, -float("inf")), r(4, 4), grad=False)
# the p in (fro, 1, -1, inf, -inf) path writes into linalg_inv_ex's output in place (masked_fill_), so its backward
# raises "one of the variables needed for gradient computation has been modified by an inplace operation" (1.13 and 2.x);
# the node of its result (nan_to_num_ in place on the product of the norms):
a = r(3, 3).requires_grad_(True)
emit("cond_1_node", [("node", cond(a, 1).grad_fn.name()), ("node_fro", cond(a, "fro").grad_fn.name())])
case("cond_f32", cond, r(4, 4, dtype=F))
case("cond_singular_1", lambda a: cond(a, 1), torch.tensor([[1.0, 2.0], [2.0, 4.0]], dtype=D), grad=False)
case("cond_singular_batch_fro", lambda a: cond(a, "fro"), torch.stack([torch.eye(2, dtype=D),
     torch.tensor([[1.0, 2.0], [2.0, 4.0]], dtype=D)]), grad=False)
# (cond(A) of an exactly singular A is s_max / s_min with s_min LAPACK's rounding noise, 4.8e16 here: SvdTest asserts only
# that it is huge or inf, as Ember's Jacobi may find the exact zero)
case("cond_empty", cond, torch.zeros(2, 0, 0, dtype=D), grad=False)
case("cond_empty_1", lambda a: cond(a, 1), torch.zeros(0, 0, dtype=D), grad=False)

# ---------------------------------------------------------------- matrix_rank
mr = torch.linalg.matrix_rank
case("rank_full", mr, r(4, 3), grad=False)
case("rank_deficient", mr, r(5, 2) @ r(2, 4), grad=False)
case("rank_batch", mr, torch.stack([r(3, 1) @ r(1, 3), r(3, 3), torch.zeros(3, 3, dtype=D)]), grad=False)
case("rank_f32", mr, (r(6, 3) @ r(3, 6)).float(), grad=False)
case("rank_atol", lambda a: mr(a, atol=1.0), with_singular_values(4, 4, [3.0, 2.0, 0.5, 0.1]), grad=False)
case("rank_rtol", lambda a: mr(a, rtol=0.1), with_singular_values(4, 4, [3.0, 2.0, 0.5, 0.1]), grad=False)
case("rank_atol_rtol", lambda a: mr(a, atol=0.05, rtol=0.5), with_singular_values(4, 4, [3.0, 2.0, 0.5, 0.1]), grad=False)
case("rank_atol_zero", lambda a: mr(a, atol=0.0), with_singular_values(4, 4, [3.0, 2.0, 1e-17, 0]), grad=False)
case("rank_tol_edge", mr, with_singular_values(3, 3, [1.0, 1e-14, 1e-17]), grad=False)
sym = r(4, 4)
case("rank_hermitian", lambda a: mr(a, hermitian=True), (sym @ sym.mT)[..., :, :3] @ (sym @ sym.mT)[..., :3, :] * 0 +
     with_singular_values(4, 4, [2.0, 1.0, 0.0, 0.0]) @ with_singular_values(4, 4, [2.0, 1.0, 0.0, 0.0]).mT, grad=False)
lower = torch.tril(r(4, 4))
case("rank_hermitian_lower", lambda a: mr(a, hermitian=True), lower, grad=False)
case("rank_empty", mr, torch.zeros(2, 0, 3, dtype=D), grad=False)

# ---------------------------------------------------------------- pinv (one node, LinalgPinvBackward0: pinv_backward)
pinv = torch.linalg.pinv
case("pinv_tall", pinv, r(5, 3))
case("pinv_wide", pinv, r(2, 4))
case("pinv_batch", pinv, r(2, 3, 3))
case("pinv_f32", pinv, r(4, 3, dtype=F))
case("pinv_rank1", pinv, r(4, 1) @ r(1, 3), grad=False)
case("pinv_rank2_batch", pinv, r(2, 5, 2) @ r(2, 2, 4), grad=False)
case("pinv_zero", pinv, torch.zeros(3, 2, dtype=D), grad=False)
case("pinv_atol", lambda a: pinv(a, atol=0.3), with_singular_values(4, 3, [2.0, 1.0, 0.2]), grad=False)
case("pinv_rtol", lambda a: pinv(a, rtol=0.4), with_singular_values(3, 4, [2.0, 1.0, 0.5]), grad=False)
case("pinv_hermitian", lambda a: pinv(a, hermitian=True), (lambda q: q @ torch.diag(torch.tensor([3.0, -2.0, 0.5, 0.0],
     dtype=D)) @ q.mT)(torch.linalg.qr(r(4, 4))[0]), grad=False)
sym3 = r(3, 3)
case("pinv_hermitian_grad", lambda a: pinv(a, hermitian=True), sym3 + sym3.mT + 4 * torch.eye(3, dtype=D))
case("pinv_empty", pinv, torch.zeros(2, 0, 3, dtype=D), grad=False)
lsa, lsb = r(3, 5), r(3, 2)
# lstsq's backward goes through linalg.pinv (linalg_lstsq_backward)
case("lstsq_wide_grad", lambda a, b: torch.linalg.lstsq(a, b).solution, lsa, lsb)

# ---------------------------------------------------------------- eigh and eigvalsh (LinalgEighBackward0)


def eigh_invariant(uplo):
    # L, |V|, V diag(c) V^T: independent of each eigenvector's sign for distinct eigenvalues
    def f(a):
        l, v = torch.linalg.eigh(a, UPLO=uplo)
        c = torch.arange(1, l.shape[-1] + 1, dtype=a.dtype)
        return l, v.abs(), (v * c) @ v.mT
    return f


def symm(*shape, dtype=D):
    a = torch.randn(*shape, dtype=D)
    return (a + a.mT).to(dtype)


case("eigvalsh", torch.linalg.eigvalsh, symm(4, 4))
case("eigvalsh_batch", torch.linalg.eigvalsh, symm(2, 3, 3))
case("eigvalsh_f32", torch.linalg.eigvalsh, symm(5, 5, dtype=F))
case("eigvalsh_lower_only", torch.linalg.eigvalsh, r(4, 4))
case("eigvalsh_upper", lambda a: torch.linalg.eigvalsh(a, UPLO="U"), r(4, 4))
case("eigvalsh_repeated", torch.linalg.eigvalsh, (lambda q: q @ torch.diag(torch.tensor([1.0, 2.0, 2.0, -1.0],
     dtype=D)) @ q.mT)(torch.linalg.qr(r(4, 4))[0]), grad=False)
case("eigvalsh_1x1", torch.linalg.eigvalsh, r(1, 1))
case("eigvalsh_empty", torch.linalg.eigvalsh, torch.zeros(2, 0, 0, dtype=D), grad=False)
case("eigh", eigh_invariant("L"), symm(4, 4))
case("eigh_batch", eigh_invariant("L"), symm(3, 3, 3))
case("eigh_upper", eigh_invariant("U"), r(3, 3))
case("eigh_lower_only", eigh_invariant("L"), r(3, 3))
case("eigh_f32", eigh_invariant("L"), symm(4, 4, dtype=F))
case("eigh_vectors_only", lambda a: (lambda v: (v * torch.arange(1, 4, dtype=D)) @ v.mT)(torch.linalg.eigh(a)[1]), symm(3, 3))
case("eigh_values_only", lambda a: torch.linalg.eigh(a)[0], symm(3, 3))

# ---------------------------------------------------------------- errors
nanm = torch.tensor([[1.0, float("nan")], [0.0, 1.0]], dtype=D)
err("svd_1d", lambda: torch.linalg.svd(torch.ones(3)))
err("svd_long", lambda: torch.linalg.svd(torch.ones(2, 2, dtype=torch.int64)))
err("svdvals_1d", lambda: torch.linalg.svdvals(torch.ones(3)))
err("svdvals_long", lambda: torch.linalg.svdvals(torch.ones(2, 2, dtype=torch.int64)))
err("svd_nan", lambda: torch.linalg.svd(nanm))
err("svdvals_nan", lambda: torch.linalg.svdvals(nanm))
err("svd_nan_batch", lambda: torch.linalg.svd(torch.stack([torch.eye(2, dtype=D), nanm])))
err("mnorm_2_long", lambda: mn(torch.ones(2, 2, dtype=torch.int64), 2))
err("mnorm_nuc_1d", lambda: mn(torch.ones(3), "nuc"))
err("mnorm_nuc_same_dims", lambda: mn(torch.ones(3, 3), "nuc", dim=(1, -1)))
err("mnorm_3", lambda: mn(torch.ones(3, 3), 3))
err("mnorm_2_nan", lambda: mn(nanm, 2))
err("cond_1d", lambda: cond(torch.ones(3)))
err("cond_bad_ord", lambda: cond(torch.ones(3, 3), 3))
err("cond_bad_str", lambda: cond(torch.ones(3, 3), "foo"))
err("cond_nonsquare_1", lambda: cond(torch.ones(2, 3), 1))
err("cond_nonsquare_inf", lambda: cond(torch.ones(2, 3), float("inf")))
err("cond_nonsquare_fro", lambda: cond(torch.ones(2, 3), "fro"))
err("cond_long", lambda: cond(torch.ones(2, 2, dtype=torch.int64)))
err("rank_1d", lambda: mr(torch.ones(3)))
err("rank_long", lambda: mr(torch.ones(2, 2, dtype=torch.int64)))
err("pinv_1d", lambda: pinv(torch.ones(3)))
err("pinv_long", lambda: pinv(torch.ones(2, 2, dtype=torch.int64)))
err("eigh_nonsquare", lambda: torch.linalg.eigh(torch.ones(2, 3)))
err("eigh_uplo", lambda: torch.linalg.eigh(torch.ones(3, 3), UPLO="X"))
err("eigh_uplo_long", lambda: torch.linalg.eigh(torch.ones(3, 3), UPLO="LL"))
err("eigvalsh_1d", lambda: torch.linalg.eigvalsh(torch.ones(3)))
# 2.x: _linalg_eigh's meta checks only squareness and UPLO; the CPU kernel's dispatch names the type (1.13 the same)
err("eigvalsh_long", lambda: torch.linalg.eigvalsh(torch.ones(3, 3, dtype=torch.int64)))
err("rank_hermitian_nonsquare", lambda: mr(torch.ones(2, 3), hermitian=True))
