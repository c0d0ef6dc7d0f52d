# Writes expected.txt for Pool1dTest.java: F.max_pool1d (with and without indices), F.avg_pool1d,
# F.adaptive_avg_pool1d, F.adaptive_max_pool1d, F.max_unpool1d, F.lp_pool1d, F.lp_pool2d, F.conv_transpose1d,
# F.local_response_norm and the padding modules, against PyTorch.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13 CPU)
#
# Each case: "=== name", the inputs "in<i> <dtype> [shape] : values" (floating inputs require grad), then
# "out <dtype> [shape] : values", "fn <grad_fn>", "chain <the whole graph of nodes>" (each node's name, then its
# next_functions in parentheses, None entries left out), "grad<i> ..." (d sum(out * w) / d in<i>,
# w[k] = 1 + 0.5 * ((3k) mod 11)), or "error <Type> <message>".
# A case name is the op and its arguments as key=value words, which Pool1dTest parses.
#
# PyTorch 2.x notes (Ember follows 2.x; the messages below are written as 2.x's):
# - F.max_pool1d without indices checks first, in 2.x's MaxPooling.cpp, "max_pool1d: Expected 2D or 3D (batch mode)
#   tensor with optional 0 dim batch size for input, but got:[...]", then check_max_pool1d's "max_pool1d() ..." words;
#   1.13 skipped those checks for an input that requires grad and gave the 2-D kernel's words.
# - 2-D pooling's padding check (pooling_output_shape) in 2.x: "pad should be at most half of effective kernel size,
#   but got pad=2, kernel_size=2 and dilation=1" (1.13: "pad should be at most half of kernel size, ...").
# - circular padding: 1.13 composes it in Python (a tree of CopySlices and SliceBackward0 nodes); 2.x's native
#   _pad_circular records another tree, so those cases carry no "chain" line.
# - F.local_response_norm's rank error is 2.x's f-string (1.13's string held its source's continuation spaces).
import torch
import torch.nn as nn
import torch.nn.functional as F

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


def node_name(fn):
    # PyTorch names these two torch::autograd::CopySlices and torch::autograd::AccumulateGrad (Ember: the bare names)
    return "None" if fn is None else fn.name().replace("torch::autograd::", "")


def chain(fn):
    if fn is None:
        return "None"
    kids = [chain(f) for f, _ in fn.next_functions if f is not None]
    return node_name(fn) + ("(" + ", ".join(kids) + ")" if kids else "")


CASES = []
ERR = {}


def case(name, inputs, fn, error=None):
    CASES.append((name, inputs, fn))
    if error is not None:
        ERR[name] = error


def kw(**a):
    return " ".join("%s=%s" % (k, v) for k, v in a.items())


# ---- max_pool1d / avg_pool1d: batched and unbatched, float64 and float32, padding, dilation, ceil_mode
POOL = [dict(k=3, s=3, p=0, d=1, c=0), dict(k=3, s=2, p=1, d=1, c=0), dict(k=2, s=2, p=0, d=2, c=1),
        dict(k=4, s=3, p=2, d=1, c=1), dict(k=3, s=1, p=1, d=2, c=0), dict(k=2, s=3, p=1, d=1, c=1)]
for shape, tag in (((2, 3, 9), "batched"), ((3, 8), "unbatched")):
    for a in POOL:
        for dt in (D, torch.float32) if tag == "batched" else (D,):
            sfx = "%s %s" % (tag, str(dt).replace("torch.", ""))
            case("max_pool1d %s %s" % (kw(**a), sfx), [seq(shape, dt)],
                 lambda t, a=a: F.max_pool1d(t[0], a["k"], a["s"], a["p"], a["d"], ceil_mode=bool(a["c"])))
            if dt == D:
                case("max_pool1d_values %s %s" % (kw(**a), sfx), [seq(shape, dt)],
                     lambda t, a=a: F.max_pool1d(t[0], a["k"], a["s"], a["p"], a["d"], ceil_mode=bool(a["c"]), return_indices=True)[0])
                case("max_pool1d_indices %s %s" % (kw(**a), sfx), [seq(shape, dt).detach()],
                     lambda t, a=a: F.max_pool1d(t[0].detach(), a["k"], a["s"], a["p"], a["d"], ceil_mode=bool(a["c"]), return_indices=True)[1])
            if a["d"] == 1 and a["p"] * 2 <= a["k"]:
                for cip in (1, 0):
                    b = dict(k=a["k"], s=a["s"], p=a["p"], c=a["c"], i=cip)
                    case("avg_pool1d %s %s" % (kw(**b), sfx), [seq(shape, dt)],
                         lambda t, b=b: F.avg_pool1d(t[0], b["k"], b["s"], b["p"], bool(b["c"]), bool(b["i"])))
