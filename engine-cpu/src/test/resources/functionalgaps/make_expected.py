# Writes expected.txt and modules.txt for FunctionalGapsTest.java (nn.functional gaps, session 20 helper 4):
# avg_pool2d/avg_pool3d divisor_override and integer inputs, lp_pool1d/2d with an int norm, max_unpool3d,
# channel_shuffle, pdist, gumbel_softmax (with fixed gumbel noise), triplet_margin_with_distance_loss and
# fractional_max_pool2d/3d (with fixed _random_samples).
# Run: /usr/bin/python3 make_expected.py   (PyTorch 1.13 CPU; writes both files beside this script)
#
# Each case of expected.txt (read by ReferenceCases): "=== <op> key=value ...", the inputs "in<i> <dtype> [shape] :
# values" (floating inputs require grad), then "out ...", "fn <grad_fn>", "grad<i> ..." (d sum(out * w) / d in<i>,
# w[k] = 1 + 0.5 * ((3k) mod 11)), or "error <Type> <message>". The key=value pairs are the op's arguments; the Java
# test reads them from the name. "t=1" transposes the last two dimensions of the floating input(s) first (a
# non-contiguous input).
#
# 2.x notes (1.13 differs; the file holds 2.x's behaviour):
# - channel_shuffle: 1.13's node is NotImplemented (no backward); 2.x records ChannelShuffleBackward0 with
#   channel_shuffle(grad, C / groups). Its gradients are computed here through the equivalent view/permute chain and
#   its node written as 2.x's. (Its <=2-D message, "channel_shuffle expects input with > 2 dims", is the same in 2.x;
#   this script once rewrote it, which round 8 of the fuzz found wrong.)
# - triplet_margin_with_distance_loss: 1.13's functional.py clamps (pos - neg + margin) with torch.clamp (ClampBackward1)
#   and has no checks; 2.x computes clamp_min(margin + pos - neg, 0) after checking the reduction, the margin and the
#   ranks. The function below is 2.x's body.
# - avg_pool2d: 2.x's pooling_output_shape says "pad should be at most half of effective kernel size, but got pad=2,
#   kernel_size=2 and dilation=1" (1.13: "... half of kernel size, but got pad=2 and kernel_size=2").
# - max_unpool3d: 2.x closes the parenthesis of "Found an invalid max index" (1.13 did not).
# - fractional_max_pool: 2.x checks _random_samples (fractional_max_pool_check_shape; 1.13 reads out of bounds); those
#   messages are 2.x's, written here by hand.
import math
import torch
import torch.nn as nn
import torch.nn.functional as F

D = torch.float64


def seq(shape, dtype=D, shift=0, scale=0.25):
    n = 1
    for s in shape:
        n *= s
    return torch.tensor([((7 * k + shift) % 19 - 9) * scale for k in range(n)], dtype=D).reshape(shape).to(dtype)


def distinct(shape, dtype=D, shift=0):
    # distinct values (no ties in a max pool window): a permutation of 0..n-1, scaled
    n = 1
    for s in shape:
        n *= s
    return torch.tensor([((37 * k + shift) % n - n / 2) / 8 for k in range(n)], dtype=D).reshape(shape).to(dtype)


def ints(shape, dtype=torch.int64, shift=0):
    n = 1
    for s in shape:
        n *= s
    return torch.tensor([(5 * k + shift) % 23 - 11 for k in range(n)], dtype=torch.int64).reshape(shape).to(dtype)


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


def tr(a, t):
    return a.transpose(-1, -2) if t else a


# ---- avg_pool2d with divisor_override
x4 = seq((2, 2, 5, 6))
for k, s, p, ceil, cip, div in [(2, 2, 0, 0, 1, 3), (3, 2, 1, 0, 1, 5), (3, 2, 1, 1, 0, 2), ((2, 3), (1, 2), (1, 1), 1, 1, 7),
                                (2, 1, 1, 0, 0, -2)]:
    ks = ",".join(map(str, k)) if isinstance(k, tuple) else str(k)
    ss = ",".join(map(str, s)) if isinstance(s, tuple) else str(s)
    ps = ",".join(map(str, p)) if isinstance(p, tuple) else str(p)
    name = "avg_pool2d k=%s s=%s p=%s ceil=%d cip=%d div=%d" % (ks, ss, ps, ceil, cip, div)
    f = (lambda a, k=k, s=s, p=p, ceil=ceil, cip=cip, div=div, t=0:
         F.avg_pool2d(tr(a[0], t), k, s, p, bool(ceil), bool(cip), div))
    case(name, [x4], f)
    case(name + " dt=float32", [x4.float()], f)
    case(name + " dt=int64", [ints((2, 2, 5, 6))], f)
