# Writes the expected bits for ActivationBackwardBitsTest: PyTorch 1.13's sigmoid_backward(grad, y) and
# tanh_backward(grad, y) on the CPU, float32 and float64, one thread, under ATEN_CPU_CAPABILITY=avx2, =avx512 and
# =default (each in a subprocess). Run with /usr/bin/python3 (PyTorch 1.13, Debian's build) from this folder;
# rerunning gives the same files byte for byte.
#
# What computes them (ATen's cpu/BinaryOpsKernel.cpp, sigmoid_backward_kernel and tanh_backward_kernel; 2.x's source
# is the same for float32/float64): cpu_kernel_vec, whose vectorized form runs over the whole passes of two vectors
# of a contiguous run and whose scalar form runs over the rest of the run and over strided runs:
#   sigmoid_backward   a * (1 - b) * b          (vector: a * (one_vec - b) * b): (a * (1 - b)) * b in both forms;
#   tanh_backward      a * (1 - b * b)          (vector: a * (one_vec - b * b)): the build contracts 1 - b * b into
#                      one fused multiply-add in BOTH forms where the capability has FMA (avx2, avx512: GCC contracts
#                      the Vectorized intrinsics, which are plain vector arithmetic in its headers, as well as the
#                      scalar lambda), and rounds twice on default (no -mfma).
# Probed here before writing (40013 random elements, contiguous with a tail, and stride-2 views): tanh_backward
# differs from a * fma(-b, b, 1) in 0 elements on avx2 and avx512 (about 22300 from the twice-rounded form, in the
# vector part, the tail and the strided runs alike) and from a * (1 - b * b) in 0 elements on default;
# sigmoid_backward differs from (a * (1 - b)) * b in 0 elements on all three (about 13600 for a * ((1 - b) * b), about
# 14000 for (a * b) * (1 - b)). check() below repeats the probe on the written data and fails if it no longer holds.
#
# Files: ypool32.bin/gpool32.bin (float32) and ypool64.bin/gpool64.bin (float64), P = 4099 values each,
#        little-endian: y's specials first (+-0, +-1, NaN, +-inf, the smallest subnormal, the smallest normal,
#        +-1e-30, 1 - ulp, 0.5, +-max, 2, -3), then tanh(N(0, 2)), sigmoid(N(0, 3)) and N(0, 4) values in turn; the
#        gradients N(0, 1) with 0, -0, +-inf, 1e-30 and the largest value at a few places (made once, under the
#        machine's own capability; the subprocesses read them back);
#        cases.txt   one case a line: name, view, numbers. Element i (row-major) of y's base tensor is
#        ypool[(i + shift) mod P], of grad's base gpool[(3 i + shift) mod P], shift = 37 * the case's index. Views:
#        'c n' (both contiguous [n]), 's3 a b c' (contiguous [a, b, c]), 'gs2 n' (grad = base [2n][::2], y
#        contiguous), 'ys2 n' (y = base [2n][::2], grad contiguous), 'rows r c k' (both base [r, c][:, :k]: a tail a
#        row), 't a b c' (both base [a, b, c].transpose(0, 2): dense, run in memory order), 'bg n' (grad
#        gpool[shift mod P] expanded to [n]: stride 0, a scalar operand of the vectorized loop);
#        out_<cap>.bin   per case in order: float32 sigmoid_backward, float32 tanh_backward, float64 sigmoid_backward,
#        float64 tanh_backward, each row-major, little-endian int32 (float32) or int64 (float64) bit patterns.
import ctypes
import os
import subprocess
import sys

import numpy as np
import torch

P = 4099
Y_SPECIALS = [0.0, -0.0, 1.0, -1.0, float('nan'), float('inf'), float('-inf'), 1.401298464324817e-45,
              -1.401298464324817e-45, 1.1754943508222875e-38, 1e-30, -1e-30, 0.99999994, 0.5, 3.4028234663852886e38,
              -3.4028234663852886e38, 2.0, -3.0]
G_SPECIALS = {5: 0.0, 11: -0.0, 23: float('inf'), 29: float('-inf'), 31: 1e-30, 41: 3.0e38}


def cases():
    out = [('c%d' % n, 'c', [n]) for n in range(1, 71)]
    out += [('c127', 'c', [127]), ('c128', 'c', [128]), ('c129', 'c', [129]), ('c4097', 'c', [4097]),
            ('s3', 's3', [3, 17, 129]), ('gs2_75', 'gs2', [75]), ('gs2_4103', 'gs2', [4103]), ('ys2_75', 'ys2', [75]),
            ('rows', 'rows', [30, 100, 75]), ('t', 't', [3, 17, 40]), ('bg75', 'bg', [75]), ('bg4103', 'bg', [4103])]
    return out


def pools(dtype):
    gen = torch.Generator().manual_seed(51)
    y = torch.empty(P, dtype=torch.float64)
    k = torch.arange(P)
    t = torch.tanh(torch.randn(P, generator=gen, dtype=torch.float64) * 2)
    s = torch.sigmoid(torch.randn(P, generator=gen, dtype=torch.float64) * 3)
    w = torch.randn(P, generator=gen, dtype=torch.float64) * 4
    y = torch.where(k % 3 == 0, t, torch.where(k % 3 == 1, s, w))
    y[:len(Y_SPECIALS)] = torch.tensor(Y_SPECIALS, dtype=torch.float64)
    g = torch.randn(P, generator=gen, dtype=torch.float64)
    for i, v in G_SPECIALS.items():
        g[i] = v
    return y.to(dtype), g.to(dtype)


