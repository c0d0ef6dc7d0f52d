# Writes expected.txt for LayerNormBitsTest.java (engine-cpu, package dev.ember.cpu): layer_norm's float32 forward
# (output, mean and rstd) bit for bit as PyTorch's CPU kernel computes it, per CPU capability.
# Run: cd engine-cpu/src/test/resources/layernormbits && /usr/bin/python3 make_expected.py   (PyTorch 1.13 CPU)
# The kernel (aten/src/ATen/native/cpu/layer_norm_kernel.cpp, LayerNormKernelImplInternal, float input computed in
# float) takes each row's mean and variance from RowwiseMoments (aten/src/ATen/native/cpu/moments_utils.h: a float
# Welford per Vectorized<float> lane over chunks of 16 vectors, the chunks merged in a cascade, a scalar Welford over
# the elements past the last whole vector, then the lanes merged into that one by one), rstd = 1 / sqrt(var + eps) in
# float, and y = (x rstd + (-rstd mean)) gamma + beta, which GCC fuses into two multiply-adds on the x86 builds.
# What 1.13 shows (and this file records): the output's fusing follows the capability (AVX512 and AVX2 fused, DEFAULT
# not), but the statistics are the same on every capability, 8 lanes with products and sums rounded apart, i.e. the
# DEFAULT build's: 1.13 declares RowwiseMoments in at::native::utils, outside the per-capability namespace, so the
# three kernels' instantiations share one symbol and the linker keeps one of them. PyTorch 2.x declares it inside
# `inline namespace CPU_CAPABILITY` (each build its own lanes and fusing), and its newest sources write the Welford
# steps with explicit fmadd and reorder AddMomentsVec's sums; neither is reproduced here (1.13 cannot show them), so
# these are 1.13's bits: Ember follows them (NormKernels.MOMENTS_LANES).
# Each capability is a subprocess under ATEN_CPU_CAPABILITY=avx512, avx2, default (1.13 runs its AVX2 kernels on an
# AVX-512 machine unless told). One row's results do not depend on the others or on threads (checked: 1 and 3 threads).
# Called as torch.ops.aten.native_layer_norm(x, [N], weight, bias, 1e-5) with weight/bias per the case's mode.
# Format: "key<TAB>value" lines; a value is a space-separated list of float32 bit patterns in hex (8 digits).
#   case.<c>: "<M> <N> <mode> <kind>" (mode wb: weight and bias, w: weight only, b: bias only, none; kind: the values)
#   case.<c>.x, .w, .b (weight and bias values, present whatever the mode): the inputs
#   <CAP>.<c>.y, .mean, .rstd: the outputs under capability CAP (AVX512, AVX2, DEFAULT)
# Deterministic: the inputs come from random.Random(50); running it twice writes the same bytes.
import os
import random
import struct
import subprocess
import sys

import torch

MODES = ["wb", "w", "b", "none"]
KINDS = ["normal", "offset", "constant", "large", "tiny"]


def hexes(t):
    return " ".join("%08x" % struct.unpack("<I", struct.pack("<f", v))[0] for v in t.detach().reshape(-1).tolist())


def cases():
    r = random.Random(50)
    out = []

    def row(n, kind):
        if kind == "normal":
            return [r.gauss(0.3, 1.5) for _ in range(n)]
        if kind == "offset":  # a large mean: the centred sums cancel
            return [1000.0 + r.gauss(0, 1) for _ in range(n)]
        if kind == "constant":  # variance 0: rstd 1 / sqrt(eps)
            v = r.choice([3.7, -0.1, 1e4, 0.0])
            return [v] * n
        if kind == "large":
            return [r.gauss(0, 1) * 1e15 + 3e16 for _ in range(n)]
        return [r.gauss(0, 1) * 1e-20 for _ in range(n)]

    def add(m, n, mode, kind):
        x = torch.tensor([row(n, kind) for _ in range(m)], dtype=torch.float32)
        w = torch.tensor([r.gauss(1, 0.5) for _ in range(n)], dtype=torch.float32)
        b = torch.tensor([r.gauss(0, 0.5) for _ in range(n)], dtype=torch.float32)
        out.append((m, n, mode, kind, x, w, b))

    for n in range(1, 71):
        add(1 + n % 2, n, MODES[n % 4], KINDS[0] if n % 5 else KINDS[1 + (n // 5) % 4])
    for n in (127, 128, 129, 255, 256, 257, 384):
        add(2, n, MODES[n % 4], "normal")
    for n in (1000, 4097):
        add(1, n, MODES[n % 4], "normal")
    for mode in MODES:
        add(2 if mode == "wb" else 1, 768, mode, "normal")
    for kind in KINDS[1:]:
        add(1, 768, "wb", kind)
        add(1, 129, "none", kind)
    add(1, 2048 + 128 * 16 + 5, "wb", "offset")  # 2181: 17 chunks of 8 lanes, the cascade's carries
    return out


def run_capability():
    lines = []
    for threads in (1, 3):
        torch.set_num_threads(threads)
        for c, (m, n, mode, kind, x, w, b) in enumerate(cases()):
            wt = w if mode in ("wb", "w") else None
            bt = b if mode in ("wb", "b") else None
            y, mean, rstd = torch.ops.aten.native_layer_norm(x, [n], wt, bt, 1e-5)
            got = ["%d.y\t%s" % (c, hexes(y)), "%d.mean\t%s" % (c, hexes(mean)), "%d.rstd\t%s" % (c, hexes(rstd))]
            if threads == 1:
                lines.extend(got)
            else:
                assert all(g in lines for g in got), "case %d differs with 3 threads" % c
    return lines


if len(sys.argv) > 1 and sys.argv[1] == "--capability":
    print("\n".join(run_capability()))
    sys.exit(0)

OUT = []
all_cases = cases()
for c, (m, n, mode, kind, x, w, b) in enumerate(all_cases):
    OUT.append("case.%d\t%d %d %s %s" % (c, m, n, mode, kind))
    OUT.append("case.%d.x\t%s" % (c, hexes(x)))
    OUT.append("case.%d.w\t%s" % (c, hexes(w)))
    OUT.append("case.%d.b\t%s" % (c, hexes(b)))
OUT.append("cases\t%d" % len(all_cases))
for cap in ("avx512", "avx2", "default"):
    env = dict(os.environ, ATEN_CPU_CAPABILITY=cap)
    got = subprocess.run([sys.executable, os.path.abspath(__file__), "--capability"], env=env, check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    OUT.extend(cap.upper() + "." + line for line in got.splitlines())
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "expected.txt"), "w") as f:
    f.write("\n".join(OUT) + "\n")
