# Differential fuzz round 40 for DifferentialFuzzR40Test.java: seeded single calls of RESAMPLING and the SPATIAL OPS
# at their corners, run in PyTorch with every result recorded; FuzzR40Interpreter.java replays each in Ember.
#   run: cd engine-cpu/src/test/resources/differentialfuzzr40 && /usr/bin/python3 make_cases.py > cases.txt
#   (PyTorch 1.13 CPU; seed 40, every draw seeded, so a second run writes the same bytes)
#   the fixes' cases (FuzzRound40FixesTest): FUZZ_FIXES=1 /usr/bin/python3 make_cases.py > fixes.txt
#   a local hunt: FUZZ_SEED=<s> FUZZ_N=<n> /usr/bin/python3 make_cases.py > /tmp/hunt.txt, then the test with
#   -Dember.fuzz40.file=/tmp/hunt.txt (inside -Dember.test.argLine); FUZZ_N scales the number of cases per family,
#   FUZZ_BIG=<k> draws spatial sizes up to k larger (other kernel paths: vector lanes, thread chunks)
#
# Families (each case one call; an input is now and then channels-last (4-D: channels_last, 5-D: channels_last_3d),
# unbatched where PyTorch takes it, or has a zero-size batch):
#   interp      F.interpolate: nearest, nearest-exact, area (3-D to 5-D), linear (3-D), bilinear / bicubic (4-D),
#               trilinear (5-D); size (one int or one per dim) or scale_factor (one or per dim; non-integer, below 1),
#               align_corners True / False / None for the linear modes, recompute_scale_factor None / True / False
#   interpaa    F.interpolate(antialias=True), bilinear and bicubic, 4-D: downscales (sizes and scales), upscales,
#               align_corners
#   upsample    nn.Upsample(size | scale_factor, mode, align_corners, recompute_scale_factor) called once, and its repr
#   interpu8    F.interpolate of a uint8 input, nearest and nearest-exact (3-D to 5-D)
#   gridsample  F.grid_sample, 4-D (bilinear, nearest, bicubic) and 5-D (bilinear, nearest); padding zeros / border /
#               reflection; align_corners; grid points exactly on the borders (+-1), on pixel centres and on the
#               half-pixel edges, outside, far outside, NaN now and then
#   affinegrid  F.affine_grid, 2-D and 3-D, align_corners; theta's gradient
#   pad         F.pad: constant (negative pads crop, a value), reflect, replicate, circular over the last 1..3 dims,
#               negative pads in every mode, batched and unbatched ranks
#   shuffle     F.pixel_shuffle / F.pixel_unshuffle over 3-D to 5-D inputs (none, one or two batch dims), factor 1..3;
#               F.channel_shuffle over 3-D to 5-D inputs
#   fold        F.unfold (4-D or unbatched 3-D) and F.fold (3-D or unbatched 2-D): kernel, dilation, padding, stride
#   refuse      sizes / scales giving no output, the wrong number of sizes, size and scale both or neither,
#               align_corners with nearest, a mode on the wrong rank, antialias outside bilinear / bicubic 4-D, grid
#               and input shapes that do not fit, bicubic 5-D, affine_grid's shapes, pads too large for reflect, odd
#               pad lists, circular wrapping twice, pixel (un)shuffle's divisibility, fold's block count,
#               channel_shuffle's groups: PyTorch's message, every input unchanged
# A float64 case records the result and the gradients of sum(out * g) (g a seeded upstream) for every float64 input
# (the grid and theta too); a float32 case records the result only (tolerance 1e-5 * its "tol" factor); uint8 exactly.
#
# 1.13 and 2.x (Ember follows 2.x; the generator writes 2.x's answer where they differ):
# - F.pad with mode circular of an unbatched input: 1.13 refuses ("Invalid padding size, expected 0 but got 2"), 2.x's
#   _pad_circular_symint pads it as a batch of one: the generator runs the batch of one and drops the batch dim.
# - F.pad (pad_2x): 2.x's _pad_enum refuses a long pad list as "Padding length should be less than or equal to two
#   times the input dimension but got padding length 8 and input of dimension 3" (1.13: "Padding length too large");
#   constant_pad_nd crops with narrow first, whose negative length 2.x refuses as "narrow(): length must be
#   non-negative." (1.13: "start (0) + length (-1) exceeds dimension size (1)." or "Dimension out of range ...");
#   reflect / replicate refuse an empty non-batch dimension (2.x's padding::check_valid_input: "Expected 2D or 3D (batch
#   mode) tensor with possibly 0 batch size and other non-zero dimensions for input, but got: [0, 5]"; 1.13 pads it);
#   replicate's too-small output is "input (W: 3) is too small. Calculated output W: 0" (1.13: "2input (W: 3)is too
#   small", MSG_2X).
# - F.grid_sample of a 5-D input in nearest mode (grid_sample_2x): 2.x's grid_sampler_3d rounds the source index with
#   std::nearbyint (half to even, as the 2-D kernels), 1.13's with std::round (half away from zero): the generator
#   samples as 2.x (the grid's gradient zero, the input's the upstream gradient scattered).
# - F.channel_shuffle's gradient: 2.x's ChannelShuffleBackward0 is channel_shuffle(grad, C / groups); 1.13 has none
#   ("derivative for channel_shuffle is not implemented").
# - F.pixel_shuffle / pixel_unshuffle of an empty input: 2.x's result has the computed shape, 1.13's CPU kernel returns
#   the input's shape (its backward then refuses): the generator runs 2.x's reshape / permute composition.
# - F.interpolate(antialias=True) (interpolate_2x): 2.x refuses another mode or rank with "Anti-alias option is
#   restricted to bilinear and bicubic modes and requires a 4-D tensor as input" (1.13: "Anti-alias option is only
#   supported for bilinear and bicubic modes"); 2.x's separable kernel leaves an axis whose size does not change as it
#   is (1.13 resamples it with the scale factor's weights). 2.x's backward resamples that axis anyway (not its
#   forward's derivative): the gradient written is the derivative of 2.x's forward, Ember's documented choice.
# - nn.Upsample's repr: 2.x's extra_repr prints repr() of the scale factor (or size) and of the mode ("mode='linear'";
#   1.13 prints the mode unquoted); 1.13's Upsample takes a per-dim scale as a tuple only (the generator passes tuples).
#
# Left out (PyTorch's behaviour there is undefined or a crash): NaN grid points with border / reflection padding (1.13's
# 2-D kernel indexes with the NaN and crashes; 2.x's vectorized forward clamps it to 0 while its backward and the 3-D
# kernel do not); circular pads whose negative pads make the wrap copies overlap (PyTorch copies between overlapping
# slices of its own output: the answer follows its copy kernel's order, or a refusal where both slices are dense).
#
# Format: "=== r40_<k> <family> <first input's dtype>", then lines by first word:
#   a <name> <tensor>   a tensor argument (r17's tensor lines "dtype [shape] : values")
#   rg <names>          the float64 arguments that require grad
#   cl <names>          these arguments are channels-last (4-D) or channels-last-3d (5-D): the same values
#   s <op> [k=v ...]    the call's other arguments (N None, True / False, numbers, lists "a,b")
#   err <message>       PyTorch refuses with this (first line); the arguments must be unchanged
#   o <tensor>          the result
#   rp <text>           a module's repr
#   g <tensor>          the upstream gradient
#   gerr <message>      PyTorch's backward refuses with this (first line)
#   gx <name> <tensor>  the gradient of the argument <name> ("gx <name> none": none reached it)
#   tol <factor>        the tolerance's factor
#
# Comparison: FuzzR31Interpreter.compare's (values within tol * factor * max(1, max |expected|), tol 1e-12 float64,
# 1e-5 float32; integers exactly; NaN where NaN, infinities in place).
import math
import os
import random
import re
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.simplefilter("ignore")
SEED = int(os.environ.get("FUZZ_SEED", "40"))
SCALE_N = float(os.environ.get("FUZZ_N", "1"))
BIG = int(os.environ.get("FUZZ_BIG", "0"))
R = random.Random(SEED)
torch.manual_seed(SEED)
torch.set_num_threads(1)
F64, F32, I64, U8 = torch.float64, torch.float32, torch.int64, torch.uint8


