# Writes expected.txt (and dtypes.safetensors): PyTorch's facts about the integer types int32, int16, int8 and uint8,
# read by DtypesTest.java.
#   run: cd engine-cpu/src/test/resources/dtypes && /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13)
# Each case is a block "=== key" with lines "dtype <torch dtype>" and "values <list>" (or "value <repr>"), or
# "error <ExceptionType> <message>" for a case PyTorch refuses.
#
# Versions: Ember follows PyTorch 2.x; these are 1.13's results except where noted:
# - advanced indexing takes int32 index tensors in 2.x ("tensors used as indices must be long, int, byte or bool
#   tensors", aten/src/ATen/native/IndexingUtils.h / TensorAdvancedIndexing.cpp); 1.13 refuses them ("...must be long,
#   byte or bool tensors"). The int32 cases below index with the same values as int64, which is what 2.x computes, and
#   the refusal of int16 is written with 2.x's words.
# - shifts: 2.x defines a count outside [0, bits) (lshift gives 0, rshift the sign; aten/src/ATen/native/cpu/
#   BinaryOpsKernel.cpp lshift_kernel/rshift_kernel: max_shift = sizeof(T) * CHAR_BIT (- 1 for a signed rshift)), 1.13
#   leaves it to the hardware; the cases here shift by counts within [0, bits), where both agree. DtypesTest checks the
#   counts outside from 2.x's rule.
# - uint8 masks and uint8 condition tensors are deprecated in both (a warning); uint8 as an index is a mask.
import math
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from refcases import safetensors_entries, write_safetensors  # noqa: E402

inf, nan = math.inf, math.nan
T = {'bool': torch.bool, 'uint8': torch.uint8, 'int8': torch.int8, 'int16': torch.int16, 'int32': torch.int32,
     'int64': torch.int64, 'float32': torch.float32, 'float64': torch.float64}
NARROW = ['int32', 'int16', 'int8', 'uint8']
# randint and randperm draw from the default generator: seeded, so that a rerun writes the same values (Ember's
# generator is Philox, PyTorch's CPU one mt19937: DtypesTest reads their dtypes and refusals, not the values)
torch.manual_seed(0)


def case(key, fn):
    print('=== ' + key)
    try:
        r = fn()
    except Exception as e:  # PyTorch's refusal
        name = type(e).__name__
        print('error ' + name + ' ' + str(e).split('\n')[0])
        return
    if isinstance(r, torch.Tensor):
        print('dtype ' + str(r.dtype))
        print('shape ' + str(list(r.shape)))
        print('values ' + str(r.reshape(-1).tolist()))
    else:
        print('value ' + repr(r))


# ------------------------------------------------------------------ promotion

for a in T:
    for b in T:
        case('promote.%s.%s' % (a, b), lambda: str(torch.promote_types(T[a], T[b])))
        # a dimensioned tensor of a with a 0-dim tensor of b
        case('result.dim.%s.zero.%s' % (a, b), lambda: str(torch.result_type(torch.ones(2, dtype=T[a]),
                                                                               torch.ones((), dtype=T[b]))))
    case('result.dim.%s.int' % a, lambda: str(torch.result_type(torch.ones(2, dtype=T[a]), 5)))
    case('result.dim.%s.float' % a, lambda: str(torch.result_type(torch.ones(2, dtype=T[a]), 2.5)))
    case('result.zero.%s.int' % a, lambda: str(torch.result_type(torch.ones((), dtype=T[a]), 5)))
    case('result.zero.%s.float' % a, lambda: str(torch.result_type(torch.ones((), dtype=T[a]), 2.5)))

# ------------------------------------------------------------------ printing

