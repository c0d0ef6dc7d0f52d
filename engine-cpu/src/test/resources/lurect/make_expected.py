# Writes expected.txt for LuRectangularTest.java: torch.linalg.lu and torch.linalg.lu_factor of non-square (wide and
# tall, batched) matrices, with a square one beside them, against PyTorch.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13 CPU, LAPACK's getrf)
#
# Each case: "=== <op> <label>", then
#   in<i> <dtype> [shape] : values       the inputs (float inputs require grad)
#   out <dtype> [shape] : values         the result
#   fn <name>                            its grad_fn ("None" without one)
#   grad<i> <dtype> [shape] : values     d sum(out * w) / d in<i>, w[k] = 1 + 0.5 * ((3k) mod 11), for float outputs
# or "error <Type> <message>".
# <op>: luP, luL, luU (the factors of linalg.lu), luLU (cat of L and U flattened: the gradient through both),
# factorLU and factorPivots (linalg.lu_factor). 2.x computes the same factors and the same backward
# (FunctionsManual.cpp linalg_lu_backward / lu_factor_ex_backward, with the wide and tall cases, as 1.13).
import torch

D = torch.float64


def seq(shape, dtype=D, shift=0, scale=0.25):
    n = 1
    for s in shape:
        n *= s
    return torch.tensor([((7 * k + shift) % 19 - 9) * scale for k in range(n)], dtype=D).reshape(shape).to(dtype)


def fmt_tensor(t):
    t = t.detach()
    dt = str(t.dtype).replace("torch.", "")
    vals = t.reshape(-1).tolist()
    return "%s [%s] : %s" % (dt, ", ".join(str(s) for s in t.shape), repr(vals))


def weights(shape):
    n = 1
    for s in shape:
        n *= s
    return torch.tensor([1 + 0.5 * ((3 * k) % 11) for k in range(n)], dtype=D).reshape(shape)


CASES = []


def case(name, inputs, fn):
    CASES.append((name, inputs, fn))


OPS = {
    "luP": lambda a: torch.linalg.lu(a)[0],
    "luL": lambda a: torch.linalg.lu(a)[1],
    "luU": lambda a: torch.linalg.lu(a)[2],
    "luLU": lambda a: torch.cat([torch.linalg.lu(a)[1].flatten(), torch.linalg.lu(a)[2].flatten()]),
    "factorLU": lambda a: torch.linalg.lu_factor(a)[0],
    # the pivots are int32 (checked in LuRectangularTest); written as int64, the type the shared reader knows
    "factorPivots": lambda a: torch.linalg.lu_factor(a)[1].long(),
}

MATRICES = [
    ("wide 3x5", seq((3, 5))),
    ("wide 2x4", seq((2, 4), D, 3)),
    ("wide 1x4", seq((1, 4), D, 5)),
    ("tall 5x3", seq((5, 3))),
    ("tall 4x2", seq((4, 2), D, 2)),
    ("tall 4x1", seq((4, 1), D, 1)),
    ("square 3x3", seq((3, 3), D, 4)),
    ("batched wide 2x3x4", seq((2, 3, 4), D, 1)),
    ("batched tall 2x2x4x3", seq((2, 2, 4, 3), D, 6)),
    ("float32 wide 3x6", seq((3, 6), torch.float32, 2)),
    ("float32 tall 6x3", seq((6, 3), torch.float32, 2)),
]
for label, a in MATRICES:
    for op, fn in OPS.items():
        case(op + " " + label, [a], lambda x, fn=fn: fn(x[0]))

# a rank-deficient wide matrix: linalg.lu factors it (U's last row zero), lu_factor refuses it; its gradients are
# infinite, so the factors are compared detached
singular = torch.tensor([[1., 2, 3, 4], [2, 4, 6, 8], [1, 1, 1, 1]], dtype=D)
for op in ("luP", "luL", "luU", "factorLU"):
    case(op + " singular wide 3x4", [singular], lambda x, fn=OPS[op]: fn(x[0]).detach())
case("factorLU singular tall 4x3", [singular.t().contiguous()], lambda x: torch.linalg.lu_factor(x[0])[0])
case("factorLU zeros batched 2x3x4", [torch.zeros(2, 3, 4, dtype=D)], lambda x: torch.linalg.lu_factor(x[0])[0])
# empty matrices and batches
for label, shape in (("3x0", (3, 0)), ("0x3", (0, 3)), ("2x0x3", (2, 0, 3)), ("0x2x3", (0, 2, 3))):
    for op in ("luP", "luL", "luU", "factorLU", "factorPivots"):
        case(op + " empty " + label, [torch.zeros(shape, dtype=D)], lambda x, fn=OPS[op]: fn(x[0]))
# errors
case("factorLU 1d", [torch.zeros(4, dtype=D)], lambda x: torch.linalg.lu_factor(x[0])[0])
case("luL 1d", [torch.zeros(4, dtype=D)], lambda x: torch.linalg.lu(x[0])[1])
case("factorLU int64", [torch.ones(2, 3, dtype=torch.int64)], lambda x: torch.linalg.lu_factor(x[0])[0])


def run(name, inputs, fn):
    ins = [t.clone().requires_grad_(t.is_floating_point()) for t in inputs]
    lines = ["in%d %s" % (i, fmt_tensor(t)) for i, t in enumerate(inputs)]
    try:
        out = fn(ins)
    except Exception as e:
        return lines + ["error %s %s" % (type(e).__name__, str(e).strip().split("\n")[0])]
    fn_name = out.grad_fn.name() if out.grad_fn is not None else "None"
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
