# Writes the expected bits for SoftmaxBitsTest: PyTorch's float32 softmax and log_softmax over the LAST dimension on
# the CPU, forward and backward. Run with /usr/bin/python3 (PyTorch 1.13, Debian's build, AVX2 capability) from this
# folder. Over the other dimensions (dims.txt, dims_*.bin): see dims() below.
#
# What computes them (aten/src/ATen/native/cpu/SoftMaxKernel.cpp; the same arithmetic in 1.13 and 2.x, read from both):
#   softmax       _vec_softmax_lastdim: max = vec::reduce_all(vec::maximum) over the row, out = exp(x - max) by
#                 vec::map (Sleef_expf8_u10 on every element, the tail through a partial vector), sum =
#                 vec::reduce_all(+) over out, then out * (1 / sum);
#   log_softmax   _vec_log_softmax_lastdim: the same max, sum = vec::map_reduce_all(exp(x - max), +), log(sum) by
#                 Sleef_logf8_u10, out = (x - max) - log(sum);
#   backward      _vec_host_softmax_backward_lastdim: softmax: sum = vec::map2_reduce_all(g * y, +),
#                 grad = (g - sum) * y; log_softmax: sum = vec::reduce_all(+) over g, grad = g - exp(y) * sum.
# vec::reduce_all's order (functional_base.h, AVX2): rows under 8 floats are folded left to right; longer rows keep 8
# lane accumulators (lane k takes elements k, k + 8, ... in order, the last partial vector through Vec::set), then
# the AVX2 horizontal step: lanes (i, i + 4), then (i, i + 2), then (i, i + 1). vec::maximum is _mm256_max_ps
# (a > b ? a : b) with NaN where either is NaN. Not in the source but in these bits: GCC contracted the backward's
# product and sum into fused multiply-adds (acc + g * y in map2_reduce_all after the first vector and in its Vec::set
# tail; g - exp(y) * sum), as it is free to with intrinsics on vector types (-ffp-contract=fast): the kernel without
# them differs in 2262 of softmax's gradients and 959 of log_softmax's here, with them in none. A 2.x wheel built
# the same way contracts the same expressions; that is the one assumption about 2.x here. Rows are split across
# threads whole, so the thread count does not change the bits (one thread here all the same).
#
# Files (little-endian float32, cases concatenated in cases.txt's order; cases.txt: rows, n, first element):
#   x.bin           the inputs: per n in 1..70, 127, 128, 129, 1000, 4097 a [3, n] block (row 0 Gaussian * 3, row 1
#                   uniform in [-100, 100), row 2 Gaussian * 0.5 + 50); a [64, 33] Gaussian * 4 block; then [12, 19]
#                   and [12, 8] blocks of special rows (all -inf, one -inf, one NaN, +inf, all equal, zeros of both
#                   signs, [0, -200] sums of exactly 1, huge and tiny values)
#   g.bin           the incoming gradients (Gaussian, with a NaN in the special blocks' row 3)
#   softmax.bin, log_softmax.bin                 torch.softmax / torch.log_softmax(x, -1)
#   softmax_grad.bin, log_softmax_grad.bin       x.grad after out.backward(g)
import os
import subprocess
import sys

import torch

inf = float("inf")
nan = float("nan")


