"""Expected values for SparseTensorTest (run with Debian's PyTorch 1.13: /usr/bin/python3 make_expected.py).

Writes sparse.pt (a dict of dense tensors: inputs, results, gradients; float64 unless named otherwise) and
printouts.txt (PyTorch's str() of sparse tensors and the messages of its errors, one block per case, each block
"== name" then the text). The test reads both and never needs PyTorch.
"""
import torch

torch.manual_seed(0)
torch.set_default_dtype(torch.float32)
out = {}
texts = []


def put(name, t):
    out[name] = t.detach().clone().contiguous() if t.layout == torch.strided else t


def text(name, s):
    texts.append("== " + name + "\n" + s)


def error(name, f):
    try:
        f()
    except Exception as ex:  # the message PyTorch gives
        text(name, str(ex))
        return
    raise AssertionError(name + " did not fail")


dt = torch.float64

# --- A: an uncoalesced tensor with duplicates: to_dense, coalesce, their gradients
iA = torch.tensor([[1, 0, 1, 0, 2], [2, 0, 2, 1, 0]])
vA = torch.randn(5, dtype=dt, requires_grad=True)
put("A.i", iA)
put("A.v", vA)
def mkA():
    return torch.sparse_coo_tensor(iA, vA, (3, 3))


dA = mkA().to_dense()
put("A.dense", dA)
gA = torch.randn(3, 3, dtype=dt)
put("A.g", gA)
dA.backward(gA)
put("A.dense.vgrad", vA.grad)
vA.grad = None
cA = mkA().coalesce()
put("A.coalesce.i", cA.indices())
put("A.coalesce.v", cA.values())
wA = torch.randn(cA._nnz(), dtype=dt)
put("A.coalesce.w", wA)
(cA.values() * wA).sum().backward()
put("A.coalesce.vgrad", vA.grad)
vA.grad = None

# --- B: torch.sparse.mm and addmm with the uncoalesced A, gradients of the values and the dense operands
DB = torch.randn(3, 4, dtype=dt, requires_grad=True)
put("B.D", DB)
yB = torch.sparse.mm(mkA(), DB)
put("B.mm", yB)
gB = torch.randn(3, 4, dtype=dt)
put("B.g", gB)
yB.backward(gB)
put("B.mm.vgrad", vA.grad)
put("B.mm.Dgrad", DB.grad)
vA.grad = None
DB.grad = None
inB = torch.randn(1, 4, dtype=dt, requires_grad=True)
put("B.input", inB)
zB = torch.sparse.addmm(inB, mkA(), DB, beta=0.5, alpha=2.0)
put("B.addmm", zB)
zB.backward(gB)
put("B.addmm.vgrad", vA.grad)
put("B.addmm.Dgrad", DB.grad)
put("B.addmm.inputgrad", inB.grad)
vA.grad = None
DB.grad = None

# --- C: a hybrid tensor (1 sparse dim, 1 dense dim) with a duplicate
iC = torch.tensor([[1, 0, 1]])
vC = torch.randn(3, 2, dtype=dt, requires_grad=True)
put("C.i", iC)
put("C.v", vC)
def mkC():
    return torch.sparse_coo_tensor(iC, vC, (2, 2))


sC = mkC()
put("C.dense", sC.to_dense())
put("C.coalesce.i", sC.coalesce().indices())
put("C.coalesce.v", sC.coalesce().values())
put("C.sum0", torch.sparse.sum(sC, 0))  # every sparse dim: dense
s1 = torch.sparse.sum(sC, 1)  # a dense dim only: sparse, coalesced
put("C.sum1.i", s1.indices())
put("C.sum1.v", s1.values())
gC = torch.randn(2, dtype=dt)
put("C.gsum0", gC)
torch.sparse.sum(mkC(), 0).backward(gC)
put("C.sum0.vgrad", vC.grad)
vC.grad = None
put("C.sumall", torch.sparse.sum(sC))

