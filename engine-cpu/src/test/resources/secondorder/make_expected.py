#!/usr/bin/env python3
"""Writes expected.txt for SecondOrderSweepTest (run with /usr/bin/python3, PyTorch 1.13, CPU).

For every case: the float64 inputs x_j (rebuilt in Java from gen(): an integer formula of the flat index, so both
sides see bit-identical values), the output y = f(x), the first gradients g_j = d<y, go>/dx_j for a fixed output
gradient go, and the second-order quantities of L2 = sum_j sum(g_j * w_j) (fixed weights w_j), differentiated
(create_graph=True) with respect to each x_j and to go itself (go requires grad, so an op whose backward is not
recorded shows up in d L2 / d go even when the op is linear). A gradient PyTorch reports as None is written as zeros.
Where PyTorch raises (forward, first or second backward) the first line of its message is written instead.

File format, one record per case:
  case NAME
  in J SHAPE LO HI SEED       (SHAPE: comma separated, '-' for a scalar)
  go SHAPE SEED
  w J SEED
  out SHAPE v...
  g J v...
  gg J v...
  ggo v...
  raises STAGE message      (STAGE: forward | first | second)
  end
"""
import math
import os
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


def gen(shape, lo, hi, seed):
    n = 1
    for s in shape:
        n *= s
    vals = []
    for i in range(n):
        k = (3 * i * i + 37 * i + 17 * seed) % 1009
        vals.append(lo + (hi - lo) * (k / 1009.0))
    return torch.tensor(vals, dtype=torch.float64).reshape(shape)


CASES = []


def case(name, shapes, fn):
    """shapes: list of (shape, lo, hi)."""
    CASES.append((name, shapes, fn))


def S(*shape):
    return (tuple(shape), -1.0, 1.0)


def R(lo, hi, *shape):
    return (tuple(shape), lo, hi)


L = lambda *v: torch.tensor(v, dtype=torch.int64)
B = lambda *v: torch.tensor(v, dtype=torch.bool)

# ---------------------------------------------------------------- elementwise unary
U = [
    ("neg", S(2, 3), lambda x: -x),
    ("exp", S(2, 3), torch.exp),
    ("log", R(0.5, 2, 2, 3), torch.log),
    ("sqrt", R(0.5, 2, 2, 3), torch.sqrt),
    ("abs", S(2, 3), torch.abs),
    ("sign", S(2, 3), torch.sign),
    ("reciprocal", R(0.5, 2, 2, 3), torch.reciprocal),
    ("sin", S(2, 3), torch.sin),
    ("cos", S(2, 3), torch.cos),
    ("tan", S(2, 3), torch.tan),
    ("asin", R(-0.8, 0.8, 2, 3), torch.asin),
    ("acos", R(-0.8, 0.8, 2, 3), torch.acos),
    ("atan", S(2, 3), torch.atan),
    ("sinh", S(2, 3), torch.sinh),
    ("cosh", S(2, 3), torch.cosh),
    ("asinh", S(2, 3), torch.asinh),
    ("acosh", R(1.2, 3, 2, 3), torch.acosh),
    ("atanh", R(-0.8, 0.8, 2, 3), torch.atanh),
    ("tanh", S(2, 3), torch.tanh),
    ("sigmoid", S(2, 3), torch.sigmoid),
    ("relu", S(2, 3), torch.relu),
    ("erf", S(2, 3), torch.erf),
    ("erfc", S(2, 3), torch.erfc),
    ("erfinv", R(-0.8, 0.8, 2, 3), torch.erfinv),
    ("log1p", R(-0.5, 1, 2, 3), torch.log1p),
    ("expm1", S(2, 3), torch.expm1),
    ("log2", R(0.5, 2, 2, 3), torch.log2),
    ("log10", R(0.5, 2, 2, 3), torch.log10),
    ("exp2", S(2, 3), torch.exp2),
    ("rsqrt", R(0.5, 2, 2, 3), torch.rsqrt),
    ("square", S(2, 3), torch.square),
    ("lgamma", R(0.5, 3, 2, 3), torch.lgamma),
    ("digamma", R(0.5, 3, 2, 3), torch.digamma),
    ("polygamma1", R(0.5, 3, 2, 3), lambda x: torch.polygamma(1, x)),
    ("sgn", S(2, 3), torch.sgn),
    ("frac", R(0.1, 2.9, 2, 3), torch.frac),
    ("trunc", R(-2.9, 2.9, 2, 3), torch.trunc),
    ("floor", R(-2.9, 2.9, 2, 3), torch.floor),
    ("ceil", R(-2.9, 2.9, 2, 3), torch.ceil),
    ("round", R(-2.9, 2.9, 2, 3), torch.round),
    ("pow 2.5", R(0.5, 2, 2, 3), lambda x: x.pow(2.5)),
    ("pow 3 long", S(2, 3), lambda x: x.pow(3)),
    ("pow -1.5", R(0.5, 2, 2, 3), lambda x: x.pow(-1.5)),
    ("pow 2", S(2, 3), lambda x: x.pow(2)),
    ("rdiv", R(0.5, 2, 2, 3), lambda x: 1.5 / x),
    ("rsub", S(2, 3), lambda x: 2.0 - x),
    ("mul scalar", S(2, 3), lambda x: x * 2.5),
    ("add scalar", S(2, 3), lambda x: x + 2.5),
    ("clamp", S(2, 3), lambda x: x.clamp(-0.5, 0.5)),
    ("clamp_min", S(2, 3), lambda x: x.clamp_min(0.1)),
    ("clamp_max", S(2, 3), lambda x: x.clamp_max(0.1)),
    ("nan_to_num", S(2, 3), torch.nan_to_num),
    ("mul self", S(2, 3), lambda x: x * x),
    ("x*sin(x)", S(2, 3), lambda x: x * torch.sin(x)),
]
for n, s, f in U:
    case(n, [s], lambda xs, f=f: f(xs[0]))

