# Differential fuzz round 31 for DifferentialFuzzR31Test.java: seeded single calls of the ops WHOSE ANSWER DEPENDS ON
# ORDER, TIES AND NaN (values, indices and float64 gradients), run in PyTorch with every result recorded;
# FuzzR31Interpreter.java replays each in Ember.
#   run: cd engine-cpu/src/test/resources/differentialfuzzr31 && /usr/bin/python3 make_cases.py > cases.txt
#   (PyTorch 1.13 CPU; seed 31, every draw seeded, so a second run writes the same bytes)
#   a local hunt: FUZZ_SEED=<s> FUZZ_N=<n> /usr/bin/python3 make_cases.py > /tmp/hunt.txt, then the test with
#   -Dember.fuzz31.file=/tmp/hunt.txt (inside -Dember.test.argLine); FUZZ_N scales the number of cases per op
#   the fixes' cases (FuzzRound31FixesTest): FUZZ_FIXES=1 /usr/bin/python3 make_cases.py > fixes.txt
#
# Rounds 1, 8 and 11 drew sort / argsort / topk / kthvalue / median / mode / unique / cummax / argmax over random
# values (round 1 and 8 compared topk's and kthvalue's indices loosely where values tie) and round 11 over integer
# duplicates. This round makes ties, NaN, +-inf and -0.0 the subject, in floating inputs above all: the values are drawn
# from small pools (a few k/4 values, or 0.0 / -0.0 / +-inf / NaN / 1 mixed), so most lines hold ties; the indices of
# every op are compared EXACTLY (topk's and kthvalue's and median's order among ties is PyTorch's CPU kernels' own:
# libstdc++'s partial_sort / nth_element / sort and ATen's quick_select, which Ember reproduces), and the values of
# the selecting ops bit for bit (-0.0 against 0.0, NaN's place).
#
# Ops (one call each): sort (dim, descending, stable None / True / False), argsort, msort, topk (k 0 .. n, largest,
# sorted; lines up to 300 long so partial_sort (k * 64 <= n) and nth_element both run), kthvalue, median / nanmedian
# (all elements and along a dim, even sizes), mode, quantile / nanquantile (q a float or a 0-dim / 1-D tensor, every
# interpolation, dim None or an int, keepdim), max / min (all, and with dim), amax / amin (dims lists), aminmax,
# argmax / argmin (None or a dim), cummax / cummin, logcumsumexp, unique (sorted, return_inverse, return_counts, dim),
# unique_consecutive, searchsorted (right, side, sorter, out_int32, NaN and out-of-range values, 1-D or N-D
# sequences), bucketize, histc (bins, min / max, data's range), bincount (weights, minlength), count_nonzero (dims),
# nansum / nanmean, var / std / var_mean / std_mean (correction 0, 1, 2, a float, and larger than the count).
# Inputs: float64 (requires grad: the gradient for a random k/8 upstream gradient of every differentiable output),
# float32, float16, bfloat16, int64, bool where drawn; shapes 0-dim to 3-D with sizes 0 to 6, some empty dims;
# seen through transposed, strided, narrowed, permuted and expanded (stride 0) views; bad arguments (dims out of range,
# k out of range, q outside [0, 1], bad interpolation, bins <= 0, min > max, negative bincount inputs, mismatched
# weights, empty dims for the reductions that refuse them) recorded with PyTorch's first message line.
#
# Not drawn (Ember lacks the form): argmax / argmin with dim=None and keepdim=True; the out= keyword; unique with
# sorted=False (2.x's CPU kernel then returns the hash set's order, which no other implementation reproduces).
# 1.13's backward fails for a few std calls (StdBackward0 "returned an invalid gradient ... got [] but expected shape
# compatible with [1]"): those cases record the values only (the generator prints them on stderr).
#
# Format: "=== r31_<k> <op> <input dtype>", then lines by first word:
#   x <tensor>          the input base (r17's tensor lines: "dtype [shape] : values"); float64 bases require grad
#                       when the op is differentiable (line "rg")
#   view <recipe>       the call sees this view of the base (FuzzCaseRunner.view's steps); absent: the base itself
#   a <name> <tensor>   a tensor argument: q (quantile), seq (searchsorted's sorted sequence, x being the values),
#                       bnd (bucketize's boundaries), sorter, w (bincount's weights)
#   s <op> [k=v ...]    the call: N is None, lists "a,b", E an empty list
#   err <message>       PyTorch refuses with this (first line); the base must be unchanged
#   o <tensor>          the outputs in order (values then indices; unique's values, inverse, counts as asked)
#   fn <name>           the first output's grad_fn name (absent: none)
#   g <tensor>          one upstream gradient per differentiable output, in order (backward of sum(out_i * g_i))
#   gx <tensor>         the base's gradient (the line "gx none": no gradient reached it)
#   cmp bits|tol        bits: floating values compared bit for bit (NaN as NaN), for the ops that select elements
#                       (their gradients too: each element is an upstream value or a sum of them); tol: values within
#                       tol * max(1, max |expected|) over the tensor, tol 1e-12 (float64), 1e-5 (float32), 2^-7
#                       (bfloat16), 2^-10 (float16), for the ops that compute (quantile's interpolation, logcumsumexp,
#                       nansum, nanmean, var / std and their gradients). Integers and indices always exactly. A
#                       gradient through an expanded view (a sum over the copies, whose rounding is the sum's order)
#                       is compared within the tolerance.
#
# 1.13 and 2.x (Ember follows 2.x):
# - float16 on the CPU: 1.13 refuses topk, kthvalue, median, nanmedian, aminmax, cummax / cummin, unique,
#   unique_consecutive ('"<kernel>" not implemented for 'Half''); 2.x's kernels take Half (AT_DISPATCH_ALL_TYPES_AND2
#   / AND3 with kHalf and kBFloat16 in Sorting.cpp, TopKImpl.h, ReduceOps.cpp, Unique.cpp). These ops select elements,
#   and float16 -> float32 is exact and keeps the order (NaN included), so the generator runs them on the float32 copy
#   and converts the values back: 2.x's answer, values and indices, for every case drawn. float16 logcumsumexp and
#   float16 / bfloat16 histc (computed in the type's own arithmetic) are not drawn. The same for bfloat16 where 1.13
#   refuses it (aminmax: '"aminmax_cpu" not implemented for 'BFloat16''; 2.x's kernel takes it).
# - aminmax's gradient: 1.13 has no derivative ("derivative for aten::aminmax is not implemented"); 2.x's
#   AminmaxBackward0 is amin's and amax's (each output's gradient shared evenly among the elements equal to it): the
#   generator takes it from amin and amax over the same dims.
# - var / var_mean with a float correction (0.5 drawn): 1.13 takes an int only; 2.x divides by max(0, N - c)
#   (var_mean's and var's CPU kernel), and its gradient is var_backward's 2 (x - mean) g / (N - c): computed by
#   composition in float64 (compared within the tolerance). std / std_mean draw int corrections only with it.
# - var / std / var_mean / std_mean over every element (dim None, or a 0-dim input) with n <= correction: 2.x's
#   var_backward has a branch 1.13 lacks (grad * where(self == self.mean(), NaN, inf)); the generator runs that
#   gradient (class Var2x) under the 2.x node name.
# - aminmax of a 0-dim input with a dim and keepdim: 1.13 gives shape [1], 2.x's meta function (get_reduction_shape
#   of a 0-dim tensor) shape []: reshaped.
# - sort with stable=None: 1.13 asserts ("c10::optional<bool> for stable has to have value"), 2.x takes the default:
#   the generator calls sort without stable there.
# - sort / argsort / msort with stable False or None (msort is sort(dim=0)): the order among equal elements is the
#   algorithm's, and 2.x's CPU algorithm is the build's (SortingKernel.cpp: x86-simd-sort's keyvalue_qsort on AVX2 /
#   AVX512 builds for int32, int64, float32, float64, std::sort elsewhere; 1.13's is std::sort, whose insertion sort
#   keeps ties in order up to 16 elements only); 2.x also returns an expanded (stride 0) line's indices as 0..n-1
#   without sorting. Ember gives the stable order for every value of stable (documented on Tensor.sort): the cases
#   write the stable order (torch.sort(stable=True)), under the grad_fn name of the call drawn (SortBackward0 without
#   stable=, SortBackward1 with it). The values are the same in every order but for -0.0 / 0.0 and NaN's bits.
# - median / nanmedian / kthvalue / mode of an expanded (stride 0) input: 1.13's median reads garbage past the line
#   (values like 7.1e-322: median_with_indices_impl copies the reduced dim only when its stride is > 1 and then reads
#   it as contiguous); kthvalue clones the input contiguous first. The cases write the answer for the contiguous copy
#   (the same values at the same positions), what a kernel that reads the line gives.
# - unique without dim: 1.13's CPU kernel sorts with a comparator NaN breaks (its values come out unsorted where NaN is
#   present); 2.x's (Unique.cpp, unique_cpu_sorted_template, all dtypes) sorts the flattened input with NaN last and
#   starts a new value wherever an element != the one before (each NaN its own value): written by unique_2x below, with
#   the stable order of the sort (2.x's sort there is the non-stable one: which of -0.0 / 0.0 and which NaN comes first
#   is the build's).
# - unique(dim) of a 3-D input with dim 2: 2.x's kernel (Unique.cpp, _unique_dim_cpu_template) flattens each slice as
#   moveaxis(dim, 0) orders it, 1.13's as transpose(dim, 0): another element order, so another lexicographic order of
#   the slices. The generator runs 1.13's kernel (the same libstdc++ std::sort, the same comparator, by which NaN, < and
#   > both false, passes to the next element) on the slices flattened in 2.x's order (unique_dim_2x).
# - which zero min / max / amin / amax / aminmax return when -0.0 and 0.0 tie: aminmax along a dim is a scalar loop
#   that keeps the first (1.13 and 2.x, every type: the float32 emulation of float16 / bfloat16 is exact there); the
#   vectorized reductions (all elements, amin / amax) leave the lanes' choice, which depends on the build's vector width
#   (this 1.13 runs AVX2, 2.x wheels AVX512 on this machine) and, in 2.x, differs for float16 / bfloat16 (converted to
#   float vectors of another layout): not emulated, and Ember's kernels take -0.0 for a min and 0.0 for a max there.
# - quantile's grad_fn: 1.13's SqueezeBackward3 is 2.x's SqueezeBackward4 (squeeze_(dim), after 2.x's squeeze.dims).
# - histc: 1.13's kernel maps x to (x - min) / (max - min) * bins, 2.x's (aten/src/ATen/native/cpu/HistogramKernel.cpp)
#   to (x - min) * bins / (max - min), in the input's type; the generator counts the bins with 2.x's formula (numpy
#   float32 / float64 arithmetic, each operation rounded once as C++'s), the edges as 2.x's linspace (the end exact).
import math
import os
import random
import warnings

