# Expected values for NormBitsTest.java: the float32 / bfloat16 2-norm (torch.linalg.vector_norm, ord 2) bit for bit as
# PyTorch's CPU kernel computes it, per CPU capability.
#   run: cd engine-cpu/src/test/resources/normbits && /usr/bin/python3 make_expected.py > expected.txt
#   (PyTorch 1.13 CPU; reproducible: the inputs come from the LCG below, no random generator, so the output is the
#   same bytes run after run.) Each capability is a subprocess under ATEN_CPU_CAPABILITY=avx512, avx2, default
#   (1.13 runs its AVX2 kernels on an AVX-512 machine unless told; 2.x picks AVX512 there).
# The kernel (ReduceOpsKernel.cpp, norm_kernel_tensor_iterator_impl's fast path, binary_kernel_reduce_lastdim) is
# the same code in 1.13 and 2.x for float32 and bfloat16 input with an output of the input's type, reduced over the
# last (coalesced) dim of a contiguous tensor. float64 is not here: 1.13 takes it through NormTwoOps (a serial fused
# sum), 2.x through the vector path, compiled by another GCC, which 1.13 cannot show.
# torch.norm(x) (1.13: frobenius_norm -> norm; 2.x: linalg.vector_norm) and clip_grad_norm_'s total (1.13:
# torch.norm of the stacked norms; 2.x: linalg.vector_norm of them) reach the same kernel; both are checked.
# Inputs: x[i] from the 64-bit LCG s = s * 6364136223846793005 + 1442695040888963407 (mod 2^64), seeded with the
# case's seed, u = s >> 33 per element: float32 bits sign u & 1, exponent 124 + (u >> 1) % 5, mantissa (u >> 4) &
# 0x7FFFFF (full mantissas, so the sums round); bfloat16: the same with the mantissa's low 16 bits cleared (exact).
# Format: "=== CAPABILITY", then "case <name> <dtype> <seed> <shape a,b,..> <dims a,b or all> <keepdim 0|1> <out...>",
# outputs as float.hex of the float value of each element of the result in row-major order; "perm <name> <dtype>
# <seed> <shape> <perm> <norm>" for the full 2-norm of the contiguous LCG tensor of <shape> permuted; "clip <seed> <sizes>
# <total>" for clip_grad_norm_ over parameters of those sizes (grads from the LCG, max_norm 1.0).
import os
import struct
import subprocess
import sys

import torch

M64 = (1 << 64) - 1


def lcg_values(seed, n, bf16):
    s = seed & M64
    out = []
    for _ in range(n):
        s = (s * 6364136223846793005 + 1442695040888963407) & M64
        u = s >> 33
        mant = (u >> 4) & 0x7FFFFF
        if bf16:
            mant &= 0x7F0000
        bits = ((u & 1) << 31) | ((124 + (u >> 1) % 5) << 23) | mant
        out.append(struct.unpack("<f", struct.pack("<I", bits))[0])
    return out


def tensor(seed, shape, dtype):
    n = 1
    for d in shape:
        n *= d
    t = torch.tensor(lcg_values(seed, n, dtype == torch.bfloat16), dtype=torch.float32).reshape(shape)
    return t.to(dtype)


def cases():
    c = []
    sizes = list(range(1, 101)) + [127, 128, 129, 255, 256, 257, 1000, 4097]
    for n in sizes:
        for k in range(3 if n <= 64 else 1):
            c.append(("vec%d_%d" % (n, k), torch.float32, 1000 * n + k, (n,), None, False))
    for n in [7, 12, 20, 31, 45]:
        c.append(("rows%d" % n, torch.float32, 7 + n, (5, n), (-1,), False))
        c.append(("rowskeep%d" % n, torch.float32, 9 + n, (5, n), (1,), True))
    c.append(("suffix", torch.float32, 31, (3, 4, 11), (1, 2), False))
    c.append(("suffixkeep", torch.float32, 32, (3, 4, 11), (2, 1), True))
    c.append(("ones", torch.float32, 33, (3, 1, 13, 1), (2, 3), False))
    c.append(("full3d", torch.float32, 34, (2, 4, 5), None, False))
    c.append(("fullkeep", torch.float32, 35, (2, 3, 7), (0, 1, 2), True))
    for n in list(range(1, 70)) + [129, 300]:
        c.append(("bvec%d" % n, torch.bfloat16, 5000 + n, (n,), None, False))
    c.append(("brows", torch.bfloat16, 77, (4, 45), (-1,), False))
    return c


def fmt_shape(shape):
    return ",".join(str(d) for d in shape)


def run_capability():
    torch.set_num_threads(1)
    got = torch.__config__.show().split("CPU capability usage: ")[1].split()[0]
    want = os.environ["ATEN_CPU_CAPABILITY"].upper()
    assert got == (want if want != "DEFAULT" else "NO"), (want, got)  # 1.13 names DEFAULT "NO AVX"
    for name, dtype, seed, shape, dims, keepdim in cases():
        x = tensor(seed, shape, dtype)
        if dims is None:
            r = torch.linalg.vector_norm(x)
            assert torch.equal(torch.norm(x), r), name  # torch.norm(x) is the same kernel
        else:
            r = torch.linalg.vector_norm(x, 2, dims, keepdim)
        assert r.dtype == dtype
        vals = " ".join(float(v).hex() for v in r.float().reshape(-1).tolist())
        dname = "float32" if dtype == torch.float32 else "bfloat16"
        print("case %s %s %d %s %s %d %s" % (name, dname, seed, fmt_shape(shape),
                                              "all" if dims is None else fmt_shape(dims), int(keepdim), vals))
    # full reductions of permuted (dense, not contiguous) tensors: the iterator sorts the dims by stride, so the
    # kernel runs over the elements in memory order (the LCG's order)
    for name, dtype, seed, shape, perm in [("t2", torch.float32, 41, (7, 13), (1, 0)),
                                           ("p3", torch.float32, 42, (3, 4, 5), (2, 0, 1)),
                                           ("p3b", torch.float32, 43, (5, 2, 9), (1, 2, 0)),
                                           ("bt2", torch.bfloat16, 44, (6, 11), (1, 0))]:
        x = tensor(seed, shape, dtype).permute(perm)
        assert not x.is_contiguous()
        r = torch.linalg.vector_norm(x)
        print("perm %s %s %d %s %s %s" % (name, "float32" if dtype == torch.float32 else "bfloat16", seed,
                                          fmt_shape(shape), fmt_shape(perm), float(r).hex()))
    # clip_grad_norm_'s total over three small gradients (the case that showed the last-bit difference)
    for seed, sizes in [(11, (3, 5, 2)), (12, (20, 9, 33)), (13, (4, 4, 4)), (14, (64, 1, 17))]:
        params = []
        for i, n in enumerate(sizes):
            p = torch.zeros(n, requires_grad=True)
            p.grad = tensor(seed * 100 + i, (n,), torch.float32)
            params.append(p)
        total = torch.nn.utils.clip_grad_norm_(params, 1.0)
        print("clip %d %s %s" % (seed, fmt_shape(sizes), float(total).hex()))


if len(sys.argv) > 1 and sys.argv[1] == "--capability":
    run_capability()
    sys.exit(0)

for cap in ["AVX512", "AVX2", "DEFAULT"]:
    env = dict(os.environ, ATEN_CPU_CAPABILITY=cap.lower())
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--capability"], env=env, check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    print("=== " + cap)
    sys.stdout.write(out)
