# Expected values for PyTorch2xChangesTest (session 41): the items of PyTorch 2.x's "Backwards Incompatible Changes" and
# "Deprecations" where Ember did 1.13's thing (CHANGES.md beside this file lists every item checked).
# Lines "key value" (refcases.key_lines). Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13 CPU)
# Only 1.13 is installed: every value below is one that 2.x computes alike (the changes are to strides and warnings,
# not to values); what 2.x changed is asserted by the test from the 2.x source rule quoted beside each case.
import os
import sys
import warnings

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from refcases import key_lines, seq, weights  # noqa: E402

torch.set_num_threads(1)
lines = []
text, tensor, err = key_lines(lines)

# ---- 1. *_scatter keeps self's strides and storage offset (2.0, #91029)
# 2.x's slice_scatter / select_scatter / diagonal_scatter start from clone_preserve_strides(self) (TensorShape.cpp,
# "Note [*_scatter ops preserve strides]"): the result has self's sizes, strides and storage offset. 1.13 cloned self
# (contiguous strides for a non-dense self); the values and gradients are the same in both, and are taken from 1.13
# here. Self is base[1:, ::2] of a [4, 6] float64 base: sizes [3, 3], strides (6, 2), storage offset 6.
# (1.13 mis-sizes a slice_scatter slice that does not start at 0 or end at the end, e.g. [1, 3) of 3 gives size 1: not
# used here.)
CASES = {
    "slice": (lambda x, s: torch.slice_scatter(x, s, dim=0, start=0, end=1), [1, 3]),
    "select": (lambda x, s: torch.select_scatter(x, s, 0, 2), [3]),
    "diagonal": (lambda x, s: torch.diagonal_scatter(x, s, 1), [2]),
}
for name, (f, src_shape) in CASES.items():
    for inplace in (False, True):
        base = seq([4, 6]).requires_grad_(True)
        src = seq(src_shape, shift=3).requires_grad_(True)
        x = base[1:, ::2]
        out = f(x, src)
        key = "scatter.%s%s" % (name, ".mul_" if inplace else "")
        if inplace:
            out.mul_(2)  # an in-place op on the result: a plain tensor, not a view, in both versions
        tensor(key + ".out", out)
        (out * weights(out.shape)).sum().backward()
        tensor(key + ".gbase", base.grad)
        tensor(key + ".gsrc", src.grad)
        text(key + ".node", out.grad_fn.name())
# a transposed (dense) self: strides (1, 4) in both versions
xt = seq([4, 3]).t()
tensor("scatter.t.out", torch.slice_scatter(xt, seq([1, 4], shift=3), dim=0, start=0, end=1))
text("scatter.t.stride", str(list(torch.slice_scatter(xt, seq([1, 4], shift=3), dim=0, start=0, end=1).stride())))
# an expanded self (internal overlap): 2.x's clone_preserve_strides falls back to clone(): contiguous
xe = seq([3]).expand(2, 3)
text("scatter.expand.stride", str(list(torch.select_scatter(xe, seq([3], shift=1), 0, 0).stride())))

# an overlapping self (unfold(0, 4, 2) of 8 elements: sizes [3, 4], strides (2, 1)): has_internal_overlap is not
# "Yes" (no zero stride), so 2.x keeps the overlap and the scattered element also shows where it aliases; emulated
# with 1.13 ops as clone_preserve_strides works (1.13's own result, a contiguous clone, kept to show the difference)
xu = seq([8]).unfold(0, 4, 2)
src1 = torch.tensor([40.0], dtype=torch.float64)
whole = xu.as_strided((8,), (1,), 0).clone()
emu = whole.as_strided(xu.shape, xu.stride(), xu.storage_offset())
emu.diagonal(-2, 0, 1).copy_(src1)
tensor("scatter.unfold.out", emu)
tensor("scatter.unfold.113", torch.diagonal_scatter(xu, src1, -2, 0, 1))

# as_strided_scatter: 2.x's copy is clone_preserve_strides(self) too, so its view's storage_offset counts from the
# start of self's storage (None: the copy's own offset, self's). Self is base[1:] of a [4, 6] float64 base (contiguous,
# storage offset 6). With None, 1.13's result (a contiguous clone, offset 0) has 2.x's values. With an explicit offset 8,
# 2.x's result is emulated with 1.13 ops exactly as clone_preserve_strides works: the whole base storage copied, the view
# (sizes (2, 2), strides (6, 1), offset 8) overwritten by src, the result that copy's [1:] (1.13 itself counts 8 from
# the contiguous clone's start: another region).
base = seq([4, 6])
xs = base[1:]
src22 = seq([2, 2], shift=3)
tensor("asscatter.none.out", torch.as_strided_scatter(xs, src22, (2, 2), (6, 1)))
whole = base.clone()
whole.as_strided((2, 2), (6, 1), 8).copy_(src22)
tensor("asscatter.off8.out", whole[1:])
tensor("asscatter.off8.113", torch.as_strided_scatter(xs, src22, (2, 2), (6, 1), 8))

# ---- 2. Tensor.T / H / mT / mH / adjoint on 0-D tensors (2.0, #92143)
# 2.x: the identity (H, mH, adjoint: the conjugate), each with a one-time UserWarning (TensorShape.cpp numpy_T,
# matrix_H, mT, mH, adjoint: TORCH_WARN_ONCE, "Added in PyTorch 2.0"); 1.13 returned the same values silently.
warnings.simplefilter("always")
z = torch.tensor(2.5, dtype=torch.float64)
c = torch.tensor(1.5 - 2.0j, dtype=torch.complex128)
for name in ("T", "H", "mT", "mH"):
    tensor("zero_d.%s" % name, getattr(z, name))
    tensor("zero_d.complex.%s" % name, getattr(c, name))
