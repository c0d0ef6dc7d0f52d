# Writes the expected bits for ComplexMulBitsTest: PyTorch's complex64 and complex128 mul, add and sub (alpha 1 and
# 0.3) on the CPU, one thread, under ATEN_CPU_CAPABILITY=avx2 and =avx512 (each in a subprocess), on contiguous runs
# with tails, stride-2 views, runs of a row (a narrowed 2-D view) and a broadcast element. Run with /usr/bin/python3
# (PyTorch 1.13, Debian's build) from this folder; rerunning gives the same files byte for byte.
#
# What computes them (the same source in 2.x: BinaryOpsKernel.cpp mul_kernel, the add ufunc a + alpha * b through
# cpu_kernel_vec; vec512/vec256_complex_{float,double}.h operator* and c10/util/complex.h operator*=):
# cpu_kernel_vec's vectorized form runs over the whole passes of two vectors of a contiguous run (16 complex64 or 8
# complex128 on AVX-512, half that on AVX2; one operand may be a broadcast element) and its scalar form (basic_loop)
# over the rest of the run and over strided runs.
#   mul, vectorized:  re = ar br - ai bi, im = ar bi + ai br (the permute/hsub sequence: each product rounded, no
#                     C99 Annex G recovery of infinities);
#   mul, scalar:      c10::complex's operator*= (no Annex G recovery either) as the compiler made it. On strided runs
#                     this build gives re = fma(ar, br, -(ai bi)), im = fma(ar, bi, ai br) (probed here on 1M random
#                     stride-2 pairs: 0 differences with these two contractions, 164959 / 164761 with the other
#                     operand order, 218700 elements without them). A contiguous run's tail is GCC's auto-vectorized
#                     basic_loop: whole groups of 4 (AVX-512) or 2 (AVX2) complex64 get the same fused form, the
#                     group loop's remainder (and, with a broadcast operand, a peeled first element) the plain
#                     products (probed over tails of 1 to 15 elements). That depends on the compiler (2.x's wheels
#                     are built by another one), so the test holds a tail element to either form and the rest (the
#                     vectorized body, strided runs) bit for bit.
#   add / sub:        a + alpha * b with alpha the complex (alpha, 0): the same bits on both forms, held everywhere.
# PyTorch 1.13 and 2.x have the same source for all of these (2.x moved the add into the ufunc codegen,
# ufunc/add.h: self + alpha * other scalar, vec::fmadd(other, alpha, self) vectorized = other * alpha + self), so
# nothing is emulated. Infinities, NaNs, signed zeros, huge and subnormal parts are spread over both forms' positions
# (an overflow where the fused form does not: (3e38, 3e38) * (2, 2) is nan+infj vectorized, -inf+infj fused); a NaN's
# sign and payload are not compared (x86's NaN signs follow the instruction, not a rule).
#
# Files: cases.txt  one case a line: "<op> <dtype> <view> <n>"; views: 'c' (contiguous [n]), 's2' (both operands
#        stride-2 views of [2n]), 'rows' (operands [3, 32] narrowed to [3, n]: a tail per row), 'bs' (b's first element
#        broadcast to [n]), 'as' (a's first element broadcast);
#        operands.txt  "<dtype> a|b" then the pool's parts (re, im, ...), 3 * 32 = 96 complex values each;
#        out_avx2.txt, out_avx512.txt  three lines per case in order: "<case index> out" then the result's parts,
#        row-major; "<case index> vec" the same op on the case's element pairs laid out contiguously and padded to a
#        whole number of passes (every element in the vectorized form); "<case index> scalar" on stride-2 copies of
#        the pairs (every element in the scalar form).
import math
import os
import subprocess
import sys

import numpy as np
import torch

POOL = 96
CASES = []
for dt in ("complex64", "complex128"):
    for op in ("mul", "add", "add03", "sub"):
        for view, n in (("c", 93), ("c", 45), ("s2", 40), ("rows", 21), ("bs", 93), ("as", 45)):
            CASES.append((op, dt, view, n))


