# Writes expected.txt for PrintingSweepTest: how PyTorch prints each tensor
# (run: /usr/bin/python3 make_expected.py > expected.txt; generated with PyTorch 1.13, whose printing of these
# cases matches PyTorch 2.x: both widen float16/bfloat16 to float32 before formatting, use the same
# _Formatter rules, summarization and suffix wrapping).
#
# Each case is written as
#   === name
#   spec dtype shape op
#   data v1 v2 ...          (row-major; bool 0/1, integers in decimal, floats as hex of their raw bits:
#                            float16/bfloat16 4 digits, float32 8, float64 16)
#   <repr lines>
# The Java test rebuilds the tensor from dtype/shape/data, applies op, and compares toString() with the repr.
import math
import torch

torch.manual_seed(0)
DT = {'bool': torch.bool, 'uint8': torch.uint8, 'int8': torch.int8, 'int16': torch.int16, 'int32': torch.int32,
      'int64': torch.int64, 'float16': torch.float16, 'bfloat16': torch.bfloat16, 'float32': torch.float32,
      'float64': torch.float64}
FLOATS = ['float16', 'bfloat16', 'float32', 'float64']
INTS = ['uint8', 'int8', 'int16', 'int32', 'int64']
BITS = {'float16': (torch.int16, 4), 'bfloat16': (torch.int16, 4), 'float32': (torch.int32, 8),
        'float64': (torch.int64, 16)}

cases = []
names = set()


def add(name, t, op='none'):
    assert name not in names, name
    names.add(name)
    cases.append((name, t.detach().clone().contiguous(), op))


def encode(t):
    dt = [k for k, v in DT.items() if v == t.dtype][0]
    flat = t.reshape(-1)
    if dt == 'bool':
        vals = [str(int(x)) for x in flat.tolist()]
    elif dt in INTS:
        vals = [str(x) for x in flat.tolist()]
    else:
        idt, w = BITS[dt]
        mask = (1 << (4 * w)) - 1
        vals = [format(x & mask, '0%dx' % w) for x in flat.view(idt).tolist()]
    return dt, vals


def decode(dt, shape, vals):
    if dt == 'bool':
        t = torch.tensor([v == '1' for v in vals], dtype=torch.bool)
    elif dt in INTS:
        t = torch.tensor([int(v) for v in vals], dtype=DT[dt])
    else:
        idt, w = BITS[dt]
        bits = [int(v, 16) for v in vals]
        bits = [b - (1 << (4 * w)) if b >= (1 << (4 * w - 1)) else b for b in bits]
        t = torch.tensor(bits, dtype=idt).view(DT[dt])
    return t.reshape(shape)


def apply(op, t):
    if op == 'none':
        return t
    if op == 'tplain':
        return t.t()
    if op == 'permplain':
        return t.permute(*reversed(range(t.dim())))
    if op == 'narrowplain':
        return t.narrow(0, 1, t.shape[0] - 2)
    if op == 'selectplain':
        return t.select(0, 1)
    if op == 'expandplain':
        return t.unsqueeze(0).expand(3, *t.shape)
    if op == 'param':
        return torch.nn.Parameter(t)
    x = t.requires_grad_(True)
    return {
        'rg': lambda: x,
        'add': lambda: x + x,
        'sub': lambda: x - x,
        'mul2': lambda: x * 2,
        'div2': lambda: x / 2,
        'neg': lambda: -x,
        'sum': lambda: x.sum(),
        'view': lambda: x.view(-1),
        't': lambda: x.t(),
        'relu': lambda: x.relu(),
        'abs': lambda: x.abs(),
        'clone': lambda: x.clone(),
        'unsqueeze0': lambda: x.unsqueeze(0),
        'select0': lambda: x.select(0, 0),
        'expand': lambda: x.unsqueeze(0).expand(2, *x.shape),
        'add1': lambda: x + 1,
        'pow2': lambda: x ** 2,
    }[op]()


def f(vals, dt='float32'):
    return torch.tensor(vals, dtype=torch.float64).to(DT[dt])


nan, inf = float('nan'), float('inf')

