# Differential fuzz round 37 for DifferentialFuzzR37Test.java: seeded SECOND-ORDER GRADIENTS (double backward) of
# single differentiable ops, run in PyTorch with every result recorded; FuzzR37Interpreter.java replays each in Ember.
#   run: cd engine-cpu/src/test/resources/differentialfuzzr37 && /usr/bin/python3 make_cases.py > cases.txt
#   (PyTorch 1.13 CPU; seed 37, every draw seeded, so a second run writes the same bytes)
#   the fixes' cases (FuzzRound37FixesTest): FUZZ_FIXES=1 /usr/bin/python3 make_cases.py > fixes.txt
#   a local hunt: FUZZ_SEED=<s> FUZZ_N=<n> /usr/bin/python3 make_cases.py > /tmp/hunt.txt, then the test with
#   -Dember.fuzz37.file=/tmp/hunt.txt (inside -Dember.test.argLine); FUZZ_N scales the number of cases per op,
#   FUZZ_BIG=<k> draws the generic shapes up to k larger (other kernel paths: vector lanes, blocks)
#
# Each case: float64 arguments (those named on the "rg" line require grad; integer / bool arguments never), one op
# y = op(args) (line "s"), an upstream v of y's shape that requires grad, the first gradients
# g = autograd.grad(sum(y * v), rg, create_graph=True, allow_unused=True), a weight w_i per first gradient, then the
# second gradients of sum_i sum(g_i * w_i) with respect to the rg arguments AND v (allow_unused=True). A silent wrong
# second derivative (a backward computed without history, so treated as a constant) shows as a second gradient that
# differs or is missing.
# Ops: elementwise math (exp ... lgamma, digamma, polygamma 1 / 2, the special functions ndtr, ndtri, log_ndtr,
# erfcx, entr, i0e, i1, xlog1py), activations (relu, gelu none / tanh, silu, mish, softplus(beta, threshold), elu,
# selu, celu, leaky_relu, hardtanh, hardswish, hardsigmoid, logsigmoid, softsign, tanhshrink, relu6, hardshrink,
# softshrink, threshold, glu, prelu), softmax / log_softmax / softmin / logsumexp, the reductions (sum, mean, var,
# std with corrections, norm(p), prod, amax, amin, cumsum, cumprod, normalize, cosine_similarity,
# pairwise_distance), binary ops (mul, div, pow with a tensor exponent, atan2, maximum, minimum, hypot, xlogy,
# logaddexp, where, clamp, lerp, addcmul), matmul / bmm / linear / addmm / mv / dot / outer, conv1d / conv2d /
# conv_transpose1d / conv_transpose2d, max / avg / adaptive pools, interpolate (nearest, linear, bilinear, bicubic),
# layer_norm / group_norm / batch_norm (train and eval) / instance_norm / rms_norm, the losses (mse, l1, smooth_l1,
# huber, cross_entropy with weights / label smoothing / probabilities, nll, bce, bce_with_logits, kl_div,
# cosine_embedding, soft_margin, poisson_nll, gaussian_nll, margin_ranking, hinge_embedding,
# multilabel_soft_margin), embedding, gather / index_select / scatter / scatter_add / index_add,
# scaled_dot_product_attention; then interpolate's other modes (nearest-exact, area, trilinear, nearest 3-D,
# antialiased bilinear / bicubic, by scale factor), conv3d, 3-D pools, pad (constant, reflect, replicate, circular),
# unfold / fold, pixel_shuffle / unshuffle, lp_pool2d, local_response_norm, multi_margin, multilabel_margin,
# triplet_margin, cdist, pdist, bilinear, embedding_bag (sum, mean, max), grid_sample (bilinear, nearest, bicubic;
# each padding mode), ctc_loss (through log_softmax), logcumsumexp, trace / diag / triu / flip / roll / median,
# det / inverse / logdet / cholesky, baddbmm / addbmm / addmv / addr. A 4-D argument or upstream v is now and then
# channels-last (line "cl").
# Values are continuous draws away from the kinks (no ties for max/min/pools, no zero for abs/relu), inside each op's
# domain, so both sides sit on the same smooth piece.
#
# Comparison: values within tol * max(1, max |expected|) over each tensor, tol 1e-12 times the case's "tol" factor
# (1000 for every case: second derivatives come from different but equivalent formulas, e.g. binary_cross_entropy's
# 1 / (x (1 - x)) terms differ by 4e-10 at x = 0.13 in a local hunt; FuzzR31Interpreter.compare).
# "none" (PyTorch returned None: the gradient does not depend on that input) accepts Ember's null or all zeros, and an
# all-zero gradient accepts Ember's null
# (PyTorch itself gives zeros or None there depending on the derivative formula's form, e.g. threshold_backward's
# zeros_like); a value that PyTorch gives must be matched.
#
# 1.13 and 2.x (Ember follows 2.x; the generator writes 2.x's answer):
# - rms_norm is not in 1.13: 2.x's CompositeImplicit rms_norm (layer_norm.cpp) is composed here: x * rsqrt(mean(x^2,
#   last dims) + eps) * weight, eps = finfo(float64).eps where None.
# - instance_norm with a channels-last upstream gradient: 1.13's input gradient is wrong (differs from the same values
#   row-major); no channels-last is drawn for it (the random draws stay in step), the row-major answer written.
# - scaled_dot_product_attention is not in 1.13 (F): composed as 2.x's _scaled_dot_product_attention_math
#   (softmax(q k^T * scale + mask) v, the causal mask a -inf fill). 2.x's CPU dispatch may pick the fused flash
#   kernel whose backward is not twice differentiable; noted in the test's Javadoc, not decided here.
#
# Format: "=== r37_<k> <op> float64", then lines by first word:
#   a <name> <tensor>    a tensor argument (r17's tensor lines "dtype [shape] : values")
#   rg <names>           the float64 arguments that require grad
#   s <op> [k=v ...]     the call (N None, True / False, numbers, lists comma-separated)
#   err <message>        PyTorch refuses the forward (first line)
#   o <tensor>           y
#   v <tensor>           the upstream of the first backward
#   g1 <name> <tensor>   the first gradient of <name> ("none": None)
#   err2 <message>       PyTorch refuses the second backward
#   w <name> <tensor>    the weight of the first gradient of <name>
#   g2 <name> <tensor>   the second gradient with respect to <name> (or "v"); "none": None
#   tol <factor>         the tolerance's factor
#   cl <names>           these 4-D arguments (and "v") are channels-last (the same values; a backward's layout copy
#                        is where a history can be lost)
import math
import os
import random
import warnings

import torch
import torch.nn.functional as F

warnings.simplefilter("ignore")
SEED = int(os.environ.get("FUZZ_SEED", "37"))
SCALE_N = float(os.environ.get("FUZZ_N", "1"))
BIG = int(os.environ.get("FUZZ_BIG", "0"))  # a local hunt's larger shapes: shp()'s sizes up to hi + BIG
R = random.Random(SEED)
torch.manual_seed(SEED)
torch.set_num_threads(1)
F64, I64 = torch.float64, torch.int64
OUT = []


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
    if t.dtype == torch.bool:
        body = " ".join("True" if b else "False" for b in t.reshape(-1).tolist())
    elif t.is_floating_point():
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


def ft(shape, lo=-2.0, hi=2.0, away=0.05):
    """continuous values in [lo, hi], at least `away` from 0 where 0 is inside."""
    out = []
    for _ in range(numel(shape)):
        x = R.uniform(lo, hi)
        if lo < 0 < hi and abs(x) < away:
            x = away if x >= 0 else -away
        out.append(x)
    return torch.tensor(out, dtype=F64).reshape(shape)