# ---------------------------------------------------------------- elementwise binary
BIN = [
    ("add alpha", S(2, 3), S(3), lambda a, b: torch.add(a, b, alpha=2.5)),
    ("sub alpha", S(2, 3), S(3), lambda a, b: torch.sub(a, b, alpha=0.5)),
    ("mul", S(2, 3), S(3), torch.mul),
    ("div", S(2, 3), R(0.5, 2, 3), torch.div),
    ("div broadcast both", S(2, 1), R(0.5, 2, 3), torch.div),
    ("pow tensor", R(0.5, 2, 2, 3), S(3), torch.pow),
    ("atan2", S(2, 3), R(0.3, 1, 3), torch.atan2),
    ("hypot", S(2, 3), S(3), torch.hypot),
    ("maximum", S(2, 3), S(3), torch.maximum),
    ("minimum", S(2, 3), S(3), torch.minimum),
    ("fmax", S(2, 3), S(3), torch.fmax),
    ("fmin", S(2, 3), S(3), torch.fmin),
    ("fmod", R(-3, 3, 2, 3), R(1, 2, 3), torch.fmod),
    ("remainder", R(-3, 3, 2, 3), R(1, 2, 3), torch.remainder),
    ("copysign", S(2, 3), S(3), torch.copysign),
    ("xlogy", S(2, 3), R(0.5, 2, 3), torch.xlogy),
    ("lerp scalar", S(2, 3), S(3), lambda a, b: torch.lerp(a, b, 0.3)),
    ("div floor", S(2, 3), R(0.5, 2, 3), lambda a, b: torch.div(a, b, rounding_mode="floor")),
    ("dot", S(4), S(4), torch.dot),
]
for n, s1, s2, f in BIN:
    case(n, [s1, s2], lambda xs, f=f: f(xs[0], xs[1]))
case("lerp tensor", [S(2, 3), S(3), R(0, 1, 2, 3)], lambda xs: torch.lerp(xs[0], xs[1], xs[2]))
case("where", [S(2, 3), S(3)], lambda xs: torch.where(xs[0] > 0, xs[0], xs[1]))
case("where scalar", [S(2, 3)], lambda xs: torch.where(xs[0] > 0, xs[0], 0.5))
case("where nonlinear", [S(2, 3), S(3)], lambda xs: torch.where(xs[0] > 0, xs[0] * xs[0], xs[1].exp()))
case("sigmoid*tanh", [S(2, 3), S(2, 3)], lambda xs: torch.sigmoid(xs[0]) * torch.tanh(xs[1]))

# ---------------------------------------------------------------- reductions
RED = [
    ("sum", S(2, 3), lambda x: x.sum()),
    ("sum dims keepdim", S(2, 3, 2), lambda x: x.sum(dim=(0, 2), keepdim=True)),
    ("mean", S(2, 3), lambda x: x.mean()),
    ("mean dim", S(2, 3), lambda x: x.mean(dim=1)),
    ("prod", R(0.5, 1.5, 2, 3), lambda x: x.prod()),
    ("prod dim", R(0.5, 1.5, 2, 3), lambda x: x.prod(dim=1)),
    ("prod with zero", S(2, 3), lambda x: (x * torch.tensor([1., 0., 1.])).prod(dim=1)),
    ("amax dim", S(3, 4), lambda x: x.amax(dim=1)),
    ("amin all", S(3, 4), lambda x: x.amin()),
    ("max all", S(3, 4), lambda x: x.max()),
    ("max dim", S(3, 4), lambda x: x.max(dim=1).values),
    ("min dim keepdim", S(3, 4), lambda x: x.min(dim=0, keepdim=True).values),
    ("var", S(3, 4), lambda x: x.var()),
    ("var dim correction0", S(3, 4), lambda x: x.var(dim=1, correction=0)),
    ("std", S(3, 4), lambda x: x.std()),
    ("std dim", S(3, 4), lambda x: x.std(dim=0)),
    ("var_mean", S(3, 4), lambda x: (lambda vm: vm[0] * 2 + vm[1] * vm[1])(torch.var_mean(x, dim=1))),
    ("std_mean", S(3, 4), lambda x: (lambda vm: vm[0] * vm[1])(torch.std_mean(x, dim=1))),
    ("logsumexp", S(3, 4), lambda x: torch.logsumexp(x, dim=1)),
    ("logsumexp dims keepdim", S(2, 3, 2), lambda x: torch.logsumexp(x, dim=(0, 2), keepdim=True)),
    ("norm", S(3, 4), lambda x: x.norm()),
    ("norm 1", S(3, 4), lambda x: x.norm(1)),
    ("norm 3 dim", S(3, 4), lambda x: x.norm(3, dim=1)),
    ("norm fro", S(3, 4), lambda x: torch.norm(x, "fro", dim=(0, 1))),
    ("vector_norm 2.5", S(3, 4), lambda x: torch.linalg.vector_norm(x, 2.5, dim=1)),
    ("vector_norm inf", S(3, 4), lambda x: torch.linalg.vector_norm(x, float("inf"), dim=1)),
    ("vector_norm 0.5", R(0.2, 1, 3, 4), lambda x: torch.linalg.vector_norm(x, 0.5, dim=1)),
    ("matrix_norm fro", S(3, 4), lambda x: torch.linalg.matrix_norm(x)),
    ("matrix_norm nuc", S(3, 4), lambda x: torch.linalg.matrix_norm(x, "nuc")),
    ("matrix_norm 2", S(3, 4), lambda x: torch.linalg.matrix_norm(x, 2)),
    ("matrix_norm 1", S(3, 4), lambda x: torch.linalg.matrix_norm(x, 1)),
    ("nansum", S(3, 4), lambda x: torch.nansum(x)),
    ("nanmean dim", S(3, 4), lambda x: torch.nanmean(x, dim=1)),
    ("cumsum", S(3, 4), lambda x: x.cumsum(1)),
    ("cumprod", R(0.5, 1.5, 3, 4), lambda x: x.cumprod(1)),
    ("cumprod with zero", S(3, 4), lambda x: (x * torch.tensor([1., 1., 0., 1.])).cumprod(1)),
    ("logcumsumexp", S(3, 4), lambda x: x.logcumsumexp(1)),
    ("cummax", S(3, 4), lambda x: x.cummax(1).values),
    ("cummin", S(3, 4), lambda x: x.cummin(0).values),
    ("median all", S(3, 3), lambda x: x.median()),
    ("median dim", S(3, 4), lambda x: x.median(dim=1).values),
    ("kthvalue", S(3, 4), lambda x: x.kthvalue(2, dim=1).values),
    ("softmax", S(3, 4), lambda x: torch.softmax(x, 1)),
    ("softmax dim0", S(3, 4), lambda x: torch.softmax(x, 0)),
    ("log_softmax", S(3, 4), lambda x: torch.log_softmax(x, 1)),
]
for n, s, f in RED:
    case(n, [s], lambda xs, f=f: f(xs[0]))

