# Expected values for HalfRulesTest (session 42): float16/bfloat16 rules of PyTorch 2.x that rounds 10-12 left unpinned
# (differentialfuzzr12/make_cases.py's "left out" list), and float32 logspace, met on the way.
# Lines "key value" (refcases.key_lines). Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13 CPU, AVX2)
#
# Only PyTorch 1.13 is installed. Where its CPU kernel is 2.x's, values come from it directly; where 1.13 has no kernel or
# a different one, they come from the 2.x source rule stated beside each case, emulated below in numpy float32 with
# explicit roundings, and the emulation is first checked against 1.13 wherever 1.13 has the same kernel (assertions in
# this script). Lines ending ".113" hold 1.13's own (different) values, for the record; the test does not expect them.
#
# 1. add/sub with alpha (2.x ufunc/add.h, unchanged since 1.11): alpha converted checked to the tensor's type
#    (alpha.to<scalar_t>()), then cpu_kernel_vec: the vector loop (chunks of 2 * Vectorized<T>::size() elements)
#    computes vec::fmadd(other, alpha, self), which for Half and BFloat16 converts to float, _mm256_fmadd_ps (one float
#    rounding) and converts back (one half rounding); the scalar tail computes self + alpha * other in c10::Half
#    arithmetic (two half roundings). 1.13 already has Vectorized<BFloat16>'s fmadd (its bfloat16 values are 2.x's) but
#    no Vectorized<Half> (its float16 values round twice everywhere, ".113"); 2.x's vec256_half.h fmadd is the
#    bfloat16 one. Lengths 64 and 128 are wholly in the vector loop on AVX2 (passes of 32) and AVX512 (64) builds;
#    5, 17 and 31 values, and strided operands (basic_loop), wholly in the scalar path on both; 40 and 100 values mix
#    them by the build's pass: AVX2's values (32 + 8, 96 + 4), and ".avx512" lines for an AVX512 build (40 values in
#    the scalar path, 100 as 64 + 36), which 2.x dispatches to on a CPU with AVX-512 (Ember follows the machine's
#    capability, CpuBackend.cpuCapability(), as 2.x does; session 45).
# 2. nextafter (2.x BinaryOpsKernel.cpp: AT_DISPATCH_REDUCED_FLOATING_TYPES -> c10's nextafter template for
#    is_reduced_floating_point types, musl's algorithm on the 16 bits: NaN for a NaN operand, `from` for equal bits,
#    `to` for two zeros, the smallest subnormal with to's sign from a zero, else one step of the bits). 1.13 has it for
#    bfloat16 only (checked equal to the emulation here); float16 (2.3+) from the emulation.
# 3. logspace (2.x RangeFactories.cpp logspace_out, AT_DISPATCH_ALL_TYPES_AND2(kBFloat16, kHalf)): start and end
#    converted checked to scalar_t; step = double(end - start computed in scalar_t) / (steps - 1); value i =
#    pow(double base, start + step * i) below steps / 2, else pow(base, end - step * (steps - i - 1)), in double,
#    rounded once to scalar_t. 1.13 has the same code for float32 and bfloat16 (checked here); float16 from the rule.
# 4. softmax / log_softmax backward of bfloat16 and float16 (2.x SoftmaxKernel.cpp: _vec_host_softmax_backward_lastdim
#    with Vectorized<opmath_type> and the reduced-type vec::reduce_all/map2 helpers, and the reduced-type
#    _vec_softmax_backward / _vec_log_softmax_backward for other dims): the saved output y and the incoming gradient g
#    converted to float, s = sum(g * y) (softmax) or sum(g) (log_softmax) in float, then (g - s) * y or
#    g - exp(y) * s in float, rounded once. 1.13 rounds s to bfloat16 first (".113") and has no float16 kernel. The
#    forward is 2.x's too (float32 softmax of the float inputs, rounded once). Inputs are drawn so that the float32
#    rule and the exact (float64) computation round to the same half value everywhere: the summation order and a last
#    float32 bit of exp do not matter then.
# 5. tanh and sigmoid backward of the half types (2.x BinaryOpsKernel.cpp tanh_backward_kernel /
#    sigmoid_backward_kernel, reduced-type branch): the gradient a and the saved output b (of the type) in float,
#    a * (1 - b * b) and a * (1 - b) * b in float32 operations, rounded once. 1.13 has the bfloat16 branch (checked equal
#    here); float16 from the rule (rounds 10-12 left it out). The forward is 2.x's float32 tanh / 1 / (1 + exp(-x)) of
#    the float input rounded once; inputs are drawn where that rounding is robust to the last float32 bit.
# 6. linspace of the half types with 16 to 31 values (RangeFactoriesKernel.cpp's linspace_kernel, 1.13's and 2.x's):
#    cpu_serial_kernel_vec takes its vector loop only for 2 * Vectorized<T>::size() values or more (32 on AVX2 and
#    DEFAULT builds, 64 on AVX512), so up to 31 values every build steps in the scalar lambda (start + step * i, or
#    end - step * (steps - i - 1) from halfway, in the type's arithmetic), which rounds 10-12 pinned below 16 values;
#    1.13's values directly. From 32 values 1.13's vector path (Vectorized<T>::arange from each vector's first value)
#    is the build's; 2.x removed it (every value the scalar lambda, on every build): those lengths (32 to 100 values)
#    are written from ../linspace2x.py's emulation of 2.x (session 62), keys linspace2x.*.
import math
import os
import random
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from refcases import key_lines  # noqa: E402

