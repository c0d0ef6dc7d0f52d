# Output layouts of elementwise ops (PyTorch's TensorIterator): the result is allocated with the strides permutation
# of its operands (fast setup when every operand has the output's shape: all row-major -> row-major, all
# channels-last -> channels-last, all non-overlapping and dense with equal strides -> those strides; otherwise
# reorder_dimensions sorts the dimensions by the operands' strides, the first operand that orders a pair deciding,
# broadcast (stride 0) dimensions skipped, and the output takes the dense strides of that order). Casts (to(dtype))
# follow _to_copy: the input's strides where non-overlapping and dense, else dense strides in their order. In-place
# ops keep self's layout. Gradients through a chain of elementwise ops follow the same rule in every backward op.
# Each line: case|op|input kinds|strides|values (row-major, float64 repr). Run with /usr/bin/python3 (PyTorch 1.13;
# TensorIterator's output-stride rule is the same in 2.x; log_sigmoid's CPU kernel writes a row-major output in both,
# empty_like(input, MemoryFormat::Contiguous)): writes expected.txt beside this script.
import os
import torch
import torch.nn.functional as F


def seq(shape):
    n = 1
    for s in shape:
        n *= s
    v = torch.tensor([((7 * k) % 19 - 9) * 0.25 for k in range(n)], dtype=torch.float64)
    return v.reshape(shape)


def base(kind):
    if kind == "t":
        return seq((3, 4)).t()
    if kind == "rowmajor":
        return seq((4, 3))
    if kind == "gaps":
        return seq((4, 6))[:, ::2]
    if kind == "expanded":
        return seq((4, 1)).expand(4, 3)
    if kind == "vec3":
        return seq((3,))
    if kind == "col4":
        return seq((4, 1))
    if kind == "cl4":
        return seq((2, 3, 4, 4)).permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2)
    if kind == "c4":
        return seq((2, 3, 4, 4))
    if kind == "bias3":
        return seq((3, 1, 1))
    if kind == "row4":
        return seq((4,))
    if kind == "cl5":
        return seq((1, 3, 2, 3, 3)).permute(0, 2, 3, 4, 1).contiguous().permute(0, 4, 1, 2, 3)
    if kind == "t4":
        return seq((1, 2, 3, 4)).transpose(2, 3)
    if kind == "t3":
        return seq((2, 4, 3)).transpose(1, 2)
    if kind == "c3":
        return seq((2, 3, 4))
    if kind == "c3p":
        return seq((4, 2, 3))
    if kind == "permuted3":
        return seq((2, 3, 4)).permute(2, 0, 1)
    if kind == "s1":
        return seq((4, 1, 3)).permute(2, 1, 0)
    if kind == "s1row":
        return seq((3, 1, 4))
    if kind == "nc11":
        return seq((2, 1, 1, 3)).permute(0, 3, 1, 2)
    if kind == "emptyt":
        return seq((0, 3)).t()
    if kind == "scalar0":
        return torch.tensor(1.5, dtype=torch.float64)
    if kind.startswith("int_"):
        return (base(kind[4:]) * 4).to(torch.int64)
    if kind.startswith("pos_"):
        return base(kind[4:]) > 0
    raise ValueError(kind)


