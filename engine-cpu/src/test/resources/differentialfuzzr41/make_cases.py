# Differential fuzz round 41 for DifferentialFuzzR41Test.java: seeded single calls of LINEAR ALGEBRA in float32 /
# complex64 (and float64 / complex128 with gradients) AT ITS CORNERS, run in PyTorch with every result recorded;
# FuzzR41Interpreter.java replays each in Ember.
#   run: cd engine-cpu/src/test/resources/differentialfuzzr41 && /usr/bin/python3 make_cases.py > cases.txt
#   (PyTorch 1.13 CPU; seed 41, every draw seeded, so a second run writes the same cases; MKL's LAPACK may move the
#   last bits of a few float64 results between runs, far inside the tolerances)
#   the fixes' cases (FuzzRound41FixesTest): FUZZ_FIXES=1 /usr/bin/python3 make_cases.py > fixes.txt
#   a local hunt: FUZZ_SEED=<s> FUZZ_N=<n> /usr/bin/python3 make_cases.py > /tmp/hunt.txt, then the test with
#   -Dember.fuzz41.file=/tmp/hunt.txt (inside -Dember.test.argLine); FUZZ_N scales the number of cases per family
#
# Families (each case one call):
#   val     an op on random inputs: float32 / complex64 (values only) or float64 / complex128 (values and the gradients
#           of sum(out * g) for every floating input), batch dims broadcast between operands (solve, lu_solve,
#           cholesky_solve, solve_triangular, vecdot, cross), vector right-hand sides, left=False, adjoint, upper,
#           unitriangular, moderately ill-conditioned inputs (condition numbers up to ~1e3 in single precision,
#           ~1e6 in double); ops: det, slogdet, inv(_ex), solve(_ex), cholesky(_ex), lu_factor(_ex), lu, lu_solve,
#           cholesky_solve, cholesky_inverse, solve_triangular, qr (reduced / complete / r), eigh (eigenvalues and
#           |V|^2), eigvalsh, eig / eigvals (sorted; |V|^2 columns with them), svd (S, |U|^2, |Vh|^2), svdvals,
#           matrix_rank (atol / rtol / hermitian), pinv (atol / rtol / hermitian), matrix_norm (fro, nuc, +-1, +-2,
#           +-inf, dims, keepdim), vector_norm (2, 1, 0, +-inf, 3.5, -1, dims, keepdim), cond (None, fro, nuc, +-1,
#           +-2, +-inf), matrix_exp, matrix_power (-3..3), householder_product, vander, vecdot, cross, tensorsolve,
#           tensorinv, diagonal, multi_dot, ldl_factor + ldl_solve, lstsq
#   sing    singular and non-positive-definite inputs (dyadic values, so both LAPACK and Ember meet an exact zero
#           pivot / the same first non-positive minor): inv, solve, cholesky, lu_factor, linalg.lu (no refusal: U
#           with a zero diagonal), det (0, and its gradient), the *_ex forms with check_errors False (info) and True
#           (the message), batched forms ("(Batch element k): ...")
#   empty   0 x 0 matrices, 0 x n, a batch of 0: every op of the family above whose PyTorch takes them
#   refuse  non-square inputs, 1-D inputs, integer and float16 inputs, mixed dtypes, shapes that do not broadcast or
#           do not fit, bad ord / dim / mode / UPLO / driver values: PyTorch's message, every input unchanged
#   gauge   complex svd / eig backward through a phase-dependent loss (PyTorch's "ill-defined" refusal)
#
# Outputs are written in a form PyTorch fixes uniquely: eigenvectors and singular vectors as |V|^2 (their phase is
# free), eig's eigenvalues (and |V|^2's columns) sorted by (real part rounded to 1e-3 of the spectrum's scale,
# imaginary part), LDL's factors through ldl_solve (the pivots' encoding is LAPACK's and checked only where
# documented).
#
# Tolerances: a float64 / complex128 value within 1e-12 * its "tol" factor * max(1, max |expected|) (the factor 100,
# times the input's condition number where the op amplifies it); float32 / complex64: 1e-5 * the factor, which the
# generator sets from PyTorch's own single-precision error against float64 on the same (rounded) input (at least 3x
# that error, at least 10), since Ember need not match LAPACK's single-precision bits; integers (pivots, info, rank)
# and bools exactly.
#
# 1.13 and 2.x (Ember follows 2.x; the generator writes 2.x's answer where they differ, read from 2.x's
# aten/src/ATen/native/BatchLinearAlgebra.cpp, LinearAlgebra.cpp, LinearAlgebraUtils.h):
# - linalg.lu_factor / linalg.lu_factor_ex / linalg.lu of a singular input: no difference (info > 0, no refusal in
#   lu_factor_ex; lu_factor's check_errors message is "torch.linalg.lu_factor: U[2,2] is zero and using it on
#   lu_solve would result in a division by zero. If you still want to perform the factorization, consider calling
#   linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)" in both).
# - linalg.inv / inv_ex / solve_ex / matrix_power(n < 0) (lu_info_2x, inv_check_2x): 2.x computes the inverse through
#   _linalg_solve_ex, which factors A^T for a real contiguous A, so the info tensor and "The diagonal element k is zero"
#   name A^T's first zero pivot (1.13's inv factors A).
# - linalg.vecdot (vecdot_2x): 2.x's is (x.conj() * y).sum(dim); 1.13's CPU kernel gives 0 for a complex 1-D pair
#   (and refuses mismatched ones as "inconsistent tensor size": 2.x's mul gives its broadcast message).
# - linalg.solve / solve_ex with a batch of vector right-hand sides (B shaped A.shape[:-1]) requiring grad
#   or a 1-D B (solve_vector_2x): 1.13's backward gives A's gradient without its batch dim and refuses it; 2.x's unsqueezes the
#   vector case: computed as solve(A, B.unsqueeze(-1)).squeeze(-1), the same values and 2.x's gradients.
# - linalg.det's first derivative at an exactly singular matrix: 2.x solves with LU's zero pivots replaced by eps
#   (gradient 0 where LAPACK's pivot is exactly zero, roughly the adjugate where roundoff left it non-zero), 1.13 takes
#   the adjugate through an SVD: the singular family asks no gradient of det / slogdet.
# - linalg.matrix_power (square_check_2x): 2.x checks squareCheckInputs(A, "linalg.matrix_power") first.
# - linalg.tensorinv with ind beyond A's dims: 2.x's ArrayRef::slice(N) refuses ("ArrayRef: invalid slice, N = 2;
#   size = 1"); 1.13's "cannot create std::vector larger than max_size()". (tensorsolve with B of more dims than A
#   gives that vector message in both: slice(N, M) with a negative M wraps past its check.)
# - float16 refusals only where 1.13's refusal is a linalg dtype check or a dispatch 2.x keeps (the refuse family
#   leaves out matrix_exp, cross, vecdot, multi_dot, vander, diagonal, vector_norm, matrix_power in float16: 1.13's
#   CPU matmul has no float16, 2.x's has).
# - MSG_2X below: 1.13 wordings 2.x changed.
#
# Format: "=== r41_<k> <family> <op> <first input's dtype>", then lines by first word:
#   a <name> <tensor>   a tensor argument ("dtype [shape] : values", complex as re im pairs)
#   rg <names>          the arguments that require grad
#   s <op> [k=v ...]    the call (N None, True / False, numbers, lists "a,b", E an empty list)
#   err <message>       PyTorch refuses with this (first line); the arguments must be unchanged
#   o <i> <tensor>      the i-th output (after the unique-form transform)
#   g <i> <tensor>      the upstream gradient of the i-th output
#   gerr <message>      PyTorch's backward refuses with this (first line)
#   fn <i> <node>       the i-th output's grad_fn name where it is a linalg / cholesky node (float64 / complex128
#                       cases with an input requiring grad)
#   gx <name> <tensor>  the gradient of the argument <name> ("gx <name> none": none reached it)
#   tol <factor>        the tolerance's factor
import math
import os
import random
import re
import sys
import warnings

