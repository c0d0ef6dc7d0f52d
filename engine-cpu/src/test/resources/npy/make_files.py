# Writes the files of NpyTest.java: arrays saved by NumPy (np.save, np.savez, np.savez_compressed,
# np.lib.format.write_array with header versions 1.0, 2.0 and 3.0), and expected.txt with what
# torch.from_numpy(np.load(f)) gives for each: dtype, shape, strides (in elements), and the elements in C order as
# little-endian bytes (hex), so every bit is compared; plus files np.load refuses (allow_pickle=False) and its message.
#   run: cd engine-cpu/src/test/resources/npy && /usr/bin/python3 make_files.py   (NumPy 1.24)
# Lines of expected.txt: "load FILE [KEY]" then "dtype D", "shape S0,S1,..", "stride T0,T1,..", "bytes HEX",
# "resave 0|1" (1: np.save's bytes for the same array equal FILE's, so Npy.save must give them); or
# "refuse FILE" then "message M" (a fragment of NumPy's message, which Ember's must contain).
import io
import zipfile

import numpy as np

rng = np.random.default_rng(52)
lines = []


TORCH = {"float32": "float32", "float64": "float64", "float16": "float16", "int64": "int64", "int32": "int32",
         "int16": "int16", "int8": "int8", "uint8": "uint8", "uint16": "uint16", "uint32": "uint32",
         "uint64": "uint64", "bool": "bool", "complex64": "complex64", "complex128": "complex128"}


def expect(name, arr, key=None, resave=0):
    # torch.from_numpy's dtype (2.3+ takes uint16/32/64; 1.13 does not, so the names come from this table)
    dtype = TORCH[arr.dtype.newbyteorder("=").name]
    stride = [s // arr.itemsize for s in arr.strides]
    le = np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<") if arr.dtype.byteorder == ">" else arr.dtype)
    lines.append("load %s%s" % (name, "" if key is None else " " + key))
    lines.append("dtype %s" % dtype)
    lines.append("shape %s" % ",".join(str(s) for s in arr.shape))
    lines.append("stride %s" % ",".join(str(s) for s in stride))
    lines.append("bytes %s" % le.tobytes(order="C").hex())
    lines.append("resave %d" % resave)


def save(name, arr, resave=1):
    np.save(name, arr)
    back = np.load(name)
    assert back.dtype == arr.dtype and back.shape == arr.shape
    expect(name, back, resave=resave)


special = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, 1e-45, 3.4e38, -1.5], dtype=np.float32)
save("f32.npy", rng.standard_normal((3, 4)).astype(np.float32))
save("f64.npy", rng.standard_normal((2, 3, 2)))
save("f16.npy", rng.standard_normal((5,)).astype(np.float16))
save("special.npy", special)
save("i64.npy", rng.integers(-2**62, 2**62, (4,), dtype=np.int64))
save("i32.npy", rng.integers(-2**31, 2**31, (2, 2), dtype=np.int32))
save("i16.npy", rng.integers(-2**15, 2**15, (3,), dtype=np.int16))
save("i8.npy", rng.integers(-128, 128, (6,), dtype=np.int8))
save("u8.npy", rng.integers(0, 256, (2, 3), dtype=np.uint8))
save("u16.npy", rng.integers(0, 2**16, (3,), dtype=np.uint16))
save("u32.npy", rng.integers(0, 2**32, (3,), dtype=np.uint32))
save("u64.npy", rng.integers(0, 2**63, (3,), dtype=np.uint64) * 2 + 1)
save("bool.npy", rng.random((2, 4)) > 0.5)
save("c64.npy", (rng.standard_normal((3,)) + 1j * rng.standard_normal((3,))).astype(np.complex64))
save("c128.npy", rng.standard_normal((2, 2)) + 1j * rng.standard_normal((2, 2)))
save("scalar.npy", np.array(2.5))
save("empty.npy", np.zeros((0, 3), dtype=np.float32))
save("long_shape.npy", np.arange(2 * 1 * 3 * 1 * 2 * 1, dtype=np.int64).reshape(2, 1, 3, 1, 2, 1))
# column-major data: np.load gives a Fortran-ordered array (torch.from_numpy keeps its strides)
save("fortran.npy", np.asfortranarray(rng.standard_normal((3, 4))), resave=0)
save("fortran3.npy", np.asfortranarray(np.arange(24, dtype=np.int32).reshape(2, 3, 4)), resave=0)
# big-endian data (written by a big-endian machine, or astype('>f4'))
save("big_f32.npy", rng.standard_normal((2, 3)).astype(">f4"), resave=0)
save("big_i64.npy", rng.integers(-2**40, 2**40, (4,)).astype(">i8"), resave=0)
# header versions 2.0 and 3.0 (4-byte header length; 3.0's header in UTF-8)
for v in [(2, 0), (3, 0)]:
    name = "v%d.npy" % v[0]
    with open(name, "wb") as f:
        np.lib.format.write_array(f, np.arange(6, dtype=np.float32).reshape(2, 3), version=v)
    expect(name, np.load(name))
# archives: np.savez (stored) and np.savez_compressed (deflated), named and positional
a = rng.standard_normal((2, 3)).astype(np.float32)
b = np.arange(5, dtype=np.int64)
np.savez("arrays.npz", a, b, weights=a * 2, flags=np.array([True, False]))
with np.load("arrays.npz") as z:
    for k in z.files:
        expect("arrays.npz", z[k], key=k)
np.savez_compressed("compressed.npz", big=np.zeros((64, 64), dtype=np.float32), small=b)
with np.load("compressed.npz") as z:
    for k in z.files:
        expect("compressed.npz", z[k], key=k)


def refuse(name, message):
    lines.append("refuse %s" % name)
    lines.append("message %s" % message)


np.save("object.npy", np.array([1, "a", None], dtype=object), allow_pickle=True)
try:
    np.load("object.npy")
    raise SystemExit("np.load read an object array")
except ValueError as e:
    refuse("object.npy", str(e))
np.save("structured.npy", np.zeros(3, dtype=[("x", "<f4"), ("y", "<i4")]))
refuse("structured.npy", "structured")  # np.load reads it; Ember has no structured dtype: its own message
with open("text.npy", "w") as f:
    f.write("not an array\n")
try:
    np.load("text.npy")
except Exception as e:  # a file np.load cannot read as .npy (it tries pickle, then refuses)
    refuse("text.npy", "the magic string is not correct")
whole = open("f32.npy", "rb").read()
with open("truncated.npy", "wb") as f:
    f.write(whole[:-5])
try:
    np.load("truncated.npy")
    raise SystemExit("np.load read a truncated file")
except ValueError as e:  # "cannot reshape array of size 10 into shape (3,4)"
    refuse("truncated.npy", "EOF: reading array data, expected 48 bytes got 43")
with open("version9.npy", "wb") as f:
    f.write(b"\x93NUMPY\x09\x00" + whole[8:])
try:
    np.load("version9.npy")
    raise SystemExit("np.load read version 9")
except ValueError as e:
    refuse("version9.npy", str(e))
np.save("bfloat_like.npy", np.zeros(2, dtype="<V2"))
refuse("bfloat_like.npy", "descr")
with open("expected.txt", "w") as f:
    f.write("\n".join(lines) + "\n")
print(len(lines), "lines")