# ---------------------------------------------------------------- every dtype, every rank
for dt in DT:
    def mk(shape, lo=-50, hi=50):
        n = math.prod(shape)
        if dt == 'bool':
            return (torch.randint(0, 2, (n,)) == 1).reshape(shape)
        if dt == 'uint8':
            return torch.randint(0, 256, (n,)).to(torch.uint8).reshape(shape)
        if dt in INTS:
            return torch.randint(lo, hi, (n,)).to(DT[dt]).reshape(shape)
        return (torch.randn(n, dtype=torch.float64) * 3).to(DT[dt]).reshape(shape)
    add(dt + '_0d', mk([]))
    add(dt + '_1d', mk([5]))
    add(dt + '_2d', mk([3, 4]))
    add(dt + '_3d', mk([2, 3, 4]))
    add(dt + '_4d', mk([2, 2, 2, 3]))
    add(dt + '_empty0', torch.zeros(0, dtype=DT[dt]))
    add(dt + '_empty203', torch.zeros(2, 0, 3, dtype=DT[dt]))
    add(dt + '_empty30', torch.zeros(3, 0, dtype=DT[dt]))
    add(dt + '_long1d', mk([1500]))
    add(dt + '_long2d', mk([40, 50]))
    add(dt + '_long3d', mk([10, 12, 9]))
    add(dt + '_long4d', mk([2, 8, 7, 10]))
    add(dt + '_wide1d', mk([45]))
    add(dt + '_wide2d', mk([3, 25]))
    add(dt + '_exact1000', mk([1000]))
    add(dt + '_exact1001', mk([1001]))
    add(dt + '_dim7', mk([7, 150]))
    add(dt + '_dim6', mk([6, 170]))
    if dt != 'bool':
        add(dt + '_tplain', mk([3, 4]), 'tplain')
        add(dt + '_permplain', mk([2, 3, 4]), 'permplain')
        add(dt + '_expandplain', mk([2, 3]), 'expandplain')

# ---------------------------------------------------------------- integers
add('uint8_extremes', torch.tensor([0, 255, 1, 128], dtype=torch.uint8))
add('int8_extremes', torch.tensor([-128, 127, 0, -1], dtype=torch.int8))
add('int16_extremes', torch.tensor([-32768, 32767, 5], dtype=torch.int16))
add('int32_extremes', torch.tensor([[-2147483648, 2147483647], [0, -7]], dtype=torch.int32))
add('int64_extremes', torch.tensor([-9223372036854775808, 9223372036854775807, 3], dtype=torch.int64))
add('int64_big53', torch.tensor([9007199254740993, -9007199254740993], dtype=torch.int64))
add('int64_negalign', torch.tensor([[-1, 10, -100], [1000, -10000, 5]]))
add('int32_negalign3d', torch.tensor([[[-1, 2], [3, -44]], [[555, 6], [-7, 8]]], dtype=torch.int32))
add('int64_0d_neg', torch.tensor(-42))
add('int64_0d_min', torch.tensor(-9223372036854775808))
add('int8_0d_neg', torch.tensor(-5, dtype=torch.int8))
add('bool_0d_false', torch.tensor(False))
add('bool_allfalse', torch.zeros(4, dtype=torch.bool))
add('bool_long', torch.ones(1200, dtype=torch.bool))
add('int64_wide_long', torch.arange(-1000000, 1000000, 997))
add('int16_wide', torch.arange(-30000, 30000, 1500, dtype=torch.int16))
add('int64_suffixwrap', torch.arange(10 ** 15, 10 ** 15 + 4))
add('int32_suffixwrap', torch.arange(10 ** 9, 10 ** 9 + 5, dtype=torch.int32))
add('int32_suffixwrap2', torch.arange(10 ** 8, 10 ** 8 + 6, dtype=torch.int32))
add('int16_suffixwrap', torch.tensor([[12345, -12345, 1, 2, 3, 4, 5, 6, 7, 8]], dtype=torch.int16))
add('uint8_image', torch.randint(0, 256, (3, 8, 8)).to(torch.uint8))