# ties: the first maximum wins; -inf padding never wins
case("max_pool1d k=3 s=1 p=1 d=1 c=0 ties", [torch.tensor([[[1.0, 1.0, 1.0, 2.0, 2.0, -3.0, -3.0]]], dtype=D)],
     lambda t: F.max_pool1d(t[0], 3, 1, 1, 1))
case("max_pool1d_indices k=3 s=1 p=1 d=1 c=0 ties", [torch.tensor([[[1.0, 1.0, 1.0, 2.0, 2.0, -3.0, -3.0]]], dtype=D)],
     lambda t: F.max_pool1d(t[0].detach(), 3, 1, 1, 1, return_indices=True)[1])
# empty batch
case("max_pool1d k=2 s=2 p=0 d=1 c=0 empty batch", [seq((0, 3, 6))], lambda t: F.max_pool1d(t[0], 2))
case("avg_pool1d k=2 s=2 p=0 c=0 i=1 empty batch", [seq((0, 3, 6))], lambda t: F.avg_pool1d(t[0], 2))
# errors
x3 = seq((2, 3, 5))
case("max_pool1d k=2 s=2 p=0 d=1 c=0 rank4", [seq((1, 2, 3, 4))], lambda t: F.max_pool1d(t[0], 2),
     "RuntimeError max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for input, but got:[1, 2, 3, 4]")
case("max_pool1d k=2 s=2 p=0 d=1 c=0 rank1", [seq((5,))], lambda t: F.max_pool1d(t[0], 2),
     "RuntimeError max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for input, but got:[5]")
case("max_pool1d k=2 s=2 p=0 d=1 c=0 empty length", [seq((2, 3, 0))], lambda t: F.max_pool1d(t[0], 2),
     "RuntimeError max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for input, but got:[2, 3, 0]")
case("max_pool1d k=6 s=6 p=0 d=1 c=0 kernel too large", [x3], lambda t: F.max_pool1d(t[0], 6),
     "RuntimeError max_pool1d() Invalid computed output size: 0")
case("max_pool1d k=0 s=1 p=0 d=1 c=0 zero kernel", [x3], lambda t: F.max_pool1d(t[0], 0, 1),
     "RuntimeError max_pool1d() kernel_size must be greater than zero, but got 0")
case("max_pool1d k=2 s=0 p=0 d=1 c=0 zero stride", [x3], lambda t: F.max_pool1d(t[0], 2, 0),
     "RuntimeError max_pool1d() stride must be greater than zero, but got 0")
case("max_pool1d k=2 s=2 p=2 d=1 c=0 bad padding", [x3], lambda t: F.max_pool1d(t[0], 2, 2, 2),
     "RuntimeError max_pool1d() padding should be at most half of kernel size, but got padding=2 and kernel_size=2")
case("max_pool1d k=2 s=2 p=-1 d=1 c=0 negative padding", [x3], lambda t: F.max_pool1d(t[0], 2, 2, -1),
     "RuntimeError max_pool1d() padding must be non-negative, but got -1")
case("max_pool1d k=2 s=2 p=0 d=0 c=0 zero dilation", [x3], lambda t: F.max_pool1d(t[0], 2, 2, 0, 0),
     "RuntimeError max_pool1d() dilation must be greater than zero, but got 0")