torch.set_num_threads(1)
lines = []
text, tensor, err = key_lines(lines)
rng = random.Random(42)
DT = {"float16": torch.float16, "bfloat16": torch.bfloat16, "float32": torch.float32}


def half(x, dt):
    """float32 values (numpy or list) rounded to dt (round to nearest even), as a torch tensor of dt."""
    return torch.tensor(np.asarray(x, dtype=np.float32)).to(DT[dt])


def f32(t):
    return t.float().numpy().astype(np.float32)


def draw(n, dt, scale=3.0):
    return half([rng.gauss(0, 1) * scale for _ in range(n)], dt)


# ---- 1. add/sub with alpha
def fma_rule(a, b, alpha, dt, fused=None):
    """2.x's kernel on AVX2: the first `fused` elements (default: every whole pass of 32) by the vector path,
    half(float32(b * half(alpha) + a)) (the product exact in float64 for 8/11-bit significands), the rest by the
    scalar path, half(a + half(half(alpha) * b)) in float32 operations."""
    al = float(half([alpha], dt)[0])
    n = a.numel()
    fused = n // 32 * 32 if fused is None else fused
    exact = f32(b).astype(np.float64) * al + f32(a).astype(np.float64)
    vec = f32(half(exact.astype(np.float32), dt))
    prod = f32(half((np.float32(al) * f32(b)).astype(np.float32), dt))
    scal = f32(half((f32(a) + prod).astype(np.float32), dt))
    out = np.where(np.arange(n).reshape(a.shape) < fused, vec, scal)
    return half(out, dt)