# ---------------------------------------------------------------- matmul family
case("mm", [S(2, 3), S(3, 4)], lambda xs: xs[0].mm(xs[1]))
case("mm squared", [S(2, 3), S(3, 4)], lambda xs: xs[0].mm(xs[1]).pow(2))
case("bmm", [S(2, 2, 3), S(2, 3, 2)], lambda xs: xs[0].bmm(xs[1]))
case("matmul broadcast", [S(2, 2, 3), S(3, 2)], lambda xs: xs[0].matmul(xs[1]))
case("matmul vec-mat", [S(3), S(3, 2)], lambda xs: xs[0].matmul(xs[1]))
case("matmul mat-vec", [S(2, 3), S(3)], lambda xs: xs[0].matmul(xs[1]))
case("mv", [S(2, 3), S(3)], lambda xs: xs[0].mv(xs[1]))
case("linear", [S(2, 3), S(4, 3), S(4)], lambda xs: F.linear(xs[0], xs[1], xs[2]))
case("linear tanh", [S(2, 3), S(4, 3), S(4)], lambda xs: torch.tanh(F.linear(xs[0], xs[1], xs[2])))
case("addmm", [S(2, 4), S(2, 3), S(3, 4)], lambda xs: torch.addmm(xs[0], xs[1], xs[2], beta=0.5, alpha=2.0))
case("addmv", [S(2), S(2, 3), S(3)], lambda xs: torch.addmv(xs[0], xs[1], xs[2], beta=0.5, alpha=2.0))
case("addbmm", [S(2, 2), S(3, 2, 3), S(3, 3, 2)], lambda xs: torch.addbmm(xs[0], xs[1], xs[2], beta=0.5, alpha=2.0))
case("baddbmm", [S(3, 2, 2), S(3, 2, 3), S(3, 3, 2)], lambda xs: torch.baddbmm(xs[0], xs[1], xs[2], beta=0.5, alpha=2.0))
case("einsum ij,jk", [S(2, 3), S(3, 4)], lambda xs: torch.einsum("ij,jk->ik", xs[0], xs[1]))
case("einsum bij,bjk", [S(2, 2, 3), S(2, 3, 2)], lambda xs: torch.einsum("bij,bjk->bik", xs[0], xs[1]))
case("einsum ii->i", [S(3, 3)], lambda xs: torch.einsum("ii->i", xs[0]))
case("einsum i,i,i", [S(3), S(3), S(3)], lambda xs: torch.einsum("i,i,i->", xs[0], xs[1], xs[2]))
case("einsum ij,ij->i self", [S(2, 3)], lambda xs: torch.einsum("ij,ij->i", xs[0], xs[0]))
case("kron", [S(2, 2), S(2, 3)], lambda xs: torch.kron(xs[0], xs[1]))
case("outer", [S(3), S(4)], lambda xs: torch.outer(xs[0], xs[1]))
case("tensordot", [S(2, 3, 2), S(3, 2, 2)], lambda xs: torch.tensordot(xs[0], xs[1], dims=2))
case("cross", [S(2, 3), S(2, 3)], lambda xs: torch.cross(xs[0], xs[1], dim=1))

# ---------------------------------------------------------------- convolutions, pools, resampling
case("conv1d", [S(2, 2, 6), S(4, 1, 3), S(4)], lambda xs: F.conv1d(xs[0], xs[1], xs[2], stride=2, padding=1, dilation=1, groups=2))
case("conv2d", [S(1, 2, 4, 4), S(3, 2, 2, 2), S(3)], lambda xs: F.conv2d(xs[0], xs[1], xs[2]))
case("conv2d stride pad dil groups", [S(1, 2, 5, 5), S(2, 1, 2, 2), S(2)],
     lambda xs: F.conv2d(xs[0], xs[1], xs[2], stride=2, padding=1, dilation=2, groups=2))
case("conv2d no bias tanh", [S(1, 2, 4, 4), S(2, 2, 3, 3)], lambda xs: torch.tanh(F.conv2d(xs[0], xs[1], None, padding=1)))
case("conv_transpose2d", [S(1, 2, 3, 3), S(2, 2, 2, 2), S(2)],
     lambda xs: F.conv_transpose2d(xs[0], xs[1], xs[2], stride=2, padding=1, output_padding=1))
case("max_pool2d", [S(1, 2, 4, 4)], lambda xs: F.max_pool2d(xs[0], 2))
case("max_pool2d pad ceil", [S(1, 1, 5, 5)], lambda xs: F.max_pool2d(xs[0], 3, stride=2, padding=1, ceil_mode=True))
case("max_pool2d squared", [S(1, 2, 4, 4)], lambda xs: F.max_pool2d(xs[0] * xs[0], 2))
case("avg_pool2d", [S(1, 2, 4, 4)], lambda xs: F.avg_pool2d(xs[0], 2))
case("avg_pool2d pad no count", [S(1, 1, 5, 5)],
     lambda xs: F.avg_pool2d(xs[0], 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False))
case("adaptive_avg_pool2d", [S(1, 2, 5, 5)], lambda xs: F.adaptive_avg_pool2d(xs[0], (2, 3)))
case("adaptive_max_pool2d", [S(1, 2, 5, 5)], lambda xs: F.adaptive_max_pool2d(xs[0], (2, 3)))
case("interpolate nearest", [S(1, 1, 2, 3)], lambda xs: F.interpolate(xs[0], size=(4, 5), mode="nearest"))
case("interpolate nearest-exact", [S(1, 1, 2, 3)], lambda xs: F.interpolate(xs[0], size=(4, 5), mode="nearest-exact"))
case("interpolate bilinear", [S(1, 1, 2, 3)], lambda xs: F.interpolate(xs[0], size=(4, 5), mode="bilinear", align_corners=False))
case("interpolate bilinear ac", [S(1, 1, 2, 3)], lambda xs: F.interpolate(xs[0], size=(4, 5), mode="bilinear", align_corners=True))
case("interpolate area", [S(1, 1, 4, 6)], lambda xs: F.interpolate(xs[0], size=(2, 3), mode="area"))
case("interpolate bilinear squared", [S(1, 1, 2, 3)], lambda xs: F.interpolate(xs[0], size=(4, 5), mode="bilinear", align_corners=False).pow(2))
case("pad constant", [S(1, 2, 3)], lambda xs: F.pad(xs[0], (1, 2), "constant", 0.5))
case("pad constant 2d", [S(1, 2, 3)], lambda xs: F.pad(xs[0], (1, 2, 0, 1)))
case("pad reflect", [S(1, 2, 4)], lambda xs: F.pad(xs[0], (2, 1), "reflect"))
case("pad reflect 2d", [S(1, 1, 3, 4)], lambda xs: F.pad(xs[0], (2, 1, 1, 2), "reflect"))
case("pad replicate", [S(1, 2, 4)], lambda xs: F.pad(xs[0], (2, 3), "replicate"))
case("pad replicate 2d", [S(1, 1, 3, 4)], lambda xs: F.pad(xs[0], (2, 1, 1, 2), "replicate"))
case("pad circular", [S(1, 2, 4)], lambda xs: F.pad(xs[0], (2, 1), "circular"))
case("pad circular 2d", [S(1, 1, 3, 4)], lambda xs: F.pad(xs[0], (2, 1, 1, 2), "circular"))
case("pad reflect squared", [S(1, 2, 4)], lambda xs: F.pad(xs[0], (2, 1), "reflect").pow(2))
case("pixel_shuffle", [S(1, 4, 2, 2)], lambda xs: F.pixel_shuffle(xs[0], 2))
case("pixel_unshuffle", [S(1, 1, 4, 4)], lambda xs: F.pixel_unshuffle(xs[0], 2))

