# Writes expected.txt for ComplexMathTest.java: complex tensors (session 29's slice) through the elementwise functions
# (tanh, sigmoid, sinh, cosh, tan, asin, acos, atan, asinh, acosh, atanh, log2, log10, log1p, expm1, exp2, rsqrt,
# square), pow with tensor and complex exponents, and the reductions and products with complex input: prod (all, dim,
# zeros), var / std / var_mean / std_mean (real results), vector norms and norm, dot / vdot / inner / outer.
# Run: /usr/bin/python3 make_expected.py   (PyTorch 1.13 CPU; writes expected.txt next to this script)
#
# Format: ReferenceCases' (refcases.run_case): "=== name", in<i>, out, fn, grad<i> lines (complex values as their
# parts, interleaved; L = sum(out * w) for a real out, sum(view_as_real(out) * w) for a complex one), or "error ...".
# Branch-cut and extreme-value cases compare values only (their inputs do not require grad: detach below).
# 2.x notes: log1p, expm1 and exp2 of complex tensors came in PyTorch 2.x (1.13: "log1p_vml_cpu" not implemented for
# 'ComplexDouble'): their values are computed here with mpmath at 50 digits (rounded to the input's type) and their
# gradients through log(1 + z), exp(z) - 1 and exp(z log 2), which are 2.x's derivatives (grad * conj(f'(z))).
# This PyTorch 1.13 build's complex torch.dot / vdot (Debian OpenBLAS's zdotu / zdotc ABI) return 0: those
# cases take their values from (a * b).sum() and (a.conj() * b).sum() and their nodes (DotBackward0, VdotBackward0)
# from torch.dot / torch.vdot. Nodes as 2.x names them (NODES_2X).
import cmath
import math
import os
import sys

import mpmath

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from refcases import cseq, run_case, seq  # noqa: E402

NODES_2X = {"SqueezeBackward3": "SqueezeBackward4", "ReshapeAliasBackward0": "ViewBackward0",
            # Ember names nodes without PyTorch's C++ namespace
            "torch::autograd::CopySlices": "CopySlices"}
C64 = torch.complex64
C128 = torch.complex128
CASES = []


def case(name, inputs, fn):
    CASES.append((name, inputs, fn))



def values(*zs):
    return torch.tensor(list(zs), dtype=C128)


CMATH = {"tanh": cmath.tanh, "sinh": cmath.sinh, "cosh": cmath.cosh, "tan": cmath.tan, "asin": cmath.asin,
         "acos": cmath.acos, "atan": cmath.atan, "asinh": cmath.asinh, "acosh": cmath.acosh, "atanh": cmath.atanh,
         "log2": lambda z: complex(cmath.log(z).real / math.log(2), cmath.log(z).imag / math.log(2)),
         "log10": cmath.log10}


def reciprocal_2x(w):
    """1 / w by c10::complex's division (PyTorch 2.x): a zero divisor gives 1 / 0 + i 0 / 0."""
    if w == 0:
        return complex(float("inf"), float("nan"))
    return 1 / w


def at_pole(fn, v):
    """Where cmath raises (a pole or log of zero) and C99 gives an infinity."""
    return (fn in ("log2", "log10") and v == 0 or fn == "atanh" and v.imag == 0 and abs(v.real) == 1
            or fn == "atan" and v.real == 0 and abs(v.imag) == 1)


def pole(fn, v):
    """C99's value at the poles: clog(0) = -inf + i arg, catanh(+-1 + i0) = +-inf + i0, catan(+-i) = -i catanh(i z)."""
    inf = float("inf")
    if fn in ("log2", "log10"):
        return complex(-inf, math.atan2(v.imag, v.real))
    if fn == "atanh":
        return complex(math.copysign(inf, v.real), math.copysign(0.0, v.imag))
    a = pole("atanh", complex(-v.imag, v.real))
    return complex(a.imag, -a.real)


def c99(fn, z):
    """fn of every element of z by Python's cmath (C99 Annex G: signed zeros pick the side of a branch cut; accurate for
    tiny and huge arguments), mpmath for the functions cmath lacks."""
    z = z.detach()
    if fn in MP:
        return exact(fn, z)
    if fn == "square":
        return z * z
    f = (lambda v: reciprocal_2x(cmath.sqrt(v))) if fn == "rsqrt" else CMATH[fn]
    out = [pole(fn, v) if at_pole(fn, v) else f(v) for v in z.detach().reshape(-1).tolist()]
    return torch.tensor(out, dtype=C128).reshape(z.shape).to(z.dtype)


