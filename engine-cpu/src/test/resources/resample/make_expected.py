# Writes expected.txt for ResampleMoreTest.java: F.interpolate's modes "linear" (3-D), "trilinear" (5-D) and "area"
# on 3-D and 5-D input; F.grid_sample with mode "bicubic" (4-D) and on 5-D input (bilinear, nearest); F.affine_grid
# for 5-D sizes; with PyTorch's errors for what does not fit.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13 CPU)
#
# Each case (read by ReferenceCases): "=== name", the inputs "in<i> <dtype> [shape] : values" (floating inputs require
# grad), then "out <dtype> [shape] : values", "fn <grad_fn>", "grad<i> ..." (d sum(out * w) / d in<i>,
# w[k] = 1 + 0.5 * ((3k) mod 11)), or "error <Type> <message>".
# 2.x notes: 1.13's F.interpolate calls the ".vec" overloads and records "UpsampleLinear1DBackward1" and
# "UpsampleTrilinear3DBackward1"; 2.x decomposes them to the plain ops, "...Backward0" (node_2x below). Integer input
# to "trilinear" is written with two channels: with one, 1.13's kernel takes its channels-last path and names
# "upsample_trilinear3d_channels_last" in the message.
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


def node_2x(name):
    if name.startswith("Upsample") and name.endswith("Backward1"):
        return name[:-1] + "0"
    return name


CASES = []


def case(name, inputs, fn):
    CASES.append((name, inputs, fn))


# ---------------------------------------------------------------- interpolate: linear (3-D)
x3 = seq((2, 3, 5))
for ac in (False, True):
    case("linear size 9 %s" % ac, [x3], lambda a, c=ac: F.interpolate(a[0], size=9, mode="linear", align_corners=c))
    case("linear size 3 %s" % ac, [x3], lambda a, c=ac: F.interpolate(a[0], size=3, mode="linear", align_corners=c))
    case("linear size 1 %s" % ac, [x3], lambda a, c=ac: F.interpolate(a[0], size=1, mode="linear", align_corners=c))
    case("linear scale 1.7 %s" % ac, [x3],
         lambda a, c=ac: F.interpolate(a[0], scale_factor=1.7, mode="linear", align_corners=c))
    case("linear float32 size 11 %s" % ac, [x3.float()],
         lambda a, c=ac: F.interpolate(a[0], size=11, mode="linear", align_corners=c))
case("linear scale 0.6", [x3], lambda a: F.interpolate(a[0], scale_factor=0.6, mode="linear"))
case("linear scale 1.7 recompute", [x3],
     lambda a: F.interpolate(a[0], scale_factor=1.7, mode="linear", recompute_scale_factor=True))
case("linear float32 scale 2.5", [x3.float()], lambda a: F.interpolate(a[0], scale_factor=2.5, mode="linear"))
case("linear from 1", [seq((1, 2, 1))], lambda a: F.interpolate(a[0], size=4, mode="linear"))
case("linear same", [x3], lambda a: F.interpolate(a[0], size=5, mode="linear"))
case("linear empty batch", [seq((0, 3, 5))], lambda a: F.interpolate(a[0], size=7, mode="linear"))
case("linear noncontiguous", [seq((5, 3, 2))],
     lambda a: F.interpolate(a[0].permute(2, 1, 0), size=8, mode="linear"))
# ---------------------------------------------------------------- interpolate: trilinear (5-D)
x5 = seq((1, 2, 2, 3, 4))
for ac in (False, True):
    case("trilinear size 3 5 6 %s" % ac, [x5],
         lambda a, c=ac: F.interpolate(a[0], size=(3, 5, 6), mode="trilinear", align_corners=c))
    case("trilinear size 1 2 3 %s" % ac, [x5],
         lambda a, c=ac: F.interpolate(a[0], size=(1, 2, 3), mode="trilinear", align_corners=c))
    case("trilinear float32 size 3 4 6 %s" % ac, [x5.float()],
         lambda a, c=ac: F.interpolate(a[0], size=(3, 4, 6), mode="trilinear", align_corners=c))
