# Expected values for SparseLeafGradTest: a sparse COO leaf that requires grad (torch.sparse_coo_tensor(...,
# requires_grad=True) and .requires_grad_()) used in torch.sparse.mm, torch.sparse.addmm, S + S, to_dense,
# torch.sparse.sum: its sparse .grad (indices, values, nnz, printout) after one backward pass, after two accumulated
# ones and after one pass through two uses; a hybrid leaf, an empty one, printouts and node names.
# The leaf S is uncoalesced on purpose (entry (0, 2) twice): its gradient lists the coalesced entries once each.
# Every tensor is a refcases.fmt_tensor line; a text has its newlines escaped as \n.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13; where 2.x differs, SparseLeafGradTest says so)
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from refcases import key_lines  # noqa: E402

torch.set_default_dtype(torch.float64)
lines = []
text, out, _ = key_lines(lines)


def grad_lines(key, g):
    out(key + ".indices", g._indices())
    out(key + ".values", g._values())
    lines.append(key + ".nnz " + str(g._nnz()))
    text(key + ".str", str(g))


I = torch.tensor([[0, 1, 1, 0], [2, 0, 2, 2]])
V = torch.tensor([3.0, 4.0, 5.0, 1.0])
D = torch.arange(12.0).reshape(3, 4) * 0.5 - 2
W = torch.arange(6.0).reshape(2, 3) - 2.5


def leaf():
    return torch.sparse_coo_tensor(I, V, (2, 3), requires_grad=True)


S = leaf()
text("leaf.str", str(S))
lines.append("leaf.is_leaf " + str(S.is_leaf))

# torch.sparse.mm: grad of S = (grad @ D^T).sparse_mask(S.coalesce()); D's grad as before
S = leaf()
Dg = D.clone().requires_grad_()
y = torch.sparse.mm(S, Dg)
text("mm.y", str(y))
(y * torch.arange(8.0).reshape(2, 4)).sum().backward()
grad_lines("mm", S.grad)
out("mm.dgrad", Dg.grad)

S = leaf()
y = torch.sparse.addmm(torch.ones(2, 4), S, D, beta=2.0, alpha=-1.5)
y.pow(2).sum().backward()
grad_lines("addmm", S.grad)

S = leaf()
d = S.to_dense()
text("todense.y", str(d))
(d * W).sum().backward()
grad_lines("todense", S.grad)

S = leaf()
s2 = S + S
text("add.y", str(s2))
(s2.to_dense() * W).sum().backward()
grad_lines("add", S.grad)

S = leaf()
t = torch.sparse.sum(S)
text("sum.y", str(t))
(t * 3.0).backward()
grad_lines("sum", S.grad)

S = leaf()
t = torch.sparse.sum(S, 1)
text("sum1.y", str(t))
(t.to_dense() * torch.tensor([2.0, -1.0])).sum().backward()
grad_lines("sum1", S.grad)

S = leaf()
torch.sparse.sum(S, (0, 1)).backward()
grad_lines("sumall", S.grad)

# two passes: grad += new_grad (the CPU merge of the two index lists: one entry each)
S = leaf()
torch.sparse.mm(S, D).sum().backward()
(S.to_dense() * W).sum().backward()
grad_lines("twopass", S.grad)

# one pass through two uses: the engine's sum of the two sparse gradients
S = leaf()
(torch.sparse.mm(S, D).sum() + (S.to_dense() * W).sum()).backward()
grad_lines("onepass", S.grad)

# requires_grad_() on a sparse tensor built without it: a leaf too; coalesce() of it: CoalesceBackward0
S = torch.sparse_coo_tensor(I, V, (2, 3)).requires_grad_()
c = S.coalesce()
text("coalesce.y", str(c))
(c.to_dense() * W).sum().backward()
grad_lines("coalesce", S.grad)

# a hybrid leaf (one sparse dim, one dense), uncoalesced
H = torch.sparse_coo_tensor(torch.tensor([[2, 0, 2]]), torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), (3, 2),
                            requires_grad=True)
(H.to_dense() * torch.arange(6.0).reshape(3, 2)).sum().backward()
grad_lines("hybrid", H.grad)

# an empty leaf
E = torch.sparse_coo_tensor(torch.zeros(2, 0, dtype=torch.long), torch.zeros(0), (2, 3), requires_grad=True)
torch.sparse.mm(E, D).sum().backward()
grad_lines("empty", E.grad)

# a float32 leaf, its gradient float32
F = torch.sparse_coo_tensor(I, V.float(), (2, 3), requires_grad=True)
(F.to_dense() ** 2).sum().backward()
grad_lines("float32", F.grad)

# more uses: sparse @ sparse, softmax, * dense, * scalar, to(float32), coalesce().values(): the gradient on the coalesced
# entries; through t() PyTorch's gradient is the transposed one (the same entries in the transposed order, flagged
# uncoalesced): recorded coalesced, as Ember gives it
B = torch.sparse_coo_tensor(torch.tensor([[0, 2, 2], [1, 0, 1]]), torch.tensor([1.0, 2.0, 3.0]), (3, 2))
R = torch.arange(6.0).reshape(2, 3)
for name, f in [("spsp", lambda s: torch.sparse.mm(s, B).to_dense().sum()),
                ("softmax", lambda s: (torch.sparse.softmax(s, 1).to_dense() * R).sum()),
                ("muldense", lambda s: (s * R).to_dense().sum()),
                ("mulscalar", lambda s: (s * 2.0).to_dense().sum()),
                ("tofloat", lambda s: s.to(torch.float32).to_dense().sum()),
                ("coalescevalues", lambda s: (s.coalesce().values() * torch.tensor([1.0, 2.0, 3.0])).sum()),
                ("t", lambda s: (s.t().to_dense() * R.t()).sum())]:
    S = leaf()
    f(S).backward()
    grad_lines("more." + name, S.grad.coalesce())

# messages
v = V.clone().requires_grad_()
N = torch.sparse_coo_tensor(I, v, (2, 3))
lines.append("nonleaf.is_leaf " + str(N.is_leaf))
try:
    N.requires_grad_(False)
except RuntimeError as e:
    text("nonleaf.msg", str(e))
try:
    torch.sparse_coo_tensor(I, torch.tensor([1, 2, 3, 4]), (2, 3)).requires_grad_()
except RuntimeError as e:
    text("int.msg", str(e))

print("\n".join(lines))
