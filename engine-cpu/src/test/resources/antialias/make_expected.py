"""Expected values for AntialiasTest: F.interpolate(..., antialias=True), bilinear and bicubic.

Run with /usr/bin/python3 (PyTorch 1.13): python3 make_expected.py > expected.txt
Format: ReferenceCases' (=== name, in0, out, fn, grad0 of sum(out * w), or error). The name carries the call:
`<mode> size=<h>,<w>` or `<mode> scale=<sh>,<sw>` (one value per spatial axis), then `align=<true|false|none>` and
`recompute=<true|false|none>`, then `as=<dtype>` where the input is cast to a half type first (ReferenceCases reads
half values as float64), then a case number.

Where PyTorch 2.x differs from 1.13, the 2.x value is written (with the reason):
- node names: 1.13 records the .vec overload (UpsampleBilinear2DAaBackward1); 2.x decomposes it, so the node is
  UpsampleBilinear2DAaBackward0 (and Bicubic likewise).
- an axis whose size a scale factor keeps (e.g. 5 * 1.1 -> 5): 2.x's separable kernel copies that axis, 1.13
  resampled it with the 1/1.1 weights. Its 2.x value is 1.13's with a scale of 1.0 on that axis (identity weights);
  the gradient written is the transpose of that forward (Ember's; 2.x's own backward uses the 1/1.1 weights there,
  which is not the derivative of its forward).
- the refusal of another mode or rank: 2.x's message ("Anti-alias option is restricted to bilinear and bicubic
  modes and requires a 4-D tensor as input"; 1.13 said "is only supported for bilinear and bicubic modes").
- half and integer input: 2.x's kernel name in the message, "compute_index_ranges_weights" (1.13:
  "compute_indices_weights_aa").
"""
import torch
import torch.nn.functional as F

torch.manual_seed(25)


def fmt(t):
    t = t.detach()
    vals = ", ".join(repr(float(v)) for v in t.reshape(-1).tolist())
    return "%s %s : [%s]" % (str(t.dtype).replace("torch.", ""), list(t.shape), vals)


def weights(shape, dtype):
    n = 1
    for s in shape:
        n *= s
    w = torch.tensor([1 + 0.5 * ((3 * k) % 11) for k in range(n)], dtype=torch.float64)
    return w.reshape(shape).to(dtype)


def name(mode, size, scale, align, recompute, k, cast):
    call = "size=" + ",".join(map(str, size)) if size else "scale=" + ",".join(map(repr, scale))
    a = "none" if align is None else str(align).lower()
    r = "none" if recompute is None else str(recompute).lower()
    return "%s %s align=%s recompute=%s%s #%d" % (mode, call, a, r, " as=" + cast if cast else "", k)


count = 0


def case(x, mode, size=None, scale=None, align=False, recompute=None, ref_scale=None):
    if mode not in ("bilinear", "bicubic", "linear", "trilinear"):
        align = None
    """ref_scale: the scale 1.13 is run with where 2.x's value needs another (see the module note)."""
    global count
    count += 1
    cast = {torch.float16: "float16", torch.bfloat16: "bfloat16"}.get(x.dtype)
    print("=== " + name(mode, size, scale, align, recompute, count, cast))
    print("in0", fmt(x))
    xi = x.detach().clone().requires_grad_(x.dtype.is_floating_point)
    kw = dict(mode=mode, antialias=True, align_corners=align, recompute_scale_factor=recompute)
    try:
        if size:
            out = F.interpolate(xi, size=size, **kw)
        else:
            out = F.interpolate(xi, scale_factor=ref_scale or scale, **kw)
    except Exception as e:  # noqa: BLE001
        msg = str(e)
        msg = msg.replace("Anti-alias option is only supported for bilinear and bicubic modes",
                          "Anti-alias option is restricted to bilinear and bicubic modes and requires a 4-D tensor as input")
        msg = msg.replace("compute_indices_weights_aa", "compute_index_ranges_weights")
        print("error", type(e).__name__, msg)
        return
    print("out", fmt(out))
    print("fn", type(out.grad_fn).__name__.replace("AaBackward1", "AaBackward0"))
    (out * weights(out.shape, out.dtype)).sum().backward()
    print("grad0", fmt(xi.grad))


D, S = torch.float64, torch.float32
for mode in ("bilinear", "bicubic"):
    for dtype in (D, S):
        x = torch.randn(2, 3, 9, 13, dtype=dtype)
        case(x, mode, size=(4, 5))                       # shrink about 2.3x and 2.6x
        case(x, mode, size=(3, 13))                      # height only (width kept: no pass)
        case(x, mode, size=(9, 4))                       # width only
        case(x, mode, size=(2, 2))
        case(x, mode, size=(1, 1))                       # one sample: the whole axis under the filter
        case(x, mode, size=(12, 20))                     # enlarge: the plain filter, a = -0.5 for bicubic
        case(x, mode, size=(5, 26))                      # shrink one axis, enlarge the other
        case(x, mode, size=(4, 5), align=True)           # align_corners changes the scale only
        case(x, mode, size=(1, 7), align=True)
        case(x, mode, scale=(0.4, 0.3))                  # the kernel uses 1/scale
        case(x, mode, scale=(0.4, 0.3), recompute=True)  # the kernel uses in/out
        case(x, mode, scale=(0.5, 1.5))
        case(x, mode, scale=(1.1, 0.5), ref_scale=(1.0, 0.5))  # 9 * 1.1 -> 9: 2.x copies that axis
    big = torch.randn(1, 2, 40, 31, dtype=D)
    case(big, mode, size=(7, 3))                         # wide windows (about 6x and 10x)
    case(big.float(), mode, size=(7, 3))
    case(torch.randn(3, 1, 1, 8, dtype=D), mode, size=(1, 3))
    case(torch.randn(0, 2, 6, 6, dtype=D), mode, size=(3, 3))  # empty batch
    inf = torch.randn(1, 1, 6, 12, dtype=D)
    inf[0, 0, 0, 0] = float("inf")                       # outside most windows: only theirs turn inf or NaN
    case(inf, mode, size=(3, 4))
    case(torch.randn(1, 1, 6, 6, dtype=torch.float16), mode, size=(3, 3))
    case(torch.randn(1, 1, 6, 6, dtype=torch.bfloat16), mode, size=(3, 3))
    case(torch.arange(36, dtype=torch.int64).reshape(1, 1, 6, 6), mode, size=(3, 3))
    case(torch.randn(1, 2, 6, 6, dtype=D), mode, size=(0, 3))
for mode in ("nearest", "bilinear", "area", "nearest-exact"):
    case(torch.randn(1, 1, 6, 6, dtype=D), mode, size=(3, 3)) if mode != "bilinear" else None
case(torch.randn(1, 2, 6, dtype=D), "linear", size=None, scale=(0.5,))
case(torch.randn(1, 1, 4, 6, 6, dtype=D), "trilinear", scale=(0.5, 0.5, 0.5))
case(torch.randn(1, 2, 6, dtype=D), "bilinear", scale=(0.5,))
