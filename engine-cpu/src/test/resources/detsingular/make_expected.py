# Writes expected.txt for DetSecondDerivativeTest.java: torch.linalg.det's create_graph gradient and second derivative at
# singular and nearly singular (rank-deficient) matrices, float64.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13).
#
# Facts followed (PyTorch 2.x, torch/csrc/autograd/FunctionsManual.cpp, linalg_det_backward; 1.13 has the same formula,
# checked below: its create_graph gradient at a singular matrix ends in MmBackward0, the SVD path's matmul):
# - without grad mode (a first derivative) the gradient is lu_solve(LU + eps on its zero pivots, grad * det * I): zero
#   times a finite matrix at an exactly singular A (so gradcheck fails there in PyTorch, e.g. a 2x2 of rank 1).
# - with grad mode (create_graph, gradgradcheck) masked_fmap(|det| < 100 eps, singular, non_singular) per batch element:
#   non_singular = linalg_solve(A^H, d); singular = U diag(D) Vh with [U, S, Vh] = linalg_svd(A),
#   alpha = conj(det(U) det(Vh)) * grad and D = prod_safe_zeros_backward(alpha.unsqueeze(-1), S, -1) (the product of the
#   other singular values times alpha): the adjugate, differentiable, with no division by the singular values.
# - gradgradcheck passes at matrices of rank n-1 and n-2 built as a product (n x r)(r x n) (checked below: ggc True).
#
# A case is "=== key" then lines: a (the matrix, flattened), shape, det, grad (the create_graph gradient of
# (det * w).sum(), w the weights), w, hess (the gradient of (grad * v).sum() with respect to a, v the weights v),
# v, node (grad's grad_fn), ggc (gradgradcheck's verdict).
import torch
from torch.autograd import gradgradcheck

torch.manual_seed(14)
D = torch.float64


def rep(t):
    return repr(t.detach().reshape(-1).tolist())


def rank_deficient(batch, n, r):
    return torch.randn(*batch, n, r, dtype=D) @ torch.randn(*batch, r, n, dtype=D)


def case(key, a):
    a = a.detach().clone().requires_grad_()
    det = torch.linalg.det(a)
    w = torch.rand(det.shape, dtype=D) + 0.5
    g, = torch.autograd.grad((det * w).sum(), a, create_graph=True)
    v = torch.rand(a.shape, dtype=D) - 0.5
    h, = torch.autograd.grad((g * v).sum(), a)
    ggc = gradgradcheck(torch.linalg.det, (a,))
    print("=== " + key)
    print("a", rep(a))
    print("shape", repr(list(a.shape)))
    print("det", rep(det))
    print("w", rep(w))
    print("grad", rep(g))
    print("v", rep(v))
    print("hess", rep(h))
    print("node", g.grad_fn.name())
    print("ggc", ggc)


case("rank2_of_3", rank_deficient((), 3, 2))
case("rank1_of_3", rank_deficient((), 3, 1))
case("rank2_of_4", rank_deficient((), 4, 2))
case("rank3_of_4", rank_deficient((), 4, 3))
case("rank1_of_2_exact", torch.tensor([[1.0, 2.0], [2.0, 4.0]], dtype=D))
case("zero_1x1", torch.zeros(1, 1, dtype=D))
case("batch_all_singular", rank_deficient((2,), 3, 2))
# a batch with singular and regular matrices: each element takes its own formula
mixed = torch.stack([rank_deficient((), 3, 2), torch.randn(3, 3, dtype=D) + 3 * torch.eye(3, dtype=D),
                     rank_deficient((), 3, 1)])
case("batch_mixed", mixed)
case("regular", torch.randn(3, 3, dtype=D) + 3 * torch.eye(3, dtype=D))
