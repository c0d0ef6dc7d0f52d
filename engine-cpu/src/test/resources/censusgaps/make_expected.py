# Writes expected.txt and strings.txt for CensusGapsTest.java: the PyTorch functions and modules a census of
# torch / Tensor / torch.linalg / torch.nn against Ember's public API found missing (session 27): torch.svd, torch.qr,
# torch.lu_unpack, torch.pinverse, Tensor.adjoint, linalg.solve_ex / lu_factor_ex / tensorinv / tensorsolve /
# householder_product, torch.geqrf / orgqr / ormqr, torch.chain_matmul, torch.trapz, Tensor.put_ / torch.put, torch.gradient, the in-place
# rad2deg_ / deg2rad_ / nextafter_ / igamma_ / igammac_ / renorm_, Tensor.type(), nn.ParameterDict,
# nn.CosineEmbeddingLoss, nn.MarginRankingLoss, nn.AdaptiveLogSoftmaxWithLoss, nn.init.eye_/dirac_/sparse_.
# Run: /usr/bin/python3 make_expected.py   (PyTorch 1.13 CPU; writes both files next to this script)
#
# expected.txt, one case each (ReferenceCases' format): "=== name", then
#   in<i> <dtype> [shape] : values       the inputs (float inputs require grad)
#   out <dtype> [shape] : values         the result
#   fn <name>                            its grad_fn ("None" without one)
#   grad<i> <dtype> [shape] : values     d sum(out * w) / d in<i>, w[k] = 1 + 0.5 * ((3k) mod 11)
# or "error <Type> <message>".
# strings.txt: "key<TAB>value" lines (a printout's newlines written as \n).
# 2.x notes: one message is 2.x's (MESSAGES_2X below); ormqr's gradient is 2.x's (ormqr_2x below); nodes as 2.x
# names them (NODES_2X below). torch.svd, torch.qr, torch.chain_matmul and torch.lu_unpack behave in 2.x as here (qr
# and chain_matmul warn that they are deprecated). Singular vectors are unique up to sign only, so the svd cases compare S, U S V^T
# and |U|, |V| (sign-invariant functions, and so are their gradients).
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from refcases import D, fmt_tensor, run_case, seq  # noqa: E402

CASES = []


def case(name, inputs, fn):
    CASES.append((name, inputs, fn))


# well-conditioned matrices with distinct singular values
def mat(m, n, shift=0, batch=()):
    a = seq(batch + (m, n), shift=shift)
    eye = torch.zeros(batch + (m, n), dtype=D)
    for i in range(min(m, n)):
        eye[..., i, i] = 3.0 + i
    return a + eye


# torch.svd(some, compute_uv)
def cols(n, k):
    return n if n - k <= 1 else k


for shape in ((4, 3), (3, 5), (3, 3)):
    a = mat(*shape)
    case("svd S %s" % list(shape), [a], lambda x: torch.svd(x[0])[1])
    case("svd USV %s" % list(shape), [a], lambda x: (lambda u, s, v: u @ torch.diag_embed(s) @ v.mT)(*torch.svd(x[0])))
    case("svd absU %s" % list(shape), [a], lambda x: torch.svd(x[0])[0].abs())
    case("svd absV %s" % list(shape), [a], lambda x: torch.svd(x[0])[2].abs())
    # the full U and V: columns past k span a null space, unique up to sign only where it has one dimension
    k = min(shape)
    case("svd some=False absU %s" % list(shape), [a], lambda x, k=k: torch.svd(x[0], some=False)[0][:, :cols(x[0].shape[0], k)].abs())
    case("svd some=False absV %s" % list(shape), [a], lambda x, k=k: torch.svd(x[0], some=False)[2][:, :cols(x[0].shape[1], k)].abs())
case("svd batched S [2, 3, 2]", [mat(3, 2, batch=(2,))], lambda x: torch.svd(x[0])[1])
case("svd float32 S [4, 3]", [mat(4, 3).float()], lambda x: torch.svd(x[0])[1])
case("svd compute_uv=False S [4, 3]", [mat(4, 3)], lambda x: torch.svd(x[0], compute_uv=False)[1])
case("svd compute_uv=False U [4, 3]", [mat(4, 3)], lambda x: torch.svd(x[0], compute_uv=False)[0])
case("svd compute_uv=False V [4, 3]", [mat(4, 3)], lambda x: torch.svd(x[0], compute_uv=False)[2])
case("svd 1-d", [seq((3,))], lambda x: torch.svd(x[0])[1])
case("svd long", [torch.arange(6).reshape(2, 3)], lambda x: torch.svd(x[0])[1])

# torch.qr(some)
for shape in ((4, 3), (3, 3), (3, 5)):
    a = mat(*shape, shift=2)
    case("qr Q %s" % list(shape), [a], lambda x: torch.qr(x[0])[0])
    case("qr R %s" % list(shape), [a], lambda x: torch.qr(x[0])[1])
case("qr some=False Q [4, 3]", [mat(4, 3, shift=2).detach()], lambda x: torch.qr(x[0].detach(), some=False)[0])
case("qr some=False R [4, 3]", [mat(4, 3, shift=2).detach()], lambda x: torch.qr(x[0].detach(), some=False)[1])
case("qr some=False Q [3, 5]", [mat(3, 5, shift=2)], lambda x: torch.qr(x[0], some=False)[0])
case("qr batched R [2, 3, 2]", [mat(3, 2, shift=2, batch=(2,))], lambda x: torch.qr(x[0])[1])

# torch.lu_unpack: factors of fixed matrices as a leaf input
for shape in ((3, 3), (4, 3), (3, 5), (2, 3, 3)):
    batch = shape[:-2]
    a = mat(shape[-2], shape[-1], shift=5, batch=batch)
    lu, piv = torch.linalg.lu_factor(a)
    for k, part in enumerate(("P", "L", "U")):
        case("lu_unpack %s %s" % (part, list(shape)), [lu, piv], lambda x, k=k: torch.lu_unpack(x[0], x[1])[k])
