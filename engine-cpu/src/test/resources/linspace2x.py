# PyTorch 2.x's CPU linspace (and what builds on it: affine_grid's base grid) emulated on PyTorch 1.13, for the
# generators whose expected values go through linspace. Import it after torch:
#   sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
#   from linspace2x import linspace2x, affine_grid2x  # noqa: E402
#
# Why (session 62): 1.13's linspace_kernel (aten/src/ATen/native/cpu/RangeFactoriesKernel.cpp) runs
# cpu_serial_kernel_vec, whose vector passes (two Vectorized of 8 float32 / 4 float64 lanes on AVX2, 16 / 8 on AVX512)
# start each vector at the scalar formula and go on by Vectorized::arange's base + j * step: from the 16th float32 /
# 8th float64 value on the last bits differ from 2.x's. 2.x removed those passes ("Remove vectorization implementation,
# due to the precision issue between integer and double") and computes EVERY value with cpu_serial_kernel:
#   step_t = double for an integer type, else scalar_t (float, double, c10::Half, c10::BFloat16, c10::complex<T>)
#   start = start.to<scalar_t>(), end = end.to<scalar_t>() (checked)
#   step = (static_cast<step_t>(end) - static_cast<step_t>(start)) / (steps - 1)
#   halfway = steps / 2
#   value idx = idx < halfway ? start + step * idx : end - step * (steps - idx - 1)
# in step_t, the int64 index converted to step_t; the kernel file is built once per CPU capability and GCC contracts
# the product and the sum into one fused multiply-add on the FMA builds (AVX2, AVX512), not on DEFAULT. Ember follows
# 2.x (Creation.kernelLinspace), so every expected value that goes through linspace is written from this emulation.
#
# The capability is ATEN_CPU_CAPABILITY as PyTorch reads it (avx512 / avx2 / default; unset: AVX2, this machine's);
# only DEFAULT rounds differently (no fusion). Self-check (run this file, also under ATEN_CPU_CAPABILITY=default):
# integer dtypes and fewer steps than 1.13's vector pass (16 float32, 8 float64 and complex64, 4 complex128 on AVX2),
# where 1.13's answer is the scalar formula too, equal torch.linspace of 1.13 bit for bit, and so do infinite ends and
# overflowing steps (NaN and infinities, where the fused and the unfused results agree), and affine_grid2x equals
# 1.13's F.affine_grid on grids of fewer points per axis.
import math
import os
from fractions import Fraction

import numpy as np
import torch

_INTS = (torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8)
# 1.13's own linspace, kept should a generator replace torch.linspace with linspace2x
_linspace113 = torch.linspace


def fused():
    """Whether the capability's build fuses start + step * idx (every capability but DEFAULT)."""
    return os.environ.get("ATEN_CPU_CAPABILITY", "avx2").strip().lower() != "default"


def _exact_zero(a, b, c):
    """a * b + c whose exact value is zero, with IEEE's sign (a Fraction has no -0): the sum of two zeros keeps their
    sign when they share it (linspace(-0.0, -1.0, n)[0] is -0.0), else, and for a cancellation of nonzero terms, +0.0."""
    return a * b + c if (a == 0 or b == 0) and c == 0 else 0.0


def _fma64(a, b, c):
    """a * b + c rounded once to double."""
    r = Fraction(a) * Fraction(b) + Fraction(c)
    return float(r) if r != 0 else _exact_zero(a, b, c)


def _round32(x):
    """The Fraction x rounded once to float32 (nearest, ties to even), as a Python float."""
    f = np.float32(float(x))  # double rounding is possible here: pick the nearest of the neighbours exactly
    best = None
    for c in (f, np.nextafter(f, np.float32(np.inf)), np.nextafter(f, np.float32(-np.inf))):
        if not np.isfinite(c):
            continue
        key = (abs(Fraction(float(c)) - x), int(np.array(c, dtype=np.float32).view(np.int32)) & 1)
        if best is None or key < best[0]:
            best = (key, c)
    return float(best[1]) if best is not None else float(f)


def _finite(*xs):
    return all(math.isfinite(x) for x in xs)


def _f64(s, e, st, i, steps, half, fma):
    fma = fma and _finite(s, e, st)  # an infinity or NaN operand: the fused and the unfused results agree
    if i < half:
        return _fma64(st, i, s) if fma else s + st * float(i)
    k = float(steps - i - 1)
    return _fma64(-st, k, e) if fma else e - st * k


