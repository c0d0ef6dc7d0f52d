# Expected float32 bits for DistributionBits47Test.java: samples (sample and rsample) and log_prob of Gumbel, Pareto,
# MultivariateNormal, LKJCholesky and Wishart with float32 parameters, under torch.manual_seed, on PyTorch's CPU
# generator (MT19937).
#   run: cd engine-cpu/src/test/resources/distbits47 &&
#        ATEN_CPU_CAPABILITY=avx2 /usr/bin/python3 make_expected.py > expected_avx2.txt &&
#        ATEN_CPU_CAPABILITY=avx512 /usr/bin/python3 make_expected.py > expected_avx512.txt
#   (PyTorch 1.13 CPU, Debian's build, no MKL; the two differ only in LKJCholesky's dim-4 samples, whose row norms
#   ATen's AVX512 kernel sums in other lanes; the parameters come from a seeded random.Random, so a second run writes
#   the same bytes)
#
# The matrices are given as scale_tril (made here by torch.linalg.cholesky, passed as a parameter): a covariance
# matrix would go through LAPACK's spotrf, whose float32 rounding is the build's (Debian's reference LAPACK here, MKL
# in 2.x's wheels), not an ATen kernel's.
#
# 1.13 vs 2.x (Ember follows 2.x): the 2.x emulations of round 20's fuzz are imported from
# ../differentialfuzzr20/make_cases.py (the serial normal and exponential_ with log1p, Wishart's redraw of the samples
# that are NOT positive definite); nothing else here differs between 1.13 and 2.x.
#
# Format: "case FAMILY SEED", then "p NAME DT SHAPE HEX" (a parameter; DT float32, or int for LKJCholesky's dim, whose
# HEX is the number), then statements, each "OP SAMPLESHAPE = SHAPE HEX": OP rsample / sample (torch.manual_seed(SEED)
# just before) or logprob (log_prob of the statement before's sample). SHAPE comma separated, '-' for 0-d; HEX the
# float32 bits row-major.
import os
import random
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'differentialfuzzr20'))
import make_cases  # noqa: E402  (installs the 2.x emulations)
import torch  # noqa: E402
import torch.distributions as D  # noqa: E402
from torch.distributions import multivariate_normal as MVN  # noqa: E402


def batch_mv_2x(bmat, bvec):
    # 2.x's matmul(bmat, bvec.unsqueeze(-1)) for a batched bvec: should_fold refuses a 2-D tensor1 (2.x: 'Don't fold in
    # this case ... if (tensor1.dim() == 2) return false'), so the matrix is expanded and bmm multiplies (its small
    # kernel, baddbmm_cpu_kernel, sums a float accumulator of rounded products, no fused multiply-add); 1.13 folded it
    # into one mm of the transposed operands (sgemm, fused). Expanding the matrix here takes 1.13 down 2.x's path.
    if bvec.dim() > 1 and bmat.dim() == 2:
        bmat = bmat.expand(bvec.shape[:-1] + bmat.shape)
    return torch.matmul(bmat, bvec.unsqueeze(-1)).squeeze(-1)


MVN._batch_mv = batch_mv_2x

rng = random.Random(4747)
out = []


def hx(t):
    t = t.detach().contiguous().reshape(-1)
    return ''.join('%08x' % struct.unpack('<I', struct.pack('<f', v))[0] for v in t.tolist()) or '-'


def shp(s):
    return ','.join(str(d) for d in s) or '-'


def param(name, t):
    out.append('p %s float32 %s %s' % (name, shp(t.shape), hx(t)))
    return t


def vec(shape, lo, hi):
    n = 1
    for d in shape:
        n *= d
    return torch.tensor([rng.uniform(lo, hi) for _ in range(n)], dtype=torch.float32).reshape(shape)


def spd(batch, n):
    a = vec(tuple(batch) + (n, n), -1, 1)
    return a @ a.transpose(-1, -2) + torch.eye(n, dtype=torch.float32) * 0.5


def statements(d, seed, shapes, rs=True):
    for ss in shapes:
        for op in (('rsample', 'sample') if rs else ('sample',)):
            torch.manual_seed(seed)
            x = getattr(d, op)(torch.Size(ss))
            out.append('%s %s = %s %s' % (op, shp(ss), shp(x.shape), hx(x)))
        out.append('logprob %s = %s %s' % (shp(ss), shp(d.log_prob(x).shape), hx(d.log_prob(x))))


for seed in (0, 1, 2):
    out.append('case Gumbel %d' % seed)
    d = D.Gumbel(param('loc', vec((3,), -2, 2)), param('scale', vec((3,), 0.3, 3)))
    statements(d, seed, [(), (5,), (4, 2)])

    out.append('case Pareto %d' % seed)
    d = D.Pareto(param('scale', vec((2, 3), 0.3, 3)), param('alpha', vec((3,), 0.5, 4)))
    statements(d, seed, [(), (5,)])

    out.append('case MultivariateNormal %d' % seed)
    tril = torch.linalg.cholesky(spd((), 3))
    d = D.MultivariateNormal(param('loc', vec((3,), -2, 2)), scale_tril=param('tril', tril))
    statements(d, seed, [(), (5,), (2, 3)])

    out.append('case MultivariateNormal %d' % seed)
    tril = torch.linalg.cholesky(spd((2,), 4))
    d = D.MultivariateNormal(param('loc', vec((2, 4), -2, 2)), scale_tril=param('tril', tril))
    statements(d, seed, [(), (5,)])

    out.append('case LKJCholesky %d' % seed)
    out.append('p dim int - %d' % (3 + seed % 2))
    d = D.LKJCholesky(3 + seed % 2, param('concentration', vec((2,), 0.5, 3)))
    statements(d, seed, [(), (4,)], rs=False)

    out.append('case Wishart %d' % seed)
    tril = torch.linalg.cholesky(spd((2,), 3))
    d = D.Wishart(param('df', vec((2,), 4, 7)), scale_tril=param('tril', tril))
    statements(d, seed, [(), (3,)])

sys.stdout.write('\n'.join(out) + '\n')
