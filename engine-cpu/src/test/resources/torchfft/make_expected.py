# Writes expected.txt for FftTest.java: every function of torch.fft (fft, ifft, rfft, irfft, hfft, ihfft, their 2-D
# and n-D forms, fftfreq, rfftfreq, fftshift, ifftshift) on real and complex, float32 and float64 and integer inputs,
# odd, even and prime lengths, with n / s trimming and zero-padding, negative and tuple dims, every norm, strided
# inputs, their gradients and nodes, and the errors with PyTorch's messages.
# Run: /usr/bin/python3 make_expected.py   (PyTorch 1.13 CPU; writes expected.txt next to this script)
#
# expected.txt, one case each (ReferenceCases' format, see refcases.py): "=== name", the inputs, then the output, its
# node and the gradients of sum(view_as_real(out) * w) (sum(out * w) for a real output), or "error <Type> <message>".
# A case's name is its call: "<function> key=value ... # note", keys n, s, dim, norm, d, dtype, view (the input seen
# through x.mT or x[..., ::2] before the call); FftTest parses it back.
# 2.x notes: 2.x wraps a 1-D transform's dim and an n-D transform's dims without treating a 0-dim tensor as 1-D
# (maybe_wrap_dim(..., wrap_scalar=false) in SpectralOps.cpp), where 1.13 read the missing size as 0: MESSAGES_2X.
# 2.x's _fft_c2c returns a copy when there are no dims to transform (an fftn of a 0-dim tensor, or dim=()), where
# 1.13 fails in pocketfft ("ndim must be >= 1") or returns uninitialized memory (dim=()): those cases compute 2.x's
# answer, the input as complex, under FftC2CBackward0 (C2C_NO_DIMS).
# 1.13 already has hfft2 / ihfft2 / hfftn / ihfftn (added in 1.11), as 2.x defines them: hfftn is a c2c
# over all but the last transformed dim of conj(input), then a c2r over the last; ihfftn an r2c over the last, conj,
# then a c2c over the rest. The values and nodes here are 2.x's too (the CPU pocketfft path is the same in both).
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from refcases import D, run_case, seq  # noqa: E402

F = torch.fft
CASES = []
MESSAGES_2X = {}


def cplx(shape, dtype=torch.complex128, shift=0):
    return torch.complex(seq(shape, shift=shift), seq(shape, shift=shift + 5, scale=0.5)).to(dtype)


def real(shape, dtype=D, shift=0):
    return seq(shape, dtype, shift)


def fmt_value(v):
    if isinstance(v, (tuple, list)):
        return "(" + ",".join(str(e) for e in v) + ")"
    if isinstance(v, torch.dtype):
        return str(v).replace("torch.", "")
    return str(v)


def call(fn, inp, note="", **kw):
    """One case: torch.fft.<fn>(view(inp), **kw), named by the call."""
    view = kw.pop("view", None)
    no_dims = kw.pop("no_dims", False)
    name = fn + "".join(" %s=%s" % (k, fmt_value(v)) for k, v in kw.items())
    if view:
        name += " view=" + view
    name += " # " + note if note else ""

    def run(x):
        t = x[0]
        if view == "mT":
            t = t.mT
        elif view == "step":
            t = t[..., ::2]
        if no_dims:
            # 2.x: nothing to transform, the input (promoted to complex) copied
            return (t if t.is_complex() else t.to(torch.complex128 if t.dtype == D else torch.complex64)).clone()
        return getattr(F, fn)(t, **kw)
    CASES.append((name, [inp], run))


def desc(t):
    return "%s %s" % (str(t.dtype).replace("torch.", ""), list(t.shape))


ONE_D = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"]
TAKES_COMPLEX = {"fft", "ifft", "irfft", "hfft", "fft2", "ifft2", "irfft2", "hfft2", "fftn", "ifftn", "irfftn", "hfftn"}
N_D = ["fft2", "ifft2", "rfft2", "irfft2", "hfft2", "ihfft2", "fftn", "ifftn", "rfftn", "irfftn", "hfftn", "ihfftn"]

