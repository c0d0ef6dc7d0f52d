# Writes expected.txt for BatchNormFormulaTest.java (engine-cpu, package dev.ember): which formula batch_norm's CPU
# forward output takes per path, float32 and float64, training and evaluation, against PyTorch's bits.
# Run: cd engine-cpu/src/test/resources/batchnormformula && /usr/bin/python3 make_expected.py   (PyTorch 1.13 CPU)
# PyTorch 2.x (aten/src/ATen/native/Normalization.cpp batch_norm_cpu_transform_input_template; 1.13 the same for the
# layouts here): where the input is contiguous (row-major or channels-last; 2.x also channels-last-3d, not used here)
# and weight, bias, running_mean and running_var (those given) are contiguous, the kernel of
# cpu/batch_norm_kernel.cpp: alpha = invstd * weight, beta = bias - mean * alpha, out = x * alpha + beta (Vectorized
# operators, the tail a partial vector too). GCC contracts both beta's and the output's multiply and add into fused
# multiply-adds on the FMA builds (AVX2, AVX512), not on DEFAULT, for float AND double:
#   AVX2:    out = fma(x, alpha, fma(-mean, alpha, bias))
#   DEFAULT: out = x * alpha + (bias - mean * alpha), every operation rounded
# Otherwise (an input contiguous in no format: expanded, permuted, sliced, a 3-D [N, C, L] with C innermost; or a
# stepped weight / running statistic) the TensorIterator path of Normalization.cpp itself (built without FMA):
#   out = ((x - mean) * invstd) * weight + bias, every operation rounded in the input's type (no weight: * 1; no bias:
#   + 0, which makes a -0 +0), on every capability; in evaluation invstd = 1 / sqrt(running_var + eps) as tensor ops.
# So a constant input (variance 0, invstd = 1 / sqrt(eps) ~ 316) gives exactly bias on the second path, bias + a
# rounding of beta on the first (the fuzz round 36 hunt's case, seed 6236, an expanded [1, 1, 2, 5] input).
# Every case is checked below: "<CAP>.formulaMismatches" counts cases whose output is not the formula above applied to
# PyTorch's own mean and invstd (0 on both capabilities when written).
# Each capability is a subprocess under ATEN_CPU_CAPABILITY=avx2, default (this machine has no AVX-512); 1 thread.
# Called as torch.native_batch_norm(x, weight, bias, running_mean, running_var, training, 0.1, 1e-5).
# Layouts (the test builds the same ones), L in 5, 8, 13, 37 for float32 on the contiguous layouts and nlc, else 5, 13:
#   nchw [2, 2, 1, L]; ncl [2, 2, L]; nc [2, L]; cl [2, L, 1, 2] channels-last;
#   expand [2, 2, 1, L]: a [1, 2, 1, L] expanded over the batch (a constant case: [1, 2, 1, 1] expanded over all);
#   perm [2, 2, 1, L] with strides (1, 2, 2, 4) (x.permute(3, 1, 2, 0).contiguous().permute(3, 1, 2, 0));
#   slice [2, 2, 1, L]: every other element of a [2, 2, 1, 2L]; nlc [2, L, 2] with the channels innermost, strides
#   (2L, 1, L) (x.transpose(1, 2).contiguous().transpose(1, 2); a 3-D input is contiguous in no other format);
#   stepw nchw with weight every other element of a [2C]; steprv nchw with running_var every other element of a [2C].
# Format: "key<TAB>value" lines. cases: the count; case.<c>: "<dtype> <layout> <train|eval> <mode> <const|var>
# <shape...>" (mode wb / w / b / none: which of weight and bias are given; const: one value per channel); case.<c>.x:
# the input's values in logical row-major order as integers in eighths (value = k / 8); case.<c>.w, .b, .rm, .rv: bit
# patterns in hex (8 digits float32, 16 float64), present whatever the mode; <CAP>.<c>.y (row-major), .mean, .invstd
# (training only). DEFAULT's lines are written only for the contiguous layouts (elsewhere the same as AVX2's).
# Deterministic: random.Random(63); running it twice writes the same bytes.
import os
import random
import struct
import subprocess
import sys
from fractions import Fraction

import numpy as np
import torch