import numpy as np
import torch

warnings.simplefilter("ignore")
SEED = int(os.environ.get("FUZZ_SEED", "31"))
SCALE_N = float(os.environ.get("FUZZ_N", "1"))
R = random.Random(SEED)
torch.manual_seed(SEED)
torch.set_num_threads(1)

F64, F32, F16, BF16, I64, BOOL = torch.float64, torch.float32, torch.float16, torch.bfloat16, torch.int64, torch.bool
OUT = []
COUNT = [0]
NO_GRAD = [False]
NAN = float("nan")
INF = float("inf")


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
    vals = t.reshape(-1).tolist()
    if t.dtype == BOOL:
        body = " ".join("True" if v else "False" for v in vals)
    elif t.is_floating_point():
        body = " ".join(num(v) for v in t.to(F64).reshape(-1).tolist())
    else:
        body = " ".join(str(int(v)) for v in vals)
    return "%s [%s] : %s" % (dname(t), ", ".join(str(s) for s in shape), body)


def pv(v):
    if v is None:
        return "N"
    if isinstance(v, (list, tuple)):
        return ",".join(str(x) for x in v) if len(v) else "E"
    if isinstance(v, float):
        return num(v)
    return str(v)


def err_text(e):
    return str(e).split("\n")[0]


# ------------------------------------------------------------------ values, shapes, views