# ---- the 1-D transforms
for fn in ONE_D:
    inputs = [real((7,)), real((8,), shift=3), real((17,), shift=1), real((2, 3, 5), shift=2),
              real((6,), torch.float32, 4), torch.arange(6) - 2]
    if fn in TAKES_COMPLEX:
        inputs += [cplx((7,)), cplx((8,), shift=3), cplx((17,), shift=1), cplx((5,), torch.complex64, 2), cplx((1,), shift=6)]
    for x in inputs:
        if fn in ("irfft", "hfft") and x.shape == (1,):
            call(fn, x, desc(x) + " n defaults to 0")
            call(fn, x, desc(x), n=1)
            continue
        call(fn, x, desc(x))
    x = cplx((3, 6)) if fn in TAKES_COMPLEX else real((3, 6))
    for n in (1, 4, 5, 6, 9, 12):
        call(fn, x, desc(x), n=n)
        call(fn, x, desc(x), n=n, dim=0)
    call(fn, real((3, 6)), "real " + desc(x), n=4, dim=-2)
    for norm in ("backward", "ortho", "forward"):
        call(fn, x, desc(x), norm=norm)
        call(fn, x, desc(x), n=4, dim=0, norm=norm)
        call(fn, real((5,)), desc(real((5,))) + " real", norm=norm)
    call(fn, cplx((4, 3)) if fn in TAKES_COMPLEX else real((4, 3)), "strided", view="mT")
    call(fn, cplx((2, 9)) if fn in TAKES_COMPLEX else real((2, 9)), "strided", view="step", dim=-1)
    call(fn, real((3, 0)), "empty other dim", dim=0)
    # errors
    call(fn, x, "n < 1", n=0)
    call(fn, x, "n < 1", n=-1)
    call(fn, x, "bad norm", norm="bad")
    call(fn, x, "dim out of range", dim=2)
    call(fn, x, "dim out of range", dim=-3)
    call(fn, real((0,)), "empty")
    call(fn, real(()), "0-dim")
    MESSAGES_2X[fn + " # 0-dim"] = "error IndexError Dimension specified as -1 but tensor has no dimensions"
    call(fn, torch.ones(4, dtype=torch.float16), "float16")
    if fn not in TAKES_COMPLEX:
        call(fn, cplx((4,)), "complex input")

# ---- the 2-D and n-D transforms
for fn in N_D:
    inputs = [real((3, 4)), real((2, 3, 5), shift=2), real((3, 4), torch.float32, 1), (torch.arange(12) - 5).reshape(3, 4)]
    if fn in TAKES_COMPLEX:
        inputs += [cplx((3, 4)), cplx((2, 3, 5), shift=2), cplx((4, 3), torch.complex64, 1)]
    for x in inputs:
        call(fn, x, desc(x))
    x = cplx((2, 3, 5)) if fn in TAKES_COMPLEX else real((2, 3, 5))
    call(fn, x, desc(x), s=(2, 4))
    call(fn, x, desc(x), s=(4, 2))
    call(fn, x, desc(x), s=(3, 7), dim=(0, 2))
    call(fn, x, desc(x), s=(-1, 6), dim=(1, 2))
    call(fn, x, desc(x), dim=(-1, 0))
    call(fn, x, desc(x), dim=(2, -2))
    call(fn, real((2, 3, 5), shift=1), "real " + desc(x), dim=(0, 1))
    for norm in ("backward", "ortho", "forward"):
        call(fn, x, desc(x), norm=norm)
        call(fn, x, desc(x), s=(3, 2), norm=norm)
    call(fn, cplx((4, 3)) if fn in TAKES_COMPLEX else real((4, 3)), "strided", view="mT")
    if fn.endswith("n"):
        call(fn, x, desc(x), s=(3,))
        call(fn, x, desc(x), s=(2, 3, 4))
        call(fn, x, desc(x), dim=(1,))
        call(fn, x, desc(x), dim=(2, 0, 1))
        if fn in ("fftn", "ifftn"):
            call(fn, x, "no dims", dim=(), no_dims=True)
            call(fn, real(()), "0-dim", no_dims=True)
        else:
            call(fn, real(()), "0-dim")
        call(fn, x, "s too long", s=(2, 2, 2, 2))
    call(fn, x, "dims repeated", dim=(0, 0))
    call(fn, x, "dims repeated", dim=(1, -2))
    call(fn, x, "s and dim lengths", s=(3,), dim=(0, 1))
    call(fn, x, "s < 1", s=(0, 4))
    call(fn, x, "s < 1", s=(3, -2))
    call(fn, x, "bad norm", norm="ortho2")
    call(fn, x, "dim out of range", dim=(0, 3))
    call(fn, real((3,)), "1-d input")
    call(fn, real((2, 0)), "empty")
    if fn not in TAKES_COMPLEX:
        call(fn, cplx((3, 4)), "complex input")

