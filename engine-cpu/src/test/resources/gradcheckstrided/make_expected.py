# torch.autograd.gradcheck / gradgradcheck on strided (non-contiguous) float64 inputs: for each case the result
# ("True", or the error's message), the input's strides as the function saw them, and whether the input's values
# and strides came back unchanged. Run with /usr/bin/python3 (PyTorch 1.13; the input checks and _iter_tensor's
# element-by-element perturbation through x.data are the same in 2.x): writes expected.txt beside this script.
import os
import torch


def seq(shape):
    n = 1
    for s in shape:
        n *= s
    v = torch.tensor([((7 * k) % 19 - 9) * 0.25 + 0.1 * k for k in range(n)], dtype=torch.float64)
    return v.reshape(shape)


def make(kind):
    if kind == "t":
        return seq((3, 4)).t()
    if kind == "gaps":
        return seq((4, 6))[:, ::2]
    if kind == "offset":
        return seq((5, 4))[1:4, 1:3]
    if kind == "cl":
        return seq((2, 3, 2, 2)).permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2)
    if kind == "permuted3":
        return seq((2, 3, 4)).permute(2, 0, 1)
    if kind == "expanded":
        return seq((3, 1)).expand(3, 4)
    raise ValueError(kind)


def fn(name):
    if name == "mulw":     # a weight per logical element: a perturbation in the wrong order fails the check
        return lambda x: x * seq(tuple(x.shape))
    if name == "matmul":
        return lambda x: x.matmul(seq((x.shape[-1], 2)))
    if name == "sin_sum1":
        return lambda x: x.sin().sum(1)
    if name == "cumprod":
        return lambda x: x.cumprod(0)
    if name == "conv2d":
        return lambda x: torch.nn.functional.conv2d(x, seq((2, 3, 1, 2)) * 0.1)
    if name == "square":
        return lambda x: x * x
    raise ValueError(name)


CASES = [
    ("gradcheck", "t", "mulw"), ("gradcheck", "t", "matmul"), ("gradcheck", "gaps", "sin_sum1"),
    ("gradcheck", "offset", "cumprod"), ("gradcheck", "cl", "conv2d"), ("gradcheck", "permuted3", "mulw"),
    ("gradgradcheck", "t", "cumprod"), ("gradgradcheck", "gaps", "sin_sum1"), ("gradgradcheck", "offset", "cumprod"),
    ("gradgradcheck", "permuted3", "square"),
    ("gradcheck", "expanded", "square"), ("gradgradcheck", "expanded", "square"),
]

out = []
for check, kind, name in CASES:
    x = make(kind).detach().requires_grad_()
    before = x.detach().clone()
    strides = tuple(x.stride())
    seen = set()
    f = fn(name)

    def g(a, f=f, seen=seen):
        seen.add(tuple(a.stride()))
        return f(a)

    try:
        r = (torch.autograd.gradcheck if check == "gradcheck" else torch.autograd.gradgradcheck)(g, (x,))
        res = str(r)
    except Exception as e:
        res = str(e)
    unchanged = torch.equal(x.detach(), before) and tuple(x.stride()) == strides
    seen_s = ";".join(",".join(str(v) for v in s) for s in sorted(seen))
    out.append("%s|%s|%s|%s|%s|%s" % (check, kind, name, res, seen_s, unchanged))

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "expected.txt"), "w") as fh:
    fh.write("\n".join(out) + "\n")
