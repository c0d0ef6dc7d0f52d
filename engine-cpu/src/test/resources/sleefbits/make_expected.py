# Writes the expected bits for SleefBitsTest: PyTorch 1.13's float32 torch.exp, torch.tanh and torch.log on the CPU.
# Run with /usr/bin/python3 (PyTorch 1.13, Debian's build, linked to the system's libsleef 3.5.1) from this folder.
#
# What computes them: ATen's IMPLEMENT_VML kernels (UnaryOpsKernel.cpp) run Vectorized<float>::exp/tanh/log, which
# call Sleef_expf8_u10, Sleef_tanhf8_u10 and Sleef_logf8_u10 (AVX2; Sleef_*f16_u10 with AVX-512), for contiguous
# and strided tensors alike (a strided operand goes through a contiguous buffer). Probed on this machine (AMD EPYC,
# AVX-512): the capability is AVX2 unless ATEN_CPU_CAPABILITY says otherwise; ATEN_CPU_CAPABILITY=avx512 gives the
# same bits as avx2 for all three (16.7M-input ranges around 0.5, 2, 32, 1/64 and their negatives, no difference);
# ATEN_CPU_CAPABILITY=default runs the scalar std::exp/tanh/log (glibc) lane by lane instead, other bits (the
# correctly rounded float but for about 1 in 2000 inputs of exp, where glibc's expf is within 0.502 ulp). Sleef's
# xexpf, xtanhf (expk2f) and xlogf_u1 are the same in Sleef 3.5.1 and 3.9 (PyTorch 2.x bundles 3.6+), so 2.x's
# wheels give these bits too. The script checks the capability is not DEFAULT.
#
# Files (little-endian int32 bit patterns):
#   inputs.bin           the stored inputs: special values, the first and last three floats of every binade of both
#                        signs, the floats around each function's thresholds, and 12288 random bit patterns (a seeded
#                        torch generator), in that order;
#   exp.bin, tanh.bin, log.bin   the outputs for inputs.bin;
#   act_inputs.bin, gelu_tanh.bin   4103 inputs (Gaussian * 4, then the specials) and the outputs of
#                        F.gelu(approximate='tanh') on them as one contiguous tensor: ATen's cpu_kernel_vec runs the
#                        vectorized form (Sleef's tanh) over whole pairs of AVX2 vectors, its scalar form (glibc's
#                        tanhf) over the last 4103 mod 16 = 7;
#   gelu_tanh_bwd_grad.bin, gelu_tanh_bwd.bin   4103 incoming gradients (Gaussian) and the gradient of
#                        F.gelu(act_inputs, approximate='tanh') under them (GeluBackwardKernelImpl's tanh branch:
#                        cpu_kernel_vec, its vectorized form with Sleef's tanh over whole pairs of AVX2 vectors, its
#                        scalar form with glibc's tanhf over the last 7);
#   gelu_tanh_bwd_strided_in.bin, gelu_tanh_bwd_strided_grad.bin, gelu_tanh_bwd_strided.bin   8192 inputs
#                        (Gaussian * 4) and gradients of which the even elements form the strided operands (stride 2,
#                        so cpu_kernel_vec's scalar form throughout), and the 4096 gradients it gives;
#   softmax_in.bin, softmax1.bin   a [4, 37, 45] Gaussian * 3 tensor and its softmax over dim 1: ATen's _vec_softmax,
#                        8 inner positions a lane each (Sleef's exp), the last 45 mod 8 = 5 by its scalar tail
#                        (glibc's expf); one thread, so the range is one chunk;
#   softmax_in_avx512.bin, softmax1_avx512.bin   the same under ATEN_CPU_CAPABILITY=avx512 (2.x's default dispatch
#                        on this AVX-512 machine): 16 inner positions a lane each, the last 45 mod 16 = 13 by the
#                        scalar tail; its own [4, 37, 45] Gaussian * 3 (the first seed from 50 whose tail's x - max
#                        all have glibc's expf equal to the nearest float, which Ember stands in for it: softmax_in.bin
#                        has two that do not, at inner 32 and 33);
#   gelu_tails_avx2.txt, gelu_tails_avx512.txt   (session 49) F.gelu(approximate='tanh') of float32 tensors whose sizes
#                        straddle the vectorized loop's passes (2 vectors: 16 floats on AVX2, 32 on AVX-512, the
#                        capability 2.x dispatches to here): n = 32k + d for k = 1..3, d = -17..17; around 32768,
#                        65536 and 2 * 65536 (Ember cuts a contiguous tensor of 65536 or more across its threads);
#                        100003; and x[:, :75] of a [900, 100] tensor (rows: a tail of 75 mod 16 or 32 per row), each
#                        under that capability in a subprocess, one thread (PyTorch's bits with several threads depend
#                        on where at::parallel_for cuts the range: divup(n, threads)). Element i of a case (row-major)
#                        is pool[i mod 251], gelu_pool.bin: inputs whose two forms differ (see gelu_pool), so every
#                        element computed in the wrong form shows. One line per case: its name, the CRC32 of the
#                        output's little-endian bytes, the count of elements where PyTorch's output is not its
#                        vectorized form's (the same input inside a run of whole passes), which its scalar form
#                        (glibc's tanhf) computed, and their indices where at most 64;
#   crc.txt              CRC32 of the outputs' little-endian bytes over inputs generated the same way in the test:
#                        the 2^21 bit patterns i * 2053 (mod 2^32), i < 2^21 (all binades, 2053 apart), and seven dense
#                        runs of 2^18 consecutive bit patterns from the starts listed in DENSE.
import os
import struct
import subprocess
import sys
import zlib

