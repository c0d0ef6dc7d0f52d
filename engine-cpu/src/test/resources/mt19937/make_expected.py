# Expected values for RandomMt19937Test.java: PyTorch's CPU generator (MT19937) and its CPU kernels, which Ember's
# Generator.Algorithm.MT19937 reproduces (Mt19937.java, TorchCpuRandom.java).
#   run: cd engine-cpu/src/test/resources/mt19937 && /usr/bin/python3 make_expected.py > expected.txt
#   (PyTorch 1.13 CPU, Debian's build: CPU capability AVX2 by default, no MKL. The generator and the kernels' rules are
#   2.x's too: aten/src/ATen/core/{MT19937RNGEngine.h,DistributionsHelper.h,TransformationHelper.h},
#   aten/src/ATen/native/cpu/DistributionTemplates.h, CPUGeneratorImpl.cpp; builds with MKL draw bernoulli_(p) and
#   exponential_ from MKL instead.) The kernels are compiled per CPU capability, and some results depend on it (fused
#   multiply-adds on AVX2/AVX512, not on DEFAULT; the float32 normal fill's log/sin/cos: avx_mathfun's on AVX2, the C
#   library's elsewhere): those cases are written again for each capability by a run of this script under
#   ATEN_CPU_CAPABILITY=avx2/avx512/default, named "case@AVX2" and so on.
#
# Format: one case per block: "=== name", then "dtype shape", then the values, one per line: floats as float.hex of the
# value (exact), integers and bools as integers; "bytes" cases give a hex string.
import os
import subprocess
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


def emit(name, t):
    t = t.detach()
    print("=== " + name)
    print(str(t.dtype).replace("torch.", "") + " " + ",".join(str(s) for s in t.shape))
    if t.is_complex():
        t = torch.view_as_real(t)
    flat = t.reshape(-1)
    if t.dtype.is_floating_point:
        for v in flat.double().tolist():
            print(float(v).hex())
    else:
        for v in flat.long().tolist():
            print(v)


def seeded(seed, name, fn):
    torch.manual_seed(seed)
    emit(name, fn())


# the cases whose values depend on the kernels' CPU capability: (seed, name, draw)
SENSITIVE = [
    (5, "uniform_f32_bounds", lambda: torch.empty(200).uniform_(-0.37, 0.81)),
    (6, "uniform_f64_bounds", lambda: torch.empty(200, dtype=torch.float64).uniform_(-0.37, 0.81)),
    (16, "normal_f64_mean_std", lambda: torch.empty(100, dtype=torch.float64).normal_(2.0, 3.0)),
    (42, "normal_f64_small_mean_std", lambda: torch.empty(7, dtype=torch.float64).normal_(2.0, 3.0)),
    (18, "randn_f32_16", lambda: torch.randn(16)),
    (19, "randn_f32_37", lambda: torch.randn(37)),
    (20, "randn_f32_300", lambda: torch.randn(300)),
    (21, "normal_f32_mean_std", lambda: torch.empty(64).normal_(-1.5, 0.25)),
    (43, "randn_f32_1200", lambda: torch.randn(1200)),
]
CAPABILITY = os.environ.get("MT_CAPABILITY")
if CAPABILITY:
    os.environ["ATEN_CPU_CAPABILITY"] = CAPABILITY
    for seed, name, fn in SENSITIVE:
        seeded(seed, name + "@" + CAPABILITY.upper(), fn)
    sys.exit(0)


