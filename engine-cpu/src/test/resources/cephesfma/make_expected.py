# Writes expected.txt for CephesFmaTest: PyTorch 1.13 (CPU, x86-64 build compiled with FMA contraction) results of
# special.i0/i0e/i1/i1e, special.ndtri, special.erfcx and special.log_ndtr on dense grids, as raw bits (hex), so the
# test can compare bit for bit and count ulps. Run with /usr/bin/python3 (PyTorch 1.13).
#
# The grids are computed by the same float64 formula in CephesFmaTest (lo + (hi - lo) * i / n, exact in both), the
# float32 inputs are those values rounded to float32. Each line: "<op> <dtype> <lo> <hi> <n> : <hex bits>..." with
# n + 1 points i = 0..n. Values are computed one tensor per grid (the vectorized loop where PyTorch has one).
import struct
import torch

N = 800
GRIDS = [
    ("i0", -30.0, 30.0), ("i0e", -30.0, 30.0), ("i1", -30.0, 30.0), ("i1e", -30.0, 30.0),
    ("ndtri", 0.0, 1.0), ("erfcx", -26.0, 40.0), ("erfcx", 40.0, 140.0), ("log_ndtr", -40.0, 10.0),
]
FN = {
    "i0": torch.special.i0, "i0e": torch.special.i0e, "i1": torch.special.i1, "i1e": torch.special.i1e,
    "ndtri": torch.special.ndtri, "erfcx": torch.special.erfcx, "log_ndtr": torch.special.log_ndtr,
}


def bits64(v):
    return "%016x" % struct.unpack("<Q", struct.pack("<d", v))[0]


def bits32(v):
    return "%08x" % struct.unpack("<I", struct.pack("<f", v))[0]


with open("expected.txt", "w") as f:
    f.write("# torch %s\n" % torch.__version__)
    for op, lo, hi in GRIDS:
        xs = [lo + (hi - lo) * i / N for i in range(N + 1)]
        for dtype, bits in ((torch.float64, bits64), (torch.float32, bits32)):
            x = torch.tensor(xs, dtype=torch.float64).to(dtype)
            y = FN[op](x)
            f.write("%s %s %r %r %d : %s\n" % (op, str(dtype)[6:], lo, hi, N, " ".join(bits(v) for v in y.tolist())))