case("max_pool1d_values k=2 s=2 p=0 d=1 c=0 rank4", [seq((1, 2, 3, 4))], lambda t: F.max_pool1d(t[0], 2, return_indices=True)[0])
case("max_pool1d_values k=6 s=6 p=0 d=1 c=0 kernel too large", [x3], lambda t: F.max_pool1d(t[0], 6, return_indices=True)[0])
case("max_pool1d_values k=2 s=2 p=2 d=1 c=0 bad padding", [x3], lambda t: F.max_pool1d(t[0], 2, 2, 2, return_indices=True)[0],
     "RuntimeError pad should be at most half of effective kernel size, but got pad=2, kernel_size=2 and dilation=1")
L = torch.arange(12).reshape(2, 6)
case("max_pool1d k=2 s=2 p=0 d=1 c=0 int64", [L], lambda t: F.max_pool1d(t[0], 2))
case("max_pool1d_values k=2 s=2 p=0 d=1 c=0 int64", [L], lambda t: F.max_pool1d(t[0], 2, return_indices=True)[0])
case("adaptive_avg_pool1d o=2 int64", [L], lambda t: F.adaptive_avg_pool1d(t[0], 2))
case("adaptive_max_pool1d o=2 int64", [L], lambda t: F.adaptive_max_pool1d(t[0], 2))
case("avg_pool1d k=6 s=6 p=0 c=0 i=1 kernel too large", [x3], lambda t: F.avg_pool1d(t[0], 6))
case("avg_pool1d k=2 s=2 p=2 c=0 i=1 bad padding", [x3], lambda t: F.avg_pool1d(t[0], 2, 2, 2),
     "RuntimeError pad should be at most half of effective kernel size, but got pad=2, kernel_size=2 and dilation=1")
case("avg_pool1d k=2 s=2 p=0 c=0 i=1 rank4", [seq((1, 2, 3, 4))], lambda t: F.avg_pool1d(t[0], 2))
case("avg_pool1d k=2 s=2 p=0 c=0 i=1 rank1", [seq((4,))], lambda t: F.avg_pool1d(t[0], 2))

# ---- 2-D pooling of an unbatched (3-D) input: one node, as PyTorch's kernels take 3-D input (1-D pooling of a
# [C, L] input reaches them so)
for dt in (D, torch.float32):
    sfx = str(dt).replace("torch.", "")
    case("max_pool2d k=3 s=2 p=1 unbatched %s" % sfx, [seq((3, 7, 6), dt)], lambda t: F.max_pool2d(t[0], 3, 2, 1))
    case("avg_pool2d k=3 s=2 p=1 unbatched %s" % sfx, [seq((3, 7, 6), dt)], lambda t: F.avg_pool2d(t[0], 3, 2, 1))

# ---- adaptive pooling: output smaller, equal, larger than the input; 1 (a mean)
for shape, tag in (((2, 3, 7), "batched"), ((3, 5), "unbatched")):
    for o in (3, 1, 5, 9):
        for dt in (D, torch.float32) if tag == "batched" else (D,):
            sfx = "%s %s" % (tag, str(dt).replace("torch.", ""))
            case("adaptive_avg_pool1d o=%d %s" % (o, sfx), [seq(shape, dt)], lambda t, o=o: F.adaptive_avg_pool1d(t[0], o))
            case("adaptive_max_pool1d o=%d %s" % (o, sfx), [seq(shape, dt)], lambda t, o=o: F.adaptive_max_pool1d(t[0], o))
        case("adaptive_max_pool1d_indices o=%d %s" % (o, tag), [seq(shape).detach()],
             lambda t, o=o: F.adaptive_max_pool1d(t[0].detach(), o, return_indices=True)[1])
case("adaptive_avg_pool1d o=2 empty batch", [seq((0, 3, 4))], lambda t: F.adaptive_avg_pool1d(t[0], 2))
case("adaptive_max_pool1d o=2 empty batch", [seq((0, 3, 4))], lambda t: F.adaptive_max_pool1d(t[0], 2))
case("adaptive_avg_pool1d o=2 rank4", [seq((1, 2, 3, 4))], lambda t: F.adaptive_avg_pool1d(t[0], 2))
case("adaptive_max_pool1d o=2 rank1", [seq((4,))], lambda t: F.adaptive_max_pool1d(t[0], 2))
case("adaptive_max_pool1d o=2 empty length", [seq((2, 3, 0))], lambda t: F.adaptive_max_pool1d(t[0], 2),
     "RuntimeError adaptive_max_pool1d(): Expected input to have non-zero size for non-batch dimensions, but input has sizes [2, 3, 0] with dimension 2 being empty")