# uniform
seeded(0, "rand_f32_5", lambda: torch.rand(5))
seeded(1, "rand_f32_100", lambda: torch.rand(100))
seeded(2, "rand_f64_7", lambda: torch.rand(7, dtype=torch.float64))
seeded(3, "rand_f16_40", lambda: torch.rand(40, dtype=torch.float16))
seeded(4, "rand_bf16_40", lambda: torch.rand(40, dtype=torch.bfloat16))
seeded(5, "uniform_f32_bounds", lambda: torch.empty(200).uniform_(-0.37, 0.81))
seeded(6, "uniform_f64_bounds", lambda: torch.empty(200, dtype=torch.float64).uniform_(-0.37, 0.81))
seeded(7, "uniform_f16_bounds", lambda: torch.empty(50, dtype=torch.float16).uniform_(-3.3, 1.7))
seeded(8, "uniform_bf16_bounds", lambda: torch.empty(50, dtype=torch.bfloat16).uniform_(-3.3, 1.7))
seeded(9, "uniform_transposed", lambda: torch.empty(3, 4).t().uniform_())
seeded(10, "rand_c64_3", lambda: torch.rand(3, dtype=torch.complex64))
# normal
seeded(11, "randn_f64_1", lambda: torch.randn(1, dtype=torch.float64))
seeded(12, "randn_f64_7", lambda: torch.randn(7, dtype=torch.float64))
seeded(13, "randn_f64_16", lambda: torch.randn(16, dtype=torch.float64))
seeded(14, "randn_f64_37", lambda: torch.randn(37, dtype=torch.float64))
seeded(15, "randn_f64_200", lambda: torch.randn(200, dtype=torch.float64))
seeded(16, "normal_f64_mean_std", lambda: torch.empty(100, dtype=torch.float64).normal_(2.0, 3.0))
seeded(17, "randn_f32_5", lambda: torch.randn(5))
seeded(18, "randn_f32_16", lambda: torch.randn(16))  # tolerance: avx_mathfun
seeded(19, "randn_f32_37", lambda: torch.randn(37))  # tolerance
seeded(20, "randn_f32_300", lambda: torch.randn(300))  # tolerance
seeded(21, "normal_f32_mean_std", lambda: torch.empty(64).normal_(-1.5, 0.25))  # tolerance


def normal_fill_2x(seed, n, dtype, mean=0.0, std=1.0):
    """2.x's normal_fill for float16/bfloat16 (n >= 16, contiguous), each step rounded to the type: c10's operators of
    two such values and 2.x's std::log/sqrt/cos/sin overloads for both types (c10/util/BFloat16-math.h) compute in float
    and round. 1.13 had those overloads for bfloat16 only, so its float16 fill differs; for bfloat16 this emulation is
    checked against 1.13's own randn below. The uniform numbers under it are torch.rand's of the type (the same draws)."""
    torch.manual_seed(seed)
    d = torch.rand(n, dtype=dtype)
    u = torch.rand(16, dtype=dtype) if n % 16 else None  # the tail's redrawn 16

    def r(x):  # a double or float result rounded to the type as C++ does (through float)
        return x.float().to(dtype)

    def block(v):  # every step computed in float and rounded to the type
        u1 = r(1 - v[:8].float())
        u2 = v[8:]
        lg = r(torch.log(u1.float()))
        radius = r(torch.sqrt(r(-2 * lg.float()).float()))
        theta = r(u2.double() * (2.0 * 3.141592653589793))
        c, s_in = r(torch.cos(theta.float())), r(torch.sin(theta.float()))
        m = float(torch.tensor(mean).to(dtype))
        sd = float(torch.tensor(std).to(dtype))
        a = r(r(r(radius.float() * c.float()).float() * sd).float() + m)
        b = r(r(r(radius.float() * s_in.float()).float() * sd).float() + m)
        return torch.cat([a, b])

    out = d.clone()
    for i in range(0, n - 15, 16):
        out[i:i + 16] = block(d[i:i + 16])
    if u is not None:
        out[n - 16:] = block(u)
    return out


assert torch.equal(normal_fill_2x(23, 40, torch.bfloat16), (torch.manual_seed(23), torch.randn(40, dtype=torch.bfloat16))[1])
emit("randn_f16_40", normal_fill_2x(22, 40, torch.float16))
seeded(23, "randn_bf16_40", lambda: torch.randn(40, dtype=torch.bfloat16))
seeded(24, "randn_f16_5", lambda: torch.randn(5, dtype=torch.float16))
seeded(25, "normal_strided_f32", lambda: torch.empty(4, 8).t().normal_())
seeded(26, "randn_c128_3", lambda: torch.randn(3, dtype=torch.complex128))


