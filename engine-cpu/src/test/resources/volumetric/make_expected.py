# Writes expected.txt for VolumetricTest.java: F.conv3d, F.max_pool3d (values and indices), F.avg_pool3d,
# F.adaptive_avg_pool3d, F.adaptive_max_pool3d, nn.BatchNorm3d, nn.InstanceNorm1d and nn.InstanceNorm3d against PyTorch.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13 CPU)
#
# Each case (ReferenceCases' format): "=== name", the inputs "in<i> <dtype> [shape] : values" (floating inputs require
# grad), then "out ...", "fn <grad_fn>", "grad<i> ..." (d sum(out * w) / d in<i>, w[k] = 1 + 0.5 * ((3k) mod 11)), or
# "error <Type> <message>". The name is the op, then its arguments as key=value (VolumetricTest parses them).
# 2.x notes (the file holds 2.x's wording where 1.13's differs): conv3d's input/weight type mismatch is 2.x's
# check_input_same_type_as_parameters ("Input type (torch.DoubleTensor) and weight type (torch.FloatTensor) should be
# the same", as the conv2d cases have it; 1.13's slow kernel said "expected scalar type Double but found Float"); pooling's padding check is 2.x's pooling_output_shape
# ("pad should be at most half of effective kernel size, but got pad=2, kernel_size=2 and dilation=1"; 1.13 said "pad
# should be at most half of kernel size, but got pad=2 and kernel_size=2"); an affine InstanceNorm1d given the wrong
# number of channels raises 2.x's ValueError (see REWRITE).
import torch
import torch.nn as nn
import torch.nn.functional as F

D = torch.float64
nan = float("nan")
inf = float("inf")


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


def ints(v):
    return ",".join(str(x) for x in v) if isinstance(v, (tuple, list)) else str(v)


def parse(name):
    op, *rest = name.split(" ")
    kv = {}
    for r in rest:
        if "=" in r:
            k, v = r.split("=", 1)
            kv[k] = v
    return op, kv


def tup(v):
    if v == "none":
        return None
    if v in ("same", "valid"):
        return v
    p = [int(x) for x in v.split(",")]
    return p[0] if len(p) == 1 else tuple(p)


def run(name, a):
    op, kv = parse(name)
    if op == "conv3d":
        return F.conv3d(a[0], a[1], a[2] if len(a) > 2 else None, tup(kv["s"]), tup(kv["p"]), tup(kv["d"]), int(kv["g"]))
    if op == "conv3d_module":
        # nn.Conv3d(2, 4, (2, 3, 2), padding=p, padding_mode=mode, groups=2) with the weight and bias set from the
        # inputs (which the gradients then do not reach: the module's parameters hold copies)
        m = nn.Conv3d(2, 4, (2, 3, 2), padding=tup(kv["p"]), padding_mode=kv["mode"], groups=2).to(a[0].dtype)
        with torch.no_grad():
            m.weight.copy_(a[1])
            m.bias.copy_(a[2])
        return m(a[0])
    if op == "conv_transpose3d":
        return F.conv_transpose3d(a[0], a[1], a[2] if len(a) > 2 else None, tup(kv["s"]), tup(kv["p"]), tup(kv["op"]),
                                  int(kv["g"]), tup(kv["d"]))
    if op in ("max_pool3d", "max_pool3d_indices"):
        s = tup(kv["s"])
        v, i = F.max_pool3d(a[0], tup(kv["k"]), s, tup(kv["p"]), tup(kv["d"]), kv["ceil"] == "1", return_indices=True)
        return v if op == "max_pool3d" else i
    if op == "avg_pool3d":
        dv = None if kv["div"] == "none" else int(kv["div"])
        return F.avg_pool3d(a[0], tup(kv["k"]), tup(kv["s"]), tup(kv["p"]), kv["ceil"] == "1", kv["cip"] == "1", dv)
    if op == "adaptive_avg_pool3d":
        return F.adaptive_avg_pool3d(a[0], tup(kv["o"]))
    if op in ("adaptive_max_pool3d", "adaptive_max_pool3d_indices"):
        v, i = F.adaptive_max_pool3d(a[0], tup(kv["o"]), return_indices=True)
        return v if op == "adaptive_max_pool3d" else i
    if op == "batch_norm3d":
        m = nn.BatchNorm3d(int(kv["c"])).double() if a[0].dtype == D else nn.BatchNorm3d(int(kv["c"]))
        if kv["mode"] == "eval":
            m.eval()
        return m(a[0])
    if op in ("instance_norm1d", "instance_norm3d"):
        cls = nn.InstanceNorm1d if op == "instance_norm1d" else nn.InstanceNorm3d
        m = cls(int(kv["c"]), affine=kv.get("affine") == "1")
        m = m.double() if a[0].dtype == D else m
        return m(a[0])
    raise ValueError(op)