import torch

torch.set_num_threads(1)
cap = torch.__config__.show()
assert "CPU capability usage: AVX" in cap, "run on an AVX2/AVX-512 capability (ATEN_CPU_CAPABILITY unset)"
# softmax1.bin holds AVX2's tail (this build's default here); the --tails subprocesses set their own capability
assert "CPU capability usage: AVX2" in cap or "--tails" in sys.argv, "run with ATEN_CPU_CAPABILITY unset (AVX2 here)"

FUNCS = ["exp", "tanh", "log"]
STRIDE = 2053
STRIDED = 1 << 21
DENSE = [0x3f800000, 0xbf800000, 0x42a00000, 0xc2c80000, 0x41000000, 0x00000000, 0x3c000000]
DENSE_LEN = 1 << 18


def f2b(v):
    return struct.unpack("<i", struct.pack("<f", v))[0]


def near(v, k=3):
    b = f2b(v)
    return [b + d for d in range(-k, k + 1)]


def stored_inputs():
    xs = []
    specials = [0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7fc00001, 0x7f800001,
                0xff800001, 0x7fffffff, 0xffffffff, 0x00000001, 0x80000001, 0x007fffff, 0x807fffff, 0x00800000,
                0x80800000, 0x7f7fffff, 0xff7fffff, 0x3f800000, 0xbf800000]
    xs += [s - (1 << 32) if s >= 1 << 31 else s for s in specials]
    for sign in (0, 1 << 31):
        for e in range(256):
            base = sign | (e << 23)
            for m in (0, 1, 2, 0x7ffffd, 0x7ffffe, 0x7fffff):
                b = base | m
                xs.append(b - (1 << 32) if b >= 1 << 31 else b)
    # exp: 100 (inf above), -104 (0 below), the overflow and underflow edges; tanh: 8.664339742 (1 above) and
    # around 0; log: around 1 and FLT_MIN (scaled below)
    for v in [100.0, -104.0, 88.72283, 88.72284, -87.33654, -103.97208, -103.2789, 8.664339742, -8.664339742,
              0.0039, 1.0, 1.5, 0.75, 1.1754944e-38, 0.6931472, -0.6931472, 0.34657359, 9.01, 0.55]:
        xs += near(v)
    g = torch.Generator().manual_seed(48)
    xs += torch.randint(-(1 << 31), (1 << 31) - 1, (12288,), generator=g, dtype=torch.int64).tolist()
    return torch.tensor(xs, dtype=torch.int64).to(torch.int32)


