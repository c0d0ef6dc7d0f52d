# Expected values for RandomMt19937BulkTest.java: PyTorch's CPU generator (MT19937) on draws long enough to cross
# several of the engine's twists (624 words each), started at odd places of the state, which Ember's bulk draws
# (Mt19937.words, uniformFloats, uniformDoubles and the kernels of TorchCpuRandom over them) must give bit for bit.
#   run: cd engine-cpu/src/test/resources/mt19937bulk && /usr/bin/python3 make_expected.py > expected.txt
#   (PyTorch 1.13 CPU, Debian's build, no MKL. The cases avoid what depends on the CPU capability: the bounds are
#   [0, 1) and N(0, 1), where a fused and an unfused x * 1 + 0 are the same number, and no float32 normal fill. The
#   generator and these kernels are 2.x's too: aten/src/ATen/core/MT19937RNGEngine.h, DistributionsHelper.h,
#   TransformationHelper.h, native/cpu/DistributionTemplates.h. 2.x's exponential_ is -1/lambda * log1p(-u), 1.13's
#   log(1 - u): the same number where both libm functions round alike; the case below is checked against 2.x's form
#   by RandomMt19937Test already, so it is left out here.)
#
# Format: one case per block: "=== name", then "dtype shape", then the values, one per line: floats as float.hex of the
# value (exact), integers and bools as integers.
import torch


def emit(name, t):
    print("=== " + name)
    print(str(t.dtype).replace("torch.", "") + " " + ",".join(str(s) for s in t.shape))
    flat = t.reshape(-1)
    if t.dtype.is_floating_point:
        for v in flat.double().tolist():
            print(float(v).hex())
    else:
        for v in flat.long().tolist():
            print(v)


def case(seed, skip, name, fn):
    # skip words first (torch.randint(0, 10, (skip,)) draws one 32-bit word per element) so the draw starts mid-state
    torch.manual_seed(seed)
    if skip:
        torch.randint(0, 10, (skip,))
    emit(name, fn())


case(1, 0, "rand_f32_1500", lambda: torch.rand(1500))
case(2, 311, "rand_f32_1500_skip311", lambda: torch.rand(1500))
case(3, 623, "rand_f64_700_skip623", lambda: torch.rand(700, dtype=torch.float64))
case(4, 1, "rand_f64_700_skip1", lambda: torch.rand(700, dtype=torch.float64))
case(5, 100, "randn_f64_700_skip100", lambda: torch.randn(700, dtype=torch.float64))
case(6, 5, "randn_f64_709_skip5", lambda: torch.randn(709, dtype=torch.float64))
case(7, 622, "randint_1000_1500_skip622", lambda: torch.randint(0, 1000, (1500,)))
case(8, 0, "randint_wide_700", lambda: torch.randint(-3, 1 << 40, (700,)))
case(9, 17, "randperm_1500_skip17", lambda: torch.randperm(1500))
case(10, 624, "bernoulli_1500_skip624", lambda: torch.empty(1500).bernoulli_(0.3))
case(11, 3, "bernoulli_f64_800_skip3", lambda: torch.empty(800, dtype=torch.float64).bernoulli_(0.7))
case(12, 9, "dropout_1500_skip9", lambda: torch.nn.functional.dropout(torch.ones(1500), 0.2, True))