CASES = []


def case(name, inputs):
    CASES.append((name, inputs))


# ---- conv3d
x5 = seq((2, 2, 3, 4, 4))
w = seq((4, 1, 2, 3, 2), D, 3, 0.1)
b = seq((4,), D, 5, 0.3)
for s, p, d in [("1", "0", "1"), ("2", "1", "1"), ("1,2,1", "1,0,1", "2,1,1"), ("2,1,2", "0,1,1", "1,2,1"),
                ("1", "same", "1"), ("1", "same", "2,1,2"), ("2", "valid", "1")]:
    case("conv3d s=%s p=%s d=%s g=2" % (s, p, d), [x5, w, b])
case("conv3d s=1 p=1 d=1 g=1 nobias", [seq((1, 2, 3, 4, 3)), seq((3, 2, 3, 2, 2), D, 1, 0.1)])
case("conv3d s=2 p=1 d=1 g=2 unbatched", [x5[0], w, b])
case("conv3d s=1 p=1 d=1 g=4 depthwise", [seq((1, 4, 3, 3, 3)), seq((4, 1, 3, 3, 3), D, 2, 0.1), b])
case("conv3d s=2 p=1 d=1 g=2 float32", [x5.float(), w.float(), b.float()])
case("conv3d s=1 p=0 d=1 g=2 empty batch", [seq((0, 2, 3, 4, 4)), w, b])
case("conv3d s=1 p=0 d=1 g=2 bad rank", [seq((5, 6, 5)), w, b])
case("conv3d s=1 p=0 d=1 g=3 bad groups", [x5[:1], w, b])
case("conv3d s=1,2 p=0 d=1 g=2 bad stride", [x5[:1], w, b])
case("conv3d s=1 p=0 d=1 g=2 bad bias", [x5[:1], w, b[:3]])
case("conv3d s=1 p=0 d=1 g=2 too small", [x5[:1, :, :1], w, b])
case("conv3d s=2 p=same d=1 g=2 strided same", [x5[:1], w, b])
case("conv3d s=1 p=0 d=1 g=2 type mismatch", [x5[:1], w.float(), b])
case("conv3d s=1 p=0 d=1 g=2 4d weight", [x5[:1], w[:, :, 0], b])

for mode in ("zeros", "reflect", "replicate", "circular"):
    case("conv3d_module p=1,1,2 mode=%s" % mode, [x5[:1], w, b])
case("conv3d_module p=same mode=reflect", [x5[:1], w, b])

# ---- conv_transpose3d (weight [C_in, C_out / groups, kd, kh, kw])
xt = seq((1, 4, 2, 3, 2))
wt = seq((4, 2, 2, 3, 2), D, 3, 0.1)
bt = seq((4,), D, 5, 0.3)
for s_, p, op_, d in [("1", "0", "0", "1"), ("2", "1", "1", "1"), ("2,1,3", "1,0,1", "1,0,2", "1,2,1"),
                      ("1", "1", "1", "2"), ("3,2,1", "0,1,0", "0,1,0", "2,1,1")]:
    case("conv_transpose3d s=%s p=%s op=%s d=%s g=2" % (s_, p, op_, d), [xt, wt, bt])
