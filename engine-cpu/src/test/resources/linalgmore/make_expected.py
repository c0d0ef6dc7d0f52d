# Writes expected.txt for LinalgMoreTest.java: values, gradients, grad_fn names and error messages of linalg.matrix_exp,
# linalg.solve_triangular, linalg.lu_factor / lu / lu_solve, linalg.multi_dot, linalg.norm, cholesky_solve and
# cholesky_inverse.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13; where 2.x differs, the 2.x fact is written in
# ERRORS_2X below with its source, and printed instead).
#
# A case is "=== key" followed by lines "name value": in<i>/shape<i>/dtype<i> for the inputs (float64 repr of each
# element, exact for float32 too), out<j>/oshape<j>/node<j> for the outputs, w<j> for the output gradients and grad<i>
# for the inputs' gradients (torch.autograd.grad), "requires 1" where the inputs require grad but no backward is run;
# an error case is "error <Type> <message>".
import torch

torch.manual_seed(4321)
D = torch.float64
F = torch.float32


def rep(t):
    return repr(t.detach().to(torch.float64).reshape(-1).tolist())


def emit(key, lines):
    print("=== " + key)
    for name, value in lines:
        print(name, value)


def case(key, fn, *inputs, grad=True, backward=True):
    """backward=False: the inputs require grad (the nodes are recorded) but no backward is run ("requires 1")."""
    xs = [x.detach().clone().requires_grad_(grad and x.is_floating_point()) for x in inputs]
    res = fn(*xs)
    outs = list(res) if isinstance(res, (tuple, list)) else [res]
    lines = []
    for i, x in enumerate(xs):
        lines += [("in%d" % i, rep(x)), ("shape%d" % i, repr(list(x.shape))), ("dtype%d" % i, str(x.dtype))]
    for j, o in enumerate(outs):
        node = o.grad_fn.name() if o.grad_fn is not None else "None"
        # PyTorch names the node torch::autograd::CopySlices (Ember: CopySlices)
        node = node.replace("torch::autograd::", "")
        lines += [("out%d" % j, rep(o)), ("oshape%d" % j, repr(list(o.shape))), ("node%d" % j, node)]
    if grad and not backward:
        lines.append(("requires", "1"))
    if grad and backward:
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


def scaled(n, norm, batch=(), dtype=D):
    """A random n-by-n matrix whose 1-norm (largest column sum of absolute values) is `norm`."""
    a = torch.randn(*batch, n, n, dtype=D)
    a = a / a.abs().sum(-2).amax(-1)[..., None, None] * torch.tensor(norm, dtype=D).reshape(
        torch.Size(batch) + (1, 1) if len(batch) else (1, 1))
    return a.to(dtype)


def tri(n, upper, batch=(), dtype=D):
    a = torch.randn(*batch, n, n, dtype=D)
    a = a.triu() if upper else a.tril()
    d = torch.diagonal(a, dim1=-2, dim2=-1)
    d.copy_(d.abs() + 1.0)
    return a.to(dtype)


def wc(n, batch=(), dtype=D):
    """A well-conditioned square matrix."""
    return (torch.randn(*batch, n, n, dtype=D) + n * torch.eye(n, dtype=D)).to(dtype)


# Messages where PyTorch 2.x says otherwise than 1.13
ERRORS_2X = {
    # 2.x linalg_matrix_exp: checkFloatingOrComplex(a, "linalg.matrix_exp") (1.13 named it "matrix_exp")
    "matrix_exp_long": "linalg.matrix_exp: Expected a floating point or complex tensor as input. Got Long",
}

# ------------------------------------------------------------------ matrix_exp
# float64 thetas: 2.2e-16 (T1), 2.6e-8 (T2), 3.4e-4 (T4), 5.0e-2 (T8), 0.30 (T12), 1.09 (T18); beyond, scaling
for key, norm in [("t1", 1e-16), ("t2", 1e-8), ("t4", 2e-4), ("t8", 0.03), ("t12", 0.2), ("t18", 0.5), ("t18_s0", 1.0),
                  ("scaled", 5.0), ("scaled_big", 60.0)]:
    case("matrix_exp_" + key, lambda a: torch.linalg.matrix_exp(a), scaled(4, norm))
