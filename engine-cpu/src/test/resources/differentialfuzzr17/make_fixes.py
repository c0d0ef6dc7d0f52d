# The regressions of round 17's fixes (FuzzRound17FixesTest.java): hand-picked cases in make_cases.py's format, each
# named after the fix it pins ("=== id kind name", the name the test method looks for), run by
# DifferentialFuzzR17Test.run.
#   run: cd engine-cpu/src/test/resources/differentialfuzzr17 && /usr/bin/python3 make_fixes.py > fixes.txt
#   (PyTorch 1.13, CPU; no randomness: the same bytes run after run). The 1.13-against-2.x notes of make_cases.py's
#   header hold here too; the 2.x rules used below are named where they are applied.
import os
import sys
import warnings

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_cases as mc  # noqa: E402
from make_cases import F64, I64, p, real_loss, sparse_lines, tline  # noqa: E402

OUT = mc.OUT


def coo(name, idx, vals, size, op, coal=False, extra_lines=(), other=None, dense=None, inp=None, ix=None, vview=None,
        **params):
    """A coo case: the sparse tensor (values seen through vview when given), then op as make_cases.coo_case runs it."""
    i = torch.tensor(idx, dtype=I64)
    v = vals if isinstance(vals, torch.Tensor) else torch.tensor(vals, dtype=F64)
    lines = ["i " + tline(i), "v " + tline(v)] + (["vview " + vview] if vview else []) + \
        [p(size=size, coal=coal), p(op=op)]
    vv = v.detach().clone()
    if vv.is_floating_point():
        vv.requires_grad_(True)
    vin = mc.apply_steps(vv, vview) if vview else vv
    try:
        s = torch.sparse_coo_tensor(i, vin, size) if size is not None else torch.sparse_coo_tensor(i, vin)
        if coal:
            s = s.coalesce()
    except Exception as e:
        mc.case("coo", name, lines + [mc.err_line(e)])
        return
    lines += list(extra_lines)
    o = None
    vv2 = None
    if other is not None:
        i2, v2, size2, c2 = other
        i2 = torch.tensor(i2, dtype=I64).reshape(len(i2), -1) if len(i2) else torch.zeros(1, 0, dtype=I64)
        v2 = torch.tensor(v2, dtype=F64)
        lines += ["i2 " + tline(i2), "v2 " + tline(v2), p(size2=size2, coal2=c2)]
        vv2 = v2.clone().requires_grad_(True)
        o = torch.sparse_coo_tensor(i2, vv2, size2)
        if c2:
            o = o.coalesce()
    d = None
    if dense is not None:
        lines.append("d " + tline(dense))
        d = dense.clone().requires_grad_(dense.dtype == F64)
    if inp is not None:
        lines.append("in " + tline(inp))
    if ix is not None:
        lines.append("ix " + tline(torch.tensor(ix, dtype=I64)))
    if params:
        lines.append(p(**params))
    try:
        if op == "add":
            res = torch.add(s, o, alpha=params.get("alpha", 1))
        elif op == "sub":
            res = torch.sub(s, o, alpha=params.get("alpha", 1))
        elif op in ("softmax", "log_softmax"):
            f = torch.sparse.softmax if op == "softmax" else torch.sparse.log_softmax
            res = f(s, params["dim"])
        elif op == "transpose":
            res = s.transpose(params["d0"], params["d1"])
        elif op == "index_select":
            res = s.index_select(params["dim"], torch.tensor(ix, dtype=I64))
        elif op == "addmm":
            res = torch.sparse.addmm(inp, s, d, beta=params["beta"], alpha=params["alpha"])
        elif op == "mm":
            res = torch.sparse.mm(s, d)
        elif op == "matmul":
            res = s.detach().matmul(d)
        elif op == "none":
            res = s
        elif op == "unary":
            res = s.pow(params["e"])
        else:
            raise AssertionError(op)
    except Exception as e:
        mc.case("coo", name, lines + [mc.err_line(e)])
        return
    if res.layout == torch.sparse_coo:
        lines += sparse_lines("r", res)
        dn = res.to_dense()
    else:
        lines.append("rd " + tline(res))
        dn = res
    if dn.requires_grad and dn.dtype == F64 and dn.numel() > 0 and op != "index_select":
        # (1.13's index_select backward of a sparse tensor fails: no sparse index_add_; addmm's with mixed types too)
        try:
            real_loss(dn).backward()
        except RuntimeError:
            mc.case("coo", name, lines)
            return
        for nm, t in (("gv", vv), ("gv2", vv2), ("gd", d)):
            if t is not None and t.requires_grad:
                lines.append(nm + " " + tline(t.grad if t.grad is not None else torch.zeros_like(t)))
    mc.case("coo", name, lines)