case("conv_transpose3d s=2 p=0 op=0 d=1 g=1 nobias", [seq((1, 2, 2, 3, 2)), seq((2, 3, 2, 2, 2), D, 1, 0.1)])
case("conv_transpose3d s=2 p=1 op=1 d=1 g=2 unbatched", [xt[0], wt, bt])
case("conv_transpose3d s=1 p=1 op=0 d=1 g=2 batch 2", [seq((2, 4, 2, 2, 2)), wt, bt])
case("conv_transpose3d s=2 p=1 op=1 d=1 g=2 float32", [xt.float(), wt.float(), bt.float()])
case("conv_transpose3d s=1 p=0 op=0 d=1 g=2 empty batch", [seq((0, 4, 2, 3, 2)), wt, bt])
case("conv_transpose3d s=1 p=0 op=0 d=1 g=2 bad rank", [seq((3, 4, 3)), wt, bt])
case("conv_transpose3d s=1 p=0 op=0 d=1 g=3 bad groups", [xt, wt, bt])
case("conv_transpose3d s=1,2 p=0 op=0 d=1 g=2 bad stride", [xt, wt, bt])
case("conv_transpose3d s=2 p=0 op=2 d=1 g=2 big output padding", [xt, wt, bt])
case("conv_transpose3d s=1 p=0 op=-1 d=1 g=2 negative output padding", [xt, wt, bt])
case("conv_transpose3d s=1 p=4 op=0 d=1 g=2 too small", [xt, wt, bt])
case("conv_transpose3d s=1 p=0 op=0 d=0 g=2 zero dilation", [xt, wt, bt])
case("conv_transpose3d s=1 p=0 op=0 d=1 g=2 bad bias", [xt, wt, bt[:3]])
case("conv_transpose3d s=1 p=0 op=0 d=1 g=2 bad channels", [xt[:, :3], wt, bt])
case("conv_transpose3d s=1 p=0 op=0 d=1 g=2 zero kernel", [xt, wt[:, :, :0], bt])
case("conv_transpose3d s=1 p=0 op=0 d=1 g=2 empty depth", [xt[:, :, :0], wt, bt])

# ---- max_pool3d
xp = seq((2, 1, 4, 4, 5), D, 0, 0.5)
xp[0, 0, 0, 0, :3] = 1.5  # ties: the first maximum wins
for k, s, p, dl, c in [("2", "none", "0", "1", "0"), ("3", "2", "1", "1", "0"), ("3,2,2", "2,1,2", "1,0,1", "1", "1"),
                       ("2", "2", "1", "2", "1"), ("2,3,2", "1,2,3", "0,1,1", "2,1,1", "0")]:
    case("max_pool3d k=%s s=%s p=%s d=%s ceil=%s" % (k, s, p, dl, c), [xp])
    case("max_pool3d_indices k=%s s=%s p=%s d=%s ceil=%s" % (k, s, p, dl, c), [xp])
case("max_pool3d k=2 s=1 p=1 d=1 ceil=0 unbatched", [xp[1]])
case("max_pool3d_indices k=2 s=1 p=1 d=1 ceil=0 unbatched", [xp[1]])
case("max_pool3d k=3 s=2 p=1 d=1 ceil=1 float32", [xp.float()])
case("max_pool3d k=2 s=none p=0 d=1 ceil=0 empty batch", [seq((0, 3, 4, 4, 4))])
case("max_pool3d k=2 s=none p=2 d=1 ceil=0 bad pad", [xp])
case("max_pool3d k=2,2 s=none p=0 d=1 ceil=0 bad kernel", [xp])
case("max_pool3d k=2 s=1,2 p=0 d=1 ceil=0 bad stride", [xp])
case("max_pool3d k=2 s=0 p=0 d=1 ceil=0 zero stride", [xp])
case("max_pool3d k=2 s=none p=0 d=0 ceil=0 zero dilation", [xp])
case("max_pool3d k=2 s=none p=0,0 d=1 ceil=0 bad padding", [xp])
case("max_pool3d k=2 s=none p=0 d=1,2 ceil=0 bad dilation", [xp])
case("max_pool3d k=2 s=none p=0 d=1 ceil=0 bad rank", [xp[0, 0]])
case("max_pool3d k=2 s=none p=0 d=1 ceil=0 too small", [xp[:, :, :1]])
case("max_pool3d k=2 s=none p=0 d=1 ceil=0 zero channels", [seq((2, 0, 4, 4, 4))])
case("max_pool3d k=2 s=none p=0 d=1 ceil=0 long", [torch.arange(2 * 2 * 4 * 4 * 4).reshape(2, 2, 4, 4, 4)])