def num(v):
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return repr(v)


def tline(t):
    t = t.detach().clone()
    shape = ", ".join(str(s) for s in t.shape)
    if t.is_floating_point():
        body = " ".join(num(v) for v in t.to(F64).reshape(-1).tolist())
    else:
        body = " ".join(str(int(v)) for v in t.reshape(-1).tolist())
    return "%s [%s] : %s" % (str(t.dtype).replace("torch.", ""), shape, body)


def pv(v):
    if v is None:
        return "N"
    if isinstance(v, bool):
        return "True" if v else "False"
    if isinstance(v, float):
        return num(v)
    if isinstance(v, (list, tuple)):
        return ",".join(pv(x) for x in v) if v else "E"
    return str(v)


def numel(s):
    n = 1
    for k in s:
        n *= k
    return n


def ft(shape, dt=F64, lo=-2.0, hi=2.0):
    return torch.tensor([R.uniform(lo, hi) for _ in range(numel(shape))], dtype=F64).reshape(shape).to(dt)


def dtype():
    return F32 if R.random() < 0.25 else F64


def maybe_cl(t):
    return t.dim() in (4, 5) and R.random() < 0.3


def batch(allow_zero=True):
    return 0 if allow_zero and R.random() < 0.07 else R.randint(1, 2)


FAMILIES = {}


def family(name, weight):
    def reg(f):
        FAMILIES[name] = (f, weight)
        return f
    return reg


# every builder returns (args [(name, tensor, requires_grad, channels_last)], kw dict, fn(a) -> result)

SCALES = [0.5, 0.6, 0.75, 1.0, 1.3, 1.5, 2.0, 2.5, 3.0, 0.34, 1.0 / 3.0, 1.7, 2.9, 0.9]
MODE_RANKS = {"nearest": [3, 4, 5], "nearest-exact": [3, 4, 5], "area": [3, 4, 5], "linear": [3], "bilinear": [4],
              "bicubic": [4], "trilinear": [5]}
LINEAR = ("linear", "bilinear", "bicubic", "trilinear")


def size_or_scale(sp, lo_scale_ok=True):
    """(size, scale_factor, recompute_scale_factor): one of size / scale (each one value or one per dim)."""
    nd = len(sp)
    if R.random() < 0.45:
        if R.random() < 0.35:
            return R.randint(1, 6 + BIG), None, None
        return [R.randint(1, 6 + BIG) for _ in range(nd)], None, None
    if R.random() < 0.4:
        sc = R.choice(SCALES)
    else:
        sc = [R.choice(SCALES) for _ in range(nd)]
    # no scale that gives a zero output size here (the refusal family has those)
    scl = sc if isinstance(sc, list) else [sc] * nd
    for i in range(nd):
        if math.floor(sp[i] * scl[i]) < 1:
            scl[i] = R.choice([1.0, 1.5, 2.0])
    sc = scl if isinstance(sc, list) else scl[0] if len(set(scl)) == 1 else scl
    return None, sc, R.choice([None, None, True, False])


@family("interp", 40)
def _():
    mode = R.choice(["nearest", "nearest", "nearest-exact", "area", "linear", "bilinear", "bilinear", "bicubic",
                     "bicubic", "trilinear"])
    rank = R.choice(MODE_RANKS[mode])
    nd = rank - 2
    dt = dtype()
    sp = [R.randint(1, (6 if nd < 3 else 4) + BIG) for _ in range(nd)]
    xs = [batch(), R.randint(1, 2)] + sp
    x = ft(xs, dt)
    size, sc, rec = size_or_scale(sp)
    ac = R.choice([None, True, False]) if mode in LINEAR else None
    kw = {"mode": mode, "size": size, "scale_factor": sc, "align_corners": ac, "recompute_scale_factor": rec}
    return [("x", x, dt == F64, maybe_cl(x))], kw, \
        lambda a: interpolate_2x(a["x"], size, sc, mode, ac, rec)


