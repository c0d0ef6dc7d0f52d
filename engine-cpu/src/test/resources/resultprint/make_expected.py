"""Expected printouts for ResultPrintTest: what print() shows for the result of each op that returns more than one
tensor (torch.return_types structseqs, plain tuples), from fixed small inputs that the test builds the same way.

Run with PyTorch 1.13 (CPU): /usr/bin/python3 make_expected.py  ->  texts.txt (name|repr, newlines as \\n).
PyTorch 2.x prints these the same way (torch/return_types.py and native_functions.yaml name the same structseqs);
the test's comment says where a case was checked against 2.x.
"""
import torch
import torch.nn.functional as F

torch.set_printoptions(profile="default")
out = []


def case(name, value):
    text = repr(value)
    assert "\\" not in text and "|" not in text
    out.append(name + "|" + text.replace("\n", "\\n"))


x = torch.tensor([[1., 5., 2., 5.], [4., 0., 3., 3.], [2., 2., 7., 1.]])
case("max", torch.max(x, 1))
case("max_keepdim", x.max(1, keepdim=True))
case("min", torch.min(x, 1))
case("sort", torch.sort(x, 1))
case("sort_descending", x.sort(0, descending=True))
t = torch.tensor([[1., 5., 2., 4.], [4., 0., 3., -1.], [2., 6., 7., 1.]])  # no ties (their order is unspecified)
case("topk", torch.topk(t, 2))
case("topk_smallest", torch.topk(t, 3, dim=1, largest=False))
case("kthvalue", torch.kthvalue(t, 2))
case("median", torch.median(x, 1))
xn = torch.tensor([[1., float("nan"), 2.], [4., 0., 3.]])
case("nanmedian", torch.nanmedian(xn, 1))
case("mode", torch.mode(x, 1))
case("cummax", torch.cummax(x, 1))
case("cummin", torch.cummin(x, 1))
case("aminmax", torch.aminmax(x, dim=0))
p = torch.tensor([[[1., 3., 2., 5., 4., 0.]]])
case("max_pool1d_indices", F.max_pool1d(p, 2, return_indices=True))
case("adaptive_max_pool1d_indices", F.adaptive_max_pool1d(p, 2, return_indices=True))
q = torch.tensor([[[[1., 3.], [2., 5.]]]])
case("max_pool2d_indices", F.max_pool2d(q, 2, return_indices=True))
case("adaptive_max_pool2d_indices", F.adaptive_max_pool2d(q, 1, return_indices=True))
r = torch.arange(8.).reshape(1, 1, 2, 2, 2)
case("max_pool3d_indices", F.max_pool3d(r, 2, return_indices=True))
case("adaptive_max_pool3d_indices", F.adaptive_max_pool3d(r, 1, return_indices=True))

A = torch.tensor([[4., 1., 2.], [1., 3., 0.], [2., 0., 5.]], dtype=torch.float64)
N = torch.tensor([[1., 2., 0.], [3., -1., 2.], [0.5, 1., 4.]], dtype=torch.float64)
B = torch.tensor([[1., 0.], [2., 1.], [0., 3.]], dtype=torch.float64)
case("slogdet", torch.slogdet(N))
case("linalg_slogdet", torch.linalg.slogdet(N))
M = torch.tensor([[3., 1.], [4., 2.]], dtype=torch.float64)  # no zeros in Q, whose rounding would show
case("qr", torch.qr(M))
case("linalg_qr", torch.linalg.qr(M))
case("linalg_qr_r", torch.linalg.qr(M, mode="r"))
LU, piv = torch.linalg.lu_factor(N)
case("linalg_lu_factor", torch.linalg.lu_factor(N))
case("linalg_lu_factor_ex", torch.linalg.lu_factor_ex(N))
case("lu_unpack", torch.lu_unpack(LU, piv))
case("linalg_lu", torch.linalg.lu(N))
# singular and eigen vectors are unique up to sign only: a permuted diagonal makes them signed the same everywhere
D = torch.tensor([[1., 0., 0.], [0., 3., 0.], [0., 0., 2.]], dtype=torch.float64)
case("linalg_svd", torch.linalg.svd(D))
case("svd", torch.svd(D))
case("linalg_eigh", torch.linalg.eigh(D))
case("linalg_eig", torch.linalg.eig(D))
case("linalg_cholesky_ex", torch.linalg.cholesky_ex(A))
case("linalg_inv_ex", torch.linalg.inv_ex(A))
case("linalg_solve_ex", torch.linalg.solve_ex(A, B))
case("linalg_lstsq", torch.linalg.lstsq(N, B))
case("geqrf", torch.geqrf(N))
case("linalg_ldl_factor", torch.linalg.ldl_factor(A))
case("linalg_ldl_factor_ex", torch.linalg.ldl_factor_ex(A))
case("triangular_solve", torch.triangular_solve(B, A.triu()))

