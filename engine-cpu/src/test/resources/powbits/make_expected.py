# Writes the expected bits for PowBitsTest: PyTorch 1.13's float32 pow on the CPU, one thread, under
# ATEN_CPU_CAPABILITY=avx2 and =avx512 (each in a subprocess). Run with /usr/bin/python3 (PyTorch 1.13, Debian's
# build, linked to the system's libsleef 3.5.1) from this folder; rerunning gives the same files byte for byte.
#
# What computes them (PowKernel.cpp, the same in 2.x for these calls): pow(Tensor, Scalar) of a float32 tensor by an
# exponent other than 0, 1, 2, 3, -2, 0.5, -0.5, -1, and pow(Tensor, Tensor) / pow(Scalar, Tensor) of float32 tensors,
# run cpu_kernel_vec, whose vectorized form (Vectorized<float>::pow = Sleef_powf8_u10 / Sleef_powf16_u10) runs over the
# whole passes of two vectors of a contiguous run (16 floats on AVX2, 32 on AVX-512) and whose scalar form (std::pow
# in double for a number exponent, std::pow(float, float) for two tensors) runs over the rest and over strided runs.
# The exponents here are floats (an exponent a float cannot hold, such as 0.1, reaches the vectorized form rounded
# to float and the scalar form unrounded: not covered by these files). The special exponents are exact formulas,
# checked too ('special' cases).
#
# Files: pool.bin   4099 bases (the specials first, then Gaussian * 4 and signed e^(Gaussian * 6)), little-endian
#        float32; epool.bin  4099 exponents for the two-tensor cases (specials, small integers and halves, Gaussian * 3);
#        cases.txt  one case a line: name, kind, exponent (or '-'), numbers. Element i (row-major) of the case's base
#        tensor is pool[(i + shift) mod 4099], shift = 37 * the case's index; of its exponent tensor
#        epool[(3 i + shift) mod 4099]. Kinds: 'c n' (contiguous [n] ** number), 's2 n' (base [2n], x = base[::2]),
#        'rows r c k' (base [r, c], x = base[:, :k]), 't r c' (base [r, c], x = base.t()), 'tt n' (contiguous [n] **
#        contiguous [n]), 'sf n' (number ** contiguous [n]);
#        out_avx2.bin, out_avx512.bin  per case in order, the result row-major as little-endian int32 bit patterns.
import os
import subprocess
import sys

import torch

P = 4099
SPECIALS = [0.0, -0.0, float('nan'), float('inf'), float('-inf'), 1.0, -1.0, 2.0, -2.0, 0.5, -0.5, 1.401298464324817e-45,
            -1.401298464324817e-45, 1.1754943508222875e-38, 3.4028234663852886e38, -3.4028234663852886e38, 1e-30,
            1e30, 0.9999999403953552, 1.0000001192092896, 10.0, -10.0, 1e-5, 3.0, -3.0]
ESPECIALS = [0.0, -0.0, float('nan'), float('inf'), float('-inf'), 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 3.0, 1.5, -1.5,
             16777216.0, 16777217.0, 33554432.0, 1e10, -1e10, 127.0, -149.0, 0.1]
EXPONENTS = [1.5, -3.0, 2.5, -1.5, 0.25, 7.0, -7.0, 100.0, -100.0, 0.75, 1.25, -0.75, 4.0, 0.0009765625]


def cases():
    out = []
    for i, e in enumerate(EXPONENTS):
        for n in list(range(1, 40, 3)) + [31, 32, 33, 63, 64, 65, 95, 96, 97] + ([4095, 4097] if i < 4 else []):
            out.append(('c%d_%g' % (n, e), 'c', e, [n]))
    out += [('s2_75', 's2', 1.5, [75]), ('s2_4103', 's2', -0.75, [4103]), ('rows', 'rows', 2.5, [30, 100, 75]),
            ('t', 't', 1.25, [60, 100])]
    for e in (0.0, 1.0, 2.0, 3.0, -2.0, 0.5, -0.5, -1.0):
        out.append(('special_%g' % e, 'c', e, [1100]))
    for n in (1, 15, 16, 17, 31, 32, 33, 100, 4097):
        out.append(('tt%d' % n, 'tt', None, [n]))
    for e in (2.5, 0.5, -1.5, 10.0):
        out.append(('sf%g' % e, 'sf', e, [1100]))
    return out


def pools():
    gen = torch.Generator().manual_seed(51)
    x = torch.randn(P, generator=gen) * 4
    half = P // 2
    mags = torch.exp(torch.randn(P - half, generator=gen) * 6)
    signs = torch.where(torch.rand(P - half, generator=gen) < 0.5, -1.0, 1.0)
    x[half:] = mags * signs
    x[:len(SPECIALS)] = torch.tensor(SPECIALS)
    e = torch.randn(P, generator=gen) * 3
    ints = torch.randint(-8, 9, (P // 4,), generator=gen).float()
    e[P // 2:P // 2 + P // 4] = ints
    e[P // 2 + P // 4:P // 2 + 2 * (P // 4)] = torch.randint(-16, 17, (P // 4,), generator=gen).float() / 2
    e[:len(ESPECIALS)] = torch.tensor(ESPECIALS)
    return x.float(), e.float()


def view(pool, kind, nums, shift):
    if kind in ('c', 'tt', 'sf'):
        numel, shape = nums[0], [nums[0]]
    elif kind == 's2':
        numel, shape = 2 * nums[0], [2 * nums[0]]
    else:
        numel, shape = nums[0] * nums[1], [nums[0], nums[1]]
    base = pool[(torch.arange(numel) + shift) % P].reshape(shape).contiguous()
    if kind == 's2':
        return base[::2]
    if kind == 'rows':
        return base[:, :nums[2]]
    if kind == 't':
        return base.t()
    return base


def child(cap):
    torch.set_num_threads(1)
    x_pool, e_pool = pools()
    data = []
    for idx, (name, kind, e, nums) in enumerate(cases()):
        shift = 37 * idx
        x = view(x_pool, kind, nums, shift)
        if kind == 'tt':
            y = x.pow(e_pool[(3 * torch.arange(x.numel()) + shift) % P].reshape(x.shape).contiguous())
        elif kind == 'sf':
            y = torch.pow(e, x)
        else:
            y = x.pow(e)
        data.append(y.contiguous().view(torch.int32).reshape(-1))
    with open('out_%s.bin' % cap, 'wb') as f:
        f.write(torch.cat(data).numpy().astype('<i4').tobytes())


def main():
    if len(sys.argv) > 1:
        child(sys.argv[1])
        return
    x_pool, e_pool = pools()
    with open('pool.bin', 'wb') as f:
        f.write(x_pool.numpy().astype('<f4').tobytes())
    with open('epool.bin', 'wb') as f:
        f.write(e_pool.numpy().astype('<f4').tobytes())
    with open('cases.txt', 'w') as f:
        for name, kind, e, nums in cases():
            f.write('%s %s %s %s\n' % (name, kind, '-' if e is None else repr(e), ' '.join(map(str, nums))))
    for cap in ('avx2', 'avx512'):
        env = dict(os.environ, ATEN_CPU_CAPABILITY=cap, OMP_NUM_THREADS='1')
        subprocess.run([sys.executable, __file__, cap], env=env, check=True)


if __name__ == '__main__':
    main()