MP = {"log1p": mpmath.log1p, "expm1": mpmath.expm1, "exp2": lambda z: mpmath.power(2, z),
      "sigmoid": lambda z: 1 / (1 + mpmath.exp(-z))}
COMPOSED = {"log1p": lambda z: (1 + z).log(), "expm1": lambda z: z.exp() - 1, "exp2": lambda z: (z * math.log(2)).exp()}
NODES_2X_ONLY = {"log1p": "Log1PBackward0", "expm1": "Expm1Backward0", "exp2": "Exp2Backward0"}


def exact(fn, z):
    """fn of every element of z by mpmath at 50 digits, rounded to z's type."""
    out = []
    with mpmath.workdps(50):
        for v in z.detach().reshape(-1).tolist():
            # mpmath has no signed zeros: below the real axis (imaginary part -0.0) f(z) = conj(f(conj(z))), as these
            # functions have real coefficients
            below = math.copysign(1.0, v.imag) < 0
            w = complex(MP[fn](mpmath.mpc(v.real, -v.imag if below else v.imag)))
            out.append(w.conjugate() if below else w)
    return torch.tensor(out, dtype=C128).reshape(z.shape).to(z.dtype)


def unary(fn, z):
    """z.fn() as PyTorch 2.x: the C99 value (c99) with PyTorch's gradient (1.13's own function, or for the functions
    1.13 lacks a composition with 2.x's derivative). The values are C99's because 1.13's vectorized complex kernels
    put atan on the wrong side of its cut on the imaginary axis (atan(1.25j) has real part -pi/2, C99 +pi/2)."""
    t = COMPOSED[fn](z) if fn in COMPOSED else getattr(z, fn)()
    return t + (c99(fn, z) - t).detach()


UNARY = ["tanh", "sigmoid", "sinh", "cosh", "tan", "asin", "acos", "atan", "asinh", "acosh", "atanh", "log2", "log10",
         "log1p", "expm1", "exp2", "rsqrt", "square"]
for fn in UNARY:
    case("%s" % fn, [cseq((2, 3))], lambda x, fn=fn: unary(fn, x[0]))
    case("%s complex64" % fn, [cseq((2, 3), C64, shift=3)], lambda x, fn=fn: unary(fn, x[0]))
# branch cuts (signed zeros pick the side), extremes and tiny arguments: values only, from cmath (C99) and mpmath, not
# from PyTorch 1.13, whose vectorized complex kernels are off there (asin(1e-9+1e-9j) has a relative error of 3e-8,
# atan(3j) lands on the wrong side of its cut, atan of 1e200+1e200j is NaN, asin/acos of it -inf)
# (complex(x, -0.0) spelled out: Python's 2 - 0j is 2 + 0j)
EDGE = values(2 + 0j, complex(2, -0.0), -2 + 0j, complex(-2, -0.0), 3j, -3j, complex(0.0, -3.0), complex(-0.0, 3.0),
              complex(-0.0, -3.0), 0.5 + 0j, complex(-0.5, -0.0),
              1e-9 + 1e-9j, -1e-12 + 3e-12j, 1 + 0j, -1 + 0j, 1j, 0j, 30 + 2j, -30 + 1j, 400 + 0.5j, -400 - 1j,
              0.7 + 1e-10j)
# arguments whose squares or exponentials overflow, for the functions whose value there is finite or well defined
BIG = values(1e200 + 1e200j, -1e300 + 1e-300j, 1e-300 - 1e300j, -3e307 - 2e307j)
for fn in UNARY:
    case("%s edges" % fn, [EDGE], lambda x, fn=fn: c99(fn, x[0]))
for fn in ("tanh", "atan", "atanh", "asinh", "asin", "acos", "acosh", "log2", "log10", "log1p", "rsqrt"):
    case("%s big" % fn, [BIG], lambda x, fn=fn: c99(fn, x[0]))
case("tanh large complex64", [torch.tensor([50 + 1j, -50 + 2j, 10 + 0.5j, 0.5 + 1.5707963j], dtype=C64)],
     lambda x: c99("tanh", x[0]))
# sigmoid is PyTorch's 1 / (1 + exp(-z)) as written (2.x's aten kernel, both of its paths): where exp(-x) overflows
# (x < -709.78) the value is NaN, not the limit 0 (session 44, leftovers44/make_expected.py); elsewhere C99's
def sigmoid_2x(z):
    return torch.where(z.real < -709.78, torch.full_like(z, complex(math.nan, math.nan)), c99("sigmoid", z))