# float32 thetas: 1.2e-7, 6.0e-4, 5.1e-2, 0.58, 1.46, 3.01
for key, norm in [("t1", 1e-7), ("t2", 4e-4), ("t4", 0.03), ("t8", 0.4), ("t12", 1.2), ("t18", 2.0), ("scaled", 9.0)]:
    case("matrix_exp_f32_" + key, lambda a: torch.linalg.matrix_exp(a), scaled(3, norm, dtype=F))
case("matrix_exp_batch", lambda a: torch.linalg.matrix_exp(a), scaled(3, [0.01, 0.7, 3.0, 20.0], batch=(4,)))
case("matrix_exp_batch4d", lambda a: torch.linalg.matrix_exp(a), scaled(2, [[0.1, 2.0, 7.0], [0.5, 1e-9, 1.5]], batch=(2, 3)))
case("matrix_exp_batch_f32", lambda a: torch.linalg.matrix_exp(a), scaled(3, [0.2, 4.0], batch=(2,), dtype=F))
case("matrix_exp_one_batch", lambda a: torch.linalg.matrix_exp(a), scaled(3, [0.04], batch=(1,)))
case("matrix_exp_1x1", lambda a: torch.linalg.matrix_exp(a), r(2, 1, 1))
case("matrix_exp_0x0", lambda a: torch.linalg.matrix_exp(a), r(2, 0, 0))
case("matrix_exp_nilpotent", lambda a: torch.linalg.matrix_exp(a), torch.tensor([[0., 1., 2.], [0., 0., 3.], [0., 0., 0.]], dtype=D))
err("matrix_exp_1d", lambda: torch.linalg.matrix_exp(torch.ones(3)))
err("matrix_exp_nonsquare", lambda: torch.linalg.matrix_exp(torch.ones(2, 3)))
err("matrix_exp_long", lambda: torch.linalg.matrix_exp(torch.ones(2, 2, dtype=torch.long)))

# ------------------------------------------------------------------ solve_triangular
for up in (True, False):
    for left in (True, False):
        for unit in (False, True):
            key = "solve_triangular_%s_%s%s" % ("upper" if up else "lower", "left" if left else "right",
                                                "_unit" if unit else "")
            b = r(4, 2) if left else r(2, 4)
            case(key, lambda a, b, up=up, left=left, unit=unit: torch.linalg.solve_triangular(
                a, b, upper=up, left=left, unitriangular=unit), tri(4, up), b)
# the other triangle is not read (nor differentiated)
case("solve_triangular_full", lambda a, b: torch.linalg.solve_triangular(a, b, upper=True), wc(3), r(3, 2))
case("solve_triangular_bcast", lambda a, b: torch.linalg.solve_triangular(a, b, upper=False), tri(3, False, (2, 1)),
     r(3, 3, 2))
case("solve_triangular_bcast_right", lambda a, b: torch.linalg.solve_triangular(a, b, upper=True, left=False),
     tri(3, True), r(2, 4, 3))
case("solve_triangular_f32", lambda a, b: torch.linalg.solve_triangular(a, b, upper=True), tri(3, True, dtype=F),
     r(3, 2, dtype=F))
err("solve_triangular_a1d", lambda: torch.linalg.solve_triangular(torch.ones(3), torch.ones(3, 2), upper=True))
err("solve_triangular_b1d", lambda: torch.linalg.solve_triangular(torch.ones(3, 3), torch.ones(3), upper=True))
err("solve_triangular_nonsquare", lambda: torch.linalg.solve_triangular(torch.ones(2, 3), torch.ones(3, 2), upper=True))
err("solve_triangular_shape", lambda: torch.linalg.solve_triangular(torch.ones(3, 3), torch.ones(2, 2), upper=True))
err("solve_triangular_shape_right", lambda: torch.linalg.solve_triangular(torch.ones(3, 3), torch.ones(2, 2), upper=True,
                                                                          left=False))
err("solve_triangular_long", lambda: torch.linalg.solve_triangular(torch.ones(3, 3, dtype=torch.long),
                                                                   torch.ones(3, 2, dtype=torch.long), upper=True))
err("solve_triangular_bcast_mismatch", lambda: torch.linalg.solve_triangular(torch.ones(2, 3, 3), torch.ones(4, 3, 2),
                                                                             upper=True))