def crc_inputs():
    i = torch.arange(STRIDED, dtype=torch.int64)
    parts = [((i * STRIDE + (1 << 31)) % (1 << 32) - (1 << 31)).to(torch.int32)]
    r = torch.arange(DENSE_LEN, dtype=torch.int64)
    for start in DENSE:
        parts.append(((r + start + (1 << 31)) % (1 << 32) - (1 << 31)).to(torch.int32))
    return parts


def out_bits(name, x):
    return getattr(torch, name)(x.view(torch.float32)).view(torch.int32)


def libm_form(x):
    """Ember's stand-in for PyTorch's scalar form of GELU's tanh form (SleefFloat.geluTanhLibm): PyTorch's float
    formula, x + kappa x^3 fused, with the correctly rounded tanhf in place of glibc's."""
    import math
    from fractions import Fraction
    import numpy as np
    f = np.float32
    beta, kappa = f(math.sqrt(2) * (2 / math.sqrt(math.pi)) * 0.5), f(0.044715)
    x = f(x)
    x3 = f(f(x * x) * x)
    inner = f(beta * f(float(Fraction(float(kappa)) * Fraction(float(x3)) + Fraction(float(x)))))
    t = f(math.tanh(float(inner)))
    return f(f(f(0.5) * x) * f(f(1) + t))


def gelu_pool():
    """251 float32 inputs on which PyTorch's two forms of GELU's tanh form differ (the vectorized one with Sleef's tanh,
    the scalar one with glibc's tanhf) and glibc's agrees with the correctly rounded tanhf Ember stands in for it (on
    most inputs where the forms differ glibc's is the one off by an ulp: Ember cannot tell those), the first found in
    ((7919 i) mod 20011 - 10005) * 0.0007: so that an element computed in the wrong form shows. The scalar form is a
    tensor of one element (all tail), the vectorized form the same value in a run of 64."""
    pool = []
    i = 0
    while len(pool) < 251:
        v = torch.tensor([((i * 7919) % 20011 - 10005) * 0.0007], dtype=torch.float64).to(torch.float32)
        one = torch.nn.functional.gelu(v, approximate="tanh")
        run = torch.nn.functional.gelu(v.repeat(64), approximate="tanh")[:1]
        if one.view(torch.int32).item() != run.view(torch.int32).item() and one.item() == libm_form(v.item()):
            pool.append(v.item())
        i += 1
    return torch.tensor(pool, dtype=torch.float32)


def gelu_tail_cases(pool):
    """(name, input tensor) of the session-49 tail cases: element i of a case's row-major order is pool[i mod 251]."""
    def seq_input(n):
        return pool[torch.arange(n) % pool.numel()]
    sizes = sorted({32 * k + d for k in (1, 2, 3) for d in range(-17, 18)}) + [
        32768 - 17, 32768 + 1, 32768 + 17, 65536 - 1, 65536 + 1, 65536 + 17, 65536 + 31, 100003, 2 * 65536 + 33]
    cases = [("n%d" % n, seq_input(n)) for n in sizes]
    cases.append(("rows900x75of100", seq_input(90000).reshape(900, 100)[:, :75]))
    return cases