# ---------------------------------------------------------------- floating values, every floating dtype
FV = {
    'ints': [1., 2., 3.],
    'intsneg': [-1., 2., -30., 400.],
    'zeros': [0., 0.],
    'negzero': [-0.0],
    'negzero_ints': [-0.0, 1., 2.],
    'negzero_frac': [-0.0, 0.5, 1.25],
    'frac': [0.5, -1.25, 3.125],
    'third': [1 / 3, 2 / 3, -1 / 3],
    'sci_large': [1.5e5, 2.0, 3.25],
    'sci_small': [1e-5, 0.5, 0.25],
    'ratio1000': [1.0, 1000.0],
    'ratio1000_frac': [0.5, 500.0],
    'ratio1001_frac': [0.5, 500.5],
    'ratio1001': [1.0, 1001.0],
    'int_1e8': [1e8, 1.0],
    'int_gt1e8': [1.5e8, 2.0],
    'small_1e-4': [1e-4, 0.5],
    'small_2e-4': [2e-4, 0.1],
    'nan_only': [nan],
    'nan_inf': [nan, inf, -inf],
    'nan_ints': [nan, 1., -2.],
    'nan_frac': [nan, 1.5, -inf],
    'inf_sci': [inf, 1e-6, 2.0],
    'nan_negzero': [nan, -0.0, 3.0],
    'negalign': [-1.5, 22.25, -333.125],
    'neg_sci': [-1e6, 1.0, -0.5],
    'round_up': [9.99996, 0.5],
    'round_sci': [9.99996e5, 1.0e-2],
    'tiny': [1e-30, 1e-20],
    'huge': [1e30, -1e20],
    'big_ints': [1e6, 2e6, -3e6],
    'half_even': [0.00005, 0.00015, 0.5],
    'mixed_2d': [[1.0, -2.5], [1e3, nan]],
}
for dt in FLOATS:
    for k, v in FV.items():
        add(dt + '_' + k, f(v, dt))
    add(dt + '_0d_frac', f(3.14159, dt))
    add(dt + '_0d_int', f(-7.0, dt))
    add(dt + '_0d_negzero', f(-0.0, dt))
    add(dt + '_0d_inf', f(-inf, dt))
    add(dt + '_0d_nan', f(nan, dt))
    add(dt + '_0d_sci', f(1.5e-7, dt))
    add(dt + '_intvalued_long', torch.arange(1500, dtype=torch.float64).to(DT[dt]))
    add(dt + '_hidden_middle', torch.cat([f([1.5] * 600), f([1e9] * 100), f([2.5] * 600)]).to(DT[dt]))
    add(dt + '_sci_long2d', (torch.randn(30, 40, dtype=torch.float64) * 1e4).to(DT[dt]))
    add(dt + '_wrap_sci', (torch.randn(20, dtype=torch.float64) * 1e-5).to(DT[dt]))
    add(dt + '_wrap_int', (torch.arange(30, dtype=torch.float64) * 7 - 100).to(DT[dt]))
    add(dt + '_nan_long', torch.where(torch.arange(1200) % 5 == 0, f([nan]), torch.randn(1200, dtype=torch.float64)).to(DT[dt]))
    add(dt + '_4d_sci', (torch.randn(2, 2, 3, 2, dtype=torch.float64) * 1e5).to(DT[dt]))

# dtype limits and subnormals
add('float16_limits', torch.tensor([65504., -65504., 6.1035e-05, 5.9605e-08], dtype=torch.float16))
add('float16_precision', torch.tensor([0.1, 0.2, 0.3, 1000.1, 2049.], dtype=torch.float16))
add('bfloat16_limits', torch.tensor([3.3895e38, -1e-38, 1.0], dtype=torch.bfloat16))
add('bfloat16_precision', torch.tensor([0.1, 1.01, 257., 3.14159, 100.3], dtype=torch.bfloat16))
add('bfloat16_ints_rounding', torch.tensor([256., 257., 258., 1000.], dtype=torch.bfloat16))
add('float32_limits', torch.tensor([3.4028235e38, 1.1754944e-38, 1e-45], dtype=torch.float32))
add('float32_precision', torch.tensor([0.1, 16777217., 1.0000001], dtype=torch.float32))
add('float64_limits', torch.tensor([1.7976931348623157e308, 2.2250738585072014e-308, 5e-324], dtype=torch.float64))
add('float64_exp3', torch.tensor([1e300, 1e-300], dtype=torch.float64))
add('float64_precision', torch.tensor([0.1, 0.30000000000000004, 1 / 3], dtype=torch.float64))
add('float64_bigint', torch.tensor([2. ** 53, 2. ** 53 + 2], dtype=torch.float64))
add('float32_int_nan_sci', torch.tensor([nan, 1., 1e9]))
add('float32_all_inf', torch.tensor([inf, -inf]))
add('float32_huge_row', torch.tensor([[1e10, 2e10, 3e10, 4e10, 5e10, 6e10, 7e10, 8e10, 9e10]]))
add('float32_rows_suffix', torch.randn(2, 8), 'rg')
add('float64_rows_suffix', torch.randn(2, 8, dtype=torch.float64), 'rg')
add('float64_rows_suffix2', torch.randn(2, 7, dtype=torch.float64), 'rg')
add('float16_rows_suffix', torch.randn(2, 7, dtype=torch.float16), 'add')
add('float64_suffix_exact', torch.tensor([1.5, 2.5, 3.5, 4.5, 5.5, 6.5], dtype=torch.float64), 'rg')
add('float64_sci_suffix', torch.tensor([1e-8, 1.0, 2.0, 3.0, 4.0, 5.0], dtype=torch.float64), 'rg')
add('float64_sci_suffix_gradfn', torch.tensor([1e-8, 1.0, 2.0, 3.0, 4.0, 5.0], dtype=torch.float64), 'mul2')