# ------------------------------------------------------------------ LU
case("lu_factor", lambda a: torch.linalg.lu_factor(a), r(4, 4))
case("lu_factor_batch", lambda a: torch.linalg.lu_factor(a), r(2, 3, 3))
case("lu_factor_f32", lambda a: torch.linalg.lu_factor(a), r(3, 3, dtype=F))
case("lu", lambda a: torch.linalg.lu(a), r(4, 4))
case("lu_batch", lambda a: torch.linalg.lu(a), r(2, 3, 3))
case("lu_f32", lambda a: torch.linalg.lu(a), r(3, 3, dtype=F))
case("lu_only_u", lambda a: torch.linalg.lu(a)[2], r(3, 3))
for left in (True, False):
    for adj in (False, True):
        key = "lu_solve_%s%s" % ("left" if left else "right", "_adjoint" if adj else "")
        LU, piv = torch.linalg.lu_factor(r(3, 3))
        case(key, lambda lu, p, b, left=left, adj=adj: torch.linalg.lu_solve(lu, p, b, left=left, adjoint=adj), LU, piv,
             r(3, 2) if left else r(2, 3))
LU, piv = torch.linalg.lu_factor(r(2, 3, 3))
case("lu_solve_batch", lambda lu, p, b: torch.linalg.lu_solve(lu, p, b), LU, piv, r(2, 3, 4))
LU, piv = torch.linalg.lu_factor(r(3, 3))
case("lu_solve_bcast", lambda lu, p, b: torch.linalg.lu_solve(lu, p, b, adjoint=True), LU, piv, r(2, 3, 2))
LU, piv = torch.linalg.lu_factor(r(3, 3, dtype=F))
case("lu_solve_f32", lambda lu, p, b: torch.linalg.lu_solve(lu, p, b), LU, piv, r(3, 2, dtype=F))
z = torch.stack([torch.eye(3), torch.zeros(3, 3)])
err("lu_factor_singular", lambda: torch.linalg.lu_factor(torch.tensor([[1., 2.], [2., 4.]])))
err("lu_factor_singular_batch", lambda: torch.linalg.lu_factor(z))
err("lu_factor_1d", lambda: torch.linalg.lu_factor(torch.ones(3)))
err("lu_factor_long", lambda: torch.linalg.lu_factor(torch.ones(3, 3, dtype=torch.long)))
err("lu_1d", lambda: torch.linalg.lu(torch.ones(3)))
LU, piv = torch.linalg.lu_factor(torch.randn(3, 3))
err("lu_solve_lu1d", lambda: torch.linalg.lu_solve(LU[0], piv, torch.ones(3, 2)))
err("lu_solve_b1d", lambda: torch.linalg.lu_solve(LU, piv, torch.ones(3)))
err("lu_solve_shape", lambda: torch.linalg.lu_solve(LU, piv, torch.ones(2, 2)))
err("lu_solve_shape_right", lambda: torch.linalg.lu_solve(LU, piv, torch.ones(2, 2), left=False))
err("lu_solve_pivots_long", lambda: torch.linalg.lu_solve(LU, piv.long(), torch.ones(3, 2)))
err("lu_solve_pivots_count", lambda: torch.linalg.lu_solve(LU, piv[:2], torch.ones(3, 2)))
err("lu_solve_dtype", lambda: torch.linalg.lu_solve(LU, piv, torch.ones(3, 2, dtype=D)))
err("lu_solve_nonsquare", lambda: torch.linalg.lu_solve(torch.ones(2, 3), piv, torch.ones(3, 2)))
err("lu_solve_pivots_batch", lambda: torch.linalg.lu_solve(LU, piv.expand(2, 3), torch.ones(3, 2)))

# ------------------------------------------------------------------ multi_dot
case("multi_dot_2", lambda a, b: torch.linalg.multi_dot([a, b]), r(3, 4), r(4, 2))
case("multi_dot_3_left", lambda a, b, c: torch.linalg.multi_dot([a, b, c]), r(2, 10), r(10, 3), r(3, 10))
case("multi_dot_3_right", lambda a, b, c: torch.linalg.multi_dot([a, b, c]), r(10, 3), r(3, 10), r(10, 2))
case("multi_dot_4", lambda a, b, c, d: torch.linalg.multi_dot([a, b, c, d]), r(6, 2), r(2, 7), r(7, 3), r(3, 5))
case("multi_dot_5", lambda a, b, c, d, e: torch.linalg.multi_dot([a, b, c, d, e]), r(3, 8), r(8, 2), r(2, 9), r(9, 4),
     r(4, 1))