case("adaptive_avg_pool1d o=-1 negative", [seq((2, 3, 4))], lambda t: F.adaptive_avg_pool1d(t[0], -1))

# ---- max_unpool1d over max_pool1d's indices
for shape, tag in (((2, 3, 8), "batched"), ((3, 7), "unbatched")):
    for (k, s, p, osz) in ((2, 2, 0, None), (3, 2, 1, None), (2, 2, 0, 9), (3, 2, 1, 8)):
        base = seq(shape)
        v, i = F.max_pool1d(base, k, s, p, return_indices=True)
        name = "max_unpool1d k=%d s=%d p=%d o=%s %s" % (k, s, p, "none" if osz is None else osz, tag)
        case(name, [v.detach().clone(), i], lambda t, k=k, s=s, p=p, o=osz: F.max_unpool1d(t[0], t[1], k, s, p, None if o is None else (o,)))
        case(name + " float32", [v.detach().float(), i], lambda t, k=k, s=s, p=p, o=osz: F.max_unpool1d(t[0], t[1], k, s, p, None if o is None else (o,)))
v, i = F.max_pool1d(seq((2, 3, 8)), 2, return_indices=True)
case("max_unpool1d k=2 s=2 p=0 o=20 bad size", [v.detach().clone(), i], lambda t: F.max_unpool1d(t[0], t[1], 2, 2, 0, (20,)))
case("max_unpool1d k=2 s=2 p=0 o=none index mismatch", [v.detach().clone(), i[:, :, :3]], lambda t: F.max_unpool1d(t[0], t[1], 2))

# ---- lp pooling
for p in (2.0, 1.0, 3.0, 1.5):
    for (k, s, c) in ((3, 3, 0), (2, 1, 0), (3, 2, 1)):
        for dt in ((D, torch.float32) if p in (2.0, 1.5) else (D,)):
            xin = seq((2, 3, 8), dt, shift=3) if p != 1.5 else seq((2, 3, 8), dt, shift=3).abs() + 0.25
            case("lp_pool1d n=%s k=%d s=%d c=%d %s" % (p, k, s, c, str(dt).replace("torch.", "")), [xin],
                 lambda t, p=p, k=k, s=s, c=c: F.lp_pool1d(t[0], p, k, s, bool(c)))
case("lp_pool1d n=2.0 k=2 s=2 c=0 unbatched", [seq((3, 6))], lambda t: F.lp_pool1d(t[0], 2.0, 2))
# a window of zeros: PyTorch's gradient is NaN there (0 * inf), as Ember's
case("lp_pool1d n=2.0 k=2 s=2 c=0 zeros", [torch.tensor([[[0.0, 0.0, 1.0, -2.0]]], dtype=D)], lambda t: F.lp_pool1d(t[0], 2.0, 2))
for p in (2.0, 1.0, 3.0):
    for (kh, kw_, sh, sw, c) in ((2, 2, 2, 2, 0), (3, 2, 1, 2, 0), (2, 3, 2, 1, 1)):
        for dt in ((D, torch.float32) if p == 2.0 else (D,)):
            case("lp_pool2d n=%s kh=%d kw=%d sh=%d sw=%d c=%d %s" % (p, kh, kw_, sh, sw, c, str(dt).replace("torch.", "")),
                 [seq((1, 2, 5, 6), dt, shift=5)], lambda t, p=p, kh=kh, kw_=kw_, sh=sh, sw=sw, c=c:
                 F.lp_pool2d(t[0], p, (kh, kw_), (sh, sw), bool(c)))
case("lp_pool2d n=2.0 kh=2 kw=2 sh=0 sw=0 c=0 unbatched", [seq((2, 4, 4))], lambda t: F.lp_pool2d(t[0], 2.0, 2))

