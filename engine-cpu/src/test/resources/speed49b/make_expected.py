# Writes expected.txt for Speed49bTest.java (engine-cpu, package dev.ember.cpu): layer_norm's float32 backward bit for
# bit as PyTorch's CPU kernel computes it, per CPU capability and thread count; float32 clamp with both bounds.
# Run: cd engine-cpu/src/test/resources/speed49b && /usr/bin/python3 make_expected.py   (PyTorch 1.13 CPU)
# The kernel (aten/src/ATen/native/cpu/layer_norm_kernel.cpp, LayerNormBackwardKernelImplInternal) computes float input
# in float (opmath_t float) with the same vector code in 1.13 and 2.x: the row sums ds = sum dy x gamma and
# db = sum dy gamma through vec::map3_reduce_all / map2_reduce_all, dX = a dy gamma + b x + c, and dgamma/dbeta in one
# float buffer per thread summed in thread order. Its bits depend on the build's Vectorized<float> (8 lanes on AVX2
# and DEFAULT, 16 on AVX512), on whether GCC fused products and sums (the x86 builds with FMA do; DEFAULT does not),
# and for dgamma/dbeta on the number of threads. 1.13 runs its AVX2 kernels on an AVX-512 machine unless told (2.x
# picks AVX512 there), so each capability is a subprocess under ATEN_CPU_CAPABILITY=avx512, avx2, default, and each
# runs under torch.set_num_threads(1, 2, 3); 2.x's kernel on each capability is the same code, so 1.13's bits are 2.x's.
# The mean and rstd are each row's, from exact sums rounded to float32 (the forward's own differ in the last bit between
# capabilities), written with the inputs, and the kernel is called through torch.ops.aten.native_layer_norm_backward with output_mask [True, weight given, bias given].
# Format: "key<TAB>value" lines; a value is a space-separated list of float32 values (numpy's shortest decimal of each float32).
#   case.<c>: "<M> <N> <mode>" (mode wb: weight and bias, w: weight only, b: bias only, none)
#   case.<c>.x, .dy, .w (weight values, read also where the mode has none), .mean, .rstd: the inputs
#   <CAP>.<c>.dx: dX under capability CAP (AVX512, AVX2, DEFAULT), the same for any number of threads (checked)
#   <CAP>.<T>.<c>.dw, .db: dgamma and dbeta under CAP and T threads, where the mode computes them
#   clamp.<c>: "<lo> <hi>" (Python's repr); clamp.<c>.x, .out: a float32 input and its clamp(lo, hi)
# Deterministic: the inputs come from random.Random(49); running it twice writes the same bytes.
import math
import os
import random
import subprocess
import sys

import numpy
import torch

SHAPES = [(4, 16), (3, 8), (5, 1), (6, 37), (3, 5), (4, 24), (3, 45), (7, 64), (9, 7)]
MODES = ["wb", "w", "b", "none"]


def hexes(t):
    # numpy's shortest decimal that reads back as the same float32 (Java: Float.parseFloat)
    return " ".join(str(v) for v in t.detach().reshape(-1).numpy())


def stats(x):
    # each row's mean and rstd in exact sums (math.fsum), rounded to float32: the same inputs to the backward in every
    # capability's subprocess (the forward's own statistics differ in the last bit between capabilities)
    mean = [math.fsum(r) / len(r) for r in x.double().tolist()]
    var = [math.fsum((v - mu) ** 2 for v in r) / len(r) for r, mu in zip(x.double().tolist(), mean)]
    m = torch.tensor(mean, dtype=torch.float64).float().reshape(-1, 1)
    r = torch.tensor([1 / math.sqrt(v + 1e-5) for v in var], dtype=torch.float64).float().reshape(-1, 1)
    return m, r


