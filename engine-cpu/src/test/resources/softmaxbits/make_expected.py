# Writes the expected bits for SoftmaxBitsTest: PyTorch's float32 softmax and log_softmax over the LAST dimension on
# the CPU, forward and backward. Run with /usr/bin/python3 (PyTorch 1.13, Debian's build, AVX2 capability) from this
# folder.
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
import torch

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
inf = float("inf")
nan = float("nan")


def specials(n):
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


blocks.append(specials(19))
blocks.append(specials(8))

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


def write(name, ts):
    torch.cat([t.reshape(-1) for t in ts]).numpy().astype("<f4").tofile(name + ".bin")


write("x", xs)
write("g", gs)
for k, v in outs.items():
    write(k, v)
print(sum(t.numel() for t in xs), "elements in", len(blocks), "cases")