lu, piv = torch.linalg.lu_factor(mat(3, 3, shift=5))
# (detached: 1.13's LuUnpackBackward0 fails on the empty L and U that unpack_data=False returns)
case("lu_unpack unpack_data=False L", [lu, piv], lambda x: torch.lu_unpack(x[0].detach(), x[1], unpack_data=False)[1])
case("lu_unpack unpack_data=False P", [lu, piv], lambda x: torch.lu_unpack(x[0].detach(), x[1], unpack_data=False)[0])
case("lu_unpack unpack_pivots=False P", [lu, piv], lambda x: torch.lu_unpack(x[0], x[1], unpack_pivots=False)[0])
case("lu_unpack unpack_pivots=False U", [lu, piv], lambda x: torch.lu_unpack(x[0], x[1], unpack_pivots=False)[2])
case("lu_unpack float32 L", [lu.float(), piv], lambda x: torch.lu_unpack(x[0], x[1])[1])
case("lu_unpack pivots long", [lu, piv.long()], lambda x: torch.lu_unpack(x[0], x[1])[1])
case("lu_unpack pivots out of range", [lu, torch.tensor([1, 4, 3], dtype=torch.int32)], lambda x: torch.lu_unpack(x[0], x[1])[0])
# (pivots of the wrong count: PyTorch reads past their end, an error or not by chance; Ember refuses them, see the test)
case("lu_unpack 1-d", [seq((3,)), torch.tensor([1], dtype=torch.int32)], lambda x: torch.lu_unpack(x[0], x[1])[0])

# torch.pinverse(rcond), Tensor.adjoint
case("pinverse [4, 3]", [mat(4, 3, shift=1)], lambda x: torch.pinverse(x[0]))
case("pinverse [2, 3, 5]", [mat(3, 5, shift=1, batch=(2,))], lambda x: torch.pinverse(x[0]))
rank1 = torch.tensor([[1.0, 2.0], [2.0, 4.5], [0.5, 1.0]], dtype=D)
case("pinverse rcond=0.01", [rank1], lambda x: torch.pinverse(x[0], rcond=0.01))
case("pinverse rcond=1e-15", [rank1], lambda x: torch.pinverse(x[0]))
case("adjoint [2, 3, 4]", [seq((2, 3, 4))], lambda x: x[0].adjoint())
case("adjoint torch [3, 2]", [seq((3, 2))], lambda x: torch.adjoint(x[0]))
case("adjoint 1-d", [seq((3,))], lambda x: x[0].adjoint())
case("adjoint long", [torch.arange(6).reshape(2, 3)], lambda x: x[0].adjoint())

# linalg.solve_ex, linalg.lu_factor_ex
A = mat(3, 3, shift=3)
case("solve_ex result", [A, seq((3, 2), shift=1)], lambda x: torch.linalg.solve_ex(x[0], x[1])[0])
case("solve_ex info", [A, seq((3, 2), shift=1)], lambda x: torch.linalg.solve_ex(x[0], x[1])[1])
case("solve_ex vector", [A, seq((3,), shift=1)], lambda x: torch.linalg.solve_ex(x[0], x[1])[0])
case("solve_ex left=False", [A, seq((2, 3), shift=1)], lambda x: torch.linalg.solve_ex(x[0], x[1], left=False)[0])
sing = torch.tensor([[[1.0, 2.0], [2.0, 4.0]], [[2.0, 1.0], [1.0, 3.0]]], dtype=D)
case("solve_ex singular info", [sing.detach(), seq((2, 2, 1)).detach()],
     lambda x: torch.linalg.solve_ex(x[0].detach(), x[1].detach())[1])
case("solve_ex singular check_errors", [sing, seq((2, 2, 1))],
     lambda x: torch.linalg.solve_ex(x[0], x[1], check_errors=True)[0])
case("lu_factor_ex LU", [mat(4, 3, shift=4)], lambda x: torch.linalg.lu_factor_ex(x[0])[0])
case("lu_factor_ex pivots", [mat(4, 3, shift=4)], lambda x: torch.linalg.lu_factor_ex(x[0])[1])
case("lu_factor_ex info", [mat(4, 3, shift=4)], lambda x: torch.linalg.lu_factor_ex(x[0])[2])
case("lu_factor_ex singular info", [sing.detach()], lambda x: torch.linalg.lu_factor_ex(x[0].detach())[2])
case("lu_factor_ex singular check_errors", [sing.detach()],
     lambda x: torch.linalg.lu_factor_ex(x[0].detach(), check_errors=True)[2])
case("lu_factor_ex pivot=False", [mat(3, 3)], lambda x: torch.linalg.lu_factor_ex(x[0], pivot=False)[0])

# linalg.tensorinv, linalg.tensorsolve
case("tensorinv [4, 6, 8, 3] ind=2", [mat(24, 24, shift=6).reshape(4, 6, 8, 3)],
     lambda x: torch.linalg.tensorinv(x[0], ind=2))
case("tensorinv [6, 2, 3] ind=1", [mat(6, 6, shift=6).reshape(6, 2, 3)], lambda x: torch.linalg.tensorinv(x[0], ind=1))
case("tensorinv not invertible shape", [seq((4, 6, 8, 4))], lambda x: torch.linalg.tensorinv(x[0], ind=2))
case("tensorinv ind=0", [seq((4, 4))], lambda x: torch.linalg.tensorinv(x[0], ind=0))
case("tensorsolve [2, 3, 6]", [mat(6, 6, shift=7).reshape(2, 3, 6), seq((2, 3), shift=2)],
     lambda x: torch.linalg.tensorsolve(x[0], x[1]))
