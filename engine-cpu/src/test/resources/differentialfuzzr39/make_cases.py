# Differential fuzz round 39 for DifferentialFuzzR39Test.java: seeded single calls of CONVOLUTION, POOLING and
# NORMALIZATION at their corners, run in PyTorch with every result recorded; FuzzR39Interpreter.java replays each in
# Ember.
#   run: cd engine-cpu/src/test/resources/differentialfuzzr39 && /usr/bin/python3 make_cases.py > cases.txt
#   (PyTorch 1.13 CPU; seed 39, every draw seeded, so a second run writes the same bytes)
#   the fixes' cases (FuzzRound39FixesTest): FUZZ_FIXES=1 /usr/bin/python3 make_cases.py > fixes.txt
#   a local hunt: FUZZ_SEED=<s> FUZZ_N=<n> /usr/bin/python3 make_cases.py > /tmp/hunt.txt, then the test with
#   -Dember.fuzz39.file=/tmp/hunt.txt (inside -Dember.test.argLine); FUZZ_N scales the number of cases per family,
#   FUZZ_BIG=<k> draws spatial sizes up to k larger and channels up to k / 2 more (other kernel paths: vector lanes)
#
# Families (each case one call; an input is now and then unbatched, channels-last (4-D: channels_last, 5-D:
# channels_last_3d), or has a zero-size batch):
#   conv        F.conv1d / conv2d / conv3d: stride, padding (an int, a tuple, 'same' with even kernels and dilation,
#               'valid'), dilation, groups (depthwise too), bias or None
#   convt       F.conv_transpose1d / 2d / 3d: stride, padding, output_padding (below max(stride, dilation)), groups,
#               dilation, bias or None
#   convmod     nn.Conv1d / 2d / 3d with padding_mode zeros / reflect / replicate / circular and padding an int, a
#               tuple or 'same' (the weight and bias copied in)
#   convtmod    nn.ConvTranspose1d / 2d / 3d called with an output_size (spatial or full; in range, out of range, or
#               none)
#   instmodule  nn.InstanceNorm1d / 2d / 3d in train / eval, affine, track_running_stats, unbatched inputs
#   maxpool     F.max_poolNd: kernel, stride (None = kernel), padding <= kernel / 2, dilation, ceil_mode (the last window
#               may start in the padding), return_indices; values with ties (few distinct values) and NaN
#   unpool      F.max_unpoolNd of a max pool's values and indices, output_size now and then
#   avgpool     F.avg_poolNd: padding, ceil_mode, count_include_pad, divisor_override (2-D and 3-D)
#   adaptive    F.adaptive_avg_poolNd / adaptive_max_poolNd (with indices) to sizes that do not divide the input
#   lppool      F.lp_pool1d / 2d / 3d (norm_type 1, 2, 3, 1.5; ceil_mode)
#   batchnorm   F.batch_norm in train / eval, momentum, running stats or None, weight / bias or None: the result, the
#               running stats after the call (updated in place), the gradients
#   bnmodule    nn.BatchNormNd over two or three training steps: momentum None (cumulative average), affine off,
#               track_running_stats off; the last step's result and gradients, the buffers, then an eval step
#   instnorm    F.instance_norm with / without input stats, running stats (updated with the batch's mean), affine
#   groupnorm   F.group_norm, weight / bias or None
#   layernorm   F.layer_norm over the last 1..3 dims, weight / bias or None
#   lrn         F.local_response_norm over 3-D, 4-D and 5-D inputs, even and odd sizes
#   refuse      wrong channel counts, a kernel bigger than the padded input, pool padding above half the kernel, bad
#               groups, output_padding too large, a norm's wrong weight size, training on one value per channel:
#               PyTorch's message, every input unchanged
# A float64 case records the result and the gradients of sum(out * g) (g a seeded upstream) for every float64 input
# (weight and bias included); a float32 case records the result only (tolerance 1e-5 * its "tol" factor).
#
# 1.13 and 2.x (Ember follows 2.x; the generator writes 2.x's answer where they differ):
# - group_norm with a bias and no weight: 1.13's backward fails ("tensor does not have a device", an undefined weight
#   in native_group_norm_backward); 2.x's gradients are the unit weight's, which the generator runs.
# - max_pool1d: 2.x's check_max_pool1d (MaxPooling.cpp) runs first, with or without grad: "max_pool1d() padding should
#   be at most half of kernel size, but got padding=1 and kernel_size=1", "max_pool1d() Invalid computed output size:
#   -1"; 1.13 sends an input that requires grad to max_pool1d_with_indices, whose words differ (max_pool1d_2x;
#   return_indices goes to max_pool1d_with_indices in both).
# - the 2-D / 3-D pools' padding check (2.x's pooling_output_shape, Pool.h) reads the effective kernel: "pad should be
#   at most half of effective kernel size, but got pad=2, kernel_size=3 and dilation=1" (1.13: "pad should be at most
#   half of kernel size, but got pad=2 and kernel_size=3"; the refusal family's pools have dilation 1, the other draws
#   never pad past half the kernel, so the condition is the same): MSG_2X.
# - F.local_response_norm's refusal of a 1-D / 2-D input: 2.x's f-string "Expected 3D or higher dimensionality input
#   (got 1 dimensions)"; 1.13's carries a run of spaces from a line continuation: MSG_2X.
# - max_unpool's invalid index: 2.x closes the parenthesis ("... (output volumes are of size 5x3)"), as Ember: MSG_2X.
# - max_unpool's output_size is passed as a tuple, which 2.x's _unpool_output_size prints in its refusal as Python
#   does ("(9, 9)"; Ember's int[] prints so).
# - nn.ConvNd with padding_mode circular on an unbatched input: 1.13's F.pad refuses it ("Invalid padding size,
#   expected 0 but got 2"), 2.x's _pad_circular_symint pads it as a batch of one: the generator runs the batch of one
#   and drops the batch dim (the same values and gradients).
# - lp_pool3d is not in 1.13: 2.x's (torch/nn/functional.py) composed: avg_pool3d(x ** p, k, stride, 0, ceil_mode),
#   then (sign(out) * relu(|out|)) * (kd * kh * kw), to the power 1 / p.
#
# Format: "=== r39_<k> <family> <first input's dtype>", then lines by first word:
#   a <name> <tensor>   a tensor argument (r17's tensor lines "dtype [shape] : values")
#   rg <names>          the float64 arguments that require grad
#   cl <names>          these arguments are channels-last (4-D) or channels-last-3d (5-D): the same values
#   s <op> [k=v ...]    the call's other arguments (N None, True / False, numbers, lists "a,b")
#   err <message>       PyTorch refuses with this (first line); the arguments must be unchanged
#   o <tensor>          the result (a tuple's values)
#   oi <tensor>         a tuple's indices
#   st <name> <tensor>  a buffer after the call (running_mean / running_var of an argument, a module's buffers)
#   oe <tensor>         a module's result in eval mode after the training steps
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
SEED = int(os.environ.get("FUZZ_SEED", "39"))
SCALE_N = float(os.environ.get("FUZZ_N", "1"))
BIG = int(os.environ.get("FUZZ_BIG", "0"))  # a local hunt's larger sizes: spatial sizes and channels up to BIG more
R = random.Random(SEED)
torch.manual_seed(SEED)
torch.set_num_threads(1)
F64, F32, I64 = torch.float64, torch.float32, torch.int64


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
        return ",".join(str(x) for x in v) if v else "E"
    return str(v)


