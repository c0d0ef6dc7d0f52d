# Differential fuzz round 33 for DifferentialFuzzR33Test.java: seeded single calls of THE LOSS FUNCTIONS at their
# corners (values, the result's grad_fn name, float64 gradients, PyTorch's refusals), run in PyTorch with every result
# recorded; FuzzR33Interpreter.java replays each in Ember.
#   run: cd engine-cpu/src/test/resources/differentialfuzzr33 && /usr/bin/python3 make_cases.py > cases.txt
#   (PyTorch 1.13 CPU; seed 33, every draw seeded, so a second run writes the same bytes)
#   the fixes' cases (FuzzRound33FixesTest): FUZZ_FIXES=1 /usr/bin/python3 make_cases.py > fixes.txt
#   a local hunt: FUZZ_SEED=<s> FUZZ_N=<n> /usr/bin/python3 make_cases.py > /tmp/hunt.txt, then the test with
#   -Dember.fuzz33.file=/tmp/hunt.txt (inside -Dember.test.argLine); FUZZ_N scales the number of cases per op
#
# Rounds 1-32 never made the losses their subject (LossSweepTest holds fixed cases; round 22 drew some under
# autocast). This round draws one F.<loss> call a case: l1_loss, mse_loss, smooth_l1_loss (beta 0, 0.5, 1, 2),
# huber_loss (delta), cross_entropy (class indices and class probabilities, weight, ignore_index -100 / negative /
# inside the range, label_smoothing, inputs [C], [N, C], [N, C, d1], [N, C, d1, d2], empty batches, an all-ignored
# batch), nll_loss (the same axes), binary_cross_entropy (weight broadcast, inputs exactly 0 and 1: the log clamped at
# -100), binary_cross_entropy_with_logits (weight, pos_weight broadcast, large logits), kl_div (log_target,
# reduction none / mean / sum / batchmean), poisson_nll_loss (log_input, full, eps), gaussian_nll_loss (var of the
# input's shape, one dim short, last dim 1; full, eps), soft_margin_loss, multilabel_soft_margin_loss (weight),
# multilabel_margin_loss (targets ended by -1), multi_margin_loss (p 1 / 2, margin, weight), hinge_embedding_loss,
# margin_ranking_loss, cosine_embedding_loss, triplet_margin_loss (p, eps, swap), triplet_margin_with_distance_loss
# (the default distance, margin, swap), ctc_loss (blank, zero_infinity, padded 2-D or concatenated 1-D targets,
# unbatched [T, C] inputs, lengths, reduction; impossible alignments: inf, or 0 with zero_infinity) - every loss
# Ember's Functional exports. The nn.*Loss modules call the same functions (not drawn separately).
# A quarter of the cases call the nn.*Loss module instead (line "mod"): PyTorch's forward is the F call with the
# module's attributes, and 2.x's TripletMarginLoss / TripletMarginWithDistanceLoss constructors refuse a margin <= 0
# ("TripletMarginLoss: expected margin to be greater than 0, got 0.0 instead"; 1.13's do not: emulated).
# Reductions none / mean / sum, and now and then a bad one ("avg").
# Dtypes: float32 and float64 everywhere; bfloat16 and float16 where 1.13's CPU kernels take them (a half case that
# 1.13 refuses is not written: 2.x's kernels take more half types, e.g. binary_cross_entropy's AND2(Half, BFloat16)).
# Shapes: broadcasting of target against input for the regression losses (PyTorch's "Using a target size ... that is
# different to the input size" warning: not compared, Ember logs it), non-broadcastable shapes, empty batches.
# Refusals (PyTorch's first message line; every input must be unchanged afterwards): out-of-range class indices,
# mismatched batch sizes and shapes, a weight of the wrong size, a bad reduction string, BCE inputs / targets outside
# [0, 1], negative variances, var of the wrong size, p other than 1 / 2 for multi_margin_loss, bad label_smoothing,
# ignore_index with class probabilities.
#
# Comparison: values within tol * max(1, max |expected|) over the tensor, tol 1e-12 (float64: the gradients too),
# 1e-5 (float32), 2^-7 (bfloat16), 2^-10 (float16) (FuzzR31Interpreter.compare's, with the scale factor of the "tol"
# line where a case has one: the half types' losses are sums of rounded terms, drawn with "tol 4"); NaN where NaN,
# infinities in place. The grad_fn name of the result exactly; the gradient of sum(out * g) (g a seeded k/8 tensor of
# the output's shape) with respect to each float64 input PyTorch differentiates (the input; the target, var,
# second input, positive / negative where PyTorch's derivative exists: a backward that 1.13 refuses for the target
# ("the derivative for 'target' is not implemented", "not differentiable with respect to argument 'target'") is
# retried with the input alone).
#
# 1.13 and 2.x (Ember follows 2.x; the generator writes 2.x's answer):
# - kl_div: 1.13 has a native kernel (KlDivBackward0, the pointwise where(target > 0, target (log target - input),
#   0)); 2.x (aten/src/ATen/native/Loss.cpp) composes xlogy(target, target) - target * input (log_target:
#   exp(target) * (target - input)) and apply_loss_reduction, batchmean dividing the sum by input.size(0) in
#   functional.py: the generator runs that composition (nodes SubBackward0 / MulBackward0 / MeanBackward0 /
#   SumBackward0 / DivBackward0), and 2.x's refusal of integral inputs is not drawn.
# - binary_cross_entropy: 2.x's CPU kernel also checks the target ("all elements of target should be between 0 and
#   1"), element by element after the input's check of the same element; 1.13 does not check the target: the
#   generator checks both in 2.x's order (row-major over the inputs, same-shaped there) and writes 2.x's first message.
# - smooth_l1_loss with beta 0: 2.x's functional.py calls l1_loss on the broadcast tensors (AbsBackward0 / MeanBackward0
#   / SumBackward0), 1.13 smooth_l1_loss (SmoothL1LossBackward0): the generator calls l1_loss there.
# - triplet_margin_loss and triplet_margin_with_distance_loss refuse margin <= 0 in 2.x's functional.py ("margin must
#   be greater than 0, got 0.0", after the reduction's check); 2.x's triplet_margin_with_distance_loss also checks the
#   three ranks ("The anchor, positive, and negative tensors are expected to have the same number of dimensions, ...")
#   and clamps with clamp_min (ClampMinBackward0; 1.13 clamp(min=0.0), ClampBackward1): written by the generator's
#   2.x forms.
# - gaussian_nll_loss: 2.x's functional.py (2.6 on, which also takes a float var) refuses negative var entries first,
#   then var's size (also accepting var of the input's rank with one mismatched dim of size 1, e.g. [4, 1, 3] for
#   [4, 2, 3]), then the reduction; 1.13 checks the size, the reduction, then the sign: written by gaussian_nll_2x.
# - multi_margin_loss: 2.x's multi_margin_loss_shape_check refuses a weight of another size than the classes
#   ("inconsistent weight size, expected 4 but got [5]"); 1.13 reads past it: the generator checks it first.
# - ctc_loss with an input length 0: 1.13 reads log_alpha at t = -1 (values such as -0.69 or -1e98); 2.x's
#   ctc_loss_cpu_template (LossCTC.cpp) gives such a sample the loss 0 (target length 0) or inf and a zero gradient:
#   written by ctc_2x (the other samples through 1.13, 2.x's reduction composed on them).
# - Not drawn (no answer to compare): ctc_loss with a label outside the classes (read out of bounds); multi_margin_loss / multilabel_margin_loss of
#   an empty batch with reduction mean / sum (1.13 returns uninitialized memory, 6.9e-310).
# - binary_cross_entropy_with_logits: 2.x computes (1 - t) x - log_sigmoid(x) (weighted by (pw - 1) t + 1), 1.13
#   max_val's form: the same values within the tolerance (large logits drawn, both are stable).
#
# Format: "=== r33_<k> <op> <input dtype>", then lines by first word:
#   mod                 the call is the nn.*Loss module's (constructed with the case's arguments, then forward)
#   a <name> <tensor>   a tensor argument (r17's tensor lines "dtype [shape] : values"): input, target, weight,
#                       pos_weight, var, input1, input2, anchor, positive, negative, log_probs, input_lengths,
#                       target_lengths (ctc's lengths as int64 tensors)
#   rg <names>          the float64 arguments that require grad
#   s <op> [k=v ...]    the call's other arguments (N None, True / False, numbers)
#   err <message>       PyTorch refuses with this (first line); the arguments must be unchanged
#   o <tensor>          the result
#   fn <name>           its grad_fn name (absent: none)
#   g <tensor>          the upstream gradient (backward of sum(out * g))
#   gx <name> <tensor>  the gradient of the argument <name> ("gx <name> none": none reached it)
#   tol <factor>        the tolerance's factor (absent: 1)
import math
import os
import random
import warnings