for dt in ("bfloat16", "float16"):
    for n in (64, 128):
        for alpha in (0.3, -1.0 / 3, 2.75):
            a = draw(n, dt)
            b = draw(n, dt)
            key = "add.%s.%d.%s" % (dt, n, repr(alpha))
            want = fma_rule(a, b, alpha, dt)
            got113 = torch.add(a, b, alpha=alpha)
            if dt == "bfloat16":
                assert torch.equal(got113, want), key  # 1.13's bfloat16 kernel is 2.x's
            tensor(key + ".a", a)
            tensor(key + ".b", b)
            tensor(key + ".out", want)
            tensor(key + ".sub", fma_rule(a, b, -alpha, dt))
            if dt == "bfloat16":
                assert torch.equal(torch.sub(a, b, alpha=alpha), fma_rule(a, b, -alpha, dt)), key
            else:
                tensor(key + ".113", got113)
    # short rows (the scalar path on every build), rows that mix the paths (AVX2's passes), in place too
    for n in (5, 17, 31, 40, 100):
        a = draw(n, dt)
        b = draw(n, dt)
        key = "add.%s.short.%d" % (dt, n)
        want = fma_rule(a, b, 0.3, dt)
        if dt == "bfloat16":
            assert torch.equal(torch.add(a, b, alpha=0.3), want), key
            assert torch.equal(a.clone().add_(b, alpha=0.3), want), key
            assert torch.equal(torch.sub(a, b, alpha=0.3), fma_rule(a, b, -0.3, dt)), key
        tensor(key + ".a", a)
        tensor(key + ".b", b)
        tensor(key + ".out", want)
        tensor(key + ".sub", fma_rule(a, b, -0.3, dt))
        if n in (40, 100):  # an AVX512 build's split (passes of 64: 0 + 40, 64 + 36), for a test on such a machine
            # (the rule checked against 1.13 under ATEN_CPU_CAPABILITY=avx512 in leftovers45/make_expected.py)
            tensor(key + ".avx512.out", fma_rule(a, b, 0.3, dt, fused=n // 64 * 64))
            tensor(key + ".avx512.sub", fma_rule(a, b, -0.3, dt, fused=n // 64 * 64))
    # strided operands: basic_loop, the scalar path for every element
    a = draw(128, dt)
    b = draw(128, dt)
    want = fma_rule(a[::2], b[::2], 0.3, dt, fused=0)
    if dt == "bfloat16":
        assert torch.equal(torch.add(a[::2], b[::2], alpha=0.3), want)
    tensor("add.%s.strided.a" % dt, a)
    tensor("add.%s.strided.b" % dt, b)
    tensor("add.%s.strided.out" % dt, want)
    # a 0-dim other, broadcast (the vector loop with a scalar operand)
    a = draw(64, dt)
    b = draw(1, dt).reshape(())
    tensor("add.%s.bcast.a" % dt, a)
    tensor("add.%s.bcast.b" % dt, b)
    tensor("add.%s.bcast.out" % dt, fma_rule(a, b.expand(64), 0.3, dt))
    if dt == "bfloat16":
        assert torch.equal(torch.add(a, b, alpha=0.3), fma_rule(a, b.expand(64), 0.3, dt))
# alpha past the type's range: the checked conversion's error (1.13 and 2.x)
err("add.float16.alpha_overflow", lambda: torch.add(torch.ones(3, dtype=torch.float16),
                                                   torch.ones(3, dtype=torch.float16), alpha=1e6))
err("add.bfloat16.alpha_overflow", lambda: torch.add(torch.ones(3, dtype=torch.bfloat16),
                                                    torch.ones(3, dtype=torch.bfloat16), alpha=1e39))


# ---- 2. nextafter
def bits16(t, dt):
    """The 16-bit patterns of a float16/bfloat16 tensor."""
    return t.view(torch.int16).numpy().astype(np.int64) & 0xFFFF


def from_bits16(bits, dt):
    return torch.tensor(np.asarray(bits, dtype=np.int64).astype(np.uint16).view(np.int16)).view(DT[dt])


def nextafter_rule(x, y, dt):
    fx = x.float().tolist()
    fy = y.float().tolist()
    bx = bits16(x, dt)
    by = bits16(y, dt)
    out = []
    for f, t, i, j in zip(fx, fy, bx, by):
        if f != f or t != t:
            out.append(0x7FC0 if dt == "bfloat16" else 0x7E00)  # NaN (from + to); the sign of NaN is not compared
            continue
        if i == j:
            out.append(i)
            continue
        af = i & 0x7FFF
        at = j & 0x7FFF
        if af == 0:
            out.append(j if at == 0 else (j & 0x8000) | 1)
        elif af > at or ((i ^ j) & 0x8000):
            out.append(i - 1)
        else:
            out.append(i + 1)
    return from_bits16(out, dt)


for dt in ("bfloat16", "float16"):
    tiny = float(torch.finfo(DT[dt]).tiny)
    big = float(torch.finfo(DT[dt]).max)
    sub = tiny / 4
    corners = [0.0, -0.0, 1.0, -1.0, 0.5, 3.0, tiny, -tiny, sub, -sub, big, -big, math.inf, -math.inf, 1e-3, 65.5]
    xs = []
    ys = []
    for c in corners:
        for d in (0.0, -0.0, 1.0, -1.0, math.inf, -math.inf, c, 2.0 * c if abs(c) < big / 2 else c):
            xs.append(c)
            ys.append(d)
    xs.append(math.nan)
    ys.append(1.0)
    xs.append(1.0)
    ys.append(math.nan)
    x = half(xs, dt)
    y = half(ys, dt)
    want = nextafter_rule(x, y, dt)
    if dt == "bfloat16":
        got = torch.nextafter(x, y)
        same = (bits16(got, dt) == bits16(want, dt)) | (torch.isnan(got) & torch.isnan(want)).numpy()
        assert same.all(), "bfloat16 nextafter emulation"
    tensor("nextafter.%s.x" % dt, x)
    tensor("nextafter.%s.y" % dt, y)
    tensor("nextafter.%s.out" % dt, want)
err("nextafter.float16.113", lambda: torch.nextafter(torch.ones(2, dtype=torch.float16),
                                                     torch.zeros(2, dtype=torch.float16)))


# ---- 3. logspace
def to_type(v, dt):
    return float(half([v], dt)[0]) if dt != "float32" else float(np.float32(v))


def logspace_rule(start, end, steps, base, dt):
    if steps == 1:
        return half([np.float32(math.pow(base, start))], dt) if dt != "float32" else torch.tensor(
            [math.pow(base, start)], dtype=torch.float64).float()
    s = to_type(start, dt)
    e = to_type(end, dt)
    step = to_type(np.float32(e) - np.float32(s), dt) / (steps - 1)  # end - start in scalar_t's arithmetic
    vals = []
    for i in range(steps):
        x = s + step * i if i < steps // 2 else e - step * (steps - i - 1)
        try:
            v = math.pow(base, x)
        except OverflowError:
            v = math.inf
        vals.append(v)
    if dt == "float32":
        return torch.tensor(vals, dtype=torch.float64).float()
    # double -> Half/BFloat16: c10 converts through float (static_cast<float>, then round to nearest even)
    return half(np.asarray(vals, dtype=np.float64).astype(np.float32), dt)


LOGSPACE = [(0.1, 2.3, 7, 3.7), (-3.0, 3.0, 13, 10.0), (1.5, -2.5, 9, 3.0), (0.0, 1.0, 11, 2.0),
            (-0.7, 0.45, 6, math.e), (2.0, 4.75, 12, 2.0), (0.5, 2.0, 1, 10.0), (3.25, 3.25, 4, 10.0)]
for dt in ("float32", "bfloat16", "float16"):
    for k, (a, b, n, base) in enumerate(LOGSPACE):
        want = logspace_rule(a, b, n, base, dt)
        if dt != "float16":
            got = torch.logspace(a, b, n, base, dtype=DT[dt])
            assert torch.equal(got, want.to(DT[dt])), (dt, a, b, n, base, got, want)
        tensor("logspace.%s.%d" % (dt, k), want.to(DT[dt]))
    for k in range(6):
        a = round(rng.uniform(-4, 4), 3)
        b = round(rng.uniform(-4, 4), 3)
        n = rng.randint(2, 15)
        base = rng.choice([2.0, 10.0, 3.7])
        want = logspace_rule(a, b, n, base, dt)
        if dt != "float16":
            assert torch.equal(torch.logspace(a, b, n, base, dtype=DT[dt]), want.to(DT[dt]))
        text("logspace.%s.r%d.args" % (dt, k), "%r %r %d %r" % (a, b, n, base))
        tensor("logspace.%s.r%d" % (dt, k), want.to(DT[dt]))
err("logspace.bfloat16.start_overflow", lambda: torch.logspace(1e39, 2, 3, dtype=torch.bfloat16))
err("logspace.float32.start_overflow", lambda: torch.logspace(1e39, 2, 3, dtype=torch.float32))
# one step: fill_(pow(base, start)), whose Scalar conversion is checked (the power past the type's range is refused)
err("logspace.bfloat16.one_step_overflow", lambda: torch.logspace(39, 40, 1, dtype=torch.bfloat16))
err("logspace.float32.one_step_overflow", lambda: torch.logspace(39, 40, 1, dtype=torch.float32))
# more steps: each power converted unchecked (inf past the range)
tensor("logspace.bfloat16.inf", torch.logspace(2, 400, 3, dtype=torch.bfloat16))
# float16 (2.x's start.to<at::Half>(): the same checked conversion and words; 1.13 has no float16 logspace)
text("logspace.float16.start_overflow", "RuntimeError: value cannot be converted to type at::Half without overflow")
# a difference that rounds in the type: float16's end - start is rounded to float16 before the double step
tensor("logspace.float16.rounded_diff", logspace_rule(0.1, 1000.3, 5, 1.001, "float16"))


# ---- 4. softmax / log_softmax backward
def softmax_rule(x, dim, log, dt):
    """2.x's forward: float32 softmax of the float inputs, rounded once; and the float64 exact one (for stability)."""
    xf = torch.tensor(f32(x))
    x64 = xf.double()
    m = x64.amax(dim, keepdim=True)
    ex = torch.exp(x64 - m)
    s = ex.sum(dim, keepdim=True)
    exact = (x64 - m - torch.log(s)) if log else ex / s
    m32 = xf.amax(dim, keepdim=True)
    e32 = torch.exp(xf - m32)
    s32 = e32.sum(dim, keepdim=True)
    r32 = (xf - m32 - torch.log(s32)) if log else e32 * (1 / s32)
    return half(r32.numpy(), dt), half(exact.float().numpy(), dt)


def backward_rule(y, g, dim, log, dt):
    yf = torch.tensor(f32(y))
    gf = torch.tensor(f32(g))
    if log:
        s32 = gf.sum(dim, keepdim=True)
        r32 = gf - torch.exp(yf) * s32
        s64 = gf.double().sum(dim, keepdim=True)
        exact = gf.double() - torch.exp(yf.double()) * s64
    else:
        s32 = (gf * yf).sum(dim, keepdim=True)
        r32 = (gf - s32) * yf
        s64 = (gf.double() * yf.double()).sum(dim, keepdim=True)
        exact = (gf.double() - s64) * yf.double()
    return half(r32.numpy(), dt), half(exact.float().numpy(), dt)


def same(a, b):
    return torch.equal(a, b)


for dt in ("bfloat16", "float16"):
    for log in (False, True):
        for shape, dim in (([3, 8], 1), ([5, 4], 0), ([2, 3, 6], 2), ([4, 3, 2], 1)):
            for attempt in range(200):
                x = draw(int(np.prod(shape)), dt, 2.0).reshape(shape)
                g = draw(int(np.prod(shape)), dt, 1.0).reshape(shape)
                y, y_exact = softmax_rule(x, dim, log, dt)
                gi, gi_exact = backward_rule(y, g, dim, log, dt)
                if same(y, y_exact) and same(gi, gi_exact):
                    break
            else:
                raise AssertionError("no stable draw")
            key = "%s.%s.%s.%d" % ("log_softmax" if log else "softmax", dt, "x".join(map(str, shape)), dim)
            tensor(key + ".x", x)
            tensor(key + ".g", g)
            tensor(key + ".y", y)
            tensor(key + ".grad", gi)
            if dt == "bfloat16":
                xx = x.clone().requires_grad_(True)
                yy = (torch.log_softmax if log else torch.softmax)(xx, dim)
                yy.backward(g)
                tensor(key + ".grad.113", xx.grad)


# ---- 5. tanh / sigmoid backward
def robust_forward(x, fn, dt):
    """2.x's forward of float16/bfloat16 x, or None where a last float32 bit of the result could change it."""
    x64 = f32(x).astype(np.float64)
    exact = np.tanh(x64) if fn == "tanh" else 1.0 / (1.0 + np.exp(-x64))
    want = half(exact.astype(np.float32), dt)
    f = exact.astype(np.float32)
    for nudge in (np.nextafter(f, np.float32(np.inf)), np.nextafter(f, np.float32(-np.inf))):
        if not torch.equal(half(nudge, dt), want):
            return None
    return want


for dt in ("bfloat16", "float16"):
    for fn in ("tanh", "sigmoid"):
        vals = []
        while len(vals) < 64:
            v = half([rng.gauss(0, 1.5)], dt)
            if robust_forward(v, fn, dt) is not None:
                vals.append(float(v[0]))
        x = half(vals, dt)
        g = draw(64, dt, 1.0)
        y = robust_forward(x, fn, dt)
        a0 = f32(g)
        b0 = f32(y)
        grad = half(a0 * (np.float32(1) - b0 * b0) if fn == "tanh" else a0 * (np.float32(1) - b0) * b0, dt)
        if dt == "bfloat16":
            xx = x.clone().requires_grad_(True)
            yy = getattr(torch, fn)(xx)
            assert torch.equal(yy, y), fn
            yy.backward(g)
            assert torch.equal(xx.grad, grad), fn
        key = "%s.%s" % (fn, dt)
        tensor(key + ".x", x)
        tensor(key + ".g", g)
        tensor(key + ".y", y)
        tensor(key + ".grad", grad)
        if dt == "float16":
            # the gradient computed from the unrounded float32 output (the rule rounds 10-12 compared to) differs
            exact_b = np.tanh(f32(x)) if fn == "tanh" else (1 / (1 + np.exp(-f32(x).astype(np.float64)))).astype(
                np.float32)
            tensor(key + ".grad.unrounded_y", half(a0 * (np.float32(1) - exact_b * exact_b) if fn == "tanh"
                                                   else a0 * (np.float32(1) - exact_b) * exact_b, dt))


# ---- 6. linspace of 16 to 31 values
for dt in ("bfloat16", "float16"):
    for k, n in enumerate((16, 20, 31)):
        a = round(rng.uniform(-50, 50), 4)
        b = round(rng.uniform(-50, 50), 4)
        text("linspace.%s.%d.args" % (dt, k), "%r %r %d" % (a, b, n))
        tensor("linspace.%s.%d" % (dt, k), torch.linspace(a, b, n, dtype=DT[dt]))
# from 32 values: 2.x's scalar lambda (emulated), where 1.13 takes its vector path
from linspace2x import linspace2x  # noqa: E402
rng2x = random.Random(62)
for dt in ("bfloat16", "float16"):
    for k, n in enumerate((32, 33, 64, 100)):
        a = round(rng2x.uniform(-50, 50), 4)
        b = round(rng2x.uniform(-50, 50), 4)
        text("linspace2x.%s.%d.args" % (dt, k), "%r %r %d" % (a, b, n))
        tensor("linspace2x.%s.%d" % (dt, k), linspace2x(a, b, n, DT[dt]))

print("\n".join(lines))