def numel(s):
    n = 1
    for k in s:
        n *= k
    return n


def ft(shape, dt=F64, lo=-2.0, hi=2.0):
    return torch.tensor([R.uniform(lo, hi) for _ in range(numel(shape))], dtype=F64).reshape(shape).to(dt)


def tied(shape, dt=F64, nan=False):
    """few distinct values (ties), a NaN now and then."""
    vals = [R.choice([-1.0, 0.0, 0.5, 1.0, 2.0]) for _ in range(numel(shape))]
    if nan and vals:
        for _ in range(R.randint(1, 2)):
            vals[R.randrange(len(vals))] = float("nan")
    return torch.tensor(vals, dtype=F64).reshape(shape).to(dt)


def dtype():
    return F32 if R.random() < 0.25 else F64


def tup(nd, lo, hi):
    """an int or an nd-tuple."""
    if R.random() < 0.5:
        return R.randint(lo, hi)
    return [R.randint(lo, hi) for _ in range(nd)]


def per(v, nd):
    return [v] * nd if isinstance(v, int) else list(v)


def batch_shape(nd, c, sp, allow_unbatched=True, allow_zero=True):
    """[N, C, *sp] or the unbatched [C, *sp]; N 0 now and then."""
    r = R.random()
    if allow_unbatched and r < 0.15:
        return [c] + sp, "unbatched"
    if allow_zero and r < 0.22:
        return [0, c] + sp, "zero"
    return [R.randint(1, 2), c] + sp, "batched"


def maybe_cl(t):
    if t.dim() in (4, 5) and R.random() < 0.3:
        return True
    return False


def copy_in(m, a, names):
    """a module's parameters set to the arguments' values (the module's own leaves take the gradients)."""
    with torch.no_grad():
        for n in names:
            getattr(m, n).copy_(a[n])
    return m


FAMILIES = {}


def family(name, weight):
    def reg(f):
        FAMILIES[name] = (f, weight)
        return f
    return reg


# every builder returns (args [(name, tensor, requires_grad, channels_last)], kw dict, fn(a) -> result, buffers)
# where buffers (optional) maps a name to a callable giving the tensor to record after the call

