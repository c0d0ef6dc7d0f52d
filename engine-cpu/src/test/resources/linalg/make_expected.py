# Writes expected.txt for LinalgTest.java: values, gradients, grad_fn names and error messages of Ember's linear algebra
# (mv, addmm, addmv, addbmm, baddbmm, tensordot, cross, matmul's nodes, linalg inv/solve/det/slogdet/cholesky/qr/lstsq).
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13; where 2.x differs, the 2.x fact is written in
# OVERRIDE_2X below with its source, and printed instead).
#
# A case is "=== key" followed by lines "name value": in<i>/shape<i>/dtype<i> for the inputs (float64 repr of each
# element, exact for float32 too), out<j>/oshape<j>/node<j> for the outputs, w<j> for the output gradients and grad<i>
# for the inputs' gradients (torch.autograd.grad); an error case is "error <Type> <message>".
import torch

torch.manual_seed(1234)
D = torch.float64
F = torch.float32


def rep(t):
    return repr(t.detach().to(torch.float64).reshape(-1).tolist())


def emit(key, lines):
    print("=== " + key)
    for name, value in lines:
        print(name, value)


def case(key, fn, *inputs, grad=True, outputs=None):
    xs = [x.detach().clone().requires_grad_(grad and x.is_floating_point()) for x in inputs]
    res = fn(*xs)
    outs = list(res) if isinstance(res, (tuple, list)) else [res]
    lines = []
    for i, x in enumerate(xs):
        lines += [("in%d" % i, rep(x)), ("shape%d" % i, repr(list(x.shape))), ("dtype%d" % i, str(x.dtype))]
    for j, o in enumerate(outs):
        node = o.grad_fn.name() if o.grad_fn is not None else "None"
        node = OVERRIDE_2X.get((key, j), node)
        lines += [("out%d" % j, rep(o)), ("oshape%d" % j, repr(list(o.shape))), ("node%d" % j, node)]
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
        print("error RuntimeError " + ERRORS_2X[key] if key in ERRORS_2X else "value none")
    except Exception as e:
        msg = str(e).split("\nException raised from")[0].split("\n")[0]
        msg = ERRORS_2X.get(key, msg)
        kind = "IndexError" if isinstance(e, IndexError) else "RuntimeError"
        print("=== " + key)
        print("error", kind, msg)


def r(*shape, dtype=D):
    return torch.randn(*shape, dtype=dtype)


def spd(n, batch=(), dtype=D):
    a = torch.randn(*batch, n, n, dtype=D)
    return (a @ a.mT + n * torch.eye(n, dtype=D)).to(dtype)


# grad_fn names where PyTorch 2.x records another node than 1.13
OVERRIDE_2X = {
    # 2.x derivatives.yaml lists squeeze, squeeze.dim, squeeze.dims, squeeze_, squeeze_.dim, squeeze_.dims: matmul's
    # tensor1.unsqueeze(0).mm(tensor2).squeeze_(0) records SqueezeBackward4 (1.13, without squeeze.dims: 3)
    ("matmul_1d_2d", 0): "SqueezeBackward4",
    # 2.x removed _reshape_alias from autograd: tensordot's mm(t1, t2).reshape(rsizes) of a contiguous result is a view
    ("tensordot_int", 0): "ViewBackward0",
    ("tensordot_pairs", 0): "ViewBackward0",
    ("tensordot_broadcast", 0): "ViewBackward0",
    # _matmul_impl: a [1, n, m] batch that requires grad against a larger batch is squeezed and folded (2-D @ 3-D:
    # mm, then output.mT().contiguous()), where 1.13 broadcast it through bmm
    ("matmul_3d_3d_bcast_grad", 0): "CloneBackward0",
}

