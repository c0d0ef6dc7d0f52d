# Writes the expected values for LibmFloatTest: the C library's float exp (glibc's expf, which PyTorch's scalar code
# reaches through std::exp(float)), called through ctypes on this machine (x86-64 with FMA: glibc's __expf_fma).
# Run with /usr/bin/python3 from this folder; the inputs come from a seeded generator, so a rerun writes the same bytes.
# Files (little-endian float32): x.bin the inputs, expf.bin glibc's expf of each. The inputs: every float in a
# sample where glibc's expf is not the float nearest e^x (the cases a correctly rounded exp gets wrong), then 20000
# uniform over [-104, 89), 20000 uniform over [-5, 5), 2000 random bit patterns (NaNs, infinities, subnormals) and
# the edges (+-inf, NaN, +-0, the overflow and underflow bounds and their neighbours).
import ctypes
import math

import numpy as np

libm = ctypes.CDLL("libm.so.6")
libm.expf.restype = ctypes.c_float
libm.expf.argtypes = [ctypes.c_float]


def expf(v):
    return np.float32(libm.expf(float(v)))


rng = np.random.default_rng(5003)
sample = rng.uniform(-104, 89, 400000).astype(np.float32)
off = [v for v in sample if expf(v) != np.float32(math.exp(float(v)))]
edges = np.array([-np.inf, np.inf, np.nan, 0.0, -0.0, 88.0, -88.0, float.fromhex("0x1.62e42ep6"),
                  float.fromhex("0x1.62e430p6"), float.fromhex("-0x1.9fe368p6"), float.fromhex("-0x1.9fe36ap6"),
                  -103.0, -87.5, 1e-30, -1e-30, float.fromhex("-0x1.f95b1ep+1")], np.float32)
x = np.concatenate([np.array(off, np.float32), rng.uniform(-104, 89, 20000).astype(np.float32),
                    rng.uniform(-5, 5, 20000).astype(np.float32),
                    rng.integers(0, 2 ** 32, 2000, dtype=np.uint64).astype(np.uint32).view(np.float32), edges])
out = np.array([expf(v) for v in x], np.float32)
x.astype("<f4").tofile("x.bin")
out.astype("<f4").tofile("expf.bin")
print(len(off), "of", len(sample), "not the nearest float;", len(x), "inputs")