# ---- promotion and 0-dim inputs
for fn in ("fft", "rfft", "ihfft", "fftn", "rfft2"):
    call(fn, torch.ones(4, 2, dtype=torch.bfloat16), "bfloat16")
    call(fn, torch.tensor([[True, False, True], [False, False, True]]), "bool")
    call(fn, (torch.arange(6, dtype=torch.int32) - 2).reshape(2, 3), "int32")
for fn in ("fft2", "rfft2", "irfft2"):
    call(fn, real(()), "0-dim")
    MESSAGES_2X[fn + " # 0-dim"] = "error IndexError Dimension specified as -2 but tensor has no dimensions"
call("fftn", real(()), "0-dim", dim=(0,))
MESSAGES_2X["fftn dim=(0) # 0-dim"] = "error IndexError Dimension specified as 0 but tensor has no dimensions"
call("irfft", real(()), "0-dim", dim=0, n=4)
MESSAGES_2X["irfft dim=0 n=4 # 0-dim"] = "error IndexError Dimension specified as 0 but tensor has no dimensions"

# ---- fftfreq, rfftfreq


def freq(fn, n, note="", **kw):
    name = fn + " n=%d" % n + "".join(" %s=%s" % (k, fmt_value(v)) for k, v in kw.items())
    name += " # " + note if note else ""
    CASES.append((name, [], lambda x: getattr(F, fn)(n, **kw)))


for fn in ("fftfreq", "rfftfreq"):
    for n in (1, 2, 4, 5, 0):
        freq(fn, n)
    freq(fn, 6, d=0.5)
    freq(fn, 7, d=-2.0)
    freq(fn, 5, d=0.3, dtype=torch.float64)
    freq(fn, 9, d=0.3, dtype=torch.float32)
    freq(fn, 4, dtype=torch.complex64)
    freq(fn, 4, dtype=torch.int64)
    freq(fn, 3, dtype=torch.float16)
    freq(fn, -1)

# ---- fftshift, ifftshift (a roll)
for fn in ("fftshift", "ifftshift"):
    for x in (real((7,)), real((8,), shift=2), real((3, 4)), real((2, 3, 5), shift=1), cplx((3, 5)), cplx((4,), torch.complex64, 2),
              torch.arange(5)):
        call(fn, x, desc(x))
    x = real((2, 3, 5), shift=1)
    call(fn, x, desc(x), dim=1)
    call(fn, x, desc(x), dim=-1)
    call(fn, x, desc(x), dim=(0, 2))
    call(fn, x, desc(x), dim=(2, 2))
    call(fn, cplx((3, 4)), "complex", dim=(-1,))
    call(fn, real(()), "0-dim")
    call(fn, real((3, 4)), "strided", view="mT")
    call(fn, x, "dim out of range", dim=3)
    call(fn, x, "dim out of range", dim=(0, -4))


def main():
    lines = []
    names = set()
    for name, inputs, fn in CASES:
        assert name not in names, name
        names.add(name)
        lines.append("=== " + name)
        lines += run_case(name, inputs, fn, messages_2x=MESSAGES_2X, node_2x={"CloneBackward0": "FftC2CBackward0"})
    with open(os.path.join(HERE, "expected.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print(len(CASES), "cases")


if __name__ == "__main__":
    main()