def cached():
    a = torch.randn(1, dtype=torch.float64)
    b = torch.randn(3, dtype=torch.float64)
    c = torch.randn(2, dtype=torch.float64)
    return torch.cat([a, b, c])


seeded(27, "randn_f64_cached", cached)
# integers
seeded(28, "randint_10", lambda: torch.randint(0, 10, (8,)))
seeded(29, "randint_wide", lambda: torch.randint(-5, 2 ** 40, (6,)))
seeded(30, "randint_i32", lambda: torch.randint(3, 9, (5,), dtype=torch.int32))
seeded(31, "random_float", lambda: torch.empty(5).random_(0, 100))
seeded(32, "random_to", lambda: torch.empty(6, dtype=torch.int64).random_(1000))
seeded(33, "randperm_10", lambda: torch.randperm(10))
seeded(34, "randperm_100", lambda: torch.randperm(100))
# bernoulli, dropout, exponential
seeded(35, "bernoulli_scalar", lambda: torch.empty(50).bernoulli_(0.3))
seeded(36, "bernoulli_tensor_f32", lambda: torch.bernoulli(torch.linspace(0, 1, 20)))
seeded(37, "bernoulli_tensor_f64", lambda: torch.bernoulli(torch.linspace(0, 1, 20, dtype=torch.float64)))
seeded(38, "dropout", lambda: F.dropout(torch.ones(30), 0.4, training=True))
seeded(39, "exponential_f64", lambda: torch.empty(20, dtype=torch.float64).exponential_(2.5))
seeded(40, "exponential_f32", lambda: torch.empty(20).exponential_(2.5))
seeded(41, "poisson_f64", lambda: torch.poisson(torch.tensor([0.5, 3.0, 12.0, 40.0, 0.0, 7.5], dtype=torch.float64)))
# seeds
seeded(-1, "seed_minus_1", lambda: torch.rand(3))
seeded(2 ** 40 + 7, "seed_wide", lambda: torch.rand(3))


def with_generator():
    g = torch.Generator().manual_seed(123)
    return torch.cat([torch.rand(3, generator=g), torch.randn(2, generator=g)])


emit("generator_object", with_generator())


# state: PyTorch's bytes after seed 5 and three uniform floats; a state with a cached normal sample, then what it draws
def state_hex():
    return bytes(torch.get_rng_state().numpy()).hex()


torch.manual_seed(5)
torch.rand(3)
print("=== state_after_rand3")
print("bytes")
print(state_hex())
torch.manual_seed(9)
torch.randn(1, dtype=torch.float64)
print("=== state_cached_normal")
print("bytes")
print(state_hex())
emit("after_state_cached_normal", torch.randn(3, dtype=torch.float64))


# modules' initial weights after a seed
def module_case(name, seed, make):
    torch.manual_seed(seed)
    m = make()
    for k, v in m.state_dict().items():
        emit(name + ":" + k, v)


module_case("linear", 0, lambda: nn.Linear(5, 3))
module_case("conv2d", 1, lambda: nn.Conv2d(2, 3, 3))
module_case("embedding", 2, lambda: nn.Embedding(4, 3))
module_case("mlp", 3, lambda: nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)))


# the capability-dependent cases under each capability (ATEN_CPU_CAPABILITY is read when torch loads: a fresh process)
sys.stdout.flush()
for cap in ("avx2", "avx512", "default"):
    env = dict(os.environ, ATEN_CPU_CAPABILITY=cap, MT_CAPABILITY=cap)
    sys.stdout.write(subprocess.run([sys.executable, __file__], env=env, check=True, capture_output=True, text=True).stdout)