def pool_values(n, dtype):
    if dtype == BOOL:
        return [R.random() < 0.5 for _ in range(n)]
    if dtype == I64:
        k = R.random()
        if k < 0.5:
            pool = [R.randint(-3, 3) for _ in range(R.randint(1, 3))]
            return [R.choice(pool) for _ in range(n)]
        return [R.randint(-4, 4) for _ in range(n)]
    k = R.random()
    if k < 0.35:  # few distinct values: ties
        pool = [R.randint(-8, 8) / 4 for _ in range(R.randint(1, 3))]
        if R.random() < 0.3:
            pool.append(R.choice([NAN, INF, -INF, -0.0]))
        return [R.choice(pool) for _ in range(n)]
    if k < 0.65:  # the special values mixed
        pool = [NAN, INF, -INF, -0.0, 0.0, 1.0, -1.0, 0.5]
        return [R.choice(pool) if R.random() < 0.6 else R.randint(-16, 16) / 8 for _ in range(n)]
    if k < 0.8:  # NaN-heavy
        return [NAN if R.random() < 0.5 else R.randint(-8, 8) / 4 for _ in range(n)]
    return [R.randint(-64, 64) / 16 for _ in range(n)]


def make(shape, dtype, vals=None):
    n = 1
    for s in shape:
        n *= s
    if vals is None:
        vals = pool_values(n, dtype)
    if dtype == BOOL:
        return torch.tensor(vals, dtype=BOOL).reshape(shape)
    if dtype == I64:
        return torch.tensor(vals, dtype=I64).reshape(shape)
    return torch.tensor(vals, dtype=F64).reshape(shape).to(dtype)


def draw_shape(allow_empty=True, big=False):
    if big and R.random() < 0.25:
        return [R.choice([17, 20, 33, 64, 65, 100, 129, 200, 300])] if R.random() < 0.7 else \
            [R.randint(1, 3), R.choice([17, 40, 70, 130])]
    rank = R.choice([0, 1, 1, 1, 2, 2, 2, 3])
    lo = 0 if allow_empty and R.random() < 0.12 else 1
    return [R.randint(lo, 6) for _ in range(rank)]


def apply_view(t, recipe):
    if recipe is None:
        return t
    for step in recipe.split(" ; "):
        w = step.split(" ")
        a = [int(x) for x in w[1:]]
        if w[0] == "transpose":
            t = t.transpose(a[0], a[1])
        elif w[0] == "slice":
            t = t[tuple([slice(None)] * a[0] + [slice(a[1], a[2], a[3])])]
        elif w[0] == "narrow":
            t = t.narrow(a[0], a[1], a[2])
        elif w[0] == "permute":
            t = t.permute(*a)
        elif w[0] == "expand":
            t = t.expand(*a)
        else:
            raise ValueError(step)
    return t


def draw_view(shape):
    """(base shape, recipe) whose view has `shape`; recipe None: the base itself."""
    rank = len(shape)
    k = R.random()
    if rank >= 2 and k < 0.15:
        a, b = R.sample(range(rank), 2)
        base = list(shape)
        base[a], base[b] = base[b], base[a]
        return base, "transpose %d %d" % (a, b)
    if rank >= 1 and k < 0.27:
        d = R.randrange(rank)
        base = list(shape)
        base[d] = 2 * shape[d]
        return base, "slice %d 0 %d 2" % (d, 2 * shape[d])
    if rank >= 1 and k < 0.35:
        d = R.randrange(rank)
        base = list(shape)
        base[d] = shape[d] + 2
        return base, "narrow %d 1 %d" % (d, shape[d])
    if rank == 3 and k < 0.42:
        perm = list(range(3))
        while perm == [0, 1, 2]:
            R.shuffle(perm)
        base = [0] * 3
        for i, p in enumerate(perm):
            base[p] = shape[i]
        return base, "permute %s" % " ".join(map(str, perm))
    if rank >= 1 and k < 0.52:
        cands = [d for d in range(rank) if shape[d] > 1]
        if cands:
            base = list(shape)
            for d in R.sample(cands, R.randint(1, min(2, len(cands)))):
                base[d] = 1
            return base, "expand %s" % " ".join(map(str, shape))
    return list(shape), None


def rand_dim(rank, bad=0.04):
    if R.random() < bad:
        return R.choice([rank, -rank - 1, rank + 2])
    r = max(rank, 1)
    d = R.randrange(r)
    return d - r if R.random() < 0.3 else d


def eighths_like(t):
    n = t.numel()
    return torch.tensor([R.randint(-16, 16) / 8 for _ in range(n)], dtype=F64).reshape(t.shape)


# ------------------------------------------------------------------ the ops: each draws (dtype, shape) and its arguments

EMUL16 = {"topk", "kthvalue", "median", "nanmedian", "aminmax", "cummax", "cummin", "unique", "unique_consecutive"}
DIFF = {"sort", "msort", "topk", "kthvalue", "median", "nanmedian", "mode", "quantile", "nanquantile", "max", "min",
        "amax", "amin", "aminmax", "cummax", "cummin", "logcumsumexp", "nansum", "nanmean", "var", "std", "var_mean",
        "std_mean"}
TOL = {"quantile", "nanquantile", "logcumsumexp", "nansum", "nanmean", "var", "std", "var_mean", "std_mean"}
ALL = [F64, F64, F64, F32, F32, F16, BF16, I64, BOOL]
FLOATS = [F64, F64, F64, F32, F32, F16, BF16]


def opt_bool():
    return R.random() < 0.5