OPS = {
    "relu": lambda x: torch.relu(x),
    "sigmoid": lambda x: torch.sigmoid(x),
    "gelu": lambda x: F.gelu(x),
    "neg": lambda x: torch.neg(x),
    "exp": lambda x: torch.exp(x),
    "sin": lambda x: torch.sin(x),
    "abs": lambda x: torch.abs(x),
    "to_f32": lambda x: x.to(torch.float32),
    "to_i64": lambda x: x.to(torch.int64),
    "add": lambda x, y: x + y,
    "add_alpha": lambda x, y: torch.add(x, y, alpha=2),
    "sub": lambda x, y: x - y,
    "mul": lambda x, y: x * y,
    "div": lambda x, y: x / y,
    "maximum": lambda x, y: torch.maximum(x, y),
    "pow": lambda x, y: torch.pow(x, y),
    "gt": lambda x, y: x > y,
    "eq": lambda x, y: x == y,
    "add_scalar": lambda x: x + 1.5,
    "rsub_scalar": lambda x: 2 - x,
    "mul_scalar": lambda x: x * 3,
    "pow2": lambda x: x.pow(2),
    "gt_scalar": lambda x: x > 0,
    "where": lambda c, x, y: torch.where(c, x, y),
    "where_scalar": lambda c, x: torch.where(c, x, 0.0),
    "leaky_relu": lambda x: F.leaky_relu(x, 0.1),
    "silu": lambda x: F.silu(x),
    "elu": lambda x: F.elu(x),
    "softplus": lambda x: F.softplus(x),
    "hardtanh": lambda x: F.hardtanh(x),
    "hardswish": lambda x: F.hardswish(x),
    "mish": lambda x: F.mish(x),
    "logsigmoid": lambda x: F.logsigmoid(x),
    "tanh": lambda x: torch.tanh(x),
    "sqrt": lambda x: torch.sqrt(x),
    "square": lambda x: torch.square(x),
    "sign": lambda x: torch.sign(x),
    "isnan": lambda x: torch.isnan(x),
    "isreal": lambda x: torch.isreal(x),
    "logical_not": lambda x: torch.logical_not(x),
    "clamp": lambda x: torch.clamp(x, -1, 1),
    "pow0": lambda x: x.pow(0),
    "pow1": lambda x: x.pow(1),
    "nan_to_num": lambda x: torch.nan_to_num(x),
    "atan2": lambda x, y: torch.atan2(x, y),
    "fmod": lambda x, y: torch.fmod(x, y),
    "floor_divide": lambda x, y: torch.floor_divide(x, y),
    "bitwise_and": lambda x, y: torch.bitwise_and(x, y),
    "xlogy": lambda x, y: torch.xlogy(x, y),
    "lerp": lambda x, y: torch.lerp(x, y, 0.3),
    "lerp_tensor": lambda x, y, w: torch.lerp(x, y, w),
    "addcmul": lambda x, y, z: torch.addcmul(x, y, z, value=0.5),
    "add_": lambda x, y: x.clone(memory_format=torch.preserve_format).add_(y),
    "mul_": lambda x, y: x.clone(memory_format=torch.preserve_format).mul_(y),
    "relu_": lambda x: x.clone(memory_format=torch.preserve_format).relu_(),
}

