# Expected gradient layouts of leaves (PyTorch's AccumulateGrad "gradient layout contract", see
# torch/csrc/autograd/functions/accumulate_grad.h and utils/grad_layout_contract.h, the same in 1.13 and 2.x):
# for each case, the leaf's .grad strides, its grad_fn name (2.x spelling: "CopyBackwards" for 1.13's
# "torch::autograd::CopyBackwards") and its values in logical (row-major) order.
# Run with /usr/bin/python3 (PyTorch 1.13): writes expected.txt beside this script.
import os
import torch


def seq(shape, dtype):
    n = 1
    for s in shape:
        n *= s
    v = torch.tensor([((7 * k) % 19 - 9) * 0.25 for k in range(n)], dtype=torch.float64)
    return v.reshape(shape).to(dtype)


def leaf(kind, dtype):
    if kind == "t":          # transposed: strides (1, 4)
        return seq((3, 4), dtype).t().detach().requires_grad_()
    if kind == "rowmajor":
        return seq((3, 4), dtype).detach().requires_grad_()
    if kind == "cl":         # channels-last 4-d
        return seq((2, 3, 4, 5), dtype).permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2).detach().requires_grad_()
    if kind == "expanded":   # overlapping: not dense
        return seq((3, 1), dtype).expand(3, 4).detach().requires_grad_()
    if kind == "gaps":       # every second column: not dense
        return seq((4, 6), dtype)[:, ::2].detach().requires_grad_()
    if kind == "gapst":
        return seq((4, 6), dtype)[:, ::2].t().detach().requires_grad_()
    if kind == "permuted3":  # a 3-d permutation
        return seq((2, 3, 4), dtype).permute(2, 0, 1).contiguous().permute(1, 2, 0).detach().requires_grad_()
    raise ValueError(kind)


def weights(w):
    return seq(tuple(w.shape), w.dtype)


# each scenario: a list of steps run on the leaf w
def run(w, steps):
    for s in steps:
        if s == "mul2":
            (w * 2).sum().backward()
        elif s == "sum":          # the incoming gradient is expanded (stride 0)
            w.sum().backward()
        elif s == "mulw":         # a weighted sum: gradient = weights
            (w * weights(w)).sum().backward()
        elif s == "tmul2":        # the gradient comes back transposed (through TBackward0)
            (w.t() * 2).sum().backward()
        elif s == "given_t":      # the output gradient given with the leaf's strides
            w.backward(seq((w.shape[1], w.shape[0]), w.dtype).t())
        elif s == "given_rowmajor":
            w.backward(seq(tuple(w.shape), w.dtype))
        elif s == "square_cg":    # create_graph: the gradient is differentiable
            (w * w).sum().backward(create_graph=True)
        elif s == "user_rowmajor":  # a row-major .grad set by the user, then accumulated into in place
            w.grad = torch.zeros(tuple(w.shape), dtype=w.dtype)
        else:
            raise ValueError(s)


CASES = [
    ("t", "mul2"), ("t", "mul2 mul2"), ("t", "sum"), ("t", "mulw sum"), ("t", "sum mulw"),
    ("t", "given_t"), ("t", "given_rowmajor"), ("t", "square_cg"), ("t", "square_cg square_cg"),
    ("t", "user_rowmajor mul2"), ("t", "user_rowmajor mul2 sum"),
    ("rowmajor", "tmul2"), ("rowmajor", "mul2"), ("rowmajor", "square_cg"),
    ("cl", "mul2"), ("cl", "sum"), ("cl", "mulw mulw"), ("cl", "square_cg"),
    ("expanded", "mul2"), ("expanded", "sum sum"),
    ("gaps", "mul2"), ("gaps", "sum"), ("gapst", "mulw"), ("gapst", "square_cg"),
    ("permuted3", "mulw"), ("permuted3", "sum mul2"),
]

out = []
for dname, dtype in (("float64", torch.float64), ("float32", torch.float32)):
    for kind, steps in CASES:
        w = leaf(kind, dtype)
        run(w, steps.split())
        g = w.grad
        fn = g.grad_fn.name() if g.grad_fn is not None else "None"
        fn = fn.replace("torch::autograd::", "")
        vals = " ".join(repr(float(v)) for v in g.detach().reshape(-1).tolist())
        out.append("%s|%s|%s|%s|%s|%s" % (dname, kind, steps, ",".join(str(s) for s in g.stride()), fn, vals))

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "expected.txt"), "w") as f:
    f.write("\n".join(out) + "\n")
