# Expected values for RoundDecimalsTest: torch.round(x, decimals=d) and Tensor.round_(decimals=d) for float32 and
# float64, gcd_/lcm_ in place. Run: /usr/bin/python3 make_expected.py > expected.txt (PyTorch 1.13; the same kernels
# in 2.x, which also accepts float16/bfloat16 through float32).
import torch

x = [1234.5678, -0.05, 2.5, 3.5, -2.675, 0.125, 1e-7, 123456.789, float("inf"), float("nan"), -0.0]
for dtype in (torch.float32, torch.float64):
    for d in (-3, -1, 1, 2, 3, 6):
        t = torch.tensor(x, dtype=dtype)
        r = torch.round(t, decimals=d)
        c = t.clone()
        c.round_(decimals=d)
        assert torch.equal(r.nan_to_num(7), c.nan_to_num(7))
        print("round", str(dtype).replace("torch.", ""), d, " ".join(repr(v) for v in r.tolist()))
a = torch.tensor([12, 18, -7, 0, 9])
b = torch.tensor([8, 27, 14, 5, -6])
g = a.clone(); g.gcd_(b)
l = a.clone(); l.lcm_(b)
print("gcd_", " ".join(str(v) for v in g.tolist()))
print("lcm_", " ".join(str(v) for v in l.tolist()))