@family("interpaa", 12)
def _():
    mode = R.choice(["bilinear", "bicubic"])
    dt = dtype()
    sp = [R.randint(1, 9 + BIG) for _ in range(2)]
    x = ft([batch(), R.randint(1, 2)] + sp, dt)
    r = R.random()
    if r < 0.5:
        size, sc, rec = [R.randint(1, max(1, s)) for s in sp], None, None
        if R.random() < 0.2:
            size = [R.randint(1, 12) for _ in sp]
    else:
        size, sc, rec = size_or_scale(sp)
    ac = R.choice([None, True, False])
    kw = {"mode": mode, "size": size, "scale_factor": sc, "align_corners": ac, "recompute_scale_factor": rec,
          "antialias": True}
    return [("x", x, dt == F64, maybe_cl(x))], kw, \
        lambda a: interpolate_2x(a["x"], size, sc, mode, ac, rec, True)


@family("upsample", 6)
def _():
    mode = R.choice(list(MODE_RANKS))
    if mode == "area":
        mode = "nearest"
    rank = R.choice(MODE_RANKS[mode])
    nd = rank - 2
    dt = dtype()
    sp = [R.randint(1, 5 + BIG) for _ in range(nd)]
    x = ft([batch(), R.randint(1, 2)] + sp, dt)
    size, sc, rec = size_or_scale(sp)
    ac = R.choice([None, True, False]) if mode in LINEAR else None
    kw = {"mode": mode, "size": size, "scale_factor": sc, "align_corners": ac, "recompute_scale_factor": rec,
          "per_dim": isinstance(size, list) or isinstance(sc, list)}

    def f(a):
        # per-dim sizes and scales as tuples (1.13's Upsample takes no list scale: float(list))
        m = nn.Upsample(tuple(size) if isinstance(size, list) else size,
                        tuple(sc) if isinstance(sc, list) else sc, mode, ac, rec)
        f.module = m
        return m(a["x"])
    return [("x", x, dt == F64, maybe_cl(x))], kw, f


def upsample_repr_2x(m):
    """2.x's Upsample.extra_repr: repr() of the scale factor (or size) and of the mode (1.13: str(), the mode
    unquoted)."""
    info = "scale_factor=%r" % (m.scale_factor,) if m.scale_factor is not None else "size=%r" % (m.size,)
    return "Upsample(%s, mode=%r)" % (info, m.mode)


@family("interpu8", 5)
def _():
    mode = R.choice(["nearest", "nearest-exact"])
    rank = R.choice([3, 4, 5])
    nd = rank - 2
    sp = [R.randint(1, 5 + BIG) for _ in range(nd)]
    xs = [batch(), R.randint(1, 3)] + sp
    x = torch.tensor([R.randint(0, 255) for _ in range(numel(xs))], dtype=U8).reshape(xs)
    size, sc, rec = size_or_scale(sp)
    kw = {"mode": mode, "size": size, "scale_factor": sc, "align_corners": None, "recompute_scale_factor": rec}
    return [("x", x, False, maybe_cl(x))], kw, lambda a: F.interpolate(a["x"], size, sc, mode, None, rec)


def grid_values(n, sizes, ac, nan):
    """n grid coordinates along dims of the given input sizes (x first): uniform, the borders, pixel centres, the
    half-pixel edges, outside, far outside, NaN."""
    out = []
    for i in range(n):
        s = sizes[i % len(sizes)]
        r = R.random()
        if r < 0.35:
            v = R.uniform(-1.3, 1.3)
        elif r < 0.5:
            v = R.choice([-1.0, 1.0, 0.0])
        elif r < 0.7:
            # a pixel centre: ac: -1 + 2 k / (s - 1); otherwise (2 k + 1) / s - 1
            k = R.randint(0, max(0, s - 1))
            v = (-1.0 + 2.0 * k / (s - 1) if s > 1 else 0.0) if ac else (2.0 * k + 1) / s - 1
        elif r < 0.8:
            # a pixel edge (half way between centres)
            k = R.randint(0, s)
            v = (-1.0 + (2.0 * k - 1) / (s - 1) if s > 1 else 0.5) if ac else 2.0 * k / s - 1
        elif r < 0.9:
            v = R.choice([-1.0, 1.0]) * R.uniform(1.0, 2.5)
        elif r < 0.95:
            v = R.choice([-7.3, 9.1, -25.0, 31.5])
        else:
            v = float("nan") if nan else R.uniform(-1, 1)
        out.append(v)
    return out


@family("gridsample", 24)
def _():
    nd = R.choice([2, 2, 3])
    mode = R.choice(["bilinear", "nearest", "bicubic"] if nd == 2 else ["bilinear", "nearest"])
    pm = R.choice(["zeros", "border", "reflection"])
    ac = R.random() < 0.5
    dt = dtype()
    n = batch()
    sp = [R.randint(1, (5 if nd == 2 else 3) + BIG) for _ in range(nd)]
    osp = [R.randint(1, 4 + BIG) for _ in range(nd)]
    x = ft([n, R.randint(1, 2)] + sp, dt)
    # NaN only with zeros padding: 1.13's border / reflection kernels index with the NaN (a crash), 2.x's vectorized
    # 2-D forward clamps it to 0 while its backward and the 3-D kernel do not (undefined there)
    nan = pm == "zeros" and R.random() < 0.2
    gs = [n] + osp + [nd]
    rev = list(reversed(sp))
    grid = torch.tensor(grid_values(numel(gs), rev, ac, nan), dtype=F64).reshape(gs).to(dt)
    kw = {"mode": mode, "padding_mode": pm, "align_corners": ac}
    return [("x", x, dt == F64, maybe_cl(x)), ("grid", grid, dt == F64, False)], kw, \
        lambda a: grid_sample_2x(a["x"], a["grid"], mode, pm, ac)


@family("affinegrid", 6)
def _():
    nd = R.choice([2, 3])
    dt = dtype()
    n = R.randint(1, 2)
    theta = ft([n, nd, nd + 1], dt)
    size = [n, R.randint(1, 3)] + [R.randint(1, 4 + BIG) for _ in range(nd)]
    ac = R.random() < 0.5
    kw = {"size": size, "align_corners": ac}
    return [("theta", theta, dt == F64, False)], kw, lambda a: F.affine_grid(a["theta"], size, ac)


