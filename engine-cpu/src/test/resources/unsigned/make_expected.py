"""Expected values for UnsignedDTypeTest (engine-cpu/src/test/java/dev/ember/UnsignedDTypeTest.java).

PyTorch 1.13 (the only PyTorch here) has no torch.uint16, torch.uint32 or torch.uint64 (PyTorch 2.3 added them with
"limited support"), so the values are derived by an exact rule, with Python's integers, that follows 2.x's source:

* casts (c10/util/TypeCast.h: static_cast_with_inter_type, plain C++ static_cast for these types; TypeCast.h's
  int64 detour is for uint8 only):
  - an integer or bool into uintN: its value modulo 2^N (C++ integral conversion to an unsigned type);
  - uintN into an integer type: its value (zero-extended) modulo 2^M, read as two's complement for a signed type;
  - uintN into bool: value != 0;
  - uintN into float64: the value rounded once to 53 significant bits, ties to even (C++'s conversion of an integer
    to double); into float32: rounded once to 24 bits (static_cast<float>(uint64_t) rounds once: no double detour);
  - a floating value into uintN: truncated toward zero. C++ defines this only for values in (-1, 2^N), so only those
    are listed (Ember's rule beyond that, undefined in C++, is stated in Unsigned.java and not asserted here).
* promotion (c10/core/ScalarType.cpp's promoteTypes, 2.3): equal types give themselves; an fp8 type refuses first
  ("Promotion for Float8 Types is not supported ..."); then if either is uint16/uint32/uint64, a floating type
  (isFloatingType: float16, bfloat16, float32, float64; no complex type) wins, anything else refuses with
  "Promotion for uint16, uint32, uint64 types is not supported, attempted to promote UInt16 and Int" (c10's type
  names).
* binary ops (aten/src/ATen/native/cpu/BinaryOpsKernel.cpp as of 2.3+: eq/ne dispatch _AT_DISPATCH_ALL_TYPES_AND_BOOL,
  mul _AT_DISPATCH_MUL_TYPES, bitwise and/or/xor AT_INTEGRAL_TYPES_V2, all listing AT_BAREBONES_UNSIGNED_TYPES):
  a == b, a != b on the values; a * b, a & b, a | b, a ^ b modulo 2^N (C++'s unsigned arithmetic). lt/le/gt/ge
  (AT_DISPATCH_ALL_TYPES_AND3), the shifts and bitwise_not (AT_DISPATCH_INTEGRAL_TYPES), maximum/minimum, and add/sub
  (the ufunc codegen's "add_stub", AllAndComplex) dispatch no unsigned type: they refuse ("lt_cpu" not implemented
  for 'UInt16').
* iinfo (torch/csrc/TypeInfo.cpp): bits 8 * itemsize, min 0, max 2^N - 1 (uint64: 18446744073709551615); its repr
  streams the bounds as doubles with 6 significant digits (as for the other integer types: '%g').
* printing (torch/_tensor_str.py, 2.x): an integer tensor's elements as f"{value}" right-aligned to the widest, the
  int64 layout (", " between elements, ",\n" + indent between rows), then ", dtype=torch.uint16". The rule is checked
  below against 1.13's own printing of int64 tensors of the same values where they fit int64 (the suffix removed).

Files: twox_uint.pt (torch.save as 2.x writes uint16/uint32/uint64 tensors: torch/_tensor.py's _reduce_ex_internal
pickles a dtype of torch.storage._new_dtypes(), which lists them, as _rebuild_tensor_v3(UntypedStorage, offset, size,
stride, requires_grad, OrderedDict(), dtype); the storage id ('storage', torch.UntypedStorage, key, 'cpu', nbytes);
offset, size and stride count elements of the dtype; the bytes little-endian) and twox_uint.safetensors (U16, U32,
U64, the header as the reference writer orders the data: dtype descending in its Dtype enum, where U64 follows I64,
U32 follows I32 and U16 follows I16; then name), built byte by byte here, as for the fp8 files.

Run: /usr/bin/python3 make_expected.py > expected.txt (deterministic: seeded; twice gives the same bytes).
"""
import io
import json
import random
import struct
import zipfile

import torch

random.seed(44)

UNSIGNED = {"uint16": 16, "uint32": 32, "uint64": 64}
SIGNED = {"int8": 8, "int16": 16, "int32": 32, "int64": 64}
C10 = {"bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int", "int64": "Long",
       "float16": "Half", "bfloat16": "BFloat16", "float32": "Float", "float64": "Double",
       "complex64": "ComplexFloat", "complex128": "ComplexDouble", "float8_e4m3fn": "Float8_e4m3fn",
       "float8_e5m2": "Float8_e5m2", "float8_e4m3fnuz": "Float8_e4m3fnuz", "float8_e5m2fnuz": "Float8_e5m2fnuz",
       "uint16": "UInt16", "uint32": "UInt32", "uint64": "UInt64"}