# --- D: a 3-D sparse tensor: sums over some dims, transpose of sparse dims
iD = torch.tensor([[0, 1, 1, 0, 1, 0], [2, 0, 2, 1, 2, 2], [1, 3, 1, 0, 0, 1]])
vD = torch.randn(6, dtype=dt, requires_grad=True)
put("D.i", iD)
put("D.v", vD)
sD = torch.sparse_coo_tensor(iD, vD, (2, 3, 4))
for dims in [(1,), (0, 2), (-1,), (2, 0)]:
    key = "D.sum" + "".join(str(d % 3) for d in dims)
    r = torch.sparse.sum(torch.sparse_coo_tensor(iD, vD, (2, 3, 4)), dims)
    put(key + ".i", r.indices())
    put(key + ".v", r.values())
    gr = torch.randn(r.shape, dtype=dt)
    put(key + ".g", gr)
    (r.to_dense() * gr).sum().backward()
    put(key + ".vgrad", vD.grad)
    vD.grad = None
put("D.sum012", torch.sparse.sum(sD, (0, 1, 2)))
tD = sD.transpose(0, 2)
put("D.t02.i", tD._indices())
put("D.t02.dense", tD.to_dense())

# --- E: softmax and log_softmax along each dim (entries left out stay out), their gradients
iE = torch.tensor([[0, 1, 1, 0, 2, 1], [2, 0, 2, 1, 1, 3]])
vE = torch.randn(6, dtype=dt, requires_grad=True)
put("E.i", iE)
put("E.v", vE)
sE = torch.sparse_coo_tensor(iE, vE, (3, 4))
for name, f in [("softmax", torch.sparse.softmax), ("log_softmax", torch.sparse.log_softmax)]:
    for dim in (0, 1):
        r = f(torch.sparse_coo_tensor(iE, vE, (3, 4)), dim)
        key = "E.%s%d" % (name, dim)
        put(key + ".i", r.indices())
        put(key + ".v", r.values())
        w = torch.randn(r._nnz(), dtype=dt)
        put(key + ".w", w)
        (r.values() * w).sum().backward()
        put(key + ".vgrad", vE.grad)
        vE.grad = None
vH = torch.randn(3, 3, dtype=dt, requires_grad=True)
put("E.hybrid.v", vH)
rH = torch.sparse.softmax(torch.sparse_coo_tensor(iC, vH, (2, 3)), 1)  # along the dense dim
put("E.hybrid.i", rH.indices())
put("E.hybrid.values", rH.values())
rH0 = torch.sparse.softmax(torch.sparse_coo_tensor(iC, vH, (2, 3)), 0)  # along the sparse dim
put("E.hybrid0.values", rH0.values())

# --- F: to_sparse of a dense tensor, to_dense back, mm; gradients of the dense input
xF = torch.tensor([[0., 1.5, 0., -2.], [0., 0., 0., 0.], [3., 0., 0.5, 0.]], dtype=dt, requires_grad=True)
put("F.x", xF)
sF = xF.to_sparse()
put("F.i", sF.indices())
put("F.v", sF.values())
WF = torch.randn(4, 2, dtype=dt, requires_grad=True)
put("F.W", WF)
yF = torch.sparse.mm(sF, WF)
put("F.mm", yF)
gF = torch.randn(3, 2, dtype=dt)
put("F.g", gF)
yF.backward(gF)
put("F.mm.xgrad", xF.grad)
put("F.mm.Wgrad", WF.grad)
xF.grad = None
x3 = torch.randn(3, 2, 2, dtype=dt)
x3[1] = 0
x3[2, 0, 1] = 0
x3.requires_grad_()
put("F.x3", x3)
s3 = x3.to_sparse(1)
put("F.x3.i", s3.indices())
put("F.x3.v", s3.values())
g3 = torch.randn(3, 2, 2, dtype=dt)
put("F.x3.g", g3)
(s3.to_dense() * 2).backward(g3)
put("F.x3.grad", x3.grad)

