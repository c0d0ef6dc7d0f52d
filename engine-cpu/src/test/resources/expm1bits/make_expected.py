# Writes the expected bits for Expm1SleefBitsTest: PyTorch's float32 expm1 (Sleef_expm1f8_u10), glibc's expm1f, and
# the float32 elu / selu / celu forward as PyTorch 2.x computes them. Run with /usr/bin/python3 (PyTorch 1.13, Debian's
# build, linked to the system's libsleef 3.5.1; glibc 2.36) from this folder.
#
# What computes them.
#  * torch.expm1 (float32): ATen's IMPLEMENT_FLOAT_KERNEL(expm1) (UnaryOpsKernel.cpp) runs vml::vexpm1, which is
#    vec::map of Vectorized<float>::expm1 = Sleef_expm1f8_u10 (AVX2; Sleef_expm1f16_u10 with AVX-512, the same
#    algorithm) on every element, the last partial vector through a partial load; a strided operand goes through a
#    contiguous buffer (MKL's vmsExpm1 is commented out in vml.h, "expm1(nan)=-1 on some configs"). Unchanged in 2.x.
#    Sleef's xexpm1f is expk2f((a, 0)) + -1 (dfadd2), summed, +inf above 88.72283172607421875f, -1 below
#    -16.635532333438687f, -0 for -0: the same in Sleef 3.5.1 and 3.6 to 3.9 (2.x bundles 3.6+; only Sleef's 2017
#    sources had the bound 88.72283905206835f, whose float is one up and gives NaN on 0x42b17218).
#  * glibc's expm1f (ctypes, libm.so.6): std::expm1(float), the scalar form of PyTorch's elu kernel.
#  * elu (2.x): aten/src/ATen/native/cpu/Elu.h (PyTorch 2.x main; the elu_kernel of Activation.cpp uses it), with
#    negcoef = alpha.to<float>() * scale.to<float>(), poscoef = scale, negiptcoef = input_scale (celu: 1 / alpha in
#    double, then float), the vectorized form over whole passes of cpu_kernel_vec's loop (2 vectors: 16 floats on AVX2,
#    32 on AVX-512):  x >= 0 ? x * poscoef : expm1(x * negiptcoef) * negcoef  with Sleef's expm1 (Vectorized::expm1),
#    the scalar form over the rest and over strided runs:  x < 0 ? std::expm1(x * negiptcoef) * negcoef : x * poscoef
#    with glibc's expm1f. PyTorch 1.13 computes elu as (exp(x * negiptcoef) - 1) * negcoef instead (its old
#    Activation.cpp), so the elu files are not 1.13's F.elu: they are 2.x's formula in float32 arithmetic (numpy's
#    float32 products, each rounded once as C's float products are) on 1.13's torch.expm1 bits (the vector form) and
#    glibc's expm1f (the scalar form). Both forms are written for every input; the test picks by position.
#
# Files (little-endian int32 bit patterns; N = 32768):
#   inputs.bin         N inputs: special values (+-0, NaNs of both signs and payloads, +-inf, the largest and smallest
#                      floats, subnormals), the floats around Sleef's bounds (88.7228..., -16.6355..., -104) and glibc's
#                      (27 ln 2, 88.72, 0.5 ln 2, 1.5 ln 2, 2^-25), dense runs of consecutive floats from 0, -1, 1,
#                      -2^-10, 2^-24, random floats uniform on (-1, 1), (-20, 90), (-17, 0), Gaussian, of random
#                      magnitude, and random bit patterns (a seeded numpy generator), in that order;
#   expm1.bin          torch.expm1 of inputs.bin as one contiguous tensor (Sleef's expm1f on every element);
#   expm1_glibc.bin    glibc's expm1f of each input;
#   <act>_vec.bin, <act>_scalar.bin   for act in elu1 (alpha 1), elu07 (alpha 0.7), selu, celu13 (celu alpha 1.3): the
#                      2.x forward's vectorized and scalar forms on each input;
#   grad.bin           N incoming gradients (Gaussian, a seeded numpy generator);
#   <act>_bwd_vec.bin, <act>_bwd_scalar.bin   for act in elu1, selu, celu13: the two forms of the gradient of the
#                      out-of-place forward at inputs.bin under grad.bin (ATen's elu_backward, is_result false, the
#                      same in 1.13 and 2.x: see backward_forms), checked against PyTorch's own gradients (AVX2) on the
#                      whole, on elements 5 .. N - 32 (a scalar tail of 11) and on a stride-2 view (scalar form);
#   crc.txt            CRC32 of torch.expm1's output bytes and of glibc's over inputs the test generates the same way:
#                      the 2^20 bit patterns i * 4099 (mod 2^32) and four dense runs of 2^16 floats (DENSE).
import ctypes
import struct
import zlib

