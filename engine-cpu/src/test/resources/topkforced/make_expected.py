# Writes expected.txt for TopkForcedTest.java: topk where session 53's CPU kernel takes the heap instead of
# std::nth_element (sorted, n / 64 < k <= n / 16, the first k keys all different and none left out equal to the k-th)
# and where it finds a tie and falls back.
# Run: cd engine-cpu/src/test/resources/topkforced && /usr/bin/python3 make_expected.py   (PyTorch 1.13 CPU)
# PyTorch's CPU topk (aten/src/ATen/native/TopKImpl.h, topk_impl_loop) is the same in 1.13 and 2.x: libstdc++'s
# std::nth_element at k - 1 and std::sort of the first k - 1 of the (value, index) pairs when k * 64 > n; 1.13's
# indices are 2.x's.
# Format: ReferenceCases.strings: "key<TAB>value" lines; numbers as Python's repr (nan, inf, -inf).
# Deterministic: the inputs come from a seeded random.Random; running it twice writes the same bytes.
# Each case is 6 rows of n elements, read as x = data.reshape(6, n) ("dense") or data.reshape(n, 6).t() ("strided",
# each row with stride 6), topk(k, -1): row 0 all different; row 1 the k-th largest repeated as the (k+1)-th and the
# k-th smallest as the (k+1)-th (a tie at the boundary); row 2 the 2nd and 3rd largest and smallest equal (a tie
# inside); row 3 k - 1 positives, 0.0 and -0.0, then negatives, with one NaN and +inf (floats; ints: all different);
# row 4 two NaNs (floats; ints: the largest value twice); row 5 all different with -inf and +inf (ints: all different).
import math
import random

import torch

R = random.Random(53)
OUT = []


def put(key, value):
    OUT.append("%s\t%s" % (key, value))


def nums(vals):
    return " ".join(repr(float(v)) for v in vals)


def distinct(n, ints):
    # floats: multiples of 1/64 below 2^24 / 64 in magnitude (float32 holds them exactly; short to write)
    return [float(v) if ints else v / 64 for v in R.sample(range(-1000000, 1000000), n)]


def with_ties(row, k, inside):
    order = sorted(range(len(row)), key=lambda i: row[i])
    hi, lo = order[::-1], order
    if inside:
        row[hi[2]] = row[hi[1]]
        row[lo[2]] = row[lo[1]]
    else:
        row[hi[k]] = row[hi[k - 1]]
        row[lo[k]] = row[lo[k - 1]]
    return row


def rows(n, k, ints, dt):
    out = [distinct(n, ints), with_ties(distinct(n, ints), k, False), with_ties(distinct(n, ints), k, True)]
    if ints:
        out.append(distinct(n, ints))
        r = distinct(n, ints)
        r[R.randrange(n)] = max(r)
        out.append(r)
        out.append(distinct(n, ints))
    else:
        pos = [v / 64 for v in R.sample(range(1, 1000000), k - 1)]
        neg = [v / 64 for v in R.sample(range(-1000000, 0), n - k - 1)]
        r = pos + [0.0, -0.0] + neg
        R.shuffle(r)
        r[R.randrange(n)] = math.nan
        r[R.randrange(n)] = math.inf
        out.append(r)
        r = distinct(n, ints)
        for i in R.sample(range(n), 2):
            r[i] = math.nan
        out.append(r)
        r = distinct(n, ints)
        i, j = R.sample(range(n), 2)
        r[i], r[j] = -math.inf, math.inf
        out.append(r)
    flat = [v for r in out for v in r]
    # the values the type holds (the ties survive the rounding; rounding may add others: they fall back)
    return torch.tensor(flat, dtype=torch.float64).to(getattr(torch, dt)).double().tolist()


cases = []
for n in (160, 512):
    for k in sorted({n // 64 + 1, 10, n // 16}):
        for dt in ("float32", "float64", "int32", "bfloat16"):
            for layout in ("dense", "strided") if dt == "float32" else ("dense",):
                cases.append((n, k, dt, layout))
put("count", len(cases))
for c, (n, k, dt, layout) in enumerate(cases):
    data = rows(n, k, dt == "int32", dt)
    t = torch.tensor(data, dtype=torch.float64).to(getattr(torch, dt))
    x = t.reshape(6, n) if layout == "dense" else t.reshape(n, 6).t()
    put("%d.x" % c, "%s %s %d %d %s" % (dt, layout, n, k, nums(data)))
    res = []
    for largest in (True, False):
        for srt in (True, False):
            res.append(" ".join(str(i) for i in torch.topk(x, k, -1, largest=largest, sorted=srt).indices.reshape(-1).tolist()))
    put("%d.idx" % c, " | ".join(res))

with open("expected.txt", "w") as f:
    f.write("\n".join(OUT) + "\n")