def read_pools(dtype):
    """The pools as main() wrote them (a child's own tanh and sigmoid under another capability could round otherwise)."""
    suffix, fmt = ('32', '<f4') if dtype == torch.float32 else ('64', '<f8')
    return tuple(torch.from_numpy(np.fromfile(name + suffix + '.bin', dtype=fmt).astype(fmt[1:]))
                 for name in ('ypool', 'gpool'))


def base_shape(kind, nums):
    if kind in ('c', 'bg'):
        return [nums[0]]
    if kind in ('gs2', 'ys2'):
        return [2 * nums[0]]
    if kind in ('s3', 't'):
        return list(nums)
    return [nums[0], nums[1]]


def operands(kind, nums, shift, ypool, gpool):
    shape = base_shape(kind, nums)
    numel = int(np.prod(shape))
    idx = torch.arange(numel)
    yb = ypool[(idx + shift) % P].reshape(shape).contiguous()
    gb = gpool[(3 * idx + shift) % P].reshape(shape).contiguous()
    if kind == 'gs2':
        return gb[::2], ypool[(torch.arange(nums[0]) + shift) % P].contiguous()
    if kind == 'ys2':
        return gpool[(3 * torch.arange(nums[0]) + shift) % P].contiguous(), yb[::2]
    if kind == 'rows':
        return gb[:, :nums[2]], yb[:, :nums[2]]
    if kind == 't':
        return gb.transpose(0, 2), yb.transpose(0, 2)
    if kind == 'bg':
        return gpool[shift % P].expand(numel), yb
    return gb, yb


def child(cap):
    torch.set_num_threads(1)
    data = []
    for dtype, itype in ((torch.float32, torch.int32), (torch.float64, torch.int64)):
        ypool, gpool = read_pools(dtype)
        for idx, (name, kind, nums) in enumerate(cases()):
            g, y = operands(kind, nums, 37 * idx, ypool, gpool)
            for t in (torch.ops.aten.sigmoid_backward(g, y), torch.ops.aten.tanh_backward(g, y)):
                data.append(t.contiguous().view(itype).reshape(-1).numpy().astype('<i4' if itype == torch.int32
                                                                                  else '<i8').tobytes())
    # out file: per case, f32 sigmoid, f32 tanh, f64 sigmoid, f64 tanh (reordered from the two passes above)
    ncases = len(cases())
    f32, f64 = data[:2 * ncases], data[2 * ncases:]
    with open('out_%s.bin' % cap, 'wb') as f:
        for c in range(ncases):
            f.write(f32[2 * c] + f32[2 * c + 1] + f64[2 * c] + f64[2 * c + 1])
    check(cap)


def check(cap):
    """The formulas of the header, element by element against what PyTorch wrote (NaN results compared as NaN)."""
    libm = ctypes.CDLL('libm.so.6')
    libm.fmaf.restype = ctypes.c_float
    libm.fmaf.argtypes = [ctypes.c_float] * 3
    libm.fma.restype = ctypes.c_double
    libm.fma.argtypes = [ctypes.c_double] * 3
    raw = open('out_%s.bin' % cap, 'rb').read()
    at = 0
    bad = 0
    pools32, pools64 = read_pools(torch.float32), read_pools(torch.float64)
    with np.errstate(all='ignore'):
        for idx, (name, kind, nums) in enumerate(cases()):
            for dtype, npdt, width, fma, (ypool, gpool) in ((torch.float32, np.float32, 4, libm.fmaf, pools32),
                                                           (torch.float64, np.float64, 8, libm.fma, pools64)):
                g, y = operands(kind, nums, 37 * idx, ypool, gpool)
                gn = g.contiguous().numpy().reshape(-1)
                yn = y.contiguous().numpy().reshape(-1)
                n = gn.size
                sig = (gn * (npdt(1) - yn)) * yn
                if cap == 'default':
                    tanh = gn * (npdt(1) - yn * yn)
                else:
                    tanh = gn * np.array([fma(-float(v), float(v), 1.0) for v in yn], dtype=npdt)
                for want in (sig, tanh):
                    got = np.frombuffer(raw[at:at + width * n], dtype=npdt)
                    at += width * n
                    both_nan = np.isnan(got) & np.isnan(want)
                    bad += int(((got.view('u%d' % width) != want.view('u%d' % width)) & ~both_nan).sum())
    assert at == len(raw), (at, len(raw))
    assert bad == 0, '%s: %d elements differ from the header\'s formulas' % (cap, bad)


def main():
    if len(sys.argv) > 1:
        child(sys.argv[1])
        return
    for dtype, suffix, fmt in ((torch.float32, '32', '<f4'), (torch.float64, '64', '<f8')):
        ypool, gpool = pools(dtype)
        with open('ypool%s.bin' % suffix, 'wb') as f:
            f.write(ypool.numpy().astype(fmt).tobytes())
        with open('gpool%s.bin' % suffix, 'wb') as f:
            f.write(gpool.numpy().astype(fmt).tobytes())
    with open('cases.txt', 'w') as f:
        for name, kind, nums in cases():
            f.write('%s %s %s\n' % (name, kind, ' '.join(map(str, nums))))
    for cap in ('avx2', 'avx512', 'default'):
        env = dict(os.environ, ATEN_CPU_CAPABILITY=cap, OMP_NUM_THREADS='1')
        subprocess.run([sys.executable, __file__, cap], env=env, check=True)


if __name__ == '__main__':
    main()