def _f32(s, e, st, i, steps, half, fma):
    f = np.float32
    fma = fma and _finite(s, e, st)
    if i < half:
        if fma:
            r = Fraction(st) * Fraction(float(f(i))) + Fraction(s)
            return _round32(r) if r != 0 else _exact_zero(st, float(i), s)
        return float(f(f(s) + f(f(st) * f(i))))
    k = float(f(steps - i - 1))
    if fma:
        r = Fraction(e) - Fraction(st) * Fraction(k)
        return _round32(r) if r != 0 else _exact_zero(-st, k, e)
    return float(f(f(e) - f(f(st) * f(k))))


def linspace2x(start, end, steps, dtype=None):
    """torch.linspace(start, end, steps, dtype=dtype) as PyTorch 2.x's CPU kernel computes it (see above); a tensor."""
    with np.errstate(all="ignore"):  # infinities and NaN as IEEE arithmetic makes them, without numpy's warnings
        return _linspace2x(start, end, steps, dtype)


def _linspace2x(start, end, steps, dtype):
    dt = dtype if dtype is not None else torch.get_default_dtype()
    if steps <= 1:
        return _linspace113(start, end, steps, dtype=dt)  # negative refused, 0 empty, 1 the start: as 2.x
    half = steps // 2
    fma = fused()
    # the ends converted (checked) to the type: the two-step linspace refuses an end the type cannot hold as 2.x
    # does, and for finite ends is exactly [start, end] in the type (1.13's scalar formula with step * 0); a floating
    # type takes the conversion itself (an infinite end would make the two-step values NaN)
    ends = _linspace113(start, end, 2, dtype=dt)
    if dt.is_floating_point or dt.is_complex:
        ends = torch.tensor([float(start), float(end)], dtype=torch.float64).to(dt)
    if dt.is_complex:
        ends = ends.real
    s, e = (float(x) for x in ends.tolist())
    if dt in _INTS:
        st = (e - s) / (steps - 1)
        v = [_f64(s, e, st, i, steps, half, fma) for i in range(steps)]
        return torch.tensor([math.trunc(x) for x in v], dtype=torch.int64).to(dt)
    if dt in (torch.float64, torch.complex128):
        st = (e - s) / (steps - 1)
        v = [_f64(s, e, st, i, steps, half, fma) for i in range(steps)]
        return torch.tensor(v, dtype=torch.float64).to(dt)
    if dt in (torch.float32, torch.complex64):
        # c10::complex<float> steps as float in its real part (complex / int64 and complex * int64 convert the
        # integer to float), its imaginary part 0
        st = float(np.float32(np.float32(e) - np.float32(s)) / np.float32(steps - 1))
        v = [_f32(s, e, st, i, steps, half, fma) for i in range(steps)]
        return torch.tensor(v, dtype=torch.float32).to(dt)
    if dt in (torch.float16, torch.bfloat16):
        # c10's Half / BFloat16 operators compute in float and round each result to the type (nothing to fuse)
        f = np.float32

        def h(x):
            return float(torch.tensor(float(x), dtype=torch.float32).to(dt))
        st = h(f(h(f(e) - f(s))) / f(h(steps - 1)))
        v = [h(f(s) + f(h(f(st) * f(h(i))))) if i < half else h(f(e) - f(h(f(st) * f(h(steps - i - 1)))))
             for i in range(steps)]
        return torch.tensor(v, dtype=torch.float32).to(dt)
    return _linspace113(start, end, steps, dtype=dt)  # bool and the rest: 1.13's refusal, as 2.x's


def linspace_from_neg_one(num_steps, align_corners, dtype):
    """ATen's linspace_from_neg_one (AffineGridGenerator.cpp) on linspace2x: 0 for one step, else linspace(-1, 1)
    scaled by (num_steps - 1) / num_steps without align_corners (a product by an int, then a division by an int)."""
    if num_steps <= 1:
        return torch.tensor(0, dtype=dtype)
    r = linspace2x(-1, 1, num_steps, dtype)
    if not align_corners:
        r = r * (num_steps - 1) / num_steps
    return r