case('print.int32', lambda: str(torch.tensor([1, -2, 300, 4], dtype=torch.int32)))
case('print.uint8', lambda: str(torch.tensor([1, 200, 5], dtype=torch.uint8)))
case('print.int8.2d', lambda: str(torch.arange(10, dtype=torch.int8).reshape(2, 5)))
case('print.int16.scalar', lambda: str(torch.tensor(-5, dtype=torch.int16)))
case('print.int32.empty', lambda: str(torch.zeros(0, dtype=torch.int32)))
case('print.uint8.empty2d', lambda: str(torch.zeros(2, 0, dtype=torch.uint8)))
case('print.int16.long', lambda: str(torch.arange(2000, dtype=torch.int16)))
case('print.int8.neg', lambda: str(torch.tensor([[-128, 127], [0, -1]], dtype=torch.int8)))
case('print.uint8.grid', lambda: str(torch.arange(0, 256, 5, dtype=torch.int64).to(torch.uint8).reshape(4, 13)))
case('print.int32.big', lambda: str(torch.tensor([2147483647, -2147483648, 0], dtype=torch.int32)))

# ------------------------------------------------------------------ conversions

FLOATS = [0.0, -0.0, 0.5, -0.5, 1.9999, -1.9999, 127.5, -128.9, 255.9, 256.0, -1.0, 300.7, -129.9, 32767.5,
          -32768.5, 65535.0, 2147483520.0, -2147483648.0]
LONGS = [0, 1, -1, 127, 128, -128, -129, 255, 256, 32767, 32768, -32769, 65535, 65536, 2147483647, 2147483648,
         -2147483649, 1099511627781, -9223372036854775808, 9223372036854775807]
for t in NARROW + ['bool']:
    case('convert.float64.' + t, lambda: torch.tensor(FLOATS, dtype=torch.float64).to(T[t]))
    case('convert.float32.' + t, lambda: torch.tensor(FLOATS, dtype=torch.float32).to(T[t]))
    case('convert.int64.' + t, lambda: torch.tensor(LONGS, dtype=torch.int64).to(T[t]))
for s in NARROW:
    src = lambda: torch.tensor(LONGS, dtype=torch.int64).to(T[s])
    for t in T:
        case('convert.%s.%s' % (s, t), lambda: src().to(T[t]))
case('convert.bool.uint8', lambda: torch.tensor([True, False]).to(torch.uint8))
case('convert.int64big.float32', lambda: torch.tensor([2147483647, 16777217, -16777217], dtype=torch.int32).to(torch.float32))

# ------------------------------------------------------------------ arithmetic

INPUTS = {
    'int32': ([2000000000, -2000000000, 2147483647, -2147483648, 5, -7], [2000000000, 3, -1, 2, -3, 2]),  # no INT_MIN / -1: it traps in C
    'int16': ([30000, -30000, 32767, -32768, 5, -7], [30000, 3, 1, -1, -3, 2]),
    'int8': ([100, -100, 127, -128, 5, -7], [100, 3, 1, -1, -3, 2]),
    'uint8': ([200, 100, 255, 0, 5, 7], [100, 3, 1, 255, 253, 2]),
}
COUNTS = {'int32': [1, 31, 30, 0, 4, 16], 'int16': [1, 15, 14, 0, 4, 8], 'int8': [1, 7, 6, 0, 4, 2],
          'uint8': [1, 7, 6, 0, 4, 2]}