# messages where PyTorch 2.x words an error differently than 1.13 (source in the comment)
ERRORS_2X = {
    # addmv's meta (Blas.cpp), which mv and matmul reach: "size mismatch, got input (", self.size(0), "), mat (", ...
    "mv_size": "size mismatch, got input (2), mat (2x3), vec (4)",
    "addmv_size": "size mismatch, got input (2), mat (2x3), vec (4)",
    "addmv_bias": "size mismatch, got input (3), mat (2x3), vec (3)",
    # ADDMM_META (LinearAlgebra.cpp): "self and mat2 must have the same dtype, but got ", self.scalar_type(), " and ", ...
    "addmm_dtype_self": "self and mat2 must have the same dtype, but got Float and Double",
    "addmm_dtype_mat1": "mat1 and mat2 must have the same dtype, but got Float and Double",
    # TORCH_META_FUNC(baddbmm): "Input dtypes must be the same, got: input ", self.dtype(), ", batch1: ", ...
    "baddbmm_dtype": "Input dtypes must be the same, got: input double, batch1: float, batch2: float",
    # Linear.cpp tensordot: TORCH_CHECK(input1.scalar_type() == input2.scalar_type(), "both inputs should have same dtype")
    "tensordot_dtype": "both inputs should have same dtype",
    # linalg_cross meta prints the dim as given
    "cross_neg_dim_size": "linalg.cross: inputs dimension -1 must have length 3. Got 4 and 4",
}

# ---------------------------------------------------------------- products
case("mv", torch.mv, r(3, 4), r(4))
case("mv_noncontig", lambda m, v: torch.mv(m.t(), v), r(4, 3), r(4))
case("addmm", torch.addmm, r(2, 4), r(2, 3), r(3, 4))
case("addmm_beta_alpha", lambda s, a, b: torch.addmm(s, a, b, beta=0.5, alpha=-2.0), r(4), r(2, 3), r(3, 4))
case("addmm_beta0", lambda s, a, b: torch.addmm(s, a, b, beta=0.0), r(2, 4), r(2, 3), r(3, 4))
case("addmm_f32", torch.addmm, r(1, 4, dtype=F), r(5, 3, dtype=F), r(3, 4, dtype=F))
case("addmv", lambda s, m, v: torch.addmv(s, m, v, beta=2.0, alpha=0.5), r(3), r(3, 4), r(4))
case("addmv_scalar_self", torch.addmv, r(1), r(3, 4), r(4))
case("addbmm", lambda s, a, b: torch.addbmm(s, a, b, beta=0.5, alpha=1.5), r(2, 4), r(3, 2, 5), r(3, 5, 4))
case("addbmm_bcast", torch.addbmm, r(4), r(3, 2, 5), r(3, 5, 4))
case("baddbmm", lambda s, a, b: torch.baddbmm(s, a, b, beta=-1.0, alpha=2.0), r(3, 2, 4), r(3, 2, 5), r(3, 5, 4))
case("baddbmm_bcast", torch.baddbmm, r(2, 1), r(3, 2, 5), r(3, 5, 4))
case("tensordot_int", lambda a, b: torch.tensordot(a, b, dims=2), r(2, 3, 4), r(3, 4, 5))
case("tensordot_pairs", lambda a, b: torch.tensordot(a, b, dims=([0, 2], [2, 0])), r(3, 2, 4), r(4, 5, 3))
case("tensordot_broadcast", lambda a, b: torch.tensordot(a, b, dims=([1], [0])), r(2, 1), r(3, 4))
case("cross", lambda a, b: torch.linalg.cross(a, b), r(4, 3), r(4, 3))
case("cross_dim0", lambda a, b: torch.cross(a, b, dim=0), r(3, 5), r(3, 5))
case("cross_bcast", lambda a, b: torch.linalg.cross(a, b, dim=1), r(1, 3, 2), r(4, 3, 2))
case("cross_long", lambda a, b: torch.linalg.cross(a, b), torch.tensor([[1, 2, 3]]), torch.tensor([[4, 5, 7]]), grad=False)
case("matmul_1d_2d", torch.matmul, r(3), r(3, 4))
case("matmul_2d_1d", torch.matmul, r(3, 4), r(4))
case("matmul_3d_2d", torch.matmul, r(2, 3, 4), r(4, 5))
case("matmul_3d_1d", torch.matmul, r(2, 3, 4), r(4))
case("matmul_1d_3d", torch.matmul, r(3), r(2, 3, 4))
case("matmul_2d_3d", torch.matmul, r(3, 4), r(2, 4, 5))
case("matmul_3d_3d", torch.matmul, r(2, 3, 4), r(2, 4, 5))
case("matmul_4d_3d", torch.matmul, r(2, 1, 3, 4), r(3, 4, 2))
case("matmul_3d_3d_bcast_grad", torch.matmul, r(1, 3, 4), r(2, 4, 5))
case("linear_2d", torch.nn.functional.linear, r(3, 4), r(5, 4), r(5))
case("linear_3d", torch.nn.functional.linear, r(2, 3, 4), r(5, 4), r(5))
case("linear_nobias", torch.nn.functional.linear, r(3, 4), r(5, 4))
case("linear_3d_nobias", torch.nn.functional.linear, r(2, 3, 4), r(5, 4))