def write_gelu_tails():
    cap = torch.__config__.show().split("CPU capability usage:")[1].split()[0]
    assert cap == os.environ["ATEN_CPU_CAPABILITY"].upper(), cap
    lines = ["# torch %s, CPU capability %s, %d thread(s): name, CRC32, count of the elements the scalar form computed, "
             "their indices where at most 64"
             % (torch.__version__, cap, torch.get_num_threads())]
    pool = gelu_pool()
    if cap == "AVX2":
        pool.numpy().astype("<f4").tofile("gelu_pool.bin")
    for name, x in gelu_tail_cases(pool):
        y = torch.nn.functional.gelu(x, approximate="tanh").reshape(-1)
        flat = x.reshape(-1)
        pad = (-flat.numel()) % 64
        vec = torch.nn.functional.gelu(torch.cat([flat, torch.zeros(pad)]), approximate="tanh")[:flat.numel()]
        crc = zlib.crc32(y.numpy().astype("<f4").tobytes())
        idx = (y.view(torch.int32) != vec.view(torch.int32)).nonzero().flatten().tolist()
        # the indices only where few (a row case's run to thousands): the test's diagnosis, the CRC its check
        lines.append(" ".join([name, "%08x" % crc, str(len(idx))] + ([str(i) for i in idx] if len(idx) <= 64 else [])))
    with open("gelu_tails_%s.txt" % cap.lower(), "w") as f:
        f.write("\n".join(lines) + "\n")
    if cap == "AVX512":
        # softmax_in.bin's AVX-512 tail (inner 32..44) holds two x - max where glibc's expf is not the nearest float,
        # which Ember stands in for it: the first seed from 50 whose tail has none
        import ctypes
        import math
        import numpy as np
        libm = ctypes.CDLL("libm.so.6")
        libm.expf.restype, libm.expf.argtypes = ctypes.c_float, [ctypes.c_float]
        seed = 50
        while True:
            sm = torch.randn(4, 37, 45, generator=torch.Generator().manual_seed(seed)) * 3
            v = (sm - sm.max(1, keepdim=True).values)[:, :, 32:].reshape(-1).tolist()
            if all(libm.expf(a) == float(np.float32(math.exp(a))) for a in v):
                break
            seed += 1
        sm.numpy().astype("<f4").tofile("softmax_in_avx512.bin")
        torch.softmax(sm, 1).numpy().astype("<f4").tofile("softmax1_avx512.bin")
        print("softmax_in_avx512.bin: seed", seed)


if len(sys.argv) > 1 and sys.argv[1] == "--tails":
    write_gelu_tails()
    sys.exit(0)


x = stored_inputs()
x.numpy().astype("<i4").tofile("inputs.bin")
for name in FUNCS:
    out_bits(name, x).numpy().astype("<i4").tofile(name + ".bin")
g = torch.Generator().manual_seed(49)
act = torch.cat([torch.randn(4096, generator=g) * 4, torch.tensor(
    [0.0, -0.0, float("inf"), -float("inf"), 88.0, -88.0, 1e-30])])
act.numpy().astype("<f4").tofile("act_inputs.bin")
torch.nn.functional.gelu(act, approximate="tanh").numpy().astype("<f4").tofile("gelu_tanh.bin")
sm = torch.randn(4, 37, 45, generator=g) * 3
sm.numpy().astype("<f4").tofile("softmax_in.bin")
torch.softmax(sm, 1).numpy().astype("<f4").tofile("softmax1.bin")
# GELU tanh backward, from a generator of its own (the files above stay as they were)
g2 = torch.Generator().manual_seed(4902)
dy = torch.randn(act.numel(), generator=g2)
dy.numpy().astype("<f4").tofile("gelu_tanh_bwd_grad.bin")
xa = act.clone().requires_grad_(True)
torch.nn.functional.gelu(xa, approximate="tanh").backward(dy)
xa.grad.numpy().astype("<f4").tofile("gelu_tanh_bwd.bin")
xs = torch.randn(8192, generator=g2) * 4
dys = torch.randn(8192, generator=g2)
xs.numpy().astype("<f4").tofile("gelu_tanh_bwd_strided_in.bin")
dys.numpy().astype("<f4").tofile("gelu_tanh_bwd_strided_grad.bin")
xsv = xs.clone().requires_grad_(True)
torch.nn.functional.gelu(xsv[::2], approximate="tanh").backward(dys[::2])
xsv.grad[::2].numpy().astype("<f4").tofile("gelu_tanh_bwd_strided.bin")
parts = crc_inputs()
with open("crc.txt", "w") as f:
    f.write("# torch %s, %s; CRC32 per part: the strided run, then DENSE's runs in order\n"
            % (torch.__version__, [l.strip() for l in cap.split("\n") if "capability" in l][0]))
    for name in FUNCS:
        crcs = [zlib.crc32(out_bits(name, p).numpy().astype("<i4").tobytes()) for p in parts]
        f.write(name + " " + " ".join("%08x" % c for c in crcs) + "\n")
print(x.numel(), "stored inputs")
for c in ("avx2", "avx512"):
    subprocess.run([sys.executable, os.path.abspath(__file__), "--tails"], check=True,
                   env=dict(os.environ, ATEN_CPU_CAPABILITY=c))