# ---------------------------------------------------------------- activations
ACT = [
    ("gelu", lambda x: F.gelu(x)),
    ("gelu tanh", lambda x: F.gelu(x, approximate="tanh")),
    ("silu", F.silu),
    ("mish", F.mish),
    ("elu", lambda x: F.elu(x, 0.7)),
    ("selu", F.selu),
    ("celu", lambda x: F.celu(x, 0.8)),
    ("softplus", lambda x: F.softplus(x, 1.5, 1.0)),
    ("hardtanh", lambda x: F.hardtanh(x, -0.5, 0.6)),
    ("leaky_relu", lambda x: F.leaky_relu(x, 0.1)),
    ("relu6", lambda x: F.relu6(x * 4)),
    ("hardswish", lambda x: F.hardswish(x * 4)),
    ("logsigmoid", F.logsigmoid),
]
for n, f in ACT:
    case(n, [S(2, 4)], lambda xs, f=f: f(xs[0]))

# ---------------------------------------------------------------- normalization
case("layer_norm", [S(2, 4), S(4), S(4)], lambda xs: F.layer_norm(xs[0], (4,), xs[1], xs[2], 1e-5))
case("layer_norm 2 dims no affine", [S(2, 2, 3)], lambda xs: F.layer_norm(xs[0], (2, 3)))
case("group_norm", [S(2, 4, 3), S(4), S(4)], lambda xs: F.group_norm(xs[0], 2, xs[1], xs[2], 1e-5))
case("batch_norm train", [S(3, 2, 2), S(2), S(2)],
     lambda xs: F.batch_norm(xs[0], None, None, xs[1], xs[2], True, 0.1, 1e-5))
case("batch_norm train running", [S(3, 2, 2), S(2), S(2)],
     lambda xs: F.batch_norm(xs[0], torch.zeros(2), torch.ones(2), xs[1], xs[2], True, 0.1, 1e-5))
case("batch_norm eval", [S(3, 2, 2), S(2), S(2)],
     lambda xs: F.batch_norm(xs[0], torch.tensor([0.1, -0.2]), torch.tensor([0.5, 1.5]), xs[1], xs[2], False, 0.1, 1e-5))
case("instance_norm", [S(2, 2, 3), S(2), S(2)],
     lambda xs: F.instance_norm(xs[0], None, None, xs[1], xs[2], True, 0.1, 1e-5))
case("rms_norm", [S(2, 4), S(4)],
     lambda xs: xs[0] * torch.rsqrt(xs[0].pow(2).mean(-1, keepdim=True) + 1e-6) * xs[1])

# ---------------------------------------------------------------- embedding and indexing
case("embedding", [S(5, 3)], lambda xs: F.embedding(L(1, 3, 1, 0), xs[0]))
case("embedding padding_idx", [S(5, 3)], lambda xs: F.embedding(L(1, 3, 1, 0), xs[0], padding_idx=1))
case("embedding squared", [S(5, 3)], lambda xs: F.embedding(L(1, 3, 1, 0), xs[0]).pow(2))
case("embedding_bag mean", [S(5, 3)], lambda xs: F.embedding_bag(L(1, 3, 1, 0, 4), xs[0], L(0, 2), mode="mean"))
case("embedding_bag sum psw", [S(5, 3), S(5)],
     lambda xs: F.embedding_bag(L(1, 3, 1, 0, 4), xs[0], L(0, 2), mode="sum", per_sample_weights=xs[1]))
case("index_select", [S(4, 3)], lambda xs: xs[0].index_select(0, L(2, 0, 2)))
case("index_select squared", [S(4, 3)], lambda xs: xs[0].index_select(0, L(2, 0, 2)).pow(2))
case("gather", [S(3, 4)], lambda xs: xs[0].gather(1, torch.tensor([[0, 2], [1, 1], [3, 0]])))
case("gather squared", [S(3, 4)], lambda xs: xs[0].gather(1, torch.tensor([[0, 2], [1, 1], [3, 0]])).pow(2))
case("scatter", [S(3, 4), S(3, 2)], lambda xs: xs[0].scatter(1, torch.tensor([[0, 2], [1, 3], [3, 0]]), xs[1]))
case("scatter value", [S(3, 4)], lambda xs: xs[0].scatter(1, torch.tensor([[0, 2], [1, 3], [3, 0]]), 0.5))
case("scatter_add", [S(3, 4), S(3, 2)], lambda xs: xs[0].scatter_add(1, torch.tensor([[0, 2], [1, 1], [3, 0]]), xs[1]))
case("scatter_add squared", [S(3, 4), S(3, 2)],
     lambda xs: xs[0].scatter_add(1, torch.tensor([[0, 2], [1, 1], [3, 0]]), xs[1]).pow(2))
case("scatter_reduce sum", [S(4), S(5)], lambda xs: xs[0].scatter_reduce(0, L(0, 1, 1, 3, 0), xs[1], "sum"))
case("scatter_reduce prod", [S(4), S(5)], lambda xs: xs[0].scatter_reduce(0, L(0, 1, 1, 3, 0), xs[1], "prod"))
case("scatter_reduce mean", [S(4), S(5)], lambda xs: xs[0].scatter_reduce(0, L(0, 1, 1, 3, 0), xs[1], "mean"))
case("scatter_reduce amax", [S(4), S(5)], lambda xs: xs[0].scatter_reduce(0, L(0, 1, 1, 3, 0), xs[1], "amax"))
case("scatter_reduce amin exclude self", [S(4), S(5)],
     lambda xs: xs[0].scatter_reduce(0, L(0, 1, 1, 3, 0), xs[1], "amin", include_self=False))
