# Writes expected.txt: PyTorch's results for ops on operands of mixed dtypes and on Java numbers (PyTorch's wrapped
# numbers), read by PromotionSweepTest.java.
#   run: cd engine-cpu/src/test/resources/promotionsweep && /usr/bin/python3 make_expected.py > expected.txt  (PyTorch 1.13)
#
# Each case is a block "=== key" with lines "dtype <torch dtype>", "shape <list>" and "values <flat list>", or
# "error <ExceptionType> <first line of the message>" for a case PyTorch refuses.
#
# A key is "op|operand|operand|..."; PromotionSweepTest parses it and rebuilds the operands exactly:
#   a:<dt>  the 2x3 tensor A of dtype dt (values below, made in float64 and converted with .to(dt))
#   b:<dt>  the 2x3 tensor B (no zeros except bool's one False)
#   r:<dt>  the 3-element row B[0] (broadcasts against 2x3)
#   p:<dt>  the 2x3 tensor P of small non-negative exponents
#   z:<dt>  a 0-dim tensor (2, or 2.5 for the floating types, True for bool)
#   e:<dt>  an empty 1-D tensor (shape [0]), which cat skips but whose dtype still takes part in promotion
#   m       the 2x3 bool mask M
#   L<n>    a Java long (a Python int)
#   D<x>    a Java double (a Python float)
# For an in-place op ("add_" ...) the result is the mutated first operand.
#
# Versions: Ember follows PyTorch 2.x. The cases are chosen where 1.13 and 2.x agree on the result; where they differ
# the case is left out or written from 2.x and noted here:
# - mm/matmul of float16/bfloat16 on the CPU are not implemented in 1.13 (they are in 2.x): no such cases.
# - uint8 masks/conditions are deprecated: only bool masks are used.
# - Comparisons against a Python int outside an integer tensor's range changed in 2.x: not used.
# - mm/matmul of mixed dtypes: 1.13 says "expected scalar type Long but found Float"; the file has 2.x's words
#   (addmm_impl_cpu_: "expected m1 and m2 to have the same dtype, but got: long int != float"), marked "note".
# - Ops 1.13 has no float16/bfloat16 CPU kernel for (atan2, hypot, clamp, sqrt, exp, prod, cumsum, ...) exist in 2.x,
#   which computes them in float32 and rounds: the file has that result, marked "note".
# - where(cond, scalar, tensor) is written in Java as where(~cond, tensor, scalar) (Ember has no scalar-first overload);
#   the result is the same.
import math
import re
import torch

T = {'bool': torch.bool, 'uint8': torch.uint8, 'int8': torch.int8, 'int16': torch.int16, 'int32': torch.int32,
     'int64': torch.int64, 'float16': torch.float16, 'bfloat16': torch.bfloat16, 'float32': torch.float32,
     'float64': torch.float64}
CPP = {torch.bool: 'bool', torch.uint8: 'unsigned char', torch.int8: 'signed char', torch.int16: 'short int',
       torch.int32: 'int', torch.int64: 'long int', torch.float16: 'c10::Half', torch.bfloat16: 'c10::BFloat16',
       torch.float32: 'float', torch.float64: 'double'}
FLOATS = ['float16', 'bfloat16', 'float32', 'float64']

A_VALS = {'bool': [1, 0, 1, 1, 0, 1], 'uint8': [0, 1, 3, 5, 200, 255], 'int': [-3, -1, 0, 2, 5, 7],
          'float': [-2.5, -1.0, 0.0, 1.5, 3.25, 7.0]}
B_VALS = {'bool': [1, 0, 1, 1, 1, 1], 'uint8': [1, 2, 3, 4, 7, 9], 'int': [2, -3, 1, 4, -2, 3],
          'float': [2.0, -1.5, 0.5, 4.0, -2.0, 3.0]}
P_VALS = [0, 1, 2, 3, 1, 2]
M_VALS = [True, False, True, False, True, False]


def kind(dt):
    if dt in ('bool', 'uint8'):
        return dt
    return 'float' if dt in FLOATS else 'int'