import torch

warnings.simplefilter("ignore")
SEED = int(os.environ.get("FUZZ_SEED", "41"))
SCALE_N = float(os.environ.get("FUZZ_N", "1"))
R = random.Random(SEED)
torch.manual_seed(SEED)
torch.set_num_threads(1)
F64, F32, C64, C128, I64, I32, F16 = (torch.float64, torch.float32, torch.complex64, torch.complex128, torch.int64,
                                      torch.int32, torch.float16)
INF = float("inf")

# 1.13 wordings that 2.x changed (pattern, replacement), applied to every message. ldl_factor_ex(check_errors=True)
# of a singular matrix: _linalg_check_errors has no branch for it in 1.13 or 2.x, so it fails its internal assertion
# ("Unknown error code"); Ember gives that message without the assertion's preamble (file, line, "please report").
# linalg.matrix_exp's type check: 2.x's checkFloatingOrComplex(a, "linalg.matrix_exp") (1.13: "matrix_exp").
MSG_2X = [(r'^false INTERNAL ASSERT FAILED at "[^"]*":[0-9]+, please report a bug to PyTorch\. ', ''),
          (r'^matrix_exp: Expected a floating point', 'linalg.matrix_exp: Expected a floating point')]


# 1.13 node names that 2.x renamed
NODE_2X = {}


def num(v):
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return repr(v)


def tline(t):
    t = t.detach().resolve_conj().resolve_neg().clone()
    shape = ", ".join(str(s) for s in t.shape)
    if t.is_complex():
        body = " ".join(num(v) for v in torch.view_as_real(t.to(C128)).reshape(-1).tolist())
    elif t.is_floating_point():
        body = " ".join(num(v) for v in t.to(F64).reshape(-1).tolist())
    elif t.dtype == torch.bool:
        body = " ".join("True" if v else "False" for v in t.reshape(-1).tolist())
    else:
        body = " ".join(str(int(v)) for v in t.reshape(-1).tolist())
    return "%s [%s] : %s" % (str(t.dtype).replace("torch.", ""), shape, body)


def pv(v):
    if v is None:
        return "N"
    if isinstance(v, bool):
        return "True" if v else "False"
    if isinstance(v, float):
        return num(v)
    if isinstance(v, (list, tuple)):
        return ",".join(pv(x) for x in v) if v else "E"
    return str(v)


def numel(s):
    n = 1
    for k in s:
        n *= k
    return n


def rnd(shape, dt):
    """Uniform values in [-1, 1) of type dt (complex: both parts)."""
    n = numel(shape)
    if dt.is_complex:
        v = torch.tensor([complex(R.uniform(-1, 1), R.uniform(-1, 1)) for _ in range(n)], dtype=C128)
    else:
        v = torch.tensor([R.uniform(-1, 1) for _ in range(n)], dtype=F64)
    return v.reshape(shape).to(dt)


def dy(shape, dt, lo=-4, hi=4):
    """Dyadic small integers / 2 (exact in every float type)."""
    n = numel(shape)
    if dt.is_complex:
        v = torch.tensor([complex(R.randint(lo, hi) / 2, R.randint(lo, hi) / 2) for _ in range(n)], dtype=C128)
    elif dt.is_floating_point:
        v = torch.tensor([R.randint(lo, hi) / 2 for _ in range(n)], dtype=F64)
    else:
        return torch.tensor([R.randint(lo, hi) for _ in range(n)], dtype=dt).reshape(shape)
    return v.reshape(shape).to(dt)


def orth(n, dt):
    q, _ = torch.linalg.qr(rnd([n, n], C128 if dt.is_complex else F64))
    return q


def conditioned(b, n, dt, cond):
    """b + [n, n] matrices with singular values spread from 1 to 1 / cond (log-uniform), in type dt."""
    mats = []
    for _ in range(numel(b)):
        s = torch.tensor([cond ** (-R.random()) if 0 < i < n - 1 else (1.0 if i == 0 else 1 / cond)
                          for i in range(n)], dtype=F64)
        if n == 1:
            s = torch.tensor([R.uniform(0.5, 2)], dtype=F64)
        u, v = orth(n, dt), orth(n, dt)
        mats.append(u @ torch.diag(s).to(u.dtype) @ v.mH)
    if not mats:
        return torch.zeros(b + [n, n], dtype=dt)
    return torch.stack(mats).reshape(b + [n, n]).to(dt)


def hpd(b, n, dt, cond=10.0):
    """Hermitian positive-definite b + [n, n] with eigenvalues in [1 / cond, 1]."""
    mats = []
    for _ in range(numel(b)):
        q = orth(n, dt)
        ev = torch.tensor([cond ** (-R.random()) for _ in range(n)], dtype=F64)
        m = q @ torch.diag(ev).to(q.dtype) @ q.mH
        mats.append((m + m.mH) / 2)
    if not mats:
        return torch.zeros(b + [n, n], dtype=dt)
    return torch.stack(mats).reshape(b + [n, n]).to(dt)


def herm(b, n, dt, gap=True):
    """Hermitian b + [n, n] with distinct eigenvalues (gap at least 0.05) of both signs."""
    mats = []
    for _ in range(numel(b)):
        q = orth(n, dt)
        ev = sorted(R.uniform(-2, 2) for _ in range(n))
        for i in range(1, n):
            if gap and ev[i] - ev[i - 1] < 0.05:
                ev[i] = ev[i - 1] + 0.05 + R.random() * 0.1
        m = q @ torch.diag(torch.tensor(ev, dtype=F64)).to(q.dtype) @ q.mH
        mats.append((m + m.mH) / 2)
    if not mats:
        return torch.zeros(b + [n, n], dtype=dt)
    return torch.stack(mats).reshape(b + [n, n]).to(dt)


def tri(b, n, dt, upper, unit=False):
    """Well-conditioned triangular b + [n, n] (diagonal 1..2 in modulus, other side random, not zeroed)."""
    x = rnd(b + [n, n], dt) * 0.5
    d = torch.tensor([R.uniform(1, 2) * R.choice([-1, 1]) for _ in range(numel(b) * n)], dtype=F64).reshape(b + [n])
    x = x + torch.diag_embed(d).to(dt)
    if unit:
        return x
    return x


def batch():
    return R.choice([[], [], [], [1], [2], [3], [2, 2]])


def bcast_pair(b):
    """Two batch shapes that broadcast to b (one side dropping or setting dims to 1)."""
    if not b:
        return [], R.choice([[], [], [2], [1]])
    choice = R.random()
    if choice < 0.3:
        return b, [1] * len(b)
    if choice < 0.5:
        return b[1:], b
    if choice < 0.7:
        return [1] + b[1:], b
    return b, b


def sdtype(grad_ok=True):
    r = R.random()
    if r < 0.35:
        return F32
    if r < 0.55:
        return C64
    if r < 0.8:
        return F64
    return C128


def cond_for(dt):
    return R.choice([3.0, 10.0, 100.0, 1e3]) if dt in (F32, C64) else R.choice([3.0, 30.0, 1e3, 1e6])


def absq(t):
    return t.abs().square()


def sort_eig(L, V=None):
    """eig's eigenvalues (and |V|^2's columns) sorted by (real rounded to 1e-3 of the scale, imaginary) per batch."""
    if L.numel() == 0:
        return L if V is None else (L, V)
    scale = max(1.0, float(L.abs().max()))
    Ls = L.reshape(-1, L.shape[-1]) if L.dim() > 0 else L
    outL, outV = [], []
    Vs = None if V is None else V.reshape(-1, V.shape[-2], V.shape[-1])
    for k in range(Ls.shape[0]):
        vals = Ls[k].tolist()
        order = sorted(range(len(vals)), key=lambda i: (round(vals[i].real / scale * 1000), vals[i].imag))
        outL.append(Ls[k][order])
        if Vs is not None:
            outV.append(Vs[k][:, order])
    L2 = torch.stack(outL).reshape(L.shape) if outL else L
    if V is None:
        return L2
    V2 = torch.stack(outV).reshape(V.shape) if outV else V
    return L2, V2


