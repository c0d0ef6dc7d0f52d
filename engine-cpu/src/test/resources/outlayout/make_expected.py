# Output layouts PyTorch gives to ops that make a new tensor from their input:
#  - index_put (out of place, tensor indices): self.clone(preserve_format) written in place, so the result keeps
#    self's strides (dense ones in their order where self overlaps or has gaps);
#  - upsample_nearest{1,2,3}d / _upsample_nearest_exact, upsample_bilinear2d and _upsample_bilinear2d_aa,
#    upsample_linear1d / trilinear3d: the output takes input.suggest_memory_format() (channels-last /
#    channels-last-3d for a channels-last strided 4-D / 5-D input, row-major otherwise), at every size, the identity
#    size included; their backwards' input gradients take grad_output.suggest_memory_format() (except 1.13's
#    upsample_nearest3d_backward: row-major);
#  - upsample_bicubic2d and _upsample_bicubic2d_aa: row-major output and input gradient whatever the input (their meta
#    functions take input.options() / grad_output.options(); the same in 2.x's source).
# Each line: case|strides|grad_fn|output values|grad of the input|grad of the values (index_put) or empty|strides of
# the input gradient (upsample: autograd.grad(y, x, g) with g = seq(y.shape) laid out channels-last for a 4-D / 5-D y,
# row-major for a 3-D one; index_put: empty), the gradients those of sum(out * w) with w = seq(out.shape). Run with
# /usr/bin/python3 (PyTorch 1.13; the same in 2.x): writes expected.txt beside this script.
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
    if kind == "gaps":
        return seq((4, 6))[:, ::2]
    if kind == "expanded":
        return seq((4, 1)).expand(4, 3)
    if kind == "cl4":
        return seq((2, 3, 4, 4)).permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2)
    if kind == "cl5":
        return seq((1, 3, 2, 3, 3)).permute(0, 2, 3, 4, 1).contiguous().permute(0, 4, 1, 2, 3)
    if kind == "t4":
        return seq((1, 2, 3, 4)).transpose(2, 3)
    if kind == "t3":
        return seq((2, 4, 3)).transpose(1, 2)
    if kind == "permuted3":
        return seq((2, 3, 4)).permute(2, 0, 1)
    if kind == "rowmajor":
        return seq((3, 4))
    raise ValueError(kind)


I = lambda *v: torch.tensor(v)
INDEX_PUT = [
    # case, kind, indices (None = full slice), values shape, accumulate
    ("t_rows", "t", (I(0, 2),), (3,), False),
    ("t_points", "t", (I(0, 3), I(1, 2)), (), False),
    ("t_accumulate", "t", (I(0, 0, 3), I(1, 1, 2)), (3,), True),
    ("gaps_rows", "gaps", (I(1, 3),), (2, 3), False),
    ("expanded_rows", "expanded", (I(0, 2),), (3,), False),
    ("cl4_dim2", "cl4", (None, None, I(0, 2)), (4,), False),
    ("permuted3_apart", "permuted3", (I(0, 1), None, I(1, 2)), (2,), False),
    ("rowmajor_rows", "rowmajor", (I(0, 2),), (4,), False),
]
UPSAMPLE = [
    # case, kind, size, mode
    ("cl4_identity", "cl4", (4, 4), "nearest"), ("cl4_double", "cl4", (8, 8), "nearest"),
    ("cl4_exact_identity", "cl4", (4, 4), "nearest-exact"), ("cl4_down", "cl4", (3, 2), "nearest"),
    ("cl5_identity", "cl5", (2, 3, 3), "nearest"), ("cl5_up", "cl5", (4, 5, 6), "nearest"),
    ("t4_identity", "t4", (4, 3), "nearest"), ("t4_up", "t4", (5, 6), "nearest"),
    ("t3_identity", "t3", (3,), "nearest"), ("t3_up", "t3", (7,), "nearest"),
    ("cl4_bilinear_identity", "cl4", (4, 4), "bilinear"), ("cl4_bilinear_down", "cl4", (3, 5), "bilinear"),
    ("cl4_bilinear_aa_identity", "cl4", (4, 4), "bilinear-aa"), ("cl4_bilinear_aa_down", "cl4", (3, 2), "bilinear-aa"),
    ("cl4_bicubic_up", "cl4", (8, 8), "bicubic"), ("cl4_bicubic_aa_identity", "cl4", (4, 4), "bicubic-aa"),
    ("cl4_bicubic_aa_down", "cl4", (3, 2), "bicubic-aa"), ("t4_bilinear_up", "t4", (5, 6), "bilinear"),
    ("t4_bilinear_aa_identity", "t4", (4, 3), "bilinear-aa"), ("t4_bicubic_aa_down", "t4", (3, 2), "bicubic-aa"),
    ("cl5_trilinear_up", "cl5", (4, 5, 6), "trilinear"), ("cl5_trilinear_identity", "cl5", (2, 3, 3), "trilinear"),
    ("t3_linear_up", "t3", (7,), "linear"),
]

fmt = lambda t: " ".join(repr(float(v)) for v in t.detach().reshape(-1).tolist())
out = []
for case, kind, idx, vshape, acc in INDEX_PUT:
    x = base(kind).detach().requires_grad_()
    v = (seq(vshape) + 5).requires_grad_()
    # aten's index_put takes None for a dimension taken whole
    y = torch.ops.aten.index_put(x, list(idx), v, acc)
    (y * seq(tuple(y.shape))).sum().backward()
    out.append("index_put %s|%s|%s|%s|%s|%s|" % (case, ",".join(map(str, y.stride())), y.grad_fn.name(), fmt(y),
                                                  fmt(x.grad), fmt(v.grad)))
for case, kind, size, mode in UPSAMPLE:
    x = base(kind).detach().requires_grad_()
    aa = mode.endswith("-aa")
    m = mode[:-3] if aa else mode
    kw = {} if m.startswith("nearest") else {"align_corners": False, "antialias": aa}
    y = F.interpolate(x, size=size, mode=m, **kw)
    g = seq(tuple(y.shape))
    if y.dim() == 4:
        g = g.contiguous(memory_format=torch.channels_last)
    elif y.dim() == 5:
        g = g.contiguous(memory_format=torch.channels_last_3d)
    gx, = torch.autograd.grad(y, x, g, retain_graph=True)
    (y * seq(tuple(y.shape))).sum().backward()
    # 1.13 names the vec overload's node UpsampleNearest2DBackward1; 2.x, whose interpolate calls the same op,
    # names it UpsampleNearest2DBackward0 (followed here, as Ember does)
    name = y.grad_fn.name().replace("Backward1", "Backward0")
    out.append("upsample %s|%s|%s|%s|%s||%s" % (case, ",".join(map(str, y.stride())), name, fmt(y), fmt(x.grad),
                                               ",".join(map(str, gx.stride()))))

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "expected.txt"), "w") as fh:
    fh.write("\n".join(out) + "\n")