def shp(rank=None, lo=1, hi=4):
    if rank is None:
        rank = R.choice([0, 1, 2, 2, 3])
    return [R.randint(lo, hi + BIG) for _ in range(rank)]


def dim_of(s):
    return R.randrange(-len(s), len(s)) if s else R.choice([0, -1])


# --------------------------------------------------------------------------------------------------------------
# op table: name -> builder() returning (args [(name, tensor, rg)], kw dict, fn(a) -> y)
OPS = {}


def op(name, weight=1):
    def reg(f):
        OPS[name] = (f, weight)
        return f
    return reg


DOMAINS = {
    "exp": (-2, 2), "log": (0.1, 3), "sin": (-3, 3), "cos": (-3, 3), "tan": (-1.2, 1.2), "tanh": (-2, 2),
    "sigmoid": (-3, 3), "sqrt": (0.1, 3), "rsqrt": (0.1, 3), "reciprocal": (-3, 3), "abs": (-2, 2),
    "erf": (-2, 2), "erfc": (-2, 2), "erfinv": (-0.9, 0.9), "expm1": (-2, 2), "log1p": (-0.8, 3),
    "log2": (0.1, 3), "log10": (0.1, 3), "atan": (-3, 3), "asin": (-0.9, 0.9), "acos": (-0.9, 0.9),
    "sinh": (-2, 2), "cosh": (-2, 2), "asinh": (-3, 3), "acosh": (1.1, 3), "atanh": (-0.9, 0.9),
    "lgamma": (0.2, 4), "digamma": (0.2, 4), "square": (-2, 2), "sinc": (-2, 2), "logit": (0.05, 0.95),
    "neg": (-2, 2), "exp2": (-2, 2), "trunc_free_frac": None,
    "ndtr": (-2, 2), "ndtri": (0.05, 0.95), "log_ndtr": (-3, 3), "erfcx": (-1, 3), "entr": (0.1, 3),
    "i0e": (-3, 3), "i1": (-3, 3), "i0": (-3, 3), "expit": (-3, 3),
}
DOMAINS.pop("trunc_free_frac")
UNARY = {
    "exp": torch.exp, "log": torch.log, "sin": torch.sin, "cos": torch.cos, "tan": torch.tan, "tanh": torch.tanh,
    "sigmoid": torch.sigmoid, "sqrt": torch.sqrt, "rsqrt": torch.rsqrt, "reciprocal": torch.reciprocal,
    "abs": torch.abs, "erf": torch.erf, "erfc": torch.erfc, "erfinv": torch.erfinv, "expm1": torch.expm1,
    "log1p": torch.log1p, "log2": torch.log2, "log10": torch.log10, "atan": torch.atan, "asin": torch.asin,
    "acos": torch.acos, "sinh": torch.sinh, "cosh": torch.cosh, "asinh": torch.asinh, "acosh": torch.acosh,
    "atanh": torch.atanh, "lgamma": torch.lgamma, "digamma": torch.digamma, "square": torch.square,
    "sinc": torch.sinc, "logit": torch.logit, "neg": torch.neg, "exp2": torch.exp2,
    "ndtr": torch.special.ndtr, "ndtri": torch.special.ndtri, "log_ndtr": torch.special.log_ndtr,
    "erfcx": torch.special.erfcx, "entr": torch.special.entr, "i0e": torch.special.i0e, "i1": torch.special.i1,
    "i0": torch.i0, "expit": torch.special.expit,
}


def make_unary(name):
    def b():
        lo, hi = DOMAINS[name]
        return [("x", ft(shp(), lo, hi), True)], {}, lambda a: UNARY[name](a["x"])
    return b


for _n in UNARY:
    op(_n)(make_unary(_n))


@op("polygamma")
def _():
    n = R.choice([1, 2])
    return [("x", ft(shp(), 0.3, 4), True)], {"n": n}, lambda a: torch.polygamma(n, a["x"])


@op("xlog1py")
def _():
    s = shp()
    return [("x", ft(s), True), ("y", ft(s, -0.8, 3), True)], {}, lambda a: torch.special.xlog1py(a["x"], a["y"])


# activations
@op("relu")
def _():
    return [("x", ft(shp()), True)], {}, lambda a: F.relu(a["x"])


@op("gelu", 2)
def _():
    ap = R.choice(["none", "tanh"])
    return [("x", ft(shp(), -3, 3), True)], {"approximate": ap}, lambda a: F.gelu(a["x"], approximate=ap)


@op("silu")
def _():
    return [("x", ft(shp(), -3, 3), True)], {}, lambda a: F.silu(a["x"])


@op("mish")
def _():
    return [("x", ft(shp(), -3, 3), True)], {}, lambda a: F.mish(a["x"])


@op("softplus", 2)
def _():
    beta = R.choice([1.0, 0.5, 2.0, 3.0])
    th = R.choice([20.0, 1.0, 2.0, 0.5])
    return [("x", ft(shp(), -3, 3), True)], {"beta": beta, "threshold": th}, \
        lambda a: F.softplus(a["x"], beta=beta, threshold=th)


@op("elu")
def _():
    al = R.choice([1.0, 0.5, 2.0])
    return [("x", ft(shp()), True)], {"alpha": al}, lambda a: F.elu(a["x"], alpha=al)


@op("selu")
def _():
    return [("x", ft(shp()), True)], {}, lambda a: F.selu(a["x"])


@op("celu")
def _():
    al = R.choice([1.0, 0.5, 2.0])
    return [("x", ft(shp()), True)], {"alpha": al}, lambda a: F.celu(a["x"], alpha=al)


@op("leaky_relu")
def _():
    sl = R.choice([0.01, 0.2, -0.5])
    return [("x", ft(shp()), True)], {"negative_slope": sl}, lambda a: F.leaky_relu(a["x"], sl)


@op("hardtanh")
def _():
    lo, hi = R.choice([(-1.0, 1.0), (-0.5, 1.5)])
    return [("x", ft(shp(), -3, 3), True)], {"min_val": lo, "max_val": hi}, lambda a: F.hardtanh(a["x"], lo, hi)


for _n, _f in [("hardswish", F.hardswish), ("hardsigmoid", F.hardsigmoid), ("logsigmoid", F.logsigmoid),
               ("softsign", F.softsign), ("tanhshrink", F.tanhshrink), ("relu6", F.relu6)]:
    def _mk(f):
        return lambda: ([("x", ft(shp(), -4, 7), True)], {}, lambda a: f(a["x"]))
    op(_n)(_mk(_f))


@op("hardshrink")
def _():
    return [("x", ft(shp()), True)], {"lambd": 0.5}, lambda a: F.hardshrink(a["x"], 0.5)


@op("softshrink")
def _():
    return [("x", ft(shp()), True)], {"lambd": 0.5}, lambda a: F.softshrink(a["x"], 0.5)


@op("threshold")
def _():
    return [("x", ft(shp()), True)], {"threshold": 0.3, "value": -1.0}, lambda a: F.threshold(a["x"], 0.3, -1.0)


@op("glu")
def _():
    s = shp(R.choice([1, 2, 3]))
    d = R.randrange(len(s))
    s[d] = 2 * R.randint(1, 2)
    return [("x", ft(s), True)], {"dim": d}, lambda a: F.glu(a["x"], d)


@op("prelu")
def _():
    s = shp(R.choice([2, 3]))
    c = s[1]
    nw = R.choice([1, c])
    return [("x", ft(s), True), ("weight", ft([nw], -1, 1), True)], {}, lambda a: F.prelu(a["x"], a["weight"])


# softmax family and reductions
def dimop(name, f, rank_min=0):
    def b():
        s = shp(R.choice([r for r in [0, 1, 2, 3] if r >= rank_min]))
        d = dim_of(s)
        return [("x", ft(s), True)], {"dim": d}, lambda a: f(a["x"], d)
    op(name)(b)