FLOATING = {"float16", "bfloat16", "float32", "float64"}
FP8 = {"float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz"}


def round_sig(v, bits):
    """The non-negative integer v rounded to `bits` significant bits, ties to even (an exact float value)."""
    n = v.bit_length()
    if n <= bits:
        return v
    shift = n - bits
    q, r = divmod(v, 1 << shift)
    half = 1 << (shift - 1)
    if r > half or (r == half and q & 1):
        q += 1
    return q << shift


def to_type(v, name):
    """The integer v converted to the integer type `name` (modulo, two's complement for a signed type)."""
    if name == "bool":
        return 1 if v != 0 else 0
    if name == "uint8":
        return v % 256
    if name in UNSIGNED:
        return v % (1 << UNSIGNED[name])
    n = SIGNED[name]
    v %= 1 << n
    return v - (1 << n) if v >= 1 << (n - 1) else v


def emit(key, value):
    print("=== " + key)
    print("value " + value)


def sample(n):
    """Corner values of an n-bit unsigned type and random ones."""
    top = (1 << n) - 1
    vals = [0, 1, 2, 127, 128, 255, 256, 32767, 32768, 65535, 65536, 2**24 - 1, 2**24, 2**24 + 1, 2**24 + 2,
            2**24 + 3, 2**31 - 1, 2**31, 2**32 - 1, 2**53 + 1, 2**53 + 3, 2**62, 2**63 - 1, 2**63, 2**63 + 1,
            2**64 - 1, 2**64 - 2048, 2**64 - 1025, 2**64 - 1024]
    vals = [v for v in vals if v <= top]
    vals += [random.randrange(0, top + 1) for _ in range(20)]
    return vals


def signed_sample(n):
    lo, hi = -(1 << (n - 1)), (1 << (n - 1)) - 1
    vals = [0, 1, -1, 2, -2, lo, hi, lo + 1, 255, -255, 256, 65535, -65535, 65536]
    vals = [v for v in vals if lo <= v <= hi]
    vals += [random.randrange(lo, hi + 1) for _ in range(12)]
    return vals


# ---------------------------------------------------------------- casts
for u, n in UNSIGNED.items():
    vals = sample(n)
    emit("from." + u, " ".join(str(v) for v in vals))
    for t in ["bool", "uint8", "int8", "int16", "int32", "int64", "uint16", "uint32", "uint64"]:
        emit("cast.%s.%s" % (u, t), " ".join(str(to_type(v, t)) for v in vals))
    emit("cast.%s.float64" % u, " ".join(str(round_sig(v, 53)) for v in vals))
    emit("cast.%s.float32" % u, " ".join(str(round_sig(v, 24)) for v in vals))
    # into u from the signed types and bool (values of each type)
    for t, m in SIGNED.items():
        s = signed_sample(m)
        emit("into.%s.%s.src" % (u, t), " ".join(str(v) for v in s))
        emit("into.%s.%s" % (u, t), " ".join(str(to_type(v, u)) for v in s))
    # from float64 and float32 values in (-1, 2^N): truncation toward zero (exactly representable sources)
    fl = [0.0, 0.5, 0.99, 1.0, 1.5, 2.75, 100.9, 65535.0, 65535.5, -0.5, -0.99]
    if n >= 32:
        fl += [4294967295.0, 4294967294.5, 2.0**31]
    if n == 64:
        fl += [2.0**63, 2.0**64 - 2048, 2.0**63 + 1024, 9007199254740993.0]
    fl += [float(random.randrange(0, 1 << min(n, 53))) + random.choice([0.0, 0.25, 0.5]) for _ in range(8)]
    fl = [f for f in fl if -1 < f < 2.0**n]
    emit("float.%s.src" % u, " ".join(repr(f) for f in fl))
    emit("float.%s" % u, " ".join(str(int(f)) for f in fl))