OPS = {
    'add': lambda x, y, c: x + y,
    'sub': lambda x, y, c: x - y,
    'mul': lambda x, y, c: x * y,
    'neg': lambda x, y, c: -x,
    'abs': lambda x, y, c: x.abs(),
    'sign': lambda x, y, c: x.sign(),
    'relu': lambda x, y, c: x.relu(),
    'floor_divide': lambda x, y, c: torch.floor_divide(x, y),
    'div_trunc': lambda x, y, c: torch.div(x, y, rounding_mode='trunc'),
    'remainder': lambda x, y, c: torch.remainder(x, y),
    'fmod': lambda x, y, c: torch.fmod(x, y),
    'true_div': lambda x, y, c: x / y,
    'pow2': lambda x, y, c: x ** 2,
    'pow3': lambda x, y, c: torch.pow(x, 3),
    'bitwise_and': lambda x, y, c: x & y,
    'bitwise_or': lambda x, y, c: x | y,
    'bitwise_xor': lambda x, y, c: x ^ y,
    'bitwise_not': lambda x, y, c: ~x,
    'lshift': lambda x, y, c: x << c,
    'rshift': lambda x, y, c: x >> c,
    'maximum': lambda x, y, c: torch.maximum(x, y),
    'minimum': lambda x, y, c: torch.minimum(x, y),
    'eq': lambda x, y, c: x == y,
    'lt': lambda x, y, c: x < y,
    'ge': lambda x, y, c: x >= y,
    'add_scalar': lambda x, y, c: x + 300,
    'mul_scalar': lambda x, y, c: x * 3,
    'sub_scalar': lambda x, y, c: x - 7,
    'rsub_scalar': lambda x, y, c: 7 - x,
    'lt_scalar': lambda x, y, c: x < 6,
    'add_float': lambda x, y, c: x + 0.5,
    'mul_int64': lambda x, y, c: x * torch.tensor([2, 3, 4, 5, 6, 7]),
    'add_zero_dim_int64': lambda x, y, c: x + torch.tensor(1000),
    'add_alpha': lambda x, y, c: torch.add(x, y, alpha=3),
    'clamp': lambda x, y, c: x.clamp(0, 100),
    'clamp_float': lambda x, y, c: x.clamp(0.5, 100),
    'where': lambda x, y, c: torch.where(x > y, x, y),
    'exp': lambda x, y, c: x.exp(),
    'sqrt_abs': lambda x, y, c: x.abs().sqrt(),
    'sum': lambda x, y, c: x.sum(),
    'prod': lambda x, y, c: x.prod(),
    'max': lambda x, y, c: x.max(),
    'min': lambda x, y, c: x.min(),
    'amax_dim': lambda x, y, c: x.reshape(2, 3).amax(1),
    'argmax': lambda x, y, c: x.argmax(),
    'argmin_dim': lambda x, y, c: x.reshape(2, 3).argmin(0),
    'sum_dim': lambda x, y, c: x.reshape(2, 3).sum(0),
    'sum_dtype': lambda x, y, c: x.sum(dtype=x.dtype),
    'cumsum': lambda x, y, c: x.cumsum(0),
    'cumprod': lambda x, y, c: x.cumprod(0),
    'cummax': lambda x, y, c: x.cummax(0)[0],
    'any': lambda x, y, c: x.any(),
    'all': lambda x, y, c: x.all(),
    'count_nonzero': lambda x, y, c: x.count_nonzero(),
    'mean': lambda x, y, c: x.mean(),
    'sort': lambda x, y, c: x.sort()[0],
    'argsort': lambda x, y, c: x.sort(descending=True)[1],
    'topk': lambda x, y, c: x.topk(3)[0],
    'unique': lambda x, y, c: x.unique(),
    'flip': lambda x, y, c: x.flip(0),
    'matmul': lambda x, y, c: x.reshape(2, 3) @ y.reshape(3, 2),
    'dot': lambda x, y, c: torch.dot(x, y),
    'cat': lambda x, y, c: torch.cat([x, y]),
    'transpose_contiguous': lambda x, y, c: x.reshape(2, 3).t().contiguous(),
    'to_float': lambda x, y, c: x.float(),
    'fill': lambda x, y, c: x.clone().fill_(7),
    'masked_fill': lambda x, y, c: x.masked_fill(x > y, 9),
    'index_select_int32': lambda x, y, c: x.index_select(0, torch.tensor([5, 0, 2], dtype=torch.int32)),
    'gather': lambda x, y, c: x.gather(0, torch.tensor([5, 0, 2])),
    'scatter_add': lambda x, y, c: x.scatter_add(0, torch.tensor([0, 1, 0, 1, 0, 1]), y),
    'scatter_amax': lambda x, y, c: torch.zeros(2, dtype=x.dtype).scatter_reduce(0, torch.tensor([0, 1, 0, 1, 0, 1]), x, 'amax', include_self=False),
    'index_add': lambda x, y, c: x.index_add(0, torch.tensor([1, 1, 2], dtype=torch.int32), y[:3]),
    'nonzero': lambda x, y, c: torch.nonzero(x),
    'bincount': lambda x, y, c: torch.bincount(x.abs() % 7) if x.dtype != torch.int8 else torch.bincount((x.abs() % 7).to(torch.int8)),
}
for t in NARROW:
    a, b = INPUTS[t]
    for name, op in OPS.items():
        case('op.%s.%s' % (t, name), lambda: op(torch.tensor(a, dtype=T[t]), torch.tensor(b, dtype=T[t]),
                                                 torch.tensor(COUNTS[t], dtype=T[t])))
    # non-contiguous operands: every other element of a doubled tensor, and a transposed matrix
    case('op.%s.strided_add' % t, lambda: torch.tensor(a + a, dtype=T[t]).reshape(2, 6)[:, ::2] + torch.tensor(b, dtype=T[t]).reshape(3, 2).t())
    case('op.%s.broadcast_mul' % t, lambda: torch.tensor(a, dtype=T[t]).reshape(6, 1) * torch.tensor(b[:2], dtype=T[t]))