def draw_args(op, rank, shape):
    """The call's keywords (an ordered list of (name, value)) for an input of this rank."""
    kw = []
    n_at = lambda d: shape[d] if rank else 1
    if op in ("sort", "argsort"):
        kw = [("dim", rand_dim(rank)), ("desc", opt_bool()),
              ("stable", R.choice([None, True, False]) if op == "sort" else R.choice([True, False]))]
    elif op == "topk":
        d = rand_dim(rank)
        n = n_at(d) if -max(rank, 1) <= d < max(rank, 1) else 1
        k = R.choice([0, n, R.randint(0, n), R.randint(0, n), 1]) if R.random() > 0.05 else R.choice([n + 1, -1])
        kw = [("k", k), ("dim", d), ("largest", opt_bool()), ("sorted", opt_bool())]
    elif op == "kthvalue":
        d = rand_dim(rank)
        n = n_at(d) if -max(rank, 1) <= d < max(rank, 1) else 1
        k = R.randint(1, max(n, 1)) if R.random() > 0.05 else R.choice([0, n + 1])
        kw = [("k", k), ("dim", d), ("keepdim", opt_bool())]
    elif op in ("median", "nanmedian", "max", "min"):
        if R.random() < 0.3:
            kw = [("dim", None)]
        else:
            kw = [("dim", rand_dim(rank)), ("keepdim", opt_bool())]
    elif op == "mode":
        kw = [("dim", rand_dim(rank)), ("keepdim", opt_bool())]
    elif op in ("amax", "amin", "nansum", "nanmean", "count_nonzero", "var", "std", "var_mean", "std_mean"):
        k = R.random()
        if k < 0.3 and op not in ("amax", "amin"):
            dims = None
        elif k < 0.36:
            dims = []
        else:
            dims = sorted(set(rand_dim(rank, 0.02) for _ in range(R.randint(1, max(1, rank)))))
        kw = [("dims", dims)]
        if op in ("var", "std", "var_mean", "std_mean"):
            kw.append(("correction", R.choice([None, 0, 1, 1, 2, 5] + ([0.5] if op in ("var", "var_mean") else []))))
        if op != "count_nonzero":
            kw.append(("keepdim", opt_bool()))
    elif op == "aminmax":
        kw = [("dim", None if R.random() < 0.3 else rand_dim(rank)), ("keepdim", opt_bool())]
    elif op in ("argmax", "argmin"):
        d = None if R.random() < 0.3 else rand_dim(rank)
        kw = [("dim", d), ("keepdim", d is not None and opt_bool())]
    elif op in ("cummax", "cummin", "logcumsumexp"):
        kw = [("dim", rand_dim(rank))]
    elif op in ("quantile", "nanquantile"):
        qs = [0.0, 0.25, 0.5, 1 / 3, 0.75, 1.0, 0.1, 0.9, 0.6]
        k = R.random()
        if k < 0.5:
            q = R.choice(qs) if R.random() > 0.05 else R.choice([-0.25, 1.5])
        else:
            q = "T"
        interp = R.choice(["linear", "lower", "higher", "midpoint", "nearest"]) if R.random() > 0.03 else "cubic"
        kw = [("q", q), ("dim", None if R.random() < 0.35 else rand_dim(rank)), ("keepdim", opt_bool()),
              ("interp", interp)]
    elif op == "unique":
        kw = [("sorted", True), ("inv", opt_bool()), ("counts", opt_bool()),
              ("dim", None if R.random() < 0.5 else rand_dim(rank))]
    elif op == "unique_consecutive":
        kw = [("inv", opt_bool()), ("counts", opt_bool()), ("dim", None if R.random() < 0.5 else rand_dim(rank))]
    elif op == "histc":
        k = R.random()
        bins = R.randint(1, 6) if R.random() > 0.04 else R.choice([0, -1])
        if k < 0.4:
            lo, hi = 0.0, 0.0
        elif k < 0.9:
            lo = R.randint(-8, 4) / 4
            hi = lo + R.randint(1, 12) / 4
        elif k < 0.95:
            lo = hi = R.randint(-4, 4) / 2
        else:
            lo, hi = 1.0, -1.0
        kw = [("bins", bins), ("min", lo), ("max", hi)]
    return kw


# grad_fn names 1.13 and 2.x spell differently: squeeze_(dim) is 1.13's 4th squeeze entry of derivatives.yaml, 2.x's
# 5th after squeeze.dims (quantile's last step)
NODES_2X = {"SqueezeBackward3": "SqueezeBackward4"}


def torch_call(op, v, kw, extra):
    a = dict(kw)
    # sort's order among ties with stable False / None is the build's in 2.x (x86-simd-sort or std::sort): the stable
    # order is written (see the header)
    if op == "sort":
        return torch.sort(v, stable=True, dim=a["dim"], descending=a["desc"])
    if op == "argsort":
        return torch.argsort(v, stable=True, dim=a["dim"], descending=a["desc"])
    if op == "msort":
        return torch.sort(v, stable=True, dim=0).values
    if op == "topk":
        return torch.topk(v, a["k"], a["dim"], a["largest"], a["sorted"])
    if op == "kthvalue":
        return torch.kthvalue(v, a["k"], a["dim"], a["keepdim"])
    if op in ("median", "nanmedian", "max", "min"):
        f = getattr(torch, op)
        return f(v) if a["dim"] is None else f(v, a["dim"], a["keepdim"])
    if op == "mode":
        return torch.mode(v, a["dim"], a["keepdim"])
    if op in ("amax", "amin"):
        return getattr(torch, op)(v, a["dims"], a["keepdim"])
    if op in ("nansum", "nanmean"):
        return getattr(torch, op)(v, a["dims"], keepdim=a["keepdim"])
    if op == "count_nonzero":
        return torch.count_nonzero(v, a["dims"])
    if op in ("var", "var_mean") and isinstance(a["correction"], float):
        return var_2x(op, v, a["dims"], a["correction"], a["keepdim"])
    if op in ("var", "std", "var_mean", "std_mean"):
        c = 1 if a["correction"] is None else a["correction"]
        if v.requires_grad and v.is_floating_point() and (a["dims"] is None or v.dim() == 0) and v.numel() - c <= 0:
            return Var2x.apply(v, op, a["dims"], a["correction"], a["keepdim"])
        return getattr(torch, op)(v, a["dims"], correction=a["correction"], keepdim=a["keepdim"])
    if op == "aminmax":
        return torch.aminmax(v, dim=a["dim"], keepdim=a["keepdim"])
    if op in ("argmax", "argmin"):
        return getattr(torch, op)(v, a["dim"], a["keepdim"])
    if op in ("cummax", "cummin", "logcumsumexp"):
        return getattr(torch, op)(v, a["dim"])
    if op in ("quantile", "nanquantile"):
        q = extra["q"] if a["q"] == "T" else a["q"]
        return getattr(torch, op)(v, q, a["dim"], a["keepdim"], interpolation=a["interp"])
    if op == "unique" and a["dim"] is None:
        return unique_2x(v, a["inv"], a["counts"])
    if op == "unique" and v.dim() >= 3 and v.numel() > 0 and -v.dim() <= a["dim"] < v.dim():
        return unique_dim_2x(v, a["dim"], a["inv"], a["counts"])
    if op == "unique":
        return torch.unique(v, sorted=a["sorted"], return_inverse=a["inv"], return_counts=a["counts"], dim=a["dim"])
    if op == "unique_consecutive":
        return torch.unique_consecutive(v, return_inverse=a["inv"], return_counts=a["counts"], dim=a["dim"])
    if op == "histc":
        return torch.histc(v, a["bins"], a["min"], a["max"])
    if op == "searchsorted":
        return torch.searchsorted(extra["seq"], v, out_int32=a["out_int32"], right=a["right"], side=a["side"],
                                  sorter=extra.get("sorter"))
    if op == "bucketize":
        return torch.bucketize(v, extra["bnd"], out_int32=a["out_int32"], right=a["right"])
    if op == "bincount":
        return torch.bincount(v, extra.get("w"), a["minlength"])
    raise ValueError(op)