import torch
import torch.nn.functional as F

warnings.simplefilter("ignore")
SEED = int(os.environ.get("FUZZ_SEED", "33"))
SCALE_N = float(os.environ.get("FUZZ_N", "1"))
R = random.Random(SEED)
torch.manual_seed(SEED)
torch.set_num_threads(1)

F64, F32, F16, BF16, I64 = torch.float64, torch.float32, torch.float16, torch.bfloat16, torch.int64
NAN = float("nan")
INF = float("inf")
OUT = []
COUNT = [0]
DROPPED = [0]


def num(v):
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return repr(v)


def dname(t):
    return str(t.dtype).replace("torch.", "")


def tline(t):
    t = t.detach()
    shape = list(t.shape)
    if t.is_floating_point():
        body = " ".join(num(v) for v in t.to(F64).reshape(-1).tolist())
    else:
        body = " ".join(str(int(v)) for v in t.reshape(-1).tolist())
    return "%s [%s] : %s" % (dname(t), ", ".join(str(s) for s in shape), body)


def pv(v):
    if v is None:
        return "N"
    if isinstance(v, bool):
        return "True" if v else "False"
    if isinstance(v, float):
        return num(v)
    return str(v)


def err_text(e):
    return str(e).split("\n")[0]


def numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def vals(n, lo=-3.0, hi=3.0, special=0.03):
    out = []
    for _ in range(n):
        if R.random() < special:
            out.append(R.choice([NAN, INF, -INF]))
        else:
            out.append(round(R.uniform(lo, hi) * 8) / 8 if R.random() < 0.5 else R.uniform(lo, hi))
    return out


def ft(shape, dtype, v=None, **kw):
    if v is None:
        v = vals(numel(shape), **kw)
    return torch.tensor(v, dtype=F64).reshape(shape).to(dtype)


def it(shape, v):
    return torch.tensor(v, dtype=I64).reshape(shape)


def red():
    r = R.random()
    return "avg" if r < 0.03 else R.choice(["none", "mean", "sum"])


def batch():
    return 0 if R.random() < 0.1 else R.randint(1, 5)


