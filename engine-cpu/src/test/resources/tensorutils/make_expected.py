# Writes expected.txt for TensorUtilsTest.java: cov, corrcoef, logdet, linalg.matrix_power, isin, logspace, type_as and
# the new_* factories against PyTorch.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13 CPU; 2.x notes below)
#
# Each case: "=== name", then
#   in<i> <dtype> [shape] : values       the inputs (float inputs require grad)
#   out <dtype> [shape] : values         the result
#   fn <name>                            its grad_fn ("None" without one)
#   grad<i> <dtype> [shape] : values     d sum(out * w) / d in<i>, w[k] = 1 + 0.5 * ((3k) mod 11), for float outputs
# or "error <Type> <message>".
# 2.x notes: torch.logdet is a composition over linalg_slogdet in 2.x (where(sign == -1, nan, logabsdet):
# WhereBackward0; 1.13 records LogdetBackward0), so its node is written as 2.x's; the values and gradients are the same.
import torch

D = torch.float64


def seq(shape, dtype=D, shift=0, scale=0.25):
    n = 1
    for s in shape:
        n *= s
    return torch.tensor([((7 * k + shift) % 19 - 9) * scale for k in range(n)], dtype=D).reshape(shape).to(dtype)


def well(n, batch=(), dtype=D, shift=0):
    # a well-conditioned matrix: seq / 4 plus 3 on the diagonal
    return (seq(batch + (n, n), D, shift, 0.0625) + 3 * torch.eye(n, dtype=D)).to(dtype)


def fmt_tensor(t):
    t = t.detach()
    dt = str(t.dtype).replace("torch.", "")
    vals = t.reshape(-1).tolist()
    if t.dtype == torch.bool:
        vals = [1 if v else 0 for v in vals]
    return "%s [%s] : %s" % (dt, ", ".join(str(s) for s in t.shape), repr(vals))


def weights(shape):
    n = 1
    for s in shape:
        n *= s
    return torch.tensor([1 + 0.5 * ((3 * k) % 11) for k in range(n)], dtype=D).reshape(shape)


CASES = []


def case(name, inputs, fn):
    CASES.append((name, inputs, fn))


# cov / corrcoef
x35 = seq((3, 5))
case("cov 2d", [x35], lambda a: torch.cov(a[0]))
case("cov 1d", [seq((6,))], lambda a: torch.cov(a[0]))
case("cov float32", [seq((3, 5), torch.float32)], lambda a: torch.cov(a[0]))
case("cov correction 0", [x35], lambda a: torch.cov(a[0], correction=0))
case("cov correction 2", [seq((2, 4))], lambda a: torch.cov(a[0], correction=2))
case("cov fweights", [x35, torch.tensor([1, 2, 0, 3, 1])], lambda a: torch.cov(a[0], fweights=a[1]))
case("cov aweights", [x35, torch.tensor([0.5, 1, 2, 0.25, 1], dtype=D)], lambda a: torch.cov(a[0], aweights=a[1]))
case("cov both weights", [x35, torch.tensor([1, 2, 1, 3, 1]), torch.tensor([0.5, 1, 2, 0.25, 1], dtype=D)],
     lambda a: torch.cov(a[0], fweights=a[1], aweights=a[2]))
case("cov both weights correction 0", [x35, torch.tensor([1, 2, 1, 3, 1]), torch.tensor([0.5, 1, 2, 0.25, 1], dtype=D)],
     lambda a: torch.cov(a[0], correction=0, fweights=a[1], aweights=a[2]))
case("cov one observation", [seq((3, 1))], lambda a: torch.cov(a[0]))
case("cov int64", [seq((2, 5), torch.int64, 0, 1)], lambda a: torch.cov(a[0]))
case("cov 3d", [seq((2, 2, 2))], lambda a: torch.cov(a[0]))
case("cov bool", [torch.ones(2, 2, dtype=torch.bool)], lambda a: torch.cov(a[0]))
case("cov fweights float", [x35, torch.ones(5, dtype=D)], lambda a: torch.cov(a[0], fweights=a[1]))
case("cov fweights 2d", [x35, torch.ones(1, 5, dtype=torch.int64)], lambda a: torch.cov(a[0], fweights=a[1]))
case("cov fweights count", [x35, torch.ones(4, dtype=torch.int64)], lambda a: torch.cov(a[0], fweights=a[1]))
case("cov fweights negative", [x35, torch.tensor([1, -1, 1, 1, 1])], lambda a: torch.cov(a[0], fweights=a[1]))
case("cov aweights int", [x35, torch.ones(5, dtype=torch.int64)], lambda a: torch.cov(a[0], aweights=a[1]))
case("cov aweights negative", [x35, torch.tensor([1, -1, 1, 1, 1], dtype=D)], lambda a: torch.cov(a[0], aweights=a[1]))
case("cov aweights zero", [x35, torch.zeros(5, dtype=D)], lambda a: torch.cov(a[0], aweights=a[1]))
case("corrcoef 2d", [x35], lambda a: torch.corrcoef(a[0]))
case("corrcoef float32", [seq((4, 6), torch.float32)], lambda a: torch.corrcoef(a[0]))
case("corrcoef 1d", [seq((5,))], lambda a: torch.corrcoef(a[0]))
case("corrcoef constant row", [torch.tensor([[1., 2, 3], [2, 2, 2]], dtype=D)], lambda a: torch.corrcoef(a[0]))
case("corrcoef 3d", [seq((2, 2, 2))], lambda a: torch.corrcoef(a[0]))
# logdet
case("logdet", [well(3)], lambda a: torch.logdet(a[0]))
case("logdet float32", [well(4, (), torch.float32)], lambda a: torch.logdet(a[0]))
case("logdet batch", [well(3, (2,))], lambda a: torch.logdet(a[0]))
case("logdet negative", [torch.tensor([[0., 1], [1, 0]], dtype=D)], lambda a: torch.logdet(a[0]))
case("logdet not square", [seq((2, 3))], lambda a: torch.logdet(a[0]))
case("logdet int64", [torch.eye(2, dtype=torch.int64)], lambda a: torch.logdet(a[0]))
case("logdet 1d", [seq((3,))], lambda a: torch.logdet(a[0]))
# matrix_power
for n in (-3, -2, -1, 0, 1, 2, 3, 5, 6, 11):
    case("matrix_power %d" % n, [well(3)], lambda a, n=n: torch.linalg.matrix_power(a[0], n))