# ---------------------------------------------------------------- decompositions
case("inv", torch.linalg.inv, r(3, 3))
case("inv_batch", torch.linalg.inv, r(2, 3, 3))
case("inv_f32", torch.linalg.inv, r(4, 4, dtype=F))
case("inv_1x1", torch.linalg.inv, r(1, 1))
case("inv_pivot", torch.linalg.inv, torch.tensor([[0.0, 2.0, 1.0], [1.0, 0.0, 3.0], [4.0, 1.0, 0.0]], dtype=D))
case("solve_vec", torch.linalg.solve, r(3, 3), r(3))
case("solve_mat", torch.linalg.solve, r(3, 3), r(3, 2))
case("solve_batch_vec", torch.linalg.solve, r(2, 3, 3), r(2, 3))
case("solve_bcast", torch.linalg.solve, r(2, 1, 3, 3), r(4, 3, 2))
case("solve_bcast_vec", torch.linalg.solve, r(2, 3, 3), r(3))
case("solve_f32", torch.linalg.solve, r(4, 4, dtype=F), r(4, 3, dtype=F))
case("det", torch.linalg.det, r(3, 3))
case("det_batch", torch.linalg.det, r(2, 4, 4))
case("det_f32", torch.linalg.det, r(5, 5, dtype=F))
case("det_singular", torch.linalg.det, torch.tensor([[1.0, 2.0], [2.0, 4.0]], dtype=D))
case("det_1x1", torch.linalg.det, r(1, 1))
case("det_0x0", torch.linalg.det, torch.zeros(0, 0, dtype=D), grad=False)
case("det_batch_0x0", torch.linalg.det, torch.zeros(3, 0, 0, dtype=D), grad=False)
case("slogdet", torch.linalg.slogdet, torch.tensor([[0.0, 2.0, 1.0], [1.0, 0.0, 3.0], [4.0, 1.0, 0.0]], dtype=D))
case("slogdet_batch", torch.linalg.slogdet, r(3, 3, 3))
case("slogdet_f32", torch.linalg.slogdet, r(4, 4, dtype=F))
case("slogdet_singular", torch.linalg.slogdet, torch.tensor([[1.0, 2.0], [2.0, 4.0]], dtype=D), grad=False)
case("cholesky", torch.linalg.cholesky, spd(3))
case("cholesky_upper", lambda a: torch.linalg.cholesky(a, upper=True), spd(4))
case("cholesky_batch", torch.linalg.cholesky, spd(3, (2,)))
case("cholesky_f32", torch.linalg.cholesky, spd(5, dtype=F))
case("cholesky_lower_only", torch.linalg.cholesky, spd(3) + torch.triu(torch.ones(3, 3, dtype=D), 1), grad=False)
case("cholesky_upper_only", lambda a: torch.linalg.cholesky(a, upper=True),
     spd(3) + torch.tril(torch.ones(3, 3, dtype=D), -1), grad=False)
case("qr_tall", torch.linalg.qr, r(5, 3))
case("qr_wide", torch.linalg.qr, r(3, 5))
case("qr_square", torch.linalg.qr, r(4, 4))
case("qr_batch", torch.linalg.qr, r(2, 4, 3))
case("qr_f32", torch.linalg.qr, r(6, 4, dtype=F))
case("qr_complete_tall", lambda a: torch.linalg.qr(a, mode="complete"), r(5, 3), grad=False)
case("qr_complete_wide", lambda a: torch.linalg.qr(a, mode="complete"), r(3, 5))
case("qr_r", lambda a: torch.linalg.qr(a, mode="r")[1], r(5, 3), grad=False)
case("qr_zero_column", torch.linalg.qr, torch.tensor([[1.0, 0.0, 2.0], [2.0, 0.0, 1.0], [0.0, 0.0, 3.0]], dtype=D),
     grad=False)