dimop("softmax", lambda x, d: F.softmax(x, d))
dimop("log_softmax", lambda x, d: F.log_softmax(x, d))
dimop("softmin", lambda x, d: F.softmin(x, d))
dimop("cumsum", torch.cumsum)
dimop("cumprod", torch.cumprod)


@op("logsumexp")
def _():
    s = shp()
    d = dim_of(s)
    k = R.random() < 0.5
    return [("x", ft(s), True)], {"dim": d, "keepdim": k}, lambda a: torch.logsumexp(a["x"], d, keepdim=k)


def red_op(name, f, all_ok=True):
    def b():
        s = shp(R.choice([1, 2, 3]))
        if all_ok and R.random() < 0.3:
            return [("x", ft(s), True)], {"dim": "N"}, lambda a: f(a["x"], None, False)
        d = dim_of(s)
        k = R.random() < 0.5
        return [("x", ft(s), True)], {"dim": d, "keepdim": k}, lambda a: f(a["x"], d, k)
    op(name)(b)


red_op("sum", lambda x, d, k: x.sum() if d is None else x.sum(d, keepdim=k))
red_op("mean", lambda x, d, k: x.mean() if d is None else x.mean(d, keepdim=k))
red_op("prod", lambda x, d, k: x.prod() if d is None else x.prod(d, keepdim=k))
red_op("amax", lambda x, d, k: x.amax() if d is None else x.amax(d, keepdim=k))
red_op("amin", lambda x, d, k: x.amin() if d is None else x.amin(d, keepdim=k))


def var_like(name, f):
    def b():
        s = shp(R.choice([1, 2, 3]), 2, 4)
        c = R.choice([0, 1, 2]) if min(s) > 2 else R.choice([0, 1])
        d = dim_of(s)
        k = R.random() < 0.5
        return [("x", ft(s), True)], {"dim": d, "correction": c, "keepdim": k}, \
            lambda a: f(a["x"], d, c, k)
    op(name, 2)(b)


var_like("var", lambda x, d, c, k: torch.var(x, d, correction=c, keepdim=k))
var_like("std", lambda x, d, c, k: torch.std(x, d, correction=c, keepdim=k))


@op("norm", 3)
def _():
    s = shp(R.choice([1, 2, 3]))
    p = R.choice([1.0, 2.0, 3.0, 0.5, 1.5, float("inf")])
    if R.random() < 0.3:
        return [("x", ft(s), True)], {"p": p, "dim": "N"}, lambda a: torch.norm(a["x"], p)
    d = dim_of(s)
    k = R.random() < 0.5
    return [("x", ft(s), True)], {"p": p, "dim": d, "keepdim": k}, lambda a: torch.norm(a["x"], p, d, k)


@op("normalize")
def _():
    s = shp(R.choice([1, 2, 3]))
    p = R.choice([1.0, 2.0, 3.0])
    d = dim_of(s)
    return [("x", ft(s), True)], {"p": p, "dim": d}, lambda a: F.normalize(a["x"], p, d)


@op("cosine_similarity")
def _():
    s = shp(R.choice([1, 2, 3]))
    d = dim_of(s)
    return [("x1", ft(s), True), ("x2", ft(s), True)], {"dim": d}, \
        lambda a: F.cosine_similarity(a["x1"], a["x2"], d)


@op("pairwise_distance")
def _():
    s = shp(2)
    p = R.choice([2.0, 1.0, 3.0])
    return [("x1", ft(s), True), ("x2", ft(s), True)], {"p": p}, lambda a: F.pairwise_distance(a["x1"], a["x2"], p)


# binary
def binop(name, f, lo1=-2.0, hi1=2.0, lo2=-2.0, hi2=2.0):
    def b():
        s = shp()
        s2 = list(s)
        if s and R.random() < 0.3:
            s2[R.randrange(len(s))] = 1
        return [("x", ft(s, lo1, hi1), True), ("y", ft(s2, lo2, hi2), True)], {}, lambda a: f(a["x"], a["y"])
    op(name)(b)


binop("mul", torch.mul)
binop("div", torch.div)
binop("pow", torch.pow, 0.2, 3.0, -2.0, 3.0)
binop("atan2", torch.atan2)
binop("maximum", torch.maximum)
binop("minimum", torch.minimum)
binop("hypot", torch.hypot)
binop("xlogy", torch.xlogy, -2.0, 2.0, 0.1, 3.0)
binop("logaddexp", torch.logaddexp)


@op("pow_scalar")
def _():
    e = R.choice([2.0, 3.0, 0.5, -1.0, 1.5, -2.5])
    return [("x", ft(shp(), 0.2, 3), True)], {"exponent": e}, lambda a: torch.pow(a["x"], e)


@op("where")
def _():
    s = shp()
    c = torch.tensor([R.random() < 0.5 for _ in range(numel(s))]).reshape(s)
    return [("cond", c, False), ("x", ft(s), True), ("y", ft(s), True)], {}, \
        lambda a: torch.where(a["cond"], a["x"] * a["x"], a["y"].exp())


@op("clamp")
def _():
    lo, hi = R.choice([(-1.0, 1.0), (-0.5, None), (None, 0.5)])
    return [("x", ft(shp()), True)], {"min": lo, "max": hi}, lambda a: torch.clamp(a["x"] * a["x"] * a["x"], lo, hi)


@op("clamp_tensor")
def _():
    s = shp()
    return [("x", ft(s), True), ("lo", ft(s, -2, -0.1), True), ("hi", ft(s, 0.1, 2), True)], {}, \
        lambda a: torch.clamp(a["x"] * a["x"] * a["x"], a["lo"], a["hi"])


@op("lerp")
def _():
    s = shp()
    return [("x", ft(s), True), ("y", ft(s), True), ("t", ft(s, 0, 1), True)], {}, \
        lambda a: torch.lerp(a["x"], a["y"], a["t"])


@op("addcmul")
def _():
    s = shp()
    return [("x", ft(s), True), ("y", ft(s), True), ("z", ft(s), True)], {"value": 0.5}, \
        lambda a: torch.addcmul(a["x"], a["y"], a["z"], value=0.5)


# linear algebra
@op("matmul", 2)
def _():
    n, k, m = R.randint(1, 4), R.randint(1, 4), R.randint(1, 4)
    form = R.choice(["mm", "bmm", "mv", "vm", "bcast"])
    sa, sb = {"mm": ([n, k], [k, m]), "bmm": ([2, n, k], [2, k, m]), "mv": ([n, k], [k]), "vm": ([k], [k, m]),
              "bcast": ([2, n, k], [k, m])}[form]
    return [("x", ft(sa), True), ("y", ft(sb), True)], {}, lambda a: torch.matmul(a["x"], a["y"])


@op("bmm")
def _():
    b, n, k, m = R.randint(1, 3), R.randint(1, 4), R.randint(1, 4), R.randint(1, 4)
    return [("x", ft([b, n, k]), True), ("y", ft([b, k, m]), True)], {}, lambda a: torch.bmm(a["x"], a["y"])


@op("linear", 2)
def _():
    n, k, m = R.randint(1, 4), R.randint(1, 4), R.randint(1, 4)
    bias = R.random() < 0.7
    args = [("x", ft(shp(R.choice([1, 2, 3]))[:-1] + [k] if True else None), True), ("weight", ft([m, k]), True)]
    if bias:
        args.append(("bias", ft([m]), True))
    return args, {}, lambda a: F.linear(a["x"], a["weight"], a.get("bias"))


@op("addmm")
def _():
    n, k, m = R.randint(1, 4), R.randint(1, 4), R.randint(1, 4)
    be, al = R.choice([1.0, 0.5]), R.choice([1.0, 2.0])
    return [("b", ft(R.choice([[n, m], [m]])), True), ("x", ft([n, k]), True), ("y", ft([k, m]), True)], \
        {"beta": be, "alpha": al}, lambda a: torch.addmm(a["b"], a["x"], a["y"], beta=be, alpha=al)


