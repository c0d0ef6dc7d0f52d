# Expected values for SparseCsrTest: CSR/CSC tensors (torch.sparse_csr_tensor, torch.sparse_csc_tensor, to_sparse_csr,
# to_sparse_csc from dense and COO, CSR <-> CSC, to_sparse, to_dense), their printouts, indices and values, the size
# inferred, torch.matmul(csr, dense) and its gradient for the dense operand, and the constructor's messages.
# Every tensor is a refcases.fmt_tensor line; a text has its newlines escaped as \n.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13; where 2.x differs, it is said here and in
# SparseCsrTest)
import os
import sys
import warnings

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from refcases import key_lines  # noqa: E402

warnings.filterwarnings("ignore")  # "Sparse CSR tensor support is in beta state"
torch.set_default_dtype(torch.float64)
lines = []
text, out, _ = key_lines(lines)
T = torch.tensor


def members(key, c):
    text(key + ".str", str(c))
    if c.layout == torch.sparse_csr:
        out(key + ".compressed", c.crow_indices())
        out(key + ".plain", c.col_indices())
    else:
        out(key + ".compressed", c.ccol_indices())
        out(key + ".plain", c.row_indices())
    out(key + ".values", c.values())
    lines.append(key + ".nnz " + str(c._nnz()))


CROW = T([0, 2, 3, 5])
COL = T([0, 2, 1, 0, 3])
VAL = T([1.0, 2.0, 3.0, 4.0, 5.0])
c = torch.sparse_csr_tensor(CROW, COL, VAL, (3, 4))
members("csr", c)
text("csr.layout", str(c.layout))
out("csr.dense", c.to_dense())
members("csr.csc", c.to_sparse_csc())
members("csr.csc.csr", c.to_sparse_csc().to_sparse_csr())
text("csr.coo", str(c.to_sparse()))
text("csc.coo", str(c.to_sparse_csc().to_sparse()))
out("csc.dense", c.to_sparse_csc().to_dense())

# int32 indices are kept (and printed without their type); float32 values print their type
members("int32", torch.sparse_csr_tensor(CROW.int(), COL.int(), VAL, (3, 4)))
members("int32.csc", torch.sparse_csr_tensor(CROW.int(), COL.int(), VAL, (3, 4)).to_sparse_csc())
members("float32", torch.sparse_csr_tensor(CROW, COL, VAL.float(), (3, 4)))
# the size inferred: crow_indices.size - 1 rows, max column + 1 columns
members("inferred", torch.sparse_csr_tensor(CROW, COL, VAL))
members("inferred.empty", torch.sparse_csr_tensor(T([0, 0, 0]), T([], dtype=torch.long), T([])))
members("csc.built", torch.sparse_csc_tensor(T([0, 2, 3, 4, 5]), T([0, 2, 1, 0, 2]), VAL, (3, 4)))

# from dense and COO
D = T([[0.0, 1.0, 0.0], [2.0, 0.0, 0.0], [0.0, 0.0, 3.0]])
members("dense.csr", D.to_sparse_csr())
members("dense.csc", D.to_sparse_csc())
members("zeros.csr", torch.zeros(2, 3).to_sparse_csr())
members("rows0.csr", torch.zeros(0, 3).to_sparse_csr())
members("long.csr", T([[1, 0], [0, 2]]).to_sparse_csr())
members("int32.dense.csc", T([[1, 0], [0, 2]], dtype=torch.int32).to_sparse_csc())
members("bool.csr", T([[True, False]]).to_sparse_csr())
big = torch.zeros(4, 30)
big[0, 3] = 1.5
big[3, 29] = -2.25
big[2, 7] = 1e-3
members("wide.csr", big.to_sparse_csr())
members("coo.csr", D.to_sparse().to_sparse_csr())
members("uncoalesced.csr", torch.sparse_coo_tensor(T([[1, 0, 1, 1], [2, 1, 0, 2]]), T([1.0, 2.0, 3.0, 4.0]),
                                                   (2, 3)).to_sparse_csr())
members("uncoalesced.csc", torch.sparse_coo_tensor(T([[1, 0, 1, 1], [2, 1, 0, 2]]), T([1.0, 2.0, 3.0, 4.0]),
                                                   (2, 3)).to_sparse_csc())