def reg_shapes():
    """input and target shapes of a regression loss: equal, broadcastable, or not."""
    rank = R.choice([0, 1, 2, 2, 3])
    s = [batch() if i == 0 else R.randint(1, 4) for i in range(rank)]
    r = R.random()
    if r < 0.7 or rank == 0:
        return s, list(s)
    if r < 0.9:
        t = list(s)
        t[R.randrange(rank)] = 1
        if R.random() < 0.5:
            t = t[1:]
        return s, t
    t = list(s)
    k = R.randrange(rank)
    t[k] = t[k] + R.randint(1, 2)
    return s, t


def fdtype(halves=(F16, BF16)):
    r = R.random()
    if r < 0.5:
        return F64
    if r < 0.8:
        return F32
    return R.choice(halves) if halves else F32


# ------------------------------------------------------------------ 2.x emulations

def kl_div_2x(inp, tgt, reduction="mean", log_target=False):
    if reduction == "mean":
        pass
    if reduction not in ("none", "mean", "sum", "batchmean"):
        raise ValueError(reduction + " is not a valid value for reduction")
    if log_target:
        out = torch.exp(tgt) * (tgt - inp)
    else:
        out = torch.xlogy(tgt, tgt) - tgt * inp
    if reduction == "none":
        return out
    if reduction == "mean":
        return out.mean()
    s = out.sum()
    if reduction == "batchmean" and inp.dim() != 0:
        return s / inp.size()[0]
    return s


def bce_2x(inp, tgt, weight=None, reduction="mean"):
    if tgt.size() != inp.size():
        return F.binary_cross_entropy(inp, tgt, weight, reduction=reduction)  # 1.13's words (the same in 2.x)
    if reduction in ("none", "mean", "sum") and weight is not None:
        torch._C._infer_size(tgt.size(), weight.size())  # _infer_size's refusal first, as functional.py
    if reduction in ("none", "mean", "sum"):
        for x, y in zip(inp.detach().reshape(-1).tolist(), tgt.detach().reshape(-1).tolist()):
            if not (0 <= x <= 1):
                raise RuntimeError("all elements of input should be between 0 and 1")
            if not (0 <= y <= 1):
                raise RuntimeError("all elements of target should be between 0 and 1")
    return F.binary_cross_entropy(inp, tgt, weight, reduction=reduction)


def smooth_l1_2x(inp, tgt, reduction="mean", beta=1.0):
    if beta == 0.0:  # 2.x's functional.py: l1_loss of the broadcast tensors
        a, b = torch.broadcast_tensors(inp, tgt)
        return F.l1_loss(a, b, reduction=reduction)
    return F.smooth_l1_loss(inp, tgt, reduction=reduction, beta=beta)


def triplet_margin_2x(a, p, n, margin=1.0, p_norm=2.0, eps=1e-6, swap=False, reduction="mean"):
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    return F.triplet_margin_loss(a, p, n, margin=margin, p=p_norm, eps=eps, swap=swap, reduction=reduction)


def triplet_with_distance_2x(a, p, n, margin=1.0, swap=False, reduction="mean"):
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    if not (a.dim() == p.dim() and p.dim() == n.dim()):
        raise RuntimeError("The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {a.dim()}D, positive {p.dim()}D, and negative {n.dim()}D "
                           "inputs")
    dist_pos = torch.pairwise_distance(a, p)
    dist_neg = torch.pairwise_distance(a, n)
    if swap:
        dist_neg = torch.minimum(dist_neg, torch.pairwise_distance(p, n))
    loss = torch.clamp_min(margin + dist_pos - dist_neg, 0)
    if reduction == "sum":
        return torch.sum(loss)
    if reduction == "mean":
        return torch.mean(loss)
    return loss


def multi_margin_2x(inp, tgt, p=1, margin=1.0, weight=None, reduction="mean"):
    if weight is not None:
        dim = 1 if inp.dim() == 0 else inp.size(-1)
        if p in (1, 2) and reduction in ("none", "mean", "sum") and (weight.dim() > 1 or weight.numel() != dim):
            raise RuntimeError("inconsistent weight size, expected %d but got [%s]"
                               % (dim, ", ".join(str(x) for x in weight.shape)))
    return F.multi_margin_loss(inp, tgt, p=p, margin=margin, weight=weight, reduction=reduction)


