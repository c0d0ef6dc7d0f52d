"""Expected values for Float8Test (engine-cpu/src/test/java/dev/ember/Float8Test.java).

PyTorch 1.13 (the only PyTorch here) has no 8-bit float types, so the values are derived by an exact rule, written
here with Python fractions and independent of c10's bit tricks, that follows PyTorch 2.x's source:

* c10/util/Float8_e4m3fn.h, Float8_e5m2.h, Float8_e4m3fnuz.h, Float8_e5m2fnuz.h, Float8_fnuz_cvt.h (2.1 / 2.2):
  e4m3fn: 1 sign, 4 exponent bits (bias 7), 3 mantissa bits, no infinities, NaN = S.1111.111, max 448;
  e5m2: 1 sign, 5 exponent bits (bias 15), 2 mantissa bits, IEEE-like (inf S.11111.00, NaN S.11111.xx), max 57344;
  e4m3fnuz: bias 8, max 240; e5m2fnuz: bias 16, max 57344; the fnuz types have no infinities, no negative zero and
  one NaN, 0x80.
* to float32: the exact value (subnormals: mantissa * 2^(1 - bias - mbits)).
* from float32 (fp8*_from_fp32_value): round to nearest, ties to even, on the unbounded-exponent grid (subnormal step
  2^(1 - bias - mbits)); a result above the largest finite value overflows: e4m3fn to NaN (0x7F with the sign),
  e5m2 to infinity (0x7C with the sign), fnuz to 0x80. Infinity: e4m3fn NaN with the sign, e5m2 infinity, fnuz 0x80.
  NaN: 0x7F with the sign (e4m3fn, e5m2), 0x80 (fnuz). A result of zero: signed zero, fnuz +0 only.
* a double or an int64 converts through float32 first (C++'s static_cast<Float8_e4m3fn>(double) calls the float
  constructor), so the double is rounded twice: the "double" cases sit next to fp8 ties where that matters.
* fp8 to another type: its float32 value converted (float16 and bfloat16 hold every fp8 value exactly; int64/int32
  truncate toward zero; C++ leaves NaN and infinity to an integer undefined, so those cases are not listed: 'x').
* mul (test_float8.py's test_mul; BinaryOpsKernel.cpp's _AT_DISPATCH_MUL_TYPES lists AT_FLOAT8_TYPES): the float32
  product of the two values (exact) converted to the type; a NaN product is 'nan' (any NaN of the type: the sign of a
  NaN made by an invalid operation is the hardware's). A NaN converted keeps its sign (c10's bit conversions do).
* eq: the two values compared as floats (NaN unequal to all, +0 == -0).
* finfo (torch/csrc/TypeInfo.cpp reads std::numeric_limits of the c10 types): bits 8, max = max(), min = lowest(),
  tiny = smallest_normal = min() (the smallest normal), eps = epsilon(), resolution = 10^-digits10 = 1; the limits'
  bit patterns are those of the -inl.h headers (e5m2fnuz's epsilon() is 0x34, 0.125).
* printing (torch/_tensor_str.py): 2.x formats an fp8 tensor as self.float() and names its dtype; the bodies are made
  here with 1.13's _tensor_str on that float32 tensor and _add_suffixes, as 2.x's _str_intern does.

Cross-check against values quoted in 2.x's test/test_float8.py (SPECIAL_NUMBERS): e4m3fn 0b01111110 = 448,
0b00000001 = 2^-9, 0b00000111 = 0.875 * 2^-6; e5m2 0b01111011 = 57344, 0b00000001 = 2^-16, 0b01111100 = inf;
e4m3fnuz 0b01111111 = 240, 0b00000001 = 0.125 * 2^-7; e5m2fnuz 0b00000100 = 2^-15 (asserted below).

Files: twox_fp8.pt (torch.save as 2.x writes fp8 tensors) and twox_fp8.safetensors (F8_E4M3, F8_E5M2), built byte
by byte here by 2.x's format (see the end of this script).

Run: /usr/bin/python3 make_expected.py > expected.txt (deterministic: seeded; twice gives the same bytes).
"""
import math
import random
import struct
import sys
from fractions import Fraction

import numpy as np
import torch

np.seterr(over="ignore")  # 1e39 to float32 is infinity, as intended

TYPES = {
    'float8_e4m3fn': dict(e=4, m=3, bias=7, kind='fn', max=448.0),
    'float8_e5m2': dict(e=5, m=2, bias=15, kind='ieee', max=57344.0),
    'float8_e4m3fnuz': dict(e=4, m=3, bias=8, kind='fnuz', max=240.0),
    'float8_e5m2fnuz': dict(e=5, m=2, bias=16, kind='fnuz', max=57344.0),
}
NAMES = list(TYPES)