def operand(spec):
    if spec == 'm':
        return torch.tensor(M_VALS).reshape(2, 3)
    if spec[0] == 'L':
        return int(spec[1:])
    if spec[0] == 'D':
        return float(spec[1:])
    tag, dt = spec.split(':')
    if tag == 'e':
        return torch.zeros(0, dtype=T[dt])
    if tag == 'a':
        v = A_VALS[kind(dt)]
    elif tag in ('b', 'r'):
        v = B_VALS[kind(dt)]
    elif tag == 'p':
        v = P_VALS
    elif tag == 'z':
        return torch.tensor(2.5 if dt in FLOATS else 2.0, dtype=torch.float64).to(T[dt])
    t = torch.tensor(v, dtype=torch.float64).to(T[dt]).reshape(2, 3)
    return t[0] if tag == 'r' else t


def ip(name):
    def f(x, *rest):
        getattr(x, name)(*rest)
        return x
    return f


OPS = {
    'add': lambda x, y: torch.add(x, y) if isinstance(x, torch.Tensor) else x + y,
    'sub': lambda x, y: torch.sub(x, y),
    'mul': lambda x, y: torch.mul(x, y),
    'div': lambda x, y: torch.div(x, y),
    'rsub': lambda x, y: y - x,
    'rdiv': lambda x, y: y / x,
    'addAlpha': lambda x, y, a: torch.add(x, y, alpha=a),
    'subAlpha': lambda x, y, a: torch.sub(x, y, alpha=a),
    'divTrunc': lambda x, y: torch.div(x, y, rounding_mode='trunc'),
    'divFloor': lambda x, y: torch.div(x, y, rounding_mode='floor'),
    'floorDivide': lambda x, y: torch.floor_divide(x, y),
    'remainder': lambda x, y: torch.remainder(x, y),
    'fmod': lambda x, y: torch.fmod(x, y),
    'pow': lambda x, y: torch.pow(x, y),
    'atan2': lambda x, y: torch.atan2(x, y),
    'hypot': lambda x, y: torch.hypot(x, y),
    'copysign': lambda x, y: torch.copysign(x, y),
    'xlogy': lambda x, y: torch.xlogy(x, y),
    'maximum': lambda x, y: torch.maximum(x, y),
    'minimum': lambda x, y: torch.minimum(x, y),
    'fmax': lambda x, y: torch.fmax(x, y),
    'fmin': lambda x, y: torch.fmin(x, y),
    'eq': lambda x, y: torch.eq(x, y),
    'ne': lambda x, y: torch.ne(x, y),
    'lt': lambda x, y: torch.lt(x, y),
    'le': lambda x, y: torch.le(x, y),
    'gt': lambda x, y: torch.gt(x, y),
    'ge': lambda x, y: torch.ge(x, y),
    'logicalAnd': lambda x, y: torch.logical_and(x, y),
    'logicalOr': lambda x, y: torch.logical_or(x, y),
    'logicalXor': lambda x, y: torch.logical_xor(x, y),
    'bitwiseAnd': lambda x, y: torch.bitwise_and(x, y),
    'bitwiseOr': lambda x, y: torch.bitwise_or(x, y),
    'bitwiseXor': lambda x, y: torch.bitwise_xor(x, y),
    'shiftLeft': lambda x, y: torch.bitwise_left_shift(x, y),
    'shiftRight': lambda x, y: torch.bitwise_right_shift(x, y),
    'isclose': lambda x, y: torch.isclose(x, y),
    'clamp': lambda x, lo, hi: torch.clamp(x, lo, hi),
    'clampMin': lambda x, lo: torch.clamp_min(x, lo),
    'clampMax': lambda x, hi: torch.clamp_max(x, hi),
    'where': lambda c, x, y: torch.where(c, x, y),
    'lerp': lambda x, y, w: torch.lerp(x, y, w),
    'maskedFill': lambda x, m, v: x.masked_fill(m, v),
    'maskedFill_': lambda x, m, v: x.masked_fill_(m, v),
    'fill_': ip('fill_'),
    'copy_': ip('copy_'),
    'add_': ip('add_'),
    'sub_': ip('sub_'),
    'mul_': ip('mul_'),
    'div_': ip('div_'),
    'addAlpha_': lambda x, y, a: x.add_(y, alpha=a),
    'clamp_': lambda x, lo, hi: x.clamp_(lo, hi),
    'indexPut_': lambda x, v: x.index_put_((torch.tensor([1, 0]),), v),
    'indexPutScalar_': lambda x, v: x.__setitem__(torch.tensor([1, 0]), v) or x,
    'scatter_': lambda x, s: x.scatter_(1, torch.tensor([[2, 0, 1], [0, 1, 2]]), s),
    'scatterValue_': lambda x, v: x.scatter_(1, torch.tensor([[2, 0, 1], [0, 1, 2]]), v),
    'scatterAdd_': lambda x, s: x.scatter_add_(1, torch.tensor([[2, 0, 1], [0, 1, 2]]), s),
    'indexAdd_': lambda x, s: x.index_add_(0, torch.tensor([1, 0]), s),
    'indexCopy_': lambda x, s: x.index_copy_(0, torch.tensor([1, 0]), s),
    'indexFill_': lambda x, v: x.index_fill_(1, torch.tensor([0, 2]), v),
    'maskedScatter_': lambda x, m, s: x.masked_scatter_(m, s),
    'cat': lambda *ts: torch.cat(ts, 0),
    'stack': lambda *ts: torch.stack(ts, 0),
    'dot': lambda x, y: torch.dot(x.reshape(-1), y.reshape(-1)),
    'mm': lambda x, y: torch.mm(x, y.t()),
    'matmul': lambda x, y: torch.matmul(x, y.t()),
    'mv': lambda x, y: torch.mv(x, y),
    'outer': lambda x, y: torch.outer(x.reshape(-1), y[0]),
    'sum': lambda x: torch.sum(x),
    'sumDim': lambda x: torch.sum(x, 1),
    'prod': lambda x: torch.prod(x),
    'cumsum': lambda x: torch.cumsum(x, 1),
    'cumprod': lambda x: torch.cumprod(x, 1),
    'mean': lambda x: torch.mean(x),
    'sumAs': lambda x, d: torch.sum(x, dtype=T[d]),
    'trace': lambda x: torch.trace(x[:, :2]),
    'sqrt': lambda x: torch.sqrt(x),
    'exp': lambda x: torch.exp(x),
    'sigmoid': lambda x: torch.sigmoid(x),
    'reciprocal': lambda x: torch.reciprocal(x),
    'abs': lambda x: torch.abs(x),
    'neg': lambda x: torch.neg(x),
    'sign': lambda x: torch.sign(x),
    'floor': lambda x: torch.floor(x),
    'square': lambda x: torch.square(x),
}