def pool(dt):
    rng = np.random.default_rng(51 if dt == "complex64" else 52)
    npt = np.float32 if dt == "complex64" else np.float64
    fi = np.finfo(npt)
    parts = (rng.standard_normal(2 * POOL) * np.exp2(rng.integers(-20, 21, 2 * POOL))).astype(npt)
    specials = [0.0, -0.0, math.inf, -math.inf, math.nan, float(fi.max) * 0.9, -float(fi.max) * 0.6,
                float(fi.tiny), float(np.nextafter(npt(0), npt(1))), 1.0, -2.0]
    idx = rng.choice(2 * POOL, size=60, replace=False)  # about a third of the parts, anywhere (body and tails)
    for k, i in enumerate(idx):
        parts[i] = specials[k % len(specials)]
    return parts.astype(npt)


def tok(x):
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return repr(x)


def operands(dt):
    pa = pool(dt)
    pb = np.roll(pool(dt)[::-1], 7).copy()
    ct = getattr(torch, dt)
    return (torch.view_as_complex(torch.from_numpy(pa).reshape(-1, 2)).to(ct),
            torch.view_as_complex(torch.from_numpy(pb).reshape(-1, 2)).to(ct), pa, pb)


def run_case(op, dt, view, n, a, b):
    if view == "c":
        x, y = a[:n].clone(), b[:n].clone()
    elif view == "s2":
        x, y = a[: 2 * n : 2], b[: 2 * n : 2]
    elif view == "rows":
        x, y = a.reshape(3, 32)[:, :n], b.reshape(3, 32)[:, :n]
    elif view == "bs":
        x, y = a[:n].clone(), b[:1].clone()
    else:
        x, y = a[:1].clone(), b[:n].clone()
    return apply(op, x, y)


def apply(op, x, y):
    if op == "mul":
        return x * y
    if op == "add":
        return x + y
    if op == "add03":
        return torch.add(x, y, alpha=0.3)
    return x - y


def operand_pairs(view, n, a, b):
    """The case's (x, y) element pairs, row-major, each operand broadcast to the result's shape."""
    if view == "c":
        x, y = a[:n], b[:n]
    elif view == "s2":
        x, y = a[: 2 * n : 2], b[: 2 * n : 2]
    elif view == "rows":
        x, y = a.reshape(3, 32)[:, :n], b.reshape(3, 32)[:, :n]
    elif view == "bs":
        x, y = a[:n], b[:1].expand(n)
    else:
        x, y = a[:1].expand(n), b[:n]
    return x.contiguous().reshape(-1).clone(), y.contiguous().reshape(-1).clone()


def child(path):
    torch.set_num_threads(1)
    ops = {dt: operands(dt) for dt in ("complex64", "complex128")}
    with open(path, "w") as f:
        for i, (op, dt, view, n) in enumerate(CASES):
            a, b = ops[dt][0], ops[dt][1]
            r = run_case(op, dt, view, n, a, b).contiguous().reshape(-1)
            m = r.numel()
            xs, ys = operand_pairs(view, n, a, b)
            pad = (m + 31) // 32 * 32 - m
            xv = torch.cat([xs, torch.zeros(pad, dtype=xs.dtype)])
            yv = torch.cat([ys, torch.zeros(pad, dtype=ys.dtype)])
            xw = torch.zeros(2 * m, dtype=xs.dtype)
            yw = torch.zeros(2 * m, dtype=ys.dtype)
            xw[::2] = xs
            yw[::2] = ys
            forms = (("out", r), ("vec", apply(op, xv, yv)[:m]), ("scalar", apply(op, xw[::2], yw[::2])))
            for name, t in forms:
                v = torch.view_as_real(t.contiguous()).reshape(-1).double()
                f.write("%d %s %s\n" % (i, name, " ".join(tok(x) for x in v.tolist())))


if __name__ == "__main__":
    if len(sys.argv) > 1:
        child(sys.argv[1])
        sys.exit(0)
    with open("cases.txt", "w") as f:
        for c in CASES:
            f.write("%s %s %s %d\n" % c)
    with open("operands.txt", "w") as f:
        for dt in ("complex64", "complex128"):
            _, _, pa, pb = operands(dt)
            f.write(dt + " a " + " ".join(tok(v) for v in pa.tolist()) + "\n")
            f.write(dt + " b " + " ".join(tok(v) for v in pb.tolist()) + "\n")
    for cap in ("avx2", "avx512"):
        env = dict(os.environ, ATEN_CPU_CAPABILITY=cap, OMP_NUM_THREADS="1")
        subprocess.run([sys.executable, __file__, "out_%s.txt" % cap], env=env, check=True)