case("trilinear scale 1.5 2 0.75", [x5],
     lambda a: F.interpolate(a[0], scale_factor=(1.5, 2.0, 0.75), mode="trilinear"))
case("trilinear scale 1.5 recompute", [x5],
     lambda a: F.interpolate(a[0], scale_factor=1.5, mode="trilinear", recompute_scale_factor=True))
case("trilinear float32 scale 1.5 1.0 1.25", [x5.float()], lambda a: F.interpolate(a[0], scale_factor=(1.5, 1.0, 1.25), mode="trilinear"))
case("trilinear empty batch", [seq((0, 2, 2, 3, 4))], lambda a: F.interpolate(a[0], size=3, mode="trilinear"))
case("trilinear noncontiguous", [seq((1, 2, 4, 3, 2))],
     lambda a: F.interpolate(a[0].transpose(2, 4), size=(3, 4, 5), mode="trilinear"))
# ---------------------------------------------------------------- interpolate: area (3-D and 5-D)
a3 = seq((2, 2, 7))
case("area 1d size 3", [a3], lambda a: F.interpolate(a[0], size=3, mode="area"))
case("area 1d size 10", [a3], lambda a: F.interpolate(a[0], size=10, mode="area"))
case("area 1d size 1", [a3], lambda a: F.interpolate(a[0], size=1, mode="area"))
case("area 1d scale 0.5", [a3], lambda a: F.interpolate(a[0], scale_factor=0.5, mode="area"))
case("area 1d float32 size 4", [a3.float()], lambda a: F.interpolate(a[0], size=4, mode="area"))
a5 = seq((1, 2, 5, 3, 4))
case("area 3d size 2 2 3", [a5], lambda a: F.interpolate(a[0], size=(2, 2, 3), mode="area"))
case("area 3d size 7 4 5", [a5], lambda a: F.interpolate(a[0], size=(7, 4, 5), mode="area"))
case("area 3d size 1", [a5], lambda a: F.interpolate(a[0], size=1, mode="area"))
case("area 3d size 1 2 1", [a5], lambda a: F.interpolate(a[0], size=(1, 2, 1), mode="area"))
case("area 3d scale 0.5", [a5], lambda a: F.interpolate(a[0], scale_factor=0.5, mode="area"))
case("area 3d float32 size 3 2 3", [a5.float()], lambda a: F.interpolate(a[0], size=(3, 2, 3), mode="area"))
case("area 3d empty batch", [seq((0, 2, 5, 3, 4))], lambda a: F.interpolate(a[0], size=2, mode="area"))
case("area 3d noncontiguous", [seq((1, 1, 5, 3, 4))],
     lambda a: F.interpolate(a[0].transpose(2, 4), size=(3, 2, 4), mode="area"))
# ---------------------------------------------------------------- interpolate: errors
case("error linear 4d", [seq((1, 2, 3, 4))], lambda a: F.interpolate(a[0], size=3, mode="linear"))
case("error linear 5d", [x5], lambda a: F.interpolate(a[0], size=3, mode="linear"))
case("error trilinear 3d", [x3], lambda a: F.interpolate(a[0], size=3, mode="trilinear"))
case("error trilinear 4d", [seq((1, 2, 3, 4))], lambda a: F.interpolate(a[0], size=3, mode="trilinear"))
case("error bicubic 3d", [x3], lambda a: F.interpolate(a[0], size=3, mode="bicubic"))
case("error bicubic 5d", [x5], lambda a: F.interpolate(a[0], size=3, mode="bicubic"))
case("error linear long", [torch.zeros(1, 2, 4, dtype=torch.int64)], lambda a: F.interpolate(a[0], size=3, mode="linear"))
case("error trilinear long", [torch.zeros(1, 2, 2, 2, 2, dtype=torch.int64)],
     lambda a: F.interpolate(a[0], size=3, mode="trilinear"))