case("tensorsolve dims", [mat(6, 6, shift=7).reshape(6, 2, 3).permute(1, 2, 0).contiguous(), seq((6,), shift=2)],
     lambda x: torch.linalg.tensorsolve(x[0], x[1], dims=(0, 1)))
case("tensorsolve bad shape", [seq((2, 3, 5)), seq((2, 3))], lambda x: torch.linalg.tensorsolve(x[0], x[1]))

# linalg.householder_product
for shape, k in (((4, 3), 3), ((4, 4), 2), ((3, 3), 3), ((2, 5, 3), 2)):
    a = seq(shape, shift=8, scale=0.3)
    tau = seq(shape[:-2] + (k,), shift=3, scale=0.2) + 0.5
    case("householder_product %s tau %d" % (list(shape), k), [a, tau], lambda x: torch.linalg.householder_product(x[0], x[1]))
case("householder_product wide", [seq((3, 4)), seq((2,))], lambda x: torch.linalg.householder_product(x[0], x[1]))
case("householder_product tau too long", [seq((4, 3)), seq((4,))], lambda x: torch.linalg.householder_product(x[0], x[1]))
case("householder_product float32", [seq((4, 3), torch.float32, 8, 0.3), seq((3,), torch.float32, 3, 0.2)],
     lambda x: torch.linalg.householder_product(x[0], x[1]))

# torch.geqrf (not differentiable: detached), torch.orgqr, torch.ormqr
def ormqr_2x(a, tau, c, left, transpose):
    """torch.ormqr's values with 2.x's gradient: 1.13 has no derivative for ormqr; 2.x's ormqr_backward is the
    derivative of op(Q) C, taken here through householder_product of the input padded to m-by-m (its full Q)."""
    m = a.shape[-2]
    padded = torch.cat([a, torch.zeros(a.shape[:-1] + (m - a.shape[-1],), dtype=a.dtype)], -1)
    q = torch.linalg.householder_product(padded, tau)
    op = q.mT if transpose else q
    out = op @ c if left else c @ op
    expected = torch.ormqr(a.detach(), tau.detach(), c.detach(), left=left, transpose=transpose)
    assert torch.allclose(out, expected, atol=1e-12), (out, expected)
    return out



for shape in ((4, 3), (3, 4), (3, 3), (2, 4, 3)):
    a = mat(shape[-2], shape[-1], shift=9, batch=shape[:-2])
    case("geqrf a %s" % list(shape), [a], lambda x: torch.geqrf(x[0].detach())[0])
    case("geqrf tau %s" % list(shape), [a], lambda x: torch.geqrf(x[0].detach())[1])
case("geqrf zero column", [torch.tensor([[0., 1.], [0., 2.]], dtype=D)], lambda x: torch.geqrf(x[0].detach())[1])
case("geqrf float32", [mat(4, 3, shift=9).float()], lambda x: torch.geqrf(x[0].detach())[0])
case("geqrf 1-d", [seq((3,))], lambda x: torch.geqrf(x[0].detach())[0])
case("geqrf long", [torch.ones(3, 3, dtype=torch.long)], lambda x: torch.geqrf(x[0])[0])
g43, t43 = torch.geqrf(mat(4, 3, shift=9))
case("orgqr", [g43, t43], lambda x: torch.orgqr(x[0], x[1]))
for left in (True, False):
    for tr in (False, True):
        c = seq((4, 2), shift=3) if left else seq((2, 4), shift=3)
        case("ormqr left=%s transpose=%s" % (left, tr), [g43, t43, c],
             lambda x, left=left, tr=tr: ormqr_2x(x[0], x[1], x[2], left, tr))
case("ormqr tau too long", [g43, seq((4,)), seq((4, 1))], lambda x: torch.ormqr(x[0], x[1], x[2]))
case("ormqr other rows", [g43, t43, seq((3, 1))], lambda x: torch.ormqr(x[0], x[1], x[2]))
case("ormqr dtype", [g43, t43, seq((4, 1), torch.float32)], lambda x: torch.ormqr(x[0], x[1], x[2]))

# torch.chain_matmul, torch.trapz
case("chain_matmul three", [seq((2, 3)), seq((3, 4), shift=1), seq((4, 2), shift=2)],
     lambda x: torch.chain_matmul(x[0], x[1], x[2]))
case("chain_matmul one", [seq((2, 3))], lambda x: torch.chain_matmul(x[0]))
case("chain_matmul 1-d", [seq((2, 3)), seq((3,))], lambda x: torch.chain_matmul(x[0], x[1]))
case("trapz dx", [seq((3, 4))], lambda x: torch.trapz(x[0], dx=0.5))
case("trapz x", [seq((3, 4)), torch.tensor([0.0, 0.5, 2.0, 2.5], dtype=D)], lambda x: torch.trapz(x[0], x[1]))
case("trapz dim", [seq((3, 4))], lambda x: torch.trapz(x[0], dim=0))

# Tensor.put_, torch.put
src = seq((6,), shift=1)
case("put_", [seq((2, 3)), torch.tensor([0, 4, -1]), seq((3,), shift=3)],
     lambda x: x[0].mul(1.0).put_(x[1], x[2]))
case("put_ accumulate", [seq((2, 3)), torch.tensor([[0, 4], [0, -6]]), seq((2, 2), shift=3)],
     lambda x: x[0].mul(1.0).put_(x[1], x[2], accumulate=True))
case("put", [seq((2, 3)), torch.tensor([5, 1]), seq((2,), shift=3)], lambda x: torch.put(x[0], x[1], x[2]))
case("put accumulate", [seq((2, 3)), torch.tensor([5, 5]), seq((2,), shift=3)],
     lambda x: x[0].put(x[1], x[2], accumulate=True))
case("put_ transposed", [seq((3, 2)), torch.tensor([1, 2]), seq((2,), shift=3)],
     lambda x: x[0].mul(1.0).t().put_(x[1], x[2]))