def gaussian_nll_2x(inp, tgt, var, full=False, eps=1e-6, reduction="mean"):
    """2.x's functional.py (2.6 on): the negative entries first, then var's size (one dim short, or one mismatched dim
    where var has 1), then the reduction; the loss as 1.13's."""
    if torch.any(var < 0):
        raise ValueError("var has negative entry/entries")
    if var.size() != inp.size():
        if inp.size()[:-1] == var.size():
            var = torch.unsqueeze(var, -1)
        elif inp.dim() == var.dim() and sum(y for x, y in zip(inp.size(), var.size()) if x != y) == 1:
            pass
        else:
            raise ValueError("var is of incorrect size")
    if reduction != "none" and reduction != "mean" and reduction != "sum":
        raise ValueError(reduction + " is not valid")
    var = var.clone()
    with torch.no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (torch.log(var) + (inp - tgt) ** 2 / var)
    if full:
        loss += 0.5 * math.log(2 * math.pi)
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def ctc_2x(lp, tg, il, tl, blank=0, reduction="mean", zero_infinity=False):
    """2.x's ctc_loss_cpu_template: a sample of input length 0 has the loss 0 (target length 0) or inf, and no
    gradient; 1.13 reads log_alpha at t = -1 there. The other samples run through 1.13 (reduction none) with the
    zero-length ones given length 1 and an empty target, then 2.x's reduction (zero_infinity's where, the mean over
    loss / target_lengths.clamp_min(1)); the grad_fn is the one the same call of 1.13 names."""
    mask = il == 0
    batch = lp.size(1) if lp.dim() == 3 else 1
    if not bool(mask.any()) or reduction not in ("none", "mean", "sum") or il.numel() != batch \
            or tl.numel() != batch:  # (the refusals: 1.13's checks, the same words in 2.x)
        return F.ctc_loss(lp, tg, il, tl, blank=blank, reduction=reduction, zero_infinity=zero_infinity)
    # the zero-length samples' log_probs replaced by finite ones in the stand-in call (through where: no gradient
    # reaches them, as 2.x's kernel zeroes those samples' gradient whatever their values)
    rows = mask.reshape(1, -1, 1) if lp.dim() == 3 else mask.reshape(1, 1)
    lp = torch.where(rows, torch.full((), -math.log(lp.size(-1)), dtype=lp.dtype), lp)
    il2 = torch.where(mask, torch.ones_like(il), il)
    tl2 = torch.where(mask, torch.zeros_like(tl), tl)
    if tg.dim() == 1:
        rows, pos = [], 0
        for b in range(tl.numel()):
            k = int(tl.reshape(-1)[b])
            if not bool(mask.reshape(-1)[b]):
                rows.append(tg[pos:pos + k])
            pos += k
        tg2 = torch.cat(rows) if rows else tg[:0]
    else:
        tg2 = tg
    name = type(F.ctc_loss(lp, tg2, il2, tl2, blank=blank, reduction=reduction,
                           zero_infinity=zero_infinity).grad_fn).__name__
    res = F.ctc_loss(lp, tg2, il2, tl2, blank=blank, reduction="none", zero_infinity=zero_infinity)
    const = torch.where(tl == 0, torch.zeros((), dtype=lp.dtype), torch.full((), INF, dtype=lp.dtype))
    if zero_infinity:
        const = torch.zeros_like(const)
    res = torch.where(mask, const, res)
    if reduction == "mean":
        res = (res / tl.clamp_min(1).to(res.dtype)).mean()
    elif reduction == "sum":
        res = res.sum()
    res._fn_name = name
    return res


# ------------------------------------------------------------------ the losses

def draw_regression(op):
    dt = fdtype()
    si, st = reg_shapes()
    args = {"input": ft(si, dt), "target": ft(st, dt)}
    kw = {"reduction": red()}
    if op == "smooth_l1_loss":
        kw["beta"] = R.choice([0.0, 0.5, 1.0, 2.0])
        # |input - target| exactly beta now and then
        if kw["beta"] > 0 and si == st and numel(si) > 0 and R.random() < 0.4:
            t = args["input"].clone().reshape(-1)
            t[0] = t[0] + kw["beta"]
            args["target"] = t.reshape(si)
    if op == "huber_loss":
        kw["delta"] = R.choice([0.5, 1.0, 2.5])
    f = smooth_l1_2x if op == "smooth_l1_loss" else getattr(F, op)
    return dt, args, kw, lambda a: f(a["input"], a["target"], **kw), ["input", "target"]


def class_shapes():
    """the input's shape ([C], [N, C], [N, C, d1], [N, C, d1, d2]) and the target's (class indices)."""
    c = R.randint(1, 5)
    r = R.random()
    if r < 0.15:
        return [c], []
    n = batch()
    if r < 0.65:
        return [n, c], [n]
    if r < 0.85:
        d = R.randint(1, 3)
        return [n, c, d], [n, d]
    d1, d2 = R.randint(1, 3), R.randint(1, 3)
    return [n, c, d1, d2], [n, d1, d2]


def draw_classes(op):
    dt = fdtype(halves=(BF16,))
    si, st = class_shapes()
    c = si[0] if len(si) == 1 else si[1]
    ignore = R.choice([-100, -100, -1, R.randrange(c), None])
    kw = {}
    probs = op == "cross_entropy" and R.random() < 0.3
    args = {"input": ft(si, dt, lo=-4, hi=4)}
    if op == "nll_loss" and R.random() < 0.7:
        cd = 0 if len(si) == 1 else 1
        args["input"] = torch.log_softmax(args["input"].to(F64), cd).to(dt)
    if probs:
        p = torch.tensor([R.random() for _ in range(numel(si))], dtype=F64).reshape(si)
        if numel(si) > 0:
            p = p / p.sum(0 if len(si) == 1 else 1, keepdim=True)
        args["target"] = p.to(dt)
        if R.random() < 0.15:  # a mismatched probabilities shape
            args["target"] = ft(si[:-1] + [si[-1] + 1], dt, lo=0, hi=1)
    else:
        tv = []
        all_ignored = ignore is not None and R.random() < 0.1
        for _ in range(numel(st)):
            if all_ignored:
                tv.append(ignore)
            elif ignore is not None and R.random() < 0.25:
                tv.append(ignore)
            elif R.random() < 0.04:
                tv.append(R.choice([c, c + 2, -2]))  # out of range (refused unless it is ignore_index)
            else:
                tv.append(R.randrange(c))
        args["target"] = it(st, tv)
        if R.random() < 0.06 and len(st) > 0:  # a mismatched batch
            s2 = list(st)
            s2[0] += 1
            args["target"] = it(s2, [R.randrange(c) for _ in range(numel(s2))])
    if R.random() < 0.4:
        wc = c if R.random() < 0.93 else c + 1
        args["weight"] = ft([wc], dt, [R.randint(1, 16) / 8 for _ in range(wc)])
    kw["reduction"] = red()
    if ignore is not None:
        kw["ignore_index"] = ignore
    if op == "cross_entropy":
        ls = R.choice([0.0, 0.0, 0.1, 0.5, 1.0]) if R.random() < 0.97 else 1.5
        if ls != 0.0:
            kw["label_smoothing"] = ls
    f = getattr(F, op)
    diff = ["input", "target"] if probs else ["input"]
    return dt, args, kw, lambda a: f(a["input"], a["target"], weight=a.get("weight"), **kw), diff