case("index_add", [S(4, 3), S(2, 3)], lambda xs: xs[0].index_add(0, L(3, 1), xs[1], alpha=2.0))
case("index_add squared", [S(4, 3), S(2, 3)], lambda xs: xs[0].index_add(0, L(3, 3), xs[1]).pow(2))
case("index_copy", [S(4, 3), S(2, 3)], lambda xs: xs[0].index_copy(0, L(3, 1), xs[1]))
case("index_fill", [S(4, 3)], lambda xs: xs[0].index_fill(1, L(0, 2), -1.0))
case("index_put", [S(4, 3), S(2, 3)], lambda xs: xs[0].index_put((L(3, 1),), xs[1]))
case("index_put accumulate", [S(4, 3), S(3, 3)], lambda xs: xs[0].index_put((L(3, 1, 3),), xs[1], accumulate=True))
case("index_put squared", [S(4, 3), S(2, 3)], lambda xs: xs[0].index_put((L(3, 1),), xs[1]).pow(2))
case("advanced index", [S(4, 3)], lambda xs: xs[0][L(3, 0, 3), L(1, 2, 1)])
case("advanced index squared", [S(4, 3)], lambda xs: xs[0][L(3, 0, 3)].pow(2))
case("masked_fill", [S(2, 3)], lambda xs: xs[0].masked_fill(B(True, False, True), 0.5))
case("masked_fill squared", [S(2, 3)], lambda xs: xs[0].masked_fill(B(True, False, True), 0.5).pow(2))
case("masked_scatter", [S(2, 3), S(5)], lambda xs: xs[0].masked_scatter(torch.tensor([[True, False, True], [False, True, False]]), xs[1]))
case("masked_scatter squared", [S(2, 3), S(5)],
     lambda xs: xs[0].masked_scatter(torch.tensor([[True, False, True], [False, True, False]]), xs[1]).pow(2))
case("masked_select", [S(2, 3)], lambda xs: xs[0].masked_select(torch.tensor([[True, False, True], [False, True, False]])))
case("take", [S(3, 4)], lambda xs: xs[0].take(torch.tensor([[0, 5], [11, 5]])))
case("take squared", [S(3, 4)], lambda xs: xs[0].take(torch.tensor([[0, 5], [11, 5]])).pow(2))
case("take_along_dim", [S(3, 4)], lambda xs: torch.take_along_dim(xs[0], torch.tensor([[0, 2], [1, 1], [3, 0]]), dim=1))
case("narrow", [S(4, 3)], lambda xs: xs[0].narrow(0, 1, 2))
case("slice step", [S(5, 3)], lambda xs: xs[0][0:5:2])
case("select squared", [S(4, 3)], lambda xs: xs[0].select(0, 2).pow(2))

# ---------------------------------------------------------------- sorting
case("sort values", [S(3, 4)], lambda xs: xs[0].sort(dim=1).values)
case("sort values descending squared", [S(3, 4)], lambda xs: xs[0].sort(dim=0, descending=True).values.pow(2))
case("topk values", [S(3, 4)], lambda xs: xs[0].topk(2, dim=1).values)
case("topk smallest squared", [S(3, 4)], lambda xs: xs[0].topk(2, dim=0, largest=False).values.pow(2))

# ---------------------------------------------------------------- shape ops
case("cat", [S(2, 3), S(1, 3)], lambda xs: torch.cat([xs[0], xs[1]], 0))
case("cat squared", [S(2, 3), S(2, 1)], lambda xs: torch.cat([xs[0], xs[1]], 1).pow(2))
case("stack", [S(2, 3), S(2, 3)], lambda xs: torch.stack([xs[0], xs[1]], 1))
case("split", [S(5, 2)], lambda xs: (lambda p: p[0].sum(0) * 2 + p[1].sum(0) * 3 + p[2].sum(0))(xs[0].split(2, 0)))
case("split squared", [S(5, 2)], lambda xs: (lambda p: p[0].pow(2).sum(0) + p[2].pow(3).sum(0))(xs[0].split(2, 0)))
case("chunk", [S(2, 6)], lambda xs: (lambda p: p[0] * p[2])(xs[0].chunk(3, 1)))
case("unbind", [S(3, 2)], lambda xs: (lambda p: p[0] * p[1] + p[2])(xs[0].unbind(0)))
case("flip", [S(2, 3)], lambda xs: xs[0].flip(0, 1))
case("roll", [S(2, 3)], lambda xs: xs[0].roll(1, 1))
case("roll multi", [S(2, 3)], lambda xs: xs[0].roll((1, -1), (0, 1)))
case("repeat", [S(2, 3)], lambda xs: xs[0].repeat(2, 1, 2))
case("tile", [S(2, 3)], lambda xs: xs[0].tile((2,)))
case("repeat_interleave", [S(2, 3)], lambda xs: xs[0].repeat_interleave(2, dim=1))
case("repeat_interleave tensor", [S(3, 2)], lambda xs: xs[0].repeat_interleave(L(1, 0, 2), dim=0))
case("tril", [S(3, 3)], lambda xs: xs[0].tril())
case("triu -1", [S(3, 4)], lambda xs: xs[0].triu(-1))
case("diagonal", [S(3, 4)], lambda xs: xs[0].diagonal(1))
case("diagonal squared", [S(2, 3, 3)], lambda xs: xs[0].diagonal(0, 1, 2).pow(2))
case("diag_embed", [S(2, 3)], lambda xs: torch.diag_embed(xs[0]))
case("diag vector", [S(3)], lambda xs: torch.diag(xs[0], 1))
case("trace", [S(3, 3)], lambda xs: xs[0].trace())
case("trace squared", [S(3, 3)], lambda xs: xs[0].pow(2).trace())
case("transpose contiguous", [S(2, 3)], lambda xs: xs[0].t().contiguous())
case("permute", [S(2, 3, 2)], lambda xs: xs[0].permute(2, 0, 1))
case("expand", [S(3, 1)], lambda xs: xs[0].expand(3, 4))
case("expand squared", [S(3, 1)], lambda xs: xs[0].expand(3, 4).pow(2))
case("movedim", [S(2, 3, 2)], lambda xs: xs[0].movedim(0, 2))
case("reshape", [S(2, 3)], lambda xs: xs[0].reshape(3, 2))
case("unflatten", [S(2, 6)], lambda xs: xs[0].unflatten(1, (2, 3)))
case("squeeze unsqueeze", [S(2, 1, 3)], lambda xs: xs[0].squeeze(1).unsqueeze(0))
case("clone", [S(2, 3)], lambda xs: xs[0].clone())
case("meshgrid", [S(2), S(3)], lambda xs: (lambda m: m[0] * m[1])(torch.meshgrid(xs[0], xs[1], indexing="ij")))