def square_check_2x(A, api):
    """2.x's squareCheckInputs(A, api), which 2.x's linalg_matrix_power runs first (1.13's met linalg.inv's)."""
    if A.dim() < 2:
        raise RuntimeError("%s: The input tensor A must have at least 2 dimensions." % api)
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError("%s: A must be batches of square matrices, but they are %d by %d matrices"
                           % (api, A.shape[-2], A.shape[-1]))


def lu_info_2x(A):
    """The info 2.x's linalg.inv_ex / solve_ex report: its _linalg_solve_ex factors A^T where A is real and contiguous
    (use_A_T; 1.13's inv factors A), so the first zero pivot is that of A^T's LU."""
    if A.dim() < 2 or A.shape[-1] != A.shape[-2] or not (A.is_floating_point() or A.is_complex()) or \
            A.dtype in (torch.float16, torch.bfloat16):
        return torch.linalg.inv_ex(A).info  # its refusal
    M = A.mT if (A.is_contiguous() and not A.is_complex()) else A
    return torch.linalg.lu_factor_ex(M.detach()).info


def inv_check_2x(A, api):
    """2.x's _linalg_check_errors on lu_info_2x's info (the same message, the index from A^T's LU for a real
    contiguous A)."""
    info = lu_info_2x(A)
    flat = info.reshape(-1).tolist()
    for i, v in enumerate(flat):
        if v > 0:
            batch = "" if A.dim() == 2 else ": (Batch element %d)" % i
            raise RuntimeError("%s%s: The diagonal element %d is zero, the inversion could not be completed because "
                               "the input matrix is singular." % (api, batch, v))


def solve_vector_2x(A, B, left, solve):
    """linalg.solve(_ex) with a batch of vectors B shaped as A without its last dim: 1.13's backward returns A's
    gradient without its batch dim (and refuses it: "returned an invalid gradient at index 0"), 2.x's treats the
    vector case as a matrix one: the same values through B.unsqueeze(-1) give 2.x's gradients."""
    vector = left and (B.dim() == 1 or (A.dim() - 1 == B.dim() and list(B.shape) == list(A.shape[:-1])))
    if vector and (A.requires_grad or B.requires_grad):
        return solve(A, B.unsqueeze(-1)).squeeze(-1)
    return solve(A, B)


def vecdot_2x(x, y, dim):
    """2.x's linalg.vecdot: (x.conj() * y).sum(dim) after its checks (1.13's checks are the same; its CPU result of a
    complex 1-D pair is 0, a 1.13 bug)."""
    try:
        r = torch.linalg.vecdot(x, y, dim=dim)
    except RuntimeError as e:
        if not (x.is_complex() and "inconsistent tensor size" in str(e)):
            raise
        r = None  # 1.13's complex 1-D path (vdot); 2.x's mul refuses the shapes in its words, below
    return (x.conj() * y).sum(dim) if x.is_complex() else r


# ---- the ops: name -> fn(a, kw) -> list of outputs (unique forms), as the interpreter's ----

def op_call(op, a, kw):
    L = torch.linalg
    x = a.get("A")
    if op == "det":
        return [L.det(x)]
    if op == "slogdet":
        r = L.slogdet(x)
        return [r.sign, r.logabsdet]
    if op == "inv":
        inv_check_2x(x, "linalg.inv")
        return [L.inv(x)]
    if op == "inv_ex":
        if kw["check_errors"]:
            inv_check_2x(x, "linalg.inv_ex")
        r = L.inv_ex(x)
        return [r.inverse, lu_info_2x(x)]
    if op == "solve":
        return [solve_vector_2x(x, a["B"], kw["left"], lambda A, B: L.solve(A, B, left=kw["left"]))]
    if op == "solve_ex":
        res = solve_vector_2x(x, a["B"], kw["left"],
                              lambda A, B: L.solve_ex(A, B, left=kw["left"], check_errors=kw["check_errors"]).result)
        return [res, lu_info_2x(x)]
    if op == "cholesky":
        return [L.cholesky(x, upper=kw["upper"])]
    if op == "cholesky_ex":
        r = L.cholesky_ex(x, upper=kw["upper"], check_errors=kw["check_errors"])
        return [r.L, r.info]
    if op == "lu_factor":
        r = L.lu_factor(x, pivot=True)
        return [r.LU, r.pivots]
    if op == "lu_factor_ex":
        r = L.lu_factor_ex(x, pivot=True, check_errors=kw["check_errors"])
        return [r.LU, r.pivots, r.info]
    if op == "lu":
        r = L.lu(x)
        return [r.P, r.L, r.U]
    if op == "lu_solve":
        lu, piv = L.lu_factor(x)
        return [L.lu_solve(lu, piv, a["B"], left=kw["left"], adjoint=kw["adjoint"])]
    if op == "cholesky_solve":
        return [torch.cholesky_solve(a["B"], x, upper=kw["upper"])]
    if op == "cholesky_inverse":
        return [torch.cholesky_inverse(x, upper=kw["upper"])]
    if op == "solve_triangular":
        return [L.solve_triangular(x, a["B"], upper=kw["upper"], left=kw["left"], unitriangular=kw["unitriangular"])]
    if op == "qr":
        q, r = L.qr(x, mode=kw["mode"])
        return [q, r]
    if op == "eigh":
        w, v = L.eigh(x, UPLO=kw["UPLO"])
        return [w, absq(v)]
    if op == "eigvalsh":
        return [L.eigvalsh(x, UPLO=kw["UPLO"])]
    if op == "eig":
        w, v = L.eig(x)
        w2, v2 = sort_eig(w, absq(v))
        return [w2, v2]
    if op == "eigvals":
        return [sort_eig(L.eigvals(x))]
    if op == "svd":
        u, s, vh = L.svd(x, full_matrices=False)
        return [absq(u), s, absq(vh)]
    if op == "svdvals":
        return [L.svdvals(x)]
    if op == "matrix_rank":
        return [L.matrix_rank(x, atol=kw["atol"], rtol=kw["rtol"], hermitian=kw["hermitian"])]
    if op == "pinv":
        return [L.pinv(x, atol=kw["atol"], rtol=kw["rtol"], hermitian=kw["hermitian"])]
    if op == "matrix_norm":
        return [L.matrix_norm(x, ord=kw["ord"], dim=tuple(kw["dim"]), keepdim=kw["keepdim"])]
    if op == "vector_norm":
        return [L.vector_norm(x, ord=kw["ord"], dim=None if kw["dim"] is None else tuple(kw["dim"]),
                              keepdim=kw["keepdim"])]
    if op == "cond":
        return [L.cond(x, p=kw["p"])]
    if op == "matrix_exp":
        return [L.matrix_exp(x)]
    if op == "matrix_power":
        square_check_2x(x, "linalg.matrix_power")
        if kw["n"] < 0:
            inv_check_2x(x, "linalg.inv")
        return [L.matrix_power(x, kw["n"])]
    if op == "householder_product":
        return [L.householder_product(x, a["tau"])]
    if op == "vander":
        return [L.vander(x, N=kw["N"])]
    if op == "vecdot":
        return [vecdot_2x(x, a["B"], kw["dim"])]
    if op == "cross":
        return [L.cross(x, a["B"], dim=kw["dim"])]
    if op == "tensorsolve":
        return [L.tensorsolve(x, a["B"], dims=None if kw["dims"] is None else tuple(kw["dims"]))]
    if op == "tensorinv":
        if kw["ind"] > x.dim():
            # 2.x's ArrayRef::slice(N) checks N (1.13's did not: "cannot create std::vector larger than max_size()")
            raise RuntimeError("ArrayRef: invalid slice, N = %d; size = %d" % (kw["ind"], x.dim()))
        return [L.tensorinv(x, ind=kw["ind"])]
    if op == "diagonal":
        return [L.diagonal(x, offset=kw["offset"], dim1=kw["dim1"], dim2=kw["dim2"])]
    if op == "multi_dot":
        return [L.multi_dot([a[k] for k in "ABC"[:kw["n"]]])]
    if op == "ldl_solve":
        ld, piv = L.ldl_factor(x, hermitian=kw["hermitian"])
        return [L.ldl_solve(ld, piv, a["B"], hermitian=kw["hermitian"])]
    if op == "ldl_factor_ex":
        r = L.ldl_factor_ex(x, hermitian=kw["hermitian"], check_errors=kw["check_errors"])
        return [r.info]
    if op == "lstsq":
        return [L.lstsq(x, a["B"], driver=kw["driver"]).solution]
    raise ValueError(op)


