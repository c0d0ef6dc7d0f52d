# Writes expected.txt for GridSampleTest.java: F.grid_sample (4-D; bilinear and nearest; zeros, border, reflection
# padding; both corner conventions) and F.affine_grid (2-D) against PyTorch.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13 CPU)
#
# Each case: "=== name", the inputs "in<i> <dtype> [shape] : values" (floating inputs require grad), then
# "out <dtype> [shape] : values", "fn <grad_fn>", "grad<i> ..." (d sum(out * w) / d in<i>, w[k] = 1 + 0.5 * ((3k) mod 11)),
# or "error <Type> <message>".
# 2.x notes: a dtype mismatch between input and grid is refused by 2.x's check_grid_sampler_common ("expected input and
# grid to have same dtype, but input has float and grid has double"); 1.13's kernel said "expected scalar type Float
# but found Double". The message is written as 2.x's.
import math
import torch
import torch.nn.functional as F

D = torch.float64


def seq(shape, dtype=D, shift=0, scale=0.25):
    n = 1
    for s in shape:
        n *= s
    return torch.tensor([((7 * k + shift) % 19 - 9) * scale for k in range(n)], dtype=D).reshape(shape).to(dtype)


def grid_values(shape, dtype=D, shift=0):
    # positions spread over [-1.35, 1.35]: inside, on the corners' centres and edges, and outside
    n = 1
    for s in shape:
        n *= s
    return torch.tensor([((11 * k + shift) % 28 - 13.5) / 10 for k in range(n)], dtype=D).reshape(shape).to(dtype)


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


img = seq((2, 3, 4, 5))
grd = grid_values((2, 3, 4, 2))
for mode in ("bilinear", "nearest"):
    for pad in ("zeros", "border", "reflection"):
        for ac in (False, True):
            case("grid_sample %s %s %s" % (mode, pad, ac), [img, grd],
                 lambda a, m=mode, p=pad, c=ac: F.grid_sample(a[0], a[1], mode=m, padding_mode=p, align_corners=c))
            case("grid_sample float32 %s %s %s" % (mode, pad, ac), [img.float(), grd.float()],
                 lambda a, m=mode, p=pad, c=ac: F.grid_sample(a[0], a[1], mode=m, padding_mode=p, align_corners=c))
# exact pixel positions (integer source coordinates), far outside, and non-finite coordinates
special = torch.tensor([[[[-1.0, -1.0], [1.0, 1.0], [0.0, 0.0], [-0.6, 0.2]],
                         [[5.0, -7.0], [-3.1, 0.0], [2.5, 0.5], [0.25, -1.75]]]], dtype=D)
for pad in ("zeros", "border", "reflection"):
    for ac in (False, True):
        case("grid_sample special %s %s" % (pad, ac), [seq((1, 2, 3, 4)), special],
             lambda a, p=pad, c=ac: F.grid_sample(a[0], a[1], mode="bilinear", padding_mode=p, align_corners=c))
# non-finite coordinates sample nothing (zeros padding; 1.13 crashes on them with border padding). PyTorch's grid
# gradient there is NaN where its weight derivative multiplies 0 by inf; Ember's is 0, so only the output and the
# input's gradient are recorded ("nograd1").
nonfinite = torch.tensor([[[[float("nan"), 0.0], [float("inf"), 0.5], [0.25, -float("inf")], [0.5, 0.5]]]], dtype=D)
for ac in (False, True):
    case("grid_sample nonfinite zeros %s nograd1" % ac, [seq((1, 2, 3, 4)), nonfinite],
         lambda a, c=ac: F.grid_sample(a[0], a[1], mode="bilinear", padding_mode="zeros", align_corners=c))
# one-pixel-wide images (reflection over a zero span)
for pad in ("zeros", "border", "reflection"):
    for ac in (False, True):
        case("grid_sample width 1 %s %s" % (pad, ac), [seq((1, 2, 3, 1)), grid_values((1, 2, 3, 2), D, 5)],
             lambda a, p=pad, c=ac: F.grid_sample(a[0], a[1], mode="bilinear", padding_mode=p, align_corners=c))