def decode(t, b):
    """The value of the bits b as a Python float (exact), nan or +-inf."""
    p = TYPES[t]
    m, bias = p['m'], p['bias']
    sign = -1.0 if b & 0x80 else 1.0
    exp = (b & 0x7F) >> m
    mant = b & ((1 << m) - 1)
    if p['kind'] == 'fnuz':
        if b == 0x80:
            return math.nan
    elif p['kind'] == 'ieee' and exp == (1 << p['e']) - 1:
        return sign * math.inf if mant == 0 else math.copysign(math.nan, sign)  # c10 keeps a NaN's sign
    elif p['kind'] == 'fn' and exp == 15 and mant == 7:
        return math.copysign(math.nan, sign)
    if exp == 0:
        return sign * float(Fraction(mant) * Fraction(2) ** (1 - bias - m))
    return sign * float((1 + Fraction(mant, 1 << m)) * Fraction(2) ** (exp - bias))


def rne(fr):
    """Fraction to the nearest integer, ties to even."""
    fl = math.floor(fr)
    rem = fr - fl
    if rem > Fraction(1, 2) or (rem == Fraction(1, 2) and fl % 2 == 1):
        return fl + 1
    return fl


def encode(t, x):
    """The fp8 bits of type t nearest to x (a float or Fraction, already a float32 value), by the rule above."""
    p = TYPES[t]
    m, bias, kind = p['m'], p['bias'], p['kind']
    if isinstance(x, float) and math.isnan(x):
        return 0x80 if kind == 'fnuz' else 0x7F | (0x80 if math.copysign(1, x) < 0 else 0)
    neg = (x < 0) if isinstance(x, Fraction) else math.copysign(1, x) < 0
    s = 0x80 if neg else 0
    if isinstance(x, float) and math.isinf(x):
        return {'fn': 0x7F | s, 'ieee': 0x7C | s, 'fnuz': 0x80}[kind]
    a = abs(Fraction(x))
    emin = 1 - bias
    if a < Fraction(2) ** emin:
        q = rne(a / Fraction(2) ** (emin - m))
        code = q
        mag = q * Fraction(2) ** (emin - m)
    else:
        e = 0
        while Fraction(2) ** (e + 1) <= a:
            e += 1
        while Fraction(2) ** e > a:
            e -= 1
        q = rne((a / Fraction(2) ** e - 1) * (1 << m))
        if q == 1 << m:
            e += 1
            q = 0
        code = ((e + bias) << m) | q
        mag = (1 + Fraction(q, 1 << m)) * Fraction(2) ** e
    if mag > Fraction(p['max']):
        return {'fn': 0x7F | s, 'ieee': 0x7C | s, 'fnuz': 0x80}[kind]
    if code == 0:
        return 0 if kind == 'fnuz' else s
    return code | s


def f32(x):
    """A double (or int) as float32, rounded once (numpy's conversion: nearest, ties to even)."""
    if isinstance(x, int):
        return float(np.float32(float_round_int(x)))
    return float(np.float32(x))


def float_round_int(v):
    """An int64 as float32 rounds it (once, ties to even), as Java's and C++'s conversion."""
    if v == 0:
        return 0.0
    a = abs(v)
    e = a.bit_length() - 1
    if e < 24:
        return float(v)
    q = rne(Fraction(a, 1 << (e - 23)))
    r = float(q * (1 << (e - 23)))
    return -r if v < 0 else r


def f32bits(x):
    return struct.unpack('<I', struct.pack('<f', x))[0]


def f64bits(x):
    return struct.unpack('<Q', struct.pack('<d', x))[0]


def bits_f32(b):
    return struct.unpack('<f', struct.pack('<I', b))[0]


def tok_f32(x):
    return 'nan' if math.isnan(x) else str(f32bits(x))


out = []


def case(key, value):
    out.append('=== ' + key)
    out.append('value ' + value)


