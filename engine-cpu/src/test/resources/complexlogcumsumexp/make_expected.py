# Writes expected.txt for ComplexLogcumsumexpTest.java: torch.logcumsumexp of complex64 / complex128 tensors and its
# gradient, as PyTorch 2.x computes them on the CPU.
#   run: cd engine-cpu/src/test/resources/complexlogcumsumexp && /usr/bin/python3 make_expected.py > expected.txt
#   (PyTorch 1.13 CPU for the tensor ops; seed 41, so a second run writes the same bytes)
#
# PyTorch 1.13 refuses complex logcumsumexp ("logcumsumexp_out_cpu" not implemented for 'ComplexFloat'); 2.x computes
# it. So the scan is EMULATED here from 2.x's source, read in pytorch/pytorch: aten/src/ATen/native/cpu/LogAddExp.h
# (_logcumsumexp_minmax and the complex _log_add_exp_helper), ReduceOpsKernel.cpp (logcumsumexp_cpu_kernel: a
# sequential scan per line in acc_type = complex<double>, from -inf + 0i, cum = helper(x, cum), each prefix cast to the
# tensor's type) and c10/util/complex_math.h (log1p's CPU form: u = z + 1; z if u == 1; log(u) if u - 1 == z; else
# log(u) * (z / (u - 1))) with c10/util/complex.h's division (numpy's scaled form); exp and log are the C library's
# cexp / clog, written here with math's functions and C99's special values (Python's cmath.log refuses 0).
# The gradient is 2.x's logcumsumexp_backward, complex branch (FunctionsManual.cpp):
#   conj(exp(reverse_logcumsumexp(log(conj(grad)) - result) + self))
# with the reversed scan emulated the same way and conj / log / exp / flip / sub / add run by PyTorch 1.13 on complex128.
# A check of the emulation itself: where no element is special, exp(result) equals cumsum(exp(x)) (numpy, complex128).
#
# Format, one case per block:
#   case <name>
#   dtype complex64|complex128
#   shape <sizes>            (the input's shape; "shape" alone: 0-dim)
#   view none|t01            (t01: the input is made of shape [s1, s0, ...] and transposed (0, 1), non-contiguous)
#   dim <d>
#   x <re im ...>            (the input's elements in its logical row-major order, as pairs)
#   y <re im ...>            (the result)
#   g <re im ...>, grad <re im ...>   (complex128 cases with finite inputs: a seeded upstream and the input's gradient)
#   end
import math

import numpy as np
import torch

torch.manual_seed(41)
INF = math.inf
NAN = math.nan


def isnan(z):
    return math.isnan(z.real) or math.isnan(z.imag)


def cexp(z):
    re, im = z.real, z.imag
    if math.isinf(re) and not math.isfinite(im):
        return complex(0.0, 0.0) if re < 0 else complex(INF, NAN)
    if im == 0:
        return complex(math.exp(re), im)
    e = math.exp(re)
    return complex(e * math.cos(im), e * math.sin(im))


def clog(z):
    h = math.hypot(z.real, z.imag)
    return complex(-INF if h == 0 else math.log(h), math.atan2(z.imag, z.real))


def over_zero(a):
    """IEEE's a / +0.0, which Python refuses: +-inf, or NaN for 0 and NaN."""
    return NAN if a == 0 or math.isnan(a) else math.copysign(INF, a)


def cdiv(a, b, c, d):
    """c10's complex division (numpy's scaled form), (a + bi) / (c + di)."""
    ac, ad = abs(c), abs(d)
    if ac >= ad:
        if ac == 0 and ad == 0:
            return complex(over_zero(a), over_zero(b))
        rat = d / c
        scl = 1.0 / (c + d * rat)
        return complex((a + b * rat) * scl, (b - a * rat) * scl)
    rat = c / d
    scl = 1.0 / (d + c * rat)
    return complex((a * rat + b) * scl, (b * rat - a) * scl)


def cmul(x, y):
    return complex(x.real * y.real - x.imag * y.imag, x.real * y.imag + x.imag * y.real)


def clog1p(z):
    ur, ui = z.real + 1.0, z.imag
    if ur == 1.0 and ui == 0.0:
        return z
    lu = clog(complex(ur, ui))
    vr = ur - 1.0
    if vr == z.real and ui == z.imag:
        return lu
    return cmul(lu, cdiv(z.real, z.imag, vr, ui))


def log_add_exp(x, y):
    if isnan(y):
        mn = mx = y
    elif isnan(x):
        mn = mx = x
    elif x.real < y.real:
        mn, mx = x, y
    else:
        mn, mx = y, x
    if isnan(mn):
        return complex(NAN, NAN)
    if not math.isfinite(mn.real) and mn.real == mx.real:
        if mn.real < 0:
            return mn
        s = cexp(mn) + cexp(mx)
        return clog(s)
    w = clog1p(cexp(complex(mn.real - mx.real, mn.imag - mx.imag)))
    return complex(w.real + mx.real, w.imag + mx.imag)


def lcse(t, dim):
    """2.x's CPU logcumsumexp of a complex tensor t (any view) along dim, as a contiguous tensor of t's dtype."""
    if t.dim() == 0:
        return lcse(t.reshape(1), 0).reshape(())
    moved = t.movedim(dim, -1).contiguous()
    flat = moved.reshape(-1, moved.shape[-1]) if moved.numel() > 0 else moved.reshape(0, max(moved.shape[-1], 1))
    rows = []
    for line in flat.to(torch.complex128).tolist():
        cum = complex(-INF, 0.0)
        out = []
        for v in line:
            cum = log_add_exp(complex(v), cum)
            out.append(cum)
        rows.append(out)
    res = torch.tensor(rows, dtype=torch.complex128).reshape(moved.shape).to(t.dtype)
    return res.movedim(-1, dim).contiguous()