# ---------------------------------------------------------------- autograd suffixes
OPS = ['rg', 'add', 'sub', 'mul2', 'div2', 'neg', 'sum', 'view', 't', 'relu', 'abs', 'clone', 'unsqueeze0',
       'select0', 'expand']
for op in OPS:
    add('f32_' + op, f([[1., -2., 3.], [4., 5., -6.]]), op)
    add('f64_' + op, f([[1.5, -2.25], [4., 0.125]], 'float64'), op)
for op in ['rg', 'add', 'mul2', 'neg', 'sum']:
    add('f16_' + op, f([[1., -2.5], [0.25, 8.]], 'float16'), op)
    add('bf16_' + op, f([[1., -2.5], [0.25, 8.]], 'bfloat16'), op)
add('f32_0d_rg', f(2.5), 'rg')
add('f32_0d_neg', f(2.5), 'neg')
add('f64_0d_rg', f(2.5, 'float64'), 'rg')
add('f32_empty_rg', torch.zeros(0), 'rg')
add('f32_empty203_rg', torch.zeros(2, 0, 3), 'rg')
add('f64_empty_rg', torch.zeros(0, dtype=torch.float64), 'rg')
add('f32_long_rg', torch.randn(1500), 'rg')
add('f32_long2d_add', torch.randn(40, 50), 'add')
add('f64_long2d_add', torch.randn(40, 50, dtype=torch.float64), 'add')
add('f32_sci_rg', f([1e-7, 1.0, 1e7]), 'rg')
add('f32_nan_rg', f([nan, 1.0]), 'rg')
add('f32_param', f([1.0, -2.5]), 'param')
add('f64_param', f([[1.0, 2.0], [3.0, 4.0]], 'float64'), 'param')
add('f32_param_0d', f(0.5), 'param')
add('f32_wide_relu', torch.randn(30), 'relu')
add('f32_narrowplain', torch.randn(5, 3), 'narrowplain')
add('f64_selectplain', torch.randn(3, 4, dtype=torch.float64), 'selectplain')
add('int64_narrowplain', torch.arange(20).reshape(5, 4), 'narrowplain')

# summarized dimensions of sizes 7..12 along each axis (edge items must be the last 3 of the dimension)
for n in [7, 8, 9, 10, 11, 12]:
    add('sum_axis0_n%d' % n, torch.arange(n * 200).reshape(n, 200))
    add('sum_axis1_n%d' % n, torch.arange(n * 200).reshape(200, n))
add('sum_3d_7x8x20', torch.arange(7 * 8 * 20).reshape(7, 8, 20))
add('sum_f32_8x130', torch.arange(8 * 130, dtype=torch.float32).reshape(8, 130) / 4)
add('f32_add1', f([[1., -2.5], [0.25, 8.]]), 'add1')
add('f32_pow2', f([[1., -2.5], [0.25, 8.]]), 'pow2')
add('f64_add1', f([1.5, 2.0], 'float64'), 'add1')

for name, t, op in cases:
    dt, vals = encode(t)
    r = decode(dt, list(t.shape), vals)
    assert torch.equal(r.view(torch.uint8) if False else r, t) or dt in FLOATS, name
    out = apply(op, r)
    print('=== ' + name)
    print('spec %s %s %s' % (dt, ','.join(str(s) for s in t.shape), op))
    print('data ' + ' '.join(vals))
    print(repr(out))