def var_2x(op, v, dims, c, keepdim):
    """2.x's var / var_mean for a float correction (1.13 takes ints only): PyTorch's own correction-0 var_mean (its
    Welford mean, NaN after an infinity as 2.x's) times n / max(0, n - c), so the gradient is var_backward's
    2 (x - mean) g / (n - c); checked first as 2.x checks the input's type."""
    if not v.is_floating_point():
        raise RuntimeError(("var_mean" if op == "var_mean" else "std and var") +
                           " only support floating point and complex dtypes")
    all_dims = dims is None or len(dims) == 0
    rd = None if all_dims else dims
    var0, mean = torch.var_mean(v, rd, correction=0, keepdim=keepdim)
    n = v.numel() if all_dims else 1
    if not all_dims:
        for d in dims:
            n *= v.shape[d] if v.dim() else 1
    if n - c <= 0:
        NO_GRAD[0] = True  # 2.x's gradient divides by n - c itself, this one by max(0, n - c): values only
    var = var0 * n / max(0.0, n - c) if n - c > 0 else var0 * n / 0.0
    if op == "var":
        return var
    return var, mean


def unique_2x(v, inv, counts):
    """2.x's torch.unique without dim (Unique.cpp's unique_cpu_sorted_template, for every dtype): the flattened input
    sorted (NaN last; the stable order here, see the header), a new value wherever an element != the one before it
    (so each NaN is its own value, -0.0 and 0.0 one value: the first in the sorted order), the inverse through the
    sort's indices, the counts as the gaps between the values' first positions."""
    flat = v.detach().reshape(-1)
    if flat.dtype == BOOL:
        srt, idx = torch.sort(flat.to(torch.uint8), stable=True)
        srt = srt.to(BOOL)
    else:
        srt, idx = torch.sort(flat.to(F32) if flat.dtype in (F16, BF16) else flat, stable=True)
        srt = srt.to(flat.dtype)
    vals = srt.tolist()
    firsts = [i for i in range(len(vals)) if i == 0 or vals[i] != vals[i - 1]]
    out = [srt[firsts].clone() if firsts else srt[:0].clone()]
    if inv:
        inverse = torch.zeros(len(vals), dtype=I64)
        k = -1
        for i in range(len(vals)):
            if i == 0 or vals[i] != vals[i - 1]:
                k += 1
            inverse[idx[i]] = k
        out.append(inverse.reshape(v.shape))
    if counts:
        ends = firsts[1:] + [len(vals)]
        out.append(torch.tensor([e - f for f, e in zip(firsts, ends)], dtype=I64))
    return tuple(out) if len(out) > 1 else out[0]


def unique_dim_2x(v, dim, inv, counts):
    """2.x's unique(dim) of an input of 3 or more dims: 2.x's _unique_dim_cpu_template flattens each slice in the order
    of v.moveaxis(dim, 0), 1.13's in the order of v.transpose(dim, 0) (another order of a slice's elements for dim >= 2,
    so another lexicographic order of the slices). 1.13's own kernel (the same std::sort and comparator) is run on the
    slices flattened in 2.x's order ([n, m], dim 0, where transposing changes nothing) and the values put back."""
    d = dim % v.dim()
    moved = v.moveaxis(d, 0)
    r = torch.unique(moved.reshape(moved.shape[0], -1), sorted=True, return_inverse=inv, return_counts=counts, dim=0)
    r = list(r) if isinstance(r, tuple) else [r]
    r[0] = r[0].reshape([-1] + list(moved.shape[1:])).moveaxis(0, d)
    return tuple(r) if len(r) > 1 else r[0]


class Var2x(torch.autograd.Function):
    """var / std / var_mean / std_mean over every element (dims None, or a 0-dim input) where n <= correction, with
    2.x's gradient (FunctionsManual.cpp's var_backward: grad * where(self == self.mean(), NaN, inf) there, std_backward
    first taking grad / (2 std), 0 where std is 0; 1.13 had no such branch and gives (2 / (n - c)) grad (x - mean)),
    plus mean's grad / n for var_mean / std_mean."""

    @staticmethod
    def forward(ctx, v, op, dims, correction, keepdim):
        r = getattr(torch, op)(v, dims, correction=correction, keepdim=keepdim)
        ctx.op, ctx.keepdim = op, keepdim
        outs = r if isinstance(r, tuple) else (r,)
        ctx.save_for_backward(v, outs[0])
        return r

    @staticmethod
    def backward(ctx, *grads):
        v, first = ctx.saved_tensors
        g = grads[0]
        if ctx.op.startswith("std"):
            g = (g / (first * 2)).masked_fill(first == 0, 0)
        gx = g * torch.where(v == v.mean(), torch.tensor(NAN, dtype=v.dtype), torch.tensor(INF, dtype=v.dtype))
        if ctx.op.endswith("_mean"):
            gx = gx + grads[1] / max(v.numel(), 1)
        return gx, None, None, None, None


def histc_2x(v, bins, lo, hi):
    """2.x's histc (HistogramKernel.cpp's LINEAR_INTERPOLATION, the edges' ends as 2.x's histc and linspace set them)."""
    npt = np.float32 if v.dtype == F32 else np.float64
    x = v.detach().reshape(-1).numpy().astype(npt)
    lo, hi = float(lo), float(hi)
    if lo == hi and x.size > 0:
        lo, hi = float(np.min(x)), float(np.max(x))
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    left, right = npt(lo), npt(hi)
    hist = [0] * bins
    with np.errstate(all="ignore"):
        for e in x:
            if not (e >= left and e <= right):
                continue
            pos = int((e - left) * npt(bins) / (right - left))
            if pos == bins:
                pos -= 1
            hist[pos] += 1
    return torch.tensor(hist, dtype=F64).to(v.dtype)