@family("pad", 22)
def _():
    mode = R.choice(["constant", "constant", "reflect", "replicate", "circular"])
    k = R.randint(1, 3)
    dt = dtype()
    if mode == "constant":
        rank = R.randint(max(1, k), 5)
    else:
        rank = R.choice([k + 1, k + 2])
    shape = [R.randint(1, 3) for _ in range(rank - k)] + [R.randint(1, 5 + BIG) for _ in range(k)]
    if rank - k >= 1 and R.random() < 0.05:
        shape[0] = 0
    pads = []
    for i in range(k):
        s = shape[rank - 1 - i]
        for _ in range(2):
            if mode == "reflect":
                p = R.randint(-min(2, s - 1), s - 1)
            elif mode == "circular":
                p = R.randint(-min(2, s - 1), s)
            else:
                p = R.randint(-2, 3)
            pads.append(p)
    if mode != "constant" and R.random() < 0.7:
        pads = [max(0, p) for p in pads]
    # an output size below zero is a refusal of its own (the refusal family); a circular pad whose wrap copies overlap
    # (negative pads) is left out: PyTorch copies between overlapping slices of its output there, with an answer
    # that depends on its copy kernel's order (or a refusal where both slices are dense)
    for i in range(k):
        s = shape[rank - 1 - i]
        l, r = pads[2 * i], pads[2 * i + 1]
        o = s + l + r
        if o < (0 if mode == "constant" else 1) or (mode == "circular" and (
                (r > 0 and max(l, 0) + r > o - r) or (l > 0 and o - l - max(r, 0) < l))):
            pads[2 * i] = pads[2 * i + 1] = 0
    value = R.choice([0.0, 1.5, -2.0, float("nan")]) if mode == "constant" and R.random() < 0.5 else None
    x = ft(shape, dt)
    kw = {"pad": pads, "mode": mode, "value": value}

    def f(a):
        if mode == "circular" and rank == k + 1:
            # 1.13 refuses an unbatched circular pad; 2.x pads it as a batch of one
            return F.pad(a["x"].unsqueeze(0), pads, mode).squeeze(0)
        return pad_2x(a["x"], pads, mode, value)
    return [("x", x, dt == F64, maybe_cl(x))], kw, f


@family("shuffle", 10)
def _():
    op = R.choice(["pixel_shuffle", "pixel_unshuffle", "channel_shuffle"])
    dt = dtype()
    if op == "channel_shuffle":
        g = R.randint(1, 3)
        shape = [batch(), g * R.randint(1, 3)] + [R.randint(1, 3 + BIG) for _ in range(R.randint(1, 3))]
        x = ft(shape, dt)
        return [("x", x, dt == F64, maybe_cl(x))], {"op": op, "groups": g}, \
            lambda a: channel_shuffle_2x(a["x"], g)
    r = R.randint(1, 3)
    lead = [R.randint(1, 2) for _ in range(R.randint(0, 2))]
    if lead and R.random() < 0.1:
        lead[0] = 0
    if op == "pixel_shuffle":
        shape = lead + [r * r * R.randint(1, 2), R.randint(1, 3 + BIG), R.randint(1, 3 + BIG)]
        fn = lambda a: pixel_shuffle_2x(a["x"], r)  # noqa
    else:
        shape = lead + [R.randint(1, 2), r * R.randint(1, 3), r * R.randint(1, 2 + BIG)]
        fn = lambda a: pixel_unshuffle_2x(a["x"], r)  # noqa
    x = ft(shape, dt)
    return [("x", x, dt == F64, maybe_cl(x))], {"op": op, "factor": r}, fn


def pair(lo, hi):
    return R.randint(lo, hi) if R.random() < 0.4 else [R.randint(lo, hi), R.randint(lo, hi)]


