# Expected bits for BaddbmmSmallBitsTest.java: torch.baddbmm of batches whose K * M * N is under 400, which PyTorch's
# CPU baddbmm runs through its own loop (baddbmm_cpu_kernel in aten/src/ATen/native/LinearAlgebra.cpp), for float32,
# float64, float16 and bfloat16, beta and alpha in {0, 1, 0.5, -2, 0.1, 1e-50}, NaN / inf in self, broadcast self,
# a transposed batch1, and K * M * N = 399 (the last size the loop takes).
#   run: cd engine-cpu/src/test/resources/baddbmmbits && /usr/bin/python3 make_expected.py > expected.txt
#   (PyTorch 1.13 CPU for the inputs and the cross-checks; inputs from torch.manual_seed(4748), so a second run
#   writes the same bytes)
#
# The rule (2.x's kernel; Ember follows 2.x): per element, in opmath_t (float for float32, float16 and bfloat16,
# double for float64), acc = 0; for k in order: acc += float(batch1[i, k]) * float(batch2[k, j]) (each product and
# each sum rounded: the file is built without FMA contraction); beta and alpha are converted to opmath_t
# (Scalar::to<opmath_t>, the nearest); then
#     r = alpha * acc                 where the converted beta == 0 (self is not read: its NaN / inf are ignored;
#                                     2.x's meta copies self into the result only where beta != 0 as a double, and
#                                     the kernel then overwrites it)
#     r = r * beta + alpha * acc      otherwise (three roundings),
# converted once to the tensor's type (round to nearest even). The expected values below are this rule computed here
# step by step (numpy float32 / Python float / torch's conversion to float16 / bfloat16): derived by a stated exact
# rule, not taken from 1.13, whose kernel differs.
#
# 1.13 vs 2.x: 1.13's kernel (this torch) starts the accumulator at self * beta (0 where beta == 0) and adds
# alpha * batch1[i, k] * batch2[k, j] per k (rounded left to right in the type), and ignores self only where beta
# is 0 as a double (a float32 beta of 1e-50 is 0 in float yet reads self there: NaN); 2.x sums the plain products
# first and scales once, and ignores self where the converted beta is 0. To show that the step-by-step arithmetic here is ATen's, the script checks, for float32 and
# float64, that the 1.13 rule computed with the same machinery reproduces 1.13's torch.baddbmm bits, and that the
# plain accumulator reproduces torch.bmm's (the is_bmm branch, the same in 1.13 and 2.x); it stops if either differs.
# The cases with beta == 0 are left out of the 1.13 check: there 1.13's result is now and then NaN where the rule's
# is finite (it reads the uninitialized result, which its meta did not fill from self; 2.x's kernel writes
# alpha * acc without reading it).
#
# Format: "case DT B,M,K,N BETA ALPHA SELFSHAPE T" (BETA / ALPHA as Python's repr of the double; T 1 where batch1
# is given as the transpose of a [B, K, M] tensor), then "self HEX", "b1 HEX" (row-major [B, M, K]), "b2 HEX",
# "out HEX"; HEX the raw bits row-major, 4 hex digits an element for float16 / bfloat16, 8 for float32, 16 for float64.
import struct
import sys

import numpy as np
import torch

DTYPES = {'float32': torch.float32, 'float64': torch.float64, 'float16': torch.float16, 'bfloat16': torch.bfloat16}


def hexbits(t, dt):
    t = t.contiguous().reshape(-1)
    if dt == 'float64':
        return ''.join('%016x' % struct.unpack('<Q', struct.pack('<d', v))[0] for v in t.tolist())
    if dt == 'float32':
        return ''.join('%08x' % struct.unpack('<I', struct.pack('<f', v))[0] for v in t.tolist())
    return ''.join('%04x' % (v & 0xFFFF) for v in t.view(torch.int16).tolist())


def opmath(dt):
    return (lambda v: float(v)) if dt == 'float64' else np.float32


def products(x, y, b, i, j, K, op):
    acc = op(0)
    for k in range(K):
        acc = op(acc + op(op(x[b, i, k]) * op(y[b, k, j])))
    return acc


def rule_2x(s, x, y, beta, alpha, dt):
    op = opmath(dt)
    B, M, K = x.shape
    N = y.shape[2]
    be, al = op(beta), op(alpha)
    r = np.empty((B, M, N), dtype=np.float64 if dt == 'float64' else np.float32)
    for b in range(B):
        for i in range(M):
            for j in range(N):
                acc = products(x, y, b, i, j, K, op)
                r[b, i, j] = op(al * acc) if be == 0 else op(op(op(s[b, i, j]) * be) + op(al * acc))
    out = torch.from_numpy(r)
    return out if dt in ('float32', 'float64') else out.to(DTYPES[dt])