def inputs():
    # Python's generator, not torch's: torch's float32 normal fill differs between capabilities (DEFAULT takes the C
    # library's log and sine), so each capability's subprocess would draw other inputs
    r = random.Random(49)

    def randn(*shape):
        count = 1
        for d in shape:
            count *= d
        return torch.tensor([r.gauss(0, 1) for _ in range(count)], dtype=torch.float32).reshape(shape)

    out = []
    for m, n in SHAPES:
        for mode in MODES:
            x = randn(m, n) * 2 + 0.5
            dy = randn(m, n)
            w = randn(n)
            b = randn(n)
            out.append((m, n, mode, x, dy, w, b))
    return out


def run_capability():
    lines = []
    cases = inputs()
    first = {}
    for threads in (1, 2, 3):
        torch.set_num_threads(threads)
        for c, (m, n, mode, x, dy, w, b) in enumerate(cases):
            wt = w if mode in ("wb", "w") else None
            bt = b if mode in ("wb", "b") else None
            mean, rstd = stats(x)
            dx, dw, db = torch.ops.aten.native_layer_norm_backward(dy, x, [n], mean, rstd, wt, bt,
                                                                   [True, wt is not None, bt is not None])
            key = "%d.%d" % (threads, c)
            if threads == 1:  # each row's dX is its own: the same for any number of threads
                lines.append("%d.dx\t%s" % (c, hexes(dx)))
                first[c] = dx
            else:
                assert torch.equal(dx.view(torch.int32), first[c].view(torch.int32))
            if wt is not None:
                lines.append("%s.dw\t%s" % (key, hexes(dw)))
            if bt is not None:
                lines.append("%s.db\t%s" % (key, hexes(db)))
    return lines


if len(sys.argv) > 1 and sys.argv[1] == "--capability":
    print("\n".join(run_capability()))
    sys.exit(0)

OUT = []
for c, (m, n, mode, x, dy, w, b) in enumerate(inputs()):
    wt = w if mode in ("wb", "w") else None
    bt = b if mode in ("wb", "b") else None
    mean, rstd = stats(x)
    OUT.append("case.%d\t%d %d %s" % (c, m, n, mode))
    OUT.append("case.%d.x\t%s" % (c, hexes(x)))
    OUT.append("case.%d.dy\t%s" % (c, hexes(dy)))
    OUT.append("case.%d.w\t%s" % (c, hexes(w)))
    OUT.append("case.%d.mean\t%s" % (c, hexes(mean)))
    OUT.append("case.%d.rstd\t%s" % (c, hexes(rstd)))
OUT.append("cases\t%d" % len(inputs()))
# clamp(lo, hi) of float32 tensors (the kernel of both bounds in one pass): NaN, -0 and 0, infinities, elements equal
# to a bound, bounds crossed (lo > hi gives hi), an infinite bound, lengths around the vector widths
R = random.Random(4949)
SPECIAL = [float("nan"), -0.0, 0.0, 1.0, -1.0, float("inf"), -float("inf"), 0.5, -0.5, 3e38, -3e-39]
CLAMPS = [(-1.0, 1.0), (0.0, 0.5), (-0.0, 0.0), (1.0, -1.0), (-float("inf"), 0.25), (-0.5, float("inf")),
          (1.0000001, 3.4e38)]
clamp_cases = 0
for n in (1, 7, 16, 17, 33, 100, 300):
    for lo, hi in CLAMPS:
        x = torch.tensor([R.choice(SPECIAL) if R.random() < 0.3 else R.gauss(0, 1.5) for _ in range(n)],
                         dtype=torch.float32)
        OUT.append("clamp.%d\t%s %s" % (clamp_cases, repr(lo), repr(hi)))
        OUT.append("clamp.%d.x\t%s" % (clamp_cases, hexes(x)))
        OUT.append("clamp.%d.out\t%s" % (clamp_cases, hexes(x.clamp(lo, hi))))
        clamp_cases += 1
OUT.append("clamps\t%d" % clamp_cases)
for cap in ("avx512", "avx2", "default"):
    env = dict(os.environ, ATEN_CPU_CAPABILITY=cap)
    got = subprocess.run([sys.executable, os.path.abspath(__file__), "--capability"], env=env, check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    OUT.extend(cap.upper() + "." + line for line in got.splitlines())
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "expected.txt"), "w") as f:
    f.write("\n".join(OUT) + "\n")
