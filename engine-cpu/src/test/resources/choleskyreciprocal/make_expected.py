# Expected factors for CholeskyReciprocalTest: torch.linalg.cholesky of random symmetric positive definite matrices,
# float32 and float64, as the bits PyTorch's LAPACK gives. potrf (potf2 / potrf2, reference LAPACK and OpenBLAS alike)
# scales the column below a diagonal element by the rounded reciprocal 1 / L[j][j] (scal by ONE / AJJ, or trsm's
# reciprocal), where Ember divided: the two differ in the last bit (found by fuzz round 20's hunt, seed 6320: a float32
# MultivariateNormal sample an ulp off through its scale_tril). Compared bit for bit: the whole factor of 2 x 2 matrices
# (one product and the reciprocal, no sum whose order could differ) and the first column of 5 x 5 ones (a[i][0] times
# the reciprocal of sqrt(a[0][0]) only); the rest of the larger factors is left to the LAPACK-free tests.
# One line per matrix: "<dtype> <n> <a row-major as hex bits> | <expected, the compared entries, as hex bits>".
#   run: cd engine-cpu/src/test/resources/choleskyreciprocal && /usr/bin/python3 make_expected.py > expected.txt
# PyTorch 1.13 CPU (Debian's generic LAPACK); 2.x calls the same potrf.
import random
import struct

import torch

rng = random.Random(2063)


def bits(x, dt):
    return struct.pack(">f" if dt == torch.float32 else ">d", x).hex()


for dt in (torch.float32, torch.float64):
    for n, count in ((2, 150), (5, 60)):
        for _ in range(count):
            b = torch.tensor([[rng.uniform(-2, 2) for _ in range(n)] for _ in range(n)], dtype=torch.float64)
            a = (b @ b.T + torch.eye(n, dtype=torch.float64) * rng.uniform(0.05, 1.0)).to(dt)
            a = (a + a.T) / 2  # exactly symmetric in dt
            l = torch.linalg.cholesky(a)
            want = l.flatten().tolist() if n == 2 else l[:, 0].tolist()
            name = "float32" if dt == torch.float32 else "float64"
            print("%s %d %s | %s" % (name, n, " ".join(bits(v, dt) for v in a.flatten().tolist()),
                                     " ".join(bits(v, dt) for v in want)))