# ---------------------------------------------------------------- losses
T3 = lambda: gen((2, 3), -1.0, 1.0, 77)
P3 = lambda: gen((2, 3), 0.1, 0.9, 78)
for red in ("mean", "sum", "none"):
    case("mse_loss " + red, [S(2, 3), S(2, 3)], lambda xs, red=red: F.mse_loss(xs[0], xs[1], reduction=red))
case("l1_loss", [S(2, 3), S(2, 3)], lambda xs: F.l1_loss(xs[0], xs[1]))
case("smooth_l1_loss", [R(-2, 2, 2, 3)], lambda xs: F.smooth_l1_loss(xs[0], T3(), beta=0.5))
case("smooth_l1_loss both", [R(-2, 2, 2, 3), S(2, 3)], lambda xs: F.smooth_l1_loss(xs[0], xs[1], reduction="sum", beta=0.5))
case("huber_loss", [R(-2, 2, 2, 3), S(2, 3)], lambda xs: F.huber_loss(xs[0], xs[1], reduction="none", delta=0.5))
case("cross_entropy", [S(3, 4)], lambda xs: F.cross_entropy(xs[0], L(1, 0, 3)))
case("cross_entropy smoothing weight", [S(3, 4)],
     lambda xs: F.cross_entropy(xs[0], L(1, 0, 3), weight=torch.tensor([0.5, 1.0, 2.0, 1.5]), label_smoothing=0.2))
case("cross_entropy ignore none", [S(3, 4)],
     lambda xs: F.cross_entropy(xs[0], L(1, -100, 3), reduction="none", label_smoothing=0.1))
case("cross_entropy probs", [S(3, 4), R(0.1, 0.9, 3, 4)], lambda xs: F.cross_entropy(xs[0], xs[1]))
case("cross_entropy 4d", [S(2, 3, 2, 2)], lambda xs: F.cross_entropy(xs[0], torch.tensor([[[0, 2], [1, 1]], [[2, 0], [0, 1]]])))
case("nll_loss weight", [S(3, 4)],
     lambda xs: F.nll_loss(torch.log_softmax(xs[0], 1), L(1, 0, 3), weight=torch.tensor([0.5, 1.0, 2.0, 1.5])))
case("nll_loss raw ignore", [S(3, 4)], lambda xs: F.nll_loss(xs[0], L(1, 2, 3), ignore_index=2, reduction="sum"))
case("binary_cross_entropy", [R(0.1, 0.9, 2, 3)], lambda xs: F.binary_cross_entropy(xs[0], P3()))
case("binary_cross_entropy weight both", [R(0.1, 0.9, 2, 3), R(0.1, 0.9, 2, 3)],
     lambda xs: F.binary_cross_entropy(xs[0], xs[1], weight=torch.tensor([0.5, 1.0, 2.0]), reduction="sum"))
case("bce_with_logits", [S(2, 3), R(0.1, 0.9, 2, 3)], lambda xs: F.binary_cross_entropy_with_logits(xs[0], xs[1]))
case("bce_with_logits pos_weight", [S(2, 3), R(0.1, 0.9, 2, 3)],
     lambda xs: F.binary_cross_entropy_with_logits(xs[0], xs[1], weight=torch.tensor([0.5, 1.0, 2.0]),
                                                   pos_weight=torch.tensor([2.0, 0.5, 1.0]), reduction="none"))
case("kl_div", [S(2, 3), R(0.1, 0.9, 2, 3)], lambda xs: F.kl_div(xs[0], xs[1], reduction="batchmean"))
case("kl_div log_target", [S(2, 3), S(2, 3)], lambda xs: F.kl_div(xs[0], xs[1], reduction="sum", log_target=True))
case("cosine_embedding_loss", [S(3, 4), S(3, 4)],
     lambda xs: F.cosine_embedding_loss(xs[0], xs[1], torch.tensor([1.0, -1.0, -1.0]), margin=-0.5))
case("margin_ranking_loss", [S(4), S(4)],
     lambda xs: F.margin_ranking_loss(xs[0], xs[1], torch.tensor([1.0, -1.0, 1.0, -1.0]), margin=0.1))

# ---------------------------------------------------------------- attention, recurrent cells


def sdpa(q, k, v, mask=None, causal=False):
    s = q.matmul(k.transpose(-2, -1)) / math.sqrt(q.size(-1))
    if causal:
        s = s.masked_fill(torch.ones(q.size(-2), k.size(-2), dtype=torch.bool).triu(1), float("-inf"))
    if mask is not None:
        s = s + mask
    return torch.softmax(s, -1).matmul(v)


case("sdpa", [S(1, 2, 3, 4), S(1, 2, 3, 4), S(1, 2, 3, 4)], lambda xs: sdpa(xs[0], xs[1], xs[2]))
case("sdpa causal", [S(1, 3, 4), S(1, 3, 4), S(1, 3, 4)], lambda xs: sdpa(xs[0], xs[1], xs[2], causal=True))
case("sdpa float mask", [S(3, 4), S(2, 4), S(2, 3)], lambda xs: sdpa(xs[0], xs[1], xs[2], mask=gen((3, 2), -1.0, 1.0, 91)))
case("lstm_cell h", [S(2, 3), S(2, 2), S(2, 2), S(8, 3), S(8, 2), S(8), S(8)],
     lambda xs: (lambda hc: hc[0] + hc[1] * 2)(torch.lstm_cell(xs[0], (xs[1], xs[2]), xs[3], xs[4], xs[5], xs[6])))
case("gru_cell", [S(2, 3), S(2, 2), S(6, 3), S(6, 2), S(6), S(6)],
     lambda xs: torch.gru_cell(xs[0], xs[1], xs[2], xs[3], xs[4], xs[5]))
case("lstm", [S(3, 1, 2), S(1, 1, 2), S(1, 1, 2), S(8, 2), S(8, 2), S(8), S(8)],
     lambda xs: torch.lstm(xs[0], (xs[1], xs[2]), [xs[3], xs[4], xs[5], xs[6]], True, 1, 0.0, True, False, False)[0])
case("gru", [S(3, 1, 2), S(1, 1, 2), S(6, 2), S(6, 2), S(6), S(6)],
     lambda xs: torch.gru(xs[0], xs[1], [xs[2], xs[3], xs[4], xs[5]], True, 1, 0.0, True, False, False)[0])