# --- G: add, mul, neg, t
iG = torch.tensor([[0, 1, 2], [1, 1, 0]])
vG = torch.randn(3, dtype=dt)
put("G.i", iG)
put("G.v", vG)
sG = torch.sparse_coo_tensor(iG, vG, (3, 3))
cAG = mkA().detach().coalesce() + sG.coalesce()
put("G.addc.i", cAG.indices())
put("G.addc.v", cAG.values())
uAG = torch.add(mkA().detach(), sG, alpha=-1.5)
put("G.addu.i", uAG._indices())
put("G.addu.v", uAG._values())
put("G.addu.dense", uAG.to_dense())
put("G.addu.coalesced.i", uAG.coalesce().indices())
put("G.addu.coalesced.v", uAG.coalesce().values())
put("G.t.i", mkA().t()._indices())
put("G.t.dense", mkA().t().to_dense())

# --- H: s * dense (broadcast), /, -, elementwise functions of the coalesced values, sparse_mask, dense + sparse, bmm
vH2 = torch.rand(5, dtype=dt, requires_grad=True)  # positive, for sqrt and pow
put("H.v", vH2)
dH = torch.randn(3, 3, dtype=dt, requires_grad=True)
put("H.d", dH)
rowH = torch.randn(3, dtype=dt, requires_grad=True)
put("H.row", rowH)
gH = torch.randn(3, 3, dtype=dt)
put("H.g", gH)


def mkH():
    return torch.sparse_coo_tensor(iA, vH2, (3, 3))


cases = {
    "mul_dense": lambda: mkH() * dH,
    "mul_row": lambda: mkH() * rowH,
    "div": lambda: mkH() / 4.0,
    "sub": lambda: torch.sub(mkH(), torch.sparse_coo_tensor(iA, vH2 * vH2, (3, 3)), alpha=0.5),
    "abs": lambda: mkH().abs(), "sqrt": lambda: mkH().sqrt(), "sin": lambda: mkH().sin(), "tanh": lambda: mkH().tanh(),
    "pow": lambda: mkH().pow(2.5), "square": lambda: mkH().square(), "log1p": lambda: mkH().log1p(),
    "expm1": lambda: mkH().expm1(), "asin": lambda: (mkH() * 0.3).asin(), "erf": lambda: mkH().erf(),
    "clone": lambda: mkH().clone(),
    "sparse_mask": lambda: dH.sparse_mask(mkH().coalesce()),
}
for name, f in cases.items():
    r = f()
    put("H.%s.dense" % name, r.to_dense())
    put("H.%s.nnz" % name, torch.tensor(r._nnz()))
    put("H.%s.coalesced" % name, torch.tensor(r.is_coalesced()))
    text("H.%s.grad_fn" % name, r.grad_fn.name())
    if name in ("mul_dense", "mul_row"):
        # 1.13 cannot differentiate s * dense (its MulBackward0 divides by a dense tensor, or sums a sparse gradient
        # over dims, neither of which its sparse kernels do); the same product through to_dense has the gradients
        # 2.x's formula gives (grad * s for the dense operand, grad * dense at the entries for the values)
        r = mkH().to_dense() * (dH if name == "mul_dense" else rowH)
    try:
        (r.to_dense() * gH).sum().backward()
    except RuntimeError:
        # 1.13's sparse backward of sqrt, pow, ... divides by a sparse tensor, which it cannot; the same function of
        # the coalesced values has the gradients 2.x's formulas give
        for t in (vH2, dH, rowH):
            t.grad = None
        c = mkH().coalesce()
        op = name if name != "pow" else None
        fv = c.values().pow(2.5) if op is None else (c.values() * 0.3).asin() if op == "asin" else getattr(c.values(), op)()
        (torch.sparse_coo_tensor(c.indices(), fv, (3, 3)).to_dense() * gH).sum().backward()
    for leaf_name, t in [("v", vH2), ("d", dH), ("row", rowH)]:
        if t.grad is not None:
            put("H.%s.%sgrad" % (name, leaf_name), t.grad)
            t.grad = None