# the values quoted in test_float8.py's SPECIAL_NUMBERS
assert decode('float8_e4m3fn', 0b01111110) == 448.0 and decode('float8_e4m3fn', 0b00000001) == 2.0 ** -9
assert decode('float8_e4m3fn', 0b00000111) == 0.875 * 2.0 ** -6 and math.isnan(decode('float8_e4m3fn', 0b11111111))
assert decode('float8_e5m2', 0b01111011) == 57344.0 and decode('float8_e5m2', 0b00000001) == 2.0 ** -16
assert decode('float8_e5m2', 0b01111100) == math.inf and math.isnan(decode('float8_e5m2', 0b01111101))
assert decode('float8_e4m3fnuz', 0b01111111) == 240.0 and decode('float8_e4m3fnuz', 0b00000001) == 0.125 * 2.0 ** -7
assert decode('float8_e5m2fnuz', 0b00000100) == 2.0 ** -15 and math.isnan(decode('float8_e5m2fnuz', 0b10000000))
assert decode('float8_e5m2fnuz', 0b01111111) == 57344.0 and decode('float8_e5m2fnuz', 0b00000001) == 0.25 * 2.0 ** -15

# every bit pattern to float32
for t in NAMES:
    case('decode.' + t, ' '.join(tok_f32(decode(t, b)) for b in range(256)))

# float32 inputs: every finite value of each type, the midpoints between neighbours (the ties) and one float32 ulp
# either side, the overflow boundary, half the smallest subnormal, float32's extremes, infinities and NaNs
vals = set()
for t in NAMES:
    finite = sorted({decode(t, b) for b in range(128) if math.isfinite(decode(t, b))})
    step = finite[1] - finite[0]
    finite.append(finite[-1] + 2 * (finite[-1] - finite[-2]))  # the next grid value above max: the overflow tie
    for i, v in enumerate(finite):
        vals.add(v)
        if i + 1 < len(finite):
            mid = (v + finite[i + 1]) / 2
            for d in (mid, float(np.nextafter(np.float32(mid), np.float32(0))),
                      float(np.nextafter(np.float32(mid), np.float32(np.inf)))):
                vals.add(d)
    for d in (step / 2, step / 4, step * 0.75, 2 * finite[-1], 4 * finite[-1]):
        vals.add(d)
        vals.add(float(np.nextafter(np.float32(d), np.float32(0))))
        vals.add(float(np.nextafter(np.float32(d), np.float32(np.inf))))
for d in (0.1, 1 / 3, 3.14159, 1e-3, 1e-5, 1e-8, 123.456, 1e6, 3.4028234663852886e38, 1.1754943508222875e-38,
          1.401298464324817e-45, 65504.0, 65520.0):
    vals.add(float(np.float32(d)))
vals = sorted(v for v in vals if v >= 0)
f32_inputs = []
for v in vals:
    f32_inputs += [v, -v]
f32_inputs += [math.inf, -math.inf, math.nan]
f32_bits = [f32bits(v) for v in f32_inputs] + [0xFFC00000, 0x7F800001, 0x7FFFFFFF]  # -NaN and NaN payloads
case('inputs.f32', ' '.join(str(b) for b in f32_bits))
for t in NAMES:
    res = []
    for b in f32_bits:
        x = bits_f32(b)
        if math.isnan(x):
            x = math.copysign(math.nan, -1.0 if b & 0x80000000 else 1.0)
        res.append(str(encode(t, x if not math.isfinite(x) else Fraction(x) if x != 0 else x)))
    case('encode.f32.' + t, ' '.join(res))

# double inputs, rounded to float32 first: next to the fp8 ties a double 2^-40 (relative) away rounds to the tie in
# float32, and then to even in fp8 (a direct rounding would go the other way); beyond float32's range; tiny
f64_inputs = []
for t in NAMES:
    finite = sorted({decode(t, b) for b in range(128) if math.isfinite(decode(t, b))})
    for i in range(0, len(finite) - 1, 5):
        mid = (finite[i] + finite[i + 1]) / 2
        f64_inputs += [mid * (1 + 2.0 ** -40), mid * (1 - 2.0 ** -40), -mid * (1 + 2.0 ** -40)]
f64_inputs += [1e39, -1e39, 1e-50, -1e-50, 0.1, -0.0, 0.0, 448.00000001, 463.99999999, 464.0000001]
case('inputs.f64', ' '.join(str(f64bits(v)) for v in f64_inputs))
for t in NAMES:
    res = []
    for v in f64_inputs:
        x = f32(v)
        res.append(str(encode(t, Fraction(x) if math.isfinite(x) and x != 0 else x)))
    case('encode.f64.' + t, ' '.join(res))

i64_inputs = [0, 1, -1, 7, 17, 19, 240, 247, 248, 249, 255, 256, 449, 463, 464, 465, 479, 480, 481, 1000, 57344, 61439,
              61440, 61441, 65536, -57344, -61440, 2 ** 24 + 1, 2 ** 53 + 1, 2 ** 62, -2 ** 63, 2 ** 63 - 1]