# ---------------------------------------------------------------- linear algebra
I3 = lambda: torch.eye(3) * 3
SPD = lambda a: a.matmul(a.transpose(-2, -1)) + torch.eye(a.size(-1))
case("inv", [S(3, 3)], lambda xs: torch.linalg.inv(xs[0] + I3()))
case("inverse batched", [S(2, 3, 3)], lambda xs: torch.inverse(xs[0] + I3()))
case("det", [S(3, 3)], lambda xs: torch.linalg.det(xs[0] + I3()))
case("det batched", [S(2, 3, 3)], lambda xs: torch.det(xs[0] + I3()))
case("det raw", [S(3, 3)], lambda xs: torch.linalg.det(xs[0]))
case("slogdet logabsdet", [S(3, 3)], lambda xs: torch.linalg.slogdet(xs[0] + I3())[1])
case("solve", [S(3, 3), S(3, 2)], lambda xs: torch.linalg.solve(xs[0] + I3(), xs[1]))
case("cholesky", [S(3, 3)], lambda xs: torch.linalg.cholesky(SPD(xs[0])))
case("cholesky upper", [S(3, 3)], lambda xs: torch.linalg.cholesky(SPD(xs[0]), upper=True))
case("qr R", [S(4, 3)], lambda xs: torch.linalg.qr(xs[0])[1])
case("qr Q", [S(4, 3)], lambda xs: torch.linalg.qr(xs[0])[0])
case("svdvals", [S(3, 4)], lambda xs: torch.linalg.svdvals(xs[0]))
case("svd S", [S(4, 3)], lambda xs: torch.linalg.svd(xs[0], full_matrices=False)[1])
case("svd U*U", [S(4, 3)], lambda xs: torch.linalg.svd(xs[0], full_matrices=False)[0].pow(2))
case("eigh values", [S(3, 3)], lambda xs: torch.linalg.eigh(xs[0] + xs[0].t())[0])
case("eigh vectors squared", [S(3, 3)], lambda xs: torch.linalg.eigh(xs[0] + xs[0].t())[1].pow(2))
case("eigvalsh", [S(3, 3)], lambda xs: torch.linalg.eigvalsh(xs[0] + xs[0].t()))
case("pinv", [S(3, 2)], lambda xs: torch.linalg.pinv(xs[0]))
case("lstsq", [S(4, 2), S(4, 1)], lambda xs: torch.linalg.lstsq(xs[0], xs[1]).solution)
case("cond", [S(3, 3)], lambda xs: torch.linalg.cond(xs[0] + I3()))
case("linalg norm fro", [S(3, 3)], lambda xs: torch.linalg.norm(xs[0]))

# ---------------------------------------------------------------- second batch: in-place, linear ops composed with a
# nonlinearity on both sides (so the op's backward is differentiated with a gradient that depends on x), pool variants


def _ip_view(xs):
    a = xs[0].clone()
    a[0].mul_(xs[1])
    return a


def _ip_copy(xs):
    a = xs[0].clone()
    a[:, 1:3].copy_(xs[1].exp())
    return a * xs[0]


case("inplace mul_ clone", [S(2, 3), S(3)], lambda xs: xs[0].clone().mul_(xs[1]))
case("inplace add_ alpha square", [S(2, 3), S(3)], lambda xs: xs[0].clone().add_(xs[1], alpha=2.0).mul_(xs[0]))
case("inplace on view", [S(2, 3), S(3)], _ip_view)
case("inplace copy_ into slice", [S(2, 3), S(2, 2)], _ip_copy)
case("inplace clamp_", [S(2, 3)], lambda xs: (xs[0] * xs[0]).clamp_(0.05, 0.5))
case("inplace masked_fill_", [S(2, 3)], lambda xs: (xs[0] * xs[0]).masked_fill_(B(True, False, True), 0.5) * xs[0])
case("inplace index_put_", [S(4, 3), S(2, 3)],
     lambda xs: (xs[0] * xs[0]).index_put_((L(3, 1),), xs[1].sin()) * xs[0])
case("inplace scatter_", [S(3, 4), S(3, 2)],
     lambda xs: (xs[0] * xs[0]).scatter_(1, torch.tensor([[0, 2], [1, 3], [3, 0]]), xs[1].exp()))
SQ = [
    ("avg_pool2d sq", S(1, 2, 4, 4), lambda x: F.avg_pool2d(x, 2)),
    ("adaptive_avg_pool2d sq", S(1, 2, 5, 5), lambda x: F.adaptive_avg_pool2d(x, (2, 3))),
    ("adaptive_max_pool2d sq", S(1, 2, 5, 5), lambda x: F.adaptive_max_pool2d(x, (2, 3))),
    ("max_pool2d unbatched sq", S(2, 4, 4), lambda x: F.max_pool2d(x, 2)),
    ("avg_pool2d unbatched sq", S(2, 4, 4), lambda x: F.avg_pool2d(x, 2)),
    ("interpolate nearest sq", S(1, 1, 2, 3), lambda x: F.interpolate(x, size=(4, 5), mode="nearest")),
    ("interpolate area sq", S(1, 1, 4, 6), lambda x: F.interpolate(x, size=(2, 3), mode="area")),
    ("pad circular sq", S(1, 2, 4), lambda x: F.pad(x, (2, 1), "circular")),
    ("pad replicate 2d sq", S(1, 1, 3, 4), lambda x: F.pad(x, (2, 1, 1, 2), "replicate")),
    ("pixel_shuffle sq", S(1, 4, 2, 2), lambda x: F.pixel_shuffle(x, 2)),
    ("cumsum sq", S(3, 4), lambda x: x.cumsum(1)),
    ("flip sq", S(2, 3), lambda x: x.flip(1)),
    ("roll sq", S(2, 3), lambda x: x.roll(1, 1)),
    ("repeat sq", S(2, 3), lambda x: x.repeat(2, 1)),
    ("repeat_interleave sq", S(2, 3), lambda x: x.repeat_interleave(2, dim=1)),
    ("diag_embed sq", S(2, 3), lambda x: torch.diag_embed(x)),
    ("tril sq", S(3, 3), lambda x: x.tril()),
    ("masked_select sq", S(2, 3), lambda x: x.masked_select(torch.tensor([[True, False, True], [False, True, False]]))),
    ("take_along_dim sq", S(3, 4), lambda x: torch.take_along_dim(x, torch.tensor([[0, 2], [1, 1], [3, 0]]), dim=1)),
    ("index_fill sq", S(4, 3), lambda x: x.index_fill(1, L(0, 2), -1.0)),
    ("sum dim sq", S(3, 4), lambda x: x.sum(1)),
    ("mean sq", S(3, 4), lambda x: x.mean()),
    ("expand sq2", S(3, 1), lambda x: x.expand(3, 4)),
    ("permute sq", S(2, 3, 2), lambda x: x.permute(2, 0, 1)),
    ("narrow sq", S(4, 3), lambda x: x.narrow(0, 1, 2)),
    ("slice step sq", S(5, 3), lambda x: x[0:5:2]),
    ("unfold-like stack sq", S(2, 3), lambda x: torch.stack([x, x.flip(0)], 0)),
    ("max_pool2d dilation sq", S(1, 1, 5, 5), lambda x: F.max_pool2d(x, 2, stride=1, dilation=2)),
    ("amax dims sq", S(2, 3, 2), lambda x: x.amax(dim=(0, 2))),
    ("sort sq", S(3, 4), lambda x: x.sort(dim=1).values),
    ("kthvalue sq", S(3, 4), lambda x: x.kthvalue(2, dim=1).values),
    ("cummax sq", S(3, 4), lambda x: x.cummax(1).values),
    ("median dim sq", S(3, 4), lambda x: x.median(dim=1).values),
]
for n, s_, f in SQ:
    # sin inside and square outside: the op's backward sees a gradient that depends on x
    case(n, [s_], lambda xs, f=f: f(xs[0].sin()).pow(2))