case("put_ long", [torch.arange(6), torch.tensor([1, 2]), torch.tensor([10, 20])], lambda x: x[0].clone().put_(x[1], x[2]))
case("put_ out of range", [seq((2, 3)), torch.tensor([0, 6]), seq((2,))], lambda x: x[0].mul(1.0).put_(x[1], x[2]))
case("put_ out of range negative", [seq((2, 3)), torch.tensor([-7]), seq((1,))], lambda x: x[0].mul(1.0).put_(x[1], x[2]))
case("put_ numel mismatch", [seq((2, 3)), torch.tensor([0, 1]), seq((3,))], lambda x: x[0].mul(1.0).put_(x[1], x[2]))
case("put_ index dtype", [seq((2, 3)), torch.tensor([0, 1], dtype=torch.int32), seq((2,))],
     lambda x: x[0].mul(1.0).put_(x[1], x[2]))
case("put_ source dtype", [seq((2, 3)), torch.tensor([0, 1]), seq((2,), torch.float32)],
     lambda x: x[0].mul(1.0).put_(x[1], x[2]))
case("put_ empty self", [seq((0,)), torch.tensor([0]), seq((1,))], lambda x: x[0].mul(1.0).put_(x[1], x[2]))

# torch.gradient: one case per output
g2 = seq((3, 4), scale=0.3) ** 2
for k in range(2):
    case("gradient [3, 4] out %d" % k, [g2], lambda x, k=k: torch.gradient(x[0])[k])
    case("gradient spacing 2.0 out %d" % k, [g2], lambda x, k=k: torch.gradient(x[0], spacing=2.0)[k])
    case("gradient spacing (0.5, 3.0) out %d" % k, [g2], lambda x, k=k: torch.gradient(x[0], spacing=(0.5, 3.0))[k])
    case("gradient edge_order 2 out %d" % k, [g2], lambda x, k=k: torch.gradient(x[0], edge_order=2)[k])
    case("gradient coordinates out %d" % k,
         [g2, torch.tensor([0.0, 1.0, 3.0], dtype=D), torch.tensor([-1.0, 0.0, 0.5, 2.0], dtype=D)],
         lambda x, k=k: torch.gradient(x[0], spacing=(x[1], x[2]))[k])
    case("gradient coordinates edge_order 2 out %d" % k,
         [g2, torch.tensor([0.0, 1.0, 3.0], dtype=D), torch.tensor([-1.0, 0.0, 0.5, 2.0], dtype=D)],
         lambda x, k=k: torch.gradient(x[0], spacing=(x[1], x[2]), edge_order=2)[k])
case("gradient dim 1", [g2], lambda x: torch.gradient(x[0], dim=1)[0])
case("gradient dim -2 spacing 0.25", [g2], lambda x: torch.gradient(x[0], spacing=0.25, dim=-2)[0])
case("gradient 1-d", [seq((5,), scale=0.3) ** 3], lambda x: torch.gradient(x[0])[0])
case("gradient 1-d edge_order 2", [seq((5,), scale=0.3) ** 3], lambda x: torch.gradient(x[0], edge_order=2)[0])
case("gradient long", [torch.tensor([1, 4, 9, 16])], lambda x: torch.gradient(x[0])[0])
case("gradient float32", [g2.float()], lambda x: torch.gradient(x[0])[1])
case("gradient too short", [seq((1, 4))], lambda x: torch.gradient(x[0])[0])
case("gradient edge_order 2 too short", [seq((2, 4))], lambda x: torch.gradient(x[0], edge_order=2)[0])
case("gradient edge_order 3", [g2], lambda x: torch.gradient(x[0], edge_order=3)[0])
case("gradient spacing count", [g2], lambda x: torch.gradient(x[0], spacing=(1.0, 2.0, 3.0))[0])

# torch.histogramdd (detached: histogram has no derivative)
pts = torch.tensor([[0., 0.], [1., 1.], [2., 0.], [0.5, 2.0], [3.0, 1.5], [1.5, 0.5], [2.9, 1.99]], dtype=D)
w7 = torch.tensor([1.0, 0.5, 2.0, 1.0, 0.25, 3.0, 1.5], dtype=D)


def hdd(name, inputs, fn):
    case("histogramdd " + name, inputs, lambda x: fn([t.detach() for t in x]))


for part in ("hist", "edges 0", "edges 1"):
    pick = (lambda r: r.hist) if part == "hist" else (lambda r, d=int(part[-1]): r.bin_edges[d])
    hdd("bins [2, 3] " + part, [pts], lambda x, pick=pick: pick(torch.histogramdd(x[0], bins=[2, 3])))
hdd("bins 2 range", [pts], lambda x: torch.histogramdd(x[0], bins=2, range=[0., 1., 0., 2.]).hist)
hdd("bins 3 weight density", [pts, w7], lambda x: torch.histogramdd(x[0], bins=3, weight=x[1], density=True).hist)
hdd("float32 bins [4, 2]", [pts.float()], lambda x: torch.histogramdd(x[0], bins=[4, 2]).hist)
hdd("float32 edges", [pts.float()], lambda x: torch.histogramdd(x[0], bins=[4, 2]).bin_edges[0])
hdd("3-d input", [pts[:6].reshape(2, 3, 2)], lambda x: torch.histogramdd(x[0], bins=[2, 2]).hist)
hdd("three coordinates", [seq((8, 3), scale=0.3)], lambda x: torch.histogramdd(x[0], bins=[2, 3, 2]).hist)
hdd("constant dimension", [torch.tensor([[1., 2.], [1., 3.]], dtype=D)], lambda x: torch.histogramdd(x[0], bins=2).bin_edges[0])
hdd("empty input", [torch.zeros(0, 2, dtype=D)], lambda x: torch.histogramdd(x[0], bins=[2, 2]).hist)
hdd("tensor edges", [pts, torch.tensor([0., 1., 2.5], dtype=D), torch.tensor([0., 0.5, 2.], dtype=D)],
    lambda x: torch.histogramdd(x[0], bins=[x[1], x[2]]).hist)