# ---- builders: (args [(name, tensor, grad)], kw, cond) ----

def val_case(op, dt):
    b = batch()
    n = R.randint(1, 5)
    c = cond_for(dt)
    kw = {}
    args = []
    amp = 1.0  # how much the op amplifies roundings (the tolerance's factor)
    if op in ("det", "slogdet", "inv", "inv_ex", "matrix_exp", "matrix_power", "lu_factor", "lu_factor_ex"):
        A = conditioned(b, n, dt, c)
        if op == "matrix_exp":
            A = A * R.choice([0.5, 1.0, 3.0])
        if op == "matrix_power":
            kw["n"] = R.choice([-3, -2, -1, 0, 1, 2, 3])
        if op == "inv_ex" or op == "lu_factor_ex":
            kw["check_errors"] = R.choice([True, False])
        args.append(("A", A, True))
        amp = c * c if op in ("inv", "inv_ex", "matrix_power") else c
    elif op == "lu":
        m = R.randint(1, 5)
        args.append(("A", rnd(b + [m, n], dt), True))
        amp = 1e3
    elif op in ("solve", "solve_ex", "lu_solve"):
        ba, bb = bcast_pair(b)
        k = R.randint(1, 3)
        left = R.random() < 0.7
        kw["left"] = left
        if op == "solve_ex":
            kw["check_errors"] = R.choice([True, False])
        if op == "lu_solve":
            kw["adjoint"] = R.choice([True, False])
        A = conditioned(ba, n, dt, c)
        if left and op != "lu_solve" and R.random() < 0.25 and len(bb) <= len(ba):
            B = rnd(ba + [n], dt)  # a vector right-hand side (batch equal to A's)
        else:
            B = rnd(bb + ([n, k] if left else [k, n]), dt)
        args += [("A", A, True), ("B", B, True)]
        amp = c * c
    elif op in ("cholesky", "cholesky_ex", "cholesky_inverse"):
        A = hpd(b, n, dt, c)
        kw["upper"] = R.choice([True, False])
        if op == "cholesky_ex":
            kw["check_errors"] = R.choice([True, False])
        if op == "cholesky_inverse":
            Lc = torch.linalg.cholesky(A.to(C128 if dt.is_complex else F64), upper=kw["upper"]).to(dt)
            args.append(("A", Lc, True))
            amp = c * c
        else:
            args.append(("A", A, True))
            amp = c
    elif op == "cholesky_solve":
        ba, bb = bcast_pair(b)
        A = hpd(ba, n, dt, c)
        kw["upper"] = R.choice([True, False])
        Lc = torch.linalg.cholesky(A.to(C128 if dt.is_complex else F64), upper=kw["upper"]).to(dt)
        k = R.randint(1, 3)
        args += [("A", Lc, True), ("B", rnd(bb + [n, k], dt), True)]
        amp = c * c
    elif op == "solve_triangular":
        ba, bb = bcast_pair(b)
        up = R.choice([True, False])
        left = R.random() < 0.7
        unit = R.random() < 0.3
        k = R.randint(1, 3)
        kw = {"upper": up, "left": left, "unitriangular": unit}
        args += [("A", tri(ba, n, dt, up, unit), True), ("B", rnd(bb + ([n, k] if left else [k, n]), dt), True)]
        amp = 1e4
    elif op == "qr":
        m = R.randint(1, 5)
        kw["mode"] = R.choice(["reduced", "complete", "r"])
        A = rnd(b + [m, n], dt)
        # full rank (the gradient needs it and m >= n or reduced for complete); mode r has no gradient
        args.append(("A", A, kw["mode"] != "r" and (m >= n or kw["mode"] == "reduced") and m >= n))
        amp = 1e3
    elif op in ("eigh", "eigvalsh"):
        kw["UPLO"] = R.choice(["L", "U"])
        A = herm(b, n, dt)
        if R.random() < 0.3:
            # the other triangle garbage: only UPLO's is read
            noise = rnd(b + [n, n], dt)
            A = A + (noise.triu(1) if kw["UPLO"] == "L" else noise.tril(-1))
        args.append(("A", A, True))
        amp = 1e3
    elif op in ("eig", "eigvals"):
        A = rnd(b + [n, n], dt) * 2
        args.append(("A", A, True))
        amp = 1e4
    elif op in ("svd", "svdvals"):
        m = R.randint(1, 5)
        args.append(("A", rnd(b + [m, n], dt), True))
        amp = 1e3
    elif op in ("matrix_rank", "pinv"):
        m = R.randint(1, 5)
        kw["hermitian"] = R.random() < 0.3
        if kw["hermitian"]:
            m = n
        r = R.randint(0, min(m, n))
        # rank r (exactly low rank: small singular values are ~1e-16 / ~1e-7 relative)
        X = rnd(b + [m, r], dt) @ rnd(b + [r, n], dt) if r > 0 else torch.zeros(b + [m, n], dtype=dt)
        if kw["hermitian"]:
            X = X @ X.mH
            X = (X + X.mH) / 2
        # no zero tolerance (atol 0 and rtol 0): the rank would count the roundoff-level singular values
        tol = R.choice([(None, None), (None, None), (0.5, None), (None, 0.1), (0.1, 0.01), (0.0, None), (None, 1e-3)])
        kw["atol"], kw["rtol"] = tol
        if op == "pinv" and (kw["atol"] == 0.0 or kw["rtol"] == 0.0 or tol == (None, None)):
            kw["atol"], kw["rtol"] = None, 1e-3 if dt in (F32, C64) else 1e-6  # no 1 / (roundoff) singular values
        args.append(("A", X, op == "pinv" and r == min(m, n)))
        amp = 1e4
    elif op == "matrix_norm":
        m = R.randint(1, 5)
        kw["ord"] = R.choice(["fro", "nuc", 1, -1, 2, -2, INF, -INF])
        nd = len(b) + 2
        dims = R.choice([[-2, -1], [-1, -2], [0, nd - 1], [nd - 1, 0]] if nd > 2 else [[-2, -1], [-1, -2], [0, 1]])
        kw["dim"] = dims
        kw["keepdim"] = R.choice([True, False])
        args.append(("A", rnd(b + [m, n], dt), True))
        amp = 1e2
    elif op == "vector_norm":
        shape = b + [R.randint(1, 5)] + ([R.randint(1, 4)] if R.random() < 0.5 else [])
        kw["ord"] = R.choice([2, 2, 1, 0, INF, -INF, 3.5, -1, 0.5])
        nd = len(shape)
        kw["dim"] = R.choice([None, [-1], [0], list(range(nd)), [nd - 1, 0] if nd > 1 else [0]])
        kw["keepdim"] = R.choice([True, False])
        x = rnd(shape, dt)
        if R.random() < 0.2:
            x = x * (torch.rand(shape) < 0.5).to(dt)  # zeros (ord 0, the gradient at 0)
        args.append(("A", x, True))
        amp = 1e2
    elif op == "cond":
        kw["p"] = R.choice([None, None, "fro", "nuc", 1, -1, 2, -2, INF, -INF])
        if kw["p"] in (None, 2, -2) and R.random() < 0.4:
            m = R.randint(1, 5)
            A = rnd(b + [m, n], dt)  # 2-norm cond of a rectangular input
        else:
            A = conditioned(b, n, dt, min(c, 1e3))
        args.append(("A", A, True))
        amp = 1e6
    elif op == "householder_product":
        m = R.randint(1, 5)
        n2 = R.randint(1, m)
        k = R.randint(0, n2)
        g = torch.geqrf(rnd(b + [m, n2], C128 if dt.is_complex else F64))
        args += [("A", g[0].to(dt), True), ("tau", g[1][..., :k].to(dt), True)]
        amp = 1e2
    elif op == "vander":
        shape = b + [R.randint(1, 5)]
        kw["N"] = R.choice([None, 1, 3, 5])
        args.append(("A", rnd(shape, dt) * 1.5, True))
        amp = 1e2
    elif op in ("vecdot", "cross"):
        last = 3 if op == "cross" else R.randint(1, 5)
        ba, bb = bcast_pair(b)
        sa, sb = ba + [last], bb + [last]
        if op == "cross" and R.random() < 0.3 and len(sa) >= 2:
            # the 3 elsewhere than the last dim (dim given)
            sa = sa[:-1] + [2]
            sa = [3] + sa if False else sa
        if op == "cross" and sa[-1] != 3:
            sa[-1] = 3
        kw["dim"] = -1
        if op == "vecdot" and R.random() < 0.3 and len(sa) >= 2 and len(sa) == len(sb):
            kw["dim"] = 0
            sa = [last] + sa[:-1]
            sb = [last] + sb[:-1]
            sa[1:] = [x if x == y or x == 1 else y for x, y in zip(sa[1:], sb[1:])]
        args += [("A", rnd(sa, dt), True), ("B", rnd(sb, dt), True)]
        amp = 10
    elif op == "tensorsolve":
        shapes = R.choice([([2, 3, 6], [2, 3]), ([6, 2, 3], [6]), ([4, 2, 2], [4]), ([2, 2, 2, 2], [2, 2]),
                           ([3, 2, 1, 6], [3, 2])])
        sa, sb = shapes
        kw["dims"] = None
        A = conditioned([], numel(sb), dt, min(c, 100.0)).reshape(sa)
        if R.random() < 0.3 and len(sa) == 3 and sa[0] * sa[1] == sa[2]:
            # dims moves a dimension to the end first
            kw["dims"] = [0]
            A = A.movedim(-1, 0).contiguous() if False else A.movedim(0, -1).contiguous().movedim(-1, 0)
            A = A.movedim(-1, 0).contiguous()
            sa = list(A.shape)
        args += [("A", A, True), ("B", rnd(sb, dt), True)]
        amp = 1e4
    elif op == "tensorinv":
        sa, ind = R.choice([([4, 2, 2], 1), ([2, 2, 4], 2), ([6, 2, 3], 1), ([2, 3, 6], 2), ([2, 2, 2, 2], 2),
                            ([1, 1], 1), ([3, 3], 1)])
        kw["ind"] = ind
        p = numel(sa[:ind])
        A = conditioned([], p, dt, min(c, 100.0)).reshape(sa)
        args.append(("A", A, True))
        amp = 1e4
    elif op == "diagonal":
        shape = b + [R.randint(1, 4), R.randint(1, 4)] + ([R.randint(1, 3)] if R.random() < 0.3 else [])
        nd = len(shape)
        kw["offset"] = R.randint(-2, 2)
        d1, d2 = R.sample(range(-nd, nd), 2) if nd > 1 else (-2, -1)
        if d1 % nd == d2 % nd:
            d1, d2 = -2, -1
        kw["dim1"], kw["dim2"] = d1, d2
        args.append(("A", rnd(shape, dt), True))
    elif op == "multi_dot":
        k = R.choice([2, 3, 3])
        dims = [R.randint(1, 4) for _ in range(k + 1)]
        shapes = [[dims[i], dims[i + 1]] for i in range(k)]
        if R.random() < 0.3:
            shapes[0] = [dims[1]]  # a 1-D first
        if R.random() < 0.3:
            shapes[-1] = [dims[k - 1]]  # a 1-D last
        kw["n"] = k
        for nm, s in zip("ABC", shapes):
            args.append((nm, rnd(s, dt), True))
        amp = 10
    elif op in ("ldl_solve", "ldl_factor_ex"):
        kw["hermitian"] = dt.is_complex and R.random() < 0.6
        if kw["hermitian"] or not dt.is_complex:
            A = herm(b, n, dt)
        else:
            A = rnd(b + [n, n], dt)
            A = A + A.mT  # complex symmetric
            A = A + torch.diag_embed(torch.full(b + [n], 3.0, dtype=dt))
        if op == "ldl_factor_ex":
            kw["check_errors"] = R.choice([True, False])
            args.append(("A", A, False))
        else:
            args += [("A", A, False), ("B", rnd(b + [n, R.randint(1, 3)], dt), False)]
        amp = 1e4
    elif op == "lstsq":
        m = n + R.randint(0, 3)
        kw["driver"] = R.choice([None, "gelsy", "gelsd", "gelss", "gels"])
        A = rnd(b + [m, n], dt) + torch.cat([torch.eye(n, dtype=dt) * 2, torch.zeros(m - n, n, dtype=dt)])
        args += [("A", A, True), ("B", rnd(b + [m, R.randint(1, 3)], dt), True)]
        amp = 1e2
    else:
        raise ValueError(op)
    return args, kw, amp