f = torch.tensor([1., 2.5, -6., 0.375])
case("frexp", torch.frexp(f))
h = torch.tensor([1., 2., 1., 4., 2.5, 0.5])
case("histogram", torch.histogram(h, 4))
case("histogramdd", torch.histogramdd(torch.tensor([[0., 1.], [1., 0.], [2., 2.], [0.5, 1.5]]), bins=[2, 2]))

u = torch.tensor([2, 1, 1, 3, 2, 2])
case("unique", torch.unique(u))
case("unique_inverse", torch.unique(u, return_inverse=True))
case("unique_counts", torch.unique(u, return_counts=True))
case("unique_both", torch.unique(u, return_inverse=True, return_counts=True))
case("unique_consecutive", torch.unique_consecutive(u, return_inverse=True, return_counts=True))
case("unique_consecutive_counts", torch.unique_consecutive(u, return_counts=True))

case("var_mean", torch.var_mean(x, 1))
case("std_mean", torch.std_mean(x, 1))
w = torch.tensor([1., 2., 3., 4.])
b = torch.tensor([0., 0.5, 0., -0.5])
case("native_layer_norm", torch.native_layer_norm(x, [4], w, b, 1e-5))

# nn and autograd results that are tuples
case("mha_tuple", (torch.tensor([[0.5, 1.]]), None))
from torch.nn.modules.adaptive import _ASMoutput
case("asm_output", _ASMoutput(torch.tensor([-1.5, -0.25]), torch.tensor(0.875)))
v = torch.tensor([1., 2., 3.])
case("autograd_vjp", torch.autograd.functional.vjp(lambda t: t * t, v, torch.ones(3)))
case("autograd_vjp_two", torch.autograd.functional.vjp(lambda a, c: a * c, (v, 2 * v), torch.ones(3)))
# torch.func.jvp (2.x; functorch.jvp in 1.13) returns the tuple (output, jvp_out): here of sin at v along ones
case("func_jvp", (torch.sin(v), torch.cos(v)))
# conv_w and conv_b require grad: 2.x's Parameters take their requires_grad (1.13's always require it)
cw = torch.tensor([[[[1., 2.], [3., 4.]]], [[[0.5, -1.], [2., 0.]]]], requires_grad=True)
cb = torch.tensor([0.1, -0.2], requires_grad=True)
case("fuse_conv_bn", torch.nn.utils.fuse_conv_bn_weights(cw, cb, torch.tensor([0.5, 1.]), torch.tensor([4., 0.25]), 0.,
                                                            torch.tensor([2., 1.]), torch.tensor([0., 1.])))
ds = torch.utils.data.TensorDataset(torch.tensor([[1., 2.], [3., 4.], [5., 6.]]), torch.tensor([0, 1, 0]))
case("loader_batch", next(iter(torch.utils.data.DataLoader(ds, batch_size=2))))

with open("texts.txt", "w") as fh:
    fh.write("\n".join(out) + "\n")