# ---------------------------------------------------------------- promotion
ALL = list(C10)
for u in UNSIGNED:
    for t in ALL:
        for a, b in ((u, t), (t, u)):
            if a == b:
                r = "value " + a
            elif a in FP8 or b in FP8:
                r = "error RuntimeError Promotion for Float8 Types is not supported, attempted to promote %s and %s" % (
                    C10[a], C10[b])
            elif a in FLOATING:
                r = "value " + a
            elif b in FLOATING:
                r = "value " + b
            else:
                r = ("error RuntimeError Promotion for uint16, uint32, uint64 types is not supported, attempted to "
                     "promote %s and %s" % (C10[a], C10[b]))
            print("=== promote.%s.%s" % (a, b))
            print(r)


# ---------------------------------------------------------------- binary ops
for u, n in UNSIGNED.items():
    top = (1 << n) - 1
    a = [0, 1, top, top, 2, top - 1] + [random.randrange(0, top + 1) for _ in range(14)]
    b = [0, top, top, 2, top, 3] + [random.choice([random.randrange(0, top + 1), a[i + 6]]) for i in range(14)]
    emit("binary.%s.a" % u, " ".join(map(str, a)))
    emit("binary.%s.b" % u, " ".join(map(str, b)))
    emit("binary.%s.eq" % u, " ".join("1" if x == y else "0" for x, y in zip(a, b)))
    emit("binary.%s.ne" % u, " ".join("1" if x != y else "0" for x, y in zip(a, b)))
    emit("binary.%s.mul" % u, " ".join(str(x * y % (1 << n)) for x, y in zip(a, b)))
    emit("binary.%s.and" % u, " ".join(str(x & y) for x, y in zip(a, b)))
    emit("binary.%s.or" % u, " ".join(str(x | y) for x, y in zip(a, b)))
    emit("binary.%s.xor" % u, " ".join(str(x ^ y) for x, y in zip(a, b)))
    # with a Python int (wrapped into the type first, as TensorIterator casts a CPU scalar): 3 and -1
    emit("binary.%s.mul3" % u, " ".join(str(x * 3 % (1 << n)) for x in a))
    emit("binary.%s.eqmax" % u, " ".join("1" if x == top else "0" for x in a))


# ---------------------------------------------------------------- iinfo
def g(v):
    return "%g" % float(v)


for u, n in UNSIGNED.items():
    emit("iinfo." + u, "%d %d %d iinfo(min=%s, max=%s, dtype=%s)" % (n, 0, (1 << n) - 1, g(0), g((1 << n) - 1), u))