def dense_case(name, x, sd=None):
    """A dense kind case: x.to_sparse([sd]), its entries and the gradient of x through to_dense."""
    xx = x.clone().requires_grad_(True)
    s = xx.to_sparse() if sd is None else xx.to_sparse(sd)
    lines = ["x " + tline(x), p(sd=sd)] + sparse_lines("r", s)
    real_loss(s.to_dense()).backward()
    mc.case("dense", name, lines + ["gx " + tline(xx.grad)])


def csr_to_coo(name, comp, plain, vals, size):
    ci = torch.tensor(comp, dtype=I64)
    pi = torch.tensor(plain, dtype=I64)
    v = torch.tensor(vals, dtype=F64)
    s = torch.sparse_csc_tensor(ci, pi, v, size)
    coo_ = s.to_sparse()
    out = sparse_lines("r", coo_)
    # 2.x's sparse_compressed_to_sparse: a CSC tensor's COO form is coalesced only without elements or with one entry
    flag = s.numel() == 0 or coo_._nnz() == 1
    out[1] = "rdims %d %d %d %s" % (coo_.sparse_dim(), coo_.dense_dim(), coo_._nnz(), flag)
    mc.case("csr", name, ["ci " + tline(ci), "pi " + tline(pi), "v " + tline(v), p(fmt="csc", size=size, op="to_coo"),
                          "sz " + ",".join(str(x) for x in s.shape), "rd " + tline(s.to_dense())] + out)