yH = torch.add(dH, mkH(), alpha=1.0)
put("H.dense_add", yH)
text("H.dense_add.grad_fn", yH.grad_fn.name())
# 1.13's AddBackward0 cannot hand a dense gradient to the sparse operand; through to_dense it is the same gradient
yH = dH + mkH().to_dense()
yH.backward(gH)
put("H.dense_add.vgrad", vH2.grad)
put("H.dense_add.dgrad", dH.grad)
vH2.grad = None
dH.grad = None
iB = torch.tensor([[0, 1, 1, 0, 1], [1, 0, 2, 1, 2], [0, 2, 1, 0, 1]])
vB = torch.randn(5, dtype=dt, requires_grad=True)
DB3 = torch.randn(2, 3, 4, dtype=dt, requires_grad=True)
put("bmm.i", iB)
put("bmm.v", vB)
put("bmm.D", DB3)
yB3 = torch.bmm(torch.sparse_coo_tensor(iB, vB, (2, 3, 3)), DB3)
put("bmm.y", yB3)
text("bmm.grad_fn", yB3.grad_fn.name())
gB3 = torch.randn(2, 3, 4, dtype=dt)
put("bmm.g", gB3)
# 1.13's BmmBackward0 cannot hand a dense gradient to the sparse operand: through to_dense, the same gradients
yB3 = torch.bmm(torch.sparse_coo_tensor(iB, vB, (2, 3, 3)).to_dense(), DB3)
yB3.backward(gB3)
put("bmm.vgrad", vB.grad)
put("bmm.Dgrad", DB3.grad)

# --- I: index_select along a sparse dim (repeats, negative indices) and a dense dim; gradients of the values
selI = torch.tensor([2, 0, -3, 1])
put("I.sel", selI)
rI = mkA().index_select(0, selI)
put("I.rows.i", rI._indices())
put("I.rows.v", rI._values())
text("I.grad_fn", rI.grad_fn.name())
gI = torch.randn(4, 3, dtype=dt)
put("I.g", gI)
# 1.13's IndexSelectBackward0 of a sparse input needs sparse kernels it lacks: through to_dense, the same gradient
torch.sparse_coo_tensor(iA, vA, (3, 3)).to_dense().index_select(0, selI % 3).mul(gI).sum().backward()
put("I.rows.vgrad", vA.grad)
vA.grad = None
rC = torch.sparse_coo_tensor(iC, vC, (2, 2)).index_select(1, torch.tensor([1, 1, 0]))
put("I.dense.i", rC._indices())
put("I.dense.v", rC._values())

# --- J: sparse @ sparse (duplicates in both), values and gradients of both operands
iJ1 = torch.tensor([[0, 1, 1, 0, 2, 1], [1, 0, 2, 1, 3, 2]])
iJ2 = torch.tensor([[1, 2, 0, 1, 3, 3, 2], [0, 1, 1, 1, 0, 2, 1]])
vJ1 = torch.randn(6, dtype=dt, requires_grad=True)
vJ2 = torch.randn(7, dtype=dt, requires_grad=True)
for k, t in [("J.i1", iJ1), ("J.i2", iJ2), ("J.v1", vJ1), ("J.v2", vJ2)]:
    put(k, t)
rJ = torch.sparse.mm(torch.sparse_coo_tensor(iJ1, vJ1, (3, 4)), torch.sparse_coo_tensor(iJ2, vJ2, (4, 3)))
text("J.grad_fn", rJ.grad_fn.name())
put("J.dense", rJ.to_dense())
put("J.nnz", torch.tensor(rJ._nnz()))
gJ = torch.randn(3, 3, dtype=dt)
put("J.g", gJ)
# the gradients through to_dense (1.13's SparseSparseMatmulBackward0 hands sparse gradients to_dense cannot take)
torch.mm(torch.sparse_coo_tensor(iJ1, vJ1, (3, 4)).to_dense(), torch.sparse_coo_tensor(iJ2, vJ2, (4, 3)).to_dense()) \
    .mul(gJ).sum().backward()
put("J.v1grad", vJ1.grad)
put("J.v2grad", vJ2.grad)