hdd("tensor edges weight density", [pts, torch.tensor([0., 1., 2.5], dtype=D), torch.tensor([0., 0.5, 2.], dtype=D), w7],
    lambda x: torch.histogramdd(x[0], bins=[x[1], x[2]], weight=x[3], density=True).hist)
hdd("1-d input", [pts[:, 0]], lambda x: torch.histogramdd(x[0], bins=[2]).hist)
hdd("zero bins", [pts], lambda x: torch.histogramdd(x[0], bins=[0, 2]).hist)
hdd("range length", [pts], lambda x: torch.histogramdd(x[0], bins=2, range=[0., 1.]).hist)
hdd("range reversed", [pts], lambda x: torch.histogramdd(x[0], bins=2, range=[1., 0., 0., 1.]).hist)
hdd("weight shape", [pts, torch.ones(4, dtype=D)], lambda x: torch.histogramdd(x[0], bins=2, weight=x[1]).hist)
hdd("long input", [pts.long()], lambda x: torch.histogramdd(x[0], bins=2).hist)
hdd("edges dtype", [pts.float(), torch.tensor([0., 1.], dtype=D), torch.tensor([0., 2.])],
    lambda x: torch.histogramdd(x[0], bins=[x[1], x[2]]).hist)
hdd("edges empty", [pts, torch.tensor([0., 1.], dtype=D), torch.zeros(0, dtype=D)],
    lambda x: torch.histogramdd(x[0], bins=[x[1], x[2]]).hist)
hdd("edges count", [pts, torch.tensor([0., 1.], dtype=D)], lambda x: torch.histogramdd(x[0], bins=[x[1]]).hist)

# angle of real tensors, conj of a real tensor
case("angle", [torch.tensor([1.0, -2.0, float("nan"), -0.0, 0.0, float("-inf")], dtype=D)], lambda x: x[0].angle())
case("angle float32", [torch.tensor([1.0, -2.0], dtype=torch.float32)], lambda x: torch.angle(x[0]))
case("angle long", [torch.tensor([1, -2, 0])], lambda x: x[0].angle())
case("conj_physical", [seq((2, 2))], lambda x: x[0].conj_physical())

# F.upsample, upsample_bilinear, upsample_nearest (deprecated names of interpolate)
import warnings  # noqa: E402
warnings.filterwarnings("ignore", message=".*deprecated.*")
case("upsample bilinear", [seq((1, 2, 3, 3))], lambda x: torch.nn.functional.upsample(x[0], size=(5, 4), mode="bilinear"))
case("upsample_bilinear", [seq((1, 2, 3, 3))], lambda x: torch.nn.functional.upsample_bilinear(x[0], scale_factor=2))
case("upsample_nearest", [seq((1, 2, 3, 3))], lambda x: torch.nn.functional.upsample_nearest(x[0], size=(4, 5)))

# addr_, unsafe_split_with_sizes
case("addr_", [seq((2, 3)), seq((2,), shift=2), seq((3,), shift=5)], lambda x: x[0].mul(1.0).addr_(x[1], x[2], beta=2, alpha=0.5))
case("unsafe_split_with_sizes 1", [seq((3, 4))], lambda x: x[0].unsafe_split_with_sizes([1, 3], 1)[1])

# edges of the new ops: other types, empty and 0-dim tensors, broadcasting
for dt in (torch.float32, torch.float16, torch.bfloat16, torch.int32, torch.uint8, torch.bool):
    name = str(dt).replace("torch.", "")
    base = (seq((2, 3)).abs() * 4).to(dt) if dt != torch.bool else seq((2, 3)).gt(0)
    src = (seq((2,), shift=3).abs() * 4).to(dt) if dt != torch.bool else torch.tensor([True, False])
    case("put_ %s" % name, [base, torch.tensor([4, 0]), src], lambda x: x[0].detach().clone().put_(x[1], x[2].detach()))
    case("put_ accumulate %s" % name, [base, torch.tensor([4, 4]), src],
         lambda x: x[0].detach().clone().put_(x[1], x[2].detach(), accumulate=True))
case("put_ 0-dim self", [torch.tensor(2.5, dtype=D), torch.tensor([0]), torch.tensor([1.5], dtype=D)],
     lambda x: x[0].mul(1.0).put_(x[1], x[2]))
case("put_ empty index", [seq((2, 3)), torch.zeros(0, dtype=torch.long), seq((0,))], lambda x: x[0].mul(1.0).put_(x[1], x[2]))
case("put_ index [2, 2] source [4]", [seq((2, 3)), torch.tensor([[0, 1], [2, 3]]), seq((4,), shift=2)],
     lambda x: x[0].mul(1.0).put_(x[1], x[2]))
for dt in (torch.float32, torch.float16, torch.bfloat16, torch.int32):
    name = str(dt).replace("torch.", "")
    case("gradient %s" % name, [(seq((3, 4)) * 2).to(dt)], lambda x: torch.gradient(x[0].detach())[1])
case("gradient uint8", [torch.tensor([1, 2, 4], dtype=torch.uint8)], lambda x: torch.gradient(x[0])[0])
case("gradient dim repeated", [seq((3, 4))], lambda x: torch.gradient(x[0], dim=(1, -1))[0])
case("gradient dim out of range", [seq((3, 4))], lambda x: torch.gradient(x[0], dim=2)[0])
case("gradient edge_order 2 size 3", [seq((3,), scale=0.5) ** 2], lambda x: torch.gradient(x[0], edge_order=2)[0])
case("histogramdd float16", [seq((4, 2)).half()], lambda x: torch.histogramdd(x[0].detach(), bins=2).hist)
case("histogramdd nan", [torch.tensor([[0.0, 1.0], [float("nan"), 2.0]], dtype=D)],
     lambda x: torch.histogramdd(x[0].detach(), bins=2).hist)
