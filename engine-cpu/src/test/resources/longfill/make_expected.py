# Expected values for LongFillTest: fills with a Python int are exact for integer tensors however large (fill_,
# masked_fill(_), index_fill(_), full, full_like), PyTorch's checked conversion for the narrow types (uint8 takes -1 as
# 255, 256 overflows), and float tensors round the int once. Values as exact integers (tolist), not through a double.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13)
import torch

lines = []


def out(key, t):
    lines.append(key + " " + ",".join(repr(v) for v in t.reshape(-1).tolist()))


def err(key, f):
    try:
        f()
        lines.append(key + " ! no error")
    except RuntimeError as e:
        lines.append(key + " " + str(e).split("\n")[0])


big = 2 ** 62 + 1
m = torch.tensor([True, False, True])
out("fill.int64", torch.zeros(3, dtype=torch.int64).fill_(2 ** 63 - 1))
out("fill.int64neg", torch.zeros(3, dtype=torch.int64).fill_(-2 ** 63))
out("masked", torch.zeros(3, dtype=torch.int64).masked_fill(m, big))
z = torch.zeros(3, dtype=torch.int64)
z.masked_fill_(m, -big)
out("masked_", z)
out("index", torch.zeros(3, dtype=torch.int64).index_fill(0, torch.tensor([1]), -big - 2))
z = torch.zeros(3, dtype=torch.int64)
z.index_fill_(0, torch.tensor([0, 2]), big + 2)
out("index_", z)
out("full", torch.full((2,), big, dtype=torch.int64))
out("full_like", torch.full_like(torch.zeros(2, dtype=torch.int64), big))
out("fill.uint8neg", torch.zeros(2, dtype=torch.uint8).fill_(-1))
out("masked.uint8neg", torch.zeros(3, dtype=torch.uint8).masked_fill(m, -2))
out("fill.bool", torch.zeros(2, dtype=torch.bool).fill_(2))
out("fill.float32", torch.zeros(2, dtype=torch.float32).fill_(big))
out("fill.float64", torch.zeros(2, dtype=torch.float64).fill_(big))
err("err.uint8", lambda: torch.zeros(2, dtype=torch.uint8).fill_(256))
err("err.int8", lambda: torch.zeros(2, dtype=torch.int8).fill_(-129))
err("err.int32", lambda: torch.zeros(3, dtype=torch.int32).masked_fill(m, 2 ** 31))
print("\n".join(lines))