case("avg_pool2d k=2 s=2 p=0 ceil=0 cip=1 div=3 unbatched", [seq((3, 4, 5))],
     lambda a: F.avg_pool2d(a[0], 2, 2, 0, False, True, 3))
case("avg_pool2d k=2 s=1 p=1 ceil=1 cip=1 div=4 t=1", [seq((2, 2, 5, 4))],
     lambda a: F.avg_pool2d(tr(a[0], 1), 2, 1, 1, True, True, 4))
case("avg_pool2d k=2 s=2 p=0 ceil=0 cip=1 div=3 empty", [seq((0, 3, 4, 4))],
     lambda a: F.avg_pool2d(a[0], 2, 2, 0, False, True, 3))
case("avg_pool2d k=2 s=2 p=0 ceil=0 cip=1 div=0", [x4], lambda a: F.avg_pool2d(a[0], 2, 2, 0, False, True, 0))
case("avg_pool2d k=2 s=2 p=0 ceil=0 cip=1 div=2 int32", [ints((1, 2, 4, 4), torch.int32)],
     lambda a: F.avg_pool2d(a[0], 2, 2, 0, False, True, 2))
case("avg_pool2d k=2 s=2 p=2 ceil=0 cip=1 div=2 badpad", [x4], lambda a: F.avg_pool2d(a[0], 2, 2, 2, False, True, 2))

# ---- avg_pool3d: integer inputs other than int64 are refused; divisor_override on int64
x5i = ints((1, 2, 4, 4, 4))
for dt in (torch.int32, torch.int16, torch.int8, torch.uint8):
    case("avg_pool3d k=2 s=2 p=0 ceil=0 cip=1 dt=%s" % str(dt).replace("torch.", ""), [x5i.abs().to(dt)],
         lambda a: F.avg_pool3d(a[0], 2))
case("avg_pool3d k=2 s=1 p=1 ceil=0 cip=1 div=3 dt=int64", [x5i], lambda a: F.avg_pool3d(a[0], 2, 1, 1, False, True, 3))
case("avg_pool3d k=2 s=2 p=0 ceil=0 cip=1 div=0", [seq((1, 2, 4, 4, 4))], lambda a: F.avg_pool3d(a[0], 2, divisor_override=0))

# ---- lp_pool1d / lp_pool2d with an int norm type (n=) or a float one (nf=)
for norm in (2, 1, 3):
    case("lp_pool1d n=%d k=2 s=2 ceil=0 dt=int64" % norm, [ints((2, 3, 7)).abs()], lambda a, n=norm: F.lp_pool1d(a[0], n, 2))
    case("lp_pool1d n=%d k=3 s=2 ceil=1 dt=int64" % norm, [ints((2, 3, 8), shift=3)],
         lambda a, n=norm: F.lp_pool1d(a[0], n, 3, 2, True))
    case("lp_pool2d n=%d k=2 s=2 ceil=0 dt=int64" % norm, [ints((2, 2, 5, 4)).abs()], lambda a, n=norm: F.lp_pool2d(a[0], n, 2))
case("lp_pool2d n=2 k=2,3 s=1 ceil=0 dt=int64", [ints((1, 2, 4, 5), shift=2)], lambda a: F.lp_pool2d(a[0], 2, (2, 3), 1))
case("lp_pool1d nf=2.0 k=2 s=2 ceil=0 dt=int64", [ints((2, 3, 7)).abs()], lambda a: F.lp_pool1d(a[0], 2.0, 2))
case("lp_pool2d nf=2.0 k=2 s=2 ceil=0 dt=int64", [ints((2, 2, 5, 4)).abs()], lambda a: F.lp_pool2d(a[0], 2.0, 2))
case("lp_pool1d n=2 k=2 s=2 ceil=0", [seq((2, 3, 7), shift=1).abs() + 0.5], lambda a: F.lp_pool1d(a[0], 2, 2))
case("lp_pool2d n=3 k=2 s=2 ceil=0 dt=float32", [seq((2, 2, 4, 4), shift=1).abs().float() + 0.5],
     lambda a: F.lp_pool2d(a[0], 3, 2))