def as_2x(name, op, args):
    """2.x's result of an op 1.13 lacks a float16/bfloat16 CPU kernel for: computed in float32 (2.x's opmath) and
    rounded to the result type, which the op's meta kernel gives (or, for the reductions, the input's type)."""
    print('note 1.13 has no CPU kernel; 2.x result computed in float32 and rounded')
    def meta(a):
        return a.to('meta') if isinstance(a, torch.Tensor) else a
    try:
        dtype = op(*[meta(a) for a in args]).dtype
    except Exception:
        dtype = args[0].dtype
    def up(a):
        return a.float() if isinstance(a, torch.Tensor) and a.dtype in (torch.float16, torch.bfloat16) else a
    if name.endswith('_'):
        x = args[0]
        y = op(*[up(a) for a in args])
        x.copy_(y)
        return x
    return op(*[up(a) for a in args]).to(dtype)


SEEN = set()


def case(key):
    if key in SEEN:
        return
    SEEN.add(key)
    print('=== ' + key)
    parts = key.split('|')
    op = OPS[parts[0]]
    # sumAs's last operand is a dtype name, not an operand
    if parts[0] == 'sumAs':
        args = [operand(parts[1]), parts[2]]
    else:
        args = [operand(s) for s in parts[1:]]
    try:
        r = op(*args)
    except Exception as e:  # PyTorch's refusal
        msg = str(e).split('\n')[0]
        if parts[0] in ('mm', 'matmul') and msg.startswith('expected scalar type'):
            # 2.x (addmm_impl_cpu_): "expected m1 and m2 to have the same dtype, but got: float != double"
            print('note 2.x wording; 1.13 says: ' + msg)
            msg = 'expected m1 and m2 to have the same dtype, but got: %s != %s' % (
                CPP[args[0].dtype], CPP[args[1].dtype])
        if re.search("not implemented for '(Half|BFloat16)'", msg) and 'bitwise' not in msg and 'shift' not in msg:
            r = as_2x(parts[0], op, args)
        else:
            print('error ' + type(e).__name__ + ' ' + msg)
            return
    print('dtype ' + str(r.dtype))
    print('shape ' + str(list(r.shape)))
    print('values ' + str(r.reshape(-1).tolist()))