@family("conv", 14)
def _():
    nd = R.choice([1, 2, 2, 3])
    dt = dtype()
    groups = R.choice([1, 1, 2, 3])
    cin = groups * R.randint(1, 2 + BIG // 2)
    depthwise = R.random() < 0.2
    if depthwise:
        groups = cin
    cout = groups * R.randint(1, 2 + BIG // 2)
    k = [R.randint(1, 4) for _ in range(nd)]
    dil = tup(nd, 1, 2)
    pmode = R.random()
    if pmode < 0.25:
        pad, stride = "same", 1
    elif pmode < 0.35:
        pad, stride = "valid", tup(nd, 1, 3)
    else:
        pad, stride = tup(nd, 0, 2), tup(nd, 1, 3)
    sp = [R.randint(1, (6 if nd < 3 else 4) + BIG) for _ in range(nd)]
    xs, _ = batch_shape(nd, cin, sp)
    args = [("x", ft(xs, dt), dt == F64, False), ("weight", ft([cout, cin // groups] + k, dt), dt == F64, False)]
    args[0] = ("x", args[0][1], args[0][2], maybe_cl(args[0][1]))
    if R.random() < 0.6:
        args.append(("bias", ft([cout], dt), dt == F64, False))
    conv = [F.conv1d, F.conv2d, F.conv3d][nd - 1]
    kw = {"nd": nd, "stride": stride, "padding": pad, "dilation": dil, "groups": groups}
    return args, kw, lambda a: conv(a["x"], a["weight"], a.get("bias"), stride, pad, dil, groups)


@family("convt", 8)
def _():
    nd = R.choice([1, 2, 2, 3])
    dt = dtype()
    groups = R.choice([1, 1, 2])
    cin = groups * R.randint(1, 2 + BIG // 2)
    cout_g = R.randint(1, 2)
    k = [R.randint(1, 3) for _ in range(nd)]
    if nd == 1:
        stride, pad, dil = R.randint(1, 3), R.randint(0, 2), R.randint(1, 2)
        op = R.randint(0, max(stride, dil) - 1)
    else:
        stride, pad, dil = tup(nd, 1, 3), tup(nd, 0, 2), tup(nd, 1, 2)
        op = [R.randint(0, max(s, d) - 1) for s, d in zip(per(stride, nd), per(dil, nd))]
        if R.random() < 0.4 and all(o == op[0] for o in op):
            op = op[0]
    sp = [R.randint(1, 4 + BIG) for _ in range(nd)]
    xs, _ = batch_shape(nd, cin, sp)
    x = ft(xs, dt)
    args = [("x", x, dt == F64, maybe_cl(x)), ("weight", ft([cin, cout_g] + k, dt), dt == F64, False)]
    if R.random() < 0.6:
        args.append(("bias", ft([cout_g * groups], dt), dt == F64, False))
    conv = [F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d][nd - 1]
    kw = {"nd": nd, "stride": stride, "padding": pad, "output_padding": op, "groups": groups, "dilation": dil}
    return args, kw, lambda a: conv(a["x"], a["weight"], a.get("bias"), stride, pad, op, groups, dil)


@family("convmod", 8)
def _():
    nd = R.choice([1, 2, 3])
    dt = dtype()
    mode = R.choice(["zeros", "reflect", "replicate", "circular"])
    groups = R.choice([1, 1, 2])
    cin, cout = groups * R.randint(1, 2 + BIG // 2), groups * R.randint(1, 2 + BIG // 2)
    k = [R.randint(1, 3) for _ in range(nd)]
    dil = [R.randint(1, 2) for _ in range(nd)]
    if R.random() < 0.3:
        pad, stride = "same", [1] * nd
    else:
        pad, stride = [R.randint(0, 2) for _ in range(nd)], [R.randint(1, 2) for _ in range(nd)]
    sp = [R.randint(2, (5 if nd < 3 else 4) + BIG) for _ in range(nd)]
    xs, _ = batch_shape(nd, cin, sp, allow_zero=False)
    bias = R.random() < 0.6
    x = ft(xs, dt)
    args = [("x", x, dt == F64, maybe_cl(x)), ("weight", ft([cout, cin // groups] + k, dt), dt == F64, False)]
    if bias:
        args.append(("bias", ft([cout], dt), dt == F64, False))
    cls = [nn.Conv1d, nn.Conv2d, nn.Conv3d][nd - 1]
    kw = {"nd": nd, "in": cin, "out": cout, "kernel": k, "stride": stride, "padding": pad, "dilation": dil,
          "groups": groups, "bias": bias, "padding_mode": mode}

    def f(a):
        m = copy_in(cls(cin, cout, k, stride, pad, dil, groups, bias, mode, dtype=dt), a,
                    ["weight", "bias"] if bias else ["weight"])
        # the module's parameters are leaves of their own: the gradients flow to them; the generator reports them as
        # the gradients of "weight" / "bias" (the Java side copies the values into its module the same way)
        if mode == "circular" and a["x"].dim() == nd + 1:
            # 1.13's circular F.pad refuses an unbatched input ("Invalid padding size, expected 0 but got 2"); 2.x's
            # _pad_circular_symint pads it as the batch of one it is, then the unbatched convolution runs
            out = m(a["x"].unsqueeze(0)).squeeze(0)
        else:
            out = m(a["x"])
        f.module = m
        return out
    return args, kw, f


@family("convtmod", 5)
def _():
    nd = R.choice([1, 2, 3])
    dt = dtype()
    groups = R.choice([1, 1, 2])
    cin, cout = groups * R.randint(1, 2 + BIG // 2), groups * R.randint(1, 2)
    k = [R.randint(1, 3) for _ in range(nd)]
    stride = [R.randint(1, 3) for _ in range(nd)]
    pad = [R.randint(0, 1) for _ in range(nd)]
    dil = [R.randint(1, 2) for _ in range(nd)]
    sp = [R.randint(1, 4 + BIG) for _ in range(nd)]
    xs, _ = batch_shape(nd, cin, sp, allow_zero=False)
    bias = R.random() < 0.6
    mins = [(sp[i] - 1) * stride[i] - 2 * pad[i] + dil[i] * (k[i] - 1) + 1 for i in range(nd)]
    r = R.random()
    if r < 0.2:
        osz = None
    elif r < 0.85:
        osz = [m + R.randint(0, st - 1) for m, st in zip(mins, stride)]
    else:
        osz = [m + R.choice([-1, st]) for m, st in zip(mins, stride)]
    if osz is not None and R.random() < 0.3:
        osz = xs[:len(xs) - nd] + osz
    x = ft(xs, dt)
    args = [("x", x, dt == F64, maybe_cl(x)), ("weight", ft([cin, cout // groups] + k, dt), dt == F64, False)]
    if bias:
        args.append(("bias", ft([cout], dt), dt == F64, False))
    cls = [nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d][nd - 1]
    kw = {"nd": nd, "in": cin, "out": cout, "kernel": k, "stride": stride, "padding": pad, "dilation": dil,
          "groups": groups, "bias": bias, "output_size": osz}

    def f(a):
        m = copy_in(cls(cin, cout, k, stride, pad, 0, groups, bias, dil, dtype=dt), a,
                    ["weight", "bias"] if bias else ["weight"])
        f.module = m
        return m(a["x"], osz)
    return args, kw, f


@family("instmodule", 4)
def _():
    nd = R.choice([1, 2, 3])
    dt = dtype()
    c = R.randint(1, 3)
    affine = R.random() < 0.5
    track = R.random() < 0.5
    mom = R.choice([0.1, 0.5])
    eps = R.choice([1e-5, 1e-2])
    training = R.random() < 0.7
    sp = [R.randint(1, 3 + BIG) for _ in range(nd)]
    xs = ([c] if R.random() < 0.3 else [R.randint(1, 2), c]) + sp
    x = ft(xs, dt)
    args = [("x", x, dt == F64, maybe_cl(x))]
    if affine:
        args.append(("weight", ft([c], dt), dt == F64, False))
        args.append(("bias", ft([c], dt), dt == F64, False))
    cls = [nn.InstanceNorm1d, nn.InstanceNorm2d, nn.InstanceNorm3d][nd - 1]
    kw = {"nd": nd, "features": c, "eps": eps, "momentum": mom, "affine": affine, "track_running_stats": track,
          "training": training}

    def f(a):
        m = copy_in(cls(c, eps, mom, affine, track, dtype=dt), a, ["weight", "bias"] if affine else [])
        m.train(training)
        f.module = m
        return m(a["x"])
    buffers = {}
    if track:
        buffers = {"running_mean": lambda a: f.module.running_mean, "running_var": lambda a: f.module.running_var}
    return args, kw, f, buffers


def pool_sizes(nd, k, s, p, d, lo=1, hi=6):
    return [R.randint(lo, hi) for _ in range(nd)]


def windows_hit(size, k, s, p, d, ceil, nd):
    """whether every window of a max pool over one dim holds an input element; an output size below 1 passes in 1-D
    and 2-D (PyTorch's refusal, recorded), not in 3-D (1.13's max_pool3d corrupts its heap there)."""
    span = size + 2 * p - d * (k - 1) - 1
    out = (span + (s - 1 if ceil else 0)) // s + 1
    if ceil and (out - 1) * s >= size + p:
        out -= 1
    if out <= 0:
        return nd < 3
    return all(any(0 <= o * s - p + j * d < size for j in range(k)) for o in range(out))


@family("maxpool", 12)
def _():
    nd = R.choice([1, 2, 2, 3])
    dt = dtype()
    k = tup(nd, 1, 3)
    stride = None if R.random() < 0.25 else tup(nd, 1, 3)
    kk = per(k, nd)
    pad = [R.randint(0, kk[i] // 2) for i in range(nd)]
    if R.random() < 0.4 and all(x == pad[0] for x in pad):
        pad = pad[0]
    dil = tup(nd, 1, 2)
    ceil = R.random() < 0.5
    ri = R.random() < 0.5
    sp = [R.randint(1, (7 if nd < 3 else 5) + BIG) for _ in range(nd)]
    # a window with no input element (dilation hops over a short input) is undefined in PyTorch: the kernel's index
    # points outside the input and the backward writes there (1.13 corrupts its heap); such sizes are grown until
    # every window holds an element
    ss = per(stride if stride is not None else k, nd)
    dd, pp = per(dil, nd), per(pad, nd)
    for i in range(nd):
        while not windows_hit(sp[i], kk[i], ss[i], pp[i], dd[i], ceil, nd):
            sp[i] += 1
    xs, _ = batch_shape(nd, R.randint(1, 2), sp)
    r = R.random()
    x = tied(xs, dt, nan=r < 0.2) if r < 0.6 else ft(xs, dt)
    args = [("x", x, dt == F64, maybe_cl(x))]
    pool = [max_pool1d_2x, F.max_pool2d, F.max_pool3d][nd - 1]
    kw = {"nd": nd, "kernel": k, "stride": stride, "padding": pad, "dilation": dil, "ceil_mode": ceil,
          "return_indices": ri}
    return args, kw, lambda a: pool(a["x"], k, stride, pad, dil, ceil, ri)


@family("unpool", 5)
def _():
    nd = R.choice([1, 2, 3])
    dt = dtype()
    k = R.randint(1, 3)
    stride = R.randint(1, 3)
    pad = R.randint(0, k // 2)
    sp = [R.randint(max(1, k), 6 + BIG) for _ in range(nd)]
    xs, _ = batch_shape(nd, R.randint(1, 2), sp, allow_zero=False)
    pool = [F.max_pool1d, F.max_pool2d, F.max_pool3d][nd - 1]
    with torch.no_grad():
        v, i = pool(ft(xs, dt), k, stride, pad, 1, False, True)
    default = [(v.shape[-nd + j] - 1) * stride - 2 * pad + k for j in range(nd)]
    osz = None
    if R.random() < 0.4:
        osz = [o + R.randint(0, max(0, stride - 1)) for o in default]
    unpool = [F.max_unpool1d, F.max_unpool2d, F.max_unpool3d][nd - 1]
    kw = {"nd": nd, "kernel": k, "stride": stride, "padding": pad, "output_size": osz}
    return [("x", v.clone(), dt == F64, False), ("indices", i, False, False)], kw, \
        lambda a: unpool(a["x"], a["indices"], k, stride, pad, None if osz is None else tuple(osz))


@family("avgpool", 10)
def _():
    nd = R.choice([1, 2, 2, 3])
    dt = dtype()
    k = tup(nd, 1, 3)
    stride = None if R.random() < 0.25 else tup(nd, 1, 3)
    kk = per(k, nd)
    pad = [R.randint(0, kk[i] // 2) for i in range(nd)]
    ceil = R.random() < 0.5
    cip = R.random() < 0.5
    div = R.choice([None, None, 1, 3, 5]) if nd > 1 else None
    sp = [R.randint(1, (7 if nd < 3 else 5) + BIG) for _ in range(nd)]
    xs, _ = batch_shape(nd, R.randint(1, 2), sp)
    x = ft(xs, dt)
    args = [("x", x, dt == F64, maybe_cl(x))]
    kw = {"nd": nd, "kernel": k, "stride": stride, "padding": pad, "ceil_mode": ceil, "count_include_pad": cip,
          "divisor_override": div}
    if nd == 1:
        return args, kw, lambda a: F.avg_pool1d(a["x"], k, stride, pad, ceil, cip)
    pool = [None, F.avg_pool2d, F.avg_pool3d][nd - 1]
    return args, kw, lambda a: pool(a["x"], k, stride, pad, ceil, cip, div)


@family("adaptive", 8)
def _():
    nd = R.choice([1, 2, 2, 3])
    dt = dtype()
    kind = R.choice(["avg", "max", "max_idx"])
    sp = [R.randint(1, (7 if nd < 3 else 5) + BIG) for _ in range(nd)]
    osz = [R.randint(1, 5) for _ in range(nd)]
    xs, _ = batch_shape(nd, R.randint(1, 2), sp)
    x = tied(xs, dt, nan=R.random() < 0.2) if kind != "avg" and R.random() < 0.4 else ft(xs, dt)
    args = [("x", x, dt == F64, maybe_cl(x))]
    o = osz[0] if nd == 1 else osz
    kw = {"nd": nd, "kind": kind, "output_size": o}
    if kind == "avg":
        pool = [F.adaptive_avg_pool1d, F.adaptive_avg_pool2d, F.adaptive_avg_pool3d][nd - 1]
        return args, kw, lambda a: pool(a["x"], o)
    pool = [F.adaptive_max_pool1d, F.adaptive_max_pool2d, F.adaptive_max_pool3d][nd - 1]
    return args, kw, lambda a: pool(a["x"], o, kind == "max_idx")


def lp_pool3d_2x(x, p, k, stride, ceil):
    kd, kh, kw_ = per(k, 3)
    out = F.avg_pool3d(x.pow(p), k, stride, 0, ceil)
    return (torch.sign(out) * F.relu(torch.abs(out))).mul(kd * kh * kw_).pow(1.0 / p)


@family("lppool", 5)
def _():
    nd = R.choice([1, 2, 3])
    dt = dtype()
    p = R.choice([1.0, 2.0, 3.0, 1.5])
    k = R.randint(1, 3) if nd == 1 else tup(nd, 1, 3)
    stride = None if R.random() < 0.3 else (R.randint(1, 3) if nd == 1 else tup(nd, 1, 3))
    ceil = R.random() < 0.5
    sp = [R.randint(max(per(k, nd)), 6 + BIG) for _ in range(nd)]
    xs, _ = batch_shape(nd, R.randint(1, 2), sp, allow_zero=False)
    x = ft(xs, dt, 0.1, 2.0)
    args = [("x", x, dt == F64, maybe_cl(x))]
    kw = {"nd": nd, "norm_type": p, "kernel": k, "stride": stride, "ceil_mode": ceil}
    if nd == 3:
        return args, kw, lambda a: lp_pool3d_2x(a["x"], p, k, stride, ceil)
    pool = [F.lp_pool1d, F.lp_pool2d][nd - 1]
    return args, kw, lambda a: pool(a["x"], p, k, stride, ceil)


def norm_input(dt, ranks=(2, 3, 4, 5), lo_c=1, hi_c=3, zero=True):
    r = R.choice(ranks)
    c = R.randint(lo_c, hi_c)
    n = 0 if zero and R.random() < 0.07 else R.choice([1, 2, 3])
    s = [n, c] + [R.randint(1, 3 + BIG) for _ in range(r - 2)]
    return s, c


def running_stats(args, c, dt):
    """running_mean and running_var arguments appended; the buffers to record after the call (updated in place)."""
    args.append(("running_mean", ft([c], dt, -0.5, 0.5), False, False))
    args.append(("running_var", ft([c], dt, 0.5, 2.0), False, False))
    return {n: (lambda a, n=n: a[n]) for n in ("running_mean", "running_var")}


@family("batchnorm", 10)
def _():
    dt = dtype()
    s, c = norm_input(dt)
    training = R.random() < 0.6
    mom = R.choice([0.1, 0.5, 1.0, 0.0])
    eps = R.choice([1e-5, 1e-3, 0.1])
    x = ft(s, dt)
    args = [("x", x, dt == F64, maybe_cl(x))]
    stats = not training or R.random() < 0.7
    buffers = running_stats(args, c, dt) if stats else {}
    if R.random() < 0.7:
        args.append(("weight", ft([c], dt), dt == F64, False))
    if R.random() < 0.7:
        args.append(("bias", ft([c], dt), dt == F64, False))
    kw = {"training": training, "momentum": mom, "eps": eps}
    return args, kw, lambda a: F.batch_norm(a["x"], a.get("running_mean"), a.get("running_var"), a.get("weight"),
                                            a.get("bias"), training, mom, eps), buffers


@family("bnmodule", 6)
def _():
    dt = dtype()
    nd = R.choice([1, 2, 3])
    c = R.randint(1, 3)
    rank = {1: R.choice([2, 3]), 2: 4, 3: 5}[nd]
    steps = R.randint(1, 3)
    mom = R.choice([None, None, 0.1, 0.3])
    affine = R.random() < 0.7
    track = R.random() < 0.8
    eps = R.choice([1e-5, 1e-2])
    shapes = []
    for _ in range(steps):
        shapes.append([R.randint(1, 3), c] + [R.randint(1, 3) for _ in range(rank - 2)])
    args = [("x%d" % i, ft(shapes[i], dt), dt == F64 and i == steps - 1, False) for i in range(steps)]
    if affine:
        args.append(("weight", ft([c], dt), dt == F64, False))
        args.append(("bias", ft([c], dt), dt == F64, False))
    cls = [nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d][nd - 1]
    kw = {"nd": nd, "features": c, "eps": eps, "momentum": mom, "affine": affine, "track_running_stats": track,
          "steps": steps}

    def f(a):
        m = copy_in(cls(c, eps, mom, affine, track, dtype=dt), a, ["weight", "bias"] if affine else [])
        m.train()
        out = None
        for i in range(steps):
            out = m(a["x%d" % i])
        f.module = m
        return out
    buffers = {}
    if track:
        buffers = {"running_mean": lambda a: f.module.running_mean, "running_var": lambda a: f.module.running_var,
                   "num_batches_tracked": lambda a: f.module.num_batches_tracked}
    buffers["eval"] = lambda a: f.module.eval()(a["x0"])
    return args, kw, f, buffers


@family("instnorm", 7)
def _():
    dt = dtype()
    s, c = norm_input(dt, ranks=(3, 4, 5))
    uis = R.random() < 0.8
    mom = R.choice([0.1, 0.5])
    eps = R.choice([1e-5, 1e-2])
    x = ft(s, dt)
    args = [("x", x, dt == F64, maybe_cl(x))]
    stats = not uis or R.random() < 0.5
    buffers = running_stats(args, c, dt) if stats else {}
    if R.random() < 0.6:
        args.append(("weight", ft([c], dt), dt == F64, False))
        args.append(("bias", ft([c], dt), dt == F64, False))
    kw = {"use_input_stats": uis, "momentum": mom, "eps": eps}
    return args, kw, lambda a: F.instance_norm(a["x"], a.get("running_mean"), a.get("running_var"), a.get("weight"),
                                               a.get("bias"), uis, mom, eps), buffers


@family("groupnorm", 6)
def _():
    dt = dtype()
    g = R.randint(1, 3)
    c = g * R.randint(1, 2)
    r = R.choice([2, 3, 4, 5])
    n = 0 if R.random() < 0.07 else R.randint(1, 3)
    s = [n, c] + [R.randint(1, 3 + BIG) for _ in range(r - 2)]
    eps = R.choice([1e-5, 1e-2])
    x = ft(s, dt)
    args = [("x", x, dt == F64, maybe_cl(x))]
    if R.random() < 0.6:
        args.append(("weight", ft([c], dt), dt == F64, False))
    if R.random() < 0.6:
        args.append(("bias", ft([c], dt), dt == F64, False))
    kw = {"groups": g, "eps": eps}

    def f(a):
        w = a.get("weight")
        if w is None and "bias" in a:
            # 1.13's group_norm backward with a bias and no weight fails ("tensor does not have a device"); 2.x's
            # answer is the unit weight's (the same values and gradients)
            w = torch.ones([c], dtype=dt)
        return F.group_norm(a["x"], g, w, a.get("bias"), eps)
    return args, kw, f


@family("layernorm", 6)
def _():
    dt = dtype()
    r = R.randint(1, 4)
    s = [R.randint(1, 3) for _ in range(r)]
    if R.random() < 0.07:
        s[0] = 0
    m = R.randint(1, r)
    ns = s[r - m:]
    if ns and ns[0] == 0:
        s[0] = 1
        ns = s[r - m:]
    eps = R.choice([1e-5, 1e-2])
    x = ft(s, dt)
    args = [("x", x, dt == F64, maybe_cl(x))]
    if R.random() < 0.6:
        args.append(("weight", ft(ns, dt), dt == F64, False))
    if R.random() < 0.6:
        args.append(("bias", ft(ns, dt), dt == F64, False))
    kw = {"normalized_shape": ns, "eps": eps}
    return args, kw, lambda a: F.layer_norm(a["x"], ns, a.get("weight"), a.get("bias"), eps)


@family("lrn", 5)
def _():
    dt = dtype()
    r = R.choice([3, 4, 5])
    s = [R.randint(1, 2), R.randint(1, 5 + BIG)] + [R.randint(1, 3 + BIG) for _ in range(r - 2)]
    size = R.randint(1, 4)
    alpha, beta, k = R.choice([1e-4, 0.1, 1.0]), R.choice([0.75, 0.5, 1.0]), R.choice([1.0, 2.0])
    x = ft(s, dt)
    args = [("x", x, dt == F64, maybe_cl(x))]
    kw = {"size": size, "alpha": alpha, "beta": beta, "k": k}
    return args, kw, lambda a: F.local_response_norm(a["x"], size, alpha, beta, k)


@family("refuse", 8)
def _():
    kind = R.choice(["conv_channels", "conv_kernel", "conv_groups", "conv_groups_out", "convt_outpad", "pool_pad",
                     "pool_kernel", "avg_pad", "bn_one", "bn_weight", "gn_groups", "ln_shape", "in_one",
                     "conv_same_stride", "conv_rank", "unpool_size", "adaptive_zero", "lrn_rank"])
    dt = F64
    nd = R.choice([1, 2, 3])
    conv = [F.conv1d, F.conv2d, F.conv3d][nd - 1]
    sp = [R.randint(2, 4) for _ in range(nd)]
    if kind == "conv_channels":
        x, w = ft([1, 3] + sp), ft([2, R.choice([2, 4])] + [1] * nd)
        return [("x", x, True, False), ("weight", w, True, False)], {"nd": nd, "kind": kind}, \
            lambda a: conv(a["x"], a["weight"])
    if kind == "conv_kernel":
        pad = R.randint(0, 1)
        x, w = ft([1, 1] + sp), ft([1, 1] + [s + 2 * pad + 1 for s in sp])
        return [("x", x, True, False), ("weight", w, True, False)], {"nd": nd, "kind": kind, "padding": pad}, \
            lambda a: conv(a["x"], a["weight"], None, 1, pad)
    if kind == "conv_groups":
        g = R.choice([0, -1, 2])
        x, w = ft([1, 3] + sp), ft([2, 1] + [1] * nd)
        return [("x", x, True, False), ("weight", w, True, False)], {"nd": nd, "kind": kind, "groups": g}, \
            lambda a: conv(a["x"], a["weight"], None, 1, 0, 1, g)
    if kind == "conv_groups_out":
        x, w = ft([1, 4] + sp), ft([3, 2] + [1] * nd)
        return [("x", x, True, False), ("weight", w, True, False)], {"nd": nd, "kind": kind, "groups": 2}, \
            lambda a: conv(a["x"], a["weight"], None, 1, 0, 1, 2)
    if kind == "convt_outpad":
        st = R.randint(1, 2)
        convt = [F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d][nd - 1]
        x, w = ft([1, 1] + sp), ft([1, 1] + [2] * nd)
        return [("x", x, True, False), ("weight", w, True, False)], \
            {"nd": nd, "kind": kind, "stride": st, "output_padding": st}, \
            lambda a: convt(a["x"], a["weight"], None, st, 0, st)
    if kind == "pool_pad":
        k = R.randint(1, 3)
        p = k // 2 + 1
        pool = [lambda x, k, s, p: max_pool1d_2x(x, k, s, p, 1, False, False), F.max_pool2d, F.max_pool3d][nd - 1]
        return [("x", ft([1, 1] + [4] * nd), True, False)], {"nd": nd, "kind": kind, "kernel": k, "padding": p}, \
            lambda a: pool(a["x"], k, 1, p)
    if kind == "pool_kernel":
        pool = [lambda x, k: max_pool1d_2x(x, k, None, 0, 1, False, False), F.max_pool2d, F.max_pool3d][nd - 1]
        k = 5
        return [("x", ft([1, 1] + [3] * nd), True, False)], {"nd": nd, "kind": kind, "kernel": k}, \
            lambda a: pool(a["x"], k)
    if kind == "avg_pad":
        k = R.randint(1, 3)
        p = k // 2 + 1
        pool = [F.avg_pool1d, F.avg_pool2d, F.avg_pool3d][nd - 1]
        return [("x", ft([1, 1] + [4] * nd), True, False)], {"nd": nd, "kind": kind, "kernel": k, "padding": p}, \
            lambda a: pool(a["x"], k, 1, p)
    if kind == "bn_one":
        c = R.randint(1, 3)
        s = [1, c] + [1] * R.randint(0, 2)
        return [("x", ft(s), True, False), ("running_mean", ft([c]), False, False),
                ("running_var", ft([c], F64, 0.5, 1.5), False, False)], {"kind": kind}, \
            lambda a: F.batch_norm(a["x"], a["running_mean"], a["running_var"], None, None, True)
    if kind == "bn_weight":
        return [("x", ft([2, 3]), True, False), ("running_mean", ft([3]), False, False),
                ("running_var", ft([3], F64, 0.5, 1.5), False, False), ("weight", ft([2]), True, False)], \
            {"kind": kind}, \
            lambda a: F.batch_norm(a["x"], a["running_mean"], a["running_var"], a["weight"], None, False)
    if kind == "gn_groups":
        return [("x", ft([2, 3, 2]), True, False)], {"kind": kind, "groups": 2}, lambda a: F.group_norm(a["x"], 2)
    if kind == "ln_shape":
        return [("x", ft([2, 3]), True, False)], {"kind": kind, "normalized_shape": [2]}, \
            lambda a: F.layer_norm(a["x"], [2])
    if kind == "in_one":
        return [("x", ft([2, 3, 1]), True, False)], {"kind": kind}, lambda a: F.instance_norm(a["x"])
    if kind == "conv_same_stride":
        x, w = ft([1, 1] + sp), ft([1, 1] + [2] * nd)
        return [("x", x, True, False), ("weight", w, True, False)], {"nd": nd, "kind": kind}, \
            lambda a: conv(a["x"], a["weight"], None, 2, "same")
    if kind == "conv_rank":
        x, w = ft([1, 1, 1, 1] + sp), ft([1, 1] + [1] * nd)
        return [("x", x, True, False), ("weight", w, True, False)], {"nd": nd, "kind": kind}, \
            lambda a: conv(a["x"], a["weight"])
    if kind == "unpool_size":
        unpool = [F.max_unpool1d, F.max_unpool2d, F.max_unpool3d][nd - 1]
        x = ft([1, 1] + [2] * nd)
        i = torch.zeros([1, 1] + [2] * nd, dtype=I64)
        return [("x", x, True, False), ("indices", i, False, False)], \
            {"nd": nd, "kind": kind, "output_size": [9] * nd}, \
            lambda a: unpool(a["x"], a["indices"], 2, 2, 0, tuple([9] * nd))
    if kind == "adaptive_zero":
        pool = [F.adaptive_avg_pool1d, F.adaptive_avg_pool2d, F.adaptive_avg_pool3d][nd - 1]
        x = ft([1, 1] + [0] + [2] * (nd - 1))
        return [("x", x, True, False)], {"nd": nd, "kind": kind}, lambda a: pool(a["x"], 2)
    x = ft([3])
    return [("x", x, True, False)], {"kind": kind}, lambda a: F.local_response_norm(a["x"], 2)


# --------------------------------------------------------------------------------------------------------------
MSG_2X = [
    (r"^pad should be at most half of kernel size, but got pad=(-?\d+) and kernel_size=(\d+)$",
     r"pad should be at most half of effective kernel size, but got pad=\1, kernel_size=\2 and dilation=1"),
    (r"^Expected 3D or higher dimensionality +input", "Expected 3D or higher dimensionality input"),
    (r"^(Found an invalid max index: .* \(output volumes are of size [0-9x]+)$", r"\1)"),
]


def err_text(e):
    msg = str(e).split("\n")[0]
    for pat, rep in MSG_2X:
        msg = re.sub(pat, rep, msg)
    return msg


def max_pool1d_2x(x, k, stride, pad, dil, ceil, ri):
    """2.x's F.max_pool1d: check_max_pool1d's checks first (with or without grad), then the pool; return_indices calls
    max_pool1d_with_indices, which checks as max_pool2d_with_indices does (as 1.13's)."""
    if ri:
        return F.max_pool1d(x, k, stride, pad, dil, ceil, ri)
    kk, pp, dd = per(k, 1)[0], per(pad, 1)[0], per(dil, 1)[0]
    ss = kk if stride is None else per(stride, 1)[0]
    if pp > kk // 2:
        raise RuntimeError("max_pool1d() padding should be at most half of kernel size, but got padding=%d and "
                           "kernel_size=%d" % (pp, kk))
    span = x.shape[-1] + 2 * pp - dd * (kk - 1) - 1
    ow = (span + (ss - 1 if ceil else 0)) // ss + 1
    if ceil and (ow - 1) * ss >= x.shape[-1] + pp:
        ow -= 1
    if ow <= 0:
        raise RuntimeError("max_pool1d() Invalid computed output size: %d" % ow)
    return F.max_pool1d(x, k, stride, pad, dil, ceil, ri)


def emit(label, name, built):
    args, kw, fn = built[0], built[1], built[2]
    buffers = built[3] if len(built) > 3 else {}
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
    if isinstance(y, tuple):
        lines.append("o " + tline(y[0]))
        lines.append("oi " + tline(y[1]))
        y = y[0]
    else:
        lines.append("o " + tline(y))
    module = getattr(fn, "module", None)
    for bn, get in buffers.items():
        if bn == "eval":
            with torch.no_grad():
                lines.append("oe " + tline(get(leaves)))
        else:
            lines.append("st %s %s" % (bn, tline(get(leaves))))
    if not rg:
        return lines
    g = torch.tensor([R.randint(-8, 8) / 8 for _ in range(y.numel())], dtype=F64).reshape(y.shape).to(y.dtype)
    lines.append("g " + tline(g))
    ins = []
    for n in rg:
        if module is not None and n in ("weight", "bias"):
            ins.append(getattr(module, n))
        else:
            ins.append(leaves[n])
    try:
        grads = torch.autograd.grad((y * g).sum(), ins, allow_unused=True) if y.requires_grad else [None] * len(ins)
    except Exception as e:  # noqa
        lines.append("gerr " + err_text(e))
        return lines
    for n, gr in zip(rg, grads):
        lines.append("gx %s %s" % (n, "none" if gr is None else tline(gr)))
    return lines


def fixes():
    """FuzzRound39FixesTest's cases (FUZZ_FIXES=1), one a fix."""
    out = []
    # instance_norm of an empty batch with a weight: the weight repeated over no instances is empty, and batch_norm's
    # empty-input path reads weight[0]: select's refusal
    args = [("x", ft([0, 2, 3]), True, False), ("weight", ft([2]), True, False), ("bias", ft([2]), True, False)]
    kw = {"use_input_stats": True, "momentum": 0.1, "eps": 1e-5}
    out += emit("fix_instance_norm_empty_batch_weight", "instnorm", (args, kw, lambda a: F.instance_norm(
        a["x"], None, None, a["weight"], a["bias"], True, 0.1, 1e-5)))
    # the same without weight and bias: an empty result
    args = [("x", ft([0, 2, 3]), True, False)]
    out += emit("fix_instance_norm_empty_batch", "instnorm", (args, kw, lambda a: F.instance_norm(
        a["x"], None, None, None, None, True, 0.1, 1e-5)))
    # batch_norm with no channels and an empty weight: weight[0] refused
    args = [("x", ft([2, 0, 3]), True, False), ("weight", ft([0]), True, False)]
    kw = {"training": True, "momentum": 0.1, "eps": 1e-5}
    out += emit("fix_batch_norm_no_channels_weight", "batchnorm", (args, kw, lambda a: F.batch_norm(
        a["x"], None, None, a["weight"], None, True, 0.1, 1e-5)))
    # conv_transpose of an empty batch: no output-size check, the result viewed to the computed size
    for label, nd, sp, k, st, pad, dil in [("fix_convt2d_empty_negative", 2, [4, 1], [2, 1], [2, 1], 2, [1, 2]),
                                            ("fix_convt1d_empty_minus_one", 1, [1], [1], 1, 1, 1),
                                            ("fix_convt3d_empty_zero", 3, [1, 2, 2], [1, 1, 1], 1, [0, 1, 0], 1)]:
        args = [("x", ft([0, 1] + sp), True, False), ("weight", ft([1, 2] + k), True, False)]
        op = 0 if nd == 1 else [0] * nd
        conv = [F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d][nd - 1]
        kw = {"nd": nd, "stride": st, "padding": pad, "output_padding": op, "groups": 1, "dilation": dil}
        out += emit(label, "convt", (args, kw, lambda a, conv=conv, st=st, pad=pad, op=op, dil=dil: conv(
            a["x"], a["weight"], None, st, pad, op, 1, dil)))
    return out


def main():
    if os.environ.get("FUZZ_FIXES"):
        print("\n".join(fixes()))
        return
    plan = []
    for n in sorted(FAMILIES):
        plan += [n] * max(1, int(round(FAMILIES[n][1] * 6.5 * SCALE_N)))
    R.shuffle(plan)
    out = []
    for k, n in enumerate(plan):
        out.extend(emit("r39_%d" % k, n, FAMILIES[n][0]()))
    print("\n".join(out))


main()