case("histogramdd inf with range", [torch.tensor([[0.0, 1.0], [float("inf"), 0.5], [0.2, float("-inf")]], dtype=D)],
     lambda x: torch.histogramdd(x[0].detach(), bins=2, range=[0., 1., 0., 1.]).hist)
case("histogramdd weight 0-dim", [seq((1, 2)), torch.tensor(2.0, dtype=D)],
     lambda x: torch.histogramdd(x[0].detach(), bins=2, weight=x[1].detach()).hist)
case("histogramdd unsorted edges", [pts, torch.tensor([2.0, 0.0, 1.0, 3.0], dtype=D), torch.tensor([0., 2.], dtype=D)],
     lambda x: torch.histogramdd(x[0].detach(), bins=[x[1].detach(), x[2].detach()]).hist)
case("solve_ex broadcast", [mat(3, 3, shift=3, batch=(2,)), seq((3, 1), shift=2)],
     lambda x: torch.linalg.solve_ex(x[0], x[1])[0])
case("solve_ex broadcast info", [mat(3, 3, shift=3, batch=(2,)).detach(), seq((3, 1), shift=2).detach()],
     lambda x: torch.linalg.solve_ex(x[0].detach(), x[1].detach())[1])
case("solve_ex batched vector", [mat(3, 3, shift=3, batch=(2,)), seq((2, 3), shift=2)],
     lambda x: torch.linalg.solve_ex(x[0], x[1])[0])
case("solve_ex float32", [mat(3, 3, shift=3).float(), seq((3, 2), torch.float32, 2)],
     lambda x: torch.linalg.solve_ex(x[0], x[1])[0])
case("solve_ex dtype mismatch", [mat(3, 3).float(), seq((3, 2))], lambda x: torch.linalg.solve_ex(x[0], x[1])[0])
case("lu_factor_ex batched wide LU", [mat(2, 4, shift=4, batch=(3,))], lambda x: torch.linalg.lu_factor_ex(x[0])[0])
case("lu_factor_ex empty", [torch.zeros(0, 3, 3, dtype=D)], lambda x: torch.linalg.lu_factor_ex(x[0])[2])
case("tensorinv float32", [mat(6, 6, shift=6).reshape(6, 2, 3).float()], lambda x: torch.linalg.tensorinv(x[0], ind=1))
case("tensorinv singular", [torch.zeros(2, 2, 2, 2, dtype=D)], lambda x: torch.linalg.tensorinv(x[0], ind=2))
case("householder_product empty tau", [seq((3, 2)), torch.zeros(0, dtype=D)], lambda x: torch.linalg.householder_product(x[0], x[1]))
case("householder_product tau dtype", [seq((3, 2)), seq((2,)).float()], lambda x: torch.linalg.householder_product(x[0], x[1]))
case("svd float32 some=False absV", [mat(3, 4).float()], lambda x: torch.svd(x[0], some=False)[2][:, :3].abs())
case("adjoint 0-dim", [torch.tensor(1.0, dtype=D)], lambda x: x[0].adjoint())
case("pinverse empty", [torch.zeros(0, 3, dtype=D)], lambda x: torch.pinverse(x[0]))
case("chain_matmul empty", [], lambda x: torch.chain_matmul())

# in-place math
case("rad2deg_", [seq((2, 3))], lambda x: x[0].mul(1.0).rad2deg_())
case("deg2rad_", [seq((2, 3))], lambda x: x[0].mul(1.0).deg2rad_())
case("rad2deg_ long", [torch.arange(3)], lambda x: x[0].clone().rad2deg_())
case("nextafter_", [seq((2, 3)).detach(), seq((2, 3), shift=4).detach()], lambda x: x[0].detach().clone().nextafter_(x[1].detach()))
case("igamma_", [seq((2, 3)).abs().detach() + 0.5, seq((2, 3), shift=4).abs().detach()],
     lambda x: x[0].detach().clone().igamma_(x[1].detach()))
case("igammac_", [seq((2, 3)).abs().detach() + 0.5, seq((2, 3), shift=4).abs().detach()],
     lambda x: x[0].detach().clone().igammac_(x[1].detach()))
case("renorm_", [seq((3, 4))], lambda x: x[0].mul(1.0).renorm_(2, 0, 1.5))
case("renorm_ p=1 dim=1", [seq((3, 4))], lambda x: x[0].mul(1.0).renorm_(1, 1, 2.0))


# PyTorch 2.x's messages where 1.13's differ (aten/src/ATen/native/ReduceOps.cpp, pre_check_gradient)
# 2.x's nodes where 1.13's differ: a reshape that views; interpolate's plain upsample ops (1.13 calls the .vec overloads)
NODES_2X = {"ReshapeAliasBackward0": "ViewBackward0", "UpsampleBilinear2DBackward1": "UpsampleBilinear2DBackward0",
            "UpsampleNearest2DBackward1": "UpsampleNearest2DBackward0"}

MESSAGES_2X = {
    "histogramdd 1-d input": "error RuntimeError torch.histogramdd: input tensor should have at least 2 dimensions, but got 1",
    "gradient spacing count": "error RuntimeError torch.gradient expected spacing to be unspecified, a scalar, or a list of "
                              "length equal to 'self.dim() = 2', since dim argument was not given, but got a list of length 3",
}