case("sigmoid large", [values(-800 + 1j, 800 - 1j, -30 + 0.5j)], lambda x: sigmoid_2x(x[0]))
# pow with tensor and complex exponents
case("pow tensor tensor", [cseq((2, 3)), cseq((2, 3), shift=4) * 0.5], lambda x: x[0] ** x[1])
case("pow tensor real tensor", [cseq((2, 3)), seq((3,), shift=4) * 0.5], lambda x: x[0] ** x[1])
case("pow real tensor complex tensor", [seq((2, 3)).abs() + 0.5, cseq((3,), shift=4) * 0.5], lambda x: x[0] ** x[1])
case("pow complex number", [cseq((4,))], lambda x: x[0] ** (0.5 + 1.5j))
case("pow number complex", [cseq((4,)) * 0.5], lambda x: torch.pow(2.0, x[0]))  # 2.x's __rpow__: PowBackward2
case("pow complex64 complex64", [cseq((4,), C64), cseq((4,), C64, shift=2) * 0.5], lambda x: x[0] ** x[1])
# prod
case("prod", [cseq((2, 3))], lambda x: x[0].prod())
case("prod dim", [cseq((2, 3))], lambda x: x[0].prod(1))
case("prod dim keepdim", [cseq((3, 5))], lambda x: x[0].prod(0, keepdim=True))
case("prod complex64", [cseq((7,), C64)], lambda x: x[0].prod())
case("prod one zero", [values(1 + 2j, 0j, -0.5 + 1j, 2 - 1j)], lambda x: x[0].prod())
case("prod two zeros", [values(1 + 2j, 0j, -0.5 + 1j, 0j)], lambda x: x[0].prod())
case("prod dim zero", [torch.tensor([[1 + 2j, 0j, 3 - 1j], [0.5 + 0.5j, 2j, -1 + 0j]], dtype=C128)], lambda x: x[0].prod(1))
case("prod empty", [torch.zeros(0, 3, dtype=C128)], lambda x: x[0].prod(0))
case("prod 0-dim", [torch.tensor(1.5 - 2j, dtype=C128)], lambda x: x[0].prod())
case("prod dtype complex128", [cseq((5,), C64)], lambda x: x[0].prod(dtype=C128))
# var, std and their means
case("var", [cseq((2, 3))], lambda x: x[0].var())
case("var dim", [cseq((3, 4))], lambda x: x[0].var(1))
case("var dims correction 0 keepdim", [cseq((2, 3, 4))], lambda x: torch.var(x[0], (0, 2), correction=0, keepdim=True))
case("var complex64", [cseq((5, 3), C64)], lambda x: x[0].var(0))
case("std", [cseq((2, 3))], lambda x: x[0].std())
case("std dim", [cseq((3, 4))], lambda x: x[0].std(-1))
case("std complex64 correction 0", [cseq((6,), C64)], lambda x: torch.std(x[0], 0, correction=0))
case("std constant", [torch.full((3,), 1 - 1j, dtype=C128)], lambda x: x[0].std())
case("var_mean", [cseq((3, 4))], lambda x: torch.var_mean(x[0], 1)[0] + torch.var_mean(x[0], 1)[1].real)
case("var_mean mean", [cseq((3, 4))], lambda x: torch.var_mean(x[0], 1)[1])
case("std_mean", [cseq((2, 5))], lambda x: torch.std_mean(x[0], 0)[0])
# norms (real results)
for o in (2, 1, float("inf"), float("-inf"), 0, 3, 0.5):
    case("vector_norm ord %s" % o, [cseq((2, 3))], lambda x, o=o: torch.linalg.vector_norm(x[0], o))
case("vector_norm dim", [cseq((3, 4))], lambda x: torch.linalg.vector_norm(x[0], 2, dim=1))
case("vector_norm dims keepdim complex64", [cseq((2, 3, 2), C64)],
     lambda x: torch.linalg.vector_norm(x[0], 2, dim=(0, 2), keepdim=True))