case("multi_dot_vec_first", lambda a, b, c: torch.linalg.multi_dot([a, b, c]), r(4), r(4, 3), r(3, 5))
case("multi_dot_vec_last", lambda a, b, c: torch.linalg.multi_dot([a, b, c]), r(2, 4), r(4, 3), r(3))
case("multi_dot_vec_both", lambda a, b, c, d: torch.linalg.multi_dot([a, b, c, d]), r(4), r(4, 3), r(3, 5), r(5))
case("multi_dot_two_vecs", lambda a, b: torch.linalg.multi_dot([a, b]), r(4), r(4))
case("multi_dot_f32", lambda a, b, c: torch.linalg.multi_dot([a, b, c]), r(2, 3, dtype=F), r(3, 4, dtype=F), r(4, 2, dtype=F))
err("multi_dot_one", lambda: torch.linalg.multi_dot([torch.ones(3, 3)]))
err("multi_dot_none", lambda: torch.linalg.multi_dot([]))
err("multi_dot_shapes", lambda: torch.linalg.multi_dot([torch.ones(3, 3), torch.ones(2, 3)]))
err("multi_dot_dtype", lambda: torch.linalg.multi_dot([torch.ones(3, 3), torch.ones(3, 3, dtype=D)]))
err("multi_dot_last3d", lambda: torch.linalg.multi_dot([torch.ones(3, 3), torch.ones(3, 3, 3)]))
err("multi_dot_first3d", lambda: torch.linalg.multi_dot([torch.ones(3, 3, 3), torch.ones(3, 3)]))
err("multi_dot_middle3d", lambda: torch.linalg.multi_dot([torch.ones(3, 3), torch.ones(3, 3, 3), torch.ones(3, 3)]))

# ------------------------------------------------------------------ linalg.norm
x3 = r(2, 3, 4)
case("norm_default", lambda a: torch.linalg.norm(a), x3)
case("norm_vec_ord", lambda a: torch.linalg.norm(a, 3.0), r(5))
case("norm_mat_ord_inf", lambda a: torch.linalg.norm(a, float("inf")), r(3, 4))
case("norm_mat_ord_1", lambda a: torch.linalg.norm(a, 1.0), r(3, 4))
case("norm_mat_ord_2", lambda a: torch.linalg.norm(a, 2.0), r(3, 4))
case("norm_mat_fro", lambda a: torch.linalg.norm(a, "fro"), r(3, 4))
case("norm_mat_nuc", lambda a: torch.linalg.norm(a, "nuc"), r(3, 4))
case("norm_dim1", lambda a: torch.linalg.norm(a, 1.0, dim=1), x3)
case("norm_dim1_none", lambda a: torch.linalg.norm(a, dim=(1,)), x3)
case("norm_dim2", lambda a: torch.linalg.norm(a, -1.0, dim=(0, 2), keepdim=True), x3)
case("norm_dim2_fro", lambda a: torch.linalg.norm(a, "fro", dim=(2, 0)), x3)
case("norm_dim2_nuc_keep", lambda a: torch.linalg.norm(a, "nuc", dim=(1, 2), keepdim=True), x3)
case("norm_dim2_none", lambda a: torch.linalg.norm(a, dim=(1, 2)), x3)
case("norm_f32", lambda a: torch.linalg.norm(a, float("-inf"), dim=(0, 1)), r(3, 4, dtype=F))
err("norm_ord_3d", lambda: torch.linalg.norm(torch.ones(2, 3, 4), 2.0))
err("norm_str_3d", lambda: torch.linalg.norm(torch.ones(2, 3, 4), "fro"))
err("norm_dims3", lambda: torch.linalg.norm(torch.ones(2, 3, 4), 2.0, dim=(0, 1, 2)))
err("norm_mat_ord", lambda: torch.linalg.norm(torch.ones(3, 4), 3.0))
err("norm_bad_str", lambda: torch.linalg.norm(torch.ones(3, 4), "abc"))