def specials(n, g):
    rows = []
    r = torch.randn(12, n, generator=g) * 2
    rows.append(torch.full((n,), -inf))
    r[1, n // 2] = -inf
    r[2, n // 3] = nan
    r[3, 1] = inf
    rows += [r[1], r[2], r[3]]
    rows.append(torch.full((n,), 7.25))
    z = torch.zeros(n)
    z[::2] = -0.0
    rows.append(z)
    rows.append(-z)
    e = torch.full((n,), -200.0)
    e[0] = 0.0
    rows.append(e)
    e2 = torch.full((n,), -200.0)
    e2[n - 1] = -0.0
    rows.append(e2)
    rows.append(r[9] * 1e30)
    rows.append(r[10] * 1e-30)
    rows.append(torch.full((n,), 3.0e38))
    return torch.stack(rows)


def write(name, ts):
    torch.cat([t.reshape(-1) for t in ts]).numpy().astype("<f4").tofile(name + ".bin")


def last_dim():
    torch.set_num_threads(1)
    cap = torch.__config__.show()
    assert "CPU capability usage: AVX2" in cap, "run on the AVX2 capability (ATEN_CPU_CAPABILITY unset)"

    g = torch.Generator().manual_seed(4901)
    SIZES = list(range(1, 71)) + [127, 128, 129, 1000, 4097]
    blocks = []
    for n in SIZES:
        blocks.append(torch.stack([torch.randn(n, generator=g) * 3, torch.rand(n, generator=g) * 200 - 100,
                                   torch.randn(n, generator=g) * 0.5 + 50]))
    blocks.append(torch.randn(64, 33, generator=g) * 4)
    blocks.append(specials(19, g))
    blocks.append(specials(8, g))

    xs, gs, outs = [], [], {k: [] for k in ["softmax", "log_softmax", "softmax_grad", "log_softmax_grad"]}
    with open("cases.txt", "w") as f:
        f.write("# torch %s, %s; rows n first-element\n"
                % (torch.__version__, [l.strip() for l in cap.split("\n") if "capability" in l][0]))
        start = 0
        for i, b in enumerate(blocks):
            rows, n = b.shape
            f.write("%d %d %d\n" % (rows, n, start))
            start += rows * n
            gr = torch.randn(rows, n, generator=g)
            if i >= len(blocks) - 2:
                gr[3, 0] = nan
            xs.append(b)
            gs.append(gr)
            for name, fn in [("softmax", torch.softmax), ("log_softmax", torch.log_softmax)]:
                x = b.clone().requires_grad_(True)
                y = fn(x, -1)
                y.backward(gr)
                outs[name].append(y.detach())
                outs[name + "_grad"].append(x.grad)

    write("x", xs)
    write("g", gs)
    for k, v in outs.items():
        write(k, v)
    print(sum(t.numel() for t in xs), "elements in", len(blocks), "cases")


# ---- over a dimension other than the last (appended in session 50; the cases above are unchanged, byte for byte).
# What computes them (SoftMaxKernel.cpp; the same arithmetic in 1.13 and 2.x, read from both; SoftMax.cpp makes input,
# grad and output contiguous first, so a strided tensor gives the same bits, checked below). The tensor is viewed as
# [outer, n, inner] (n the softmax dimension's size); every inner position is a column of its own:
#   softmax       _vec_softmax: a Vectorized<float> of inner positions at a time: max = vec::maximum down the column
#                 (NaN where one is), e = exp(x - max) (Sleef), sum += e from 0 in the column's order, out = e / sum.
#                 The last inner % L positions of each [n, inner] block (L the vector's floats) take the scalar form:
#                 std::max (a < b ? b : a), std::exp (glibc's expf), the same sum and quotient.
#   log_softmax   _vec_logsoftmax: max = blendv(max, x, x > max) from -inf (a NaN never taken), sum += exp(x - max)
#                 from 0, log(sum) by Sleef over the whole chunk (vec::map, its tail as a partial vector), then
#                 out = x - max - log(sum); the last inner % L positions: std::exp, the rest as the vector form.
#   backward      _vec_softmax_backward: sum += g * y from 0 down the column, grad = y * (g - sum);
#                 _vec_log_softmax_backward: sum += g from 0, grad = g - exp(y) * sum (Sleef's exp; std::exp in the
#                 last inner % L positions). As in the last-dim kernels, GCC contracts sum + g * y and g - exp(y) * sum
#                 into fused multiply-adds, in the vector and the scalar forms alike (the build's -mfma).
# Chunking (CHUNK_SIZE, a multiple of L) does not move the vector/scalar split, which is by inner position. _vec_softmax
# splits outer * inner across threads and a thread's last positions short of a vector take the scalar form, so its
# bits depend on the thread count: one thread here, Ember's bits. L is 8 on the AVX2 kernels, 16 on AVX512: 1.13 runs
# these kernels on AVX512 under ATEN_CPU_CAPABILITY=avx512 (REGISTER_DISPATCH registered every capability then); 2.x
# up to about 2.3 registered them for AVX2 only (an AVX-512 machine ran the AVX2 kernels), later 2.x with
# ALSO_REGISTER_AVX512_DISPATCH, so an AVX-512 machine runs L = 16. Both are written: Ember follows the capability it
# runs as (CpuCapability: AVX512 on such a machine, as current 2.x).
# Files: dims.txt (one case a line: shape, dim, first element), dims_x.bin, dims_g.bin (the inputs and incoming
# gradients, concatenated row-major), dims_<out>.<CAPABILITY>.bin (out: softmax, log_softmax, softmax_grad,
# log_softmax_grad) for CAPABILITY AVX2 and AVX512.
def dims_cases():
    g = torch.Generator().manual_seed(5002)

    def vals(shape, kind):
        if kind == 0:
            return torch.randn(*shape, generator=g) * 3
        if kind == 1:
            return torch.rand(*shape, generator=g) * 200 - 100
        return torch.randn(*shape, generator=g) * 0.5 + 50

    cases = []
    k = 0
    # 2-D over dim 0: inner sizes 1, 3, 12, 16, 17, 24, 64, 65, 512 (12 and 24: vector on AVX2, scalar on AVX512),
    # dimension sizes sampled from 1..70
    for inner in [1, 3, 12, 16, 17, 24, 64, 65, 512]:
        ns = [1, 3, 17] if inner == 512 else [1, 3, 17, 70] if inner >= 64 else [1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 33, 64, 70]
        for n in ns:
            cases.append((vals((n, inner), k % 3), 0))
            k += 1
    # 3-D over dims 0 and 1, 4-D over dims 0, 1 and 2
    for n in [1, 4, 9, 33]:
        cases.append((vals((3, n, 17), k % 3), 1))
        k += 1
        cases.append((vals((2, n, 12), k % 3), 1))
        k += 1
    cases.append((vals((5, 4, 6), 0), 0))
    cases.append((vals((2, 3, 7, 5), 1), 2))
    cases.append((vals((2, 6, 3, 8), 2), 1))
    cases.append((vals((3, 2, 4, 4), 0), 0))
    cases.append((vals((2, 5, 3, 65), 0), 1))
    # a long dimension
    cases.append((vals((1000, 3), 0), 0))
    cases.append((vals((1000, 17), 1), 0))
    # columns of special values (specials' rows as columns), each in a vector and a scalar position on both
    for n in (19, 8):
        s = specials(n, g).t()
        for rot in (0, 4, 8):
            cases.append((torch.roll(s, -rot, 1).contiguous(), 0))
        cases.append((torch.cat([s, s], 1).contiguous(), 0))
    return cases, g


# Appended in session 52 (the cases above unchanged, byte for byte: these draw from a generator of their own, after
# them): columns that SoftmaxBitsTest splits into several of Ember's chunks (SoftmaxKernels.chunk with the test's
# ember.softmax.chunkFloats=4096: 64 inner positions for a dimension of 260), the last chunk short, partly or wholly
# in the scalar form on AVX512 (72 = 64 + 8, 66 = 64 + 2).
def chunk_cases():
    g = torch.Generator().manual_seed(5201)
    return [(torch.randn(260, 72, generator=g) * 3, 0), (torch.rand(1, 260, 66, generator=g) * 200 - 100, 1)], g


def dims(capability):
    torch.set_num_threads(1)
    cap = torch.__config__.show()
    assert "CPU capability usage: " + capability in cap, capability
    cases, g = dims_cases()
    extra, g2 = chunk_cases()
    xs, gs, outs = [], [], {k: [] for k in ["softmax", "log_softmax", "softmax_grad", "log_softmax_grad"]}
    lines = []
    start = 0
    for i, (b, d) in enumerate(cases + extra):
        lines.append("%s %d %d" % (",".join(str(s) for s in b.shape), d, start))
        start += b.numel()
        gr = torch.randn(*b.shape, generator=g if i < len(cases) else g2)
        if b.dim() == 2 and b.shape[1] in (12, 24) and len(cases) - 8 <= i < len(cases):
            gr[0, 3] = nan
        xs.append(b)
        gs.append(gr)
        for name, fn in [("softmax", torch.softmax), ("log_softmax", torch.log_softmax)]:
            x = b.clone().requires_grad_(True)
            y = fn(x, d)
            y.backward(gr)
            outs[name].append(y.detach())
            outs[name + "_grad"].append(x.grad)
            # a strided input and gradient (the same values, memory in reversed dimension order): the same bits
            perm = list(range(b.dim()))[::-1]
            xt = b.permute(perm).contiguous().permute(perm).requires_grad_(True)
            gt = gr.permute(perm).contiguous().permute(perm)
            assert min(b.shape) == 1 or not xt.is_contiguous()
            yt = fn(xt, d)
            yt.backward(gt)
            for want, got in [(y.detach(), yt.detach()), (x.grad, xt.grad)]:
                w = want.contiguous().view(torch.int32)
                t = got.contiguous().view(torch.int32)
                assert bool(((w == t) | (want.isnan() & got.isnan())).all()), (name, i)
    if capability == "AVX2":
        with open("dims.txt", "w") as f:
            f.write("# torch %s; shape dim first-element\n" % torch.__version__)
            f.write("\n".join(lines) + "\n")
        write("dims_x", xs)
        write("dims_g", gs)
    for k, v in outs.items():
        write("dims_%s.%s" % (k, capability), v)
    print(capability, sum(t.numel() for t in xs), "elements in", len(cases) + len(extra), "cases")


if len(sys.argv) > 2 and sys.argv[1] == "--dims":
    dims(sys.argv[2])
else:
    last_dim()
    for capability in ["AVX2", "AVX512"]:
        env = dict(os.environ, ATEN_CPU_CAPABILITY=capability.lower())
        subprocess.run([sys.executable, os.path.abspath(__file__), "--dims", capability], env=env, check=True)
