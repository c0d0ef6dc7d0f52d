# Writes expected.txt for Speed48Test.java: the values kept by session 48's CPU speed work (topk, gather, scatter_add,
# index_add, ...).
# Run: cd engine-cpu/src/test/resources/speed48 && /usr/bin/python3 make_expected.py   (PyTorch 1.13 CPU)
# Format: ReferenceCases.strings: "key<TAB>value" lines; a value is a space-separated list of numbers (repr, nan, inf).
# Deterministic: the inputs come from a seeded random.Random; running it twice writes the same bytes.
import math
import random

import torch

OUT = []


def put(key, value):
    OUT.append("%s\t%s" % (key, value))


def nums(t):
    return " ".join(repr(float(v)) for v in t.detach().reshape(-1).tolist())


# ---------------------------------------------------------------------------------------------------- 1. topk
# PyTorch's CPU topk (topk_impl_loop, the same in 1.13 and 2.x): libstdc++'s std::partial_sort of (value, index) pairs
# when k * 64 <= n, else std::nth_element and std::sort; equal values come in the order those algorithms leave. Inputs
# that reach the paths session 48 added: float32 lines read with a stride (the columns of a [n, 3] matrix), dense
# float32 lines whose ties sit at the heap's top (small integers, -0.0 beside 0.0, +-inf, NaN in half the lengths), and
# the types whose keys are read one by one (bfloat16, float64, int32, uint8). Largest and smallest, sorted or not:
# 1.13's indices.
R = random.Random(48)
topk_cases = []
for n in (65, 200, 1000, 5000):
    for dt in ("float32", "float32t", "bfloat16", "float64", "int32", "uint8"):
        if dt in ("int32", "uint8"):
            vals = [float(R.randint(0, 6)) for _ in range(n)]
        else:
            vals = [R.choice([0.0, -0.0, 1.0, 2.0, 3.0, -1.0, math.inf, -math.inf, 0.5]) for _ in range(n)]
            if n in (65, 1000):
                # NaN in half the lengths: where a line holds k NaNs, they fill the largest's heap and end its scan
                for _ in range(max(1, n // 50)):
                    vals[R.randrange(n)] = math.nan
        for k in sorted({1, 3, n // 64, n // 64 + 1, min(n, 100)} - {0}):
            topk_cases.append((n, dt, vals, k))
put("topk.count", len(topk_cases))
for c, (n, dt, vals, k) in enumerate(topk_cases):
    if dt == "float32t":
        # three columns: the line is column 1, between copies of itself reversed and negated
        m = torch.tensor([[-v, v, vals[n - 1 - i]] for i, v in enumerate(vals)], dtype=torch.float32)
        x = m[:, 1]
    else:
        x = torch.tensor(vals, dtype=getattr(torch, dt))
    put("topk.%d.x" % c, "%s %d %s" % (dt, k, nums(torch.tensor(vals))))
    res = []
    for largest in (True, False):
        for srt in (True, False):
            res.append(" ".join(str(i) for i in torch.topk(x, k, largest=largest, sorted=srt).indices.tolist()))
    put("topk.%d.idx" % c, " | ".join(res))

# ---------------------------------------------------------------------------------------------------- 2. gather, scatter
# float32 gather along the last dimension (output and index dense: session 48's loop), scatter_add along the last
# dimension and index_add along dim 0 with many repeated indices and addends of mixed magnitudes, so that the order of
# the sums shows in the bits (PyTorch adds in the index's row-major order; index_add row after row): 1.13's values.
def mixed(n):
    return [R.uniform(-1, 1) * 10.0 ** R.randint(-4, 6) for _ in range(n)]


src = torch.tensor(mixed(6 * 40), dtype=torch.float32).reshape(6, 40)
gidx = torch.tensor([R.randrange(40) for _ in range(6 * 70)]).reshape(6, 70)
put("gather.src", nums(src))
put("gather.idx", " ".join(str(i) for i in gidx.reshape(-1).tolist()))
put("gather.out", nums(torch.gather(src, -1, gidx)))
sidx = torch.tensor([R.randrange(5) for _ in range(6 * 70)]).reshape(6, 70)
sval = torch.tensor(mixed(6 * 70), dtype=torch.float32).reshape(6, 70)
base = torch.tensor(mixed(6 * 5), dtype=torch.float32).reshape(6, 5)
put("scatter_add.base", nums(base))
put("scatter_add.idx", " ".join(str(i) for i in sidx.reshape(-1).tolist()))
put("scatter_add.src", nums(sval))
put("scatter_add.out", nums(base.scatter_add(-1, sidx, sval)))
aidx = torch.tensor([R.randrange(4) for _ in range(50)])
aval = torch.tensor(mixed(50 * 37), dtype=torch.float32).reshape(50, 37)
abase = torch.tensor(mixed(4 * 37), dtype=torch.float32).reshape(4, 37)
put("index_add.base", nums(abase))
put("index_add.idx", " ".join(str(i) for i in aidx.tolist()))
put("index_add.src", nums(aval))
put("index_add.out", nums(abase.index_add(0, aidx, aval)))

with open("expected.txt", "w") as f:
    f.write("\n".join(OUT) + "\n")