# ---- avg_pool3d
for k, s, p, c, cip, dv in [("2", "none", "0", "0", "1", "none"), ("3", "2", "1", "0", "1", "none"),
                            ("3", "2", "1", "0", "0", "none"), ("3,2,2", "2,1,2", "1,0,1", "1", "1", "none"),
                            ("3,2,2", "2,1,2", "1,0,1", "1", "0", "none"), ("2", "2", "1", "1", "1", "none"),
                            ("2", "2", "1", "1", "0", "none"), ("3", "2", "1", "1", "0", "5")]:
    case("avg_pool3d k=%s s=%s p=%s ceil=%s cip=%s div=%s" % (k, s, p, c, cip, dv), [xp])
case("avg_pool3d k=2 s=1 p=1 ceil=0 cip=0 div=none unbatched", [xp[1]])
case("avg_pool3d k=3 s=2 p=1 ceil=1 cip=0 div=none float32", [xp.float()])
case("avg_pool3d k=2 s=none p=0 ceil=0 cip=1 div=none empty batch", [seq((0, 3, 4, 4, 4))])
case("avg_pool3d k=2 s=none p=0 ceil=0 cip=1 div=none long", [torch.arange(2 * 2 * 4 * 4 * 4).reshape(2, 2, 4, 4, 4)])
case("avg_pool3d k=2 s=none p=2 ceil=0 cip=1 div=none bad pad", [xp])
case("avg_pool3d k=2,2 s=none p=0 ceil=0 cip=1 div=none bad kernel", [xp])
case("avg_pool3d k=2 s=1,2 p=0 ceil=0 cip=1 div=none bad stride", [xp])
case("avg_pool3d k=2 s=none p=0 ceil=0 cip=1 div=0 zero divisor", [xp])
case("avg_pool3d k=2 s=none p=0 ceil=0 cip=1 div=none bad rank", [xp[0, 0]])
case("avg_pool3d k=2 s=none p=0 ceil=0 cip=1 div=none too small", [xp[:, :, :1]])
case("avg_pool3d k=2 s=none p=0 ceil=0 cip=1 div=none zero channels", [seq((2, 0, 4, 4, 4))])

# ---- adaptive pooling
for o in ["2", "3,2,4", "1", "4,4,5", "6,3,7"]:
    case("adaptive_avg_pool3d o=%s" % o, [xp])
    case("adaptive_max_pool3d o=%s" % o, [xp])
    case("adaptive_max_pool3d_indices o=%s" % o, [xp])
case("adaptive_avg_pool3d o=3,2,4 unbatched", [xp[1]])
case("adaptive_max_pool3d o=3,2,4 unbatched", [xp[1]])
case("adaptive_avg_pool3d o=3,2,4 float32", [xp.float()])
case("adaptive_max_pool3d o=3,2,4 float32", [xp.float()])
case("adaptive_avg_pool3d o=2 empty batch", [seq((0, 3, 4, 4, 4))])
case("adaptive_avg_pool3d o=2 bad rank", [xp[0, 0]])
case("adaptive_max_pool3d o=2 bad rank", [xp[0, 0]])
case("adaptive_avg_pool3d o=2 zero depth", [xp[:, :, :0]])
case("adaptive_max_pool3d o=2 zero channels", [seq((2, 0, 4, 4, 4))])
case("adaptive_avg_pool3d o=2 long", [torch.arange(2 * 2 * 4 * 4 * 4).reshape(2, 2, 4, 4, 4)])
case("adaptive_max_pool3d o=2 long", [torch.arange(2 * 2 * 4 * 4 * 4).reshape(2, 2, 4, 4, 4)])