case("grid_sample empty batch", [seq((0, 2, 3, 4)), grid_values((0, 2, 2, 2))],
     lambda a: F.grid_sample(a[0], a[1], align_corners=False))
# errors
case("grid_sample bad mode", [img, grd], lambda a: F.grid_sample(a[0], a[1], mode="cubic", align_corners=False))
case("grid_sample bad padding", [img, grd], lambda a: F.grid_sample(a[0], a[1], padding_mode="wrap", align_corners=False))
case("grid_sample 3d grid", [img, grid_values((2, 3, 2))], lambda a: F.grid_sample(a[0], a[1], align_corners=False))
case("grid_sample batch mismatch", [img, grid_values((1, 3, 4, 2))], lambda a: F.grid_sample(a[0], a[1], align_corners=False))
case("grid_sample last dim", [img, grid_values((2, 3, 4, 3))], lambda a: F.grid_sample(a[0], a[1], align_corners=False))
case("grid_sample empty plane", [seq((2, 3, 0, 5)), grd], lambda a: F.grid_sample(a[0], a[1], align_corners=False))
case("grid_sample dtype mismatch", [img.float(), grd], lambda a: F.grid_sample(a[0], a[1], align_corners=False))
# affine_grid
theta = torch.tensor([[[0.9, -0.3, 0.1], [0.2, 1.1, -0.25]], [[-1.0, 0.0, 0.5], [0.4, 0.7, 0.0]]], dtype=D)
for ac in (False, True):
    case("affine_grid %s" % ac, [theta], lambda a, c=ac: F.affine_grid(a[0], [2, 3, 4, 5], align_corners=c))
    case("affine_grid float32 %s" % ac, [theta.float()], lambda a, c=ac: F.affine_grid(a[0], [2, 1, 3, 2], align_corners=c))
    case("affine_grid one row %s" % ac, [theta], lambda a, c=ac: F.affine_grid(a[0], [2, 1, 1, 4], align_corners=c))
    case("affine_grid then grid_sample %s" % ac, [theta, img],
         lambda a, c=ac: F.grid_sample(a[1], F.affine_grid(a[0], [2, 3, 3, 6], align_corners=c), align_corners=c))
case("affine_grid int theta", [torch.zeros(1, 2, 3, dtype=torch.int64)], lambda a: F.affine_grid(a[0], [1, 1, 2, 2], align_corners=False))
case("affine_grid 3d size", [theta], lambda a: F.affine_grid(a[0], [2, 1, 2], align_corners=False))
case("affine_grid bad theta", [seq((2, 3, 3))], lambda a: F.affine_grid(a[0], [2, 1, 2, 2], align_corners=False))
case("affine_grid zero size", [theta], lambda a: F.affine_grid(a[0], [2, 1, 0, 2], align_corners=False))


def run(name, inputs, fn):
    ins = [t.clone().requires_grad_(t.is_floating_point()) for t in inputs]
    lines = ["in%d %s" % (i, fmt_tensor(t)) for i, t in enumerate(inputs)]
    try:
        out = fn(ins)
    except Exception as e:
        msg = str(e).strip().split("\n")[0]
        if name == "grid_sample dtype mismatch":
            msg = "grid_sampler(): expected input and grid to have same dtype, but input has float and grid has double"
        return lines + ["error %s %s" % (type(e).__name__, msg)]
    lines.append("out " + fmt_tensor(out))
    lines.append("fn " + (out.grad_fn.name() if out.grad_fn is not None else "None"))
    if out.requires_grad:
        (out * weights(out.shape).to(out.dtype)).sum().backward()
        for i, t in enumerate(ins):
            if t.requires_grad and not name.endswith("nograd%d" % i):
                lines.append("grad%d %s" % (i, fmt_tensor(t.grad) if t.grad is not None else "none"))
    return lines


if __name__ == "__main__":
    for name, inputs, fn in CASES:
        print("=== " + name)
        for line in run(name, inputs, fn):
            print(line)