VAL_OPS = {"det": 3, "slogdet": 3, "inv": 3, "inv_ex": 2, "solve": 5, "solve_ex": 2, "cholesky": 3, "cholesky_ex": 2,
           "lu_factor": 3, "lu_factor_ex": 2, "lu": 3, "lu_solve": 4, "cholesky_solve": 3, "cholesky_inverse": 2,
           "solve_triangular": 4, "qr": 3, "eigh": 3, "eigvalsh": 2, "eig": 3, "eigvals": 2, "svd": 3, "svdvals": 2,
           "matrix_rank": 3, "pinv": 3, "matrix_norm": 4, "vector_norm": 4, "cond": 3, "matrix_exp": 3,
           "matrix_power": 3, "householder_product": 2, "vander": 2, "vecdot": 3, "cross": 3, "tensorsolve": 2,
           "tensorinv": 2, "diagonal": 2, "multi_dot": 2, "ldl_solve": 2, "ldl_factor_ex": 1, "lstsq": 3}


def _pow2(x):
    """x (a Fraction) is +-2^k."""
    if x == 0:
        return False
    x = abs(x)
    n, d = x.numerator, x.denominator
    return (n & (n - 1)) == 0 and (d & (d - 1)) == 0


def exact_lu_ok(M):
    """Partial-pivoting LU of M (lists of (re, im) Fractions) in exact arithmetic: True where every pivot is 0 or
    +-2^k (or +-i 2^k), each column's largest candidate is unique by |re| + |im| (LAPACK's i?amax) and by modulus alike
    (or the column is all zero), and every value stays a dyadic of denominator at most 2^8 below 2^8 in size, so that
    any implementation's elimination, in any order, computes exactly these numbers; also the zero pivots' positions."""
    from fractions import Fraction
    n = len(M)
    A = [[list(v) for v in row] for row in M]
    zeros = []
    for k in range(n):
        cands = [(abs(A[i][k][0]) + abs(A[i][k][1]), A[i][k][0] ** 2 + A[i][k][1] ** 2, i) for i in range(k, n)]
        best1 = max(c[0] for c in cands)
        if best1 == 0:
            zeros.append(k + 1)
            continue
        top1 = [c for c in cands if c[0] == best1]
        best2 = max(c[1] for c in cands)
        top2 = [c for c in cands if c[1] == best2]
        if len(top1) != 1 or len(top2) != 1 or top1[0][2] != top2[0][2]:
            return False, None
        p = top1[0][2]
        A[k], A[p] = A[p], A[k]
        pr, pi = A[k][k]
        if pi == 0 and _pow2(pr):
            inv = (1 / pr, Fraction(0))
        elif pr == 0 and _pow2(pi):
            inv = (Fraction(0), -1 / pi)
        else:
            return False, None
        for i in range(k + 1, n):
            a = A[i][k]
            m = (a[0] * inv[0] - a[1] * inv[1], a[0] * inv[1] + a[1] * inv[0])
            A[i][k] = list(m)
            for j in range(k + 1, n):
                u = A[k][j]
                v = A[i][j]
                A[i][j] = [v[0] - (m[0] * u[0] - m[1] * u[1]), v[1] - (m[0] * u[1] + m[1] * u[0])]
                for part in A[i][j]:
                    if part.denominator > 256 or abs(part) >= 256:
                        return False, None
    return True, zeros