def weight_shape(s):
    r = R.random()
    if r < 0.4 or len(s) == 0:
        return list(s)
    if r < 0.7:
        return list(s[1:])
    if r < 0.9:
        return [1]
    return [s[-1] + 1]


def draw_bce(op):
    dt = F64 if R.random() < 0.6 else F32
    rank = R.choice([0, 1, 2, 2, 3])
    s = [batch() if i == 0 else R.randint(1, 4) for i in range(rank)]
    n = numel(s)
    if op == "binary_cross_entropy":
        iv = [R.choice([0.0, 1.0]) if R.random() < 0.2 else R.random() for _ in range(n)]
        if R.random() < 0.06 and n > 0:
            iv[R.randrange(n)] = R.choice([-0.25, 1.5, NAN])
    else:
        iv = vals(n, lo=-6, hi=6)
        for k in range(n):
            if R.random() < 0.1:
                iv[k] = R.choice([-40.0, 40.0, -800.0, 800.0])
    tv = [R.choice([0.0, 1.0]) if R.random() < 0.5 else R.random() for _ in range(n)]
    if op == "binary_cross_entropy" and R.random() < 0.06 and n > 0:
        tv[R.randrange(n)] = R.choice([-0.5, 2.0])
    args = {"input": ft(s, dt, iv), "target": ft(s, dt, tv)}
    if R.random() < 0.06:
        args["target"] = ft(s[1:] if rank > 0 else [2], dt, lo=0, hi=1)
    if R.random() < 0.4:
        ws = weight_shape(s)
        args["weight"] = ft(ws, dt, [R.randint(0, 16) / 8 for _ in range(numel(ws))])
    kw = {"reduction": red()}
    if op == "binary_cross_entropy":
        return dt, args, kw, lambda a: bce_2x(a["input"], a["target"], a.get("weight"), **kw), ["input", "target"]
    if R.random() < 0.4:
        ps = [s[-1]] if rank > 0 and R.random() < 0.6 else ([1] if R.random() < 0.5 else list(s))
        args["pos_weight"] = ft(ps, dt, [R.randint(0, 24) / 8 for _ in range(numel(ps))])
    return dt, args, kw, lambda a: F.binary_cross_entropy_with_logits(
        a["input"], a["target"], a.get("weight"), pos_weight=a.get("pos_weight"), **kw), ["input", "target"]


def draw_kl(op):
    dt = fdtype()
    si, st = reg_shapes()
    log_target = R.random() < 0.4
    n = numel(st)
    if log_target:
        tv = vals(n, lo=-5, hi=0.5, special=0.02)
    else:
        tv = [0.0 if R.random() < 0.25 else R.random() for _ in range(n)]
    args = {"input": ft(si, dt, lo=-5, hi=0.5), "target": ft(st, dt, tv)}
    r = R.random()
    kw = {"reduction": "avg" if r < 0.03 else R.choice(["none", "mean", "sum", "batchmean"]), "log_target": log_target}
    return dt, args, kw, lambda a: kl_div_2x(a["input"], a["target"], **kw), ["input", "target"]


def draw_poisson(op):
    dt = fdtype(halves=(BF16,))
    si, st = reg_shapes()
    log_input = R.random() < 0.6
    n = numel(si)
    iv = vals(n, lo=-3, hi=3) if log_input else [0.0 if R.random() < 0.15 else R.uniform(0, 5) for _ in range(n)]
    tv = [float(R.randint(0, 6)) if R.random() < 0.6 else R.uniform(0, 6) for _ in range(numel(st))]
    args = {"input": ft(si, dt, iv), "target": ft(st, dt, tv)}
    kw = {"log_input": log_input, "full": R.random() < 0.5, "eps": R.choice([1e-8, 1e-8, 0.1]), "reduction": red()}
    return dt, args, kw, lambda a: F.poisson_nll_loss(a["input"], a["target"], **kw), ["input", "target"]


def draw_gaussian(op):
    dt = F64 if R.random() < 0.6 else F32
    rank = R.choice([1, 2, 2, 3])
    s = [batch() if i == 0 else R.randint(1, 4) for i in range(rank)]
    r = R.random()
    if r < 0.5:
        vs = list(s)
    elif r < 0.7:
        vs = s[:-1]
    elif r < 0.8:
        vs = s[:-1] + [1]
    elif r < 0.9:
        vs = list(s)
        vs[R.randrange(rank)] = 1  # one mismatched dim of size 1 (2.x's broadcast case)
    else:
        vs = s[:-1] + [s[-1] + 1]
    vv = [R.choice([0.0, 1e-9]) if R.random() < 0.1 else R.uniform(0.01, 3) for _ in range(numel(vs))]
    if R.random() < 0.05 and vv:
        vv[R.randrange(len(vv))] = -0.5
    args = {"input": ft(s, dt), "target": ft(s, dt), "var": ft(vs, dt, vv)}
    kw = {"full": R.random() < 0.5, "eps": R.choice([1e-6, 1e-6, 0.5]), "reduction": red()}
    return dt, args, kw, lambda a: gaussian_nll_2x(a["input"], a["target"], a["var"], **kw), \
        ["input", "target", "var"]