CASES = [
    ("relu", ["t"]), ("relu", ["cl4"]), ("relu", ["cl5"]), ("relu", ["gaps"]), ("relu", ["expanded"]),
    ("relu", ["t4"]), ("relu", ["permuted3"]), ("relu", ["s1"]), ("relu", ["nc11"]), ("relu", ["emptyt"]),
    ("sigmoid", ["cl4"]), ("sigmoid", ["t"]), ("gelu", ["cl4"]), ("neg", ["t3"]), ("exp", ["gaps"]),
    ("abs", ["cl5"]), ("sin", ["int_t"]),
    ("to_f32", ["t"]), ("to_f32", ["cl4"]), ("to_f32", ["gaps"]), ("to_f32", ["expanded"]), ("to_i64", ["cl4"]),
    ("add", ["t", "rowmajor"]), ("add", ["rowmajor", "t"]), ("add", ["cl4", "c4"]), ("add", ["c4", "cl4"]),
    ("add", ["cl4", "cl4"]), ("add", ["t", "t"]), ("add", ["cl4", "bias3"]), ("add", ["bias3", "cl4"]),
    ("add", ["cl4", "row4"]), ("add", ["expanded", "t"]), ("add", ["gaps", "rowmajor"]), ("add", ["t", "vec3"]),
    ("add", ["t", "col4"]), ("add", ["t3", "c3"]), ("add", ["permuted3", "c3p"]), ("add", ["s1", "s1row"]),
    ("add", ["nc11", "bias3"]), ("add", ["t", "scalar0"]), ("add", ["cl4", "int_cl4"]), ("add", ["int_t", "rowmajor"]),
    ("add_alpha", ["t", "rowmajor"]), ("sub", ["cl5", "cl5"]), ("mul", ["t", "t"]), ("mul", ["cl4", "bias3"]),
    ("div", ["cl4", "bias3"]), ("maximum", ["t", "rowmajor"]), ("pow", ["t", "rowmajor"]),
    ("gt", ["t", "rowmajor"]), ("eq", ["cl4", "cl4"]),
    ("add_scalar", ["t"]), ("add_scalar", ["cl4"]), ("add_scalar", ["s1"]), ("rsub_scalar", ["t"]),
    ("mul_scalar", ["cl5"]), ("pow2", ["cl4"]), ("gt_scalar", ["cl4"]), ("gt_scalar", ["t"]),
    ("where", ["pos_t", "rowmajor", "rowmajor"]), ("where", ["pos_rowmajor", "t", "t"]),
    ("where", ["pos_cl4", "cl4", "bias3"]), ("where_scalar", ["pos_cl4", "cl4"]),
    ("leaky_relu", ["cl4"]), ("silu", ["cl4"]), ("elu", ["t"]), ("softplus", ["cl4"]), ("hardtanh", ["t"]),
    ("hardswish", ["cl4"]), ("mish", ["t"]), ("logsigmoid", ["cl4"]), ("tanh", ["cl5"]), ("sqrt", ["t"]),
    ("square", ["cl4"]), ("sign", ["pos_t"]), ("isnan", ["cl4"]), ("isreal", ["t"]), ("logical_not", ["pos_cl4"]),
    ("clamp", ["cl4"]), ("pow0", ["t"]), ("pow1", ["cl4"]), ("nan_to_num", ["int_t"]),
    ("atan2", ["t", "rowmajor"]), ("fmod", ["cl4", "bias3"]), ("floor_divide", ["t", "rowmajor"]),
    ("bitwise_and", ["int_t", "int_rowmajor"]), ("xlogy", ["cl4", "c4"]), ("lerp", ["t", "rowmajor"]),
    ("lerp", ["cl4", "bias3"]), ("lerp_tensor", ["cl4", "c4", "bias3"]), ("addcmul", ["t", "rowmajor", "t"]),
    ("addcmul", ["cl4", "bias3", "c4"]),
    ("add_", ["t", "rowmajor"]), ("mul_", ["cl4", "c4"]), ("relu_", ["t"]),
]


def chain(x):
    return torch.sigmoid(x) * x + torch.relu(x) * 0.5 - x.exp() / 4


# gradient cases: input kind (a leaf requiring grad), grad_output kind; torch.autograd.grad gives the chain's own
# gradient (no AccumulateGrad layout contract in between)
GRADS = [("cl4", "cl4"), ("cl4", "c4"), ("t", "t"), ("t", "rowmajor"), ("cl5", "cl5")]


def fmt(t):
    flat = t.contiguous().reshape(-1).tolist()
    return ",".join(repr(float(v)) for v in flat)


def main():
    lines = []
    for op, kinds in CASES:
        name = op + "_" + "_".join(kinds)
        out = OPS[op](*[base(k) for k in kinds])
        lines.append("%s|%s|%s|%s|%s" % (name, op, ",".join(kinds), ",".join(str(s) for s in out.stride()), fmt(out)))
    for kind, gkind in GRADS:
        x = base(kind).clone(memory_format=torch.preserve_format).requires_grad_()
        y = chain(x)
        (g,) = torch.autograd.grad(y, x, base(gkind))
        lines.append("grad_%s_%s|chain|%s,%s|%s|%s" % (kind, gkind, kind, gkind, ",".join(str(s) for s in g.stride()),
                                                      fmt(g)))
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "expected.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
