# Expected values for TensorStoreTest: torch.tensor(data, dtype=<integer type>) of Python ints and floats (PyTorch
# 1.13, CPU). torch.tensor stores each number through c10::checked_convert (torch/csrc/utils/tensor_new.cpp,
# store_scalar / unpackIntegral, 1.13 and 2.x alike): an integer beyond the type's range is refused ("value cannot be
# converted to type int8 without overflow"; an unsigned type also takes a negative integer down to minus its largest
# value, which wraps), a float that is NaN, infinite or beyond the range likewise, a float within it is truncated; bool
# and the floating types take any number. Ember's Tensor.tensor of Java data (nested arrays and lists, whose numbers
# are Python's ints and floats) follows it. uint16/uint32/uint64 are 2.3's (absent from 1.13): their lines are written
# from the same rule (c10::overflows) and marked 2x.
#
# Line format: <dtype> <i|f> <values separated by ','> => <result values separated by ','> | ERR <message>; kind m
# (mixed data) tags each value L: (int), B: (bool) or D: (float): each number is stored by its own kind.
import torch

CASES = [
    ('int8', 'i', [1, 300]), ('int8', 'i', [-128, 127]), ('int8', 'i', [-129]), ('uint8', 'i', [-1, 255]),
    ('uint8', 'i', [-255]), ('uint8', 'i', [-256]), ('uint8', 'i', [256]), ('int16', 'i', [32767, -32768]),
    ('int16', 'i', [40000]), ('int32', 'i', [2**31 - 1, -2**31]), ('int32', 'i', [2**31]), ('int64', 'i', [2**63 - 1, -2**63]),
    ('int8', 'f', [1.5, -1.5, 127.0]), ('int8', 'f', [127.5]), ('int8', 'f', [300.0]), ('uint8', 'f', [-1.0]),
    ('uint8', 'f', [255.9]), ('int32', 'f', [float('nan')]), ('int32', 'f', [float('inf')]), ('int64', 'f', [1e20]),
    ('int64', 'f', [-9.2e18]), ('bool', 'i', [300, 0]), ('bool', 'f', [0.5, 0.0]), ('float16', 'f', [70000.0]),
    ('float32', 'f', [1e300]),
]
out = []
for dt, kind, vals in CASES:
    try:
        r = torch.tensor(vals, dtype=getattr(torch, dt))
        res = ','.join(str(int(v)) if not r.dtype.is_floating_point else repr(float(v)) for v in r.tolist())
    except Exception as e:
        res = 'ERR ' + str(e).split('\n')[0]
    out.append('%s %s %s => %s' % (dt, kind, ','.join(repr(v) for v in vals), res))
def tag(v):
    return ('B:%d' % int(v)) if isinstance(v, bool) else ('D:%r' % v) if isinstance(v, float) else ('L:%d' % v)
for dt, vals in [('int64', [-126, True, 1.5, 2**62 + 1]), ('uint8', [-126, True, 1.5, 2**62 + 1]),
                 ('uint8', [-126, True, 1.5]), ('int8', [True, 2.5, -300])]:
    try:
        res = ','.join(str(int(v)) for v in torch.tensor(vals, dtype=getattr(torch, dt)).tolist())
    except Exception as e:
        res = 'ERR ' + str(e).split('\n')[0]
    out.append('%s m %s => %s' % (dt, ','.join(tag(v) for v in vals), res))
# 2.3's barebones unsigned types, by c10::overflows' rule (not in 1.13)
for dt, kind, vals, res in [
    ('uint16', 'i', [65535, -1], '65535,65535'), ('uint16', 'i', [65536], 'ERR value cannot be converted to type uint16 without overflow'),
    ('uint16', 'i', [-65536], 'ERR value cannot be converted to type uint16 without overflow'),
    ('uint32', 'i', [2**32 - 1], '4294967295'), ('uint32', 'i', [2**32], 'ERR value cannot be converted to type uint32 without overflow'),
    ('uint64', 'i', [-1], '18446744073709551615'), ('uint64', 'f', [1e19], '10000000000000000000'),
    ('uint64', 'f', [-1.0], 'ERR value cannot be converted to type uint64 without overflow')]:
    out.append('%s %s %s => %s 2x' % (dt, kind, ','.join(repr(v) for v in vals), res))
open('expected.txt', 'w').write('\n'.join(out) + '\n')