case("matrix_power batch 4", [well(3, (2,))], lambda a: torch.linalg.matrix_power(a[0], 4))
case("matrix_power float32 7", [well(4, (), torch.float32)], lambda a: torch.linalg.matrix_power(a[0], 7))
case("matrix_power int64 3", [torch.tensor([[1, 2], [3, 4]])], lambda a: torch.linalg.matrix_power(a[0], 3))
case("matrix_power int64 0", [torch.tensor([[1, 2], [3, 4]])], lambda a: torch.linalg.matrix_power(a[0], 0))
case("matrix_power int64 -1", [torch.tensor([[1, 2], [3, 4]])], lambda a: torch.linalg.matrix_power(a[0], -1))
case("matrix_power not square", [seq((2, 3))], lambda a: torch.linalg.matrix_power(a[0], 2))
case("matrix_power 1d", [seq((3,))], lambda a: torch.linalg.matrix_power(a[0], 2))
# isin
big = torch.arange(0, 600, 3)
case("isin", [torch.arange(10), torch.tensor([1, 3, 5, 11])], lambda a: torch.isin(a[0], a[1]))
case("isin invert", [torch.arange(10), torch.tensor([1, 3, 5, 11])], lambda a: torch.isin(a[0], a[1], invert=True))
case("isin promoted", [torch.arange(6), torch.tensor([1.5, 2.0, 4.0], dtype=D)], lambda a: torch.isin(a[0], a[1]))
case("isin nan", [torch.tensor([1.0, float("nan"), 2.0], dtype=D), torch.tensor([float("nan"), 2.0], dtype=D)],
     lambda a: torch.isin(a[0], a[1]))
case("isin sorted path", [torch.arange(0, 40).reshape(5, 8), big], lambda a: torch.isin(a[0], a[1]))
case("isin sorted path invert", [torch.arange(0, 40).reshape(5, 8), big], lambda a: torch.isin(a[0], a[1], invert=True))
case("isin empty test", [torch.arange(4), torch.zeros(0, dtype=torch.int64)], lambda a: torch.isin(a[0], a[1]))
case("isin empty elements", [torch.zeros(2, 0, dtype=D), torch.arange(3.)], lambda a: torch.isin(a[0], a[1]))
# logspace
case("logspace", [], lambda a: torch.logspace(0, 2, 5))
case("logspace one step", [], lambda a: torch.logspace(0.5, 2, 1))
case("logspace no steps", [], lambda a: torch.logspace(0, 2, 0))
case("logspace base 2 float64", [], lambda a: torch.logspace(-1, 3, 7, base=2, dtype=D))
case("logspace base 3 float32 descending", [], lambda a: torch.logspace(1.5, -2.5, 9, base=3))
case("logspace int64", [], lambda a: torch.logspace(0, 2, 5, base=2, dtype=torch.int64))
case("logspace float32 many", [], lambda a: torch.logspace(-3, 3, 101))
case("logspace negative steps", [], lambda a: torch.logspace(0, 2, -1))
# type_as and the new_* factories
case("type_as", [seq((2, 3)), torch.zeros(1, dtype=torch.float32)], lambda a: a[0].type_as(a[1]))
case("type_as same", [seq((2, 3)), torch.zeros(1, dtype=D)], lambda a: a[0].type_as(a[1]))
case("new_zeros", [seq((2, 3), torch.float32)], lambda a: a[0].new_zeros(3, 1))
case("new_ones int64", [seq((2,), torch.int64, 0, 1)], lambda a: a[0].new_ones(2, 2))
case("new_full", [seq((2,))], lambda a: a[0].new_full((2, 3), -1.5))
case("new_tensor", [seq((2,), torch.int64, 0, 1)], lambda a: a[0].new_tensor([[1, 2], [3, 4]]))


def run(name, inputs, fn):
    ins = [t.clone().requires_grad_(t.is_floating_point()) for t in inputs]
    lines = ["in%d %s" % (i, fmt_tensor(t)) for i, t in enumerate(inputs)]
    try:
        out = fn(ins)
    except Exception as e:
        return lines + ["error %s %s" % (type(e).__name__, str(e).strip().split("\n")[0])]
    # Ember names nodes without PyTorch's C++ namespace (torch::autograd::CopyBackwards is CopyBackwards)
    fn_name = out.grad_fn.name().replace("torch::autograd::", "") if out.grad_fn is not None else "None"
    if name.startswith("logdet") and out.grad_fn is not None:
        fn_name = "WhereBackward0"  # 2.x: composition over linalg_slogdet
    lines.append("out " + fmt_tensor(out))
    lines.append("fn " + fn_name)
    if out.requires_grad:
        (out * weights(out.shape).to(out.dtype)).sum().backward()
        for i, t in enumerate(ins):
            if t.requires_grad:
                lines.append("grad%d %s" % (i, fmt_tensor(t.grad) if t.grad is not None else "none"))
    return lines


if __name__ == "__main__":
    for name, inputs, fn in CASES:
        print("=== " + name)
        for line in run(name, inputs, fn):
            print(line)