# matmul(csr, dense): MmBackward0, the dense operand's gradient S^T @ grad
W = (torch.arange(8.0).reshape(4, 2) - 3).requires_grad_()
y = torch.matmul(c, W)
text("mm.y", str(y))
(y * T([[1.0, -1.0], [2.0, 0.5], [-3.0, 1.0]])).sum().backward()
out("mm.wgrad", W.grad)
W2 = (torch.arange(8.0).reshape(4, 2) - 3).requires_grad_()
y2 = torch.matmul(c.to_sparse_csc(), W2)
out("mm.csc.y", y2)
(y2 * T([[1.0, -1.0], [2.0, 0.5], [-3.0, 1.0]])).sum().backward()
out("mm.csc.wgrad", W2.grad)
# matmul(csr, vector): 1.13's CPU build refuses it without MKL (addmv); 2.x computes it (MvBackward0): the expected
# product is the dense one, PyTorch's value of the same product
v = T([1.0, -2.0, 0.5, 3.0])
out("mv.y", c.to_dense() @ v)
out("mv.vgrad", c.to_dense().t() @ T([1.0, 2.0, -1.0]))

# messages; 1.13's "dimensionalites" is 2.x's "dimensionalities"
cases = {
    "crow_len": (T([0, 2, 5]), COL, VAL, (3, 4)),
    "crow_first": (T([1, 2, 3, 5]), COL, VAL, (3, 4)),
    "crow_last": (T([0, 2, 3, 4]), COL, VAL, (3, 4)),
    "crow_mono": (T([0, 3, 2, 5]), COL, VAL, (3, 4)),
    "col_range": (CROW, T([0, 4, 1, 0, 3]), VAL, (3, 4)),
    "col_neg": (CROW, T([0, -1, 1, 0, 3]), VAL, (3, 4)),
    "col_sorted": (CROW, T([2, 0, 1, 0, 3]), VAL, (3, 4)),
    "col_dup": (CROW, T([2, 2, 1, 0, 3]), VAL, (3, 4)),
    "nnz": (CROW, COL, T([1.0, 2.0, 3.0, 4.0]), (3, 4)),
    "idx_types": (CROW.int(), COL, VAL, (3, 4)),
    "idx_float": (CROW.double(), COL.double(), VAL, (3, 4)),
    "size3": (CROW, COL, VAL, (3, 4, 2)),
    "size1": (CROW, COL, VAL, (3,)),
    "crow2d": (CROW.reshape(1, 4), COL, VAL, (3, 4)),
    "crow0d": (T(0), COL, VAL, (3, 4)),
    "values2d": (CROW, COL, VAL.reshape(1, 5), (3, 4)),
    "col_len_vs_crow": (CROW, T([0, 2, 1, 0]), T([1.0, 2.0, 3.0, 4.0]), (3, 4)),
    "step_over": (T([0, 5, 5, 5]), COL, VAL, (3, 4)),
}
for k, (a, b, vals, s) in cases.items():
    try:
        torch.sparse_csr_tensor(a, b, vals, s)
        text("msg." + k, "OK")
    except RuntimeError as e:
        text("msg." + k, str(e).replace("dimensionalites", "dimensionalities"))
for k, (a, b, vals, s) in {"csc_range": (CROW, T([0, 4, 1, 0, 3]), VAL, (4, 3)),
                           "csc_len": (T([0, 2, 5]), COL, VAL, (4, 3))}.items():
    try:
        torch.sparse_csc_tensor(a, b, vals, s)
        text("msg." + k, "OK")
    except RuntimeError as e:
        text("msg." + k, str(e))
for k, f in [("mm_shape", lambda: c.matmul(torch.ones(3, 2))),
             ("mm_dtype", lambda: c.matmul(torch.ones(4, 2, dtype=torch.float32))),
             ("crow_csc", lambda: c.to_sparse_csc().crow_indices()),
             ("col_csc", lambda: c.to_sparse_csc().col_indices()),
             ("ccol_csr", lambda: c.ccol_indices()),
             ("row_csr", lambda: c.row_indices())]:
    try:
        f()
        text("msg." + k, "OK")
    except RuntimeError as e:
        text("msg." + k, str(e))

print("\n".join(lines))