def draw_soft_margin(op):
    dt = fdtype(halves=(BF16,))
    si, st = reg_shapes() if op == "soft_margin_loss" else (None, None)
    if op == "soft_margin_loss":
        args = {"input": ft(si, dt), "target": ft(st, dt, [R.choice([-1.0, 1.0, 0.5]) for _ in range(numel(st))])}
        kw = {"reduction": red()}
        return dt, args, kw, lambda a: F.soft_margin_loss(a["input"], a["target"], **kw), ["input", "target"]
    # multilabel_soft_margin_loss: [N, C] (or [C]) with 0 / 1 (or fractional) targets, weight [C]
    c = R.randint(1, 5)
    s = [c] if R.random() < 0.15 else [batch(), c]
    args = {"input": ft(s, dt), "target": ft(s, dt, [R.choice([0.0, 1.0, 0.25]) for _ in range(numel(s))])}
    if R.random() < 0.4:
        args["weight"] = ft([c], dt, [R.randint(0, 16) / 8 for _ in range(c)])
    kw = {"reduction": red()}
    return dt, args, kw, lambda a: F.multilabel_soft_margin_loss(a["input"], a["target"], a.get("weight"), **kw), \
        ["input", "target"]


def draw_margin_classes(op):
    dt = F64 if R.random() < 0.6 else F32
    c = R.randint(1, 5)
    unb = R.random() < 0.15
    kw = {"reduction": red()}
    n = 1 if unb else batch()
    if n == 0 and kw["reduction"] != "none":
        n = 1  # (an empty batch's mean / sum: 1.13 returns uninitialized memory, not drawn)
    s = [c] if unb else [n, c]
    args = {"input": ft(s, dt)}
    if op == "multi_margin_loss":
        tv = [R.randrange(c) if R.random() > 0.04 else R.choice([c, -1]) for _ in range(n)]
        args["target"] = it([] if unb and R.random() < 0.5 else [n], tv)
        if R.random() < 0.4:
            wc = c if R.random() < 0.93 else c + 1
            args["weight"] = ft([wc], dt, [R.randint(1, 16) / 8 for _ in range(wc)])
        kw["p"] = R.choice([1, 1, 2, 2]) if R.random() < 0.96 else 3
        kw["margin"] = R.choice([1.0, 0.5, 2.0, 0.0])
        return dt, args, kw, lambda a: multi_margin_2x(a["input"], a["target"], p=kw["p"], margin=kw["margin"],
                                                       weight=a.get("weight"), reduction=kw["reduction"]), \
            ["input"]
    # multilabel_margin_loss: each row's targets, then -1 (or full)
    rows = []
    for _ in range(n):
        k = R.randint(0, c)
        row = R.sample(range(c), k) + ([-1] if k < c else [])
        while len(row) < c:
            row.append(R.randint(-1, c - 1))
        if R.random() < 0.04:
            row[0] = c
        rows.append(row)
    args["target"] = it(s, [v for row in rows for v in row])
    if R.random() < 0.05:
        args["target"] = it([n, c + 1] if not unb else [c + 1], [-1] * (n * (c + 1) if not unb else c + 1))
    return dt, args, kw, lambda a: F.multilabel_margin_loss(a["input"], a["target"], **kw), ["input"]


def draw_pairs(op):
    dt = fdtype(halves=(BF16,)) if op == "hinge_embedding_loss" else (F64 if R.random() < 0.6 else F32)
    kw = {"margin": R.choice([0.0, 0.5, 1.0, -0.5]), "reduction": red()}
    if op == "hinge_embedding_loss":
        si, st = reg_shapes()
        args = {"input": ft(si, dt, lo=-1, hi=3),
                "target": ft(st, dt, [R.choice([-1.0, 1.0, 1.0, 0.0]) for _ in range(numel(st))])}
        return dt, args, kw, lambda a: F.hinge_embedding_loss(a["input"], a["target"], **kw), ["input", "target"]
    if op == "margin_ranking_loss":
        rank = R.choice([0, 1, 1, 2])
        s = [batch() if i == 0 else R.randint(1, 3) for i in range(rank)]
        s2 = list(s)
        if R.random() < 0.2 and rank > 0:
            s2[-1] = 1
        if R.random() < 0.05:
            s2 = s2 + [2]
        args = {"input1": ft(s, dt), "input2": ft(s2, dt),
                "target": ft(s, dt, [R.choice([-1.0, 1.0]) for _ in range(numel(s))])}
        return dt, args, kw, lambda a: F.margin_ranking_loss(a["input1"], a["input2"], a["target"], **kw), \
            ["input1", "input2", "target"]
    # cosine_embedding_loss: [N, D] with [N], or [D] with []
    d = R.randint(1, 4)
    unb = R.random() < 0.2
    n = batch()
    s = [d] if unb else [n, d]
    ts = [] if unb else [n]
    if R.random() < 0.05:
        ts = [n + 1]
    v1 = vals(numel(s))
    if R.random() < 0.1 and v1:
        v1 = [0.0] * len(v1)  # a zero vector: the 1e-12 (EPSILON) keeps the cosine finite
    args = {"input1": ft(s, dt, v1), "input2": ft(s, dt),
            "target": ft(ts, dt, [R.choice([-1.0, 1.0]) for _ in range(numel(ts))])}
    return dt, args, kw, lambda a: F.cosine_embedding_loss(a["input1"], a["input2"], a["target"], **kw), \
        ["input1", "input2"]