# --- K: a two-layer GCN as PyG users write it by hand: the normalized adjacency D^-1/2 (A + I) D^-1/2 as a sparse
# tensor whose edge weights are learned (sigmoid of a parameter per edge; the edge list has a repeated edge), SGD
edges = torch.tensor([[0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 0, 5, 1, 1], [1, 0, 2, 1, 3, 2, 4, 3, 5, 4, 5, 0, 2, 2]])
n = 6
loops = torch.arange(n).repeat(2, 1)
ei = torch.cat([edges, loops], 1)
put("K.ei", ei)
X = torch.randn(n, 4, dtype=dt)
y = torch.tensor([0, 1, 2, 0, 1, 2])
W1 = (torch.randn(4, 8, dtype=dt) * 0.5).requires_grad_()
W2 = (torch.randn(8, 3, dtype=dt) * 0.5).requires_grad_()
ew = torch.zeros(ei.shape[1], dtype=dt, requires_grad=True)
for k, t in [("K.X", X), ("K.y", y), ("K.W1", W1), ("K.W2", W2), ("K.ew", ew)]:
    put(k, t)
opt = torch.optim.SGD([W1, W2, ew], lr=0.5)
losses = []
for step in range(5):
    opt.zero_grad()
    w = torch.sigmoid(ew)
    deg = torch.zeros(n, dtype=dt).index_add(0, ei[0], w)
    norm = deg.pow(-0.5)
    A = torch.sparse_coo_tensor(ei, norm[ei[0]] * w * norm[ei[1]], (n, n))
    h = torch.relu(torch.sparse.mm(A, X @ W1))
    logits = torch.sparse.mm(A, h @ W2)
    loss = torch.nn.functional.cross_entropy(logits, y)
    loss.backward()
    if step == 0:
        put("K.W1grad", W1.grad)
        put("K.ewgrad", ew.grad)
    opt.step()
    losses.append(loss.item())
put("K.losses", torch.tensor(losses, dtype=dt))
put("K.W1.final", W1)
put("K.W2.final", W2)
put("K.ew.final", ew)

torch.save(out, "sparse.pt")