case("vector_norm with zeros", [values(0j, 3 + 4j, 0j)], lambda x: torch.linalg.vector_norm(x[0]))
case("norm", [cseq((2, 3))], lambda x: x[0].norm())
case("norm p 1 dim", [cseq((2, 3))], lambda x: x[0].norm(1, dim=0))
case("linalg.norm vector", [cseq((5,))], lambda x: torch.linalg.norm(x[0]))
case("abs squared sum", [cseq((2, 3))], lambda x: (x[0].abs() ** 2).sum())
# products of vectors
case("dot", [cseq((4,)), cseq((4,), shift=3)], lambda x: (x[0] * x[1]).sum())
case("vdot", [cseq((4,)), cseq((4,), shift=3)], lambda x: (x[0].conj() * x[1]).sum())
case("inner", [cseq((2, 3)), cseq((4, 3), shift=3)], lambda x: torch.inner(x[0], x[1]))
case("outer", [cseq((3,)), cseq((2,), shift=3)], lambda x: torch.outer(x[0], x[1]))
case("dot complex real", [cseq((3,)), seq((3,), shift=2)], lambda x: torch.dot(x[0], x[1]))
DOT_NODES = {"dot": "DotBackward0", "vdot": "VdotBackward0"}


# in-place writes through views of complex tensors that record history (CopySlices)
def inplace_real(x):
    w = x[0] * 1
    w.real.mul_(2)
    return w


def inplace_imag_fill(x):
    w = x[0] * 1
    w.imag.fill_(0.5)
    return w


def inplace_select(x):
    w = x[0] * 1
    w.select(0, 0).mul_(x[1].select(0, 1))
    return w


def inplace_slice_add(x):
    w = x[0] * 1
    w[1:].add_(x[1][:1] * 2)
    return w.exp()


def setitem_into_zeros(x):
    out = torch.zeros(3, 4, dtype=x[0].dtype)
    out[:, :2] = x[0] * 2
    out[1:, 3] = x[1][0, :2]
    return out


def inplace_real_view_of_leaf_view(x):
    w = x[0] * 1
    v = torch.view_as_real(w)
    v[..., 1].add_(x[1].real)
    return w


# in-place arithmetic on complex tensors, the fused elementwise ops, reductions with a complex dtype
def inplace_chain(x):
    w = x[0] * 1
    w.add_(x[1]).mul_(x[1]).sub_(0.5).div_(x[1] + 3)
    w.mul_(2.5).add_(x[2])
    return w


def real_add_complex(x):
    r = x[1].real * 1
    r.add_(x[0])
    return r


case("inplace add_ mul_ sub_ div_", [cseq((2, 3)), cseq((2, 3), shift=4), seq((3,), shift=2)], inplace_chain)
case("inplace real add_ complex", [cseq((3,)), cseq((3,), shift=1)], real_add_complex)
case("addcmul", [cseq((2, 3)), cseq((2, 3), shift=4), cseq((3,), shift=7)], lambda x: x[0].addcmul(x[1], x[2], value=0.5))
case("addcdiv", [cseq((2, 3)), cseq((2, 3), shift=4), cseq((3,), shift=7)], lambda x: x[0].addcdiv(x[1], x[2], value=-1.5))
case("addcdiv real tensors", [cseq((2, 3)), seq((2, 3), shift=4), seq((3,), shift=7) + 3], lambda x: x[0].addcdiv(x[1], x[2]))
case("lerp scalar", [cseq((2, 3)), cseq((2, 3), shift=4)], lambda x: x[0].lerp(x[1], 0.25))
case("lerp scalar above half", [cseq((2, 3)), cseq((2, 3), shift=4)], lambda x: x[0].lerp(x[1], 0.75))
case("lerp tensor weight", [cseq((2, 3)), cseq((2, 3), shift=4), cseq((3,), shift=2) * 0.3], lambda x: x[0].lerp(x[1], x[2]))
case("sinc", [cseq((2, 3))], lambda x: x[0].sinc())
case("sinc at zero", [torch.tensor([0j, 1 + 0j, 0.5 - 0.5j], dtype=C128)], lambda x: x[0].detach().sinc())
case("sum dtype complex128", [cseq((2, 3), C64)], lambda x: x[0].sum(dtype=C128))
# (values only: 1.13 cannot take the complex gradient back into the real input; 2.x takes its real part)
case("sum real dtype complex64", [seq((2, 3), torch.float32)], lambda x: x[0].detach().sum(dtype=C64))
case("mean dtype complex128", [cseq((2, 3), C64)], lambda x: x[0].mean(dtype=C128))
case("mv", [cseq((2, 3)), cseq((3,), shift=4)], lambda x: x[0].mv(x[1]))
case("nansum", [cseq((2, 3))], lambda x: x[0].nansum())
case("abs_", [cseq((2, 3))], lambda x: (x[0] * 1).abs_())
case("arange complex64", [], lambda x: torch.arange(0, 3, 1, dtype=C64))