case("lp_pool1d n=2 k=2 s=2 ceil=0 dt=int32", [ints((2, 3, 7), torch.int32)], lambda a: F.lp_pool1d(a[0], 2, 2))
case("lp_pool2d n=2 k=2 s=2 ceil=0 dt=int32", [ints((2, 2, 4, 4), torch.int32)], lambda a: F.lp_pool2d(a[0], 2, 2))

# ---- lp_pool3d (PyTorch 2.2+, not in 1.13: 2.x's functional.py body over 1.13's avg_pool3d)
def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    kd, kw, kh = (kernel_size,) * 3 if isinstance(kernel_size, int) else kernel_size
    if stride is not None:
        out = F.avg_pool3d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    else:
        out = F.avg_pool3d(input.pow(norm_type), kernel_size, padding=0, ceil_mode=ceil_mode)
    return (torch.sign(out) * F.relu(torch.abs(out))).mul(kd * kw * kh).pow(1.0 / norm_type)


case("lp_pool3d nf=2.0 k=2", [seq((2, 2, 4, 5, 4), shift=1)], lambda a: lp_pool3d(a[0], 2.0, 2))
case("lp_pool3d nf=3.0 k=2,1,3 s=1,2,2 ceil=1", [seq((1, 2, 4, 5, 6), shift=2).abs() + 0.25],
     lambda a: lp_pool3d(a[0], 3.0, (2, 1, 3), (1, 2, 2), True))
case("lp_pool3d nf=2.0 k=2 dt=float32", [seq((2, 2, 4, 4, 4), shift=1).float()], lambda a: lp_pool3d(a[0], 2.0, 2))
case("lp_pool3d n=2 k=2 dt=int64", [ints((1, 2, 4, 4, 4))], lambda a: lp_pool3d(a[0], 2, 2))
case("lp_pool3d n=1 k=2 unbatched dt=int64", [ints((2, 4, 4, 4), shift=3)], lambda a: lp_pool3d(a[0], 1, 2))
case("lp_pool3d n=2 k=2 dt=int32", [ints((1, 2, 4, 4, 4), torch.int32)], lambda a: lp_pool3d(a[0], 2, 2))
case("lp_pool3d nf=2.0 k=2,2", [seq((1, 2, 4, 4, 4))], lambda a: lp_pool3d(a[0], 2.0, (2, 2)))

# ---- max_unpool3d
def pooled(shape, k, s=None, p=0, dtype=D, shift=0):
    v, i = F.max_pool3d(distinct(shape, D, shift), k, s, p, return_indices=True)
    return v.to(dtype), i


v, i = pooled((2, 2, 4, 6, 4), 2)
case("max_unpool3d k=2", [v, i], lambda a: F.max_unpool3d(a[0], a[1], 2))
case("max_unpool3d k=2 dt=float32", [v.float(), i], lambda a: F.max_unpool3d(a[0], a[1], 2))
case("max_unpool3d k=2 out=5,7,5", [v, i], lambda a: F.max_unpool3d(a[0], a[1], 2, output_size=(5, 7, 5)))
case("max_unpool3d k=2 out=2,2,5,7,5", [v, i], lambda a: F.max_unpool3d(a[0], a[1], 2, output_size=(2, 2, 5, 7, 5)))
v2, i2 = pooled((1, 2, 5, 5, 6), (3, 2, 2), (2, 1, 2), (1, 0, 1), shift=3)
case("max_unpool3d k=3,2,2 s=2,1,2 p=1,0,1", [v2, i2],
     lambda a: F.max_unpool3d(a[0], a[1], (3, 2, 2), (2, 1, 2), (1, 0, 1)))
vu, iu = pooled((2, 4, 4, 4), 2, shift=5)
case("max_unpool3d k=2 unbatched", [vu, iu], lambda a: F.max_unpool3d(a[0], a[1], 2))
# (a transposed input: 1.13's backward fails on it, "view size is not compatible"; FunctionalGapsTest compares Ember's
# result with its own on contiguous copies)
case("max_unpool3d k=2 empty", [torch.zeros(0, 2, 2, 3, 2, dtype=D), torch.zeros(0, 2, 2, 3, 2, dtype=torch.int64)],
     lambda a: F.max_unpool3d(a[0], a[1], 2))
