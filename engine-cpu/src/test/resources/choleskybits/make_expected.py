# Expected values for CholeskyBitsTest.java: linalg.cholesky's factor, bit for bit, of float32 and float64 symmetric
# positive-definite matrices of orders 1 to 4 (one matrix and a (2, 3) batch each; lower, and upper at orders 1 and 2),
# from PyTorch 1.13's CPU LAPACK (Debian's OpenBLAS: spotrf/dpotrf, which for these orders run potf2: a_jj minus the
# row's dot product, summed first, its square root, the column below as a_ij minus the summed products, times 1 / l_jj).
# The first case is the covariance matrix of the differential fuzz's round 20 hunt (seed 64246, r20_696) whose
# MultivariateNormal float32 sample was off by an ulp.
#   run: cd engine-cpu/src/test/resources/choleskybits && /usr/bin/python3 make_expected.py > expected.txt
# Format: "case <dtype> <upper 0|1> <shape comma-separated>", then "a <hex>" (the input, row-major, big-endian IEEE
# bits of each element), then "l <hex>" (PyTorch's factor).
import struct

import torch

g = torch.Generator().manual_seed(64250)


def hexes(t):
    fmt = '>f' if t.dtype == torch.float32 else '>d'
    return ''.join(struct.pack(fmt, v).hex() for v in t.reshape(-1).tolist())


def spd(batch, n):
    a = torch.randn(*batch, n, n + 2, generator=g, dtype=torch.float64)
    return (a @ a.transpose(-2, -1) / (n + 2) + 0.1 * torch.eye(n, dtype=torch.float64))


def emit(a, upper):
    l = torch.linalg.cholesky(a, upper=upper)
    print('case %s %d %s' % (str(a.dtype).replace('torch.', ''), int(upper), ','.join(str(s) for s in a.shape)))
    print('a ' + hexes(a))
    print('l ' + hexes(l))


fuzz = torch.tensor([struct.unpack('>f', bytes.fromhex(h))[0] for h in ['3fe30268', 'bf1b3138', 'bf1b3138', '3fee2a4a']])
emit(fuzz.reshape(2, 2), False)
for dtype in (torch.float32, torch.float64):
    for n in (1, 2, 3, 4):
        for batch in ([], [2, 3]):
            # upper (potf2_U: the dot products over contiguous columns, which OpenBLAS's float64 kernels fuse) is
            # matched at orders 1 and 2 only, where no sum has two terms; Ember factors A^H's lower triangle instead
            for upper in (False, True) if n <= 2 else (False,):
                for _ in range(3):
                    emit(spd(batch, n).to(dtype), upper)
