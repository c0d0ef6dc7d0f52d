# Writes expected.txt for BatchNormBitsTest.java (engine-cpu, package dev.ember): batch_norm's float32 forward (output,
# batch mean and invstd, updated running statistics) as PyTorch's CPU kernel computes it, per CPU capability.
# Run: cd engine-cpu/src/test/resources/batchnormbits && /usr/bin/python3 make_expected.py   (PyTorch 1.13 CPU)
# PyTorch 2.x (aten/src/ATen/native/cpu/batch_norm_kernel.cpp, float input, same as 1.13 here):
#   statistics (batch_norm_cpu_collect_stats_*): contiguous: sum in double, mean = float(sum / N), var_sum = double sum
#     of float (x - mean)^2, stored float; channels-last (and [N, C]): per-thread float sums, added in double.
#   Normalization.cpp batch_norm_cpu_update_stats_template: invstd = float(1 / sqrt(double(var_sum / n) + eps)) (the
#     division in float), running_mean = momentum * mean + (1 - momentum) * running_mean in double, running_var the same
#     with float(var_sum / (n - 1)).
#   output (batch_norm_cpu_collect_linear_and_constant_terms, then _contiguous_impl / _channels_last_impl): in float,
#     alpha = invstd * weight, beta = bias - mean * alpha, out = x * alpha + beta over Vectorized<float>; in evaluation
#     invstd = 1 / sqrt(running_var + float(eps)) in float. GCC contracts beta's and the output's multiply-add into one
#     fused multiply-add on the FMA builds (AVX2, AVX512), not on DEFAULT: checked below on every case
#     ("formulaMismatches" lines, 0), the output equals fma(x, alpha, fma(-mean, alpha, bias)) from PyTorch's own mean
#     and invstd. Channels-last-3d: 1.13 takes its non-contiguous path there (2.x its channels-last kernel), so those
#     cases' .y is 2.x's formula applied to 1.13's mean and invstd.
# Each capability is a subprocess under ATEN_CPU_CAPABILITY=avx2, default (this machine has no AVX-512).
# Called as torch.native_batch_norm(x, weight, bias, running_mean, running_var, training, momentum, 1e-5); x made
# channels-last (-3d) with .contiguous(memory_format=...) where the case says so. 1 thread (torch.set_num_threads(1)):
# the channels-last statistics' float partial sums depend on the thread count.
# Format: "key<TAB>value" lines; a value is a space-separated list of float32 bit patterns in hex (8 digits).
#   cases: the count; case.<c>: "<mode> <train|eval> <format> <momentum> <shape...>" (mode wb/w/b/none, format
#   nchw/cl/cl3d); case.<c>.x (logical row-major order), .w, .b, .rm, .rv (present whatever the mode)
#   <CAP>.<c>.y (row-major), .mean, .invstd (train only), .rm, .rv (after the call); case.<c>.gy an upstream
#   gradient and AVX2.<c>.dx the input gradient of sum(y * gy) (row-major; the backward's float sums are partials
#   per row or per thread, so Ember's double sums do not give these bits: the test counts and bounds them)
# Deterministic: the inputs come from random.Random(58); running it twice writes the same bytes.
import os
import random
import struct
import subprocess
import sys

import numpy as np
import torch


def hexes(t):
    return " ".join("%08x" % struct.unpack("<I", struct.pack("<f", v))[0] for v in t.detach().reshape(-1).tolist())


SHAPES = [
    ((32, 64), "nchw"), ((5, 3), "nchw"), ((7, 17), "nchw"), ((17, 40), "nchw"), ((9, 8), "nchw"),
    ((2, 16, 9, 9), "nchw"), ((2, 37, 5, 7), "nchw"), ((2, 3, 4, 5), "nchw"), ((3, 1, 6, 6), "nchw"),
    ((6, 10, 13), "nchw"), ((2, 5, 1, 1), "nchw"),
    ((2, 16, 9, 9), "cl"), ((2, 37, 5, 7), "cl"), ((2, 24, 3, 5), "cl"), ((3, 7, 2, 2), "cl"),
    ((2, 12, 3, 4, 5), "cl3d"), ((2, 5, 2, 3, 3), "cl3d"),
]
MODES = ["wb", "w", "b", "none"]


