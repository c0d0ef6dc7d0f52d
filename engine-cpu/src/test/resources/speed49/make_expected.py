# Writes expected.txt for Speed49Test.java: the values kept by session 49's CPU speed work, where reductions over a
# contiguous run (amax/amin/sum/argmax along the last dimension) and the line ops (topk, sort) split their outputs or
# lines over the worker threads by the work they stand for, not by their count alone.
# Run: cd engine-cpu/src/test/resources/speed49 && /usr/bin/python3 make_expected.py   (PyTorch 1.13 CPU; these ops
# give the same values in 2.x: max/min/argmax are exact, topk is topk_impl_loop in both, a stable sort is stable)
# Format: ReferenceCases.strings: "key<TAB>value" lines. An input is written as its shape and one character per element,
# an index into the palette ("palette": space-separated repr values, nan and +-inf included) in the alphabet ALPHA.
# Deterministic: the inputs come from a seeded random.Random; running it twice writes the same bytes.
import math
import random

import torch

ALPHA = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz+/"
OUT = []
R = random.Random(49)


def put(key, value):
    OUT.append("%s\t%s" % (key, value))


def nums(t):
    return " ".join(repr(float(v)) for v in t.detach().reshape(-1).tolist())


def ints(t):
    return " ".join(str(int(v)) for v in t.reshape(-1).tolist())


# 0..2: nan, inf, -inf; 3, 4: 0.0, -0.0; 5..14: small integers (ties); the rest of mixed signs and magnitudes
palette = [math.nan, math.inf, -math.inf, 0.0, -0.0] + [float(v) for v in range(-4, 6)]
while len(palette) < len(ALPHA):
    palette.append(float(torch.tensor(R.uniform(-1, 1) * 10.0 ** R.randint(-30, 30), dtype=torch.float32)))
put("alpha", ALPHA)
put("palette", " ".join(repr(v) for v in palette))
NEG = [i for i, v in enumerate(palette) if v < 0 and not math.isinf(v)]


def row(n, r):
    """One line of palette indices; the kind of line turns with r so that every kind lands in every task's range."""
    kind = r % 7
    if kind == 0:
        # at most zero: negative numbers with +0 and -0 (max of -0 and +0 is +0 wherever they sit)
        return [R.choice(NEG + [3, 4, 4]) for _ in range(n)]
    line = [R.randrange(5, len(ALPHA)) for _ in range(n)]
    if kind == 1:
        line[R.randrange(n)] = 0  # one NaN
    elif kind == 2:
        line[R.randrange(n)] = 1  # +inf
        line[R.randrange(n)] = 2  # -inf
    elif kind == 3:
        for _ in range(3):
            line[R.randrange(n)] = 0  # NaNs: the first counts for argmax
    elif kind == 4:
        line = [R.choice([3, 4, 5, 6, 7]) for _ in range(n)]  # ties only
    return line


def tensor(key, *shape):
    lines = math.prod(shape[:-1])
    codes = [c for r in range(lines) for c in row(shape[-1], r)]
    put(key, "%s %s" % (",".join(str(s) for s in shape), "".join(ALPHA[c] for c in codes)))
    return torch.tensor([palette[c] for c in codes], dtype=torch.float32).reshape(*shape)


# ---------------------------------------------------------------------------------------------------- 1. reductions
# [7, 40, 257]: 280 outputs of 257 (a vector tail), 71,960 elements: split in two tasks on two threads (one row of
# outputs); its transpose(0, 1) (outputs [40, 7] read with strides: rows of outputs split); [130, 515]: 130 outputs;
# [3, 700]: too little work to split (2,100 elements). amax/amin exact, argmax/argmin the first position, sum(-1)
# to compare within float32 rounding (Ember's sum is not PyTorch's order; the test holds its bits old path against new).
red = {"a": tensor("red.a", 7, 40, 257), "b": tensor("red.b", 130, 515), "c": tensor("red.c", 3, 700)}
red["at"] = red["a"].transpose(0, 1)
for name in ("a", "at", "b", "c"):
    x = red[name]
    put("red.%s.amax" % name, nums(x.amax(-1)))
    put("red.%s.amin" % name, nums(x.amin(-1)))
    put("red.%s.argmax" % name, ints(x.argmax(-1)))
    put("red.%s.argmin" % name, ints(x.argmin(-1)))
    finite = torch.where(torch.isfinite(x), x, torch.zeros_like(x))
    put("red.%s.sumfinite" % name, nums(finite.to(torch.float64).sum(-1)))

# ---------------------------------------------------------------------------------------------------- 2. lines
# topk(10) of lines of 33 (10 * 64 > 33: nth_element and sort), 300 lines (79,200 units of work: two tasks); topk(3)
# of lines of 260 (partial sort), 40 lines; topk(10) of the transposed [33, 300] along dim 0 (strided lines); sort
# of the lines of 33, stable, ascending and descending. 1.13's indices.
lines = {"t": tensor("line.t", 300, 33), "u": tensor("line.u", 40, 260)}
for name, k in (("t", 10), ("u", 3)):
    x = lines[name]
    for largest in (True, False):
        put("line.%s.topk.%s" % (name, largest), ints(x.topk(k, -1, largest=largest, sorted=True).indices))
    put("line.%s.topk0.%s" % (name, k), ints(x.t().topk(k, 0, largest=True, sorted=True).indices))
for desc in (False, True):
    put("line.t.sort.%s" % desc, ints(lines["t"].sort(stable=True, dim=-1, descending=desc).indices))

# ---------------------------------------------------------------------------------------------------- 3. index checks
# gather and scatter_add with an index out of range, dense (two bad values: the first in row-major order is named) and
# transposed (one bad value, read with strides); PyTorch's messages, and 300 x 64 in range for the values.
x = torch.arange(12.0).reshape(3, 4)
bad = {"dense": torch.tensor([[0, 1], [5, 2], [1, -1]]), "strided": torch.tensor([[0, 1, 2], [1, 7, 0]]).t()}
for name, idx in bad.items():
    for op, f in (("gather", lambda: x.gather(1, idx)),
                  ("scatter_add", lambda: torch.zeros(3, 4).scatter_add(1, idx, torch.ones(idx.shape)))):
        try:
            f()
            raise SystemExit("no error: " + op)
        except RuntimeError as e:
            put("check.%s.%s" % (name, op), str(e))
src = lines["t"]
gidx = torch.tensor([R.randrange(33) for _ in range(300 * 64)]).reshape(300, 64)
put("check.idx", ints(gidx))
put("check.gather", nums(src.gather(-1, gidx)))
put("check.gather_t", nums(src.t().gather(0, gidx.t())))

with open("expected.txt", "w") as f:
    f.write("\n".join(OUT) + "\n")