# ---- NaN (the window's last NaN is the maximum, as PyTorch's kernels' "(val > max) || isnan(val)"), all -inf windows
# (the first position inside the input), 4-D input with no channels and zero output sizes
nanx = torch.tensor([1., nan, 3., nan, 2., 0., 0., 0., nan, 1., 2., 3., nan, nan, 0., 5.] * 2, dtype=D).reshape(1, 2, 2, 2, 4)
case("max_pool3d k=2 s=none p=0 d=1 ceil=0 nan", [nanx])
case("max_pool3d_indices k=2 s=none p=0 d=1 ceil=0 nan", [nanx])
case("max_pool3d_indices k=2 s=1 p=1 d=1 ceil=1 nan padded", [nanx])
case("adaptive_max_pool3d_indices o=1,1,2 nan", [nanx])
case("adaptive_max_pool3d_indices o=1,2,3 nan", [nanx])
case("max_pool3d_indices k=2 s=1 p=1 d=1 ceil=0 all -inf", [torch.full((1, 1, 2, 2, 3), -inf, dtype=D)])
case("adaptive_avg_pool3d o=2 4d no channels", [seq((0, 2, 3, 4))])
case("adaptive_max_pool3d o=2 4d no channels", [seq((0, 2, 3, 4))])
case("adaptive_avg_pool3d o=0,2,2 zero output", [seq((1, 2, 3, 4, 4))])
case("adaptive_max_pool3d o=0,2,2 zero output", [seq((1, 2, 3, 4, 4))])

# ---- normalization layers
case("batch_norm3d c=1 mode=train", [xp])
case("batch_norm3d c=1 mode=eval", [xp])
case("batch_norm3d c=1 mode=train float32", [xp.float()])
case("batch_norm3d c=1 mode=train bad rank", [xp[0]])
case("instance_norm3d c=1 affine=0", [xp])
case("instance_norm3d c=1 affine=1", [xp])
case("instance_norm3d c=1 affine=0 unbatched", [xp[0]])
case("instance_norm3d c=1 affine=0 bad rank", [xp[0, 0]])
case("instance_norm1d c=3 affine=0", [seq((2, 3, 7))])
case("instance_norm1d c=3 affine=1", [seq((2, 3, 7))])
case("instance_norm1d c=3 affine=0 unbatched", [seq((3, 7))])
case("instance_norm1d c=3 affine=0 bad rank", [seq((2, 3, 7, 2))])
case("instance_norm1d c=3 affine=1 wrong channels", [seq((2, 4, 7))])

REWRITE = {
    "expected scalar type Double but found Float":
        "Input type (torch.DoubleTensor) and weight type (torch.FloatTensor) should be the same",
    "pad should be at most half of kernel size, but got pad=2 and kernel_size=2":
        "pad should be at most half of effective kernel size, but got pad=2, kernel_size=2 and dilation=1",
    # 2.x's _InstanceNorm.forward checks the channels of an affine layer first (1.13 reached batch_norm's weight check)
    "weight should contain 8 elements not 6": "expected input's size at dim=1 to match num_features (3), but got: 4.",
}

for name, inputs in CASES:
    print("=== " + name)
    ins = []
    for i, t in enumerate(inputs):
        t = t.detach().clone()
        if t.is_floating_point():
            t.requires_grad_(True)
        ins.append(t)
        print("in%d %s" % (i, fmt_tensor(t)))
    try:
        out = run(name, ins)
    except Exception as e:
        msg = str(e).split("\n")[0]
        kind = "ValueError" if msg.startswith("weight should contain") else type(e).__name__
        print("error %s %s" % (kind, REWRITE.get(msg, msg)))
        continue
    print("out " + fmt_tensor(out))
    print("fn " + (type(out.grad_fn).__name__ if out.grad_fn is not None else "None"))
    if out.requires_grad:
        (out * weights(out.shape).to(out.dtype)).sum().backward()
        for i, t in enumerate(ins):
            if t.requires_grad:
                print("grad%d %s" % (i, "none" if t.grad is None else fmt_tensor(t.grad)))