def outputs(r):
    if isinstance(r, torch.Tensor):
        return [r]
    return [t for t in r]


class Case:
    def __init__(self, op):
        self.op = op
        self.lines = []


def emit(c):
    COUNT[0] += 1
    OUT.append("=== r31_%d %s %s" % (COUNT[0] - 1, c.op, c.dtype))
    OUT.extend(c.lines)


def sorted_seq(shape, dtype):
    t = make(shape, dtype)
    if t.numel() == 0 or dtype == BOOL:
        return t
    return torch.sort(t.to(F64) if dtype in (F16, BF16) else t, dim=-1).values.to(dtype)


def draw_extra(op, dtype, shape):
    """searchsorted / bucketize / bincount / quantile's tensor arguments: {name: tensor}, and the input's dtype."""
    extra = {}
    if op == "searchsorted":
        k = R.random()
        n = R.randint(0, 6)
        if k < 0.6 or len(shape) == 0:
            seq_shape = [n]
        else:
            seq_shape = list(shape[:-1]) + [n]
            if R.random() < 0.05:
                seq_shape[0] += 1  # mismatched leading dims
        sdt = dtype if R.random() > 0.05 else R.choice([F64, F32, I64])
        if R.random() < 0.2:
            unsorted = make(seq_shape, sdt)
            extra["seq"] = unsorted
            if unsorted.numel() and sdt != BOOL:
                extra["sorter"] = torch.argsort(unsorted.to(F64) if sdt in (F16, BF16) else unsorted, dim=-1,
                                                stable=True)
        else:
            extra["seq"] = sorted_seq(seq_shape, sdt)
    elif op == "bucketize":
        bdt = dtype if R.random() > 0.05 else R.choice([F64, F32, I64])
        bshape = [R.randint(0, 6)] if R.random() > 0.04 else [2, 2]
        extra["bnd"] = sorted_seq(bshape, bdt)
    elif op == "bincount":
        if R.random() < 0.5:
            n = shape[0] if len(shape) == 1 else 1
            if R.random() < 0.05:
                n += 1
            extra["w"] = make([n], R.choice([F64, F32, F32, I64]))
    return extra


def case(op):
    c = Case(op)
    dtype = None
    if op in ("searchsorted", "bucketize"):
        dtype = R.choice([F64, F64, F32, F32, I64, F16, BF16, BOOL])
    elif op == "bincount":
        dtype = I64 if R.random() > 0.05 else R.choice([F32, BOOL])
    elif op in ("quantile", "nanquantile"):
        dtype = R.choice([F64, F64, F64, F32, F32]) if R.random() > 0.05 else R.choice([F16, I64])
    elif op == "logcumsumexp":
        dtype = R.choice([F64, F64, F32, BF16]) if R.random() > 0.05 else I64
    elif op == "histc":
        dtype = R.choice([F64, F32, F32]) if R.random() > 0.05 else I64
    elif op in ("var", "std", "var_mean", "std_mean", "nanmean"):
        dtype = R.choice([F64, F64, F32, F32, BF16]) if R.random() > 0.05 else I64
    else:
        dtype = R.choice(ALL)
    big = op in ("sort", "argsort", "topk", "kthvalue", "median", "nanmedian", "mode", "unique", "cummax")
    shape = draw_shape(big=big)
    if op == "bincount":
        shape = [R.randint(0, 8)] if R.random() > 0.04 else [2, 2]
    base_shape, recipe = draw_view(shape)
    c.dtype = dname(make([], dtype))
    if op == "bincount":
        base = torch.tensor([R.randint(0, 6) if R.random() > 0.03 else -1 for _ in range(int(np.prod(base_shape)))],
                            dtype=I64).reshape(base_shape).to(dtype)
    else:
        base = make(base_shape, dtype)
    kw = draw_args(op, len(shape), shape)
    if op == "searchsorted":
        kw = [("right", opt_bool()), ("side", R.choice([None, None, "left", "right"])), ("out_int32", R.random() < 0.2)]
    elif op == "bucketize":
        kw = [("right", opt_bool()), ("out_int32", R.random() < 0.2)]
    elif op == "bincount":
        kw = [("minlength", R.randint(0, 8) if R.random() > 0.03 else -1)]
    extra = draw_extra(op, dtype, shape)
    if op in ("quantile", "nanquantile") and dict(kw)["q"] == "T":
        qs = [0.0, 0.25, 0.5, 1 / 3, 0.75, 1.0, 0.1, 0.9]
        qshape = R.choice([[], [1], [2], [3], [0]]) if R.random() > 0.04 else [2, 1]
        qn = int(np.prod(qshape)) if qshape else 1
        qv = [R.choice(qs) if R.random() > 0.04 else 1.5 for _ in range(qn)]
        qdt = dtype if R.random() > 0.04 else (F32 if dtype == F64 else F64)
        extra["q"] = torch.tensor(qv, dtype=F64).reshape(qshape).to(qdt)
    return record(c, op, dtype, base, recipe, kw, extra)