def cases():
    r = random.Random(58)
    out = []
    k = 0
    for shape, fmt in SHAPES:
        for train in (True, False):
            mode = MODES[k % 4]
            momentum = [0.1, 0.3, 0.0, 1.0][(k // 4) % 4]
            k += 1
            n = 1
            for s in shape:
                n *= s
            c = shape[1]
            off = r.choice([0.0, 1.0, 50.0])
            x = torch.tensor([r.gauss(off, 2.0) for _ in range(n)], dtype=torch.float32).reshape(shape)
            w = torch.tensor([r.gauss(1, 0.5) for _ in range(c)], dtype=torch.float32)
            b = torch.tensor([r.gauss(0, 0.5) for _ in range(c)], dtype=torch.float32)
            rm = torch.tensor([r.gauss(off, 1.0) for _ in range(c)], dtype=torch.float32)
            rv = torch.tensor([r.uniform(0.2, 5.0) for _ in range(c)], dtype=torch.float32)
            out.append((mode, train, fmt, momentum, shape, x, w, b, rm, rv))
    return out


def upstream(i, n):
    # case i's upstream gradient, the same in the test (java.util.Random is not needed: these values are written out)
    r = random.Random(5900 + i)
    return [r.gauss(0.1, 1.0) for _ in range(n)]


def run(case):
    mode, train, fmt, momentum, shape, x, w, b, rm, rv = case
    if fmt == "cl":
        x = x.contiguous(memory_format=torch.channels_last)
    elif fmt == "cl3d":
        x = x.contiguous(memory_format=torch.channels_last_3d)
    ww = w if mode in ("wb", "w") else None
    bb = b if mode in ("wb", "b") else None
    rm = rm.clone()
    rv = rv.clone()
    y, mean, invstd = torch.native_batch_norm(x, ww, bb, rm, rv, train, momentum, 1e-5)
    return y.contiguous(), mean, invstd, rm, rv


def grad_of(case, gy):
    # the input gradient of sum(y * gy) through native_batch_norm (its backward kernel, same memory format)
    mode, train, fmt, momentum, shape, x, w, b, rm, rv = case
    fm = {"cl": torch.channels_last, "cl3d": torch.channels_last_3d}.get(fmt, torch.contiguous_format)
    xg = x.contiguous(memory_format=fm).detach().requires_grad_(True)
    ww = w if mode in ("wb", "w") else None
    bb = b if mode in ("wb", "b") else None
    y = torch.native_batch_norm(xg, ww, bb, rm.clone(), rv.clone(), train, momentum, 1e-5)[0]
    y.backward(gy.contiguous(memory_format=fm))
    return xg.grad.contiguous()


def child(cap):
    torch.set_num_threads(1)
    lines = []
    bad = 0
    for i, case in enumerate(cases()):
        y, mean, invstd, rm, rv = run(case)
        mode, train, fmt, momentum, shape, x, w, b, rm0, rv0 = case
        gy = torch.tensor(upstream(i, x.numel()), dtype=torch.float32).reshape(shape)
        if cap == "AVX2":
            lines.append("%s.%d.dx\t%s" % (cap, i, hexes(grad_of(case, gy))))
        if train:
            lines.append("%s.%d.mean\t%s" % (cap, i, hexes(mean)))
            lines.append("%s.%d.invstd\t%s" % (cap, i, hexes(invstd)))
        lines.append("%s.%d.rm\t%s" % (cap, i, hexes(rm)))
        lines.append("%s.%d.rv\t%s" % (cap, i, hexes(rv)))
        # the formula check: PyTorch's output from its own float mean and invstd
        c = shape[1]
        m = (mean if train else rm0).numpy().astype(np.float32)
        inv = invstd.numpy() if train else (np.float32(1) / np.sqrt(rv0.numpy() + np.float32(1e-5))).astype(np.float32)
        alpha = (inv * (w.numpy() if mode in ("wb", "w") else np.float32(1))).astype(np.float32)
        bias = b.numpy() if mode in ("wb", "b") else np.zeros(c, np.float32)
        if cap == "DEFAULT":
            beta = (bias - (m * alpha).astype(np.float32)).astype(np.float32)
        else:
            beta = (bias.astype(np.float64) - m.astype(np.float64) * alpha.astype(np.float64)).astype(np.float32)
        bshape = [1, c] + [1] * (len(shape) - 2)
        xa = x.numpy()
        a = alpha.reshape(bshape)
        be = beta.reshape(bshape)
        if cap == "DEFAULT":
            want = ((xa * a).astype(np.float32) + be).astype(np.float32)
        else:
            want = (xa.astype(np.float64) * a.astype(np.float64) + be.astype(np.float64)).astype(np.float32)
        if fmt == "cl3d":
            # 1.13 takes its non-contiguous path for channels-last-3d (((x - mean) * invstd) * weight + bias, and other
            # statistics); 2.x its channels-last kernel: the expected output is 2.x's formula from 1.13's statistics
            lines.append("%s.%d.y\t%s" % (cap, i, hexes(torch.from_numpy(want))))
            continue
        lines.append("%s.%d.y\t%s" % (cap, i, hexes(y)))
        if not np.array_equal(want.view(np.uint32), y.numpy().view(np.uint32)):
            bad += 1
    lines.append("%s.formulaMismatches\t%d" % (cap, bad))
    sys.stdout.write("\n".join(lines) + "\n")


def main():
    if len(sys.argv) > 1:
        child(sys.argv[1])
        return
    lines = []
    cs = cases()
    lines.append("cases\t%d" % len(cs))
    for i, (mode, train, fmt, momentum, shape, x, w, b, rm, rv) in enumerate(cs):
        lines.append("case.%d.gy\t%s" % (i, hexes(torch.tensor(upstream(i, x.numel()), dtype=torch.float32))))
        lines.append("case.%d\t%s %s %s %r %s" % (i, mode, "train" if train else "eval", fmt, momentum,
                                               " ".join(str(s) for s in shape)))
        lines.append("case.%d.x\t%s" % (i, hexes(x)))
        lines.append("case.%d.w\t%s" % (i, hexes(w)))
        lines.append("case.%d.b\t%s" % (i, hexes(b)))
        lines.append("case.%d.rm\t%s" % (i, hexes(rm)))
        lines.append("case.%d.rv\t%s" % (i, hexes(rv)))
    for cap, env in (("AVX2", "avx2"), ("DEFAULT", "default")):
        e = dict(os.environ, ATEN_CPU_CAPABILITY=env)
        got = subprocess.run([sys.executable, __file__, cap], env=e, check=True, capture_output=True, text=True)
        lines.extend(got.stdout.strip().split("\n"))
        print(cap, [l for l in got.stdout.split("\n") if "formulaMismatches" in l])
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "expected.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