def draw_triplet(op):
    dt = F64 if R.random() < 0.6 else F32
    d = R.randint(1, 4)
    unb = R.random() < 0.15
    s = [d] if unb else [batch(), d]
    args = {"anchor": ft(s, dt), "positive": ft(s, dt), "negative": ft(s, dt)}
    if R.random() < 0.1 and numel(s) > 0:
        args["positive"] = args["anchor"].clone()  # a zero distance: eps keeps the norm's gradient finite
    if R.random() < 0.05:
        args["negative"] = ft(s[:-1] + [d + 1], dt)
    kw = {"margin": R.choice([1.0, 0.5, 0.0, 2.0]), "swap": R.random() < 0.4, "reduction": red()}
    if op == "triplet_margin_loss":
        kw["p"] = R.choice([1.0, 2.0, 2.0, 3.0])
        kw["eps"] = R.choice([1e-6, 1e-6, 0.1])
        return dt, args, kw, lambda a: triplet_margin_2x(a["anchor"], a["positive"], a["negative"], kw["margin"],
                                                         kw["p"], kw["eps"], kw["swap"], kw["reduction"]), \
            ["anchor", "positive", "negative"]
    return dt, args, kw, lambda a: triplet_with_distance_2x(a["anchor"], a["positive"], a["negative"], **kw), \
        ["anchor", "positive", "negative"]


def draw_ctc(op):
    dt = F64 if R.random() < 0.6 else F32
    t = R.randint(1, 6)
    c = R.randint(2, 5)
    unb = R.random() < 0.15
    n = 1 if unb else R.randint(1, 3)
    blank = R.choice([0, 0, c - 1])
    lp = torch.log_softmax(ft([t, n, c], F64, lo=-3, hi=3), 2)
    ils = [R.randint(0, t) if R.random() < 0.3 else t for _ in range(n)]
    tls = [R.randint(0, min(4, t + 1)) for _ in range(n)]
    labels = [x for x in range(c) if x != blank]
    tg = [[R.choice(labels) for _ in range(tl)] for tl in tls]
    s = max(tls) if tls else 0
    if unb:
        lp = lp[:, 0]
        args = {"log_probs": lp.to(dt), "targets": it([tls[0]], tg[0])}
    elif R.random() < 0.3:
        args = {"log_probs": lp.to(dt), "targets": it([sum(tls)], [x for row in tg for x in row])}
    else:
        s = s + R.randint(0, 1)
        args = {"log_probs": lp.to(dt),
                "targets": it([n, s], [x for row in tg for x in row + [blank] * (s - len(row))])}
    args["input_lengths"] = it([] if unb else [n], ils[:1] if unb else ils)
    args["target_lengths"] = it([] if unb else [n], tls[:1] if unb else tls)
    if R.random() < 0.04 and not unb:
        args["input_lengths"] = it([n + 1], ils + [t])
    kw = {"blank": blank, "reduction": red(), "zero_infinity": R.random() < 0.4}
    return dt, args, kw, lambda a: ctc_2x(a["log_probs"], a["targets"], a["input_lengths"], a["target_lengths"],
                                          **kw), ["log_probs"]


DRAW = {
    "l1_loss": draw_regression, "mse_loss": draw_regression, "smooth_l1_loss": draw_regression,
    "huber_loss": draw_regression, "cross_entropy": draw_classes, "nll_loss": draw_classes,
    "binary_cross_entropy": draw_bce, "binary_cross_entropy_with_logits": draw_bce, "kl_div": draw_kl,
    "poisson_nll_loss": draw_poisson, "gaussian_nll_loss": draw_gaussian, "soft_margin_loss": draw_soft_margin,
    "multilabel_soft_margin_loss": draw_soft_margin, "multilabel_margin_loss": draw_margin_classes,
    "multi_margin_loss": draw_margin_classes, "hinge_embedding_loss": draw_pairs,
    "margin_ranking_loss": draw_pairs, "cosine_embedding_loss": draw_pairs, "triplet_margin_loss": draw_triplet,
    "triplet_margin_with_distance_loss": draw_triplet, "ctc_loss": draw_ctc,
}
WEIGHTS = {"cross_entropy": 6, "nll_loss": 4, "binary_cross_entropy": 3, "binary_cross_entropy_with_logits": 3,
           "ctc_loss": 3, "kl_div": 3, "gaussian_nll_loss": 3, "poisson_nll_loss": 2}
PER_WEIGHT = 60


def upstream(shape):
    return torch.tensor([R.randint(-8, 8) / 8 for _ in range(numel(shape))], dtype=F64).reshape(shape)


MODULE_CHECKS = {"triplet_margin_loss": "TripletMarginLoss", "triplet_margin_with_distance_loss":
                 "TripletMarginWithDistanceLoss"}


def as_module(op, kw, f):
    """The nn.*Loss module's call: its forward is the F call with the module's attributes (torch/nn/modules/loss.py);
    2.x's TripletMarginLoss and TripletMarginWithDistanceLoss constructors refuse a margin <= 0 first."""
    def g(a):
        if op in MODULE_CHECKS and kw["margin"] <= 0:
            raise ValueError("%s: expected margin to be greater than 0, got %s instead" % (MODULE_CHECKS[op],
                                                                                          kw["margin"]))
        return f(a)
    return g


def case(op):
    dt, args, kw, f, diff = DRAW[op](op)
    if R.random() < 0.25:
        return record(op, dt, args, kw, as_module(op, kw, f), diff, module=True)
    return record(op, dt, args, kw, f, diff)