import numpy as np
import torch

torch.set_num_threads(1)
assert "CPU capability usage: AVX" in torch.__config__.show(), "run with an AVX2/AVX-512 capability"

N = 32768
STRIDE = 4099
STRIDED = 1 << 20
DENSE = [0x00000000, 0xbf800000, 0xc1800000, 0x3d000000]
DENSE_LEN = 1 << 16

libm = ctypes.CDLL("libm.so.6")
_expm1f = libm.expm1f
_expm1f.restype = ctypes.c_float
_expm1f.argtypes = [ctypes.c_float]


def glibc_expm1f(bits):
    out = np.empty(len(bits), dtype=np.float32)
    xs = bits.view(np.float32)
    for i, v in enumerate(xs.tolist()):
        out[i] = _expm1f(v)
    return out.view(np.int32)


def sleef_expm1f(bits):
    return torch.expm1(torch.from_numpy(bits.copy().view(np.float32))).numpy().view(np.int32)


def f2b(v):
    return struct.unpack("<i", struct.pack("<f", v))[0]


def around(v, k):
    b = f2b(v)
    return [b + d for d in range(-k, k + 1)]


def stored_inputs():
    u = lambda b: b - (1 << 32) if b >= 1 << 31 else b
    xs = [u(b) for b in [0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7fc00001,
                         0x7f800001, 0xff800001, 0x7fffffff, 0xffffffff, 0x00000001, 0x80000001, 0x007fffff,
                         0x807fffff, 0x00800000, 0x80800000, 0x7f7fffff, 0xff7fffff, 0x3f800000, 0xbf800000,
                         0x33000000, 0xb3000000, 0x32ffffff, 0xb2ffffff, 0x4195b844, 0xc195b844, 0x4195b843,
                         0xc195b843, 0x42b17218, 0xc2b17218, 0x42b17217, 0x42b17180, 0x42b17181, 0x3eb17218,
                         0xbeb17218, 0x3eb17219, 0xbeb17219, 0x3f851592, 0xbf851592, 0x3f851591, 0xbf851591]]
    for v in [88.72283172607421875, 88.72283905206835, -16.635532333438687, -104.0, -103.9, 88.0, -88.0, 0.5, -0.5,
              0.25, -0.25, 0.34657359, -0.34657359, 1.0397208, -1.0397208, 18.714973875, -18.714973875, 1e-3,
              -1e-3, 2.0 ** -24, -(2.0 ** -24), 2.0 ** -126, -(2.0 ** -126), 38.81, -38.81, 40.2, 60.0, -60.0]:
        xs += around(v, 40)
    for start in [0x00000000, 0x80000000, 0xbf800000, 0x3f800000, 0xba800000, 0x33800000]:
        xs += [u(start + d) for d in range(512)]
    rng = np.random.default_rng(58)
    parts = [rng.uniform(-1, 1, 4096), rng.uniform(-20, 90, 4096), rng.uniform(-17, 0, 2048),
             rng.standard_normal(2048) * 3, rng.standard_normal(2048) * np.exp2(rng.integers(-40, 8, 2048))]
    for p in parts:
        xs += p.astype(np.float32).view(np.int32).tolist()
    xs += rng.integers(-(1 << 31), (1 << 31) - 1, N - len(xs)).tolist()
    assert len(xs) == N
    return np.array(xs, dtype=np.int64).astype(np.int32)


def crc_inputs():
    i = np.arange(STRIDED, dtype=np.int64)
    parts = [((i * STRIDE) % (1 << 32)).astype(np.uint32).view(np.int32)]
    r = np.arange(DENSE_LEN, dtype=np.int64)
    for start in DENSE:
        parts.append(((r + start) % (1 << 32)).astype(np.uint32).view(np.int32))
    return parts


ACTS = {"elu1": (1.0, 1.0, 1.0), "elu07": (0.7, 1.0, 1.0),
        "selu": (1.6732632423543772848170429916717, 1.0507009873554804934193349852946, 1.0),
        "celu13": (1.3, 1.0, 1.0 / 1.3)}


def elu_forms(bits, expm1_sleef_of, alpha, scale, input_scale):
    f = np.float32
    negcoef = f(alpha) * f(scale)
    poscoef = f(scale)
    negiptcoef = f(input_scale)
    x = bits.view(np.float32)
    with np.errstate(all="ignore"):
        arg = x * negiptcoef  # float32 products
        sleef = expm1_sleef_of(arg.view(np.int32)).view(np.float32)
        glibc = glibc_expm1f(arg.view(np.int32)).view(np.float32)
        vec = np.where(x >= 0, x * poscoef, sleef * negcoef).astype(np.float32)
        scalar = np.where(x < 0, glibc * negcoef, x * poscoef).astype(np.float32)
    return vec.view(np.int32), scalar.view(np.int32)