ALL = list(T)
# dtype pairs of two 2x3 tensors: every category crossing, narrow and wide
PAIRS = [('bool', 'bool'), ('bool', 'uint8'), ('bool', 'int32'), ('bool', 'float16'), ('uint8', 'int8'),
         ('uint8', 'uint8'), ('int8', 'int16'), ('int32', 'int64'), ('int16', 'float16'), ('int64', 'float32'),
         ('int8', 'bfloat16'), ('float16', 'bfloat16'), ('float16', 'float32'), ('bfloat16', 'float64'),
         ('float32', 'float64'), ('int32', 'float64'), ('uint8', 'float32')]
# a 2x3 tensor with a 0-dim tensor: the 0-dim one only wins across categories
ZPAIRS = [('int32', 'int64'), ('uint8', 'int8'), ('bool', 'int64'), ('int64', 'float32'), ('int16', 'float64'),
          ('float16', 'float32'), ('float16', 'float64'), ('bfloat16', 'float32'), ('float32', 'float64'),
          ('uint8', 'bool'), ('int8', 'float16'), ('bool', 'bfloat16')]

BIN = ['add', 'sub', 'mul', 'div', 'floorDivide', 'remainder', 'fmod', 'pow', 'atan2', 'hypot', 'copysign', 'xlogy',
       'maximum', 'minimum', 'fmax', 'fmin', 'eq', 'lt', 'ge', 'logicalAnd', 'logicalXor', 'bitwiseAnd', 'bitwiseOr',
       'divTrunc', 'divFloor']

for a, b in PAIRS:
    for op in BIN:
        case('%s|a:%s|b:%s' % (op, a, b))
    case('pow|a:%s|p:%s' % (a, b))
    case('pow|p:%s|p:%s' % (b, a))
    case('add|a:%s|r:%s' % (a, b))
    case('where|m|a:%s|b:%s' % (a, b))
    case('cat|a:%s|b:%s' % (a, b))
    case('stack|a:%s|b:%s' % (a, b))
    case('isclose|a:%s|b:%s' % (a, b))
    case('lerp|a:%s|b:%s|D0.25' % (a, b))

for a, z in ZPAIRS:
    for op in ['add', 'sub', 'mul', 'div', 'floorDivide', 'remainder', 'pow', 'maximum', 'lt', 'eq', 'atan2',
               'bitwiseXor', 'where']:
        if op == 'where':
            case('where|m|a:%s|z:%s' % (a, z))
            case('where|m|z:%s|b:%s' % (z, a))
        else:
            case('%s|a:%s|z:%s' % (op, a, z))
            case('%s|z:%s|b:%s' % (op, z, a))
    case('add_|a:%s|z:%s' % (a, z))
    case('cat|r:%s|r:%s' % (a, z))

# Java numbers: longs and doubles with every dtype
for a in ALL:
    for s in ['L2', 'D2.5', 'D-1.5']:
        for op in ['add', 'sub', 'mul', 'floorDivide', 'remainder', 'fmod', 'eq', 'lt', 'gt', 'clampMin', 'clampMax']:
            case('%s|a:%s|%s' % (op, a, s))
        case('where|m|a:%s|%s' % (a, s))
        case('where|m|%s|a:%s' % (s, a))
        case('maskedFill|a:%s|m|%s' % (a, s))
        case('fill_|a:%s|%s' % (a, s))
        case('add_|a:%s|%s' % (a, s))
        case('clamp|a:%s|%s|L4' % (a, s))
    for s in ['D2.5', 'D2.0']:
        case('div|a:%s|%s' % (a, s))
        case('rdiv|b:%s|%s' % (a, s))
        case('mul_|a:%s|%s' % (a, s))
        case('divTrunc|a:%s|%s' % (a, s))
    case('rsub|a:%s|L3' % a)
    case('rsub|a:%s|D0.5' % a)
    case('pow|a:%s|L2' % a)
    case('pow|a:%s|D2.0' % a)
    case('pow|a:%s|D0.5' % a)
    case('pow|a:%s|L-1' % a)
    case('pow|a:%s|L0' % a)
    case('copysign|a:%s|D-1.0' % a)
    case('xlogy|a:%s|D2.0' % a)
    case('bitwiseAnd|a:%s|L6' % a)
    case('bitwiseOr|a:%s|L1' % a)
    case('shiftLeft|a:%s|L1' % a)
    case('remainder|a:%s|L0' % a)
    case('floorDivide|a:%s|L0' % a)
    case('eq|a:%s|D1.5' % a)
    case('ge|a:%s|D1.5' % a)
    case('maskedFill|a:%s|m|z:float64' % a)
    case('maskedFill|a:%s|m|r:%s' % (a, a))
    for op in ['sqrt', 'exp', 'sigmoid', 'reciprocal', 'abs', 'neg', 'sign', 'floor', 'square', 'sum', 'sumDim', 'prod',
               'cumsum', 'cumprod', 'mean', 'trace']:
        case('%s|a:%s' % (op, a))
    case('sumAs|a:%s|float64' % a)
    case('sumAs|a:%s|int32' % a)