def blocks(size, k, d, p, s):
    return [(size[i] + 2 * p[i] - d[i] * (k[i] - 1) - 1) // s[i] + 1 for i in range(2)]


@family("fold", 10)
def _():
    dt = dtype()
    k, d, p, s = pair(1, 3), pair(1, 2), pair(0, 2), pair(1, 3)
    kk, dd, pp, ss = [v if isinstance(v, list) else [v, v] for v in (k, d, p, s)]
    c = R.randint(1, 2)
    unbatched = R.random() < 0.2
    n = batch()
    # spatial sizes with at least one block
    size = [max(R.randint(1, 6 + BIG), dd[i] * (kk[i] - 1) + 1 - 2 * pp[i]) for i in range(2)]
    kw = {"kernel": k, "dilation": d, "padding": p, "stride": s}
    if R.random() < 0.5:
        shape = ([] if unbatched else [n]) + [c] + size
        x = ft(shape, dt)
        kw["op"] = "unfold"
        return [("x", x, dt == F64, maybe_cl(x))], kw, lambda a: F.unfold(a["x"], k, d, p, s)
    nb = blocks(size, kk, dd, pp, ss)
    shape = ([] if unbatched else [n]) + [c * kk[0] * kk[1], nb[0] * nb[1]]
    x = ft(shape, dt)
    osz = size if R.random() < 0.6 else size[0] if size[0] == size[1] else size
    kw["op"] = "fold"
    kw["output_size"] = osz
    return [("x", x, dt == F64, False)], kw, lambda a: F.fold(a["x"], osz, k, d, p, s)


@family("refuse", 14)
def _():
    kind = R.choice(["interp_zero_size", "interp_zero_scale", "interp_sizes", "interp_scales", "interp_both",
                     "interp_neither", "interp_align_nearest", "interp_mode_rank", "interp_rank", "interp_aa",
                     "interp_recompute_size", "grid_bicubic5d", "grid_last", "grid_batch", "grid_rank",
                     "grid_mode", "grid_padding", "affine_theta", "affine_size", "affine_batch", "pad_reflect",
                     "pad_odd", "pad_long", "pad_rank", "pad_circular", "pad_value", "pad_negative",
                     "pad_mode", "pshuffle_channels", "pshuffle_rank", "punshuffle_size", "fold_blocks",
                     "fold_channels", "unfold_rank", "unfold_kernel", "cshuffle_groups", "cshuffle_zero",
                     "cshuffle_rank"])
    x3, x4, x5 = ft([1, 2, 3]), ft([1, 2, 3, 3]), ft([1, 1, 2, 2, 2])
    if kind == "interp_zero_size":
        x = R.choice([x3, x4, x5])
        size = [R.randint(0, 2) for _ in range(x.dim() - 2)]
        size[R.randrange(len(size))] = 0
        mode = R.choice(["nearest", "nearest-exact", "area"] + [None, "linear", "bilinear", "trilinear"][x.dim() - 2:
                                                                                                        x.dim() - 1])
        kw = {"kind": kind, "mode": mode, "size": size, "scale_factor": None, "align_corners": None,
              "recompute_scale_factor": None}
        return [("x", x, True, False)], kw, lambda a: F.interpolate(a["x"], size, None, mode)
    if kind == "interp_zero_scale":
        x = R.choice([x3, x4, x5])
        mode = R.choice(["nearest", "nearest-exact", "area", ["linear", "bilinear", "trilinear"][x.dim() - 3]])
        sc = R.choice([0.2, 0.3, [1.0] * (x.dim() - 3) + [0.1]])
        rec = R.choice([None, True, False])
        kw = {"kind": kind, "mode": mode, "size": None, "scale_factor": sc, "align_corners": None,
              "recompute_scale_factor": rec}
        return [("x", x, True, False)], kw, lambda a: F.interpolate(a["x"], None, sc, mode, None, rec)
    if kind in ("interp_sizes", "interp_scales"):
        x = R.choice([x3, x4, x5])
        # a list of one would stand for every dim in Ember's int[] / double[] (PyTorch refuses it): two or three
        m = R.choice([n for n in range(2, 4) if n != x.dim() - 2])
        size = [2] * m if kind == "interp_sizes" else None
        sc = [1.5] * m if kind == "interp_scales" else None
        kw = {"kind": kind, "mode": "nearest", "size": size, "scale_factor": sc, "align_corners": None,
              "recompute_scale_factor": None}
        return [("x", x, True, False)], kw, lambda a: F.interpolate(a["x"], size, sc, "nearest")
    if kind in ("interp_both", "interp_neither", "interp_recompute_size"):
        size = None if kind == "interp_neither" else 2
        sc = 2.0 if kind == "interp_both" else None
        rec = True if kind == "interp_recompute_size" else None
        kw = {"kind": kind, "mode": "nearest", "size": size, "scale_factor": sc, "align_corners": None,
              "recompute_scale_factor": rec}
        return [("x", x4, True, False)], kw, lambda a: F.interpolate(a["x"], size, sc, "nearest", None, rec)
    if kind == "interp_align_nearest":
        mode = R.choice(["nearest", "nearest-exact", "area"])
        ac = R.choice([True, False])
        kw = {"kind": kind, "mode": mode, "size": 2, "scale_factor": None, "align_corners": ac,
              "recompute_scale_factor": None}
        return [("x", x4, True, False)], kw, lambda a: F.interpolate(a["x"], 2, None, mode, ac)
    if kind == "interp_mode_rank":
        mode = R.choice(["linear", "bilinear", "bicubic", "trilinear"])
        x = R.choice([t for t in (x3, x4, x5) if t.dim() not in MODE_RANKS[mode]])
        ac = R.choice([None, False])
        kw = {"kind": kind, "mode": mode, "size": 2, "scale_factor": None, "align_corners": ac,
              "recompute_scale_factor": None}
        return [("x", x, True, False)], kw, lambda a: F.interpolate(a["x"], 2, None, mode, ac)
    if kind == "interp_rank":
        mode = R.choice(list(MODE_RANKS))
        x = R.choice([ft([3]), ft([2, 3]), ft([1, 1, 1, 2, 2, 2])])
        kw = {"kind": kind, "mode": mode, "size": 2, "scale_factor": None, "align_corners": None,
              "recompute_scale_factor": None}
        return [("x", x, True, False)], kw, lambda a: F.interpolate(a["x"], 2, None, mode)
    if kind == "interp_aa":
        mode, x = R.choice([("nearest", x4), ("area", x4), ("linear", x3), ("trilinear", x5), ("bilinear", x5),
                            ("bicubic", x3)])
        kw = {"kind": kind, "mode": mode, "size": 2, "scale_factor": None, "align_corners": None,
              "recompute_scale_factor": None, "antialias": True}
        return [("x", x, True, False)], kw, lambda a: interpolate_2x(a["x"], 2, None, mode, None, None, True)
    if kind.startswith("grid_"):
        mode, pm = "bilinear", "zeros"
        x, g = x4, ft([1, 2, 2, 2], F64, -1, 1)
        if kind == "grid_bicubic5d":
            x, g, mode = x5, ft([1, 2, 2, 2, 3], F64, -1, 1), "bicubic"
        elif kind == "grid_last":
            g = ft([1, 2, 2, R.choice([1, 3])], F64, -1, 1)
        elif kind == "grid_batch":
            g = ft([2, 2, 2, 2], F64, -1, 1)
        elif kind == "grid_rank":
            x, g = R.choice([(x3, ft([1, 2, 2], F64, -1, 1)), (x4, ft([1, 2, 2, 2, 2], F64, -1, 1)),
                             (x5, ft([1, 2, 2, 3], F64, -1, 1))])
        elif kind == "grid_mode":
            mode = R.choice(["linear", "area", "cubic"])
        else:
            pm = R.choice(["reflect", "constant", "circular"])
        kw = {"kind": kind, "mode": mode, "padding_mode": pm, "align_corners": False}
        return [("x", x, True, False), ("grid", g, True, False)], kw, \
            lambda a: F.grid_sample(a["x"], a["grid"], mode, pm, False)
    if kind.startswith("affine_"):
        theta, size = ft([1, 2, 3]), [1, 1, 2, 2]
        if kind == "affine_theta":
            theta, size = R.choice([(ft([1, 3, 3]), [1, 1, 2, 2]), (ft([1, 2, 3]), [1, 1, 2, 2, 2]),
                                    (ft([2, 3]), [1, 1, 2, 2])])
        elif kind == "affine_size":
            size = R.choice([[1, 1, 2], [1, 1, 2, 2, 2, 2]])
        else:
            size = [2, 1, 2, 2]
        kw = {"kind": kind, "size": size, "align_corners": False}
        return [("theta", theta, True, False)], kw, lambda a: F.affine_grid(a["theta"], size, False)
    if kind.startswith("pad_"):
        mode, value = "constant", None
        x = ft([1, 2, 3])
        pads = [1, 1]
        if kind == "pad_reflect":
            mode = "reflect"
            pads = R.choice([[3, 0], [0, 3], [1, 4], [-4, 0]])
        elif kind == "pad_odd":
            mode = R.choice(["constant", "reflect"])
            pads = [1, 1, 1]
        elif kind == "pad_long":
            pads = [1] * 8
        elif kind == "pad_rank":
            mode = R.choice(["reflect", "replicate", "circular"])
            x, pads = R.choice([(ft([3]), [1, 1]), (ft([3, 3]), [1, 1, 1, 1, 1, 1]),
                                (ft([1, 1, 1, 2, 2, 2]), [1, 1]), (ft([2, 2, 2]), [1] * 8)])
        elif kind == "pad_circular":
            mode = "circular"
            pads = R.choice([[4, 0], [0, 4], [1, 5]])
        elif kind == "pad_value":
            mode = R.choice(["reflect", "replicate", "circular"])
            value = 1.0
        elif kind == "pad_negative":
            mode = R.choice(["constant", "reflect", "replicate", "circular"])
            pads = R.choice([[-2, -1], [-3, -1], [-2, -2]])
        else:
            mode = R.choice(["zeros", "edge", "wrap"])
        kw = {"kind": kind, "pad": pads, "mode": mode, "value": value}
        return [("x", x, True, False)], kw, lambda a: pad_2x(a["x"], pads, mode, value)
    if kind in ("pshuffle_channels", "pshuffle_rank", "punshuffle_size"):
        r = 2
        if kind == "pshuffle_channels":
            x, op = ft([1, R.choice([2, 3, 6]), 2, 2]), "pixel_shuffle"
        elif kind == "pshuffle_rank":
            x, op = ft([4, 2]), R.choice(["pixel_shuffle", "pixel_unshuffle"])
        else:
            x, op = ft([1, 1, R.choice([3, 2]), 3]), "pixel_unshuffle"
        fn = pixel_shuffle_2x if op == "pixel_shuffle" else pixel_unshuffle_2x
        return [("x", x, True, False)], {"kind": kind, "op": op, "factor": r}, lambda a: fn(a["x"], r)
    if kind.startswith("cshuffle"):
        x = ft([1, 4, 2])
        g = 3
        if kind == "cshuffle_zero":
            g = R.choice([0, -1])
        elif kind == "cshuffle_rank":
            x = ft([4, 2])
            g = 2
        return [("x", x, True, False)], {"kind": kind, "op": "channel_shuffle", "groups": g}, \
            lambda a: channel_shuffle_2x(a["x"], g)
    if kind == "fold_blocks":
        x = ft([1, 4, R.choice([3, 5])])
        kw = {"kind": kind, "op": "fold", "output_size": [3, 3], "kernel": 2, "dilation": 1, "padding": 0,
              "stride": 1}
        return [("x", x, True, False)], kw, lambda a: F.fold(a["x"], [3, 3], 2)
    if kind == "fold_channels":
        x = ft([1, 3, 4])
        kw = {"kind": kind, "op": "fold", "output_size": [3, 3], "kernel": 2, "dilation": 1, "padding": 0,
              "stride": 1}
        return [("x", x, True, False)], kw, lambda a: F.fold(a["x"], [3, 3], 2)
    if kind == "unfold_rank":
        x = R.choice([ft([2, 3]), ft([1, 1, 2, 2, 2])])
        kw = {"kind": kind, "op": "unfold", "kernel": 1, "dilation": 1, "padding": 0, "stride": 1}
        return [("x", x, True, False)], kw, lambda a: F.unfold(a["x"], 1)
    x = ft([1, 1, 2, 2])
    pad = R.choice([0, 1])
    kw = {"kind": kind, "op": "unfold", "kernel": 4 + 2 * pad, "dilation": 1, "padding": pad, "stride": 1}
    return [("x", x, True, False)], kw, lambda a: F.unfold(a["x"], 4 + 2 * pad, 1, pad, 1)


# --------------------------------------------------------------------------------------------------------------
MSG_2X = [
    (r"^2input \(W: (-?\d+)\)is too small", r"input (W: \1) is too small"),
]


AA_2X = ("Anti-alias option is restricted to bilinear and bicubic modes and requires a 4-D tensor as input")


def interpolate_2x(x, size, sc, mode, ac, rec, antialias=False):
    """F.interpolate as 2.x: antialias outside bilinear / bicubic on a 4-D input refused with 2.x's words (1.13: "Anti-alias
    option is only supported for bilinear and bicubic modes"); an antialiased axis whose size does not change is not
    resampled (2.x's separable kernel skips it; 1.13 resamples it with the scale factor's weights): the changed axes
    run with their scale factors, the others with none (identity weights). 2.x's backward resamples such an axis with
    the scale's weights anyway (not its forward's derivative); the gradient recorded is the derivative of 2.x's forward,
    Ember's documented choice (AntialiasOps)."""
    if not antialias:
        return F.interpolate(x, size, sc, mode, ac, rec)
    if not (mode in ("bilinear", "bicubic") and x.dim() == 4):
        raise ValueError(AA_2X)
    if sc is None or rec:
        return F.interpolate(x, size, sc, mode, ac, rec, antialias=True)
    scl = sc if isinstance(sc, list) else [sc, sc]
    out = [int(math.floor(float(x.shape[2 + i]) * scl[i])) for i in range(2)]
    s = [None if out[i] == x.shape[2 + i] else scl[i] for i in range(2)]
    op = torch._C._nn._upsample_bilinear2d_aa if mode == "bilinear" else torch._C._nn._upsample_bicubic2d_aa
    if min(out) <= 0:
        return F.interpolate(x, size, sc, mode, ac, rec, antialias=True)
    return op(x, out, bool(ac), s[0], s[1])


class _GridNearest3d(torch.autograd.Function):
    """2.x's grid_sampler_3d (CPU) in nearest mode: std::nearbyint (half to even) picks the voxel (1.13: std::round,
    half away from zero); the grid's gradient is zero, the input's the scattered upstream gradient."""

    @staticmethod
    def forward(ctx, x, grid, pm, ac):
        n, c = x.shape[0], x.shape[1]
        idx = [source_index_2x(grid[..., i], x.shape[4 - i], pm, ac) for i in range(3)]  # x (W), y (H), z (D)
        inside = torch.ones_like(idx[0], dtype=torch.bool)
        for i in range(3):
            inside &= (idx[i] >= 0) & (idx[i] < x.shape[4 - i])
        ix, iy, iz = [torch.where(inside, t, torch.zeros_like(t)).to(I64) for t in idx]
        b = torch.arange(n).reshape(n, 1, 1, 1).expand_as(ix)
        vals = x[b, :, iz, iy, ix]  # [n, d, h, w, c]
        vals = torch.where(inside.unsqueeze(-1), vals, torch.zeros_like(vals))
        ctx.save_for_backward(b, iz, iy, ix, inside)
        ctx.shape = x.shape
        return vals.permute(0, 4, 1, 2, 3).contiguous()

    @staticmethod
    def backward(ctx, g):
        b, iz, iy, ix, inside = ctx.saved_tensors
        gx = torch.zeros(ctx.shape, dtype=g.dtype)
        gv = g.permute(0, 2, 3, 4, 1)  # [n, d, h, w, c]
        gv = torch.where(inside.unsqueeze(-1), gv, torch.zeros_like(gv))
        gx = gx.permute(0, 2, 3, 4, 1).index_put((b, iz, iy, ix), gv, accumulate=True).permute(0, 4, 1, 2, 3)
        return gx.contiguous(), torch.zeros(list(b.shape) + [3], dtype=g.dtype), None, None


def source_index_2x(coord, size, pm, ac):
    """GridSampler.h's grid_sampler_compute_source_index then nearbyint, in the grid's dtype; -100 where not finite
    (safe_downgrade_to_int_range)."""
    one = torch.ones((), dtype=coord.dtype)
    if ac:
        c = ((coord + one) / 2) * (size - 1)
    else:
        c = ((coord + one) * size - one) / 2
    if pm == "border":
        c = torch.clamp(c, 0, size - 1)
    elif pm == "reflection":
        if ac:
            lo2, hi2 = 0, 2 * (size - 1)
        else:
            lo2, hi2 = -1, 2 * size - 1
        if lo2 == hi2:
            c = torch.zeros_like(c)
        else:
            mn = lo2 / 2.0
            span = (hi2 - lo2) / 2.0
            a = torch.abs(c - mn)
            extra = torch.fmod(a, span)
            flips = torch.floor(a / span)
            c = torch.where(torch.remainder(flips, 2) == 0, extra + mn, span - extra + mn)
        c = torch.clamp(c, 0, size - 1)
    c = torch.where(torch.isfinite(c) & (c <= 2 ** 31 - 2) & (c >= -2 ** 31), c, torch.full_like(c, -100.0))
    return torch.round(c)


def grid_sample_2x(x, grid, mode, pm, ac):
    if x.dim() == 5 and grid.dim() == 5 and mode == "nearest" and x.shape[0] == grid.shape[0] and grid.shape[-1] == 3:
        if x.shape[0] == 0 or grid.numel() == 0:
            return F.grid_sample(x, grid, mode, pm, ac)
        return _GridNearest3d.apply(x, grid, pm, ac)
    return F.grid_sample(x, grid, mode, pm, ac)


class _ChannelShuffle(torch.autograd.Function):
    """2.x's channel_shuffle with its derivative (ChannelShuffleBackward0: channel_shuffle(grad, C / groups)); 1.13's has
    none ("derivative for channel_shuffle is not implemented")."""

    @staticmethod
    def forward(ctx, x, g):
        ctx.g = g
        return F.channel_shuffle(x, g)

    @staticmethod
    def backward(ctx, grad):
        return F.channel_shuffle(grad, grad.shape[1] // ctx.g), None


def channel_shuffle_2x(x, g):
    if x.requires_grad and x.dim() > 2 and g > 0 and x.shape[1] % g == 0:
        return _ChannelShuffle.apply(x, g)
    return F.channel_shuffle(x, g)


def pixel_shuffle_2x(x, r):
    """2.x's pixel_shuffle of an empty input: its computed shape (1.13's CPU kernel returns the input's shape; the
    composite reshape / permute of 2.x's math_pixel_shuffle gives 2.x's result and gradient)."""
    if x.dim() >= 3 and x.numel() == 0 and r > 0 and x.shape[-3] % (r * r) == 0:
        c, h, w = x.shape[-3:]
        lead = list(x.shape[:-3])
        y = x.reshape(lead + [c // (r * r), r, r, h, w])
        nl = len(lead)
        y = y.permute(list(range(nl)) + [nl, nl + 3, nl + 1, nl + 4, nl + 2])
        return y.reshape(lead + [c // (r * r), h * r, w * r])
    return F.pixel_shuffle(x, r)


def pixel_unshuffle_2x(x, r):
    """pixel_unshuffle as pixel_shuffle_2x: an empty input gets 2.x's shape."""
    if x.dim() >= 3 and x.numel() == 0 and r > 0 and x.shape[-2] % r == 0 and x.shape[-1] % r == 0:
        c, h, w = x.shape[-3:]
        lead = list(x.shape[:-3])
        y = x.reshape(lead + [c, h // r, r, w // r, r])
        nl = len(lead)
        y = y.permute(list(range(nl)) + [nl, nl + 2, nl + 4, nl + 1, nl + 3])
        return y.reshape(lead + [c * r * r, h // r, w // r])
    return F.pixel_unshuffle(x, r)


def pad_2x(x, pads, mode, value):
    """F.pad as 2.x's _pad_enum: the length's refusal in 2.x's words (1.13: "Padding length too large"); constant_pad_nd
    crops with narrow before anything else, whose negative length 2.x refuses as "narrow(): length must be
    non-negative." (1.13's narrow reports "start (0) + length (-1) exceeds ..." or a dimension out of range); reflect and
    replicate refuse an empty non-batch dimension (2.x's check_valid_input)."""
    if mode in ("constant", "reflect", "replicate", "circular") and len(pads) % 2 == 0:
        if len(pads) > 2 * x.dim():
            raise RuntimeError("Padding length should be less than or equal to two times the input dimension but got "
                               "padding length %d and input of dimension %d" % (len(pads), x.dim()))
        k = len(pads) // 2
        if mode in ("reflect", "replicate") and 1 <= k <= 3 and x.dim() in (k + 1, k + 2) and value is None:
            # 2.x's padding::check_valid_input (Padding.h), which 1.13's reflection_pad1d / 2d did not apply
            first = 1 if x.dim() == k + 2 else 0
            if any(x.shape[d] == 0 for d in range(first, x.dim())):
                raise RuntimeError("Expected %dD or %dD (batch mode) tensor with possibly 0 batch size and other non-zero "
                                   "dimensions for input, but got: [%s]"
                                   % (k + 1, k + 2, ", ".join(str(d) for d in x.shape)))
        if mode == "constant":
            sizes = list(x.shape)
            for i in range(x.dim() - len(pads) // 2, x.dim()):
                at = 2 * (x.dim() - i - 1)
                for p in (pads[at], pads[at + 1]):
                    if p < 0:
                        if sizes[i] + p < 0:
                            raise RuntimeError("narrow(): length must be non-negative.")
                        sizes[i] += p
    return F.pad(x, pads, mode, value)


def err_text(e):
    msg = str(e).split("\n")[0]
    for pat, rep in MSG_2X:
        msg = re.sub(pat, rep, msg)
    return msg


def emit(label, name, built):
    args, kw, fn = built[0], built[1], built[2]
    dt0 = args[0][1].dtype
    lines = ["=== %s %s %s" % (label, name, str(dt0).replace("torch.", ""))]
    for n, t, _, _ in args:
        lines.append("a %s %s" % (n, tline(t)))
    rg = [n for n, t, g, _ in args if g]
    lines.append("rg " + " ".join(rg))
    cl = [n for n, t, _, c in args if c]
    if cl:
        lines.append("cl " + " ".join(cl))
    lines.append("s " + " ".join([name] + ["%s=%s" % (key, pv(val)) for key, val in kw.items()]))
    tol = 100 if dt0 == F64 else 10
    lines.append("tol %d" % tol)
    leaves = {}
    for n, t, g, c in args:
        t = t.clone()
        if c:
            t = t.contiguous(memory_format=torch.channels_last if t.dim() == 4 else torch.channels_last_3d)
        leaves[n] = t.requires_grad_(True) if g else t
    try:
        y = fn(leaves)
    except Exception as e:  # noqa
        lines.append("err " + err_text(e))
        return lines
    lines.append("o " + tline(y))
    module = getattr(fn, "module", None)
    if module is not None:
        lines.append("rp " + upsample_repr_2x(module))
    if not rg:
        return lines
    g = torch.tensor([R.randint(-8, 8) / 8 for _ in range(y.numel())], dtype=F64).reshape(y.shape).to(y.dtype)
    lines.append("g " + tline(g))
    ins = [leaves[n] for n in rg]
    try:
        grads = torch.autograd.grad((y * g).sum(), ins, allow_unused=True) if y.requires_grad else [None] * len(ins)
    except Exception as e:  # noqa
        lines.append("gerr " + err_text(e))
        return lines
    for n, gr in zip(rg, grads):
        lines.append("gx %s %s" % (n, "none" if gr is None else tline(gr)))
    return lines


def fixes():
    """FuzzRound40FixesTest's cases (FUZZ_FIXES=1), one a fix."""
    out = []
    nan = float("nan")
    # grid_sample 2-D with NaN grid points (zeros padding): nearest takes no weights (0 there, not NaN); bilinear's x
    # gradient is NaN where y is NaN and its y gradient where x is; bicubic's both where either is
    pts = [nan, 0.3, 0.3, nan, nan, nan, 0.2, -0.4, nan, 5.0, -0.7, 0.9]
    for mode in ("nearest", "bilinear", "bicubic"):
        for ac in (False, True):
            x = ft([1, 2, 3, 3])
            grid = torch.tensor(pts, dtype=F64).reshape(1, 2, 3, 2)
            kw = {"mode": mode, "padding_mode": "zeros", "align_corners": ac}
            out += emit("fix_grid_nan_%s_%s" % (mode, ac), "gridsample",
                        ([("x", x, True, False), ("grid", grid, True, False)], kw,
                         lambda a, mode=mode, ac=ac: F.grid_sample(a["x"], a["grid"], mode, "zeros", ac)))
    # pixel_shuffle / pixel_unshuffle of a 5-D channels_last_3d input: PyTorch's CPU kernels refuse the format (an
    # empty one returns before the kernel)
    for label, shape, op in [("fix_pixel_shuffle_cl3d", [2, 2, 4, 2, 3], "pixel_shuffle"),
                             ("fix_pixel_unshuffle_cl3d", [2, 2, 3, 2, 4], "pixel_unshuffle"),
                             ("fix_pixel_shuffle_cl3d_empty", [0, 2, 4, 2, 3], "pixel_shuffle")]:
        fn = pixel_shuffle_2x if op == "pixel_shuffle" else pixel_unshuffle_2x
        out += emit(label, "shuffle", ([("x", ft(shape), True, True)], {"op": op, "factor": 2},
                                       lambda a, fn=fn: fn(a["x"], 2)))
    # nearest / nearest-exact of float64 with a scale factor (session 64, helper 4; a hunt's case, seed 64440 at
    # FUZZ_BIG=20): the opmath is double but the index is floorf's, the double source index rounded to float first:
    # 1 / 1.3 as the scale, 19.5 * scale is 14.999999999999998 in double, 15 in float (nearest-exact's row 19 reads
    # row 15); 13 * scale 9.999999999999998, 10 in float (nearest's position 13 reads 10)
    for label, mode, shape in [("fix_nearest_exact_f64_floorf", "nearest-exact", [1, 2, 23, 2]),
                               ("fix_nearest_f64_floorf", "nearest", [2, 1, 13])]:
        x = (torch.arange(numel(shape), dtype=F64).reshape(shape) * 0.25 - 3.0)
        kw = {"mode": mode, "size": None, "scale_factor": 1.3, "align_corners": None,
              "recompute_scale_factor": None}
        out += emit(label, "interp", ([("x", x, True, False)], kw,
                                      lambda a, mode=mode: interpolate_2x(a["x"], None, 1.3, mode, None, None)))
    return out


def main():
    if os.environ.get("FUZZ_FIXES"):
        print("\n".join(fixes()))
        return
    plan = []
    for n in sorted(FAMILIES):
        plan += [n] * max(1, int(round(FAMILIES[n][1] * 14 * SCALE_N)))
    R.shuffle(plan)
    out = []
    for k, n in enumerate(plan):
        if os.environ.get("FUZZ_TRACE"):
            print("r40_%d %s" % (k, n), file=__import__("sys").stderr, flush=True)
        out.extend(emit("r40_%d" % k, n, FAMILIES[n][0]()))
    print("\n".join(out))


main()
