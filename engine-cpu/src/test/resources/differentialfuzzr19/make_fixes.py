# Expected values for FuzzRound19FixesTest.java: the regressions of the bugs round 19 of the differential fuzz found in
# Ember's PyTorch-parity generator (MT19937), each from PyTorch after torch.manual_seed.
#   run: cd engine-cpu/src/test/resources/differentialfuzzr19 && /usr/bin/python3 make_fixes.py > fixes.txt
#   (PyTorch 1.13 CPU, Debian's build: capability AVX2, no MKL; every case seeds first, so a second run writes the
#   same bytes)
# Each case draws nothing where 1.13 and 2.x differ: no serial normal (fewer than 16 values, strided targets), no
# exponential_; geometric_ with p = 0.5, where 1.13's log(1 - p) and 2.x's log1p(-p) are the same number (checked).
# Format: "=== name", then "= <dtype> <shape> <values>" (make_cases.py's format) and "st <state hash>", or
# "err <message>" and the state hash (which must be the one before the refusal).
import hashlib
import warnings
import math
import struct

import torch

warnings.filterwarnings("ignore")  # random_ of a floating type beyond its exact integers: a warning in 1.13 and 2.x

NAME = {torch.float16: 'float16', torch.bfloat16: 'bfloat16', torch.float32: 'float32', torch.float64: 'float64',
        torch.int64: 'int64', torch.bool: 'bool'}
WIDTH = {'float16': 4, 'bfloat16': 4, 'float32': 8, 'float64': 16}
VIEW = {'float16': torch.int16, 'bfloat16': torch.int16, 'float32': torch.int32, 'float64': torch.int64}


def fmt(t):
    t = t.detach().contiguous()
    name = NAME[t.dtype]
    shape = ','.join(str(s) for s in t.shape) if t.dim() else '-'
    if name in WIDTH:
        w = WIDTH[name]
        vals = ''.join('%0*x' % (w, b & ((1 << (4 * w)) - 1)) for b in t.reshape(-1).view(VIEW[name]).tolist())
    elif name == 'bool':
        vals = ''.join('1' if b else '0' for b in t.reshape(-1).tolist())
    else:
        vals = ','.join(str(v) for v in t.reshape(-1).tolist())
    return '= %s %s %s' % (name, shape, vals or '-')


def st():
    # make_cases.py's state_hash: the state bytes' hash with the cached normal sample zeroed, then the sample's bits
    b = bytearray(torch.get_rng_state().tolist())
    y = b[5024:5032]
    b[5024:5032] = bytes(8)
    valid = struct.unpack_from('<i', b, 5040)[0] != 0
    return 'st ' + hashlib.sha256(bytes(b)).hexdigest()[:16] + '/' + (
        '%016x' % struct.unpack('<Q', bytes(y))[0] if valid else '-')


def case(name, seed, fn):
    torch.manual_seed(seed)
    print('=== ' + name)
    try:
        print(fmt(fn()))
    except RuntimeError as e:
        print('err ' + str(e).split('\n')[0])
    print(st())


P = torch.tensor([((7 * k) % 17) / 16 for k in range(12)]).reshape(3, 4)
# 1. the _like draws of a tensor that is not non-overlapping and dense: empty_like gives a contiguous tensor
case('randn_like_sliced_f32', 1, lambda: torch.randn_like(torch.zeros(34)[::2]))
case('randn_like_sliced_f64_2d', 2, lambda: torch.randn_like(torch.zeros(3, 12, dtype=torch.float64)[:, ::2]))
case('randn_like_sliced_bf16', 3, lambda: torch.randn_like(torch.zeros(2, 16, dtype=torch.bfloat16)[:, ::2]))
case('rand_like_sliced_transposed', 4, lambda: torch.rand_like(torch.zeros(6, 4).t()[:, ::2]))
case('randint_like_sliced_transposed', 5, lambda: torch.randint_like(torch.zeros(6, 4).t()[:, ::2], 0, 100))
# 2. geometric_, cauchy_ and bernoulli_(tensor) fill a strided target in the order of its memory
assert math.log(1 - 0.5) == math.log1p(-0.5)
case('geometric_permuted', 6, lambda: torch.zeros(3, 4, 2).permute(2, 0, 1).geometric_(0.5))
case('geometric_transposed_bf16', 7, lambda: torch.zeros(5, 3, dtype=torch.bfloat16).t().geometric_(0.5))
case('cauchy_transposed_f64', 8, lambda: torch.zeros(5, 3, dtype=torch.float64).t().cauchy_(1.0, 2.0))
case('cauchy_permuted_f32', 9, lambda: torch.zeros(3, 4, 2).permute(2, 0, 1).cauchy_(-0.5, 0.1))
case('bernoulli_tensor_transposed', 10, lambda: torch.zeros(4, 3).t().bernoulli_(P))
case('bernoulli_tensor_f64_p_permuted', 11, lambda: torch.zeros(4, 2, 3).permute(1, 2, 0).bernoulli_(
    torch.tensor([((5 * k) % 17) / 16 for k in range(24)], dtype=torch.float64).reshape(2, 3, 4)))
case('bernoulli_tensor_broadcast_transposed', 12, lambda: torch.zeros(4, 3).t().bernoulli_(P[0]))
# 3. cauchy_ in float64: median + sigma * tan(...) fused, as x86 builds compile it
case('cauchy_f64', 13, lambda: torch.zeros(40, dtype=torch.float64).cauchy_(0.25, 3.0))
# 4. random_(from, to) of a floating type: the ends moved to numbers the type holds (update_from / update_to)
case('random_f32_2pow33', 14, lambda: torch.zeros(8).random_(0, 2 ** 33))
case('random_bf16_2pow33', 15, lambda: torch.zeros(8, dtype=torch.bfloat16).random_(0, 2 ** 33))
case('random_f64_wide', 16, lambda: torch.zeros(6, dtype=torch.float64).random_(-2 ** 60 - 1, 2 ** 60 + 1))
case('randint_f32_2pow40', 17, lambda: torch.randint(-2 ** 40, 2 ** 40, (6,), dtype=torch.float32))
case('random_f16_small_fits', 18, lambda: torch.zeros(8, dtype=torch.float16).random_(-2048, 2049))
# 5. the range checks of randint and random_: float16's and bool's (before anything is drawn)
case('randint_f16_out_of_bounds', 19, lambda: torch.randint(0, 2 ** 32, (3,), dtype=torch.float16))
case('randint_f16_from_out_of_bounds', 20, lambda: torch.randint(-2 ** 40, 5, (3,), dtype=torch.float16))
case('random_bool_to_out_of_bounds', 21, lambda: torch.zeros(4, dtype=torch.bool).random_(1000))
case('randint_like_bool_out_of_bounds', 22, lambda: torch.randint_like(torch.zeros(4, dtype=torch.bool), 0, 3))
# 6. random_ of an expanded target: the overlap refusal before the range's; geometric_ refuses bool
case('random_expanded_bad_range', 23, lambda: torch.zeros(3, 1).expand(3, 4).random_(5, 5))
case('random_to_expanded_bool', 24, lambda: torch.zeros(3, 1, dtype=torch.bool).expand(3, 4).random_(100))
case('geometric_bool', 25, lambda: torch.zeros(4, dtype=torch.bool).geometric_(0.5))
