# Writes expected.txt for GatherScatterRowsTest.java: the values and messages kept by session 51's gather/scatter_add
# speed work (CpuBackend.checkIndices's vector pass in parallel ranges, IndexKernels.gatherRowsFloat's rows along the
# last dimension, scatterRowsFloat's sum row as a method of its own).
# Run: cd engine-cpu/src/test/resources/gatherscatterrows && /usr/bin/python3 make_expected.py   (PyTorch 1.13 CPU; gather
# and scatter_add's values and the "index %d is out of bounds" message are the same in 2.x: ScatterGatherKernel.cpp
# copies and adds each row in the index's order in both). PyTorch runs on one thread here, so that its in-kernel range
# check reports the first bad value in row-major order, as Ember's check does on any number of threads.
# Format: ReferenceCases.strings: "key<TAB>value" lines; float32 tensors as their raw bits (signed int32), int64 as
# integers, shapes as "a,b,c". Deterministic: seeded torch generator, the same bytes on every run.
import torch

torch.set_num_threads(1)
OUT = []


def put(key, value):
    OUT.append("%s\t%s" % (key, value))


def bits(t):
    return " ".join(str(v) for v in t.contiguous().view(torch.int32).reshape(-1).tolist())


def ints(t):
    return " ".join(str(v) for v in t.reshape(-1).tolist())


def shape(t):
    return ",".join(str(s) for s in t.shape)


g = torch.Generator().manual_seed(51)

# the range check: an index of [4099, 65] (266,435 values: split over the threads, a tail at each range's end) into
# rows of 512, with one or two bad values; the first in row-major order is the one reported
N, W, B = 4099, 65, 512
# (the in-range values are (p * 131) % 512 at row-major position p, which the test builds the same way; the source
# is zeros: only the messages are compared)
put("check.shape", "%d,%d,%d" % (N, W, B))
src = torch.zeros(N, B)
base = (torch.arange(N * W) * 131 % B).reshape(N, W)
bad_cases = {
    "last": [(N * W - 1, B)],
    "first": [(0, -1)],
    "middle": [(N * W // 2 + 3, -9223372036854775808)],
    "two": [(N * W - 70, 9223372036854775807), (N * W // 3 + 1, 513)],
    "tail": [(17 * W + 64, B)],
}
for name, bad in bad_cases.items():
    idx = base.clone().reshape(-1)
    where = []
    for pos, v in bad:
        idx[pos] = v
        where.append("%d:%d" % (pos, v))
    idx = idx.reshape(N, W)
    put("check.%s.where" % name, " ".join(where))
    try:
        src.gather(-1, idx)
        raise SystemExit("no error for " + name)
    except RuntimeError as e:
        put("check.%s.gather" % name, str(e))
    try:
        torch.zeros(N, B).scatter_add_(-1, idx, torch.ones(N, W))
        raise SystemExit("no error for " + name)
    except RuntimeError as e:
        put("check.%s.scatter_add" % name, str(e))

# gather along the last dimension: a 2-D source, a 3-D view (an offset and gaps between rows, an index smaller than
# the source in the other dimensions) and a transposed source (a last-dimension stride of 37)
cases = {}
s2 = torch.randn(37, 70, generator=g)
cases["plain"] = (s2, torch.randint(0, 70, (37, 45), generator=g))
s3 = torch.randn(5, 6, 50, generator=g)
cases["view"] = (s3, torch.randint(0, 50, (4, 3, 33), generator=g))
st = torch.randn(40, 37, generator=g)
cases["transposed"] = (st, torch.randint(0, 40, (30, 17), generator=g))
for name, (s, i) in cases.items():
    put("gather.%s.src" % name, shape(s) + " " + bits(s))
    put("gather.%s.idx" % name, shape(i) + " " + ints(i))
view = {"plain": lambda s: s, "view": lambda s: s[:, 1:, :], "transposed": lambda s: s.t()}
for name, (s, i) in cases.items():
    put("gather.%s.out" % name, bits(view[name](s).gather(-1, i)))

# scatter_add along the last dimension: many repeated indices per row, so the order of each row's sums shows
sb = torch.randn(300, 24, generator=g)
si = torch.randint(0, 24, (300, 96), generator=g)
ss = torch.randn(300, 96, generator=g) * torch.exp2(torch.randint(-20, 20, (300, 96), generator=g).float())
put("scatter_add.base", bits(sb))
put("scatter_add.idx", ints(si))
put("scatter_add.src", bits(ss))
put("scatter_add.out", bits(sb.scatter_add(-1, si, ss)))

with open("expected.txt", "w") as f:
    f.write("\n".join(OUT) + "\n")