tensor("zero_d.adjoint", z.adjoint())
tensor("zero_d.complex.adjoint", c.adjoint())
# errors of the other ranks: 1.13's words are 2.x's (the same TORCH_CHECKs)
err("err.mT.1d", lambda: torch.ones(3).mT)
err("err.mH.1d", lambda: torch.ones(3).mH)
err("err.H.1d", lambda: torch.ones(3).H)
err("err.H.3d", lambda: torch.ones(2, 2, 2).H)
tensor("H.2d", torch.tensor([[1 + 2j, 3 - 1j], [0.5j, 2]], dtype=torch.complex128).H)
# the x.T deprecation on a tensor of neither 0 nor 2 dimensions (since 1.11; the same text in 2.x's numpy_T)
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter("always")
    torch.ones(2, 3, 4).T
text("warn.T.3d", str(w[0].message).split(" (Triggered internally at")[0])

# ---- 2b. the one-time deprecation warnings of torch.qr, torch.chain_matmul, torch.lu_solve (the brief's "linalg
# deprecations"): TORCH_WARN_ONCE in 1.13 and, with the same words, in 2.x (LinearAlgebra.cpp chain_matmul,
# BatchLinearAlgebra.cpp qr and lu_solve). torch.lstsq / symeig / eig / solve / matrix_rank are removed in 2.x (Ember
# has none of them).
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter("always")
    eye = torch.eye(3, dtype=torch.float64)
    torch.qr(eye)
    torch.chain_matmul(eye, eye)
    LU, piv = torch.linalg.lu_factor(eye)
    torch.lu_solve(eye, LU, piv)
for key, m in zip(("warn.qr", "warn.chain_matmul", "warn.lu_solve"), w):
    text(key, str(m.message).split(" (Triggered internally at")[0])

# ---- 2c. F.hardtanh refuses min_val > max_val (2.4, #121627)
# 2.4+'s torch/nn/functional.py hardtanh: "if min_val > max_val: raise ValueError("min_val cannot be greater than
# max_val")" before calling torch._C._nn.hardtanh; 1.13 clamps (its result is kept to show the difference). Equal
# bounds pass in both (the values below); F.hardtanh_ (torch._C._nn.hardtanh_ itself) has no check in either.
xh = seq([6])
tensor("hardtanh.113.reversed", torch.nn.functional.hardtanh(xh, 1.0, -1.0))
tensor("hardtanh.equal", torch.nn.functional.hardtanh(xh, 0.5, 0.5))
tensor("hardtanh_.reversed", torch.nn.functional.hardtanh_(xh.clone(), 1.0, -1.0))

# ---- 2d. backward()/autograd.grad of a complex scalar need an explicit gradient (2.1, #92753)
# 2.x's torch/autograd/__init__.py _make_grads: "if not out_dtype.is_floating_point: raise RuntimeError("grad can be
# implicitly created only for real scalar outputs but got {out_dtype}")"; 1.13 took ones_like (kept below). With an
# explicit gradient both versions give the same gradient.
z = torch.tensor(1 + 2j, dtype=torch.complex128, requires_grad=True)
(z * z).backward()
tensor("complex.implicit.113", z.grad)
z = torch.tensor(1 + 2j, dtype=torch.complex128, requires_grad=True)
(z * z).backward(torch.tensor(0.5 - 1j, dtype=torch.complex128))
tensor("complex.explicit.grad", z.grad)

# ---- 3. var / std / var_mean / std_mean with a fractional correction (2.1: "Scalar? correction"; 1.13: "int?")
# 1.13 refuses correction=0.5 ("received an invalid combination of arguments"). 2.x divides by max(0, N - correction)
# (WelfordOps: divisor = nf > correction ? nf - correction : 0) and its var_backward is 2 / (N - correction) * grad *
# (self - mean). Emulated here with 1.13 ops: sum((x - mean)^2) / (N - correction), and its autograd gradient (the same
# formula; the test allows rounding in the gradients, whose operations are ordered differently).
err("frac.113", lambda: torch.var(seq([2, 4]), correction=0.5))
for name, dims, corr in (("dim1", (1,), 0.5), ("all", None, 1.5), ("over", (1,), 4.5)):
    x = seq([2, 4]).requires_grad_(True)
    d = list(range(x.dim())) if dims is None else list(dims)
    n = 1
    for k in d:
        n *= x.shape[k]
    dev = x - x.mean(dim=d, keepdim=True)
    divisor = n - corr if n > corr else 0.0
    v = (dev * dev).sum(dim=d) / divisor
    tensor("frac.%s.var" % name, v)
    tensor("frac.%s.std" % name, v.sqrt())
    tensor("frac.%s.mean" % name, x.mean(dim=d))
    if divisor > 0:
        g, = torch.autograd.grad((v * weights(v.shape)).sum(), x, retain_graph=True)
        tensor("frac.%s.gvar" % name, g)
        g, = torch.autograd.grad((v.sqrt() * weights(v.shape)).sum(), x)
        tensor("frac.%s.gstd" % name, g)

print("\n".join(lines))
