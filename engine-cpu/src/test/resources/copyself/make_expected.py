# Writes expected.txt for CopySelfTest.java: x.copy_(src) where src is x's own data (the same storage, offset, sizes,
# strides and dtype), which PyTorch's copy_impl returns from at once (so an expanded x is not refused for overlap), while
# its autograd layer still bumps the version and records CopyBackwards.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13 CPU; 2.x's copy_impl has the same early return)
import torch


def line(name, t):
    print(name, str(t.dtype).replace("torch.", ""), list(t.shape), ":", " ".join(repr(float(v)) for v in t.flatten().tolist()))


base = torch.arange(3, dtype=torch.float32)
x = base.expand(2, 3)
x.copy_(x)
print("=== expanded")
line("out", x)
print("version", base._version)

y = torch.arange(6, dtype=torch.float64).reshape(2, 3)
y[0].copy_(y[0])
print("=== sameview")
line("out", y)
print("version", y._version)

leaf = torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64, requires_grad=True)
a = leaf * 2
a.copy_(a)
print("=== grad")
line("out", a.detach())
print("fn", type(a.grad_fn).__name__)
print("version", a._version)
(a * torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)).sum().backward()
line("grad", leaf.grad)

z = torch.arange(4, dtype=torch.float32)
try:
    z[:3].copy_(z[1:])
    print("=== shifted\nno error")
except RuntimeError as e:
    print("=== shifted")
    print("error", str(e).split("\n")[0])