def backward(g, x, y, dim):
    if g.dim() == 0 or g.numel() == 0:
        return g
    log_grad = g.conj().log()
    rev = lcse((log_grad - y).flip(dim), dim).flip(dim)
    return (rev + x).exp().conj()


def fmt(v):
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return repr(float(v))


def pairs(t):
    flat = t.contiguous().reshape(-1).to(torch.complex128).tolist()
    return " ".join(fmt(complex(z).real) + " " + fmt(complex(z).imag) for z in flat)


def special(t):
    r = torch.view_as_real(t.to(torch.complex128))
    return not bool(torch.isfinite(r).all())


def emit(name, x, dim, view="none", grad=True):
    y = lcse(x, dim)
    # the emulation's own check: exp(y) = cumsum(exp(x)) where nothing is special and the sums stay in range
    if not special(x) and x.numel() > 0 and float(x.real.abs().max()) < 30:
        xe = np.exp(x.to(torch.complex128).numpy())
        ref = np.cumsum(xe, axis=dim if x.dim() > 0 else None).reshape(xe.shape)
        got = np.exp(y.to(torch.complex128).numpy())
        tol = 1e-5 if x.dtype == torch.complex64 else 1e-11
        assert np.allclose(got, ref, rtol=tol, atol=tol * np.abs(ref).max()), name
    print("case " + name)
    print("dtype " + ("complex64" if x.dtype == torch.complex64 else "complex128"))
    print(("shape " + " ".join(str(s) for s in x.shape)).rstrip())
    print("view " + view)
    print("dim %d" % dim)
    print("x " + pairs(x))
    print("y " + pairs(y))
    if grad and x.dtype == torch.complex128 and not special(x) and x.numel() > 0:
        g = torch.complex(torch.randn(x.shape, dtype=torch.float64), torch.randn(x.shape, dtype=torch.float64))
        print("g " + pairs(g))
        print("grad " + pairs(backward(g, x, y, dim)))
    print("end")


def crandn(shape, dtype, scale=1.0, imscale=1.0):
    re = torch.randn(shape, dtype=torch.float64) * scale
    im = torch.randn(shape, dtype=torch.float64) * imscale
    return torch.complex(re, im).to(dtype)


C64, C128 = torch.complex64, torch.complex128
emit("1-D complex128", crandn((7,), C128), 0)
emit("1-D complex64", crandn((9,), C64), 0)
emit("[3,4] dim 0", crandn((3, 4), C128), 0)
emit("[3,4] dim 1", crandn((3, 4), C128), 1)
emit("[3,4] dim -1 complex64", crandn((3, 4), C64), -1)
emit("[2,3,4] dim 1", crandn((2, 3, 4), C128), 1)
emit("[2,3,5] dim 2 complex64", crandn((2, 3, 5), C64), 2)
t = crandn((5, 3), C128)
emit("[3,5] transposed dim 1", t.t(), 1, view="t01")
t = crandn((4, 2, 3), C64)
emit("[2,4,3] transposed dim 0 complex64", t.transpose(0, 1), 0, view="t01")
emit("0-dim", crandn((), C128), 0)
emit("0-dim dim -1 complex64", crandn((), C64), -1)
emit("[0,3] dim 1", crandn((0, 3), C128), 1)
emit("[2,0] dim 1", crandn((2, 0), C128), 1)
emit("wide real parts", crandn((3, 6), C128, scale=300.0), 1)
emit("wide imaginary parts", crandn((3, 6), C128, imscale=20.0), 1)
emit("wide both complex64", crandn((2, 8), C64, scale=40.0, imscale=10.0), 1)
emit("long line", crandn((2, 200), C128, imscale=3.0), 1)
emit("long line complex64", crandn((1, 300), C64), 1)
s = torch.tensor([complex(-INF, 0), complex(0.5, 1.0), complex(-INF, 2.0), complex(INF, 0.3), complex(1.0, -2.0),
                  complex(INF, -1.0), complex(2.0, 0.0)], dtype=C128)
emit("infinities", s, 0)
s = torch.tensor([complex(-INF, 0), complex(-INF, 3.0), complex(-INF, -1.0), complex(0.25, 0.5)], dtype=C128)
emit("leading -inf", s, 0)
s = torch.tensor([complex(1.0, 2.0), complex(NAN, 0.0), complex(0.5, 0.5)], dtype=C128)
emit("NaN real part", s, 0)
s = torch.tensor([complex(1.0, 2.0), complex(0.0, NAN), complex(-3.0, 0.5)], dtype=C64)
emit("NaN imaginary part complex64", s, 0)
s = torch.tensor([[complex(0.0, 0.0), complex(-0.0, -0.0)], [complex(1e-300, -1e-300), complex(-745.0, 0.1)]],
                 dtype=C128)
emit("zeros and tiny", s, 1)
emit("equal real parts", torch.complex(torch.ones(6, dtype=torch.float64),
                                       torch.linspace(-3, 3, 6, dtype=torch.float64)), 0)
# c10's division overflows where u - 1 is subnormal (real parts 708.4 to 745 apart): 1 / d is infinite, and
# log(u) * (z / (u - 1)) is NaN in 2.x; 700 apart it is finite
emit("real parts 720 apart: NaN as 2.x", torch.tensor([complex(0.0, 0.3), complex(720.0, 0.5), complex(1.0, 1.0)],
                                                      dtype=C128), 0)
emit("real parts 700 apart", torch.tensor([complex(0.0, 0.3), complex(700.0, 0.5), complex(1.0, 1.0)], dtype=C128), 0)