def record(c, op, dtype, base, recipe, kw, extra, given=None):
    """Runs the call in PyTorch and writes the case's lines; given: the upstream gradients (random k/8 otherwise)."""
    rg = op in DIFF and dtype == F64
    if rg:
        base.requires_grad_(True)
    c.lines.append("x " + tline(base))
    if rg:
        c.lines.append("rg")
    if recipe:
        c.lines.append("view " + recipe)
    for name in ("q", "seq", "sorter", "bnd", "w"):
        if name in extra:
            c.lines.append("a %s %s" % (name, tline(extra[name])))
    c.lines.append("s " + " ".join([op] + ["%s=%s" % (k, pv(v)) for k, v in kw]))
    v = apply_view(base, recipe)
    before = base.detach().clone()
    try:
        if op in ("median", "nanmedian", "kthvalue", "mode") and recipe and "expand" in recipe:
            v = v.contiguous()  # 1.13 reads an expanded (stride 0) line wrongly; 2.x copies the line first
        try:
            r = outputs(torch_call(op, v, kw, extra))
        except RuntimeError as e:
            if not (dtype in (F16, BF16) and op in EMUL16 and "not implemented for" in str(e)):
                raise
            r = outputs(torch_call(op, v.to(F32), kw, extra))
            r = [t.to(dtype) if t.dtype == F32 else t for t in r]
    except (RuntimeError, IndexError, ValueError, TypeError) as e:
        assert torch.equal(before.isnan(), base.detach().isnan())
        c.lines.append("err " + err_text(e))
        return c
    if op == "histc":
        a = dict(kw)
        r = [histc_2x(v, a["bins"], a["min"], a["max"])]
    if op == "aminmax" and v.dim() == 0:
        r = [t.reshape([]) for t in r]  # 1.13 gives [1] for keepdim; 2.x's meta get_reduction_shape keeps 0-dim
    for t in r:
        c.lines.append("o " + tline(t))
    fn = r[0].grad_fn
    diff = [t for t in r if t.requires_grad]
    if NO_GRAD[0]:
        diff = []
        NO_GRAD[0] = False
    if op == "aminmax" and rg:
        # 1.13 has no aminmax derivative; 2.x's (AminmaxBackward0) is amin's and amax's, each output's gradient shared
        # evenly among the elements equal to it: emulated with amin / amax over the same dims
        a = dict(kw)
        dims = list(range(v.dim())) if a["dim"] is None else [a["dim"]]
        diff = [torch.amin(v, dims, a["keepdim"]), torch.amax(v, dims, a["keepdim"])]
        c.lines.append("fn AminmaxBackward0")
    elif fn is not None:
        name = NODES_2X.get(type(fn).__name__, type(fn).__name__)
        if name == "Var2xBackward":
            name = {"var": "VarBackward0", "std": "StdBackward0", "var_mean": "VarMeanBackward0",
                    "std_mean": "StdMeanBackward0"}[op]
        if op == "msort" or (op == "sort" and dict(kw)["stable"] is None):
            name = "SortBackward0"  # sort without stable= (the stable order computed with it, SortBackward1)
        if op in ("var", "var_mean") and isinstance(dict(kw)["correction"], float):
            name = "VarBackward0" if op == "var" else "VarMeanBackward0"
        c.lines.append("fn " + name)
    if diff:
        gs = given if given is not None else [eighths_like(t) for t in diff]
        loss = sum((t * g).sum() for t, g in zip(diff, gs))
        try:
            loss.backward()
        except (RuntimeError, IndexError) as e:  # 1.13's backward bugs: no gradient recorded (listed in the header)
            import sys
            print("no gradient: %s %s: %s" % (op, kw, err_text(e)), file=sys.stderr)
            c.lines.append("cmp " + ("tol" if op in TOL else "bits"))
            return c
        for g in gs:
            c.lines.append("g " + tline(g))
        c.lines.append("gx " + (tline(base.grad) if base.grad is not None else "none"))
    c.lines.append("cmp " + ("tol" if op in TOL else "bits"))
    return c


WEIGHTS = {"sort": 3, "argsort": 2, "msort": 1, "topk": 4, "kthvalue": 3, "median": 3, "nanmedian": 3, "mode": 2,
           "quantile": 4, "nanquantile": 4, "max": 2, "min": 2, "amax": 1.5, "amin": 1.5, "aminmax": 1.5,
           "argmax": 1.5, "argmin": 1.5, "cummax": 2, "cummin": 2, "logcumsumexp": 2, "unique": 3,
           "unique_consecutive": 2, "searchsorted": 3, "bucketize": 2, "histc": 2, "bincount": 2, "count_nonzero": 1,
           "nansum": 1.5, "nanmean": 1.5, "var": 1.5, "std": 1.5, "var_mean": 1, "std_mean": 1}
PER_WEIGHT = 30


def fix(cid, op, base, kw, recipe=None, extra=None, given=None):
    c = Case(op)
    c.dtype = dname(base)
    rec = record(c, op, base.dtype, base, recipe, kw, extra or {}, given)
    OUT.append("=== %s %s %s" % (cid, op, c.dtype))
    OUT.extend(rec.lines)


