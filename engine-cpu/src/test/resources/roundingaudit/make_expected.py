# Writes expected.txt for RoundingAuditTest.java: a float32 rounding audit of pointwise ops and their backwards, bit
# for bit against PyTorch's x86 CPU kernels (AVX2/AVX512 builds are compiled with FMA contraction, so a multiply that
# meets an add in a kernel may be one fused multiply-add: a last-bit difference no tolerance test sees).
#   run: cd engine-cpu/src/test/resources/roundingaudit && /usr/bin/python3 make_expected.py > expected.txt
#        /usr/bin/python3 make_expected.py overlay > expected_avx512.txt
# The second writes what ATEN_CPU_CAPABILITY=avx512 changes: each case's header and only its lines that differ
# (RoundingAuditTest lays them over expected.txt where Ember's CpuCapability is AVX512, 2.x's default on a CPU with
# AVX-512 VL/BW/DQ; 1.13 here defaults to AVX2).
# Written with this build's default capability (AVX2). Inputs are drawn in float64 and rounded, so they do not depend
# on the capability. Seeded: two runs give the same bytes. ATEN_CPU_CAPABILITY=avx512 does NOT give the same bytes for
# every case: the transcendental kernels (Sleef's 16-lane exp/log1p/tanh and the like in sigmoid, silu, mish,
# gelu tanh, softplus, celu's backward) and smooth_l1/huber's backward with a beta/delta other than 1 differ in a few
# elements (the latter because vectorized_loop's scalar tail, the last n % 32 elements on AVX512 and n % 16 on AVX2,
# rounds as the kernel's scalar expression).
# Every case is 1-D float32 of N elements: half random, half chosen so that rounding shows (cancellation: self near
# -value * t1 * t2 and the like; arguments near the branch points of piecewise functions). Losses use
# reduction='none' so that their backward is elementwise. The backward runs through autograd with the upstream
# gradient "g".
# Format: "=== <case>" then lines "<name> <8-hex-digit float32 bits...>": inputs first (names of the op's arguments),
# then "out" (forward) and "grad_<input>" for each input that requires grad.
import struct
import sys

import torch
import torch.nn.functional as F

N = 48
torch.manual_seed(46)


def bits(t):
    return " ".join("%08x" % struct.unpack("<I", struct.pack("<f", float(v)))[0] for v in t.reshape(-1).tolist())


def rnd(scale=2.0):
    return (torch.randn(N, dtype=torch.float64) * scale).float()


def near(base, rel=1e-6):
    # base + a few ulps-ish relative noise, rounded to float32: makes self + (something near -self) cancel
    return (base.double() * (1 + torch.randn(N, dtype=torch.float64) * rel)).float()