# ------------------------------------------------------------------ cholesky_solve and cholesky_inverse
case("cholesky_solve", lambda b, l: torch.cholesky_solve(b, l), r(3, 2), tri(3, False))
case("cholesky_solve_upper", lambda b, l: torch.cholesky_solve(b, l, upper=True), r(3, 2), tri(3, True))
case("cholesky_solve_bcast", lambda b, l: torch.cholesky_solve(b, l), r(2, 3, 4), tri(3, False, (1,)))
case("cholesky_solve_f32", lambda b, l: torch.cholesky_solve(b, l), r(3, 2, dtype=F), tri(3, False, dtype=F))
case("cholesky_inverse", lambda l: torch.cholesky_inverse(l), tri(3, False))
case("cholesky_inverse_upper", lambda l: torch.cholesky_inverse(l, upper=True), tri(3, True))
case("cholesky_inverse_batch", lambda l: torch.cholesky_inverse(l), tri(3, False, (2,)))
case("cholesky_inverse_f32", lambda l: torch.cholesky_inverse(l), tri(3, False, dtype=F))
err("cholesky_solve_b1d", lambda: torch.cholesky_solve(torch.ones(3), torch.eye(3)))
err("cholesky_solve_l1d", lambda: torch.cholesky_solve(torch.ones(3, 2), torch.ones(3)))
err("cholesky_solve_nonsquare", lambda: torch.cholesky_solve(torch.ones(3, 2), torch.ones(2, 3)))
err("cholesky_solve_shape", lambda: torch.cholesky_solve(torch.ones(2, 2), torch.eye(3)))
err("cholesky_solve_dtype", lambda: torch.cholesky_solve(torch.ones(3, 2), torch.eye(3, dtype=D)))
err("cholesky_solve_long", lambda: torch.cholesky_solve(torch.ones(3, 2, dtype=torch.long), torch.eye(3, dtype=torch.long)))
err("cholesky_inverse_1d", lambda: torch.cholesky_inverse(torch.ones(3)))
err("cholesky_inverse_nonsquare", lambda: torch.cholesky_inverse(torch.ones(2, 3)))
err("cholesky_inverse_long", lambda: torch.cholesky_inverse(torch.ones(3, 3, dtype=torch.long)))

# ------------------------------------------------------------------ vecdot and diagonal
case("vecdot", lambda a, b: torch.linalg.vecdot(a, b), r(3, 4), r(4))
case("vecdot_dim0", lambda a, b: torch.linalg.vecdot(a, b, dim=0), r(2, 3), r(2, 1))
case("vecdot_f32", lambda a, b: torch.linalg.vecdot(a, b), r(2, 5, dtype=F), r(2, 5, dtype=F))
case("linalg_diagonal", lambda a: torch.linalg.diagonal(a), r(2, 3, 4))
case("linalg_diagonal_offset", lambda a: torch.linalg.diagonal(a, offset=1, dim1=0, dim2=2), r(3, 2, 4))
err("vecdot_long", lambda: torch.linalg.vecdot(torch.ones(3, dtype=torch.long), torch.ones(3, dtype=torch.long)))
err("vecdot_dtype", lambda: torch.linalg.vecdot(torch.ones(3), torch.ones(3, dtype=D)))
err("vecdot_dim", lambda: torch.linalg.vecdot(torch.ones(2, 3), torch.ones(3), dim=5))
err("linalg_diagonal_1d", lambda: torch.linalg.diagonal(torch.ones(3)))

# ------------------------------------------------------------------ vander
# PyTorch's vander (1.13 and 2.x alike) writes cumprod's result back into the tensor cumprod saved, so its backward
# fails the saved-version check: the cases record the forward and its node, and vander_backward the error
case("vander", lambda a: torch.vander(a), r(4), backward=False)
case("vander_n_increasing", lambda a: torch.vander(a, N=3, increasing=True), r(5), backward=False)
case("vander_n_big", lambda a: torch.vander(a, N=5), r(3), backward=False)
case("vander_n1", lambda a: torch.vander(a, N=1), r(3), backward=False)
case("vander_long", lambda a: torch.vander(a), torch.tensor([1, 2, 3, -2]), grad=False)
case("vander_bool", lambda a: torch.vander(a, increasing=True), torch.tensor([True, False]), grad=False)
case("vander_f32", lambda a: torch.vander(a), r(3, dtype=F), backward=False)
case("vander_n0", lambda a: torch.vander(a, N=0), r(3), backward=False)
err("vander_backward", lambda: torch.vander(r(3).requires_grad_(), increasing=True).sum().backward())
err("vander_2d", lambda: torch.vander(torch.ones(2, 2)))
err("vander_negative", lambda: torch.vander(torch.ones(2), N=-1))