# alpha: an integral alpha is a Python int, a fractional one a float
for a, b in [('int64', 'int64'), ('int32', 'int32'), ('float32', 'float32'), ('float16', 'float16'), ('int32', 'int64'),
             ('uint8', 'uint8'), ('bool', 'bool'), ('int64', 'float32'), ('bfloat16', 'float32')]:
    for alpha in ['L2', 'D0.5', 'L-1']:
        case('addAlpha|a:%s|b:%s|%s' % (a, b, alpha))
        case('subAlpha|a:%s|b:%s|%s' % (a, b, alpha))
    case('addAlpha_|a:%s|b:%s|L3' % (a, b))

# in place: the result type must be castable to the tensor's own
for a, b in [('int32', 'int64'), ('int64', 'float32'), ('bool', 'int32'), ('float16', 'float32'), ('float32', 'float64'),
             ('uint8', 'int8'), ('int8', 'uint8'), ('bfloat16', 'float16'), ('int16', 'bool'), ('float32', 'int64'),
             ('bool', 'bool'), ('int64', 'float64')]:
    for op in ['add_', 'sub_', 'mul_', 'div_', 'copy_']:
        case('%s|a:%s|b:%s' % (op, a, b))
    case('add_|a:%s|z:%s' % (a, b))
    case('clamp_|a:%s|D0.5|D2.5' % a)
    case('indexPut_|a:%s|b:%s' % (a, b))
    case('scatter_|a:%s|b:%s' % (a, b))
    case('scatterAdd_|a:%s|b:%s' % (a, b))
    case('indexAdd_|a:%s|b:%s' % (a, b))
    case('indexCopy_|a:%s|b:%s' % (a, b))
    case('maskedScatter_|a:%s|m|b:%s' % (a, b))
    case('maskedFill_|a:%s|m|z:%s' % (a, b))
    case('scatterValue_|a:%s|D1.5' % a)
    case('indexFill_|a:%s|D1.5' % a)
    case('indexPutScalar_|a:%s|D1.5' % a)

# linear algebra refuses mixed dtypes; outer is a product and promotes
for a, b in [('int64', 'float32'), ('float32', 'float64'), ('int32', 'int64'), ('int32', 'int32'), ('int64', 'int64'),
             ('uint8', 'uint8'), ('float64', 'float64')]:
    for op in ['dot', 'mm', 'matmul', 'outer']:
        case('%s|a:%s|b:%s' % (op, a, b))
    case('mv|a:%s|r:%s' % (a, b))

# a few shift and bitwise pairs, and bool mixes of logical ops
for a, b in [('int8', 'int32'), ('uint8', 'int64'), ('bool', 'int16'), ('int32', 'float32'), ('bool', 'bool')]:
    case('shiftLeft|a:%s|p:%s' % (a, b))
    case('shiftRight|a:%s|p:%s' % (a, b))
    case('bitwiseXor|a:%s|b:%s' % (a, b))
    case('logicalOr|a:%s|b:%s' % (a, b))
# several tensors of different dtypes in one cat
case('cat|a:bool|b:uint8|b:int8')
case('cat|a:int16|b:float16|b:bfloat16')
case('stack|r:int64|r:float16|r:bool')
case('cat|r:int64|r:float16|r:bfloat16')
# empty operands of cat still promote
case('cat|e:int64|a:float16')
case('cat|e:float64|a:int32')
case('cat|e:bool|a:uint8')
case('cat|a:int8|e:uint8')
# Java numbers beyond the tensor's type: an integer wraps, a float16 overflows to inf
case('add|a:int32|L1099511627781')
case('mul|a:int16|L65539')
case('add|a:float16|L70000')
case('add|a:float32|L16777217')
case('sub|a:uint8|L-255')