case("lstsq_tall", lambda a, b: torch.linalg.lstsq(a, b).solution, r(5, 3), r(5, 2))
# 1.13's lstsq backward fails for a vector B (IndexError in linalg_lstsq_backward); LinalgTest gradchecks it instead
case("lstsq_vec", lambda a, b: torch.linalg.lstsq(a, b).solution, r(5, 3), r(5), grad=False)
case("lstsq_wide", lambda a, b: torch.linalg.lstsq(a, b, driver="gelsd").solution, r(3, 5), r(3, 2))
case("lstsq_batch", lambda a, b: torch.linalg.lstsq(a, b).solution, r(2, 5, 3), r(2, 5, 2))
case("lstsq_square", lambda a, b: torch.linalg.lstsq(a, b).solution, r(3, 3), r(3, 1))

# ---------------------------------------------------------------- errors
o = lambda *s, dtype=F: torch.ones(*s, dtype=dtype)
err("mv_size", lambda: torch.mv(o(2, 3), o(4)))
err("mv_dim", lambda: torch.mv(o(2, 3, 1), o(4)))
err("mv_vec_dim", lambda: torch.mv(o(2, 3), o(3, 1)))
err("mv_dtype", lambda: torch.mv(o(2, 3), o(3, dtype=D)))
err("mv_bool", lambda: torch.mv(o(2, 3).bool(), o(3).bool()))
err("addmm_shape", lambda: torch.addmm(o(2, 2), o(2, 3), o(4, 2)))
err("addmm_bias", lambda: torch.addmm(o(3, 2), o(2, 3), o(3, 2)))
err("addmm_mat1_dim", lambda: torch.addmm(o(2, 2), o(2, 3, 1), o(3, 2)))
err("addmm_mat2_dim", lambda: torch.addmm(o(2, 2), o(2, 3), o(3)))
err("addmm_dtype_self", lambda: torch.addmm(o(2, 2), o(2, 3, dtype=D), o(3, 2, dtype=D)))
err("addmm_dtype_mat1", lambda: torch.addmm(o(2, 2, dtype=D), o(2, 3), o(3, 2, dtype=D)))
err("addmv_size", lambda: torch.addmv(o(2), o(2, 3), o(4)))
err("addmv_bias", lambda: torch.addmv(o(3), o(2, 3), o(3)))
err("addbmm_inner", lambda: torch.addbmm(o(2, 2), o(3, 2, 3), o(3, 4, 2)))
err("addbmm_batch", lambda: torch.addbmm(o(2, 2), o(3, 2, 3), o(4, 3, 2)))
err("addbmm_dim", lambda: torch.addbmm(o(2, 2), o(2, 3), o(3, 2)))
err("addbmm_bias", lambda: torch.addbmm(o(3, 2), o(3, 2, 3), o(3, 3, 2)))
err("baddbmm_inner", lambda: torch.baddbmm(o(2, 2), o(3, 2, 3), o(3, 4, 2)))
err("baddbmm_batch", lambda: torch.baddbmm(o(2, 2), o(3, 2, 3), o(4, 3, 2)))
err("baddbmm_dim", lambda: torch.baddbmm(o(2, 2), o(2, 3), o(3, 2)))
err("baddbmm_bias", lambda: torch.baddbmm(o(3, 2), o(3, 2, 3), o(3, 3, 2)))
err("baddbmm_dtype", lambda: torch.baddbmm(o(3, 2, 2, dtype=D), o(3, 2, 3), o(3, 3, 2)))
err("tensordot_len", lambda: torch.tensordot(o(2, 3), o(3, 2), dims=([0, 1], [0])))
err("tensordot_size", lambda: torch.tensordot(o(2, 3), o(3, 2), dims=([0], [0])))
err("tensordot_neg", lambda: torch.tensordot(o(2, 3), o(3, 2), dims=-1))
err("tensordot_dtype", lambda: torch.tensordot(o(2, 3), o(3, 2, dtype=D), dims=1))
err("tensordot_too_many", lambda: torch.tensordot(o(2, 3), o(3, 2), dims=3))
err("tensordot_dim_range", lambda: torch.tensordot(o(2, 3), o(3, 2), dims=([5], [0])))
err("cross_size", lambda: torch.cross(o(3, 4), o(3, 4), dim=1))
err("cross_neg_dim_size", lambda: torch.linalg.cross(o(3, 4), o(3, 4)))
err("cross_shape", lambda: torch.linalg.cross(o(3, 3), o(2, 3)))
err("cross_dtype", lambda: torch.linalg.cross(o(3), o(3, dtype=D)))
err("cross_dim_range", lambda: torch.linalg.cross(o(3), o(3), dim=2))
err("cross_ndim", lambda: torch.linalg.cross(o(3), o(2, 3)))
err("cross_bool", lambda: torch.linalg.cross(o(3).bool(), o(3).bool()))
err("inv_nonsquare", lambda: torch.linalg.inv(o(2, 3)))
err("inv_1d", lambda: torch.linalg.inv(o(3)))
err("inv_long", lambda: torch.linalg.inv(o(3, 3, dtype=torch.long)))
err("inv_singular", lambda: torch.linalg.inv(torch.tensor([[1.0, 2.0], [2.0, 4.0]])))
err("inv_singular3", lambda: torch.linalg.inv(torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]])))
err("inv_singular_batch", lambda: torch.linalg.inv(torch.stack([torch.eye(2), torch.tensor([[1.0, 2.0], [2.0, 4.0]])])))
err("inv_zero", lambda: torch.linalg.inv(torch.zeros(2, 2)))
err("solve_singular", lambda: torch.linalg.solve(torch.tensor([[1.0, 2.0], [2.0, 4.0]]), o(2)))
err("solve_singular_batch", lambda: torch.linalg.solve(torch.stack([torch.eye(2), torch.tensor([[1.0, 2.0], [2.0, 4.0]])]),
                                                       o(2, 2)))