def exact_singular(n, dt, zero_rows):
    """An n x n dyadic matrix P L U (L unit lower with entries of modulus at most 1/2, U upper with +-1 / +-2 on its
    diagonal, the rows zero_rows of U zero) whose LU, of it and of its transpose, is exact in every implementation
    (exact_lu_ok), or None after 200 tries."""
    from fractions import Fraction
    cx = dt.is_complex
    for _ in range(200):
        def small():
            if cx:
                return complex(R.choice([0, 0, 0.5, -0.5, 0.25]), R.choice([0, 0, 0.25, -0.25]))
            return R.choice([0, 0, 0.5, -0.5, 0.25, -0.25])
        Lm = torch.eye(n, dtype=C128 if cx else F64)
        Um = torch.zeros(n, n, dtype=C128 if cx else F64)
        for i in range(n):
            for j in range(n):
                if j < i:
                    Lm[i, j] = small()
                elif j > i:
                    Um[i, j] = R.choice([0, 0.5, -0.5, 1, -1, 0.25]) if not cx else complex(R.choice([0, 0.5, -1]),
                                                                                           R.choice([0, 0.5, -0.5]))
            Um[i, i] = R.choice([1, -1, 2, -2])
        for r in zero_rows:
            Um[r, :] = 0
        perm = list(range(n))
        R.shuffle(perm)
        A = (Lm @ Um)[perm]
        ok = True
        for M in (A, A.mT):
            rows = [[(Fraction(complex(v).real), Fraction(complex(v).imag)) for v in row] for row in M.tolist()]
            good, _ = exact_lu_ok(rows)
            ok = ok and good
        if ok:
            return A.to(dt)
    return None


def sing_case():
    """A singular or non-positive-definite input for an op that checks it: LU-based ops get exact_singular matrices
    (every implementation meets the same exact zero pivots, in A's LU and in A^T's, which 2.x factors for a real
    contiguous input), the Cholesky ones M D M^H with a negative entry in D (the first non-positive leading minor is
    the first negative entry's, whatever the roundings), cholesky_inverse a factor with a zero on its diagonal."""
    op = R.choice(["inv", "inv_ex", "solve", "solve_ex", "lu_factor", "lu_factor_ex", "lu", "det", "slogdet",
                   "cholesky", "cholesky_ex", "cholesky", "inv", "solve", "matrix_power", "cholesky_inverse"])
    dt = R.choice([F32, F64, C64, C128])
    b = R.choice([[], [], [2], [3], [2, 2]])
    n = R.randint(2, 5)
    kw = {}
    nb = numel(b)
    if op.startswith("cholesky") and op != "cholesky_inverse":
        mats = []
        for _ in range(nb):
            M = dy([n, n], dt, -2, 2).tril(-1) + torch.eye(n, dtype=dt)
            d = [R.randint(1, 3) for _ in range(n)]
            if R.random() < 0.75:
                d[R.randrange(n)] = R.choice([-1, -2])
            mats.append(M @ torch.diag(torch.tensor(d, dtype=F64)).to(dt) @ M.mH)
        A = torch.stack(mats).reshape(b + [n, n])
        kw["upper"] = R.choice([True, False])
        if op == "cholesky_ex":
            kw["check_errors"] = R.choice([True, False])
        return op, dt, [("A", A, False)], kw
    if op == "cholesky_inverse":
        mats = []
        kw["upper"] = R.choice([True, False])
        for _ in range(nb):
            Lc = dy([n, n], dt, -2, 2)
            Lc = Lc.triu(1) if kw["upper"] else Lc.tril(-1)
            d = [R.choice([1, 2]) for _ in range(n)]
            if R.random() < 0.7:
                d[R.randrange(n)] = 0
            mats.append(Lc + torch.diag(torch.tensor(d, dtype=F64)).to(dt))
        return op, dt, [("A", torch.stack(mats).reshape(b + [n, n]), False)], kw
    mats = []
    for _ in range(nb):
        zr = [] if R.random() < 0.25 else R.sample(range(n), R.choice([1, 1, 1, 2]))
        M = exact_singular(n, dt, zr)
        if M is None:
            M = torch.zeros(n, n, dtype=dt)
        mats.append(M)
    A = torch.stack(mats).reshape(b + [n, n])
    args = [("A", A, False)]
    if op in ("solve", "solve_ex"):
        kw["left"] = True
        args.append(("B", dy(b + [n, 2], dt), False))
    if op in ("inv_ex", "solve_ex", "lu_factor_ex"):
        kw["check_errors"] = R.choice([True, False])
    if op == "matrix_power":
        kw["n"] = R.choice([-1, -2])
    return op, dt, args, kw


def empty_case():
    op = R.choice(sorted(VAL_OPS))
    dt = R.choice([F32, F64, C64, C128])
    R.random()
    args, kw, amp = val_case(op, dt)
    # shrink: a zero batch, or matrices of 0 rows / cols
    new = []
    how = R.choice(["batch", "n", "m"])
    for nm, t, g in args:
        s = list(t.shape)
        if how == "batch" and len(s) >= 3:
            s[0] = 0
        elif how == "n" and len(s) >= 1:
            s[-1] = 0
            if op in ("det", "slogdet", "inv", "inv_ex", "solve", "solve_ex", "lu_solve", "cholesky", "cholesky_ex",
                      "cholesky_inverse", "cholesky_solve", "solve_triangular", "eigh", "eigvalsh", "eig", "eigvals",
                      "matrix_exp", "matrix_power", "ldl_solve", "ldl_factor_ex", "lu_factor", "lu_factor_ex",
                      "cond") and len(s) >= 2 and nm == "A":
                s[-2] = 0
            if nm == "B" and op in ("solve", "solve_ex", "lu_solve", "cholesky_solve", "solve_triangular", "ldl_solve",
                                    "lstsq") and len(s) >= 2:
                s[-1] = t.shape[-1]
                s[-2] = 0 if kw.get("left", True) else t.shape[-2]
                if not kw.get("left", True):
                    s[-1] = 0
        elif how == "m" and len(s) >= 2:
            s[-2] = 0
        new.append((nm, torch.zeros(s, dtype=t.dtype) if s != list(t.shape) else t, g))
    if how == "batch":
        new = [(nm, t, g) for nm, t, g in new]
    return op, dt, new, kw


