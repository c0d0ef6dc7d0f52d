# Writes the expected bits for SiluBitsTest: PyTorch 1.13's float32 silu, silu_backward, sigmoid and sigmoid_backward
# on the CPU, one thread, under ATEN_CPU_CAPABILITY=avx2 and =avx512 (each in a subprocess). Run with /usr/bin/python3
# (PyTorch 1.13, Debian's build, linked to the system's libsleef 3.5.1) from this folder; rerunning gives the same
# files byte for byte.
#
# What computes them (the same source in 2.x: Activation.cpp silu_kernel/silu_backward_kernel, UnaryOpsKernel.cpp
# sigmoid_kernel, BinaryOpsKernel.cpp sigmoid_backward_kernel): cpu_kernel_vec, whose vectorized form runs over the
# whole passes of two vectors of a contiguous run (16 floats on AVX2, 32 on AVX-512) and whose scalar form runs over
# the rest of the run and over strided runs:
#   silu       x / (1 + exp(-x))            Sleef's expf in the vector form, glibc's expf in the scalar form;
#   silu_bwd   dy * s * (1 + x * (1 - s)),  s = 1 / (1 + exp(-x)), 1 + x * (1 - s) one fused multiply-add (the
#              build contracts it: a probe of 65536 inputs gives 0 differences with it, 9157 without);
#   sigmoid    1 / (1 + exp(-x));
#   sigmoid_bwd  dy * (1 - y) * y (no exp: the same bits in both forms; 0 of 65536 differ, 22257+ for other orders).
# Probed here (65536 random inputs, sizes with tails, stride-2 views): all four agree bit for bit with these formulas
# with Sleef's exp (torch.exp of a contiguous tensor) in the vector part and glibc's expf in the rest.
#
# Files: pool.bin, gpool.bin   4099 inputs (the specials first: +-0, NaN, +-inf, +-88, +-88.7, +-104, +-103.9, +-200,
#        the smallest subnormal, the smallest normal, +-1e-30, +-max, +-1, +-16.6, +-17.4; then Gaussian * 8, the
#        first 48 of them moved up a float at a time until glibc's expf(-x) is NOT the float nearest e^-x (about 1 input
#        in 2000 has expf within 0.502 ulp but not the nearest: Ember's scalar form ports glibc's expf, LibmFloat.exp,
#        and these hold it to it; before session 50 every input was moved the other way, to where the nearest float
#        stood in for expf) and 4099 incoming gradients (Gaussian), little-endian float32;
#        cases.txt   one case a line: name, view, numbers. Element i (row-major) of the case's base tensor is
#        pool[(i + shift) mod 4099], of its gradient (the view's shape, contiguous) gpool[(3 i + shift) mod 4099],
#        shift = 37 * the case's index. Views: 'c n' (contiguous [n]), 's2 n' (base [2n], x = base[::2]),
#        'rows r c k' (base [r, c], x = base[:, :k]: a tail a row), 't r c' (base [r, c], x = base.t(): dense, run in
#        memory order), 'bg n' (contiguous [n] with the gradient gpool[shift mod 4099] expanded to [n]: stride 0, a
#        scalar operand of the vectorized loop);
#        out_avx2.bin, out_avx512.bin   per case in order: silu(x), silu_backward(g, x), sigmoid(x),
#        sigmoid_backward(g, sigmoid(x)), each row-major, little-endian int32 bit patterns.
import ctypes
import math
import os
import struct
import subprocess
import sys

import torch

P = 4099
SPECIALS = [0.0, -0.0, float('nan'), float('inf'), float('-inf'), 88.0, -88.0, 88.7, -88.7, 104.0, -104.0, 103.9,
            -103.9, 200.0, -200.0, 1.401298464324817e-45, -1.401298464324817e-45, 1.1754943508222875e-38, 1e-30,
            -1e-30, 3.4028234663852886e38, -3.4028234663852886e38, 1.0, -1.0, 16.6, -16.6, 17.4, -17.4]


def cases():
    out = [('c%d' % n, 'c', [n]) for n in range(1, 41)]
    for k in (1, 2, 3):
        for d in range(-17, 18, 2):
            out.append(('c%d' % (32 * k + d), 'c', [32 * k + d]))
    out += [('c4095', 'c', [4095]), ('c4096', 'c', [4096]), ('c4097', 'c', [4097]), ('c8269', 'c', [8269]),
            ('s2_75', 's2', [75]), ('s2_4103', 's2', [4103]), ('rows', 'rows', [30, 100, 75]), ('t', 't', [60, 100]),
            ('bg75', 'bg', [75]), ('bg4103', 'bg', [4103])]
    return out


def libm_is_nearest(libm, v):
    """Whether glibc's expf(-v) is the float nearest e^-v."""
    e = libm.expf(-v)
    try:
        exact = math.exp(-v)
    except OverflowError:
        return True
    return struct.unpack('<f', struct.pack('<f', exact))[0] == e if exact < 3.4e38 else True


def pools():
    gen = torch.Generator().manual_seed(49)
    x = torch.randn(P, generator=gen) * 8
    x[:len(SPECIALS)] = torch.tensor(SPECIALS)
    g = torch.randn(P, generator=gen)
    libm = ctypes.CDLL('libm.so.6')
    libm.expf.restype = ctypes.c_float
    libm.expf.argtypes = [ctypes.c_float]
    x = x.float()
    for i in range(len(SPECIALS), len(SPECIALS) + 48):
        while libm_is_nearest(libm, x[i].item()):
            x[i] = torch.nextafter(x[i], torch.tensor(float('inf')))
    return x, g.float()


def view(pool, kind, nums, shift):
    if kind in ('c', 'bg'):
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
    x_pool, g_pool = pools()
    data = []
    for idx, (name, kind, nums) in enumerate(cases()):
        shift = 37 * idx
        x = view(x_pool, kind, nums, shift)
        n = x.numel()
        if kind == 'bg':
            g = g_pool[shift % P].expand(n)
        else:
            g = g_pool[(3 * torch.arange(n) + shift) % P].reshape(x.shape).contiguous()
        y = torch.sigmoid(x)
        for t in (torch.nn.functional.silu(x), torch.ops.aten.silu_backward(g, x), y,
                  torch.ops.aten.sigmoid_backward(g, y)):
            data.append(t.contiguous().view(torch.int32).reshape(-1))
    with open('out_%s.bin' % cap, 'wb') as f:
        f.write(torch.cat(data).numpy().astype('<i4').tobytes())


def main():
    if len(sys.argv) > 1:
        child(sys.argv[1])
        return
    x_pool, g_pool = pools()
    with open('pool.bin', 'wb') as f:
        f.write(x_pool.numpy().astype('<f4').tobytes())
    with open('gpool.bin', 'wb') as f:
        f.write(g_pool.numpy().astype('<f4').tobytes())
    with open('cases.txt', 'w') as f:
        for name, kind, nums in cases():
            f.write('%s %s %s\n' % (name, kind, ' '.join(map(str, nums))))
    for cap in ('avx2', 'avx512'):
        env = dict(os.environ, ATEN_CPU_CAPABILITY=cap, OMP_NUM_THREADS='1')
        subprocess.run([sys.executable, __file__, cap], env=env, check=True)


if __name__ == '__main__':
    main()
