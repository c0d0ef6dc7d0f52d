# Expected values for engine-cpu's ComplexExpBitsTest: complex exp as PyTorch 2.x computes it on the CPU.
#
# PyTorch 2.x's Vectorized<c10::complex<float>>::exp and Vectorized<c10::complex<double>>::exp (vec256/vec512
# vec*_complex_{float,double}.h) are map(std::exp), and its scalar loop calls std::exp too: every element is the C
# library's cexpf / cexp (libstdc++'s std::exp(std::complex) is __builtin_cexp), glibc's s_cexp_template.c with its own
# sincosf/expf (sincos/exp for complex128). PyTorch 1.13, installed here, computes Sleef's exp times Sleef's sine and
# cosine instead (so exp(inf+0j) is inf+nanj there, inf+0j in 2.x), so this generator emulates 2.x by calling glibc
# directly through ctypes on this machine (x86-64 with FMA: glibc's __sincosf_fma and __expf_fma builds; Debian glibc
# 2.36). Run with /usr/bin/python3 from this folder; the inputs come from a seeded generator, so a rerun writes the same
# bytes.
#
# Files (little-endian): z64.bin the complex64 inputs (float32 pairs, re then im), exp64.bin cexpf of each (float32
# pairs, every bit as glibc returned it, NaN signs included); z128.bin and exp128.bin the same for complex128 (float64,
# cexp). The inputs, per dtype: the special-value grid (every pair of 0, -0, +-1, +-2.5, pi/2, tiny, the smallest
# normal and a subnormal with both signs, the largest finite, the real parts where cexp scales (t = 88 or 709: t, just
# above, 2t and 3t and beyond) and where exp underflows, +-inf and NaN), then random finite values: the ordinary range
# (re in [-10, 10], im in [-4, 4]), magnitudes from 1e-30 to 1e2 in the real part and up to 1e30 in the imaginary one
# (sincosf's large reduction), real parts near overflow (up to 4t) and imaginary parts within a few ulps of multiples of
# pi/2 (k up to 80, and some k near 2^20). Last, glibc's double exp alone (dexp_x.bin, dexp.bin: see below).
import ctypes
import math

import numpy as np

libm = ctypes.CDLL("libm.so.6")


class CF(ctypes.Structure):
    _fields_ = [("re", ctypes.c_float), ("im", ctypes.c_float)]


class CD(ctypes.Structure):
    _fields_ = [("re", ctypes.c_double), ("im", ctypes.c_double)]


libm.cexpf.restype = CF
libm.cexpf.argtypes = [CF]
libm.cexp.restype = CD
libm.cexp.argtypes = [CD]

rng = np.random.default_rng(52006)


def inputs(npt, t):
    fi = np.finfo(npt)
    tiny = float(fi.tiny)
    sub = float(np.nextafter(npt(0), npt(1))) * 3
    parts = [0.0, -0.0, 1.0, -1.0, 2.5, -2.5, math.pi / 2, 1e-5, -1e-5, tiny, -tiny, sub, -sub, float(fi.max),
             -float(fi.max), float(t), float(np.nextafter(npt(t), npt(1e9))), 2.0 * t + 0.5, 3.0 * t + 1.0,
             4.0 * t, -1.2 * t, -1.5 * t, math.inf, -math.inf, math.nan, -math.nan]
    grid = [(a, b) for a in parts for b in parts]
    n = 3000
    ordinary = list(zip(rng.uniform(-10, 10, n), rng.uniform(-4, 4, n)))
    sign = lambda k: rng.choice([-1.0, 1.0], k)
    mags = list(zip(sign(n) * 10.0 ** rng.uniform(-30, 2, n), sign(n) * 10.0 ** rng.uniform(-30, 30, n)))
    over = list(zip(rng.uniform(0.9 * t, 4.1 * t, n), rng.uniform(-7, 7, n)))
    halfpi = []
    for k in list(range(-80, 81)) + [2 ** 20 - 1, 2 ** 20, 2 ** 20 + 1]:
        base = npt(k * math.pi / 2)
        for j in range(-3, 4):
            v = base
            for _ in range(abs(j)):
                v = np.nextafter(v, npt(math.copysign(math.inf, j)))
            halfpi.append((rng.uniform(-5, 5), float(v)))
    z = np.array(grid + ordinary + mags + over + halfpi, npt)
    return z


def run(npt, t, struct, fn):
    z = inputs(npt, t)
    out = np.empty_like(z)
    for k in range(len(z)):
        r = fn(struct(z[k, 0], z[k, 1]))
        out[k] = (r.re, r.im)
    return z, out


z, e = run(np.float32, 88, CF, libm.cexpf)
z.astype("<f4").tofile("z64.bin")
e.astype("<f4").tofile("exp64.bin")
z, e = run(np.float64, 709, CD, libm.cexp)
z.astype("<f8").tofile("z128.bin")
e.astype("<f8").tofile("exp128.bin")
print(len(z), "inputs per dtype")

# glibc's double exp alone (cexp's, LibmDouble.exp): dexp_x.bin the inputs, dexp.bin exp of each (float64): the
# ordinary range, the ranges where e_exp.c's specialcase scales (|x| above 512, subnormal results), tiny inputs, random
# bit patterns and the edges
libm.exp.restype = ctypes.c_double
libm.exp.argtypes = [ctypes.c_double]
dx = np.concatenate([rng.uniform(-10, 10, 4000), rng.uniform(-760, 720, 12000), rng.uniform(-1e-8, 1e-8, 500),
                     rng.integers(0, 2 ** 64, 2000, dtype=np.uint64).view(np.float64),
                     np.array([0.0, -0.0, math.inf, -math.inf, math.nan, 709.782712893384, 709.7827128933841,
                               -745.1332191019411, -745.1332191019412, -708.39641853226408, 512.0, -512.0, 2.0 ** -54,
                               -(2.0 ** -55)])])
np.array([libm.exp(v) for v in dx.tolist()]).astype("<f8").tofile("dexp.bin")
dx.astype("<f8").tofile("dexp_x.bin")