# ------------------------------------------------------------------ trapezoid and cumulative_trapezoid
case("trapezoid", lambda y: torch.trapezoid(y), r(3, 5))
case("trapezoid_dx", lambda y: torch.trapezoid(y, dx=0.5, dim=0), r(4, 3))
case("trapezoid_x1d", lambda y, x: torch.trapezoid(y, x), r(2, 4), r(4))
case("trapezoid_x_same", lambda y, x: torch.trapezoid(y, x, dim=0), r(3, 2), r(3, 2))
case("trapezoid_x_fewer_dims", lambda y, x: torch.trapezoid(y, x, dim=1), r(2, 3, 4), r(3, 4))
case("trapezoid_long_dx", lambda y: torch.trapezoid(y, dx=2.0), torch.tensor([1, 4, 9, 16]), grad=False)
case("trapezoid_f32", lambda y: torch.trapezoid(y), r(6, dtype=F))
case("trapezoid_empty", lambda y: torch.trapezoid(y), r(2, 0), grad=False)
case("cumulative_trapezoid", lambda y: torch.cumulative_trapezoid(y), r(3, 5))
case("cumulative_trapezoid_dx", lambda y: torch.cumulative_trapezoid(y, dx=0.25, dim=0), r(4, 3))
case("cumulative_trapezoid_x", lambda y, x: torch.cumulative_trapezoid(y, x), r(2, 4), r(4))
case("cumulative_trapezoid_x_same", lambda y, x: torch.cumulative_trapezoid(y, x, dim=0), r(3, 2), r(3, 2))
case("cumulative_trapezoid_empty", lambda y: torch.cumulative_trapezoid(y), r(2, 0), grad=False)
case("cumulative_trapezoid_long", lambda y: torch.cumulative_trapezoid(y), torch.tensor([1, 4, 9]), grad=False)
err("trapezoid_bool", lambda: torch.trapezoid(torch.ones(3, dtype=torch.bool)))
err("trapezoid_bool_x", lambda: torch.trapezoid(torch.ones(3), x=torch.ones(3, dtype=torch.bool)))
err("trapezoid_x_count", lambda: torch.trapezoid(torch.ones(2, 3), x=torch.ones(4)))
err("trapezoid_x_shape", lambda: torch.trapezoid(torch.ones(2, 3), x=torch.ones(2, 4)))
err("trapezoid_dim", lambda: torch.trapezoid(torch.ones(2, 3), dim=5))
err("trapezoid_0d", lambda: torch.trapezoid(torch.tensor(1.0)))
err("cumulative_trapezoid_bool", lambda: torch.cumulative_trapezoid(torch.ones(3, dtype=torch.bool)))
err("cumulative_trapezoid_x_count", lambda: torch.cumulative_trapezoid(torch.ones(3), x=torch.ones(4)))

# ------------------------------------------------------------------ linalg.vander (1.13 has it as 2.x: cat of ones and a
# cumprod, CatBackward0)
case("linalg_vander", lambda a: torch.linalg.vander(a), r(2, 3))
case("linalg_vander_n", lambda a: torch.linalg.vander(a, N=5), r(4))
case("linalg_vander_0d", lambda a: torch.linalg.vander(a, N=3), torch.tensor(1.5, dtype=D))
case("linalg_vander_f32", lambda a: torch.linalg.vander(a), r(3, dtype=F))
case("linalg_vander_int", lambda a: torch.linalg.vander(a), torch.tensor([1, -2, 3], dtype=torch.int32), grad=False)
err("linalg_vander_n1", lambda: torch.linalg.vander(torch.ones(3), N=1))
err("linalg_vander_bool", lambda: torch.linalg.vander(torch.ones(3, dtype=torch.bool)))
err("linalg_vander_0d_default", lambda: torch.linalg.vander(torch.tensor(2.0)))