def logsumexp_2x(z, dim, keepdim=False):
    """PyTorch 2.x's complex logsumexp (1.13: 'Expected floating point type for result tensor'): the real parts' max
    taken out, log(sum(exp(z - m))) + m, whose derivative is 2.x's grad * conj(exp(z - result))."""
    m = z.real.amax(dim, keepdim=True).detach()
    s = (z - m).exp().sum(dim, keepdim=True).log() + m
    return s if keepdim else s.squeeze(dim)


case("float_power complex", [cseq((2, 3), C64), cseq((3,), C64, shift=4) * 0.5], lambda x: x[0].float_power(x[1]))
case("float_power complex number", [cseq((2, 3), C64)], lambda x: x[0].float_power(2.5))
case("dist complex", [cseq((2, 3)), cseq((2, 3), shift=4)], lambda x: x[0].dist(x[1], 3))


def nan_to_num_2x(z):
    """2.x's complex nan_to_num: each part on its own (1.13: "nan_to_num" not implemented for 'ComplexDouble')."""
    return torch.complex(z.real.nan_to_num(nan=0.5, posinf=7.0), z.imag.nan_to_num(nan=0.5, posinf=7.0))


case("nan_to_num complex", [torch.tensor([complex(float("nan"), 1), complex(2, float("inf")), complex(-float("inf"), float("nan"))],
                                         dtype=C128)], lambda x: nan_to_num_2x(x[0].detach()))
for name, f in (("atan2", lambda x: x[0].atan2(x[1])), ("copysign", lambda x: x[0].copysign(x[1])),
                ("xlogy", lambda x: x[0].xlogy(x[1])), ("polygamma", lambda x: x[0].polygamma(1)),
                ("deg2rad", lambda x: x[0].deg2rad()), ("rad2deg", lambda x: x[0].rad2deg()),
                ("i0", lambda x: x[0].i0()), ("logit", lambda x: x[0].logit()), ("signbit", lambda x: x[0].signbit()),
                ("geometric_", lambda x: x[0].detach().clone().geometric_(0.5)),
                ("xlog1py", lambda x: torch.special.xlog1py(x[0], x[1]))):
    case("refuses %s" % name, [cseq((3,), C64), cseq((3,), C64, shift=2)], f)
# convolutions of complex tensors (PyTorch's complex_convolution: three real convolutions, node AddBackward0)
F = torch.nn.functional
case("conv2d complex", [cseq((1, 2, 4, 5)), cseq((3, 2, 2, 3), shift=3), cseq((3,), shift=6)],
     lambda x: F.conv2d(x[0], x[1], x[2], stride=1, padding=1))
case("conv2d complex64 strided groups", [cseq((2, 4, 5, 5), C64), cseq((2, 2, 3, 3), C64, shift=3)],
     lambda x: F.conv2d(x[0], x[1], None, stride=2, padding=0, groups=2))
case("conv1d complex", [cseq((2, 2, 7)), cseq((3, 2, 3), shift=3), cseq((3,), shift=6)],
     lambda x: F.conv1d(x[0], x[1], x[2], stride=2, padding=1))
case("conv3d complex", [cseq((1, 2, 3, 4, 3)), cseq((2, 2, 2, 2, 2), shift=3)], lambda x: F.conv3d(x[0], x[1], None))
case("conv2d complex real bias", [cseq((1, 2, 4, 5)), cseq((3, 2, 2, 3), shift=3), seq((3,), shift=6)],
     lambda x: F.conv2d(x[0], x[1], x[2]))
# logical ops: a complex element is true where either part is non-zero
TRUTHY = values(0j, 1j, 2 + 0j, complex(0, -0.0), 1 - 1j, 0j)
case("logical_not", [TRUTHY], lambda x: x[0].logical_not())
case("logical_and", [TRUTHY, values(1j, 0j, 3 + 0j, 1 + 0j, 0j, 0j)], lambda x: x[0].logical_and(x[1]))
case("logical_or real", [TRUTHY, torch.tensor([0.0, 0.0, 1.0, 0.0, 0.0, 2.0])], lambda x: x[0].logical_or(x[1]))
case("logical_xor", [TRUTHY, values(1j, 0j, 3 + 0j, 1 + 0j, 0j, 0j)], lambda x: x[0].logical_xor(x[1]))
case("logical_and_ in place", [TRUTHY, values(1j, 0j, 3 + 0j, 1 + 0j, 0j, 0j)],
     lambda x: x[0].detach().clone().logical_and_(x[1].detach()))