def fixes():
    """The differences this round found and fixed, one small case each (FuzzRound31FixesTest replays them by id)."""
    t = lambda vals, dt=F64: torch.tensor(vals, dtype=F64).to(dt) if dt != BOOL else torch.tensor(vals, dtype=BOOL)
    # max() / median() of all elements: the elements not chosen get +0.0 (2.x's CPU evenly_distribute_backward fills
    # zeros), not -0.0 from a negative gradient times 0
    fix("f000", "max", t([0.5, 1.0, 1.0, -2.0]), [("dim", None)], given=[torch.tensor(-1.5, dtype=F64)])
    fix("f001", "median", t([3.0, 2.0, 1.0, 2.0, 2.0]), [("dim", None)], given=[torch.tensor(-0.75, dtype=F64)])
    # argmax / argmin of bool: a dim of size 1 gives zeros without the kernel; the dim is checked before the type
    fix("f002", "argmax", t([[True, False]], BOOL), [("dim", 0), ("keepdim", False)])
    fix("f003", "argmin", t([True, False], BOOL), [("dim", -2), ("keepdim", False)])
    fix("f004", "argmax", t([], BOOL), [("dim", None), ("keepdim", False)])
    # topk / kthvalue of a 0-dim bool: copied without the kernel
    fix("f005", "topk", t(True, BOOL), [("k", 1), ("dim", 0), ("largest", True), ("sorted", True)])
    fix("f006", "kthvalue", t(False, BOOL), [("k", 1), ("dim", -1), ("keepdim", True)])
    # cummin / cummax of a 0-dim input take any dim
    fix("f007", "cummin", t(1.25, F32), [("dim", 2)])
    # kthvalue's position among equal values: ATen's quickselect's, NaN above every number
    fix("f008", "kthvalue", t([1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0, NAN, 1.0]), [("k", 4), ("dim", 0), ("keepdim", False)],
        given=[torch.tensor(2.5, dtype=F64)])
    fix("f009", "kthvalue", t([[2, 2, 1, 2, 1, 2, 2, 2]], I64), [("k", 5), ("dim", 1), ("keepdim", True)])
    # mode's value and position: libstdc++'s std::sort with a < b (NaN unordered), the first longest run's last element
    fix("f010", "mode", t([NAN, 2.0, NAN, 1.0, 2.0, NAN, 1.0, 0.5] * 3, F32), [("dim", 0), ("keepdim", False)])
    fix("f011", "mode", t([True, False, True, True, False, False] * 4, BOOL), [("dim", -1), ("keepdim", True)])
    # var of a 0-dim infinity with n <= correction: grad * NaN (self == mean), as 2.x's var_backward
    fix("f012", "var", t(INF), [("dims", [-1]), ("correction", 5), ("keepdim", False)],
        given=[torch.tensor(0.625, dtype=F64)])
    # found by the hunts (seeds 1 and 2): quantile names a bad interpolation before it checks the input; searchsorted /
    # bucketize of an empty bool input returns before the kernel; cummax of an empty input takes any dim; argmin of a
    # 0-dim bool reaches the kernel (refused)
    fix("f013", "quantile", t([1.0, 2.0], F16), [("q", 0.5), ("dim", None), ("keepdim", False), ("interp", "cubic")])
    fix("f014", "bucketize", t([[], []], BOOL).reshape(2, 0), [("right", False), ("out_int32", False)],
        extra={"bnd": t([False, True], BOOL)})
    fix("f015", "cummax", t([], I64), [("dim", 3)])
    fix("f016", "argmin", t(True, BOOL), [("dim", 0), ("keepdim", True)])
    # nanmedian of a line of NaNs: the position libstdc++'s nth_element leaves first (its comparator finds NaNs equal)
    fix("f017", "nanmedian", t([[NAN] * 4, [-0.25, NAN, 1.75, NAN], [NAN] * 4, [NAN] * 4], F32),
        [("dim", 1), ("keepdim", False)])
    fix("f018", "nanmedian", t([NAN] * 100), [("dim", 0), ("keepdim", True)], given=[torch.tensor([1.5], dtype=F64)])
    # session 53: unique(dim) sorts its slices by libstdc++'s std::sort with a lexicographic comparator NaN breaks (< and
    # > both false: the next element decides); 2.x flattens a slice as moveaxis(dim, 0) orders it
    r = random.Random(53)
    rows = [[r.choice([NAN, 0.0, -0.0, 1.0, 2.0]) for _ in range(2)] for _ in range(24)]
    fix("f019", "unique", t(rows), [("sorted", True), ("inv", True), ("counts", True), ("dim", 0)])
    line = [r.choice([NAN, 0.0, -0.0, 0.5, 1.0, -1.0, INF]) for _ in range(40)]
    fix("f020", "unique", t(line, F32), [("sorted", True), ("inv", True), ("counts", False), ("dim", -1)])
    fix("f021", "unique", t([[[0.0, 0.0], [1.0, 0.0]], [[0.0, 1.0], [0.0, 0.0]]]),
        [("sorted", True), ("inv", True), ("counts", True), ("dim", 2)])
    fix("f022", "unique_consecutive", t([[NAN, 1.0], [NAN, 1.0], [0.0, 2.0], [-0.0, 2.0], [1.0, NAN]]),
        [("inv", True), ("counts", True), ("dim", 0)])
    # histc's message prints the range's NaN with its sign: one element is its own min and max (the data's NaN), more
    # go through aminmax's vectorized all-ones NaN ("-nan"); a NaN argument prints as itself
    fix("f023", "histc", t([NAN]), [("bins", 3), ("min", 0.0), ("max", 0.0)])
    fix("f024", "histc", t(NAN, F32), [("bins", 1), ("min", 0.0), ("max", 0.0)])
    fix("f025", "histc", t([1.0, NAN]), [("bins", 2), ("min", 0.0), ("max", 0.0)])
    fix("f026", "histc", t([1.0, 2.0], F32), [("bins", 2), ("min", NAN), ("max", NAN)])
    # median / nanmedian of all elements: libstdc++'s nth_element on the values decides between -0.0 and 0.0
    fix("f027", "median", t([-0.0] * 4 + [0.0] * 4, F32), [("dim", None)])
    fix("f028", "median", t([0.0, 0.0, -0.0, -0.0, -0.0, 0.0, 0.0, 0.0, -0.0, 0.0, 0.0, -0.0, 0.0, -0.0, -0.0, -0.0]),
        [("dim", None)], given=[torch.tensor(0.75, dtype=F64)])
    fix("f029", "nanmedian", t([r.choice([0.0, -0.0, NAN, 0.5, -2.0]) for _ in range(33)], F16), [("dim", None)])
    # median() / nanmedian() of an empty tensor: full({}, NaN).to(its type) before the type is dispatched (bool: True)
    fix("f030", "median", t([], BOOL), [("dim", None)])
    fix("f031", "nanmedian", t([[], []], BOOL).reshape(2, 0), [("dim", None)])
    fix("f032", "median", t([], torch.int32), [("dim", None)])
    # aminmax along a dim keeps the first of equal values (2.x's scalar aminmax_kernel): a zero result is the line's
    # first zero (float16 and bfloat16 compare as float in the same loop: the float32 kernel here, see the header)
    z = [[0.0, -0.0, 1.0], [-0.0, 0.0, -1.0], [1.0, -0.0, 0.0], [-1.0, 0.0, -0.0], [NAN, 0.0, -0.0]]
    fix("f033", "aminmax", t(z, F32), [("dim", 1), ("keepdim", False)])
    fix("f034", "aminmax", t(z, F16), [("dim", -1), ("keepdim", True)])
    fix("f035", "aminmax", t(z), [("dim", 0), ("keepdim", False)], given=[torch.tensor([0.5, -1.0, 1.5], dtype=F64),
                                                                        torch.tensor([2.0, 0.25, -0.5], dtype=F64)])
    print("\n".join(OUT))


def main():
    if os.environ.get("FUZZ_FIXES") == "1":
        fixes()
        return
    cases = []
    for op in sorted(WEIGHTS):
        for _ in range(max(1, int(round(WEIGHTS[op] * PER_WEIGHT * SCALE_N)))):
            cases.append(op)
    R.shuffle(cases)
    for op in cases:
        emit(case(op))
    print("\n".join(OUT))


main()