case('inputs.i64', ' '.join(str(v) for v in i64_inputs))
for t in NAMES:
    res = []
    for v in i64_inputs:
        x = float_round_int(v)
        res.append(str(encode(t, Fraction(x) if x != 0 else 0.0)))
    case('encode.i64.' + t, ' '.join(res))

# every bit pattern to the other types
for t in NAMES:
    vs = [decode(t, b) for b in range(256)]
    case('cast.%s.float64' % t, ' '.join('nan' if math.isnan(v) else str(f64bits(v)) for v in vs))
    case('cast.%s.float16' % t, ' '.join('nan' if math.isnan(v) else str(int(np.array(v, dtype=np.float16).view(np.uint16)))
                                          for v in vs))
    case('cast.%s.bfloat16' % t, ' '.join('nan' if math.isnan(v) else str(f32bits(v) >> 16) for v in vs))
    case('cast.%s.int64' % t, ' '.join(str(int(v)) if math.isfinite(v) else 'x' for v in vs))
    case('cast.%s.int32' % t, ' '.join(str(int(v)) if math.isfinite(v) else 'x' for v in vs))
    case('cast.%s.bool' % t, ' '.join('1' if (math.isnan(v) or v != 0) else '0' for v in vs))
    for u in NAMES:
        if u != t:
            case('cast.%s.%s' % (t, u), ' '.join(str(encode(u, v if not math.isfinite(v) or v == 0 else Fraction(v)))
                                                  for v in vs))

# mul and eq on seeded pairs of bit patterns (and a few chosen ones)
rng = random.Random(20260105)
pairs = [(rng.randrange(256), rng.randrange(256)) for _ in range(300)]
pairs += [(0x00, 0x80), (0x80, 0x80), (0x7F, 0x7F), (0xFF, 0x7F), (0x7C, 0x00), (0x7B, 0x7B), (0x38, 0x38), (0x01, 0x01)]
case('pairs', ' '.join('%d,%d' % p for p in pairs))
for t in NAMES:
    mul = []
    eq = []
    for a, b in pairs:
        x, y = decode(t, a), decode(t, b)
        prod = x * y  # exact in double (and in float32): at most 8 significant bits, no overflow
        # a NaN product's sign is the hardware's (x86 gives inf * 0 a negative NaN): any NaN of the type is expected
        mul.append('nan' if math.isnan(prod) else str(encode(t, prod if not math.isfinite(prod) or prod == 0
                                                              else Fraction(prod))))
        eq.append('1' if x == y else '0')
    case('mul.' + t, ' '.join(mul))
    case('eq.' + t, ' '.join(eq))

# finfo from the numeric_limits bit patterns: min() (smallest normal), max(), lowest(), epsilon()
LIMITS = {
    'float8_e4m3fn': (0x08, 0x7E, 0xFE, 0x20),
    'float8_e5m2': (0x04, 0x7B, 0xFB, 0x34),
    'float8_e4m3fnuz': (0x08, 0x7F, 0xFF, 0x28),
    'float8_e5m2fnuz': (0x04, 0x7F, 0xFF, 0x34),
}
for t in NAMES:
    mn, mx, lo, ep = (decode(t, b) for b in LIMITS[t])
    assert mx == TYPES[t]['max'] and lo == -mx
    case('finfo.' + t, 'finfo(resolution=%g, min=%g, max=%g, eps=%g, smallest_normal=%g, tiny=%g, dtype=%s)'
         % (1.0, lo, mx, ep, mn, mn, t))
    case('finfo.values.' + t, '8 %r %r %r %r %r 1.0' % (ep, mx, lo, mn, mn))


def fp8_repr(t, bits, shape):
    """2.x's repr of the fp8 tensor holding these bits: the float32 tensor's body, then the dtype suffix."""
    vals = torch.tensor([decode(t, b) for b in bits], dtype=torch.float32).reshape(shape)
    prefix = 'tensor('
    indent = len(prefix)
    suffixes = []
    if vals.numel() == 0:
        if vals.dim() != 1:
            suffixes.append('size=' + str(tuple(vals.shape)))
        body = '[]'
    else:
        body = torch._tensor_str._tensor_str(vals, indent)
    suffixes.append('dtype=torch.' + t)
    return torch._tensor_str._add_suffixes(prefix + body, suffixes, indent, force_newline=False)