case("cov", [cseq((2, 5))], lambda x: torch.cov(x[0]))
case("cov weights", [cseq((3, 4)), torch.tensor([1, 2, 1, 3]), seq((4,)).abs() + 0.5],
     lambda x: torch.cov(x[0], correction=0, fweights=x[1], aweights=x[2]))
case("corrcoef", [cseq((3, 4))], lambda x: torch.corrcoef(x[0]))
case("pairwise_distance", [cseq((2, 3)), cseq((2, 3), shift=4)], lambda x: torch.nn.functional.pairwise_distance(x[0], x[1]))
case("refuses zeta", [cseq((3,), C64), cseq((3,), C64, shift=2)], lambda x: torch.special.zeta(x[0], x[1]))
# 2.x casts a complex number to bool as re != 0 or im != 0 (c10's maybe_bool; 1.13 keeps the real part's truth)
case("to bool", [TRUTHY], lambda x: x[0].detach().logical_not().logical_not())
# LU of complex matrices (LAPACK zgetrf's pivoting: the first largest |re| + |im|)
for shape in ((3, 3), (2, 4), (4, 2), (2, 3, 3)):
    case("lu_factor %s" % "x".join(map(str, shape)), [cseq(shape)], lambda x: torch.linalg.lu_factor(x[0])[0])
    case("linalg.lu %s" % "x".join(map(str, shape)), [cseq(shape)],
         lambda x: torch.cat([t.flatten() for t in torch.linalg.lu(x[0])[1:]]))
case("lu_factor complex64", [cseq((3, 3), C64)], lambda x: torch.linalg.lu_factor(x[0])[0])
for left in (True, False):
    for adjoint in (False, True):
        case("lu_solve left=%s adjoint=%s" % (left, adjoint), [cseq((3, 3)) + torch.eye(3) * 2, cseq((3, 2) if left else (2, 3), shift=4)],
             lambda x, left=left, adjoint=adjoint: torch.linalg.lu_solve(*torch.linalg.lu_factor(x[0]), x[1], left=left,
                                                                          adjoint=adjoint))
case("logsumexp", [cseq((2, 3))], lambda x: logsumexp_2x(x[0], 1))
case("logsumexp keepdim complex64", [cseq((3, 2), C64)], lambda x: logsumexp_2x(x[0], 0, True))
case("inplace real mul_", [cseq((2, 3))], inplace_real)
case("inplace imag fill_", [cseq((2, 3), C64)], inplace_imag_fill)
case("inplace select mul_", [cseq((2, 3)), cseq((2, 3), shift=4)], inplace_select)
case("inplace slice add_", [cseq((3, 2)), cseq((3, 2), shift=4)], inplace_slice_add)
case("setitem into zeros", [cseq((3, 2)), cseq((2, 2), shift=4)], setitem_into_zeros)
case("inplace view_as_real add_", [cseq((2, 3)), cseq((2, 3), shift=4)], inplace_real_view_of_leaf_view)

with open(os.path.join(HERE, "expected.txt"), "w") as f:
    for name, inputs, fn in CASES:
        f.write("=== %s\n" % name)
        lines = run_case(name, inputs, fn, node_2x=NODES_2X)
        if name.startswith("norm"):
            # 2.x's Tensor.norm(p, dim) is linalg.vector_norm (1.13: NormBackward0 / NormBackward1); at::norm keeps its
            # node in 2.x (pairwise_distance's NormBackward1)
            lines = [l.replace("fn NormBackward0", "fn LinalgVectorNormBackward0")
                     .replace("fn NormBackward1", "fn LinalgVectorNormBackward0") for l in lines]
        first = name.split(" ")[0]
        if first in UNARY and not any(w in name for w in ("edges", "big", "large")):
            # unary() adds the C99 correction: the node is the function's own (2.x's for those 1.13 lacks)
            node = NODES_2X_ONLY.get(first) or getattr(inputs[0].clone().requires_grad_(), first)().grad_fn.name()
            lines = [l if not l.startswith("fn ") else "fn " + node for l in lines]
        if name.startswith("logsumexp"):
            lines = [l if not l.startswith("fn ") else "fn LogsumexpBackward0" for l in lines]
        if name in DOT_NODES:
            node = getattr(torch, name)(inputs[0].clone().requires_grad_(), inputs[1]).grad_fn.name()
            assert node == DOT_NODES[name], node
            lines = [l if not l.startswith("fn ") else "fn " + node for l in lines]
        for line in lines:
            f.write(line + "\n")