def refuse_case():
    """A call PyTorch refuses: the wrong shape, dtype, or argument."""
    kind = R.choice(["nonsquare", "onedim", "int", "half", "mixed", "bcast", "fit", "badarg"])
    op = R.choice(sorted(VAL_OPS))
    dt = R.choice([F32, F64, C64, C128])
    args, kw, amp = val_case(op, dt)
    args = [(nm, t, False) for nm, t, g in args]
    if kind == "nonsquare":
        nm, t, g = args[0]
        s = list(t.shape)
        if len(s) >= 2:
            s[-1] += 1
        args[0] = (nm, rnd(s, t.dtype), g)
    elif kind == "onedim":
        nm, t, g = args[0]
        args[0] = (nm, rnd([R.randint(1, 4)], t.dtype), g)
    elif kind == "int":
        nm, t, g = args[0]
        args[0] = (nm, dy(list(t.shape), R.choice([I64, I32])), g)
    elif kind == "half":
        # every argument float16 (no mixed types); not the ops whose CPU kernels 2.x may have given float16 since 1.13
        # (1.13's "not implemented for 'Half'" is then no 2.x answer)
        if op in ("matrix_exp", "cross", "vecdot", "multi_dot", "vander", "diagonal", "vector_norm", "matrix_power"):
            op = "det"
            args, kw, amp = val_case(op, dt)
            args = [(nm, t, False) for nm, t, g in args]
        args = [(nm, (t.real if t.is_complex() else t).to(F16), g) for nm, t, g in args]
    elif kind == "mixed":
        if len(args) >= 2:
            nm, t, g = args[1]
            other = {F32: F64, F64: F32, C64: C128, C128: C64}[t.dtype] if R.random() < 0.6 else \
                (F32 if t.is_complex() else C64)
            args[1] = (nm, t.to(other) if not (t.is_complex() and not other.is_complex) else t.real.to(other), g)
        else:
            nm, t, g = args[0]
            args[0] = (nm, dy(list(t.shape), torch.bool), g) if False else (nm, t.to(torch.bool), g)
    elif kind == "bcast":
        if len(args) >= 2:
            nm, t, g = args[1]
            args[1] = (nm, rnd([5] + list(t.shape), t.dtype) if t.dim() >= 1 else rnd([5], t.dtype), g)
            nm0, t0, g0 = args[0]
            args[0] = (nm0, torch.cat([t0.unsqueeze(0)] * 2) if t0.dim() >= 1 else t0, g0)
    elif kind == "fit":
        if len(args) >= 2:
            nm, t, g = args[1]
            s = list(t.shape)
            if s:
                s[-1 if R.random() < 0.5 or len(s) < 2 else -2] += 1
            args[1] = (nm, rnd(s, t.dtype), g)
    else:
        bad = {"qr": ("mode", "full"), "eigh": ("UPLO", "X"), "eigvalsh": ("UPLO", "l"), "lstsq": ("driver", "gelsq"),
               "matrix_norm": ("ord", R.choice([3, "abc", 0])), "vector_norm": ("dim", [0, 0]),
               "cond": ("p", R.choice([3, "abc", 0])), "diagonal": ("dim1", 7), "tensorinv": ("ind", 0),
               "vecdot": ("dim", 5), "cross": ("dim", 4), "matrix_rank": ("atol", -1.0) if False else ("hermitian", True),
               "vander": ("N", -1)}
        if op in bad:
            k, v = bad[op]
            kw[k] = v
            if op == "matrix_rank":
                nm, t, g = args[0]
                s = list(t.shape)
                if len(s) >= 2 and s[-1] == s[-2]:
                    s[-1] += 1
                args[0] = (nm, rnd(s, t.dtype), g)
    return op, args[0][1].dtype, args, kw


def gauge_case():
    """A complex svd / eig whose loss depends on the vectors' phase: PyTorch's backward refuses it as ill-defined;
    the same vectors through |V|^2 do not (both written)."""
    op = R.choice(["svd_raw", "eig_raw", "eigh_raw"])
    dt = C128
    b = R.choice([[], [2]])
    n = R.randint(2, 4)
    if op == "eigh_raw":
        A = herm(b, n, dt)
    else:
        A = rnd(b + [n, n], dt)
    return op, dt, [("A", A, True)], {}


def raw_call(op, a):
    x = a["A"]
    if op == "svd_raw":
        u, s, vh = torch.linalg.svd(x, full_matrices=False)
        return [u]
    if op == "eig_raw":
        return [torch.linalg.eig(x)[1]]
    return [torch.linalg.eigh(x)[1]]


def err_text(e):
    msg = str(e).split("\n")[0]
    for pat, rep in MSG_2X:
        msg = re.sub(pat, rep, msg)
    return msg


def upcast(t):
    if t.dtype == F32:
        return t.to(F64)
    if t.dtype == C64:
        return t.to(C128)
    return t


def value_scale(t):
    if t.numel() == 0 or not (t.is_floating_point() or t.is_complex()):
        return 1.0
    v = t.detach().abs().to(F64)
    v = v[torch.isfinite(v)]
    return max(1.0, float(v.max())) if v.numel() else 1.0


def max_err(a, b):
    if a.numel() == 0:
        return 0.0
    d = (a.detach().to(b.dtype) - b.detach()).abs().to(F64)
    both_nan = torch.isnan(a.detach().abs().to(F64)) & torch.isnan(b.detach().abs().to(F64))
    d = torch.where(both_nan, torch.zeros_like(d), d)
    return float(d.max())


def emit(label, fam, op, args, kw, raw=False):
    dt0 = args[0][1].dtype
    lines = ["=== %s %s %s %s" % (label, fam, op, str(dt0).replace("torch.", ""))]
    for n, t, _ in args:
        lines.append("a %s %s" % (n, tline(t)))
    low = dt0 in (F32, C64)
    rg = [n for n, t, g in args if g and not low and t.dtype in (F64, C128)]
    lines.append("rg " + " ".join(rg))
    lines.append("s " + " ".join([op] + ["%s=%s" % (key, pv(val)) for key, val in kw.items()]))
    leaves = {}
    for n, t, g in args:
        t = t.clone()
        leaves[n] = t.requires_grad_(True) if n in rg else t
    call = (lambda a: raw_call(op, a)) if raw else (lambda a: op_call(op, a, kw))
    try:
        outs = call(leaves)
    except Exception as e:  # noqa
        lines.append("tol 1")
        lines.append("err " + err_text(e))
        return lines
    # the tolerance's factor: float64 100 times the op's amplification (at most 1e6); single precision from PyTorch's
    # own error against the same input in double precision
    factor = 100.0
    if low and not raw:
        try:
            ref = op_call(op, {n: upcast(t) for n, t, _ in args}, kw)
            for o, r in zip(outs, ref):
                if o.is_floating_point() or o.is_complex():
                    if o.shape != r.shape:
                        continue
                    e = max_err(o, r) / (1e-5 * value_scale(r))
                    factor = max(factor, 3 * e)
        except Exception:  # noqa
            factor = 1e3
        factor = max(factor, 10.0)
    elif not low:
        factor = 100.0 * min(1e6, max(1.0, AMP[0]))
    lines.append("tol %s" % num(float("%.3g" % factor)))
    undefined = set()
    if op in ("inv_ex", "solve_ex") and bool((outs[1] != 0).any()):
        # the inverse / solution of a singular system: PyTorch's docs leave it undefined (getrs divides by the zero
        # pivot; which entries become inf or NaN follows its BLAS's operation order): only info is compared
        undefined.add(0)
    for i, o in enumerate(outs):
        if raw or i in undefined:
            continue
        lines.append("o %d %s" % (i, tline(o)))
    for i, o in enumerate(outs):
        # the nodes of the linear algebra's own functions (a composite's inner nodes are its implementation's)
        if rg and o.grad_fn is not None and not raw and o.grad_fn.name().startswith(("Linalg", "Cholesky")) \
                and op not in ("eig", "eigvals"):
            lines.append("fn %d %s" % (i, NODE_2X.get(o.grad_fn.name(), o.grad_fn.name())))
    if not rg:
        return lines
    gs = []
    gl = []
    for i, o in enumerate(outs):
        if o.requires_grad and (o.is_floating_point() or o.is_complex()):
            if o.is_complex():
                g = torch.complex(torch.tensor([R.randint(-8, 8) / 8 for _ in range(o.numel())], dtype=F64),
                                  torch.tensor([R.randint(-8, 8) / 8 for _ in range(o.numel())], dtype=F64))
            else:
                g = torch.tensor([R.randint(-8, 8) / 8 for _ in range(o.numel())], dtype=F64)
            g = g.reshape(o.shape).to(o.dtype)
            gs.append((o, g))
            gl.append("g %d %s" % (i, tline(g)))
    if not gs:
        for n in rg:
            lines.append("gx %s none" % n)
        return lines
    lines += gl
    ins = [leaves[n] for n in rg]
    try:
        loss = sum(((o * g.conj()).real if o.is_complex() else o * g).sum() for o, g in gs)
        grads = torch.autograd.grad(loss, ins, allow_unused=True)
    except Exception as e:  # noqa
        lines.append("gerr " + err_text(e))
        return lines
    for n, gr in zip(rg, grads):
        lines.append("gx %s %s" % (n, "none" if gr is None else tline(gr)))
    return lines