PRINTS = {
    'vector': ([0x38, 0x3C, 0x40, 0xC0, 0x00, 0x01], [6]),
    'matrix': ([0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3A, 0x3B], [3, 4]),
    'specials': ([0x7F, 0x7C, 0xFC, 0x80, 0x7B, 0x01], [6]),
    'scalar': ([0x44], []),
    'empty': ([], [0, 3]),
    'long': (list(range(0x20, 0x60)), [64]),
}
for t in NAMES:
    for name, (bits, shape) in PRINTS.items():
        case('repr.%s.%s' % (t, name), ' '.join(str(b) for b in bits) + ' | ' + ' '.join(str(s) for s in shape)
             + ' | ' + fp8_repr(t, bits, shape).replace('\n', '\\n'))


# ---- files as PyTorch 2.x writes them (1.13 cannot: it has no fp8), byte for byte by 2.x's format:
# torch.save of {'a': e4m3fn [2, 3], 'b': e5m2 transposed view of a [4, 2] storage}: torch/_tensor.py's
# _reduce_ex_internal pickles a dtype of torch.storage._new_dtypes() as _rebuild_tensor_v3(UntypedStorage, offset, size,
# stride, requires_grad, OrderedDict(), dtype), the storage id ('storage', torch.UntypedStorage, key, 'cpu', nbytes)
# (serialization.py's persistent_id of an UntypedStorage); the zip holds data.pkl, data/<key>, version, byteorder.
# safetensors.torch.save_file of {'a': ..., 'b': ...}: F8_E4M3 / F8_E5M2, the header sorted as the reference writer
# sorts (dtype descending: F8_E4M3 before F8_E5M2, then name).
import io
import json
import zipfile


def pstr(s):
    b = s.encode()
    return b'X' + struct.pack('<I', len(b)) + b


def pint(v):
    return b'K' + bytes([v]) if 0 <= v < 256 else b'J' + struct.pack('<i', v)


def ptuple(vals):
    return b'(' + b''.join(pint(v) for v in vals) + b't'


def rebuild_v3(key, nbytes, offset, size, stride, dtype, requires_grad):
    return (b'ctorch._utils\n_rebuild_tensor_v3\n(' + b'(' + pstr('storage') + b'ctorch\nUntypedStorage\n'
            + pstr(key) + pstr('cpu') + pint(nbytes) + b'tQ' + pint(offset) + ptuple(size) + ptuple(stride)
            + (b'\x88' if requires_grad else b'\x89') + b'ccollections\nOrderedDict\n)R'
            + b'ctorch\n' + dtype.encode() + b'\ntR')


a_bits = [0x38, 0x3C, 0x40, 0xC0, 0x7F, 0x01]
b_store = [0x3C, 0x40, 0x44, 0x48, 0x7C, 0xFC, 0x7F, 0x00]
pkl = (b'\x80\x02}(' + pstr('a') + rebuild_v3('0', 6, 0, [2, 3], [3, 1], 'float8_e4m3fn', True)
       + pstr('b') + rebuild_v3('1', 8, 0, [2, 4], [1, 2], 'float8_e5m2', False) + b'u.')
buf = io.BytesIO()
with zipfile.ZipFile(buf, 'w', zipfile.ZIP_STORED) as z:
    for name, data in (('archive/data.pkl', pkl), ('archive/byteorder', b'little'), ('archive/data/0', bytes(a_bits)),
                       ('archive/data/1', bytes(b_store)), ('archive/version', b'3\n')):
        info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
        z.writestr(info, data)
with open('twox_fp8.pt', 'wb') as f:
    f.write(buf.getvalue())
case('file.pt', 'a float8_e4m3fn 2,3 requires_grad ' + ' '.join(str(v) for v in a_bits)
     + ' | b float8_e5m2 2,4 ' + ' '.join(str(b_store[i + 2 * j]) for i in range(2) for j in range(4)))

header = {'a': {'dtype': 'F8_E4M3', 'shape': [2, 3], 'data_offsets': [0, 6]},
          'b': {'dtype': 'F8_E5M2', 'shape': [2, 4], 'data_offsets': [6, 14]}}
hb = json.dumps(header, separators=(',', ':')).encode()
hb += b' ' * ((8 - len(hb) % 8) % 8)
with open('twox_fp8.safetensors', 'wb') as f:
    f.write(struct.pack('<Q', len(hb)) + hb + bytes(a_bits) + bytes(b_store))
case('file.safetensors', 'a float8_e4m3fn 2,3 ' + ' '.join(str(v) for v in a_bits)
     + ' | b float8_e5m2 2,4 ' + ' '.join(str(v) for v in b_store))

sys.stdout.write('\n'.join(out) + '\n')
