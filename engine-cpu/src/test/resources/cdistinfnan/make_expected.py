# Writes expected.txt for CdistInfNormNanTest.java: torch.cdist(x1, x2, p=inf) where a difference is NaN. PyTorch's
# _cdist_forward (Distance kernel, run_parallel_cdist, 1.13 and 2.x alike) reduces each pair of rows in a scalar loop,
# agg = std::max(agg, |a - b|) from agg = 0, and std::max(agg, NaN) keeps agg: a NaN difference is passed over (a row
# of only NaN differences gives 0), where torch.pdist's vectorized maximum propagates it. The gradient of out.sum()
# (_cdist_backward's idist formula) is written for the float64 cases.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13 CPU)
#
# Each case: "=== name", then
#   x1 <dtype> [shape] : values      (nan / inf / -inf as Python writes them)
#   x2 <dtype> [shape] : values
#   out <dtype> [shape] : values     torch.cdist(x1, x2, p=inf)
#   gx1 <dtype> [shape] : values     d out.sum() / d x1 (float64 cases only)
import torch

nan = float("nan")
inf = float("inf")


def line(tag, t):
    vals = " ".join(repr(float(v)) for v in t.detach().reshape(-1).tolist())
    return "%s %s %s : %s" % (tag, str(t.dtype).replace("torch.", ""), list(t.shape), vals)


CASES = [
    ("nanInARow", torch.float64, [[1.0, nan, 3.0], [nan, nan, nan]], [2, 3], [[0.5, 0.5, 0.5]], [1, 3]),
    ("nanInX2", torch.float64, [[1.0, -2.0], [0.25, 4.0]], [2, 2], [[nan, 0.5], [nan, nan], [3.0, nan]], [3, 2]),
    ("nanAndInf", torch.float32, [[nan, inf, 2.0], [-inf, nan, 0.0]], [2, 3], [[0.0, 0.0, 0.0], [nan, 1.0, 1.0]],
     [2, 3]),
    # the hunt's case (DifferentialFuzzR8Test, seed 64408): a diagonal of [2, 2, 3] unsqueezed, one column, batch 2
    ("hunt", torch.float32, [inf, nan, 0.5, -0.5], [2, 2, 1], [[-1.0], [0.25]], [2, 1]),
    # more than one vector's width of columns (a NaN in the tail past 16 lanes)
    ("wideRow", torch.float64, [[0.125 * ((5 * k) % 13) - 0.75 if k != 19 else nan for k in range(21)]], [1, 21],
     [[0.0] * 21, [nan] * 21], [2, 21]),
]


def main():
    out = []
    for name, dt, v1, s1, v2, s2 in CASES:
        x1 = torch.tensor(v1, dtype=dt).reshape(s1).requires_grad_(dt == torch.float64)
        x2 = torch.tensor(v2, dtype=dt).reshape(s2)
        r = torch.cdist(x1, x2, p=inf)
        out.append("=== " + name)
        out.append(line("x1", x1))
        out.append(line("x2", x2))
        out.append(line("out", r))
        if dt == torch.float64:
            r.sum().backward()
            out.append(line("gx1", x1.grad))
    print("\n".join(out))


main()