@op("mv")
def _():
    n, k = R.randint(1, 4), R.randint(1, 4)
    return [("x", ft([n, k]), True), ("y", ft([k]), True)], {}, lambda a: torch.mv(a["x"], a["y"])


@op("dot")
def _():
    k = R.randint(1, 5)
    return [("x", ft([k]), True), ("y", ft([k]), True)], {}, lambda a: torch.dot(a["x"], a["y"])


@op("outer")
def _():
    return [("x", ft([R.randint(1, 4)]), True), ("y", ft([R.randint(1, 4)]), True)], {}, \
        lambda a: torch.outer(a["x"], a["y"])


# convolution
def conv_args(nd, transposed):
    n, cin = R.randint(1, 2), R.choice([1, 2, 4])
    groups = R.choice([1, 2]) if cin % 2 == 0 else 1
    cout = R.choice([1, 2, 3]) * groups
    k = [R.randint(1, 3) for _ in range(nd)]
    stride = R.choice([1, 2])
    pad = R.choice([0, 1])
    dil = R.choice([1, 1, 2])
    sp = [R.randint(3, 6) for _ in range(nd)]
    bias = R.random() < 0.6
    if transposed:
        w = ft([cin, cout // groups] + k)
        opad = R.choice([0, 1]) if stride > 1 or dil > 1 else 0
        if opad >= max(stride, dil):
            opad = 0
    else:
        w = ft([cout, cin // groups] + k)
        opad = 0
    args = [("x", ft([n, cin] + sp), True), ("weight", w, True)]
    if bias:
        args.append(("bias", ft([cout]), True))
    kw = {"stride": stride, "padding": pad, "dilation": dil, "groups": groups}
    if transposed:
        kw["output_padding"] = opad
    return args, kw


def make_conv(name, nd, transposed):
    f = {("conv", 1): F.conv1d, ("conv", 2): F.conv2d, ("t", 1): F.conv_transpose1d,
         ("t", 2): F.conv_transpose2d}[("t" if transposed else "conv", nd)]

    def b():
        args, kw = conv_args(nd, transposed)
        if transposed:
            return args, kw, lambda a: f(a["x"], a["weight"], a.get("bias"), kw["stride"], kw["padding"],
                                         kw["output_padding"], kw["groups"], kw["dilation"])
        return args, kw, lambda a: f(a["x"], a["weight"], a.get("bias"), kw["stride"], kw["padding"],
                                     kw["dilation"], kw["groups"])
    op(name, 3)(b)


make_conv("conv1d", 1, False)
make_conv("conv2d", 2, False)
make_conv("conv_transpose1d", 1, True)
make_conv("conv_transpose2d", 2, True)


# pools
def pool(name, nd, f):
    def b():
        s = [R.randint(1, 2), R.randint(1, 3)] + [R.randint(3, 6) for _ in range(nd)]
        k = R.choice([2, 3])
        st = R.choice([1, 2, k])
        p = R.choice([0, 1]) if k >= 2 else 0
        ceil = R.random() < 0.3
        kw = {"kernel_size": k, "stride": st, "padding": p, "ceil_mode": ceil}
        if name.startswith("avg"):
            kw["count_include_pad"] = R.random() < 0.5
        x = torch.randperm(numel(s), generator=None).to(F64).reshape(s) / numel(s) * 4 - 2 \
            if False else ft(s)
        return [("x", x, True)], kw, lambda a: f(a["x"], **kw)
    op(name, 2)(b)


pool("max_pool1d", 1, F.max_pool1d)
pool("max_pool2d", 2, F.max_pool2d)
pool("avg_pool1d", 1, F.avg_pool1d)
pool("avg_pool2d", 2, F.avg_pool2d)


def apool(name, nd, f):
    def b():
        s = [R.randint(1, 2), R.randint(1, 3)] + [R.randint(2, 6) for _ in range(nd)]
        o = R.randint(1, 4)
        return [("x", ft(s), True)], {"output_size": o}, lambda a: f(a["x"], o)
    op(name, 2)(b)


apool("adaptive_avg_pool1d", 1, F.adaptive_avg_pool1d)
apool("adaptive_avg_pool2d", 2, F.adaptive_avg_pool2d)
apool("adaptive_max_pool1d", 1, F.adaptive_max_pool1d)
apool("adaptive_max_pool2d", 2, F.adaptive_max_pool2d)


@op("interpolate", 4)
def _():
    mode = R.choice(["nearest", "linear", "bilinear", "bicubic", "nearest2d"])
    nd = 1 if mode in ("nearest", "linear") else 2
    if mode == "nearest2d":
        mode = "nearest"
    s = [R.randint(1, 2), R.randint(1, 2)] + [R.randint(2, 4) for _ in range(nd)]
    size = [R.randint(1, 7) for _ in range(nd)]
    al = None if mode == "nearest" else R.random() < 0.5
    return [("x", ft(s), True)], {"size": size, "mode": mode, "align_corners": al}, \
        lambda a: F.interpolate(a["x"], size=size, mode=mode, align_corners=al)


# norms
@op("layer_norm", 3)
def _():
    s = shp(R.choice([1, 2, 3]), 1, 4)
    nn_ = R.randint(1, len(s))
    ns = s[len(s) - nn_:]
    args = [("x", ft(s), True)]
    aff = R.choice(["none", "w", "wb"])
    if aff != "none":
        args.append(("weight", ft(ns), True))
    if aff == "wb":
        args.append(("bias", ft(ns), True))
    eps = R.choice([1e-5, 0.1])
    return args, {"normalized_shape": ns, "eps": eps}, \
        lambda a: F.layer_norm(a["x"], ns, a.get("weight"), a.get("bias"), eps)


@op("rms_norm", 2)
def _():
    s = shp(R.choice([1, 2, 3]), 1, 4)
    nn_ = R.randint(1, len(s))
    ns = s[len(s) - nn_:]
    args = [("x", ft(s), True)]
    if R.random() < 0.6:
        args.append(("weight", ft(ns), True))
    eps = R.choice([None, 1e-5, 0.1])

    def f(a):  # 2.x's CompositeImplicit rms_norm
        dims = list(range(-len(ns), 0))
        e = torch.finfo(F64).eps if eps is None else eps
        y = a["x"] * torch.rsqrt(a["x"].pow(2).mean(dims, keepdim=True) + e)
        return y * a["weight"] if "weight" in a else y
    return args, {"normalized_shape": ns, "eps": eps}, f


@op("group_norm", 3)
def _():
    g = R.choice([1, 2])
    c = g * R.randint(1, 2)
    s = [R.randint(1, 2), c] + [R.randint(1, 3) for _ in range(R.choice([0, 1, 2]))]
    if numel(s[2:]) * (c // g) < 2:
        s.append(2)
    args = [("x", ft(s), True)]
    if R.random() < 0.7:
        args += [("weight", ft([c]), True), ("bias", ft([c]), True)]
    return args, {"num_groups": g, "eps": 1e-5}, \
        lambda a: F.group_norm(a["x"], g, a.get("weight"), a.get("bias"), 1e-5)


@op("batch_norm", 4)
def _():
    c = R.randint(1, 3)
    s = [R.randint(2, 3), c] + [R.randint(1, 3) for _ in range(R.choice([0, 1, 2]))]
    training = R.random() < 0.6
    args = [("x", ft(s), True), ("running_mean", ft([c]), False), ("running_var", ft([c], 0.5, 2), False)]
    if R.random() < 0.7:
        args += [("weight", ft([c]), True), ("bias", ft([c]), True)]
    return args, {"training": training, "momentum": 0.1, "eps": 1e-5}, \
        lambda a: F.batch_norm(a["x"], a["running_mean"], a["running_var"], a.get("weight"), a.get("bias"),
                               training, 0.1, 1e-5)


@op("instance_norm", 2)
def _():
    c = R.randint(1, 3)
    s = [R.randint(1, 2), c] + [R.randint(2, 4) for _ in range(R.choice([1, 2]))]
    args = [("x", ft(s), True)]
    if R.random() < 0.6:
        args += [("weight", ft([c]), True), ("bias", ft([c]), True)]
    return args, {"eps": 1e-5}, lambda a: F.instance_norm(a["x"], None, None, a.get("weight"), a.get("bias"),
                                                          True, 0.1, 1e-5)


# losses
def rd():
    return R.choice(["none", "mean", "sum"])


def reg_loss(name, f, extra, target_rg=True):
    def b():
        s = shp(R.choice([1, 2, 3]))
        kw = {"reduction": rd()}
        kw.update(extra())
        return [("input", ft(s), True), ("target", ft(s), target_rg)], kw, \
            lambda a: f(a["input"], a["target"], **kw)
    op(name, 2)(b)


reg_loss("mse_loss", F.mse_loss, dict)
reg_loss("l1_loss", F.l1_loss, dict)
reg_loss("smooth_l1_loss", F.smooth_l1_loss, lambda: {"beta": R.choice([1.0, 0.5, 2.0])})
reg_loss("huber_loss", F.huber_loss, lambda: {"delta": R.choice([1.0, 0.5, 2.0])})
reg_loss("soft_margin_loss", F.soft_margin_loss, dict, False)


@op("cross_entropy", 5)
def _():
    n, c = R.randint(1, 4), R.randint(2, 4)
    shape = [n, c] + ([R.randint(1, 3)] if R.random() < 0.25 else [])
    kw = {"reduction": rd(), "label_smoothing": R.choice([0.0, 0.0, 0.1, 0.3])}
    args = [("input", ft(shape, -3, 3), True)]
    probs = R.random() < 0.3
    if probs:
        t = torch.softmax(ft(shape), 1)
        args.append(("target", t, True))
    else:
        tshape = [n] + shape[2:]
        ig = R.random() < 0.3
        tv = [R.randrange(c) for _ in range(numel(tshape))]
        if ig:
            kw["ignore_index"] = tv[0] if R.random() < 0.5 else -100
            if kw["ignore_index"] == -100 and len(tv) > 1:
                tv[1] = -100
        args.append(("target", torch.tensor(tv, dtype=I64).reshape(tshape), False))
    if R.random() < 0.4:
        args.append(("weight", ft([c], 0.2, 2), False))
    ii = kw.get("ignore_index", -100)
    return args, kw, lambda a: F.cross_entropy(a["input"], a["target"], a.get("weight"), ignore_index=ii,
                                               reduction=kw["reduction"], label_smoothing=kw["label_smoothing"])


@op("nll_loss", 2)
def _():
    n, c = R.randint(1, 4), R.randint(2, 4)
    kw = {"reduction": rd()}
    args = [("input", ft([n, c]), True), ("target", torch.tensor([R.randrange(c) for _ in range(n)]), False)]
    if R.random() < 0.4:
        args.append(("weight", ft([c], 0.2, 2), False))
    return args, kw, lambda a: F.nll_loss(a["input"], a["target"], a.get("weight"), reduction=kw["reduction"])


@op("binary_cross_entropy", 2)
def _():
    s = shp(R.choice([1, 2]))
    kw = {"reduction": rd()}
    args = [("input", ft(s, 0.05, 0.95), True), ("target", ft(s, 0, 1), True)]
    if R.random() < 0.4:
        args.append(("weight", ft(s, 0.2, 2), False))
    return args, kw, lambda a: F.binary_cross_entropy(a["input"], a["target"], a.get("weight"),
                                                      reduction=kw["reduction"])


@op("binary_cross_entropy_with_logits", 3)
def _():
    s = shp(R.choice([1, 2]))
    kw = {"reduction": rd()}
    args = [("input", ft(s, -3, 3), True), ("target", ft(s, 0, 1), True)]
    if R.random() < 0.4:
        args.append(("weight", ft(s, 0.2, 2), False))
    if R.random() < 0.4:
        args.append(("pos_weight", ft(s[-1:], 0.2, 2), False))
    return args, kw, lambda a: F.binary_cross_entropy_with_logits(a["input"], a["target"], a.get("weight"),
                                                                  reduction=kw["reduction"],
                                                                  pos_weight=a.get("pos_weight"))


@op("kl_div", 2)
def _():
    s = shp(R.choice([1, 2]))
    lt = R.random() < 0.5
    r = R.choice(["none", "mean", "sum", "batchmean"])
    t = ft(s, -2, 0) if lt else ft(s, 0.05, 1)
    kw = {"reduction": r, "log_target": lt}

    def f(a):  # 2.x's composition (see round 33)
        i, tt = a["input"], a["target"]
        loss = torch.exp(tt) * (tt - i) if lt else torch.xlogy(tt, tt) - tt * i
        if r == "none":
            return loss
        if r == "mean":
            return loss.mean()
        if r == "sum":
            return loss.sum()
        return loss.sum() / i.size(0) if i.dim() != 0 else loss.sum()
    return [("input", ft(s, -3, 0), True), ("target", t, True)], kw, f


@op("cosine_embedding_loss")
def _():
    n, d = R.randint(1, 4), R.randint(1, 4)
    m = R.choice([0.0, 0.2])
    kw = {"margin": m, "reduction": rd()}
    t = torch.tensor([R.choice([1, -1]) for _ in range(n)], dtype=I64)
    return [("input1", ft([n, d]), True), ("input2", ft([n, d]), True), ("target", t, False)], kw, \
        lambda a: F.cosine_embedding_loss(a["input1"], a["input2"], a["target"], m, reduction=kw["reduction"])


@op("poisson_nll_loss")
def _():
    s = shp(R.choice([1, 2]))
    li = R.random() < 0.5
    full = R.random() < 0.5
    kw = {"log_input": li, "full": full, "eps": 1e-8, "reduction": rd()}
    inp = ft(s, -2, 2) if li else ft(s, 0.1, 3)
    return [("input", inp, True), ("target", ft(s, 0.5, 4), True)], kw, \
        lambda a: F.poisson_nll_loss(a["input"], a["target"], li, full, eps=1e-8, reduction=kw["reduction"])


@op("gaussian_nll_loss")
def _():
    s = shp(2)
    full = R.random() < 0.5
    kw = {"full": full, "eps": 1e-6, "reduction": rd()}
    return [("input", ft(s), True), ("target", ft(s), True), ("var", ft(s, 0.2, 2), True)], kw, \
        lambda a: F.gaussian_nll_loss(a["input"], a["target"], a["var"], full, 1e-6, kw["reduction"])


@op("margin_ranking_loss")
def _():
    n = R.randint(1, 5)
    t = torch.tensor([float(R.choice([1, -1])) for _ in range(n)], dtype=F64)
    kw = {"margin": R.choice([0.0, 0.5]), "reduction": rd()}
    return [("input1", ft([n]), True), ("input2", ft([n]), True), ("target", t, False)], kw, \
        lambda a: F.margin_ranking_loss(a["input1"], a["input2"], a["target"], kw["margin"],
                                        reduction=kw["reduction"])


@op("hinge_embedding_loss")
def _():
    s = shp(R.choice([1, 2]))
    t = torch.tensor([float(R.choice([1, -1])) for _ in range(numel(s))], dtype=F64).reshape(s)
    kw = {"margin": R.choice([1.0, 0.5]), "reduction": rd()}
    return [("input", ft(s), True), ("target", t, False)], kw, \
        lambda a: F.hinge_embedding_loss(a["input"], a["target"], kw["margin"], reduction=kw["reduction"])


@op("multilabel_soft_margin_loss")
def _():
    n, c = R.randint(1, 4), R.randint(1, 4)
    t = torch.tensor([float(R.random() < 0.5) for _ in range(n * c)], dtype=F64).reshape(n, c)
    kw = {"reduction": rd()}
    return [("input", ft([n, c]), True), ("target", t, False)], kw, \
        lambda a: F.multilabel_soft_margin_loss(a["input"], a["target"], reduction=kw["reduction"])


# embedding and index ops
@op("embedding", 2)
def _():
    nv, d = R.randint(2, 5), R.randint(1, 3)
    idx = torch.tensor([R.randrange(nv) for _ in range(R.randint(1, 6))], dtype=I64)
    pi = R.choice([None, None, 0])
    return [("input", idx, False), ("weight", ft([nv, d]), True)], {"padding_idx": pi}, \
        lambda a: F.embedding(a["input"], a["weight"], pi)


@op("gather")
def _():
    s = shp(R.choice([1, 2]), 1, 4)
    d = R.randrange(len(s))
    si = list(s)
    si[d] = R.randint(1, 4)
    idx = torch.tensor([R.randrange(s[d]) for _ in range(numel(si))], dtype=I64).reshape(si)
    return [("x", ft(s), True), ("index", idx, False)], {"dim": d}, \
        lambda a: torch.gather(a["x"] * a["x"], d, a["index"])


@op("index_select")
def _():
    s = shp(R.choice([1, 2]), 1, 4)
    d = R.randrange(len(s))
    idx = torch.tensor([R.randrange(s[d]) for _ in range(R.randint(1, 5))], dtype=I64)
    return [("x", ft(s), True), ("index", idx, False)], {"dim": d}, \
        lambda a: torch.index_select(a["x"] * a["x"], d, a["index"])


@op("scatter")
def _():
    s = shp(R.choice([1, 2]), 2, 4)
    d = R.randrange(len(s))
    si = list(s)
    si[d] = 1
    idx = torch.tensor([R.randrange(s[d]) for _ in range(numel(si))], dtype=I64).reshape(si)
    return [("x", ft(s), True), ("index", idx, False), ("src", ft(si), True)], {"dim": d}, \
        lambda a: torch.scatter(a["x"] * a["x"], d, a["index"], a["src"] * a["src"])


@op("scatter_add")
def _():
    s = shp(R.choice([1, 2]), 2, 4)
    d = R.randrange(len(s))
    si = list(s)
    idx = torch.tensor([R.randrange(s[d]) for _ in range(numel(si))], dtype=I64).reshape(si)
    return [("x", ft(s), True), ("index", idx, False), ("src", ft(si), True)], {"dim": d}, \
        lambda a: torch.scatter_add(a["x"] * a["x"], d, a["index"], a["src"] * a["src"])


@op("index_add")
def _():
    s = shp(R.choice([1, 2]), 2, 4)
    d = R.randrange(len(s))
    k = R.randint(1, 4)
    si = list(s)
    si[d] = k
    idx = torch.tensor([R.randrange(s[d]) for _ in range(k)], dtype=I64)
    return [("x", ft(s), True), ("index", idx, False), ("src", ft(si), True)], {"dim": d, "alpha": 2.0}, \
        lambda a: torch.index_add(a["x"] * a["x"], d, a["index"], a["src"] * a["src"], alpha=2.0)


@op("scaled_dot_product_attention", 4)
def _():
    b, l, s, e, ev = R.randint(1, 2), R.randint(1, 4), R.randint(1, 4), R.randint(1, 4), R.randint(1, 4)
    causal = R.random() < 0.3
    scale = R.choice([None, 0.5])
    args = [("query", ft([b, l, e]), True), ("key", ft([b, s, e]), True), ("value", ft([b, s, ev]), True)]
    if not causal and R.random() < 0.3:
        args.append(("attn_mask", ft([l, s], -1, 1), True))

    def f(a):  # 2.x's _scaled_dot_product_attention_math
        q, k, v = a["query"], a["key"], a["value"]
        sc = 1.0 / math.sqrt(q.size(-1)) if scale is None else scale
        w = q @ k.transpose(-2, -1) * sc
        if causal:
            w = w.masked_fill(torch.ones(l, s, dtype=torch.bool).tril().logical_not(), float("-inf"))
        if "attn_mask" in a:
            w = w + a["attn_mask"]
        return torch.softmax(w, -1) @ v
    return args, {"is_causal": causal, "scale": scale}, f


# more ops: resampling, 3-D, padding, patches, distances, bags, grid sampling, ctc, linear algebra
@op("interpolate_more", 4)
def _():
    mode = R.choice(["nearest-exact", "area", "trilinear", "nearest3d", "bilinear_aa", "bicubic_aa", "scale"])
    nd = 3 if mode in ("trilinear", "nearest3d") else 2
    s = [R.randint(1, 2), R.randint(1, 2)] + [R.randint(2, 4) for _ in range(nd)]
    size = [R.randint(1, 6) for _ in range(nd)]
    kw = {"size": size, "scale_factor": "N", "mode": mode, "align_corners": None, "antialias": False}
    if mode == "nearest3d":
        kw["mode"] = "nearest"
    if mode == "trilinear":
        kw["align_corners"] = R.random() < 0.5
    if mode.endswith("_aa"):
        kw["mode"] = mode[:-3]
        kw["antialias"] = True
        kw["align_corners"] = R.random() < 0.5
    if mode == "scale":
        kw["mode"] = R.choice(["nearest", "bilinear"])
        kw["size"] = "N"
        kw["scale_factor"] = R.choice([0.5, 1.5, 2.0, 1.0])
        if kw["mode"] == "bilinear":
            kw["align_corners"] = False

    def f(a):
        return F.interpolate(a["x"], size=None if kw["size"] == "N" else kw["size"],
                             scale_factor=None if kw["scale_factor"] == "N" else kw["scale_factor"],
                             mode=kw["mode"], align_corners=kw["align_corners"], antialias=kw["antialias"])
    return [("x", ft(s), True)], kw, f


@op("conv3d", 2)
def _():
    n, cin = 1, R.choice([1, 2])
    cout = R.choice([1, 2])
    k = [R.randint(1, 2) for _ in range(3)]
    st, pd = R.choice([1, 2]), R.choice([0, 1])
    args = [("x", ft([n, cin] + [R.randint(2, 4) for _ in range(3)]), True), ("weight", ft([cout, cin] + k), True)]
    if R.random() < 0.5:
        args.append(("bias", ft([cout]), True))
    return args, {"stride": st, "padding": pd}, lambda a: F.conv3d(a["x"], a["weight"], a.get("bias"), st, pd)


@op("pool3d", 2)
def _():
    kind = R.choice(["max", "avg", "adaptive_avg"])
    s = [1, R.randint(1, 2)] + [R.randint(2, 4) for _ in range(3)]
    if kind == "adaptive_avg":
        o = R.randint(1, 3)
        return [("x", ft(s), True)], {"kind": kind, "output_size": o}, lambda a: F.adaptive_avg_pool3d(a["x"], o)
    k = 2
    p = R.choice([0, 1])
    kw = {"kind": kind, "kernel_size": k, "stride": 1, "padding": p}
    if kind == "max":
        return [("x", ft(s), True)], kw, lambda a: F.max_pool3d(a["x"], k, 1, p)
    return [("x", ft(s), True)], kw, lambda a: F.avg_pool3d(a["x"], k, 1, p)


@op("pad", 3)
def _():
    mode = R.choice(["constant", "reflect", "replicate", "circular"])
    nd = R.choice([1, 2])
    s = [R.randint(1, 2), R.randint(1, 2)] + [R.randint(2, 4) for _ in range(nd)]
    pads = []
    for d in range(nd):
        m = s[-1 - d] - 1 if mode == "reflect" else s[-1 - d]
        pads += [R.randint(0, min(2, m)), R.randint(0, min(2, m))]
    val = 0.5 if mode == "constant" else 0.0
    return [("x", ft(s), True)], {"pad": pads, "mode": mode, "value": val}, \
        lambda a: F.pad(a["x"] * a["x"], pads, mode, val) if mode == "constant" else F.pad(a["x"] * a["x"], pads, mode)


@op("unfold_fold", 2)
def _():
    kind = R.choice(["unfold", "fold"])
    k = [R.randint(1, 2), R.randint(1, 2)]
    if kind == "unfold":
        s = [1, R.randint(1, 2), R.randint(2, 4), R.randint(2, 4)]
        return [("x", ft(s), True)], {"kind": kind, "kernel_size": k}, lambda a: F.unfold(a["x"] * a["x"], k)
    o = [R.randint(2, 4), R.randint(2, 4)]
    c = R.randint(1, 2)
    L = (o[0] - k[0] + 1) * (o[1] - k[1] + 1)
    return [("x", ft([1, c * k[0] * k[1], L]), True)], {"kind": kind, "output_size": o, "kernel_size": k}, \
        lambda a: F.fold(a["x"] * a["x"], o, k)


@op("pixel_shuffle")
def _():
    r = 2
    if R.random() < 0.5:
        return [("x", ft([1, 4 * R.randint(1, 2), R.randint(1, 3), R.randint(1, 3)]), True)], {"kind": "shuffle"}, \
            lambda a: F.pixel_shuffle(a["x"] * a["x"], r)
    return [("x", ft([1, R.randint(1, 2), 2 * R.randint(1, 2), 2 * R.randint(1, 2)]), True)], {"kind": "unshuffle"}, \
        lambda a: F.pixel_unshuffle(a["x"] * a["x"], r)


@op("lp_pool2d")
def _():
    p = R.choice([1.0, 2.0, 3.0])
    s = [1, R.randint(1, 2), R.randint(2, 4), R.randint(2, 4)]
    return [("x", ft(s, 0.1, 2), True)], {"norm_type": p, "kernel_size": 2}, lambda a: F.lp_pool2d(a["x"], p, 2)


@op("local_response_norm")
def _():
    s = [R.randint(1, 2), R.randint(1, 4)] + [R.randint(1, 3) for _ in range(R.choice([1, 2]))]
    size = R.randint(1, 3)
    return [("x", ft(s), True)], {"size": size}, lambda a: F.local_response_norm(a["x"], size, 1e-2, 0.75, 1.0)


@op("multi_margin_loss", 2)
def _():
    n, c = R.randint(1, 4), R.randint(2, 4)
    p = R.choice([1, 2])
    kw = {"p": p, "margin": R.choice([1.0, 0.5]), "reduction": rd()}
    t = torch.tensor([R.randrange(c) for _ in range(n)], dtype=I64)
    return [("input", ft([n, c]), True), ("target", t, False)], kw, \
        lambda a: F.multi_margin_loss(a["input"], a["target"], p, kw["margin"], reduction=kw["reduction"])


@op("multilabel_margin_loss")
def _():
    n, c = R.randint(1, 3), R.randint(2, 4)
    rows = []
    for _ in range(n):
        k = R.randint(0, c)
        labels = R.sample(range(c), k)
        rows += labels + [-1] * (c - k)
    kw = {"reduction": rd()}
    return [("input", ft([n, c]), True), ("target", torch.tensor(rows, dtype=I64).reshape(n, c), False)], kw, \
        lambda a: F.multilabel_margin_loss(a["input"], a["target"], reduction=kw["reduction"])


@op("triplet_margin_loss", 2)
def _():
    n, d = R.randint(1, 3), R.randint(1, 4)
    p = R.choice([1.0, 2.0, 3.0])
    sw = R.random() < 0.3
    kw = {"margin": 1.0, "p": p, "eps": 1e-6, "swap": sw, "reduction": rd()}
    return [("anchor", ft([n, d]), True), ("positive", ft([n, d]), True), ("negative", ft([n, d]), True)], kw, \
        lambda a: F.triplet_margin_loss(a["anchor"], a["positive"], a["negative"], 1.0, p, 1e-6, sw,
                                        reduction=kw["reduction"])


@op("cdist", 2)
def _():
    p = R.choice([2.0, 1.0, 3.0])
    b = R.random() < 0.3
    s1 = ([2] if b else []) + [R.randint(1, 4), R.randint(1, 3)]
    s2 = list(s1)
    s2[-2] = R.randint(1, 4)
    return [("x1", ft(s1), True), ("x2", ft(s2), True)], {"p": p}, lambda a: torch.cdist(a["x1"], a["x2"], p)


@op("pdist")
def _():
    p = R.choice([2.0, 1.0, 3.0])
    return [("x", ft([R.randint(2, 4), R.randint(1, 3)]), True)], {"p": p}, lambda a: F.pdist(a["x"], p)


@op("bilinear")
def _():
    n, i1, i2, o = R.randint(1, 3), R.randint(1, 3), R.randint(1, 3), R.randint(1, 3)
    args = [("input1", ft([n, i1]), True), ("input2", ft([n, i2]), True), ("weight", ft([o, i1, i2]), True)]
    if R.random() < 0.5:
        args.append(("bias", ft([o]), True))
    return args, {}, lambda a: F.bilinear(a["input1"], a["input2"], a["weight"], a.get("bias"))


@op("embedding_bag", 2)
def _():
    nv, d = R.randint(2, 5), R.randint(1, 3)
    mode = R.choice(["sum", "mean", "max"])
    m = R.randint(1, 6)
    idx = torch.tensor([R.randrange(nv) for _ in range(m)], dtype=I64)
    offs = sorted(set([0] + [R.randrange(m) for _ in range(R.randint(0, 2))]))
    args = [("input", idx, False), ("weight", ft([nv, d]), True), ("offsets", torch.tensor(offs, dtype=I64), False)]
    return args, {"mode": mode}, lambda a: F.embedding_bag(a["input"], a["weight"] * a["weight"], a["offsets"],
                                                           mode=mode)


@op("grid_sample", 3)
def _():
    mode = R.choice(["bilinear", "nearest", "bicubic"])
    pm = R.choice(["zeros", "border", "reflection"])
    al = R.random() < 0.5
    n, c = R.randint(1, 2), R.randint(1, 2)
    args = [("x", ft([n, c, R.randint(2, 4), R.randint(2, 4)]), True),
            ("grid", ft([n, R.randint(1, 3), R.randint(1, 3), 2], -1.1, 1.1), mode != "nearest")]
    return args, {"mode": mode, "padding_mode": pm, "align_corners": al}, \
        lambda a: F.grid_sample(a["x"], a["grid"], mode, pm, al)


@op("ctc_loss", 2)
def _():
    T, N, C = R.randint(3, 5), R.randint(1, 2), R.randint(2, 4)
    S = R.randint(1, 2)
    targets = torch.tensor([R.randint(1, C - 1) for _ in range(N * S)], dtype=I64).reshape(N, S)
    il = torch.tensor([T] * N, dtype=I64)
    tl = torch.tensor([R.randint(1, S) for _ in range(N)], dtype=I64)
    kw = {"blank": 0, "reduction": rd(), "zero_infinity": False}
    return [("x", ft([T, N, C]), True), ("targets", targets, False), ("input_lengths", il, False),
            ("target_lengths", tl, False)], kw, \
        lambda a: F.ctc_loss(F.log_softmax(a["x"], 2), a["targets"], a["input_lengths"], a["target_lengths"], 0,
                             kw["reduction"], False)


@op("logcumsumexp")
def _():
    s = shp(R.choice([1, 2]))
    d = dim_of(s)
    return [("x", ft(s), True)], {"dim": d}, lambda a: torch.logcumsumexp(a["x"], d)


@op("shape_ops", 2)
def _():
    kind = R.choice(["trace", "diag", "triu", "flip", "roll", "median"])
    s = [R.randint(1, 4), R.randint(1, 4)]
    # trace of a non-square matrix: 1.13's trace_backward fills every (sizes[1] + 1)-th element up to numel (x[2, 0]
    # of a [3, 1] matrix too); 2.x's (FunctionsManual trace_backward_symint) only the min(M, N) diagonal elements:
    # the generator writes 2.x's through diagonal().sum() there (the same value)
    f = {"trace": lambda x: torch.trace(x) if x.size(0) == x.size(1) else torch.diagonal(x).sum(), "diag": lambda x: torch.diag(x, 0), "triu": lambda x: torch.triu(x, 0),
         "flip": lambda x: torch.flip(x, [0]), "roll": lambda x: torch.roll(x, 1, 1),
         "median": lambda x: torch.median(x)}[kind]
    return [("x", ft(s), True)], {"kind": kind}, lambda a: f(a["x"] * a["x"])


@op("linalg", 3)
def _():
    kind = R.choice(["det", "inverse", "logdet", "cholesky"])
    n = R.randint(1, 3)
    m = ft([n, n], -1, 1)
    x = m @ m.T + n * torch.eye(n, dtype=F64) if kind in ("logdet", "cholesky") else m + 2 * torch.eye(n, dtype=F64)
    f = {"det": torch.det, "inverse": torch.inverse, "logdet": torch.logdet,
         "cholesky": lambda t: torch.linalg.cholesky((t + t.T) / 2)}[kind]
    return [("x", x, True)], {"kind": kind}, lambda a: f(a["x"])


@op("blas", 3)
def _():
    kind = R.choice(["baddbmm", "addbmm", "addmv", "addr"])
    b, n, k, m = R.randint(1, 2), R.randint(1, 3), R.randint(1, 3), R.randint(1, 3)
    be, al = R.choice([1.0, 0.5]), R.choice([1.0, 2.0])
    kw = {"kind": kind, "beta": be, "alpha": al}
    if kind == "baddbmm":
        args = [("b", ft([b, n, m]), True), ("x", ft([b, n, k]), True), ("y", ft([b, k, m]), True)]
        return args, kw, lambda a: torch.baddbmm(a["b"], a["x"], a["y"], beta=be, alpha=al)
    if kind == "addbmm":
        args = [("b", ft([n, m]), True), ("x", ft([b, n, k]), True), ("y", ft([b, k, m]), True)]
        return args, kw, lambda a: torch.addbmm(a["b"], a["x"], a["y"], beta=be, alpha=al)
    if kind == "addmv":
        args = [("b", ft([n]), True), ("x", ft([n, k]), True), ("y", ft([k]), True)]
        return args, kw, lambda a: torch.addmv(a["b"], a["x"], a["y"], beta=be, alpha=al)
    args = [("b", ft([n, m]), True), ("x", ft([n]), True), ("y", ft([m]), True)]
    return args, kw, lambda a: torch.addr(a["b"], a["x"], a["y"], beta=be, alpha=al)


# --------------------------------------------------------------------------------------------------------------
def err_text(e):
    return str(e).split("\n")[0]


def case(k, name):
    builder, _ = OPS[name]
    args, kw, fn = builder()
    return emit("r37_%d" % k, name, args, kw, fn)


def emit(label, name, args, kw, fn, forced_cl=None):
    lines = ["=== %s %s float64" % (label, name)]
    for n, t, _ in args:
        lines.append("a %s %s" % (n, tline(t)))
    rg = [n for n, t, g in args if g]
    lines.append("rg " + " ".join(rg))
    lines.append("s " + " ".join([name] + ["%s=%s" % (key, pv(val)) for key, val in kw.items()]))
    lines.append("tol 1000")
    # instance_norm: 1.13's backward with a channels-last upstream is wrong (its gradient of x differs from the same
    # values row-major; a layout cannot change a gradient): no channels-last there, the row-major answer is the answer
    cl = [n for n, t, g in args if t.dim() == 4 and t.is_floating_point() and R.random() < 0.3]
    if name == "instance_norm":
        cl = []
    if forced_cl is not None:
        cl = [n for n in forced_cl if n != "v"]
    leaves = {}
    for n, t, g in args:
        t = t.clone().contiguous(memory_format=torch.channels_last) if n in cl else t.clone()
        leaves[n] = t.requires_grad_(True) if g else t
    try:
        y = fn(leaves)
    except Exception as e:  # noqa
        lines.append("err " + err_text(e))
        return lines
    lines.append("o " + tline(y))
    v = ft(list(y.shape), -1, 1)
    if (v.dim() == 4 and R.random() < 0.3 and name != "instance_norm") if forced_cl is None else "v" in forced_cl:
        v = v.contiguous(memory_format=torch.channels_last)
        cl.append("v")
    v.requires_grad_(True)
    lines.append("v " + tline(v))
    if cl:
        lines.append("cl " + " ".join(cl))
    ins = [leaves[n] for n in rg]
    g1 = torch.autograd.grad((y * v).sum(), ins, create_graph=True, allow_unused=True)
    terms = []
    for n, g in zip(rg, g1):
        lines.append("g1 %s %s" % (n, "none" if g is None else tline(g)))
    for n, g in zip(rg, g1):
        if g is None:
            continue
        w = ft(list(g.shape), -1, 1)
        lines.append("w %s %s" % (n, tline(w)))
        if g.requires_grad:
            terms.append((g * w).sum())
    if not terms:
        return lines
    try:
        g2 = torch.autograd.grad(sum(terms), ins + [v], allow_unused=True)
    except Exception as e:  # noqa
        lines.append("err2 " + err_text(e))
        return lines
    for n, g in zip(rg + ["v"], g2):
        lines.append("g2 %s %s" % (n, "none" if g is None else tline(g)))
    return lines


def fixes():
    """FuzzRound37FixesTest's cases (FUZZ_FIXES=1), one a fix."""
    out = []
    x = ft([1, 2, 3, 4])
    out += emit("fix_nearest_identity", "interpolate", [("x", x, True)],
                {"size": [3, 4], "mode": "nearest", "align_corners": None},
                lambda a: F.interpolate(a["x"], size=[3, 4], mode="nearest"), [])
    x = ft([2, 3, 2, 3])
    out += emit("fix_nearest_channels_last_upstream", "interpolate", [("x", x, True)],
                {"size": [4, 5], "mode": "nearest", "align_corners": None},
                lambda a: F.interpolate(a["x"], size=[4, 5], mode="nearest"), ["v"])
    x = ft([1, 2, 2, 2])
    out += emit("fix_nearest_exact_identity", "interpolate_more", [("x", x, True)],
                {"size": [2, 2], "scale_factor": "N", "mode": "nearest-exact", "align_corners": None,
                 "antialias": False},
                lambda a: F.interpolate(a["x"], size=[2, 2], mode="nearest-exact"), [])
    return out


def main():
    if os.environ.get("FUZZ_FIXES"):
        print("\n".join(fixes()))
        return
    names = sorted(OPS)
    plan = []
    for n in names:
        plan += [n] * max(1, int(round(OPS[n][1] * 10 * SCALE_N)))
    R.shuffle(plan)
    for k, n in enumerate(plan):
        OUT.extend(case(k, n))
    print("\n".join(OUT))


main()