def record(op, dt, args, kw, f, diff, module=False):
    lines = ["mod"] if module else []
    for name, t in args.items():
        lines.append("a %s %s" % (name, tline(t)))
    rg = [k for k in diff if k in args and args[k].dtype == F64]
    lines.append(("s %s %s" % (op, " ".join("%s=%s" % (k, pv(v)) for k, v in kw.items()))).rstrip())
    half = dt in (F16, BF16)
    for attempt in range(2):
        a = {k: (v.clone().requires_grad_(k in rg) if v.is_floating_point() else v.clone()) for k, v in args.items()}
        try:
            out = f(a)
        except (RuntimeError, ValueError, IndexError) as e:
            if "is not differentiable with respect to argument" in str(e) and len(rg) > 1:
                rg = rg[:1]  # (soft_margin_loss's target)
                continue
            if half:
                return None  # 1.13 refuses a half type: 2.x may not (not written)
            body = list(lines)
            if rg:
                body.insert(len(args) + int(module), "rg " + " ".join(rg))
            body.append("err " + err_text(e))
            return dt, body
        body = list(lines)
        if rg:
            body.insert(len(args) + int(module), "rg " + " ".join(rg))
        body.append("o " + tline(out))
        if out.grad_fn is not None:
            body.append("fn " + getattr(out, "_fn_name", type(out.grad_fn).__name__))
        if half:
            body.append("tol 4")
        if not rg or not out.requires_grad:
            return dt, body
        g = upstream(list(out.shape))
        try:
            (out * g).sum().backward()
        except RuntimeError as e:
            if "not implemented" in str(e) and len(rg) > 1:
                rg = rg[:1]
                continue
            raise
        body.append("g " + tline(g))
        for k in rg:
            body.append("gx %s %s" % (k, "none" if a[k].grad is None else tline(a[k].grad)))
        return dt, body
    raise AssertionError("unreachable")


def fixes():
    """The regressions of FuzzRound33FixesTest: one named case per fix (FUZZ_FIXES=1 writes them)."""
    a = torch.tensor([[0.5, -1.25, 2.0], [1.5, 0.25, -0.75]], dtype=F64)
    p = torch.tensor([[0.25, -1.0, 1.5], [2.0, 0.5, -0.5]], dtype=F64)
    n = torch.tensor([[-0.5, 1.0, 0.0], [1.25, -1.5, 0.75]], dtype=F64)
    trip = {"anchor": a, "positive": p, "negative": n}
    diff = ["anchor", "positive", "negative"]

    def fx(name, op, args, kw, f, module=False):
        _, body = record(op, F64, args, kw, as_module(op, kw, f) if module else f, diff, module=module)
        OUT.append("=== fix_%s %s float64" % (name, op))
        OUT.extend(body)
    for name, margin, red_ in [("tripletMarginZero", 0.0, "mean"), ("tripletMarginNegative", -0.5, "none"),
                               ("tripletMarginReductionFirst", 0.0, "avg"), ("tripletMarginNan", NAN, "sum")]:
        kw = {"margin": margin, "p": 2.0, "eps": 1e-6, "swap": False, "reduction": red_}
        fx(name, "triplet_margin_loss", trip, kw,
           lambda v, kw=kw: triplet_margin_2x(v["anchor"], v["positive"], v["negative"], kw["margin"], kw["p"],
                                              kw["eps"], kw["swap"], kw["reduction"]))
        fx(name + "Module", "triplet_margin_loss", trip, kw,
           lambda v, kw=kw: triplet_margin_2x(v["anchor"], v["positive"], v["negative"], kw["margin"], kw["p"],
                                              kw["eps"], kw["swap"], kw["reduction"]), module=True)
    for name, margin in [("tripletWithDistanceNan", NAN), ("tripletWithDistanceNegative", -1.0)]:
        kw = {"margin": margin, "swap": True, "reduction": "none"}
        fx(name, "triplet_margin_with_distance_loss", trip, kw,
           lambda v, kw=kw: triplet_with_distance_2x(v["anchor"], v["positive"], v["negative"], **kw))
        fx(name + "Module", "triplet_margin_with_distance_loss", trip, kw,
           lambda v, kw=kw: triplet_with_distance_2x(v["anchor"], v["positive"], v["negative"], **kw), module=True)
    bce = [("bceTargetBeforeInput", [[0.5, 0.25], [-0.25, 0.75]], [[1.0, 2.0], [0.5, 0.0]]),
           ("bceInputFirstInTheSameElement", [[0.5, 1.5], [0.25, -1.0]], [[1.0, -0.5], [0.5, 0.0]]),
           ("bceNanTargetAfterBadInput", [[0.5, 0.25, 0.75], [-0.5, 1.0, 0.0]], [[0.0, 0.5, 1.0], [0.25, NAN, 0.5]])]
    for name, x, y in bce:
        args = {"input": torch.tensor(x, dtype=F64), "target": torch.tensor(y, dtype=F64)}
        kw = {"reduction": "mean"}
        for module in (False, True):
            _, body = record("binary_cross_entropy", F64, args, kw,
                             lambda v: bce_2x(v["input"], v["target"], None, "mean"), ["input", "target"], module=module)
            OUT.append("=== fix_%s%s binary_cross_entropy float64" % (name, "Module" if module else ""))
            OUT.extend(body)
    print("\n".join(OUT))


def main():
    if os.environ.get("FUZZ_FIXES") == "1":
        fixes()
        return
    ops = []
    for op in sorted(DRAW):
        for _ in range(max(1, int(round(WEIGHTS.get(op, 2) * PER_WEIGHT * SCALE_N)))):
            ops.append(op)
    R.shuffle(ops)
    for op in ops:
        r = case(op)
        if r is None:
            DROPPED[0] += 1
            continue
        dt, body = r
        OUT.append("=== r33_%d %s %s" % (COUNT[0], op, dname(torch.empty(0, dtype=dt))))
        OUT.extend(body)
        COUNT[0] += 1
    print("\n".join(OUT))
    import sys
    print("cases %d, half cases 1.13 refuses (not written) %d" % (COUNT[0], DROPPED[0]), file=sys.stderr)


main()