case("conv_transpose2d sq", [S(1, 2, 3, 3), S(2, 2, 2, 2)],
     lambda xs: F.conv_transpose2d(xs[0].sin(), xs[1], None, stride=2, padding=1, output_padding=1).pow(2))
case("conv1d sq", [S(2, 2, 6), S(4, 1, 3)], lambda xs: F.conv1d(xs[0].sin(), xs[1], None, stride=2, padding=1, groups=2).pow(2))
case("embedding scale_grad_by_freq sq", [S(5, 3)],
     lambda xs: F.embedding(L(1, 3, 1, 0), xs[0].sin(), scale_grad_by_freq=True).pow(2))
case("group_norm no affine", [S(2, 4, 3)], lambda xs: F.group_norm(xs[0], 2))
case("layer_norm weight only", [S(2, 4), S(4)], lambda xs: F.layer_norm(xs[0], (4,), xs[1], None, 1e-5))
case("batch_norm train 2d input", [S(4, 3), S(3), S(3)],
     lambda xs: F.batch_norm(xs[0], None, None, xs[1], xs[2], True, 0.1, 1e-5))
case("batch_norm eval no affine", [S(3, 2, 2)],
     lambda xs: F.batch_norm(xs[0].sin(), torch.tensor([0.1, -0.2]), torch.tensor([0.5, 1.5]), None, None, False, 0.1, 1e-5).pow(2))
case("cross_entropy 4d smoothing weight", [S(2, 3, 2, 2)],
     lambda xs: F.cross_entropy(xs[0], torch.tensor([[[0, 2], [1, 1]], [[2, 0], [0, 1]]]),
                                weight=torch.tensor([0.5, 1.0, 2.0]), label_smoothing=0.3))
case("sdpa sq", [S(1, 3, 4), S(1, 3, 4), S(1, 3, 4)], lambda xs: sdpa(xs[0].sin(), xs[1], xs[2]).pow(2))
case("sdpa bool mask", [S(3, 4), S(2, 4), S(2, 3)],
     lambda xs: sdpa(xs[0], xs[1], xs[2], mask=torch.zeros(3, 2).masked_fill(torch.tensor([[False, True], [False, False], [True, False]]), float("-inf"))))


def fmt(t):
    t = t.detach()
    if t._is_zerotensor():
        t = torch.zeros(t.shape)
    return " ".join(repr(float(v)) for v in t.detach().reshape(-1).tolist())


def shp(t):
    return ",".join(str(s) for s in t.shape) if t.dim() > 0 else "-"


def first_line(e):
    m = str(e).strip().splitlines()
    return (type(e).__name__ + ": " + (m[0] if m else "")).replace("\n", " ")


def run(name, shapes, fn, out):
    out.append("case " + name)
    xs = []
    for j, (shape, lo, hi) in enumerate(shapes):
        seed = 3 * j + 1 + (sum(map(ord, name)) % 50)
        out.append("in %d %s %r %r %d" % (j, ",".join(map(str, shape)) if shape else "-", lo, hi, seed))
        xs.append(gen(shape, lo, hi, seed).requires_grad_(True))
    try:
        y = fn(xs)
    except Exception as e:
        out.append("raises forward " + first_line(e))
        out.append("end")
        return
    goseed = 500 + (sum(map(ord, name)) % 50)
    go = gen(tuple(y.shape), -1.0, 1.0, goseed).requires_grad_(True)
    out.append("go %s %d" % (shp(y), goseed))
    out.append("out %s %s" % (shp(y), fmt(y)))
    try:
        gs = torch.autograd.grad([y], xs, [go], create_graph=True, allow_unused=True)
    except Exception as e:
        out.append("raises first " + first_line(e))
        out.append("end")
        return
    l2 = None
    for j, g in enumerate(gs):
        out.append("g %d %s" % (j, fmt(g if g is not None else torch.zeros_like(xs[j]))))
        wseed = 700 + 5 * j
        out.append("w %d %d" % (j, wseed))
        if g is not None:
            w = gen(tuple(xs[j].shape), -1.0, 1.0, wseed)
            term = (g * w).sum()
            l2 = term if l2 is None else l2 + term
    targets = xs + [go]
    if l2 is None or not l2.requires_grad:
        ggs = [None] * len(targets)
    else:
        try:
            ggs = torch.autograd.grad([l2], targets, allow_unused=True)
        except Exception as e:
            out.append("raises second " + first_line(e))
            out.append("end")
            return
    for j in range(len(xs)):
        g = ggs[j]
        out.append("gg %d %s" % (j, fmt(g if g is not None else torch.zeros_like(xs[j]))))
    g = ggs[-1]
    out.append("ggo %s" % fmt(g if g is not None else torch.zeros_like(go)))
    out.append("end")


def main():
    out = []
    names = set()
    for name, shapes, fn in CASES:
        assert name not in names, name
        names.add(name)
        run(name, shapes, fn, out)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "expected.txt")
    with open(path, "w") as f:
        f.write("# generated by make_expected.py with torch %s\n" % torch.__version__)
        f.write("\n".join(out) + "\n")
    print(len(CASES), "cases")


if __name__ == "__main__":
    main()