BACKWARD = {"elu1": (lambda x: torch.nn.functional.elu(x, 1.0), 1.0, 1.0, 1.0),
            "selu": (torch.nn.functional.selu, 1.6732632423543772848170429916717,
                     1.0507009873554804934193349852946, 1.0),
            # derivatives.yaml: celu's backward is elu_backward(grad, alpha, 1, 1.0 / alpha.toFloat(), false, self)
            "celu13": (lambda x: torch.nn.functional.celu(x, 1.3), 1.3, 1.0, 1.0 / float(np.float32(1.3)))}

_expf = libm.expf
_expf.restype = ctypes.c_float
_expf.argtypes = [ctypes.c_float]


def backward_forms(x_bits, g_bits, alpha, scale, input_scale):
    """elu_backward (is_result false) on the input, unchanged from 1.13 to 2.x: the vectorized form
    x > 0 ? g * poscoef : ((g * negiptcoef) * negcoef) * exp(x * negiptcoef) with Sleef's expf (torch.exp), NaN taking
    the second; the scalar form x <= 0 ? ((g * negiptcoef) * negcoef) * exp(x * negiptcoef) : g * poscoef with glibc's
    expf, NaN taking the second."""
    f = np.float32
    negcoef = f(alpha) * f(scale)
    poscoef = f(scale)
    negiptcoef = f(input_scale)
    x = x_bits.view(np.float32)
    g = g_bits.view(np.float32)
    with np.errstate(all="ignore"):
        arg = x * negiptcoef
        sleef = torch.exp(torch.from_numpy(arg.copy())).numpy()
        glibc = np.array([_expf(v) for v in arg.tolist()], dtype=np.float32)
        gn = (g * negiptcoef) * negcoef
        vec = np.where(x > 0, g * poscoef, gn * sleef).astype(np.float32)
        scalar = np.where(x <= 0, gn * glibc, g * poscoef).astype(np.float32)
    return vec.view(np.int32), scalar.view(np.int32)


def autograd_bits(f, x_bits, g_bits, view):
    base = torch.from_numpy(x_bits.copy().view(np.float32))
    x = view(base).detach().requires_grad_(True)
    f(x).backward(torch.from_numpy(g_bits.copy().view(np.float32)))
    return x.grad.contiguous().numpy().view(np.int32)


def check_backward(name, f, x, g, vec, scalar):
    """PyTorch's own gradients (AVX2 here: passes of 16) are the forms picked by position, NaN as NaN."""
    def same(a, b):
        fa, fb = a.view(np.float32), b.view(np.float32)
        return bool(np.all((a == b) | (np.isnan(fa) & np.isnan(fb))))
    n = len(x)
    want = np.where(np.arange(n) < n - n % 16, vec, scalar)
    assert same(autograd_bits(f, x, g, lambda t: t), want), name
    m = n - 37
    want = np.where(np.arange(m) < m - m % 16, vec[5:5 + m], scalar[5:5 + m])
    assert same(autograd_bits(f, x[5:5 + m], g[5:5 + m], lambda t: t), want), name + " tail"
    assert same(autograd_bits(f, x, g, lambda t: torch.stack([t, -t], 1)[:, 0]), scalar), name + " strided"


def write(name, bits):
    with open(name, "wb") as fh:
        fh.write(bits.astype("<i4").tobytes())


def main():
    x = stored_inputs()
    write("inputs.bin", x)
    write("expm1.bin", sleef_expm1f(x))
    write("expm1_glibc.bin", glibc_expm1f(x))
    for name, (alpha, scale, input_scale) in ACTS.items():
        vec, scalar = elu_forms(x, sleef_expm1f, alpha, scale, input_scale)
        write(name + "_vec.bin", vec)
        write(name + "_scalar.bin", scalar)
    g = np.random.default_rng(59).standard_normal(N).astype(np.float32).view(np.int32)
    write("grad.bin", g)
    xs = x.view(np.float32)
    assert "CPU capability usage: AVX2" in torch.__config__.show(), "the backward check assumes passes of 16"
    for name, (f, alpha, scale, input_scale) in BACKWARD.items():
        vec, scalar = backward_forms(x, g, alpha, scale, input_scale)
        check_backward(name, f, x, g, vec, scalar)
        write(name + "_bwd_vec.bin", vec)
        write(name + "_bwd_scalar.bin", scalar)
    lines = []
    for k, p in enumerate(crc_inputs()):
        lines.append("sleef %d %08x" % (k, zlib.crc32(sleef_expm1f(p).astype("<i4").tobytes())))
        lines.append("glibc %d %08x" % (k, zlib.crc32(glibc_expm1f(p).astype("<i4").tobytes())))
    with open("crc.txt", "w") as fh:
        fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