CONTIGUOUS = ("nchw", "ncl", "nc", "cl")
LAYOUTS = CONTIGUOUS + ("expand", "perm", "slice", "nlc", "stepw", "steprv")
LENGTHS = (5, 8, 13, 37)
MODES = ("wb", "w", "b", "none")


def shape_of(layout, n):
    return {"nchw": [2, 2, 1, n], "ncl": [2, 2, n], "nc": [2, n], "cl": [2, n, 1, 2], "expand": [2, 2, 1, n],
            "perm": [2, 2, 1, n], "slice": [2, 2, 1, n], "nlc": [2, n, 2], "stepw": [2, 2, 1, n],
            "steprv": [2, 2, 1, n]}[layout]


def lengths(dt, layout):
    # float32's vector paths over L (or C) in Ember: every length on the contiguous layouts and nlc (channels-last
    # rows); float64 and the other layouts 5 and 13 (a tail alone, a body and a tail)
    return LENGTHS if dt == "float32" and (layout in CONTIGUOUS or layout == "nlc") else (5, 13)


def cases():
    r = random.Random(63)
    out = []
    k = 0
    for dt in ("float32", "float64"):
        for layout in LAYOUTS:
            for train in (True, False):
                for n in lengths(dt, layout):
                    for const in (True, False):
                        shape = shape_of(layout, n)
                        c = shape[1]
                        count = int(np.prod(shape))
                        if const:
                            per = [r.randint(-24, 24) for _ in range(c)]
                            xs = []
                            for i in range(count):
                                xs.append(per[(i // int(np.prod(shape[2:]))) % c])
                        elif layout == "expand":
                            inner = count // shape[0]
                            base = [r.randint(-24, 24) for _ in range(inner)]
                            xs = base * shape[0]
                        else:
                            xs = [r.randint(-24, 24) for _ in range(count)]
                        w = [r.gauss(1, 1.5) for _ in range(c)]
                        b = [r.gauss(0, 2) for _ in range(c)]
                        rm = [r.gauss(0, 1.5) for _ in range(c)]
                        rv = [r.uniform(0.0, 3.0) for _ in range(c)]
                        if const and k % 3 == 0:
                            rv[0] = 0.0
                        out.append((dt, layout, train, MODES[(k // 2) % 4], shape, const, xs, w, b, rm, rv))
                        k += 1
    return out


def build(case):
    dt, layout, train, mode, shape, const, xs, w, b, rm, rv = case
    tdt = getattr(torch, dt)
    x = torch.tensor(xs, dtype=tdt).reshape(shape) / 8
    wt = torch.tensor(w, dtype=tdt)
    bt = torch.tensor(b, dtype=tdt)
    rmt = torch.tensor(rm, dtype=tdt)
    rvt = torch.tensor(rv, dtype=tdt)
    xin = x
    if layout == "cl":
        xin = x.contiguous(memory_format=torch.channels_last)
    elif layout == "expand":
        if const:
            xin = x[:1, :, :1, :1].clone().expand(shape)
        else:
            xin = x[:1].clone().expand(shape)
    elif layout == "perm":
        xin = x.permute(3, 1, 2, 0).contiguous().permute(3, 1, 2, 0)
    elif layout == "slice":
        xin = torch.stack([x, x + 1], -1).reshape(shape[:-1] + [2 * shape[-1]])[..., ::2]
    elif layout == "nlc":
        xin = x.transpose(1, 2).contiguous().transpose(1, 2)
    assert torch.equal(xin, x), layout
    ww = wt if mode in ("wb", "w") else None
    bb = bt if mode in ("wb", "b") else None
    if layout == "stepw" and ww is not None:
        ww = torch.stack([ww, ww + 1], -1).reshape(-1)[::2]
    rr = rvt.clone()
    if layout == "steprv":
        rr = torch.stack([rr, rr + 1], -1).reshape(-1)[::2]
    contiguous = layout in CONTIGUOUS or (layout == "stepw" and ww is None)
    return x, xin, ww, bb, rmt.clone(), rr, contiguous


def hexes(t):
    if t.dtype == torch.float32:
        return " ".join("%08x" % struct.unpack("<I", struct.pack("<f", v))[0] for v in t.reshape(-1).tolist())
    return " ".join("%016x" % struct.unpack("<Q", struct.pack("<d", v))[0] for v in t.reshape(-1).tolist())


def round32(fr):
    # the float32 nearest the exact rational fr (ties to even), without double rounding
    f = np.float32(float(fr))
    best = None
    for g in (np.nextafter(f, np.float32(-np.inf)), f, np.nextafter(f, np.float32(np.inf))):
        key = (abs(Fraction(float(g)) - fr), int(np.array(g).view(np.uint32)) & 1)
        if best is None or key < best[0]:
            best = (key, g)
    return best[1]


def fma(a, b, c, dt):
    fr = Fraction(float(a)) * Fraction(float(b)) + Fraction(float(c))
    return round32(fr) if dt == np.float32 else np.float64(fr.numerator / fr.denominator)


def formula(cap, contiguous, xv, m, inv, w, b, dt):
    if not contiguous:
        return dt(dt(dt(dt(xv - m) * inv) * w) + b)
    alpha = dt(inv * w)
    if cap == "DEFAULT":
        return dt(dt(xv * alpha) + dt(b - dt(m * alpha)))
    return fma(xv, alpha, fma(-m, alpha, b, dt), dt)


def child(cap):
    torch.set_num_threads(1)
    lines = []
    bad = 0
    for i, case in enumerate(cases()):
        dt_name, layout, train = case[0], case[1], case[2]
        x, xin, ww, bb, rm, rv, contiguous = build(case)
        if cap == "DEFAULT" and not contiguous:
            continue
        y, mean, invstd = torch.native_batch_norm(xin, ww, bb, rm, rv, train, 0.1, 1e-5)
        y = y.contiguous()
        lines.append("%s.%d.y\t%s" % (cap, i, hexes(y)))
        if train:
            lines.append("%s.%d.mean\t%s" % (cap, i, hexes(mean)))
            lines.append("%s.%d.invstd\t%s" % (cap, i, hexes(invstd)))
        dt = np.float32 if dt_name == "float32" else np.float64
        c = x.shape[1]
        if train:
            m, inv = mean.numpy(), invstd.numpy()
        elif contiguous:
            # collect_linear_and_constant_terms: 1 / std::sqrt(running_var + eps) in the parameters' type
            m, inv = rm.numpy(), (dt(1) / np.sqrt(rv.numpy() + dt(1e-5))).astype(dt)
        else:
            m, inv = rm.numpy(), (1 / torch.sqrt(rv + 1e-5)).numpy()
        wv = ww.numpy() if ww is not None else np.ones(c, dt)
        bv = bb.numpy() if bb is not None else np.zeros(c, dt)
        xa = x.numpy()
        want = np.empty_like(xa)
        for idx in np.ndindex(*xa.shape):
            k = idx[1]
            want[idx] = formula(cap, contiguous, xa[idx], m[k], inv[k], wv[k], bv[k], dt)
        if want.tobytes() != y.numpy().tobytes():
            bad += 1
            sys.stderr.write("%s case %d (%s %s) does not follow the formula\n" % (cap, i, dt_name, layout))
    lines.append("%s.formulaMismatches\t%d" % (cap, bad))
    sys.stdout.write("\n".join(lines) + "\n")


def main():
    if len(sys.argv) > 1:
        child(sys.argv[1])
        return
    lines = []
    all_cases = cases()
    lines.append("cases\t%d" % len(all_cases))
    for i, case in enumerate(all_cases):
        dt, layout, train, mode, shape, const, xs, w, b, rm, rv = case
        tdt = getattr(torch, dt)
        lines.append("case.%d\t%s %s %s %s %s %s" % (i, dt, layout, "train" if train else "eval", mode,
                                                      "const" if const else "var", " ".join(str(s) for s in shape)))
        lines.append("case.%d.x\t%s" % (i, " ".join(str(v) for v in xs)))
        for key, v in (("w", w), ("b", b), ("rm", rm), ("rv", rv)):
            lines.append("case.%d.%s\t%s" % (i, key, hexes(torch.tensor(v, dtype=tdt))))
    for cap, env in (("AVX2", "avx2"), ("DEFAULT", "default")):
        e = dict(os.environ, ATEN_CPU_CAPABILITY=env)
        lines.append(subprocess.run([sys.executable, __file__, cap], env=e, check=True, capture_output=True,
                                    text=True).stdout.rstrip("\n"))
    with open("expected.txt", "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
