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
#   crc.txt              CRC32 of the outputs' little-endian bytes over inputs generated the same way in the test:
#                        the 2^21 bit patterns i * 2053 (mod 2^32), i < 2^21 (all binades, 2053 apart), and seven dense
#                        runs of 2^18 consecutive bit patterns from the starts listed in DENSE.
import struct
import zlib

import torch

torch.set_num_threads(1)
cap = torch.__config__.show()
assert "CPU capability usage: AVX" in cap, "run on an AVX2/AVX-512 capability (ATEN_CPU_CAPABILITY unset)"

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