# --- printouts, PyTorch's str()
i = torch.tensor([[0, 1, 1], [2, 0, 2]])
v = torch.tensor([3., 4., 5.])
s = torch.sparse_coo_tensor(i, v, (2, 3))
text("basic", str(s))
vr = v.clone().requires_grad_()
sr = torch.sparse_coo_tensor(i, vr, (2, 3))
text("grad", str(sr))
text("coalesce", str(sr.coalesce()))
text("values", str(sr.coalesce().values()))
text("_values", str(sr._values()))
text("to_dense", str(sr.to_dense()))
text("mul", str(sr * 2))
text("neg", str(-sr))
text("add", str(sr + sr))
text("t", str(sr.t()))
text("transpose", str(sr.transpose(0, 1)))
text("sum", str(torch.sparse.sum(sr)))
text("sum0", str(torch.sparse.sum(sr, 0)))
text("softmax", str(torch.sparse.softmax(sr, 1)))
text("log_softmax", str(torch.sparse.log_softmax(sr, 1)))
text("float64", str(torch.sparse_coo_tensor(i, v.double(), (2, 3))))
text("int64", str(torch.sparse_coo_tensor(i, torch.tensor([1, 2, 3]))))
text("int32", str(torch.sparse_coo_tensor(i, torch.tensor([1, 2, 3], dtype=torch.int32), (2, 3))))
text("bool", str(torch.sparse_coo_tensor(i, torch.tensor([True, False, True]), (2, 3))))
text("empty", str(torch.sparse_coo_tensor(torch.zeros(2, 0, dtype=torch.long), torch.zeros(0), (2, 3))))
text("hybrid", str(torch.sparse_coo_tensor(torch.tensor([[1, 0, 1]]), torch.tensor([[1., 2.], [3., 4.], [5., 6.]]), (2, 2))))
x = torch.tensor([[0., 1.], [2., 0.]], requires_grad=True)
text("to_sparse", str(x.to_sparse()))
text("to_sparse1", str(x.to_sparse(1)))
text("to_float64", str(sr.to(torch.float64)))
D = torch.randn(3, 2, requires_grad=True)
text("mm_grad_fn", torch.sparse.mm(sr, D).grad_fn.name())
text("addmm_grad_fn", torch.sparse.addmm(torch.zeros(2, 2), sr, D).grad_fn.name())
text("sum_dense_grad_fn", torch.sparse.sum(sr, (0, 1)).grad_fn.name())
long_i = torch.stack([torch.arange(40) // 8, torch.arange(40) % 8])
text("long", str(torch.sparse_coo_tensor(long_i, torch.arange(40.) / 7, (5, 8))))

# --- no entries, non-contiguous values, a vector's t()
e0 = torch.sparse_coo_tensor(torch.zeros(2, 0, dtype=torch.long), torch.zeros(0, dtype=dt), (3, 4))
text("edge.mm", str(torch.sparse.mm(e0, torch.ones(4, 2, dtype=dt))))
text("edge.softmax", str(torch.sparse.softmax(e0, 1)))
text("edge.sum", str(torch.sparse.sum(e0)))
text("edge.sum1", str(torch.sparse.sum(e0, 1)))
text("edge.to_sparse", str(torch.zeros(2, 3).to_sparse()))
text("edge.to_sparse1", str(torch.zeros(2, 3).to_sparse(1)))
text("edge.add", str(e0 + e0))
text("edge.noncontiguous", str(torch.sparse_coo_tensor(torch.tensor([[0, 1, 2]]),
                                                       torch.arange(6.).reshape(2, 3).t(), (3, 2)).to_dense()))
text("edge.vector_t", str(torch.sparse_coo_tensor(torch.tensor([[0, 1]]), torch.tensor([1., 2.]), (2,)).t()))

big_i = torch.stack([torch.arange(600) // 30, torch.arange(600) % 30])
text("summarized", str(torch.sparse_coo_tensor(big_i, torch.arange(600.) / 3, (20, 30))))  # indices over 1000 elements

# --- errors, PyTorch's messages
error("err.size", lambda: torch.sparse_coo_tensor(i, v, (1, 3)))
error("err.indices", lambda: s.indices())
error("err.values", lambda: s.values())
error("err.nnz", lambda: torch.sparse_coo_tensor(i, torch.tensor([1., 2.]), (2, 3)))
error("err.indices1d", lambda: torch.sparse_coo_tensor(torch.tensor([0, 1]), v, (2, 3)))
error("err.ndim", lambda: torch.sparse_coo_tensor(i, v, (2,)))
error("err.negative", lambda: torch.sparse_coo_tensor(torch.tensor([[0, -1, 1], [2, 0, 2]]), v, (2, 3)))
error("err.valuesize", lambda: torch.sparse_coo_tensor(i, torch.randn(3, 2), (2, 3, 3)))
error("err.mm", lambda: torch.sparse.mm(s, torch.randn(4, 2)))
error("err.mmdtype", lambda: torch.sparse.mm(s.double(), torch.randn(3, 2)))
error("err.add", lambda: s + torch.sparse_coo_tensor(i, v, (3, 3)))
error("err.sumdim", lambda: torch.sparse.sum(s, 2))
error("err.sumrepeat", lambda: torch.sparse.sum(s, [0, 0]))
hy = torch.sparse_coo_tensor(torch.tensor([[1, 0, 1]]), torch.randn(3, 2), (2, 2))
error("err.t", lambda: hy.t())
error("err.transpose", lambda: hy.transpose(0, 1))
error("err.to_sparse", lambda: x.to_sparse(3))
error("err.to_sparse0", lambda: x.to_sparse(0))
error("err.pow0", lambda: s.pow(0))
error("err.mask", lambda: torch.randn(3, 3).sparse_mask(s.coalesce()))
error("err.dense_add", lambda: torch.randn(3, 3) + s)
error("err.index_select", lambda: s.index_select(0, torch.tensor([3])))
error("err.index_select2d", lambda: s.index_select(0, torch.tensor([[0]])))
error("err.spmm_shape", lambda: torch.sparse.mm(s, s))
error("err.addmm_input", lambda: torch.sparse.addmm(torch.randn(3), s, torch.randn(3, 4)))

with open("printouts.txt", "w") as f:
    f.write("\n".join(texts) + "\n")
print("wrote", len(out), "tensors and", len(texts), "texts")