case("error area 1d long", [torch.zeros(1, 2, 4, dtype=torch.int64)], lambda a: F.interpolate(a[0], size=3, mode="area"))
case("error area 3d long", [torch.zeros(1, 2, 2, 2, 2, dtype=torch.int64)],
     lambda a: F.interpolate(a[0], size=3, mode="area"))
case("error linear size 0", [x3], lambda a: F.interpolate(a[0], size=0, mode="linear"))
case("error linear empty width", [seq((1, 2, 0))], lambda a: F.interpolate(a[0], size=3, mode="linear"))
case("error linear no channels", [seq((1, 0, 4))], lambda a: F.interpolate(a[0], size=3, mode="linear"))
case("error trilinear size 0", [x5], lambda a: F.interpolate(a[0], size=(2, 0, 1), mode="trilinear"))
case("error trilinear no channels", [seq((1, 0, 2, 2, 2))], lambda a: F.interpolate(a[0], size=3, mode="trilinear"))
case("error area 3d empty depth", [seq((1, 2, 0, 2, 2))], lambda a: F.interpolate(a[0], size=3, mode="area"))
case("error area 1d empty width", [seq((1, 2, 0))], lambda a: F.interpolate(a[0], size=3, mode="area"))
case("error area align_corners", [x3], lambda a: F.interpolate(a[0], size=3, mode="area", align_corners=True))

# ---------------------------------------------------------------- grid_sample bicubic (4-D)
img = seq((1, 2, 4, 5))
grd = grid_values((1, 3, 3, 2))
for pad in ("zeros", "border", "reflection"):
    for ac in (False, True):
        case("grid bicubic %s %s" % (pad, ac), [img, grd],
             lambda a, p=pad, c=ac: F.grid_sample(a[0], a[1], mode="bicubic", padding_mode=p, align_corners=c))
        case("grid bicubic float32 %s %s" % (pad, ac), [img.float(), grd.float()],
             lambda a, p=pad, c=ac: F.grid_sample(a[0], a[1], mode="bicubic", padding_mode=p, align_corners=c))
special = torch.tensor([[[[-1.0, -1.0], [1.0, 1.0], [0.0, 0.0], [-0.6, 0.2]],
                         [[5.0, -7.0], [-3.1, 0.0], [2.5, 0.5], [0.25, -1.75]]]], dtype=D)
for pad in ("zeros", "border", "reflection"):
    for ac in (False, True):
        case("grid bicubic special %s %s" % (pad, ac), [seq((1, 2, 3, 4)), special],
             lambda a, p=pad, c=ac: F.grid_sample(a[0], a[1], mode="bicubic", padding_mode=p, align_corners=c))
        case("grid bicubic width 1 %s %s" % (pad, ac), [seq((1, 2, 3, 1)), grid_values((1, 2, 3, 2), D, 5)],
             lambda a, p=pad, c=ac: F.grid_sample(a[0], a[1], mode="bicubic", padding_mode=p, align_corners=c))
# non-finite coordinates, zeros padding: 4-D (its vectorized CPU kernel) gives NaN there, 5-D samples nothing (0).
# PyTorch's grid gradient there is NaN or 0 as its arithmetic falls; Ember's is 0, so only the output and the input's
# gradient are recorded ("nograd1"). With border or reflection padding PyTorch's result depends on how its min/max
# treat NaN (AVX's maxpd in the 4-D kernel, std::min/std::max in the 5-D one): not reproduced, not recorded.
nonfinite = torch.tensor([[[[float("nan"), 0.0], [float("inf"), 0.5], [0.25, -float("inf")], [0.5, 0.5]]]], dtype=D)
case("grid bicubic nonfinite zeros False nograd1", [seq((1, 2, 3, 4)), nonfinite],
     lambda a: F.grid_sample(a[0], a[1], mode="bicubic", padding_mode="zeros", align_corners=False))