# mixed types
case('mixed.int8.uint8', lambda: torch.tensor([100, -100], dtype=torch.int8) + torch.tensor([200, 100], dtype=torch.uint8))
case('mixed.int32.int64', lambda: torch.tensor([2147483647], dtype=torch.int32) + torch.tensor([1]))
case('mixed.uint8.zero_int8', lambda: torch.tensor([200, 1], dtype=torch.uint8) + torch.tensor(-1, dtype=torch.int8))
case('mixed.int16.zero_float64', lambda: torch.tensor([3, 4], dtype=torch.int16) * torch.tensor(0.5, dtype=torch.float64))
case('mixed.int32.float32', lambda: torch.tensor([3, 4], dtype=torch.int32) * torch.tensor([0.5, 0.25]))
case('mixed.bool.uint8', lambda: torch.tensor([True, False]) + torch.tensor([200, 7], dtype=torch.uint8))

# ------------------------------------------------------------------ errors and checked numbers

for t in NARROW:
    case('fill.%s.300' % t, lambda: torch.zeros(2, dtype=T[t]).fill_(300.0))
    case('fill.%s.127.5' % t, lambda: torch.zeros(2, dtype=T[t]).fill_(127.5))
    case('fill.%s.-1' % t, lambda: torch.zeros(2, dtype=T[t]).fill_(-1.0))
    case('fill.%s.nan' % t, lambda: torch.zeros(2, dtype=T[t]).fill_(nan))
    case('full.%s.3e9' % t, lambda: torch.full((2,), 3e9, dtype=T[t]))
    case('alpha.%s.300' % t, lambda: torch.zeros(2, dtype=T[t]).add(torch.ones(2, dtype=T[t]), alpha=300))
    case('alpha.%s.-200' % t, lambda: torch.zeros(2, dtype=T[t]).add(torch.ones(2, dtype=T[t]), alpha=-200))
    case('clamp.%s.300' % t, lambda: torch.zeros(2, dtype=T[t]).clamp(0, 300))
    case('randint.%s.0.300' % t, lambda: torch.randint(0, 300, (3,), dtype=T[t]))
    case('randint.%s.-200.0' % t, lambda: torch.randint(-200, 0, (3,), dtype=T[t]))
    case('randint.%s.0.40000' % t, lambda: torch.randint(0, 40000, (3,), dtype=T[t]))
    case('randperm.%s.257' % t, lambda: torch.randperm(257, dtype=T[t]))
    case('mean.%s' % t, lambda: torch.ones(2, dtype=T[t]).mean())
    case('var.%s' % t, lambda: torch.ones(2, dtype=T[t]).var())
    case('gather.index.%s' % t, lambda: torch.ones(3).gather(0, torch.tensor([0, 1], dtype=T[t])))
    case('index_select.index.%s' % t, lambda: torch.ones(3).index_select(0, torch.tensor([0, 1], dtype=T[t])))
    case('index_add.index.%s' % t, lambda: torch.ones(3).index_add(0, torch.tensor([0, 1], dtype=T[t]), torch.ones(2)))
    case('take.index.%s' % t, lambda: torch.ones(3).take(torch.tensor([0, 1], dtype=T[t])))
    case('nll.target.%s' % t, lambda: torch.nn.functional.nll_loss(torch.tensor([[-1.0, -2.0], [-0.5, -3.0]]), torch.tensor([1, 0], dtype=T[t])))
    case('masked_fill.mask.%s' % t, lambda: torch.ones(3).masked_fill(torch.tensor([1, 0, 1], dtype=T[t]), 0.0))
    case('where.cond.%s' % t, lambda: torch.where(torch.tensor([1, 0, 1], dtype=T[t]), 1.0, 0.0))
    case('item.%s' % t, lambda: torch.tensor([-7 if t != 'uint8' else 249], dtype=T[t]).item())
    case('repeat_interleave.%s' % t, lambda: torch.tensor([1, 2]).repeat_interleave(torch.tensor([2, 1], dtype=T[t])))