err("solve_shape_vec", lambda: torch.linalg.solve(torch.eye(3), o(2)))
err("solve_shape", lambda: torch.linalg.solve(torch.eye(3), o(2, 4)))
err("solve_nonsquare", lambda: torch.linalg.solve(o(2, 3), o(2)))
err("solve_dtype", lambda: torch.linalg.solve(torch.eye(3), o(3, dtype=D)))
err("solve_long", lambda: torch.linalg.solve(o(3, 3, dtype=torch.long), o(3, dtype=torch.long)))
err("solve_b0d", lambda: torch.linalg.solve(torch.eye(3), torch.tensor(1.0)))
err("solve_bcast_mismatch", lambda: torch.linalg.solve(o(2, 3, 3), o(4, 3, 1)))
err("det_nonsquare", lambda: torch.linalg.det(o(2, 3)))
err("det_1d", lambda: torch.linalg.det(o(3)))
err("det_long", lambda: torch.linalg.det(o(3, 3, dtype=torch.long)))
err("slogdet_nonsquare", lambda: torch.linalg.slogdet(o(2, 3)))
err("cholesky_not_pd", lambda: torch.linalg.cholesky(torch.tensor([[1.0, 2.0], [2.0, 1.0]])))
err("cholesky_not_pd3", lambda: torch.linalg.cholesky(torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, -1.0]])))
err("cholesky_not_pd_batch", lambda: torch.linalg.cholesky(torch.stack([torch.eye(2), torch.tensor([[1.0, 2.0], [2.0, 1.0]])])))
err("cholesky_nonsquare", lambda: torch.linalg.cholesky(o(2, 3)))
err("cholesky_1d", lambda: torch.linalg.cholesky(o(3)))
err("cholesky_long", lambda: torch.linalg.cholesky(o(3, 3, dtype=torch.long)))
err("qr_mode", lambda: torch.linalg.qr(o(2, 3), mode="foo"))
err("qr_1d", lambda: torch.linalg.qr(o(3)))
err("qr_long", lambda: torch.linalg.qr(o(3, 3, dtype=torch.long)))


def qr_backward(mode, shape):
    x = torch.randn(*shape, requires_grad=True)
    q, rr = torch.linalg.qr(x, mode=mode)
    rr.sum().backward()


err("qr_r_backward", lambda: qr_backward("r", (3, 2)))
err("qr_complete_backward", lambda: qr_backward("complete", (3, 2)))
err("lstsq_rows", lambda: torch.linalg.lstsq(o(3, 2), o(4, 1)))
err("lstsq_rows_vec", lambda: torch.linalg.lstsq(o(3, 2), o(4)))
err("lstsq_1d", lambda: torch.linalg.lstsq(o(3), o(3)))
err("lstsq_dtype", lambda: torch.linalg.lstsq(o(3, 2), o(3, 1, dtype=D)))
err("lstsq_long", lambda: torch.linalg.lstsq(o(3, 2, dtype=torch.long), o(3, 1, dtype=torch.long)))
err("lstsq_dims", lambda: torch.linalg.lstsq(o(3, 2), o(1, 1, 3, 1)))