def half(a, b):
    # first half from a, second from b
    return torch.cat([a[: N // 2], b[N // 2:]])


def case(name, inputs, fn, grads=()):
    ts = {}
    for k, v in inputs.items():
        t = v.clone().float()
        if k in grads:
            t.requires_grad_(True)
        ts[k] = t
    out = fn(**ts)
    print("=== " + name)
    for k, v in inputs.items():
        print(k + " " + bits(v.float()))
    print("out " + bits(out.detach()))
    if grads:
        g = rnd(1.0)
        print("g " + bits(g))
        out.backward(g)
        for k in grads:
            print("grad_" + k + " " + bits(ts[k].grad))


def main():
    # --- multiply meets add in the forward kernels
    t1, t2 = rnd(), rnd()
    t2 = torch.where(t2.abs() < 0.1, t2 + 0.5, t2)
    for value in (0.3, 1.0, -1.7):
        s = half(rnd(), near(-(value * t1.double() / t2.double())))
        case("addcdiv %g" % value, {"self": s, "t1": t1, "t2": t2},
             lambda self, t1, t2, value=value: torch.addcdiv(self, t1, t2, value=value), ("self", "t1", "t2"))
    for value in (0.3, -1.7):
        s = half(rnd(), near(-(value * t1.double() * t2.double())))
        case("addcmul %g" % value, {"self": s, "t1": t1, "t2": t2},
             lambda self, t1, t2, value=value: torch.addcmul(self, t1, t2, value=value), ("self", "t1", "t2"))
    a = rnd()
    for alpha in (0.3, -1.7, 1.0):
        b = half(rnd(), near(-(a.double() / alpha)))
        case("add %g" % alpha, {"x": a, "y": b}, lambda x, y, alpha=alpha: torch.add(x, y, alpha=alpha), ("x", "y"))
        b = half(rnd(), near(a.double() / alpha))
        case("sub %g" % alpha, {"x": a, "y": b}, lambda x, y, alpha=alpha: torch.sub(x, y, alpha=alpha), ("x", "y"))
    end = half(rnd(), near(a.double(), 1e-5))
    for w in (0.3, 0.7, 0.5, 1.3, -0.4):
        case("lerp %g" % w, {"self": a, "end": end}, lambda self, end, w=w: torch.lerp(self, end, w),
             ("self", "end"))
    wt = torch.cat([torch.rand(N - 8, dtype=torch.float64).float(),
                    torch.tensor([0.5, 0.49999997, 0.50000006, 0.0, 1.0, -0.3, 1.4, 0.25])])
    case("lerp tensor", {"self": a, "end": end, "weight": wt}, lambda self, end, weight: torch.lerp(self, end, weight),
         ("self", "end", "weight"))
    lo = half(rnd(), a - 0.5)
    hi = half(rnd() + 1, a + 0.5)
    case("clamp scalar", {"x": a}, lambda x: torch.clamp(x, -0.7, 1.3), ("x",))
    case("clamp tensor", {"x": a, "lo": lo, "hi": hi}, lambda x, lo, hi: torch.clamp(x, lo, hi), ("x", "lo", "hi"))
    # --- losses (reduction none: elementwise backward)
    y = half(rnd(), near(a.double(), 1e-4))
    case("mse_loss", {"x": a, "y": y}, lambda x, y: F.mse_loss(x, y, reduction="none"), ("x", "y"))
    case("l1_loss", {"x": a, "y": y}, lambda x, y: F.l1_loss(x, y, reduction="none"), ("x", "y"))
    yb = half(rnd(), (a.double() + torch.randn(N, dtype=torch.float64) * 0.6).float())
    for beta in (1.0, 0.37):
        case("smooth_l1_loss %g" % beta, {"x": a, "y": yb},
             lambda x, y, beta=beta: F.smooth_l1_loss(x, y, reduction="none", beta=beta), ("x", "y"))
    for delta in (1.0, 0.37):
        case("huber_loss %g" % delta, {"x": a, "y": yb},
             lambda x, y, delta=delta: F.huber_loss(x, y, reduction="none", delta=delta), ("x", "y"))
    # --- activations, forward and backward
    x = half(rnd(2.5), (torch.rand(N, dtype=torch.float64) * 8 - 4).float())
    acts = [
        ("sigmoid", torch.sigmoid), ("tanh", torch.tanh), ("relu6", F.relu6),
        ("hardtanh", lambda x: F.hardtanh(x, -0.7, 1.3)), ("hardsigmoid", F.hardsigmoid),
        ("hardswish", F.hardswish), ("silu", F.silu), ("mish", F.mish),
        ("gelu none", lambda x: F.gelu(x)), ("gelu tanh", lambda x: F.gelu(x, approximate="tanh")),
        ("elu 1", lambda x: F.elu(x)), ("elu 0.7", lambda x: F.elu(x, 0.7)), ("selu", F.selu),
        ("celu 0.6", lambda x: F.celu(x, 0.6)), ("softplus 1 20", lambda x: F.softplus(x)),
        ("softplus 1.5 2", lambda x: F.softplus(x, 1.5, 2.0)), ("leaky_relu 0.03", lambda x: F.leaky_relu(x, 0.03)),
        ("threshold 0.2 -0.9", lambda x: F.threshold(x, 0.2, -0.9)), ("relu", F.relu),
        ("logit", lambda x: torch.logit(x)), ("logit 0.1", lambda x: torch.logit(x, 0.1)),
    ]
    p = torch.cat([torch.rand(N - 6, dtype=torch.float64).float(),
                   torch.tensor([0.5, 0.05, 0.95, 0.0999999, 0.9000001, 0.1])])
    for name, fn in acts:
        arg = p if name.startswith("logit") else x
        case(name, {"x": arg}, lambda x, fn=fn: fn(x), ("x",))
    # xlogy: x * log(y)
    yp = torch.rand(N, dtype=torch.float64).float() * 3 + 0.01
    case("xlogy", {"x": a, "y": yp}, lambda x, y: torch.xlogy(x, y), ("x", "y"))
    # addmm/baddbmm's alpha/beta scaling (k = 1) is left out: 1.13's float32 addmm and baddbmm go to MKL here, whose
    # bits were not reproducible from run to run (baddbmm(beta=0, alpha=0.9) differed between two runs of this
    # script: MKL picks its code path by the buffers' alignment), so there is no kernel expression to hold Ember to.


def overlay():
    import os
    import subprocess
    runs = {}
    for cap in ("avx2", "avx512"):
        env = dict(os.environ, ATEN_CPU_CAPABILITY=cap)
        runs[cap] = subprocess.run([sys.executable, os.path.abspath(__file__)], env=env, check=True,
                                   stdout=subprocess.PIPE).stdout.decode().splitlines()
    assert len(runs["avx2"]) == len(runs["avx512"])
    head = None
    for a, b in zip(runs["avx2"], runs["avx512"]):
        if a.startswith("==="):
            assert a == b
            head = a
        elif a != b:
            assert a.split(" ")[0] == b.split(" ")[0]
            if head:
                print(head)
                head = None
            print(b)


if __name__ == "__main__":
    if sys.argv[1:] == ["overlay"]:
        overlay()
    else:
        main()
