# Writes the expected bits for PowBitsTest: PyTorch 1.13's float32 pow on the CPU, one thread, under
# ATEN_CPU_CAPABILITY=avx2 and =avx512 (each in a subprocess). Run with /usr/bin/python3 (PyTorch 1.13, Debian's
# build, linked to the system's libsleef 3.5.1) from this folder; rerunning gives the same files byte for byte.
#
# What computes them (PowKernel.cpp, the same in 2.x for these calls): pow(Tensor, Scalar) of a float32 tensor by an
# exponent other than 0, 1, 2, 3, -2, 0.5, -0.5, -1, and pow(Tensor, Tensor) / pow(Scalar, Tensor) of float32 tensors,
# run cpu_kernel_vec, whose vectorized form (Vectorized<float>::pow = Sleef_powf8_u10 / Sleef_powf16_u10) runs over the
# whole passes of two vectors of a contiguous run (16 floats on AVX2, 32 on AVX-512) and whose scalar form (std::pow
# in double for a number exponent, std::pow(float, float) for two tensors) runs over the rest and over strided runs.
# The special exponents are exact formulas, checked too ('special' cases).
#
# Exponents a float cannot hold (0.1, 1/3, 2.2, 16777217.0, 1e-320, 1e300, NaN, ...; 'cs' and 'ds' cases): 2.x's
# pow_tensor_scalar_optimized_kernel<float, double> runs Vec::pow(static_cast<double>(exp)), which converts the
# exponent to a Vectorized<float> (rounded to float: Sleef_powf with float(exp)), and std::pow(base, double(exp)) in its
# scalar form (the exponent as given, in double, then rounded to float); exp is compared with 0, 1, 2, 3, -2, 0.5, -0.5
# and -1 as a double, so 2.0000000001 is a general exponent (powf(x, 2.0f) in the vectorized part). PyTorch 1.13 runs
# the same kernel (checked: (-1) ** 16777217.0 is 1 in the vectorized part and -1 in the rest, 0 ** 1e-320 1 and 0,
# NaN ** 1e-320 1 and NaN), so its bits are 2.x's here. A 0-dim float64 exponent tensor ('t0' cases) is the
# tensor-tensor kernel after TensorIterator converts it to float32, and a number base ('sf' with 0.1, 2.2, ...) is
# wrapped as a float64 0-dim tensor and converted the same way (pow_Scalar_out): the number rounded to float everywhere.
#
# Files: pool.bin   4099 bases (the specials first, then Gaussian * 4 and signed e^(Gaussian * 6)), little-endian
#        float32; epool.bin  4099 exponents for the two-tensor cases (specials, small integers and halves, Gaussian * 3);
#        cases.txt  one case a line: name, kind, exponent (or '-'), numbers. Element i (row-major) of the case's base
#        tensor is pool[(i + shift) mod 4099], shift = 37 * the case's index; of its exponent tensor
#        epool[(3 i + shift) mod 4099], except 'cs n s' and 'ds n s' (contiguous [n] ** number with shift s: 0 puts
#        the specials first, in the vectorized part from n = 57 on, in the scalar part for n = 25; 'ds' is 'cs' run
#        through a stride-2 view, base [2n], x = base[::2], all in the scalar form), 't0 n' (contiguous [n] ** a 0-dim
#        float64 tensor). Kinds: 'c n' (contiguous [n] ** number), 's2 n' (base [2n], x = base[::2]),
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
WIDE = [0.1, -0.1, 1 / 3, 2.2, -2.2, 16777217.0, -16777217.0, 33554433.0, 1e-320, -1e-320, 1e-50, 1e300, -1e300,
        1e39, float('nan'), float('inf'), float('-inf'), 2.0000000001, 0.5000000001, -0.5000000001, -1.0000000001,
        3.0000000001, -2.0000000001, 1.0000000001, 0.9999999999]
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
    # exponents a float cannot hold (and ones that round to a special exponent, to an integer, to 0, to inf)
    for e in WIDE:
        for n, s in ((57, 0), (25, 0), (100, 1000)):
            out.append(('cs%d_%r' % (n, e), 'cs', e, [n, s]))
    for e in (0.1, 16777217.0, 1e-320, float('nan')):
        out.append(('ds_%r' % e, 'ds', e, [40, 0]))
    for e in (0.1, 1 / 3, 2.2, 16777217.0, 1e-320, 1e300, float('nan'), 2.5):
        out.append(('t0_%r' % e, 't0', e, [100]))
    for e in (0.1, 2.2, -2.2, 1 / 3, 16777217.0, 1.0000000001):
        out.append(('sf%r' % e, 'sf', e, [100]))
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
    if kind in ('c', 'tt', 'sf', 'cs', 't0'):
        numel, shape = nums[0], [nums[0]]
    elif kind in ('s2', 'ds'):
        numel, shape = 2 * nums[0], [2 * nums[0]]
    else:
        numel, shape = nums[0] * nums[1], [nums[0], nums[1]]
    base = pool[(torch.arange(numel) + shift) % P].reshape(shape).contiguous()
    if kind in ('s2', 'ds'):
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
        shift = nums[1] if kind in ('cs', 'ds') else 37 * idx
        x = view(x_pool, kind, nums, shift)
        if kind == 't0':
            y = x.pow(torch.tensor(e, dtype=torch.float64))
        elif kind == 'tt':
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