case("grid bicubic noncontiguous border True", [seq((1, 2, 5, 3)), grid_values((1, 2, 3, 2), D, 7)],
     lambda a: F.grid_sample(a[0].transpose(2, 3), a[1], mode="bicubic", padding_mode="border", align_corners=True))
case("grid bicubic empty batch", [seq((0, 2, 3, 4)), grid_values((0, 2, 2, 2))],
     lambda a: F.grid_sample(a[0], a[1], mode="bicubic", align_corners=False))
# ---------------------------------------------------------------- grid_sample 5-D (trilinear, nearest)
vol = seq((2, 1, 3, 3, 4))
grd5 = grid_values((2, 2, 2, 2, 3))
for mode in ("bilinear", "nearest"):
    for pad in ("zeros", "border", "reflection"):
        for ac in (False, True):
            case("grid 5d %s %s %s" % (mode, pad, ac), [vol, grd5],
                 lambda a, m=mode, p=pad, c=ac: F.grid_sample(a[0], a[1], mode=m, padding_mode=p, align_corners=c))
    case("grid 5d float32 %s zeros False" % mode, [vol.float(), grd5.float()],
         lambda a, m=mode: F.grid_sample(a[0], a[1], mode=m, padding_mode="zeros", align_corners=False))
special5 = torch.tensor([[[[[-1.0, -1.0, -1.0], [1.0, 1.0, 1.0], [0.0, 0.0, 0.0], [-0.6, 0.2, 0.9]],
                           [[5.0, -7.0, 0.0], [-3.1, 0.0, 0.5], [2.5, 0.5, -2.0], [0.25, -1.75, 0.3]]]]], dtype=D)
for pad in ("zeros", "border", "reflection"):
    case("grid 5d special %s" % pad, [seq((1, 2, 2, 3, 4)), special5],
         lambda a, p=pad: F.grid_sample(a[0], a[1], mode="bilinear", padding_mode=p, align_corners=False))
    case("grid 5d depth 1 %s" % pad, [seq((1, 2, 1, 3, 2)), grid_values((1, 2, 2, 1, 3), D, 3)],
         lambda a, p=pad: F.grid_sample(a[0], a[1], mode="bilinear", padding_mode=p, align_corners=True))
# (1.13's 5-D nearest rounds halves away from zero, std::round; 2.x's rounds them to even, std::nearbyint, as its
# 4-D one: the positions here and above fall on no half.)
nonfinite5 = torch.tensor([[[[[float("nan"), 0.0, 0.0], [float("inf"), 0.5, 0.1], [0.25, -float("inf"), 0.2],
                              [0.4, 0.3, 0.4]]]]], dtype=D)
for mode in ("bilinear", "nearest"):
    case("grid 5d nonfinite %s zeros False nograd1" % mode, [seq((1, 2, 2, 3, 4)), nonfinite5],
         lambda a, m=mode: F.grid_sample(a[0], a[1], mode=m, padding_mode="zeros", align_corners=False))
case("grid 5d noncontiguous bilinear reflection True", [seq((1, 2, 4, 3, 2)), grid_values((1, 2, 2, 2, 3), D, 7)],
     lambda a: F.grid_sample(a[0].transpose(2, 4), a[1].transpose(1, 2), mode="bilinear", padding_mode="reflection",
                             align_corners=True))
case("grid 5d empty batch", [seq((0, 2, 2, 3, 4)), grid_values((0, 2, 2, 2, 3))],
     lambda a: F.grid_sample(a[0], a[1], align_corners=False))