def affine_grid2x(theta, size, align_corners):
    """F.affine_grid(theta, size, align_corners) as ATen's affine_grid_generator builds it, on linspace2x: the base
    grid [N, H, W, 3] (x, y, 1) or [N, D, H, W, 4] (x, y, z, 1), then base_grid.view(N, H*W, 3).bmm(theta.transpose(1,
    2)) (torch's own bmm, so only linspace's bits differ from 1.13's F.affine_grid). Differentiable in theta: the base
    grid is a constant."""
    size = list(size)
    n = size[0]
    sp = size[2:]
    k = len(sp)
    base = torch.empty([n] + sp + [k + 1], dtype=theta.dtype)
    with torch.no_grad():
        base.select(-1, 0).copy_(linspace_from_neg_one(sp[-1], align_corners, theta.dtype))
        base.select(-1, 1).copy_(linspace_from_neg_one(sp[-2], align_corners, theta.dtype).unsqueeze(-1))
        if k == 3:
            base.select(-1, 2).copy_(linspace_from_neg_one(sp[0], align_corners, theta.dtype).unsqueeze(-1).unsqueeze(-1))
        base.select(-1, k).fill_(1)
    pts = 1
    for v in sp:
        pts *= v
    grid = base.view(n, pts, k + 1).bmm(theta.transpose(1, 2))
    return grid.view([n] + sp + [k])


def _self_check():
    bad = 0
    for dt in (torch.float32, torch.float64, torch.complex64, torch.complex128, torch.int64, torch.int32, torch.int16,
               torch.int8, torch.uint8, torch.float16, torch.bfloat16):
        # 1.13's vector passes take two vectors (AVX2: 8 float32, 4 float64, 4 complex64, 2 complex128 lanes)
        small = {torch.float64: 8, torch.complex64: 8, torch.complex128: 4}.get(dt, 16)
        for steps in range(2, small if dt not in _INTS else 40):
            for s, e in ((-1, 1), (0, 1), (-3.7, 9.25), (5, -5), (1e-30, 3e-30), (0, 100), (3, 3)):
                if dt in _INTS:
                    s, e = int(s), int(e)
                    if dt == torch.uint8:
                        s, e = abs(s), abs(e)
                a = linspace2x(s, e, steps, dt)
                b = torch.linspace(s, e, steps, dtype=dt)
                if dt in _INTS and steps >= 8 and not torch.equal(a, b):
                    continue  # 1.13's integer vector passes differ there (non-monotone), as expected
                same = torch.equal(torch.view_as_real(a), torch.view_as_real(b)) if dt.is_complex else torch.equal(a, b)
                if not same:
                    bad += 1
                    print("differs", dt, s, e, steps, a.tolist(), b.tolist())
    # affine_grid with fewer points per axis than 1.13's vector pass: 1.13's F.affine_grid bit for bit
    g = torch.Generator().manual_seed(0)
    for dt in (torch.float32, torch.float64):
        for size in ([2, 3, 5, 7], [1, 1, 15 if dt == torch.float32 else 7, 3], [2, 1, 3, 4, 5]):
            theta = torch.randn(size[0], len(size) - 2, len(size) - 1, generator=g, dtype=dt)
            for ac in (False, True):
                if not torch.equal(affine_grid2x(theta, size, ac),
                                   torch.nn.functional.affine_grid(theta, size, align_corners=ac)):
                    bad += 1
                    print("affine_grid differs", dt, size, ac)
    # and where they differ (from the 16th float32 value on): 2.x's scalar formula is not 1.13's vector passes
    # infinities and NaN: the unfused arithmetic, which the fused one equals there
    for dt in (torch.float32, torch.float64):
        for s, e, steps in ((float("inf"), 0, 5), (0, float("nan"), 3), (-3e38, 3e38, 4)):
            a, b = linspace2x(s, e, steps, dt), torch.linspace(s, e, steps, dtype=dt)
            if not torch.equal(a.isnan(), b.isnan()) or not torch.equal(a.nan_to_num(), b.nan_to_num()):
                bad += 1
                print("differs", dt, s, e, steps, a.tolist(), b.tolist())
    d32 = int((linspace2x(-3.7, 9.25, 100, torch.float32) != torch.linspace(-3.7, 9.25, 100)).sum())
    d64 = int((linspace2x(-3.7, 9.25, 100, torch.float64) != torch.linspace(-3.7, 9.25, 100, dtype=torch.float64)).sum())
    print("self-check:", "ok" if bad == 0 else "%d differences" % bad, "(linspace(-3.7, 9.25, 100): %d float32 and %d "
          "float64 values differ from 1.13's)" % (d32, d64))


if __name__ == "__main__":
    _self_check()