case('index_select.index.int8.msg', lambda: torch.ones(3).index_select(0, torch.tensor([0, 1], dtype=torch.int8)))
case('lerp.int32', lambda: torch.lerp(torch.ones(2, dtype=torch.int32), torch.ones(2, dtype=torch.int32), 0.5))
case('sub.bool.uint8', lambda: torch.tensor([True]) - torch.tensor([1], dtype=torch.uint8))
case('bitwise.float.int32', lambda: torch.ones(2) & torch.ones(2, dtype=torch.int32))

# ------------------------------------------------------------------ indexing with int32 indices and uint8 masks

x = torch.arange(12.).reshape(3, 4)
i32 = torch.tensor([2, 0, 2], dtype=torch.int32)
case('index.adv.int32', lambda: x[i32.long()])  # 2.x: x[i32]
case('index.adv.int32.dim1', lambda: x[:, i32.long()])  # 2.x: x[:, i32]
case('index.adv.int32.pair', lambda: x[i32.long(), torch.tensor([1, 3, 0])])
case('index.adv.uint8.mask', lambda: x[torch.tensor([1, 0, 1], dtype=torch.uint8)])
case('index.adv.uint8.mask.dim1', lambda: x[:, torch.tensor([1, 0, 0, 1], dtype=torch.uint8)])
case('index.put.int32', lambda: x.clone().index_put_((i32.long(),), torch.tensor(-1.0), accumulate=True))
case('index.put.uint8.mask', lambda: x.clone().index_put_((torch.tensor([0, 1, 1], dtype=torch.uint8),), torch.tensor(5.0)))
case('index.select.int32.grad', lambda: torch.autograd.grad(x.clone().requires_grad_().index_select(1, i32).sum(), [], allow_unused=True) if False else
     (lambda xx: (xx.index_select(1, i32).mul(torch.arange(9.).reshape(3, 3)).sum().backward(), xx.grad)[1])(x.clone().requires_grad_()))
case('index.adv.int16', lambda: x[torch.tensor([0], dtype=torch.int16)])  # 2.x words it "long, int, byte or bool"
case('index.nll.uint8', lambda: torch.nn.functional.cross_entropy(torch.tensor([[1.0, 2.0, 0.5], [0.1, 0.2, 3.0]]), torch.tensor([1, 2], dtype=torch.uint8)))

# ------------------------------------------------------------------ a safetensors file of every narrow type

TENSORS = {
    'a_i32': torch.tensor([[7, -2147483648], [2147483647, -1]], dtype=torch.int32),
    'b_i16': torch.tensor([32767, -32768, 5], dtype=torch.int16),
    'c_i8': torch.tensor([-128, 127, 0, -1], dtype=torch.int8),
    'd_u8': torch.tensor([[255, 0, 128], [1, 2, 3]], dtype=torch.uint8),
}


def write_safetensors_file(path):
    import json
    header, blobs = safetensors_entries(TENSORS, sorted(TENSORS))
    write_safetensors(path, json.dumps(header, separators=(',', ':')), blobs)


write_safetensors_file('dtypes.safetensors')
for name, t in TENSORS.items():
    case('safetensors.' + name, lambda: t)