AMP = [1.0]


def fixes():
    """FuzzRound41FixesTest's cases (FUZZ_FIXES=1), by fix."""
    out = []
    AMP[0] = 1.0
    # linalg.vander of a complex input stays complex (Ember gave int64)
    out += emit("fix_vander_c64", "fix", "vander", [("A", rnd([2, 3], C64), False)], {"N": 4})
    out += emit("fix_vander_c128", "fix", "vander", [("A", rnd([3], C128), True)], {"N": None})
    # solve_ex's info has A's batch shape, not the broadcast one; an empty broadcast batch still factors A
    out += emit("fix_solve_ex_info_a_batch", "fix", "solve_ex",
                [("A", conditioned([], 3, F64, 10.0), True), ("B", rnd([2, 3, 2], F64), True)],
                {"left": True, "check_errors": False})
    out += emit("fix_solve_ex_info_a_batch_2", "fix", "solve_ex",
                [("A", conditioned([1, 2], 3, F32, 10.0), False), ("B", rnd([2, 1, 1, 3], F32), False)],
                {"left": False, "check_errors": True})
    out += emit("fix_solve_empty_b_batch", "fix", "solve",
                [("A", torch.zeros(3, 3, dtype=F64), False), ("B", torch.zeros(0, 3, 2, dtype=F64), False)],
                {"left": True})
    # inv / inv_ex / solve_ex of a real contiguous singular A: 2.x factors A^T (its first zero pivot: 4 here, A's: 3)
    a16 = torch.tensor([2.0, 0.0, 0.0, -1.0, 2.0, 0.0, 0.0, 0.0, -2.0, -2.0, 0.0, 2.0, 0.5, 0.0, 0.0, 2.0],
                       dtype=F64).reshape(4, 4)
    out += emit("fix_inv_at", "fix", "inv", [("A", a16, False)], {})
    out += emit("fix_inv_at_batched", "fix", "inv", [("A", torch.stack([torch.eye(4, dtype=F64), a16]).to(F32),
                                                            False)], {})
    out += emit("fix_inv_ex_at", "fix", "inv_ex", [("A", torch.stack([a16, a16.mT]), False)],
                {"check_errors": False})
    out += emit("fix_inv_ex_at_check", "fix", "inv_ex", [("A", a16.unsqueeze(0), False)], {"check_errors": True})
    out += emit("fix_solve_ex_at", "fix", "solve_ex", [("A", a16, False), ("B", dy([4, 2], F64), False)],
                {"left": True, "check_errors": False})
    out += emit("fix_inv_complex_a", "fix", "inv", [("A", a16.to(C128), False)], {})
    # cholesky_inverse refuses a factor with a zero on its diagonal (potri's info), float16 in its dispatch's words
    lz = torch.tensor([[1.0, 0, 0], [0.5, 0, 0], [1, 2, 2]], dtype=F64)
    out += emit("fix_cholesky_inverse_zero", "fix", "cholesky_inverse", [("A", lz, False)], {"upper": False})
    out += emit("fix_cholesky_inverse_zero_batched", "fix", "cholesky_inverse",
                [("A", torch.stack([torch.eye(3, dtype=F64), lz.mT]).to(C64), False)], {"upper": True})
    out += emit("fix_cholesky_inverse_f16", "fix", "cholesky_inverse", [("A", torch.eye(2, dtype=F16), False)],
                {"upper": False})
    out += emit("fix_cholesky_solve_f16", "fix", "cholesky_solve",
                [("A", torch.eye(2, dtype=F16), False), ("B", torch.ones(2, 1, dtype=F16), False)], {"upper": False})
    g = torch.geqrf(rnd([3, 2], F64))
    out += emit("fix_householder_f16", "fix", "householder_product",
                [("A", g[0].to(F16), False), ("tau", g[1].to(F16), False)], {})
    # matrix_rank: an empty input is rank 0 before eigvalsh's square check; a given rtol skips the default's dtype check
    out += emit("fix_matrix_rank_empty_hermitian", "fix", "matrix_rank", [("A", torch.zeros(2, 0, 3, dtype=F32),
                                                                           False)],
                {"hermitian": True, "atol": None, "rtol": None})
    out += emit("fix_matrix_rank_int_rtol", "fix", "matrix_rank", [("A", dy([3, 3], I64), False)],
                {"hermitian": False, "atol": None, "rtol": 0.1})
    # pinv with a float atol and no rtol: the float overload's get_atol_rtol (_get_epsilon) refuses float16 first
    out += emit("fix_pinv_f16_atol", "fix", "pinv", [("A", rnd([2, 2], F16), False)],
                {"hermitian": False, "atol": 0.5, "rtol": None})
    # householder_product of an empty input (or tau): no gradient (None), as householder_product_backward returns
    out += emit("fix_householder_empty", "fix", "householder_product",
                [("A", torch.zeros(0, 2, 2, 1, dtype=C128), True), ("tau", torch.zeros(0, 2, 1, dtype=C128), True)], {})
    out += emit("fix_householder_empty_tau", "fix", "householder_product",
                [("A", rnd([3, 2], F64), True), ("tau", torch.zeros(0, dtype=F64), True)], {})
    # pinv of a 1-D input with a float atol and no rtol: the default rtol reads size(-2) first
    out += emit("fix_pinv_1d_atol", "fix", "pinv", [("A", rnd([3], F64), False)],
                {"hermitian": False, "atol": 0.5, "rtol": None})
    # lstsq with batches that do not broadcast: the sizes named input first (Ember named other's first)
    out += emit("fix_lstsq_batch_message", "fix", "lstsq", [("A", rnd([2, 3, 2], F64), False),
                                                             ("B", rnd([5, 3, 1], F64), False)], {"driver": None})
    # matrix_norm "nuc" / +-2 of float16: checkFloatingOrComplex's low-precision refusal before the SVD's kernel
    out += emit("fix_matrix_norm_nuc_f16", "fix", "matrix_norm", [("A", rnd([3, 2], F16), False)],
                {"ord": "nuc", "dim": [0, 1], "keepdim": True})
    out += emit("fix_matrix_norm_2_f16", "fix", "matrix_norm", [("A", rnd([2, 3, 2], F16), False)],
                {"ord": -2, "dim": [-2, -1], "keepdim": False})
    # tensorsolve with B of more dims than A: std::vector's refusal (slice's negative length wraps past its check)
    out += emit("fix_tensorsolve_b_dims", "fix", "tensorsolve", [("A", rnd([2], F64), False),
                                                                  ("B", rnd([2, 2], F64), False)], {"dims": None})
    return out


def main():
    if os.environ.get("FUZZ_FIXES"):
        print("\n".join(fixes()))
        return
    plan = []
    for op, w in sorted(VAL_OPS.items()):
        plan += [("val", op)] * max(1, int(round(w * 12 * SCALE_N)))
    plan += [("sing", None)] * int(round(250 * SCALE_N))
    plan += [("empty", None)] * int(round(180 * SCALE_N))
    plan += [("refuse", None)] * int(round(300 * SCALE_N))
    plan += [("gauge", None)] * int(round(30 * SCALE_N))
    R.shuffle(plan)
    out = []
    for k, (fam, op) in enumerate(plan):
        label = "r41_%d" % k
        if os.environ.get("FUZZ_TRACE"):
            print(label, fam, op, file=sys.stderr, flush=True)
        raw = False
        if fam == "val":
            dt = sdtype()
            args, kw, amp = val_case(op, dt)
            AMP[0] = amp
        elif fam == "sing":
            op, dt, args, kw = sing_case()
            AMP[0] = 1.0
        elif fam == "empty":
            op, dt, args, kw = empty_case()
            AMP[0] = 1.0
        elif fam == "refuse":
            op, dt, args, kw = refuse_case()
            AMP[0] = 1.0
        else:
            op, dt, args, kw = gauge_case()
            AMP[0] = 1.0
            raw = True
        out.extend(emit(label, fam, op, args, kw, raw))
    print("\n".join(out))


main()