def main():
    t = torch.tensor
    # sparse softmax / log_softmax: the dim unwrapped, checked before the type
    coo("softmax_dim", [[0, 1, 1], [2, 0, 2]], [1.0, 2.0, 3.0], [2, 3], "softmax", dim=-1)
    coo("softmax_dim", [[0, 1, 1], [2, 0, 2]], [1.0, 2.0, 3.0], [2, 3], "log_softmax", dim=2)
    coo("softmax_dim", [[0, 1, 1], [2, 0, 2]], t([1, 2, 3]), [2, 3], "log_softmax", dim=-2)
    coo("softmax_dim", [[0, 1, 1], [2, 0, 2]], t([1, 2, 3]), [2, 3], "softmax", dim=1)
    coo("softmax_dim", [[0, 1, 1], [2, 0, 2]], [1.0, 2.0, 3.0], [2, 3], "softmax", dim=1)
    # no elements: PyTorch's empty_like output (no entries, the dims kept), before the type dispatch
    coo("softmax_empty", [[]], torch.zeros(0, 2, 2, dtype=I64), None, "softmax", dim=0)
    coo("softmax_empty", [[0, 1]], torch.zeros(2, 0, dtype=F64), [3, 0], "log_softmax", dim=1)
    coo("softmax_empty", [[0, 1]], torch.zeros(2, 0, dtype=I64), [3, 0], "softmax", dim=0)
    coo("softmax_empty", [[0, 1]], torch.zeros(2, 0, dtype=I64), [3, 0], "softmax", dim=2)
    # a scalar value: one entry (expand_values_if_needed), differentiable
    coo("scalar_values", [[1]], t(5.0, dtype=F64), [3], "none")
    coo("scalar_values", [[1]], t(5.0, dtype=F64), None, "none")
    coo("scalar_values", [[0, 1]], t(5.0, dtype=F64), [3], "none")
    # sparse add / sub: PyTorch's merge of the two entry lists
    coo("add_merge", [[0, 2, 1, 1]], [1.0, 2.0, 3.0, 4.0], [3], "add", other=([[1, 0, 2]], [10.0, 20.0, 30.0], [3], False),
        alpha=2.5)
    coo("add_merge", [[0, 1, 1, 0], [1, 0, 0, 1]], [1.0, 2.0, 3.0, 4.0], [2, 2], "sub",
        other=([[0, 1], [1, 0]], [10.0, 20.0], [2, 2], True), alpha=1)
    coo("add_merge", [[1, 0, 1]], [1.0, 2.0, 3.0], [2], "add", coal=True,
        other=([[1, 1, 0]], [10.0, 20.0, 30.0], [2], False), alpha=-1)
    # values seen through a strided view: add_out_sparse_non_contiguous concatenates (coalescing past numel entries)
    coo("add_merge", [[0, 2, 1]], t([1.0, 9.0, 2.0, 9.0, 3.0, 9.0], dtype=F64), [3], "add", vview="slice 0 0 6 2",
        other=([[1, 0]], [10.0, 20.0], [3], False), alpha=1)
    coo("add_merge", [[0, 1, 1]], t([1.0, 9.0, 2.0, 9.0, 3.0, 9.0], dtype=F64), [2], "add", vview="slice 0 0 6 2",
        other=([[1, 0]], [10.0, 20.0], [2], False), alpha=1)
    # one side without entries: the other's entries, the result differentiable in both
    coo("add_empty_side", [[0, 0, 0]], t([4, 1, 2]), [2], "add", other=([], [], [2], True), alpha=2.5)
    coo("add_empty_side", [[]], [], [2], "sub", other=([[1, 0]], [1.5, 2.5], [2], False), alpha=2)
    # transpose: two dense dims refused; no entries or one dim twice keeps the flag
    hyb = t([[1.0, 2.0], [3.0, 4.0]], dtype=F64)
    coo("transpose", [[0, 2]], hyb, [3, 2], "transpose", d0=1, d1=1)
    coo("transpose", [[0, 2]], t([[[1.0, 2.0]], [[3.0, 4.0]]], dtype=F64), [3, 1, 2], "transpose", d0=1, d1=2)
    coo("transpose", [[0, 2]], hyb, [3, 2], "transpose", d0=0, d1=1)
    coo("transpose", [[], []], [], [2, 3], "transpose", d0=0, d1=1)
    coo("transpose", [[1, 0], [0, 2]], [1.0, 2.0], [2, 3], "transpose", coal=True, d0=-1, d1=-1)
    coo("transpose", [[1, 0], [0, 2]], [1.0, 2.0], [2, 3], "transpose", coal=True, d0=0, d1=1)
    # index_select along a dense dim: gathered, no wrapping; flags; the brute-force order
    coo("index_select", [[0, 2, 2]], t([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]], dtype=F64), [3, 3],
        "index_select", ix=[2, -1], dim=1)
    coo("index_select", [[0, 2, 2]], t([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]], dtype=F64), [3, 3],
        "index_select", ix=[0, 3], dim=1)
    coo("index_select", [[0, 2, 2]], t([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]], dtype=F64), [3, 3],
        "index_select", coal=True, ix=[2, 0, 2], dim=-1)
    coo("index_select", [[]], t([], dtype=F64).reshape(0, 3), [3, 3], "index_select", ix=[5, -7], dim=1)
    coo("index_select", [[0, 2]], t([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=F64), [3, 3], "index_select", coal=True,
        ix=[2, 1], dim=0)
    coo("index_select", [[0, 2]], t([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=F64), [3, 3], "index_select", coal=True,
        ix=[2], dim=0)
    coo("index_select", [[2, 0, 2], [0, 1, 1]], [1.0, 2.0, 3.0], [3, 2], "index_select", ix=[2, 0, 2, -3, 1], dim=0)
    coo("index_select", [[2, 0, 2, 1], [0, 1, 1, 1]], [1.0, 2.0, 3.0, 4.0], [3, 2], "index_select", ix=[2, 0, 2],
        dim=0)
    # addmm: the sizes before the types; without entries beta * input, whatever the types (nan * 0 included)
    coo("addmm", [[2], [2]], [-0.5], [3, 4], "addmm", dense=torch.ones(5, 1, dtype=torch.float32),
        inp=t([[1.0], [2.0], [3.0]], dtype=F64), beta=0.5, alpha=2.0)
    coo("addmm", [[], []], [], [2, 4], "addmm", dense=torch.ones(4, 2, dtype=torch.float32),
        inp=t([[-0.75, 1.5]], dtype=F64), beta=1, alpha=-1)
    coo("addmm", [[], []], [], [2, 4], "addmm", dense=torch.ones(4, 2, dtype=F64),
        inp=t([[float("nan"), 1.5], [2.0, float("inf")]], dtype=F64), beta=0, alpha=1)
    coo("addmm", [[0], [1]], [2.0], [2, 4], "addmm", dense=torch.ones(4, 2, dtype=F64),
        inp=t([[float("nan"), 1.5], [2.0, float("inf")]], dtype=F64), beta=0, alpha=1)
    coo("addmm", [[0], [1]], [2.0], [2, 4], "mm", dense=torch.ones(4, 2, dtype=torch.float32))
    coo("addmm", [[], []], [], [2, 4], "mm", dense=torch.ones(4, 2, dtype=torch.float32))
    # pow of integer entries: refused (the floating power does not fit the values' type); exponent 0 first
    coo("pow_integer", [[0, 0]], t([2, 3]), [2], "unary", fn="pow", e=2.0)
    coo("pow_integer", [[0]], t([3], dtype=torch.int32), [2], "unary", fn="pow", e=-1.0)
    coo("pow_integer", [[0]], t([True]), [2], "unary", fn="pow", e=0.5)
    coo("pow_integer", [[0]], t([3]), [2], "unary", fn="pow", e=0.0)
    coo("pow_integer", [[0, 0]], [2.0, 3.0], [2], "unary", fn="pow", e=2.0)
    coo("addmm", [[0], [1]], t([2.0], dtype=torch.float32), [2, 4], "addmm", dense=torch.ones(4, 2, dtype=torch.float32),
        inp=t([[1.0, 2.0]], dtype=F64), beta=1, alpha=1)
    coo("addmm", [[], []], t([], dtype=torch.complex128), [3, 3], "mm", dense=torch.ones(3, 2, dtype=F64))
    # complex tensors through the sparse autograd functions (to_sparse, to_dense): their outputs carry the history
    dense_case("complex_grad", t([[1 + 2j, 0j], [0j, -0.5j]], dtype=torch.complex128))
    dense_case("complex_grad", t([[1 + 2j, 0j], [0j, 0j]], dtype=torch.complex128), sd=1)
    # matmul of a sparse matrix and a dense vector: mv_sparse (the product with vec.unsqueeze(-1), squeezed)
    coo("matmul_vector", [[0, 1, 1], [2, 0, 2]], [1.0, 2.0, 3.0], [2, 3], "matmul", dense=t([1.0, 2.0, 3.0], dtype=F64))
    coo("matmul_vector", [[0, 1, 1], [2, 0, 2]], [1.0, 2.0, 3.0], [2, 3], "matmul", dense=t([1.0, 2.0], dtype=F64))
    coo("matmul_vector", [[], []], [], [2, 3], "matmul", dense=t([1.0, 2.0, 3.0], dtype=F64))
    # the COO form of a CSC tensor: 2.x's flag
    csr_to_coo("csc_to_coo", [0, 0, 0], [], [], [2, 2])
    csr_to_coo("csc_to_coo", [0, 1, 1], [1], [2.5], [2, 2])
    csr_to_coo("csc_to_coo", [0, 1, 2], [1, 0], [2.5, 3.5], [2, 2])
    print("\n".join(OUT))


if __name__ == "__main__":
    warnings.simplefilter("ignore")
    main()