def strings():
    out = []

    def put(key, value):
        out.append("%s\t%s" % (key, str(value).replace("\n", "\\n")))

    def err(key, fn):
        try:
            fn()
            put(key, "no error")
        except Exception as e:
            put(key, "%s %s" % (type(e).__name__, str(e).strip().split("\n")[0]))

    for dt in (torch.float32, torch.float64, torch.float16, torch.bfloat16, torch.int64, torch.int32, torch.int16,
               torch.int8, torch.uint8, torch.bool):
        t = torch.zeros(1, dtype=dt)
        name = str(dt).replace("torch.", "")
        put("type " + name, t.type())
        put("element_size " + name, t.element_size())
        put("is_floating_point " + name, t.is_floating_point())
    put("type to torch.float64", torch.zeros(2).type(torch.float64).dtype)
    put("type to torch.IntTensor", torch.zeros(2).type("torch.IntTensor").dtype)
    err("type bad name", lambda: torch.zeros(2).type("torch.NoSuchTensor"))
    p = torch.nn.ParameterDict({"b": torch.nn.Parameter(torch.zeros(3, 4)), "a": torch.nn.Parameter(torch.zeros(2, dtype=D))})
    put("ParameterDict sorted", p)
    put("ParameterDict sorted keys", list(p.keys()))
    from collections import OrderedDict
    q = torch.nn.ParameterDict(OrderedDict([("b", torch.nn.Parameter(torch.zeros(3, 4))), ("a", torch.zeros(2))]))
    put("ParameterDict ordered", q)
    put("ParameterDict ordered state_dict", list(q.state_dict().keys()))
    put("ParameterDict plain tensor requires_grad", q["a"].requires_grad)
    q["b"] = torch.nn.Parameter(torch.ones(1))
    put("ParameterDict replaced keys", list(q.keys()))
    q.update(OrderedDict([("c", torch.ones(2)), ("a", torch.ones(5))]))
    put("ParameterDict updated", q)
    put("ParameterDict pop", q.pop("b").shape)
    put("ParameterDict after pop", list(q.keys()))
    put("ParameterDict len", len(q))
    put("ParameterDict contains a", "a" in q)
    err("ParameterDict missing key", lambda: q["zz"])
    err("ParameterDict call", lambda: q(torch.zeros(1)))
    err("ParameterDict int tensor", lambda: q.__setitem__("i", torch.zeros(2, dtype=torch.int64)))
    err("ParameterDict dotted key", lambda: q.__setitem__("x.y", torch.zeros(2)))
    m = torch.nn.Module()
    m.params = torch.nn.ParameterDict(OrderedDict([("w", torch.nn.Parameter(torch.ones(2, 2)))]))
    put("ParameterDict in module", m)
    put("ParameterDict in module named_parameters", [k for k, _ in m.named_parameters()])
    put("CosineEmbeddingLoss", torch.nn.CosineEmbeddingLoss(margin=0.5))
    put("MarginRankingLoss", torch.nn.MarginRankingLoss(margin=0.5, reduction="sum"))
    x1 = seq((3, 4))
    x2 = seq((3, 4), shift=5)
    y = torch.tensor([1.0, -1.0, 1.0], dtype=D)
    put("CosineEmbeddingLoss value", torch.nn.CosineEmbeddingLoss(margin=0.5)(x1, x2, y).item())
    put("MarginRankingLoss value", torch.nn.MarginRankingLoss(margin=0.5, reduction="sum")(x1[:, 0], x2[:, 0], y).item())
    err("CosineEmbeddingLoss one input", lambda: torch.nn.CosineEmbeddingLoss()(x1))
    err("MarginRankingLoss one input", lambda: torch.nn.MarginRankingLoss()(x1))
    err("TripletMarginLoss one input", lambda: torch.nn.TripletMarginLoss()(x1))
    put("gradient 0-dim count", len(torch.gradient(torch.tensor(1.0, dtype=D))))
    # tolist, apply_, map_
    put("tolist long", torch.tensor([[1, 2], [3, 4]]).tolist())
    put("tolist 0-d", torch.tensor(3.5, dtype=D).tolist())
    put("tolist bool", torch.tensor([True, False]).tolist())
    put("tolist float16", torch.tensor([[1.5], [-0.25]], dtype=torch.float16).tolist())
    put("get_device cpu", torch.zeros(1).get_device())
    put("apply_ long", fmt_tensor(torch.tensor([1, 2]).apply_(lambda v: v * 2.7)))
    put("apply_ bool", fmt_tensor(torch.tensor([True, False]).apply_(lambda v: not v)))
    y = seq((2, 2))
    put("map2_", fmt_tensor(torch.ones(3, dtype=D).map2_(torch.full((3,), 2.0, dtype=D), torch.full((1,), 3.0, dtype=D),
                                                        lambda a, b, c: a + b * c)))
    put("map_", fmt_tensor(y.clone().map_(torch.tensor([10.0, 20.0], dtype=D), lambda a, b: a * b + 1)))
    err("apply_ requires grad", lambda: y.clone().requires_grad_().apply_(lambda v: v))
    err("map_ requires grad", lambda: y.clone().requires_grad_().map_(y, lambda a, b: a))
    err("map_ other type", lambda: y.clone().map_(torch.tensor([10, 20]), lambda a, b: a + b))
    err("map_ other shape", lambda: y.clone().map_(torch.ones(3, dtype=D), lambda a, b: a + b))
    # nn.init.eye_, dirac_ (sparse_ draws at random: its properties are checked in the test)
    put("init eye_ [3, 5]", fmt_tensor(torch.nn.init.eye_(torch.empty(3, 5))))
    put("init dirac_ [3, 2, 3]", fmt_tensor(torch.nn.init.dirac_(torch.empty(3, 2, 3))))
    put("init dirac_ [4, 3, 3, 2] groups 2", fmt_tensor(torch.nn.init.dirac_(torch.empty(4, 3, 3, 2), 2)))
    put("init dirac_ [2, 2, 1, 2, 3]", fmt_tensor(torch.nn.init.dirac_(torch.empty(2, 2, 1, 2, 3))))
    err("init eye_ 3-d", lambda: torch.nn.init.eye_(torch.empty(2, 2, 2)))
    err("init dirac_ 2-d", lambda: torch.nn.init.dirac_(torch.empty(2, 2)))
    err("init dirac_ groups", lambda: torch.nn.init.dirac_(torch.empty(3, 2, 3), 2))
    err("init sparse_ 3-d", lambda: torch.nn.init.sparse_(torch.empty(2, 2, 2), 0.5))
    # torch.nn.utils.fuse_conv_bn_weights / fuse_linear_bn_weights (2.x also keeps the layer's requires_grad and types;
    # all float64 here, so 1.13's values are 2.x's)
    from torch.nn.utils.fusion import fuse_conv_bn_weights, fuse_linear_bn_weights
    cw, cb = seq((4, 3, 2, 2), shift=1), seq((4,), shift=2)
    rm, rv = seq((4,), shift=3), seq((4,), shift=4).abs() + 0.5
    bw, bb = seq((4,), shift=5), seq((4,), shift=6)
    for name, args in (("conv", (cw, cb, rm, rv, 1e-5, bw, bb)), ("conv no bias", (cw, None, rm, rv, 1e-3, bw, bb)),
                       ("conv no affine", (cw, cb, rm, rv, 1e-5, None, None)),
                       ("transposed", (seq((3, 4, 2, 2), shift=7), cb, rm, rv, 1e-5, bw, bb, True)),
                       ("linear", (seq((4, 5), shift=8), cb, rm, rv, 1e-5, bw, bb)),
                       ("linear no bias", (seq((4, 5), shift=8), None, rm, rv, 1e-5, bw, bb))):
        fn = fuse_linear_bn_weights if name.startswith("linear") else fuse_conv_bn_weights
        w, b = fn(*args)
        put("fuse %s weight" % name, fmt_tensor(w))
        put("fuse %s bias" % name, fmt_tensor(b))
    # svd_lowrank / pca_lowrank: random range finding, so the values compared are those its random matrix cannot
    # change for a matrix of rank <= q: the singular values (and U S V^T == A, checked in the test)
    torch.manual_seed(0)  # the random projections: the same file on every run
    low = seq((8, 3), shift=1) @ seq((3, 5), shift=4)
    put("lowrank A", fmt_tensor(low))
    put("lowrank S q=4", fmt_tensor(torch.svd_lowrank(low, q=4)[1]))
    put("lowrank S wide q=4", fmt_tensor(torch.svd_lowrank(low.mT, q=4)[1]))
    put("lowrank S centered q=3", fmt_tensor(torch.pca_lowrank(low, q=3)[1]))
    put("lowrank S M q=3", fmt_tensor(torch.svd_lowrank(low, q=3, M=low.mean(dim=-2, keepdim=True).expand(8, 5))[1]))
    err("lowrank q too large", lambda: torch.pca_lowrank(low, q=6))
    err("lowrank niter negative", lambda: torch.pca_lowrank(low, q=2, niter=-1))
    # nn.AdaptiveLogSoftmaxWithLoss: weights from a seeded PyTorch module, float64; targets in every cluster
    torch.manual_seed(27)
    asm = torch.nn.AdaptiveLogSoftmaxWithLoss(8, 12, [4, 8], div_value=2.0, head_bias=True).double()
    put("asm print", asm)
    for k, v in asm.state_dict().items():
        put("asm param " + k, fmt_tensor(v))
    x = torch.randn(6, 8, dtype=D, requires_grad=True)
    t = torch.tensor([0, 5, 11, 3, 9, 4])
    put("asm input", fmt_tensor(x))
    put("asm target", fmt_tensor(t))
    r = asm(x, t)
    put("asm output", fmt_tensor(r.output))
    put("asm output fn", r.output.grad_fn.name())
    put("asm loss", fmt_tensor(r.loss))
    r.loss.backward()
    put("asm grad input", fmt_tensor(x.grad))
    for k, p in asm.named_parameters():
        put("asm grad " + k, fmt_tensor(p.grad))
    lp = asm.log_prob(x)
    put("asm log_prob", fmt_tensor(lp))
    put("asm log_prob fn", lp.grad_fn.name())
    put("asm predict", fmt_tensor(asm.predict(x)))
    put("asm predict first row", fmt_tensor(asm.predict(x[:1])))
    with torch.no_grad():
        for shift, name in ((2.2, "mixed"), (10.0, "all in the tail")):
            asm.head.bias[4] += shift
            put("asm predict " + name, fmt_tensor(asm.predict(x)))
            asm.head.bias[4] -= shift
    r0 = asm(x[0], t[0])
    put("asm 0-d output", fmt_tensor(r0.output))
    put("asm 0-d loss", fmt_tensor(r0.loss))
    err("asm target out of range", lambda: asm(x, torch.tensor([0, 5, 12, 3, 9, 4])))
    err("asm batch mismatch", lambda: asm(x, t[:5]))
    err("asm 1-d target 1-d input", lambda: asm(x[0], t))
    err("asm 0-d target 2-d input", lambda: asm(x, t[0]))
    err("asm 2-d target", lambda: asm(x, t.reshape(2, 3)))
    err("asm bad cutoffs", lambda: torch.nn.AdaptiveLogSoftmaxWithLoss(8, 12, [4, 4]))
    err("asm cutoff too large", lambda: torch.nn.AdaptiveLogSoftmaxWithLoss(8, 12, [4, 12]))
    return out


if __name__ == "__main__":
    with open(os.path.join(HERE, "expected.txt"), "w") as f:
        for name, inputs, fn in CASES:
            f.write("=== " + name + "\n")
            for line in run_case(name, inputs, fn, MESSAGES_2X, NODES_2X):
                if name.startswith("ormqr left") and line.startswith("fn "):
                    line = "fn OrmqrBackward0"  # ormqr_2x's values come through matmul; 2.x's node is ormqr's
                f.write(line + "\n")
    with open(os.path.join(HERE, "strings.txt"), "w") as f:
        for line in strings():
            f.write(line + "\n")