# ---- conv_transpose1d
CT = [dict(s=1, p=0, op=0, g=1, d=1), dict(s=2, p=1, op=1, g=1, d=1), dict(s=3, p=2, op=0, g=2, d=2),
      dict(s=2, p=0, op=1, g=2, d=1)]
for a in CT:
    cin, cout = 4, 6
    for bias in (1, 0):
        for shape, tag in (((2, cin, 5), "batched"), ((cin, 5), "unbatched")) if bias else (((2, cin, 5), "batched"),):
            for dt in ((D, torch.float32) if bias and tag == "batched" else (D,)):
                ins = [seq(shape, dt), seq((cin, cout // a["g"], 3), dt, shift=4, scale=0.125)]
                if bias:
                    ins.append(seq((cout,), dt, shift=2))
                case("conv_transpose1d %s b=%d %s %s" % (kw(**a), bias, tag, str(dt).replace("torch.", "")), ins,
                     lambda t, a=a: F.conv_transpose1d(t[0], t[1], t[2] if len(t) > 2 else None, a["s"], a["p"], a["op"], a["g"], a["d"]))
case("conv_transpose1d s=1 p=0 op=0 g=1 d=1 b=1 empty batch", [seq((0, 4, 5)), seq((4, 6, 3)), seq((6,))],
     lambda t: F.conv_transpose1d(t[0], t[1], t[2]))
case("conv_transpose1d s=1 p=0 op=0 g=1 d=1 b=0 rank4", [seq((1, 4, 5, 2)), seq((4, 6, 3))], lambda t: F.conv_transpose1d(t[0], t[1]))
case("conv_transpose1d s=1 p=0 op=0 g=1 d=1 b=0 channels", [seq((2, 3, 5)), seq((4, 6, 3))], lambda t: F.conv_transpose1d(t[0], t[1]))
case("conv_transpose1d s=2 p=0 op=2 g=1 d=1 b=0 output padding", [seq((2, 4, 5)), seq((4, 6, 3))],
     lambda t: F.conv_transpose1d(t[0], t[1], None, 2, 0, 2))
case("conv_transpose1d s=1 p=3 op=0 g=1 d=1 b=0 too small", [seq((2, 4, 2)), seq((4, 6, 3))],
     lambda t: F.conv_transpose1d(t[0], t[1], None, 1, 3))
case("conv_transpose1d s=1 p=0 op=0 g=1 d=1 b=1 bias size", [seq((2, 4, 5)), seq((4, 6, 3)), seq((5,))],
     lambda t: F.conv_transpose1d(t[0], t[1], t[2]))
case("conv_transpose1d s=1 p=0 op=0 g=3 d=1 b=0 groups", [seq((2, 4, 5)), seq((4, 6, 3))],
     lambda t: F.conv_transpose1d(t[0], t[1], None, 1, 0, 0, 3))
case("conv_transpose1d s=1 p=-1 op=0 g=1 d=1 b=0 negative padding", [seq((2, 4, 5)), seq((4, 6, 3))],
     lambda t: F.conv_transpose1d(t[0], t[1], None, 1, -1))
case("conv_transpose1d s=1 p=0 op=0 g=1 d=1 b=0 weight rank", [seq((2, 4, 5)), seq((4, 6, 3, 1))], lambda t: F.conv_transpose1d(t[0], t[1]))

# ---- local_response_norm: 3-D (avg_pool2d) and 4-D, 5-D (avg_pool3d)
for shape in ((2, 5, 3), (1, 5, 2, 3), (1, 4, 2, 2, 2)):
    for (size, al, be, k) in ((3, 1e-4, 0.75, 1.0), (2, 0.5, 0.5, 2.0), (4, 1.5, 1.25, 0.5), (1, 0.3, 0.6, 1.0)):
        for dt in ((D, torch.float32) if size == 2 else (D,)):
            case("local_response_norm size=%d alpha=%r beta=%r k=%r rank%d %s" % (size, al, be, k, len(shape), str(dt).replace("torch.", "")),
                 [seq(shape, dt)], lambda t, size=size, al=al, be=be, k=k: F.local_response_norm(t[0], size, al, be, k))
case("local_response_norm size=2 alpha=0.0001 beta=0.75 k=1.0 rank2", [seq((5, 3))], lambda t: F.local_response_norm(t[0], 2),
     "ValueError Expected 3D or higher dimensionality input (got 2 dimensions)")
for shape in ((2, 3, 4), (1, 3, 2, 2)):
    for size in (0, 9):
        case("local_response_norm size=%d alpha=0.0001 beta=0.75 k=1.0 rank%d" % (size, len(shape)), [seq(shape)],
             lambda t, size=size: F.local_response_norm(t[0], size))
case("lp_pool1d n=2.0 k=5 s=5 c=0 kernel too large", [seq((2, 3, 4))], lambda t: F.lp_pool1d(t[0], 2.0, 5))
case("local_response_norm size=2 alpha=0.0001 beta=0.75 k=1.0 empty", [seq((0, 3, 4))],
     lambda t: F.local_response_norm(t[0], 2))

# ---- padding modules (PyTorch 2.x's ZeroPad1d/3d and CircularPad*d are F.pad in 'constant' and 'circular' mode)
PADS = [("ZeroPad1d", (2, 1), "constant", (2, 3, 5)), ("ZeroPad2d", (1, 2, 0, 1), "constant", (2, 3, 4)),
        ("ZeroPad3d", (1, 0, 1, 2, 0, 1), "constant", (1, 1, 2, 3, 2)),
        ("ConstantPad1d", (2, 0), "constant", (3, 5)), ("ConstantPad2d", (1, 1, 2, 0), "constant", (1, 2, 3, 3)),
        ("ConstantPad3d", (1, 1, 0, 1, 1, 0), "constant", (2, 2, 3, 2)),
        ("ReflectionPad1d", (2, 1), "reflect", (2, 3, 5)), ("ReflectionPad1d", (1, 3), "reflect", (3, 5)), ("ReflectionPad2d", (1, 2, 2, 0), "reflect", (1, 2, 3, 4)),
        ("ReflectionPad3d", (1, 1, 1, 0, 1, 1), "reflect", (1, 1, 3, 3, 2)),
        ("ReplicationPad1d", (3, 1), "replicate", (2, 3, 4)), ("ReplicationPad2d", (2, 1, 0, 2), "replicate", (1, 2, 3, 4)),
        ("ReplicationPad3d", (1, 2, 0, 1, 1, 1), "replicate", (1, 1, 2, 3, 2)),
        ("CircularPad1d", (2, 1), "circular", (2, 3, 5)), ("CircularPad2d", (1, 2, 2, 0), "circular", (1, 2, 3, 4)),
        ("CircularPad3d", (1, 1, 1, 0, 1, 1), "circular", (1, 1, 3, 3, 2))]
for (cls, pad, mode, shape) in PADS:
    for dt in (D, torch.float32):
        value = 2.5 if cls.startswith("Constant") else 0.0
        case("pad_module %s pad=%s %s" % (cls, ",".join(str(v) for v in pad), str(dt).replace("torch.", "")), [seq(shape, dt)],
             lambda t, pad=pad, mode=mode, value=value: F.pad(t[0], pad, mode, value) if mode == "constant" else F.pad(t[0], pad, mode))


def run(name, inputs, fn):
    ins = [t.clone().requires_grad_(t.is_floating_point()) for t in inputs]
    lines = ["in%d %s" % (i, fmt_tensor(t)) for i, t in enumerate(inputs)]
    try:
        out = fn(ins)
    except Exception as e:
        msg = ERR.get(name)
        if msg is None:
            msg = "%s %s" % (type(e).__name__, str(e).strip().split("\n")[0])
        return lines + ["error " + msg]
    if name in ERR:
        return lines + ["error " + ERR[name]]  # 2.x refuses what 1.13 ran (see the notes above)
    lines.append("out " + fmt_tensor(out))
    lines.append("fn " + node_name(out.grad_fn))
    if "CircularPad" not in name:
        lines.append("chain " + chain(out.grad_fn))
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