# ---------------------------------------------------------------- grid_sample errors
case("error grid 5d bicubic", [vol, grd5], lambda a: F.grid_sample(a[0], a[1], mode="bicubic", align_corners=False))
case("error grid 5d last dim", [vol, grid_values((2, 2, 2, 2, 2))], lambda a: F.grid_sample(a[0], a[1], align_corners=False))
case("error grid 5d 4d grid", [vol, grid_values((2, 2, 2, 3))], lambda a: F.grid_sample(a[0], a[1], align_corners=False))
case("error grid 5d batch", [vol, grid_values((1, 2, 2, 2, 3))], lambda a: F.grid_sample(a[0], a[1], align_corners=False))
case("error grid 5d empty depth", [seq((2, 1, 0, 3, 4)), grd5], lambda a: F.grid_sample(a[0], a[1], align_corners=False))
case("error grid 3d input", [seq((1, 2, 3)), grid_values((1, 2, 1))], lambda a: F.grid_sample(a[0], a[1], align_corners=False))
case("error grid 5d long", [torch.zeros(1, 2, 2, 2, 2, dtype=torch.int64), torch.zeros(1, 1, 1, 1, 3, dtype=torch.int64)],
     lambda a: F.grid_sample(a[0], a[1], align_corners=False))
# ---------------------------------------------------------------- affine_grid (5-D sizes)
theta3 = torch.tensor([[[0.9, -0.3, 0.1, 0.2], [0.2, 1.1, -0.25, 0.0], [0.1, 0.0, 0.8, -0.3]],
                       [[-1.0, 0.0, 0.5, 0.1], [0.4, 0.7, 0.0, 0.3], [0.0, -0.2, 1.2, 0.0]]], dtype=D)
for ac in (False, True):
    case("affine3d %s" % ac, [theta3], lambda a, c=ac: F.affine_grid(a[0], [2, 3, 2, 3, 4], align_corners=c))
    case("affine3d float32 %s" % ac, [theta3.float()],
         lambda a, c=ac: F.affine_grid(a[0], [2, 1, 3, 2, 2], align_corners=c))
    case("affine3d depth 1 %s" % ac, [theta3], lambda a, c=ac: F.affine_grid(a[0], [2, 1, 1, 2, 3], align_corners=c))
    case("affine3d then grid_sample %s" % ac, [theta3, vol],
         lambda a, c=ac: F.grid_sample(a[1], F.affine_grid(a[0], [2, 1, 2, 2, 3], align_corners=c), align_corners=c))
case("affine3d unit size empty batch", [torch.zeros(0, 3, 4, dtype=D)],
     lambda a: F.affine_grid(a[0], [0, 1, 1, 2, 2], align_corners=True))
case("error affine3d bad theta", [seq((2, 2, 3))], lambda a: F.affine_grid(a[0], [2, 1, 2, 2, 2], align_corners=False))
case("error affine2d given 3d theta", [theta3], lambda a: F.affine_grid(a[0], [2, 1, 2, 2], align_corners=False))
case("error affine3d zero size", [theta3], lambda a: F.affine_grid(a[0], [2, 1, 2, 0, 2], align_corners=False))
case("error affine 6d size", [theta3], lambda a: F.affine_grid(a[0], [2, 1, 2, 2, 2, 2], align_corners=False))


def run(name, inputs, fn):
    ins = [t.clone().requires_grad_(t.is_floating_point()) for t in inputs]
    lines = ["in%d %s" % (i, fmt_tensor(t)) for i, t in enumerate(inputs)]
    try:
        out = fn(ins)
    except Exception as e:
        msg = str(e).strip().split("\n")[0]
        return lines + ["error %s %s" % (type(e).__name__, msg)]
    lines.append("out " + fmt_tensor(out))
    lines.append("fn " + (node_2x(out.grad_fn.name()) if out.grad_fn is not None else "None"))
    if out.requires_grad:
        (out * weights(out.shape).to(out.dtype)).sum().backward()
        for i, t in enumerate(ins):
            if t.requires_grad and not name.endswith("nograd%d" % i):
                lines.append("grad%d %s" % (i, fmt_tensor(t.grad) if t.grad is not None else "none"))
    return lines


if __name__ == "__main__":
    import warnings
    warnings.simplefilter("ignore")
    for name, inputs, fn in CASES:
        print("=== " + name)
        for line in run(name, inputs, fn):
            print(line)