case("max_unpool3d k=2 int32 indices", [v, i.int()], lambda a: F.max_unpool3d(a[0], a[1], 2))
case("max_unpool3d k=2 3d input", [v[0, 0], i[0, 0]], lambda a: F.max_unpool3d(a[0], a[1], 2))
case("max_unpool3d k=2 shape mismatch", [v, i[..., :1]], lambda a: F.max_unpool3d(a[0], a[1], 2))
case("max_unpool3d k=2 bad index", [v, i * 3], lambda a: F.max_unpool3d(a[0], a[1], 2))
case("max_unpool3d k=2 out=9,9,9", [v, i], lambda a: F.max_unpool3d(a[0], a[1], 2, output_size=(9, 9, 9)))
case("max_unpool3d k=2 out=4,6", [v, i], lambda a: F.max_unpool3d(a[0], a[1], 2, output_size=(4, 6)))
case("max_unpool3d k=2 s=0", [v, i], lambda a: F.max_unpool3d(a[0], a[1], 2, 0))
case("max_unpool3d k=2 long input", [ints((1, 2, 2, 3, 2)), i[:1]], lambda a: F.max_unpool3d(a[0], a[1], 2))


# ---- channel_shuffle (2.x: one node ChannelShuffleBackward0; see the notes)
def shuffle_chain(x, g):
    b, c = x.shape[0], x.shape[1]
    rest = 1
    for d in x.shape[2:]:
        rest *= d
    return x.reshape(b, g, c // g, rest).permute(0, 2, 1, 3).contiguous().reshape(x.shape)


for shape, g in [((2, 6, 3), 2), ((2, 6, 3), 3), ((1, 8, 2, 3), 4), ((2, 4, 2, 1, 2), 2), ((0, 6, 2), 3), ((2, 5, 3), 1)]:
    name = "channel_shuffle g=%d shape=%s" % (g, ",".join(map(str, shape)))
    case(name, [seq(shape)], lambda a, g=g: shuffle_chain(a[0], g))
    case(name + " dt=float32", [seq(shape).float()], lambda a, g=g: shuffle_chain(a[0], g))
case("channel_shuffle g=2 shape=2,4,3,2 t=1", [seq((2, 4, 3, 2))], lambda a: shuffle_chain(tr(a[0], 1), 2))
case("channel_shuffle g=2 dt=int64", [ints((2, 4, 3))], lambda a: F.channel_shuffle(a[0], 2))
case("channel_shuffle g=2 2d", [seq((2, 6))], lambda a: F.channel_shuffle(a[0], 2))
case("channel_shuffle g=0", [seq((2, 6, 3))], lambda a: F.channel_shuffle(a[0], 0))
case("channel_shuffle g=4", [seq((2, 6, 3))], lambda a: F.channel_shuffle(a[0], 4))

# ---- pdist
rows = seq((5, 3), shift=2)
rows_dup = torch.cat([rows[:2], rows[:1], rows[2:]])  # a repeated row: zero distances
for p in (2.0, 1.0, 0.5, 0.0, 3.0, 1.5, float("inf")):
    case("pdist p=%r" % p, [rows], lambda a, p=p: F.pdist(a[0], p))
    case("pdist p=%r dup" % p, [rows_dup], lambda a, p=p: F.pdist(a[0], p))
    case("pdist p=%r dt=float32" % p, [rows.float()], lambda a, p=p: F.pdist(a[0], p))
case("pdist p=2.0 t=1", [seq((3, 4), shift=5)], lambda a: F.pdist(tr(a[0], 1), 2.0))
case("pdist p=2.0 one row", [seq((1, 3))], lambda a: F.pdist(a[0], 2.0))
case("pdist p=2.0 no columns", [seq((4, 0))], lambda a: F.pdist(a[0], 2.0))
case("pdist p=2.0 1d", [seq((4,))], lambda a: F.pdist(a[0], 2.0))
case("pdist p=-1.0", [rows], lambda a: F.pdist(a[0], -1.0))
case("pdist p=2.0 dt=int64", [ints((4, 3))], lambda a: F.pdist(a[0], 2.0))


# ---- gumbel_softmax with the gumbel noise given (functional.py's body after the noise is drawn)
def gumbel_fixed(logits, gumbels, tau, hard, dim):
    y_soft = ((logits + gumbels) / tau).softmax(dim)
    if hard:
        index = y_soft.max(dim, keepdim=True)[1]
        y_hard = torch.zeros_like(logits, memory_format=torch.legacy_contiguous_format).scatter_(dim, index, 1.0)
        return y_hard - y_soft.detach() + y_soft
    return y_soft


lg = seq((3, 5), shift=1)
gn = -torch.empty(3, 5, dtype=D).exponential_(generator=torch.Generator().manual_seed(7)).log()
for tau, hard, dim in [(1.0, 0, -1), (0.5, 0, 0), (2.0, 1, -1), (1.0, 1, 0)]:
    name = "gumbel_softmax tau=%r hard=%d dim=%d" % (tau, hard, dim)
    case(name, [lg, gn], lambda a, tau=tau, hard=hard, dim=dim: gumbel_fixed(a[0], a[1], tau, bool(hard), dim))
    case(name + " dt=float32", [lg.float(), gn.float()],
         lambda a, tau=tau, hard=hard, dim=dim: gumbel_fixed(a[0], a[1], tau, bool(hard), dim))


# ---- triplet_margin_with_distance_loss (2.x's body)
def tmwdl(anchor, positive, negative, distance_function=None, margin=1.0, swap=False, reduction="mean"):
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    a_dim = anchor.ndim
    p_dim = positive.ndim
    n_dim = negative.ndim
    if not (a_dim == p_dim and p_dim == n_dim):
        raise RuntimeError(
            f"The anchor, positive, and negative tensors are expected to have "
            f"the same number of dimensions, but got: anchor {a_dim}D, "
            f"positive {p_dim}D, and negative {n_dim}D inputs")
    if distance_function is None:
        distance_function = torch.pairwise_distance
    dist_pos = distance_function(anchor, positive)
    dist_neg = distance_function(anchor, negative)
    if swap:
        dist_swap = distance_function(positive, negative)
        dist_neg = torch.minimum(dist_neg, dist_swap)
    loss = torch.clamp_min(margin + dist_pos - dist_neg, 0)
    if reduction == "sum":
        return torch.sum(loss)
    elif reduction == "mean":
        return torch.mean(loss)
    return loss


def l1dist(x, y):
    return (x - y).abs().sum(-1)


an, po, ne = seq((4, 5), shift=1), seq((4, 5), shift=4, scale=0.3), seq((4, 5), shift=9, scale=0.2)
for dist in ("pairwise", "l1"):
    for margin, swap, red in ((1.0, 0, "mean"), (0.5, 1, "sum"), (3.0, 0, "none"), (1.0, 1, "none"), (0.5, 0, "mean")):
        if True:
            if True:
                name = "tmwdl dist=%s margin=%r swap=%d red=%s" % (dist, margin, swap, red)
                f = (lambda a, d=dist, m=margin, sw=swap, r=red:
                     tmwdl(a[0], a[1], a[2], None if d == "pairwise" else l1dist, m, bool(sw), r))
                case(name, [an, po, ne], f)
case("tmwdl dist=pairwise margin=1.0 swap=1 red=mean dt=float32", [an.float(), po.float(), ne.float()],
     lambda a: tmwdl(a[0], a[1], a[2], None, 1.0, True, "mean"))
case("tmwdl dist=pairwise margin=1.0 swap=0 red=none 1d", [an[0], po[0], ne[0]],
     lambda a: tmwdl(a[0], a[1], a[2], None, 1.0, False, "none"))
case("tmwdl dist=pairwise margin=1.0 swap=0 red=avg", [an, po, ne], lambda a: tmwdl(a[0], a[1], a[2], None, 1.0, False, "avg"))
case("tmwdl dist=pairwise margin=0.0 swap=0 red=mean", [an, po, ne], lambda a: tmwdl(a[0], a[1], a[2], None, 0.0, False, "mean"))
case("tmwdl dist=pairwise margin=-1.5 swap=0 red=mean", [an, po, ne], lambda a: tmwdl(a[0], a[1], a[2], None, -1.5, False, "mean"))
case("tmwdl dist=pairwise margin=1.0 swap=0 red=mean rank", [an, po, ne[0]], lambda a: tmwdl(a[0], a[1], a[2]))


# ---- fractional max pooling with _random_samples given (the op's fourth input, non-differentiable)
def frac2(a, k, out=None, ratio=None, idx=False):
    r = F.fractional_max_pool2d(a[0], k, output_size=out, output_ratio=ratio, return_indices=True, _random_samples=a[1])
    return r[1] if idx else r[0]


def frac3(a, k, out=None, ratio=None, idx=False):
    r = F.fractional_max_pool3d(a[0], k, output_size=out, output_ratio=ratio, return_indices=True, _random_samples=a[1])
    return r[1] if idx else r[0]


gen = torch.Generator().manual_seed(3)
s2 = torch.rand(2, 2, 2, generator=gen, dtype=D)
s2[0, 0] = torch.tensor([0.0, 0.999])
s2[1, 1] = torch.tensor([0.5, 0.25])
s3 = torch.rand(2, 1, 3, generator=gen, dtype=D)
xf2 = distinct((2, 2, 6, 7))
for k, out, ratio in [((2, 2), (3, 4), None), ((3, 2), None, (0.5, 0.5)), ((2, 3), (1, 5), None), ((1, 1), (6, 7), None),
                      ((2, 2), (5, 6), None)]:
    name = "fmp2d k=%s %s" % (",".join(map(str, k)), "out=" + ",".join(map(str, out)) if out else
                                "ratio=" + ",".join(map(str, ratio)))
    f = lambda a, k=k, out=out, ratio=ratio: frac2(a, k, out, ratio)
    case(name, [xf2, s2], f)
    case(name + " dt=float32", [xf2.float(), s2.float()], f)
    case(name + " idx", [xf2, s2], lambda a, k=k, out=out, ratio=ratio: frac2(a, k, out, ratio, True))
case("fmp2d k=2,2 out=3,4 unbatched", [distinct((2, 6, 7), shift=2), s2[:1]], lambda a: frac2(a, (2, 2), (3, 4)))
case("fmp2d k=2,2 out=3,4 ties", [seq((2, 2, 6, 7)), s2], lambda a: frac2(a, (2, 2), (3, 4)))
case("fmp2d k=2,2 out=3,4 t=1", [distinct((2, 2, 7, 6), shift=1), s2], lambda a: frac2([tr(a[0], 1), a[1]], (2, 2), (3, 4)))
xn = distinct((1, 2, 5, 5))
xn[0, 1, 2, 2] = float("nan")
xn[0, 1, 0, 0] = float("nan")
case("fmp2d k=2,2 out=3,3 nan", [xn, s2[:1]], lambda a: frac2(a, (2, 2), (3, 3)))
case("fmp2d k=2,2 out=3,3 nan idx", [xn, s2[:1]], lambda a: frac2(a, (2, 2), (3, 3), None, True))
case("fmp2d k=3,3 out=6,4 too large", [xf2, s2], lambda a: frac2(a, (3, 3), (6, 4)))
case("fmp2d k=2,2 out=3,9 too wide", [xf2, s2], lambda a: frac2(a, (2, 2), (3, 9)))
case("fmp2d k=2,2 out=3,4 2d input", [xf2[0, 0], s2], lambda a: frac2(a, (2, 2), (3, 4)))
case("fmp2d k=2,2 out=3,4 empty plane", [torch.zeros(1, 2, 0, 4, dtype=D), s2], lambda a: frac2(a, (2, 2), (3, 4)))
case("fmp2d k=2,2 out=3,4 long", [ints((2, 2, 6, 7)), s2.long()], lambda a: frac2(a, (2, 2), (3, 4)))
case("fmp2d k=2,2,2 out=3,4 kernel", [xf2, s2], lambda a: frac2(a, (2, 2, 2), (3, 4)))
case("fmp2d k=2,2 out=3,4,5 outsize", [xf2, s2], lambda a: frac2(a, (2, 2), (3, 4, 5)))
case("fmp2d k=2,2 none", [xf2, s2], lambda a: frac2(a, (2, 2)))
# 2.x's fractional_max_pool_check_shape (1.13 has none): messages written by hand
for name, samples, msg in [("samples dtype", s2.float(), "Expect _random_samples to have the same dtype as input"),
                           ("samples 2d", s2[0], "Expect _random_samples to have 3 dimensions, got 2"),
                           ("samples batch", s2[:1], "Expect _random_samples.size(0) no less then input batch size."),
                           ("samples channels", s3, "Expect _random_samples.size(1) equals to input channel size."),
                           ("samples last", torch.rand(2, 2, 3, generator=torch.Generator().manual_seed(11), dtype=D),
                            "Expect _random_samples.size(2) equals to 2; got 3.")]:
    CASES.append(("fmp2d k=2,2 out=3,4 " + name, [xf2, samples], ("RuntimeError", msg)))

xf3 = distinct((2, 1, 4, 5, 5))
for k, out, ratio in [((2, 2, 2), (2, 3, 3), None), ((2, 3, 2), None, (0.5, 0.5, 0.6)), ((1, 2, 3), (3, 3, 2), None)]:
    name = "fmp3d k=%s %s" % (",".join(map(str, k)), "out=" + ",".join(map(str, out)) if out else
                                "ratio=" + ",".join(map(str, ratio)))
    f = lambda a, k=k, out=out, ratio=ratio: frac3(a, k, out, ratio)
    case(name, [xf3, s3], f)
    case(name + " dt=float32", [xf3.float(), s3.float()], f)
    case(name + " idx", [xf3, s3], lambda a, k=k, out=out, ratio=ratio: frac3(a, k, out, ratio, True))
case("fmp3d k=2,2,2 out=2,3,3 unbatched", [distinct((1, 4, 5, 5), shift=3), s3[:1]], lambda a: frac3(a, (2, 2, 2), (2, 3, 3)))
case("fmp3d k=2,2,2 out=4,3,4 too large", [xf3, s3], lambda a: frac3(a, (2, 2, 2), (4, 3, 4)))
case("fmp3d k=2,2,2 out=2,3,3 3d input", [xf3[0, 0], s3], lambda a: frac3(a, (2, 2, 2), (2, 3, 3)))
case("fmp3d k=2,2,2 out=2,3,3 long", [ints((2, 1, 4, 5, 5)), s3.long()], lambda a: frac3(a, (2, 2, 2), (2, 3, 3)))
case("fmp3d k=2,2 out=2,3,3 kernel", [xf3, s3], lambda a: frac3(a, (2, 2), (2, 3, 3)))
# 2.x's functional.py refuses more than two ratios (1.13 used the first two): its text
CASES.append(("fmp2d k=2,2 ratio=0.5,0.5,0.5", [xf2, s2],
              ("ValueError", "fractional_max_pool2d requires output_ratio to either be a single Int or tuple of Ints.")))
case("fmp3d k=2,2,2 ratio=0.5,0.5", [xf3, s3], lambda a: frac3(a, (2, 2, 2), None, (0.5, 0.5)))
case("fmp2d k=2,2 out=3,4 samples grad", [xf2, s2], lambda a: frac2(a, (2, 2), (3, 4)))
CASES.append(("fmp3d k=2,2,2 out=2,3,3 samples last", [xf3, torch.rand(2, 1, 2, generator=torch.Generator().manual_seed(12),
                                                                       dtype=D)],
              ("RuntimeError", "Expect _random_samples.size(2) equals to 3; got 2.")))


def run(name, inputs, fn):
    ins = [t.clone().requires_grad_(t.is_floating_point()) for t in inputs]
    if name.startswith("fmp") and not name.endswith("samples grad"):
        # _random_samples is not differentiable (PyTorch refuses one that requires grad): the Java test detaches it
        ins[1].requires_grad_(False)
    lines = ["in%d %s" % (i, fmt_tensor(t)) for i, t in enumerate(inputs)]
    if isinstance(fn, tuple):
        return lines + ["error %s %s" % fn]
    try:
        out = fn(ins)
    except Exception as e:
        msg = str(e).strip().split("\n")[0]
        if name.startswith("max_unpool3d") and msg.startswith("Found an invalid max index") and not msg.endswith(")"):
            msg += ")"  # 2.x's text
        if msg.startswith("pad should be at most half of kernel size"):
            # 2.x's pooling_output_shape names the effective kernel size and the dilation
            msg = msg.replace("half of kernel size", "half of effective kernel size").replace(" and kernel_size=",
                                                                                             ", kernel_size=")
            msg += " and dilation=1"
        return lines + ["error %s %s" % (type(e).__name__, msg)]
    lines.append("out " + fmt_tensor(out))
    fn_name = out.grad_fn.name() if out.grad_fn is not None else "None"
    if name.startswith("channel_shuffle") and out.requires_grad:
        fn_name = "ChannelShuffleBackward0"  # 2.x's one node
    lines.append("fn " + fn_name)
    if out.requires_grad:
        (out * weights(out.shape).to(out.dtype)).sum().backward()
        for i, t in enumerate(ins):
            if t.requires_grad:
                lines.append("grad%d %s" % (i, fmt_tensor(t.grad) if t.grad is not None else "none"))
    return lines


MODULES = [
    ("AvgPool2d divisor", nn.AvgPool2d(2, divisor_override=3)),
    ("AvgPool2d full", nn.AvgPool2d((2, 3), (1, 2), 1, True, False, 5)),
    ("MaxUnpool3d 2", nn.MaxUnpool3d(2)),
    ("MaxUnpool3d full", nn.MaxUnpool3d((2, 1, 3), 1, (0, 0, 1))),
    ("ChannelShuffle 3", nn.ChannelShuffle(3)),
    ("TripletMarginWithDistanceLoss default", nn.TripletMarginWithDistanceLoss()),
    ("TripletMarginWithDistanceLoss l1", nn.TripletMarginWithDistanceLoss(distance_function=l1dist, margin=0.5)),
    ("FractionalMaxPool2d size", nn.FractionalMaxPool2d(3, output_size=2)),
    ("FractionalMaxPool3d ratio", nn.FractionalMaxPool3d(2, output_ratio=0.5)),
    ("LPPool2d int", nn.LPPool2d(2, 3)),
]
# nn.LPPool3d (2.2+) prints as _LPPoolNd.extra_repr, as LPPool2d does
LPPOOL3D = [("LPPool3d int", repr(nn.LPPool2d(2, 3)).replace("LPPool2d", "LPPool3d")),
            ("LPPool3d float", repr(nn.LPPool2d(1.5, (2, 1, 3), (1, 2, 2), True)).replace("LPPool2d", "LPPool3d"))]

MODULE_ERRORS = []
for name, f in [("FractionalMaxPool2d none", lambda: nn.FractionalMaxPool2d(2)),
                ("FractionalMaxPool2d both", lambda: nn.FractionalMaxPool2d(2, output_size=2, output_ratio=0.5)),
                ("FractionalMaxPool2d ratio 1.5", lambda: nn.FractionalMaxPool2d(2, output_ratio=1.5)),
                ("FractionalMaxPool3d ratio 0,0.5,0.5", lambda: nn.FractionalMaxPool3d(2, output_ratio=(0.0, 0.5, 0.5))),
                ]:
    try:
        f()
        MODULE_ERRORS.append((name, "no error"))
    except Exception as e:
        MODULE_ERRORS.append((name, str(e)))

# 2.x's TripletMarginWithDistanceLoss refuses a margin that is not positive (1.13 did not): 2.x's text
MODULE_ERRORS.append(("TripletMarginWithDistanceLoss margin 0.0",
                      "TripletMarginWithDistanceLoss: expected margin to be greater than 0, got 0.0 instead"))

if __name__ == "__main__":
    import os
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "expected.txt"), "w") as f:
        for name, inputs, fn in CASES:
            f.write("=== " + name + "\n")
            for line in run(name, inputs, fn):
                f.write(line + "\n")
    with open(os.path.join(here, "modules.txt"), "w") as f:
        for name, m in MODULES:
            f.write("repr %s\t%s\n" % (name, repr(m).replace("\n", "\\n")))
            f.write("keys %s\t%s\n" % (name, ",".join(m.state_dict().keys())))
        for name, r in LPPOOL3D:
            f.write("repr %s\t%s\n" % (name, r))
            f.write("keys %s\t\n" % name)
        for name, msg in MODULE_ERRORS:
            f.write("error %s\t%s\n" % (name, msg))