# ---------------------------------------------------------------- printing
def fmt(rows, dtype):
    """2.x's repr of an integer tensor (a list of ints or a list of equal lists) with a dtype suffix (None: none):
    torch/_tensor_str.py's _Formatter (f"{value}" right-aligned to the widest), _vector_str (element_length = width + 2,
    elements_per_line = max(1, floor((linewidth - indent) / element_length)), lines joined by ",\\n" + indent + 1
    spaces), _tensor_str_with_formatter (rows joined by ",\\n" + indent + 1 spaces) and _add_suffixes (a suffix on a
    new line when the last line would pass linewidth), linewidth 80, indent 7 ("tensor(")."""
    matrix = bool(rows) and isinstance(rows[0], list)
    flat = [v for r in rows for v in r] if matrix else rows
    w = max(len(str(v)) for v in flat)

    def vector(vals, indent):
        per_line = max(1, (80 - indent) // (w + 2))
        data = [str(v).rjust(w) for v in vals]
        lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"

    if matrix:
        body = "[" + (",\n" + " " * 8).join(vector(r, 8) for r in rows) + "]"
    else:
        body = vector(rows, 7)
    out = "tensor(" + body
    if dtype is not None:
        suffix = "dtype=torch." + dtype
        last = len(out) - out.rfind("\n") + 1
        out += (",\n" + " " * 7 + suffix) if last + len(suffix) + 2 > 80 else ", " + suffix
    return out + ")"


# the rule against 1.13's own printing of the same layouts (int64: no suffix; int32 and int16: a dtype suffix)
random.seed(7)
for dt, bits in (("int64", 64), ("int32", 32), ("int16", 16)):
    for width in (1, 3, 6, 10, 19):
        hi = min(10 ** width - 1, 2 ** (bits - 1) - 1)
        for shape in ((4,), (13,), (40,), (2, 3), (3, 11)):
            vals = [random.randrange(0, hi + 1) for _ in range(shape[0] * (shape[1] if len(shape) > 1 else 1))]
            vals[0] = hi
            rows = vals if len(shape) == 1 else [vals[i * shape[1]:(i + 1) * shape[1]] for i in range(shape[0])]
            ref = str(torch.tensor(rows, dtype=getattr(torch, dt)))
            mine = fmt(rows, None if dt == "int64" else dt)
            assert ref == mine, (ref, mine)


for u, n in UNSIGNED.items():
    top = (1 << n) - 1
    cases = {
        "vector": [0, 1, 7, top],
        "matrix": [[random.randrange(0, top + 1) for _ in range(3)] for _ in range(2)],
        "small": [3, 10, 200],
        "long": [random.randrange(0, top + 1) for _ in range(9)] + [top],
    }
    for k, rows in cases.items():
        s = fmt(rows, u)
        flat = [v for r in rows for v in r] if isinstance(rows[0], list) else rows
        print("=== print.%s.%s" % (u, k))
        print("value " + " ".join(str(v) for v in flat))
        print("shape " + ("%d %d" % (len(rows), len(rows[0])) if isinstance(rows[0], list) else str(len(rows))))
        print("repr " + s.replace("\n", "\\n"))


# ---------------------------------------------------------------- files as 2.x writes them (see the header)
def pstr(s):
    b = s.encode()
    return b'X' + struct.pack('<I', len(b)) + b


def pint(v):
    return b'K' + bytes([v]) if 0 <= v < 256 else b'J' + struct.pack('<i', v)


def ptuple(vals):
    return b'(' + b''.join(pint(v) for v in vals) + b't'


def rebuild_v3(key, nbytes, offset, size, stride, dtype):
    return (b'ctorch._utils\n_rebuild_tensor_v3\n(' + b'(' + pstr('storage') + b'ctorch\nUntypedStorage\n'
            + pstr(key) + pstr('cpu') + pint(nbytes) + b'tQ' + pint(offset) + ptuple(size) + ptuple(stride)
            + b'\x89' + b'ccollections\nOrderedDict\n)R' + b'ctorch\n' + dtype.encode() + b'\ntR')


a_vals = [0, 1, 65535, 32768, 7, 40000]                       # uint16 [2, 3]
b_store = [2**64 - 1, 2**63, 5, 2**32 + 1]                     # uint64 storage of 4, read as [2, 2] stride [1, 2]
c_vals = [4294967295, 0, 123456789]                            # uint32 [3] at offset 1 of a storage of 4
c_store = [9] + c_vals
a_bytes = struct.pack('<6H', *a_vals)
b_bytes = struct.pack('<4Q', *b_store)
c_bytes = struct.pack('<4I', *c_store)
pkl = (b'\x80\x02}(' + pstr('a') + rebuild_v3('0', 12, 0, [2, 3], [3, 1], 'uint16')
       + pstr('b') + rebuild_v3('1', 32, 0, [2, 2], [1, 2], 'uint64')
       + pstr('c') + rebuild_v3('2', 16, 1, [3], [1], 'uint32') + b'u.')
buf = io.BytesIO()
with zipfile.ZipFile(buf, 'w', zipfile.ZIP_STORED) as z:
    for name, data in (('archive/data.pkl', pkl), ('archive/byteorder', b'little'), ('archive/data/0', a_bytes),
                       ('archive/data/1', b_bytes), ('archive/data/2', c_bytes), ('archive/version', b'3\n')):
        z.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)
with open('twox_uint.pt', 'wb') as f:
    f.write(buf.getvalue())
b_view = [b_store[i + 2 * j] for i in range(2) for j in range(2)]
print("=== file.pt")
print("value a uint16 2,3 " + " ".join(map(str, a_vals)) + " | b uint64 2,2 " + " ".join(map(str, b_view))
      + " | c uint32 3 " + " ".join(map(str, c_vals)))

# safetensors.torch.save_file({'a': a, 'b': b.contiguous(), 'c': c}): U64 first, then U32, then U16
b_contig = struct.pack('<4Q', *b_view)
c_contig = struct.pack('<3I', *c_vals)
header = {'b': {'dtype': 'U64', 'shape': [2, 2], 'data_offsets': [0, 32]},
          'c': {'dtype': 'U32', 'shape': [3], 'data_offsets': [32, 44]},
          'a': {'dtype': 'U16', 'shape': [2, 3], 'data_offsets': [44, 56]}}
hb = json.dumps(header, separators=(',', ':')).encode()
hb += b' ' * ((8 - len(hb) % 8) % 8)
with open('twox_uint.safetensors', 'wb') as f:
    f.write(struct.pack('<Q', len(hb)) + hb + b_contig + c_contig + a_bytes)
print("=== file.safetensors")
print("value a uint16 2,3 " + " ".join(map(str, a_vals)) + " | b uint64 2,2 " + " ".join(map(str, b_view))
      + " | c uint32 3 " + " ".join(map(str, c_vals)))