def rule_113(s, x, y, beta, alpha, dt):
    op = opmath(dt)
    B, M, K = x.shape
    N = y.shape[2]
    be, al = op(beta), op(alpha)
    r = np.empty((B, M, N), dtype=np.float64 if dt == 'float64' else np.float32)
    for b in range(B):
        for i in range(M):
            for j in range(N):
                acc = op(0) if beta == 0 else op(op(s[b, i, j]) * be)
                for k in range(K):
                    acc = op(acc + op(op(al * op(x[b, i, k])) * op(y[b, k, j])))
                r[b, i, j] = acc
    return torch.from_numpy(r)


def plain_bmm(x, y, dt):
    op = opmath(dt)
    B, M, K = x.shape
    N = y.shape[2]
    r = np.empty((B, M, N), dtype=np.float64 if dt == 'float64' else np.float32)
    for b in range(B):
        for i in range(M):
            for j in range(N):
                r[b, i, j] = products(x, y, b, i, j, K, op)
    return torch.from_numpy(r)


def same_bits(a, b):
    return torch.equal(a.contiguous().view(torch.int64 if a.dtype == torch.float64 else torch.int32),
                       b.contiguous().view(torch.int64 if b.dtype == torch.float64 else torch.int32))


def npy(t):
    # float16 / bfloat16 values widened exactly to float32 for the step-by-step arithmetic
    return (t if t.dtype in (torch.float32, torch.float64) else t.float()).numpy()


np.seterr(all='ignore')  # NaN * 0 and inf - inf are meant
torch.manual_seed(4748)
SHAPES = [(2, 3, 4, 5), (3, 5, 7, 2), (1, 7, 7, 7), (2, 1, 1, 1), (1, 3, 7, 19)]
FACTORS = [(0, 1), (0, 0.5), (0, 0.1), (1, 1), (1, -2), (0.5, 0.5), (-2, 1), (-2, 0.1), (0.1, 0.1), (0.5, 0),
           (1e-50, 1), (1e-50, -2)]
lines = []
checked113 = 0
for dt in ['float32', 'float64', 'float16', 'bfloat16']:
    tdt = DTYPES[dt]
    for si, (B, M, K, N) in enumerate(SHAPES):
        for fi, (beta, alpha) in enumerate(FACTORS):
            # self: full, broadcast from (M, N), or from (1, 1, N); batch1 transposed every third case
            kind = (si + fi) % 3
            self_shape = (B, M, N) if kind == 0 else (M, N) if kind == 1 else (1, 1, N)
            transposed = (si + fi) % 3 == 2
            s = torch.randn(self_shape).to(tdt)
            if beta == 0 or beta == 1e-50:
                s.view(-1)[0] = float('nan')
                s.view(-1)[-1] = float('inf')
            b1 = (torch.randn(B, K, M).transpose(1, 2) if transposed else torch.randn(B, M, K)).to(tdt)
            b2 = torch.randn(B, K, N).to(tdt)
            if fi == 4:
                b1[0, 0, K - 1] = float('nan')
            se = s.expand(B, M, N)
            want = rule_2x(npy(se), npy(b1), npy(b2), beta, alpha, dt)
            if dt in ('float32', 'float64') and beta != 0:
                got113 = torch.baddbmm(s, b1, b2, beta=beta, alpha=alpha)
                emu113 = rule_113(npy(se), npy(b1), npy(b2), beta, alpha, dt)
                if not same_bits(got113, emu113):
                    sys.exit('1.13 rule differs: %s %s %s %s %s %s' % (dt, (B, M, K, N), beta, alpha, got113[got113 != emu113], emu113[got113 != emu113]))
                if not same_bits(torch.bmm(b1, b2), plain_bmm(npy(b1), npy(b2), dt)):
                    sys.exit('bmm differs: %s %s' % (dt, (B, M, K, N)))
                checked113 += 1
            lines.append('case %s %d,%d,%d,%d %r %r %s %d' % (dt, B, M, K, N, beta, alpha,
                                                             ','.join(map(str, self_shape)), 1 if transposed else 0))
            lines.append('self ' + hexbits(s, dt))
            lines.append('b1 ' + hexbits(b1, dt))
            lines.append('b2 ' + hexbits(b2, dt))
            lines.append('out ' + hexbits(want, dt))
print('\n'.join(lines))
sys.stderr.write('%d cases; %d float32/float64 cases of 1.13 reproduced by its rule\n' % (len(lines) // 5, checked113))
